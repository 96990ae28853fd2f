"""The aid ledger (救助台账): aid given to households, and the funds (资金来源) it comes from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.aid import AidKind, Purpose
from storage.audit import record
from storage.clock import from_db, to_db
from storage.db import Database, Row

_COLUMNS = (
    "a.id, a.household_id, a.report_id, a.worker_id, "
    "COALESCE(w.display_name, '') AS worker_name, a.kind, a.amount_fen, a.description, "
    "a.quantity, a.fund_id, f.name AS fund_name, a.purpose, a.day, "
    "a.note, a.created_at, a.deleted"
)
_FROM = ("FROM aid a JOIN funds f ON f.id = a.fund_id "
         "LEFT JOIN people w ON w.telegram_id = a.worker_id")


@dataclass(frozen=True)
class Fund:
    """A source of aid money: the district charity, a street fund, a donor company, …"""

    id: int
    name: str
    retired: bool


@dataclass(frozen=True)
class Aid:
    """One payment or gift to a household, or to the person of a case being worked."""

    id: int
    household_id: int | None  # None: given from a case whose person is not in the registry
    report_id: int | None  # the case it was given from, if any
    worker_id: int
    worker_name: str
    kind: AidKind
    amount_fen: int
    description: str
    quantity: int | None
    fund_id: int
    fund_name: str
    purpose: Purpose
    day: date
    note: str
    created_at: datetime
    deleted: bool


@dataclass(frozen=True)
class NewAid:
    """What a worker records: for a household, or from a case (report_id)."""

    household_id: int | None
    worker_id: int
    kind: AidKind
    amount_fen: int
    fund_id: int
    purpose: Purpose
    day: date
    description: str = ""
    quantity: int | None = None
    note: str = ""
    report_id: int | None = None


@dataclass(frozen=True)
class Total:
    """A sum of aid for one fund or one purpose (or a household), and how many it reached."""

    key: str  # the fund's id as text, or the purpose's code
    name: str  # the fund's name; the purpose's code again
    amount_fen: int
    entries: int
    households: int


def _aid(row: Row) -> Aid:
    return Aid(
        id=row["id"], household_id=row["household_id"], report_id=row["report_id"],
        worker_id=row["worker_id"],
        worker_name=row["worker_name"], kind=AidKind(row["kind"]),
        amount_fen=row["amount_fen"], description=row["description"],
        quantity=row["quantity"], fund_id=row["fund_id"], fund_name=row["fund_name"],
        purpose=Purpose(row["purpose"]), day=date.fromisoformat(row["day"]), note=row["note"],
        created_at=from_db(row["created_at"]), deleted=bool(row["deleted"]))


# -- funds -------------------------------------------------------------------------------------


async def funds(db: Database, *, include_retired: bool = False) -> list[Fund]:
    """The funds, in the order they were added; retired ones only when asked."""
    rows = await db.fetchall(
        "SELECT id, name, retired FROM funds WHERE retired = 0 OR ? ORDER BY id",
        (int(include_retired),))
    return [Fund(r["id"], r["name"], bool(r["retired"])) for r in rows]


async def fund(db: Database, fund_id: int) -> Fund | None:
    """One fund by id."""
    row = await db.fetchone("SELECT id, name, retired FROM funds WHERE id = ?", (fund_id,))
    return None if row is None else Fund(row["id"], row["name"], bool(row["retired"]))


async def add_fund(db: Database, name: str, actor_id: int, now: datetime) -> Fund | None:
    """Add a fund; None when one of that name exists already."""
    async with db.transaction() as tx:
        if await tx.fetchval("SELECT 1 FROM funds WHERE name = ?", (name,)):
            return None
        fund_id = await tx.execute("INSERT INTO funds (name, created_at) VALUES (?, ?)",
                                   (name, to_db(now)))
        await record(tx, now, actor_id, "fund.add", "fund", fund_id, {"name": name})
    return Fund(fund_id, name, False)


async def retire_fund(db: Database, fund_id: int, actor_id: int, now: datetime) -> bool:
    """Stop offering a fund for new aid (its history stays); False if already retired."""
    async with db.transaction() as tx:
        changed = await tx.rowcount(
            "UPDATE funds SET retired = 1 WHERE id = ? AND retired = 0", (fund_id,)) > 0
        if changed:
            await record(tx, now, actor_id, "fund.retire", "fund", fund_id)
    return changed


# -- aid ---------------------------------------------------------------------------------------


async def add(db: Database, new: NewAid, now: datetime, *,
              replaces: int | None = None) -> Aid | None:
    """Record aid (audited), replacing the recorder's own earlier entry when asked.

    None, and nothing saved, when the fund was retired in the meantime.
    """
    async with db.transaction() as tx:
        if await tx.fetchval("SELECT retired FROM funds WHERE id = ?", (new.fund_id,)) != 0:
            return None
        aid_id = await tx.execute(
            "INSERT INTO aid (household_id, report_id, worker_id, kind, amount_fen, description, "
            "quantity, fund_id, purpose, day, note, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (new.household_id, new.report_id, new.worker_id, new.kind.value, new.amount_fen,
             new.description, new.quantity, new.fund_id, new.purpose.value,
             new.day.isoformat(), new.note, to_db(now)))
        detail: dict[str, object] = {"aid": aid_id, "kind": new.kind.value,
                                     "amount_fen": new.amount_fen, "fund": new.fund_id}
        if replaces is not None and await tx.rowcount(
                "UPDATE aid SET deleted = 1 WHERE id = ? AND worker_id = ? AND deleted = 0",
                (replaces, new.worker_id)) > 0:
            detail["replaces"] = replaces
        if new.household_id is not None:
            await record(tx, now, new.worker_id, "aid.add", "household", new.household_id,
                         detail)
        else:
            await record(tx, now, new.worker_id, "aid.add", "report", new.report_id, detail)
    found = await get(db, aid_id)
    assert found is not None
    return found


async def get(db: Database, aid_id: int) -> Aid | None:
    """One entry by id (deleted ones too)."""
    row = await db.fetchone(f"SELECT {_COLUMNS} {_FROM} WHERE a.id = ?", (aid_id,))
    return None if row is None else _aid(row)


async def delete(db: Database, aid_id: int, worker_id: int, now: datetime,
                 update_id: int | None = None) -> bool:
    """Delete one's own entry (kept, marked deleted; the caller checks the 24-hour window),
    audited with the update it was pressed in."""
    async with db.transaction() as tx:
        row = await tx.fetchone("SELECT household_id, report_id FROM aid WHERE id = ? "
                                "AND worker_id = ? AND deleted = 0", (aid_id, worker_id))
        if row is None:
            return False
        await tx.execute("UPDATE aid SET deleted = 1 WHERE id = ?", (aid_id,))
        if row["household_id"] is not None:
            await record(tx, now, worker_id, "aid.delete", "household", row["household_id"],
                         {"aid": aid_id}, update_id=update_id)
        else:
            await record(tx, now, worker_id, "aid.delete", "report", row["report_id"],
                         {"aid": aid_id}, update_id=update_id)
    return True


async def for_household(db: Database, household_id: int, limit: int = 10) -> list[Aid]:
    """The household's aid, newest first."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} {_FROM} WHERE a.household_id = ? AND a.deleted = 0 "
        "ORDER BY a.day DESC, a.id DESC LIMIT ?", (household_id, limit))
    return [_aid(r) for r in rows]


