-- 向社会公开征求意见: drafts put to the public, their clauses, the
-- comments on them, and how each comment was used (采纳情况).

CREATE TABLE consultations (
    id                     INTEGER PRIMARY KEY,
    agency_id              INTEGER NOT NULL REFERENCES agencies(id),
    decision_id            INTEGER REFERENCES decisions(id),
    title                  TEXT NOT NULL,
    summary                TEXT NOT NULL DEFAULT '',
    draft                  TEXT NOT NULL DEFAULT '',
    explanation            TEXT NOT NULL DEFAULT '',
    opens_on               DATE,
    closes_on              DATE,
    short_reason           TEXT NOT NULL DEFAULT '',
    state                  TEXT NOT NULL,
    published_at           TIMESTAMP,
    closed_at              TIMESTAMP,
    feedback_intro         TEXT NOT NULL DEFAULT '',
    feedback_published_at  TIMESTAMP,
    created_by             INTEGER REFERENCES staff_users(id),
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL,
    version                INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX consultations_agency ON consultations(agency_id, state, closes_on);
CREATE INDEX consultations_decision ON consultations(decision_id) WHERE decision_id IS NOT NULL;

-- The draft split into numbered clauses (articles or paragraphs).
CREATE TABLE consultation_clauses (
    id               INTEGER PRIMARY KEY,
    consultation_id  INTEGER NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    label            TEXT NOT NULL,
    body             TEXT NOT NULL,
    UNIQUE (consultation_id, seq)
);

-- The drafting explanation and the basis documents as files.
CREATE TABLE consultation_files (
    id               INTEGER PRIMARY KEY,
    consultation_id  INTEGER NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
    attachment_id    INTEGER NOT NULL REFERENCES attachments(id),
    title            TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX consultation_files_c ON consultation_files(consultation_id);

-- Similar comments answered together.
CREATE TABLE comment_groups (
    id               INTEGER PRIMARY KEY,
    consultation_id  INTEGER NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
    label            TEXT NOT NULL,
    answer           TEXT NOT NULL DEFAULT '',
    reply            TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX comment_groups_c ON comment_groups(consultation_id);

CREATE TABLE comments (
    id               INTEGER PRIMARY KEY,
    consultation_id  INTEGER NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
    clause_id        INTEGER REFERENCES consultation_clauses(id),
    body             TEXT NOT NULL,
    name             TEXT NOT NULL DEFAULT '',
    phone            TEXT NOT NULL DEFAULT '',
    email            TEXT NOT NULL DEFAULT '',
    consent_publish  BOOLEAN NOT NULL DEFAULT FALSE,
    attachment_id    INTEGER REFERENCES attachments(id),
    moderation       TEXT NOT NULL,
    mod_reason       TEXT NOT NULL DEFAULT '',
    fingerprint      TEXT NOT NULL,
    duplicate_of     INTEGER REFERENCES comments(id),
    campaign         INTEGER,
    group_id         INTEGER REFERENCES comment_groups(id) ON DELETE SET NULL,
    answer           TEXT NOT NULL DEFAULT '',
    reply            TEXT NOT NULL DEFAULT '',
    answered_by      INTEGER REFERENCES staff_users(id),
    answered_at      TIMESTAMP,
    notified_at      TIMESTAMP,
    ip               TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX comments_c ON comments(consultation_id, id);
CREATE INDEX comments_fp ON comments(consultation_id, fingerprint);
CREATE INDEX comments_group ON comments(group_id) WHERE group_id IS NOT NULL;

-- Reasons staff use again and again (答复模板), per agency.
CREATE TABLE answer_templates (
    id          INTEGER PRIMARY KEY,
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    answer      TEXT NOT NULL,
    text        TEXT NOT NULL,
    sort_order  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX answer_templates_agency ON answer_templates(agency_id, sort_order);
