"""Triage storage: invites, workers and areas, routing notices, case changes, escalations."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.people import Person
from bot.domain.reports import Report, Status
from bot.domain.triage import InviteProblem, invite_problem
from storage import flows, outbox
from storage.clock import from_db, to_db
from storage.db import Database, Tx
from storage.outbox import Outgoing
from storage.people import get as get_person
from storage.people import many as people_many
from storage.reports import COLUMNS, report_from_row

# -- invites ----------------------------------------------------------------------------


async def create_invite(db: Database, code: str, created_by: int, now: datetime,
                        expires_at: datetime) -> None:
    """Store a new single-use invite."""
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO invites (code, created_by, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (code, created_by, to_db(now), to_db(expires_at)),
        )


async def claim_invite(db: Database, code: str, who: int, now: datetime) -> InviteProblem | None:
    """Reserve the invite for `who` (they finish joining later); None when it is theirs."""
    async with db.transaction() as tx:
        row = await tx.fetchone(
            "SELECT expires_at, used_by, used_at FROM invites WHERE code = ?", (code,))
        if row is None:
            return InviteProblem.UNKNOWN
        problem = invite_problem(from_db(row["expires_at"]), row["used_by"], who, now)
        if problem is not None:
            return problem
        await tx.execute("UPDATE invites SET used_by = ?, used_at = ? WHERE code = ?",
                         (who, to_db(now), code))
        return None


async def join(db: Database, code: str, who: int, name: str, area_ids: list[int],
               now: datetime) -> InviteProblem | None:
    """Make `who` a worker with a name and areas, if the invite is still theirs and valid."""
    async with db.transaction() as tx:
        return await join_in(tx, code, who, name, area_ids, now)


async def join_in(tx: Tx, code: str, who: int, name: str, area_ids: list[int],
                  now: datetime) -> InviteProblem | None:
    """Join inside the caller's transaction (so the coordinators' notice goes with it)."""
    row = await tx.fetchone("SELECT expires_at, used_by FROM invites WHERE code = ?", (code,))
    if row is None:
        return InviteProblem.UNKNOWN
    problem = invite_problem(from_db(row["expires_at"]), row["used_by"], who, now)
    if problem is not None:
        return problem
    stamp = to_db(now)
    await tx.execute("UPDATE invites SET used_by = ?, used_at = ? WHERE code = ?",
                     (who, stamp, code))
    await tx.execute(
        "UPDATE people SET role = CASE WHEN role = 'coordinator' THEN role ELSE 'worker' END, "
        "active = 1, display_name = ?, updated_at = ? WHERE telegram_id = ?",
        (name[:128], stamp, who),
    )
    await _set_areas(tx, who, area_ids)
    return None


async def _set_areas(tx: Tx, who: int, area_ids: list[int]) -> None:
    await tx.execute("DELETE FROM person_areas WHERE telegram_id = ?", (who,))
    await tx.executemany(
        "INSERT OR IGNORE INTO person_areas (telegram_id, area_id) VALUES (?, ?)",
        [(who, a) for a in area_ids],
    )


# -- workers ----------------------------------------------------------------------------

# What a change owes that is written inside its transaction, only once it is sure to happen
# (the details the case's holder loses are taken back with the change, not before).
AlsoIn = Callable[[Tx], Awaitable[Sequence[Outgoing]]]

# A case going back to waiting for a worker (its one `?` is the moment): untaken, and
# escalated as a new report is, counted from now, in a new round where both levels may go
# out again (a case escalated before it was first taken would otherwise never be again).
BACK_TO_WAITING = ("status = 'new', taken_by = NULL, taken_at = NULL, waiting_since = ?, "
                   "escalation_level = 0, escalation_round = escalation_round + 1")


@dataclass(frozen=True)
class WorkerRow:
    """A worker as coordinators see them in /workers."""

    person: Person
    area_names: tuple[str, ...]
    open_cases: int
    households: int


async def workers(db: Database) -> list[WorkerRow]:
    """Every worker (active or not) with areas and open cases."""
    return await worker_rows(db, await worker_ids(db))


async def worker_ids(db: Database) -> list[int]:
    """Every worker's Telegram id, on duty first, then by name (the staff list's order)."""
    rows = await db.fetchall(
        "SELECT telegram_id FROM people WHERE role = 'worker' "
        "ORDER BY active DESC, display_name, telegram_id")
    return [int(r[0]) for r in rows]


async def worker_rows(db: Database, ids: list[int]) -> list[WorkerRow]:
    """These workers, in this order, with areas, open cases and households."""
    found: list[WorkerRow] = []
    for telegram_id in ids:
        person = await get_person(db, telegram_id)
        if person is None:
            continue
        names = await db.fetchall(
            "SELECT a.name FROM person_areas p JOIN areas a ON a.id = p.area_id "
            "WHERE p.telegram_id = ? ORDER BY a.name", (person.telegram_id,))
        cases = await db.fetchval(
            "SELECT COUNT(*) FROM reports WHERE taken_by = ? AND status = 'acknowledged'",
            (person.telegram_id,))
        households = int(await db.fetchval(
            "SELECT COUNT(DISTINCT household_id) FROM pairings WHERE worker_id = ? "
            "AND ended_on IS NULL", (person.telegram_id,)) or 0)
        found.append(WorkerRow(person, tuple(r[0] for r in names), int(cases), households))
    return found


@dataclass(frozen=True)
class Deactivated:
    """What ended with a worker's duty: the cases given back, the pairings ended, the
    referrals handed back to their communities, and those of them whose community had
    nobody left on duty (carded to the coordinators instead)."""

    released: tuple[int, ...]
    pairings_ended: int
    referrals: tuple[int, ...] = ()
    unstaffed: tuple[int, ...] = ()


async def deactivate_in(tx: Tx, who: int, today: str, now: datetime,
                        actor: int | None) -> Deactivated | None:
    """End a worker's duty at once: inactive, open cases back to untaken (to be routed
    again), pairings ended today, unfinished flows dropped. None if `who` is no active worker."""
    stamp = to_db(now)
    changed = await tx.rowcount(
        "UPDATE people SET active = 0, updated_at = ? WHERE telegram_id = ? "
        "AND role = 'worker' AND active = 1", (stamp, who))
    if changed == 0:
        return None
    rows = await tx.fetchall(
        "SELECT id FROM reports WHERE taken_by = ? AND status = 'acknowledged' ORDER BY id",
        (who,))
    released = tuple(int(r[0]) for r in rows)
    for report_id in released:
        await tx.execute(
            f"UPDATE reports SET {BACK_TO_WAITING}, routed_at = NULL, updated_at = ? "
            "WHERE id = ?", (stamp, stamp, report_id))
        await _event(tx, report_id, now, actor, "released", Status.NEW, "worker_left")
    ended = await tx.rowcount(
        "UPDATE pairings SET ended_on = MAX(started_on, ?), ended_reason = 'worker_left' "
        "WHERE worker_id = ? AND ended_on IS NULL", (today, who))
    await tx.execute("DELETE FROM flows WHERE telegram_id = ?", (who,))
    return Deactivated(released, ended)


async def reactivate_in(tx: Tx, who: int, now: datetime) -> bool:
    """Make an inactive worker active again (the role only); False if not one."""
    return await tx.rowcount(
        "UPDATE people SET active = 1, updated_at = ? WHERE telegram_id = ? "
        "AND role = 'worker' AND active = 0", (to_db(now), who)) > 0


async def set_active(db: Database, who: int, active: bool, now: datetime) -> bool:
    """Deactivate or reactivate a worker; False when `who` is not a worker."""
    async with db.transaction() as tx:
        changed = await tx.rowcount(
            "UPDATE people SET active = ?, updated_at = ? WHERE telegram_id = ? "
            "AND role = 'worker'", (int(active), to_db(now), who))
        return changed > 0


async def route_targets(db: Database | Tx, area_id: int | None, *,
                        reachable_only: bool = False) -> list[int]:
    """Active workers of the area; every active worker when the area has none.
    `reachable_only` leaves out those Telegram refuses to write to (they blocked the bot)."""
    reachable = "AND p.reachable = 1 " if reachable_only else ""
    if area_id is not None:
        rows = await db.fetchall(
            "SELECT p.telegram_id FROM people p JOIN person_areas a ON a.telegram_id = "
            f"p.telegram_id WHERE a.area_id = ? AND p.role = 'worker' AND p.active = 1 "
            f"{reachable}ORDER BY p.telegram_id", (area_id,))
        if rows:
            return [r[0] for r in rows]
    rows = await db.fetchall(
        f"SELECT p.telegram_id FROM people p WHERE p.role = 'worker' AND p.active = 1 "
        f"{reachable}ORDER BY p.telegram_id")
    return [r[0] for r in rows]


async def people_by_ids(db: Database, ids: list[int]) -> dict[int, Person]:
    """People by Telegram id (unknown ids are left out)."""
    return await people_many(db, ids)


# -- areas ------------------------------------------------------------------------------


async def add_area_in(tx: Tx, name: str, now: datetime) -> tuple[int, bool] | None:
    """Add an area, or bring back a retired one of that name: its id, and whether it was
    brought back; None if an active one has the name."""
    row = await tx.fetchone("SELECT id, retired FROM areas WHERE name = ?", (name,))
    if row is not None:
        if not row["retired"]:
            return None
        await tx.execute("UPDATE areas SET retired = 0 WHERE id = ?", (row["id"],))
        return int(row["id"]), True
    return await tx.execute("INSERT INTO areas (name, created_at) VALUES (?, ?)",
                            (name, to_db(now))), False


async def rename_area_in(tx: Tx, area_id: int, name: str) -> str | None:
    """Rename an area: its name before; None when the name is taken or the area unknown."""
    old = await tx.fetchval("SELECT name FROM areas WHERE id = ?", (area_id,))
    taken = await tx.fetchval("SELECT id FROM areas WHERE name = ? AND id != ?",
                              (name, area_id))
    if old is None or taken is not None:
        return None
    await tx.execute("UPDATE areas SET name = ? WHERE id = ?", (name, area_id))
    return str(old)


async def retire_area_in(tx: Tx, area_id: int) -> bool:
    """Retire an area (reports and people keep it; it is no longer offered); False if it was
    not in use."""
    return await tx.rowcount("UPDATE areas SET retired = 1 WHERE id = ? AND retired = 0",
                             (area_id,)) > 0


# -- routing notices --------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """A message about a report that carries (or carried) a Take button."""

    report_id: int
    chat_id: int
    message_id: int
    kind: str
    settled: bool


async def record_notice(db: Database, report_id: int, chat_id: int, message_id: int, kind: str,
                        now: datetime) -> None:
    """Remember a sent notification so it can be edited once the case is taken."""
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO report_notices (report_id, chat_id, message_id, kind, sent_at) "
            "VALUES (?, ?, ?, ?, ?)", (report_id, chat_id, message_id, kind, to_db(now)))


async def notices(db: Database, report_id: int, *, unsettled_only: bool = True) -> list[Notice]:
    """The notifications sent about a report."""
    extra = " AND settled = 0" if unsettled_only else ""
    rows = await db.fetchall(
        "SELECT report_id, chat_id, message_id, kind, settled FROM report_notices "
        f"WHERE report_id = ?{extra} ORDER BY id", (report_id,))
    return [Notice(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]


async def settle_notices(db: Database, report_id: int) -> None:
    """Mark a report's notifications as edited."""
    async with db.transaction() as tx:
        await settle_notices_in(tx, report_id)


