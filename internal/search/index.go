package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// partMask selects the part number in a row key; rowKey >> 8 << 8 is the
// document key.
const partMask = 0xff

// seqLimit bounds the sequence number within a day (24 bits).
const seqLimit = 1 << 24

// Index adds d to the index, or replaces the document with the same Source
// and SourceID, inside the caller's transaction: publishing an item and
// indexing it commit (or roll back) together.
func Index(ctx context.Context, tx db.Tx, d Doc) error {
	pd, err := prepare(d, tx.Dialect)
	if err != nil {
		return err
	}
	return pd.write(ctx, tx)
}

// IndexBatch indexes many documents in the caller's transaction, as Index
// does one by one (a document given twice ends as the last one given), with
// the tokenising spread over the CPUs: for imports. The documents are
// written in order of publication date, which is the order of their keys:
// FTS5 keeps adding to its in-memory index only while row IDs increase,
// and writes a small b-tree each time they do not.
func IndexBatch(ctx context.Context, tx db.Tx, docs []Doc) error {
	type id struct {
		source string
		id     int64
	}
	last := make(map[id]int, len(docs))
	for i, d := range docs {
		last[id{d.Source, d.SourceID}] = i
	}
	order := make([]Doc, 0, len(last))
	for i, d := range docs {
		if last[id{d.Source, d.SourceID}] == i {
			order = append(order, d)
		}
	}
	slices.SortStableFunc(order, func(a, b Doc) int { return a.PublishedOn.Compare(b.PublishedOn) })
	docs = order
	pds := make([]*prepared, len(docs))
	errs := make([]error, len(docs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				pds[i], errs[i] = prepare(docs[i], tx.Dialect)
			}
		})
	}
	for i := range docs {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, pd := range pds {
		if errs[i] != nil {
			return errs[i]
		}
		if err := pd.write(ctx, tx); err != nil {
			return err
		}
	}
	return nil
}

// prepared is a document ready to be written: its parts rendered for the
// engine.
type prepared struct {
	d     Doc
	parts int
	lead  string
	// PostgreSQL: the tsvector literal of each part, the title's and the
	// 文号's tokens as text.
	tsv                  []string
	titleText, docNoText string
	// SQLite: the token text of each part's title, 文号 and body, and of
	// the filter tokens.
	fts  [][3]string
	meta string
}

func prepare(d Doc, dialect db.Dialect) (*prepared, error) {
	if err := d.validate(); err != nil {
		return nil, err
	}
	parts := splitParts(tokenize(&d))
	meta := metaTokens(&d)
	pd := &prepared{d: d, parts: len(parts), lead: lead(d.Body),
		titleText: tokenText(parts[0].title), docNoText: tokenText(parts[0].docNumber)}
	for _, p := range parts {
		if dialect == db.Postgres {
			pd.tsv = append(pd.tsv, tsvector(p, meta))
		} else {
			pd.fts = append(pd.fts, [3]string{ftsText(p.title), ftsText(p.docNumber), ftsText(p.body)})
		}
	}
	pd.meta = ftsText(meta)
	return pd, nil
}

const insertDoc = `INSERT INTO search_docs (id, source, source_id, agency_id, url, title, doc_number,
	published_on, kind, topic_id, column_ids, five_publics, parts, indexed_at, lead, body)
	VALUES (%s, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`

func (pd *prepared) docArgs(key any) []any {
	d := &pd.d
	return []any{key, d.Source, d.SourceID, d.AgencyID, d.URL, d.Title, d.DocNumber,
		d.PublishedOn, d.Kind, d.TopicID, listInts(d.ColumnIDs), strings.Join(d.FivePublics, ","), pd.parts, db.Now(), pd.lead, d.Body}
}

