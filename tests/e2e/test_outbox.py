"""Nobody waits for messages to others: the outbox, paced per chat, merged, exactly once.

A training session: a hundred new workers join within about a minute while the test server
holds every private chat to Telegram's pace. Each worker's next command is answered at once;
the coordinator gets the join notices merged into a handful of messages and is never sent
more than the chat allows. Killing the bot while notices wait, then starting it again,
delivers each of them exactly once.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.triage import INVITE_ALPHABET, INVITE_LENGTH, INVITE_PREFIX
from tests.conftest import TOKEN, BotProcess, bot_environment
from tests.e2e.reporting import label, submit_report
from tests.rig.server import FakeBotApi, FakeUser

WORKERS = 100
FIRST_WORKER = 50_000
STAMP = "2026-11-18T00:00:00.000000+00:00"
FAR = "2027-01-01T00:00:00.000000+00:00"


def code(n: int) -> str:
    """The n-th invite code (valid: the alphabet and length the bot expects)."""
    digits = ""
    for _ in range(INVITE_LENGTH):
        digits += INVITE_ALPHABET[n % len(INVITE_ALPHABET)]
        n //= len(INVITE_ALPHABET)
    return INVITE_PREFIX + digits


def invite_all(bot: BotProcess, count: int) -> None:
    """The coordinator's invites, made ahead of the session (as /invite does, one by one)."""
    with bot.db() as conn:
        conn.executemany(
            "INSERT INTO invites (code, created_by, created_at, expires_at) VALUES (?, 9001, ?, ?)",
            [(code(n), STAMP, FAR) for n in range(count)])
        conn.commit()


@pytest.fixture
async def paced_api() -> AsyncIterator[FakeBotApi]:
    """A server holding each private chat to 20 messages in any 20 seconds (1 a second)."""
    server = FakeBotApi(token=TOKEN, username="zhongfu_test_bot",
                        private_messages_per_window=(20, 20.0))
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def join(worker: FakeUser, invite: str, name: str) -> float:
    """Join with the invite; return how long the next command (/log) took to answer."""
    await worker.send(f"/start {invite}")
    await worker.expect(r"请写下您的姓名", timeout=30)
    await worker.send(name)
    await worker.expect(r"您负责哪些社区", timeout=30)
    await worker.press("东门社区", timeout=30)
    await worker.expect(r"您负责哪些社区", timeout=30)
    await worker.press(label("zh", "triage.join.done_button"), timeout=30)
    await worker.expect(r"您已经是社工了", timeout=30)
    asked = time.monotonic()
    await worker.send("/log")
    await worker.expect(r"还没有结对|结对", timeout=30)
    return time.monotonic() - asked


@pytest.mark.solo  # asserts answer times: run on a quiet machine, not beside other tests
async def test_a_hundred_workers_join_within_a_minute(paced_api: FakeBotApi,
                                                      tmp_path: Path) -> None:
    api = paced_api
    process = BotProcess(api, bot_environment(api, tmp_path), tmp_path)
    await process.start()
    try:
        coordinator = api.user(9001, "王协调", language_code="zh-hans")
        await coordinator.send("/start")
        await coordinator.expect(r"管理员")
        invite_all(process, WORKERS)
        workers = [api.user(FIRST_WORKER + n, f"社工{n}", language_code="zh-hans")
                   for n in range(WORKERS)]

        async def one(n: int) -> float:
            await asyncio.sleep(n * 0.5)  # a hundred joins spread over about a minute
            return await join(workers[n], code(n), f"社工{n:03d}")

        waits = await asyncio.gather(*(one(n) for n in range(WORKERS)))
        assert max(waits) < 2.0, f"slowest answer to /log after joining: {max(waits):.1f} s"

        # Every join reaches the coordinator, merged into a handful of messages.
        def named() -> set[str]:
            return {name for m in coordinator.messages
                    for name in re.findall(r"社工\d{3}", m.plain)}

        assert await api.wait_until(lambda: len(named()) == WORKERS, 90), \
            _missing_joins(process, named())
        notices = [m for m in coordinator.messages if re.search(r"社工\d{3}", m.plain)]
        assert len(notices) <= 12, f"{len(notices)} join messages for {WORKERS} joins"
        assert api.private_429s.get(9001, 0) == 0
        # Every row is marked sent (right after Telegram accepted its message).
        assert await api.wait_until(lambda: _waiting(process) == 0, 10)
    finally:
        await process.stop()


