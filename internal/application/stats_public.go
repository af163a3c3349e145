package application

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// Aggregates for the public statistics page and the annual report's
// narrative: no application is identifiable from them.

// OutcomeGroup is one of the six result groups of table three (（一）予以公开
// … （六）其他处理) with its total.
type OutcomeGroup struct {
	Key   string // granted, partial, denied, unable, not_processed, other
	Label string
	Count int
}

// outcomeGroups name the groups of rows 3–23 of table three.
var outcomeGroups = []struct {
	key, label string
	rows       []Row
}{
	{"granted", "予以公开", []Row{RowGranted}},
	{"partial", "部分公开", []Row{RowPartial}},
	{"denied", "不予公开", []Row{RowStateSecret, RowLawForbidden, RowSecurity, RowThirdParty, RowInternalAffairs, RowProcessInfo, RowEnforcementFile, RowAdminQuery}},
	{"unable", "无法提供", []Row{RowNotHeld, RowNeedsCreation, RowStillUnclear}},
	{"not_processed", "不予处理", []Row{RowPetition, RowRepeat, RowPublication, RowExcessive, RowConfirmReissue}},
	{"other", "其他处理", []Row{RowNoCorrection, RowFeeUnpaid, RowOther}},
}

// OutcomeGroups sums the table's result rows (总计 column) by group, in the
// order of the table. Their sum is row （七）总计.
func (t Table) OutcomeGroups() []OutcomeGroup {
	out := make([]OutcomeGroup, 0, len(outcomeGroups))
	for _, g := range outcomeGroups {
		n := 0
		for _, r := range g.rows {
			n += t.Get(r, colTotal)
		}
		out = append(out, OutcomeGroup{Key: g.key, Label: g.label, Count: n})
	}
	return out
}

// ResponseStats are the reply times of the applications an agency replied
// to in a year (closings without a reply — withdrawn, abandoned — have no
// reply time). Times are counted as the law counts the period (Art. 33,
// §1.5.5): working days on the official calendar after the start of the
// reply period (the date of receipt, or of the corrected application),
// not counting the days the clock stood still (consultations, fee notices).
type ResponseStats struct {
	Year    int
	Replied int
	// TotalDays is the sum of the reply times, for the mean.
	TotalDays int
	MaxDays   int
	// WithinStatutory were replied within the 20 working days of Art. 33
	// ¶2; WithinLimit within the period that applied (with a lawful
	// extension or Art. 35 delay), i.e. on time.
	WithinStatutory int
	WithinLimit     int
	Extended        int // replied after an Art. 33 extension
}

// AvgDays is the mean reply time in working days (0 without replies).
func (r ResponseStats) AvgDays() float64 {
	if r.Replied == 0 {
		return 0
	}
	return float64(r.TotalDays) / float64(r.Replied)
}

// ResponseTimes computes the reply times of agencyID's applications
// replied to in year.
func (s *Service) ResponseTimes(ctx context.Context, agencyID int64, year int) (ResponseStats, error) {
	st := ResponseStats{Year: year}
	if year < 2000 || year > 9999 {
		return st, fmt.Errorf("年度无效：%d", year)
	}
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return st, err
	}
	rows, err := s.DB.R.QueryContext(ctx, `SELECT clock_start, receipt_date, received_on, replied_on, extension_days, delay_days, pauses
		FROM applications WHERE agency_id = $1 AND state = $2 AND replied_on >= $3 AND replied_on < $4`,
		agencyID, Replied, civil.New(year, 1, 1), civil.New(year+1, 1, 1))
	if err != nil {
		return st, db.Classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			start, receipt, received, replied civil.Date
			ext, delay                        int
			raw                               string
			pauses                            []calendar.Interval
		)
		if err := rows.Scan(&start, &receipt, &received, &replied, &ext, &delay, &raw); err != nil {
			return st, err
		}
		if err := json.Unmarshal([]byte(raw), &pauses); err != nil {
			return st, fmt.Errorf("application pauses: %w", err)
		}
		for _, d := range []civil.Date{receipt, received} {
			if start.IsZero() {
				start = d
			}
		}
		n := countedDays(cal, start, replied, pauses)
		st.Replied++
		st.TotalDays += n
		st.MaxDays = max(st.MaxDays, n)
		if n <= ReplyDays {
			st.WithinStatutory++
		}
		if n <= ReplyDays+ext+delay {
			st.WithinLimit++
		}
		if ext > 0 {
			st.Extended++
		}
	}
	return st, rows.Err()
}

// countedDays are the working days of (start, end] outside pauses: the
// days of the reply period an application used. A span beyond the
// calculator's range counts as far as it goes.
func countedDays(cal *calendar.Calendar, start, end civil.Date, pauses []calendar.Interval) int {
	n := 0
	for d, i := start.AddDays(1), 0; !d.After(end) && i < calendar.MaxSpanYears*366; d, i = d.AddDays(1), i+1 {
		if !cal.IsWorkingDay(d) {
			continue
		}
		paused := false
		for _, iv := range pauses {
			if iv.Contains(d) {
				paused = true
				break
			}
		}
		if !paused {
			n++
		}
	}
	return n
}
