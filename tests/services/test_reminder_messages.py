"""The reminder run made cheap at scale (issue 16 §4) sends exactly what it sent before.

The reference is the code the run used before this change, kept here as it was:
`obligations.everyone` + `reminding.stages_today` for what is due (both still in the
bot, used by the digest and /overdue), and `old_reminder_message`, which built the message
with the catalog's `t` per value and python-telegram-bot's button objects. On a seeded, varied
database (two languages, names to escape and to shorten, handovers, gaps, pairings ended or
not begun, a second programme held by a category, archived households, deleted and future
contacts) the new run must give the same obligations in the same order, and the same text
and the same bytes of reply markup on the wire, message by message.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.request._requestparameter import RequestParameter  # how PTB puts it on the wire

from bot.config import load_settings
from bot.delivery.pacing import Pacer
from bot.domain import digest as dg
from bot.domain.cadence import ContactKind, Obligation, Rule, Stage, Status
from bot.domain.lengths import shorten
from bot.domain.periods import PeriodKind, period_containing
from bot.domain.reminding import staged_keys, stages_today
from bot.jobs.context import TickContext
from bot.jobs.reminders import due_reminders, remind, reminder_message
from bot.services import obligations, reminder_run, reminder_sends
from bot.services.contact_buttons import START_FOR
from bot.services.context import Services
from bot.services.reminder_messages import Claim, ReminderWriter, in_order
from bot.services.reminder_run import Due, Key
from bot.services.texts import language_of, period_label
from storage import pairings, reminder_rows
from storage import reminders as store
from storage.db import Database
from tests.rig.stub_bot import DirectCalls
from tests.use_cases import catalog, services_for

STAMP = "2025-01-01T00:00:00+00:00"
WORKERS = {7001: ("陈社工", "zh", None), 7002: ("Amy <Lee>", "en", None),
           7003: ("刘社工", None, "en-US"), 7004: ("王&李", None, None), 7005: ("Bob", "en", None)}
NAMES = ["张大爷", "李阿婆", "A&B <i>family</i>", "王小明的外婆和外公一家人", "Ōtani 大谷", "陈"]
# A first-stage day for the quarter, half year and year; the monthly rule's first stage; the
# final week; a quarter's first stage alone; a day with nothing to remind.
DAYS = [date(2026, 12, 1), date(2026, 12, 15), date(2026, 12, 26), date(2026, 3, 20),
        date(2026, 1, 10)]


def seed(path: Path, rng: random.Random) -> None:
    """Households, pairings and contacts of every shape the cadence engine knows."""
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany("INSERT INTO areas (id, name, created_at) VALUES (?, ?, ?)",
                         [(1, "东门社区", STAMP), (2, "翠竹<社区>", STAMP)])
        conn.executemany(
            "INSERT INTO people (telegram_id, display_name, role, language, language_code, "
            "created_at, updated_at) VALUES (?, ?, 'worker', ?, ?, ?, ?)",
            [(w, name, lang, code, STAMP, STAMP) for w, (name, lang, code) in WORKERS.items()])
        # A second programme, monthly calls and quarterly visits, holds orphans only; a third
        # is switched off.
        conn.executemany(
            "INSERT INTO programs (id, name, rules, active, created_at) VALUES (?, ?, ?, ?, ?)",
            [(2, "孤儿关爱", '[{"kind": "call", "period": "month"}, '
                          '{"kind": "visit", "period": "quarter"}]', 1, STAMP),
             (3, "停用", '[{"kind": "call", "period": "month"}]', 0, STAMP)])
        conn.execute("INSERT INTO program_categories (program_id, category, since) "
                     "VALUES (2, 'orphan', '0001-01-01')")
        pairing = 0
        for h in range(1, 161):
            name = f"{rng.choice(NAMES)}{h % 7 if rng.random() < 0.8 else ''}"
            category = rng.choice(["dibao", "orphan", "elderly_alone"])
            conn.execute(
                "INSERT INTO households (id, name, area_id, category, archived, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (h, name, rng.choice([1, 2, None]), category, int(rng.random() < 0.05), STAMP,
                 STAMP))
            conn.execute("INSERT OR IGNORE INTO household_categories (household_id, category) "
                         "VALUES (?, ?)", (h, category))
            for program in (1, 2, 3) if rng.random() < 0.4 else (1,):
                start = date(2025, 1, 1) + timedelta(days=rng.randrange(720))
                shape = rng.choice(["one", "one", "handover", "gap", "ended", "empty", "zero",
                                    "later"])
                spans: list[tuple[date, date | None]] = []
                if shape == "handover":
                    handover = start + timedelta(days=rng.randrange(1, 200))
                    spans = [(start, handover), (handover, None)]
                elif shape == "gap":
                    end = start + timedelta(days=rng.randrange(1, 100))
                    spans = [(start, end), (end + timedelta(days=rng.randrange(1, 60)), None)]
                elif shape == "ended":
                    spans = [(start, start + timedelta(days=rng.randrange(1, 400)))]
                elif shape == "empty":
                    spans = [(start, start), (start, None)]
                elif shape == "zero":  # made and ended the same day: covers no day
                    spans = [(date(2026, 11, 20), date(2026, 11, 20))]
                elif shape == "later":
                    spans = [(date(2027, 1, 1), None)]
                else:
                    spans = [(start, None)]
                for begun, ended in spans:
                    pairing += 1
                    conn.execute(
                        "INSERT INTO pairings (id, household_id, worker_id, program_id, "
                        "started_on, ended_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (pairing, h, rng.choice(list(WORKERS)), program, begun.isoformat(),
                         ended.isoformat() if ended else None, STAMP))
            for _ in range(rng.randrange(12)):
                day = date(2025, 1, 1) + timedelta(days=rng.randrange(800))
                conn.execute(
                    "INSERT INTO contacts (household_id, worker_id, kind, day, created_at, "
                    "updated_at, deleted) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (h, 7001, rng.choice(["call", "visit", "deed", "other"]), day.isoformat(),
                     STAMP, STAMP, int(rng.random() < 0.1)))
    conn.close()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    path = tmp_path / "z.sqlite3"
    database = await Database.open(path)  # migrated
    seed(path, random.Random(16))
    yield database
    await database.close()


def services(db: Database) -> Services:
    return services_for(db, datetime(2026, 12, 1, tzinfo=UTC), coordinators="")


# -- the reference: the run as it was ---------------------------------------------------------


async def old_due_reminders(services: Services, today: date
                            ) -> dict[Key, tuple[dg.Item, Stage]]:
    """bot.jobs.reminders.due_reminders before the change. `obligations.everyone` holds
    archived households too (their past periods still count in the figures); a reminder
    never names one, so they are left out here."""
    archived = {int(r[0]) for r in await services.db.fetchall(
        "SELECT id FROM households WHERE archived = 1")}
    items = [i for i in await obligations.everyone(services.db, today, history_periods=0)
             if i.household_id not in archived]
    return {(item.worker_id, item.household_id, item.program_id, o.key): (item, stage)
            for item, o, stage in stages_today(((i, i.obligation) for i in items), today)}


def _short(text: str, size: int) -> str:
    """Cut as labels are everywhere (bot.domain.lengths, tested there): no space before "…"."""
    return shorten(text, size)


def old_reminder_message(services: Services, lang: str, worker_name: str,
                         items: Sequence[tuple[dg.Item, Stage]], today: date
                         ) -> tuple[str, InlineKeyboardMarkup]:
    """bot.jobs.reminders.reminder_message before the change, word for word."""
    t = services.catalog.t
    lines = [t(lang, "reminder.title", name=worker_name)]
    rows: list[list[InlineKeyboardButton]] = []
    for item, stage in items:
        o = item.obligation
        kind = t(lang, f"kind.{o.rule.kind.value}")
        values = dict(household=item.household_name, kind=kind,
                      period=period_label(services, lang, o.period), due_by=o.due_by.isoformat())
        if stage is Stage.FINAL:
            lines.append(t(lang, "reminder.line_final", days=(o.due_by - today).days + 1,
                           **values))
        else:
            lines.append(t(lang, "reminder.line_first", **values))
        # The one change made on purpose: labels are plain text, as Telegram shows them
        # (before, a household "A&B" read "A&amp;B" on its button).
        label = services.catalog.plain(lang, "reminder.button",
                                       kind=services.catalog.plain(lang, f"kind.{o.rule.kind}"),
                                       household=_short(item.household_name, 10))
        rows.append([InlineKeyboardButton(
            label, callback_data=START_FOR.data(item.household_id, o.rule.kind))])
    lines.append(t(lang, "reminder.footer"))
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def claimed(items: Sequence[tuple[dg.Item, Stage]], first_id: int = 1) -> list[Claim]:
    """Items as deliver() holds them once claimed (reminder_run.Send)."""
    return [(item.obligation.due_by, item.household_name, first_id + n, item.household_id,
             Due(item.program_id, item.obligation.rule, item.obligation.period,
                 item.obligation.due_by, stage, item.obligation.key))
            for n, (item, stage) in enumerate(items)]


def wire(markup: object) -> str | None:
    """The reply_markup field exactly as python-telegram-bot sends it to Telegram."""
    return RequestParameter.from_input("reply_markup", markup).json_value


def by_worker(current: dict[Key, tuple[dg.Item, Stage]], ids: dict[Key, int]
              ) -> dict[int, list[tuple[dg.Item, Stage]]]:
    """Each worker's reminders in the order deliver sends them."""
    found: dict[int, list[tuple[int, dg.Item, Stage]]] = {}
    for key, (item, stage) in current.items():
        found.setdefault(key[0], []).append((ids[key], item, stage))
    return {worker: [(item, stage) for _, item, stage in
                     sorted(rows, key=lambda r: (r[1].obligation.due_by, r[1].household_name,
                                                 r[0]))]
            for worker, rows in found.items()}


