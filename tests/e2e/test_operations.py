"""Running it for years: backups that restore, `zhongfu doctor`, owner-only files, a
database that cannot be used at start, and logs without secrets or what people typed."""

from __future__ import annotations

import asyncio
import json
import resource
import sqlite3
import stat
import sys
from datetime import UTC, timedelta
from pathlib import Path

from tests.conftest import TOKEN, BotProcess
from tests.e2e.reporting import submit_report
from tests.rig.server import FakeBotApi, FakeUser

GROUP = -1001234567890  # the coordinators' group


def content(path: str) -> bytes:
    """The bytes of a file."""
    return Path(path).read_bytes()


def mode(path: Path) -> int:
    """Permission bits of a file."""
    return stat.S_IMODE(path.stat().st_mode)


async def test_backup_under_writes_restores_into_a_new_file(
        bot: BotProcess, api: FakeBotApi, workdir: Path) -> None:
    users = [api.user(2000 + n, f"居民{n}", language_code="zh-hans") for n in range(12)]
    backup = workdir / "backups" / "nightly.sqlite3"
    # People keep writing while the backup runs.
    first = users[:6]
    for user in first:
        await user.send("/start")
    for user in first:
        await user.expect(r"您好")
    writes = asyncio.gather(*(u.send("/start") for u in users[6:]))
    status, out = await bot.cli("backup", str(backup))
    await writes
    assert status == 0, out
    assert mode(backup) & 0o077 == 0, "backups are the owner's only"
    status, out = await bot.cli("restore", str(backup))
    assert status == 1 and "stop it first" in out, "restore must refuse while the bot runs"
    assert await bot.stop() == 0
    bot.env["ZHONGFU_DATABASE"] = str(workdir / "restored" / "zhongfu.sqlite3")
    status, out = await bot.cli("restore", str(backup))
    assert status == 2 and f"its folder {workdir / 'restored'} does not exist" in out, out
    assert not (workdir / "restored").exists(), "zhongfu creates no folders"
    (workdir / "restored").mkdir()
    status, out = await bot.cli("restore", str(backup))
    assert status == 0, out
    with bot.db() as conn:
        ids = {r[0] for r in conn.execute("SELECT telegram_id FROM people")}
    conn.close()
    assert {u.id for u in first} <= ids, "a person committed before the backup is missing"
    await bot.start()
    await users[0].send("/help")
    await users[0].expect(r"您可以用这些命令")


async def test_restore_refuses_a_file_that_is_not_a_zhongfu_database(
        bot: BotProcess, resident: FakeUser, workdir: Path) -> None:
    await resident.send("/start")
    await resident.expect(r"您好")
    await bot.stop()
    before = content(bot.env["ZHONGFU_DATABASE"])
    spreadsheet = workdir / "households.csv"
    spreadsheet.write_text("编号,姓名\nH1,张大爷\n", encoding="utf-8")
    status, out = await bot.cli("restore", str(spreadsheet))
    assert status == 1
    assert "not restored" in out and "not an SQLite database" in out
    assert content(bot.env["ZHONGFU_DATABASE"]) == before


async def test_database_wal_and_lock_are_owner_only(bot: BotProcess,
                                                    resident: FakeUser) -> None:
    await resident.send("/start")
    await resident.expect(r"您好")
    database = Path(bot.env["ZHONGFU_DATABASE"])
    for path in (database, database.with_name(database.name + "-wal"),
                 database.with_name(database.name + ".lock")):
        assert mode(path) & 0o077 == 0, f"{path.name} is readable by others: {oct(mode(path))}"


async def test_a_database_that_cannot_be_used_stops_the_start_with_one_line(
        api: FakeBotApi, bot_env: dict[str, str], workdir: Path) -> None:
    bot_env["ZHONGFU_LOG_LEVEL"] = "WARNING"
    process = BotProcess(api, bot_env, workdir)
    for database, words in ((Path("/proc/zhongfu/zhongfu.sqlite3"), "cannot use"),
                            (workdir / "garbage.sqlite3", "zhongfu restore")):
        if database.parent == workdir:
            database.write_bytes(b"not a database at all " * 500)
        bot_env["ZHONGFU_DATABASE"] = str(database)
        status, out = await process.cli("run", timeout=30)
        assert status == 2, out
        lines = out.strip().splitlines()
        assert len(lines) == 1 and words in lines[0], out
        assert "Traceback" not in out


