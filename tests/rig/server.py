"""The fake Bot API server lives in the package (bot/botapi/); tests import it from here too."""

from bot.botapi.server import (
    ApiError,
    BotMessage,
    CallbackAnswer,
    FakeBotApi,
    FakeGroup,
    FakeUser,
    Hold,
    StoredFile,
    scope_key,
)

__all__ = [
    "ApiError",
    "BotMessage",
    "CallbackAnswer",
    "FakeBotApi",
    "FakeGroup",
    "FakeUser",
    "Hold",
    "StoredFile",
    "scope_key",
]
