"""Contact details taken back from a chat once they are no longer its person's to see.

Every message that shows someone a case's or a referral's details (the phone, the exact
address, who reported; a case's map pin, photos and voice note too) is recorded as it goes
out: a handler's answer (`shown_case`, `shown_referral`), or the outbox once it delivered one
(`DETAILS` in a row's `after`). When the case or referral stops being theirs (taken off duty,
passed to someone else, given back) each such message of text is edited down to one line
saying so, without buttons, and each pin, photo or voice note is deleted. The edits and
deletions are queued in the outbox with the change that causes them; Telegram lets a bot edit
its own messages at any age but delete them only for 48 hours (an older pin or photo stays),
and an edit or deletion it refuses (the person deleted the message, or blocked the bot; too
old to delete) is dropped at once, never tried again, and holds up nothing else. A reporter
whose personal data is erased has every message showing their reports' details taken back
the same way, in every chat, saying it was at their request (the case itself stays with
whoever holds it).
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.people import Role
from bot.domain.referrals import reference as referral_ref
from bot.domain.reports import reference as report_ref
from bot.services import access
from bot.services.context import Services
from storage import details, outbox, people, reports
from storage import referrals as referral_store
from storage.db import Tx
from storage.details import MEDIA as MEDIA
from storage.details import REFERRAL, REPORT, Shown
from storage.details import TEXT as TEXT
from storage.outbox import Outgoing
from storage.triage import AlsoIn

# Outgoing.after of a message that shows details: [subject, id] (REPORT or REFERRAL), recorded
# once the outbox delivered it.
DETAILS = "details"

_LINES = {REPORT: ("triage.detail.withdrawn", report_ref),
          REFERRAL: ("referrals.withdrawn", referral_ref)}


def case_details(report_id: int) -> dict[str, list[object]]:
    """Outgoing.after of a message that shows a case's details."""
    return {DETAILS: [REPORT, report_id]}


def case_media(report_id: int) -> dict[str, list[object]]:
    """Outgoing.after of a case's map pin, photo or voice note sent with its details."""
    return {DETAILS: [REPORT, report_id, MEDIA]}


def referral_details(referral_id: int) -> dict[str, list[object]]:
    """Outgoing.after of a message that shows a referral's details."""
    return {DETAILS: [REFERRAL, referral_id]}


async def shown_case(services: Services, chat_id: int, message_id: int, report_id: int,
                     now: datetime, kind: str = TEXT) -> None:
    """This message (of `kind`: text, or a pin or photo) shows the case's details to the chat
    (see `shown`)."""
    await shown(services, chat_id, message_id, REPORT, report_id, now, kind)


async def shown_referral(services: Services, chat_id: int, message_id: int, referral_id: int,
                         now: datetime) -> None:
    """This message shows the referral's details to the chat (see `shown`)."""
    await shown(services, chat_id, message_id, REFERRAL, referral_id, now)


async def shown(services: Services, chat_id: int, message_id: int, subject: str,
                subject_id: int, now: datetime, kind: str = TEXT, *,
                erased: bool = False) -> None:
    """Record a message (of `kind`) that shows details; withdrawn at once when they stopped
    being the chat's while it went out (taken off duty, or handed on, in that moment), or
    were `erased` meanwhile (the reporter's erasure took back every other copy before this
    one was known: it says so, as they do)."""
    await details.record(services.db, chat_id, message_id, subject, subject_id, now, kind)
    if not erased and await _may_see(services, chat_id, subject, subject_id):
        return
    lang = services.lang_of(await people.get(services.db, chat_id))
    async with services.db.transaction() as tx:
        await outbox.put(tx, await of_subject_in(services, tx, chat_id, lang, subject,
                                                 subject_id, ERASED if erased else None), now)
    services.wake()


