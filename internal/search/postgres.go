package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/textzh"
)

// PostgreSQL. The GIN index knows which rows hold a lexeme, not where.
// Besides the positioned tokens, each row's tsvector holds position-free
// lexemes: the filter tokens, the title and 文号 tokens again (^ and #
// namespaces) and the pairs of adjacent tokens other than two bigrams
// (2025|年). A term of one token, or of two tokens that are not both bigrams
// (2025年, 3号), is therefore answered by the index alone, exactly; a
// longer term (政务公开: three bigrams in a row) is a phrase whose
// positions must be tested on the row's stored tsvector, which costs a read
// of the vector (5–10 µs a row). A 文号 filter or a title match is tested
// with LIKE on the short token columns of the row instead.
//
// To find the newest hits, the engine measures how dense the query's
// candidates are on the one-in-32 sample (a small index lookup) and either
// walks the key index newest first, testing each row, or takes the
// candidates from the GIN index (no row read), sorts them by key and tests
// only as many as it needs — whichever costs less (costTest,
// costCandidate).
//
// Counting is exact up to MaxHits, with one exception: a phrase query with
// more than pgVerifyBudget candidates (rows that have every token) is
// estimated as candidates × the share of the newest candidates that hold
// the phrases (Estimated=true), because testing them all would take too
// long. Hits are always tested, so pages are exact.

// pgVerifyBudget bounds the candidates whose phrases are tested to count
// exactly (see above).
const pgVerifyBudget = 3000

// estimateChecks is how many of the newest candidates are tested to
// estimate the share that match.
const estimateChecks = 256

// tsLexeme quotes a lexeme for a tsquery literal.
func tsLexeme(s string) string {
	var b strings.Builder
	writeLexeme(&b, s)
	return b.String()
}

// tsPresence renders a term as the AND of its tokens (prefix :*) and of
// its pairs of adjacent tokens (see tsvector), with the lexemes in
// namespace ns ("", titlePrefix or docNumberPrefix; the title namespace
// has no pairs).
func tsPresence(t textzh.Term, ns string) string {
	lex := slices.Clone(t.Tokens)
	if ns != titlePrefix {
		lex = appendPairs(lex, "", t.Tokens)
	}
	slices.Sort(lex)
	lex = slices.Compact(lex)
	parts := make([]string, len(lex))
	for i, tok := range lex {
		parts[i] = tsLexeme(ns + tok)
		if t.Prefix {
			parts[i] += ":*"
		}
	}
	return "(" + strings.Join(parts, " & ") + ")"
}

// needsPositions reports whether a term is more than its presence query:
// the position-free lexemes say exactly whether a document holds a term of
// one token, or of two tokens that are not both bigrams (one pair lexeme);
// a longer term needs its positions tested.
func needsPositions(t textzh.Term) bool {
	switch len(t.Tokens) {
	case 1:
		return false
	case 2:
		return isBigram(t.Tokens[0]) && isBigram(t.Tokens[1])
	}
	return true
}

