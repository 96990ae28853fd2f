"""The household roster (花名册): read a CSV or XLSX file, find its header, check every row.

Nothing here touches the database: the caller passes the known areas, streets, households and
workers, and stores the rows only when `HouseholdFile.errors` is empty (all or nothing).

Rosters come as districts keep them: title rows, a "填报单位" line and dates above the header
(the header is the first of the first 10 rows that names enough known columns), merged cells
(read as their top-left value), totals rows (合计/总计/小计) and rows of numbers only (skipped
and reported), columns the importer does not know (listed once as ignored). Column names are
those people use, Chinese or English (`COLUMNS`); only name, category and (when areas are
configured) community are required. Without an external id, a household is matched by name,
community and address.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import PurePath
from typing import Any, Final

from bot.domain.households import (
    HouseholdInput,
    Problem,
    check_household,
    clean,
    normalise_text,
    parse_day,
)

MAX_ROWS: Final = 5_000  # a district has ~400 households; a city should split its file
MAX_BYTES: Final = 5 * 1024 * 1024
MAX_UNZIPPED: Final = 40 * 1024 * 1024  # an XLSX is a zip: refuse bombs before opening it
MAX_ZIP_ENTRIES: Final = 2_000
MAX_COLUMNS: Final = 60  # real rosters have 10–30; columns further right are not read
MAX_CELL: Final = 2_000
HEADER_SCAN: Final = 10  # the header is among the first 10 non-empty rows
HEADER_MIN_FIELDS: Final = 2  # a row naming this many known columns is a header

# field -> accepted header names (compared after `_header_key`: no case, blanks, '*', '(必填)')
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "external_id": ("external_id", "external id", "id", "编号", "档案编号", "户编号", "对象编号",
                    "家庭编号", "救助证号", "证号"),
    "name": ("name", "display_name", "household", "household name", "head of household",
             "姓名", "户主", "户主姓名", "名称", "服务对象", "服务对象姓名", "救助对象姓名",
             "救助对象", "对象姓名", "申请人", "申请人姓名"),
    "street": ("street", "subdistrict", "街道", "所属街道", "街道名称", "街道办"),
    "area": ("area", "community", "社区", "所属社区", "社区名称", "片区", "社区(居委会)",
             "居委会"),
    "address": ("address", "current address", "地址", "住址", "家庭住址", "现居住地址",
                "现住址", "居住地址", "现居住地", "家庭地址", "详细地址"),
    "people": ("people", "people_count", "persons", "household size", "人数", "家庭人数",
               "人口", "家庭人口", "家庭人口数", "人口数", "共同生活人数", "保障人数"),
    "category": ("category", "categories", "类别", "困难类别", "类型", "对象类别", "救助类别",
                 "保障类别", "人员类别", "帮扶类别"),
    "causes": ("causes", "causes of hardship", "致贫致困原因", "致贫原因", "困难原因", "致困原因",
               "主要困难"),
    "needs": ("needs", "需求", "服务需求", "帮扶需求"),
    "phone": ("phone", "telephone", "mobile", "电话", "联系电话", "手机", "手机号码", "手机号",
              "联系方式", "电话号码"),
    "worker": ("worker", "paired worker", "结对社工", "社工", "结对人", "帮扶人", "结对帮扶人"),
    "paired_on": ("paired_on", "paired on", "pairing date", "结对日期", "结对时间"),
}
# Read only when the file has no column of the main names (户籍地址 when there is no current
# address).
FALLBACK_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "address": ("户籍地址", "户籍所在地", "registered address"),
}
# Recognised (they help find the header) and not imported.
KNOWN_IGNORED: Final = ("序号", "no", "no.", "#", "备注", "remark", "remarks", "note", "notes",
                        "性别", "身份证号", "身份证号码", "年龄", "出生日期")
REQUIRED: Final = ("name", "category")
TEXT_ONLY: Final = ("phone", "external_id")  # long digits: Excel turns them into 1.38E+10

TOTAL_WORDS: Final = frozenset({"合计", "总计", "小计", "共计", "total", "subtotal", "sum"})
FOOTER_WORDS: Final = ("填表人", "填报人", "制表人", "审核人", "负责人", "统计人", "联系人：")

# Why a row is not read (the summary lists them): above the header, totals, numbers only,
# the header written again, a signature line under the table.
SKIP_TITLE, SKIP_TOTAL, SKIP_NUMBERS, SKIP_HEADER, SKIP_FOOTER = (
    "title", "total", "numbers", "header", "footer")

_ALLOWED_SUFFIXES: Final = frozenset({"", ".csv", ".txt", ".tsv", ".xlsx", ".xlsm"})
_XLSX_SUFFIXES: Final = frozenset({".xlsx", ".xlsm"})
_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0"
_ZIP_MAGIC: Final = b"PK\x03\x04"
_SCIENTIFIC_RE = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
_EXCEL_EPOCH: Final = date(1899, 12, 30)
_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


class Refusal(Exception):
    """The whole file is refused (not a spreadsheet, unreadable, too big, empty, …)."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class Sheet:
    """A sheet as text: its non-empty rows with their row numbers as the spreadsheet shows."""

    name: str
    rows: list[tuple[int, list[str]]]
    chart: bool = False  # a chart sheet: nothing to read


