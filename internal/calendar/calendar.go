// Package calendar is the statutory working-day calendar (工作日历) every
// deadline of the platform is counted in, and the tracker that keeps those
// deadlines right when a year's holiday arrangement changes.
//
// Rules (domain reference §1.5.5 and §8):
//
//   - A working day (工作日, WD) is Monday to Friday, minus the statutory days
//     off of the year's arrangement, plus its make-up working days (调休上班日),
//     which fall on Saturdays or Sundays (§8.2: is_working_day(d) =
//     d ∈ makeup ∨ (weekday(d) ∈ Mon..Fri ∧ d ∉ off)).
//   - The arrangement of a year is published by the General Office of the State
//     Council (国务院办公厅) each autumn under 《全国年节及纪念日放假办法》; it is the
//     only authoritative source (§8.1). It may list the last days of December of
//     the previous year (the 2023 notice made 2022-12-31 a day off).
//   - Periods leave out the start day (民法典 Art. 201; §1.5.5 rule 1): the 1st
//     WD of a period that starts on d is the first working day after d.
//   - Time spent consulting third parties or other organs does not count
//     (OGI 条例 Art. 33 ¶3): working days inside a paused interval are skipped.
//   - For a year whose arrangement is not known yet, the Monday–Friday rule is
//     presumed, and every result that depends on such a day says so
//     (Result.Uncovered, Explanation.Uncovered, DayInfo.Presumed), because the
//     deadline must be recomputed once the notice is out.
//
// A *Calendar is immutable and safe for concurrent use. Embedded returns the
// arrangements shipped with the binary; Service keeps the database's copy,
// which administrators may edit, and recomputes the tracked deadlines.
package calendar

import (
	"fmt"
	"slices"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
)

// Kind says what a listed day of an arrangement is.
type Kind string

// The two kinds of listed days. Ordinary weekdays and weekends are not listed.
const (
	// Off is a statutory day off (放假), including the weekend days inside a
	// holiday block, which the notices list too.
	Off Kind = "off"
	// MakeUp is a make-up working day (调休上班): a Saturday or Sunday on which
	// government organs work.
	MakeUp Kind = "makeup"
)

// Valid reports whether k is Off or MakeUp.
func (k Kind) Valid() bool { return k == Off || k == MakeUp }

// Label is the one-character label of the notices' tables: 休 or 班.
func (k Kind) Label() string {
	switch k {
	case Off:
		return "休"
	case MakeUp:
		return "班"
	}
	return string(k)
}

// Day is one listed day of an arrangement.
type Day struct {
	Date civil.Date `json:"date"`
	Kind Kind       `json:"kind"`
	// Name is the holiday the day belongs to, as the notice names it
	// (元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节, or a combination such as
	// 国庆节、中秋节).
	Name string `json:"name"`
}

// Arrangement is one year's holiday arrangement: the days a State Council
// notice lists, and where it came from.
type Arrangement struct {
	Year int
	// Source names the notice, usually its URL(s) on www.gov.cn.
	Source string
	Days   []Day
}

// Interval is an inclusive range of civil dates during which a deadline's
// clock is paused (Art. 33 ¶3: consultation of third parties, Art. 32, and of
// other organs, Art. 34).
type Interval struct {
	From civil.Date `json:"from"`
	To   civil.Date `json:"to"`
	// Note says why the clock is paused (e.g. 征求第三方意见); shown in explanations.
	Note string `json:"note,omitempty"`
}

// Contains reports whether d lies in the interval, both ends included.
func (iv Interval) Contains(d civil.Date) bool {
	return !d.Before(iv.From) && !d.After(iv.To)
}

// Limits that keep every computation bounded.
const (
	// MaxWorkingDays bounds n in AddWorkingDays and Deadline. The longest
	// statutory period of the OGI 条例 is 20 + 20 WD (Art. 33); 1000 WD (about
	// four years) leaves room for every other rule without allowing runaway input.
	MaxWorkingDays = 1000
	// MaxSpanYears bounds the calendar span a computation may walk.
	MaxSpanYears = 20
	maxSpanDays  = MaxSpanYears * 366
)

// boundaryFrom is the first day of the previous December a notice for year
// may list (元旦 blocks that start in late December, e.g. 2022-12-31 in the
// 2023 notice, or 2018-12-29 … 12-31 in the 2019 one).
func boundaryFrom(year int) civil.Date {
	return civil.Date{Year: year - 1, Month: time.December, Day: 18}
}

