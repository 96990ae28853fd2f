"""Scheduled jobs: daily reminders to workers and the weekly digest to coordinators.

Thin over the domain (cadence, reminding, digest) and storage (reminders). Both jobs derive
their work from tables and record what they send, so a tick run twice sends nothing new, a
tick after downtime catches up once, and a failed send is retried on a later tick while it
is still relevant. See docs/reminders.md.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.charts import coverage_png
from bot.config import SUPPORTED_LANGUAGES
from bot.domain import digest as dg
from bot.domain.cadence import Stage
from bot.domain.figures import Figures
from bot.domain.people import pick_language
from bot.domain.periods import Period, PeriodKind
from bot.domain.reminding import digest_due, pack, stages_today, week_key, window_open
from bot.sending import Outcome, Result, Sender
from bot.services.context import Services
from bot.services.figures import quarter_reach
from storage import reminders as store
from storage.db import Database

if TYPE_CHECKING:
    from bot.scheduler import TickContext

log = logging.getLogger(__name__)

REMINDER_JOB = "reminders"
ITEMS_PER_MESSAGE = 10  # lines and one-tap buttons per reminder message
CONCURRENCY = 16  # messages in flight at once (the pacer keeps them spaced)
RETRY_DELAY = timedelta(minutes=5)  # a timed-out send is tried again this much later
UNREACHABLE_RETRY = timedelta(days=1)
MAX_ATTEMPTS = 6  # then the reminder is dropped (logged)
DIGEST_ITEMS = 60  # missed obligations listed in the digest; /overdue lists all
BUTTON_NAME = 10
CAPTION_MAX = 1000


# -- texts --------------------------------------------------------------------------------


def period_label(services: Services, lang: str, period: Period) -> str:
    """2026年第4季度 / Q4 2026, …"""
    t = services.catalog.t
    start = period.start
    if period.kind is PeriodKind.MONTH:
        return t(lang, "when.month", year=start.year, month=start.month)
    if period.kind is PeriodKind.QUARTER:
        return t(lang, "when.quarter", year=start.year, n=(start.month - 1) // 3 + 1)
    if period.kind is PeriodKind.HALF_YEAR:
        return t(lang, "when.half1" if start.month == 1 else "when.half2", year=start.year)
    return t(lang, "when.year", year=start.year)


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def reminder_message(services: Services, lang: str, worker_name: str,
                     items: Sequence[tuple[dg.Item, Stage]], today: date
                     ) -> tuple[str, InlineKeyboardMarkup]:
    """One reminder: what is open, and one button per obligation to log it."""
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
        label = t(lang, "reminder.button", kind=kind,
                  household=_short(item.household_name, BUTTON_NAME))
        rows.append([InlineKeyboardButton(
            label, callback_data=f"lq:{item.household_id}:{o.rule.kind.value}")])
    lines.append(t(lang, "reminder.footer"))
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def language_of(services: Services, person: store.Worker | None) -> str:
    """The language to write to a person in."""
    if person is None:
        return services.settings.language
    return pick_language(person.language, person.language_code, services.settings.language,
                         SUPPORTED_LANGUAGES)


# -- reminders ------------------------------------------------------------------------------


Key = tuple[int, int, int, str]


async def due_reminders(services: Services, today: date) -> dict[Key, tuple[dg.Item, Stage]]:
    """Every obligation at a reminder stage today, by (worker, household, program, key)."""
    items = await store.all_obligations(services.db, today, history_periods=0)
    return {(item.worker_id, item.household_id, item.program_id, o.key): (item, stage)
            for item, o, stage in stages_today(((i, i.obligation) for i in items), today)}


async def remind(tick: TickContext) -> None:
    """The daily reminder run (once per local day, in the window), then pending sends."""
    services = tick.services
    settings = services.settings
    local = tick.now.astimezone(settings.timezone)
    if not window_open(local, settings.reminder_time, settings.quiet_start, settings.quiet_end):
        return
    today = local.date()
    db = services.db
    run_due = not await store.run_done(db, REMINDER_JOB, today.isoformat())
    if not run_due and not await store.has_ready(db, tick.now):
        return  # most ticks: nothing planned and nothing to retry
    current = await due_reminders(services, today)
    if run_due:
        planned = [store.Planned(key[0], key[1], key[2], key[3], stage, item.obligation.due_by)
                   for key, (item, stage) in current.items()]
        added = await store.plan_run(db, REMINDER_JOB, today.isoformat(), planned, today,
                                     tick.now)
        log.info("reminder run for %s: %s new reminder(s)", today, added)
    await deliver(services, tick.bot, tick.now, today, current)


async def deliver(services: Services, bot: Bot, now: datetime, today: date,
                  current: dict[Key, tuple[dg.Item, Stage]],
                  sender: Sender | None = None) -> Sender:
    """Send every claimed reminder that is still relevant; one message per worker."""
    db = services.db
    sender = sender or Sender(bot, db, services.clock, services.pacer)
    claimed = await store.claim(db, now)
    if not claimed:
        return sender
    stale: list[int] = []
    by_worker: dict[int, list[tuple[store.Reminder, dg.Item, Stage]]] = {}
    for row in claimed:
        found = current.get(row.obligation)
        if found is None or found[1] is not row.stage:
            stale.append(row.id)  # met, handed over, or at another stage now
            continue
        by_worker.setdefault(row.worker_id, []).append((row, found[0], found[1]))
    await store.cancel(db, stale)
    people = await store.people_by_id(db, by_worker)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(worker_id: int, rows: list[tuple[store.Reminder, dg.Item, Stage]]) -> None:
        person = people.get(worker_id)
        ids = [r.id for r, _, _ in rows]
        if person is None or not person.active:
            await store.cancel(db, ids)
            return
        if not person.reachable:
            await store.mark_failed(db, ids, "unreachable", now + UNREACHABLE_RETRY)
            return
        lang = language_of(services, person)
        rows.sort(key=lambda r: (r[1].obligation.due_by, r[1].household_name, r[0].id))
        for start in range(0, len(rows), ITEMS_PER_MESSAGE):
            chunk = rows[start:start + ITEMS_PER_MESSAGE]
            text, markup = reminder_message(services, lang, person.name,
                                            [(item, stage) for _, item, stage in chunk], today)
            async with gate:
                result = await sender.text(worker_id, text, markup)
            chunk_ids = [r.id for r, _, _ in chunk]
            if result.ok:
                assert result.message is not None
                await store.mark_sent(db, chunk_ids, result.message.message_id, now)
                continue
            await _failed(db, [r for r, _, _ in rows[start:]], result, now)
            return

    await asyncio.gather(*(one(w, rows) for w, rows in by_worker.items()))
    return sender


async def _failed(db: Database, rows: Sequence[store.Reminder], result: Result,
                  now: datetime) -> None:
    attempts = max((r.attempts + 1 for r in rows), default=1)
    ids = [r.id for r in rows]
    if result.outcome is Outcome.FORBIDDEN:
        await store.mark_failed(db, ids, "forbidden", now + UNREACHABLE_RETRY)
        return
    drop = attempts >= MAX_ATTEMPTS or (result.outcome is Outcome.FAILED and attempts >= 2)
    if drop:
        log.warning("reminders %s dropped after %d attempts: %s", ids, attempts, result.error)
    await store.mark_failed(db, ids, result.error or result.outcome.value, now + RETRY_DELAY,
                            drop=drop)


# -- digest ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One message of a digest: text, or a picture with a caption."""

    text: str
    png: bytes | None = None


