"""A full scheduled tick at scale: reminders and the weekly digest, database to queued messages.

Run: python bench/bench_tick.py [--households 100000] [--contacts 1000000] [--workers 1000]
     [--keep PATH]

Builds a real SQLite file (bench_queries.fill: households with one active pairing each, one
in ten handed over this year, contacts spread over two years), then, in a fresh process so
that the seeding does not count, runs the work a tick does at 09:00 on the first day of a
quarter's last month with the week's digest not yet sent: the reminder run (every obligation
at a reminder stage, planned into the reminders table, rendered into one message per ten
items per worker) and the digest (planned, gathered, rendered with its chart). Nothing is
sent: Telegram's 30 messages a second, not the bot, sets how long sending takes
(bench_reminders.py and bench_outbox.py measure that). It prints the time of each part and
the process's peak RSS beside the aim: 5 s and 300 MB, and beside each part the longest the
event loop could not answer anything (a coroutine asleep for 5 ms at a time notes how late it
wakes): what a resident's reply would have waited meanwhile. Then, every claimed reminder
marked sent as deliver() marks it, the next day's reminder run at the same hour (the digest
is not due again that week): the cost an operator lives with day after day.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# The paths above make the repository and bench/ importable when run as a script.
if TYPE_CHECKING:
    from bot.services.context import Services
    from bot.services.reminder_sends import Batch

AT = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tuesday 09:00 in Asia/Shanghai, Q4's last month
COORDINATOR = 9001
AIM_SECONDS = 5.0
AIM_MB = 300.0
PROBE_SECONDS = 0.005  # how often the monitor asks the event loop to wake it


class LoopMonitor:
    """How long the event loop could not run anything: a coroutine that sleeps PROBE_SECONDS
    at a time and notes how late it woke (a handler waiting for the loop waits as long)."""

    def __init__(self) -> None:
        self.expected = time.perf_counter() + PROBE_SECONDS  # when the next wake-up is due
        self.longest = 0.0  # since the last take()
        self.overall = 0.0
        # The cyclic collector runs in whichever thread allocates and holds the GIL: a full
        # collection once the run's pause ends stalls the loop too.
        self.collection = 0.0  # the longest collection since the last reset
        self._collecting = 0.0
        gc.callbacks.append(self._collected)

    def _collected(self, phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._collecting = now
        else:
            self.collection = max(self.collection, now - self._collecting)

    async def watch(self) -> None:
        """Sleep and note the lateness of each wake-up, until cancelled."""
        while True:
            self.expected = time.perf_counter() + PROBE_SECONDS
            await asyncio.sleep(PROBE_SECONDS)
            self.longest = max(self.longest, time.perf_counter() - self.expected)

    def take(self) -> float:
        """The longest stall since the last take, counting one still going on now."""
        now = time.perf_counter()
        # A part that ends in synchronous work returns before the monitor could wake: the
        # stall up to now is this part's, and the monitor's next wake-up counts from now.
        longest = max(self.longest, now - self.expected)
        self.expected = max(self.expected, now)
        self.longest = 0.0
        self.overall = max(self.overall, longest)
        return longest


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> bool:
    """Start the peak RSS again from the present (Linux: clear_refs 5); False if it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def build(path: Path, households: int, contacts: int, workers: int) -> None:
    """The database: migrated, filled, one coordinator who opened the bot."""
    import sqlite3

    from bench_queries import _create, fill

    asyncio.run(_create(path))
    fill(path, households, contacts, workers, seed=7)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT INTO people (telegram_id, display_name, role, created_at, "
                     "updated_at) VALUES (?, '王协调', 'coordinator', ?, ?)",
                     (COORDINATOR, AT.isoformat(), AT.isoformat()))
    conn.close()


Part = tuple[str, float, float, float, float]  # name, wall s, CPU s, loop stall s, peak MB


