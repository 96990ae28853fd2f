-- Which process claimed a reminder or a digest being sent (host, pid and the process's start
-- time), as the outbox does: a bot restarted after kill -9 sends at once what its dead
-- predecessor had claimed, instead of after the ten-minute lease; a claim by a live
-- `zhongfu tick` beside it is left alone.
ALTER TABLE reminders ADD COLUMN claimed_by TEXT;
ALTER TABLE digests ADD COLUMN claimed_by TEXT;
