"""The demo without a browser: what the page is sent, the clock buttons, bad input, safety."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.botapi.html import parse_html
from bot.demo import app as demo_app
from bot.demo.clock import target
from bot.demo.render import deep_links, entities_html
from bot.demo.seed import CAST
from tests.conftest import ROOT, ZONE
from tests.e2e.reporting import label

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=ZONE)  # a Wednesday


@pytest.mark.parametrize(("source", "shown"), [
    ("<b>R-0001</b> &lt;script&gt;", "<b>R-0001</b> &lt;script&gt;"),
    ("a <b>b <i>c</i></b> d", "a <b>b <i>c</i></b> d"),
    ("😀 <i>x&amp;y</i>", "😀 <i>x&amp;y</i>"),
    ('<a href="javascript:alert(1)">x</a>', "x"),
    ('<a href="https://t.me/x?start=1">join</a>',
     '<a href="https://t.me/x?start=1" target="_blank" rel="noopener">join</a>'),
])
def test_messages_are_drawn_from_text_and_entities_only(source: str, shown: str) -> None:
    parsed = parse_html(source)
    assert entities_html(parsed.text, parsed.entities) == shown


def test_an_invite_link_in_plain_text_can_be_opened_on_the_page() -> None:
    body = "Send this link:\nhttps://t.me/zhongfu_demo_bot?start=inv_AB12\n"
    assert deep_links(body) == (
        'Send this link:\n<a class="deeplink" href="#" data-start="inv_AB12">'
        "https://t.me/zhongfu_demo_bot?start=inv_AB12</a>\n")


@pytest.mark.parametrize(("preset", "typed", "expected"), [
    ("hour", "", datetime(2026, 11, 18, 11, 0, tzinfo=ZONE)),
    ("tomorrow", "", datetime(2026, 11, 19, 9, 0, tzinfo=ZONE)),
    ("monday", "", datetime(2026, 11, 23, 9, 0, tzinfo=ZONE)),
    ("month", "", datetime(2026, 12, 1, 9, 0, tzinfo=ZONE)),
    ("", "2027-03-01T09:00", datetime(2027, 3, 1, 9, 0, tzinfo=ZONE)),
])
def test_clock_buttons_move_to_local_mornings(preset: str, typed: str,
                                              expected: datetime) -> None:
    assert target(NOW, preset, typed) == expected


@pytest.mark.parametrize(("preset", "typed"), [("", ""), ("yesterday", ""), ("", "1 March")])
def test_clock_refuses_what_it_cannot_read(preset: str, typed: str) -> None:
    with pytest.raises(ValueError):
        target(NOW, preset, typed)


def test_the_bot_gets_a_fake_token_and_the_demo_database_whatever_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHONGFU_DATABASE", "/srv/zhongfu/production.sqlite3")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "999999:PRODUCTION-token-xxxx")
    monkeypatch.setenv("TELEGRAM_API_URL", "https://api.telegram.org/bot")
    monkeypatch.setenv("ZHONGFU_COORDINATOR_CHAT", "-1001234567890")
    env = demo_app.Demo(tmp_path, NOW).env()
    assert env["ZHONGFU_DATABASE"] == str(tmp_path / "demo.sqlite3")
    assert env["TELEGRAM_BOT_TOKEN"] == demo_app.TOKEN
    assert env["TELEGRAM_API_URL"].startswith("http://127.0.0.1:")
    assert env["ZHONGFU_COORDINATOR_CHAT"] == ""


def test_demo_refuses_a_folder_that_holds_anything(tmp_path: Path) -> None:
    (tmp_path / "zhongfu.sqlite3").write_bytes(b"precious")
    done = subprocess.run([sys.executable, "-m", "bot", "demo", "--dir", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "not empty" in done.stderr
    assert (tmp_path / "zhongfu.sqlite3").read_bytes() == b"precious"


@pytest.fixture
async def page_api(tmp_path: Path) -> AsyncIterator[tuple[demo_app.Demo, str]]:
    """The page's HTTP API over a running Bot API server (no bot: nothing answers)."""
    demo = demo_app.Demo(tmp_path, datetime.now(UTC))
    await demo.api.start()
    for person in CAST:
        demo.api.user(person.id, person.name, language_code=person.language)
    runner = web.AppRunner(demo_app.web_app(demo))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield demo, f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()
        await demo.api.stop()


