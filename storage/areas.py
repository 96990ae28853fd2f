"""Areas (communities) that route reports to workers, and the streets (街道) they belong to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.domain.areas import AREA_NAME_MAX, split_area
from storage.clock import to_db
from storage.db import Database, Tx
from storage.household_areas import move_in as households_move_in


@dataclass(frozen=True)
class Area:
    """A community inside a street."""

    id: int
    name: str
    retired: bool


async def seed(db: Database, names: Iterable[str], now: datetime | None = None) -> None:
    """Add the areas named in configuration that are not known yet (never renames or retires).

    An entry may be "街道/社区": the street is added too, and a community without a street
    is linked to it (a community already in another street keeps it)."""
    stamp = to_db(now or datetime.now(UTC))
    entries = [split_area(name) for name in names if name.strip()]
    entries = [(street, community[:AREA_NAME_MAX]) for street, community in entries if community]
    if not entries:
        return
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT OR IGNORE INTO areas (name, created_at) VALUES (?, ?)",
            [(community, stamp) for _, community in entries],
        )
        for street, community in entries:
            if street is not None:
                await link_street(tx, community, street, stamp)


async def link_street(tx: Tx, community: str, street: str, stamp: str) -> None:
    """Add the street if new, and put a community that has no street yet into it."""
    await tx.execute("INSERT OR IGNORE INTO streets (name, created_at) VALUES (?, ?)",
                     (street[:AREA_NAME_MAX], stamp))
    # A street a coordinator removed or renamed in /areas is not brought back from here.
    await tx.execute(
        "UPDATE areas SET street_id = (SELECT id FROM streets WHERE name = ?) "
        "WHERE name = ? AND street_id IS NULL AND EXISTS "
        "(SELECT 1 FROM streets WHERE name = ? AND removed_at IS NULL)",
        (street[:AREA_NAME_MAX], community, street[:AREA_NAME_MAX]))


async def link_area_street(tx: Tx, area_id: int, street: str, stamp: str) -> None:
    """Add the street if new, and put the area into it when it has no street yet."""
    await tx.execute("INSERT OR IGNORE INTO streets (name, created_at) VALUES (?, ?)",
                     (street[:AREA_NAME_MAX], stamp))
    # A roster naming a removed street brings it back: the file is the coordinator's word.
    await tx.execute("UPDATE streets SET removed_at = NULL WHERE name = ?",
                     (street[:AREA_NAME_MAX],))
    await tx.execute(
        "UPDATE areas SET street_id = (SELECT id FROM streets WHERE name = ?) "
        "WHERE id = ? AND street_id IS NULL", (street[:AREA_NAME_MAX], area_id))


@dataclass(frozen=True)
class AreaStreet:
    """An area (community) in use and the street it belongs to (None when not known)."""

    area_id: int
    area_name: str
    street_id: int | None
    street_name: str | None


async def streets_of_areas(db: Database) -> list[AreaStreet]:
    """Each area in use with its street, by street then community (areas without a street
    last)."""
    rows = await db.fetchall(
        "SELECT a.id, a.name, s.id AS street_id, s.name AS street_name FROM areas a "
        "LEFT JOIN streets s ON s.id = a.street_id WHERE a.retired = 0 "
        "ORDER BY s.name IS NULL, s.name, a.name")
    return [AreaStreet(r["id"], r["name"], r["street_id"], r["street_name"]) for r in rows]


async def street_of(db: Database) -> dict[int, str | None]:
    """Area id -> the name of its street (None when not known), for figures by street."""
    return {a.area_id: a.street_name for a in await streets_of_areas(db)}


async def active(db: Database | Tx) -> list[Area]:
    """Areas in use, by name."""
    rows = await db.fetchall("SELECT id, name, retired FROM areas WHERE retired = 0 ORDER BY name")
    return [Area(r["id"], r["name"], bool(r["retired"])) for r in rows]


async def get(db: Database | Tx, area_id: int) -> Area | None:
    """One area by id (retired ones too)."""
    row = await db.fetchone("SELECT id, name, retired FROM areas WHERE id = ?", (area_id,))
    return None if row is None else Area(row["id"], row["name"], bool(row["retired"]))


@dataclass(frozen=True)
class Standing:
    """What a community has now: reports still open, households in the registry, workers on
    duty who serve it (what a coordinator weighs before retiring it)."""

    open_reports: int
    households: int
    workers: int
    referrals: int = 0

    @property
    def empty(self) -> bool:
        """Nothing that would be stranded if the community were retired."""
        return not (self.open_reports or self.households or self.workers or self.referrals)


async def standing(db: Database | Tx, area_id: int) -> Standing:
    """A community's open reports, active households, active workers and open referrals."""
    row = await db.fetchone(
        "SELECT (SELECT COUNT(*) FROM reports WHERE area_id = :a "
        "        AND status IN ('new', 'acknowledged')) AS reports, "
        "(SELECT COUNT(*) FROM households WHERE area_id = :a AND archived = 0) AS households, "
        "(SELECT COUNT(*) FROM person_areas pa JOIN people p ON p.telegram_id = pa.telegram_id "
        " WHERE pa.area_id = :a AND p.role = 'worker' AND p.active = 1) AS workers, "
        "(SELECT COUNT(*) FROM referrals WHERE area_id = :a AND stage != 'closed') AS referrals",
        {"a": area_id})
    assert row is not None
    return Standing(int(row["reports"]), int(row["households"]), int(row["workers"]),
                    int(row["referrals"]))


