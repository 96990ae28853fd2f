"""What every chart shares: size for a phone, fonts, and a palette safe for colour blindness.

Pictures are 1080 px wide (7.2 in at 150 dpi), the width a phone shows a photo at, with
text of 13 pt and more (27 px) so it reads without zooming. Met, open and missed come from
the Okabe–Ito palette and differ in lightness too (dark blue, light yellow, mid vermillion
with white hatching), so they stay apart in greyscale and for every kind of colour blindness.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from bot.charts import cjk_font
from bot.domain.lengths import shorten

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI: Final = 150
WIDTH_IN: Final = 7.2  # 1080 px at DPI
FONT_SIZE: Final = 13
TITLE_SIZE: Final = 15
SMALL_SIZE: Final = 11
LABEL_CHARS: Final = 10  # longer names are cut with "…" on the chart (the caption has them)
INK: Final = "#222222"
PNG_LEVEL: Final = 1  # zlib's fastest: see png()

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
    """A figure 1080 px wide, with the fonts that draw every label, laid out on exit.

    Holds DRAWING throughout: draw the chart and call `png` inside the `with` block.
    """
    import matplotlib  # imported on first use: it costs ~1 s at start-up
    from matplotlib.figure import Figure  # Agg-backed on its own; no pyplot, no GUI

    font = cjk_font()
    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    with DRAWING, matplotlib.rc_context({"font.family": families, "font.size": FONT_SIZE,
                                         "axes.titlesize": TITLE_SIZE, "axes.edgecolor": INK,
                                         "text.color": INK, "xtick.color": INK,
                                         "ytick.color": INK, "hatch.linewidth": 3.0}):
        fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")
        yield fig


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes, at its own size (never cropped, so 1080 px wide)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    # One draw and one encoding; savefig would lay out and encode twice.
    fig.set_facecolor("white")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # type: ignore[no-untyped-call]
    pixels = canvas.buffer_rgba()  # type: ignore[no-untyped-call]
    height, width = pixels.shape[:2]
    # The ground is white, so dropping the alpha loses nothing and leaves a quarter less to
    # compress; zlib's level 1 encodes in less than half the time of the default (6), into
    # a file no bigger than matplotlib's RGBA one.
    image = Image.frombuffer("RGBA", (width, height), pixels, "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="png", compress_level=PNG_LEVEL, dpi=(DPI, DPI))
    return out.getvalue()
