"""/stats and /export: the figures a district reports upward, and the spreadsheet.

/stats [FROM TO [WORKER]] shows coordinators everyone's figures (or one worker's) and workers
their own; period buttons: st:<preset>:<worker id, 0 = everyone>. /export [FROM TO] asks for
a format, and a second confirmation before phone numbers and addresses go in:
ex:p:<preset>, ex:<x|c>:<span code>:<0|1>, ex:a:<span code>, ex:n. Every press is checked
again (role, and whose figures) by the use case.
"""

from __future__ import annotations

import asyncio
import logging
import re
import tempfile
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler

from bot.callbacks import CODEC, Choice, Int, Pattern
from bot.charts.stats import comparison_png
from bot.domain import figures as fg
from bot.domain.access import Action
from bot.domain.aid import format_yuan
from bot.domain.lengths import telegram_length
from bot.domain.people import Role
from bot.domain.reminding import pack
from bot.i18n import Html
from bot.services import charts
from bot.services import figures as service
from bot.services import referrals as referral_cases
from bot.telegram.commands import Command, allowed
from bot.telegram.context import Ctx, handler
from bot.telegram.format import name_or_id, names_listed
from bot.telegram.household_ui import program_label

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.telegram.commands import CommandTable
    from bot.telegram.common import CommonHandlers
    from bot.telegram.flows import FlowRegistry

log = logging.getLogger(__name__)

ST = CODEC.prefix("st", "/stats")
PERIOD = ST.button("", Choice(fg.PRESETS), Int(15))  # st:<preset>:<worker id, 0 = everyone>
EX = CODEC.prefix("ex", "/export")
EX_PERIOD = EX.button("p", Choice(fg.PRESETS))
SPAN = Pattern(r"[0-9]{8}-[0-9]{8}", 17)  # fg.Span.code
EX_ASK_CONTACTS = EX.button("a", SPAN)
EX_XLSX = EX.button("x", SPAN, Choice(("0", "1")))  # the last part: with contacts
EX_CSV = EX.button("c", SPAN, Choice(("0", "1")))
EX_CANCEL = EX.button("n")
GROUP_LINES = 8  # values shown per breakdown; the spreadsheet has them all
REPORT_GROUPS = 5
CAPTION_MAX = 1000  # under Telegram's 1,024 (UTF-16 units, telegram_length)
# Exports being built, kept referenced until done (or the task may be collected).
_BACKGROUND: set[asyncio.Task[None]] = set()
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]")


# -- rendering ------------------------------------------------------------------------------


def _label(ctx: Ctx, prefix: str, code: str) -> str:
    key = f"{prefix}.{code}"
    return ctx.t(key) if ctx.services.catalog.has(key) else code


def _wait(ctx: Ctx, delta: timedelta) -> str:
    """A time to take as minutes under two hours, else hours."""
    minutes = delta.total_seconds() / 60
    if minutes < 120:
        return ctx.t("stats.minutes", minutes=round(minutes))
    return ctx.t("stats.hours", hours=round(minutes / 60, 1))


def _pairs(ctx: Ctx, counts: dict[str, tuple[int, int]], prefix: str) -> str:
    """'a 3 (2), b 1 (0)' for non-zero rows."""
    return ctx.t("stats.item_sep").join(
        ctx.t(f"stats.{prefix}_item", **{prefix: _label(ctx, _CODE[prefix], code)},
              now=a, before=b)
        for code, (a, b) in counts.items() if a or b)


_CODE = {"kind": "kind", "service": "service"}


def render(ctx: Ctx, c: fg.Comparison) -> list[str]:
    """The figures as lines of Telegram HTML (compact; the spreadsheet has the rest)."""
    now, before = c.now, c.before
    lines = [_title(ctx, c),
             ctx.t("stats.span", start=now.span.start.isoformat(), end=now.span.end.isoformat(),
                   days=now.span.days, before_start=before.span.start.isoformat(),
                   before_end=before.span.end.isoformat()), ""]
    lines.append(ctx.t("stats.covered", households=now.covered.households,
                       households_before=before.covered.households, people=now.covered.people,
                       people_before=before.covered.people))
    lines.append(ctx.t("stats.registry", registered=now.registered.households,
                       registered_people=now.registered.people, paired=now.paired.households,
                       paired_people=now.paired.people))
    lines.append(ctx.t("stats.served", person_times=now.person_times,
                       person_times_before=before.person_times, contacts=now.contacts,
                       contacts_before=before.contacts))
    kinds = {k: (v, before.contacts_by_kind.get(k, 0)) for k, v in now.contacts_by_kind.items()}
    if any(a or b for a, b in kinds.values()):
        lines.append(ctx.t("stats.kinds", kinds=Html(_pairs(ctx, kinds, "kind"))))
    services = {k: (v, before.services.get(k, 0)) for k, v in now.services.items()}
    if any(a or b for a, b in services.values()):
        lines.append(ctx.t("stats.services", items=Html(_pairs(ctx, services, "service"))))
    else:
        lines.append(ctx.t("stats.services_none"))
    lines.append(ctx.t("stats.pairs", workers=now.pairs.workers,
                       workers_before=before.pairs.workers, households=now.pairs.households,
                       households_before=before.pairs.households))
    for pid, count in now.pairs.by_program.items():
        lines.append(ctx.t("stats.pairs_program",
                           program=program_label(ctx, c.program_names.get(pid, str(pid))),
                           households=count.households, people=count.people,
                           workers=now.pairs.workers_by_program.get(pid, 0)))
    lines += _kept_lines(ctx, c)
    lines += _report_lines(ctx, now.reports, before.reports)
    lines += _group_lines(ctx, now)
    return lines


