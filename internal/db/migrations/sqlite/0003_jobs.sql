-- Background jobs: periodic schedules (one row per job name, claimed by
-- compare-and-swap so each period runs once across instances) and a queue of
-- delayed one-off jobs.
CREATE TABLE job_schedules (
    name          TEXT PRIMARY KEY,
    next_run_at   TIMESTAMP NOT NULL,
    last_run_at   TIMESTAMP,
    last_status   TEXT NOT NULL DEFAULT '',
    last_error    TEXT NOT NULL DEFAULT '',
    running_by    TEXT NOT NULL DEFAULT '',
    running_until TIMESTAMP
);

CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL DEFAULT '{}',
    run_at        TIMESTAMP NOT NULL,
    status        TEXT NOT NULL DEFAULT 'queued',
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL DEFAULT 5,
    locked_by     TEXT NOT NULL DEFAULT '',
    locked_until  TIMESTAMP,
    last_error    TEXT NOT NULL DEFAULT '',
    dedupe_key    TEXT UNIQUE,
    created_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP
);
CREATE INDEX jobs_due ON jobs(status, run_at);
