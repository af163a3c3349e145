-- 热点发现: clusters of messages about one concern, found across every
-- channel (and the disclosure applications), the terms on the rise, and
-- the public response article that answers a cluster.

-- The writer asked to be told by e-mail when the agency publishes a
-- response to letters like theirs; the response they were linked to.
ALTER TABLE concerns ADD COLUMN notify_response BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE concerns ADD COLUMN response_item_id INTEGER REFERENCES items(id);
-- The agency's own words for the segmenter (one per line).
ALTER TABLE concern_settings ADD COLUMN domain_terms TEXT NOT NULL DEFAULT '';

CREATE TABLE topic_clusters (
    id                INTEGER PRIMARY KEY,
    agency_id         INTEGER NOT NULL REFERENCES agencies(id),
    label             TEXT NOT NULL,
    terms             TEXT NOT NULL DEFAULT '',
    size              INTEGER NOT NULL,
    recent            INTEGER NOT NULL DEFAULT 0,
    first_on          DATE NOT NULL,
    last_on           DATE NOT NULL,
    -- FALSE once a computation no longer finds the cluster (kept while it
    -- was handled or answered, for the record).
    active            BOOLEAN NOT NULL DEFAULT TRUE,
    handled_at        TIMESTAMP,
    handled_by        INTEGER REFERENCES staff_users(id),
    handled_note      TEXT NOT NULL DEFAULT '',
    response_item_id  INTEGER REFERENCES items(id),
    computed_at       TIMESTAMP NOT NULL,
    created_at        TIMESTAMP NOT NULL
);
CREATE INDEX topic_clusters_agency ON topic_clusters(agency_id, active, size);

-- A message is in at most one cluster: source is 'concern' or
-- 'application', source_id the row in concerns or applications.
CREATE TABLE topic_members (
    source      TEXT NOT NULL,
    source_id   INTEGER NOT NULL,
    cluster_id  INTEGER NOT NULL REFERENCES topic_clusters(id) ON DELETE CASCADE,
    similarity  REAL NOT NULL,
    on_date     DATE NOT NULL,
    PRIMARY KEY (source, source_id)
);
CREATE INDEX topic_members_cluster ON topic_members(cluster_id);

-- The terms rising most in the last day and the last week.
CREATE TABLE topic_trends (
    agency_id  INTEGER NOT NULL REFERENCES agencies(id),
    period     TEXT NOT NULL,
    rank       INTEGER NOT NULL,
    term       TEXT NOT NULL,
    count      INTEGER NOT NULL,
    baseline   REAL NOT NULL,
    score      REAL NOT NULL,
    PRIMARY KEY (agency_id, period, rank)
);

-- The last computation per agency.
CREATE TABLE topic_runs (
    agency_id    INTEGER PRIMARY KEY REFERENCES agencies(id),
    computed_at  TIMESTAMP NOT NULL,
    messages     INTEGER NOT NULL,
    applications INTEGER NOT NULL,
    clusters     INTEGER NOT NULL,
    duration_ms  INTEGER NOT NULL
);
