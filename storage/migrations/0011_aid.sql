-- The aid ledger (救助台账): money and goods given to households, and the funds they come from.

CREATE TABLE funds (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    retired     INTEGER NOT NULL DEFAULT 0,  -- no longer offered for new aid; history kept
    created_at  TEXT    NOT NULL
);
CREATE UNIQUE INDEX funds_name ON funds (name);
-- The funds a Luohu district starts with; coordinators add and retire others with /funds.
INSERT INTO funds (name, created_at) VALUES
    ('区慈善会（大爱罗湖）', '2026-01-01T00:00:00.000000+00:00'),
    ('街道慈善基金', '2026-01-01T00:00:00.000000+00:00'),
    ('社区基金', '2026-01-01T00:00:00.000000+00:00'),
    ('爱心企业捐赠', '2026-01-01T00:00:00.000000+00:00'),
    ('政府救助', '2026-01-01T00:00:00.000000+00:00');

CREATE TABLE aid (
    id            INTEGER PRIMARY KEY,
    household_id  INTEGER NOT NULL REFERENCES households (id),
    worker_id     INTEGER NOT NULL REFERENCES people (telegram_id),
    kind          TEXT    NOT NULL CHECK (kind IN ('cash', 'in_kind', 'on_behalf', 'school')),
    amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0),  -- exact: integer fen, never floats
    description   TEXT    NOT NULL DEFAULT '',  -- in-kind aid: what was given
    quantity      INTEGER CHECK (quantity IS NULL OR quantity > 0),
    fund_id       INTEGER NOT NULL REFERENCES funds (id),
    purpose       TEXT    NOT NULL CHECK (purpose IN
                      ('medical', 'education', 'living', 'housing', 'temporary', 'other')),
    day           TEXT    NOT NULL,  -- local date, YYYY-MM-DD
    note          TEXT    NOT NULL DEFAULT '',
    created_at    TEXT    NOT NULL,
    deleted       INTEGER NOT NULL DEFAULT 0
);
-- The service file reads a household's aid by day; /funds and figures total by day.
CREATE INDEX aid_household ON aid (household_id, day);
CREATE INDEX aid_day ON aid (day, fund_id);
