"""The /stats chart: services given and kinds of contact, this period beside the one before.

Drawn with matplotlib's Agg backend into PNG bytes, in the font bot.charts finds for Chinese;
without one the bars are numbered and the caller prints the legend (see bot.charts).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from bot.charts import cjk_font
from bot.charts.style import DRAWING
from bot.charts.style import numbered as needs_numbers

MAX_ROWS = 20


def comparison_png(rows: Sequence[tuple[str, int, int]], labels: tuple[str, str],
                   title: str = "") -> tuple[bytes, bool]:
    """Horizontal bars, two per row (this period, the one before), as PNG bytes.

    rows: (label, now, before), drawn top to bottom; labels: the legend of the two bars.
    Returns (png, numbered) as bot.charts.coverage_png does.
    """
    shown = list(rows[:MAX_ROWS])
    names = [name for name, _, _ in shown]
    numbered = needs_numbers([*names, *labels])
    if numbered:
        names = [f"#{n}" for n in range(1, len(shown) + 1)]
    # Drawn with matplotlib's defaults: never while another chart has changed them.
    with DRAWING:
        return _draw(shown, names, labels, title, numbered), numbered


def _draw(shown: Sequence[tuple[str, int, int]], names: Sequence[str], labels: tuple[str, str],
          title: str, numbered: bool) -> bytes:
    """The bars as PNG bytes (names: what each row is called on the chart)."""
    font = cjk_font() or "sans-serif"
    from matplotlib.figure import Figure  # Agg-backed on its own; no pyplot, no GUI

    height = max(2.5, 0.45 * len(shown) + 1.4)
    figure = Figure(figsize=(7.5, height), dpi=100)
    axes = figure.add_subplot()
    positions = list(range(len(shown)))
    now = [n for _, n, _ in shown]
    before = [b for _, _, b in shown]
    axes.barh([p - 0.2 for p in positions], now, height=0.4, color="#2e86c1", label=labels[0])
    axes.barh([p + 0.2 for p in positions], before, height=0.4, color="#aed6f1",
              label=labels[1])
    axes.set_yticks(positions, names, fontfamily=font)
    axes.invert_yaxis()
    top = max([*now, *before, 1])
    axes.set_xlim(0, top * 1.15)
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts, never halves
    for y, value in zip(positions, now, strict=True):
        axes.text(value + top * 0.01, y - 0.2, str(value), va="center", fontsize=8)
    if not numbered:
        # A list: a lone string would be read as a fontconfig pattern, and "sans-serif" fails.
        axes.legend(prop={"family": [font]}, loc="lower right")
        if title:
            axes.set_title(title, fontfamily=font)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
