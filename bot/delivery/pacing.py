"""Pacing messages within Telegram's limits: overall per second, per chat, per group.

Telegram allows about 30 messages per second overall, about one per second to one chat and
20 per minute to one group. The `Pacer` hands out send slots that respect all three.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

OVERALL_PER_SECOND = 28.0  # a little under Telegram's 30/s, leaving room for replies
PER_CHAT_SECONDS = 1.0
GROUP_PER_MINUTE = 20


def is_group(chat_id: int) -> bool:
    """Group and channel ids are negative."""
    return chat_id < 0


@dataclass
class Pacer:
    """Decides when each message may leave: overall rate, per-chat spacing, group budget.

    It mirrors Telegram's own accounting: at most `per_second` dispatches in any sliding
    second (and no closer together than 1/per_second), one per `per_chat_seconds` to a
    chat, `group_per_minute` to a group in any sliding minute. Each sender checks at the
    moment it would send, after waking up, so a busy event loop cannot bunch messages
    beyond the limit (slots reserved in advance would all fire late, together).
    """

    per_second: float = OVERALL_PER_SECOND
    per_chat_seconds: float = PER_CHAT_SECONDS
    group_per_minute: int = GROUP_PER_MINUTE
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _sent: deque[float] = field(default_factory=deque)
    _paused_until: float = 0.0
    _chat_last: dict[int, float] = field(default_factory=dict)
    _group_sent: dict[int, deque[float]] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def _overall_wait(self, now: float) -> float:
        """Seconds until the next message to anyone may leave (0: now)."""
        sent = self._sent
        while sent and sent[0] <= now - 1.0:
            sent.popleft()
        waits = [self._paused_until - now]
        if sent:
            waits.append(sent[-1] + 1.0 / self.per_second - now)
            if len(sent) >= int(self.per_second):
                waits.append(sent[0] + 1.0 - now)
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

    async def slot(self, chat_id: int, *, spacing: bool = True) -> None:
        """Wait until this chat may send, and count the message as sent now.

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
                    if wait <= 0:
                        self._record(chat_id, now, spacing)
                        return
                    await self.sleep(wait)

    def _record(self, chat_id: int, now: float, spacing: bool) -> None:
        """Count a message as leaving now."""
        self._sent.append(now)
        if spacing:
            self._chat_last[chat_id] = now
        if is_group(chat_id):
            self._group_sent[chat_id].append(now)

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
