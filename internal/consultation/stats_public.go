package consultation

import (
	"context"
	"fmt"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// YearStats are an agency's consultations of a year as the public may see
// them: how many were held, the comments and the people who sent them,
// and — for those whose feedback is published — how many were adopted.
type YearStats struct {
	Year int
	// Held are the published consultations whose period opened in the year.
	Held     int
	Comments int
	// Participants estimates the people who commented: comments are told
	// apart by e-mail address, else phone number, else the address they
	// came from; one with none of these counts alone. Nothing of it leaves
	// this function but the count.
	Participants int
	// Answered are the consultations whose feedback (采纳情况) is
	// published; Adopted and Partly count their comments adopted and
	// adopted in part.
	Answered      int
	Adopted       int
	Partly        int
	Consultations []YearConsultation // newest first
}

// YearConsultation is one consultation's public figures.
type YearConsultation struct {
	ID           int64
	Title        string
	OpensOn      civil.Date
	ClosesOn     civil.Date
	State        State
	Comments     int
	Participants int
}

// participantKey tells commenters apart (see YearStats.Participants).
const participantKey = `COALESCE(NULLIF(LOWER(m.email), ''), NULLIF(m.phone, ''), NULLIF(m.ip, ''), 'comment:' || CAST(m.id AS TEXT))`

// YearStats computes the figures of agencyID's consultations opened in year.
func (s *Service) YearStats(ctx context.Context, agencyID int64, year int) (YearStats, error) {
	st := YearStats{Year: year}
	if year < 1900 || year > 9999 {
		return st, fmt.Errorf("consultation: year %d out of range", year)
	}
	from, to := civil.New(year, 1, 1), civil.New(year+1, 1, 1)
	rows, err := s.DB.R.QueryContext(ctx, `SELECT k.id, k.title, k.opens_on, k.closes_on, k.state,
			COUNT(m.id), COUNT(DISTINCT CASE WHEN m.id IS NOT NULL THEN `+participantKey+` END)
		FROM consultations k LEFT JOIN comments m ON m.consultation_id = k.id
		WHERE k.agency_id = $1 AND k.state <> $2 AND k.opens_on >= $3 AND k.opens_on < $4
		GROUP BY k.id, k.title, k.opens_on, k.closes_on, k.state
		ORDER BY k.opens_on DESC, k.id DESC`, agencyID, Draft, from, to)
	if err != nil {
		return st, db.Classify(err)
	}
	for rows.Next() {
		var c YearConsultation
		if err := rows.Scan(&c.ID, &c.Title, &c.OpensOn, &c.ClosesOn, &c.State, &c.Comments, &c.Participants); err != nil {
			rows.Close()
			return st, err
		}
		st.Held++
		st.Comments += c.Comments
		if c.State == Answered {
			st.Answered++
		}
		st.Consultations = append(st.Consultations, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, db.Classify(err)
	}
	if st.Held == 0 {
		return st, nil
	}
	// The same person commenting on two consultations counts once.
	if err := s.DB.R.QueryRowContext(ctx, `SELECT COUNT(DISTINCT `+participantKey+`)
		FROM comments m JOIN consultations k ON k.id = m.consultation_id
		WHERE k.agency_id = $1 AND k.state <> $2 AND k.opens_on >= $3 AND k.opens_on < $4`, agencyID, Draft, from, to).Scan(&st.Participants); err != nil {
		return st, db.Classify(err)
	}
	// Adoption as the published feedback states it: a comment's own answer,
	// else its group's.
	rows, err = s.DB.R.QueryContext(ctx, `SELECT COALESCE(NULLIF(m.answer, ''), COALESCE(g.answer, '')), COUNT(*)
		FROM comments m JOIN consultations k ON k.id = m.consultation_id LEFT JOIN comment_groups g ON g.id = m.group_id
		WHERE k.agency_id = $1 AND k.state = $2 AND k.opens_on >= $3 AND k.opens_on < $4
		GROUP BY COALESCE(NULLIF(m.answer, ''), COALESCE(g.answer, ''))`, agencyID, Answered, from, to)
	if err != nil {
		return st, db.Classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var ans string
		var n int
		if err := rows.Scan(&ans, &n); err != nil {
			return st, err
		}
		switch Answer(ans) {
		case Adopted:
			st.Adopted += n
		case Partly:
			st.Partly += n
		}
	}
	return st, db.Classify(rows.Err())
}
