"""The running bot does its scheduled work itself, and catches up at start.

The bot lives on the day and hour the test gives it (ZHONGFU_CLOCK_SHIFT), so what it sends
does not depend on when the tests run. Each test runs at instants that have caught the
scheduler out before: a Monday a minute before the daily run, a Sunday evening (the weekly
digest's catch-up), a night in quiet hours, and New Year's Eve turning into the new year.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.conftest import ZONE, BotProcess
from tests.e2e.reporting import submit_report
from tests.rig.server import FakeUser

MONDAY_0859 = datetime(2026, 11, 16, 8, 59, tzinfo=ZONE)
SUNDAY_1935 = datetime(2026, 11, 22, 19, 35, tzinfo=ZONE)
QUIET_NIGHT = datetime(2026, 11, 18, 23, 30, tzinfo=ZONE)
NEW_YEARS_EVE = datetime(2026, 12, 31, 23, 59, 40, tzinfo=ZONE)

# (instant, whether the weekly digest is due there with the default 09:00 run and the quiet
# hours 21:00-08:00): before Monday's run not yet; any later day of the week it catches up;
# never in quiet hours.
INSTANTS = [
    pytest.param(MONDAY_0859, False, id="monday-0859"),
    pytest.param(SUNDAY_1935, True, id="sunday-1935"),
    pytest.param(QUIET_NIGHT, False, id="quiet-night"),
    pytest.param(NEW_YEARS_EVE, False, id="new-years-eve"),
]


async def start_internal(bot: BotProcess, at: datetime) -> None:
    """Restart the bot with its own minute tick, its clock reading `at`."""
    await bot.stop()
    bot.env["ZHONGFU_SCHEDULER"] = "internal"
    bot.set_clock(at)
    await bot.start()


def escalations(user: FakeUser, ref: str) -> int:
    """How many escalation alerts about `ref` the user has received."""
    return sum(1 for m in user.events if ref in m.plain and "已等了" in m.plain)


@pytest.mark.parametrize(("at", "digest_due"), INSTANTS)
async def test_running_bot_escalates_a_report_that_waited_through_downtime(
        bot: BotProcess, coordinator: FakeUser, resident: FakeUser, at: datetime,
        digest_due: bool) -> None:
    await start_internal(bot, at)
    if digest_due:  # the first tick, right after start, catches up on this week's digest
        await coordinator.expect("每周简报", timeout=15)
    await coordinator.send("/start")
    await coordinator.expect(r"管理员")
    ref = await submit_report(resident, urgency="danger")
    await coordinator.expect(rf"新求助.*{ref}")
    await coordinator.expect_nothing(within=2.0)  # the first tick ran at start: too early
    await bot.stop()
    # The bot was down for 40 minutes: the report now waited past the 30-minute limit.
    with bot.db() as conn:
        conn.execute("UPDATE reports SET created_at = ?",
                     ((bot.now() - timedelta(minutes=40)).isoformat(),))
        conn.commit()
    await bot.start()
    await coordinator.expect(rf"{ref} 已等了 40 分钟", timeout=15)
    await coordinator.expect_nothing(within=2.0)
    assert escalations(coordinator, ref) == 1
    with bot.db() as conn:
        level = conn.execute("SELECT escalation_level FROM reports").fetchone()[0]
    assert level == 1


@pytest.mark.parametrize(("at", "digest_due"), INSTANTS)
async def test_running_bot_sends_the_weekly_digest_only_when_it_is_due(
        bot: BotProcess, coordinator: FakeUser, at: datetime, digest_due: bool) -> None:
    await coordinator.send("/start")
    await coordinator.expect(r"管理员")
    await start_internal(bot, at)
    if digest_due:
        await coordinator.expect("每周简报", timeout=15)
        # Restarting within the same week sends it no second time.
        await bot.stop()
        await bot.start()
    await coordinator.expect_nothing(within=3.0)
    with bot.db() as conn:
        runs = conn.execute("SELECT COUNT(*) FROM digests").fetchone()[0]
    assert runs == (1 if digest_due else 0)
