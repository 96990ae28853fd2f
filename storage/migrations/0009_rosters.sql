-- Rosters as districts keep them: a household carries any set of categories, and communities
-- belong to streets (街道).

CREATE TABLE household_categories (
    household_id  INTEGER NOT NULL REFERENCES households (id),
    category      TEXT    NOT NULL,
    PRIMARY KEY (household_id, category)
) WITHOUT ROWID;
-- Figures by category count households per category.
CREATE INDEX household_categories_category ON household_categories (category, household_id);
-- households.category stays the primary (first) category, so older readers keep working.
INSERT INTO household_categories (household_id, category) SELECT id, category FROM households;

CREATE TABLE streets (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE UNIQUE INDEX streets_name ON streets (name);

-- NULL while a community's street is not known.
ALTER TABLE areas ADD COLUMN street_id INTEGER REFERENCES streets (id);
