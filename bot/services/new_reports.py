"""Use cases of a resident sending a report: the hourly limit, the latest one sent, and
confirming the draft (the report and its receipt in one transaction)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.domain.reports import Report, over_rate_limit
from bot.services.context import Services
from storage import reports
from storage.outbox import Outgoing
from storage.reports import Submitted

__all__ = ["Outgoing", "Submitted", "from_summary", "latest", "rate_limited", "submit"]


async def rate_limited(services: Services, reporter_id: int, now: datetime) -> bool:
    """True when the person already sent as many reports this hour as allowed."""
    recent = await reports.recent_count(services.db, reporter_id, now)
    return over_rate_limit(recent, services.settings.reports_per_hour)


async def latest(services: Services, reporter_id: int) -> Report | None:
    """The person's newest report, if any."""
    found = await reports.by_reporter(services.db, reporter_id, limit=1)
    return found[0] if found else None


async def from_summary(services: Services, reporter_id: int, message_id: int) -> Report | None:
    """The person's report confirmed on the summary message `message_id`; None when that
    summary was never sent (cancelled, or cleared when it expired)."""
    return await reports.from_summary(services.db, reporter_id, message_id)


async def submit(services: Services, reporter_id: int, flow_name: str, confirm_step: str,
                 now: datetime,
                 receipt: Callable[[Report], Sequence[Outgoing]] | None = None,
                 summary_message_id: int | None = None) -> Submitted:
    """Turn the draft into a report, end the flow and queue the receipt, in one transaction
    (the summary message confirmed kept with it)."""
    return await reports.submit(services.db, reporter_id, flow_name, confirm_step, now,
                                services.settings.reports_per_hour, receipt,
                                summary_message_id)
