"""Messages about reports to people other than the one acting, queued in the outbox.

A new report goes to the workers of its community and to the coordinators as a card (need to
know: no address, phone, name or whole text); once someone has the case every copy of the card
is edited down to "taken"; the worker who gets a case from someone else gets its details; the
reporter hears at each step. Everything here is queued (storage/outbox.py) and delivered by
the sender task, so no handler waits for messages to others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from bot.domain.people import Person, Role
from bot.domain.reports import Report, Status
from bot.domain.triage import escalation_level_due
from bot.services import case_buttons, report_texts, withdrawals
from bot.services.context import Services
from storage import outbox, people, reports
from storage import triage as store
from storage.outbox import Outgoing

UNLESS_TAKEN = "unless_taken"  # Outgoing.after: a card, sent only while the report is new
CASE_VIEW = "case_view"  # Outgoing.after: sent only if the chat may still see this report
# Outgoing.after: written to the chat for a staff role ("worker": any staff, "coordinator");
# sent only if the chat still holds it (access.holds): access ends the moment a role ends.
FOR_ROLE = "for_role"
# Outgoing.after: the reporter's reply, [report id, history entry id]: it goes to whoever
# holds the case as it goes out (worded again for them if the case changed hands while it
# waited; the reporter hears if nobody holds it any more).
TO_HOLDER = "to_holder"


def as_worker() -> dict[str, str]:
    """Outgoing.after of a message to a worker (or a coordinator) as staff."""
    return {FOR_ROLE: Role.WORKER.value}


def as_coordinator() -> dict[str, str]:
    """Outgoing.after of a message to the coordinators (each, or their group chat)."""
    return {FOR_ROLE: Role.COORDINATOR.value}


ROUTE = "route"
ESCALATION = "escalation"


async def coordinator_targets(services: Services) -> list[tuple[int, str]]:
    """(chat id, language) of where coordinators are told: their group, else each one who
    has opened the bot (Telegram refuses messages to someone who never has)."""
    settings = services.settings
    if settings.coordinator_chat is not None:
        return [(settings.coordinator_chat, settings.language)]
    found = []
    for who in sorted(settings.coordinators):
        person = await people.get(services.db, who)
        if person is not None:
            found.append((who, services.lang_of(person)))
    return found


async def coordinators_not_started(services: Services) -> list[int]:
    """Configured coordinators who have never opened the bot (nothing can reach them yet)."""
    return [who for who in sorted(services.settings.coordinators)
            if await people.get(services.db, who) is None]


async def cards(services: Services, report: Report,
                heading: str = "triage.notice.new") -> list[Outgoing]:
    """The new-report card for each worker of the report's community and the coordinators
    (`heading`: its first line, a catalog key)."""
    targets = await store.people_by_ids(services.db,
                                        await store.route_targets(services.db, report.area_id))
    chats: list[tuple[int, str, bool]] = [
        (who, services.lang_of(person), False) for who, person in targets.items()
        if person.reachable and who != report.reporter_id]
    chats += [(chat, lang, True) for chat, lang in await coordinator_targets(services)]
    out = []
    # Per language and audience: area, card text, line (a voice is heard differently).
    worded: dict[tuple[str, bool], tuple[str, str, str]] = {}
    for chat_id, lang, coordinators in chats:
        if (lang, coordinators) not in worded:
            worded[lang, coordinators] = (
                await report_texts.area_name(services, lang, report),
                services.t(lang, heading) + "\n"
                + await report_texts.card(services, lang, report, coordinator=coordinators),
                report_texts.card_line(services, lang, report, coordinator=coordinators))
        area, text, line = worded[lang, coordinators]
        out.append(Outgoing(
            chat_id, text, _rows(case_buttons.take(services, lang, report, assign=coordinators)),
            lang, group=f"card:{report.area_id or 0}",
            item={"line": line, "values": {"area": area},
                  "buttons": case_buttons.take_named(services, lang, report)},
            after={"notice": [report.id, ROUTE], UNLESS_TAKEN: report.id,
                   **(as_coordinator() if coordinators else as_worker())},
            origin=report.reporter_id))
    return out


async def route(services: Services, report: Report, now: datetime,
                heading: str = "triage.notice.new") -> int:
    """Queue the report's cards and mark it routed, in one transaction; return how many.
    A report offered before (moved to another community with its own) is carded only to
    those who hold no live card of it, and the cards of workers it is no longer for are
    settled, saying where it went (a press there would be refused)."""
    live = await store.notices(services.db, report.id)
    held = {notice.chat_id for notice in live}
    messages = [m for m in await cards(services, report, heading) if m.chat_id not in held]
    targets = set(await store.route_targets(services.db, report.area_id))
    leaving = [n for n in live
               if n.chat_id not in targets and not _for_coordinators(services, n.chat_id)]
    edits = [await _moved_away(services, report, notice) for notice in leaving]
    async with services.db.transaction() as tx:
        await outbox.put(tx, [*messages, *edits], now)
        await store.settle_chat_notices_in(tx, report.id, {n.chat_id for n in leaving})
        await store.mark_routed_in(tx, report.id, now)
    services.wake()
    return len(messages)


async def _moved_away(services: Services, report: Report, notice: store.Notice) -> Outgoing:
    """A card of a report now of a community its reader does not serve, edited to say where
    it went, without its button."""
    lang = await _lang_of_chat(services, notice.chat_id)
    together = await store.reports_in_message(services.db, notice.chat_id, notice.message_id)
    if len(together) > 1:
        return await _merged_edit(services, lang, notice, together)
    area = await report_texts.area_name(services, lang, report)
    text = (await report_texts.card(services, lang, report) + "\n"
            + services.t(lang, "triage.notice.moved_away", area=area))
    return Outgoing(notice.chat_id, text, (), lang, op="edit",
                    target={"message_id": notice.message_id}, after=as_worker())


async def _lang_of_chat(services: Services, chat_id: int) -> str:
    """The language of a chat's person (a group's: the deployment's)."""
    if chat_id > 0:
        return services.lang_of(await people.get(services.db, chat_id))
    return services.settings.language


