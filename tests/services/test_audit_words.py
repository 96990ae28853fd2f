"""The audit trail in words, over a real SQLite file: every kind of object the code records is
named (escaped, as typed), one since deleted or erased says so, and dates read as dates."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.domain.figures import Span
from bot.services import audit as trail
from bot.services.erasure import erase_person
from storage import aid, areas, audit
from storage.audit import NAMED_KINDS
from storage.clock import to_db
from storage.db import Database
from tests.use_cases import services_for

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
COORDINATOR, RESIDENT = 9001, 1001
ROOT = Path(__file__).resolve().parents[2]
# Kinds put in words otherwise than by a name: the trail's filter, an export's days, a
# report's reference, a roster import's counts, an invite (its code is a secret: no words).
WORDED = {"audit", "figures", "report", "import", "invite"}


@pytest.fixture
async def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    database = await Database.open(tmp_path / "z.sqlite3")
    await areas.seed(database, ["东门社区"], NOW)
    async with database.transaction() as tx:
        for telegram_id, name, role in ((COORDINATOR, "王协调", "resident"),
                                        (RESIDENT, "李阿姨", "resident")):
            await tx.execute(
                "INSERT INTO people (telegram_id, display_name, role, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)", (telegram_id, name, role, to_db(NOW), to_db(NOW)))
    yield database
    await database.close()


async def about(db: Database, lang: str = "zh") -> list[str]:
    """What each entry is about, newest first, as a reader in `lang` sees it (HTML)."""
    found = await trail.page(services_for(db, NOW), lang)
    return [str(line.about) for line in found.lines]


def object_types_in_code() -> set[str]:
    """The object type of every entry the code writes (the argument after the action)."""
    places = {("record", None): 4, ("record", "audit"): 4, ("add", "audit"): 4,
              ("note", "trail"): 3}
    found: set[str] = set()
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "storage").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            place = places.get((name, getattr(getattr(func, "value", None), "id", None)))
            if place is None or len(node.args) <= place:
                continue
            kind = node.args[place]
            if path.name == "audit.py" and isinstance(kind, ast.Name):
                continue  # storage's `add` and the use cases' `note` pass their caller's on
            assert isinstance(kind, ast.Constant), f"{path}:{node.lineno}"
            found.add(str(kind.value))
    return found


def test_every_kind_of_object_the_trail_records_is_put_in_words() -> None:
    written = object_types_in_code()
    assert {"household", "fund", "area", "program", "figures"} <= written  # the scan works
    assert written - NAMED_KINDS - WORDED == set()


async def test_names_are_escaped_and_an_object_deleted_or_erased_says_so(db: Database) -> None:
    fund = await aid.add_fund(db, "<b>爱心</b>&超市", COORDINATOR, NOW)
    assert fund is not None
    await audit.add(db, NOW, COORDINATOR, "fund.retire", "fund", 99)  # no such fund (now)
    await audit.add(db, NOW, COORDINATOR, "street.remove", "street", 42, {"name": "东门街道"})
    await audit.add(db, NOW, COORDINATOR, "view.audit", "audit", "p424242")
    await audit.add(db, NOW, COORDINATOR, "view.audit", "audit", "h77")
    await audit.add(db, NOW, COORDINATOR, "view.audit", "audit", "zz")  # not a filter
    await audit.add(db, NOW, COORDINATOR, "export", "figures", "20261301-x")  # not days
    await audit.add(db, NOW, COORDINATOR, "role.join", "person", "")
    await erase_person(services_for(db, NOW), RESIDENT, COORDINATOR, NOW)
    assert await about(db) == [
        " 一位已匿名的居民", "", "", "", "（一户已删除的服务对象）", "（一位已匿名人员的操作）",
        "“东门街道”（已删除）", "（已删除的资金来源）", "“&lt;b&gt;爱心&lt;/b&gt;&amp;超市”"]
    assert await about(db, "en") == [
        " a resident, now anonymous", "", "", "", " (a household since deleted)",
        " (what a person now anonymous did)", ": 东门街道 (since deleted)",
        " (a deleted fund)", ": &lt;b&gt;爱心&lt;/b&gt;&amp;超市"]


async def test_a_name_given_then_changed_since_shows_both(db: Database) -> None:
    await audit.add(db, NOW, COORDINATOR, "program.limit", "program", 1)  # the seeded one
    await audit.add(db, NOW, COORDINATOR, "area.add", "area", 1, {"name": "东门"})
    assert await about(db) == ["“东门”（现名“东门社区”）", "“一对一结对帮扶”"]
    assert await about(db, "en") == [": 东门 (now 东门社区)", ": one-to-one pairing"]


@pytest.mark.parametrize(("start", "end", "zh", "en"), [
    (date(2026, 11, 1), date(2026, 11, 30), "2026年11月1日至11月30日", "1–30 Nov 2026"),
    (date(2026, 11, 5), date(2026, 11, 5), "2026年11月5日", "5 Nov 2026"),
    (date(2026, 10, 15), date(2026, 11, 14), "2026年10月15日至11月14日",
     "15 Oct – 14 Nov 2026"),
    (date(2025, 12, 1), date(2026, 2, 28), "2025年12月1日至2026年2月28日",
     "1 Dec 2025 – 28 Feb 2026"),
])
async def test_an_exports_days_read_as_people_write_them(db: Database, start: date, end: date,
                                                        zh: str, en: str) -> None:
    await audit.add(db, NOW, COORDINATOR, "export", "figures", Span(start, end).code)
    assert await about(db) == [f"（{zh}）"]
    assert await about(db, "en") == [f" for {en}"]
