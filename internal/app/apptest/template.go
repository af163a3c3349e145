package apptest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/app"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

// Loading the demo dataset takes seconds (on PostgreSQL several), and
// nearly every test of internal/app starts from it, twice. So each test
// binary loads it once per dialect into a template — a data folder, and
// for PostgreSQL a database — and every Env starts from a copy: the
// folder copied file by file, the database made with CREATE DATABASE …
// TEMPLATE. The copy is opened by app.New as `gongkai serve` opens an
// existing installation, so the tests also exercise a restart on a
// populated database. The Env's clock starts at the moment the template
// was loaded, as if the demo had just been loaded.
//
// Call Cleanup from TestMain to remove the templates.

type template struct {
	once    sync.Once
	err     error
	dataDir string
	secret  string
	started time.Time
	// PostgreSQL: the server's base URL and the template database.
	baseURL, dbName string
}

var (
	templatesMu sync.Mutex
	templates   = map[db.Dialect]*template{}
)

func templateFor(d db.Dialect) *template {
	templatesMu.Lock()
	defer templatesMu.Unlock()
	t := templates[d]
	if t == nil {
		t = &template{}
		templates[d] = t
	}
	return t
}

func randomName(prefix string) string {
	var b [6]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// pgURL is base with its database replaced by name.
func pgURL(base, name string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// postgresBase returns the PostgreSQL server of the suite, skipping (or,
// when required, failing) the test without one, as dbtest does.
func postgresBase(t testing.TB) string {
	t.Helper()
	base := os.Getenv(dbtest.EnvURL)
	if base == "" {
		if os.Getenv(dbtest.EnvRequire) == "1" {
			t.Fatalf("%s is not set but %s=1: the PostgreSQL suite is required", dbtest.EnvURL, dbtest.EnvRequire)
		}
		t.Skipf("PostgreSQL suite skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test) to run it", dbtest.EnvURL)
	}
	return base
}

func adminExec(base, stmt string) error {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return err
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var last error
	for range 20 {
		if _, last = admin.ExecContext(ctx, stmt); last == nil {
			return nil
		}
		// Two copies of one template at the same moment may be refused
		// ("source database … is being accessed by other users").
		if !strings.Contains(last.Error(), "being accessed by other users") {
			return last
		}
		time.Sleep(100 * time.Millisecond)
	}
	return last
}

// load makes the template of a dialect: the demo loaded into a fresh
// installation, which is then closed.
func (tp *template) load(d db.Dialect, base string) error {
	dir, err := os.MkdirTemp("", "gongkai-apptest-"+string(d)+"-")
	if err != nil {
		return err
	}
	tp.dataDir, tp.secret, tp.started = dir, auth.NewSecretKey(), time.Now().UTC().Truncate(time.Second)
	env := map[string]string{"GONGKAI_DATA": dir, "GONGKAI_SECRET_KEY": tp.secret, "GONGKAI_LOG_LEVEL": "error", "GONGKAI_BASE_URL": "http://gongkai.test"}
	if d == db.Postgres {
		tp.baseURL, tp.dbName = base, randomName("gktpl_")
		if err := adminExec(base, "CREATE DATABASE "+tp.dbName); err != nil {
			return fmt.Errorf("create the template database (is PostgreSQL at %s reachable?): %w", base, err)
		}
		if env["GONGKAI_DATABASE_URL"], err = pgURL(base, tp.dbName); err != nil {
			return err
		}
	}
	cfg, err := configOf(env)
	if err != nil {
		return err
	}
	clock := &Clock{t: tp.started}
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{Now: clock.Now})
	if err != nil {
		return err
	}
	if _, _, err := a.LoadDemo(context.Background()); err != nil {
		a.Close()
		return err
	}
	return a.Close()
}

// instance copies the template for one test: the data folder (and the
// database), returning the settings that open it.
func instance(t testing.TB, d db.Dialect) (env map[string]string, started time.Time) {
	t.Helper()
	var base string
	if d == db.Postgres {
		base = postgresBase(t)
	}
	tp := templateFor(d)
	tp.once.Do(func() { tp.err = tp.load(d, base) })
	if tp.err != nil {
		t.Fatalf("the demo template (%s): %v", d, tp.err)
	}
	dir := t.TempDir()
	if err := copyTree(tp.dataDir, dir); err != nil {
		t.Fatal(err)
	}
	env = map[string]string{"GONGKAI_DATA": dir, "GONGKAI_SECRET_KEY": tp.secret, "GONGKAI_LOG_LEVEL": "error", "GONGKAI_BASE_URL": "http://gongkai.test"}
	if d == db.Postgres {
		name := randomName("gktest_")
		if err := adminExec(tp.baseURL, "CREATE DATABASE "+name+" TEMPLATE "+tp.dbName); err != nil {
			t.Fatalf("copy the template database: %v", err)
		}
		t.Cleanup(func() { adminExec(tp.baseURL, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
		u, err := pgURL(tp.baseURL, name)
		if err != nil {
			t.Fatal(err)
		}
		env["GONGKAI_DATABASE_URL"] = u
	}
	return env, tp.started
}

// copyTree copies the regular files and folders under src into dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if de.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		if !de.Type().IsRegular() {
			return nil
		}
		in, err := os.Open(p) // #nosec G122 G304 -- test support: copies a template folder this package made
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600) // #nosec G304 -- test support: into a new temporary folder
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

// Cleanup removes the templates; call it from TestMain after m.Run.
func Cleanup() {
	templatesMu.Lock()
	defer templatesMu.Unlock()
	for _, tp := range templates {
		if tp.dataDir != "" {
			os.RemoveAll(tp.dataDir)
		}
		if tp.dbName != "" {
			adminExec(tp.baseURL, "DROP DATABASE IF EXISTS "+tp.dbName+" WITH (FORCE)")
		}
	}
}
