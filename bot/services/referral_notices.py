"""Referral cards and notices for workers, queued in the outbox (need to know: a Take card
carries the name, community, reason and deadline, never the phone or address); for the
coordinators when a referral's community has nobody on duty to take it."""

from __future__ import annotations

from datetime import datetime

from bot.callbacks import CODEC, Choice, Int, Maybe, Pattern
from bot.domain.people import Person, Role
from bot.domain.referrals import Action, Outcome, Stage, open_steps, priority, started
from bot.services import titles, withdrawals
from bot.services.context import Services
from bot.services.routing import as_coordinator, as_worker, coordinator_targets
from storage import outbox, people
from storage import referrals as store
from storage.outbox import Outgoing
from storage.referrals import Referral

# rf:<action>:<referral>[:<arg>] — built here (cards queued for workers) and answered by
# bot/telegram/referrals.py; every press is checked again by a use case.
RF = CODEC.prefix("rf", "referrals")
VIEW, TAKE = RF.button("v", Int()), RF.button("tk", Int())
ASSIGN_MENU, ASSIGN_TO = RF.button("as", Int()), RF.button("aw", Int(), Int(16))
# reached or not, [the failed calls the card showed]: a press on an older card, a quick
# second tap or a replay counts once. Cards before this release carry no count.
CALL = RF.button("c", Int(), Choice(("y", "n")), Maybe(Int(2)))
SURVEY, ELIGIBILITY = RF.button("sv", Int()), RF.button("el", Int())
APPLY = RF.button("ap", Int(), Choice(("s", "a", "r")))  # submitted, approved, refused
HOUSEHOLD = RF.button("hh", Int(), Maybe(Int()))  # [the registry entry it already is]
CLOSE_MENU, CLOSE = RF.button("cl", Int()), RF.button("co", Int(), Choice(Outcome))
LIST = RF.button("ls", Maybe(Int()))
IMPORT, RETURN = RF.button("im", Maybe(Int())), RF.button("rt", Maybe(Int()))
RETURN_SOURCE = RF.button("rs", Int())
QUARTER = Pattern(r"[0-9]{4}-Q[1-4]", 7)
RETURN_QUARTER = RF.button("rq", Int(), QUARTER)
RETURN_SEND = RF.button("rc", Int(), QUARTER, Choice(("0", "1")))  # with contacts: 1
CARDS_MAX = 8  # new referrals one worker gets as separate Take cards; more: one summary

Rows = list[list[tuple[str, str]]]

HOLDER_ONLY = "referral_holder"  # Outgoing.after: sent only to the referral's worker, on duty
# Outgoing.after of a summary: the ids of the referrals it names (recorded once it is sent).
SUMMARY_OF = "referral_summary"


def _focus(services: Services, lang: str, referral: Referral) -> str:
    t = services.catalog.t
    return services.t(lang, "list.separator").join(
        t(lang, f"referrals.focus.{f.value}") for f in sorted(referral.focus))


def card(services: Services, lang: str, referral: Referral, *, full: bool) -> str:
    """A referral as text: the public part, and with `full` contact details and progress."""
    t = services.catalog.t
    lines = [t(lang, "referrals.card.title", ref=referral.ref, name=referral.name,
               area=referral.area_name or t(lang, "referrals.no_area"),
               focus="❗" if referral.focus else ""),
             t(lang, "referrals.card.source", source=referral.source_name,
               received=referral.received_on.isoformat(), due=referral.due_on.isoformat())]
    if referral.focus:
        lines.append(t(lang, "referrals.card.focus", focus=_focus(services, lang, referral)))
    if referral.reason:
        lines.append(t(lang, "referrals.card.reason", reason=referral.reason))
    if not full:
        return "\n".join(lines + _progress(services, lang, referral))
    lines.append(t(lang, "referrals.card.contact", phone=referral.phone or "—",
                   address=referral.address or "—", last4=referral.id_last4 or "—"))
    lines.append(t(lang, "referrals.card.stage",
                   stage=t(lang, f"referrals.stage.{referral.stage.value}"),
                   worker=referral.worker_name or t(lang, "referrals.nobody")))
    if referral.attempts:
        lines.append(t(lang, "referrals.card.tries", count=referral.attempts))
    if referral.eligibility:
        lines.append(t(lang, "referrals.card.eligibility", found="、".join(
            t(lang, f"referrals.eligibility.{e.value}") for e in sorted(referral.eligibility))))
    if referral.application:
        lines.append(t(lang, "referrals.card.application",
                       status=t(lang, f"referrals.application.{referral.application.value}")))
    if referral.outcome:
        lines.append(t(lang, "referrals.card.outcome",
                       outcome=t(lang, f"referrals.outcome.{referral.outcome.value}")))
    if referral.household_id:
        lines.append(t(lang, "referrals.card.household"))
    return "\n".join(lines)


