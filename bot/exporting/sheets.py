"""The sheets of the export, in order. Add a builder to SHEETS to add a sheet."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from bot.domain import figures as fg
from bot.domain.causes import from_codes
from bot.domain.periods import local_midnight
from bot.domain.reports import reference
from bot.exporting import Job, Sheet, SheetBuilder, cell_label, plain
from bot.services import obligations as owed
from storage import exports as rows
from storage import household_areas
from storage.clock import from_db

Row = Sequence[object]


def local_text(job: Job, stamp: str | datetime | None) -> str:
    """A stored instant as local wall time, 2026-03-05 14:02."""
    if not stamp:
        return ""
    moment = from_db(stamp) if isinstance(stamp, str) else stamp
    return moment.astimezone(job.tz).strftime("%Y-%m-%d %H:%M")


def hours(delta: timedelta | None) -> float | str:
    """A duration in hours, one decimal ("" when unknown)."""
    return "" if delta is None else round(delta.total_seconds() / 3600, 1)


def _code(job: Job, prefix: str, code: object) -> str:
    """A code translated through the catalog (the code itself when the catalog lacks it),
    without the chat's leading emoji: a report sent upward is filtered and pivoted by these
    cells, and "📞 电话" would sort and match apart from "电话"."""
    key = f"{prefix}.{code}"
    return cell_label(job.t(key)) if job.has(key) else str(code)


class Labels:
    """_code with a memory: per-row builders ask for the same few codes a million times."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.known: dict[tuple[str, object], str] = {}

    def __call__(self, prefix: str, code: object) -> str:
        """The translated code."""
        found = self.known.get((prefix, code))
        if found is None:
            found = self.known[(prefix, code)] = _code(self.job, prefix, code)
        return found


def group_label(job: Job, grouping: str, value: str) -> str:
    """A breakdown value as people read it (categories translated, empty areas named)."""
    if grouping == "category":
        return _code(job, "category", value)
    return value or job.t("streets.no_street" if grouping == "street" else "stats.no_area")


# -- summary ------------------------------------------------------------------------------


