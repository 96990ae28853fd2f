"""The figures' reader (storage.figures.cadence_days: each household's contacts as one row,
days by kind) and the streams built on it, and the digest's marks (cadence_marks, owed_marks),
give the obligations the bot's other reader (storage.reminders.all_cadence, contact by
contact) gives, on the random database of test_digest_fold: every programme, ended ones too,
archived households too, deleted contacts not counted, one worker's share."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot.domain.cadence import Obligation, Rule, Status, Tenure, obligations
from bot.domain.marks import NOT_OWED, OwedPeriods, Window
from bot.services import obligations as owed
from storage import figures, reminders
from storage.db import Database
from tests.storage.test_digest_fold import DAYS, WORKERS, seed

Found = dict[tuple[int, int], list[Obligation]]


def _obligation(rule: Rule, frame: Window, tenures: Sequence[Tenure], dues: OwedPeriods,
                met: int, i: int) -> Obligation:
    """Period i of a household's marks as the engine's obligation, the day met left out."""
    period, tenure = frame.periods[i], tenures[dues.at[i]]
    status = (Status.MET if met >> i & 1 else Status.DUE if i == len(dues.at) - 1
              else Status.MISSED)
    return Obligation(rule, period, status, period.last_day, None, tenure.worker_id,
                      tenure.pairing_id)


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
            rows: Found = {}
            for household in (owed.owed_marks(conn, today, history, program_ids={1, 2, 3})
                              if history is not None else []):
                for holder, rule, frame, tenures, dues, met in household:
                    rows.setdefault((holder.household_id, holder.program_id), []).extend(
                        _obligation(rule, frame, tenures, dues, met, i)
                        for i, at in enumerate(dues.at) if at != NOT_OWED)
            mine = {w: [i.obligation for i in owed.streamed(conn, today, history, w)]
                    for w in WORKERS}
        finally:
            conn.close()
        nonempty = {key: value for key, value in want.items() if value}
        assert streamed == nonempty
        if history is not None:  # the digest's marks: the same, but for the day met
            assert rows == {key: [replace(o, met_on=None) for o in value]
                            for key, value in nonempty.items()}
        assert len({household for household, _ in nonempty}) > 50
        for worker, theirs in mine.items():
            assert theirs == [o for (household, _), found in sorted(want.items())
                              if household in paired[worker]
                              for o in found if o.worker_id == worker]
