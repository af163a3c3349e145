package todo

import (
	"context"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
)

// How many of the oldest overdue items the supervision view names.
const (
	OldestPerDivision = 3
	OldestOverall     = 10
)

// Tally counts the open items of a division (or of the whole agency).
type Tally struct {
	DivisionID int64
	Name       string
	Open       int
	DueSoon    int
	Overdue    int
	// Oldest are its most overdue items, the longest overdue first.
	Oldest []Entry
}

// Board is the leader's supervision view (督办): every division's open,
// due-soon and overdue items and the longest overdue ones.
type Board struct {
	Today     civil.Date
	Total     Tally
	Divisions []Tally
	Oldest    []Entry
	Failures  []Failure
}

// FailureText is the notice shown when sources failed.
func (b *Board) FailureText() string { return (&List{Failures: b.Failures}).FailureText() }

// Supervision returns the supervision view of p's agency (SuperviseTodos).
// An item counts for its division, else for its assignee's; the rest are
// under 未指定处室.
func (s *Service) Supervision(ctx context.Context, p *auth.Principal) (*Board, error) {
	if !auth.Allowed(p, auth.SuperviseTodos) || p.AgencyID == 0 {
		return nil, apperr.New(apperr.Forbidden, "只有单位管理员和审批人可以查看督办情况。")
	}
	today := s.Today()
	items, failures := s.Gather(ctx, p.AgencyID, today)
	ix := s.index(ctx, p.AgencyID)
	b := &Board{Today: today, Total: Tally{Name: "全单位"}, Failures: failures}
	byDiv := map[int64]*Tally{}
	order := make([]int64, 0, len(ix.order)+1)
	for _, d := range ix.order {
		byDiv[d.ID] = &Tally{DivisionID: d.ID, Name: d.Name}
		order = append(order, d.ID)
	}
	for _, e := range s.entries(ctx, items, today, ix) {
		t := byDiv[e.DivisionOf()]
		if t == nil {
			t = byDiv[0]
			if t == nil {
				t = &Tally{Name: "未指定处室"}
				byDiv[0] = t
				order = append(order, 0)
			}
		}
		for _, tl := range []*Tally{t, &b.Total} {
			tl.Open++
			switch e.Urgency {
			case Overdue:
				tl.Overdue++
			case DueSoon:
				tl.DueSoon++
			}
		}
		// Entries come by due date: the first overdue ones are the oldest.
		if e.Urgency == Overdue {
			if len(t.Oldest) < OldestPerDivision {
				t.Oldest = append(t.Oldest, e)
			}
			if len(b.Oldest) < OldestOverall {
				b.Oldest = append(b.Oldest, e)
			}
		}
	}
	for _, id := range order {
		b.Divisions = append(b.Divisions, *byDiv[id])
	}
	return b, nil
}
