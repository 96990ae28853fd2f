"""Backups taken under writes restore every committed row; restore refuses what it must;
migrations keep a copy of the file first; the lock keeps restore away from a running bot."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from storage import copies, lock
from storage.backup import NotRestorable, backup, check, restore
from storage.db import Database
from storage.migrate import available, migrate


async def new_database(path: Path) -> None:
    """A migrated zhongfu database file."""
    db = await Database.open(path)
    await db.close()


class Writer(threading.Thread):
    """Another process's worth of writes: one committed row at a time, until stopped."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.committed: list[str] = []
        self.stop = threading.Event()
        self._progress = threading.Condition()

    def wait_for(self, count: int) -> None:
        """Block until `count` rows are committed."""
        with self._progress:
            self._progress.wait_for(lambda: len(self.committed) >= count, timeout=30)

    def run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            n = 0
            while not self.stop.is_set():
                name = f"社区{n:05d}"
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO areas (name, created_at) VALUES (?, '2026-01-01')",
                             (name,))
                conn.execute("COMMIT")
                with self._progress:
                    self.committed.append(name)
                    self._progress.notify_all()
                n += 1
        finally:
            conn.close()


async def test_backup_taken_under_writes_restores_every_row_committed_before_it(
        tmp_path: Path) -> None:
    source = tmp_path / "live.sqlite3"
    await new_database(source)
    writer = Writer(source)
    writer.start()
    try:
        await asyncio.to_thread(writer.wait_for, 200)
        before = list(writer.committed)
        await backup(source, tmp_path / "backups" / "nightly.sqlite3")
        await asyncio.to_thread(writer.wait_for, len(before) + 200)  # writes go on
    finally:
        writer.stop.set()
        writer.join()
    restored = tmp_path / "new" / "zhongfu.sqlite3"
    restored.parent.mkdir()  # restore makes no folder (`zhongfu restore` says it is missing)
    assert restore(tmp_path / "backups" / "nightly.sqlite3", restored) is None
    with sqlite3.connect(restored) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM areas ORDER BY name")]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert set(before) <= set(names), "a row committed before the backup is missing"
    assert names == writer.committed[: len(names)], "the copy is one consistent moment"


async def test_restore_keeps_the_replaced_database_and_drops_its_wal(tmp_path: Path) -> None:
    good = tmp_path / "good.sqlite3"
    await new_database(good)
    with sqlite3.connect(good) as conn:
        conn.execute("INSERT INTO areas (name, created_at) VALUES ('东门社区', '2026-01-01')")
    conn.close()
    live = tmp_path / "zhongfu.sqlite3"
    await new_database(live)
    kept = restore(good, live)
    assert kept is not None and kept.exists()
    assert not live.with_name(live.name + "-wal").exists()
    db = await Database.open(live)
    try:
        assert await db.fetchval("SELECT name FROM areas") == "东门社区"
    finally:
        await db.close()


async def test_two_restores_in_one_second_each_keep_the_database_they_replaced(
        tmp_path: Path) -> None:
    first, second = tmp_path / "monday.sqlite3", tmp_path / "tuesday.sqlite3"
    live = tmp_path / "zhongfu.sqlite3"
    for path, area in ((live, "东门社区"), (first, "翠竹社区"), (second, "莲塘社区")):
        await new_database(path)
        with sqlite3.connect(path) as conn:
            conn.execute("INSERT INTO areas (name, created_at) VALUES (?, '2026-01-01')",
                         (area,))
        conn.close()
    moment = datetime(2026, 3, 1, 9, 30, 15, tzinfo=UTC)
    kept = [restore(first, live, moment), restore(second, live, moment + timedelta(
        milliseconds=400))]
    assert kept[0] is not None and kept[1] is not None and kept[0] != kept[1]
    assert [p.name for p in copies.of_kind(live, copies.Kind.BEFORE_RESTORE)] == [
        "zhongfu.sqlite3.before-restore-20260301T093015Z-2.bak",
        "zhongfu.sqlite3.before-restore-20260301T093015Z.bak"], "newest first"
    for copy, area in zip(kept, ("东门社区", "翠竹社区"), strict=True):
        with sqlite3.connect(copy) as conn:
            assert conn.execute("SELECT name FROM areas").fetchone()[0] == area
        conn.close()


