-- A coordinator's title as shown to others (民政专干, 社工督导, or words of their own); no row:
-- the generic 管理员. A preset is stored by its key, so each reader sees it in their language.
CREATE TABLE staff_titles (
    telegram_id  INTEGER PRIMARY KEY REFERENCES people (telegram_id) ON DELETE CASCADE,
    preset       TEXT,
    custom       TEXT,
    set_at       TEXT    NOT NULL,
    CHECK ((preset IS NULL) <> (custom IS NULL))
);

-- A street removed in /areas (or the old name of a renamed one) stays as a marker, so that
-- ZHONGFU_AREAS does not bring it back at the next start; it holds no community.
ALTER TABLE streets ADD COLUMN removed_at TEXT;
