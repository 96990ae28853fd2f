"""Adding and editing a household in chat, and finding one by name (coordinators)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup

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
from bot.domain.reports import Report, normalise_phone, reference
from bot.services import audit as trail
from bot.telegram.context import Ctx
from bot.telegram.household_file import HouseholdViews
from bot.telegram.household_ui import (
    FILE,
    LINK_TO,
    LIST_LIMIT,
    PAIR,
    StaleAnswer,
    buttons,
    causes_value,
    is_coordinator,
    may,
    pairs,
    short,
    today,
)
from storage import areas, flows, households, pairings
from storage.flows import FlowState
from storage.households import Household

# -- from a report to a household ---

REPORT_CATEGORY = {
    "elderly_alone": Category.ELDERLY_ALONE, "child": Category.CHILD_DIFFICULTY,
    "disability": Category.SEVERE_DISABILITY, "health": Category.SERIOUS_ILLNESS,
}


async def report_taker(ctx: Ctx, report_id: int) -> bool:
    """Whether the acting person took this report."""
    from storage import reports

    report = await reports.get(ctx.db, report_id)
    return report is not None and report.taken_by == ctx.user_id


# -- adding and editing a household -------------------------------------------------------------

H_NAME, H_AREA, H_ADDRESS, H_PEOPLE, H_CATEGORY = "name", "area", "address", "people", "category"
H_CAUSES, H_NEEDS, H_PHONE, H_CONFIRM, H_EDIT = "causes", "needs", "phone", "confirm", "edit"
H_FIELDS = (H_NAME, H_AREA, H_ADDRESS, H_PEOPLE, H_CATEGORY, H_CAUSES, H_NEEDS, H_PHONE)
H_NEXT = {H_NAME: H_AREA, H_AREA: H_ADDRESS, H_ADDRESS: H_PEOPLE, H_PEOPLE: H_CATEGORY,
          H_CATEGORY: H_CAUSES, H_CAUSES: H_NEEDS, H_NEEDS: H_PHONE, H_PHONE: H_CONFIRM}
H_SKIPPABLE = (H_CAUSES, H_NEEDS, H_PHONE)
CAUSE_CODES = "cause_codes"  # the causes ticked from the list, beside the free text in H_CAUSES
H_MAX = {H_NAME: NAME_MAX, H_ADDRESS: ADDRESS_MAX, H_PEOPLE: PEOPLE_MAX, H_CAUSES: TEXT_MAX,
         H_NEEDS: TEXT_MAX, H_PHONE: 15}


def chosen_categories(data: dict[str, Any]) -> list[str]:
    """The category codes ticked so far (kept as "dibao,severe_disability"), first = primary."""
    known = {c.value for c in Category}
    return [c for c in str(data.get(H_CATEGORY) or "").split(",") if c in known]


def category_names(ctx: Ctx, codes: list[str]) -> str:
    """Categories by their names, in the person's language."""
    return ctx.t("household.category_sep").join(ctx.t(f"category.{c}") for c in codes)


