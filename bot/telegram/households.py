"""Households in chat: /households, /due, the service file, adding and editing a household,
/import, archiving; registers /log (logging_flow) and /pair (pairing) too."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler

from bot.domain.cadence import ContactKind, Obligation, Status
from bot.domain.households import (
    ADDRESS_MAX,
    NAME_MAX,
    PEOPLE_MAX,
    TEXT_MAX,
    Category,
    check_household,
    check_text,
    clean,
    parse_count,
)
from bot.domain.people import Role
from bot.domain.periods import local_date
from bot.domain.reports import Report, excerpt, normalise_phone, reference
from bot.importing import describe, import_households
from bot.importing.households import MAX_BYTES
from bot.telegram.commands import Command, CommandTable, allowed
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx, handler
from bot.telegram.flows import FlowRegistry
from bot.telegram.format import local_time
from storage import areas, contacts, flows, households, pairings
from storage.flows import FlowState
from storage.households import Household

log = logging.getLogger(__name__)

FILE_PREFIX = "hf"  # hf:<household>[:<offset>]  open the service file (more contacts)
ACTION_PREFIX = "hx"  # hx:<action>:<arg>  coordinator actions on households
LIST_LIMIT = 20
DUE_LIMIT = 12
CONTACTS_PAGE = 10
MESSAGE_BUDGET = 3800  # below Telegram's 4,096 characters


# -- small helpers shared by the household modules ---------------------------------------------


def buttons(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Inline buttons from rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


def pairs(items: list[tuple[str, str]], width: int = 2) -> list[list[tuple[str, str]]]:
    """Items laid out `width` per row."""
    return [items[i : i + width] for i in range(0, len(items), width)]


def today(ctx: Ctx) -> date:
    """Today in the deployment's time zone."""
    return local_date(ctx.now, ctx.services.settings.timezone)


def short(text: str, size: int = 14) -> str:
    """A name shortened for a button."""
    return text if len(text) <= size else text[: size - 1] + "…"


def arg_int(parts: list[str], index: int) -> int | None:
    """The numeric part of callback data at index (callback data is user input)."""
    value = parts[index] if len(parts) > index else ""
    return int(value) if value.isdigit() and len(value) < 12 else None


def period_label(ctx: Ctx, item: Obligation, day: date) -> str:
    """'this quarter' for the running period, else its key (2026-Q1)."""
    if day in item.period:
        return ctx.t(f"period.{item.period.kind.value}")
    return item.period.key


def obligation_text(ctx: Ctx, key: str, item: Obligation, day: date, **extra: object) -> str:
    """One obligation as a catalog line."""
    return ctx.t(key, kind=ctx.t(f"kind.{item.rule.kind.value}"),
                 period=period_label(ctx, item, day),
                 status=ctx.t(f"status.{item.status.value}"),
                 due_by=item.due_by.isoformat(), **extra)


def program_label(ctx: Ctx, name: str) -> str:
    """A program's name; the seeded default one is translated."""
    key = f"program.{name}"
    return ctx.t(key) if ctx.services.catalog.has(key) else name


def join_within(lines: list[str], budget: int = MESSAGE_BUDGET) -> str:
    """Lines joined, cut before Telegram's length limit."""
    out: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > budget:
            out.append("…")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


async def can_open(ctx: Ctx, household_id: int) -> bool:
    """The service file is for the paired worker and coordinators only."""
    if ctx.role is Role.COORDINATOR:
        return True
    return ctx.role is Role.WORKER and await pairings.is_paired(ctx.db, household_id, ctx.user_id)


def is_coordinator(ctx: Ctx) -> bool:
    """Whether the acting person coordinates."""
    return allowed(ctx.role, Role.COORDINATOR)


class StaleAnswer:
    """A flow's button pressed after the flow ended (double tap, old message): said so."""

    async def on_stale(self, ctx: Ctx, parts: list[str]) -> None:
        """Remove the old buttons and tell the presser the step has passed."""
        await ctx.drop_keyboard()
        await ctx.answer(ctx.t("log.stale"), alert=True)


