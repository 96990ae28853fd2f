"""The demo's programme work: streets, a programme for orphans, aid from the funds,
micro-projects, group activities and referrals, written as the bot's own flows write them."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain.activities import ActivityKind, counts_as
from bot.domain.aid import AidKind, Purpose, parse_amount
from bot.domain.cadence import ContactKind
from bot.domain.households import Category, Service
from bot.domain.referrals import Application, Eligibility, Focus, Outcome, Stage, deadline
from bot.domain.titles import Preset, Title
from storage import (
    activities,
    aid,
    audit,
    contacts,
    pairings,
    program_categories,
    projects,
    referrals,
    streets,
    titles,
)
from storage.db import Database

# Streets of Luohu and their communities (indexes into seed.COMMUNITIES), as /areas groups them.
STREETS = (("东门街道", (0, 1)), ("翠竹街道", (2, 3)))
# The one-to-one promise for orphans and de facto unsupported children (DESIGN §1): staff
# members, each with one child, under a programme limited to those two categories.
CHILDREN_PROGRAM = "孤儿和事实无人抚养儿童一对一"
CHILDREN_CATEGORIES = (Category.ORPHAN, Category.UNSUPPORTED_CHILD)
CHILDREN_RULES = [{"kind": "call", "period": "quarter"}, {"kind": "visit", "period": "half_year"},
                  {"kind": "deed", "period": "year"}]
# (household, staff member) under the children's programme.
CHILDREN_PAIRS = (("何小军", 7001), ("唐小妹", 7004))
# Mid-Autumn Festival (中秋节), the day of the holiday visit.
MID_AUTUMN = (date(2024, 9, 17), date(2025, 10, 6), date(2026, 9, 25), date(2027, 9, 15),
              date(2028, 10, 3), date(2029, 9, 22), date(2030, 9, 12), date(2031, 10, 1))
# The funds every deployment starts with (migration 0011).
FUND_CHARITY, FUND_STREET, FUND_COMMUNITY, FUND_COMPANY, FUND_GOVERNMENT = (
    "区慈善会（大爱罗湖）", "街道慈善基金", "社区基金", "爱心企业捐赠", "政府救助")
AID_SPAN_DAYS = 200  # the oldest aid, in days; squeezed into the year early in January


@dataclass(frozen=True)
class Cast:
    """What the rest of the seed made: ids the programme's records point at."""

    area_ids: Sequence[int]  # by index of seed.COMMUNITIES
    households: dict[str, int]  # by name
    coordinator: int
    case_id: int  # the report a worker holds (aid given from the case)


@dataclass(frozen=True)
class AidItem:
    """One aid entry: to a household (by name) or from the case being worked (None)."""

    household: str | None
    worker: int
    kind: AidKind
    yuan: str  # as typed; stored as exact fen
    fund: str
    purpose: Purpose
    days_ago: int  # -1: on the Mid-Autumn visit
    description: str = ""
    quantity: int | None = None
    note: str = ""

    @property
    def fen(self) -> int:
        """The amount in exact fen, read as the /aid flow reads what a worker types."""
        fen = parse_amount(self.yuan)
        assert isinstance(fen, int), self.yuan
        return fen


