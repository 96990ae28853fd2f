"""The translation catalogs: both languages complete and consistent."""

from __future__ import annotations

import pytest

from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import Catalog, Html, field_ok, load_language, placeholders


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(SUPPORTED_LANGUAGES, "zh")


def test_same_keys_in_every_language() -> None:
    zh, en = load_language("zh"), load_language("en")
    assert sorted(set(zh) - set(en)) == []
    assert sorted(set(en) - set(zh)) == []


def test_same_placeholders_in_every_language() -> None:
    zh, en = load_language("zh"), load_language("en")
    mismatched = [k for k in zh if placeholders(zh[k]) != placeholders(en[k])]
    assert mismatched == []


def test_placeholders_are_well_formed() -> None:
    for lang in SUPPORTED_LANGUAGES:
        for key, entry in load_language(lang).items():
            for name in placeholders(entry):
                assert field_ok(name), f"{lang}:{key} has placeholder {name!r}"


def test_values_are_escaped_unless_html(catalog: Catalog) -> None:
    text = catalog.t("en", "help.line", command="/x", description="<b>&\"'")
    assert text == "/x — &lt;b&gt;&amp;\"'"
    assert catalog.t("en", "help.line", command="/x", description=Html("<b>y</b>")).endswith(
        "<b>y</b>")


def test_plural_forms(catalog: Catalog) -> None:
    assert catalog.t("en", "report.summary.photos", count=1) == "Photos: 1"
    assert catalog.t("zh", "report.summary.photos", count=2) == "照片：2 张"


def test_unknown_language_falls_back(catalog: Catalog) -> None:
    assert catalog.t("fr", "cancel.done") == catalog.t("zh", "cancel.done")


def _filled(catalog: Catalog, lang: str, key: str) -> list[str]:
    """A text with every placeholder filled by a value full of HTML-special characters."""
    entry = catalog.texts[lang][key]
    values: dict[str, object] = {name: '<b>&"x"</b>' for name in placeholders(entry)}
    counts = [0, 1, 2] if isinstance(entry, dict) else [None]
    texts = []
    for count in counts:
        if count is not None:
            values["count"] = count
        texts.append(catalog.t(lang, key, **values))
    return texts


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_text_is_valid_telegram_html(catalog: Catalog, lang: str) -> None:
    """Telegram refuses a whole message over one bad tag: check every text, filled in."""
    from tests.rig.html import HtmlError, parse_html

    broken = []
    for key in catalog.texts[lang]:
        for text in _filled(catalog, lang, key):
            try:
                parsed = parse_html(text)
            except HtmlError as exc:
                broken.append(f"{key}: {exc}")
                continue
            assert len(parsed.text) < 4096, key
    assert broken == []
