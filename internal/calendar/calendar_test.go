package calendar_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
)

var d = civil.MustParse

// addVectors: AddWorkingDays(from, n) with the shipped calendar. The first
// three are the worked examples of the domain reference §8.4; the others were
// derived by hand around every 2025 and 2026 holiday (§8.3, §8.4) and every
// 2027 holiday (data/2027.json).
var addVectors = []struct {
	name string
	from string
	n    int
	want string
}{
	// §8.4 test vectors.
	{"§8.4 reply due across 春节 2025", "2025-01-23", 20, "2025-02-26"},
	{"§8.4 7-WD correction notice ends on make-up Saturday", "2025-01-23", 7, "2025-02-08"},
	{"§8.4 reply due across 国庆 2025", "2025-09-26", 20, "2025-10-30"},

	{"zero days is the start day", "2025-01-23", 0, "2025-01-23"},
	{"start day is not counted", "2025-03-03", 1, "2025-03-04"},
	{"ordinary weekend skipped", "2025-03-07", 1, "2025-03-10"},

	// 2025 元旦 (01-01, Wed).
	{"2025 元旦 skipped", "2024-12-31", 1, "2025-01-02"},
	// 2025 春节 (01-28 … 02-04, make-up 01-26 Sun, 02-08 Sat).
	{"2025 春节 make-up Sunday counts", "2025-01-24", 1, "2025-01-26"},
	{"2025 春节 block skipped", "2025-01-27", 1, "2025-02-05"},
	{"2025 春节 make-up Saturday counts", "2025-02-07", 1, "2025-02-08"},
	// 2025 清明节 (04-04 … 04-06).
	{"2025 清明节 skipped", "2025-04-03", 1, "2025-04-07"},
	// 2025 劳动节 (05-01 … 05-05, make-up 04-27 Sun).
	{"2025 劳动节 make-up Sunday counts", "2025-04-25", 1, "2025-04-27"},
	{"2025 劳动节 block skipped", "2025-04-30", 1, "2025-05-06"},
	// 2025 端午节 (05-31 … 06-02).
	{"2025 端午节 skipped", "2025-05-30", 1, "2025-06-03"},
	// 2025 国庆节、中秋节 (10-01 … 10-08, make-up 09-28 Sun, 10-11 Sat).
	{"2025 国庆 make-up Sunday counts", "2025-09-26", 1, "2025-09-28"},
	{"2025 国庆 block skipped", "2025-09-30", 1, "2025-10-09"},
	{"2025 国庆 make-up Saturday counts", "2025-10-10", 1, "2025-10-11"},

	// 2026 元旦 (01-01 … 01-03, make-up 01-04 Sun), across the year boundary.
	{"2026 元旦 make-up Sunday counts", "2025-12-31", 1, "2026-01-04"},
	{"2026 元旦 20 WD", "2025-12-30", 20, "2026-01-28"},
	// 2026 春节 (02-15 … 02-23, make-up 02-14 Sat, 02-28 Sat).
	{"2026 春节 make-up Saturday before counts", "2026-02-13", 1, "2026-02-14"},
	{"2026 春节 block skipped", "2026-02-14", 1, "2026-02-24"},
	{"2026 春节 20 WD", "2026-02-10", 20, "2026-03-16"},
	{"2026 春节 make-up Saturday after counts", "2026-02-27", 1, "2026-02-28"},
	// 2026 清明节 (04-04 … 04-06).
	{"2026 清明节 skipped", "2026-04-03", 1, "2026-04-07"},
	// 2026 劳动节 (05-01 … 05-05, make-up 05-09 Sat).
	{"2026 劳动节 block skipped", "2026-04-30", 1, "2026-05-06"},
	{"2026 劳动节 make-up Saturday counts", "2026-05-08", 1, "2026-05-09"},
	// 2026 端午节 (06-19 … 06-21).
	{"2026 端午节 skipped", "2026-06-18", 1, "2026-06-22"},
	// 2026 中秋节 (09-25 … 09-27) and 国庆节 make-up 09-20 (Sun).
	{"2026 国庆 make-up Sunday counts", "2026-09-18", 1, "2026-09-20"},
	{"2026 中秋节 skipped", "2026-09-24", 1, "2026-09-28"},
	// 2026 国庆节 (10-01 … 10-07, make-up 10-10 Sat).
	{"2026 国庆节 block skipped", "2026-09-30", 1, "2026-10-08"},
	{"2026 国庆 make-up Saturday counts", "2026-10-09", 1, "2026-10-10"},
	{"2026 国庆 20 WD", "2026-09-18", 20, "2026-10-22"},

	// 2027 元旦 (01-01 Fri … 01-03 Sun), across the year boundary.
	{"2027 元旦 skipped", "2026-12-31", 1, "2027-01-04"},
	// 2027 春节 (02-05 Fri … 02-13 Sat, make-up 01-31 Sun, 02-14 Sun).
	{"2027 春节 make-up Sunday before counts", "2027-01-29", 1, "2027-01-31"},
	{"2027 春节 block skipped to the make-up Sunday after", "2027-02-04", 1, "2027-02-14"},
	// 01-29, 01-31, 02-01 … 02-04 (6), 02-14 … 02-19 (12), 02-22 … 02-26
	// (17), 03-01 … 03-03 (20).
	{"2027 春节 20 WD", "2027-01-28", 20, "2027-03-03"},
	// 2027 清明节 (04-03 Sat … 04-05 Mon).
	{"2027 清明节 skipped", "2027-04-02", 1, "2027-04-06"},
	// 2027 劳动节 (05-01 Sat … 05-05 Wed, make-up 05-08 Sat).
	{"2027 劳动节 block skipped", "2027-04-30", 1, "2027-05-06"},
	{"2027 劳动节 make-up Saturday counts", "2027-05-07", 1, "2027-05-08"},
	// 2027 端午节 (06-09 Wed) and 中秋节 (09-15 Wed), one day each.
	{"2027 端午节 skipped", "2027-06-08", 1, "2027-06-10"},
	{"2027 中秋节 skipped", "2027-09-14", 1, "2027-09-16"},
	// 2027 国庆节 (10-01 Fri … 10-07 Thu, make-up 09-26 Sun, 10-09 Sat).
	{"2027 国庆 make-up Sunday counts", "2027-09-24", 1, "2027-09-26"},
	{"2027 国庆节 block skipped", "2027-09-30", 1, "2027-10-08"},
	{"2027 国庆 make-up Saturday counts", "2027-10-08", 1, "2027-10-09"},
	// 09-26 … 09-30 (5), 10-08, 10-09 (7), 10-11 … 10-15 (12), 10-18 … 10-22
	// (17), 10-25 … 10-27 (20).
	{"2027 国庆 20 WD", "2027-09-24", 20, "2027-10-27"},
}

