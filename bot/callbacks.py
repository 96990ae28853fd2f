"""Callback data: one codec with typed parts, and a registry of prefixes checked when declared.

It sits beside the layers (no Telegram, no project imports) so that whoever builds a button —
a handler, a use case that queues a card, a scheduled reminder — declares it here once and
the handler that answers the press parses it with the same declaration.

Callback data is `prefix:action:part:part…` (or `prefix:part…` for a prefix with one
action-less button). Telegram carries at most 64 bytes and anyone can send any value, so
every button is declared once, with the longest value each part can take: a declaration
whose longest data would not fit, or a prefix declared twice, fails at import, not in chat.
Parsing returns the typed parts, or None for anything that is not exactly this button.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from enum import Enum
from typing import Any, Generic, TypeVar, TypeVarTuple, overload

CALLBACK_MAX = 64  # bytes: Telegram refuses longer callback data
PREFIX_MAX = 8  # leaves room for the action and ids
SEPARATOR = ":"
_PREFIX_RE = re.compile(r"^[a-z]{1,8}$")
_ACTION_RE = re.compile(r"^[a-z0-9]{0,8}$")

T = TypeVar("T")
S = TypeVar("S", bound=str)
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
E = TypeVar("E")
Ts = TypeVarTuple("Ts")


class Part(Generic[T]):
    """One typed part of callback data: how it is written, read, and how long it can be."""

    width: int  # the longest encoded value, in bytes

    def encode(self, value: T) -> str:
        """The value as written in callback data."""
        raise NotImplementedError

    def decode(self, raw: str) -> T:
        """The value read back; raises ValueError for anything this part never writes."""
        raise NotImplementedError


class Int(Part[int]):
    """A non-negative whole number (an id) of at most `digits` digits."""

    def __init__(self, digits: int = 12) -> None:
        self.width = digits
        self._re = re.compile(rf"^[0-9]{{1,{digits}}}$")

    def encode(self, value: int) -> str:
        """The number in decimal."""
        text = str(value)
        if isinstance(value, bool) or not self._re.match(text):
            raise ValueError(f"{value!r} does not fit {self.width} digits")
        return text

    def decode(self, raw: str) -> int:
        """The number, if it is plain ASCII digits of the right length."""
        if not self._re.match(raw):
            raise ValueError(f"not a number of {self.width} digits: {raw!r}")
        return int(raw)


class Choice(Part[S]):
    """One of a fixed set of short strings (an enum's values, or literals such as "0", "1")."""

    def __init__(self, values: Iterable[S]) -> None:
        self._by_raw: dict[str, S] = {}
        for value in values:
            raw = value.value if isinstance(value, Enum) else str(value)
            if not raw or SEPARATOR in raw:
                raise ValueError(f"choice {raw!r} is empty or holds {SEPARATOR!r}")
            self._by_raw[raw] = value
        if not self._by_raw:
            raise ValueError("a choice needs at least one value")
        self.width = max(len(raw.encode()) for raw in self._by_raw)

    def encode(self, value: S) -> str:
        """The value as written (an enum member by its value)."""
        raw = value.value if isinstance(value, Enum) else str(value)
        if raw not in self._by_raw:
            raise ValueError(f"{value!r} is not one of the choices")
        return str(raw)

    def decode(self, raw: str) -> S:
        """The value (the enum member, when declared with an enum)."""
        try:
            return self._by_raw[raw]
        except KeyError:
            raise ValueError(f"not a choice: {raw!r}") from None


class Day(Part[date]):
    """A calendar day, written YYYYMMDD."""

    width = 8

    def encode(self, value: date) -> str:
        """The day as eight digits."""
        return value.strftime("%Y%m%d")

    def decode(self, raw: str) -> date:
        """The day back; anything else is refused."""
        if not re.match(r"^[0-9]{8}$", raw):
            raise ValueError(f"not a day: {raw!r}")
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))


class Pattern(Part[str]):
    """Short text of a fixed shape (e.g. a quarter, 2026-Q3): the regex is matched whole."""

    def __init__(self, regex: str, width: int) -> None:
        self._re = re.compile(regex)
        self.width = width

    def encode(self, value: str) -> str:
        """The text, if it has the shape."""
        return self.decode(value)

    def decode(self, raw: str) -> str:
        """The text, if it has the shape and fits the width."""
        if SEPARATOR in raw or len(raw.encode()) > self.width or not self._re.fullmatch(raw):
            raise ValueError(f"not of the shape {self._re.pattern!r}: {raw!r}")
        return raw


class Maybe(Part[T | None]):
    """A trailing part that may be left out (None)."""

    def __init__(self, inner: Part[T]) -> None:
        self.inner = inner
        self.width = inner.width

    def encode(self, value: T | None) -> str:
        """Empty for None."""
        return "" if value is None else self.inner.encode(value)

    def decode(self, raw: str) -> T | None:
        """None when empty."""
        return None if raw == "" else self.inner.decode(raw)


