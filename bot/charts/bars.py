"""Stacked horizontal bars: one row per group, each split into met / open / missed.

Bars are shares of the row's obligations (all rows equally long), so the row furthest behind
stands out whatever its size; the counts are written on the segments and the share met at
the end of the row. A row with nothing met gets a hollow diamond at zero, so a 0 is seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from bot.charts.style import (
    FONT_SIZE,
    MET,
    PAINTS,
    SMALL_SIZE,
    TITLE_SIZE,
    Paint,
    drawable,
    figure,
    numbered,
    png,
    short,
    text_size,
    widest,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.transforms import Transform

ROW_IN: Final = 0.42  # inches per row
BAR_HEIGHT: Final = 0.72  # of a row
FRAME_IN: Final = 1.9  # title, legend and axis
MIN_LABEL_SHARE: Final = 0.045  # a count needs this much of the bar per digit to fit
# The frame around the bars, in points (see _frame).
PAD_PT: Final = 3.0  # at the picture's edges
LABEL_PAD_PT: Final = 12.0  # between a row's label and the bars: room for a zero's marker
TITLE_PAD_PT: Final = 8.0  # between the bars and the title, without a legend
TITLE_PAD_LEGEND_PT: Final = 34.0  # with the legend between them
TICK_PT: Final = 7.0  # the x axis' ticks and their pad


@dataclass(frozen=True)
class StackedBars:
    """What one stacked bar chart shows; texts in the reader's language.

    categories: keys of style.PAINTS ("met", "open", "missed") in drawing order;
    legend: the name of each category; rows: a label and one count per category.
    title_ascii: the title drawn instead when `title` cannot be (no CJK font).
    """

    title: str
    title_ascii: str
    categories: Sequence[str]
    legend: Sequence[str]
    rows: Sequence[tuple[str, Sequence[int]]]


def stacked_png(chart: StackedBars) -> tuple[bytes, bool]:
    """The chart as PNG bytes, 1080 px wide, and whether its rows are numbered.

    Rows are numbered (#1, #2, …) when a label cannot be drawn (no CJK font); the caller
    then lists the names in the caption. The legend is drawn only when it can be.
    """
    labels = [label for label, _ in chart.rows]
    is_numbered = numbered(labels)
    shown = ([f"#{n}" for n in range(1, len(labels) + 1)] if is_numbered
             else [short(label) for label in labels])
    height = FRAME_IN + ROW_IN * max(len(chart.rows), 2)
    legend = all(drawable(name) for name in chart.legend)
    title = chart.title if drawable(chart.title) else chart.title_ascii
    with figure(height) as fig:
        axes = fig.add_axes(_frame(fig, shown, title, legend))
        positions = list(range(len(chart.rows)))
        left = [0.0] * len(chart.rows)
        totals = [sum(counts) or 1 for _, counts in chart.rows]
        for index, (key, name) in enumerate(zip(chart.categories, chart.legend, strict=True)):
            paint = PAINTS[key]
            counts = [counts[index] for _, counts in chart.rows]
            widths = [c / t for c, t in zip(counts, totals, strict=True)]
            _segments(axes, positions, left, widths, paint, name if drawable(name) else None)
            for y, count, x, width in zip(positions, counts, left, widths, strict=True):
                if count and width >= MIN_LABEL_SHARE * len(str(count)):
                    axes.text(x + width / 2, y, str(count), ha="center", va="center",
                              color=paint.text, fontweight="bold", in_layout=False,
                              bbox={"boxstyle": "round,pad=0.3", "facecolor": paint.colour,
                                    "edgecolor": "none"} if paint.hatch else None)
            left = [x + w for x, w in zip(left, widths, strict=True)]
        # The counts and shares (in_layout=False) lie inside the axes: the layout need not
        # measure each of them, which was most of a chart's cost with 40 rows.
        _zero_markers(axes, chart)
        for y, (_, row), total in zip(positions, chart.rows, totals, strict=True):
            met = row[0] if chart.categories[0] == "met" else 0
            axes.text(1.015, y, f"{round(100 * met / total)}%", va="center", ha="left",
                      fontweight="bold", in_layout=False)
        _row_labels(fig, axes, shown)
        axes.set_ylim(len(chart.rows) - 0.5, -0.5)  # first row on top, no empty margins
        axes.set_xlim(0, 1.14)
        axes.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0%", "25%", "50%", "75%", "100%"],
                        fontsize=SMALL_SIZE)
        axes.set_yticks([])
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.text(0, 1, title, fontsize=TITLE_SIZE, fontweight="bold", ha="left", va="baseline",
                  transform=axes.transAxes + _points(fig, 0, TITLE_PAD_LEGEND_PT if legend
                                                     else TITLE_PAD_PT))
        if legend:
            axes.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=len(chart.legend),
                        frameon=False, handlelength=1.6, borderaxespad=0.2)
        return png(fig), is_numbered


def _points(fig: Figure, x: float, y: float) -> Transform:
    """A shift by x, y points, to add to a transform."""
    from matplotlib.transforms import ScaledTranslation

    return ScaledTranslation(x / 72, y / 72, fig.dpi_scale_trans)


def _row_labels(fig: Figure, axes: Axes, shown: Sequence[str]) -> None:
    """Each row's name left of its bar, as plain texts: ticks on the y axis would cost as
    much again (a tick is a line and two texts, measured again for the axis label)."""
    where = axes.get_yaxis_transform() + _points(fig, -LABEL_PAD_PT, 0)
    for y, label in enumerate(shown):
        axes.text(0, y, label, ha="right", va="center", transform=where, clip_on=False)


def _frame(fig: Figure, shown: Sequence[str], title: str, legend: bool
           ) -> tuple[float, float, float, float]:
    """Where the bars go (left, bottom, width, height as shares of the figure): room for the
    widest row label, the title and legend above, the percentages below.

    Computed from the font sizes instead of laid out: constrained layout measured every
    label, tick and text of the chart, a quarter of its drawing time."""
    left = PAD_PT + LABEL_PAD_PT + widest(fig, shown, FONT_SIZE)
    _, high, low = text_size(fig, title, TITLE_SIZE, bold=True)
    top = PAD_PT + high - low + (TITLE_PAD_LEGEND_PT if legend else TITLE_PAD_PT)
    bottom = PAD_PT + TICK_PT + text_size(fig, "0%", SMALL_SIZE)[1]
    width_pt, height_pt = (72 * size for size in fig.get_size_inches())
    return (left / width_pt, bottom / height_pt, 1 - (left + PAD_PT) / width_pt,
            1 - (top + bottom) / height_pt)


def _segments(axes: Axes, positions: Sequence[int], left: Sequence[float],
              widths: Sequence[float], paint: Paint, name: str | None) -> None:
    """One category's segment on every row, as axes.barh draws them; the first is named for
    the legend."""
    from matplotlib.patches import Rectangle

    # Added as plain artists: the limits are set by hand, and barh's update of the data
    # limits for every bar was 5 % of a chart's CPU (the pixels are the same).

    for n, (y, x, width) in enumerate(zip(positions, left, widths, strict=True)):
        bar = Rectangle((x, y - BAR_HEIGHT / 2), width, BAR_HEIGHT, facecolor=paint.colour,
                        edgecolor="white", linewidth=1.0, hatch=paint.hatch,
                        label=name if n == 0 and name is not None else "_nolegend_")
        axes.add_artist(bar)


def _zero_markers(axes: object, chart: StackedBars) -> None:
    """A hollow diamond at zero on every row where nothing is met."""
    if not chart.categories or chart.categories[0] != "met":
        return
    zeros = [y for y, (_, counts) in enumerate(chart.rows) if sum(counts) and not counts[0]]
    if zeros:
        axes.plot([0.0] * len(zeros), zeros, linestyle="none",  # type: ignore[attr-defined]
                  marker="D", markersize=11, markerfacecolor="white",
                  markeredgecolor=MET.colour, markeredgewidth=2.5, clip_on=False, zorder=5)