def _progress(services: Services, lang: str, referral: Referral) -> list[str]:
    """How far screening got, for a Take card of a referral handed back: the stage and the
    tries (what was found stays for whoever takes it, as the full card)."""
    if not started(referral.state):
        return []
    t = services.catalog.t
    lines = [t(lang, "referrals.card.progress",
               stage=t(lang, f"referrals.stage.{referral.stage.value}"))]
    if referral.attempts:
        lines.append(t(lang, "referrals.card.tries", count=referral.attempts))
    return lines


def step_rows(services: Services, lang: str, referral: Referral) -> Rows:
    """The buttons of the steps that may come next."""
    t = services.catalog.t
    rid = referral.id
    rows: Rows = []
    for action in open_steps(referral.state):
        if action is Action.CALL:
            tries = referral.attempts
            rows.append([(t(lang, "referrals.button.reached"), CALL.data(rid, "y", tries)),
                         (t(lang, "referrals.button.unreachable"),
                          CALL.data(rid, "n", tries))])
        elif action is Action.DECIDE:
            rows.append([(t(lang, "referrals.button.approved"), APPLY.data(rid, "a")),
                         (t(lang, "referrals.button.refused"), APPLY.data(rid, "r"))])
        else:
            data = {Action.SURVEY: SURVEY.data(rid), Action.ELIGIBILITY: ELIGIBILITY.data(rid),
                    Action.APPLY: APPLY.data(rid, "s"), Action.HOUSEHOLD: HOUSEHOLD.data(rid, None),
                    Action.CLOSE: CLOSE_MENU.data(rid)}[action]
            rows.append([(t(lang, f"referrals.button.{action.value}"), data)])
    return rows


def take_rows(services: Services, lang: str, referral: Referral, *, assign: bool) -> Rows:
    """Take (and Assign, for coordinators)."""
    t = services.catalog.t
    row = [(t(lang, "referrals.button.take"), TAKE.data(referral.id))]
    if assign:
        row.append((t(lang, "referrals.button.assign"), ASSIGN_MENU.data(referral.id)))
    return [row]


def reassign_rows(services: Services, lang: str, referral: Referral) -> Rows:
    """For coordinators, under a referral someone has: give it to another worker."""
    if referral.worker_id is None or referral.stage is Stage.CLOSED:
        return []
    return [[(services.t(lang, "referrals.button.reassign"), ASSIGN_MENU.data(referral.id))]]


def _tuple(rows: Rows) -> tuple[tuple[tuple[str, str], ...], ...]:
    return tuple(tuple(row) for row in rows)


