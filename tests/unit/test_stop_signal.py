"""SIGTERM ends the process in time even when the event loop is stuck."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from tests.conftest import ROOT

# A bot whose event loop hangs in its own work: the loop-based signal handling of asyncio
# would never run, so only the watchdog can end it.
STUCK = """
import asyncio, logging, sys, time
from bot import eventloop, runner

logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")

async def main():
    stop = asyncio.Event()
    runner.on_stop_signal(asyncio.get_running_loop(), stop, seconds=1.0)
    print("ready", flush=True)
    while True:
        time.sleep(0.05)   # stuck: never yields to the loop

eventloop.run(main())  # the loop `zhongfu run` uses
"""

CALM = """
import asyncio, logging, sys
from bot import eventloop, runner

logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")

async def main():
    stop = asyncio.Event()
    runner.on_stop_signal(asyncio.get_running_loop(), stop, seconds=30.0)
    print("ready", flush=True)
    await stop.wait()
    print("stopped cleanly", flush=True)

eventloop.run(main())  # the loop `zhongfu run` uses
"""


def _run_until_ready(script: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def test_a_stuck_bot_still_exits_soon_after_sigterm() -> None:
    proc = _run_until_ready(STUCK)
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=15)
    assert proc.returncode == 0, out
    assert time.monotonic() - sent < 10
    assert "stopping (SIGTERM)" in out
    assert "shutdown took over 1.0 s; exiting now" in out


def test_a_calm_bot_stops_by_itself_without_the_watchdog() -> None:
    proc = _run_until_ready(CALM)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=15)
    assert proc.returncode == 0, out
    assert "stopped cleanly" in out
    assert "exiting now" not in out
