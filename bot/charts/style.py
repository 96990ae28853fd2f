"""What every chart shares: size for a phone, fonts, and a palette safe for colour blindness.

Pictures are 1080 px wide (7.2 in at 150 dpi), the width a phone shows a photo at, with
text of 13 pt and more (27 px) so it reads without zooming. Met, open and missed come from
the Okabe–Ito palette and differ in lightness too (dark blue, light yellow, mid vermillion
with white hatching), so they stay apart in greyscale and for every kind of colour blindness.
"""

from __future__ import annotations

import struct
import threading
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from bot.charts import cjk_font
from bot.domain.lengths import shorten

if TYPE_CHECKING:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

DPI: Final = 150
WIDTH_IN: Final = 7.2  # 1080 px at DPI
FONT_SIZE: Final = 13
TITLE_SIZE: Final = 15
SMALL_SIZE: Final = 11
LABEL_CHARS: Final = 10  # longer names are cut with "…" on the chart (the caption has them)
INK: Final = "#222222"
PNG_LEVEL: Final = 1  # zlib's fastest: see encode_png()

# matplotlib's settings (rcParams) are global to the process, and `figure` changes them for
# the time of a drawing: two charts drawn at once (the digest and /stats, in worker threads)
# would restore each other's fonts mid-draw. One chart is drawn at a time, encoding included.
DRAWING: Final = threading.Lock()


@dataclass(frozen=True, slots=True)
class Paint:
    """How one category is filled, and the colour of a count written on it."""

    colour: str
    hatch: str | None
    text: str


MET: Final = Paint("#0072B2", None, "white")  # blue, dark in greyscale
OPEN: Final = Paint("#F0E442", None, INK)  # yellow, light in greyscale
MISSED: Final = Paint("#D55E00", "/", "white")  # vermillion, mid grey, hatched
PAINTS: Final = {"met": MET, "open": OPEN, "missed": MISSED}

# Line styles for several series: colour, dash and marker all differ.
LINES: Final = (("#0072B2", "-", "o"), ("#D55E00", "--", "s"), ("#009E73", ":", "^"),
                ("#CC79A7", "-.", "D"), ("#E69F00", "-", "v"), ("#56B4E9", "--", "P"))


def drawable(text: str) -> bool:
    """Whether the text can be drawn: ASCII, or a CJK font is installed."""
    return text.isascii() or cjk_font() is not None


def numbered(labels: Sequence[str]) -> bool:
    """Whether labels must be replaced by numbers (one of them cannot be drawn)."""
    return not all(drawable(label) for label in labels)


def short(text: str, size: int = LABEL_CHARS) -> str:
    """The text cut to size characters, with an ellipsis, never inside an emoji sequence."""
    return shorten(text, size)


@contextmanager
def figure(height_in: float) -> Iterator[Figure]:
    """A figure 1080 px wide, with the fonts that draw every label and an Agg canvas to
    measure texts on; the caller places its axes (see bars._frame, trend._frame).

    Holds DRAWING throughout: draw the chart and call `png` inside the `with` block.
    """
    import matplotlib  # imported on first use: it costs ~1 s at start-up
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure  # no pyplot, no GUI

    font = cjk_font()
    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    # Glyphs unhinted: at 27 px a letter reads the same, and FreeType's hinting was a third of
    # the time of every text drawn (a board has 160).
    with DRAWING, matplotlib.rc_context({"font.family": families, "font.size": FONT_SIZE,
                                         "axes.titlesize": TITLE_SIZE, "axes.edgecolor": INK,
                                         "text.color": INK, "xtick.color": INK,
                                         "ytick.color": INK, "hatch.linewidth": 3.0,
                                         "text.hinting": "none"}):
        fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
        FigureCanvasAgg(fig)  # the figure's canvas from here on: texts measured, then drawn
        yield fig


def text_size(fig: Figure, text: str, size: float, bold: bool = False
              ) -> tuple[float, float, float]:
    """How wide and high a line of text is laid out in the figure's fonts, and how far its box
    reaches below the baseline, in points (inside `figure`)."""
    from matplotlib.text import Text
    from matplotlib.transforms import IdentityTransform

    line = Text(0, 0, text, fontsize=size, fontweight="bold" if bold else "normal",
                va="baseline", transform=IdentityTransform())
    line.set_figure(fig)
    box = line.get_window_extent(_canvas(fig).get_renderer())  # type: ignore[no-untyped-call]
    points = 72 / fig.dpi
    return box.width * points, box.height * points, -box.y0 * points


def widest(fig: Figure, texts: Sequence[str], size: float) -> float:
    """How wide the widest of the texts is drawn in the figure's fonts, in points (inside
    `figure`): the metrics matplotlib lays a line out with, without a Text for each."""
    from matplotlib.font_manager import FontProperties

    renderer = _canvas(fig).get_renderer()  # type: ignore[no-untyped-call]
    prop = FontProperties(size=size)
    widths = (renderer.get_text_width_height_descent(text, prop, ismath=False)[0]
              for text in texts)
    return max(widths, default=0.0) * 72 / fig.dpi


def _canvas(fig: Figure) -> FigureCanvasAgg:
    """The figure's Agg canvas (`figure` gives it one)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    return canvas


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes, at its own size (never cropped, so 1080 px wide)."""
    from PIL import Image

    # One draw and one encoding; savefig would lay out and encode twice.
    fig.set_facecolor("white")
    canvas = _canvas(fig)
    canvas.draw()  # type: ignore[no-untyped-call]
    pixels = canvas.buffer_rgba()  # type: ignore[no-untyped-call]
    height, width = pixels.shape[:2]
    # The ground is white, so dropping the alpha loses nothing and leaves a quarter less to
    # compress.
    image = Image.frombuffer("RGBA", (width, height), pixels, "raw", "RGBA", 0, 1)
    return encode_png(image.convert("RGB").tobytes(), width, height)


def encode_png(rgb: bytes, width: int, height: int) -> bytes:
    """RGB rows as a PNG file, every row unfiltered, at zlib's fastest level.

    Pillow tries five filters on every row and keeps the best: two thirds of its encoding
    time, for a chart's large flat areas a file no smaller than without (300 KB for 40 rows
    either way). The pixels are the same.
    """
    stride = width * 3
    rows = memoryview(rgb)
    data = b"".join(part for top in range(0, height * stride, stride)
                    for part in (b"\x00", rows[top:top + stride]))  # filter type 0: none
    per_metre = round(DPI / 0.0254)
    return b"".join([
        b"\x89PNG\r\n\x1a\n",
        _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),  # 8-bit RGB
        _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
        _chunk(b"IDAT", zlib.compress(data, PNG_LEVEL)),
        _chunk(b"IEND", b""),
    ])


def _chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
