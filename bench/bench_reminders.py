"""Benchmark of a reminder run to many workers against the fake Bot API; prints figures.

Run: python bench/bench_reminders.py [--workers 1000] [--unpaced]

Builds a real SQLite file with N workers, each paired with one household that owes this
quarter's call, starts the Bot API server of the tests and the demo (bot/botapi/server.py,
which answers 429 like Telegram when more than 30 messages arrive within a second), and runs the
production reminder job once through the production application (PTB with
AIORateLimiter) at the first day of the quarter's last month, 09:00 local. It prints the
messages sent per second next to Telegram's 30/s ceiling, and how many 429 answers the
server gave. --unpaced replaces the pacer by one that never waits, to show what it saves.
The aim: at least 25 messages/s and no 429.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The path above makes the repository importable when run as a script.
from bot.botapi.server import FakeBotApi
from bot.config import load_settings
from bot.delivery.pacing import Pacer
from bot.jobs.context import TickContext
from bot.jobs.reminders import remind
from bot.runner import opened
from storage import reminders as store
from storage.clock import to_db
from storage.db import Database

TOKEN = "123456:BENCH-token-abcdefghij"
AT = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai, Q4's last month
FIRST_WORKER = 100_000


async def fill(path: Path, workers: int) -> None:
    """N workers, one household each, paired since 2025 with nothing logged."""
    db = await Database.open(path)
    stamp = to_db(AT)
    try:
        async with db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO people (telegram_id, display_name, language, role, created_at, "
                "updated_at) VALUES (?, ?, 'zh', 'worker', ?, ?)",
                [(FIRST_WORKER + n, f"社工{n}", stamp, stamp) for n in range(workers)])
            await tx.executemany(
                "INSERT INTO households (id, name, address, people_count, category, created_at,"
                " updated_at) VALUES (?, ?, '', 1, 'other', ?, ?)",
                [(n + 1, f"住户{n}", stamp, stamp) for n in range(workers)])
            await tx.executemany(
                "INSERT INTO pairings (household_id, worker_id, program_id, started_on, "
                "created_at) VALUES (?, ?, 1, '2025-01-01', ?)",
                [(n + 1, FIRST_WORKER + n, stamp) for n in range(workers)])
    finally:
        await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1000)
    parser.add_argument("--unpaced", action="store_true")
    args = parser.parse_args()

    api = FakeBotApi(token=TOKEN, username="bench_bot")
    await api.start()
    for n in range(args.workers):
        api.user(FIRST_WORKER + n, f"社工{n}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        await fill(path, args.workers)
        settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.base_url,
                                  "ZHONGFU_DATABASE": str(path),
                                  "ZHONGFU_TIMEZONE": "Asia/Shanghai"}, token_required=True)
        pacer = Pacer(per_second=1e9, per_chat_seconds=0) if args.unpaced else Pacer()
        async with opened(settings) as (app, services):
            await app.initialize()
            try:
                started = time.perf_counter()
                await remind(TickContext(services, app.bot, AT, pacer))
                elapsed = time.perf_counter() - started
                counts = await store.counts(services.db)
            finally:
                await app.shutdown()
    await api.stop()
    sent = len(api.calls_to("sendMessage"))
    print(f"workers: {args.workers}, pacer: {'off' if args.unpaced else 'on'}")
    print(f"reminder run: {elapsed:.1f} s (planning, sending, recording)")
    print(f"messages accepted: {sent - api.flood_429s} of {sent} requests")
    print(f"rate: {(sent - api.flood_429s) / elapsed:.1f} messages/s  (Telegram's ceiling: 30/s;"
          " aim: >= 25/s)")
    print(f"429 answers: {api.flood_429s}  (aim: 0)")
    print(f"reminder rows by state: {counts}")


if __name__ == "__main__":
    asyncio.run(main())