def _title(ctx: Ctx, c: fg.Comparison) -> str:
    """Whose figures: everyone's, the reader's own, or a named worker's."""
    if c.worker_id is None:
        return ctx.t("stats.title_all")
    if c.worker_id == ctx.user_id:
        return ctx.t("stats.title_own")
    return ctx.t("stats.title_worker", worker=c.worker_name)


def _kept_lines(ctx: Ctx, c: fg.Comparison) -> list[str]:
    keys = sorted(set(c.now.kept) | set(c.before.kept),
                  key=lambda k: (k[0], k[1].period.months, k[1].kind.value))
    if not keys:
        return [ctx.t("stats.kept_none")]
    lines = [ctx.t("stats.kept_title")]
    for pid, rule in keys:
        a, b = c.now.kept.get((pid, rule), fg.Kept()), c.before.kept.get((pid, rule), fg.Kept())
        lines.append(ctx.t(
            "stats.kept_line", program=program_label(ctx, c.program_names.get(pid, str(pid))),
            rule=Html(ctx.t("stats.rule", kind=_label(ctx, "kind", rule.kind.value),
                            period=ctx.t(f"stats.every.{rule.period.value}"))),
            met=a.met, due=a.due, missed=a.missed, met_before=b.met, due_before=b.due,
            missed_before=b.missed))
    return lines


def _report_lines(ctx: Ctx, r: fg.Reports, b: fg.Reports) -> list[str]:
    lines = [ctx.t("stats.reports", received=r.received, received_before=b.received,
                   taken=r.taken, resolved=r.outcomes.get("resolved", 0),
                   referred=r.outcomes.get("referred", 0), closed=r.outcomes.get("closed", 0))]
    if r.take_median is not None and r.take_p90 is not None:
        lines.append(ctx.t("stats.reports_wait", median=_wait(ctx, r.take_median),
                           p90=_wait(ctx, r.take_p90)))
    elif r.received:
        lines.append(ctx.t("stats.reports_wait_none"))
    sep = ctx.t("stats.item_sep")
    for label, counts, prefix in (("stats.by_category", r.by_category, "report.category"),
                                  ("stats.by_area", r.by_area, "")):
        if not counts:
            continue
        items = sep.join(f"{_label(ctx, prefix, k) if prefix else (k or ctx.t('stats.no_area'))}"
                         f" {n}" for k, n in list(counts.items())[:REPORT_GROUPS])
        lines.append(ctx.t("stats.reports_by", label=ctx.t(label), items=items))
    return lines


def _group_lines(ctx: Ctx, now: fg.Figures) -> list[str]:
    lines: list[str] = []
    for grouping, groups in now.breakdowns.items():
        rows = sorted(groups.items(), key=lambda kv: (-kv[1].person_times,
                                                      -kv[1].registered.households, kv[0]))
        if not rows or (grouping == "street" and all(not value for value, _ in rows)):
            continue  # no streets configured: the community breakdown says it all
        name = ("stats.grouping." + grouping)
        lines.append("")
        lines.append(ctx.t("stats.group_title", grouping=ctx.t(name)
                           if ctx.services.catalog.has(name) else grouping))
        for value, reach in rows[:GROUP_LINES]:
            shown = (_label(ctx, "category", value) if grouping == "category"
                     else value or ctx.t("streets.no_street" if grouping == "street"
                                         else "stats.no_area"))
            lines.append(ctx.t("stats.group_line", value=shown, covered=reach.covered.households,
                               registered=reach.registered.households,
                               person_times=reach.person_times))
        if len(rows) > GROUP_LINES:
            lines.append(ctx.t("stats.group_more", count=len(rows) - GROUP_LINES))
    return lines


