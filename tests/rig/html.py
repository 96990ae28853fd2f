"""Telegram's HTML parse mode lives in the package (bot/botapi/html.py); re-exported here."""

from bot.botapi.html import HtmlError, Parsed, parse_html, utf16_len

__all__ = ["HtmlError", "Parsed", "parse_html", "utf16_len"]
