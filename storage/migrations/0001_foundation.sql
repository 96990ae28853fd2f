-- People, areas and the durable update intake.

CREATE TABLE people (
    telegram_id   INTEGER PRIMARY KEY,
    display_name  TEXT    NOT NULL DEFAULT '',
    username      TEXT,
    language      TEXT,               -- chosen with /language; NULL until chosen
    language_code TEXT,               -- Telegram's language setting, the guess until then
    role          TEXT    NOT NULL DEFAULT 'resident'
                  CHECK (role IN ('resident', 'worker', 'coordinator')),
    active        INTEGER NOT NULL DEFAULT 1,
    reachable     INTEGER NOT NULL DEFAULT 1,   -- 0 once Telegram says the person blocked the bot
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);

CREATE TABLE areas (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    retired     INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL
);
CREATE UNIQUE INDEX areas_name ON areas (name);

CREATE TABLE person_areas (
    telegram_id INTEGER NOT NULL REFERENCES people (telegram_id) ON DELETE CASCADE,
    area_id     INTEGER NOT NULL REFERENCES areas (id),
    PRIMARY KEY (telegram_id, area_id)
);
CREATE INDEX person_areas_area ON person_areas (area_id);

-- Every update fetched from Telegram is written here before the next offset is asked for,
-- and marked done once handled; undone ones are replayed at start.
CREATE TABLE updates (
    update_id    INTEGER PRIMARY KEY,
    payload      TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    received_at  TEXT    NOT NULL,
    handled_at   TEXT
);
CREATE INDEX updates_pending ON updates (state, update_id);

-- Where each person is inside a multi-step flow, written at every step (survives kill -9).
CREATE TABLE flows (
    telegram_id  INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    step         TEXT    NOT NULL,
    data         TEXT    NOT NULL DEFAULT '{}',
    -- the update that last moved the flow: a replayed older update must not move it again
    last_update_id INTEGER NOT NULL DEFAULT 0,
    started_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);
