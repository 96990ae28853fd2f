-- Aid given from a case being worked (a report a worker holds), also before the person is in the
-- registry: household_id becomes optional and report_id names the case. SQLite cannot drop a
-- NOT NULL, so the table is rebuilt with the same rows and ids.

CREATE TABLE aid_new (
    id            INTEGER PRIMARY KEY,
    household_id  INTEGER REFERENCES households (id),
    report_id     INTEGER REFERENCES reports (id),  -- the case it was given from, if any
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
    deleted       INTEGER NOT NULL DEFAULT 0,
    CHECK (household_id IS NOT NULL OR report_id IS NOT NULL)
);
INSERT INTO aid_new (id, household_id, report_id, worker_id, kind, amount_fen, description,
                     quantity, fund_id, purpose, day, note, created_at, deleted)
    SELECT id, household_id, NULL, worker_id, kind, amount_fen, description, quantity, fund_id,
           purpose, day, note, created_at, deleted FROM aid;
DROP TABLE aid;
ALTER TABLE aid_new RENAME TO aid;
-- The service file reads a household's aid by day, the case view a report's; /funds and figures
-- total by day.
CREATE INDEX aid_household ON aid (household_id, day);
CREATE INDEX aid_report ON aid (report_id);
CREATE INDEX aid_day ON aid (day, fund_id);
