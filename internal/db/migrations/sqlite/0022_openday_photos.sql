-- Photos of a held open day for its public summary (政府开放日活动总结):
-- each image is a blob with the alt text that describes it to those who
-- cannot see it (required) and an optional caption. The bytes are an
-- attachment (so the orphan sweep keeps them).
CREATE TABLE openday_photos (
    id            INTEGER PRIMARY KEY,
    event_id      INTEGER NOT NULL REFERENCES opendays(id),
    attachment_id INTEGER NOT NULL REFERENCES attachments(id),
    seq           INTEGER NOT NULL,
    blob_key      TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    alt           TEXT NOT NULL,
    caption       TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX openday_photos_event ON openday_photos(event_id, seq);
