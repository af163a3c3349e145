package decision

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gongkai/gongkai/internal/db"
)

const decisionColumns = `d.id, d.agency_id, d.year, d.title, d.division_id, COALESCE(v.name, ''), d.legal_basis, d.summary,
	d.planned_timing, d.methods, d.expert_planned, d.risk_planned, d.status, d.in_catalogue, d.removed_on, d.removed_reason,
	d.sort_order, COALESCE(d.created_by, 0), d.created_at, d.updated_at, d.version`

const decisionFrom = ` FROM decisions d LEFT JOIN divisions v ON v.id = d.division_id`

type scanner interface{ Scan(...any) error }

func scanDecision(row scanner) (*MajorDecision, error) {
	var (
		d       MajorDecision
		methods string
	)
	err := row.Scan(&d.ID, &d.AgencyID, &d.Year, &d.Title, &d.DivisionID, &d.Division, &d.LegalBasis, &d.Summary,
		&d.PlannedTiming, &methods, &d.ExpertPlanned, &d.RiskPlanned, &d.Status, &d.InCatalogue, &d.RemovedOn, &d.RemovedReason,
		&d.SortOrder, &d.CreatedBy, &d.CreatedAt, &d.UpdatedAt, &d.Version)
	if err != nil {
		return nil, err
	}
	d.Methods = splitMethods(methods)
	return &d, nil
}

func splitMethods(s string) []Method {
	var out []Method
	for _, m := range strings.Split(s, ",") {
		if Method(m).Valid() {
			out = append(out, Method(m))
		}
	}
	return out
}

func joinMethods(ms []Method) string {
	var out []string
	for _, m := range ms {
		out = append(out, string(m))
	}
	return strings.Join(out, ",")
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

func getDecision(ctx context.Context, q db.Querier, id int64) (*MajorDecision, error) {
	d, err := scanDecision(q.QueryRowContext(ctx, "SELECT "+decisionColumns+decisionFrom+" WHERE d.id = $1", id))
	if err != nil {
		return nil, db.NotFound(err, "没有这个决策事项。")
	}
	return d, nil
}

func insertDecision(ctx context.Context, tx db.Tx, d *MajorDecision) error {
	now := db.Now()
	d.CreatedAt, d.UpdatedAt, d.Version = now, now, 1
	var next int
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(sort_order), 0) + 1 FROM decisions WHERE agency_id = $1 AND year = $2",
		d.AgencyID, d.Year).Scan(&next); err != nil {
		return err
	}
	d.SortOrder = next
	err := tx.QueryRowContext(ctx, `INSERT INTO decisions (agency_id, year, title, division_id, legal_basis, summary, planned_timing, methods,
			expert_planned, risk_planned, status, in_catalogue, sort_order, created_by, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, TRUE, $12, $13, $14, $14, 1) RETURNING id`,
		d.AgencyID, d.Year, d.Title, d.DivisionID, d.LegalBasis, d.Summary, d.PlannedTiming, joinMethods(d.Methods),
		d.ExpertPlanned, d.RiskPlanned, d.Status, d.SortOrder, nullID(d.CreatedBy), now).Scan(&d.ID)
	if err != nil {
		return fmt.Errorf("decision: insert: %w", err)
	}
	for _, k := range StageKinds {
		if _, err := tx.ExecContext(ctx, `INSERT INTO decision_stages (decision_id, kind, status, updated_at) VALUES ($1, $2, $3, $4)`,
			d.ID, k, NotStarted, now); err != nil {
			return fmt.Errorf("decision: insert stage: %w", err)
		}
	}
	return nil
}

