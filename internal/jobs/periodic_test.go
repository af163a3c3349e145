package jobs_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/jobs"
)

func TestPeriodicRunsOncePerPeriod(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clock := newClock(shanghai(2026, 3, 2, 10, 0, 30))
		var ticks, digests atomic.Int64
		// Two instances on one database and one clock: only one of them may
		// run each period.
		var ss []*jobs.Scheduler
		for range 2 {
			s := newScheduler(d, clock, jobs.Options{})
			s.Every("tick", time.Minute, func(context.Context) error { ticks.Add(1); return nil })
			s.Daily("digest", 2, 30, func(context.Context) error { digests.Add(1); return nil })
			s.Every("broken", time.Hour, func(context.Context) error { return errors.New("smtp down") })
			ss = append(ss, s)
		}
		both := func() {
			for _, s := range ss {
				runOnce(t, s)
			}
		}

		both() // registers the rows; nothing is due yet
		both()
		if ticks.Load() != 0 || digests.Load() != 0 {
			t.Fatalf("ran before due: ticks %d digests %d", ticks.Load(), digests.Load())
		}
		if got, want := schedule(t, d, "tick").NextRunAt, shanghai(2026, 3, 2, 10, 1, 0); !got.Equal(want) {
			t.Fatalf("tick next %v, want %v", got, want)
		}
		if got, want := schedule(t, d, "digest").NextRunAt, shanghai(2026, 3, 3, 2, 30, 0); !got.Equal(want) {
			t.Fatalf("digest next %v, want %v", got, want)
		}

		clock.Set(shanghai(2026, 3, 2, 10, 1, 0))
		both()
		both()
		if ticks.Load() != 1 {
			t.Fatalf("ticks %d after one period, want 1", ticks.Load())
		}
		sc := schedule(t, d, "tick")
		if sc.LastStatus != jobs.StatusDone || !sc.LastRunAt.Equal(clock.Now()) || sc.RunningBy != "" ||
			!sc.RunningUntil.IsZero() || !sc.NextRunAt.Equal(shanghai(2026, 3, 2, 10, 2, 0)) {
			t.Fatalf("after run: %+v", sc)
		}

		// Ten missed periods run once, and the next one is computed from now.
		clock.Set(shanghai(2026, 3, 2, 10, 11, 30))
		both()
		if ticks.Load() != 2 {
			t.Fatalf("ticks %d after missed periods, want 2", ticks.Load())
		}
		if got := schedule(t, d, "tick").NextRunAt; !got.Equal(shanghai(2026, 3, 2, 10, 12, 0)) {
			t.Fatalf("tick next %v", got)
		}

		// The hourly job failed at 11:00; the failure is recorded.
		clock.Set(shanghai(2026, 3, 2, 11, 0, 0))
		both()
		if sc := schedule(t, d, "broken"); sc.LastStatus != jobs.StatusFailed || sc.LastError != "smtp down" || sc.RunningBy != "" {
			t.Fatalf("failed run: %+v", sc)
		}

		clock.Set(shanghai(2026, 3, 3, 2, 30, 0))
		both()
		both()
		if digests.Load() != 1 || ticks.Load() != 4 {
			t.Fatalf("digests %d ticks %d, want 1 and 4", digests.Load(), ticks.Load())
		}
		if got := schedule(t, d, "digest").NextRunAt; !got.Equal(shanghai(2026, 3, 4, 2, 30, 0)) {
			t.Fatalf("digest next %v", got)
		}
		var st jobs.Stats
		for _, s := range ss {
			x := s.Stats()
			st.Started += x.Started
			st.Succeeded += x.Succeeded
			st.Failed += x.Failed
		}
		// tick ×4, digest ×1, broken ×2 (11:00 and, overdue, 02:30).
		if st.Started != 7 || st.Succeeded != 5 || st.Failed != 2 {
			t.Fatalf("stats %+v", st)
		}
	})
}

func TestScheduleShortenedInCode(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clock := newClock(shanghai(2026, 3, 2, 10, 0, 30))
		daily := newScheduler(d, clock, jobs.Options{})
		daily.Every("sweep", 24*time.Hour, func(context.Context) error { return nil })
		runOnce(t, daily)
		if got := schedule(t, d, "sweep").NextRunAt; !got.Equal(shanghai(2026, 3, 3, 8, 0, 0)) {
			t.Fatalf("daily next %v (UTC midnight)", got)
		}
		// A new release runs the sweep every minute: the far-off next run is
		// brought in rather than waited out.
		var n atomic.Int64
		minutely := newScheduler(d, clock, jobs.Options{})
		minutely.Every("sweep", time.Minute, func(context.Context) error { n.Add(1); return nil })
		runOnce(t, minutely)
		if got := schedule(t, d, "sweep").NextRunAt; !got.Equal(shanghai(2026, 3, 2, 10, 1, 0)) {
			t.Fatalf("next after shortening %v", got)
		}
		clock.Add(30 * time.Second)
		runOnce(t, minutely)
		if n.Load() != 1 {
			t.Fatalf("runs %d", n.Load())
		}
	})
}