async def _may_see(services: Services, chat_id: int, subject: str, subject_id: int) -> bool:
    """Whether the chat may see these details now: a coordinator, or the case's or
    referral's holder on duty."""
    if await access.holds(services, chat_id, Role.COORDINATOR):
        return True
    if not await access.holds(services, chat_id, Role.WORKER):
        return False
    if subject == REPORT:
        report = await reports.get(services.db, subject_id)
        return report is not None and report.taken_by == chat_id
    referral = await referral_store.get(services.db, subject_id)
    return referral is not None and referral.worker_id == chat_id


async def all_in(services: Services, tx: Tx, chat_id: int, lang: str) -> list[Outgoing]:
    """The edits that take back every case's and referral's details from the chat (its
    person's duty ends), in the caller's transaction."""
    return _edits(services, lang, await details.take_all_in(tx, chat_id))


async def of_subject_in(services: Services, tx: Tx, chat_id: int, lang: str, subject: str,
                        subject_id: int, key: str | None = None) -> list[Outgoing]:
    """The edits that take back one case's or referral's details from the chat, in the
    caller's transaction; each message reads `key` (by default: no longer yours)."""
    return _edits(services, lang, await details.take_of_in(tx, chat_id, subject, subject_id),
                  key)


# The one line of a case's details taken back from a worker who passed it to a colleague
# (or whose coordinator did), and from one who gave it back for someone else to take.
PASSED_ON = "triage.detail.passed_on"
RELEASED = "triage.detail.released"


async def case_lost(services: Services, holder: int | None, report_id: int,
                    key: str) -> AlsoIn | None:
    """What takes back the case's details from the holder who loses it (each message reads
    `key`), for the change's transaction; None for nobody, or for a coordinator, who may
    see every case."""
    if holder is None or await access.holds(services, holder, Role.COORDINATOR):
        return None
    lang = services.lang_of(await people.get(services.db, holder))

    async def taken_back(tx: Tx) -> list[Outgoing]:
        return await of_subject_in(services, tx, holder, lang, REPORT, report_id, key)

    return taken_back


async def of_referral_in(services: Services, tx: Tx, chat_id: int, lang: str,
                         referral_id: int) -> list[Outgoing]:
    """The edits that take back one referral's details from the chat (it was handed to
    someone else), in the caller's transaction."""
    return await of_subject_in(services, tx, chat_id, lang, REFERRAL, referral_id)


async def readers_of_reporter(services: Services, reporter_id: int) -> dict[int, str]:
    """The language of each chat shown details of the person's reports (read before the
    erasure's transaction, which `of_reporter_in` then needs)."""
    return {chat: services.lang_of(await people.get(services.db, chat))
            for chat in await details.readers_of_reporter(services.db, reporter_id)}


async def of_reporter_in(services: Services, tx: Tx, reporter_id: int,
                         langs: dict[int, str]) -> list[Outgoing]:
    """The edits that take the erased person's details out of every chat shown them, each
    in its reader's language (`readers_of_reporter`), in the erasure's transaction."""
    fallback = services.lang_of(None)
    return [_edit(services, langs.get(m.chat_id, fallback), m, ERASED)
            for m in await details.take_of_reporter_in(tx, reporter_id)]


# The one line of a report's details taken back because its reporter was erased.
ERASED = "triage.detail.erased"


def _edits(services: Services, lang: str, found: list[Shown],
           key: str | None = None) -> list[Outgoing]:
    """Each message edited down to its one line (`key`, or its subject's), without buttons."""
    return [_edit(services, lang, message, key or _LINES[message.subject][0])
            for message in found]


def _edit(services: Services, lang: str, message: Shown, key: str) -> Outgoing:
    """The message edited down to one line of `key`, without buttons; a pin, a photo or a
    voice note, which has no text, deleted. (No role check as it goes out: it takes away,
    it shows nothing.)"""
    if message.kind == MEDIA:
        return Outgoing(message.chat_id, lang=lang, op="delete",
                        target={"message_id": message.message_id})
    ref = _LINES[message.subject][1](message.subject_id)
    return Outgoing(message.chat_id, services.t(lang, key, ref=ref), (), lang, op="edit",
                    target={"message_id": message.message_id})
