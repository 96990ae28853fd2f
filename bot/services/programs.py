"""Use cases of support programmes (coordinators define them; everyone lists them)."""

from __future__ import annotations

from datetime import datetime

from bot.domain.cadence import Program
from bot.services.context import Services
from storage import audit, pairings


async def listed(services: Services) -> list[Program]:
    """Programmes in use, the default one first."""
    return await pairings.programs(services.db)


async def add(services: Services, actor: int, name: str, rules: list[dict[str, str]],
              now: datetime) -> Program:
    """Define a programme from its rules, audited with them (ValueError if they are
    nonsense)."""
    async with services.db.transaction() as tx:
        program_id = await pairings.add_program_in(tx, name, rules, now)
        await audit.record(tx, now, actor, "program.add", "program", program_id,
                           {"name": name, "rules": rules})
    found = await pairings.get_program(services.db, program_id)
    assert found is not None
    return found
