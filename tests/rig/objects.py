"""The Bot API objects live in the package (bot/botapi/objects.py); re-exported here."""

from bot.botapi.objects import ApiError, BotMessage, CallbackAnswer, ChatState, StoredFile

__all__ = ["ApiError", "BotMessage", "CallbackAnswer", "ChatState", "StoredFile"]
