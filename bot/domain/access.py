"""Who may act on what: one table of role × action × ownership × community.

Callback data and flow state are only requests. Every button and command that acts on a
case, household, pairing, aid entry, contact or activity asks `refusal` (through
bot/services/access.py, which works out the facts at press time). A report's lifecycle (is it
still untaken? resolved?) is decided after this, by bot.domain.triage.refusal.

Pure: the facts come in as arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.people import Role
from bot.domain.reports import Status
from bot.domain.triage import Action as CaseAction
from bot.domain.triage import Refusal as CaseRefusal
from bot.domain.triage import refusal as case_refusal


class Action(StrEnum):
    """What a button or command does to its target."""

    CASE_TAKE = "case.take"
    CASE_VIEW = "case.view"
    CASE_WORK = "case.work"  # note, message, resolve, refer, release
    CASE_CLOSE = "case.close"
    CASE_ASSIGN = "case.assign"
    CASE_REPLY = "case.reply"  # the reporter answers the worker
    CASE_FEEDBACK = "case.feedback"  # the reporter says whether help arrived
    REPORT_ERASE = "report.erase"  # erase the reporter's personal data
    REPORT_TO_HOUSEHOLD = "report.household"  # create a household from one's case
    REPORT_LINK = "report.link"  # link one's case to an existing household
    HOUSEHOLD_OPEN = "household.open"  # the service file
    HOUSEHOLD_LOG = "household.log"  # log a call or visit
    HOUSEHOLD_MANAGE = "household.manage"  # create, edit, archive, pair, import
    AID_RECORD = "aid.record"
    ENTRY_CORRECT = "entry.correct"  # delete or redo one's own contact or aid entry
    FUND_MANAGE = "fund.manage"
    ACTIVITY_RECORD = "activity.record"
    STAFF_MANAGE = "staff.manage"  # invites, /workers (deactivate), /areas and streets
    TRAIL_READ = "trail.read"  # /audit
    OVERDUE_READ = "overdue.read"  # /overdue, /digest: every worker's missed obligations
    DATA_EXPORT = "data.export"  # /export
    REFERRAL_TAKE = "referral.take"  # take or look at a referred person's case
    REFERRAL_WORK = "referral.work"  # call, survey, screen, apply, decide, close, household
    REFERRAL_ASSIGN = "referral.assign"
    REFERRAL_IMPORT = "referral.import"  # lists from agencies, and the agencies themselves
    PROGRAMME_MANAGE = "programme.manage"  # pairing programmes, their categories, projects
    TITLE_SET = "title.set"  # a coordinator's own title (民政专干, 社工督导, …)


class Scope(StrEnum):
    """Which targets a person of the least role may act on (coordinators: see `Rule`)."""

    ANY = "any"  # every target
    OWN = "own"  # their own: their case, paired household, their entry, their report
    AREA = "area"  # of a community they serve
    OWN_OR_AREA = "own_or_area"


class Refusal(StrEnum):
    """Why not (each has a text in the catalogs under access.refused)."""

    NOT_STAFF = "not_staff"
    NOT_COORDINATOR = "not_coordinator"
    NOT_YOURS = "not_yours"
    NOT_YOUR_AREA = "not_your_area"


@dataclass(frozen=True)
class Rule:
    """The least role an action needs, the targets it reaches, and whether coordinators
    reach every target (False: even a coordinator acts only on their own, e.g. one's own
    log entry, or the reporter's answer)."""

    least: Role
    scope: Scope = Scope.ANY
    coordinators_reach_all: bool = True


RULES: dict[Action, Rule] = {
    Action.CASE_TAKE: Rule(Role.WORKER, Scope.OWN_OR_AREA),
    Action.CASE_VIEW: Rule(Role.WORKER, Scope.OWN_OR_AREA),
    Action.CASE_WORK: Rule(Role.WORKER, Scope.OWN),
    Action.CASE_CLOSE: Rule(Role.WORKER, Scope.OWN),
    Action.CASE_ASSIGN: Rule(Role.COORDINATOR),
    Action.CASE_REPLY: Rule(Role.RESIDENT, Scope.OWN, coordinators_reach_all=False),
    Action.CASE_FEEDBACK: Rule(Role.RESIDENT, Scope.OWN, coordinators_reach_all=False),
    Action.REPORT_ERASE: Rule(Role.COORDINATOR),
    Action.REPORT_TO_HOUSEHOLD: Rule(Role.WORKER, Scope.OWN),
    Action.REPORT_LINK: Rule(Role.WORKER, Scope.OWN),
    Action.HOUSEHOLD_OPEN: Rule(Role.WORKER, Scope.OWN),
    Action.HOUSEHOLD_LOG: Rule(Role.WORKER, Scope.OWN, coordinators_reach_all=False),
    Action.HOUSEHOLD_MANAGE: Rule(Role.COORDINATOR),
    Action.AID_RECORD: Rule(Role.WORKER, Scope.OWN),
    Action.ENTRY_CORRECT: Rule(Role.WORKER, Scope.OWN, coordinators_reach_all=False),
    Action.FUND_MANAGE: Rule(Role.COORDINATOR),
    Action.ACTIVITY_RECORD: Rule(Role.WORKER, Scope.OWN),
    Action.STAFF_MANAGE: Rule(Role.COORDINATOR),
    Action.TRAIL_READ: Rule(Role.COORDINATOR),
    Action.OVERDUE_READ: Rule(Role.COORDINATOR),
    Action.DATA_EXPORT: Rule(Role.COORDINATOR),
    Action.REFERRAL_TAKE: Rule(Role.WORKER, Scope.OWN_OR_AREA),
    Action.REFERRAL_WORK: Rule(Role.WORKER, Scope.OWN),
    Action.REFERRAL_ASSIGN: Rule(Role.COORDINATOR),
    Action.REFERRAL_IMPORT: Rule(Role.COORDINATOR),
    Action.PROGRAMME_MANAGE: Rule(Role.COORDINATOR),
    Action.TITLE_SET: Rule(Role.COORDINATOR),
}

_RANK = {Role.RESIDENT: 0, Role.WORKER: 1, Role.COORDINATOR: 2}


def permits(role: Role, least: Role) -> bool:
    """Whether `role` may do what `least` may (coordinators can do what workers can)."""
    return _RANK[role] >= _RANK[least]


def refusal(action: Action, role: Role, *, owns: bool, in_area: bool) -> Refusal | None:
    """Why a person in `role` (as of now) may not do `action` to a target; None if allowed.

    `owns`: the target is theirs (the case they took, a household paired with them, an entry
    they made, a report they sent); `in_area`: it is of a community they serve."""
    rule = RULES[action]
    if not permits(role, rule.least):
        return Refusal.NOT_COORDINATOR if rule.least is Role.COORDINATOR else Refusal.NOT_STAFF
    if role is Role.COORDINATOR and rule.coordinators_reach_all:
        return None
    if rule.scope is Scope.ANY:
        return None
    if rule.scope is Scope.OWN:
        return None if owns else Refusal.NOT_YOURS
    if rule.scope is Scope.AREA:
        return None if in_area else Refusal.NOT_YOUR_AREA
    return None if owns or in_area else Refusal.NOT_YOUR_AREA


# The case actions as the report's lifecycle rules name them.
CASE_ACTIONS: dict[CaseAction, Action] = {
    CaseAction.TAKE: Action.CASE_TAKE, CaseAction.VIEW: Action.CASE_VIEW,
    CaseAction.NOTE: Action.CASE_WORK, CaseAction.MESSAGE: Action.CASE_WORK,
    CaseAction.RESOLVE: Action.CASE_WORK, CaseAction.REFER: Action.CASE_WORK,
    CaseAction.RELEASE: Action.CASE_WORK, CaseAction.CLOSE: Action.CASE_CLOSE,
    CaseAction.ASSIGN: Action.CASE_ASSIGN, CaseAction.REPLY: Action.CASE_REPLY,
    CaseAction.FEEDBACK: Action.CASE_FEEDBACK,
}


def case_refusal_of(action: CaseAction, role: Role, actor: int, status: Status,
                    taken_by: int | None, reporter: int, *,
                    in_area: bool) -> CaseRefusal | None:
    """A case action: the report's lifecycle first (its refusals say most, e.g. "already
    taken by …" to a worker of the community), then the access table, which must agree.

    The access table refusing what the lifecycle allowed would be a contradiction in the
    rules; it is refused all the same."""
    lifecycle = case_refusal(action, role, actor, status, taken_by, reporter, in_area=in_area)
    if lifecycle is not None:
        return lifecycle
    owns = (reporter == actor) if action in (CaseAction.REPLY, CaseAction.FEEDBACK) \
        else taken_by == actor
    access = refusal(CASE_ACTIONS[action], role, owns=owns, in_area=in_area)
    return None if access is None else CaseRefusal(access.value)
