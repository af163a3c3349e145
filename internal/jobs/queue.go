package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/gongkai/gongkai/internal/db"
)

// EnqueueOption adjusts one Enqueue call.
type EnqueueOption func(*enqueueOptions)

type enqueueOptions struct {
	dedupeKey   string
	maxAttempts int
}

// DedupeKey makes the job unique among unfinished jobs: while a queued or
// running job has the same key, Enqueue adds nothing and returns that job's
// ID. Once the job is done or failed, the key may be used again. Choose keys
// that name the work, for example "digest:2025-06-01" or "reindex:doc:42".
func DedupeKey(key string) EnqueueOption {
	return func(o *enqueueOptions) { o.dedupeKey = key }
}

// MaxAttempts sets how many times the job runs before it is marked failed
// (default DefaultMaxAttempts; 1 means no retries).
func MaxAttempts(n int) EnqueueOption {
	return func(o *enqueueOptions) { o.maxAttempts = n }
}

// Enqueue adds a job of kind that becomes due at runAt (zero: now), with
// payload encoded as JSON (pass a json.RawMessage to store encoded JSON as
// is). Call it with the caller's transaction as q, so that the job exists
// only if the transaction commits. It returns the job's ID, or, when a
// DedupeKey matches an unfinished job, that job's ID.
func Enqueue(ctx context.Context, q db.Querier, kind string, payload any, runAt time.Time, opts ...EnqueueOption) (int64, error) {
	o := enqueueOptions{maxAttempts: DefaultMaxAttempts}
	for _, opt := range opts {
		opt(&o)
	}
	if kind == "" {
		return 0, errors.New("jobs: enqueue: empty kind")
	}
	if o.maxAttempts < 1 {
		return 0, fmt.Errorf("jobs: enqueue %s: max attempts %d is less than 1", kind, o.maxAttempts)
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return 0, fmt.Errorf("jobs: enqueue %s: encode payload: %w", kind, err)
	}
	now := db.Now()
	if runAt.IsZero() {
		runAt = now
	}
	runAt = runAt.UTC().Truncate(time.Microsecond)
	var key any // NULL unless a dedupe key is given
	if o.dedupeKey != "" {
		key = o.dedupeKey
	}
	// ON CONFLICT DO NOTHING only ever fires on jobs_dedupe. When it does, the
	// job that holds the key is looked up; should it have finished in between,
	// the insert is tried again.
	for range 3 {
		var id int64
		err := q.QueryRowContext(ctx, `INSERT INTO jobs (kind, payload, run_at, max_attempts, dedupe_key, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id`,
			kind, string(body), runAt, o.maxAttempts, key, now).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) || key == nil {
			return 0, fmt.Errorf("jobs: enqueue %s: %w", kind, err)
		}
		err = q.QueryRowContext(ctx, `SELECT id FROM jobs WHERE dedupe_key = $1 AND status IN ('queued', 'running')`, key).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("jobs: enqueue %s: find duplicate: %w", kind, err)
		}
	}
	return 0, fmt.Errorf("jobs: enqueue %s: dedupe key %q keeps changing hands", kind, o.dedupeKey)
}

// HandleJSON registers a handler for kind whose payload is decoded into a T.
// A payload that does not decode fails the job for good (no retries).
func HandleJSON[T any](s *Scheduler, kind string, fn func(ctx context.Context, v T) error) {
	s.Handle(kind, func(ctx context.Context, payload []byte) error {
		var v T
		if err := json.Unmarshal(payload, &v); err != nil {
			return Permanent(fmt.Errorf("decode %s payload: %w", kind, err))
		}
		return fn(ctx, v)
	})
}

// Permanent wraps err to say that retrying cannot help: the queued job is
// marked failed at once. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// IsPermanent reports whether err was wrapped with Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// claimedJob is a queued job this instance has claimed.
type claimedJob struct {
	id          int64
	kind        string
	payload     []byte
	attempts    int
	maxAttempts int
	claim       string
	lastError   string
}

// leaseExpiredPrefix starts the last_error a claim writes when it takes over
// a job whose lease expired.
const leaseExpiredPrefix = "lease expired: "

// pollQueue claims due queued jobs while slots are free and starts them.
func (s *Scheduler) pollQueue(ctx context.Context, now time.Time, local *sync.WaitGroup) error {
	_, kinds := s.registered()
	if len(kinds) == 0 {
		return nil
	}
	for ctx.Err() == nil {
		select {
		case s.slots <- struct{}{}:
		default:
			return nil // busy
		}
		j, err := s.claimJob(ctx, kinds, now)
		if err != nil || j == nil {
			<-s.slots
			return err
		}
		reclaimed := strings.HasPrefix(j.lastError, leaseExpiredPrefix)
		if reclaimed {
			s.st.reclaimed.Add(1)
		}
		s.goTracked(local, func() {
			defer func() { <-s.slots }()
			s.runJob(j, reclaimed)
		})
	}
	return nil
}

