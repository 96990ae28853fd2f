"""Lock files beside the database: running bots and ticks share one, a restore needs it
alone; `zhongfu run` holds a second one alone (two bots on one database would both poll,
both run the scheduler, and Telegram would answer each 409 Conflict)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class DatabaseInUse(Exception):
    """Another zhongfu process holds the database in a way that excludes this one."""


class AlreadyRunning(Exception):
    """Another `zhongfu run` serves this database; its process id is the message."""


def lock_path(database: Path) -> Path:
    """The lock file of a database (`zhongfu.sqlite3.lock`)."""
    return database.with_name(database.name + ".lock")


@contextmanager
def held(database: Path, *, exclusive: bool) -> Iterator[None]:
    """Hold the database's lock for the block: shared by `run` and `tick`, exclusive for
    `restore`; raise DatabaseInUse at once rather than wait."""
    path = lock_path(database)
    # The folder is never created here: a typo in ZHONGFU_DATABASE must not make one.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(str(path)) from None
        yield
    finally:
        # Closing the descriptor releases the lock; the kernel does the same if we die.
        os.close(fd)


def run_lock_path(database: Path) -> Path:
    """The lock file `zhongfu run` holds alone (`zhongfu.sqlite3.run.lock`)."""
    return database.with_name(database.name + ".run.lock")


@contextmanager
def running(database: Path) -> Iterator[None]:
    """Hold the run lock for the block, with this process's id written in it; raise
    AlreadyRunning (naming the holder's id) at once if another process holds it."""
    path = run_lock_path(database)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            raise AlreadyRunning(holder or "unknown") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)
