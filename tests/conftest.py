"""Fixtures: the fake Bot API server, the real bot in a subprocess, and the people who use it."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from storage.db import Database
from tests.rig.server import FakeBotApi, FakeUser

os.environ["NO_PROXY"] = "127.0.0.1,localhost"
os.environ["no_proxy"] = "127.0.0.1,localhost"

TOKEN = "123456:TEST-token-abcdefghij"
BOT_USERNAME = "zhongfu_test_bot"
COORDINATOR_ID = 9001
ROOT = Path(__file__).resolve().parent.parent
ZONE = ZoneInfo("Asia/Shanghai")
# The bot under test lives on this day and hour (a Wednesday mid-quarter, in working hours)
# whatever the day the tests run: its clock is shifted with ZHONGFU_CLOCK_SHIFT.
BOT_NOW = datetime(2026, 11, 18, 10, 0, tzinfo=ZONE)


def clock_shift(at: datetime) -> str:
    """ZHONGFU_CLOCK_SHIFT that makes the bot's clock read `at` now."""
    return f"{(at - datetime.now(UTC)).total_seconds():.3f}"


def existing_database(path: Path) -> Path:
    """A migrated, empty zhongfu database at `path` (kept if there is one), as the first
    `zhongfu run` leaves it: every other command refuses a missing database. Not for use
    inside a running event loop (see new_database)."""
    if not path.exists():
        asyncio.run(new_database(path))
    return path


async def new_database(path: Path) -> None:
    """Make a migrated, empty zhongfu database at `path`."""
    db = await Database.open(path)
    await db.close()


class BotProcess:
    """The production application, `python -m bot run`, in a subprocess."""

    def __init__(self, api: FakeBotApi, env: dict[str, str], workdir: Path,
                 wrapper: tuple[str, ...] = ()) -> None:
        self.api = api
        self.wrapper = wrapper  # a command the bot runs under (e.g. in a namespace of its own)
        self.env = env
        self.workdir = workdir
        self.proc: asyncio.subprocess.Process | None = None
        self.log_path = workdir / "bot.log"
        self.starts = 0

    async def start(self, *, wait_polling: bool = True) -> None:
        """Start the bot and wait until it polls for updates (or, in webhook mode, until it
        has set its webhook)."""
        assert self.proc is None or self.proc.returncode is not None, "already running"
        self.starts += 1
        log = self.log_path.open("ab")
        log.write(f"\n===== start {self.starts} =====\n".encode())
        ready = "setWebhook" if self.env.get("ZHONGFU_WEBHOOK_URL") else "getUpdates"
        waiter = asyncio.ensure_future(self.api.wait_for_call(ready, timeout=30))
        self.proc = await asyncio.create_subprocess_exec(
            *self.wrapper, sys.executable, "-m", "bot", "run", cwd=self.workdir, env=self.env,
            stdout=log, stderr=log,
        )
        log.close()
        if wait_polling:
            try:
                await waiter
            except BaseException:
                raise AssertionError(f"bot did not start polling:\n{self.log()}") from None
        else:
            waiter.cancel()

    async def stop(self, timeout: float = 5.0) -> int:
        """SIGTERM, and the exit status (the bot must stop within `timeout` seconds)."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            raise AssertionError(f"bot did not stop within {timeout} s:\n{self.log()}") from None

    async def kill(self) -> None:
        """SIGKILL: the process dies at once, mid-whatever."""
        assert self.proc is not None
        self.proc.kill()
        await self.proc.wait()

    async def restart(self) -> None:
        """Kill -9 and start again."""
        await self.kill()
        await self.start()

    def now(self) -> datetime:
        """What the bot's clock reads now (its clock is shifted from the wall clock)."""
        shift = float(self.env.get("ZHONGFU_CLOCK_SHIFT") or 0)
        return datetime.now(UTC) + timedelta(seconds=shift)

    def today(self) -> date:
        """The bot's local date."""
        return self.now().astimezone(ZONE).date()

    def set_clock(self, at: datetime) -> None:
        """From the next start (and `cli` call) on, the bot's clock reads `at` now."""
        self.env["ZHONGFU_CLOCK_SHIFT"] = clock_shift(at)

    def log(self) -> str:
        """Everything the bot wrote to stdout and stderr."""
        return self.log_path.read_text("utf-8", errors="replace") if self.log_path.exists() else ""

    def db(self) -> sqlite3.Connection:
        """A direct connection to the bot's database, for checking what was stored."""
        conn = sqlite3.connect(self.env["ZHONGFU_DATABASE"], timeout=10)
        conn.row_factory = sqlite3.Row
        return conn

    async def updates_settled(self, timeout: float = 10.0, count: int = 0) -> list[str]:
        """The intake state of every stored update once at least `count` are stored and none
        is pending (or at timeout)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            with self.db() as conn:
                rows = conn.execute("SELECT state FROM updates ORDER BY update_id").fetchall()
            states = [r[0] for r in rows]
            settled = "pending" not in states and len(states) >= count
            if settled or asyncio.get_running_loop().time() > deadline:
                return states
            await asyncio.sleep(0.05)

    async def until(self, condition: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Wait until `condition()` holds, looking every 50 ms; False at timeout. For what only
        the bot's database shows: the server sees no change that would wake its wait_until."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not condition():
            if asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    async def cli(self, *args: str, timeout: float = 60.0) -> tuple[int, str]:
        """Run another `zhongfu` command with the same environment; exit status and output."""
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, cwd=self.workdir, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
        return proc.returncode or 0, out.decode("utf-8", errors="replace")


def bot_environment(api: FakeBotApi, workdir: Path, **extra: str) -> dict[str, str]:
    """The environment a deployment would set, pointed at the fake server."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(workdir),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": api.base_url,
        "ZHONGFU_DATABASE": str(workdir / "zhongfu.sqlite3"),
        "ZHONGFU_TIMEZONE": "Asia/Shanghai",
        "ZHONGFU_COORDINATORS": str(COORDINATOR_ID),
        "ZHONGFU_LANGUAGE": "zh",
        "ZHONGFU_LOG_LEVEL": "DEBUG",
        "ZHONGFU_AREAS": "东门社区,翠竹社区",
        # Scheduled work runs only when a test asks with `tick --at`, so the wall clock
        # never adds a reminder or escalation to a test; test_scheduler.py runs it inside.
        "ZHONGFU_SCHEDULER": "cron",
        "ZHONGFU_CLOCK_SHIFT": clock_shift(BOT_NOW),
    }
    env.update(extra)
    return env


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """A fresh fake Bot API server on 127.0.0.1."""
    server = FakeBotApi(token=TOKEN, username=BOT_USERNAME)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """The bot's working directory (its database lives here)."""
    return tmp_path


