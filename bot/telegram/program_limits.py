"""/programs: a coordinator limits a programme to household categories with toggle buttons.

pc:open:<programme>, pc:t:<programme>:<category>, pc:ok:<programme>. Each press checks the
coordinator role again and is saved at once (audited).
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup
from telegram.ext import Application, CallbackQueryHandler

from bot.domain.households import OFFERED_CATEGORIES, Category
from bot.services import program_limits as use
from bot.telegram.commands import CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx, handler
from bot.telegram.flows import FlowRegistry
from bot.telegram.household_ui import arg_int, buttons, is_coordinator, pairs, program_label

PREFIX = "pc"


def limit_line(ctx: Ctx, categories: tuple[Category, ...]) -> str:
    """Who a programme holds: only these categories, or every household."""
    if not categories:
        return ctx.t("programs.limit.everyone")
    return ctx.t("programs.limit.only", categories=ctx.join(
        [ctx.t(f"category.{c.value}") for c in categories]))


def limit_button(ctx: Ctx, program_id: int, name: str) -> tuple[str, str]:
    """The /programs button that opens a programme's limit."""
    return ctx.t("programs.limit.button", name=program_label(ctx, name)), \
        f"{PREFIX}:open:{program_id}"


class ProgramLimits:
    """The toggle view of one programme's categories."""

    def _view(self, ctx: Ctx, program_id: int, name: str,
              chosen: tuple[Category, ...]) -> tuple[str, InlineKeyboardMarkup]:
        text = ctx.t("programs.limit.ask", name=program_label(ctx, name)) + "\n" + \
            limit_line(ctx, chosen)
        items = [(("✅ " if c in chosen else "") + ctx.t(f"category.{c.value}"),
                  f"{PREFIX}:t:{program_id}:{c.value}") for c in OFFERED_CATEGORIES]
        return text, buttons([*pairs(items),
                              [(ctx.t("programs.limit.done"), f"{PREFIX}:ok:{program_id}")]])

    async def on_button(self, ctx: Ctx) -> None:
        """Open, toggle or finish; coordinators only, checked at every press."""
        parts = (ctx.query.data if ctx.query and ctx.query.data else "").split(":")
        action = parts[1] if len(parts) > 1 else ""
        program_id = arg_int(parts, 2)
        if not is_coordinator(ctx):
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        found = await use.program(ctx.services, program_id) if program_id is not None else None
        if found is None or action not in ("open", "t", "ok"):
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        program, chosen = found
        if action == "open":
            await ctx.answer()
            await ctx.reply(*self._view(ctx, program.id, program.name, chosen))
            return
        if action == "ok":
            await ctx.answer()
            await ctx.drop_keyboard()
            await ctx.reply(ctx.t("programs.limit.saved", name=program_label(ctx, program.name))
                            + "\n" + limit_line(ctx, chosen))
            return
        changed = await use.toggle(ctx.services, ctx.user_id, True, program.id,
                                   parts[3] if len(parts) > 3 else "")
        if changed is None:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        await ctx.answer()
        await ctx.edit_or_reply(*self._view(ctx, program.id, program.name, changed))


class ProgramLimitsFeature:
    """Registers the buttons that limit programmes to categories."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flow_registry: FlowRegistry, common: CommonHandlers) -> None:
        """Add the button handler (the buttons are offered by /programs)."""
        app.add_handler(CallbackQueryHandler(handler(ProgramLimits().on_button),
                                             pattern=f"^{PREFIX}:"))
