"""Adding and editing a household in chat, and finding one by name (coordinators)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Message

from bot.domain.access import Action
from bot.domain.causes import Cause, from_codes, toggle_cause
from bot.domain.households import (
    ADDRESS_MAX,
    NAME_MAX,
    OFFERED_CATEGORIES,
    PEOPLE_MAX,
    TEXT_MAX,
    Category,
    check_household,
    check_text,
    clean,
    parse_count,
    toggle_category,
)
from bot.domain.paging import MATCHES_MAX, page_of
from bot.domain.people import Role
from bot.domain.reports import Report, normalise_phone, reference
from bot.services import areas, cases, household_edits, my_households
from bot.services import household_files as files
from bot.services.access import HouseholdRef
from bot.services.household_files import Household
from bot.services.my_households import Matches
from bot.telegram import household_pages
from bot.telegram.context import Ctx
from bot.telegram.flowkit import CODEC, STALE, Choice, Int, Refused, Step, StepFlow, Steps, on
from bot.telegram.household_file import HouseholdViews
from bot.telegram.household_ui import (
    PAIR,
    buttons,
    can_open,
    causes_value,
    is_coordinator,
    may,
    pairs,
    today,
)
from bot.telegram.keyboards import page_line, page_rows
from storage.flows import FlowState

# -- from a report to a household ---

REPORT_CATEGORY = {
    "elderly_alone": Category.ELDERLY_ALONE, "child": Category.CHILD_DIFFICULTY,
    "disability": Category.SEVERE_DISABILITY, "health": Category.SERIOUS_ILLNESS,
}


async def report_taker(ctx: Ctx, report_id: int) -> bool:
    """Whether the acting person took this report."""
    return await household_edits.report_taker(ctx.services, report_id, ctx.user_id)


# -- adding and editing a household -------------------------------------------------------------

H_NAME, H_AREA, H_ADDRESS, H_PEOPLE, H_CATEGORY = "name", "area", "address", "people", "category"
H_CAUSES, H_NEEDS, H_PHONE, H_CONFIRM, H_EDIT = "causes", "needs", "phone", "confirm", "edit"
H_FIELDS = (H_NAME, H_AREA, H_ADDRESS, H_PEOPLE, H_CATEGORY, H_CAUSES, H_NEEDS, H_PHONE)
H_NEXT = {H_NAME: H_AREA, H_AREA: H_ADDRESS, H_ADDRESS: H_PEOPLE, H_PEOPLE: H_CATEGORY,
          H_CATEGORY: H_CAUSES, H_CAUSES: H_NEEDS, H_NEEDS: H_PHONE, H_PHONE: H_CONFIRM}
H_SKIPPABLE = (H_CAUSES, H_NEEDS, H_PHONE)
H_MAX = {H_NAME: NAME_MAX, H_ADDRESS: ADDRESS_MAX, H_PEOPLE: PEOPLE_MAX, H_CAUSES: TEXT_MAX,
         H_NEEDS: TEXT_MAX, H_PHONE: 15}

HH = CODEC.prefix("hh", "adding and editing a household (bot/telegram/household_flow.py)")
ZERO = Choice(("0",))  # the placeholder these buttons have always carried
AREA_B = HH.button("area", Int())
AREA_PAGE = HH.button("apg", Int(4))  # another page of communities
CATEGORY_B, CATEGORIES_DONE = HH.button("cat", Choice(Category)), HH.button("catok", ZERO)
CAUSE_B, CAUSES_DONE = HH.button("cau", Choice(Cause)), HH.button("cauok", ZERO)
SKIP = HH.button("skip", ZERO)
CONFIRM, EDIT, CANCEL = HH.button("ok", ZERO), HH.button("edit", ZERO), HH.button("cancel", ZERO)
FIELD_B = HH.button("ef", Choice(H_FIELDS))  # hh:ef:<field>  change this field

FD = CODEC.prefix("fd", "finding a household by name (bot/telegram/household_flow.py)")
FOUND_B = FD.button("h", Int())  # fd:h:<household>: open its file, or link the report to it
MATCHES_PAGE = FD.button("mp", Int(4), Int(4))  # fd:mp:<search>:<page>: of a typed search


@dataclass
class HouseholdDraft:
    """A household's fields as typed so far (the keys drafts have always been saved under)."""

    hid: int = 0  # the household being edited; 0 while adding one
    report: int = 0  # the report it is made from, if any
    name: str = ""
    area: int | None = None
    address: str = ""
    people: int = 0  # 0: not given (counts as 1)
    category: str = ""  # ticked category codes, "dibao,severe_disability"; the first is primary
    causes: str = ""  # the free-text part of the causes
    cause_codes: str = ""  # the causes ticked from the list
    needs: str = ""
    phone: str = ""
    editing: bool = False  # changing one field: back to the summary after it
    area_page: int = 0  # the page of communities last shown: a resumed question reopens there


