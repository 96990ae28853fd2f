"""Logging to stderr, with the bot token scrubbed from every line."""

from __future__ import annotations

import logging
import sys


class RedactingFormatter(logging.Formatter):
    """Replace secrets in the formatted line (URLs logged by httpx carry the token)."""

    def __init__(self, secrets: list[str], fmt: str) -> None:
        super().__init__(fmt)
        self._secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        """Format the record, then scrub."""
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, "<token>")
        return text


def setup(level: str, secrets: list[str]) -> None:
    """Send logs to stderr at `level`; keep chatty libraries quieter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingFormatter(secrets, "%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO; they include the token path segment.
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
