package disclosure

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// Aggregates of published information for the public statistics page, the
// open-data export and the annual report's narrative. They count what the
// portal shows: items published or superseded (a withdrawn item is not
// public and is not counted), by the day of publication.

// PublishedStats counts an agency's items published in a year.
type PublishedStats struct {
	Year   int
	Total  int
	Months [12]int // by month of publication, January first
	// Columns are the columns holding items published in the year, in the
	// catalogue's display order (tree order, topical columns last), each
	// with the number of those items in it. An item in two columns counts
	// in both, so the counts may add up to more than Total.
	Columns []ColumnCount
	// FivePublics counts items by 五公开 dimension, in the order of
	// FivePublics (an item may have several, or none).
	FivePublics []FivePublicCount
}

// ColumnCount is a column and the items published in it.
type ColumnCount struct {
	Column *Column
	Parent *Column // nil for a top-level column
	Count  int
}

// FivePublicCount is a 五公开 dimension and its items.
type FivePublicCount struct {
	Code  FivePublic
	Label string
	Count int
}

// PublishedStats counts the items of agencyID published in year.
func (s *Service) PublishedStats(ctx context.Context, agencyID int64, year int) (PublishedStats, error) {
	st := PublishedStats{Year: year}
	if year < 1900 || year > 9999 {
		return st, fmt.Errorf("disclosure: year %d out of range", year)
	}
	from, to := civil.New(year, 1, 1), civil.New(year+1, 1, 1)
	rows, err := s.DB.R.QueryContext(ctx, `SELECT published_on, five_publics FROM items
		WHERE agency_id = $1 AND `+publicPredicate+` AND published_on >= $2 AND published_on < $3`, agencyID, from, to)
	if err != nil {
		return st, db.Classify(err)
	}
	five := map[string]int{}
	for rows.Next() {
		var on civil.Date
		var fp string
		if err := rows.Scan(&on, &fp); err != nil {
			rows.Close()
			return st, err
		}
		st.Total++
		st.Months[on.Month-1]++
		if fp != "" {
			for _, c := range strings.Split(fp, ",") {
				five[c]++
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, db.Classify(err)
	}
	for _, f := range FivePublics {
		st.FivePublics = append(st.FivePublics, FivePublicCount{Code: f.Code, Label: f.Label, Count: five[string(f.Code)]})
	}
	counts := map[int64]int{}
	rows, err = s.DB.R.QueryContext(ctx, `SELECT c.column_id, COUNT(*) FROM item_columns c JOIN items i ON i.id = c.item_id
		WHERE i.agency_id = $1 AND i.`+publicPredicate+` AND i.published_on >= $2 AND i.published_on < $3
		GROUP BY c.column_id`, agencyID, from, to)
	if err != nil {
		return st, db.Classify(err)
	}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return st, err
		}
		counts[id] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, db.Classify(err)
	}
	if len(counts) == 0 {
		return st, nil
	}
	cols, err := s.Catalogue(ctx, agencyID)
	if err != nil {
		return st, err
	}
	for _, cc := range orderedColumns(cols) {
		if n := counts[cc.Column.ID]; n > 0 {
			cc.Count = n
			st.Columns = append(st.Columns, cc)
		}
	}
	return st, nil
}

// orderedColumns lists columns in display order: the tree depth first,
// then the topical columns.
func orderedColumns(cols []*Column) []ColumnCount {
	var out []ColumnCount
	var walk func(parent *Column, list []*Column)
	walk = func(parent *Column, list []*Column) {
		for _, c := range list {
			out = append(out, ColumnCount{Column: c, Parent: parent})
			walk(c, c.Children)
		}
	}
	// Tree rewrites Children; work on copies so that the caller's
	// columns (a cached catalogue) are not changed.
	copies := make([]*Column, len(cols))
	for i, c := range cols {
		cp := *c
		copies[i] = &cp
	}
	walk(nil, Tree(copies))
	for _, c := range copies {
		if c.Kind == KindTopical {
			out = append(out, ColumnCount{Column: c})
		}
	}
	return out
}

