package search

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
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
// after another gap with weight D (the default), then position-free
// lexemes (see below). The gaps keep phrases from running across fields.
// Positions are explicit, so the server's text-search parser and locale
// play no part. Lexemes are neither sorted nor unique here: the server
// sorts them and merges duplicates.
func tsvector(p part, meta []string) string {
	type entry struct {
		tok string
		pos []uint16 // position << 2 | weight (3 = A, 2 = B, 0 = D)
	}
	idx := make(map[string]int32, len(p.body)/2+len(p.title)+8)
	entries := make([]entry, 0, len(p.body)/2+len(p.title)+8)
	add := func(tok string, pos int, weight uint16) {
		i, ok := idx[tok]
		if !ok {
			i = int32(len(entries)) // #nosec G115 -- at most maxPartPositions entries
			idx[tok] = i
			entries = append(entries, entry{tok: tok})
		}
		entries[i].pos = append(entries[i].pos, uint16(pos)<<2|weight) // #nosec G115 -- pos <= maxPartPositions+2 < 1<<14 (splitParts)
	}
	pos := 1
	for _, s := range p.title {
		add(s, pos, 3)
		pos++
	}
	pos++
	for _, s := range p.docNumber {
		add(s, pos, 2)
		pos++
	}
	pos++
	for _, s := range p.body {
		add(s, pos, 0)
		pos++
	}
	b := make([]byte, 0, 16*len(entries)+4*pos+1024)
	for _, e := range entries {
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = appendLexeme(b, e.tok)
		for k, ps := range e.pos {
			if k == 0 {
				b = append(b, ':')
			} else {
				b = append(b, ',')
			}
			b = strconv.AppendUint(b, uint64(ps>>2), 10)
			switch ps & 3 {
			case 3:
				b = append(b, 'A')
			case 2:
				b = append(b, 'B')
			}
		}
	}
	// Position-free extras: the filter tokens; the title and 文号 tokens
	// again in namespaces of their own (^ and #), which let the index find
	// title matches and 文号 filter candidates without reading positions;
	// and the pairs of adjacent tokens other than two bigrams (a|b: 2025
	// then 年, 3 then 号), which make terms such as 2025年 or 3号 exact
	// without positions and narrow the candidates of longer ones.
	seen := make(map[string]bool, len(p.body)/4+len(meta)+2*len(p.title))
	extra := func(s string) {
		if seen[s] {
			return
		}
		seen[s] = true
		b = append(b, ' ')
		b = appendLexeme(b, s)
	}
	for _, m := range meta {
		extra(m)
	}
	for _, s := range p.title {
		extra(titlePrefix + s)
	}
	for _, s := range p.docNumber {
		extra(docNumberPrefix + s)
	}
	for _, f := range []struct {
		ns   string
		toks []string
	}{{"", p.title}, {"", p.docNumber}, {docNumberPrefix, p.docNumber}, {"", p.body}} {
		for i := 1; i < len(f.toks); i++ {
			if !isBigram(f.toks[i-1]) || !isBigram(f.toks[i]) {
				extra(f.ns + f.toks[i-1] + pairSep + f.toks[i])
			}
		}
	}
	return string(b)
}

// appendLexeme appends a quoted tsvector/tsquery lexeme.
func appendLexeme(b []byte, s string) []byte {
	b = append(b, '\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'':
			b = append(b, '\'', '\'')
		case '\\':
			b = append(b, '\\', '\\')
		default:
			b = append(b, c)
		}
	}
	return append(b, '\'')
}

// Namespaces of the position-free title and 文号 lexemes (PostgreSQL).
const (
	titlePrefix     = "^"
	docNumberPrefix = "#"
)

// writeLexeme writes a quoted tsvector/tsquery lexeme.
func writeLexeme(b *strings.Builder, s string) {
	b.Write(appendLexeme(nil, s))
}

// pairSep joins the two tokens of a pair lexeme; tokens never contain it.
const pairSep = "|"

// appendPairs appends the pair lexemes of a token stream (see tsvector).
func appendPairs(out []string, ns string, toks []string) []string {
	for i := 1; i < len(toks); i++ {
		if !isBigram(toks[i-1]) || !isBigram(toks[i]) {
			out = append(out, ns+toks[i-1]+pairSep+toks[i])
		}
	}
	return out
}

// isBigram reports whether a token is two ideographs (tokens are made by
// textzh: two runes that are not a word or number are two ideographs).
func isBigram(tok string) bool {
	r, n := utf8.DecodeRuneInString(tok)
	if n == 0 || !unicode.Is(unicode.Han, r) {
		return false
	}
	return utf8.RuneCountInString(tok) == 2
}
