"""Telegram's HTML parse mode: a strict validator that yields plain text and entities."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ENTITY_TYPES: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_CHAR_REF = re.compile(r"&(?:#([0-9]{1,7})|#x([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));")
_SPACE = " \t\n\r\f\v"
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9.\-]*")


class HtmlError(ValueError):
    """The text is not valid Telegram HTML; str() is Telegram's wording."""


@dataclass
class Parsed:
    """Plain text and Bot API MessageEntity dicts (offsets in UTF-16 code units)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Open:
    """A start tag waiting for its end tag."""

    name: str
    offset: int
    attrs: dict[str, str]


def utf16_len(text: str) -> int:
    """Length of text in UTF-16 code units, as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> Parsed:
    """Parse Telegram HTML strictly; raise HtmlError as Telegram would (and on a bare '&')."""
    return trim(_Parser(source).run())


def trim(parsed: Parsed) -> Parsed:
    """Strip leading/trailing whitespace like Telegram and clip entities to what is left."""
    body = parsed.text.strip()
    if not body:
        return Parsed("", [])
    lead = utf16_len(parsed.text[: len(parsed.text) - len(parsed.text.lstrip())])
    size = utf16_len(body)
    entities = []
    for entity in parsed.entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return Parsed(body, entities)


def decode_char_ref(source: str, pos: int) -> tuple[str, int] | None:
    """Decode the character reference at pos; return (char, end) or None if it is not one."""
    match = _CHAR_REF.match(source, pos)
    if match is None:
        return None
    dec, hexa, name = match.groups()
    if name:
        return _NAMED[name], match.end()
    code = int(dec) if dec else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


