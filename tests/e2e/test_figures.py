"""End to end: /stats, /export and `zhongfu export` on the known data set (figures_data).

The bot lives on 2026-11-18 (BOT_NOW), so "this quarter" is 2026-Q4 and the period before
it 2026-Q3, as the data set's hand counts assume.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import load_workbook

from tests import figures_data as data
from tests.conftest import COORDINATOR_ID, BotProcess
from tests.rig.server import FakeBotApi, FakeUser
from tests.use_cases import catalog

CATALOG = catalog()


def t(key: str, lang: str = "zh", **values: object) -> str:
    """A text as the fake user reads it (tags removed)."""
    return re.sub(r"<[^>]+>", "", CATALOG.t(lang, key, **values))


def seed(bot: BotProcess) -> None:
    with bot.db() as conn:
        data.seed(conn)


def workbook_of(message: object) -> dict[str, list[tuple[object, ...]]]:
    """Every sheet of an XLSX document message, as rows of values."""
    raw = getattr(message, "data", None)
    assert isinstance(raw, bytes)
    book = load_workbook(io.BytesIO(raw), read_only=True)
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


async def test_a_coordinator_sees_the_quarter_beside_the_one_before(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    seed(bot)
    await coordinator.send("/stats")
    ask = await coordinator.expect("想看哪段时间的统计")
    assert ask.labels == [t(f"stats.preset.{p}") for p in
                          ("month", "last_month", "quarter", "last_quarter", "year")]
    await coordinator.press("本季度")
    shown = await coordinator.expect("服务统计")
    text = shown.plain
    assert "2026-10-01 至 2026-12-31（92 天）" in text and "2026-07-01 至 2026-09-30" in text
    assert "已服务 3 户（3）、8 人（6）" in text
    assert "在册 4 户 10 人，结对 3 户 8 人" in text
    assert "服务 8 人次（6），共记录 4 次（3）" in text
    assert "📞 电话 2（1）" in text and "🏠 上门走访 1（1）" in text
    assert "心理疏导 1（1）" in text and "物资帮扶 1（0）" in text and "政策核查 0（1）" in text
    assert "结对：2 名社工（2），3 户（3）" in text
    assert "一对一结对帮扶 · 📞 电话（每季度）：3 / 0 / 0（上期 2 / 0 / 1）" in text
    assert "一对一结对帮扶 · 🏠 上门走访（每半年）：2 / 1 / 0" in text
    assert "收到 5（2），已接手 5，已解决 2，已转介 1，已结束 1" in text
    assert "一半在 60 分钟 内，九成在 24.0 小时 内" in text
    assert "低保：2/2 户，6 人次" in text and "事实无人抚养儿童：0/1 户，0 人次" in text
    assert "东门社区：2/2 户，6 人次" in text and "翠竹社区：1/2 户，2 人次" in text
    chart = await coordinator.expect("服务内容和服务方式", kind="photo")
    assert chart.data and chart.data.startswith(b"\x89PNG")
    assert len(shown.text) < 4096 and len(chart.text) <= 1024

    # A typed range, an empty one, and each kind of bad input.
    await coordinator.send("/stats 2026-07-01 2026-09-30")
    q3 = await coordinator.expect("服务统计")
    assert "已服务 3 户（0）、6 人（0）" in q3.plain
    await coordinator.send("/stats 2020-01-01 2020-01-31")
    empty = await coordinator.expect("服务统计")
    assert "已服务 0 户（0）、0 人（0）" in empty.plain and "服务 0 人次（0）" in empty.plain
    for typed, problem in (("2026-03-31 2026-01-01", "reversed"),
                           ("2020-01-01 2026-01-01", "too_long"),
                           ("2026-02-30 2026-03-31", "date"),
                           ("上个月", "format")):
        await coordinator.send(f"/stats {typed}")
        await coordinator.expect(re.escape(t(f"stats.problem.{problem}")[:12]))


async def test_a_worker_sees_only_their_own_figures(
        bot: BotProcess, api: FakeBotApi) -> None:
    seed(bot)
    worker = api.user(data.WORKER_A, "陈社工", language_code="zh-hans")
    await worker.send("/stats")
    ask = await worker.expect("想看哪段时间的统计")
    await worker.press("本季度", in_message=ask)
    own = await worker.expect("我的服务统计")
    assert "已服务 2 户（2）、4 人（4）" in own.plain
    assert "服务 4 人次" in own.plain and "收到 2（0）" in own.plain
    # Another worker's figures, by a forged button or typed: refused.
    await worker.press_data(f"st:quarter:{data.WORKER_B}", ask)
    await worker.expect(t("stats.refused.not_yours")[:10])
    await worker.send(f"/stats 2026-10-01 2026-12-31 {data.WORKER_B}")
    await worker.expect(t("stats.refused.not_yours")[:10])
    await worker.press_data("st:quarter:0", ask)  # "everyone" is, for a worker, their own
    await worker.expect("我的服务统计")
    await worker.send("/export")
    await worker.expect(t("error.needs_role.coordinator"))
    await worker.press_data("ex:x:20261001-20261231:0", ask)
    assert worker.answers[-1].text == t("stats.refused.coordinator_only")


async def test_a_coordinator_exports_the_quarter(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    seed(bot)
    await coordinator.send("/export")
    await coordinator.expect("导出哪段时间的数据")
    await coordinator.press("本季度")
    options = await coordinator.expect("导出 2026-10-01 至 2026-12-31 的数据")
    assert "不含" in options.plain
    await coordinator.press(t("export.button.xlsx"))
    await coordinator.expect("正在生成表格")
    document = await coordinator.expect("数据表格", kind="document")
    assert document.file_name == "zhongfu-2026-10-01_2026-12-31.xlsx"
    sheets = workbook_of(document)
    assert list(sheets) == [t(f"export.sheet.{s}") for s in (
        "summary", "reports", "history", "households", "pairings", "contacts", "obligations",
        "aid", "activities", "referrals", "audit")]
    summary = {row[0]: row[1:] for row in sheets[t("export.sheet.summary")]}
    assert summary[t("stats.fig.covered_households")] == (3, 3)
    assert summary[t("stats.fig.covered_people")] == (8, 6)
    assert summary[t("stats.fig.person_times")] == (8, 6)
    assert summary[t("stats.fig.reports_received")] == (5, 2)
    households = sheets[t("export.sheet.households")]
    assert t("export.col.phone") not in households[0]
    assert not any("东门路" in str(cell) for row in households for cell in row)
    assert len(sheets[t("export.sheet.contacts")]) == 1 + 4
    # Labels as a spreadsheet wants them: 电话, not the chat's 📞 电话 (filters, pivots).
    kinds = {row[5] for row in sheets[t("export.sheet.contacts")][1:]}
    assert "电话" in kinds and not any(str(k).startswith("📞") for k in kinds)
    assert not any(str(cell).startswith(("📞", "🏠", "✅", "❌", "⏳", "🩺", "👵"))
                   for sheet in sheets.values() for row in sheet for cell in row)
    assert [r[0] for r in sheets[t("export.sheet.reports")][1:]] == [
        "R-0001", "R-0002", "R-0003", "R-0004", "R-0005"]

    # With phone numbers and addresses: only after a second, explicit confirmation.
    await coordinator.send("/export 2026-10-01 2026-12-31")
    await coordinator.expect("导出 2026-10-01 至 2026-12-31 的数据")
    await coordinator.press(t("export.button.with_contacts"))
    await coordinator.expect("要导出电话号码和详细地址吗")
    await coordinator.press(t("export.button.confirm_xlsx"))
    full = await coordinator.expect("含电话和地址", kind="document")
    households = workbook_of(full)[t("export.sheet.households")]
    assert t("export.col.phone") in households[0] and t("export.col.address") in households[0]
    assert any("东门路1号" in row for row in households)

    # The CSV variant, and a cancelled one.
    await coordinator.send("/export 2026-10-01 2026-12-31")
    await coordinator.press(t("export.button.csv"))
    archive = await coordinator.expect("数据表格", kind="document")
    assert archive.file_name and archive.file_name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(archive.data or b"")) as zipped:
        assert len(zipped.namelist()) == 11
    await coordinator.send("/export 2026-10-01 2026-12-31")
    await coordinator.press(t("export.button.with_contacts"))
    await coordinator.press(t("export.button.cancel"))
    await coordinator.expect("不导出了")

    with bot.db() as conn:
        rows = conn.execute("SELECT actor_id, detail FROM audit WHERE action = 'export' "
                            "ORDER BY id").fetchall()
    assert [(r[0], '"with_contacts": true' in r[1]) for r in rows] == [
        (COORDINATOR_ID, False), (COORDINATOR_ID, True), (COORDINATOR_ID, False)]


async def test_the_chart_and_the_export_arrive_after_a_flood_wait_and_a_bad_gateway(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    """Telegram answers the first tries of the chart and of the spreadsheet with a flood wait
    (429) and a bad gateway (502): each is tried again and reaches the coordinator once."""
    seed(bot)
    api.fail_next("sendPhoto", 429, "Too Many Requests: retry after 1", retry_after=1)
    api.fail_next("sendPhoto", 502, "Bad Gateway")
    await coordinator.send("/stats 2026-10-01 2026-12-31")
    await coordinator.expect("服务统计")
    chart = await coordinator.expect("服务内容和服务方式", kind="photo", timeout=30)
    assert chart.data and chart.data.startswith(b"\x89PNG")

    await coordinator.send("/export 2026-10-01 2026-12-31")
    await coordinator.expect("导出 2026-10-01 至 2026-12-31 的数据")
    api.fail_next("sendDocument", 502, "Bad Gateway")
    api.fail_next("sendDocument", 429, "Too Many Requests: retry after 1", retry_after=1)
    await coordinator.press(t("export.button.xlsx"))
    document = await coordinator.expect("数据表格", kind="document", timeout=30)
    assert t("stats.fig.covered_households") in {
        row[0] for row in workbook_of(document)[t("export.sheet.summary")]}
    await coordinator.expect_nothing(within=1.0)
    sent = [m for m in coordinator.messages if m.kind in ("photo", "document")]
    assert [m.plain for m in sent if "服务内容和服务方式" in m.plain] == [chart.plain]
    assert [m.kind for m in sent].count("document") == 1
    assert not any(t("export.failed") in m.plain for m in coordinator.messages)
    tries = [name for name, _ in api.calls if name in ("sendPhoto", "sendDocument")]
    assert tries.count("sendDocument") == 3 and tries.count("sendPhoto") >= 3


async def test_the_command_line_export(bot: BotProcess) -> None:
    seed(bot)
    out = bot.workdir / "q4.xlsx"
    code, said = await bot.cli("export", "--from", "2026-10-01", "--to", "2026-12-31", str(out))
    assert code == 0, said
    book = load_workbook(out, read_only=True)
    summary = {r[0]: r[1:] for r in book[book.sheetnames[0]].iter_rows(values_only=True)}
    assert summary[t("stats.fig.covered_households")] == (3, 3)
    assert summary[t("stats.fig.person_times")] == (8, 6)
    homes = list(book[t("export.sheet.households")].iter_rows(values_only=True))
    assert t("export.col.phone") not in homes[0]
    csv_out = bot.workdir / "q4.zip"
    code, said = await bot.cli("export", "--from", "2026-10-01", "--to", "2026-12-31",
                               "--format", "csv", "--with-contacts", str(csv_out))
    assert code == 0, said
    with zipfile.ZipFile(csv_out) as zipped:
        name = next(n for n in zipped.namelist() if t("export.sheet.households") in n)
        assert "东门路1号" in zipped.read(name).decode("utf-8-sig")
    code, said = await bot.cli("export", "--from", "2026-12-31", "--to", "2026-10-01",
                               str(out))
    assert code == 1 and "--from is after --to" in said
    code, said = await bot.cli("export", "--from", "2026-02-30", "--to", "2026-10-01",
                               str(out))
    assert code == 1 and "no such date" in said
    with bot.db() as conn:
        actors = [r[0] for r in conn.execute("SELECT actor_id FROM audit WHERE action = "
                                             "'export'")]
    assert actors == [None, None]


async def test_export_dates_it_cannot_read_are_answered_with_how_to_send_export(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    await coordinator.send("/export last week")
    hint = await coordinator.expect("日期没看懂")
    assert hint.plain == t("export.problem_format")
    assert "/export 2026-01-01 2026-03-31" in hint.plain and "/stats" not in hint.plain
    await coordinator.send("/stats last week")
    hint = await coordinator.expect("日期没看懂")
    assert "/stats 2026-01-01 2026-03-31" in hint.plain
    await coordinator.send("/export 2026-03-31 2026-01-01")
    await coordinator.expect(t("stats.problem.reversed"))


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_export_audit_sheet_names_every_entry_in_the_exporters_words(
        bot: BotProcess, api: FakeBotApi, lang: str) -> None:
    """The audit sheet says who did what to what, as /audit does, in the exporting
    coordinator's language: the household by its name, the system's anonymising run by how
    many it anonymised; no object types or raw ids."""
    seed(bot)
    with bot.db() as conn:
        conn.execute("INSERT INTO audit (at, actor_id, action, object_type, object_id, detail) "
                     "VALUES (?, NULL, 'erase.reports', 'report', '', '{\"anonymised\": 2}')",
                     (data.utc("2026-11-02 03:00"),))
        conn.commit()
    name = "王协调" if lang == "zh" else "Wang"
    coordinator = api.user(COORDINATOR_ID, name, language_code="zh-hans" if lang == "zh"
                           else "en")
    await coordinator.send("/export 2026-10-01 2026-12-31")
    await coordinator.expect("2026-10-01")
    await coordinator.press(t("export.button.xlsx", lang))
    document = await coordinator.expect("", kind="document", timeout=30)
    sheet = workbook_of(document)[t("export.sheet.audit", lang)]
    assert sheet[0] == tuple(t(f"export.col.{c}", lang)
                             for c in ("at", "actor", "action", "about", "detail"))
    anonymised = "（2 条）" if lang == "zh" else "(2 reports)"
    assert [row[:4] for row in sheet[1:]] == [
        ("2026-11-01 10:00", name, t("audit.action.view.household", lang), "张大爷"),
        ("2026-11-02 03:00", t("audit.system", lang), t("audit.action.erase.reports", lang),
         anonymised)]
    codes = {"household", "report", "view.household", "erase.reports", "1"}
    assert not any(str(cell) in codes for row in sheet for cell in row)
