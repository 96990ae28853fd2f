"""Benchmark of the queries behind /due, /households and the service file; prints figures.

Run: python bench/bench_queries.py [--households 100000] [--contacts 1000000] [--workers 4000]
     [--keep PATH]

Builds a real SQLite file through the migrations, fills it with synthetic households, one
active pairing each (some with a handover), and contacts spread over two years; then times,
over a sample of workers and households, the storage calls the handlers make:

- /households and /due: pairings.for_worker + pairings.worker_obligations (3 queries plus
  the cadence engine for each of the worker's households);
- the service file: households.get, pairings.history, pairings.household_obligations,
  contacts.for_household (last 10), contacts.count_for_household.

It also prints SQLite's query plan for each query, to show that every one uses an index.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The path above makes the repository importable when run as a script.
from bot.services import obligations
from storage import contacts, households, pairings
from storage.db import Database

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
STAMP = NOW.isoformat(timespec="microseconds")
KINDS = ("call", "call", "visit", "deed", "other")
SERVICES = json.dumps(["comfort", "daily_care"])


def fill(path: Path, n_households: int, n_contacts: int, n_workers: int, seed: int) -> None:
    """Insert the synthetic data with plain sqlite3 (fast bulk inserts)."""
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    # The contacts go to random households: with the default 2 MB cache, the summary that
    # triggers keep beside them (contact_months) would spill pages to disk all the while.
    conn.execute("PRAGMA cache_size = -262144")
    with conn:
        conn.executemany(
            "INSERT INTO areas (id, name, created_at) VALUES (?, ?, ?)",
            [(a, f"社区{a}", STAMP) for a in range(1, 51)])
        conn.executemany(
            "INSERT INTO people (telegram_id, display_name, role, created_at, updated_at) "
            "VALUES (?, ?, 'worker', ?, ?)",
            [(10_000 + w, f"社工{w}", STAMP, STAMP) for w in range(n_workers)])
        conn.executemany(
            "INSERT INTO households (id, external_id, name, area_id, address, people_count, "
            "category, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((h, f"H{h:07d}", f"住户{h}", 1 + h % 50, f"某路{h}号", 1 + h % 4, "dibao",
              STAMP, STAMP) for h in range(1, n_households + 1)))
        rows = []
        pairing_id = 0
        for h in range(1, n_households + 1):
            worker = 10_000 + (h % n_workers)
            start = date(2025, 1, 1) + timedelta(days=rng.randrange(300))
            if h % 10 == 0:  # one in ten was handed over this year
                pairing_id += 1
                handover = date(2026, 3, 1) + timedelta(days=rng.randrange(200))
                rows.append((pairing_id, h, 10_000 + ((h + 1) % n_workers), start.isoformat(),
                             handover.isoformat(), "handover"))
                start = handover
            pairing_id += 1
            rows.append((pairing_id, h, worker, start.isoformat(), None, None))
        conn.executemany(
            "INSERT INTO pairings (id, household_id, worker_id, program_id, started_on, "
            "ended_on, ended_reason, created_at) VALUES (?, ?, ?, 1, ?, ?, ?, '" + STAMP + "')",
            rows)
        first = date(2025, 1, 1)
        span = (TODAY - first).days

        def contact_rows():  # type: ignore[no-untyped-def]
            for _ in range(n_contacts):
                h = rng.randrange(1, n_households + 1)
                day = first + timedelta(days=rng.randrange(span))
                yield (h, 10_000 + (h % n_workers), rng.choice(KINDS), day.isoformat(),
                       SERVICES, 1, "一切都好", STAMP, STAMP)

        conn.executemany(
            "INSERT INTO contacts (household_id, worker_id, kind, day, services, "
            "people_reached, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            contact_rows())
    conn.execute("ANALYZE")
    conn.close()


PLANS = {
    "/households: the worker's pairings": (
        "SELECT h.id FROM pairings p JOIN households h ON h.id = p.household_id "
        "WHERE p.worker_id = ? AND p.ended_on IS NULL AND h.archived = 0 ORDER BY h.name",
        (10_001,)),
    "cadence: pairings of households": (
        "SELECT id FROM pairings WHERE household_id IN (?, ?)", (1, 2)),
    "cadence: contacts of households": (
        "SELECT day, kind FROM contacts WHERE household_id IN (?, ?) AND deleted = 0", (1, 2)),
    "service file: last contacts": (
        "SELECT id FROM contacts c WHERE c.household_id = ? AND c.deleted = 0 "
        "ORDER BY c.day DESC, c.id DESC LIMIT 10", (1,)),
    "service file: pairing history": (
        "SELECT id FROM pairings p WHERE p.household_id = ? ORDER BY p.ended_on IS NOT NULL, "
        "p.started_on DESC", (1,)),
    "import: household by external id": (
        "SELECT id FROM households WHERE external_id = ?", ("H0000001",)),
}


def show_plans(path: Path) -> None:
    """Print SQLite's plan for each query (SEARCH ... USING INDEX is what we want)."""
    conn = sqlite3.connect(path)
    print("\nquery plans:")
    for name, (sql, params) in PLANS.items():
        plan = conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
        print(f"  {name}:")
        for row in plan:
            print(f"    {row[-1]}")
    conn.close()