// tsPhrase renders a term as a phrase.
func tsPhrase(t textzh.Term) string {
	parts := make([]string, len(t.Tokens))
	for i, tok := range t.Tokens {
		parts[i] = tsLexeme(tok)
		if t.Prefix {
			parts[i] += ":*"
		}
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

// A rowFilter selects rows of search_parts: a tsquery, and LIKE patterns
// on the short token columns title_tokens and docno_tokens (tokens joined
// by spaces, with a space at either end), which test a phrase in the title
// or the 文号 without reading the row's tsvector.
type rowFilter struct {
	tsq   string
	likes [][2]string // column, pattern
	// likesSuffice says the LIKE patterns imply the tsquery, so that a walk
	// need not read the tsvector at all.
	likesSuffice bool
}

// sql renders the filter with its parameters numbered from first, the
// cheap LIKE tests first (the planner keeps the order of equally priced
// conditions); walking leaves out the tsquery when the LIKE tests suffice.
func (f rowFilter) sql(first int, walking bool) (string, []any) {
	var b strings.Builder
	args := []any{f.tsq}
	for _, l := range f.likes {
		fmt.Fprintf(&b, "%s LIKE $%d AND ", l[0], first+len(args))
		args = append(args, l[1])
	}
	if walking && f.likesSuffice {
		fmt.Fprintf(&b, "$%d::tsquery IS NOT NULL", first)
	} else {
		fmt.Fprintf(&b, "tsv @@ $%d::tsquery", first)
	}
	return b.String(), args
}

// rowCost is what testing one row costs a walk, in microseconds.
func (f rowFilter) rowCost() float64 {
	if f.likesSuffice {
		return costLike
	}
	return costTest
}

// and returns the filter with the tsquery ANDed with q.
func (f rowFilter) and(q string) rowFilter {
	return rowFilter{tsq: "(" + f.tsq + ") & " + q, likes: f.likes}
}

// tokenText renders tokens for title_tokens and docno_tokens.
func tokenText(toks []string) string { return " " + strings.Join(toks, " ") + " " }

// likePhrase is the LIKE pattern of a term in a token column (tokens have
// no % or _).
func likePhrase(t textzh.Term) string {
	if t.Prefix {
		return "% " + t.Tokens[0] + "%"
	}
	return "%" + tokenText(t.Tokens) + "%"
}

// pgFilters returns the row filters of a plan: presence (every token, no
// positions), exact (with phrases where a term needs them) and inTitle
// (every term in the title).
func pgFilters(p *plan) (presence, exact, inTitle rowFilter) {
	var pres, ex, ti []string
	for _, t := range p.query.Terms {
		pres = append(pres, tsPresence(t, ""))
		ti = append(ti, tsPresence(t, titlePrefix))
		inTitle.likes = append(inTitle.likes, [2]string{"title_tokens", likePhrase(t)})
		if needsPositions(t) {
			ex = append(ex, tsPhrase(t))
		} else {
			ex = append(ex, tsPresence(t, ""))
		}
	}
	if p.docNo != nil {
		q := tsPresence(*p.docNo, docNumberPrefix)
		pres, ex, ti = append(pres, q), append(ex, q), append(ti, q)
		l := [2]string{"docno_tokens", likePhrase(*p.docNo)}
		presence.likes = append(presence.likes, l)
		exact.likes = append(exact.likes, l)
		inTitle.likes = append(inTitle.likes, l)
	}
	m := tsMeta(p)
	pres, ex, ti = append(pres, m...), append(ex, m...), append(ti, m...)
	presence.tsq, exact.tsq, inTitle.tsq = strings.Join(pres, " & "), strings.Join(ex, " & "), strings.Join(ti, " & ")
	inTitle.likesSuffice = len(m) == 0
	return presence, exact, inTitle
}

type pgEngine struct {
	db                        *sql.DB
	tx                        *sql.Tx
	p                         *plan
	presence, exact, inTitleF rowFilter
	verify                    bool // exact differs from presence
	walking                   bool // the planner settings of a walk are in force

	sampleAll int            // documents in the sample (0: not known yet)
	sampled   map[string]int // sample documents matching a filter
	streams   map[string]*hitStream
}

func newPGEngine(ctx context.Context, d *db.DB, p *plan) (*pgEngine, error) {
	// One snapshot for everything the engine reads.
	tx, err := d.R.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, db.Classify(err)
	}
	e := &pgEngine{db: d.R, tx: tx, p: p, sampled: map[string]int{}, streams: map[string]*hitStream{}}
	e.presence, e.exact, e.inTitleF = pgFilters(p)
	for _, t := range p.query.Terms {
		e.verify = e.verify || needsPositions(t)
	}
	if e.presence.tsq != "" {
		// The planner prices neither the reading of large tsvectors nor
		// the cost of a sequential scan that tests them: use the indexes
		// as chosen here, and never a JIT compile.
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

// walk switches the planner between walking the key index (ordered index
// scans) and GIN bitmap scans.
func (e *pgEngine) walk(ctx context.Context, on bool) error {
	if e.walking == on {
		return nil
	}
	q := `SET LOCAL enable_indexscan = on; SET LOCAL enable_bitmapscan = off`
	if !on {
		q = `SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = on`
	}
	if _, err := e.tx.ExecContext(ctx, q); err != nil {
		return err
	}
	e.walking = on
	return nil
}

// countRows counts documents with rows that pass f, up to limit (see
// sqliteEngine.countMatch), through the GIN index.
func (e *pgEngine) countRows(ctx context.Context, f rowFilter, limit int) (int, error) {
	if err := e.walk(ctx, false); err != nil {
		return 0, err
	}
	where, args := f.sql(2, false)
	rowLimit := limit
	for {
		var rows, docs int
		err := e.tx.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT key >> 8) FROM
			(SELECT key FROM search_parts WHERE `+where+` LIMIT $1) s`, append([]any{rowLimit}, args...)...).Scan(&rows, &docs)
		if err != nil {
			return 0, err
		}
		if rows < rowLimit || docs >= limit {
			return min(docs, limit), nil
		}
		rowLimit += rows - docs + 64
	}
}

// sample returns how many sample documents pass the position-free filter f.
func (e *pgEngine) sample(ctx context.Context, f rowFilter) (int, error) {
	key := fmt.Sprint(f)
	if n, ok := e.sampled[key]; ok {
		return n, nil
	}
	n, err := e.countRows(ctx, f.and(tsLexeme(metaSample)), MaxHits+1)
	if err != nil {
		return 0, err
	}
	e.sampled[key] = n
	return n, nil
}

// density estimates the share of documents that pass the position-free
// filter f, and the number of documents.
func (e *pgEngine) density(ctx context.Context, f rowFilter) (rho, docs float64, err error) {
	if e.sampleAll == 0 {
		e.sampleAll, err = e.sampleSize(ctx)
		if err != nil {
			return 0, 0, err
		}
	}
	s, err := e.sample(ctx, f)
	return float64(s) / float64(e.sampleAll), float64(e.sampleAll * sampleRate), err
}

// sampleSizes caches the size of the sample per database for a few
// seconds: it changes slowly and only steers plans.
var sampleSizes struct {
	sync.Mutex
	m map[*sql.DB]sampleSize
}

type sampleSize struct {
	n  int
	at time.Time
}

// sampleSize returns the number of documents in the sample (at least 1).
func (e *pgEngine) sampleSize(ctx context.Context) (int, error) {
	sampleSizes.Lock()
	c, ok := sampleSizes.m[e.db]
	sampleSizes.Unlock()
	if ok && time.Since(c.at) < 10*time.Second {
		return c.n, nil
	}
	n, err := e.countRows(ctx, rowFilter{tsq: tsLexeme(metaSample)}, MaxHits+1)
	if err != nil {
		return 0, err
	}
	n = max(n, 1)
	sampleSizes.Lock()
	if sampleSizes.m == nil {
		sampleSizes.m = map[*sql.DB]sampleSize{}
	}
	sampleSizes.m[e.db] = sampleSize{n, time.Now()}
	sampleSizes.Unlock()
	return n, nil
}

func (e *pgEngine) count(ctx context.Context) (int, bool, error) {
	if e.presence.tsq == "" {
		var n int
		err := e.tx.QueryRowContext(ctx, `SELECT count(*) FROM search_docs`).Scan(&n)
		return n, false, err
	}
	// The sample first (see sureAbove).
	s, err := e.sample(ctx, e.presence)
	if err != nil {
		return 0, false, err
	}
	sampled := s * sampleRate
	var c int // candidates, exact up to MaxHits
	switch {
	case sampled >= sureAbove:
		c = sampled
	case e.verify && sampled > MaxHits:
		// Surely more candidates than can be tested (with at most 3,000
		// the sample holds about 94; 313 is far beyond): estimated from
		// the sample, as counting them up to MaxHits would not be used.
		c = sampled
	default:
		if c, err = e.countRows(ctx, e.presence, MaxHits+1); err != nil {
			return 0, false, err
		}
	}
	if !e.verify {
		if c <= MaxHits {
			return c, false, nil
		}
		return max(MaxHits+1, sampled), true, nil
	}
	if c <= pgVerifyBudget {
		// Every candidate's phrases tested (the GIN index hands them over
		// for a recheck).
		n, err := e.countRows(ctx, e.exact, MaxHits+1)
		return n, false, err
	}
	// Too many candidates to test them all: estimate.
	if c > MaxHits {
		c = max(MaxHits+1, sampled)
	}
	c = max(c, pgVerifyBudget+1)
	share, err := e.share(ctx)
	if err != nil {
		return 0, false, err
	}
	return int(math.Round(float64(c) * share)), true, nil
}

// share is the share of the newest estimateChecks candidates that match
// the exact query.
func (e *pgEngine) share(ctx context.Context) (float64, error) {
	lo, walk, err := e.walkBound(ctx, e.presence, estimateChecks)
	if err != nil {
		return 0, err
	}
	if walk {
		where, args := e.presence.sql(4, true)
		if lo != math.MinInt64 {
			where += " AND key >= $3"
		} else {
			where += " AND $3::bigint IS NOT NULL"
		}
		var hits, rows int
		err := e.tx.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE ts_match_vq(tsv, $1::tsquery)), count(*) FROM
			(SELECT tsv FROM search_parts WHERE `+where+` ORDER BY key DESC LIMIT $2) s`,
			append([]any{e.exact.tsq, estimateChecks, lo}, args...)...).Scan(&hits, &rows)
		if err != nil || rows == 0 {
			return 0, err
		}
		return float64(hits) / float64(rows), nil
	}
	st := e.stream(e.exact, e.presence)
	if err := st.fill(ctx, e, 0, estimateChecks); err != nil {
		return 0, err
	}
	if st.checked == 0 {
		return 0, nil
	}
	return float64(len(st.hits)) / float64(st.checked), nil
}

// Costs for choosing between a walk and the GIN index, in microseconds: a
// walk reads and tests a row's tsvector; the GIN index yields a candidate
// row for about a tenth of a microsecond, after which only the rows
// needed are tested.
const (
	costTest      = 7.0
	costCandidate = 0.13
	costLike      = 0.5 // a walk that tests LIKE patterns only
)

// forcePlan makes tests take one plan or the other.
var forcePlan int

const (
	planByCost = iota
	planWalk
	planGIN
)

// walkBound decides how to find the newest n rows that pass the
// position-free filter f: walk the key index newest first when that reads
// fewer tsvectors than the GIN index costs, or use the GIN index. For a
// walk it returns the lowest key to read (three times the rows expected to
// hold n hits; math.MinInt64: no bound) with the planner set to walk.
func (e *pgEngine) walkBound(ctx context.Context, f rowFilter, n int) (lo int64, walk bool, err error) {
	rho, docs, err := e.density(ctx, f)
	if err != nil {
		return 0, false, err
	}
	gin := rho == 0 || float64(n)/rho*f.rowCost() > rho*docs*costCandidate+200
	switch forcePlan {
	case planWalk:
		gin = false
	case planGIN:
		gin = true
	}
	if gin {
		return 0, false, e.walk(ctx, false)
	}
	if err := e.walk(ctx, true); err != nil {
		return 0, false, err
	}
	if rho == 0 || 3*float64(n)/rho > docs {
		return math.MinInt64, true, nil // the whole table is within reach
	}
	rank := int(3*float64(n)/rho) + 64
	err = e.tx.QueryRowContext(ctx, `SELECT key FROM search_parts ORDER BY key DESC OFFSET $1 LIMIT 1`, rank).Scan(&lo)
	if errors.Is(err, sql.ErrNoRows) {
		return math.MinInt64, true, nil
	}
	return lo, true, err
}

// newestRows returns the documents with rows that pass f, newest first, at
// most need, reading rows with keys from lo up (math.MinInt64: all). With
// the planner set to walk, it walks the key index; otherwise it takes the
// rows from the GIN index and sorts them.
func (e *pgEngine) newestRows(ctx context.Context, f rowFilter, lo int64, need int) ([]int64, error) {
	where, args := f.sql(3, e.walking)
	if lo != math.MinInt64 {
		where += " AND key >= $2"
	} else {
		where += " AND $2::bigint IS NOT NULL" // keeps the numbering
	}
	limit := need + 8
	for {
		// #nosec G202 -- where is rowFilter.sql: constant column names and $N placeholders; the values are in args
		rows, err := e.tx.QueryContext(ctx, `SELECT key FROM search_parts WHERE `+where+`
			ORDER BY key DESC LIMIT $1`, append([]any{limit, lo}, args...)...)
		if err != nil {
			return nil, err
		}
		out, seen, err := docKeys(rows)
		if err != nil {
			return nil, err
		}
		if seen == limit && len(out) <= need {
			limit *= 2 // parts hid documents
			continue
		}
		return out[:min(len(out), need)], nil
	}
}

// docKeys reads row keys (newest first) and merges parts into documents.
func docKeys(rows *sql.Rows) (docs []int64, seen int, err error) {
	defer rows.Close()
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			return nil, 0, err
		}
		seen++
		k &^= partMask
		if len(docs) == 0 || docs[len(docs)-1] != k {
			docs = append(docs, k)
		}
	}
	return docs, seen, rows.Err()
}

