"""Smoke test: the cost-per-update benchmark still runs end to end (with 3 people)."""

from __future__ import annotations

import asyncio
import re
import sys

from tests.conftest import ROOT


async def test_bench_updates_runs_and_prints_the_ratio() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "bench" / "bench_updates.py"), "--n", "3", "--limiter", "off",
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    text = out.decode("utf-8", errors="replace")
    assert proc.returncode == 0, text
    # Every resident finished the report flow (11 updates each) and so did the echo users.
    assert re.search(r"zhongfu\s+33 updates\s+CPU\s+[\d.]+ ms/update", text), text
    assert re.search(r"echo\s+33 updates", text), text
    assert re.search(r"zhongfu ÷ echo: CPU per update × [\d.]+", text), text
