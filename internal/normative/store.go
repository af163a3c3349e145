package normative

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// Document is a registered normative document.
type Document struct {
	ItemID       int64
	AgencyID     int64
	DocNumber    string
	Issuers      []string
	Kind         string
	Interim      bool
	SignedOn     civil.Date
	PublishedOn  civil.Date
	EffectiveOn  civil.Date
	ExpiresOn    civil.Date
	PeriodReason string
	Status       Status
	DivisionID   int64
	Division     string
	CreatedBy    int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int

	// Item is the information item (filled by the service).
	Item ItemRef
	// Agency is the issuing agency (library lists).
	Agency AgencyRef
}

// IssuersText is the organs joined for display.
func (d *Document) IssuersText() string { return strings.Join(d.Issuers, "、") }

// KindLabel is the kind with the interim mark.
func (d *Document) KindLabel() string {
	if d.Interim {
		return d.Kind + "（暂行/试行）"
	}
	return d.Kind
}

// Event is a line of a document's status history.
type Event struct {
	ID            int64
	ItemID        int64
	From, To      Status
	On            civil.Date
	ActorID       int64
	Actor         string
	Reason        string
	RelatedItemID int64
	CleanupID     int64
	CreatedAt     time.Time
	Related       *ItemRef // the amending/repealing (or amended/repealed) item, if public or in the console
	// RelatedRegistered says the related item is a registered normative
	// document (the console links to its page here, else to the item's).
	RelatedRegistered bool
	Cleanup           *Cleanup
}

// Filing is a 备案 record.
type Filing struct {
	ID           int64
	ItemID       int64
	FiledWith    string
	FiledOn      civil.Date
	FilingNumber string
	Note         string
	CreatedAt    time.Time
}

// Reminder is an evaluation to-do of the drafting division before expiry.
type Reminder struct {
	ID         int64
	ItemID     int64
	AgencyID   int64
	DivisionID int64
	Division   string
	ExpiresOn  civil.Date
	RemindOn   civil.Date
	CreatedAt  time.Time
	Done       bool
	DoneBy     string
	Outcome    string
	Doc        *Document
}

// DaysLeft counts calendar days to expiry (the validity period is in
// calendar years, not working days).
func (r *Reminder) DaysLeft(today civil.Date) int { return today.DaysUntil(r.ExpiresOn) }

// Cleanup is a 清理 campaign.
type Cleanup struct {
	ID          int64
	AgencyID    int64
	Title       string
	Basis       string
	Published   bool
	PublishedOn civil.Date
	CreatedAt   time.Time
	Entries     []*CleanupEntry
	URL         string // the public result list (once published)
	Agency      AgencyRef
}

// Counts tallies the decisions.
func (c *Cleanup) Counts() map[string]int {
	out := map[string]int{}
	for _, e := range c.Entries {
		out[string(e.Decision)]++
	}
	return out
}

// CleanupEntry is a document in a cleanup with its decision.
type CleanupEntry struct {
	CleanupID int64
	ItemID    int64
	Decision  Decision
	Reason    string
	Doc       *Document
}

const docColumns = `d.item_id, d.agency_id, d.doc_number, d.issuers, d.kind, d.interim, d.signed_on, d.published_on, d.effective_on,
	d.expires_on, d.period_reason, d.status, COALESCE(d.division_id, 0), COALESCE(v.name, ''), COALESCE(d.created_by, 0),
	d.created_at, d.updated_at, d.version`

const docFrom = ` FROM normative_documents d LEFT JOIN divisions v ON v.id = d.division_id`

type scanner interface{ Scan(...any) error }