class Button(Generic[*Ts]):
    """One kind of button: its prefix, its action and the types of its parts."""

    def __init__(self, prefix: str, action: str, parts: tuple[Part[Any], ...]) -> None:
        self.prefix = prefix
        self.action = action
        self.parts = parts
        self._head = [prefix, action] if action else [prefix]

    @property
    def width(self) -> int:
        """The longest data this button can carry, in bytes."""
        return len(SEPARATOR.join([*self._head, *("x" * p.width for p in self.parts)]).encode())

    def data(self, *values: *Ts) -> str:
        """The callback data for these values (trailing empty optional parts left out)."""
        if len(values) != len(self.parts):
            raise ValueError(f"{self} takes {len(self.parts)} parts, got {len(values)}")
        given: tuple[Any, ...] = values
        written = [part.encode(value) for part, value in zip(self.parts, given, strict=True)]
        while written and written[-1] == "" and isinstance(self.parts[len(written) - 1], Maybe):
            written.pop()
        return SEPARATOR.join([*self._head, *written])

    def parse(self, data: str) -> tuple[*Ts] | None:
        """The typed parts if `data` is exactly this button, else None (never raises)."""
        pieces = data.split(SEPARATOR)
        if pieces[: len(self._head)] != self._head:
            return None
        raw = pieces[len(self._head):]
        optional = sum(1 for p in self.parts if isinstance(p, Maybe))
        if not len(self.parts) - optional <= len(raw) <= len(self.parts):
            return None
        raw += [""] * (len(self.parts) - len(raw))
        try:
            values = tuple(part.decode(text) for part, text in zip(self.parts, raw, strict=True))
        except ValueError:
            return None
        return values

    def __repr__(self) -> str:
        return f"Button({SEPARATOR.join(self._head)!r})"


class Prefix:
    """The buttons of one prefix (one flow or screen), each action declared once."""

    def __init__(self, name: str, owner: str) -> None:
        self.name = name
        self.owner = owner
        self.buttons: dict[str, Button[*tuple[Any, ...]]] = {}

    @overload
    def button(self, action: str, /) -> Button[()]: ...
    @overload
    def button(self, action: str, a: Part[A], /) -> Button[A]: ...
    @overload
    def button(self, action: str, a: Part[A], b: Part[B], /) -> Button[A, B]: ...
    @overload
    def button(self, action: str, a: Part[A], b: Part[B], c: Part[C], /) -> Button[A, B, C]: ...
    @overload
    def button(self, action: str, a: Part[A], b: Part[B], c: Part[C], e: Part[E], /
               ) -> Button[A, B, C, E]: ...

    def button(self, action: str, /, *parts: Part[Any]) -> Button[*tuple[Any, ...]]:
        """Declare a button; refused if the action is taken or its data could exceed 64 bytes."""
        if not _ACTION_RE.match(action):
            raise ValueError(f"action {action!r} of {self.name!r}: a-z and 0-9, at most 8")
        if action in self.buttons or ("" in self.buttons) or (action == "" and self.buttons):
            raise ValueError(f"button {self.name}:{action} declared twice (or beside an "
                             f"action-less button)")
        found = [i for i, p in enumerate(parts) if isinstance(p, Maybe)]
        if found and found[0] != len(parts) - len(found):
            raise ValueError(f"button {self.name}:{action}: optional parts must come last")
        button: Button[*tuple[Any, ...]] = Button(self.name, action, parts)
        if button.width > CALLBACK_MAX:
            raise ValueError(f"button {self.name}:{action} can carry {button.width} bytes; "
                             f"Telegram takes {CALLBACK_MAX}")
        self.buttons[action] = button
        return button


class Codec:
    """Every prefix the bot's buttons use; a prefix declared twice is refused."""

    def __init__(self) -> None:
        self.prefixes: dict[str, Prefix] = {}

    def prefix(self, name: str, owner: str) -> Prefix:
        """Declare a prefix for `owner` (a module or flow, named in the error)."""
        if not _PREFIX_RE.match(name):
            raise ValueError(f"button prefix {name!r}: a-z only, at most {PREFIX_MAX}")
        if name in self.prefixes:
            raise ValueError(f"button prefix {name!r} of {owner} is already "
                             f"{self.prefixes[name].owner}'s")
        declared = Prefix(name, owner)
        self.prefixes[name] = declared
        return declared

    def route(self, data: str) -> tuple[Prefix, list[str]] | None:
        """The declared prefix `data` is under and the parts after it (action first), for a
        handler that passes the press on by prefix; None when no prefix has it."""
        name, separator, rest = data.partition(SEPARATOR)
        found = self.prefixes.get(name)
        if found is None or not separator:
            return None
        return found, rest.split(SEPARATOR)


CODEC = Codec()  # the bot's one registry: modules declare their prefixes here at import
