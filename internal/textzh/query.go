package textzh

import (
	"strings"
	"unicode"

	"github.com/gongkai/gongkai/internal/apperr"
)

// Limits on a search query. Longer or larger queries are refused with an
// Invalid error and a Chinese message rather than silently cut, so that the
// user knows what was searched.
const (
	MaxQueryRunes = 50 // characters in the whole query, after normalisation
	MaxTerms      = 8  // terms (words or quoted phrases) ANDed together
)

// Term is one part of a query: a word typed without spaces, or a quoted
// phrase. A document matches the term when its tokens contain Tokens as a
// phrase (consecutive, in order) within one field.
type Term struct {
	// Text is the term as typed, normalised, without quotes.
	Text string
	// Tokens is the phrase to find. A run of ideographs contributes its
	// bigrams, its head unigram unless it is the first run of the term (in
	// a document the run may begin earlier) and its tail unigram unless it
	// is the last (the run may go on).
	Tokens []string
	// Prefix says that the one token matches any token starting with it:
	// the term is a single ideograph (see the package comment).
	Prefix bool
	// Quoted is true for a "quoted phrase".
	Quoted bool
}

// Query is a parsed search query: every term must match (AND).
type Query struct {
	Terms []Term
}

// Empty reports whether q has no terms (a blank query).
func (q Query) Empty() bool { return len(q.Terms) == 0 }

// String renders q in normalised query syntax, e.g. 宗教 "清真 食品".
func (q Query) String() string {
	parts := make([]string, len(q.Terms))
	for i, t := range q.Terms {
		if t.Quoted {
			parts[i] = `"` + t.Text + `"`
		} else {
			parts[i] = t.Text
		}
	}
	return strings.Join(parts, " ")
}

// Messages of the errors ParseQuery returns (apperr.Invalid).
const (
	MsgQueryTooLong   = "搜索词太长了，请不要超过 50 个字。"
	MsgTooManyTerms   = "搜索词太多了，请不要超过 8 个词。"
	MsgNothingToQuery = "请输入要搜索的汉字、字母或数字。"
)

// isQuote reports whether r opens or closes a quoted phrase: the ASCII
// double quote (full-width ＂ is normalised to it) and the Chinese quotes.
func isQuote(r rune) bool {
	switch r {
	case '"', '“', '”', '「', '」', '『', '』':
		return true
	}
	return false
}

// ParseQuery parses a search box entry. Terms separated by white space must
// all match; text in double quotes (ASCII or Chinese quotes) is one term even
// with spaces or punctuation inside. Every term is matched as the phrase of
// its tokens, so 政务公开 finds exactly the texts that contain 政务公开, and
// 2025年第3号 the texts with 2025 年第 3 号 in a row.
//
// Nothing in a query is an operator: *, -, ^, :, parentheses, OR, NEAR and
// SQL are punctuation (dropped) or ordinary words. A blank query gives an
// empty Query and no error (the caller lists by filters alone). A query over
// MaxQueryRunes characters (quotes not counted) or with more than MaxTerms
// terms, or one that has
// text but nothing searchable in it (only punctuation), is an
// apperr.Invalid error with a Chinese message.
func ParseQuery(s string) (Query, error) {
	s = strings.TrimSpace(Normalize(s))
	if s == "" {
		return Query{}, nil
	}
	n := 0
	for _, r := range s {
		if !isQuote(r) {
			n++
		}
	}
	if n > MaxQueryRunes {
		return Query{}, apperr.New(apperr.Invalid, MsgQueryTooLong)
	}
	var q Query
	seen := map[string]bool{}
	add := func(text string, quoted bool) {
		text = strings.Join(strings.Fields(text), " ")
		t, ok := parseTerm(text)
		if !ok {
			return
		}
		t.Quoted = quoted
		key := strings.Join(t.Tokens, " ")
		if t.Prefix {
			key += "*"
		}
		if seen[key] {
			return
		}
		seen[key] = true
		q.Terms = append(q.Terms, t)
	}
	var cur strings.Builder
	inQuote := false
	flush := func(quoted bool) {
		if cur.Len() > 0 {
			add(cur.String(), quoted)
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case isQuote(r):
			flush(inQuote)
			inQuote = !inQuote
		case !inQuote && unicode.IsSpace(r):
			flush(false)
		default:
			cur.WriteRune(r)
		}
	}
	flush(inQuote)
	if len(q.Terms) == 0 {
		return Query{}, apperr.New(apperr.Invalid, MsgNothingToQuery)
	}
	if len(q.Terms) > MaxTerms {
		return Query{}, apperr.New(apperr.Invalid, MsgTooManyTerms)
	}
	return q, nil
}

// parseTerm tokenises one term with the query rules; ok is false when the
// term has no token (only punctuation).
func parseTerm(text string) (Term, bool) {
	rs := normRunes(text)
	var all []run
	runs(rs, func(r run) bool {
		all = append(all, r)
		return true
	})
	if len(all) == 0 {
		return Term{}, false
	}
	t := Term{Text: text}
	for k, r := range all {
		first, last := k == 0, k == len(all)-1
		switch {
		case r.class == han && r.end-r.start == 1:
			// A run of one: the document's head, tail or single unigram,
			// unless the term is nothing else (then any occurrence: prefix).
			t.Tokens = append(t.Tokens, string(rs[r.start:r.end]))
			t.Prefix = first && last
		case r.class == han:
			if !first {
				t.Tokens = append(t.Tokens, string(rs[r.start:r.start+1]))
			}
			for i := r.start; i+1 < r.end; i++ {
				t.Tokens = append(t.Tokens, string(rs[i:i+2]))
			}
			if !last {
				t.Tokens = append(t.Tokens, string(rs[r.end-1:r.end]))
			}
		default:
			t.Tokens = append(t.Tokens, string(rs[r.start:min(r.end, r.start+MaxWordRunes)]))
		}
	}
	return t, true
}
