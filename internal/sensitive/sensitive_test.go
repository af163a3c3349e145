package sensitive

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func hits(hs []Hit, text string) string {
	var parts []string
	for _, h := range hs {
		parts = append(parts, fmt.Sprintf("%s@%q", h.Word, text[h.Start:h.End]))
	}
	return strings.Join(parts, " | ")
}

func TestFind(t *testing.T) {
	m, err := New([]string{"内部", "内部资料", "部资", "绝密", "Secret", "top secret", "ABC公司", "ass", "C++", "１２３４"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, text, want string
	}{
		{"none", "关于做好宗教活动场所疫情防控工作的通知", ""},
		{"one", "此件绝密，请勿外传", `绝密@"绝密"`},
		{"overlapping", "这是内部资料。", `内部@"内部" | 内部资料@"内部资料" | 部资@"部资"`},
		{"repeated", "绝密绝密", `绝密@"绝密" | 绝密@"绝密"`},
		{"case", "TOP SECRET document", `top secret@"TOP SECRET" | Secret@"SECRET"`},
		{"full-width Latin", "标注ＳＥＣＲＥＴ字样", `Secret@"ＳＥＣＲＥＴ"`},
		{"spaces inside", "内 部\n资　料", `内部@"内 部" | 内部资料@"内 部\n资\u3000料" | 部资@"部\n资"`},
		{"zero-width inside", "绝\u200b密", `绝密@"绝\u200b密"`},
		{"word with space, text without", "a topsecret b", `top secret@"topsecret"`},
		{"Latin word boundary", "the secretary and class", ""},
		{"Latin boundary digit", "secret2", ""},
		{"Latin next to Chinese", "这是secret文件", `Secret@"secret"`},
		{"mixed word", "委托ａｂｃ 公司办理", `ABC公司@"ａｂｃ 公司"`},
		{"mixed word inside Latin", "xabc公司", ""},
		{"punctuation word", "学习C++语言", `C++@"C++"`},
		{"full-width digits word", "编号1234号", `１２３４@"1234"`},
		{"digits inside longer number", "12345", ""},
		{"invalid UTF-8 breaks a match", "绝\xff密", ""},
		{"empty text", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := hits(m.Find(tc.text), tc.text)
			if got != tc.want {
				t.Errorf("Find(%q) = %s, want %s", tc.text, got, tc.want)
			}
			if m.Contains(tc.text) != (tc.want != "") {
				t.Errorf("Contains(%q) disagrees with Find", tc.text)
			}
		})
	}
}

func TestOffsets(t *testing.T) {
	m, _ := New([]string{"机密"})
	text := "前缀机密后缀"
	h := m.Find(text)
	if len(h) != 1 || h[0].Start != len("前缀") || h[0].End != len("前缀机密") || h[0].Word != "机密" {
		t.Fatalf("Find = %+v", h)
	}
}

func TestNewNormalises(t *testing.T) {
	m, err := New([]string{"机密", " 机密 ", "机　密", "ＡＢ", "ab", "Ab"})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Words(); !slices.Equal(got, []string{"机密", "ＡＢ"}) {
		t.Errorf("Words = %q", got)
	}
	if m.Len() != 2 {
		t.Errorf("Len = %d", m.Len())
	}
}

func TestNewErrors(t *testing.T) {
	var we *WordError
	_, err := New([]string{"机密", "  "})
	if !errors.As(err, &we) || we.Line != 2 || !errors.Is(err, ErrEmptyWord) {
		t.Errorf("empty word: %v", err)
	}
	_, err = New([]string{strings.Repeat("密", MaxWordRunes+1)})
	if !errors.As(err, &we) || we.Line != 1 || !errors.Is(err, ErrWordTooLong) {
		t.Errorf("long word: %v", err)
	}
	if _, err := New([]string{strings.Repeat("密", MaxWordRunes)}); err != nil {
		t.Errorf("a word of the maximum length: %v", err)
	}
	many := make([]string, MaxWords+1)
	for i := range many {
		many[i] = fmt.Sprintf("词%d", i)
	}
	if _, err := New(many); !errors.Is(err, ErrTooManyWords) {
		t.Errorf("too many words: %v", err)
	}
	if _, err := New(many[:MaxWords]); err != nil {
		t.Errorf("MaxWords words: %v", err)
	}
	// Duplicates do not count towards the limit.
	dups := append(append([]string{}, many[:MaxWords]...), many[0], many[1])
	if _, err := New(dups); err != nil {
		t.Errorf("duplicates: %v", err)
	}
}

func TestEmptyAndNil(t *testing.T) {
	var nilM *Matcher
	if nilM.Find("绝密") != nil || nilM.Len() != 0 || nilM.Words() != nil || nilM.Contains("x") {
		t.Error("nil matcher")
	}
	m, err := New(nil)
	if err != nil || m.Find("绝密") != nil {
		t.Errorf("empty matcher: %v", err)
	}
}

