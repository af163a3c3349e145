package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// schedule is a registered periodic job.
type schedule struct {
	name string
	// next returns the first scheduled time strictly after t. Every instance
	// computes the same answer, which is what makes periods well defined.
	next func(t time.Time) time.Time
	fn   func(ctx context.Context) error
}

// scheduleRow is the part of a job_schedules row the poll needs.
type scheduleRow struct {
	next         time.Time
	runningBy    string
	runningUntil sql.NullTime
}

// pollSchedules starts the periodic jobs that are due, or whose last run
// died with its instance.
func (s *Scheduler) pollSchedules(ctx context.Context, now time.Time, local *sync.WaitGroup) error {
	scheds, _ := s.registered()
	if len(scheds) == 0 {
		return nil
	}
	rows, err := s.readSchedules(ctx)
	if err != nil {
		return err
	}
	var firstErr error
	for _, sc := range scheds {
		if ctx.Err() != nil {
			return nil
		}
		if !s.markRunning(sc.name) {
			continue // still running here from an earlier period
		}
		claim, reclaimed, err := s.claimSchedule(ctx, sc, rows, now)
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("jobs: claim %s: %w", sc.name, err)
		}
		if claim == "" {
			s.unmarkRunning(sc.name)
			continue
		}
		if reclaimed {
			s.st.reclaimed.Add(1)
		}
		s.goTracked(local, func() {
			defer s.unmarkRunning(sc.name)
			s.runSchedule(sc, claim, reclaimed)
		})
	}
	return firstErr
}

func (s *Scheduler) readSchedules(ctx context.Context) (map[string]scheduleRow, error) {
	rs, err := s.d.R.QueryContext(ctx, `SELECT name, next_run_at, running_by, running_until FROM job_schedules`)
	if err != nil {
		return nil, fmt.Errorf("jobs: read schedules: %w", err)
	}
	defer rs.Close()
	out := map[string]scheduleRow{}
	for rs.Next() {
		var name string
		var r scheduleRow
		if err := rs.Scan(&name, &r.next, &r.runningBy, &r.runningUntil); err != nil {
			return nil, fmt.Errorf("jobs: read schedules: %w", err)
		}
		r.next = r.next.UTC()
		r.runningUntil.Time = r.runningUntil.Time.UTC()
		out[name] = r
	}
	return out, rs.Err()
}

// claimSchedule tries to claim a run of sc and returns the claim token, or ""
// when there is nothing to run or another instance won. reclaimed reports a
// rerun of a run whose instance died.
func (s *Scheduler) claimSchedule(ctx context.Context, sc *schedule, rows map[string]scheduleRow, now time.Time) (claim string, reclaimed bool, err error) {
	bctx, cancel := bookkeeping(ctx)
	defer cancel()
	r, ok := rows[sc.name]
	if !ok {
		// First registration anywhere: the first run is at the next period.
		_, err := s.d.W.ExecContext(bctx, `INSERT INTO job_schedules (name, next_run_at) VALUES ($1, $2)
			ON CONFLICT (name) DO NOTHING`, sc.name, sc.next(now))
		return "", false, err
	}
	if r.runningUntil.Valid && !r.runningUntil.Time.Before(now) {
		return "", false, nil // a live run holds the lease
	}
	claim = s.nextClaim()
	until := now.Add(s.opts.LeaseDuration)
	var res sql.Result
	switch {
	case !r.next.After(now):
		// The period is due: move next_run_at on and take the lease in one
		// compare-and-swap, so exactly one instance wins the period. Missed
		// periods are skipped: the next one is computed from now.
		res, err = s.d.W.ExecContext(bctx, `UPDATE job_schedules
			SET next_run_at = $3, running_by = $4, running_until = $5, last_run_at = $6,
			    last_status = 'running', last_error = ''
			WHERE name = $1 AND next_run_at = $2 AND (running_until IS NULL OR running_until < $6)`,
			sc.name, r.next, sc.next(now), claim, until, now)
		reclaimed = r.runningBy != ""
	case r.runningBy != "":
		// The last run's instance died (its lease expired without the run
		// ending): run it again. The claim token makes this a swap too.
		res, err = s.d.W.ExecContext(bctx, `UPDATE job_schedules
			SET running_by = $3, running_until = $4, last_run_at = $5, last_status = 'running', last_error = ''
			WHERE name = $1 AND running_by = $2 AND running_until < $5`,
			sc.name, r.runningBy, claim, until, now)
		reclaimed = true
	case r.next.After(sc.next(sc.next(now))):
		// next_run_at lies beyond the period after next: the schedule was
		// shortened in code (say from daily to hourly). Bring it in rather
		// than wait out the old period. (One period of slack tolerates clock
		// skew between instances.)
		_, err = s.d.W.ExecContext(bctx, `UPDATE job_schedules SET next_run_at = $3 WHERE name = $1 AND next_run_at = $2`,
			sc.name, r.next, sc.next(now))
		return "", false, err
	default:
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return "", false, err // another instance won
	}
	return claim, reclaimed, nil
}

// runSchedule runs a claimed periodic job and records the outcome.
func (s *Scheduler) runSchedule(sc *schedule, claim string, reclaimed bool) {
	log := s.log.With("schedule", sc.name, "claim", claim)
	if reclaimed {
		log.Warn("running periodic job again: the instance that ran it stopped before it finished")
	}
	renew := func(ctx context.Context, until time.Time) (bool, error) {
		res, err := s.d.W.ExecContext(ctx, `UPDATE job_schedules SET running_until = $3 WHERE name = $1 AND running_by = $2`,
			sc.name, claim, until)
		return affectedOne(res, err)
	}
	err, interrupted := s.execute(log, renew, sc.fn)
	s.recordSchedule(log, sc.name, claim, err, interrupted)
}

func (s *Scheduler) recordSchedule(log *slog.Logger, name, claim string, runErr error, interrupted bool) {
	ctx, cancel := bookkeeping(context.Background())
	defer cancel()
	var (
		res sql.Result
		err error
	)
	switch {
	case runErr == nil:
		res, err = s.d.W.ExecContext(ctx, `UPDATE job_schedules
			SET running_by = '', running_until = NULL, last_status = $3, last_error = ''
			WHERE name = $1 AND running_by = $2`, name, claim, StatusDone)
	case interrupted:
		// Keep running_by and expire the lease now, so that another instance
		// picks the run up at once instead of after the lease.
		res, err = s.d.W.ExecContext(ctx, `UPDATE job_schedules
			SET running_until = $3, last_status = $4, last_error = $5
			WHERE name = $1 AND running_by = $2`, name, claim, s.now().Add(-time.Microsecond), StatusInterrupted, errorText(runErr))
	default:
		res, err = s.d.W.ExecContext(ctx, `UPDATE job_schedules
			SET running_by = '', running_until = NULL, last_status = $3, last_error = $4
			WHERE name = $1 AND running_by = $2`, name, claim, StatusFailed, errorText(runErr))
	}
	ok, err := affectedOne(res, err)
	switch {
	case err != nil:
		log.Error("could not record periodic job outcome; it runs again when its lease expires", "err", err)
	case !ok:
		log.Warn("periodic job outcome not recorded: its lease was taken over meanwhile")
	}
}

// affectedOne reports whether an UPDATE changed exactly one row.
func affectedOne(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
