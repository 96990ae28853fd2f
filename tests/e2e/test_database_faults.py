"""A database that cannot take writes (a full disk, a read-only file): refused at start with
one line and exit status 2, seen by `doctor --quick`, and, met while the bot runs, waited out
with nothing lost: a handler stopped by it is tried again in the running bot, quietly, until
there is room, unless the person has since sent something newer (then it is set aside), and
the tries again never make a poison update immortal.

Real full disks and real read-only files, for any user (root writes a chmod-400 file): each
case runs zhongfu in a mount namespace of its own (`unshare --user --map-root-user --mount`),
where a tiny tmpfs or a read-only bind mount needs no privilege and vanishes with the process.
The test that restarts the bot cannot keep such a disk across starts: it meets a real "database
is locked" instead (another connection holding the write lock past the busy timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import Database
from tests.conftest import ROOT, BotProcess
from tests.e2e.reporting import label
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


LATER = label("zh", "error.later")  # "…我过一会儿会自己再试…": told once, at the first failure


async def bot_on_a_small_disk(api: FakeBotApi, bot_env: dict[str, str], workdir: Path,
                              retry: str) -> tuple[BotProcess, Path]:
    """The bot on a 2 MB tmpfs of its own, trying failed updates again after `retry`
    seconds; and that disk as the bot's mount namespace sees it."""
    data = workdir / "data"
    data.mkdir()
    bot_env["ZHONGFU_DATABASE"] = str(data / "zhongfu.sqlite3")
    bot_env["ZHONGFU_LOG_LEVEL"] = "INFO"
    bot_env["ZHONGFU_RETRY_SECONDS"] = retry
    bot = BotProcess(api, bot_env, workdir,
                     in_namespace(f"mount -t tmpfs -o size=2m tmpfs {data}"))
    await bot.start()
    assert bot.proc is not None
    return bot, Path(f"/proc/{bot.proc.pid}/root") / data.relative_to("/")


async def press_report_as_the_disk_fills(api: FakeBotApi, resident: FakeUser,
                                         disk: Path) -> None:
    """The resident presses /start's report button; the disk fills between the press being
    stored and its handler's first write (the handler waits on the answer to the press)."""
    greeting = await resident.expect(r"您好")
    hold = api.hold("answerCallbackQuery")
    press = asyncio.create_task(
        resident.press(label("zh", "button.report"), in_message=greeting, timeout=30))
    await hold.reached()
    fill(disk)
    hold.release()
    await press


async def logged(bot: BotProcess, text: str, times: int = 1, within: float = 20.0) -> bool:
    """Whether the bot's log says `text` at least `times` times within `within` seconds."""
    for _ in range(int(within * 10)):
        if bot.log().count(text) >= times:
            return True
        await asyncio.sleep(0.1)
    return False


def told_later(resident: FakeUser) -> int:
    """How many times the resident was told the bot would try again by itself."""
    return sum(m.plain == LATER for m in resident.messages)


async def test_a_handler_stopped_by_a_full_disk_is_done_once_there_is_room_without_restart(
        api: FakeBotApi, bot_env: dict[str, str], workdir: Path, resident: FakeUser) -> None:
    bot, disk = await bot_on_a_small_disk(api, bot_env, workdir, "1,2")
    try:
        await resident.send("/start")
        assert await settled(disk, workdir, ["done"])
        await press_report_as_the_disk_fills(api, resident, disk)
        await resident.expect(LATER)
        # While the disk stays full the press is tried again, quietly: one log line a round.
        assert await logged(bot, "still not handled", times=2), bot.log()
        assert told_later(resident) == 1
        assert not [m for m in resident.unread if "出了什么事" in m.plain]
        os.unlink(disk / "filler2")  # the operator frees space; nobody restarts the bot
        await resident.expect(r"出了什么事", timeout=15)
        assert await settled(disk, workdir, ["done", "done"])
        assert bot.starts == 1 and bot.proc is not None and bot.proc.returncode is None
        log = bot.log()
        assert log.count("not handled (database or disk is full): check free disk space") == 1
        rounds = log.count("still not handled (database or disk is full); trying it again in")
        assert rounds >= 2 and log.count("still not handled") == rounds, log
        assert "handler failed" not in log and "Traceback" not in log, log
        assert told_later(resident) == 1
    finally:
        status = await bot.stop()
    assert status == 0, bot.log()


