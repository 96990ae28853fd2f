"""Button prefixes: each claimed by one handler, short enough for Telegram's 64 bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from bot.services.context import Services
from bot.telegram.app import PREFIX_MAX, build_application, button_prefixes, check_prefixes
from bot.telegram.flows import FlowRegistry
from storage.db import Database
from tests.use_cases import catalog

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "architecture.md").read_text("utf-8")


async def test_every_prefix_is_claimed_once_and_documented(tmp_path: Path) -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "123456:TEST-token-abcdefghij",
                              "ZHONGFU_DATABASE": str(tmp_path / "z.sqlite3")})
    db = await Database.open(settings.database)
    try:
        app, _ = build_application(
            Services(settings, db, catalog()))
    finally:
        await db.close()
    prefixes = button_prefixes(app)
    assert len(prefixes) == len(set(prefixes)) > 20
    assert all(len(p) <= PREFIX_MAX for p in prefixes)
    undocumented = [p for p in prefixes if f"`{p}`" not in DOCS]
    assert undocumented == [], "add them to the table of button prefixes in the docs"


def test_a_prefix_claimed_twice_or_too_long_stops_the_start() -> None:
    with pytest.raises(RuntimeError, match="two handlers"):
        check_prefixes(["cs", "hf", "cs"])
    with pytest.raises(RuntimeError, match="longer"):
        check_prefixes(["averyverylongprefix"])


def test_a_flow_registered_twice_is_refused() -> None:
    class Flow:
        def __init__(self, name: str, prefix: str) -> None:
            self.name, self.prefix = name, prefix

    flows = FlowRegistry()
    flows.add(Flow("report", "rp"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="already"):
        flows.add(Flow("other", "rp"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="twice"):
        flows.add(Flow("report", "zz"))  # type: ignore[arg-type]