async def settle_notices_in(tx: Tx, report_id: int) -> None:
    """Mark a report's notifications as edited, inside the caller's transaction."""
    await tx.execute("UPDATE report_notices SET settled = 1 WHERE report_id = ?", (report_id,))


async def settle_chat_notices_in(tx: Tx, report_id: int, chat_ids: set[int]) -> None:
    """Mark a report's notifications in these chats as edited (its card left them)."""
    for chat_id in sorted(chat_ids):
        await tx.execute("UPDATE report_notices SET settled = 1 WHERE report_id = ? "
                         "AND chat_id = ?", (report_id, chat_id))


async def withdraw_cards_in(tx: Tx, chat_id: int) -> list[int]:
    """The messages in a chat that still carry a Take button (a merged card once), marked
    settled: its person takes no cases any more, so a later take leaves them alone."""
    rows = await tx.fetchall("SELECT DISTINCT message_id FROM report_notices "
                             "WHERE chat_id = ? AND settled = 0 ORDER BY message_id", (chat_id,))
    await tx.execute("UPDATE report_notices SET settled = 1 WHERE chat_id = ? AND settled = 0",
                     (chat_id,))
    return [int(r[0]) for r in rows]


async def reports_in_message(db: Database, chat_id: int, message_id: int) -> list[int]:
    """The reports one card message is about (several when notices were merged)."""
    rows = await db.fetchall(
        "SELECT DISTINCT report_id FROM report_notices WHERE chat_id = ? AND message_id = ? "
        "ORDER BY report_id", (chat_id, message_id))
    return [int(r[0]) for r in rows]


