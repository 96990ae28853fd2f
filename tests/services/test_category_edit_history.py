"""Editing a household's categories changes which programmes hold it from that day on, never
in a finished period: a past quarter's figures, the digest's missed list and /overdue stay as
they were reported, while the running quarter follows the edit.

Driven through the use cases (bot/services/household_edits, figures, digest, overdue,
obligations) over a real SQLite file: four households paired in January 2026 under the
one-to-one programme, limited to orphans from that day. On 10 October 2026 (Q3 just ended)
张大爷 is found to be no orphan, and 王家 and 孙家 are found to be orphans.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.domain import figures as fg
from bot.domain.cadence import ContactKind
from bot.domain.households import Category, HouseholdInput
from bot.services import digest, household_edits, obligations, overdue
from bot.services import figures as service
from bot.services.context import Services
from storage.db import Database
from tests.services import test_past_figures as past_figures
from tests.services.test_past_figures import (
    COORD,
    COORDINATOR,
    JANUARY,
    Q3,
    A,
    B,
    household,
    kept,
    log,
    sheet_rows,
)
from tests.services.test_program_limit_history import limit
from tests.use_cases import services_for

EDITED = datetime(2026, 10, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, early in Q4
TODAY = date(2026, 10, 10)
Q4 = fg.Span(date(2026, 10, 1), date(2026, 12, 31))

db = past_figures.db  # the same two workers of 东门社区, in January 2026

At = Callable[[datetime], Services]


@pytest.fixture
def at(db: Database) -> At:
    """The use cases with the clock stopped at a moment."""
    return lambda now: services_for(db, now, coordinators=str(COORDINATOR))


async def district(at: At) -> dict[str, int]:
    """张大爷 (an orphan, A) called in Q3 and on 5 October; 李奶奶 (an orphan, B) never
    called; 王家 and 孙家 (低保, B) never called. The programme holds orphans only."""
    found = {"张大爷": await household(at, "张大爷", 1, A, Category.ORPHAN),
             "李奶奶": await household(at, "李奶奶", 1, B, Category.ORPHAN),
             "王家": await household(at, "王家", 4, B),
             "孙家": await household(at, "孙家", 3, B)}
    await limit(at, JANUARY, Category.ORPHAN.value)
    await log(at, found["张大爷"], A, ContactKind.CALL, date(2026, 8, 1))
    await log(at, found["张大爷"], A, ContactKind.CALL, date(2026, 10, 5))
    return found


async def recategorise(at: At, household_id: int, name: str, size: int,
                       *categories: Category) -> None:
    """A coordinator edits the household's categories today (EDITED)."""
    data = HouseholdInput(name, 1, "东门路12号", size, categories[0], categories=categories)
    edited = await household_edits.edit(at(EDITED), COORDINATOR, household_id, data, EDITED)
    assert edited is not None and edited.categories == categories


def missed_names(found: digest.DigestInput) -> set[str]:
    return {item.household_name for _, items in found.data.missed for item in items}


async def test_a_past_quarter_keeps_its_figures_after_categories_are_edited_today(
        at: At, db: Database, tmp_path: Path) -> None:
    found = await district(at)
    before = (await service.stats(at(EDITED), COORD, Q3)).now
    digest_before = await digest.gather(at(EDITED), TODAY)
    overdue_before = (await overdue.overdue(at(EDITED), TODAY)).missed
    await service.export(at(EDITED), COORD, Q3, service.Format.XLSX, False,
                         tmp_path / "a.xlsx", "en")
    # Q3: 张大爷's call met, 李奶奶's missed; 王家 and 孙家 were not held (not orphans).
    assert kept(before)["call"] == (1, 0, 1)
    assert before.pairs.by_program[1].households == 2
    assert missed_names(digest_before) == {"张大爷", "李奶奶"}  # H1's visit, Q3's call
    assert {i.household_name for i in overdue_before} == {"张大爷", "李奶奶"}

    await recategorise(at, found["张大爷"], "张大爷", 1, Category.DIBAO)
    await recategorise(at, found["王家"], "王家", 4, Category.DIBAO, Category.ORPHAN)
    await recategorise(at, found["孙家"], "孙家", 3, Category.ORPHAN)

    after = (await service.stats(at(EDITED), COORD, Q3)).now
    assert kept(after)["call"] == kept(before)["call"] == (1, 0, 1)
    # The half year and the year overlapping Q3 still run, and follow the edit: 张大爷 no
    # longer owes them from today, 李奶奶 still does, and 王家 and 孙家 came in with less than
    # half of them left (as a pairing begun today would).
    assert (kept(before)["visit"], kept(before)["deed"]) == ((0, 2, 0), (0, 2, 0))
    assert (kept(after)["visit"], kept(after)["deed"]) == ((0, 1, 0), (0, 1, 0))
    assert after.pairs == before.pairs and after.pairs.by_program[1].households == 2
    digest_after = await digest.gather(at(EDITED), TODAY)
    assert digest_after.data.missed == digest_before.data.missed
    assert digest_after.data.missed_count == digest_before.data.missed_count
    assert (await overdue.overdue(at(EDITED), TODAY)).missed == overdue_before
    await service.export(at(EDITED), COORD, Q3, service.Format.XLSX, False,
                         tmp_path / "b.xlsx", "en")
    book = load_workbook(tmp_path / "a.xlsx", read_only=True)
    obligations_sheet = book.sheetnames[6]
    book.close()
    q3_before = [r for r in sheet_rows(tmp_path / "a.xlsx", obligations_sheet)
                 if "Q3" in " ".join(map(str, r))]
    q3_after = [r for r in sheet_rows(tmp_path / "b.xlsx", obligations_sheet)
                if "Q3" in " ".join(map(str, r))]
    assert len(q3_before) == 2 and q3_after == q3_before


async def test_the_running_quarter_follows_the_edit(at: At, db: Database) -> None:
    found = await district(at)
    before = (await service.stats(at(EDITED), COORD, Q4)).now
    assert kept(before)["call"] == (1, 1, 0)  # 张大爷's call of 5 October; 李奶奶's due

    await recategorise(at, found["张大爷"], "张大爷", 1, Category.DIBAO)
    await recategorise(at, found["王家"], "王家", 4, Category.DIBAO, Category.ORPHAN)
    await recategorise(at, found["孙家"], "孙家", 3, Category.ORPHAN)

    # From today the programme holds 李奶奶, 王家 and 孙家: their calls of Q4 are due, and
    # 张大爷, no orphan from today, no longer owes Q4 (his call of 5 October is not counted).
    after = (await service.stats(at(EDITED), COORD, Q4)).now
    assert kept(after)["call"] == (0, 3, 0)
    from_today = (await service.stats(at(EDITED), COORD, fg.Span(TODAY, Q4.end))).now
    assert from_today.pairs.by_program[1].households == 3
    running = {i.household_name for i in await obligations.everyone(db, TODAY)
               if i.obligation.rule.kind is ContactKind.CALL}
    assert running == {"李奶奶", "王家", "孙家"}
    due = await obligations.for_worker(db, B, TODAY)
    assert {h for h, owed in due.items() if any(
        o.period.key == "2026-Q4" for o in owed)} == {found["李奶奶"], found["王家"],
                                                      found["孙家"]}
