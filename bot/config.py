"""Settings read from a mapping (the environment plus an optional `.env`), validated at start."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SUPPORTED_LANGUAGES = ("zh", "en")
DEFAULT_API_URL = "https://api.telegram.org/bot"
# A token is "<bot id>:<secret>"; BotFather secrets are 35 characters, but test servers
# and future formats may differ, so only the shape is checked.
_TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{10,100}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_LOG_FORMATS = ("plain", "json")
# Telegram accepts 1-256 characters of these in a webhook's secret_token.
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
DEFAULT_LISTEN = ("127.0.0.1", 8080)


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Validated settings of one deployment."""

    token: str | None
    api_url: str
    database: Path
    timezone: ZoneInfo
    coordinators: frozenset[int]
    language: str
    coordinator_chat: int | None
    log_level: str = "INFO"
    reports_per_hour: int = 5
    draft_ttl_hours: int = 48
    invite_ttl_days: int = 7
    escalate_urgent_minutes: int = 30
    escalate_other_minutes: int = 24 * 60
    reminder_time: time = time(9, 0)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    areas: tuple[str, ...] = field(default_factory=tuple)
    # "internal": `zhongfu run` ticks every minute itself; "cron": only `zhongfu tick` does.
    scheduler: str = "internal"
    # The bot's clock runs this far from the wall clock: tests and demos set it so that the
    # bot lives on a chosen day and hour whatever the day it runs (0 in production).
    clock_shift: timedelta = timedelta(0)
    # Seconds to wait for Telegram's answer to a send before taking it as timed out.
    telegram_timeout: int = 15
    # Seconds a reply to the person acting is tried again after transient failures (network,
    # timeouts, 5xx, flood waits) before the handler gives up and the error handler answers.
    reply_patience: int = 60
    # Telegram's limits as the sender paces itself: messages a second to everyone together
    # (under Telegram's 30) and seconds between two messages to one chat (replies excepted).
    # Tests against the built-in server shorten them; production keeps the defaults.
    pace_per_second: int = 28
    pace_chat_seconds: float = 1.0
    # Seconds Telegram may keep answering getUpdates with 409 Conflict (another process takes
    # this bot's updates: the same token runs elsewhere) before `zhongfu run` gives up.
    conflict_seconds: int = 300
    # An update a passing storage failure kept from being handled (a full disk, a lock held
    # too long) is tried again after these many seconds, the last repeated until it works.
    # 30 s outlasts a lock held by a long write (a backup, an import) or a passing I/O error
    # while the person is likely still looking; 2 min catches what that missed without a round
    # every few seconds on a full disk; 10 min bounds the wait once an operator has freed
    # space, for one failed write per waiting chat meanwhile.
    retry_seconds: tuple[int, ...] = (30, 120, 600)
    # Closed reports are anonymised this many days after closing.
    retain_report_days: int = 365
    log_format: str = "plain"
    # Webhook mode when set: Telegram posts updates to this public HTTPS URL.
    webhook_url: str | None = None
    webhook_secret: str | None = None
    listen: tuple[str, int] = DEFAULT_LISTEN
    # Where `deploy/backup.sh` writes nightly copies (doctor reports on them).
    backup_dir: Path | None = None

    @property
    def webhook_path(self) -> str:
        """The path Telegram posts to: the path of the public URL (a proxy passes it on)."""
        return urlsplit(self.webhook_url or "").path or "/"

    @property
    def backups(self) -> Path:
        """The folder of nightly backups: ZHONGFU_BACKUP_DIR, else `backups/` beside the file."""
        return self.backup_dir or self.database.parent / "backups"

    @property
    def file_url(self) -> str:
        """Base URL for file downloads, derived from the Bot API URL as Telegram lays it out."""
        if self.api_url.endswith("/bot"):
            return self.api_url[: -len("/bot")] + "/file/bot"
        return self.api_url.rstrip("/") + "/file/bot"

    def require_token(self) -> str:
        """Return the token or raise: `run` and `tick` cannot work without one."""
        if not self.token:
            raise ConfigError("TELEGRAM_BOT_TOKEN is required: get one from @BotFather")
        return self.token


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a `.env` file: KEY=VALUE lines, `#` comments, optional quotes."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key] = value
    return values


def environment(environ: Mapping[str, str], cwd: Path) -> dict[str, str]:
    """The effective environment: `.env` in `cwd` first, real environment variables win."""
    merged = read_dotenv(cwd / ".env")
    merged.update(environ)
    return merged


