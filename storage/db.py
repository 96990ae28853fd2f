"""The process's one SQLite connection: opened safely, transactions serialised, closed cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from storage import copies
from storage.migrate import available, current_version, migrate
from storage.probe import Probe, probe_write

log = logging.getLogger(__name__)

Row = sqlite3.Row
Params = Sequence[Any] | dict[str, Any]

BUSY_TIMEOUT_MS = 10_000


class DatabaseUnavailable(RuntimeError):
    """The database cannot be opened, migrated or written; the message says what to do."""


class Database:
    """One aiosqlite connection shared by the process.

    aiosqlite runs every statement on one thread, so statements from concurrent coroutines
    would land inside each other's transactions; a lock makes each transaction (and each
    stand-alone read) exclusive within the process, and BEGIN IMMEDIATE makes it exclusive
    against other processes (`zhongfu tick` beside `zhongfu run`).
    """

    def __init__(self, conn: aiosqlite.Connection, path: Path, schema_version: int = 0) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path
        self.schema_version = schema_version

    @classmethod
    async def open(cls, path: Path | str, *, create: bool = True) -> Database:
        """Open and migrate the database at `path`, then check that it takes a real write.

        A missing file is created only when `create` is set (`zhongfu run`; every other
        command refuses, so a typo in ZHONGFU_DATABASE never makes a new empty database);
        a missing folder is never created. Raises DatabaseUnavailable with one line to show
        when the file is missing or cannot be opened or written (read-only, full disk, not a
        database, a newer schema).
        """
        path = Path(path)
        cls.check_path(path, create=create)
        try:
            return await cls._open(path)
        except sqlite3.Error as exc:
            raise DatabaseUnavailable(_explain(path, exc)) from exc
        except OSError as exc:
            raise DatabaseUnavailable(f"cannot use the database at {path}: {exc}") from exc
        except RuntimeError as exc:  # a schema newer than this program, from migrate()
            raise DatabaseUnavailable(f"{path}: {exc}") from exc

    @staticmethod
    def check_path(path: Path, *, create: bool) -> None:
        """Raise DatabaseUnavailable unless the database's folder exists and, without
        `create`, the file too."""
        where = path.absolute()
        if not where.parent.is_dir():
            raise DatabaseUnavailable(
                f"cannot use the database at {where}: its folder {where.parent} does not "
                "exist; check ZHONGFU_DATABASE (zhongfu creates no folders)")
        if not create and not where.exists():
            raise DatabaseUnavailable(
                f"no database at {where}: check ZHONGFU_DATABASE and the folder you run "
                "zhongfu from (only `zhongfu run` creates a new database)")

    @classmethod
    async def _open(cls, path: Path) -> Database:
        existing = _has_content(path)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA synchronous = NORMAL")
            version = await current_version(conn)
            if existing and 0 < version < len(available()):
                await _backup_before_migrating(conn, path, version)
            await migrate(conn)
            version = await current_version(conn)
            # Migrating an up-to-date file writes nothing: a read-only file or a full disk
            # would only show at the first message. Refuse here instead (one line, exit 2).
            probe: Probe = await _on_thread(conn, probe_write, path)
            if probe.problem is not None:
                raise sqlite3.OperationalError(probe.problem)
        except BaseException:
            await conn.close()
            raise
        return cls(conn, path, version)

    async def close(self) -> None:
        """Close the connection; an unclosed aiosqlite connection hangs interpreter exit."""
        async with self._lock:
            await self._conn.close()

    @asynccontextmanager
    async def transaction(self, *, wait_ms: int | None = None) -> AsyncIterator[Tx]:
        """Run the block as one IMMEDIATE transaction, committed on success, else rolled back.

        `wait_ms` shortens how long to wait for another process's write lock (a webhook
        answers 503 rather than keep Telegram waiting).
        """
        async with self._lock:
            if wait_ms is not None:
                await self._conn.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
            except BaseException:
                # Cancelled while BEGIN waited on the database thread, it may still run there:
                # a ROLLBACK queued behind it keeps the next transaction from landing in it.
                with contextlib.suppress(sqlite3.OperationalError):
                    await self._conn.execute("ROLLBACK")
                raise
            finally:
                if wait_ms is not None:
                    await self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            try:
                yield Tx(self._conn)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def write_probe(self, wait_ms: int = 1000) -> Probe:
        """Whether a write that needs new pages can be committed now (storage.probe): the
        write lock is free, the file and its disk are writable and not full. Nothing stays."""
        async with self._lock:
            await self._conn.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
            try:
                probe: Probe = await _on_thread(self._conn, probe_write, self.path)
            finally:
                await self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            return probe

    async def writable(self, wait_ms: int = 1000) -> bool:
        """Whether the write probe passes (see write_probe)."""
        return (await self.write_probe(wait_ms)).problem is None

    async def vacuum(self) -> None:
        """Rewrite the file without free pages and empty the WAL: erased data is gone from
        the bytes on disk too, not only from the tables."""
        async with self._lock:
            await self._conn.execute("VACUUM")
            await self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def write(self, sql: str, params: Params = ()) -> list[Row]:
        """Run one statement as its own IMMEDIATE transaction and return the rows it returns
        (RETURNING), all in one trip to the database thread.

        The intake and the flows write this way several times per update: each trip costs a
        thread hand-over both ways, and `transaction()` takes three (BEGIN, statement, COMMIT).
        A cancel cannot leave the transaction half open: it runs to its end on that thread.
        """
        async with self._lock:
            rows: list[Row] = await _on_thread(self._conn, _one_transaction, sql, params, False)
            return rows

    async def write_many(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement per parameter set as one transaction, in one trip (see write)."""
        async with self._lock:
            await _on_thread(self._conn, _one_transaction, sql, list(rows), True)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Run a read outside any transaction and return its first row."""
        async with self._lock:
            row: Row | None = await _on_thread(self._conn, _first_row, sql, params)
            return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run a read outside any transaction and return all rows."""
        async with self._lock:
            # One trip to the database thread, not three (execute, fetch, close).
            return list(await self._conn.execute_fetchall(sql, params))

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """Run a read and return the first column of the first row (None if no row)."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


class Tx:
    """Statements inside one transaction; only valid within `Database.transaction()`."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; return the last inserted row id (or 0)."""
        # One trip to the database thread (a cursor costs three: execute, read, close);
        # last_insert_rowid() is what a cursor's lastrowid reads too.
        row = await self._conn.execute_insert(sql, params)
        return int(row[0] or 0) if row is not None else 0

    async def rowcount(self, sql: str, params: Params = ()) -> int:
        """Run a statement; return how many rows it changed."""
        count: int = await _on_thread(self._conn, _changed, sql, params)
        return count

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        """Run a statement once per parameter set; return how many rows it changed in all."""
        cursor = await self._conn.executemany(sql, rows)
        return max(0, cursor.rowcount)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Read inside the transaction (sees its own writes)."""
        row: Row | None = await _on_thread(self._conn, _first_row, sql, params)
        return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Read all rows inside the transaction."""
        return list(await self._conn.execute_fetchall(sql, params))

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """First column of the first row inside the transaction (None if no row)."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


async def _on_thread(conn: aiosqlite.Connection, work: Any, *args: Any) -> Any:
    """Run `work(sqlite3_connection, *args)` on the connection's thread: one trip there and
    back whatever `work` does. (aiosqlite's own helpers take a trip per cursor step.)"""
    return await conn._execute(work, conn._conn, *args)  # type: ignore[no-untyped-call]


def _first_row(conn: sqlite3.Connection, sql: str, params: Params) -> Row | None:
    row: Row | None = conn.execute(sql, params).fetchone()
    return row


def _changed(conn: sqlite3.Connection, sql: str, params: Params) -> int:
    return conn.execute(sql, params).rowcount


def _one_transaction(conn: sqlite3.Connection, sql: str, params: Any, many: bool) -> list[Row]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        if many:
            conn.executemany(sql, params)
            rows: list[Row] = []
        else:
            rows = conn.execute(sql, params).fetchall()
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return rows


def _has_content(path: Path) -> bool:
    """Whether the file exists and is not empty (a new file needs no copy before migrating)."""
    return path.is_file() and path.stat().st_size > 0


async def _backup_before_migrating(conn: aiosqlite.Connection, path: Path, version: int) -> None:
    """Copy the file as it is before any migration touches it (consistent, WAL included),
    then remove such copies beyond the newest `copies.KEEP`."""
    target = copies.before_migrating(path, version, datetime.now(UTC))
    await conn.execute("VACUUM INTO ?", (str(target),))
    log.warning("database schema v%d is older than this program: copy kept at %s",
                version, target)
    await asyncio.to_thread(copies.prune, path, copies.Kind.BEFORE_MIGRATING, target)


def _explain(path: Path, exc: sqlite3.Error) -> str:
    """One line saying why the database cannot be used, and what to do."""
    text = str(exc)
    path = path.absolute()
    if "readonly" in text or "unable to open" in text:
        return cannot_write(path, text)
    if "full" in text or "disk I/O" in text:
        return disk_full(path, text)
    if "not a database" in text or "malformed" in text:
        return (f"{path} is not a usable zhongfu database ({text}): restore a backup with "
                "`zhongfu restore FILE`")
    if "locked" in text or "busy" in text:
        return f"the database {path} is locked by another program ({text})"
    return f"the database {path} cannot be used: {text}"


# SQLite's answers to a write that may well succeed a little later, without anyone changing
# the program: a full disk or database, a failing read or write, another process holding the
# write lock past the busy timeout. (Errors raised from a probe's text carry no code.)
_PASSING_CODES = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_BUSY", "SQLITE_LOCKED")
_PASSING_TEXTS = ("database or disk is full", "disk I/O error", "database is locked",
                  "database table is locked")


def transient_error(exc: BaseException | None) -> sqlite3.Error | None:
    """The SQLite error behind `exc` (itself, or what it was raised from) when it may pass by
    itself: a full disk, an I/O error, a lock held past the busy timeout; else None."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, sqlite3.Error):
            code = getattr(exc, "sqlite_errorname", None) or ""
            if code.startswith(_PASSING_CODES) or any(t in str(exc) for t in _PASSING_TEXTS):
                return exc
        exc = exc.__cause__ or exc.__context__
    return None


def remedy(exc: sqlite3.Error) -> str:
    """What an operator does about a passing failure (transient_error), in a few words."""
    if "locked" in str(exc) or "BUSY" in (getattr(exc, "sqlite_errorname", None) or ""):
        return "another program holds the database's write lock"
    return "check free disk space (df -h)"


def disk_full(path: Path, problem: str) -> str:
    """One line for a database whose disk is full or failing."""
    return (f"the disk holding {path.absolute()} is full or failing ({problem}): free space "
            "(df -h shows it), then start again")


def cannot_make(database: Path, exc: OSError) -> str:
    """One line for a file beside the database (a lock file) that could not be made."""
    problem = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO):
        return disk_full(database, problem)
    return cannot_write(database, problem)


def cannot_write(database: Path, problem: str) -> str:
    """One line for a database that cannot be opened for writing: the file's owner and a
    chown when the file (or its WAL, shared memory or lock file) is the problem, else the
    folder."""
    database = database.absolute()
    folder = database.parent
    if folder.is_dir() and os.access(folder, os.W_OK | os.X_OK):
        for suffix in ("", "-wal", "-shm", ".lock", ".run.lock"):
            file = database.with_name(database.name + suffix)
            if not file.exists() or os.access(file, os.R_OK | os.W_OK):
                continue
            if file.stat().st_uid != os.geteuid():
                return (f"the database file {file} belongs to {_owner(file)}, not to {_user()} "
                        f"who runs zhongfu ({problem}): give it back with "
                        f"`chown {_user()}: {file}`")
            return (f"the database file {file} is read-only ({problem}): check its permissions "
                    f"(ls -l {file}) and that its disk is not mounted read-only")
        return (f"the database {database} cannot be opened for writing ({problem}): check "
                "that its disk is not mounted read-only (mount shows it)")
    return (f"the database {database} cannot be opened for writing ({problem}): check that "
            f"the folder {folder} exists and belongs to {_user()}, the user running zhongfu")


def _user() -> str:
    """The name of the user this process runs as."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return str(os.geteuid())


def _owner(file: Path) -> str:
    """`user:group` owning the file (numbers where the names are unknown)."""
    info = file.stat()
    try:
        import grp
        import pwd

        user = pwd.getpwuid(info.st_uid).pw_name
    except (ImportError, KeyError):
        user = str(info.st_uid)
    try:
        group = grp.getgrgid(info.st_gid).gr_name
    except (ImportError, KeyError, NameError):
        group = str(info.st_gid)
    return f"{user}:{group}"
