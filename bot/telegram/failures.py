"""Handlers that met a passing storage failure: the error handler notes them, the intake
tries them again later (bot/telegram/intake.py).

python-telegram-bot hands a handler's exception to the error handler and returns normally,
so the intake learns here that an update was not handled after all. The person hears about
it once, at its first failure; the tries after it fail quietly.
"""

from __future__ import annotations

import sqlite3
from typing import Any

FAILURES_KEY = "zhongfu.failures"


class Failures:
    """Passing failures met by updates' handlers in this process, by update id."""

    def __init__(self) -> None:
        self._met: dict[int, sqlite3.Error] = {}
        self._told: set[int] = set()

    @classmethod
    def of(cls, bot_data: dict[Any, Any]) -> Failures:
        """The application's one record (made on first use)."""
        found = bot_data.setdefault(FAILURES_KEY, cls())
        assert isinstance(found, Failures)
        return found

    def note(self, update_id: int, error: sqlite3.Error) -> bool:
        """Note the failure of this attempt; True the first time, when the person is told."""
        self._met[update_id] = error
        if update_id in self._told:
            return False
        self._told.add(update_id)
        return True

    def take(self, update_id: int) -> sqlite3.Error | None:
        """The passing failure the last attempt met, if any (forgotten once taken)."""
        return self._met.pop(update_id, None)

    def forget(self, update_id: int) -> None:
        """The update is settled (handled or set aside): nothing more to remember."""
        self._met.pop(update_id, None)
        self._told.discard(update_id)
