-- The outbox: every message to someone other than the person being answered is written here
-- in the same transaction as the change that causes it, and sent by one sender task.
-- state: pending -> sending (claimed) -> sent; failed (tried again at not_before);
-- dropped (refused by Telegram, or too many attempts). A claim left by a crash is taken
-- over after a lease, so nothing is lost; a row is marked sent right after Telegram accepts
-- it, so nothing is sent twice unless the process dies in between.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    op          TEXT    NOT NULL DEFAULT 'send'
                CHECK (op IN ('send', 'edit', 'location', 'photo')),
    lang        TEXT    NOT NULL DEFAULT 'zh',
    text        TEXT    NOT NULL DEFAULT '',
    buttons     TEXT    NOT NULL DEFAULT '[]',  -- [[[label, callback data], …], …]
    grp         TEXT,                           -- waiting rows of one chat and group are merged
    item        TEXT    NOT NULL DEFAULT '{}',  -- {"line": …, "values": {…}} for merging
    target      TEXT    NOT NULL DEFAULT '{}',  -- edit: {"message_id"}; location, photo: data
    after       TEXT    NOT NULL DEFAULT '{}',  -- bookkeeping once sent: {"notice": [id, kind]}
    state       TEXT    NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'dropped')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  TEXT    NOT NULL,
    claimed_at  TEXT,
    message_id  INTEGER,
    error       TEXT,
    created_at  TEXT    NOT NULL,
    sent_at     TEXT
);
CREATE INDEX outbox_open ON outbox (state, not_before) WHERE state IN ('pending', 'sending', 'failed');
CREATE INDEX outbox_chat ON outbox (chat_id, id) WHERE state IN ('pending', 'sending', 'failed');
