package search

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/textzh"
)

const (
	corpusSeed = 20250301
	corpusSize = 500
)

// corpus is the shared test corpus: corpusSize synthetic documents plus a
// few written for particular cases.
var corpus = sync.OnceValue(func() []Doc {
	docs := make([]Doc, 0, corpusSize+8)
	for i := 1; i <= corpusSize; i++ {
		docs = append(docs, Synthetic(corpusSeed, i))
	}
	extra := []Doc{
		{Title: "关于印发《上海市清真食品管理条例实施细则》的通知", DocNumber: "沪民宗规〔2022〕1号",
			Body: "各区民族宗教工作部门：现将《实施细则》印发给你们，请认真贯彻执行。联系电话：０２１－６４６７８９００。"},
		{Title: "2025年第3号公告", DocNumber: "沪民宗公[2025]3号",
			Body: "根据ＡＢＣ标准和GB/T 9704，现公告如下：宗教，活动场所应当……"},
		{Title: "宗教活动场所名录", Body: strings.Repeat("沐恩堂 地址：西藏中路316号 电话：63225029\n", 300) + "最后一行：景灵堂分堂。"},
		{Title: "政务公开工作要点", DocNumber: "沪民宗办〔2024〕12号", Body: "推进政务公开标准化规范化。" + strings.Repeat("工作要求。", 5000) + "结尾提到清真寺修缮。"},
	}
	for i, d := range extra {
		d.Source = "item"
		d.SourceID = int64(corpusSize + 1 + i)
		d.AgencyID = 99
		d.URL = fmt.Sprintf("/items/%d", d.SourceID)
		d.PublishedOn = civil.New(2025, time.March, 1+i)
		d.Kind = "通知"
		d.TopicID = 7
		d.ColumnIDs = []int64{3}
		docs = append(docs, d)
	}
	return docs
})

// corpusParts is the documented index content of each corpus document.
var corpusParts = sync.OnceValue(func() map[int64][]part {
	out := map[int64][]part{}
	for _, doc := range corpus() {
		out[doc.SourceID] = splitParts(tokenize(&doc))
	}
	return out
})

