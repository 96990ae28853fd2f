"""The demo's cast and its year of history, written through the storage layer."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.demo import programme
from bot.domain.cadence import ContactKind
from bot.domain.causes import Cause
from bot.domain.households import Category, HouseholdInput, Service
from bot.domain.reports import Category as ReportCategory
from bot.domain.reports import Draft, Status, Urgency
from storage import areas, contacts, flows, households, pairings, people, reports, triage
from storage.db import Database

# Grouped into two streets by bot.demo.programme (东门街道: 东门, 湖贝; 翠竹街道: 翠竹, 水贝).
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


@dataclass(frozen=True)
class _Profile:
    """A household of the registry: who they are, why in hardship, and how they fare."""

    name: str
    categories: tuple[Category, ...]  # the primary first
    causes: tuple[Cause, ...]  # from the district's list
    story: str  # the rest of the causes, in the worker's words
    needs: str
    wellbeing: tuple[int, int]  # the score at the first contact, and at the last


_C, _K = Category, Cause
_PROFILES = (
    _Profile("黄伯伯", (_C.ELDERLY_ALONE, _C.TEKUN), (_K.ILLNESS, _K.ALONE), "腿脚不便，很少下楼",
             "每周电话问候、陪同就医", (3, 3)),
    _Profile("吴婆婆", (_C.DIBAO, _C.ELDERLY_ALONE), (_K.NO_LABOUR, _K.ALONE), "",
             "上门送餐", (4, 2)),
    _Profile("郑家", (_C.DIBIAN, _C.SINGLE_PARENT), (_K.SCHOOLING, _K.SINGLE_PARENT),
             "两个孩子都在读书", "课业辅导", (2, 4)),
    _Profile("孙奶奶", (_C.TEKUN, _C.SEVERE_DISABILITY), (_K.DISABILITY, _K.ALONE), "",
             "生活照料", (2, 3)),
    _Profile("何小军", (_C.ORPHAN, _C.CHILD_DIFFICULTY), (_K.OTHER,), "父母双亡，随年迈的祖母生活",
             "课业辅导、心理疏导", (2, 4)),
    _Profile("林伯", (_C.SERIOUS_ILLNESS, _C.DIBIAN), (_K.ILLNESS,), "尿毒症，每周透析三次",
             "陪同就医", (2, 3)),
    _Profile("罗阿姨", (_C.UNEMPLOYED, _C.SINGLE_PARENT), (_K.UNEMPLOYMENT, _K.SINGLE_PARENT),
             "工厂关停后失业半年以上", "就业推荐", (2, 4)),
    _Profile("高家", (_C.SPENDING_POVERTY, _C.SERIOUS_ILLNESS), (_K.ILLNESS, _K.SCHOOLING),
             "孩子白血病治疗，开支大", "申请临时救助", (1, 3)),
    _Profile("梁爷爷", (_C.TEKUN, _C.ELDERLY_ALONE), (_K.NO_LABOUR, _K.ALONE), "",
             "上门送餐", (3, 4)),
    _Profile("谢家", (_C.DIBAO, _C.UNEMPLOYED), (_K.ILLNESS, _K.UNEMPLOYMENT),
             "夫妻俩都没有稳定收入", "就业推荐", (2, 3)),
    _Profile("宋婆婆", (_C.ELDERLY_ALONE,), (_K.ALONE,), "子女在外地", "每周电话问候", (3, 4)),
    _Profile("唐小妹", (_C.UNSUPPORTED_CHILD, _C.CHILD_DIFFICULTY), (_K.SINGLE_PARENT,),
             "父亲服刑，母亲离家，由姑姑照看", "课业辅导、精神慰藉", (2, 4)),
    _Profile("许伯", (_C.SEVERE_DISABILITY, _C.DIBAO), (_K.DISABILITY, _K.NO_LABOUR), "",
             "生活照料", (3, 3)),
    _Profile("韩家", (_C.DIBIAN, _C.SPENDING_POVERTY), (_K.DISASTER, _K.ACCIDENT), "家中失火",
             "申请临时救助", (1, 4)),
    _Profile("冯奶奶", (_C.DIBAO, _C.ELDERLY_ALONE), (_K.ILLNESS, _K.ALONE), "", "陪同就医",
             (3, 3)),
    _Profile("邓家", (_C.SINGLE_PARENT, _C.DIBIAN), (_K.SCHOOLING, _K.SINGLE_PARENT), "",
             "课业辅导", (2, 4)),
    _Profile("曹伯伯", (_C.SERIOUS_ILLNESS, _C.TEKUN), (_K.ILLNESS, _K.ALONE), "癌症术后",
             "陪同就医", (2, 3)),
    _Profile("彭阿姨", (_C.UNEMPLOYED,), (_K.UNEMPLOYMENT,), "", "就业推荐", (3, 4)),
    _Profile("曾家", (_C.CHILD_DIFFICULTY, _C.DIBAO), (_K.DISABILITY, _K.SCHOOLING),
             "孩子患自闭症", "康复训练", (2, 3)),
    _Profile("萧爷爷", (_C.ELDERLY_ALONE, _C.DIBIAN), (_K.ALONE,), "", "上门送餐", (4, 3)),
    _Profile("田婆婆", (_C.DIBAO,), (_K.ILLNESS,), "高血压、糖尿病", "陪同就医", (3, 3)),
    _Profile("董家", (_C.SPENDING_POVERTY, _C.DIBIAN), (_K.ACCIDENT, _K.NO_LABOUR),
             "丈夫工伤卧床", "申请临时救助", (2, 3)),
    _Profile("袁伯", (_C.TEKUN,), (_K.NO_LABOUR, _K.ALONE), "", "生活照料", (3, 3)),
    _Profile("潘小明", (_C.UNSUPPORTED_CHILD,), (_K.OTHER,), "父母外出务工后失联",
             "课业辅导", (3, 3)),
)
_ROADS = ("东门中路", "湖贝路", "翠竹路", "水贝一路")
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
    contacts and reports in every state, then the streets, aid, micro-projects, group
    activities and referrals (bot.demo.programme), as of `now`."""
    rng = random.Random(15)  # the same demo every time
    today = now.astimezone(zone).date()
    await areas.seed(db, COMMUNITIES, now - timedelta(days=400))
    by_name = {a.name: a.id for a in await areas.active(db)}
    area_ids = [by_name[name] for name in COMMUNITIES]
    await _cast(db, area_ids, now)
    household_ids = {profile.name: await _household(db, rng, index, profile, area_ids, today,
                                                    now)
                     for index, profile in enumerate(_PROFILES)}
    report_ids = [await _report(db, number, item, area_ids, now)
                  for number, item in enumerate(_REPORTS, start=1)]
    held = next(r for r, item in zip(report_ids, _REPORTS, strict=True)
                if item.status is Status.ACKNOWLEDGED)
    await programme.seed(db, programme.Cast(area_ids, household_ids, COORDINATORS[0], held),
                         today, now)


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


