"""/projects: coordinators keep the micro-projects (民生微实事) group activities belong to.

/projects lists each project with its budget, period, communities, and the activities and
households it reached; ➕ starts the add flow (name → budget → period → communities → Confirm);
retiring asks once more. Every press checks the coordinator role again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from telegram.ext import Application, CallbackQueryHandler

from bot.domain.activities import toggle
from bot.domain.aid import AmountProblem, format_yuan, parse_amount
from bot.domain.people import Role
from bot.domain.projects import NAME_MAX, PeriodProblem, clean_name, parse_period
from bot.services import projects as use
from bot.services.projects import Refusal
from bot.telegram.commands import Command, CommandTable
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
from storage.projects import Project

VIEW_PREFIX = "pj"  # pj:add:0, pj:ret|yes|no:<project id>
NAME, PREFIX = "project", "pn"
TITLE, BUDGET, PERIOD, AREAS, CONFIRM = "name", "budget", "period", "areas", "confirm"


def project_line(ctx: Ctx, project: Project) -> str:
    """One project as a line of /projects."""
    return ctx.t("projects.retired_line" if project.retired else "projects.line",
                 name=project.name, budget=format_yuan(project.budget_fen),
                 start=project.starts_on.isoformat(), end=project.ends_on.isoformat(),
                 areas=ctx.join(list(project.area_names)),
                 activities=project.activities, households=project.households)


@dataclass
class ProjectFlow(StaleAnswer):
    """A coordinator adds a project, one question at a time, kept in the flows table."""

    name: str = NAME
    prefix: str = PREFIX

    async def start(self, ctx: Ctx) -> None:
        """Ask for the name."""
        await ctx.reply(ctx.t("projects.intro"))
        await self.ask(ctx, await ctx.save_flow(NAME, TITLE, {}))

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """Ask the question of the current step."""
        step, data = state.step, state.data
        if step == AREAS:
            text, markup = await self._areas_view(ctx, data)
            await ctx.reply(text, markup)
        elif step == CONFIRM:
            await ctx.reply(await self._summary(ctx, data), buttons([[
                (ctx.t("projects.button.confirm"), f"{PREFIX}:ok"),
                (ctx.t("projects.button.cancel"), f"{PREFIX}:no")]]))
        else:
            await ctx.reply(ctx.t(f"projects.ask_{step}", max=NAME_MAX))

    async def _areas_view(self, ctx: Ctx, data: dict[str, Any]) -> tuple[str, Any]:
        live = await areas.active(ctx.db)
        chosen = set(data.get("areas") or [])
        names = [a.name for a in live if a.id in chosen]
        text = ctx.t("projects.ask_areas") + "\n" + ctx.t(
            "projects.chosen_areas", areas=ctx.join(names) or ctx.t("projects.nothing_chosen"))
        items = [(("✓ " if a.id in chosen else "") + short(a.name), f"{PREFIX}:a:{a.id}")
                 for a in live[:40]]
        return text, buttons([*pairs(items, 3),
                              [(ctx.t("projects.button.done"), f"{PREFIX}:ad")]])

    async def _summary(self, ctx: Ctx, data: dict[str, Any]) -> str:
        names = {a.id: a.name for a in await areas.active(ctx.db)}
        return ctx.t("projects.summary", name=data.get("name", ""),
                     budget=format_yuan(int(data.get("budget") or 0)),
                     start=data.get("start", ""), end=data.get("end", ""),
                     areas=ctx.join([names.get(a, "?") for a in data.get("areas") or []]))

    async def _still_coordinator(self, ctx: Ctx) -> bool:
        if is_coordinator(ctx):
            return True
        await flows.clear(ctx.db, ctx.user_id)
        await ctx.reply(ctx.t("error.needs_role.coordinator"))
        return False

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Take the name, budget or period as typed; anything else is answered with what fits."""
        if not await self._still_coordinator(ctx):
            return
        text = " ".join((ctx.message.text if ctx.message and ctx.message.text else "").split())
        data, step = dict(state.data), state.step
        if step == TITLE:
            name = clean_name(text)
            if name is None:
                await ctx.reply(ctx.t("projects.problem.name_bad", max=NAME_MAX))
                return
            data["name"] = name
            await self.ask(ctx, await ctx.save_flow(NAME, BUDGET, data))
        elif step == BUDGET:
            fen = parse_amount(text)
            if isinstance(fen, AmountProblem):
                await ctx.reply(ctx.t(f"projects.budget.{fen.value}"))
                return
            data["budget"] = fen
            await self.ask(ctx, await ctx.save_flow(NAME, PERIOD, data))
        elif step == PERIOD:
            period = parse_period(text)
            if isinstance(period, PeriodProblem):
                await ctx.reply(ctx.t(f"projects.period.{period.value}"))
                return
            data.update(start=period[0].isoformat(), end=period[1].isoformat(), areas=[])
            await self.ask(ctx, await ctx.save_flow(NAME, AREAS, data))
        else:
            await ctx.reply(ctx.t(f"projects.expect.{step}"))

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """pn:a:<area>, pn:ad, pn:ok, pn:no at their own step; another step's button is stale."""
        if not is_coordinator(ctx):
            await flows.clear(ctx.db, ctx.user_id)
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        action = parts[0] if parts else ""
        data, step = dict(state.data), state.step
        if step == AREAS and action == "a" and (area_id := arg_int(parts, 1)) is not None:
            live = {a.id for a in await areas.active(ctx.db)}
            chosen = toggle(list(data.get("areas") or []), area_id, live)
            if chosen is None:
                await ctx.answer(ctx.t("projects.problem.no_areas"), alert=True)
                return
            data["areas"] = chosen
            await ctx.save_flow(NAME, AREAS, data)
            await ctx.answer()
            text, markup = await self._areas_view(ctx, data)
            await ctx.edit_or_reply(text, markup)
        elif step == AREAS and action == "ad":
            if not data.get("areas"):
                await ctx.answer(ctx.t("projects.problem.no_areas"), alert=True)
                return
            await ctx.answer()
            await ctx.drop_keyboard()
            await self.ask(ctx, await ctx.save_flow(NAME, CONFIRM, data))
        elif step == CONFIRM and action in ("ok", "no"):
            await ctx.answer()
            await ctx.drop_keyboard()
            await flows.clear(ctx.db, ctx.user_id)
            if action == "no":
                await ctx.reply(ctx.t("flow.project.cancelled"))
                return
            await self._submit(ctx, data)
        else:
            await ctx.answer(ctx.t("projects.stale"), alert=True)

    async def _submit(self, ctx: Ctx, data: dict[str, Any]) -> None:
        added = await use.add(
            ctx.services, ctx.user_id, is_coordinator(ctx), str(data.get("name", "")),
            int(data.get("budget") or 0),
            (date.fromisoformat(str(data["start"])), date.fromisoformat(str(data["end"]))),
            [int(a) for a in data.get("areas") or []])
        if isinstance(added, Refusal):
            await ctx.reply(ctx.t(f"projects.problem.{added.value}", max=NAME_MAX,
                                  name=str(data.get("name", ""))))
            return
        await ctx.reply(ctx.t("projects.added", name=added.name))


