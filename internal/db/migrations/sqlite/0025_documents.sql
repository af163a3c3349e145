-- 公文备案 (公开属性源头认定): every official document is registered at
-- drafting with its disclosure attribute (主动公开 / 依申请公开 / 不予公开),
-- the Art. 14/15/16 ground and reason when it is not proactive, and its
-- approval. A proactive document, once signed and approved, gets a draft
-- information item (item_id) and a publication deadline (due_on, 20 working
-- days from due_from, tracked in calendar_deadlines); a non-disclosed one
-- is re-reviewed periodically (Art. 18) from review_base.
CREATE TABLE official_documents (
    id                INTEGER PRIMARY KEY,
    agency_id         INTEGER NOT NULL REFERENCES agencies(id),
    doc_number        TEXT NOT NULL,
    title             TEXT NOT NULL,
    issuer            TEXT NOT NULL,
    division_id       INTEGER REFERENCES divisions(id) ON DELETE SET NULL,
    drafted_on        DATE NOT NULL,
    signed_on         DATE,
    attribute         TEXT NOT NULL,
    ground            TEXT NOT NULL DEFAULT '',
    reason            TEXT NOT NULL DEFAULT '',
    state             TEXT NOT NULL,
    approval_note     TEXT NOT NULL DEFAULT '',
    approved_by       TEXT NOT NULL DEFAULT '',
    approved_at       TIMESTAMP,
    item_id           INTEGER REFERENCES items(id),
    draft_claimed_at  TIMESTAMP,
    due_from          DATE,
    due_on            DATE,
    review_base       DATE,
    import_hash       TEXT NOT NULL DEFAULT '',
    created_by        INTEGER REFERENCES staff_users(id) ON DELETE SET NULL,
    created_by_name   TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX official_documents_number ON official_documents(agency_id, doc_number);
CREATE INDEX official_documents_agency ON official_documents(agency_id, drafted_on);
CREATE INDEX official_documents_division ON official_documents(division_id);
CREATE INDEX official_documents_item ON official_documents(item_id);

-- The history of a document: registration, edits, approval or return,
-- signing, draft item, re-reviews.
CREATE TABLE official_document_events (
    id           INTEGER PRIMARY KEY,
    document_id  INTEGER NOT NULL REFERENCES official_documents(id),
    action       TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    actor        TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX official_document_events_doc ON official_document_events(document_id, id);

-- Art. 18 re-reviews of non-disclosed documents: kept, or changed to
-- another attribute, with the reviewer's note.
CREATE TABLE official_document_reviews (
    id              INTEGER PRIMARY KEY,
    document_id     INTEGER NOT NULL REFERENCES official_documents(id),
    reviewed_on     DATE NOT NULL,
    outcome         TEXT NOT NULL,
    from_attribute  TEXT NOT NULL,
    to_attribute    TEXT NOT NULL,
    note            TEXT NOT NULL,
    reviewer        TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX official_document_reviews_doc ON official_document_reviews(document_id, id);

-- Per agency: the Art. 18 re-review interval in months (domain reference
-- [U]: 12 months by default).
CREATE TABLE docregistry_settings (
    agency_id      INTEGER PRIMARY KEY REFERENCES agencies(id),
    review_months  INTEGER NOT NULL DEFAULT 12,
    updated_at     TIMESTAMP NOT NULL
);
