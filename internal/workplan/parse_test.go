package workplan_test

import (
	"os"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/workplan"
)

// TestParseSeed reads the bureau's published 2022 work points (the
// project's seed, copied to testdata) exactly as published.
func TestParseSeed(t *testing.T) {
	b, err := os.ReadFile("testdata/mzzj-2022.txt")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != workplan.Sample2022 {
		t.Fatal("the embedded sample differs from testdata/mzzj-2022.txt")
	}
	d := workplan.Parse(string(b), 0)
	if !d.OK() {
		t.Fatalf("errors: %v", d.RowErrors())
	}
	if d.Title != "2022年上海市民族和宗教事务局政务公开工作要点" || d.Year != 2022 {
		t.Errorf("title %q, year %d", d.Title, d.Year)
	}
	if !strings.HasPrefix(d.Intro, "2022年本单位政务公开工作要以习近平新时代中国特色社会主义思想为指导") {
		t.Errorf("intro: %q", d.Intro)
	}
	want := []struct {
		heading string
		points  []string
	}{
		{"加强信息公开 保障社会稳定", []string{"（一）做好民族宗教领域疫情防控信息公开", "（二）推进民族宗教系统单位信息公开"}},
		{"加强公开规范 回应社会关切", []string{"（一）开展规范性文件动态公开", "（二）以政务公开积极回应社会关切", "（三）落实重大行政决策公众参与程序", "（四）开展有民族宗教特点的政府开放日活动"}},
		{"加强平台建设 提高公开质量", []string{"（一）进一步细化公开标准目录编制", "（二）进一步强化政务公开平台建设"}},
		// As published, 四 has no (三).
		{"加强政策解读 积极引导舆论", []string{"（一）严格落实政务公开的主体责任", "（二）加强政务新媒体管理责任", "（四）落实政务公开平台维护的主体责任"}},
		{"加强公开保障 抓好工作落实", []string{"（一）完善信息公开工作领导和协调机制", "（二）做好政务公开工作指导培训", "（三）强化信息公开监督和考核评估"}},
	}
	if len(d.Parts) != len(want) {
		t.Fatalf("%d parts, want %d", len(d.Parts), len(want))
	}
	for i, w := range want {
		p := d.Parts[i]
		if p.Number != workplan.ChineseNumeral(i+1) || p.Title != w.heading {
			t.Errorf("part %d: %s、%s", i+1, p.Number, p.Title)
		}
		if len(p.Tasks) != len(w.points) {
			t.Errorf("part %s: %d points, want %d", p.Number, len(p.Tasks), len(w.points))
			continue
		}
		for j, title := range w.points {
			got := p.Tasks[j]
			if got.Number+got.Title != title {
				t.Errorf("%s%s: %q, want %q", p.Number, got.Number, got.Number+got.Title, title)
			}
			if got.Body == "" || got.Due != civil.New(2022, 12, 31) || got.DueRule == "" {
				t.Errorf("%s%s: body %d chars, due %s (%s)", p.Number, got.Number, len(got.Body), got.Due, got.DueRule)
			}
		}
	}
	if d.Tasks() != 14 {
		t.Errorf("%d tasks, want 14", d.Tasks())
	}
	// IPv6 by the year end: 三(二) "在今年年底前，要实现门户网站支持互联网协议第6版".
	ipv6 := d.Parts[2].Tasks[1]
	if !strings.Contains(ipv6.Body, "互联网协议第6版") || !strings.Contains(ipv6.DueRule, "今年年底") {
		t.Errorf("IPv6 point: rule %q", ipv6.DueRule)
	}
	// "年内至少听取1次" → the year end, by the "年内" rule.
	if r := d.Parts[4].Tasks[0].DueRule; !strings.Contains(r, "年内") {
		t.Errorf("五(一) rule %q", r)
	}
	// The web page's footer is not a part of the plan.
	last := d.Parts[4].Tasks[2]
	if strings.Contains(last.Body, "相关附件") || strings.Contains(last.Body, ".pdf") {
		t.Errorf("footer imported: %q", last.Body)
	}
	notes := ""
	for _, n := range d.Notes {
		notes += n.String() + "\n"
	}
	if !strings.Contains(notes, "从“（二）”跳到“（四）”") || !strings.Contains(notes, "相关附件") {
		t.Errorf("notes: %s", notes)
	}
}

