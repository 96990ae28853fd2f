"""/referrals and /sources: agency lists imported, Take cards, the screening buttons, returns.

Buttons are rf:<action>:<referral>[:<arg>]; every press goes through a use case that re-reads
the referral and checks the presser's role and right to it. Take cards carry no phone or
address: those go only to the worker who has the referral, and to coordinators.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup, Message
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler

from bot.domain.access import Action
from bot.domain.people import Role
from bot.domain.periods import PeriodKind, period_containing, period_from_key
from bot.domain.referrals import (
    Application,
    Eligibility,
    Outcome,
    Stage,
    close_choices,
    quarter_key,
    started,
    toggle,
)
from bot.domain.reminding import pack
from bot.importing import plain
from bot.importing.households import MAX_BYTES
from bot.services import people, texts, withdrawals
from bot.services import referral_notices as notices
from bot.services import referrals as usecases
from bot.services.context import Services
from bot.services.referral_notices import (
    APPLY,
    ASSIGN_MENU,
    ASSIGN_TO,
    CALL,
    CLOSE,
    CLOSE_MENU,
    ELIGIBILITY,
    HOUSEHOLD,
    IMPORT,
    LIST,
    RETURN,
    RETURN_QUARTER,
    RETURN_SEND,
    RETURN_SOURCE,
    RF,
    SURVEY,
    TAKE,
    VIEW,
)
from bot.services.referrals import Referral
from bot.telegram import flows as flow_runner
from bot.telegram.commands import Command
from bot.telegram.context import Ctx, handler
from bot.telegram.flowkit import CODEC, Choice, Int, Refused, Step, StepFlow, Steps, on
from bot.telegram.household_ui import is_coordinator, short, today
from bot.telegram.keyboards import buttons, optional, pairs

if TYPE_CHECKING:
    from telegram.ext import Application as PtbApplication

    from bot.telegram.commands import CommandTable
    from bot.telegram.common import CommonHandlers
    from bot.telegram.flows import FlowRegistry

log = logging.getLogger(__name__)

# Presses only coordinators may make (the use cases check again).
COORDINATORS_ONLY = (IMPORT, RETURN, RETURN_SOURCE, RETURN_QUARTER, RETURN_SEND, ASSIGN_TO,
                     ASSIGN_MENU)

LIST_BUTTONS = 20
ERRORS_SHOWN = 25


# -- rendering ----------------------------------------------------------------------------------


def card(services: Services, lang: str, referral: Referral, *, full: bool) -> str:
    """A referral as text (see bot/services/referral_notices.py)."""
    return notices.card(services, lang, referral, full=full)


def step_markup(services: Services, lang: str, referral: Referral) -> InlineKeyboardMarkup | None:
    """The buttons of the steps that may come next."""
    return optional(notices.step_rows(services, lang, referral))


def take_markup(services: Services, lang: str, referral: Referral, *,
                assign: bool) -> InlineKeyboardMarkup:
    """Take (and Assign, for coordinators)."""
    return buttons(notices.take_rows(services, lang, referral, assign=assign))


async def _reply(ctx: Ctx, referral: Referral, text: str,
                 markup: InlineKeyboardMarkup | None) -> None:
    """Answer with a referral's public card (nothing to take back later)."""
    await ctx.reply(text, markup)


async def reply_full(ctx: Ctx, referral: Referral, text: str,
                     markup: InlineKeyboardMarkup | None) -> None:
    """Answer with a referral's full card (phone, address), remembered so that it is taken
    back when the referral is no longer the person's."""
    sent = await ctx.reply(text, markup)
    if sent is not None:
        await withdrawals.shown_referral(ctx.services, ctx.chat_id, sent.message_id,
                                         referral.id, ctx.now)


# -- the buttons --------------------------------------------------------------------------------


