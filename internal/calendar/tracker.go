package calendar

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// TrackedDeadline is a deadline a capability registered with the tracker, so
// that it is recomputed whenever the calendar changes. Owner is the
// capability ("application"), OwnerID its object ("2025-0001"), Kind which of
// the object's deadlines ("reply", "correction_notice").
type TrackedDeadline struct {
	ID          int64
	Owner       string
	OwnerID     string
	Kind        string
	Start       civil.Date
	WorkingDays int
	Pauses      []Interval
	// Set by the tracker:
	Due         civil.Date
	Provisional bool
	Open        bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Change is a tracked deadline whose due date (or provisional flag) a
// calendar change altered.
type Change struct {
	ID             int64
	Owner          string
	OwnerID        string
	Kind           string
	OldDue         civil.Date
	NewDue         civil.Date
	OldProvisional bool
	Provisional    bool
}

const maxKeyLen = 100

// Track registers or updates (by Owner, OwnerID, Kind) a deadline of
// WorkingDays working days after Start, not counting working days inside
// Pauses, computes its due date with the current calendar, stores it open,
// and returns the result. Call it in the transaction that changes the
// deadline's inputs (receipt confirmed, extension granted, consultation
// ended). On PostgreSQL it holds a share lock on the calendar version until
// tx ends, so that a concurrent calendar change waits and then recomputes it.
func (s *Service) Track(ctx context.Context, tx db.Tx, d TrackedDeadline) (Result, error) {
	if err := checkKeys(d.Owner, d.OwnerID, d.Kind); err != nil {
		return Result{}, err
	}
	cal, err := s.calendarInTx(ctx, tx)
	if err != nil {
		return Result{}, err
	}
	r, err := cal.Deadline(d.Start, d.WorkingDays, d.Pauses)
	if err != nil {
		return Result{}, err
	}
	pauses, err := encodePauses(d.Pauses)
	if err != nil {
		return Result{}, err
	}
	now := db.Now()
	_, err = tx.ExecContext(ctx, `INSERT INTO calendar_deadlines
			(owner, owner_id, kind, start_day, working_days, pauses, due_day, provisional, open, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, TRUE, $9, $9)
		ON CONFLICT (owner, owner_id, kind) DO UPDATE SET
			start_day = excluded.start_day, working_days = excluded.working_days, pauses = excluded.pauses,
			due_day = excluded.due_day, provisional = excluded.provisional, open = TRUE,
			updated_at = excluded.updated_at`,
		d.Owner, d.OwnerID, d.Kind, d.Start, d.WorkingDays, pauses, r.Due, r.Provisional(), now)
	if err != nil {
		return Result{}, fmt.Errorf("calendar: track %s/%s/%s: %w", d.Owner, d.OwnerID, d.Kind, err)
	}
	return r, nil
}

// Close marks a tracked deadline done (the reply was made), so calendar
// changes no longer recompute it. It returns apperr.NotFound if the deadline
// was never tracked.
func (s *Service) Close(ctx context.Context, tx db.Tx, owner, ownerID, kind string) error {
	res, err := tx.ExecContext(ctx, `UPDATE calendar_deadlines SET open = FALSE, updated_at = $4
		WHERE owner = $1 AND owner_id = $2 AND kind = $3`, owner, ownerID, kind, db.Now())
	if err != nil {
		return fmt.Errorf("calendar: close %s/%s/%s: %w", owner, ownerID, kind, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return apperr.NotFoundf("未找到该期限（%s/%s/%s）。", owner, ownerID, kind)
	}
	return nil
}

// CloseAll closes every tracked deadline of one object (the application was
// withdrawn) and returns how many were open.
func (s *Service) CloseAll(ctx context.Context, tx db.Tx, owner, ownerID string) (int, error) {
	res, err := tx.ExecContext(ctx, `UPDATE calendar_deadlines SET open = FALSE, updated_at = $3
		WHERE owner = $1 AND owner_id = $2 AND open = TRUE`, owner, ownerID, db.Now())
	if err != nil {
		return 0, fmt.Errorf("calendar: close %s/%s: %w", owner, ownerID, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Recompute recomputes, with the calendar as tx sees it, every open deadline
// whose counted span (start, due] overlaps [from, to], stores the new due
// dates, and calls the listeners of the owners whose deadlines changed
// (owners in name order). SetYear and Seed call it; call it yourself after
// changing the calendar tables by other means.
func (s *Service) Recompute(ctx context.Context, tx db.Tx, from, to civil.Date) ([]Change, error) {
	cal, err := Load(ctx, tx)
	if err != nil {
		return nil, err
	}
	list, err := queryDeadlines(ctx, tx, `WHERE open = TRUE AND start_day < $1 AND due_day >= $2 ORDER BY id`, to, from)
	if err != nil {
		return nil, err
	}
	var changes []Change
	now := db.Now()
	for _, d := range list {
		r, err := cal.Deadline(d.Start, d.WorkingDays, d.Pauses)
		if err != nil {
			return nil, fmt.Errorf("calendar: recompute %s/%s/%s: %w", d.Owner, d.OwnerID, d.Kind, err)
		}
		if r.Due == d.Due && r.Provisional() == d.Provisional {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE calendar_deadlines SET due_day = $2, provisional = $3, updated_at = $4
			WHERE id = $1`, d.ID, r.Due, r.Provisional(), now); err != nil {
			return nil, fmt.Errorf("calendar: update deadline %d: %w", d.ID, err)
		}
		changes = append(changes, Change{ID: d.ID, Owner: d.Owner, OwnerID: d.OwnerID, Kind: d.Kind,
			OldDue: d.Due, NewDue: r.Due, OldProvisional: d.Provisional, Provisional: r.Provisional()})
	}
	if err := s.notify(ctx, tx, changes); err != nil {
		return nil, err
	}
	return changes, nil
}

func (s *Service) notify(ctx context.Context, tx db.Tx, changes []Change) error {
	byOwner := map[string][]Change{}
	for _, c := range changes {
		byOwner[c.Owner] = append(byOwner[c.Owner], c)
	}
	owners := make([]string, 0, len(byOwner))
	for o := range byOwner {
		owners = append(owners, o)
	}
	slices.Sort(owners)
	for _, o := range owners {
		s.mu.Lock()
		fns := slices.Clone(s.listeners[o])
		s.mu.Unlock()
		for _, fn := range fns {
			if err := fn(ctx, tx, byOwner[o]); err != nil {
				return fmt.Errorf("calendar: listener of %s: %w", o, err)
			}
		}
	}
	return nil
}

// GetDeadline returns one tracked deadline, or apperr.NotFound.
func GetDeadline(ctx context.Context, q db.Querier, owner, ownerID, kind string) (TrackedDeadline, error) {
	list, err := queryDeadlines(ctx, q, `WHERE owner = $1 AND owner_id = $2 AND kind = $3`, owner, ownerID, kind)
	if err != nil {
		return TrackedDeadline{}, err
	}
	if len(list) == 0 {
		return TrackedDeadline{}, apperr.NotFoundf("未找到该期限（%s/%s/%s）。", owner, ownerID, kind)
	}
	return list[0], nil
}

// ListDeadlines returns the tracked deadlines of one object, by kind.
func ListDeadlines(ctx context.Context, q db.Querier, owner, ownerID string) ([]TrackedDeadline, error) {
	return queryDeadlines(ctx, q, `WHERE owner = $1 AND owner_id = $2 ORDER BY kind`, owner, ownerID)
}

func queryDeadlines(ctx context.Context, q db.Querier, where string, args ...any) ([]TrackedDeadline, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, owner, owner_id, kind, start_day, working_days, pauses,
			due_day, provisional, open, created_at, updated_at
		FROM calendar_deadlines `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("calendar: query deadlines: %w", err)
	}
	var out []TrackedDeadline
	for rows.Next() {
		var (
			d      TrackedDeadline
			pauses string
		)
		if err := rows.Scan(&d.ID, &d.Owner, &d.OwnerID, &d.Kind, &d.Start, &d.WorkingDays, &pauses,
			&d.Due, &d.Provisional, &d.Open, &d.CreatedAt, &d.UpdatedAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("calendar: scan deadline: %w", err)
		}
		if err := json.Unmarshal([]byte(pauses), &d.Pauses); err != nil {
			rows.Close()
			return nil, fmt.Errorf("calendar: deadline %d pauses: %w", d.ID, err)
		}
		out = append(out, d)
	}
	return out, closeRows(rows)
}

func encodePauses(pauses []Interval) (string, error) {
	if len(pauses) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(pauses)
	if err != nil {
		return "", fmt.Errorf("calendar: encode pauses: %w", err)
	}
	return string(b), nil
}

func checkKeys(owner, ownerID, kind string) error {
	for _, k := range [...]struct{ label, v string }{{"owner", owner}, {"owner_id", ownerID}, {"kind", kind}} {
		if strings.TrimSpace(k.v) == "" || utf8.RuneCountInString(k.v) > maxKeyLen {
			return apperr.Invalidf("期限标识 %s 不能为空，且不超过 %d 个字符。", k.label, maxKeyLen)
		}
	}
	return nil
}
