"""The demo's cast and its year of history, written through the storage layer."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.cadence import ContactKind
from bot.domain.households import Category, HouseholdInput, Service
from bot.domain.reports import Category as ReportCategory
from bot.domain.reports import Draft, Status, Urgency
from storage import areas, contacts, flows, households, pairings, people, reports, triage
from storage.db import Database

# Two streets (东门街道: 东门, 湖贝; 翠竹街道: 翠竹, 水贝); the area model has no streets yet.
COMMUNITIES = ("东门社区", "湖贝社区", "翠竹社区", "水贝社区")
PROGRAM = 1  # the one-to-one promise every deployment starts with (migration 0004)
REPORT_FLOW, REPORT_CONFIRM = "report", "confirm"


@dataclass(frozen=True)
class Persona:
    """Someone in the demo who can have a phone on the page."""

    id: int
    name: str
    role: str  # resident | worker | coordinator
    language: str  # zh | en
    communities: tuple[int, ...] = ()  # indexes into COMMUNITIES (workers)
    phone: str = ""
    shown: bool = False  # a phone on the page from the start


CAST = (
    Persona(1001, "Mary", "resident", "en", phone="+8613800001001", shown=True),
    Persona(7001, "Li Wei", "worker", "en", (0, 1), shown=True),
    Persona(9001, "Wang Fang", "coordinator", "en", shown=True),
    Persona(7002, "张秀英", "worker", "zh", (2, 3)),
    Persona(1002, "李阿姨", "resident", "zh", phone="+8613800001002"),
    Persona(7003, "陈志强", "worker", "zh", (0,)),
    Persona(7004, "刘洋", "worker", "zh", (2,)),
    Persona(1003, "周先生", "resident", "zh", phone="+8613800001003"),
)
COORDINATORS = tuple(p.id for p in CAST if p.role == "coordinator")

_HOUSEHOLDS = (
    "黄伯伯", "吴婆婆", "郑家", "孙奶奶", "何小军", "林伯", "罗阿姨", "高家", "梁爷爷", "谢家",
    "宋婆婆", "唐小妹", "许伯", "韩家", "冯奶奶", "邓家", "曹伯伯", "彭阿姨", "曾家", "萧爷爷",
    "田婆婆", "董家", "袁伯", "潘小明",
)
_STREETS = ("东门中路", "湖贝路", "翠竹路", "水贝一路")
_CAUSES = ("独居，腿脚不便", "失业半年以上", "大病住院，开支大", "孩子无人照看", "低保，收入不稳")
_NEEDS = ("每周电话问候", "陪同就医", "申请临时救助", "课业辅导", "上门送餐")
# Which workers pair with the households of each community.
_PAIRED_BY = {0: (7001, 7003), 1: (7001,), 2: (7002, 7004), 3: (7002,)}


@dataclass(frozen=True)
class _Report:
    reporter: int
    category: ReportCategory
    description: str
    community: int
    urgency: Urgency
    age: timedelta
    status: Status
    taker: int | None = None


_REPORTS = (
    _Report(1003, ReportCategory.HEALTH, "楼下的王伯摔倒了，自己起不来，家里没人", 0,
            Urgency.DANGER, timedelta(minutes=40), Status.NEW),
    _Report(1002, ReportCategory.ELDERLY_ALONE, "隔壁阿婆三天没出门了，敲门也没人应", 1,
            Urgency.SOON, timedelta(hours=3), Status.NEW),
    _Report(1001, ReportCategory.MONEY_FOOD, "A family on the 5th floor has had no food for "
            "two days since the father lost his job", 1, Urgency.SOON, timedelta(days=2),
            Status.ACKNOWLEDGED, 7001),
    _Report(1002, ReportCategory.CHILD, "楼上的孩子放学后总是一个人在楼道里等到很晚", 2,
            Urgency.NOT_URGENT, timedelta(days=20), Status.RESOLVED, 7002),
    _Report(1003, ReportCategory.HOUSING, "出租屋漏水很严重，老人住在里面", 0,
            Urgency.SOON, timedelta(days=45), Status.REFERRED, 7001),
    _Report(1001, ReportCategory.LONELINESS, "An old man in building 3 sits alone all day and "
            "says nobody visits him", 3, Urgency.NOT_URGENT, timedelta(days=90),
            Status.CLOSED, 7002),
)


async def seed(db: Database, now: datetime, zone: ZoneInfo) -> None:
    """Fill an empty demo database: communities, the cast, households, pairings, a year of
    contacts and reports in every state, as of `now`."""
    rng = random.Random(15)  # the same demo every time
    today = now.astimezone(zone).date()
    await areas.seed(db, COMMUNITIES, now - timedelta(days=400))
    by_name = {a.name: a.id for a in await areas.active(db)}
    area_ids = [by_name[name] for name in COMMUNITIES]
    await _cast(db, area_ids, now)
    for index, name in enumerate(_HOUSEHOLDS):
        await _household(db, rng, index, name, area_ids, today, now)
    for number, item in enumerate(_REPORTS, start=1):
        await _report(db, number, item, area_ids, now)


async def _cast(db: Database, area_ids: list[int], now: datetime) -> None:
    """Everyone in CAST, workers joined through an invite as in real life."""
    joined = now - timedelta(days=420)
    for person in CAST:
        await people.touch(db, person.id, person.name, None, joined,
                           person.role == "coordinator", person.language)
        await people.set_language(db, person.id, person.language, joined)
        if person.role == "worker":
            code = f"demo{person.id}"
            await triage.create_invite(db, code, COORDINATORS[0], joined, joined + timedelta(1))
            await triage.join(db, code, person.id, person.name,
                              [area_ids[i] for i in person.communities], joined)


async def _household(db: Database, rng: random.Random, index: int, name: str,
                     area_ids: list[int], today: date, now: datetime) -> None:
    """One household; all but the last two are paired and have a year of contacts."""
    community = index % len(COMMUNITIES)
    categories = list(Category)
    data = HouseholdInput(
        name, area_ids[community], f"{_STREETS[community]}{10 + index}号{rng.randint(1, 6)}0"
        f"{rng.randint(1, 4)}室", rng.randint(1, 5), categories[index % len(categories)],
        _CAUSES[index % len(_CAUSES)], _NEEDS[index % len(_NEEDS)],
        f"1380000{2000 + index}", f"DM-{index + 1:03d}")
    made = await households.create(db, data, now - timedelta(days=400))
    if index >= len(_HOUSEHOLDS) - 2:
        return  # left unpaired, for the coordinator's /pair
    choices = _PAIRED_BY[community]
    worker = choices[(index // len(COMMUNITIES)) % len(choices)]
    started = today - timedelta(days=20 if index == 0 else 400)
    outcome = await pairings.pair(db, made.id, worker, PROGRAM, started, now)
    for kind, day in _history(rng, started, today):
        services = rng.sample([s.value for s in Service], rng.randint(1, 3))
        await contacts.add(db, contacts.NewContact(
            made.id, worker, kind, day, services, rng.randint(1, 3),
            rng.choice(("身体还好，情绪稳定", "需要帮忙申请补助", "家里收拾得很干净", "")),
            rng.randint(2, 5), pairing_id=outcome.pairing_id),
            datetime.combine(day, now.timetz()))


def _history(rng: random.Random, started: date, today: date) -> list[tuple[ContactKind, date]]:
    """Calls, visits and deeds over the past year, some periods left unmet."""
    found: list[tuple[ContactKind, date]] = []
    for kind, span, times, chance in ((ContactKind.CALL, 91, 5, 0.7),
                                      (ContactKind.VISIT, 182, 2, 0.6),
                                      (ContactKind.DEED, 300, 1, 0.5)):
        for k in range(times):
            day = today - timedelta(days=k * span + rng.randint(0, span - 10))
            if day >= started and rng.random() < chance:
                found.append((kind, day))
    return sorted(found, key=lambda item: item[1])


async def _report(db: Database, number: int, item: _Report, area_ids: list[int],
                  now: datetime) -> None:
    """One report, submitted as the flow would, then moved along to its state."""
    made = now - item.age
    draft = Draft(category=item.category, description=item.description,
                  address=f"{_STREETS[item.community]}{number * 7}号",
                  area_id=area_ids[item.community], urgency=item.urgency, anonymous=False,
                  phone=next(p.phone for p in CAST if p.id == item.reporter))
    await flows.put(db, item.reporter, REPORT_FLOW, REPORT_CONFIRM, draft.to_data(), made)
    submitted = await reports.submit(db, item.reporter, REPORT_FLOW, REPORT_CONFIRM, made, 1000)
    report = submitted.report
    assert report is not None
    if item.status is Status.NEW:
        return  # routed to the workers by the first tick, and escalated if urgent
    await triage.mark_routed(db, report.id, made)
    assert item.taker is not None
    await triage.take(db, report.id, item.taker, made + timedelta(hours=1))
    if item.status is Status.ACKNOWLEDGED:
        return
    kind = {Status.RESOLVED: "resolved", Status.REFERRED: "referred"}.get(item.status)
    done = made + timedelta(days=3)
    if kind is not None:
        await triage.change(db, report.id, actor=item.taker, now=done, kind=kind,
                            expect=Status.ACKNOWLEDGED, to=item.status, detail="已上门处理")
        return
    await triage.change(db, report.id, actor=COORDINATORS[0], now=done, kind="closed",
                        expect=Status.ACKNOWLEDGED, to=Status.CLOSED, detail="已解决")