class Laps:
    """The tick's parts, timed one after the other (wall, CPU of every thread, loop stall)."""

    def __init__(self, monitor: LoopMonitor) -> None:
        self.monitor = monitor
        self.parts: list[Part] = []
        self.started = self.mark = time.perf_counter()
        self.cpu_started = self.cpu_mark = time.process_time()
        monitor.take()
        monitor.collection = 0.0

    def lap(self, name: str) -> None:
        """The part since the last lap is done."""
        now, cpu = time.perf_counter(), time.process_time()
        self.parts.append((name, now - self.mark, cpu - self.cpu_mark, self.monitor.take(),
                           rss_mb()))
        self.mark, self.cpu_mark = now, cpu

    def print(self) -> tuple[float, float, str]:
        """Each part's line; the total wall and CPU seconds, and the longest stall said."""
        for name, seconds, cpu, stall, peak in self.parts:
            print(f"  {seconds:6.2f} s ({cpu:6.2f} s CPU; loop stalled {stall * 1000:6.0f} ms;"
                  f" peak {peak:4.0f} MB)  {name}")
        stall = max((stall for _, _, _, stall, _ in self.parts), default=0.0)
        return (self.mark - self.started, self.cpu_mark - self.cpu_started,
                f"event loop longest stall: {stall * 1000:.0f} ms (the longest garbage "
                f"collection: {self.monitor.collection * 1000:.0f} ms)")


async def reminder_run(services: Services, at: datetime, laps: Laps) -> Batch:
    """remind() up to sending, and each worker's messages rendered as deliver() renders them."""
    from bot.jobs.reminders import ITEMS_PER_MESSAGE, due_reminders, reminder_message
    from bot.services import reminder_sends
    from bot.services.bulk import collector_paused
    from bot.services.reminder_messages import ReminderWriter, in_order
    from bot.services.texts import language_of

    today = at.astimezone(services.settings.timezone).date()
    with collector_paused():  # as remind() does on the run's tick, up to the claim
        current = await due_reminders(services, today)
        laps.lap(f"reminders: {len(current):,} obligations at a reminder stage, not reminded yet")
        added, by_worker = await reminder_sends.plan_and_claim(services, today, current, at,
                                                               "bench")
    del current  # as remind() does before it delivers
    laps.lap(f"reminders: {added or 0:,} planned, {sum(map(len, by_worker.values())):,} "
             "claimed (committed; stale cancelled)")
    people = await reminder_sends.recipients(services, by_worker)
    messages = 0
    writer = ReminderWriter(services, today)
    for worker_id, rows in by_worker.items():  # as deliver() does, sending aside
        person = people[worker_id]
        lang = language_of(services, person)
        in_order(rows)
        for start in range(0, len(rows), ITEMS_PER_MESSAGE):
            reminder_message(writer, lang, person.name, rows[start:start + ITEMS_PER_MESSAGE])
            messages += 1
            await asyncio.sleep(0)  # deliver() awaits the send of each message it renders
    laps.lap(f"reminders: {messages:,} messages rendered for {len(by_worker):,} workers")
    return by_worker


async def mark_sent(services: Services, claimed: list[list[int]], at: datetime) -> None:
    """Every claimed reminder sent, through the use case deliver() calls when Telegram
    accepts a message (here once per worker: the rows end the same)."""
    from bot.services import reminder_sends

    for message_id, ids in enumerate(claimed, start=1):
        await reminder_sends.sent(services, ids, message_id, at)


def load_charts() -> None:
    """What the first chart of a process imports and looks up (bot/charts)."""
    import matplotlib.figure  # noqa: F401
    from matplotlib.backends import backend_agg  # noqa: F401

    from bot.charts import cjk_font

    cjk_font()


