"""Settings of a deployment: webhook mode, the listen address, the log format; and the log
formatters that keep secrets and request bodies out."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.logs import HideBodies, JsonFormatter, RedactingFormatter

TOKEN = "123456:ABCdefGHIjklMNOpqr"
URL = "https://bot.example.org/telegram"


def test_long_polling_is_the_default() -> None:
    settings = load_settings({})
    assert settings.webhook_url is None and settings.webhook_secret is None
    assert settings.listen == ("127.0.0.1", 8080)
    assert settings.log_format == "plain"
    assert settings.backups == Path("backups")


def test_webhook_mode() -> None:
    settings = load_settings({"ZHONGFU_WEBHOOK_URL": URL, "ZHONGFU_WEBHOOK_SECRET": "a-B_9" * 50,
                              "ZHONGFU_LISTEN": "0.0.0.0:8443", "ZHONGFU_LOG_FORMAT": "JSON",
                              "ZHONGFU_DATABASE": "/srv/z/zhongfu.sqlite3"})
    assert settings.webhook_url == URL and settings.webhook_path == "/telegram"
    assert settings.listen == ("0.0.0.0", 8443)
    assert settings.log_format == "json"
    assert settings.backups == Path("/srv/z/backups")


@pytest.mark.parametrize(("env", "named"), [
    ({"ZHONGFU_WEBHOOK_URL": URL}, "ZHONGFU_WEBHOOK_SECRET is required"),
    ({"ZHONGFU_WEBHOOK_URL": URL, "ZHONGFU_WEBHOOK_SECRET": "has space"},
     "ZHONGFU_WEBHOOK_SECRET must be"),
    ({"ZHONGFU_WEBHOOK_URL": URL, "ZHONGFU_WEBHOOK_SECRET": "x" * 257},
     "ZHONGFU_WEBHOOK_SECRET must be"),
    ({"ZHONGFU_WEBHOOK_URL": "http://bot.example.org/t", "ZHONGFU_WEBHOOK_SECRET": "ok"},
     "ZHONGFU_WEBHOOK_URL must be a public https://"),
    ({"ZHONGFU_LISTEN": "8080"}, "ZHONGFU_LISTEN must be host:port"),
    ({"ZHONGFU_LISTEN": "127.0.0.1:99999"}, "ZHONGFU_LISTEN must be host:port"),
    ({"ZHONGFU_LOG_FORMAT": "xml"}, "ZHONGFU_LOG_FORMAT must be plain or json"),
])
def test_bad_values_name_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace("+", r"\+")) as caught:
        load_settings(env)
    secret = env.get("ZHONGFU_WEBHOOK_SECRET")
    if secret:
        assert secret not in str(caught.value), "the secret is never echoed"


def record(name: str, msg: str, *args: object) -> logging.LogRecord:
    """A log record as a library would make it."""
    return logging.LogRecord(name, logging.DEBUG, __file__, 1, msg, args, None)


def test_request_bodies_are_dropped_and_secrets_scrubbed() -> None:
    body = {"chat_id": 1, "text": "电话 13912345678，地址 翠竹路88号"}
    entry = record("telegram.ext.ExtBot", "Calling Bot API endpoint `%s` with parameters `%s`",
                   "sendMessage", body)
    assert HideBodies().filter(entry)
    plain = RedactingFormatter([TOKEN]).format(entry)
    assert "sendMessage" in plain and "13912345678" not in plain and "翠竹路" not in plain
    url = record("httpx", "HTTP Request: POST %s", f"https://api.telegram.org/bot{TOKEN}/getMe")
    line = json.loads(JsonFormatter([TOKEN]).format(url))
    assert line["level"] == "DEBUG" and line["logger"] == "httpx"
    assert TOKEN not in line["message"] and "<secret>" in line["message"]
    ours = record("bot.runner", "running as @%s", "zhongfu_bot")
    assert HideBodies().filter(ours) and ours.getMessage() == "running as @zhongfu_bot"
