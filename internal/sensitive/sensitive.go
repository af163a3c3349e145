// Package sensitive finds the words of an agency's sensitive-word list in a
// text, so that a document containing one is not published without a
// reviewer's decision.
//
// Words and text are compared after normalisation: full-width letters,
// digits and punctuation become half-width, letters are lower-cased, and
// white space and zero-width characters are ignored (so 敏感 also matches
// "敏 感" and a word broken across lines). A word that begins or ends with
// a Latin letter or digit only matches at a word boundary (ass does not
// match class). Matching is one pass of an Aho–Corasick automaton;
// reported offsets are byte offsets into the original text.
package sensitive

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of a list.
const (
	MaxWords     = 5000 // words in a list
	MaxWordRunes = 50   // characters in a word, after normalisation
)

// Errors, wrapped in a *WordError for a particular word.
var (
	ErrEmptyWord    = errors.New("sensitive: empty word")
	ErrWordTooLong  = fmt.Errorf("sensitive: word longer than %d characters", MaxWordRunes)
	ErrTooManyWords = fmt.Errorf("sensitive: more than %d words", MaxWords)
)

// WordError says which word of a list is not acceptable.
type WordError struct {
	Line int    // 1-based: the line in ParseList, the position in New
	Word string // the word as given
	Err  error  // ErrEmptyWord or ErrWordTooLong
}

func (e *WordError) Error() string {
	return fmt.Sprintf("%v: %d: %q", e.Err, e.Line, e.Word)
}

func (e *WordError) Unwrap() error { return e.Err }

// Hit is one occurrence of a word: the original text[Start:End] matches
// Word after normalisation.
type Hit struct {
	Word       string
	Start, End int // byte offsets
}

// Matcher finds the words of a list. It is safe for concurrent use; a nil
// *Matcher finds nothing.
type Matcher struct {
	words  []string // as given (trimmed), by id
	nodes  []node
	edges  map[uint64]int32 // node<<32 | rune → child node
	maxLen int              // the longest word, in normalised runes
}

type node struct {
	fail     int32 // longest proper suffix that is a prefix of a word
	word     int32 // id of the word ending here, or -1
	dict     int32 // nearest node on the fail chain that ends a word, or -1
	length   int32 // runes from the root
	boundary uint8 // of the word ending here: 1 at the start, 2 at the end
}

// fold normalises one character; ok is false for characters that are
// ignored.
func fold(r rune) (rune, bool) {
	switch {
	case r >= 0xff01 && r <= 0xff5e: // full-width ASCII
		r -= 0xfee0
	case r == 0x200b || r == 0x200c || r == 0x200d || r == 0x2060 || r == 0xfeff || r == 0xad:
		return 0, false
	case unicode.IsSpace(r):
		return 0, false
	}
	if r < utf8.RuneSelf {
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r, true
	}
	return unicode.ToLower(r), true
}

func latinAlnum(r rune) bool {
	return (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z')
}

// normalize returns the normalised runes of a word.
func normalize(w string) []rune {
	var out []rune
	for _, r := range w {
		if r == utf8.RuneError {
			continue
		}
		if f, ok := fold(r); ok {
			out = append(out, f)
		}
	}
	return out
}

// New builds a matcher. Words are trimmed and duplicates (after
// normalisation) dropped; an empty or over-long word, or more than
// MaxWords words, is an error.
func New(words []string) (*Matcher, error) {
	m := &Matcher{
		nodes: []node{{word: -1, dict: -1}},
		edges: map[uint64]int32{},
	}
	seen := map[string]bool{}
	var children [][]int32 // per node, for building the fail links
	children = append(children, nil)
	for i, w := range words {
		w = strings.TrimSpace(w)
		rs := normalize(w)
		switch {
		case len(rs) == 0:
			return nil, &WordError{Line: i + 1, Word: w, Err: ErrEmptyWord}
		case len(rs) > MaxWordRunes:
			return nil, &WordError{Line: i + 1, Word: w, Err: ErrWordTooLong}
		}
		key := string(rs)
		if seen[key] {
			continue
		}
		if len(m.words) >= MaxWords {
			return nil, ErrTooManyWords
		}
		seen[key] = true
		id := int32(len(m.words)) // #nosec G115 -- len(m.words) < MaxWords
		m.words = append(m.words, w)
		cur := int32(0)
		for _, r := range rs {
			k := uint64(cur)<<32 | uint64(uint32(r)) // #nosec G115 -- edge key: node id (>= 0) and the rune's bits
			next, ok := m.edges[k]
			if !ok {
				next = int32(len(m.nodes)) // #nosec G115 -- at most MaxWords*MaxWordRunes+1 nodes
				m.nodes = append(m.nodes, node{word: -1, dict: -1, length: m.nodes[cur].length + 1})
				children = append(children, nil)
				children[cur] = append(children[cur], next)
				m.edges[k] = next
			}
			cur = next
		}
		m.nodes[cur].word = id
		var b uint8
		if latinAlnum(rs[0]) {
			b |= 1
		}
		if latinAlnum(rs[len(rs)-1]) {
			b |= 2
		}
		m.nodes[cur].boundary = b
		if len(rs) > m.maxLen {
			m.maxLen = len(rs)
		}
	}
	// The rune on the edge into each node, to follow fail links.
	in := make([]rune, len(m.nodes))
	for k, child := range m.edges {
		in[child] = rune(uint32(k)) // #nosec G115 -- the rune bits of an edge key, as stored above
	}
	// Breadth first: fail and dictionary links.
	queue := append([]int32(nil), children[0]...)
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, c := range children[n] {
			r := in[c]
			f := m.nodes[n].fail
			for {
				if n == 0 {
					f = 0
					break
				}
				if next, ok := m.edges[uint64(f)<<32|uint64(uint32(r))]; ok { // #nosec G115 -- edge key, as above
					f = next
					break
				}
				if f == 0 {
					break
				}
				f = m.nodes[f].fail
			}
			m.nodes[c].fail = f
			if m.nodes[f].word >= 0 {
				m.nodes[c].dict = f
			} else {
				m.nodes[c].dict = m.nodes[f].dict
			}
			queue = append(queue, c)
		}
	}
	return m, nil
}

