-- The to-do centre (待办) keeps no copy of the work: every capability lists
-- its own open items when asked. What it keeps is the daily digest it
-- e-mailed each person (one a day at most): the row is written in the
-- transaction that queues the mail, so a rerun of the job sends nothing
-- twice, and it records what the person was told.
CREATE TABLE todo_digests (
    user_id     INTEGER NOT NULL REFERENCES staff_users(id),
    day         DATE NOT NULL,
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    items       INTEGER NOT NULL,
    overdue     INTEGER NOT NULL,
    due_soon    INTEGER NOT NULL,
    outbox_id   INTEGER,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, day)
);
CREATE INDEX todo_digests_agency ON todo_digests(agency_id, day);
