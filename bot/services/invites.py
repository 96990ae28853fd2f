"""Use cases of inviting a worker: a coordinator makes a single-use code, a resident claims it
and finishes joining with a name and communities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.people import Person
from bot.domain.triage import InviteProblem
from bot.services import routing
from bot.services.context import Services
from storage import audit, outbox, people
from storage import triage as store


@dataclass(frozen=True)
class Joined:
    """The outcome of finishing joining: the new worker, or why not."""

    problem: InviteProblem | None
    person: Person | None = None


async def create(services: Services, code: str, created_by: int, now: datetime,
                 expires_at: datetime) -> None:
    """Store a new single-use invite (audited; the code itself, a secret, is not written)."""
    await store.create_invite(services.db, code, created_by, now, expires_at)
    await audit.add(services.db, now, created_by, "invite.create", "invite", "",
                    {"expires_at": expires_at.isoformat()})


async def claim(services: Services, code: str, who: int, now: datetime) -> InviteProblem | None:
    """Reserve the invite for `who` (they finish joining later); None when it is theirs."""
    return await store.claim_invite(services.db, code, who, now)


async def join(services: Services, code: str, who: int, name: str, area_ids: list[int],
               now: datetime) -> Joined:
    """Make `who` a worker with a name and areas, if the invite is still theirs and valid,
    and tell the coordinators in the same transaction."""
    # Queued, never awaited: a training session of a hundred joins must not make each new
    # worker wait for the coordinators' chat (the notices are merged, paced).
    told = await routing.to_coordinators(services, "triage.join.told", group="join",
                                         line_key="triage.join.told_line", name=name)
    async with services.db.transaction() as tx:
        problem = await store.join_in(tx, code, who, name, area_ids, now)
        if problem is not None:
            return Joined(problem)
        await outbox.put(tx, told, now)
        await audit.record(tx, now, who, "role.join", "person", who, {"areas": area_ids})
    services.wake()
    return Joined(None, await people.get(services.db, who))
