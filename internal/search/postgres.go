package search

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/textzh"
)

// PostgreSQL: the GIN index knows which rows hold a lexeme but not where,
// so every plan is run in two steps. The position-free query (every token
// of every term, ANDed with the filters) is answered by the index alone,
// exactly and fast. When a term has several tokens (or a 文号 filter is
// set), the rows it returns are candidates whose phrases are then checked
// against the stored tsvector, which costs a read of each candidate's
// vector (several microseconds). Counting checks at most pgVerifyBudget
// candidates: a phrase query with more candidates than that gets an
// estimated total (candidates × the share of checked candidates that match,
// Estimated=true) instead of an exact one. Hits are always checked, so the
// pages are exact.

// pgVerifyBudget bounds the candidates whose phrases are checked to count
// exactly (see above).
const pgVerifyBudget = 3000

// estimateChecks is how many candidates are checked to estimate the share
// that match.
const estimateChecks = 256

// tsLexeme quotes a lexeme for a tsquery literal.
func tsLexeme(s string) string {
	var b strings.Builder
	writeLexeme(&b, s)
	return b.String()
}

// tsPresence renders a term as the AND of its tokens (prefix :*), with the
// lexemes in namespace ns ("", titlePrefix or docNumberPrefix).
func tsPresence(t textzh.Term, ns string) string {
	parts := make([]string, 0, len(t.Tokens))
	seen := map[string]bool{}
	for _, tok := range t.Tokens {
		if seen[tok] {
			continue
		}
		seen[tok] = true
		s := tsLexeme(ns + tok)
		if t.Prefix {
			s += ":*"
		}
		parts = append(parts, s)
	}
	return "(" + strings.Join(parts, " & ") + ")"
}

// tsPhrase renders a term as a phrase; weight ("" or "B") restricts it to a
// field.
func tsPhrase(t textzh.Term, weight string) string {
	parts := make([]string, len(t.Tokens))
	for i, tok := range t.Tokens {
		s := tsLexeme(tok)
		switch {
		case t.Prefix:
			s += ":*" + weight
		case weight != "":
			s += ":" + weight
		}
		parts[i] = s
	}
	return "(" + strings.Join(parts, " <-> ") + ")"
}

func tsMeta(p *plan) []string {
	var out []string
	for _, group := range p.meta {
		q := make([]string, len(group))
		for i, m := range group {
			q[i] = tsLexeme(m)
		}
		out = append(out, "("+strings.Join(q, " | ")+")")
	}
	return out
}

// tsQueries returns the position-free query, the exact one (with phrases)
// and the title-candidate query of a plan ("" for the empty plan).
func tsQueries(p *plan) (presence, exact, title string) {
	var pres, ex, ti []string
	for _, t := range p.query.Terms {
		pres = append(pres, tsPresence(t, ""))
		ti = append(ti, tsPresence(t, titlePrefix))
		if len(t.Tokens) > 1 {
			ex = append(ex, tsPhrase(t, ""))
		} else {
			ex = append(ex, tsPresence(t, ""))
		}
	}
	if p.docNo != nil {
		pres = append(pres, tsPresence(*p.docNo, docNumberPrefix))
		ti = append(ti, tsPresence(*p.docNo, docNumberPrefix))
		ex = append(ex, tsPhrase(*p.docNo, "B"))
	}
	m := tsMeta(p)
	pres, ex, ti = append(pres, m...), append(ex, m...), append(ti, m...)
	return strings.Join(pres, " & "), strings.Join(ex, " & "), strings.Join(ti, " & ")
}

type pgEngine struct {
	tx                      *sql.Tx
	p                       *plan
	presence, exact, titleQ string
	verify                  bool

	// The stream of checked hits, newest first (when verify).
	cands     []int64 // candidate row keys, newest first
	candsDone bool    // no more candidates
	next      int     // cands[next:] are not checked yet
	hits      []int64 // documents checked and matching
	checked   int     // candidate documents checked
}

