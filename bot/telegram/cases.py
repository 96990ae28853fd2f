"""Case work: /cases, and the registration of the case buttons and the case flow.

The case buttons live in case_actions.py (their data is declared in
bot/services/case_buttons.py), the flow that waits for a typed text in case_flow.py, and the
one check before any case work in case_checks.py.
"""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler

from bot.domain.people import Role
from bot.services import case_lists, report_texts
from bot.services.case_buttons import CS, FB, VIEW
from bot.telegram.case_actions import CaseActions
from bot.telegram.case_flow import CaseFlow
from bot.telegram.commands import Command, CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx, handler
from bot.telegram.flows import FlowRegistry
from bot.telegram.keyboards import buttons


async def list_cases(ctx: Ctx) -> None:
    """A worker's open cases and the untaken reports of their areas (all, for coordinators)."""
    coordinator = ctx.role is Role.COORDINATOR
    found = await case_lists.cases_of(ctx.services, ctx.person)
    mine, waiting = found.open, found.waiting
    if not mine and not waiting:
        await ctx.reply(ctx.t("triage.cases.none"))
        return
    lines: list[str] = []
    rows: list[list[tuple[str, str]]] = []
    for group, heading, icon in (
            (mine, "triage.cases.open_all" if coordinator else "triage.cases.open", "📂"),
            (waiting, "triage.cases.waiting", "🆕")):
        if not group:
            continue
        lines.append(ctx.t(heading))
        # An untaken report is listed to every worker of its community: masked as on its
        # card (phones, flat numbers); the full text is for whoever takes it. A coordinator
        # hears a voice by opening it right here, so their line names the voice, no more.
        for r in group:
            words = (report_texts.words(ctx.services, ctx.lang, r, 30) if group is mine
                     else report_texts.words(ctx.services, ctx.lang, r, 30, masked=True)
                     if coordinator else report_texts.card_words(ctx.services, ctx.lang, r, 30))
            lines.append(ctx.t("triage.cases.line", ref=r.ref,
                               urgency=ctx.t(f"report.urgency.{r.urgency}"), words=words))
            rows.append([(f"{icon} {r.ref}", VIEW.data(r.id))])
    await ctx.reply("\n".join(lines), buttons(rows))


def register_cases(app: Application, table: CommandTable,  # type: ignore[type-arg]
                   flow_registry: FlowRegistry, common: CommonHandlers) -> None:
    """Add /cases, the case flow and the case and feedback buttons."""
    flow = CaseFlow()
    actions = CaseActions(flow)
    table.add(Command("cases", Role.WORKER, list_cases, order=20))
    flow_registry.add(flow)
    app.add_handler(CallbackQueryHandler(handler(actions.button), pattern=f"^{CS.name}:"))
    app.add_handler(CallbackQueryHandler(handler(actions.feedback), pattern=f"^{FB.name}:"))
    common.before_flows.append(actions.answered_worker)
    # Answered again after a crash, before anything else may take the words.
    common.outside_flows.append(flow.said_again)
    common.outside_flows.append(actions.reporter_message)


class CasesFeature:
    """Case work: /cases, the case buttons and flows."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flow_registry: FlowRegistry, common: CommonHandlers) -> None:
        """Add the commands, flows and buttons."""
        register_cases(app, table, flow_registry, common)
