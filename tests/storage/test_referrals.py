"""Referral storage on a real SQLite file: seeded sources, idempotent inserts, counts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from bot.domain.referrals import Eligibility, Outcome, Stage
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


async def test_a_workers_open_referrals_go_back_to_the_pool_with_what_was_found(
        tmp_path: Path) -> None:
    """Released: nobody has them, ASSIGNED back to NEW, later stages and findings kept, an
    event in the history, to be announced again; a closed one and a colleague's stay."""
    db = await Database.open(tmp_path / "z.sqlite3")
    try:
        await db.write("INSERT INTO people (telegram_id, display_name, role, created_at, "
                       "updated_at) VALUES (7001, '陈社工', 'worker', 'x', 'x'), "
                       "(7002, '林社工', 'worker', 'x', 'x')")
        async with db.transaction() as tx:
            ids = [await store.insert(tx, 1, item(f"A-{n}"), TODAY, NOW, None) for n in range(4)]
        assigned, assessed, closed, colleague = [await store.get(db, i) for i in ids]
        assert assigned and assessed and closed and colleague
        async with db.transaction() as tx:
            await store.mark_routed_in(tx, assessed.id, NOW)
            assert await store.move(tx, assigned, NOW, stage=Stage.ASSIGNED, worker_id=7001,
                                    attempts=1)
            assert await store.move(tx, assessed, NOW, stage=Stage.ASSESSED, worker_id=7001,
                                    eligibility=frozenset({Eligibility.DIBAO}))
            assert await store.move(tx, closed, NOW, stage=Stage.CLOSED, worker_id=7001,
                                    outcome=Outcome.DECLINED)
            assert await store.move(tx, colleague, NOW, stage=Stage.ASSIGNED, worker_id=7002)
            released = await store.release_of_in(tx, 7001, NOW, TODAY, 1)
        assert released == (assigned.id, assessed.id)
        after = {i: await store.get(db, i) for i in ids}
        first, second = after[assigned.id], after[assessed.id]
        assert first and first.worker_id is None and first.stage is Stage.NEW
        assert first.attempts == 1
        assert second and second.worker_id is None and second.stage is Stage.ASSESSED
        assert second.eligibility == frozenset({Eligibility.DIBAO})
        assert after[closed.id].worker_id == 7001  # type: ignore[union-attr]
        assert after[colleague.id].worker_id == 7002  # type: ignore[union-attr]
        assert [e.kind for e in await store.events(db, assessed.id)] == ["imported", "released"]
        assert [r.id for r in await store.unrouted(db)] == sorted(released)
        assert [r.id for r in await store.untaken(db, None)] == [first.id, second.id]
        assert [r.id for r in await store.open_all(db)] == [colleague.id]
    finally:
        await db.close()
