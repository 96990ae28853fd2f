"""Use cases of the figures: /stats, /export (and `zhongfu export`), and the digest's share.

Every number comes from figures_for(): storage/figures.py reads, bot/domain/figures.py adds
up. The reading and adding run in a worker thread on a read-only connection of their own,
so a year of contacts does not hold the bot's connection (or its event loop).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import date, tzinfo
from enum import StrEnum
from pathlib import Path

from bot.domain import figures as fg
from bot.domain.households import Service
from bot.domain.people import Named, Person, Role
from bot.domain.periods import local_date, local_midnight
from bot.services import audit as trail
from bot.services import obligations
from bot.services.context import Services
from bot.services.people import staff_named
from storage import activities as activity_store
from storage import aid as aid_store
from storage import audit, projects
from storage import figures as store
from storage import people as people_store
from storage.aid import Total
from storage.projects import Reached

log = logging.getLogger(__name__)



class Refusal(StrEnum):
    """Why a figures request was refused (catalog key stats.refused.<value>)."""

    STAFF_ONLY = "staff_only"
    NOT_YOURS = "not_yours"
    COORDINATOR_ONLY = "coordinator_only"
    BUSY = "busy"
    UNKNOWN_WORKER = "unknown_worker"  # an id (a forged button, a typo) of nobody on the staff


@dataclass(frozen=True)
class Programme:
    """Aid paid (overall and by fund) and group activities held (by kind) in a span."""

    aid: Total
    by_fund: list[Total]
    activities: dict[str, tuple[int, int]]  # kind -> (activities, people reached)
    projects: list[Reached]  # micro-projects with activities in the span


class Refused(Exception):
    """A request the actor may not make now."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal


def compute_sync(path: Path, span: fg.Span, today: date, tz: tzinfo,
                 worker_id: int | None = None) -> fg.Comparison:
    """The span's figures beside the previous span's, read from the file at `path`."""
    before = span.previous()
    conn = store.connect(path)
    try:
        # Enough history for every rule to reach back to the previous span's first day.
        history = fg.months_between(before.start, today) + 1
        items = obligations.streamed(conn, today, history, worker_id)
        kept_now, kept_before = fg.kept_many(items, (span, before), fg.program_rule)
        found = []
        for one, kept in ((span, kept_now), (before, kept_before)):
            found.append(fg.compute(
                one, store.households(conn, one, worker_id), store.pairings(conn, one, worker_id),
                store.contacts(conn, one, worker_id),
                store.reports(conn, local_midnight(one.start, tz), local_midnight(one.stop, tz),
                              worker_id),
                kept, tz, services=[s.value for s in Service]))
        names = {p.id: p.name for p in store.programs(conn)}
    finally:
        conn.close()
    return fg.Comparison(found[0], found[1], names, worker_id)


def today_of(services: Services) -> date:
    """Today in the deployment's zone."""
    return local_date(services.clock(), services.settings.timezone)


async def figures_for(services: Services, span: fg.Span, worker_id: int | None = None,
                      today: date | None = None) -> fg.Comparison:
    """The figures of a span (everyone's, or one worker's own), off the event loop;
    obligations' statuses as of `today` (default: the deployment's today)."""
    return await asyncio.to_thread(compute_sync, services.db.path, span,
                                   today or today_of(services), services.settings.timezone,
                                   worker_id)


def scope_for(services: Services, actor: Person, worker_id: int | None) -> int | None:
    """Whose figures the actor may see: coordinators anyone's (None = all), workers their
    own; Refused otherwise."""
    role = services.role_of(actor)
    if role is Role.COORDINATOR:
        return worker_id
    if role is not Role.WORKER:
        raise Refused(Refusal.STAFF_ONLY)
    if worker_id is not None and worker_id != actor.telegram_id:
        raise Refused(Refusal.NOT_YOURS)
    return actor.telegram_id


async def stats(services: Services, actor: Person, span: fg.Span,
                worker_id: int | None = None) -> fg.Comparison:
    """/stats: the figures the actor may see for the span (Refused if none), one worker's
    with that worker's name."""
    scope = scope_for(services, actor, worker_id)
    name = ""
    if scope is not None:
        person = await people_store.get(services.db, scope)
        if person is None:
            raise Refused(Refusal.UNKNOWN_WORKER)
        name = person.display_name
    return replace(await figures_for(services, span, scope), worker_name=name)


