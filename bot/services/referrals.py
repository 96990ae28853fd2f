"""Referral use cases: import a list, take, screen, close, make a household, answer the agency.

One function per user action, each one transaction with its audit entry inside. Every step
re-reads the referral and checks the actor's current role and right to it (callback data is
only a request), through `bot.domain.referrals.refusal`.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.domain.households import HouseholdInput
from bot.domain.people import Person, Role
from bot.domain.periods import local_date, period_from_key
from bot.domain.referrals import (
    Action,
    Actor,
    Application,
    Eligibility,
    Outcome,
    Stage,
    after_call,
    category_for,
    quarter_key,
    refusal,
    taken,
)
from bot.importing.households import Refusal, RowError, read_table
from bot.importing.referrals import Known, ReferralFile, check_table, refs_in
from bot.services import referral_notices, withdrawals
from bot.services.context import Services
from storage import areas, audit, households, outbox, people
from storage import referrals as store
from storage.db import Tx
from storage.referrals import Match, Referral, Source

SOURCE_NAME_MAX = 30
# Sources a deployment starts with; the list is data (a coordinator keeps it with /sources).
UNEMPLOYMENT_SOURCE = "人力资源局"


@dataclass(frozen=True)
class Done:
    """The outcome of one step: the referral as it now is, or why nothing changed."""

    referral: Referral | None
    refusal: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the step was taken."""
        return self.refusal is None


def actor_of(services: Services, person: Person) -> Actor | None:
    """Who acts, with their current role; None for anyone who is not staff."""
    role = services.role_of(person)
    if not role.is_staff:
        return None
    return Actor(person.telegram_id, role is Role.COORDINATOR, person.area_ids)


def today_of(services: Services, now: datetime) -> date:
    """The local date of an instant in the deployment's time zone."""
    return local_date(now, services.settings.timezone)


# -- import -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportOutcome:
    """An import: refused as a whole, refused with row errors, or stored."""

    source: Source | None = None
    refusal: Refusal | None = None
    checked: ReferralFile | None = None
    created: list[int] = field(default_factory=list)

    @property
    def stored(self) -> bool:
        """Whether the rows were stored."""
        return self.checked is not None and not self.checked.errors


async def import_list(services: Services, data: bytes, filename: str, source_id: int,
                      now: datetime, by: int | None = None) -> ImportOutcome:
    """Read, check and (only when every row is right) store one agency's list at once."""
    db = services.db
    source = await store.source(db, source_id)
    if source is None or source.retired:
        return ImportOutcome(refusal=Refusal("unknown_source"))
    today = today_of(services, now)
    try:
        table = read_table(data, filename)
        known = Known({a.name: a.id for a in await areas.active(db)}, source.id, source.name,
                      {s.id: s.name for s in await store.sources(db, retired=True)},
                      await store.known_refs(db, refs_in(table)))
        checked = check_table(table, known, today)
    except Refusal as refused:
        return ImportOutcome(source, refusal=refused)
    if checked.errors:
        return ImportOutcome(source, checked=checked)
    created: list[int] = []
    async with db.transaction() as tx:
        for row in checked.rows:
            new_id = await store.insert(tx, source.id, row.referral, today, now, by)
            if new_id is not None:
                created.append(new_id)
        await audit.record(tx, now, by, "referral.import", "source", source.id,
                           {"file": filename[:100], "created": len(created),
                            "already": checked.already})
    return ImportOutcome(source, checked=checked, created=created)


async def import_list_named(services: Services, data: bytes, filename: str, source_name: str,
                            now: datetime) -> ImportOutcome:
    """`zhongfu import referrals FILE --source NAME`: the source by its name."""
    source = await store.source_named(services.db, source_name.strip())
    if source is None or source.retired:
        return ImportOutcome(refusal=Refusal("unknown_source", source=source_name))
    return await import_list(services, data, filename, source.id, now)


def row_errors(outcome: ImportOutcome) -> list[RowError]:
    """The errors of a checked file, in row order."""
    return sorted(outcome.checked.errors, key=lambda e: e.row) if outcome.checked else []


