"""`zhongfu demo` driven in headless Chromium: three people use the real bot in one page."""

from __future__ import annotations

import asyncio
import io
import os
import re
import signal
import sys
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, async_playwright, expect

from tests.conftest import ROOT
from tests.e2e.reporting import label

CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium, never a downloaded browser (`playwright install` is not used).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
RESIDENT, WORKER, COORDINATOR = 1001, 7001, 9001
WAIT_MS = 20_000
DIGEST_PICTURES = 7  # the demo's programmes have six rules, and the trend
# A 1x1 PNG: the photo a resident adds to the report.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8cfc0f01f0005000201e7a1b9b10000000049454e44ae426082")


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[str]:
    """`zhongfu demo` as a newcomer runs it; yields the page's URL."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_PROXY": "127.0.0.1,localhost",
           # The demo must ignore these: it never uses a production database or token.
           "ZHONGFU_DATABASE": str(tmp_path / "production.sqlite3"),
           "TELEGRAM_BOT_TOKEN": "999999:PRODUCTION-token-never-used",
           "TELEGRAM_API_URL": "https://api.telegram.org/bot"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "demo", "--port", "0", "--at", "2026-11-18T10:00",
        "--dir", str(tmp_path / "demo"), cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 90)
    found = re.search(r"http://127\.0\.0\.1:\d+/", line.decode())
    try:
        assert found, f"no URL printed: {line!r}"
        yield found.group(0)
    finally:
        proc.send_signal(signal.SIGINT)
        rest, _ = await asyncio.wait_for(proc.communicate(), 30)
        assert not (tmp_path / "production.sqlite3").exists()
        if (tmp_path / "demo" / "bot.log").exists():
            sys.stderr.write((tmp_path / "demo" / "bot.log").read_text()[-5000:])
        sys.stderr.write(rest.decode(errors="replace")[-3000:])


def chromium() -> Path:
    """Debian's Chromium; the test fails (never skips) without it."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium with "
                    "`apt-get install -y chromium` (never `playwright install`)")
    return CHROMIUM


