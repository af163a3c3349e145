-- 主动公开: information items, the disclosure catalogue, topical columns.

-- Per-agency disclosure policy and the guide's own texts (the contact part of
-- the guide comes from the agency settings).
CREATE TABLE disclosure_settings (
    agency_id             INTEGER PRIMARY KEY REFERENCES agencies(id),
    index_pattern         TEXT NOT NULL DEFAULT '{prefix}/{year}-{seq:05}',
    require_approval      BOOLEAN NOT NULL DEFAULT FALSE,
    sensitive_words       TEXT NOT NULL DEFAULT '',
    guide_classification  TEXT NOT NULL DEFAULT '',
    guide_arrangement     TEXT NOT NULL DEFAULT '',
    guide_access          TEXT NOT NULL DEFAULT '',
    guide_other           TEXT NOT NULL DEFAULT '',
    updated_at            TIMESTAMP NOT NULL
);

-- 主题分类: an agency-editable taxonomy.
CREATE TABLE topics (
    id          INTEGER PRIMARY KEY,
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    name        TEXT NOT NULL,
    sort_order  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (agency_id, name)
);

-- 公开目录 columns (a tree) and 专题专栏 (kind 'topical').
CREATE TABLE catalogue_columns (
    id              INTEGER PRIMARY KEY,
    agency_id       INTEGER NOT NULL REFERENCES agencies(id),
    parent_id       INTEGER REFERENCES catalogue_columns(id),
    slug            TEXT NOT NULL,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    statutory_item  TEXT NOT NULL DEFAULT '',
    intro           TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL DEFAULT 'open',
    hidden          BOOLEAN NOT NULL DEFAULT FALSE,
    sort_order      INTEGER NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (agency_id, slug)
);
CREATE INDEX catalogue_columns_parent ON catalogue_columns(agency_id, parent_id);

-- Index numbers are never reused: the next sequence per agency and year.
CREATE TABLE index_counters (
    agency_id  INTEGER NOT NULL REFERENCES agencies(id),
    year       INTEGER NOT NULL,
    next_seq   INTEGER NOT NULL,
    PRIMARY KEY (agency_id, year)
);

CREATE TABLE items (
    id                INTEGER PRIMARY KEY,
    agency_id         INTEGER NOT NULL REFERENCES agencies(id),
    index_number      TEXT NOT NULL DEFAULT '',
    title             TEXT NOT NULL,
    publisher         TEXT NOT NULL DEFAULT '',
    doc_number        TEXT NOT NULL DEFAULT '',
    signed_on         TEXT,
    published_on      TEXT,
    formed_on         TEXT,
    due_on            TEXT,
    topic_id          INTEGER REFERENCES topics(id),
    genre             TEXT NOT NULL DEFAULT '',
    five_publics      TEXT NOT NULL DEFAULT '',
    statutory_item    TEXT NOT NULL DEFAULT '',
    method            TEXT NOT NULL DEFAULT '主动公开',
    validity          TEXT NOT NULL DEFAULT '',
    keywords          TEXT NOT NULL DEFAULT '',
    summary           TEXT NOT NULL DEFAULT '',
    body              TEXT NOT NULL DEFAULT '',
    source_type       TEXT NOT NULL DEFAULT 'self',
    status            TEXT NOT NULL,
    scheduled_at      TIMESTAMP,
    published_at      TIMESTAMP,
    late              BOOLEAN NOT NULL DEFAULT FALSE,
    version           INTEGER NOT NULL DEFAULT 0,
    withdrawn_reason  TEXT NOT NULL DEFAULT '',
    superseded_by     INTEGER REFERENCES items(id),
    review_override   TEXT NOT NULL DEFAULT '',
    created_by        INTEGER REFERENCES staff_users(id),
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX items_index_number ON items(index_number) WHERE index_number <> '';
CREATE INDEX items_agency_status ON items(agency_id, status, published_on);
CREATE INDEX items_due ON items(status, due_on);
CREATE INDEX items_agency_updated ON items(agency_id, updated_at);
-- Public lists, newest first, and the sitemap. Queries spell the predicate
-- out as status IN ('published', 'superseded') so that the planners use
-- these partial indexes.
CREATE INDEX items_listed ON items(agency_id, published_at, id) WHERE status IN ('published', 'superseded');
CREATE INDEX items_listed_all ON items(published_at, id) WHERE status IN ('published', 'superseded');
CREATE INDEX items_sitemap ON items(id, agency_id, published_on) WHERE status IN ('published', 'superseded');

CREATE TABLE item_columns (
    item_id    INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    column_id  INTEGER NOT NULL REFERENCES catalogue_columns(id),
    pinned     BOOLEAN NOT NULL DEFAULT FALSE,
    -- listed_at is the item's published_at while it is public, else NULL:
    -- a column's list is an index range, newest first, however large.
    listed_at  TIMESTAMP,
    PRIMARY KEY (item_id, column_id)
);
CREATE INDEX item_columns_column ON item_columns(column_id, item_id);
CREATE INDEX item_columns_listed ON item_columns(column_id, listed_at, item_id) WHERE listed_at IS NOT NULL;

CREATE TABLE item_relations (
    item_id     INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    related_id  INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    PRIMARY KEY (item_id, related_id)
);

CREATE TABLE item_attachments (
    item_id        INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    attachment_id  INTEGER NOT NULL REFERENCES attachments(id),
    sort_order     INTEGER NOT NULL DEFAULT 0,
    text           TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (item_id, attachment_id)
);

-- Every submitted version, for the reviewers' diff and the history.
CREATE TABLE item_versions (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    snapshot    TEXT NOT NULL,
    created_by  INTEGER,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (item_id, version)
);

-- The item's history as the console shows it (the audit log has it too).
CREATE TABLE item_events (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    at           TIMESTAMP NOT NULL,
    actor_id     INTEGER,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    from_status  TEXT NOT NULL DEFAULT '',
    to_status    TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX item_events_item ON item_events(item_id, id);

-- The rolling stream of a topical column (专题专栏).
CREATE TABLE topical_updates (
    id            INTEGER PRIMARY KEY,
    column_id     INTEGER NOT NULL REFERENCES catalogue_columns(id),
    agency_id     INTEGER NOT NULL REFERENCES agencies(id),
    text          TEXT NOT NULL,
    item_id       INTEGER REFERENCES items(id),
    pinned        BOOLEAN NOT NULL DEFAULT FALSE,
    published_at  TIMESTAMP NOT NULL,
    created_by    INTEGER
);
CREATE INDEX topical_updates_column ON topical_updates(column_id, published_at);