func loadCorpus(t testing.TB, d *db.DB) {
	t.Helper()
	err := d.Tx(context.Background(), func(tx db.Tx) error {
		for _, doc := range corpus() {
			if err := Index(context.Background(), tx, doc); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// searchAll pages through every hit of r and returns the source IDs in
// order, and the total.
func searchAll(t testing.TB, d *db.DB, r Request) ([]int64, Result) {
	t.Helper()
	r.Limit = MaxLimit
	var ids []int64
	var first Result
	for r.Offset = 0; ; r.Offset += r.Limit {
		res, err := Search(context.Background(), d, r)
		if err != nil {
			t.Fatalf("search %+v: %v", r, err)
		}
		if r.Offset == 0 {
			first = res
		}
		for _, h := range res.Hits {
			ids = append(ids, h.SourceID)
		}
		if len(res.Hits) < r.Limit {
			break
		}
	}
	return ids, first
}

func sortedIDs(ids []int64) []int64 {
	s := slices.Clone(ids)
	slices.Sort(s)
	return s
}

// contains is the brute-force oracle for a query of Chinese characters:
// strings.Contains on the normalised fields.
func contains(doc Doc, s string) bool {
	s = textzh.Normalize(s)
	return strings.Contains(textzh.Normalize(doc.Title), s) ||
		strings.Contains(textzh.Normalize(doc.DocNumber), s) ||
		strings.Contains(textzh.Normalize(doc.Body), s)
}

// matches is the oracle for any query: every term is a phrase of tokens in
// one field of one part (parts as documented in parts.go).
func matches(doc Doc, q textzh.Query) bool {
	for _, p := range corpusParts()[doc.SourceID] {
		all := true
		for _, t := range q.Terms {
			if !hasPhrase(p.title, t) && !hasPhrase(p.docNumber, t) && !hasPhrase(p.body, t) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func hasPhrase(toks []string, t textzh.Term) bool {
	n := len(t.Tokens)
outer:
	for i := 0; i+n <= len(toks); i++ {
		for j, want := range t.Tokens {
			got := toks[i+j]
			if j == n-1 && t.Prefix {
				if !strings.HasPrefix(got, want) {
					continue outer
				}
			} else if got != want {
				continue outer
			}
		}
		return true
	}
	return false
}

func expected(filter func(Doc) bool) []int64 {
	var ids []int64
	for _, d := range corpus() {
		if filter(d) {
			ids = append(ids, d.SourceID)
		}
	}
	slices.Sort(ids)
	return ids
}

// twoCharQueries are common words plus two-character strings drawn from
// the corpus text with a seeded generator.
func twoCharQueries() []string {
	qs := []string{"宗教", "清真", "公开", "管理", "民族", "场所", "沐恩", "条例", "细则", "号公", "堂分"}
	r := rand.New(rand.NewPCG(1, 2))
	docs := corpus()
	for len(qs) < 40 {
		rs := []rune(docs[r.IntN(len(docs))].Body)
		if len(rs) < 3 {
			continue
		}
		i := r.IntN(len(rs) - 1)
		if unicode.Is(unicode.Han, rs[i]) && unicode.Is(unicode.Han, rs[i+1]) {
			qs = append(qs, string(rs[i:i+2]))
		}
	}
	return qs
}

func TestTwoCharacterQueriesFindEveryDocument(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		loadCorpus(t, d)
		for _, q := range twoCharQueries() {
			want := expected(func(doc Doc) bool { return contains(doc, q) })
			got, res := searchAll(t, d, Request{Query: q, Sort: Date})
			if !slices.Equal(sortedIDs(got), want) {
				t.Errorf("%s: got %d hits, want %d (missing %v, extra %v)", q, len(got), len(want),
					diff(want, sortedIDs(got)), diff(sortedIDs(got), want))
			}
			if res.Total != len(want) || res.Estimated {
				t.Errorf("%s: total %d (estimated %v), want %d", q, res.Total, res.Estimated, len(want))
			}
		}
	})
}

func diff(a, b []int64) []int64 {
	var out []int64
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	if len(out) > 10 {
		out = out[:10]
	}
	return out
}

// queryTable is run on both engines and checked against the oracle.
var queryTable = []string{
	"宗教", "政务公开", "清真食品", "宗教活动场所", "宗教活动场所安全管理", "少数民族流动人口",
	"宗教 安全", "清真 食品 监督", `"宗教 活动"`, `"宗教，活动"`, "宗教，活动", "2025年", "2025年第3号",
	"第3号", "3号", "沪民宗规〔2022〕1号", "沪民宗规[2022]1号", "沪民宗公【2025】3号", "２０２５年第３号",
	"abc", "ＡＢＣ标准", "gb/t 9704", "021", "６４６７８９００", "号", "寺", "沐恩堂", "西藏中路316号",
	"景灵堂分堂", "清真寺修缮", "工作要点 清真寺", "沐恩堂 景灵堂", "不存在的词语组合", "宗教 不存在",
	"NEAR(宗教 场所)", "宗教 OR 清真", "-宗教", "宗教*", "^宗教", "宗教:场所", `'; DROP TABLE search_docs; --`,
	`"宗教`, "宗教\"", "(((宗教)))", "宗教 宗教 宗教",
}

func TestQueriesMatchTheOracle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		loadCorpus(t, d)
		for _, qs := range queryTable {
			q, err := textzh.ParseQuery(qs)
			if err != nil {
				t.Fatalf("%s: %v", qs, err)
			}
			want := expected(func(doc Doc) bool { return matches(doc, q) })
			got, res := searchAll(t, d, Request{Query: qs, Sort: Date})
			if !slices.Equal(sortedIDs(got), want) {
				t.Errorf("%s: got %d hits, want %d (missing %v, extra %v)", qs, len(got), len(want),
					diff(want, sortedIDs(got)), diff(sortedIDs(got), want))
			}
			if res.Total != len(want) {
				t.Errorf("%s: total %d, want %d", qs, res.Total, len(want))
			}
		}
	})
}

func TestOracleAgreesWithContains(t *testing.T) {
	// For Chinese text the token oracle is plain substring search.
	for _, s := range []string{"宗教活动场所", "政务公开", "清真食品管理", "景灵堂分堂", "沐恩堂"} {
		q, _ := textzh.ParseQuery(s)
		for _, doc := range corpus() {
			if len(doc.Body) > 15000 {
				continue // parts: covered elsewhere
			}
			if matches(doc, q) != contains(doc, s) {
				t.Errorf("%s on doc %d: token oracle %v, contains %v", s, doc.SourceID, matches(doc, q), contains(doc, s))
			}
		}
	}
}

// TestPostgresPlans runs the query table with each PostgreSQL plan forced.
func TestPostgresPlans(t *testing.T) {
	pg := dbtest.Postgres(t)
	loadCorpus(t, pg)
	for _, plan := range []int{planWalk, planGIN} {
		forcePlan = plan
		for _, qs := range queryTable {
			q, _ := textzh.ParseQuery(qs)
			want := expected(func(doc Doc) bool { return matches(doc, q) })
			for _, sort := range []Sort{Date, Relevance} {
				got, res := searchAll(t, pg, Request{Query: qs, Sort: sort})
				if !slices.Equal(sortedIDs(got), want) || res.Total != len(want) {
					t.Errorf("plan %d, %s: got %d hits (total %d), want %d", plan, qs, len(got), res.Total, len(want))
				}
			}
		}
	}
	forcePlan = planByCost
}

func TestEnginesReturnIdenticalHitSets(t *testing.T) {
	lite := dbtest.SQLite(t)
	pg := dbtest.Postgres(t)
	loadCorpus(t, lite)
	loadCorpus(t, pg)
	reqs := []Request{
		{Query: "宗教", AgencyIDs: []int64{1, 3}},
		{Query: "清真", Year: 2024},
		{Query: "管理", ColumnID: 2, Kind: "通知"},
		{Query: "工作 安全", TopicID: 1},
		{Query: "政务公开", FivePublic: "决策"},
		{DocNumber: "沪民宗规"},
		{DocNumber: "沪民宗规[2022]"},
		{Query: "宗教活动场所", Year: 2025, AgencyIDs: []int64{1}},
		{Year: 2023},
		{Source: "item", TopicID: 3},
	}
	for _, qs := range queryTable {
		reqs = append(reqs, Request{Query: qs})
	}
	for _, r := range reqs {
		for _, sort := range []Sort{Date, Relevance} {
			r.Sort = sort
			a, ra := searchAll(t, lite, r)
			b, rb := searchAll(t, pg, r)
			if !slices.Equal(sortedIDs(a), sortedIDs(b)) || ra.Total != rb.Total {
				t.Errorf("%+v: sqlite %d hits (total %d), postgres %d (total %d)", r, len(a), ra.Total, len(b), rb.Total)
			}
			if len(a) != len(sortedIDs(a)) || len(slices.Compact(sortedIDs(a))) != len(a) {
				t.Errorf("%+v: duplicate hits across pages", r)
			}
			if sort == Date && !slices.Equal(a, b) {
				t.Errorf("%+v: date order differs", r)
			}
		}
	}
}

func TestFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		loadCorpus(t, d)
		year := func(y int) func(Doc) bool { return func(doc Doc) bool { return doc.PublishedOn.Year == y } }
		cases := []struct {
			r    Request
			want func(Doc) bool
		}{
			{Request{Query: "宗教", AgencyIDs: []int64{1}}, func(doc Doc) bool { return doc.AgencyID == 1 && contains(doc, "宗教") }},
			{Request{AgencyIDs: []int64{2, 5, 2}}, func(doc Doc) bool { return doc.AgencyID == 2 || doc.AgencyID == 5 }},
			{Request{Year: 2024}, year(2024)},
			{Request{Query: "清真", Year: 2020}, func(doc Doc) bool { return year(2020)(doc) && contains(doc, "清真") }},
			{Request{ColumnID: 3}, func(doc Doc) bool { return slices.Contains(doc.ColumnIDs, 3) }},
			{Request{TopicID: 2, Query: "管理"}, func(doc Doc) bool { return doc.TopicID == 2 && contains(doc, "管理") }},
			{Request{Kind: "公告"}, func(doc Doc) bool { return doc.Kind == "公告" }},
			{Request{FivePublic: "结果", Kind: "通知"}, func(doc Doc) bool { return slices.Contains(doc.FivePublics, "结果") && doc.Kind == "通知" }},
			{Request{DocNumber: "沪民宗规〔2022〕1号"}, func(doc Doc) bool {
				return strings.Contains(textzh.NormalizeDocNumber(doc.DocNumber), "沪民宗规〔2022〕1号")
			}},
			{Request{DocNumber: "沪民宗规[2022]"}, func(doc Doc) bool {
				return strings.Contains(textzh.NormalizeDocNumber(doc.DocNumber), "沪民宗规〔2022〕")
			}},
			{Request{DocNumber: "沪民宗"}, func(doc Doc) bool { return strings.Contains(doc.DocNumber, "沪民宗") }},
			{Request{Source: "other"}, func(Doc) bool { return false }},
			{Request{}, func(Doc) bool { return true }},
		}
		for _, c := range cases {
			want := expected(c.want)
			got, res := searchAll(t, d, c.r)
			if !slices.Equal(sortedIDs(got), want) || res.Total != len(want) {
				t.Errorf("%+v: got %d hits (total %d), want %d; missing %v extra %v", c.r, len(got), res.Total, len(want),
					diff(want, sortedIDs(got)), diff(sortedIDs(got), want))
			}
		}
	})
}

