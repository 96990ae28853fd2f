"""A resident's personal data can be erased, leaving the anonymous facts the figures need."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import BotProcess
from tests.e2e.helpers_triage import add_worker, report_row
from tests.e2e.reporting import label, submit_report
from tests.rig.server import FakeBotApi, FakeUser

PHONE = "13912345678"
ADDRESS = "东门小区3栋502"
WORDS = "我们明天上午去看看张大爷"


def plain(text: str) -> str:
    """A catalog text as the person reads it (no tags, no escapes)."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


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


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_a_coordinator_erases_the_reporter_from_the_report_after_confirming(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser,
        resident_en: FakeUser, workdir: Path, lang: str) -> None:
    reporter = resident if lang == "zh" else resident_en
    if lang == "en":
        await coordinator.send("/language")
        await coordinator.press("English")
        await coordinator.expect("English")
    ref = await submit_report(reporter, lang=lang, phone=PHONE, address=ADDRESS)
    await coordinator.send("/cases")
    listing = await coordinator.expect(re.escape(plain(label(lang, "triage.cases.waiting"))))
    await coordinator.press(f"🆕 {ref}", in_message=listing)
    details = await coordinator.expect(PHONE)
    erase = label(lang, "erasure.button")
    asked = re.escape(plain(label(lang, "erasure.confirm", ref=ref))[:20])
    # Pressing "keep" changes nothing.
    await coordinator.press(erase, in_message=details)
    confirm = await coordinator.expect(asked)
    assert label(lang, "erasure.yes") in str(confirm.buttons)
    await coordinator.press(label(lang, "erasure.no"), in_message=confirm)
    await coordinator.expect(re.escape(label(lang, "erasure.kept")))
    assert report_row(bot, ref)["phone"] == PHONE

    await coordinator.press(erase, in_message=details)
    confirm = await coordinator.expect(asked)
    await coordinator.press(label(lang, "erasure.yes"), in_message=confirm)
    done = await coordinator.expect(re.escape(plain(label(lang, "erasure.done", ref=ref,
                                                           count=1))))
    assert PHONE not in done.plain
    row = report_row(bot, ref)
    assert row["phone"] is None and row["address"] is None and row["category"] == "elderly_alone"
    with bot.db() as conn:
        found = conn.execute("SELECT actor_id, object_id, detail FROM audit "
                             "WHERE action = 'erase.person'").fetchall()
    assert [(r[0], r[1]) for r in found] == [(coordinator.id, str(reporter.id))]
    assert f'"report": {int(ref[2:])}' in found[0][2]
    await bot.stop()
    stored = file_bytes(workdir)
    for secret in (PHONE, ADDRESS):
        assert secret.encode() not in stored, f"{secret} is still in the database file"


