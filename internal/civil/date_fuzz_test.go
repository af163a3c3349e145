package civil

import (
	"testing"
	"time"
)

// FuzzParse: Parse accepts exactly the YYYY-MM-DD spellings of real dates
// (every accepted string formats back to itself), and String and Parse
// round-trip every date.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"2026-01-02", "2024-02-29", "2025-02-29", "2025-13-01", "2025-1-2", "0000-01-01", "9999-12-31",
		"2025-01-02T00:00:00Z", " 2025-01-02", "２０２５-01-02", "+2025-01-02", "2025/01/02", ""} {
		f.Add(s, int64(0))
	}
	f.Fuzz(func(t *testing.T, s string, days int64) {
		d, err := Parse(s)
		if err == nil {
			if d.String() != s {
				t.Fatalf("Parse(%q) = %v, which formats as %q", s, d, d.String())
			}
			if d.IsZero() || d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Day > 31 {
				t.Fatalf("Parse(%q) = %+v", s, d)
			}
		}
		// Any date in 1900–2200 formats and parses back to itself.
		base := New(1900, time.January, 1)
		day := base.AddDays(int(days % (301 * 366)))
		if day.Year > 2200 || day.Year < 1900 {
			return
		}
		back, err := Parse(day.String())
		if err != nil || back != day {
			t.Fatalf("%+v formats as %q, parses as %+v, %v", day, day.String(), back, err)
		}
	})
}