func TestPeriodicLeaseExpiryRerunsDeadRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clock := newClock(shanghai(2026, 3, 2, 10, 0, 0))
		started, release := make(chan struct{}), make(chan struct{})
		// s1 stands for an instance that hangs (or was killed) mid-run: its
		// lease is never renewed on the fake clock.
		s1 := newScheduler(d, clock, jobs.Options{InstanceID: "dead"})
		s1.Every("report", time.Hour, func(context.Context) error {
			close(started)
			<-release
			return errors.New("late failure that must not be recorded")
		})
		var runs2 atomic.Int64
		s2 := newScheduler(d, clock, jobs.Options{InstanceID: "alive"})
		s2.Every("report", time.Hour, func(context.Context) error { runs2.Add(1); return nil })

		runOnce(t, s1) // registers
		clock.Set(shanghai(2026, 3, 2, 11, 0, 0))
		done1 := make(chan error)
		go func() { done1 <- s1.RunOnce(context.Background()) }()
		<-started

		runOnce(t, s2) // lease still live: nothing to do
		if runs2.Load() != 0 {
			t.Fatal("ran under a live lease")
		}
		clock.Add(jobs.DefaultLeaseDuration + time.Second)
		runOnce(t, s2)
		if runs2.Load() != 1 {
			t.Fatalf("dead run not taken over: %d runs", runs2.Load())
		}
		if s2.Stats().Reclaimed != 1 {
			t.Fatalf("stats %+v", s2.Stats())
		}
		close(release)
		if err := <-done1; err != nil {
			t.Fatal(err)
		}
		sc := schedule(t, d, "report")
		if sc.LastStatus != jobs.StatusDone || sc.RunningBy != "" || !sc.NextRunAt.Equal(shanghai(2026, 3, 2, 12, 0, 0)) {
			t.Fatalf("the dead instance's late result overwrote the rerun: %+v", sc)
		}
		runOnce(t, s2)
		if runs2.Load() != 1 {
			t.Fatalf("ran again: %d", runs2.Load())
		}
	})
}

func TestPeriodicPanicIsRecorded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clock := newClock(shanghai(2026, 3, 2, 10, 0, 30))
		s := newScheduler(d, clock, jobs.Options{})
		s.Every("oops", time.Minute, func(context.Context) error { panic("nil map") })
		runOnce(t, s)
		clock.Add(time.Minute)
		runOnce(t, s)
		sc := schedule(t, d, "oops")
		if sc.LastStatus != jobs.StatusFailed || sc.LastError != "panic: nil map" || sc.RunningBy != "" {
			t.Fatalf("after panic: %+v", sc)
		}
		if st := s.Stats(); st.Panicked != 1 || st.Failed != 1 || st.Running != 0 {
			t.Fatalf("stats %+v", st)
		}
	})
}

// TestPeriodicLeaseRenewal runs a job that takes longer than its lease on
// two instances with the real clock: the running instance renews the lease,
// so the other never starts a second copy.
func TestPeriodicLeaseRenewal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var running, overlap, runs atomic.Int64
		ctx, cancel := context.WithCancel(context.Background())
		errs := make(chan error, 2)
		for i := range 2 {
			s := newScheduler(d, nil, jobs.Options{
				InstanceID:   []string{"a", "b"}[i],
				PollInterval: 5 * time.Millisecond,
				// A renewal every third of a second; the lease ends only
				// if two in a row are late by more than that, which a
				// loaded CI machine did with 250 ms (83 ms renewals).
				LeaseDuration: time.Second,
			})
			s.Every("slow", 100*time.Millisecond, func(context.Context) error {
				if running.Add(1) > 1 {
					overlap.Add(1)
				}
				defer running.Add(-1)
				runs.Add(1)
				time.Sleep(1500 * time.Millisecond) // longer than the lease
				return nil
			})
			go func() { errs <- s.Run(ctx) }()
		}
		waitFor(t, 15*time.Second, "two runs", func() bool { return runs.Load() >= 2 })
		cancel()
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if overlap.Load() != 0 {
			t.Fatalf("%d runs overlapped another", overlap.Load())
		}
	})
}

func TestRegistrationMistakesPanic(t *testing.T) {
	s := newScheduler(dbtest.SQLite(t), nil, jobs.Options{})
	s.Every("x", time.Minute, func(context.Context) error { return nil })
	s.Handle("k", func(context.Context, []byte) error { return nil })
	for name, f := range map[string]func(){
		"duplicate name":    func() { s.Daily("x", 1, 0, func(context.Context) error { return nil }) },
		"zero interval":     func() { s.Every("y", 0, func(context.Context) error { return nil }) },
		"bad time":          func() { s.Daily("z", 24, 0, func(context.Context) error { return nil }) },
		"duplicate handler": func() { s.Handle("k", func(context.Context, []byte) error { return nil }) },
		"empty kind":        func() { s.Handle("", func(context.Context, []byte) error { return nil }) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestPruneScheduleIsBuiltIn(t *testing.T) {
	d := dbtest.SQLite(t)
	clock := newClock(shanghai(2026, 3, 2, 4, 20, 0))
	s := jobs.New(d, testLogger(), jobs.Options{Now: clock.Now, KeepFinished: 24 * time.Hour})
	s.Handle("k", func(context.Context, []byte) error { return nil })
	old := enqueue(t, d, "k", nil, clock.Now())
	runOnce(t, s) // runs the job; registers jobs.prune for tomorrow 04:10
	clock.Set(shanghai(2026, 3, 3, 4, 10, 0))
	runOnce(t, s) // prunes what finished before 2026-03-02 04:10
	if n := countJobs(t, d, "id = $1", old); n != 1 {
		t.Fatal("job pruned too early")
	}
	fresh := enqueue(t, d, "k", nil, clock.Now())
	runOnce(t, s)
	clock.Set(shanghai(2026, 3, 4, 4, 10, 0))
	runOnce(t, s) // prunes what finished before 2026-03-03 04:10
	if n := countJobs(t, d, "id = $1", old); n != 0 {
		t.Fatal("old finished job not pruned")
	}
	if n := countJobs(t, d, "id = $1", fresh); n != 1 {
		t.Fatal("recent job pruned")
	}
	if sc := schedule(t, d, jobs.PruneSchedule); sc.LastStatus != jobs.StatusDone {
		t.Fatalf("prune: %+v", sc)
	}
}
