-- The Telegram update a case entry was made from (a note, a message to the reporter, the
-- reporter's reply or thanks): the same update handled again after a crash (kill -9 after
-- the entry was saved, before its flow ended) finds its entry and neither saves nor sends it
-- twice. NULL for entries made otherwise (by the scheduler, a status change).
ALTER TABLE report_events ADD COLUMN update_id INTEGER;
CREATE UNIQUE INDEX report_events_update ON report_events (actor_id, update_id)
    WHERE update_id IS NOT NULL;
