package stdcatalog

import (
	"fmt"
	"sort"

	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
)

// GapKind is what the monitor found.
type GapKind string

// Gap kinds.
const (
	Missing GapKind = "missing" // nothing published for the period
	Late    GapKind = "late"    // published after the rule's deadline
)

// Label is the Chinese name.
func (k GapKind) Label() string {
	if k == Late {
		return "逾期公开"
	}
	return "缺少公开"
}

// Gap is a to-do of the monitor: a period without a publication, or an item
// published late.
type Gap struct {
	Entry    *Entry
	Kind     GapKind
	Year     int      // annual rules: the year
	Item     *ItemRef // late: the item
	Due      civil.Date
	DaysLate int // late: working days after Due; -1 when the calendar does not cover the period
}

// Text explains the gap.
func (g Gap) Text() string {
	switch {
	case g.Kind == Late && g.DaysLate >= 0:
		return fmt.Sprintf("应于 %s 前公开，%s 公开，逾期 %d 个工作日", g.Due, g.Item.PublishedOn, g.DaysLate)
	case g.Kind == Late:
		return fmt.Sprintf("应于 %s 前公开，%s 公开（工作日历未覆盖，逾期天数未计算）", g.Due, g.Item.PublishedOn)
	case g.Year > 0:
		return fmt.Sprintf("%d 年应于 %s 前公开，尚未关联已公开的信息", g.Year, g.Due)
	}
	return "尚未关联已公开的信息：请关联履行本事项的信息"
}

// Tally counts an agency's or a division's entries.
type Tally struct {
	DivisionID int64
	Name       string
	Entries    int // entries in the catalogue
	Ruled      int // with a checked time rule
	Clean      int // ruled, with neither missing nor late publications
	Missing    int
	Late       int
	Gaps       []Gap
}

// Percent is the coverage: clean entries among those with a rule.
func (t Tally) Percent() int {
	if t.Ruled == 0 {
		return 100
	}
	return t.Clean * 100 / t.Ruled
}

// Coverage is the monitor's report for an agency.
type Coverage struct {
	Today     civil.Date
	Total     Tally
	Divisions []Tally
}

// GapsOf checks one entry against its linked items on the working-day
// calendar. Only public items count.
func GapsOf(e *Entry, items []ItemRef, cal *calendar.Calendar, today civil.Date) []Gap {
	var public []ItemRef
	for _, it := range items {
		if it.Public && !it.PublishedOn.IsZero() {
			public = append(public, it)
		}
	}
	sort.Slice(public, func(i, j int) bool { return public[i].PublishedOn.Before(public[j].PublishedOn) })
	var gaps []Gap
	switch e.Rule.Kind {
	case RuleFormed:
		if len(public) == 0 {
			return []Gap{{Entry: e, Kind: Missing}}
		}
		for i := range public {
			it := &public[i]
			if it.FormedOn.IsZero() || (!e.MonitorFrom.IsZero() && it.FormedOn.Before(e.MonitorFrom)) {
				continue
			}
			due, err := cal.AddWorkingDays(it.FormedOn, e.Rule.Days)
			if err != nil {
				continue // a year the calendar does not hold: not judged
			}
			if it.PublishedOn.After(due) {
				n, err := cal.WorkingDaysBetween(due, it.PublishedOn)
				if err != nil {
					n = -1
				}
				gaps = append(gaps, Gap{Entry: e, Kind: Late, Item: it, Due: due, DaysLate: n})
			}
		}
	case RuleAnnual:
		from := e.MonitorFrom
		if from.IsZero() {
			from = civil.Of(e.CreatedAt)
		}
		for y := from.Year; y <= today.Year; y++ {
			due := e.Rule.DeadlineIn(y)
			if due.Before(from) {
				continue
			}
			var first *ItemRef
			for i := range public {
				if public[i].PublishedOn.Year == y {
					first = &public[i]
					break
				}
			}
			switch {
			case first == nil && today.After(due):
				gaps = append(gaps, Gap{Entry: e, Kind: Missing, Year: y, Due: due})
			case first != nil && first.PublishedOn.After(due):
				n, err := cal.WorkingDaysBetween(due, first.PublishedOn)
				if err != nil {
					n = -1
				}
				gaps = append(gaps, Gap{Entry: e, Kind: Late, Year: y, Item: first, Due: due, DaysLate: n})
			}
		}
	}
	return gaps
}

// Compute is the monitor over an agency's entries: per division and in
// total. links maps an entry to its linked items.
func Compute(entries []*Entry, links map[int64][]ItemRef, cal *calendar.Calendar, today civil.Date) Coverage {
	c := Coverage{Today: today, Total: Tally{Name: "全局"}}
	byDiv := map[int64]*Tally{}
	var order []int64
	for _, e := range entries {
		t := byDiv[e.DivisionID]
		if t == nil {
			name := e.Division
			if name == "" {
				name = "未指定处室"
			}
			t = &Tally{DivisionID: e.DivisionID, Name: name}
			byDiv[e.DivisionID] = t
			order = append(order, e.DivisionID)
		}
		for _, tl := range []*Tally{t, &c.Total} {
			tl.Entries++
		}
		if !e.Rule.Checked() {
			continue
		}
		gaps := GapsOf(e, links[e.ID], cal, today)
		for _, tl := range []*Tally{t, &c.Total} {
			tl.Ruled++
			if len(gaps) == 0 {
				tl.Clean++
			}
			for _, g := range gaps {
				if g.Kind == Late {
					tl.Late++
				} else {
					tl.Missing++
				}
			}
			tl.Gaps = append(tl.Gaps, gaps...)
		}
	}
	// Divisions in their agency's order (IDs follow it in practice), the
	// entries without one last.
	sort.Slice(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if (a == 0) != (b == 0) {
			return b == 0
		}
		return a < b
	})
	for _, id := range order {
		c.Divisions = append(c.Divisions, *byDiv[id])
	}
	return c
}
