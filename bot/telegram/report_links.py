"""From a report to a household: the worker with the case creates one or links it."""

from __future__ import annotations

from bot.domain.access import Action
from bot.services import cases
from bot.telegram.context import Ctx
from bot.telegram.household_flow import FindFlow, HouseholdFlow, link_report, linkable
from bot.telegram.household_ui import FROM_REPORT, LINK_SEARCH, LINK_TO, may

# -- from a report to a household ----------------------------------------------------------------

class ReportLinks:
    """rh:new:<report>, rh:link:<report>, rh:to:<report>:<household>: a worker with a case
    creates a household from it, or links it to one (the taker and coordinators only)."""

    def __init__(self, household_flow: HouseholdFlow, find: FindFlow) -> None:
        self.household_flow = household_flow
        self.find = find

    async def on_button(self, ctx: Ctx) -> None:
        """Check who presses, then act."""
        data = ctx.query.data if ctx.query and ctx.query.data else ""
        new, search, link = FROM_REPORT.parse(data), LINK_SEARCH.parse(data), LINK_TO.parse(data)
        report_id = (new or search or link or (None,))[0]
        report = await cases.find(ctx.services, report_id) if report_id is not None else None
        if report is None:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        if not await may(ctx, Action.REPORT_TO_HOUSEHOLD, report):
            await ctx.answer(ctx.t("fromreport.not_yours"), alert=True)
            return
        await ctx.answer()
        if new is not None:
            await self.household_flow.from_report(ctx, report)
        elif search is not None:
            await self.find.start_link(ctx, report.id)
        elif link is not None:  # a search's button from before its matches were paged
            found = await linkable(ctx, link[1])
            if found is None:
                await ctx.reply(ctx.t("file.not_found"))
                return
            await ctx.drop_keyboard()
            await link_report(ctx, report, found)


