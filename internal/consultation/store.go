package consultation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/db"
)

const consultationColumns = `id, agency_id, COALESCE(decision_id, 0), title, summary, draft, explanation, opens_on, closes_on,
	short_reason, state, published_at, closed_at, feedback_intro, feedback_published_at, COALESCE(created_by, 0), created_at, updated_at, version`

var errNone = apperr.NotFoundf("没有这项征求意见。")

func scanConsultation(row interface{ Scan(...any) error }) (*Consultation, error) {
	var c Consultation
	var published, closed, feedback sql.NullTime
	err := row.Scan(&c.ID, &c.AgencyID, &c.DecisionID, &c.Title, &c.Summary, &c.Draft, &c.Explanation, &c.OpensOn, &c.ClosesOn,
		&c.ShortReason, &c.State, &published, &closed, &c.FeedbackIntro, &feedback, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt, &c.Version)
	if err != nil {
		return nil, err
	}
	c.PublishedAt, c.ClosedAt, c.FeedbackPublishedAt = published.Time, closed.Time, feedback.Time
	return &c, nil
}

func getConsultation(ctx context.Context, q db.Querier, id int64) (*Consultation, error) {
	c, err := scanConsultation(q.QueryRowContext(ctx, "SELECT "+consultationColumns+" FROM consultations WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNone
	}
	return c, err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func listClauses(ctx context.Context, q db.Querier, id int64) ([]Clause, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, seq, label, body FROM consultation_clauses WHERE consultation_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Clause
	for rows.Next() {
		var c Clause
		if err := rows.Scan(&c.ID, &c.Seq, &c.Label, &c.Body); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func replaceClauses(ctx context.Context, tx db.Tx, id int64, clauses []Clause) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM consultation_clauses WHERE consultation_id = $1`, id); err != nil {
		return err
	}
	for _, c := range clauses {
		if _, err := tx.ExecContext(ctx, `INSERT INTO consultation_clauses (consultation_id, seq, label, body) VALUES ($1, $2, $3, $4)`,
			id, c.Seq, c.Label, c.Body); err != nil {
			return err
		}
	}
	return nil
}

const commentColumns = `c.id, c.consultation_id, COALESCE(c.clause_id, 0), COALESCE(cl.label, ''), c.body, c.name, c.phone, c.email,
	c.consent_publish, COALESCE(c.attachment_id, 0), c.moderation, c.mod_reason, COALESCE(c.duplicate_of, 0), COALESCE(c.campaign, 0),
	COALESCE(c.group_id, 0), COALESCE(g.label, ''), c.answer, c.reply, COALESCE(g.answer, ''), COALESCE(g.reply, ''), c.answered_at, c.created_at`

const commentFrom = ` FROM comments c LEFT JOIN consultation_clauses cl ON cl.id = c.clause_id LEFT JOIN comment_groups g ON g.id = c.group_id`

func scanComment(row interface{ Scan(...any) error }) (*Comment, error) {
	var c Comment
	var gAnswer, gReply string
	var answered sql.NullTime
	if err := row.Scan(&c.ID, &c.ConsultationID, &c.ClauseID, &c.ClauseLabel, &c.Body, &c.Name, &c.Phone, &c.Email, &c.Consent,
		&c.AttachmentID, &c.Moderation, &c.ModReason, &c.DuplicateOf, &c.Campaign, &c.GroupID, &c.GroupLabel, &c.Answer, &c.Reply,
		&gAnswer, &gReply, &answered, &c.CreatedAt); err != nil {
		return nil, err
	}
	c.AnsweredAt = answered.Time
	c.EffAnswer, c.EffReply = c.Answer, c.Reply
	if c.EffAnswer == "" {
		c.EffAnswer, c.EffReply = Answer(gAnswer), gReply
	}
	return &c, nil
}

func getComment(ctx context.Context, q db.Querier, consultationID, id int64) (*Comment, error) {
	c, err := scanComment(q.QueryRowContext(ctx, "SELECT "+commentColumns+commentFrom+" WHERE c.id = $1 AND c.consultation_id = $2", id, consultationID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("没有这条意见。")
	}
	return c, err
}

// CommentFilter selects comments for the staff list and exports.
type CommentFilter struct {
	ClauseSeq  int    // -1 any, 0 the whole draft, n a clause
	Moderation string // "" any
	Answered   string // "", "yes", "no"
	GroupID    int64  // 0 any, -1 ungrouped
	Flag       string // "", "duplicate", "campaign"
	Query      string // text in the body
	Limit      int
	Offset     int
}

func (f CommentFilter) where(consultationID int64) (string, []any) {
	var conds []string
	args := []any{consultationID}
	conds = append(conds, "c.consultation_id = $1")
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	switch {
	case f.ClauseSeq == 0:
		conds = append(conds, "c.clause_id IS NULL")
	case f.ClauseSeq > 0:
		conds = append(conds, "cl.seq = "+arg(f.ClauseSeq))
	}
	if f.Moderation != "" {
		conds = append(conds, "c.moderation = "+arg(f.Moderation))
	}
	switch f.Answered {
	case "yes":
		conds = append(conds, "(c.answer <> '' OR COALESCE(g.answer, '') <> '')")
	case "no":
		conds = append(conds, "c.answer = '' AND COALESCE(g.answer, '') = '' AND c.moderation <> 'rejected'")
	}
	switch {
	case f.GroupID > 0:
		conds = append(conds, "c.group_id = "+arg(f.GroupID))
	case f.GroupID < 0:
		conds = append(conds, "c.group_id IS NULL")
	}
	switch f.Flag {
	case "duplicate":
		conds = append(conds, "c.duplicate_of IS NOT NULL")
	case "campaign":
		conds = append(conds, "c.campaign IS NOT NULL")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		conds = append(conds, "c.body LIKE "+arg("%"+escapeLike(q)+"%")+" ESCAPE '\\'")
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func listComments(ctx context.Context, q db.Querier, consultationID int64, f CommentFilter) ([]*Comment, int, error) {
	where, args := f.where(consultationID)
	var total int
	if err := q.QueryRowContext(ctx, "SELECT count(*)"+commentFrom+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	query := "SELECT " + commentColumns + commentFrom + where + " ORDER BY c.id"
	if f.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, max(0, f.Offset))
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Comment
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}

func listGroups(ctx context.Context, q db.Querier, consultationID int64) ([]Group, error) {
	rows, err := q.QueryContext(ctx, `SELECT g.id, g.label, g.answer, g.reply, (SELECT count(*) FROM comments c WHERE c.group_id = g.id)
		FROM comment_groups g WHERE g.consultation_id = $1 ORDER BY g.id`, consultationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var g Group
		if err := rows.Scan(&g.ID, &g.Label, &g.Answer, &g.Reply, &g.Count); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// File is a document published with a consultation.
type File struct {
	ID           int64
	AttachmentID int64
	Title        string
	FileName     string
	ContentType  string
	Size         int64
}

func listFiles(ctx context.Context, q db.Querier, consultationID int64) ([]File, error) {
	rows, err := q.QueryContext(ctx, `SELECT f.id, f.attachment_id, f.title, a.file_name, a.content_type, a.size
		FROM consultation_files f JOIN attachments a ON a.id = f.attachment_id WHERE f.consultation_id = $1 ORDER BY f.id`, consultationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []File
	for rows.Next() {
		var f File
		if err := rows.Scan(&f.ID, &f.AttachmentID, &f.Title, &f.FileName, &f.ContentType, &f.Size); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Template is a reason staff use again (答复模板).
type Template struct {
	ID     int64
	Answer Answer
	Text   string
}

func listTemplates(ctx context.Context, q db.Querier, agencyID int64) ([]Template, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, answer, text FROM answer_templates WHERE agency_id = $1 ORDER BY sort_order, id`, agencyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Template
	for rows.Next() {
		var t Template
		if err := rows.Scan(&t.ID, &t.Answer, &t.Text); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