@dataclass
class Referrals:
    """/referrals, the rf: buttons, and the flows they start."""

    import_flow: ImportFlow
    eligibility_flow: EligibilityFlow

    async def refuse(self, ctx: Ctx, why: str, referral: Referral | None = None) -> None:
        """Say no, change nothing."""
        text = ctx.t(f"referrals.refused.{why}", ref=referral.ref if referral else "")
        await ctx.answer(plain(text)[:190], alert=True)
        await ctx.reply(text)

    async def list(self, ctx: Ctx) -> None:
        """/referrals: theirs and their communities' for workers; everything for coordinators."""
        found = await usecases.listing(ctx.services, ctx.person)
        if found is None:
            await ctx.reply(ctx.t("error.needs_role.worker"))
            return
        lines: list[str] = []
        rows: list[list[tuple[str, str]]] = []
        for key, group, icon in (("mine_all" if found.coordinator else "mine", found.mine, "📂"),
                                 ("untaken", found.untaken, "🆕")):
            if not group:
                continue
            lines.append(ctx.t(f"referrals.list.{key}", count=len(group)))
            for r in group:
                lines.append(ctx.t("referrals.list.line", ref=r.ref, name=r.name,
                                   area=r.area_name or ctx.t("referrals.no_area"),
                                   due=r.due_on.isoformat(), focus="❗" if r.focus else "",
                                   stage=ctx.t(f"referrals.stage.{r.stage.value}")))
                if len(rows) < LIST_BUTTONS:
                    rows.append([(f"{icon} {r.ref} {short(r.name, 10)}",
                                  VIEW.data(r.id))])
        if not lines:
            lines.append(ctx.t("referrals.list.none"))
        if found.coordinator:
            rows.append([(ctx.t("referrals.button.import"), IMPORT.data(0)),
                         (ctx.t("referrals.button.return"), RETURN.data(0))])
        messages = pack(lines)
        for n, message in enumerate(messages):
            last = n == len(messages) - 1
            await ctx.reply(message, buttons(rows) if last and rows else None)

    async def button(self, ctx: Ctx) -> None:
        """Dispatch rf:<action>:<id>[:<arg>[:<arg>]]; anything else is a stale button."""
        data = ctx.query.data if ctx.query and ctx.query.data else ""
        if not is_coordinator(ctx) and any(b.parse(data) is not None
                                           for b in COORDINATORS_ONLY):
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        if await self._coordinator_button(ctx, data) or await self._screen(ctx, data):
            return
        await self.step(ctx, data)

    async def _coordinator_button(self, ctx: Ctx, data: str) -> bool:
        """Import, the agency's return, assigning; False when `data` is none of these."""
        if IMPORT.parse(data) is not None:
            await ctx.answer()
            await self.start_import(ctx)
        elif RETURN.parse(data) is not None:
            await ctx.answer()
            await self.return_sources(ctx)
        elif (source := RETURN_SOURCE.parse(data)) is not None:
            await self.return_quarter(ctx, *source)
        elif (asked := RETURN_QUARTER.parse(data)) is not None:
            await self.return_confirm(ctx, *asked)
        elif (sent := RETURN_SEND.parse(data)) is not None:
            source_id, key, contacts = sent
            await self.return_send(ctx, source_id, key, contacts == "1")
        elif (chosen := ASSIGN_TO.parse(data)) is not None:
            await self.assign(ctx, *chosen)
        else:
            return False
        return True

    async def _screen(self, ctx: Ctx, data: str) -> bool:
        """A screen (the list, a card, a menu, a flow); False when `data` is none of these."""
        if LIST.parse(data) is not None:
            await ctx.answer()
            await self.list(ctx)
        elif (shown := VIEW.parse(data)) is not None:
            await self.view(ctx, *shown)
        elif (screened := ELIGIBILITY.parse(data)) is not None:
            await self.eligibility_flow.begin(ctx, *screened)
        elif (menu := ASSIGN_MENU.parse(data)) is not None:
            await self.assign_menu(ctx, *menu)
        elif (linked := HOUSEHOLD.parse(data)) is not None:
            await self.household(ctx, *linked)
        elif (closing := CLOSE_MENU.parse(data)) is not None:
            await self.close_menu(ctx, *closing)
        else:
            return False
        return True

    async def step(self, ctx: Ctx, data: str) -> None:
        """One recorded step on one referral (take, call, survey, apply, close)."""
        recorded = await _record(ctx, data)
        if recorded is None:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        action, done = recorded
        if done.refusal in CARD_STALE and done.referral is not None:
            await self.stale_card(ctx, done.refusal or "", done.referral)
            return
        if not done.ok or done.referral is None:
            await self.refuse(ctx, done.refusal or "moved", done.referral)
            return
        await ctx.answer()
        await self.after_step(ctx, action, done.referral)

    async def stale_card(self, ctx: Ctx, why: str, referral: Referral) -> None:
        """A press on a card that is no longer current: say so briefly, take the old buttons
        away and show the card as it is now, with the buttons that count."""
        await ctx.answer(ctx.t(f"referrals.refused.{why}", ref=referral.ref))
        await ctx.drop_keyboard()
        await reply_full(ctx, referral, ctx.t(f"referrals.stale.{why}", ref=referral.ref) + "\n"
                         + card(ctx.services, ctx.lang, referral, full=True),
                         step_markup(ctx.services, ctx.lang, referral))

    async def after_step(self, ctx: Ctx, action: str, referral: Referral) -> None:
        """Say what was recorded and show the next steps."""
        await ctx.drop_keyboard()
        if action == "tk":
            await notices.settle(ctx.services, referral, ctx.now)
            # Handed back part-screened: go on from where the last worker stopped.
            key = "referrals.taken_resume" if started(referral.state) else "referrals.taken"
            await reply_full(ctx, referral, ctx.t(key, ref=referral.ref) + "\n"
                             + card(ctx.services, ctx.lang, referral, full=True),
                             step_markup(ctx.services, ctx.lang, referral))
            return
        key = "referrals.done.step"
        if referral.outcome is Outcome.UNREACHABLE:
            key = "referrals.done.unreachable"
        elif referral.stage is Stage.CLOSED:
            key = "referrals.done.closed"
        elif action == "c" and referral.stage is Stage.ASSIGNED:
            key = "referrals.done.try_again"
        await reply_full(ctx, referral, ctx.t(key, ref=referral.ref, count=referral.attempts)
                         + "\n" + card(ctx.services, ctx.lang, referral, full=True),
                         step_markup(ctx.services, ctx.lang, referral))

    async def view(self, ctx: Ctx, referral_id: int) -> None:
        """One referral: the card, its steps, its history."""
        seen = await usecases.view(ctx.services, ctx.person, referral_id, ctx.now)
        referral = seen.done.referral
        if not seen.done.ok or referral is None:
            await self.refuse(ctx, seen.done.refusal or "no_referral", referral)
            return
        await ctx.answer()
        untaken = referral.worker_id is None and referral.stage is not Stage.CLOSED
        answer = reply_full if seen.full else _reply
        if untaken and not started(referral.state):
            await answer(ctx, referral, card(ctx.services, ctx.lang, referral, full=seen.full),
                         take_markup(ctx.services, ctx.lang, referral,
                                     assign=is_coordinator(ctx)))
            return
        lines = [card(ctx.services, ctx.lang, referral, full=seen.full), "",
                 ctx.t("referrals.history.title")]
        for event in seen.history[-12:]:
            lines.append(ctx.t("referrals.history.line", day=event.day.isoformat(),
                               what=ctx.t(f"referrals.event.{event.kind}")))
        await answer(ctx, referral, "\n".join(lines),
                     self._view_markup(ctx, referral, seen.full, untaken))

    def _view_markup(self, ctx: Ctx, referral: Referral, full: bool,
                     untaken: bool) -> InlineKeyboardMarkup | None:
        """Take (and Assign) for one nobody has; else its steps, and for coordinators a
        button to give it to another worker."""
        coordinator = is_coordinator(ctx)
        if untaken:
            return take_markup(ctx.services, ctx.lang, referral, assign=coordinator)
        rows = notices.step_rows(ctx.services, ctx.lang, referral) if full else []
        if coordinator:
            rows += notices.reassign_rows(ctx.services, ctx.lang, referral)
        return optional(rows)

    async def close_menu(self, ctx: Ctx, referral_id: int) -> None:
        """Choose the outcome to close with (the one the steps point to first)."""
        seen = await usecases.view(ctx.services, ctx.person, referral_id, ctx.now)
        referral = seen.done.referral
        if referral is None or not seen.done.ok:
            await self.refuse(ctx, seen.done.refusal or "no_referral", referral)
            return
        if referral.stage is Stage.CLOSED:
            await self.refuse(ctx, "closed", referral)
            return
        await ctx.answer()
        rows = [[(ctx.t(f"referrals.outcome.{o.value}"), CLOSE.data(referral.id, o))]
                for o in close_choices(referral.state)]
        await ctx.reply(ctx.t("referrals.ask.outcome", ref=referral.ref), buttons(rows))

    async def household(self, ctx: Ctx, referral_id: int, target: int | None) -> None:
        """Add the person to the registry, or offer the entry they may already be."""
        if target is not None:
            made = await usecases.link_household(ctx.services, ctx.person, referral_id,
                                                 target, ctx.now)
        else:
            made = await usecases.to_household(ctx.services, ctx.person, referral_id, ctx.now)
        referral = made.done.referral
        if made.matches and referral is not None and made.done.refusal == "in_registry":
            await ctx.answer()
            rows = [[(ctx.label("referrals.household.link", name=m.name,
                                area=m.area_name or ctx.label("referrals.no_area")),
                      HOUSEHOLD.data(referral.id, m.id))] for m in made.matches]
            await ctx.reply(ctx.t("referrals.household.found", ref=referral.ref,
                                  count=len(made.matches)), buttons(rows))
            return
        if not made.done.ok or referral is None:
            await self.refuse(ctx, made.done.refusal or "no_referral", referral)
            return
        await ctx.answer()
        await ctx.drop_keyboard()
        key = "referrals.household.linked" if target is not None else "referrals.household.made"
        await ctx.reply(ctx.t(key, ref=referral.ref, name=referral.name),
                        step_markup(ctx.services, ctx.lang, referral))

    async def assign_menu(self, ctx: Ctx, referral_id: int) -> None:
        """Coordinators: the workers of the referral's community first, then the others."""
        choices = await usecases.assign_choices(ctx.services, ctx.person, referral_id)
        referral = choices.done.referral
        if not choices.done.ok or referral is None:
            await self.refuse(ctx, choices.done.refusal or "no_referral", referral)
            return
        await ctx.answer()
        staff = choices.workers
        rows = [[(short(p.display_name, 20), ASSIGN_TO.data(referral.id, p.telegram_id))]
                for p in staff[:LIST_BUTTONS]]
        if not rows:
            await ctx.reply(ctx.t("referrals.assign.nobody"))
            return
        await ctx.reply(ctx.t("referrals.assign.choose", ref=referral.ref), buttons(rows))

    async def assign(self, ctx: Ctx, referral_id: int, worker_id: int) -> None:
        """Coordinators: give the referral to the chosen worker, who is told."""
        worker = await people.get(ctx.services, worker_id)
        done = await usecases.assign(ctx.services, ctx.person, referral_id, worker, ctx.now)
        referral = done.referral
        if not done.ok or referral is None or worker is None:
            await self.refuse(ctx, done.refusal or "no_referral", referral)
            return
        await ctx.answer()
        await ctx.drop_keyboard()
        await notices.settle(ctx.services, referral, ctx.now)
        await ctx.reply(ctx.t("referrals.assign.done", ref=referral.ref,
                              name=worker.display_name))
        await notices.assigned(ctx.services, worker.telegram_id, referral, ctx.now,
                               by=ctx.user_id)

    # -- import and the agency's return ------------------------------------------------------

    async def start_import(self, ctx: Ctx) -> None:
        """rf:im: begin the import flow."""
        await self.import_flow.start(ctx)

    async def return_sources(self, ctx: Ctx) -> None:
        """rf:rt: which agency to answer."""
        rows = [[(s.name, RETURN_SOURCE.data(s.id))] for s in await usecases.sources(ctx.services)]
        if not rows:
            await ctx.reply(ctx.t("referrals.sources.none_yet"))
            return
        await ctx.reply(ctx.t("referrals.return.source"), buttons(rows))

    async def return_quarter(self, ctx: Ctx, source_id: int) -> None:
        """rf:rs:<source>: this quarter or the last one."""
        await ctx.answer()
        this = period_containing(PeriodKind.QUARTER, today(ctx))
        rows = [[(texts.period_label(ctx.services, ctx.lang, p), RETURN_QUARTER.data(
            source_id, p.key))] for p in (this, this.previous())]
        await ctx.reply(ctx.t("referrals.return.quarter"), buttons(rows))

    async def return_confirm(self, ctx: Ctx, source_id: int, key: str) -> None:
        """rf:rq:<source>:<quarter>: with or without the people's phone and address."""
        if quarter_key(key) != key:  # callback data is user input: only a real quarter
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        await ctx.answer()
        rows = [[(ctx.t("referrals.return.without"), RETURN_SEND.data(source_id, key, "0"))],
                [(ctx.t("referrals.return.with"), RETURN_SEND.data(source_id, key, "1"))]]
        await ctx.reply(ctx.t("referrals.return.confirm", quarter=_quarter_name(ctx, key)),
                        buttons(rows))

    async def return_send(self, ctx: Ctx, source_id: int, key: str, contacts: bool) -> None:
        """rf:rc:<source>:<quarter>:<0|1>: build the spreadsheet and send it."""
        made = await usecases.agency_return_by_id(ctx.services, ctx.person, source_id, key,
                                                  ctx.now, contacts)
        if made.refusal is not None:
            await self.refuse(ctx, made.refusal)
            return
        await ctx.answer()
        await ctx.drop_keyboard()
        caption = ctx.t("referrals.return.caption", quarter=_quarter_name(ctx, key),
                        count=made.rows)
        if not await ctx.send_document(made.data, made.filename, caption):
            await ctx.reply(ctx.t("referrals.return.failed"))


