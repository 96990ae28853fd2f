"""End to end: forged callback data for every button prefix the bot registers changes nothing.

Callback data is user input: anyone can send any value. A resident and a worker of another
community press, for every prefix the application registers (read from the same registry the
bot starts with, so a new prefix is covered by itself): the real buttons other people were
given (other people's ids), nonexistent ids, garbage, over-long data and wrong arity. Every
press is answered, nothing crashes, the bot still answers /start, and not one row of the
database changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.services.context import Services
from bot.telegram.app import build_application, button_prefixes
from storage.db import Database
from tests.conftest import BOT_USERNAME, TOKEN, BotProcess
from tests.e2e.helpers_triage import add_worker
from tests.e2e.reporting import label, submit_report
from tests.e2e.test_households import HEADER, import_csv
from tests.rig.server import FakeBotApi, FakeUser
from tests.use_cases import catalog

WORKER, OUTSIDER = 2001, 2003
# What changes with every update whatever it says (received updates, the sender's queue and
# the scheduler's bookkeeping) is left out; everything people and figures rely on is compared.
NOT_COMPARED = {"updates", "outbox", "scheduled_runs"}
VOLATILE_COLUMNS = {"people": {"updated_at"}}
# The tails forged after every prefix: actions with someone else's ids (1 is the first report,
# household, contact, aid entry, fund …), nonexistent ids, garbage and wrong arity.
TAILS = ["", "x", "take:1", "del:1", "yes:1", "to:1:1", "off:2001", "h:1", "1", "p2001:0",
         "view:99999999", "view:-1", "view:1:1:1:1:1", "<&>:\"'", "h:²", "del:²",
         "view:" + "9" * 25, "h:" + "9" * 25, "to:1:" + "9" * 25, "asw:1:" + "9" * 25]
BATCH = 25  # presses in flight per person: the bot still handles one chat's updates in order


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """A server that takes ten times Telegram's 30 messages a second: the bot removes the
    keyboard under every forged press, and at Telegram's pace two thousand presses take a
    minute of waiting that proves nothing here."""
    server = FakeBotApi(token=TOKEN, username=BOT_USERNAME, messages_per_second=300)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def bot_env(bot_env: dict[str, str]) -> dict[str, str]:
    """The bot paces itself to that server (still under its limit)."""
    bot_env["ZHONGFU_PACE_PER_SECOND"] = "280"
    return bot_env


async def registered_prefixes(tmp: Path) -> list[str]:
    """Every button prefix of the application, as the running bot registers them."""
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "123456:TEST-token-abcdefghij",
                              "ZHONGFU_DATABASE": str(tmp / "prefixes.sqlite3")})
    db = await Database.open(settings.database)
    try:
        app, _ = build_application(
            Services(settings, db, catalog()))
    finally:
        await db.close()
    return button_prefixes(app)


def dump(bot: BotProcess) -> dict[str, list[tuple[object, ...]]]:
    """Every compared table's rows, in a stable order."""
    found: dict[str, list[tuple[object, ...]]] = {}
    with bot.db() as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        for table in sorted(set(tables) - NOT_COMPARED):
            cursor = conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2")
            names = [d[0] for d in cursor.description]
            keep = [i for i, n in enumerate(names) if n not in VOLATILE_COLUMNS.get(table, ())]
            found[table] = [tuple(row[i] for i in keep) for row in cursor.fetchall()]
    return found


def seed_entries(bot: BotProcess) -> None:
    """The worker's own contact and aid entry, so that forged ids point at real rows."""
    stamp = bot.now().isoformat()
    day = bot.today().isoformat()
    with bot.db() as conn:
        conn.execute("INSERT INTO contacts (household_id, worker_id, kind, day, created_at, "
                     "updated_at) VALUES (1, ?, 'call', ?, ?, ?)", (WORKER, day, stamp, stamp))
        conn.execute("INSERT INTO aid (household_id, worker_id, kind, amount_fen, fund_id, "
                     "purpose, day, created_at) VALUES (1, ?, 'cash', 5000, 1, 'medical', ?, ?)",
                     (WORKER, day, stamp))
        conn.commit()


async def handled(bot: BotProcess) -> None:
    """Wait until the bot has handled every update sent so far (so sent every answer)."""
    sent = bot.api.last_update_id
    states = await bot.updates_settled(timeout=30, count=sent)
    assert len(states) >= sent and "pending" not in states, states


async def use(bot: BotProcess, person: FakeUser, commands: tuple[str, ...]) -> None:
    """Send each command once the one before has been answered."""
    for command in commands:
        await person.send(command)
        await handled(bot)


async def settled(bot: BotProcess) -> dict[str, list[tuple[object, ...]]]:
    """The compared tables once the outbox has sent what the setup queued and nothing has
    changed for a tenth of a second (a sent notice is recorded just after it is marked)."""
    assert await bot.until(lambda: waiting(bot) == 0, 30)
    found = dump(bot)
    while True:
        await asyncio.sleep(0.1)
        again, found = found, dump(bot)
        if again == found:
            return found