func TestSortAndPagination(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		loadCorpus(t, d)
		byID := map[int64]Doc{}
		for _, doc := range corpus() {
			byID[doc.SourceID] = doc
		}
		for _, q := range []string{"宗教", "清真食品", ""} {
			// Date: newest first, pages disjoint and complete.
			all, res := searchAll(t, d, Request{Query: q, Sort: Date})
			if len(all) != res.Total {
				t.Errorf("%q: paged %d hits, total %d", q, len(all), res.Total)
			}
			for i := 1; i < len(all); i++ {
				if byID[all[i-1]].PublishedOn.Before(byID[all[i]].PublishedOn) {
					t.Fatalf("%q: hit %d (%v) before newer hit %d (%v)", q, i-1, byID[all[i-1]].PublishedOn, i, byID[all[i]].PublishedOn)
				}
			}
			var paged []int64
			for off := 0; off < len(all); off += 7 {
				res, err := Search(context.Background(), d, Request{Query: q, Sort: Date, Limit: 7, Offset: off})
				if err != nil {
					t.Fatal(err)
				}
				for _, h := range res.Hits {
					paged = append(paged, h.SourceID)
				}
			}
			if !slices.Equal(paged, all) {
				t.Errorf("%q: pages of 7 differ from pages of 100", q)
			}
			// Relevance: the same set, every page disjoint.
			rel, _ := searchAll(t, d, Request{Query: q})
			if !slices.Equal(sortedIDs(rel), sortedIDs(all)) {
				t.Errorf("%q: relevance set differs from date set", q)
			}
		}
		// Relevance puts title matches of the query first.
		res, err := Search(context.Background(), d, Request{Query: "清真食品管理条例实施细则"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) == 0 || res.Hits[0].SourceID != corpusSize+1 {
			t.Errorf("relevance: first hit %+v, want the title match", res.Hits)
		}
		if res.Hits[0].Score <= 0 {
			t.Errorf("relevance: score %v", res.Hits[0].Score)
		}
		res, err = Search(context.Background(), d, Request{Query: "宗教 管理"})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(res.Hits); i++ {
			if res.Hits[i].Score > res.Hits[i-1].Score {
				t.Errorf("relevance: hit %d scores %v after %v", i, res.Hits[i].Score, res.Hits[i-1].Score)
			}
		}
	})
}

