package docregistry

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gongkai/gongkai/internal/db"
)

const documentCols = `d.id, d.agency_id, d.doc_number, d.title, d.issuer, COALESCE(d.division_id, 0), COALESCE(v.name, ''), d.drafted_on,
	d.signed_on, d.attribute, d.ground, d.reason, d.state, d.approval_note, d.approved_by, d.approved_at, COALESCE(d.item_id, 0),
	d.due_from, d.due_on, d.review_base, d.import_hash, COALESCE(d.created_by, 0), d.created_by_name, d.created_at, d.updated_at, d.version`

const documentFrom = ` FROM official_documents d LEFT JOIN divisions v ON v.id = d.division_id`

func scanDocument(r interface{ Scan(...any) error }) (*Document, error) {
	d := &Document{}
	var attr, ground, state string
	var approvedAt sql.NullTime
	err := r.Scan(&d.ID, &d.AgencyID, &d.DocNumber, &d.Title, &d.Issuer, &d.DivisionID, &d.DivisionName, &d.DraftedOn,
		&d.SignedOn, &attr, &ground, &d.Reason, &state, &d.ApprovalNote, &d.ApprovedBy, &approvedAt, &d.ItemID,
		&d.DueFrom, &d.DueOn, &d.ReviewBase, &d.ImportHash, &d.CreatedBy, &d.CreatedName, &d.CreatedAt, &d.UpdatedAt, &d.Version)
	d.Attribute, d.Ground, d.State = Attribute(attr), Ground(ground), State(state)
	if approvedAt.Valid {
		d.ApprovedAt = approvedAt.Time
	}
	return d, err
}

func getDocument(ctx context.Context, q db.Querier, id int64) (*Document, error) {
	d, err := scanDocument(q.QueryRowContext(ctx, "SELECT "+documentCols+documentFrom+" WHERE d.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNone
	}
	return d, err
}

// getDocumentForUpdate reads a document and, on PostgreSQL, locks its row
// until the transaction ends (SQLite has a single writer).
func getDocumentForUpdate(ctx context.Context, tx db.Tx, id int64) (*Document, error) {
	if _, err := tx.ExecContext(ctx, "UPDATE official_documents SET version = version WHERE id = $1", id); err != nil {
		return nil, err
	}
	return getDocument(ctx, tx, id)
}

func listDocuments(ctx context.Context, q db.Querier, where string, args ...any) ([]*Document, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+documentCols+documentFrom+" WHERE "+where, args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []*Document
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func listEvents(ctx context.Context, q db.Querier, id int64) ([]Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT action, note, actor, created_at FROM official_document_events WHERE document_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.Action, &e.Note, &e.Actor, &e.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func listReviews(ctx context.Context, q db.Querier, id int64) ([]Review, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, reviewed_on, outcome, from_attribute, to_attribute, note, reviewer, created_at
		FROM official_document_reviews WHERE document_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []Review
	for rows.Next() {
		var r Review
		var outcome, from, to string
		if err := rows.Scan(&r.ID, &r.ReviewedOn, &outcome, &from, &to, &r.Note, &r.Reviewer, &r.CreatedAt); err != nil {
			return nil, err
		}
		r.Outcome, r.From, r.To = ReviewOutcome(outcome), Attribute(from), Attribute(to)
		out = append(out, r)
	}
	return out, rows.Err()
}
