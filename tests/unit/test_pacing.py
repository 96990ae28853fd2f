"""The pacer under a crowd: many senders waiting at once take the overall rate's slots in the
order they came, each woken about once, within every limit."""

from __future__ import annotations

import asyncio
import time
from itertools import pairwise

from bot.delivery.pacing import Pacer

PER_SECOND = 500.0


async def test_a_crowd_of_senders_is_served_in_order_without_waking_everyone() -> None:
    sleeps = 0

    async def counted_sleep(seconds: float) -> None:
        nonlocal sleeps
        sleeps += 1
        await asyncio.sleep(seconds)

    pacer = Pacer(per_second=PER_SECOND, sleep=counted_sleep)
    order: list[int] = []
    stamps: list[float] = []

    async def send(chat: int) -> None:
        await pacer.slot(chat)
        order.append(chat)
        stamps.append(time.monotonic())

    crowd = 200
    await asyncio.gather(*(send(7000 + n) for n in range(crowd)))
    # First come, first served; and each waiter slept about once, not once per message sent
    # before it (a thundering herd: about crowd² / 2 = 20,000 wake-ups).
    assert order == [7000 + n for n in range(crowd)]
    assert sleeps <= 2 * crowd, sleeps
    # The overall rate held: no two messages closer than 1/PER_SECOND.
    assert all(b - a >= 1 / PER_SECOND - 1e-3 for a, b in pairwise(stamps))


async def test_a_chat_told_to_wait_does_not_hold_up_the_others() -> None:
    pacer = Pacer(per_second=PER_SECOND)
    await pacer.slot(1)
    pacer.hold(1, 0.5)  # Telegram said: chat 1, wait half a second
    started = time.monotonic()
    held = asyncio.ensure_future(pacer.slot(1))
    await asyncio.sleep(0)
    for chat in range(2, 12):
        await pacer.slot(chat)
    assert time.monotonic() - started < 0.3  # the others went while chat 1 waited
    assert not held.done()
    await held
    assert time.monotonic() - started >= 0.45