async def measure(path: Path) -> None:
    """The tick's reminder and digest work, timed part by part; nothing sent."""
    from bot.config import SUPPORTED_LANGUAGES, load_settings
    from bot.domain.reminding import week_key
    from bot.i18n import Catalog
    from bot.services import digest_sends, reminder_sends
    from bot.services.context import Services, clock_for
    from bot.services.digest import gather, render_digest
    from storage.db import Database

    importlib.import_module("bot.jobs.reminders")  # at start-up in the bot, not in a part
    settings = load_settings({"ZHONGFU_DATABASE": str(path),
                              "ZHONGFU_TIMEZONE": "Asia/Shanghai",
                              "ZHONGFU_COORDINATORS": str(COORDINATOR)})
    db = await Database.open(path)
    services = Services(settings, db, Catalog.load(SUPPORTED_LANGUAGES, settings.language),
                        clock=clock_for(settings))
    before = rss_mb()
    today = AT.astimezone(settings.timezone).date()
    monitor = LoopMonitor()
    watcher = asyncio.create_task(monitor.watch())
    try:
        await asyncio.sleep(PROBE_SECONDS * 2)  # the monitor is asleep in the loop
        laps = Laps(monitor)
        by_worker = await reminder_run(services, AT, laps)
        claimed = [reminder_sends.ids_of(rows) for rows in by_worker.values()]
        # remind() has returned before digest() runs (the tick runs its jobs one after the
        # other): the bot holds nothing of the reminder run while it gathers the digest.
        del by_worker
        await digest_sends.plan(services, week_key(today), AT)
        found = await gather(services, today)
        laps.lap("digest: gathered (obligations 8 periods back, quarter reach, reports)")
        # As send_digest() draws: in a worker thread, which pays for the first import.
        await asyncio.to_thread(load_charts)
        laps.lap("charts library loaded (once per process)")
        rendered = await asyncio.to_thread(render_digest, services, "zh", found)
        laps.lap(f"digest: rendered ({len(rendered)} parts, chart included)")
        total, cpu_total, stall = laps.print()
        peak = rss_mb()
        print(f"tick: {total:.2f} s, {cpu_total:.2f} s CPU (aim ≤ {AIM_SECONDS:.0f} s); "
              f"peak RSS {peak:.0f} MB (aim ≤ {AIM_MB:.0f} MB; {before:.0f} MB before the "
              "tick: interpreter, libraries, catalog)")
        print(stall)
        await mark_sent(services, claimed, AT)
        # The bot holds nothing of yesterday's run: its peak is measured from here.
        del claimed, found, rendered
        gc.collect()
        peak_scope = (f"this run, from {rss_mb():.0f} MB at its start" if reset_peak()
                      else "whole process")
        next_day = Laps(monitor)
        await reminder_run(services, AT + timedelta(days=1), next_day)
        print("next day (reminders already sent yesterday):")
        total, cpu_total, stall = next_day.print()
        print(f"reminder run: {total:.2f} s, {cpu_total:.2f} s CPU; peak RSS {rss_mb():.0f} MB "
              f"({peak_scope}); {stall}")
    finally:
        watcher.cancel()
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=1_000)
    parser.add_argument("--keep", type=Path, help="build the database here (once) and keep it")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        asyncio.run(measure(args.measure))
        return
    if args.build:
        build(args.build, args.households, args.contacts, args.workers)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / "bench.sqlite3"
        if not path.exists():
            started = time.perf_counter()
            # In a process of its own: Linux carries a process's peak RSS into the children it
            # starts, so the seeding's peak would be reported as the tick's.
            subprocess.run([sys.executable, __file__, "--build", str(path), "--households",
                            str(args.households), "--contacts", str(args.contacts),
                            "--workers", str(args.workers)], check=True)
            print(f"built {args.households:,} pairings, {args.contacts:,} contacts, "
                  f"{args.workers:,} workers in {time.perf_counter() - started:.0f} s")
        # The tick plans into the database: it works on a copy, so a kept one can be reused.
        copy = Path(folder) / "tick.sqlite3"
        shutil.copyfile(path, copy)
        # A fresh process: its peak RSS is the tick's, not the seeding's.
        subprocess.run([sys.executable, __file__, "--measure", str(copy)], check=True)


if __name__ == "__main__":
    main()
