"""Charts, drawn with matplotlib's Agg backend into PNG bytes (no GUI, no pyplot).

Modules: `style` (size, fonts, palette), `bars` (stacked bars by group), `trend` (share met
over the last periods). They take plain data and texts and return PNG bytes; the texts and
captions in the reader's language come from bot.services.charts.

Names are drawn as given when a font with CJK glyphs is installed (Noto Sans CJK,
WenQuanYi, …; the Docker image installs fonts-noto-cjk). Without one, Chinese names would
come out as empty boxes, so rows are numbered instead and the caption carries the legend.

One chart is drawn at a time (`style.DRAWING`): matplotlib's settings are global to the
process, and the digest and /stats draw in worker threads of their own.
"""

from __future__ import annotations

from functools import lru_cache

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC",
             "Droid Sans Fallback", "AR PL UMing CN")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The name of an installed font that can draw Chinese, if any."""
    from matplotlib import font_manager  # imported on first use: it costs ~1 s at start-up

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)
