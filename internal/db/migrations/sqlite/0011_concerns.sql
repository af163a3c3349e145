-- 回应关切: letters to the leader's mailbox, message-board posts, site-error
-- reports and the other channels as one case system.

CREATE TABLE concern_counters (
    year      INTEGER PRIMARY KEY,
    next_seq  INTEGER NOT NULL
);

-- Per-agency choices: the leaders who receive letters, the reply period of
-- each channel in working days, sensitive words for what is published.
CREATE TABLE concern_settings (
    agency_id        INTEGER PRIMARY KEY REFERENCES agencies(id),
    leaders          TEXT NOT NULL DEFAULT '[]',
    deadlines        TEXT NOT NULL DEFAULT '{}',
    sensitive_words  TEXT NOT NULL DEFAULT '',
    updated_at       TIMESTAMP NOT NULL
);

-- Routing rules: a category or a keyword sends a case to a division.
CREATE TABLE concern_routes (
    id           INTEGER PRIMARY KEY,
    agency_id    INTEGER NOT NULL REFERENCES agencies(id),
    category     TEXT NOT NULL DEFAULT '',
    keyword      TEXT NOT NULL DEFAULT '',
    division_id  INTEGER NOT NULL REFERENCES divisions(id),
    sort_order   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX concern_routes_agency ON concern_routes(agency_id, sort_order);

CREATE TABLE concerns (
    id               INTEGER PRIMARY KEY,
    agency_id        INTEGER NOT NULL REFERENCES agencies(id),
    number           TEXT NOT NULL UNIQUE,
    code_hash        TEXT NOT NULL,
    channel          TEXT NOT NULL,
    state            TEXT NOT NULL,
    category         TEXT NOT NULL DEFAULT '',
    leader           TEXT NOT NULL DEFAULT '',
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    page_url         TEXT NOT NULL DEFAULT '',
    writer_name      TEXT NOT NULL DEFAULT '',
    writer_phone     TEXT NOT NULL DEFAULT '',
    writer_email     TEXT NOT NULL DEFAULT '',
    consent_publish  BOOLEAN NOT NULL DEFAULT FALSE,
    moderation       TEXT NOT NULL DEFAULT '',
    division_id      INTEGER REFERENCES divisions(id),
    handler_id       INTEGER REFERENCES staff_users(id),
    received_at      TIMESTAMP NOT NULL,
    received_on      DATE NOT NULL,
    due_on           DATE,
    reply_draft      TEXT NOT NULL DEFAULT '',
    reply            TEXT NOT NULL DEFAULT '',
    replied_on       DATE,
    published        BOOLEAN NOT NULL DEFAULT FALSE,
    published_at     TIMESTAMP,
    supervised       BOOLEAN NOT NULL DEFAULT FALSE,
    satisfaction     INTEGER NOT NULL DEFAULT 0,
    external_id      TEXT NOT NULL DEFAULT '',
    merged_into      INTEGER REFERENCES concerns(id),
    created_by       INTEGER REFERENCES staff_users(id),
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX concerns_agency_state ON concerns(agency_id, state, due_on);
-- A 12345 work order is imported once per agency (by its order number).
CREATE UNIQUE INDEX concerns_external ON concerns(agency_id, external_id) WHERE external_id <> '';
CREATE INDEX concerns_published ON concerns(agency_id, channel, published_at) WHERE published = TRUE;

CREATE TABLE concern_events (
    id            INTEGER PRIMARY KEY,
    concern_id    INTEGER NOT NULL REFERENCES concerns(id) ON DELETE CASCADE,
    at            TIMESTAMP NOT NULL,
    on_date       DATE NOT NULL,
    actor_id      INTEGER,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    from_state    TEXT NOT NULL DEFAULT '',
    to_state      TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX concern_events_concern ON concern_events(concern_id, id);

-- Pictures or PDFs a writer sent with a letter (never shown publicly).
CREATE TABLE concern_files (
    id             INTEGER PRIMARY KEY,
    concern_id     INTEGER NOT NULL REFERENCES concerns(id) ON DELETE CASCADE,
    attachment_id  INTEGER NOT NULL REFERENCES attachments(id),
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX concern_files_concern ON concern_files(concern_id);