def waiting(bot: BotProcess) -> int:
    """Outbox rows not sent (nor dropped) yet."""
    with bot.db() as conn:
        return int(conn.execute("SELECT COUNT(*) FROM outbox "
                                "WHERE state IN ('pending', 'sending', 'failed')").fetchone()[0])


async def everyone_uses_the_bot(bot: BotProcess, coordinator: FakeUser, worker: FakeUser,
                                resident: FakeUser) -> None:
    """Real buttons in the coordinator's and the worker's chats: a case, households, lists."""
    ref = await submit_report(resident, phone="13912345678")
    card = await worker.expect(rf"新求助.*{ref}")
    await worker.press(label("zh", "triage.button.take"), in_message=card)
    await worker.expect("13912345678")
    await use(bot, worker, ("/households", "/due", "/cases", "/aid", "/cancel", "/log",
                            "/cancel", "/activity", "/cancel", "/referrals", "/stats"))
    await coordinator.send("/cases")
    listing = await coordinator.expect(ref)
    await coordinator.press(f"📂 {ref}", in_message=listing)
    await coordinator.expect("13912345678")
    await use(bot, coordinator, ("/workers", "/households", "/audit", "/funds", "/programs",
                                 "/areas", "/pair", "/cancel", "/sources", "/referrals",
                                 "/stats", "/export", "/overdue", "/import", "/cancel"))


def real_buttons(people: list[FakeUser]) -> set[str]:
    """The callback data of every button these people were sent."""
    return {data for person in people for message in person.messages
            for row in message.buttons for _, data in row if data}


async def forge(user: FakeUser, payloads: list[str]) -> list[str]:
    """Press every payload on the user's own last message; the presses nobody answered."""
    target = user.last_message
    assert target is not None
    unanswered = []
    for start in range(0, len(payloads), BATCH):
        batch = payloads[start:start + BATCH]
        answers = await asyncio.gather(
            *(user.press_data(data, target, timeout=60.0) for data in batch),
            return_exceptions=True)
        unanswered += [data for data, answer in zip(batch, answers, strict=True)
                       if isinstance(answer, BaseException)]
    return unanswered


@pytest.mark.slow
async def test_forged_callback_data_for_every_prefix_changes_nothing(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser,
        resident_en: FakeUser, tmp_path: Path) -> None:
    add_worker(bot, WORKER, "陈社工")
    add_worker(bot, OUTSIDER, "外区社工", area="翠竹社区")
    await import_csv(bot, HEADER
                     + f"LH-1,张大爷,东门社区,东门路12号,1,独居老人,{WORKER},2025-01-01\n"
                     + "LH-2,李阿婆,翠竹社区,翠竹路8号,2,低保,,\n")
    seed_entries(bot)
    worker = api.user(WORKER, "陈社工", language_code="zh-hans")
    outsider = api.user(OUTSIDER, "外区社工", language_code="zh-hans")
    await everyone_uses_the_bot(bot, coordinator, worker, resident)

    prefixes = await registered_prefixes(tmp_path)
    assert len(prefixes) > 20
    others = sorted(d for d in real_buttons([coordinator, worker])
                    # Menu and language buttons are everyone's: pressing them is no forgery.
                    if d.split(":")[0] in prefixes and d.split(":")[0] not in ("cmd", "lang"))
    assert any(d.startswith("cs:") for d in others) and any(d.startswith("er:") for d in others)
    payloads = others + [prefix for prefix in prefixes]
    payloads += [f"{prefix}:{tail}" for prefix in prefixes for tail in TAILS]
    payloads += [(f"{prefix}:" + "9" * 64)[:64] for prefix in prefixes]  # over-long ids

    greeting = {resident_en.id: "This is Zhongfu", outsider.id: "欢迎回到"}
    for person in (resident_en, outsider):
        await person.send("/start")
        await person.expect(greeting[person.id])
    await handled(bot)
    before = await settled(bot)

    unanswered = await asyncio.gather(forge(resident_en, payloads), forge(outsider, payloads))
    assert unanswered == [[], []], "every press is answered"
    await handled(bot)
    after = dump(bot)
    # 🔍 is a worker's own button too (it searches their own households): pressing it opens a
    # search, which a worker of another community may do. Nothing else may change.
    after["flows"] = [r for r in after["flows"] if not (r[0] == OUTSIDER and r[1] == "find")]
    changed = {t: (sorted(set(before[t]) - set(after[t]), key=repr),
                   sorted(set(after[t]) - set(before[t]), key=repr))
               for t in before if before[t] != after[t]}
    assert changed == {}, "forged presses changed the database"
    failures = [chunk for chunk in bot.log().split("handler failed")[1:]]
    assert failures == [], "a forged press crashed a handler"
    internal = label("en", "error.internal")[:12]
    for person in (resident_en, outsider):
        assert not any(internal in m.plain or label("zh", "error.internal")[:8] in m.plain
                       for m in person.messages)
        await person.send("/start")
        await person.expect(greeting[person.id], timeout=30.0)
