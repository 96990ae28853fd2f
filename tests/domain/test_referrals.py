"""The referral pipeline's rules: stages, transitions, deadlines, focus, who may act."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.referrals import (
    Action,
    Actor,
    Application,
    Eligibility,
    Focus,
    Outcome,
    Stage,
    State,
    after_call,
    close_choices,
    deadline,
    is_overdue,
    open_steps,
    parse_focus,
    quarter_key,
    refusal,
    released,
    started,
    taken,
    toggle,
)

WORKER = Actor(7001, coordinator=False, area_ids=(1,))
OTHER = Actor(7002, coordinator=False, area_ids=(2,))
COORDINATOR = Actor(9001, coordinator=True)
E = Eligibility


@pytest.mark.parametrize(("received", "focus", "due"), [
    (date(2026, 11, 18), {Focus.DISASTER}, date(2026, 11, 25)),
    (date(2026, 11, 18), set(), date(2026, 12, 18)),
    (date(2026, 12, 28), {Focus.SERIOUS_ILLNESS}, date(2027, 1, 4)),
    (date(2028, 2, 1), set(), date(2028, 3, 2)),  # leap year
])
def test_deadline_is_a_week_with_focus_else_thirty_days(received: date, focus: set[Focus],
                                                        due: date) -> None:
    assert deadline(received, focus) == due


@pytest.mark.parametrize(("stage", "today", "overdue"), [
    (Stage.NEW, date(2026, 12, 19), True),
    (Stage.APPLIED, date(2026, 12, 19), True),
    (Stage.ASSIGNED, date(2026, 12, 18), False),  # the deadline day itself is in time
    (Stage.CLOSED, date(2027, 1, 1), False),
])
def test_overdue_is_open_and_past_the_deadline(stage: Stage, today: date, overdue: bool) -> None:
    assert is_overdue(stage, date(2026, 12, 18), today) is overdue


@pytest.mark.parametrize(("text", "flags", "unknown"), [
    ("", set(), None), ("否", set(), None), ("大病", {Focus.SERIOUS_ILLNESS}, None),
    ("重大变故、受灾", {Focus.MAJOR_CHANGE, Focus.DISASTER}, None),
    ("severe disability", {Focus.SEVERE_DISABILITY}, None), ("是", {Focus.MAJOR_CHANGE}, None),
    ("大病,失恋", set(), "失恋"),
])
def test_focus_cells(text: str, flags: set[Focus], unknown: str | None) -> None:
    assert parse_focus(text) == (frozenset(flags), unknown)


@pytest.mark.parametrize(("attempts", "reached", "stage", "tries", "outcome"), [
    (0, True, Stage.REACHED, 0, None),
    (0, False, Stage.ASSIGNED, 1, None),
    (1, False, Stage.ASSIGNED, 2, None),
    (2, False, Stage.CLOSED, 3, Outcome.UNREACHABLE),  # the third try closes it
    (2, True, Stage.REACHED, 2, None),
])
def test_calls(attempts: int, reached: bool, stage: Stage, tries: int,
               outcome: Outcome | None) -> None:
    result = after_call(attempts, reached)
    assert (result.stage, result.attempts, result.outcome) == (stage, tries, outcome)


def mine(stage: Stage, **kw: object) -> State:
    return State(stage, 7001, 1, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("action", "actor", "state", "why"), [
    (Action.TAKE, WORKER, State(Stage.NEW, None, 1), None),
    (Action.TAKE, OTHER, State(Stage.NEW, None, 1), "other_area"),
    (Action.TAKE, WORKER, mine(Stage.ASSIGNED), "taken"),
    (Action.CALL, OTHER, mine(Stage.ASSIGNED), "not_yours"),
    (Action.CALL, WORKER, mine(Stage.ASSIGNED), None),
    (Action.CALL, COORDINATOR, mine(Stage.ASSIGNED), None),
    (Action.SURVEY, WORKER, mine(Stage.ASSIGNED), "wrong_stage"),
    (Action.ELIGIBILITY, WORKER, mine(Stage.REACHED), None),
    (Action.APPLY, WORKER, mine(Stage.ASSESSED, eligibility=frozenset({E.NONE})), "not_eligible"),
    (Action.APPLY, WORKER, mine(Stage.ASSESSED, eligibility=frozenset({E.DIBAO})), None),
    (Action.DECIDE, WORKER, mine(Stage.APPLIED, application=Application.APPROVED), "decided"),
    (Action.CLOSE, WORKER, mine(Stage.CLOSED), "closed"),
    (Action.CLOSE, WORKER, mine(Stage.SURVEYED), None),
    (Action.HOUSEHOLD, WORKER, mine(Stage.CLOSED, eligibility=frozenset({E.TEKUN})), None),
    (Action.HOUSEHOLD, WORKER, mine(Stage.CLOSED, eligibility=frozenset({E.TEKUN}),
                                    household_id=5), "has_household"),
    (Action.ASSIGN, WORKER, State(Stage.NEW, None, 1), "coordinators_only"),
    (Action.ASSIGN, COORDINATOR, State(Stage.NEW, None, 1), None),
    (Action.VIEW, OTHER, State(Stage.NEW, None, 1), "other_area"),
    # Handed back part-screened (its worker left): open to its community at the stage reached,
    # and a coordinator may give any open referral to someone else.
    (Action.TAKE, WORKER, State(Stage.REACHED, None, 1), None),
    (Action.TAKE, OTHER, State(Stage.ASSESSED, None, 1), "other_area"),
    (Action.TAKE, COORDINATOR, mine(Stage.SURVEYED), "taken"),
    (Action.TAKE, WORKER, State(Stage.CLOSED, None, 1), "closed"),
    (Action.SURVEY, WORKER, State(Stage.REACHED, None, 1), "not_yours"),
    (Action.ASSIGN, COORDINATOR, mine(Stage.SURVEYED), None),
    (Action.ASSIGN, COORDINATOR, mine(Stage.APPLIED, application=Application.SUBMITTED), None),
    (Action.ASSIGN, COORDINATOR, mine(Stage.CLOSED), "closed"),
    (Action.ASSIGN, WORKER, mine(Stage.REACHED), "coordinators_only"),
])
def test_who_may_do_what(action: Action, actor: Actor, state: State, why: str | None) -> None:
    assert refusal(action, actor, state) == why


def test_the_steps_offered_follow_the_pipeline() -> None:
    assert open_steps(mine(Stage.ASSIGNED)) == [Action.CALL, Action.CLOSE]
    assert open_steps(mine(Stage.REACHED)) == [Action.SURVEY, Action.ELIGIBILITY, Action.CLOSE]
    assessed = mine(Stage.ASSESSED, eligibility=frozenset({E.DIBAO}))
    assert open_steps(assessed) == [Action.ELIGIBILITY, Action.APPLY, Action.HOUSEHOLD,
                                    Action.CLOSE]
    assert open_steps(mine(Stage.CLOSED)) == []


def test_eligibility_none_excludes_the_others() -> None:
    chosen = toggle(toggle(frozenset(), E.DIBAO), E.TEMPORARY)
    assert chosen == {E.DIBAO, E.TEMPORARY}
    assert toggle(chosen, E.NONE) == {E.NONE}
    assert toggle(frozenset({E.NONE}), E.PUBLIC_JOB) == {E.PUBLIC_JOB}


def test_close_suggests_what_the_steps_point_to() -> None:
    approved = mine(Stage.APPLIED, eligibility=frozenset({E.DIBAO}),
                    application=Application.APPROVED)
    assert close_choices(approved)[0] is Outcome.ASSISTED
    refused = mine(Stage.APPLIED, eligibility=frozenset({E.DIBAO}),
                   application=Application.REFUSED)
    assert close_choices(refused)[0] is Outcome.APPLICATION_REFUSED
    assert close_choices(mine(Stage.ASSESSED, eligibility=frozenset({E.NONE})))[0] is \
        Outcome.NOT_ELIGIBLE


@pytest.mark.parametrize(("text", "key"), [
    ("2026Q3", "2026-Q3"), ("2026-q4", "2026-Q4"), ("2026Q5", None), ("Q3", None),
])
def test_quarter_keys(text: str, key: str | None) -> None:
    assert quarter_key(text) == key


@pytest.mark.parametrize(("stage", "back", "again"), [
    (Stage.NEW, Stage.NEW, Stage.ASSIGNED),
    (Stage.ASSIGNED, Stage.NEW, Stage.ASSIGNED),  # only "someone has it": nothing to keep
    (Stage.REACHED, Stage.REACHED, Stage.REACHED),  # a call reached them: visit next
    (Stage.SURVEYED, Stage.SURVEYED, Stage.SURVEYED),
    (Stage.ASSESSED, Stage.ASSESSED, Stage.ASSESSED),
    (Stage.APPLIED, Stage.APPLIED, Stage.APPLIED),
])
def test_a_referral_handed_back_keeps_what_was_found(stage: Stage, back: Stage,
                                                     again: Stage) -> None:
    assert released(stage) is back
    assert taken(back) is again


def test_screening_has_started_once_a_call_was_tried_or_a_later_stage_reached() -> None:
    assert not started(State(Stage.NEW, None, 1))
    assert not started(mine(Stage.ASSIGNED))
    assert started(State(Stage.NEW, None, 1, attempts=1))
    assert started(State(Stage.REACHED, None, 1))
