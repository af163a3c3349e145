package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/jobs"
)

type notice struct {
	ApplicationID int64  `json:"application_id"`
	To            string `json:"to"`
}

func TestQueuedJobRunsWhenDue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := newClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
		s := newScheduler(d, clock, jobs.Options{})
		var got []notice
		jobs.HandleJSON(s, "notify", func(ctx context.Context, n notice) error {
			got = append(got, n)
			return nil
		})
		id := enqueue(t, d, "notify", notice{17, "申请人"}, clock.Now().Add(time.Minute))
		other := enqueue(t, d, "unhandled", nil, time.Time{})

		runOnce(t, s)
		if len(got) != 0 {
			t.Fatal("ran before run_at")
		}
		clock.Add(time.Minute)
		runOnce(t, s)
		runOnce(t, s)
		if len(got) != 1 || got[0] != (notice{17, "申请人"}) {
			t.Fatalf("handled %+v", got)
		}
		j := job(t, d, id)
		if j.Status != jobs.StatusDone || j.Attempts != 1 || !j.FinishedAt.Equal(clock.Now()) || !j.LockedUntil.IsZero() ||
			!strings.HasPrefix(j.LockedBy, s.InstanceID()+"#") || string(j.Payload) != `{"application_id":17,"to":"申请人"}` {
			t.Fatalf("done job: %+v", j)
		}
		// A kind this instance has no handler for stays queued for one that has.
		if j := job(t, d, other); j.Status != jobs.StatusQueued || j.Attempts != 0 {
			t.Fatalf("unhandled job: %+v", j)
		}

		list, err := jobs.ListJobs(ctx, d.R, jobs.JobFilter{Status: jobs.StatusDone, Kind: "notify"})
		if err != nil || len(list) != 1 || list[0].ID != id {
			t.Fatalf("ListJobs done: %+v %v", list, err)
		}
		list, err = jobs.ListJobs(ctx, d.R, jobs.JobFilter{})
		if err != nil || len(list) != 2 || list[0].ID != other {
			t.Fatalf("ListJobs newest first: %+v %v", list, err)
		}
		list, err = jobs.ListJobs(ctx, d.R, jobs.JobFilter{BeforeID: other})
		if err != nil || len(list) != 1 || list[0].ID != id {
			t.Fatalf("ListJobs page: %+v %v", list, err)
		}
	})
}

func TestEnqueueInRolledBackTransactionLeavesNoJob(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		errRollback := errors.New("business rule failed")
		err := d.Tx(ctx, func(tx db.Tx) error {
			if _, err := jobs.Enqueue(ctx, tx, "notify", notice{1, "x"}, time.Time{}, jobs.DedupeKey("notify:1")); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("tx: %v", err)
		}
		if n := countJobs(t, d, "1 = 1"); n != 0 {
			t.Fatalf("%d jobs after rollback", n)
		}
		// The key was not taken either.
		id := enqueue(t, d, "notify", notice{1, "x"}, time.Time{}, jobs.DedupeKey("notify:1"))
		if id == 0 || countJobs(t, d, "1 = 1") != 1 {
			t.Fatal("enqueue after rollback")
		}
	})
}

