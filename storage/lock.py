"""A lock file beside the database: running bots share it, a restore needs it alone."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class DatabaseInUse(Exception):
    """Another zhongfu process holds the database in a way that excludes this one."""


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
