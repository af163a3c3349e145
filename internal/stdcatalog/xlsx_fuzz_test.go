package stdcatalog

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
)

func checkImportErr(t *testing.T, err error) {
	t.Helper()
	var ie *ImportError
	if !errors.As(err, &ie) && apperr.CodeOf(err) != apperr.Invalid && apperr.CodeOf(err) != apperr.TooLarge {
		t.Fatalf("error %v (%T)", err, err)
	}
}

// fuzzText is a cell value as a catalogue holds it: trimmed text without
// control characters.
func fuzzText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r >= 0xfffe || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	s = strings.ReplaceAll(s, "_x", "_y")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200])
	}
	return strings.TrimSpace(s)
}

func pick(rng *rand.Rand, list []Choice) []string {
	var out []string
	for _, c := range list {
		if rng.IntN(2) == 0 {
			out = append(out, c.Code)
		}
	}
	return out
}

// FuzzCatalogueRoundTrip: a catalogue exported with WriteCatalogue, with
// any text in its cells and any ticks, choices and time rules, imports back
// to the same fields; a damaged export is refused cleanly.
func FuzzCatalogueRoundTrip(f *testing.F) {
	f.Add("政府信息公开指南\t机构职能\t内设机构、职能\t《条例》第二十条\t信息形成（变更）之日起20个工作日内\t本局\t办公室", uint64(1), uint16(0), byte(0))
	f.Add("=1+1\t@x\t-\t+\t√\t■政府网站□其他\t、，", uint64(2), uint16(0), byte(0))
	f.Add("a", uint64(3), uint16(2000), byte(0x40))
	f.Fuzz(func(t *testing.T, text string, seed uint64, at uint16, flip byte) {
		parts := strings.Split(text, "\t")
		get := func(i int) string {
			if i < len(parts) {
				return fuzzText(parts[i])
			}
			return ""
		}
		rng := rand.New(rand.NewPCG(seed, 7))
		var entries []*Entry
		for i := range 1 + rng.IntN(3) {
			e := &Entry{Seq: i + 1, L1: get(0), L2: get(1), Content: get(2), Basis: get(3), TimeLimit: get(4), Subject: get(5), Division: get(6),
				Channels: pick(rng, Channels), Audiences: pick(rng, Audiences), Modes: pick(rng, Modes), Levels: pick(rng, Levels), FivePublics: pick(rng, FivePublics)}
			switch rng.IntN(3) {
			case 0:
				e.Rule = Rule{Kind: RuleNone}
			case 1:
				e.Rule = Rule{Kind: RuleFormed, Days: 1 + rng.IntN(MaxRuleDays)}
			case 2:
				m := 1 + rng.IntN(12)
				e.Rule = Rule{Kind: RuleAnnual, Month: m, Day: 1 + rng.IntN(time.Date(2024, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day())}
			}
			if rng.IntN(2) == 0 {
				e.MonitorFrom = civil.New(2020+rng.IntN(10), time.Month(1+rng.IntN(12)), 1+rng.IntN(28))
			}
			if e.L1 == "" && e.L2 == "" && e.Content == "" {
				e.L1 = "事项"
			}
			entries = append(entries, e)
		}
		var buf bytes.Buffer
		title := get(7)
		if title == "序号" {
			title = "目录" // a title row reading 序号 would be taken for the header
		}
		if err := WriteCatalogue(&buf, title, entries, nil); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if flip != 0 {
			b[int(at)%len(b)] ^= flip
		}
		got, err := ParseCatalogue("目录.xlsx", bytes.NewReader(b))
		if err != nil {
			if flip == 0 {
				t.Fatalf("own export refused: %v %v", err, errRows(err))
			}
			checkImportErr(t, err)
			return
		}
		if flip != 0 {
			return
		}
		if len(got) != len(entries) {
			t.Fatalf("%d entries exported, %d imported", len(entries), len(got))
		}
		for i, e := range entries {
			g := got[i]
			if g.Seq != e.Seq || g.L1 != e.L1 || g.L2 != e.L2 || g.Content != e.Content || g.Basis != e.Basis || g.TimeLimit != e.TimeLimit ||
				g.Subject != e.Subject || g.Division != e.Division || g.Line != 4+i {
				t.Fatalf("exported %+v, imported %+v", e, g)
			}
			for _, p := range []struct{ a, b []string }{{g.Channels, e.Channels}, {g.Audiences, e.Audiences}, {g.Modes, e.Modes}, {g.Levels, e.Levels}, {g.FivePublics, e.FivePublics}} {
				if !slices.Equal(p.a, p.b) {
					t.Fatalf("choices: exported %q, imported %q", p.b, p.a)
				}
			}
			if g.RuleKind != string(e.Rule.Kind) || (e.Rule.Kind == RuleFormed && g.RuleDays != strconv.Itoa(e.Rule.Days)) {
				t.Fatalf("rule %+v imported as %s/%s/%s", e.Rule, g.RuleKind, g.RuleDays, g.RuleDate)
			}
			if want := e.MonitorFrom.String(); g.MonitorFrom != want {
				t.Fatalf("monitor from %q imported as %q", want, g.MonitorFrom)
			}
		}
	})
}

func errRows(err error) []RowError {
	var ie *ImportError
	if errors.As(err, &ie) {
		return ie.Rows
	}
	return nil
}

// FuzzParseRule: a time rule read from a catalogue reads back from its
// code and its label, and is always one the monitor can check.
func FuzzParseRule(f *testing.F) {
	for _, s := range []string{"形成后20个工作日", "信息形成（变更）之日起二十个工作日内", "每年1月31日前", "每年2月30日前", "无", "实时更新", "１５个工作日",
		"99999999999999999999个工作日", "0个工作日", "两个工作日", "九十九个工作日", "每年13月1日", "十一十个工作日"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, ok := ParseRule(s)
		if !ok {
			return
		}
		if msg := r.valid(); msg != "" {
			t.Fatalf("ParseRule(%q) = %+v: %s", s, r, msg)
		}
		for _, again := range []string{r.Code(), r.Label()} {
			r2, ok := ParseRule(again)
			if r.Kind == RuleNone && again == r.Label() {
				continue
			}
			if !ok || r2 != r {
				t.Fatalf("ParseRule(%q) = %+v; %q reads back as %+v, %v", s, r, again, r2, ok)
			}
		}
	})
}

