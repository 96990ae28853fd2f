"""The features plugged into the application, each adding its commands, flows and buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.telegram.commands import CommandTable
    from bot.telegram.common import CommonHandlers
    from bot.telegram.flows import FlowRegistry


class Feature(Protocol):
    """A part of the bot (reports, triage, …) that registers its own handlers."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flows: FlowRegistry, common: CommonHandlers) -> None:
        """Add commands to `table`, flows to `flows`, other handlers to `app`."""


def features() -> list[Feature]:
    """A fresh instance of every feature, in the order their handlers take precedence."""
    from bot.telegram.activity import ActivityFeature
    from bot.telegram.aid import AidFeature
    from bot.telegram.audit import AuditFeature
    from bot.telegram.cases import CasesFeature
    from bot.telegram.erasure import ErasureFeature
    from bot.telegram.households import HouseholdsFeature
    from bot.telegram.onboarding import OnboardingFeature
    from bot.telegram.overdue import OverdueFeature
    from bot.telegram.program_limits import ProgramLimitsFeature
    from bot.telegram.programs import ProgramsFeature
    from bot.telegram.projects import ProjectsFeature
    from bot.telegram.referrals import ReferralsFeature
    from bot.telegram.report import ReportFeature
    from bot.telegram.stats import StatsFeature
    from bot.telegram.streets import StreetsFeature
    from bot.telegram.titles import TitlesFeature

    return [ReportFeature(), OnboardingFeature(), CasesFeature(), HouseholdsFeature(),
            OverdueFeature(), ProgramsFeature(), AuditFeature(), ReferralsFeature(),
            StatsFeature(), AidFeature(), ActivityFeature(), ProjectsFeature(),
            ProgramLimitsFeature(), StreetsFeature(), TitlesFeature(), ErasureFeature()]
