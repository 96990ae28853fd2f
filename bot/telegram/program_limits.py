"""/programs: a coordinator limits a programme to household categories with toggle buttons.

pc:open:<programme>, pc:t:<programme>:<category>, pc:ok:<programme>. Each press checks the
coordinator role again and is saved at once (audited).
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup
from telegram.ext import Application, CallbackQueryHandler

from bot.domain.access import Action
from bot.domain.households import OFFERED_CATEGORIES, Category
from bot.services import program_limits as use
from bot.telegram.commands import CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx, handler
from bot.telegram.flowkit import CODEC, Choice, Int
from bot.telegram.flows import FlowRegistry
from bot.telegram.household_ui import buttons, pairs, program_label

PC = CODEC.prefix("pc", "/programs: limit a programme to household categories")
OPEN = PC.button("open", Int())
TOGGLE = PC.button("t", Int(), Choice(Category))  # the use case refuses one not offered
DONE = PC.button("ok", Int())


def limit_line(ctx: Ctx, categories: tuple[Category, ...]) -> str:
    """Who a programme holds: only these categories, or every household."""
    if not categories:
        return ctx.t("programs.limit.everyone")
    return ctx.t("programs.limit.only", categories=ctx.join(
        [ctx.t(f"category.{c.value}") for c in categories]))


def limit_button(ctx: Ctx, program_id: int, name: str) -> tuple[str, str]:
    """The /programs button that opens a programme's limit."""
    return ctx.t("programs.limit.button", name=program_label(ctx, name)), \
        OPEN.data(program_id)


class ProgramLimits:
    """The toggle view of one programme's categories."""

    def _view(self, ctx: Ctx, program_id: int, name: str,
              chosen: tuple[Category, ...]) -> tuple[str, InlineKeyboardMarkup]:
        text = ctx.t("programs.limit.ask", name=program_label(ctx, name)) + "\n" + \
            limit_line(ctx, chosen)
        items = [(ctx.ticked(ctx.t(f"category.{c.value}"), c in chosen),
                  TOGGLE.data(program_id, c)) for c in OFFERED_CATEGORIES]
        return text, buttons([*pairs(items),
                              [(ctx.t("programs.limit.done"), DONE.data(program_id))]])

    async def on_button(self, ctx: Ctx) -> None:
        """Open, toggle or finish; coordinators only, checked at every press."""
        data = ctx.query.data if ctx.query and ctx.query.data else ""
        opened, toggled, done = OPEN.parse(data), TOGGLE.parse(data), DONE.parse(data)
        if not await ctx.may(Action.PROGRAMME_MANAGE):
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        program_id = (opened or done or toggled or (None,))[0]
        found = await use.program(ctx.services, program_id) if program_id is not None else None
        if found is None:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        program, chosen = found
        if opened is not None:
            await ctx.answer()
            await ctx.reply(*self._view(ctx, program.id, program.name, chosen))
            return
        if done is not None or toggled is None:
            await ctx.answer()
            await ctx.drop_keyboard()
            await ctx.reply(ctx.t("programs.limit.saved", name=program_label(ctx, program.name))
                            + "\n" + limit_line(ctx, chosen))
            return
        changed = await use.toggle(ctx.services, ctx.user_id, True, program.id,
                                   toggled[1].value)
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
                                             pattern=f"^{PC.name}:"))
