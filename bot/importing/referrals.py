"""A referral list from another agency: read a CSV or XLSX file, check every row.

Pure like `households`: the caller passes the known communities and the references already
stored, and stores the rows only when `ReferralFile.errors` is empty (all or nothing).

Columns (Chinese or English headers, any order, extra columns ignored):

    来源编号 source_ref (required)  姓名 name (required)  社区 area (required when areas exist)
    身份证后四位 id_last4  电话 phone  地址 address  原因 reason  重点关注 focus
    来源 source (optional: when present, every row must name the chosen source)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from bot.domain.households import clean
from bot.domain.referrals import deadline, last4_ok, parse_focus
from bot.domain.reports import normalise_phone
from bot.importing.households import (
    MAX_CELL,
    Refusal,
    RowError,
    Table,
    _header_key,
    read_table,
)
from storage.referrals import NewReferral

NAME_MAX: Final = 40
ADDRESS_MAX: Final = 200
REASON_MAX: Final = 500
REF_MAX: Final = 40

COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "source_ref": ("source_ref", "source ref", "reference", "ref", "来源编号", "转介编号", "编号",
                   "序号"),
    "name": ("name", "姓名", "名字"),
    "id_last4": ("id_last4", "id last4", "id_last_4", "身份证后四位", "身份证后4位", "证件后四位"),
    "phone": ("phone", "telephone", "电话", "联系电话", "手机"),
    "area": ("area", "community", "社区", "所属社区"),
    "address": ("address", "地址", "住址", "家庭住址"),
    "reason": ("reason", "原因", "转介原因", "情况"),
    "focus": ("focus", "重点关注", "重点"),
    "source": ("source", "来源", "来源单位", "转介单位"),
}
ALWAYS_REQUIRED: Final = ("source_ref", "name")

_INDEX: Final[dict[str, str]] = {
    _header_key(name): fieldname for fieldname, names in COLUMNS.items() for name in names
}


@dataclass(frozen=True)
class ReferralRow:
    """One checked row."""

    row: int
    referral: NewReferral


@dataclass(frozen=True)
class ReferralFile:
    """The checked file: rows to store when there are no errors, and rows already stored."""

    rows: list[ReferralRow]
    errors: list[RowError]
    already: int  # rows whose reference this source sent before (skipped, not an error)


def map_headers(headers: Sequence[str]) -> dict[str, int]:
    """Field name -> column index (a header may be bilingual, e.g. '姓名 / name')."""
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        for part in [header, *header.replace("|", "/").split("/")]:
            fieldname = _INDEX.get(_header_key(part))
            if fieldname is None:
                continue
            if fieldname in found and found[fieldname] != index:
                raise Refusal("duplicate_column", column=header)
            found[fieldname] = index
            break
    return found


@dataclass(frozen=True)
class Known:
    """What rows are checked against: communities, the source, references already stored."""

    areas: Mapping[str, int]
    source_id: int
    source_name: str
    source_names: Mapping[int, str]  # every source, by id
    refs: Mapping[str, list[int]]  # reference -> sources it was imported under


def check_file(table: Table, known: Known, today: date) -> ReferralFile:
    """Check every row; all errors are listed with their row number and column."""
    columns = map_headers(table.headers)
    required = list(ALWAYS_REQUIRED) + (["area"] if known.areas else [])
    missing = [name for name in required if name not in columns]
    if missing:
        raise Refusal("missing_columns", columns=", ".join(missing))
    rows: list[ReferralRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    already = 0
    for number, cells in table.rows:
        def cell(name: str, cells: list[str] = cells) -> str:
            index = columns.get(name)
            return clean(cells[index]) if index is not None and index < len(cells) else ""

        row_errors = _check_cells(number, {name: cell(name) for name in COLUMNS}, columns)
        ref = cell("source_ref")
        row_errors += _check_ref(number, ref, seen, known)
        if not row_errors and known.source_id in known.refs.get(ref, []):
            already += 1
            continue
        area_id, area_errors = _area(number, cell("area"), known.areas)
        row_errors += area_errors
        errors += row_errors
        if row_errors:
            continue
        focus, _ = parse_focus(cell("focus"))
        rows.append(ReferralRow(number, NewReferral(
            source_ref=ref, name=cell("name"), id_last4=cell("id_last4").upper(),
            phone=normalise_phone(cell("phone")) if cell("phone") else None, area_id=area_id,
            address=cell("address"), reason=cell("reason"), focus=focus,
            due_on=deadline(today, focus))))
    return ReferralFile(rows, errors, already)


_LIMITS: Final = {"source_ref": REF_MAX, "name": NAME_MAX, "address": ADDRESS_MAX,
                  "reason": REASON_MAX}


def _check_cells(number: int, values: Mapping[str, str],
                 columns: Mapping[str, int]) -> list[RowError]:
    """Lengths, required cells, and the formats of phone, identity digits and focus."""
    errors = [RowError(number, name, "too_long", {"max": MAX_CELL})
              for name in columns if len(values[name]) > MAX_CELL]
    if errors:
        return errors
    for name in ALWAYS_REQUIRED:
        if not values[name]:
            errors.append(RowError(number, name, "required"))
    for name, limit in _LIMITS.items():
        if len(values[name]) > limit:
            errors.append(RowError(number, name, "too_long", {"max": limit}))
    if values["phone"] and normalise_phone(values["phone"]) is None:
        errors.append(RowError(number, "phone", "bad_phone", {"value": values["phone"]}))
    if values["id_last4"] and not last4_ok(values["id_last4"]):
        errors.append(RowError(number, "id_last4", "bad_last4", {"value": values["id_last4"]}))
    _, unknown = parse_focus(values["focus"])
    if unknown is not None:
        errors.append(RowError(number, "focus", "unknown_focus", {"value": unknown}))
    return errors


def _check_ref(number: int, ref: str, seen: dict[str, int], known: Known) -> list[RowError]:
    """A reference appears once per file, and belongs to the chosen source."""
    if not ref:
        return []
    if ref in seen:
        return [RowError(number, "source_ref", "duplicate_ref",
                         {"value": ref, "first": seen[ref]})]
    seen[ref] = number
    others = [s for s in known.refs.get(ref, []) if s != known.source_id]
    if others and known.source_id not in known.refs.get(ref, []):
        return [RowError(number, "source_ref", "other_source_ref",
                         {"value": ref, "source": known.source_names.get(others[0], "?")})]
    return []


def _area(number: int, text: str, areas: Mapping[str, int]) -> tuple[int | None,
                                                                     list[RowError]]:
    """The community named in a row (required when communities are configured)."""
    if not text:
        return None, [RowError(number, "area", "required")] if areas else []
    area_id = areas.get(text)
    if area_id is None:
        return None, [RowError(number, "area", "unknown_area", {"value": text})]
    return area_id, []


def check_sources(table: Table, known: Known) -> list[RowError]:
    """With a source column: every row must name the source the list is imported for."""
    index = map_headers(table.headers).get("source")
    if index is None:
        return []
    errors = []
    for number, cells in table.rows:
        named = clean(cells[index]) if index < len(cells) else ""
        if named and named != known.source_name:
            errors.append(RowError(number, "source", "other_source",
                                   {"value": named, "source": known.source_name}))
    return errors


def check_table(table: Table, known: Known, today: date) -> ReferralFile:
    """Check a read table: every row, and the source column when there is one."""
    checked = check_file(table, known, today)
    wrong_source = check_sources(table, known)
    if not wrong_source:
        return checked
    return ReferralFile(checked.rows, sorted([*checked.errors, *wrong_source],
                                             key=lambda e: e.row), checked.already)


def refs_in(table: Table) -> list[str]:
    """The references a table names (to look up which are stored already)."""
    index = map_headers(table.headers).get("source_ref")
    if index is None:
        return []
    return [clean(cells[index]) for _, cells in table.rows if index < len(cells)]


def read_referrals(data: bytes, filename: str, known: Known, today: date) -> ReferralFile:
    """Read and check a referral list in one go (Refusal for a file refused as a whole)."""
    return check_table(read_table(data, filename), known, today)