// Calendar answers working-day questions for the years whose arrangements it
// holds, and presumes the Monday–Friday rule elsewhere. The zero value and a
// nil *Calendar know no year.
type Calendar struct {
	days  map[civil.Date]Day
	arrs  map[int]Arrangement
	years []int
}

// New builds a calendar from arrangements. It checks structure only (each
// year once, each date once, known kinds, real dates); ValidateArrangement
// holds the stricter rules for new input, so that data accepted once keeps
// loading if those rules tighten.
func New(arrs ...Arrangement) (*Calendar, error) {
	c := &Calendar{days: map[civil.Date]Day{}, arrs: map[int]Arrangement{}}
	owner := map[civil.Date]int{}
	for _, a := range arrs {
		if _, dup := c.arrs[a.Year]; dup {
			return nil, fmt.Errorf("calendar: year %d given twice", a.Year)
		}
		days := slices.Clone(a.Days)
		sortDays(days)
		for _, d := range days {
			if !validDate(d.Date) {
				return nil, fmt.Errorf("calendar: year %d: invalid date %+v", a.Year, d.Date)
			}
			if !d.Kind.Valid() {
				return nil, fmt.Errorf("calendar: year %d: %s has unknown kind %q", a.Year, d.Date, d.Kind)
			}
			if y, dup := owner[d.Date]; dup {
				return nil, fmt.Errorf("calendar: %s is listed by the arrangements of %d and %d", d.Date, y, a.Year)
			}
			owner[d.Date] = a.Year
			c.days[d.Date] = d
		}
		a.Days = days
		c.arrs[a.Year] = a
		c.years = append(c.years, a.Year)
	}
	slices.Sort(c.years)
	return c, nil
}

// Covers reports whether the calendar holds the arrangement of year.
func (c *Calendar) Covers(year int) bool {
	if c == nil {
		return false
	}
	_, ok := c.arrs[year]
	return ok
}

// Years returns the years whose arrangements the calendar holds, in order.
func (c *Calendar) Years() []int {
	if c == nil {
		return nil
	}
	return slices.Clone(c.years)
}

// Arrangement returns a copy of the arrangement of year, days in date order.
func (c *Calendar) Arrangement(year int) (Arrangement, bool) {
	if c == nil {
		return Arrangement{}, false
	}
	a, ok := c.arrs[year]
	a.Days = slices.Clone(a.Days)
	return a, ok
}

// Arrangements returns copies of all arrangements, oldest year first.
func (c *Calendar) Arrangements() []Arrangement {
	out := make([]Arrangement, 0, len(c.Years()))
	for _, y := range c.Years() {
		a, _ := c.Arrangement(y)
		out = append(out, a)
	}
	return out
}

// Lookup returns the listed day d, if an arrangement lists it.
func (c *Calendar) Lookup(d civil.Date) (Day, bool) {
	if c == nil {
		return Day{}, false
	}
	day, ok := c.days[d]
	return day, ok
}

// IsWorkingDay reports whether d is a working day (§8.2).
func (c *Calendar) IsWorkingDay(d civil.Date) bool {
	if day, ok := c.Lookup(d); ok {
		return day.Kind == MakeUp
	}
	return !isWeekend(d.Weekday())
}

func isWeekend(w time.Weekday) bool { return w == time.Saturday || w == time.Sunday }

// DayInfo describes one day: whether it is a working day and why.
type DayInfo struct {
	Date    civil.Date
	Weekday time.Weekday
	Working bool
	// Kind and Name are set when an arrangement lists the day.
	Kind Kind
	Name string
	// Presumed is set for an unlisted day whose arrangement is not known yet:
	// its status follows the Monday–Friday rule and may change.
	Presumed bool
}

// Describe returns what the calendar knows about d.
func (c *Calendar) Describe(d civil.Date) DayInfo {
	info := DayInfo{Date: d, Weekday: d.Weekday(), Working: c.IsWorkingDay(d)}
	if day, ok := c.Lookup(d); ok {
		info.Kind, info.Name = day.Kind, day.Name
	} else {
		info.Presumed = len(c.uncovered(d, d)) > 0
	}
	return info
}

// Reason says in Chinese why the day is or is not a working day: 工作日,
// 周末, 放假（春节）, 调休上班（春节）; a presumed day gets the suffix （推定）.
func (i DayInfo) Reason() string {
	var r string
	switch {
	case i.Kind == MakeUp:
		r = withName("调休上班", i.Name)
	case i.Kind == Off:
		r = withName("放假", i.Name)
	case i.Working:
		r = "工作日"
	default:
		r = "周末"
	}
	if i.Presumed {
		r += "（推定）"
	}
	return r
}

