-- After the reply: administrative reconsideration and litigation about an
-- application (annual-report table four), and the date the applicant's
-- personal data was removed at the end of the retention period.

CREATE TABLE application_remedies (
    id              INTEGER PRIMARY KEY,
    application_id  INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    filed_on        DATE NOT NULL,
    body            TEXT NOT NULL DEFAULT '',
    case_number     TEXT NOT NULL DEFAULT '',
    result          TEXT NOT NULL DEFAULT 'pending',
    decided_on      DATE,
    note            TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX application_remedies_app ON application_remedies(application_id);

ALTER TABLE applications ADD COLUMN purged_on DATE;
