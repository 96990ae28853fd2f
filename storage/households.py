"""The household registry: add, edit, archive, find, and import a checked file at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.causes import Cause, from_codes, to_codes
from bot.domain.households import Category, HouseholdInput, ordered_categories
from bot.domain.limits import ALWAYS
from storage.clock import from_db, to_db
from storage.db import Database, Row, Tx
from storage.household_areas import begin_in, move_in

# A household carries each category over days, from `since` until `until` (exclusive; NULL
# while it still does), so that which programmes held it on a past day (limits:
# storage.program_categories) never moves with an edit made later. What a household carries
# today is the open span: the registry's views show that.
CURRENT = "hc.until IS NULL"
# The categories a household is added with describe it as registered: they hold from the
# start (a pairing recorded from an earlier day is judged by them), as migration 0024 keeps
# every category carried before they were dated.
FROM_THE_START = ALWAYS.isoformat()
_COLUMNS = (
    "h.id, h.external_id, h.name, h.area_id, a.name AS area_name, h.address, h.people_count, "
    "h.category, h.causes, h.cause_codes, h.needs, h.phone, h.archived, h.created_at, "
    "h.updated_at, "
    "(SELECT group_concat(hc.category) FROM household_categories hc "
    f"WHERE hc.household_id = h.id AND {CURRENT}) AS categories"
)
_FROM = "FROM households h LEFT JOIN areas a ON a.id = h.area_id"


@dataclass(frozen=True)
class Household:
    """One household (服务对象) in the registry."""

    id: int
    external_id: str | None
    name: str
    area_id: int | None
    area_name: str | None
    address: str
    people_count: int
    category: Category
    causes: str
    needs: str
    phone: str | None
    archived: bool
    created_at: datetime
    updated_at: datetime
    categories: tuple[Category, ...] = ()  # all of them, the primary (`category`) first
    cause_codes: tuple[Cause, ...] = ()  # causes of hardship from the list


def _categories(primary: Category, stored: str | None) -> tuple[Category, ...]:
    known = {c.value for c in Category}
    return ordered_categories(primary, (Category(code) for code in (stored or "").split(",")
                                        if code in known))


def _household(row: Row) -> Household:
    category = Category(row["category"])
    return Household(
        id=row["id"], external_id=row["external_id"], name=row["name"], area_id=row["area_id"],
        area_name=row["area_name"], address=row["address"], people_count=row["people_count"],
        category=category, causes=row["causes"], needs=row["needs"],
        phone=row["phone"], archived=bool(row["archived"]),
        created_at=from_db(row["created_at"]), updated_at=from_db(row["updated_at"]),
        categories=_categories(category, row["categories"]),
        cause_codes=from_codes(row["cause_codes"] or ""),
    )


def _values(data: HouseholdInput) -> tuple[object, ...]:
    return (data.name, data.area_id, data.address, data.people_count, data.category.value,
            data.causes, data.needs, data.phone, to_codes(data.cause_codes))


async def _insert(tx: Tx, data: HouseholdInput, now: datetime, by: int | None) -> int:
    stamp = to_db(now)
    household_id = await tx.execute(
        "INSERT INTO households (external_id, name, area_id, address, people_count, category, "
        "causes, needs, phone, cause_codes, created_by, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (data.external_id, *_values(data), by, stamp, stamp),
    )
    await tx.executemany(
        "INSERT INTO household_categories (household_id, category, since) VALUES (?, ?, ?)",
        [(household_id, c.value, FROM_THE_START) for c in data.all_categories],
    )
    await begin_in(tx, household_id, data.area_id)
    return household_id


async def _set_categories(tx: Tx, household_id: int, data: HouseholdInput, today: date) -> None:
    """Make the household carry the categories of `data` from `today` (the deployment's local
    date) on: a category it leaves ends today, one it takes begins today, and what it carried
    before today stays as it was."""
    day = today.isoformat()
    held = {str(r[0]) for r in await tx.fetchall(
        "SELECT category FROM household_categories hc WHERE household_id = ? "
        f"AND {CURRENT}", (household_id,))}
    wanted = {c.value for c in data.all_categories}
    for category in sorted(held - wanted):
        # A span begun today never held a day: it goes; an older one ends today.
        await tx.execute(
            "DELETE FROM household_categories WHERE household_id = ? AND category = ? "
            "AND until IS NULL AND since >= ?", (household_id, category, day))
        await tx.execute(
            "UPDATE household_categories SET until = ? WHERE household_id = ? AND category = ? "
            "AND until IS NULL", (day, household_id, category))
    for category in sorted(wanted - held):
        # Taken off today and put back: it never left.
        back = await tx.rowcount(
            "UPDATE household_categories SET until = NULL WHERE household_id = ? "
            "AND category = ? AND until = ?", (household_id, category, day))
        if not back:
            await tx.execute(
                "INSERT INTO household_categories (household_id, category, since) "
                "VALUES (?, ?, ?) ON CONFLICT (household_id, category, since) "
                "DO UPDATE SET until = NULL", (household_id, category, day))


async def insert_in(tx: Tx, data: HouseholdInput, now: datetime, by: int | None) -> int:
    """Add a household inside the caller's transaction; its id."""
    return await _insert(tx, data, now, by)


