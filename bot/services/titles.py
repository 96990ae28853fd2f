"""Use cases of coordinators' titles (称呼): set one's own, and the words others read.

A coordinator with no title is the generic 管理员 (Coordinator); one who set a title is shown
as it, with their name, where a notice says who did something to a worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.domain.access import Action
from bot.domain.people import Person, Role
from bot.domain.titles import Preset, Problem, Title, clean_title
from bot.services import access
from bot.services.context import Services
from storage import people, titles


class Refusal(StrEnum):
    """Why a title was not set (a catalog key under titles.problem)."""

    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True)
class Coordinator:
    """A coordinator who has opened the bot, with the title they set."""

    person: Person
    title: Title | None


async def _may(services: Services, actor_id: int) -> bool:
    return await access.allowed(services, await access.actor_by_id(services, actor_id),
                                Action.TITLE_SET)


async def of(services: Services, telegram_id: int) -> Title | None:
    """The title this person set (None: the generic one)."""
    return await titles.get(services.db, telegram_id)


async def choose(services: Services, actor_id: int,
                 preset: Preset | None) -> Title | Refusal | None:
    """A coordinator takes an offered title, or (None) goes back to the generic one."""
    if not await _may(services, actor_id):
        return Refusal.NOT_ALLOWED
    title = None if preset is None else Title(preset=preset)
    await titles.put(services.db, actor_id, title, services.clock())
    return title


async def type_own(services: Services, actor_id: int, text: str) -> Title | Problem | Refusal:
    """A coordinator types a title of their own (short, plain words)."""
    if not await _may(services, actor_id):
        return Refusal.NOT_ALLOWED
    cleaned = clean_title(text)
    if isinstance(cleaned, Problem):
        return cleaned
    title = Title(custom=cleaned)
    await titles.put(services.db, actor_id, title, services.clock())
    return title


def from_detail(detail: Mapping[str, Any]) -> Title | None:
    """The title an audit entry (title.set) recorded; None: back to the generic one."""
    preset, custom = detail.get("preset"), detail.get("custom")
    if isinstance(custom, str) and custom:
        return Title(custom=custom)
    if preset in {p.value for p in Preset}:
        return Title(preset=Preset(preset))
    return None


def words(services: Services, lang: str, title: Title | None) -> str:
    """The title as a reader in `lang` sees it (plain text: the catalog escapes values)."""
    if title is not None and title.custom:
        return title.custom
    key = title.preset.value if title is not None and title.preset else "default"
    return services.catalog.plain(lang, f"titles.preset.{key}")


async def signature(services: Services, lang: str, actor_id: int) -> str:
    """Who did it, for a notice to someone else: "民政专干 王芳" when that coordinator set a
    title, else the generic 管理员 (plain text)."""
    title = await titles.get(services.db, actor_id)
    person = await people.get(services.db, actor_id)
    if title is None or person is None or services.role_of(person) is not Role.COORDINATOR:
        return services.catalog.plain(lang, "titles.by.generic")
    return services.catalog.plain(lang, "titles.by.named", title=words(services, lang, title),
                                  name=person.display_name)


async def coordinators(services: Services) -> list[Coordinator]:
    """The configured coordinators who have opened the bot, with their titles, by name."""
    found = await people.many(services.db, sorted(services.settings.coordinators))
    set_titles = await titles.many(services.db, list(found))
    return sorted((Coordinator(p, set_titles.get(p.telegram_id)) for p in found.values()),
                  key=lambda c: (c.person.display_name, c.person.telegram_id))