async def settle(services: Services, report: Report, taker: Person | None,
                 now: datetime) -> None:
    """Edit every card of the report to say who has it, without its button."""
    name = taker.display_name if taker else "?"
    edits: list[Outgoing] = []
    for notice in await store.notices(services.db, report.id):
        lang = await _lang_of_chat(services, notice.chat_id)
        together = await store.reports_in_message(services.db, notice.chat_id,
                                                  notice.message_id)
        if len(together) > 1:
            edits.append(await _merged_edit(services, lang, notice, together))
            continue
        text = (await report_texts.card(services, lang, report) + "\n"
                + services.t(lang, "triage.notice.taken_by", name=name))
        edits.append(Outgoing(notice.chat_id, text, (), lang, op="edit",
                              target={"message_id": notice.message_id}, after=as_worker()))
    async with services.db.transaction() as tx:
        await outbox.put(tx, edits, now)
        await store.settle_notices_in(tx, report.id)
    services.wake()


def withdrawn(services: Services, chat_id: int, lang: str,
              message_ids: list[int]) -> list[Outgoing]:
    """The Take cards still live in the chat of someone whose duty ended, each edited down
    to one line without its button: the summary leaves their chat with the role. (No role
    check at delivery: it takes away, it shows nothing.)"""
    text = services.t(lang, "triage.notice.withdrawn")
    return [Outgoing(chat_id, text, (), lang, op="edit", target={"message_id": message_id})
            for message_id in message_ids]


async def _merged_edit(services: Services, lang: str, notice: store.Notice,
                       report_ids: list[int]) -> Outgoing:
    """A merged card redrawn: taken reports say so, those moved to a community its reader
    does not serve too, the others keep their Take button."""
    found = [r for r in [await reports.get(services.db, i) for i in report_ids] if r]
    area = await report_texts.area_name(services, lang, found[0])
    lines = [services.t(lang, "outbox.merged.card", count=len(found), area=area)]
    rows: list[list[tuple[str, str]]] = []
    coordinator = _for_coordinators(services, notice.chat_id)
    for item in found:
        line = report_texts.card_line(services, lang, item, coordinator=coordinator)
        if item.status is not Status.NEW:
            line += " " + services.t(lang, "triage.notice.taken_short")
        elif coordinator or notice.chat_id in await store.route_targets(services.db,
                                                                         item.area_id):
            rows += case_buttons.take_named(services, lang, item)
        else:
            line += " " + services.t(lang, "triage.notice.moved_short")
        lines.append(line)
    return Outgoing(notice.chat_id, "\n".join(lines), _rows(rows), lang, op="edit",
                    target={"message_id": notice.message_id}, after=as_worker())


