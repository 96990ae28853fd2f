"""A resident's right to be forgotten, and reports that are kept no longer than needed."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.services.context import Services
from storage import audit, erasure
from storage.erasure import Erased


async def erase_person(services: Services, telegram_id: int, actor: int | None,
                       now: datetime) -> Erased:
    """Remove a resident's personal data (audited), then compact the file."""
    async with services.db.transaction() as tx:
        done = await erasure.erase_person_in(tx, telegram_id, now)
        await audit.record(tx, now, actor, "erase.person", "person", telegram_id,
                           {"reports": done.reports, "notes": done.notes})
    await erasure.compact(services.db)
    return done


async def anonymise_old_reports(services: Services, now: datetime) -> int:
    """Anonymise reports closed more than ZHONGFU_RETAIN_REPORT_DAYS ago; return how many."""
    cutoff = now - timedelta(days=services.settings.retain_report_days)
    async with services.db.transaction() as tx:
        count = await erasure.anonymise_closed_in(tx, cutoff, now)
        if count:
            await audit.record(tx, now, None, "erase.reports", "report", "",
                               {"anonymised": count})
    if count:
        await erasure.compact(services.db)
    return count
