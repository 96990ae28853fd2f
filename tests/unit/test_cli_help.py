"""The command line's help names every form of a command, so an operator finds them."""

from __future__ import annotations

import pytest

from bot.cli import main


def test_export_help_names_the_referral_return(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["export", "--help"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    assert "--from DATE" in out and "zhongfu export referrals --help" in out


def test_tick_help_lists_its_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    """What cron or a monitor sees: done, Telegram or a send failing, the settings."""
    with pytest.raises(SystemExit) as stopped:
        main(["tick", "--help"])
    assert stopped.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "exit status: 0 done" in out
    assert "1 Telegram could not be reached, or messages wait to be tried again" in out
    assert "2 the settings or the database cannot be used" in out
