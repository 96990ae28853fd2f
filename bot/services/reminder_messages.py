"""The reminder a worker receives: what is open, and one button per obligation to log it.

A daily run writes one message per ten obligations for every worker: 17,000 messages at
100,000 households. Asking the catalog for every line (a lookup, a dict of escaped values,
a text for the kind and one for the period, each escaped again) cost about a millisecond a
message. A `ReminderWriter` looks every text up once per language, fills the words that
repeat (kinds, periods) once per run, and encodes each household's button data once. What a
worker reads is exactly what `Catalog.t` would write: the same templates, filled with the
same escaped values (tests/services/test_reminder_messages.py compares both byte for byte).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.domain.cadence import ContactKind, Stage
from bot.domain.digest import Item
from bot.domain.periods import Period
from bot.i18n import escape
from bot.services.contact_buttons import START_FOR
from bot.services.context import Services
from bot.services.texts import period_label

BUTTON_NAME = 10  # characters of the household's name on a button

Buttons = list[list[tuple[str, str]]]  # rows of (label, callback data)


def short(text: str, size: int) -> str:
    """The text cut to `size` characters, an ellipsis last when cut."""
    return text if len(text) <= size else text[: size - 1] + "…"


@dataclass
class _Language:
    """One language's texts, looked up once; kinds escaped once; periods as they come."""

    title: str
    first: str
    final: str
    button: str
    footer: str
    kinds: dict[ContactKind, str]
    plain_kinds: dict[ContactKind, str]  # for button labels, which are not HTML
    periods: dict[Period, str] = field(default_factory=dict)


class ReminderWriter:
    """Writes the reminders of one run (one local day), in any language."""

    def __init__(self, services: Services, today: date) -> None:
        self.services = services
        self.today = today
        self._languages: dict[str, _Language] = {}
        # START_FOR's data is the household's part, then the kind's: each encoded by the
        # codec once (the kind's part is what the codec adds after any household's).
        bare = START_FOR.data(0, None)
        self._kind_parts = {kind: START_FOR.data(0, kind)[len(bare):] for kind in ContactKind}
        # By (id, name): the name escaped for the text, cut for a button, and the household's
        # part of the button data (most households have one or two lines in a run).
        self._households: dict[tuple[int, str], tuple[str, str, str]] = {}
        self._days: dict[date, str] = {}

    def _language(self, lang: str) -> _Language:
        found = self._languages.get(lang)
        if found is None:
            catalog = self.services.catalog
            found = self._languages[lang] = _Language(
                title=catalog.template(lang, "reminder.title"),
                first=catalog.template(lang, "reminder.line_first"),
                final=catalog.template(lang, "reminder.line_final"),
                button=catalog.template(lang, "reminder.button"),
                footer=catalog.t(lang, "reminder.footer"),
                # Catalog.t escapes the kind's text again when it fills it into a line.
                kinds={kind: escape(catalog.t(lang, f"kind.{kind.value}"))
                       for kind in ContactKind},
                plain_kinds={kind: catalog.plain(lang, f"kind.{kind.value}")
                             for kind in ContactKind})
        return found

    def _period(self, texts: _Language, lang: str, period: Period) -> str:
        found = texts.periods.get(period)
        if found is None:
            found = texts.periods[period] = escape(period_label(self.services, lang, period))
        return found

    def _household(self, household_id: int, name: str) -> tuple[str, str, str]:
        """The name escaped, the name cut for a button, START_FOR.data(household_id, None)."""
        found = self._households[household_id, name] = (
            escape(name), short(name, BUTTON_NAME), START_FOR.data(household_id, None))
        return found

    def _day(self, day: date) -> str:
        found = self._days.get(day)
        if found is None:
            found = self._days[day] = escape(day.isoformat())
        return found

    def message(self, lang: str, worker_name: str, items: Sequence[tuple[Item, Stage]]
                ) -> tuple[str, Buttons]:
        """One reminder: a line per obligation, and a row with its button for each."""
        texts = self._language(lang)
        lines = [texts.title.format_map({"name": escape(worker_name)})]
        rows: Buttons = []
        households = self._households
        for item, stage in items:
            o = item.obligation
            kind = o.rule.kind
            house = (item.household_id, item.household_name)
            name, cut, head = households.get(house) or self._household(*house)
            values = {"household": name, "kind": texts.kinds[kind],
                      "period": self._period(texts, lang, o.period), "due_by": self._day(o.due_by)}
            if stage is Stage.FINAL:
                values["days"] = escape((o.due_by - self.today).days + 1)
                lines.append(texts.final.format_map(values))
            else:
                lines.append(texts.first.format_map(values))
            # A label is shown as typed (A&B, not A&amp;B): filled without escaping.
            label = texts.button.format_map({"kind": texts.plain_kinds[kind], "household": cut})
            # START_FOR.data(household_id, kind): the household's part, then the kind's.
            rows.append([(label, head + self._kind_parts[kind])])
        lines.append(texts.footer)
        return "\n".join(lines), rows
