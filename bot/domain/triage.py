"""Triage rules: invite codes, escalation deadlines, and who may do what to a report.

Pure functions only: time and randomness come in as arguments.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.people import Role
from bot.domain.reports import Status, Urgency

INVITE_PREFIX = "inv_"
INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud safely
INVITE_LENGTH = 10
NAME_MIN = 1
NAME_MAX = 64
NOTE_MAX = 1000
MESSAGE_MAX = 1000
AREA_NAME_MAX = 64

INVITE_PATTERN = rf"(?i)inv[_\-\s]?([{INVITE_ALPHABET}]{{{INVITE_LENGTH}}})(?![A-Za-z0-9])"
_INVITE_RE = re.compile(INVITE_PATTERN)


def new_invite_code(pick: Callable[[str], str]) -> str:
    """A fresh invite code; `pick(alphabet)` returns one character (e.g. secrets.choice)."""
    return INVITE_PREFIX + "".join(pick(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))


def parse_invite(text: str) -> str | None:
    """The invite code inside what a person sent (a link, the code with junk around it), or None."""
    match = _INVITE_RE.search(text.strip())
    if match is None:
        return None
    body = match.group(1).upper()
    if any(ch not in INVITE_ALPHABET for ch in body):
        return None
    return INVITE_PREFIX + body


def invite_link(bot_username: str, code: str) -> str:
    """The deep link that opens the bot with the code."""
    return f"https://t.me/{bot_username}?start={code}"


class InviteProblem(StrEnum):
    """Why an invite code cannot be used (each has a text in the catalogs)."""

    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    ALREADY_STAFF = "already_staff"


def invite_problem(expires_at: datetime, used_by: int | None, who: int,
                   now: datetime) -> InviteProblem | None:
    """Whether person `who` may use an invite (its own half-finished claim is fine)."""
    if used_by is not None and used_by != who:
        return InviteProblem.USED
    if now >= expires_at:
        return InviteProblem.EXPIRED
    return None


def invite_expiry(now: datetime, ttl_days: int) -> datetime:
    """When an invite made now stops working."""
    return now + timedelta(days=ttl_days)


# -- escalation -------------------------------------------------------------------------

MAX_LEVEL = 2


def escalation_delay(urgency: Urgency, urgent_minutes: int, other_minutes: int) -> timedelta:
    """How long a report may wait untaken before the first escalation."""
    minutes = urgent_minutes if urgency is Urgency.DANGER else other_minutes
    return timedelta(minutes=minutes)


def escalation_deadline(level: int, urgency: Urgency, waiting_from: datetime,
                        urgent_minutes: int, other_minutes: int) -> datetime:
    """When escalation `level` (1 or 2) falls due: the delay, then twice the delay, after
    the report began to wait (created, or back to waiting for a worker)."""
    if level < 1 or level > MAX_LEVEL:
        raise ValueError(f"no escalation level {level}")
    return waiting_from + level * escalation_delay(urgency, urgent_minutes, other_minutes)


def escalation_level_due(urgency: Urgency, waiting_from: datetime, now: datetime,
                         urgent_minutes: int, other_minutes: int) -> int:
    """The highest escalation level whose deadline has passed at `now` (0 when none)."""
    level = 0
    for candidate in range(1, MAX_LEVEL + 1):
        deadline = escalation_deadline(candidate, urgency, waiting_from, urgent_minutes,
                                       other_minutes)
        if now >= deadline:
            level = candidate
    return level


# -- authorization ----------------------------------------------------------------------


class Action(StrEnum):
    """What can be done to a report, by button or step."""

    TAKE = "take"
    VIEW = "view"
    NOTE = "note"
    MESSAGE = "msg"
    RESOLVE = "res"
    REFER = "ref"
    RELEASE = "rel"
    CLOSE = "close"
    ASSIGN = "asg"
    REPLY = "reply"  # the reporter answering the worker
    FEEDBACK = "fb"  # the reporter saying whether help arrived


class Refusal(StrEnum):
    """Why an action is refused (each has a text in the catalogs)."""

    NO_REPORT = "no_report"
    NOT_STAFF = "not_staff"
    NOT_COORDINATOR = "not_coordinator"
    NOT_YOURS = "not_yours"
    ALREADY_TAKEN = "already_taken"
    ALREADY_YOURS = "already_yours"  # a second press, or the same press replayed after a crash
    NOT_OPEN = "not_open"
    NOT_TAKEN = "not_taken"
    NOT_REPORTER = "not_reporter"
    NOT_RESOLVED = "not_resolved"
    NOT_YOUR_AREA = "not_your_area"  # a report of a community the worker does not serve
    NO_WORKER = "no_worker"  # the reporter answers while the case waits for a worker


_CASE_WORK = (Action.NOTE, Action.MESSAGE, Action.RESOLVE, Action.REFER, Action.RELEASE)


def refusal(action: Action, role: Role, actor: int, status: Status, taken_by: int | None,
            reporter: int, *, in_area: bool = True) -> Refusal | None:
    """Why `actor` (in `role`, as of now) may not do `action` to a report; None if allowed.

    `in_area`: whether the report is of a community the actor serves (the workers its card
    goes to); a worker takes and views untaken reports of their own communities only."""
    if action is Action.FEEDBACK:
        if actor != reporter:
            return Refusal.NOT_REPORTER
        return None if status is Status.RESOLVED else Refusal.NOT_RESOLVED
    if action is Action.REPLY:
        if actor != reporter:
            return Refusal.NOT_REPORTER
        if status is Status.NEW:
            return Refusal.NO_WORKER
        return None if status is Status.ACKNOWLEDGED else Refusal.NOT_OPEN
    if not role.is_staff:
        return Refusal.NOT_STAFF
    coordinator = role is Role.COORDINATOR
    if (action in (Action.TAKE, Action.VIEW) and status is Status.NEW and not coordinator
            and not in_area):
        return Refusal.NOT_YOUR_AREA
    if action is Action.TAKE:
        if status is Status.ACKNOWLEDGED:
            return Refusal.ALREADY_YOURS if taken_by == actor else Refusal.ALREADY_TAKEN
        return None if status is Status.NEW else Refusal.NOT_OPEN
    if action is Action.ASSIGN:
        if not coordinator:
            return Refusal.NOT_COORDINATOR
        return None if status is Status.NEW else (
            Refusal.ALREADY_TAKEN if status is Status.ACKNOWLEDGED else Refusal.NOT_OPEN)
    if action is Action.VIEW:
        if coordinator or status is Status.NEW or taken_by == actor:
            return None
        return Refusal.NOT_YOURS
    if action is Action.CLOSE:
        if status is Status.NEW:
            return None if coordinator else Refusal.NOT_TAKEN
        if status is not Status.ACKNOWLEDGED:
            return Refusal.NOT_OPEN
        return None if coordinator or taken_by == actor else Refusal.NOT_YOURS
    if action in _CASE_WORK:
        if status is Status.NEW:
            return Refusal.NOT_TAKEN
        if status is not Status.ACKNOWLEDGED:
            return Refusal.NOT_OPEN
        return None if coordinator or taken_by == actor else Refusal.NOT_YOURS
    return Refusal.NOT_STAFF


def status_after(action: Action) -> Status | None:
    """The status a report moves to when `action` succeeds (None: unchanged)."""
    return {
        Action.TAKE: Status.ACKNOWLEDGED,
        Action.ASSIGN: Status.ACKNOWLEDGED,
        Action.RESOLVE: Status.RESOLVED,
        Action.REFER: Status.REFERRED,
        Action.RELEASE: Status.NEW,
        Action.CLOSE: Status.CLOSED,
    }.get(action)


class TextProblem(StrEnum):
    """Why a typed note, message or name is not accepted."""

    EMPTY = "empty"
    TOO_LONG = "too_long"


def check_text(text: str | None, maximum: int) -> TextProblem | None:
    """A typed text must say something and fit the limit."""
    if text is None or not text.strip():
        return TextProblem.EMPTY
    if len(text.strip()) > maximum:
        return TextProblem.TOO_LONG
    return None
