-- The household registry (服务对象), programs as data, one-to-one pairings (结对) and the
-- service file's contacts (服务记录).

CREATE TABLE households (
    id            INTEGER PRIMARY KEY,
    external_id   TEXT,                 -- the id in the district's own list; imports match on it
    name          TEXT    NOT NULL,
    area_id       INTEGER REFERENCES areas (id),
    address       TEXT    NOT NULL DEFAULT '',
    people_count  INTEGER NOT NULL DEFAULT 1 CHECK (people_count >= 1),
    category      TEXT    NOT NULL,
    causes        TEXT    NOT NULL DEFAULT '',
    needs         TEXT    NOT NULL DEFAULT '',
    phone         TEXT,
    archived      INTEGER NOT NULL DEFAULT 0,
    created_by    INTEGER,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);
CREATE UNIQUE INDEX households_external_id ON households (external_id)
    WHERE external_id IS NOT NULL;
CREATE INDEX households_area ON households (area_id, archived, name);
CREATE INDEX households_name ON households (archived, name);

-- A program: a named list of obligations, [{"kind": "call", "period": "quarter"}, …].
CREATE TABLE programs (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    rules       TEXT    NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT    NOT NULL
);
CREATE UNIQUE INDEX programs_name ON programs (name);
INSERT INTO programs (id, name, rules, active, created_at) VALUES (
    1, 'one-to-one',
    '[{"kind": "call", "period": "quarter"}, {"kind": "visit", "period": "half_year"}, {"kind": "deed", "period": "year"}]',
    1, '2026-01-01T00:00:00.000000+00:00'
);

-- One worker with one household under one program; ended_on is exclusive (a handover ends the
-- old pairing and starts the new one on the same day). History is never deleted.
CREATE TABLE pairings (
    id            INTEGER PRIMARY KEY,
    household_id  INTEGER NOT NULL REFERENCES households (id),
    worker_id     INTEGER NOT NULL REFERENCES people (telegram_id),
    program_id    INTEGER NOT NULL REFERENCES programs (id),
    started_on    TEXT    NOT NULL,     -- local date, YYYY-MM-DD
    ended_on      TEXT,                 -- local date, exclusive; NULL while active
    ended_reason  TEXT,                 -- ended, handover, archived, worker_left
    created_by    INTEGER,
    created_at    TEXT    NOT NULL,
    CHECK (ended_on IS NULL OR ended_on >= started_on)
);
CREATE UNIQUE INDEX pairings_one_active ON pairings (household_id, program_id)
    WHERE ended_on IS NULL;
CREATE INDEX pairings_worker_active ON pairings (worker_id, household_id)
    WHERE ended_on IS NULL;
CREATE INDEX pairings_household ON pairings (household_id, program_id, started_on);

-- A logged call, home visit, practical deed or other service, by the day it happened.
CREATE TABLE contacts (
    id              INTEGER PRIMARY KEY,
    household_id    INTEGER NOT NULL REFERENCES households (id),
    pairing_id      INTEGER REFERENCES pairings (id),
    worker_id       INTEGER NOT NULL REFERENCES people (telegram_id),
    kind            TEXT    NOT NULL CHECK (kind IN ('call', 'visit', 'deed', 'other')),
    day             TEXT    NOT NULL,   -- local date, YYYY-MM-DD
    services        TEXT    NOT NULL DEFAULT '[]',  -- JSON list of service codes
    people_reached  INTEGER NOT NULL DEFAULT 1 CHECK (people_reached >= 0),
    note            TEXT    NOT NULL DEFAULT '',
    wellbeing       INTEGER CHECK (wellbeing IS NULL OR wellbeing BETWEEN 1 AND 5),
    next_note       TEXT    NOT NULL DEFAULT '',
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    deleted         INTEGER NOT NULL DEFAULT 0
);
-- Cadence (/due, /households) and the service file read a household's contacts by day.
CREATE INDEX contacts_household_day ON contacts (household_id, day, kind) WHERE deleted = 0;
CREATE INDEX contacts_worker_created ON contacts (worker_id, created_at);
CREATE INDEX contacts_day ON contacts (day) WHERE deleted = 0;

CREATE INDEX reports_household ON reports (household_id) WHERE household_id IS NOT NULL;
