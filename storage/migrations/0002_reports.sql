-- Residents' reports (求助线索) and their history.

CREATE TABLE reports (
    id              INTEGER PRIMARY KEY,
    reporter_id     INTEGER NOT NULL REFERENCES people (telegram_id),
    category        TEXT    NOT NULL,
    description     TEXT    NOT NULL,
    subject         TEXT,                 -- who needs help, as the reporter described them
    address         TEXT,
    latitude        REAL,
    longitude       REAL,
    area_id         INTEGER REFERENCES areas (id),
    area_text       TEXT,                 -- typed when no areas are configured
    urgency         TEXT    NOT NULL CHECK (urgency IN ('danger', 'soon', 'not_urgent')),
    photos          TEXT    NOT NULL DEFAULT '[]',  -- JSON list of Telegram file ids
    phone           TEXT,
    anonymous       INTEGER NOT NULL DEFAULT 0,
    status          TEXT    NOT NULL DEFAULT 'new'
                    CHECK (status IN ('new', 'acknowledged', 'resolved', 'referred', 'closed')),
    taken_by        INTEGER REFERENCES people (telegram_id),
    taken_at        TEXT,
    escalation_level INTEGER NOT NULL DEFAULT 0,
    household_id    INTEGER,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX reports_reporter ON reports (reporter_id, created_at);
CREATE INDEX reports_status ON reports (status, created_at);
CREATE INDEX reports_taken_by ON reports (taken_by, status);

CREATE TABLE report_events (
    id          INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    at          TEXT    NOT NULL,
    actor_id    INTEGER,                  -- NULL for the system (escalation)
    kind        TEXT    NOT NULL,         -- created, taken, note, resolved, referred, …
    status      TEXT,                     -- the report's status after this event, if it changed
    detail      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX report_events_report ON report_events (report_id, at);
