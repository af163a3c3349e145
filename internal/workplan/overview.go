package workplan

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/todo"
)

// Tally counts tasks by status with their percent done (each task
// weighted equally).
type Tally struct {
	Total, NotStarted, InProgress, Done, Overdue int
	Percent                                      int
}

// Count is the number of tasks with a status.
func (t Tally) Count(s Status) int {
	switch s {
	case NotStarted:
		return t.NotStarted
	case InProgress:
		return t.InProgress
	case Done:
		return t.Done
	case Overdue:
		return t.Overdue
	}
	return 0
}

func tallyOf(tasks []*Task) Tally {
	var t Tally
	sum := 0
	for _, x := range tasks {
		t.Total++
		sum += x.Percent
		switch x.Status {
		case NotStarted:
			t.NotStarted++
		case InProgress:
			t.InProgress++
		case Done:
			t.Done++
		case Overdue:
			t.Overdue++
		}
	}
	if t.Total > 0 {
		t.Percent = (sum + t.Total/2) / t.Total
	}
	return t
}

// Row is a line of the overview: a part or a division with its tally.
type Row struct {
	Label string
	Tally Tally
}

// Overview is the leader's view of a plan: by part and by division,
// counts by status and percent done, and the overdue tasks.
type Overview struct {
	Plan      *Plan
	Today     civil.Date
	Total     Tally
	Parts     []Row
	Divisions []Row
	Overdue   []*Task
	DueSoon   []*Task
	// Breakdowns are the tables and charts: by part, by division.
	Breakdowns []Breakdown
	// DivisionOf names each overdue task's responsible division.
	DivisionOf map[int64]string
}

// Overview computes the overview of a plan of p's agency.
func (s *Service) Overview(ctx context.Context, p *auth.Principal, planID int64) (*Overview, error) {
	pl, err := s.Plan(ctx, p, planID)
	if err != nil {
		return nil, err
	}
	return OverviewOf(pl, s.Today()), nil
}

// OverviewOf computes the overview of a loaded plan.
func OverviewOf(pl *Plan, today civil.Date) *Overview {
	o := &Overview{Plan: pl, Today: today, DivisionOf: map[int64]string{}}
	leaves := pl.Leaves()
	o.Total = tallyOf(leaves)
	for _, part := range pl.Parts {
		var ts []*Task
		for _, t := range part.Tasks {
			if t.Leaf() {
				ts = append(ts, t)
			}
			ts = append(ts, t.Subtasks...)
		}
		o.Parts = append(o.Parts, Row{Label: part.Heading(), Tally: tallyOf(ts)})
	}
	byDiv := map[string][]*Task{}
	var names []string
	for _, t := range leaves {
		_, name := pl.EffectiveDivision(t)
		if name == "" {
			name = "（未分配处室）"
		}
		if _, ok := byDiv[name]; !ok {
			names = append(names, name)
		}
		byDiv[name] = append(byDiv[name], t)
		switch {
		case t.Status == Overdue:
			o.Overdue = append(o.Overdue, t)
			o.DivisionOf[t.ID] = name
		case t.DueSoon():
			o.DueSoon = append(o.DueSoon, t)
			o.DivisionOf[t.ID] = name
		}
	}
	sort.SliceStable(names, func(i, j int) bool { return names[i] < names[j] })
	for _, n := range names {
		o.Divisions = append(o.Divisions, Row{Label: n, Tally: tallyOf(byDiv[n])})
	}
	sort.SliceStable(o.Overdue, func(i, j int) bool { return o.Overdue[i].Due.Before(o.Overdue[j].Due) })
	sort.SliceStable(o.DueSoon, func(i, j int) bool { return o.DueSoon[i].Due.Before(o.DueSoon[j].Due) })
	o.Breakdowns = []Breakdown{
		{ID: "parts", Title: "按部分", Head: "部分", Rows: o.Parts, Chart: chartOf("chart-parts", o.Parts)},
		{ID: "divisions", Title: "按责任处室", Head: "责任处室", Rows: o.Divisions, Chart: chartOf("chart-divisions", o.Divisions)},
	}
	return o
}

