"""End to end: the service file shows the wellbeing trend from the scores logged with contacts."""

from __future__ import annotations

from tests.conftest import BotProcess
from tests.e2e.test_households import HEADER, add_worker, household_id, import_csv
from tests.rig.server import FakeBotApi

STAMP = "2026-11-01T00:00:00.000000+00:00"


def contact(bot: BotProcess, household: int, day: str, score: int | None,
            deleted: bool = False) -> None:
    with bot.db() as conn:
        conn.execute("INSERT INTO contacts (household_id, worker_id, kind, day, wellbeing, "
                     "created_at, updated_at, deleted) VALUES (?, 7001, 'visit', ?, ?, ?, ?, ?)",
                     (household, day, score, STAMP, STAMP, int(deleted)))
        conn.commit()


async def test_the_service_file_shows_the_wellbeing_trend_in_both_languages(
        bot: BotProcess, api: FakeBotApi) -> None:
    add_worker(bot, 7001, "陈社工", "zh")
    add_worker(bot, 7002, "Liu", "en")
    await import_csv(bot, HEADER + "LH-1,张大爷,东门社区,东门路12号,1,独居老人,7001,2025-01-01\n"
                     + "LH-2,李阿婆,东门社区,东门路14号,1,低保,7002,2025-01-01\n")
    chen = api.user(7001, "陈社工", language_code="zh-hans")
    liu = api.user(7002, "Liu", language_code="en")
    zhang, li = household_id(bot, "LH-1"), household_id(bot, "LH-2")
    await chen.send("/households")
    await chen.expect("张大爷")
    await chen.press_data(f"hf:{zhang}")
    file = await chen.expect("服务档案 · 张大爷")
    assert "状况评分" not in file.plain  # no score yet: no line

    contact(bot, zhang, "2026-09-02", 3)
    contact(bot, zhang, "2026-09-20", None)  # a visit without a score is not a point
    contact(bot, zhang, "2026-10-05", 1, deleted=True)  # a deleted contact neither
    contact(bot, zhang, "2026-10-08", 4)
    contact(bot, zhang, "2026-11-10", 4)
    await chen.press_data(f"hf:{zhang}")
    file = await chen.expect("服务档案 · 张大爷")
    assert "状况评分（最近几次，1 很差 5 很好）：3 → 4 → 4 ↑ 好转" in file.plain

    contact(bot, li, "2026-10-01", 4)
    contact(bot, li, "2026-11-01", 2)
    await liu.send("/households")
    await liu.expect("李阿婆")
    await liu.press_data(f"hf:{li}")
    file = await liu.expect("Service file")
    assert "Wellbeing (last scores, 1 very poor, 5 very good): 4 → 2 ↓ worse" in file.plain
