// Package textzh tokenises Chinese (and mixed Chinese/Latin) text for the
// full-text index, parses search queries and builds highlighted snippets. It
// is the one place that decides what a "word" is, so that the SQLite and the
// PostgreSQL index (internal/search) see exactly the same tokens.
//
// # Tokens
//
// Text is first normalised (Normalize): full-width ASCII becomes ASCII, the
// ideographic space a space, letters are lower-cased. Then:
//
//   - every run of CJK ideographs c1…cn (n ≥ 2) yields a "head" unigram c1,
//     the overlapping bigrams c1c2, c2c3, …, c(n-1)cn, and a "tail" unigram
//     cn; a run of one character yields just that character;
//   - every run of other letters (Latin, Cyrillic, Uyghur, Tibetan …) is a
//     word, every run of digits is a number (words and numbers longer than
//     MaxWordRunes are cut to that length);
//   - everything else (punctuation, spaces, symbols, 文号 brackets 〔〕[]【】)
//     separates tokens and is dropped.
//
// Most Chinese words have two characters, so a bigram index answers every
// query of two or more characters exactly: a query becomes the phrase of its
// own tokens (see ParseQuery). The head and tail unigrams make the ends of
// each run addressable, which is what lets a query such as 第3号 match
// 2025年第3号文 (the run 年第 ends in 第, the run 号文 starts with 号) and
// 2025年 match 2025年度, without prefix searches.
//
// Latin words and numbers match as whole words: 2025 finds 2025年 but 025
// does not.
//
// # One-character queries
//
// A query of one CJK character c is a prefix query "c*" over the tokens:
// every occurrence of c in an indexed text is the first character of a
// bigram (c followed by another ideograph) or the tail of its run, and both
// start with c. So a one-character query finds every text that contains the
// character; it is merely slower and less useful than a longer query.
package textzh

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxWordRunes is the length at which Latin words and digit runs are cut,
// in the index and in queries alike (PostgreSQL limits lexemes to 2 KB).
const MaxWordRunes = 32

// Normalize folds s for indexing and matching: full-width ASCII forms
// (U+FF01–U+FF5E, e.g. "２０２５", "ＡＢＣ", "（", "［") become ASCII, the
// ideographic space U+3000 becomes a space, and letters are lower-cased.
// The mapping is rune for rune, so rune offsets in the result are those of s.
func Normalize(s string) string {
	// Fast path: nothing to change.
	clean := true
	for _, r := range s {
		if normRune(r) != r {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(normRune(r))
	}
	return b.String()
}

func normRune(r rune) rune {
	switch {
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	case r >= 0x4E00 && r <= 0x9FFF: // CJK Unified Ideographs: most of a text, no case
		return r
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
		r -= 0xFEE0
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	case r == 0x3000: // ideographic space
		return ' '
	case r == utf8.RuneError:
		return r
	}
	return unicode.ToLower(r)
}

// docNumberBrackets maps the bracket variants people type in a 文号 to the
// standard 〔〕 of GB/T 9704.
var docNumberBrackets = strings.NewReplacer(
	"[", "〔", "]", "〕",
	"【", "〔", "】", "〕",
	"(", "〔", ")", "〕",
	"〘", "〔", "〙", "〕",
	"［", "〔", "］", "〕",
	"（", "〔", "）", "〕",
	"﹝", "〔", "﹞", "〕",
)

// NormalizeDocNumber returns the canonical form of a 文号 (发文字号): the
// text normalised, spaces removed and every bracket variant — [] 【】 () ［］
// （） — written as the standard 〔〕, so that 沪民宗规[2022]1号 and
// 沪民宗规〔2022〕1号 compare equal.
func NormalizeDocNumber(s string) string {
	// Invalid UTF-8 is replaced first: removing spaces could otherwise join
	// stray bytes into a rune Normalize has not folded (or into U+3000).
	s = Normalize(strings.ToValidUTF8(s, "\uFFFD"))
	s = strings.Join(strings.Fields(s), "")
	return docNumberBrackets.Replace(s)
}

// class is the kind of a rune for tokenising.
type class uint8

const (
	sep   class = iota // punctuation, spaces, symbols: dropped
	han                // CJK ideograph
	word               // other letter (or a mark continuing a word)
	digit              // decimal digit
)

func classOf(r rune) class {
	switch {
	case r < utf8.RuneSelf:
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
			return word
		case '0' <= r && r <= '9':
			return digit
		}
		return sep
	case r >= 0x4E00 && r <= 0x9FFF: // CJK Unified Ideographs, without a table lookup
		return han
	case unicode.Is(unicode.Han, r):
		return han
	case unicode.IsLetter(r):
		return word
	case unicode.IsDigit(r):
		return digit
	case unicode.IsMark(r):
		return word // combining marks belong to the word they follow
	}
	return sep
}

// tokKind says how a token was made.
type tokKind uint8

const (
	tokBigram tokKind = iota // two ideographs
	tokHead                  // the first ideograph of a run of two or more
	tokTail                  // the last ideograph of a run (or a run of one)
	tokWord                  // a Latin (or other script) word
	tokNumber                // a run of digits
)

// span is one token: runes [start, end) of the normalised text.
type span struct {
	start, end int
	kind       tokKind
}

// run is a maximal sequence of runes of one class.
type run struct {
	start, end int
	class      class
}

// runs splits the normalised runes into runs of ideographs, words and
// digits. A mark directly after a separator starts no word.
func runs(rs []rune, fn func(run) bool) {
	i := 0
	for i < len(rs) {
		c := classOf(rs[i])
		if c == sep || (c == word && unicode.IsMark(rs[i])) {
			i++
			continue
		}
		j := i + 1
		for j < len(rs) {
			cj := classOf(rs[j])
			if cj != c {
				break
			}
			j++
		}
		if !fn(run{i, j, c}) {
			return
		}
		i = j
	}
}

// spans emits the index tokens of rs in order.
func spans(rs []rune, fn func(span) bool) {
	runs(rs, func(r run) bool {
		switch r.class {
		case han:
			if r.end-r.start == 1 {
				return fn(span{r.start, r.end, tokTail})
			}
			if !fn(span{r.start, r.start + 1, tokHead}) {
				return false
			}
			for i := r.start; i+1 < r.end; i++ {
				if !fn(span{i, i + 2, tokBigram}) {
					return false
				}
			}
			return fn(span{r.end - 1, r.end, tokTail})
		case word:
			return fn(span{r.start, min(r.end, r.start+MaxWordRunes), tokWord})
		default:
			return fn(span{r.start, min(r.end, r.start+MaxWordRunes), tokNumber})
		}
	})
}

func normRunes(s string) []rune {
	rs := make([]rune, 0, len(s)/2)
	for _, r := range s {
		rs = append(rs, normRune(r))
	}
	return rs
}

// Tokens returns the index tokens of text, in order: for each run of
// ideographs its first ideograph, its overlapping bigrams and its last
// ideograph; lower-cased words; digit runs. Punctuation is dropped. Tokens never contain spaces, quotes or
// ASCII punctuation, so they can be joined with spaces for an FTS engine.
func Tokens(text string) []string {
	rs := normRunes(text)
	out := make([]string, 0, len(rs)+len(rs)/8)
	spans(rs, func(s span) bool {
		out = append(out, string(rs[s.start:s.end]))
		return true
	})
	return out
}