@dataclass(frozen=True)
class Table:
    """A sheet as read: where the header is, what it says, the data rows, what was skipped."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    header_row: int = 1
    sheet: str = ""
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, SKIP_*)


@dataclass(frozen=True)
class RowError:
    """One thing wrong in one row: the row number as the spreadsheet shows it, the column."""

    row: int
    column: str  # the field name (external_id, area, …)
    code: str
    values: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class HouseholdRow:
    """One checked row: the household, the worker to pair it with, the registry's match."""

    row: int
    household: HouseholdInput
    worker_id: int | None = None
    paired_on: date | None = None
    household_id: int | None = None  # matched in the registry (None: by external id, or new)
    existing: bool = False  # it updates a household already in the registry
    street: str | None = None  # the street written for a community that has none yet


@dataclass(frozen=True)
class HouseholdFile:
    """The checked file: rows to store when there are no errors, and what the summary says."""

    rows: list[HouseholdRow]
    errors: list[RowError]
    headers: dict[str, str] = field(default_factory=dict)  # field -> the column as written
    ignored: list[str] = field(default_factory=list)  # columns not read, as written
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, SKIP_*)
    header_row: int = 1
    sheet: str = ""
    matched_by_name: bool = False  # the file has no external id column

    @property
    def to_create(self) -> int:
        """Rows that would add a household."""
        return sum(1 for r in self.rows if not r.existing)

    @property
    def to_update(self) -> int:
        """Rows that would update one."""
        return sum(1 for r in self.rows if r.existing)

    @property
    def with_worker(self) -> int:
        """Rows that name a worker to pair with."""
        return sum(1 for r in self.rows if r.worker_id is not None)


# -- reading ----------------------------------------------------------------------------------


def read_sheets(data: bytes, filename: str = "") -> list[Sheet]:
    """Every sheet of an XLSX file (a chart sheet as an empty one), or a CSV file as one sheet
    (utf-8, utf-8-sig, utf-16, gb18030)."""
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
    return [Sheet("", _read_csv(_decode(data)))]


