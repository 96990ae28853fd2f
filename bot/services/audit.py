"""The audit trail as use cases see it: record who looked at or changed what; read it back.

Changes that have a transaction of their own record inside it (storage.audit.record); looks
and changes made by older code paths record right after, through `note`. Read back, each entry
is put in the reader's words: what was done, and to what, by its name as it is now (a
household, a community, a fund…), a report's R-number, the trail's own filter, an export's
dates; never an internal code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.figures import Span, SpanError
from bot.domain.referrals import reference as referral_ref
from bot.domain.reports import reference
from bot.i18n import Html, escape
from bot.services import texts, titles
from bot.services.context import Services
from storage import audit, households, people
from storage import triage as staff
from storage.audit import NAMED_KINDS, Entry
from storage.erasure import ANONYMISED

PAGE = 10
# Kinds named after a space ("查看了服务档案 张大爷"); anything else is named in quotes.
PEOPLE = frozenset({"household", "person"})
# The trail's own filter as /audit writes it: all, one person's doings, one household.
ALL, PERSON, HOUSEHOLD = "a", "p", "h"


async def note(services: Services, actor: int | None, action: str, object_type: str = "",
               object_id: object = "", detail: dict[str, Any] | None = None,
               at: datetime | None = None) -> None:
    """Append one entry now."""
    await audit.add(services.db, at or services.clock(), actor, action, object_type,
                    object_id, detail)


@dataclass(frozen=True)
class Line:
    """One entry as a coordinator reads it: who (empty for the system), what was done, and
    to what (safe HTML, starting with its own space or bracket; empty when about nothing)."""

    entry: Entry
    actor_name: str
    action: Html
    about: Html


@dataclass(frozen=True)
class Page:
    """A page of the trail, newest first; `older` is where the next page begins (the id of
    this page's last entry, to read entries before it), None when there is no more."""

    lines: list[Line]
    older: int | None


async def page(services: Services, lang: str, *, actor_id: int | None = None,
               household_id: int | None = None, before: int | None = None) -> Page:
    """A page of the trail in `lang`: all, or one person's doings, or everything about one
    household; the newest, or those before the entry `before`."""
    found = await audit.entries(
        services.db, actor_id=actor_id,
        object_type="household" if household_id is not None else None,
        object_id=household_id, limit=PAGE + 1, before=before)
    shown = found[:PAGE]
    lines = list(await in_words(services, lang, shown))
    return Page(lines, shown[-1].id if len(found) > PAGE else None)


async def in_words(services: Services, lang: str, entries: Sequence[Entry]) -> Trail:
    """The entries in `lang`, as /audit and the export's audit sheet read them: who, what
    was done, and to what, by its name now (the names looked up here, at once)."""
    return Trail(entries, Words(services, lang, await _names(services, entries)))


async def _names(services: Services, entries: Sequence[Entry]) -> dict[str, dict[str, str]]:
    """The names, kind by kind, of everyone and everything the entries mention."""
    wanted: dict[str, set[str]] = {kind: set() for kind in NAMED_KINDS}
    for entry in entries:
        if entry.actor_id is not None:
            wanted["person"].add(str(entry.actor_id))
        if entry.object_type in wanted:
            wanted[entry.object_type].add(entry.object_id)
        if entry.action == "area.retire" and (into := _into(entry.detail)) is not None:
            wanted["area"].add(into)
        elif entry.object_type == "audit" and entry.object_id[:1] in (PERSON, HOUSEHOLD):
            kind = "person" if entry.object_id[0] == PERSON else "household"
            wanted[kind].add(entry.object_id[1:])
    return {kind: await audit.names(services.db, kind, ids) for kind, ids in wanted.items()}


@dataclass(frozen=True)
class Words:
    """Entries put in one reader's words, with the names of what they mention."""

    services: Services
    lang: str
    named: Mapping[str, Mapping[str, str]]

    def t(self, key: str, /, **values: object) -> Html:
        """A catalog text (values escaped: names are what people typed)."""
        return Html(self.services.t(self.lang, key, **values))

    def line(self, entry: Entry) -> Line:
        """One entry: who, what was done, and to what."""
        return Line(entry, self.named["person"].get(str(entry.actor_id), ""),
                    self.action(entry.action), self.about(entry))

    def action(self, action: str) -> Html:
        """What was done, by its name (the code itself for an action of no known name)."""
        key = f"audit.action.{action}"
        return self.t(key) if self.services.catalog.has(key) else Html(escape(action))

    def about(self, entry: Entry) -> Html:
        """What the entry was about, in words."""
        kind, key, detail = entry.object_type, entry.object_id, entry.detail
        if entry.action == "title.set":
            title = titles.words(self.services, self.lang, titles.from_detail(detail))
            return self.t("audit.about.named", name=title)
        if entry.action.endswith(".rename") and (renamed := _renamed(detail)) is not None:
            return self.t("audit.about.renamed", old=renamed[0], new=renamed[1])
        if kind == "audit":
            return self._filter(key)
        if kind == "figures":
            return self._export(key)
        if kind == "report":
            return self._report(key, detail)
        if kind == "import":
            return self.t("audit.about.import", created=_count(detail, "created"),
                          updated=_count(detail, "updated"))
        if kind in NAMED_KINDS and key:
            named = self._named(kind, key, detail)
            # A community retired by moving its work: where it went.
            if entry.action == "area.retire" and (into := _into(detail)) is not None:
                return Html(named + self._moved_into(into, detail))
            return named
        return Html("")

    def _moved_into(self, into: str, detail: Mapping[str, Any]) -> Html:
        """Where a retired community's work went: the community by its name now (or as the
        entry recorded it, if it is gone)."""
        given = detail.get("into_name")
        name = self.named["area"].get(into) or (given if isinstance(given, str) else "?")
        return self.t("audit.about.moved_into", into=name)

    def _named(self, kind: str, key: str, detail: Mapping[str, Any]) -> Html:
        """An object by its name now; one since deleted (or a person erased) says so."""
        name = self.named[kind].get(key)
        given = detail.get("name")  # the name the entry recorded, if any
        was = given if isinstance(given, str) and given else None
        if kind == "person" and name == ANONYMISED:
            return self.t("audit.about.erased")
        if name is None and was is not None:
            return self.t("audit.about.gone_named", name=was)
        if name is None:
            return self.t("audit.about.gone", thing=self.services.catalog.plain(
                self.lang, f"audit.thing.{kind}"))
        if kind == "referral":
            return self.t("audit.about.referral", ref=referral_ref(int(key)), name=name)
        if kind in PEOPLE:
            return self.t("audit.about.named", name=name)
        if was is not None and was != name:  # renamed since: both names
            return self.t("audit.about.titled_then", name=self.label(kind, was),
                          now=self.label(kind, name))
        return self.t("audit.about.titled", name=self.label(kind, name))

    def label(self, kind: str, name: str) -> str:
        """A name as it reads: the seeded default programme's in the reader's language."""
        key = f"program.{name}"
        if kind == "program" and self.services.catalog.has(key):
            return self.services.catalog.plain(self.lang, key)
        return name

    def _filter(self, key: str) -> Html:
        """Which part of the trail was read: all of it, one person's doings, one household."""
        if key[:1] in (PERSON, HOUSEHOLD):
            kind = "person" if key[0] == PERSON else "household"
            name = self.named[kind].get(key[1:])
            if name is None or name == ANONYMISED:
                return self.t(f"audit.about.trail_{kind}_gone")
            return self.t(f"audit.about.trail_{kind}", name=name)
        return self.t("audit.about.trail_all") if key == ALL else Html("")

    def _export(self, key: str) -> Html:
        """The days an export covered, in words."""
        try:
            span = Span.from_code(key)
        except SpanError:
            return Html("")
        return self.t("audit.about.export", span=self.span(span))

    def span(self, span: Span) -> str:
        """Days from one date to another as people write them ("2026年11月1日至11月30日",
        "1–30 Nov 2026"), plain text."""
        return texts.days_label(self.services, self.lang, span.start, span.end)

    def _report(self, key: str, detail: Mapping[str, Any]) -> Html:
        """A report by its reference; the retention run by how many it anonymised."""
        if key.isdecimal():
            return self.t("audit.about.report", ref=reference(int(key)))
        if "anonymised" in detail:
            return self.t("audit.about.reports", count=_count(detail, "anonymised"))
        return Html("")


@dataclass(frozen=True)
class Trail:
    """Entries and the words to read them in, each put in words as it is read: an export's
    year of entries is worded row by row in its worker thread, not all at once on the
    event loop (no database is needed by then)."""

    entries: Sequence[Entry]
    words: Words

    def __iter__(self) -> Iterator[Line]:
        for entry in self.entries:
            yield self.words.line(entry)

    def __len__(self) -> int:
        return len(self.entries)


def _into(detail: Mapping[str, Any]) -> str | None:
    """The id of the community a retired one's work moved to, as its entry recorded it."""
    into = detail.get("into")
    return str(into) if isinstance(into, int) and not isinstance(into, bool) else None


def _renamed(detail: Mapping[str, Any]) -> tuple[str, str] | None:
    """The names before and after a rename, as its entry recorded them."""
    old, new = detail.get("from", detail.get("old")), detail.get("to", detail.get("name"))
    return (old, new) if isinstance(old, str) and isinstance(new, str) else None


def _count(detail: Mapping[str, Any], key: str) -> int:
    value = detail.get(key)
    return value if isinstance(value, int) else 0


async def household_named(services: Services, query: str) -> int | None:
    """The id of the household a name names, for /audit 户 <name> (archived ones too)."""
    return await households.first_named(services.db, query)


async def person_named(services: Services, query: str) -> int | None:
    """The Telegram id of a known person given by id or by part of a staff member's name."""
    if query.isdecimal() and len(query) < 16:
        return int(query) if await people.get(services.db, int(query)) else None
    lowered = query.lower()
    for row in await staff.workers(services.db):
        if lowered in row.person.display_name.lower():
            return row.person.telegram_id
    return None
