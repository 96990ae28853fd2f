"""The digest's pictures and the trend, in the reader's language: (PNG, caption) pairs.

One picture per programme rule shows where its running period stands by group (community
today: GROUP_BY), or, early in a period, how the period just ended went compared with the
one before (see bot.domain.coverage). The trend shows the share met over the last periods.
Captions are Telegram HTML within the 1,024 characters of a photo caption; they carry what
the picture cannot (the names, when no CJK font is installed).
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Sequence
from datetime import date
from typing import Final

from bot.charts.bars import StackedBars, stacked_png
from bot.charts.trend import Panel, trend_png
from bot.domain import coverage as cov
from bot.domain.cadence import Rule
from bot.domain.digest import Item
from bot.domain.lengths import telegram_length
from bot.domain.periods import Period
from bot.i18n import Html
from bot.services import obligations
from bot.services.context import Services
from bot.services.texts import period_label, program_name
from storage import figures as figures_store

CAPTION_MAX: Final = 1000  # under Telegram's 1,024 (UTF-16 units), with room to spare
MAX_ROWS: Final = 40  # groups drawn, furthest behind first (Telegram refuses very tall photos)
GROUP_BY: cov.Group = cov.by_community  # switch to streets here once households have one

Chart = tuple[bytes, str]


def plain(text: str) -> str:
    """A catalog text as drawn on a picture: no tags, no HTML escapes."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def period_name(services: Services, lang: str, period: Period) -> str:
    """2026年第4季度 / Q4 2026, … (the reminders' own words for periods)."""
    return period_label(services, lang, period)


def rule_name(services: Services, lang: str, program: str, rule: Rule, many: bool) -> str:
    """电话（每季度）, or with the programme's name (as people read it) when there are several
    programmes."""
    t = services.catalog.t
    values = dict(kind=t(lang, f"chart.draw.kind.{rule.kind.value}"),
                  every=t(lang, f"chart.draw.every.{rule.period.value}"))
    if many:
        return plain(t(lang, "chart.draw.program_rule",
                       program=program_name(services, lang, program), **values))
    return plain(t(lang, "chart.draw.rule", **values))


def legend_line(services: Services, lang: str, names: Sequence[str], budget: int) -> str:
    """'#1 东门社区, #2 …' as a caption line within budget as Telegram counts (escaped)."""
    t = services.catalog.t
    shown = list(names)
    while shown:
        legend = ", ".join(f"#{n} {name}" for n, name in enumerate(shown, start=1))
        if len(shown) < len(names):
            legend += ", …"
        line = t(lang, "chart.legend", legend=legend)
        if telegram_length(line) <= budget:
            return line
        shown.pop()
    return ""


def caption(services: Services, lang: str, lines: list[str], numbered: bool,
            names: Sequence[str]) -> str:
    """The caption's lines, with the numbered names and colours when the picture lacks them."""
    if numbered:
        lines = [*lines, services.catalog.t(lang, "chart.colours")]
        used = sum(telegram_length(line) + 1 for line in lines)
        legend = legend_line(services, lang, names, CAPTION_MAX - used)
        if legend:
            lines.append(legend)
    return "\n".join(lines)


def board_chart(services: Services, lang: str, board: cov.Board, many: bool) -> Chart:
    """One board as a picture and its caption."""
    t = services.catalog.t
    rule = rule_name(services, lang, board.program_name, board.rule, many)
    period = period_name(services, lang, board.period)
    total = board.total
    kinds = ("met", "open") if board.running else ("met", "missed")
    drawn = board.rows[:MAX_ROWS]
    names = [name or plain(t(lang, "chart.draw.no_group")) for name, _ in drawn]
    rows = [(name, [tally.met, tally.open] if board.running else [tally.met, tally.missed])
            for name, (_, tally) in zip(names, drawn, strict=True)]
    key = "chart.draw.running_title" if board.running else "chart.draw.ended_title"
    title = plain(t(lang, key, period=plain(period), rule=rule, percent=total.percent))
    title_ascii = f"{board.period.key} {board.rule.kind.value}: {total.percent}%"
    png, numbered = stacked_png(StackedBars(
        title, title_ascii, kinds, [plain(t(lang, f"chart.draw.{k}")) for k in kinds], rows))
    every = board.rule.period.value
    values = dict(period=period, rule=rule, met=total.met, total=total.total,
                  percent=total.percent)
    if board.running:
        lines = [t(lang, "chart.running", this=t(lang, f"chart.this.{every}"),
                   elapsed=round(100 * board.elapsed), **values)]
    else:
        lines = [t(lang, "chart.ended", **values), _comparison(services, lang, board)]
    if board.idle_workers:
        key = "chart.idle_running" if board.running else "chart.idle_ended"
        stage = "running" if board.running else "ended"
        lines.append(t(lang, key, count=board.idle_workers,
                       what=t(lang, f"chart.idle.{stage}.{board.rule.kind.value}"),
                       this=t(lang, f"chart.this.{every}"),
                       last=t(lang, f"chart.last.{every}")))
    if len(board.rows) > len(drawn):
        lines.append(t(lang, "chart.more", shown=len(drawn), count=len(board.rows) - len(drawn)))
    return png, caption(services, lang, lines, numbered, names)


