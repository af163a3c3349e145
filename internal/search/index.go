package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

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
	if err := d.validate(); err != nil {
		return err
	}
	if err := Remove(ctx, tx, d.Source, d.SourceID); err != nil {
		return err
	}
	parts := splitParts(tokenize(&d))
	meta := metaTokens(&d)
	id, err := newKey(ctx, tx, d)
	if err != nil {
		return err
	}
	fps := strings.Join(d.FivePublics, ",")
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_docs (id, source, source_id, agency_id, url, title, doc_number,
		published_on, kind, topic_id, column_ids, five_publics, parts, indexed_at, lead, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		id, d.Source, d.SourceID, d.AgencyID, d.URL, d.Title, d.DocNumber,
		d.PublishedOn, d.Kind, d.TopicID, listInts(d.ColumnIDs), fps, len(parts), db.Now(), lead(d.Body), d.Body); err != nil {
		return fmt.Errorf("search: index %s/%d: %w", d.Source, d.SourceID, err)
	}
	metaText := ftsText(meta)
	sample := inSample(d.Source, d.SourceID)
	for n, p := range parts {
		var err error
		if tx.Dialect == db.Postgres {
			_, err = tx.ExecContext(ctx, `INSERT INTO search_parts (key, tsv) VALUES ($1, $2::tsvector)`,
				id+int64(n), tsvector(p, meta))
		} else {
			title, docNo, body := ftsText(p.title), ftsText(p.docNumber), ftsText(p.body)
			_, err = tx.ExecContext(ctx, `INSERT INTO search_fts (rowid, title, docno, body, meta) VALUES ($1, $2, $3, $4, $5)`,
				id+int64(n), title, docNo, body, metaText)
			if err == nil && sample {
				_, err = tx.ExecContext(ctx, `INSERT INTO search_sample (rowid, title, docno, body, meta) VALUES ($1, $2, $3, $4, $5)`,
					id+int64(n), title, docNo, body, metaText)
			}
		}
		if err != nil {
			return fmt.Errorf("search: index %s/%d part %d: %w", d.Source, d.SourceID, n, err)
		}
	}
	if tx.Dialect == db.SQLite {
		if _, err := tx.ExecContext(ctx, `INSERT INTO search_titles (rowid, title, docno, meta) VALUES ($1, $2, $3, $4)`,
			id, ftsText(parts[0].title), ftsText(parts[0].docNumber), metaText); err != nil {
			return fmt.Errorf("search: index %s/%d title: %w", d.Source, d.SourceID, err)
		}
	}
	return nil
}

// newKey returns a free document key for d's publication day.
func newKey(ctx context.Context, tx db.Tx, d Doc) (int64, error) {
	day := dayNumber(d.PublishedOn) << keyShift
	if tx.Dialect == db.Postgres {
		// A sequence, so that concurrent transactions never pick the same
		// key; a clash after 2^24 numbers wrap is skipped.
		for range 8 {
			var seq int64
			if err := tx.QueryRowContext(ctx, `SELECT nextval('search_doc_seq')`).Scan(&seq); err != nil {
				return 0, err
			}
			id := day | (seq%seqLimit)<<8
			var taken bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM search_docs WHERE id = $1)`, id).Scan(&taken); err != nil {
				return 0, err
			}
			if !taken {
				return id, nil
			}
		}
		return 0, errors.New("search: no free document key")
	}
	// SQLite has one writer: the next number after the day's highest.
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
		if _, err := d.W.ExecContext(ctx, "INSERT INTO "+t+" ("+t+") VALUES ('optimize')"); err != nil {
			return db.Classify(fmt.Errorf("search: optimize %s: %w", t, err))
		}
	}
	return nil
}
