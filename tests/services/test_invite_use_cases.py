"""Joining with an invite over a real SQLite file: the new worker and the coordinators'
notice are one transaction, so a refused join tells nobody and a good one is never silent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.people import Role
from bot.domain.triage import InviteProblem
from bot.services import invites
from bot.services.context import Services
from storage import outbox, people
from storage.clock import to_db
from storage.db import Database
from tests.use_cases import services_for

NOW = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
COORDINATOR, NEWCOMER, STRANGER = 9001, 2001, 2002
CODE = "inv_AAAAAAAAAA"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "z.sqlite3")
    await people.touch(database, COORDINATOR, "王主任", None, NOW, True)
    for who in (NEWCOMER, STRANGER):
        await people.touch(database, who, f"p{who}", None, NOW, False)
    async with database.transaction() as tx:
        await tx.execute("INSERT INTO areas (name, created_at) VALUES ('东门社区', ?)",
                         (to_db(NOW),))
    yield database
    await database.close()


def services(db: Database, woken: list[bool]) -> Services:
    return services_for(db, NOW, coordinators=str(COORDINATOR),
                        on_queued=lambda: woken.append(True))


async def test_joining_makes_a_worker_and_tells_the_coordinators(db: Database) -> None:
    woken: list[bool] = []
    use = services(db, woken)
    await invites.create(use, CODE, COORDINATOR, NOW, NOW + timedelta(days=7))
    assert await invites.claim(use, CODE, NEWCOMER, NOW) is None
    joined = await invites.join(use, CODE, NEWCOMER, "陈社工", [1], NOW)
    assert joined.problem is None and joined.person is not None
    assert joined.person.role == Role.WORKER and joined.person.display_name == "陈社工"
    assert (await outbox.depth(db)).waiting == 1 and woken


async def test_a_refused_join_changes_nobody_and_tells_nobody(db: Database) -> None:
    woken: list[bool] = []
    use = services(db, woken)
    await invites.create(use, CODE, COORDINATOR, NOW, NOW + timedelta(days=7))
    assert await invites.claim(use, CODE, NEWCOMER, NOW) is None
    joined = await invites.join(use, CODE, STRANGER, "冒名者", [1], NOW)
    assert joined.problem is InviteProblem.USED and joined.person is None
    stranger = await people.get(db, STRANGER)
    assert stranger is not None and stranger.role == Role.RESIDENT
    assert (await outbox.depth(db)).waiting == 0 and not woken
