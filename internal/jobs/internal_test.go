package jobs

import (
	"context"
	"log/slog"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

func TestNextTimes(t *testing.T) {
	sh := func(y int, m time.Month, d, hh, mm, ss int) time.Time {
		return time.Date(y, m, d, hh, mm, ss, 0, civil.Shanghai)
	}
	daily := []struct {
		now      time.Time
		hh, mm   int
		want     time.Time
		whatCase string
	}{
		{sh(2026, 3, 2, 1, 0, 0), 2, 30, sh(2026, 3, 2, 2, 30, 0), "later today"},
		{sh(2026, 3, 2, 2, 30, 0), 2, 30, sh(2026, 3, 3, 2, 30, 0), "exactly now: tomorrow"},
		{sh(2026, 3, 2, 23, 59, 59), 0, 0, sh(2026, 3, 3, 0, 0, 0), "midnight"},
		{sh(2026, 12, 31, 9, 0, 0), 8, 0, sh(2027, 1, 1, 8, 0, 0), "year end"},
		// 2026-03-02 20:00 UTC is already 03-03 04:00 in Shanghai.
		{time.Date(2026, 3, 2, 20, 0, 0, 0, time.UTC), 4, 10, sh(2026, 3, 3, 4, 10, 0), "UTC evening"},
	}
	for _, c := range daily {
		if got := nextDaily(c.now.UTC(), c.hh, c.mm); !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("%s: nextDaily(%v, %02d:%02d) = %v, want %v", c.whatCase, c.now, c.hh, c.mm, got, c.want)
		}
	}

	s := &Scheduler{}
	s.Every("e", 5*time.Minute, func(context.Context) error { return nil })
	next := s.schedules[0].next
	for now, want := range map[time.Time]time.Time{
		sh(2026, 3, 2, 10, 0, 0):  sh(2026, 3, 2, 10, 5, 0),
		sh(2026, 3, 2, 10, 4, 59): sh(2026, 3, 2, 10, 5, 0),
		sh(2026, 3, 2, 23, 58, 0): sh(2026, 3, 3, 0, 0, 0),
	} {
		if got := next(now.UTC()); !got.Equal(want) {
			t.Errorf("every 5m after %v = %v, want %v", now, got, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	s := &Scheduler{opts: Options{RetryBackoff: 10 * time.Second, MaxRetryBackoff: time.Hour}}
	for attempt, want := range map[int]time.Duration{1: 10 * time.Second, 2: 20 * time.Second, 3: 40 * time.Second, 9: 2560 * time.Second, 10: time.Hour, 1000: time.Hour} {
		if got := s.backoff(attempt); got != want {
			t.Errorf("backoff(%d) = %v, want %v", attempt, got, want)
		}
	}
}

// TestStaleClaimLoses gives two instances the same snapshot of a due
// schedule, as when both read it before either claims: only the first
// compare-and-swap wins.
func TestStaleClaimLoses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 1, 0, 30, 0, time.UTC)
		clock := func() time.Time { return now }
		var ss []*Scheduler
		for range 2 {
			s := New(d, slog.New(slog.DiscardHandler), Options{Now: clock, KeepFinished: -1})
			s.Every("x", time.Minute, func(context.Context) error { return nil })
			ss = append(ss, s)
		}
		if err := ss[0].RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Minute)
		rows, err := ss[0].readSchedules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c1, _, err1 := ss[0].claimSchedule(ctx, ss[0].schedules[0], rows, now)
		c2, _, err2 := ss[1].claimSchedule(ctx, ss[1].schedules[0], rows, now)
		if err1 != nil || err2 != nil || c1 == "" || c2 != "" {
			t.Fatalf("claims %q (%v) and %q (%v): want exactly the first", c1, err1, c2, err2)
		}
	})
}

func TestErrorText(t *testing.T) {
	long := make([]rune, maxErrorLen)
	for i := range long {
		long[i] = '错'
	}
	got := errorText(errString(string(long)))
	if len(got) > maxErrorLen+len("…") || !utf8.ValidString(got) {
		t.Fatalf("errorText cut badly: %d bytes", len(got))
	}
}

type errString string

func (e errString) Error() string { return string(e) }