func TestEnqueueValidates(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	if _, err := jobs.Enqueue(ctx, d.W, "", nil, time.Time{}); err == nil {
		t.Error("empty kind accepted")
	}
	if _, err := jobs.Enqueue(ctx, d.W, "k", nil, time.Time{}, jobs.MaxAttempts(0)); err == nil {
		t.Error("zero attempts accepted")
	}
	if _, err := jobs.Enqueue(ctx, d.W, "k", func() {}, time.Time{}); err == nil {
		t.Error("unencodable payload accepted")
	}
	id, err := jobs.Enqueue(ctx, d.W, "k", json.RawMessage(`{"raw": true}`), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if j := job(t, d, id); string(j.Payload) != `{"raw":true}` || j.MaxAttempts != jobs.DefaultMaxAttempts {
		t.Fatalf("raw payload: %+v", j)
	}
}

func TestDedupeKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clock := newClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
		s := newScheduler(d, clock, jobs.Options{})
		var runs atomic.Int64
		s.Handle("digest", func(context.Context, []byte) error { runs.Add(1); return nil })

		a := enqueue(t, d, "digest", "2026-03-01", clock.Now(), jobs.DedupeKey("digest:2026-03-01"))
		b := enqueue(t, d, "digest", "2026-03-01", clock.Now(), jobs.DedupeKey("digest:2026-03-01"))
		c := enqueue(t, d, "digest", "2026-03-02", clock.Now(), jobs.DedupeKey("digest:2026-03-02"))
		if a != b || a == c {
			t.Fatalf("ids %d %d %d", a, b, c)
		}
		if n := countJobs(t, d, "kind = 'digest'"); n != 2 {
			t.Fatalf("%d jobs, want 2", n)
		}
		runOnce(t, s)
		if runs.Load() != 2 {
			t.Fatalf("runs %d", runs.Load())
		}
		// Once the first is done, the key is free again.
		e := enqueue(t, d, "digest", "2026-03-01", clock.Now(), jobs.DedupeKey("digest:2026-03-01"))
		if e == a {
			t.Fatal("finished job's key still blocks")
		}
		if j := job(t, d, a); j.DedupeKey != "digest:2026-03-01" {
			t.Fatalf("finished job lost its key: %+v", j)
		}

		// Retrying a failed job whose key an unfinished job holds is a conflict.
		s.Handle("mail", func(context.Context, []byte) error { return errors.New("smtp down") })
		failed := enqueue(t, d, "mail", nil, clock.Now(), jobs.DedupeKey("mail:1"), jobs.MaxAttempts(1))
		runOnce(t, s)
		if j := job(t, d, failed); j.Status != jobs.StatusFailed {
			t.Fatalf("mail: %+v", j)
		}
		enqueue(t, d, "mail", nil, clock.Now().Add(time.Hour), jobs.DedupeKey("mail:1"))
		if err := jobs.Retry(context.Background(), d.W, failed, time.Time{}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("retry with the key taken: %v", err)
		}
	})
}

func TestRetryBackoffAndFinalFailure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := newClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
		s := newScheduler(d, clock, jobs.Options{RetryBackoff: 10 * time.Second, MaxRetryBackoff: 25 * time.Second})
		var runs atomic.Int64
		s.Handle("flaky", func(context.Context, []byte) error {
			return fmt.Errorf("attempt %d failed", runs.Add(1))
		})
		id := enqueue(t, d, "flaky", nil, clock.Now(), jobs.MaxAttempts(4))

		// Delays after attempts 1, 2, 3: 10s, 20s, then 40s capped at 25s.
		for i, delay := range []time.Duration{10 * time.Second, 20 * time.Second, 25 * time.Second} {
			runOnce(t, s)
			j := job(t, d, id)
			want := clock.Now().Add(delay)
			if j.Status != jobs.StatusQueued || j.Attempts != i+1 || !j.RunAt.Equal(want) || j.LastError != fmt.Sprintf("attempt %d failed", i+1) {
				t.Fatalf("after attempt %d: %+v, want run_at %v", i+1, j, want)
			}
			clock.Add(delay - time.Second)
			runOnce(t, s)
			if runs.Load() != int64(i+1) {
				t.Fatalf("retried before the backoff passed")
			}
			clock.Add(time.Second)
		}
		runOnce(t, s)
		j := job(t, d, id)
		if j.Status != jobs.StatusFailed || j.Attempts != 4 || j.LastError != "attempt 4 failed" || !j.FinishedAt.Equal(clock.Now()) {
			t.Fatalf("final: %+v", j)
		}
		clock.Add(time.Hour)
		runOnce(t, s)
		if runs.Load() != 4 {
			t.Fatalf("failed job ran again: %d", runs.Load())
		}
		if st := s.Stats(); st.Failed != 4 || st.Retried != 3 || st.GaveUp != 1 {
			t.Fatalf("stats %+v", st)
		}

		// An administrator retries it: it runs again with fresh attempts.
		if err := jobs.Retry(ctx, d.W, id, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if j := job(t, d, id); j.Status != jobs.StatusQueued || j.Attempts != 0 || !j.FinishedAt.IsZero() {
			t.Fatalf("after Retry: %+v", j)
		}
		if err := jobs.Retry(ctx, d.W, id, time.Time{}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("retry of a queued job: %v", err)
		}
	})
}

func TestPermanentErrorFailsAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clock := newClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
		s := newScheduler(d, clock, jobs.Options{})
		s.Handle("bad", func(context.Context, []byte) error { return jobs.Permanent(errors.New("no such applicant")) })
		jobs.HandleJSON(s, "typed", func(context.Context, notice) error { return nil })
		bad := enqueue(t, d, "bad", nil, clock.Now())
		typed := enqueue(t, d, "typed", "not an object", clock.Now())
		runOnce(t, s)
		if j := job(t, d, bad); j.Status != jobs.StatusFailed || j.Attempts != 1 || j.LastError != "no such applicant" {
			t.Fatalf("permanent: %+v", j)
		}
		if j := job(t, d, typed); j.Status != jobs.StatusFailed || !strings.Contains(j.LastError, "decode typed payload") {
			t.Fatalf("undecodable: %+v", j)
		}
	})
}

func TestQueuedPanicIsRetried(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clock := newClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
		s := newScheduler(d, clock, jobs.Options{})
		var runs atomic.Int64
		s.Handle("fragile", func(context.Context, []byte) error {
			if runs.Add(1) == 1 {
				panic(errors.New("assignment to entry in nil map"))
			}
			return nil
		})
		id := enqueue(t, d, "fragile", nil, clock.Now())
		runOnce(t, s)
		j := job(t, d, id)
		if j.Status != jobs.StatusQueued || !strings.HasPrefix(j.LastError, "panic: assignment to entry in nil map") {
			t.Fatalf("after panic: %+v", j)
		}
		clock.Add(time.Hour)
		runOnce(t, s)
		if j := job(t, d, id); j.Status != jobs.StatusDone || j.Attempts != 2 {
			t.Fatalf("after retry: %+v", j)
		}
		if st := s.Stats(); st.Panicked != 1 || st.Succeeded != 1 || st.Running != 0 {
			t.Fatalf("stats %+v", st)
		}
	})
}

func TestQueuedLeaseExpiryReclaims(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clock := newClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
		started, release := make(chan struct{}), make(chan struct{})
		s1 := newScheduler(d, clock, jobs.Options{InstanceID: "dead"})
		s1.Handle("export", func(context.Context, []byte) error {
			close(started)
			<-release
			return errors.New("late failure that must not be recorded")
		})
		var runs2 atomic.Int64
		s2 := newScheduler(d, clock, jobs.Options{InstanceID: "alive"})
		s2.Handle("export", func(context.Context, []byte) error { runs2.Add(1); return nil })

		id := enqueue(t, d, "export", nil, clock.Now())
		done1 := make(chan error)
		go func() { done1 <- s1.RunOnce(context.Background()) }()
		<-started
		runOnce(t, s2)
		if runs2.Load() != 0 {
			t.Fatal("ran under a live lease")
		}
		clock.Add(jobs.DefaultLeaseDuration + time.Second)
		runOnce(t, s2)
		if runs2.Load() != 1 || s2.Stats().Reclaimed != 1 {
			t.Fatalf("not reclaimed: runs %d, stats %+v", runs2.Load(), s2.Stats())
		}
		close(release)
		if err := <-done1; err != nil {
			t.Fatal(err)
		}
		j := job(t, d, id)
		if j.Status != jobs.StatusDone || j.Attempts != 2 || !strings.HasPrefix(j.LockedBy, "alive#") ||
			!strings.HasPrefix(j.LastError, "lease expired: dead#") {
			t.Fatalf("after takeover: %+v", j)
		}

		// An instance died during the last allowed attempt: the job is failed
		// rather than run once more than allowed.
		last := enqueue(t, d, "export", nil, clock.Now(), jobs.MaxAttempts(1))
		if _, err := d.W.Exec(`UPDATE jobs SET status = 'running', attempts = 1, locked_by = 'gone#1', locked_until = $2 WHERE id = $1`,
			last, clock.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		runOnce(t, s2)
		if j := job(t, d, last); j.Status != jobs.StatusFailed || runs2.Load() != 1 || !strings.Contains(j.LastError, "gone#1") {
			t.Fatalf("exhausted takeover: runs %d, %+v", runs2.Load(), j)
		}
	})
}

