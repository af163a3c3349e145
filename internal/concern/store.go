package concern

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

const caseColumns = `id, agency_id, number, code_hash, channel, state, category, leader, subject, body, page_url,
	writer_name, writer_phone, writer_email, consent_publish, moderation, division_id, handler_id,
	received_at, received_on, due_on, reply_draft, reply, replied_on, published, published_at,
	supervised, satisfaction, external_id, merged_into, created_by, created_at, updated_at, version,
	notify_response, COALESCE(response_item_id, 0)`

func scanCase(row interface{ Scan(...any) error }) (*Case, error) {
	var (
		c                        Case
		div, handler, merged, by sql.NullInt64
		publishedAt              sql.NullTime
	)
	err := row.Scan(&c.ID, &c.AgencyID, &c.Number, &c.codeHash, &c.Channel, &c.State, &c.Category, &c.Leader, &c.Subject, &c.Body,
		&c.PageURL, &c.Name, &c.Phone, &c.Email, &c.Consent, &c.Moderation, &div, &handler,
		&c.ReceivedAt, &c.ReceivedOn, &c.DueOn, &c.ReplyDraft, &c.Reply, &c.RepliedOn, &c.Published, &publishedAt,
		&c.Supervised, &c.Satisfaction, &c.ExternalID, &merged, &by, &c.CreatedAt, &c.UpdatedAt, &c.Version,
		&c.NotifyResponse, &c.ResponseItemID)
	if err != nil {
		return nil, err
	}
	c.DivisionID, c.HandlerID, c.MergedInto, c.CreatedBy = div.Int64, handler.Int64, merged.Int64, by.Int64
	if publishedAt.Valid {
		c.PublishedAt = publishedAt.Time
	}
	return &c, nil
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

func nullTime(t time.Time) sql.NullTime { return sql.NullTime{Time: t, Valid: !t.IsZero()} }

func getCase(ctx context.Context, q db.Querier, id int64) (*Case, error) {
	c, err := scanCase(q.QueryRowContext(ctx, "SELECT "+caseColumns+" FROM concerns WHERE id = $1", id))
	if err != nil {
		return nil, db.NotFound(err, "没有这件来信。")
	}
	return c, nil
}

func getCaseByNumber(ctx context.Context, q db.Querier, number string) (*Case, error) {
	c, err := scanCase(q.QueryRowContext(ctx, "SELECT "+caseColumns+" FROM concerns WHERE number = $1", number))
	if err != nil {
		return nil, db.NotFound(err, "没有这件来信。")
	}
	return c, nil
}

func nextNumber(ctx context.Context, tx db.Tx, year int) (string, error) {
	seq, err := db.NextInYear(ctx, tx, "concern_counters", year)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("X%d-%06d", year, seq), nil
}

func insertCase(ctx context.Context, tx db.Tx, c *Case) error {
	now := db.Now()
	c.CreatedAt, c.UpdatedAt, c.Version = now, now, 1
	return tx.QueryRowContext(ctx, `INSERT INTO concerns (agency_id, number, code_hash, channel, state, category, leader, subject, body,
			page_url, writer_name, writer_phone, writer_email, consent_publish, moderation, division_id, received_at, received_on,
			due_on, created_by, created_at, updated_at, version, external_id, notify_response)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21, 1, $22, $23) RETURNING id`,
		c.AgencyID, c.Number, c.codeHash, c.Channel, c.State, c.Category, c.Leader, c.Subject, c.Body, c.PageURL, c.Name, c.Phone,
		c.Email, c.Consent, c.Moderation, nullID(c.DivisionID), c.ReceivedAt, c.ReceivedOn, c.DueOn, nullID(c.CreatedBy), now, c.ExternalID, c.NotifyResponse).Scan(&c.ID)
}

func saveCase(ctx context.Context, tx db.Tx, c *Case) error {
	res, err := tx.ExecContext(ctx, `UPDATE concerns SET state = $2, category = $3, moderation = $4, division_id = $5, handler_id = $6,
			due_on = $7, reply_draft = $8, reply = $9, replied_on = $10, published = $11, published_at = $12, supervised = $13,
			satisfaction = $14, merged_into = $15, updated_at = $16, version = version + 1
		WHERE id = $1 AND version = $17`,
		c.ID, c.State, c.Category, c.Moderation, nullID(c.DivisionID), nullID(c.HandlerID), c.DueOn, c.ReplyDraft, c.Reply, c.RepliedOn,
		c.Published, nullTime(c.PublishedAt), c.Supervised, c.Satisfaction, nullID(c.MergedInto), db.Now(), c.Version)
	if err != nil {
		return fmt.Errorf("concern: save %s: %w", c.Number, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errStale
	}
	c.Version++
	return nil
}

// Event is one step of a case's history.
type Event struct {
	At       time.Time
	On       civil.Date
	ActorID  int64
	Actor    string
	Action   Action
	From, To State
	Note     string
}

func addEvent(ctx context.Context, tx db.Tx, id int64, e Event) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO concern_events (concern_id, at, on_date, actor_id, actor, action, from_state, to_state, note)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, id, db.Now(), e.On, nullID(e.ActorID), e.Actor, e.Action, e.From, e.To, e.Note)
	return err
}