def _comparison(services: Services, lang: str, board: cov.Board) -> str:
    """How an ended period compares with the one before it."""
    t = services.catalog.t
    before = board.before
    if before is None or not before.total:
        return t(lang, "chart.no_before")
    points = board.total.percent - before.percent
    change = (t(lang, "chart.better", points=points) if points > 0
              else t(lang, "chart.worse", points=-points) if points < 0
              else t(lang, "chart.same"))
    return t(lang, "chart.compare",
             before=period_name(services, lang, board.period.previous()),
             before_percent=before.percent, change=Html(change))


def board_charts(services: Services, lang: str, items: Sequence[Item], today: date,
                 group: cov.Group = GROUP_BY) -> list[Chart]:
    """One picture per programme rule (running period, or the last one early in a period)."""
    many = len({i.program_id for i in items}) > 1
    return pictures(services, lang, cov.boards(items, today, group), many)


def pictures(services: Services, lang: str, boards: Sequence[cov.Board], many: bool
             ) -> list[Chart]:
    """The boards as pictures (many: several programmes are owed, so rules name theirs)."""
    return [board_chart(services, lang, board, many) for board in boards]


def trend_from(services: Services, lang: str, items: Sequence[Item], today: date) -> Chart | None:
    """The trend picture from the obligations, or None when no rule has two periods yet."""
    return trend_picture(services, lang, cov.trend(items, today))


def trend_picture(services: Services, lang: str, lines: Sequence[cov.TrendLine]
                  ) -> Chart | None:
    """The trend lines as a picture, or None when there are none."""
    t = services.catalog.t
    if not lines:
        return None
    many = len({line.program_id for line in lines}) > 1
    panels: list[Panel] = []
    for line in lines:
        # Periods before the first one owed are left out: the programme had not begun.
        first = next(n for n, (_, share) in enumerate(line.points) if share is not None)
        points = line.points[first:]
        panels.append(Panel(rule_name(services, lang, line.program_name, line.rule, many),
                            [period.key for period, _ in points],
                            [share for _, share in points], line.last_running))
    png, numbered = trend_png(plain(t(lang, "chart.draw.trend_title")), "Share done", panels)
    return png, caption(services, lang, [t(lang, "chart.trend")], numbered,
                        [p.label for p in panels])


async def trend_chart(services: Services, lang: str, today: date,
                      worker_id: int | None = None) -> Chart | None:
    """The trend over the last periods of every programme rule, for /stats: everyone's, or
    with worker_id only what that worker answers for (as the figures above it count them);
    None when no rule has two periods owed."""
    if worker_id is not None:
        return await asyncio.to_thread(worker_trend_sync, services, lang, today, worker_id)
    items = await obligations.everyone(services.db, today, history_periods=cov.TREND_PERIODS)
    # Drawn in a worker thread: a chart may wait for another one being drawn (the digest's,
    # seconds at scale; bot.charts.style.DRAWING), and the event loop must not wait with it.
    return await asyncio.to_thread(trend_from, services, lang, items, today)


def worker_trend_sync(services: Services, lang: str, today: date, worker_id: int
                      ) -> Chart | None:
    """One worker's trend, from their share of the obligations streamed on a read-only
    connection of its own (the same share /stats' promise-kept lines count; run it in a
    worker thread)."""
    conn = figures_store.connect(services.db.path)
    try:
        lines = cov.trend(obligations.streamed(conn, today, cov.TREND_PERIODS, worker_id), today)
    finally:
        conn.close()
    return trend_picture(services, lang, lines)