def chart(ctx: Ctx, c: fg.Comparison) -> tuple[bytes, str] | None:
    """The chart of services and contact kinds, with its caption; None when all is zero."""
    rows = [(_label(ctx, "service", k), v, c.before.services.get(k, 0))
            for k, v in c.now.services.items()]
    rows += [(_label(ctx, "kind", k), v, c.before.contacts_by_kind.get(k, 0))
             for k, v in c.now.contacts_by_kind.items()]
    rows = [r for r in rows if r[1] or r[2]]
    if not rows:
        return None
    caption = ctx.t("stats.chart_caption", start=c.now.span.start.isoformat(),
                    end=c.now.span.end.isoformat())
    # Emoji in the labels have no glyph in CJK fonts: the chart shows the words only.
    rows = [(_EMOJI.sub("", name).strip() or name, a, b) for name, a, b in rows]
    png, numbered = comparison_png(rows, (ctx.t("stats.chart_now"), ctx.t("stats.chart_before")))
    if numbered:
        legend = chart_legend(partial(ctx.t), [name for name, _, _ in rows],
                              CAPTION_MAX - telegram_length(caption) - 1)
        if legend:
            caption += "\n" + legend
    return png, caption


def chart_legend(t: Callable[..., str], names: list[str], budget: int) -> str:
    """'#1 name, #2 …' within budget as Telegram counts it: names are dropped before escaping,
    never cut after it (a cut could split an entity or a tag, and Telegram refuses the photo)."""
    shown = list(names)
    while shown:
        legend = ", ".join(f"#{n} {name}" for n, name in enumerate(shown, start=1))
        if len(shown) < len(names):
            legend += ", …"
        line = t("stats.chart_legend", legend=legend)
        if telegram_length(line) <= budget:
            return line
        shown.pop()
    return ""


# -- /stats ---------------------------------------------------------------------------------


def _preset_buttons(ctx: Ctx, data: Callable[[str], str]) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(ctx.t(f"stats.preset.{name}"), callback_data=data(name))
               for name in fg.PRESETS]
    return InlineKeyboardMarkup([buttons[:2], buttons[2:4], buttons[4:]])


def _arguments(ctx: Ctx) -> str:
    text = ctx.message.text if ctx.message and ctx.message.text else ""
    parts = text.split(maxsplit=1)
    return parts[1].strip()[:80] if len(parts) > 1 else ""


async def stats_command(ctx: Ctx) -> None:
    """/stats: period buttons; `/stats FROM TO` at once; `/stats [FROM TO] WORKER` (a name or
    an id, as /overdue takes one) for one worker's."""
    args = _arguments(ctx)
    mine = None if allowed(ctx.role, Role.COORDINATOR) else ctx.user_id
    if not args:
        await _ask_period(ctx, mine)
        return
    try:
        span, who = fg.split_span(args)
    except fg.SpanError as exc:
        await ctx.reply(ctx.t(f"stats.problem.{exc.problem.value}"))
        return
    if span is not None and not who:
        await show(ctx, span, mine)
        return
    try:
        found = await service.named(ctx.services, ctx.person, who)
    except service.Refused as refused:
        await ctx.reply(ctx.t(f"stats.refused.{refused.refusal.value}"))
        return
    if len(found) == 1:
        worker = found[0]
        if span is None:
            await _ask_period(ctx, worker.telegram_id, worker.name)
        else:
            await show(ctx, span, worker.telegram_id)
    elif found:  # several names hold the text: which one is never guessed
        await ctx.reply(ctx.t("stats.several", query=who, count=len(found),
                              names=names_listed(ctx.t, found),
                              example=name_or_id(found, found[0])))
    elif span is None:  # neither dates nor a name: say how to send both
        await ctx.reply(ctx.t("stats.problem.format") + (
            "\n" + ctx.t("stats.usage_worker") if ctx.role is Role.COORDINATOR else ""))
    elif ctx.role is Role.COORDINATOR:
        await ctx.reply(ctx.t("stats.unknown_worker", query=who))
    else:  # a worker naming nobody: their own figures are all they may ask for
        await ctx.reply(ctx.t("stats.refused.not_yours"))


async def _ask_period(ctx: Ctx, worker: int | None, name: str = "") -> None:
    """The period buttons, for everyone's figures, the reader's own, or a named worker's."""
    text = (ctx.t("stats.ask_worker", worker=name) if worker not in (None, ctx.user_id)
            else ctx.t("stats.ask"))
    await ctx.reply(text, _preset_buttons(ctx, lambda preset: PERIOD.data(preset, worker or 0)))


