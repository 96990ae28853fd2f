"""`zhongfu import referrals FILE --source NAME` and `zhongfu export referrals … OUT`."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.i18n import Catalog
from bot.importing import plain
from bot.services import referrals as usecases
from bot.services.context import Services, clock_for
from storage import areas
from storage.db import Database

T = TypeVar("T")


async def _with_services(settings: Settings,
                         work: Callable[[Services, datetime], Awaitable[T]]) -> T:
    """Open the database, run `work` with the deployment's services and clock, close."""
    catalog = Catalog.load(SUPPORTED_LANGUAGES, settings.language)
    db = await Database.open(settings.database, create=False)
    try:
        services = Services(settings, db, catalog, clock_for(settings))
        now = services.clock()
        await areas.seed(db, settings.areas, now)
        return await work(services, now)
    finally:
        await db.close()


def import_cli(settings: Settings, path: Path, source: str) -> int:
    """Check and import one agency's list: 0 and a count when stored, 1 with the errors."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"zhongfu: {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1

    async def work(services: Services, now: datetime) -> tuple[bool, list[str]]:
        outcome = await usecases.import_list_named(services, data, path.name, source, now)
        lines = usecases.describe_import(services, settings.language, outcome, 10_000)
        return outcome.stored, lines

    stored, lines = asyncio.run(_with_services(settings, work))
    if not stored:
        print(f"zhongfu: {path.name}:", file=sys.stderr)
        for line in lines:
            print(plain(line), file=sys.stderr)
        return 1
    print("\n".join(plain(line) for line in lines))
    return 0


def export_cli(settings: Settings, source: str, quarter: str, out: Path,
               with_contacts: bool) -> int:
    """Write the agency's return for a quarter as XLSX (recorded in the audit trail)."""

    async def work(services: Services, now: datetime) -> usecases.AgencyReturn:
        return await usecases.agency_return(services, None, source, quarter, now,
                                            with_contacts=with_contacts)

    made = asyncio.run(_with_services(settings, work))
    if made.refusal is not None:
        catalog = Catalog.load(SUPPORTED_LANGUAGES, settings.language)
        reason = catalog.t(settings.language, f"referrals.refused.{made.refusal}", ref="")
        print(f"zhongfu: {plain(reason)}", file=sys.stderr)
        return 1
    try:
        out.write_bytes(made.data)
    except OSError as exc:
        print(f"zhongfu: {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"zhongfu: {made.rows} referral(s) written to {out}")
    return 0
