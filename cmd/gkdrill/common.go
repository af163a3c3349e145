package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// options are the flags both drills share.
type options struct {
	gongkai   string
	dbKind    string
	pgURL     string
	work      string
	agency    string
	rate      float64
	clients   int
	trials    int
	report    string
	journal   string
	keep      bool
	pgAmcheck string
	seed      uint64
}

func (o *options) bind(fs *flag.FlagSet, trials int) {
	fs.StringVar(&o.gongkai, "gongkai", "", "the gongkai binary to drill (required)")
	fs.StringVar(&o.dbKind, "db", "sqlite", "sqlite or postgres")
	fs.StringVar(&o.pgURL, "pg-url", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		"PostgreSQL URL of a role that may CREATE DATABASE (a fresh database is created for the drill and dropped after)")
	fs.StringVar(&o.work, "work", "", "working folder (default: a new temporary folder, removed after a passing run)")
	fs.StringVar(&o.agency, "agency", "mzzj", "agency whose public forms are used (demo data)")
	fs.Float64Var(&o.rate, "rate", 200, "target submissions per second")
	fs.IntVar(&o.clients, "clients", 48, "concurrent simulated clients")
	fs.IntVar(&o.trials, "trials", trials, "number of trials")
	fs.StringVar(&o.report, "report", "", "write the results as JSON to this file")
	fs.StringVar(&o.journal, "journal", "", "write every submission and its outcome as JSON Lines to this file")
	fs.BoolVar(&o.keep, "keep", false, "keep the working folder and the drill databases")
	fs.StringVar(&o.pgAmcheck, "pg-amcheck", "", "pg_amcheck binary (default: PATH, then /usr/lib/postgresql/*/bin)")
	fs.Uint64Var(&o.seed, "seed", 0, "seed of the random kill moments (0: from the clock)")
}

func (o *options) check() error {
	if o.gongkai == "" {
		return errors.New("--gongkai is required (build it with: go build -o /tmp/gongkai ./cmd/gongkai)")
	}
	if _, err := os.Stat(o.gongkai); err != nil {
		return err
	}
	if o.dbKind != "sqlite" && o.dbKind != "postgres" {
		return fmt.Errorf("--db must be sqlite or postgres, not %q", o.dbKind)
	}
	if o.rate <= 0 || o.clients <= 0 || o.trials <= 0 {
		return errors.New("--rate, --clients and --trials must be positive")
	}
	if o.seed == 0 {
		o.seed = uint64(time.Now().UnixNano())
	}
	if o.dbKind == "postgres" && o.pgAmcheck == "" {
		o.pgAmcheck = findAmcheck()
	}
	return nil
}

// workDir creates the working folder; clean removes it (unless kept).
func (o *options) workDir(prefix string) (dir string, clean func(ok bool), err error) {
	if o.work != "" {
		if err := os.MkdirAll(o.work, 0o750); err != nil {
			return "", nil, err
		}
		return o.work, func(bool) {}, nil
	}
	dir, err = os.MkdirTemp("", prefix)
	if err != nil {
		return "", nil, err
	}
	return dir, func(ok bool) {
		if ok && !o.keep {
			os.RemoveAll(dir)
		} else {
			fmt.Printf("working folder kept: %s\n", dir)
		}
	}, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// machine describes where the drill ran.
func machine() map[string]any {
	host, _ := os.Hostname()
	load, _ := os.ReadFile("/proc/loadavg") // at the end of the drill: other work on the machine skews the rates
	return map[string]any{"host": host, "cpus": runtime.NumCPU(), "goos": runtime.GOOS, "goarch": runtime.GOARCH,
		"go": runtime.Version(), "date": time.Now().Format(time.RFC3339), "loadavg": strings.TrimSpace(string(load))}
}

func writeJSON(path string, v any) error {
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func writeJournal(path string, recs []*Record) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, r := range recs {
		enc.Encode(r)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// setupDB returns the database URL for an installation: empty for SQLite,
// a fresh database for PostgreSQL (and the function that drops it).
func (o *options) setupDB(ctx context.Context, purpose string) (string, func(), error) {
	if o.dbKind == "sqlite" {
		return "", func() {}, nil
	}
	admin := pgAdmin{url: o.pgURL}
	u, err := admin.create(ctx, purpose)
	if err != nil {
		return "", nil, err
	}
	return u, func() {
		if o.keep {
			fmt.Printf("database kept: %s\n", u)
			return
		}
		c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := admin.drop(c, u); err != nil {
			fmt.Fprintf(os.Stderr, "drop %s: %v\n", dbName(u), err)
		}
	}, nil
}

// startDemo starts a fresh installation with the demo data, discovers the
// forms and prepares a driver.
func startDemo(ctx context.Context, o *options, srv *server) (*Driver, error) {
	t0 := time.Now()
	if err := srv.Start(); err != nil {
		return nil, err
	}
	if err := srv.WaitReady(ctx, 5*time.Minute); err != nil {
		return nil, err
	}
	fmt.Printf("gongkai serve --demo ready in %s at %s\n", time.Since(t0).Round(time.Millisecond), srv.base())
	c := &http.Client{Timeout: 10 * time.Second}
	t, err := discover(ctx, c, srv.base(), o.agency)
	if err != nil {
		return nil, err
	}
	fmt.Printf("forms: mailbox of %s (leader %s), consultation %d (%d clauses), open days %v\n",
		t.Agency, t.Leader, t.Consultation, t.Clauses, eventIDs(t.Events))
	var run [4]byte
	rand.Read(run[:])
	d := NewDriver(srv.base(), t, o.rate, o.clients, uint32(run[0])<<16|uint32(run[1])<<8|uint32(run[2]))
	if err := d.Prepare(ctx); err != nil {
		return nil, fmt.Errorf("fetch form tokens: %w", err)
	}
	return d, nil
}

func eventIDs(es []Event) []int64 {
	var ids []int64
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	return ids
}

// rejectionProblems lists rejected submissions: under this configuration
// a well-formed submission from a fresh address is never refused, so any
// rejection (a limit that tripped, a form error, a server error) fails the
// drill.
func rejectionProblems(t Tally) []string {
	var out []string
	for k, n := range t.Rejections {
		out = append(out, fmt.Sprintf("%d× rejected: %s", n, k))
	}
	return out
}

func short(list []string, n int) string {
	if len(list) <= n {
		return strings.Join(list, "\n    ")
	}
	return strings.Join(list[:n], "\n    ") + fmt.Sprintf("\n    … and %d more", len(list)-n)
}

// spoolFiles counts upload spool files left in the server's TMPDIR.
func spoolFiles(dir string) int {
	m, _ := filepath.Glob(filepath.Join(dir, "gongkai-upload-*"))
	return len(m)
}