async def test_bad_requests_are_refused_and_change_nothing(
        page_api: tuple[demo_app.Demo, str]) -> None:
    demo, url = page_api
    async with aiohttp.ClientSession() as http:
        refused = [
            (await http.post(f"{url}/api/chat/4242/send", json={"text": "hi"})).status,
            (await http.post(f"{url}/api/chat/1001/send", json={"text": "x" * 5000})).status,
            (await http.post(f"{url}/api/chat/1001/send", data=b"{nope")).status,
            (await http.post(f"{url}/api/chat/1001/press",
                             json={"message_id": 99, "data": "tc:1"})).status,
            (await http.post(f"{url}/api/chat/1001/reply", json={"text": "ghost"})).status,
            (await http.post(f"{url}/api/chat/1001/location",
                             json={"latitude": 123, "longitude": 0})).status,
            (await http.post(f"{url}/api/clock", json={"preset": "someday"})).status,
            (await http.get(f"{url}/api/file/nothing")).status,
        ]
        assert refused == [404, 400, 400, 409, 409, 400, 400, 404]
        assert demo.api.pending_updates == []


async def test_a_file_that_is_not_an_image_goes_as_a_document(
        page_api: tuple[demo_app.Demo, str]) -> None:
    demo, url = page_api
    async with aiohttp.ClientSession() as http:
        form = aiohttp.FormData()
        form.add_field("file", b"GIF89a-not-really", filename="cat.png", content_type="image/png")
        assert (await http.post(f"{url}/api/chat/1001/upload", data=form)).status == 200
        form = aiohttp.FormData()
        form.add_field("file", b"name,area\n", filename="list.csv", content_type="text/csv")
        assert (await http.post(f"{url}/api/chat/1001/upload", data=form)).status == 200
        form = aiohttp.FormData()
        form.add_field("file", b"", filename="empty.jpg")
        assert (await http.post(f"{url}/api/chat/1001/upload", data=form)).status == 400
        state = await (await http.get(f"{url}/api/state")).json()
    kinds = [sorted(u["message"]) for u in demo.api.pending_updates]
    assert ["photo" in k for k in kinds] == [True, False]
    assert demo.api.pending_updates[1]["message"]["document"]["file_name"] == "list.csv"
    mary = next(p for p in state["phones"] if p["id"] == 1001)
    assert mary["messages"][1]["document"]["name"] == "list.csv"


async def test_two_tabs_see_the_same_chat(page_api: tuple[demo_app.Demo, str]) -> None:
    _, url = page_api
    async with aiohttp.ClientSession() as first, aiohttp.ClientSession() as second:
        seen = (await (await first.get(f"{url}/api/state")).json())["version"]
        await second.post(f"{url}/api/chat/7001/send", json={"text": "/due"})
        state = await (await first.get(f"{url}/api/state", params={"version": seen})).json()
    worker = next(p for p in state["phones"] if p["id"] == 7001)
    assert worker["messages"][-1]["html"] == "/due"


async def test_other_sites_cannot_use_the_page_api(page_api: tuple[demo_app.Demo, str]) -> None:
    demo, url = page_api
    async with aiohttp.ClientSession() as http:
        foreign = await http.post(f"{url}/api/chat/1001/send", json={"text": "/start"},
                                  headers={"Origin": "http://evil.example"})
        rebound = await http.get(f"{url}/api/state", headers={"Host": "evil.example"})
    assert (foreign.status, rebound.status) == (403, 403)
    assert demo.api.pending_updates == []


