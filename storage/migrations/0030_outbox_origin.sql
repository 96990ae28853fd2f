-- The person whose words or data a queued message carries (a reporter's reply relayed to the
-- case's worker; a report's card, details, pin, photos or voice note): erasing that person
-- withdraws every such message still waiting, however it was worded or escaped for its
-- reader (a search of the texts misses a short reply, or one with characters HTML escapes).
-- NULL for rows queued before this, and for messages that carry nobody's words.
ALTER TABLE outbox ADD COLUMN origin INTEGER;
CREATE INDEX outbox_origin ON outbox (origin)
    WHERE origin IS NOT NULL AND state IN ('pending', 'sending', 'failed');
