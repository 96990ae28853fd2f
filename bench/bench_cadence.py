"""Benchmark of the cadence engine on synthetic pairings; prints figures, asserts nothing.

Run: python bench/bench_cadence.py [--full] [--fresh-dates] [--sizes 10000,100000,1000000]

For each size it times the running-period fast path (current_status_counts) against a
reference measured in the same run, a loop over the same columns that does no work, and
then measures the fast path's peak memory with tracemalloc in a separate run (tracing
slows Python down, so it never shares a run with the timing). The full engine
(obligations(), one call per household) is timed on up to 100,000 households, all sizes
with --full, and checked to agree with the fast path.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The path above makes the repository importable when run as a script.
from bot.domain.cadence import (
    DEFAULT_PROGRAM,
    ContactKind,
    ContactRecord,
    Rule,
    Status,
    Tenure,
    current_status_counts,
    current_statuses,
    obligations,
)

AIM_SECONDS = 2.0
AIM_MB = 300.0
TODAY = date(2026, 11, 20)
KINDS = (ContactKind.CALL, ContactKind.VISIT, ContactKind.DEED)


@dataclass
class Columns:
    """Synthetic input, one row per household's coverage, as storage would hand it over."""

    since: list[date]
    until: list[date | None]
    latest: dict[ContactKind, list[date | None]]


def synthetic(rows: int, seed: int = 7, fresh: bool = False) -> Columns:
    """Coverages begun over five years, 5% ending, contacts up to today or none."""
    rng = random.Random(seed)
    # By default dates come from one pool, as a storage layer that caches parsed dates would
    # give them; fresh=True makes one new date object per cell, the worst case for memory.
    cell: Callable[[date], date] = (
        (lambda day: date.fromordinal(day.toordinal())) if fresh else (lambda day: day)
    )
    pool = [TODAY - timedelta(days=n) for n in range(5 * 366)]
    later = [TODAY + timedelta(days=n) for n in range(1, 400)]
    since = [cell(rng.choice(pool)) for _ in range(rows)]
    until: list[date | None] = [
        cell(rng.choice(later)) if rng.random() < 0.05 else None for _ in range(rows)
    ]
    latest: dict[ContactKind, list[date | None]] = {}
    for kind, horizon in ((ContactKind.CALL, 200), (ContactKind.VISIT, 400),
                          (ContactKind.DEED, 700)):
        latest[kind] = [
            cell(pool[rng.randrange(horizon)]) if rng.random() < 0.8 else None
            for _ in range(rows)
        ]
    return Columns(since, until, latest)


def reference_loop(data: Columns) -> int:
    """Touch every row once per rule, as the fast path does, and do nothing else."""
    touched = 0
    for _ in DEFAULT_PROGRAM.rules:
        for _s, _e, _c in zip(data.since, data.until, data.latest[ContactKind.CALL], strict=True):
            touched += 1
    return touched


def fast(data: Columns) -> dict[Rule, dict[Status, int]]:
    """The fast path under test."""
    return current_status_counts(DEFAULT_PROGRAM, TODAY, data.since, data.until, data.latest)


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best wall time of a few runs, garbage collector off as in a steady service."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
        finally:
            gc.enable()
    return best


def traced_peak_mb(fn: Callable[[], object]) -> float:
    """Peak memory allocated while fn runs (its result included), in MB."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        result = fn()
        peak = tracemalloc.get_traced_memory()[1]
        del result
    finally:
        tracemalloc.stop()
    return (peak - base) / 1e6


def build_traced(rows: int, fresh: bool) -> tuple[Columns, float]:
    """The synthetic input and the memory it holds, in MB."""
    gc.collect()
    tracemalloc.start()
    try:
        data = synthetic(rows, fresh=fresh)
        held = tracemalloc.get_traced_memory()[0] / 1e6
    finally:
        tracemalloc.stop()
    return data, held


def households(data: Columns, limit: int) -> list[tuple[list[Tenure], list[ContactRecord]]]:
    """The same rows as full-engine input: one tenure, one contact per kind that has one."""
    out = []
    for i in range(min(limit, len(data.since))):
        tenures = [Tenure(i, i, data.since[i], data.until[i])]
        contacts = [
            ContactRecord(day, kind) for kind in KINDS if (day := data.latest[kind][i]) is not None
        ]
        out.append((tenures, contacts))
    return out


def full_engine(houses: Sequence[tuple[list[Tenure], list[ContactRecord]]]) -> int:
    """Running-period obligations through the full engine, one call per household."""
    count = 0
    for tenures, contacts in houses:
        count += len(obligations(DEFAULT_PROGRAM, tenures, contacts, TODAY, history_periods=0))
    return count


def check_agreement(data: Columns, sample: int) -> None:
    """The fast path must say what the full engine says; a mismatch is a bug, so stop."""
    statuses = current_statuses(DEFAULT_PROGRAM, TODAY, data.since[:sample], data.until[:sample],
                                {k: v[:sample] for k, v in data.latest.items()})
    for i, (tenures, contacts) in enumerate(households(data, sample)):
        full = {o.rule: o.status for o in obligations(DEFAULT_PROGRAM, tenures, contacts, TODAY,
                                                      history_periods=0)}
        for rule in DEFAULT_PROGRAM.rules:
            if full.get(rule) != statuses[rule][i]:
                raise SystemExit(f"row {i} {rule}: full {full.get(rule)} fast {statuses[rule][i]}")


def main() -> None:
    """Print one line per size and measurement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--full", action="store_true", help="full engine at every size")
    parser.add_argument("--fresh-dates", action="store_true",
                        help="a new date object per cell instead of a shared pool")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    print(f"python {sys.version.split()[0]}, today {TODAY}, program {DEFAULT_PROGRAM.name}: "
          + ", ".join(f"{r.kind}/{r.period}" for r in DEFAULT_PROGRAM.rules))
    print(f"aim: 1,000,000 pairings in <= {AIM_SECONDS:.1f} s and <= {AIM_MB:.0f} MB\n")
    for rows in sizes:
        data, held = build_traced(rows, args.fresh_dates)
        check_agreement(data, min(rows, 20_000))
        ref = timed(partial(reference_loop, data))
        took = timed(partial(fast, data))
        peak = traced_peak_mb(partial(fast, data))
        print(f"{rows:>9,} pairings  fast path {took:6.3f} s  ({took / ref:4.1f}x the empty loop "
              f"{ref:.3f} s)  peak {peak:6.1f} MB  (+ input {held:6.1f} MB)")
        if args.full or rows <= 100_000:
            houses = households(data, rows)
            full = timed(partial(full_engine, houses), repeat=1)
            print(f"{'':>9}           full engine {full:6.3f} s  "
                  f"({full / took:5.1f}x the fast path)")
            del houses
        if rows == 1_000_000:
            verdict = "meets" if took <= AIM_SECONDS and peak + held <= AIM_MB else "MISSES"
            print(f"{'':>9}           {verdict} the aim (time {took:.2f}/{AIM_SECONDS:.0f} s, "
                  f"memory {peak + held:.0f}/{AIM_MB:.0f} MB incl. input)")
        del data
        gc.collect()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"\nprocess peak RSS {rss:.0f} MB (synthetic data, full-engine runs and tracemalloc's "
          "own bookkeeping included)")


if __name__ == "__main__":
    main()