// saveDecision writes the entry's fields and status if its version is
// still version (optimistic locking), and bumps the version.
func saveDecision(ctx context.Context, tx db.Tx, d *MajorDecision, version int) error {
	res, err := tx.ExecContext(ctx, `UPDATE decisions SET title = $2, division_id = $3, legal_basis = $4, summary = $5, planned_timing = $6,
			methods = $7, expert_planned = $8, risk_planned = $9, status = $10, in_catalogue = $11, removed_on = $12, removed_reason = $13,
			updated_at = $14, version = version + 1
		WHERE id = $1 AND version = $15`,
		d.ID, d.Title, d.DivisionID, d.LegalBasis, d.Summary, d.PlannedTiming, joinMethods(d.Methods), d.ExpertPlanned, d.RiskPlanned,
		d.Status, d.InCatalogue, d.RemovedOn, d.RemovedReason, db.Now(), version)
	if err != nil {
		return fmt.Errorf("decision: save %d: %w", d.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errStale
	}
	d.Version = version + 1
	return nil
}

// ListFilter selects decisions.
type ListFilter struct {
	AgencyID int64 // 0: every agency (public lists only)
	Year     int   // 0: every year
	Status   Status
	// Public: only entries of published catalogues.
	Public bool
	Limit  int
	Offset int
}

func listDecisions(ctx context.Context, q db.Querier, f ListFilter) ([]*MajorDecision, int, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.AgencyID != 0 {
		where = append(where, "d.agency_id = "+arg(f.AgencyID))
	}
	if f.Year != 0 {
		where = append(where, "d.year = "+arg(f.Year))
	}
	if f.Status != "" {
		where = append(where, "d.status = "+arg(string(f.Status)))
	}
	if f.Public {
		// Entries dropped before the catalogue was published were never public.
		where = append(where, `EXISTS (SELECT 1 FROM decision_catalogues c WHERE c.agency_id = d.agency_id AND c.year = d.year
			AND c.published = TRUE AND (d.in_catalogue = TRUE OR d.removed_on >= c.published_on))`)
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM decisions d"+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	rows, err := q.QueryContext(ctx, "SELECT "+decisionColumns+decisionFrom+w+
		fmt.Sprintf(" ORDER BY d.year DESC, d.agency_id, d.sort_order, d.id LIMIT %d OFFSET %d", limit, max(f.Offset, 0)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*MajorDecision
	for rows.Next() {
		d, err := scanDecision(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, d)
	}
	return out, total, rows.Err()
}

// years lists the years an agency has entries for (published catalogues
// only, if public), newest first.
func years(ctx context.Context, q db.Querier, agencyID int64, public bool) ([]int, error) {
	query := "SELECT DISTINCT year FROM decisions WHERE agency_id = $1 ORDER BY year DESC"
	if public {
		query = "SELECT year FROM decision_catalogues WHERE agency_id = $1 AND published = TRUE ORDER BY year DESC"
	}
	rows, err := q.QueryContext(ctx, query, agencyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var y int
		if err := rows.Scan(&y); err != nil {
			return nil, err
		}
		out = append(out, y)
	}
	return out, rows.Err()
}

func loadCatalogue(ctx context.Context, q db.Querier, agencyID int64, year int) (Catalogue, error) {
	c := Catalogue{AgencyID: agencyID, Year: year}
	err := q.QueryRowContext(ctx, "SELECT published, published_on, note FROM decision_catalogues WHERE agency_id = $1 AND year = $2",
		agencyID, year).Scan(&c.Published, &c.PublishedOn, &c.Note)
	if err == sql.ErrNoRows {
		return c, nil
	}
	return c, err
}

const stageColumns = `s.id, s.decision_id, s.kind, s.status, s.started_on, s.finished_on, s.due_on, s.responsible,
	COALESCE(s.responsible_user_id, 0), COALESCE(CASE WHEN u.display_name = '' THEN u.username ELSE u.display_name END, ''),
	s.summary, s.reason, s.method, s.meeting, s.result, s.dissent, s.venue, s.link, s.updated_at`

func scanStage(row scanner) (Stage, error) {
	var s Stage
	err := row.Scan(&s.ID, &s.DecisionID, &s.Kind, &s.Status, &s.StartedOn, &s.FinishedOn, &s.DueOn, &s.Responsible,
		&s.ResponsibleUserID, &s.ResponsibleName, &s.Summary, &s.Reason, &s.Method, &s.Meeting, &s.Result, &s.Dissent,
		&s.Venue, &s.Link, &s.UpdatedAt)
	return s, err
}

// listStages returns a decision's stages keyed by kind; a missing row is a
// stage not started.
func listStages(ctx context.Context, q db.Querier, id int64) (map[StageKind]Stage, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+stageColumns+` FROM decision_stages s LEFT JOIN staff_users u ON u.id = s.responsible_user_id
		WHERE s.decision_id = $1`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[StageKind]Stage{}
	for rows.Next() {
		s, err := scanStage(rows)
		if err != nil {
			return nil, err
		}
		out[s.Kind] = s
	}
	for _, k := range StageKinds {
		if _, ok := out[k]; !ok {
			out[k] = Stage{DecisionID: id, Kind: k, Status: NotStarted}
		}
	}
	return out, rows.Err()
}

// Ordered returns stages in the order of the procedure.
func Ordered(m map[StageKind]Stage) []Stage {
	out := make([]Stage, 0, len(StageKinds))
	for _, k := range StageKinds {
		out = append(out, m[k])
	}
	return out
}

func saveStage(ctx context.Context, tx db.Tx, s Stage) error {
	res, err := tx.ExecContext(ctx, `UPDATE decision_stages SET status = $3, started_on = $4, finished_on = $5, due_on = $6, responsible = $7,
			responsible_user_id = $8, summary = $9, reason = $10, method = $11, meeting = $12, result = $13, dissent = $14, venue = $15,
			link = $16, updated_at = $17
		WHERE decision_id = $1 AND kind = $2`,
		s.DecisionID, s.Kind, s.Status, s.StartedOn, s.FinishedOn, s.DueOn, s.Responsible, nullID(s.ResponsibleUserID), s.Summary,
		s.Reason, s.Method, s.Meeting, s.Result, s.Dissent, s.Venue, s.Link, db.Now())
	if err != nil {
		return fmt.Errorf("decision: save stage %s: %w", s.Kind, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		_, err = tx.ExecContext(ctx, `INSERT INTO decision_stages (decision_id, kind, status, started_on, finished_on, due_on, responsible,
				responsible_user_id, summary, reason, method, meeting, result, dissent, venue, link, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
			s.DecisionID, s.Kind, s.Status, s.StartedOn, s.FinishedOn, s.DueOn, s.Responsible, nullID(s.ResponsibleUserID), s.Summary,
			s.Reason, s.Method, s.Meeting, s.Result, s.Dissent, s.Venue, s.Link, db.Now())
	}
	return err
}

const hearingColumns = `id, decision_id, kind, title, held_on, held_until, time_text, place, announced_on, selection, participants,
	mask_names, materials_sent_on, record_signed, record_signed_on, summary, results, created_at, updated_at`

func scanHearing(row scanner) (*Hearing, error) {
	var (
		h            Hearing
		participants string
	)
	err := row.Scan(&h.ID, &h.DecisionID, &h.Kind, &h.Title, &h.HeldOn, &h.HeldUntil, &h.Time, &h.Place, &h.AnnouncedOn, &h.Selection,
		&participants, &h.MaskNames, &h.MaterialsSentOn, &h.RecordSigned, &h.RecordSignedOn, &h.Summary, &h.Results, &h.CreatedAt, &h.UpdatedAt)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(participants), &h.Participants); err != nil {
		return nil, fmt.Errorf("decision: hearing %d participants: %w", h.ID, err)
	}
	return &h, nil
}

func listHearings(ctx context.Context, q db.Querier, decisionID int64) ([]*Hearing, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+hearingColumns+" FROM decision_hearings WHERE decision_id = $1 ORDER BY held_on, id", decisionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Hearing
	for rows.Next() {
		h, err := scanHearing(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func getHearing(ctx context.Context, q db.Querier, decisionID, id int64) (*Hearing, error) {
	h, err := scanHearing(q.QueryRowContext(ctx, "SELECT "+hearingColumns+" FROM decision_hearings WHERE decision_id = $1 AND id = $2", decisionID, id))
	if err != nil {
		return nil, db.NotFound(err, "没有这条听取意见记录。")
	}
	return h, nil
}

func participantsJSON(ps []Participant) string {
	if ps == nil {
		ps = []Participant{}
	}
	b, _ := json.Marshal(ps)
	return string(b)
}

func insertHearing(ctx context.Context, tx db.Tx, h *Hearing, by int64) error {
	now := db.Now()
	h.CreatedAt, h.UpdatedAt = now, now
	return tx.QueryRowContext(ctx, `INSERT INTO decision_hearings (decision_id, kind, title, held_on, held_until, time_text, place, announced_on,
			selection, participants, mask_names, materials_sent_on, record_signed, record_signed_on, summary, results, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18) RETURNING id`,
		h.DecisionID, h.Kind, h.Title, h.HeldOn, h.HeldUntil, h.Time, h.Place, h.AnnouncedOn, h.Selection, participantsJSON(h.Participants),
		h.MaskNames, h.MaterialsSentOn, h.RecordSigned, h.RecordSignedOn, h.Summary, h.Results, nullID(by), now).Scan(&h.ID)
}

func updateHearing(ctx context.Context, tx db.Tx, h *Hearing) error {
	h.UpdatedAt = db.Now()
	_, err := tx.ExecContext(ctx, `UPDATE decision_hearings SET kind = $3, title = $4, held_on = $5, held_until = $6, time_text = $7, place = $8,
			announced_on = $9, selection = $10, participants = $11, mask_names = $12, materials_sent_on = $13, record_signed = $14,
			record_signed_on = $15, summary = $16, results = $17, updated_at = $18
		WHERE decision_id = $1 AND id = $2`,
		h.DecisionID, h.ID, h.Kind, h.Title, h.HeldOn, h.HeldUntil, h.Time, h.Place, h.AnnouncedOn, h.Selection, participantsJSON(h.Participants),
		h.MaskNames, h.MaterialsSentOn, h.RecordSigned, h.RecordSignedOn, h.Summary, h.Results, h.UpdatedAt)
	return err
}

func listFiles(ctx context.Context, q db.Querier, decisionID int64, publicOnly bool) ([]File, error) {
	query := `SELECT f.id, f.decision_id, f.attachment_id, f.title, f.stage, COALESCE(f.hearing_id, 0), f.public, a.file_name, a.content_type,
			a.size, a.sha256, f.created_at
		FROM decision_files f JOIN attachments a ON a.id = f.attachment_id WHERE f.decision_id = $1`
	if publicOnly {
		query += " AND f.public = TRUE"
	}
	rows, err := q.QueryContext(ctx, query+" ORDER BY f.id", decisionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []File
	for rows.Next() {
		var f File
		if err := rows.Scan(&f.ID, &f.DecisionID, &f.AttachmentID, &f.Title, &f.Stage, &f.HearingID, &f.Public, &f.FileName,
			&f.ContentType, &f.Size, &f.SHA256, &f.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func listAdjustments(ctx context.Context, q db.Querier, where string, args ...any) ([]Adjustment, error) {
	rows, err := q.QueryContext(ctx, `SELECT j.id, j.decision_id, d.title, j.kind, j.adjusted_on, j.reason, j.detail, j.created_at
		FROM decision_adjustments j JOIN decisions d ON d.id = j.decision_id WHERE `+where+` ORDER BY j.adjusted_on, j.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Adjustment
	for rows.Next() {
		var a Adjustment
		if err := rows.Scan(&a.ID, &a.DecisionID, &a.Title, &a.Kind, &a.On, &a.Reason, &a.Detail, &a.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func insertAdjustment(ctx context.Context, tx db.Tx, a Adjustment, by int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO decision_adjustments (decision_id, kind, adjusted_on, reason, detail, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, a.DecisionID, a.Kind, a.On, a.Reason, a.Detail, nullID(by), db.Now())
	return err
}

func addEvent(ctx context.Context, tx db.Tx, id int64, e Event) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO decision_events (decision_id, at, actor_id, actor, action, note) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, db.Now(), nullID(e.ActorID), e.Actor, e.Action, e.Note)
	return err
}

func listEvents(ctx context.Context, q db.Querier, id int64) ([]Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT at, COALESCE(actor_id, 0), actor, action, note FROM decision_events WHERE decision_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.At, &e.ActorID, &e.Actor, &e.Action, &e.Note); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