def describe_import(services: Services, lang: str, outcome: ImportOutcome,
                    limit: int) -> list[str]:
    """The outcome of an import as lines of catalog text (chat and command line)."""
    t = services.catalog.t
    if outcome.refusal is not None:
        code = outcome.refusal.code
        key = (f"import.refusal.{code}" if services.catalog.has(f"import.refusal.{code}")
               else f"referrals.import.refusal.{code}")
        return [t(lang, "import.refused", reason=t(lang, key, **outcome.refusal.values))]
    assert outcome.checked is not None
    errors = row_errors(outcome)
    if errors:
        lines = [t(lang, "import.errors_title", count=len(errors),
                   rows=len({e.row for e in errors}))]
        for error in errors[:limit]:
            values = {"value": "", **error.values}
            problem = f"referrals.import.problem.{error.code}"
            if not services.catalog.has(problem):
                problem = f"import.problem.{error.code}"
            lines.append(t(lang, "import.error_line", row=error.row,
                           column=t(lang, f"referrals.import.column.{error.column}"),
                           problem=t(lang, problem, **values)))
        if len(errors) > limit:
            lines.append(t(lang, "import.errors_more", count=len(errors) - limit))
        return lines
    return [t(lang, "referrals.import.done", source=outcome.source.name if outcome.source
              else "", created=len(outcome.created), already=outcome.checked.already)]


# -- the pipeline -------------------------------------------------------------------------------

Changes = Callable[[Referral], dict[str, object] | str]
# What else a step does in its transaction, given the referral as it was before the change.
Also = Callable[[Tx, Referral], Awaitable[None]]


async def _step(services: Services, person: Person, referral_id: int, action: Action,
                now: datetime, kind: str, changes: Changes, detail: str = "",
                also: Also | None = None) -> Done:
    """Check, change, record in the history and the audit trail (and `also`): one
    transaction."""
    actor = actor_of(services, person)
    if actor is None:
        return Done(None, "staff_only")
    today = today_of(services, now)
    async with services.db.transaction() as tx:
        referral = await store.get(tx, referral_id)
        if referral is None:
            return Done(None, "no_referral")
        why = refusal(action, actor, referral.state)
        if why is not None:
            return Done(referral, why)
        wanted = changes(referral)
        if isinstance(wanted, str):
            return Done(referral, wanted)
        if not await store.move(tx, referral, now, **wanted):
            return Done(referral, "moved")
        await store.event(tx, referral.id, now, today, actor.telegram_id, kind, detail)
        await audit.record(tx, now, actor.telegram_id, f"referral.{kind}", "referral",
                           referral.id, {"detail": detail} if detail else None)
        if also is not None:
            await also(tx, referral)
    return Done(await store.get(services.db, referral_id))


async def take(services: Services, person: Person, referral_id: int, now: datetime) -> Done:
    """A worker of the community takes a referral (new, or handed back at the stage it had
    reached); of racing presses exactly one wins."""
    return await _step(services, person, referral_id, Action.TAKE, now, "taken",
                       lambda r: {"stage": taken(r.stage), "worker_id": person.telegram_id})


async def assign(services: Services, person: Person, referral_id: int, worker: Person | None,
                 now: datetime) -> Done:
    """A coordinator gives a referral to a worker on duty, or hands it to another one at any
    open stage (what was found so far stays with it)."""
    if worker is None or services.role_of(worker) is Role.RESIDENT:
        return Done(None, "not_a_worker")
    # A worker on duty who had it is told, and the details they were shown are taken back
    # (written before, queued with the change only if they still had it then).
    before = await store.get(services.db, referral_id)
    away = (None if before is None
            else await referral_notices.handed_away(services, before, worker, person.telegram_id))

    async def tell_holder(tx: Tx, was: Referral) -> None:
        if away is None or was.worker_id != away.chat_id:
            return
        await outbox.put(tx, [away, *await withdrawals.of_referral_in(
            services, tx, away.chat_id, away.lang, was.id)], now)

    done = await _step(services, person, referral_id, Action.ASSIGN, now, "assigned",
                       lambda r: {"stage": taken(r.stage), "worker_id": worker.telegram_id},
                       detail=worker.display_name, also=tell_holder)
    if away is not None and done.ok:
        services.wake()
    return done


