"""The process's one SQLite connection: opened safely, transactions serialised, closed cleanly."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.migrate import migrate

Row = sqlite3.Row
Params = Sequence[Any] | dict[str, Any]

BUSY_TIMEOUT_MS = 10_000


class Database:
    """One aiosqlite connection shared by the process.

    aiosqlite runs every statement on one thread, so statements from concurrent coroutines
    would land inside each other's transactions; a lock makes each transaction (and each
    stand-alone read) exclusive within the process, and BEGIN IMMEDIATE makes it exclusive
    against other processes (`zhongfu tick` beside `zhongfu run`).
    """

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        """Open (creating if needed) and migrate the database at `path`."""
        path = Path(path)
        if path.parent and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await migrate(conn)
        except BaseException:
            await conn.close()
            raise
        return cls(conn, path)

    async def close(self) -> None:
        """Close the connection; an unclosed aiosqlite connection hangs interpreter exit."""
        async with self._lock:
            await self._conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """Run the block as one IMMEDIATE transaction, committed on success, else rolled back."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._conn)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Run a read outside any transaction and return its first row."""
        async with self._lock, self._conn.execute(sql, params) as cur:
            row: Row | None = await cur.fetchone()
            return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run a read outside any transaction and return all rows."""
        async with self._lock, self._conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

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
        async with self._conn.execute(sql, params) as cur:
            return cur.lastrowid or 0

    async def rowcount(self, sql: str, params: Params = ()) -> int:
        """Run a statement; return how many rows it changed."""
        async with self._conn.execute(sql, params) as cur:
            return cur.rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run a statement once per parameter set."""
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Read inside the transaction (sees its own writes)."""
        async with self._conn.execute(sql, params) as cur:
            row: Row | None = await cur.fetchone()
            return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Read all rows inside the transaction."""
        async with self._conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """First column of the first row inside the transaction (None if no row)."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]
