package application

import (
	"context"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// FeesReceived is the 信息处理费 an agency received in a year (by the date
// payment was recorded), in 元, for section 六 of the annual report.
func (s *Service) FeesReceived(ctx context.Context, agencyID int64, year int) (int64, error) {
	var sum int64
	err := s.DB.R.QueryRowContext(ctx, `SELECT COALESCE(SUM(fee_amount), 0) FROM applications
		WHERE agency_id = $1 AND fee_paid_on >= $2 AND fee_paid_on < $3`, agencyID, civil.New(year, 1, 1), civil.New(year+1, 1, 1)).Scan(&sum)
	return sum, db.Classify(err)
}
