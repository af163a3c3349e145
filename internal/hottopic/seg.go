// Package hottopic finds what the public is writing about (热点发现): it
// segments Chinese messages into words, counts which terms are rising day
// by day and week by week against their own baseline, and groups messages
// about the same concern into clusters, whatever channel they came in by.
//
// It is pure computation — no database, no HTTP — so that the concern
// capability can run it over every channel's messages and the benchmark
// can run it over 100,000 of them.
package hottopic

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/go-ego/gse"
)

// The base dictionary is gse's word list with inverse document
// frequencies (270,000 words from a general corpus). Only that list is
// linked in (6 MB), not gse's segmenter and its 128 MB trie: the words
// are kept as a map from a 64-bit hash to their IDF, about 10 MB in
// memory, built the first time a segmenter is needed.
var (
	baseOnce sync.Once
	base     *dictionary
)

type dictionary struct {
	idf      map[uint64]float32
	maxRunes int
	maxIDF   float32
}

// maxWordRunes bounds the words looked up at each position; longer
// dictionary entries (idioms, organisation names) are rare in messages.
const maxWordRunes = 8

func loadBase() *dictionary {
	baseOnce.Do(func() {
		d := &dictionary{idf: make(map[uint64]float32, 280_000)}
		text := gse.ZhIdf
		for len(text) > 0 {
			var line string
			if i := strings.IndexByte(text, '\n'); i >= 0 {
				line, text = text[:i], text[i+1:]
			} else {
				line, text = text, ""
			}
			sp := strings.LastIndexByte(line, ' ')
			if sp <= 0 {
				continue
			}
			word := line[:sp]
			v, err := strconv.ParseFloat(strings.TrimSpace(line[sp+1:]), 32)
			if err != nil {
				continue
			}
			n := utf8.RuneCountInString(word)
			if n > maxWordRunes {
				continue
			}
			d.idf[hashString(word)] = float32(v)
			if float32(v) > d.maxIDF {
				d.maxIDF = float32(v)
			}
			if n > d.maxRunes {
				d.maxRunes = n
			}
		}
		base = d
	})
	return base
}

// FNV-1a, 64 bits: the dictionary is keyed by hash so that a word can be
// looked up while it is being extended one character at a time.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashString(s string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func hashAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// Segmenter splits Chinese text into words: the base dictionary plus an
// agency's domain terms, choosing for each run of ideographs the
// segmentation whose words are together the most common (the least total
// IDF), as jieba and gse do. Latin letters and digits form words of their
// own. A Segmenter is safe for concurrent use.
type Segmenter struct {
	dict   *dictionary
	extra  map[uint64]float32
	extraN int // longest extra term in runes
	// canon maps a word to the canonical word of its synonym group
	// (thesaurus.txt, then the agency's own lines).
	canon      map[string]string
	canonicals map[string]bool
}

// The built-in thesaurus: groups of words the public uses for one thing
// in the bureau's field (清真标识 / 清真牌子 / 清真标志牌), each line a
// canonical word and its synonyms. It was written from knowledge of the
// field, not from the labelled messages.
//
//go:embed thesaurus.txt
var thesaurus string

// singleCharPenalty is added to the cost of a one-character word.
const singleCharPenalty = 3

// domainIDF is the weight given to a domain term: common enough to win
// over splitting it into its parts, rare enough to count as a topic word.
const domainIDF = 7

// NewSegmenter returns a segmenter over the base dictionary with the
// built-in terms and thesaurus and the agency's lines added. Each line is
// a word, or a canonical word followed by its synonyms, separated by
// spaces; words of two to maxWordRunes characters are kept whole when
// segmenting, and synonyms are read as their canonical word.
func NewSegmenter(lines ...string) *Segmenter {
	s := &Segmenter{dict: loadBase(), extra: map[uint64]float32{}, canon: map[string]string{}, canonicals: map[string]bool{}}
	add := func(t string) {
		n := utf8.RuneCountInString(t)
		if n < 2 || n > maxWordRunes {
			return
		}
		h := hashString(t)
		if _, known := s.dict.idf[h]; known {
			return
		}
		s.extra[h] = domainIDF
		if n > s.extraN {
			s.extraN = n
		}
	}
	group := func(line string) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			return
		}
		words := strings.Fields(line)
		s.canonicals[words[0]] = true
		for _, w := range words {
			add(w)
			if w != words[0] {
				s.canon[w] = words[0]
			}
		}
	}
	for _, t := range BuiltinTerms {
		add(t)
	}
	for _, line := range strings.Split(thesaurus, "\n") {
		group(line)
	}
	for _, line := range lines {
		group(line)
	}
	return s
}

// known reports whether w is a built-in or thesaurus word or one of the
// agency's (which are kept even when they look like place names, as
// 示范区 does).
func (s *Segmenter) known(w string) bool {
	if _, ok := s.canon[w]; ok {
		return true
	}
	_, ok := s.extra[hashString(w)]
	return ok || s.isCanonical(w)
}

func (s *Segmenter) isCanonical(w string) bool {
	if s.canonicals == nil {
		return false
	}
	return s.canonicals[w]
}

