// Package ratelimit counts attempts in fixed time windows stored in the
// database, so that a limit holds across every instance behind the proxy
// (failed logins per IP, public form submissions per IP or identity).
package ratelimit

import (
	"context"
	"net/netip"
	"time"

	"github.com/gongkai/gongkai/internal/db"
)

// Client is the part of a rate-limit key that names a client address. An
// IPv6 client is keyed by its /64, the smallest network one subscriber
// usually gets, so that rotating addresses within it does not escape a
// limit; an IPv4 address (also one mapped into IPv6) is kept whole.
func Client(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is6() {
		if p, err := addr.WithZone("").Prefix(64); err == nil {
			return p.String()
		}
	}
	return addr.String()
}

// Limiter counts hits per key.
type Limiter struct {
	db  *db.DB
	now func() time.Time
}

// New returns a limiter on d. now may be nil (time.Now).
func New(d *db.DB, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{db: d, now: now}
}

// Rule is a limit: at most Max hits per Window.
type Rule struct {
	Max    int
	Window time.Duration
}

func (l *Limiter) window(r Rule) (start time.Time, reset time.Time) {
	now := l.now().UTC()
	start = now.Truncate(r.Window)
	return start, start.Add(r.Window)
}

// Hit counts one attempt for key and reports whether it is within the rule;
// when it is not, retryAfter says how long until the window resets.
func (l *Limiter) Hit(ctx context.Context, key string, r Rule) (ok bool, retryAfter time.Duration, err error) {
	start, reset := l.window(r)
	var n int
	err = l.db.Tx(ctx, func(tx db.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO rate_counters (key, window_start, count) VALUES ($1, $2, 1)
			ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + 1
			RETURNING count`, key, start).Scan(&n)
	})
	if err != nil {
		return false, 0, err
	}
	if n > r.Max {
		return false, reset.Sub(l.now().UTC()), nil
	}
	return true, 0, nil
}

// Release gives back one hit of the current window (an attempt that turned
// out not to count, such as a correct password).
func (l *Limiter) Release(ctx context.Context, key string, r Rule) error {
	start, _ := l.window(r)
	return l.db.Tx(ctx, func(tx db.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE rate_counters SET count = count - 1 WHERE key = $1 AND window_start = $2 AND count > 0", key, start)
		return err
	})
}

// Exceeded reports whether key has already used up the rule in the current
// window, without counting a hit.
func (l *Limiter) Exceeded(ctx context.Context, key string, r Rule) (bool, time.Duration, error) {
	start, reset := l.window(r)
	var n int
	err := l.db.R.QueryRowContext(ctx, "SELECT COALESCE(SUM(count), 0) FROM rate_counters WHERE key = $1 AND window_start = $2", key, start).Scan(&n)
	if err != nil {
		return false, 0, db.Classify(err)
	}
	if n >= r.Max {
		return true, reset.Sub(l.now().UTC()), nil
	}
	return false, 0, nil
}

// Reset forgets key's counts (e.g. after a successful login).
func (l *Limiter) Reset(ctx context.Context, key string) error {
	return l.db.Tx(ctx, func(tx db.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM rate_counters WHERE key = $1", key)
		return err
	})
}

// Cleanup removes windows that started before cutoff; run it periodically.
func (l *Limiter) Cleanup(ctx context.Context, olderThan time.Duration) (int64, error) {
	var n int64
	err := l.db.Tx(ctx, func(tx db.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM rate_counters WHERE window_start < $1", l.now().UTC().Add(-olderThan))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
