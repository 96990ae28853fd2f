"""Use cases of one case (a report someone works on): take, assign, release, refer, note,
relay a message, conclude, close, and the reporter's feedback.

A change and the messages it owes are queued in one transaction, so nobody hears of a
change that did not happen. The handlers check the right to act first (case_checks.check).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain.paging import Page, page_of
from bot.domain.people import Person, Role
from bot.domain.reports import Event, Report, Status
from bot.services import access, case_buttons, routing, withdrawals
from bot.services.context import Services
from storage import areas, people, reports
from storage import triage as store
from storage.outbox import Outgoing
from storage.triage import Reopened, Taken


async def find(services: Services, report_id: int) -> Report | None:
    """The report with this id."""
    return await reports.get(services.db, report_id)


async def person(services: Services, telegram_id: int) -> Person | None:
    """Someone the bot knows."""
    return await people.get(services.db, telegram_id)


async def events(services: Services, report_id: int) -> list[Event]:
    """A case's history, oldest first."""
    return await reports.events(services.db, report_id)


async def active_workers(services: Services) -> list[Person]:
    """The workers on duty, in the order the staff list shows them."""
    return [w.person for w in await store.workers(services.db) if w.person.active]


@dataclass(frozen=True)
class AssignChoices:
    """A page of the workers a coordinator may give an untaken report to, those of the
    report's community first, and that community's name (None: no community, or nobody
    of it on duty)."""

    page: Page[Person]
    area: str | None


async def assign_choices(services: Services, report: Report, number: int) -> AssignChoices:
    """Page `number` of the workers on duty, those of the report's community first."""
    on_duty = [w for w in await store.workers(services.db) if w.person.active]
    area = await areas.get(services.db, report.area_id) if report.area_id else None
    local = [w for w in on_duty if area is not None and area.name in w.area_names]
    ids = {w.person.telegram_id for w in local}
    ordered = [*local, *(w for w in on_duty if w.person.telegram_id not in ids)]
    return AssignChoices(page_of([w.person for w in ordered], number),
                         area.name if area is not None and local else None)


async def take(services: Services, report: Report, worker: int, now: datetime, *,
               actor: int | None = None) -> Taken:
    """Give the case to `worker` (by themselves, or assigned by `actor`); the reporter hears
    in the same transaction. Exactly one of racing takers wins."""
    # The good news is told once; a case that had a worker before "has one again".
    again = await store.was_taken(services.db, report.id)
    told = await routing.to_reporter(
        services, report, "triage.reporter.taken_again" if again else "triage.reporter.taken")
    if actor is None:
        return await store.take(services.db, report.id, worker, now, also=[told])
    return await store.take(services.db, report.id, worker, now, kind="assigned",
                            actor=actor, also=[told])


async def release(services: Services, report: Report, actor: int | None, now: datetime,
                  detail: str = "") -> Report | None:
    """Give the case back (`actor` None: the bot, its holder gone): untaken again, offered
    afresh to its community's workers and the coordinators, the reporter told it waits for
    a worker, and the phone and address its holder was shown taken back, all in one
    transaction; None if it moved meanwhile."""
    after = replace(report, status=Status.NEW, taken_by=None, taken_at=None)
    queued = [await routing.to_reporter(services, after, "triage.reporter.waiting"),
              *await routing.cards(services, after)]
    lost = await withdrawals.case_lost(services, report.taken_by, report.id,
                                       withdrawals.RELEASED)
    released = await store.change(services.db, report.id, actor=actor, now=now,
                                  kind="released", expect=Status.ACKNOWLEDGED, to=Status.NEW,
                                  detail=detail, expect_taker=report.taken_by,
                                  keep_taker=False, also=queued, also_in=lost)
    if released is not None:
        services.wake()
    return released


async def hand_back_unheld(services: Services, now: datetime) -> int:
    """Open cases whose holder may no longer hold them go back to waiting, as a worker's do
    when they go off duty: a coordinator no longer configured, or a worker off duty left
    holding a case reopened before that was checked. Return how many."""
    count = 0
    for report in await store.held_by_non_workers(services.db):
        assert report.taken_by is not None
        if await _may_hold(services, report.taken_by):
            continue  # a coordinator as configured now
        if await release(services, report, None, now, "holder_left") is not None:
            count += 1
    return count


async def confirm_helped(services: Services, report: Report, actor: int, now: datetime,
                         update_id: int | None = None) -> None:
    """The reporter says help arrived (once for the press `update_id`, also if handled again
    after a crash)."""
    await store.add_event(services.db, report.id, actor, "confirmed", now, update_id=update_id)


