-- Background jobs (internal/jobs).
--
-- job_schedules: one row per periodic job. An instance claims a period by a
-- compare-and-swap UPDATE on (name, next_run_at) that moves next_run_at on and
-- takes a lease (running_by, running_until), so each period runs once across
-- all instances. running_by names the claim ("instance#n"); it is cleared when
-- the run ends, so a row with running_by set and running_until in the past is
-- a run whose instance died, and another instance runs it again.
CREATE TABLE job_schedules (
    name          TEXT PRIMARY KEY,
    next_run_at   TIMESTAMP NOT NULL,
    last_run_at   TIMESTAMP,
    last_status   TEXT NOT NULL DEFAULT '',
    last_error    TEXT NOT NULL DEFAULT '',
    running_by    TEXT NOT NULL DEFAULT '',
    running_until TIMESTAMP
);

-- jobs: delayed one-off jobs. status runs queued → running → done, or back to
-- queued for a retry, or failed after max_attempts. locked_by names the claim
-- that ran it last; locked_until is the lease of a running job.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL DEFAULT 'null',
    run_at        TIMESTAMP NOT NULL,
    status        TEXT NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL DEFAULT 5,
    locked_by     TEXT NOT NULL DEFAULT '',
    locked_until  TIMESTAMP,
    last_error    TEXT NOT NULL DEFAULT '',
    dedupe_key    TEXT,
    created_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP
);
CREATE INDEX jobs_due ON jobs(status, run_at);
-- A dedupe key is unique among unfinished jobs only: once a job is done or
-- failed, the same key may be enqueued again.
CREATE UNIQUE INDEX jobs_dedupe ON jobs(dedupe_key) WHERE status IN ('queued', 'running');
