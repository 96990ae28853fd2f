"""Use case: a household's wellbeing trend for its service file."""

from __future__ import annotations

from bot.domain.wellbeing import TREND_SCORES, Trend, trend
from bot.services.context import Services
from storage import contacts


async def household_trend(services: Services, household_id: int) -> Trend | None:
    """The last wellbeing scores logged with the household's contacts and their direction."""
    return trend(await contacts.wellbeing_scores(services.db, household_id, TREND_SCORES))
