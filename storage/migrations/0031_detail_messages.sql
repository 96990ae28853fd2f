-- Messages the bot sent someone that carry a case's or a referral's contact details (the
-- phone, the exact address, who reported): kept so that they can be edited down to one line
-- once the case or referral is no longer that person's (taken off duty, handed to another
-- worker). A row goes once its message is withdrawn. No foreign key: a report purged for
-- retention leaves its details in a chat all the same.
CREATE TABLE detail_messages (
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    subject     TEXT    NOT NULL,        -- report, referral
    subject_id  INTEGER NOT NULL,
    sent_at     TEXT    NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX detail_messages_subject ON detail_messages (chat_id, subject, subject_id);

-- A referral notice is a Take card of one referral, or a summary of a long list (one row per
-- referral it names): a summary is withdrawn at off duty as a card is, but is never edited to
-- say who took one of them.
ALTER TABLE referral_notices ADD COLUMN kind TEXT NOT NULL DEFAULT 'card';  -- card, summary