async def reopen(services: Services, report: Report, actor: int,
                 now: datetime) -> Reopened | None:
    """Help did not arrive: the case is open again, with its worker if they may still hold
    it (they and the coordinators are told), else untaken again and offered afresh to its
    community's workers and the coordinators, in the same transaction. None if it moved."""
    holder = report.taken_by
    keeper = holder if holder is not None and await _may_hold(services, holder) else None
    after = replace(report, status=Status.ACKNOWLEDGED)
    told = await routing.to_coordinators(services, "triage.feedback.coordinators",
                                         report=after, ref=after.ref)
    if keeper is not None:
        told.append(await routing.to_worker(
            services, keeper, "triage.feedback.worker", {"ref": after.ref},
            buttons=lambda lang: case_buttons.case(services, lang, after)))
    # Its worker left (or no longer may hold cases): the case is nobody's, so it is offered
    # as a new report is, and escalated as one if nobody takes it.
    waiting = await routing.cards(
        services, replace(report, status=Status.NEW, taken_by=None, taken_at=None),
        heading="triage.notice.reopened")
    reopened = await store.reopen(services.db, report.id, actor=actor, now=now,
                                  keeper=keeper, kept=told, waiting=waiting)
    if reopened is not None:
        services.wake()
    return reopened


async def _may_hold(services: Services, telegram_id: int) -> bool:
    """Whether this person may hold a case now (a worker on duty, or a coordinator)."""
    return await access.holds(services, telegram_id, Role.WORKER)


async def refer_to(services: Services, report: Report, target: Person, actor: Person,
                   now: datetime) -> Report | None:
    """Hand the taker's case to another worker (by the taker, or a coordinator): they get
    the details, the reporter hears, and the details the taker was shown are taken back.
    None if the case moved meanwhile."""
    assert report.taken_by is not None
    # The messages are written for the case as it will be, and queued with the handover.
    after = replace(report, taken_by=target.telegram_id, taken_at=now)
    queued = await routing.details_for(services, target.telegram_id, after,
                                       "triage.refer.heading", name=actor.display_name)
    queued.append(await routing.to_reporter(services, after, "triage.reporter.reassigned"))
    lost = await withdrawals.case_lost(services, report.taken_by, report.id,
                                       withdrawals.PASSED_ON)
    moved = await store.reassign(services.db, report.id, report.taken_by, target.telegram_id,
                                 actor=actor.telegram_id, now=now, also=queued, also_in=lost)
    if moved is not None:
        services.wake()
    return moved


async def note(services: Services, report: Report, actor: int, text: str, now: datetime,
               update_id: int | None = None, ends: str | None = None) -> None:
    """A note on the case, for its history: once for the update `update_id` it was typed
    in, also if that update is handled again after a crash; the actor's flow `ends` with
    it, in the same transaction."""
    await store.add_event(services.db, report.id, actor, "note", now, text, update_id=update_id,
                          ends=ends)


async def relay(services: Services, report: Report, actor: int, kind: str, text: str,
                message: Outgoing, now: datetime, update_id: int | None = None,
                ends: str | None = None) -> None:
    """A message between worker and reporter: on the case's history, and queued; once for
    the update `update_id` it was typed in (handled again after a crash, nothing is sent
    twice); the actor's flow `ends` with it, in the same transaction."""
    if await store.add_event(services.db, report.id, actor, kind, now, text, also=[message],
                             update_id=update_id, ends=ends):
        services.wake()


async def reply(services: Services, report: Report, actor: int, text: str,
                now: datetime, update_id: int | None = None, ends: str | None = None) -> bool:
    """The reporter answers the case's worker: on the case's history, and queued for whoever
    holds the case when it goes out; once for the update `update_id` it was typed in (as
    relay), the reporter's flow `ends` with it. False, and nothing done, if nobody holds it
    now."""
    if report.taken_by is None:
        return False
    message = await routing.reply_for_holder(services, report, text)
    if await store.add_reply(services.db, report.id, actor, now, text, lambda event_id: replace(
            message, after=routing.for_holder(report.id, event_id)), update_id, ends):
        services.wake()
    return True


async def taken_unfinished(services: Services, report: Report | None, worker: int) -> bool:
    """Whether this worker holds the case while its Take cards are still live: their take
    was saved and then cut short (a lock, a full disk; the press is tried again), so what
    follows a take (cards settled, details shown) is still owed."""
    return (report is not None and report.taken_by == worker
            and report.status is Status.ACKNOWLEDGED
            and bool(await store.notices(services.db, report.id)))