async def test_only_coordinators_erase_and_never_a_staff_members_own_report(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    add_worker(bot, 2001, "陈社工")
    worker = api.user(2001, "陈社工", language_code="zh-hans")
    ref = await submit_report(resident, phone=PHONE)
    card = await worker.expect(rf"新求助.*{ref}")
    answer = await worker.press_data(f"er:yes:{int(ref[2:])}", card)
    assert answer == plain(label("zh", "erasure.not_allowed"))
    assert report_row(bot, ref)["phone"] == PHONE
    mine = await submit_report(worker, phone="13700001111")
    await coordinator.send("/cases")
    await coordinator.expect(re.escape(plain(label("zh", "triage.cases.waiting"))))
    answer = await coordinator.press_data(f"er:yes:{int(mine[2:])}")
    assert answer == plain(label("zh", "erasure.staff", ref=mine))
    assert report_row(bot, mine)["phone"] == "13700001111"


REPLY = "在家"  # a reporter's short answer, waiting in the outbox for the worker


def relayed_to(worker: FakeUser) -> list[str]:
    """The reporter's replies the worker received."""
    return [m.plain for m in worker.drain() if "求助人回复" in m.plain]


async def reply_waiting(bot: BotProcess, api: FakeBotApi, resident: FakeUser,
                        worker: FakeUser) -> str:
    """陈社工 takes the resident's report and writes to them; the resident answers while
    Telegram fails every send to 陈社工, so the answer waits in the outbox. The reference."""
    ref = await submit_report(resident, phone=PHONE, address=ADDRESS)
    card = await worker.expect(rf"新求助.*{ref}")
    await worker.press(label("zh", "triage.button.take"), in_message=card)
    details = await worker.expect(rf"{PHONE}")
    await worker.press(label("zh", "triage.button.msg"), in_message=details)
    await worker.expect("要发给")
    await worker.send(WORDS)
    await resident.expect(WORDS)
    api.fail_chat(worker.id, 502, "Bad Gateway", times=10_000)
    await resident.press(label("zh", "triage.button.reply"))
    await resident.expect("回复社工")
    await resident.send(REPLY)
    await resident.expect(rf"已转达给社工（{ref}）")
    assert await bot.until(lambda: waiting_to(bot, worker.id) == 1), "the reply waits"
    return ref


def waiting_to(bot: BotProcess, chat_id: int) -> int:
    """Messages to a chat still waiting in the outbox."""
    with bot.db() as conn:
        return int(conn.execute("SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND state IN "
                                "('pending', 'sending', 'failed')", (chat_id,)).fetchone()[0])


def waiting(bot: BotProcess, chat_id: int) -> list[tuple[str, str]]:
    """(op, text) of the messages to a chat still waiting in the outbox."""
    with bot.db() as conn:
        rows = conn.execute("SELECT op, text FROM outbox WHERE chat_id = ? AND state IN "
                            "('pending', 'sending', 'failed') ORDER BY id", (chat_id,))
        return [(str(r[0]), str(r[1])) for r in rows.fetchall()]


async def test_erasing_a_reporter_withdraws_their_reply_still_waiting_for_the_worker(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    add_worker(bot, 2001, "陈社工")
    worker = api.user(2001, "陈社工", language_code="zh-hans")
    ref = await reply_waiting(bot, api, resident, worker)
    await bot.stop()

    status, out = await bot.cli("erase", "person", str(resident.id))
    assert status == 0, out
    assert "1 waiting message(s) withdrawn" in out, out
    with bot.db() as conn:
        detail = conn.execute("SELECT detail FROM audit WHERE action = 'erase.person'"
                              ).fetchone()[0]
    assert '"withdrawn": 1' in detail, detail
    # Nothing waits for the worker but the edit that takes the case's details back.
    assert waiting(bot, worker.id) == [("edit", label("zh", "triage.detail.erased", ref=ref))]

    # Telegram is back: the next tick sends what waits, and the reply is not among it.
    api.chat_recovers()
    worker.drain()
    status, out = await bot.cli("tick", "--at", (bot.now() + timedelta(minutes=1)).isoformat())
    assert status == 0, out
    assert relayed_to(worker) == [], "an erased reporter's words reached the worker"


async def test_a_coordinator_erasing_a_reporter_is_told_their_waiting_reply_was_withdrawn(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    add_worker(bot, 2001, "陈社工")
    worker = api.user(2001, "陈社工", language_code="zh-hans")
    ref = await reply_waiting(bot, api, resident, worker)
    await coordinator.send("/cases")
    listing = await coordinator.expect(re.escape(plain(label("zh", "triage.cases.open_all"))))
    await coordinator.press(f"📂 {ref}", in_message=listing)
    details = await coordinator.expect(PHONE)
    await coordinator.press(label("zh", "erasure.button"), in_message=details)
    confirm = await coordinator.expect(re.escape(plain(label("zh", "erasure.confirm",
                                                             ref=ref))[:20]))
    await coordinator.press(label("zh", "erasure.yes"), in_message=confirm)
    done = await coordinator.expect(re.escape(plain(label("zh", "erasure.done", ref=ref,
                                                           count=1))))
    assert plain(label("zh", "erasure.withdrawn", count=1)) in done.plain, done.plain
    await bot.stop()
    api.chat_recovers()
    worker.drain()
    status, out = await bot.cli("tick", "--at", (bot.now() + timedelta(minutes=1)).isoformat())
    assert status == 0, out
    assert relayed_to(worker) == [], "an erased reporter's words reached the worker"


def no_contact(text: str) -> bool:
    """Whether a text carries none of the reporter's contact details."""
    return PHONE not in text and ADDRESS not in text and not re.search(r"1[0-9]{10}", text)


async def test_erasing_a_reporter_takes_their_details_out_of_the_chats_that_were_shown_them(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    """Chen (who reads English) took the resident's case and has its phone and address in his
    chat, as has the coordinator who opened it. The coordinator erases the reporter: each of
    those messages now reads one line, in its reader's language, saying the details were
    removed at the person's request, without buttons; the coordinator is told how many; the
    audit counts them; Chen still holds the case."""
    add_worker(bot, 2001, "Chen")
    chen = api.user(2001, "Chen", language_code="en")
    await chen.send("/start")
    await chen.expect("")
    ref = await submit_report(resident, phone=PHONE, address=ADDRESS)
    await chen.press(label("en", "triage.button.take"), in_message=await chen.expect(ref))
    chens = await chen.expect(PHONE)
    await coordinator.send("/cases")
    listing = await coordinator.expect(re.escape(plain(label("zh", "triage.cases.open_all"))))
    await coordinator.press(f"📂 {ref}", in_message=listing)
    details = await coordinator.expect(PHONE)
    await coordinator.press(label("zh", "erasure.button"), in_message=details)
    confirm = await coordinator.expect(re.escape(plain(label("zh", "erasure.confirm",
                                                             ref=ref))[:20]))
    await coordinator.press(label("zh", "erasure.yes"), in_message=confirm)
    done = await coordinator.expect(re.escape(plain(label("zh", "erasure.done", ref=ref,
                                                           count=1))))
    assert plain(label("zh", "erasure.details", count=2)) in done.plain, done.plain

    for user, message, lang in ((chen, chens, "en"), (coordinator, details, "zh")):
        line = plain(label(lang, "triage.detail.erased", ref=ref))
        assert await bot.until(lambda u=user, m=message, t=line: (
            (now := u.server.chats[u.id].find(m.message_id)) is not None
            and now.plain == t and not now.buttons)), user.messages
        assert no_contact(line) and "\n" not in line
    assert "request" in label("en", "triage.detail.erased", ref=ref)
    assert "要求" in label("zh", "triage.detail.erased", ref=ref)
    with bot.db() as conn:
        detail = conn.execute("SELECT detail FROM audit WHERE action = 'erase.person'"
                              ).fetchone()[0]
    assert '"details": 2' in detail, detail
    row = report_row(bot, ref)
    assert row["taken_by"] == chen.id and row["status"] == "acknowledged"
    await chen.send("/cases")
    mine = await chen.expect(ref)
    assert no_contact(mine.plain)


async def test_erase_person_on_the_command_line_takes_back_the_details_too(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    """`zhongfu erase person` edits the worker's details message as the button does, says
    how many it edited, and the audit counts them."""
    add_worker(bot, 2001, "陈社工")
    worker = api.user(2001, "陈社工", language_code="zh-hans")
    ref = await submit_report(resident, phone=PHONE, address=ADDRESS)
    await worker.press(label("zh", "triage.button.take"),
                       in_message=await worker.expect(rf"新求助.*{ref}"))
    shown = await worker.expect(PHONE)
    await bot.stop()

    status, out = await bot.cli("erase", "person", str(resident.id))
    assert status == 0, out
    assert "1 message(s) showing their details edited" in out, out
    with bot.db() as conn:
        detail = conn.execute("SELECT detail FROM audit WHERE action = 'erase.person'"
                              ).fetchone()[0]
    assert '"details": 1' in detail, detail
    status, out = await bot.cli("tick", "--at", (bot.now() + timedelta(minutes=1)).isoformat())
    assert status == 0, out
    now = worker.server.chats[worker.id].find(shown.message_id)
    assert now is not None and now.plain == plain(label("zh", "triage.detail.erased", ref=ref))
    assert no_contact(now.plain) and not now.buttons
