package disclosure

import (
	"context"
	"time"

	"github.com/gongkai/gongkai/internal/civil"
)

// DueWork is an unpublished item waiting for someone, for the to-do
// centre (待办).
type DueWork struct {
	ItemID int64
	Title  string
	Status Status
	// Next is the step it waits for: ActSubmit (the author finishes the
	// draft), ActReview (保密审查), ActApprove, or ActPublish.
	Next Action
	// Due is the Art. 26 deadline (20 working days from FormedOn) when the
	// item has one; otherwise ReviewWorkingDays after it reached its
	// status. Statutory says which.
	Due       civil.Date
	Statutory bool
	CreatedBy int64
}

// ReviewWorkingDays is the platform's own time for a step of the workflow
// (review, approval, publication) on an item without an Art. 26 deadline:
// not a legal period, only so that such items do not wait unseen.
const ReviewWorkingDays = 3

// maxDueWork bounds the items listed at once.
const maxDueWork = 1000

// DueWork lists an agency's items that wait for a step: drafts with an
// Art. 26 deadline (drafts without one are nobody's duty yet), and every
// submitted, reviewed or approved item. Scheduled items publish themselves.
func (s *Service) DueWork(ctx context.Context, agencyID int64) ([]DueWork, error) {
	st, err := getSettings(ctx, s.DB.R, agencyID)
	if err != nil {
		return nil, err
	}
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.R.QueryContext(ctx, `SELECT id, title, status, due_on, COALESCE(created_by, 0), updated_at FROM items
		WHERE agency_id = $1 AND (status IN ('submitted', 'reviewed', 'approved') OR (status = 'draft' AND due_on IS NOT NULL))
		ORDER BY due_on, id LIMIT $2`, agencyID, maxDueWork)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DueWork
	for rows.Next() {
		var (
			w       DueWork
			status  string
			updated time.Time
		)
		if err := rows.Scan(&w.ItemID, &w.Title, &status, &w.Due, &w.CreatedBy, &updated); err != nil {
			return nil, err
		}
		w.Status = Status(status)
		switch w.Status {
		case Draft:
			w.Next = ActSubmit
		case Submitted:
			w.Next = ActReview
		case Reviewed:
			w.Next = ActPublish
			if st.RequireApproval {
				w.Next = ActApprove
			}
		default:
			w.Next = ActPublish
		}
		w.Statutory = !w.Due.IsZero()
		if !w.Statutory {
			if w.Due, err = cal.AddWorkingDays(civil.Of(updated), ReviewWorkingDays); err != nil {
				return nil, err
			}
		}
		out = append(out, w)
	}
	return out, rows.Err()
}
