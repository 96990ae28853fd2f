-- Which process claimed a row being sent (host, pid and the process's start time): a bot
-- restarted after kill -9 takes back at once what its dead predecessor had claimed, instead
-- of waiting out the lease; a claim by a live `zhongfu tick` beside it is left alone.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
