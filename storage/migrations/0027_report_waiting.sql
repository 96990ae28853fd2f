-- A case can go back to waiting for a worker: given back (退回), its worker taken off duty,
-- or reopened by its reporter when its worker is no longer on duty. It is then escalated as
-- a new report is, counted from that moment: `waiting_since` (NULL: since it was created) and
-- a new escalation round, in which both levels may go out again.
ALTER TABLE reports ADD COLUMN waiting_since TEXT;
ALTER TABLE reports ADD COLUMN escalation_round INTEGER NOT NULL DEFAULT 0;
