"""The running bot does its scheduled work itself, and catches up at start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import BotProcess
from tests.e2e.reporting import submit_report
from tests.rig.server import FakeUser


async def test_running_bot_escalates_a_report_that_waited_through_downtime(
        bot: BotProcess, coordinator: FakeUser, resident: FakeUser) -> None:
    await bot.stop()
    bot.env["ZHONGFU_SCHEDULER"] = "internal"
    await bot.start()
    await coordinator.send("/start")
    await coordinator.expect(r"协调员")
    ref = await submit_report(resident, urgency="danger")
    await coordinator.expect(rf"新求助.*{ref}")
    await coordinator.expect_nothing(within=2.0)  # the first tick ran at start: too early
    await bot.stop()
    # The bot was down for 40 minutes: the report now waited past the 30-minute limit.
    earlier = (datetime.now(UTC) - timedelta(minutes=40)).isoformat()
    with bot.db() as conn:
        conn.execute("UPDATE reports SET created_at = ?", (earlier,))
        conn.commit()
    await bot.start()
    await coordinator.expect(rf"{ref} 已等了 40 分钟", timeout=15)
    await coordinator.expect_nothing(within=2.0)
    with bot.db() as conn:
        level = conn.execute("SELECT escalation_level FROM reports").fetchone()[0]
    assert level == 1