func TestDeadlineRules(t *testing.T) {
	for _, tc := range []struct {
		text, want, rule string
	}{
		{"6月底前完成目录编制", "2022-06-30", "该月最后一天"},
		{"六月底前完成", "2022-06-30", "该月最后一天"},
		{"二月末前完成", "2022-02-28", "该月最后一天"},
		{"9月份完成改版", "2022-09-30", "该月最后一天"},
		{"9月15日前报送", "2022-09-15", "按所写日期"},
		{"2023年3月底前完成清理", "2023-03-31", "该月最后一天"},
		{"2023年1月31日前发布年度报告", "2023-01-31", "按所写日期"},
		{"6月前上线", "2022-05-31", "上月最后一天"},
		{"上半年完成", "2022-06-30", "6 月 30 日"},
		{"下半年启动", "2022-12-31", "12 月 31 日"},
		{"第三季度完成", "2022-09-30", "季度最后一天"},
		{"一季度末前", "2022-03-31", "季度最后一天"},
		{"每季度更新一次", "2022-12-31", "长期工作"},
		{"在今年年底前，要实现门户网站支持互联网协议第6版", "2022-12-31", "今年年底"},
		{"年内至少听取1次工作汇报", "2022-12-31", "年内"},
		{"长期坚持", "2022-12-31", "长期工作"},
		{"持续发布疫情防控信息", "2022-12-31", "长期工作"},
		{"3月召开推进会，部署全年工作", "2022-12-31", "全年"},
		{"3月召开推进会", "2022-12-31", "未写明期限"},
		{"拨打12345热线，第6版", "2022-12-31", "未写明期限"},
		{"6月底前完成方案，年底前全面完成", "2022-06-30", "6月底前"},
		{"年底前完成，9月15日前先行报送", "2022-09-15", "9月15日前"},
	} {
		got, rule, err := workplan.DeadlineOf(tc.text, 2022)
		if err != nil {
			t.Errorf("%q: %v", tc.text, err)
			continue
		}
		if got.String() != tc.want || !strings.Contains(rule, tc.rule) {
			t.Errorf("%q: %s (%s), want %s (%s)", tc.text, got, rule, tc.want, tc.rule)
		}
	}
	for _, bad := range []string{"13月底前完成", "2月30日前完成", "2月29日前完成", "0月底前", "9月31日前", "3099年3月底前"} {
		if _, _, err := workplan.DeadlineOf(bad, 2022); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if d, _, err := workplan.DeadlineOf("2月29日前完成", 2024); err != nil || d.String() != "2024-02-29" {
		t.Errorf("leap day: %s %v", d, err)
	}
}

func TestParseSubtasksAndDivisions(t *testing.T) {
	d := workplan.Parse(`2023年某局政务公开工作要点

一、深化主动公开
（一）做好年度报告。1月31日前发布上一年度报告（责任处室：办公室）。
1. 汇总各处室数据。1月15日前完成。
2. 起草并报审年度报告。
（二）动态更新规范性文件库，6月底前完成清理。
这一段是（二）的说明，续在正文中。
二、回应社会关切
(一)开展政府开放日活动，10月底前至少举办1次。
`, 0)
	if !d.OK() {
		t.Fatalf("errors: %v", d.RowErrors())
	}
	if d.Year != 2023 || len(d.Parts) != 2 {
		t.Fatalf("year %d, %d parts", d.Year, len(d.Parts))
	}
	p := d.Parts[0].Tasks[0]
	if p.Due.String() != "2023-01-31" || p.Division != "办公室" || len(p.Subtasks) != 2 {
		t.Fatalf("point: %s %q %d", p.Due, p.Division, len(p.Subtasks))
	}
	if s := p.Subtasks[0]; s.Number != "1." || s.Due.String() != "2023-01-15" {
		t.Errorf("sub-task 1: %s %s", s.Number, s.Due)
	}
	if s := p.Subtasks[1]; s.Due.String() != "2023-01-31" || !strings.Contains(s.DueRule, "与所属要点相同") {
		t.Errorf("sub-task 2 inherits: %s %s", s.Due, s.DueRule)
	}
	if q := d.Parts[0].Tasks[1]; q.Title != "动态更新规范性文件库，6月底前完成清理" || q.Due.String() != "2023-06-30" ||
		!strings.Contains(q.Body, "续在正文中") {
		t.Errorf("point 2: %q %s %q", q.Title, q.Due, q.Body)
	}
	if q := d.Parts[1].Tasks[0]; q.Number != "（一）" || q.Due.String() != "2023-10-31" {
		t.Errorf("ASCII parentheses: %s %s", q.Number, q.Due)
	}
	if d.Tasks() != 5 {
		t.Errorf("%d tasks", d.Tasks())
	}
}

// TestParseBadInput: clear messages, by line, for what cannot be imported.
func TestParseBadInput(t *testing.T) {
	for name, tc := range map[string]struct {
		text string
		year int
		want string
	}{
		"empty":             {"   \n ", 2022, "请粘贴"},
		"oversized":         {"一、标题\n（一）要点。" + strings.Repeat("长", workplan.MaxImportRunes), 2022, "文本过长"},
		"control character": {"一、标题\n（一）要点\x00。", 2022, "无法识别的字符"},
		"invalid UTF-8":     {"一、标题\n（一）要点\xff。", 2022, "无法识别的字符"},
		"no headings":       {"今年要做好政务公开工作。", 2022, "没有找到"},
		"point first":       {"（一）没有部分。\n一、部分\n（一）要点。", 2022, "第 1 行：要点“（一）”前面没有"},
		"duplicate point":   {"一、部分\n（一）甲。\n（一）乙。", 2022, "第 3 行：要点序号“（一）”在“一、”中重复"},
		"duplicate part":    {"一、部分\n（一）甲。\n一、又一部分\n（一）乙。", 2022, "第 3 行：部分序号“一、”重复"},
		"orphan text":       {"一、部分\n这段话不属于任何要点。\n（一）甲。", 2022, "第 2 行"},
		"empty part":        {"一、部分\n（一）甲。\n二、空的部分", 2022, "下没有要点"},
		"empty point":       {"一、部分\n（一）", 2022, "没有内容"},
		"long title":        {"一、部分\n（一）" + strings.Repeat("长", 130), 2022, "超过 120 个字"},
		"no year":           {"某局政务公开工作要点\n一、部分\n（一）甲。", 0, "无法确定计划年度"},
		"bad month":         {"一、部分\n（一）甲。13月底前完成。", 2022, "“13月底前”不是有效的月份"},
		"bad day":           {"一、部分\n（一）甲。2月30日前完成。", 2022, "“2月30日前”不是有效的日期"},
		"too many tasks":    {manyTasks(), 2022, "要点和子任务过多（330 项）"},
	} {
		d := workplan.Parse(tc.text, tc.year)
		if d.OK() {
			t.Errorf("%s: accepted", name)
			continue
		}
		all := ""
		for _, e := range d.RowErrors() {
			all += e.String() + "\n"
		}
		if !strings.Contains(all, tc.want) {
			t.Errorf("%s: %s, want %q", name, all, tc.want)
		}
	}
	// Hostile text is text: it is kept as typed (and escaped when shown).
	d := workplan.Parse("一、<script>alert(1)</script>\n（一）'; DROP TABLE workplans; --。正文 <img src=x onerror=alert(1)>", 2022)
	if !d.OK() || d.Parts[0].Title != "<script>alert(1)</script>" || d.Parts[0].Tasks[0].Title != "'; DROP TABLE workplans; --" {
		t.Errorf("hostile text: %v", d.RowErrors())
	}
}

// manyTasks is 30 parts of 11 points each: more than MaxTasks.
func manyTasks() string {
	var b strings.Builder
	for i := 1; i <= 30; i++ {
		b.WriteString(workplan.ChineseNumeral(i) + "、部分\n")
		for j := 1; j <= 11; j++ {
			b.WriteString("（" + workplan.ChineseNumeral(j) + "）要点。\n")
		}
	}
	return b.String()
}

func TestCheckLink(t *testing.T) {
	for _, ok := range []string{"/o/mzzj/items/12", "/console/opendays/3", "/o/mzzj/opendays?x=1#a", "https://www.shanghai.gov.cn/nw12344/index.html", "http://example.gov.cn"} {
		if msg := workplan.CheckLink(ok); msg != "" {
			t.Errorf("%q refused: %s", ok, msg)
		}
	}
	for _, bad := range []string{"", "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "data:text/html,<b>x</b>", "vbscript:x",
		"//evil.example/x", "/\\evil.example", "ftp://x.example/a", "https://user:pw@x.example/", "https:///nohost", "/o/../../etc/passwd",
		"items/12", "mailto:a@b.c", "/o/mzzj/items/1\n2", "/a\"onmouseover=alert(1)", strings.Repeat("/a", 300)} {
		if workplan.CheckLink(bad) == "" {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestStatusOf(t *testing.T) {
	today := civil.New(2022, 7, 1)
	for _, tc := range []struct {
		percent  int
		reported bool
		due      civil.Date
		want     workplan.Status
	}{
		{0, false, civil.New(2022, 12, 31), workplan.NotStarted},
		{0, true, civil.New(2022, 12, 31), workplan.InProgress},
		{40, true, civil.New(2022, 12, 31), workplan.InProgress},
		{40, true, civil.New(2022, 6, 30), workplan.Overdue},
		{0, false, civil.New(2022, 6, 30), workplan.Overdue},
		{40, true, civil.New(2022, 7, 1), workplan.InProgress}, // due today is not late
		{100, true, civil.New(2022, 6, 30), workplan.Done},
	} {
		if got := workplan.StatusOf(tc.percent, tc.reported, tc.due, today); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc, got, tc.want)
		}
	}
}

func TestHearingDueOn(t *testing.T) {
	for md, want := range map[string]string{"11-30": "2026-11-30", "9-5": "2026-09-05", "12-31": "2026-12-31", "02-30": "2026-11-30", "x": "2026-11-30", "02-29": "2026-11-30"} {
		if got := workplan.HearingDueOn(2026, md).String(); got != want {
			t.Errorf("%s: %s, want %s", md, got, want)
		}
	}
}
