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
    KnownHousehold,
    Refusal,
    Registry,
    WorkerRef,
    iter_errors,
    read_households,
)
from storage import audit
from storage.db import Database
from storage.households import ImportItem, ImportResult, import_all

Translate = Callable[..., str]

MAX_ERRORS_SHOWN = 25
MAX_ROWS_LISTED = 12  # skipped rows named one by one, per reason


@dataclass(frozen=True)
class Outcome:
    """An import attempt: refused as a whole, refused with row errors, checked (a dry run),
    or stored."""

    refusal: Refusal | None = None
    checked: HouseholdFile | None = None
    stored: ImportResult | None = None


async def registry(db: Database) -> Registry:
    """What a file's rows are checked against, read from the database."""
    from storage import areas, households, pairings

    return Registry(
        areas={a.name: a.id for a in await areas.active(db)},
        workers=[WorkerRef(w.telegram_id, w.name) for w in await pairings.workers(db)],
        households=[KnownHousehold(k.id, k.external_id, k.name, k.area_id, k.address,
                                   k.archived) for k in await households.known_for_import(db)],
        streets={a.area_id: a.street_name for a in await areas.streets_of_areas(db)},
    )


async def check_households(db: Database, data: bytes, filename: str, today: date,
                           sheet: str | None = None) -> Outcome:
    """Read and check a household file without storing anything (the dry run)."""
    known = await registry(db)
    try:
        # parsing a spreadsheet takes a while: keep the event loop answering others meanwhile
        checked = await asyncio.to_thread(read_households, data, filename, known, (), today,
                                          sheet)
    except Refusal as refusal:
        return Outcome(refusal=refusal)
    return Outcome(checked=checked)


async def import_households(db: Database, data: bytes, filename: str, today: date,
                            now: datetime, by: int | None = None, program_id: int = 1,
                            sheet: str | None = None, dry_run: bool = False) -> Outcome:
    """Read, check and (only when every row is right, and not a dry run) store a file."""
    outcome = await check_households(db, data, filename, today, sheet)
    checked = outcome.checked
    if checked is None or checked.errors or dry_run:
        return outcome
    stored = await store(db, checked, today, now, by, program_id)
    return Outcome(checked=checked, stored=stored)


async def store(db: Database, checked: HouseholdFile, today: date, now: datetime,
                by: int | None = None, program_id: int = 1) -> ImportResult:
    """Store the rows of a file checked without errors, all in one transaction."""
    assert not checked.errors
    items = [ImportItem(r.household, r.worker_id, r.paired_on, r.household_id, r.street)
             for r in checked.rows]
    result = await import_all(db, items, program_id, today, now, by)
    await audit.add(db, now, by, "import.households", "import", "",
                    {"created": result.created, "updated": result.updated,
                     "paired": result.paired})
    return result


def describe(t: Translate, outcome: Outcome, limit: int = MAX_ERRORS_SHOWN) -> list[str]:
    """The outcome as lines of catalog text (Telegram HTML)."""
    if outcome.refusal is not None:
        return [t("import.refused", reason=refusal_text(t, outcome.refusal))]
    checked = outcome.checked
    assert checked is not None
    if checked.errors:
        return _errors(t, checked, limit)
    if outcome.stored is None:
        return preview(t, checked)
    done = outcome.stored
    return [t("import.done", created=done.created, updated=done.updated, paired=done.paired)]


NAMES_LISTED = 12  # sheets (or columns) named in one refusal; the rest are "and more"


def refusal_text(t: Translate, refusal: Refusal) -> str:
    """Why a whole file is refused, in the person's language."""
    values = dict(refusal.values)
    names = values.pop("fields", None) or values.pop("sheets", None)
    if isinstance(names, list):  # listed in the person's language
        words = [t(f"import.column.{n}") if refusal.code == "missing_columns" else str(n)
                 for n in names]
        listed = t("import.list_sep").join(words[:NAMES_LISTED])
        if len(words) > NAMES_LISTED:  # a workbook of a hundred sheets: a few by name
            listed += t("import.list_more")
        values["columns" if refusal.code == "missing_columns" else "sheets"] = listed
    return t(f"import.refusal.{refusal.code}", **values)