func listEvents(ctx context.Context, q db.Querier, id int64) ([]Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT at, on_date, COALESCE(actor_id, 0), actor, action, from_state, to_state, note
		FROM concern_events WHERE concern_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.At, &e.On, &e.ActorID, &e.Actor, &e.Action, &e.From, &e.To, &e.Note); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Settings are an agency's choices for its concerns.
type Settings struct {
	AgencyID int64
	Leaders  []Leader
	// Days are the reply periods per channel in working days (missing:
	// DefaultDays).
	Days map[Channel]int
	// SensitiveWords are shown to moderators before anything is published.
	SensitiveWords string
	// DomainTerms are the agency's own words (one per line) that hot-topic
	// discovery keeps whole when it segments messages.
	DomainTerms string
}

// DaysFor returns the reply period of a channel.
func (s Settings) DaysFor(c Channel) int {
	if n := s.Days[c]; n > 0 {
		return n
	}
	return DefaultDays[c]
}

func loadSettings(ctx context.Context, q db.Querier, agencyID int64) (Settings, error) {
	s := Settings{AgencyID: agencyID, Days: map[Channel]int{}}
	var leaders, days string
	err := q.QueryRowContext(ctx, `SELECT leaders, deadlines, sensitive_words, domain_terms FROM concern_settings WHERE agency_id = $1`, agencyID).
		Scan(&leaders, &days, &s.SensitiveWords, &s.DomainTerms)
	if err == sql.ErrNoRows {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	json.Unmarshal([]byte(leaders), &s.Leaders)
	json.Unmarshal([]byte(days), &s.Days)
	if s.Days == nil {
		s.Days = map[Channel]int{}
	}
	return s, nil
}

func saveSettings(ctx context.Context, tx db.Tx, s Settings) error {
	leaders, _ := json.Marshal(s.Leaders)
	days, _ := json.Marshal(s.Days)
	_, err := tx.ExecContext(ctx, `INSERT INTO concern_settings (agency_id, leaders, deadlines, sensitive_words, domain_terms, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (agency_id) DO UPDATE SET leaders = excluded.leaders, deadlines = excluded.deadlines,
			sensitive_words = excluded.sensitive_words, domain_terms = excluded.domain_terms, updated_at = excluded.updated_at`,
		s.AgencyID, string(leaders), string(days), s.SensitiveWords, s.DomainTerms, db.Now())
	return err
}

// Route sends cases of a category, or whose subject or body holds a
// keyword, to a division.
type Route struct {
	ID         int64
	Category   string
	Keyword    string
	DivisionID int64
}

func listRoutes(ctx context.Context, q db.Querier, agencyID int64) ([]Route, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, category, keyword, division_id FROM concern_routes WHERE agency_id = $1 ORDER BY sort_order, id`, agencyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Route
	for rows.Next() {
		var r Route
		if err := rows.Scan(&r.ID, &r.Category, &r.Keyword, &r.DivisionID); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// route picks the division for a letter: the first rule whose category
// matches, else the first whose keyword occurs in the subject or body.
func route(routes []Route, l Letter) int64 {
	for _, r := range routes {
		if r.Category != "" && r.Category == l.Category && r.Keyword == "" {
			return r.DivisionID
		}
	}
	text := l.Subject + "\n" + l.Body
	for _, r := range routes {
		if r.Keyword != "" && strings.Contains(text, r.Keyword) && (r.Category == "" || r.Category == l.Category) {
			return r.DivisionID
		}
	}
	return 0
}

// ListFilter selects cases for the console.
type ListFilter struct {
	AgencyID   int64
	States     []State
	Channel    Channel
	Overdue    bool
	Supervised bool
	HandlerID  int64
	Today      civil.Date
	Limit      int
	Offset     int
}

func listCases(ctx context.Context, q db.Querier, f ListFilter) ([]*Case, int, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	where = append(where, "agency_id = "+arg(f.AgencyID))
	if len(f.States) > 0 {
		var ph []string
		for _, s := range f.States {
			ph = append(ph, arg(string(s)))
		}
		where = append(where, "state IN ("+strings.Join(ph, ", ")+")")
	}
	if f.Channel != "" {
		where = append(where, "channel = "+arg(string(f.Channel)))
	}
	if f.Overdue {
		where = append(where, "state IN ('received', 'assigned', 'review')", "due_on < "+arg(f.Today))
	}
	if f.Supervised {
		where = append(where, "supervised = TRUE")
	}
	if f.HandlerID != 0 {
		where = append(where, "handler_id = "+arg(f.HandlerID))
	}
	w := " WHERE " + strings.Join(where, " AND ")
	var total int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM concerns"+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 30
	}
	rows, err := q.QueryContext(ctx, "SELECT "+caseColumns+" FROM concerns"+w+
		" ORDER BY CASE WHEN state IN ('received', 'assigned', 'review') THEN 0 ELSE 1 END, due_on, id DESC"+
		fmt.Sprintf(" LIMIT %d OFFSET %d", limit, max(f.Offset, 0)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}
