"""The digest's pictures, looked at: size, which colours a reader sees, captions, examples."""

from __future__ import annotations

import io
import itertools
import re
import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from bot.charts import style
from bot.services import charts
from tests import chart_examples as ex

DOCS = Path(__file__).resolve().parents[2] / "docs" / "charts"
BAR = 3000  # pixels of a colour that make a bar; a legend swatch or a marker is far less


def pixels(png: bytes) -> np.ndarray:
    """The picture as rows of RGB 0..255."""
    image = imread(io.BytesIO(png), format="png")
    return np.asarray((image[..., :3] * 255).round(), dtype=int)


def count(rgb: np.ndarray, paint: style.Paint) -> int:
    """Pixels of exactly one palette colour (antialiased edges left out)."""
    hex_ = paint.colour.lstrip("#")
    target = np.array([int(hex_[i:i + 2], 16) for i in (0, 2, 4)])
    return int(np.all(np.abs(rgb - target) <= 2, axis=-1).sum())


def seen(png: bytes) -> dict[str, int]:
    """How many pixels of each category's colour the picture has."""
    rgb = pixels(png)
    return {name: count(rgb, paint) for name, paint in style.PAINTS.items()}


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[tuple[bytes, str]]]:
    """Every example's board pictures in Chinese (call, visit, deed)."""
    services = ex.services()
    return {e.name: charts.board_charts(services, "zh", e.items, e.today)
            for e in ex.examples()}


