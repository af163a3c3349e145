package docregistry

import (
	"context"
	"sort"
	"strconv"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
)

// ReportRow counts the documents of a division or a month.
type ReportRow struct {
	Label      string
	Registered int // documents registered (drafted) in the period
	Proactive  int // of which 主动公开
	Published  int // proactive documents published (in the period, for months)
	OnTime     int // of the published, within the 20 working days
	Late       int // published after the deadline
	Pending    int // approved and signed, not yet published, not overdue
	Overdue    int // not published and past the deadline
}

// Rate is the share of proactive documents published, in percent.
func (r ReportRow) Rate() string {
	if r.Proactive == 0 {
		return "—"
	}
	return strconv.Itoa(r.Published*100/r.Proactive) + "%"
}

// AttributeCount is one attribute's share of the year's documents.
type AttributeCount struct {
	Attribute Attribute
	N         int
	Percent   int
}

// Report is registered against published, by division and by month of a
// year, the attribute distribution and the overdue documents (of any year).
type Report struct {
	Year       int
	Years      []int
	Total      ReportRow
	Divisions  []ReportRow
	Months     []ReportRow
	Attributes []AttributeCount
	Overdue    []*Document
	Grounds    []GroundCount
}

// GroundCount counts the grounds given for non-disclosure in the year.
type GroundCount struct {
	Ground Ground
	N      int
}

// Report computes the year's report for the principal's agency.
func (s *Service) Report(ctx context.Context, p *auth.Principal, year int) (*Report, error) {
	if err := canManage(p); err != nil {
		return nil, err
	}
	all, err := s.list(ctx, p.AgencyID, ListFilter{})
	if err != nil {
		return nil, err
	}
	today := s.Today()
	if year == 0 {
		year = today.Year
	}
	rep := &Report{Year: year, Total: ReportRow{Label: "合计"}}
	years := map[int]bool{today.Year: true}
	divs := map[string]*ReportRow{}
	_, order, err := s.divisions(ctx, p.AgencyID)
	if err != nil {
		return nil, err
	}
	for _, d := range order {
		divs[d.Name] = &ReportRow{Label: d.Name}
	}
	months := make([]ReportRow, 12)
	for i := range months {
		months[i].Label = strconv.Itoa(i+1) + "月"
	}
	attrs := map[Attribute]int{}
	grounds := map[Ground]int{}
	for _, d := range all {
		years[d.DraftedOn.Year] = true
		pub := d.Publication(today)
		if pub == PubOverdue {
			rep.Overdue = append(rep.Overdue, d)
		}
		if on := d.PublishedOn(); !on.IsZero() && on.Year == year {
			months[on.Month-1].Published++
			if d.PublishedLate() {
				months[on.Month-1].Late++
			} else {
				months[on.Month-1].OnTime++
			}
		}
		if d.DraftedOn.Year != year {
			continue
		}
		name := d.DivisionName
		if name == "" {
			name = "（已撤销的处室）"
		}
		row := divs[name]
		if row == nil {
			row = &ReportRow{Label: name}
			divs[name] = row
			order = append(order, DivisionRef{Name: name})
		}
		m := &months[d.DraftedOn.Month-1]
		attrs[d.Attribute]++
		if d.Ground != "" {
			grounds[d.Ground]++
		}
		for _, r := range []*ReportRow{row, &rep.Total} {
			count(r, d, pub)
		}
		m.Registered++
		if d.Attribute == Proactive {
			m.Proactive++
		}
		if pub == PubPending {
			m.Pending++
		}
		if pub == PubOverdue {
			m.Overdue++
		}
	}
	for _, d := range order {
		if r := divs[d.Name]; r != nil {
			rep.Divisions = append(rep.Divisions, *r)
			delete(divs, d.Name)
		}
	}
	rep.Months = months
	for _, a := range Attributes {
		c := AttributeCount{Attribute: a, N: attrs[a]}
		if rep.Total.Registered > 0 {
			c.Percent = (attrs[a]*1000/rep.Total.Registered + 5) / 10
		}
		rep.Attributes = append(rep.Attributes, c)
	}
	for _, g := range Grounds {
		if grounds[g.Code] > 0 {
			rep.Grounds = append(rep.Grounds, GroundCount{Ground: g.Code, N: grounds[g.Code]})
		}
	}
	for y := range years {
		rep.Years = append(rep.Years, y)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(rep.Years)))
	sort.Slice(rep.Overdue, func(i, j int) bool { return rep.Overdue[i].DueOn.Before(rep.Overdue[j].DueOn) })
	return rep, nil
}

func count(r *ReportRow, d *Document, pub Publication) {
	r.Registered++
	if d.Attribute != Proactive {
		return
	}
	r.Proactive++
	switch pub {
	case PubPublished:
		r.Published++
		if d.PublishedLate() {
			r.Late++
		} else {
			r.OnTime++
		}
	case PubPending:
		r.Pending++
	case PubOverdue:
		r.Overdue++
	}
}

// overdueDays is how many working days d is overdue on today (0 if the
// calendar cannot say).
func (s *Service) overdueDays(ctx context.Context, d *Document, today civil.Date) int {
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil || d.DueOn.IsZero() {
		return 0
	}
	n, err := cal.WorkingDaysBetween(d.DueOn, today)
	if err != nil {
		return 0
	}
	return n
}
