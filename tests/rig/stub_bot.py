"""For the few tests that stand a stub in for `telegram.Bot` (no HTTP at all).

The sender calls `Bot.do_api_request("sendMessage", {...})` for texts (bot/delivery/sender.py);
a stub written as `send_message(chat_id, text, **kwargs)` gets it through this mixin, with the
answer Telegram would give (the message, of which the sender reads the id).
"""

from __future__ import annotations

from typing import Any


class DirectCalls:
    """`do_api_request("sendMessage", …)` made into the stub's own `send_message(…)`."""

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> Any:
        raise NotImplementedError

    async def do_api_request(self, endpoint: str, api_kwargs: dict[str, Any] | None = None,
                             **_: Any) -> Any:
        params = {key: value for key, value in (api_kwargs or {}).items() if value is not None}
        if endpoint != "sendMessage":
            raise NotImplementedError(f"the stub bot does not take {endpoint}")
        sent = await self.send_message(params.pop("chat_id"), params.pop("text"), **params)
        return {"message_id": sent.message_id}
