"""Benchmark of the year's export (/export, `zhongfu export`); prints time and peak memory.

Run: python bench/bench_export.py [--households 100000] [--contacts 1000000] [--workers 4000]
     [--format xlsx|csv] [--keep PATH]

Builds a real SQLite file through the migrations with synthetic households (one pairing
each), a year of contacts (2026) and some reports, then measures, each in a fresh process so
that peak memory (max RSS) belongs to that step alone:

- reference: just reading the rows the export reads (households, the year's contacts, the
  obligations of every household) from the same file, without building anything;
- the figures: what /stats computes for the year and the year before;
- the export: the whole workbook (summary, reports, households, pairings, contacts,
  obligations, audit), written to a temporary file, while a coroutine on the same event loop
  measures how long the loop was kept from running (what other chats would wait).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The path above makes the repository importable when run as a script.
from bot.config import SUPPORTED_LANGUAGES, load_settings
from bot.domain import figures as fg
from bot.i18n import Catalog
from bot.services import figures as service
from bot.services import obligations
from bot.services.context import Services
from storage import figures as reads
from storage.db import Database

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
STAMP = NOW.isoformat(timespec="microseconds")
YEAR = fg.Span(date(2026, 1, 1), date(2026, 12, 31))
KINDS = ("call", "call", "visit", "deed", "other")
CATEGORIES = ("dibao", "dibian", "tekun", "elderly_alone", "child_difficulty", "other")
SERVICES = [json.dumps(s) for s in (["comfort"], ["comfort", "daily_care"], ["counselling"],
                                    ["tutoring", "capacity"], [], ["policy_check"])]


def fill(path: Path, n_households: int, n_contacts: int, n_workers: int, seed: int) -> None:
    """Insert the synthetic data with plain sqlite3 (fast bulk inserts)."""
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    # The summary that triggers keep beside the contacts (contact_months) spills pages to
    # disk all the while with the default 2 MB cache: the contacts go to random households.
    conn.execute("PRAGMA cache_size = -262144")
    with conn:
        conn.executemany("INSERT INTO areas (id, name, created_at) VALUES (?, ?, ?)",
                         [(a, f"社区{a}", STAMP) for a in range(1, 51)])
        conn.executemany(
            "INSERT INTO people (telegram_id, display_name, role, created_at, updated_at) "
            "VALUES (?, ?, 'worker', ?, ?)",
            [(10_000 + w, f"社工{w}", STAMP, STAMP) for w in range(n_workers)])
        conn.executemany(
            "INSERT INTO households (id, external_id, name, area_id, address, people_count, "
            "category, phone, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((h, f"H{h:07d}", f"住户{h}", 1 + h % 50, f"某路{h}号", 1 + h % 4,
              CATEGORIES[h % len(CATEGORIES)], f"138{h:08d}", STAMP, STAMP)
             for h in range(1, n_households + 1)))
        # Each household's community by date (migration 0032): one in ten moved in June.
        conn.execute("INSERT INTO household_areas (household_id, area_id, since, until) "
                     "SELECT id, CASE WHEN id % 10 = 0 THEN 1 + (id + 1) % 50 ELSE area_id END, "
                     "'0001-01-01', CASE WHEN id % 10 = 0 THEN '2026-06-01' END FROM households")
        conn.execute("INSERT INTO household_areas (household_id, area_id, since) "
                     "SELECT id, area_id, '2026-06-01' FROM households WHERE id % 10 = 0")
        conn.executemany(
            "INSERT INTO pairings (household_id, worker_id, program_id, started_on, "
            "created_at) VALUES (?, ?, 1, ?, ?)",
            ((h, 10_000 + h % n_workers,
              (date(2025, 1, 1) + timedelta(days=rng.randrange(300))).isoformat(), STAMP)
             for h in range(1, n_households + 1)))
        days = (TODAY - YEAR.start).days + 1

        def contact_rows():  # type: ignore[no-untyped-def]
            for _ in range(n_contacts):
                h = rng.randrange(1, n_households + 1)
                day = YEAR.start + timedelta(days=rng.randrange(days))
                yield (h, 10_000 + h % n_workers, rng.choice(KINDS), day.isoformat(),
                       rng.choice(SERVICES), 1 + h % 3, "一切都好", STAMP, STAMP)

        conn.executemany(
            "INSERT INTO contacts (household_id, worker_id, kind, day, services, "
            "people_reached, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            contact_rows())
        conn.execute("INSERT INTO people (telegram_id, display_name, created_at, updated_at) "
                     "VALUES (1, '居民', ?, ?)", (STAMP, STAMP))
        reports = []
        for r in range(1, n_households // 20 + 1):
            created = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(
                days * 1440))
            taken = created + timedelta(minutes=rng.randrange(1, 2000))
            reports.append((r, "health", f"情况{r}", 1 + r % 50, "acknowledged",
                            10_000 + r % n_workers, taken.isoformat(), created.isoformat()))
        conn.executemany(
            "INSERT INTO reports (id, reporter_id, category, description, area_id, urgency, "
            "status, taken_by, taken_at, created_at, updated_at) "
            "VALUES (?, 1, ?, ?, ?, 'soon', ?, ?, ?, ?, ?)",
            [(*r, r[-1]) for r in reports])
    conn.execute("ANALYZE")
    conn.close()


def peak_mb() -> float:
    """This process's peak resident memory so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def services_for(db: Database) -> Services:
    settings = load_settings({"ZHONGFU_TIMEZONE": "Asia/Shanghai"})
    return Services(settings, db, Catalog.load(SUPPORTED_LANGUAGES, "zh"), clock=lambda: NOW)


