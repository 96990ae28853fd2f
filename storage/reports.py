"""Reports and their history: created from a draft atomically, listed for their reporter."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.reports import (
    RATE_WINDOW,
    Category,
    Draft,
    Event,
    Report,
    Status,
    Urgency,
    over_rate_limit,
)
from storage import outbox
from storage.clock import from_db, to_db
from storage.db import Database, Row, Tx
from storage.outbox import Outgoing

COLUMNS = (
    "id, reporter_id, category, description, subject, address, latitude, longitude, area_id, "
    "area_text, urgency, photos, phone, anonymous, status, taken_by, taken_at, "
    "escalation_level, created_at, updated_at, voice_file_id, voice_seconds, voice_audio, "
    "waiting_since"
)


def report_from_row(row: Row) -> Report:
    """Map a `reports` row to the domain object."""
    return Report(
        id=row["id"], reporter_id=row["reporter_id"], category=Category(row["category"]),
        description=row["description"], subject=row["subject"], address=row["address"],
        latitude=row["latitude"], longitude=row["longitude"], area_id=row["area_id"],
        area_text=row["area_text"], urgency=Urgency(row["urgency"]),
        photos=tuple(json.loads(row["photos"])), phone=row["phone"],
        anonymous=bool(row["anonymous"]), status=Status(row["status"]),
        taken_by=row["taken_by"],
        taken_at=from_db(row["taken_at"]) if row["taken_at"] else None,
        escalation_level=row["escalation_level"],
        created_at=from_db(row["created_at"]), updated_at=from_db(row["updated_at"]),
        voice_file_id=row["voice_file_id"], voice_seconds=row["voice_seconds"],
        voice_audio=bool(row["voice_audio"]),
        waiting_since=from_db(row["waiting_since"]) if row["waiting_since"] else None,
    )


@dataclass(frozen=True)
class Submitted:
    """The outcome of confirming a draft."""

    report: Report | None  # the new report, or None
    duplicate: Report | None = None  # the report this same draft already became
    rate_limited: bool = False


async def submit(db: Database, reporter_id: int, flow_name: str, confirm_step: str,
                 now: datetime, per_hour: int,
                 receipt: Callable[[Report], Sequence[Outgoing]] | None = None,
                 summary_message_id: int | None = None) -> Submitted:
    """Turn the person's draft into a report and end the flow, in one transaction.

    `summary_message_id` is the summary message whose Confirm was pressed, kept with the
    report (`from_summary`).

    The draft is consumed by the same transaction that creates the report, so a second
    Confirm (a double tap, or an update replayed after a crash) finds no draft and gets the
    report made the first time instead of a copy. The receipt is queued in the outbox by the
    same transaction: it is owed, and sent until Telegram accepts it, across restarts.
    """
    async with db.transaction() as tx:
        flow = await tx.fetchone(
            "SELECT step, data FROM flows WHERE telegram_id = ? AND name = ?",
            (reporter_id, flow_name),
        )
        if flow is None or flow["step"] != confirm_step:
            last = await _latest_of(tx, reporter_id)
            return Submitted(None, duplicate=last)
        draft = Draft.from_data(json.loads(flow["data"]))
        if not draft.complete():
            return Submitted(None)
        recent = await tx.fetchval(
            "SELECT COUNT(*) FROM reports WHERE reporter_id = ? AND created_at > ?",
            (reporter_id, to_db(now - RATE_WINDOW)),
        )
        if over_rate_limit(int(recent), per_hour):
            return Submitted(None, rate_limited=True)
        report_id = await _insert(tx, reporter_id, draft, now, summary_message_id)
        await tx.execute("DELETE FROM flows WHERE telegram_id = ?", (reporter_id,))
        row = await tx.fetchone(f"SELECT {COLUMNS} FROM reports WHERE id = ?", (report_id,))
        assert row is not None
        report = report_from_row(row)
        if receipt is not None:
            await outbox.put(tx, receipt(report), now)
        return Submitted(report)


async def _insert(tx: Tx, reporter_id: int, draft: Draft, now: datetime,
                  summary_message_id: int | None) -> int:
    assert draft.category is not None and draft.urgency is not None
    stamp = to_db(now)
    report_id = await tx.execute(
        "INSERT INTO reports (reporter_id, category, description, subject, address, latitude, "
        "longitude, area_id, area_text, urgency, photos, phone, anonymous, created_at, "
        "updated_at, voice_file_id, voice_seconds, voice_audio, summary_message_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        # Said in a voice note: no text (every surface words the voice from the catalogs).
        (reporter_id, draft.category.value, draft.description or "", draft.subject,
         draft.address,
         draft.latitude, draft.longitude, draft.area_id, draft.area_text, draft.urgency.value,
         json.dumps(draft.photos), None if draft.anonymous else draft.phone,
         int(bool(draft.anonymous)), stamp, stamp, draft.voice_file_id,
         draft.voice_seconds if draft.voice_file_id else None,
         int(draft.voice_audio and draft.voice_file_id is not None), summary_message_id),
    )
    await tx.execute(
        "INSERT INTO report_events (report_id, at, actor_id, kind, status) "
        "VALUES (?, ?, ?, 'created', 'new')",
        (report_id, stamp, reporter_id),
    )
    return report_id


async def _latest_of(tx: Tx, reporter_id: int) -> Report | None:
    row = await tx.fetchone(
        f"SELECT {COLUMNS} FROM reports WHERE reporter_id = ? ORDER BY id DESC LIMIT 1",
        (reporter_id,),
    )
    return None if row is None else report_from_row(row)


async def from_summary(db: Database, reporter_id: int, message_id: int) -> Report | None:
    """The person's report made by pressing Confirm on the summary `message_id`, if any."""
    row = await db.fetchone(
        f"SELECT {COLUMNS} FROM reports WHERE reporter_id = ? AND summary_message_id = ?",
        (reporter_id, message_id),
    )
    return None if row is None else report_from_row(row)


async def get(db: Database, report_id: int) -> Report | None:
    """One report by id."""
    row = await db.fetchone(f"SELECT {COLUMNS} FROM reports WHERE id = ?", (report_id,))
    return None if row is None else report_from_row(row)


async def by_reporter(db: Database, reporter_id: int, limit: int = 20) -> list[Report]:
    """A person's own reports, newest first."""
    rows = await db.fetchall(
        f"SELECT {COLUMNS} FROM reports WHERE reporter_id = ? ORDER BY id DESC LIMIT ?",
        (reporter_id, limit),
    )
    return [report_from_row(r) for r in rows]


async def count_by_reporter(db: Database, reporter_id: int) -> int:
    """How many reports a person has made."""
    return int(await db.fetchval("SELECT COUNT(*) FROM reports WHERE reporter_id = ?",
                                 (reporter_id,)))


async def events(db: Database, report_id: int) -> list[Event]:
    """A report's history, oldest first."""
    rows = await db.fetchall(
        "SELECT report_id, at, actor_id, kind, status, detail FROM report_events "
        "WHERE report_id = ? ORDER BY at, id",
        (report_id,),
    )
    return [
        Event(r["report_id"], from_db(r["at"]), r["actor_id"], r["kind"],
              Status(r["status"]) if r["status"] else None, r["detail"])
        for r in rows
    ]


async def recent_count(db: Database, reporter_id: int, now: datetime) -> int:
    """Reports a person confirmed in the last hour (for the anti-abuse limit)."""
    value = await db.fetchval(
        "SELECT COUNT(*) FROM reports WHERE reporter_id = ? AND created_at > ?",
        (reporter_id, to_db(now - RATE_WINDOW)),
    )
    return int(value)
