package jobs_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/jobs"
)

// TestInstancesShareWorkExactlyOnce runs three schedulers, each on its own
// connection pool to the same database as three `gongkai serve` processes
// would, concurrently. The shared fake clock steps one minute at a time
// across midnight in Shanghai; every minute period and the daily period must
// run exactly once, and every queued job exactly once.
func TestInstancesShareWorkExactlyOnce(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		u := dbtest.PostgresURL(t)
		var dbs []*db.DB
		for range 3 {
			d, err := db.Open(context.Background(), db.Options{URL: u, MaxConns: 6})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			dbs = append(dbs, d)
		}
		migrateAll(t, dbs)
		testInstances(t, dbs, 2*time.Millisecond)
	})
	t.Run("sqlite", func(t *testing.T) {
		// Three handles on one file: SQLite's file lock stands in for the
		// single writer connection of one process.
		t.Parallel()
		first := dbtest.SQLite(t)
		dbs := []*db.DB{first}
		for range 2 {
			d, err := db.OpenSQLite(context.Background(), first.Path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			dbs = append(dbs, d)
		}
		testInstances(t, dbs, 5*time.Millisecond)
	})
}

// migrateAll migrates from every pool at once, as instances starting
// together do; the migration lock serialises them.
func migrateAll(t *testing.T, dbs []*db.DB) {
	var wg sync.WaitGroup
	errs := make([]error, len(dbs))
	for i, d := range dbs {
		wg.Go(func() { _, errs[i] = d.Migrate(context.Background()) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func testInstances(t *testing.T, dbs []*db.DB, poll time.Duration) {
	ctx := context.Background()
	clock := newClock(shanghai(2026, 3, 2, 23, 49, 30))
	var (
		ticks, dailies atomic.Int64
		mu             sync.Mutex
		runs           = map[int64]int{} // job ID → executions
		byInstance     = map[string]int{}
	)
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	scheds := make([]*jobs.Scheduler, len(dbs))
	for i, d := range dbs {
		name := fmt.Sprintf("inst%d", i)
		s := newScheduler(d, clock, jobs.Options{
			InstanceID:    name,
			PollInterval:  poll,
			LeaseDuration: time.Hour, // fake time: never expires during the test
		})
		s.Every("tick", time.Minute, func(context.Context) error { ticks.Add(1); return nil })
		s.Daily("midnight", 0, 0, func(context.Context) error { dailies.Add(1); return nil })
		jobs.HandleJSON(s, "work", func(_ context.Context, id int64) error {
			mu.Lock()
			runs[id]++
			byInstance[name]++
			mu.Unlock()
			time.Sleep(time.Duration(id%3) * 100 * time.Microsecond)
			return nil
		})
		scheds[i] = s
		wg.Go(func() {
			if err := s.Run(runCtx); err != nil {
				t.Error(err)
			}
		})
	}

	// Each job carries its own sequence number as payload.
	var seq atomic.Int64
	enqueueBatch := func(d *db.DB, n int, runAt time.Time) {
		err := d.Tx(ctx, func(tx db.Tx) error {
			for range n {
				if _, err := jobs.Enqueue(ctx, tx, "work", seq.Add(1), runAt); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	enqueueBatch(dbs[0], 100, clock.Now())

	waitFor(t, 5*time.Second, "schedules to register", func() bool {
		all, err := jobs.ListSchedules(ctx, dbs[0].R)
		return err == nil && len(all) == 2
	})
	const steps = 15
	for step := 1; step <= steps; step++ {
		clock.Add(time.Minute)
		d := dbs[step%len(dbs)]
		enqueueBatch(d, 10, clock.Now())
		enqueueBatch(d, 10, clock.Now().Add(90*time.Second)) // due two steps later

		// Every instance enqueues the same deduplicated job at once; it is
		// due far later, so it stays pending: exactly one row per key.
		var ewg sync.WaitGroup
		for _, d := range dbs {
			ewg.Go(func() {
				_, err := jobs.Enqueue(ctx, d.W, "later", nil, clock.Now().Add(24*time.Hour), jobs.DedupeKey(fmt.Sprint("later:", step)))
				if err != nil {
					t.Error(err)
				}
			})
		}
		ewg.Wait()

		waitFor(t, 5*time.Second, fmt.Sprintf("tick %d", step), func() bool { return ticks.Load() >= int64(step) })
		time.Sleep(10 * time.Millisecond) // room for a second run, were there one
		if n := ticks.Load(); n != int64(step) {
			t.Fatalf("after %d periods the periodic job ran %d times", step, n)
		}
	}
	clock.Add(2 * time.Minute) // make the last batch and one more period due
	total := seq.Load()
	waitFor(t, 5*time.Second, "the last tick", func() bool { return ticks.Load() >= steps+1 })
	waitFor(t, 10*time.Second, "all jobs done", func() bool {
		return countJobs(t, dbs[0], "kind = 'work' AND status = 'done'") == int(total)
	})
	stop()
	wg.Wait()

	if n := ticks.Load(); n != steps+1 {
		t.Errorf("periodic job ran %d times in %d periods", n, steps+1)
	}
	if n := dailies.Load(); n != 1 {
		t.Errorf("daily job ran %d times across one midnight", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(runs) != int(total) {
		t.Errorf("%d of %d jobs ran", len(runs), total)
	}
	for id, n := range runs {
		if n != 1 {
			t.Errorf("job %d ran %d times", id, n)
		}
	}
	if n := countJobs(t, dbs[0], "kind = 'later'"); n != steps {
		t.Errorf("%d deduplicated jobs, want %d", n, steps)
	}
	if n := countJobs(t, dbs[0], "attempts <> 1 AND kind = 'work'"); n != 0 {
		t.Errorf("%d jobs took more than one attempt", n)
	}
	if len(byInstance) < 2 {
		t.Errorf("only %v did any work", byInstance)
	}
	var claimed []string
	for _, s := range scheds {
		st := s.Stats()
		if st.Failed != 0 || st.Reclaimed != 0 || st.LeaseLost != 0 || st.PollErrors != 0 {
			t.Errorf("%s: %+v", s.InstanceID(), st)
		}
		claimed = append(claimed, fmt.Sprintf("%s=%d", s.InstanceID(), st.Started))
	}
	t.Logf("%d jobs, runs per instance: %s", total, strings.Join(claimed, " "))
}
