package db_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

func TestMigrationNamesMatchAcrossDialects(t *testing.T) {
	s, err := db.Migrations(db.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.Migrations(db.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != len(p) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(s), len(p))
	}
	for i := range s {
		if s[i].Version != p[i].Version || s[i].Name != p[i].Name {
			t.Errorf("migration %d: sqlite %04d_%s, postgres %04d_%s", i, s[i].Version, s[i].Name, p[i].Version, p[i].Name)
		}
	}
}

func TestStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// Migrating again is a no-op.
		again, err := d.Migrate(ctx)
		if err != nil || len(again) != 0 {
			t.Fatalf("second migrate: %v %v", again, err)
		}
		v, err := d.Version(ctx)
		if err != nil {
			t.Fatal(err)
		}
		all, _ := db.Migrations(d.Dialect)
		if v != len(all) {
			t.Fatalf("version %d, want %d", v, len(all))
		}

		// $n placeholders, RETURNING, timestamps and dates round-trip alike.
		now := db.Now()
		var id int64
		err = d.Tx(ctx, func(tx db.Tx) error {
			return tx.QueryRowContext(ctx, `INSERT INTO agencies (slug, kind, name, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $4) RETURNING id`, "a1", "bureau", "测试局", now).Scan(&id)
		})
		if err != nil {
			t.Fatal(err)
		}
		var got time.Time
		var name string
		if err := d.R.QueryRowContext(ctx, "SELECT created_at, name FROM agencies WHERE id = $1", id).Scan(&got, &name); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(now) || name != "测试局" {
			t.Fatalf("round trip: %v %q, want %v", got, name, now)
		}

		err = d.Tx(ctx, func(tx db.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO calendar_years (year, updated_at) VALUES (2025, $1)", now)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, "INSERT INTO calendar_days (day, year, kind, name) VALUES ($1, 2025, 'off', '元旦')", civil.MustParse("2025-01-01"))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var day civil.Date
		if err := d.R.QueryRowContext(ctx, "SELECT day FROM calendar_days WHERE day = $1", civil.MustParse("2025-01-01")).Scan(&day); err != nil {
			t.Fatal(err)
		}
		if day.String() != "2025-01-01" {
			t.Fatalf("date round trip: %v", day)
		}

		// Unique violations are recognised; a failed transaction leaves nothing.
		err = d.Tx(ctx, func(tx db.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO divisions (agency_id, name, created_at) VALUES ($1, '办公室', $2)`, id, now); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO agencies (slug, kind, name, created_at, updated_at) VALUES ('a1', 'bureau', 'x', $1, $1)`, now)
			return err
		})
		if !db.IsUniqueViolation(err) {
			t.Fatalf("want unique violation, got %v", err)
		}
		var n int
		d.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM divisions").Scan(&n)
		if n != 0 {
			t.Fatalf("rolled-back insert is visible: %d rows", n)
		}

		// The audit log refuses updates and deletes.
		err = d.Tx(ctx, func(tx db.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO audit_entries (seq, at, actor, action, prev_hash, hash) VALUES (1, $1, 'x', 'y', '', 'h')`, now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"UPDATE audit_entries SET actor = 'z'", "DELETE FROM audit_entries"} {
			err := d.Tx(ctx, func(tx db.Tx) error { _, err := tx.ExecContext(ctx, q); return err })
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: want append-only error, got %v", q, err)
			}
		}
	})
}

func TestNotFoundAndClassify(t *testing.T) {
	d := dbtest.SQLite(t)
	var x int
	err := db.NotFound(d.R.QueryRow("SELECT 1 FROM agencies WHERE id = 42").Scan(&x), "没有这个机构")
	if !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("want NotFound, got %v", err)
	}
	if got := apperr.CodeOf(db.Classify(context.DeadlineExceeded)); got != apperr.Unavailable {
		t.Fatalf("deadline: %v", got)
	}
	if got := apperr.CodeOf(db.Classify(fmt.Errorf("list: %w", driver.ErrBadConn))); got != apperr.Unavailable {
		t.Fatalf("bad connection: %v", got)
	}
	// Down tells an outage from an ordinary miss.
	if db.Down(nil) != nil || db.Down(sql.ErrNoRows) != nil || db.Down(err) != nil || db.Down(errors.New("a bug")) != nil {
		t.Fatal("Down reported an outage for a miss or an ordinary error")
	}
	for _, e := range []error{driver.ErrBadConn, sql.ErrConnDone, errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")} {
		if !apperr.Is(db.Down(fmt.Errorf("get: %w", e)), apperr.Unavailable) {
			t.Errorf("Down(%v) = nil, want Unavailable", e)
		}
	}
}

func TestPostgresUnreachableIsAnError(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := db.Open(ctx, db.Options{URL: "postgres://nobody@127.0.0.1:1/none?connect_timeout=1"})
	if err == nil {
		t.Fatal("opened an unreachable database")
	}
}

// TestOptimize: the statistics refresh runs on both databases, and on
// SQLite it gives the planner statistics for a table that has rows.
func TestOptimize(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for i := range 50 {
			if _, err := d.W.ExecContext(ctx, "INSERT INTO platform_settings (key, value) VALUES ($1, $2)",
				fmt.Sprintf("optimize-test-%d", i), "x"); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.Optimize(ctx); err != nil {
			t.Fatal(err)
		}
		if d.Dialect == db.SQLite {
			var n int
			if err := d.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'platform_settings'").Scan(&n); err != nil || n == 0 {
				t.Errorf("no statistics for platform_settings: %d %v", n, err)
			}
		}
	})
}
