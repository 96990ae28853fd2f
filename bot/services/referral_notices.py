"""Referral cards and notices for workers, queued in the outbox (need to know: a Take card
carries the name, community, reason and deadline, never the phone or address)."""

from __future__ import annotations

from datetime import datetime

from bot.domain.referrals import Action, open_steps, priority
from bot.services.context import Services
from storage import outbox, people
from storage import referrals as store
from storage.outbox import Outgoing
from storage.referrals import Referral

PREFIX = "rf"
CARDS_MAX = 8  # new referrals one worker gets as separate Take cards; more: one summary

Rows = list[list[tuple[str, str]]]


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
        return "\n".join(lines)
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


def step_rows(services: Services, lang: str, referral: Referral) -> Rows:
    """The buttons of the steps that may come next."""
    t = services.catalog.t
    rid = referral.id
    rows: Rows = []
    for action in open_steps(referral.state):
        if action is Action.CALL:
            rows.append([(t(lang, "referrals.button.reached"), f"{PREFIX}:c:{rid}:y"),
                         (t(lang, "referrals.button.unreachable"), f"{PREFIX}:c:{rid}:n")])
        elif action is Action.DECIDE:
            rows.append([(t(lang, "referrals.button.approved"), f"{PREFIX}:ap:{rid}:a"),
                         (t(lang, "referrals.button.refused"), f"{PREFIX}:ap:{rid}:r")])
        else:
            code = {Action.SURVEY: "sv", Action.ELIGIBILITY: "el", Action.APPLY: "ap",
                    Action.HOUSEHOLD: "hh", Action.CLOSE: "cl"}[action]
            arg = ":s" if action is Action.APPLY else ""
            rows.append([(t(lang, f"referrals.button.{action.value}"),
                          f"{PREFIX}:{code}:{rid}{arg}")])
    return rows


def take_rows(services: Services, lang: str, referral: Referral, *, assign: bool) -> Rows:
    """Take (and Assign, for coordinators)."""
    t = services.catalog.t
    row = [(t(lang, "referrals.button.take"), f"{PREFIX}:tk:{referral.id}")]
    if assign:
        row.append((t(lang, "referrals.button.assign"), f"{PREFIX}:as:{referral.id}"))
    return [row]


def _tuple(rows: Rows) -> tuple[tuple[tuple[str, str], ...], ...]:
    return tuple(tuple(row) for row in rows)


async def route(services: Services, found: list[Referral], now: datetime) -> None:
    """Queue, for each community's workers, a Take card per new referral, or one summary when
    a list brings one worker more than CARDS_MAX at once (400 names are not 400 messages);
    the referrals are marked announced in the same transaction."""
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
                _tuple([[(t(lang, "referrals.button.open_list"), f"{PREFIX}:ls:0")]]), lang))
            continue
        for referral in sorted(theirs, key=lambda r: priority(r.focus, r.due_on)):
            text = (t(lang, "referrals.notice.new") + "\n"
                    + card(services, lang, referral, full=False))
            queued.append(Outgoing(worker_id, text,
                                   _tuple(take_rows(services, lang, referral, assign=False)),
                                   lang, after={"referral_notice": referral.id}))
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
                              target={"message_id": message_id}))
    await outbox.enqueue(services.db, edits, now)
    services.wake()


async def assigned(services: Services, worker_id: int, referral: Referral,
                   now: datetime) -> None:
    """Queue the full card for the worker a coordinator gave the referral to."""
    lang = services.lang_of(await people.get(services.db, worker_id))
    text = (services.t(lang, "referrals.assign.heading", ref=referral.ref) + "\n"
            + card(services, lang, referral, full=True))
    await outbox.enqueue(services.db, [Outgoing(
        worker_id, text, _tuple(step_rows(services, lang, referral)), lang)], now)
    services.wake()
