"""The demo's seed over a real SQLite file: what a bureau trying the demo finds in it (streets,
funds and aid, micro-projects and activities, categories, causes and wellbeing, a programme for
orphans, referrals), each written as the bot's own flows would write it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.demo import programme
from bot.demo.seed import COMMUNITIES, COORDINATORS, seed
from bot.domain import figures as fg
from bot.domain.activities import TITLE_MAX
from bot.domain.aid import DESCRIPTION_MAX, AidKind, format_yuan
from bot.domain.cadence import ContactKind, Status
from bot.domain.causes import split_causes
from bot.domain.households import Category
from bot.domain.programs import NAME_MAX as PROGRAM_NAME_MAX
from bot.domain.projects import NAME_MAX as PROJECT_NAME_MAX
from bot.domain.referrals import Outcome, Stage
from bot.domain.wellbeing import Direction
from bot.services import activities as activity_cases
from bot.services import aid as ledger
from bot.services import figures, obligations, titles, wellbeing
from bot.services.context import Services
from storage import (
    aid,
    areas,
    contacts,
    households,
    pairings,
    program_categories,
    projects,
    referrals,
    streets,
)
from storage.db import Database
from tests.conftest import ZONE
from tests.use_cases import services_for

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=ZONE)  # as the browser test starts the demo
TODAY = date(2026, 11, 18)
COORDINATOR = COORDINATORS[0]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A demo database as `zhongfu demo --at 2026-11-18T10:00` seeds it."""
    database = await Database.open(tmp_path / "demo.sqlite3")
    await seed(database, NOW, ZONE)
    yield database
    await database.close()


def services(db: Database) -> Services:
    """The use cases as the demo's bot runs them."""
    return services_for(db, NOW, coordinators=str(COORDINATOR), zone=ZONE.key)


async def household_id(db: Database, name: str) -> int:
    """A household of the demo by its name."""
    found = await households.search(db, name, 1)
    assert found and found[0].name == name
    return found[0].id


async def test_the_demo_is_the_same_every_time(tmp_path: Path, db: Database) -> None:
    again = await Database.open(tmp_path / "again.sqlite3")
    try:
        await seed(again, NOW, ZONE)
        for table in ("households", "household_categories", "pairings", "contacts", "aid",
                      "activities", "activity_households", "projects", "streets", "areas",
                      "programs", "program_categories", "referrals", "referral_events"):
            sql = f"SELECT * FROM {table} ORDER BY 1, 2"
            assert [tuple(r) for r in await db.fetchall(sql)] == \
                [tuple(r) for r in await again.fetchall(sql)], table
    finally:
        await again.close()


async def test_areas_shows_the_communities_grouped_into_streets(db: Database) -> None:
    names = {a.id: a.name for a in await areas.active(db)}
    found = {s.name: {names[a] for a in s.area_ids} for s in await streets.listed(db)}
    assert found == {"东门街道": {"东门社区", "湖贝社区"}, "翠竹街道": {"翠竹社区", "水贝社区"}}


async def test_the_coordinator_goes_by_a_title_workers_read_in_their_language(
        db: Database) -> None:
    use = services(db)
    assert await titles.signature(use, "zh", COORDINATOR) == "民政专干 Wang Fang"
    assert await titles.signature(use, "en", COORDINATOR) == "Civil-affairs officer Wang Fang"


async def test_funds_show_this_years_aid_to_the_fen(db: Database) -> None:
    totals = {t.name: (format_yuan(t.amount_fen), t.households)
              for t in await ledger.year_by_fund(services(db), TODAY)}
    assert totals == {"区慈善会（大爱罗湖）": ("25,960.50", 6), "街道慈善基金": ("2,800.00", 2),
                      "社区基金": ("820.00", 2), "爱心企业捐赠": ("480.00", 1),
                      "政府救助": ("9,000.00", 2)}
    overall = await ledger.year_overall(services(db), TODAY)
    assert (format_yuan(overall.amount_fen), overall.entries) == ("39,060.50", 15)


async def test_every_aid_entry_is_one_the_aid_flow_would_accept(db: Database) -> None:
    use = services(db)
    entries = await db.fetchall("SELECT id FROM aid ORDER BY id")
    found = [await aid.get(db, int(r["id"])) for r in entries]
    assert len(found) == len(programme.AID) >= 12
    for entry in found:
        assert entry is not None
        if entry.report_id is not None:  # from the case the worker holds
            assert await ledger.may_record_case(use, entry.worker_id, False, entry.report_id)
        else:  # a worker, for a household they are paired with
            assert entry.household_id is not None
            assert await ledger.may_record(use, entry.worker_id, False, entry.household_id)
        if entry.kind is AidKind.IN_KIND:
            assert entry.description and entry.quantity
        assert entry.day <= TODAY
    assert {e.kind for e in found if e} == set(AidKind)
    assert len({e.purpose for e in found if e}) >= 4
    assert sum(1 for e in found if e and e.report_id is not None) == 2