def read_table(data: bytes, filename: str = "", sheet: str | None = None) -> Table:
    """The sheet holding the roster: the one named, else the first sheet when it has a header;
    when the data is on another sheet, Refusal("choose_sheet") names the sheets to pick from."""
    sheets = read_sheets(data, filename)
    if sheet is not None:
        chosen = [s for s in sheets if s.name == sheet and not s.chart]
        if not chosen:
            raise Refusal("no_sheet", sheet=sheet)
        return find_header(chosen[0])
    filled = [s for s in sheets if s.rows]
    if not filled:
        raise Refusal("chart_only" if any(s.chart for s in sheets) else "empty")
    first = sheets[0]
    if first.rows and (len(filled) == 1 or _has_header(first)):
        return find_header(first)
    if not any(_has_header(s) for s in filled):
        return find_header(filled[0])  # refused with the reason of the first filled sheet
    raise Refusal("choose_sheet", sheets=[s.name for s in filled])


def _has_header(sheet: Sheet) -> bool:
    try:
        find_header(sheet)
    except Refusal as refusal:
        return refusal.code not in ("no_header", "empty", "no_rows")
    return True


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


def _read_csv(text: str) -> list[tuple[int, list[str]]]:
    sample = text.lstrip("\r\n").split("\n", 12)[:12]
    # the header is not always the first line: pick the separator most lines use most
    delimiter = max(",\t;，", key=lambda d: sum(line.count(d) for line in sample))
    if delimiter == "，":  # a full-width comma typed by hand: read it as a comma
        text, delimiter = text.replace("，", ","), ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return _rows(enumerate(reader, start=1))
    except csv.Error:
        raise Refusal("not_spreadsheet") from None


