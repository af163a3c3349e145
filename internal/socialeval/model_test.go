package socialeval

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestEvaluationParseGroups(t *testing.T) {
	ok := []struct {
		in   string
		want []Group
	}{
		{DefaultGroups, []Group{{Seq: 1, Name: "人大代表", Weight: 20, Access: ByInvitation}, {Seq: 2, Name: "政协委员", Weight: 20, Access: ByInvitation},
			{Seq: 3, Name: "社会公众", Weight: 30, Access: OpenToPublic}, {Seq: 4, Name: "新闻媒体", Weight: 10, Access: ByInvitation},
			{Seq: 5, Name: "第三方机构", Weight: 20, Access: ByInvitation}}},
		// Full-width spaces and colons, blank lines, CRLF, English words,
		// a name with a space and SQL metacharacters.
		{"\r\n人大代表　60　邀请\r\n\r\n社会公众：40：公开", []Group{{Seq: 1, Name: "人大代表", Weight: 60, Access: ByInvitation}, {Seq: 2, Name: "社会公众", Weight: 40, Access: OpenToPublic}}},
		{"O'Brien; DROP TABLE x;-- 100 invite", []Group{{Seq: 1, Name: "O'Brien; DROP TABLE x;--", Weight: 100, Access: ByInvitation}}},
	}
	for _, tc := range ok {
		got, msg := ParseGroups(tc.in)
		if msg != "" || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseGroups(%q) = %+v, %q", tc.in, got, msg)
		}
		if again, msg := ParseGroups(GroupsText(got)); msg != "" || !reflect.DeepEqual(again, got) {
			t.Errorf("round trip of %q: %+v, %q", tc.in, again, msg)
		}
	}
	eleven := ""
	for i := range 11 {
		w := 9
		if i == 10 {
			w = 10
		}
		eleven += fmt.Sprintf("组%d %d 邀请\n", i, w)
	}
	bad := map[string]string{
		"":            "请至少填写一个评议组",
		"  \n \n":     "请至少填写一个评议组",
		"人大代表 100":    "第 1 行：“人大代表 100”应写作“名称 权重 邀请（或公开）”",
		"人大代表 abc 邀请": "第 1 行：权重“abc”应为 1 至 100 的整数",
		"人大代表 20.5 邀请\n社会公众 79.5 公开":        "第 1 行：权重“20.5”应为 1 至 100 的整数；第 2 行：权重“79.5”",
		"人大代表 0 邀请\n社会公众 100 公开":            "第 1 行：权重“0”应为",
		"人大代表 +50 邀请\n社会公众 50 公开":           "权重“+50”",
		"人大代表 101 邀请":                       "权重“101”",
		"人大代表 100 随便":                       "第 1 行：填写方式应为“邀请”或“公开”，而不是“随便”",
		"人大代表 50 邀请\n\n人大代表 50 公开":          "第 3 行：评议组“人大代表”重复",
		strings.Repeat("长", 31) + " 100 邀请": "名称“长长长长长长长长长长长长长长长长长长长长…”过长（不超过 30 字）",
		"<script> 100 邀请":                   "名称不能含有“<”“>”",
		"人大代表 50 邀请\n社会公众 40 公开":            "各评议组的权重合计应为 100，现为 90",
		eleven: "评议组不能超过 10 个",
		strings.Repeat("\n", 200) + "a 100 邀请": "行数过多",
		strings.Repeat("长", 5001):              "评议组过长",
		"人大代表\x00 100 邀请":                      "含有无法识别的字符",
		"a\nb\nc\nd\ne\nf\ng":                  "第 5 行",
	}
	for in, want := range bad {
		got, msg := ParseGroups(in)
		if got != nil || !strings.Contains(msg, want) {
			t.Errorf("ParseGroups(%.40q) = %v, %q; want %q", in, got, msg, want)
		}
	}
	// At most five line messages.
	if _, msg := ParseGroups("a\nb\nc\nd\ne\nf\ng"); strings.Contains(msg, "第 6 行") || strings.Count(msg, "；") != 4 {
		t.Errorf("seven wrong lines: %q", msg)
	}
}

