package textzh

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
)

func TestNormalize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"ＡＢＣ１２３", "abc123"},
		{"２０２５年第３号", "2025年第3号"},
		{"宗教　活动", "宗教 活动"},
		{"GB/T 9704—2012", "gb/t 9704—2012"},
		{"（一）［二］", "(一)[二]"},
		{"已经规范", "已经规范"},
		{"ÉCOLE", "école"},
	} {
		got := Normalize(c.in)
		if got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
		if utf8.RuneCountInString(got) != utf8.RuneCountInString(c.in) {
			t.Errorf("Normalize(%q) changed the number of characters", c.in)
		}
	}
}

func TestNormalizeDocNumber(t *testing.T) {
	want := "沪民宗规〔2022〕1号"
	for _, in := range []string{"沪民宗规〔2022〕1号", "沪民宗规[2022]1号", "沪民宗规【2022】1号", "沪民宗规(2022)1号",
		"沪民宗规（2022）1号", "沪民宗规［２０２２］１号", "沪民宗规 〔2022〕 1号", "沪民宗规﹝2022﹞1号"} {
		if got := NormalizeDocNumber(in); got != want {
			t.Errorf("NormalizeDocNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTokens(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"宗教", []string{"宗", "宗教", "教"}},
		{"清真食品", []string{"清", "清真", "真食", "食品", "品"}},
		{"政务公开", []string{"政", "政务", "务公", "公开", "开"}},
		{"号", []string{"号"}},
		{"2025年第3号", []string{"2025", "年", "年第", "第", "3", "号"}},
		{"２０２５年第３号", []string{"2025", "年", "年第", "第", "3", "号"}},
		{"沪民宗规〔2022〕1号", []string{"沪", "沪民", "民宗", "宗规", "规", "2022", "1", "号"}},
		{"沪民宗规[2022]1号", []string{"沪", "沪民", "民宗", "宗规", "规", "2022", "1", "号"}},
		{"宗教，活动！", []string{"宗", "宗教", "教", "活", "活动", "动"}},
		{"COVID-19疫情", []string{"covid", "19", "疫", "疫情", "情"}},
		{"GB/T9704", []string{"gb", "t", "9704"}},
		{"「」《》…—", nil},
		{"", nil},
		{strings.Repeat("a", 40), []string{strings.Repeat("a", MaxWordRunes)}},
		{"阿卜杜拉·艾力", []string{"阿", "阿卜", "卜杜", "杜拉", "拉", "艾", "艾力", "力"}},
	} {
		got := Tokens(c.in)
		if !slices.Equal(got, c.want) {
			t.Errorf("Tokens(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseQuery(t *testing.T) {
	type term struct {
		text   string
		tokens string
		prefix bool
		quoted bool
	}
	for _, c := range []struct {
		in   string
		want []term
	}{
		{"宗教", []term{{"宗教", "宗教", false, false}}},
		{"  宗教　活动 ", []term{{"宗教", "宗教", false, false}, {"活动", "活动", false, false}}},
		{"清真食品", []term{{"清真食品", "清真 真食 食品", false, false}}},
		{`"宗教 活动"`, []term{{"宗教 活动", "宗教 教 活 活动", false, true}}},
		{`“宗教活动场所”`, []term{{"宗教活动场所", "宗教 教活 活动 动场 场所", false, true}}},
		{"2025年第3号", []term{{"2025年第3号", "2025 年 年第 第 3 号", false, false}}},
		{"第3号", []term{{"第3号", "第 3 号", false, false}}},
		{"2025年", []term{{"2025年", "2025 年", false, false}}},
		{"沪民宗规〔2022〕1号", []term{{"沪民宗规〔2022〕1号", "沪民 民宗 宗规 规 2022 1 号", false, false}}},
		{"号", []term{{"号", "号", true, false}}},
		{"ＡＢＣ", []term{{"abc", "abc", false, false}}},
		{"宗教 宗教", []term{{"宗教", "宗教", false, false}}},
		{`NEAR(宗教 OR -场所*)`, []term{{"near(宗教", "near 宗 宗教", false, false}, {"or", "or", false, false}, {"-场所*)", "场所", false, false}}},
		{`"宗教`, []term{{"宗教", "宗教", false, true}}},
		{`宗教 *** "" 场所`, []term{{"宗教", "宗教", false, false}, {"场所", "场所", false, false}}},
		{"", nil},
		{"   ", nil},
	} {
		q, err := ParseQuery(c.in)
		if err != nil {
			t.Errorf("ParseQuery(%q): %v", c.in, err)
			continue
		}
		var got []term
		for _, tm := range q.Terms {
			got = append(got, term{tm.Text, strings.Join(tm.Tokens, " "), tm.Prefix, tm.Quoted})
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("ParseQuery(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		in  string
		msg string
	}{
		{strings.Repeat("宗", MaxQueryRunes+1), MsgQueryTooLong},
		{"一 二 三 四 五 六 七 八 九", MsgTooManyTerms},
		{"***", MsgNothingToQuery},
		{`"" '' -- ;;`, MsgNothingToQuery},
	} {
		_, err := ParseQuery(c.in)
		if !apperr.Is(err, apperr.Invalid) || apperr.MessageOf(err) != c.msg {
			t.Errorf("ParseQuery(%q) = %v, want %q", c.in, err, c.msg)
		}
	}
	if _, err := ParseQuery(strings.Repeat("宗", MaxQueryRunes)); err != nil {
		t.Errorf("a query of exactly %d characters: %v", MaxQueryRunes, err)
	}
}

// contains reports whether the query term is found in text by the index's
// rules (Matcher) — the property tests compare it with strings.Contains.
func found(q Query, text string) bool { return NewMatcher(q).Found(text) != 0 }

func TestMatchingIsSubstringSearchForChinese(t *testing.T) {
	text := "关于做好2025年宗教活动场所安全管理工作的通知。各区民族宗教工作部门：根据《上海市宗教事务条例》（沪人大常〔2015〕12号）。"
	for _, q := range []string{"宗教", "活动场所", "宗教活动场所安全管理", "做好", "通知", "知", "关", "务条例", "2025年宗教",
		"年宗教", "2025年", "〔2015〕12号", "[2015]12号", "沪人大常(2015)12号", "12号", "2号", "015", "通知各区"} {
		pq, err := ParseQuery(`"` + q + `"`)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{
			"宗教": true, "活动场所": true, "宗教活动场所安全管理": true, "做好": true, "通知": true, "知": true, "关": true,
			"务条例": true, "2025年宗教": true, "年宗教": true, "2025年": true, "〔2015〕12号": true, "[2015]12号": true,
			"沪人大常(2015)12号": true, "12号": true, "2号": false, "015": false,
			"通知各区": false, // the text has 通知。各区: a phrase typed without punctuation needs none

		}[q]
		if got := found(pq, text); got != want {
			t.Errorf("%q in text: %v, want %v", q, got, want)
		}
	}
}

func TestRandomSubstrings(t *testing.T) {
	// Property: for Chinese text, a query of Chinese characters is found
	// exactly when the text contains it.
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []rune("宗教活动场所安全管理清真食品政务公开民族团结工作的了是")
	for range 3000 {
		n := 1 + r.IntN(40)
		rs := make([]rune, n)
		for i := range rs {
			if r.IntN(10) == 0 {
				rs[i] = []rune("，。 1a")[r.IntN(5)]
			} else {
				rs[i] = alphabet[r.IntN(len(alphabet))]
			}
		}
		text := string(rs)
		qn := 1 + r.IntN(6)
		qs := make([]rune, qn)
		for i := range qs {
			qs[i] = alphabet[r.IntN(len(alphabet))]
		}
		if r.IntN(2) == 0 && n > qn { // often a real substring
			start := r.IntN(n - qn)
			copy(qs, rs[start:start+qn])
		}
		q := string(qs)
		if !isAllHan(q) {
			continue
		}
		pq, err := ParseQuery(q)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := found(pq, text), strings.Contains(text, q); got != want {
			t.Fatalf("%q in %q: %v, want %v", q, text, got, want)
		}
	}
}

func isAllHan(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return s != ""
}

func TestSnippet(t *testing.T) {
	body := "各区民族宗教工作部门：\n\n为进一步做好宗教活动场所安全管理工作，现将有关事项通知如下。一、提高认识。宗教活动场所要落实安全主体责任。" +
		strings.Repeat("其他内容。", 40) + "最后，清真食品监督管理另行通知。"
	q, _ := ParseQuery("宗教活动场所 安全")
	segs := Snippet(body, q, 40)
	text := SegmentsText(segs)
	if utf8.RuneCountInString(text) > 42 || !strings.Contains(text, "宗教活动场所安全管理") || !strings.HasSuffix(text, Ellipsis) {
		t.Errorf("snippet %q", text)
	}
	var hits []string
	for _, s := range segs {
		if s.Hit {
			hits = append(hits, s.Text)
		}
	}
	// Adjacent matches are marked as one.
	if len(hits) < 2 || hits[0] != "宗教活动场所安全" || hits[1] != "宗教活动场所" {
		t.Errorf("hits %q in %q", hits, text)
	}
	if strings.Contains(text, "\n") {
		t.Errorf("white space not collapsed: %q", text)
	}
	// The best window is the one with the most terms, then the most matches.
	q, _ = ParseQuery("认识")
	if text := SegmentsText(Snippet(body, q, 30)); !strings.HasPrefix(text, Ellipsis+"一、提高认识。") {
		t.Errorf("a window should start at the sentence: %q", text)
	}
	// A match far into the text.
	q, _ = ParseQuery("清真食品")
	text = SegmentsText(Snippet(body, q, 30))
	if !strings.HasPrefix(text, Ellipsis) || !strings.Contains(text, "清真食品") {
		t.Errorf("late match: %q", text)
	}
	// No match: the start of the text.
	q, _ = ParseQuery("不存在")
	segs = Snippet(body, q, 10)
	if len(segs) != 1 || segs[0].Hit || segs[0].Text != "各区民族宗教工作部门"+Ellipsis {
		t.Errorf("no match: %+v", segs)
	}
	if Snippet("短", q, 10)[0].Text != "短" {
		t.Error("short text")
	}
	if Snippet("", q, 10) != nil || Snippet("x", q, 0) != nil {
		t.Error("empty snippet")
	}
}

func TestHighlight(t *testing.T) {
	for _, c := range []struct {
		title, query string
		want         []Segment
	}{
		{"关于印发《上海市清真食品管理条例实施细则》的通知", "实施细则 清真",
			[]Segment{{"关于印发《上海市", false}, {"清真", true}, {"食品管理条例", false}, {"实施细则", true}, {"》的通知", false}}},
		{"沪民宗规〔2022〕1号", "沪民宗规[2022]1号", []Segment{{"沪民宗规〔2022〕1号", true}}},
		{"２０２５年第３号公告", "2025年", []Segment{{"２０２５年", true}, {"第３号公告", false}}},
		{"宗教团体", "宗", []Segment{{"宗", true}, {"教团体", false}}},
		{"宗教团体", "", []Segment{{"宗教团体", false}}},
		{"重叠重叠", "重叠 叠重", []Segment{{"重叠重叠", true}}},
	} {
		q, err := ParseQuery(c.query)
		if err != nil {
			t.Fatal(err)
		}
		if got := Highlight(c.title, q); !slices.Equal(got, c.want) {
			t.Errorf("Highlight(%q, %q) = %+v, want %+v", c.title, c.query, got, c.want)
		}
	}
}

func TestMatcherFound(t *testing.T) {
	q, _ := ParseQuery("宗教 清真 场所")
	m := NewMatcher(q)
	if got := m.Found("宗教活动场所"); got != 0b101 {
		t.Errorf("Found = %b", got)
	}
	if m.Found("") != 0 || NewMatcher(Query{}).Found("宗教") != 0 {
		t.Error("empty")
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"宗教", `"宗教 活动"`, "2025年第3号", "ＡＢＣ", `NEAR(a OR b) -c * ^ :`, "'; DROP TABLE x; --", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuery(s)
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("ParseQuery(%q): %v", s, err)
			}
			return
		}
		if len(q.Terms) > MaxTerms {
			t.Fatalf("%d terms", len(q.Terms))
		}
		for _, tm := range q.Terms {
			if len(tm.Tokens) == 0 {
				t.Fatalf("term %q without tokens", tm.Text)
			}
			for _, tok := range tm.Tokens {
				if tok == "" || strings.ContainsAny(tok, " \"'*:()^-|\\_{}") || !utf8.ValidString(tok) {
					t.Fatalf("token %q of %q", tok, s)
				}
			}
			if tm.Prefix && len(tm.Tokens) != 1 {
				t.Fatalf("prefix term of %d tokens", len(tm.Tokens))
			}
		}
		// The normalised form parses to the same terms (when the spaces
		// it adds between terms keep it short enough).
		if utf8.RuneCountInString(strings.ReplaceAll(q.String(), `"`, "")) > MaxQueryRunes {
			return
		}
		q2, err := ParseQuery(q.String())
		if err != nil || len(q2.Terms) != len(q.Terms) {
			t.Fatalf("re-parse of %q: %v %d/%d", q.String(), err, len(q2.Terms), len(q.Terms))
		}
	})
}

func FuzzTokens(f *testing.F) {
	for _, s := range []string{"关于做好2025年宗教活动场所安全管理工作的通知", "沪民宗规〔2022〕1号", "ＡＢＣ１２３", "\xff\xfe", "e\u0301t\u00e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks := Tokens(s)
		for _, tok := range toks {
			if tok == "" || strings.ContainsFunc(tok, unicode.IsSpace) || strings.ContainsAny(tok, `"'_|^#`) {
				t.Fatalf("token %q of %q", tok, s)
			}
			if utf8.RuneCountInString(tok) > MaxWordRunes {
				t.Fatalf("token %q too long", tok)
			}
		}
		// Tokens of the normalised text are the same.
		if !slices.Equal(Tokens(Normalize(s)), toks) {
			t.Fatalf("Tokens(Normalize(%q)) differs", s)
		}
		// Every Chinese substring of two characters is found.
		rs := []rune(Normalize(s))
		for i := 0; i+1 < len(rs) && i < 50; i++ {
			if unicode.Is(unicode.Han, rs[i]) && unicode.Is(unicode.Han, rs[i+1]) {
				q, err := ParseQuery(string(rs[i : i+2]))
				if err != nil {
					t.Fatal(err)
				}
				if !found(q, s) {
					t.Fatalf("%q not found in %q", string(rs[i:i+2]), s)
				}
			}
		}
	})
}

func FuzzSnippet(f *testing.F) {
	f.Add("各区民族宗教工作部门：为进一步做好宗教活动场所安全管理工作。", "宗教 安全", 20)
	f.Add("a\n\nb", "a", 1)
	f.Fuzz(func(t *testing.T, text, query string, n int) {
		q, err := ParseQuery(query)
		if err != nil {
			return
		}
		n = n%300 + 1
		if n <= 0 {
			n += 300
		}
		segs := Snippet(text, q, n)
		got := SegmentsText(segs)
		if utf8.RuneCountInString(got) > n+2 {
			t.Fatalf("snippet of %d runes for max %d", utf8.RuneCountInString(got), n)
		}
		for _, s := range segs {
			if s.Text == "" {
				t.Fatal("empty segment")
			}
		}
		// Highlight keeps all the text but white space.
		h := Highlight(text, q)
		noSpace := func(s string) string { return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), "") }
		if noSpace(SegmentsText(h)) != noSpace(string([]rune(text))) {
			t.Fatalf("Highlight lost text: %q → %q", text, SegmentsText(h))
		}
	})
}

// TestIdeographFastPaths: the shortcuts for the CJK Unified Ideographs
// block agree with the Unicode tables they skip.
func TestIdeographFastPaths(t *testing.T) {
	for r := rune(0x4E00); r <= 0x9FFF; r++ {
		if !unicode.Is(unicode.Han, r) || unicode.ToLower(r) != r {
			t.Fatalf("U+%04X: Han %v, lower U+%04X", r, unicode.Is(unicode.Han, r), unicode.ToLower(r))
		}
		if classOf(r) != han || normRune(r) != r {
			t.Fatalf("U+%04X: class %v, norm U+%04X", r, classOf(r), normRune(r))
		}
	}
}
