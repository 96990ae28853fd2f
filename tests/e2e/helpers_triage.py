"""Helpers for the triage tests: joining as a worker, reading the database, moving time."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta

from tests.conftest import BotProcess
from tests.e2e.reporting import label
from tests.rig.server import FakeUser


async def invite_code(coordinator: FakeUser) -> str:
    """Ask for an invite as the coordinator; return the code from the link."""
    await coordinator.send("/invite")
    msg = await coordinator.expect(r"社工邀请已生成")
    found = re.search(r"start=(inv_[A-Z0-9]+)", msg.plain)
    assert found is not None, msg.plain
    return found.group(1)


async def join(coordinator: FakeUser, worker: FakeUser, name: str,
               areas: tuple[str, ...] = ("东门社区",)) -> None:
    """Invite and onboard a worker through the real deep link."""
    code = await invite_code(coordinator)
    await worker.send(f"/start {code}")
    await worker.expect(r"请写下您的姓名")
    await worker.send(name)
    await worker.expect(r"您负责哪些社区")
    for area in areas:
        await worker.press(area)
        await worker.expect(r"您负责哪些社区")
    await worker.press(label("zh", "triage.join.done_button"))
    await worker.expect(r"您已经是社工了")
    await coordinator.expect(rf"新社工 {name}")


def report_row(bot: BotProcess, ref: str) -> sqlite3.Row:
    """The report with this reference, straight from the database."""
    with bot.db() as conn:
        row = conn.execute("SELECT * FROM reports WHERE id = ?", (int(ref[2:]),)).fetchone()
    assert row is not None
    return row


def events(bot: BotProcess, ref: str) -> list[str]:
    """The kinds of the report's history entries, oldest first."""
    with bot.db() as conn:
        rows = conn.execute("SELECT kind FROM report_events WHERE report_id = ? ORDER BY id",
                            (int(ref[2:]),)).fetchall()
    return [r[0] for r in rows]


def created_plus(bot: BotProcess, ref: str, minutes: int) -> str:
    """An ISO instant `minutes` after the report was created."""
    created = datetime.fromisoformat(report_row(bot, ref)["created_at"])
    return (created + timedelta(minutes=minutes)).isoformat()


def add_worker(bot: BotProcess, telegram_id: int, name: str, area: str = "东门社区",
               active: bool = True) -> None:
    """Put a worker straight into the database (the invite path has its own test)."""
    stamp = "2026-01-01T00:00:00.000000+00:00"
    with bot.db() as conn:
        conn.execute(
            "INSERT INTO people (telegram_id, display_name, role, active, created_at, updated_at)"
            " VALUES (?, ?, 'worker', ?, ?, ?) ON CONFLICT (telegram_id) DO UPDATE SET "
            "role = 'worker', active = excluded.active, display_name = excluded.display_name",
            (telegram_id, name, int(active), stamp, stamp))
        area_id = conn.execute("SELECT id FROM areas WHERE name = ?", (area,)).fetchone()[0]
        conn.execute("INSERT OR IGNORE INTO person_areas (telegram_id, area_id) VALUES (?, ?)",
                     (telegram_id, area_id))
        conn.commit()


async def take_off_duty(coordinator: FakeUser, name: str) -> None:
    """The coordinator takes a worker off duty through /workers, confirming."""
    await coordinator.send("/workers")
    listing = await coordinator.expect(rf"社工名单.*{name}")
    await coordinator.press(f"离岗 {name}", in_message=listing)
    confirm = await coordinator.expect(rf"确定让 {name} 离岗吗")
    await coordinator.press(label("zh", "triage.workers.yes_off"), in_message=confirm)