# -- /households, /due and the service file ----------------------------------------------------


class HouseholdViews:
    """Read-only views: my households, what is due, the service file."""

    async def households(self, ctx: Ctx) -> None:
        """/households: my households with this period's status; coordinators see the registry."""
        if is_coordinator(ctx):
            total, unpaired = await households.count(ctx.db)
            await ctx.reply(
                ctx.t("households.registry", total=total, unpaired=unpaired) + "\n"
                + ctx.t("households.registry_hint"),
                buttons([[(ctx.t("households.button.add"), f"{ACTION_PREFIX}:add:0"),
                          (ctx.t("households.button.search"), f"{ACTION_PREFIX}:find:0")],
                         [(ctx.t("households.button.import"), f"{ACTION_PREFIX}:import:0")]]))
        for case in await households.unlinked_cases(ctx.db, ctx.user_id):
            ref = reference(case.report_id)
            await ctx.reply(
                ctx.t("fromreport.pending", ref=ref,
                      words=excerpt(case.subject or case.description, 24)),
                buttons([[(ctx.t("fromreport.new", ref=ref), f"rh:new:{case.report_id}")],
                         [(ctx.t("fromreport.link", ref=ref), f"rh:link:{case.report_id}")]]))
        mine = await pairings.for_worker(ctx.db, ctx.user_id)
        if not mine:
            if not is_coordinator(ctx):
                await ctx.reply(ctx.t("households.none_worker"))
            return
        day = today(ctx)
        shown = mine[:LIST_LIMIT]
        owed = await pairings.worker_obligations(
            ctx.db, ctx.user_id, day, history_periods=0,
            household_ids=[m.household_id for m in shown])
        lines = [ctx.t("households.title", count=len({m.household_id for m in mine}))]
        seen: set[int] = set()
        items: list[tuple[str, str]] = []
        for mine_item in shown:
            if mine_item.household_id in seen:
                continue
            seen.add(mine_item.household_id)
            statuses = " · ".join(
                ctx.t("households.status_part", kind=ctx.t(f"kind.{o.rule.kind.value}"),
                      status=ctx.t(f"status.{o.status.value}"))
                for o in owed.get(mine_item.household_id, []))
            lines.append(ctx.t("households.line", name=mine_item.name,
                               area=mine_item.area_name or ctx.t("households.no_area"),
                               statuses=statuses))
            items.append((short(mine_item.name), f"{FILE_PREFIX}:{mine_item.household_id}"))
        if len(mine) > len(shown):
            lines.append(ctx.t("households.more", count=len(mine) - len(shown)))
        await ctx.reply(join_within(lines), buttons(pairs(items, 3)))

    async def due(self, ctx: Ctx) -> None:
        """/due: what is missed or due, soonest first, with one-tap log buttons."""
        mine = await pairings.for_worker(ctx.db, ctx.user_id)
        if not mine:
            await ctx.reply(ctx.t("due.none_households"))
            return
        day = today(ctx)
        names = {m.household_id: m.name for m in mine}
        owed = await pairings.worker_obligations(ctx.db, ctx.user_id, day, history_periods=1)
        open_items = [(hid, o) for hid, items in owed.items() for o in items
                      if o.status is not Status.MET]
        if not open_items:
            await ctx.reply(ctx.t("due.none"))
            return
        ordered = pairings.soonest(open_items)
        lines = [ctx.t("due.title")]
        rows: list[list[tuple[str, str]]] = []
        for hid, item in ordered[:DUE_LIMIT]:
            lines.append(obligation_text(ctx, "due.line", item, day, name=names.get(hid, "")))
            label = ctx.t("due.log_button", kind=ctx.t(f"kind.{item.rule.kind.value}"),
                          name=short(names.get(hid, ""), 10))
            rows.append([(label, f"lq:{hid}:{item.rule.kind.value}")])
        if len(ordered) > DUE_LIMIT:
            lines.append(ctx.t("due.more", count=len(ordered) - DUE_LIMIT))
        await ctx.reply(join_within(lines), buttons(rows[:DUE_LIMIT]))

    async def file_button(self, ctx: Ctx) -> None:
        """hf:<id>[:<offset>]: the service file, or earlier contacts."""
        parts = (ctx.query.data if ctx.query and ctx.query.data else "").split(":")
        household_id = arg_int(parts, 1)
        offset = arg_int(parts, 2)
        if household_id is None or not await can_open(ctx, household_id):
            await ctx.answer(ctx.t("file.not_allowed"), alert=True)
            return
        await ctx.answer()
        if offset:
            await self.more_contacts(ctx, household_id, offset)
        else:
            await self.show_file(ctx, household_id)

    async def show_file(self, ctx: Ctx, household_id: int) -> None:
        """The service file: profile, pairings, this period, last contacts, linked reports."""
        found = await households.get(ctx.db, household_id)
        if found is None:
            await ctx.reply(ctx.t("file.not_found"))
            return
        day = today(ctx)
        tz = ctx.services.settings.timezone
        lines = [ctx.t("file.title", name=found.name)
                 + (" " + ctx.t("file.archived") if found.archived else "")]
        lines += _profile_lines(ctx, found)
        lines.append("")
        lines.append(ctx.t("file.pairings_title"))
        history = await pairings.history(ctx.db, household_id)
        program_names = {p.id: program_label(ctx, p.name)
                         for p in await pairings.programs(ctx.db)}
        for pairing in history:
            program = program_names.get(pairing.program_id, str(pairing.program_id))
            if pairing.ended_on is None:
                lines.append(ctx.t("file.pairing_active", worker=pairing.worker_name,
                                   program=program, start=pairing.started_on.isoformat()))
            else:
                lines.append(ctx.t("file.pairing_past", worker=pairing.worker_name,
                                   program=program, start=pairing.started_on.isoformat(),
                                   end=pairing.ended_on.isoformat()))
        if not history:
            lines.append(ctx.t("file.pairing_none"))
        lines.append("")
        lines.append(ctx.t("file.obligations_title"))
        owed = await pairings.household_obligations(ctx.db, household_id, day, history_periods=0)
        for _, item in owed:
            lines.append(obligation_text(ctx, "file.obligation_line", item, day))
        if not owed:
            lines.append(ctx.t("file.obligations_none"))
        lines.append("")
        total = await contacts.count_for_household(ctx.db, household_id)
        lines.append(ctx.t("file.contacts_title", count=total))
        recent = await contacts.for_household(ctx.db, household_id, CONTACTS_PAGE)
        lines += _contact_lines(ctx, recent)
        if not recent:
            lines.append(ctx.t("file.contacts_none"))
        linked = await households.linked_reports(ctx.db, household_id)
        if linked:
            lines.append("")
            lines.append(ctx.t("file.reports_title"))
            for report in linked:
                status_key = f"report.status.{report.status}"
                status = ctx.t(status_key) if ctx.services.catalog.has(status_key) else ""
                lines.append(ctx.t("file.report_line", ref=reference(report.id), status=status,
                                   date=local_time(report.created_at, tz, "%Y-%m-%d")))
        rows: list[list[tuple[str, str]]] = []
        if total > CONTACTS_PAGE:
            rows.append([(ctx.t("file.button.more"),
                          f"{FILE_PREFIX}:{household_id}:{CONTACTS_PAGE}")])
        if await pairings.is_paired(ctx.db, household_id, ctx.user_id):
            rows.append([(ctx.t("file.button.log"), f"lq:{household_id}")])
        own = [c for c in recent if c.worker_id == ctx.user_id]
        for contact in own[:1]:
            if _correctable(ctx, contact.created_at):
                rows.append([(ctx.t("log.button.correct"), f"cx:fix:{contact.id}"),
                             (ctx.t("log.button.delete"), f"cx:del:{contact.id}")])
        if is_coordinator(ctx) and not found.archived:
            rows.append([(ctx.t("file.button.edit"), f"{ACTION_PREFIX}:edit:{household_id}"),
                         (ctx.t("file.button.pair"), f"{ACTION_PREFIX}:pair:{household_id}"),
                         (ctx.t("file.button.archive"), f"{ACTION_PREFIX}:arch:{household_id}")])
            for pairing in history:
                if pairing.ended_on is None:
                    rows.append([(ctx.t("file.button.end") + " · " + short(pairing.worker_name),
                                  f"{ACTION_PREFIX}:end:{pairing.id}")])
        await ctx.reply(join_within(lines), buttons(rows) if rows else None)

    async def more_contacts(self, ctx: Ctx, household_id: int, offset: int) -> None:
        """Earlier contacts, a page at a time."""
        found = await households.get(ctx.db, household_id)
        page = await contacts.for_household(ctx.db, household_id, CONTACTS_PAGE, offset)
        if found is None or not page:
            await ctx.reply(ctx.t("file.no_more"))
            return
        lines = [ctx.t("file.more_title", name=found.name), *_contact_lines(ctx, page)]
        total = await contacts.count_for_household(ctx.db, household_id)
        rows = []
        if offset + CONTACTS_PAGE < total:
            rows.append([(ctx.t("file.button.more"),
                          f"{FILE_PREFIX}:{household_id}:{offset + CONTACTS_PAGE}")])
        await ctx.reply(join_within(lines), buttons(rows) if rows else None)


