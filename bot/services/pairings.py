"""Use cases of pairing a worker with a household (coordinators): who can be paired, under
which programme, and the pairing itself with its audit entry in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.cadence import Program, Status
from bot.domain.periods import local_date
from bot.i18n import Html
from bot.services import obligations, routing, texts, titles
from bot.services.context import Services
from storage import audit, households, pairings, people
from storage.pairings import Pairing, PairOutcome, WorkerChoice

__all__ = [
    "Choices", "PairOutcome", "Pairing", "WorkerChoice", "active_for_household", "pair",
    "program", "programs", "tell", "workers",
]


@dataclass(frozen=True)
class Choices:
    """Who can be paired with a household: those who serve its community first (`local` of
    them), then the others, each by name."""

    workers: list[WorkerChoice]
    area_id: int | None = None  # the household's community (None: it has none)
    area_name: str | None = None
    local: int = 0

    def away(self, worker: WorkerChoice) -> bool:
        """Whether the worker serves other communities but not the household's (a pairing to
        say twice about); one who serves none (a coordinator, usually) is not."""
        return (self.area_id is not None and bool(worker.area_ids)
                and self.area_id not in worker.area_ids)

    def find(self, worker_id: int) -> WorkerChoice | None:
        """The choice of this worker, if they can be paired."""
        return next((w for w in self.workers if w.telegram_id == worker_id), None)


async def workers(services: Services, household_id: int | None = None) -> Choices:
    """Active workers and coordinators who can be paired; with a household, those who serve
    its community first."""
    choices = await pairings.workers(services.db)
    house = None if household_id is None else await households.get(services.db, household_id)
    if house is None or house.area_id is None:
        return Choices(choices)
    local = [w for w in choices if house.area_id in w.area_ids]
    others = [w for w in choices if house.area_id not in w.area_ids]
    return Choices(local + others, house.area_id, house.area_name, len(local))


async def programs(services: Services) -> list[Program]:
    """The service programmes."""
    return await pairings.programs(services.db)


async def program(services: Services, program_id: int) -> Program | None:
    """One programme by id."""
    return await pairings.get_program(services.db, program_id)


async def active_for_household(services: Services, household_id: int) -> list[Pairing]:
    """The household's active pairings."""
    return await pairings.active_for_household(services.db, household_id)


async def pair(services: Services, actor: int, household_id: int, worker_id: int,
               program_id: int, today: date, now: datetime) -> PairOutcome:
    """Pair the worker with the household from today (a handover if another worker had it),
    with its audit entry in the same transaction; pairing the same worker changes nothing."""
    async with services.db.transaction() as tx:
        outcome = await pairings.pair_in(tx, household_id, worker_id, program_id, today, now,
                                         actor)
        if outcome.changed:
            await audit.record(tx, now, actor, "pairing.create", "household", household_id,
                               {"worker": worker_id,
                                "replaced_worker": outcome.previous_worker})
    return outcome


OWED_SHOWN = 3  # open items a pairing notice names for a household; /due lists them all


async def owed_line(services: Services, lang: str, worker_id: int, household_id: int,
                    name: str, today: date) -> Html:
    """What the worker still owes the household in the running periods, in one line as /due
    words each item (kind, period, due date), the soonest first; a few at most, then where the
    rest are. A colleague's items under another programme are theirs: not named."""
    mine = await obligations.for_worker(services.db, worker_id, today, history_periods=0,
                                        household_ids=(household_id,))
    owed = sorted((o for o in mine.get(household_id, []) if o.status is Status.DUE),
                  key=lambda o: (o.due_by, o.rule.kind.value))
    if not owed:
        return Html(services.t(lang, "pair.owed_none", name=name))
    items = [services.t(lang, "pair.owed_item", kind=services.t(lang, f"kind.{o.rule.kind.value}"),
                        period=services.t(lang, f"period.{o.period.kind.value}"),
                        due_by=texts.day_label(services, lang, o.due_by))
             for o in owed[:OWED_SHOWN]]
    line = services.t(lang, "pair.owed_line", name=name,
                      items=Html(services.t(lang, "list.separator").join(items)))
    if len(owed) > OWED_SHOWN:
        line += services.t(lang, "pair.owed_more")
    return Html(line)


async def tell(services: Services, telegram_id: int, key: str, now: datetime, *,
               by: int | None = None, owed: tuple[int, str] | None = None,
               **values: object) -> None:
    """Queue a message about a pairing to a worker the bot knows (nobody else is written to;
    sent only while they are on duty); `by`: the coordinator who did it, named in the text
    as {by} (their title, or 管理员); `owed`: a household (id, name) whose open items this
    period, those this worker answers for, go in as {owed}."""
    person = await people.get(services.db, telegram_id)
    if person is None:
        return
    lang = services.lang_of(person)
    if by is not None:
        values["by"] = await titles.signature(services, lang, by)
    if owed is not None:
        values["owed"] = await owed_line(services, lang, telegram_id, *owed,
                                         local_date(now, services.settings.timezone))
    await routing.send(services, [await routing.to_worker(services, telegram_id, key, values)],
                       now)
