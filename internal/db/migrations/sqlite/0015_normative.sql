-- 行政规范性文件: information items registered as normative documents, with
-- their 文号, issuing organs, dates, validity period and status history;
-- filings (备案), evaluation reminders before expiry, and cleanup campaigns
-- (清理).

-- Validity periods per agency (years) and the evaluation lead time (months).
CREATE TABLE normative_settings (
    agency_id      INTEGER PRIMARY KEY REFERENCES agencies(id),
    years_default  INTEGER NOT NULL DEFAULT 5,
    years_interim  INTEGER NOT NULL DEFAULT 2,
    years_notice   INTEGER NOT NULL DEFAULT 1,
    remind_months  INTEGER NOT NULL DEFAULT 6,
    updated_at     TIMESTAMP NOT NULL
);

-- A normative document is an item (side table keyed by the item).
CREATE TABLE normative_documents (
    item_id        INTEGER PRIMARY KEY REFERENCES items(id),
    agency_id      INTEGER NOT NULL REFERENCES agencies(id),
    doc_number     TEXT NOT NULL,
    issuers        TEXT NOT NULL,
    kind           TEXT NOT NULL,
    interim        BOOLEAN NOT NULL DEFAULT FALSE,
    signed_on      DATE NOT NULL,
    published_on   DATE NOT NULL,
    effective_on   DATE NOT NULL,
    expires_on     DATE NOT NULL,
    period_reason  TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    division_id    INTEGER REFERENCES divisions(id),
    created_by     INTEGER REFERENCES staff_users(id),
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX normative_documents_number ON normative_documents(agency_id, doc_number);
CREATE INDEX normative_documents_status ON normative_documents(status, expires_on);
CREATE INDEX normative_documents_agency ON normative_documents(agency_id, published_on);

-- 清理: a campaign, the documents it reviews and the decision on each.
CREATE TABLE normative_cleanups (
    id            INTEGER PRIMARY KEY,
    agency_id     INTEGER NOT NULL REFERENCES agencies(id),
    title         TEXT NOT NULL,
    basis         TEXT NOT NULL DEFAULT '',
    published     BOOLEAN NOT NULL DEFAULT FALSE,
    published_on  DATE,
    created_by    INTEGER REFERENCES staff_users(id),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX normative_cleanups_agency ON normative_cleanups(agency_id, created_at);

-- The status history: every change with its date, who, why and the
-- amending or repealing document (an item) or cleanup.
CREATE TABLE normative_events (
    id               INTEGER PRIMARY KEY,
    item_id          INTEGER NOT NULL REFERENCES normative_documents(item_id),
    from_status      TEXT NOT NULL DEFAULT '',
    to_status        TEXT NOT NULL,
    on_date          DATE NOT NULL,
    actor_id         INTEGER REFERENCES staff_users(id),
    actor            TEXT NOT NULL,
    reason           TEXT NOT NULL DEFAULT '',
    related_item_id  INTEGER REFERENCES items(id),
    cleanup_id       INTEGER REFERENCES normative_cleanups(id),
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX normative_events_item ON normative_events(item_id, on_date, id);
CREATE INDEX normative_events_related ON normative_events(related_item_id) WHERE related_item_id IS NOT NULL;
CREATE INDEX normative_events_status ON normative_events(to_status, on_date);

-- 备案: where and when a document was filed.
CREATE TABLE normative_filings (
    id             INTEGER PRIMARY KEY,
    item_id        INTEGER NOT NULL REFERENCES normative_documents(item_id),
    filed_with     TEXT NOT NULL,
    filed_on       DATE NOT NULL,
    filing_number  TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT '',
    created_by     INTEGER REFERENCES staff_users(id),
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX normative_filings_item ON normative_filings(item_id, filed_on);

-- Evaluation before expiry: a to-do of the drafting division.
CREATE TABLE normative_reminders (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL REFERENCES normative_documents(item_id),
    agency_id    INTEGER NOT NULL REFERENCES agencies(id),
    division_id  INTEGER REFERENCES divisions(id),
    expires_on   DATE NOT NULL,
    remind_on    DATE NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    done_at      TIMESTAMP,
    done_by      TEXT NOT NULL DEFAULT '',
    outcome      TEXT NOT NULL DEFAULT '',
    UNIQUE (item_id, expires_on)
);
CREATE INDEX normative_reminders_open ON normative_reminders(agency_id, done_at, expires_on);

CREATE TABLE normative_cleanup_entries (
    cleanup_id  INTEGER NOT NULL REFERENCES normative_cleanups(id),
    item_id     INTEGER NOT NULL REFERENCES normative_documents(item_id),
    decision    TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (cleanup_id, item_id)
);
