"""Numbered schema migrations tracked with `PRAGMA user_version`, each in one transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import aiosqlite

_NAME_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    """One schema step: its number and SQL text."""

    version: int
    name: str
    sql: str


def available() -> list[Migration]:
    """All migrations shipped with the package, in order; numbers must be 1..N without gaps."""
    folder = resources.files("storage") / "migrations"
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _NAME_RE.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise RuntimeError(f"migration numbering has a gap or duplicate at {migration.name}")
    return found


async def current_version(conn: aiosqlite.Connection) -> int:
    """The schema version recorded in the database file."""
    async with conn.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def migrate(conn: aiosqlite.Connection, target: int | None = None) -> int:
    """Apply every migration above the file's version (up to `target`); return the new version."""
    version = await current_version(conn)
    latest = available()
    if version > len(latest):
        raise RuntimeError(
            f"database schema version {version} is newer than this program "
            f"({len(latest)}); upgrade zhongfu before opening it"
        )
    for migration in latest:
        if migration.version <= version or (target is not None and migration.version > target):
            continue
        await _apply(conn, migration)
        version = migration.version
    return version


async def _apply(conn: aiosqlite.Connection, migration: Migration) -> None:
    """Run one migration and bump user_version inside the same transaction."""
    script = (
        "BEGIN IMMEDIATE;\n"
        f"{migration.sql}\n;"
        f"PRAGMA user_version = {migration.version};\n"
        "COMMIT;"
    )
    try:
        await conn.executescript(script)
    except BaseException:
        if conn.in_transaction:
            await conn.execute("ROLLBACK")
        raise
