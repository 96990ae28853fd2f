-- A household's community is dated, as its categories are (0024): a household is in a
-- community from `since` (a local date) until `until` (exclusive; NULL while it still is).
-- households.area_id stays the community it is in now (everything operational reads it);
-- every change of it (a service-file edit, an imported roster, a retired community's move)
-- ends the open row and begins a new one on the local day of the change, in the same
-- transaction, so the figures of a finished period count each household under the community
-- it was in then (storage/household_areas.py). A household's community before this was its
-- community "always": `since` is a day far in the past, so nothing already reported moves.
-- area_id may be NULL: a household in no community is counted under "no community".
CREATE TABLE household_areas (
    household_id  INTEGER NOT NULL REFERENCES households (id),
    area_id       INTEGER REFERENCES areas (id),
    since         TEXT    NOT NULL DEFAULT '0001-01-01',
    until         TEXT,
    PRIMARY KEY (household_id, since)
) WITHOUT ROWID;
INSERT INTO household_areas (household_id, area_id, since, until)
    SELECT id, area_id, '0001-01-01', NULL FROM households;