async def for_report(db: Database, report_id: int, limit: int = 10) -> list[Aid]:
    """The aid given from a case, newest first."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} {_FROM} WHERE a.report_id = ? AND a.deleted = 0 "
        "ORDER BY a.day DESC, a.id DESC LIMIT ?", (report_id, limit))
    return [_aid(r) for r in rows]


async def report_total(db: Database, report_id: int) -> Total:
    """All aid given from a case: the sum and how many entries."""
    row = await db.fetchone(
        "SELECT COALESCE(SUM(amount_fen), 0) AS fen, COUNT(*) AS n FROM aid "
        "WHERE report_id = ? AND deleted = 0", (report_id,))
    assert row is not None
    return Total(str(report_id), "", int(row["fen"]), int(row["n"]), 0)


async def case_household(db: Database, report_id: int) -> int | None:
    """The household a case is linked to, if any (its aid then counts for that household)."""
    value = await db.fetchval("SELECT household_id FROM reports WHERE id = ?", (report_id,))
    return None if value is None else int(value)


async def household_total(db: Database, household_id: int) -> Total:
    """All aid a household has received: the sum and how many entries."""
    row = await db.fetchone(
        "SELECT COALESCE(SUM(amount_fen), 0) AS fen, COUNT(*) AS n FROM aid "
        "WHERE household_id = ? AND deleted = 0", (household_id,))
    assert row is not None
    return Total(str(household_id), "", int(row["fen"]), int(row["n"]),
                 1 if row["n"] else 0)


async def totals_by_fund(db: Database, start: date, end: date) -> list[Total]:
    """Aid per fund with day in [start, end], every fund listed (zero when none), by id."""
    rows = await db.fetchall(
        "SELECT f.id, f.name, COALESCE(SUM(a.amount_fen), 0) AS fen, COUNT(a.id) AS n, "
        "COUNT(DISTINCT a.household_id) AS reached FROM funds f "
        "LEFT JOIN aid a ON a.fund_id = f.id AND a.deleted = 0 AND a.day BETWEEN ? AND ? "
        "GROUP BY f.id ORDER BY f.id", (start.isoformat(), end.isoformat()))
    return [Total(str(r["id"]), r["name"], int(r["fen"]), int(r["n"]), int(r["reached"]))
            for r in rows]


async def totals_by_purpose(db: Database, start: date, end: date) -> list[Total]:
    """Aid per purpose with day in [start, end], only purposes that had any, in enum order."""
    rows = await db.fetchall(
        "SELECT purpose, SUM(amount_fen) AS fen, COUNT(*) AS n, "
        "COUNT(DISTINCT household_id) AS reached FROM aid "
        "WHERE deleted = 0 AND day BETWEEN ? AND ? GROUP BY purpose",
        (start.isoformat(), end.isoformat()))
    found = {r["purpose"]: r for r in rows}
    return [Total(p.value, p.value, int(found[p.value]["fen"]), int(found[p.value]["n"]),
                  int(found[p.value]["reached"])) for p in Purpose if p.value in found]


async def reached(db: Database, start: date, end: date) -> Total:
    """All aid with day in [start, end]: the sum, entries and distinct households."""
    row = await db.fetchone(
        "SELECT COALESCE(SUM(amount_fen), 0) AS fen, COUNT(*) AS n, "
        "COUNT(DISTINCT household_id) AS reached FROM aid "
        "WHERE deleted = 0 AND day BETWEEN ? AND ?", (start.isoformat(), end.isoformat()))
    assert row is not None
    return Total("all", "", int(row["fen"]), int(row["n"]), int(row["reached"]))
