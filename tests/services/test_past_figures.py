"""A finished period's figures never change because of something done later.

Driven through the use cases over a real SQLite file: households added, paired, contacts
logged and a report taken in the third quarter of 2026; then, in November, a household is
archived or a worker taken off duty. /stats, the export and the digest of the third quarter
must read as they did before.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.domain import figures as fg
from bot.domain.cadence import ContactKind
from bot.domain.households import Category, HouseholdInput
from bot.domain.people import Person, Role
from bot.domain.reports import Category as ReportCategory
from bot.domain.reports import Draft, Urgency
from bot.services import (
    cases,
    digest,
    household_edits,
    new_reports,
    obligations,
    overdue,
    people,
    reminder_run,
    staff,
)
from bot.services import contacts as contact_log
from bot.services import figures as service
from bot.services import households as household_cases
from bot.services import pairings as pairing_cases
from bot.services.context import Services
from storage import areas, flows
from storage.clock import to_db
from storage.contacts import NewContact
from storage.db import Database
from tests.use_cases import services_for

A, B, COORDINATOR, REPORTER = 7101, 7102, 9001, 1001
JANUARY = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
TODAY = date(2026, 11, 18)
NOW = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)
Q3 = fg.Span(date(2026, 7, 1), date(2026, 9, 30))
COORD = Person(COORDINATOR, "c", None, "zh", Role.COORDINATOR, True, True, NOW, NOW)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "z.sqlite3")
    await areas.seed(database, ["东门社区"], JANUARY)
    async with database.transaction() as tx:
        for worker_id, name in ((A, "陈社工"), (B, "林社工")):
            await tx.execute(
                "INSERT INTO people (telegram_id, display_name, role, created_at, updated_at) "
                "VALUES (?, ?, 'worker', ?, ?)", (worker_id, name, to_db(JANUARY),
                                                   to_db(JANUARY)))
    yield database
    await database.close()


@pytest.fixture
def at(db: Database) -> Callable[[datetime], Services]:
    """The use cases with the clock stopped at a moment."""
    return lambda now: services_for(db, now, coordinators=str(COORDINATOR))


At = Callable[[datetime], Services]


async def household(at: At, name: str, size: int, worker: int,
                    category: Category = Category.DIBAO) -> int:
    """A household added and paired with `worker` on 5 January 2026."""
    made = await household_edits.create(at(JANUARY), COORDINATOR, HouseholdInput(
        name, 1, "东门路12号", size, category, "", "", None, None), JANUARY.date(), JANUARY)
    await pairing_cases.pair(at(JANUARY), COORDINATOR, made.household.id, worker, 1,
                             JANUARY.date(), JANUARY)
    return made.household.id


async def log(at: At, household_id: int, worker: int, kind: ContactKind, day: date) -> None:
    logged = await contact_log.log_contact(at(NOW), NewContact(
        household_id=household_id, worker_id=worker, kind=kind, day=day, people_reached=1),
        day)
    assert logged is not None


async def two_households(at: At) -> tuple[int, int]:
    """张大爷 (A) was called in Q3; 王家 (B) was not: a missed call of Q3."""
    first = await household(at, "张大爷", 1, A)
    second = await household(at, "王家", 4, B)
    await log(at, first, A, ContactKind.CALL, date(2026, 8, 1))
    await log(at, second, B, ContactKind.OTHER, date(2026, 8, 2))
    return first, second


def kept(found: fg.Figures) -> dict[str, tuple[int, int, int]]:
    return {rule.kind.value: (k.met, k.due, k.missed) for (_, rule), k in found.kept.items()}


def sheet_rows(path: Path, name: str) -> list[tuple[object, ...]]:
    book = load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in book[name].iter_rows(min_row=2, values_only=True)]
    finally:
        book.close()


async def test_archiving_a_household_leaves_last_quarter_as_it_was(at: At, db: Database,
                                                                   tmp_path: Path) -> None:
    _, second = await two_households(at)
    before = (await service.stats(at(NOW), COORD, Q3)).now
    digest_before = (await digest.gather(at(NOW), TODAY)).data
    await service.export(at(NOW), COORD, Q3, service.Format.XLSX, False, tmp_path / "a.xlsx",
                         "en")
    assert kept(before)["call"] == (1, 0, 1)

    assert await household_cases.archive(at(NOW), COORDINATOR, second, TODAY) is not None

    after = (await service.stats(at(NOW), COORD, Q3)).now
    assert kept(after)["call"] == (1, 0, 1)  # 王家's call of Q3 is still missed
    assert after.paired == before.paired and after.covered == before.covered
    digest_after = (await digest.gather(at(NOW), TODAY)).data
    assert digest_after.missed_count == digest_before.missed_count == 3
    assert digest_after.missed == digest_before.missed
    await service.export(at(NOW), COORD, Q3, service.Format.XLSX, False, tmp_path / "b.xlsx",
                         "en")
    book = load_workbook(tmp_path / "a.xlsx", read_only=True)
    obligations_sheet = book.sheetnames[6]
    book.close()
    rows_before = sheet_rows(tmp_path / "a.xlsx", obligations_sheet)
    rows_after = sheet_rows(tmp_path / "b.xlsx", obligations_sheet)
    # Q3's call of each household is still there, met and missed as before.
    q3_before = [r for r in rows_before if "Q3" in " ".join(map(str, r))]
    q3_after = [r for r in rows_after if "Q3" in " ".join(map(str, r))]
    assert len(q3_before) == 2 and q3_after == q3_before
    # /overdue (the period just ended) still holds 王家's missed call, as the digest does.
    missed = (await overdue.overdue(at(NOW), TODAY)).missed
    assert any(i.household_id == second and i.obligation.rule.kind is ContactKind.CALL
               for i in missed)


async def test_an_archived_household_owes_nothing_from_today(at: At, db: Database) -> None:
    """What is left out of today's work: the running periods are no longer owed, no reminder
    names it, and it is not on its worker's /due."""
    first, second = await two_households(at)
    december = date(2026, 12, 1)  # a reminder stage of the quarter, half year and year
    reminded = await reminder_run.current(db, december)
    assert {key[1] for key in reminded} == {first, second}
    assert await household_cases.archive(at(NOW), COORDINATOR, second, TODAY) is not None
    reminded = await reminder_run.current(db, december)
    assert {key[1] for key in reminded} == {first}
    assert await obligations.for_worker(db, B, december) == {}
    running = [i for i in await obligations.everyone(db, december)
               if i.household_id == second]
    assert running == []