@dataclass(frozen=True)
class AssignChoices:
    """The workers a coordinator may give a referral to: its community's first."""

    done: Done
    workers: list[Person] = field(default_factory=list)


async def assign_choices(services: Services, person: Person, referral_id: int) -> AssignChoices:
    """Coordinators only; any open referral, held by someone or not."""
    actor = actor_of(services, person)
    if actor is None:
        return AssignChoices(Done(None, "staff_only"))
    referral = await store.get(services.db, referral_id)
    if referral is None:
        return AssignChoices(Done(None, "no_referral"))
    why = refusal(Action.ASSIGN, actor, referral.state)
    if why is not None:
        return AssignChoices(Done(referral, why))
    local = set(await store.route_targets(services.db, referral.area_id))
    staff = [p for p in await people.staff(services.db) if services.role_of(p) is Role.WORKER]
    staff.sort(key=lambda p: (p.telegram_id not in local, p.display_name))
    return AssignChoices(Done(referral), staff)


async def call(services: Services, person: Person, referral_id: int, reached: bool,
               seen: int | None, now: datetime) -> Done:
    """A phone call: reached, or unreachable (the third unreachable try closes it).

    `seen` is the number of failed calls on the card pressed: a press on an older card, a
    second quick tap or an update replayed after a crash is refused ("recorded"); a card of
    the previous release, which carries no count, is refused too ("old_card").
    """
    today = today_of(services, now)

    def changes(referral: Referral) -> dict[str, object] | str:
        if seen is None:
            return "old_card"
        if seen != referral.attempts:
            return "recorded"
        result = after_call(referral.attempts, reached)
        found: dict[str, object] = {"stage": result.stage, "attempts": result.attempts}
        if result.outcome is not None:
            found.update(outcome=result.outcome, closed_on=today)
        return found

    kind = "reached" if reached else "unreachable"
    return await _step(services, person, referral_id, Action.CALL, now, kind, changes)


async def survey(services: Services, person: Person, referral_id: int, now: datetime) -> Done:
    """The home survey is done."""
    return await _step(services, person, referral_id, Action.SURVEY, now, "surveyed",
                       lambda r: {"stage": Stage.SURVEYED})


async def eligibility(services: Services, person: Person, referral_id: int,
                      found: frozenset[Eligibility], now: datetime) -> Done:
    """What the person is eligible for (several allowed, or none)."""
    if not found:
        return Done(None, "choose_one")
    detail = ",".join(sorted(e.value for e in found))
    return await _step(services, person, referral_id, Action.ELIGIBILITY, now, "eligibility",
                       lambda r: {"stage": Stage.ASSESSED, "eligibility": found}, detail)


async def application(services: Services, person: Person, referral_id: int,
                      status: Application, now: datetime) -> Done:
    """The application was submitted, then approved or refused."""
    if status is Application.SUBMITTED:
        return await _step(services, person, referral_id, Action.APPLY, now, "submitted",
                           lambda r: {"stage": Stage.APPLIED, "application": status})
    return await _step(services, person, referral_id, Action.DECIDE, now, status.value,
                       lambda r: {"application": status})


async def close(services: Services, person: Person, referral_id: int, outcome: Outcome,
                now: datetime) -> Done:
    """Close with an outcome; closing a closed referral changes nothing and says so."""
    today = today_of(services, now)
    return await _step(services, person, referral_id, Action.CLOSE, now, "closed",
                       lambda r: {"stage": Stage.CLOSED, "outcome": outcome,
                                  "closed_on": today}, outcome.value)


@dataclass(frozen=True)
class HouseholdDone:
    """A referral turned into a household, or the registry entries it may already be."""

    done: Done
    household_id: int | None = None
    matches: list[Match] = field(default_factory=list)


async def to_household(services: Services, person: Person, referral_id: int,
                       now: datetime) -> HouseholdDone:
    """Add an eligible person to the registry in one step; a likely match is offered instead."""
    return await _household_step(services, person, referral_id, now, None)


