"""The people who talk to the bot live in the package (bot/botapi/people.py); re-exported here."""

from bot.botapi.people import ChatView, FakeGroup, FakeUser, text_fields

__all__ = ["ChatView", "FakeGroup", "FakeUser", "text_fields"]
