"""A database that cannot take writes (a full disk, a read-only file): refused at start with
one line and exit status 2, seen by `doctor --quick`, and, met while the bot runs, waited out
with nothing lost.

Real full disks and real read-only files, for any user (root writes a chmod-400 file): each
case runs zhongfu in a mount namespace of its own (`unshare --user --map-root-user --mount`),
where a tiny tmpfs or a read-only bind mount needs no privilege and vanishes with the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import Database
from tests.conftest import ROOT, BotProcess
from tests.rig.server import FakeBotApi, FakeUser

NAMESPACE = ("unshare", "--user", "--map-root-user", "--mount")


def in_namespace(setup: str) -> tuple[str, ...]:
    """A command prefix: run `setup` (sh) in a new mount namespace, then the command."""
    return (*NAMESPACE, "sh", "-ec", f'{setup}\nexec "$@"', "sh")


def full_disk(data: Path, database: Path) -> str:
    """Mount a 1 MB tmpfs on `data`, copy `database` into it, and fill what is left."""
    return (f"mount -t tmpfs -o size=1m tmpfs {data}\n"
            f"cp {database} {database}-wal {database}-shm {data}/\n"
            f"dd if=/dev/zero of={data}/filler bs=4k 2>/dev/null || true")


def read_only_file(database: Path) -> str:
    """Make the database file itself read-only (its folder stays writable)."""
    return f"mount --bind {database} {database}\nmount -o remount,ro,bind {database}"


async def new_database(path: Path) -> None:
    """A migrated zhongfu database at `path`."""
    db = await Database.open(path)
    await db.close()


async def zhongfu(prefix: tuple[str, ...], env: dict[str, str], cwd: Path,
                  *args: str) -> tuple[int | None, str]:
    """Run `zhongfu ARGS` under `prefix`: exit status (None if still running after 30 s,
    then stopped) and output."""
    proc = await asyncio.create_subprocess_exec(
        *prefix, sys.executable, "-m", "bot", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), 30)
        return proc.returncode, out.decode()
    except TimeoutError:
        proc.kill()
        out, _ = await proc.communicate()
        return None, out.decode()


@pytest.fixture
async def full(bot_env: dict[str, str], workdir: Path) -> AsyncIterator[tuple[str, ...]]:
    """A database on a full disk, as a bot killed by the full disk leaves it (its WAL and
    shared-memory files still there, so opening it needs no new file): ZHONGFU_DATABASE
    points into the tmpfs of the namespace."""
    made = workdir / "zhongfu.sqlite3"
    await new_database(made)
    conn = sqlite3.connect(made, isolation_level=None)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("INSERT INTO updates (update_id, payload, state, received_at) "
                 "VALUES (1, '{}', 'done', '2026-11-18T02:00:00+00:00')")
    data = workdir / "data"
    data.mkdir()
    bot_env["ZHONGFU_DATABASE"] = str(data / made.name)
    bot_env["ZHONGFU_LOG_LEVEL"] = "WARNING"
    assert {f"{made.name}-wal", f"{made.name}-shm"} <= set(os.listdir(workdir))
    try:
        # The copies are taken when the command starts, while this connection keeps the
        # WAL and shared-memory files.
        yield in_namespace(full_disk(data, made))
    finally:
        conn.close()


@pytest.fixture
async def read_only(bot_env: dict[str, str], workdir: Path) -> tuple[str, ...]:
    """A database whose file cannot be written, in a folder that can."""
    database = workdir / "zhongfu.sqlite3"
    await new_database(database)
    bot_env["ZHONGFU_LOG_LEVEL"] = "WARNING"
    return in_namespace(read_only_file(database))


def one_line(out: str) -> str:
    lines = out.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out, out
    return lines[0]


async def test_run_on_a_full_disk_stops_at_start_with_one_line_and_exit_2(
        api: FakeBotApi, bot_env: dict[str, str], workdir: Path, full: tuple[str, ...]) -> None:
    status, out = await zhongfu(full, bot_env, workdir, "run")
    assert status == 2, out
    line = one_line(out)
    assert "is full or failing" in line and "df -h" in line and bot_env["ZHONGFU_DATABASE"] in line
    assert not api.calls_to("getUpdates"), "nothing else starts"


async def test_import_on_a_full_disk_is_one_line_and_exit_2(
        bot_env: dict[str, str], workdir: Path, full: tuple[str, ...]) -> None:
    roster = ROOT / "examples" / "households.csv"
    status, out = await zhongfu(full, bot_env, workdir, "import", "households", str(roster))
    assert status == 2, out
    assert "is full or failing" in one_line(out)


async def test_doctor_quick_sees_a_full_disk(
        bot_env: dict[str, str], workdir: Path, full: tuple[str, ...]) -> None:
    status, out = await zhongfu(full, bot_env, workdir, "doctor", "--quick")
    assert status == 1, out
    line = next(x for x in out.splitlines() if "database" in x)
    assert line.startswith("✗") and "cannot be written" in line and "full" in line, out
    assert "KiB free" in line and "df -h" in line, out


async def test_run_on_a_read_only_file_stops_at_start_with_one_line_and_exit_2(
        api: FakeBotApi, bot_env: dict[str, str], workdir: Path,
        read_only: tuple[str, ...]) -> None:
    bot_env.pop("ZHONGFU_AREAS")  # nothing to write at start but the probe
    status, out = await zhongfu(read_only, bot_env, workdir, "run")
    assert status == 2, out
    line = one_line(out)
    assert "read-only" in line and str(workdir / "zhongfu.sqlite3") in line, line
    assert not api.calls_to("getUpdates"), "nothing else starts"
    status, out = await zhongfu(read_only, bot_env, workdir, "doctor", "--quick")
    assert status == 1 and "✗ database" in out and "readonly" in out, out


async def settled(disk: Path, workdir: Path, states: list[str]) -> bool:
    """Whether the intake states of the database on `disk` become `states` within 10 s.

    SQLite follows /proc/PID/root to this namespace's folder, so a copy is read."""
    copy = workdir / "copy.sqlite3"
    for _ in range(100):
        for suffix in ("", "-wal"):
            source = disk / f"zhongfu.sqlite3{suffix}"
            if source.exists():
                shutil.copyfile(source, f"{copy}{suffix}")
        conn = sqlite3.connect(copy)
        try:
            found = [r[0] for r in conn.execute("SELECT state FROM updates ORDER BY update_id")]
        finally:
            conn.close()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{copy}{suffix}")
        if found == states:
            return True
        await asyncio.sleep(0.1)
    return False