def chosen_categories(draft: HouseholdDraft) -> list[str]:
    """The category codes ticked so far, first = primary."""
    known = {c.value for c in Category}
    return [c for c in draft.category.split(",") if c in known]


def category_names(ctx: Ctx, codes: list[str]) -> str:
    """Categories by their names, in the person's language."""
    return ctx.t("household.category_sep").join(ctx.t(f"category.{c}") for c in codes)


class HouseholdFlow(StepFlow[HouseholdDraft]):
    """A coordinator adds a household step by step, or edits one from its service file."""

    role = Role.WORKER

    name = "household"
    callbacks = HH
    data_type = HouseholdDraft
    stale_key = "log.stale"

    def __init__(self) -> None:
        self.steps = Steps({
            H_NAME: Step(self._ask_text(H_NAME), self._typed(H_NAME)),
            H_AREA: Step(self._ask_area, None, (on(AREA_B, self._area),
                                                 on(AREA_PAGE, self._turn_areas, keep=True))),
            H_ADDRESS: Step(self._ask_text(H_ADDRESS), self._typed(H_ADDRESS)),
            H_PEOPLE: Step(self._ask_text(H_PEOPLE), self._typed(H_PEOPLE)),
            H_CATEGORY: Step(self._ask_categories, None, (
                on(CATEGORY_B, self._tick_category, keep=True),
                on(CATEGORIES_DONE, self._categories_done))),
            H_CAUSES: Step(self._ask_causes, self._typed(H_CAUSES), (
                on(CAUSE_B, self._tick_cause, keep=True), on(CAUSES_DONE, self._causes_done),
                on(SKIP, self._skip(H_CAUSES)))),
            H_NEEDS: Step(self._ask_skippable(H_NEEDS), self._typed(H_NEEDS),
                          (on(SKIP, self._skip(H_NEEDS)),)),
            H_PHONE: Step(self._ask_skippable(H_PHONE), self._typed(H_PHONE),
                          (on(SKIP, self._skip(H_PHONE)),)),
            H_CONFIRM: Step(self._ask_confirm, None, (
                on(CONFIRM, self._confirm), on(EDIT, self._edit), on(CANCEL, self._cancel))),
            H_EDIT: Step(self._ask_edit, None, (
                on(FIELD_B, self._field), on(CONFIRM, self._confirm),
                on(CANCEL, self._cancel))),
        })

    # -- starting --------------------------------------------------------------------------

    async def start(self, ctx: Ctx) -> None:
        """Begin adding a household (coordinators only)."""
        if not await may(ctx, Action.HOUSEHOLD_MANAGE):
            await ctx.reply(ctx.t("household.not_allowed"))
            return
        if await self.busy(ctx):  # another task half done: said, and asked again
            return
        state = await self.current(ctx)
        if state is not None:
            await ctx.reply(ctx.t("household.resume"))
            await self.ask(ctx, state)
            return
        await ctx.reply(ctx.t("household.intro"))
        await self.goto(ctx, H_NAME, HouseholdDraft())

    async def edit(self, ctx: Ctx, found: Household) -> None:
        """Open a household's fields at the summary, ready to change and save."""
        if await self.busy(ctx, this_too=True):
            return
        await self.goto(ctx, H_EDIT, HouseholdDraft(
            hid=found.id, name=found.name, area=found.area_id, address=found.address,
            people=found.people_count,
            category=",".join(c.value for c in found.categories or (found.category,)),
            causes=found.causes, cause_codes=",".join(c.value for c in found.cause_codes),
            needs=found.needs, phone=found.phone or ""))

    async def from_report(self, ctx: Ctx, report: Report) -> None:
        """Start a household from a report the person took: what it says is filled in."""
        if await self.busy(ctx, this_too=True):
            return
        category = REPORT_CATEGORY.get(str(report.category), Category.OTHER)
        # Not the phone: it is the reporter's (often a neighbour's), and a household's phone
        # reaches every worker paired with it later. The worker adds the household's own.
        draft = HouseholdDraft(
            report=report.id, name=clean(report.subject)[:NAME_MAX], area=report.area_id,
            address=clean(report.address)[:ADDRESS_MAX], people=1, category=category.value,
            causes=clean(report.description)[:TEXT_MAX])
        if not draft.name:
            draft.editing = True
            await self.goto(ctx, H_NAME, draft)
            return
        await self.goto(ctx, H_CONFIRM, draft)

    async def _allowed(self, ctx: Ctx, draft: HouseholdDraft) -> bool:
        if is_coordinator(ctx):
            return True
        if not draft.report or draft.hid:
            return False
        return await report_taker(ctx, draft.report)

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """Only coordinators, or the worker who took the report it is made from, press on."""
        if not await self._allowed(ctx, self.load(state)):
            await ctx.answer(ctx.t("household.not_allowed"), alert=True)
            return
        await super().on_button(ctx, state, parts)

    async def _next(self, ctx: Ctx, step: str, draft: HouseholdDraft) -> None:
        following = H_CONFIRM if draft.editing else H_NEXT[step]
        draft.editing = False
        if following == H_AREA and not await areas.active(ctx.services):
            following = H_ADDRESS
        await self.goto(ctx, following, draft)

    # -- asking ----------------------------------------------------------------------------

    def _ask_text(self, step: str) -> Callable[[Ctx, HouseholdDraft], Awaitable[None]]:
        async def ask(ctx: Ctx, draft: HouseholdDraft) -> None:
            await ctx.reply(ctx.t(f"household.ask_{step}"))
        return ask

    def _ask_skippable(self, step: str) -> Callable[[Ctx, HouseholdDraft], Awaitable[None]]:
        async def ask(ctx: Ctx, draft: HouseholdDraft) -> None:
            await ctx.reply(ctx.t(f"household.ask_{step}"),
                            buttons([[(ctx.t("household.skip"), SKIP.data("0"))]]))
        return ask

    async def _ask_area(self, ctx: Ctx, draft: HouseholdDraft) -> None:
        await ctx.reply(*await self._area_page(ctx, draft.area_page))

    async def _area_page(self, ctx: Ctx, number: int) -> tuple[str, InlineKeyboardMarkup]:
        """A page of the communities to tap (pages to turn when there are many)."""
        found = page_of(await areas.active(ctx.services), number)
        items = [(a.name, AREA_B.data(a.id)) for a in found.items]
        text = "\n".join([ctx.t("household.ask_area"), *page_line(ctx.t, found)])
        return text, buttons([*pairs(items), *page_rows(ctx.t, found, AREA_PAGE.data)])

    async def _turn_areas(self, ctx: Ctx, draft: HouseholdDraft, number: int) -> Refused | None:
        """Another page of communities, in the same message (kept, for a resumed question)."""
        draft.area_page = number
        await self.save(ctx, H_AREA, draft)
        await ctx.edit_or_reply(*await self._area_page(ctx, number))
        return None

    async def _ask_categories(self, ctx: Ctx, draft: HouseholdDraft) -> None:
        await ctx.reply(ctx.t("household.ask_categories"), self._category_buttons(ctx, draft))

    async def _ask_causes(self, ctx: Ctx, draft: HouseholdDraft) -> None:
        await ctx.reply(ctx.t("causes.ask"), self._cause_buttons(ctx, draft))

    async def _ask_confirm(self, ctx: Ctx, draft: HouseholdDraft) -> None:
        await ctx.reply(ctx.t("household.summary_ready"))
        await ctx.reply(await self._summary(ctx, draft), buttons([
            [(ctx.t("household.confirm"), CONFIRM.data("0"))],
            [(ctx.t("household.edit"), EDIT.data("0")),
             (ctx.t("household.cancel"), CANCEL.data("0"))]]))

    async def _ask_edit(self, ctx: Ctx, draft: HouseholdDraft) -> None:
        items = [(ctx.t(f"household.field.{f}"), FIELD_B.data(f)) for f in H_FIELDS]
        rows = [*pairs(items), [(ctx.t("household.confirm"), CONFIRM.data("0")),
                                (ctx.t("household.cancel"), CANCEL.data("0"))]]
        await ctx.reply(await self._summary(ctx, draft) + "\n\n" + ctx.t("household.ask_edit"),
                        buttons(rows))

    async def expect(self, ctx: Ctx, step: str) -> None:
        """Say what the step expects (the summary steps expect a button)."""
        await ctx.reply(ctx.t(f"household.expect.{step}" if step in H_FIELDS
                              else "household.expect.confirm", max=H_MAX.get(step, 0)))

    def _category_buttons(self, ctx: Ctx, draft: HouseholdDraft) -> InlineKeyboardMarkup:
        """Every category as a button to tick (several may be), then Done."""
        chosen = chosen_categories(draft)
        offered = [*OFFERED_CATEGORIES, *(Category(c) for c in chosen
                                           if Category(c) not in OFFERED_CATEGORIES)]
        items = [(ctx.ticked(ctx.t(f"category.{c.value}"), c.value in chosen),
                  CATEGORY_B.data(c)) for c in offered]
        return buttons([*pairs(items),
                        [(ctx.t("household.categories_done"), CATEGORIES_DONE.data("0"))]])

    def _cause_buttons(self, ctx: Ctx, draft: HouseholdDraft) -> InlineKeyboardMarkup:
        """Every listed cause as a button to tick (several may be), then Done; typed text is
        taken as the free-text part."""
        chosen = set(from_codes(draft.cause_codes))
        items = [(ctx.ticked(ctx.t(f"cause.{c.value}"), c in chosen), CAUSE_B.data(c))
                 for c in Cause]
        return buttons([*pairs(items, 3), [(ctx.t("causes.done"), CAUSES_DONE.data("0"))]])

    async def _summary(self, ctx: Ctx, draft: HouseholdDraft) -> str:
        area_name = None
        if draft.area:
            area = await areas.get(ctx.services, draft.area)
            area_name = area.name if area else None
        chosen = chosen_categories(draft)
        lines = [ctx.t("file.title", name=draft.name)]
        lines.append(ctx.t("file.area", value=area_name or ctx.t("households.no_area")))
        lines.append(ctx.t("file.address", value=draft.address or "—"))
        lines.append(ctx.t("file.people", count=draft.people or 1))
        if chosen:
            lines.append(ctx.t("file.category", value=category_names(ctx, chosen)))
        lines.append(ctx.t("file.causes", value=causes_value(
            ctx, from_codes(draft.cause_codes), draft.causes) or "—"))
        lines.append(ctx.t("file.needs", value=draft.needs or "—"))
        lines.append(ctx.t("file.phone", value=draft.phone or "—"))
        return "\n".join(lines)

    # -- typed answers ---------------------------------------------------------------------

    def _typed(self, step: str) -> Callable[[Ctx, HouseholdDraft, Message], Awaitable[bool]]:
        async def take(ctx: Ctx, draft: HouseholdDraft, message: Message) -> bool:
            return await self._take_text(ctx, step, draft, clean(message.text))
        return take

    async def _take_text(self, ctx: Ctx, step: str, draft: HouseholdDraft, text: str) -> bool:
        """Take a typed answer to `step`; False (the step's hint is shown) when it does not fit."""
        if not text:
            return False
        if step == H_PEOPLE:
            count = parse_count(text, PEOPLE_MAX)
            if count is None:
                return False
            draft.people = count
        elif step == H_PHONE:
            phone = normalise_phone(text)
            if phone is None:
                return False
            draft.phone = phone
        else:
            if check_text(step, text, H_MAX[step], required=True) is not None:
                return False
            setattr(draft, step, text)
        await self._next(ctx, step, draft)
        return True

    # -- buttons ---------------------------------------------------------------------------

    async def _area(self, ctx: Ctx, draft: HouseholdDraft, area_id: int) -> Refused | None:
        area = await areas.get(ctx.services, area_id)
        if area is None or area.retired:
            return STALE
        draft.area = area.id
        await self._next(ctx, H_AREA, draft)
        return None

    async def _tick_category(self, ctx: Ctx, draft: HouseholdDraft,
                             category: Category) -> Refused | None:
        draft.category = ",".join(toggle_category(chosen_categories(draft), category.value) or [])
        await self.save(ctx, H_CATEGORY, draft)
        await ctx.edit_or_reply(ctx.t("household.ask_categories"),
                                self._category_buttons(ctx, draft))
        return None

    async def _categories_done(self, ctx: Ctx, draft: HouseholdDraft, _: str) -> Refused | None:
        if not chosen_categories(draft):
            return Refused("household.expect_categories")
        await self._next(ctx, H_CATEGORY, draft)
        return None

    async def _tick_cause(self, ctx: Ctx, draft: HouseholdDraft, cause: Cause) -> Refused | None:
        codes = toggle_cause(draft.cause_codes, cause.value)
        if codes is None:
            return STALE
        draft.cause_codes = codes
        await self.save(ctx, H_CAUSES, draft)
        await ctx.edit_or_reply(ctx.t("causes.ask"), self._cause_buttons(ctx, draft))
        return None

    async def _causes_done(self, ctx: Ctx, draft: HouseholdDraft, _: str) -> Refused | None:
        await self._next(ctx, H_CAUSES, draft)
        return None

    def _skip(self, step: str) -> Callable[[Ctx, HouseholdDraft, str], Awaitable[Refused | None]]:
        async def skip(ctx: Ctx, draft: HouseholdDraft, _: str) -> Refused | None:
            setattr(draft, step, "")
            await self._next(ctx, step, draft)
            return None
        return skip

    async def _confirm(self, ctx: Ctx, draft: HouseholdDraft, _: str) -> Refused | None:
        await self._commit(ctx, draft)
        return None

    async def _edit(self, ctx: Ctx, draft: HouseholdDraft, _: str) -> Refused | None:
        await self.goto(ctx, H_EDIT, draft)
        return None

    async def _cancel(self, ctx: Ctx, draft: HouseholdDraft, _: str) -> Refused | None:
        await self.end(ctx)
        await ctx.reply(ctx.t("flow.household.cancelled"))
        return None

    async def _field(self, ctx: Ctx, draft: HouseholdDraft, field: str) -> Refused | None:
        draft.editing = True
        await self.goto(ctx, field, draft)
        return None

    # -- saving ----------------------------------------------------------------------------

    async def _commit(self, ctx: Ctx, draft: HouseholdDraft) -> None:
        checked, problems = check_household(
            name=draft.name, area_id=draft.area or None, address=draft.address,
            people=str(draft.people or 1), category=draft.category, causes=draft.causes,
            needs=draft.needs, phone=draft.phone, cause_codes=draft.cause_codes)
        if checked is None:
            first = problems[0].field if problems else H_NAME
            step = first if first in H_FIELDS else H_NAME
            draft.editing = True
            await ctx.reply(ctx.t(f"household.expect.{step}", max=H_MAX.get(step, 0)))
            await self.goto(ctx, step, draft)
            return
        if draft.hid:
            updated = await household_edits.edit(ctx.services, ctx.user_id, draft.hid, checked,
                                                 ctx.now)
            await self.end(ctx)
            await ctx.reply(ctx.t("household.updated", name=checked.name))
            if updated is not None:
                await HouseholdViews().show_file(ctx, updated.id)
            return
        created = await household_edits.create(ctx.services, ctx.user_id, checked, today(ctx),
                                               ctx.now, draft.report)
        made = created.household
        await self.end(ctx)
        if created.paired:
            await ctx.reply(ctx.t("fromreport.created", ref=reference(draft.report),
                                  name=made.name))
            return
        await ctx.reply(ctx.t("household.saved", name=made.name),
                        buttons([[(ctx.t("file.button.pair"), PAIR.data(made.id))]]))