// A hitStream finds the newest hits of an exact filter through the GIN
// index: candidates (rows that pass the presence filter) newest first,
// tested in batches.
type hitStream struct {
	exact, presence rowFilter
	cands           []int64 // candidate row keys, newest first
	candsDone       bool    // no more candidates
	next            int     // cands[next:] are not tested yet
	hits            []int64 // documents tested and matching, newest first
	checked         int     // candidate documents tested
}

func (e *pgEngine) stream(exact, presence rowFilter) *hitStream {
	key := fmt.Sprint(exact, presence)
	if st, ok := e.streams[key]; ok {
		return st
	}
	st := &hitStream{exact: exact, presence: presence}
	e.streams[key] = st
	return st
}

// fill tests candidates until the stream holds want hits and minChecked
// candidates were tested, or candidates run out.
func (st *hitStream) fill(ctx context.Context, e *pgEngine, want, minChecked int) error {
	if err := e.walk(ctx, false); err != nil {
		return err
	}
	where, args := st.presence.sql(2, false)
	for len(st.hits) < want || st.checked < minChecked {
		if st.next == len(st.cands) {
			if st.candsDone {
				return nil
			}
			n := max(4*len(st.cands), 2*want+64, minChecked+64)
			// #nosec G202 -- where is rowFilter.sql: constant column names and $N placeholders; the values are in args
			rows, err := e.tx.QueryContext(ctx, `SELECT key FROM search_parts WHERE `+where+` ORDER BY key DESC LIMIT $1`,
				append([]any{n}, args...)...)
			if err != nil {
				return err
			}
			var cands []int64
			for rows.Next() {
				var k int64
				if err := rows.Scan(&k); err != nil {
					rows.Close()
					return err
				}
				cands = append(cands, k)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			st.candsDone = len(cands) < n
			st.cands = cands
			if st.next == len(st.cands) {
				return nil
			}
		}
		// Test a batch of whole documents.
		end := min(len(st.cands), st.next+max(64, want-len(st.hits)+16, minChecked-st.checked))
		for end < len(st.cands) && st.cands[end]&^partMask == st.cands[end-1]&^partMask {
			end++
		}
		batch := st.cands[st.next:end]
		got, err := e.test(ctx, st.exact.tsq, batch)
		if err != nil {
			return err
		}
		for _, k := range got {
			if n := len(st.hits); n == 0 || st.hits[n-1] != k {
				st.hits = append(st.hits, k)
			}
		}
		for i, k := range batch {
			if i == 0 || k&^partMask != batch[i-1]&^partMask {
				st.checked++
			}
		}
		st.next = end
	}
	return nil
}

// test returns the documents (newest first) whose rows among keys (newest
// first) match the tsquery q (the candidates passed the LIKE patterns
// already).
func (e *pgEngine) test(ctx context.Context, q string, keys []int64) ([]int64, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	// ts_match_vq is the @@ operator as a function call, which the planner
	// does not turn into a GIN scan: the listed rows are read by key.
	rows, err := e.tx.QueryContext(ctx, fmt.Sprintf(`SELECT key FROM search_parts WHERE key IN (%s)
		AND ts_match_vq(tsv, $%d::tsquery)`, inList(1, len(keys)), len(keys)+1), append(keyArgs(keys), q)...)
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

// newest returns the documents that pass exact (whose position-free form
// is presence; verify says they differ), newest first, after skipping skip.
func (e *pgEngine) newestMatching(ctx context.Context, exact, presence rowFilter, verify bool, skip, n int) ([]int64, error) {
	need := skip + n
	lo, walk, err := e.walkBound(ctx, presence, need)
	if err != nil {
		return nil, err
	}
	var out []int64
	if walk {
		if out, err = e.newestRows(ctx, exact, lo, need); err != nil {
			return nil, err
		}
		if len(out) < need && lo != math.MinInt64 {
			// Fewer hits among the newest than the sample promised (this
			// query's hits are older): use the GIN index.
			walk = false
		}
	}
	if !walk {
		if verify {
			st := e.stream(exact, presence)
			if err := st.fill(ctx, e, need, 0); err != nil {
				return nil, err
			}
			out = slices.Clone(st.hits[:min(len(st.hits), need)])
		} else {
			if err := e.walk(ctx, false); err != nil {
				return nil, err
			}
			if out, err = e.newestRows(ctx, exact, math.MinInt64, need); err != nil {
				return nil, err
			}
		}
	}
	if skip >= len(out) {
		return nil, nil
	}
	return out[skip:], nil
}

func (e *pgEngine) newest(ctx context.Context, skip, n int) ([]int64, error) {
	if e.presence.tsq == "" {
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
	return e.newestMatching(ctx, e.exact, e.presence, e.verify, skip, n)
}

func (e *pgEngine) inTitle(ctx context.Context, n int) ([]int64, error) {
	if !e.p.hasText() {
		return nil, nil
	}
	// Every term in the title: the title tokens from the GIN index, the
	// phrases from title_tokens; nothing else to test.
	return e.newestMatching(ctx, e.inTitleF, e.inTitleF, false, 0, n)
}
