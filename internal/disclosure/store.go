package disclosure

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// itemColumnsOf lists the item columns qualified by a table alias ("" or "i.").
func itemColumnsOf(a string) string {
	return strings.NewReplacer("@", a).Replace(`@id, @agency_id, @index_number, @title, @publisher, @doc_number, @signed_on, @published_on, @formed_on, @due_on,
	COALESCE(@topic_id, 0), @genre, @five_publics, @statutory_item, @method, @validity, @keywords, @summary, @body, @source_type,
	@status, @scheduled_at, @published_at, @late, @version, @withdrawn_reason, COALESCE(@superseded_by, 0), COALESCE(@created_by, 0),
	@created_at, @updated_at`)
}

var itemColumns = itemColumnsOf("")

func scanItem(row interface{ Scan(...any) error }) (*Item, error) {
	var it Item
	var fp, status string
	var sched, pub sql.NullTime
	err := row.Scan(&it.ID, &it.AgencyID, &it.IndexNumber, &it.Title, &it.Publisher, &it.DocNumber, &it.SignedOn, &it.PublishedOn,
		&it.FormedOn, &it.DueOn, &it.TopicID, &it.Genre, &fp, &it.StatutoryItem, &it.Method, &it.Validity, &it.Keywords,
		&it.Summary, &it.Body, &it.SourceType, &status, &sched, &pub, &it.Late, &it.Version, &it.WithdrawnReason,
		&it.SupersededBy, &it.CreatedBy, &it.CreatedAt, &it.UpdatedAt)
	if err != nil {
		return nil, err
	}
	it.Status = Status(status)
	it.ScheduledAt, it.PublishedAt = sched.Time, pub.Time
	if fp != "" {
		it.FivePublics = strings.Split(fp, ",")
	}
	return &it, nil
}

// getItem loads an item of agencyID (0 = any agency: the caller checks).
func getItem(ctx context.Context, q db.Querier, agencyID, id int64) (*Item, error) {
	query := "SELECT " + itemColumns + " FROM items WHERE id = $1"
	args := []any{id}
	if agencyID != 0 {
		query += " AND agency_id = $2"
		args = append(args, agencyID)
	}
	it, err := scanItem(q.QueryRowContext(ctx, query, args...))
	if err != nil {
		return nil, db.NotFound(err, "没有这条信息")
	}
	if err := loadLinks(ctx, q, it); err != nil {
		return nil, err
	}
	return it, nil
}

func loadLinks(ctx context.Context, q db.Querier, it *Item) error {
	it.ColumnIDs, it.RelatedIDs = nil, nil
	rows, err := q.QueryContext(ctx, "SELECT column_id FROM item_columns WHERE item_id = $1 ORDER BY column_id", it.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		it.ColumnIDs = append(it.ColumnIDs, id)
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, "SELECT related_id FROM item_relations WHERE item_id = $1 ORDER BY related_id", it.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		it.RelatedIDs = append(it.RelatedIDs, id)
	}
	return rows.Err()
}