// FuzzParseList: a power or service list file (CSV here) gives items that
// carry their own line's code and name, or is refused with an ImportError
// or an Invalid error.
func FuzzParseList(f *testing.F) {
	head := strings.Join(listColumns, ",")
	f.Add(head + "\nQL-001,宗教活动场所设立审批,行政许可,《宗教事务条例》,宗教一处\n\nQL-002,\"多行\n名称\",行政确认,,\n")
	f.Add(head + "\nQL-001,a,,,\nQL-001,b,,,\n")
	f.Add(head + "\n,,,,\n\"x")
	f.Add("事项编码,事项名称\n1,2")
	f.Fuzz(func(t *testing.T, s string) {
		items, err := ParseList(PowerList, "清单.csv", strings.NewReader(s))
		if err != nil {
			checkImportErr(t, err)
			return
		}
		if len(items) == 0 {
			t.Fatal("no items and no error")
		}
		seen := map[string]bool{}
		for _, it := range items {
			if it.Code == "" || it.Name == "" || seen[it.Code] || it.Line < 2 {
				t.Fatalf("item %+v", it)
			}
			seen[it.Code] = true
			if strings.ContainsAny(it.Code+it.Name+it.Division, "\r\n") {
				t.Fatalf("item %+v spans lines", it)
			}
		}
	})
}

// TestParseListBlankLines: a CSV of blank lines (within the upload limit)
// is refused before its line numbers are padded into millions of empty rows.
func TestParseListBlankLines(t *testing.T) {
	text := strings.Join(listColumns, ",") + "\n" + strings.Repeat("\n", MaxImportBytes-100) + "QL-1,事项,,,\n"
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ParseList(PowerList, "清单.csv", strings.NewReader(text))
	runtime.ReadMemStats(&after)
	if apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("err = %v", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 4*MaxImportBytes {
		t.Errorf("%d MB allocated for a %d MB file", n>>20, len(text)>>20)
	}
}
