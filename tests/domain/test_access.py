"""The one authorisation table: role × action × ownership × community."""

from __future__ import annotations

import pytest

from bot.domain.access import Action, Refusal, case_refusal_of, refusal
from bot.domain.people import Role, effective_role
from bot.domain.reports import Status
from bot.domain.triage import Action as CaseAction
from bot.domain.triage import Refusal as CaseRefusal

ROLES = {
    "resident": Role.RESIDENT,
    "worker": Role.WORKER,
    # Taken off duty: whatever they held, they act as a resident now.
    "deactivated": effective_role(Role.WORKER, active=False, configured_coordinator=False),
    "coordinator": effective_role(Role.WORKER, active=True, configured_coordinator=True),
}
# Each cell: Y (allowed) or N for (own, own community), (own, other community),
# (not own, own community), (not own, other community).
CELLS = ((True, True), (True, False), (False, True), (False, False))
TABLE = """
action             resident worker deactivated coordinator
case.take          NNNN     YYYN   NNNN        YYYY
case.view          NNNN     YYYN   NNNN        YYYY
case.work          NNNN     YYNN   NNNN        YYYY
case.close         NNNN     YYNN   NNNN        YYYY
case.assign        NNNN     NNNN   NNNN        YYYY
case.reply         YYNN     YYNN   YYNN        YYNN
case.feedback      YYNN     YYNN   YYNN        YYNN
report.erase       NNNN     NNNN   NNNN        YYYY
report.household   NNNN     YYNN   NNNN        YYYY
report.link        NNNN     YYNN   NNNN        YYYY
household.open     NNNN     YYNN   NNNN        YYYY
household.log      NNNN     YYNN   NNNN        YYNN
household.manage   NNNN     NNNN   NNNN        YYYY
aid.record         NNNN     YYNN   NNNN        YYYY
entry.correct      NNNN     YYNN   NNNN        YYNN
fund.manage        NNNN     NNNN   NNNN        YYYY
activity.record    NNNN     YYNN   NNNN        YYYY
staff.manage       NNNN     NNNN   NNNN        YYYY
trail.read         NNNN     NNNN   NNNN        YYYY
overdue.read       NNNN     NNNN   NNNN        YYYY
data.export        NNNN     NNNN   NNNN        YYYY
referral.take      NNNN     YYYN   NNNN        YYYY
referral.work      NNNN     YYNN   NNNN        YYYY
referral.assign    NNNN     NNNN   NNNN        YYYY
referral.import    NNNN     NNNN   NNNN        YYYY
programme.manage   NNNN     NNNN   NNNN        YYYY
title.set          NNNN     NNNN   NNNN        YYYY
"""


def _rows() -> list[tuple[Action, str, bool, bool, bool]]:
    lines = TABLE.strip().splitlines()
    header = lines[0].split()[1:]
    out = []
    for line in lines[1:]:
        action, *cells = line.split()
        for who, cell in zip(header, cells, strict=True):
            for (owns, in_area), mark in zip(CELLS, cell, strict=True):
                out.append((Action(action), who, owns, in_area, mark == "Y"))
    return out


def test_the_table_names_every_action() -> None:
    named = {line.split()[0] for line in TABLE.strip().splitlines()[1:]}
    assert named == {a.value for a in Action}, "a new action needs its row here"


@pytest.mark.parametrize(("action", "who", "owns", "in_area", "allowed"), _rows())
def test_who_may_do_what(action: Action, who: str, owns: bool, in_area: bool,
                         allowed: bool) -> None:
    found = refusal(action, ROLES[who], owns=owns, in_area=in_area)
    assert (found is None) is allowed, (action, who, owns, in_area, found)


def test_refusals_say_why() -> None:
    assert refusal(Action.FUND_MANAGE, Role.WORKER, owns=True, in_area=True) \
        is Refusal.NOT_COORDINATOR
    assert refusal(Action.AID_RECORD, ROLES["deactivated"], owns=True, in_area=True) \
        is Refusal.NOT_STAFF
    assert refusal(Action.HOUSEHOLD_OPEN, Role.WORKER, owns=False, in_area=True) \
        is Refusal.NOT_YOURS
    assert refusal(Action.CASE_TAKE, Role.WORKER, owns=False, in_area=False) \
        is Refusal.NOT_YOUR_AREA


ME, OTHER = 1, 2


@pytest.mark.parametrize(("action", "role", "status", "taker", "reporter", "in_area", "why"), [
    # A worker of the community hears who has it; an outsider only that it is not theirs.
    (CaseAction.TAKE, Role.WORKER, Status.ACKNOWLEDGED, OTHER, OTHER, True,
     CaseRefusal.ALREADY_TAKEN),
    (CaseAction.TAKE, Role.WORKER, Status.NEW, None, OTHER, False, CaseRefusal.NOT_YOUR_AREA),
    (CaseAction.TAKE, Role.WORKER, Status.NEW, None, OTHER, True, None),
    # A case handed to a worker outside their communities is still theirs to work on.
    (CaseAction.VIEW, Role.WORKER, Status.ACKNOWLEDGED, ME, OTHER, False, None),
    (CaseAction.NOTE, Role.WORKER, Status.ACKNOWLEDGED, ME, OTHER, False, None),
    (CaseAction.NOTE, Role.WORKER, Status.ACKNOWLEDGED, OTHER, OTHER, True,
     CaseRefusal.NOT_YOURS),
    (CaseAction.NOTE, Role.RESIDENT, Status.ACKNOWLEDGED, ME, OTHER, True,
     CaseRefusal.NOT_STAFF),
    (CaseAction.ASSIGN, Role.WORKER, Status.NEW, None, OTHER, True, CaseRefusal.NOT_COORDINATOR),
    (CaseAction.CLOSE, Role.COORDINATOR, Status.NEW, None, OTHER, False, None),
    # Only the reporter answers, whatever their role; a coordinator cannot speak for them.
    (CaseAction.REPLY, Role.RESIDENT, Status.ACKNOWLEDGED, OTHER, ME, False, None),
    (CaseAction.REPLY, Role.COORDINATOR, Status.ACKNOWLEDGED, OTHER, OTHER, False,
     CaseRefusal.NOT_REPORTER),
    (CaseAction.FEEDBACK, Role.RESIDENT, Status.RESOLVED, OTHER, ME, False, None),
])
def test_case_actions_pass_both_the_table_and_the_lifecycle(
        action: CaseAction, role: Role, status: Status, taker: int | None, reporter: int,
        in_area: bool, why: CaseRefusal | None) -> None:
    assert case_refusal_of(action, role, ME, status, taker, reporter, in_area=in_area) is why
