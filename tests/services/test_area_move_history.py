"""A household that moves community moves from that day only: a finished quarter's figures by
community and by street (/stats, the export's summary, registry and obligations sheets) stay
as they were reported, while the running quarter, and the digest's running coverage, count it
where it is now.

Driven through the use cases over a real SQLite file: 东门社区 (东门街道) and 翠竹社区 (桂园街道);
张大爷 and 王家 in 东门社区, 李阿婆 in 翠竹社区, added and paired in January 2026 and served in
Q3; on 18 November 2026 (Q4) 东门社区 is retired into 翠竹社区, or 王家's service file moves it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.domain import figures as fg
from bot.domain.cadence import ContactKind
from bot.domain.households import Category, HouseholdInput
from bot.services import areas as area_cases
from bot.services import digest, household_edits
from bot.services import figures as service
from bot.services import pairings as pairing_cases
from bot.services.context import Services
from storage import areas
from storage.clock import to_db
from storage.db import Database
from tests.services.test_past_figures import COORD, COORDINATOR, JANUARY, NOW, Q3, TODAY, A, B, log
from tests.use_cases import services_for

Q4 = fg.Span(date(2026, 10, 1), date(2026, 12, 31))
EAST, GREEN = 1, 2  # 东门社区, 翠竹社区

At = Callable[[datetime], Services]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "z.sqlite3")
    await areas.seed(database, ["东门街道/东门社区", "桂园街道/翠竹社区"], JANUARY)
    async with database.transaction() as tx:
        for worker_id, name in ((A, "陈社工"), (B, "林社工")):
            await tx.execute(
                "INSERT INTO people (telegram_id, display_name, role, created_at, updated_at) "
                "VALUES (?, ?, 'worker', ?, ?)", (worker_id, name, to_db(JANUARY),
                                                   to_db(JANUARY)))
    yield database
    await database.close()


@pytest.fixture
def at(db: Database) -> At:
    """The use cases with the clock stopped at a moment."""
    return lambda now: services_for(db, now, coordinators=str(COORDINATOR))


def _input(name: str, area_id: int, size: int) -> HouseholdInput:
    return HouseholdInput(name, area_id, "东门路12号", size, Category.DIBAO, "", "", None, None)


async def district(at: At) -> dict[str, int]:
    """Three households added and paired in January, each served once in Q3 (one person
    reached each); 张大爷 called again in Q4."""
    found: dict[str, int] = {}
    for name, area_id, size, worker in (("张大爷", EAST, 1, A), ("王家", EAST, 4, B),
                                        ("李阿婆", GREEN, 2, A)):
        made = await household_edits.create(at(JANUARY), COORDINATOR,
                                            _input(name, area_id, size), JANUARY.date(), JANUARY)
        await pairing_cases.pair(at(JANUARY), COORDINATOR, made.household.id, worker, 1,
                                 JANUARY.date(), JANUARY)
        found[name] = made.household.id
    await log(at, found["张大爷"], A, ContactKind.CALL, date(2026, 8, 1))
    await log(at, found["王家"], B, ContactKind.OTHER, date(2026, 8, 2))
    await log(at, found["李阿婆"], A, ContactKind.VISIT, date(2026, 8, 3))
    await log(at, found["张大爷"], A, ContactKind.CALL, date(2026, 10, 20))
    return found


def grouped(found: fg.Figures, grouping: str) -> dict[str, tuple[int, int, int]]:
    """A breakdown as (registered, covered, person-times) by value."""
    return {value: (r.registered.households, r.covered.households, r.person_times)
            for value, r in found.breakdowns[grouping].items()}


def sheets(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """The sheets the figures are filed from, as rows of values."""
    book = load_workbook(path, read_only=True)
    try:
        return {name: [tuple(row) for row in book[name].iter_rows(values_only=True)]
                for name in ("Summary", "Households", "Obligations")}
    finally:
        book.close()


async def export(at: At, span: fg.Span, out: Path) -> dict[str, list[tuple[object, ...]]]:
    await service.export(at(NOW), COORD, span, service.Format.XLSX, False, out, "en")
    return sheets(out)


def community_of(rows: list[tuple[object, ...]], name: str) -> object:
    """The community column of a household's rows of a sheet (Households, Obligations)."""
    header = rows[0]
    column = header.index("Community")
    named = header.index("Household" if "Household" in header else "Name")
    [found] = {row[column] for row in rows[1:] if row[named] == name}
    return found


