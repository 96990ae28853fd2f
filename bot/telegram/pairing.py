"""/pair: a coordinator pairs a worker with a household under a program (or hands it over)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Message

from bot.domain.access import Action
from bot.domain.households import clean
from bot.domain.paging import MATCHES_MAX
from bot.domain.people import Role
from bot.services import household_files as files
from bot.services import my_households, pairings
from bot.services.household_files import Household
from bot.services.my_households import Matches
from bot.telegram import household_pages
from bot.telegram.context import Ctx
from bot.telegram.flowkit import CODEC, STALE, Int, Refused, Step, StepFlow, Steps, on
from bot.telegram.household_ui import (
    buttons,
    may,
    pairs,
    program_label,
    short,
    today,
)
from bot.telegram.keyboards import picker
from storage.flows import FlowState

log = logging.getLogger(__name__)

NAME = "pair"
HOUSEHOLD, WORKER, PROGRAM, CONFIRM = "household", "worker", "program", "confirm"
RECENT_MAX = 12  # the households added or changed last, offered before a name is typed

PR = CODEC.prefix("pr", "/pair")
HOUSEHOLD_B = PR.button("h", Int())
MATCHES_PAGE = PR.button("mp", Int(4), Int(4))  # pr:mp:<search>:<page>: of a typed search
WORKER_B = PR.button("w", Int(16))  # a Telegram id
WORKERS_PAGE = PR.button("wp", Int(4))  # another page of workers
PROGRAM_B = PR.button("p", Int())
YES, NO = PR.button("ok"), PR.button("no")


@dataclass
class PairDraft:
    """The choices so far (keys as stored by earlier releases)."""

    hid: int = 0
    name: str = ""
    worker: int | None = None
    worker_name: str = ""
    program: int | None = None
    # The question as last shown, so a resumed one reopens there: the page (of the name's
    # matches, then of workers), and the part of a name typed, numbered so an earlier
    # search's page turn is told apart.
    page: int = 0
    query: str = ""
    search: int = 0


def _worker_label(ctx: Ctx, worker: pairings.WorkerChoice) -> str:
    """'陈社工 · 东门社区 (1)': the name, the communities served, the households paired now."""
    if not worker.areas:
        return ctx.label("pair.worker_button_no_area", name=short(worker.name),
                         households=worker.households)
    return ctx.label("pair.worker_button", name=short(worker.name),
                     areas=short(ctx.join(list(worker.areas)), 16), households=worker.households)


class PairFlow(StepFlow[PairDraft]):
    """household → worker → program (when there are several) → confirm."""

    role = Role.COORDINATOR

    name = NAME
    callbacks = PR
    data_type = PairDraft

    def __init__(self) -> None:
        self.steps = Steps({
            HOUSEHOLD: Step(self._ask_household, self._search,
                            (on(HOUSEHOLD_B, self._household),
                             on(MATCHES_PAGE, self._turn_matches, keep=True))),
            WORKER: Step(self._ask_worker, buttons=(
                on(WORKER_B, self._worker), on(WORKERS_PAGE, self._turn_workers, keep=True))),
            PROGRAM: Step(self._ask_program, buttons=(on(PROGRAM_B, self._program),)),
            CONFIRM: Step(self._ask_confirm, buttons=(on(YES, self._yes), on(NO, self._no))),
        })

    async def start(self, ctx: Ctx) -> None:
        """Begin: find the household."""
        if await self.busy(ctx, this_too=True):
            return
        if not await files.any_household(ctx.services):
            await ctx.reply(ctx.t("pair.no_households"))
            return
        await self.goto(ctx, HOUSEHOLD, PairDraft())

    async def start_for(self, ctx: Ctx, found: Household) -> None:
        """Begin with the household chosen (from its service file)."""
        if await self.busy(ctx, this_too=True):
            return
        await self._household_chosen(ctx, PairDraft(), found)

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """Take a button at the current step (coordinators only; data is checked)."""
        if not await may(ctx, Action.HOUSEHOLD_MANAGE):
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        await super().on_button(ctx, state, parts)

    # -- questions ------------------------------------------------------------------------

    async def _ask_household(self, ctx: Ctx, draft: PairDraft) -> None:
        await ctx.reply(*await self._households_view(ctx, draft))

    async def _households_view(self, ctx: Ctx, draft: PairDraft
                               ) -> tuple[str, InlineKeyboardMarkup]:
        """The matches of the name typed, if any still match, at the draft's page; else the
        households added or changed last."""
        if draft.query:
            found = await self._matching(ctx, draft.query)
            if found.found:
                return self._matches_view(ctx, draft, found)
        recent = await files.recent(ctx.services, RECENT_MAX)
        items = [(short(h.name), HOUSEHOLD_B.data(h.id)) for h in recent]
        return ctx.t("pair.intro"), buttons(pairs(items, 3))

    def _matches_view(self, ctx: Ctx, draft: PairDraft, found: Matches
                      ) -> tuple[str, InlineKeyboardMarkup]:
        """Every household the typed name matches, at the draft's page."""
        return household_pages.matches_view(ctx, draft, found, "pair.found", HOUSEHOLD_B.data,
                                            MATCHES_PAGE.data)

    async def _matching(self, ctx: Ctx, query: str) -> Matches:
        """The registry's households (not archived) whose name or id contains the text."""
        return await my_households.matching(ctx.services, query, MATCHES_MAX)

    async def _ask_worker(self, ctx: Ctx, draft: PairDraft) -> None:
        choices = await pairings.workers(ctx.services, draft.hid)
        if not choices.workers:
            await self.end(ctx)
            await ctx.reply(ctx.t("pair.no_workers"))
            return
        await ctx.reply(*await self._workers_view(ctx, draft, choices, draft.page))

    async def _workers_view(self, ctx: Ctx, draft: PairDraft, choices: pairings.Choices,
                            number: int) -> tuple[str, InlineKeyboardMarkup]:
        """Page `number` of the workers to choose from (the household's community's first,
        each with the communities they serve), with whom the household has now."""
        items = [(_worker_label(ctx, w), WORKER_B.data(w.telegram_id)) for w in choices.workers]
        rows, page = picker(ctx.t, items, number, WORKERS_PAGE.data, 2)
        lines = [ctx.t("pair.ask_worker", name=draft.name)]
        if choices.area_name is not None:
            lines.append(ctx.t("pair.local_first" if choices.local else "pair.none_local",
                               area=choices.area_name))
        current = await pairings.active_for_household(ctx.services, draft.hid)
        if current:
            lines.append(ctx.t("pair.current", worker=ctx.join(
                [p.worker_name for p in current])))
        return "\n".join([*lines, *page]), buttons(rows)

    async def _turn_workers(self, ctx: Ctx, draft: PairDraft, number: int) -> Refused | None:
        """Another page of workers, in the same message."""
        choices = await pairings.workers(ctx.services, draft.hid)
        if not choices.workers:
            return STALE
        draft.page = number
        await self.save(ctx, WORKER, draft)
        await ctx.edit_or_reply(*await self._workers_view(ctx, draft, choices, number))
        return None

    async def _ask_program(self, ctx: Ctx, draft: PairDraft) -> None:
        items = [(program_label(ctx, p.name), PROGRAM_B.data(p.id))
                 for p in await pairings.programs(ctx.services)]
        await ctx.reply(ctx.t("pair.ask_program"), buttons(pairs(items)))

    async def _ask_confirm(self, ctx: Ctx, draft: PairDraft) -> None:
        if draft.worker is None or draft.program is None:  # a damaged draft: ask again
            await self.goto(ctx, WORKER if draft.worker is None else PROGRAM, draft)
            return
        program = await pairings.program(ctx.services, draft.program)
        current = [p for p in await pairings.active_for_household(ctx.services, draft.hid)
                   if p.program_id == draft.program]
        values = {"worker": draft.worker_name, "name": draft.name,
                  "program": program_label(ctx, program.name) if program else ""}
        if current and current[0].worker_id != draft.worker:
            text = ctx.t("pair.confirm_handover", previous=current[0].worker_name, **values)
        else:
            text = ctx.t("pair.confirm", **values)
        choices = await pairings.workers(ctx.services, draft.hid)
        chosen = choices.find(draft.worker)
        if chosen is not None and choices.away(chosen):  # said before it is done, not after
            text += "\n" + ctx.t("pair.other_area", worker=chosen.name, area=choices.area_name,
                                 areas=ctx.join(list(chosen.areas)))
        await ctx.reply(text, buttons([[(ctx.t("pair.yes"), YES.data()),
                                        (ctx.t("pair.no"), NO.data())]]))

    # -- answers --------------------------------------------------------------------------

    async def _search(self, ctx: Ctx, draft: PairDraft, message: Message) -> bool:
        """A typed name searches the registry: every match, a page at a time."""
        text = clean(message.text)
        if not text:
            return False
        query = text[:40]
        await household_pages.answer_search(
            self, ctx, draft, query, await self._matching(ctx, query), "pair",
            lambda house: self._household_chosen(ctx, draft, house))
        return True

    async def save_household_step(self, ctx: Ctx, draft: PairDraft) -> None:
        """Keep the draft at the household question (its page turned)."""
        await self.save(ctx, HOUSEHOLD, draft)

    async def _turn_matches(self, ctx: Ctx, draft: PairDraft, search: int,
                            number: int) -> Refused | None:
        """Another page of the latest search's matches."""
        return await household_pages.turn_matches(self, ctx, draft, search, number)

    async def _household_chosen(self, ctx: Ctx, draft: PairDraft, found: Household) -> None:
        draft.hid, draft.name = found.id, found.name
        draft.page = 0  # the workers' first page, whatever page of matches it was on
        await self.goto(ctx, WORKER, draft)

    async def _household(self, ctx: Ctx, draft: PairDraft, household_id: int) -> Refused | None:
        found = await files.find(ctx.services, household_id)
        if found is None or found.archived:
            return STALE
        await self._household_chosen(ctx, draft, found)
        return None

    async def _worker(self, ctx: Ctx, draft: PairDraft, worker_id: int) -> Refused | None:
        worker = (await pairings.workers(ctx.services, draft.hid)).find(worker_id)
        if worker is None:
            return STALE
        draft.worker, draft.worker_name = worker.telegram_id, worker.name
        programs = await pairings.programs(ctx.services)
        if len(programs) == 1:
            draft.program = programs[0].id
            await self.goto(ctx, CONFIRM, draft)
        else:
            await self.goto(ctx, PROGRAM, draft)
        return None

    async def _program(self, ctx: Ctx, draft: PairDraft, program_id: int) -> Refused | None:
        if await pairings.program(ctx.services, program_id) is None:
            return STALE
        draft.program = program_id
        await self.goto(ctx, CONFIRM, draft)
        return None

    async def _yes(self, ctx: Ctx, draft: PairDraft) -> Refused | None:
        await self._commit(ctx, draft)
        return None

    async def _no(self, ctx: Ctx, draft: PairDraft) -> Refused | None:
        await self.end(ctx)
        await ctx.reply(ctx.t("flow.pair.cancelled"))
        return None

    async def _commit(self, ctx: Ctx, draft: PairDraft) -> None:
        if draft.worker is None or draft.program is None:
            await self.goto(ctx, WORKER, draft)
            return
        household_id, worker_id = draft.hid, draft.worker
        name, worker_name = draft.name, draft.worker_name
        outcome = await pairings.pair(ctx.services, ctx.user_id, household_id, worker_id,
                                      draft.program, today(ctx), ctx.now)
        await self.end(ctx)
        if not outcome.changed:
            await ctx.reply(ctx.t("pair.same", worker=worker_name, name=name))
            return
        if outcome.replaced is not None:
            await ctx.reply(ctx.t("pair.handover_done", worker=worker_name, name=name))
        else:
            await ctx.reply(ctx.t("pair.done", worker=worker_name, name=name))
        if worker_id != ctx.user_id:
            await self._tell(ctx, worker_id, "pair.to_worker", name=name, by=ctx.user_id,
                             owed=(household_id, name))
        if outcome.previous_worker is not None and outcome.previous_worker != ctx.user_id:
            await self._tell(ctx, outcome.previous_worker, "pair.to_previous", name=name,
                             worker=worker_name)

    async def _tell(self, ctx: Ctx, telegram_id: int, key: str, *, by: int | None = None,
                    owed: tuple[int, str] | None = None, **values: object) -> None:
        await pairings.tell(ctx.services, telegram_id, key, ctx.now, by=by, owed=owed,
                            **values)
