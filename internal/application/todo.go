package application

import (
	"context"

	"github.com/gongkai/gongkai/internal/civil"
)

// DueWork is the next duty of the disclosure office on an open
// application, for the to-do centre (待办).
type DueWork struct {
	ApplicationID int64
	Number        string
	Subject       string
	Action        Action     // ActRegister, ActReply or ActConsulted
	Due           civil.Date // the day it is due (see Service.DueWork)
	DivisionID    int64
	HandlerID     int64 // the assigned handler (0: the disclosure office)
	ExtensionDays int
	Party         string // ActConsulted: who was consulted
}

// maxDueWork bounds the open applications listed at once.
const maxDueWork = 500

// DueWork lists an agency's open applications that wait for the disclosure
// office, with the date each step is due:
//   - 待登记: register on the day the application arrived (Art. 31: the
//     date of receipt is fixed by the channel; an ordinary letter is to be
//     confirmed the day it arrives);
//   - 办理中: the reply, by the tracked Art. 33 due date (extension and
//     pauses counted in);
//   - 征求意见中: each open consultation, by its Art. 32/34 period (the
//     reply clock stands still meanwhile).
//
// Applications waiting on the applicant (补正, 缴费, 说明理由) are not
// listed: the close-expired job deals with them.
func (s *Service) DueWork(ctx context.Context, agencyID int64) ([]DueWork, error) {
	apps, _, err := listApps(ctx, s.DB.R, ListFilter{AgencyID: agencyID, States: []State{Received, Processing, Consulting}, Limit: maxDueWork})
	if err != nil {
		return nil, err
	}
	var out []DueWork
	consulting := map[int64]*Application{}
	for _, a := range apps {
		w := DueWork{ApplicationID: a.ID, Number: a.Number, Subject: a.Subject(), DivisionID: a.DivisionID, HandlerID: a.HandlerID,
			ExtensionDays: a.ExtensionDays}
		switch a.State {
		case Received:
			w.Action, w.Due = ActRegister, a.ReceivedOn
		case Processing:
			if a.DueOn.IsZero() {
				continue
			}
			w.Action, w.Due = ActReply, a.DueOn
		case Consulting:
			consulting[a.ID] = a
			continue
		}
		out = append(out, w)
	}
	if len(consulting) == 0 {
		return out, nil
	}
	rows, err := s.DB.R.QueryContext(ctx, `SELECT c.application_id, c.party, c.due_on FROM application_consultations c
		JOIN applications a ON a.id = c.application_id
		WHERE a.agency_id = $1 AND a.state = 'consulting' AND c.answered_on IS NULL ORDER BY c.due_on, c.id`, agencyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id    int64
			party string
			due   civil.Date
		)
		if err := rows.Scan(&id, &party, &due); err != nil {
			return nil, err
		}
		a := consulting[id]
		if a == nil {
			continue // beyond maxDueWork
		}
		out = append(out, DueWork{ApplicationID: a.ID, Number: a.Number, Subject: a.Subject(), Action: ActConsulted, Due: due,
			DivisionID: a.DivisionID, HandlerID: a.HandlerID, ExtensionDays: a.ExtensionDays, Party: party})
	}
	return out, rows.Err()
}
