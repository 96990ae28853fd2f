-- The audit trail: who looked at or changed what, and when. Append-only: rows are never
-- updated or deleted (triggers refuse it), and they hold ids, never contact details.

CREATE TABLE audit (
    id           INTEGER PRIMARY KEY,
    at           TEXT    NOT NULL,
    actor_id     INTEGER,               -- NULL for the system or the command line
    action       TEXT    NOT NULL,      -- view.household, household.edit, export, …
    object_type  TEXT    NOT NULL DEFAULT '',   -- household, report, person, pairing, …
    object_id    TEXT    NOT NULL DEFAULT '',
    detail       TEXT    NOT NULL DEFAULT '{}'  -- JSON: old values, period, options
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_actor ON audit (actor_id, at);
CREATE INDEX audit_object ON audit (object_type, object_id, at);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
