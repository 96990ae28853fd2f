"""Referral storage on a real SQLite file: seeded sources, idempotent inserts, counts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from bot.domain.referrals import Outcome, Stage
from storage import referrals as store
from storage.db import Database
from storage.referrals import NewReferral

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 18)


def item(ref: str, name: str = "赵建国") -> NewReferral:
    return NewReferral(ref, name, "1234", "13800138001", None, "", "", frozenset(),
                       date(2026, 12, 18))


async def test_sources_are_seeded_and_kept(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "z.sqlite3")
    try:
        names = [s.name for s in await store.sources(db)]
        assert names == ["人力资源局", "区法院", "教育局", "社区网格员"]
        async with db.transaction() as tx:
            assert await store.add_source(tx, "区医院", NOW) is not None
            assert await store.add_source(tx, "区医院", NOW) is None
            court = await store.source_named(tx, "区法院")
            assert court is not None
            assert await store.retire_source(tx, court.id)
            assert not await store.retire_source(tx, court.id)
        assert [s.name for s in await store.sources(db)] == ["人力资源局", "教育局", "社区网格员",
                                                             "区医院"]
    finally:
        await db.close()


async def test_insert_is_idempotent_per_source_and_counts_by_stage(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "z.sqlite3")
    try:
        async with db.transaction() as tx:
            first = await store.insert(tx, 1, item("A-1"), TODAY, NOW, None)
            again = await store.insert(tx, 1, item("A-1"), TODAY, NOW, None)
            other = await store.insert(tx, 2, item("A-1", "钱秀英"), TODAY, NOW, None)
        assert first is not None and again is None and other is not None
        assert await store.known_refs(db, ["A-1", "B-9"]) == {"A-1": [1, 2]}
        referral = await store.get(db, first)
        assert referral is not None and referral.stage is Stage.NEW
        async with db.transaction() as tx:
            assert await store.move(tx, referral, NOW, stage=Stage.CLOSED,
                                    outcome=Outcome.UNREACHABLE, closed_on=TODAY)
            # A second change from the same reading loses: the referral moved meanwhile.
            assert not await store.move(tx, referral, NOW, stage=Stage.CLOSED)
        counts = await store.counts(db, date(2026, 10, 1), date(2027, 1, 1))
        assert [(c.source, c.stage, c.outcome, c.count) for c in counts] == [
            ("人力资源局", Stage.CLOSED, Outcome.UNREACHABLE, 1),
            ("区法院", Stage.NEW, None, 1)]
        assert await store.counts(db, date(2027, 1, 1), date(2027, 4, 1)) == []
        assert [r.name for r in await store.overdue(db, date(2026, 12, 19))] == ["钱秀英"]
    finally:
        await db.close()