@dataclass
class HouseholdFlow(StaleAnswer):
    """A coordinator adds a household step by step, or edits one from its service file."""

    name: str = "household"
    prefix: str = "hh"

    async def start(self, ctx: Ctx) -> None:
        """Begin adding a household (coordinators only)."""
        if not await may(ctx, Action.HOUSEHOLD_MANAGE):
            await ctx.reply(ctx.t("household.not_allowed"))
            return
        state = await flows.get(ctx.db, ctx.user_id)
        if state is not None and state.name == self.name:
            await ctx.reply(ctx.t("household.resume"))
            await self.ask(ctx, state)
            return
        await ctx.reply(ctx.t("household.intro"))
        await self.ask(ctx, await self._save(ctx, H_NAME, {}))

    async def edit(self, ctx: Ctx, found: Household) -> None:
        """Open a household's fields at the summary, ready to change and save."""
        data = {"hid": found.id, H_NAME: found.name, H_AREA: found.area_id,
                H_ADDRESS: found.address, H_PEOPLE: found.people_count,
                H_CATEGORY: ",".join(c.value for c in found.categories or (found.category,)),
                H_CAUSES: found.causes, CAUSE_CODES: ",".join(c.value for c in found.cause_codes),
                H_NEEDS: found.needs, H_PHONE: found.phone or ""}
        await self.ask(ctx, await self._save(ctx, H_EDIT, data))

    async def from_report(self, ctx: Ctx, report: Report) -> None:
        """Start a household from a report the person took: what it says is filled in."""
        category = REPORT_CATEGORY.get(str(report.category), Category.OTHER)
        data: dict[str, Any] = {
            "report": report.id, H_NAME: clean(report.subject)[:NAME_MAX],
            H_AREA: report.area_id, H_ADDRESS: clean(report.address)[:ADDRESS_MAX],
            H_PEOPLE: 1, H_CATEGORY: category.value,
            H_CAUSES: clean(report.description)[:TEXT_MAX], H_NEEDS: "",
            H_PHONE: report.phone or ""}
        if not data[H_NAME]:
            data["editing"] = True
            await self.ask(ctx, await self._save(ctx, H_NAME, data))
            return
        await self.ask(ctx, await self._save(ctx, H_CONFIRM, data))

    async def _allowed(self, ctx: Ctx, data: dict[str, Any]) -> bool:
        if is_coordinator(ctx):
            return True
        if not data.get("report") or data.get("hid"):
            return False
        return await report_taker(ctx, int(data["report"]))

    async def _save(self, ctx: Ctx, step: str, data: dict[str, Any]) -> FlowState:
        return await ctx.save_flow(self.name, step, data)

    async def _next(self, ctx: Ctx, step: str, data: dict[str, Any]) -> None:
        following = H_CONFIRM if data.get("editing") else H_NEXT[step]
        data.pop("editing", None)
        if following == H_AREA and not await areas.active(ctx.db):
            following = H_ADDRESS
        await self.ask(ctx, await self._save(ctx, following, data))

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """Ask the question of the current step."""
        step, data = state.step, state.data
        skip = [[(ctx.t("household.skip"), f"{self.prefix}:skip:0")]]
        if step == H_AREA:
            known = await areas.active(ctx.db)
            items = [(a.name, f"{self.prefix}:area:{a.id}") for a in known]
            await ctx.reply(ctx.t("household.ask_area"), buttons(pairs(items)))
        elif step == H_CATEGORY:
            await ctx.reply(ctx.t("household.ask_categories"), self._category_buttons(ctx, data))
        elif step == H_CAUSES:
            await ctx.reply(ctx.t("causes.ask"), self._cause_buttons(ctx, data))
        elif step in H_SKIPPABLE:
            await ctx.reply(ctx.t(f"household.ask_{step}"), buttons(skip))
        elif step == H_CONFIRM:
            await ctx.reply(ctx.t("household.summary_ready"))
            await ctx.reply(await self._summary(ctx, data), buttons([
                [(ctx.t("household.confirm"), f"{self.prefix}:ok:0")],
                [(ctx.t("household.edit"), f"{self.prefix}:edit:0"),
                 (ctx.t("household.cancel"), f"{self.prefix}:cancel:0")]]))
        elif step == H_EDIT:
            items = [(ctx.t(f"household.field.{f}"), f"{self.prefix}:ef:{f}") for f in H_FIELDS]
            rows = [*pairs(items), [(ctx.t("household.confirm"), f"{self.prefix}:ok:0"),
                                    (ctx.t("household.cancel"), f"{self.prefix}:cancel:0")]]
            await ctx.reply(await self._summary(ctx, data) + "\n\n" + ctx.t("household.ask_edit"),
                            buttons(rows))
        else:
            await ctx.reply(ctx.t(f"household.ask_{step}"))

    def _category_buttons(self, ctx: Ctx, data: dict[str, Any]) -> InlineKeyboardMarkup:
        """Every category as a button to tick (several may be), then Done."""
        chosen = chosen_categories(data)
        offered = [*OFFERED_CATEGORIES, *(Category(c) for c in chosen
                                           if Category(c) not in OFFERED_CATEGORIES)]
        items = [(("✅ " if c.value in chosen else "") + ctx.t(f"category.{c.value}"),
                  f"{self.prefix}:cat:{c.value}") for c in offered]
        return buttons([*pairs(items),
                        [(ctx.t("household.categories_done"), f"{self.prefix}:catok:0")]])

    def _cause_buttons(self, ctx: Ctx, data: dict[str, Any]) -> InlineKeyboardMarkup:
        """Every listed cause as a button to tick (several may be), then Done; typed text is
        taken as the free-text part."""
        chosen = set(from_codes(str(data.get(CAUSE_CODES) or "")))
        items = [(("✅ " if c in chosen else "") + ctx.t(f"cause.{c.value}"),
                  f"{self.prefix}:cau:{c.value}") for c in Cause]
        return buttons([*pairs(items, 3), [(ctx.t("causes.done"), f"{self.prefix}:cauok:0")]])

    async def _summary(self, ctx: Ctx, data: dict[str, Any]) -> str:
        area_name = None
        if data.get(H_AREA):
            area = await areas.get(ctx.db, int(data[H_AREA]))
            area_name = area.name if area else None
        lines = [ctx.t("file.title", name=data.get(H_NAME, ""))]
        lines.append(ctx.t("file.area", value=area_name or ctx.t("households.no_area")))
        lines.append(ctx.t("file.address", value=data.get(H_ADDRESS) or "—"))
        lines.append(ctx.t("file.people", count=data.get(H_PEOPLE) or 1))
        if chosen_categories(data):
            lines.append(ctx.t("file.category", value=category_names(ctx, chosen_categories(data))))
        lines.append(ctx.t("file.causes", value=causes_value(
            ctx, from_codes(str(data.get(CAUSE_CODES) or "")), str(data.get(H_CAUSES) or ""))
            or "—"))
        lines.append(ctx.t("file.needs", value=data.get(H_NEEDS) or "—"))
        lines.append(ctx.t("file.phone", value=data.get(H_PHONE) or "—"))
        return "\n".join(lines)

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Take a typed answer."""
        message = ctx.message
        text = clean(message.text if message else None)
        step, data = state.step, dict(state.data)
        if not text or step not in (H_NAME, H_ADDRESS, H_PEOPLE, *H_SKIPPABLE):
            await ctx.reply(ctx.t(f"household.expect.{step}" if step in H_FIELDS
                                  else "household.expect.confirm", max=H_MAX.get(step, 0)))
            return
        if step == H_PEOPLE:
            count = parse_count(text, PEOPLE_MAX)
            if count is None:
                await ctx.reply(ctx.t("household.expect.people", max=PEOPLE_MAX))
                return
            data[step] = count
        elif step == H_PHONE:
            phone = normalise_phone(text)
            if phone is None:
                await ctx.reply(ctx.t("household.expect.phone"))
                return
            data[step] = phone
        else:
            if check_text(step, text, H_MAX[step], required=True) is not None:
                await ctx.reply(ctx.t(f"household.expect.{step}", max=H_MAX[step]))
                return
            data[step] = text
        await self._next(ctx, step, data)

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """Take a button at the current step; a button of another step is stale."""
        action, arg = [*parts, "", ""][:2]
        step, data = state.step, dict(state.data)
        if not await self._allowed(ctx, data):
            await ctx.answer(ctx.t("household.not_allowed"), alert=True)
            return
        if step == H_AREA and action == "area" and arg.isdigit():
            area = await areas.get(ctx.db, int(arg))
            if area is None or area.retired:
                await ctx.answer(ctx.t("log.stale"), alert=True)
                return
            data[H_AREA] = area.id
            await self._done_button(ctx)
            await self._next(ctx, step, data)
        elif step == H_CATEGORY and action == "cat" and arg in {c.value for c in Category}:
            chosen = toggle_category(chosen_categories(data), arg) or []
            data[H_CATEGORY] = ",".join(chosen)
            await ctx.answer()
            await ctx.save_flow(self.name, step, data)
            await ctx.edit_or_reply(ctx.t("household.ask_categories"),
                                    self._category_buttons(ctx, data))
        elif step == H_CATEGORY and action == "catok":
            if not chosen_categories(data):
                await ctx.answer(ctx.t("household.expect_categories"), alert=True)
                return
            await self._done_button(ctx)
            await self._next(ctx, step, data)
        elif step == H_CAUSES and action == "cau":
            codes = toggle_cause(str(data.get(CAUSE_CODES) or ""), arg)
            if codes is None:
                await ctx.answer(ctx.t("log.stale"), alert=True)
                return
            data[CAUSE_CODES] = codes
            await ctx.answer()
            await ctx.save_flow(self.name, step, data)
            await ctx.edit_or_reply(ctx.t("causes.ask"), self._cause_buttons(ctx, data))
        elif step == H_CAUSES and action == "cauok":
            await self._done_button(ctx)
            await self._next(ctx, step, data)
        elif step in H_SKIPPABLE and action == "skip":
            data[step] = ""
            await self._done_button(ctx)
            await self._next(ctx, step, data)
        elif step in (H_CONFIRM, H_EDIT) and action == "ok":
            await self._done_button(ctx)
            await self._commit(ctx, data)
        elif step in (H_CONFIRM, H_EDIT) and action == "cancel":
            await self._done_button(ctx)
            await flows.clear(ctx.db, ctx.user_id)
            await ctx.reply(ctx.t("flow.household.cancelled"))
        elif step == H_CONFIRM and action == "edit":
            await self._done_button(ctx)
            await self.ask(ctx, await self._save(ctx, H_EDIT, data))
        elif step == H_EDIT and action == "ef" and arg in H_FIELDS:
            await self._done_button(ctx)
            data["editing"] = True
            await self.ask(ctx, await self._save(ctx, arg, data))
        else:
            await ctx.answer(ctx.t("log.stale"), alert=True)

    async def _done_button(self, ctx: Ctx) -> None:
        await ctx.answer()
        await ctx.drop_keyboard()

    async def _commit(self, ctx: Ctx, data: dict[str, Any]) -> None:
        people = str(data.get(H_PEOPLE) or 1)
        checked, problems = check_household(
            name=str(data.get(H_NAME, "")),
            area_id=int(data[H_AREA]) if data.get(H_AREA) else None,
            address=str(data.get(H_ADDRESS, "")), people=people,
            category=str(data.get(H_CATEGORY, "")), causes=str(data.get(H_CAUSES, "")),
            needs=str(data.get(H_NEEDS, "")), phone=str(data.get(H_PHONE, "")),
            cause_codes=str(data.get(CAUSE_CODES) or ""))
        if checked is None:
            first = problems[0].field if problems else H_NAME
            step = first if first in H_FIELDS else H_NAME
            data["editing"] = True
            await ctx.reply(ctx.t(f"household.expect.{step}", max=H_MAX.get(step, 0)))
            await self.ask(ctx, await self._save(ctx, step, data))
            return
        if data.get("hid"):
            old = await households.get(ctx.db, int(data["hid"]))
            updated = await households.update(ctx.db, int(data["hid"]), checked, ctx.now)
            await trail.note(ctx.services, ctx.user_id, "household.edit", "household",
                             int(data["hid"]), {"old": _profile(old)})
            await flows.clear(ctx.db, ctx.user_id)
            await ctx.reply(ctx.t("household.updated", name=checked.name))
            if updated is not None:
                await HouseholdViews().show_file(ctx, updated.id)
            return
        made = await households.create(ctx.db, checked, ctx.now, by=ctx.user_id)
        await trail.note(ctx.services, ctx.user_id, "household.create", "household", made.id)
        await flows.clear(ctx.db, ctx.user_id)
        if data.get("report"):
            report_id = int(data["report"])
            await households.link_report(ctx.db, report_id, made.id)
            if await report_taker(ctx, report_id):
                await pairings.pair(ctx.db, made.id, ctx.user_id, pairings.DEFAULT_PROGRAM_ID,
                                    today(ctx), ctx.now, by=ctx.user_id)
                await ctx.reply(ctx.t("fromreport.created", ref=reference(report_id),
                                      name=made.name))
                return
        await ctx.reply(ctx.t("household.saved", name=made.name),
                        buttons([[(ctx.t("file.button.pair"),
                                   PAIR.data(made.id))]]))


# -- searching the registry --------------------------------------------------------------------


@dataclass
class FindFlow(StaleAnswer):
    """A coordinator types a name; matching households are offered as buttons."""

    name: str = "find"
    prefix: str = "fd"

    async def start(self, ctx: Ctx) -> None:
        """Ask for a name."""
        await ctx.save_flow(self.name, "query", {})
        await ctx.reply(ctx.t("households.search_prompt"))

    async def start_link(self, ctx: Ctx, report_id: int) -> None:
        """Ask for the household a report is about."""
        await ctx.save_flow(self.name, "query", {"report": report_id})
        await ctx.reply(ctx.t("fromreport.search_prompt"))

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """Ask again."""
        await ctx.reply(ctx.t("households.search_prompt"))

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Search by the typed text."""
        text = clean(ctx.message.text if ctx.message else None)
        if not text:
            await ctx.reply(ctx.t("households.search_prompt"))
            return
        # Coordinators search the registry; a worker linking a case, only their households.
        mine = None if is_coordinator(ctx) else ctx.user_id
        found = await households.search(ctx.db, text[:40], LIST_LIMIT, worker_id=mine)
        if not found:
            await ctx.reply(ctx.t("households.search_none", query=text[:40]))
            return
        await flows.clear(ctx.db, ctx.user_id)
        report_id = state.data.get("report")
        if report_id:
            items = [(short(h.name), LINK_TO.data(int(report_id), h.id)) for h in found]
            await ctx.reply(ctx.t("fromreport.choose", ref=reference(int(report_id))),
                            buttons(pairs(items, 3)))
            return
        items = [(short(h.name), FILE.data(h.id, None)) for h in found]
        await ctx.reply(ctx.t("households.search_title"), buttons(pairs(items, 3)))

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """No buttons of its own."""
        await ctx.answer(ctx.t("log.stale"), alert=True)




def _profile(found: Household | None) -> dict[str, object]:
    """A household's values before a change, for the audit trail."""
    if found is None:
        return {}
    return {"name": found.name, "area_id": found.area_id, "address": found.address,
            "people": found.people_count, "category": found.category.value,
            "causes": found.causes, "needs": found.needs, "phone": found.phone,
            "cause_codes": [c.value for c in found.cause_codes]}
