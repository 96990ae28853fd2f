"""Reports from residents: /report (the flow) and /myreports, registered together."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler

from bot.domain.people import Role
from bot.telegram.commands import Command, CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import handler
from bot.telegram.flows import FlowRegistry
from bot.telegram.my_reports import HISTORY, MyReports
from bot.telegram.report_flow import ReportFlow


class ReportFeature:
    """Registers /report, /myreports and the report flow."""

    def __init__(self) -> None:
        self.flow: ReportFlow | None = None

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flow_registry: FlowRegistry, common: CommonHandlers) -> None:
        """Add the commands, the flow and the history buttons."""
        self.flow = ReportFlow()
        mine = MyReports()
        table.add(Command("report", Role.RESIDENT, self.flow.start, order=10))
        table.add(Command("myreports", Role.RESIDENT, mine.list, order=11))
        flow_registry.add(self.flow)
        app.add_handler(CallbackQueryHandler(handler(mine.history),
                                             pattern=f"^{HISTORY.name}:"))