# -- the comparisons ---------------------------------------------------------------------------


async def test_the_same_obligations_in_the_same_order(db: Database) -> None:
    s = services(db)
    sizes = []
    for today in DAYS:
        old = await old_due_reminders(s, today)
        new = await due_reminders(s, today)
        assert list(new.items()) == list(old.items()), today
        sizes.append(len(old))
    # The seed covers what it should: stages of both kinds, and a day with nothing.
    assert sizes[-1] == 0 and min(sizes[:-1]) > 20
    stages = {stage for today in DAYS[:3] for _, stage in (await due_reminders(s, today)).values()}
    assert stages == {Stage.FIRST, Stage.FINAL}


async def test_what_is_due_for_some_households_is_theirs_of_what_is_due(db: Database
                                                                       ) -> None:
    """A retry tick asks only for the households it claimed (reminder_sends.claim_ready)."""
    for today in DAYS[:3]:
        every = await reminder_run.current(db, today)
        households = sorted({household for _, household, _, _ in every})
        some = set(households[::3]) | {10_000}  # and one that is not there
        theirs = await reminder_run.current(db, today, households=some)
        assert list(theirs.items()) == [(key, found) for key, found in every.items()
                                        if key[1] in some]
        assert 0 < len(theirs) < len(every)
    assert await reminder_run.current(db, DAYS[0], households=set()) == {}


