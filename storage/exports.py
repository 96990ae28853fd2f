"""Rows of the export's sheets, streamed from the figures' read-only connection.

Each function yields plain rows (tuples) in the order of its COLUMNS, so a million contacts
pass through without being held; codes (category, kind, status) are left for the sheet
builder to translate. Phone numbers and exact addresses are read only when asked for.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime

from bot.domain.figures import Span
from storage.clock import to_db
from storage.figures import stream
from storage.household_areas import area_on

REPORT_COLUMNS = ("reference", "created_at", "category", "urgency", "status", "area",
                  "subject", "description", "taken_by", "taken_at", "household_id")
REPORT_CONTACT_COLUMNS = ("address", "phone")


def reports(conn: sqlite3.Connection, start: datetime, stop: datetime, with_contacts: bool
            ) -> Iterator[tuple[object, ...]]:
    """Reports received in [start, stop): REPORT_COLUMNS (+ REPORT_CONTACT_COLUMNS), then the
    length in seconds of the voice note said instead of a description (None if typed), for
    the sheet to word in the reader's language."""
    extra = ", r.address, r.phone" if with_contacts else ""
    sql = ("SELECT r.id, r.created_at, r.category, r.urgency, r.status, "
           "COALESCE(a.name, r.area_text, ''), COALESCE(r.subject, ''), r.description, "
           "COALESCE(p.display_name, ''), COALESCE(r.taken_at, ''), r.household_id"
           f"{extra}, r.voice_seconds FROM reports r LEFT JOIN areas a ON a.id = r.area_id "
           "LEFT JOIN people p ON p.telegram_id = r.taken_by "
           "WHERE r.created_at >= ? AND r.created_at < ? ORDER BY r.id")
    for r in stream(conn, sql, (to_db(start), to_db(stop))):
        yield tuple(r)


EVENT_COLUMNS = ("reference", "at", "event", "status", "actor", "detail")


def report_events(conn: sqlite3.Connection, start: datetime, stop: datetime
                  ) -> Iterator[tuple[object, ...]]:
    """The history of the reports received in [start, stop): EVENT_COLUMNS."""
    sql = ("SELECT e.report_id, e.at, e.kind, COALESCE(e.status, ''), "
           "COALESCE(p.display_name, ''), e.detail FROM report_events e "
           "JOIN reports r ON r.id = e.report_id "
           "LEFT JOIN people p ON p.telegram_id = e.actor_id "
           "WHERE r.created_at >= ? AND r.created_at < ? ORDER BY e.report_id, e.at, e.id")
    for r in stream(conn, sql, (to_db(start), to_db(stop))):
        yield tuple(r)


HOUSEHOLD_COLUMNS = ("id", "external_id", "name", "area", "category", "people", "causes",
                     "needs", "archived")
HOUSEHOLD_CONTACT_COLUMNS = ("address", "phone")


def households(conn: sqlite3.Connection, with_contacts: bool, day: date
               ) -> Iterator[tuple[object, ...]]:
    """The whole registry: HOUSEHOLD_COLUMNS (+ HOUSEHOLD_CONTACT_COLUMNS); the causes come as
    two values, the free text and the codes from the list, for the sheet to put together.
    The community is the one each was in on `day` (the span's last day), as the figures
    group them."""
    extra = ", h.address, COALESCE(h.phone, '')" if with_contacts else ""
    then, area = area_on("h", "?")
    sql = ("SELECT h.id, COALESCE(h.external_id, ''), h.name, COALESCE(a.name, ''), "
           f"h.category, h.people_count, h.causes, h.cause_codes, h.needs, h.archived{extra} "
           f"FROM households h {then} LEFT JOIN areas a ON a.id = {area} ORDER BY h.id")
    for r in stream(conn, sql, (day.isoformat(), day.isoformat())):
        yield tuple(r)


PAIRING_COLUMNS = ("id", "household_id", "household", "worker", "program", "started_on",
                   "ended_on", "ended_reason")


def pairings(conn: sqlite3.Connection, span: Span) -> Iterator[tuple[object, ...]]:
    """Pairings active on some day of the span: PAIRING_COLUMNS."""
    sql = ("SELECT p.id, p.household_id, h.name, COALESCE(w.display_name, ''), g.name, "
           "p.started_on, COALESCE(p.ended_on, ''), COALESCE(p.ended_reason, '') "
           "FROM pairings p JOIN households h ON h.id = p.household_id "
           "JOIN programs g ON g.id = p.program_id "
           "LEFT JOIN people w ON w.telegram_id = p.worker_id "
           "WHERE p.started_on <= ? AND (p.ended_on IS NULL OR "
           "(p.ended_on > ? AND p.ended_on > p.started_on)) ORDER BY p.id")
    for r in stream(conn, sql, (span.end.isoformat(), span.start.isoformat())):
        yield tuple(r)


