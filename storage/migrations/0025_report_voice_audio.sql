-- What is wrong may come as an audio file (a recording from the phone's recorder app) rather
-- than a voice note: Telegram sends a file back only as the kind it is (sendAudio for an
-- audio file, sendVoice for a voice note; "type of file mismatch" otherwise), so the report
-- keeps which it was. Reports before this were all voice notes.
ALTER TABLE reports ADD COLUMN voice_audio INTEGER NOT NULL DEFAULT 0 CHECK (voice_audio IN (0, 1));
