"""Triage rules: invite codes, escalation deadlines, authorization and transitions."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.people import Role
from bot.domain.reports import Status, Urgency
from bot.domain.triage import (
    INVITE_ALPHABET,
    Action,
    InviteProblem,
    Refusal,
    TextProblem,
    check_text,
    escalation_deadline,
    escalation_level_due,
    invite_expiry,
    invite_link,
    invite_problem,
    new_invite_code,
    parse_invite,
    refusal,
    status_after,
)

T0 = datetime(2026, 3, 31, 15, 50, tzinfo=UTC)  # 23:50 in Shanghai


def test_new_code_is_parseable_and_fits_a_deep_link() -> None:
    rng = random.Random(7)
    code = new_invite_code(rng.choice)
    assert parse_invite(code) == code
    assert len(code) <= 64 and code.replace("_", "").isalnum()
    assert all(ch in INVITE_ALPHABET for ch in code.removeprefix("inv_"))
    assert invite_link("zf_bot", code) == f"https://t.me/zf_bot?start={code}"


@pytest.mark.parametrize(("text", "expected"), [
    ("inv_ABCDEFGHJK", "inv_ABCDEFGHJK"),
    ("  inv_abcdefghjk \n", "inv_ABCDEFGHJK"),
    ("邀请码：inv_ABCDEFGHJK，谢谢", "inv_ABCDEFGHJK"),
    ("https://t.me/zf_bot?start=inv_ABCDEFGHJK", "inv_ABCDEFGHJK"),
    ("INV-ABCDEFGHJK", "inv_ABCDEFGHJK"),
    ("inv ABCDEFGHJK.", "inv_ABCDEFGHJK"),
    ("inv_ABCDEFGHJ", None),  # too short
    ("inv_ABCDEFGHJKM", None),  # too long
    ("inv_ABCDEFGHJ0", None),  # 0 is not in the alphabet
    ("inv_ABCDEFGHJI", None),  # neither is I
    ("hello", None),
    ("", None),
])
def test_parse_invite(text: str, expected: str | None) -> None:
    assert parse_invite(text) == expected


@pytest.mark.parametrize(("used_by", "who", "now", "expected"), [
    (None, 5, T0, None),
    (5, 5, T0, None),  # the same person finishing their own join
    (6, 5, T0, InviteProblem.USED),
    (None, 5, T0 + timedelta(days=7), InviteProblem.EXPIRED),
    (None, 5, T0 + timedelta(days=7) - timedelta(seconds=1), None),
    (6, 5, T0 + timedelta(days=8), InviteProblem.USED),
])
def test_invite_problem(used_by: int | None, who: int, now: datetime,
                        expected: InviteProblem | None) -> None:
    assert invite_problem(invite_expiry(T0, 7), used_by, who, now) == expected


@pytest.mark.parametrize(("urgency", "minutes", "level"), [
    (Urgency.DANGER, 0, 0), (Urgency.DANGER, 29, 0), (Urgency.DANGER, 30, 1),
    (Urgency.DANGER, 59, 1), (Urgency.DANGER, 60, 2), (Urgency.DANGER, 600, 2),
    (Urgency.SOON, 30, 0), (Urgency.SOON, 24 * 60 - 1, 0), (Urgency.SOON, 24 * 60, 1),
    (Urgency.NOT_URGENT, 48 * 60 - 1, 1), (Urgency.NOT_URGENT, 48 * 60, 2),
])
def test_escalation_levels(urgency: Urgency, minutes: int, level: int) -> None:
    now = T0 + timedelta(minutes=minutes)
    assert escalation_level_due(urgency, T0, now, 30, 24 * 60) == level


def test_escalation_deadlines_follow_configuration() -> None:
    assert escalation_deadline(1, Urgency.DANGER, T0, 10, 100) == T0 + timedelta(minutes=10)
    assert escalation_deadline(2, Urgency.SOON, T0, 10, 100) == T0 + timedelta(minutes=200)
    with pytest.raises(ValueError):
        escalation_deadline(3, Urgency.SOON, T0, 10, 100)


W, C, R, OTHER = Role.WORKER, Role.COORDINATOR, Role.RESIDENT, 77
NEW, ACK, RES, CLO = Status.NEW, Status.ACKNOWLEDGED, Status.RESOLVED, Status.CLOSED

# (action, role, actor, status, taken_by, expected); the reporter is 1, the taker 2.
AUTH = [
    (Action.TAKE, W, 2, NEW, None, None),
    (Action.TAKE, C, 9, NEW, None, None),
    (Action.TAKE, R, 3, NEW, None, Refusal.NOT_STAFF),
    (Action.TAKE, W, 3, ACK, 2, Refusal.ALREADY_TAKEN),
    (Action.TAKE, W, 2, ACK, 2, Refusal.ALREADY_YOURS),
    (Action.TAKE, W, 3, RES, 2, Refusal.NOT_OPEN),
    (Action.TAKE, W, 3, CLO, None, Refusal.NOT_OPEN),
    (Action.RESOLVE, W, 2, ACK, 2, None),
    (Action.RESOLVE, W, OTHER, ACK, 2, Refusal.NOT_YOURS),
    (Action.RESOLVE, C, 9, ACK, 2, None),
    (Action.RESOLVE, R, 2, ACK, 2, Refusal.NOT_STAFF),  # a deactivated taker acts as resident
    (Action.RESOLVE, W, 2, NEW, None, Refusal.NOT_TAKEN),
    (Action.RESOLVE, W, 2, RES, 2, Refusal.NOT_OPEN),
    (Action.NOTE, W, OTHER, ACK, 2, Refusal.NOT_YOURS),
    (Action.MESSAGE, W, 2, ACK, 2, None),
    (Action.RELEASE, W, OTHER, ACK, 2, Refusal.NOT_YOURS),
    (Action.REFER, W, 2, ACK, 2, None),
    (Action.CLOSE, W, 2, NEW, None, Refusal.NOT_TAKEN),
    (Action.CLOSE, C, 9, NEW, None, None),
    (Action.CLOSE, W, 2, ACK, 2, None),
    (Action.ASSIGN, W, 2, NEW, None, Refusal.NOT_COORDINATOR),
    (Action.ASSIGN, C, 9, NEW, None, None),
    (Action.ASSIGN, C, 9, ACK, 2, Refusal.ALREADY_TAKEN),
    (Action.VIEW, W, OTHER, ACK, 2, Refusal.NOT_YOURS),
    (Action.VIEW, W, OTHER, NEW, None, None),
    (Action.VIEW, C, 9, CLO, 2, None),
    (Action.REPLY, R, 1, ACK, 2, None),
    (Action.REPLY, R, 3, ACK, 2, Refusal.NOT_REPORTER),
    (Action.REPLY, R, 1, RES, 2, Refusal.NOT_OPEN),
    (Action.REPLY, R, 1, NEW, None, Refusal.NO_WORKER),  # given back: waiting for a worker
    (Action.FEEDBACK, R, 1, RES, 2, None),
    (Action.FEEDBACK, W, 2, RES, 2, Refusal.NOT_REPORTER),
    (Action.FEEDBACK, R, 1, ACK, 2, Refusal.NOT_RESOLVED),
]


@pytest.mark.parametrize(("action", "role", "actor", "status", "taken_by", "expected"), AUTH)
def test_refusal_table(action: Action, role: Role, actor: int, status: Status,
                       taken_by: int | None, expected: Refusal | None) -> None:
    assert refusal(action, role, actor, status, taken_by, reporter=1) == expected


def test_transitions() -> None:
    assert status_after(Action.TAKE) is Status.ACKNOWLEDGED
    assert status_after(Action.RELEASE) is Status.NEW
    assert status_after(Action.RESOLVE) is Status.RESOLVED
    assert status_after(Action.CLOSE) is Status.CLOSED
    assert status_after(Action.NOTE) is None


@pytest.mark.parametrize(("text", "expected"), [
    (None, TextProblem.EMPTY), ("   ", TextProblem.EMPTY), ("好", None),
    ("字" * 1000, None), ("字" * 1001, TextProblem.TOO_LONG), (" 字 " * 1, None),
])
def test_check_text(text: str | None, expected: TextProblem | None) -> None:
    assert check_text(text, 1000) == expected