func TestHighlightedSnippets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		loadCorpus(t, d)
		res, err := Search(context.Background(), d, Request{Query: "清真寺修缮"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != 1 {
			t.Fatalf("hits %d, want 1", len(res.Hits))
		}
		h := res.Hits[0]
		text := textzh.SegmentsText(h.Snippet)
		if !strings.HasPrefix(text, textzh.Ellipsis) || !strings.Contains(text, "清真寺修缮") || len([]rune(text)) > SnippetRunes+2 {
			t.Errorf("snippet %q", text)
		}
		var marked []string
		for _, s := range h.Snippet {
			if s.Hit {
				marked = append(marked, s.Text)
			}
		}
		if !slices.Equal(marked, []string{"清真寺修缮"}) {
			t.Errorf("marked %q", marked)
		}
		res, err = Search(context.Background(), d, Request{Query: "实施细则 清真"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) == 0 {
			t.Fatal("no hits")
		}
		var title []string
		for _, s := range res.Hits[0].TitleSegments {
			if s.Hit {
				title = append(title, s.Text)
			}
		}
		if !slices.Equal(title, []string{"清真", "实施细则"}) {
			t.Errorf("title marks %q in %+v", title, res.Hits[0].TitleSegments)
		}
	})
}

func TestRemoveAndRollback(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		loadCorpus(t, d)
		count := func(q string) int {
			res, err := Search(ctx, d, Request{Query: q})
			if err != nil {
				t.Fatal(err)
			}
			return res.Total
		}
		if n := count("景灵堂分堂"); n != 1 {
			t.Fatalf("before: %d", n)
		}
		// Withdraw: gone at once.
		if err := d.Tx(ctx, func(tx db.Tx) error { return Remove(ctx, tx, "item", corpusSize+3) }); err != nil {
			t.Fatal(err)
		}
		if n := count("景灵堂分堂"); n != 0 {
			t.Errorf("after remove: %d", n)
		}
		// Removing again is fine.
		if err := d.Tx(ctx, func(tx db.Tx) error { return Remove(ctx, tx, "item", corpusSize+3) }); err != nil {
			t.Fatal(err)
		}
		// Index in a transaction that rolls back: nothing.
		boom := errors.New("boom")
		doc := Doc{Source: "item", SourceID: 9001, AgencyID: 1, URL: "/items/9001", Title: "回滚测试独一无二的标题",
			Body: "独一无二", PublishedOn: civil.New(2025, 5, 5)}
		err := d.Tx(ctx, func(tx db.Tx) error {
			if err := Index(ctx, tx, doc); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if n := count("独一无二"); n != 0 {
			t.Errorf("after rollback: %d", n)
		}
		// Index, then re-index with new text and date: the old text is gone.
		if err := d.Tx(ctx, func(tx db.Tx) error { return Index(ctx, tx, doc) }); err != nil {
			t.Fatal(err)
		}
		doc.Title, doc.Body, doc.PublishedOn = "更新后的标题", "全新正文", civil.New(2026, 1, 2)
		if err := d.Tx(ctx, func(tx db.Tx) error { return Index(ctx, tx, doc) }); err != nil {
			t.Fatal(err)
		}
		if n := count("独一无二"); n != 0 {
			t.Errorf("old text still found: %d", n)
		}
		res, err := Search(ctx, d, Request{Query: "全新正文", Year: 2026})
		if err != nil || res.Total != 1 || res.Hits[0].SourceID != 9001 || res.Hits[0].Title != "更新后的标题" {
			t.Errorf("re-indexed: %+v, %v", res, err)
		}
		// A withdrawn multi-part document leaves no part behind.
		if err := d.Tx(ctx, func(tx db.Tx) error { return Remove(ctx, tx, "item", corpusSize+4) }); err != nil {
			t.Fatal(err)
		}
		if n := count("工作要求"); n != 0 {
			t.Errorf("parts left: %d", n)
		}
	})
}

