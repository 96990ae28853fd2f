"""The weekly digest's content: what coordinators see, gathered once, worded per language.

Used by the scheduled digest (bot/jobs/digest.py) and by /digest on demand; thin over the
domain (bot/domain/digest.py, bot/domain/coverage.py) and storage (storage/reminders.py;
the obligations stream from storage/figures.py's read-only connection, in a worker thread).
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from bot.domain import coverage as cov
from bot.domain import digest as dg
from bot.domain.cadence import ContactKind
from bot.domain.figures import SpanReach
from bot.domain.periods import Period
from bot.domain.reminding import pack
from bot.services import charts, obligations, routing
from bot.services import referrals as referral_cases
from bot.services.bulk import collector_paused
from bot.services.context import Services
from bot.services.figures import quarter_reach
from bot.services.texts import period_label, program_name
from storage import figures as figures_store
from storage import outbox, pairings
from storage import reminders as store
from storage.referrals import Referral

DIGEST_ITEMS = 60  # missed obligations listed in the digest; /overdue lists all
UNDELIVERED_DAYS = timedelta(days=7)
HISTORY_PERIODS = 8  # periods back the longest runs and the trend look at


@dataclass(frozen=True)
class Part:
    """One message of a digest: text, or a picture with a caption."""

    text: str
    png: bytes | None = None


@dataclass(frozen=True)
class DigestInput:
    """Everything a digest shows, gathered once for every language."""

    data: dg.DigestData
    names: dict[int, store.Worker]
    untaken: int
    unreachable: list[store.Worker]
    # People the outbox gave up on this past week (blocked the bot, refused by Telegram).
    undelivered: list[store.Worker] = field(default_factory=list)
    # Configured coordinators who never opened the bot.
    not_started: list[int] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)  # overdue, by source
    reach: SpanReach | None = None  # this quarter's reach, as /stats counts it
    boards: list[cov.Board] = field(default_factory=list)  # the pictures, one per rule
    trend: list[cov.TrendLine] = field(default_factory=list)


@dataclass(frozen=True)
class Folded:
    """The obligations' part of a digest, from one pass over every household."""

    tally: dg.DigestTally
    boards: list[cov.Board]
    trend: list[cov.TrendLine]


def fold_sync(path: Path, today: date, program_ids: Collection[int]) -> Folded:
    """Every household's obligations up to 8 periods back (for the longest runs), read as
    columns (a few integers per household and rule) and counted over them into the digest's
    figures, boards and trend; read from the file at `path` on a connection of its own (run
    it in a worker thread)."""
    conn = figures_store.connect(path)
    # Paused: a hundred thousand short-lived objects and no cycles among them; each burst
    # would set off a collection with nothing to free.
    with collector_paused():
        try:
            with figures_store.snapshot(conn):  # its reads agree with each other
                columns = obligations.owed_columns(conn, today, HISTORY_PERIODS,
                                                   program_ids=program_ids)
        finally:
            conn.close()
        tally = dg.DigestTally(today, missed_keep=DIGEST_ITEMS)
        tally.add_columns(columns)
        periods = cov.PeriodTally(today, charts.GROUP_BY)
        periods.add_columns(columns)
    return Folded(tally, periods.boards(), periods.trend())


async def gather(services: Services, today: date) -> DigestInput:
    """Read what the digest needs (obligations up to 8 periods back, for the longest runs)."""
    db = services.db
    program_ids = {p.id for p in await pairings.programs(db)}
    folded = await asyncio.to_thread(fold_sync, db.path, today, program_ids)
    people = await store.people_by_id(db, folded.tally.workers)
    # Off the loop as well: it builds the missed list's items (a second at 100,000 households).
    data = await asyncio.to_thread(folded.tally.result, {k: v.name for k, v in people.items()})
    since = datetime.combine(today - UNDELIVERED_DAYS, time(0), services.settings.timezone)
    missing = await store.people_by_id(db, await outbox.undelivered_chats(db, since))
    return DigestInput(data, people, await store.untaken_reports(db),
                       await store.unreachable_staff(db),
                       sorted(missing.values(), key=lambda w: (w.name, w.telegram_id)),
                       await routing.coordinators_not_started(services),
                       await referral_cases.overdue(services, today),
                       await quarter_reach(services, today), folded.boards, folded.trend)