async def notified_chats(db: Database, report_id: int, kind: str) -> set[int]:
    """Chats already sent a notification of this kind (so a retry skips them)."""
    rows = await db.fetchall(
        "SELECT chat_id FROM report_notices WHERE report_id = ? AND kind = ?", (report_id, kind))
    return {r[0] for r in rows}


async def mark_routed(db: Database, report_id: int, now: datetime) -> None:
    """Routing of the report is finished."""
    async with db.transaction() as tx:
        await mark_routed_in(tx, report_id, now)


async def mark_routed_in(tx: Tx, report_id: int, now: datetime) -> None:
    """Routing of the report is finished (its cards are queued), inside a transaction."""
    await tx.execute("UPDATE reports SET routed_at = ? WHERE id = ? AND routed_at IS NULL",
                     (to_db(now), report_id))


async def unrouted(db: Database, created_before: datetime) -> list[Report]:
    """Reports whose routing never finished (the process died in between)."""
    rows = await db.fetchall(
        f"SELECT {COLUMNS} FROM reports WHERE routed_at IS NULL AND created_at <= ? "
        "ORDER BY id", (to_db(created_before),))
    return [report_from_row(r) for r in rows]


# -- case changes -----------------------------------------------------------------------


async def _event(tx: Tx, report_id: int, now: datetime, actor: int | None, kind: str,
                 status: Status | None, detail: str = "", update_id: int | None = None) -> int:
    return await tx.execute(
        "INSERT INTO report_events (report_id, at, actor_id, kind, status, detail, update_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (report_id, to_db(now), actor, kind, status.value if status else None, detail,
         update_id or None))


