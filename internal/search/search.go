// Package search is the full-text index of everything the portal publishes,
// kept in the database itself (SQLite FTS5 or a PostgreSQL GIN index over
// tsvectors) and changed in the same transaction as the publication it
// reflects: Index when an item is published, Remove when it is withdrawn.
//
// Text is tokenised by internal/textzh (bigrams of Chinese text plus the
// first and last character of each run, words, numbers) and every query term
// is matched as the phrase of its tokens, so every query of two or more
// characters finds exactly the documents that contain it, on both engines.
// See docs/perf.md ("Search") for the measured performance and the design.
package search

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/textzh"
)

// Sort orders the results.
type Sort int

// Orders.
const (
	// Relevance blends how well a document matches with how recent it is
	// (see Search); a request without query text is always by date.
	Relevance Sort = iota
	// Date is newest first (then by indexing order).
	Date
)

// Request is a search. The zero value lists every document, newest first.
type Request struct {
	// Query is the search box text (see textzh.ParseQuery); empty lists
	// by the filters alone.
	Query string
	// Source restricts to one kind of document ("item"); empty: all.
	Source string
	// AgencyIDs restricts to these agencies (empty: the whole platform).
	AgencyIDs []int64
	// ColumnID, TopicID restrict to a catalogue column or 主题分类 (0: any).
	ColumnID, TopicID int64
	// Year restricts to documents published that year (0: any).
	Year int
	// Kind (体裁) and FivePublic (五公开) restrict to a value (empty: any).
	Kind, FivePublic string
	// DocNumber restricts to documents whose 文号 contains it (brackets
	// 〔〕[]【】() alike, see textzh.NormalizeDocNumber).
	DocNumber string
	Sort      Sort
	// Limit is the page size (default 20, at most MaxLimit); Offset the
	// number of hits to skip (Offset+Limit at most MaxHits).
	Limit, Offset int
}

// Paging limits.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	// MaxHits is how deep one can page, and the count up to which Total is
	// exact.
	MaxHits = 10_000
	// maxAgencies bounds Request.AgencyIDs.
	maxAgencies = 500
)

// Hit is one document found.
type Hit struct {
	Source    string
	SourceID  int64
	AgencyID  int64
	URL       string
	Title     string
	DocNumber string
	// TitleSegments is the title with the matches marked; Snippet the best
	// passage of the body (at most SnippetRunes characters, "…" where text
	// is left out) with the matches marked.
	TitleSegments []textzh.Segment
	Snippet       []textzh.Segment
	PublishedOn   civil.Date
	Kind          string
	// Score is the relevance score (0 when sorted by date).
	Score float64
}

// SnippetRunes is the length of a snippet.
const SnippetRunes = 120

// Result is a page of hits.
type Result struct {
	// Total is the number of documents found, exact up to MaxHits; when
	// Estimated is true it is an estimate (see Search).
	Total     int
	Estimated bool
	Hits      []Hit
	// Query is the parsed query (for "you searched for" and highlighting).
	Query textzh.Query
	// Suggestions, given when nothing was found, are other searches that
	// do find something (fewer terms, no filters, the words apart).
	Suggestions []Suggestion
}

// Suggestion is an alternative search for a zero-result page.
type Suggestion struct {
	// Query is the query text to search instead.
	Query string
	// WithoutFilters says the suggestion drops the request's filters.
	WithoutFilters bool
	// Total is how many documents it finds (capped like Result.Total).
	Total     int
	Estimated bool
	// Note explains it in Chinese, e.g. 去掉筛选条件 or 只搜索“宗教”.
	Note string
}

// plan is a compiled request: the query terms plus the filters.
type plan struct {
	query textzh.Query
	// docNo is the 文号 filter as a term to find in the 文号 field.
	docNo *textzh.Term
	// meta is an AND of OR-groups of filter tokens.
	meta [][]string
}

