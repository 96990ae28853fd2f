-- Referrals (转介): people other agencies name (unemployed > 6 months, court judicial
-- assistance, schools, grid workers), screened step by step and answered back.

-- The agencies that send lists; retired ones keep their referrals.
CREATE TABLE referral_sources (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    retired     INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL
);
CREATE UNIQUE INDEX referral_sources_name ON referral_sources (name);
INSERT INTO referral_sources (name, created_at) VALUES
    ('人力资源局', '2026-01-01T00:00:00.000000+00:00'),
    ('区法院', '2026-01-01T00:00:00.000000+00:00'),
    ('教育局', '2026-01-01T00:00:00.000000+00:00'),
    ('社区网格员', '2026-01-01T00:00:00.000000+00:00');

CREATE TABLE referrals (
    id            INTEGER PRIMARY KEY,
    source_id     INTEGER NOT NULL REFERENCES referral_sources (id),
    source_ref    TEXT    NOT NULL,     -- the agency's own number: re-imports match on it
    name          TEXT    NOT NULL,
    id_last4      TEXT    NOT NULL DEFAULT '',
    phone         TEXT,
    area_id       INTEGER REFERENCES areas (id),
    address       TEXT    NOT NULL DEFAULT '',
    reason        TEXT    NOT NULL DEFAULT '',
    focus         TEXT    NOT NULL DEFAULT '[]',   -- JSON list of focus codes
    received_on   TEXT    NOT NULL,     -- local date the list was imported
    due_on        TEXT    NOT NULL,     -- local date screening should be done by
    stage         TEXT    NOT NULL DEFAULT 'new',
    attempts      INTEGER NOT NULL DEFAULT 0,      -- unreachable phone calls so far
    eligibility   TEXT    NOT NULL DEFAULT '[]',   -- JSON list of eligibility codes
    application   TEXT,                 -- submitted, approved, refused
    outcome       TEXT,                 -- set when closed
    closed_on     TEXT,                 -- local date
    worker_id     INTEGER REFERENCES people (telegram_id),
    household_id  INTEGER REFERENCES households (id),
    routed_at     TEXT,                 -- when the Take cards went out
    imported_by   INTEGER,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);
CREATE UNIQUE INDEX referrals_source_ref ON referrals (source_id, source_ref);
CREATE INDEX referrals_open ON referrals (stage, due_on);
CREATE INDEX referrals_worker ON referrals (worker_id, stage);
CREATE INDEX referrals_area ON referrals (area_id, stage);

-- Every step of a referral, dated (day: the local date it happened).
CREATE TABLE referral_events (
    id           INTEGER PRIMARY KEY,
    referral_id  INTEGER NOT NULL REFERENCES referrals (id),
    at           TEXT    NOT NULL,
    day          TEXT    NOT NULL,
    actor_id     INTEGER,
    kind         TEXT    NOT NULL,
    detail       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX referral_events_referral ON referral_events (referral_id, id);

-- The Take cards sent to workers, so they can say who took the referral.
CREATE TABLE referral_notices (
    referral_id  INTEGER NOT NULL REFERENCES referrals (id),
    chat_id      INTEGER NOT NULL,
    message_id   INTEGER NOT NULL,
    settled      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (referral_id, chat_id, message_id)
);
