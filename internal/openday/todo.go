package openday

import (
	"context"
	"time"
)

// DueWork is an open day that needs its organisers soon, for the to-do
// centre (待办).
type DueWork struct {
	Event *Event
	// Summary: the event is over and its summary (活动总结) is not
	// published yet; otherwise it starts within PrepareDays.
	Summary bool
}

// PrepareDays is how many days before an open day it is listed (the
// selection, the attendee list and the check-in to prepare).
const PrepareDays = 7

// SummaryWorkingDays is the platform's own time for publishing the summary
// after an open day (no rule sets one: domain-reference §6 [U]).
const SummaryWorkingDays = 5

// DueWork lists an agency's published open days that start within
// PrepareDays of now, and those held without a summary, the earliest
// first. Cancelled events and drafts are nobody's duty.
func (s *Service) DueWork(ctx context.Context, agencyID int64) ([]DueWork, error) {
	now := s.Now()
	list, err := listEvents(ctx, s.DB.R, `agency_id = $1 AND state = 'published' AND starts_at < $2 ORDER BY starts_at, id`,
		agencyID, now.Add(PrepareDays*24*time.Hour).UTC())
	if err != nil {
		return nil, err
	}
	out := make([]DueWork, 0, len(list))
	for _, e := range list {
		out = append(out, DueWork{Event: e, Summary: !now.Before(e.EndsAt)})
	}
	return out, nil
}
