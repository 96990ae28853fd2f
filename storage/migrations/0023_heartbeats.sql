-- When the running bot last had an answer to getUpdates ('poll') and last ran its scheduler
-- tick inside ('tick'): `zhongfu doctor` (and its --quick, the Docker health check) says ✗
-- when polling has stopped. Written at most once a minute.
CREATE TABLE heartbeats (
    what  TEXT PRIMARY KEY CHECK (what IN ('poll', 'tick')),
    at    TEXT NOT NULL
);
