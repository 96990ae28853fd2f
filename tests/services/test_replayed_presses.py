"""Use cases over a real SQLite file: a confirmation pressed once and handled again after a
crash (the same Telegram update) is answered as its first handling was, while any other
press on what it already changed is still told it is too late."""

from __future__ import annotations

from datetime import date

from bot.domain.cadence import ContactKind
from bot.services import areas as area_cases
from bot.services import contact_entries
from storage import areas, contacts, households
from storage.db import Database
from tests.services.test_pairing_use_cases import (  # noqa: F401
    COORDINATOR,
    HOUSEHOLD,
    NOW,
    OTHER,
    WORKER,
    db,
    services,
)

UPDATE, LATER = 5001, 5002  # the press's update; another update (a later press)


async def test_a_retirement_handled_again_says_what_moved_where_as_the_first_time(
        db: Database) -> None:  # noqa: F811
    await areas.seed(db, ["翠竹社区"], NOW)
    dongmen, cuizhu = [a.id for a in sorted(await areas.active(db), key=lambda a: a.id)]
    await households.create(db, HOUSEHOLD, NOW, by=COORDINATOR)  # in 东门社区
    first = await area_cases.retire(services(db), COORDINATOR, dongmen, NOW, into=cuizhu,
                                    update_id=UPDATE)
    assert first.outcome == "done" and first.had is not None and first.into is not None
    assert (first.had.households, first.into.name) == (1, "翠竹社区")
    # renamed since: the answer again is the first one's, as it was said then
    assert await area_cases.rename(services(db), COORDINATOR, cuizhu, "翠竹新社区", NOW)
    again = await area_cases.retire(services(db), COORDINATOR, dongmen, NOW, into=cuizhu,
                                    update_id=UPDATE)
    assert again == first
    # a later press, or someone else's press with the same number, finds it already retired
    for actor, update in ((COORDINATOR, LATER), (WORKER, UPDATE), (COORDINATOR, None)):
        late = await area_cases.retire(services(db), actor, dongmen, NOW, into=cuizhu,
                                       update_id=update)
        assert late.outcome == "already", (actor, update)


async def test_a_contact_delete_is_known_by_the_update_that_made_it(db: Database) -> None:  # noqa: F811
    made = await households.create(db, HOUSEHOLD, NOW, by=COORDINATOR)
    contact = await contacts.add(db, contacts.NewContact(made.id, WORKER, ContactKind.CALL,
                                                         date(2026, 5, 19)), NOW)
    assert await contact_entries.delete_own(services(db), contact.id, WORKER, NOW, UPDATE)
    assert await contact_entries.deleted_by(services(db), WORKER, UPDATE, contact.id)
    assert not await contact_entries.deleted_by(services(db), WORKER, LATER, contact.id)
    assert not await contact_entries.deleted_by(services(db), OTHER, UPDATE, contact.id)
    assert not await contact_entries.deleted_by(services(db), WORKER, UPDATE, contact.id + 1)