async def on_stats_button(ctx: Ctx) -> None:
    """st:<preset>:<worker id or 0>."""
    pressed = PERIOD.parse(ctx.query.data if ctx.query and ctx.query.data else "")
    await ctx.answer()
    if pressed is None:
        return
    name, worker = pressed
    await show(ctx, fg.preset(name, service.today_of(ctx.services)), worker or None)


async def show(ctx: Ctx, span: fg.Span, worker: int | None) -> None:
    """Compute and send the figures (the use case checks who may see them)."""
    try:
        found = await service.stats(ctx.services, ctx.person, span, worker)
    except service.Refused as refused:
        await ctx.reply(ctx.t(f"stats.refused.{refused.refusal.value}"))
        return
    lines = render(ctx, found)
    if ctx.role is Role.COORDINATOR and worker is None:
        lines += await _programme_lines(ctx, span)
        lines += await _referral_lines(ctx, span)
    for message in pack(lines):
        await ctx.reply(message)
    drawn = await asyncio.to_thread(chart, ctx, found)
    if drawn is not None:
        await ctx.send_photo(drawn[0], drawn[1])
    # The share of obligations met over the last periods, per programme rule: of the same
    # obligations as the figures above (one worker's share, when they are one worker's).
    trend = await charts.trend_chart(ctx.services, ctx.lang, span.end, found.worker_id)
    if trend is not None:
        await ctx.send_photo(trend[0], trend[1])


async def _programme_lines(ctx: Ctx, span: fg.Span) -> list[str]:
    """Aid paid by fund and group activities by kind, in the period."""
    lines: list[str] = []
    given = await service.programme(ctx.services, span)
    if given.aid.entries:
        lines += ["", ctx.t("stats.aid_title", amount=format_yuan(given.aid.amount_fen),
                            entries=given.aid.entries, households=given.aid.households)]
        lines += [ctx.t("stats.aid_line", fund=fund.name, amount=format_yuan(fund.amount_fen),
                        households=fund.households)
                  for fund in given.by_fund if fund.entries]
    if given.activities:
        lines += ["", ctx.t("stats.activities_title")]
        lines += [ctx.t("stats.activities_line", kind=ctx.t(f"activity.kind.{kind}"),
                        count=count, people=people)
                  for kind, (count, people) in given.activities.items()]
    if given.projects:
        lines += ["", ctx.t("stats.projects_title")]
        lines += [ctx.t("stats.projects_line", name=p.name, count=p.activities,
                        households=p.households, people=p.people) for p in given.projects]
    return lines


async def _referral_lines(ctx: Ctx, span: fg.Span) -> list[str]:
    """Referrals received in the period, by source: how many, how far, how they ended."""
    found = await referral_cases.counts(ctx.services, span.start, span.end + timedelta(days=1))
    by_source: dict[str, dict[str, int]] = {}
    for count in found:
        tally = by_source.setdefault(count.source, {"total": 0, "closed": 0, "eligible": 0})
        tally["total"] += count.count
        if count.stage.value == "closed":
            tally["closed"] += count.count
        if count.outcome is not None and count.outcome.value == "assisted":
            tally["eligible"] += count.count
    if not by_source:
        return []
    lines = ["", ctx.t("stats.referrals_title")]
    lines += [ctx.t("stats.referrals_line", source=source, total=t["total"],
                    closed=t["closed"], open=t["total"] - t["closed"], assisted=t["eligible"])
              for source, t in sorted(by_source.items())]
    return lines


# -- /export --------------------------------------------------------------------------------


async def export_command(ctx: Ctx) -> None:
    """/export: period buttons, or `/export FROM TO` straight to the format question."""
    args = _arguments(ctx)
    if not args:
        await ctx.reply(ctx.t("export.ask"), _preset_buttons(ctx, EX_PERIOD.data))
        return
    try:
        span = fg.parse_span(args)
    except fg.SpanError as exc:
        # The format hint shows the command to send again: /export, not /stats.
        key = ("export.problem_format" if exc.problem is fg.SpanProblem.FORMAT
               else f"stats.problem.{exc.problem.value}")
        await ctx.reply(ctx.t(key))
        return
    await ctx.reply(*_options(ctx, span))