def step_reference(path: Path, _: str) -> dict[str, Any]:
    """Only read what the export reads (rows go nowhere)."""
    conn = reads.connect(path)
    counts = {"households": 0, "contacts": 0, "obligations": 0}
    try:
        counts["households"] = sum(1 for _ in reads.households(conn, YEAR))
        counts["contacts"] = sum(1 for _ in reads.contacts(conn, YEAR))
        counts["obligations"] = sum(1 for _ in obligations.streamed(conn, TODAY, 12))
    finally:
        conn.close()
    return counts


def step_figures(path: Path, _: str) -> dict[str, Any]:
    """What /stats computes for the year (and the year before)."""
    found = service.compute_sync(path, YEAR, TODAY, load_settings({}).timezone)
    return {"covered": found.now.covered.households, "person_times": found.now.person_times}


def step_export(path: Path, fmt: str) -> dict[str, Any]:
    """The whole export, with the event loop's longest pause measured beside it."""

    async def run() -> dict[str, Any]:
        db = await Database.open(path)
        lags: list[float] = []
        done = asyncio.Event()

        async def heartbeat() -> None:
            loop = asyncio.get_running_loop()
            while not done.is_set():
                before = loop.time()
                await asyncio.sleep(0.01)
                lags.append(loop.time() - before - 0.01)

        beat = asyncio.create_task(heartbeat())
        try:
            with tempfile.TemporaryDirectory() as folder:
                out = Path(folder) / f"year.{fmt}"
                result = await service.export(services_for(db), None, YEAR,
                                              service.Format(fmt), False, out, "zh")
                size = out.stat().st_size
        finally:
            done.set()
            await beat
            await db.close()
        return {"sheets": len(result.sheets), "size_mb": size / 1e6,
                "loop_pause_max_ms": 1000 * max(lags, default=0.0),
                "loop_pause_p99_ms": 1000 * sorted(lags)[int(len(lags) * 0.99)] if lags else 0}

    return asyncio.run(run())


def _child(step: Callable[[Path, str], dict[str, Any]], path: Path, fmt: str,
           queue: Any) -> None:
    start = time.perf_counter()
    found = step(path, fmt)
    queue.put((time.perf_counter() - start, peak_mb(), found))


def in_fresh_process(step: Callable[[Path, str], dict[str, Any]], path: Path, fmt: str
                     ) -> tuple[float, float, dict[str, Any]]:
    """Run one step in a new process: (seconds, peak MB, what it returned)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(step, path, fmt, queue))
    process.start()
    result = queue.get()
    process.join()
    return result  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=4_000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="keep the database at this path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / "bench.sqlite3"

        async def create() -> None:
            await (await Database.open(path)).close()

        asyncio.run(create())
        start = time.perf_counter()
        fill(path, args.households, args.contacts, args.workers, args.seed)
        print(f"filled {args.households:,} households, {args.contacts:,} contacts of 2026, "
              f"{args.households // 20:,} reports in {time.perf_counter() - start:.1f} s "
              f"({path.stat().st_size / 1e6:.0f} MB)")
        print(f"\n{'step':<34}{'time':>10}{'peak RSS':>12}")
        for label, step in (("reference: read the rows only", step_reference),
                            ("figures of the year (/stats)", step_figures),
                            (f"export of the year ({args.format})", step_export)):
            seconds, peak, found = in_fresh_process(step, path, args.format)
            print(f"{label:<34}{seconds:>8.1f} s{peak:>9.0f} MB   "
                  + ", ".join(f"{k} {v:,.1f}" if isinstance(v, float) else f"{k} {v:,}"
                              for k, v in found.items()))
        print("\nThe budget is 300 MB of peak memory for the export of the year; the event "
              "loop's longest pause is what another chat would wait for an answer.")


if __name__ == "__main__":
    main()
