"""Configuration: read from a mapping, validated with one clear line per problem."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, environment, load_settings
from bot.delivery.pacing import OVERALL_PER_SECOND, PER_CHAT_SECONDS
from bot.services.context import clock_for, utc_now
from tests.conftest import existing_database

TOKEN = "123456:ABCdefGHIjklMNOpqr"


def test_defaults() -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}, token_required=True)
    assert settings.api_url == "https://api.telegram.org/bot"
    assert settings.file_url == "https://api.telegram.org/file/bot"
    assert settings.database == Path("zhongfu.sqlite3")
    assert settings.timezone.key == "Asia/Shanghai"
    assert settings.coordinators == frozenset()
    assert settings.language == "zh"
    assert settings.coordinator_chat is None
    assert settings.reminder_time == time(9, 0)
    assert settings.clock_shift == timedelta(0)
    # A reply is tried for a minute, and sends keep to Telegram's pace, unless tests say
    # otherwise.
    assert settings.reply_patience == 60
    assert settings.pace_per_second == OVERALL_PER_SECOND
    assert settings.pace_chat_seconds == PER_CHAT_SECONDS


def test_tests_can_shorten_the_waits() -> None:
    settings = load_settings({"ZHONGFU_REPLY_PATIENCE": "3", "ZHONGFU_PACE_PER_SECOND": "300",
                              "ZHONGFU_PACE_CHAT_SECONDS": "0.05"})
    assert (settings.reply_patience, settings.pace_per_second,
            settings.pace_chat_seconds) == (3, 300, 0.05)


def test_failed_updates_are_tried_again_after_30_s_2_min_then_every_10_min() -> None:
    assert load_settings({}).retry_seconds == (30, 120, 600)
    assert load_settings({"ZHONGFU_RETRY_SECONDS": " 5, 60 "}).retry_seconds == (5, 60)


def test_a_shifted_clock_reads_the_chosen_instant() -> None:
    settings = load_settings({"ZHONGFU_CLOCK_SHIFT": "-86400.5"})
    assert settings.clock_shift == timedelta(days=-1, seconds=-0.5)
    before = datetime.now(UTC)
    shifted = clock_for(settings)()
    assert timedelta(days=-1, seconds=-1) < shifted - before < timedelta(days=-1, seconds=1)
    assert clock_for(load_settings({})) is utc_now


def test_values_are_parsed() -> None:
    settings = load_settings({
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": "http://127.0.0.1:8081/bot",
        "ZHONGFU_TIMEZONE": "Europe/Berlin", "ZHONGFU_COORDINATORS": " 12, 34 ,",
        "ZHONGFU_LANGUAGE": "EN", "ZHONGFU_COORDINATOR_CHAT": "-1001234",
        "ZHONGFU_AREAS": "东门社区, 翠竹社区", "ZHONGFU_REMINDER_TIME": "08:30",
    })
    assert settings.file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.coordinators == {12, 34}
    assert settings.language == "en"
    assert settings.coordinator_chat == -1001234
    assert settings.areas == ("东门社区", "翠竹社区")
    assert settings.reminder_time == time(8, 30)


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ZHONGFU_TIMEZONE": "Asia/Atlantis"}, "ZHONGFU_TIMEZONE"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ZHONGFU_COORDINATORS": "12,abc"}, "ZHONGFU_COORDINATORS"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ZHONGFU_LANGUAGE": "fr"}, "ZHONGFU_LANGUAGE"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ZHONGFU_COORDINATOR_CHAT": "group"},
         "ZHONGFU_COORDINATOR_CHAT"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": "ftp://x"}, "TELEGRAM_API_URL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ZHONGFU_REPORTS_PER_HOUR": "0"},
         "ZHONGFU_REPORTS_PER_HOUR"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ZHONGFU_REMINDER_TIME": "9am"}, "ZHONGFU_REMINDER_TIME"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ZHONGFU_SCHEDULER": "sometimes"}, "ZHONGFU_SCHEDULER"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ZHONGFU_CLOCK_SHIFT": "tomorrow"},
         "ZHONGFU_CLOCK_SHIFT"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ZHONGFU_RETRY_SECONDS": "30,,600"},
         "ZHONGFU_RETRY_SECONDS"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ZHONGFU_RETRY_SECONDS": "30,0"},
         "ZHONGFU_RETRY_SECONDS"),


        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ZHONGFU_REPLY_PATIENCE": "0"}, "ZHONGFU_REPLY_PATIENCE"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ZHONGFU_PACE_CHAT_SECONDS": "0"},
         "ZHONGFU_PACE_CHAT_SECONDS"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ZHONGFU_PACE_CHAT_SECONDS": "nan"},
         "ZHONGFU_PACE_CHAT_SECONDS"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(env, token_required=True)
    assert names in str(info.value)


def test_malformed_token_is_not_echoed() -> None:
    secret = "12345:short"
    with pytest.raises(ConfigError) as info:
        load_settings({"TELEGRAM_BOT_TOKEN": secret}, token_required=True)
    assert secret not in str(info.value)


def test_dotenv_is_read_and_environment_wins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "# comment\nTELEGRAM_BOT_TOKEN='123:fromdotenvfile'\nexport ZHONGFU_LANGUAGE=en\n"
        "ZHONGFU_TIMEZONE=Asia/Shanghai\n", encoding="utf-8")
    env = environment({"ZHONGFU_TIMEZONE": "UTC"}, tmp_path)
    assert env["TELEGRAM_BOT_TOKEN"] == "123:fromdotenvfile"
    assert env["ZHONGFU_LANGUAGE"] == "en"
    assert env["ZHONGFU_TIMEZONE"] == "UTC"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ZHONGFU_TIMEZONE": "Nowhere/Land"}, "ZHONGFU_TIMEZONE"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ZHONGFU_COORDINATORS": "x"}, "ZHONGFU_COORDINATORS"),
    ],
)
def test_cli_exits_2_with_one_line(tmp_path: Path, env: dict[str, str], expected: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", **env}, timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def _zhongfu(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "TELEGRAM_BOT_TOKEN": TOKEN,
           # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
           "TELEGRAM_API_URL": "http://127.0.0.1:9/bot", "NO_PROXY": "127.0.0.1"}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=60)


def test_tick_with_a_malformed_instant_exits_2(tmp_path: Path) -> None:
    result = _zhongfu(tmp_path, "tick", "--at", "next monday")
    assert result.returncode == 2
    assert "--at must be an ISO-8601" in result.stderr


def test_tick_without_telegram_does_nothing_and_says_so(tmp_path: Path) -> None:
    existing_database(tmp_path / "zhongfu.sqlite3")  # as `zhongfu run` leaves it
    result = _zhongfu(tmp_path, "tick", "--at", "2026-11-30T09:00")
    assert result.returncode == 1
    assert "Telegram not reachable" in result.stderr and "Traceback" not in result.stderr


def test_areas_may_name_their_street() -> None:
    settings = load_settings({"ZHONGFU_AREAS": "东门街道/东门社区，东门街道／湖贝社区, 翠竹社区"})
    assert settings.areas == ("东门街道/东门社区", "东门街道／湖贝社区", "翠竹社区")
    for bad in ("东门街道/", "a/b/c", "x" * 65):
        with pytest.raises(ConfigError, match="ZHONGFU_AREAS"):
            load_settings({"ZHONGFU_AREAS": bad})