// Words returns the words of the list, as given (trimmed, without
// duplicates).
func (m *Matcher) Words() []string {
	if m == nil {
		return nil
	}
	return append([]string(nil), m.words...)
}

// Len is the number of words.
func (m *Matcher) Len() int {
	if m == nil {
		return 0
	}
	return len(m.words)
}

func (m *Matcher) step(state int32, r rune) int32 {
	for {
		if next, ok := m.edges[uint64(state)<<32|uint64(uint32(r))]; ok { // #nosec G115 -- edge key: node id (>= 0) and the rune's bits
			return next
		}
		if state == 0 {
			return 0
		}
		state = m.nodes[state].fail
	}
}

// Find returns every occurrence of every word, overlapping ones included,
// ordered by start and then by end.
func (m *Matcher) Find(text string) []Hit {
	if m == nil || len(m.words) == 0 {
		return nil
	}
	var hits []Hit
	starts := make([]int, m.maxLen) // byte offsets of the last maxLen normalised runes
	k := 0                          // normalised runes so far
	state := int32(0)
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		start := i
		i += n
		if r == utf8.RuneError && n == 1 {
			state = 0 // invalid UTF-8 breaks any match
			continue
		}
		f, ok := fold(r)
		if !ok {
			continue
		}
		starts[k%m.maxLen] = start
		k++
		state = m.step(state, f)
		for s := state; s > 0; s = m.nodes[s].dict {
			nd := &m.nodes[s]
			if nd.word < 0 {
				continue
			}
			from := starts[(k-int(nd.length))%m.maxLen]
			if m.boundaryOK(text, from, i, nd.boundary) {
				hits = append(hits, Hit{Word: m.words[nd.word], Start: from, End: i})
			}
		}
	}
	sort.SliceStable(hits, func(a, b int) bool {
		if hits[a].Start != hits[b].Start {
			return hits[a].Start < hits[b].Start
		}
		return hits[a].End < hits[b].End
	})
	return hits
}

// boundaryOK checks that a word starting or ending with a Latin letter or
// digit is not inside a longer Latin word.
func (m *Matcher) boundaryOK(text string, from, to int, b uint8) bool {
	if b&1 != 0 && from > 0 {
		r, _ := utf8.DecodeLastRuneInString(text[:from])
		if f, ok := fold(r); ok && latinAlnum(f) {
			return false
		}
	}
	if b&2 != 0 && to < len(text) {
		r, _ := utf8.DecodeRuneInString(text[to:])
		if f, ok := fold(r); ok && latinAlnum(f) {
			return false
		}
	}
	return true
}

// Contains reports whether text contains any word.
func (m *Matcher) Contains(text string) bool { return len(m.Find(text)) > 0 }

// ParseList reads a list typed into a textarea: one word per line, blank
// lines and lines starting with # ignored, duplicates dropped. It returns
// a *WordError naming the line of an over-long word, or ErrTooManyWords.
func ParseList(text string) ([]string, error) {
	text = strings.TrimPrefix(text, "\ufeff")
	var words []string
	seen := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		w := strings.TrimSpace(line)
		if w == "" || strings.HasPrefix(w, "#") || strings.HasPrefix(w, "＃") {
			continue
		}
		rs := normalize(w)
		switch {
		case len(rs) == 0:
			return nil, &WordError{Line: i + 1, Word: w, Err: ErrEmptyWord}
		case len(rs) > MaxWordRunes:
			return nil, &WordError{Line: i + 1, Word: w, Err: ErrWordTooLong}
		}
		if seen[string(rs)] {
			continue
		}
		seen[string(rs)] = true
		if len(words) >= MaxWords {
			return nil, ErrTooManyWords
		}
		words = append(words, w)
	}
	return words, nil
}