Q3_AREAS = {"东门社区": (2, 2, 2), "翠竹社区": (1, 1, 1)}
Q3_STREETS = {"东门街道": (2, 2, 2), "桂园街道": (1, 1, 1)}


async def q3_as_filed(at: At, tmp_path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Q3's figures by community and street as reported in November, and its export."""
    q3 = (await service.stats(at(NOW), COORD, Q3)).now
    assert grouped(q3, "area") == Q3_AREAS
    assert grouped(q3, "street") == Q3_STREETS
    filed = await export(at, Q3, tmp_path / "filed.xlsx")
    assert community_of(filed["Households"], "王家") == "东门社区"
    return filed


async def q3_unchanged(at: At, tmp_path: Path, filed: dict[str, list[tuple[object, ...]]]
                       ) -> None:
    """Q3 after the move: everything by community and street as filed, a worker's own too."""
    q3 = (await service.stats(at(NOW), COORD, Q3)).now
    assert grouped(q3, "area") == Q3_AREAS
    assert grouped(q3, "street") == Q3_STREETS
    mine = (await service.stats(at(NOW), COORD, Q3, worker_id=B)).now
    assert grouped(mine, "area") == {"东门社区": (1, 1, 1)}
    again = await export(at, Q3, tmp_path / "again.xlsx")
    assert again == filed
    assert community_of(again["Obligations"], "王家") == "东门社区"


async def test_retiring_a_community_leaves_last_quarter_by_community_as_filed(
        at: At, tmp_path: Path) -> None:
    await district(at)
    filed = await q3_as_filed(at, tmp_path)

    moved = await area_cases.retire(at(NOW), COORDINATOR, EAST, NOW, into=GREEN)
    assert moved.outcome == "done"

    await q3_unchanged(at, tmp_path, filed)
    q4 = (await service.stats(at(NOW), COORD, Q4)).now
    assert grouped(q4, "area") == {"翠竹社区": (3, 1, 1)}
    assert grouped(q4, "street") == {"桂园街道": (3, 1, 1)}
    now = await export(at, Q4, tmp_path / "q4.xlsx")
    assert community_of(now["Households"], "王家") == "翠竹社区"
    assert community_of(now["Obligations"], "王家") == "翠竹社区"
    # The digest's coverage is of the running periods: where the households are now.
    coverage = (await digest.gather(at(NOW), TODAY)).data.by_area
    assert set(coverage) == {"翠竹社区"}


async def test_a_service_file_edit_leaves_last_quarter_by_community_as_filed(
        at: At, tmp_path: Path) -> None:
    found = await district(at)
    filed = await q3_as_filed(at, tmp_path)

    edited = await household_edits.edit(at(NOW), COORDINATOR, found["王家"],
                                        _input("王家", GREEN, 4), NOW)
    assert edited is not None and edited.area_name == "翠竹社区"

    await q3_unchanged(at, tmp_path, filed)
    q4 = (await service.stats(at(NOW), COORD, Q4)).now
    assert grouped(q4, "area") == {"东门社区": (1, 1, 1), "翠竹社区": (2, 0, 0)}
    assert grouped(q4, "street") == {"东门街道": (1, 1, 1), "桂园街道": (2, 0, 0)}
    assert community_of((await export(at, Q4, tmp_path / "q4.xlsx"))["Households"],
                        "王家") == "翠竹社区"