def width_height(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", png[16:24])


def test_every_picture_is_1080_wide_and_says_the_share_in_its_caption(
        rendered: dict[str, list[tuple[bytes, str]]]) -> None:
    for name, pictures in rendered.items():
        assert len(pictures) == 3, name  # one per rule of the default programme
        for png, caption in pictures:
            width, height = width_height(png)
            assert width == 1080, name
            assert 300 < height < 3000, name
            assert re.search(r"\d+/\d+ (已完成|完成了)（\d+%）", caption), caption
            assert len(caption) <= 1024


def test_all_done_is_all_met(rendered: dict[str, list[tuple[bytes, str]]]) -> None:
    for png, caption in rendered["all_done"]:
        colours = seen(png)
        assert colours["met"] > BAR and colours["open"] < BAR and colours["missed"] == 0
        assert "（100%）" in caption and "/overdue" not in caption


def test_none_done_is_all_open_with_a_visible_zero(
        rendered: dict[str, list[tuple[bytes, str]]]) -> None:
    for png, caption in rendered["none_done"]:
        colours = seen(png)
        assert colours["open"] > BAR
        assert 0 < colours["met"] < BAR  # the legend's swatch and a marker at zero per row
        assert "20 位社工" in caption and "还没" in caption and "：/overdue" in caption
    rgb = pixels(rendered["none_done"][0][0])
    legend_only = pixels(rendered["all_done"][0][0])
    # three zero markers more than the legend swatch of a chart with nothing at zero
    assert count(rgb, style.MET) > count(legend_only, style.OPEN) + 300


def test_half_done_shows_met_and_open_apart(
        rendered: dict[str, list[tuple[bytes, str]]]) -> None:
    png, caption = rendered["half_done"][0]
    colours = seen(png)
    assert colours["met"] > BAR and colours["open"] > BAR
    assert abs(colours["met"] - colours["open"]) < colours["met"] / 3  # about half each
    assert "（50%）" in caption


def test_early_in_a_quarter_the_last_one_met_against_missed(
        rendered: dict[str, list[tuple[bytes, str]]]) -> None:
    png, caption = rendered["early_in_quarter"][0]
    colours = seen(png)
    assert colours["met"] > BAR and colours["missed"] > BAR and colours["open"] < BAR
    assert "2026年第1季度" in caption and "（已结束）" in caption
    assert re.search(r"2025年第4季度是 \d+%，(多了|少了) \d+ 个百分点", caption), caption
    assert "上个季度一次电话都没打：/overdue" in caption


def test_one_worker_and_many(rendered: dict[str, list[tuple[bytes, str]]]) -> None:
    one, _ = rendered["one_worker"][0]
    many, caption = rendered["workers_400"][0]
    assert width_height(one)[0] == width_height(many)[0] == 1080
    assert "/400 已完成" in caption
    thirty, _ = rendered["communities_30"][0]
    assert width_height(thirty)[1] > width_height(many)[1] > width_height(one)[1]


def test_palette_reads_in_greyscale_and_for_colour_blindness() -> None:
    def grey(paint: style.Paint) -> float:
        r, g, b = (int(paint.colour[i:i + 2], 16) for i in (1, 3, 5))
        return 0.299 * r + 0.587 * g + 0.114 * b

    levels = sorted(grey(p) for p in style.PAINTS.values())
    assert all(b - a >= 30 for a, b in itertools.pairwise(levels))
    assert style.MISSED.hatch and not style.MET.hatch  # missed also differs by texture


@pytest.fixture
def no_cjk_font(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(style, "cjk_font", lambda: None)
    yield


def test_without_a_cjk_font_rows_are_numbered_and_the_caption_names_them(
        no_cjk_font: None) -> None:
    example = next(e for e in ex.examples() if e.name == "communities_30")
    png, caption = charts.board_charts(ex.services(), "zh", example.items, example.today)[0]
    assert width_height(png)[0] == 1080
    assert "图中编号：#1 " in caption and "颜色：深蓝 = 已完成" in caption
    assert "东门社区" in caption and len(caption) <= 1024
    _english, en_caption = charts.board_charts(ex.services(), "en", example.items,
                                              example.today)[0]
    assert "Numbers in the chart" in en_caption  # community names are Chinese in any language


def test_trend_chart_one_panel_per_rule(no_cjk_font: None) -> None:
    example = next(e for e in ex.examples() if e.name == "workers_400")
    found = charts.trend_from(ex.services(), "en", example.items, example.today)
    assert found is not None
    png, caption = found
    assert width_height(png)[0] == 1080
    assert "Share done over the last periods" in caption
    assert "#1 Call (quarterly)" not in caption  # English labels are drawn, not numbered
    rgb = pixels(png)
    for colour, _, _ in style.LINES[:3]:  # one line (colour, dash, marker) per rule
        assert count(rgb, style.Paint(colour, None, "")) > 200
    zh = charts.trend_from(ex.services(), "zh", example.items, example.today)
    assert zh is not None and "#1 电话（每季度）" in zh[1]


def test_no_trend_without_two_periods() -> None:
    example = next(e for e in ex.examples() if e.name == "all_done")
    running = [i for i in example.items if example.today in i.obligation.period]
    assert charts.trend_from(ex.services(), "zh", running, example.today) is None
    assert charts.trend_from(ex.services(), "zh", example.items, example.today) is not None


def test_examples_are_saved_under_docs_charts() -> None:
    for example in ex.examples():
        for lang in ("zh", "en"):
            found = sorted(DOCS.glob(f"{example.name}-{lang}-*.png"))
            assert len(found) == 4, (example.name, lang)  # three rules and the trend
            for path in found:
                assert width_height(path.read_bytes())[0] == 1080
    assert (DOCS / "README.md").read_text("utf-8").count("![") == 4 * 2 * len(ex.examples())


def test_many_communities_draw_the_furthest_behind_within_telegrams_photo_limits() -> None:
    items = ex.dataset(240, 60, 60, ex.TODAY, lambda h, q: h % 4 == 0)
    png, caption = charts.board_charts(ex.services(), "en", items, ex.TODAY)[0]
    width, height = width_height(png)
    assert width == 1080 and width + height <= 10000 and height <= 20 * width
    assert "Only the 40 furthest behind are drawn; the other 20 are doing better." in caption
    assert len(caption) <= 1024


def test_pictures_drawn_at_once_in_threads_are_as_drawn_alone() -> None:
    """Charts are drawn in worker threads (/stats for two coordinators, the digest): each
    comes out as it would alone, never in another's fonts and sizes."""
    from concurrent.futures import ThreadPoolExecutor

    from bot.charts.stats import comparison_png

    example = ex.examples()[0]

    def trend() -> bytes:
        found = charts.trend_from(ex.services(), "zh", example.items, example.today)
        assert found is not None
        return found[0]

    def bars() -> bytes:
        return comparison_png([("心理疏导", 3, 1), ("电话", 0, 2)], ("本期", "上期"))[0]

    alone = {trend: trend(), bars: bars()}
    with ThreadPoolExecutor(4) as pool:
        drawn = [(draw, pool.submit(draw)) for draw in [trend, bars] * 3]
        assert all(future.result() == alone[draw] for draw, future in drawn)


def test_the_png_holds_exactly_the_pixels_drawn() -> None:
    from PIL import Image

    rgb = bytes((x * 7 + y * 3 + c) % 256 for y in range(5) for x in range(4) for c in range(3))
    png = style.encode_png(rgb, 4, 5)
    image = Image.open(io.BytesIO(png))
    assert image.size == (4, 5) and image.mode == "RGB" and image.tobytes() == rgb
    assert image.info["dpi"] == pytest.approx((style.DPI, style.DPI), abs=0.1)


def test_the_longest_row_name_and_the_percentages_are_drawn_whole() -> None:
    """The bars' frame is computed, not laid out: the widest name still fits on the left and
    the share met at the end of a row still fits on the right."""
    from bot.charts.bars import StackedBars, stacked_png

    for name in ("W", "WWWWWWWWWWWWWW"):  # cut to 10 characters on the chart
        png, numbered = stacked_png(StackedBars(
            "Calls", "Calls", ["met", "open"], ["done", "to do"],
            [(name, [0, 3]), ("b", [3, 0]), ("c", [1, 1])]))
        ink = np.any(pixels(png) < 200, axis=-1)  # darker than the lightest paint
        columns = np.flatnonzero(ink.any(axis=0))
        assert not numbered and width_height(png)[0] == 1080
        assert 0 < columns[0] < 40, name  # the name starts just inside the left edge
        assert columns[-1] < 1079, name  # "100%" ends inside the right edge
