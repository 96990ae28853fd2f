-- Triage: worker invites, routing notifications, escalations and relayed messages.

CREATE TABLE invites (
    code        TEXT    PRIMARY KEY,
    created_by  INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    used_by     INTEGER,
    used_at     TEXT
);

-- A report is committed before it is routed; routed_at stays NULL until every notification
-- has been attempted, so the scheduler can finish the routing of a report after a crash.
ALTER TABLE reports ADD COLUMN routed_at TEXT;
CREATE INDEX reports_unrouted ON reports (routed_at, status);

-- Every message sent about a report with a button on it (routing and escalation), so the
-- others can be edited to "taken by …" once someone has the case.
CREATE TABLE report_notices (
    id          INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    kind        TEXT    NOT NULL,        -- route, escalation
    sent_at     TEXT    NOT NULL,
    settled     INTEGER NOT NULL DEFAULT 0  -- 1 once edited to show who took it
);
CREATE INDEX report_notices_report ON report_notices (report_id);

-- Each escalation level of a report is sent once (and again only after a reopen). The row
-- is claimed before sending and marked done after; a claim left undone by a crash is sent
-- again by a later tick, so an alert is never lost.
CREATE TABLE report_escalations (
    report_id   INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    level       INTEGER NOT NULL,
    round       INTEGER NOT NULL DEFAULT 0,
    sent_at     TEXT    NOT NULL,
    done        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (report_id, level, round)
);