async def test_notices_waiting_when_the_bot_is_killed_go_out_once(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    await coordinator.send("/start")
    await coordinator.expect(r"管理员")
    coordinator.drain()
    invite_all(bot, 3)
    # Telegram keeps telling the coordinator's chat to wait (2 s at a time, until it is back
    # after the restart below): the notices stay queued in the outbox.
    api.fail_chat(9001, 429, "Too Many Requests: retry after 2", retry_after=2, times=1000)
    workers = [api.user(FIRST_WORKER + n, f"社工{n}", language_code="zh-hans") for n in range(3)]
    for n, worker in enumerate(workers):
        await join(worker, code(n), f"社工{n:03d}")
    with bot.db() as conn:
        queued = conn.execute("SELECT COUNT(*) FROM outbox WHERE chat_id = 9001 "
                              "AND state != 'sent'").fetchone()[0]
    assert queued == 3
    await bot.kill()
    assert coordinator.unread == []
    api.chat_recovers(9001)
    await bot.start()

    def names() -> list[str]:
        return [name for m in coordinator.events for name in re.findall(r"社工\d{3}", m.plain)]

    # A notice the killed process had claimed is taken back at once, and each waits out the
    # chat's last flood wait: all three arrive within a minute.
    assert await api.wait_until(lambda: sorted(set(names())) == ["社工000", "社工001", "社工002"],
                                60), names()
    # Every row is marked sent, so nothing is left to go out again.
    assert await bot.until(lambda: _waiting(bot) == 0, 10)
    coordinator.drain()
    await coordinator.expect_nothing(within=1.0)
    assert sorted(names()) == ["社工000", "社工001", "社工002"]  # each exactly once


async def test_a_notice_a_killed_bot_was_sending_goes_out_as_soon_as_it_is_back(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    await coordinator.send("/start")
    await coordinator.expect(r"管理员")
    coordinator.drain()
    invite_all(bot, 1)
    hold = api.hold("sendMessage", lambda params: str(params.get("chat_id")) == "9001")
    worker = api.user(FIRST_WORKER, "社工0", language_code="zh-hans")
    await join(worker, code(0), "社工000")
    await hold.reached()  # the outbox has claimed the notice and is sending it
    await bot.kill()
    api.fail_next("sendMessage", 500, "Internal Server Error")  # that send dies with it
    hold.release()
    with bot.db() as conn:
        state, claimer = conn.execute(
            "SELECT state, claimed_by FROM outbox WHERE chat_id = 9001").fetchone()
    assert state == "sending" and claimer.endswith(f":{bot.proc.pid}:" + claimer.split(":")[-1])
    await bot.start()
    # Taken back at once from the dead process, not after the 30-second lease.
    await coordinator.expect(r"新社工 社工000", timeout=8)
    assert "took back 1 message(s) a stopped process had claimed" in bot.log()
    assert await api.wait_until(lambda: _waiting(bot) == 0, 5)


async def test_who_cannot_be_reached_is_named_not_written_to(
        api: FakeBotApi, workdir: Path) -> None:
    # 9002 is a configured coordinator who never opened the bot: Telegram would refuse.
    env = bot_environment(api, workdir, ZHONGFU_COORDINATORS="9001,9002")
    process = BotProcess(api, env, workdir)
    await process.start()
    try:
        coordinator = api.user(9001, "王协调", language_code="zh-hans")
        absent = api.user(9002, "赵协调", language_code="zh-hans")
        await coordinator.send("/start")
        await coordinator.expect(r"管理员")
        invite_all(process, 1)
        worker = api.user(FIRST_WORKER, "社工0", language_code="zh-hans")
        await join(worker, code(0), "社工000")
        await coordinator.expect(r"新社工 社工000")
        assert absent.messages == []
        # The worker blocks the bot without the bot hearing of it: the next card to them is
        # refused, given up, and the coordinators are told whom to phone.
        worker.chat.blocked = True
        resident = api.user(1001, "李阿姨", language_code="zh-hans")
        ref = await submit_report(resident)
        await coordinator.expect(rf"新求助.*{ref}")
        assert await api.wait_until(lambda: _dropped(process) == 1, 15)
        await coordinator.send("/workers")
        listing = await coordinator.expect(r"社工名单")
        assert "9002" in listing.plain and "还没打开过机器人" in listing.plain
        assert "发给大家的消息都已送出" in listing.plain
        await coordinator.send("/digest")
        digest = await coordinator.expect(r"每周简报")
        assert "消息没能送到这些人" in digest.plain and "社工000" in digest.plain
        assert "9002" in digest.plain
        assert absent.messages == []
    finally:
        await process.stop()


def _missing_joins(process: BotProcess, arrived: set[str]) -> str:
    """Which join notices never arrived, their outbox rows, and the end of the bot's log."""
    missing = sorted({f"社工{n:03d}" for n in range(WORKERS)} - arrived)
    with process.db() as conn:
        rows = conn.execute("SELECT id, state, attempts, not_before, claimed_by, error, text "
                            "FROM outbox WHERE chat_id = 9001 AND state != 'sent'").fetchall()
    return (f"{len(missing)} join notices never arrived: {missing}\n"
            f"coordinator rows not sent: {rows}\nbot log (end):\n{process.log()[-4000:]}")


def _waiting(process: BotProcess) -> int:
    with process.db() as conn:
        return int(conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE state != 'sent'").fetchone()[0])


def _dropped(process: BotProcess) -> int:
    with process.db() as conn:
        return int(conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE state = 'dropped'").fetchone()[0])
