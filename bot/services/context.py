"""What every use case gets: settings, the database, the catalogs and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.domain.people import Person, Role, effective_role, pick_language
from bot.i18n import Catalog
from storage.db import Database


def utc_now() -> datetime:
    """The real clock; everything else takes time as an argument."""
    return datetime.now(UTC)


def clock_for(settings: Settings) -> Callable[[], datetime]:
    """The deployment's clock: the real one, shifted when ZHONGFU_CLOCK_SHIFT says so."""
    shift = settings.clock_shift
    if not shift:
        return utc_now
    return lambda: datetime.now(UTC) + shift


@dataclass
class Services:
    """Long-lived things the use cases need; one per process."""

    settings: Settings
    db: Database
    catalog: Catalog
    clock: Callable[[], datetime] = utc_now
    # Called after messages were queued in the outbox, so the sender looks at once.
    on_queued: Callable[[], None] = lambda: None
    # When the in-process scheduler last ran (shown by /healthz); None in cron mode.
    last_tick: datetime | None = None

    def lang_of(self, person: Person | None) -> str:
        """The language to write to a person in (their choice, else the deployment's)."""
        if person is None:
            return self.settings.language
        return self.language(person.language, person.language_code)

    def language(self, chosen: str | None, telegram_code: str | None) -> str:
        """The one language picker: a person's choice, else Telegram's setting, else ours."""
        return pick_language(chosen, telegram_code, self.settings.language, SUPPORTED_LANGUAGES)

    def role_of(self, person: Person) -> Role:
        """The person's current role (configuration decides who coordinates)."""
        configured = person.telegram_id in self.settings.coordinators
        return effective_role(person.role, person.active, configured)

    def wake(self) -> None:
        """Tell the outbox sender that something was queued."""
        self.on_queued()

    def t(self, lang: str, key: str, /, **values: object) -> str:
        """A catalog text in `lang`."""
        return self.catalog.t(lang, key, **values)