@pytest.mark.parametrize("content", ["text", "empty_sqlite", "other_sqlite", "truncated"])
async def test_restore_refuses_what_is_not_a_zhongfu_database(tmp_path: Path,
                                                              content: str) -> None:
    bad = tmp_path / "bad.sqlite3"
    if content == "text":
        bad.write_text("姓名,电话\n张三,138\n", encoding="utf-8")
    elif content == "empty_sqlite":
        sqlite3.connect(bad).close()  # an empty file: SQLite opens it as a new database
    elif content == "other_sqlite":
        with sqlite3.connect(bad) as conn:
            conn.execute("CREATE TABLE orders (id INTEGER)")
            conn.execute("PRAGMA user_version = 3")
        conn.close()
    else:
        await new_database(bad)
        bad.write_bytes(bad.read_bytes()[:3000])
    live = tmp_path / "zhongfu.sqlite3"
    await new_database(live)
    before = live.read_bytes()
    with pytest.raises(NotRestorable):
        restore(bad, live)
    assert live.read_bytes() == before, "a refused restore must leave the database alone"


async def test_restore_refuses_a_schema_newer_than_the_program(tmp_path: Path) -> None:
    future = tmp_path / "future.sqlite3"
    await new_database(future)
    with sqlite3.connect(future) as conn:
        conn.execute(f"PRAGMA user_version = {len(available()) + 1}")
    conn.close()
    with pytest.raises(NotRestorable, match="newer than this program"):
        check(future)


async def test_migrating_an_older_file_keeps_a_copy_of_it_first(tmp_path: Path) -> None:
    path = tmp_path / "zhongfu.sqlite3"
    older = len(available()) - 1
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await migrate(conn, target=older)
        await conn.execute("INSERT INTO areas (name, created_at) VALUES ('翠竹社区', 'x')")
    db = await Database.open(path)
    await db.close()
    copies = files(tmp_path, f"zhongfu.sqlite3.v{older}-*.bak")
    assert len(copies) == 1
    with sqlite3.connect(copies[0]) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == older
        assert conn.execute("SELECT name FROM areas").fetchone()[0] == "翠竹社区"
    conn.close()
    assert copies[0].stat().st_mode & 0o077 == 0 or _umask_allows_group()
    # Opening again (nothing to migrate) and opening a new file write no copy.
    db = await Database.open(path)
    await db.close()
    await new_database(tmp_path / "fresh.sqlite3")
    assert len(files(tmp_path, "*.bak")) == 1


async def test_restore_keeps_only_the_newest_copies_of_the_databases_it_replaced(
        tmp_path: Path) -> None:
    backup_file, live = tmp_path / "nightly.sqlite3", tmp_path / "zhongfu.sqlite3"
    await new_database(backup_file)
    await new_database(live)
    # Files beside it that are not copies restore makes: never touched.
    others = [tmp_path / "zhongfu.sqlite3.v5-20200101T000000Z.bak",  # before a migration
              tmp_path / "zhongfu.sqlite3.mine.bak",  # the operator's own
              tmp_path / "other.sqlite3.before-restore-20200101T000000Z.bak"]  # another db's
    for path in others:
        path.write_bytes(b"keep me")
    start = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    made = []
    for day in range(5):
        kept = restore(backup_file, live, start + timedelta(days=day))
        assert kept is not None
        made.append(kept)
        assert files(tmp_path, "zhongfu.sqlite3.before-restore-*.bak") == \
            sorted(made[-copies.KEEP:]), f"after restore {day + 1}"
    assert [p.name for p in made[-3:]] == [
        "zhongfu.sqlite3.before-restore-20260303T093000Z.bak",
        "zhongfu.sqlite3.before-restore-20260304T093000Z.bak",
        "zhongfu.sqlite3.before-restore-20260305T093000Z.bak"]
    # The clock went back: the copy just made is the oldest by name, and it stays.
    kept = restore(backup_file, live, start - timedelta(days=30))
    assert kept is not None and kept.exists()
    assert files(tmp_path, "zhongfu.sqlite3.before-restore-*.bak") == \
        sorted([kept, *made[-(copies.KEEP - 1):]])
    assert all(path.read_bytes() == b"keep me" for path in others)


async def test_migrating_keeps_only_the_newest_copies_and_always_the_one_just_made(
        tmp_path: Path) -> None:
    path = tmp_path / "zhongfu.sqlite3"
    older = len(available()) - 1
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await migrate(conn, target=older)
    # Copies from earlier upgrades, stamped in the future: the one about to be made is the
    # oldest by name, and still must not be the one removed.
    earlier = [tmp_path / f"zhongfu.sqlite3.v{n}-29990101T00000{n}Z.bak" for n in (1, 2, 3)]
    restored = tmp_path / "zhongfu.sqlite3.before-restore-20200101T000000Z.bak"
    for copy in (*earlier, restored):
        copy.write_bytes(b"an older copy")
    db = await Database.open(path)
    await db.close()
    made = files(tmp_path, f"zhongfu.sqlite3.v{older}-*.bak")
    assert len(made) == 1
    with sqlite3.connect(made[0]) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == older
    conn.close()
    assert files(tmp_path, "zhongfu.sqlite3.v*.bak") == sorted([made[0], *earlier[1:]])
    assert restored.exists(), "a copy of the other kind is not this kind's to prune"
    assert len(files(tmp_path, "*.bak")) == copies.KEEP + 1