def fill(disk: Path) -> None:
    """Write zeros into `disk` until it is full."""
    # Unbuffered: a buffered file would try the refused bytes again when closed, and fail.
    with (disk / "filler2").open("wb", buffering=0) as filler, contextlib.suppress(OSError):
        while True:
            filler.write(b"\0" * 65536)


async def test_a_disk_filling_while_the_bot_runs_waits_and_loses_nothing(
        api: FakeBotApi, bot_env: dict[str, str], workdir: Path, resident: FakeUser) -> None:
    data = workdir / "data"
    data.mkdir()
    bot_env["ZHONGFU_DATABASE"] = str(data / "zhongfu.sqlite3")
    bot_env["ZHONGFU_LOG_LEVEL"] = "INFO"
    bot = BotProcess(api, bot_env, workdir,
                     in_namespace(f"mount -t tmpfs -o size=2m tmpfs {data}"))
    await bot.start()
    try:
        await resident.send("/start")
        await resident.expect(r"您好")
        assert bot.proc is not None
        # The tmpfs as the bot's mount namespace sees it.
        disk = Path(f"/proc/{bot.proc.pid}/root") / data.relative_to("/")
        assert await settled(disk, workdir, ["done"])
        fill(disk)
        polls = len(api.calls_to("getUpdates"))
        await resident.send("/help")
        assert await api.wait_until(lambda: "not stored" in bot.log(), 15), bot.log()
        await asyncio.sleep(3)
        assert bot.proc.returncode is None, bot.log()
        assert "Traceback" not in bot.log()
        offsets = {p.get("offset") for p in api.calls_to("getUpdates")[polls:]}
        assert len(offsets) == 1, "the offset stays until the updates are stored"
        os.unlink(disk / "filler2")
        await resident.expect(r"您可以用这些命令", timeout=40)
        assert await settled(disk, workdir, ["done", "done"])
    finally:
        status = await bot.stop()
    assert status == 0, bot.log()


async def test_run_creates_a_new_database_with_a_warning_and_names_it_at_start(
        api: FakeBotApi, bot_env: dict[str, str], workdir: Path) -> None:
    from bot.version import version
    from storage.migrate import available

    bot_env["ZHONGFU_LOG_LEVEL"] = "INFO"
    bot_env["ZHONGFU_DATABASE"] = "zhongfu.sqlite3"  # relative: named absolute in the log
    where = workdir / "zhongfu.sqlite3"
    bot = BotProcess(api, bot_env, workdir)
    started = f"zhongfu {version()}, database {where} (schema v{len(available())})"
    for start in (1, 2):
        await bot.start()
        assert await bot.stop() == 0
        part = bot.log().split(f"===== start {start} =====")[1]
        created = f"WARNING bot.runner: created a new empty database at {where}"
        assert (created in part) == (start == 1), part
        assert f"INFO bot.runner: {started}" in part, part
