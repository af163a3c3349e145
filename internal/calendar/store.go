package calendar

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// Origins of a year's arrangement in the database.
const (
	// OriginEmbedded marks a year seeded from the data shipped with the
	// binary; a newer release may update it.
	OriginEmbedded = "embedded"
	// OriginAdmin marks a year an administrator entered or edited; seeding
	// never overwrites it.
	OriginAdmin = "admin"
)

// versionKey is the platform_settings row bumped by every calendar change.
const versionKey = "calendar_version"

// YearInfo describes one stored year.
type YearInfo struct {
	Year      int
	Source    string
	Origin    string
	UpdatedAt time.Time
	UpdatedBy string
	Days      int
}

// Load reads every stored arrangement. Run it inside a transaction (or a
// read-only snapshot) for a consistent view; Service does.
func Load(ctx context.Context, q db.Querier) (*Calendar, error) {
	rows, err := q.QueryContext(ctx, `SELECT year, source FROM calendar_years ORDER BY year`)
	if err != nil {
		return nil, fmt.Errorf("calendar: load years: %w", err)
	}
	byYear := map[int]*Arrangement{}
	var order []int
	for rows.Next() {
		a := &Arrangement{}
		if err := rows.Scan(&a.Year, &a.Source); err != nil {
			rows.Close()
			return nil, fmt.Errorf("calendar: load years: %w", err)
		}
		byYear[a.Year] = a
		order = append(order, a.Year)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("calendar: load years: %w", err)
	}

	rows, err = q.QueryContext(ctx, `SELECT day, year, kind, name FROM calendar_days ORDER BY day`)
	if err != nil {
		return nil, fmt.Errorf("calendar: load days: %w", err)
	}
	for rows.Next() {
		var (
			d    Day
			year int
		)
		if err := rows.Scan(&d.Date, &year, &d.Kind, &d.Name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("calendar: load days: %w", err)
		}
		if a := byYear[year]; a != nil {
			a.Days = append(a.Days, d)
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("calendar: load days: %w", err)
	}
	arrs := make([]Arrangement, 0, len(order))
	for _, y := range order {
		arrs = append(arrs, *byYear[y])
	}
	return New(arrs...)
}

// loadSnapshot reads the version and then the calendar in one read-only
// snapshot, so that the version never claims newer data than was read.
func loadSnapshot(ctx context.Context, d *db.DB) (*Calendar, int64, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if d.Dialect == db.Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := d.R.BeginTx(ctx, opts)
	if err != nil {
		return nil, 0, db.Classify(fmt.Errorf("calendar: begin snapshot: %w", err))
	}
	defer tx.Rollback()
	v, err := readVersion(ctx, tx)
	if err != nil {
		return nil, 0, err
	}
	c, err := Load(ctx, tx)
	if err != nil {
		return nil, 0, db.Classify(err)
	}
	return c, v, nil
}

// ListYears describes the stored years, oldest first.
func ListYears(ctx context.Context, q db.Querier) ([]YearInfo, error) {
	rows, err := q.QueryContext(ctx, `SELECT y.year, y.source, y.origin, y.updated_at, y.updated_by,
			(SELECT COUNT(*) FROM calendar_days d WHERE d.year = y.year)
		FROM calendar_years y ORDER BY y.year`)
	if err != nil {
		return nil, fmt.Errorf("calendar: list years: %w", err)
	}
	var out []YearInfo
	for rows.Next() {
		var y YearInfo
		if err := rows.Scan(&y.Year, &y.Source, &y.Origin, &y.UpdatedAt, &y.UpdatedBy, &y.Days); err != nil {
			rows.Close()
			return nil, fmt.Errorf("calendar: list years: %w", err)
		}
		out = append(out, y)
	}
	return out, closeRows(rows)
}

// storedYear returns the stored arrangement and origin of year; ok is false
// if the year has no row.
func storedYear(ctx context.Context, q db.Querier, year int) (a Arrangement, origin string, ok bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT source, origin FROM calendar_years WHERE year = $1`, year).Scan(&a.Source, &origin)
	if err == sql.ErrNoRows {
		return Arrangement{}, "", false, nil
	}
	if err != nil {
		return Arrangement{}, "", false, fmt.Errorf("calendar: read year %d: %w", year, err)
	}
	a.Year = year
	rows, err := q.QueryContext(ctx, `SELECT day, kind, name FROM calendar_days WHERE year = $1 ORDER BY day`, year)
	if err != nil {
		return Arrangement{}, "", false, fmt.Errorf("calendar: read year %d: %w", year, err)
	}
	for rows.Next() {
		var d Day
		if err := rows.Scan(&d.Date, &d.Kind, &d.Name); err != nil {
			rows.Close()
			return Arrangement{}, "", false, fmt.Errorf("calendar: read year %d: %w", year, err)
		}
		a.Days = append(a.Days, d)
	}
	return a, origin, true, closeRows(rows)
}

// daysOfOtherYears returns the dates in [from, to] that the arrangement of
// another year than year lists, with that year.
func daysOfOtherYears(ctx context.Context, q db.Querier, year int, from, to civil.Date) (map[civil.Date]int, error) {
	rows, err := q.QueryContext(ctx, `SELECT day, year FROM calendar_days
		WHERE day >= $1 AND day <= $2 AND year <> $3`, from, to, year)
	if err != nil {
		return nil, fmt.Errorf("calendar: check other years: %w", err)
	}
	out := map[civil.Date]int{}
	for rows.Next() {
		var (
			d civil.Date
			y int
		)
		if err := rows.Scan(&d, &y); err != nil {
			rows.Close()
			return nil, fmt.Errorf("calendar: check other years: %w", err)
		}
		out[d] = y
	}
	return out, closeRows(rows)
}

// dayRange returns the first and last stored day of year's arrangement
// (zero dates if it lists none).
func dayRange(ctx context.Context, q db.Querier, year int) (first, last civil.Date, err error) {
	err = q.QueryRowContext(ctx, `SELECT MIN(day), MAX(day) FROM calendar_days WHERE year = $1`, year).Scan(&first, &last)
	if err != nil {
		return civil.Date{}, civil.Date{}, fmt.Errorf("calendar: day range of %d: %w", year, err)
	}
	return first, last, nil
}

// writeYear replaces the stored arrangement of a.Year.
func writeYear(ctx context.Context, tx db.Tx, a Arrangement, origin, by string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM calendar_days WHERE year = $1`, a.Year); err != nil {
		return fmt.Errorf("calendar: clear year %d: %w", a.Year, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_years (year, source, origin, updated_at, updated_by)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (year) DO UPDATE SET source = excluded.source, origin = excluded.origin,
			updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		a.Year, a.Source, origin, now, by); err != nil {
		return fmt.Errorf("calendar: write year %d: %w", a.Year, err)
	}
	for _, d := range a.Days {
		if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_days (day, year, kind, name) VALUES ($1, $2, $3, $4)`,
			d.Date, a.Year, string(d.Kind), d.Name); err != nil {
			return fmt.Errorf("calendar: write %s: %w", d.Date, err)
		}
	}
	return nil
}

// readVersion returns the calendar version.
func readVersion(ctx context.Context, q db.Querier) (int64, error) {
	return scanVersion(q.QueryRowContext(ctx, `SELECT value FROM platform_settings WHERE key = $1`, versionKey))
}

// readVersionShared reads the version inside tx and, on PostgreSQL, holds a
// share lock on its row until tx ends, so that no calendar change can commit
// between computing a due date and storing it (bumpVersion waits for it).
// SQLite has a single writer, so a plain read is enough.
func readVersionShared(ctx context.Context, tx db.Tx) (int64, error) {
	query := `SELECT value FROM platform_settings WHERE key = $1`
	if tx.Dialect == db.Postgres {
		query += ` FOR SHARE`
	}
	return scanVersion(tx.QueryRowContext(ctx, query, versionKey))
}

// bumpVersion increments the calendar version inside tx. It is the first
// write of every calendar change, so its row lock serialises them.
func bumpVersion(ctx context.Context, tx db.Tx) (int64, error) {
	return scanVersion(tx.QueryRowContext(ctx, `INSERT INTO platform_settings (key, value) VALUES ($1, '1')
		ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(platform_settings.value AS BIGINT) + 1 AS TEXT)
		RETURNING value`, versionKey))
}

func scanVersion(row *sql.Row) (int64, error) {
	var s string
	switch err := row.Scan(&s); {
	case err == sql.ErrNoRows:
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("calendar: read version: %w", err)
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("calendar: version %q: %w", s, err)
	}
	return v, nil
}

func closeRows(rows *sql.Rows) error {
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	return rows.Close()
}
