"""The household spreadsheet: read a CSV or XLSX file, check every row, list what is wrong.

Nothing here touches the database: the caller passes the known areas and workers, and stores
the rows only when `HouseholdFile.errors` is empty (all or nothing).

Columns (header names in Chinese or English, any order, extra columns ignored):

    编号 external_id (required)  姓名 name (required)  社区 area (required when areas exist)
    地址 address  人数 people  类别 category (required)  困难原因 causes  需求 needs
    电话 phone  结对社工 worker  结对日期 paired_on
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from typing import Final

from bot.domain.households import HouseholdInput, Problem, check_household, clean, parse_day

MAX_ROWS: Final = 5_000  # a district has ~400 households; a city should split its file
MAX_BYTES: Final = 5 * 1024 * 1024
MAX_CELL: Final = 2_000

# field -> accepted header names (compared without case, spaces, '*' or '(必填)')
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "external_id": ("external_id", "external id", "id", "编号", "档案编号", "户编号", "对象编号"),
    "name": ("name", "display_name", "household", "姓名", "户主", "户主姓名", "名称", "服务对象"),
    "area": ("area", "community", "社区", "所属社区", "片区"),
    "address": ("address", "地址", "住址", "家庭住址"),
    "people": ("people", "people_count", "persons", "household size", "人数", "家庭人数", "人口"),
    "category": ("category", "类别", "困难类别", "类型", "对象类别"),
    "causes": ("causes", "causes of hardship", "困难原因", "致困原因"),
    "needs": ("needs", "需求", "服务需求"),
    "phone": ("phone", "telephone", "电话", "联系电话", "手机"),
    "worker": ("worker", "paired worker", "结对社工", "社工", "结对人"),
    "paired_on": ("paired_on", "paired on", "pairing date", "结对日期", "结对时间"),
}
ALWAYS_REQUIRED: Final = ("external_id", "name", "category")

_ALLOWED_SUFFIXES: Final = frozenset({"", ".csv", ".txt", ".tsv", ".xlsx", ".xlsm"})
_XLSX_SUFFIXES: Final = frozenset({".xlsx", ".xlsm"})
_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0"
_ZIP_MAGIC: Final = b"PK\x03\x04"


class Refusal(Exception):
    """The whole file is refused (not a spreadsheet, unreadable, too big, empty, …)."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class Table:
    """A sheet as text: its header row and the non-empty rows with their sheet row numbers."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]


@dataclass(frozen=True)
class RowError:
    """One thing wrong in one row: the row number as the spreadsheet shows it, the column."""

    row: int
    column: str  # the field name (external_id, area, …)
    code: str
    values: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class HouseholdRow:
    """One checked row: the household, and the worker to pair it with (if any)."""

    row: int
    household: HouseholdInput
    worker_id: int | None = None
    paired_on: date | None = None


@dataclass(frozen=True)
class HouseholdFile:
    """The checked file: rows to store when there are no errors."""

    rows: list[HouseholdRow]
    errors: list[RowError]


# -- reading ----------------------------------------------------------------------------------


def read_table(data: bytes, filename: str = "") -> Table:
    """Read the first sheet of an XLSX file or a CSV file (utf-8, utf-8-sig, utf-16, gb18030)."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in _ALLOWED_SUFFIXES:
        raise Refusal("format")
    if len(data) > MAX_BYTES:
        raise Refusal("too_big", max_mb=MAX_BYTES // (1024 * 1024))
    if not data.strip():
        raise Refusal("empty")
    if data.startswith(_OLE_MAGIC):
        raise Refusal("old_excel")
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(data)
    if suffix in _XLSX_SUFFIXES:
        raise Refusal("not_spreadsheet")
    return _read_csv(_decode(data))


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise Refusal("encoding") from None
    if b"\x00" in data:
        raise Refusal("not_spreadsheet")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(0 <= ord(c) < 32 and c not in "\t\r\n" for c in text[:20_000]):
            raise Refusal("not_spreadsheet")
        return text
    raise Refusal("encoding")


def _read_csv(text: str) -> Table:
    first = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max(",\t;，", key=first.count)
    if first.count(delimiter) == 0:
        delimiter = ","
    if delimiter == "，":  # a full-width comma typed by hand: read it as a comma
        text, delimiter = text.replace("，", ","), ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return _table(enumerate(reader, start=1))
    except csv.Error:
        raise Refusal("not_spreadsheet") from None


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook  # imported late: only uploads pay for it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise Refusal("not_spreadsheet") from None
    except Exception:  # openpyxl raises its own types for broken packages
        raise Refusal("not_spreadsheet") from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise Refusal("empty")
        rows = ((n, [_cell_text(v) for v in values])
                for n, values in enumerate(sheet.iter_rows(values_only=True), start=1))
        return _table(rows)
    except Refusal:
        raise
    except Exception:
        raise Refusal("not_spreadsheet") from None
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _table(numbered: Iterable[tuple[int, Sequence[str]]]) -> Table:
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, cells in numbered:
        values = [str(c).strip() for c in cells]
        if not any(values):
            continue
        if headers is None:
            headers = values
            continue
        if len(rows) >= MAX_ROWS:
            raise Refusal("too_many_rows", max=MAX_ROWS)
        rows.append((number, values))
    if headers is None:
        raise Refusal("empty")
    if not rows:
        raise Refusal("no_rows")
    return Table(headers, rows)


# -- checking ---------------------------------------------------------------------------------


def _header_key(text: str) -> str:
    key = text.strip().lower().replace("（", "(").replace("）", ")")
    for noise in ("*", "(必填)", "(选填)", "(required)", "(optional)", "：", ":"):
        key = key.replace(noise, "")
    return " ".join(key.replace("_", " ").split())


_HEADER_INDEX: Final[dict[str, str]] = {
    _header_key(name): fieldname for fieldname, names in COLUMNS.items() for name in names
}


def map_headers(headers: Sequence[str]) -> dict[str, int]:
    """Field name -> column index; a header may be bilingual, e.g. '编号 / external_id'."""
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        parts = [header, *header.replace("|", "/").split("/")]
        for part in parts:
            fieldname = _HEADER_INDEX.get(_header_key(part))
            if fieldname is None:
                continue
            if fieldname in found and found[fieldname] != index:
                raise Refusal("duplicate_column", column=header)
            found[fieldname] = index
            break
    return found


@dataclass(frozen=True)
class WorkerRef:
    """A worker who may be named in the worker column: by Telegram id or display name."""

    telegram_id: int
    name: str


def check_file(
    table: Table,
    areas: Mapping[str, int],
    workers: Sequence[WorkerRef],
    today: date,
) -> HouseholdFile:
    """Check every row; all errors are listed, each with its row number and column."""
    columns = map_headers(table.headers)
    required = list(ALWAYS_REQUIRED) + (["area"] if areas else [])
    missing = [name for name in required if name not in columns]
    if missing:
        raise Refusal("missing_columns", columns=", ".join(missing))
    by_name: dict[str, list[WorkerRef]] = {}
    for worker in workers:
        by_name.setdefault(clean(worker.name), []).append(worker)
    context = _RowContext(columns, areas, {w.telegram_id: w for w in workers}, by_name, today)
    rows: list[HouseholdRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}  # external id -> first row it appeared in
    for number, cells in table.rows:
        row, row_errors = _check_row(context, number, cells, seen)
        errors.extend(row_errors)
        if row is not None:
            rows.append(row)
    return HouseholdFile(rows, errors)


@dataclass(frozen=True)
class _RowContext:
    """What every row is checked against."""

    columns: Mapping[str, int]
    areas: Mapping[str, int]
    by_id: Mapping[int, WorkerRef]
    by_name: Mapping[str, list[WorkerRef]]
    today: date


def _check_row(context: _RowContext, number: int, cells: list[str],
               seen: dict[str, int]) -> tuple[HouseholdRow | None, list[RowError]]:
    """One row: the household it describes, or the errors that stop it."""
    def cell(name: str) -> str:
        index = context.columns.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    too_long = [name for name in context.columns if len(cell(name)) > MAX_CELL]
    if too_long:
        return None, [RowError(number, name, "too_long", {"max": MAX_CELL}) for name in too_long]
    area_id, errors = _area(context, number, clean(cell("area")))
    household, problems = check_household(
        name=cell("name"), area_id=area_id, address=cell("address"), people=cell("people"),
        category=cell("category"), causes=cell("causes"), needs=cell("needs"),
        phone=cell("phone"), external_id=cell("external_id"),
    )
    errors.extend(_from_problem(number, p, cell(p.field)) for p in problems)
    ext = clean(cell("external_id"))
    if ext in seen:
        errors.append(RowError(number, "external_id", "duplicate_external_id",
                               {"value": ext, "first": seen[ext]}))
    elif ext:
        seen[ext] = number
    worker_id, problem = _worker(clean(cell("worker")), context.by_id, context.by_name)
    if problem is not None:
        errors.append(RowError(number, "worker", problem, {"value": cell("worker")}))
    paired_on, paired_errors = _paired_on(context, number, clean(cell("paired_on")), worker_id)
    errors.extend(paired_errors)
    if errors or household is None:
        return None, errors
    return HouseholdRow(number, household, worker_id, paired_on), []


def _area(context: _RowContext, number: int, text: str) -> tuple[int | None, list[RowError]]:
    """The area named in a row (required when areas are configured)."""
    if not text:
        return None, [RowError(number, "area", "required")] if context.areas else []
    area_id = context.areas.get(text)
    if area_id is None:
        return None, [RowError(number, "area", "unknown_area", {"value": text})]
    return area_id, []


def _paired_on(context: _RowContext, number: int, text: str,
               worker_id: int | None) -> tuple[date | None, list[RowError]]:
    """The pairing date of a row: a real day, not in the future, and only with a worker."""
    if not text:
        return None, []
    day = parse_day(text, context.today)
    if day is None:
        return None, [RowError(number, "paired_on", "bad_date", {"value": text})]
    if day > context.today:
        return None, [RowError(number, "paired_on", "future_date", {"value": text})]
    if worker_id is None:
        return None, [RowError(number, "paired_on", "date_without_worker")]
    return day, []


def _from_problem(row: int, problem: Problem, raw: str) -> RowError:
    values = dict(problem.values)
    values.setdefault("value", clean(raw))
    return RowError(row, problem.field, problem.code, values)


def _worker(text: str, by_id: Mapping[int, WorkerRef],
            by_name: Mapping[str, list[WorkerRef]]) -> tuple[int | None, str | None]:
    if not text:
        return None, None
    digits = text[:-2] if text.endswith(".0") else text
    if digits.isascii() and digits.isdigit():
        return (int(digits), None) if int(digits) in by_id else (None, "unknown_worker")
    named = by_name.get(text, [])
    if len(named) == 1:
        return named[0].telegram_id, None
    return None, ("ambiguous_worker" if named else "unknown_worker")


def read_households(data: bytes, filename: str, areas: Mapping[str, int],
                    workers: Sequence[WorkerRef], today: date) -> HouseholdFile:
    """Read and check a household file in one go (Refusal for a file refused as a whole)."""
    return check_file(read_table(data, filename), areas, workers, today)


def iter_errors(result: HouseholdFile, limit: int) -> Iterator[RowError]:
    """The first `limit` errors, in row order."""
    yield from sorted(result.errors, key=lambda e: e.row)[:limit]