class ProjectsView:
    """/projects: each project with what it reached; add and retire buttons."""

    def __init__(self, flow: ProjectFlow) -> None:
        self.flow = flow

    async def show(self, ctx: Ctx) -> None:
        """The projects, running ones first, retired ones marked."""
        found = await use.listed(ctx.services)
        lines = [ctx.t("projects.title" if found else "projects.none")]
        lines += [project_line(ctx, p) for p in found]
        rows = [[(ctx.t("projects.button.add"), f"{VIEW_PREFIX}:add:0")]]
        rows += [[(ctx.t("projects.button.retire", name=short(p.name, 20)),
                   f"{VIEW_PREFIX}:ret:{p.id}")] for p in found if not p.retired][:30]
        await ctx.reply(join_within(lines), buttons(rows))

    async def on_button(self, ctx: Ctx) -> None:
        """pj:add:0, pj:ret|yes|no:<project>: coordinators only, checked at every press."""
        parts = (ctx.query.data if ctx.query and ctx.query.data else "").split(":")
        action = parts[1] if len(parts) > 1 else ""
        project_id = arg_int(parts, 2)
        if not is_coordinator(ctx):
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        if project_id is None or action not in ("add", "ret", "yes", "no"):
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        await ctx.answer()
        if action == "add":
            if await flows.get(ctx.db, ctx.user_id) is not None:
                await ctx.reply(ctx.t("projects.busy"))
                return
            await self.flow.start(ctx)
            return
        found = await use.get(ctx.services, project_id)
        if found is None or found.retired:
            await ctx.reply(ctx.t("projects.gone"))
            return
        if action == "ret":
            await ctx.reply(ctx.t("projects.confirm_retire", name=found.name), buttons([[
                (ctx.t("projects.button.yes"), f"{VIEW_PREFIX}:yes:{found.id}"),
                (ctx.t("projects.button.no"), f"{VIEW_PREFIX}:no:{found.id}")]]))
            return
        await ctx.drop_keyboard()
        if action == "no":
            await ctx.reply(ctx.t("projects.kept"))
            return
        retired = await use.retire(ctx.services, ctx.user_id, is_coordinator(ctx), found.id)
        await ctx.reply(ctx.t("projects.retired", name=found.name) if retired
                        else ctx.t("projects.gone"))


class ProjectsFeature:
    """Registers /projects, its flow and buttons."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flow_registry: FlowRegistry, common: CommonHandlers) -> None:
        """Add the command, the add flow and the view's buttons."""
        flow = ProjectFlow()
        view = ProjectsView(flow)
        table.add(Command("projects", Role.COORDINATOR, view.show, order=63))
        flow_registry.add(flow)
        app.add_handler(CallbackQueryHandler(handler(view.on_button),
                                             pattern=f"^{VIEW_PREFIX}:"))
