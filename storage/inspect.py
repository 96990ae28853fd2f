"""Looking at a database file without creating, migrating or changing it (for `doctor`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from storage.clock import from_db
from storage.migrate import available
from storage.probe import free_bytes, probe_write


@dataclass(frozen=True)
class FileState:
    """What `doctor` needs to know about the database file."""

    version: int
    latest: int
    intact: bool
    writable: bool
    problem: str | None  # why it could not be written, if it could not
    free_bytes: int | None = None  # free space on the database's disk (None: unknown)


def examine(path: Path, wait_ms: int = 1000) -> FileState:
    """Open read-only for the checks, then probe a real write (storage.probe: a row is
    written and deleted in one transaction, so nothing stays).

    Raises sqlite3.Error when the file is not an SQLite database at all."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=wait_ms / 1000)
    try:
        verdict = conn.execute("PRAGMA quick_check").fetchone()
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()
    problem, free = _probe_write(path, wait_ms)
    intact = bool(verdict) and verdict[0] == "ok"
    return FileState(version, len(available()), intact, problem is None, problem, free)


def _probe_write(path: Path, wait_ms: int) -> tuple[str | None, int | None]:
    """The write probe on a connection of its own: (problem or None, free bytes)."""
    try:
        conn = sqlite3.connect(path, timeout=wait_ms / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        return str(exc), free_bytes(path)
    try:
        probe = probe_write(conn, path)
    finally:
        conn.close()
    return probe.problem, probe.free_bytes


def people_seen(path: Path, telegram_ids: Iterable[int]) -> set[int]:
    """Which of these Telegram users have opened the bot (are in the people table)."""
    ids = sorted(set(telegram_ids))
    if not ids:
        return set()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        marks = ",".join("?" * len(ids))
        rows = conn.execute(f"SELECT telegram_id FROM people WHERE telegram_id IN ({marks})", ids)
        return {int(r[0]) for r in rows}
    finally:
        conn.close()


def heartbeat(path: Path, what: str) -> datetime | None:
    """When the running bot last recorded `what` ('poll', 'tick'), read-only; None if never
    (or the schema predates heartbeats)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)
    try:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'heartbeats'").fetchone() \
                is None:
            return None
        row = conn.execute("SELECT at FROM heartbeats WHERE what = ?", (what,)).fetchone()
        return from_db(row[0]) if row else None
    finally:
        conn.close()


@dataclass(frozen=True)
class Backlog:
    """Messages not delivered yet, and those given up (for `doctor`)."""

    waiting: int  # messages to others, reminders and digests still to go out
    oldest: str | None  # when the oldest message to others was queued
    retrying: int  # of those, waiting to be tried again after a transient failure
    dropped: int  # given up (refused, or failing for 48 hours); not 'not wanted'


def outbox_backlog(path: Path) -> Backlog:
    """What waits to go out and what was given up, read-only."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if "outbox" not in tables:
            return Backlog(0, None, 0, 0)
        waiting, oldest = conn.execute(
            "SELECT COUNT(*), MIN(created_at) FROM outbox "
            "WHERE state IN ('pending', 'sending', 'failed')").fetchone()
        retrying = conn.execute("SELECT COUNT(*) FROM outbox WHERE state = 'failed'"
                                ).fetchone()[0]
        dropped = conn.execute("SELECT COUNT(*) FROM outbox WHERE state = 'dropped' "
                               "AND error IS NOT 'not wanted'").fetchone()[0]
        if "reminders" in tables:
            retrying += conn.execute(
                "SELECT COUNT(*) FROM reminders WHERE state = 'failed' "
                "AND error NOT IN ('forbidden', 'unreachable')").fetchone()[0]
            dropped += conn.execute("SELECT COUNT(*) FROM reminders WHERE state = 'dropped'"
                                    ).fetchone()[0]
        if "digests" in tables:
            retrying += conn.execute("SELECT COUNT(*) FROM digests WHERE state = 'failed'"
                                     ).fetchone()[0]
            dropped += conn.execute("SELECT COUNT(*) FROM digests WHERE state = 'dropped' "
                                    "AND error IS NOT 'not wanted'").fetchone()[0]
        # Planned reminders and digests go out at the next tick; those that failed wait.
        waiting += retrying - conn.execute("SELECT COUNT(*) FROM outbox WHERE state = 'failed'"
                                           ).fetchone()[0]
        return Backlog(int(waiting), oldest, int(retrying), int(dropped))
    finally:
        conn.close()