@pytest.fixture
def bot_env(api: FakeBotApi, workdir: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    """The default environment, with what a test's `env` mark sets (so that the `bot` fixture
    starts the bot as the test needs it, once); tests may edit it before starting the bot."""
    marker = request.node.get_closest_marker("env")
    return bot_environment(api, workdir, **(marker.kwargs if marker is not None else {}))


@pytest.fixture
async def bot(api: FakeBotApi, bot_env: dict[str, str], workdir: Path,
              request: pytest.FixtureRequest) -> AsyncIterator[BotProcess]:
    """The bot, running; stopped (and its log shown on failure) at the end of the test. With
    the `stopped` mark only its database is made, migrated and empty: a test that runs ticks
    and commands first starts the bot when it needs it, not once for nothing."""
    process = BotProcess(api, bot_env, workdir)
    if request.node.get_closest_marker("stopped") is None:
        await process.start()
    else:
        await new_database(Path(bot_env["ZHONGFU_DATABASE"]))
    try:
        yield process
    finally:
        if process.proc is not None and process.proc.returncode is None:
            process.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.proc.wait(), 10)
            except TimeoutError:
                process.proc.kill()
                await process.proc.wait()
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            sys.stderr.write(f"\n----- bot log -----\n{process.log()[-20000:]}\n")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first, the others as collected. pytest-xdist hands tests to its workers
    in this order: a test of a minute handed out last ran on for that minute at the end of
    the run, the other workers idle."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the test item, so fixtures can show logs on failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def coordinator(api: FakeBotApi) -> FakeUser:
    """The coordinator named in ZHONGFU_COORDINATORS (writes Chinese)."""
    return api.user(COORDINATOR_ID, "王协调", language_code="zh-hans")


@pytest.fixture
def resident(api: FakeBotApi) -> FakeUser:
    """A resident whose Telegram is in Chinese."""
    return api.user(1001, "李阿姨", language_code="zh-hans", phone="+8613800001001")


@pytest.fixture
def resident_en(api: FakeBotApi) -> FakeUser:
    """A resident whose Telegram is in English."""
    return api.user(1002, "Mary", language_code="en", phone="+8613800001002")