async def route(services: Services, found: list[Referral],
                now: datetime) -> tuple[int, ...]:
    """Queue, for each community's workers on duty, a Take card per new referral, or one
    summary when a list brings one worker more than CARDS_MAX at once (400 names are not 400
    messages); a referral whose community has nobody on duty goes to the coordinators the
    same way, with Assign (a person nobody visits is lost otherwise). The referrals are marked
    announced in the same transaction. Each goes out only while its reader holds the role,
    and not to whoever still holds its live Take card (a referral moved with its community
    and its workers). Return the ids of those carded to the coordinators."""
    db = services.db
    back = await store.handed_back(db, [r.id for r in found])
    held = await store.card_holders(db, [r.id for r in found])
    per_worker, unstaffed = await _by_worker(services, found)
    queued: list[Outgoing] = []
    for worker_id, theirs in per_worker.items():
        if fresh := [r for r in theirs if worker_id not in held.get(r.id, set())]:
            lang = services.lang_of(await people.get(db, worker_id))
            queued += _for_worker(services, worker_id, lang, fresh, back)
    per_coordinator: dict[tuple[int, str], list[Referral]] = {}
    targets: dict[int | None, list[tuple[int, str]]] = {}  # per community
    for referral in unstaffed:
        if referral.area_id not in targets:
            targets[referral.area_id] = await _coordinators(services, referral.area_id)
        for target in targets[referral.area_id]:
            if target[0] not in held.get(referral.id, set()):
                per_coordinator.setdefault(target, []).append(referral)
    for (chat_id, lang), theirs in per_coordinator.items():
        queued += _for_coordinator(services, chat_id, lang, theirs)
    async with db.transaction() as tx:
        await outbox.put(tx, queued, now)
        for referral in found:
            await store.mark_routed_in(tx, referral.id, now)
    services.wake()
    return tuple(r.id for r in unstaffed)


async def _by_worker(services: Services, found: list[Referral]
                     ) -> tuple[dict[int, list[Referral]], list[Referral]]:
    """The referrals each worker on duty may take, and those nobody on duty may take."""
    per_worker: dict[int, list[Referral]] = {}
    unstaffed: list[Referral] = []
    takers: dict[int | None, list[int]] = {}  # per community: a list has many of each
    for referral in found:
        if referral.area_id not in takers:
            takers[referral.area_id] = await store.takers(services.db, referral.area_id)
        if not takers[referral.area_id]:
            unstaffed.append(referral)
        for worker_id in takers[referral.area_id]:
            per_worker.setdefault(worker_id, []).append(referral)
    return per_worker, unstaffed


def _for_worker(services: Services, worker_id: int, lang: str, theirs: list[Referral],
                back: set[int]) -> list[Outgoing]:
    """A worker's Take cards, or one summary; handed-back ones say so."""
    t = services.catalog.t
    if len(theirs) > CARDS_MAX:
        returned = sum(1 for r in theirs if r.id in back)
        focus = sum(1 for r in theirs if r.focus)
        # Handed back by a colleague who went off duty: said plainly, not as a new list.
        if returned == len(theirs):
            text = t(lang, "referrals.notice.many_back", count=len(theirs), focus=focus)
        else:
            text = t(lang, "referrals.notice.many", count=len(theirs), focus=focus)
            if returned:
                text += "\n" + t(lang, "referrals.notice.some_back", count=returned)
        return [_summary(services, worker_id, lang, text, theirs, as_worker())]
    out = []
    for referral in sorted(theirs, key=lambda r: priority(r.focus, r.due_on)):
        # A referral handed back part-screened says so: the next worker goes on from there.
        heading = "referrals.notice.back" if started(referral.state) else "referrals.notice.new"
        text = t(lang, heading) + "\n" + card(services, lang, referral, full=False)
        out.append(Outgoing(worker_id, text,
                            _tuple(take_rows(services, lang, referral, assign=False)),
                            lang, after={"referral_notice": referral.id, **as_worker()}))
    return out


def _for_coordinator(services: Services, chat_id: int, lang: str,
                     theirs: list[Referral]) -> list[Outgoing]:
    """The cards (Take and Assign) of referrals nobody of their community is on duty to
    take, or one summary."""
    t = services.catalog.t
    if len(theirs) > CARDS_MAX:
        text = t(lang, "referrals.notice.many_unstaffed", count=len(theirs),
                 focus=sum(1 for r in theirs if r.focus))
        return [_summary(services, chat_id, lang, text, theirs, as_coordinator())]
    return [Outgoing(chat_id, t(lang, "referrals.notice.unstaffed") + "\n"
                     + card(services, lang, referral, full=False),
                     _tuple(take_rows(services, lang, referral, assign=True)), lang,
                     after={"referral_notice": referral.id, **as_coordinator()})
            for referral in sorted(theirs, key=lambda r: priority(r.focus, r.due_on))]


