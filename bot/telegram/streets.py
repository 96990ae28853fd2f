"""/areas → streets: coordinators group communities into streets (街道) with buttons.

sg:open:0 lists the streets; sg:ed:<street> shows every community as a toggle (a press moves
it into the street, or out; never the last one); sg:add:0 starts the flow that names a new
street and picks its communities (sf:a:<area>, sf:ok). Every press checks the role again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.ext import Application, CallbackQueryHandler

from bot.domain.activities import toggle
from bot.domain.areas import AREA_NAME_MAX
from bot.services import streets as use
from bot.services.streets import Refusal
from bot.telegram.commands import CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx, handler
from bot.telegram.flows import FlowRegistry
from bot.telegram.household_ui import (
    StaleAnswer,
    arg_int,
    buttons,
    is_coordinator,
    join_within,
    pairs,
    short,
)
from storage import areas, flows
from storage.flows import FlowState
from storage.streets import Street

VIEW_PREFIX = "sg"
NAME, PREFIX = "street", "sf"
NAME_STEP, AREAS_STEP = "name", "areas"
AREA_BUTTONS = 40


def open_button(ctx: Ctx) -> tuple[str, str]:
    """The /areas button that opens the streets."""
    return ctx.t("streets.button.open"), f"{VIEW_PREFIX}:open:0"


async def _area_names(ctx: Ctx) -> dict[int, str]:
    return {a.id: a.name for a in await areas.active(ctx.db)}


class StreetsView:
    """The streets with their communities; the toggle view of one street."""

    def __init__(self, flow: StreetFlow) -> None:
        self.flow = flow

    async def show(self, ctx: Ctx) -> None:
        """Each street with its communities, then those in no street."""
        names = await _area_names(ctx)
        found = await use.listed(ctx.services)
        lines = [ctx.t("streets.title")]
        placed: set[int] = set()
        for street in found:
            placed |= set(street.area_ids)
            lines.append(ctx.t("streets.line", street=street.name, areas=ctx.join(
                [names[a] for a in street.area_ids if a in names])
                or ctx.t("streets.nothing")))
        loose = [n for a, n in names.items() if a not in placed]
        if loose:
            lines.append(ctx.t("streets.loose", areas=ctx.join(loose)))
        rows = [[(ctx.t("streets.button.add"), f"{VIEW_PREFIX}:add:0")]]
        rows += [[(ctx.t("streets.button.edit", street=short(s.name, 20)),
                   f"{VIEW_PREFIX}:ed:{s.id}")] for s in found[:30]]
        await ctx.reply(join_within(lines), buttons(rows))

    async def _street_view(self, ctx: Ctx, street: Street) -> tuple[str, InlineKeyboardMarkup]:
        live = await areas.active(ctx.db)
        items = [(("✅ " if a.id in street.area_ids else "") + short(a.name),
                  f"{VIEW_PREFIX}:t:{street.id}:{a.id}") for a in live[:AREA_BUTTONS]]
        names = [a.name for a in live if a.id in street.area_ids]
        text = ctx.t("streets.ask_edit", street=street.name) + "\n" + ctx.t(
            "streets.chosen", areas=ctx.join(names) or ctx.t("streets.nothing"))
        return text, buttons([*pairs(items, 3),
                              [(ctx.t("streets.button.done"), f"{VIEW_PREFIX}:ok:{street.id}")]])

    async def on_button(self, ctx: Ctx) -> None:
        """sg:open|add:0, sg:ed|ok:<street>, sg:t:<street>:<area>; coordinators only."""
        parts = (ctx.query.data if ctx.query and ctx.query.data else "").split(":")
        action = parts[1] if len(parts) > 1 else ""
        street_id = arg_int(parts, 2)
        if not is_coordinator(ctx):
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        if street_id is None or action not in ("open", "add", "ed", "ok", "t"):
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        if action in ("open", "add"):
            await ctx.answer()
            if action == "open":
                await self.show(ctx)
            elif await flows.get(ctx.db, ctx.user_id) is not None:
                await ctx.reply(ctx.t("streets.busy"))
            else:
                await self.flow.start(ctx)
            return
        street = await use.get(ctx.services, street_id)
        if street is None:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        if action == "ed":
            await ctx.answer()
            await ctx.reply(*await self._street_view(ctx, street))
        elif action == "ok":
            await ctx.answer()
            await ctx.drop_keyboard()
            await self.show(ctx)
        else:
            await self._toggle(ctx, street, arg_int(parts, 3))

    async def _toggle(self, ctx: Ctx, street: Street, area_id: int | None) -> None:
        changed = await use.toggle_area(ctx.services, ctx.user_id, is_coordinator(ctx),
                                        street.id, area_id if area_id is not None else -1)
        if isinstance(changed, Refusal):
            await ctx.answer(ctx.t(f"streets.problem.{changed.value}", max=AREA_NAME_MAX),
                             alert=True)
            return
        await ctx.answer()
        await ctx.edit_or_reply(*await self._street_view(ctx, changed))


@dataclass
class StreetFlow(StaleAnswer):
    """A coordinator names a new street, then picks its communities."""

    name: str = NAME
    prefix: str = PREFIX

    async def start(self, ctx: Ctx) -> None:
        """Ask for the street's name."""
        await self.ask(ctx, await ctx.save_flow(NAME, NAME_STEP, {}))

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """Ask the name, or show the communities to pick."""
        if state.step == NAME_STEP:
            await ctx.reply(ctx.t("streets.ask_name", max=AREA_NAME_MAX))
            return
        await ctx.reply(*await self._areas_view(ctx, state.data))

    async def _areas_view(self, ctx: Ctx, data: dict[str, Any]) -> tuple[str, Any]:
        live = await areas.active(ctx.db)
        chosen = set(data.get("areas") or [])
        items = [(("✅ " if a.id in chosen else "") + short(a.name), f"{PREFIX}:a:{a.id}")
                 for a in live[:AREA_BUTTONS]]
        text = ctx.t("streets.ask_areas", street=data.get("name", "")) + "\n" + ctx.t(
            "streets.chosen", areas=ctx.join([a.name for a in live if a.id in chosen])
            or ctx.t("streets.nothing"))
        return text, buttons([*pairs(items, 3),
                              [(ctx.t("streets.button.done"), f"{PREFIX}:ok")]])

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Take the name; at the communities step, say what to do."""
        if not is_coordinator(ctx):
            await flows.clear(ctx.db, ctx.user_id)
            await ctx.reply(ctx.t("error.needs_role.coordinator"))
            return
        if state.step != NAME_STEP:
            await ctx.reply(ctx.t("streets.expect_areas"))
            return
        text = ctx.message.text if ctx.message and ctx.message.text else ""
        name = use.clean_name(text)
        if name is None:
            await ctx.reply(ctx.t("streets.problem.name_bad", max=AREA_NAME_MAX))
            return
        if name in {s.name for s in await use.listed(ctx.services)}:
            await ctx.reply(ctx.t("streets.problem.name_taken", name=name))
            return
        await self.ask(ctx, await ctx.save_flow(NAME, AREAS_STEP, {"name": name, "areas": []}))

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """sf:a:<area> toggles a community; sf:ok saves (at least one community)."""
        if not is_coordinator(ctx):
            await flows.clear(ctx.db, ctx.user_id)
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        action = parts[0] if parts else ""
        data = dict(state.data)
        if state.step != AREAS_STEP or action not in ("a", "ok"):
            await ctx.answer(ctx.t("streets.stale"), alert=True)
            return
        if action == "a":
            live = {a.id for a in await areas.active(ctx.db)}
            area_id = arg_int(parts, 1)
            chosen = toggle(list(data.get("areas") or []), area_id or -1, live)
            if chosen is None:
                await ctx.answer(ctx.t("streets.problem.gone"), alert=True)
                return
            data["areas"] = chosen
            await ctx.save_flow(NAME, AREAS_STEP, data)
            await ctx.answer()
            await ctx.edit_or_reply(*await self._areas_view(ctx, data))
            return
        made = await use.create(ctx.services, ctx.user_id, True, str(data.get("name", "")),
                                [int(a) for a in data.get("areas") or []])
        if made is Refusal.NO_AREAS:
            await ctx.answer(ctx.t("streets.problem.no_areas"), alert=True)
            return
        await ctx.answer()
        await ctx.drop_keyboard()
        await flows.clear(ctx.db, ctx.user_id)
        if isinstance(made, Refusal):
            await ctx.reply(ctx.t(f"streets.problem.{made.value}", max=AREA_NAME_MAX,
                                  name=str(data.get("name", ""))))
            return
        await ctx.reply(ctx.t("streets.saved", street=made.name))


class StreetsFeature:
    """Registers the streets view's buttons and the new-street flow."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flow_registry: FlowRegistry, common: CommonHandlers) -> None:
        """Add the flow and the button handler (opened from /areas)."""
        flow = StreetFlow()
        view = StreetsView(flow)
        flow_registry.add(flow)
        app.add_handler(CallbackQueryHandler(handler(view.on_button),
                                             pattern=f"^{VIEW_PREFIX}:"))
