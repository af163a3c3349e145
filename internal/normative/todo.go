package normative

import "context"

// OpenReminders are an agency's open evaluation reminders (到期评估), the
// soonest expiry first, with their documents: the to-do centre's feed (it
// checks its own permissions; Reminders is the same for a person).
func (s *Service) OpenReminders(ctx context.Context, agencyID int64) ([]*Reminder, error) {
	rs, err := queryReminders(ctx, s.DB.R, "WHERE r.agency_id = $1 AND r.done_at IS NULL ORDER BY r.expires_on, r.id", agencyID)
	if err != nil {
		return nil, err
	}
	return rs, s.attachDocs(ctx, rs)
}