ON_FESTIVAL = -1
AID = (
    AidItem("林伯", 7001, AidKind.ON_BEHALF, "3860.50", FUND_CHARITY, Purpose.MEDICAL, 150,
            note="代缴两个月透析自付部分"),
    AidItem("高家", 7002, AidKind.ON_BEHALF, "12000", FUND_CHARITY, Purpose.MEDICAL, 95,
            note="住院押金直接付给医院"),
    AidItem("高家", 7002, AidKind.CASH, "2000", FUND_STREET, Purpose.TEMPORARY, 40),
    AidItem("郑家", 7002, AidKind.SCHOOL, "1500", FUND_CHARITY, Purpose.EDUCATION, 80,
            note="秋季学期书本费、校服"),
    AidItem("邓家", 7002, AidKind.SCHOOL, "800", FUND_STREET, Purpose.EDUCATION, 78),
    AidItem("何小军", 7001, AidKind.SCHOOL, "2600", FUND_CHARITY, Purpose.EDUCATION, 70,
            note="助学金：学杂费和午餐费"),
    AidItem("韩家", 7001, AidKind.CASH, "5000", FUND_GOVERNMENT, Purpose.TEMPORARY, 120,
            note="家中失火，临时救助"),
    AidItem("韩家", 7001, AidKind.IN_KIND, "480", FUND_COMPANY, Purpose.HOUSING, 118,
            "棉被", 4),
    AidItem("孙奶奶", 7002, AidKind.ON_BEHALF, "3600", FUND_CHARITY, Purpose.HOUSING, 60,
            note="卫生间适老化改造，付给施工方"),
    AidItem("董家", 7001, AidKind.CASH, "3000", FUND_GOVERNMENT, Purpose.LIVING, 25),
    AidItem("曾家", 7002, AidKind.ON_BEHALF, "2400", FUND_CHARITY, Purpose.MEDICAL, 15,
            note="康复训练费"),
    AidItem("吴婆婆", 7001, AidKind.IN_KIND, "260", FUND_COMMUNITY, Purpose.LIVING,
            ON_FESTIVAL, "中秋慰问品（月饼、大米、食用油）", 1),
    AidItem("谢家", 7001, AidKind.IN_KIND, "260", FUND_COMMUNITY, Purpose.LIVING,
            ON_FESTIVAL, "中秋慰问品（月饼、大米、食用油）", 1),
    AidItem(None, 7001, AidKind.IN_KIND, "300", FUND_COMMUNITY, Purpose.TEMPORARY, 1,
            "米面粮油", 2),
    AidItem(None, 7001, AidKind.CASH, "1000", FUND_GOVERNMENT, Purpose.TEMPORARY, 0,
            note="临时救助金，先解燃眉之急"),
)


@dataclass(frozen=True)
class ProjectItem:
    """A micro-project (民生微实事), its period around today."""

    name: str
    yuan: int
    started_days_ago: int
    ends_in_days: int
    communities: tuple[int, ...]


PROJECTS = (
    ProjectItem("长者饭堂助餐", 80_000, 150, 60, (0, 1)),
    ProjectItem("四点半课堂", 50_000, 200, 30, (2, 3)),
)


@dataclass(frozen=True)
class ActivityItem:
    """A group activity as its recorder enters it with /activity."""

    title: str
    kind: ActivityKind
    by: int
    days_ago: int  # ON_FESTIVAL: the last Mid-Autumn Festival
    communities: tuple[int, ...]
    households: tuple[str, ...]  # picked by name; () = everyone the recorder may choose there
    people: int
    services: tuple[Service, ...]
    project: str | None = None


ACTIVITIES = (
    ActivityItem("中秋节走访慰问", ActivityKind.HOLIDAY_VISIT, 7001, ON_FESTIVAL, (1,), (), 15,
                 (Service.HOLIDAY_VISIT, Service.MATERIAL_AID, Service.COMFORT)),
    ActivityItem("普法宣传进社区", ActivityKind.CAMPAIGN, 9001, 40, (2, 3), (), 120,
                 (Service.CAPACITY, Service.INTEGRATION)),
    ActivityItem("四点半课堂·作业辅导小组", ActivityKind.GROUP_SESSION, 7002, 20, (2, 3),
                 ("郑家", "唐小妹", "邓家", "曾家"), 6,
                 (Service.TUTORING, Service.INTEGRATION), "四点半课堂"),
    ActivityItem("长者饭堂助餐", ActivityKind.MICRO_PROJECT, 7001, 70, (0, 1),
                 ("吴婆婆", "梁爷爷", "曹伯伯"), 3, (Service.DAILY_CARE, Service.MATERIAL_AID),
                 "长者饭堂助餐"),
)


async def seed(db: Database, cast: Cast, today: date, now: datetime) -> None:
    """Everything of the programme, after the registry, pairings and reports exist."""
    rng = random.Random(16)  # apart from the registry's, so neither changes the other
    # The coordinator goes by the title a district's civil-affairs officer would set.
    await titles.put(db, cast.coordinator, Title(preset=Preset.CIVIL_AFFAIRS), now)
    await _streets(db, cast, now)
    await _children(db, rng, cast, today, now)
    await _aid(db, cast, today, now)
    project_ids = await _projects(db, cast, today, now)
    for item in ACTIVITIES:
        await _activity(db, item, cast, project_ids, today, now)
    await _referrals(db, cast, today, now)