def summary_rows(job: Job, c: fg.Comparison) -> list[Row]:
    """The /stats figures as (figure, this period, previous period) rows."""
    now, before = c.now, c.before
    t = job.t
    out: list[Row] = []

    def add(label: str, a: object, b: object) -> None:
        out.append((label, a, b))

    add(t("stats.col.period"), f"{now.span.start} ~ {now.span.end}",
        f"{before.span.start} ~ {before.span.end}")
    add(t("stats.fig.registered_households"), now.registered.households,
        before.registered.households)
    add(t("stats.fig.registered_people"), now.registered.people, before.registered.people)
    add(t("stats.fig.paired_households"), now.paired.households, before.paired.households)
    add(t("stats.fig.paired_people"), now.paired.people, before.paired.people)
    add(t("stats.fig.covered_households"), now.covered.households, before.covered.households)
    add(t("stats.fig.covered_people"), now.covered.people, before.covered.people)
    add(t("stats.fig.person_times"), now.person_times, before.person_times)
    add(t("stats.fig.contacts"), now.contacts, before.contacts)
    for kind in now.contacts_by_kind:
        add(t("stats.fig.contacts_kind", kind=_code(job, "kind", kind)),
            now.contacts_by_kind[kind], before.contacts_by_kind.get(kind, 0))
    for code in now.services:
        add(t("stats.fig.service", service=_code(job, "service", code)), now.services[code],
            before.services.get(code, 0))
    add(t("stats.fig.pair_workers"), now.pairs.workers, before.pairs.workers)
    add(t("stats.fig.pair_households"), now.pairs.households, before.pairs.households)
    for pid in sorted(set(now.pairs.by_program) | set(before.pairs.by_program)):
        program = _code(job, "program", c.program_names.get(pid, str(pid)))
        a, b = now.pairs.by_program.get(pid, fg.Count()), before.pairs.by_program.get(
            pid, fg.Count())
        add(t("stats.fig.program_households", program=program), a.households, b.households)
        add(t("stats.fig.program_workers", program=program),
            now.pairs.workers_by_program.get(pid, 0), before.pairs.workers_by_program.get(pid, 0))
    for pid, rule in sorted(set(now.kept) | set(before.kept),
                            key=lambda k: (k[0], k[1].kind.value, k[1].period.value)):
        program = _code(job, "program", c.program_names.get(pid, str(pid)))
        ka, kb = now.kept.get((pid, rule), fg.Kept()), before.kept.get((pid, rule), fg.Kept())
        what = t("stats.rule", kind=_code(job, "kind", rule.kind.value),
                 period=_code(job, "stats.every", rule.period.value))
        for status in ("met", "due", "missed"):
            add(t(f"stats.fig.kept_{status}", program=program, rule=what),
                getattr(ka, status), getattr(kb, status))
    ra, rb = now.reports, before.reports
    add(t("stats.fig.reports_received"), ra.received, rb.received)
    add(t("stats.fig.reports_taken"), ra.taken, rb.taken)
    for status in fg.REPORT_OUTCOMES:
        add(t(f"stats.fig.reports_{status}"), ra.outcomes.get(status, 0),
            rb.outcomes.get(status, 0))
    add(t("stats.fig.take_median"), hours(ra.take_median), hours(rb.take_median))
    add(t("stats.fig.take_p90"), hours(ra.take_p90), hours(rb.take_p90))
    for code in sorted(set(ra.by_category) | set(rb.by_category)):
        add(t("stats.fig.reports_category", category=_code(job, "report.category", code)),
            ra.by_category.get(code, 0), rb.by_category.get(code, 0))
    for area in sorted(set(ra.by_area) | set(rb.by_area)):
        add(t("stats.fig.reports_area", area=area or t("stats.no_area")),
            ra.by_area.get(area, 0), rb.by_area.get(area, 0))
    for grouping in sorted(set(now.breakdowns) | set(before.breakdowns)):
        a_groups, b_groups = now.breakdowns.get(grouping, {}), before.breakdowns.get(grouping, {})
        for value in sorted(set(a_groups) | set(b_groups)):
            label = group_label(job, grouping, value)
            a_reach, b_reach = a_groups.get(value, fg.Reach()), b_groups.get(value, fg.Reach())
            for figure, a_value, b_value in (
                    ("registered", a_reach.registered.households, b_reach.registered.households),
                    ("covered", a_reach.covered.households, b_reach.covered.households),
                    ("covered_people", a_reach.covered.people, b_reach.covered.people),
                    ("person_times", a_reach.person_times, b_reach.person_times)):
                add(t(f"stats.fig.group_{figure}", group=label), a_value, b_value)
    return out


def summary(job: Job, conn: sqlite3.Connection) -> Sheet:
    """The /stats figures of the span beside the previous span's."""
    return Sheet(job.t("export.sheet.summary"),
                 [job.t("stats.col.figure"), job.t("stats.col.now"), job.t("stats.col.before")],
                 summary_rows(job, job.comparison))


# -- reports ------------------------------------------------------------------------------


def _window(job: Job) -> tuple[datetime, datetime]:
    return local_midnight(job.span.start, job.tz), local_midnight(job.span.stop, job.tz)


def _headers(job: Job, columns: Sequence[str]) -> list[str]:
    return [job.t(f"export.col.{c}") for c in columns]