func nullDate(d civil.Date) any {
	if d.IsZero() {
		return nil
	}
	return d
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// writeFields stores the editable fields of an item and its links.
func writeFields(ctx context.Context, tx db.Tx, it *Item) error {
	_, err := tx.ExecContext(ctx, `UPDATE items SET title = $1, publisher = $2, doc_number = $3, signed_on = $4, formed_on = $5,
		due_on = $6, topic_id = $7, genre = $8, five_publics = $9, statutory_item = $10, validity = $11, keywords = $12,
		summary = $13, body = $14, source_type = $15, updated_at = $16, method = $18 WHERE id = $17`,
		it.Title, it.Publisher, it.DocNumber, nullDate(it.SignedOn), nullDate(it.FormedOn), nullDate(it.DueOn), nullID(it.TopicID),
		it.Genre, strings.Join(it.FivePublics, ","), it.StatutoryItem, it.Validity, it.Keywords, it.Summary, it.Body,
		it.SourceType, db.Now(), it.ID, methodOrDefault(it.Method))
	if err != nil {
		return err
	}
	// Keep the columns the item stays in (with their pins); drop the others.
	keep := make([]string, 0, len(it.ColumnIDs))
	args := []any{it.ID}
	for _, c := range it.ColumnIDs {
		args = append(args, c)
		keep = append(keep, "$"+strconv.Itoa(len(args)))
	}
	drop := "DELETE FROM item_columns WHERE item_id = $1"
	if len(keep) > 0 {
		drop += " AND column_id NOT IN (" + strings.Join(keep, ",") + ")"
	}
	if _, err := tx.ExecContext(ctx, drop, args...); err != nil {
		return err
	}
	for _, c := range it.ColumnIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO item_columns (item_id, column_id, listed_at)
			SELECT id, $2, CASE WHEN `+publicPredicate+` THEN published_at END FROM items WHERE id = $1
			ON CONFLICT (item_id, column_id) DO NOTHING`, it.ID, c); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM item_relations WHERE item_id = $1", it.ID); err != nil {
		return err
	}
	for _, r := range it.RelatedIDs {
		if r == it.ID {
			continue
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO item_relations (item_id, related_id) VALUES ($1, $2)", it.ID, r); err != nil {
			return err
		}
	}
	return nil
}

func setStatus(ctx context.Context, tx db.Tx, id int64, s Status) error {
	if _, err := tx.ExecContext(ctx, "UPDATE items SET status = $1, updated_at = $2 WHERE id = $3", string(s), db.Now(), id); err != nil {
		return err
	}
	return syncListed(ctx, tx, id)
}

// publicPredicate selects public items. It is written out (not bound) so
// that the partial indexes of the migration, which carry the same
// predicate, serve the public lists.
const publicPredicate = "status IN ('published', 'superseded')"

// syncListed copies an item's public publication time to its column rows
// (item_columns.listed_at), after its status or publication time changed.
func syncListed(ctx context.Context, tx db.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE item_columns SET listed_at =
		(SELECT CASE WHEN `+publicPredicate+` THEN published_at END FROM items WHERE items.id = item_columns.item_id)
		WHERE item_id = $1`, id)
	return err
}

// event records a step of the item's history.
func event(ctx context.Context, tx db.Tx, itemID int64, actorID int64, actor string, action Action, from, to Status, note string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO item_events (item_id, at, actor_id, actor, action, from_status, to_status, note)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, itemID, db.Now(), nullID(actorID), actor, string(action), string(from), string(to), note)
	return err
}

// Event is a line of an item's history.
type Event struct {
	At     time.Time
	Actor  string
	Action Action
	From   Status
	To     Status
	Note   string
}

func listEvents(ctx context.Context, q db.Querier, itemID int64) ([]Event, error) {
	rows, err := q.QueryContext(ctx, "SELECT at, actor, action, from_status, to_status, note FROM item_events WHERE item_id = $1 ORDER BY id", itemID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var a, f, to string
		if err := rows.Scan(&e.At, &e.Actor, &a, &f, &to, &e.Note); err != nil {
			return nil, err
		}
		e.Action, e.From, e.To = Action(a), Status(f), Status(to)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Snapshot is what a version keeps of an item.
type Snapshot struct {
	Title, Publisher, DocNumber, SignedOn, FormedOn, Genre, StatutoryItem, Validity, Keywords, Summary, Body, SourceType string
	TopicID                                                                                                              int64
	FivePublics                                                                                                          []string
	ColumnIDs                                                                                                            []int64
	Attachments                                                                                                          []string
}

func snapshotOf(it *Item, attachments []Attachment) Snapshot {
	s := Snapshot{Title: it.Title, Publisher: it.Publisher, DocNumber: it.DocNumber, SignedOn: it.SignedOn.String(),
		FormedOn: it.FormedOn.String(), Genre: it.Genre, StatutoryItem: it.StatutoryItem, Validity: it.Validity,
		Keywords: it.Keywords, Summary: it.Summary, Body: it.Body, SourceType: it.SourceType, TopicID: it.TopicID,
		FivePublics: it.FivePublics, ColumnIDs: it.ColumnIDs}
	for _, a := range attachments {
		s.Attachments = append(s.Attachments, fmt.Sprintf("%s（%s，%d 字节，SHA-256 %s…）", a.FileName, a.ContentType, a.Size, a.SHA256[:12]))
	}
	return s
}

// Text is the snapshot as lines, for the reviewers' diff.
func (s Snapshot) Text() string {
	var b strings.Builder
	line := func(label, v string) { fmt.Fprintf(&b, "【%s】%s\n", label, v) }
	line("标题", s.Title)
	line("发布机构", s.Publisher)
	line("发文字号", s.DocNumber)
	line("成文日期", s.SignedOn)
	line("生成日期", s.FormedOn)
	line("体裁", s.Genre)
	line("法定公开事项", StatutoryLabel(s.StatutoryItem))
	line("有效性", ValidityLabel(s.Validity))
	line("关键词", s.Keywords)
	fp := make([]string, 0, len(s.FivePublics))
	for _, c := range s.FivePublics {
		fp = append(fp, FivePublicLabel(c))
	}
	line("五公开", strings.Join(fp, "、"))
	line("内容概述", s.Summary)
	b.WriteString("【正文】\n")
	b.WriteString(s.Body)
	if !strings.HasSuffix(s.Body, "\n") {
		b.WriteString("\n")
	}
	for _, a := range s.Attachments {
		line("附件", a)
	}
	return b.String()
}

func saveVersion(ctx context.Context, tx db.Tx, it *Item, attachments []Attachment, by int64) (int, error) {
	var v int
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) + 1 FROM item_versions WHERE item_id = $1", it.ID).Scan(&v); err != nil {
		return 0, err
	}
	b, err := json.Marshal(snapshotOf(it, attachments))
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO item_versions (item_id, version, snapshot, created_by, created_at) VALUES ($1, $2, $3, $4, $5)",
		it.ID, v, string(b), nullID(by), db.Now()); err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, "UPDATE items SET version = $1 WHERE id = $2", v, it.ID)
	return v, err
}