async def timed(label: str, calls: list[Callable[[], Awaitable[object]]]) -> None:
    """Run each call once and print the median and 95th percentile in milliseconds."""
    times = []
    for call in calls:
        start = time.perf_counter()
        await call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"  {label:<44} median {statistics.median(times):7.2f} ms   p95 {p95:7.2f} ms   "
          f"(n={len(times)})")


async def measure(path: Path, n_households: int, n_workers: int, samples: int,
                  seed: int) -> None:
    """Time the storage calls the handlers make."""
    rng = random.Random(seed + 1)
    db = await Database.open(path)
    try:
        workers = [10_000 + rng.randrange(n_workers) for _ in range(samples)]
        homes = [rng.randrange(1, n_households + 1) for _ in range(samples)]
        print("\ntimings (one call each, warm cache):")
        # The reference: the cheapest round trip the storage layer can make (one row by
        # primary key through the same connection), measured now on the same machine.
        await timed("reference: one household by primary key",
                    [lambda h=h: db.fetchone("SELECT id FROM households WHERE id = ?", (h,))
                     for h in homes])

        async def due(worker: int) -> object:
            await pairings.for_worker(db, worker)
            return await obligations.for_worker(db, worker, TODAY, history_periods=1)

        async def service_file(household: int) -> object:
            await households.get(db, household)
            await pairings.history(db, household)
            await obligations.for_household(db, household, TODAY)
            await contacts.for_household(db, household, 10)
            return await contacts.count_for_household(db, household)

        await timed("/households, /due (a worker)", [lambda w=w: due(w) for w in workers])
        await timed("service file (a household)",
                    [lambda h=h: service_file(h) for h in homes])
        await timed("search by name (registry)",
                    [lambda h=h: households.search(db, f"住户{h}", 20) for h in homes[:20]])
    finally:
        await db.close()


def main() -> None:
    """Build the data, print plans and timings."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=4_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="build the database here and keep it")
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    path = args.keep or Path(folder.name) / "bench.sqlite3"
    if not path.exists() or args.keep is None:
        asyncio.run(_create(path))
        start = time.perf_counter()
        fill(path, args.households, args.contacts, args.workers, args.seed)
        print(f"filled {args.households:,} households, {args.contacts:,} contacts, "
              f"{args.workers:,} workers in {time.perf_counter() - start:.1f} s "
              f"({path.stat().st_size / 1e6:.0f} MB)")
    show_plans(path)
    asyncio.run(measure(path, args.households, args.workers, args.samples, args.seed))
    folder.cleanup()


async def _create(path: Path) -> None:
    db = await Database.open(path)
    await db.close()


if __name__ == "__main__":
    main()
