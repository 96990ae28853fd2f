"""A typo in ZHONGFU_DATABASE, or a command run from the wrong folder, never makes a new
empty database: only `zhongfu run` creates the file (never its folder); every other command
refuses with one line naming the absolute path, exit status 2. And `zhongfu --version`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, existing_database

TOKEN = "123456:TEST-token-abcdefghij"
ROSTER = ROOT / "examples" / "households.csv"


def zhongfu(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` in `cwd`, with no ZHONGFU_DATABASE unless given."""
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "PYTHONPATH": str(ROOT),
                   "TELEGRAM_BOT_TOKEN": TOKEN, "ZHONGFU_AREAS": "东门社区,翠竹社区",
                   # Port 9 (discard) on loopback: nothing listens, refused at once.
                   "TELEGRAM_API_URL": "http://127.0.0.1:9/bot", "NO_PROXY": "127.0.0.1",
                   **env}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=60)


COMMANDS = [
    ("import", "households", str(ROSTER)),
    ("import", "households", "--dry-run", str(ROSTER)),
    ("import", "referrals", str(ROOT / "examples" / "referrals.csv"), "--source", "法院"),
    ("erase", "person", "1001"),
    ("export", "--from", "2026-01-01", "--to", "2026-03-31", "out.xlsx"),
    ("backup", "copy.sqlite3"),
    ("tick", "--at", "2026-11-30T09:00"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_commands_other_than_run_refuse_a_missing_database(tmp_path: Path,
                                                           args: tuple[str, ...]) -> None:
    """Run from the wrong folder: ./zhongfu.sqlite3 does not exist."""
    done = zhongfu(tmp_path, *args)
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0] == (f"zhongfu: no database at {tmp_path / 'zhongfu.sqlite3'}: check "
                        "ZHONGFU_DATABASE and the folder you run zhongfu from (only `zhongfu "
                        "run` creates a new database)")
    assert list(tmp_path.iterdir()) == [], "nothing was created"


@pytest.mark.parametrize("args", [("run",), *COMMANDS, ("restore", "backup.sqlite3")],
                         ids=lambda a: " ".join(a[:2]))
def test_no_command_creates_the_folder_of_a_mistyped_database(tmp_path: Path,
                                                              args: tuple[str, ...]) -> None:
    typo = tmp_path / "var" / "lib" / "zhongfuu" / "zhongfu.sqlite3"
    existing_database(tmp_path / "backup.sqlite3")
    done = zhongfu(tmp_path, *args, ZHONGFU_DATABASE=str(typo))
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"its folder {typo.parent} does not exist" in lines[0], lines
    assert "check ZHONGFU_DATABASE" in lines[0]
    assert not (tmp_path / "var").exists()


def test_a_relative_database_path_is_named_absolute(tmp_path: Path) -> None:
    done = zhongfu(tmp_path, "erase", "person", "1", ZHONGFU_DATABASE="data/zf.sqlite3")
    assert done.returncode == 2
    assert f"its folder {tmp_path / 'data'} does not exist" in done.stderr


def test_doctor_says_the_folder_is_missing(tmp_path: Path) -> None:
    typo = tmp_path / "nowhere" / "zhongfu.sqlite3"
    done = zhongfu(tmp_path, "doctor", "--quick", ZHONGFU_DATABASE=str(typo))
    assert done.returncode == 1, done.stdout
    assert f"✗ database: the folder {typo.parent} does not exist — check ZHONGFU_DATABASE" \
        in done.stdout


def test_version() -> None:
    from bot.version import version

    assert version() not in ("", "unknown"), "zhongfu is installed (pip install -e .)"
    done = subprocess.run([sys.executable, "-m", "bot", "--version"], capture_output=True,
                          text=True, timeout=60, env={"PYTHONPATH": str(ROOT)})
    assert done.returncode == 0 and done.stdout == f"zhongfu {version()}\n", done


def test_doctor_names_the_version(tmp_path: Path) -> None:
    from bot.version import version

    done = zhongfu(tmp_path, "doctor", "--quick")
    assert f"zhongfu {version()}" in done.stdout.splitlines()[0], done.stdout