async def test_a_document_downloads_under_its_own_name(
        page_api: tuple[demo_app.Demo, str]) -> None:
    demo, url = page_api
    stored = demo.api.store(b"PK\x03\x04", "服务对象 2026.xlsx", "application/zip", "documents")
    async with aiohttp.ClientSession() as http:
        answer = await http.get(f"{url}/api/file/{stored.file_id}")
        body = await answer.read()
    assert body == b"PK\x03\x04"
    assert answer.content_disposition is not None
    assert answer.content_disposition.type == "attachment"
    assert answer.content_disposition.filename == "服务对象 2026.xlsx"


def shown(key: str, **values: object) -> str:
    """A text as a phone shows it in English (tags removed), as a pattern to wait for."""
    return re.escape(re.sub(r"<[^>]+>", "", label("en", key, **values)))


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[demo_app.Demo]:
    """The demo as `zhongfu demo --at 2026-11-18T10:00` runs it, without the page."""
    demo = demo_app.Demo(tmp_path, NOW)
    await demo.start()
    try:
        yield demo
    finally:
        await demo.stop()


async def test_a_visitor_finds_funds_streets_figures_and_a_service_file_with_aid(
        running: demo_app.Demo) -> None:
    coordinator, worker = running.api.users[9001], running.api.users[7001]
    # /funds: this year's aid by fund, to the fen.
    await coordinator.send("/funds")
    # (The digest of the demo's start may still be arriving on the same phone.)
    funds = await coordinator.expect(shown("funds.title", year=2026, amount="39,060.50",
                                           households=11), timeout=30)
    for name, amount, households in (("区慈善会（大爱罗湖）", "25,960.50", 6),
                                     ("街道慈善基金", "2,800.00", 2),
                                     ("社区基金", "820.00", 2), ("政府救助", "9,000.00", 2)):
        assert re.sub(r"<[^>]+>", "", label("en", "funds.line", name=name, amount=amount,
                                            households=households)) in funds.plain
    # /areas: the communities grouped into streets.
    await coordinator.send("/areas")
    grouped = "\n".join(
        label("en", "triage.areas.street", street=street) if community is None
        else label("en", "triage.areas.line", name=community)
        for street, community in (("东门街道", None), ("", "东门社区"), ("", "湖贝社区"),
                                  ("翠竹街道", None), ("", "水贝社区"), ("", "翠竹社区")))
    await coordinator.expect(re.escape(re.sub(r"<[^>]+>", "", grouped)))
    # /stats for the year: aid paid, group activities and micro-projects.
    await coordinator.send("/stats 2026-01-01 2026-11-18")
    activities = await coordinator.expect(shown("stats.aid_title", amount="39,060.50",
                                                entries=15, households=11), timeout=30)
    assert re.sub(r"<[^>]+>", "", label("en", "stats.activities_title")) in activities.plain
    assert re.sub(r"<[^>]+>", "", label(
        "en", "stats.activities_line", kind=label("en", "activity.kind.holiday_visit"),
        count=1, people=15)) in activities.plain
    assert "四点半课堂" in activities.plain
    # /projects: the micro-projects with their budgets.
    await coordinator.send("/projects")
    await coordinator.expect("长者饭堂助餐: budget 80,000.00 yuan", timeout=30)
    # A worker opens a household's service file: aid given and the wellbeing trend.
    await worker.send("/households")
    listing = await worker.expect(shown("households.title", count=10))
    await worker.press("韩家", in_message=listing)
    file = await worker.expect(shown("aid.file.title", count=2, amount="5,480.00"))
    assert re.sub(r"<[^>]+>", "", label("en", "aid.file.goods", description="棉被",
                                        quantity=4)) in file.plain
    assert re.search(r"Wellbeing .*: 1 → .* → 4 ↑ better", file.plain)