// write replaces the document's index entries in tx.
func (pd *prepared) write(ctx context.Context, tx db.Tx) error {
	d := &pd.d
	if err := Remove(ctx, tx, d.Source, d.SourceID); err != nil {
		return err
	}
	if tx.Dialect == db.Postgres {
		return pd.writePostgres(ctx, tx)
	}
	id, err := newKey(ctx, tx, d.PublishedOn)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(insertDoc, "$1"), pd.docArgs(id)...); err != nil {
		return fmt.Errorf("search: index %s/%d: %w", d.Source, d.SourceID, err)
	}
	sample := inSample(d.Source, d.SourceID)
	for n, f := range pd.fts {
		_, err := tx.ExecContext(ctx, `INSERT INTO search_fts (rowid, title, docno, body, meta) VALUES ($1, $2, $3, $4, $5)`,
			id+int64(n), f[0], f[1], f[2], pd.meta)
		if err == nil && sample {
			_, err = tx.ExecContext(ctx, `INSERT INTO search_sample (rowid, title, docno, body, meta) VALUES ($1, $2, $3, $4, $5)`,
				id+int64(n), f[0], f[1], f[2], pd.meta)
		}
		if err != nil {
			return fmt.Errorf("search: index %s/%d part %d: %w", d.Source, d.SourceID, n, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_titles (rowid, title, docno, meta) VALUES ($1, $2, $3, $4)`,
		id, pd.fts[0][0], pd.fts[0][1], pd.meta); err != nil {
		return fmt.Errorf("search: index %s/%d title: %w", d.Source, d.SourceID, err)
	}
	return nil
}

// writePostgres inserts the document and its parts: the key comes from a
// sequence (concurrent transactions never pick the same one; a clash after
// the 24-bit number wraps is retried), the parts go in one statement.
func (pd *prepared) writePostgres(ctx context.Context, tx db.Tx) error {
	d := &pd.d
	day := dayNumber(d.PublishedOn) << keyShift
	var id int64
	for attempt := 0; ; attempt++ {
		args := append(pd.docArgs(day), seqLimit)
		err := tx.QueryRowContext(ctx, fmt.Sprintf(insertDoc, "$1::bigint | ((nextval('search_doc_seq') % $17) << 8)")+
			` ON CONFLICT (id) DO NOTHING RETURNING id`, args...).Scan(&id)
		if err == nil {
			break
		}
		if !errors.Is(err, sql.ErrNoRows) || attempt == 8 {
			return fmt.Errorf("search: index %s/%d: %w", d.Source, d.SourceID, err)
		}
	}
	var q strings.Builder
	q.WriteString(`INSERT INTO search_parts (key, title_tokens, docno_tokens, tsv) VALUES `)
	args := []any{pd.titleText, pd.docNoText}
	for n, tsv := range pd.tsv {
		if n > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "($%d, $1, $2, $%d::tsvector)", len(args)+1, len(args)+2)
		args = append(args, id+int64(n), tsv)
	}
	if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("search: index %s/%d: %w", d.Source, d.SourceID, err)
	}
	return nil
}

// newKey returns a free document key for d's publication day (SQLite:
// one writer, so the next number after the day's highest).
func newKey(ctx context.Context, tx db.Tx, published civil.Date) (int64, error) {
	day := dayNumber(published) << keyShift
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(id) FROM search_docs WHERE id >= $1 AND id < $2`,
		day, day+(1<<keyShift)).Scan(&last); err != nil {
		return 0, err
	}
	if !last.Valid {
		return day, nil
	}
	next := last.Int64 + 1<<8
	if next >= day+(1<<keyShift) {
		return 0, errors.New("search: too many documents on one day")
	}
	return next, nil
}

// Remove takes the document out of the index, inside the caller's
// transaction (withdrawing an item and removing it commit together). Removing
// a document that is not indexed is not an error.
func Remove(ctx context.Context, tx db.Tx, source string, id int64) error {
	var key int64
	var parts int
	err := tx.QueryRowContext(ctx, `DELETE FROM search_docs WHERE source = $1 AND source_id = $2 RETURNING id, parts`,
		source, id).Scan(&key, &parts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("search: remove %s/%d: %w", source, id, err)
	}
	if tx.Dialect == db.Postgres {
		_, err = tx.ExecContext(ctx, `DELETE FROM search_parts WHERE key >= $1 AND key <= $2`, key, key+partMask)
	} else {
		// FTS5 deletes row by row (a range delete would scan the table).
		_, err = tx.ExecContext(ctx, `DELETE FROM search_titles WHERE rowid = $1`, key)
		for n := 0; n < parts && err == nil; n++ {
			_, err = tx.ExecContext(ctx, `DELETE FROM search_fts WHERE rowid = $1`, key+int64(n))
			if err == nil && inSample(source, id) {
				_, err = tx.ExecContext(ctx, `DELETE FROM search_sample WHERE rowid = $1`, key+int64(n))
			}
		}
	}
	if err != nil {
		return fmt.Errorf("search: remove %s/%d: %w", source, id, err)
	}
	return nil
}

// lead is the opening of a body, kept apart for relevance ranking.
func lead(body string) string {
	n := 0
	for i := range body {
		if n == leadRunes {
			return body[:i]
		}
		n++
	}
	return body
}

// Optimize merges the SQLite full-text indexes into one b-tree each, which
// makes searches about a third faster after many documents were indexed
// (an import, or a day of publishing); it takes about 10 seconds for
// 100,000 documents and holds the write lock meanwhile. On PostgreSQL it
// does nothing (autovacuum keeps the GIN index tidy).
func Optimize(ctx context.Context, d *db.DB) error {
	if d.Dialect != db.SQLite {
		return nil
	}
	for _, t := range []string{"search_fts", "search_titles", "search_sample"} {
		if _, err := d.W.ExecContext(ctx, "INSERT INTO "+t+" ("+t+") VALUES ('optimize')"); err != nil { // #nosec G202 -- t is one of the constant table names above
			return db.Classify(fmt.Errorf("search: optimize %s: %w", t, err))
		}
	}
	return nil
}