func (p *plan) hasText() bool { return !p.query.Empty() }

func compile(r *Request) (*plan, error) {
	q, err := textzh.ParseQuery(r.Query)
	if err != nil {
		return nil, err
	}
	p := &plan{query: q}
	if r.Source != "" {
		p.meta = append(p.meta, []string{metaSource(r.Source)})
	}
	if len(r.AgencyIDs) > maxAgencies {
		return nil, apperr.New(apperr.Invalid, "选择的单位太多。")
	}
	if len(r.AgencyIDs) > 0 {
		ids := slices.Clone(r.AgencyIDs)
		slices.Sort(ids)
		ids = slices.Compact(ids)
		group := make([]string, len(ids))
		for i, id := range ids {
			group[i] = metaAgency(id)
		}
		p.meta = append(p.meta, group)
	}
	if r.ColumnID != 0 {
		p.meta = append(p.meta, []string{metaColumn(r.ColumnID)})
	}
	if r.TopicID != 0 {
		p.meta = append(p.meta, []string{metaTopic(r.TopicID)})
	}
	if r.Year != 0 {
		if r.Year < 1900 || r.Year > 2200 {
			return nil, apperr.New(apperr.Invalid, "年份不正确。")
		}
		p.meta = append(p.meta, []string{metaYear(r.Year)})
	}
	if r.Kind != "" {
		if len(r.Kind) > maxFilterLen {
			return nil, apperr.New(apperr.Invalid, "体裁不正确。")
		}
		p.meta = append(p.meta, []string{metaKind(r.Kind)})
	}
	if r.FivePublic != "" {
		if len(r.FivePublic) > maxFilterLen {
			return nil, apperr.New(apperr.Invalid, "五公开类别不正确。")
		}
		p.meta = append(p.meta, []string{metaFivePublic(r.FivePublic)})
	}
	if s := strings.TrimSpace(r.DocNumber); s != "" {
		if utf8.RuneCountInString(s) > textzh.MaxQueryRunes {
			return nil, apperr.New(apperr.Invalid, "文号太长了。")
		}
		// The 文号 is one phrase, whatever spaces or quotes it holds.
		dq, err := textzh.ParseQuery(`"` + strings.ReplaceAll(textzh.NormalizeDocNumber(s), `"`, "") + `"`)
		if err != nil {
			return nil, apperr.New(apperr.Invalid, "请输入正确的文号，例如 沪民宗规〔2024〕3号。")
		}
		t := dq.Terms[0]
		p.docNo = &t
	}
	return p, nil
}

// engine runs a plan on one database.
type engine interface {
	// count returns the number of matching documents, exact up to MaxHits
	// (estimated reports an estimate).
	count(ctx context.Context) (n int, estimated bool, err error)
	// newest returns the keys of matching documents, newest first, after
	// skipping skip of them.
	newest(ctx context.Context, skip, n int) ([]int64, error)
	// inTitle returns the keys of the newest n matching documents that have
	// every query term in the title.
	inTitle(ctx context.Context, n int) ([]int64, error)
	// querier is the engine's connection (or transaction), for reading
	// the documents found.
	querier() db.Querier
	close()
}

// Relevance ranking. Ranking every hit of a query with tens of thousands of
// hits would mean reading them all; instead the candidates are the
// relevanceCandidates newest hits plus the relevanceCandidates newest hits
// that have every term in the title, which is where the best matches are.
// Candidates are ranked by
//
//	4·title + 1·文号 + 1·lead + 2·recency
//
// where title is the share of query terms found in the title, 文号 is 1 when
// a term is found in the 文号, lead is the share of terms found in the first
// leadRunes characters of the body, and recency halves every year (1 today,
// 0.5 a year ago, 0.25 two years ago); ties go to the newer document. Hits
// that are not candidates follow, newest first. With up to
// relevanceCandidates hits, every hit is ranked. Term frequencies are not
// used: they would need every hit's positions (FTS5's bm25 reads all of
// them to weigh the terms), and for public documents where a term is found
// (title, 文号, opening) says more than how often.
const (
	relevanceCandidates = 200
	leadRunes           = 200
	weightTitle         = 4
	weightDocNo         = 1
	weightLead          = 1
	weightRecency       = 2
)

