"""Messages to one chat arrive in the order they were queued, even when Telegram holds the
first one back (a flood wait, a failure that passes) and even across a crash: a newer card
never overtakes an older one in a coordinator's chat."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.conftest import COORDINATOR_ID, BotProcess
from tests.e2e.reporting import confirm_summary, report_to_summary
from tests.rig.server import FakeBotApi, FakeUser

FIRST_ADDRESS = "东门小区3栋502"
SECOND_ADDRESS = "翠竹苑8栋101"


def cards(coordinator: FakeUser) -> list[str]:
    """The references of the new-report cards in the coordinator's chat, as they arrived."""
    return [ref for message in coordinator.messages if "新求助" in message.plain
            for ref in re.findall(r"R-\d{4}", message.plain)]


async def two_reports_while_the_first_card_waits(
        api: FakeBotApi, coordinator: FakeUser, first: FakeUser, second: FakeUser,
        failure: tuple[int, str, int | None]) -> tuple[str, str]:
    """Two residents report in two communities (so their cards are two messages); the first
    card meets `failure` (code, description, retry_after), the second is queued while the
    first waits. Their references, in the order they were made."""
    await coordinator.send("/start")
    await coordinator.expect(r"管理员")
    one = await report_to_summary(first, address=FIRST_ADDRESS, area="东门社区")
    two = await report_to_summary(second, address=SECOND_ADDRESS, area="翠竹社区")
    code, description, retry_after = failure
    api.fail_chat(COORDINATOR_ID, code, description, retry_after=retry_after)
    tried = asyncio.ensure_future(api.wait_for_call(
        "sendMessage", predicate=lambda params: str(params.get("chat_id")) == str(COORDINATOR_ID)))
    older = await confirm_summary(first, one)
    await tried  # the first card went out and met the failure: it waits now
    newer = await confirm_summary(second, two)
    return older, newer


@pytest.mark.parametrize(("code", "description", "retry_after"), [
    (429, "Too Many Requests: retry after 4", 4),
    (500, "Internal Server Error", None),
], ids=["flood-wait", "passing-failure"])
async def test_a_newer_card_waits_behind_the_one_telegram_held_back(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser,
        code: int, description: str, retry_after: int | None) -> None:
    neighbour = api.user(1003, "赵大姐", language_code="zh-hans")
    older, newer = await two_reports_while_the_first_card_waits(
        api, coordinator, resident, neighbour, (code, description, retry_after))
    assert await api.wait_until(lambda: len(cards(coordinator)) == 2, 20), cards(coordinator)
    assert cards(coordinator) == [older, newer]


async def test_the_held_card_still_goes_first_after_the_bot_is_killed(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    neighbour = api.user(1003, "赵大姐", language_code="zh-hans")
    older, newer = await two_reports_while_the_first_card_waits(
        api, coordinator, resident, neighbour, (429, "Too Many Requests: retry after 6", 6))
    # Killed while the first card waits out its flood wait: the process that knew of the
    # wait is gone, and the restarted one learns it from the queue alone.
    await bot.kill()
    assert cards(coordinator) == []
    await bot.start()
    assert await api.wait_until(lambda: len(cards(coordinator)) == 2, 20), cards(coordinator)
    assert cards(coordinator) == [older, newer]
    # Both rows are marked sent: neither goes out a second time.
    assert await bot.until(lambda: unsent(bot) == 0, 5)
    assert cards(coordinator) == [older, newer]


def unsent(bot: BotProcess) -> int:
    """The coordinator's outbox rows not marked sent yet."""
    with bot.db() as conn:
        return int(conn.execute("SELECT COUNT(*) FROM outbox WHERE chat_id = ? "
                                "AND state != 'sent'", (COORDINATOR_ID,)).fetchone()[0])


async def test_a_card_telegram_refuses_does_not_take_the_cards_behind_it_down(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    """The second card waited behind the first (a flood wait); when they go out together
    Telegram refuses the first for good: the second still arrives."""
    neighbour = api.user(1003, "赵大姐", language_code="zh-hans")
    _, newer = await two_reports_while_the_first_card_waits(
        api, coordinator, resident, neighbour, (429, "Too Many Requests: retry after 3", 3))
    api.fail_chat(COORDINATOR_ID, 400, "Bad Request: message is invalid")
    assert await api.wait_until(lambda: newer in cards(coordinator), 20), bot.log()[-3000:]
    assert cards(coordinator) == [newer]

    def states() -> list[str]:
        with bot.db() as conn:
            return sorted(r[0] for r in conn.execute(
                "SELECT state FROM outbox WHERE chat_id = ?", (COORDINATOR_ID,)))

    # The refused card alone is given up; the other is marked sent, nothing waits.
    assert await bot.until(lambda: states() == ["dropped", "sent"], 5), states()
