"""Staff whose duty ends or resumes: access ends the moment a role ends."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.domain.paging import Page, page_holding, page_of
from bot.domain.periods import local_date
from bot.services import referral_notices, routing, withdrawals
from bot.services.context import Services
from storage import audit, outbox, people, reports
from storage import referrals as referral_store
from storage import triage as store
from storage.outbox import Depth
from storage.triage import Deactivated, WorkerRow


async def deactivate(services: Services, worker: int, actor: int,
                     now: datetime) -> Deactivated | None:
    """In one transaction: the worker is inactive, their open cases are untaken again (their
    reporters told), their open referrals go back to their communities (what was found
    kept), their pairings end today and their unfinished flows are dropped; then the cases
    are routed again to their communities (coordinators get the cards too) and the
    referrals' Take cards go out again (to the coordinators for a community with nobody
    left on duty). None if not an active worker. Every old button of theirs is refused from
    now on (their role is resident); their Take cards are edited down to a line saying so,
    and every message that showed them a case's or referral's details down to a line saying
    it is no longer theirs."""
    day = local_date(now, services.settings.timezone)
    today = day.isoformat()
    lang = services.lang_of(await people.get(services.db, worker))
    # Each reporter whose case goes back to waiting is told, with the change.
    told = {case.id: await routing.to_reporter(services, case, "triage.reporter.waiting")
            for case in await store.open_cases(services.db, worker)}
    async with services.db.transaction() as tx:
        done = await store.deactivate_in(tx, worker, today, now, actor)
        if done is None:
            return None
        done = replace(done, referrals=await referral_store.release_of_in(tx, worker, now, day,
                                                                          actor))
        await outbox.put(tx, [told[i] for i in done.released if i in told], now)
        await audit.record(tx, now, actor, "role.deactivate", "person", worker,
                           {"cases_released": list(done.released),
                            "pairings_ended": done.pairings_ended,
                            "referrals_released": list(done.referrals)})
        for referral_id in done.referrals:  # each referral's own trail shows it changed hands
            await audit.record(tx, now, actor, "referral.released", "referral", referral_id,
                               {"worker": worker})
        # Their Take cards of reports and referrals lose their buttons and summaries, and
        # the phones and addresses they were shown leave their chat with the role.
        cards = [*await store.withdraw_cards_in(tx, worker),
                 *await referral_store.withdraw_cards_in(tx, worker)]
        await outbox.put(tx, [*routing.withdrawn(services, worker, lang, cards),
                              *await withdrawals.all_in(services, tx, worker, lang)], now)
    services.wake()
    for report_id in done.released:
        found = await reports.get(services.db, report_id)
        if found is None:
            continue
        if report_id not in told:  # taken in the moment between the two looks
            await routing.send(services, [await routing.to_reporter(
                services, found, "triage.reporter.waiting")], now)
        await routing.route(services, found, now)
    # Announced as a new list is; a crash before this leaves them to the next tick
    # (`route_unannounced`: their `routed_at` was cleared with the release).
    handed_back = [r for r in [await referral_store.get(services.db, i) for i in done.referrals]
                   if r is not None and r.worker_id is None]
    if handed_back:
        done = replace(done, unstaffed=await referral_notices.route(services, handed_back, now))
    return done


async def reactivate(services: Services, worker: int, actor: int, now: datetime) -> bool:
    """Give the role back (not the old cases or pairings); False if not a worker."""
    async with services.db.transaction() as tx:
        changed = await store.reactivate_in(tx, worker, now)
        if changed:
            await audit.record(tx, now, actor, "role.reactivate", "person", worker)
    return changed


async def workers(services: Services) -> list[WorkerRow]:
    """Every worker (active or not) with areas, open cases and households."""
    return await store.workers(services.db)


async def workers_page(services: Services, number: int, *,
                       holding: int | None = None) -> Page[WorkerRow]:
    """One page of the staff list (page `number`, or the page that holds the worker
    `holding`); only that page's workers are read in full."""
    ids = await store.worker_ids(services.db)
    if holding is not None and holding in ids:
        number = page_holding(ids.index(holding))
    listed = page_of(ids, number)
    rows = await store.worker_rows(services.db, listed.items)
    return Page(rows, listed.number, listed.pages, listed.total, listed.size)


async def backlog(services: Services) -> Depth:
    """How many messages to others still wait to go out, and the oldest one's time."""
    return await outbox.depth(services.db)