@dataclass(frozen=True)
class Moved:
    """The untaken reports and referrals a move took along, to be offered where they went."""

    reports: tuple[int, ...] = ()
    referrals: tuple[int, ...] = ()


async def move_in(tx: Tx, from_id: int, to_id: int, today: date) -> Moved:
    """Move what a community still has (open reports and referrals, active households, the
    people who serve it) to another one; closed cases and archived households keep it. The
    households are in the new community from `today` (the deployment's local date): before
    it, the figures still count them in this one. The untaken reports and referrals are to be
    offered again (`routed_at` cleared: a crash before that leaves them to the next tick, as
    a report whose routing was cut short)."""
    reports = await tx.fetchall("SELECT id FROM reports WHERE area_id = ? AND status = 'new' "
                                "ORDER BY id", (from_id,))
    referrals = await tx.fetchall("SELECT id FROM referrals WHERE area_id = ? AND "
                                  "stage != 'closed' AND worker_id IS NULL ORDER BY id",
                                  (from_id,))
    await tx.execute("UPDATE reports SET area_id = ?, routed_at = CASE WHEN status = 'new' "
                     "THEN NULL ELSE routed_at END WHERE area_id = ? "
                     "AND status IN ('new', 'acknowledged')", (to_id, from_id))
    await tx.execute("UPDATE referrals SET area_id = ?, routed_at = CASE WHEN worker_id IS "
                     "NULL THEN NULL ELSE routed_at END WHERE area_id = ? AND stage != 'closed'",
                     (to_id, from_id))
    moving = [int(r[0]) for r in await tx.fetchall(
        "SELECT id FROM households WHERE area_id = ? AND archived = 0", (from_id,))]
    await households_move_in(tx, moving, to_id, today)
    await tx.execute("UPDATE households SET area_id = ? WHERE area_id = ? AND archived = 0",
                     (to_id, from_id))
    # Everyone linked to it (off duty too: back on duty they serve a community in use).
    await tx.execute("INSERT OR IGNORE INTO person_areas (telegram_id, area_id) "
                     "SELECT telegram_id, ? FROM person_areas WHERE area_id = ?",
                     (to_id, from_id))
    await tx.execute("DELETE FROM person_areas WHERE area_id = ?", (from_id,))
    return Moved(tuple(int(r[0]) for r in reports), tuple(int(r[0]) for r in referrals))


async def filterable(db: Database) -> list[Area]:
    """Communities to filter lists by: those in use, and retired ones that still have a
    household recorded under them, by name."""
    rows = await db.fetchall(
        "SELECT id, name, retired FROM areas a WHERE retired = 0 OR EXISTS "
        "(SELECT 1 FROM households h WHERE h.area_id = a.id) ORDER BY name")
    return [Area(r["id"], r["name"], bool(r["retired"])) for r in rows]