async def create(db: Database, data: HouseholdInput, now: datetime,
                 by: int | None = None) -> Household:
    """Add a household; its external id (if any) must be new."""
    async with db.transaction() as tx:
        household_id = await _insert(tx, data, now, by)
    found = await get(db, household_id)
    assert found is not None
    return found


async def update(db: Database, household_id: int, data: HouseholdInput,
                 now: datetime, today: date) -> Household | None:
    """Replace a household's fields (the external id stays unless one is given; its
    categories and community change from `today`)."""
    async with db.transaction() as tx:
        changed = await update_in(tx, household_id, data, now, today)
    return await get(db, household_id) if changed else None


async def update_in(tx: Tx, household_id: int, data: HouseholdInput, now: datetime,
                    today: date) -> bool:
    """Replace a household's fields inside the caller's transaction (its categories change
    and community change from `today`, the deployment's local date); False if it is gone."""
    await move_in(tx, [household_id], data.area_id, today)
    changed = await tx.rowcount(
        "UPDATE households SET name = ?, area_id = ?, address = ?, people_count = ?, "
        "category = ?, causes = ?, needs = ?, phone = ?, cause_codes = ?, "
        "external_id = COALESCE(?, external_id), updated_at = ? WHERE id = ?",
        (*_values(data), data.external_id, to_db(now), household_id),
    )
    if changed:
        await _set_categories(tx, household_id, data, today)
    return changed > 0


async def archive(db: Database, household_id: int, today: date, now: datetime) -> bool:
    """Archive a household and end its active pairings (history is kept)."""
    async with db.transaction() as tx:
        return await archive_in(tx, household_id, today, now)


async def archive_in(tx: Tx, household_id: int, today: date, now: datetime) -> bool:
    """Archive a household and end its active pairings, inside the caller's transaction."""
    changed = await tx.rowcount(
        "UPDATE households SET archived = 1, updated_at = ? WHERE id = ? AND archived = 0",
        (to_db(now), household_id),
    )
    if changed:
        await tx.execute(
            "UPDATE pairings SET ended_on = MAX(started_on, ?), ended_reason = 'archived' "
            "WHERE household_id = ? AND ended_on IS NULL",
            (today.isoformat(), household_id),
        )
    return changed > 0


async def get(db: Database, household_id: int) -> Household | None:
    """One household by id (archived ones too)."""
    row = await db.fetchone(f"SELECT {_COLUMNS} {_FROM} WHERE h.id = ?", (household_id,))
    return None if row is None else _household(row)


async def by_external_id(db: Database, external_id: str) -> Household | None:
    """One household by its external id."""
    row = await db.fetchone(f"SELECT {_COLUMNS} {_FROM} WHERE h.external_id = ?",
                            (external_id,))
    return None if row is None else _household(row)