func TestParseList(t *testing.T) {
	words, err := ParseList("\ufeff# 本局敏感词\n机密\r\n\n  绝密  \n＃注释\n机密\nTop Secret\n\t\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"机密", "绝密", "Top Secret"}; !slices.Equal(words, want) {
		t.Errorf("ParseList = %q, want %q", words, want)
	}
	_, err = ParseList("机密\n\n" + strings.Repeat("长", MaxWordRunes+1) + "\n")
	var we *WordError
	if !errors.As(err, &we) || we.Line != 3 || !errors.Is(err, ErrWordTooLong) {
		t.Errorf("long line: %v", err)
	}
	_, err = ParseList("机密\n\u200b\n")
	if !errors.As(err, &we) || we.Line != 2 || !errors.Is(err, ErrEmptyWord) {
		t.Errorf("invisible word: %v", err)
	}
	var b strings.Builder
	for i := 0; i <= MaxWords; i++ {
		fmt.Fprintf(&b, "词%d\n", i)
	}
	if _, err := ParseList(b.String()); !errors.Is(err, ErrTooManyWords) {
		t.Errorf("too many lines: %v", err)
	}
	if words, err := ParseList(""); err != nil || len(words) != 0 {
		t.Errorf("empty list: %q %v", words, err)
	}
	if !strings.Contains(we.Error(), "2") {
		t.Errorf("WordError message %q lacks the line", we.Error())
	}
}

// naive finds the hits by trying every word at every position.
func naive(words []string, text string) []Hit {
	type nr struct {
		r          rune
		start, end int
	}
	var rs []nr
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if f, ok := fold(r); ok {
			rs = append(rs, nr{f, i, i + n})
		}
		i += n
	}
	m := &Matcher{}
	var out []Hit
	for _, w := range words {
		wr := normalize(w)
		var b uint8
		if latinAlnum(wr[0]) {
			b |= 1
		}
		if latinAlnum(wr[len(wr)-1]) {
			b |= 2
		}
		for i := 0; i+len(wr) <= len(rs); i++ {
			ok := true
			for j := range wr {
				if rs[i+j].r != wr[j] {
					ok = false
					break
				}
			}
			if ok && m.boundaryOK(text, rs[i].start, rs[i+len(wr)-1].end, b) {
				out = append(out, Hit{Word: w, Start: rs[i].start, End: rs[i+len(wr)-1].end})
			}
		}
	}
	return out
}

func sortHits(h []Hit) {
	slices.SortFunc(h, func(a, b Hit) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		if a.End != b.End {
			return a.End - b.End
		}
		return strings.Compare(a.Word, b.Word)
	})
}

func TestAgainstNaive(t *testing.T) {
	alphabet := []string{"甲", "乙", "丙", "a", "b", " ", "Ａ"}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	for round := 0; round < 300; round++ {
		var words []string
		seen := map[string]bool{}
		for len(words) < 1+rng.IntN(8) {
			w := strings.TrimSpace(pick(1 + rng.IntN(4)))
			if w == "" || seen[string(normalize(w))] {
				continue
			}
			seen[string(normalize(w))] = true
			words = append(words, w)
		}
		m, err := New(words)
		if err != nil {
			t.Fatal(err)
		}
		text := pick(rng.IntN(40))
		got, want := m.Find(text), naive(words, text)
		sortHits(got)
		sortHits(want)
		if !slices.Equal(got, want) {
			t.Fatalf("words %q text %q:\n got %v\nwant %v", words, text, got, want)
		}
	}
}

func FuzzFind(f *testing.F) {
	f.Add("内部\n内部资料\n部资", "这是内部资料")
	f.Add("secret\nABC公司", "TOP ＳＥＣＲＥＴ ａｂｃ 公司")
	f.Add("a\naa\naaa", "aaaa a\xffa")
	f.Fuzz(func(t *testing.T, list, text string) {
		words, err := ParseList(list)
		if err != nil {
			return
		}
		m, err := New(words)
		if err != nil {
			t.Fatalf("ParseList accepted %q but New refused it: %v", list, err)
		}
		for _, h := range m.Find(text) {
			if h.Start < 0 || h.Start >= h.End || h.End > len(text) {
				t.Fatalf("bad offsets %+v in %q", h, text)
			}
			if string(normalize(text[h.Start:h.End])) != string(normalize(h.Word)) {
				t.Fatalf("hit %+v: %q does not match %q", h, text[h.Start:h.End], h.Word)
			}
		}
	})
}

// benchData is a 20,000-character document and 2,000 words of two to four
// characters, most of which do not occur.
func benchData() ([]string, string) {
	rng := rand.New(rand.NewPCG(3, 4))
	common := []rune("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处府")
	var words []string
	seen := map[string]bool{}
	for len(words) < 2000 {
		n := 2 + rng.IntN(3)
		var b strings.Builder
		for range n {
			b.WriteRune(common[rng.IntN(len(common))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	var doc strings.Builder
	for i := 0; i < 20000; i++ {
		switch {
		case i%37 == 36:
			doc.WriteRune('，')
		case i%101 == 100:
			doc.WriteRune('\n')
		default:
			doc.WriteRune(common[rng.IntN(len(common))])
		}
	}
	return words, doc.String()
}

func BenchmarkFind(b *testing.B) {
	words, doc := benchData()
	m, err := New(words)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(doc)))
	b.ResetTimer()
	for b.Loop() {
		m.Find(doc)
	}
}

func BenchmarkNew(b *testing.B) {
	words, _ := benchData()
	for b.Loop() {
		if _, err := New(words); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSpeed keeps the benchmark's promise in the ordinary test run: a
// 20,000-character document against 2,000 words well under 10 ms.
func TestSpeed(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	words, doc := benchData()
	m, err := New(words)
	if err != nil {
		t.Fatal(err)
	}
	best := time.Hour
	for range 5 {
		start := time.Now()
		m.Find(doc)
		if d := time.Since(start); d < best {
			best = d
		}
	}
	if best > 10*time.Millisecond {
		t.Errorf("Find took %v on 20,000 characters and 2,000 words", best)
	}
}
