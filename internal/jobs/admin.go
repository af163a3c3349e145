package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/db"
)

// Schedule is a job_schedules row, for the admin view. Zero times mean
// "never" (LastRunAt) or "not running" (RunningUntil).
type Schedule struct {
	Name         string
	NextRunAt    time.Time
	LastRunAt    time.Time // when the last run started
	LastStatus   Status    // "" before the first run; running, done, failed or interrupted
	LastError    string
	RunningBy    string // the claim ("instance#n") running it now, or whose run died
	RunningUntil time.Time
}

// Running reports whether a run holds a live lease at now.
func (sc Schedule) Running(now time.Time) bool {
	return sc.RunningBy != "" && sc.RunningUntil.After(now)
}

// Job is a jobs row, for the admin view. Zero times mean NULL.
type Job struct {
	ID          int64
	Kind        string
	Payload     json.RawMessage
	RunAt       time.Time
	Status      Status
	Attempts    int
	MaxAttempts int
	LockedBy    string // the claim that ran it last ("instance#n")
	LockedUntil time.Time
	LastError   string
	DedupeKey   string
	CreatedAt   time.Time
	FinishedAt  time.Time
}

// JobFilter selects jobs for ListJobs. Empty fields do not filter.
type JobFilter struct {
	Kind   string
	Status Status
	// BeforeID pages backwards: only jobs with a smaller ID (0: from newest).
	BeforeID int64
	// Limit caps the rows returned (default 50, at most 500).
	Limit int
}

// ListSchedules returns every periodic job's row, by name.
func ListSchedules(ctx context.Context, q db.Querier) ([]Schedule, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, next_run_at, last_run_at, last_status, last_error, running_by, running_until
		FROM job_schedules ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("jobs: list schedules: %w", err)
	}
	defer rows.Close()
	var out []Schedule
	for rows.Next() {
		var sc Schedule
		var last, until sql.NullTime
		if err := rows.Scan(&sc.Name, &sc.NextRunAt, &last, &sc.LastStatus, &sc.LastError, &sc.RunningBy, &until); err != nil {
			return nil, fmt.Errorf("jobs: list schedules: %w", err)
		}
		sc.NextRunAt = sc.NextRunAt.UTC()
		sc.LastRunAt = nullTime(last)
		sc.RunningUntil = nullTime(until)
		out = append(out, sc)
	}
	return out, rows.Err()
}

// ListJobs returns jobs matching f, newest first.
func ListJobs(ctx context.Context, q db.Querier, f JobFilter) ([]Job, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Kind != "" {
		add("kind = $%d", f.Kind)
	}
	if f.Status != "" {
		add("status = $%d", string(f.Status))
	}
	if f.BeforeID > 0 {
		add("id < $%d", f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	query := `SELECT id, kind, payload, run_at, status, attempts, max_attempts, locked_by, locked_until,
		last_error, dedupe_key, created_at, finished_at FROM jobs`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, limit)
	query += fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args))

	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("jobs: list jobs: %w", err)
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		var j Job
		var payload []byte
		var locked, finished sql.NullTime
		var key sql.NullString
		if err := rows.Scan(&j.ID, &j.Kind, &payload, &j.RunAt, &j.Status, &j.Attempts, &j.MaxAttempts, &j.LockedBy,
			&locked, &j.LastError, &key, &j.CreatedAt, &finished); err != nil {
			return nil, fmt.Errorf("jobs: list jobs: %w", err)
		}
		j.Payload = payload
		j.RunAt = j.RunAt.UTC()
		j.CreatedAt = j.CreatedAt.UTC()
		j.LockedUntil = nullTime(locked)
		j.FinishedAt = nullTime(finished)
		j.DedupeKey = key.String
		out = append(out, j)
	}
	return out, rows.Err()
}

// Retry puts a failed job back in the queue, due at runAt (zero: now), with
// its attempts reset. It fails with apperr.NotFound if no failed job has the
// ID, and apperr.Conflict if an unfinished job holds its dedupe key.
func Retry(ctx context.Context, q db.Querier, id int64, runAt time.Time) error {
	if runAt.IsZero() {
		runAt = db.Now()
	}
	res, err := q.ExecContext(ctx, `UPDATE jobs SET status = 'queued', attempts = 0, run_at = $2, finished_at = NULL
		WHERE id = $1 AND status = 'failed'`, id, runAt.UTC().Truncate(time.Microsecond))
	if db.IsUniqueViolation(err) {
		return apperr.Wrap(apperr.Conflict, "同一任务已在队列中，无需重试。", err)
	}
	ok, err := affectedOne(res, err)
	if err != nil {
		return fmt.Errorf("jobs: retry %d: %w", id, err)
	}
	if !ok {
		return apperr.NotFoundf("没有编号为 %d 的失败任务。", id)
	}
	return nil
}

// Prune deletes done and failed jobs that finished before cutoff and returns
// how many it deleted. The scheduler runs it daily (see Options.KeepFinished).
func Prune(ctx context.Context, q db.Querier, cutoff time.Time) (int64, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM jobs WHERE status IN ('done', 'failed') AND finished_at < $1`,
		cutoff.UTC().Truncate(time.Microsecond))
	if err != nil {
		return 0, fmt.Errorf("jobs: prune: %w", err)
	}
	return res.RowsAffected()
}

func nullTime(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}