async def link_household(services: Services, person: Person, referral_id: int,
                         household_id: int, now: datetime) -> HouseholdDone:
    """Link the referral to a household already in the registry (never a duplicate)."""
    found = await households.get(services.db, household_id)
    if found is None or found.archived:
        return HouseholdDone(Done(None, "no_household"))
    return await _household_step(services, person, referral_id, now, household_id)


async def _household_step(services: Services, person: Person, referral_id: int,
                          now: datetime, existing: int | None) -> HouseholdDone:
    """Create (or take `existing`) a household and link the referral, in one transaction."""
    actor = actor_of(services, person)
    if actor is None:
        return HouseholdDone(Done(None, "staff_only"))
    today = today_of(services, now)
    async with services.db.transaction() as tx:
        referral = await store.get(tx, referral_id)
        if referral is None:
            return HouseholdDone(Done(None, "no_referral"))
        why = refusal(Action.HOUSEHOLD, actor, referral.state)
        if why is not None:
            return HouseholdDone(Done(referral, why))
        household_id = existing
        if household_id is not None:
            # Only an entry the person may be (same name and community, or phone), as
            # offered: forged data naming any other household links nothing.
            offered = await store.registry_matches(tx, referral.name, referral.area_id,
                                                   referral.phone)
            if household_id not in {m.id for m in offered}:
                return HouseholdDone(Done(referral, "no_household"))
        if household_id is None:
            # Never a duplicate: someone who may already be in the registry is linked instead.
            matches = await store.registry_matches(tx, referral.name, referral.area_id,
                                                   referral.phone)
            if matches:
                return HouseholdDone(Done(referral, "in_registry"), matches=matches)
            household_id = await _create_household(tx, referral, actor.telegram_id, now)
        if not await store.move(tx, referral, now, household_id=household_id):
            raise RuntimeError("referral changed inside its own transaction")
        kind = "household_created" if existing is None else "household_linked"
        await store.event(tx, referral.id, now, today, actor.telegram_id, kind,
                          str(household_id))
        await audit.record(tx, now, actor.telegram_id, f"referral.{kind}", "referral",
                           referral.id, {"household": household_id})
    return HouseholdDone(Done(await store.get(services.db, referral_id)), household_id)


async def _create_household(tx: Tx, referral: Referral, by: int, now: datetime) -> int:
    """The registry entry of a referred person, from what the referral and screening say."""
    category = category_for(referral.eligibility,
                            unemployed=referral.source_name == UNEMPLOYMENT_SOURCE)
    data = HouseholdInput(name=referral.name, area_id=referral.area_id,
                          address=referral.address, people_count=1, category=category,
                          causes=referral.reason[:500], phone=referral.phone)
    return await households.insert_in(tx, data, now, by)


# -- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """What /referrals shows: the actor's open referrals and the untaken ones they may take."""

    mine: list[Referral]
    untaken: list[Referral]
    coordinator: bool


async def listing(services: Services, person: Person) -> Listing | None:
    """Workers: theirs and their communities' untaken ones; coordinators: all open ones."""
    actor = actor_of(services, person)
    if actor is None:
        return None
    db = services.db
    if actor.coordinator:
        return Listing(await store.open_all(db), await store.untaken(db, None), True)
    return Listing(await store.open_of(db, actor.telegram_id),
                   await store.untaken(db, actor.area_ids), False)


@dataclass(frozen=True)
class Seen:
    """A referral as its worker or a coordinator sees it, with its history."""

    done: Done
    history: list[store.Event] = field(default_factory=list)
    full: bool = False  # phone and address may be shown (the worker who has it, coordinators)


async def view(services: Services, person: Person, referral_id: int, now: datetime) -> Seen:
    """Open one referral; a look at contact details goes to the audit trail."""
    actor = actor_of(services, person)
    if actor is None:
        return Seen(Done(None, "staff_only"))
    referral = await store.get(services.db, referral_id)
    if referral is None:
        return Seen(Done(None, "no_referral"))
    why = refusal(Action.VIEW, actor, referral.state)
    if why is not None:
        return Seen(Done(referral, why))
    full = actor.coordinator or referral.worker_id == actor.telegram_id
    if full:
        await audit.add(services.db, now, actor.telegram_id, "view.referral", "referral",
                        referral.id)
    return Seen(Done(referral), await store.events(services.db, referral.id), full)