async def _household(db: Database, rng: random.Random, index: int, profile: _Profile,
                     area_ids: list[int], today: date, now: datetime) -> int:
    """One household (its id); all but the last two are paired and have a year of contacts."""
    community = index % len(COMMUNITIES)
    data = HouseholdInput(
        profile.name, area_ids[community], f"{_ROADS[community]}{10 + index}号"
        f"{rng.randint(1, 6)}0{rng.randint(1, 4)}室", rng.randint(1, 5), profile.categories[0],
        profile.story, profile.needs, f"1380000{2000 + index}", f"DM-{index + 1:03d}",
        categories=profile.categories, cause_codes=profile.causes)
    made = await households.create(db, data, now - timedelta(days=400))
    if index >= len(_PROFILES) - 2:
        return made.id  # left unpaired, for the coordinator's /pair
    choices = _PAIRED_BY[community]
    worker = choices[(index // len(COMMUNITIES)) % len(choices)]
    started = today - timedelta(days=20 if index == 0 else 400)
    outcome = await pairings.pair(db, made.id, worker, PROGRAM, started, now)
    history = _history(rng, started, today)
    for step, (kind, day) in enumerate(history):
        services = rng.sample([s.value for s in Service], rng.randint(1, 3))
        await contacts.add(db, contacts.NewContact(
            made.id, worker, kind, day, services, rng.randint(1, 3),
            rng.choice(("身体还好，情绪稳定", "需要帮忙申请补助", "家里收拾得很干净", "")),
            wellbeing_at(profile.wellbeing, step, len(history)),
            pairing_id=outcome.pairing_id),
            datetime.combine(day, now.timetz()))
    return made.id


def wellbeing_at(span: tuple[int, int], step: int, steps: int) -> int:
    """The score logged with contact `step` of `steps`: from the first score to the last, in
    even steps (the service file shows the trend)."""
    first, last = span
    return round(first + (last - first) * step / max(steps - 1, 1))


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
                  now: datetime) -> int:
    """One report (its id), submitted as the flow would, then moved along to its state."""
    made = now - item.age
    draft = Draft(category=item.category, description=item.description,
                  address=f"{_ROADS[item.community]}{number * 7}号",
                  area_id=area_ids[item.community], urgency=item.urgency, anonymous=False,
                  phone=next(p.phone for p in CAST if p.id == item.reporter))
    await flows.put(db, item.reporter, REPORT_FLOW, REPORT_CONFIRM, draft.to_data(), made)
    submitted = await reports.submit(db, item.reporter, REPORT_FLOW, REPORT_CONFIRM, made, 1000)
    report = submitted.report
    assert report is not None
    if item.status is Status.NEW:
        return report.id  # routed to the workers by the first tick, and escalated if urgent
    await triage.mark_routed(db, report.id, made)
    assert item.taker is not None
    await triage.take(db, report.id, item.taker, made + timedelta(hours=1))
    if item.status is Status.ACKNOWLEDGED:
        return report.id
    kind = {Status.RESOLVED: "resolved", Status.REFERRED: "referred"}.get(item.status)
    done = made + timedelta(days=3)
    if kind is not None:
        await triage.change(db, report.id, actor=item.taker, now=done, kind=kind,
                            expect=Status.ACKNOWLEDGED, to=item.status, detail="已上门处理")
        return report.id
    await triage.change(db, report.id, actor=COORDINATORS[0], now=done, kind="closed",
                        expect=Status.ACKNOWLEDGED, to=Status.CLOSED, detail="已解决")
    return report.id