async def take_a_report(at: At, worker: int) -> int:
    """A report received on 10 September 2026 at 09:00 and taken by `worker` an hour later."""
    received = datetime(2026, 9, 10, 1, 0, tzinfo=UTC)
    await people.seen(at(received), REPORTER, "李阿姨", None, received)
    await flows.put(at(received).db, REPORTER, "report", "confirm", Draft(
        category=ReportCategory.HEALTH, description="腿肿了好几天", address="3栋502",
        area_id=1, urgency=Urgency.SOON, anonymous=True).to_data(), received)
    made = (await new_reports.submit(at(received), REPORTER, "report", "confirm",
                                     received)).report
    assert made is not None
    taken = await cases.take(at(received), made, worker,
                             datetime(2026, 9, 10, 2, 0, tzinfo=UTC))
    assert taken.won
    return made.id


def taken(found: fg.Figures) -> tuple[int, int, object]:
    return found.reports.received, found.reports.taken, found.reports.take_median


async def test_taking_a_worker_off_duty_leaves_last_quarters_reports_taken(
        at: At, db: Database) -> None:
    await take_a_report(at, B)
    before = (await service.stats(at(NOW), COORD, Q3)).now
    mine_before = (await service.stats(at(NOW), COORD, Q3, worker_id=B)).now
    assert str(taken(before)) == "(1, 1, datetime.timedelta(seconds=3600))"

    assert await staff.deactivate(at(NOW), B, COORDINATOR, NOW) is not None

    assert taken((await service.stats(at(NOW), COORD, Q3)).now) == taken(before)
    assert taken((await service.stats(at(NOW), COORD, Q3, worker_id=B)).now) == taken(
        mine_before) == taken(before)
    # Taken again today: Q3 is unchanged, and Q4 counts no second take.
    report = await cases.find(at(NOW), 1)
    assert report is not None and report.taken_by is None
    assert (await cases.take(at(NOW), report, A, NOW)).won
    assert taken((await service.stats(at(NOW), COORD, Q3)).now) == taken(before)
    q4 = fg.Span(date(2026, 10, 1), date(2026, 12, 31))
    assert taken((await service.stats(at(NOW), COORD, q4)).now) == (0, 0, None)


async def test_a_case_given_back_and_taken_again_counts_its_first_take(
        at: At, db: Database) -> None:
    report_id = await take_a_report(at, A)
    report = await cases.find(at(NOW), report_id)
    assert report is not None
    later = datetime(2026, 9, 11, 2, 0, tzinfo=UTC)
    released = await cases.release(at(later), report, A, later)
    assert released is not None
    assert (await cases.take(at(later), released, B, later)).won
    found = (await service.stats(at(NOW), COORD, Q3)).now
    assert str(taken(found)) == "(1, 1, datetime.timedelta(seconds=3600))"