def _correctable(ctx: Ctx, created_at: Any) -> bool:
    from bot.domain.households import can_correct

    return can_correct(created_at, ctx.now)


def _profile_lines(ctx: Ctx, found: Household) -> list[str]:
    lines = []
    if found.external_id:
        lines.append(ctx.t("file.external_id", value=found.external_id))
    lines.append(ctx.t("file.area", value=found.area_name or ctx.t("households.no_area")))
    if found.address:
        lines.append(ctx.t("file.address", value=found.address))
    lines.append(ctx.t("file.people", count=found.people_count))
    lines.append(ctx.t("file.category", value=ctx.t(f"category.{found.category.value}")))
    if found.causes:
        lines.append(ctx.t("file.causes", value=found.causes))
    if found.needs:
        lines.append(ctx.t("file.needs", value=found.needs))
    if found.phone:
        lines.append(ctx.t("file.phone", value=found.phone))
    return lines


def _contact_lines(ctx: Ctx, items: list[contacts.Contact]) -> list[str]:
    lines = []
    for contact in items:
        lines.append(ctx.t("file.contact_line", day=contact.day.isoformat(),
                           kind=ctx.t(f"kind.{contact.kind.value}"), worker=contact.worker_name,
                           note=short(contact.note, 80) or "—"))
        if contact.services:
            lines.append(ctx.t("file.contact_services", services="、".join(
                ctx.t(f"service.{s.value}") for s in contact.services)
                if ctx.lang == "zh" else ", ".join(ctx.t(f"service.{s.value}")
                                                   for s in contact.services)))
        if contact.next_note:
            lines.append(ctx.t("file.contact_next", note=short(contact.next_note, 80)))
    return lines


