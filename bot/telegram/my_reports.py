"""/myreports: a person's own reports and, per report, its status history."""

from __future__ import annotations

from bot.services import my_reports, report_texts
from bot.telegram.context import Ctx
from bot.telegram.flowkit import CODEC, Int
from bot.telegram.format import local_time
from bot.telegram.keyboards import buttons, pairs

HISTORY = CODEC.prefix("mr", "/myreports")
SHOW = HISTORY.button("", Int())  # mr:<report>  one report's history
PER_ROW = 3


class MyReports:
    """/myreports and its history buttons."""

    async def list(self, ctx: Ctx) -> None:
        """Show the person's reports, newest first, with a history button each."""
        mine = await my_reports.mine(ctx.services, ctx.user_id)
        if not mine:
            await ctx.reply(ctx.t("myreports.none"))
            return
        tz = ctx.services.settings.timezone
        lines = [ctx.t("myreports.title")]
        for report in mine:
            lines.append(ctx.t("myreports.line", ref=report.ref,
                               date=local_time(report.created_at, tz, "%m-%d"),
                               words=report_texts.words(ctx.services, ctx.lang, report, 24),
                               status=ctx.t(f"report.status.{report.status}")))
        items = [(r.ref, SHOW.data(r.id)) for r in mine]
        await ctx.reply("\n".join(lines), buttons(pairs(items, PER_ROW)))

    async def history(self, ctx: Ctx) -> None:
        """Show one report's status history, only to the person who made it."""
        pressed = SHOW.parse(ctx.query.data if ctx.query and ctx.query.data else "")
        found = await my_reports.history(ctx.services, ctx.user_id, pressed[0]) \
            if pressed is not None else None
        if found is None:
            await ctx.answer(ctx.t("myreports.not_yours"), alert=True)
            return
        report = found.report
        await ctx.answer()
        tz = ctx.services.settings.timezone
        lines = [ctx.t("myreports.history_title", ref=report.ref,
                       status=ctx.t(f"report.status.{report.status}"))]
        for event in found.events:
            lines.append(ctx.t("myreports.event", when=local_time(event.at, tz, "%m-%d %H:%M"),
                               what=ctx.t(f"report.event.{event.kind}")))
        await ctx.reply("\n".join(lines))
