"""A reporter's reply that waited for a worker who no longer holds the case, worded again
over a real SQLite file: for the holder now, to the reporter if nobody holds it, and not at
all once the reporter's words were erased."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.services import cases, routing
from bot.services.context import Services
from storage import people
from storage.clock import to_db
from storage.db import Database
from tests.use_cases import services_for

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
REPORTER, CHEN, TOM = 1001, 2001, 2002


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "z.sqlite3")
    await people.touch(database, REPORTER, "李阿姨", None, NOW, False, "zh-hans")
    await people.touch(database, CHEN, "陈社工", None, NOW, False, "zh-hans")
    await people.touch(database, TOM, "Tom", None, NOW, False, "en")
    stamp = to_db(NOW)
    async with database.transaction() as tx:
        await tx.execute("UPDATE people SET role = 'worker' WHERE telegram_id IN (?, ?)",
                         (CHEN, TOM))
        await tx.execute(
            "INSERT INTO reports (reporter_id, category, description, urgency, anonymous, "
            "status, taken_by, taken_at, created_at, updated_at) VALUES (?, 'health', "
            "'发烧了', 'soon', 0, 'acknowledged', ?, ?, ?, ?)",
            (REPORTER, CHEN, stamp, stamp, stamp))
    yield database
    await database.close()


async def answered(services: Services, text: str) -> int:
    """The reporter answers 陈社工; the id of the history entry."""
    report = await cases.find(services, 1)
    assert report is not None and await cases.reply(services, report, REPORTER, text, NOW)
    found = await services.db.fetchval("SELECT MAX(id) FROM report_events WHERE kind = 'reply'")
    return int(found)


async def test_a_waiting_reply_is_worded_again_for_whoever_holds_the_case_now(
        db: Database) -> None:
    services = services_for(db, NOW, coordinators="9001")
    entry = await answered(services, "我在家 <等您>")
    async with db.transaction() as tx:
        await tx.execute("UPDATE reports SET taken_by = ? WHERE id = 1", (TOM,))
    [again] = await cases.reply_again(services, 1, entry)
    assert again.chat_id == TOM and again.lang == "en"
    assert again.text.startswith("💬 <b>The reporter of R-0001 answers:</b>")
    assert "我在家 &lt;等您&gt;" in again.text  # the reporter's words, escaped
    assert again.after == {routing.TO_HOLDER: [1, entry]}

    async with db.transaction() as tx:  # given back: nobody holds it
        await tx.execute("UPDATE reports SET taken_by = NULL, status = 'new' WHERE id = 1")
    [told] = await cases.reply_again(services, 1, entry)
    assert told.chat_id == REPORTER and "R-0001" in told.text and "暂时没法转达" in told.text

    async with db.transaction() as tx:  # the reporter's words erased meanwhile
        await tx.execute("UPDATE report_events SET detail = '' WHERE id = ?", (entry,))
    assert await cases.reply_again(services, 1, entry) == []
