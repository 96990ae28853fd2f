"""Small multiples of the share met over the last periods: one panel per programme rule.

Each rule has periods of its own length (quarters, half years, years), so each gets its own
panel and x axis; all share the 0–100 % scale. Every point has a marker, so a 0 % stands
on the floor of the panel and a single known point still shows; the running period's point
is hollow (its share is only so far).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from bot.charts.style import LINES, SMALL_SIZE, drawable, figure, numbered, png, short

PANEL_IN: Final = 2.3
FRAME_IN: Final = 0.9


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
    with figure(FRAME_IN + PANEL_IN * max(len(panels), 1)) as fig:
        fig.suptitle(title if drawable(title) else title_ascii, x=0.02, ha="left",
                     fontweight="bold")
        grid = fig.subplots(max(len(panels), 1), 1, squeeze=False, sharey=True)
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
            label = f"#{n + 1}" if is_numbered else short(panel.label, 24)
            axes.set_title(label, loc="left", fontsize=SMALL_SIZE + 2)
            axes.set_ylim(-6, 115)
            axes.set_yticks([0, 50, 100], ["0%", "50%", "100%"], fontsize=SMALL_SIZE)
            axes.set_xticks(xs, list(panel.x_labels), fontsize=SMALL_SIZE - 1)
            axes.set_xlim(-0.4, len(xs) - 0.6)
            axes.grid(axis="y", color="#dddddd", linewidth=0.8)
            for side in ("top", "right"):
                axes.spines[side].set_visible(False)
        return png(fig), is_numbered
