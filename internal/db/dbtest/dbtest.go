// Package dbtest gives tests a migrated database of their own: a SQLite file
// in a temporary folder, or a fresh schema in the PostgreSQL database named by
// GONGKAI_TEST_DATABASE_URL. Tests that use it may run in parallel.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/gongkai/gongkai/internal/db"
)

// EnvURL names the PostgreSQL server used by the store tests.
const EnvURL = "GONGKAI_TEST_DATABASE_URL"

// EnvRequire, when "1", turns a missing PostgreSQL into a failure instead of
// a skip; .ci/run sets it so that CI can never pass by skipping.
const EnvRequire = "GONGKAI_TEST_REQUIRE_POSTGRES"

// Each runs fn against SQLite and, when configured, PostgreSQL, as parallel
// subtests named "sqlite" and "postgres".
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, SQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, Postgres(t))
	})
}

// SQLite returns a migrated SQLite database in t.TempDir().
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), db.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

// Postgres returns a migrated database in a new schema of its own, dropped
// when the test ends. It skips (or fails, under EnvRequire) without a server.
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	u := PostgresURL(t)
	d, err := db.Open(context.Background(), db.Options{URL: u, MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

// PostgresURL creates an empty schema and returns a connection URL whose
// search_path points at it, for tests that start whole processes.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("%s is not set but %s=1: the PostgreSQL suite is required", EnvURL, EnvRequire)
		}
		t.Skipf("PostgreSQL suite skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test) to run it", EnvURL)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "gktest_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create test schema (is PostgreSQL at %s reachable?): %v", base, err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
