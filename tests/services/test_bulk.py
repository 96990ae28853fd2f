"""The collector pause around bulk work: nested pauses, a collector already off, and what a
pause leaves alive set aside until the next one."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot.services.bulk import collector_paused


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    """Each test starts with the collector on, and leaves it on, nothing frozen."""
    gc.enable()
    yield
    gc.enable()
    gc.unfreeze()


def test_the_collector_resumes_after_the_last_of_nested_pauses() -> None:
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer bulk work is still running
    assert gc.isenabled()


def test_the_collector_resumes_when_the_bulk_work_fails() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_switched_off_elsewhere_stays_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


class Node:
    """Something that can be part of a reference cycle, and be watched by a weak reference."""

    def __init__(self) -> None:
        self.other: Node | None = None


def test_what_a_pause_leaves_alive_is_set_aside_and_its_dead_cycles_go_at_the_next() -> None:
    with collector_paused():
        kept = [Node() for _ in range(1000)]  # the run's results, used after the pause
        cycle = Node()
        cycle.other = Node()
        cycle.other.other = cycle
    assert gc.isenabled() and gc.get_freeze_count() >= len(kept)
    watch = weakref.ref(cycle)
    del cycle
    gc.collect()
    assert watch() is not None  # set aside: the collector does not walk it
    with collector_paused():
        assert watch() is None  # the next pause collected it before the bulk work began
        assert gc.get_freeze_count() == 0
    assert gc.get_freeze_count() > 0
    del kept