func TestConcurrencyLimit(t *testing.T) {
	d := dbtest.SQLite(t)
	clock := newClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	s := newScheduler(d, clock, jobs.Options{Concurrency: 2})
	var running, peak atomic.Int64
	s.Handle("k", func(context.Context, []byte) error {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		running.Add(-1)
		return nil
	})
	for range 5 {
		enqueue(t, d, "k", nil, clock.Now())
	}
	runOnce(t, s)
	if n := countJobs(t, d, "status = 'done'"); n != 2 || peak.Load() != 2 {
		t.Fatalf("one cycle ran %d jobs, peak %d; want 2 and 2", n, peak.Load())
	}
	runOnce(t, s)
	runOnce(t, s)
	if n := countJobs(t, d, "status = 'done'"); n != 5 {
		t.Fatalf("%d done", n)
	}
}

func TestGracefulShutdownWaitsForRunningJob(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newScheduler(d, nil, jobs.Options{PollInterval: 5 * time.Millisecond})
		started := make(chan struct{})
		var jobCtxErr atomic.Value
		s.Handle("report", func(ctx context.Context, _ []byte) error {
			close(started)
			time.Sleep(150 * time.Millisecond)
			jobCtxErr.Store(ctx.Err() == nil)
			return nil
		})
		id := enqueue(t, d, "report", nil, time.Time{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- s.Run(ctx) }()
		<-started
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		// Run returned only after the job finished and was recorded.
		if j := job(t, d, id); j.Status != jobs.StatusDone {
			t.Fatalf("after shutdown: %+v", j)
		}
		if ok, _ := jobCtxErr.Load().(bool); !ok {
			t.Fatal("job context was cancelled during the grace period")
		}
		if err := s.Run(context.Background()); err == nil {
			t.Fatal("second Run accepted")
		}
	})
}

func TestShutdownTimeoutCancelsJob(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newScheduler(d, nil, jobs.Options{PollInterval: 5 * time.Millisecond, ShutdownTimeout: 50 * time.Millisecond})
		started := make(chan struct{})
		s.Handle("stuck", func(ctx context.Context, _ []byte) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		})
		id := enqueue(t, d, "stuck", nil, time.Time{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- s.Run(ctx) }()
		<-started
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		// Interrupted, not failed: queued again, the attempt given back.
		j := job(t, d, id)
		if j.Status != jobs.StatusQueued || j.Attempts != 0 || !strings.HasPrefix(j.LastError, "interrupted by shutdown") {
			t.Fatalf("after forced shutdown: %+v", j)
		}
		if st := s.Stats(); st.Interrupted != 1 || st.Failed != 0 {
			t.Fatalf("stats %+v", st)
		}
	})
}

func TestLeaseRenewalKeepsLongJobSingle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var runs atomic.Int64
		ctx, cancel := context.WithCancel(context.Background())
		errs := make(chan error, 2)
		var ss []*jobs.Scheduler
		for _, name := range []string{"a", "b"} {
			s := newScheduler(d, nil, jobs.Options{InstanceID: name, PollInterval: 5 * time.Millisecond, LeaseDuration: 250 * time.Millisecond})
			s.Handle("long", func(context.Context, []byte) error {
				runs.Add(1)
				time.Sleep(700 * time.Millisecond) // nearly three leases long
				return nil
			})
			ss = append(ss, s)
			go func() { errs <- s.Run(ctx) }()
		}
		id := enqueue(t, d, "long", nil, time.Time{})
		waitFor(t, 5*time.Second, "the job to finish", func() bool { return job(t, d, id).Status == jobs.StatusDone })
		time.Sleep(20 * time.Millisecond)
		cancel()
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if runs.Load() != 1 || job(t, d, id).Attempts != 1 {
			t.Fatalf("long job ran %d times", runs.Load())
		}
		for _, s := range ss {
			if st := s.Stats(); st.LeaseLost != 0 || st.Reclaimed != 0 {
				t.Fatalf("stats %+v", st)
			}
		}
	})
}
