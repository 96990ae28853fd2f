"""/referrals and /sources: agency lists imported, Take cards, the screening buttons, returns.

Buttons are rf:<action>:<referral>[:<arg>]; every press goes through a use case that re-reads
the referral and checks the presser's role and right to it. Take cards carry no phone or
address: those go only to the worker who has the referral, and to coordinators.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup, Message
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler

from bot.domain.people import Role
from bot.domain.periods import PeriodKind, period_containing
from bot.domain.referrals import (
    Application,
    Eligibility,
    Outcome,
    Stage,
    close_choices,
    quarter_key,
    toggle,
)
from bot.domain.reminding import pack
from bot.importing import plain
from bot.importing.households import MAX_BYTES
from bot.services import referral_notices as notices
from bot.services import referrals as usecases
from bot.services.context import Services
from bot.telegram.commands import Command
from bot.telegram.context import Ctx, handler
from bot.telegram.household_ui import StaleAnswer, arg_int, is_coordinator, short, today
from bot.telegram.keyboards import buttons, optional
from storage import flows, people
from storage import referrals as store
from storage.flows import FlowState
from storage.referrals import Referral

if TYPE_CHECKING:
    from telegram.ext import Application as PtbApplication

    from bot.telegram.commands import CommandTable
    from bot.telegram.common import CommonHandlers
    from bot.telegram.flows import FlowRegistry

log = logging.getLogger(__name__)

PREFIX = "rf"
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
                                  f"{PREFIX}:v:{r.id}")])
        if not lines:
            lines.append(ctx.t("referrals.list.none"))
        if found.coordinator:
            rows.append([(ctx.t("referrals.button.import"), f"{PREFIX}:im:0"),
                         (ctx.t("referrals.button.return"), f"{PREFIX}:rt:0")])
        messages = pack(lines)
        for n, message in enumerate(messages):
            last = n == len(messages) - 1
            await ctx.reply(message, buttons(rows) if last and rows else None)

    async def button(self, ctx: Ctx) -> None:
        """Dispatch rf:<action>:<id>[:<arg>[:<arg>]]."""
        data = ctx.query.data if ctx.query and ctx.query.data else ""
        parts = [*data.split(":")[1:], "", "", "", ""]
        action, raw_id, arg, extra = parts[0], parts[1], parts[2], parts[3]
        number = arg_int([raw_id], 0)
        if number is None:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        coordinator_actions = {"im": self.start_import, "rt": self.return_sources}
        coordinators_only = action in coordinator_actions or action in ("rs", "rq", "rc", "aw",
                                                                         "as")
        if coordinators_only and not is_coordinator(ctx):
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        if action in coordinator_actions:
            await ctx.answer()
            await coordinator_actions[action](ctx)
            return
        if action == "rs":
            await self.return_quarter(ctx, number)
        elif action == "rq":
            await self.return_confirm(ctx, number, arg)
        elif action == "rc":
            await self.return_send(ctx, number, arg, extra == "1")
        else:
            await self.step(ctx, action, number, arg)

    async def step(self, ctx: Ctx, action: str, referral_id: int, arg: str) -> None:
        """One press on one referral: a screen (view, menus, a flow) or a recorded step."""
        if action == "ls":
            await ctx.answer()
            await self.list(ctx)
            return
        screens = {"v": self.view, "el": self.eligibility_flow.begin, "as": self.assign_menu,
                   "hh": self.household, "cl": self.close_menu}
        if action in screens:
            await screens[action](ctx, referral_id)
            return
        if action == "aw":
            await self.assign(ctx, referral_id, arg)
            return
        done = await _record(ctx, action, referral_id, arg)
        if done is None:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        if not done.ok or done.referral is None:
            await self.refuse(ctx, done.refusal or "moved", done.referral)
            return
        await ctx.answer()
        await self.after_step(ctx, action, done.referral)

    async def after_step(self, ctx: Ctx, action: str, referral: Referral) -> None:
        """Say what was recorded and show the next steps."""
        await ctx.drop_keyboard()
        if action == "tk":
            await notices.settle(ctx.services, referral, ctx.now)
            await ctx.reply(ctx.t("referrals.taken", ref=referral.ref) + "\n"
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
        await ctx.reply(ctx.t(key, ref=referral.ref, count=referral.attempts) + "\n"
                        + card(ctx.services, ctx.lang, referral, full=True),
                        step_markup(ctx.services, ctx.lang, referral))

    async def view(self, ctx: Ctx, referral_id: int) -> None:
        """One referral: the card, its steps, its history."""
        seen = await usecases.view(ctx.services, ctx.person, referral_id, ctx.now)
        referral = seen.done.referral
        if not seen.done.ok or referral is None:
            await self.refuse(ctx, seen.done.refusal or "no_referral", referral)
            return
        await ctx.answer()
        if referral.stage is Stage.NEW:
            await ctx.reply(card(ctx.services, ctx.lang, referral, full=seen.full),
                            take_markup(ctx.services, ctx.lang, referral,
                                        assign=is_coordinator(ctx)))
            return
        lines = [card(ctx.services, ctx.lang, referral, full=True), "",
                 ctx.t("referrals.history.title")]
        for event in seen.history[-12:]:
            lines.append(ctx.t("referrals.history.line", day=event.day.isoformat(),
                               what=ctx.t(f"referrals.event.{event.kind}")))
        markup = step_markup(ctx.services, ctx.lang, referral) if seen.full else None
        await ctx.reply("\n".join(lines), markup)

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
        rows = [[(ctx.t(f"referrals.outcome.{o.value}"), f"{PREFIX}:co:{referral.id}:{o.value}")]
                for o in close_choices(referral.state)]
        await ctx.reply(ctx.t("referrals.ask.outcome", ref=referral.ref), buttons(rows))

    async def household(self, ctx: Ctx, referral_id: int) -> None:
        """Add the person to the registry, or offer the entry they may already be."""
        parts = (ctx.query.data if ctx.query and ctx.query.data else "").split(":")
        target = arg_int(parts, 3)
        if target is not None:
            made = await usecases.link_household(ctx.services, ctx.person, referral_id,
                                                 target, ctx.now)
        else:
            made = await usecases.to_household(ctx.services, ctx.person, referral_id, ctx.now)
        referral = made.done.referral
        if made.matches and referral is not None and made.done.refusal == "in_registry":
            await ctx.answer()
            rows = [[(ctx.t("referrals.household.link", name=m.name,
                            area=m.area_name or ctx.t("referrals.no_area"))[:60],
                      f"{PREFIX}:hh:{referral.id}:{m.id}")] for m in made.matches]
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
        rows = [[(short(p.display_name, 20), f"{PREFIX}:aw:{referral.id}:{p.telegram_id}")]
                for p in staff[:LIST_BUTTONS]]
        if not rows:
            await ctx.reply(ctx.t("referrals.assign.nobody"))
            return
        await ctx.reply(ctx.t("referrals.assign.choose", ref=referral.ref), buttons(rows))

    async def assign(self, ctx: Ctx, referral_id: int, arg: str) -> None:
        """Coordinators: give the referral to the chosen worker, who is told."""
        worker_id = arg_int([arg], 0)
        worker = await people.get(ctx.db, worker_id) if worker_id is not None else None
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
        await notices.assigned(ctx.services, worker.telegram_id, referral, ctx.now)

    # -- import and the agency's return ------------------------------------------------------

    async def start_import(self, ctx: Ctx) -> None:
        """rf:im: begin the import flow."""
        await self.import_flow.start(ctx)

    async def return_sources(self, ctx: Ctx) -> None:
        """rf:rt: which agency to answer."""
        rows = [[(s.name, f"{PREFIX}:rs:{s.id}")] for s in await usecases.sources(ctx.services)]
        await ctx.reply(ctx.t("referrals.return.source"), buttons(rows) if rows else None)

    async def return_quarter(self, ctx: Ctx, source_id: int) -> None:
        """rf:rs:<source>: this quarter or the last one."""
        await ctx.answer()
        this = period_containing(PeriodKind.QUARTER, today(ctx))
        rows = [[(p.key, f"{PREFIX}:rq:{source_id}:{p.key}")] for p in (this, this.previous())]
        await ctx.reply(ctx.t("referrals.return.quarter"), buttons(rows))

    async def return_confirm(self, ctx: Ctx, source_id: int, key: str) -> None:
        """rf:rq:<source>:<quarter>: with or without the people's phone and address."""
        if quarter_key(key) != key:  # callback data is user input: only a real quarter
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        await ctx.answer()
        rows = [[(ctx.t("referrals.return.without"), f"{PREFIX}:rc:{source_id}:{key}:0")],
                [(ctx.t("referrals.return.with"), f"{PREFIX}:rc:{source_id}:{key}:1")]]
        await ctx.reply(ctx.t("referrals.return.confirm", quarter=key), buttons(rows))

    async def return_send(self, ctx: Ctx, source_id: int, key: str, contacts: bool) -> None:
        """rf:rc:<source>:<quarter>:<0|1>: build the spreadsheet and send it."""
        made = await usecases.agency_return_by_id(ctx.services, ctx.person, source_id, key,
                                                  ctx.now, contacts)
        if made.refusal is not None:
            await self.refuse(ctx, made.refusal)
            return
        await ctx.answer()
        await ctx.drop_keyboard()
        caption = ctx.t("referrals.return.caption", quarter=key, count=made.rows)
        try:
            await ctx.context.bot.send_document(ctx.chat_id, made.data, filename=made.filename,
                                                caption=caption, parse_mode="HTML")
        except TelegramError as exc:
            log.warning("agency return not sent: %s", exc)
            await ctx.reply(ctx.t("referrals.return.failed"))


