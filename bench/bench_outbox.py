"""A burst of new reports: the time until the last card reached the last worker.

Run: python bench/bench_outbox.py [--reports 200] [--workers 10]

The outbox sends the new-report cards of a community to its workers and the coordinator,
paced within Telegram's limits and merging the cards that wait together for one chat. The
figure printed is the time from the burst (every report committed and routed) to the last
card delivered, beside Telegram's floor for sending every card as its own message at the
30 messages a second it allows (measured against the same local test server, which refuses
more than 30 a second overall and more than 20 in 20 seconds to one chat).
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
from bot.delivery.outbox import Outbox
from bot.delivery.pacing import Pacer
from bot.runner import opened
from bot.services import routing
from storage import outbox, reports
from storage.clock import to_db
from storage.db import Database

TOKEN = "123456:BENCH-token-abcdefghij"
NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
COORDINATOR = 9001
FIRST_WORKER = 100_000


async def fill(path: Path, workers: int, count: int) -> None:
    """One community, its workers, a coordinator who opened the bot, and `count` new reports."""
    db = await Database.open(path)
    stamp = to_db(NOW)
    try:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO areas (id, name, created_at) VALUES (1, '东门社区', ?)",
                             (stamp,))
            await tx.executemany(
                "INSERT INTO people (telegram_id, display_name, language, role, created_at, "
                "updated_at) VALUES (?, ?, 'zh', ?, ?, ?)",
                [(FIRST_WORKER + n, f"社工{n}", "worker", stamp, stamp) for n in range(workers)]
                + [(COORDINATOR, "王协调", "coordinator", stamp, stamp),
                   (1, "居民", "resident", stamp, stamp)])
            await tx.executemany("INSERT INTO person_areas (telegram_id, area_id) VALUES (?, 1)",
                                 [(FIRST_WORKER + n,) for n in range(workers)])
            await tx.executemany(
                "INSERT INTO reports (reporter_id, category, description, area_id, urgency, "
                "created_at, updated_at) VALUES (1, 'health', ?, 1, 'soon', ?, ?)",
                [(f"第{n}户老人需要帮助", stamp, stamp) for n in range(count)])
    finally:
        await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--workers", type=int, default=10)
    args = parser.parse_args()
    api = FakeBotApi(token=TOKEN, username="bench_bot", private_messages_per_window=(20, 20.0))
    await api.start()
    for n in range(args.workers):
        api.user(FIRST_WORKER + n, f"社工{n}")
    api.user(COORDINATOR, "王协调")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        await fill(path, args.workers, args.reports)
        settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.base_url,
                                  "ZHONGFU_DATABASE": str(path),
                                  "ZHONGFU_COORDINATORS": str(COORDINATOR)}, token_required=True)
        async with opened(settings) as (app, services):
            await app.initialize()
            try:
                sender = Outbox(services, app.bot, Pacer())
                started = time.perf_counter()
                for report_id in range(1, args.reports + 1):
                    found = await reports.get(services.db, report_id)
                    assert found is not None
                    await routing.route(services, found, services.clock())
                routed = time.perf_counter() - started
                while (await outbox.depth(services.db)).waiting:
                    if not await sender.flush():
                        await asyncio.sleep(0.05)
                elapsed = time.perf_counter() - started
            finally:
                await app.shutdown()
    await api.stop()
    cards = args.reports * (args.workers + 1)
    sent = len(api.calls_to("sendMessage"))
    print(f"burst: {args.reports} new reports, {args.workers} workers + 1 coordinator "
          f"({cards} cards)")
    print(f"routed (committed to the outbox): {routed:.2f} s")
    print(f"last card delivered after: {elapsed:.1f} s, in {sent} messages, "
          f"{api.flood_429s} answered 429")
    print(f"reference: Telegram's floor for {cards} separate cards at 30 messages/s: "
          f"{cards / 30:.1f} s (and {args.reports:.0f} s for one chat at 1 a second)")


if __name__ == "__main__":
    asyncio.run(main())