def _summary(services: Services, chat_id: int, lang: str, text: str, theirs: list[Referral],
             role: dict[str, str]) -> Outgoing:
    """One message for many referrals, with the button to the list; recorded as naming
    each (SUMMARY), so that it is withdrawn with its reader's duty as a Take card is."""
    rows = [[(services.t(lang, "referrals.button.open_list"), LIST.data(0))]]
    return Outgoing(chat_id, text, _tuple(rows), lang,
                    after={SUMMARY_OF: [r.id for r in theirs], **role})


async def _coordinators(services: Services, area_id: int | None) -> list[tuple[int, str]]:
    """(chat, language) of the coordinators of the community (those who joined with it),
    else where every coordinator is told (their group, or each of them)."""
    local = []
    if area_id is not None:
        for who in sorted(services.settings.coordinators):
            person = await people.get(services.db, who)
            if person is not None and area_id in person.area_ids:
                local.append((who, services.lang_of(person)))
    return local or await coordinator_targets(services)


async def settle(services: Services, referral: Referral, now: datetime) -> None:
    """Queue edits of the Take cards to say who has the referral, without the button."""
    edits = []
    for chat_id, message_id in await store.unsettled_notices(services.db, referral.id):
        lang = services.lang_of(await people.get(services.db, chat_id))
        text = (card(services, lang, referral, full=False) + "\n"
                + services.t(lang, "referrals.notice.taken_by",
                             name=referral.worker_name or "?"))
        edits.append(Outgoing(chat_id, text, (), lang, op="edit",
                              target={"message_id": message_id}, after=as_worker()))
    await outbox.enqueue(services.db, edits, now)
    services.wake()


async def assigned(services: Services, worker_id: int, referral: Referral,
                   now: datetime, by: int | None = None) -> None:
    """Queue the full card for the worker a coordinator (`by`) gave the referral to."""
    lang = services.lang_of(await people.get(services.db, worker_id))
    signed = (await titles.signature(services, lang, by) if by is not None
              else services.catalog.plain(lang, "titles.by.generic"))
    heading = "referrals.assign.resume" if started(referral.state) else "referrals.assign.heading"
    text = (services.t(lang, heading, ref=referral.ref, by=signed) + "\n"
            + card(services, lang, referral, full=True))
    # The full card (phone, address) only if it is still theirs when it goes out (the outbox
    # asks again: a worker taken off duty, or a referral handed on meanwhile, gets nothing).
    await outbox.enqueue(services.db, [Outgoing(
        worker_id, text, _tuple(step_rows(services, lang, referral)), lang,
        after={HOLDER_ONLY: referral.id, **withdrawals.referral_details(referral.id)})], now)
    services.wake()


async def handed_away(services: Services, referral: Referral, to: Person,
                      by: int) -> Outgoing | None:
    """The line for the worker a coordinator (`by`) takes the referral from to give it to
    `to`, while they are on duty; None when nobody else had it, or a coordinator did (they
    may see every referral)."""
    holder = referral.worker_id
    if holder is None or holder == to.telegram_id:
        return None
    person = await people.get(services.db, holder)
    if person is None or services.role_of(person) is not Role.WORKER:
        return None
    lang = services.lang_of(person)
    text = services.t(lang, "referrals.handed_away", ref=referral.ref, name=to.display_name,
                      by=await titles.signature(services, lang, by))
    return Outgoing(holder, text, (), lang, after=as_worker())


async def route_unannounced(services: Services, now: datetime) -> None:
    """Queue the Take cards of referrals imported without the bot (the command line)."""
    found = await store.unrouted(services.db)
    if found:
        await route(services, found, now)
