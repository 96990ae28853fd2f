-- The Telegram update an audited change was pressed in (a confirmed delete of one's own
-- contact or aid entry, a community retired): the same update handled again after a crash
-- (kill -9 after the change committed, before its answer went out) finds its entry and is
-- answered as the first handling was ("deleted", where things went), not as a stale press.
-- NULL for entries made otherwise.
ALTER TABLE audit ADD COLUMN update_id INTEGER;
CREATE INDEX audit_update ON audit (actor_id, update_id) WHERE update_id IS NOT NULL;
