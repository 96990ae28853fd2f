"""The export workbook: a list of sheet builders written as XLSX (streamed) or a zip of CSVs.

Each builder (sheets.SHEETS) gets the Job and returns a Sheet: a title, translated headers
and an iterator of rows, so a year of contacts streams from SQLite into a write-only
workbook without being held. A new sheet (aid, activities, referrals) is one more builder.
Cells that begin with =, +, - or @ are written as text, never as formulas.
"""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from pathlib import Path
from typing import Any

from bot.domain.figures import Comparison, Span
from bot.domain.lengths import shorten
from bot.services.audit import Trail

Translate = Callable[..., str]
FORMULA_START = ("=", "+", "-", "@")
_TAGS = re.compile(r"</?[a-z]+[^>]*>")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # XML cannot hold these
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
CELL_MAX = 32_000  # Excel holds 32,767 characters (UTF-16 units) in a cell


@dataclass(frozen=True)
class Job:
    """What one export is about, handed to every sheet builder."""

    path: Path  # the database file (read on a connection of the export's own)
    span: Span
    today: date
    tz: tzinfo
    comparison: Comparison
    audit: Trail  # the span's audit trail, in the exporting person's words
    with_contacts: bool
    translate: Translate
    has: Callable[[str], bool]  # whether the catalog holds a key

    def t(self, key: str, /, **values: object) -> str:
        """A catalog text as plain text (tags removed, entities decoded)."""
        return plain(self.translate(key, **values))


@dataclass(frozen=True)
class Sheet:
    """One sheet: its title, header row and rows (an iterator: it may stream)."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[object]]


SheetBuilder = Callable[[Job, Any], Sheet]  # (job, read-only sqlite3 connection)


def plain(text: str) -> str:
    """Catalog HTML as plain text."""
    return html.unescape(_TAGS.sub("", text))


_LEADING_SYMBOLS = re.compile(r"^[^\w(（\[【<《\"“'‘]+(?=\w)")


def cell_label(label: str) -> str:
    """A chat label as a spreadsheet cell: its leading emoji and space dropped (🩺 生病或受伤
    → 生病或受伤); a label that is only symbols is kept as it is."""
    return _LEADING_SYMBOLS.sub("", label)


def safe_text(value: str) -> str:
    """Text a spreadsheet can hold: no XML-illegal characters, not over a cell's size
    (Excel counts UTF-16 units, as Telegram does: 𠀀 counts twice)."""
    return shorten(_ILLEGAL.sub("", value), CELL_MAX)


def is_formula_like(value: object) -> bool:
    """Whether a spreadsheet could read the value as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def sheet_title(text: str, taken: set[str]) -> str:
    """A valid, unique sheet title (31 characters, no []:*?/\\)."""
    base = _SHEET_NAME_BAD.sub("_", text).strip("'")[:31] or "sheet"
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def write(job: Job, out: Path, fmt: str) -> list[str]:
    """Write every sheet to `out` as xlsx or csv (a zip); the sheet titles, in order."""
    from bot.exporting.sheets import SHEETS
    from storage.figures import connect

    conn = connect(job.path)
    try:
        sheets = (builder(job, conn) for builder in SHEETS)
        if fmt == "xlsx":
            return write_xlsx(sheets, out)
        return write_csv_zip(sheets, out)
    finally:
        conn.close()


def write_xlsx(sheets: Iterable[Sheet], out: Path) -> list[str]:
    """A write-only workbook: rows go to disk as they come."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    titles: list[str] = []
    taken: set[str] = set()
    for sheet in sheets:
        ws = book.create_sheet(sheet_title(sheet.title, taken))
        titles.append(ws.title)
        ws.append([safe_text(h) for h in sheet.headers])
        for row in sheet.rows:
            cells: list[object] = []
            for value in row:
                if isinstance(value, str):
                    value = safe_text(value)
                    if is_formula_like(value):
                        cell = WriteOnlyCell(ws, value)
                        cell.data_type = "s"  # text, never a formula
                        value = cell
                cells.append(value)
            ws.append(cells)
    book.save(out)
    return titles


def csv_value(value: object) -> object:
    """A CSV cell: formula-like text gets a leading apostrophe, as spreadsheets expect."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = safe_text(value)
        return "'" + value if is_formula_like(value) else value
    return value


def write_csv_zip(sheets: Iterable[Sheet], out: Path) -> list[str]:
    """A zip of one CSV per sheet, UTF-8 with a BOM so Excel and WPS read Chinese right."""
    titles: list[str] = []
    taken: set[str] = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n, sheet in enumerate(sheets, start=1):
            title = sheet_title(sheet.title, taken)
            titles.append(title)
            with archive.open(f"{n:02d}-{title}.csv", "w", force_zip64=True) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                writer = csv.writer(text)
                writer.writerow([csv_value(h) for h in sheet.headers])
                for row in sheet.rows:
                    writer.writerow([csv_value(v) for v in row])
                text.flush()
                text.detach()
    return titles


def rows_of(values: Iterable[Sequence[object]]) -> Iterator[Sequence[object]]:
    """Rows as given (a helper for builders that compute rows in memory)."""
    yield from values
