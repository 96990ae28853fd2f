"""What a bot process loads at start: the heavy numeric libraries wait for their first use
(the digest's columns, the charts), or every process, the reminder run among them, would
carry them (numpy alone adds 15 MB; bench/README.md's peak RSS)."""

from __future__ import annotations

import os
import subprocess
import sys


def test_the_bot_starts_without_numpy_or_matplotlib() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c",
         "import sys, bot.cli, bot.jobs.digest, bot.jobs.reminders, bot.telegram.app; "
         "print(sorted(m for m in ('numpy', 'matplotlib') if m in sys.modules))"],
        capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_numpy_starts_no_threads_of_its_own() -> None:
    """Once the digest has imported numpy, the process has no more threads than before (its
    OpenBLAS would start one per core and spin them: CPU for nothing)."""
    counted = subprocess.run(
        [sys.executable, "-c",
         "import os, bot.domain.columns, numpy; print(len(os.listdir('/proc/self/task')))"],
        capture_output=True, text=True, check=True,
        env={k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"})
    assert counted.stdout.strip() == "1"
