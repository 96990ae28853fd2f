-- An update a passing storage failure (a full disk, a lock held too long) kept from being
-- handled is tried again while the bot runs; one whose chat has had a newer update handled
-- meanwhile (the person tried again, or went on) is set aside as 'superseded' instead, so it
-- never lands after the newer one. `chat_id` is the chat whose updates are handled in order
-- (bot/telegram/intake.py: chat_key); NULL for updates stored before this, which are never
-- set aside this way. SQLite cannot change a CHECK, so the table is rebuilt, rows kept.
CREATE TABLE updates_new (
    update_id    INTEGER PRIMARY KEY,
    payload      TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending'
                         CHECK (state IN ('pending', 'done', 'failed', 'superseded')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    received_at  TEXT    NOT NULL,
    handled_at   TEXT,
    chat_id      INTEGER
);
INSERT INTO updates_new (update_id, payload, state, attempts, received_at, handled_at)
    SELECT update_id, payload, state, attempts, received_at, handled_at FROM updates;
DROP TABLE updates;
ALTER TABLE updates_new RENAME TO updates;
CREATE INDEX updates_pending ON updates (state, update_id);
