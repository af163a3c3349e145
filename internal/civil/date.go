// Package civil holds calendar dates without time or zone: 成文日期, 发布日期,
// deadlines. Dates are meant in Asia/Shanghai; timestamps elsewhere are UTC.
package civil

import (
	_ "time/tzdata" // dates must work on machines without a zone database

	"database/sql/driver"
	"fmt"
	"time"
)

// Shanghai is the zone every civil date is meant in.
var Shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// time/tzdata is imported by the binary, so this only happens in a
		// broken build; fall back to the fixed offset China has used since 1991.
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// Date is a calendar date. The zero value is "no date".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// Of returns the date of t in Asia/Shanghai.
func Of(t time.Time) Date {
	y, m, d := t.In(Shanghai).Date()
	return Date{y, m, d}
}

// Today returns today's date in Asia/Shanghai.
func Today() Date { return Of(time.Now()) }

// New returns the date y-m-d, normalised (2025-02-30 becomes 2025-03-02).
func New(y int, m time.Month, d int) Date {
	return Of(time.Date(y, m, d, 12, 0, 0, 0, Shanghai))
}

// Parse reads YYYY-MM-DD and rejects anything else, including impossible dates.
func Parse(s string) (Date, error) {
	t, err := time.ParseInLocation("2006-01-02", s, Shanghai)
	if err != nil {
		return Date{}, fmt.Errorf("civil: %q is not a date in the form YYYY-MM-DD", s)
	}
	return Of(t), nil
}

// MustParse is Parse for constants in tests and tables.
func MustParse(s string) Date {
	d, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// IsZero reports whether d is the zero date.
func (d Date) IsZero() bool { return d.Year == 0 && d.Month == 0 && d.Day == 0 }

// String formats d as YYYY-MM-DD ("" for the zero date).
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Chinese formats d as 2025年1月23日.
func (d Date) Chinese() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d年%d月%d日", d.Year, int(d.Month), d.Day)
}

// Time returns noon of d in Asia/Shanghai, which is safe for day arithmetic.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, Shanghai) }

// StartUTC returns the first instant of d (Shanghai midnight) in UTC.
func (d Date) StartUTC() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, Shanghai).UTC()
}

// AddDays returns d plus n calendar days.
func (d Date) AddDays(n int) Date { return Of(d.Time().AddDate(0, 0, n)) }

// Weekday returns the day of the week.
func (d Date) Weekday() time.Weekday { return d.Time().Weekday() }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// Compare returns -1, 0 or 1.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmp(d.Year, e.Year)
	case d.Month != e.Month:
		return cmp(int(d.Month), int(e.Month))
	default:
		return cmp(d.Day, e.Day)
	}
}

func cmp(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// DaysUntil returns the number of calendar days from d to e (negative if e is earlier).
func (d Date) DaysUntil(e Date) int {
	a := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	b := time.Date(e.Year, e.Month, e.Day, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}

// Value stores d as the text YYYY-MM-DD, which both SQLite (TEXT) and
// PostgreSQL (DATE) accept; the zero date is NULL.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads a DATE (time.Time from pgx) or TEXT (SQLite) column; NULL is the zero date.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case time.Time:
		y, m, dd := v.Date() // pgx returns DATE as midnight UTC; take its fields as they are
		*d = Date{y, m, dd}
		return nil
	case string:
		return d.scanText(v)
	case []byte:
		return d.scanText(string(v))
	}
	return fmt.Errorf("civil: cannot scan %T into Date", src)
}

func (d *Date) scanText(s string) error {
	if len(s) > 10 {
		s = s[:10]
	}
	p, err := Parse(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// MarshalText makes dates YYYY-MM-DD in JSON.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	p, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}