// Search runs a request: the page of hits with their snippets, and the
// total. An invalid query or filter is an apperr.Invalid error with a
// Chinese message; nothing a user types causes another error.
//
// Counting. The total is counted exactly up to MaxHits (a LIMIT 10001
// subquery, parts of one document counted once). Above, it is estimated
// from a fixed one-in-32 sample of the documents, chosen by a hash of their
// identity: the sample's hits times 32. The sample is counted first, since
// it is cheap; when it promises at least sureAbove (15,000) hits, the total
// is that estimate and no exact counting is done (for a query with at most
// 10,000 hits the sample holds about 312 or fewer, and reaching 469 would
// take a deviation of more than eight standard deviations). On PostgreSQL a
// query whose terms need positions (three or more characters) and that has
// more than 3,000 candidate documents is also estimated, from the share of
// its newest candidates that hold the phrases (see postgres.go); pages are
// always exact. The page and the count are found concurrently, each on a
// connection of its own.
func Search(ctx context.Context, d *db.DB, r Request) (Result, error) {
	if r.Limit <= 0 {
		r.Limit = DefaultLimit
	}
	if r.Limit > MaxLimit {
		r.Limit = MaxLimit
	}
	if r.Offset < 0 {
		r.Offset = 0
	}
	if r.Offset+r.Limit > MaxHits {
		return Result{}, apperr.New(apperr.Invalid, fmt.Sprintf("只能查看前 %d 条结果，请增加搜索词或筛选条件。", MaxHits))
	}
	p, err := compile(&r)
	if err != nil {
		return Result{}, err
	}
	res := Result{Query: p.query}
	// Count on a connection of its own while the page is found.
	type counted struct {
		n   int
		est bool
		err error
	}
	cc := make(chan counted, 1)
	go func() {
		ce, err := newEngine(ctx, d, p)
		if err != nil {
			cc <- counted{err: err}
			return
		}
		n, est, err := ce.count(ctx)
		ce.close()
		cc <- counted{n, est, err}
	}()
	hits, scores, keys, err := page(ctx, d, p, &r)
	c := <-cc
	if c.err != nil {
		return Result{}, db.Classify(c.err)
	}
	if err != nil {
		return Result{}, db.Classify(err)
	}
	res.Total, res.Estimated = c.n, c.est
	res.Hits = hits
	for i := range res.Hits {
		res.Hits[i].Score = scores[keys[i]]
	}
	if res.Total == 0 && p.hasText() {
		res.Suggestions, err = suggest(ctx, d, p)
		if err != nil {
			return Result{}, db.Classify(err)
		}
	}
	return res, nil
}

