"""Erasure in a real SQLite file: what workers typed about the person's households goes too."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.domain.aid import AidKind, Purpose
from bot.domain.households import Category, HouseholdInput
from storage import aid, areas, erasure, households, outbox
from storage.aid import NewAid
from storage.clock import to_db
from storage.db import Database

NOW = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)
WORKER, RESIDENT = 7001, 5001
PHONE = "13912345678"


@pytest.fixture
async def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    database = await Database.open(tmp_path / "z.sqlite3")
    await areas.seed(database, ["东门社区"], NOW)
    async with database.transaction() as tx:
        for who, name, role in ((WORKER, "陈社工", "worker"), (RESIDENT, "王小明", "resident")):
            await tx.execute(
                "INSERT INTO people (telegram_id, display_name, role, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)", (who, name, role, to_db(NOW), to_db(NOW)))
    yield database
    await database.close()


def file_bytes(folder: Path) -> bytes:
    """Every byte the database keeps on disk: the file and its WAL."""
    return b"".join(p.read_bytes() for p in folder.glob("z.sqlite3*") if p.is_file())


async def _linked_household(db: Database) -> tuple[int, int]:
    """A household made from the resident's report, and one that has nothing to do with it."""
    linked = await households.create(db, HouseholdInput("张大爷", 1, "东门路1号", 1,
                                                        Category.DIBAO, "", "", None, None),
                                     NOW, by=9001)
    other = await households.create(db, HouseholdInput("李阿婆", 1, "东门路2号", 1,
                                                       Category.DIBAO, "", "", None, None),
                                    NOW, by=9001)
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO reports (reporter_id, category, description, urgency, phone, "
            "household_id, created_at, updated_at) VALUES (?, 'elderly_alone', ?, 'soon', ?, "
            "?, ?, ?)", (RESIDENT, "张大爷腿肿了，不肯去医院", PHONE, linked.id, to_db(NOW),
                         to_db(NOW)))
    return linked.id, other.id


def _aid(household_id: int, note: str, description: str = "") -> NewAid:
    return NewAid(household_id, WORKER, AidKind.IN_KIND if description else AidKind.CASH, 5000,
                  1, Purpose.MEDICAL, date(2026, 5, 19), description=description, note=note)


async def test_erasure_masks_the_reporters_number_in_aid_notes_in_any_form(
        db: Database, tmp_path: Path) -> None:
    linked, other = await _linked_household(db)
    # The worker copied the reporter's number into aid notes, spaced out and verbatim.
    await aid.add(db, _aid(linked, "已联系举报人 139 1234 5678，明天送去"), NOW)
    await aid.add(db, _aid(linked, "", description=f"米面油（王小明 {PHONE} 代领）"), NOW)
    await aid.add(db, _aid(other, f"邻居王小明（{PHONE}）帮忙联系"), NOW)
    await aid.add(db, _aid(other, "医药费，电话 13800001111 是老人自己的"), NOW)
    await db.vacuum()
    assert PHONE.encode() in file_bytes(tmp_path)

    async with db.transaction() as tx:
        done = await erasure.erase_person_in(tx, RESIDENT, NOW)
    await erasure.compact(db)

    assert done.reports == 1 and done.notes >= 3
    stored = file_bytes(tmp_path)
    for secret in (PHONE, "139 1234 5678", "王小明"):
        assert secret.encode() not in stored, f"{secret} is still in the database file"
    notes = [(e.household_id, e.note, e.description)
             for e in await aid.for_household(db, linked, 10)
             + await aid.for_household(db, other, 10)]
    # What the aid was for stays readable; an unrelated household's own number is kept.
    assert any("明天送去" in n for _, n, _ in notes)
    assert any("米面油" in d for _, _, d in notes)
    assert any("13800001111" in n for h, n, _ in notes if h == other)
    assert (await aid.household_total(db, linked)).amount_fen == 10000


