"""The figures' reader (storage.figures.cadence_days: each household's contacts as one row,
days by kind) and the streams built on it, and the digest's marks (fold_marks, owed_columns),
give the obligations the bot's other reader (storage.reminders.all_cadence, contact by
contact) gives, on the random database of test_digest_fold: every programme, ended ones too,
archived households too, deleted contacts not counted, one worker's share."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.domain.cadence import Obligation, Rule, Status, obligations
from bot.domain.columns import NOBODY, Columns
from bot.domain.marks import window
from bot.services import obligations as owed
from storage import figures, reminders
from storage.db import Database
from tests.storage.test_digest_fold import DAYS, WORKERS, seed

Found = dict[tuple[int, int], list[Obligation]]


# Per household, programme and rule, what the digest's columns hold: the periods owed and
# met (bit i: window period i), who answers for the running period and for the last one, and
# the last one's pairing (NOBODY: not owed).
Lanes = dict[tuple[int, int, Rule], list[int]]


def _as_lanes(found: Found, today: date, history: int) -> Lanes:
    """The engine's obligations as the digest's columns hold them."""
    lanes: Lanes = {}
    for (household, program), owes in found.items():
        for o in owes:
            periods = window(o.rule.period, today, history).periods
            i = periods.index(o.period)
            lane = lanes.setdefault((household, program, o.rule), [0, 0, NOBODY, NOBODY, NOBODY])
            lane[0] |= 1 << i
            lane[1] |= int(o.status is Status.MET) << i
            if i == len(periods) - 1:
                lane[2] = o.worker_id
            if i == len(periods) - 2:
                lane[3:] = [o.worker_id, o.pairing_id]
    return lanes


def _lanes(columns: Columns) -> tuple[Lanes, list[tuple[int, int]]]:
    """The columns by household, programme and rule; and the (household, programme) rows in
    the order the columns hold them."""
    lanes: Lanes = {}
    order: dict[int, tuple[int, int]] = {}
    for lane in columns.lanes:
        for seq, house, *row in zip(*(c.tolist() for c in (
                lane.seq, lane.house, lane.owed, lane.met, lane.now_worker, lane.last_worker,
                lane.last_pairing)), strict=True):
            household = columns.houses.ids[house]
            lanes[(household, lane.program_id, lane.rule)] = row
            order[seq] = (household, lane.program_id)
    return lanes, [order[seq] for seq in sorted(order)]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "z.sqlite3")
    seed(database.path, random.Random(5))
    yield database
    await database.close()


async def expected(db: Database, today: date, history: int | None
                   ) -> tuple[Found, dict[int, set[int]]]:
    """What every household owes under every programme, read contact by contact; and each
    worker's households (paired under any programme)."""
    conn = figures.connect(db.path)
    try:
        every = figures.programs(conn)
    finally:
        conn.close()
    found, _ = await reminders.all_cadence(db, programs=every)
    paired: dict[int, set[int]] = {}
    for c in found:
        for tenure in c.tenures:
            paired.setdefault(tenure.worker_id, set()).add(c.household_id)
    return {(c.household_id, c.program.id): obligations(c.program, c.tenures, c.records, today,
                                                        history_periods=history)
            for c in found}, paired


@pytest.mark.parametrize("today", DAYS[:3], ids=str)
async def test_the_streams_owe_what_the_other_reader_owes(db: Database, today: date) -> None:
    for history in (0, 8, None):
        want, paired = await expected(db, today, history)
        conn = figures.connect(db.path)
        try:
            streamed: Found = {}
            for item in owed.streamed(conn, today, history):
                streamed.setdefault((item.household_id, item.program_id), []).append(
                    item.obligation)
            columns = (owed.owed_columns(conn, today, history, program_ids={1, 2, 3})
                       if history is not None else None)
            mine = {w: [i.obligation for i in owed.streamed(conn, today, history, w)]
                    for w in WORKERS}
        finally:
            conn.close()
        nonempty = {key: value for key, value in want.items() if value}
        assert streamed == nonempty
        if columns is not None:  # the digest's columns: the same, as the digest keeps it
            lanes, order = _lanes(columns)
            assert lanes == _as_lanes(nonempty, today, history)
            assert order == sorted(order)  # the engine's order: by household, then programme
            assert columns.workers == {o.worker_id for value in nonempty.values()
                                       for o in value}
            # Households whose periods fall to several tenures (handovers, gaps) among them.
            assert not history or sum(len({o.pairing_id for o in value}) > 1
                                      for value in nonempty.values()) > 10
        assert len({household for household, _ in nonempty}) > 50
        for worker, theirs in mine.items():
            assert theirs == [o for (household, _), found in sorted(want.items())
                              if household in paired[worker]
                              for o in found if o.worker_id == worker]