func TestAddWorkingDays(t *testing.T) {
	c := calendar.Embedded()
	for _, tc := range addVectors {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.AddWorkingDays(d(tc.from), tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if got != d(tc.want) {
				t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tc.from, tc.n, got, tc.want)
			}
			if n, _ := c.WorkingDaysBetween(d(tc.from), got); n != tc.n {
				t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tc.from, got, n, tc.n)
			}
		})
	}
}

// betweenVectors: working days in (from, to], derived by hand around every
// 2025, 2026 and 2027 holiday; the listed days are the ones that count.
var betweenVectors = []struct {
	name     string
	from, to string
	want     int
}{
	{"same day", "2025-03-05", "2025-03-05", 0},
	{"ordinary week", "2025-03-02", "2025-03-09", 5},
	{"2025 元旦: 01-02, 01-03", "2024-12-31", "2025-01-03", 2},
	{"2025 春节: 01-26, 01-27, 02-05 … 02-08", "2025-01-24", "2025-02-08", 6},
	{"2025 清明节: 04-03, 04-07", "2025-04-02", "2025-04-07", 2},
	{"2025 劳动节: 04-27 … 04-30, 05-06", "2025-04-25", "2025-05-06", 5},
	{"2025 端午节: 05-30, 06-03", "2025-05-29", "2025-06-03", 2},
	{"2025 国庆节、中秋节: 09-28 … 09-30, 10-09 … 10-11", "2025-09-26", "2025-10-11", 6},
	{"2026 元旦: 01-04, 01-05", "2025-12-31", "2026-01-05", 2},
	{"2026 春节: 02-14, 02-24 … 02-28", "2026-02-13", "2026-02-28", 6},
	{"2026 清明节: 04-03, 04-07", "2026-04-02", "2026-04-07", 2},
	{"2026 劳动节: 05-06 … 05-09, 05-11", "2026-04-30", "2026-05-11", 5},
	{"2026 端午节: 06-18, 06-22", "2026-06-17", "2026-06-22", 2},
	{"2026 中秋节: 09-20 … 09-24, 09-28", "2026-09-18", "2026-09-28", 6},
	{"2026 国庆节: 10-08 … 10-10, 10-12", "2026-09-30", "2026-10-12", 4},
	{"2027 元旦: 12-31, 01-04", "2026-12-30", "2027-01-04", 2},
	{"2027 春节: 01-29, 01-31 … 02-04, 02-14, 02-15", "2027-01-28", "2027-02-15", 8},
	{"2027 清明节: 04-02, 04-06", "2027-04-01", "2027-04-06", 2},
	{"2027 劳动节: 04-30, 05-06 … 05-08, 05-10", "2027-04-29", "2027-05-10", 5},
	{"2027 端午节: 06-08, 06-10", "2027-06-07", "2027-06-10", 2},
	{"2027 中秋节: 09-14, 09-16", "2027-09-13", "2027-09-16", 2},
	{"2027 国庆节: 09-26 … 09-30, 10-08, 10-09, 10-11", "2027-09-24", "2027-10-11", 8},
	{"reversed is negative", "2025-02-08", "2025-01-24", -6},
}

