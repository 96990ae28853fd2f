"""`zhongfu restore FILE` from the command line: the database it replaces is always kept
under a name of its own, and a restore where there is no database yet says so before it
makes the file."""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.conftest import existing_database
from tests.test_missing_database import zhongfu

KEPT = re.compile(r"the database it replaced is kept at (\S+)")


def with_area(path: Path, name: str) -> Path:
    """A zhongfu database at `path` whose one community is `name`."""
    existing_database(path)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM areas")
        conn.execute("INSERT INTO areas (name, created_at) VALUES (?, '2026-01-01')", (name,))
    conn.close()
    return path


def area_in(path: Path) -> str:
    """The one community of a zhongfu database file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return str(conn.execute("SELECT name FROM areas").fetchone()[0])
    finally:
        conn.close()


def test_a_restore_never_writes_over_a_copy_a_restore_kept_within_the_same_second(
        tmp_path: Path) -> None:
    """Two restores within one second: the first kept the database it replaced as
    `….before-restore-<second>.bak`; the second must keep its own, not write over that one.
    A copy under the name of every second of the next minute is already there (as a restore
    in that second would have left it), so whichever second this restore runs in, its name
    is taken."""
    database = with_area(tmp_path / "zhongfu.sqlite3", "东门社区")
    nightly = with_area(tmp_path / "nightly.sqlite3", "翠竹社区")
    template = with_area(tmp_path / "template.sqlite3", "")
    start = datetime.now(UTC)
    earlier: dict[Path, str] = {}
    for second in range(60):
        stamp = (start + timedelta(seconds=second)).strftime("%Y%m%dT%H%M%SZ")
        copy = tmp_path / f"zhongfu.sqlite3.before-restore-{stamp}.bak"
        earlier[copy] = f"replaced at {stamp}"
        shutil.copyfile(template, copy)
        with_area(copy, earlier[copy])

    done = zhongfu(tmp_path, "restore", str(nightly), ZHONGFU_DATABASE=str(database))
    assert done.returncode == 0, done.stdout + done.stderr
    assert area_in(database) == "翠竹社区"
    found = KEPT.search(done.stdout)
    assert found is not None, done.stdout
    kept = Path(found[1])
    assert kept not in earlier, f"{kept.name} was already a copy: it was written over"
    assert area_in(kept) == "东门社区", "the copy holds the database the restore replaced"
    for copy, area in earlier.items():
        # The older copies beyond the newest 3 are removed, as documented; none is rewritten.
        assert not copy.exists() or area_in(copy) == area, f"{copy.name} was written over"


def test_a_restore_where_there_is_no_database_says_it_makes_a_new_file(
        tmp_path: Path) -> None:
    """A new server (or a mistyped ZHONGFU_DATABASE whose folder exists): the restore goes
    ahead, and says on stdout, before anything else, that there was no database there."""
    nightly = with_area(tmp_path / "nightly.sqlite3", "翠竹社区")
    (tmp_path / "data").mkdir()
    database = tmp_path / "data" / "zhongfu.sqlite3"
    done = zhongfu(tmp_path, "restore", str(nightly), ZHONGFU_DATABASE=str(database))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (f"zhongfu: no database at {database}: restoring into a new file "
                        "(if you meant to replace a database, check ZHONGFU_DATABASE)"), lines
    assert lines[1] == f"zhongfu: {database} restored from {nightly}", lines
    assert area_in(database) == "翠竹社区"
    assert not list((tmp_path / "data").glob("*.bak")), "there was nothing to keep"

    # Over an existing database it says nothing of the kind.
    again = zhongfu(tmp_path, "restore", str(nightly), ZHONGFU_DATABASE=str(database))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "no database at" not in again.stdout and "restored from" in again.stdout
