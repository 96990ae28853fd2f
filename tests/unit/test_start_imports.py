"""What a bot process loads at start: the heavy numeric libraries wait for their first use
(the digest's columns, the charts), or every process, the reminder run among them, would
carry them (numpy alone adds 15 MB; bench/README.md's peak RSS)."""

from __future__ import annotations

import subprocess
import sys


def test_the_bot_starts_without_numpy_or_matplotlib() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c",
         "import sys, bot.cli, bot.jobs.digest, bot.jobs.reminders, bot.telegram.app; "
         "print(sorted(m for m in ('numpy', 'matplotlib') if m in sys.modules))"],
        capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
