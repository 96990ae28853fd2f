"""Referrals (转介): people another agency names, screened step by step and answered.

Pure rules: the stages of the screening pipeline, which step may follow which, deadlines,
focus flags, eligibility and outcomes, and who may act on a referral. No clock, no storage,
no user-facing text: a refusal is a code the catalogs explain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from bot.domain import access
from bot.domain.households import Category
from bot.domain.people import Role

FOCUS_DAYS: Final = 7  # a referral with a focus flag must be screened within a week
OTHER_DAYS: Final = 30
MAX_CALL_TRIES: Final = 3  # the third unreachable call closes the referral as unreachable


class Stage(StrEnum):
    """Where a referral is in the pipeline."""

    NEW = "new"  # imported, nobody has it yet
    ASSIGNED = "assigned"  # a worker has it: phone the person next
    REACHED = "reached"  # reached by phone: visit next
    SURVEYED = "surveyed"  # home survey done: say what they are eligible for
    ASSESSED = "assessed"  # eligibility found: help with the application (or close)
    APPLIED = "applied"  # application submitted: record the decision, then close
    CLOSED = "closed"


class Focus(StrEnum):
    """Why a referral comes first (重点关注)."""

    MAJOR_CHANGE = "major_change"  # 重大变故
    DISASTER = "disaster"  # 灾害
    SERIOUS_ILLNESS = "serious_illness"  # 大病
    SEVERE_DISABILITY = "severe_disability"  # 重度残疾


FOCUS_ALIASES: Final[dict[str, Focus]] = {
    "重大变故": Focus.MAJOR_CHANGE, "变故": Focus.MAJOR_CHANGE, "突发变故": Focus.MAJOR_CHANGE,
    "major change": Focus.MAJOR_CHANGE, "灾害": Focus.DISASTER, "受灾": Focus.DISASTER,
    "意外": Focus.DISASTER, "disaster": Focus.DISASTER, "大病": Focus.SERIOUS_ILLNESS,
    "重病": Focus.SERIOUS_ILLNESS, "重大疾病": Focus.SERIOUS_ILLNESS,
    "serious illness": Focus.SERIOUS_ILLNESS, "重度残疾": Focus.SEVERE_DISABILITY,
    "残疾": Focus.SEVERE_DISABILITY, "severe disability": Focus.SEVERE_DISABILITY,
}
# A focus cell that only says "yes": the person comes first, for a reason not given.
_YES: Final = frozenset({"是", "y", "yes", "1", "true", "√", "✓", "重点"})
_NO: Final = frozenset({"", "否", "无", "n", "no", "0", "false", "-"})
_SPLIT_RE = re.compile(r"[,，、;；/|]+")


class Eligibility(StrEnum):
    """What screening found the person eligible for (several allowed, or none)."""

    NONE = "none"
    DIBAO = "dibao"  # 低保
    DIBIAN = "dibian"  # 低边
    TEKUN = "tekun"  # 特困
    TEMPORARY = "temporary"  # 临时救助
    PUBLIC_JOB = "public_job"  # 公益岗位
    OTHER = "other"  # other assistance


class Application(StrEnum):
    """Where the application the worker helped with stands."""

    SUBMITTED = "submitted"
    APPROVED = "approved"
    REFUSED = "refused"


class Outcome(StrEnum):
    """How a referral ended, as the agency reads it."""

    ASSISTED = "assisted"  # approved, or helped otherwise
    NOT_ELIGIBLE = "not_eligible"
    APPLICATION_REFUSED = "application_refused"
    DECLINED = "declined"  # the person did not want help
    UNREACHABLE = "unreachable"
    OTHER = "other"


class Action(StrEnum):
    """A step someone takes on a referral."""

    TAKE = "take"
    ASSIGN = "assign"
    VIEW = "view"
    CALL = "call"
    SURVEY = "survey"
    ELIGIBILITY = "eligibility"
    APPLY = "apply"
    DECIDE = "decide"
    CLOSE = "close"
    HOUSEHOLD = "household"


OPEN: Final = frozenset(Stage) - {Stage.CLOSED}

# The stages at which each screening step may be taken. A referral handed back to its
# community (its worker left) keeps the stage it reached, so it may be taken, or given to a
# worker, at any open stage.
_ALLOWED: Final[dict[Action, frozenset[Stage]]] = {
    Action.TAKE: OPEN,
    Action.ASSIGN: OPEN,
    Action.CALL: frozenset({Stage.ASSIGNED}),
    Action.SURVEY: frozenset({Stage.REACHED}),
    Action.ELIGIBILITY: frozenset({Stage.REACHED, Stage.SURVEYED, Stage.ASSESSED}),
    Action.APPLY: frozenset({Stage.ASSESSED}),
    Action.DECIDE: frozenset({Stage.APPLIED}),
    Action.CLOSE: frozenset({Stage.ASSIGNED, Stage.REACHED, Stage.SURVEYED, Stage.ASSESSED,
                             Stage.APPLIED}),
    Action.HOUSEHOLD: frozenset({Stage.ASSESSED, Stage.APPLIED, Stage.CLOSED}),
}


def parse_focus(text: str) -> tuple[frozenset[Focus], str | None]:
    """The focus flags a cell names, or the part not understood."""
    key = " ".join(text.strip().lower().split())
    if key in _NO:
        return frozenset(), None
    if key in _YES:
        return frozenset({Focus.MAJOR_CHANGE}), None
    found: set[Focus] = set()
    for part in _SPLIT_RE.split(key):
        part = part.strip()
        if not part:
            continue
        try:
            found.add(Focus(part.replace(" ", "_")))
        except ValueError:
            focus = FOCUS_ALIASES.get(part)
            if focus is None:
                return frozenset(), part
            found.add(focus)
    return frozenset(found), None


def deadline(received: date, focus: Iterable[Focus]) -> date:
    """The day by which screening should be done: 7 days with a focus flag, else 30."""
    return received + timedelta(days=FOCUS_DAYS if any(True for _ in focus) else OTHER_DAYS)


def is_overdue(stage: Stage, due: date, today: date) -> bool:
    """Past its deadline and still open."""
    return stage is not Stage.CLOSED and today > due


def priority(focus: Iterable[Focus], due: date) -> tuple[int, date]:
    """Sort key: focus flags first, then the nearest deadline."""
    return (0 if any(True for _ in focus) else 1, due)


def last4_ok(text: str) -> bool:
    """The last four characters of a resident identity number (the last may be X)."""
    return len(text) == 4 and text[:3].isdigit() and (text[3].isdigit() or text[3] in "Xx")


@dataclass(frozen=True)
class State:
    """What the rules need to know of a referral."""

    stage: Stage
    worker_id: int | None
    area_id: int | None
    attempts: int = 0
    eligibility: frozenset[Eligibility] = frozenset()
    application: Application | None = None
    household_id: int | None = None


@dataclass(frozen=True)
class Actor:
    """Who is acting: id, whether they coordinate, and their communities."""

    telegram_id: int
    coordinator: bool
    area_ids: tuple[int, ...] = ()


def refusal(action: Action, actor: Actor, state: State) -> str | None:
    """Why `actor` may not take `action` now (a catalog code), or None when they may.

    Who may act on whose referral is the one access table's (bot/domain/access.py); the
    referral's own stages decide the rest."""
    why = _access_refusal(action, actor, state)
    if why is not None:
        return why
    if action is Action.VIEW:
        return None
    if state.stage is Stage.CLOSED and action is not Action.HOUSEHOLD:
        return "closed"
    if action is Action.TAKE and state.worker_id is not None:
        return "taken"
    if state.stage not in _ALLOWED[action]:
        return "wrong_stage"
    if action is Action.APPLY and not eligible(state.eligibility):
        return "not_eligible"
    if action is Action.DECIDE and state.application is not Application.SUBMITTED:
        return "decided"
    if action is Action.HOUSEHOLD:
        if state.household_id is not None:
            return "has_household"
        if not eligible(state.eligibility):
            return "not_eligible"
    return None


