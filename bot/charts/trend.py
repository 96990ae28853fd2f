"""Small multiples of the share met over the last periods: one panel per programme rule.

Each rule has periods of its own length (quarters, half years, years), so each gets its own
panel and x axis; all share the 0–100 % scale. Every point has a marker, so a 0 % stands
on the floor of the panel and a single known point still shows; the running period's point
is hollow (its share is only so far).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from bot.charts.style import (
    FONT_SIZE,
    LINES,
    SMALL_SIZE,
    drawable,
    figure,
    numbered,
    png,
    short,
    text_size,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PANEL_IN: Final = 2.3
FRAME_IN: Final = 0.9
# The frame around the panels, in points (see _frame).
PAD_PT: Final = 3.0  # at the picture's edges
TICK_PT: Final = 7.0  # an axis' ticks and their pad
TITLE_PAD_PT: Final = 6.0  # between a panel and its title
GAP_PT: Final = 8.0  # between a panel's period labels and the next panel's title
PANEL_TITLE_SIZE: Final = SMALL_SIZE + 2
X_LABEL_SIZE: Final = SMALL_SIZE - 1
TITLE_SIZE_FIGURE: Final = 1.2 * FONT_SIZE  # matplotlib's "large", the figure title's size


@dataclass(frozen=True)
class Panel:
    """One rule's line: a label, and per period an ASCII x label and a share (None: none owed)."""

    label: str
    x_labels: Sequence[str]
    shares: Sequence[float | None]
    last_running: bool = True  # the last point is a period still running: drawn hollow


def trend_png(title: str, title_ascii: str, panels: Sequence[Panel]) -> tuple[bytes, bool]:
    """The panels as one PNG 1080 px wide, and whether the panels are numbered (no font)."""
    is_numbered = numbered([p.label for p in panels])
    heading = title if drawable(title) else title_ascii
    labels = [f"#{n}" if is_numbered else short(panel.label, 24)
              for n, panel in enumerate(panels, start=1)]
    with figure(FRAME_IN + PANEL_IN * max(len(panels), 1)) as fig:
        fig.suptitle(heading, x=0.02, ha="left", fontweight="bold", va="top",
                     y=1 - PAD_PT / 72 / fig.get_figheight(), fontsize=TITLE_SIZE_FIGURE)
        grid = fig.subplots(max(len(panels), 1), 1, squeeze=False, sharey=True,
                            gridspec_kw=_frame(fig, heading, labels, panels))
        for n, (panel, axes) in enumerate(zip(panels, (row[0] for row in grid), strict=False)):
            colour, dash, marker = LINES[n % len(LINES)]
            xs = list(range(len(panel.shares)))
            ys = [100 * s if s is not None else float("nan") for s in panel.shares]
            axes.plot(xs, ys, color=colour, linestyle=dash, linewidth=2.5)
            known = [(x, y) for x, y in zip(xs, ys, strict=True) if y == y]
            for x, y in known:
                last = x == xs[-1] and panel.last_running
                axes.plot([x], [y], linestyle="none", marker=marker, markersize=10,
                          color=colour, markerfacecolor="white" if last else colour,
                          markeredgewidth=2.5, clip_on=False, zorder=5)
            if known:
                x, y = known[-1]
                axes.annotate(f"{y:.0f}%", (x, y), textcoords="offset points", xytext=(0, 13),
                              ha="center", fontweight="bold", color=colour, zorder=6,
                              bbox={"boxstyle": "round,pad=0.1", "facecolor": "white",
                                    "edgecolor": "none"})
            axes.set_title(labels[n], loc="left", fontsize=PANEL_TITLE_SIZE, pad=TITLE_PAD_PT)
            axes.set_ylim(-6, 115)
            axes.set_yticks([0, 50, 100], ["0%", "50%", "100%"], fontsize=SMALL_SIZE)
            axes.set_xticks(xs, list(panel.x_labels), fontsize=X_LABEL_SIZE)
            axes.set_xlim(-0.4, len(xs) - 0.6)
            axes.grid(axis="y", color="#dddddd", linewidth=0.8)
            for side in ("top", "right"):
                axes.spines[side].set_visible(False)
        return png(fig), is_numbered


def _frame(fig: Figure, title: str, labels: Sequence[str], panels: Sequence[Panel]
           ) -> dict[str, float]:
    """The panels' margins and the space between them, as gridspec takes them: room for the
    title, each panel's title above it and its period labels below.

    Computed from the font sizes instead of laid out (constrained layout measured every tick
    label of every panel, a quarter of the chart's drawing time)."""
    width_pt, height_pt = (72 * size for size in fig.get_size_inches())
    rows = max(len(panels), 1)
    left = PAD_PT + TICK_PT + text_size(fig, "100%", SMALL_SIZE)[0]
    # The last period's label is centred 0.4 of a period from the panel's right edge; room
    # for the half of it that sticks out.
    right = PAD_PT
    for panel in panels:
        if panel.x_labels:
            half = text_size(fig, panel.x_labels[-1], X_LABEL_SIZE)[0] / 2
            inside = 0.4 * (width_pt - left - PAD_PT) / max(len(panel.x_labels) - 0.2, 0.8)
            right = max(right, PAD_PT + half - inside)
    heading = text_size(fig, title, TITLE_SIZE_FIGURE, bold=True)[1]
    _, high, low = text_size(fig, "".join(labels) or "0", PANEL_TITLE_SIZE)
    above = GAP_PT + high - low + TITLE_PAD_PT
    below = TICK_PT + text_size(fig, "0", X_LABEL_SIZE)[1]
    panel_pt = (height_pt - 2 * PAD_PT - heading - rows * (above + below)) / rows
    return {"left": left / width_pt, "right": 1 - right / width_pt,
            "top": 1 - (PAD_PT + heading + above) / height_pt,
            "bottom": (PAD_PT + below) / height_pt,
            "hspace": (above + below) / panel_pt}
