"""Online backup of the database file (safe while the bot runs)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path


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