def _access_refusal(action: Action, actor: Actor, state: State) -> str | None:
    """The access table's answer, in the referral catalog's words."""
    role = Role.COORDINATOR if actor.coordinator else Role.WORKER
    owns = state.worker_id == actor.telegram_id
    if action is Action.ASSIGN:
        table_action, in_area = access.Action.REFERRAL_ASSIGN, False
    elif action in (Action.TAKE, Action.VIEW):
        # An untaken referral is open to the workers of its community (or of every
        # community when it has none); a taken one only to whoever holds it.
        table_action = access.Action.REFERRAL_TAKE
        in_area = state.worker_id is None and (state.area_id is None
                                               or state.area_id in actor.area_ids)
    else:
        table_action, in_area = access.Action.REFERRAL_WORK, False
    why = access.refusal(table_action, role, owns=owns, in_area=in_area)
    if why is None:
        return None
    if why is access.Refusal.NOT_COORDINATOR:
        return "coordinators_only"
    if why is access.Refusal.NOT_YOUR_AREA and state.worker_id is None:
        return "other_area"
    return "not_yours"


def reference(referral_id: int) -> str:
    """The short reference people use in chat, e.g. Z-0042."""
    return f"Z-{referral_id:04d}"


def released(stage: Stage) -> Stage:
    """The stage a referral keeps when its worker gives it back to the community.

    ASSIGNED only says that someone has it, so it goes back to NEW; the later stages are
    facts about the person (reached by phone, visited, found eligible, an application in)
    and stay, with the tries, eligibility and application, so the next worker goes on from
    there. A closed referral is never released."""
    return Stage.NEW if stage is Stage.ASSIGNED else stage


