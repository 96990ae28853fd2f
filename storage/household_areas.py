"""A household's community by date (migration 0032), so that the figures of a finished period
count each household under the community it was in then.

households.area_id is the community a household is in now, and everything operational (who
is told of a report, /overdue's filter, the service file) reads it. Every write that changes
it also calls `move_in`, in the same transaction and before the change, with the local day
of the change. The figures and the export of a span read `area_on`: the community on the
span's last day (the one it is in now while the span runs).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import date

from bot.domain.limits import ALWAYS
from storage.db import Tx

# A household's first community is its community on every earlier day too (a household added
# today with contacts logged for last month is counted where it was registered), as its
# categories are carried from the start (storage.households.FROM_THE_START).
FROM_THE_START = ALWAYS.isoformat()
_IDS = "(SELECT value FROM json_each(:ids))"
_OPEN = ("EXISTS (SELECT 1 FROM household_areas o WHERE o.household_id = {} "
         "AND o.until IS NULL)")


async def begin_in(tx: Tx, household_id: int, area_id: int | None) -> None:
    """A household just added: in its community from the start."""
    await tx.execute("INSERT INTO household_areas (household_id, area_id, since) "
                     "VALUES (?, ?, ?)", (household_id, area_id, FROM_THE_START))


async def move_in(tx: Tx, household_ids: Sequence[int], area_id: int | None,
                  today: date) -> None:
    """Record that the households are in `area_id` from `today` (the deployment's local date):
    the community each leaves ends today, the new one begins today, earlier days stay as
    they were; nothing for one already there. Call it before households.area_id changes."""
    if not household_ids:
        return
    params = {"ids": json.dumps(list(household_ids)), "area": area_id,
              "day": today.isoformat(), "start": FROM_THE_START}
    # A household written without a dated community (by hand, by a tool) was in its
    # community until now.
    await tx.execute(
        "INSERT INTO household_areas (household_id, area_id, since) "
        f"SELECT h.id, h.area_id, :start FROM households h WHERE h.id IN {_IDS} "
        "AND NOT EXISTS (SELECT 1 FROM household_areas x WHERE x.household_id = h.id)", params)
    # Moved to another community earlier today: that never held a whole day, it goes.
    await tx.execute(
        f"DELETE FROM household_areas WHERE household_id IN {_IDS} AND until IS NULL "
        "AND since >= :day AND area_id IS NOT :area", params)
    # Moved out of this community earlier today and back: it never left.
    await tx.execute(
        f"UPDATE household_areas SET until = NULL WHERE household_id IN {_IDS} "
        "AND until = :day AND area_id IS :area "
        f"AND NOT {_OPEN.format('household_areas.household_id')}", params)
    await tx.execute(
        f"UPDATE household_areas SET until = :day WHERE household_id IN {_IDS} "
        "AND until IS NULL AND area_id IS NOT :area", params)
    await tx.execute(
        "INSERT INTO household_areas (household_id, area_id, since) "
        f"SELECT h.id, :area, :day FROM households h WHERE h.id IN {_IDS} "
        f"AND NOT {_OPEN.format('h.id')}", params)


def area_on(h: str, day: str) -> tuple[str, str]:
    """SQL to read the community of each household (the table `households` aliased `h`) on a
    day: a LEFT JOIN (alias `ha`) to add once `h` is in scope, and the expression of the
    community's id. `day` is an SQL expression or parameter of an ISO date (used twice). A
    household with no dated community (written by hand) reads its current one."""
    join = (f"LEFT JOIN household_areas ha ON ha.household_id = {h}.id "
            f"AND ha.since <= {day} AND (ha.until IS NULL OR ha.until > {day})")
    return join, f"(CASE WHEN ha.household_id IS NULL THEN {h}.area_id ELSE ha.area_id END)"


def names_on(conn: sqlite3.Connection, day: date) -> dict[int, str]:
    """Every household's community name on a day ("" for none), by household id."""
    join, area = area_on("h", "?")
    rows = conn.execute(
        f"SELECT h.id, COALESCE(a.name, '') FROM households h {join} "
        f"LEFT JOIN areas a ON a.id = {area}", (day.isoformat(), day.isoformat()))
    return {int(household_id): str(name) for household_id, name in rows}
