"""Recording the person behind an update: written when something changed, read otherwise."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.people import Role
from storage import people
from storage.db import Database

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "zf.sqlite3")
    yield database
    await database.close()


async def _changes(db: Database) -> int:
    return int(await db.fetchval("SELECT total_changes()"))


async def test_a_person_seen_again_unchanged_costs_no_write(db: Database) -> None:
    first = await people.touch(db, 7, "李阿姨", "li", NOW, False, "zh-hans")
    before = await _changes(db)
    again = await people.touch(db, 7, "李阿姨", "li", LATER, False, "zh-hans")
    assert await _changes(db) == before
    assert again == first


@pytest.mark.parametrize(("name", "username", "coordinator", "code", "expect"), [
    ("李阿姨", "li", False, None, None),  # no language sent: nothing to change
    ("李秀英", "li", False, "zh-hans", "display_name"),
    ("李阿姨", "li_2", False, "zh-hans", "username"),
    ("李阿姨", "li", False, "en", "language_code"),
    ("李阿姨", "li", True, "zh-hans", "role"),
])
async def test_what_changed_is_written(db: Database, name: str, username: str,
                                       coordinator: bool, code: str | None,
                                       expect: str | None) -> None:
    await people.touch(db, 7, "李阿姨", "li", NOW, False, "zh-hans")
    before = await _changes(db)
    seen = await people.touch(db, 7, name, username, LATER, coordinator, code)
    stored = await people.get(db, 7)
    assert stored == seen
    if expect is None:
        assert await _changes(db) == before
        return
    assert await _changes(db) > before and seen.updated_at == LATER
    assert {"display_name": seen.display_name == name, "username": seen.username == username,
            "language_code": seen.language_code == code,
            "role": seen.role is Role.COORDINATOR}[expect]


async def test_someone_who_had_blocked_the_bot_is_reachable_when_they_write(
        db: Database) -> None:
    await people.touch(db, 7, "李阿姨", "li", NOW, False)
    await people.set_reachable(db, 7, False, NOW)
    seen = await people.touch(db, 7, "李阿姨", "li", LATER, False)
    assert seen.reachable and (await people.get(db, 7)).reachable  # type: ignore[union-attr]


async def test_a_press_in_a_group_does_not_make_a_blocked_person_reachable(
        db: Database) -> None:
    """The coordinators' group is not their private chat: the bot still cannot write there."""
    await people.touch(db, 7, "李阿姨", "li", NOW, False)
    await people.set_reachable(db, 7, False, NOW)
    seen = await people.touch(db, 7, "李阿姨", "li", LATER, False, private=False)
    assert not seen.reachable and not (await people.get(db, 7)).reachable  # type: ignore[union-attr]
    seen = await people.touch(db, 7, "李阿姨", "li", LATER, False, private=True)
    assert seen.reachable


async def test_a_coordinator_taken_off_the_list_is_a_resident_at_once(db: Database) -> None:
    assert (await people.touch(db, 7, "王主任", None, NOW, True)).role is Role.COORDINATOR
    assert (await people.touch(db, 7, "王主任", None, LATER, False)).role is Role.RESIDENT


async def test_a_workers_name_given_by_the_coordinator_stays(db: Database) -> None:
    await people.touch(db, 7, "小陈", None, NOW, False)
    async with db.transaction() as tx:
        await tx.execute("UPDATE people SET role = 'worker', display_name = '陈社工' "
                         "WHERE telegram_id = 7")
    before = await _changes(db)
    seen = await people.touch(db, 7, "小陈", None, LATER, False)
    assert seen.display_name == "陈社工" and seen.role is Role.WORKER
    assert await _changes(db) == before