def _like(text: str) -> str:
    """A LIKE pattern for names containing the text as typed (its % and _ taken literally)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _matching(text: str, worker_id: int | None) -> tuple[str, tuple[object, ...]]:
    """The FROM and WHERE of a search by name (and external id, unless for a worker), with
    its parameters: one text for the list and its count, so the two never disagree."""
    like = _like(text)
    if worker_id is None:
        return (f"{_FROM} WHERE h.archived = 0 AND "
                "(h.name LIKE ? ESCAPE '\\' OR h.external_id LIKE ? ESCAPE '\\')",
                (like, like))
    return (f"{_FROM} JOIN pairings p ON p.household_id = h.id AND p.ended_on IS NULL "
            "WHERE p.worker_id = ? AND h.archived = 0 AND h.name LIKE ? ESCAPE '\\'",
            (worker_id, like))


async def search(db: Database, text: str, limit: int = 20,
                 worker_id: int | None = None) -> list[Household]:
    """Households (not archived) whose name or external id contains the text, by name.

    With worker_id: only that worker's households (active pairings), by name only.
    """
    where, values = _matching(text, worker_id)
    rows = await db.fetchall(
        f"SELECT DISTINCT {_COLUMNS} {where} ORDER BY h.name, h.id LIMIT ?", (*values, limit))
    return [_household(r) for r in rows]


async def first_named(db: Database, text: str) -> int | None:
    """The id of the household a name (or external id) best names, archived ones too (their
    history is still read): one named exactly first, then one in use, then by name."""
    like = _like(text)
    found = await db.fetchval(
        "SELECT id FROM households WHERE name LIKE ? ESCAPE '\\' OR external_id LIKE ? "
        "ESCAPE '\\' ORDER BY name != ?, archived, name, id LIMIT 1", (like, like, text))
    return None if found is None else int(found)


async def count_matching(db: Database, text: str, worker_id: int | None = None) -> int:
    """How many households `search` would find without a limit."""
    where, values = _matching(text, worker_id)
    return int(await db.fetchval(f"SELECT COUNT(DISTINCT h.id) {where}", values) or 0)


async def recent(db: Database, limit: int = 20) -> list[Household]:
    """The households added or changed last (not archived)."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} {_FROM} WHERE h.archived = 0 ORDER BY h.updated_at DESC, h.id DESC "
        "LIMIT ?", (limit,))
    return [_household(r) for r in rows]


async def count(db: Database) -> tuple[int, int]:
    """(households not archived, of them without any active pairing)."""
    row = await db.fetchone(
        "SELECT COUNT(*) AS total, SUM(NOT EXISTS (SELECT 1 FROM pairings p JOIN people w "
        "ON w.telegram_id = p.worker_id WHERE p.household_id = h.id AND p.ended_on IS NULL "
        "AND w.active = 1)) AS unpaired FROM households h WHERE h.archived = 0"
    )
    if row is None:
        return 0, 0
    return int(row["total"] or 0), int(row["unpaired"] or 0)


async def link_report(db: Database, report_id: int, household_id: int) -> bool:
    """Link a report to a household (shown in its service file)."""
    async with db.transaction() as tx:
        return await link_report_in(tx, report_id, household_id)


async def link_report_in(tx: Tx, report_id: int, household_id: int) -> bool:
    """Link a report to a household inside the caller's transaction."""
    return await tx.rowcount("UPDATE reports SET household_id = ? WHERE id = ?",
                             (household_id, report_id)) > 0


@dataclass(frozen=True)
class LinkedReport:
    """A report linked to a household, as the service file lists it."""

    id: int
    category: str
    status: str
    created_at: datetime