def test_readme_and_restore_help_say_how_many_copies_are_kept(
        capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    readme = " ".join((Path(__file__).parents[2] / "README.md").read_text("utf-8").split())
    assert f"the newest {copies.KEEP} of each kind stay" in readme
    with pytest.raises(SystemExit):
        main(["restore", "--help"])
    assert f"only the newest {copies.KEEP} such copies" in " ".join(capsys.readouterr().out.split())


def files(folder: Path, pattern: str) -> list[Path]:
    """Files in a folder matching a glob pattern."""
    return sorted(folder.glob(pattern))


def _umask_allows_group() -> bool:
    """Tests run with the shell's umask; the bot process sets 077 itself (see e2e)."""
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask & 0o077 != 0o077


def test_restore_lock_excludes_running_bots(tmp_path: Path) -> None:
    path = tmp_path / "zhongfu.sqlite3"
    with lock.held(path, exclusive=False), lock.held(path, exclusive=False), \
            pytest.raises(lock.DatabaseInUse), lock.held(path, exclusive=True):
        pass
    with lock.held(path, exclusive=True), pytest.raises(lock.DatabaseInUse), \
            lock.held(path, exclusive=False):
        pass


async def test_restore_as_root_gives_the_file_the_owner_of_the_one_it_replaces(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    source, database = tmp_path / "backup.sqlite3", tmp_path / "zhongfu.sqlite3"
    await new_database(source)
    await new_database(database)
    if os.geteuid() == 0:  # for real: the bot's file belongs to another user
        os.chown(database, 65534, 65534)
        os.chown(tmp_path, 65534, 65534)
        kept = restore(source, database)
        assert kept is not None
        for path in (database, kept):
            assert (path.stat().st_uid, path.stat().st_gid) == (65534, 65534), path
        return
    # Not root here: what a root process would do, with chown recorded rather than done.
    given: list[tuple[str, int, int]] = []
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(os, "chown", lambda p, u, g: given.append((Path(p).name, u, g)))
    owner = database.stat()
    monkeypatch.setattr(Path, "stat", _stat_as(database, owner.st_uid + 1, owner.st_gid + 1))
    kept = restore(source, database)
    assert kept is not None
    assert {name for name, *_ in given} == {"zhongfu.sqlite3.restoring", kept.name}
    assert {(u, g) for _, u, g in given} == {(owner.st_uid + 1, owner.st_gid + 1)}


def _stat_as(database: Path, uid: int, gid: int):  # type: ignore[no-untyped-def]
    """Path.stat, with `database` (and only it) owned by uid:gid."""
    import os

    real = Path.stat

    def stat(self: Path, **kwargs: object) -> os.stat_result:
        result = real(self, **kwargs)  # type: ignore[arg-type]
        if self == database:
            fields = list(result)
            fields[4], fields[5] = uid, gid
            return os.stat_result(fields)
        return result

    return stat


@pytest.mark.parametrize("suffix", ["", ".lock"])
def test_cannot_open_names_the_files_owner_and_the_chown(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    """The file (left to root by a restore, say), not the folder, is the problem."""
    import os

    from storage.db import cannot_write

    database = tmp_path / "zhongfu.sqlite3"
    database.write_bytes(b"")
    file = tmp_path / f"zhongfu.sqlite3{suffix}"
    file.write_bytes(b"")
    info = file.stat()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == file
                        else real_access(p, mode))
    me = info.st_uid + 1  # this process runs as another user than the file's owner
    monkeypatch.setattr(os, "geteuid", lambda: me)
    line = cannot_write(database, "attempt to write a readonly database")
    assert line.startswith(f"the database file {file} belongs to "), line
    assert "(attempt to write a readonly database)" in line
    assert line.endswith(f": {file}`") and "give it back with `chown " in line, line
    assert "folder" not in line


def test_cannot_open_blames_the_folder_when_the_folder_is_the_problem(tmp_path: Path) -> None:
    from storage.db import cannot_write

    line = cannot_write(tmp_path / "gone" / "zhongfu.sqlite3", "unable to open database file")
    assert f"check that the folder {tmp_path / 'gone'} exists and belongs to" in line
