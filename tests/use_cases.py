"""The use cases as a test drives them: Services over a real database, at the time the test
sets (the bot's "now" comes from the test, never from the wall clock)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache

from bot.config import SUPPORTED_LANGUAGES, load_settings
from bot.i18n import Catalog
from bot.services.context import Services
from storage.db import Database

ZONE = "Asia/Shanghai"


@cache
def catalog() -> Catalog:
    """Both languages' catalogs, Chinese the deployment's (loaded once per test process)."""
    return Catalog.load(SUPPORTED_LANGUAGES, "zh")


def services_for(db: Database, now: datetime, *, coordinators: str = "9001",
                 zone: str = ZONE, env: Mapping[str, str] | None = None,
                 on_queued: Callable[[], None] | None = None) -> Services:
    """Services as the bot builds them, its clock stopped at `now`; `env` adds settings."""
    settings = load_settings({"ZHONGFU_TIMEZONE": zone, "ZHONGFU_COORDINATORS": coordinators,
                              **(env or {})})
    if on_queued is None:
        return Services(settings, db, catalog(), clock=lambda: now)
    return Services(settings, db, catalog(), clock=lambda: now, on_queued=on_queued)