def _errors(t: Translate, checked: HouseholdFile, limit: int) -> list[str]:
    rows = len({e.row for e in checked.errors})
    lines = [t("import.errors_title", count=len(checked.errors), rows=rows)]
    for error in iter_errors(checked, limit):
        values = {"value": "", **error.values}
        if error.code == "unknown_category":
            values["accepted"] = t("import.accepted_categories")
        lines.append(t("import.error_line", row=error.row,
                       column=column_name(t, checked, error.column),
                       problem=t(f"import.problem.{error.code}", **values)))
    if len(checked.errors) > limit:
        lines.append(t("import.errors_more", count=len(checked.errors) - limit))
    return lines


def column_name(t: Translate, checked: HouseholdFile, fieldname: str) -> str:
    """A column as the file writes it (its name in the catalogs when the file has none)."""
    return checked.headers.get(fieldname) or t(f"import.column.{fieldname}")


def preview(t: Translate, checked: HouseholdFile) -> list[str]:
    """The dry run: where the table is, what was skipped and ignored, what would be stored."""
    if checked.sheet:
        lines = [t("import.preview.title_sheet", sheet=checked.sheet, row=checked.header_row)]
    else:
        lines = [t("import.preview.title", row=checked.header_row)]
    lines.append(t("import.preview.counts", created=checked.to_create,
                   updated=checked.to_update, paired=checked.with_worker))
    if checked.matched_by_name:
        lines.append(t("import.preview.by_name"))
    reasons: dict[str, list[int]] = {}
    for row, reason in checked.skipped:
        reasons.setdefault(reason, []).append(row)
    for reason, rows in reasons.items():
        lines.append(t("import.preview.skipped", count=len(rows), rows=row_list(t, rows),
                       reason=t(f"import.skip.{reason}")))
    if checked.ignored:
        lines.append(t("import.preview.ignored",
                       columns=t("import.list_sep").join(checked.ignored)))
    return lines


def row_list(t: Translate, rows: list[int]) -> str:
    """Row numbers as ranges: 1–3, 9 (the first MAX_ROWS_LISTED of them)."""
    ranges: list[str] = []
    start = previous = rows[0]
    for row in [*rows[1:], None]:
        if row is not None and row == previous + 1:
            previous = row
            continue
        ranges.append(str(start) if start == previous else f"{start}–{previous}")
        if row is not None:
            start = previous = row
    text = t("import.list_sep").join(ranges[:MAX_ROWS_LISTED])
    if len(ranges) > MAX_ROWS_LISTED:
        text += t("import.list_more")
    return text


_TAG_RE = re.compile(r"</?[a-z]+[^>]*>")


def plain(text: str) -> str:
    """Catalog HTML as plain text for the terminal."""
    return html.unescape(_TAG_RE.sub("", text))


def import_file_cli(settings: Settings, path: Path, dry_run: bool = False,
                    sheet: str | None = None) -> int:
    """`zhongfu import households FILE [--dry-run] [--sheet NAME]`: 0 and a count (or the
    summary of a dry run), 1 with the errors."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"zhongfu: {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return asyncio.run(_import_cli(settings, path.name, data, dry_run, sheet))


async def _import_cli(settings: Settings, filename: str, data: bytes, dry_run: bool,
                      sheet: str | None) -> int:
    from bot.config import SUPPORTED_LANGUAGES
    from bot.domain.periods import local_date
    from bot.i18n import Catalog
    from storage import areas

    catalog = Catalog.load(SUPPORTED_LANGUAGES, settings.language)

    def t(key: str, /, **values: object) -> str:
        return catalog.t(settings.language, key, **values)

    now = datetime.now(settings.timezone) + settings.clock_shift
    db = await Database.open(settings.database, create=False)
    try:
        await areas.seed(db, settings.areas, now)
        outcome = await import_households(db, data, filename, local_date(now, settings.timezone),
                                          now, sheet=sheet, dry_run=dry_run)
    finally:
        await db.close()
    lines = [plain(line) for line in describe(t, outcome, limit=10_000)]
    if outcome.refusal is not None and outcome.refusal.code == "choose_sheet":
        lines.append(plain(t("import.cli_sheet")))
    if outcome.checked is not None and not outcome.checked.errors and dry_run:
        print("\n".join([*lines, plain(t("import.cli_dry_run"))]))
        return 0
    if outcome.stored is None:
        print(f"zhongfu: {filename}:", file=sys.stderr)
        for line in lines:
            print(line, file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0
