"""Pacing messages within Telegram's limits: overall per second, per chat, per group.

Telegram allows about 30 messages per second overall, about one per second to one chat and
20 per minute to one group. The `Pacer` hands out send slots that respect all three.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

OVERALL_PER_SECOND = 28.0  # under Telegram's 30/s: room for the few unpaced sends (pictures)
PER_CHAT_SECONDS = 1.0
GROUP_PER_MINUTE = 20


def is_group(chat_id: int) -> bool:
    """Group and channel ids are negative."""
    return chat_id < 0


class _Use:
    """One message in the overall count: when its call returned (None: on its way)."""

    __slots__ = ("returned",)

    def __init__(self, returned: float | None) -> None:
        self.returned = returned


@dataclass
class Pacer:
    """Decides when each message may leave: overall rate, per-chat spacing, group budget.

    It mirrors Telegram's own accounting: at most `per_second` dispatches in any sliding
    second, one per `per_chat_seconds` to a chat, `group_per_minute` to a group in any
    sliding minute. Each sender checks at the moment it would send, after waking up, so a
    busy event loop cannot bunch messages beyond the limit (slots reserved in advance would
    all fire late, together).

    Within the second, messages that may go leave together, as Telegram allows (and PTB's
    own AIORateLimiter lets a burst of 30 go): they are not spread 1/per_second apart. Spread
    out, every message was a wake-up of its own, and answering people one at a time cost
    the bot twice the CPU per update of answering them in the bunches they come in
    (bench/README.md, issue 16); the messages sent per second were the same.

    A message keeps its place in the overall count until one second after its call
    returned, not after it was let go: Telegram counts it when it arrives, somewhere between
    the two. Counted from the moment it left, a few messages delayed on the way (a stalled
    process, a slow network) would arrive in the same second as later ones, and the second
    would hold more than `per_second`. Counted this way it cannot: any two messages Telegram
    sees in one second were both in the count when the later one left.
    """

    per_second: float = OVERALL_PER_SECOND
    per_chat_seconds: float = PER_CHAT_SECONDS
    group_per_minute: int = GROUP_PER_MINUTE
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    # Sends that met a failure that may pass (network, timeout, 5xx), as the senders tell it
    # (Telegram's 429s come in through `hold` and `pause`): `zhongfu tick` says by it whether
    # Telegram failed during the tick or messages only wait after an earlier failure.
    failures: int = 0
    # The overall count, oldest first.
    _uses: list[_Use] = field(default_factory=list)
    _returned: asyncio.Event = field(default_factory=asyncio.Event)
    _paused_until: float = 0.0
    _chat_last: dict[int, float] = field(default_factory=dict)
    _group_sent: dict[int, deque[float]] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def _overall_wait(self, now: float) -> float | None:
        """Seconds until the next message to anyone may leave (0: now; None: until a message
        on its way returns)."""
        # At most per_second messages, plus those on their way: a short list.
        self._uses = [u for u in self._uses if u.returned is None or u.returned > now - 1.0]
        waits = [self._paused_until - now]
        if len(self._uses) >= int(self.per_second):
            returned = [u.returned for u in self._uses if u.returned is not None]
            if not returned:
                return None
            waits.append(min(returned) + 1.0 - now)
        return max(0.0, *waits)

    def _chat_wait(self, chat_id: int, now: float, spacing: bool = True) -> float:
        """Seconds until this chat's own limits allow a message (0: now)."""
        waits = [0.0]
        last = self._chat_last.get(chat_id) if spacing else None
        if last is not None:
            waits.append(last + self.per_chat_seconds - now)
        if is_group(chat_id):
            group = self._group_sent.setdefault(chat_id, deque())
            while group and group[0] <= now - 60.0:
                group.popleft()
            if len(group) >= self.group_per_minute:
                waits.append(group[0] + 60.0 - now)
        return max(waits)

    @asynccontextmanager
    async def sending(self, chat_id: int, *, spacing: bool = True) -> AsyncIterator[None]:
        """Wait until this chat may send; the message counts until a second after the block
        (its call to Telegram) ends, however it ends."""
        use = await self._take(chat_id, spacing)
        try:
            yield
        finally:
            use.returned = now = self.clock()
            if spacing:  # the chat's next message, too, a full interval after this arrived
                self._chat_last[chat_id] = max(self._chat_last.get(chat_id, now), now)
            self._returned.set()

    async def _take(self, chat_id: int, spacing: bool) -> _Use:
        """Wait until this chat may send, and count the message.

        A reply to the person acting (`spacing=False`) is not held to one a second in its
        chat (Telegram allows a short burst there), only to the overall and group limits.
        A chat first waits out its own limits alone; then senders take the overall rate's
        slots one at a time, in the order they came (an asyncio.Lock wakes only its next
        waiter): with every waiter sleeping on the same next slot, each message sent woke
        all of them to find it taken, and that cost grew with the square of the queue.
        """
        while True:
            own = self._chat_wait(chat_id, self.clock(), spacing)
            if own > 0:
                await self.sleep(own)
                continue
            async with self._lock:
                while True:
                    now = self.clock()
                    if self._chat_wait(chat_id, now, spacing) > 0:
                        break  # held (a 429) while queued: wait for it outside the line
                    wait = self._overall_wait(now)
                    if wait is None:
                        self._returned.clear()
                        await self._returned.wait()
                    elif wait <= 0:
                        return self._record(chat_id, now, spacing)
                    else:
                        await self.sleep(wait)

    def _record(self, chat_id: int, now: float, spacing: bool) -> _Use:
        """Count a message as leaving now (on its way until it returns)."""
        use = _Use(None)
        self._uses.append(use)
        if spacing:
            self._chat_last[chat_id] = now
        if is_group(chat_id):
            self._group_sent[chat_id].append(now)
        return use

    def pause(self, seconds: float) -> None:
        """Telegram asked to wait: nothing leaves before now + seconds."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram asked one chat to wait: that chat sends nothing before now + seconds."""
        until = self.clock() + seconds - self.per_chat_seconds
        self._chat_last[chat_id] = max(self._chat_last.get(chat_id, until), until)

    def held_chats(self, longer_than: float) -> list[int]:
        """Chats that may not send for more than `longer_than` seconds yet."""
        limit = self.clock() + longer_than - self.per_chat_seconds
        return [chat for chat, last in self._chat_last.items() if last > limit]

    def held_for(self, chat_id: int) -> float:
        """Seconds until this chat may send again (0: now)."""
        last = self._chat_last.get(chat_id)
        if last is None:
            return 0.0
        return max(0.0, last + self.per_chat_seconds - self.clock())
