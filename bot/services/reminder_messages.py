"""The reminder a worker receives: what is open, and one button per obligation to log it.

A daily run writes one message per ten obligations for every worker: 17,000 messages with
170,000 lines at 100,000 households. Asking the catalog for every line (a lookup, a dict of
escaped values, a text for the kind and one for the period, each escaped again) cost about
a millisecond a message. A `ReminderWriter` fills each line's text once per language, kind,
period and stage, as `Catalog.t` fills it, leaving out only the household's name (a run has
a handful of such lines: `Catalog.around`), and a line is then its name joined in. Each
household's name is escaped and cut, and its button data encoded, once. What a worker reads
is exactly what `Catalog.t` would write (tests/services/test_reminder_messages.py compares
both byte for byte).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.domain.cadence import ContactKind, Stage
from bot.domain.lengths import shorten
from bot.domain.periods import PeriodKind
from bot.i18n import escape
from bot.services.contact_buttons import START_FOR
from bot.services.context import Services
from bot.services.reminder_run import Due, Send
from bot.services.texts import period_label

BUTTON_NAME = 10  # characters of the household's name on a button

Buttons = list[tuple[str, str]]  # (label, callback data), one button a row
Cut = tuple[str, ...]  # a text cut where the household's name goes: name.join(cut)
Line = tuple[Cut, Cut, str]  # a line's text and button label, cut; the kind's part of the data
Household = tuple[str, str, str, str]  # the name; escaped; cut for a button; its button data
LineKey = tuple[Stage, ContactKind, PeriodKind, date, date]  # stage, kind, period, due by
Claim = Send  # a claimed reminder as deliver() has it (reminder_run.Send)


def short(text: str, size: int) -> str:
    """The text cut to `size` (as Telegram counts), an ellipsis last when cut, never inside
    a character or an emoji sequence."""
    return shorten(text, size)


def in_order(rows: list[Claim]) -> None:
    """One worker's claimed reminders sorted as the messages list them: by the day they are
    due, then by household name, then by reminder id."""
    # A Send begins with these three: sorted as they are, without a key made per row (a
    # third of the sort's CPU at 170,000 rows). Ids are unique: nothing after is compared.
    rows.sort()


@dataclass
class _Language:
    """One language's texts, cut where a name goes, looked up once; lines as they come."""

    title: Cut  # around the worker's name
    footer: str
    # By what the obligation asks (one Due per rule in a run: by identity, in C), and by its
    # stage, kind, period and due day (another run's Due, or one made for a test).
    lines: dict[Due, Line] = field(default_factory=dict)
    texts: dict[LineKey, Line] = field(default_factory=dict)


class ReminderWriter:
    """Writes the reminders of one run (one local day), in any language."""

    def __init__(self, services: Services, today: date) -> None:
        self.services = services
        self.today = today
        self._languages: dict[str, _Language] = {}
        # START_FOR's data is its start, the household's id, then the kind's part: the start
        # and each kind's part encoded by the codec once (what it writes before a household's
        # id, and after any), the id by the codec's own part for it.
        bare, zero = START_FOR.data(0, None), START_FOR.parts[0].encode(0)
        self._start = bare[:-len(zero)]
        self._id = START_FOR.parts[0].encode
        self._id_limit = 10 ** START_FOR.parts[0].width  # Int: at most `width` digits
        self._kind_parts = {kind: START_FOR.data(0, kind)[len(bare):] for kind in ContactKind}
        # By household id (most households have one or two lines in a run).
        self._households: dict[int, Household] = {}

    def _language(self, lang: str) -> _Language:
        found = self._languages.get(lang)
        if found is None:
            catalog = self.services.catalog
            found = self._languages[lang] = _Language(
                title=catalog.around(lang, "reminder.title", "name"),
                footer=catalog.t(lang, "reminder.footer"))
        return found

    def _line(self, texts: _Language, lang: str, due: Due) -> Line:
        """A line of this stage for this obligation, any household's: filled as `Catalog.t`
        fills it with the household's name, and its button's label as `Catalog.plain` does."""
        stage, kind, period = due.stage, due.rule.kind, due.period
        # What a line depends on besides the household (a Period's kind and start are it).
        key = (stage, kind, period.kind, period.start, due.due_by)
        found = texts.texts.get(key)
        if found is None:
            catalog = self.services.catalog
            values: dict[str, object] = {
                "kind": catalog.t(lang, f"kind.{kind.value}"),
                "period": period_label(self.services, lang, period),
                "due_by": due.due_by.isoformat()}
            if stage is Stage.FINAL:
                values["days"] = (due.due_by - self.today).days + 1
            text = "reminder.line_final" if stage is Stage.FINAL else "reminder.line_first"
            # A label is shown as typed (A&B, not A&amp;B): filled without escaping.
            found = (
                catalog.around(lang, text, "household", **values),
                catalog.plain_around(lang, "reminder.button", "household",
                                     kind=catalog.plain(lang, f"kind.{kind.value}")),
                self._kind_parts[kind])
            texts.texts[key] = found
        texts.lines[due] = found
        return found

    def _household(self, household_id: int, name: str) -> Household:
        """The name, escaped, cut for a button, and START_FOR.data(household_id, None)."""
        # A run has 100,000 households (1.7 µs each, the render's largest part, before): a
        # name without a character to escape is its escaped self; a name of at most five
        # characters fits on a button as it is (two UTF-16 units each at most); an id is
        # written as the codec writes a whole number in its range.
        escaped = (html.escape(name, quote=False)
                   if "&" in name or "<" in name or ">" in name else name)
        id_text = (str(household_id) if type(household_id) is int
                   and 0 <= household_id < self._id_limit else self._id(household_id))
        found = self._households[household_id] = (
            name, escaped, name if len(name) * 2 <= BUTTON_NAME else short(name, BUTTON_NAME),
            self._start + id_text)
        return found

    def message(self, lang: str, worker_name: str, reminders: Sequence[Claim]
                ) -> tuple[str, Buttons]:
        """One reminder: a line per obligation, and a button for each (a row each)."""
        texts = self._language(lang)
        lines = [escape(worker_name).join(texts.title)]
        buttons: Buttons = []
        known, households = texts.lines, self._households
        for _, name, _, household_id, due in reminders:
            line = known.get(due) or self._line(texts, lang, due)
            house = households.get(household_id)
            if house is None or house[0] != name:
                house = self._household(household_id, name)
            text, label, kind_part = line
            lines.append(house[1].join(text))
            # START_FOR.data(household_id, kind): the household's part, then the kind's.
            buttons.append((house[2].join(label), house[3] + kind_part))
        lines.append(texts.footer)
        return "\n".join(lines), buttons
