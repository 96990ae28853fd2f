"""The household screens workers and coordinators read: /households, /due, the service file."""

from __future__ import annotations

from typing import Any

from bot.domain.aid import format_yuan
from bot.domain.cadence import Status
from bot.domain.paging import page_of
from bot.domain.reports import excerpt, reference
from bot.domain.wellbeing import Trend
from bot.services import aid as ledger
from bot.services import audit as trail
from bot.services import household_files as files
from bot.services import obligations, report_texts, wellbeing
from bot.services.contact_buttons import DELETE, FIX, FOR_PERIOD, START_FOR
from bot.services.household_files import Contact, Household, Pairing
from bot.telegram.context import Ctx
from bot.telegram.format import local_time
from bot.telegram.household_ui import (
    ADD,
    ARCHIVE,
    CONTACTS_PAGE,
    DUE_PAGE,
    DUE_PAGE_SIZE,
    EDIT,
    END_PAIRING,
    FILE,
    FIND,
    FROM_REPORT,
    IMPORT,
    LINK_SEARCH,
    LIST_LIMIT,
    PAIR,
    buttons,
    can_open,
    causes_value,
    contact_words,
    is_coordinator,
    is_staff,
    join_within,
    obligation_text,
    pairs,
    period_label,
    program_label,
    short,
    today,
)
from bot.telegram.keyboards import page_line, page_rows

# -- /households, /due and the service file ----------------------------------------------------