func TestEvaluationParseIndicators(t *testing.T) {
	dims, msg := ParseIndicators(DefaultIndicators)
	if msg != "" || len(dims) != 5 || countLeaves(dims) != 12 {
		t.Fatalf("defaults: %d dimensions, %q", len(dims), msg)
	}
	names := []string{"决策公开", "管理服务公开", "执行和结果公开", "政务公开平台建设", "依申请公开"}
	for i, d := range dims {
		sum := 0
		for _, c := range d.Children {
			sum += c.Weight
		}
		if d.Name != names[i] || d.Weight != 20 || sum != 100 || len(d.Children) < 2 || len(d.Children) > 3 {
			t.Errorf("default dimension %d: %+v", i, d)
		}
	}
	again, msg := ParseIndicators(IndicatorsText(dims))
	if msg != "" || !reflect.DeepEqual(again, dims) {
		t.Errorf("round trip: %q", msg)
	}
	// Children by "-", "－", "·", or indentation (spaces, tab, full width).
	for _, in := range []string{"决策公开 100\n- 甲 60\n- 乙 40", "决策公开 100\n－甲 60\n·乙 40", "决策公开 100\n  甲 60\n\t乙 40", "决策公开：100\n\u3000甲：60\n  - 乙 40"} {
		got, msg := ParseIndicators(in)
		if msg != "" || len(got) != 1 || len(got[0].Children) != 2 || got[0].Children[0].Name != "甲" || got[0].Children[1].Weight != 40 {
			t.Errorf("ParseIndicators(%q) = %q", in, msg)
		}
	}
	var many, wide, leaves strings.Builder
	for i := range 11 {
		fmt.Fprintf(&many, "维度%d 9\n- 指标 100\n", i)
	}
	wide.WriteString("决策公开 100\n")
	for i := range 11 {
		fmt.Fprintf(&wide, "- 指标%d 9\n", i)
	}
	for i := range 10 {
		fmt.Fprintf(&leaves, "维度%d 10\n", i)
		for j := range 7 {
			w := 14
			if j == 6 {
				w = 16
			}
			fmt.Fprintf(&leaves, "- 指标%d %d\n", j, w)
		}
	}
	bad := map[string]string{
		"":                         "请至少填写一个一级指标",
		"- 甲 100":                  "第 1 行：二级指标“甲”前面缺少它所属的一级指标",
		"决策公开 100":                 "第 1 行：一级指标“决策公开”下至少要有一个二级指标",
		"决策公开 100\n- 甲 60\n- 乙 30": "第 1 行：“决策公开”下各二级指标的权重合计应为 100，现为 90",
		"决策公开 50\n- 甲 100":         "各一级指标的权重合计应为 100，现为 50",
		"决策公开 50\n- 甲 100\n决策公开 50\n- 乙 100":              "第 3 行：一级指标“决策公开”重复",
		"决策公开 100\n- 甲 50\n- 甲 50":                        "第 3 行：“决策公开”下的二级指标“甲”重复",
		"决策公开 100\n- 甲 x":                                 "第 2 行：权重“x”应为 1 至 100 的整数",
		"决策公开\n- 甲 100":                                   "第 1 行：“决策公开”应写作“名称 权重”",
		"决策公开 100\n- 100":                                 "第 2 行：“100”应写作“名称 权重”",
		"决策公开 100\n- " + strings.Repeat("长", 31) + " 100": "第 2 行：名称",
		many.String():                "一级指标不能超过 10 个",
		wide.String():                "“决策公开”下的二级指标不能超过 10 个",
		leaves.String():              "二级指标合计不能超过 60 个（现为 70 个）",
		strings.Repeat("a 1\n", 121): "行数过多",
		"决策公开 100\n- 甲\x07 100":      "无法识别的字符",
	}
	for in, want := range bad {
		got, msg := ParseIndicators(in)
		if got != nil || !strings.Contains(msg, want) {
			t.Errorf("ParseIndicators(%.40q) = %v, %q; want %q", in, got, msg, want)
		}
	}
}