async def test_a_full_disk_at_start_is_one_line_and_exit_2(
        api: FakeBotApi, bot_env: dict[str, str], workdir: Path) -> None:
    def small_disk() -> None:
        # Files may not grow past 64 KB: writes fail as on a full disk (Python ignores
        # SIGXFSZ, so the write itself fails rather than the process).
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    bot_env["ZHONGFU_LOG_LEVEL"] = "WARNING"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=workdir, env=bot_env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        preexec_fn=small_disk,
    )
    out = (await asyncio.wait_for(proc.communicate(), 60))[0].decode()
    assert proc.returncode == 2, out
    lines = out.strip().splitlines()
    assert len(lines) == 1 and "is full or failing" in lines[0] and "df -h" in lines[0], out
    assert not api.calls_to("getMe"), "nothing else starts"


async def test_doctor_on_a_healthy_setup(bot: BotProcess, api: FakeBotApi,
                                         coordinator: FakeUser, workdir: Path) -> None:
    api.group(GROUP, "协调员群")
    bot.env["ZHONGFU_COORDINATOR_CHAT"] = str(GROUP)
    await coordinator.send("/start")
    await coordinator.expect(r"您好")
    status, out = await bot.cli("backup", str(workdir / "backups" / "zhongfu-today.sqlite3"))
    assert status == 0, out
    status, out = await bot.cli("doctor")
    lines = out.strip().splitlines()
    # The machine running the tests may lack a CJK font: then that line alone fails.
    font = next(line for line in lines if "font" in line)
    failed = [line for line in lines if line.startswith("✗")]
    assert failed == ([] if font.startswith("✓") else [font]), out
    assert status == (0 if font.startswith("✓") else 1)
    assert font.startswith("✓") or "apt-get install fonts-noto-cjk" in font
    for words in ("configuration: long polling", "Telegram reachable", "@zhongfu_test_bot",
                  "no webhook", "schema v", "writable", "free on its disk", "backups: 1 in",
                  "1 coordinator(s)", "coordinators' chat: 协调员群 (supergroup)",
                  "Asia/Shanghai", "outbox: every message to others has gone out"):
        assert any(words in line for line in lines if line.startswith("✓")), (words, out)
    status, out = await bot.cli("doctor", "--quick")
    assert status == 0, out
    assert "Telegram" not in out, "--quick does not use the network"


async def test_doctor_sees_the_group_id_without_its_minus_sign(
        bot: BotProcess, api: FakeBotApi) -> None:
    api.group(GROUP, "协调员群")
    bot.env["ZHONGFU_COORDINATOR_CHAT"] = str(-GROUP)  # 1001234567890: the minus sign lost
    hint = f"a group's id begins with -100: set ZHONGFU_COORDINATOR_CHAT={GROUP}"
    for quick in ((), ("--quick",)):
        status, out = await bot.cli("doctor", *quick)
        assert status == 1, out
        line = next((x for x in out.splitlines() if "ZHONGFU_COORDINATOR_CHAT=1001" in x), "")
        assert line.startswith("✗") and hint in line, out
        assert out.count(hint) == 1, out
    # A person's id the bot has never heard from: Telegram says chat not found.
    api.user(5005, "新同事", started=False)
    bot.env["ZHONGFU_COORDINATOR_CHAT"] = "5005"
    status, out = await bot.cli("doctor")
    line = next((x for x in out.splitlines() if "ZHONGFU_COORDINATOR_CHAT=5005" in x), "")
    assert status == 1 and line.startswith("✗") and "/start" in line, out
    status, out = await bot.cli("doctor", "--quick")
    assert "COORDINATOR_CHAT" not in out, "--quick cannot know without asking Telegram"


async def test_doctor_quick_says_when_the_bot_stopped_polling(bot: BotProcess) -> None:
    status, out = await bot.cli("doctor", "--quick")
    assert status == 0 and "✓ the bot is polling" in out, out
    assert await bot.stop() == 0
    # Ten minutes later by the bot's clock: the bot has not polled since it stopped.
    bot.set_clock(bot.now() + timedelta(minutes=10))
    for quick in (("--quick",), ()):
        status, out = await bot.cli("doctor", *quick)
        line = next((x for x in out.splitlines() if "getUpdates" in x), "")
        assert status == 1 and line.startswith("✗ the bot's last getUpdates answer came 10 min "
                                               "ago: it is not running"), out
        assert "systemctl start zhongfu" in line, out
    # A freshly started bot passes at once: its first getUpdates answer is recorded.
    await bot.start()
    status, out = await bot.cli("doctor", "--quick")
    assert status == 0 and "✓ the bot is polling" in out, out