async def test_what_was_reminded_and_needs_nothing_more_is_left_out(db: Database) -> None:
    """The day after a run, the reminders sent, cancelled or dropped are not made again;
    those still pending or failed (a claim may take them) are."""
    today = DAYS[0]
    s = services(db)
    every = await reminder_run.current(db, today)
    at = datetime(2026, 12, 1, 1, tzinfo=UTC)
    added, batch = await reminder_sends.plan_and_claim(s, today, every, at)
    assert added == len(every) > 50
    rows = sorted((claim for group in batch.values() for claim in group), key=lambda r: r[2])
    settled = rows[:40]
    await store.mark_sent(db, [r[2] for r in settled[:20]], 1, at)
    await store.cancel(db, [r[2] for r in settled[20:30]])
    await store.mark_failed(db, [r[2] for r in settled[30:]], "x", at, drop=True)
    await store.mark_failed(db, [r[2] for r in rows[40:50]], "x", at)  # retried later
    by_id = {r.id: r for w in WORKERS for r in await store.for_worker(db, w)}
    left_out = {(*by_id[r[2]].obligation, by_id[r[2]].stage) for r in settled}
    next_day = await reminder_run.current(db, today + timedelta(days=1))
    again = await reminder_run.current(db, today + timedelta(days=1), households=set(
        household for _, household, _, _ in every))  # a retry tick: nothing left out
    assert len(next_day) == len(again) - 40
    assert list(next_day.items()) == [(key, (item, stage)) for key, (item, stage)
                                      in again.items() if (*key, stage) not in left_out]


