"""End to end: aid given from a case being worked (a report a worker holds), before the person is
in the registry; it counts toward /funds and the case view shows it; nobody else's case."""

from __future__ import annotations

from tests.conftest import BotProcess
from tests.e2e import helpers_triage
from tests.e2e.reporting import label, submit_report
from tests.e2e.test_households import HEADER, import_csv
from tests.rig.server import FakeBotApi, FakeUser

TAKE = label("zh", "triage.button.take")


async def test_a_worker_records_aid_from_a_case_they_hold(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    helpers_triage.add_worker(bot, 7001, "陈社工")
    helpers_triage.add_worker(bot, 7003, "王社工", area="翠竹社区")
    await import_csv(bot, HEADER + "LH-1,张大爷,东门社区,东门路12号,1,独居老人,7001,2025-01-01\n"
                     + "LH-2,李阿婆,翠竹社区,翠竹路8号,2,低保,7003,2025-01-01\n"
                     + "LH-3,钱叔,翠竹社区,翠竹路9号,1,低保,7003,2025-01-01\n")
    chen = api.user(7001, "陈社工", language_code="zh-hans")
    wang = api.user(7003, "王社工", language_code="zh-hans")
    ref = await submit_report(resident, phone=None)
    report_id = int(ref[2:])
    await chen.expect(rf"新求助.*{ref}")
    await chen.press(TAKE)
    await chen.expect(rf"{ref} 由您负责了")

    await chen.send("/aid")
    ask = await chen.expect("给哪一户")
    assert ask.labels == ["张大爷", f"📋 {ref} · 👵 独居老人"]
    await chen.press(f"📋 {ref} · 👵 独居老人")
    await chen.expect(f"个案 {ref}（👵 独居老人）")
    await chen.press("💵 现金")
    await chen.send("500")
    await chen.press("区慈善会（大爱罗湖）")
    await chen.press("临时救助")
    await chen.press("今天")
    await chen.press("跳过")
    summary = await chen.expect("请核对一下")
    assert f"服务对象：个案 {ref}（👵 独居老人）" in summary.plain
    await chen.press("✅ 保存")
    await chen.expect("已保存")

    # Someone who does not hold the case cannot record aid from it, even with forged buttons.
    await wang.send("/aid")
    ask = await wang.expect("给哪一户")
    assert ask.labels == ["李阿婆", "钱叔"]
    assert "不在您手上" in await wang.press_data(f"ad:c:{report_id}")
    await wang.send("/cancel")

    # The case view shows it; /funds counts it.
    await chen.press_data(f"cs:view:{report_id}")
    view = await chen.expect("救助记录")
    assert "救助记录（共 1 笔，合计 500.00 元）" in view.plain
    assert "500.00 元 · 临时救助 · 区慈善会（大爱罗湖）" in view.plain
    await coordinator.send("/funds")
    funds = await coordinator.expect("资金来源")
    assert "合计 500.00 元" in funds.plain
    with bot.db() as conn:
        rows = conn.execute("SELECT household_id, report_id, amount_fen FROM aid").fetchall()
        assert [tuple(r) for r in rows] == [(None, report_id, 50_000)]
        assert conn.execute("SELECT object_type FROM audit WHERE action = 'aid.add'"
                            ).fetchone()[0] == "report"