async def named(services: Services, actor: Person, text: str) -> list[Named]:
    """Whose figures a typed name or Telegram id asks for, by name (bot.services.people, as
    /overdue looks up): coordinators may name anyone on the staff, a worker only themselves
    (naming a colleague is Refused; a text that names nobody gives [])."""
    role = services.role_of(actor)
    if not role.is_staff:
        raise Refused(Refusal.STAFF_ONLY)
    found = await staff_named(services, text)
    if role is Role.COORDINATOR:
        return found
    mine = [m for m in found if m.telegram_id == actor.telegram_id]
    if found and not mine:
        raise Refused(Refusal.NOT_YOURS)
    return mine


def reach_sync(path: Path, span: fg.Span) -> fg.SpanReach:
    """The span's reach (households covered and paired, person-times), counted in SQL.

    The digest prints only these; /stats' whole `compute` over every household, pairing and
    contact of the quarter took 7 of the tick's seconds at 100,000 households for them
    (bench/README.md). tests/storage/test_figures.py checks both count the same.
    """
    conn = store.connect(path)
    try:
        return store.reach(conn, span)
    finally:
        conn.close()


async def quarter_reach(services: Services, today: date) -> fg.SpanReach:
    """This quarter's reach (households and people covered, paired, person-times), for the
    digest's coverage line; off the event loop like figures_for."""
    return await asyncio.to_thread(reach_sync, services.db.path, fg.preset("quarter", today))


# -- export ---------------------------------------------------------------------------------


class Format(StrEnum):
    """What the export is written as."""

    XLSX = "xlsx"
    CSV = "csv"  # a zip of one CSV per sheet


@dataclass(frozen=True)
class Exported:
    """An export written to `path`."""

    path: Path
    filename: str
    figures: fg.Comparison
    sheets: tuple[str, ...]


_EXPORT_LOCKS: dict[int, asyncio.Lock] = {}


def export_lock(services: Services) -> asyncio.Lock:
    """The process's one export lock (one export is built at a time)."""
    return _EXPORT_LOCKS.setdefault(id(services), asyncio.Lock())


def export_filename(span: fg.Span, fmt: Format) -> str:
    """zhongfu-2026-01-01_2026-03-31.xlsx (or .zip)."""
    suffix = "xlsx" if fmt is Format.XLSX else "zip"
    return f"zhongfu-{span.start.isoformat()}_{span.end.isoformat()}.{suffix}"


async def export(services: Services, actor: Person | None, span: fg.Span, fmt: Format,
                 with_contacts: bool, out: Path, lang: str) -> Exported:
    """/export and `zhongfu export` (actor None): the workbook of a span, written to `out`,
    headers in `lang`, recorded in the audit trail. Refused for non-coordinators and while
    another export is being built."""
    from bot import exporting

    if actor is not None and services.role_of(actor) is not Role.COORDINATOR:
        raise Refused(Refusal.COORDINATOR_ONLY)
    lock = export_lock(services)
    if lock.locked():
        raise Refused(Refusal.BUSY)
    async with lock:
        tz = services.settings.timezone
        comparison = await figures_for(services, span)
        entries = await audit.between(services.db, local_midnight(span.start, tz),
                                      local_midnight(span.stop, tz))
        # In the exporting person's words, as /audit names them: the names looked up now,
        # each entry worded in the worker thread as its row is written.
        lines = await trail.in_words(services, lang, entries)
        job = exporting.Job(path=services.db.path, span=span, today=today_of(services), tz=tz,
                            comparison=comparison, audit=lines, with_contacts=with_contacts,
                            translate=lambda key, **v: services.t(lang, key, **v),
                            has=services.catalog.has)
        sheets = await asyncio.to_thread(exporting.write, job, out, fmt.value)
        await audit.add(services.db, services.clock(), actor.telegram_id if actor else None,
                        "export", "figures", span.code,
                        {"from": span.start.isoformat(), "to": span.end.isoformat(),
                         "format": fmt.value, "with_contacts": with_contacts})
    log.info("export %s (%s, contacts %s) by %s", span.code, fmt.value, with_contacts,
             actor.telegram_id if actor else "cli")
    return Exported(out, export_filename(span, fmt), comparison, tuple(sheets))


async def programme(services: Services, span: fg.Span) -> Programme:
    """What the programme gave in the span: aid by fund, activities by kind."""
    db = services.db
    return Programme(aid=await aid_store.reached(db, span.start, span.end),
                     by_fund=await aid_store.totals_by_fund(db, span.start, span.end),
                     activities=await activity_store.count_between(db, span.start, span.end),
                     projects=await projects.reached_between(db, span.start, span.end))