// Version is a stored version of an item.
type Version struct {
	Number    int
	Snapshot  Snapshot
	CreatedAt time.Time
}

func listVersions(ctx context.Context, q db.Querier, itemID int64) ([]Version, error) {
	rows, err := q.QueryContext(ctx, "SELECT version, snapshot, created_at FROM item_versions WHERE item_id = $1 ORDER BY version", itemID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		var v Version
		var raw string
		if err := rows.Scan(&v.Number, &raw, &v.CreatedAt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(raw), &v.Snapshot); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Attachment is a file attached to an item, with its extracted text.
type Attachment struct {
	ID          int64
	FileName    string
	ContentType string
	Size        int64
	SHA256      string
	Key         string
	Text        string
}

func listAttachments(ctx context.Context, q db.Querier, itemID int64) ([]Attachment, error) {
	rows, err := q.QueryContext(ctx, `SELECT a.id, a.file_name, a.content_type, a.size, a.sha256, a.blob_key, ia.text
		FROM item_attachments ia JOIN attachments a ON a.id = ia.attachment_id WHERE ia.item_id = $1 ORDER BY ia.sort_order, a.id`, itemID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.ID, &a.FileName, &a.ContentType, &a.Size, &a.SHA256, &a.Key, &a.Text); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// nextIndexNumber takes the next sequence of the agency's year: numbers are
// never reused, even when the item is later withdrawn.
func nextIndexNumber(ctx context.Context, tx db.Tx, agencyID int64, year int) (int, error) {
	var seq int
	err := tx.QueryRowContext(ctx, `INSERT INTO index_counters (agency_id, year, next_seq) VALUES ($1, $2, 2)
		ON CONFLICT (agency_id, year) DO UPDATE SET next_seq = index_counters.next_seq + 1
		RETURNING next_seq - 1`, agencyID, year).Scan(&seq)
	return seq, err
}

// Settings are an agency's disclosure policy and guide texts.
type Settings struct {
	AgencyID            int64
	IndexPattern        IndexPattern
	RequireApproval     bool
	SensitiveWords      string
	GuideClassification string // 政府信息的分类
	GuideArrangement    string // 编排体系
	GuideAccess         string // 获取方式
	GuideOther          string
	// InterpretationDays is how many working days an interpretation may
	// follow its policy (0: published together) [U].
	InterpretationDays int
}

func getSettings(ctx context.Context, q db.Querier, agencyID int64) (Settings, error) {
	s := Settings{AgencyID: agencyID, IndexPattern: DefaultIndexPattern}
	var pattern string
	err := q.QueryRowContext(ctx, `SELECT index_pattern, require_approval, sensitive_words, guide_classification,
		guide_arrangement, guide_access, guide_other, interpretation_days FROM disclosure_settings WHERE agency_id = $1`, agencyID).
		Scan(&pattern, &s.RequireApproval, &s.SensitiveWords, &s.GuideClassification, &s.GuideArrangement, &s.GuideAccess, &s.GuideOther,
			&s.InterpretationDays)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	s.IndexPattern = IndexPattern(pattern)
	return s, err
}

func putSettings(ctx context.Context, tx db.Tx, s Settings) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO disclosure_settings (agency_id, index_pattern, require_approval, sensitive_words,
		guide_classification, guide_arrangement, guide_access, guide_other, interpretation_days, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (agency_id) DO UPDATE SET index_pattern = excluded.index_pattern, require_approval = excluded.require_approval,
		sensitive_words = excluded.sensitive_words, guide_classification = excluded.guide_classification,
		guide_arrangement = excluded.guide_arrangement, guide_access = excluded.guide_access, guide_other = excluded.guide_other,
		interpretation_days = excluded.interpretation_days, updated_at = excluded.updated_at`,
		s.AgencyID, string(s.IndexPattern), s.RequireApproval, s.SensitiveWords, s.GuideClassification, s.GuideArrangement,
		s.GuideAccess, s.GuideOther, s.InterpretationDays, db.Now())
	return err
}

// Topic is a 主题分类.
type Topic struct {
	ID        int64
	AgencyID  int64
	Name      string
	SortOrder int
}

func listTopics(ctx context.Context, q db.Querier, agencyID int64) ([]Topic, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, agency_id, name, sort_order FROM topics WHERE agency_id = $1 ORDER BY sort_order, id", agencyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Topic
	for rows.Next() {
		var t Topic
		if err := rows.Scan(&t.ID, &t.AgencyID, &t.Name, &t.SortOrder); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// ListFilter selects items for the portal and the console.
type ListFilter struct {
	AgencyIDs []int64 // empty: all agencies
	Statuses  []Status
	ColumnID  int64
	ColumnIDs []int64 // any of these columns (public lists only)
	TopicID   int64
	Year      int
	Genre     string
	FivePub   string
	DocNumber string
	Text      string // in the title (console)
	DueBefore civil.Date
	Limit     int
	Offset    int
	// NoCount skips counting the matches (the total is then 0), for
	// lists that show only their first page, such as "latest".
	NoCount bool
}

func (f ListFilter) where() (string, []any) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if len(f.AgencyIDs) > 0 {
		ph := make([]string, len(f.AgencyIDs))
		for i, id := range f.AgencyIDs {
			ph[i] = arg(id)
		}
		where = append(where, "i.agency_id IN ("+strings.Join(ph, ",")+")")
	}
	if len(f.Statuses) > 0 {
		ph := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			ph[i] = arg(string(s))
		}
		where = append(where, "i.status IN ("+strings.Join(ph, ",")+")")
	}
	if f.ColumnID != 0 {
		where = append(where, "i.id IN (SELECT item_id FROM item_columns WHERE column_id = "+arg(f.ColumnID)+")")
	}
	if f.TopicID != 0 {
		where = append(where, "i.topic_id = "+arg(f.TopicID))
	}
	if f.Year != 0 {
		where = append(where, "i.published_on >= "+arg(civil.New(f.Year, 1, 1))+" AND i.published_on < "+arg(civil.New(f.Year+1, 1, 1)))
	}
	if f.Genre != "" {
		where = append(where, "i.genre = "+arg(f.Genre))
	}
	if f.FivePub != "" {
		where = append(where, "(',' || i.five_publics || ',') LIKE "+arg("%,"+f.FivePub+",%"))
	}
	if f.DocNumber != "" {
		where = append(where, "i.doc_number LIKE "+arg("%"+escapeLike(NormalizeDocNumber(f.DocNumber))+"%")+" ESCAPE '\\'")
	}
	if f.Text != "" {
		where = append(where, "i.title LIKE "+arg("%"+escapeLike(f.Text)+"%")+" ESCAPE '\\'")
	}
	if !f.DueBefore.IsZero() {
		where = append(where, "i.due_on IS NOT NULL AND i.due_on <= "+arg(f.DueBefore))
	}
	if len(where) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// public reports whether the filter asks for exactly the public statuses.
func (f ListFilter) public() bool {
	return len(f.Statuses) == 2 && f.Statuses[0] == Published && f.Statuses[1] == Superseded
}

// listItems returns items by filter, newest first, and the total count.
func listItems(ctx context.Context, q db.Querier, f ListFilter, order string) ([]*Item, int, error) {
	if f.public() && order == "" {
		return listPublic(ctx, q, f)
	}
	cond, args := f.where()
	var total int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM items i"+cond, args...).Scan(&total); err != nil {
		return nil, 0, db.Classify(err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 20
	}
	if order == "" {
		order = "i.published_at DESC, i.id DESC"
	}
	args = append(args, limit, max(f.Offset, 0))
	out, err := queryItems(ctx, q, "SELECT "+itemColumnsOf("i.")+" FROM items i"+cond+" ORDER BY "+order+
		" LIMIT $"+strconv.Itoa(len(args)-1)+" OFFSET $"+strconv.Itoa(len(args)), args...)
	return out, total, err
}

// queryItems runs a query that selects itemColumnsOf("i.").
func queryItems(ctx context.Context, q db.Querier, query string, args ...any) ([]*Item, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []*Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

var errNoItem = apperr.New(apperr.NotFound, "没有这条信息")

// ItemRef is the least the sitemap needs of a public item.
type ItemRef struct {
	ID, AgencyID int64
	PublishedOn  civil.Date
}

// publicItemRefs lists public items by ID (stable for paging a sitemap).
func publicItemRefs(ctx context.Context, q db.Querier, offset, limit int) ([]ItemRef, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, agency_id, published_on FROM items WHERE `+publicPredicate+`
		ORDER BY id LIMIT $1 OFFSET $2`, limit, offset)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []ItemRef
	for rows.Next() {
		var r ItemRef
		if err := rows.Scan(&r.ID, &r.AgencyID, &r.PublishedOn); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func countPublic(ctx context.Context, q db.Querier) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM items WHERE "+publicPredicate).Scan(&n)
	return n, db.Classify(err)
}

// listPublic lists public items newest first along the partial indexes: a
// column's list walks item_columns_listed, other lists items_listed(_all).
func listPublic(ctx context.Context, q db.Querier, f ListFilter) ([]*Item, int, error) {
	column, columns := f.ColumnID, f.ColumnIDs
	f.ColumnID, f.ColumnIDs, f.Statuses = 0, nil, nil
	cond, args := f.where()
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	var from, count, order string
	switch {
	case len(columns) > 0:
		ph := make([]string, len(columns))
		for i, c := range columns {
			ph[i] = arg(c)
		}
		in := "SELECT item_id FROM item_columns WHERE column_id IN (" + strings.Join(ph, ",") + ") AND listed_at IS NOT NULL"
		where := " WHERE i." + publicPredicate + " AND i.id IN (" + in + ")"
		if cond != "" {
			where += " AND " + strings.TrimPrefix(cond, " WHERE ")
			count = "SELECT COUNT(*) FROM items i" + where
		} else {
			count = "SELECT COUNT(DISTINCT item_id) FROM item_columns WHERE column_id IN (" + strings.Join(ph, ",") + ") AND listed_at IS NOT NULL"
		}
		from = " FROM items i" + where
		order = " ORDER BY i.published_at DESC, i.id DESC"
	case column != 0:
		c := arg(column)
		from = " FROM item_columns c JOIN items i ON i.id = c.item_id"
		where := " WHERE c.column_id = " + c + " AND c.listed_at IS NOT NULL"
		if cond != "" {
			where += " AND " + strings.TrimPrefix(cond, " WHERE ")
			count = "SELECT COUNT(*)" + from + where
		} else {
			count = "SELECT COUNT(*) FROM item_columns c" + where
		}
		from += where
		order = " ORDER BY c.listed_at DESC, c.item_id DESC"
	default:
		where := " WHERE i." + publicPredicate
		if cond != "" {
			where += " AND " + strings.TrimPrefix(cond, " WHERE ")
		}
		from = " FROM items i" + where
		count = "SELECT COUNT(*)" + from
		order = " ORDER BY i.published_at DESC, i.id DESC"
	}
	var total int
	if !f.NoCount {
		if err := q.QueryRowContext(ctx, count, args...).Scan(&total); err != nil {
			return nil, 0, db.Classify(err)
		}
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 20
	}
	args = append(args, limit, max(f.Offset, 0))
	out, err := queryItems(ctx, q, "SELECT "+itemColumnsOf("i.")+from+order+
		" LIMIT $"+strconv.Itoa(len(args)-1)+" OFFSET $"+strconv.Itoa(len(args)), args...)
	return out, total, err
}

func methodOrDefault(m string) string {
	if m == "" {
		return DefaultMethod
	}
	return m
}
