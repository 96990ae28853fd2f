"""Use cases over a real SQLite file: a contact logged, a household archived, a pairing ended.

Each is one transaction with what belongs to it (the replaced entry, the finished flow, the
audit entry), so nothing is half-done after a crash.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.cadence import ContactKind
from bot.domain.households import Category, HouseholdInput
from bot.services import contacts as contact_log
from bot.services import households as household_cases
from bot.services.context import Services
from storage import areas, audit, contacts, flows, households, pairings
from storage.clock import to_db
from storage.contacts import NewContact
from storage.db import Database
from tests.use_cases import services_for

NOW = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)
TODAY = date(2026, 5, 20)
WORKER, OTHER, COORDINATOR = 7001, 7002, 9001


@pytest.fixture
async def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    database = await Database.open(tmp_path / "z.sqlite3")
    await areas.seed(database, ["东门社区"], NOW)
    async with database.transaction() as tx:
        for worker_id, name in ((WORKER, "陈社工"), (OTHER, "刘社工")):
            await tx.execute(
                "INSERT INTO people (telegram_id, display_name, role, created_at, updated_at) "
                "VALUES (?, ?, 'worker', ?, ?)", (worker_id, name, to_db(NOW), to_db(NOW)))
    yield database
    await database.close()


def services(db: Database, now: datetime = NOW) -> Services:
    return services_for(db, now, coordinators=str(COORDINATOR))


async def _paired_household(db: Database) -> int:
    made = await households.create(db, HouseholdInput(
        "张大爷", 1, "东门路12号", 1, Category.ELDERLY_ALONE, "腿脚不便", "探望", None, None),
        NOW, by=COORDINATOR)
    await pairings.pair(db, made.id, WORKER, 1, TODAY, NOW)
    return made.id


def _visit(household_id: int, worker_id: int = WORKER) -> NewContact:
    return NewContact(household_id=household_id, worker_id=worker_id, kind=ContactKind.VISIT,
                      day=TODAY, note="聊了聊近况")


async def test_logging_a_visit_ends_the_flow_and_says_what_is_still_owed(db: Database) -> None:
    household = await _paired_household(db)
    await flows.put(db, WORKER, "log", "note", {"hid": household}, NOW)
    logged = await contact_log.log_contact(services(db), _visit(household), TODAY)
    assert logged is not None and not logged.replaced
    assert logged.contact.pairing_id is not None
    assert await flows.get(db, WORKER) is None
    # A visit in the home meets the quarter's call and the half-year's visit: the deed is owed.
    assert [o.rule.kind.value for o in logged.still_owed] == ["deed"]


async def test_a_correction_replaces_the_entry_in_the_same_save(db: Database) -> None:
    household = await _paired_household(db)
    first = await contact_log.log_contact(services(db), _visit(household), TODAY)
    assert first is not None
    again = await contact_log.log_contact(services(db, NOW + timedelta(hours=2)),
                                          _visit(household), TODAY, replaces=first.contact.id)
    assert again is not None and again.replaced
    old = await contacts.get(db, first.contact.id)
    assert old is not None and old.deleted
    assert [c.id for c in await contacts.for_household(db, household)] == [again.contact.id]


async def test_a_correction_after_a_day_keeps_the_old_entry_and_adds_none(db: Database) -> None:
    household = await _paired_household(db)
    first = await contact_log.log_contact(services(db), _visit(household), TODAY)
    assert isinstance(first, contact_log.Logged)
    await flows.put(db, WORKER, "log", "note", {"hid": household}, NOW)
    # Begun within the 24 hours, saved after them: saved beside the old entry, the one
    # contact would count twice in every figure.
    late = await contact_log.log_contact(services(db, NOW + timedelta(hours=25)),
                                         _visit(household), TODAY, replaces=first.contact.id)
    assert late is contact_log.NotSaved.TOO_LATE
    assert [c.id for c in await contacts.for_household(db, household)] == [first.contact.id]
    assert await flows.get(db, WORKER) is None  # the correction is not offered again


async def test_a_household_that_is_not_yours_gets_no_contact(db: Database) -> None:
    household = await _paired_household(db)
    await flows.put(db, OTHER, "log", "note", {"hid": household}, NOW)
    assert await contact_log.log_contact(services(db), _visit(household, OTHER), TODAY) \
        is contact_log.NotSaved.NOT_YOURS
    assert await contacts.for_household(db, household) == []
    assert await flows.get(db, OTHER) is None  # the stale draft is not offered again


async def test_archive_and_end_pairing_are_audited_once(db: Database) -> None:
    household = await _paired_household(db)
    pairing = (await pairings.active_for_household(db, household))[0]
    ended = await household_cases.end_pairing(services(db), COORDINATOR, pairing.id, TODAY)
    assert ended is not None and ended.household is not None
    assert await household_cases.end_pairing(services(db), COORDINATOR, pairing.id,
                                             TODAY) is None
    archived = await household_cases.archive(services(db), COORDINATOR, household, TODAY)
    assert archived is not None and archived.name == "张大爷"
    assert await household_cases.archive(services(db), COORDINATOR, household, TODAY) is None
    trail = await audit.entries(db, limit=10)
    assert sorted(e.action for e in trail) == ["household.archive", "pairing.end"]
    assert all(e.actor_id == COORDINATOR for e in trail)
