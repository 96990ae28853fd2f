"""Coordinators' titles and renaming or removing streets, and the migration that adds them, in
real SQLite files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from bot.domain.titles import Preset, Title
from storage import areas, audit, people, streets, titles
from storage.db import Database
from storage.migrate import available, migrate

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
STAMP = "2026-01-01T00:00:00.000000+00:00"
COORDINATOR = 9001


async def test_the_migration_keeps_streets_in_use_and_has_no_titles(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    before = len(available()) - 1  # the version just before titles and removed streets
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await migrate(conn, target=before)
        await conn.execute("INSERT INTO streets (name, created_at) VALUES ('东门街道', ?)",
                           (STAMP,))
        await conn.execute("INSERT INTO areas (name, created_at, street_id) "
                           "VALUES ('东门社区', ?, 1)", (STAMP,))
    db = await Database.open(path)
    try:
        listed = await streets.listed(db)
        assert [(s.name, s.area_ids) for s in listed] == [("东门街道", (1,))]
        assert await titles.get(db, COORDINATOR) is None
    finally:
        await db.close()


async def test_a_title_is_set_changed_and_cleared_each_time_audited(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "z.sqlite3")
    try:
        await people.touch(db, COORDINATOR, "王芳", None, NOW, coordinator=True)
        await people.touch(db, 9002, "李明", None, NOW, coordinator=True)
        await titles.put(db, COORDINATOR, Title(preset=Preset.CIVIL_AFFAIRS), NOW)
        assert await titles.get(db, COORDINATOR) == Title(preset=Preset.CIVIL_AFFAIRS)
        await titles.put(db, COORDINATOR, Title(custom="街道民政专干"), NOW)
        assert await titles.get(db, COORDINATOR) == Title(custom="街道民政专干")
        await titles.put(db, 9002, Title(preset=Preset.SUPERVISOR), NOW)
        assert await titles.many(db, [COORDINATOR, 9002, 7001]) == {
            COORDINATOR: Title(custom="街道民政专干"), 9002: Title(preset=Preset.SUPERVISOR)}
        await titles.put(db, COORDINATOR, None, NOW)
        assert await titles.get(db, COORDINATOR) is None
        trail = await audit.entries(db, actor_id=COORDINATOR)
        assert [(e.action, e.detail) for e in reversed(trail)] == [
            ("title.set", {"preset": "civil_affairs", "custom": None}),
            ("title.set", {"preset": None, "custom": "街道民政专干"}),
            ("title.set", {"preset": None, "custom": None})]
    finally:
        await db.close()


async def test_a_renamed_street_keeps_its_communities_and_its_old_name_stays_away(
        tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "z.sqlite3")
    configured = ["东门街道/东门社区", "东门街道/湖贝社区", "桂园街道/桂园社区"]
    try:
        await areas.seed(db, configured, NOW)
        by_name = {s.name: s for s in await streets.listed(db)}
        dongmen = by_name["东门街道"]
        assert await streets.rename(db, dongmen.id, "桂园街道", COORDINATOR, NOW) is False
        assert await streets.rename(db, 999, "新街道", COORDINATOR, NOW) is None
        assert await streets.rename(db, dongmen.id, "东门街道办", COORDINATOR, NOW) is True
        renamed = await streets.get(db, dongmen.id)
        assert renamed is not None
        assert (renamed.name, renamed.area_ids) == ("东门街道办", dongmen.area_ids)
        # The next start reads the same configuration: no empty 东门街道 appears again.
        await areas.seed(db, configured, NOW)
        assert sorted(s.name for s in await streets.listed(db)) == ["东门街道办", "桂园街道"]
        # The old name is free for a new street.
        loose = await areas.active(db)
        made = await streets.create(db, "东门街道", [loose[0].id], COORDINATOR, NOW)
        assert made is not None
        entry = (await audit.entries(db, object_type="street", object_id=dongmen.id))[0]
        assert (entry.action, entry.detail) == ("street.rename",
                                                {"from": "东门街道", "to": "东门街道办"})
    finally:
        await db.close()


async def test_a_removed_street_leaves_its_communities_in_no_street(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "z.sqlite3")
    configured = ["东门街道/东门社区", "东门街道/湖贝社区", "桂园街道/桂园社区"]
    try:
        await areas.seed(db, configured, NOW)
        dongmen = {s.name: s for s in await streets.listed(db)}["东门街道"]
        assert await streets.remove(db, dongmen.id, COORDINATOR, NOW) == "东门街道"
        assert await streets.remove(db, dongmen.id, COORDINATOR, NOW) is None
        assert [s.name for s in await streets.listed(db)] == ["桂园街道"]
        assert await streets.get(db, dongmen.id) is None
        names = {a.id: a.name for a in await areas.active(db)}
        assert {names[a]: s for a, s in (await areas.street_of(db)).items()} == {
            "东门社区": None, "湖贝社区": None, "桂园社区": "桂园街道"}
        # Nothing can be moved into it any more, and the configuration does not bring it back.
        first = next(a for a, n in names.items() if n == "东门社区")
        assert await streets.move_area(db, first, dongmen.id, COORDINATOR, NOW) is False
        await areas.seed(db, configured, NOW)
        assert (await areas.street_of(db))[first] is None
        entry = (await audit.entries(db, object_type="street", object_id=dongmen.id))[0]
        assert entry.action == "street.remove"
        assert entry.detail["name"] == "东门街道" and len(entry.detail["areas"]) == 2
        # A roster naming it is the coordinator's word: the street is back, with that community.
        async with db.transaction() as tx:
            await areas.link_area_street(tx, first, "东门街道", STAMP)
        assert [(s.name, s.area_ids) for s in await streets.listed(db)] == [
            ("东门街道", (first,)), ("桂园街道", (next(a for a, n in names.items()
                                                   if n == "桂园社区"),))]
    finally:
        await db.close()