def taken(stage: Stage) -> Stage:
    """The stage a referral has once a worker takes it or is given it."""
    return Stage.ASSIGNED if stage is Stage.NEW else stage


def started(state: State) -> bool:
    """Whether screening has begun (a call tried, or a later stage reached)."""
    return state.attempts > 0 or state.stage not in (Stage.NEW, Stage.ASSIGNED)


def eligible(found: Iterable[Eligibility]) -> bool:
    """Whether screening found anything the person may receive."""
    return any(e is not Eligibility.NONE for e in found)


def toggle(found: frozenset[Eligibility], choice: Eligibility) -> frozenset[Eligibility]:
    """Multi-select: "none" clears the others, any other choice clears "none"."""
    if choice in found:
        return found - {choice}
    if choice is Eligibility.NONE:
        return frozenset({Eligibility.NONE})
    return (found - {Eligibility.NONE}) | {choice}


@dataclass(frozen=True)
class CallResult:
    """After a phone call: the new stage, tries so far, and the outcome if it closed."""

    stage: Stage
    attempts: int
    outcome: Outcome | None = None


def after_call(attempts: int, reached: bool) -> CallResult:
    """Reached: visit next. Unreachable: try again, and the third try closes it."""
    if reached:
        return CallResult(Stage.REACHED, attempts)
    tries = attempts + 1
    if tries >= MAX_CALL_TRIES:
        return CallResult(Stage.CLOSED, tries, Outcome.UNREACHABLE)
    return CallResult(Stage.ASSIGNED, tries)


def after_decision(application: Application) -> Application:
    """A decision on a submitted application (only approved or refused)."""
    if application is Application.SUBMITTED:
        raise ValueError("a decision is approved or refused")
    return application


def close_choices(state: State) -> list[Outcome]:
    """The outcomes offered when closing: the one the steps point to first."""
    suggested: list[Outcome] = []
    if state.application is Application.APPROVED:
        suggested.append(Outcome.ASSISTED)
    elif state.application is Application.REFUSED:
        suggested.append(Outcome.APPLICATION_REFUSED)
    elif state.eligibility == frozenset({Eligibility.NONE}):
        suggested.append(Outcome.NOT_ELIGIBLE)
    elif eligible(state.eligibility):
        suggested.append(Outcome.ASSISTED)
    rest = [o for o in (Outcome.ASSISTED, Outcome.NOT_ELIGIBLE, Outcome.DECLINED, Outcome.OTHER)
            if o not in suggested]
    return suggested + rest


def category_for(found: Iterable[Eligibility], unemployed: bool) -> Category:
    """The registry category of a referred person who became a household."""
    chosen = set(found)
    for eligibility, category in ((Eligibility.TEKUN, Category.TEKUN),
                                  (Eligibility.DIBAO, Category.DIBAO),
                                  (Eligibility.DIBIAN, Category.DIBIAN)):
        if eligibility in chosen:
            return category
    return Category.UNEMPLOYED if unemployed else Category.OTHER


_QUARTER_RE = re.compile(r"^(\d{4})\s*-?\s*[Qq]([1-4])$")


def quarter_key(text: str) -> str | None:
    """2026Q3, 2026-Q3 or 2026-q3 as the period key 2026-Q3; None for anything else."""
    match = _QUARTER_RE.match(text.strip())
    return None if match is None else f"{match.group(1)}-Q{match.group(2)}"


def open_steps(state: State) -> list[Action]:
    """The steps the worker who has a referral may take now, in the order they come."""
    owner = Actor(state.worker_id or 0, coordinator=False)
    steps = (Action.CALL, Action.SURVEY, Action.ELIGIBILITY, Action.APPLY, Action.DECIDE,
             Action.HOUSEHOLD, Action.CLOSE)
    return [a for a in steps if refusal(a, owner, state) is None]
