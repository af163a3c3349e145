package stdcatalog

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/db"
)

const entryColumns = `e.id, e.agency_id, e.seq, e.l1, e.l2, e.content, e.basis, e.time_limit, e.rule_kind, e.rule_days, e.rule_month, e.rule_day,
	e.monitor_from, e.subject, e.channels, e.audiences, e.modes, e.levels, e.five_publics, COALESCE(e.division_id, 0), COALESCE(d.name, ''),
	COALESCE(e.list_item_id, 0), COALESCE(li.code, ''), COALESCE(li.name, ''), e.removed, e.removed_on, e.created_at, e.updated_at, e.version`

const entryFrom = ` FROM std_entries e LEFT JOIN divisions d ON d.id = e.division_id LEFT JOIN std_list_items li ON li.id = e.list_item_id`

var errNone = apperr.NotFoundf("没有这个目录事项。")

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func scanEntry(row interface{ Scan(...any) error }) (*Entry, error) {
	var e Entry
	var kind, code, name string
	if err := row.Scan(&e.ID, &e.AgencyID, &e.Seq, &e.L1, &e.L2, &e.Content, &e.Basis, &e.TimeLimit, &kind, &e.Rule.Days, &e.Rule.Month, &e.Rule.Day,
		&e.MonitorFrom, &e.Subject, (*codes)(&e.Channels), (*codes)(&e.Audiences), (*codes)(&e.Modes), (*codes)(&e.Levels), (*codes)(&e.FivePublics), &e.DivisionID, &e.Division,
		&e.ListItemID, &code, &name, &e.Removed, &e.RemovedOn, &e.CreatedAt, &e.UpdatedAt, &e.Version); err != nil {
		return nil, err
	}
	e.Rule.Kind = RuleKind(kind)
	if code != "" {
		e.ListItem = code + " " + name
	}
	return &e, nil
}

// codes scans a comma-separated column into a []string.
type codes []string

func (c *codes) Scan(src any) error {
	switch v := src.(type) {
	case string:
		*c = split(v)
	case []byte:
		*c = split(string(v))
	case nil:
		*c = nil
	}
	return nil
}