def _for_coordinators(services: Services, chat_id: int) -> bool:
    """Whether a card in this chat was sent to coordinators (their group, or one of them)."""
    settings = services.settings
    return chat_id == settings.coordinator_chat or chat_id in settings.coordinators


async def details_for(services: Services, chat_id: int, report: Report,
                      heading_key: str, **values: object) -> list[Outgoing]:
    """Everything about a case for a worker who gets it from someone else: text, pin, photos."""
    lang = services.lang_of(await people.get(services.db, chat_id))
    text = await report_texts.details(services, lang, report,
                                      services.t(lang, heading_key, ref=report.ref, **values))
    # Sent only if they may still see the case when it goes out: a worker taken off duty,
    # or a case handed on, while the details waited (a flood wait, an outage) gets nothing.
    view = {CASE_VIEW: report.id}
    # All of it is the reporter's: an erasure of them withdraws what still waits. Each
    # message is recorded once delivered, to be taken back when the case is no longer theirs
    # (the text edited to one line, the pin and photos deleted).
    whose = report.reporter_id
    media = {**view, **withdrawals.case_media(report.id)}
    out = [Outgoing(chat_id, text, _rows(case_buttons.case(services, lang, report)), lang,
                    after={**view, **withdrawals.case_details(report.id)}, origin=whose)]
    if report.latitude is not None and report.longitude is not None:
        out.append(Outgoing(chat_id, lang=lang, op="location",
                            target={"latitude": report.latitude,
                                    "longitude": report.longitude}, after=media, origin=whose))
    out += [Outgoing(chat_id, lang=lang, op="photo", target={"file_id": file_id}, after=media,
                     origin=whose)
            for file_id in report.photos]
    return out + voice_for(chat_id, lang, report)


def voice_for(chat_id: int, lang: str, report: Report) -> list[Outgoing]:
    """The voice note the reporter said instead of typing, for someone who may see the case's
    details (checked again as it goes out: the same check as the details); none if there is
    none, or it was erased. The untaken card only says there is one (it may name people)."""
    if report.voice_file_id is None:
        return []
    # An audio file goes out as one: Telegram refuses its file id to sendVoice.
    said = {"file_id": report.voice_file_id, **({"audio": True} if report.voice_audio else {})}
    return [Outgoing(chat_id, lang=lang, op="voice", target=said,
                     after={CASE_VIEW: report.id, **withdrawals.case_media(report.id)},
                     origin=report.reporter_id)]


async def to_reporter(services: Services, report: Report, key: str,
                      buttons: case_buttons.Rows | None = None,
                      **values: object) -> Outgoing:
    """A message to the reporter about their report, in their language."""
    lang = services.lang_of(await people.get(services.db, report.reporter_id))
    rows = buttons if buttons is not None else []
    return Outgoing(report.reporter_id, services.t(lang, key, ref=report.ref, **values),
                    _rows(rows), lang)


async def to_worker(services: Services, chat_id: int, key: str,
                    values: Mapping[str, object] | None = None, *,
                    buttons: Callable[[str], case_buttons.Rows] | None = None) -> Outgoing:
    """A message to a worker (or coordinator) as staff, in their language (buttons built for
    that language); sent only if they are still on duty when it goes out."""
    values = values or {}
    lang = services.lang_of(await people.get(services.db, chat_id))
    rows = buttons(lang) if buttons is not None else []
    return Outgoing(chat_id, services.t(lang, key, **values), _rows(rows), lang,
                    after=as_worker())


def for_holder(report_id: int, event_id: int) -> dict[str, list[int]]:
    """Outgoing.after of the reporter's reply (history entry `event_id`) to a case's holder."""
    return {TO_HOLDER: [report_id, event_id]}


