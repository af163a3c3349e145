// Package db opens the embedded SQLite database or PostgreSQL, runs the
// embedded migrations, and offers the transaction helper every store uses.
//
// Stores write plain SQL that both dialects accept: $n placeholders and
// RETURNING work on SQLite (modernc.org/sqlite) and PostgreSQL (pgx). Where
// the dialects differ, a store asks DB.Dialect.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/gongkai/gongkai/internal/apperr"
)

// Dialect names the database engine.
type Dialect string

// The two supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Querier is what *sql.DB and *sql.Tx have in common; stores take it so that
// the same query runs inside or outside a transaction.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB holds the connection pools. On SQLite, W has exactly one connection (the
// single writer) and R is a pool of read-only connections; on PostgreSQL both
// are the same pool.
type DB struct {
	W       *sql.DB
	R       *sql.DB
	Dialect Dialect
	// Path is the SQLite file (empty on PostgreSQL).
	Path string
	// URL is the PostgreSQL connection string (empty on SQLite).
	URL string
}

// Options says which database to open.
type Options struct {
	// URL is a postgres:// URL; empty means the embedded SQLite database.
	URL string
	// DataDir holds gongkai.db when URL is empty.
	DataDir string
	// MaxConns bounds the PostgreSQL pool (default 20).
	MaxConns int
}

// SQLiteFile is the name of the database file inside the data folder.
const SQLiteFile = "gongkai.db"

// Open opens the database described by opts and checks it answers. It does
// not migrate; call Migrate.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if opts.URL != "" {
		return openPostgres(ctx, opts)
	}
	if opts.DataDir == "" {
		return nil, errors.New("db: no data folder and no database URL")
	}
	if err := os.MkdirAll(opts.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("db: create data folder: %w", err)
	}
	return OpenSQLite(ctx, filepath.Join(opts.DataDir, SQLiteFile))
}

// sqliteDSN sets busy_timeout first (so the other pragmas wait rather than
// fail), then WAL, full sync and foreign keys, on every new connection.
func sqliteDSN(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	}
	q.Set("_time_format", "sqlite")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// OpenSQLite opens the SQLite file at path.
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	w, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open sqlite readers: %w", err)
	}
	n := max(4, runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &DB{W: w, R: r, Dialect: SQLite, Path: path}, nil
}

func openPostgres(ctx context.Context, opts Options) (*DB, error) {
	p, err := sql.Open("pgx", withConnectTimeout(opts.URL))
	if err != nil {
		return nil, fmt.Errorf("db: open postgres: %w", err)
	}
	n := opts.MaxConns
	if n <= 0 {
		n = 20
	}
	p.SetMaxOpenConns(n)
	p.SetMaxIdleConns(n)
	p.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := p.PingContext(pingCtx); err != nil {
		p.Close()
		return nil, fmt.Errorf("db: connect to postgres: %w", err)
	}
	return &DB{W: p, R: p, Dialect: Postgres, URL: opts.URL}, nil
}

// withConnectTimeout adds connect_timeout=5 to a PostgreSQL URL or keyword
// string that sets none, so that while the server is unreachable a request
// waits at most that long for a connection and then fails with 503 rather
// than hanging on the operating system's TCP timeout.
func withConnectTimeout(dsn string) string {
	if strings.Contains(dsn, "connect_timeout") {
		return dsn
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return dsn
		}
		q := u.Query()
		q.Set("connect_timeout", "5")
		u.RawQuery = q.Encode()
		return u.String()
	}
	return strings.TrimSpace(dsn) + " connect_timeout=5"
}

// Close closes both pools.
func (d *DB) Close() error {
	err := d.W.Close()
	if d.R != d.W {
		err = errors.Join(err, d.R.Close())
	}
	return err
}

// Ping checks that the database answers a query.
func (d *DB) Ping(ctx context.Context) error {
	var one int
	if err := d.R.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return err
	}
	return nil
}

// Tx is a write transaction that knows its dialect.
type Tx struct {
	*sql.Tx
	Dialect Dialect
}

// Tx runs fn in a write transaction, committing if fn returns nil and rolling
// back otherwise. Errors from the database itself are classified so that a
// lost connection becomes apperr.Unavailable.
func (d *DB) Tx(ctx context.Context, fn func(tx Tx) error) (err error) {
	stx, err := d.W.BeginTx(ctx, nil)
	if err != nil {
		return Classify(fmt.Errorf("db: begin: %w", err))
	}
	tx := stx
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(Tx{Tx: stx, Dialect: d.Dialect}); err != nil {
		tx.Rollback()
		return Classify(err)
	}
	if err := tx.Commit(); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) || d.Dialect == SQLite {
			// The server answered: the transaction was rolled back.
			return Classify(fmt.Errorf("db: commit: %w", err))
		}
		// The connection went away during COMMIT: it may or may not have
		// been applied.
		return Classify(fmt.Errorf("db: commit: %w: %w", ErrCommitUnknown, err))
	}
	return nil
}

