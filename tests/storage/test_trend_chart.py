"""trend_chart, the picture /stats shows, read from a real SQLite file."""

from __future__ import annotations

import asyncio
import struct
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.domain.households import Category, HouseholdInput
from bot.services import charts
from bot.services.charts import trend_chart
from bot.services.context import Services
from storage import areas, households, pairings
from storage.clock import to_db
from storage.db import Database
from tests.use_cases import catalog

NOW = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    """Two households paired since 2025, one called every quarter of 2025."""
    db = await Database.open(tmp_path / "z.sqlite3")
    await areas.seed(db, ["东门社区"], NOW)
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO people (telegram_id, display_name, role, created_at, updated_at) "
            "VALUES (7001, '陈社工', 'worker', ?, ?)", (to_db(NOW), to_db(NOW)))
    ids = []
    for name in ("张大爷", "李阿婆"):
        made = await households.create(db, HouseholdInput(
            name, 1, "路1号", 1, Category.ELDERLY_ALONE, "", "", None, None), NOW)
        await pairings.pair(db, made.id, 7001, 1, date(2025, 1, 1), NOW)
        ids.append(made.id)
    async with db.transaction() as tx:
        for day in ("2025-02-01", "2025-05-01", "2025-08-01", "2025-11-01"):
            await tx.execute(
                "INSERT INTO contacts (household_id, worker_id, kind, day, created_at,"
                " updated_at) VALUES (?, 7001, 'call', ?, ?, ?)",
                (ids[0], day, to_db(NOW), to_db(NOW)))
    settings = load_settings({"ZHONGFU_TIMEZONE": "Asia/Shanghai"})
    yield Services(settings, db, catalog())
    await db.close()


async def test_trend_chart_for_stats(services: Services) -> None:
    found = await trend_chart(services, "en", date(2026, 2, 20))
    assert found is not None
    png, caption = found
    assert png.startswith(b"\x89PNG") and struct.unpack(">I", png[16:20])[0] == 1080
    assert "Share done over the last periods" in caption and len(caption) <= 1024
    zh = await trend_chart(services, "zh", date(2026, 2, 20))
    assert zh is not None and "近几期的完成率" in zh[1]


async def test_no_trend_before_a_second_period(services: Services) -> None:
    assert await trend_chart(services, "zh", date(2025, 2, 1)) is None


async def test_the_trend_is_drawn_while_other_chats_are_answered(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """The picture is drawn in a worker thread, the data read before it: at scale drawing
    takes a second or more, and every other chat's reply would wait for it on the loop."""
    real = charts.trend_png
    loop = asyncio.get_running_loop()
    began = asyncio.Event()
    drawn: list[tuple[threading.Thread, float]] = []

    def slow(*args: object) -> tuple[bytes, bool]:
        loop.call_soon_threadsafe(began.set)
        time.sleep(0.5)  # a large community's chart
        drawn.append((threading.current_thread(), time.monotonic()))
        return real(*args)  # type: ignore[arg-type]

    async def another_chat() -> float:
        """When the loop, free again, saw that the drawing had begun."""
        await began.wait()
        return time.monotonic()

    monkeypatch.setattr(charts, "trend_png", slow)
    found, seen = await asyncio.gather(trend_chart(services, "en", date(2026, 2, 20)),
                                       another_chat())
    assert found is not None and found[0].startswith(b"\x89PNG")
    [(thread, finished)] = drawn
    assert thread is not threading.main_thread()
    assert seen < finished  # answered during the drawing, not after it