# -- adding and editing a household -------------------------------------------------------------

H_NAME, H_AREA, H_ADDRESS, H_PEOPLE, H_CATEGORY = "name", "area", "address", "people", "category"
H_CAUSES, H_NEEDS, H_PHONE, H_CONFIRM, H_EDIT = "causes", "needs", "phone", "confirm", "edit"
H_FIELDS = (H_NAME, H_AREA, H_ADDRESS, H_PEOPLE, H_CATEGORY, H_CAUSES, H_NEEDS, H_PHONE)
H_NEXT = {H_NAME: H_AREA, H_AREA: H_ADDRESS, H_ADDRESS: H_PEOPLE, H_PEOPLE: H_CATEGORY,
          H_CATEGORY: H_CAUSES, H_CAUSES: H_NEEDS, H_NEEDS: H_PHONE, H_PHONE: H_CONFIRM}
H_SKIPPABLE = (H_CAUSES, H_NEEDS, H_PHONE)
H_MAX = {H_NAME: NAME_MAX, H_ADDRESS: ADDRESS_MAX, H_PEOPLE: PEOPLE_MAX, H_CAUSES: TEXT_MAX,
         H_NEEDS: TEXT_MAX, H_PHONE: 15}


@dataclass
class HouseholdFlow(StaleAnswer):
    """A coordinator adds a household step by step, or edits one from its service file."""

    name: str = "household"
    prefix: str = "hh"

    async def start(self, ctx: Ctx) -> None:
        """Begin adding a household (coordinators only)."""
        if not is_coordinator(ctx):
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
                H_CATEGORY: found.category.value, H_CAUSES: found.causes,
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
            items = [(ctx.t(f"category.{c.value}"), f"{self.prefix}:cat:{c.value}")
                     for c in Category]
            await ctx.reply(ctx.t("household.ask_category"), buttons(pairs(items)))
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

    async def _summary(self, ctx: Ctx, data: dict[str, Any]) -> str:
        area_name = None
        if data.get(H_AREA):
            area = await areas.get(ctx.db, int(data[H_AREA]))
            area_name = area.name if area else None
        lines = [ctx.t("file.title", name=data.get(H_NAME, ""))]
        lines.append(ctx.t("file.area", value=area_name or ctx.t("households.no_area")))
        lines.append(ctx.t("file.address", value=data.get(H_ADDRESS) or "—"))
        lines.append(ctx.t("file.people", count=data.get(H_PEOPLE) or 1))
        if data.get(H_CATEGORY):
            lines.append(ctx.t("file.category", value=ctx.t(f"category.{data[H_CATEGORY]}")))
        lines.append(ctx.t("file.causes", value=data.get(H_CAUSES) or "—"))
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
            data[H_CATEGORY] = arg
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
            needs=str(data.get(H_NEEDS, "")), phone=str(data.get(H_PHONE, "")))
        if checked is None:
            first = problems[0].field if problems else H_NAME
            step = first if first in H_FIELDS else H_NAME
            data["editing"] = True
            await ctx.reply(ctx.t(f"household.expect.{step}", max=H_MAX.get(step, 0)))
            await self.ask(ctx, await self._save(ctx, step, data))
            return
        if data.get("hid"):
            updated = await households.update(ctx.db, int(data["hid"]), checked, ctx.now)
            await flows.clear(ctx.db, ctx.user_id)
            await ctx.reply(ctx.t("household.updated", name=checked.name))
            if updated is not None:
                await HouseholdViews().show_file(ctx, updated.id)
            return
        made = await households.create(ctx.db, checked, ctx.now, by=ctx.user_id)
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
                                   f"{ACTION_PREFIX}:pair:{made.id}")]]))


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
        found = await households.search(ctx.db, text[:40], LIST_LIMIT)
        if not found:
            await ctx.reply(ctx.t("households.search_none", query=text[:40]))
            return
        await flows.clear(ctx.db, ctx.user_id)
        report_id = state.data.get("report")
        if report_id:
            items = [(short(h.name), f"rh:to:{report_id}:{h.id}") for h in found]
            await ctx.reply(ctx.t("fromreport.choose", ref=reference(int(report_id))),
                            buttons(pairs(items, 3)))
            return
        items = [(short(h.name), f"{FILE_PREFIX}:{h.id}") for h in found]
        await ctx.reply(ctx.t("households.search_title"), buttons(pairs(items, 3)))

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """No buttons of its own."""
        await ctx.answer(ctx.t("log.stale"), alert=True)


