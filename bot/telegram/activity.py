"""/activity: record one group activity for many households at once.

title → kind → date → communities → who took part (mine, all of these communities for
coordinators, or picked one by one with toggles) → services given (several) → people reached →
the micro-project it belongs to (when there are any) → summary with Confirm. A holiday visit or
policy check counts as each household's visit, so nobody logs the same event twice. Every step
is stored; every press is checked again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from telegram.ext import Application

from bot.domain.activities import (
    HOUSEHOLDS_MAX,
    PEOPLE_MAX,
    TITLE_MAX,
    ActivityKind,
    clean_title,
    counts_as,
    toggle,
)
from bot.domain.households import (
    Service,
    check_contact_day,
    clean,
    parse_count,
    parse_day,
    toggle_service,
)
from bot.domain.people import Role
from bot.services import activities as use
from bot.services import projects as project_use
from bot.services.activities import ALL, MINE, PICK, Draft, Refusal
from bot.telegram.commands import Command, CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx
from bot.telegram.flows import FlowRegistry
from bot.telegram.household_ui import StaleAnswer, buttons, is_coordinator, pairs, short, today
from storage import areas, flows
from storage.flows import FlowState

NAME, PREFIX = "activity", "ac"
TITLE, KIND, DAY, AREAS, SCOPE, PICKING, SERVICES, PEOPLE, PROJECT, CONFIRM = (
    "title", "kind", "day", "areas", "scope", "pick", "services", "people", "project", "confirm")
PICK_BUTTONS = 40  # households offered as buttons at once


@dataclass
class ActivityFlow(StaleAnswer):
    """The /activity conversation, kept in the flows table."""

    name: str = NAME
    prefix: str = PREFIX

    async def start(self, ctx: Ctx) -> None:
        """Begin recording an activity (or resume the one in progress)."""
        state = await flows.get(ctx.db, ctx.user_id)
        if state is not None and state.name == NAME:
            await ctx.reply(ctx.t("activity.resume"))
            await self.ask(ctx, state)
            return
        await ctx.reply(ctx.t("activity.intro"))
        await self.ask(ctx, await self._save(ctx, TITLE, {}))

    async def _save(self, ctx: Ctx, step: str, data: dict[str, Any]) -> FlowState:
        return await ctx.save_flow(NAME, step, data)

    # -- questions ------------------------------------------------------------------------

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """Ask the question of the current step."""
        data, step = state.data, state.step
        if step == TITLE:
            await ctx.reply(ctx.t("activity.ask_title"))
        elif step == KIND:
            items = [(ctx.t(f"activity.kind.{k.value}"), f"{PREFIX}:k:{k.value}")
                     for k in ActivityKind]
            await ctx.reply(ctx.t("activity.ask_kind", title=data.get("title", "")),
                            buttons(pairs(items)))
        elif step == DAY:
            await ctx.reply(ctx.t("activity.ask_day"), buttons([[
                (ctx.t("activity.button.today"), f"{PREFIX}:d:0"),
                (ctx.t("activity.button.yesterday"), f"{PREFIX}:d:1")]]))
        elif step == AREAS:
            text, markup = await self._areas_view(ctx, data)
            await ctx.reply(text, markup)
        elif step == SCOPE:
            await self._ask_scope(ctx, data)
        elif step == PICKING:
            text, markup = await self._pick_view(ctx, data)
            await ctx.reply(text, markup)
        elif step == SERVICES:
            await ctx.reply(self._services_text(ctx, data), self._services_keyboard(ctx, data))
        elif step == PROJECT:
            await self._ask_project(ctx, data)
        elif step == PEOPLE:
            count = len(data.get("households") or [])
            await ctx.reply(ctx.t("activity.ask_people"), buttons([[
                (ctx.t("activity.button.by_households", count=count), f"{PREFIX}:p:0")]]))
        elif step == CONFIRM:
            await ctx.reply(await self._summary(ctx, data), buttons([[
                (ctx.t("activity.button.confirm"), f"{PREFIX}:ok"),
                (ctx.t("activity.button.cancel"), f"{PREFIX}:no")]]))

    async def _areas_view(self, ctx: Ctx, data: dict[str, Any]) -> tuple[str, Any]:
        live = await areas.active(ctx.db)
        chosen = set(data.get("areas") or [])
        names = [a.name for a in live if a.id in chosen]
        text = ctx.t("activity.ask_areas") + "\n" + ctx.t(
            "activity.chosen_areas", areas=ctx.join(names) or ctx.t("activity.nothing_chosen"))
        items = [(("✓ " if a.id in chosen else "") + short(a.name), f"{PREFIX}:a:{a.id}")
                 for a in live[:40]]
        return text, buttons([*pairs(items, 3),
                              [(ctx.t("activity.button.done"), f"{PREFIX}:ad")]])

    async def _ask_scope(self, ctx: Ctx, data: dict[str, Any]) -> None:
        area_ids = list(data.get("areas") or [])
        mine = await use.participants(ctx.services, ctx.user_id, False, area_ids, MINE)
        rows = []
        if isinstance(mine, list) and mine:
            rows.append([(ctx.t("activity.button.mine", count=len(mine)), f"{PREFIX}:sc:mine")])
        if is_coordinator(ctx):
            everyone = await use.participants(ctx.services, ctx.user_id, True, area_ids, ALL)
            if isinstance(everyone, list) and everyone:
                rows.append([(ctx.t("activity.button.all", count=len(everyone)),
                              f"{PREFIX}:sc:all")])
        if rows:
            rows.append([(ctx.t("activity.button.pick"), f"{PREFIX}:sc:pick")])
        if not rows:
            await ctx.reply(ctx.t("activity.problem.no_households"))
            data["areas"] = []
            await self.ask(ctx, await self._save(ctx, AREAS, data))
            return
        await ctx.reply(ctx.t("activity.ask_scope"), buttons(rows))

    async def _pick_view(self, ctx: Ctx, data: dict[str, Any]) -> tuple[str, Any]:
        offered = await use.pick_list(ctx.services, ctx.user_id, is_coordinator(ctx),
                                      list(data.get("areas") or []))
        offered = [] if isinstance(offered, Refusal) else offered
        chosen = set(data.get("picked") or [])
        names = [name for h, name in offered if h in chosen]
        lines = [ctx.t("activity.ask_pick"), ctx.t(
            "activity.chosen_households", count=len(names),
            names=ctx.join(names) or ctx.t("activity.nothing_chosen"))]
        if len(offered) > PICK_BUTTONS:
            lines.append(ctx.t("activity.pick_more", count=PICK_BUTTONS))
        items = [(("✓ " if h in chosen else "") + short(name), f"{PREFIX}:h:{h}")
                 for h, name in offered[:PICK_BUTTONS]]
        return "\n".join(lines), buttons([*pairs(items),
                                          [(ctx.t("activity.button.done"), f"{PREFIX}:hd")]])

    def _services_text(self, ctx: Ctx, data: dict[str, Any]) -> str:
        names = [ctx.t(f"service.{code}") for code in data.get("services") or []]
        return ctx.t("activity.ask_services") + "\n" + ctx.t(
            "activity.chosen_services",
            services=ctx.join(names) or ctx.t("activity.nothing_chosen"))

    def _services_keyboard(self, ctx: Ctx, data: dict[str, Any]) -> Any:
        chosen = set(data.get("services") or [])
        items = [(("✓ " if s.value in chosen else "") + ctx.t(f"service.{s.value}"),
                  f"{PREFIX}:s:{s.value}") for s in Service]
        return buttons([*pairs(items), [(ctx.t("activity.button.done"), f"{PREFIX}:sd")]])

    async def _ask_project(self, ctx: Ctx, data: dict[str, Any]) -> None:
        offered = await project_use.running_on(ctx.services, date.fromisoformat(str(data["day"])))
        rows = [[(short(p.name, 24), f"{PREFIX}:pr:{p.id}")] for p in offered[:20]]
        rows.append([(ctx.t("activity.button.no_project"), f"{PREFIX}:pr:0")])
        await ctx.reply(ctx.t("activity.ask_project"), buttons(rows))

    async def _after_people(self, ctx: Ctx, data: dict[str, Any]) -> None:
        """On to the project when there are any to choose from, else to the summary."""
        running = await project_use.running_on(ctx.services, date.fromisoformat(str(data["day"])))
        step = PROJECT if running else CONFIRM
        await self.ask(ctx, await self._save(ctx, step, data))

    async def _summary(self, ctx: Ctx, data: dict[str, Any]) -> str:
        names = {a.id: a.name for a in await areas.active(ctx.db)}
        households = len(data.get("households") or [])
        kind = ActivityKind(str(data.get("kind")))
        people = data.get("people") or ctx.t("activity.people_by_households")
        contact = counts_as(kind)
        lines = [ctx.t("activity.summary_title"), ctx.t(
            "activity.summary_line", title=data.get("title", ""),
            kind=ctx.t(f"activity.kind.{kind.value}"), day=data.get("day", ""),
            areas=ctx.join([names.get(a, "") for a in data.get("areas") or []]),
            households=households, people=people)]
        services = [ctx.t(f"service.{code}") for code in data.get("services") or []]
        lines.append(ctx.t("activity.summary_services",
                           services=ctx.join(services) or ctx.t("activity.nothing_chosen")))
        if data.get("project_name"):
            lines.append(ctx.t("activity.summary_project", project=data["project_name"]))
        lines.append(ctx.t("activity.counts", households=households,
                           contact=ctx.t(f"kind.{contact.value}")) if contact
                     else ctx.t("activity.counts_none"))
        return "\n".join(lines)

    # -- typed answers --------------------------------------------------------------------

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Take a typed answer at the current step; anything else is answered with what fits."""
        text = clean(ctx.message.text if ctx.message else None)
        data, step = dict(state.data), state.step
        if step == TITLE and text:
            title = clean_title(text)
            if title is None:
                await self._expect(ctx, step)
                return
            data["title"] = title
            await self.ask(ctx, await self._save(ctx, KIND, data))
        elif step == DAY and text and (day := parse_day(text, today(ctx))) is not None:
            await self._take_day(ctx, data, day)
        elif step == PEOPLE and text and (count := parse_count(text, PEOPLE_MAX)) is not None:
            data["people"] = count
            await self._after_people(ctx, data)
        else:
            await self._expect(ctx, step)

    async def _expect(self, ctx: Ctx, step: str) -> None:
        await ctx.reply(ctx.t(f"activity.expect.{step}",
                              max=TITLE_MAX if step == TITLE else PEOPLE_MAX))

    async def _take_day(self, ctx: Ctx, data: dict[str, Any], day: date) -> None:
        problem = check_contact_day(day, today(ctx))
        if problem is not None:
            await ctx.reply(ctx.t(f"activity.problem.{problem}"))
            return
        data["day"] = day.isoformat()
        data.setdefault("areas", [])
        await self.ask(ctx, await self._save(ctx, AREAS, data))

    # -- buttons --------------------------------------------------------------------------

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """Take a button at the current step; another step's button is stale."""
        action, arg = [*parts, "", ""][:2]
        if not await self._button(ctx, state.step, dict(state.data), action, arg):
            await ctx.answer(ctx.t("activity.stale"), alert=True)

    async def _button(self, ctx: Ctx, step: str, data: dict[str, Any], action: str,
                      arg: str) -> bool:
        async def done() -> None:
            await ctx.answer()
            await ctx.drop_keyboard()

        if step == KIND and action == "k" and arg in {k.value for k in ActivityKind}:
            await done()
            data["kind"] = arg
            await self.ask(ctx, await self._save(ctx, DAY, data))
        elif step == DAY and action == "d" and arg in ("0", "1"):
            await done()
            await self._take_day(ctx, data, today(ctx) - timedelta(days=int(arg)))
        elif step == AREAS and action == "a" and arg.isdigit() and len(arg) < 12:
            live = {a.id for a in await areas.active(ctx.db)}
            chosen = toggle(list(data.get("areas") or []), int(arg), live)
            if chosen is None:
                return False
            data["areas"] = chosen
            await self._save(ctx, AREAS, data)
            await ctx.answer()
            text, markup = await self._areas_view(ctx, data)
            await ctx.edit_or_reply(text, markup)
        elif step == AREAS and action == "ad":
            if not data.get("areas"):
                await ctx.answer(ctx.t("activity.problem.no_areas"), alert=True)
                return True
            await done()
            await self.ask(ctx, await self._save(ctx, SCOPE, data))
        elif step == SCOPE and action == "sc" and arg in (MINE, ALL, PICK):
            await self._take_scope(ctx, data, arg)
        elif step == PICKING and action in ("h", "hd"):
            return await self._pick(ctx, data, action, arg)
        elif step == SERVICES and action == "s":
            given = toggle_service(list(data.get("services") or []), arg)
            if given is None:
                return False
            data["services"] = given
            await self._save(ctx, SERVICES, data)
            await ctx.answer()
            await ctx.edit_or_reply(self._services_text(ctx, data),
                                    self._services_keyboard(ctx, data))
        elif step == SERVICES and action == "sd":
            await done()
            await self.ask(ctx, await self._save(ctx, PEOPLE, data))
        elif step == PEOPLE and action == "p" and arg == "0":
            await done()
            data["people"] = None
            await self._after_people(ctx, data)
        elif step == PROJECT and action == "pr" and arg.isdigit() and len(arg) < 12:
            await self._take_project(ctx, data, int(arg))
        elif step == CONFIRM and action in ("ok", "no"):
            await done()
            if action == "ok":
                await self._submit(ctx, data)
            else:
                await flows.clear(ctx.db, ctx.user_id)
                await ctx.reply(ctx.t("flow.activity.cancelled"))
        else:
            return False
        return True

    async def _pick(self, ctx: Ctx, data: dict[str, Any], action: str, arg: str) -> bool:
        """Toggle one household (only one of those offered), or finish picking."""
        if action == "hd":
            picked = list(data.get("picked") or [])
            if not picked:
                await ctx.answer(ctx.t("activity.problem.no_pick"), alert=True)
                return True
            await ctx.answer()
            await ctx.drop_keyboard()
            data.update(scope=PICK, households=picked)
            data.setdefault("services", [])
            await self.ask(ctx, await self._save(ctx, SERVICES, data))
            return True
        if not arg.isdigit() or len(arg) >= 12:
            return False
        pool = await use.pickable(ctx.services, ctx.user_id, is_coordinator(ctx),
                                  list(data.get("areas") or []))
        toggled = toggle(list(data.get("picked") or []), int(arg),
                         set() if isinstance(pool, Refusal) else set(pool))
        if toggled is None:
            await ctx.answer(ctx.t("activity.problem.not_yours"), alert=True)
            return True
        data["picked"] = toggled
        await self._save(ctx, PICKING, data)
        await ctx.answer()
        text, markup = await self._pick_view(ctx, data)
        await ctx.edit_or_reply(text, markup)
        return True

    async def _take_project(self, ctx: Ctx, data: dict[str, Any], project_id: int) -> None:
        """A project still running, or none (0)."""
        if project_id:
            found = await project_use.get(ctx.services, project_id)
            if found is None or found.retired:
                await ctx.answer(ctx.t("activity.problem.project_retired"), alert=True)
                return
            if not found.starts_on <= date.fromisoformat(str(data["day"])) <= found.ends_on:
                await ctx.answer(ctx.t("activity.problem.project_period"), alert=True)
                return
            data.update(project=found.id, project_name=found.name)
        else:
            data.update(project=None, project_name=None)
        await ctx.answer()
        await ctx.drop_keyboard()
        await self.ask(ctx, await self._save(ctx, CONFIRM, data))

    async def _take_scope(self, ctx: Ctx, data: dict[str, Any], scope: str) -> None:
        if scope == PICK:
            offered = await use.pickable(ctx.services, ctx.user_id, is_coordinator(ctx),
                                         list(data.get("areas") or []))
            if isinstance(offered, Refusal) or not offered:
                key = offered.value if isinstance(offered, Refusal) else "no_households"
                await ctx.answer(ctx.t(f"activity.problem.{key}", max=HOUSEHOLDS_MAX),
                                 alert=True)
                return
            await ctx.answer()
            await ctx.drop_keyboard()
            data["picked"] = []
            await self.ask(ctx, await self._save(ctx, PICKING, data))
            return
        found = await use.participants(ctx.services, ctx.user_id, is_coordinator(ctx),
                                       list(data.get("areas") or []), scope)
        if isinstance(found, Refusal) or not found:
            key = found.value if isinstance(found, Refusal) else "no_households"
            await ctx.answer(ctx.t(f"activity.problem.{key}", max=HOUSEHOLDS_MAX), alert=True)
            return
        await ctx.answer()
        await ctx.drop_keyboard()
        data.update(scope=scope, households=found)
        data.setdefault("services", [])
        await self.ask(ctx, await self._save(ctx, SERVICES, data))

    # -- saving ---------------------------------------------------------------------------

    async def _submit(self, ctx: Ctx, data: dict[str, Any]) -> None:
        """Save through the use case, which works out the households again."""
        kind = ActivityKind(str(data["kind"]))
        draft = Draft(title=str(data["title"]), kind=kind,
                      day=date.fromisoformat(str(data["day"])),
                      people_reached=int(data["people"]) if data.get("people") else None,
                      area_ids=[int(a) for a in data.get("areas") or []],
                      scope=str(data.get("scope")),
                      household_ids=[int(h) for h in data.get("households") or []],
                      services=[str(s) for s in data.get("services") or []],
                      project_id=int(data["project"]) if data.get("project") else None)
        saved = await use.record(ctx.services, ctx.user_id, is_coordinator(ctx), draft)
        await flows.clear(ctx.db, ctx.user_id)
        if isinstance(saved, Refusal):
            await ctx.reply(ctx.t(f"activity.problem.{saved.value}", max=HOUSEHOLDS_MAX))
            return
        lines = [ctx.t("activity.saved", title=draft.title, households=saved.households)]
        contact = counts_as(kind)
        if contact is not None:
            lines.append(ctx.t("activity.saved_counts", households=saved.contacts,
                               contact=ctx.t(f"kind.{contact.value}")))
        else:
            lines.append(ctx.t("activity.counts_none"))
        await ctx.reply("\n".join(lines))


class ActivityFeature:
    """Registers /activity and its flow."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flow_registry: FlowRegistry, common: CommonHandlers) -> None:
        """Add the command and the flow (its buttons go through the common flow handler)."""
        flow = ActivityFlow()
        table.add(Command("activity", Role.WORKER, flow.start, order=34))
        flow_registry.add(flow)