def _options(ctx: Ctx, span: fg.Span) -> tuple[str, InlineKeyboardMarkup]:
    code = span.code
    return ctx.t("export.options", start=span.start.isoformat(), end=span.end.isoformat()), \
        InlineKeyboardMarkup([
            [InlineKeyboardButton(ctx.t("export.button.xlsx"),
                                  callback_data=EX_XLSX.data(code, "0")),
             InlineKeyboardButton(ctx.t("export.button.csv"),
                                  callback_data=EX_CSV.data(code, "0"))],
            [InlineKeyboardButton(ctx.t("export.button.with_contacts"),
                                  callback_data=EX_ASK_CONTACTS.data(code))],
        ])


def _confirm(ctx: Ctx, span: fg.Span) -> InlineKeyboardMarkup:
    code = span.code
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(ctx.t("export.button.confirm_xlsx"),
                              callback_data=EX_XLSX.data(code, "1"))],
        [InlineKeyboardButton(ctx.t("export.button.confirm_csv"),
                              callback_data=EX_CSV.data(code, "1"))],
        [InlineKeyboardButton(ctx.t("export.button.cancel"), callback_data=EX_CANCEL.data())],
    ])


async def on_export_button(ctx: Ctx) -> None:
    """ex:p:<preset>, ex:a:<span>, ex:<x|c>:<span>:<0|1>, ex:n."""
    if not await ctx.may(Action.DATA_EXPORT):
        await ctx.answer(ctx.t("stats.refused.coordinator_only"), alert=True)
        return
    data = ctx.query.data if ctx.query and ctx.query.data else ""
    await ctx.answer()
    period, ask = EX_PERIOD.parse(data), EX_ASK_CONTACTS.parse(data)
    made = EX_XLSX.parse(data) or EX_CSV.parse(data)
    try:
        if period is not None:
            span = fg.preset(period[0], service.today_of(ctx.services))
            await ctx.edit_or_reply(*_options(ctx, span))
        elif ask is not None:
            span = fg.Span.from_code(ask[0])
            await ctx.edit_or_reply(ctx.t("export.confirm_contacts"), _confirm(ctx, span))
        elif made is not None:
            span = fg.Span.from_code(made[0])
            await ctx.drop_keyboard()
            await start_export(ctx, span, service.Format.XLSX if EX_XLSX.parse(data)
                               else service.Format.CSV, made[1] == "1")
        elif EX_CANCEL.parse(data) is not None:
            await ctx.edit_or_reply(ctx.t("export.cancelled"))
    except fg.SpanError:
        return  # a forged span: nothing to do


async def start_export(ctx: Ctx, span: fg.Span, fmt: service.Format,
                       with_contacts: bool) -> None:
    """Build the export in the background (the chat stays free) and send it when ready."""
    if service.export_lock(ctx.services).locked():
        await ctx.reply(ctx.t("stats.refused.busy"))
        return
    await ctx.reply(ctx.t("export.building"))
    task = asyncio.create_task(run_export(ctx, span, fmt, with_contacts))
    tasks = _BACKGROUND
    tasks.add(task)  # keep a reference until done, or the task may be collected
    task.add_done_callback(tasks.discard)


async def run_export(ctx: Ctx, span: fg.Span, fmt: service.Format, with_contacts: bool) -> None:
    """Build, send as a document, and clean up; a failure is told, never raised."""
    with tempfile.TemporaryDirectory(prefix="zhongfu-export-") as folder:
        out = Path(folder) / service.export_filename(span, fmt)
        try:
            done = await service.export(ctx.services, ctx.person, span, fmt, with_contacts,
                                        out, ctx.lang)
        except service.Refused as refused:
            await ctx.reply(ctx.t(f"stats.refused.{refused.refusal.value}"))
            return
        except Exception:
            log.exception("export %s failed", span.code)
            await ctx.reply(ctx.t("export.failed"))
            return
        caption = ctx.t("export.done", start=span.start.isoformat(), end=span.end.isoformat(),
                        sheets=len(done.sheets),
                        contacts=ctx.t("export.with_contacts") if with_contacts else "")
        # Read whole, as python-telegram-bot would: a retried upload sends it again.
        data = await asyncio.to_thread(out.read_bytes)
        if not await ctx.send_document(data, done.filename, caption):
            await ctx.reply(ctx.t("export.failed"))


class StatsFeature:
    """/stats for workers and coordinators, /export for coordinators."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flows: FlowRegistry, common: CommonHandlers) -> None:
        """Add the two commands and their buttons."""
        table.add(Command("stats", Role.WORKER, stats_command, order=45))
        table.add(Command("export", Role.COORDINATOR, export_command, order=66))
        app.add_handler(CallbackQueryHandler(handler(on_stats_button), pattern=f"^{ST.name}:"))
        app.add_handler(CallbackQueryHandler(handler(on_export_button), pattern=f"^{EX.name}:"))