async def entry_made_by(services: Services, actor: int,
                        update_id: int) -> tuple[Report, str] | None:
    """The case and the kind of entry (note, message, reply; resolved, referred, closed) that
    this update of the person made already, if it did (it is handled again after a crash)."""
    found = await store.entry_of_update(services.db, actor, update_id)
    if found is None:
        return None
    report = await reports.get(services.db, found[0])
    return None if report is None else (report, found[1])


async def reply_again(services: Services, report_id: int, event_id: int) -> list[Outgoing]:
    """A reporter's reply that waited for a worker who no longer holds the case, owed to
    whoever holds it now (worded for them); if nobody does, the reporter hears it was not
    passed on, as when they reply to an untaken case. Nothing once the reply is erased."""
    report = await reports.get(services.db, report_id)
    text = await store.reply_words(services.db, event_id)
    if report is None or not text:
        return []
    holder = report.taken_by
    if holder is not None and await access.holds(services, holder, Role.WORKER):
        return [await routing.reply_for_holder(services, report, text, event_id)]
    return [await routing.to_reporter(services, report, "triage.refused.no_worker")]


async def answered_relay(services: Services, reporter_id: int,
                         message_id: int) -> Report | None:
    """The reporter's case whose worker's words the bot relayed into their chat as message
    `message_id` (they answered it with Telegram's reply); None when that message was no
    relay of a case of theirs. Known by the reply button the relay carried."""
    for data in await store.sent_button_data(services.db, reporter_id, message_id):
        pressed = case_buttons.REPLY.parse(data)
        if pressed is None:
            continue
        report = await reports.get(services.db, pressed[0])
        if report is not None and report.reporter_id == reporter_id:
            return report
    return None


async def reporter_cases(services: Services, reporter_id: int) -> list[Report]:
    """The reporter's reports a worker has now (taken and open)."""
    return await store.reporter_cases(services.db, reporter_id)


async def _conclude(services: Services, report: Report, actor: int, text: str, kind: str,
                    to: Status, told: Outgoing, now: datetime, update_id: int | None,
                    ends: str | None) -> Report | None:
    """Move the taker's open case to `to`, the reporter's notice queued with it."""
    changed = await store.change(services.db, report.id, actor=actor, now=now, kind=kind,
                                 expect=Status.ACKNOWLEDGED, to=to, detail=text,
                                 expect_taker=report.taken_by, also=[told],
                                 update_id=update_id, ends=ends)
    if changed is not None:
        services.wake()
    return changed


async def resolve(services: Services, report: Report, actor: int, text: str,
                  now: datetime, update_id: int | None = None,
                  ends: str | None = None) -> Report | None:
    """The case is resolved: the reporter hears the outcome and is asked if help came. Once
    for the update `update_id` it was typed in (handled again after a crash, the case has
    moved and nothing is done); the actor's flow `ends` with it, in the same transaction."""
    lang = services.lang_of(await people.get(services.db, report.reporter_id))
    told = await routing.to_reporter(services, report, "triage.reporter.resolved",
                                     case_buttons.feedback(services, lang, report),
                                     outcome=text)
    return await _conclude(services, report, actor, text, "resolved", Status.RESOLVED, told,
                           now, update_id, ends)


async def refer(services: Services, report: Report, actor: int, text: str,
                now: datetime, update_id: int | None = None,
                ends: str | None = None) -> Report | None:
    """The case is referred elsewhere: the reporter hears (once, as resolve)."""
    told = await routing.to_reporter(services, report, "triage.reporter.referred")
    return await _conclude(services, report, actor, text, "referred", Status.REFERRED, told,
                           now, update_id, ends)


async def close(services: Services, report: Report, actor: Person, detail: str, key: str,
                other_ref: str, now: datetime, update_id: int | None = None,
                ends: str | None = None) -> Report | None:
    """Close the case (the reporter hears why) and tidy its cards; None if it moved. Once,
    as resolve."""
    told = await routing.to_reporter(services, report, key, other=other_ref)
    changed = await store.change(services.db, report.id, actor=actor.telegram_id, now=now,
                                 kind="closed", expect=report.status, to=Status.CLOSED,
                                 detail=detail, also=[told], update_id=update_id,
                                 ends=ends)
    if changed is not None:
        await routing.settle(services, changed, actor, now)
    return changed
