"""The copies zhongfu keeps beside the database (before a restore, before migrating): where
they go, and pruning them to the newest few of each kind."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from enum import Enum
from pathlib import Path

log = logging.getLogger(__name__)

# How many copies of each kind stay beside the database; the README and `restore --help`
# say the same number. Nightly backups (deploy/backup.sh) are kept elsewhere, by their own rule.
KEEP = 3

_STAMP = "%Y%m%dT%H%M%SZ"


class Kind(Enum):
    """A kind of copy, as the pattern of its name after the database's own name (`-2`, `-3`…
    after the moment: a later copy taken within the same second)."""

    BEFORE_RESTORE = r"\.before-restore-(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<n>\d+))?\.bak"
    BEFORE_MIGRATING = r"\.v\d+-(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<n>\d+))?\.bak"


def before_restore(database: Path, now: datetime) -> Path:
    """Where the database a restore replaces is kept (a name no file has yet)."""
    return _unused(database, f"{database.name}.before-restore-{now.strftime(_STAMP)}")


def before_migrating(database: Path, version: int, now: datetime) -> Path:
    """Where the copy taken before migrating from `version` goes (a name no file has yet)."""
    return _unused(database, f"{database.name}.v{version}-{now.strftime(_STAMP)}")


def _unused(database: Path, stem: str) -> Path:
    """`<stem>.bak` beside the database, or `<stem>-2.bak`, `-3`… when that name is taken:
    two copies made within one second (two restores run one after the other) each keep
    their own file; a copy is never written over."""
    path = database.with_name(f"{stem}.bak")
    count = 1
    while path.exists():
        count += 1
        path = database.with_name(f"{stem}-{count}.bak")
    return path


def of_kind(database: Path, kind: Kind) -> list[Path]:
    """The copies of one kind beside `database`, newest first (by the moment in the name, then
    its counter)."""
    pattern = re.compile(re.escape(database.name) + kind.value)
    found: list[tuple[str, int, Path]] = []
    for path in database.parent.iterdir():
        match = pattern.fullmatch(path.name)
        if match and path.is_file():
            found.append((match["stamp"], int(match["n"] or 1), path))
    return [path for _, _, path in sorted(found, reverse=True)]


def prune(database: Path, kind: Kind, just_made: Path, keep: int = KEEP) -> list[Path]:
    """Remove the copies of `kind` beyond the newest `keep`, counting `just_made` (which stays
    whatever its name says, even after the clock went back); return the ones removed."""
    others = [p for p in of_kind(database, kind) if p != just_made]
    removed: list[Path] = []
    for old in others[max(keep - 1, 0):]:
        try:
            old.unlink()
        except OSError as exc:
            # A copy left by root or on a read-only mount must not fail the restore or the
            # start that made a new one: it stays, and the log says why.
            log.warning("could not remove the older copy %s: %s", old, exc.strerror or exc)
            continue
        removed.append(old)
        log.warning("removed the older copy %s (the newest %d are kept)", old, keep)
    return removed