async def test_messages_dropped_by_an_erasure_are_not_counted_as_undelivered(
        db: Database) -> None:
    """The digest lists the chats it could not reach and doctor counts what was given up:
    a message an erasure stopped was not given up on, and its addressee is gone."""
    await outbox.enqueue(db, [outbox.Outgoing(RESIDENT, "您的求助 R-0001 有新进展")], NOW)
    async with db.transaction() as tx:
        await erasure.erase_person_in(tx, RESIDENT, NOW)
    assert await outbox.undelivered_chats(db, NOW) == []
    assert (await outbox.depth(db)).dropped == 0
    # A message refused by Telegram is still counted (the control).
    await outbox.enqueue(db, [outbox.Outgoing(WORKER, "新求助")], NOW)
    rows = await db.fetchall("SELECT id FROM outbox WHERE state = 'pending'")
    async with db.transaction() as tx:
        await tx.execute("UPDATE outbox SET state = 'dropped', error = 'Forbidden: bot was "
                         "blocked by the user' WHERE id = ?", (rows[-1][0],))
    assert await outbox.undelivered_chats(db, NOW) == [WORKER]
    assert (await outbox.depth(db)).dropped == 1


async def test_erasure_withdraws_every_waiting_message_that_carries_the_persons_words(
        db: Database) -> None:
    """Their replies to the worker, as the outbox holds them: worded for the worker and
    HTML-escaped ("I'm" is "I&#x27;m"), or too short for a search of texts; one already sent
    is forgotten (it cannot be recalled), and the worker's other messages still go."""
    replies = [outbox.Outgoing(WORKER, "💬 R-0001 的求助人回复：\nI&#x27;m home after 6",
                               origin=RESIDENT),
               outbox.Outgoing(WORKER, "💬 R-0001 的求助人回复：\n在家", origin=RESIDENT)]
    await outbox.enqueue(db, [*replies, outbox.Outgoing(WORKER, "新求助 R-0002")], NOW)
    rows = [int(r[0]) for r in await db.fetchall("SELECT id FROM outbox ORDER BY id")]
    await outbox.claim(db, NOW, limit=1)
    await outbox.mark_sent(db, rows[:1], 41, NOW)  # the first went out before the erasure
    await outbox.enqueue(db, [outbox.Outgoing(WORKER, "💬 R-0001 的求助人回复：\n好",
                                              origin=RESIDENT)], NOW)

    async with db.transaction() as tx:
        done = await erasure.erase_person_in(tx, RESIDENT, NOW)

    assert done.withdrawn == 2
    left = {int(r[0]): (r[1], r[2]) for r in await db.fetchall(
        "SELECT id, state, text FROM outbox ORDER BY id")}
    assert [state for state, _ in left.values()] == ["sent", "dropped", "pending", "dropped"]
    assert [text for state, text in left.values() if state != "pending"] == ["", "", ""]
    assert left[rows[2]] == ("pending", "新求助 R-0002")
    claimed = await outbox.claim(db, NOW)
    assert [row.text for row in claimed] == ["新求助 R-0002"], "only that one goes out"


async def test_a_message_dropped_by_an_erasure_on_its_way_is_never_brought_back(
        db: Database) -> None:
    """Rows claimed (being sent) when the person is erased are dropped and blanked; however
    their sends end (accepted, refused, failed for now, given back for a flood wait), they
    stay dropped and blank: never queued again, never counted as sent. The accepted one is
    named back with the erasure's mark, so what reached the chat can be taken back."""
    await outbox.enqueue(db, [outbox.Outgoing(WORKER, f"📞 {PHONE}", origin=RESIDENT)
                              for _ in range(4)], NOW)
    sent, refused, failing, held = [row.id for row in await outbox.claim(db, NOW)]
    async with db.transaction() as tx:
        assert (await erasure.erase_person_in(tx, RESIDENT, NOW)).withdrawn == 4

    assert await outbox.mark_sent(db, [sent], 41, NOW) == {sent: outbox.ERASED}
    await outbox.mark_failed(db, [refused], "Forbidden", NOW, drop=True)
    await outbox.mark_failed(db, [failing], "TimedOut", NOW)
    await outbox.release(db, [held], NOW)
    rows = await db.fetchall("SELECT state, text, error, message_id FROM outbox ORDER BY id")
    assert [tuple(r) for r in rows] == [("dropped", "", outbox.ERASED, None)] * 4
    assert await outbox.claim(db, NOW) == []
    assert (await outbox.depth(db)).dropped == 0  # withdrawn, not given up on