# -- searching the registry --------------------------------------------------------------------

QUERY = "query"


async def linkable(ctx: Ctx, household_id: int) -> Household | None:
    """The household, if the presser may link a case to it (a worker: only one paired with
    them, need to know)."""
    found = await files.find(ctx.services, household_id)
    if found is None or not await may(ctx, Action.REPORT_LINK, HouseholdRef(found.id)):
        return None
    return found


async def link_report(ctx: Ctx, report: Report, found: Household) -> None:
    """Link the case to the household (shown in its service file) and say so."""
    await household_edits.link_report(ctx.services, report.id, found.id, ctx.user_id)
    await ctx.reply(ctx.t("fromreport.linked", ref=report.ref, name=found.name))


@dataclass
class FindDraft:
    """The report a household is sought for, if any; the matches as last shown, so a resumed
    search reopens there: the part of a name typed, its number (an earlier search's page turn
    is told apart) and the page."""

    report: int = 0
    page: int = 0
    query: str = ""
    search: int = 0


class FindFlow(StepFlow[FindDraft]):
    """A name typed; every matching household offered, a page at a time, until one is chosen
    (its service file opens, or the report is linked to it)."""

    role = Role.WORKER

    name = "find"
    callbacks = FD
    data_type = FindDraft
    stale_key = "log.stale"

    def __init__(self) -> None:
        self.steps = Steps({QUERY: Step(self._ask, self._search, (
            on(FOUND_B, self._chosen), on(MATCHES_PAGE, self._turn_matches, keep=True)))})

    async def start(self, ctx: Ctx) -> None:
        """Ask for a name (a search still open is replaced: a name is all it holds)."""
        if await self.busy(ctx):
            return
        await self.goto(ctx, QUERY, FindDraft())

    async def start_link(self, ctx: Ctx, report_id: int) -> None:
        """Ask for the household a report is about (replacing a search still open)."""
        if await self.busy(ctx):
            return
        await self.goto(ctx, QUERY, FindDraft(report_id))

    async def _ask(self, ctx: Ctx, draft: FindDraft) -> None:
        await ctx.reply(*await self._households_view(ctx, draft))

    async def _households_view(self, ctx: Ctx, draft: FindDraft
                               ) -> tuple[str, InlineKeyboardMarkup | None]:
        """The matches of the name typed, if any still match, at the draft's page; else the
        request for a name."""
        if draft.query:
            found = await self._matching(ctx, draft.query)
            if found.found:
                return self._matches_view(ctx, draft, found)
        return ctx.t("fromreport.search_prompt" if draft.report
                     else "households.search_prompt"), None

    def _matches_view(self, ctx: Ctx, draft: FindDraft, found: Matches
                      ) -> tuple[str, InlineKeyboardMarkup]:
        """Every household the typed name matches, at the draft's page."""
        if draft.report:
            return household_pages.matches_view(
                ctx, draft, found, "fromreport.choose", FOUND_B.data, MATCHES_PAGE.data,
                ref=reference(draft.report))
        return household_pages.matches_view(ctx, draft, found, "households.found",
                                            FOUND_B.data, MATCHES_PAGE.data)

    async def _matching(self, ctx: Ctx, query: str) -> Matches:
        """Coordinators search the registry; a worker, only their own households."""
        mine = None if is_coordinator(ctx) else ctx.user_id
        return await my_households.matching(ctx.services, query, MATCHES_MAX, worker_id=mine)

    async def _search(self, ctx: Ctx, draft: FindDraft, message: Message) -> bool:
        """Search by the typed text: every match, a page at a time."""
        text = clean(message.text)
        if not text:
            await ctx.reply(ctx.t("households.search_prompt"))
            return True
        query = text[:40]
        await household_pages.answer_search(self, ctx, draft, query,
                                            await self._matching(ctx, query), "households")
        return True

    async def save_household_step(self, ctx: Ctx, draft: FindDraft) -> None:
        """Keep the draft at the question (its page turned)."""
        await self.save(ctx, QUERY, draft)

    async def _turn_matches(self, ctx: Ctx, draft: FindDraft, search: int,
                            number: int) -> Refused | None:
        """Another page of the latest search's matches."""
        return await household_pages.turn_matches(self, ctx, draft, search, number)

    async def _chosen(self, ctx: Ctx, draft: FindDraft, household_id: int) -> Refused | None:
        """The search ends: the household's file, or the report linked to it (checked again:
        the file is the paired worker's and coordinators'; the case, its taker's)."""
        if not draft.report:
            if not await can_open(ctx, household_id):
                return Refused("file.not_allowed")
            await self.end(ctx)
            await HouseholdViews().show_file(ctx, household_id)
            return None
        report = await cases.find(ctx.services, draft.report)
        if report is None or not await may(ctx, Action.REPORT_TO_HOUSEHOLD, report):
            return Refused("fromreport.not_yours")
        found = await linkable(ctx, household_id)
        if found is None:
            return Refused("file.not_found")
        await self.end(ctx)
        await link_report(ctx, report, found)
        return None
