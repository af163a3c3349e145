package search

import (
	"context"
	"database/sql"
	"strings"

	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/textzh"
)

// SQLite: one FTS5 query expression per plan. Every token is a double-quoted
// string (tokens never contain quotes), so nothing a user types is FTS5
// syntax; text terms are limited to the text columns, filters to meta.

const textColumns = "{title docno body}"

// ftsPhrase renders a term as an FTS5 phrase: "t1 t2 t3", with * for a
// prefix term.
func ftsPhrase(t textzh.Term) string {
	s := `"` + strings.Join(t.Tokens, " ") + `"`
	if t.Prefix {
		s += " *"
	}
	return s
}

// ftsMatch renders the plan's match expression ("" for the empty plan);
// with inTitle, for search_titles: every term in the title.
func ftsMatch(p *plan, inTitle bool) string {
	var parts []string
	for _, t := range p.query.Terms {
		if inTitle {
			parts = append(parts, "title : "+ftsPhrase(t))
		} else {
			parts = append(parts, textColumns+" : "+ftsPhrase(t))
		}
	}
	if p.docNo != nil {
		parts = append(parts, "docno : "+ftsPhrase(*p.docNo))
	}
	for _, group := range p.meta {
		quoted := make([]string, len(group))
		for i, m := range group {
			quoted[i] = `"` + m + `"`
		}
		if len(quoted) == 1 {
			parts = append(parts, "meta : "+quoted[0])
		} else {
			parts = append(parts, "meta : ("+strings.Join(quoted, " OR ")+")")
		}
	}
	return strings.Join(parts, " AND ")
}

type sqliteEngine struct {
	conn  *sql.Conn
	p     *plan
	match string
}

func newSQLiteEngine(ctx context.Context, d *db.DB, p *plan) (*sqliteEngine, error) {
	conn, err := d.R.Conn(ctx)
	if err != nil {
		return nil, db.Classify(err)
	}
	return &sqliteEngine{conn: conn, p: p, match: ftsMatch(p, false)}, nil
}

func (e *sqliteEngine) querier() db.Querier { return e.conn }

func (e *sqliteEngine) close() {
	if e.conn != nil {
		e.conn.Close()
		e.conn = nil
	}
}

// countMatch counts the documents matching expr in table (search_fts or
// search_sample) up to limit: parts of one document are adjacent rowids, so
// rows are counted with their distinct document keys, and the row limit is
// raised while parts hide documents.
func (e *sqliteEngine) countMatch(ctx context.Context, table, expr string, limit int) (int, error) {
	rowLimit := limit
	for {
		var rows, docs int
		err := e.conn.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT rowid >> 8) FROM
			(SELECT rowid FROM `+table+` WHERE `+table+` MATCH $1 LIMIT $2)`, expr, rowLimit).Scan(&rows, &docs)
		if err != nil {
			return 0, err
		}
		if rows < rowLimit || docs >= limit {
			return min(docs, limit), nil
		}
		rowLimit += rows - docs + 64
	}
}

func (e *sqliteEngine) count(ctx context.Context) (int, bool, error) {
	if e.match == "" {
		var n int
		err := e.conn.QueryRowContext(ctx, `SELECT count(*) FROM search_docs`).Scan(&n)
		return n, false, err
	}
	// The sample first: it is cheap, and when it shows far more than
	// MaxHits hits, counting them up to MaxHits is not needed.
	s, err := e.countMatch(ctx, "search_sample", e.match, MaxHits+1)
	if err != nil {
		return 0, false, err
	}
	if s*sampleRate >= sureAbove {
		return s * sampleRate, true, nil
	}
	n, err := e.countMatch(ctx, "search_fts", e.match, MaxHits+1)
	if err != nil || n <= MaxHits {
		return n, false, err
	}
	return max(MaxHits+1, s*sampleRate), true, nil
}

// newestMatch returns document keys of expr in table (search_fts or
// search_titles), newest first (parts merged), after skipping skip
// documents.
func (e *sqliteEngine) newestMatch(ctx context.Context, table, expr string, skip, n int) ([]int64, error) {
	rowLimit := skip + n + 8
	for {
		var rows *sql.Rows
		var err error
		if expr == "" {
			rows, err = e.conn.QueryContext(ctx, `SELECT id FROM search_docs ORDER BY id DESC LIMIT $1`, rowLimit)
		} else {
			// #nosec G202 -- table is a constant name from the callers (search_fts, search_titles); the match expression is $1
			rows, err = e.conn.QueryContext(ctx, `SELECT rowid FROM `+table+`
				WHERE `+table+` MATCH $1 ORDER BY rowid DESC LIMIT $2`, expr, rowLimit)
		}
		if err != nil {
			return nil, err
		}
		var out []int64
		seen := 0
		for rows.Next() {
			var k int64
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, err
			}
			seen++
			k &^= partMask
			if len(out) == 0 || out[len(out)-1] != k {
				out = append(out, k)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if seen < rowLimit || len(out) > skip+n {
			if skip >= len(out) {
				return nil, nil
			}
			return out[skip:min(len(out), skip+n)], nil
		}
		rowLimit *= 2
	}
}

func (e *sqliteEngine) newest(ctx context.Context, skip, n int) ([]int64, error) {
	return e.newestMatch(ctx, "search_fts", e.match, skip, n)
}

func (e *sqliteEngine) inTitle(ctx context.Context, n int) ([]int64, error) {
	if !e.p.hasText() {
		return nil, nil
	}
	return e.newestMatch(ctx, "search_titles", ftsMatch(e.p, true), 0, n)
}
