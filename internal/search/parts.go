package search

import (
	"sort"
	"strconv"
	"strings"
)

// A document is indexed as one or more parts. PostgreSQL keeps at most 256
// positions per lexeme in a tsvector and no position above 16,383, so phrase
// matching in a long text (a 50-page attachment, a table of 400 places of
// worship) would silently miss; the index therefore cuts the body into parts
// that stay inside those limits, each part repeating the title and 文号 and
// overlapping the previous part by partOverlap tokens, so that every phrase
// a query can hold lies wholly inside at least one part. SQLite indexes the
// very same parts, so both engines answer alike.
//
// The one consequence a user could notice: in a document longer than one
// part (about 15,000 characters of body), the terms of a multi-term query
// must occur in the same part (title and 文号 count for every part).
const (
	// maxPartPositions bounds the positions used in one part (PostgreSQL:
	// 16,383).
	maxPartPositions = 16000
	// maxLexemePositions bounds the occurrences of one token in one part
	// (PostgreSQL: 256).
	maxLexemePositions = 250
	// partOverlap is the number of body tokens a part repeats from the one
	// before; a query term has at most textzh.MaxQueryRunes tokens.
	partOverlap = 63
	// maxParts bounds the parts of one document (the part number is the low
	// 8 bits of the row key). Text beyond is kept for display, not indexed.
	maxParts = 256
	// maxTitleTokens and maxDocNumberTokens cut absurdly long titles.
	maxTitleTokens     = 200
	maxDocNumberTokens = 50
)

// part is the tokens of one indexed row.
type part struct {
	title, docNumber, body []string
}

// splitParts cuts a document's tokens into parts (at least one).
func splitParts(t docTokens) []part {
	title := t.title[:min(len(t.title), maxTitleTokens)]
	docNo := t.docNumber[:min(len(t.docNumber), maxDocNumberTokens)]
	head := map[string]int{}
	for _, s := range title {
		head[s]++
	}
	for _, s := range docNo {
		head[s]++
	}
	budget := maxPartPositions - len(title) - len(docNo) - 2
	var out []part
	start := 0
	counts := map[string]int{}
	for {
		clear(counts)
		for k, v := range head {
			counts[k] = v
		}
		end := start
		for end < len(t.body) && end-start < budget {
			c := counts[t.body[end]] + 1
			if c > maxLexemePositions {
				break
			}
			counts[t.body[end]] = c
			end++
		}
		if end == start && end < len(t.body) {
			end++ // a degenerate title leaves no room; keep going
		}
		out = append(out, part{title: title, docNumber: docNo, body: t.body[start:end]})
		if end >= len(t.body) || len(out) == maxParts {
			return out
		}
		start = max(end-partOverlap, start+1)
	}
}

// ftsText joins tokens for the SQLite FTS5 table (ascii tokenizer: tokens are
// separated by spaces and contain no ASCII punctuation).
func ftsText(toks []string) string { return strings.Join(toks, " ") }

// tsvector builds the PostgreSQL tsvector literal of a part: title tokens
// at positions 1… with weight A, the 文号 after a gap with weight B, the body
// after another gap with weight D (the default), then the meta tokens
// without positions. The gaps keep phrases from running across fields.
// Positions are explicit, so the server's text-search parser and locale
// play no part.
func tsvector(p part, meta []string) string {
	type entry struct {
		pos []string
	}
	lex := map[string]*entry{}
	var order []string
	add := func(tok string, pos int, weight string) {
		e := lex[tok]
		if e == nil {
			e = &entry{}
			lex[tok] = e
			order = append(order, tok)
		}
		e.pos = append(e.pos, strconv.Itoa(pos)+weight)
	}
	pos := 1
	for _, s := range p.title {
		add(s, pos, "A")
		pos++
	}
	pos++
	for _, s := range p.docNumber {
		add(s, pos, "B")
		pos++
	}
	pos++
	for _, s := range p.body {
		add(s, pos, "")
		pos++
	}
	sort.Strings(order)
	var b strings.Builder
	for _, tok := range order {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		writeLexeme(&b, tok)
		b.WriteByte(':')
		b.WriteString(strings.Join(lex[tok].pos, ","))
	}
	// Position-free extras: the filter tokens, and the title and 文号
	// tokens again in namespaces of their own (^ and #), which let the
	// index find title matches and 文号 filter candidates without reading
	// positions.
	extra := append([]string(nil), meta...)
	for _, s := range p.title {
		extra = append(extra, titlePrefix+s)
	}
	for _, s := range p.docNumber {
		extra = append(extra, docNumberPrefix+s)
	}
	sort.Strings(extra)
	for i, m := range extra {
		if i > 0 && m == extra[i-1] {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		writeLexeme(&b, m)
	}
	return b.String()
}

// Namespaces of the position-free title and 文号 lexemes (PostgreSQL).
const (
	titlePrefix     = "^"
	docNumberPrefix = "#"
)

// writeLexeme writes a quoted tsvector/tsquery lexeme.
func writeLexeme(b *strings.Builder, s string) {
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'':
			b.WriteString("''")
		case '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
}