async def test_a_run_over_reminders_planned_before_claims_each_obligation_once(
        db: Database) -> None:
    """The day's run where earlier reminders wait: those of today's obligations (pending, or
    failed and due for a retry) keep their rows and ids, one no longer due is cancelled, the
    rest are new; every obligation at a stage is claimed once, with what its line shows."""
    today = DAYS[0]
    s = services(db)
    every = await reminder_run.current(db, today)
    keys = list(every)
    before = [*keys[5:8], keys[-1]]
    stale = (keys[0][0], keys[0][1], keys[0][2], "call:2020-Q1")
    at = datetime(2026, 12, 1, 1, tzinfo=UTC)
    await store.plan_run(db, "reminders", "2026-11-30", [
        store.Planned(*key, every[key][1] if key in every else Stage.FIRST, date(2026, 12, 31))
        for key in (*before, stale)], date(2026, 11, 30), at - timedelta(days=1))
    old = {r.obligation: r for w in WORKERS for r in await store.for_worker(db, w)}
    await store.mark_failed(db, [old[keys[6]].id], "TimedOut", at)  # ready to retry
    added, batch = await reminder_sends.plan_and_claim(s, today, every, at)
    assert added == len(every) - len(before)
    stored = {r.id: r for w in WORKERS for r in await store.for_worker(db, w)}
    assert stored[old[stale].id].state == "cancelled"
    claimed = {(*stored[send[2]].obligation, stored[send[2]].stage): send
               for sends in batch.values() for send in sends}
    assert len(claimed) == sum(map(len, batch.values())) == len(every)
    for key, (item, stage) in every.items():
        due_by, name, id_, household, due = claimed[(*key, stage)]
        assert (due_by, name, household, due.stage, due.rule, due.period) == (
            item.obligation.due_by, item.household_name, item.household_id, stage,
            item.obligation.rule, item.obligation.period)
        assert (key in old and id_ == old[key].id) is (key in before)
        assert stored[id_].state == "sending"
    # Worker by worker, each worker's by id (deliver's order before it sorts for a message).
    assert list(batch) == sorted(batch)
    assert all([send[2] for send in sends] == sorted(send[2] for send in sends)
               for sends in batch.values())


async def test_every_message_is_byte_for_byte_the_same(db: Database) -> None:
    s = services(db)
    compared = 0
    labels: set[str] = set()
    for today in DAYS:
        current = await old_due_reminders(s, today)
        writer = ReminderWriter(s, today)
        ids = {key: n for n, key in enumerate(current)}  # planned in this order
        for worker, items in by_worker(current, ids).items():
            for lang in ("zh", "en"):
                for start in range(0, len(items), 10):
                    chunk = items[start:start + 10]
                    old_text, old_markup = old_reminder_message(s, lang, WORKERS[worker][0],
                                                                chunk, today)
                    text, markup = reminder_message(writer, lang, WORKERS[worker][0],
                                                    claimed(chunk))
                    assert text == old_text
                    assert wire(markup) == wire(old_markup)
                    compared += 1
                    labels.update(b["text"] for row in json.loads(wire(markup) or "{}")
                                  .get("inline_keyboard", []) for b in row)
    assert compared > 40  # many workers' reminders split over several messages
    # Names read on their buttons as typed, in the text escaped once.
    assert any("A&B <i>" in label for label in labels)
    assert not any("&amp;" in label or "&lt;" in label for label in labels)


@dataclass
class Sent:
    message_id: int


class StubBot(DirectCalls):
    """Just enough of telegram.Bot: records what is sent."""

    def __init__(self) -> None:
        self.messages: list[tuple[int, str, Any]] = []

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> Sent:
        self.messages.append((chat_id, text, kwargs.get("reply_markup")))
        return Sent(len(self.messages))


async def test_the_daily_run_sends_what_the_old_code_wrote(db: Database) -> None:
    s = services(db)
    today = DAYS[0]
    reference = await old_due_reminders(s, today)
    bot = StubBot()
    async def no_sleep(_: float) -> None:
        return None

    pacer = Pacer(per_second=10_000, per_chat_seconds=0, sleep=no_sleep)
    now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    await remind(TickContext(s, bot, now, pacer))  # type: ignore[arg-type]
    people = await store.people_by_id(db, WORKERS)
    planned = {row.obligation for w in WORKERS for row in await store.for_worker(db, w)}
    assert planned == set(reference)  # once per obligation at a stage
    # The old run planned in its own order, so ids (deliver's last tie-break) followed it.
    ids = {key: n for n, key in enumerate(reference)}
    for worker, items in by_worker(reference, ids).items():
        lang = language_of(s, people[worker])
        expected = [old_reminder_message(s, lang, people[worker].name, items[i:i + 10], today)
                    for i in range(0, len(items), 10)]
        got = [(text, markup) for who, text, markup in bot.messages if who == worker]
        assert [text for text, _ in got] == [text for text, _ in expected]
        assert [wire(m) for _, m in got] == [wire(m) for _, m in expected]
    assert {lang for lang in (language_of(s, p) for p in people.values())} == {"zh", "en"}


