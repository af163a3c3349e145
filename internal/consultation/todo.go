package consultation

import (
	"context"

	"github.com/gongkai/gongkai/internal/civil"
)

// DueWork is a consultation that needs staff soon, for the to-do centre
// (待办).
type DueWork struct {
	ConsultationID int64
	Title          string
	ClosesOn       civil.Date
	// Feedback: the comment period is over and the feedback report (采纳
	// 情况) is not published yet; otherwise the period closes within
	// ClosingDays and the comments are to be sorted and answered.
	Feedback  bool
	CreatedBy int64
}

// ClosingDays is how many calendar days before its last day an open
// consultation is listed (the comments are then to be grouped and
// answered).
const ClosingDays = 7

// FeedbackWorkingDays is the time the platform gives the feedback report
// after the comment period: the adoption of the opinions is government
// information formed when the period ends, so the Art. 26 period of 20
// working days applies (the 重大行政决策程序暂行条例 sets none of its own).
const FeedbackWorkingDays = 20

// DueWork lists an agency's consultations that close within ClosingDays of
// today and those closed without a published feedback report, the
// earliest last day first.
func (s *Service) DueWork(ctx context.Context, agencyID int64, today civil.Date) ([]DueWork, error) {
	rows, err := s.DB.R.QueryContext(ctx, `SELECT id, title, closes_on, state, COALESCE(created_by, 0) FROM consultations
		WHERE agency_id = $1 AND closes_on IS NOT NULL AND (state = 'closed' OR (state = 'open' AND closes_on <= $2))
		ORDER BY closes_on, id`, agencyID, today.AddDays(ClosingDays))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DueWork
	for rows.Next() {
		var (
			w     DueWork
			state string
		)
		if err := rows.Scan(&w.ConsultationID, &w.Title, &w.ClosesOn, &state, &w.CreatedBy); err != nil {
			return nil, err
		}
		// An open consultation past its last day is closed by the next run
		// of the closing job: its feedback is due all the same.
		w.Feedback = State(state) == Closed || w.ClosesOn.Before(today)
		out = append(out, w)
	}
	return out, rows.Err()
}
