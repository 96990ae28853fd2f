"""The collector pause around bulk work: nested pauses, and a collector already off."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.services.bulk import collector_paused


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    """Each test starts with the collector on, and leaves it on."""
    gc.enable()
    yield
    gc.enable()


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
