-- Group activities (集体活动): one event with many households. A kind that counts as a
-- contact (a holiday visit in the home) writes one contact per household, marked with the
-- activity, so cadence, /due and the digest see it without a second path.

CREATE TABLE activities (
    id              INTEGER PRIMARY KEY,
    title           TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('holiday_visit', 'policy_check', 'campaign',
                                                     'group_session', 'micro_project')),
    day             TEXT    NOT NULL,  -- local date, YYYY-MM-DD
    people_reached  INTEGER NOT NULL CHECK (people_reached >= 1),
    created_by      INTEGER NOT NULL REFERENCES people (telegram_id),
    created_at      TEXT    NOT NULL
);
CREATE INDEX activities_day ON activities (day);

CREATE TABLE activity_areas (
    activity_id  INTEGER NOT NULL REFERENCES activities (id),
    area_id      INTEGER NOT NULL REFERENCES areas (id),
    PRIMARY KEY (activity_id, area_id)
) WITHOUT ROWID;

CREATE TABLE activity_households (
    activity_id   INTEGER NOT NULL REFERENCES activities (id),
    household_id  INTEGER NOT NULL REFERENCES households (id),
    PRIMARY KEY (activity_id, household_id)
) WITHOUT ROWID;
CREATE INDEX activity_households_household ON activity_households (household_id);

-- The activity a contact came from (NULL for contacts logged one by one).
ALTER TABLE contacts ADD COLUMN activity_id INTEGER REFERENCES activities (id);
