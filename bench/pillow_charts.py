"""A prototype, not used by the bot: the digest's stacked-bar board drawn with Pillow alone.

Measures what a hand-written renderer would cost beside matplotlib's (bot/charts), on the
bench's boards: 3 rules × 40 communities drawn (50 in the data), as bench_tick.py draws
them, and writes both renders side by side for looking at.

    python bench/pillow_charts.py OUT_DIR [--font REGULAR.ttc --bold BOLD.ttc] [--reps 3]

The layout repeats bot/charts/bars.py's (same sizes in points, same palette, same frame);
texts are placed as matplotlib places them (a line's box from the font's typographic
ascender and descender). Fonts are files: Pillow has no font lookup, so the product would
need the paths (the Docker image's fonts-noto-cjk puts them under
/usr/share/fonts/opentype/noto/) or `fc-match`.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.charts import style
from bot.charts.bars import (
    BAR_HEIGHT,
    FRAME_IN,
    LABEL_PAD_PT,
    MIN_LABEL_SHARE,
    PAD_PT,
    ROW_IN,
    TICK_PT,
    TITLE_PAD_LEGEND_PT,
    StackedBars,
)
from bot.charts.trend import (
    FRAME_IN as TREND_FRAME_IN,
)
from bot.charts.trend import (
    GAP_PT,
    PANEL_IN,
    PANEL_TITLE_SIZE,
    TITLE_PAD_PT,
    TITLE_SIZE_FIGURE,
    X_LABEL_SIZE,
    Panel,
)

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

PX = style.DPI / 72  # pixels per point
SUPER = 4  # supersampling of the few shapes that are not axis-aligned (marker, hatching)
X_MAX = 1.14  # the bars' axis ends here (1 = 100 %), room for the share met
TICKS = ((0.0, "0%"), (0.25, "25%"), (0.5, "50%"), (0.75, "75%"), (1.0, "100%"))


@dataclass(frozen=True)
class Fonts:
    """Font files: regular and bold (a .ttc with its face index)."""

    regular: str
    bold: str
    index: int = 0
    # matplotlib sizes a line of text from the font's typographic ascender and descender
    # (OS/2 table), which Pillow does not expose: em fractions, Noto Sans CJK's by default.
    ascender: float = 0.88
    descender: float = 0.12


@lru_cache(maxsize=32)
def font(fonts: Fonts, size_pt: float, bold: bool) -> ImageFont.FreeTypeFont:
    """The font at a size in points (the picture's DPI)."""
    from PIL import ImageFont

    return ImageFont.truetype(fonts.bold if bold else fonts.regular, size_pt * PX,
                              index=fonts.index)


def rgb(colour: str) -> tuple[int, int, int]:
    """#rrggbb as a tuple."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


class Canvas:
    """An RGB picture with texts placed as matplotlib places them."""

    def __init__(self, fonts: Fonts, width: int, height: int) -> None:
        from PIL import Image, ImageDraw

        self.fonts = fonts
        self.image = Image.new("RGB", (width, height), "white")
        self.draw = ImageDraw.Draw(self.image)

    def text(self, x: float, y: float, text: str, size: float, colour: str, *,
             bold: bool = False, ha: str = "left", va: str = "center") -> None:
        """A line of text at x, y (pixels): va center, top or baseline."""
        face = font(self.fonts, size, bold)
        ascent, descent = self.fonts.ascender * size * PX, self.fonts.descender * size * PX
        baseline = {"center": y + (ascent - descent) / 2, "top": y + ascent,
                    "baseline": y}[va]
        anchor = {"left": "ls", "center": "ms", "right": "rs"}[ha]
        self.draw.text((x, baseline), text, font=face, fill=colour, anchor=anchor)

    def width(self, text: str, size: float, bold: bool = False) -> float:
        """How wide a line of text is, in pixels."""
        return font(self.fonts, size, bold).getlength(text)

    def png(self) -> bytes:
        """The picture as PNG bytes, encoded as bot.charts encodes matplotlib's."""
        width, height = self.image.size
        return style.encode_png(self.image.tobytes(), width, height)


@lru_cache(maxsize=4)
def hatch_tile() -> Image.Image:
    """matplotlib's '/' hatching as a mask: lines 3 pt wide at 45°, three per inch along
    each axis (matplotlib's density 6 spans lines from -0.5 to 0.5 of an inch)."""
    from PIL import Image, ImageDraw

    step = style.DPI // 3  # 50 px
    big = Image.new("L", (step * SUPER, step * SUPER), 0)
    draw = ImageDraw.Draw(big)
    width = round(3 * PX * SUPER)
    side = step * SUPER
    for shift in (-side, 0, side):  # the neighbours' lines, so the tile repeats seamlessly
        draw.line([(shift, side), (shift + side, 0)], fill=255, width=width)
    return big.reduce(SUPER)


@lru_cache(maxsize=4)
def hatch_mask(width: int, height: int) -> Image.Image:
    """The hatching over a whole picture (anchored at its bottom left, as matplotlib's)."""
    from PIL import Image

    tile = hatch_tile()
    step = tile.size[0]
    mask = Image.new("L", (width, height), 0)
    offset = height % step
    for top in range(offset - step, height, step):
        for left in range(0, width, step):
            mask.paste(tile, (left, top))
    return mask


@lru_cache(maxsize=4)
def diamond(colour: str) -> Image.Image:
    """The zero marker: a hollow diamond 11 pt across its sides, edge 2.5 pt, antialiased."""
    from PIL import Image, ImageDraw

    half = 11 * PX * 2 ** 0.5 / 2  # 'D' is a unit square turned by 45°, scaled to 11 pt
    edge = 2.5 * PX
    size = int(2 * (half + edge)) + 2
    big = Image.new("RGBA", (size * SUPER, size * SUPER), (255, 255, 255, 0))
    draw = ImageDraw.Draw(big)
    c = size * SUPER / 2

    def points(r: float) -> list[tuple[float, float]]:
        return [(c, c - r), (c + r, c), (c, c + r), (c - r, c)]

    draw.polygon(points((half + edge / 2) * SUPER), fill=(*rgb(colour), 255))
    draw.polygon(points((half - edge / 2) * SUPER), fill=(255, 255, 255, 255))
    return big.resize((size, size), resample=3)  # bicubic: the edges antialiased


def board_png(chart: StackedBars, fonts: Fonts) -> bytes:
    """The chart as bot.charts.bars.stacked_png draws it (names and legend always drawn: the
    prototype is given a CJK font)."""
    rows = len(chart.rows)
    width, height = round(style.WIDTH_IN * style.DPI), round(
        (FRAME_IN + ROW_IN * max(rows, 2)) * style.DPI)
    canvas = Canvas(fonts, width, height)
    draw = canvas.draw
    labels = [style.short(label) for label, _ in chart.rows]
    # The frame, as bars._frame computes it.
    left = (PAD_PT + LABEL_PAD_PT) * PX + max((canvas.width(s, style.FONT_SIZE) for s in labels),
                                              default=0.0)
    right = width - PAD_PT * PX
    title_ascent = fonts.ascender * style.TITLE_SIZE * PX
    top = PAD_PT * PX + title_ascent + TITLE_PAD_LEGEND_PT * PX
    bottom = height - (PAD_PT + TICK_PT + style.SMALL_SIZE) * PX
    pitch = (bottom - top) / max(rows, 1)

    def x_of(share: float) -> float:
        return left + share / X_MAX * (right - left)

    totals = [sum(counts) or 1 for _, counts in chart.rows]
    starts = [0.0] * rows
    hatch = hatch_mask(width, height)
    for index, key in enumerate(chart.categories):
        paint = style.PAINTS[key]
        for row, ((_, counts), total) in enumerate(zip(chart.rows, totals, strict=True)):
            share = counts[index] / total
            if share <= 0:
                continue
            centre = top + (row + 0.5) * pitch
            box = (x_of(starts[row]), centre - BAR_HEIGHT * pitch / 2,
                   x_of(starts[row] + share), centre + BAR_HEIGHT * pitch / 2)
            edge = PX / 2  # a white edge 1 pt wide, centred on the bar's outline
            draw.rectangle((box[0] - edge, box[1] - edge, box[2] + edge, box[3] + edge),
                           fill="white")
            inner = (round(box[0] + edge), round(box[1] + edge), round(box[2] - edge),
                     round(box[3] - edge))
            draw.rectangle(inner, fill=paint.colour)
            if paint.hatch:
                canvas.image.paste("white", inner, hatch.crop(inner))
            count = counts[index]
            if count and share >= MIN_LABEL_SHARE * len(str(count)):
                text = str(count)
                x = (box[0] + box[2]) / 2
                if paint.hatch:  # a patch of the plain colour behind the count
                    pad = 0.3 * style.FONT_SIZE * PX
                    half = canvas.width(text, style.FONT_SIZE, True) / 2 + pad
                    tall = style.FONT_SIZE * PX / 2 + pad
                    draw.rounded_rectangle((x - half, centre - tall, x + half, centre + tall),
                                           radius=pad, fill=paint.colour)
                canvas.text(x, centre, text, style.FONT_SIZE, paint.text, bold=True,
                            ha="center")
            starts[row] += share
    _frame(canvas, chart, labels, (left, top, right, bottom), pitch, totals, x_of)
    if chart.categories and chart.categories[0] == "met":
        marker = diamond(style.MET.colour)
        for row, (_, counts) in enumerate(chart.rows):
            if sum(counts) and not counts[0]:
                y = top + (row + 0.5) * pitch
                canvas.image.paste(marker, (round(left - marker.size[0] / 2),
                                            round(y - marker.size[1] / 2)), marker)
    _heading(canvas, chart, left, top)
    return canvas.png()


def _frame(canvas: Canvas, chart: StackedBars, labels: Sequence[str],
           box: tuple[float, float, float, float], pitch: float, totals: Sequence[int],
           x_of: Any) -> None:
    """Axes lines, ticks, row names and each row's share met."""
    left, top, right, bottom = box
    draw = canvas.draw
    line = max(1, round(0.8 * PX))
    draw.line([(left, top), (left, bottom)], fill=style.INK, width=line)
    draw.line([(left, bottom), (right, bottom)], fill=style.INK, width=line)
    for share, text in TICKS:
        x = x_of(share)
        draw.line([(x, bottom), (x, bottom + 3.5 * PX)], fill=style.INK, width=line)
        canvas.text(x, bottom + TICK_PT * PX, text, style.SMALL_SIZE, style.INK, ha="center",
                    va="top")
    for row, (label, (_, counts), total) in enumerate(zip(labels, chart.rows, totals,
                                                          strict=True)):
        y = top + (row + 0.5) * pitch
        canvas.text(left - LABEL_PAD_PT * PX, y, label, style.FONT_SIZE, style.INK, ha="right")
        met = counts[0] if chart.categories[0] == "met" else 0
        canvas.text(x_of(1.015), y, f"{round(100 * met / total)}%", style.FONT_SIZE,
                    style.INK, bold=True)


def _heading(canvas: Canvas, chart: StackedBars, left: float, top: float) -> None:
    """The title, and the legend between it and the bars."""
    canvas.text(left, top - TITLE_PAD_LEGEND_PT * PX, chart.title, style.TITLE_SIZE,
                style.INK, bold=True, va="baseline")
    size = style.FONT_SIZE * PX
    row_bottom = top - (0.2 + 0.4) * size  # borderaxespad, borderpad (in font sizes)
    centre = row_bottom - size / 2
    x = left + 0.4 * size
    for key, name in zip(chart.categories, chart.legend, strict=True):
        paint = style.PAINTS[key]
        swatch = (round(x), round(centre - 0.35 * size), round(x + 1.6 * size),
                  round(centre + 0.35 * size))
        canvas.draw.rectangle(swatch, fill=paint.colour)
        if paint.hatch:
            canvas.image.paste("white", swatch,
                               hatch_mask(*canvas.image.size).crop(swatch))
        x += (1.6 + 0.8) * size
        canvas.text(x, centre, name, style.FONT_SIZE, style.INK)
        x += canvas.width(name, style.FONT_SIZE) + 2.0 * size



DASHES = {"-": (), "--": (3.7, 1.6), ":": (1.0, 1.65), "-.": (6.4, 1.6, 1.0, 1.6)}  # × width


def trend_png(title: str, panels: Sequence[Panel], fonts: Fonts) -> bytes:
    """The panels as bot.charts.trend.trend_png draws them (labels always drawn)."""
    from PIL import Image, ImageDraw

    rows = max(len(panels), 1)
    width = round(style.WIDTH_IN * style.DPI)
    height = round((TREND_FRAME_IN + PANEL_IN * rows) * style.DPI)
    canvas = Canvas(fonts, width, height)
    labels = [style.short(panel.label, 24) for panel in panels]
    # The frame, as trend._frame computes it (a line's box is one em with Noto's metrics).
    left = (PAD_PT + TICK_PT) * PX + canvas.width("100%", style.SMALL_SIZE)
    right_pad = PAD_PT * PX
    for panel in panels:
        if panel.x_labels:
            half = canvas.width(panel.x_labels[-1], X_LABEL_SIZE) / 2
            inside = 0.4 * (width - left - PAD_PT * PX) / max(len(panel.x_labels) - 0.2, 0.8)
            right_pad = max(right_pad, PAD_PT * PX + half - inside)
    right = width - right_pad
    heading = TITLE_SIZE_FIGURE * PX
    above = (GAP_PT + fonts.ascender * PANEL_TITLE_SIZE + TITLE_PAD_PT) * PX
    below = (TICK_PT + X_LABEL_SIZE) * PX
    panel_px = (height - 2 * PAD_PT * PX - heading - rows * (above + below)) / rows
    # Lines and markers drawn at SUPER times the size and scaled down: antialiased.
    big = Image.new("RGB", (width * SUPER, height * SUPER), "white")
    ink = ImageDraw.Draw(big)
    boxes = []
    for n, panel in enumerate(panels):
        top = PAD_PT * PX + heading + above + n * (panel_px + above + below)
        box = (left, top, right, top + panel_px)
        boxes.append(box)
        _panel_lines(ink, panel, n, box)
    canvas.image = big.reduce(SUPER)
    canvas.draw = ImageDraw.Draw(canvas.image)
    canvas.text(0.02 * width, PAD_PT * PX, title, TITLE_SIZE_FIGURE, style.INK, bold=True,
                va="top")
    for n, (panel, label, box) in enumerate(zip(panels, labels, boxes, strict=True)):
        _panel_texts(canvas, panel, n, label, box)
    return canvas.png()


def _scales(panel: Panel, box: tuple[float, float, float, float]) -> tuple[Any, Any]:
    """Data to pixels: x from -0.4 to n - 0.6, y from -6 to 115 (%)."""
    left, top, right, bottom = box
    count = len(panel.shares)

    def x_of(x: float) -> float:
        return left + (x + 0.4) / max(count - 0.2, 0.8) * (right - left)

    def y_of(y: float) -> float:
        return bottom - (y + 6) / 121 * (bottom - top)

    return x_of, y_of


def _panel_lines(ink: ImageDraw.ImageDraw, panel: Panel, n: int,
                 box: tuple[float, float, float, float]) -> None:
    """One panel's grid, axes, line and markers, on the SUPER-sized picture."""
    s = SUPER
    left, top, right, bottom = (v * s for v in box)
    x_of, y_of = _scales(panel, box)
    thin = round(0.8 * PX * s)
    for share in (0, 50, 100):
        y = y_of(share) * s
        ink.line([(left, y), (right, y)], fill="#dddddd", width=thin)
        ink.line([(left - 3.5 * PX * s, y), (left, y)], fill=style.INK, width=thin)
    ink.line([(left, top), (left, bottom)], fill=style.INK, width=thin)
    ink.line([(left, bottom), (right, bottom)], fill=style.INK, width=thin)
    for x in range(len(panel.shares)):
        ink.line([(x_of(x) * s, bottom), (x_of(x) * s, bottom + 3.5 * PX * s)],
                 fill=style.INK, width=thin)
    colour, dash, marker = style.LINES[n % len(style.LINES)]
    points = [(x_of(x) * s, y_of(100 * share) * s) if share is not None else None
              for x, share in enumerate(panel.shares)]
    wide = 2.5 * PX * s
    for a, b in itertools.pairwise(points):
        if a is not None and b is not None:
            _dashed(ink, a, b, DASHES[dash], wide, colour)
    for x, point in enumerate(points):
        if point is None:
            continue
        hollow = x == len(points) - 1 and panel.last_running
        _marker(ink, point, marker, 10 * PX * s, wide, colour, hollow)


def _dashed(ink: ImageDraw.ImageDraw, a: tuple[float, float], b: tuple[float, float],
            pattern: tuple[float, ...], width: float, colour: str) -> None:
    """A straight line, dashed as matplotlib dashes it (pattern in line widths)."""
    if not pattern:
        ink.line([a, b], fill=colour, width=round(width))
        return
    length = ((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5
    steps = [p * width for p in pattern]
    at, on, n = 0.0, True, 0
    while at < length:
        end = min(at + steps[n % len(steps)], length)
        if on:
            ink.line([(a[0] + (b[0] - a[0]) * at / length, a[1] + (b[1] - a[1]) * at / length),
                      (a[0] + (b[0] - a[0]) * end / length, a[1] + (b[1] - a[1]) * end / length)],
                     fill=colour, width=round(width))
        at, on, n = end, not on, n + 1


def _marker(ink: ImageDraw.ImageDraw, at: tuple[float, float], shape: str, size: float,
            edge: float, colour: str, hollow: bool) -> None:
    """A marker of matplotlib's shapes (o, s, ^, D, v, P reduced to o), size across."""
    x, y = at
    r_out, r_in = size / 2 + edge / 2, size / 2 - edge / 2
    fill = "white" if hollow else colour
    if shape == "s":
        ink.rectangle((x - r_out, y - r_out, x + r_out, y + r_out), fill=colour)
        ink.rectangle((x - r_in, y - r_in, x + r_in, y + r_in), fill=fill)
    elif shape == "^":
        def triangle(r: float) -> list[tuple[float, float]]:
            return [(x, y - r), (x - r, y + r), (x + r, y + r)]
        ink.polygon(triangle(r_out + edge / 2), fill=colour)
        ink.polygon(triangle(r_in - edge / 4), fill=fill)
    else:
        ink.ellipse((x - r_out, y - r_out, x + r_out, y + r_out), fill=colour)
        ink.ellipse((x - r_in, y - r_in, x + r_in, y + r_in), fill=fill)


def _panel_texts(canvas: Canvas, panel: Panel, n: int, label: str,
                 box: tuple[float, float, float, float]) -> None:
    """One panel's title, tick labels and the last share, at the picture's size."""
    left, top, _, bottom = box
    x_of, y_of = _scales(panel, box)
    canvas.text(left, top - TITLE_PAD_PT * PX, label, PANEL_TITLE_SIZE, style.INK,
                va="baseline")
    for share in (0, 50, 100):
        canvas.text(left - TICK_PT * PX, y_of(share), f"{share}%", style.SMALL_SIZE,
                    style.INK, ha="right")
    for x, text in enumerate(panel.x_labels):
        canvas.text(x_of(x), bottom + TICK_PT * PX, text, X_LABEL_SIZE, style.INK,
                    ha="center", va="top")
    known = [(x, 100 * s) for x, s in enumerate(panel.shares) if s is not None]
    if known:
        x, y = known[-1]
        colour = style.LINES[n % len(style.LINES)][0]
        text = f"{y:.0f}%"
        centre = y_of(y) - 13 * PX - style.FONT_SIZE * PX * (canvas.fonts.ascender
                                                             - canvas.fonts.descender) / 2
        half = canvas.width(text, style.FONT_SIZE, True) / 2 + 0.1 * style.FONT_SIZE * PX
        tall = style.FONT_SIZE * PX * 0.6
        canvas.draw.rectangle((x_of(x) - half, centre - tall, x_of(x) + half, centre + tall),
                              fill="white")
        canvas.text(x_of(x), centre, text, style.FONT_SIZE, colour, bold=True, ha="center")


def main() -> None:
    """Draw the bench's pictures with both renderers, timed, and save them side by side."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--font", required=True, help="regular font file (Noto Sans CJK .ttc)")
    parser.add_argument("--bold", required=True, help="bold font file")
    parser.add_argument("--index", type=int, default=2, help="face in the .ttc (2: SC)")
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    boards, trend = _inputs()
    start = time.process_time()
    from PIL import Image, ImageDraw, ImageFont  # noqa: F401

    print(f"Pillow imported: {time.process_time() - start:.3f} s CPU")
    fonts = Fonts(args.font, args.bold, args.index)
    for rep in range(args.reps):
        start = time.process_time()
        pngs = [board_png(chart, fonts) for chart in boards]
        lap = time.process_time()
        pngs.append(trend_png(trend[0], trend[1], fonts))
        print(f"Pillow: {len(boards)} boards {lap - start:.3f} s, trend "
              f"{time.process_time() - lap:.3f} s CPU" + (" (first: fonts opened)" if rep == 0
                                                           else ""))
    old = _matplotlib(args, boards, trend)
    for n, (before, after) in enumerate(zip(old, pngs, strict=True), start=1):
        (args.folder / f"{n}-matplotlib.png").write_bytes(before)
        (args.folder / f"{n}-pillow.png").write_bytes(after)


def _inputs() -> tuple[list[StackedBars], tuple[str, list[Panel]]]:
    """What the digest would draw for 50 communities (the bench's shape), caught on its way
    to bot.charts without drawing it (matplotlib not imported)."""
    from bot.services import charts
    from tests import chart_examples as ex

    items = ex.dataset(1000, 50, 100, ex.TODAY, lambda h, q: (h * 37 + q * 11) % 100 < 35)
    boards: list[StackedBars] = []
    trends: list[tuple[str, list[Panel]]] = []

    def bars(chart: StackedBars) -> tuple[bytes, bool]:
        boards.append(chart)
        return b"", False

    def lines(title: str, _ascii: str, panels: Sequence[Panel]) -> tuple[bytes, bool]:
        trends.append((title, list(panels)))
        return b"", False

    real = charts.stacked_png, charts.trend_png
    charts.stacked_png, charts.trend_png = bars, lines  # type: ignore[assignment]
    charts.board_charts(ex.services(), "zh", items, ex.TODAY)
    charts.trend_from(ex.services(), "zh", items, ex.TODAY)
    charts.stacked_png, charts.trend_png = real  # type: ignore[assignment]
    return boards, trends[0]


def _matplotlib(args: argparse.Namespace, boards: Sequence[StackedBars],
                trend: tuple[str, list[Panel]]) -> list[bytes]:
    """The same pictures drawn by bot.charts (matplotlib), timed."""
    from bot.charts.bars import stacked_png
    from bot.charts.trend import trend_png as matplotlib_trend

    start = time.process_time()
    import matplotlib.figure  # noqa: F401
    from matplotlib import font_manager

    from bot.charts import cjk_font

    font_manager.fontManager.addfont(args.font)
    font_manager.fontManager.addfont(args.bold)
    cjk_font.cache_clear()
    cjk_font()
    print(f"matplotlib imported: {time.process_time() - start:.3f} s CPU")
    for rep in range(args.reps):
        start = time.process_time()
        pngs = [stacked_png(chart)[0] for chart in boards]
        lap = time.process_time()
        pngs.append(matplotlib_trend(trend[0], "", trend[1])[0])
        print(f"matplotlib: {len(boards)} boards {lap - start:.3f} s, trend "
              f"{time.process_time() - lap:.3f} s CPU" + (" (first)" if rep == 0 else ""))
    return pngs


if __name__ == "__main__":
    main()