func TestHostileQueries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		loadCorpus(t, d)
		ctx := context.Background()
		for _, q := range []string{`"`, `*`, `NEAR`, `OR`, `-`, `:`, `^`, `()`, `'; DROP TABLE search_docs; --`,
			`宗教"`, `"宗教" OR "清真"`, `宗教 NOT 清真`, `title:宗教`, `{title}:宗教`, `宗教 AND`, `\`, `%_`, `'`, `''`,
			"宗教\x00", "<script>alert(1)</script>", `宗教) OR (1=1`, "a_1", "z_1", "y_2025", "^宗教", "#沪民"} {
			res, err := Search(ctx, d, Request{Query: q})
			if err != nil && !apperr.Is(err, apperr.Invalid) {
				t.Errorf("%q: %v", q, err)
			}
			if err == nil && res.Total < 0 {
				t.Errorf("%q: total %d", q, res.Total)
			}
		}
		// Filter tokens cannot be reached through the query.
		for _, q := range []string{"a_1", "y_2025", "z_1", "s_6974656d"} {
			res, err := Search(ctx, d, Request{Query: q})
			if err != nil || res.Total != 0 {
				t.Errorf("%q: total %d, %v", q, res.Total, err)
			}
		}
		for _, q := range []string{"***", `"" ''`, strings.Repeat("宗", textzh.MaxQueryRunes+1), "一 二 三 四 五 六 七 八 九"} {
			_, err := Search(ctx, d, Request{Query: q})
			if !apperr.Is(err, apperr.Invalid) {
				t.Errorf("%q: %v, want Invalid", q, err)
			}
		}
		for _, r := range []Request{{Year: 99}, {Offset: MaxHits}, {DocNumber: "〔〕"}, {Kind: strings.Repeat("x", 100)}} {
			if _, err := Search(ctx, d, r); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("%+v: %v, want Invalid", r, err)
			}
		}
		// The tables are still there.
		if res, err := Search(ctx, d, Request{Query: "宗教"}); err != nil || res.Total == 0 {
			t.Errorf("after hostile queries: %v %v", res.Total, err)
		}
	})
}

