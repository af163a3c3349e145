package concern

import (
	"context"

	"github.com/gongkai/gongkai/internal/civil"
)

// DueWork is an open case for the to-do centre (待办): who has to act on it
// and by when its reply is due.
type DueWork struct {
	CaseID     int64
	Number     string
	Subject    string
	Channel    Channel
	State      State // Received (to assign), Assigned (to answer), Review (reply to approve)
	Due        civil.Date
	DivisionID int64
	HandlerID  int64
	Supervised bool // 督办
}

// maxDueWork bounds the open cases listed at once.
const maxDueWork = 1000

// DueWork lists an agency's open cases (待分办, 办理中, 答复待审核) with
// their reply deadline (the agency's period for the channel, in working
// days, or the 12345 order's own), soonest first.
func (s *Service) DueWork(ctx context.Context, agencyID int64) ([]DueWork, error) {
	var out []DueWork
	for offset := 0; offset < maxDueWork; offset += 200 {
		cases, total, err := listCases(ctx, s.DB.R, ListFilter{AgencyID: agencyID, States: []State{Received, Assigned, Review}, Limit: 200, Offset: offset})
		if err != nil {
			return nil, err
		}
		for _, c := range cases {
			if c.DueOn.IsZero() {
				continue
			}
			out = append(out, DueWork{CaseID: c.ID, Number: c.Number, Subject: c.Subject, Channel: c.Channel, State: c.State, Due: c.DueOn,
				DivisionID: c.DivisionID, HandlerID: c.HandlerID, Supervised: c.Supervised})
		}
		if offset+len(cases) >= total || len(cases) == 0 {
			break
		}
	}
	return out, nil
}