// Canonical is the canonical word of w's synonym group, or w.
func (s *Segmenter) Canonical(w string) string {
	if c, ok := s.canon[w]; ok {
		return c
	}
	return w
}

// BuiltinTerms are words of ethnic and religious affairs and of
// government disclosure that the general dictionary lacks or splits.
var BuiltinTerms = []string{
	"教职人员", "宗教教职人员", "宗教活动场所", "宗教场所", "宗教团体", "宗教事务", "民族事务", "民族宗教",
	"清真食品", "清真标志", "清真标识", "清真标志牌", "清真牌", "清真餐", "清真窗口", "清真食堂", "清真寺",
	"牛羊肉", "供应点", "民族团结", "示范单位", "示范区", "进步创建", "民族成分", "少数民族", "流动人口",
	"信息公开", "政府信息公开", "依申请公开", "规范性文件", "政策解读", "政务公开", "领导信箱", "留言板",
	"功德箱", "香火", "高香", "算命", "化缘", "护身符", "放生", "代烧香", "云祈福", "供灯",
	"古尔邦节", "开斋节", "肉孜节", "双语", "墓穴", "公墓", "土葬", "开放日", "开放周", "12345",
	"拉面店", "加分", "照顾政策", "外卖平台", "链接", "附件", "无障碍", "读屏", "手机版", "404",
	"聚会点", "私设", "家庭聚会", "传教", "消防隐患", "文物保护", "修缮", "冒用",
}

func (s *Segmenter) cost(h uint64) (float32, bool) {
	if v, ok := s.extra[h]; ok {
		return v, true
	}
	v, ok := s.dict.idf[h]
	return v, ok
}

// Segment returns the words of text in order: runs of ideographs
// segmented on the dictionary, runs of letters and digits lower-cased as
// one word each; punctuation and spaces separate words and are dropped.
func (s *Segmenter) Segment(text string) []string {
	out := make([]string, 0, len(text)/4)
	return s.AppendWords(out, text)
}

// AppendWords appends the words of text to dst (see Segment).
func (s *Segmenter) AppendWords(dst []string, text string) []string {
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.Is(unicode.Han, r):
			j := i + size
			for j < len(text) {
				r2, sz := utf8.DecodeRuneInString(text[j:])
				if !unicode.Is(unicode.Han, r2) {
					break
				}
				j += sz
			}
			dst = s.appendHan(dst, text[i:j])
			i = j
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			j := i + size
			for j < len(text) {
				r2, sz := utf8.DecodeRuneInString(text[j:])
				if unicode.Is(unicode.Han, r2) || !(unicode.IsLetter(r2) || unicode.IsDigit(r2)) {
					break
				}
				j += sz
			}
			dst = append(dst, strings.ToLower(foldWidth(text[i:j])))
			i = j
		default:
			i += size
		}
	}
	return dst
}

// foldWidth turns full-width letters and digits into ASCII.
func foldWidth(s string) string {
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E {
			return strings.Map(func(r rune) rune {
				if r >= 0xFF01 && r <= 0xFF5E {
					return r - 0xFEE0
				}
				return r
			}, s)
		}
	}
	return s
}

// appendHan segments one run of ideographs by dynamic programming from
// its end: best[i] is the least cost of segmenting run[i:], a word costs
// its IDF and a character no word covers costs more than any word.
func (s *Segmenter) appendHan(dst []string, run string) []string {
	// Byte offsets of the characters, and one past the end.
	var offsBuf [64]int
	offs := offsBuf[:0]
	for i := range run {
		offs = append(offs, i)
	}
	n := len(offs)
	offs = append(offs, len(run))
	if n == 1 {
		return append(dst, run)
	}
	var bestBuf [64]float32
	var nextBuf [64]int
	var best []float32
	var next []int
	if n+1 > len(bestBuf) {
		best, next = make([]float32, n+1), make([]int, n+1)
	} else {
		best, next = bestBuf[:n+1], nextBuf[:n+1]
	}
	unknown := s.dict.maxIDF + singleCharPenalty + 2
	maxN := max(s.dict.maxRunes, s.extraN)
	best[n] = 0
	for i := n - 1; i >= 0; i-- {
		best[i] = unknown + best[i+1]
		next[i] = i + 1
		h := uint64(fnvOffset)
		for j := i + 1; j <= n && j-i <= maxN; j++ {
			h = hashAdd(h, run[offs[j-1]:offs[j]])
			c, ok := s.cost(h)
			if !ok {
				continue
			}
			if j == i+1 {
				// A character on its own is a word less often than its
				// document frequency says (it counts every word it is part
				// of): a penalty keeps rarer words such as 冒用 whole.
				c += singleCharPenalty
			}
			if v := c + best[j]; v < best[i] {
				best[i], next[i] = v, j
			}
		}
	}
	for i := 0; i < n; i = next[i] {
		dst = append(dst, run[offs[i]:offs[next[i]]])
	}
	return dst
}

// IDF is the base dictionary's inverse document frequency of word, or
// the domain weight for a domain term; ok is false for unknown words.
func (s *Segmenter) IDF(word string) (float32, bool) {
	return s.cost(hashString(word))
}
