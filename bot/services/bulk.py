"""Bulk work over every household (the tick's reminder run, the digest): the cyclic garbage
collector paused while millions of short-lived objects are built.

A tick builds rows, contact records and obligations for every household: no reference
cycles, all freed by reference counting, but each allocation burst makes the collector walk
every object still alive (at 100,000 households, most of the digest's time). Pausing it
loses nothing: cycles made meanwhile (by anything else the bot does) are collected once it
resumes. Nested and concurrent pauses are counted: the collector resumes when the last ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_paused = 0


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector off (back on after the last pause)."""
    global _paused
    if _paused == 0 and not gc.isenabled():
        yield  # switched off by someone else (a test, the embedder): leave it so
        return
    _paused += 1
    gc.disable()
    try:
        yield
    finally:
        _paused -= 1
        if _paused == 0:
            gc.enable()
