-- A programme limited to household categories (e.g. the one-to-one promise for orphans and
-- de facto unsupported children only): a pairing under it owes something only while the
-- household carries one of them. No row: the programme holds every household.
CREATE TABLE program_categories (
    program_id  INTEGER NOT NULL REFERENCES programs (id),
    category    TEXT    NOT NULL,
    PRIMARY KEY (program_id, category)
) WITHOUT ROWID;
