-- A programme's limit to household categories is dated: a category is in the limit from
-- `since` (a local date) until `until` (exclusive; NULL while it stays in), so limiting or
-- un-limiting a programme changes what it owes from that day on and never what it owed
-- before (figures of a finished period are already reported). Removing a category closes
-- its row instead of deleting it. Limits set before this were in force "always": their
-- `since` is a day far in the past, so nothing they decided changes.
CREATE TABLE program_limits (
    program_id  INTEGER NOT NULL REFERENCES programs (id),
    category    TEXT    NOT NULL,
    since       TEXT    NOT NULL,
    until       TEXT,
    PRIMARY KEY (program_id, category, since)
) WITHOUT ROWID;
INSERT INTO program_limits (program_id, category, since, until)
    SELECT program_id, category, '0001-01-01', NULL FROM program_categories;
DROP TABLE program_categories;
ALTER TABLE program_limits RENAME TO program_categories;
