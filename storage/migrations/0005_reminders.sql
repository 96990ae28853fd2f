-- Reminders to workers and digests to coordinators: what the scheduler sent, so that a
-- tick run twice sends nothing new, a crash loses nothing, and a failed send is retried.

-- One row per worker, obligation and reminder stage (at most one reminder each).
-- state: pending (planned, not yet sent) -> sending (claimed by one process) -> sent;
-- failed (retried at next_attempt_at while still relevant); cancelled (met or moved on
-- before it went out); dropped (gave up after too many attempts).
CREATE TABLE reminders (
    id              INTEGER PRIMARY KEY,
    worker_id       INTEGER NOT NULL,
    household_id    INTEGER NOT NULL REFERENCES households (id),
    program_id      INTEGER NOT NULL REFERENCES programs (id),
    obligation_key  TEXT    NOT NULL,   -- call:2026-Q4
    stage           TEXT    NOT NULL CHECK (stage IN ('first', 'final')),
    due_by          TEXT    NOT NULL,   -- local date, inclusive
    run_day         TEXT    NOT NULL,   -- the local day of the run that planned it
    state           TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'cancelled',
                                     'dropped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    claimed_at      TEXT,
    message_id      INTEGER,
    error           TEXT,
    created_at      TEXT    NOT NULL,
    sent_at         TEXT
);
CREATE UNIQUE INDEX reminders_once
    ON reminders (worker_id, household_id, program_id, obligation_key, stage);
CREATE INDEX reminders_open ON reminders (state, next_attempt_at)
    WHERE state IN ('pending', 'sending', 'failed');

-- Daily (and weekly) runs already done: job name and run key (a local date or ISO week).
CREATE TABLE scheduled_runs (
    job       TEXT    NOT NULL,
    run_key   TEXT    NOT NULL,
    done_at   TEXT    NOT NULL,
    PRIMARY KEY (job, run_key)
);

-- One weekly digest per chat; parts_sent counts messages already delivered, so a retry
-- continues where it stopped instead of sending the first parts again.
CREATE TABLE digests (
    id              INTEGER PRIMARY KEY,
    week            TEXT    NOT NULL,   -- 2026-W48
    chat_id         INTEGER NOT NULL,
    language        TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'dropped')),
    parts_sent      INTEGER NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    claimed_at      TEXT,
    error           TEXT,
    created_at      TEXT    NOT NULL,
    sent_at         TEXT,
    UNIQUE (week, chat_id)
);
CREATE INDEX digests_open ON digests (state, next_attempt_at)
    WHERE state IN ('pending', 'sending', 'failed');
