"""One `zhongfu run` per database, and one process per token.

A second `zhongfu run` on the same database (started twice by mistake) stops at start with
one line naming the other process and the database, exit status 2; the first goes on, and
`zhongfu tick` still runs beside it. A bot whose token another process polls with (on another
server) hears 409 Conflict from Telegram: once that lasts ZHONGFU_CONFLICT_SECONDS it says so
and exits 2 instead of logging the conflict every few seconds forever.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from tests.conftest import BotProcess, bot_environment
from tests.rig.server import FakeBotApi


async def test_a_second_run_on_the_same_database_stops_at_start(
        bot: BotProcess, api: FakeBotApi, workdir: Path) -> None:
    assert bot.proc is not None
    first = bot.proc.pid
    code, out = await bot.cli("run", timeout=20)
    assert code == 2, out
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    assert f"process {first}" in lines[0] and str(workdir / "zhongfu.sqlite3") in lines[0], out
    assert "Traceback" not in out
    # The first bot goes on answering, and a tick still runs beside it.
    resident = api.user(1001, "李阿姨", language_code="zh-hans")
    await resident.send("/start")
    await resident.expect("您好")
    code, out = await bot.cli("tick")
    assert code == 0, out
    assert bot.proc.returncode is None


async def test_webhook_mode_listens_before_replaying(api: FakeBotApi, tmp_path: Path) -> None:
    """A port already in use stops the start before any stored update is handled."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    env = bot_environment(api, tmp_path, ZHONGFU_WEBHOOK_URL="https://bot.example.org/hook",
                          ZHONGFU_WEBHOOK_SECRET="s3cret", ZHONGFU_LISTEN=f"127.0.0.1:{port}")
    process = BotProcess(api, env, tmp_path)
    try:
        code, out = await process.cli("run", timeout=20)
    finally:
        taken.close()
    assert code == 2 and f"ZHONGFU_LISTEN 127.0.0.1:{port} cannot be listened on" in out, out
    assert not api.calls_to("setMyCommands"), "stopped before anything else started"


async def test_a_conflict_that_lasts_stops_the_bot(api: FakeBotApi, tmp_path: Path) -> None:
    env = bot_environment(api, tmp_path, ZHONGFU_CONFLICT_SECONDS="3")
    api.fail_next("getUpdates", 409, "Conflict: terminated by other getUpdates request; make "
                  "sure that only one bot instance is running", times=1000)
    process = BotProcess(api, env, tmp_path)
    await process.start(wait_polling=False)
    assert process.proc is not None
    code = await asyncio.wait_for(process.proc.wait(), 30)
    log = process.log()
    assert code == 2, log
    assert "409 Conflict" in log and "another process takes this bot's updates" in log, log
    assert log.count("409 Conflict from Telegram") == 1, log