# -- /import in chat ---------------------------------------------------------------------------


@dataclass
class ImportFlow(StaleAnswer):
    """/import: the coordinator sends a CSV or XLSX file; it is checked, then stored whole."""

    name: str = "import"
    prefix: str = "im"

    async def start(self, ctx: Ctx) -> None:
        """Ask for the file."""
        await ctx.save_flow(self.name, "file", {})
        await ctx.reply(ctx.t("import.ask"))

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """Ask for the file again."""
        await ctx.reply(ctx.t("import.ask"))

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Check and import an uploaded file; errors are listed and the flow waits for a fix."""
        message: Message | None = ctx.message
        document = message.document if message else None
        if document is None:
            await ctx.reply(ctx.t("import.expect"))
            return
        if not is_coordinator(ctx):
            await flows.clear(ctx.db, ctx.user_id)
            await ctx.reply(ctx.t("error.needs_role.coordinator"))
            return
        filename = document.file_name or "upload"
        if document.file_size and document.file_size > MAX_BYTES:
            await ctx.reply(ctx.t("import.refused", reason=ctx.t(
                "import.refusal.too_big", max_mb=MAX_BYTES // (1024 * 1024))))
            await ctx.reply(ctx.t("import.again"))
            return
        await ctx.reply(ctx.t("import.checking", filename=filename))
        try:
            remote = await ctx.context.bot.get_file(document.file_id)
            data = bytes(await remote.download_as_bytearray())
        except TelegramError as exc:
            log.warning("could not download %s: %s", filename, exc)
            await ctx.reply(ctx.t("import.refused", reason=ctx.t("import.refusal.download")))
            return
        outcome = await import_households(ctx.db, data, filename, today(ctx), ctx.now,
                                          by=ctx.user_id)
        await ctx.reply(join_within(describe(ctx.t, outcome)))
        if outcome.stored is None:
            await ctx.reply(ctx.t("import.again"))
            return
        await flows.clear(ctx.db, ctx.user_id)

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """No buttons of its own."""
        await ctx.answer(ctx.t("log.stale"), alert=True)


# -- coordinator actions from the service file ---------------------------------------------------


class HouseholdActions:
    """hx:<action>:<arg>: add, find, import, edit, pair, archive, end a pairing."""

    def __init__(self, household_flow: HouseholdFlow, find: FindFlow, importer: ImportFlow,
                 views: HouseholdViews, pair_flow: Any) -> None:
        self.household_flow = household_flow
        self.find = find
        self.importer = importer
        self.views = views
        self.pair_flow = pair_flow

    async def on_button(self, ctx: Ctx) -> None:
        """Check the role, then act; forged or stale data is answered, never acted on."""
        parts = (ctx.query.data if ctx.query and ctx.query.data else "").split(":")
        action = parts[1] if len(parts) > 1 else ""
        arg = arg_int(parts, 2)
        if not is_coordinator(ctx):
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        if arg is None:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        await ctx.answer()
        if action == "add":
            await self.household_flow.start(ctx)
        elif action == "find":
            await self.find.start(ctx)
        elif action == "import":
            await self.importer.start(ctx)
        elif action in ("edit", "pair", "arch", "archyes", "archno"):
            await self._on_household(ctx, action, arg)
        elif action == "end":
            await self._end(ctx, arg)
        else:
            await ctx.reply(ctx.t("error.stale_button"))

    async def _on_household(self, ctx: Ctx, action: str, household_id: int) -> None:
        found = await households.get(ctx.db, household_id)
        if found is None:
            await ctx.reply(ctx.t("file.not_found"))
            return
        if action == "edit":
            await self.household_flow.edit(ctx, found)
        elif action == "pair":
            await self.pair_flow.start_for(ctx, found)
        elif action == "arch":
            await ctx.reply(ctx.t("file.archive.confirm", name=found.name), buttons([[
                (ctx.t("file.archive.yes"), f"{ACTION_PREFIX}:archyes:{found.id}"),
                (ctx.t("file.archive.no"), f"{ACTION_PREFIX}:archno:{found.id}")]]))
        elif action == "archyes":
            await ctx.drop_keyboard()
            await households.archive(ctx.db, found.id, today(ctx), ctx.now)
            await ctx.reply(ctx.t("file.archive.done", name=found.name))
        else:
            await ctx.drop_keyboard()
            await ctx.reply(ctx.t("file.archive.kept"))

    async def _end(self, ctx: Ctx, pairing_id: int) -> None:
        pairing = await pairings.get(ctx.db, pairing_id)
        if pairing is None or not await pairings.end(ctx.db, pairing_id, today(ctx)):
            await ctx.reply(ctx.t("file.end.gone"))
            return
        found = await households.get(ctx.db, pairing.household_id)
        await ctx.drop_keyboard()
        await ctx.reply(ctx.t("file.end.done", worker=pairing.worker_name,
                              name=found.name if found else ""))


# -- from a report to a household ----------------------------------------------------------------

REPORT_CATEGORY = {
    "elderly_alone": Category.ELDERLY_ALONE, "child": Category.CHILD_DIFFICULTY,
    "disability": Category.ILLNESS_DISABILITY, "health": Category.ILLNESS_DISABILITY,
}


async def report_taker(ctx: Ctx, report_id: int) -> bool:
    """Whether the acting person took this report."""
    from storage import reports

    report = await reports.get(ctx.db, report_id)
    return report is not None and report.taken_by == ctx.user_id


class ReportLinks:
    """rh:new:<report>, rh:link:<report>, rh:to:<report>:<household>: a worker with a case
    creates a household from it, or links it to one (the taker and coordinators only)."""

    def __init__(self, household_flow: HouseholdFlow, find: FindFlow) -> None:
        self.household_flow = household_flow
        self.find = find

    async def on_button(self, ctx: Ctx) -> None:
        """Check who presses, then act."""
        from storage import reports

        parts = (ctx.query.data if ctx.query and ctx.query.data else "").split(":")
        action = parts[1] if len(parts) > 1 else ""
        report_id = arg_int(parts, 2)
        report = await reports.get(ctx.db, report_id) if report_id is not None else None
        if report is None or action not in ("new", "link", "to"):
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        if not (is_coordinator(ctx) or report.taken_by == ctx.user_id):
            await ctx.answer(ctx.t("fromreport.not_yours"), alert=True)
            return
        await ctx.answer()
        if action == "new":
            await self.household_flow.from_report(ctx, report)
        elif action == "link":
            await self.find.start_link(ctx, report.id)
        else:
            household_id = arg_int(parts, 3)
            found = await households.get(ctx.db, household_id) if household_id else None
            if found is None:
                await ctx.reply(ctx.t("file.not_found"))
                return
            await ctx.drop_keyboard()
            await households.link_report(ctx.db, report.id, found.id)
            await ctx.reply(ctx.t("fromreport.linked", ref=report.ref, name=found.name))


# -- registration -----------------------------------------------------------------------------


class HouseholdsFeature:
    """Registers /households, /due, /log, /pair, /import, the flows and the buttons."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flow_registry: FlowRegistry, common: CommonHandlers) -> None:
        """Add the commands, flows and button handlers."""
        from bot.telegram.logging_flow import ContactButtons, LogFlow
        from bot.telegram.pairing import PairFlow

        views = HouseholdViews()
        log_flow = LogFlow()
        pair_flow = PairFlow()
        household_flow = HouseholdFlow()
        find = FindFlow()
        importer = ImportFlow()
        actions = HouseholdActions(household_flow, find, importer, views, pair_flow)
        contact_buttons = ContactButtons(log_flow)
        report_links = ReportLinks(household_flow, find)
        table.add(Command("log", Role.WORKER, log_flow.start, order=30))
        table.add(Command("due", Role.WORKER, views.due, order=31))
        table.add(Command("households", Role.WORKER, views.households, order=32))
        table.add(Command("pair", Role.COORDINATOR, pair_flow.start, order=60))
        table.add(Command("import", Role.COORDINATOR, importer.start, order=61))
        flow_registry.add(log_flow)
        flow_registry.add(pair_flow)
        flow_registry.add(household_flow)
        flow_registry.add(find)
        flow_registry.add(importer)
        app.add_handler(CallbackQueryHandler(handler(views.file_button),
                                             pattern=f"^{FILE_PREFIX}:"))
        app.add_handler(CallbackQueryHandler(handler(actions.on_button),
                                             pattern=f"^{ACTION_PREFIX}:"))
        app.add_handler(CallbackQueryHandler(handler(log_flow.quick), pattern="^lq:"))
        app.add_handler(CallbackQueryHandler(handler(contact_buttons.on_button),
                                             pattern="^cx:"))
        app.add_handler(CallbackQueryHandler(handler(report_links.on_button), pattern="^rh:"))


__all__ = ["ContactKind", "HouseholdsFeature"]
