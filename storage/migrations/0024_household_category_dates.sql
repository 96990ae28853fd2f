-- A household's categories are dated, as programme limits are (0021): a household carries a
-- category from `since` (a local date) until `until` (exclusive; NULL while it still does).
-- An edit ends the categories it takes away and begins the ones it adds on the day it is
-- made, so which programmes held the household on an earlier day, and the figures of a
-- finished period, never move. Categories kept before this were carried "always": their
-- `since` is a day far in the past, so nothing already reported changes. A row written
-- without a day means the same.
CREATE TABLE household_category_spans (
    household_id  INTEGER NOT NULL REFERENCES households (id),
    category      TEXT    NOT NULL,
    since         TEXT    NOT NULL DEFAULT '0001-01-01',
    until         TEXT,
    PRIMARY KEY (household_id, category, since)
) WITHOUT ROWID;
INSERT INTO household_category_spans (household_id, category, since, until)
    SELECT household_id, category, '0001-01-01', NULL FROM household_categories;
DROP TABLE household_categories;
ALTER TABLE household_category_spans RENAME TO household_categories;
-- Figures by category count households per category.
CREATE INDEX household_categories_category ON household_categories (category, household_id);