_APPLICATION = {"s": Application.SUBMITTED, "a": Application.APPROVED,
                "r": Application.REFUSED}


async def _record(ctx: Ctx, action: str, referral_id: int, arg: str) -> usecases.Done | None:
    """Run the use case a step button asks for; None for a button that names no step."""
    s, person, now = ctx.services, ctx.person, ctx.now
    if action == "tk":
        return await usecases.take(s, person, referral_id, now)
    if action == "c" and arg in ("y", "n"):
        return await usecases.call(s, person, referral_id, arg == "y", now)
    if action == "sv":
        return await usecases.survey(s, person, referral_id, now)
    if action == "ap" and arg in _APPLICATION:
        return await usecases.application(s, person, referral_id, _APPLICATION[arg], now)
    if action == "co" and arg in set(Outcome):
        return await usecases.close(s, person, referral_id, Outcome(arg), now)
    return None


# -- flows --------------------------------------------------------------------------------------


@dataclass
class ImportFlow(StaleAnswer):
    """The coordinator picks the source, then sends the list; checked, then stored whole."""

    name: str = "refimport"
    prefix: str = "ri"

    async def start(self, ctx: Ctx) -> None:
        """Ask which agency sent the list."""
        if not is_coordinator(ctx):
            await ctx.reply(ctx.t("error.needs_role.coordinator"))
            return
        await self.ask(ctx, await ctx.save_flow(self.name, "source", {}))

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """Ask the question of the step."""
        if state.step == "source":
            rows = [[(s.name, f"{self.prefix}:s:{s.id}")]
                    for s in await usecases.sources(ctx.services)]
            await ctx.reply(ctx.t("referrals.import.source"), buttons(rows) if rows else None)
            return
        await ctx.reply(ctx.t("referrals.import.ask", source=state.data.get("name", "")))

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """ri:s:<source>."""
        source_id = arg_int(parts, 1)
        source = await store.source(ctx.db, source_id) if source_id is not None else None
        if state.step != "source" or source is None or source.retired:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        await ctx.answer()
        await ctx.drop_keyboard()
        state = await ctx.save_flow(self.name, "file", {"source": source.id,
                                                         "name": source.name})
        await self.ask(ctx, state)

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Check and import the list; errors are listed and the flow waits for a fix."""
        message: Message | None = ctx.message
        document = message.document if message else None
        if state.step != "file" or document is None:
            await ctx.reply(ctx.t("referrals.import.expect"))
            return
        if not is_coordinator(ctx):
            await flows.clear(ctx.db, ctx.user_id)
            await ctx.reply(ctx.t("error.needs_role.coordinator"))
            return
        filename = document.file_name or "upload"
        if document.file_size and document.file_size > MAX_BYTES:
            await ctx.reply(ctx.t("import.refused", reason=ctx.t(
                "import.refusal.too_big", max_mb=MAX_BYTES // (1024 * 1024))))
            return
        try:
            remote = await ctx.context.bot.get_file(document.file_id)
            data = bytes(await remote.download_as_bytearray())
        except TelegramError as exc:
            log.warning("could not download %s: %s", filename, exc)
            await ctx.reply(ctx.t("import.refused", reason=ctx.t("import.refusal.download")))
            return
        outcome = await usecases.import_list(ctx.services, data, filename,
                                             int(state.data.get("source", 0)), ctx.now,
                                             by=ctx.user_id)
        for part in pack(usecases.describe_import(ctx.services, ctx.lang, outcome, ERRORS_SHOWN)):
            await ctx.reply(part)
        if not outcome.stored:
            await ctx.reply(ctx.t("import.again"))
            return
        await flows.clear(ctx.db, ctx.user_id)
        created = [await store.get(ctx.db, referral_id) for referral_id in outcome.created]
        await notices.route(ctx.services, [r for r in created if r is not None], ctx.now)


@dataclass
class EligibilityFlow(StaleAnswer):
    """Several eligibilities ticked on buttons, then saved at once."""

    name: str = "refelig"
    prefix: str = "re"

    async def start(self, ctx: Ctx) -> None:
        """Starts from a referral's button only."""
        await ctx.reply(ctx.t("referrals.use_buttons"))

    async def begin(self, ctx: Ctx, referral_id: int) -> None:
        """rf:el:<id>: check the right to screen it, then ask."""
        seen = await usecases.view(ctx.services, ctx.person, referral_id, ctx.now)
        referral = seen.done.referral
        if referral is None or not seen.done.ok or not seen.full:
            await ctx.answer(ctx.t("referrals.refused.not_yours", ref=""), alert=True)
            return
        await ctx.answer()
        state = await flows.get(ctx.db, ctx.user_id)
        if state is not None and state.name != self.name:
            await ctx.reply(ctx.t("start.flow_waiting"))
            return
        chosen = sorted(e.value for e in referral.eligibility)
        await self.ask(ctx, await ctx.save_flow(self.name, "choose",
                                                {"referral": referral.id, "chosen": chosen}))

    def _chosen(self, state: FlowState) -> frozenset[Eligibility]:
        return frozenset(Eligibility(c) for c in state.data.get("chosen", [])
                         if c in set(Eligibility))

    async def ask(self, ctx: Ctx, state: FlowState, *, edit_it: bool = False) -> None:
        """The choices, ticked as chosen, and Save."""
        chosen = self._chosen(state)
        items = [((("✅ " if e in chosen else "") + ctx.t(f"referrals.eligibility.{e.value}")),
                  f"{self.prefix}:t:{e.value}") for e in Eligibility]
        rows = [items[i:i + 2] for i in range(0, len(items), 2)]
        rows.append([(ctx.t("referrals.button.save"), f"{self.prefix}:ok")])
        text = ctx.t("referrals.ask.eligibility")
        if edit_it:
            await ctx.edit_or_reply(text, buttons(rows))
        else:
            await ctx.reply(text, buttons(rows))

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """re:t:<code> ticks or unticks; re:ok saves."""
        action = parts[0] if parts else ""
        if action == "t" and len(parts) > 1 and parts[1] in set(Eligibility):
            chosen = toggle(self._chosen(state), Eligibility(parts[1]))
            state = await ctx.save_flow(self.name, "choose", {
                **state.data, "chosen": sorted(e.value for e in chosen)})
            await ctx.answer()
            await self.ask(ctx, state, edit_it=True)
            return
        if action != "ok":
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        done = await usecases.eligibility(ctx.services, ctx.person,
                                          int(state.data.get("referral", 0)),
                                          self._chosen(state), ctx.now)
        if done.refusal == "choose_one":
            await ctx.answer(ctx.t("referrals.refused.choose_one"), alert=True)
            return
        await flows.clear(ctx.db, ctx.user_id)
        referral = done.referral
        if not done.ok or referral is None:
            await ctx.answer()
            await ctx.reply(ctx.t(f"referrals.refused.{done.refusal or 'moved'}",
                                  ref=referral.ref if referral else ""))
            return
        await ctx.answer()
        await ctx.drop_keyboard()
        await ctx.reply(ctx.t("referrals.done.step", ref=referral.ref, count=0) + "\n"
                        + card(ctx.services, ctx.lang, referral, full=True),
                        step_markup(ctx.services, ctx.lang, referral))

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Typed text while choosing: point to the buttons."""
        await ctx.reply(ctx.t("referrals.use_buttons"))


@dataclass
class SourcesFlow(StaleAnswer):
    """/sources: the agencies that send lists; add, rename, retire."""

    name: str = "sources"
    prefix: str = "so"

    async def start(self, ctx: Ctx) -> None:
        """Show the sources with their buttons."""
        await self.ask(ctx, await ctx.save_flow(self.name, "menu", {}))

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """The list (menu), or the name being asked for."""
        if state.step in ("add", "rename"):
            await ctx.reply(ctx.t(f"referrals.sources.ask_{state.step}",
                                  max=usecases.SOURCE_NAME_MAX,
                                  name=state.data.get("name", "")))
            return
        found = await usecases.sources(ctx.services)
        lines = [ctx.t("referrals.sources.title")]
        lines += [ctx.t("referrals.sources.line", name=s.name) for s in found]
        rows = [[(ctx.t("referrals.sources.rename", name=short(s.name, 12)),
                  f"{self.prefix}:rn:{s.id}"),
                 (ctx.t("referrals.sources.retire", name=short(s.name, 12)),
                  f"{self.prefix}:rt:{s.id}")] for s in found[:LIST_BUTTONS]]
        rows.append([(ctx.t("referrals.sources.add"), f"{self.prefix}:add"),
                     (ctx.t("referrals.sources.done"), f"{self.prefix}:end")])
        await ctx.reply("\n".join(lines), buttons(rows))

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """so:add, so:rn:<id>, so:rt:<id>, so:end."""
        action = parts[0] if parts else ""
        source_id = arg_int(parts, 1)
        source = await store.source(ctx.db, source_id) if source_id is not None else None
        await ctx.answer()
        await ctx.drop_keyboard()
        if action == "end":
            await flows.clear(ctx.db, ctx.user_id)
            await ctx.reply(ctx.t("referrals.sources.closed"))
        elif action == "add":
            await self.ask(ctx, await ctx.save_flow(self.name, "add", {}))
        elif action == "rn" and source is not None:
            await self.ask(ctx, await ctx.save_flow(self.name, "rename", {
                "source": source.id, "name": source.name}))
        elif action == "rt" and source is not None:
            why = await usecases.retire_source(ctx.services, ctx.person, source.id, ctx.now)
            await ctx.reply(ctx.t(f"referrals.sources.{why or 'retired'}", name=source.name))
            await self.ask(ctx, await ctx.save_flow(self.name, "menu", {}))
        else:
            await ctx.reply(ctx.t("error.stale_button"))

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """The name typed at the add or rename step."""
        text = ctx.message.text if ctx.message and ctx.message.text else ""
        if state.step not in ("add", "rename") or not text:
            await ctx.reply(ctx.t("referrals.use_buttons"))
            return
        if state.step == "add":
            why = await usecases.add_source(ctx.services, ctx.person, text, ctx.now)
        else:
            why = await usecases.rename_source(ctx.services, ctx.person,
                                               int(state.data.get("source", 0)), text, ctx.now)
        if why in ("bad_name", "name_taken"):
            await ctx.reply(ctx.t(f"referrals.sources.{why}", max=usecases.SOURCE_NAME_MAX,
                                  name=text[:40]))
            return
        await ctx.reply(ctx.t(f"referrals.sources.{why or 'saved'}", name=text[:40]))
        await self.ask(ctx, await ctx.save_flow(self.name, "menu", {}))


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
        app.add_handler(CallbackQueryHandler(handler(feature.button), pattern=f"^{PREFIX}:"))

