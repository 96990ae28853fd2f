"""Households in chat: /households, /due, the service file and coordinator actions;
registers /log (logging_flow), /pair (pairing), editing (household_flow) and /import."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackQueryHandler

from bot.callbacks import Button
from bot.domain.access import Action
from bot.domain.cadence import ContactKind
from bot.domain.people import Role
from bot.services import households as changes
from bot.telegram.commands import Command, CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx, handler
from bot.telegram.flows import FlowRegistry
from bot.telegram.household_file import HouseholdViews
from bot.telegram.household_ui import (
    ADD,
    ARCHIVE,
    ARCHIVE_NO,
    ARCHIVE_YES,
    DU,
    EDIT,
    END_PAIRING,
    FIND,
    HF,
    HX,
    IMPORT,
    PAIR,
    RH,
    buttons,
    may,
    today,
)

if TYPE_CHECKING:
    from bot.telegram.household_flow import FindFlow, HouseholdFlow
    from bot.telegram.household_import import ImportFlow


# -- coordinator actions from the service file ---------------------------------------------------


class HouseholdActions:
    """hx:<action>:<arg>: add, find, import, edit, pair, archive, end a pairing."""

    def __init__(self, household_flow: HouseholdFlow, find: FindFlow, importer: ImportFlow,
                 views: HouseholdViews, pair_flow: Any) -> None:
        self.household_flow = household_flow
        self.find = find
        self.importer = importer
        self.views = views
        self.pair_flow = pair_flow

    async def on_button(self, ctx: Ctx) -> None:
        """Check the role, then act; forged or stale data is answered, never acted on."""
        data = ctx.query.data if ctx.query and ctx.query.data else ""
        if FIND.parse(data) is not None and ctx.role.is_staff:
            # A worker searches too: their own households only (FindFlow narrows it).
            await ctx.answer()
            await self.find.start(ctx)
            return
        if not await may(ctx, Action.HOUSEHOLD_MANAGE):
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        starts = ((ADD, self.household_flow.start), (FIND, self.find.start),
                  (IMPORT, self.importer.start))
        for button, start in starts:
            if button.parse(data) is not None:
                await ctx.answer()
                await start(ctx)
                return
        for button in (EDIT, PAIR, ARCHIVE, ARCHIVE_YES, ARCHIVE_NO):
            if (parsed := button.parse(data)) is not None:
                await ctx.answer()
                await self._on_household(ctx, button, parsed[0])
                return
        if (ending := END_PAIRING.parse(data)) is not None:
            await ctx.answer()
            await self._end(ctx, ending[0])
            return
        await ctx.answer(ctx.t("error.stale_button"), alert=True)

    async def _on_household(self, ctx: Ctx, button: Button[int], household_id: int) -> None:
        found = await changes.find(ctx.services, household_id)
        if found is None:
            await ctx.reply(ctx.t("file.not_found"))
            return
        if button is EDIT:
            await self.household_flow.edit(ctx, found)
        elif button is PAIR:
            await self.pair_flow.start_for(ctx, found)
        elif button is ARCHIVE and found.archived:  # an old file's button
            await ctx.reply(ctx.t("file.archive.already", name=found.name))
        elif button is ARCHIVE:
            await ctx.reply(ctx.t("file.archive.confirm", name=found.name), buttons([[
                (ctx.t("file.archive.yes"), ARCHIVE_YES.data(found.id)),
                (ctx.t("file.archive.no"), ARCHIVE_NO.data(found.id))]]))
        elif button is ARCHIVE_YES:
            await ctx.drop_keyboard()
            # Archived once: a second confirmation (or a second press) is told so.
            done = await changes.archive(ctx.services, ctx.user_id, found.id, today(ctx))
            await ctx.reply(ctx.t("file.archive.done" if done else "file.archive.already",
                                  name=found.name))
        else:
            await ctx.drop_keyboard()
            await ctx.reply(ctx.t("file.archive.already", name=found.name) if found.archived
                            else ctx.t("file.archive.kept"))

    async def _end(self, ctx: Ctx, pairing_id: int) -> None:
        ended = await changes.end_pairing(ctx.services, ctx.user_id, pairing_id, today(ctx))
        if ended is None:
            await ctx.reply(ctx.t("file.end.gone"))
            return
        await ctx.drop_keyboard()
        await ctx.reply(ctx.t("file.end.done", worker=ended.pairing.worker_name,
                              name=ended.household.name if ended.household else ""))


# -- registration -----------------------------------------------------------------------------


class HouseholdsFeature:
    """Registers /households, /due, /log, /pair, /import, the flows and the buttons."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flow_registry: FlowRegistry, common: CommonHandlers) -> None:
        """Add the commands, flows and button handlers."""
        from bot.telegram.household_flow import FindFlow, HouseholdFlow
        from bot.telegram.household_import import ImportFlow
        from bot.telegram.logging_flow import ContactButtons, LogFlow
        from bot.telegram.pairing import PairFlow
        from bot.telegram.report_links import ReportLinks

        views = HouseholdViews()
        log_flow = LogFlow()
        pair_flow = PairFlow()
        household_flow = HouseholdFlow()
        find = FindFlow()
        importer = ImportFlow()
        actions = HouseholdActions(household_flow, find, importer, views, pair_flow)
        contact_buttons = ContactButtons(log_flow)
        report_links = ReportLinks(household_flow, find)
        table.add(Command("log", Role.WORKER, log_flow.start, order=30))
        table.add(Command("due", Role.WORKER, views.due, order=31))
        table.add(Command("households", Role.WORKER, views.households, order=32))
        table.add(Command("pair", Role.COORDINATOR, pair_flow.start, order=60))
        table.add(Command("import", Role.COORDINATOR, importer.start, order=61))
        flow_registry.add(log_flow)
        flow_registry.add(pair_flow)
        flow_registry.add(household_flow)
        flow_registry.add(find)
        flow_registry.add(importer)
        app.add_handler(CallbackQueryHandler(handler(views.file_button),
                                             pattern=f"^{HF.name}:"))
        app.add_handler(CallbackQueryHandler(handler(actions.on_button),
                                             pattern=f"^{HX.name}:"))
        app.add_handler(CallbackQueryHandler(handler(log_flow.quick), pattern="^lq:"))
        app.add_handler(CallbackQueryHandler(handler(log_flow.past), pattern="^lp:"))
        app.add_handler(CallbackQueryHandler(handler(views.due_button), pattern=f"^{DU.name}:"))
        app.add_handler(CallbackQueryHandler(handler(contact_buttons.on_button),
                                             pattern="^cx:"))
        app.add_handler(CallbackQueryHandler(handler(report_links.on_button),
                                             pattern=f"^{RH.name}:"))


__all__ = ["ContactKind", "HouseholdsFeature"]
