"""The digest's "missed" heading names the periods it counts: each rule's last period (calls of
last quarter, visits of last half year, deeds of last year), not one "last period" that reads
like /stats' last quarter."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.services import digest as digests
from storage.db import Database
from tests import figures_data as data
from tests.use_cases import services_for

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


seeded_db = data.seeded_db  # the fixture `db`


async def test_the_missed_heading_names_each_rules_period(db: Database) -> None:
    services = services_for(db, NOW)
    found = await digests.gather(services, data.TODAY)
    # 林社工's call to 王家 in 2026-Q3, and every household's visit in 2026-H1 (paired
    # 2026-01-01, no visit before July); 2025's deeds were not owed yet.
    assert found.data.missed_count == 4
    zh = "\n".join(p.text for p in digests.render_digest(services, "zh", found))
    en = "\n".join(p.text for p in digests.render_digest(services, "en", found))
    assert ("<b>没完成的任务</b>：上季度（2026年第3季度）的电话、上个半年（2026年上半年）的"
            "上门走访、去年（2025年）的实事，共 4 项，按社工列出：") in zh
    assert ("<b>Missed</b>: calls last quarter (Q3 2026), home visits last half year (first "
            "half of 2026), practical deeds last year (2025); 4 in all, by worker:") in en
    # A week with nothing missed says what was done.
    done = replace(found, data=replace(found.data, missed=[], missed_count=0))
    zh = "\n".join(p.text for p in digests.render_digest(services, "zh", done))
    en = "\n".join(p.text for p in digests.render_digest(services, "en", done))
    assert ("👍 上季度（2026年第3季度）的电话、上个半年（2026年上半年）的上门走访、去年（2025年）"
            "的实事都完成了。") in zh
    assert ("👍 Everything due was done: calls last quarter (Q3 2026), home visits last half "
            "year (first half of 2026), practical deeds last year (2025).") in en
