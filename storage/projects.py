"""Micro-projects (民生微实事): name, budget, period and communities, and what they reached."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from storage.audit import record
from storage.clock import to_db
from storage.db import Database, Row


@dataclass(frozen=True)
class Project:
    """A micro-project with the activities recorded under it and the households they reached."""

    id: int
    name: str
    budget_fen: int
    starts_on: date
    ends_on: date
    retired: bool
    area_ids: tuple[int, ...]
    area_names: tuple[str, ...]
    activities: int
    households: int


@dataclass(frozen=True)
class NewProject:
    """What a coordinator adds."""

    name: str
    budget_fen: int
    starts_on: date
    ends_on: date
    area_ids: Sequence[int]
    created_by: int


_SELECT = (
    "SELECT p.id, p.name, p.budget_fen, p.starts_on, p.ends_on, p.retired, "
    "(SELECT group_concat(area_id) FROM project_areas pa WHERE pa.project_id = p.id) AS areas, "
    "(SELECT group_concat(a.name, char(31)) FROM (SELECT ar.name FROM project_areas pa "
    " JOIN areas ar ON ar.id = pa.area_id WHERE pa.project_id = p.id ORDER BY ar.name) a) "
    " AS area_names, "
    "(SELECT COUNT(*) FROM activities a WHERE a.project_id = p.id) AS activities, "
    "(SELECT COUNT(DISTINCT ah.household_id) FROM activities a JOIN activity_households ah "
    " ON ah.activity_id = a.id WHERE a.project_id = p.id) AS households "
    "FROM projects p"
)


def _project(row: Row) -> Project:
    areas = tuple(sorted(int(a) for a in str(row["areas"] or "").split(",") if a))
    area_names = tuple(n for n in str(row["area_names"] or "").split("\x1f") if n)
    return Project(row["id"], row["name"], int(row["budget_fen"]),
                   date.fromisoformat(row["starts_on"]), date.fromisoformat(row["ends_on"]),
                   bool(row["retired"]), areas, area_names, int(row["activities"]),
                   int(row["households"]))


async def listed(db: Database, *, include_retired: bool = False) -> list[Project]:
    """The projects, newest period first; retired ones only when asked."""
    rows = await db.fetchall(
        f"{_SELECT} WHERE p.retired = 0 OR ? ORDER BY p.starts_on DESC, p.id",
        (int(include_retired),))
    return [_project(r) for r in rows]


async def get(db: Database, project_id: int) -> Project | None:
    """One project by id."""
    row = await db.fetchone(f"{_SELECT} WHERE p.id = ?", (project_id,))
    return None if row is None else _project(row)


async def add(db: Database, new: NewProject, now: datetime) -> int | None:
    """Add a project with its communities; None when one of that name exists already."""
    async with db.transaction() as tx:
        if await tx.fetchval("SELECT 1 FROM projects WHERE name = ?", (new.name,)):
            return None
        project_id = await tx.execute(
            "INSERT INTO projects (name, budget_fen, starts_on, ends_on, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (new.name, new.budget_fen, new.starts_on.isoformat(), new.ends_on.isoformat(),
             new.created_by, to_db(now)))
        await tx.executemany(
            "INSERT OR IGNORE INTO project_areas (project_id, area_id) VALUES (?, ?)",
            [(project_id, a) for a in new.area_ids])
        await record(tx, now, new.created_by, "project.add", "project", project_id,
                     {"name": new.name, "budget_fen": new.budget_fen})
    return project_id


async def retire(db: Database, project_id: int, actor_id: int, now: datetime) -> bool:
    """Stop offering a project for new activities (its history stays); False if already so."""
    async with db.transaction() as tx:
        changed = await tx.rowcount(
            "UPDATE projects SET retired = 1 WHERE id = ? AND retired = 0", (project_id,)) > 0
        if changed:
            await record(tx, now, actor_id, "project.retire", "project", project_id)
    return changed


@dataclass(frozen=True)
class Reached:
    """What one project's activities did within a span."""

    name: str
    activities: int
    households: int
    people: int


async def reached_between(db: Database, start: date, end: date) -> list[Reached]:
    """Per project, the activities held on days start..end (inclusive), the households they
    reached (each once) and the person-times, busiest first."""
    rows = await db.fetchall(
        "SELECT p.name, COUNT(DISTINCT a.id) AS activities, "
        "COUNT(DISTINCT ah.household_id) AS households, "
        "(SELECT COALESCE(SUM(b.people_reached), 0) FROM activities b WHERE b.project_id = p.id "
        " AND b.day BETWEEN ? AND ?) AS people "
        "FROM projects p JOIN activities a ON a.project_id = p.id "
        "LEFT JOIN activity_households ah ON ah.activity_id = a.id "
        "WHERE a.day BETWEEN ? AND ? GROUP BY p.id ORDER BY activities DESC, p.name",
        (start.isoformat(), end.isoformat(), start.isoformat(), end.isoformat()))
    return [Reached(r["name"], int(r["activities"]), int(r["households"]), int(r["people"]))
            for r in rows]