async def linked_reports(db: Database, household_id: int, limit: int = 10) -> list[LinkedReport]:
    """Reports linked to the household, newest first."""
    rows = await db.fetchall(
        "SELECT id, category, status, created_at FROM reports WHERE household_id = ? "
        "ORDER BY created_at DESC LIMIT ?", (household_id, limit))
    return [LinkedReport(r["id"], r["category"], r["status"], from_db(r["created_at"]))
            for r in rows]


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    created: int
    updated: int
    paired: int


@dataclass(frozen=True)
class ImportItem:
    """One household to import, and the worker to pair it with from `paired_on` (or today).

    `household_id` is the registry's household the row was matched to (by name, community
    and address when the file has no external id); None to match by external id or add."""

    household: HouseholdInput
    worker_id: int | None = None
    paired_on: date | None = None
    household_id: int | None = None
    street: str | None = None  # put the household's community into this street (if it has none)


async def import_all(db: Database, items: Sequence[ImportItem], program_id: int, today: date,
                     now: datetime, by: int | None = None) -> ImportResult:
    """Store every household in one transaction: new external ids are added, known ones updated
    (their categories and community change from `today`); a worker named pairs the household
    (a different worker is a handover on `today`)."""
    from storage.areas import link_area_street
    from storage.pairings import pair_in

    created = updated = paired = 0
    stamp = to_db(now)
    async with db.transaction() as tx:
        for item in items:
            data = item.household
            household_id = item.household_id
            if household_id is None and data.external_id:
                row = await tx.fetchone("SELECT id FROM households WHERE external_id = ?",
                                        (data.external_id,))
                household_id = None if row is None else int(row["id"])
            if household_id is None:
                household_id = await _insert(tx, data, now, by)
                created += 1
            else:
                await move_in(tx, [household_id], data.area_id, today)
                await tx.execute(
                    "UPDATE households SET name = ?, area_id = ?, address = ?, people_count = ?, "
                    "category = ?, causes = ?, needs = ?, phone = ?, cause_codes = ?, "
                    "external_id = COALESCE(?, external_id), updated_at = ? WHERE id = ?",
                    (*_values(data), data.external_id, stamp, household_id),
                )
                await _set_categories(tx, household_id, data, today)
                updated += 1
            if item.street and data.area_id is not None:
                await link_area_street(tx, data.area_id, item.street, stamp)
            if item.worker_id is not None:
                started = item.paired_on or today
                outcome = await pair_in(tx, household_id, item.worker_id, program_id,
                                        started, now, by)
                if outcome.changed:
                    paired += 1
    return ImportResult(created, updated, paired)


@dataclass(frozen=True)
class Known:
    """What an import matches a row against: a household's id, external id, name, area,
    address."""

    id: int
    external_id: str | None
    name: str
    area_id: int | None
    address: str
    archived: bool


async def known_for_import(db: Database) -> list[Known]:
    """Every household, as the importer matches rows against them."""
    rows = await db.fetchall("SELECT id, external_id, name, area_id, address, archived "
                             "FROM households ORDER BY id")
    return [Known(r["id"], r["external_id"], r["name"], r["area_id"], r["address"],
                  bool(r["archived"])) for r in rows]


@dataclass(frozen=True)
class OpenCase:
    """A report a worker took that is not linked to any household yet."""

    report_id: int
    category: str
    subject: str | None
    description: str  # "" when said in a voice note
    voice_seconds: int | None = None  # said in a voice note instead of typed
    voice_kept: bool = False  # the voice note itself is still there (not erased)


async def unlinked_cases(db: Database, worker_id: int, limit: int = 5) -> list[OpenCase]:
    """The worker's taken reports without a household, newest first."""
    rows = await db.fetchall(
        "SELECT id, category, subject, description, voice_seconds, "
        "voice_file_id IS NOT NULL AS voice_kept FROM reports "
        "WHERE taken_by = ? "
        "AND status = 'acknowledged' AND household_id IS NULL ORDER BY id DESC LIMIT ?",
        (worker_id, limit))
    return [OpenCase(r["id"], r["category"], r["subject"], r["description"], r["voice_seconds"],
                     bool(r["voice_kept"])) for r in rows]
