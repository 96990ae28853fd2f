"""/digest and /overdue for coordinators: the weekly digest on demand, and who is overdue.

/overdue lists every obligation missed in the last period, by worker; `/overdue <text>`
filters by an area or a worker whose name contains the text, and area buttons filter too
(ov:a:<area id>, ov:all): every community, a page at a time in a message of its own below the
list (ov:pg:<page> turns it). Every press is checked again: coordinators only.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler

from bot.callbacks import CODEC, Int
from bot.domain import digest as dg
from bot.domain.access import Action
from bot.domain.paging import page_holding
from bot.domain.people import Role
from bot.domain.periods import local_date
from bot.domain.reminding import pack
from bot.services import areas
from bot.services import digest as digests
from bot.services import referrals as referral_cases
from bot.services.overdue import Area, overdue
from bot.telegram.commands import Command
from bot.telegram.context import Ctx, handler
from bot.telegram.format import name_or_id, names_listed
from bot.telegram.household_ui import short
from bot.telegram.keyboards import buttons, picker

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.telegram.commands import CommandTable
    from bot.telegram.common import CommonHandlers
    from bot.telegram.flows import FlowRegistry

OV = CODEC.prefix("ov", "/overdue")
EVERYONE = OV.button("all")
OF_AREA = OV.button("a", Int())  # ov:a:<area id>
AREAS_PAGE = OV.button("pg", Int(4))  # ov:pg:<page>  another page of the communities


async def digest_command(ctx: Ctx) -> None:
    """/digest: this week's digest now, to the coordinator who asked (not recorded)."""
    today = local_date(ctx.now, ctx.services.settings.timezone)
    found = await digests.gather(ctx.services, today)
    # Drawn in a worker thread, as the weekly run draws it: seconds of charts during which
    # no resident would be answered.
    parts = await asyncio.to_thread(digests.render_digest, ctx.services, ctx.lang, found)
    for part in parts:
        # A chart that cannot be sent still tells its figures: its caption, as text.
        if part.png is None or not await ctx.send_photo(part.png, part.text):
            await ctx.reply(part.text)


async def overdue_command(ctx: Ctx) -> None:
    """/overdue [area or worker]: overdue obligations, filtered."""
    text = ctx.message.text if ctx.message and ctx.message.text else ""
    query = text.split(maxsplit=1)[1].strip()[:40] if len(text.split(maxsplit=1)) > 1 else ""
    await show(ctx, query=query)
    if not query:
        await show_referrals(ctx)


async def show_referrals(ctx: Ctx) -> None:
    """Referrals past their deadline, by source (the referral lines come from their module)."""
    found = await referral_cases.overdue(ctx.services, local_date(ctx.now,
                                                                  ctx.services.settings.timezone))
    lines = referral_cases.overdue_lines(ctx.services, ctx.lang, found)
    if not lines:
        return  # nothing overdue: no empty message (Telegram refuses one)
    for message in pack(lines):
        await ctx.reply(message)


async def on_button(ctx: Ctx) -> None:
    """ov:a:<area id>, ov:all, or ov:pg:<page> (another page of the filter's communities)."""
    if not await ctx.may(Action.OVERDUE_READ):
        await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
        return
    data = ctx.query.data if ctx.query and ctx.query.data else ""
    if (page := AREAS_PAGE.parse(data)) is not None:
        await ctx.answer()
        await ctx.edit_or_reply(*_filter(ctx, await areas.filterable(ctx.services), page[0]))
        return
    area = OF_AREA.parse(data)
    if area is None and EVERYONE.parse(data) is None:
        await ctx.answer(ctx.t("error.stale_button"), alert=True)
        return
    await ctx.answer()
    await show(ctx, area_id=area[0] if area is not None else None)


async def show(ctx: Ctx, *, query: str = "", area_id: int | None = None) -> None:
    """List the overdue obligations (optionally of one area or one worker)."""
    today = local_date(ctx.now, ctx.services.settings.timezone)
    found = await overdue(ctx.services, today, query=query, area_id=area_id)
    if found.not_found:
        await ctx.reply(ctx.t("overdue.not_found", query=query))
        return
    if found.matches:  # several workers' names hold the text: which one is never guessed
        await ctx.reply(ctx.t("overdue.several", query=query, count=len(found.matches),
                              names=names_listed(ctx.t, found.matches),
                              example=name_or_id(found.matches, found.matches[0])))
        return
    label = ""
    if found.area_name is not None:
        label = ctx.t("overdue.filter_area", area=found.area_name)
    elif found.worker_name is not None:
        label = ctx.t("overdue.filter_worker", worker=found.worker_name)
    missed, people = found.missed, found.people
    names = {k: v.name for k, v in people.items()}
    if not missed:
        await ctx.reply(ctx.t("overdue.none_filtered" if label else "overdue.none"))
    else:
        lines = digests.item_lines(ctx.services, ctx.lang, dg.by_worker(missed, names), people)
        header = ctx.t("overdue.title", filter=label, count=len(missed))
        for message in pack(lines, header=header):
            await ctx.reply(message)
    if missed or label:  # nothing overdue anywhere: nothing to filter
        # Filtered by a community: its filter opens at the page that holds it.
        shown = [a.name for a in found.areas]
        number = page_holding(shown.index(found.area_name)) if found.area_name in shown else 0
        await ctx.reply(*_filter(ctx, found.areas, number))


def _filter(ctx: Ctx, known: list[Area], number: int) -> tuple[str, InlineKeyboardMarkup]:
    """The filter under the list: "all", then page `number` of the communities to choose."""
    items = [(ctx.label("overdue.retired_area", name=short(a.name, 20)) if a.retired
              else short(a.name, 20), OF_AREA.data(a.id)) for a in known]
    rows, page = picker(ctx.t, items, number, AREAS_PAGE.data, 3)
    return ("\n".join([ctx.t("overdue.hint"), *page]),
            buttons([[(ctx.t("overdue.all"), EVERYONE.data())], *rows]))


class OverdueFeature:
    """/digest and /overdue, coordinators only."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flows: FlowRegistry, common: CommonHandlers) -> None:
        """Add the two commands and the filter buttons."""
        table.add(Command("overdue", Role.COORDINATOR, overdue_command, order=64))
        table.add(Command("digest", Role.COORDINATOR, digest_command, order=65))
        app.add_handler(CallbackQueryHandler(handler(on_button), pattern=f"^{OV.name}:"))