async def _report(tx: Tx | Database, report_id: int) -> Report | None:
    row = await tx.fetchone(f"SELECT {COLUMNS} FROM reports WHERE id = ?", (report_id,))
    return None if row is None else report_from_row(row)


@dataclass(frozen=True)
class Taken:
    """The outcome of pressing Take: whether this worker won, and the report as it is now."""

    won: bool
    report: Report | None


async def take(db: Database, report_id: int, worker: int, now: datetime, *,
               kind: str = "taken", actor: int | None = None,
               also: Sequence[Outgoing] = ()) -> Taken:
    """Give the report to `worker` if nobody has it yet; exactly one of racing takers wins.

    `also`: messages owed to others because of this change (the reporter hears that someone
    has it), queued in the same transaction, so they are sent if and only if it happened."""
    stamp = to_db(now)
    async with db.transaction() as tx:
        changed = await tx.rowcount(
            "UPDATE reports SET status = 'acknowledged', taken_by = ?, taken_at = ?, "
            "updated_at = ? WHERE id = ? AND status = 'new'",
            (worker, stamp, stamp, report_id))
        if changed == 1:
            await _event(tx, report_id, now, actor if actor is not None else worker, kind,
                         Status.ACKNOWLEDGED, str(worker) if kind == "assigned" else "")
            await outbox.put(tx, also, now)
        return Taken(changed == 1, await _report(tx, report_id))