async def test_doctor_quick_says_when_the_internal_scheduler_stopped_ticking(
        api: FakeBotApi, bot_env: dict[str, str], workdir: Path) -> None:
    bot_env["ZHONGFU_SCHEDULER"] = "internal"
    process = BotProcess(api, bot_env, workdir)
    await process.start()
    try:
        for _ in range(100):  # the first tick runs a second after start
            with process.db() as conn:
                ticked = conn.execute("SELECT at FROM heartbeats WHERE what = 'tick'"
                                      ).fetchone()
            conn.close()
            if ticked:
                break
            await asyncio.sleep(0.1)
        status, out = await process.cli("doctor", "--quick")
        assert status == 0 and "✓ the scheduler ticks" in out, out
    finally:
        assert await process.stop() == 0
    # Ten minutes later the bot polls again (written here) but its scheduler has not ticked.
    process.set_clock(process.now() + timedelta(minutes=10))
    with process.db() as conn:
        conn.execute("UPDATE heartbeats SET at = ? WHERE what = 'poll'",
                     (process.now().astimezone(UTC).isoformat(),))
    conn.close()
    status, out = await process.cli("doctor", "--quick")
    assert status == 1 and "✓ the bot is polling" in out, out
    assert "✗ the scheduler's last tick ended 10 min ago" in out, out


async def test_doctor_on_a_broken_setup_says_what_to_do(
        api: FakeBotApi, bot_env: dict[str, str], workdir: Path) -> None:
    process = BotProcess(api, bot_env, workdir)
    database = workdir / "zhongfu.sqlite3"
    database.write_bytes(b"this is not an SQLite file " * 300)
    bot_env["TELEGRAM_BOT_TOKEN"] = "123456:another-token-xyz"  # well formed, refused
    status, out = await process.cli("doctor")
    assert status == 1
    lines = out.strip().splitlines()
    assert all(line[0] in "✓✗" for line in lines), out
    expect = {"cannot be read": "zhongfu restore", "token refused": "@BotFather",
              "backups: none": "zhongfu backup", "not opened the bot": "press Start"}
    for problem, advice in expect.items():
        line = next((x for x in lines if problem in x), None)
        assert line is not None and line.startswith("✗") and advice in line, (problem, out)
    assert "another-token" not in out
    status, out = await process.cli("doctor", "--quick")
    assert status == 1 and "cannot be read" in out
    bot_env["TELEGRAM_API_URL"] = "http://127.0.0.1:9/bot"  # nothing listens there
    status, out = await process.cli("doctor")
    assert status == 1 and "✗ Telegram not reachable at 127.0.0.1:9" in out
    bot_env["ZHONGFU_TIMEZONE"] = "Mars/Olympus"
    status, out = await process.cli("doctor")
    assert status == 1 and out.startswith("✗ configuration: ZHONGFU_TIMEZONE"), out


async def test_doctor_sees_a_webhook_left_behind_in_polling_mode(
        api: FakeBotApi, bot_env: dict[str, str], workdir: Path) -> None:
    await api._set_webhook({"url": "https://old.example.org/hook"})
    status, out = await BotProcess(api, bot_env, workdir).cli("doctor")
    assert status == 1
    assert "✗ a webhook is set (https://old.example.org/hook)" in out


async def test_debug_log_in_json_has_no_token_phone_or_address(
        api: FakeBotApi, bot_env: dict[str, str], workdir: Path) -> None:
    bot_env["ZHONGFU_LOG_FORMAT"] = "json"
    bot_env["ZHONGFU_LOG_LEVEL"] = "DEBUG"
    process = BotProcess(api, bot_env, workdir)
    await process.start()
    try:
        reporter = api.user(1001, "李阿姨", language_code="zh-hans")
        phone, address = "13912345678", "翠竹路88号院7栋1203室"
        ref = await submit_report(reporter, phone=phone, address=address)
        assert ref.startswith("R-")
        worker_view = sqlite3.connect(bot_env["ZHONGFU_DATABASE"])
        stored = worker_view.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
        worker_view.close()
        assert stored == 1
    finally:
        assert await process.stop() == 0
    log = process.log()
    entries = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert len(entries) > 50, "DEBUG logging should be on"
    assert any("running as" in e["message"] for e in entries)
    assert any(e["level"] == "DEBUG" and "sendMessage" in e["message"] for e in entries)
    for secret in (TOKEN, TOKEN.split(":")[1], phone, address, "翠竹路88号"):
        assert secret not in log, f"{secret!r} is in the log"
