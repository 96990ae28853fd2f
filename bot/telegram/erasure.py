"""A coordinator erases a report's reporter's personal data from the report itself.

er:ask:<report> asks for confirmation; er:yes:<report> erases (the same use case as `zhongfu
erase person`), er:no:<report> keeps everything. Every press is checked again at press time.
"""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler

from bot.callbacks import CODEC, Int
from bot.domain.people import Role
from bot.domain.reports import Report, reference
from bot.services import erasure
from bot.telegram.commands import CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx, handler
from bot.telegram.flows import FlowRegistry
from bot.telegram.keyboards import buttons

ER = CODEC.prefix("er", "erasing a reporter's personal data")
ASK, YES, NO = ER.button("ask", Int(9)), ER.button("yes", Int(9)), ER.button("no", Int(9))


def erase_rows(ctx: Ctx, report: Report) -> list[list[tuple[str, str]]]:
    """The erase button under a report, for coordinators only."""
    if ctx.role is not Role.COORDINATOR:
        return []
    return [[(ctx.t("erasure.button"), ASK.data(report.id))]]


async def on_button(ctx: Ctx) -> None:
    """Ask, erase or keep; refused (and said why) for anyone but a coordinator."""
    data = ctx.query.data if ctx.query and ctx.query.data else ""
    asked, sure, kept = ASK.parse(data), YES.parse(data), NO.parse(data)
    pressed = asked or sure or kept
    if pressed is None:
        await ctx.answer(ctx.t("error.stale_button"), alert=True)
        return
    report_id = pressed[0]
    if sure is not None:
        await _erase(ctx, report_id)
        return
    found = await erasure.may_erase_reporter(ctx.services, ctx.person, report_id)
    if isinstance(found, erasure.Refused):
        await _refuse(ctx, found, report_id)
        return
    await ctx.answer()
    if kept is not None:
        await ctx.edit_or_reply(ctx.t("erasure.kept"))
        return
    await ctx.reply(ctx.t("erasure.confirm", ref=found.ref),
                    buttons([[(ctx.t("erasure.yes"), YES.data(found.id)),
                              (ctx.t("erasure.no"), NO.data(found.id))]]))


async def _erase(ctx: Ctx, report_id: int) -> None:
    done = await erasure.erase_reporter(ctx.services, ctx.person, report_id, ctx.now)
    if isinstance(done, erasure.Refused):
        await _refuse(ctx, done, report_id)
        return
    report, erased = done
    await ctx.answer()
    text = ctx.t("erasure.done", ref=report.ref, count=erased.reports)
    if erased.withdrawn:
        text += "\n" + ctx.t("erasure.withdrawn", count=erased.withdrawn)
    if erased.details:
        text += "\n" + ctx.t("erasure.details", count=erased.details)
    await ctx.edit_or_reply(text)


async def _refuse(ctx: Ctx, why: erasure.Refused, report_id: int) -> None:
    """Say no in the pop-up and in the chat; nothing changed."""
    text = ctx.t(f"erasure.{why.value}", ref=reference(report_id))
    await ctx.answer(text, alert=True)
    await ctx.reply(text)


class ErasureFeature:
    """The coordinator's erase button on a report."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flows: FlowRegistry, common: CommonHandlers) -> None:
        """Add the button handler."""
        app.add_handler(CallbackQueryHandler(handler(on_button), pattern=f"^{ER.name}:"))
