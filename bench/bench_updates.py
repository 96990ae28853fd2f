"""Cost per update: N residents report at once, beside a bare python-telegram-bot echo bot.

Run: python bench/bench_updates.py [--n 50 200] [--limiter on|off|both] [--repeat R]
                                  [--no-echo] [--profile FILE]

N simulated residents each go through the whole report flow at the same time (/start,
/report, every step, Confirm) against the built-in Bot API server, with the real bot as a
subprocess (`python -m bot run`, as in production). Then, in the same run and against the
same server code with the same limits (a fresh instance), a bare python-telegram-bot echo bot
(bench/echo_bot.py) gets the same number of users sending the same number of messages.
For each bot it prints the CPU seconds per update of the bot process (user + system, read
from /proc, from the moment it polls until the last person has their answer), updates per
second, p50/p95 time from a person's message to the bot's answer, and Bot API calls per
update; then the ratio zhongfu ÷ echo.

CPU seconds are the measure that counts (the machine may be shared, so wall-clock figures
vary from run to run); with the limiter on the server holds the bots to Telegram's limits
(30 messages/s overall, 20 in 20 s to one chat) and answers 429 beyond them; zhongfu's line
then also says how fast it sent while people waited for answers (a burst: issue 16 §3).

--profile FILE attaches py-spy (installed beside Python: `pip install py-spy`; it needs
ptrace) to zhongfu while the residents report and writes the samples to FILE in py-spy's raw
(collapsed stack) format; summarise them with bench/profile_summary.py.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The path above makes the repository importable when run as a script.
from bot.botapi.server import SENDING, BotMessage, FakeBotApi, FakeUser
from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import Catalog

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-token-abcdefghij"
COORDINATOR = 9001
FIRST_RESIDENT = 500_000
# A Wednesday mid-quarter in working hours, as in the end-to-end tests.
BOT_NOW = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CATALOG = Catalog.load(SUPPORTED_LANGUAGES, "zh")
TICK = os.sysconf("SC_CLK_TCK")
STEP_TIMEOUT = 300.0
LIMIT = 30  # messages a second Telegram allows a bot overall


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def label(key: str, **values: object) -> str:
    """A text as the bot shows it in Chinese."""
    return CATALOG.t("zh", key, **values)


def start_of(key: str, **values: object) -> str:
    """A regex for the start of a catalog text, tags removed."""
    plain = re.sub(r"<[^>]+>", "", label(key, **values)).split("\n")[0]
    return re.escape(plain[:12])


@dataclass
class Person:
    """One simulated person and the waits they noticed (message sent → bot's answer)."""

    user: FakeUser
    waits: list[float] = field(default_factory=list)

    async def step(self, act: Callable[[], Awaitable[object]], answer: str) -> BotMessage:
        """Do something and wait for the answer matching `answer`; record the wait."""
        started = time.perf_counter()
        await act()
        found = await self.user.expect(answer, timeout=STEP_TIMEOUT)
        self.waits.append(time.perf_counter() - started)
        return found


async def report(person: Person) -> None:
    """The whole report flow, as a resident goes through it."""
    user = person.user
    await person.step(lambda: user.send("/start"), "您好")
    await person.step(lambda: user.send("/report"), start_of("report.ask.category"))
    question = user.last_message
    await person.step(lambda: user.press(label("report.category.elderly_alone"),
                                         in_message=question, timeout=STEP_TIMEOUT),
                      start_of("report.ask.description", minutes=5))
    await person.step(lambda: user.send("楼下张大爷腿肿得厉害，好几天没出门了"),
                      start_of("report.ask.subject"))
    await person.step(lambda: user.send("张大爷，80岁左右"), start_of("report.ask.place"))
    question = await person.step(lambda: user.send("东门小区3栋502"),
                                 start_of("report.ask.area"))
    question = await person.step(lambda: user.press("东门社区", in_message=question,
                                                    timeout=STEP_TIMEOUT),
                                 start_of("report.ask.urgency"))
    question = await person.step(lambda: user.press(label("report.urgency.soon"),
                                                    in_message=question, timeout=STEP_TIMEOUT),
                                 start_of("report.ask.photos", max=3, count=0))
    await person.step(lambda: user.press(label("report.button.skip"), in_message=question,
                                         timeout=STEP_TIMEOUT),
                      start_of("report.ask.contact"))
    summary = await person.step(lambda: user.press(label("report.button.anonymous"),
                                                   timeout=STEP_TIMEOUT),
                                start_of("report.summary.title"))
    await person.step(lambda: user.press(label("report.button.confirm"), in_message=summary,
                                         timeout=STEP_TIMEOUT), r"R-\d{4}")


def echo_chat(count: int) -> Callable[[Person], Awaitable[None]]:
    """`count` messages, each waiting for its echo."""
    async def chat(person: Person) -> None:
        for n in range(count):
            text = f"第{n}条消息"
            await person.step(lambda text=text: person.user.send(text), re.escape(text))
    return chat


@dataclass
class Result:
    """What one bot did under one load."""

    name: str
    updates: int
    cpu: float
    wall: float
    waits: list[float]
    calls: int
    refused: int
    rates: list[float]
    chat_refused: int  # of the 429s, those for one chat's limit (the rest: 30/s overall)
    harness: float  # CPU share of this process (server and people) over the wall time
    peak: int = 0  # the most messages sent or tried in one sliding second (server's count)

    def line(self) -> str:
        """The figures, one line."""
        waits = sorted(self.waits)
        p50 = statistics.median(waits)
        p95 = waits[min(len(waits) - 1, int(0.95 * len(waits)))]
        return (f"{self.name:8} {self.updates:5d} updates  "
                f"CPU {1000 * self.cpu / self.updates:6.2f} ms/update  "
                f"{self.updates / self.wall:6.1f} updates/s  "
                f"p50 {1000 * p50:6.0f} ms  p95 {1000 * p95:6.0f} ms  "
                f"{self.calls / self.updates:4.2f} API calls/update  {self.refused} × 429")

    def sending(self, limit: int) -> str:
        """How fast messages went out while the bot had answers to send."""
        busy = self.rates[:-1] or self.rates  # the last second is cut short
        mean = sum(busy) / len(busy) if busy else 0.0
        full = sum(1 for r in busy if r >= 0.9 * limit)
        return (f"sending: {mean:.1f} messages/s on average over {len(busy)} s with answers "
                f"waiting ({100 * mean / limit:.0f}% of the {limit}/s allowed); "
                f"{full} of those seconds at ≥ 90%; 429: {self.refused - self.chat_refused} "
                f"overall, {self.chat_refused} for one chat; at most {self.peak} sent or tried "
                f"in one sliding second; the server and the people used "
                f"{100 * self.harness:.0f}% of a core")


def server(limited: bool) -> FakeBotApi:
    """The built-in Bot API server, holding the bot to Telegram's limits or not."""
    if limited:
        return FakeBotApi(token=TOKEN, username="bench_bot", messages_per_second=30,
                          private_messages_per_window=(20, 20.0))
    return FakeBotApi(token=TOKEN, username="bench_bot", messages_per_second=None,
                      group_messages_per_minute=None)


def zhongfu_command(workdir: Path, api: FakeBotApi) -> tuple[list[str], dict[str, str]]:
    """`python -m bot run` and the environment a deployment would set."""
    env = {
        "PATH": os.environ.get("PATH", ""), "HOME": str(workdir), "PYTHONPATH": str(ROOT),
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.base_url,
        "ZHONGFU_DATABASE": str(workdir / "zhongfu.sqlite3"),
        "ZHONGFU_TIMEZONE": "Asia/Shanghai", "ZHONGFU_COORDINATORS": str(COORDINATOR),
        "ZHONGFU_LANGUAGE": "zh", "ZHONGFU_LOG_LEVEL": "INFO",
        "ZHONGFU_AREAS": "东门社区,翠竹社区", "ZHONGFU_SCHEDULER": "cron",
        "ZHONGFU_CLOCK_SHIFT": f"{(BOT_NOW - datetime.now(UTC)).total_seconds():.3f}",
    }
    return [sys.executable, "-m", "bot", "run"], env


def echo_command(api: FakeBotApi, limited: bool) -> tuple[list[str], dict[str, str]]:
    """The echo bot's command line and environment."""
    env = {"PATH": os.environ.get("PATH", ""), "NO_PROXY": "127.0.0.1,localhost",
           "no_proxy": "127.0.0.1,localhost"}
    command = [sys.executable, str(ROOT / "bench" / "echo_bot.py"), TOKEN, api.base_url]
    return command + (["--limiter"] if limited else []), env


async def measure(name: str, api: FakeBotApi, command: tuple[list[str], dict[str, str]],
                  people: list[Person], flow: Callable[[Person], Awaitable[None]],
                  workdir: Path, profile: Path | None = None) -> Result:
    """Start the bot, let everyone go through `flow` at once, and read what it cost."""
    polling = asyncio.ensure_future(api.wait_for_call("getUpdates", timeout=60))
    log = (workdir / f"{name}.log").open("ab")
    proc = await asyncio.create_subprocess_exec(*command[0], env=command[1], cwd=workdir,
                                                stdout=log, stderr=log)
    log.close()
    try:
        await polling
        await asyncio.sleep(0.5)  # startup work (commands, replay) is not an update's cost
        cpu, calls = cpu_seconds(proc.pid), len(api.calls)
        first, refused = api.last_update_id, api.flood_429s
        spy = await start_profiler(proc.pid, profile) if profile else None
        started = time.perf_counter()
        counting = asyncio.ensure_future(count_sends(api, calls))
        harness, chat_refused = time.process_time(), sum(api.private_429s.values())
        await asyncio.gather(*(flow(person) for person in people))
        wall = time.perf_counter() - started
        harness = (time.process_time() - harness) / wall
        chat_refused = sum(api.private_429s.values()) - chat_refused
        counting.cancel()
        rates = await counting
        # The last answer is out; let the intake mark the last update done.
        await asyncio.sleep(0.3)
        cpu = cpu_seconds(proc.pid) - cpu
        sent = [c for c, _ in api.calls[calls:] if c != "getUpdates"]
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            await spy.wait()
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except TimeoutError:
            proc.kill()
            await proc.wait()
    return Result(name, api.last_update_id - first, cpu, wall,
                  [w for p in people for w in p.waits], len(sent), api.flood_429s - refused,
                  rates, chat_refused, harness, api.peak_per_second)


async def count_sends(api: FakeBotApi, start: int) -> list[float]:
    """Messages sent (and edited) in each second, until cancelled; everyone is still waiting
    for an answer all along, so the bot's queue is never empty while this counts."""
    rates: list[float] = []
    seen, mark = start, time.perf_counter()
    try:
        while True:
            await asyncio.sleep(1.0)
            now, total = time.perf_counter(), len(api.calls)
            sent = sum(1 for name, _ in api.calls[seen:total] if name in SENDING)
            rates.append(sent / (now - mark))
            seen, mark = total, now
    except asyncio.CancelledError:
        return rates


async def start_profiler(pid: int, path: Path) -> asyncio.subprocess.Process:
    """py-spy sampling process `pid` (all threads, idle ones left out) until SIGINT."""
    spy = Path(sys.executable).parent / "py-spy"
    proc = await asyncio.create_subprocess_exec(
        str(spy), "record", "--pid", str(pid), "--format", "raw", "--output", str(path),
        "--rate", "250", stdout=asyncio.subprocess.DEVNULL)
    await asyncio.sleep(1.0)  # py-spy attaches
    return proc


async def run(n: int, limited: bool, profile: Path | None,
              echo_too: bool) -> tuple[Result, Result | None]:
    """zhongfu, then the echo bot with as many messages, against one server."""
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        async with server(limited) as api:
            residents = [Person(api.user(FIRST_RESIDENT + i, f"居民{i}")) for i in range(n)]
            zhongfu = await measure("zhongfu", api, zhongfu_command(workdir, api),
                                    residents, report, workdir, profile)
        per_person = zhongfu.updates // n
        if not echo_too:
            return zhongfu, None
        async with server(limited) as api:
            people = [Person(api.user(FIRST_RESIDENT + i, f"居民{i}")) for i in range(n)]
            echo = await measure("echo", api, echo_command(api, limited), people,
                                 echo_chat(per_person), workdir)
    return zhongfu, echo


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[50, 200],
                        help="residents at once (several: one run each)")
    parser.add_argument("--limiter", choices=["on", "off", "both"], default="both",
                        help="the server enforces Telegram's flood limits")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each bot per setting, alternating; medians printed")
    parser.add_argument("--profile", type=Path, help="py-spy samples of zhongfu into this file")
    parser.add_argument("--no-echo", action="store_true", help="zhongfu alone (no reference)")
    args = parser.parse_args()
    modes = {"on": [True], "off": [False], "both": [False, True]}[args.limiter]
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}")
    for limited in modes:
        for n in args.n:
            print(f"\n{n} residents at once, limiter {'on' if limited else 'off'}:")
            pairs = []
            for _ in range(max(1, args.repeat)):
                zhongfu, echo = await run(n, limited, args.profile, not args.no_echo)
                pairs.append((zhongfu, echo))
                print("  " + zhongfu.line())
                if limited:
                    print("  zhongfu " + zhongfu.sending(LIMIT))
                if echo is None:
                    continue
                print("  " + echo.line())
                print(f"  zhongfu ÷ echo: CPU per update × {ratio(zhongfu, echo):.2f} (aim ≤ 2)")
            if len(pairs) > 1:
                print("  " + summary(pairs))


def per_update(result: Result) -> float:
    """CPU milliseconds per update."""
    return 1000 * result.cpu / result.updates


def ratio(zhongfu: Result, echo: Result) -> float:
    """zhongfu's CPU per update over the echo bot's."""
    return per_update(zhongfu) / per_update(echo)


def summary(pairs: list[tuple[Result, Result | None]]) -> str:
    """Medians over repeated runs: one run's ratio moves with the echo bot's own noise."""
    own = statistics.median(per_update(z) for z, _ in pairs)
    line = f"median of {len(pairs)} runs: zhongfu {own:.2f} ms/update"
    echoes = [(z, e) for z, e in pairs if e is not None]
    if not echoes:
        return line
    reference = statistics.median(per_update(e) for _, e in echoes)
    ratios = sorted(ratio(z, e) for z, e in echoes)
    return (f"{line}, echo {reference:.2f} ms/update: zhongfu ÷ echo × {own / reference:.2f} "
            f"(aim ≤ 2; single runs {ratios[0]:.2f}–{ratios[-1]:.2f})")


def cpu_model() -> str:
    """The CPU's model name, from /proc/cpuinfo."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


if __name__ == "__main__":
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    asyncio.run(main())