CONTACT_COLUMNS = ("id", "day", "household_id", "household", "worker", "kind", "services",
                   "people_reached", "wellbeing", "note")


def contacts(conn: sqlite3.Connection, span: Span) -> Iterator[tuple[object, ...]]:
    """Contacts dated in the span (services as a list of codes): CONTACT_COLUMNS."""
    sql = ("SELECT c.id, c.day, c.household_id, h.name, COALESCE(w.display_name, ''), c.kind, "
           "c.services, c.people_reached, c.wellbeing, c.note FROM contacts c "
           "JOIN households h ON h.id = c.household_id "
           "LEFT JOIN people w ON w.telegram_id = c.worker_id "
           "WHERE c.deleted = 0 AND c.day >= ? AND c.day <= ? ORDER BY c.day, c.id")
    names: dict[str, list[str]] = {}
    for r in stream(conn, sql, (span.start.isoformat(), span.end.isoformat())):
        codes = names.get(r[6])
        if codes is None:
            try:
                found = json.loads(r[6] or "[]")
            except ValueError:
                found = []
            codes = names[r[6]] = [str(c) for c in found] if isinstance(found, list) else []
        yield (*tuple(r)[:6], codes, *tuple(r)[7:])


def worker_names(conn: sqlite3.Connection) -> dict[int, str]:
    """Every staff member's display name, by id."""
    rows = conn.execute("SELECT telegram_id, display_name FROM people "
                        "WHERE role IN ('worker', 'coordinator')").fetchall()
    return {int(r[0]): str(r[1]) for r in rows}


REFERRAL_COLUMNS = ("referral_ref", "referral_source", "referral_received", "referral_due",
                    "referral_name", "area", "referral_stage", "referral_outcome",
                    "referral_closed", "worker")
REFERRAL_CONTACT_COLUMNS = ("address", "phone")


def referrals(conn: sqlite3.Connection, start: str, stop: str, with_contacts: bool
              ) -> Iterator[tuple[object, ...]]:
    """Referrals received on days in [start, stop) (ISO dates): REFERRAL_COLUMNS (+ contacts)."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'referrals'").fetchone() is None:
        return
    extra = ", r.address, r.phone" if with_contacts else ""
    yield from conn.execute(
        "SELECT r.id, s.name, r.received_on, r.due_on, r.name, COALESCE(a.name, ''), r.stage, "
        "COALESCE(r.outcome, ''), COALESCE(r.closed_on, ''), COALESCE(w.display_name, '')"
        f"{extra} FROM referrals r JOIN referral_sources s ON s.id = r.source_id "
        "LEFT JOIN areas a ON a.id = r.area_id LEFT JOIN people w ON w.telegram_id = r.worker_id "
        "WHERE r.received_on >= ? AND r.received_on < ? ORDER BY r.id", (start, stop))


AID_COLUMNS = ("aid_day", "household", "aid_kind", "aid_yuan", "aid_goods", "aid_fund",
               "aid_purpose", "worker")


def aid(conn: sqlite3.Connection, start: str, stop: str) -> Iterator[tuple[object, ...]]:
    """Aid given on days in [start, stop): AID_COLUMNS (the amount in fen, for exact sums)."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'aid'").fetchone() is None:
        return
    yield from conn.execute(
        "SELECT a.day, COALESCE(h.name, 'R-' || printf('%04d', a.report_id)), a.kind, "
        "a.amount_fen, "
        "TRIM(a.description || CASE WHEN a.quantity IS NULL THEN '' "
        "ELSE ' × ' || a.quantity END), f.name, a.purpose, COALESCE(w.display_name, '') "
        "FROM aid a LEFT JOIN households h ON h.id = a.household_id "
        "JOIN funds f ON f.id = a.fund_id LEFT JOIN people w ON w.telegram_id = a.worker_id "
        "WHERE a.deleted = 0 AND a.day >= ? AND a.day < ? ORDER BY a.day, a.id", (start, stop))


ACTIVITY_COLUMNS = ("activity_day", "activity_title", "activity_kind", "activity_people",
                    "activity_households", "activity_services", "activity_project")


def activities(conn: sqlite3.Connection, start: str, stop: str) -> Iterator[tuple[object, ...]]:
    """Group activities held on days in [start, stop): ACTIVITY_COLUMNS (services as their
    stored JSON list of codes)."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'activities'").fetchone() is None:
        return
    yield from conn.execute(
        "SELECT v.day, v.title, v.kind, v.people_reached, "
        "(SELECT COUNT(DISTINCT c.household_id) FROM contacts c WHERE c.activity_id = v.id "
        "AND c.deleted = 0), v.services, COALESCE(p.name, '') FROM activities v "
        "LEFT JOIN projects p ON p.id = v.project_id WHERE v.day >= ? AND v.day < ? "
        "ORDER BY v.day, v.id", (start, stop))
