"""/digest and /overdue for coordinators: the weekly digest on demand, and who is overdue.

/overdue lists every obligation missed in the last period, by worker; `/overdue <text>`
filters by an area or a worker whose name contains the text, and area buttons filter too
(ov:a:<area id>, ov:all). Every press is checked again: coordinators only.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler

from bot.callbacks import CODEC, Int
from bot.domain import digest as dg
from bot.domain.access import Action
from bot.domain.people import Role
from bot.domain.periods import local_date
from bot.domain.reminding import pack
from bot.services import digest as digests
from bot.services import referrals as referral_cases
from bot.services.overdue import Area, overdue
from bot.telegram.commands import Command
from bot.telegram.context import Ctx, handler

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.telegram.commands import CommandTable
    from bot.telegram.common import CommonHandlers
    from bot.telegram.flows import FlowRegistry

OV = CODEC.prefix("ov", "/overdue")
EVERYONE = OV.button("all")
OF_AREA = OV.button("a", Int())  # ov:a:<area id>
AREA_BUTTONS = 12


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
    """ov:a:<area id> or ov:all."""
    if not await ctx.may(Action.OVERDUE_READ):
        await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
        return
    data = ctx.query.data if ctx.query and ctx.query.data else ""
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
    label = ""
    if found.area_name is not None:
        label = ctx.t("overdue.filter_area", area=found.area_name)
    elif found.worker_name is not None:
        label = ctx.t("overdue.filter_worker", worker=found.worker_name)
    missed, people = found.missed, found.people
    names = {k: v.name for k, v in people.items()}
    markup = _area_buttons(ctx, found.areas)
    if not missed:
        await ctx.reply(ctx.t("overdue.none_filtered" if label else "overdue.none"), markup)
        return
    lines = digests.item_lines(ctx.services, ctx.lang, dg.by_worker(missed, names), people)
    lines.append(ctx.t("overdue.hint"))
    header = ctx.t("overdue.title", filter=label, count=len(missed))
    messages = pack(lines, header=header)
    for n, message in enumerate(messages):
        await ctx.reply(message, markup if n == len(messages) - 1 else None)


def _area_buttons(ctx: Ctx, known: list[Area]) -> InlineKeyboardMarkup:
    row: list[InlineKeyboardButton] = [
        InlineKeyboardButton(ctx.t("overdue.all"), callback_data=EVERYONE.data())]
    rows = [row]
    for area in known[:AREA_BUTTONS]:
        if len(rows[-1]) >= 3:
            rows.append([])
        rows[-1].append(InlineKeyboardButton(area.name[:20],
                                             callback_data=OF_AREA.data(area.id)))
    return InlineKeyboardMarkup(rows)


class OverdueFeature:
    """/digest and /overdue, coordinators only."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flows: FlowRegistry, common: CommonHandlers) -> None:
        """Add the two commands and the filter buttons."""
        table.add(Command("overdue", Role.COORDINATOR, overdue_command, order=64))
        table.add(Command("digest", Role.COORDINATOR, digest_command, order=65))
        app.add_handler(CallbackQueryHandler(handler(on_button), pattern=f"^{OV.name}:"))