def reports(job: Job, conn: sqlite3.Connection) -> Sheet:
    """Reports received in the span."""
    columns = rows.REPORT_COLUMNS + (rows.REPORT_CONTACT_COLUMNS if job.with_contacts else ())
    label = Labels(job)

    def each() -> Iterator[Row]:
        for r in rows.reports(conn, *_window(job), job.with_contacts):
            # Said in a voice note rather than typed: the cell says so ("语音留言 42 秒").
            said = r[7] or (job.t("export.voice", seconds=r[-1]) if r[-1] is not None else "")
            yield (reference(int(str(r[0]))), local_text(job, str(r[1])),
                   label("report.category", r[2]), label("report.urgency", r[3]),
                   label("export.report_status", r[4]), r[5], r[6], said, r[8],
                   local_text(job, str(r[9])), r[10], *r[11:-1])

    return Sheet(job.t("export.sheet.reports"), _headers(job, columns), each())


def report_history(job: Job, conn: sqlite3.Connection) -> Sheet:
    """Every event of the reports received in the span."""
    label = Labels(job)

    def each() -> Iterator[Row]:
        for r in rows.report_events(conn, *_window(job)):
            yield (reference(int(str(r[0]))), local_text(job, str(r[1])), r[2],
                   label("export.report_status", r[3]) if r[3] else "", r[4], r[5])

    return Sheet(job.t("export.sheet.history"), _headers(job, rows.EVENT_COLUMNS), each())


# -- registry, pairings, contacts, obligations --------------------------------------------


def _causes(job: Job, label: Labels, text: str, codes: str) -> str:
    """Causes from the list, in words, then the free text ("因病、因残；老伴去世")."""
    listed = job.t("list.separator").join(label("cause", c.value) for c in from_codes(codes))
    if listed and text:
        return job.t("causes.with_text", causes=listed, text=text)
    return listed or text


def households(job: Job, conn: sqlite3.Connection) -> Sheet:
    """The household registry (phone and address only when asked for), each household in
    the community it was in on the span's last day, as the summary counts it."""
    columns = rows.HOUSEHOLD_COLUMNS + (rows.HOUSEHOLD_CONTACT_COLUMNS if job.with_contacts
                                        else ())
    yes, no = job.t("export.yes"), job.t("export.no")
    label = Labels(job)

    def each() -> Iterator[Row]:
        for r in rows.households(conn, job.with_contacts, job.span.end):
            causes = _causes(job, label, str(r[6] or ""), str(r[7] or ""))
            yield (*r[:4], label("category", r[4]), r[5], causes, r[8], yes if r[9] else no,
                   *r[10:])

    return Sheet(job.t("export.sheet.households"), _headers(job, columns), each())


def pairings(job: Job, conn: sqlite3.Connection) -> Sheet:
    """Pairings active in the span."""
    label = Labels(job)

    def each() -> Iterator[Row]:
        for r in rows.pairings(conn, job.span):
            yield (*r[:4], label("program", r[4]), *r[5:7],
                   label("export.ended", r[7]) if r[7] else "")

    return Sheet(job.t("export.sheet.pairings"), _headers(job, rows.PAIRING_COLUMNS), each())


def contacts(job: Job, conn: sqlite3.Connection) -> Sheet:
    """Contacts dated in the span."""
    label = Labels(job)

    def each() -> Iterator[Row]:
        for r in rows.contacts(conn, job.span):
            codes = r[6] if isinstance(r[6], list) else []
            yield (*r[:5], label("kind", r[5]), "、".join(label("service", c) for c in codes),
                   *r[7:])

    return Sheet(job.t("export.sheet.contacts"), _headers(job, rows.CONTACT_COLUMNS), each())


OBLIGATION_COLUMNS = ("household_id", "household", "area", "program", "obligation", "period",
                      "status", "due_by", "met_on", "worker")