def _check_zip(data: bytes) -> None:
    """Refuse an XLSX whose parts would unpack to more than MAX_UNZIPPED (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise Refusal("not_spreadsheet") from None
    if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_UNZIPPED:
        raise Refusal("too_big", max_mb=MAX_BYTES // (1024 * 1024))


def _read_xlsx(data: bytes) -> list[Sheet]:
    from openpyxl import load_workbook  # imported late: only uploads pay for it

    _check_zip(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types (its own too) for broken packages
        raise Refusal("not_spreadsheet") from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheets = [_read_sheet(archive, sheet) for sheet in book.worksheets]
        charts = [Sheet(c.title, [], chart=True) for c in getattr(book, "chartsheets", [])]
        return sheets + charts
    except Refusal:
        raise
    except Exception:
        raise Refusal("not_spreadsheet") from None
    finally:
        book.close()


def _read_sheet(archive: zipfile.ZipFile, sheet: Any) -> Sheet:
    """One worksheet's rows, each cell of a merged range read as the range's top-left value."""
    merged = _merged_ranges(archive, str(getattr(sheet, "_worksheet_path", "")))
    rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    numbered = ((n, [_cell_text(v) for v in values]) for n, values in enumerate(rows, start=1))
    return Sheet(str(getattr(sheet, "title", "")), _rows(_fill_merged(numbered, merged)))


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[tuple[int, int, int, int]]:
    """(first row, first column, last row, last column) of each merged range of the sheet."""
    if not path:
        return []
    try:
        xml = archive.read(path.lstrip("/"))
    except KeyError:
        return []
    found = []
    for match in _MERGE_RE.finditer(xml):
        c1, r1, c2, r2 = (g.decode() for g in match.groups())
        first_col, last_col = _column_number(c1), _column_number(c2)
        if first_col > MAX_COLUMNS:
            continue
        found.append((int(r1), first_col, int(r2), min(last_col, MAX_COLUMNS)))
    return found


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _fill_merged(numbered: Iterable[tuple[int, list[str]]],
                 merged: Sequence[tuple[int, int, int, int]]) -> Iterator[tuple[int, list[str]]]:
    """Rows with every cell of a merged range holding the value of its top-left cell."""
    top_left: dict[tuple[int, int], str] = {}
    for number, cells in numbered:
        for r1, c1, r2, c2 in merged:
            if not r1 <= number <= r2:
                continue
            if number == r1:
                top_left[(r1, c1)] = cells[c1 - 1] if c1 <= len(cells) else ""
            value = top_left.get((r1, c1), "")
            cells.extend([""] * (c2 - len(cells)))
            for column in range(c1, c2 + 1):
                cells[column - 1] = value
        yield number, cells


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        # Excel keeps 15 digits: a longer number has lost its end; show it as Excel does
        return str(int(value)) if abs(value) < 1e15 else f"{value:.15G}"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _unwrap(text: str) -> str:
    """A cell as typed: blanks trimmed, ="0123" (WPS' way to keep digits text) and a leading
    apostrophe removed."""
    value = text.strip()
    if value.startswith('="') and value.endswith('"') and len(value) >= 3:
        value = value[2:-1].strip()
    if value.startswith("'"):
        value = value[1:].strip()
    return value


def _rows(numbered: Iterable[tuple[int, Sequence[str]]]) -> list[tuple[int, list[str]]]:
    rows: list[tuple[int, list[str]]] = []
    for number, cells in numbered:
        values = [_unwrap(str(c)) for c in cells[:MAX_COLUMNS]]
        if not any(values):
            continue
        if len(rows) > MAX_ROWS + HEADER_SCAN:
            raise Refusal("too_many_rows", max=MAX_ROWS)
        rows.append((number, values))
    return rows


def find_header(sheet: Sheet) -> Table:
    """The table in a sheet: the header is the first of the first HEADER_SCAN rows that names
    enough known columns; rows above it are titles, and the rows below are data except totals,
    numbers only, the header written again and signature lines (all reported as skipped)."""
    if not sheet.rows:
        raise Refusal("empty")
    position = next((i for i, (_, cells) in enumerate(sheet.rows[:HEADER_SCAN])
                     if _header_fields(cells) >= HEADER_MIN_FIELDS), None)
    if position is None:
        raise Refusal("no_header", rows=HEADER_SCAN)
    header_row, headers = sheet.rows[position]
    skipped = [(number, SKIP_TITLE) for number, _ in sheet.rows[:position]]
    layout = map_headers(headers)
    rows: list[tuple[int, list[str]]] = []
    for number, cells in sheet.rows[position + 1:]:
        reason = _skip_reason(cells, layout, header_row, number)
        if reason is not None:
            skipped.append((number, reason))
            continue
        rows.append((number, cells))
    if len(rows) > MAX_ROWS:
        raise Refusal("too_many_rows", max=MAX_ROWS)
    if not rows:
        raise Refusal("no_rows")
    return Table(headers, rows, header_row, sheet.name, skipped)


def _skip_reason(cells: list[str], layout: Mapping[str, int], header_row: int,
                 number: int) -> str | None:
    """Why a row under the header is not a household, or None when it is one."""
    filled = [c for c in cells if c]
    name_index = layout.get("name")
    name = cells[name_index] if name_index is not None and name_index < len(cells) else ""
    first = filled[0] if filled else ""
    if {_squash(name), _squash(first)} & TOTAL_WORDS or _squash(first).startswith(("合计",
                                                                                   "总计")):
        return SKIP_TOTAL
    if _header_fields(cells) >= HEADER_MIN_FIELDS:
        if map_headers(cells) != layout:  # a second table, laid out differently
            raise Refusal("two_headers", first=header_row, second=number)
        return SKIP_HEADER
    if first.startswith(FOOTER_WORDS):
        return SKIP_FOOTER
    if all(_is_number(c) for c in filled):
        return SKIP_NUMBERS
    return None


def _squash(text: str) -> str:
    return "".join(normalise_text(text).lower().split())


def _is_number(text: str) -> bool:
    try:
        float(normalise_text(text).replace(",", ""))
    except ValueError:
        return False
    return True


# -- checking ---------------------------------------------------------------------------------


def _header_key(text: str) -> str:
    key = normalise_text(text).lower()
    for noise in ("*", "(必填)", "(选填)", "(required)", "(optional)", ":", "_", "-"):
        key = key.replace(noise, "")
    return "".join(key.split())


def _bare(key: str) -> str:
    """A header key without what is in brackets: 家庭人口(人) -> 家庭人口."""
    return re.sub(r"\(.*?\)|\[.*?\]|【.*?】", "", key)


_HEADER_INDEX: Final[dict[str, str]] = {
    _header_key(name): fieldname for fieldname, names in COLUMNS.items() for name in names
}
_FALLBACK_INDEX: Final[dict[str, str]] = {
    _header_key(name): fieldname for fieldname, names in FALLBACK_COLUMNS.items()
    for name in names
}
_IGNORED_KEYS: Final = frozenset(_header_key(name) for name in KNOWN_IGNORED)


def _lookup(header: str, index: Mapping[str, str]) -> str | None:
    """The field a header names in `index`; a bilingual header like '编号 / external_id' too."""
    for part in (header, *header.replace("|", "/").split("/")):
        key = _header_key(part)
        found = index.get(key) or index.get(_bare(key))
        if found is not None:
            return found
    return None


def _header_fields(cells: Sequence[str]) -> int:
    """How many different known columns a row names (序号 and 备注 count as one)."""
    known = {_lookup(c, _HEADER_INDEX) or _lookup(c, _FALLBACK_INDEX) for c in cells if c}
    ignored = any(_header_key(c) in _IGNORED_KEYS for c in cells if c)
    return len(known - {None}) + int(ignored)


def map_headers(headers: Sequence[str]) -> dict[str, int]:
    """Field name -> column index (a fallback name only when the main ones are absent)."""
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        fieldname = _lookup(header, _HEADER_INDEX)
        if fieldname is None:
            continue
        if fieldname in found and found[fieldname] != index:
            raise Refusal("duplicate_column", column=header)
        found[fieldname] = index
    for index, header in enumerate(headers):
        fieldname = _lookup(header, _FALLBACK_INDEX)
        if fieldname is not None and fieldname not in found:
            found[fieldname] = index
    return found


def ignored_columns(headers: Sequence[str], columns: Mapping[str, int]) -> list[str]:
    """The columns not read, as written in the file (each once)."""
    used = set(columns.values())
    out: list[str] = []
    for index, header in enumerate(headers):
        if header and index not in used and header not in out:
            out.append(header)
    return out


@dataclass(frozen=True)
class WorkerRef:
    """A worker who may be named in the worker column: by Telegram id or display name."""

    telegram_id: int
    name: str


@dataclass(frozen=True)
class KnownHousehold:
    """A household already in the registry, as rows are matched against it."""

    id: int
    external_id: str | None
    name: str
    area_id: int | None
    address: str
    archived: bool = False


def match_key(name: str, area_id: int | None, address: str) -> tuple[str, int | None, str]:
    """What matches a row to a household without an external id: name, community, address
    (blanks trimmed, full-width written as half-width)."""
    return normalise_text(name), area_id, normalise_text(address)


@dataclass(frozen=True)
class Registry:
    """What rows are checked against: areas by name, each area's street, workers, households."""

    areas: Mapping[str, int] = field(default_factory=dict)
    workers: Sequence[WorkerRef] = ()
    households: Sequence[KnownHousehold] = ()
    streets: Mapping[int, str | None] = field(default_factory=dict)  # area id -> street


def check_file(
    table: Table,
    areas: Mapping[str, int] | Registry,
    workers: Sequence[WorkerRef] = (),
    today: date | None = None,
) -> HouseholdFile:
    """Check every row; all errors are listed, each with its row number and column."""
    registry = areas if isinstance(areas, Registry) else Registry(areas, workers)
    assert today is not None
    columns = map_headers(table.headers)
    required = list(REQUIRED) + (["area"] if registry.areas else [])
    missing = [name for name in required if name not in columns]
    if missing:
        raise Refusal("missing_columns", fields=missing)
    context = _RowContext.build(columns, registry, today)
    rows: list[HouseholdRow] = []
    errors: list[RowError] = []
    for number, cells in table.rows:
        row, row_errors = _check_row(context, number, cells)
        errors.extend(row_errors)
        if row is not None:
            rows.append(row)
    return HouseholdFile(
        rows, errors, headers={f: table.headers[i] for f, i in columns.items()},
        ignored=ignored_columns(table.headers, columns), skipped=table.skipped,
        header_row=table.header_row, sheet=table.sheet,
        matched_by_name="external_id" not in columns)


@dataclass(frozen=True)
class _RowContext:
    """What every row is checked against, and what earlier rows of the file used."""

    columns: Mapping[str, int]
    registry: Registry
    areas: Mapping[str, int]  # by name as written in the file (full-width read as half-width)
    by_id: Mapping[int, WorkerRef]
    by_name: Mapping[str, list[WorkerRef]]
    by_external: Mapping[str, KnownHousehold]
    by_key: Mapping[tuple[str, int | None, str], list[KnownHousehold]]
    today: date
    seen_ids: dict[str, int] = field(default_factory=dict)  # external id -> first row
    seen_keys: dict[tuple[str, int | None, str], int] = field(default_factory=dict)
    seen_streets: dict[int, str] = field(default_factory=dict)  # area id -> street in this file

    @classmethod
    def build(cls, columns: Mapping[str, int], registry: Registry, today: date) -> _RowContext:
        """Index the registry once for all rows."""
        by_name: dict[str, list[WorkerRef]] = {}
        for worker in registry.workers:
            by_name.setdefault(clean(worker.name), []).append(worker)
        by_key: dict[tuple[str, int | None, str], list[KnownHousehold]] = {}
        for known in registry.households:
            if not known.archived:
                by_key.setdefault(match_key(known.name, known.area_id, known.address),
                                  []).append(known)
        by_external = {k.external_id: k for k in registry.households if k.external_id}
        areas = {normalise_text(name): area_id for name, area_id in registry.areas.items()}
        return cls(columns, registry, areas, {w.telegram_id: w for w in registry.workers},
                   by_name, by_external, by_key, today)


def _check_row(context: _RowContext, number: int,
               cells: list[str]) -> tuple[HouseholdRow | None, list[RowError]]:
    """One row: the household it describes, or the errors that stop it."""
    def cell(name: str) -> str:
        index = context.columns.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    too_long = [name for name in context.columns if len(cell(name)) > MAX_CELL]
    if too_long:
        return None, [RowError(number, name, "too_long", {"max": MAX_CELL}) for name in too_long]
    errors = [RowError(number, name, "scientific", {"value": cell(name)})
              for name in TEXT_ONLY if _SCIENTIFIC_RE.match(normalise_text(cell(name)))]
    if errors:
        return None, errors
    area_id, errors = _area(context, number, normalise_text(cell("area")))
    street, street_errors = _street(context, number, normalise_text(cell("street")), area_id)
    errors.extend(street_errors)
    ext = normalise_text(cell("external_id"))
    household, problems = check_household(
        name=normalise_text(cell("name")), area_id=area_id,
        address=normalise_text(cell("address")),
        people=cell("people"), category=cell("category"), causes=cell("causes"),
        needs=cell("needs"), phone=cell("phone"),
        external_id=ext or None,  # a roster may number some rows only
    )
    errors.extend(_from_problem(number, p, cell(p.field)) for p in problems)
    worker_id, problem = _worker(clean(cell("worker")), context.by_id, context.by_name)
    if problem is not None:
        errors.append(RowError(number, "worker", problem, {"value": cell("worker")}))
    paired_on, paired_errors = _paired_on(context, number, clean(cell("paired_on")), worker_id)
    errors.extend(paired_errors)
    match, match_errors = _match(context, number, household) if household else (None, [])
    errors.extend(match_errors)
    if errors or household is None:
        return None, errors
    existing = match is not None or bool(ext and ext in context.by_external)
    return HouseholdRow(number, household, worker_id, paired_on,
                        match.id if match else None, existing, street), []


def _match(context: _RowContext, number: int,
           household: HouseholdInput) -> tuple[KnownHousehold | None, list[RowError]]:
    """The registry's household a row updates: by external id when it has one, else by name,
    community and address (several candidates is an error, never a guess)."""
    ext = household.external_id
    if ext:
        if ext in context.seen_ids:
            return None, [RowError(number, "external_id", "duplicate_external_id",
                                   {"value": ext, "first": context.seen_ids[ext]})]
        context.seen_ids[ext] = number
        if ext in context.by_external:
            return None, []  # stored by its external id
    key = match_key(household.name, household.area_id, household.address)
    if key in context.seen_keys:
        return None, [RowError(number, "name", "duplicate_row",
                               {"value": household.name, "first": context.seen_keys[key]})]
    context.seen_keys[key] = number
    candidates = [k for k in context.by_key.get(key, [])
                  if not (ext and k.external_id and k.external_id != ext)]
    if len(candidates) > 1:
        return None, [RowError(number, "name", "ambiguous_match",
                               {"value": household.name, "count": len(candidates)})]
    return (candidates[0] if candidates else None), []


def _street(context: _RowContext, number: int, street: str,
            area_id: int | None) -> tuple[str | None, list[RowError]]:
    """The street written for a row: it must be the community's, or the community has none
    yet (then the import puts the community in it)."""
    if not street or area_id is None:
        return None, []
    known = context.registry.streets.get(area_id)
    if known is None:  # the community has no street yet: the file gives it one, only one
        known = context.seen_streets.setdefault(area_id, street)
        linking = True
    else:
        linking = False
    if normalise_text(known) != street:
        return None, [RowError(number, "street", "wrong_street",
                               {"value": street, "street": known})]
    return (street if linking else None), []


def _area(context: _RowContext, number: int, text: str) -> tuple[int | None, list[RowError]]:
    """The area named in a row (required when areas are configured)."""
    if not text:
        return None, [RowError(number, "area", "required")] if context.registry.areas else []
    area_id = context.areas.get(text)
    if area_id is None:
        return None, [RowError(number, "area", "unknown_area", {"value": text})]
    return area_id, []


def _paired_on(context: _RowContext, number: int, text: str,
               worker_id: int | None) -> tuple[date | None, list[RowError]]:
    """The pairing date of a row: a real day, not in the future, and only with a worker."""
    if not text:
        return None, []
    day = parse_day(text, context.today) or excel_day(text)
    if day is None:
        return None, [RowError(number, "paired_on", "bad_date", {"value": text})]
    if day > context.today:
        return None, [RowError(number, "paired_on", "future_date", {"value": text})]
    if worker_id is None:
        return None, [RowError(number, "paired_on", "date_without_worker")]
    return day, []


def excel_day(text: str) -> date | None:
    """A date Excel wrote as its serial number (45383 is 2024-04-01), from 1955 to 2119."""
    value = text[:-2] if text.endswith(".0") else text
    if not value.isascii() or not value.isdigit() or not 20_000 <= int(value) <= 80_000:
        return None
    return _EXCEL_EPOCH + timedelta(days=int(value))


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


def read_households(data: bytes, filename: str, areas: Mapping[str, int] | Registry,
                    workers: Sequence[WorkerRef] = (), today: date | None = None,
                    sheet: str | None = None) -> HouseholdFile:
    """Read and check a household file in one go (Refusal for a file refused as a whole)."""
    return check_file(read_table(data, filename, sheet), areas, workers, today)


def iter_errors(result: HouseholdFile, limit: int) -> Iterator[RowError]:
    """The first `limit` errors, in row order."""
    yield from sorted(result.errors, key=lambda e: e.row)[:limit]
