"""The translation catalogs: both languages complete and consistent."""

from __future__ import annotations

import re

import pytest

from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import Catalog, Html, escape, field_ok, load_language, placeholders


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


PLURAL_NOUNS = re.compile(r"\b1 (households|workers|people|entries|errors|minutes|hours|"
                          r"messages|activities|payments|contacts|person-times|rows|days)\b")


# Texts whose number is never 1: a name's matches when there are several (one opens at once)
# or more than a page, several workers of one name, and limits set in code or configuration
# (24 hours, 3 minutes, 7 days).
NEVER_ONE = re.compile(r"(\.expired|\.found|search_too_many|\.choose|ambiguous_match|"
                       r"ask_household_many|voice_too_long|ask\.description|no_header|"
                       r"invite\.made|\.several)$")


def test_english_never_says_one_with_a_plural_noun(catalog: Catalog) -> None:
    # Every number filled in as 1, as for a worker with one household: no "1 households".
    wrong = []
    for key, entry in catalog.texts["en"].items():
        if NEVER_ONE.search(key) and key != "referrals.household.found":
            continue
        text = catalog.plain("en", key, **{name: 1 for name in placeholders(entry) | {"count"}})
        if PLURAL_NOUNS.search(text):
            wrong.append(f"{key}: {text}")
    assert wrong == []
    assert catalog.t("en", "activity.saved", title="Health talk", count=1) == (
        "✅ Activity saved: <b>Health talk</b>, 1 household took part.")
    assert "1 workers" not in catalog.t("en", "stats.pairs", workers=1, workers_before=1,
                                        households=1, households_before=1)


def test_unknown_language_falls_back(catalog: Catalog) -> None:
    assert catalog.t("fr", "cancel.done") == catalog.t("zh", "cancel.done")


def test_a_text_cut_around_a_value_is_t_once_the_value_is_joined_in(catalog: Catalog) -> None:
    name = 'A&B <i>{x}</i> "y"'  # escaped by t; braces as typed, never read as a field
    for lang in SUPPORTED_LANGUAGES:
        values = {"kind": "<k>", "period": "Q4 & Q1", "due_by": "2026-12-31", "days": 3}
        parts = catalog.around(lang, "reminder.line_final", "household", **values)
        assert escape(name).join(parts) == catalog.t(lang, "reminder.line_final",
                                                     household=name, **values)
        parts = catalog.plain_around(lang, "reminder.button", "household", kind="<k>")
        assert name.join(parts) == catalog.plain(lang, "reminder.button", household=name,
                                                 kind="<k>")
    # Every place the value goes, literal braces as format_map writes them, other fields
    # through their format spec.
    cut = Catalog({"en": {"x": "{a}-{{b}}-{c:>3}-{a}{a}"}}, "en")
    assert "|".join(cut.around("en", "x", "a", c="<")) == "|-{b}-&lt;-||"
    with pytest.raises(ValueError):
        Catalog({"en": {"x": "{a:>3}"}}, "en").around("en", "x", "a")
    with pytest.raises(ValueError):  # the count chooses the plural form: it cannot be left out
        catalog.around("en", "report.summary.photos", "count")


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


def _keys_in_code() -> list[tuple[str, str, bool]]:
    """(where, key or key pattern, is a pattern) for every catalog look-up in the code.

    A look-up is a call of `t(...)` whose key (first argument, or second after a language)
    is a string or an f-string; an f-string's fields become a pattern of key characters.
    """
    import ast
    import re
    from pathlib import Path

    found: list[tuple[str, str, bool]] = []
    root = Path(__file__).resolve().parents[2] / "bot"
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
                node.func, "id", "")
            if name != "t" or not node.args:
                continue
            for arg in node.args[:2]:
                where = f"{path.relative_to(root.parent)}:{node.lineno}"
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) \
                        and "." in arg.value:
                    found.append((where, arg.value, False))
                elif isinstance(arg, ast.JoinedStr):
                    pattern = "".join(
                        re.escape(part.value) if isinstance(part, ast.Constant)
                        else "[A-Za-z0-9_]+" for part in arg.values)
                    found.append((where, pattern, True))
    return found


def test_every_key_the_code_asks_for_exists_in_both_catalogs() -> None:
    import re

    looked_up = _keys_in_code()
    assert len(looked_up) > 100  # the scan found the code's look-ups
    for lang in SUPPORTED_LANGUAGES:
        keys = set(load_language(lang))
        missing = [(where, key) for where, key, is_pattern in looked_up
                   if (not any(re.fullmatch(key, k) for k in keys) if is_pattern
                       else key not in keys)]
        assert missing == [], f"{lang}: keys asked for in code but not in the catalog"


def _audit_actions_in_code() -> list[tuple[str, str]]:
    """(file:line, action) of every action the code writes to the audit trail: the action
    argument of storage.audit's record/add and of services.audit's note. An action written
    as f"referral.{kind}" stands for every referral event kind."""
    import ast
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    event_kinds = tomllib.loads((root / "bot/locales/en/referrals.toml").read_text("utf-8"))[
        "referrals"]["event"]
    found: list[tuple[str, str]] = []
    for path in [*(root / "bot").rglob("*.py"), *(root / "storage").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            base = getattr(getattr(func, "value", None), "id", None)
            # The action's place among the arguments: record(tx, at, actor, action, ...),
            # audit.add(db, at, actor, action, ...), trail.note(services, actor, action, ...).
            places = {("record", None): 3, ("record", "audit"): 3, ("add", "audit"): 3,
                      ("note", "trail"): 2}
            place = places.get((name, base))
            if place is None:
                continue
            where = f"{path.relative_to(root)}:{node.lineno}"
            if len(node.args) <= place:
                continue
            action = node.args[place]
            if isinstance(action, ast.Constant) and isinstance(action.value, str):
                found.append((where, action.value))
            elif isinstance(action, ast.JoinedStr):
                head = action.values[0]
                assert isinstance(head, ast.Constant) and head.value == "referral.", where
                found += [(where, f"referral.{kind}") for kind in event_kinds
                          if kind != "imported"]
    return found


def test_every_action_written_to_the_audit_trail_has_a_name_in_both_catalogs() -> None:
    """/audit shows each action by its name in the reader's language, never a code."""
    written = _audit_actions_in_code()
    assert len({action for _, action in written}) > 30  # the scan found the writers
    for lang in SUPPORTED_LANGUAGES:
        keys = set(load_language(lang))
        missing = [(where, action) for where, action in written
                   if f"audit.action.{action}" not in keys]
        assert missing == [], f"{lang}: audit actions with no name"


def _strings_in_chat_code(mark: str) -> list[str]:
    """file:line of every string in bot/telegram and bot/jobs (docstrings aside) that holds
    `mark`."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    found: list[str] = []
    for path in [*(root / "bot/telegram").rglob("*.py"), *(root / "bot/jobs").rglob("*.py")]:
        tree = ast.parse(path.read_text("utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                           ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)}
        found += [f"{path.relative_to(root)}:{node.lineno}" for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str)
                  and mark in node.value and id(node) not in docstrings]
    return found


def test_the_mark_of_a_chosen_button_is_in_the_catalogs_not_in_the_handlers() -> None:
    """The ✅ before a ticked community, category, cause, title or eligibility is text the
    person reads: the handlers take it from the catalogs (flowkit.ticked), in their language."""
    assert _strings_in_chat_code("✅") == []
    # Lists where several are ticked (communities, households, services) mark them the same way.
    assert _strings_in_chat_code("✓") == []