def obligations(job: Job, conn: sqlite3.Connection) -> Sheet:
    """Obligations whose period overlaps the span, with their status today; each household
    in the community it was in on the span's last day, as the summary counts it."""
    names = rows.worker_names(conn)
    areas = household_areas.names_on(conn, job.span.end)
    history = fg.months_between(job.span.start, job.today) + 1
    label = Labels(job)

    def each() -> Iterator[Row]:
        for item in owed.streamed(conn, job.today, history):
            o = item.obligation
            if not fg.in_span(o, job.span):
                continue
            yield (item.household_id, item.household_name,
                   areas.get(item.household_id, item.area_name or ""),
                   label("program", item.program_name), label("kind", o.rule.kind.value),
                   o.period.key, label("status", o.status.value), o.due_by.isoformat(),
                   o.met_on.isoformat() if o.met_on else "", names.get(o.worker_id, ""))

    return Sheet(job.t("export.sheet.obligations"), _headers(job, OBLIGATION_COLUMNS), each())


AUDIT_COLUMNS = ("at", "actor", "action", "about", "detail")


def audit(job: Job, conn: sqlite3.Connection) -> Sheet:
    """The audit trail of the span, each entry named as /audit names it
    (bot.services.audit.in_words): who, what was done, and to what."""

    def each() -> Iterator[Row]:
        for line in job.audit:
            e = line.entry
            actor = line.actor_name or (job.t("audit.system") if e.actor_id is None
                                        else str(e.actor_id))
            yield (local_text(job, e.at), actor, plain(line.action), _about(line.about),
                   json.dumps(e.detail, ensure_ascii=False))

    return Sheet(job.t("export.sheet.audit"), _headers(job, AUDIT_COLUMNS), each())


def _about(words: str) -> str:
    """What an entry was about, in a cell of its own: the words /audit writes after the
    action, without the space or colon that joined them to it."""
    return plain(words).strip().lstrip(":：").strip()


def referral_sheet(job: Job, conn: sqlite3.Connection) -> Sheet:
    """Referrals from other agencies received in the span, with how far each got."""
    columns = rows.REFERRAL_COLUMNS + (rows.REFERRAL_CONTACT_COLUMNS if job.with_contacts else ())
    label = Labels(job)

    def each() -> Iterator[Row]:
        for r in rows.referrals(conn, job.span.start.isoformat(), job.span.stop.isoformat(),
                                job.with_contacts):
            yield (f"Z-{int(str(r[0])):04d}", r[1], r[2], r[3], r[4], r[5],
                   label("referrals.stage", r[6]),
                   label("referrals.outcome", r[7]) if r[7] else "", r[8], r[9], *r[10:])

    return Sheet(job.t("export.sheet.referrals"), _headers(job, columns), each())


def aid_sheet(job: Job, conn: sqlite3.Connection) -> Sheet:
    """Aid given in the span: household, kind, amount in yuan (exact), fund, purpose."""
    label = Labels(job)

    def each() -> Iterator[Row]:
        for r in rows.aid(conn, job.span.start.isoformat(), job.span.stop.isoformat()):
            fen = int(str(r[3]))
            yield (r[0], r[1], label("aid.kind", r[2]), f"{fen // 100}.{fen % 100:02d}", r[4],
                   r[5], label("aid.purpose", r[6]), r[7])

    return Sheet(job.t("export.sheet.aid"), _headers(job, rows.AID_COLUMNS), each())


def activity_sheet(job: Job, conn: sqlite3.Connection) -> Sheet:
    """Group activities held in the span, with the households they counted for."""
    label = Labels(job)

    def each() -> Iterator[Row]:
        for r in rows.activities(conn, job.span.start.isoformat(), job.span.stop.isoformat()):
            services = job.t("list.separator").join(
                label("service", code) for code in json.loads(str(r[5]) or "[]"))
            yield (r[0], r[1], label("activity.kind", r[2]), r[3], r[4], services, r[6])

    return Sheet(job.t("export.sheet.activities"), _headers(job, rows.ACTIVITY_COLUMNS),
                 each())


SHEETS: list[SheetBuilder] = [summary, reports, report_history, households, pairings, contacts,
                              obligations, aid_sheet, activity_sheet, referral_sheet, audit]
