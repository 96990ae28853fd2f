-- Micro-projects (民生微实事) that coordinators keep with /projects, and what a group activity
-- gave: its services, and the project it belongs to.

CREATE TABLE projects (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    budget_fen  INTEGER NOT NULL CHECK (budget_fen > 0),  -- exact: integer fen, never floats
    starts_on   TEXT    NOT NULL,  -- local date, YYYY-MM-DD
    ends_on     TEXT    NOT NULL CHECK (ends_on >= starts_on),
    retired     INTEGER NOT NULL DEFAULT 0,  -- no longer offered for new activities
    created_by  INTEGER NOT NULL REFERENCES people (telegram_id),
    created_at  TEXT    NOT NULL
);
CREATE UNIQUE INDEX projects_name ON projects (name);

CREATE TABLE project_areas (
    project_id  INTEGER NOT NULL REFERENCES projects (id),
    area_id     INTEGER NOT NULL REFERENCES areas (id),
    PRIMARY KEY (project_id, area_id)
) WITHOUT ROWID;

ALTER TABLE activities ADD COLUMN services TEXT NOT NULL DEFAULT '[]';  -- JSON service codes
ALTER TABLE activities ADD COLUMN project_id INTEGER REFERENCES projects (id);
CREATE INDEX activities_project ON activities (project_id);
