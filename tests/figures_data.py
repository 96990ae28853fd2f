"""A small, known data set for the figures, with every figure counted by hand.

Today is 2026-11-18 (the bot's BOT_NOW), Asia/Shanghai. "This quarter" is 2026-Q4
(2026-10-01 .. 2026-12-31); the period before is 2026-Q3.

Households (H5 is archived):        Pairings (programme 1, since 2026-01-01, active):
  H1 张大爷  东门 elderly_alone 1      H1 – 陈社工 (7101)
  H2 李阿婆家 翠竹 dibao 3              H2 – 陈社工 (7101)
  H3 王家    东门 dibao 4               H3 – 林社工 (7102)
  H4 赵小妹  翠竹 unsupported_child 2   H4 unpaired
  H5 旧户    东门 other 2 (archived)

Contacts (day, household, kind, people reached, services, worker):
  Q3 07-10 H1 call  1 [comfort]                  7101
  Q3 08-05 H2 visit 3 [daily_care, counselling]  7101
  Q3 09-20 H4 other 2 [policy_check]             7102
  Q4 10-08 H1 visit 1 [comfort, daily_care]      7101
  Q4 11-02 H1 deed  1 [material_aid]             7101
  Q4 10-20 H3 call  4 [counselling]              7102
  Q4 11-10 H2 call  2 []                         7101
  (and a deleted call to H2 on 10-15, ignored)

Reports (local times):
  R1 10-05 10:00 health 东门, taken +1h by 7101, resolved 10-06
  R2 10-10 08:00 elderly_alone 翠竹, taken +12h by 7102, referred 10-12
  R3 11-01 09:00 health 东门, taken +30min by 7101, closed 11-03
  R4 11-15 12:00 money_food 翠竹, taken +24h by 7102
  R5 11-17 08:00 other, no area, new
  R6 09-29 22:00 health 东门, taken 10-01 10:00 by 7102, resolved 10-02
  R7 08-01 09:00 loneliness 翠竹, taken +2h by 7102, closed 08-10
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from storage.db import Database

TODAY = date(2026, 11, 18)
Q4 = (date(2026, 10, 1), date(2026, 12, 31))
Q3 = (date(2026, 7, 1), date(2026, 9, 30))
WORKER_A, WORKER_B = 7101, 7102
STAMP = "2026-01-01T00:00:00.000000+00:00"


def utc(local: str) -> str:
    """A Shanghai wall time as stored (UTC ISO text)."""
    moment = datetime.fromisoformat(local) - timedelta(hours=8)
    return moment.replace(tzinfo=UTC).isoformat(timespec="microseconds")


def _area(conn: sqlite3.Connection, name: str) -> int:
    conn.execute("INSERT OR IGNORE INTO areas (name, created_at) VALUES (?, ?)", (name, STAMP))
    return int(conn.execute("SELECT id FROM areas WHERE name = ?", (name,)).fetchone()[0])


def seed(conn: sqlite3.Connection) -> None:
    """Write the data set into a migrated database."""
    east, green = _area(conn, "东门社区"), _area(conn, "翠竹社区")
    for worker, name in ((WORKER_A, "陈社工"), (WORKER_B, "林社工")):
        conn.execute("INSERT OR REPLACE INTO people (telegram_id, display_name, language, role, "
                     "active, created_at, updated_at) VALUES (?, ?, 'zh', 'worker', 1, ?, ?)",
                     (worker, name, STAMP, STAMP))
    homes = [(1, "张大爷", east, "东门路1号", 1, "elderly_alone", "13800000001", 0),
             (2, "李阿婆家", green, "翠竹路2号", 3, "dibao", "=HYPERLINK(\"x\")", 0),
             (3, "王家", east, "东门路3号", 4, "dibao", None, 0),
             (4, "赵小妹", green, "翠竹路4号", 2, "unsupported_child", None, 0),
             (5, "旧户", east, "东门路5号", 2, "other", None, 1)]
    for hid, name, area, address, people, category, phone, archived in homes:
        conn.execute("INSERT INTO households (id, name, area_id, address, people_count, "
                     "category, causes, phone, archived, created_at, updated_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (hid, name, area, address, people, category,
                      "-1 失业" if hid == 3 else "", phone, archived, STAMP, STAMP))
    for pid, hid, worker in ((1, 1, WORKER_A), (2, 2, WORKER_A), (3, 3, WORKER_B)):
        conn.execute("INSERT INTO pairings (id, household_id, worker_id, program_id, started_on, "
                     "created_at) VALUES (?, ?, ?, 1, '2026-01-01', ?)", (pid, hid, worker, STAMP))
    contacts = [(1, "call", "2026-07-10", 1, ["comfort"], WORKER_A, 0),
                (2, "visit", "2026-08-05", 3, ["daily_care", "counselling"], WORKER_A, 0),
                (4, "other", "2026-09-20", 2, ["policy_check"], WORKER_B, 0),
                (1, "visit", "2026-10-08", 1, ["comfort", "daily_care"], WORKER_A, 0),
                (1, "deed", "2026-11-02", 1, ["material_aid"], WORKER_A, 0),
                (3, "call", "2026-10-20", 4, ["counselling"], WORKER_B, 0),
                (2, "call", "2026-11-10", 2, [], WORKER_A, 0),
                (2, "call", "2026-10-15", 3, ["comfort"], WORKER_A, 1)]
    for hid, kind, day, people, services, worker, deleted in contacts:
        conn.execute("INSERT INTO contacts (household_id, worker_id, kind, day, services, "
                     "people_reached, note, created_at, updated_at, deleted) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (hid, worker, kind, day, json.dumps(services), people,
                      "=1+1" if day == "2026-10-20" else "", STAMP, STAMP, deleted))
    reporter = 1001
    conn.execute("INSERT OR IGNORE INTO people (telegram_id, display_name, created_at, updated_at)"
                 " VALUES (?, '李阿姨', ?, ?)", (reporter, STAMP, STAMP))
    reports = [  # id, created, category, area, status, taken, by, outcome, outcome at
        (1, "2026-10-05 10:00", "health", east, "resolved", "2026-10-05 11:00", WORKER_A,
         "resolved", "2026-10-06 09:00"),
        (2, "2026-10-10 08:00", "elderly_alone", green, "referred", "2026-10-10 20:00",
         WORKER_B, "referred", "2026-10-12 09:00"),
        (3, "2026-11-01 09:00", "health", east, "closed", "2026-11-01 09:30", WORKER_A,
         "closed", "2026-11-03 09:00"),
        (4, "2026-11-15 12:00", "money_food", green, "acknowledged", "2026-11-16 12:00",
         WORKER_B, None, None),
        (5, "2026-11-17 08:00", "other", None, "new", None, None, None, None),
        (6, "2026-09-29 22:00", "health", east, "resolved", "2026-10-01 10:00", WORKER_B,
         "resolved", "2026-10-02 09:00"),
        (7, "2026-08-01 09:00", "loneliness", green, "closed", "2026-08-01 11:00", WORKER_B,
         "closed", "2026-08-10 09:00"),
    ]
    for rid, created, category, area, status, taken, by, outcome, outcome_at in reports:
        conn.execute("INSERT INTO reports (id, reporter_id, category, description, address, "
                     "area_id, urgency, phone, status, taken_by, taken_at, created_at, "
                     "updated_at) VALUES (?, ?, ?, ?, ?, ?, 'soon', ?, ?, ?, ?, ?, ?)",
                     (rid, reporter, category, f"情况{rid}", f"地址{rid}", area,
                      "+8613800001001", status, by, utc(taken) if taken else None,
                      utc(created), utc(created)))
        events = [("created", "new", created, None)]
        if taken:
            events.append(("taken", "acknowledged", taken, by))
        if outcome:
            events.append((outcome, outcome, outcome_at, by))
        for kind, after, at, actor in events:
            conn.execute("INSERT INTO report_events (report_id, at, actor_id, kind, status) "
                         "VALUES (?, ?, ?, ?, ?)", (rid, utc(at), actor, kind, after))
    conn.execute("INSERT INTO audit (at, actor_id, action, object_type, object_id) "
                 "VALUES (?, 9001, 'view.household', 'household', '1')",
                 (utc("2026-11-01 10:00"),))
    conn.commit()


# -- the hand-counted figures ---------------------------------------------------------------

# (this quarter, the quarter before)
REGISTERED = ((4, 10), (4, 10))
PAIRED = ((3, 8), (3, 8))
COVERED = ((3, 8), (3, 6))
PERSON_TIMES = (8, 6)
KINDS = ({"call": 2, "visit": 1, "deed": 1, "other": 0},
         {"call": 1, "visit": 1, "deed": 0, "other": 1})
SERVICES = ({"comfort": 1, "daily_care": 1, "material_aid": 1, "counselling": 1},
            {"comfort": 1, "daily_care": 1, "counselling": 1, "policy_check": 1})
PAIRS = ((2, 3), (2, 3))  # workers, households
# (kind, period) -> (met, due, missed), statuses as of today
KEPT = ({("call", "quarter"): (3, 0, 0), ("visit", "half_year"): (2, 1, 0),
         ("deed", "year"): (1, 2, 0)},
        {("call", "quarter"): (2, 0, 1), ("visit", "half_year"): (2, 1, 0),
         ("deed", "year"): (1, 2, 0)})
# received, taken, resolved, referred, closed, median hours, p90 hours
REPORTS = ((5, 5, 2, 1, 1, 1.0, 24.0), (2, 1, 0, 0, 1, 2.0, 36.0))
REPORT_CATEGORIES = ({"health": 2, "elderly_alone": 1, "money_food": 1, "other": 1},
                     {"health": 1, "loneliness": 1})
REPORT_AREAS = ({"东门社区": 2, "翠竹社区": 2, "": 1}, {"东门社区": 1, "翠竹社区": 1})
# this quarter: value -> (registered households, covered households, covered people,
# person-times)
BY_CATEGORY = {"elderly_alone": (1, 1, 1, 2), "dibao": (2, 2, 7, 6),
               "unsupported_child": (1, 0, 0, 0)}
BY_AREA = {"东门社区": (2, 2, 5, 6), "翠竹社区": (2, 1, 3, 2)}
# the digest's coverage today (running periods): rule -> (met, total)
DIGEST = {("call", "quarter"): (3, 3), ("visit", "half_year"): (2, 3), ("deed", "year"): (1, 3)}
# 陈社工's own figures this quarter
OWN = {"registered": (2, 4), "covered": (2, 4), "person_times": 4, "received": 2,
       "kept": {("call", "quarter"): (2, 0, 0), ("visit", "half_year"): (2, 0, 0),
                ("deed", "year"): (1, 1, 0)}}


@pytest.fixture(name="db")
async def seeded_db(tmp_path: Path) -> AsyncIterator[Database]:
    """The fixture `db`: seed()'s district in a real, migrated SQLite file (a test module
    takes it with `seeded_db = data.seeded_db`)."""
    database = await Database.open(tmp_path / "z.sqlite3")
    conn = sqlite3.connect(database.path)
    seed(conn)
    conn.close()
    yield database
    await database.close()
