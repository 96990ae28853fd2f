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
the process's peak RSS beside the aim: 5 s and 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# The paths above make the repository and bench/ importable when run as a script.
AT = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tuesday 09:00 in Asia/Shanghai, Q4's last month
COORDINATOR = 9001
AIM_SECONDS = 5.0
AIM_MB = 300.0


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


async def measure(path: Path) -> None:
    """The tick's reminder and digest work, timed part by part; nothing sent."""
    from bot.config import SUPPORTED_LANGUAGES, load_settings
    from bot.domain.reminding import week_key
    from bot.i18n import Catalog
    from bot.jobs.reminders import due_reminders, reminder_message
    from bot.services import digest_sends, reminder_sends
    from bot.services.bulk import collector_paused
    from bot.services.context import Services, clock_for
    from bot.services.digest import gather, render_digest
    from bot.services.reminder_messages import ReminderWriter
    from bot.services.texts import language_of
    from storage.db import Database

    settings = load_settings({"ZHONGFU_DATABASE": str(path),
                              "ZHONGFU_TIMEZONE": "Asia/Shanghai",
                              "ZHONGFU_COORDINATORS": str(COORDINATOR)})
    db = await Database.open(path)
    services = Services(settings, db, Catalog.load(SUPPORTED_LANGUAGES, settings.language),
                        clock=clock_for(settings))
    before = rss_mb()
    today = AT.astimezone(settings.timezone).date()
    parts: list[tuple[str, float]] = []
    try:
        started = mark = time.perf_counter()
        cpu_started = cpu_mark = time.process_time()

        def lap(name: str) -> None:
            nonlocal mark, cpu_mark
            now, cpu = time.perf_counter(), time.process_time()
            parts.append((name, now - mark, cpu - cpu_mark))
            mark, cpu_mark = now, cpu

        with collector_paused():  # as remind() does, up to the claim
            current = await due_reminders(services, today)
            lap(f"reminders: {len(current):,} obligations at a reminder stage")
            added = await reminder_sends.plan(services, today, current, AT)
            lap(f"reminders: {added:,} planned (committed)")
            by_worker = await reminder_sends.claim(services, AT, current)
        people = await reminder_sends.recipients(services, by_worker)
        messages = 0
        writer = ReminderWriter(services, today)
        for worker_id, rows in by_worker.items():  # as deliver() does, sending aside
            person = people[worker_id]
            lang = language_of(services, person)
            rows.sort(key=lambda r: (r[1].obligation.due_by, r[1].household_name, r[0].id))
            for start in range(0, len(rows), 10):
                reminder_message(writer, lang, person.name,
                                 [(item, stage) for _, item, stage in rows[start:start + 10]])
                messages += 1
        lap(f"reminders: {messages:,} messages rendered for {len(by_worker):,} workers")
        await digest_sends.plan(services, week_key(today), AT)
        found = await gather(services, today)
        lap("digest: gathered (obligations 8 periods back, quarter reach, reports)")
        rendered = render_digest(services, "zh", found)
        lap(f"digest: rendered ({len(rendered)} parts, chart included)")
        total, cpu_total = time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        await db.close()
    for name, seconds, cpu in parts:
        print(f"  {seconds:6.2f} s ({cpu:6.2f} s CPU)  {name}")
    peak = rss_mb()
    print(f"tick: {total:.2f} s, {cpu_total:.2f} s CPU (aim ≤ {AIM_SECONDS:.0f} s); "
          f"peak RSS {peak:.0f} MB (aim ≤ {AIM_MB:.0f} MB; {before:.0f} MB before the tick: "
          "interpreter, libraries, catalog)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=1_000)
    parser.add_argument("--keep", type=Path, help="build the database here (once) and keep it")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        asyncio.run(measure(args.measure))
        return
    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / "bench.sqlite3"
        if not path.exists():
            started = time.perf_counter()
            build(path, args.households, args.contacts, args.workers)
            print(f"built {args.households:,} pairings, {args.contacts:,} contacts, "
                  f"{args.workers:,} workers in {time.perf_counter() - started:.0f} s")
        # The tick plans into the database: it works on a copy, so a kept one can be reused.
        copy = Path(folder) / "tick.sqlite3"
        shutil.copyfile(path, copy)
        # A fresh process: its peak RSS is the tick's, not the seeding's.
        subprocess.run([sys.executable, __file__, "--measure", str(copy)], check=True)


if __name__ == "__main__":
    main()
