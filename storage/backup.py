"""Online backup of the database file (safe while the bot runs), and restoring one."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from storage import copies
from storage.migrate import available

# Tables every zhongfu database has since the first migration.
_CORE_TABLES = frozenset({"people", "areas", "updates", "flows"})


class NotRestorable(Exception):
    """The file is not a sound zhongfu database this program can use; the message says why."""


def _copy(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    # sqlite3's context manager commits but does not close.
    src.close()
    dst.close()


async def backup(source: Path, target: Path) -> None:
    """Copy `source` to `target` with SQLite's backup API, consistent even under writes."""
    await asyncio.to_thread(_checked_copy, source, target)


def _checked_copy(source: Path, target: Path) -> None:
    if not source.exists():
        raise FileNotFoundError(f"no database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    _copy(source, target)


def check(path: Path) -> int:
    """Raise NotRestorable unless `path` is an intact zhongfu database of a schema this program
    knows; return its schema version."""
    if not path.is_file():
        raise NotRestorable(f"{path} does not exist")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise NotRestorable(f"{path} is not an SQLite database ({exc})") from None
    if not verdict or verdict[0] != "ok":
        raise NotRestorable(f"{path} is damaged: integrity check says {verdict}")
    if version == 0 or not tables >= _CORE_TABLES:
        raise NotRestorable(f"{path} is an SQLite file but not a zhongfu database")
    latest = len(available())
    if version > latest:
        raise NotRestorable(
            f"{path} has schema version {version}, newer than this program ({latest}): "
            "upgrade zhongfu first"
        )
    return version


def restore(source: Path, database: Path, now: datetime | None = None) -> Path | None:
    """Replace `database` with a checked copy of `source`; return where the replaced file was
    kept (None if there was none), older such copies beyond the newest `copies.KEEP` removed.
    The caller makes sure no bot has the database open."""
    check(source)
    # Run as root (sudo zhongfu restore …), the copy would be root's and the bot, running as
    # its own user, could not open it: it gets the owner of the file it replaces (or of the
    # folder, when there is none).
    owner = database if database.exists() else database.parent
    incoming = database.with_name(database.name + ".restoring")
    incoming.unlink(missing_ok=True)
    _copy(source, incoming)
    give_owner(incoming, owner)
    kept: Path | None = None
    if database.exists():
        kept = copies.before_restore(database, now or datetime.now(UTC))
        # Through SQLite, so what a killed bot left in the WAL is kept too.
        _copy(database, kept)
        give_owner(kept, owner)
    for suffix in ("-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    os.replace(incoming, database)
    if kept is not None:
        copies.prune(database, copies.Kind.BEFORE_RESTORE, kept)
    return kept


def give_owner(path: Path, like: Path) -> None:
    """When running as root, give `path` the owner and group of `like` (nothing otherwise:
    only root can give a file away, and another user's files are its own already)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return
    wanted = like.stat()
    have = path.stat()
    if (have.st_uid, have.st_gid) != (wanted.st_uid, wanted.st_gid):
        os.chown(path, wanted.st_uid, wanted.st_gid)
