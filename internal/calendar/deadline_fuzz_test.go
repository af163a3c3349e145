package calendar_test

import (
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
)

// FuzzDeadline: with any holiday arrangement an administrator pasted (the
// import ParseArrangement reads, as `gongkai workdays` and the console's
// calendar page use it) and any start, period and pause, a deadline is the
// n-th working day after the start that is not paused, no earlier one
// qualifies, and the explanation counts exactly n days; bad input is an
// Invalid error.
func FuzzDeadline(f *testing.F) {
	f.Add("2026-01-01,休,元旦\n2026-01-04,班,元旦\n2026-02-15~2026-02-23 休 春节\n2026-02-14 班 春节", int16(0), int16(20), int16(10), int16(5))
	f.Add("2026-10-01~2026-10-08,休,国庆节、中秋节\n2026-09-27,班,国庆节\n2026-10-10,班,国庆节", int16(270), int16(20), int16(-3), int16(40))
	f.Add("", int16(-400), int16(0), int16(0), int16(0))
	f.Add("2026-05-01~2026-05-05 休 劳动节", int16(100), int16(1000), int16(1), int16(-1))
	f.Fuzz(func(t *testing.T, text string, startOff, n, pauseOff, pauseLen int16) {
		days, err := calendar.ParseArrangement(text)
		if err != nil {
			return
		}
		byYear := map[int][]calendar.Day{}
		for _, d := range days {
			byYear[d.Date.Year] = append(byYear[d.Date.Year], d)
		}
		var arrs []calendar.Arrangement
		for y, ds := range byYear {
			arrs = append(arrs, calendar.Arrangement{Year: y, Days: ds})
		}
		cal, err := calendar.New(arrs...)
		if err != nil {
			return
		}
		start := civil.New(2026, time.January, 1).AddDays(int(startOff))
		var pauses []calendar.Interval
		if pauseLen != 0 {
			from := start.AddDays(int(pauseOff))
			pauses = []calendar.Interval{{From: from, To: from.AddDays(int(pauseLen)), Note: "征求第三方意见"}}
		}
		r, err := cal.Deadline(start, int(n), pauses)
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("Deadline: %v", err)
			}
			return
		}
		if n == 0 {
			if r.Due != start {
				t.Fatalf("0 working days after %v is %v", start, r.Due)
			}
			return
		}
		count := 0
		for d := start.AddDays(1); !d.After(r.Due); d = d.AddDays(1) {
			if cal.IsWorkingDay(d) && !(len(pauses) > 0 && pauses[0].Contains(d)) {
				count++
			}
		}
		if count != int(n) || !cal.IsWorkingDay(r.Due) || (len(pauses) > 0 && pauses[0].Contains(r.Due)) {
			t.Fatalf("%d working days after %v (pauses %v) is %v, which has %d", n, start, pauses, r.Due, count)
		}
		x, err := cal.ExplainDeadline(start, int(n), pauses)
		if err != nil || x.To != r.Due || len(x.Counted()) != int(n) || x.PausedDays != r.PausedDays {
			t.Fatalf("explanation %+v, %v disagrees with %+v", x.To, err, r)
		}
	})
}
