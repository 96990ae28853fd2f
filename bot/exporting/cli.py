"""`zhongfu export --from DATE --to DATE [--format xlsx|csv] [--with-contacts] OUT`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.config import Settings
from bot.domain import figures as fg


def export_cli(settings: Settings, start: str, end: str, fmt: str, with_contacts: bool,
               out: Path) -> int:
    """Write the export to OUT: 0 and a line when written, 1 with the reason otherwise."""
    try:
        span = fg.parse_span(f"{start} {end}")
    except fg.SpanError as exc:
        reasons = {fg.SpanProblem.FORMAT: "dates must look like 2026-01-31",
                   fg.SpanProblem.DATE: "no such date",
                   fg.SpanProblem.REVERSED: "--from is after --to",
                   fg.SpanProblem.TOO_LONG: "at most five years at a time"}
        print(f"zhongfu: {start} .. {end}: {reasons[exc.problem]}", file=sys.stderr)
        return 1
    if not out.parent.exists():
        print(f"zhongfu: {out.parent}: no such folder", file=sys.stderr)
        return 1
    return asyncio.run(_export(settings, span, fmt, with_contacts, out))


async def _export(settings: Settings, span: fg.Span, fmt: str, with_contacts: bool,
                  out: Path) -> int:
    from bot.config import SUPPORTED_LANGUAGES
    from bot.i18n import Catalog
    from bot.services import figures
    from bot.services.context import Services, clock_for
    from storage.db import Database

    db = await Database.open(settings.database, create=False)
    try:
        services = Services(settings, db, Catalog.load(SUPPORTED_LANGUAGES, settings.language),
                            clock_for(settings))
        done = await figures.export(services, None, span, figures.Format(fmt), with_contacts,
                                    out, settings.language)
    finally:
        await db.close()
    print(f"zhongfu: {out}: {len(done.sheets)} sheets, {span.start} to {span.end}"
          + (", with phone numbers and addresses" if with_contacts else ""))
    return 0
