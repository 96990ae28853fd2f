"""End to end: a long /funds full of markup-like names arrives, page by page (Telegram would
refuse HTML cut in the middle of an entity with 400 "can't parse entities")."""

from __future__ import annotations

from bot.botapi.html import HtmlError, parse_html
from tests.conftest import BotProcess
from tests.rig.server import FakeBotApi, FakeUser
from tests.use_cases import catalog

NASTY = "<b>&amp;</b>&<&>"
SEEDED = ["区慈善会（大爱罗湖）", "街道慈善基金", "社区基金", "爱心企业捐赠", "政府救助"]


def names_a_naive_cut_breaks(year: int) -> list[str]:
    """Fund names for which /funds cut at 4,000 characters would split an entity."""
    zh = catalog()
    for pad in range(40):
        names = [f"{NASTY}{'x' * pad}{n:03d}{NASTY}" for n in range(200)]
        lines = [zh.t("zh", "funds.title", year=year, amount="0.00", households=0)]
        lines += [zh.t("zh", "funds.line", name=name, amount="0.00", households=0)
                  for name in SEEDED + names]
        try:
            parse_html("\n".join(lines)[:4000])
        except HtmlError:
            return names
    raise AssertionError("no padding makes the naive cut break: the test proves nothing")


async def test_funds_with_markup_in_their_names_over_the_limit_arrive_whole(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    names = names_a_naive_cut_breaks(bot.today().year)
    with bot.db() as conn:
        conn.executemany("INSERT INTO funds (name, created_at) VALUES (?, ?)",
                         [(name, bot.now().isoformat()) for name in names])
        conn.commit()
    await coordinator.send("/funds")
    funds = await coordinator.expect("资金来源")
    # 205 funds, 20 a page: the five seeded ones and the first fifteen names come first.
    assert names[0] in funds.plain and names[14] in funds.plain and names[15] not in funds.plain
    assert funds.plain.rstrip().endswith("第 1/11 页") and len(funds.plain) < 4096
    await coordinator.press("下一页 ▶", in_message=funds)
    page = await coordinator.expect("第 2/11 页")
    assert names[15] in page.plain and names[34] in page.plain
    await coordinator.send("/start")
    await coordinator.expect("管理员")