func scanDoc(row scanner) (*Document, error) {
	var (
		d       Document
		issuers string
	)
	if err := row.Scan(&d.ItemID, &d.AgencyID, &d.DocNumber, &issuers, &d.Kind, &d.Interim, &d.SignedOn, &d.PublishedOn, &d.EffectiveOn,
		&d.ExpiresOn, &d.PeriodReason, &d.Status, &d.DivisionID, &d.Division, &d.CreatedBy, &d.CreatedAt, &d.UpdatedAt, &d.Version); err != nil {
		return nil, err
	}
	d.Issuers = SplitIssuers(issuers)
	return &d, nil
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

func getDoc(ctx context.Context, q db.Querier, itemID int64) (*Document, error) {
	d, err := scanDoc(q.QueryRowContext(ctx, "SELECT "+docColumns+docFrom+" WHERE d.item_id = $1", itemID))
	if err != nil {
		return nil, db.NotFound(err, "没有这份规范性文件。")
	}
	return d, nil
}

func queryDocs(ctx context.Context, q db.Querier, where string, args ...any) ([]*Document, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+docColumns+docFrom+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Document
	for rows.Next() {
		d, err := scanDoc(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// inClause returns "$n, $n+1, …" for ids appended to args.
func inClause(args *[]any, ids []int64) string {
	var ps []string
	for _, id := range ids {
		*args = append(*args, id)
		ps = append(ps, fmt.Sprintf("$%d", len(*args)))
	}
	return strings.Join(ps, ", ")
}

func insertDoc(ctx context.Context, tx db.Tx, d *Document) error {
	now := db.Now()
	d.CreatedAt, d.UpdatedAt, d.Version = now, now, 1
	_, err := tx.ExecContext(ctx, `INSERT INTO normative_documents (item_id, agency_id, doc_number, issuers, kind, interim, signed_on, published_on,
			effective_on, expires_on, period_reason, status, division_id, created_by, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, 1)`,
		d.ItemID, d.AgencyID, d.DocNumber, strings.Join(d.Issuers, "\n"), d.Kind, d.Interim, d.SignedOn, d.PublishedOn,
		d.EffectiveOn, d.ExpiresOn, d.PeriodReason, string(d.Status), nullID(d.DivisionID), nullID(d.CreatedBy), now)
	if err != nil {
		return fmt.Errorf("normative: insert: %w", err)
	}
	return nil
}

// saveDoc writes the document if its version is still version.
func saveDoc(ctx context.Context, tx db.Tx, d *Document, version int) error {
	res, err := tx.ExecContext(ctx, `UPDATE normative_documents SET doc_number = $2, issuers = $3, kind = $4, interim = $5, signed_on = $6,
			published_on = $7, effective_on = $8, expires_on = $9, period_reason = $10, status = $11, division_id = $12, updated_at = $13,
			version = version + 1
		WHERE item_id = $1 AND version = $14`,
		d.ItemID, d.DocNumber, strings.Join(d.Issuers, "\n"), d.Kind, d.Interim, d.SignedOn, d.PublishedOn, d.EffectiveOn, d.ExpiresOn,
		d.PeriodReason, string(d.Status), nullID(d.DivisionID), db.Now(), version)
	if err != nil {
		return fmt.Errorf("normative: save %d: %w", d.ItemID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errStale
	}
	d.Version = version + 1
	return nil
}

func insertEvent(ctx context.Context, tx db.Tx, e *Event) error {
	e.CreatedAt = db.Now()
	return tx.QueryRowContext(ctx, `INSERT INTO normative_events (item_id, from_status, to_status, on_date, actor_id, actor, reason, related_item_id,
			cleanup_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		e.ItemID, string(e.From), string(e.To), e.On, nullID(e.ActorID), e.Actor, e.Reason, nullID(e.RelatedItemID), nullID(e.CleanupID),
		e.CreatedAt).Scan(&e.ID)
}

const eventColumns = `id, item_id, from_status, to_status, on_date, COALESCE(actor_id, 0), actor, reason, COALESCE(related_item_id, 0),
	COALESCE(cleanup_id, 0), created_at`

func queryEvents(ctx context.Context, q db.Querier, where string, args ...any) ([]*Event, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+eventColumns+" FROM normative_events "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.ID, &e.ItemID, &e.From, &e.To, &e.On, &e.ActorID, &e.Actor, &e.Reason, &e.RelatedItemID, &e.CleanupID, &e.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, &e)
	}
	return out, rows.Err()
}

func loadSettings(ctx context.Context, q db.Querier, agencyID int64) (Settings, error) {
	s := DefaultSettings(agencyID)
	var updated sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT years_default, years_interim, years_notice, remind_months, updated_at FROM normative_settings
		WHERE agency_id = $1`, agencyID).Scan(&s.YearsDefault, &s.YearsInterim, &s.YearsNotice, &s.RemindMonths, &updated)
	if err == sql.ErrNoRows {
		return s, nil
	}
	s.UpdatedAt = updated.Time
	return s, err
}

func queryFilings(ctx context.Context, q db.Querier, itemID int64) ([]Filing, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, item_id, filed_with, filed_on, filing_number, note, created_at FROM normative_filings
		WHERE item_id = $1 ORDER BY filed_on, id`, itemID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Filing
	for rows.Next() {
		var f Filing
		if err := rows.Scan(&f.ID, &f.ItemID, &f.FiledWith, &f.FiledOn, &f.FilingNumber, &f.Note, &f.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func queryReminders(ctx context.Context, q db.Querier, where string, args ...any) ([]*Reminder, error) {
	rows, err := q.QueryContext(ctx, `SELECT r.id, r.item_id, r.agency_id, COALESCE(r.division_id, 0), COALESCE(v.name, ''), r.expires_on, r.remind_on,
			r.created_at, r.done_at IS NOT NULL, r.done_by, r.outcome
		FROM normative_reminders r LEFT JOIN divisions v ON v.id = r.division_id `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Reminder
	for rows.Next() {
		var r Reminder
		if err := rows.Scan(&r.ID, &r.ItemID, &r.AgencyID, &r.DivisionID, &r.Division, &r.ExpiresOn, &r.RemindOn, &r.CreatedAt, &r.Done,
			&r.DoneBy, &r.Outcome); err != nil {
			return nil, err
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

func getCleanup(ctx context.Context, q db.Querier, id int64) (*Cleanup, error) {
	var c Cleanup
	err := q.QueryRowContext(ctx, `SELECT id, agency_id, title, basis, published, published_on, created_at FROM normative_cleanups WHERE id = $1`, id).
		Scan(&c.ID, &c.AgencyID, &c.Title, &c.Basis, &c.Published, &c.PublishedOn, &c.CreatedAt)
	if err != nil {
		return nil, db.NotFound(err, "没有这次清理。")
	}
	rows, err := q.QueryContext(ctx, `SELECT cleanup_id, item_id, decision, reason FROM normative_cleanup_entries WHERE cleanup_id = $1`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e CleanupEntry
		if err := rows.Scan(&e.CleanupID, &e.ItemID, &e.Decision, &e.Reason); err != nil {
			return nil, err
		}
		c.Entries = append(c.Entries, &e)
	}
	return &c, rows.Err()
}

func listCleanups(ctx context.Context, q db.Querier, agencyIDs []int64, publishedOnly bool) ([]*Cleanup, error) {
	if len(agencyIDs) == 0 {
		return nil, nil
	}
	var args []any
	where := " WHERE agency_id IN (" + inClause(&args, agencyIDs) + ")"
	if publishedOnly {
		where += " AND published = TRUE"
	}
	rows, err := q.QueryContext(ctx, `SELECT id, agency_id, title, basis, published, published_on, created_at FROM normative_cleanups`+where+
		` ORDER BY created_at DESC, id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Cleanup
	for rows.Next() {
		var c Cleanup
		if err := rows.Scan(&c.ID, &c.AgencyID, &c.Title, &c.Basis, &c.Published, &c.PublishedOn, &c.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, &c)
	}
	return out, rows.Err()
}