def _default(name: str) -> Any:
    """A setting's default, written once: on the `Settings` field."""
    return Settings.__dataclass_fields__[name].default


def load_settings(env: Mapping[str, str], *, token_required: bool = False) -> Settings:
    """Build and validate settings from a mapping; raise ConfigError on the first bad value."""
    token = _token(env, token_required)
    webhook_url, webhook_secret = _webhook(env)
    return Settings(
        token=token,
        api_url=_api_url(env),
        database=Path(env.get("ZHONGFU_DATABASE", "").strip() or "zhongfu.sqlite3"),
        timezone=_timezone(env),
        coordinators=_coordinators(env),
        language=_language(env),
        coordinator_chat=_optional_int(env, "ZHONGFU_COORDINATOR_CHAT"),
        log_level=_log_level(env),
        reports_per_hour=_positive_int(env, "ZHONGFU_REPORTS_PER_HOUR",
                                       _default("reports_per_hour")),
        draft_ttl_hours=_positive_int(env, "ZHONGFU_DRAFT_TTL_HOURS", _default("draft_ttl_hours")),
        invite_ttl_days=_positive_int(env, "ZHONGFU_INVITE_TTL_DAYS", _default("invite_ttl_days")),
        escalate_urgent_minutes=_positive_int(env, "ZHONGFU_ESCALATE_URGENT_MINUTES",
                                                _default("escalate_urgent_minutes")),
        escalate_other_minutes=_positive_int(env, "ZHONGFU_ESCALATE_OTHER_MINUTES",
                                               _default("escalate_other_minutes")),
        reminder_time=_clock_time(env, "ZHONGFU_REMINDER_TIME", _default("reminder_time")),
        quiet_start=_clock_time(env, "ZHONGFU_QUIET_START", _default("quiet_start")),
        quiet_end=_clock_time(env, "ZHONGFU_QUIET_END", _default("quiet_end")),
        areas=_areas(env),
        scheduler=_scheduler(env),
        clock_shift=_clock_shift(env),
        telegram_timeout=_positive_int(env, "ZHONGFU_TELEGRAM_TIMEOUT",
                                       _default("telegram_timeout")),
        reply_patience=_positive_int(env, "ZHONGFU_REPLY_PATIENCE", _default("reply_patience")),
        pace_per_second=_positive_int(env, "ZHONGFU_PACE_PER_SECOND",
                                      _default("pace_per_second")),
        pace_chat_seconds=_positive_seconds(env, "ZHONGFU_PACE_CHAT_SECONDS",
                                            _default("pace_chat_seconds")),
        conflict_seconds=_positive_int(env, "ZHONGFU_CONFLICT_SECONDS",
                                       _default("conflict_seconds")),
        retry_seconds=_seconds_list(env, "ZHONGFU_RETRY_SECONDS", _default("retry_seconds")),
        retain_report_days=_positive_int(env, "ZHONGFU_RETAIN_REPORT_DAYS",
                                         _default("retain_report_days")),
        log_format=_log_format(env),
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        listen=_listen(env),
        backup_dir=_optional_path(env, "ZHONGFU_BACKUP_DIR"),
    )


def _token(env: Mapping[str, str], required: bool) -> str | None:
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        if required:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather")
        return None
    if not _TOKEN_RE.match(token):
        # Never echo the token itself: it is a secret even when malformed.
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is malformed: expected '<digits>:<secret>' as given by @BotFather"
        )
    return token


def _api_url(env: Mapping[str, str]) -> str:
    url = env.get("TELEGRAM_API_URL", "").strip() or DEFAULT_API_URL
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"TELEGRAM_API_URL must start with http:// or https://, got {url!r}")
    return url


def _timezone(env: Mapping[str, str]) -> ZoneInfo:
    name = env.get("ZHONGFU_TIMEZONE", "").strip() or "Asia/Shanghai"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"ZHONGFU_TIMEZONE {name!r} is not a known IANA time zone (e.g. Asia/Shanghai)"
        ) from None


def _coordinators(env: Mapping[str, str]) -> frozenset[int]:
    raw = env.get("ZHONGFU_COORDINATORS", "")
    ids: set[int] = set()
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise ConfigError(
                f"ZHONGFU_COORDINATORS must be comma-separated numeric Telegram user ids; "
                f"{part!r} is not a number"
            )
        ids.add(int(part))
    return frozenset(ids)