// Down returns err classified as apperr.Unavailable when it says the
// database is unreachable, restarting or overloaded, and nil otherwise. A
// lookup that turns "any error" into "not found" checks it first, so that
// an outage is answered with 503 and Retry-After, not a misleading 404.
func Down(err error) error {
	if err == nil {
		return nil
	}
	if c := Classify(err); apperr.Is(c, apperr.Unavailable) {
		return c
	}
	return nil
}

// ErrCommitUnknown marks an error of Tx whose COMMIT was sent but not
// answered (the connection to PostgreSQL broke): the transaction may have
// been applied. The caller must not act as if it was rolled back — above
// all, must not delete the files its rows refer to.
var ErrCommitUnknown = errors.New("commit outcome unknown")

// RolledBack reports whether err, returned by Tx, means that the
// transaction certainly did not commit, so that what was prepared outside
// it (an attachment's file) may be removed. A file kept after an uncertain
// commit that did not apply is an orphan, which the blob sweep removes.
func RolledBack(err error) bool {
	return err != nil && !errors.Is(err, ErrCommitUnknown)
}

// IsUniqueViolation reports whether err is a unique-constraint violation.
func IsUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// IsForeignKeyViolation reports whether err is a foreign-key violation.
func IsForeignKeyViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// Classify maps errors of the database itself to domain codes: a connection
// that is gone or refused becomes Unavailable (the web layer answers 503 with
// Retry-After). Errors that already carry a domain code pass unchanged.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return apperr.Wrap(apperr.Unavailable, "服务暂时繁忙，请稍后再试。", err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception; 57P: operator intervention (shutdown);
		// 53: insufficient resources.
		if strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P") || strings.HasPrefix(pe.Code, "53") {
			return apperr.Wrap(apperr.Unavailable, "数据库暂时不可用，请稍后再试。", err)
		}
		return err
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) || isNetError(err) {
		return apperr.Wrap(apperr.Unavailable, "数据库暂时不可用，请稍后再试。", err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return apperr.Wrap(apperr.Unavailable, "服务暂时繁忙，请稍后再试。", err)
		case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR:
			return apperr.Wrap(apperr.Unavailable, "存储空间不足或磁盘故障，请稍后再试。", err)
		}
	}
	return err
}

func isNetError(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "connection refused") || strings.Contains(msg, "broken pipe") ||
		strings.Contains(msg, "connection reset") || strings.Contains(msg, "unexpected EOF") ||
		strings.Contains(msg, "conn closed")
}

// NotFound turns sql.ErrNoRows into an apperr.NotFound with msg; other errors
// pass through.
func NotFound(err error, msg string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.Wrap(apperr.NotFound, msg, err)
	}
	return err
}

// Now returns the current time as stored: UTC, truncated to microseconds
// (PostgreSQL's precision), so that both engines compare alike.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Optimize refreshes the query planner's statistics: on SQLite, PRAGMA
// optimize, which analyses the tables whose statistics are missing or
// stale (a full pass: a sampled one misjudged how selective a status is;
// under a second at 100,000 items); on PostgreSQL, ANALYZE (which
// autovacuum also runs, but later).
func (d *DB) Optimize(ctx context.Context) error {
	q := "ANALYZE"
	if d.Dialect == SQLite {
		q = "PRAGMA analysis_limit = 0; PRAGMA optimize = 0x10002"
	}
	if _, err := d.W.ExecContext(ctx, q); err != nil {
		return Classify(fmt.Errorf("db: optimize: %w", err))
	}
	return nil
}

// NextInYear takes the next number of a year from a counter table (columns
// year, next_seq) inside tx: 1, 2, 3 …, never reused, safe with concurrent
// transactions on both databases. table is a constant of the caller.
func NextInYear(ctx context.Context, tx Tx, table string, year int) (int, error) {
	var seq int
	err := tx.QueryRowContext(ctx, `INSERT INTO `+table+` (year, next_seq) VALUES ($1, 2)
		ON CONFLICT (year) DO UPDATE SET next_seq = `+table+`.next_seq + 1
		RETURNING next_seq - 1`, year).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("next number of %s: %w", table, err)
	}
	return seq, nil
}