async def overdue(services: Services, today: date) -> list[Referral]:
    """Open referrals past their deadline, by source."""
    return await store.overdue(services.db, today)


def overdue_lines(services: Services, lang: str, found: list[Referral]) -> list[str]:
    """Overdue referrals as lines, grouped by source (for /overdue and the digest)."""
    if not found:
        return []
    t = services.catalog.t
    lines = [t(lang, "referrals.overdue.title", count=len(found))]
    current = ""
    for referral in found:
        if referral.source_name != current:
            current = referral.source_name
            count = sum(1 for r in found if r.source_name == current)
            lines.append(t(lang, "referrals.overdue.source", source=current, count=count))
        worker = referral.worker_name or t(lang, "referrals.nobody")
        lines.append(t(lang, "referrals.overdue.line", ref=referral.ref, name=referral.name,
                       area=referral.area_name or t(lang, "referrals.no_area"),
                       due=referral.due_on.isoformat(), worker=worker,
                       stage=t(lang, f"referrals.stage.{referral.stage.value}"),
                       focus="❗" if referral.focus else ""))
    return lines


# -- sources ------------------------------------------------------------------------------------


async def source(services: Services, source_id: int) -> Source | None:
    """One referring agency by id (retired ones too)."""
    return await store.source(services.db, source_id)


async def many(services: Services, referral_ids: list[int]) -> list[Referral]:
    """The referrals with these ids that still exist, in the same order."""
    found = [await store.get(services.db, referral_id) for referral_id in referral_ids]
    return [r for r in found if r is not None]


async def sources(services: Services) -> list[Source]:
    """The sources in use."""
    return await store.sources(services.db)


def _check_name(name: str) -> str | None:
    cleaned = " ".join(name.split())
    return cleaned if 0 < len(cleaned) <= SOURCE_NAME_MAX else None


async def add_source(services: Services, person: Person, name: str,
                     now: datetime) -> str | None:
    """Add a source; None when done, else why not (a catalog code)."""
    if services.role_of(person) is not Role.COORDINATOR:
        return "coordinators_only"
    cleaned = _check_name(name)
    if cleaned is None:
        return "bad_name"
    async with services.db.transaction() as tx:
        source_id = await store.add_source(tx, cleaned, now)
        if source_id is None:
            return "name_taken"
        await audit.record(tx, now, person.telegram_id, "source.add", "source", source_id,
                           {"name": cleaned})
    return None


async def rename_source(services: Services, person: Person, source_id: int, name: str,
                        now: datetime) -> str | None:
    """Rename a source; None when done, else why not."""
    if services.role_of(person) is not Role.COORDINATOR:
        return "coordinators_only"
    cleaned = _check_name(name)
    if cleaned is None:
        return "bad_name"
    async with services.db.transaction() as tx:
        old = await store.source(tx, source_id)
        if old is None:
            return "no_source"
        if not await store.rename_source(tx, source_id, cleaned):
            return "name_taken"
        await audit.record(tx, now, person.telegram_id, "source.rename", "source", source_id,
                           {"old": old.name, "name": cleaned})
    return None


async def retire_source(services: Services, person: Person, source_id: int,
                        now: datetime) -> str | None:
    """Retire a source (its referrals stay); None when done, else why not."""
    if services.role_of(person) is not Role.COORDINATOR:
        return "coordinators_only"
    async with services.db.transaction() as tx:
        if not await store.retire_source(tx, source_id):
            return "no_source"
        await audit.record(tx, now, person.telegram_id, "source.retire", "source", source_id)
    return None


# -- the agency's return ------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyReturn:
    """The spreadsheet that answers an agency for one quarter."""

    filename: str = ""
    data: bytes = b""
    rows: int = 0
    refusal: str | None = None


RETURN_COLUMNS = ("source_ref", "name", "id_last4", "area", "received_on", "stage",
                  "first_call", "surveyed_on", "eligibility", "application", "outcome",
                  "closed_on")
CONTACT_COLUMNS = ("phone", "address")