async def change(db: Database, report_id: int, *, actor: int | None, now: datetime, kind: str,
                 expect: Status, to: Status | None, detail: str = "",
                 expect_taker: int | None = None, keep_taker: bool = True,
                 also: Sequence[Outgoing] = (), update_id: int | None = None,
                 ends: str | None = None, also_in: AlsoIn | None = None) -> Report | None:
    """Apply a status change if the report is still as the caller saw it; None if it moved.

    `keep_taker=False` (with `to` new) puts the case back to waiting for a worker.
    `also`: messages owed because of the change, queued in the same transaction; `also_in`
    gives more, written in the transaction once the change is made.
    `update_id`: the Telegram update that made it, kept with its history entry (a replay
    after a crash is known by it: entry_of_update); `ends`: the actor's flow of that name
    ends with the change, as add_event's."""
    stamp = to_db(now)
    async with db.transaction() as tx:
        sql = "UPDATE reports SET updated_at = ?"
        params: list[object] = [stamp]
        if not keep_taker:
            assert to is Status.NEW, "only a case going back to waiting loses its taker"
            sql += f", {BACK_TO_WAITING}"
            params.append(stamp)
        elif to is not None:
            sql += ", status = ?"
            params.append(to.value)
        sql += " WHERE id = ? AND status = ?"
        params += [report_id, expect.value]
        if expect_taker is not None:
            sql += " AND taken_by = ?"
            params.append(expect_taker)
        if await tx.rowcount(sql, params) != 1:
            return None
        if ends is not None and actor is not None:
            await flows.clear_named_in(tx, actor, ends)
        await _event(tx, report_id, now, actor, kind, to, detail, update_id)
        await outbox.put(tx, [*also, *(await also_in(tx) if also_in is not None else ())], now)
        return await _report(tx, report_id)


@dataclass(frozen=True)
class Reopened:
    """A resolved case opened again: still with its worker, or waiting for one again."""

    report: Report
    kept: bool  # still with its worker; False: untaken again and routed afresh


async def reopen(db: Database, report_id: int, *, actor: int, now: datetime,
                 keeper: int | None, kept: Sequence[Outgoing],
                 waiting: Sequence[Outgoing]) -> Reopened | None:
    """Open a resolved case again: with `keeper` if they still hold it and are on duty as it
    happens (`kept` queued), else untaken again, its cards in `waiting` queued with it (so it
    is routed). None if the case is no longer resolved."""
    stamp = to_db(now)
    async with db.transaction() as tx:
        row = await tx.fetchone("SELECT status, taken_by FROM reports WHERE id = ?",
                                (report_id,))
        if row is None or row["status"] != Status.RESOLVED.value:
            return None
        # Read again here: taken off duty since the caller looked, the worker holds nothing.
        keep = (keeper is not None and row["taken_by"] == keeper
                and await tx.fetchval("SELECT active FROM people WHERE telegram_id = ?",
                                      (keeper,)) == 1)
        if keep:
            await tx.execute("UPDATE reports SET status = 'acknowledged', updated_at = ? "
                             "WHERE id = ?", (stamp, report_id))
        else:
            await tx.execute(f"UPDATE reports SET {BACK_TO_WAITING}, routed_at = ?, "
                             "updated_at = ? WHERE id = ?", (stamp, stamp, stamp, report_id))
        await _event(tx, report_id, now, actor, "reopened",
                     Status.ACKNOWLEDGED if keep else Status.NEW)
        await outbox.put(tx, kept if keep else waiting, now)
        report = await _report(tx, report_id)
    assert report is not None
    return Reopened(report, keep)


async def reassign(db: Database, report_id: int, from_worker: int, to_worker: int, *,
                   actor: int, now: datetime, also: Sequence[Outgoing] = (),
                   also_in: AlsoIn | None = None) -> Report | None:
    """Hand an open case from one worker to another (queuing `also`, and what `also_in`
    gives in the transaction, with it); None if it changed meanwhile."""
    stamp = to_db(now)
    async with db.transaction() as tx:
        changed = await tx.rowcount(
            "UPDATE reports SET taken_by = ?, taken_at = ?, updated_at = ? WHERE id = ? "
            "AND status = 'acknowledged' AND taken_by = ?",
            (to_worker, stamp, stamp, report_id, from_worker))
        if changed != 1:
            return None
        await _event(tx, report_id, now, actor, "referred", None, f"worker:{to_worker}")
        await outbox.put(tx, [*also, *(await also_in(tx) if also_in is not None else ())], now)
        return await _report(tx, report_id)


