"""/activity: record one group activity for many households at once.

title → kind → date → communities → who took part (mine, all of these communities for
coordinators, or picked one by one with toggles) → services given (several) → people reached →
the micro-project it belongs to (when there are any) → summary with Confirm. A holiday visit or
policy check counts as each household's visit, so nobody logs the same event twice. Every step
is stored; every press is checked again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from telegram import InlineKeyboardMarkup
from telegram.ext import Application

from bot.domain.activities import (
    HOUSEHOLDS_MAX,
    PEOPLE_MAX,
    TITLE_MAX,
    ActivityKind,
    counts_as,
    toggle,
)
from bot.domain.households import Service, toggle_service
from bot.domain.paging import page_holding
from bot.domain.people import Role
from bot.services import activities as use
from bot.services import areas
from bot.services import projects as project_use
from bot.services.activities import ALL, MINE, PICK, Draft, Refusal
from bot.telegram.commands import Command, CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx
from bot.telegram.flowkit import CODEC, STALE, Choice, Int, Refused, Step, StepFlow, Steps, on
from bot.telegram.flowkit.answers import (
    TEXT_ONLY,
    day_button,
    day_step,
    number_step,
    text_step,
)
from bot.telegram.flows import FlowRegistry
from bot.telegram.household_ui import buttons, is_coordinator, pairs, short, today
from bot.telegram.keyboards import picker

NAME = "activity"
TITLE, KIND, DAY, AREAS, SCOPE, PICKING, SERVICES, PEOPLE, PROJECT, CONFIRM = (
    "title", "kind", "day", "areas", "scope", "pick", "services", "people", "project", "confirm")

AC = CODEC.prefix("ac", "the activity flow")
KIND_B = AC.button("k", Choice(ActivityKind))
DAY_B = day_button(AC)
AREA_B = AC.button("a", Int())  # toggles one community
AREAS_DONE = AC.button("ad")
AREAS_PAGE = AC.button("ap", Int(4))  # another page of communities
SCOPE_B = AC.button("sc", Choice((MINE, ALL, PICK)))
PICK_B = AC.button("h", Int())  # toggles one household
PICK_DONE = AC.button("hd")
PICK_PAGE = AC.button("hp", Int(4))  # another page of households
SERVICE_B = AC.button("s", Choice(Service))  # toggles one service
SERVICES_DONE = AC.button("sd")
BY_HOUSEHOLDS = AC.button("p", Choice(("0",)))  # people reached: count the households
PROJECT_B = AC.button("pr", Int())  # 0: no project
PROJECTS_PAGE = AC.button("pp", Int(4))  # another page of projects
OK = AC.button("ok")
NO = AC.button("no")


@dataclass
class ActivityDraft:
    """The answers so far (keys as stored by earlier releases)."""

    title: str = ""
    kind: ActivityKind | None = None
    day: date | None = None
    areas: list[int] = field(default_factory=list)
    scope: str = ""
    picked: list[int] = field(default_factory=list)
    households: list[int] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    people: int | None = None  # None: as many as households
    project: int | None = None
    project_name: str | None = None
    # The page of each list last shown: a resumed question reopens there.
    area_page: int = 0
    pick_page: int = 0
    project_page: int = 0


class ActivityFlow(StepFlow[ActivityDraft]):
    """The /activity conversation, kept in the flows table."""

    role = Role.WORKER

    name = NAME
    callbacks = AC
    data_type = ActivityDraft
    stale_key = "activity.stale"

    def __init__(self) -> None:
        self.steps = Steps({
            TITLE: text_step("activity.ask_title", self._take_title, maximum=TITLE_MAX,
                             tidy=True, media=TEXT_ONLY),
            KIND: Step(self._ask_kind, buttons=(on(KIND_B, self._kind),)),
            DAY: day_step("activity", DAY_B, self._take_day),
            AREAS: Step(self._ask_areas, buttons=(
                on(AREA_B, self._toggle_area, keep=True), on(AREAS_DONE, self._areas_done),
                on(AREAS_PAGE, self._turn_areas, keep=True))),
            SCOPE: Step(self._ask_scope, buttons=(on(SCOPE_B, self._scope),)),
            PICKING: Step(self._ask_pick, buttons=(
                on(PICK_B, self._toggle_pick, keep=True), on(PICK_DONE, self._pick_done),
                on(PICK_PAGE, self._turn_pick, keep=True))),
            SERVICES: Step(self._ask_services, buttons=(
                on(SERVICE_B, self._toggle_service, keep=True),
                on(SERVICES_DONE, self._services_done))),
            PEOPLE: number_step(self._ask_people, self._take_people, maximum=PEOPLE_MAX,
                                options=(on(BY_HOUSEHOLDS, self._by_households),)),
            PROJECT: Step(self._ask_project, buttons=(
                on(PROJECT_B, self._project), on(PROJECTS_PAGE, self._turn_projects, keep=True))),
            CONFIRM: Step(self._ask_confirm, buttons=(on(OK, self._ok), on(NO, self._no))),
        })

    async def start(self, ctx: Ctx) -> None:
        """Begin recording an activity (or resume the one in progress)."""
        if await self.busy(ctx):  # another task half done: said, and asked again
            return
        state = await self.current(ctx)
        if state is not None:
            await ctx.reply(ctx.t("activity.resume"))
            await self.ask(ctx, state)
            return
        await ctx.reply(ctx.t("activity.intro"))
        await self.goto(ctx, TITLE, ActivityDraft())

    async def expect(self, ctx: Ctx, step: str) -> None:
        """Say what the step expects."""
        await ctx.reply(ctx.t(f"activity.expect.{step}",
                              max=TITLE_MAX if step == TITLE else PEOPLE_MAX))

    # -- questions ------------------------------------------------------------------------

    async def _ask_kind(self, ctx: Ctx, draft: ActivityDraft) -> None:
        items = [(ctx.t(f"activity.kind.{k.value}"), KIND_B.data(k)) for k in ActivityKind]
        await ctx.reply(ctx.t("activity.ask_kind", title=draft.title), buttons(pairs(items)))

    async def _ask_areas(self, ctx: Ctx, draft: ActivityDraft) -> None:
        text, markup = await self._areas_view(ctx, draft, draft.area_page)
        await ctx.reply(text, markup)

    async def _ask_pick(self, ctx: Ctx, draft: ActivityDraft) -> None:
        text, markup = await self._pick_view(ctx, draft, draft.pick_page)
        await ctx.reply(text, markup)

    async def _ask_services(self, ctx: Ctx, draft: ActivityDraft) -> None:
        await ctx.reply(self._services_text(ctx, draft), self._services_keyboard(ctx, draft))

    async def _ask_people(self, ctx: Ctx, draft: ActivityDraft) -> None:
        await ctx.reply(ctx.t("activity.ask_people"), buttons([[
            (ctx.t("activity.button.by_households", count=len(draft.households)),
             BY_HOUSEHOLDS.data("0"))]]))

    async def _ask_confirm(self, ctx: Ctx, draft: ActivityDraft) -> None:
        await ctx.reply(await self._summary(ctx, draft), buttons([[
            (ctx.t("activity.button.confirm"), OK.data()),
            (ctx.t("activity.button.cancel"), NO.data())]]))

    async def _areas_view(self, ctx: Ctx, draft: ActivityDraft, number: int = 0, *,
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
        text = "\n".join([ctx.t("activity.ask_areas"), ctx.t(
            "activity.chosen_areas", areas=ctx.join(names) or ctx.t("activity.nothing_chosen")),
            *page])
        return text, buttons([*rows, [(ctx.t("activity.button.done"), AREAS_DONE.data())]])

    async def _ask_scope(self, ctx: Ctx, draft: ActivityDraft) -> None:
        area_ids = list(draft.areas)
        mine = await use.participants(ctx.services, ctx.user_id, False, area_ids, MINE)
        rows = []
        if isinstance(mine, list) and mine:
            rows.append([(ctx.t("activity.button.mine", count=len(mine)), SCOPE_B.data(MINE))])
        if is_coordinator(ctx):
            everyone = await use.participants(ctx.services, ctx.user_id, True, area_ids, ALL)
            if isinstance(everyone, list) and everyone:
                rows.append([(ctx.t("activity.button.all", count=len(everyone)),
                              SCOPE_B.data(ALL))])
        if rows:
            rows.append([(ctx.t("activity.button.pick"), SCOPE_B.data(PICK))])
        if not rows:
            await ctx.reply(ctx.t("activity.problem.no_households"))
            draft.areas = []
            await self.goto(ctx, AREAS, draft)
            return
        await ctx.reply(ctx.t("activity.ask_scope"), buttons(rows))

    async def _pick_view(self, ctx: Ctx, draft: ActivityDraft, number: int = 0, *,
                         holding: int | None = None) -> tuple[str, InlineKeyboardMarkup]:
        """Page `number` of the households to tick (or the page of the one `holding`)."""
        offered = await use.pick_list(ctx.services, ctx.user_id, is_coordinator(ctx),
                                      list(draft.areas))
        offered = [] if isinstance(offered, Refusal) else offered
        chosen = set(draft.picked)
        names = [name for h, name in offered if h in chosen]
        ids = [h for h, _ in offered]
        if holding in ids:
            number = page_holding(ids.index(holding))
        items = [(ctx.ticked(short(name), h in chosen), PICK_B.data(h))
                 for h, name in offered]
        rows, page = picker(ctx.t, items, number, PICK_PAGE.data, 2)
        lines = [ctx.t("activity.ask_pick"), ctx.t(
            "activity.chosen_households", count=len(names),
            names=ctx.join(names) or ctx.t("activity.nothing_chosen")), *page]
        return "\n".join(lines), buttons([*rows,
                                          [(ctx.t("activity.button.done"), PICK_DONE.data())]])

    def _services_text(self, ctx: Ctx, draft: ActivityDraft) -> str:
        names = [ctx.t(f"service.{code}") for code in draft.services]
        return ctx.t("activity.ask_services") + "\n" + ctx.t(
            "activity.chosen_services",
            services=ctx.join(names) or ctx.t("activity.nothing_chosen"))

    def _services_keyboard(self, ctx: Ctx, draft: ActivityDraft) -> InlineKeyboardMarkup:
        chosen = set(draft.services)
        items = [(ctx.ticked(ctx.t(f"service.{s.value}"), s.value in chosen),
                  SERVICE_B.data(s)) for s in Service]
        return buttons([*pairs(items),
                        [(ctx.t("activity.button.done"), SERVICES_DONE.data())]])

    async def _ask_project(self, ctx: Ctx, draft: ActivityDraft) -> None:
        await ctx.reply(*await self._projects_view(ctx, draft, draft.project_page))

    async def _projects_view(self, ctx: Ctx, draft: ActivityDraft,
                             number: int) -> tuple[str, InlineKeyboardMarkup]:
        """Page `number` of the projects running on the activity's day, and "none"."""
        offered = await project_use.running_on(ctx.services, draft.day or today(ctx))
        rows, page = picker(ctx.t, [(short(p.name, 24), PROJECT_B.data(p.id)) for p in offered],
                            number, PROJECTS_PAGE.data)
        rows.append([(ctx.t("activity.button.no_project"), PROJECT_B.data(0))])
        return "\n".join([ctx.t("activity.ask_project"), *page]), buttons(rows)

    async def _after_people(self, ctx: Ctx, draft: ActivityDraft) -> None:
        """On to the project when there are any to choose from, else to the summary."""
        running = await project_use.running_on(ctx.services, draft.day or today(ctx))
        await self.goto(ctx, PROJECT if running else CONFIRM, draft)

    async def _summary(self, ctx: Ctx, draft: ActivityDraft) -> str:
        names = {a.id: a.name for a in await areas.active(ctx.services)}
        households = len(draft.households)
        kind = draft.kind or ActivityKind(next(iter(ActivityKind)))
        people = draft.people or ctx.t("activity.people_by_households")
        contact = counts_as(kind)
        lines = [ctx.t("activity.summary_title"), ctx.t(
            "activity.summary_line", title=draft.title,
            kind=ctx.t(f"activity.kind.{kind.value}"),
            day=draft.day.isoformat() if draft.day else "",
            areas=ctx.join([names.get(a, "") for a in draft.areas]),
            households=households, people=people)]
        services = [ctx.t(f"service.{code}") for code in draft.services]
        lines.append(ctx.t("activity.summary_services",
                           services=ctx.join(services) or ctx.t("activity.nothing_chosen")))
        if draft.project_name:
            lines.append(ctx.t("activity.summary_project", project=draft.project_name))
        lines.append(ctx.t("activity.counts", count=households,
                           contact=ctx.t(f"kind.{contact.value}")) if contact
                     else ctx.t("activity.counts_none"))
        return "\n".join(lines)

    # -- typed answers --------------------------------------------------------------------

    async def _take_title(self, ctx: Ctx, draft: ActivityDraft, title: str) -> None:
        draft.title = title
        await self.goto(ctx, KIND, draft)

    async def _take_day(self, ctx: Ctx, draft: ActivityDraft, day: date) -> None:
        draft.day = day
        await self.goto(ctx, AREAS, draft)

    async def _take_people(self, ctx: Ctx, draft: ActivityDraft, people: int) -> None:
        draft.people = people
        await self._after_people(ctx, draft)

    # -- buttons --------------------------------------------------------------------------

    async def _kind(self, ctx: Ctx, draft: ActivityDraft, kind: ActivityKind) -> Refused | None:
        draft.kind = kind
        await self.goto(ctx, DAY, draft)
        return None

    async def _toggle_area(self, ctx: Ctx, draft: ActivityDraft, area_id: int) -> Refused | None:
        live = {a.id for a in await areas.active(ctx.services)}
        chosen = toggle(draft.areas, area_id, live)
        if chosen is None:
            return STALE  # a community retired since the list was shown
        draft.areas = chosen
        await self.save(ctx, AREAS, draft)
        text, markup = await self._areas_view(ctx, draft, holding=area_id)
        await ctx.edit_or_reply(text, markup)
        return None

    async def _turn_areas(self, ctx: Ctx, draft: ActivityDraft, number: int) -> Refused | None:
        """Another page of communities, in the same message (what is ticked stays)."""
        draft.area_page = number
        await self.save(ctx, AREAS, draft)
        await ctx.edit_or_reply(*await self._areas_view(ctx, draft, number))
        return None

    async def _areas_done(self, ctx: Ctx, draft: ActivityDraft) -> Refused | None:
        if not draft.areas:
            return Refused("activity.problem.no_areas")
        await self.goto(ctx, SCOPE, draft)
        return None

    async def _scope(self, ctx: Ctx, draft: ActivityDraft, scope: str) -> Refused | None:
        if scope == PICK:
            offered = await use.pickable(ctx.services, ctx.user_id, is_coordinator(ctx),
                                         list(draft.areas))
            if isinstance(offered, Refusal) or not offered:
                return self._no_households(ctx, offered)
            draft.picked = []
            await self.goto(ctx, PICKING, draft)
            return None
        found = await use.participants(ctx.services, ctx.user_id, is_coordinator(ctx),
                                       list(draft.areas), scope)
        if isinstance(found, Refusal) or not found:
            return self._no_households(ctx, found)
        draft.scope, draft.households = scope, found
        await self.goto(ctx, SERVICES, draft)
        return None

    def _no_households(self, ctx: Ctx, found: Refusal | list[int]) -> Refused:
        """Why nobody can take part: a refusal of the use case, or an empty list."""
        key = found.value if isinstance(found, Refusal) else "no_households"
        return Refused.saying(f"activity.problem.{key}", max=HOUSEHOLDS_MAX)

    async def _toggle_pick(self, ctx: Ctx, draft: ActivityDraft,
                           household_id: int) -> Refused | None:
        """Toggle one household (only one of those offered)."""
        pool = await use.pickable(ctx.services, ctx.user_id, is_coordinator(ctx),
                                  list(draft.areas))
        toggled = toggle(draft.picked, household_id,
                         set() if isinstance(pool, Refusal) else set(pool))
        if toggled is None:
            return Refused("activity.problem.not_yours")
        draft.picked = toggled
        await self.save(ctx, PICKING, draft)
        text, markup = await self._pick_view(ctx, draft, holding=household_id)
        await ctx.edit_or_reply(text, markup)
        return None

    async def _turn_pick(self, ctx: Ctx, draft: ActivityDraft, number: int) -> Refused | None:
        """Another page of households, in the same message (what is ticked stays)."""
        draft.pick_page = number
        await self.save(ctx, PICKING, draft)
        await ctx.edit_or_reply(*await self._pick_view(ctx, draft, number))
        return None

    async def _pick_done(self, ctx: Ctx, draft: ActivityDraft) -> Refused | None:
        if not draft.picked:
            return Refused("activity.problem.no_pick")
        draft.scope, draft.households = PICK, list(draft.picked)
        await self.goto(ctx, SERVICES, draft)
        return None

    async def _toggle_service(self, ctx: Ctx, draft: ActivityDraft,
                              service: Service) -> Refused | None:
        given = toggle_service(draft.services, service.value)
        if given is None:
            return STALE
        draft.services = given
        await self.save(ctx, SERVICES, draft)
        await ctx.edit_or_reply(self._services_text(ctx, draft),
                                self._services_keyboard(ctx, draft))
        return None

    async def _services_done(self, ctx: Ctx, draft: ActivityDraft) -> Refused | None:
        await self.goto(ctx, PEOPLE, draft)
        return None

    async def _by_households(self, ctx: Ctx, draft: ActivityDraft, _: str) -> Refused | None:
        draft.people = None
        await self._after_people(ctx, draft)
        return None

    async def _turn_projects(self, ctx: Ctx, draft: ActivityDraft,
                             number: int) -> Refused | None:
        """Another page of projects, in the same message."""
        draft.project_page = number
        await self.save(ctx, PROJECT, draft)
        await ctx.edit_or_reply(*await self._projects_view(ctx, draft, number))
        return None

    async def _project(self, ctx: Ctx, draft: ActivityDraft, project_id: int) -> Refused | None:
        """A project still running, or none (0)."""
        if project_id:
            found = await project_use.get(ctx.services, project_id)
            if found is None or found.retired:
                return Refused("activity.problem.project_retired")
            if not found.starts_on <= (draft.day or today(ctx)) <= found.ends_on:
                return Refused("activity.problem.project_period")
            draft.project, draft.project_name = found.id, found.name
        else:
            draft.project, draft.project_name = None, None
        await self.goto(ctx, CONFIRM, draft)
        return None

    async def _ok(self, ctx: Ctx, draft: ActivityDraft) -> Refused | None:
        """Confirmed: the summary loses its buttons before the answer comes."""
        await ctx.drop_keyboard()
        await self._submit(ctx, draft)
        return None

    async def _no(self, ctx: Ctx, draft: ActivityDraft) -> Refused | None:
        """Cancelled: the summary loses its buttons before the answer comes."""
        await ctx.drop_keyboard()
        await self.end(ctx)
        await ctx.reply(ctx.t("flow.activity.cancelled"))
        return None

    # -- saving ---------------------------------------------------------------------------

    async def _submit(self, ctx: Ctx, draft: ActivityDraft) -> None:
        """Save through the use case, which works out the households again."""
        if draft.kind is None or draft.day is None:  # a damaged draft: ask again
            await self.goto(ctx, KIND if draft.kind is None else DAY, draft)
            return
        kind = draft.kind
        new = Draft(title=draft.title, kind=kind, day=draft.day,
                    people_reached=draft.people or None, area_ids=list(draft.areas),
                    scope=draft.scope, household_ids=list(draft.households),
                    services=list(draft.services), project_id=draft.project or None)
        saved = await use.record(ctx.services, ctx.user_id, is_coordinator(ctx), new)
        await self.end(ctx)
        if isinstance(saved, Refusal):
            await ctx.reply(ctx.t(f"activity.problem.{saved.value}", max=HOUSEHOLDS_MAX))
            return
        lines = [ctx.t("activity.saved", title=new.title, count=saved.households)]
        contact = counts_as(kind)
        if contact is not None:
            lines.append(ctx.t("activity.saved_counts", count=saved.contacts,
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
