package stdcatalog

import (
	"context"

	"github.com/gongkai/gongkai/internal/civil"
)

// DueWork is a catalogue entry that needs a publication, for the to-do
// centre (待办).
type DueWork struct {
	Entry *Entry
	// Missing: the monitor found no publication for a period that is over
	// (Due is its deadline, or today when the entry never had one);
	// otherwise this year's annual deadline comes within UpcomingDays and
	// nothing is published yet.
	Missing bool
	Year    int
	Due     civil.Date
}

// UpcomingDays is how many calendar days before an annual deadline the
// entry is listed.
const UpcomingDays = 30

// DueWork lists an agency's missing publications (the coverage monitor's
// 缺少公开 gaps) and the annual publications due within UpcomingDays of
// today. Late publications are not listed: the item is out, and the
// coverage report keeps the record.
func (s *Service) DueWork(ctx context.Context, agencyID int64, today civil.Date) ([]DueWork, error) {
	entries, err := listEntries(ctx, s.DB.R, agencyID, Filter{})
	if err != nil {
		return nil, err
	}
	links, err := s.linkedItems(ctx, agencyID, 0)
	if err != nil {
		return nil, err
	}
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	var out []DueWork
	for _, e := range entries {
		if !e.Rule.Checked() {
			continue
		}
		for _, g := range GapsOf(e, links[e.ID], cal, today) {
			if g.Kind != Missing {
				continue
			}
			due := g.Due
			if due.IsZero() {
				due = today
			}
			out = append(out, DueWork{Entry: e, Missing: true, Year: g.Year, Due: due})
		}
		if e.Rule.Kind != RuleAnnual {
			continue
		}
		due := e.Rule.DeadlineIn(today.Year)
		if due.Before(today) || due.After(today.AddDays(UpcomingDays)) || (!e.MonitorFrom.IsZero() && due.Before(e.MonitorFrom)) {
			continue
		}
		published := false
		for _, it := range links[e.ID] {
			published = published || (it.Public && it.PublishedOn.Year == today.Year)
		}
		if !published {
			out = append(out, DueWork{Entry: e, Year: today.Year, Due: due})
		}
	}
	return out, nil
}