func TestZeroResultSuggestions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		loadCorpus(t, d)
		ctx := context.Background()
		res, err := Search(ctx, d, Request{Query: "清真 不存在的词", AgencyIDs: []int64{99}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 0 || len(res.Suggestions) == 0 {
			t.Fatalf("%+v", res)
		}
		found := false
		for _, s := range res.Suggestions {
			if s.Query == "清真" && !s.WithoutFilters && s.Total > 0 {
				found = true
			}
			if s.Total == 0 || s.Note == "" {
				t.Errorf("suggestion %+v", s)
			}
		}
		if !found {
			t.Errorf("suggestions %+v lack 只搜索“清真”", res.Suggestions)
		}
		res, err = Search(ctx, d, Request{Query: "清真寺修缮", Year: 2001})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Suggestions) != 1 || !res.Suggestions[0].WithoutFilters || res.Suggestions[0].Total != 1 {
			t.Errorf("suggestions %+v", res.Suggestions)
		}
		res, err = Search(ctx, d, Request{Query: "宗教场所管理"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 0 || len(res.Suggestions) != 1 || res.Suggestions[0].Query != "宗教 场所 管理" {
			t.Errorf("%d %+v", res.Total, res.Suggestions)
		}
	})
}

func TestSyntheticIsDeterministic(t *testing.T) {
	a, b := Synthetic(1, 42), Synthetic(1, 42)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("Synthetic is not deterministic")
	}
	if fmt.Sprint(a) == fmt.Sprint(Synthetic(2, 42)) {
		t.Fatal("seed ignored")
	}
	n := 0
	for i := 1; i <= 200; i++ {
		d := Synthetic(1, i)
		n += len([]rune(d.Body))
		if d.Title == "" || d.PublishedOn.IsZero() || !strings.ContainsFunc(d.Body, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			t.Fatalf("doc %d: %+v", i, d)
		}
	}
	if avg := n / 200; avg < 500 || avg > 6000 {
		t.Errorf("average body %d characters", avg)
	}
}

// TestOldHitsOfACommonWord covers a word found in half of the documents,
// all of them old: the newest documents hold none, so looking for the
// newest hits among the newest documents (as a dense word invites) finds
// nothing and the search must look further.
func TestOldHitsOfACommonWord(t *testing.T) {
	for _, plan := range []int{planByCost, planWalk, planGIN} {
		t.Run(fmt.Sprint("plan", plan), func(t *testing.T) {
			forcePlan = plan
			t.Cleanup(func() { forcePlan = planByCost })
			testOldHits(t)
		})
	}
}

