"""Translation catalogs: every user-facing text, per language, loaded from `bot/locales/<lang>/`.

Catalog texts are Telegram HTML. Values passed in are escaped unless wrapped in `Html`, so a
resident's `<`, `&` or quotes reach the reader exactly as typed and never break a message.
A table whose keys are CLDR plural categories (`one`, `other`, …) is a plural text chosen by
the `count` argument.
"""

from __future__ import annotations

import html
import re
import string
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

PLURAL_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})
_FIELD_RE = re.compile(r"^[a-z_][a-z0-9_]*$")


class Html(str):
    """A value that is already safe HTML and must not be escaped again."""

    __slots__ = ()


def escape(value: object) -> str:
    """Escape a value for Telegram's HTML parse mode (Html values pass through)."""
    if isinstance(value, Html):
        return str(value)
    return html.escape(str(value), quote=False)


Entry = str | dict[str, str]


def _flatten(table: Mapping[str, Any], prefix: str, out: dict[str, Entry], source: str) -> None:
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict) and value and set(value) <= PLURAL_CATEGORIES:
            if "other" not in value:
                raise ValueError(f"{source}: plural text {full!r} lacks 'other'")
            entry: Entry = {k: str(v) for k, v in value.items()}
        elif isinstance(value, dict):
            _flatten(value, f"{full}.", out, source)
            continue
        elif isinstance(value, str):
            entry = value
        else:
            raise ValueError(f"{source}: {full!r} must be text")
        if full in out:
            raise ValueError(f"{source}: key {full!r} is defined twice")
        out[full] = entry


def load_language(lang: str) -> dict[str, Entry]:
    """Read and merge every `.toml` file of one language."""
    folder = resources.files("bot") / "locales" / lang
    entries: dict[str, Entry] = {}
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".toml"):
            _flatten(tomllib.loads(item.read_text("utf-8")), "", entries, f"{lang}/{item.name}")
    return entries


def placeholders(entry: Entry) -> frozenset[str]:
    """The named fields a text uses (all plural forms together)."""
    texts = entry.values() if isinstance(entry, dict) else [entry]
    names: set[str] = set()
    for text in texts:
        for _, field, _, _ in string.Formatter().parse(text):
            if field is not None:
                names.add(field)
    return frozenset(names)


def plural_category(lang: str, count: int) -> str:
    """CLDR plural category for the languages we ship (Chinese has only `other`)."""
    if lang == "en":
        return "one" if count == 1 else "other"
    return "other"


@dataclass(frozen=True)
class Catalog:
    """All texts of all supported languages, with a fallback language."""

    texts: Mapping[str, Mapping[str, Entry]]
    fallback: str

    @classmethod
    def load(cls, languages: tuple[str, ...], fallback: str) -> Catalog:
        """Load the given languages from the package."""
        return cls({lang: load_language(lang) for lang in languages}, fallback)

    def languages(self) -> Iterator[str]:
        """Supported language codes."""
        return iter(self.texts)

    def t(self, lang: str, key: str, /, **values: object) -> str:
        """The text `key` in `lang` with escaped values filled in."""
        return self._entry(lang, key, values).format_map(
            {name: escape(value) for name, value in values.items()})

    def plain(self, lang: str, key: str, /, **values: object) -> str:
        """The text `key` with values as they are: for button labels, which are not HTML."""
        return self._entry(lang, key, values).format_map(
            {name: str(value) for name, value in values.items()})

    def template(self, lang: str, key: str, /) -> str:
        """The text `key` in `lang` before values are filled in (a plural text's form for no
        count): for code that fills one text thousands of times, as `t` would, with
        `template.format_map({name: escape(value), …})`."""
        return self._entry(lang, key, {})

    def around(self, lang: str, key: str, field: str, /, **values: object) -> tuple[str, ...]:
        """The text `key` filled as `t` fills it but for `field`, cut where `field` goes: for a
        text written thousands of times with one value changing, `escape(value).join(parts)`
        is `t(lang, key, **{field: value}, **values)`."""
        return _around(self._entry(lang, key, values), field,
                       {name: escape(value) for name, value in values.items()})

    def plain_around(self, lang: str, key: str, field: str, /, **values: object
                     ) -> tuple[str, ...]:
        """As `around`, for `plain`: `str(value).join(parts)` is
        `plain(lang, key, **{field: value}, **values)`."""
        return _around(self._entry(lang, key, values), field,
                       {name: str(value) for name, value in values.items()})

    def _entry(self, lang: str, key: str, values: Mapping[str, object]) -> str:
        table = self.texts.get(lang) or self.texts[self.fallback]
        entry = table.get(key)
        if entry is None:
            entry = self.texts[self.fallback].get(key)
        if entry is None:
            raise KeyError(f"no text {key!r} in the catalogs")
        if isinstance(entry, dict):
            count = values.get("count")
            category = plural_category(lang, count if isinstance(count, int) else 0)
            entry = entry.get(category, entry["other"])
        return entry

    def has(self, key: str) -> bool:
        """Whether `key` exists in the fallback language."""
        return key in self.texts[self.fallback]


def _around(template: str, field: str, values: Mapping[str, str]) -> tuple[str, ...]:
    """The template filled with `values` but for `field`, cut at each place `field` goes:
    `text.join(parts)` is `template.format_map({field: text, **values})`."""
    if field == "count":
        raise ValueError("the count chooses a plural text: it cannot be left out")
    parts = [""]
    for literal, name, spec, conversion in string.Formatter().parse(template):
        parts[-1] += literal  # as format_map writes it ("{{" read as "{")
        if name is None:
            continue
        whole = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        if name == field and whole == name:
            parts.append("")
        elif name == field:  # a value written through a format spec cannot be joined in
            raise ValueError(f"{{{whole}}} must be a bare {{{field}}} to cut around it")
        else:
            # Each other field filled as format_map fills it in the whole text.
            parts[-1] += f"{{{whole}}}".format_map(values)
    return tuple(parts)


def field_ok(name: str) -> bool:
    """Whether a placeholder name is well-formed (lower_snake_case)."""
    return bool(_FIELD_RE.match(name))