async def test_an_answer_in_a_report_stopped_by_a_full_disk_is_taken_once_there_is_room(
        api: FakeBotApi, bot_env: dict[str, str], workdir: Path, resident: FakeUser) -> None:
    """Halfway through a report the resident's answer meets a full disk: they hear their
    answers are kept and the bot will go on by itself, and it does once there is room,
    taking the answer they gave, without their typing it again."""
    bot, disk = await bot_on_a_small_disk(api, bot_env, workdir, "1")
    try:
        await resident.send("/report")
        question = await resident.expect(r"出了什么事")
        await resident.press(label("zh", "report.category.elderly_alone"), in_message=question)
        await resident.expect(r"请简单说说情况")
        assert await settled(disk, workdir, ["done", "done"])
        # The answer is stored behind a /help still being answered, then the disk fills.
        hold = api.hold("sendMessage", lambda params: "您可以用这些命令" in str(params.get("text")))
        await resident.send("/help")
        await hold.reached()
        await resident.send("楼下张大爷腿肿得厉害，好几天没出门了")
        await api.wait_fetched()
        assert await settled(disk, workdir, ["done", "done", "pending", "pending"])
        fill(disk)
        hold.release()
        await resident.expect(r"您可以用这些命令")
        await resident.expect(label("zh", "error.later_flow"))
        assert await logged(bot, "still not handled"), bot.log()
        os.unlink(disk / "filler2")
        await resident.expect(r"需要帮助的是谁", timeout=15)
        assert await settled(disk, workdir, ["done"] * 4)
        await resident.expect_nothing(within=1.5)
        said = [m.plain for m in resident.messages]
        assert said.count(label("zh", "error.later_flow")) == 1 and told_later(resident) == 0
        assert not [t for t in said if "刚才的问题可能没送到" in t], said
    finally:
        status = await bot.stop()
    assert status == 0, bot.log()


async def test_an_answer_given_as_the_disk_filled_is_recorded_once_there_is_room(
        api: FakeBotApi, bot_env: dict[str, str], workdir: Path, resident: FakeUser) -> None:
    """/help writes nothing, so it is answered; only recording it as handled meets the full
    disk. That is tried again by itself, not the handler: one answer, not a second one at
    the next start."""
    bot, disk = await bot_on_a_small_disk(api, bot_env, workdir, "1")
    try:
        await resident.send("/start")
        assert await settled(disk, workdir, ["done"])
        hold = api.hold("sendMessage", lambda params: "您可以用这些命令" in str(params.get("text")))
        await resident.send("/help")
        await hold.reached()
        fill(disk)
        hold.release()
        await resident.expect(r"您可以用这些命令")
        assert await logged(bot, "still not recorded as handled"), bot.log()
        os.unlink(disk / "filler2")
        assert await settled(disk, workdir, ["done", "done"])
        await resident.expect_nothing(within=1.0)
        assert sum("您可以用这些命令" in m.plain for m in resident.messages) == 1
        assert told_later(resident) == 0 and "Traceback" not in bot.log()
    finally:
        status = await bot.stop()
    assert status == 0, bot.log()


async def test_the_persons_own_retry_sets_the_waiting_update_aside(
        api: FakeBotApi, bot_env: dict[str, str], workdir: Path, resident: FakeUser) -> None:
    """The resident does not wait for the bot: room is back and they ask again themselves.
    The press that failed is set aside, recorded as such, and never lands in their flow."""
    bot, disk = await bot_on_a_small_disk(api, bot_env, workdir, "6")
    try:
        await resident.send("/start")
        assert await settled(disk, workdir, ["done"])
        await press_report_as_the_disk_fills(api, resident, disk)
        await resident.expect(LATER)
        os.unlink(disk / "filler2")
        await resident.send("/report")  # within the 6 s before the bot would try again
        question = await resident.expect(r"出了什么事")
        await resident.press(label("zh", "report.category.elderly_alone"), in_message=question)
        await resident.expect(r"请简单说说情况")
        # Past the time the failed press was to be tried again: no second start of the
        # report, no "let us go on with your report", the person stays where they are (the
        # only change is the chosen category's buttons going, an edit).
        await asyncio.sleep(7.0)
        assert [m.plain for m in resident.unread if not m.is_edit] == []
        assert "set aside unhandled: update" in bot.log()
        assert await settled(disk, workdir, ["done", "superseded", "done", "done"])
    finally:
        status = await bot.stop()
    assert status == 0, bot.log()