func testOldHits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var docs []Doc
		for i := 1; i <= 600; i++ {
			doc := Doc{Source: "item", SourceID: int64(i), AgencyID: 1, URL: "/x", Title: fmt.Sprintf("第%d号通知", i),
				Body: "一般工作安排。", PublishedOn: civil.New(2020, 1, 1).AddDays(i)}
			if i <= 300 {
				doc.Body = "旧年档案整理工作。" + doc.Body
			}
			if i <= 150 {
				doc.Body += "档案整理是一件长期的工作。"
			}
			docs = append(docs, doc)
		}
		if err := d.Tx(ctx, func(tx db.Tx) error { return IndexBatch(ctx, tx, docs) }); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"旧年", "档案整理工作", "档案 长期", "整理是一件"} {
			for _, sort := range []Sort{Date, Relevance} {
				res, err := Search(ctx, d, Request{Query: q, Sort: sort, Limit: 20})
				if err != nil {
					t.Fatal(err)
				}
				want := 300
				if q != "旧年" && q != "档案整理工作" {
					want = 150
				}
				if res.Total != want || len(res.Hits) != 20 {
					t.Errorf("%s (sort %d): total %d, %d hits; want %d, 20", q, sort, res.Total, len(res.Hits), want)
				}
				if sort == Date && len(res.Hits) > 0 && res.Hits[0].SourceID != int64(want) {
					t.Errorf("%s: newest hit %d, want %d", q, res.Hits[0].SourceID, want)
				}
			}
		}
	})
}

func TestIndexBatch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		mk := func(id int64, body string, day int) Doc {
			return Doc{Source: "item", SourceID: id, AgencyID: 1, URL: "/x", Title: "批量", Body: body,
				PublishedOn: civil.New(2024, 3, day)}
		}
		docs := []Doc{mk(1, "甲乙丙", 9), mk(2, "丁戊己", 3), mk(1, "庚辛壬", 5), mk(3, "", 7)}
		if err := d.Tx(ctx, func(tx db.Tx) error { return IndexBatch(ctx, tx, docs) }); err != nil {
			t.Fatal(err)
		}
		// A document given twice ends as the last one given.
		for q, want := range map[string]int{"甲乙丙": 0, "庚辛壬": 1, "丁戊己": 1, "批量": 3} {
			res, err := Search(ctx, d, Request{Query: q})
			if err != nil || res.Total != want {
				t.Errorf("%s: %d, %v; want %d", q, res.Total, err, want)
			}
		}
		// Index it again, one by one: nothing doubles.
		for _, doc := range docs {
			if err := d.Tx(ctx, func(tx db.Tx) error { return Index(ctx, tx, doc) }); err != nil {
				t.Fatal(err)
			}
		}
		if err := Optimize(ctx, d); err != nil {
			t.Fatal(err)
		}
		ids, res := searchAll(t, d, Request{Query: "批量", Sort: Date})
		if res.Total != 3 || !slices.Equal(ids, []int64{3, 1, 2}) {
			t.Errorf("after re-indexing: %v (total %d), want [3 1 2]", ids, res.Total)
		}
		// An invalid document is refused and leaves the batch undone.
		err := d.Tx(ctx, func(tx db.Tx) error { return IndexBatch(ctx, tx, []Doc{mk(4, "正常", 1), {Source: "item"}}) })
		if err == nil {
			t.Error("a document without ID was accepted")
		}
		if res, _ := Search(ctx, d, Request{Query: "正常"}); res.Total != 0 {
			t.Errorf("half a batch committed")
		}
	})
}

func TestKeysFollowDates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dates := []civil.Date{civil.New(1950, 10, 1), civil.New(1969, 12, 31), civil.New(1970, 1, 1), civil.New(2025, 3, 1),
			civil.New(2025, 3, 1), civil.New(2199, 12, 31)}
		var docs []Doc
		for i, day := range dates {
			docs = append(docs, Doc{Source: "item", SourceID: int64(i + 1), AgencyID: 1, URL: "/x", Title: "年代测试", PublishedOn: day})
		}
		for _, doc := range docs {
			if err := d.Tx(ctx, func(tx db.Tx) error { return Index(ctx, tx, doc) }); err != nil {
				t.Fatal(err)
			}
		}
		ids, _ := searchAll(t, d, Request{Query: "年代", Sort: Date})
		if !slices.Equal(ids, []int64{6, 5, 4, 3, 2, 1}) {
			t.Errorf("date order %v", ids)
		}
		res, err := Search(ctx, d, Request{Year: 1969})
		if err != nil || res.Total != 1 || res.Hits[0].SourceID != 2 {
			t.Errorf("year 1969: %+v %v", res, err)
		}
	})
}
