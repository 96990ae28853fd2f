"""/pair: a coordinator pairs a worker with a household under a program (or hands it over)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.domain.access import Action
from bot.domain.households import clean
from bot.services import audit as trail
from bot.services import routing
from bot.telegram.context import Ctx
from bot.telegram.household_ui import (
    StaleAnswer,
    arg_int,
    buttons,
    may,
    pairs,
    program_label,
    short,
    today,
)
from storage import flows, households, pairings, people
from storage.flows import FlowState
from storage.households import Household

log = logging.getLogger(__name__)

NAME = "pair"
PREFIX = "pr"
HOUSEHOLD, WORKER, PROGRAM, CONFIRM = "household", "worker", "program", "confirm"
LIST_MAX = 12


@dataclass
class PairFlow(StaleAnswer):
    """household → worker → program (when there are several) → confirm."""

    name: str = NAME
    prefix: str = PREFIX

    async def start(self, ctx: Ctx) -> None:
        """Begin: find the household."""
        if not await households.recent(ctx.db, 1):
            await ctx.reply(ctx.t("pair.no_households"))
            return
        await self.ask(ctx, await self._save(ctx, HOUSEHOLD, {}))

    async def start_for(self, ctx: Ctx, found: Household) -> None:
        """Begin with the household chosen (from its service file)."""
        await self._household_chosen(ctx, {}, found)

    async def _save(self, ctx: Ctx, step: str, data: dict[str, Any]) -> FlowState:
        return await ctx.save_flow(NAME, step, data)

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """Ask the question of the current step."""
        data, step = state.data, state.step
        if step == HOUSEHOLD:
            recent = await households.recent(ctx.db, LIST_MAX)
            items = [(short(h.name), f"{PREFIX}:h:{h.id}") for h in recent]
            await ctx.reply(ctx.t("pair.intro"), buttons(pairs(items, 3)))
        elif step == WORKER:
            choices = await pairings.workers(ctx.db)
            if not choices:
                await flows.clear(ctx.db, ctx.user_id)
                await ctx.reply(ctx.t("pair.no_workers"))
                return
            items = [(f"{short(w.name)} ({w.households})", f"{PREFIX}:w:{w.telegram_id}")
                     for w in choices[:40]]
            text = ctx.t("pair.ask_worker", name=data.get("name", ""))
            current = await pairings.active_for_household(ctx.db, int(data["hid"]))
            if current:
                text += "\n" + ctx.t("pair.current", worker=ctx.join(
                    [p.worker_name for p in current]))
            await ctx.reply(text, buttons(pairs(items)))
        elif step == PROGRAM:
            items = [(program_label(ctx, p.name), f"{PREFIX}:p:{p.id}")
                     for p in await pairings.programs(ctx.db)]
            await ctx.reply(ctx.t("pair.ask_program"), buttons(pairs(items)))
        elif step == CONFIRM:
            program = await pairings.get_program(ctx.db, int(data["program"]))
            current = [p for p in await pairings.active_for_household(ctx.db, int(data["hid"]))
                       if p.program_id == int(data["program"])]
            values = {"worker": data.get("worker_name", ""), "name": data.get("name", ""),
                      "program": program_label(ctx, program.name) if program else ""}
            if current and current[0].worker_id != int(data["worker"]):
                text = ctx.t("pair.confirm_handover", previous=current[0].worker_name, **values)
            else:
                text = ctx.t("pair.confirm", **values)
            await ctx.reply(text, buttons([[(ctx.t("pair.yes"), f"{PREFIX}:ok"),
                                            (ctx.t("pair.no"), f"{PREFIX}:no")]]))

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """A typed name searches the registry at the household step."""
        text = clean(ctx.message.text if ctx.message else None)
        if state.step != HOUSEHOLD or not text:
            key = "pair.expect_household" if state.step == HOUSEHOLD else "pair.expect_worker"
            await ctx.reply(ctx.t(key))
            return
        found = await households.search(ctx.db, text[:40], LIST_MAX)
        if not found:
            await ctx.reply(ctx.t("pair.search_none", query=text[:40]))
            return
        if len(found) == 1:
            await self._household_chosen(ctx, dict(state.data), found[0])
            return
        items = [(short(h.name), f"{PREFIX}:h:{h.id}") for h in found]
        await ctx.reply(ctx.t("pair.expect_household"), buttons(pairs(items, 3)))

    async def _household_chosen(self, ctx: Ctx, data: dict[str, Any], found: Household) -> None:
        data.update(hid=found.id, name=found.name)
        await self.ask(ctx, await self._save(ctx, WORKER, data))

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """Take a button at the current step (coordinators only; data is checked)."""
        if not await may(ctx, Action.HOUSEHOLD_MANAGE):
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        action = parts[0] if parts else ""
        number = arg_int(parts, 1)
        data, step = dict(state.data), state.step
        if step == HOUSEHOLD and action == "h" and number is not None:
            found = await households.get(ctx.db, number)
            if found is None or found.archived:
                await ctx.answer(ctx.t("log.stale"), alert=True)
                return
            await self._done(ctx)
            await self._household_chosen(ctx, data, found)
        elif step == WORKER and action == "w" and number is not None:
            worker = next((w for w in await pairings.workers(ctx.db)
                           if w.telegram_id == number), None)
            if worker is None:
                await ctx.answer(ctx.t("log.stale"), alert=True)
                return
            await self._done(ctx)
            data.update(worker=worker.telegram_id, worker_name=worker.name)
            programs = await pairings.programs(ctx.db)
            if len(programs) == 1:
                data["program"] = programs[0].id
                await self.ask(ctx, await self._save(ctx, CONFIRM, data))
            else:
                await self.ask(ctx, await self._save(ctx, PROGRAM, data))
        elif step == PROGRAM and action == "p" and number is not None:
            if await pairings.get_program(ctx.db, number) is None:
                await ctx.answer(ctx.t("log.stale"), alert=True)
                return
            await self._done(ctx)
            data["program"] = number
            await self.ask(ctx, await self._save(ctx, CONFIRM, data))
        elif step == CONFIRM and action == "ok":
            await self._done(ctx)
            await self._commit(ctx, data)
        elif step == CONFIRM and action == "no":
            await self._done(ctx)
            await flows.clear(ctx.db, ctx.user_id)
            await ctx.reply(ctx.t("flow.pair.cancelled"))
        else:
            await ctx.answer(ctx.t("log.stale"), alert=True)

    async def _done(self, ctx: Ctx) -> None:
        await ctx.answer()
        await ctx.drop_keyboard()

    async def _commit(self, ctx: Ctx, data: dict[str, Any]) -> None:
        household_id, worker_id = int(data["hid"]), int(data["worker"])
        name, worker_name = str(data.get("name", "")), str(data.get("worker_name", ""))
        outcome = await pairings.pair(ctx.db, household_id, worker_id, int(data["program"]),
                                      today(ctx), ctx.now, by=ctx.user_id)
        await flows.clear(ctx.db, ctx.user_id)
        if outcome.changed:
            await trail.note(ctx.services, ctx.user_id, "pairing.create", "household",
                             household_id, {"worker": worker_id,
                                            "replaced_worker": outcome.previous_worker})
        if not outcome.changed:
            await ctx.reply(ctx.t("pair.same", worker=worker_name, name=name))
            return
        if outcome.replaced is not None:
            await ctx.reply(ctx.t("pair.handover_done", worker=worker_name, name=name))
        else:
            await ctx.reply(ctx.t("pair.done", worker=worker_name, name=name))
        if worker_id != ctx.user_id:
            await self._tell(ctx, worker_id, "pair.to_worker", name=name)
        if outcome.previous_worker is not None and outcome.previous_worker != ctx.user_id:
            await self._tell(ctx, outcome.previous_worker, "pair.to_previous", name=name,
                             worker=worker_name)

    async def _tell(self, ctx: Ctx, telegram_id: int, key: str, **values: object) -> None:
        if await people.get(ctx.db, telegram_id) is None:
            return
        await routing.send(ctx.services, [await routing.to_person(
            ctx.services, telegram_id, key, values)], ctx.now)
