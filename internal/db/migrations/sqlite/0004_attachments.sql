-- Attachments: the bytes live in the blob store (written and synced before
-- this row commits); the row says whose they are and what they are.
CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY,
    agency_id     INTEGER REFERENCES agencies(id),
    blob_key      TEXT NOT NULL UNIQUE,
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    purpose       TEXT NOT NULL DEFAULT '',
    created_by    INTEGER REFERENCES staff_users(id),
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX attachments_agency ON attachments(agency_id);
