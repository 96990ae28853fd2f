"""Limiting a programme to household categories changes what it owes from that day on, never
what a finished period owed (its figures are already reported).

Driven through the use cases (bot/services/program_limits, figures, obligations, reminders)
over a real SQLite file: two households paired in January 2026 under the one-to-one
programme, 张大爷 called in Q3 and 王家 not; in November the programme is limited to
categories 王家 does not carry, and in January 2027 the limit is lifted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from bot.domain import figures as fg
from bot.domain.cadence import ContactKind
from bot.domain.digest import Item
from bot.domain.households import Category
from bot.services import digest, obligations, program_limits, reminder_run
from bot.services import figures as service
from bot.services.context import Services
from storage.db import Database
from tests.services import test_past_figures as past_figures
from tests.services.test_past_figures import (
    COORD,
    COORDINATOR,
    NOW,
    Q3,
    TODAY,
    A,
    B,
    household,
    kept,
    log,
)
from tests.use_cases import services_for

Q4 = fg.Span(date(2026, 10, 1), date(2026, 12, 31))
DECEMBER = date(2026, 12, 1)  # a reminder stage of the quarter, half year and year
LIFTED = datetime(2027, 1, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, 10 January 2027


db = past_figures.db  # the same two workers of 东门社区, in January 2026


At = Callable[[datetime], Services]


@pytest.fixture
def at(db: Database) -> At:
    """The use cases with the clock stopped at a moment."""
    return lambda now: services_for(db, now, coordinators=str(COORDINATOR))


async def paired(at: At) -> tuple[int, int]:
    """张大爷 (an orphan, A) called and visited in Q3, with a deed; 王家 (低保, B) not."""
    first = await household(at, "张大爷", 1, A, Category.ORPHAN)
    second = await household(at, "王家", 4, B)
    await log(at, first, A, ContactKind.CALL, date(2026, 8, 1))
    await log(at, second, B, ContactKind.OTHER, date(2026, 8, 2))
    return first, second


async def limit(at: At, now: datetime, code: str) -> None:
    """A coordinator adds or removes one category of the one-to-one programme's limit."""
    assert await program_limits.toggle(at(now), COORDINATOR, True, 1, code) is not None


def running(items: list[Item], household_id: int, today: date) -> list[str]:
    return sorted(i.obligation.rule.kind.value for i in items
                  if i.household_id == household_id and today in i.obligation.period)


async def test_limiting_in_q4_leaves_q3_promise_kept_as_it_was(at: At, db: Database) -> None:
    await paired(at)
    before = (await service.stats(at(NOW), COORD, Q3)).now
    digest_before = (await digest.gather(at(NOW), TODAY)).data
    assert kept(before) == {"call": (1, 0, 1), "visit": (0, 2, 0), "deed": (0, 2, 0)}

    await limit(at, NOW, Category.ORPHAN.value)  # 王家 is not an orphan

    after = (await service.stats(at(NOW), COORD, Q3)).now
    assert kept(after)["call"] == kept(before)["call"]  # 王家's call of Q3 is still missed
    # The half year and the year overlapping Q3 still run: from today 王家 no longer owes
    # them (as when a household is archived), 张大爷 still does.
    assert (kept(after)["visit"], kept(after)["deed"]) == ((0, 1, 0), (0, 1, 0))
    assert after.pairs == before.pairs and after.pairs.by_program[1].households == 2
    # The digest's last periods (Q3's calls) still name 王家's missed call.
    digest_after = (await digest.gather(at(NOW), TODAY)).data
    assert digest_after.missed == digest_before.missed
    # From the limit's day on, 王家 is paired but no longer under the programme.
    december = (await service.stats(at(NOW), COORD, fg.Span(DECEMBER, Q4.end))).now
    assert december.pairs.households == 2 and december.pairs.by_program[1].households == 1


async def test_the_running_period_is_no_longer_owed_outside_the_limit(at: At,
                                                                     db: Database) -> None:
    first, second = await paired(at)
    everyone = await obligations.everyone(db, DECEMBER)
    assert running(everyone, second, DECEMBER) == ["call", "deed", "visit"]
    assert {key[1] for key in await reminder_run.current(db, DECEMBER)} == {first, second}

    await limit(at, NOW, Category.ORPHAN.value)

    everyone = await obligations.everyone(db, DECEMBER)
    assert running(everyone, second, DECEMBER) == []
    assert running(everyone, first, DECEMBER) == ["call", "deed", "visit"]
    # No reminder names 王家, and B's /due holds no running period of it (Q3's missed call,
    # owed before the limit, stays).
    assert {key[1] for key in await reminder_run.current(db, DECEMBER)} == {first}
    due = await obligations.for_worker(db, B, DECEMBER)
    assert [(o.rule.kind.value, o.period.key) for o in due.get(second, [])
            if DECEMBER in o.period] == []
    owed = await obligations.for_household(db, second, DECEMBER, None)
    assert ("call", "2026-Q3") in {(o.rule.kind.value, o.period.key) for _, o in owed}


async def test_lifting_the_limit_restores_owing_from_then(at: At, db: Database) -> None:
    _, second = await paired(at)
    await limit(at, NOW, Category.ORPHAN.value)
    await limit(at, LIFTED, Category.ORPHAN.value)  # no category left: it holds everyone
    assert await program_limits.limits(at(LIFTED)) == {}

    february = date(2027, 2, 1)
    everyone = await obligations.everyone(db, february)
    assert running(everyone, second, february) == ["call", "deed", "visit"]
    # Q4 2026, when the limit held, was not owed by 王家 and stays so; Q3 still is.
    q4 = (await service.stats(at(LIFTED), COORD, Q4)).now
    assert kept(q4)["call"] == (0, 0, 1)  # 张大爷's call of Q4, missed
    q3 = (await service.stats(at(LIFTED), COORD, Q3)).now
    assert kept(q3)["call"] == (1, 0, 1)