@dataclass(frozen=True)
class DigestInput:
    """Everything a digest shows, gathered once for every language."""

    data: dg.DigestData
    items: list[dg.Item]
    names: dict[int, store.Worker]
    untaken: int
    unreachable: list[store.Worker]
    reach: Figures | None = None  # this quarter's figures, as /stats counts them


async def gather(services: Services, today: date) -> DigestInput:
    """Read what the digest needs (obligations up to 8 periods back, for the longest runs)."""
    db = services.db
    items = await store.all_obligations(db, today, history_periods=8)
    people = await store.people_by_id(db, {i.worker_id for i in items})
    names = {k: v.name for k, v in people.items()}
    data = dg.build(items, today, names=names)
    return DigestInput(data, items, people, await store.untaken_reports(db),
                       await store.unreachable_staff(db), await quarter_reach(services, today))


def worker_name(services: Services, lang: str, people: dict[int, store.Worker],
                worker_id: int) -> str:
    """A worker's display name, or a placeholder."""
    person = people.get(worker_id)
    return person.name if person and person.name else services.catalog.t(
        lang, "digest.unknown_worker")


def item_lines(services: Services, lang: str, groups: list[tuple[int, list[dg.Item]]],
               people: dict[int, store.Worker], limit: int | None = None) -> list[str]:
    """Missed obligations grouped by worker, as lines."""
    t = services.catalog.t
    lines: list[str] = []
    shown = 0
    total = sum(len(g) for _, g in groups)
    for worker_id, group in groups:
        if limit is not None and shown >= limit:
            break
        person = people.get(worker_id)
        key = "digest.worker" if person is None or person.active else "digest.worker_inactive"
        lines.append(t(lang, key, worker=worker_name(services, lang, people, worker_id),
                       count=len(group)))
        for item in group:
            if limit is not None and shown >= limit:
                break
            o = item.obligation
            lines.append(t(lang, "digest.item", household=item.household_name,
                           area=item.area_name or t(lang, "digest.no_area"),
                           kind=t(lang, f"kind.{o.rule.kind.value}"),
                           period=period_label(services, lang, o.period)))
            shown += 1
    if limit is not None and total > shown:
        lines.append(t(lang, "digest.more", count=total - shown))
    return lines


