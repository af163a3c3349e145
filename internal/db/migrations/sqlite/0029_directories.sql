-- Service directories kept current (work point 五(二)): registered
-- religious activity venues (宗教活动场所), filed clergy (宗教教职人员) and
-- halal food outlets (清真食品 / 清真三食). One table holds the entries of
-- the three kinds: the columns that lists filter and sort on, and every
-- field as a JSON object (data). The number is the registration, sign or
-- certificate number that imports match on, unique within a kind across
-- the platform. A district bureau maintains its own entries (agency_id);
-- its parent bureau sees them all.
CREATE TABLE directory_entries (
    id                   INTEGER PRIMARY KEY,
    agency_id            INTEGER NOT NULL REFERENCES agencies(id),
    kind                 TEXT NOT NULL,
    number               TEXT NOT NULL,
    name                 TEXT NOT NULL,
    district             TEXT NOT NULL DEFAULT '',
    class                TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL,
    search               TEXT NOT NULL DEFAULT '',
    data                 TEXT NOT NULL,
    division_id          INTEGER REFERENCES divisions(id) ON DELETE SET NULL,
    photo_attachment_id  INTEGER REFERENCES attachments(id),
    verified_on          DATE NOT NULL,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1,
    UNIQUE (kind, number)
);
CREATE INDEX directory_entries_list ON directory_entries(kind, agency_id, district, class);
CREATE INDEX directory_entries_verified ON directory_entries(kind, agency_id, verified_on);

-- The full change history of each entry: who changed what (field, old and
-- new value), when and through which channel (form, import, API).
CREATE TABLE directory_changes (
    id          INTEGER PRIMARY KEY,
    entry_id    INTEGER NOT NULL REFERENCES directory_entries(id),
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    kind        TEXT NOT NULL,
    action      TEXT NOT NULL,
    source      TEXT NOT NULL,
    changes     TEXT NOT NULL DEFAULT '[]',
    note        TEXT NOT NULL DEFAULT '',
    actor_id    INTEGER,
    actor_name  TEXT NOT NULL DEFAULT '',
    changed_at  TIMESTAMP NOT NULL
);
CREATE INDEX directory_changes_entry ON directory_changes(entry_id, id);
CREATE INDEX directory_changes_recent ON directory_changes(kind, changed_at);

-- Notices on a venue's page when its opening changes (a temporary closure,
-- changed hours): shown from starts_on to ends_on (open-ended when NULL),
-- taking effect without anyone pressing a button.
CREATE TABLE directory_notices (
    id            INTEGER PRIMARY KEY,
    entry_id      INTEGER NOT NULL REFERENCES directory_entries(id),
    kind          TEXT NOT NULL,
    starts_on     DATE NOT NULL,
    ends_on       DATE,
    text          TEXT NOT NULL,
    created_by    INTEGER,
    created_at    TIMESTAMP NOT NULL,
    withdrawn_at  TIMESTAMP
);
CREATE INDEX directory_notices_entry ON directory_notices(entry_id, starts_on);

-- Per agency and kind: the responsible division (whose to-dos get the
-- staleness alerts) and how many months a verification stays current.
CREATE TABLE directory_settings (
    agency_id     INTEGER NOT NULL REFERENCES agencies(id),
    kind          TEXT NOT NULL,
    division_id   INTEGER REFERENCES divisions(id) ON DELETE SET NULL,
    stale_months  INTEGER NOT NULL,
    PRIMARY KEY (agency_id, kind)
);

-- Every public clergy-verification query: when, from where, what was asked
-- and what was answered (match, no match, refused by the rate limit or the
-- challenge).
CREATE TABLE clergy_queries (
    id          INTEGER PRIMARY KEY,
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    queried_at  TIMESTAMP NOT NULL,
    ip          TEXT NOT NULL,
    name        TEXT NOT NULL,
    number      TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    entry_id    INTEGER
);
CREATE INDEX clergy_queries_agency ON clergy_queries(agency_id, queried_at);
