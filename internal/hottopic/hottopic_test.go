package hottopic

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/civil"
)

func TestSegment(t *testing.T) {
	s := NewSegmenter("七宝老街", "拉面店 拉面馆 兰州拉面")
	for _, tc := range []struct{ in, want string }{
		{"浦东新区有家饭店冒用清真标志牌！", "浦东新区/有/家/饭店/冒用/清真标志牌"},
		{"少数民族考生高考加分政策", "少数民族/考生/高考加分/政策"},
		{"网站附件下载显示404，ＡＰＰ也打不开", "网站/附件/下载/显示/404/app/也/打不开"},
		{"七宝老街的拉面馆", "七宝老街/的/拉面馆"},
		{"", ""},
		{"…… !!", ""},
	} {
		if got := strings.Join(s.Segment(tc.in), "/"); got != tc.want {
			t.Errorf("Segment(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if got := s.Canonical("兰州拉面"); got != "拉面店" {
		t.Errorf("the agency's synonym: %s", got)
	}
	if got := s.Canonical("清真牌子"); got != "清真标识" {
		t.Error("the built-in thesaurus is not applied")
	}
}

func FuzzSegment(f *testing.F) {
	for _, s := range []string{"假和尚在地铁站化缘", "网站404", "\xff\xfe清真", "ＡＢＣ１２３"} {
		f.Add(s)
	}
	seg := NewSegmenter()
	f.Fuzz(func(t *testing.T, in string) {
		for _, w := range seg.Segment(in) {
			if w == "" || !utf8.ValidString(w) {
				t.Fatalf("bad word %q from %q", w, in)
			}
		}
	})
}

func TestContentTerms(t *testing.T) {
	c := NewCorpus(NewSegmenter(), []Doc{{Key: "1", Day: civil.MustParse("2026-11-02"),
		Text: "您好，领导：2026年我在徐汇区天钥桥路附近看到假和尚化缘，电话13800001234，希望尽快处理，谢谢！"}})
	got := c.Terms(0)
	slices.Sort(got)
	for _, w := range got {
		switch w {
		case "您好", "领导", "希望", "尽快", "处理", "谢谢", "附近", "2026", "13800001234", "徐汇区", "天钥桥路":
			t.Errorf("%q counted as a content term", w)
		}
	}
	if !slices.Contains(got, "化缘") || !slices.Contains(got, "假和尚") {
		t.Errorf("terms %v", got)
	}
}

func TestTrending(t *testing.T) {
	end := civil.MustParse("2026-11-30")
	var docs []Doc
	// 放生 once a day for four weeks; 假和尚 once a week, then six times
	// on the last day.
	for i := 0; i < 28; i++ {
		docs = append(docs, Doc{Day: end.AddDays(-i), Text: "公园里放生外来物种"})
		if i%7 == 3 {
			docs = append(docs, Doc{Day: end.AddDays(-i), Text: "地铁里有假和尚"})
		}
	}
	for i := 0; i < 6; i++ {
		docs = append(docs, Doc{Day: end, Text: "地铁站假和尚化缘"})
	}
	c := NewCorpus(NewSegmenter(), docs)
	day := c.Trending(end, 1, 14, 2, 10)
	found := false
	for _, tr := range day {
		found = found || tr.Term == "假和尚" && tr.Count == 6 && tr.Score > 5
	}
	if !found {
		t.Fatalf("today: %+v", day)
	}
	for _, tr := range day {
		if tr.Term == "放生" {
			t.Errorf("a steady term rises: %+v", tr)
		}
	}
	if got := c.Daily([]int{0, 1, 2}, end.AddDays(-2), end); len(got) != 3 {
		t.Errorf("daily: %v", got)
	}
}

func TestEvaluate(t *testing.T) {
	labels := []string{"a", "a", "a", "b", "b", ""}
	perfect := Evaluate(labels, []int{0, 0, 0, 1, 1, -1})
	if perfect.Precision != 1 || perfect.Recall != 1 || perfect.BCubedF1 != 1 {
		t.Errorf("perfect: %+v", perfect)
	}
	lumped := Evaluate(labels, []int{0, 0, 0, 0, 0, 0})
	if lumped.Recall != 1 || lumped.Precision > 0.3 {
		t.Errorf("one big cluster: %+v", lumped)
	}
	split := Evaluate(labels, []int{-1, -1, -1, -1, -1, -1})
	if split.Precision != 1 || split.Recall != 0 {
		t.Errorf("nothing clustered: %+v", split)
	}
}

func TestClusterSmall(t *testing.T) {
	day := civil.MustParse("2026-11-02")
	docs := []Doc{
		{Day: day, Text: "面馆冒用清真标志牌卖猪肉"},
		{Day: day, Text: "烧烤店挂清真牌子却卖猪肉，冒用清真标志"},
		{Day: day, Text: "冒用清真标志牌的拉面馆卖猪肉"},
		{Day: day, Text: "地铁站假和尚化缘送护身符要钱"},
		{Day: day, Text: "假和尚在地铁里化缘要钱"},
		{Day: day, Text: "建议网站增加英文版"},
	}
	got := NewCorpus(NewSegmenter(), docs).Cluster(Options{})
	if len(got) != 2 || len(got[0].Members) != 3 || len(got[1].Members) != 2 {
		var desc []string
		for _, k := range got {
			desc = append(desc, k.Label())
		}
		t.Fatalf("clusters %v", desc)
	}
	if !strings.Contains(got[0].Label(), "清真") || !strings.Contains(got[1].Label(), "和尚") {
		t.Errorf("labels %q, %q", got[0].Label(), got[1].Label())
	}
	if len(NewCorpus(NewSegmenter(), nil).Cluster(Options{})) != 0 {
		t.Error("clusters from nothing")
	}
}
