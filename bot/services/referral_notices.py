"""Referral cards and notices for workers, queued in the outbox (need to know: a Take card
carries the name, community, reason and deadline, never the phone or address)."""

from __future__ import annotations

from datetime import datetime

from bot.callbacks import CODEC, Choice, Int, Maybe, Pattern
from bot.domain.referrals import Action, Outcome, Stage, open_steps, priority, started
from bot.services import titles
from bot.services.context import Services
from bot.services.routing import as_worker
from storage import outbox, people
from storage import referrals as store
from storage.outbox import Outgoing
from storage.referrals import Referral

# rf:<action>:<referral>[:<arg>] — built here (cards queued for workers) and answered by
# bot/telegram/referrals.py; every press is checked again by a use case.
RF = CODEC.prefix("rf", "referrals")
VIEW, TAKE = RF.button("v", Int()), RF.button("tk", Int())
ASSIGN_MENU, ASSIGN_TO = RF.button("as", Int()), RF.button("aw", Int(), Int(16))
CALL = RF.button("c", Int(), Choice(("y", "n")))  # reached, or not
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
            rows.append([(t(lang, "referrals.button.reached"), CALL.data(rid, "y")),
                         (t(lang, "referrals.button.unreachable"), CALL.data(rid, "n"))])
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


async def route(services: Services, found: list[Referral], now: datetime) -> None:
    """Queue, for each community's workers, a Take card per new referral, or one summary when
    a list brings one worker more than CARDS_MAX at once (400 names are not 400 messages);
    the referrals are marked announced in the same transaction. Each goes out only while
    its worker is on duty."""
    db = services.db
    t = services.catalog.t
    per_worker: dict[int, list[Referral]] = {}
    for referral in found:
        for worker_id in await store.route_targets(db, referral.area_id):
            per_worker.setdefault(worker_id, []).append(referral)
    queued: list[Outgoing] = []
    for worker_id, theirs in per_worker.items():
        lang = services.lang_of(await people.get(db, worker_id))
        if len(theirs) > CARDS_MAX:
            queued.append(Outgoing(
                worker_id, t(lang, "referrals.notice.many", count=len(theirs),
                             focus=sum(1 for r in theirs if r.focus)),
                _tuple([[(t(lang, "referrals.button.open_list"), LIST.data(0))]]), lang,
                after=as_worker()))
            continue
        for referral in sorted(theirs, key=lambda r: priority(r.focus, r.due_on)):
            # A referral handed back part-screened says so: the next worker goes on from there.
            heading = "referrals.notice.back" if started(referral.state) else "referrals.notice.new"
            text = t(lang, heading) + "\n" + card(services, lang, referral, full=False)
            queued.append(Outgoing(worker_id, text,
                                   _tuple(take_rows(services, lang, referral, assign=False)),
                                   lang, after={"referral_notice": referral.id, **as_worker()}))
    async with db.transaction() as tx:
        await outbox.put(tx, queued, now)
        for referral in found:
            await store.mark_routed_in(tx, referral.id, now)
    services.wake()


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
        after={HOLDER_ONLY: referral.id})], now)
    services.wake()


async def route_unannounced(services: Services, now: datetime) -> None:
    """Queue the Take cards of referrals imported without the bot (the command line)."""
    found = await store.unrouted(services.db)
    if found:
        await route(services, found, now)