func withName(s, name string) string {
	if name == "" {
		return s
	}
	return s + "（" + name + "）"
}

// WeekdayName returns the Chinese name of w: 星期一 … 星期日.
func WeekdayName(w time.Weekday) string {
	return [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}[w]
}

// Uncovered returns the years whose arrangements are missing and could change
// a day in (from, to]: the year of the day itself, and for the last days of
// December the next year, whose notice may list them. An empty result means
// the answer for that span is final.
func (c *Calendar) Uncovered(from, to civil.Date) []int {
	return c.uncovered(from.AddDays(1), to)
}

// uncovered is Uncovered over the inclusive range [first, last].
func (c *Calendar) uncovered(first, last civil.Date) []int {
	if first.After(last) {
		return nil
	}
	var out []int
	add := func(y int) {
		if !c.Covers(y) && !slices.Contains(out, y) {
			out = append(out, y)
		}
	}
	for y := first.Year; y <= last.Year; y++ {
		add(y)
		// The notice for y+1 may list days from December 18 of y.
		if !last.Before(boundaryFrom(y + 1)) {
			add(y + 1)
		}
	}
	slices.Sort(out)
	return out
}

// Result is a computed deadline.
type Result struct {
	// Due is the last day of the period: the n-th counted working day after
	// the start (the start itself when n is 0).
	Due civil.Date
	// PausedDays counts the working days skipped because they fell in a pause.
	PausedDays int
	// Uncovered lists the years whose missing arrangements make Due provisional.
	Uncovered []int
}

// Provisional reports whether Due depends on a year whose arrangement is not
// known yet and must be recomputed when it is.
func (r Result) Provisional() bool { return len(r.Uncovered) > 0 }

// Step is one day examined while counting.
type Step struct {
	DayInfo
	// N is the ordinal of a counted working day (1, 2, …); 0 for a day that
	// does not count.
	N int
	// Paused is set for a working day inside a paused interval; PauseNote is
	// that interval's note.
	Paused    bool
	PauseNote string
}

// Counted reports whether the day counted as a working day of the period.
func (s Step) Counted() bool { return s.N > 0 }

// Reason says in Chinese why the day counted or not.
func (s Step) Reason() string {
	if s.Paused {
		return withName("暂停计算", s.PauseNote)
	}
	return s.DayInfo.Reason()
}

// Explanation lists every day a computation examined, in order.
type Explanation struct {
	From, To civil.Date
	// Count is the number of counted working days.
	Count      int
	PausedDays int
	Steps      []Step
	Uncovered  []int
}

// Provisional reports whether the result depends on an unknown arrangement.
func (e Explanation) Provisional() bool { return len(e.Uncovered) > 0 }

// Counted returns the steps that counted.
func (e Explanation) Counted() []Step {
	var out []Step
	for _, s := range e.Steps {
		if s.Counted() {
			out = append(out, s)
		}
	}
	return out
}

// Skipped returns the steps that did not count: weekends, days off, paused days.
func (e Explanation) Skipped() []Step {
	var out []Step
	for _, s := range e.Steps {
		if !s.Counted() {
			out = append(out, s)
		}
	}
	return out
}

// AddWorkingDays returns the n-th working day after from (§1.5.5 rule 1: the
// start day is not counted). n = 0 returns from.
func (c *Calendar) AddWorkingDays(from civil.Date, n int) (civil.Date, error) {
	r, err := c.walk(from, n, nil, nil)
	return r.Due, err
}

// Deadline is AddWorkingDays with paused intervals: working days inside any
// of pauses do not count (Art. 33 ¶3; §1.5.5 rule 3). Pauses may overlap and
// may lie partly before start.
func (c *Calendar) Deadline(start civil.Date, n int, pauses []Interval) (Result, error) {
	return c.walk(start, n, pauses, nil)
}

// Explain is AddWorkingDays with every examined day and its reason.
func (c *Calendar) Explain(from civil.Date, n int) (Explanation, error) {
	return c.ExplainDeadline(from, n, nil)
}

// ExplainDeadline is Deadline with every examined day and its reason.
func (c *Calendar) ExplainDeadline(start civil.Date, n int, pauses []Interval) (Explanation, error) {
	var steps []Step
	r, err := c.walk(start, n, pauses, &steps)
	if err != nil {
		return Explanation{}, err
	}
	return Explanation{From: start, To: r.Due, Count: n, PausedDays: r.PausedDays, Steps: steps, Uncovered: r.Uncovered}, nil
}

