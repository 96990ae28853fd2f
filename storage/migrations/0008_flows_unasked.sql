-- A flow whose current question could not be delivered (Telegram failed after retries, or
-- the handler failed): the person's next message or press shows the question again instead
-- of being taken as its answer.
ALTER TABLE flows ADD COLUMN unasked INTEGER NOT NULL DEFAULT 0;