def _language(env: Mapping[str, str]) -> str:
    lang = env.get("ZHONGFU_LANGUAGE", "").strip().lower() or "zh"
    if lang not in SUPPORTED_LANGUAGES:
        raise ConfigError(
            f"ZHONGFU_LANGUAGE must be one of {', '.join(SUPPORTED_LANGUAGES)}, got {lang!r}"
        )
    return lang


def _log_level(env: Mapping[str, str]) -> str:
    level = env.get("ZHONGFU_LOG_LEVEL", "").strip().upper() or "INFO"
    if level not in _LOG_LEVELS:
        raise ConfigError(f"ZHONGFU_LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}")
    return level


def _optional_int(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a numeric chat id (e.g. -1001234567890)") from None


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) <= 0:
        raise ConfigError(f"{name} must be a positive whole number, got {raw!r}")
    return int(raw)


def _seconds_list(env: Mapping[str, str], name: str,
                  default: tuple[int, ...]) -> tuple[int, ...]:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    parts = [p.strip() for p in raw.split(",")]
    if not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ConfigError(f"{name} must be positive whole numbers of seconds separated by "
                          f"commas, like 30,120,600; got {raw!r}")
    return tuple(int(p) for p in parts)


def _positive_seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise ConfigError(f"{name} must be a positive number of seconds, got {raw!r}")
    return seconds


def _clock_time(env: Mapping[str, str], name: str, default: time) -> time:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a time of day like 09:00, got {raw!r}") from None


def _scheduler(env: Mapping[str, str]) -> str:
    mode = env.get("ZHONGFU_SCHEDULER", "").strip().lower() or "internal"
    if mode not in ("internal", "cron"):
        raise ConfigError(f"ZHONGFU_SCHEDULER must be internal or cron, got {mode!r}")
    return mode


def _areas(env: Mapping[str, str]) -> tuple[str, ...]:
    """Communities, each optionally as 街道/社区 (its street first)."""
    from bot.domain.areas import valid_area_entry

    raw = env.get("ZHONGFU_AREAS", "").replace("，", ",")
    entries = tuple(a.strip() for a in raw.split(",") if a.strip())
    for entry in entries:
        if not valid_area_entry(entry):
            raise ConfigError("ZHONGFU_AREAS must list communities (or 街道/社区 pairs) "
                              f"separated by commas, got {entry!r}")
    return entries


def _clock_shift(env: Mapping[str, str]) -> timedelta:
    raw = env.get("ZHONGFU_CLOCK_SHIFT", "").strip()
    if not raw:
        return timedelta(0)
    try:
        return timedelta(seconds=float(raw))
    except (ValueError, OverflowError):
        raise ConfigError(f"ZHONGFU_CLOCK_SHIFT must be a number of seconds, got {raw!r}") from None


def _log_format(env: Mapping[str, str]) -> str:
    fmt = env.get("ZHONGFU_LOG_FORMAT", "").strip().lower() or "plain"
    if fmt not in _LOG_FORMATS:
        raise ConfigError(f"ZHONGFU_LOG_FORMAT must be plain or json, got {fmt!r}")
    return fmt


def _webhook(env: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The webhook URL and secret; both or neither (the secret is never echoed)."""
    url = env.get("ZHONGFU_WEBHOOK_URL", "").strip()
    secret = env.get("ZHONGFU_WEBHOOK_SECRET", "").strip()
    if not url:
        return None, None
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ConfigError(
            f"ZHONGFU_WEBHOOK_URL must be a public https:// URL (Telegram requires it), got {url!r}"
        )
    if not secret:
        raise ConfigError(
            "ZHONGFU_WEBHOOK_SECRET is required with ZHONGFU_WEBHOOK_URL: 1-256 characters of "
            "A-Z a-z 0-9 _ - (e.g. from `openssl rand -hex 32`)"
        )
    if not _SECRET_RE.match(secret):
        raise ConfigError(
            "ZHONGFU_WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ - only"
        )
    return url, secret


def _listen(env: Mapping[str, str]) -> tuple[str, int]:
    raw = env.get("ZHONGFU_LISTEN", "").strip()
    if not raw:
        return DEFAULT_LISTEN
    host, sep, port = raw.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"ZHONGFU_LISTEN must be host:port like 127.0.0.1:8080, got {raw!r}")
    return host, int(port)


def _optional_path(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name, "").strip()
    return Path(raw) if raw else None