// PublicEntry is the public metadata of an item as the portal shows it
// above the text (the body is left out): what an open-data catalogue
// lists.
type PublicEntry struct {
	ID          int64
	IndexNumber string // 索引号
	Title       string
	Publisher   string // 发布机构
	DocNumber   string // 发文字号
	SignedOn    civil.Date
	PublishedOn civil.Date
	PublishedAt time.Time
	TopicID     int64
	Genre       string
	FivePublics []string
	Validity    string
	Method      string
	Superseded  bool
	ColumnIDs   []int64 // every column the item is listed in (hidden ones too)
}

// publicEntryBatch is how many items EachPublicEntry reads per query: the
// rows of a batch are read and the query closed before fn sees them, so
// a slow reader never holds a database connection.
var publicEntryBatch = 500

// EachPublicEntry calls fn for every public item of agencyID, newest
// first (by publication time, then ID), reading them by batches along the
// public-items index. It stops at fn's first error and returns it.
func (s *Service) EachPublicEntry(ctx context.Context, agencyID int64, fn func(*PublicEntry) error) error {
	var (
		afterAt time.Time
		afterID int64
		first   = true
	)
	for {
		query := `SELECT id, index_number, title, publisher, doc_number, signed_on, published_on, published_at,
			COALESCE(topic_id, 0), genre, five_publics, validity, method, status FROM items
			WHERE agency_id = $1 AND ` + publicPredicate
		args := []any{agencyID}
		if !first {
			query += ` AND (published_at < $2 OR (published_at = $2 AND id < $3))`
			args = append(args, afterAt, afterID)
		}
		args = append(args, publicEntryBatch)
		query += ` ORDER BY published_at DESC, id DESC LIMIT $` + strconv.Itoa(len(args))
		batch, err := s.publicEntries(ctx, query, args...)
		if err != nil {
			return err
		}
		for _, e := range batch {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(batch) < publicEntryBatch {
			return nil
		}
		last := batch[len(batch)-1]
		// In UTC, as stored: SQLite compares the text.
		afterAt, afterID, first = last.PublishedAt.UTC(), last.ID, false
	}
}

func (s *Service) publicEntries(ctx context.Context, query string, args ...any) ([]*PublicEntry, error) {
	rows, err := s.DB.R.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	var out []*PublicEntry
	byID := map[int64]*PublicEntry{}
	for rows.Next() {
		var e PublicEntry
		var fp, status string
		if err := rows.Scan(&e.ID, &e.IndexNumber, &e.Title, &e.Publisher, &e.DocNumber, &e.SignedOn, &e.PublishedOn, &e.PublishedAt,
			&e.TopicID, &e.Genre, &fp, &e.Validity, &e.Method, &status); err != nil {
			rows.Close()
			return nil, err
		}
		if fp != "" {
			e.FivePublics = strings.Split(fp, ",")
		}
		e.Method = methodOrDefault(e.Method)
		e.Superseded = Status(status) == Superseded
		out = append(out, &e)
		byID[e.ID] = &e
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, db.Classify(err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	ph := make([]string, len(out))
	ids := make([]any, len(out))
	for i, e := range out {
		ph[i], ids[i] = "$"+strconv.Itoa(i+1), e.ID
	}
	// #nosec G202 -- only $N placeholders are joined in; the ids are in args
	rows, err = s.DB.R.QueryContext(ctx, `SELECT item_id, column_id FROM item_columns WHERE item_id IN (`+strings.Join(ph, ",")+`)
		ORDER BY item_id, column_id`, ids...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var item, col int64
		if err := rows.Scan(&item, &col); err != nil {
			return nil, err
		}
		if e := byID[item]; e != nil {
			e.ColumnIDs = append(e.ColumnIDs, col)
		}
	}
	return out, db.Classify(rows.Err())
}
