"""A chat on the Bot API server as the page draws it: bubbles, keyboards, the command menu."""

from __future__ import annotations

import html
import re
from typing import Any

from bot.botapi.objects import BotMessage, ChatState
from bot.botapi.server import FakeBotApi, scope_key

# Telegram entity type -> (opening tag, closing tag); text_link is handled on its own.
_TAGS = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "code": ("<code>", "</code>"),
    "pre": ("<pre>", "</pre>"),
    "spoiler": ('<span class="spoiler">', "</span>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
}


def entities_html(plain: str, entities: list[dict[str, Any]]) -> str:
    """Safe HTML of a message from its plain text and entities (offsets in UTF-16 units)."""
    opens: dict[int, list[str]] = {}
    closes: dict[int, list[str]] = {}
    for entity in sorted(entities, key=lambda e: (e["offset"], -e["length"])):
        start, end = entity["offset"], entity["offset"] + entity["length"]
        tags = _tags(entity)
        if tags is None:
            continue
        opens.setdefault(start, []).append(tags[0])
        closes.setdefault(end, []).insert(0, tags[1])
    out: list[str] = []
    position = 0
    for char in plain:
        out.extend(closes.get(position, []) + opens.get(position, []))
        out.append(html.escape(char, quote=False))
        position += 2 if ord(char) > 0xFFFF else 1
    out.extend(closes.get(position, []))
    return "".join(out)


# A deep link (an invite) as the bot writes it in plain text; the page lets someone open it.
_DEEP_LINK = re.compile(r'(?<!href=")https://t\.me/[A-Za-z0-9_]{5,32}\?start=([A-Za-z0-9_-]{1,64})')


def deep_links(body: str) -> str:
    """Make t.me start links in a message's HTML openable on the page (as Telegram does)."""
    return _DEEP_LINK.sub(r'<a class="deeplink" href="#" data-start="\1">\g<0></a>', body)


def _tags(entity: dict[str, Any]) -> tuple[str, str] | None:
    """The tags for one entity, None for entities shown as plain text."""
    kind = entity.get("type")
    if kind == "text_link":
        url = str(entity.get("url", ""))
        if not url.startswith(("http://", "https://", "tg://")):
            return None
        return f'<a href="{html.escape(url)}" target="_blank" rel="noopener">', "</a>"
    return _TAGS.get(str(kind))


def chat_json(api: FakeBotApi, chat: ChatState, language: str) -> dict[str, Any]:
    """Everything one phone shows: messages in order, the reply keyboard, the menu."""
    items = [(message_id, _incoming(fields)) for message_id, fields in chat.incoming.items()]
    items += [(m.message_id, _outgoing(m)) for m in chat.messages if not m.deleted]
    keyboard = chat.reply_keyboard[1] if chat.reply_keyboard else None
    return {
        "messages": [item for _, item in sorted(items, key=lambda pair: pair[0])],
        "keyboard": _reply_keyboard(keyboard),
        "menu": menu_for(api, chat.chat_id, language),
    }


def menu_for(api: FakeBotApi, user_id: int, language: str) -> list[dict[str, str]]:
    """The command menu Telegram would show this person: the narrowest scope set, in their
    language if set for it, else the scope's default."""
    scopes = ({"type": "chat", "chat_id": user_id}, {"type": "all_private_chats"}, None)
    for scope in scopes:
        for lang in (language, ""):
            found = api.commands.get((scope_key(scope), lang))
            if found:
                return found
    return []


def _incoming(fields: dict[str, Any]) -> dict[str, Any]:
    """A message the person sent."""
    item: dict[str, Any] = {"id": fields["message_id"], "from": "me"}
    if "text" in fields:
        item["html"] = html.escape(str(fields["text"]))
    elif "location" in fields:
        where = fields["location"]
        item["location"] = [where["latitude"], where["longitude"]]
    elif "photo" in fields:
        item["photo"] = fields["photo"][-1]["file_id"]
    elif "document" in fields:
        item["document"] = {"file_id": fields["document"]["file_id"],
                            "name": fields["document"].get("file_name") or "file"}
    elif "voice" in fields or "audio" in fields:  # played on the page, as in Telegram
        item["audio"] = {"file_id": (fields.get("voice") or fields["audio"])["file_id"]}
    elif "contact" in fields:
        item["html"] = "📞 " + html.escape(str(fields["contact"].get("phone_number", "")))
    else:
        item["html"] = "…"
    if fields.get("caption"):
        item["caption"] = html.escape(str(fields["caption"]))
    return item


def _outgoing(message: BotMessage) -> dict[str, Any]:
    """A message of the bot, in its current (possibly edited) state."""
    item: dict[str, Any] = {"id": message.message_id, "from": "bot", "edited": message.edits}
    body = entities_html(message.plain, message.entities)
    if message.kind == "text":
        item["html"] = deep_links(body)
    elif message.kind == "location" and message.location:
        item["location"] = list(message.location)
    elif message.kind == "photo":
        item.update({"photo": message.file_id, "caption": body})
    elif message.kind in ("voice", "audio"):  # a reporter's voice, sent on: a player
        item.update({"audio": {"file_id": message.file_id}, "caption": body})
    else:
        item.update({"document": {"file_id": message.file_id,
                                  "name": message.file_name or "file"}, "caption": body})
    rows = (message.reply_markup or {}).get("inline_keyboard") or []
    item["buttons"] = [[_inline(button) for button in row] for row in rows]
    return item


def _inline(button: dict[str, Any]) -> dict[str, str]:
    """One inline button: a callback to press or a link to show."""
    if "callback_data" in button:
        return {"text": str(button["text"]), "data": str(button["callback_data"])}
    return {"text": str(button["text"]), "url": str(button.get("url", ""))}


def _reply_keyboard(markup: dict[str, Any] | None) -> list[list[dict[str, Any]]]:
    """The reply keyboard's rows: label and whether it shares a location or a phone."""
    if not markup:
        return []
    rows = markup.get("keyboard") or []
    return [[_reply_button(button) for button in row] for row in rows]


def _reply_button(button: Any) -> dict[str, Any]:
    """One reply keyboard button."""
    if isinstance(button, str):
        return {"text": button}
    return {"text": str(button.get("text", "")),
            "location": bool(button.get("request_location")),
            "contact": bool(button.get("request_contact"))}
