"""/projects: coordinators keep the micro-projects (民生微实事) group activities belong to.

/projects lists each project with its budget, period, communities, and the activities and
households it reached; ➕ starts the add flow (name → budget → period → communities → Confirm);
retiring asks once more. Every press checks the coordinator role again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from telegram import InlineKeyboardMarkup, Message
from telegram.ext import Application, CallbackQueryHandler

from bot.domain.access import Action
from bot.domain.activities import toggle
from bot.domain.aid import AmountProblem, format_yuan, parse_amount
from bot.domain.paging import page_holding, page_of
from bot.domain.people import Role
from bot.domain.projects import NAME_MAX, PeriodProblem, clean_name, parse_period
from bot.services import areas
from bot.services import projects as use
from bot.services.projects import Project, Refusal
from bot.telegram.commands import Command, CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx, handler
from bot.telegram.flowkit import CODEC, Int, Refused, Step, StepFlow, Steps, on
from bot.telegram.flows import FlowRegistry, start_unless_busy
from bot.telegram.household_ui import buttons, is_coordinator, join_within, short
from bot.telegram.keyboards import page_line, page_rows, picker
from storage.flows import FlowState

NAME = "project"
TITLE, BUDGET, PERIOD, AREAS, CONFIRM = "name", "budget", "period", "areas", "confirm"

PJ = CODEC.prefix("pj", "/projects")
ADD = PJ.button("add", Int())  # pj:add:0 (the number is not used)
RETIRE = PJ.button("ret", Int())
RETIRE_YES = PJ.button("yes", Int())
RETIRE_NO = PJ.button("no", Int())
PAGE = PJ.button("pg", Int(4))  # another page of projects

PN = CODEC.prefix("pn", "the add-a-project flow")
AREA_B = PN.button("a", Int())  # toggles one community
AREAS_DONE = PN.button("ad")
AREAS_PAGE = PN.button("ap", Int(4))  # another page of communities
OK = PN.button("ok")
NO = PN.button("no")


def project_line(ctx: Ctx, project: Project) -> str:
    """One project as a line of /projects."""
    return ctx.t("projects.retired_line" if project.retired else "projects.line",
                 name=project.name, budget=format_yuan(project.budget_fen),
                 start=project.starts_on.isoformat(), end=project.ends_on.isoformat(),
                 areas=ctx.join(list(project.area_names)),
                 activities=project.activities, households=project.households)


@dataclass
class ProjectDraft:
    """The new project so far (keys as stored by earlier releases)."""

    name: str = ""
    budget: int | None = None  # fen
    start: date | None = None
    end: date | None = None
    areas: list[int] = field(default_factory=list)
    page: int = 0  # the page of communities last shown: a resumed question reopens there


class ProjectFlow(StepFlow[ProjectDraft]):
    """A coordinator adds a project, one question at a time, kept in the flows table."""

    role = Role.COORDINATOR

    name = NAME
    callbacks = PN
    data_type = ProjectDraft
    stale_key = "projects.stale"

    def __init__(self) -> None:
        self.steps = Steps({
            TITLE: Step(self._ask_name, self._typed_name),
            BUDGET: Step(self._ask_budget, self._typed_budget),
            PERIOD: Step(self._ask_period, self._typed_period),
            AREAS: Step(self._ask_areas, buttons=(
                on(AREA_B, self._toggle_area, keep=True), on(AREAS_DONE, self._areas_done),
                on(AREAS_PAGE, self._turn_areas, keep=True))),
            CONFIRM: Step(self._ask_confirm, buttons=(on(OK, self._ok), on(NO, self._no))),
        })

    async def start(self, ctx: Ctx) -> None:
        """Ask for the name."""
        if await self.busy(ctx, this_too=True):
            return
        await ctx.reply(ctx.t("projects.intro"))
        await self.goto(ctx, TITLE, ProjectDraft())

    # -- questions ------------------------------------------------------------------------

    async def _ask_name(self, ctx: Ctx, draft: ProjectDraft) -> None:
        await ctx.reply(ctx.t("projects.ask_name", max=NAME_MAX))

    async def _ask_budget(self, ctx: Ctx, draft: ProjectDraft) -> None:
        await ctx.reply(ctx.t("projects.ask_budget"))

    async def _ask_period(self, ctx: Ctx, draft: ProjectDraft) -> None:
        await ctx.reply(ctx.t("projects.ask_period"))

    async def _ask_areas(self, ctx: Ctx, draft: ProjectDraft) -> None:
        text, markup = await self._areas_view(ctx, draft, draft.page)
        await ctx.reply(text, markup)

    async def _ask_confirm(self, ctx: Ctx, draft: ProjectDraft) -> None:
        await ctx.reply(await self._summary(ctx, draft), buttons([[
            (ctx.t("projects.button.confirm"), OK.data()),
            (ctx.t("projects.button.cancel"), NO.data())]]))

    async def _areas_view(self, ctx: Ctx, draft: ProjectDraft, number: int = 0, *,
                          holding: int | None = None) -> tuple[str, InlineKeyboardMarkup]:
        """Page `number` of the communities to tick (or the page of the one `holding`)."""
        live = await areas.active(ctx.services)
        chosen = set(draft.areas)
        names = [a.name for a in live if a.id in chosen]
        ids = [a.id for a in live]
        if holding in ids:
            number = page_holding(ids.index(holding))
        items = [(ctx.ticked(short(a.name), a.id in chosen), AREA_B.data(a.id))
                 for a in live]
        rows, page = picker(ctx.t, items, number, AREAS_PAGE.data, 3)
        text = "\n".join([ctx.t("projects.ask_areas"), ctx.t(
            "projects.chosen_areas", areas=ctx.join(names) or ctx.t("projects.nothing_chosen")),
            *page])
        return text, buttons([*rows, [(ctx.t("projects.button.done"), AREAS_DONE.data())]])

    async def _summary(self, ctx: Ctx, draft: ProjectDraft) -> str:
        names = {a.id: a.name for a in await areas.active(ctx.services)}
        return ctx.t("projects.summary", name=draft.name,
                     budget=format_yuan(draft.budget or 0),
                     start=draft.start.isoformat() if draft.start else "",
                     end=draft.end.isoformat() if draft.end else "",
                     areas=ctx.join([names.get(a, "?") for a in draft.areas]))

    # -- the role, again at every answer ------------------------------------------------------

    async def _still_coordinator(self, ctx: Ctx) -> bool:
        if is_coordinator(ctx):
            return True
        await self.end(ctx)
        await ctx.reply(ctx.t("error.needs_role.coordinator"))
        return False

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Take the name, budget or period as typed, from a coordinator only."""
        if await self._still_coordinator(ctx):
            await super().on_message(ctx, state)

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """pn:a:<area>, pn:ap:<page>, pn:ad, pn:ok, pn:no at their own step, from a
        coordinator only."""
        if not await ctx.may(Action.PROGRAMME_MANAGE):
            await self.end(ctx)
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        await super().on_button(ctx, state, parts)

    # -- typed answers --------------------------------------------------------------------

    @staticmethod
    def _text(message: Message) -> str:
        return " ".join((message.text or "").split())

    async def _typed_name(self, ctx: Ctx, draft: ProjectDraft, message: Message) -> bool:
        name = clean_name(self._text(message))
        if name is None:
            await ctx.reply(ctx.t("projects.problem.name_bad", max=NAME_MAX))
            return True
        draft.name = name
        await self.goto(ctx, BUDGET, draft)
        return True

    async def _typed_budget(self, ctx: Ctx, draft: ProjectDraft, message: Message) -> bool:
        fen = parse_amount(self._text(message))
        if isinstance(fen, AmountProblem):
            await ctx.reply(ctx.t(f"projects.budget.{fen.value}"))
            return True
        draft.budget = fen
        await self.goto(ctx, PERIOD, draft)
        return True

    async def _typed_period(self, ctx: Ctx, draft: ProjectDraft, message: Message) -> bool:
        period = parse_period(self._text(message))
        if isinstance(period, PeriodProblem):
            await ctx.reply(ctx.t(f"projects.period.{period.value}"))
            return True
        draft.start, draft.end, draft.areas = period[0], period[1], []
        await self.goto(ctx, AREAS, draft)
        return True

    # -- buttons --------------------------------------------------------------------------

    async def _toggle_area(self, ctx: Ctx, draft: ProjectDraft, area_id: int) -> Refused | None:
        live = {a.id for a in await areas.active(ctx.services)}
        chosen = toggle(draft.areas, area_id, live)
        if chosen is None:
            return Refused("projects.problem.no_areas")
        draft.areas = chosen
        await self.save(ctx, AREAS, draft)
        text, markup = await self._areas_view(ctx, draft, holding=area_id)
        await ctx.edit_or_reply(text, markup)
        return None

    async def _turn_areas(self, ctx: Ctx, draft: ProjectDraft, number: int) -> Refused | None:
        """Another page of communities, in the same message (what is ticked stays)."""
        draft.page = number
        await self.save(ctx, AREAS, draft)
        await ctx.edit_or_reply(*await self._areas_view(ctx, draft, number))
        return None

    async def _areas_done(self, ctx: Ctx, draft: ProjectDraft) -> Refused | None:
        if not draft.areas:
            return Refused("projects.problem.no_areas")
        await self.goto(ctx, CONFIRM, draft)
        return None

    async def _ok(self, ctx: Ctx, draft: ProjectDraft) -> Refused | None:
        """Confirmed: the summary loses its buttons before the answer comes."""
        await ctx.drop_keyboard()
        await self.end(ctx)
        await self._submit(ctx, draft)
        return None

    async def _no(self, ctx: Ctx, draft: ProjectDraft) -> Refused | None:
        """Cancelled: the summary loses its buttons before the answer comes."""
        await ctx.drop_keyboard()
        await self.end(ctx)
        await ctx.reply(ctx.t("flow.project.cancelled"))
        return None

    async def _submit(self, ctx: Ctx, draft: ProjectDraft) -> None:
        if draft.start is None or draft.end is None:  # a damaged draft: nothing to save
            await ctx.reply(ctx.t("projects.problem.period_bad"))
            return
        added = await use.add(ctx.services, ctx.user_id, is_coordinator(ctx), draft.name,
                              draft.budget or 0, (draft.start, draft.end), list(draft.areas))
        if isinstance(added, Refusal):
            await ctx.reply(ctx.t(f"projects.problem.{added.value}", max=NAME_MAX,
                                  name=draft.name))
            return
        await ctx.reply(ctx.t("projects.added", name=added.name))


