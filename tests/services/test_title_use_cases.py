"""Use cases over a real SQLite file: only coordinators take a title, and a notice names a
coordinator by title only while they still coordinate."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.titles import Preset, Problem, Title
from bot.services import titles
from bot.services.context import Services
from storage import people
from storage import titles as stored
from storage.db import Database
from tests.use_cases import services_for

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
WORKER, COORDINATOR, FORMER = 7001, 9001, 9002


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "z.sqlite3")
    await people.touch(database, COORDINATOR, "王芳", None, NOW, coordinator=True)
    await people.touch(database, FORMER, "李明", None, NOW, coordinator=True)
    await people.touch(database, WORKER, "陈社工", None, NOW, coordinator=False)
    yield database
    await database.close()


def services(db: Database, coordinators: str = f"{COORDINATOR},{FORMER}") -> Services:
    return services_for(db, NOW, coordinators=coordinators)


async def test_only_coordinators_take_a_title_and_typed_words_are_checked(
        db: Database) -> None:
    use = services(db)
    assert await titles.choose(use, WORKER, Preset.SUPERVISOR) is titles.Refusal.NOT_ALLOWED
    assert await titles.type_own(use, WORKER, "主任") is titles.Refusal.NOT_ALLOWED
    assert await stored.get(db, WORKER) is None
    assert await titles.type_own(use, COORDINATOR, "<i>主任</i>") is Problem.MARKUP
    assert await titles.type_own(use, COORDINATOR, " ") is Problem.EMPTY
    assert await stored.get(db, COORDINATOR) is None
    assert await titles.type_own(use, COORDINATOR, "社区 书记") == Title(custom="社区 书记")
    assert await titles.choose(use, COORDINATOR, Preset.CIVIL_AFFAIRS) == Title(
        preset=Preset.CIVIL_AFFAIRS)


async def test_a_notice_names_the_title_in_each_language_while_they_coordinate(
        db: Database) -> None:
    use = services(db)
    assert await titles.signature(use, "zh", COORDINATOR) == "管理员"
    await titles.choose(use, COORDINATOR, Preset.CIVIL_AFFAIRS)
    await titles.choose(use, FORMER, Preset.SUPERVISOR)
    assert await titles.signature(use, "zh", COORDINATOR) == "民政专干 王芳"
    assert await titles.signature(use, "en", COORDINATOR) == "Civil-affairs officer 王芳"
    assert [(c.person.display_name, c.title) for c in await titles.coordinators(use)] == [
        ("李明", Title(preset=Preset.SUPERVISOR)), ("王芳", Title(preset=Preset.CIVIL_AFFAIRS))]
    # Taken out of ZHONGFU_COORDINATORS: no longer shown with a coordinator's title.
    later = services(db, coordinators=str(COORDINATOR))
    assert await titles.signature(later, "zh", FORMER) == "管理员"
    assert [c.person.display_name for c in await titles.coordinators(later)] == ["王芳"]