# -- rendering at scale (issue 16 §4): varied reminders against the reference -----------------

TODAY = date(2026, 12, 26)  # a final week: every period of the year ends on the 31st
# Names to escape, to cut (10 characters on a button: 9, 10, 11 and far more), with braces a
# template would read as fields, astral characters, an empty one, one escaped already.
HOUSEHOLD_NAMES = ["张大爷", "A&B <i>family</i>", "王小明的外婆和外公一家人", "ninechars",
                   "tencharsXX", "elevenchars", "{household} {0} {{x}}", "Ōtani 大谷 🏠👵🏻",
                   "", "&amp; &lt;", "x" * 80, "李阿婆", "a<b 王", "3>2 王"]
# Workers as they are named to the bot: escaped in the title, braces left as typed.
SCALE_WORKERS = ["陈社工", "Amy <Lee> & {co}", "王&李", "Bob"]


def varied_reminders(rng: random.Random, worker_id: int, count: int
                     ) -> list[tuple[Claim, tuple[dg.Item, Stage]]]:
    """One worker's claimed reminders, in no order, each with its item and stage: every kind,
    period and stage, households met more than once, one id under several names, the
    longest id a button takes."""
    found = []
    for n in range(count):
        kind = rng.choice([ContactKind.CALL, ContactKind.VISIT, ContactKind.DEED])
        period = period_containing(rng.choice(list(PeriodKind)),
                                   rng.choice([TODAY, date(2026, 11, 3), date(2025, 6, 30)]))
        household = rng.choice([1, 2, 3, 0, 999_999_999_999, worker_id * 100 + n % 4])
        obligation = Obligation(Rule(kind, period.kind), period, Status.DUE, period.last_day,
                                None, worker_id, rng.randrange(1, 50))
        item = dg.Item(household, rng.choice(HOUSEHOLD_NAMES), None, None, rng.choice([1, 2]),
                       "一对一", obligation)
        found.append((item, rng.choice([Stage.FIRST, Stage.FINAL])))
    return list(zip(claimed(found, first_id=worker_id * 1000), found, strict=True))