func (c *Calendar) walk(start civil.Date, n int, pauses []Interval, steps *[]Step) (Result, error) {
	if err := checkDate(start, "起算日期"); err != nil {
		return Result{}, err
	}
	if n < 0 || n > MaxWorkingDays {
		return Result{}, apperr.Invalidf("工作日天数须在 0 至 %d 之间（收到 %d）。", MaxWorkingDays, n)
	}
	if err := ValidatePauses(pauses); err != nil {
		return Result{}, err
	}
	d, count, paused := start, 0, 0
	for i := 0; count < n; i++ {
		if i >= maxSpanDays {
			return Result{}, apperr.Invalidf("期限跨度超过 %d 年，无法计算，请检查暂停区间。", MaxSpanYears)
		}
		d = d.AddDays(1)
		s := Step{DayInfo: c.Describe(d)}
		if s.Working {
			if iv, ok := pausedOn(pauses, d); ok {
				paused++
				s.Paused, s.PauseNote = true, iv.Note
			} else {
				count++
				s.N = count
			}
		}
		if steps != nil {
			*steps = append(*steps, s)
		}
	}
	return Result{Due: d, PausedDays: paused, Uncovered: c.Uncovered(start, d)}, nil
}

func pausedOn(pauses []Interval, d civil.Date) (Interval, bool) {
	for _, iv := range pauses {
		if iv.Contains(d) {
			return iv, true
		}
	}
	return Interval{}, false
}

// ValidatePauses checks paused intervals: real dates, From not after To.
func ValidatePauses(pauses []Interval) error {
	for i, iv := range pauses {
		if !validDate(iv.From) || !validDate(iv.To) {
			return apperr.Invalidf("第 %d 个暂停区间的日期无效。", i+1)
		}
		if iv.From.After(iv.To) {
			return apperr.Invalidf("第 %d 个暂停区间的开始日期（%s）晚于结束日期（%s）。", i+1, iv.From, iv.To)
		}
	}
	return nil
}

// WorkingDaysBetween returns the number of working days in (from, to], so
// that WorkingDaysBetween(from, AddWorkingDays(from, n)) == n. If to is
// before from the result is minus the number in (to, from] (days overdue).
func (c *Calendar) WorkingDaysBetween(from, to civil.Date) (int, error) {
	if to.Before(from) {
		n, err := c.WorkingDaysBetween(to, from)
		return -n, err
	}
	if err := c.checkSpan(from, to); err != nil {
		return 0, err
	}
	n := 0
	for d := from.AddDays(1); !d.After(to); d = d.AddDays(1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return n, nil
}

// ExplainBetween lists every day of (from, to] and whether it counted. to
// must not be before from.
func (c *Calendar) ExplainBetween(from, to civil.Date) (Explanation, error) {
	if err := c.checkSpan(from, to); err != nil {
		return Explanation{}, err
	}
	if to.Before(from) {
		return Explanation{}, apperr.Invalidf("结束日期（%s）早于开始日期（%s）。", to, from)
	}
	e := Explanation{From: from, To: to, Uncovered: c.Uncovered(from, to)}
	for d := from.AddDays(1); !d.After(to); d = d.AddDays(1) {
		s := Step{DayInfo: c.Describe(d)}
		if s.Working {
			e.Count++
			s.N = e.Count
		}
		e.Steps = append(e.Steps, s)
	}
	return e, nil
}

func (c *Calendar) checkSpan(from, to civil.Date) error {
	if err := checkDate(from, "开始日期"); err != nil {
		return err
	}
	if err := checkDate(to, "结束日期"); err != nil {
		return err
	}
	if span := from.DaysUntil(to); span > maxSpanDays || span < -maxSpanDays {
		return apperr.Invalidf("日期跨度超过 %d 年，无法计算。", MaxSpanYears)
	}
	return nil
}

func checkDate(d civil.Date, label string) error {
	if d.IsZero() {
		return apperr.Invalidf("请填写%s。", label)
	}
	if !validDate(d) {
		return apperr.Invalidf("%s无效。", label)
	}
	return nil
}

// validDate reports whether d is a real calendar date in a sane range.
func validDate(d civil.Date) bool {
	return d.Year >= 1900 && d.Year <= 9999 && civil.New(d.Year, d.Month, d.Day) == d
}

func sortDays(days []Day) {
	slices.SortStableFunc(days, func(a, b Day) int { return a.Date.Compare(b.Date) })
}