class _Parser:
    """A small tokenizer following tdlib's parse_html, plus a strict '&' rule."""

    def __init__(self, source: str) -> None:
        """Prepare to parse source."""
        self.src = source
        self.pos = 0
        self.out: list[str] = []
        self.offset = 0
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def run(self) -> Parsed:
        """Parse the whole source."""
        while self.pos < len(self.src):
            char = self.src[self.pos]
            if char == "&":
                self._char_ref()
            elif char == "<":
                self._tag()
            else:
                self._emit(char)
                self.pos += 1
        if self.stack:
            name = self.stack[-1].name
            raise HtmlError(f'Can\'t find end tag corresponding to start tag "{name}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return Parsed("".join(self.out), self.entities)

    def _byte(self, pos: int) -> int:
        """Byte offset of a character position, as Telegram reports it."""
        return len(self.src[:pos].encode())

    def _emit(self, text: str) -> None:
        """Append text to the plain output."""
        self.out.append(text)
        self.offset += utf16_len(text)

    def _char_ref(self) -> None:
        """Decode an entity such as &amp; or &#39; or fail on a bare '&'."""
        decoded = decode_char_ref(self.src, self.pos)
        if decoded is None:
            raise HtmlError(
                f'Character "&" at byte offset {self._byte(self.pos)} does not start an HTML '
                "entity (&lt; &gt; &amp; &quot; &#N; &#xN;); escape it as &amp;"
            )
        self._emit(decoded[0])
        self.pos = decoded[1]

    def _tag(self) -> None:
        """Handle a start or end tag beginning at '<'."""
        if self.src.startswith("</", self.pos):
            self._end_tag()
        else:
            self._start_tag()

    def _scan_name(self, pos: int) -> int:
        """Index of the first whitespace or '>' at or after pos (len(src) if none)."""
        while pos < len(self.src) and self.src[pos] not in _SPACE and self.src[pos] != ">":
            pos += 1
        return pos

    def _skip_space(self, pos: int) -> int:
        """Index of the first non-whitespace character at or after pos."""
        while pos < len(self.src) and self.src[pos] in _SPACE:
            pos += 1
        return pos

    def _start_tag(self) -> None:
        """Parse a start tag with its attributes and push it."""
        begin = self.pos
        end = self._scan_name(begin + 1)
        if end >= len(self.src):
            raise HtmlError(f"Unclosed start tag at byte offset {self._byte(begin)}")
        name = self.src[begin + 1 : end].lower()
        if name not in ENTITY_TYPES:
            raise HtmlError(f'Unsupported start tag "{name}" at byte offset {self._byte(begin)}')
        attrs, self.pos = self._attributes(end, begin, name)
        self._check_start(name, attrs, begin)
        self.stack.append(_Open(name, self.offset, attrs))

    def _attributes(self, pos: int, begin: int, tag: str) -> tuple[dict[str, str], int]:
        """Parse attributes up to '>'; return them and the index after '>'."""
        attrs: dict[str, str] = {}
        while True:
            pos = self._skip_space(pos)
            if pos >= len(self.src):
                raise HtmlError(f"Unclosed start tag at byte offset {self._byte(begin)}")
            if self.src[pos] == ">":
                return attrs, pos + 1
            start = pos
            while pos < len(self.src) and self.src[pos] not in _SPACE + "=>":
                pos += 1
            name = self.src[start:pos].lower()
            pos = self._skip_space(pos)
            if pos < len(self.src) and self.src[pos] == "=":
                value, pos = self._attr_value(self._skip_space(pos + 1), begin)
            else:
                value = ""
            attrs.setdefault(name, value)

    def _attr_value(self, pos: int, begin: int) -> tuple[str, int]:
        """Parse a quoted or bare attribute value starting at pos."""
        if pos >= len(self.src):
            raise HtmlError(f"Unclosed start tag at byte offset {self._byte(begin)}")
        quote = self.src[pos]
        if quote not in "'\"":
            match = _TOKEN_CHARS.match(self.src, pos)
            end = match.end() if match else pos
            if end >= len(self.src) or self.src[end] not in _SPACE + ">":
                raise HtmlError(f"Unexpected end of name token at byte offset {self._byte(pos)}")
            return self.src[pos:end].lower(), end
        value: list[str] = []
        pos += 1
        while pos < len(self.src) and self.src[pos] != quote:
            decoded = decode_char_ref(self.src, pos) if self.src[pos] == "&" else None
            if decoded:
                value.append(decoded[0])
                pos = decoded[1]
            else:
                value.append(self.src[pos])
                pos += 1
        if pos >= len(self.src):
            raise HtmlError(f"Unclosed start tag at byte offset {self._byte(begin)}")
        return "".join(value), pos + 1

    def _check_start(self, name: str, attrs: dict[str, str], begin: int) -> None:
        """Reject start tags Telegram refuses because of their attributes."""
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self._byte(begin)}'
            )
        if name == "tg-emoji" and not attrs.get("emoji-id"):
            raise HtmlError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {self._byte(begin)}'
            )

    def _end_tag(self) -> None:
        """Parse an end tag and close the innermost open tag."""
        begin = self.pos
        if not self.stack:
            raise HtmlError(f"Unexpected end tag at byte offset {self._byte(begin)}")
        end = self._scan_name(begin + 2)
        name = self.src[begin + 2 : end]
        close = self._skip_space(end)
        if close >= len(self.src) or self.src[close] != ">":
            raise HtmlError(f"Unclosed end tag at byte offset {self._byte(begin)}")
        top = self.stack.pop()
        if name and name != top.name:
            raise HtmlError(
                f'Unmatched end tag at byte offset {self._byte(begin)}, expected "</{top.name}>", '
                f'found "</{name}>"'
            )
        self.pos = close + 1
        self._add_entity(top)

    def _add_entity(self, tag: _Open) -> None:
        """Record the entity for a closed tag (empty ones are dropped, as Telegram does)."""
        length = self.offset - tag.offset
        if length <= 0:
            return
        entity: dict[str, Any] = {"type": ENTITY_TYPES[tag.name], "offset": tag.offset}
        entity["length"] = length
        if tag.name == "a":
            if not tag.attrs.get("href"):
                return
            entity["url"] = tag.attrs["href"]
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attrs["emoji-id"]
        elif tag.name == "blockquote" and "expandable" in tag.attrs:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "pre" and tag.attrs.get("language"):
            entity["language"] = tag.attrs["language"]
        elif tag.name == "code" and self._inside_pre(tag):
            return
        self.entities.append(entity)

    def _inside_pre(self, code: _Open) -> bool:
        """Whether a code tag sits directly in a pre; its language then goes to the pre."""
        if not self.stack or self.stack[-1].name != "pre":
            return False
        language = code.attrs.get("class", "")
        if language.startswith("language-"):
            self.stack[-1].attrs.setdefault("language", language.removeprefix("language-"))
        return True
