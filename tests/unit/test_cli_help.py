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