// Breakdown is the tally by part or by division, as a chart and a table.
type Breakdown struct {
	ID, Title, Head string
	Rows            []Row
	Chart           Chart
}

// Chart is a horizontal bar chart of percent done, drawn as SVG on the
// server; a data table always goes with it.
type Chart struct {
	ID     string
	Height int
	Bars   []Bar
}

// Bar is a bar of the chart.
type Bar struct {
	Label, Short string
	Percent      int
	Y, TextY, W  int
}

// BarWidth is the width of a 100 percent bar.
const BarWidth = 280

func chartOf(id string, rows []Row) Chart {
	c := Chart{ID: id, Height: len(rows)*28 + 8}
	for i, r := range rows {
		c.Bars = append(c.Bars, Bar{Label: r.Label, Short: clip(r.Label, 10), Percent: r.Tally.Percent, Y: i*28 + 6, TextY: i*28 + 19,
			W: r.Tally.Percent * BarWidth / 100})
	}
	return c
}

// ---------------------------------------------------------------- to-dos

// RecentYears is how many years back a plan feeds the to-do centre: this
// year's and last year's (a plan's loose ends are carried into the next
// year's plan, older plans are history on their own pages).
const RecentYears = 1

// Todos lists the agency's open work as of today: tasks due within
// DueSoonDays or overdue (to the responsible division's staff who report
// progress), and a missing hearing of the year's work report from
// HearingReminderDays before its due day (to those who manage the plan).
func (s *Service) Todos(ctx context.Context, agencyID int64, today civil.Date) ([]todo.Item, error) {
	rows, err := s.DB.R.QueryContext(ctx, `SELECT id FROM workplans WHERE agency_id = $1 AND year >= $2 ORDER BY year, id`, agencyID, today.Year-RecentYears)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []todo.Item
	for _, id := range ids {
		pl, err := s.load(ctx, s.DB.R, id, today)
		if err != nil {
			return nil, err
		}
		for _, t := range pl.Leaves() {
			if t.Status == Done || today.DaysUntil(t.Due) > DueSoonDays {
				continue
			}
			div, _ := pl.EffectiveDivision(t)
			note := "已完成 " + strconv.Itoa(t.Percent) + "%"
			kind := "报告工作要点进展"
			if t.Status == Overdue {
				kind = "工作要点任务逾期"
			}
			title := fmt.Sprintf("%d年工作要点 %s", pl.Year, t.Label())
			if parent := pl.Parent(t); parent != nil {
				title = fmt.Sprintf("%d年工作要点 %s %s", pl.Year, parent.Number, t.Label())
			}
			out = append(out, todo.Item{Source: "workplan", Kind: kind, Title: title, URL: TaskURL(pl.ID, t.ID), Due: t.Due,
				AgencyID: agencyID, DivisionID: div, Perm: auth.ReportProgress, Note: note})
		}
	}
	st, err := s.HearingStatus(ctx, agencyID, today)
	if err != nil {
		return nil, err
	}
	if st.Flagged || st.Reminder {
		out = append(out, todo.Item{Source: "workplan", Kind: "听取政务公开工作汇报",
			Title: fmt.Sprintf("主要负责同志年内至少听取 1 次政务公开工作汇报：%d 年尚无记录", st.Year),
			URL:   HearingsURL, Due: st.Due, AgencyID: agencyID, Perm: auth.ManageWorkPlan, Note: "工作要点五（一）"})
	}
	return out, nil
}

// Console addresses.
const (
	ListURL     = "/console/workplan"
	HearingsURL = "/console/workplan/hearings"
	ImportURL   = "/console/workplan/import"
)

// PlanURL is a plan's console page.
func PlanURL(id int64) string { return ListURL + "/" + strconv.FormatInt(id, 10) }

// TaskURL is a task's console page.
func TaskURL(planID, taskID int64) string {
	return PlanURL(planID) + "/tasks/" + strconv.FormatInt(taskID, 10)
}