class ProjectsView:
    """/projects: each project with what it reached; add and retire buttons."""

    def __init__(self, flow: ProjectFlow) -> None:
        self.flow = flow

    async def show(self, ctx: Ctx, number: int = 0, *, edit: bool = False) -> None:
        """The projects, running ones first, retired ones marked, a page at a time."""
        found = page_of(await use.listed(ctx.services), number)
        lines = [ctx.t("projects.title" if found.total else "projects.none")]
        lines += [project_line(ctx, p) for p in found.items]
        lines += page_line(ctx.t, found)
        rows = [[(ctx.t("projects.button.add"), ADD.data(0))]]
        rows += [[(ctx.label("projects.button.retire", name=short(p.name, 20)),
                   RETIRE.data(p.id))] for p in found.items if not p.retired]
        rows += page_rows(ctx.t, found, PAGE.data)
        if edit:
            await ctx.edit_or_reply(join_within(lines), buttons(rows))
        else:
            await ctx.reply(join_within(lines), buttons(rows))

    async def on_button(self, ctx: Ctx) -> None:
        """pj:add:0, pj:pg:<page>, pj:ret|yes|no:<project>: coordinators only, checked at
        every press."""
        data = ctx.query.data if ctx.query and ctx.query.data else ""
        if not await ctx.may(Action.PROGRAMME_MANAGE):
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        if (page := PAGE.parse(data)) is not None:
            await ctx.answer()
            await self.show(ctx, page[0], edit=True)
            return
        if ADD.parse(data) is not None:
            await ctx.answer()
            await start_unless_busy(ctx, lambda: self.flow.start(ctx), "projects.busy")
            return
        retire, yes, no = RETIRE.parse(data), RETIRE_YES.parse(data), RETIRE_NO.parse(data)
        pressed = retire or yes or no
        if pressed is None:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        await ctx.answer()
        found = await use.get(ctx.services, pressed[0])
        if found is None or found.retired:
            await ctx.reply(ctx.t("projects.gone"))
            return
        if retire is not None:
            await ctx.reply(ctx.t("projects.confirm_retire", name=found.name), buttons([[
                (ctx.t("projects.button.yes"), RETIRE_YES.data(found.id)),
                (ctx.t("projects.button.no"), RETIRE_NO.data(found.id))]]))
            return
        await ctx.drop_keyboard()
        if no is not None:
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
                                             pattern=f"^{PJ.name}:"))
