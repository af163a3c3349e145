package textzh

import (
	"math/bits"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// Segment is a piece of a snippet or highlighted title; Hit marks the text
// that matched the query (shown in <mark>).
type Segment struct {
	Text string
	Hit  bool
}

// Ellipsis marks text left out at either end of a snippet.
const Ellipsis = "…"

// SnippetScanRunes bounds how far into a long text (attachments) Snippet
// looks for matches; beyond it the snippet shows the first matches found or
// the start of the text.
const SnippetScanRunes = 200_000

// maxSnippetHits stops the scan once this many matches are known.
const maxSnippetHits = 256

// hit is a match of term (index) over runes [start, end).
type hit struct {
	start, end int
	term       int
}

// termMatcher holds the query terms as rune tokens.
type termMatcher struct {
	toks   [][][]rune
	prefix []bool
	maxLen int
}

func newMatcher(q Query) *termMatcher {
	m := &termMatcher{}
	for _, t := range q.Terms {
		rt := make([][]rune, len(t.Tokens))
		for i, tok := range t.Tokens {
			rt[i] = []rune(tok)
		}
		m.toks = append(m.toks, rt)
		m.prefix = append(m.prefix, t.Prefix)
		m.maxLen = max(m.maxLen, len(rt))
	}
	return m
}

func runesHasPrefix(a, p []rune) bool {
	return len(a) >= len(p) && slices.Equal(a[:len(p)], p)
}

// find scans the normalised runes and reports matches in order of their end
// until fn returns false. It uses the index's own tokens and the query's
// phrase rules, so what is highlighted is exactly what the index matched.
func (m *termMatcher) find(rs []rune, fn func(hit) bool) {
	if m.maxLen == 0 {
		return
	}
	ring := make([]span, m.maxLen)
	n := 0 // tokens seen
	spans(rs, func(s span) bool {
		ring[n%m.maxLen] = s
		n++
		for ti, toks := range m.toks {
			k := len(toks)
			if k > n {
				continue
			}
			// The token just seen first: it rules out most terms at once.
			cur := rs[s.start:s.end]
			if m.prefix[ti] {
				if !runesHasPrefix(cur, toks[k-1]) {
					continue
				}
			} else if !slices.Equal(cur, toks[k-1]) {
				continue
			}
			ok := true
			for j := 0; j < k-1 && ok; j++ {
				sp := ring[(n-k+j)%m.maxLen]
				ok = slices.Equal(rs[sp.start:sp.end], toks[j])
			}
			if !ok {
				continue
			}
			first := ring[(n-k)%m.maxLen]
			end := s.end
			if m.prefix[ti] {
				end = s.start + len(toks[k-1]) // just the character typed
			}
			if !fn(hit{first.start, end, ti}) {
				return false
			}
		}
		return true
	})
}

// Matcher finds the terms of a query in texts; make one with NewMatcher
// and use it for many texts.
type Matcher struct{ m *termMatcher }

// NewMatcher compiles q.
func NewMatcher(q Query) *Matcher { return &Matcher{newMatcher(q)} }

// Found reports which terms text contains, as a bit set: bit i for term i
// (terms beyond the 64th are not reported).
func (m *Matcher) Found(text string) uint64 {
	if len(m.m.toks) == 0 || text == "" {
		return 0
	}
	all := uint64(1)<<min(len(m.m.toks), 64) - 1
	if len(m.m.toks) >= 64 {
		all = ^uint64(0)
	}
	var found uint64
	m.m.find(normRunes(text), func(h hit) bool {
		if h.term < 64 {
			found |= 1 << uint(h.term)
		}
		return found != all
	})
	return found
}

// Highlight returns text cut into segments, the matches of q marked as hits.
// With an empty query it returns the text as one segment.
func Highlight(text string, q Query) []Segment {
	orig := []rune(text)
	norm := make([]rune, len(orig))
	for i, r := range orig {
		norm[i] = normRune(r)
	}
	var hits []hit
	newMatcher(q).find(norm, func(h hit) bool {
		hits = append(hits, h)
		return true
	})
	return segments(orig, hits, 0, len(orig), false, false)
}

// Snippet returns the window of at most maxRunes characters of text that
// best shows the matches of q — the one with the most different terms, then
// the most matches, the earliest on a tie — cut into segments with the
// matches marked. The window starts at a sentence start shortly before the
// first match when there is one; text left out is shown as "…"; runs of
// white space become one space. Without a match (or query) it is the start
// of the text.
func Snippet(text string, q Query, maxRunes int) []Segment {
	if maxRunes <= 0 {
		return nil
	}
	limit := SnippetScanRunes + maxRunes
	orig := make([]rune, 0, min(len(text), limit))
	truncated := false
	for _, r := range text {
		if len(orig) == limit {
			truncated = true
			break
		}
		orig = append(orig, r)
	}
	norm := make([]rune, len(orig))
	for i, r := range orig {
		norm[i] = normRune(r)
	}
	scan := norm[:min(len(norm), SnippetScanRunes)]
	var hits []hit
	newMatcher(q).find(scan, func(h hit) bool {
		hits = append(hits, h)
		return len(hits) < maxSnippetHits
	})
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].start < hits[j].start })

	ws, we := 0, min(len(orig), maxRunes)
	if len(hits) > 0 {
		best, bestScore, bestEnd := 0, -1, 0
		j := 0
		var mask uint64
		counts := map[int]int{}
		for i := range hits {
			if j < i {
				j = i
			}
			for j < len(hits) && hits[j].end-hits[i].start <= maxRunes {
				counts[hits[j].term]++
				j++
			}
			mask = 0
			for t, c := range counts {
				if c > 0 {
					mask |= 1 << (uint(t) % 64)
				}
			}
			score := bits.OnesCount64(mask)*100_000 + (j - i)
			if score > bestScore {
				best, bestScore, bestEnd = i, score, j
			}
			if j > i {
				counts[hits[i].term]--
			}
		}
		hs := hits[best].start
		he := hits[best].start
		for _, h := range hits[best:max(bestEnd, best+1)] {
			he = max(he, h.end)
		}
		he = min(he, hs+maxRunes)
		lead := min(hs, (maxRunes-(he-hs))/3)
		ws = hs - lead
		// Start at a sentence boundary inside the lead, if there is one.
		for k := hs - 1; k >= ws; k-- {
			if isSentenceEnd(orig[k]) {
				ws = k + 1
				break
			}
		}
		we = min(len(orig), ws+maxRunes)
		if we-ws < maxRunes && ws > 0 {
			ws = max(0, we-maxRunes)
		}
	}
	return segments(orig, hits, ws, we, ws > 0, we < len(orig) || truncated)
}

