-- The summary message whose Confirm made the report (the reporter's chat, Telegram's message
-- id): a Confirm pressed on that summary again (a double tap, a press replayed after a crash)
-- is told this report's reference; one pressed on a summary never sent (cancelled, or cleared
-- when it expired) is told it was not sent. NULL for reports made before it was kept.
ALTER TABLE reports ADD COLUMN summary_message_id INTEGER;