func TestWorkingDaysBetween(t *testing.T) {
	c := calendar.Embedded()
	for _, tc := range betweenVectors {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.WorkingDaysBetween(d(tc.from), d(tc.to))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
			}
			if tc.want < 0 {
				return
			}
			e, err := c.ExplainBetween(d(tc.from), d(tc.to))
			if err != nil {
				t.Fatal(err)
			}
			if e.Count != tc.want || len(e.Counted()) != tc.want {
				t.Errorf("ExplainBetween counted %d (%d steps), want %d", e.Count, len(e.Counted()), tc.want)
			}
		})
	}
}

func TestIsWorkingDay(t *testing.T) {
	c := calendar.Embedded()
	for _, tc := range []struct {
		date    string
		working bool
		reason  string
	}{
		{"2025-01-26", true, "调休上班（春节）"}, // Sunday
		{"2025-01-28", false, "放假（春节）"},  // Tuesday, 除夕
		{"2025-02-01", false, "放假（春节）"},  // Saturday inside the block
		{"2025-02-08", true, "调休上班（春节）"}, // Saturday
		{"2025-02-09", false, "周末"},
		{"2025-02-10", true, "工作日"},
		{"2025-10-06", false, "放假（国庆节、中秋节）"},
		{"2026-01-04", true, "调休上班（元旦）"},
		{"2026-09-20", true, "调休上班（国庆节）"},
		{"2022-12-31", false, "放假（元旦）"}, // listed by the 2023 notice
		{"2020-01-31", false, "放假（春节）"}, // 2020 extension (notice of 2020-01-27)
		{"2020-02-03", true, "工作日"},
	} {
		day := d(tc.date)
		if got := c.IsWorkingDay(day); got != tc.working {
			t.Errorf("IsWorkingDay(%s) = %v", tc.date, got)
		}
		if got := c.Describe(day).Reason(); got != tc.reason {
			t.Errorf("Describe(%s).Reason() = %q, want %q", tc.date, got, tc.reason)
		}
	}
}