// page finds the hits of one page, with their relevance scores.
func page(ctx context.Context, d *db.DB, p *plan, r *Request) ([]Hit, map[int64]float64, []int64, error) {
	eng, err := newEngine(ctx, d, p)
	if err != nil {
		return nil, nil, nil, err
	}
	defer eng.close()
	var keys []int64
	scores := map[int64]float64{}
	if r.Sort == Date || !p.hasText() {
		keys, err = eng.newest(ctx, r.Offset, r.Limit)
	} else {
		keys, scores, err = rank(ctx, eng, p, r.Offset, r.Limit)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	hits, keys, err := fetchHits(ctx, eng.querier(), keys, p.query)
	return hits, scores, keys, err
}

func newEngine(ctx context.Context, d *db.DB, p *plan) (engine, error) {
	if d.Dialect == db.Postgres {
		return newPGEngine(ctx, d, p)
	}
	return newSQLiteEngine(ctx, d, p)
}

// rank returns one page of keys in relevance order, with their scores.
func rank(ctx context.Context, eng engine, p *plan, offset, limit int) ([]int64, map[int64]float64, error) {
	recent, err := eng.newest(ctx, 0, relevanceCandidates)
	if err != nil {
		return nil, nil, err
	}
	titled, err := eng.inTitle(ctx, relevanceCandidates)
	if err != nil {
		return nil, nil, err
	}
	keys := slices.Concat(recent, titled)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	meta, err := fetchMeta(ctx, eng.querier(), keys)
	if err != nil {
		return nil, nil, err
	}
	today := civil.Today()
	matcher := textzh.NewMatcher(p.query)
	scores := make(map[int64]float64, len(keys))
	for _, k := range keys {
		m, ok := meta[k]
		if !ok {
			continue
		}
		scores[k] = score(matcher, len(p.query.Terms), m, today)
	}
	ranked := make([]int64, 0, len(scores))
	for k := range scores {
		ranked = append(ranked, k)
	}
	sort.Slice(ranked, func(i, j int) bool {
		si, sj := scores[ranked[i]], scores[ranked[j]]
		if si != sj {
			return si > sj
		}
		return ranked[i] > ranked[j]
	})
	if offset+limit <= len(ranked) {
		return ranked[offset : offset+limit], scores, nil
	}
	// The rest follow newest first, without the ranked ones.
	page := []int64{}
	if offset < len(ranked) {
		page = append(page, ranked[offset:]...)
	}
	skip := max(0, offset-len(ranked))
	need := offset + limit - max(offset, len(ranked))
	rest, err := eng.newest(ctx, 0, skip+need+len(ranked))
	if err != nil {
		return nil, nil, err
	}
	for _, k := range rest {
		if _, ok := scores[k]; ok {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		if len(page) == limit {
			break
		}
		page = append(page, k)
	}
	return page, scores, nil
}

// score is the relevance of a document (see relevanceCandidates); m is
// the query's matcher.
func score(m *textzh.Matcher, terms int, d docMeta, today civil.Date) float64 {
	s := weightRecency * recency(d.published, today)
	if terms > 0 {
		n := float64(terms)
		s += weightTitle*float64(bits.OnesCount64(m.Found(d.title)))/n + weightLead*float64(bits.OnesCount64(m.Found(d.lead)))/n
		if m.Found(d.docNumber) != 0 {
			s += weightDocNo
		}
	}
	return math.Round(s*1000) / 1000
}

// recency is 1 today and halves every year.
func recency(published, today civil.Date) float64 {
	days := max(0, published.DaysUntil(today))
	return math.Exp2(-float64(days) / 365)
}

type docMeta struct {
	title, docNumber, lead string
	published              civil.Date
}

// inList renders "$1, $2, …" for n keys starting at $from.
func inList(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

func keyArgs(keys []int64) []any {
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	return args
}

func fetchMeta(ctx context.Context, q db.Querier, keys []int64) (map[int64]docMeta, error) {
	out := make(map[int64]docMeta, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT id, title, doc_number, lead, published_on
		FROM search_docs WHERE id IN (`+inList(1, len(keys))+`)`, keyArgs(keys)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k int64
		var m docMeta
		if err := rows.Scan(&k, &m.title, &m.docNumber, &m.lead, &m.published); err != nil {
			return nil, err
		}
		out[k] = m
	}
	return out, rows.Err()
}

// fetchHits loads the documents of keys, in that order, with highlighted
// titles and snippets; it returns the keys of the documents found (one
// removed since it was found is left out).
func fetchHits(ctx context.Context, qr db.Querier, keys []int64, q textzh.Query) ([]Hit, []int64, error) {
	if len(keys) == 0 {
		return nil, nil, nil
	}
	// The snippet looks at the start of the body only (textzh); a long
	// attachment text need not travel.
	rows, err := qr.QueryContext(ctx, fmt.Sprintf(`SELECT id, source, source_id, agency_id, url, title, doc_number,
		substr(body, 1, %d), published_on, kind FROM search_docs WHERE id IN (%s)`, textzh.SnippetScanRunes+SnippetRunes+1, inList(1, len(keys))),
		keyArgs(keys)...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	byKey := make(map[int64]*Hit, len(keys))
	for rows.Next() {
		var k int64
		var h Hit
		var body string
		if err := rows.Scan(&k, &h.Source, &h.SourceID, &h.AgencyID, &h.URL, &h.Title, &h.DocNumber, &body, &h.PublishedOn, &h.Kind); err != nil {
			return nil, nil, err
		}
		h.TitleSegments = textzh.Highlight(h.Title, q)
		h.Snippet = textzh.Snippet(body, q, SnippetRunes)
		byKey[k] = &h
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	out := make([]Hit, 0, len(keys))
	found := make([]int64, 0, len(keys))
	for _, k := range keys {
		if h, ok := byKey[k]; ok {
			out = append(out, *h)
			found = append(found, k)
		}
	}
	return out, found, nil
}

// suggest proposes other searches when p finds nothing: without the
// filters, each term alone, a long Chinese word split in two-character
// words. Only suggestions that find something are returned.
func suggest(ctx context.Context, d *db.DB, p *plan) ([]Suggestion, error) {
	type option struct {
		query   string
		note    string
		without bool
	}
	var opts []option
	if p.docNo != nil || len(p.meta) > 0 {
		opts = append(opts, option{query: p.query.String(), note: "去掉筛选条件", without: true})
	}
	if len(p.query.Terms) > 1 {
		for _, t := range p.query.Terms {
			opts = append(opts, option{query: termText(t), note: "只搜索“" + t.Text + "”"})
		}
	}
	for _, t := range p.query.Terms {
		if split := splitWords(t.Text); split != "" && split != t.Text {
			q := strings.Replace(p.query.String(), termText(t), split, 1)
			opts = append(opts, option{query: q, note: "分开搜索“" + split + "”"})
		}
	}
	var out []Suggestion
	seen := map[string]bool{}
	for _, o := range opts {
		if len(out) == 4 {
			break
		}
		key := fmt.Sprint(o.query, o.without)
		if seen[key] {
			continue
		}
		seen[key] = true
		q, err := textzh.ParseQuery(o.query)
		if err != nil || q.Empty() {
			continue
		}
		sp := &plan{query: q}
		if !o.without {
			sp.meta, sp.docNo = p.meta, p.docNo
		}
		eng, err := newEngine(ctx, d, sp)
		if err != nil {
			return nil, err
		}
		n, est, err := eng.count(ctx)
		eng.close()
		if err != nil {
			return nil, err
		}
		if n > 0 {
			out = append(out, Suggestion{Query: o.query, WithoutFilters: o.without, Total: n, Estimated: est, Note: o.note})
		}
	}
	return out, nil
}

func termText(t textzh.Term) string {
	if t.Quoted {
		return `"` + t.Text + `"`
	}
	return t.Text
}

// splitWords cuts a run of four or more ideographs into two-character
// words ("宗教场地管理" → "宗教 场地 管理"); other text is returned as is.
func splitWords(s string) string {
	rs := []rune(s)
	if len(rs) < 4 {
		return ""
	}
	for _, r := range rs {
		if !unicode.Is(unicode.Han, r) {
			return ""
		}
	}
	var parts []string
	for i := 0; i < len(rs); i += 2 {
		parts = append(parts, string(rs[i:min(i+2, len(rs))]))
	}
	if r := []rune(parts[len(parts)-1]); len(r) == 1 && len(parts) > 1 {
		parts[len(parts)-2] += string(r)
		parts = parts[:len(parts)-1]
	}
	return strings.Join(parts, " ")
}
