-- A case's map pin, photos and voice note go out with its details as messages of their own:
-- kept too, so that they are taken back with the text. A pin, a photo or a voice note cannot
-- be edited into a line of text: it is deleted instead (Telegram lets a bot delete its own
-- messages for 48 hours; an older one stays).
ALTER TABLE detail_messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';  -- text, media

-- The deletion goes through the outbox with the change that causes it: a new op. SQLite
-- cannot change a CHECK in place, so the table is rebuilt with its rows and indexes.
CREATE TABLE outbox_new (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    op          TEXT    NOT NULL DEFAULT 'send'
                CHECK (op IN ('send', 'edit', 'delete', 'location', 'photo', 'voice')),
    lang        TEXT    NOT NULL DEFAULT 'zh',
    text        TEXT    NOT NULL DEFAULT '',
    buttons     TEXT    NOT NULL DEFAULT '[]',  -- [[[label, callback data], …], …]
    grp         TEXT,                           -- waiting rows of one chat and group are merged
    item        TEXT    NOT NULL DEFAULT '{}',  -- {"line": …, "values": {…}} for merging
    target      TEXT    NOT NULL DEFAULT '{}',  -- edit, delete: {"message_id"}; location, …
    after       TEXT    NOT NULL DEFAULT '{}',  -- bookkeeping once sent: {"notice": [id, kind]}
    state       TEXT    NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'dropped')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  TEXT    NOT NULL,
    claimed_at  TEXT,
    message_id  INTEGER,
    error       TEXT,
    created_at  TEXT    NOT NULL,
    sent_at     TEXT,
    claimed_by  TEXT,
    origin      INTEGER
);
INSERT INTO outbox_new (id, chat_id, op, lang, text, buttons, grp, item, target, after, state,
                        attempts, not_before, claimed_at, message_id, error, created_at,
                        sent_at, claimed_by, origin)
    SELECT id, chat_id, op, lang, text, buttons, grp, item, target, after, state, attempts,
           not_before, claimed_at, message_id, error, created_at, sent_at, claimed_by, origin
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_open ON outbox (state, not_before) WHERE state IN ('pending', 'sending', 'failed');
CREATE INDEX outbox_chat ON outbox (chat_id, id) WHERE state IN ('pending', 'sending', 'failed');
CREATE INDEX outbox_origin ON outbox (origin)
    WHERE origin IS NOT NULL AND state IN ('pending', 'sending', 'failed');
