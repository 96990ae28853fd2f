"""Messages that carry a case's or a referral's contact details, kept per chat so that they
can be edited down to one line (a map pin, a photo or a voice note: deleted) once the case or
referral is no longer that person's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.clock import to_db
from storage.db import Database, Row, Tx

REPORT = "report"
REFERRAL = "referral"
TEXT = "text"  # a message of text: edited down to one line
MEDIA = "media"  # a map pin, a photo, a voice note: deleted (it has no text to edit)


@dataclass(frozen=True)
class Shown:
    """One message in one chat that shows the details of a report or a referral."""

    chat_id: int
    message_id: int
    subject: str  # REPORT or REFERRAL
    subject_id: int
    kind: str = TEXT  # TEXT or MEDIA


_COLUMNS = "chat_id, message_id, subject, subject_id, kind"


def _shown(row: Row) -> Shown:
    return Shown(int(row[0]), int(row[1]), str(row[2]), int(row[3]), str(row[4]))


async def record(db: Database, chat_id: int, message_id: int, subject: str, subject_id: int,
                 now: datetime, kind: str = TEXT) -> None:
    """Remember that this message shows these details (a message edited to show another
    case's details names that one instead)."""
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT OR REPLACE INTO detail_messages (chat_id, message_id, subject, subject_id, "
            "sent_at, kind) VALUES (?, ?, ?, ?, ?, ?)",
            (chat_id, message_id, subject, subject_id, to_db(now), kind))


async def take_all_in(tx: Tx, chat_id: int) -> list[Shown]:
    """Every message of the chat that shows details, oldest first, forgotten as they are
    handed to the caller to withdraw."""
    rows = await tx.fetchall(
        f"SELECT {_COLUMNS} FROM detail_messages "
        "WHERE chat_id = ? ORDER BY message_id", (chat_id,))
    await tx.execute("DELETE FROM detail_messages WHERE chat_id = ?", (chat_id,))
    return [_shown(r) for r in rows]


async def take_of_in(tx: Tx, chat_id: int, subject: str, subject_id: int) -> list[Shown]:
    """The messages of the chat that show one report's or referral's details, oldest first,
    forgotten as they are handed to the caller to withdraw."""
    rows = await tx.fetchall(
        f"SELECT {_COLUMNS} FROM detail_messages "
        "WHERE chat_id = ? AND subject = ? AND subject_id = ? ORDER BY message_id",
        (chat_id, subject, subject_id))
    await tx.execute(
        "DELETE FROM detail_messages WHERE chat_id = ? AND subject = ? AND subject_id = ?",
        (chat_id, subject, subject_id))
    return [_shown(r) for r in rows]


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
        f"SELECT {_COLUMNS} FROM detail_messages "
        f"WHERE {where} ORDER BY chat_id, message_id", (REPORT, reporter_id))
    await tx.execute(f"DELETE FROM detail_messages WHERE {where}", (REPORT, reporter_id))
    return [_shown(r) for r in rows]