class HouseholdViews:
    """Read-only views: my households, what is due, the service file."""

    async def households(self, ctx: Ctx) -> None:
        """/households: my households with this period's status; coordinators see the registry."""
        if is_coordinator(ctx):
            total, unpaired = await files.registry_count(ctx.services)
            await ctx.reply(
                ctx.t("households.registry", total=total, unpaired=unpaired) + "\n"
                + ctx.t("households.registry_hint"),
                buttons([[(ctx.t("households.button.add"), ADD.data(0)),
                          (ctx.t("households.button.search"), FIND.data(0))],
                         [(ctx.t("households.button.import"), IMPORT.data(0))]]))
        for case in await files.unlinked_cases(ctx.services, ctx.user_id):
            ref = reference(case.report_id)
            await ctx.reply(
                ctx.t("fromreport.pending", ref=ref,
                      words=excerpt(case.subject or case.description or report_texts.voice(
                          ctx.services, ctx.lang, case.voice_seconds, kept=case.voice_kept),
                          24)),
                buttons([[(ctx.t("fromreport.new", ref=ref), FROM_REPORT.data(case.report_id))],
                         [(ctx.t("fromreport.link", ref=ref), LINK_SEARCH.data(case.report_id))]]))
        mine = await files.mine(ctx.services, ctx.user_id)
        if not mine:
            if not is_coordinator(ctx):
                await ctx.reply(ctx.t("households.none_worker"))
            return
        day = today(ctx)
        shown = mine[:LIST_LIMIT]
        owed = await obligations.for_worker(
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
            items.append((short(mine_item.name), FILE.data(mine_item.household_id, None)))
        rows = pairs(items, 3)
        if len(mine) > len(shown):
            lines.append(ctx.t("households.more", count=len(mine) - len(shown)))
            rows.append([(ctx.t("households.button.search"), FIND.data(0))])
        await ctx.reply(join_within(lines), buttons(rows))

    async def due(self, ctx: Ctx) -> None:
        """/due: what can still be done this period (soonest first), then what was missed."""
        await self.due_page(ctx, 0)

    async def due_button(self, ctx: Ctx) -> None:
        """du:pg:<page>: another page of /due, in the pressed message."""
        parsed = DUE_PAGE.parse(ctx.query.data if ctx.query and ctx.query.data else "")
        if parsed is None or not is_staff(ctx):
            await ctx.answer(ctx.t("due.not_allowed"), alert=True)
            return
        await ctx.answer()
        await self.due_page(ctx, parsed[0], edit=True)

    async def due_page(self, ctx: Ctx, number: int, *, edit: bool = False) -> None:
        """Page `number` of /due: the open items first, each with a log button; the missed
        ones after, each with a button to log it after the fact (a date in its period)."""
        send = ctx.edit_or_reply if edit else ctx.reply
        mine = await files.mine(ctx.services, ctx.user_id)
        if not mine:
            await send(ctx.t("due.none_households"))
            return
        day = today(ctx)
        names = {m.household_id: m.name for m in mine}
        owed = await obligations.for_worker(ctx.db, ctx.user_id, day, history_periods=1)
        still = files.soonest([(hid, o) for hid, items in owed.items() for o in items
                               if o.status is Status.DUE])
        missed = files.soonest([(hid, o) for hid, items in owed.items() for o in items
                                if o.status is Status.MISSED])
        if not still and not missed:
            await send(ctx.t("due.none"))
            return
        page = page_of([*still, *missed], number, DUE_PAGE_SIZE)
        lines = [ctx.t("due.title", open=len(still), missed=len(missed))]
        rows: list[list[tuple[str, str]]] = []
        offered: set[tuple[int, str]] = set()
        for hid, item in page.items:
            name = names.get(hid, "")
            lines.append(obligation_text(ctx, "due.line", item, day, name=name))
            kind = ctx.t(f"kind.{item.rule.kind.value}")
            if item.status is Status.MISSED:
                rows.append([(ctx.t("due.past_button", kind=kind, name=short(name, 8),
                                    period=period_label(ctx, item, day)),
                              FOR_PERIOD.data(hid, item.rule.kind, item.period.start,
                                              item.period.last_day))])
            elif (hid, item.rule.kind.value) not in offered:
                offered.add((hid, item.rule.kind.value))
                rows.append([(ctx.t("due.log_button", kind=kind, name=short(name, 10)),
                              START_FOR.data(hid, item.rule.kind))])
        if any(item.status is Status.MISSED for _, item in page.items):
            lines.append(ctx.t("due.past_hint"))
        lines += page_line(ctx.t, page)
        rows += page_rows(ctx.t, page, DUE_PAGE.data)
        await send(join_within(lines), buttons(rows))

    async def file_button(self, ctx: Ctx) -> None:
        """hf:<id>[:<offset>]: the service file, or earlier contacts."""
        parsed = FILE.parse(ctx.query.data if ctx.query and ctx.query.data else "")
        household_id, offset = parsed if parsed is not None else (None, None)
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
        found = await files.find(ctx.services, household_id)
        if found is None:
            await ctx.reply(ctx.t("file.not_found"))
            return
        await trail.note(ctx.services, ctx.user_id, "view.household", "household", found.id)
        lines = [ctx.t("file.title", name=found.name)
                 + (" " + ctx.t("file.archived") if found.archived else "")]
        lines += _profile_lines(ctx, found)
        lines += _trend_lines(ctx, await wellbeing.household_trend(ctx.services, household_id))
        history = await files.pairing_history(ctx.services, household_id)
        lines += ["", *await _pairing_lines(ctx, history)]
        lines += ["", *await _obligation_lines(ctx, household_id)]
        total = await files.contact_count(ctx.services, household_id)
        recent = await files.contacts_page(ctx.services, household_id, CONTACTS_PAGE)
        lines += ["", ctx.t("file.contacts_title", count=total)]
        lines += _contact_lines(ctx, recent) or [ctx.t("file.contacts_none")]
        lines += ["", *await _aid_lines(ctx, household_id)]
        lines += await _report_lines(ctx, household_id)
        rows = await _file_buttons(ctx, found, history, recent, total)
        await ctx.reply(join_within(lines), buttons(rows) if rows else None)

    async def more_contacts(self, ctx: Ctx, household_id: int, offset: int) -> None:
        """Earlier contacts, a page at a time."""
        found = await files.find(ctx.services, household_id)
        page = await files.contacts_page(ctx.services, household_id, CONTACTS_PAGE, offset)
        if found is None or not page:
            await ctx.reply(ctx.t("file.no_more"))
            return
        await trail.note(ctx.services, ctx.user_id, "view.household", "household", found.id,
                         {"offset": offset})
        lines = [ctx.t("file.more_title", name=found.name), *_contact_lines(ctx, page)]
        total = await files.contact_count(ctx.services, household_id)
        rows = []
        if offset + CONTACTS_PAGE < total:
            rows.append([(ctx.t("file.button.more"),
                          FILE.data(household_id, offset + CONTACTS_PAGE))])
        await ctx.reply(join_within(lines), buttons(rows) if rows else None)


async def _aid_lines(ctx: Ctx, household_id: int) -> list[str]:
    """The household's aid: how much in all, and the latest entries."""
    found = await ledger.history(ctx.services, household_id)
    lines = [ctx.t("aid.file.title", count=found.total.entries,
                   amount=format_yuan(found.total.amount_fen))]
    for entry in found.latest:
        lines.append(ctx.t("aid.file.line", day=entry.day.isoformat(),
                           kind=ctx.t(f"aid.kind.{entry.kind.value}"),
                           amount=format_yuan(entry.amount_fen),
                           purpose=ctx.t(f"aid.purpose.{entry.purpose.value}"),
                           fund=entry.fund_name))
        if entry.description:
            lines.append(ctx.t("aid.file.goods", description=entry.description,
                               quantity=entry.quantity or 1))
    return lines if found.latest else [*lines, ctx.t("aid.file.none")]


async def _pairing_lines(ctx: Ctx, history: list[Pairing]) -> list[str]:
    """The service file's pairing history, current pairings first."""
    lines = [ctx.t("file.pairings_title")]
    names = {p.id: program_label(ctx, p.name) for p in await files.programs(ctx.services)}
    for pairing in history:
        program = names.get(pairing.program_id, str(pairing.program_id))
        if pairing.ended_on is None:
            # A deactivated worker's pairing still stands, but nobody is visiting.
            key = "file.pairing_active" if pairing.worker_active else "file.pairing_inactive"
            lines.append(ctx.t(key, worker=pairing.worker_name, program=program,
                               start=pairing.started_on.isoformat()))
        else:
            lines.append(ctx.t("file.pairing_past", worker=pairing.worker_name, program=program,
                               start=pairing.started_on.isoformat(),
                               end=pairing.ended_on.isoformat()))
    if not history:
        lines.append(ctx.t("file.pairing_none"))
    return lines


async def _obligation_lines(ctx: Ctx, household_id: int) -> list[str]:
    """This period's obligations of the household and their status."""
    day = today(ctx)
    owed = await obligations.for_household(ctx.db, household_id, day, history_periods=0)
    lines = [ctx.t("file.obligations_title")]
    lines += [obligation_text(ctx, "file.obligation_line", item, day) for _, item in owed]
    if not owed:
        lines.append(ctx.t("file.obligations_none"))
    return lines


async def _report_lines(ctx: Ctx, household_id: int) -> list[str]:
    """Reports linked to the household, if any."""
    linked = await files.linked_reports(ctx.services, household_id)
    if not linked:
        return []
    tz = ctx.services.settings.timezone
    lines = ["", ctx.t("file.reports_title")]
    for report in linked:
        status_key = f"report.status.{report.status}"
        status = ctx.t(status_key) if ctx.services.catalog.has(status_key) else ""
        lines.append(ctx.t("file.report_line", ref=reference(report.id), status=status,
                           date=local_time(report.created_at, tz, "%Y-%m-%d")))
    return lines


async def _file_buttons(ctx: Ctx, found: Household, history: list[Pairing],
                        recent: list[Contact], total: int) -> list[list[tuple[str, str]]]:
    """What the viewer may do from the service file: more, log, correct, coordinator actions."""
    household_id = found.id
    rows: list[list[tuple[str, str]]] = []
    if total > CONTACTS_PAGE:
        rows.append([(ctx.t("file.button.more"), FILE.data(household_id, CONTACTS_PAGE))])
    if await files.is_paired(ctx.services, household_id, ctx.user_id):
        rows.append([(ctx.t("file.button.log"), START_FOR.data(household_id, None))])
    own = [c for c in recent if c.worker_id == ctx.user_id]
    for contact in own[:1]:
        if _correctable(ctx, contact.created_at):
            # Named by the record they change: a bare "修改" here reads as "edit the household".
            words = contact_words(ctx, contact.day, contact.kind)
            rows.append([(ctx.t("file.button.fix_contact", **words), FIX.data(contact.id)),
                         (ctx.t("file.button.delete_contact", **words),
                          DELETE.data(contact.id))])
    if is_coordinator(ctx) and not found.archived:
        rows.append([(ctx.t("file.button.edit"), EDIT.data(household_id)),
                     (ctx.t("file.button.pair"), PAIR.data(household_id)),
                     (ctx.t("file.button.archive"), ARCHIVE.data(household_id))])
        rows += [[(ctx.t("file.button.end") + " · " + short(p.worker_name),
                   END_PAIRING.data(p.id))] for p in history if p.ended_on is None]
    return rows


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
    lines.append(ctx.t("file.category", value=ctx.t("household.category_sep").join(
        ctx.t(f"category.{c.value}") for c in found.categories or (found.category,))))
    if found.causes or found.cause_codes:
        lines.append(ctx.t("file.causes",
                           value=causes_value(ctx, found.cause_codes, found.causes)))
    if found.needs:
        lines.append(ctx.t("file.needs", value=found.needs))
    if found.phone:
        lines.append(ctx.t("file.phone", value=found.phone))
    return lines


def _trend_lines(ctx: Ctx, found: Trend | None) -> list[str]:
    """The wellbeing trend as one line (3 → 4 → 4 ↑), or nothing before any score."""
    if found is None:
        return []
    arrow = ctx.t(f"wellbeing.{found.direction.value}") if found.direction else ""
    return [ctx.t("wellbeing.line", scores=" → ".join(str(s) for s in found.scores),
                  direction=arrow).rstrip()]


def _contact_lines(ctx: Ctx, items: list[Contact]) -> list[str]:
    lines = []
    for contact in items:
        lines.append(ctx.t("file.contact_line", day=contact.day.isoformat(),
                           kind=ctx.t(f"kind.{contact.kind.value}"), worker=contact.worker_name,
                           note=short(contact.note, 80) or "—"))
        if contact.services:
            lines.append(ctx.t("file.contact_services", services=ctx.join(
                [ctx.t(f"service.{s.value}") for s in contact.services])))
        if contact.next_note:
            lines.append(ctx.t("file.contact_next", note=short(contact.next_note, 80)))
    return lines