def worker_name(services: Services, lang: str, people: dict[int, store.Worker],
                worker_id: int) -> str:
    """A worker's display name, or a placeholder."""
    person = people.get(worker_id)
    return person.name if person and person.name else services.catalog.t(
        lang, "digest.unknown_worker")


def item_lines(services: Services, lang: str, groups: list[tuple[int, list[dg.Item]]],
               people: dict[int, store.Worker], limit: int | None = None,
               counts: dict[int, int] | None = None) -> list[str]:
    """Missed obligations grouped by worker, as lines (counts: each worker's number of them,
    when the groups hold only the first few)."""
    t = services.catalog.t
    counts = counts or {worker_id: len(group) for worker_id, group in groups}
    lines: list[str] = []
    shown = 0
    total = sum(counts.values())
    for worker_id, group in groups:
        if limit is not None and shown >= limit:
            break
        person = people.get(worker_id)
        key = "digest.worker" if person is None or person.active else "digest.worker_inactive"
        lines.append(t(lang, key, worker=worker_name(services, lang, people, worker_id),
                       count=counts[worker_id]))
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


def last_periods_text(services: Services, lang: str,
                      periods: Sequence[tuple[ContactKind, Period]]) -> str:
    """The periods the missed figure is of, named: 上季度（2026年第3季度）的电话、…"""
    t = services.catalog.t
    return t(lang, "digest.missed_separator").join(
        t(lang, "digest.missed_period", kind=t(lang, f"digest.missed_kind.{kind.value}"),
          last=t(lang, f"digest.last.{period.kind.value}"),
          period=period_label(services, lang, period))
        for kind, period in periods)


def render_digest(services: Services, lang: str, found: DigestInput) -> list[Part]:
    """The digest in one language: text messages within Telegram's limit, then the charts."""
    return digest_texts(services, lang, found) + chart_parts(services, lang, found)


def digest_texts(services: Services, lang: str, found: DigestInput) -> list[Part]:
    """The digest's text in one language, in messages within Telegram's limit."""
    t = services.catalog.t
    data = found.data
    lines: list[str] = []
    if not data.owed:
        lines.append(t(lang, "digest.nothing"))
    else:
        periods = last_periods_text(services, lang, data.last_periods)
        if data.missed_count:
            lines.append(t(lang, "digest.missed_title", count=data.missed_count,
                           periods=periods))
            lines += item_lines(services, lang, data.missed, found.names, DIGEST_ITEMS,
                                data.missed_by_worker)
        else:
            lines.append(t(lang, "digest.missed_none", periods=periods) if periods
                         else t(lang, "digest.missed_none_owed"))
        lines.append("")
        lines.append(t(lang, "digest.coverage_title"))
        for program_id, cov in sorted(data.by_program.items()):
            name = program_name(services, lang, data.program_names.get(program_id, ""))
            lines.append(t(lang, "digest.program", program=name, percent=cov.percent,
                           met=cov.met, total=cov.total))
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
    if found.not_started:
        lines.append(t(lang, "digest.not_started", ids=", ".join(map(str, found.not_started))))
    if found.undelivered:
        lines.append(t(lang, "digest.undelivered_title"))
        lines += [t(lang, "digest.unreachable", name=w.name or str(w.telegram_id))
                  for w in found.undelivered]
    if found.unreachable:
        lines.append(t(lang, "digest.unreachable_title"))
        lines += [t(lang, "digest.unreachable", name=w.name or str(w.telegram_id))
                  for w in found.unreachable]
    lines += referral_cases.overdue_lines(services, lang, found.referrals)
    header = t(lang, "digest.title", day=data.today.isoformat())
    return [Part(text) for text in pack(lines, header=header)]


def chart_parts(services: Services, lang: str, found: DigestInput) -> list[Part]:
    """Where each programme rule stands by community, then the trend, as pictures."""
    many = len(found.data.program_names) > 1
    pictures = charts.pictures(services, lang, found.boards, many)
    trend = charts.trend_picture(services, lang, found.trend)
    return [Part(caption, png) for png, caption in
            [*pictures, *([trend] if trend is not None else [])]]
