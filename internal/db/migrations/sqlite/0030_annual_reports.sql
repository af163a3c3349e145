-- Annual reports on government information disclosure (条例 Art. 49–50),
-- one row per agency, year and version: a published version is locked; a
-- correction is a new version (with its note) that supersedes it when
-- published. cells holds every number by code (JSON: counts, amounts in
-- 元), computed the platform's own figures at the last refresh, overrides
-- the staff's changes of computed cells with their reasons, sources the
-- source notes of manual cells.
CREATE TABLE annual_reports (
    id               INTEGER PRIMARY KEY,
    agency_id        INTEGER NOT NULL REFERENCES agencies(id),
    year             INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    format           TEXT NOT NULL,
    state            TEXT NOT NULL,
    overview         TEXT NOT NULL DEFAULT '',
    problems         TEXT NOT NULL DEFAULT '',
    other            TEXT NOT NULL DEFAULT '',
    cells            TEXT NOT NULL DEFAULT '{}',
    computed         TEXT NOT NULL DEFAULT '{}',
    overrides        TEXT NOT NULL DEFAULT '{}',
    sources          TEXT NOT NULL DEFAULT '{}',
    processing_fee   INTEGER NOT NULL DEFAULT 0,
    correction_note  TEXT NOT NULL DEFAULT '',
    imported         BOOLEAN NOT NULL DEFAULT FALSE,
    created_by       INTEGER,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    refreshed_at     TIMESTAMP,
    published_at     TIMESTAMP,
    published_by     INTEGER,
    row_version      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (agency_id, year, version)
);
CREATE INDEX annual_reports_state ON annual_reports(year, state);