// claimJob leases the oldest due job of one of kinds, or a running job whose
// lease expired, and returns nil when there is none.
func (s *Scheduler) claimJob(ctx context.Context, kinds []string, now time.Time) (*claimedJob, error) {
	bctx, cancel := bookkeeping(ctx)
	defer cancel()
	j := &claimedJob{claim: s.nextClaim()}
	args := []any{j.claim, now.Add(s.opts.LeaseDuration), now, leaseExpiredPrefix}
	marks := make([]string, len(kinds))
	for i, k := range kinds {
		args = append(args, k)
		marks[i] = fmt.Sprintf("$%d", len(args))
	}
	// On PostgreSQL, SKIP LOCKED lets concurrent instances each take a
	// different job instead of queueing on the same row; a row another
	// instance changed meanwhile is re-checked against the WHERE clause.
	// SQLite has one writer connection, so the statement is atomic as is.
	lock := ""
	if s.d.Dialect == db.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	// SET expressions see the row before the update, so last_error records
	// whose lease expired when this is a takeover.
	query := `UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $1, locked_until = $2,
		last_error = CASE WHEN status = 'running' THEN CAST($4 AS TEXT) || locked_by ELSE last_error END
		WHERE id = (SELECT id FROM jobs
			WHERE ((status = 'queued' AND run_at <= $3) OR (status = 'running' AND locked_until < $3))
			  AND kind IN (` + strings.Join(marks, ", ") + `)
			ORDER BY run_at, id LIMIT 1` + lock + `)
		RETURNING id, kind, payload, attempts, max_attempts, last_error`
	err := s.d.W.QueryRowContext(bctx, query, args...).Scan(&j.id, &j.kind, &j.payload, &j.attempts, &j.maxAttempts, &j.lastError)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: claim: %w", err)
	}
	return j, nil
}

// runJob runs a claimed queued job and records the outcome.
func (s *Scheduler) runJob(j *claimedJob, reclaimed bool) {
	log := s.log.With("job", j.kind, "id", j.id, "attempt", j.attempts, "claim", j.claim)
	if j.attempts > j.maxAttempts {
		// Its instance died during the last allowed attempt: do not run it
		// once more than allowed.
		s.st.gaveUp.Add(1)
		log.Error("job failed for good: its last attempt never finished")
		s.recordJob(log, j, outcomeFailed, errors.New(j.lastError+" during the last attempt"), time.Time{})
		return
	}
	if reclaimed {
		log.Warn("running job again: " + j.lastError)
	}
	fn := s.handler(j.kind)
	renew := func(ctx context.Context, until time.Time) (bool, error) {
		res, err := s.d.W.ExecContext(ctx, `UPDATE jobs SET locked_until = $3 WHERE id = $1 AND locked_by = $2 AND status = 'running'`,
			j.id, j.claim, until)
		return affectedOne(res, err)
	}
	err, interrupted := s.execute(log, renew, func(ctx context.Context) error { return fn(ctx, j.payload) })
	switch {
	case err == nil:
		s.recordJob(log, j, outcomeDone, nil, time.Time{})
	case interrupted:
		s.recordJob(log, j, outcomeInterrupted, err, s.now())
	case IsPermanent(err) || j.attempts >= j.maxAttempts:
		s.st.gaveUp.Add(1)
		log.Error("job failed for good", "err", err)
		s.recordJob(log, j, outcomeFailed, err, time.Time{})
	default:
		s.st.retried.Add(1)
		s.recordJob(log, j, outcomeRetry, err, s.now().Add(s.backoff(j.attempts)))
	}
}

type outcome int

const (
	outcomeDone outcome = iota
	outcomeRetry
	outcomeFailed
	outcomeInterrupted
)

// backoff is the delay after the attempt-th failed attempt: RetryBackoff,
// doubling each time, at most MaxRetryBackoff.
func (s *Scheduler) backoff(attempt int) time.Duration {
	d := s.opts.RetryBackoff
	for i := 1; i < attempt && d < s.opts.MaxRetryBackoff; i++ {
		d *= 2
	}
	return min(d, s.opts.MaxRetryBackoff)
}

// recordJob writes the outcome of a run, if this claim still holds the job.
// runAt is when a retried or interrupted job is due again.
func (s *Scheduler) recordJob(log *slog.Logger, j *claimedJob, o outcome, runErr error, runAt time.Time) {
	ctx, cancel := bookkeeping(context.Background())
	defer cancel()
	const owned = ` WHERE id = $1 AND locked_by = $2 AND status = 'running'`
	var (
		res sql.Result
		err error
	)
	switch o {
	case outcomeDone:
		res, err = s.d.W.ExecContext(ctx, `UPDATE jobs SET status = 'done', locked_until = NULL, finished_at = $3`+owned,
			j.id, j.claim, s.now())
	case outcomeFailed:
		res, err = s.d.W.ExecContext(ctx, `UPDATE jobs SET status = 'failed', locked_until = NULL, finished_at = $3, last_error = $4`+owned,
			j.id, j.claim, s.now(), errorText(runErr))
	case outcomeRetry:
		res, err = s.d.W.ExecContext(ctx, `UPDATE jobs SET status = 'queued', locked_until = NULL, run_at = $3, last_error = $4`+owned,
			j.id, j.claim, runAt, errorText(runErr))
	case outcomeInterrupted:
		// A shutdown is not the job's fault: give the attempt back.
		res, err = s.d.W.ExecContext(ctx, `UPDATE jobs SET status = 'queued', locked_until = NULL, run_at = $3, last_error = $4,
			attempts = attempts - 1`+owned,
			j.id, j.claim, runAt, "interrupted by shutdown: "+errorText(runErr))
	}
	ok, err := affectedOne(res, err)
	switch {
	case err != nil:
		log.Error("could not record job outcome; it runs again when its lease expires", "err", err)
	case !ok:
		log.Warn("job outcome not recorded: its lease was taken over meanwhile")
	}
}