func isSentenceEnd(r rune) bool {
	switch r {
	case '。', '！', '？', '；', '\n', '!', '?', ';':
		return true
	}
	return false
}

// segments cuts orig[ws:we] at the hits (merging overlapping ones).
func segments(orig []rune, hits []hit, ws, we int, lead, trail bool) []Segment {
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].start < hits[j].start })
	var out []Segment
	emit := func(rs []rune, isHit bool) {
		if len(rs) == 0 {
			return
		}
		s := string(rs)
		if !isHit {
			s = collapseSpace(s)
		}
		if s == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Hit == isHit {
			out[n-1].Text += s
			return
		}
		out = append(out, Segment{Text: s, Hit: isHit})
	}
	pos := ws
	for i := 0; i < len(hits); {
		s, e := hits[i].start, hits[i].end
		i++
		for i < len(hits) && hits[i].start <= e {
			e = max(e, hits[i].end)
			i++
		}
		s, e = max(s, pos), min(e, we)
		if s >= e {
			continue
		}
		emit(orig[pos:s], false)
		emit(orig[s:e], true)
		pos = e
	}
	emit(orig[pos:we], false)
	if len(out) > 0 {
		if !out[0].Hit {
			out[0].Text = strings.TrimLeftFunc(out[0].Text, unicode.IsSpace)
		}
		if last := len(out) - 1; !out[last].Hit {
			out[last].Text = strings.TrimRightFunc(out[last].Text, unicode.IsSpace)
		}
	}
	if lead {
		if len(out) > 0 && !out[0].Hit {
			out[0].Text = Ellipsis + out[0].Text
		} else {
			out = append([]Segment{{Text: Ellipsis}}, out...)
		}
	}
	if trail {
		if n := len(out); n > 0 && !out[n-1].Hit {
			out[n-1].Text += Ellipsis
		} else {
			out = append(out, Segment{Text: Ellipsis})
		}
	}
	// Drop non-hit segments that trimming emptied.
	kept := out[:0]
	for _, sg := range out {
		if sg.Text != "" {
			kept = append(kept, sg)
		}
	}
	return kept
}

// collapseSpace turns every run of white space into one space.
func collapseSpace(s string) string {
	if !strings.ContainsFunc(s, unicode.IsSpace) {
		return s
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// SegmentsText joins the text of segments (for tests and plain-text views).
func SegmentsText(segs []Segment) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteString(s.Text)
	}
	return b.String()
}
