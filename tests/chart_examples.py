"""Fixed data sets for the digest's charts, and the renders saved under docs/charts/.

Regenerate the pictures with `python -m tests.chart_examples docs/charts`; pass
`--font PATH` (a Noto Sans CJK .ttc, for instance from the fonts-noto-cjk package) to draw
Chinese names on a machine where that font is not installed.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bot.config import SUPPORTED_LANGUAGES
from bot.domain.cadence import DEFAULT_PROGRAM, ContactKind, ContactRecord, Tenure, obligations
from bot.domain.digest import Item
from bot.i18n import Catalog
from bot.services import charts

TODAY = date(2026, 5, 20)  # a little over half of Q2 2026 gone
EARLY = date(2026, 4, 6)  # Q2 a few days old: the digest shows Q1 instead
SINCE = date(2024, 1, 1)
COMMUNITIES = ("东门社区", "翠竹社区", "黄贝社区", "桂园社区", "南湖社区", "莲塘社区",
               "笋岗社区", "清水河社区")


def services() -> Any:
    """Just what the chart functions use: the catalogs."""
    return SimpleNamespace(catalog=Catalog.load(SUPPORTED_LANGUAGES, "zh"))


def household(hid: int, worker: int, area: str | None, today: date,
              contacts: list[ContactRecord]) -> list[Item]:
    """One household's obligations under the default programme, paired since SINCE."""
    owed = obligations(DEFAULT_PROGRAM, [Tenure(hid, worker, SINCE, None)], contacts, today,
                       history_periods=8)
    return [Item(hid, f"H{hid:03d}", hid, area, 1, "一对一", o) for o in owed]


def history(hid: int, today: date, done: Callable[[int, int], bool]) -> list[ContactRecord]:
    """A visit in every quarter since SINCE where done(household, quarter index) says so."""
    out: list[ContactRecord] = []
    for n in range(40):
        day = date(SINCE.year + n // 4, n % 4 * 3 + 1, 21)
        if day > today:
            break
        if done(hid, n):
            out += [ContactRecord(day, ContactKind.VISIT), ContactRecord(day, ContactKind.DEED)]
    return out


def dataset(households: int, areas: int, workers: int, today: date,
            done: Callable[[int, int], bool]) -> list[Item]:
    """Households spread over areas and workers, with contacts where done() says."""
    names = [COMMUNITIES[a] if a < len(COMMUNITIES) else f"第{a + 1}社区"
             for a in range(areas)]
    items: list[Item] = []
    for hid in range(1, households + 1):
        items += household(hid, 7000 + hid % workers, names[hid % areas], today,
                           history(hid, today, done))
    return items


def _progress(hid: int, quarter: int) -> bool:
    """Better every quarter, and some communities behind the others."""
    return (hid * 37 + quarter * 11) % 100 < 20 + 5 * quarter - 25 * (hid % 8 in (1, 4))


@dataclass(frozen=True)
class Example:
    """One fixed data set and the day it is looked at."""

    name: str
    today: date
    items: list[Item]


def examples() -> list[Example]:
    """Every fixed data set the tests render."""
    return [
        Example("all_done", TODAY, dataset(60, 3, 20, TODAY, lambda h, q: True)),
        Example("none_done", TODAY, dataset(60, 3, 20, TODAY, lambda h, q: False)),
        Example("half_done", TODAY, dataset(60, 3, 20, TODAY, lambda h, q: h % 2 == 0)),
        Example("one_worker", TODAY, dataset(1, 1, 1, TODAY, lambda h, q: q % 2 == 0)),
        Example("workers_400", TODAY, dataset(400, 8, 400, TODAY, _progress)),
        Example("communities_30", TODAY, dataset(300, 30, 60, TODAY, _progress)),
        Example("early_in_quarter", EARLY, dataset(400, 8, 400, EARLY, _progress)),
    ]


def render(example: Example, lang: str) -> list[tuple[str, bytes, str]]:
    """(file name, PNG, caption) for every picture of the example's digest."""
    found = charts.board_charts(services(), lang, example.items, example.today)
    out = [(f"{example.name}-{lang}-{n}.png", png, caption)
           for n, (png, caption) in enumerate(found, start=1)]
    trend = charts.trend_from(services(), lang, example.items, example.today)
    if trend is not None:
        out.append((f"{example.name}-{lang}-trend.png", *trend))
    return out


def main() -> None:
    """Write every example's pictures and captions into a folder."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--font", type=Path, action="append", default=[],
                        help="a font file to use, e.g. NotoSansCJK-Regular.ttc")
    parser.add_argument("--only", help="render only examples whose name contains this")
    args = parser.parse_args()
    if args.font:
        from matplotlib import font_manager

        from bot.charts import cjk_font

        for path in args.font:
            font_manager.fontManager.addfont(str(path))
        cjk_font.cache_clear()
    args.folder.mkdir(parents=True, exist_ok=True)
    lines = ["# Example charts", "",
             "Rendered by `python -m tests.chart_examples docs/charts` from the fixed data "
             "sets in `tests/chart_examples.py` (the tests render the same ones).", ""]
    for example in examples():
        if args.only and args.only not in example.name:
            continue
        lines += [f"## {example.name} ({example.today})", ""]
        for lang in ("zh", "en"):
            for name, png, caption in render(example, lang):
                (args.folder / name).write_bytes(png)
                lines += [f"![{name}]({name})", "", "> " + caption.replace("\n", "  \n> "), ""]
    if not args.only:
        (args.folder / "README.md").write_text("\n".join(lines), "utf-8")


if __name__ == "__main__":
    main()
