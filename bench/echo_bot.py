"""The reference for bench_updates.py: a bare python-telegram-bot echo bot.

Run by the benchmark as a subprocess: python bench/echo_bot.py <token> <api url> [--limiter]

It answers every text message with the same text, as the PTB examples do: no database, no
durable intake. With --limiter it uses PTB's AIORateLimiter (30 messages/s overall, retrying a
429), which a bare bot needs against a server that enforces Telegram's limits.
"""

from __future__ import annotations

import argparse

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back."""
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("token")
    parser.add_argument("api_url")
    parser.add_argument("--limiter", action="store_true")
    args = parser.parse_args()
    builder = Application.builder().token(args.token).base_url(args.api_url)
    if args.limiter:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=5))
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.run_polling(poll_interval=0.0, timeout=20)


if __name__ == "__main__":
    main()
