"""Reading spreadsheets people upload (CSV or XLSX) into checked rows, and storing them.

`households` reads and checks (pure); this module wires it to the database for both the chat
(`/import`) and the command line (`zhongfu import households FILE`), and words the outcome
with the catalogs.
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from bot.config import Settings
from bot.importing.households import (
    HouseholdFile,
    Refusal,
    WorkerRef,
    iter_errors,
    read_households,
)
from storage.db import Database
from storage.households import ImportItem, ImportResult, import_all

Translate = Callable[..., str]

MAX_ERRORS_SHOWN = 25


@dataclass(frozen=True)
class Outcome:
    """An import attempt: refused as a whole, refused with row errors, or stored."""

    refusal: Refusal | None = None
    checked: HouseholdFile | None = None
    stored: ImportResult | None = None


async def import_households(db: Database, data: bytes, filename: str, today: date,
                            now: datetime, by: int | None = None,
                            program_id: int = 1) -> Outcome:
    """Read, check and (only when every row is right) store a household file."""
    from storage import areas, pairings

    known = {a.name: a.id for a in await areas.active(db)}
    staff = [WorkerRef(w.telegram_id, w.name) for w in await pairings.workers(db)]
    try:
        checked = read_households(data, filename, known, staff, today)
    except Refusal as refusal:
        return Outcome(refusal=refusal)
    if checked.errors:
        return Outcome(checked=checked)
    items = [ImportItem(r.household, r.worker_id, r.paired_on) for r in checked.rows]
    stored = await import_all(db, items, program_id, today, now, by)
    return Outcome(checked=checked, stored=stored)


def describe(t: Translate, outcome: Outcome, limit: int = MAX_ERRORS_SHOWN) -> list[str]:
    """The outcome as lines of catalog text (Telegram HTML)."""
    if outcome.refusal is not None:
        return [t("import.refused", reason=t(f"import.refusal.{outcome.refusal.code}",
                                              **outcome.refusal.values))]
    checked = outcome.checked
    assert checked is not None
    if outcome.stored is None:
        rows = len({e.row for e in checked.errors})
        lines = [t("import.errors_title", count=len(checked.errors), rows=rows)]
        for error in iter_errors(checked, limit):
            values = {"value": "", **error.values}
            lines.append(t("import.error_line", row=error.row,
                           column=t(f"import.column.{error.column}"),
                           problem=t(f"import.problem.{error.code}", **values)))
        if len(checked.errors) > limit:
            lines.append(t("import.errors_more", count=len(checked.errors) - limit))
        return lines
    done = outcome.stored
    return [t("import.done", created=done.created, updated=done.updated, paired=done.paired)]


_TAG_RE = re.compile(r"</?[a-z]+[^>]*>")


def plain(text: str) -> str:
    """Catalog HTML as plain text for the terminal."""
    return html.unescape(_TAG_RE.sub("", text))


def import_file_cli(settings: Settings, path: Path) -> int:
    """`zhongfu import households FILE`: 0 and a count when stored, 1 with the errors."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"zhongfu: {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return asyncio.run(_import_cli(settings, path.name, data))


async def _import_cli(settings: Settings, filename: str, data: bytes) -> int:
    from bot.config import SUPPORTED_LANGUAGES
    from bot.domain.periods import local_date
    from bot.i18n import Catalog
    from storage import areas

    catalog = Catalog.load(SUPPORTED_LANGUAGES, settings.language)

    def t(key: str, /, **values: object) -> str:
        return catalog.t(settings.language, key, **values)

    now = datetime.now(settings.timezone) + settings.clock_shift
    db = await Database.open(settings.database)
    try:
        await areas.seed(db, settings.areas, now)
        outcome = await import_households(db, data, filename, local_date(now, settings.timezone),
                                          now)
    finally:
        await db.close()
    lines = [plain(line) for line in describe(t, outcome, limit=10_000)]
    if outcome.stored is None:
        print(f"zhongfu: {filename}:", file=sys.stderr)
        for line in lines:
            print(line, file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0
