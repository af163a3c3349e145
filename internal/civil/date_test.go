package civil

import (
	"testing"
	"time"
)

func TestParseRejectsImpossibleDates(t *testing.T) {
	for _, s := range []string{"2025-02-30", "2025-13-01", "20250101", "", "2025-1-1", "2025-01-01T00:00:00Z"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
	d, err := Parse("2024-02-29")
	if err != nil || d.String() != "2024-02-29" {
		t.Fatalf("leap day: %v %v", d, err)
	}
}

func TestArithmetic(t *testing.T) {
	d := MustParse("2025-01-31")
	if got := d.AddDays(1).String(); got != "2025-02-01" {
		t.Errorf("AddDays: %s", got)
	}
	if got := d.Weekday(); got != time.Friday {
		t.Errorf("Weekday: %v", got)
	}
	if n := MustParse("2025-01-01").DaysUntil(MustParse("2026-01-01")); n != 365 {
		t.Errorf("DaysUntil: %d", n)
	}
	if !MustParse("2025-01-01").Before(MustParse("2025-01-02")) || MustParse("2025-01-02").Before(MustParse("2025-01-02")) {
		t.Error("Before")
	}
	if got := MustParse("2025-03-09").Chinese(); got != "2025年3月9日" {
		t.Errorf("Chinese: %s", got)
	}
}

func TestScan(t *testing.T) {
	var d Date
	if err := d.Scan(time.Date(2025, 1, 23, 0, 0, 0, 0, time.UTC)); err != nil || d.String() != "2025-01-23" {
		t.Fatalf("time: %v %v", d, err)
	}
	if err := d.Scan("2025-01-24"); err != nil || d.String() != "2025-01-24" {
		t.Fatalf("text: %v %v", d, err)
	}
	if err := d.Scan(nil); err != nil || !d.IsZero() {
		t.Fatalf("nil: %v %v", d, err)
	}
	if err := d.Scan("garbage"); err == nil {
		t.Fatal("garbage accepted")
	}
}

func TestOfUsesShanghai(t *testing.T) {
	// 2025-01-23 17:00 UTC is already 2025-01-24 in Shanghai.
	if got := Of(time.Date(2025, 1, 23, 17, 0, 0, 0, time.UTC)).String(); got != "2025-01-24" {
		t.Errorf("Of: %s", got)
	}
}