func newPGEngine(ctx context.Context, d *db.DB, p *plan) (*pgEngine, error) {
	// One snapshot for the count and the pages.
	tx, err := d.R.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, db.Classify(err)
	}
	e := &pgEngine{tx: tx, p: p, verify: p.needsPositions()}
	e.presence, e.exact, e.titleQ = tsQueries(p)
	if e.presence != "" {
		// The planner prices neither the reading of large tsvectors nor
		// the cost of a sequential scan that filters on them well: use
		// the GIN index (bitmap scans) and never a JIT compile.
		if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; SET LOCAL jit = off`); err != nil {
			tx.Rollback()
			return nil, db.Classify(err)
		}
	}
	return e, nil
}

func (e *pgEngine) querier() db.Querier { return e.tx }

func (e *pgEngine) close() {
	if e.tx != nil {
		e.tx.Rollback()
		e.tx = nil
	}
}

// countPresence counts documents whose rows match the position-free query
// q, up to limit (see sqliteEngine.countMatch).
func (e *pgEngine) countPresence(ctx context.Context, q string, limit int) (int, error) {
	rowLimit := limit
	for {
		var rows, docs int
		err := e.tx.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT key >> 8) FROM
			(SELECT key FROM search_parts WHERE tsv @@ $1::tsquery LIMIT $2) s`, q, rowLimit).Scan(&rows, &docs)
		if err != nil {
			return 0, err
		}
		if rows < rowLimit || docs >= limit {
			return min(docs, limit), nil
		}
		rowLimit += rows - docs + 64
	}
}

func (e *pgEngine) count(ctx context.Context) (int, bool, error) {
	if e.presence == "" {
		var n int
		err := e.tx.QueryRowContext(ctx, `SELECT count(*) FROM search_docs`).Scan(&n)
		return n, false, err
	}
	// The sample first (see sureAbove).
	s, err := e.countPresence(ctx, e.presence+" & "+tsLexeme(metaSample), MaxHits+1)
	if err != nil {
		return 0, false, err
	}
	sampled := s * sampleRate
	var c int // candidates, exact up to MaxHits
	if sampled >= sureAbove {
		c = sampled
	} else if c, err = e.countPresence(ctx, e.presence, MaxHits+1); err != nil {
		return 0, false, err
	}
	if !e.verify {
		if c <= MaxHits {
			return c, false, nil
		}
		return max(MaxHits+1, sampled), true, nil
	}
	if c <= pgVerifyBudget {
		var n int
		err := e.tx.QueryRowContext(ctx, `SELECT count(DISTINCT key >> 8) FROM search_parts WHERE tsv @@ $1::tsquery`, e.exact).Scan(&n)
		return n, false, err
	}
	// Too many candidates to check them all: estimate from the share of
	// the newest candidates that match.
	if c > MaxHits {
		c = max(MaxHits+1, sampled)
	}
	if err := e.checkUntil(ctx, estimateChecks, 0); err != nil {
		return 0, false, err
	}
	if e.checked == 0 {
		return 0, false, nil
	}
	n := int(math.Round(float64(c) * float64(len(e.hits)) / float64(e.checked)))
	if len(e.hits) > 0 {
		n = max(n, len(e.hits))
	}
	return n, true, nil
}

