"""Charts drawn from two threads at once: one waits for the other, so neither loses its fonts.

matplotlib's settings are global to the process and bot.charts.style.figure changes them for
the time of a drawing; the digest and /stats draw in worker threads of their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType

import matplotlib
import pytest

from bot.charts import style
from bot.charts.bars import StackedBars, stacked_png
from bot.charts.stats import comparison_png

WAIT = 30.0  # seconds; only reached when the test fails (a thread never gets where it should)


class WatchedLock:
    """The drawing lock, telling when a thread finds it taken and has to wait."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.waiting = threading.Event()

    def __enter__(self) -> bool:
        if not self.lock.acquire(blocking=False):
            self.waiting.set()
            self.lock.acquire()
        return True

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.lock.release()


def bars() -> None:
    """A small stacked bar chart, drawn and encoded."""
    stacked_png(StackedBars("Calls", "Calls", ["met", "open"], ["met", "open"],
                            [("east", [3, 1]), ("west", [0, 2])]))


def stats() -> None:
    """The /stats comparison chart, drawn and encoded."""
    comparison_png([("call", 3, 1), ("visit", 0, 2)], ("now", "before"))


@pytest.mark.parametrize("second", [bars, stats], ids=["digest_chart", "stats_chart"])
def test_a_chart_waits_while_another_is_being_drawn(
        monkeypatch: pytest.MonkeyPatch, second: Callable[[], None]) -> None:
    watched = WatchedLock()
    monkeypatch.setattr(style, "DRAWING", watched)
    monkeypatch.setattr("bot.charts.stats.DRAWING", watched)
    events: list[str] = []
    inside = threading.Event()
    sizes: list[float] = []

    def first() -> None:
        with style.figure(2.0):
            events.append("first in")
            inside.set()
            # The second chart has found the lock taken before the first one lets go.
            assert watched.waiting.wait(WAIT)
            sizes.append(matplotlib.rcParams["font.size"])
            events.append("first out")

    def then() -> None:
        assert inside.wait(WAIT)
        second()
        events.append("second done")

    threads = [threading.Thread(target=first), threading.Thread(target=then)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert events == ["first in", "first out", "second done"]
    assert sizes == [style.FONT_SIZE]  # the first chart's settings held while the other waited
    assert not watched.lock.locked()


def test_a_failed_drawing_lets_the_next_one_draw() -> None:
    with pytest.raises(RuntimeError), style.figure(2.0):
        raise RuntimeError("drawing failed")
    assert not style.DRAWING.locked()
    bars()
