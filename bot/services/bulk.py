"""Bulk work over every household (the tick's reminder run, the digest): the cyclic garbage
collector paused while millions of short-lived objects are built.

A tick builds rows, contact records and obligations for every household: no reference
cycles, all freed by reference counting, but each allocation burst makes the collector walk
every object still alive (at 100,000 households, most of the digest's time). Pausing it
loses nothing: cycles made meanwhile (by anything else the bot does) are collected later.
Nested and concurrent pauses are counted: the collector resumes when the last ends. Then
what is alive is frozen (gc.freeze: not walked again and again while the run's results are
used); the next pause unfreezes it and collects once, cycles that died meanwhile included.
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
    if _paused == 0:
        # What the last bulk work set aside (below) is watched again, and its cycles that
        # died meanwhile are collected now, while the heap is the bot's usual one: this is
        # the pause's one full collection.
        gc.unfreeze()
        gc.collect()
    _paused += 1
    gc.disable()
    try:
        yield
    finally:
        _paused -= 1
        if _paused == 0:
            # What the work built and still holds (the claimed reminders, through minutes of
            # sending) is set aside from the collector: its first passes after the pause
            # would walk every object of it, more than once (at 100,000 households, 0.4 s
            # each with the event loop waiting). Reference counting frees it as ever; a
            # cycle among it is collected when the next pause begins.
            gc.freeze()
            gc.enable()
