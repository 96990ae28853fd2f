"""The pacer under a crowd: many senders waiting at once take the overall rate's slots in the
order they came, each woken about once, within every limit; and a message counts until a
second after its call returned, so slow calls cannot crowd one of Telegram's seconds."""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack
from itertools import pairwise

from bot.delivery.pacing import Pacer

PER_SECOND = 500


async def send(pacer: Pacer, chat: int) -> None:
    """A message that returns as soon as it is let go."""
    async with pacer.sending(chat):
        pass


async def test_a_crowd_of_senders_is_served_in_order_without_waking_everyone() -> None:
    sleeps = 0

    async def counted_sleep(seconds: float) -> None:
        nonlocal sleeps
        sleeps += 1
        await asyncio.sleep(seconds)

    pacer = Pacer(per_second=PER_SECOND, sleep=counted_sleep)
    order: list[int] = []
    counted: list[int] = []

    async def send(chat: int) -> None:
        async with pacer.sending(chat):
            order.append(chat)
            # The messages in the overall count as this one leaves, itself included.
            counted.append(len(pacer._uses))

    crowd = 1200
    await asyncio.gather(*(send(7000 + n) for n in range(crowd)))
    # First come, first served; and each waiter slept about once, not once per message sent
    # before it (a thundering herd: about crowd² / 2 wake-ups).
    assert order == [7000 + n for n in range(crowd)]
    assert sleeps <= 2 * crowd, sleeps
    # The overall rate held: never more than PER_SECOND in the count as one left; and the
    # crowd went in bunches as the rate allowed, not one a wake-up.
    assert max(counted) == PER_SECOND
    assert sleeps < crowd / 10, sleeps


async def test_a_chat_told_to_wait_does_not_hold_up_the_others() -> None:
    pacer = Pacer(per_second=PER_SECOND)
    await send(pacer, 1)
    pacer.hold(1, 1.0)  # Telegram said: chat 1, wait a second
    started = time.monotonic()
    held = asyncio.ensure_future(send(pacer, 1))
    await asyncio.sleep(0)
    for chat in range(2, 12):
        await send(pacer, chat)
    # The others went while chat 1 waited (ten take 20 ms; the rest is room for a busy machine).
    assert time.monotonic() - started < 0.6
    assert not held.done()
    await held
    assert time.monotonic() - started >= 0.95


class FakeClock:
    """Time that moves only when someone sleeps (or the test moves it)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def test_a_message_on_its_way_keeps_its_place_until_a_second_after_it_returned() -> None:
    # Telegram counts a message when it arrives, anywhere between the moment it left and the
    # moment its call returned. 28 calls that left in the first second and took five seconds
    # may all arrive in the fifth: the 29th must not leave until a second after one returned.
    clock = FakeClock()
    pacer = Pacer(per_second=28, per_chat_seconds=0, clock=clock, sleep=clock.sleep)
    async with AsyncExitStack() as slow:
        for chat in range(28):
            await slow.enter_async_context(pacer.sending(100 + chat))
        assert clock.now < 1.0
        late = asyncio.ensure_future(send(pacer, 200))
        clock.now = 5.0
        for _ in range(5):
            await asyncio.sleep(0)
        assert not late.done()  # counted from the moment they left, it would have gone at 1 s
    returned = clock.now  # all 28 returned at 5 s
    await late
    assert clock.now >= returned + 1.0


async def test_a_chat_waits_a_full_interval_after_its_last_message_returned() -> None:
    clock = FakeClock()
    pacer = Pacer(per_second=28, per_chat_seconds=1.0, clock=clock, sleep=clock.sleep)
    async with pacer.sending(7):
        clock.now = 3.0  # a slow call: it may have arrived just now
    await send(pacer, 7)
    assert clock.now >= 4.0


async def test_pacer_keeps_every_limit() -> None:
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    times: list[tuple[float, int]] = []
    for n in range(200):
        chat = 7000 + n % 50 if n % 10 else -100123  # every tenth to one group
        async with pacer.sending(chat):
            times.append((clock.now, chat))
    stamps = [when for when, _ in times]
    assert all(sum(1 for s in stamps if start <= s < start + 1.0) <= 28 for start in stamps)
    group = [when for when, chat in times if chat < 0]
    assert all(sum(1 for s in group if start <= s < start + 60.0) <= 20 for start in group)
    by_chat: dict[int, list[float]] = {}
    for when, chat in times:
        by_chat.setdefault(chat, []).append(when)
    assert all(b - a >= 1.0 - 1e-9 for seen in by_chat.values() for a, b in pairwise(seen))
    pacer.pause(5)
    before = clock.now
    async with pacer.sending(1):
        assert clock.now >= before + 5
