"""Messages that carry a case's or a referral's contact details, kept per chat so that they
can be edited down to one line once the case or referral is no longer that person's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.clock import to_db
from storage.db import Database, Tx

REPORT = "report"
REFERRAL = "referral"


@dataclass(frozen=True)
class Shown:
    """One message in one chat that shows the details of a report or a referral."""

    chat_id: int
    message_id: int
    subject: str  # REPORT or REFERRAL
    subject_id: int


async def record(db: Database, chat_id: int, message_id: int, subject: str, subject_id: int,
                 now: datetime) -> None:
    """Remember that this message shows these details (a message edited to show another
    case's details names that one instead)."""
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT OR REPLACE INTO detail_messages (chat_id, message_id, subject, subject_id, "
            "sent_at) VALUES (?, ?, ?, ?, ?)",
            (chat_id, message_id, subject, subject_id, to_db(now)))


async def take_all_in(tx: Tx, chat_id: int) -> list[Shown]:
    """Every message of the chat that shows details, oldest first, forgotten as they are
    handed to the caller to withdraw."""
    rows = await tx.fetchall(
        "SELECT chat_id, message_id, subject, subject_id FROM detail_messages "
        "WHERE chat_id = ? ORDER BY message_id", (chat_id,))
    await tx.execute("DELETE FROM detail_messages WHERE chat_id = ?", (chat_id,))
    return [Shown(int(r[0]), int(r[1]), str(r[2]), int(r[3])) for r in rows]


async def take_of_in(tx: Tx, chat_id: int, subject: str, subject_id: int) -> list[Shown]:
    """The messages of the chat that show one report's or referral's details, oldest first,
    forgotten as they are handed to the caller to withdraw."""
    rows = await tx.fetchall(
        "SELECT chat_id, message_id, subject, subject_id FROM detail_messages "
        "WHERE chat_id = ? AND subject = ? AND subject_id = ? ORDER BY message_id",
        (chat_id, subject, subject_id))
    await tx.execute(
        "DELETE FROM detail_messages WHERE chat_id = ? AND subject = ? AND subject_id = ?",
        (chat_id, subject, subject_id))
    return [Shown(int(r[0]), int(r[1]), str(r[2]), int(r[3])) for r in rows]



async def readers_of_reporter(db: Database, reporter_id: int) -> list[int]:
    """The chats holding a message that shows the details of one of the person's reports."""
    rows = await db.fetchall(
        "SELECT DISTINCT d.chat_id FROM detail_messages d JOIN reports r ON r.id = d.subject_id "
        "WHERE d.subject = ? AND r.reporter_id = ?", (REPORT, reporter_id))
    return [int(r[0]) for r in rows]


async def take_of_reporter_in(tx: Tx, reporter_id: int) -> list[Shown]:
    """Every message, in any chat, that shows the details of one of the person's reports,
    forgotten as they are handed to the caller to withdraw."""
    where = "subject = ? AND subject_id IN (SELECT id FROM reports WHERE reporter_id = ?)"
    rows = await tx.fetchall(
        "SELECT chat_id, message_id, subject, subject_id FROM detail_messages "
        f"WHERE {where} ORDER BY chat_id, message_id", (REPORT, reporter_id))
    await tx.execute(f"DELETE FROM detail_messages WHERE {where}", (REPORT, reporter_id))
    return [Shown(int(r[0]), int(r[1]), str(r[2]), int(r[3])) for r in rows]
