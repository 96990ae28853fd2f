"""Use cases of one case (a report someone works on): take, assign, release, refer, note,
relay a message, conclude, close, and the reporter's feedback.

A change and the messages it owes are queued in one transaction, so nobody hears of a
change that did not happen. The handlers check the right to act first (case_checks.check).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain.paging import Page, page_of
from bot.domain.people import Person
from bot.domain.reports import Event, Report, Status
from bot.services import case_buttons, routing
from bot.services.context import Services
from storage import areas, people, reports
from storage import triage as store
from storage.outbox import Outgoing
from storage.triage import Taken


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
    told = await routing.to_reporter(services, report, "triage.reporter.taken")
    if actor is None:
        return await store.take(services.db, report.id, worker, now, also=[told])
    return await store.take(services.db, report.id, worker, now, kind="assigned",
                            actor=actor, also=[told])


async def release(services: Services, report: Report, actor: int,
                  now: datetime) -> Report | None:
    """Give the case back (untaken again); None if it moved meanwhile."""
    return await store.change(services.db, report.id, actor=actor, now=now, kind="released",
                              expect=Status.ACKNOWLEDGED, to=Status.NEW,
                              expect_taker=report.taken_by, keep_taker=False)


async def confirm_helped(services: Services, report: Report, actor: int,
                         now: datetime) -> None:
    """The reporter says help arrived."""
    await store.add_event(services.db, report.id, actor, "confirmed", now)


async def reopen(services: Services, report: Report, actor: int,
                 now: datetime) -> Report | None:
    """Help did not arrive: the case is open again, and the coordinators and its worker are
    told in the same transaction; None if it moved meanwhile."""
    after = replace(report, status=Status.ACKNOWLEDGED)
    queued = await routing.to_coordinators(services, "triage.feedback.coordinators",
                                           report=after, ref=after.ref)
    if after.taken_by is not None:
        queued.append(await routing.to_worker(
            services, after.taken_by, "triage.feedback.worker", {"ref": after.ref},
            buttons=lambda lang: case_buttons.case(services, lang, after)))
    reopened = await store.change(services.db, report.id, actor=actor, now=now,
                                  kind="reopened", expect=Status.RESOLVED,
                                  to=Status.ACKNOWLEDGED, also=queued)
    if reopened is not None:
        services.wake()
    return reopened


async def refer_to(services: Services, report: Report, target: Person, actor: Person,
                   now: datetime) -> Report | None:
    """Hand the taker's case to another worker; they get the details and the reporter
    hears. None if the case moved meanwhile."""
    assert report.taken_by is not None
    # The messages are written for the case as it will be, and queued with the handover.
    after = replace(report, taken_by=target.telegram_id, taken_at=now)
    queued = await routing.details_for(services, target.telegram_id, after,
                                       "triage.refer.heading", name=actor.display_name)
    queued.append(await routing.to_reporter(services, after, "triage.reporter.reassigned"))
    moved = await store.reassign(services.db, report.id, report.taken_by, target.telegram_id,
                                 actor=actor.telegram_id, now=now, also=queued)
    if moved is not None:
        services.wake()
    return moved


async def note(services: Services, report: Report, actor: int, text: str,
               now: datetime) -> None:
    """A note on the case, for its history."""
    await store.add_event(services.db, report.id, actor, "note", now, text)


async def relay(services: Services, report: Report, actor: int, kind: str, text: str,
                message: Outgoing, now: datetime) -> None:
    """A message between worker and reporter: on the case's history, and queued."""
    await store.add_event(services.db, report.id, actor, kind, now, text, also=[message])
    services.wake()


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
                    to: Status, told: Outgoing, now: datetime) -> Report | None:
    """Move the taker's open case to `to`, the reporter's notice queued with it."""
    changed = await store.change(services.db, report.id, actor=actor, now=now, kind=kind,
                                 expect=Status.ACKNOWLEDGED, to=to, detail=text,
                                 expect_taker=report.taken_by, also=[told])
    if changed is not None:
        services.wake()
    return changed


async def resolve(services: Services, report: Report, actor: int, text: str,
                  now: datetime) -> Report | None:
    """The case is resolved: the reporter hears the outcome and is asked if help came."""
    lang = services.lang_of(await people.get(services.db, report.reporter_id))
    told = await routing.to_reporter(services, report, "triage.reporter.resolved",
                                     case_buttons.feedback(services, lang, report),
                                     outcome=text)
    return await _conclude(services, report, actor, text, "resolved", Status.RESOLVED, told,
                           now)


async def refer(services: Services, report: Report, actor: int, text: str,
                now: datetime) -> Report | None:
    """The case is referred elsewhere: the reporter hears."""
    told = await routing.to_reporter(services, report, "triage.reporter.referred")
    return await _conclude(services, report, actor, text, "referred", Status.REFERRED, told,
                           now)


async def close(services: Services, report: Report, actor: Person, detail: str, key: str,
                other_ref: str, now: datetime) -> Report | None:
    """Close the case (the reporter hears why) and tidy its cards; None if it moved."""
    told = await routing.to_reporter(services, report, key, other=other_ref)
    changed = await store.change(services.db, report.id, actor=actor.telegram_id, now=now,
                                 kind="closed", expect=report.status, to=Status.CLOSED,
                                 detail=detail, also=[told])
    if changed is not None:
        await routing.settle(services, changed, actor, now)
    return changed
