"""Erasing a resident's personal data, and anonymising old closed reports.

What a report needs for the district's figures stays: its category, community, urgency,
status, dates and history of what happened. What identifies or reaches a person goes: their
phone, the name of the person in need they gave, the address, the map point, the photos,
the digits and addresses inside the description, and the messages relayed to and from them.
Telegram updates and outbox rows that carried any of it are blanked too, and the file is
rewritten (VACUUM, WAL truncated) so the old bytes do not linger in free pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.reports import masked_excerpt
from storage.clock import to_db
from storage.db import Database, Tx

ANONYMISED = "(已匿名)"
DESCRIPTION_KEPT = 400  # characters of the (masked) description kept for the figures


@dataclass(frozen=True)
class Erased:
    """What an erasure touched."""

    reports: int
    updates: int
    person: bool


async def _sensitive_values(tx: Tx, report_ids: list[int]) -> list[str]:
    """The values to blank wherever a copy of them may have been kept."""
    values: list[str] = []
    for report_id in report_ids:
        row = await tx.fetchone(
            "SELECT phone, subject, address, description FROM reports WHERE id = ?",
            (report_id,))
        if row is not None:
            values += [str(v) for v in row if v and len(str(v)) >= 4]
        # Messages relayed to and from the reporter live on in the updates that carried them.
        events = await tx.fetchall(
            "SELECT detail FROM report_events WHERE report_id = ? "
            "AND kind IN ('message', 'reply', 'note') AND detail != ''", (report_id,))
        values += [str(e[0]) for e in events if len(str(e[0])) >= 4]
    return values


async def _anonymise_reports(tx: Tx, report_ids: list[int], now: datetime) -> None:
    for report_id in report_ids:
        row = await tx.fetchone("SELECT description FROM reports WHERE id = ?", (report_id,))
        masked = masked_excerpt(str(row[0]) if row else "", DESCRIPTION_KEPT)
        await tx.execute(
            "UPDATE reports SET phone = NULL, subject = NULL, address = NULL, latitude = NULL, "
            "longitude = NULL, photos = '[]', anonymous = 1, description = ?, "
            "updated_at = ? WHERE id = ?", (masked, to_db(now), report_id))
        # Messages relayed to and from the reporter, and notes that may quote them.
        await tx.execute(
            "UPDATE report_events SET detail = '' WHERE report_id = ? "
            "AND kind IN ('message', 'reply', 'note')", (report_id,))


async def _blank_copies(tx: Tx, values: list[str], telegram_id: int | None) -> int:
    """Blank stored updates and outbox texts that carry any of the values (or the person)."""
    touched = 0
    for value in values:
        touched += await tx.rowcount(
            "UPDATE updates SET payload = '{}' WHERE instr(payload, ?) > 0", (value,))
        # A message still waiting that carries the data is not sent any more either.
        await tx.execute(
            "UPDATE outbox SET text = '', state = CASE WHEN state = 'sent' THEN 'sent' "
            "ELSE 'dropped' END WHERE instr(text, ?) > 0", (value,))
    if telegram_id is not None:
        needle = f'"id": {telegram_id},'
        touched += await tx.rowcount(
            "UPDATE updates SET payload = '{}' WHERE state != 'pending' "
            "AND instr(payload, ?) > 0", (needle,))
        await tx.execute(
            "UPDATE outbox SET text = '', state = CASE WHEN state = 'sent' THEN 'sent' "
            "ELSE 'dropped' END WHERE chat_id = ?", (telegram_id,))
    return touched


async def erase_person_in(tx: Tx, telegram_id: int, now: datetime) -> Erased:
    """Remove a resident's personal data, keeping the anonymous facts figures need."""
    rows = await tx.fetchall("SELECT id FROM reports WHERE reporter_id = ?", (telegram_id,))
    report_ids = [int(r[0]) for r in rows]
    values = await _sensitive_values(tx, report_ids)
    person = await tx.fetchone("SELECT display_name, username FROM people WHERE telegram_id = ?",
                               (telegram_id,))
    if person is not None:
        values += [str(v) for v in person if v and len(str(v)) >= 2]
    await _anonymise_reports(tx, report_ids, now)
    updates = await _blank_copies(tx, values, telegram_id)
    await tx.execute("DELETE FROM flows WHERE telegram_id = ?", (telegram_id,))
    changed = await tx.rowcount(
        "UPDATE people SET display_name = ?, username = NULL, language_code = NULL, "
        "updated_at = ? WHERE telegram_id = ?", (ANONYMISED, to_db(now), telegram_id))
    return Erased(len(report_ids), updates, changed > 0)


async def anonymise_closed_in(tx: Tx, closed_before: datetime, now: datetime) -> int:
    """Anonymise reports closed, resolved or referred before `closed_before`; return how many.

    A report's last change is when it was closed; one anonymised already is left alone."""
    rows = await tx.fetchall(
        "SELECT id FROM reports WHERE status IN ('resolved', 'referred', 'closed') "
        "AND updated_at < ? AND NOT (phone IS NULL AND subject IS NULL AND address IS NULL "
        "AND latitude IS NULL AND photos = '[]' AND anonymous = 1)",
        (to_db(closed_before),))
    report_ids = [int(r[0]) for r in rows]
    values = await _sensitive_values(tx, report_ids)
    await _anonymise_reports(tx, report_ids, now)
    await _blank_copies(tx, values, None)
    return len(report_ids)


async def compact(db: Database) -> None:
    """Rewrite the file so erased values do not linger in free pages or the WAL."""
    await db.vacuum()