async def reply_for_holder(services: Services, report: Report, text: str,
                           event_id: int = 0) -> Outgoing:
    """The reporter's reply (history entry `event_id`) to whoever holds the case, in their
    language and with the case's buttons; addressed again as it goes out (TO_HOLDER)."""
    assert report.taken_by is not None
    lang = services.lang_of(await people.get(services.db, report.taken_by))
    who = services.t(lang, "triage.relay.anonymous" if report.anonymous
                     else "triage.relay.reporter")
    return Outgoing(report.taken_by,
                    services.t(lang, "triage.relay.to_worker", ref=report.ref, who=who,
                               text=text),
                    _rows(case_buttons.case(services, lang, report)), lang,
                    after=for_holder(report.id, event_id), origin=report.reporter_id)


async def to_coordinators(services: Services, key: str, *, report: Report | None = None,
                          group: str | None = None, line_key: str | None = None,
                          **values: object) -> list[Outgoing]:
    """A notice to every coordinator target (with the report's card, if given)."""
    out = []
    for chat_id, lang in await coordinator_targets(services):
        text = services.t(lang, key, **values)
        rows: case_buttons.Rows = []
        if report is not None:
            text += "\n" + await report_texts.card(services, lang, report, coordinator=True)
        item = {"line": services.t(lang, line_key, **values)} if line_key else {}
        out.append(Outgoing(chat_id, text, _rows(rows), lang, group=group, item=item,
                            after=as_coordinator(),
                            origin=report.reporter_id if report is not None else None))
    return out


async def send(services: Services, messages: list[Outgoing], now: datetime) -> None:
    """Queue messages in a transaction of their own and wake the sender."""
    await outbox.enqueue(services.db, messages, now)
    services.wake()


def _rows(rows: case_buttons.Rows) -> tuple[tuple[tuple[str, str], ...], ...]:
    return tuple(tuple(row) for row in rows)


def waited(services: Services, lang: str, minutes: int) -> str:
    """How long a report has waited, in minutes or hours."""
    if minutes < 120:
        return services.t(lang, "triage.minutes", count=minutes)
    return services.t(lang, "triage.hours", count=minutes // 60)


async def escalation_alerts(services: Services, report: Report, level: int,
                            now: datetime) -> list[Outgoing]:
    """The alert to every coordinator target that a report waited too long (minimal card)."""
    minutes = int((now - report.waiting_from).total_seconds() // 60)
    out = []
    for chat_id, lang in await coordinator_targets(services):
        text = (services.t(lang, f"triage.escalation.level{level}", ref=report.ref,
                           waited=waited(services, lang, minutes))
                + "\n" + await report_texts.card(services, lang, report, coordinator=True))
        out.append(Outgoing(chat_id, text,
                            _rows(case_buttons.take(services, lang, report, assign=True)), lang,
                            after={"notice": [report.id, ESCALATION],
                                   UNLESS_TAKEN: report.id, **as_coordinator()}))
    return out


async def escalate(services: Services, report: Report, level: int, now: datetime) -> bool:
    """Claim one escalation level and queue its alerts together; False if it already went."""
    alerts = await escalation_alerts(services, report, level, now)
    async with services.db.transaction() as tx:
        if not await store.claim_escalation_in(tx, report.id, level, now):
            return False
        await outbox.put(tx, alerts, now)
    services.wake()
    return True


async def finish_interrupted(services: Services, now: datetime, grace: timedelta) -> None:
    """Route reports whose routing was cut short (committed, then the process died), once
    the submitting handler has had `grace` to do it itself."""
    for report in await store.unrouted(services.db, now - grace):
        if report.status is Status.NEW:
            await route(services, report, now)
        else:
            await store.mark_routed(services.db, report.id, now)


async def escalate_waiting(services: Services, now: datetime) -> None:
    """Tell coordinators about reports nobody took in time (counted from when they last
    began to wait); each level goes out once each time a report waits."""
    settings = services.settings
    for report in await store.waiting(services.db):
        level = escalation_level_due(report.urgency, report.waiting_from, now,
                                     settings.escalate_urgent_minutes,
                                     settings.escalate_other_minutes)
        if level > report.escalation_level:
            await escalate(services, report, level, now)