async def add_event(db: Database, report_id: int, actor: int | None, kind: str, now: datetime,
                    detail: str = "", also: Sequence[Outgoing] = (),
                    update_id: int | None = None, ends: str | None = None) -> bool:
    """Record a history entry that changes no status (note, message, reply), queuing the
    messages it owes (`also`) in the same transaction. With `update_id` (the Telegram update
    it comes from), once only: False, with nothing saved or queued, when that update already
    made its entry (handled again after a crash). With `ends`, the actor's flow of that
    name ends in the same transaction (nothing left to fail between saving and ending)."""
    async with db.transaction() as tx:
        if ends is not None and actor is not None:
            await flows.clear_named_in(tx, actor, ends)
        if not await tx.rowcount(
                "INSERT OR IGNORE INTO report_events (report_id, at, actor_id, kind, detail, "
                "update_id) VALUES (?, ?, ?, ?, ?, ?)",
                (report_id, to_db(now), actor, kind, detail, update_id or None)):
            return False
        await tx.execute("UPDATE reports SET updated_at = ? WHERE id = ?",
                         (to_db(now), report_id))
        await outbox.put(tx, also, now)
        return True


async def entry_of_update(db: Database, actor: int, update_id: int) -> tuple[int, str] | None:
    """The case entry (report id, kind) this person's update made, if it made one."""
    row = await db.fetchone("SELECT report_id, kind FROM report_events "
                            "WHERE actor_id = ? AND update_id = ?", (actor, update_id))
    return None if row is None else (int(row[0]), str(row[1]))


async def was_taken(db: Database, report_id: int) -> bool:
    """Whether someone has had the report before (taken or assigned), now or earlier."""
    return await db.fetchval(
        "SELECT 1 FROM report_events WHERE report_id = ? AND kind IN ('taken', 'assigned') "
        "LIMIT 1", (report_id,)) is not None


async def add_reply(db: Database, report_id: int, actor: int, now: datetime, text: str,
                    message: Callable[[int], Outgoing], update_id: int | None = None,
                    ends: str | None = None) -> bool:
    """The reporter's reply on the case's history, and its message (made by `message` from
    the history entry's id, which it names) queued in the same transaction; with
    `update_id`, once only (False, nothing saved or queued, as add_event); `ends` as
    add_event."""
    async with db.transaction() as tx:
        if ends is not None:
            await flows.clear_named_in(tx, actor, ends)
        event_id = await tx.execute(
            "INSERT OR IGNORE INTO report_events (report_id, at, actor_id, kind, detail, "
            "update_id) VALUES (?, ?, ?, 'reply', ?, ?)",
            (report_id, to_db(now), actor, text, update_id or None))
        if not await tx.fetchval("SELECT changes()"):
            return False
        await tx.execute("UPDATE reports SET updated_at = ? WHERE id = ?",
                         (to_db(now), report_id))
        await outbox.put(tx, [message(event_id)], now)
        return True


async def reply_words(db: Database, event_id: int) -> str:
    """What the reporter replied in this history entry ("" if erased, or no such reply)."""
    found = await db.fetchval(
        "SELECT detail FROM report_events WHERE id = ? AND kind = 'reply'", (event_id,))
    return str(found or "")


async def sent_button_data(db: Database, chat_id: int, message_id: int) -> list[str]:
    """The callback data of the buttons on message `message_id` of chat `chat_id`, as the
    outbox sent it; none when the outbox sent no such message (or has forgotten it)."""
    row = await db.fetchone(
        "SELECT buttons FROM outbox WHERE chat_id = ? AND message_id = ? AND state = 'sent' "
        "ORDER BY id DESC LIMIT 1", (chat_id, message_id))
    if row is None:
        return []
    rows = json.loads(row["buttons"])
    return [str(button[1]) for line in rows for button in line if len(button) == 2]


