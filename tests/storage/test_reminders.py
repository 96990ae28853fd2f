"""Reminders and digests in a real SQLite file, and the jobs against a stub Bot API."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.error import Forbidden, RetryAfter, TimedOut

from bot.delivery.pacing import Pacer
from bot.domain.cadence import ContactKind, Stage, Status
from bot.domain.households import Category, HouseholdInput
from bot.jobs.context import TickContext
from bot.jobs.digest import digest
from bot.jobs.reminders import remind
from bot.services import obligations
from bot.services.context import Services
from storage import areas, contacts, households, pairings
from storage import reminders as store
from storage.clock import to_db
from storage.db import Database
from tests.rig.stub_bot import DirectCalls
from tests.use_cases import services_for

SHANGHAI = timedelta(hours=8)


def at(day: str, clock: str = "09:00") -> datetime:
    """A local (Asia/Shanghai) wall time as an aware UTC instant."""
    local = datetime.fromisoformat(f"{day}T{clock}")
    return (local - SHANGHAI).replace(tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "z.sqlite3")
    now = at("2025-01-01")
    await areas.seed(database, ["东门社区", "翠竹社区"], now)
    async with database.transaction() as tx:
        # The coordinator has opened the bot (Telegram refuses messages to anyone who never has).
        for worker_id, name, role in ((7001, "陈社工", "worker"), (7002, "刘社工", "worker"),
                                      (9001, "王协调", "coordinator")):
            await tx.execute(
                "INSERT INTO people (telegram_id, display_name, role, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)", (worker_id, name, role, to_db(now), to_db(now)))
    for name, worker, area in (("张大爷", 7001, 1), ("李阿婆", 7001, 2), ("王小明", 7002, 1)):
        made = await households.create(database, HouseholdInput(
            name, area, "路1号", 1, Category.ELDERLY_ALONE, "", "", None, None), now)
        await pairings.pair(database, made.id, worker, 1, date(2025, 1, 1), now)
    yield database
    await database.close()


@dataclass
class Sent:
    message_id: int


class StubBot(DirectCalls):
    """Just enough of telegram.Bot: records messages, fails as told."""

    def __init__(self) -> None:
        self.messages: list[tuple[int, str, Any]] = []
        self.photos: list[tuple[int, bytes, str | None]] = []
        self.fail: dict[int, list[Exception]] = {}
        self.photo_fail: list[Exception] = []  # pictures only, whoever they are for

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> Sent:
        errors = self.fail.get(chat_id)
        if errors:
            raise errors.pop(0)
        assert len(text) <= 4096
        self.messages.append((chat_id, text, kwargs.get("reply_markup")))
        return Sent(len(self.messages) + len(self.photos))

    async def send_photo(self, chat_id: int, photo: bytes, caption: str | None = None,
                         **kwargs: Any) -> Sent:
        errors = self.fail.get(chat_id) or self.photo_fail
        if errors:
            raise errors.pop(0)
        self.photos.append((chat_id, photo, caption))
        return Sent(len(self.messages) + len(self.photos))

    def to(self, chat_id: int) -> list[str]:
        return [text for who, text, _ in self.messages if who == chat_id]


def services(db: Database, **env: str) -> Services:
    return services_for(db, datetime(2026, 1, 1, tzinfo=UTC), env=env)


def fast_pacer() -> Pacer:
    """No real waiting in these tests (pacing is measured by the benchmark)."""
    async def no_sleep(_: float) -> None:
        return None

    return Pacer(per_second=10_000, per_chat_seconds=0, sleep=no_sleep)


async def tick(db: Database, bot: StubBot, when: datetime, **env: str) -> None:
    context = TickContext(services(db, **env), bot, when, fast_pacer())  # type: ignore[arg-type]
    await remind(context)
    await digest(context)


# -- storage ---------------------------------------------------------------------------------


async def test_all_obligations_covers_every_paired_household(db: Database) -> None:
    items = await obligations.everyone(db, date(2026, 3, 1), history_periods=0)
    assert {(i.household_name, i.obligation.key) for i in items} >= {
        ("张大爷", "call:2026-Q1"), ("李阿婆", "visit:2026-H1"), ("王小明", "deed:2026")}
    assert all(i.obligation.status is Status.DUE for i in items)


async def test_plan_is_once_per_run_and_once_per_key(db: Database) -> None:
    planned = [store.Planned(7001, 1, 1, "call:2026-Q1", Stage.FIRST, date(2026, 3, 31))]
    now = at("2026-03-01")
    assert await store.plan_run(db, "reminders", "2026-03-01", planned, date(2026, 3, 1),
                                now) == 1
    assert await store.plan_run(db, "reminders", "2026-03-01", planned, date(2026, 3, 1),
                                now) is None
    assert await store.plan_run(db, "reminders", "2026-03-02", planned, date(2026, 3, 2),
                                now) == 0
    claimed = await store.claim(db, now)
    assert [r.attempts for r in claimed] == [0]
    assert await store.claim(db, now) == []  # claimed: not handed out twice
    # a claim left by a crashed process is taken over after the lease
    again = await store.claim(db, now + store.LEASE + timedelta(seconds=1))
    assert [r.id for r in again] == [claimed[0].id]
    await store.mark_failed(db, [claimed[0].id], "TimedOut", now + timedelta(minutes=5))
    assert await store.claim(db, now + timedelta(minutes=4)) == []
    retried = await store.claim(db, now + timedelta(minutes=5))
    assert retried[0].state == "failed" and retried[0].attempts == 2
    await store.mark_sent(db, [claimed[0].id], 55, now)
    assert (await store.for_worker(db, 7001))[0].state == "sent"
    assert await store.claim(db, now + timedelta(days=30)) == []


async def test_a_run_planned_claimed_is_claimed_once_and_taken_back_like_any_claim(
        db: Database) -> None:
    now = at("2026-03-01")
    first = [store.Planned(7001, 1, 1, "call:2026-Q1", Stage.FIRST, date(2026, 3, 31))]
    await store.plan_run(db, "reminders", "2026-02-28", first, date(2026, 2, 28), now)
    planned = [*first, store.Planned(7001, 2, 1, "call:2026-Q1", Stage.FIRST, date(2026, 3, 31)),
               store.Planned(7002, 3, 1, "call:2026-Q1", Stage.FIRST, date(2026, 3, 31))]
    dead = "host:111:5"
    new = await store.plan_claimed(db, "reminders", "2026-03-01", store.planned_json(planned),
                                   date(2026, 3, 1), now, dead)
    # One was planned already: the new ones are read back, by id (the one kept is not new).
    assert isinstance(new, list)
    assert [tuple(r)[1:] for r in new] == [(7001, 2, 1, "call:2026-Q1", "first"),
                                           (7002, 3, 1, "call:2026-Q1", "first")]
    stored = {r.id: r for w in (7001, 7002) for r in await store.for_worker(db, w)}
    assert [(stored[r[0]].household_id, stored[r[0]].state, stored[r[0]].attempts)
            for r in new] == [(2, "sending", 1), (3, "sending", 1)]
    assert await store.plan_claimed(db, "reminders", "2026-03-01", store.planned_json([]),
                                    date(2026, 3, 1), now, dead) is None  # the run is done
    # Being sent: a claim takes the one planned before, not these; after a death, they are.
    assert [r.household_id for r in await store.claim(db, now)] == [1]
    assert await store.claimers(db) == [dead]
    assert await store.take_back(db, [dead]) == 2
    again = await store.claim(db, now)
    assert [(r.household_id, r.state, r.attempts) for r in again] == [
        (2, "pending", 1), (3, "pending", 1)]  # the attempt counted when first claimed


async def test_a_large_run_is_planned_whole_worker_by_worker_in_order(db: Database) -> None:
    # Many reminders of many dues, three workers: each worker's together, in the order given.
    planned = [store.Planned(7001 + i % 3, 1, 1, f"call:{i:05d}·中", Stage.FIRST,
                             date(2026, 3, 1) + timedelta(days=i % 40)) for i in range(12_001)]
    now = at("2026-03-01")
    assert await store.plan_run(db, "reminders", "2026-03-01", planned, date(2026, 3, 1),
                                now) == len(planned)
    stored = [r for worker in (7001, 7002, 7003) for r in await store.for_worker(db, worker)]
    assert [(r.worker_id, r.obligation_key, r.due_by) for r in stored] == [
        (p.worker_id, p.obligation_key, p.due_by)
        for p in sorted(planned, key=lambda p: p.worker_id)]
    assert [r.id for r in stored] == sorted(r.id for r in stored)  # worker by worker


async def test_a_run_all_new_has_the_ids_of_its_rows_in_the_order_planned(db: Database
                                                                          ) -> None:
    """plan_claimed reads nothing back when every planned reminder is new: the ids it gives
    (consecutive, in the order planned) must be those the rows were written with, whatever
    their order (not the unique index's, not by worker id, not by household)."""
    now = at("2026-03-01")
    await store.plan_run(db, "reminders", "2026-02-27", [store.Planned(
        7009, 3, 1, "call:2026-Q1", Stage.FIRST, date(2026, 3, 31))], date(2026, 2, 27), now)
    rng = random.Random(5)
    dues = [(1, f"{kind}:{n:05d}·中", stage, f"2026-03-{day}") for n in range(40)
            for kind, stage, day in [(rng.choice(["visit", "call"]),
                                      rng.choice(["final", "first"]), rng.randrange(10, 31))]]
    # Each worker's reminders together (workers not in id order), in no order within.
    rows = [(worker, rng.choice([3, 1, 2]), n) for worker in (7003, 7001, 7002, 7_000_000_000_123)
            for n in rng.sample(range(len(dues)), len(dues))]
    planned = store.plan(dues, rows)
    new = await store.plan_claimed(db, "reminders", "2026-03-01", planned, date(2026, 3, 1),
                                   now, "me")
    assert isinstance(new, range) and len(new) == len(rows) == planned.count
    stored = {r.id: r for w in (7001, 7002, 7003, 7_000_000_000_123)
              for r in await store.for_worker(db, w)}
    assert [(r.worker_id, r.household_id, r.program_id, r.obligation_key, r.stage.value,
             r.due_by.isoformat(), r.state, r.attempts) for r in map(stored.__getitem__, new)
            ] == [(worker, household, *dues[due], "sending", 1) for worker, household, due in rows]
    # The next run writes after them, its own ids again; an empty one writes nothing.
    again = await store.plan_claimed(db, "reminders", "2026-03-02", store.plan(
        [(1, "call:2026-Q2", "first", "2026-06-30")], [(7001, 1, 0)]), date(2026, 3, 2), now)
    assert isinstance(again, range) and list(again) == [new[-1] + 1]
    assert await store.plan_claimed(db, "reminders", "2026-03-03", store.plan([], []),
                                    date(2026, 3, 3), now) == range(new[-1] + 2, new[-1] + 2)


def test_a_plan_keeps_each_workers_reminders_together_and_in_range() -> None:
    due = [(1, "call:2026-Q1", "first", "2026-03-31")]
    with pytest.raises(ValueError, match="together"):
        store.plan(due, [(7001, 1, 0), (7002, 2, 0), (7001, 3, 0)])
    with pytest.raises(ValueError, match="no room"):
        store.plan(due, [(7001, 1, 1)])  # no such due
    with pytest.raises(ValueError, match="no room"):
        store.plan(due, [(7001, 1 << 62, 0)])  # the due's bit would be lost


async def test_digest_rows_are_once_per_week_and_keep_progress(db: Database) -> None:
    now = at("2026-03-02")
    assert await store.plan_digests(db, "2026-W10", [(9001, "zh"), (9002, "en")], now) == 2
    assert await store.plan_digests(db, "2026-W10", [(9001, "zh")], now) is None
    rows = await store.claim_digests(db, now)
    await store.digest_progress(db, rows[0].id, 2)
    await store.digest_failed(db, rows[0].id, "TimedOut", now)
    again = await store.claim_digests(db, now)
    assert again[0].parts_sent == 2 and again[0].attempts == 1  # attempts before this one


async def test_what_a_dead_process_claimed_is_taken_back_and_a_live_ones_is_not(
        db: Database) -> None:
    now = at("2026-03-01")
    planned = [store.Planned(7001, 1, 1, "call:2026-Q1", Stage.FIRST, date(2026, 3, 31)),
               store.Planned(7002, 2, 1, "call:2026-Q1", Stage.FIRST, date(2026, 3, 31))]
    await store.plan_run(db, "reminders", "2026-03-01", planned, date(2026, 3, 1), now)
    await store.plan_digests(db, "2026-W09", [(9001, "zh")], now)
    dead, live = "host:111:5", "host:222:7"
    assert [r.worker_id for r in await store.claim(db, now, claimer=dead)] == [7001, 7002]
    assert len(await store.claim_digests(db, now, claimer=dead)) == 1
    assert await store.claim(db, now) == []  # claimed, and the lease has not ended
    assert await store.claimers(db) == [dead]
    assert await store.take_back(db, []) == 0
    assert await store.take_back(db, [live]) == 0  # not its claims
    assert await store.take_back(db, [dead]) == 3  # two reminders and a digest
    assert await store.claimers(db) == []
    # Ready again at once, not after the lease, with the attempt already counted.
    again = await store.claim(db, now, claimer=live)
    assert [(r.worker_id, r.attempts) for r in again] == [(7001, 1), (7002, 1)]
    assert [d.chat_id for d in await store.claim_digests(db, now, claimer=live)] == [9001]
    assert await store.claimers(db) == [live]
    await store.mark_sent(db, [r.id for r in again], 55, now)
    assert await store.take_back(db, [live]) == 1  # only the digest is still being sent


# -- jobs against a stub bot ------------------------------------------------------------------


async def test_quarter_of_reminders(db: Database) -> None:
    bot = StubBot()
    await tick(db, bot, at("2026-02-27"))  # before the last month: nothing to remind
    assert bot.to(7001) == []
    await tick(db, bot, at("2026-03-02", "07:30"))  # quiet hours
    assert bot.to(7001) == []
    await tick(db, bot, at("2026-03-02", "08:30"))  # before the reminder time
    assert bot.to(7001) == []
    await tick(db, bot, at("2026-03-02", "09:01"))
    first = bot.to(7001)
    assert len(first) == 1 and "张大爷" in first[0] and "李阿婆" in first[0]
    assert "2026年第1季度" in first[0]
    markup = next(m for who, _, m in bot.messages if who == 7001)
    assert {b.callback_data for row in markup.inline_keyboard for b in row} >= {"lq:1:call",
                                                                               "lq:2:call"}
    assert len(bot.to(7002)) == 1
    # the same instant again, and later the same day: nothing new
    await tick(db, bot, at("2026-03-02", "09:01"))
    await tick(db, bot, at("2026-03-02", "15:00"))
    assert len(bot.to(7001)) == 1
    # a call logged for 张大爷 silences its final reminder
    await contacts.add(db, contacts.NewContact(1, 7001, ContactKind.CALL, date(2026, 3, 10)),
                       at("2026-03-10"))
    await tick(db, bot, at("2026-03-25"))
    final = bot.to(7001)[1]
    assert "李阿婆" in final and "张大爷" not in final and "还剩 7 天" in final
    # the clock jumps back a day: nothing is sent twice
    await tick(db, bot, at("2026-03-24", "10:00"))
    await tick(db, bot, at("2026-03-25", "10:00"))
    assert len(bot.to(7001)) == 2


async def test_catch_up_after_downtime_sends_only_the_current_stage(db: Database) -> None:
    bot = StubBot()
    await tick(db, bot, at("2026-03-27", "12:00"))  # down since February
    texts = bot.to(7001)
    assert len(texts) == 1 and "⏰" in texts[0]
    stages = {r.stage for r in await store.for_worker(db, 7001)}
    assert stages == {Stage.FINAL}


async def test_blocked_worker_is_marked_unreachable_and_shown_in_the_digest(
        db: Database) -> None:
    bot = StubBot()
    bot.fail[7002] = [Forbidden("Forbidden: bot was blocked by the user")]
    await tick(db, bot, at("2026-03-02"))  # a Monday: digest too
    assert bot.to(7002) == []
    person = (await store.people_by_id(db, [7002]))[7002]
    assert not person.reachable
    assert {r.state for r in await store.for_worker(db, 7002)} == {"failed"}
    await tick(db, bot, at("2026-03-09"))  # next Monday's digest names the worker
    digest = "\n".join(bot.to(9001))
    assert "联系不上的人" in digest and "刘社工" in digest


async def test_timeout_is_retried_on_a_later_tick_and_never_doubled(db: Database) -> None:
    bot = StubBot()
    bot.fail[7001] = [TimedOut()]
    await tick(db, bot, at("2026-03-03"))
    assert bot.to(7001) == []
    await tick(db, bot, at("2026-03-03", "09:02"))  # before the retry delay
    assert bot.to(7001) == []
    await tick(db, bot, at("2026-03-03", "09:06"))
    await tick(db, bot, at("2026-03-03", "09:20"))
    assert len(bot.to(7001)) == 1


async def test_a_retry_leaves_out_what_was_met_meanwhile_and_sends_the_rest(
        db: Database) -> None:
    bot = StubBot()
    bot.fail[7001] = [TimedOut()]
    await tick(db, bot, at("2026-03-03"))  # 张大爷 and 李阿婆's calls: one message, timed out
    assert bot.to(7001) == [] and len(bot.to(7002)) == 1
    # 张大爷 is called before the retry: only 李阿婆 is left to remind of.
    await contacts.add(db, contacts.NewContact(1, 7001, ContactKind.CALL, date(2026, 3, 3)),
                       at("2026-03-03", "09:03"))
    await tick(db, bot, at("2026-03-03", "09:06"))  # the retry: nothing planned on this tick
    [retried] = bot.to(7001)
    assert "李阿婆" in retried and "张大爷" not in retried
    states = {r.household_id: r.state for r in await store.for_worker(db, 7001)}
    assert states == {1: "cancelled", 2: "sent"}
    assert len(bot.to(7002)) == 1  # the other worker's reminder, sent already, not again


async def test_flood_wait_is_honoured(db: Database) -> None:
    bot = StubBot()
    bot.fail[7001] = [RetryAfter(1)]
    await tick(db, bot, at("2026-03-03"))
    assert len(bot.to(7001)) == 1


async def test_weekly_digest_once_per_week_with_chart(db: Database) -> None:
    bot = StubBot()
    await tick(db, bot, at("2026-04-06", "09:00"))  # Monday after Q1: every call was missed
    texts = bot.to(9001)
    assert texts and "没完成的任务</b>：上季度（2026年第1季度）的电话" in texts[0]
    assert "陈社工" in texts[0]
    assert "2026年第1季度" in texts[0]
    # a picture per rule (calls: Q1, just ended; visits and deeds: running) and the trend
    assert len(bot.photos) == 4 and all(p[1].startswith(b"\x89PNG") for p in bot.photos)
    assert "2026年第1季度 · 电话（每季度）</b>（已结束）：0/3" in (bot.photos[0][2] or "")
    await tick(db, bot, at("2026-04-07", "10:00"))  # same week: nothing more
    assert len(bot.to(9001)) == len(texts)
    assert len(bot.photos) == 4


async def test_digest_goes_to_the_group_when_configured(db: Database) -> None:
    bot = StubBot()
    await tick(db, bot, at("2026-04-08", "10:00"), ZHONGFU_COORDINATOR_CHAT="-100123")
    assert bot.to(-100123) and bot.to(9001) == []


async def test_interrupted_digest_continues_where_it_stopped(db: Database) -> None:
    bot = StubBot()
    bot.fail[9001] = [TimedOut()]
    await tick(db, bot, at("2026-04-06"))
    assert bot.to(9001) == []
    await tick(db, bot, at("2026-04-06", "09:10"))
    assert len(bot.photos) == 4
    row = (await store.digests(db))[0]
    assert row.state == "sent"


async def test_a_digest_stopped_at_its_first_picture_goes_on_from_that_picture(
        db: Database) -> None:
    """The text went out and Telegram failed the first picture: the next tick sends the four
    pictures (drawn only once the text is out), and not the text again."""
    bot = StubBot()
    bot.photo_fail = [TimedOut()]
    await tick(db, bot, at("2026-04-06"))
    assert len(bot.to(9001)) == 1 and bot.photos == []
    assert (await store.digests(db))[0].parts_sent == 1
    await tick(db, bot, at("2026-04-06", "09:10"))
    assert len(bot.to(9001)) == 1
    assert len(bot.photos) == 4 and "电话（每季度）" in (bot.photos[0][2] or "")
    assert (await store.digests(db))[0].state == "sent"
