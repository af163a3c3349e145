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

// The seven holidays for all citizens (《全国年节及纪念日放假办法》 Art. 2, §8.1).
var statutoryHolidays = []string{"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"}

// TestEmbeddedConsistency checks every shipped year: it passes
// ValidateArrangement (so no weekend is listed as off without a name and
// every make-up day is a weekend), it names the seven holidays (combined
// names such as 国庆节、中秋节 count for both), and it has the number of
// listed days of the source data.
func TestEmbeddedConsistency(t *testing.T) {
	wantDays := map[int]int{2020: 36, 2021: 38, 2022: 38, 2023: 34, 2024: 36, 2025: 33, 2026: 39}
	arrs := calendar.EmbeddedArrangements()
	if len(arrs) != len(wantDays) {
		t.Fatalf("%d embedded years, want %d", len(arrs), len(wantDays))
	}
	for _, a := range arrs {
		if err := calendar.ValidateArrangement(a); err != nil {
			t.Errorf("%d: %v", a.Year, apperr.FieldsOf(err))
		}
		if len(a.Days) != wantDays[a.Year] {
			t.Errorf("%d: %d days, want %d", a.Year, len(a.Days), wantDays[a.Year])
		}
		if !strings.Contains(a.Source, "gov.cn") {
			t.Errorf("%d: source %q does not name the notice", a.Year, a.Source)
		}
		names := map[string]bool{}
		offWeekdays := 0
		for _, d := range a.Days {
			for _, n := range strings.Split(d.Name, "、") {
				names[n] = true
			}
			wd := d.Date.Weekday()
			weekend := wd == time.Saturday || wd == time.Sunday
			if d.Kind == calendar.Off && weekend && d.Name == "" {
				t.Errorf("%d: %s is a weekend listed as off without a name", a.Year, d.Date)
			}
			if d.Kind == calendar.MakeUp && !weekend {
				t.Errorf("%d: make-up day %s is a weekday", a.Year, d.Date)
			}
			if d.Kind == calendar.Off && !weekend {
				offWeekdays++
			}
		}
		for _, h := range statutoryHolidays {
			if !names[h] {
				t.Errorf("%d: holiday %s missing (names %v)", a.Year, h, names)
			}
		}
		// 11 statutory days before 2025, 13 from 2025 (§8.1); days falling on a
		// weekend are given in lieu (Art. 6), so at least that many weekdays
		// are off, more when 调休 moves weekend rest into a holiday block.
		min := 11
		if a.Year >= 2025 {
			min = 13
		}
		if offWeekdays < min {
			t.Errorf("%d: only %d weekdays off", a.Year, offWeekdays)
		}
	}
}

// TestEmbeddedSixDayRule: since the 2024 revision (in force 2025), as a
// rule no more than six consecutive working days are arranged around a
// holiday (Art. 7, §8.1); the shipped 2025 and 2026 data respects it.
func TestEmbeddedSixDayRule(t *testing.T) {
	c := calendar.Embedded()
	for _, year := range []int{2025, 2026} {
		run, longest := 0, 0
		for day := (civil.Date{Year: year, Month: 1, Day: 1}); day.Year == year; day = day.AddDays(1) {
			if c.IsWorkingDay(day) {
				run++
				longest = max(longest, run)
			} else {
				run = 0
			}
		}
		if longest > 6 {
			t.Errorf("%d: %d consecutive working days", year, longest)
		}
	}
}

// TestEmbeddedMatchesReference spells out §8.3 and §8.4 of the domain
// reference and compares them with the shipped data, day by day.
func TestEmbeddedMatchesReference(t *testing.T) {
	type block struct {
		name     string
		from, to string
		makeup   []string
	}
	ref := map[int][]block{
		2025: {
			{"元旦", "2025-01-01", "2025-01-01", nil},
			{"春节", "2025-01-28", "2025-02-04", []string{"2025-01-26", "2025-02-08"}},
			{"清明节", "2025-04-04", "2025-04-06", nil},
			{"劳动节", "2025-05-01", "2025-05-05", []string{"2025-04-27"}},
			{"端午节", "2025-05-31", "2025-06-02", nil},
			{"国庆节、中秋节", "2025-10-01", "2025-10-08", []string{"2025-09-28", "2025-10-11"}},
		},
		2026: {
			{"元旦", "2026-01-01", "2026-01-03", []string{"2026-01-04"}},
			{"春节", "2026-02-15", "2026-02-23", []string{"2026-02-14", "2026-02-28"}},
			{"清明节", "2026-04-04", "2026-04-06", nil},
			{"劳动节", "2026-05-01", "2026-05-05", []string{"2026-05-09"}},
			{"端午节", "2026-06-19", "2026-06-21", nil},
			{"中秋节", "2026-09-25", "2026-09-27", nil},
			{"国庆节", "2026-10-01", "2026-10-07", []string{"2026-09-20", "2026-10-10"}},
		},
	}
	c := calendar.Embedded()
	for year, blocks := range ref {
		var want []calendar.Day
		for _, b := range blocks {
			for day := d(b.from); !day.After(d(b.to)); day = day.AddDays(1) {
				want = append(want, calendar.Day{Date: day, Kind: calendar.Off, Name: b.name})
			}
			for _, m := range b.makeup {
				want = append(want, calendar.Day{Date: d(m), Kind: calendar.MakeUp, Name: b.name})
			}
		}
		slices.SortFunc(want, func(a, b calendar.Day) int { return a.Date.Compare(b.Date) })
		a, ok := c.Arrangement(year)
		if !ok {
			t.Fatalf("%d not embedded", year)
		}
		if !slices.Equal(a.Days, want) {
			t.Errorf("%d differs from the domain reference:\n got %v\nwant %v", year, a.Days, want)
		}
	}
}

func TestDecodeHolidayCN(t *testing.T) {
	a, err := calendar.DecodeHolidayCN([]byte(`{"year": 2027, "papers": ["https://www.gov.cn/x.htm"],
		"days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}, {"name": "春节", "date": "2027-02-06", "isOffDay": false}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []calendar.Day{{Date: d("2027-01-01"), Kind: calendar.Off, Name: "元旦"}, {Date: d("2027-02-06"), Kind: calendar.MakeUp, Name: "春节"}}
	if a.Year != 2027 || a.Source != "https://www.gov.cn/x.htm" || !slices.Equal(a.Days, want) {
		t.Errorf("DecodeHolidayCN = %+v", a)
	}
	if _, err := calendar.DecodeHolidayCN([]byte(`{"year": 2027, "days": [{"date": "2027-02-30"}]}`)); err == nil {
		t.Error("bad date accepted")
	}
}