// candidateKeys returns row keys matching the position-free query q,
// newest first, at most n.
func (e *pgEngine) candidateKeys(ctx context.Context, q string, n int) ([]int64, error) {
	rows, err := e.tx.QueryContext(ctx, `SELECT key FROM search_parts WHERE tsv @@ $1::tsquery ORDER BY key DESC LIMIT $2`, q, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// check returns the documents (newest first) whose rows among keys (newest
// first) match the exact query.
func (e *pgEngine) check(ctx context.Context, keys []int64) ([]int64, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	// ts_match_vq is the @@ operator as a function call: the planner does
	// not turn it into a GIN scan, so the listed rows are read by key.
	rows, err := e.tx.QueryContext(ctx, fmt.Sprintf(`SELECT key FROM search_parts WHERE key IN (%s)
		AND ts_match_vq(tsv, $%d::tsquery)`, inList(1, len(keys)), len(keys)+1), append(keyArgs(keys), e.exact)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ok := map[int64]bool{}
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		ok[k&^partMask] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []int64
	for _, k := range keys {
		k &^= partMask
		if ok[k] && (len(out) == 0 || out[len(out)-1] != k) {
			out = append(out, k)
		}
	}
	return out, nil
}

// checkUntil extends the stream of checked hits until it holds want
// documents and minChecked candidates were checked, or candidates run out.
func (e *pgEngine) checkUntil(ctx context.Context, minChecked, want int) error {
	for len(e.hits) < want || e.checked < minChecked {
		if e.next == len(e.cands) {
			if e.candsDone {
				return nil
			}
			n := max(4*len(e.cands), 256)
			cands, err := e.candidateKeys(ctx, e.presence, n)
			if err != nil {
				return err
			}
			e.candsDone = len(cands) < n
			e.cands = cands
			if e.next == len(e.cands) {
				return nil
			}
		}
		// Check a batch of whole documents.
		end := min(len(e.cands), e.next+max(64, want-len(e.hits)+16, minChecked-e.checked))
		for end < len(e.cands) && e.cands[end]&^partMask == e.cands[end-1]&^partMask {
			end++
		}
		batch := e.cands[e.next:end]
		got, err := e.check(ctx, batch)
		if err != nil {
			return err
		}
		for _, k := range got {
			if n := len(e.hits); n == 0 || e.hits[n-1] != k {
				e.hits = append(e.hits, k)
			}
		}
		for i, k := range batch {
			if i == 0 || k&^partMask != batch[i-1]&^partMask {
				e.checked++
			}
		}
		e.next = end
	}
	return nil
}

// newestRows returns the documents of rows matching the position-free query
// q, newest first, after skipping skip documents.
func (e *pgEngine) newestRows(ctx context.Context, q string, skip, n int) ([]int64, error) {
	rowLimit := skip + n + 8
	for {
		keys, err := e.candidateKeys(ctx, q, rowLimit)
		if err != nil {
			return nil, err
		}
		var out []int64
		for _, k := range keys {
			k &^= partMask
			if len(out) == 0 || out[len(out)-1] != k {
				out = append(out, k)
			}
		}
		if len(keys) < rowLimit || len(out) > skip+n {
			if skip >= len(out) {
				return nil, nil
			}
			return out[skip:min(len(out), skip+n)], nil
		}
		rowLimit *= 2
	}
}

func (e *pgEngine) newest(ctx context.Context, skip, n int) ([]int64, error) {
	if e.presence == "" {
		rows, err := e.tx.QueryContext(ctx, `SELECT id FROM search_docs ORDER BY id DESC LIMIT $1 OFFSET $2`, n, skip)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []int64
		for rows.Next() {
			var k int64
			if err := rows.Scan(&k); err != nil {
				return nil, err
			}
			out = append(out, k)
		}
		return out, rows.Err()
	}
	if !e.verify {
		return e.newestRows(ctx, e.presence, skip, n)
	}
	if err := e.checkUntil(ctx, 0, skip+n); err != nil {
		return nil, err
	}
	if skip >= len(e.hits) {
		return nil, nil
	}
	return slices.Clone(e.hits[skip:min(len(e.hits), skip+n)]), nil
}

func (e *pgEngine) inTitle(ctx context.Context, n int) ([]int64, error) {
	if !e.verify {
		// Title tokens present: the document matches (every term is one
		// token and present), nothing to check.
		return e.newestRows(ctx, e.titleQ, 0, n)
	}
	rows, err := e.candidateKeys(ctx, e.titleQ, n+8)
	if err != nil {
		return nil, err
	}
	return e.check(ctx, rows)
}