def screenshots(tmp_path: Path) -> Path:
    """Where the page's picture goes: ZHONGFU_SCREENSHOTS (e.g. docs/), else the test's folder."""
    folder = Path(os.environ.get("ZHONGFU_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium from Debian's package."""
    executable = chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(executable),
                                                    args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


def en(key: str, **values: object) -> str:
    """A text as the bot shows it in English, first line, tags removed."""
    return re.sub(r"<[^>]+>", "", label("en", key, max=3, count=0, **values)).split("\n")[0]


def phone(page: Page, person: int) -> Locator:
    """One phone on the page."""
    return page.locator(f'[data-phone="{person}"]')


async def says(where: Locator, text: str) -> None:
    """Wait until the phone's chat shows text."""
    await expect(where.locator(".messages")).to_contain_text(text, timeout=WAIT_MS)


async def send(where: Locator, text: str) -> None:
    """Type a message and press Enter."""
    box = where.locator("input[name=text]")
    await box.fill(text)
    await box.press("Enter")


async def press(where: Locator, text: str) -> None:
    """Press the newest button (inline or reply keyboard) with this label."""
    button = where.locator("button.inline-button, button.reply-button", has_text=text).last
    await button.click(timeout=WAIT_MS)


@pytest.mark.slow
async def test_resident_reports_worker_takes_coordinator_sees_the_chart(
        demo: str, browser: Browser, tmp_path: Path) -> None:
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    await page.goto(demo)
    resident, worker = phone(page, RESIDENT), phone(page, WORKER)
    await expect(page.locator("[data-phone]")).to_have_count(3, timeout=WAIT_MS)
    await expect(page.locator("#safety")).to_contain_text("nothing reaches Telegram")

    # The resident starts a report from the command menu of their role.
    await resident.locator(".menu-button").click()
    await resident.locator(".menu div", has_text="/report").click()
    await says(resident, en("report.ask.category"))
    await press(resident, label("en", "report.category.elderly_alone"))
    await says(resident, en("report.ask.description", minutes=5))
    await send(resident, "The old man downstairs has not left his flat for three days")
    await says(resident, en("report.ask.subject"))

    # A reload in the middle of the flow loses nothing: the chat comes from the server.
    await page.reload()
    resident, worker = phone(page, RESIDENT), phone(page, WORKER)
    await says(resident, en("report.ask.subject"))
    await press(resident, "Skip")

    # Sharing a location: the reply keyboard's button opens the picker; a point is clicked.
    await says(resident, en("report.ask.place"))
    await press(resident, label("en", "report.button.share_location"))
    await resident.locator(".map").click(position={"x": 60, "y": 50})
    await resident.locator("button.share").click()
    await says(resident, "📍 22.5")
    await press(resident, label("en", "report.button.next"))
    await says(resident, en("report.ask.area"))
    await press(resident, "东门社区")
    await press(resident, label("en", "report.urgency.soon"))
    await says(resident, en("report.ask.photos"))

    # Something that is not an image goes as a document; then a real photo.
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "notes.txt").write_text("not an image")
    (uploads / "door.png").write_bytes(PNG)
    await resident.locator("input[type=file]").set_input_files(str(uploads / "notes.txt"))
    await says(resident, "notes.txt")
    await resident.locator("input[type=file]").set_input_files(str(uploads / "door.png"))
    await expect(resident.locator(".msg.me img")).to_have_count(1, timeout=WAIT_MS)
    await press(resident, label("en", "report.button.done"))
    await press(resident, label("en", "report.button.anonymous"))
    await press(resident, label("en", "report.button.confirm"))
    await says(resident, "R-0007")

    # The worker gets the report with a Take button, in a second tab too.
    second = await context.new_page()
    await second.goto(demo)
    await says(phone(second, WORKER), "R-0007")
    card = worker.locator(".msg", has_text="R-0007").last
    await card.locator("button", has_text=label("en", "triage.button.take")).click()
    # The card changes in place and its Take button disappears.
    await expect(card.locator("button", has_text=label("en", "triage.button.take"))
                 ).to_have_count(0, timeout=WAIT_MS)
    await says(phone(second, WORKER), "R-0007")

    # The resident hears that the report was taken.
    await says(resident, en("triage.reporter.taken", ref="R-0007"))
    await page.screenshot(path=str(tmp_path / "taken.png"))

    # A closed and reopened browser finds everything where it was.
    await context.close()
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    await page.goto(demo)
    coordinator = phone(page, COORDINATOR)
    await says(phone(page, RESIDENT), en("triage.reporter.taken", ref="R-0007"))
    # A digest's pictures: one per rule of each programme (the one-to-one promise, and the
    # same promise to orphans and unsupported children), then the trend. The demo starts on a
    # Wednesday whose weekly digest was not sent yet: that one comes first, whenever the tick
    # has drawn it (on a busy machine, after this page is open), then /digest's.
    pictures = coordinator.locator(".msg.bot img")
    await expect(pictures).to_have_count(DIGEST_PICTURES, timeout=60_000)
    await send(coordinator, "/digest")
    await expect(pictures).to_have_count(2 * DIGEST_PICTURES, timeout=WAIT_MS)
    chart = coordinator.locator(".msg.bot img").last
    await chart.scroll_into_view_if_needed()
    width = await chart.evaluate("img => img.complete ? img.naturalWidth : 0")
    assert width > 100, "the digest chart did not load as an image"
    await page.screenshot(path=str(tmp_path / "digest.png"))
    await page.screenshot(path=str(screenshots(tmp_path) / "demo.png"))

    # More phones on request: a second worker, who writes Chinese and has the worker's menu.
    await page.locator("#add").select_option(label="张秀英 (worker, zh)")
    second_worker = phone(page, 7002)
    await expect(second_worker).to_be_visible(timeout=WAIT_MS)
    await second_worker.locator(".menu-button").click()
    await expect(second_worker.locator(".menu div", has_text="/due")).to_have_count(1)
    await second_worker.locator(".menu div", has_text="/due").click()
    await says(second_worker, "/due")

    # The coordinator invites a worker; a resident opens the link on their phone and joins.
    await send(coordinator, "/invite")
    await says(coordinator, "Worker invite made")
    await coordinator.locator("a.deeplink").last.click()
    await coordinator.locator("button.open-as", has_text="周先生").click()
    newcomer = phone(page, 1003)
    await says(newcomer, "请写下您的姓名")
    await send(newcomer, "周建国")
    await says(newcomer, "您负责哪些社区")
    await press(newcomer, "翠竹社区")
    await press(newcomer, label("zh", "triage.join.done_button"))
    await says(newcomer, "您已经是社工了")
    await says(coordinator, "New worker 周建国 joined")

    # Next Monday 09:00: the bot restarts at that time and the weekly digest arrives.
    digests = coordinator.locator(".msg.bot", has_text="Weekly digest")
    before = await digests.count()
    await page.locator("[data-preset=monday]").click()
    await expect(page.locator("#clock")).to_contain_text("23 Nov 2026, 09:0", timeout=WAIT_MS)
    await expect(digests).to_have_count(before + 1, timeout=60_000)
    await expect(digests.last).to_contain_text("2026-11-23")
    await expect(page.locator("#busy")).to_have_text("", timeout=WAIT_MS)
    await context.close()


def recording(seconds: int) -> bytes:
    """A WAV file of `seconds` of silence: a recording made with the phone's recorder app."""
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\0\0" * 8000 * seconds)
    return out.getvalue()


async def playable_seconds(player: Locator) -> float:
    """How long the page's audio player says its sound lasts, once it has loaded it."""
    return float(await player.evaluate(
        "a => new Promise(done => a.readyState >= 1 ? done(a.duration)"
        " : a.addEventListener('loadedmetadata', () => done(a.duration)))"))


@pytest.mark.slow
async def test_a_recording_said_for_the_report_plays_in_the_page(
        demo: str, browser: Browser, tmp_path: Path) -> None:
    """The resident sends a recording for what is wrong; their chat and the worker's, once
    the worker takes the case, show it as a player that plays, not as a file."""
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    await page.goto(demo)
    resident, worker = phone(page, RESIDENT), phone(page, WORKER)
    coordinator = phone(page, COORDINATOR)
    await send(resident, "/report")
    await press(resident, label("en", "report.category.elderly_alone"))
    await says(resident, en("report.ask.description", minutes=5))
    sound = tmp_path / "recording.wav"
    sound.write_bytes(recording(2))
    await resident.locator("input[type=file]").set_input_files(str(sound))
    await says(resident, en("report.voice_received", seconds=2))
    mine = resident.locator(".msg.me audio")
    await expect(mine).to_have_count(1, timeout=WAIT_MS)
    assert round(await playable_seconds(mine)) == 2
    await press(resident, "Skip")
    await says(resident, en("report.ask.place"))
    await send(resident, "Dongmen 3-502")
    await press(resident, "东门社区")
    await press(resident, label("en", "report.urgency.soon"))
    await says(resident, en("report.ask.photos"))
    await press(resident, "Skip")
    await press(resident, label("en", "report.button.anonymous"))
    await press(resident, label("en", "report.button.confirm"))
    await says(resident, "R-0007")

    # The worker reads there is one to hear once taken; the coordinator, how to hear it now.
    await says(worker, label("en", "report.voice.card", seconds=2))
    await says(coordinator, label("en", "report.voice.card_coordinator", seconds=2))
    card = worker.locator(".msg", has_text="R-0007").last
    await card.locator("button", has_text=label("en", "triage.button.take")).click()
    player = worker.locator(".msg.bot audio")
    await expect(player).to_have_count(1, timeout=WAIT_MS)
    assert round(await playable_seconds(player)) == 2
    await expect(worker.locator(".msg.bot a[download]")).to_have_count(0)
    await page.screenshot(path=str(tmp_path / "voice.png"))
    await context.close()

