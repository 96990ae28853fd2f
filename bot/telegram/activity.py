"""/activity: record one group activity for many households at once.

title → kind → date → communities → who took part (mine, or all of these communities for
coordinators) → people reached → summary with Confirm. A holiday visit or policy check counts
as each household's visit, so nobody logs the same event twice. Every step is stored; every
press is checked again.
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
from bot.domain.households import check_contact_day, clean, parse_count, parse_day
from bot.domain.people import Role
from bot.services import activities as use
from bot.services.activities import ALL, MINE, Draft, Refusal
from bot.telegram.commands import Command, CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx
from bot.telegram.flows import FlowRegistry
from bot.telegram.household_ui import StaleAnswer, buttons, is_coordinator, pairs, short, today
from storage import areas, flows
from storage.flows import FlowState

NAME, PREFIX = "activity", "ac"
TITLE, KIND, DAY, AREAS, SCOPE, PEOPLE, CONFIRM = (
    "title", "kind", "day", "areas", "scope", "people", "confirm")


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
        if not rows:
            await ctx.reply(ctx.t("activity.problem.no_households"))
            data["areas"] = []
            await self.ask(ctx, await self._save(ctx, AREAS, data))
            return
        await ctx.reply(ctx.t("activity.ask_scope"), buttons(rows))

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
            await self.ask(ctx, await self._save(ctx, CONFIRM, data))
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
        elif step == SCOPE and action == "sc" and arg in (MINE, ALL):
            await self._take_scope(ctx, data, arg)
        elif step == PEOPLE and action == "p" and arg == "0":
            await done()
            data["people"] = None
            await self.ask(ctx, await self._save(ctx, CONFIRM, data))
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

    async def _take_scope(self, ctx: Ctx, data: dict[str, Any], scope: str) -> None:
        found = await use.participants(ctx.services, ctx.user_id, is_coordinator(ctx),
                                       list(data.get("areas") or []), scope)
        if isinstance(found, Refusal) or not found:
            key = found.value if isinstance(found, Refusal) else "no_households"
            await ctx.answer(ctx.t(f"activity.problem.{key}", max=HOUSEHOLDS_MAX), alert=True)
            return
        await ctx.answer()
        await ctx.drop_keyboard()
        data.update(scope=scope, households=found)
        await self.ask(ctx, await self._save(ctx, PEOPLE, data))

    # -- saving ---------------------------------------------------------------------------

    async def _submit(self, ctx: Ctx, data: dict[str, Any]) -> None:
        """Save through the use case, which works out the households again."""
        kind = ActivityKind(str(data["kind"]))
        draft = Draft(title=str(data["title"]), kind=kind,
                      day=date.fromisoformat(str(data["day"])),
                      people_reached=int(data["people"]) if data.get("people") else None,
                      area_ids=[int(a) for a in data.get("areas") or []],
                      scope=str(data.get("scope")))
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
