"""Charts for the digest, drawn with matplotlib's Agg backend into PNG bytes.

Names are drawn as given when a font with CJK glyphs is installed (Noto Sans CJK,
WenQuanYi, …; the Docker image should install fonts-noto-cjk). Without one, Chinese names
would come out as empty boxes, so the bars are numbered instead and the caller prints a
legend beside the picture.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from functools import lru_cache

log = logging.getLogger(__name__)

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC",
             "Droid Sans Fallback", "AR PL UMing CN")
MAX_BARS = 25


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The name of an installed font that can draw Chinese, if any."""
    from matplotlib import font_manager  # imported on first use: it costs ~1 s at start-up

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def needs_numbers(labels: Sequence[str]) -> bool:
    """Whether labels must be replaced by numbers (non-ASCII text and no CJK font)."""
    return cjk_font() is None and any(not label.isascii() for label in labels)


def coverage_png(rows: Sequence[tuple[str, float]], title: str = "") -> tuple[bytes, bool]:
    """A horizontal bar chart of coverage shares (0..1), lowest first, as PNG bytes.

    Returns (png, numbered): numbered is True when the bars carry #1, #2, … instead of the
    labels (no font for them); the legend is then the caller's to show. At most MAX_BARS
    rows are drawn: pass the ones that matter (lowest coverage first).
    """
    shown = list(rows[:MAX_BARS])
    labels = [label for label, _ in shown]
    numbered = needs_numbers(labels)
    if numbered:
        labels = [f"#{n}" for n in range(1, len(shown) + 1)]
    font = cjk_font()
    height = max(2.5, 0.35 * len(shown) + 1.2)
    from matplotlib.figure import Figure  # Agg-backed on its own; no pyplot, no GUI

    figure = Figure(figsize=(7, height), dpi=100)
    axes = figure.add_subplot()
    values = [100 * share for _, share in shown]
    positions = list(range(len(shown)))
    colours = ["#d9534f" if v < 50 else "#f0ad4e" if v < 80 else "#5cb85c" for v in values]
    axes.barh(positions, values, color=colours)
    axes.set_yticks(positions, labels, fontfamily=font or "sans-serif")
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("%")
    for y, value in zip(positions, values, strict=True):
        axes.text(min(value + 1, 92), y, f"{value:.0f}%", va="center", fontsize=8)
    if title and not (cjk_font() is None and not title.isascii()):
        axes.set_title(title, fontfamily=font or "sans-serif")
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue(), numbered
