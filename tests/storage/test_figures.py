"""One source of truth: /stats, the export's summary sheet and the digest, on a known data set.

The data set and its hand-counted figures are in tests/figures_data.py.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.domain import figures as fg
from bot.domain.people import Person, Role
from bot.exporting import cell_label
from bot.services import digest as jobs
from bot.services import figures as service
from storage import audit
from storage.db import Database
from tests import figures_data as data
from tests.use_cases import catalog, services_for

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
CATALOG = catalog()


seeded_db = data.seeded_db  # the fixture `db`


def person(telegram_id: int, role: Role) -> Person:
    return Person(telegram_id, "x", None, "zh", role, True, True, NOW, NOW)


COORDINATOR = person(9001, Role.COORDINATOR)
QUARTER = fg.Span(*data.Q4)


def rule_key(rule: object) -> tuple[str, str]:
    return rule.kind.value, rule.period.value  # type: ignore[attr-defined]


def check(found: fg.Figures, n: int) -> None:
    """Every figure of one span against the hand count (n: 0 this quarter, 1 the one before)."""
    assert (found.registered.households, found.registered.people) == data.REGISTERED[n]
    assert (found.paired.households, found.paired.people) == data.PAIRED[n]
    assert (found.covered.households, found.covered.people) == data.COVERED[n]
    assert found.person_times == data.PERSON_TIMES[n]
    assert found.contacts_by_kind == data.KINDS[n]
    assert {k: v for k, v in found.services.items() if v} == data.SERVICES[n]
    assert (found.pairs.workers, found.pairs.households) == data.PAIRS[n]
    assert {rule_key(r): (k.met, k.due, k.missed)
            for (_, r), k in found.kept.items()} == data.KEPT[n]
    r = found.reports
    hours = [None if d is None else d / timedelta(hours=1) for d in (r.take_median, r.take_p90)]
    assert (r.received, r.taken, r.outcomes["resolved"], r.outcomes["referred"],
            r.outcomes["closed"], *hours) == data.REPORTS[n]
    assert r.by_category == data.REPORT_CATEGORIES[n]
    assert r.by_area == data.REPORT_AREAS[n]


async def test_stats_count_what_was_counted_by_hand(db: Database) -> None:
    found = await service.stats(services_for(db, NOW), COORDINATOR, QUARTER)
    assert found.before.span == fg.Span(*data.Q3)
    check(found.now, 0)
    check(found.before, 1)
    assert found.now.pairs.by_program == {1: fg.Count(3, 8)}
    groups = found.now.breakdowns
    assert {k: (v.registered.households, v.covered.households, v.covered.people,
                v.person_times) for k, v in groups["category"].items()} == data.BY_CATEGORY
    assert {k: (v.registered.households, v.covered.households, v.covered.people,
                v.person_times) for k, v in groups["area"].items()} == data.BY_AREA


async def test_a_worker_sees_only_their_own_work(db: Database) -> None:
    services = services_for(db, NOW)
    worker = person(data.WORKER_A, Role.WORKER)
    found = await service.stats(services, worker, QUARTER)
    now = found.now
    assert found.worker_id == data.WORKER_A
    assert (now.registered.households, now.registered.people) == data.OWN["registered"]
    assert (now.covered.households, now.covered.people) == data.OWN["covered"]
    assert now.person_times == data.OWN["person_times"]
    assert now.reports.received == data.OWN["received"]
    assert {rule_key(r): (k.met, k.due, k.missed)
            for (_, r), k in now.kept.items()} == data.OWN["kept"]
    with pytest.raises(service.Refused) as refused:
        await service.stats(services, worker, QUARTER, data.WORKER_B)
    assert refused.value.refusal is service.Refusal.NOT_YOURS
    with pytest.raises(service.Refused) as refused:
        await service.stats(services, person(1001, Role.RESIDENT), QUARTER)
    assert refused.value.refusal is service.Refusal.STAFF_ONLY


async def test_a_workers_breakdowns_add_up_to_their_totals(db: Database) -> None:
    """Whatever a worker logged counts for the household it is with: 林社工's call on H4
    (never paired with them) in Q3 makes H4 served by them, in 翠竹社区, in unsupported_child."""
    services = services_for(db, NOW)
    for worker in (data.WORKER_A, data.WORKER_B):
        for span in (QUARTER, fg.Span(*data.Q3)):
            found = (await service.stats(services, COORDINATOR, span, worker)).now
            assert found.breakdowns
            for grouping, values in found.breakdowns.items():
                reach = values.values()
                where = (worker, span, grouping)
                assert sum(v.person_times for v in reach) == found.person_times, where
                assert sum(v.contacts for v in reach) == found.contacts, where
                assert fg.Count(sum(v.covered.households for v in reach),
                                sum(v.covered.people for v in reach)) == found.covered, where
                assert fg.Count(sum(v.registered.households for v in reach),
                                sum(v.registered.people for v in reach)) == found.registered
    b_q3 = (await service.stats(services, COORDINATOR, fg.Span(*data.Q3), data.WORKER_B)).now
    assert (b_q3.covered, b_q3.person_times, b_q3.contacts) == (fg.Count(1, 2), 2, 1)
    assert b_q3.breakdowns["area"]["翠竹社区"].covered == fg.Count(1, 2)
    assert b_q3.paired == fg.Count(1, 4)  # H3 only: serving H4 does not pair it


async def test_an_empty_period_is_zeros(db: Database) -> None:
    found = await service.stats(services_for(db, NOW), COORDINATOR, fg.Span(date(2020, 1, 1),
                                                                        date(2020, 1, 31)))
    assert found.now.covered == fg.Count(0, 0)
    assert found.now.person_times == 0 and found.now.contacts == 0
    assert found.now.kept == {} and found.now.reports.received == 0
    assert found.now.reports.take_median is None


def summary_of(path: Path) -> dict[str, tuple[object, object]]:
    book = load_workbook(path, read_only=True)
    rows = list(book[book.sheetnames[0]].iter_rows(values_only=True))
    return {str(r[0]): (r[1], r[2]) for r in rows[1:]}


def t(key: str, **values: object) -> str:
    return CATALOG.t("zh", key, **values)


async def test_the_export_summary_shows_the_same_figures(db: Database, tmp_path: Path) -> None:
    out = tmp_path / "e.xlsx"
    done = await service.export(services_for(db, NOW), COORDINATOR, QUARTER, service.Format.XLSX,
                                False, out, "zh")
    summary = summary_of(out)
    (rh, rp), (rh0, rp0) = data.REGISTERED
    assert summary[t("stats.fig.registered_households")] == (rh, rh0)
    assert summary[t("stats.fig.registered_people")] == (rp, rp0)
    assert summary[t("stats.fig.paired_households")] == (data.PAIRED[0][0], data.PAIRED[1][0])
    assert summary[t("stats.fig.covered_households")] == (data.COVERED[0][0], data.COVERED[1][0])
    assert summary[t("stats.fig.covered_people")] == (data.COVERED[0][1], data.COVERED[1][1])
    assert summary[t("stats.fig.person_times")] == data.PERSON_TIMES
    for kind in ("call", "visit", "deed", "other"):
        # As a cell: the chat's emoji (📞) left out.
        label = t("stats.fig.contacts_kind", kind=cell_label(t(f"kind.{kind}")))
        assert summary[label] == (data.KINDS[0][kind], data.KINDS[1][kind])
    for code in ("comfort", "counselling", "policy_check", "tutoring"):
        label = t("stats.fig.service", service=cell_label(t(f"service.{code}")))
        assert summary[label] == (data.SERVICES[0].get(code, 0), data.SERVICES[1].get(code, 0))
    assert summary[t("stats.fig.pair_workers")] == (2, 2)
    program = t("program.one-to-one")
    for (kind, period), (met, due, missed) in data.KEPT[0].items():
        rule = t("stats.rule", kind=cell_label(t(f"kind.{kind}")),
                 period=t(f"stats.every.{period}"))
        before = data.KEPT[1][(kind, period)]
        assert summary[t("stats.fig.kept_met", program=program, rule=rule)] == (met, before[0])
        assert summary[t("stats.fig.kept_due", program=program, rule=rule)] == (due, before[1])
        assert summary[t("stats.fig.kept_missed", program=program, rule=rule)] == (
            missed, before[2])
    received, taken, resolved, referred, closed, median, p90 = data.REPORTS[0]
    assert summary[t("stats.fig.reports_received")] == (received, data.REPORTS[1][0])
    assert summary[t("stats.fig.reports_taken")][0] == taken
    assert summary[t("stats.fig.reports_resolved")][0] == resolved
    assert summary[t("stats.fig.reports_referred")][0] == referred
    assert summary[t("stats.fig.reports_closed")][0] == closed
    assert summary[t("stats.fig.take_median")] == (median, data.REPORTS[1][5])
    assert summary[t("stats.fig.take_p90")] == (p90, data.REPORTS[1][6])
    for code, (registered, covered, people, times) in data.BY_CATEGORY.items():
        group = t(f"category.{code}")
        assert summary[t("stats.fig.group_registered", group=group)][0] == registered
        assert summary[t("stats.fig.group_covered", group=group)][0] == covered
        assert summary[t("stats.fig.group_covered_people", group=group)][0] == people
        assert summary[t("stats.fig.group_person_times", group=group)][0] == times
    for area, (registered, covered, people, times) in data.BY_AREA.items():
        assert summary[t("stats.fig.group_registered", group=area)][0] == registered
        assert summary[t("stats.fig.group_covered", group=area)][0] == covered
        assert summary[t("stats.fig.group_covered_people", group=area)][0] == people
        assert summary[t("stats.fig.group_person_times", group=area)][0] == times
    assert done.sheets[0] == t("export.sheet.summary")


async def test_the_digest_counts_the_promise_as_stats_do(db: Database) -> None:
    services = services_for(db, NOW)
    found = await jobs.gather(services, data.TODAY)
    assert {rule_key(rule): (c.met, c.total)
            for (_, rule), c in found.data.by_program_rule.items()} == data.DIGEST
    today = fg.Span(data.TODAY, data.TODAY)
    stats = await service.stats(services, COORDINATOR, today)
    assert {rule_key(r): (k.met, k.total) for (_, r), k in stats.now.kept.items()} == data.DIGEST
    assert found.reach is not None
    assert (found.reach.covered.households, found.reach.covered.people) == data.COVERED[0]
    text = "\n".join(part.text for part in jobs.render_digest(services, "zh", found))
    assert t("stats.digest_reach", households=3, people=8, paired=3, person_times=8) in text
    # The programme as coordinators read it (一对一结对帮扶), not its stored code.
    assert t("digest.program", program=t("program.one-to-one"), percent=67, met=6,
             total=9) in text


@pytest.mark.parametrize(("span", "n"), [(data.Q4, 0), (data.Q3, 1)])
async def test_the_digests_reach_counted_in_sql_is_what_stats_count(
        db: Database, span: tuple[date, date], n: int) -> None:
    found = service.reach_sync(db.path, fg.Span(*span))
    assert (found.covered.households, found.covered.people) == data.COVERED[n]
    assert (found.paired.households, found.paired.people) == data.PAIRED[n]
    assert found.person_times == data.PERSON_TIMES[n]
    stats = (await service.stats(services_for(db, NOW), COORDINATOR, fg.Span(*span))).now
    assert (found.covered, found.paired, found.person_times) == (
        stats.covered, stats.paired, stats.person_times)


async def test_the_export_sheets_and_what_they_leave_out(db: Database, tmp_path: Path) -> None:
    services = services_for(db, NOW)
    out = tmp_path / "e.xlsx"
    await service.export(services, COORDINATOR, QUARTER, service.Format.XLSX, False, out, "en")
    book = load_workbook(out)
    assert book.sheetnames == ["Summary", "Reports", "Report history", "Households",
                               "Pairings", "Contacts", "Obligations", "Aid", "Activities",
                               "Referrals",
                               "Audit trail"]
    reports = list(book["Reports"].iter_rows(values_only=True))
    assert reports[0][0] == "Reference" and "Phone" not in reports[0]
    assert [r[0] for r in reports[1:]] == ["R-0001", "R-0002", "R-0003", "R-0004", "R-0005"]
    history = list(book["Report history"].iter_rows(values_only=True))[1:]
    assert [r[2] for r in history if r[0] == "R-0001"] == ["created", "taken", "resolved"]
    homes = list(book["Households"].iter_rows(values_only=True))
    assert "Phone" not in homes[0] and "Address" not in homes[0] and len(homes) == 6
    assert not any("东门路" in str(cell) for row in homes for cell in row)
    contacts = list(book["Contacts"].iter_rows(values_only=True))
    assert len(contacts) == 1 + 4
    formula = book["Contacts"].cell(row=[r[1] for r in contacts].index("2026-10-20") + 1,
                                    column=len(contacts[0]))
    assert formula.value == "=1+1" and formula.data_type == "s"  # text, not a formula
    causes = [c for row in book["Households"].iter_rows() for c in row if c.value == "-1 失业"]
    assert causes and causes[0].data_type == "s"
    obligations = list(book["Obligations"].iter_rows(values_only=True))[1:]
    assert len(obligations) == 9  # 3 households x (Q4 call, H2 visit, 2026 deed)
    assert len(list(book["Pairings"].iter_rows())) == 1 + 3
    trail = list(book["Audit trail"].iter_rows(values_only=True))[1:]
    assert [r[2:4] for r in trail] == [(CATALOG.plain("en", "audit.action.view.household"),
                                        "张大爷")]
    entries = await audit.entries(db)
    assert entries[0].action == "export" and entries[0].actor_id == 9001
    assert entries[0].detail == {"from": "2026-10-01", "to": "2026-12-31", "format": "xlsx",
                                 "with_contacts": False}


async def test_with_contacts_and_as_csv(db: Database, tmp_path: Path) -> None:
    out = tmp_path / "e.zip"
    done = await service.export(services_for(db, NOW), None, QUARTER, service.Format.CSV, True, out,
                                "zh")
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert len(names) == len(done.sheets) == 11
        raw = archive.read(next(n for n in names if t("export.sheet.households") in n))
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel and WPS read the Chinese right
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert t("export.col.phone") in rows[0] and t("export.col.address") in rows[0]
    assert any("东门路1号" in row for row in rows)
    assert any("'=HYPERLINK(\"x\")" in row for row in rows)  # neutralised for spreadsheets
    entries = await audit.entries(db)
    assert entries[0].actor_id is None and entries[0].detail["with_contacts"] is True


async def test_one_export_at_a_time(db: Database, tmp_path: Path) -> None:
    services = services_for(db, NOW)
    async with service.export_lock(services):
        with pytest.raises(service.Refused) as refused:
            await service.export(services, COORDINATOR, QUARTER, service.Format.XLSX, False,
                                 tmp_path / "x.xlsx", "zh")
    assert refused.value.refusal is service.Refusal.BUSY
    with pytest.raises(service.Refused) as refused:
        await service.export(services, person(data.WORKER_A, Role.WORKER), QUARTER,
                             service.Format.XLSX, False, tmp_path / "x.xlsx", "zh")
    assert refused.value.refusal is service.Refusal.COORDINATOR_ONLY


async def test_the_export_names_causes_services_and_projects_in_words(db: Database,
                                                                       tmp_path: Path) -> None:
    async with db.transaction() as tx:
        await tx.execute("UPDATE households SET cause_codes = 'illness,disability' "
                         "WHERE causes = '-1 失业'")
        await tx.execute("INSERT INTO projects (name, budget_fen, starts_on, ends_on, "
                         "created_by, created_at) VALUES ('长者饭堂', 500000, '2026-10-01', "
                         "'2026-12-31', 7101, '2026-10-01T00:00:00+00:00')")
        await tx.execute("INSERT INTO activities (title, kind, day, people_reached, created_by, "
                         "created_at, services, project_id) VALUES ('重阳敬老', 'holiday_visit', "
                         "'2026-10-29', 12, 7101, '2026-10-29T00:00:00+00:00', "
                         "'[\"counselling\", \"material_aid\"]', 1)")
    out = tmp_path / "e.xlsx"
    await service.export(services_for(db, NOW), COORDINATOR, QUARTER, service.Format.XLSX, False,
                         out, "zh")
    book = load_workbook(out)
    homes = list(book.worksheets[3].iter_rows(values_only=True))  # the registry
    causes = homes[0].index("致贫致困原因")
    assert "因病、因残；-1 失业" in [row[causes] for row in homes[1:]]
    activities = list(book.worksheets[8].iter_rows(values_only=True))  # group activities
    assert activities[0][-2:] == ("服务内容", "所属微实事项目")
    assert activities[1][0] == "2026-10-29" and activities[1][-1] == "长者饭堂"
    assert activities[1][-2] == "心理疏导、物资帮扶"