def _quarter_name(ctx: Ctx, key: str) -> str:
    """A quarter's key (2026-Q4, checked by quarter_key) as people say it: 2026年第4季度."""
    return texts.period_label(ctx.services, ctx.lang, period_from_key(key))


# Refusals of a press made on an earlier state of the card: the current card is shown again.
CARD_STALE = frozenset({"recorded", "old_card"})

_APPLICATION = {"s": Application.SUBMITTED, "a": Application.APPROVED,
                "r": Application.REFUSED}


async def _record(ctx: Ctx, data: str) -> tuple[str, usecases.Done] | None:
    """Run the use case a step button asks for: (its action, what it did); None for a button
    that names no step."""
    s, person, now = ctx.services, ctx.person, ctx.now
    if (taken := TAKE.parse(data)) is not None:
        return TAKE.action, await usecases.take(s, person, *taken, now)
    if (called := CALL.parse(data)) is not None:
        referral_id, reached, seen = called
        return CALL.action, await usecases.call(s, person, referral_id, reached == "y", seen, now)
    if (surveyed := SURVEY.parse(data)) is not None:
        return SURVEY.action, await usecases.survey(s, person, *surveyed, now)
    if (applied := APPLY.parse(data)) is not None:
        return APPLY.action, await usecases.application(s, person, applied[0],
                                                        _APPLICATION[applied[1]], now)
    if (closed := CLOSE.parse(data)) is not None:
        return CLOSE.action, await usecases.close(s, person, *closed, now)
    return None


