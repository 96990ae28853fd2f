"""An unexpected error at the top of a command goes through logging: one ERROR line with the
exception's type (plain or JSON), the traceback only at DEBUG; never Python's own print."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from bot import cli


@pytest.fixture
def broken(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every command fails with an error nobody expected."""
    def fail(*_args: object) -> int:
        raise ValueError("something nobody expected")

    monkeypatch.setattr(cli, "_dispatch", fail)
    monkeypatch.setattr(os, "umask", lambda _mask: 0o022)  # main() sets the process's umask
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("ZHONGFU_", "TELEGRAM_")):
            monkeypatch.delenv(name)
    yield
    logging.getLogger().handlers.clear()


@pytest.mark.usefixtures("broken")
def test_one_error_line_without_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["erase", "person", "1"]) == 1
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert " ERROR bot: " in lines[0] and "ValueError: something nobody expected" in lines[0]


@pytest.mark.usefixtures("broken")
def test_the_traceback_at_debug(capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHONGFU_LOG_LEVEL", "DEBUG")
    assert cli.main(["erase", "person", "1"]) == 1
    err = capsys.readouterr().err
    assert "ValueError: something nobody expected" in err.splitlines()[0]
    assert "DEBUG" in err and "Traceback" in err


@pytest.mark.usefixtures("broken")
def test_json_log_keeps_the_traceback_in_its_field(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHONGFU_LOG_FORMAT", "json")
    monkeypatch.setenv("ZHONGFU_LOG_LEVEL", "DEBUG")
    assert cli.main(["erase", "person", "1"]) == 1
    entries = [json.loads(line) for line in capsys.readouterr().err.strip().splitlines()]
    error = next(e for e in entries if e["level"] == "ERROR")
    assert "ValueError" in error["message"]
    assert any("Traceback" in e.get("exception", "") for e in entries if e["level"] == "DEBUG")
