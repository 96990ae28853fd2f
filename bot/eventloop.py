"""The event loop the long-running commands use: uvloop where it is installed.

uvloop cuts the bot's CPU per update by about a tenth (bench/README.md); where it cannot be
installed (Windows, an unusual platform) the standard loop does the same work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run `main` to completion on a fresh event loop, uvloop's if available."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