func getEntry(ctx context.Context, q db.Querier, id int64) (*Entry, error) {
	e, err := scanEntry(q.QueryRowContext(ctx, "SELECT "+entryColumns+entryFrom+" WHERE e.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNone
	}
	return e, err
}

// Filter selects entries for the console list.
type Filter struct {
	L1         string
	DivisionID int64
	Query      string
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func listEntries(ctx context.Context, q db.Querier, agencyID int64, f Filter) ([]*Entry, error) {
	conds := []string{"e.agency_id = $1", "e.removed = FALSE"}
	args := []any{agencyID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.L1 != "" {
		conds = append(conds, "e.l1 = "+arg(f.L1))
	}
	if f.DivisionID > 0 {
		conds = append(conds, "e.division_id = "+arg(f.DivisionID))
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		p := arg("%" + escapeLike(s) + "%")
		conds = append(conds, "(e.l1 LIKE "+p+" ESCAPE '\\' OR e.l2 LIKE "+p+" ESCAPE '\\' OR e.content LIKE "+p+" ESCAPE '\\')")
	}
	rows, err := q.QueryContext(ctx, "SELECT "+entryColumns+entryFrom+" WHERE "+strings.Join(conds, " AND ")+" ORDER BY e.seq, e.id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func join(c []string) string { return strings.Join(c, ",") }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func insertEntry(ctx context.Context, tx db.Tx, e *Entry) error {
	now := db.Now()
	e.CreatedAt, e.UpdatedAt, e.Version = now, now, 1
	if e.Seq == 0 {
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) + 1 FROM std_entries WHERE agency_id = $1", e.AgencyID).Scan(&e.Seq); err != nil {
			return err
		}
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO std_entries (agency_id, seq, l1, l2, content, basis, time_limit, rule_kind, rule_days, rule_month, rule_day,
			monitor_from, subject, channels, audiences, modes, levels, five_publics, division_id, list_item_id, removed, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, FALSE, $21, $21, 1) RETURNING id`,
		e.AgencyID, e.Seq, e.L1, e.L2, e.Content, e.Basis, e.TimeLimit, string(e.Rule.Kind), e.Rule.Days, e.Rule.Month, e.Rule.Day,
		e.MonitorFrom, e.Subject, join(e.Channels), join(e.Audiences), join(e.Modes), join(e.Levels), join(e.FivePublics),
		nullID(e.DivisionID), nullID(e.ListItemID), now).Scan(&e.ID)
	if db.IsUniqueViolation(err) {
		return apperr.FieldErrors(map[string]string{"l2": "本目录已有同名的事项（一级事项“" + e.L1 + "”下的“" + e.L2 + "”）。"})
	}
	return err
}

func updateEntry(ctx context.Context, tx db.Tx, e *Entry, version int) error {
	res, err := tx.ExecContext(ctx, `UPDATE std_entries SET seq = $1, l1 = $2, l2 = $3, content = $4, basis = $5, time_limit = $6, rule_kind = $7,
			rule_days = $8, rule_month = $9, rule_day = $10, monitor_from = $11, subject = $12, channels = $13, audiences = $14, modes = $15,
			levels = $16, five_publics = $17, division_id = $18, list_item_id = $19, updated_at = $20, version = version + 1
		WHERE id = $21 AND version = $22 AND removed = FALSE`,
		e.Seq, e.L1, e.L2, e.Content, e.Basis, e.TimeLimit, string(e.Rule.Kind), e.Rule.Days, e.Rule.Month, e.Rule.Day, e.MonitorFrom,
		e.Subject, join(e.Channels), join(e.Audiences), join(e.Modes), join(e.Levels), join(e.FivePublics), nullID(e.DivisionID),
		nullID(e.ListItemID), db.Now(), e.ID, version)
	if db.IsUniqueViolation(err) {
		return apperr.FieldErrors(map[string]string{"l2": "本目录已有同名的事项（一级事项“" + e.L1 + "”下的“" + e.L2 + "”）。"})
	}
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errStale
	}
	return nil
}

func insertChange(ctx context.Context, tx db.Tx, agencyID int64, c Change) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO std_changes (agency_id, entry_id, kind, changed_on, l1, l2, detail, reason, actor, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, agencyID, c.EntryID, string(c.Kind), c.On, c.L1, c.L2, c.Detail, c.Reason, c.Actor, db.Now())
	return err
}

func listChanges(ctx context.Context, q db.Querier, agencyID, entryID int64, limit int) ([]Change, error) {
	query := `SELECT id, entry_id, kind, changed_on, l1, l2, detail, reason, actor, created_at FROM std_changes WHERE agency_id = $1`
	args := []any{agencyID}
	if entryID != 0 {
		query += " AND entry_id = $2"
		args = append(args, entryID)
	}
	query += " ORDER BY changed_on DESC, id DESC LIMIT " + strconv.Itoa(limit)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var kind string
		if err := rows.Scan(&c.ID, &c.EntryID, &kind, &c.On, &c.L1, &c.L2, &c.Detail, &c.Reason, &c.Actor, &c.CreatedAt); err != nil {
			return nil, err
		}
		c.Kind = ChangeKind(kind)
		out = append(out, c)
	}
	return out, rows.Err()
}

// linksOf maps the agency's active entries (or one entry) to their linked
// item IDs, in the order they were linked.
func linksOf(ctx context.Context, q db.Querier, agencyID, entryID int64) (map[int64][]int64, error) {
	query := `SELECT l.entry_id, l.item_id FROM std_links l JOIN std_entries e ON e.id = l.entry_id
		WHERE e.agency_id = $1 AND e.removed = FALSE`
	args := []any{agencyID}
	if entryID != 0 {
		query += " AND l.entry_id = $2"
		args = append(args, entryID)
	}
	rows, err := q.QueryContext(ctx, query+" ORDER BY l.entry_id, l.created_at, l.item_id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var e, it int64
		if err := rows.Scan(&e, &it); err != nil {
			return nil, err
		}
		out[e] = append(out[e], it)
	}
	return out, rows.Err()
}

func entriesOfItem(ctx context.Context, q db.Querier, agencyID, itemID int64) ([]*Entry, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+entryColumns+entryFrom+` JOIN std_links l ON l.entry_id = e.id
		WHERE l.item_id = $1 AND e.agency_id = $2 AND e.removed = FALSE ORDER BY e.seq, e.id`, itemID, agencyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func listItems(ctx context.Context, q db.Querier, agencyID int64, kind ListKind) ([]ListItem, error) {
	query := `SELECT id, list, code, name, category, basis, division FROM std_list_items WHERE agency_id = $1`
	args := []any{agencyID}
	if kind != "" {
		query += " AND list = $2"
		args = append(args, string(kind))
	}
	rows, err := q.QueryContext(ctx, query+" ORDER BY list, code", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ListItem
	for rows.Next() {
		var it ListItem
		var list string
		if err := rows.Scan(&it.ID, &list, &it.Code, &it.Name, &it.Category, &it.Basis, &it.Division); err != nil {
			return nil, err
		}
		it.List = ListKind(list)
		out = append(out, it)
	}
	return out, rows.Err()
}

// divisionByID or by name, within the agency.
func findDivision(ctx context.Context, q db.Querier, agencyID, id int64, name string) (int64, string, bool) {
	var err error
	if id > 0 {
		err = q.QueryRowContext(ctx, "SELECT id, name FROM divisions WHERE id = $1 AND agency_id = $2", id, agencyID).Scan(&id, &name)
	} else {
		err = q.QueryRowContext(ctx, "SELECT id, name FROM divisions WHERE name = $1 AND agency_id = $2", name, agencyID).Scan(&id, &name)
	}
	return id, name, err == nil
}

func findListItem(ctx context.Context, q db.Querier, agencyID, id int64, code string) (int64, string, bool) {
	var c, n string
	var err error
	if id > 0 {
		err = q.QueryRowContext(ctx, "SELECT id, code, name FROM std_list_items WHERE id = $1 AND agency_id = $2", id, agencyID).Scan(&id, &c, &n)
	} else {
		err = q.QueryRowContext(ctx, "SELECT id, code, name FROM std_list_items WHERE code = $1 AND agency_id = $2 ORDER BY list LIMIT 1", code, agencyID).Scan(&id, &c, &n)
	}
	return id, c + " " + n, err == nil
}
