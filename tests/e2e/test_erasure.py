"""A resident's personal data can be erased, leaving the anonymous facts the figures need."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.conftest import BotProcess
from tests.e2e.helpers_triage import add_worker, report_row
from tests.e2e.reporting import label, submit_report
from tests.rig.server import FakeBotApi, FakeUser

PHONE = "13912345678"
ADDRESS = "东门小区3栋502"
WORDS = "我们明天上午去看看张大爷"


def file_bytes(workdir: Path) -> bytes:
    """Every byte the database keeps on disk: the file and its WAL."""
    found = b""
    for path in workdir.glob("zhongfu.sqlite3*"):
        if path.is_file() and not path.name.endswith(".bak"):
            found += path.read_bytes()
    return found


async def test_erase_person_leaves_no_trace_of_their_contact(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser, workdir: Path) -> None:
    add_worker(bot, 2001, "陈社工")
    worker = api.user(2001, "陈社工", language_code="zh-hans")
    ref = await submit_report(resident, phone=PHONE, address=ADDRESS)
    card = await worker.expect(rf"新求助.*{ref}")
    assert PHONE not in card.plain and ADDRESS not in card.plain  # need to know
    await worker.press(label("zh", "triage.button.take"), in_message=card)
    details = await worker.expect(rf"{PHONE}")
    await worker.press(label("zh", "triage.button.msg"), in_message=details)
    await worker.expect("要发给")
    await worker.send(WORDS)
    await resident.expect(WORDS)
    await bot.stop()
    before = file_bytes(workdir)
    assert PHONE.encode() in before and ADDRESS.encode() in before

    status, out = await bot.cli("erase", "person", str(resident.id))
    assert status == 0, out
    assert "anonymised" in out
    after = file_bytes(workdir)
    for secret in (PHONE, ADDRESS, WORDS, "张大爷，80岁左右", "李阿姨"):
        assert secret.encode() not in after, f"{secret} is still in the database file"
    row = report_row(bot, ref)
    # The anonymous facts stay for the figures: category, community, urgency, status, dates.
    assert row["category"] == "elderly_alone" and row["area_id"] is not None
    assert row["status"] == "acknowledged" and row["urgency"] == "soon"
    with bot.db() as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit").fetchall()]
    assert "erase.person" in actions
    status, out = await bot.cli("erase", "person", "424242")
    assert status == 1 and "nothing erased" in out


async def test_closed_reports_are_anonymised_after_the_retention(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser, coordinator: FakeUser) -> None:
    ref = await submit_report(resident, phone=PHONE, address=ADDRESS)
    with bot.db() as conn:
        closed = (bot.now() - timedelta(days=366)).isoformat()
        conn.execute("UPDATE reports SET status = 'closed', updated_at = ?", (closed,))
        conn.commit()
    status, out = await bot.cli("tick", "--at", bot.now().isoformat())
    assert status == 0, out
    row = report_row(bot, ref)
    assert row["phone"] is None and row["address"] is None and row["subject"] is None
    assert row["category"] == "elderly_alone" and row["status"] == "closed"
