"""/programs: coordinators see the programs and define new ones, as data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import Application

from bot.domain.cadence import Program
from bot.domain.people import Role
from bot.domain.programs import (
    NAME_MAX,
    OBLIGED_KINDS,
    build,
    next_period,
    rules_of,
    selection_of,
)
from bot.i18n import Html
from bot.services import program_limits
from bot.telegram.commands import Command, CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx
from bot.telegram.flows import FlowRegistry
from bot.telegram.household_ui import program_label
from bot.telegram.program_limits import limit_button, limit_line
from storage import flows, pairings
from storage.flows import FlowState

NAME = "programs"
PREFIX = "pg"
NAME_STEP, RULES_STEP = "name", "rules"


def describe(ctx: Ctx, program: Program) -> str:
    """One line per program: its name and what it owes."""
    chosen = selection_of(program)
    parts = [ctx.t("programs.rule", kind=ctx.t(f"kind.{kind}"),
                   period=ctx.t(f"programs.every.{period}"))
             for kind, period in chosen.items() if period]
    # `parts` are catalog texts with their values already escaped.
    return ctx.t("programs.line", name=program_label(ctx, program.name),
                 rules=Html(ctx.t("programs.separator").join(parts)))


@dataclass
class ProgramFlow:
    """Name the program, then tap each kind until it shows the period owed, then save."""

    name: str = NAME
    prefix: str = PREFIX

    async def show(self, ctx: Ctx) -> None:
        """Show the programs and offer to define a new one."""
        lines = [ctx.t("programs.title")]
        known = await pairings.programs(ctx.db)
        limited = await program_limits.limits(ctx.services)
        for program in known:
            lines += [describe(ctx, program), limit_line(ctx, limited.get(program.id, ()))]
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(ctx.t("programs.button.new"), callback_data=f"{PREFIX}:new")],
             *([InlineKeyboardButton(label, callback_data=data)]
               for label, data in (limit_button(ctx, p.id, p.name) for p in known[:20]))])
        await ctx.reply("\n".join(lines), markup)

    async def start(self, ctx: Ctx) -> None:
        """Begin defining a program: ask its name."""
        await self.ask(ctx, await ctx.save_flow(NAME, NAME_STEP, {}))

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """Ask the current step's question."""
        if state.step == NAME_STEP:
            await ctx.reply(ctx.t("programs.ask.name", max=NAME_MAX))
            return
        await ctx.reply(self._rules_text(ctx, state.data), self._rules_markup(ctx, state.data))

    def _rules_text(self, ctx: Ctx, data: dict[str, Any]) -> str:
        return ctx.t("programs.ask.rules", name=data.get("name", ""))

    def _rules_markup(self, ctx: Ctx, data: dict[str, Any]) -> InlineKeyboardMarkup:
        chosen: dict[str, str | None] = data.get("rules", {})
        rows = [[InlineKeyboardButton(
            ctx.t("programs.rule", kind=ctx.t(f"kind.{kind}"),
                  period=ctx.t(f"programs.every.{chosen.get(kind.value) or 'none'}")),
            callback_data=f"{PREFIX}:cyc:{kind.value}")] for kind in OBLIGED_KINDS]
        rows.append([InlineKeyboardButton(ctx.t("programs.button.save"),
                                          callback_data=f"{PREFIX}:save"),
                     InlineKeyboardButton(ctx.t("programs.button.cancel"),
                                          callback_data=f"{PREFIX}:cancel")])
        return InlineKeyboardMarkup(rows)

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Take the program's name; anything else gets what is expected."""
        message = ctx.message
        text = (message.text or "").strip() if message else ""
        if state.step != NAME_STEP:
            await ctx.reply(ctx.t("programs.expect.rules"))
            return
        if not text or len(text) > NAME_MAX:
            await ctx.reply(ctx.t("programs.ask.name", max=NAME_MAX))
            return
        known = await pairings.programs(ctx.db)
        if any(text in (p.name, program_label(ctx, p.name)) for p in known):
            await ctx.reply(ctx.t("programs.name_taken", name=text))
            return
        data = {"name": text, "rules": {kind.value: None for kind in OBLIGED_KINDS}}
        await self.ask(ctx, await ctx.save_flow(NAME, RULES_STEP, data))

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """Step a kind's period, save, or cancel."""
        action, arg = [*parts, "", ""][:2]
        data = state.data
        if not await self._coordinator(ctx):
            return
        if action == "new":
            await ctx.answer()
            await self.start(ctx)
            return
        if state.step != RULES_STEP or action not in ("cyc", "save", "cancel"):
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        if action == "cancel":
            await flows.clear(ctx.db, ctx.user_id)
            await ctx.answer()
            await ctx.edit_or_reply(ctx.t("programs.cancelled"))
        elif action == "cyc" and arg in {k.value for k in OBLIGED_KINDS}:
            data["rules"][arg] = next_period(data["rules"].get(arg))
            await ctx.save_flow(NAME, RULES_STEP, data)
            await ctx.answer()
            await ctx.edit_or_reply(self._rules_text(ctx, data), self._rules_markup(ctx, data))
        elif action == "save":
            await self._save(ctx, data)
        else:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)

    async def _save(self, ctx: Ctx, data: dict[str, Any]) -> None:
        try:
            build(data["name"], data["rules"])
        except ValueError:
            await ctx.answer(ctx.t("programs.need_rule"), alert=True)
            return
        program = await pairings.add_program(ctx.db, data["name"], rules_of(data["rules"]),
                                             ctx.now)
        await flows.clear(ctx.db, ctx.user_id)
        await ctx.answer()
        await ctx.edit_or_reply(ctx.t("programs.saved", line=Html(describe(ctx, program))))

    async def on_stale(self, ctx: Ctx, parts: list[str]) -> None:
        """The "new program" button starts the flow; other old buttons are stale."""
        if parts[:1] == ["new"] and await self._coordinator(ctx):
            await ctx.answer()
            await self.start(ctx)
            return
        await ctx.answer(ctx.t("error.stale_button"), alert=True)

    async def _coordinator(self, ctx: Ctx) -> bool:
        """Every press re-checks the role: a coordinator removed from config is refused."""
        if ctx.role is Role.COORDINATOR:
            return True
        await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
        return False


class ProgramsFeature:
    """Registers /programs and its flow."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flow_registry: FlowRegistry, common: CommonHandlers) -> None:
        """Add the command, the flow (its buttons start with `pg:`)."""
        flow = ProgramFlow()
        table.add(Command("programs", Role.COORDINATOR, flow.show, order=62))
        flow_registry.add(flow)