// TestAddBetweenProperty: Between(from, Add(from, n)) == n, the result of
// Add is a working day, and every day strictly between from+1 and the result
// that is a working day was counted, for every start date 2019-12 … 2028-02.
func TestAddBetweenProperty(t *testing.T) {
	c := calendar.Embedded()
	for from := d("2019-12-01"); from.Before(d("2028-03-01")); from = from.AddDays(1) {
		for _, n := range []int{0, 1, 2, 3, 5, 7, 10, 15, 20, 40} {
			due, err := c.AddWorkingDays(from, n)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := c.WorkingDaysBetween(from, due); got != n {
				t.Fatalf("Between(%s, Add(%s, %d) = %s) = %d", from, from, n, due, got)
			}
			if n > 0 && !c.IsWorkingDay(due) {
				t.Fatalf("Add(%s, %d) = %s is not a working day", from, n, due)
			}
			if n > 0 {
				if prev, _ := c.WorkingDaysBetween(from, due.AddDays(-1)); prev != n-1 {
					t.Fatalf("Add(%s, %d) = %s is not the first day reaching %d", from, n, due, n)
				}
			}
		}
	}
}

func TestExplain(t *testing.T) {
	c := calendar.Embedded()
	e, err := c.Explain(d("2025-01-23"), 7)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range e.Steps {
		mark := "-"
		if s.Counted() {
			mark = string(rune('0' + s.N))
		}
		got = append(got, s.Date.String()[5:]+" "+mark+" "+s.Reason())
	}
	want := []string{
		"01-24 1 工作日",
		"01-25 - 周末",
		"01-26 2 调休上班（春节）",
		"01-27 3 工作日",
		"01-28 - 放假（春节）",
		"01-29 - 放假（春节）",
		"01-30 - 放假（春节）",
		"01-31 - 放假（春节）",
		"02-01 - 放假（春节）",
		"02-02 - 放假（春节）",
		"02-03 - 放假（春节）",
		"02-04 - 放假（春节）",
		"02-05 4 工作日",
		"02-06 5 工作日",
		"02-07 6 工作日",
		"02-08 7 调休上班（春节）",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Explain:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if e.To != d("2025-02-08") || e.Count != 7 || e.Provisional() {
		t.Errorf("Explain result: to %s count %d provisional %v", e.To, e.Count, e.Provisional())
	}
	if len(e.Counted()) != 7 || len(e.Skipped()) != 9 {
		t.Errorf("counted %d skipped %d", len(e.Counted()), len(e.Skipped()))
	}
}

func TestDeadlinePauses(t *testing.T) {
	c := calendar.Embedded()
	iv := func(from, to string) calendar.Interval {
		return calendar.Interval{From: d(from), To: d(to), Note: "征求第三方意见"}
	}
	for _, tc := range []struct {
		name   string
		pauses []calendar.Interval
		want   string
		paused int
	}{
		{"no pause", nil, "2025-02-26", 0},
		{"one working week paused", []calendar.Interval{iv("2025-02-10", "2025-02-14")}, "2025-03-05", 5},
		{"pause over the holiday only costs its working days", []calendar.Interval{iv("2025-01-27", "2025-02-05")}, "2025-02-28", 2},
		{"pause before the start has no effect", []calendar.Interval{iv("2025-01-01", "2025-01-23")}, "2025-02-26", 0},
		{"pause covering the make-up Saturday", []calendar.Interval{iv("2025-02-08", "2025-02-08")}, "2025-02-27", 1},
		{"overlapping pauses count once", []calendar.Interval{iv("2025-02-10", "2025-02-12"), iv("2025-02-11", "2025-02-14")}, "2025-03-05", 5},
		{"one-day pause on a weekend costs nothing", []calendar.Interval{iv("2025-02-15", "2025-02-16")}, "2025-02-26", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := c.Deadline(d("2025-01-23"), 20, tc.pauses)
			if err != nil {
				t.Fatal(err)
			}
			if r.Due != d(tc.want) || r.PausedDays != tc.paused || r.Provisional() {
				t.Errorf("Deadline = %s (paused %d, uncovered %v), want %s (paused %d)", r.Due, r.PausedDays, r.Uncovered, tc.want, tc.paused)
			}
			e, err := c.ExplainDeadline(d("2025-01-23"), 20, tc.pauses)
			if err != nil {
				t.Fatal(err)
			}
			paused := 0
			for _, s := range e.Steps {
				if s.Paused {
					paused++
					if s.Reason() != "暂停计算（征求第三方意见）" {
						t.Errorf("paused step reason %q", s.Reason())
					}
				}
			}
			if e.To != r.Due || paused != tc.paused {
				t.Errorf("ExplainDeadline to %s paused %d", e.To, paused)
			}
		})
	}
}