# -- flows --------------------------------------------------------------------------------------


RI = CODEC.prefix("ri", "importing a referral list in chat")
IMPORT_SOURCE = RI.button("s", Int())
RE = CODEC.prefix("re", "choosing a referral's eligibility")
TICK, SAVE = RE.button("t", Choice(Eligibility)), RE.button("ok")
SO = CODEC.prefix("so", "/sources")
SOURCE_ADD, SOURCE_END = SO.button("add"), SO.button("end")
SOURCE_RENAME, SOURCE_RETIRE = SO.button("rn", Int()), SO.button("rt", Int())


@dataclass
class ImportDraft:
    """The agency whose list is expected."""

    source: int = 0
    name: str = ""


class ImportFlow(StepFlow[ImportDraft]):
    """The coordinator picks the source, then sends the list; checked, then stored whole."""

    role = Role.COORDINATOR

    name = "refimport"
    callbacks = RI
    data_type = ImportDraft

    def __init__(self) -> None:
        self.steps = Steps({
            "source": Step(self._ask_source, buttons=(on(IMPORT_SOURCE, self._source),)),
            "file": Step(self._ask_file, self._file),
        })

    async def start(self, ctx: Ctx) -> None:
        """Ask which agency sent the list."""
        if not await ctx.may(Action.REFERRAL_IMPORT):
            await ctx.reply(ctx.t("error.needs_role.coordinator"))
            return
        if await self.busy(ctx, this_too=True):
            return
        if not await usecases.sources(ctx.services):
            # The first step is a choice among the agencies: with none, say how to add one.
            await ctx.reply(ctx.t("referrals.sources.none_yet"))
            return
        await self.goto(ctx, "source", ImportDraft())

    async def expect(self, ctx: Ctx, step: str) -> None:
        """A spreadsheet, after the source is chosen."""
        await ctx.reply(ctx.t("referrals.import.expect"))

    async def _ask_source(self, ctx: Ctx, draft: ImportDraft) -> None:
        rows = [[(s.name, IMPORT_SOURCE.data(s.id))] for s in await usecases.sources(ctx.services)]
        await ctx.reply(ctx.t("referrals.import.source"), buttons(rows) if rows else None)

    async def _ask_file(self, ctx: Ctx, draft: ImportDraft) -> None:
        await ctx.reply(ctx.t("referrals.import.ask", source=draft.name))

    async def _source(self, ctx: Ctx, draft: ImportDraft, source_id: int) -> Refused | None:
        source = await usecases.source(ctx.services, source_id)
        if source is None or source.retired:
            return Refused("error.stale_button")
        await self.goto(ctx, "file", ImportDraft(source.id, source.name))
        return None

    async def _file(self, ctx: Ctx, draft: ImportDraft, message: Message) -> bool:
        """Check and import the list; errors are listed and the flow waits for a fix."""
        document = message.document
        if document is None:
            return False
        if not await ctx.may(Action.REFERRAL_IMPORT):
            await self.end(ctx)
            await ctx.reply(ctx.t("error.needs_role.coordinator"))
            return True
        filename = document.file_name or "upload"
        if document.file_size and document.file_size > MAX_BYTES:
            await ctx.reply(ctx.t("import.refused", reason=ctx.t(
                "import.refusal.too_big", max_mb=MAX_BYTES // (1024 * 1024))))
            return True
        try:
            remote = await ctx.context.bot.get_file(document.file_id)
            data = bytes(await remote.download_as_bytearray())
        except TelegramError as exc:
            log.warning("could not download %s: %s", filename, exc)
            await ctx.reply(ctx.t("import.refused", reason=ctx.t("import.refusal.download")))
            return True
        outcome = await usecases.import_list(ctx.services, data, filename, draft.source, ctx.now,
                                             by=ctx.user_id)
        for part in pack(usecases.describe_import(ctx.services, ctx.lang, outcome, ERRORS_SHOWN)):
            await ctx.reply(part)
        if not outcome.stored:
            await ctx.reply(ctx.t("import.again"))
            return True
        await self.end(ctx)
        created = await usecases.many(ctx.services, outcome.created)
        await notices.route(ctx.services, created, ctx.now)
        return True


@dataclass
class EligibilityDraft:
    """The referral being screened and the eligibilities ticked so far."""

    referral: int = 0
    chosen: list[Eligibility] = field(default_factory=list)


class EligibilityFlow(StepFlow[EligibilityDraft]):
    """Several eligibilities ticked on buttons, then saved at once."""

    role = Role.WORKER

    name = "refelig"
    callbacks = RE
    data_type = EligibilityDraft

    def __init__(self) -> None:
        self.steps = Steps({"choose": Step(self._ask, buttons=(
            on(TICK, self._tick, keep=True), on(SAVE, self._save)))})

    async def start(self, ctx: Ctx) -> None:
        """Starts from a referral's button only."""
        await ctx.reply(ctx.t("referrals.use_buttons"))

    async def expect(self, ctx: Ctx, step: str) -> None:
        """Typed text while choosing: point to the buttons."""
        await ctx.reply(ctx.t("referrals.use_buttons"))

    async def begin(self, ctx: Ctx, referral_id: int) -> None:
        """rf:el:<id>: check the right to screen it, then ask."""
        seen = await usecases.view(ctx.services, ctx.person, referral_id, ctx.now)
        referral = seen.done.referral
        if referral is None or not seen.done.ok or not seen.full:
            await ctx.answer(ctx.t("referrals.refused.not_yours", ref=""), alert=True)
            return
        await ctx.answer()
        if await flow_runner.busy(ctx, self.name):
            return
        await self.goto(ctx, "choose", EligibilityDraft(
            referral.id, sorted(referral.eligibility, key=lambda e: e.value)))

    def _markup(self, ctx: Ctx, draft: EligibilityDraft) -> InlineKeyboardMarkup:
        chosen = set(draft.chosen)
        items = [(ctx.ticked(ctx.t(f"referrals.eligibility.{e.value}"), e in chosen),
                  TICK.data(e)) for e in Eligibility]
        return buttons([*pairs(items), [(ctx.t("referrals.button.save"), SAVE.data())]])

    async def _ask(self, ctx: Ctx, draft: EligibilityDraft) -> None:
        await ctx.reply(ctx.t("referrals.ask.eligibility"), self._markup(ctx, draft))

    async def _tick(self, ctx: Ctx, draft: EligibilityDraft,
                    eligibility: Eligibility) -> Refused | None:
        """Tick or untick one; the message is edited in place."""
        draft.chosen = sorted(toggle(frozenset(draft.chosen), eligibility), key=lambda e: e.value)
        await self.save(ctx, "choose", draft)
        await ctx.edit_or_reply(ctx.t("referrals.ask.eligibility"), self._markup(ctx, draft))
        return None

    async def _save(self, ctx: Ctx, draft: EligibilityDraft) -> Refused | None:
        done = await usecases.eligibility(ctx.services, ctx.person, draft.referral,
                                          frozenset(draft.chosen), ctx.now)
        if done.refusal == "choose_one":
            return Refused("referrals.refused.choose_one")
        await self.end(ctx)
        referral = done.referral
        if not done.ok or referral is None:
            await ctx.reply(ctx.t(f"referrals.refused.{done.refusal or 'moved'}",
                                  ref=referral.ref if referral else ""))
            return None
        await reply_full(ctx, referral, ctx.t("referrals.done.step", ref=referral.ref, count=0)
                         + "\n" + card(ctx.services, ctx.lang, referral, full=True),
                         step_markup(ctx.services, ctx.lang, referral))
        return None


@dataclass
class SourcesDraft:
    """The source being renamed."""

    source: int = 0
    name: str = ""


class SourcesFlow(StepFlow[SourcesDraft]):
    """/sources: the agencies that send lists; add, rename, retire."""

    role = Role.COORDINATOR

    name = "sources"
    callbacks = SO
    data_type = SourcesDraft

    def __init__(self) -> None:
        # The menu's buttons work at every step (a name half-asked is simply left).
        menu = (on(SOURCE_ADD, self._add), on(SOURCE_END, self._end),
                on(SOURCE_RENAME, self._rename), on(SOURCE_RETIRE, self._retire))
        self.steps = Steps({
            "menu": Step(self._ask_menu, buttons=menu),
            "add": Step(self._ask_name("add"), self._typed_name("add"), menu),
            "rename": Step(self._ask_name("rename"), self._typed_name("rename"), menu),
        })

    async def start(self, ctx: Ctx) -> None:
        """Show the sources with their buttons."""
        if await self.busy(ctx, this_too=True):
            return
        await self.goto(ctx, "menu", SourcesDraft())

    async def expect(self, ctx: Ctx, step: str) -> None:
        """Point to the buttons."""
        await ctx.reply(ctx.t("referrals.use_buttons"))

    async def _ask_menu(self, ctx: Ctx, draft: SourcesDraft) -> None:
        found = await usecases.sources(ctx.services)
        lines = [ctx.t("referrals.sources.title")]
        lines += [ctx.t("referrals.sources.line", name=s.name) for s in found]
        rows = [[(ctx.label("referrals.sources.rename", name=short(s.name, 12)),
                  SOURCE_RENAME.data(s.id)),
                 (ctx.label("referrals.sources.retire", name=short(s.name, 12)),
                  SOURCE_RETIRE.data(s.id))] for s in found[:LIST_BUTTONS]]
        rows.append([(ctx.t("referrals.sources.add"), SOURCE_ADD.data()),
                     (ctx.t("referrals.sources.done"), SOURCE_END.data())])
        await ctx.reply("\n".join(lines), buttons(rows))

    def _ask_name(self, step: str) -> Callable[[Ctx, SourcesDraft], Awaitable[None]]:
        async def ask(ctx: Ctx, draft: SourcesDraft) -> None:
            await ctx.reply(ctx.t(f"referrals.sources.ask_{step}",
                                  max=usecases.SOURCE_NAME_MAX, name=draft.name))
        return ask

    def _typed_name(self, step: str) -> Callable[[Ctx, SourcesDraft, Message],
                                                 Awaitable[bool]]:
        async def typed(ctx: Ctx, draft: SourcesDraft, message: Message) -> bool:
            text = message.text or ""
            if not text:
                return False
            if step == "add":
                why = await usecases.add_source(ctx.services, ctx.person, text, ctx.now)
            else:
                why = await usecases.rename_source(ctx.services, ctx.person, draft.source, text,
                                                   ctx.now)
            if why in ("bad_name", "name_taken"):
                await ctx.reply(ctx.t(f"referrals.sources.{why}",
                                      max=usecases.SOURCE_NAME_MAX, name=text[:40]))
                return True
            await ctx.reply(ctx.t(f"referrals.sources.{why or 'saved'}", name=text[:40]))
            await self.goto(ctx, "menu", SourcesDraft())
            return True
        return typed

    async def _add(self, ctx: Ctx, draft: SourcesDraft) -> Refused | None:
        await self.goto(ctx, "add", SourcesDraft())
        return None

    async def _end(self, ctx: Ctx, draft: SourcesDraft) -> Refused | None:
        await self.end(ctx)
        await ctx.reply(ctx.t("referrals.sources.closed"))
        return None

    async def _rename(self, ctx: Ctx, draft: SourcesDraft, source_id: int) -> Refused | None:
        source = await usecases.source(ctx.services, source_id)
        if source is None:
            return Refused("error.stale_button")
        await self.goto(ctx, "rename", SourcesDraft(source.id, source.name))
        return None

    async def _retire(self, ctx: Ctx, draft: SourcesDraft, source_id: int) -> Refused | None:
        source = await usecases.source(ctx.services, source_id)
        if source is None:
            return Refused("error.stale_button")
        why = await usecases.retire_source(ctx.services, ctx.person, source.id, ctx.now)
        await ctx.reply(ctx.t(f"referrals.sources.{why or 'retired'}", name=source.name))
        await self.goto(ctx, "menu", SourcesDraft())
        return None


# -- the feature --------------------------------------------------------------------------------


class ReferralsFeature:
    """/referrals (workers and coordinators), /sources (coordinators), and the buttons."""

    def register(self, app: PtbApplication, table: CommandTable,  # type: ignore[type-arg]
                 flow_registry: FlowRegistry, common: CommonHandlers) -> None:
        """Add the commands, the three flows and the rf: buttons."""
        import_flow, eligibility_flow, sources_flow = ImportFlow(), EligibilityFlow(), \
            SourcesFlow()
        feature = Referrals(import_flow, eligibility_flow)
        table.add(Command("referrals", Role.WORKER, feature.list, order=26))
        table.add(Command("sources", Role.COORDINATOR, sources_flow.start, order=67))
        for flow in (import_flow, eligibility_flow, sources_flow):
            flow_registry.add(flow)
        app.add_handler(CallbackQueryHandler(handler(feature.button), pattern=f"^{RF.name}:"))

