-- What is wrong may be said in a voice note instead of typed (residents who cannot type on a
-- phone): the note's Telegram file id (NULL once erased or anonymised) and its length in
-- seconds (kept for the record). A report said in a voice note has description = ''; every
-- surface words it from the catalogs ("语音留言（42 秒）"), in the reader's language.
ALTER TABLE reports ADD COLUMN voice_file_id TEXT;
ALTER TABLE reports ADD COLUMN voice_seconds INTEGER;

-- The voice note goes to whoever may see the case's details through the outbox: a new op.
-- SQLite cannot change a CHECK in place, so the table is rebuilt with its rows and indexes.
CREATE TABLE outbox_new (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    op          TEXT    NOT NULL DEFAULT 'send'
                CHECK (op IN ('send', 'edit', 'location', 'photo', 'voice')),
    lang        TEXT    NOT NULL DEFAULT 'zh',
    text        TEXT    NOT NULL DEFAULT '',
    buttons     TEXT    NOT NULL DEFAULT '[]',  -- [[[label, callback data], …], …]
    grp         TEXT,                           -- waiting rows of one chat and group are merged
    item        TEXT    NOT NULL DEFAULT '{}',  -- {"line": …, "values": {…}} for merging
    target      TEXT    NOT NULL DEFAULT '{}',  -- edit: {"message_id"}; location, photo, voice
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
    claimed_by  TEXT
);
INSERT INTO outbox_new (id, chat_id, op, lang, text, buttons, grp, item, target, after, state,
                        attempts, not_before, claimed_at, message_id, error, created_at,
                        sent_at, claimed_by)
    SELECT id, chat_id, op, lang, text, buttons, grp, item, target, after, state, attempts,
           not_before, claimed_at, message_id, error, created_at, sent_at, claimed_by
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_open ON outbox (state, not_before) WHERE state IN ('pending', 'sending', 'failed');
CREATE INDEX outbox_chat ON outbox (chat_id, id) WHERE state IN ('pending', 'sending', 'failed');
