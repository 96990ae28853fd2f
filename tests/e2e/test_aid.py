"""End to end: /aid records cash and in-kind aid in both languages, the service file shows it,
/funds shows this year's totals, and bad amounts, retired funds and forged ids are refused."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import BotProcess
from tests.e2e.test_households import HEADER, add_worker, household_id, import_csv
from tests.rig.server import FakeBotApi, FakeUser

WORDS = {
    "zh": {"kind": "这笔救助是什么形式", "cash": "💵 现金", "goods": "📦 实物",
           "amount": "金额是多少元", "what": "发了什么物资", "count": "一共多少份",
           "fund": "从哪里出", "purpose": "用在哪方面", "day": "是哪天发的", "yesterday": "昨天",
           "note": "还有要补充", "skip": "跳过", "summary": "请核对一下",
           "confirm": "✅ 保存", "saved": "已保存", "file": "服务档案"},
    "en": {"kind": "what kind of aid", "cash": "💵 Cash", "goods": "📦 In kind",
           "amount": "How many yuan", "what": "What goods", "count": "How many",
           "fund": "Which fund", "purpose": "What is it for", "day": "Which day",
           "yesterday": "Yesterday", "note": "Anything to add", "skip": "Skip",
           "summary": "Please check", "confirm": "✅ Save", "saved": "Saved",
           "file": "Service file"},
}


async def record_aid(worker: FakeUser, lang: str, *, amount: str, fund: str, purpose: str,
                     goods: tuple[str, str] | None = None) -> str:
    """/aid for the worker's only household, dated yesterday; the summary's text."""
    words = WORDS[lang]
    await worker.send("/aid")
    await worker.expect(words["kind"])
    await worker.press(words["goods"] if goods else words["cash"])
    await worker.expect(words["amount"])
    await worker.send(amount)
    if goods:
        await worker.expect(words["what"])
        await worker.send(goods[0])
        await worker.expect(words["count"])
        await worker.send(goods[1])
    await worker.expect(words["fund"])
    await worker.press(fund)
    await worker.expect(words["purpose"])
    await worker.press(purpose)
    await worker.expect(words["day"])
    await worker.press(words["yesterday"])
    await worker.expect(words["note"])
    await worker.press(words["skip"])
    summary = await worker.expect(words["summary"])
    await worker.press(words["confirm"])
    await worker.expect(words["saved"])
    return summary.plain


async def setup(bot: BotProcess, api: FakeBotApi) -> tuple[FakeUser, FakeUser]:
    """陈社工 (zh) paired with 张大爷 only; Liu (en) with 李阿婆 only."""
    add_worker(bot, 7001, "陈社工", "zh")
    add_worker(bot, 7002, "Liu", "en")
    await import_csv(bot, HEADER
                     + "LH-1,张大爷,东门社区,东门路12号,1,独居老人,7001,2025-01-01\n"
                     + "LH-2,李阿婆,翠竹社区,翠竹路8号,2,低保,7002,2025-01-01\n")
    return (api.user(7001, "陈社工", language_code="zh-hans"),
            api.user(7002, "Liu", language_code="en"))


def aid_rows(bot: BotProcess) -> list[tuple[int, str, int, int]]:
    with bot.db() as conn:
        return [tuple(r) for r in conn.execute(
            "SELECT household_id, kind, amount_fen, deleted FROM aid ORDER BY id")]


async def test_workers_record_cash_and_goods_in_both_languages_and_see_it_in_the_file(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    chen, liu = await setup(bot, api)
    day = (bot.today() - timedelta(days=1)).isoformat()
    summary = await record_aid(chen, "zh", amount="1,280.50", fund="区慈善会（大爱罗湖）",
                               purpose="医疗")
    assert "服务对象：张大爷" in summary and "金额：1,280.50 元" in summary
    assert f"日期：{day}" in summary
    await record_aid(chen, "zh", amount="300", fund="社区基金", purpose="生活",
                     goods=("大米、食用油", "20袋"))
    await record_aid(liu, "en", amount="¥200", fund="政府救助", purpose="Housing")
    summary = await record_aid(liu, "en", amount="88.8", fund="爱心企业捐赠",
                               purpose="Living costs", goods=("Winter quilt", "2"))
    assert "Goods: Winter quilt × 2" in summary and "Amount: 88.80 yuan" in summary

    mine, theirs = household_id(bot, "LH-1"), household_id(bot, "LH-2")
    assert aid_rows(bot) == [(mine, "cash", 128050, 0), (mine, "in_kind", 30000, 0),
                             (theirs, "cash", 20000, 0), (theirs, "in_kind", 8880, 0)]

    await chen.press_data(f"hf:{mine}")
    file = await chen.expect("服务档案 · 张大爷")
    assert "救助记录（共 2 笔，合计 1,580.50 元）" in file.plain
    assert f"{day} 💵 现金 1,280.50 元 · 医疗 · 区慈善会（大爱罗湖）" in file.plain
    assert "物资：大米、食用油 × 20" in file.plain
    await liu.press_data(f"hf:{theirs}")
    file = await liu.expect("Service file · 李阿婆")
    assert "Aid (2 entries, 288.80 yuan in all)" in file.plain
    assert "Goods: Winter quilt × 2" in file.plain

    # The coordinator's /funds: this year's totals per fund and households reached.
    await coordinator.send("/funds")
    funds = await coordinator.expect("资金来源")
    assert "2026 年已发放，合计 1,869.30 元，惠及 2 户" in funds.plain
    assert "区慈善会（大爱罗湖）：1,280.50 元，1 户" in funds.plain
    assert "社区基金：300.00 元，1 户" in funds.plain
    assert "街道慈善基金：0.00 元，0 户" in funds.plain

    # /stats counts the same aid for the year, by fund.
    await coordinator.send("/stats 2026-01-01 2026-12-31")
    figures = await coordinator.expect("救助", timeout=30)
    assert "救助：共 1,869.30 元，4 笔，惠及 2 户" in figures.plain
    assert "区慈善会（大爱罗湖）：1,280.50 元，1 户" in figures.plain
    # …and the period's export lists each payment, to the fen.
    workbook = bot.workdir / "year.xlsx"
    code, out = await bot.cli("export", "--from", "2026-01-01", "--to", "2026-12-31",
                              str(workbook))
    assert code == 0, out
    from openpyxl import load_workbook
    paid = list(load_workbook(workbook, read_only=True)["救助"].iter_rows(values_only=True))[1:]
    assert len(paid) == 4
    assert sum(round(float(str(r[3])) * 100) for r in paid) == 186930

    # Workers keep away from /funds.
    await chen.send("/funds")
    await chen.expect("只对管理员开放")
    assert "只对管理员开放" in await chen.press_data("fu:ret:1")


async def test_bad_amounts_large_amounts_and_corrections(bot: BotProcess,
                                                         api: FakeBotApi) -> None:
    chen, liu = await setup(bot, api)
    await chen.send("/aid")
    await chen.expect("这笔救助是什么形式")
    await chen.press("💵 现金")
    await chen.expect("金额是多少元")
    for typed, said in (("1.234", "最多到分"), ("0", "不能是 0"), ("-50", "不能是负数"),
                        ("五百", "不像金额"), ("200000000", "太大了")):
        await chen.send(typed)
        await chen.expect(said)
    await chen.send("128050")  # 1280.50 with the decimal point missed
    await chen.expect("128,050.00 元.*超过了 1 万元")
    await chen.press("重新输入")
    await chen.expect("金额是多少元")
    await chen.send("2000000")
    await chen.expect("超过了 1 万元")
    await chen.press("没错，就是这个数")
    await chen.expect("从哪里出")
    await chen.send("/cancel")
    await chen.expect("这笔救助没有保存")
    assert aid_rows(bot) == []

    await record_aid(chen, "zh", amount="100", fund="街道慈善基金", purpose="临时救助")
    saved = chen.last_message
    assert saved is not None
    mine = household_id(bot, "LH-1")
    with bot.db() as conn:
        aid_id = conn.execute("SELECT id FROM aid").fetchone()[0]
    # Someone else cannot delete it, even with forged data.
    await liu.send("/start")
    await liu.expect("")
    await liu.press_data(f"ax:del:{aid_id}")
    await liu.press_data(f"ax:fix:{aid_id}")
    await liu.expect_nothing()
    assert aid_rows(bot)[0][3] == 0
    # Redo: the new entry replaces the old one.
    await chen.press("✏️ 重记", in_message=saved)
    await chen.expect("这笔救助是什么形式")
    await chen.press("💵 现金")
    await chen.expect("金额是多少元")
    await chen.send("120")
    for question, tap in (("从哪里出", "街道慈善基金"), ("用在哪方面", "临时救助"),
                          ("是哪天发的", "今天"), ("还有要补充", "跳过"),
                          ("请核对一下", "✅ 保存")):
        await chen.expect(question)
        await chen.press(tap)
    redone = await chen.expect("已保存")
    assert "原来那笔作废" in redone.plain
    assert [(r[2], r[3]) for r in aid_rows(bot)] == [(10000, 1), (12000, 0)]
    await chen.press("🗑 删除", in_message=redone)
    await chen.press("✅ 确定删除", in_message=await chen.expect("确定要删掉"))
    await chen.expect("这笔救助已删除")
    assert [r[3] for r in aid_rows(bot)] == [1, 1]
    await chen.press_data(f"hf:{mine}")
    file = await chen.expect("服务档案 · 张大爷")
    assert "救助记录（共 0 笔，合计 0.00 元）" in file.plain


async def test_forged_household_and_retired_fund_are_refused(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    chen, _ = await setup(bot, api)
    await import_csv(bot, HEADER + "LH-3,王小明,东门社区,东门路20号,2,困境儿童,7001,2025-01-01\n")
    theirs = household_id(bot, "LH-2")
    await chen.send("/aid")
    await chen.expect("给哪一户")
    assert "不是您结对的" in await chen.press_data(f"ad:h:{theirs}")
    await chen.send("李阿婆")
    await chen.expect("没找到名字里有“李阿婆”")
    assert aid_rows(bot) == []
    await chen.send("王")
    await chen.expect("王小明：这笔救助是什么形式")
    await chen.press("💵 现金")
    await chen.expect("金额是多少元")
    await chen.send("50")
    await chen.expect("从哪里出")

    # Meanwhile the coordinator retires 社区基金 and adds a donor's fund.
    await coordinator.send("/funds")
    await coordinator.expect("资金来源")
    await coordinator.press("停用：社区基金")
    await coordinator.expect("确定停用")
    await coordinator.press("确定停用")
    await coordinator.expect("已停用资金来源 社区基金")
    await coordinator.send("/funds")
    await coordinator.expect("社区基金（已停用）")
    await coordinator.press("➕ 新增资金来源")
    await coordinator.expect("新的资金来源叫什么")
    await coordinator.send("某某公司爱心捐赠")
    await coordinator.expect("已新增资金来源：某某公司爱心捐赠")

    # The worker's old button for the retired fund is refused; the list is asked again.
    assert "已经停用" in await chen.press("社区基金")
    await chen.expect("从哪里出")  # the old question loses its buttons
    fresh = await chen.expect("从哪里出")
    assert "社区基金" not in fresh.labels and "某某公司爱心捐赠" in fresh.labels
    await chen.press("某某公司爱心捐赠")
    await chen.expect("用在哪方面")
    await chen.send("/cancel")
    await chen.expect("没有保存")

    # A resident has no /aid, and forged aid buttons do nothing.
    await resident.send("/aid")
    await resident.expect("只对社工开放")
    await resident.press_data("ax:del:1")
    assert aid_rows(bot) == []


async def test_a_day_written_with_hao_is_taken(bot: BotProcess, api: FakeBotApi) -> None:
    chen, _ = await setup(bot, api)
    await chen.send("/aid")
    await chen.press("💵 现金")
    await chen.expect("金额是多少元")
    await chen.send("500")
    for question, tap in (("从哪里出", "政府救助"), ("用在哪方面", "医疗")):
        await chen.expect(question)
        await chen.press(tap)
    await chen.expect("是哪天发的")
    await chen.send("11月15号")  # as most people write a date
    await chen.expect("还有要补充")
    await chen.press("跳过")
    assert "日期：2026-11-15" in (await chen.expect("请核对一下")).plain
    await chen.press("✅ 保存")
    await chen.expect("已保存")
    with bot.db() as conn:
        assert conn.execute("SELECT day FROM aid").fetchone()[0] == "2026-11-15"


async def test_a_coordinator_records_aid_for_any_household_by_name(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    await setup(bot, api)
    await coordinator.send("/aid")
    await coordinator.expect("请发服务对象的名字")
    await coordinator.send("李阿")
    await coordinator.expect("李阿婆：这笔救助是什么形式")
    await coordinator.press("🏥 代缴代付（如医药费）")
    await coordinator.expect("金额是多少元")
    await coordinator.send("3600元")
    for question, tap in (("从哪里出", "政府救助"), ("用在哪方面", "医疗"), ("是哪天发的", "今天"),
                          ("还有要补充", "跳过"), ("请核对一下", "✅ 保存")):
        await coordinator.expect(question)
        await coordinator.press(tap)
    await coordinator.expect("已保存：李阿婆，.*代缴代付.*3,600.00 元（政府救助）")
    assert aid_rows(bot) == [(household_id(bot, "LH-2"), "on_behalf", 360000, 0)]
    with bot.db() as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit WHERE action = 'aid.add'")]
    assert actions == ["aid.add"]


async def test_with_no_fund_to_choose_aid_is_refused_before_anything_is_typed(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    """Aid cannot be saved without a fund: /aid says so at once (and who adds one), instead
    of after the household, the kind and the amount were given."""
    chen, _ = await setup(bot, api)
    with bot.db() as conn:
        conn.execute("UPDATE funds SET retired = 1")
        conn.commit()
    await chen.send("/aid")
    told = await chen.expect("资金来源")
    assert "暂时记不了救助" in told.plain and "/funds" in told.plain and not told.labels
    await coordinator.send("/aid")
    assert "请先发 /funds 添加" in (await coordinator.expect("资金来源")).plain
    with bot.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM flows").fetchone()[0] == 0