async def reporter_cases(db: Database, reporter: int) -> list[Report]:
    """A reporter's reports a worker has now (taken and open), oldest first."""
    rows = await db.fetchall(
        f"SELECT {COLUMNS} FROM reports WHERE reporter_id = ? AND status = 'acknowledged' "
        "AND taken_by IS NOT NULL ORDER BY id", (reporter,))
    return [report_from_row(r) for r in rows]


async def open_cases(db: Database, worker: int) -> list[Report]:
    """A worker's open cases, oldest first."""
    rows = await db.fetchall(
        f"SELECT {COLUMNS} FROM reports WHERE taken_by = ? AND status = 'acknowledged' "
        "ORDER BY id", (worker,))
    return [report_from_row(r) for r in rows]


async def held_by_non_workers(db: Database) -> list[Report]:
    """Open cases whose holder is not a worker on duty (a coordinator, or someone whose duty
    ended while the case was resolved and was reopened), oldest first."""
    rows = await db.fetchall(
        f"SELECT {COLUMNS} FROM reports r WHERE status = 'acknowledged' AND NOT EXISTS "
        "(SELECT 1 FROM people p WHERE p.telegram_id = r.taken_by AND p.role = 'worker' "
        "AND p.active = 1) ORDER BY id")
    return [report_from_row(r) for r in rows]


async def untaken(db: Database, area_ids: tuple[int, ...] | None, limit: int = 20) -> list[Report]:
    """Reports nobody has taken: of the given areas (and those without an area), or all."""
    if area_ids is None or not area_ids:
        rows = await db.fetchall(
            f"SELECT {COLUMNS} FROM reports WHERE status = 'new' ORDER BY id LIMIT ?", (limit,))
    else:
        marks = ",".join("?" for _ in area_ids)
        rows = await db.fetchall(
            f"SELECT {COLUMNS} FROM reports WHERE status = 'new' AND "
            f"(area_id IS NULL OR area_id IN ({marks})) ORDER BY id LIMIT ?",
            (*area_ids, limit))
    return [report_from_row(r) for r in rows]


async def all_open(db: Database, limit: int = 30) -> list[Report]:
    """Every open case (for coordinators)."""
    rows = await db.fetchall(
        f"SELECT {COLUMNS} FROM reports WHERE status = 'acknowledged' ORDER BY id LIMIT ?",
        (limit,))
    return [report_from_row(r) for r in rows]


# -- escalation -------------------------------------------------------------------------


async def waiting(db: Database) -> list[Report]:
    """Untaken reports, oldest first (escalation candidates)."""
    rows = await db.fetchall(
        f"SELECT {COLUMNS} FROM reports WHERE status = 'new' AND escalation_level < 2 "
        "ORDER BY id")
    return [report_from_row(r) for r in rows]


async def claim_escalation(db: Database, report_id: int, level: int, now: datetime) -> bool:
    """Record that escalation `level` goes out now; False if it already went (or was taken)."""
    async with db.transaction() as tx:
        return await claim_escalation_in(tx, report_id, level, now)


async def claim_escalation_in(tx: Tx, report_id: int, level: int, now: datetime) -> bool:
    """As claim_escalation, inside the caller's transaction (the alerts are queued in it)."""
    status = await tx.fetchval("SELECT status FROM reports WHERE id = ?", (report_id,))
    if status != Status.NEW.value:
        return False
    # Each level once per round (a new round begins each time the case goes back to waiting).
    inserted = await tx.rowcount(
        "INSERT OR IGNORE INTO report_escalations (report_id, level, round, sent_at) "
        "SELECT id, ?, escalation_round, ? FROM reports WHERE id = ?",
        (level, to_db(now), report_id))
    if inserted != 1:
        return False
    await tx.execute(
        "UPDATE reports SET escalation_level = MAX(escalation_level, ?) WHERE id = ?",
        (level, report_id))
    await _event(tx, report_id, now, None, "escalated", None, str(level))
    await tx.execute(
        "UPDATE report_escalations SET done = 1 WHERE report_id = ? AND level = ? AND round = "
        "(SELECT escalation_round FROM reports WHERE id = ?)", (report_id, level, report_id))
    return True