func TestUncoveredYears(t *testing.T) {
	c := calendar.Embedded()
	if !slices.Equal(c.Years(), []int{2020, 2021, 2022, 2023, 2024, 2025, 2026, 2027}) {
		t.Fatalf("embedded years %v", c.Years())
	}
	if c.Covers(2028) || !c.Covers(2027) {
		t.Fatal("Covers")
	}

	// Into 2028, whose notice is not in the data: Monday–Friday is presumed
	// and the result is provisional. 2027-12-30 is a Thursday: 12-31 (Fri)
	// is the 1st WD; 2028-01-01 is a Saturday, so 01-03 (Mon) … 01-06 (Thu)
	// are the 2nd … 5th, although 01-03 may well become the 元旦 day off.
	r, err := c.Deadline(d("2027-12-30"), 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Due != d("2028-01-06") || !r.Provisional() || !slices.Equal(r.Uncovered, []int{2028}) {
		t.Errorf("into 2028: %s uncovered %v", r.Due, r.Uncovered)
	}
	for _, tc := range []struct {
		date    string
		working bool
		reason  string
	}{
		{"2028-01-01", false, "周末（推定）"}, // Saturday
		{"2028-01-03", true, "工作日（推定）"}, // Monday
		{"2027-12-31", true, "工作日（推定）"}, // Friday; the 2028 notice may list it
	} {
		info := c.Describe(d(tc.date))
		if info.Working != tc.working || !info.Presumed || info.Reason() != tc.reason {
			t.Errorf("%s: %+v %q, want %q", tc.date, info, info.Reason(), tc.reason)
		}
	}
	if info := c.Describe(d("2027-12-17")); !info.Working || info.Presumed || info.Reason() != "工作日" {
		t.Errorf("2027-12-17: %+v %q", info, info.Reason())
	}

	// The same start a year earlier is final now that 2027 is shipped:
	// 2026-12-30 is a Wednesday; 12-31 (Thu) is the 1st WD, 01-01 … 01-03
	// are 元旦, 01-04 (Mon) … 01-07 (Thu) are the 2nd … 5th.
	r, err = c.Deadline(d("2026-12-30"), 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Due != d("2027-01-07") || r.Provisional() {
		t.Errorf("into 2027: %s uncovered %v", r.Due, r.Uncovered)
	}

	// Late December of a covered year can still be changed by the next
	// year's notice (the 2019 notice made 2018-12-31 a day off).
	if got := c.Uncovered(d("2027-12-10"), d("2027-12-21")); !slices.Equal(got, []int{2028}) {
		t.Errorf("late December 2027: uncovered %v", got)
	}
	if got := c.Uncovered(d("2027-12-01"), d("2027-12-17")); len(got) != 0 {
		t.Errorf("early December 2027: uncovered %v", got)
	}
	if got := c.Uncovered(d("2026-12-10"), d("2026-12-21")); len(got) != 0 {
		t.Errorf("late December 2026 with 2027 shipped: uncovered %v", got)
	}
	// Inside covered years: final.
	if r, _ := c.Deadline(d("2025-01-23"), 20, nil); r.Provisional() {
		t.Error("2025 deadline is provisional")
	}
	// Before the data: 2019 is not covered.
	if got := c.Uncovered(d("2019-06-01"), d("2019-06-30")); !slices.Equal(got, []int{2019}) {
		t.Errorf("2019: uncovered %v", got)
	}
	// (2027-12-24 Fri, 2028-01-04 Tue]: 12-27 … 12-31 and 01-03, 01-04.
	e, err := c.ExplainBetween(d("2027-12-24"), d("2028-01-04"))
	if err != nil {
		t.Fatal(err)
	}
	if !e.Provisional() || e.Count != 7 || !slices.Equal(e.Uncovered, []int{2028}) {
		t.Errorf("ExplainBetween into 2028: count %d uncovered %v", e.Count, e.Uncovered)
	}
	// (2026-12-25 Fri, 2027-01-05 Tue]: 12-28 … 12-31 and 01-04, 01-05; 元旦
	// 01-01 … 01-03 is off.
	e, err = c.ExplainBetween(d("2026-12-25"), d("2027-01-05"))
	if err != nil {
		t.Fatal(err)
	}
	if e.Provisional() || e.Count != 6 {
		t.Errorf("ExplainBetween into 2027: count %d uncovered %v", e.Count, e.Uncovered)
	}

	// An empty calendar is pure Monday–Friday and provisional everywhere.
	var empty *calendar.Calendar
	if got, _ := empty.AddWorkingDays(d("2025-01-23"), 20); got != d("2025-02-20") {
		t.Errorf("empty calendar: %s", got)
	}
	if empty.Covers(2025) || empty.Years() != nil {
		t.Error("nil calendar covers something")
	}
}

func TestInvalidInput(t *testing.T) {
	c := calendar.Embedded()
	for _, tc := range []struct {
		name string
		run  func() error
		want string
	}{
		{"negative n", func() error { _, err := c.AddWorkingDays(d("2025-01-01"), -1); return err }, "工作日天数须在 0 至 1000 之间"},
		{"too large n", func() error { _, err := c.AddWorkingDays(d("2025-01-01"), 1001); return err }, "工作日天数"},
		{"zero date", func() error { _, err := c.AddWorkingDays(civil.Date{}, 1); return err }, "请填写起算日期"},
		{"impossible date", func() error { _, err := c.AddWorkingDays(civil.Date{Year: 2025, Month: 2, Day: 30}, 1); return err }, "起算日期无效"},
		{"reversed pause", func() error {
			_, err := c.Deadline(d("2025-01-01"), 5, []calendar.Interval{{From: d("2025-01-10"), To: d("2025-01-05")}})
			return err
		}, "晚于结束日期"},
		{"endless pause", func() error {
			_, err := c.Deadline(d("2025-01-01"), 5, []calendar.Interval{{From: d("2025-01-01"), To: d("2099-12-31")}})
			return err
		}, "期限跨度超过"},
		{"span too long", func() error { _, err := c.WorkingDaysBetween(d("2000-01-01"), d("2030-01-01")); return err }, "日期跨度超过"},
		{"explain reversed", func() error { _, err := c.ExplainBetween(d("2025-02-01"), d("2025-01-01")); return err }, "早于开始日期"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if !apperr.Is(err, apperr.Invalid) || !strings.Contains(apperr.MessageOf(err), tc.want) {
				t.Errorf("error %v, want invalid containing %q", err, tc.want)
			}
		})
	}
	if n, err := c.AddWorkingDays(d("2025-01-01"), calendar.MaxWorkingDays); err != nil || n.IsZero() {
		t.Errorf("MaxWorkingDays: %v %v", n, err)
	}
}

func TestNewRejectsConflicts(t *testing.T) {
	a := calendar.Arrangement{Year: 2030, Days: []calendar.Day{{Date: d("2030-01-01"), Kind: calendar.Off, Name: "元旦"}}}
	b := calendar.Arrangement{Year: 2031, Days: []calendar.Day{{Date: d("2030-01-01"), Kind: calendar.Off}}}
	if _, err := calendar.New(a, a); err == nil {
		t.Error("same year twice accepted")
	}
	if _, err := calendar.New(a, b); err == nil {
		t.Error("date in two arrangements accepted")
	}
	if _, err := calendar.New(calendar.Arrangement{Year: 2030, Days: []calendar.Day{{Date: d("2030-01-01"), Kind: "x"}}}); err == nil {
		t.Error("unknown kind accepted")
	}
	c, err := calendar.New(a)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := c.Arrangement(2030)
	got.Days[0].Name = "changed"
	if again, _ := c.Arrangement(2030); again.Days[0].Name != "元旦" {
		t.Error("Arrangement returned shared storage")
	}
}

func TestWeekdayName(t *testing.T) {
	if calendar.WeekdayName(time.Sunday) != "星期日" || calendar.WeekdayName(time.Wednesday) != "星期三" {
		t.Error("WeekdayName")
	}
	if calendar.WeekdayName(d("2025-02-26").Weekday()) != "星期三" {
		t.Error("2025-02-26 is a Wednesday")
	}
}
