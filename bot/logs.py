"""Logging to stderr, plain or JSON, with secrets and what people typed kept out of it.

The bot token (in every Bot API URL httpx logs) and the webhook secret are replaced in the
formatted line. What people type (phone numbers, addresses, descriptions) reaches the log only
through python-telegram-bot's DEBUG lines that print every request's parameters and every
answer; those lines keep the method's name and drop the bodies.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

PLAIN = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# PTB's DEBUG lines with request parameters / answers as their last argument.
_BODY_LINES = ("Calling Bot API endpoint", "Call to Bot API endpoint")


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "<secret>")
    return text


class RedactingFormatter(logging.Formatter):
    """Replace secrets in the formatted line (URLs logged by httpx carry the token)."""

    def __init__(self, secrets: list[str], fmt: str = PLAIN) -> None:
        super().__init__(fmt)
        self._secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        """Format the record, then scrub."""
        return _scrub(super().format(record), self._secrets)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and the traceback if any)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        """Format the record as JSON, then scrub."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _scrub(json.dumps(entry, ensure_ascii=False), self._secrets)


class HideBodies(logging.Filter):
    """Keep PTB's request/answer DEBUG lines to the method's name: the bodies carry what
    people typed."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drop it."""
        if (record.name.startswith("telegram") and isinstance(record.msg, str)
                and record.msg.startswith(_BODY_LINES) and isinstance(record.args, tuple)
                and record.args):
            record.msg = record.msg.split("`%s`", 1)[0] + "`%s` (parameters not logged)"
            record.args = record.args[:1]
        return True


def setup(level: str, secrets: list[str], fmt: str = "plain") -> None:
    """Send logs to stderr at `level`; keep chatty libraries quieter."""
    handler = logging.StreamHandler(sys.stderr)
    formatter: logging.Formatter = (
        JsonFormatter(secrets) if fmt == "json" else RedactingFormatter(secrets)
    )
    handler.setFormatter(formatter)
    handler.addFilter(HideBodies())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO; they include the token path segment.
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
