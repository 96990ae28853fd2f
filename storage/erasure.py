"""Erasing a resident's personal data, and anonymising old closed reports.

What a report needs for the district's figures stays: its category, community, urgency,
status, dates and history of what happened. What identifies or reaches a person goes: their
phone, the name of the person in need they gave, the address, the map point, the photos,
the digits and addresses inside the description, the voice note said instead of typing (its
length stays), and the messages relayed to and from them.
Free text written about a household linked to the person's reports (aid and contact notes)
has phone numbers, e-mails and flat numbers masked, and any copy of the erased values in
notes, causes and needs anywhere is masked as well.
Telegram updates and outbox rows that carried any of it are blanked too; a message still
waiting that carries the person's words or data (`outbox.origin`: a reply of theirs relayed to
the case's worker, their report's card or details), or any of the values, or is addressed to
them, is withdrawn: dropped unsent, and counted (a sent one cannot be recalled; one that
showed a worker their report's details is edited down to one line, see
`bot/services/withdrawals.py`). The file is
rewritten (VACUUM, WAL truncated) so the old bytes do not linger in free pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.reports import mask_contacts, masked_excerpt
from storage import outbox
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
    notes: int = 0  # aid, contact and household texts that had personal data masked
    withdrawn: int = 0  # messages still waiting to go out, dropped unsent
    details: int = 0  # sent messages showing their reports' details, edited down to one line


async def _sensitive_values(tx: Tx, report_ids: list[int]) -> list[str]:
    """The values to blank wherever a copy of them may have been kept."""
    values: list[str] = []
    for report_id in report_ids:
        row = await tx.fetchone(
            "SELECT phone, subject, address, description, voice_file_id FROM reports "
            "WHERE id = ?",
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
            "voice_file_id = NULL, updated_at = ? WHERE id = ?", (masked, to_db(now), report_id))
        # Messages relayed to and from the reporter, and notes that may quote them.
        await tx.execute(
            "UPDATE report_events SET detail = '' WHERE report_id = ? "
            "AND kind IN ('message', 'reply', 'note')", (report_id,))


_WAITING = "state IN ('pending', 'sending', 'failed')"


async def _blank_outbox(tx: Tx, where: str, params: tuple[object, ...], *,
                        target: bool = True) -> int:
    """Blank the outbox rows matching `where` (and their `target`, e.g. a voice note's file
    id, unless told not to); a row still waiting is dropped unsent too. How many waited."""
    blanked = "text = '', item = '{}'" + (", target = '{}'" if target else "")
    withdrawn = await tx.rowcount(
        f"UPDATE outbox SET {blanked}, state = 'dropped', error = ?, claimed_at = NULL "
        f"WHERE {_WAITING} AND ({where})", (outbox.ERASED, *params))
    # Sent ones cannot be recalled, only forgotten; given up ones were not given up on.
    await tx.execute(
        f"UPDATE outbox SET {blanked}, error = CASE WHEN state = 'sent' THEN error ELSE ? END "
        f"WHERE NOT {_WAITING} AND ({where})", (outbox.ERASED, *params))
    return withdrawn


async def _blank_copies(tx: Tx, values: list[str],
                        telegram_id: int | None) -> tuple[int, int]:
    """Blank stored updates and outbox texts that carry any of the values or the person's
    words, or are addressed to the person; how many updates, and how many messages still
    waiting were withdrawn."""
    touched = withdrawn = 0
    if telegram_id is not None:
        # Whatever of theirs a message carries, however it was worded or escaped for its
        # reader: a short reply ("在家") or one with an apostrophe escapes a search of texts.
        withdrawn += await _blank_outbox(tx, "origin = ?", (telegram_id,))
    for value in values:
        touched += await tx.rowcount(
            "UPDATE updates SET payload = '{}' WHERE instr(payload, ?) > 0", (value,))
        # A message still waiting that carries the data (a voice note: in its target) is not
        # sent any more either.
        withdrawn += await _blank_outbox(tx, "instr(text, ?) > 0 OR instr(target, ?) > 0",
                                         (value, value))
    if telegram_id is not None:
        needle = f'"id": {telegram_id},'
        touched += await tx.rowcount(
            "UPDATE updates SET payload = '{}' WHERE state != 'pending' "
            "AND instr(payload, ?) > 0", (needle,))
        withdrawn += await _blank_outbox(tx, "chat_id = ?", (telegram_id,), target=False)
    return touched, withdrawn


MASK = "•••"
# Free text that workers type about households: (table, column) pairs.
_FREE_TEXT = (("aid", "note"), ("aid", "description"), ("contacts", "note"),
              ("contacts", "next_note"), ("households", "causes"), ("households", "needs"),
              ("activities", "title"))


def _scrubbed(text: str, values: list[str]) -> str:
    """The text without any of the values and with contact-like runs masked."""
    for value in values:
        text = text.replace(value, MASK)
    return mask_contacts(text)


async def _scrub_free_text(tx: Tx, report_ids: list[int], values: list[str],
                           phones: list[str]) -> int:
    """Mask the person's data in notes: every note about a household their reports were
    linked to is masked (a worker may have copied the reporter's number in any form), and
    exact copies of the erased values are masked wherever free text is kept."""
    touched = 0
    marks = ",".join("?" * len(report_ids))
    linked = [int(r[0]) for r in await tx.fetchall(
        f"SELECT DISTINCT household_id FROM reports WHERE id IN ({marks}) "
        "AND household_id IS NOT NULL", tuple(report_ids))] if report_ids else []
    for household_id in linked:
        for table, column in (("aid", "note"), ("aid", "description"), ("contacts", "note"),
                              ("contacts", "next_note")):
            rows = await tx.fetchall(
                f"SELECT id, {column} FROM {table} WHERE household_id = ? AND {column} != ''",
                (household_id,))
            for row_id, text in rows:
                clean = _scrubbed(str(text), values)
                if clean != text:
                    touched += await tx.rowcount(
                        f"UPDATE {table} SET {column} = ? WHERE id = ?", (clean, row_id))
    for value in values:
        for table, column in _FREE_TEXT:
            touched += await tx.rowcount(
                f"UPDATE {table} SET {column} = replace({column}, ?, ?) "
                f"WHERE instr({column}, ?) > 0", (value, MASK, value))
    for phone in phones:
        # A household whose phone is the person's own (they reported themselves).
        touched += await tx.rowcount("UPDATE households SET phone = NULL WHERE phone = ?",
                                     (phone,))
    return touched


async def erase_person_in(tx: Tx, telegram_id: int, now: datetime) -> Erased:
    """Remove a resident's personal data, keeping the anonymous facts figures need."""
    rows = await tx.fetchall("SELECT id FROM reports WHERE reporter_id = ?", (telegram_id,))
    report_ids = [int(r[0]) for r in rows]
    values = await _sensitive_values(tx, report_ids)
    phones = [str(r[0]) for r in await tx.fetchall(
        "SELECT DISTINCT phone FROM reports WHERE reporter_id = ? AND phone IS NOT NULL",
        (telegram_id,))]
    person = await tx.fetchone("SELECT display_name, username FROM people WHERE telegram_id = ?",
                               (telegram_id,))
    if person is not None:
        values += [str(v) for v in person if v and len(str(v)) >= 2]
    notes = await _scrub_free_text(tx, report_ids, values, phones)
    await _anonymise_reports(tx, report_ids, now)
    updates, withdrawn = await _blank_copies(tx, values, telegram_id)
    await tx.execute("DELETE FROM flows WHERE telegram_id = ?", (telegram_id,))
    changed = await tx.rowcount(
        "UPDATE people SET display_name = ?, username = NULL, language_code = NULL, "
        "updated_at = ? WHERE telegram_id = ?", (ANONYMISED, to_db(now), telegram_id))
    return Erased(len(report_ids), updates, changed > 0, notes, withdrawn)


async def anonymise_closed_in(tx: Tx, closed_before: datetime, now: datetime) -> int:
    """Anonymise reports closed, resolved or referred before `closed_before`; return how many.

    A report's last change is when it was closed; one anonymised already is left alone."""
    rows = await tx.fetchall(
        "SELECT id FROM reports WHERE status IN ('resolved', 'referred', 'closed') "
        "AND updated_at < ? AND NOT (phone IS NULL AND subject IS NULL AND address IS NULL "
        "AND latitude IS NULL AND photos = '[]' AND anonymous = 1 AND voice_file_id IS NULL)",
        (to_db(closed_before),))
    report_ids = [int(r[0]) for r in rows]
    values = await _sensitive_values(tx, report_ids)
    await _anonymise_reports(tx, report_ids, now)
    await _blank_copies(tx, values, None)
    return len(report_ids)


async def compact(db: Database) -> None:
    """Rewrite the file so erased values do not linger in free pages or the WAL."""
    await db.vacuum()
