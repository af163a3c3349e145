package jobs_test

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/jobs"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// shanghai returns a time in Asia/Shanghai.
func shanghai(y int, m time.Month, d, hh, mm, ss int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, 0, civil.Shanghai)
}

// testLogger discards logs unless JOBS_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("JOBS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// newScheduler returns a scheduler without the built-in prune job, on the
// fake clock when c is not nil.
func newScheduler(d *db.DB, c *fakeClock, opts jobs.Options) *jobs.Scheduler {
	if c != nil {
		opts.Now = c.Now
	}
	if opts.KeepFinished == 0 {
		opts.KeepFinished = -1
	}
	return jobs.New(d, testLogger(), opts)
}

func runOnce(t *testing.T, s *jobs.Scheduler) {
	t.Helper()
	if err := s.RunOnce(context.Background()); err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func schedule(t *testing.T, d *db.DB, name string) jobs.Schedule {
	t.Helper()
	all, err := jobs.ListSchedules(context.Background(), d.R)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range all {
		if sc.Name == name {
			return sc
		}
	}
	t.Fatalf("no schedule %q in %+v", name, all)
	return jobs.Schedule{}
}

func job(t *testing.T, d *db.DB, id int64) jobs.Job {
	t.Helper()
	all, err := jobs.ListJobs(context.Background(), d.R, jobs.JobFilter{BeforeID: id + 1, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].ID != id {
		t.Fatalf("no job %d: %+v", id, all)
	}
	return all[0]
}

func enqueue(t *testing.T, d *db.DB, kind string, payload any, runAt time.Time, opts ...jobs.EnqueueOption) int64 {
	t.Helper()
	var id int64
	err := d.Tx(context.Background(), func(tx db.Tx) error {
		var err error
		id, err = jobs.Enqueue(context.Background(), tx, kind, payload, runAt, opts...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func countJobs(t *testing.T, d *db.DB, where string, args ...any) int {
	t.Helper()
	var n int
	if err := d.R.QueryRow("SELECT COUNT(*) FROM jobs WHERE "+where, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