async def test_activities_are_what_the_activity_flow_would_record(db: Database) -> None:
    use = services(db)
    by_title = {r["title"]: r for r in await db.fetchall("SELECT * FROM activities")}
    names = {p.id: p.name for p in await projects.listed(db)}
    area_ids = {a.name: a.id for a in await areas.active(db)}
    for item in programme.ACTIVITIES:
        stored = by_title[item.title]
        picked = [await household_id(db, name) for name in item.households]
        draft = activity_cases.Draft(
            item.title, item.kind, date.fromisoformat(stored["day"]), item.people,
            [area_ids[COMMUNITIES[i]] for i in item.communities],
            activity_cases.PICK if picked else (
                activity_cases.ALL if item.by == COORDINATOR else activity_cases.MINE),
            picked)
        chosen = await activity_cases.chosen(use, item.by, item.by == COORDINATOR, draft)
        rows = await db.fetchall("SELECT household_id FROM activity_households "
                                 "WHERE activity_id = ? ORDER BY household_id", (stored["id"],))
        assert not isinstance(chosen, activity_cases.Refusal), item.title
        assert sorted(chosen) == [r["household_id"] for r in rows], item.title
        assert names.get(stored["project_id"]) == item.project
        if item.project is not None:
            project = next(p for p in await projects.listed(db) if p.name == item.project)
            assert project.starts_on <= draft.day <= project.ends_on
    festival = by_title["中秋节走访慰问"]
    assert festival["day"] == "2026-09-25"
    visits = await db.fetchall("SELECT household_id, kind FROM contacts WHERE activity_id = ?",
                               (festival["id"],))
    assert len(visits) >= 5 and {r["kind"] for r in visits} == {ContactKind.VISIT.value}
    campaign = by_title["普法宣传进社区"]
    assert not await db.fetchall("SELECT 1 FROM contacts WHERE activity_id = ?",
                                 (campaign["id"],))


async def test_stats_for_the_year_show_aid_activities_and_projects(db: Database) -> None:
    given = await figures.programme(services(db), fg.preset("year", TODAY))
    assert (given.aid.entries, format_yuan(given.aid.amount_fen)) == (15, "39,060.50")
    assert set(given.activities) == {"holiday_visit", "campaign", "group_session",
                                     "micro_project"}
    assert given.activities["campaign"] == (1, 120)
    assert {p.name: p.households for p in given.projects} == {"长者饭堂助餐": 3, "四点半课堂": 4}


async def test_households_carry_categories_causes_and_a_wellbeing_trend(db: Database) -> None:
    everyone = await households.recent(db, 100)
    assert len(everyone) == 24
    assert all(h.cause_codes for h in everyone)
    # The free text beside the listed causes names none of them (as the flow would split it).
    assert all(split_causes(h.causes) == ((), h.causes) for h in everyone)
    assert sum(1 for h in everyone if len(h.categories) >= 2) >= 15
    assert sum(1 for h in everyone if len(h.cause_codes) >= 2) >= 12
    assert Category.ILLNESS_DISABILITY not in {c for h in everyone for c in h.categories}
    use = services(db)
    falling = await wellbeing.household_trend(use, await household_id(db, "吴婆婆"))
    rising = await wellbeing.household_trend(use, await household_id(db, "韩家"))
    assert falling is not None and falling.direction is Direction.DOWN
    assert falling.scores[0] > falling.scores[-1]
    assert rising is not None and rising.direction is Direction.UP
    assert len(rising.scores) >= 3


async def test_the_childrens_programme_holds_orphans_and_unsupported_children(
        db: Database) -> None:
    program = next(p for p in await pairings.programs(db) if p.name == programme.CHILDREN_PROGRAM)
    assert await program_categories.of_program(db, program.id) == (
        Category.ORPHAN, Category.UNSUPPORTED_CHILD)
    for name, staff in programme.CHILDREN_PAIRS:
        child = await household_id(db, name)
        found = await households.get(db, child)
        assert found is not None and set(found.categories) & {Category.ORPHAN,
                                                               Category.UNSUPPORTED_CHILD}
        owed = {(o.rule.kind, o.worker_id, o.status) for p, o in
                await obligations.for_household(db, child, TODAY) if p.id == program.id}
        # The staff member is held to the promise, and kept it this period.
        assert owed == {(kind, staff, Status.MET) for kind in
                        (ContactKind.CALL, ContactKind.VISIT, ContactKind.DEED)}, name
    scores = await contacts.wellbeing_scores(db, await household_id(db, "何小军"), 5)
    assert scores[-1] == 4


async def test_referrals_are_screened_as_far_as_the_story_goes(db: Database) -> None:
    open_one = await referrals.open_of(db, 7001)
    assert [(r.name, r.source_name, r.stage) for r in open_one] == [
        ("钱建华", "人力资源局", Stage.REACHED)]
    court = await db.fetchval("SELECT id FROM referrals WHERE source_ref = 'FY-2026-031'")
    closed = await referrals.get(db, int(court))
    assert closed is not None
    assert (closed.stage, closed.outcome, closed.worker_id) == (Stage.CLOSED, Outcome.ASSISTED,
                                                                7002)
    kinds = [e.kind for e in await referrals.events(db, closed.id)]
    assert kinds == ["imported", "taken", "reached", "surveyed", "eligibility", "submitted",
                     "approved", "closed"]


def test_the_seeds_words_fit_what_the_flows_accept() -> None:
    assert all(len(a.description) <= DESCRIPTION_MAX for a in programme.AID)
    assert all(len(a.title) <= TITLE_MAX for a in programme.ACTIVITIES)
    assert all(len(p.name) <= PROJECT_NAME_MAX for p in programme.PROJECTS)
    assert len(programme.CHILDREN_PROGRAM) <= PROGRAM_NAME_MAX
