-- 依申请公开: applications, their history, files, consultations and the
-- per-agency settings of the workflow.

-- Application numbers never repeat: the next sequence per year, platform-wide
-- (the applicant quotes the number without naming the agency).
CREATE TABLE application_counters (
    year      INTEGER PRIMARY KEY,
    next_seq  INTEGER NOT NULL
);

-- Per-agency rules that the 条例 leaves open ([U] in the domain reference).
CREATE TABLE application_settings (
    agency_id           INTEGER PRIMARY KEY REFERENCES agencies(id),
    correction_days     INTEGER NOT NULL DEFAULT 15,
    fee_pauses_clock    BOOLEAN NOT NULL DEFAULT TRUE,
    retention_years     INTEGER NOT NULL DEFAULT 10,
    letter_templates    TEXT NOT NULL DEFAULT '{}',
    seal_attachment_id  INTEGER REFERENCES attachments(id),
    updated_at          TIMESTAMP NOT NULL
);

CREATE TABLE applications (
    id                INTEGER PRIMARY KEY,
    agency_id         INTEGER NOT NULL REFERENCES agencies(id),
    number            TEXT NOT NULL UNIQUE,
    code_hash         TEXT NOT NULL,
    channel           TEXT NOT NULL,
    state             TEXT NOT NULL,
    outcome           TEXT NOT NULL DEFAULT '',
    applicant_type    TEXT NOT NULL,
    applicant_name    TEXT NOT NULL,
    id_type           TEXT NOT NULL,
    id_number         TEXT NOT NULL,
    contact           TEXT NOT NULL DEFAULT '',
    phone             TEXT NOT NULL DEFAULT '',
    email             TEXT NOT NULL DEFAULT '',
    address           TEXT NOT NULL DEFAULT '',
    postcode          TEXT NOT NULL DEFAULT '',
    title             TEXT NOT NULL DEFAULT '',
    doc_number        TEXT NOT NULL DEFAULT '',
    description       TEXT NOT NULL DEFAULT '',
    purpose           TEXT NOT NULL DEFAULT '',
    form              TEXT NOT NULL,
    delivery          TEXT NOT NULL,
    received_at       TIMESTAMP NOT NULL,
    received_on       DATE NOT NULL,
    receipt_date      DATE,
    clock_start       DATE,
    due_on            DATE,
    extension_days    INTEGER NOT NULL DEFAULT 0,
    delay_days        INTEGER NOT NULL DEFAULT 0,
    pauses            TEXT NOT NULL DEFAULT '[]',
    correction_sent_on DATE,
    correction_due    DATE,
    division_id       INTEGER REFERENCES divisions(id),
    handler_id        INTEGER REFERENCES staff_users(id),
    fee_method        TEXT NOT NULL DEFAULT '',
    fee_quantity      INTEGER NOT NULL DEFAULT 0,
    fee_amount        INTEGER NOT NULL DEFAULT 0,
    fee_notice_on     DATE,
    fee_due           DATE,
    fee_paid_on       DATE,
    replied_on        DATE,
    reply_text        TEXT NOT NULL DEFAULT '',
    reply_withheld    TEXT NOT NULL DEFAULT '',
    reply_organ       TEXT NOT NULL DEFAULT '',
    delivered_on      DATE,
    delivery_record   TEXT NOT NULL DEFAULT '',
    closed_on         DATE,
    created_by        INTEGER REFERENCES staff_users(id),
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX applications_agency_state ON applications(agency_id, state, due_on);
CREATE INDEX applications_identity ON applications(id_number);
CREATE INDEX applications_receipt ON applications(agency_id, receipt_date);

-- The history: every step with its legal date; public rows are the notices
-- the applicant sees on the status page.
CREATE TABLE application_events (
    id              INTEGER PRIMARY KEY,
    application_id  INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    at              TIMESTAMP NOT NULL,
    on_date         DATE NOT NULL,
    actor_id        INTEGER,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    from_state      TEXT NOT NULL DEFAULT '',
    to_state        TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    public          BOOLEAN NOT NULL DEFAULT FALSE,
    notice_title    TEXT NOT NULL DEFAULT '',
    notice_body     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX application_events_app ON application_events(application_id, id);

-- Files: the identity proof, correction material, consultation letters,
-- the reply's enclosures, delivery proofs.
CREATE TABLE application_files (
    id              INTEGER PRIMARY KEY,
    application_id  INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    attachment_id   INTEGER NOT NULL REFERENCES attachments(id),
    kind            TEXT NOT NULL,
    from_applicant  BOOLEAN NOT NULL DEFAULT FALSE,
    public          BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX application_files_app ON application_files(application_id);

-- Consultations of third parties (Art. 32) and other organs (Art. 34).
CREATE TABLE application_consultations (
    id              INTEGER PRIMARY KEY,
    application_id  INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    party           TEXT NOT NULL,
    sent_on         DATE NOT NULL,
    due_on          DATE NOT NULL,
    answered_on     DATE,
    result          TEXT NOT NULL DEFAULT '',
    opinion         TEXT NOT NULL DEFAULT '',
    decision        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX application_consultations_app ON application_consultations(application_id);