async def agency_return(services: Services, actor_id: int | None, source_name: str,
                        quarter: str, now: datetime, *, with_contacts: bool = False,
                        lang: str | None = None) -> AgencyReturn:
    """One row per person the source referred in the quarter, with outcome and dates.

    Contact details only when `with_contacts` (the coordinator confirmed); every export is
    recorded in the audit trail.
    """
    key = quarter_key(quarter)
    if key is None:
        return AgencyReturn(refusal="bad_quarter")
    source = await store.source_named(services.db, source_name.strip())
    if source is None:
        return AgencyReturn(refusal="unknown_source")
    return await _build_return(services, actor_id, source, key, now, with_contacts,
                               lang or services.settings.language)


async def agency_return_by_id(services: Services, person: Person, source_id: int,
                              quarter: str, now: datetime, with_contacts: bool) -> AgencyReturn:
    """The return asked for in chat: coordinators only."""
    if services.role_of(person) is not Role.COORDINATOR:
        return AgencyReturn(refusal="coordinators_only")
    key = quarter_key(quarter)
    source = await store.source(services.db, source_id)
    if key is None or source is None:
        return AgencyReturn(refusal="unknown_source")
    return await _build_return(services, person.telegram_id, source, key, now, with_contacts,
                               services.lang_of(person))


async def _build_return(services: Services, actor_id: int | None, source: Source, key: str,
                        now: datetime, with_contacts: bool, lang: str) -> AgencyReturn:
    period = period_from_key(key)
    found = await store.received_between(services.db, source.id, period.start, period.end)
    rows = [await _return_row(services, lang, r, with_contacts) for r in found]
    t = services.catalog.t
    columns = RETURN_COLUMNS + (CONTACT_COLUMNS if with_contacts else ())
    headers = [t(lang, f"referrals.column.{c}") for c in columns]
    data = _workbook(t(lang, "referrals.return.sheet", quarter=key), headers, rows)
    async with services.db.transaction() as tx:
        await audit.record(tx, now, actor_id, "export.referrals", "source", source.id,
                           {"quarter": key, "rows": len(rows), "contacts": with_contacts})
    return AgencyReturn(f"referrals-{source.id}-{key}.xlsx", data, len(rows))


async def _return_row(services: Services, lang: str, referral: Referral,
                      with_contacts: bool) -> list[str]:
    t = services.catalog.t
    history = await store.events(services.db, referral.id)

    def first(*kinds: str) -> str:
        return next((e.day.isoformat() for e in history if e.kind in kinds), "")

    row = [referral.source_ref, referral.name, referral.id_last4, referral.area_name or "",
           referral.received_on.isoformat(), t(lang, f"referrals.stage.{referral.stage.value}"),
           first("reached", "unreachable"), first("surveyed"),
           "、".join(t(lang, f"referrals.eligibility.{e.value}")
                    for e in sorted(referral.eligibility)),
           t(lang, f"referrals.application.{referral.application.value}")
           if referral.application else "",
           t(lang, f"referrals.outcome.{referral.outcome.value}") if referral.outcome else "",
           referral.closed_on.isoformat() if referral.closed_on else ""]
    if with_contacts:
        row += [referral.phone or "", referral.address]
    return row


def _workbook(title: str, headers: list[str], rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook  # imported late: only exports pay for it

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(headers)
    for row in rows:
        # A leading '=' would make the agency's spreadsheet run a cell as a formula.
        sheet.append([("'" + v) if v.startswith("=") else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- figures ------------------------------------------------------------------------------------


async def counts(services: Services, start: date, end: date) -> list[store.Count]:
    """Referrals received in [start, end) by source, stage and outcome (for /stats)."""
    return await store.counts(services.db, start, end)


__all__ = [
    "AgencyReturn", "AssignChoices", "Done", "HouseholdDone", "ImportOutcome", "Listing",
    "Referral", "Seen", "actor_of", "add_source", "agency_return", "agency_return_by_id",
    "application", "assign", "assign_choices", "call", "close", "counts", "describe_import",
    "eligibility", "import_list", "import_list_named", "link_household", "listing", "many",
    "overdue", "overdue_lines", "rename_source", "retire_source", "row_errors", "source",
    "sources", "survey", "take", "to_household", "today_of", "view"
]