def test_varied_reminders_are_byte_for_byte_the_references() -> None:
    s = Services(load_settings({"ZHONGFU_TIMEZONE": "Asia/Shanghai"}), None,  # type: ignore[arg-type]
                 catalog(), clock=lambda: datetime(2026, 12, 26))
    rng = random.Random(164)
    writer = ReminderWriter(s, TODAY)  # one writer for the whole run, as deliver() keeps it
    compared = 0
    seen: set[tuple[str, str]] = set()
    for worker_id, worker in enumerate(SCALE_WORKERS, start=1):
        varied = varied_reminders(rng, worker_id, 10 + 17 * worker_id)
        rng.shuffle(varied)  # however they were claimed
        # The order deliver() sent them in before: one sort by (due, name, reminder id).
        expected = sorted(varied, key=lambda r: (r[1][0].obligation.due_by,
                                                 r[1][0].household_name, r[0][2]))
        items = {claim[2]: item for claim, item in varied}
        rows = [claim for claim, _ in varied]
        in_order(rows)
        assert [r[2] for r in rows] == [r[0][2] for r in expected]
        for lang in ("zh", "en"):
            for start in range(0, len(rows), 10):
                chunk = rows[start:start + 10]
                old_text, old_markup = old_reminder_message(
                    s, lang, worker, [items[r[2]] for r in chunk], TODAY)
                text, markup = reminder_message(writer, lang, worker, chunk)
                assert text == old_text
                assert wire(markup) == wire(old_markup)
                compared += 1
                seen.update((lang, line) for line in text.splitlines())
                seen.update(("button", f"{b['text']} {b['callback_data']}")
                            for row in markup.inline_keyboard for b in row)
    assert compared == 2 * sum(-(-(10 + 17 * w) // 10) for w in range(1, 5))
    # What the comparison covered: both stages in both languages, names escaped in the text
    # and cut (not escaped) on buttons, the longest household id.
    assert any("⏰" in line and lang == "en" for lang, line in seen)
    assert any("⏰" in line and lang == "zh" for lang, line in seen)
    assert any("A&amp;B &lt;i&gt;" in line for _, line in seen)
    assert any("Amy &lt;Lee&gt; &amp; {co}" in line for _, line in seen)
    assert any("· 王小明的外婆和外公… lq:" in line for _, line in seen)
    assert any("· tencharsXX lq:" in line for _, line in seen)
    assert any("· {househol… lq:999999999999:" in line for _, line in seen)


def test_a_household_id_too_long_for_a_button_is_refused_as_the_codec_refuses_it() -> None:
    """The writer writes an id without the codec when it fits; one that does not is refused
    as START_FOR.data refuses it (callback data stays within Telegram's 64 bytes)."""
    s = Services(load_settings({"ZHONGFU_TIMEZONE": "Asia/Shanghai"}), None,  # type: ignore[arg-type]
                 catalog(), clock=lambda: datetime(2026, 12, 26))
    rng = random.Random(3)
    fits, = (claim for claim, _ in varied_reminders(rng, 1, 1))
    longest = (*fits[:3], 999_999_999_999, fits[4])
    _, markup = reminder_message(ReminderWriter(s, TODAY), "zh", "陈社工", [longest])
    assert markup.inline_keyboard[0][0].callback_data.startswith("lq:999999999999:")
    for wrong in (10 ** 12, -1):
        with pytest.raises(ValueError, match="12 digits"):
            START_FOR.data(wrong, None)
        with pytest.raises(ValueError, match="12 digits"):
            reminder_message(ReminderWriter(s, TODAY), "zh", "陈社工",
                             [(*fits[:3], wrong, fits[4])])


async def settled_reminders(db: Database) -> set[tuple[object, ...]]:
    """(worker, household, programme, obligation, stage) of every reminder sent, cancelled
    or dropped: nothing more is asked of those."""
    return {tuple(row) for row in await db.fetchall(
        "SELECT worker_id, household_id, program_id, obligation_key, stage FROM reminders "
        "WHERE state IN ('sent', 'cancelled', 'dropped')")}


async def run_less_settled(db: Database, today: date, settled: set[tuple[object, ...]],
                           households: set[int]) -> reminder_run.Current:
    """The day's run, checked to be a run over every household less what is settled."""
    run = await reminder_run.current(db, today)
    everyone = await reminder_run.current(db, today, households=households)
    assert list(run.items()) == [
        (key, (item, stage)) for key, (item, stage) in everyone.items()
        if (*key, stage.value) not in settled], today
    return run


async def test_the_day_after_a_run_reminds_what_is_new_and_only_that(db: Database) -> None:
    """The day after a run where nearly every reminder went out, the run gives exactly what
    a run over every household gives less what is settled: a household handed over to a new
    worker, one newly paired, obligations due again after their contacts were deleted, and
    reminders that failed and wait for a retry are there; what was sent, cancelled or dropped,
    and what a new contact met, are not. SQLite leaves out the households with nothing new."""
    today, s = DAYS[0], services(db)
    every = await reminder_run.current(db, today)
    at = datetime(2026, 12, 1, 1, tzinfo=UTC)
    await reminder_sends.plan_and_claim(s, today, every, at)
    ids = sorted([r.id for w in WORKERS for r in await store.for_worker(db, w)])
    await store.mark_sent(db, ids[20:], 1, at)
    await store.cancel(db, ids[10:15])
    await store.mark_failed(db, ids[15:20], "x", at, drop=True)
    await store.mark_failed(db, ids[:10], "x", at)  # open: a claim retries them
    tomorrow = today + timedelta(days=1)
    reminded = sorted({key[1] for key in every})
    single = {row[0] for row in await db.fetchall(
        "SELECT household_id FROM pairings GROUP BY household_id HAVING COUNT(*) = 1 "
        "AND MAX(ended_on) IS NULL")}
    sent = {row[0] for row in await db.fetchall(
        "SELECT household_id FROM reminders GROUP BY household_id "
        "HAVING MIN(state = 'sent') = 1")}
    # One pairing, open, its reminders all sent, nothing else owed: handed over to another
    # worker (its old worker's reminders must not hide the new worker's).
    handed = min(single & sent - set(await reminder_rows_unsettled(db, tomorrow)))
    others = [h for h in reminded if h != handed]
    met, emptied = others[0], others[1:60:4]
    await db.write("UPDATE pairings SET ended_on = ? WHERE household_id = ? AND ended_on "
                   "IS NULL AND started_on <= ?", (tomorrow.isoformat(), handed,
                                                   today.isoformat()))
    await db.write("INSERT INTO pairings (household_id, worker_id, program_id, started_on, "
                     "created_at) SELECT household_id, 7001 + (worker_id = 7001), program_id, ?, ? "
                     "FROM pairings WHERE household_id = ? AND ended_on = ?",
                     (tomorrow.isoformat(), STAMP, handed, tomorrow.isoformat()))
    await db.write("INSERT INTO households (id, name, area_id, category, archived, "
                     "created_at, updated_at) VALUES (500, '新户', 1, 'dibao', 0, ?, ?)",
                     (STAMP, STAMP))
    await db.write("INSERT INTO pairings (household_id, worker_id, program_id, started_on, "
                     "created_at) VALUES (500, 7001, 1, '2026-01-01', ?)", (STAMP,))
    await db.write("UPDATE contacts SET deleted = 1 WHERE household_id IN "
                     "(SELECT value FROM json_each(?))", (json.dumps(emptied),))
    for kind in ("call", "visit"):
        await db.write("INSERT INTO contacts (household_id, worker_id, kind, day, "
                         "created_at, updated_at) VALUES (?, 7001, ?, ?, ?, ?)",
                         (met, kind, tomorrow.isoformat(), STAMP, STAMP))
    settled = await settled_reminders(db)
    next_day = await run_less_settled(db, tomorrow, settled, set(range(1, 501)))
    households = {key[1] for key in next_day}
    assert {handed, 500} <= households and met not in households
    assert households & set(emptied)
    assert {key for key in next_day if key in every} >= set(  # the failed ones, still open
        key for key in every if key[1] not in emptied and key[1] != handed
        and (*key, every[key][1].value) not in settled)
    # SQLite hands over only households that may owe something new: not half of them.
    left = await reminder_rows_unsettled(db, tomorrow)
    current = await db.fetchval("SELECT COUNT(*) FROM households WHERE archived = 0")
    assert households <= set(left) and len(left) < current // 2
    assert households <= set(next_day.houses) <= set(left)  # the run read those alone


async def test_through_a_stage_and_the_next_each_obligation_is_reminded_once(db: Database
                                                                            ) -> None:
    """Day by day from a first stage into the final week, every reminder sent the day it is
    planned: each day's run is a run over every household less what is settled; on the final
    week's first day the final reminders come although the first stage's are settled, and on
    the days after only what is new (the first stage's reminders are no longer asked of)."""
    s, at = services(db), datetime(2026, 12, 1, 1, tzinfo=UTC)
    every_day: list[int] = []
    for today in [DAYS[0] + timedelta(days=n) for n in range(3)] + [
            date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 27)]:
        run = await run_less_settled(db, today, await settled_reminders(db), set(range(1, 200)))
        every_day.append(len(run))
        await reminder_sends.plan_and_claim(s, today, run, at)
        claimed = sorted([r.id for w in WORKERS for r in await store.for_worker(db, w)
                          if r.state == "sending"])
        # Five final reminders fail on the final week's first day: open, they stay due (their
        # first stage's, sent, must not hide them).
        failed = claimed[:5] if today == date(2026, 12, 25) else []
        await store.mark_failed(db, failed, "x", at)
        await store.mark_sent(db, claimed[len(failed):], 1, at)
    # The first stage's day and the final week's first: many; the days after: none new but
    # the failed ones.
    assert every_day[0] > 50 and every_day[3] > 50
    assert every_day[1:3] == [0, 0] and every_day[4:] == [5, 0]


async def reminder_rows_unsettled(db: Database, day: date) -> list[int]:
    """The households the run reads on `day` (reminder_rows.unsettled)."""
    return await reminder_rows.unsettled(db, day, staged_keys(await pairings.programs(db),
                                                              day))