func TestEvaluationFieldsCheck(t *testing.T) {
	m, _, _ := Fields{Title: "", Year: "20x", Intro: strings.Repeat("长", MaxIntro+1), Groups: "", Indicators: ""}.check(&Campaign{})
	for _, k := range []string{"title", "year", "intro", "groups", "indicators"} {
		if m[k] == "" {
			t.Errorf("no message for %s", k)
		}
	}
	m, _, _ = Fields{Title: "a\nb", Year: "1999", Groups: DefaultGroups, Indicators: DefaultIndicators}.check(&Campaign{})
	if m["title"] == "" || m["year"] == "" || len(m) != 2 {
		t.Errorf("messages %v", m)
	}
	c := &Campaign{}
	m, g, d := Fields{Title: " <script>alert(1)</script> ", Year: " 2026 ", Groups: DefaultGroups, Indicators: DefaultIndicators}.check(c)
	if len(m) != 0 || len(g) != 5 || len(d) != 5 || c.Title != "<script>alert(1)</script>" || c.Year != 2026 {
		t.Errorf("good fields: %v %+v", m, c)
	}
}

func TestEvaluationPoints(t *testing.T) {
	for _, tc := range []struct {
		p             Points
		text, changed string
	}{
		{8735, "87.35", "+87.35"}, {320, "3.20", "+3.20"}, {-105, "-1.05", "−1.05"}, {0, "0.00", "0.00"}, {10000, "100.00", "+100.00"}, {-5, "-0.05", "−0.05"},
	} {
		if tc.p.String() != tc.text || tc.p.Change() != tc.changed {
			t.Errorf("%d: %q %q", tc.p, tc.p.String(), tc.p.Change())
		}
	}
	for x, want := range map[float64]Points{80.666666: 8067, 76.664: 7666, 100: 10000, 20: 2000, 80.005000001: 8001} {
		if got := PointsOf(x); got != want {
			t.Errorf("PointsOf(%v) = %d, want %d", x, got, want)
		}
	}
	if (Cell{}).String() != "—" || (Delta{}).String() != "—" || (Delta{P: -105, OK: true}).Words() != "下降 1.05" || (Delta{OK: true}).Words() != "持平" {
		t.Error("missing cells")
	}
	if (Cell{}).JSON() != nil || *(Cell{P: 8735, OK: true}).JSON() != 87.35 {
		t.Error("JSON cells")
	}
}

func TestEvaluationActionFlags(t *testing.T) {
	for _, tc := range []struct {
		days    int
		state   ActionState
		overdue bool
		soon    bool
		flag    string
	}{
		{-3, ActionOpen, true, false, "已逾期 3 天"},
		{0, ActionOpen, false, true, "即将到期（今天到期）"},
		{7, ActionOpen, false, true, "即将到期（还剩 7 天）"},
		{8, ActionOpen, false, false, ""},
		{-3, ActionDone, false, false, ""},
	} {
		a := Action{DaysLeft: tc.days, State: tc.state}
		if a.Overdue() != tc.overdue || a.DueSoon() != tc.soon || a.Flag() != tc.flag {
			t.Errorf("%+v: overdue %v soon %v flag %q", tc, a.Overdue(), a.DueSoon(), a.Flag())
		}
	}
}

func TestEvaluationReportTitle(t *testing.T) {
	if (&Campaign{Title: "2025年度政务公开工作社会评议"}).ReportTitle() != "2025年度政务公开工作社会评议报告" ||
		(&Campaign{Title: "2025年度满意度调查"}).ReportTitle() != "2025年度满意度调查评议报告" {
		t.Error("report titles")
	}
}
