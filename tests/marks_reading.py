"""The digest's contact marks per household, read as the digest reads them
(storage.figures.fold_marks), for tests that check the marks themselves."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.domain.marks import Column
from storage import figures as figures_store


def read_marks(conn: sqlite3.Connection, columns: Sequence[Column], today: date
               ) -> dict[int, tuple[int, ...]]:
    """Each paired household's bits per column, whichever way fold_marks hands it over."""
    found: dict[int, tuple[int, ...]] = {}

    def one(household_id: int, *rest: Any) -> None:
        found[household_id] = tuple(rest[-1])

    def many(household_id: int, *rest: Any) -> None:
        found[household_id] = tuple(rest[-1])

    figures_store.fold_marks(conn, columns, today, one, many)
    return found
