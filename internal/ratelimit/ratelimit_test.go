package ratelimit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/ratelimit"
)

func TestHit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 10, 0, 1, 0, time.UTC)
		l := ratelimit.New(d, func() time.Time { return now })
		rule := ratelimit.Rule{Max: 3, Window: time.Minute}
		for i := 1; i <= 3; i++ {
			ok, _, err := l.Hit(ctx, "ip:1.2.3.4", rule)
			if err != nil || !ok {
				t.Fatalf("hit %d: %v %v", i, ok, err)
			}
		}
		ok, retry, err := l.Hit(ctx, "ip:1.2.3.4", rule)
		if err != nil || ok || retry != 59*time.Second {
			t.Fatalf("4th hit: %v %v %v", ok, retry, err)
		}
		if ex, _, _ := l.Exceeded(ctx, "ip:1.2.3.4", rule); !ex {
			t.Fatal("Exceeded false after limit")
		}
		if ok, _, _ := l.Hit(ctx, "ip:5.6.7.8", rule); !ok {
			t.Fatal("other key limited")
		}
		now = now.Add(time.Minute)
		if ok, _, _ := l.Hit(ctx, "ip:1.2.3.4", rule); !ok {
			t.Fatal("new window still limited")
		}
		if err := l.Reset(ctx, "ip:1.2.3.4"); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Hour)
		if n, err := l.Cleanup(ctx, 30*time.Minute); err != nil || n != 1 {
			t.Fatalf("cleanup %d %v", n, err)
		}
	})
}

func TestConcurrentHitsAreCountedExactly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fixed := time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)
		l := ratelimit.New(d, func() time.Time { return fixed })
		rule := ratelimit.Rule{Max: 10, Window: time.Hour}
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, _, err := l.Hit(ctx, "k", rule)
				if err != nil {
					t.Error(err)
				}
				if ok {
					allowed.Add(1)
				}
			}()
		}
		wg.Wait()
		if allowed.Load() != 10 {
			t.Fatalf("allowed %d of 30, want 10", allowed.Load())
		}
	})
}

func TestClient(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"203.0.113.7", "203.0.113.7"},
		{"::ffff:203.0.113.7", "203.0.113.7"},
		{"2001:db8:1:2::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"},
		{"2001:DB8:1:3::1", "2001:db8:1:3::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"::1", "::/64"},
		{"", ""},
		{"not-an-address", "not-an-address"},
	} {
		if got := ratelimit.Client(c.in); got != c.want {
			t.Errorf("Client(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