def render_digest(services: Services, lang: str, found: DigestInput) -> list[Part]:
    """The digest in one language: text messages within Telegram's limit, then the chart."""
    t = services.catalog.t
    data = found.data
    lines: list[str] = []
    if not found.items:
        lines.append(t(lang, "digest.nothing"))
    else:
        if data.missed_count:
            lines.append(t(lang, "digest.missed_title", count=data.missed_count))
            lines += item_lines(services, lang, data.missed, found.names, DIGEST_ITEMS)
        else:
            lines.append(t(lang, "digest.missed_none"))
        lines.append("")
        lines.append(t(lang, "digest.coverage_title"))
        for program_id, cov in sorted(data.by_program.items()):
            lines.append(t(lang, "digest.program", program=data.program_names.get(program_id, ""),
                           percent=cov.percent, met=cov.met, total=cov.total))
            for (pid, rule), rule_cov in data.by_program_rule.items():
                if pid == program_id:
                    lines.append(t(lang, "digest.rule", kind=t(lang, f"kind.{rule.kind.value}"),
                                   period=t(lang, f"period.{rule.period.value}"),
                                   met=rule_cov.met, total=rule_cov.total))
        if data.longest:
            lines.append("")
            lines.append(t(lang, "digest.longest_title"))
            for o in data.longest:
                lines.append(t(lang, "digest.longest", household=o.household_name,
                               area=o.area_name or t(lang, "digest.no_area"),
                               worker=worker_name(services, lang, found.names, o.worker_id),
                               days=o.days))
    if found.reach is not None:
        lines.append(t(lang, "stats.digest_reach", households=found.reach.covered.households,
                       people=found.reach.covered.people, paired=found.reach.paired.households,
                       person_times=found.reach.person_times))
    lines.append("")
    lines.append(t(lang, "digest.reports", count=found.untaken))
    if found.unreachable:
        lines.append(t(lang, "digest.unreachable_title"))
        lines += [t(lang, "digest.unreachable", name=w.name or str(w.telegram_id))
                  for w in found.unreachable]
    header = t(lang, "digest.title", day=data.today.isoformat())
    parts = [Part(text) for text in pack(lines, header=header)]
    chart = chart_part(services, lang, found)
    if chart is not None:
        parts.append(chart)
    return parts


def chart_part(services: Services, lang: str, found: DigestInput) -> Part | None:
    """Coverage by worker (by area when there is one worker), lowest first, as a picture."""
    t = services.catalog.t
    data = found.data
    if len(data.by_worker) >= 2:
        title = t(lang, "digest.chart_worker")
        rows = [(worker_name(services, lang, found.names, w), c.share or 0.0)
                for w, c in data.by_worker.items() if c.total]
    elif data.by_area:
        title = t(lang, "digest.chart_area")
        rows = [(area or t(lang, "digest.no_area"), c.share or 0.0)
                for area, c in data.by_area.items() if c.total]
    else:
        return None
    if not rows:
        return None
    rows.sort(key=lambda r: (r[1], r[0]))
    png, numbered = coverage_png(rows, title)
    caption = title
    if numbered:
        legend = ", ".join(f"#{n} {name}" for n, (name, _) in enumerate(rows[:25], start=1))
        caption = title + "\n" + t(lang, "digest.chart_legend", legend=legend)
        if len(caption) > CAPTION_MAX:
            caption = caption[: CAPTION_MAX - 1] + "…"
    return Part(caption, png)


async def send_digest(services: Services, bot: Bot, now: datetime) -> None:
    """Send (or continue) every claimed digest, part by part."""
    db = services.db
    claimed = await store.claim_digests(db, now)
    if not claimed:
        return
    today = now.astimezone(services.settings.timezone).date()
    found = await gather(services, today)
    sender = Sender(bot, db, services.clock, services.pacer)
    rendered: dict[str, list[Part]] = {}
    for row in claimed:
        parts = rendered.get(row.language)
        if parts is None:
            parts = rendered[row.language] = render_digest(services, row.language, found)
        sent = row.parts_sent
        failure: Result | None = None
        for part in parts[sent:]:
            result = await (sender.photo(row.chat_id, part.png, part.text) if part.png
                            else sender.text(row.chat_id, part.text))
            if not result.ok:
                failure = result
                break
            sent += 1
            await store.digest_progress(db, row.id, sent)
        if failure is None:
            await store.digest_done(db, row.id, now)
        else:
            drop = row.attempts + 1 >= MAX_ATTEMPTS or failure.outcome is Outcome.FORBIDDEN
            await store.digest_failed(db, row.id, failure.error or failure.outcome.value,
                                      now + RETRY_DELAY, drop=drop)


async def digest(tick: TickContext) -> None:
    """The weekly digest (Monday from the daily time on; later in the week to catch up)."""
    from bot.telegram.triage import coordinator_targets

    services = tick.services
    settings = services.settings
    local = tick.now.astimezone(settings.timezone)
    if not digest_due(local, settings.reminder_time, settings.quiet_start, settings.quiet_end):
        return
    week = week_key(local.date())
    db = services.db
    if not await store.run_done(db, "digest", week):
        added = await store.plan_digests(db, week, await coordinator_targets(services),
                                         tick.now)
        log.info("digest for %s: %s chat(s)", week, added)
    await send_digest(services, tick.bot, tick.now)

