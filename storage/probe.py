"""Whether the database can really take a write now: free space, and a write that needs pages.

`UPDATE … WHERE 0` writes no page, so it passes on a full disk. The probe here inserts and
deletes a row big enough to need new pages, and commits: the pages go to the WAL (or the
file), so a read-only file, a read-only file system, a full disk or a full database fails it.
It also reads the free space of the disk holding the database: SQLite may still overwrite
pages of an existing WAL on a full disk, until the next write that needs a new block.
The start of `zhongfu run` (storage.db), `doctor` (storage.inspect) and the webhook's
/healthz (through Database.write_problem) all use this one function.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

# Below this much free space on the database's disk, the database counts as full: a few
# transactions more would fail with "database or disk is full".
MIN_FREE_BYTES = 256 * 1024
# The probe's row: never a Telegram update id (those are positive), deleted before commit.
_PROBE_ID = -1
# Bigger than a page: the row needs overflow pages, as a real write of an update may.
_PROBE_BYTES = 8192


@dataclass(frozen=True)
class Probe:
    """The answer of one probe: `problem` is None when the write went through."""

    problem: str | None
    free_bytes: int | None  # free space on the database's disk for this user (None: unknown)


def free_bytes(database: Path) -> int | None:
    """Bytes this user may still write on the disk holding `database` (None if unknown)."""
    folder = database.parent if str(database.parent) else Path(".")
    try:
        stats = os.statvfs(folder)
    except (OSError, AttributeError):  # no statvfs (Windows), or the folder is gone
        return None
    return stats.f_bavail * stats.f_frsize


def probe_write(conn: sqlite3.Connection, database: Path) -> Probe:
    """Write and commit a row needing new pages, then delete it (in the same transaction).

    `conn` is in autocommit mode (isolation_level=None) and not inside a transaction."""
    free = free_bytes(database)
    if free is not None and free < MIN_FREE_BYTES:
        return Probe(f"database or disk is full: {free // 1024} KiB free", free)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "INSERT INTO updates (update_id, payload, state, received_at) "
                "VALUES (?, zeroblob(?), 'failed', '')", (_PROBE_ID, _PROBE_BYTES))
            conn.execute("DELETE FROM updates WHERE update_id = ?", (_PROBE_ID,))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    except sqlite3.Error as exc:
        return Probe(str(exc), free)
    return Probe(None, free)