async def test_an_update_left_behind_a_newer_handled_one_is_set_aside_at_start(
        api: FakeBotApi, bot_env: dict[str, str], workdir: Path, resident: FakeUser) -> None:
    """A previous run could not handle /help (the disk was full) and could not record it as
    set aside either, while the person's next message was handled: the next start does not
    answer that old /help after it."""
    database = workdir / "zhongfu.sqlite3"
    await new_database(database)
    chat = {"id": resident.id, "type": "private", "first_name": resident.name}
    sender = {"id": resident.id, "is_bot": False, "first_name": resident.name,
              "language_code": "zh-hans"}

    def message(update_id: int, text: str) -> str:
        return json.dumps({"update_id": update_id, "message": {
            "message_id": update_id, "date": 1795985170, "chat": chat, "from": sender,
            "text": text, "entities": [{"type": "bot_command", "offset": 0,
                                        "length": len(text)}]}})

    with contextlib.closing(sqlite3.connect(database)) as conn, conn:
        conn.executemany(
            "INSERT INTO updates (update_id, payload, state, attempts, received_at, chat_id) "
            "VALUES (?, ?, ?, 1, '2026-11-18T02:00:00+00:00', ?)",
            [(41, message(41, "/help"), "pending", resident.id),
             (42, message(42, "/cancel"), "done", resident.id)])
    bot_env["ZHONGFU_LOG_LEVEL"] = "INFO"
    bot = BotProcess(api, bot_env, workdir)
    await bot.start()
    try:
        assert await bot.updates_settled() == ["superseded", "done"]
        await resident.expect_nothing(within=2.0)
        assert "update 41 set aside unhandled: update 42 of the same chat went first" in bot.log()
    finally:
        status = await bot.stop()
    assert status == 0, bot.log()


async def test_an_update_tried_again_that_then_kills_the_bot_is_set_aside_after_three_crashes(
        api: FakeBotApi, bot_env: dict[str, str], workdir: Path, resident: FakeUser) -> None:
    """The press first meets a lock another program holds past the busy timeout (a real
    "database is locked"), is tried again in the same process once the lock is gone, and
    from then on kills the bot wherever it is handled: the tries again are not crashes and
    count nothing, each process that takes it up counts one, so it is set aside after
    exactly three crashes, as an update that never met a passing failure."""
    bot_env["ZHONGFU_LOG_LEVEL"] = "INFO"
    bot_env["ZHONGFU_RETRY_SECONDS"] = "1"
    bot = BotProcess(api, bot_env, workdir)
    await bot.start()
    try:
        await resident.send("/start")
        greeting = await resident.expect(r"您好")
        assert await bot.updates_settled(count=1) == ["done"]
        hold = api.hold("answerCallbackQuery")
        press = asyncio.create_task(
            resident.press(label("zh", "button.report"), in_message=greeting, timeout=30))
        await hold.reached()
        with contextlib.closing(bot.db()) as other:
            other.isolation_level = None
            other.execute("BEGIN IMMEDIATE")  # held past the bot's 10 s busy timeout
            hold.release()
            await resident.expect(LATER, timeout=30)
            question = api.hold("sendMessage", lambda p: "出了什么事" in str(p.get("text")))
            other.execute("ROLLBACK")
        await press
        for crash in range(3):  # the try again, then each start's replay, dies at the question
            if crash:
                question = api.hold("sendMessage", lambda p: "出了什么事" in str(p.get("text")))
                await bot.start()
            await question.reached(timeout=30)
            await bot.kill()
            question.release()
        await bot.start()
        assert await bot.updates_settled() == ["done", "failed"]
        assert "set aside" in bot.log() and told_later(resident) == 1
        await resident.send("/help")  # the bot goes on with the person's next message
        await resident.expect(r"您可以用这些命令")
        assert await bot.updates_settled(count=3) == ["done", "failed", "done"]
    finally:
        await bot.stop()