def festival(today: date) -> date:
    """The last Mid-Autumn Festival before today (two months ago past the table's end)."""
    return max((d for d in MID_AUTUMN if d < today), default=today - timedelta(days=60))


def aid_day(item: AidItem, today: date) -> date:
    """The day an entry was given: most within this year, so /funds shows them."""
    if item.days_ago == ON_FESTIVAL:
        return festival(today)
    into_year = (today - date(today.year, 1, 1)).days
    return today - timedelta(days=item.days_ago * min(into_year, AID_SPAN_DAYS)
                             // AID_SPAN_DAYS)


def _at(day: date, now: datetime) -> datetime:
    """When something done on `day` was entered (the same time of day as now)."""
    return datetime.combine(day, now.timetz())


async def _streets(db: Database, cast: Cast, now: datetime) -> None:
    """The two streets, added by the coordinator with /areas."""
    for name, communities in STREETS:
        await streets.create(db, name, [cast.area_ids[i] for i in communities],
                             cast.coordinator, now - timedelta(days=400))


async def _children(db: Database, rng: random.Random, cast: Cast, today: date,
                    now: datetime) -> None:
    """The children's programme, limited to its categories, and its pairings with contacts."""
    defined = now - timedelta(days=300)
    program = await pairings.add_program(db, CHILDREN_PROGRAM, CHILDREN_RULES, defined)
    for category in CHILDREN_CATEGORIES:
        await program_categories.toggle(db, program.id, category, cast.coordinator, defined,
                                        today - timedelta(days=300))
    started = today - timedelta(days=300)
    history = ((ContactKind.VISIT, 290, 2), (ContactKind.CALL, 200, 3),
               (ContactKind.DEED, 130, None), (ContactKind.VISIT, 100, 3),
               (ContactKind.CALL, 30, 4))
    for name, staff in CHILDREN_PAIRS:
        household = cast.households[name]
        outcome = await pairings.pair(db, household, staff, program.id, started, defined,
                                      cast.coordinator)
        for kind, days_ago, score in history:
            day = today - timedelta(days=days_ago + rng.randint(0, 6))
            given = [Service.MATERIAL_AID.value] if kind is ContactKind.DEED else [
                Service.TUTORING.value, Service.COMFORT.value]
            await contacts.add(db, contacts.NewContact(
                household, staff, kind, day, given, rng.randint(1, 2),
                rng.choice(("作业完成得不错", "情绪比上次好多了", "送去了冬衣和文具")),
                score, pairing_id=outcome.pairing_id), _at(day, now))


async def _aid(db: Database, cast: Cast, today: date, now: datetime) -> None:
    """The aid ledger: each entry by the worker who gave it, from the case or to a household."""
    funds = {f.name: f.id for f in await aid.funds(db)}
    for item in AID:
        day = aid_day(item, today)
        household = cast.households[item.household] if item.household else None
        saved = await aid.add(db, aid.NewAid(
            household, item.worker, item.kind, item.fen, funds[item.fund], item.purpose, day,
            item.description, item.quantity, item.note,
            report_id=None if item.household else cast.case_id), _at(day, now))
        assert saved is not None


async def _projects(db: Database, cast: Cast, today: date, now: datetime) -> dict[str, int]:
    """The micro-projects, added by the coordinator with /projects; their ids by name."""
    found: dict[str, int] = {}
    for item in PROJECTS:
        starts = today - timedelta(days=item.started_days_ago)
        project_id = await projects.add(db, projects.NewProject(
            item.name, item.yuan * 100, starts, today + timedelta(days=item.ends_in_days),
            [cast.area_ids[i] for i in item.communities], cast.coordinator),
            _at(starts, now) - timedelta(days=7))
        assert project_id is not None
        found[item.name] = project_id
    return found


async def _activity(db: Database, item: ActivityItem, cast: Cast, project_ids: dict[str, int],
                    today: date, now: datetime) -> None:
    """One group activity: everyone's households for a coordinator, one's own for a worker,
    or those picked; a kind that counts as a contact writes one per household."""
    day = festival(today) if item.days_ago == ON_FESTIVAL else today - timedelta(
        days=item.days_ago)
    area_ids = [cast.area_ids[i] for i in item.communities]
    if item.households:
        chosen = [cast.households[name] for name in item.households]
    else:
        mine = None if item.by == cast.coordinator else item.by
        chosen = await activities.households_in(db, area_ids, mine)
    await activities.add(db, activities.NewActivity(
        item.title, item.kind, day, item.people, item.by, area_ids, chosen,
        [s.value for s in item.services], project_ids.get(item.project or "")),
        counts_as(item.kind), _at(day, now))


@dataclass(frozen=True)
class ReferralItem:
    """A person another agency named, and how far screening has come."""

    source: str
    ref: str
    name: str
    community: int
    reason: str
    focus: frozenset[Focus]
    days_ago: int  # when the list came
    worker: int
    steps: tuple[tuple[str, dict[str, object], str], ...]  # (event, changes, detail), daily


REFERRALS = (
    ReferralItem("人力资源局", "RS-2026-0418", "钱建华", 1, "失业登记超过半年，独自抚养女儿",
                 frozenset(), 12, 7001, (
                     ("taken", {"stage": Stage.ASSIGNED}, ""),
                     ("reached", {"stage": Stage.REACHED}, ""))),
    ReferralItem("区法院", "FY-2026-031", "马秀兰", 2, "司法救助：交通事故致残，赔偿未到位",
                 frozenset({Focus.SEVERE_DISABILITY}), 60, 7002, (
                     ("taken", {"stage": Stage.ASSIGNED}, ""),
                     ("reached", {"stage": Stage.REACHED}, ""),
                     ("surveyed", {"stage": Stage.SURVEYED}, ""),
                     ("eligibility", {"stage": Stage.ASSESSED,
                                      "eligibility": frozenset({Eligibility.TEMPORARY})},
                      Eligibility.TEMPORARY.value),
                     ("submitted", {"stage": Stage.APPLIED,
                                    "application": Application.SUBMITTED}, ""),
                     ("approved", {"application": Application.APPROVED}, ""),
                     ("closed", {"stage": Stage.CLOSED, "outcome": Outcome.ASSISTED},
                      Outcome.ASSISTED.value))),
)


async def _referrals(db: Database, cast: Cast, today: date, now: datetime) -> None:
    """The agencies' lists as imported, the Take cards already sent, and each step taken."""
    for item in REFERRALS:
        received = today - timedelta(days=item.days_ago)
        source = await referrals.source_named(db, item.source)
        assert source is not None
        async with db.transaction() as tx:
            referral_id = await referrals.insert(tx, source.id, referrals.NewReferral(
                item.ref, item.name, "", None, cast.area_ids[item.community], "",
                item.reason, item.focus, deadline(received, item.focus)), received,
                _at(received, now), cast.coordinator)
            assert referral_id is not None
            await referrals.mark_routed_in(tx, referral_id, _at(received, now))
        for step, (kind, changes, detail) in enumerate(item.steps, start=1):
            day = received + timedelta(days=step)
            await _referral_step(db, referral_id, item.worker, (kind, changes, detail), day,
                                 _at(day, now))


async def _referral_step(db: Database, referral_id: int, worker: int,
                         step: tuple[str, dict[str, object], str], day: date,
                         at: datetime) -> None:
    """One step, as the referral screens take it: the change, its history, the audit."""
    kind, changes, detail = step
    changes = dict(changes)
    if kind == "taken":
        changes["worker_id"] = worker
    if kind == "closed":
        changes["closed_on"] = day
    async with db.transaction() as tx:
        found = await referrals.get(tx, referral_id)
        assert found is not None
        assert await referrals.move(tx, found, at, **changes)
        await referrals.event(tx, referral_id, at, day, worker, kind, detail)
        await audit.record(tx, at, worker, f"referral.{kind}", "referral", referral_id,
                           {"detail": detail} if detail else None)
