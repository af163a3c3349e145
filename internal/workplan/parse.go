package workplan

import (
	_ "embed"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

// The plan text format is the one agencies publish their work points in
// (see testdata/mzzj-2022.txt, the bureau's 2022 plan as published):
//
//	2022年上海市民族和宗教事务局政务公开工作要点 发布时间:2022-06-14   ← title (first line, optional)
//	2022年本单位政务公开工作要以……                                       ← introduction
//	一、加强信息公开 保障社会稳定                                         ← part
//	(一)做好民族宗教领域疫情防控信息公开。严格执行……                   ← point = a task: title is the first sentence
//	1. 每周更新宗教活动场所开放情况……                                   ← sub-task of the point (optional)
//	相关附件                                                               ← the web page's footer: the plan ends here
//
// Lines that are not headings continue the text of the point (or
// sub-task) above them. Parentheses may be full-width or ASCII; a part
// number may be followed by 、 or ．. Numbers must not repeat within their
// level; a gap (the published 2022 plan goes from 四(二) to 四(四)) is kept
// as written and noted in the preview.

// Import limits.
const (
	MaxImportRunes = 60_000 // a plan runs to a few thousand characters
	MaxParts       = 30
	MaxTasks       = 300 // points and sub-tasks together
	MaxTitleRunes  = 120 // the first sentence of a point
	MaxBodyRunes   = 5_000
)

// Draft is a plan parsed from text, not yet saved.
type Draft struct {
	Title string
	Year  int
	Intro string
	Parts []*DraftPart
	// Errors block saving; Notes only inform (each with its line).
	Errors []LineNote
	Notes  []LineNote
}

// LineNote is a message about a line of the text (0: the whole text).
type LineNote struct {
	Line int
	Text string
}

// String is the note with its line number in Chinese.
func (n LineNote) String() string {
	if n.Line == 0 {
		return n.Text
	}
	return "第 " + strconv.Itoa(n.Line) + " 行：" + n.Text
}

// DraftPart is a part (一、…) with its points.
type DraftPart struct {
	Line   int
	Number string // 一
	Title  string
	Tasks  []*DraftTask
}

// DraftTask is a point ((一)…) or a sub-task (1. …).
type DraftTask struct {
	Line     int
	Number   string // （一） or 1.
	Title    string
	Body     string
	Due      civil.Date
	DueRule  string
	Division string // from a "责任处室：…" note in the text, resolved on saving
	// DivisionID is Division resolved against the agency's divisions.
	DivisionID int64
	Error      string
	Subtasks   []*DraftTask
}

// Tasks counts the points and sub-tasks.
func (d *Draft) Tasks() int {
	n := 0
	for _, p := range d.Parts {
		for _, t := range p.Tasks {
			n += 1 + len(t.Subtasks)
		}
	}
	return n
}

// OK reports whether the draft can be saved.
func (d *Draft) OK() bool {
	if len(d.Errors) > 0 {
		return false
	}
	for _, p := range d.Parts {
		for _, t := range p.Tasks {
			if t.Error != "" {
				return false
			}
			for _, s := range t.Subtasks {
				if s.Error != "" {
					return false
				}
			}
		}
	}
	return true
}

// RowErrors lists every error, the text's and the rows', in line order.
func (d *Draft) RowErrors() []LineNote {
	out := append([]LineNote(nil), d.Errors...)
	for _, p := range d.Parts {
		for _, t := range p.Tasks {
			if t.Error != "" {
				out = append(out, LineNote{t.Line, t.Error})
			}
			for _, s := range t.Subtasks {
				if s.Error != "" {
					out = append(out, LineNote{s.Line, s.Error})
				}
			}
		}
	}
	return out
}

var (
	partRE    = regexp.MustCompile(`^([一二三四五六七八九十]{1,3})\s*[、，,.．]\s*(.*)$`)
	pointRE   = regexp.MustCompile(`^[（(]\s*([一二三四五六七八九十]{1,3})\s*[）)]\s*[、.．]?\s*(.*)$`)
	subRE     = regexp.MustCompile(`^(?:(\d{1,2})\s*[.．、]|[（(]\s*(\d{1,2})\s*[）)])\s*(.*)$`)
	yearRE    = regexp.MustCompile(`(\d{4})\s*年`)
	postedRE  = regexp.MustCompile(`\s*(发布时间|发布日期|来源)\s*[:：].*$`)
	footerRE  = regexp.MustCompile(`^(相关附件|附件\s*[:：\d]?.*|附\s*件)$`)
	divNoteRE = regexp.MustCompile(`[（(]?\s*(?:责任|牵头)(?:处室|部门|单位)\s*[:：]\s*([^\s，,。；;）)]{1,30})\s*[）)]?`)
)

// Parse reads plan text. year is the plan's year (0: taken from the
// title, e.g. "2022年…工作要点"); the deadlines the text implies are dates
// of that year (see DeadlineOf).
func Parse(text string, year int) *Draft {
	d := &Draft{Year: year}
	if strings.TrimSpace(text) == "" {
		d.Errors = append(d.Errors, LineNote{0, "请粘贴工作要点的全文。"})
		return d
	}
	if n := utf8.RuneCountInString(text); n > MaxImportRunes {
		d.Errors = append(d.Errors, LineNote{0, fmt.Sprintf("文本过长（%d 字），一次最多导入 %d 字。", n, MaxImportRunes)})
		return d
	}
	if web.Unreadable(text) {
		d.Errors = append(d.Errors, LineNote{0, "文本含有无法识别的字符（控制字符或无效编码），请从原文重新复制。"})
		return d
	}
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(text, "\n")

	var (
		part  *DraftPart
		task  *DraftTask // the point or sub-task the next plain line continues
		point *DraftTask
		intro []string
		seenP = map[string]bool{}
		seenT map[string]bool
		seenS map[string]bool
		lastP int
		lastT int
	)
	for i, raw := range lines {
		ln := i + 1
		line := strings.TrimSpace(spaces.Replace(raw))
		if line == "" {
			continue
		}
		if footerRE.MatchString(line) && part != nil {
			d.Notes = append(d.Notes, LineNote{ln, "“" + clip(line, 20) + "”及以后的内容是附件说明，未导入。"})
			break
		}
		if m := partRE.FindStringSubmatch(line); m != nil {
			n := chineseNumber(m[1])
			title := strings.TrimSpace(m[2])
			part = &DraftPart{Line: ln, Number: m[1], Title: title}
			task, point = nil, nil
			seenT, lastT = map[string]bool{}, 0
			switch {
			case n == 0:
				d.Errors = append(d.Errors, LineNote{ln, "“" + m[1] + "、”不是有效的序号。"})
			case seenP[m[1]]:
				d.Errors = append(d.Errors, LineNote{ln, "部分序号“" + m[1] + "、”重复。"})
			case n != lastP+1:
				d.Notes = append(d.Notes, LineNote{ln, fmt.Sprintf("部分序号从“%s、”跳到“%s、”，已按原文保留，请核对。", numberOr(lastP), m[1])})
			}
			seenP[m[1]], lastP = true, max(n, lastP)
			switch {
			case title == "":
				d.Errors = append(d.Errors, LineNote{ln, "部分“" + m[1] + "、”没有标题。"})
			case utf8.RuneCountInString(title) > MaxTitleRunes:
				d.Errors = append(d.Errors, LineNote{ln, fmt.Sprintf("部分标题超过 %d 个字。", MaxTitleRunes)})
			}
			d.Parts = append(d.Parts, part)
			continue
		}
		if m := pointRE.FindStringSubmatch(line); m != nil {
			t := newTask(ln, "（"+m[1]+"）", m[2])
			if part == nil {
				d.Errors = append(d.Errors, LineNote{ln, "要点“（" + m[1] + "）”前面没有“一、”这样的部分标题。"})
				task, point = nil, nil
				continue
			}
			n := chineseNumber(m[1])
			switch {
			case n == 0:
				t.fail("“（" + m[1] + "）”不是有效的序号。")
			case seenT[m[1]]:
				t.fail("要点序号“（" + m[1] + "）”在“" + part.Number + "、”中重复。")
			case n != lastT+1:
				d.Notes = append(d.Notes, LineNote{ln, fmt.Sprintf("“%s、”中的要点序号从“（%s）”跳到“（%s）”，已按原文保留，请核对。", part.Number, numberOr(lastT), m[1])})
			}
			seenT[m[1]], lastT = true, max(n, lastT)
			seenS = map[string]bool{}
			part.Tasks = append(part.Tasks, t)
			task, point = t, t
			continue
		}
		if m := subRE.FindStringSubmatch(line); m != nil && point != nil {
			num := m[1] + m[2]
			t := newTask(ln, num+".", m[3])
			if seenS[num] {
				t.fail("子任务序号“" + num + ".”重复。")
			}
			seenS[num] = true
			point.Subtasks = append(point.Subtasks, t)
			task = t
			continue
		}
		switch {
		case task != nil:
			task.Body = strings.TrimSpace(task.Body + "\n" + line)
		case part != nil:
			d.Errors = append(d.Errors, LineNote{ln, "“" + clip(line, 20) + "”不在任何要点之下：请在前面加上“（一）”这样的要点序号，或删除这一段。"})
		case d.Title == "" && len(intro) == 0 && isTitle(line):
			d.Title = strings.TrimSpace(postedRE.ReplaceAllString(line, ""))
		default:
			intro = append(intro, line)
		}
	}
	d.Intro = strings.Join(intro, "\n")
	if d.Year == 0 {
		if m := yearRE.FindStringSubmatch(d.Title); m != nil {
			d.Year, _ = strconv.Atoi(m[1])
		}
	}
	if len(d.Parts) == 0 {
		d.Errors = append(d.Errors, LineNote{0, "没有找到“一、……”这样的部分标题和“（一）……”这样的要点，请检查文本格式。"})
	}
	if len(d.Parts) > MaxParts {
		d.Errors = append(d.Errors, LineNote{0, fmt.Sprintf("部分过多（%d 个），最多 %d 个。", len(d.Parts), MaxParts)})
	}
	if n := d.Tasks(); n > MaxTasks {
		d.Errors = append(d.Errors, LineNote{0, fmt.Sprintf("要点和子任务过多（%d 项），最多 %d 项。", n, MaxTasks)})
	}
	if d.Year < MinYear || d.Year > MaxYear {
		d.Errors = append(d.Errors, LineNote{0, "无法确定计划年度：请填写年度，或在标题中写明（如“2022年……工作要点”）。"})
		return d
	}
	for _, p := range d.Parts {
		if len(p.Tasks) == 0 {
			d.Errors = append(d.Errors, LineNote{p.Line, "部分“" + p.Number + "、" + clip(p.Title, 20) + "”下没有要点。"})
		}
		for _, t := range p.Tasks {
			t.finish(d.Year, civil.Date{})
			for _, s := range t.Subtasks {
				s.finish(d.Year, t.Due)
			}
		}
	}
	return d
}

// spaces are the web's and CJK text's spaces (no-break, ideographic),
// read as plain spaces: copied pages are full of them.
var spaces = strings.NewReplacer("\u00a0", " ", "\u3000", " ", "\u2002", " ", "\u2003", " ", "\u200b", "")

// Plan year bounds.
const (
	MinYear = 2000
	MaxYear = 2100
)

func newTask(line int, number, text string) *DraftTask {
	t := &DraftTask{Line: line, Number: number}
	text = strings.TrimSpace(text)
	if text == "" {
		t.fail("要点“" + number + "”没有内容。")
		return t
	}
	if i := strings.Index(text, "。"); i >= 0 {
		t.Title, t.Body = strings.TrimSpace(text[:i]), strings.TrimSpace(text[i+len("。"):])
	} else {
		t.Title = text
	}
	if utf8.RuneCountInString(t.Title) > MaxTitleRunes {
		t.fail(fmt.Sprintf("要点标题（第一句）超过 %d 个字：请在标题后加句号“。”，把说明写在句号之后。", MaxTitleRunes))
	}
	return t
}

func (t *DraftTask) fail(msg string) {
	if t.Error == "" {
		t.Error = msg
	}
}

// finish finds the task's deadline and responsible division in its text;
// a sub-task without a deadline of its own takes its point's (inherit).
func (t *DraftTask) finish(year int, inherit civil.Date) {
	if utf8.RuneCountInString(t.Body) > MaxBodyRunes {
		t.fail(fmt.Sprintf("要点内容超过 %d 个字。", MaxBodyRunes))
	}
	if m := divNoteRE.FindStringSubmatch(t.Title + "。" + t.Body); m != nil {
		t.Division = m[1]
	}
	due, rule, err := DeadlineOf(t.Title+"。"+t.Body, year)
	if err != nil {
		t.fail(err.Error())
		return
	}
	if rule == ruleDefault && !inherit.IsZero() {
		due, rule = inherit, "未写明期限：与所属要点相同"
	}
	t.Due, t.DueRule = due, rule
}

func isTitle(line string) bool {
	return utf8.RuneCountInString(line) <= 100 && !strings.Contains(line, "。")
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// ---------------------------------------------------------------- deadlines

// The deadline rules. A point's deadline is the earliest date its text
// names with a deadline word; failing that, an annual plan's work is due
// by the end of its year:
//
//  1. a day: "6月30日前", "2022年6月30日之前", "9月15日完成" → that day;
//  2. a month: "6月底前", "六月底", "6月末", "9月份完成", "9月完成" → the last day
//     of that month; "6月前" (before June) → the last day of May;
//  3. a quarter or half-year: "一季度", "第二季度末" → the quarter's last day;
//     "上半年" → 30 June; "下半年" → 31 December;
//  4. the year: "年底前", "今年年底", "年末", "年内", "全年" → 31 December
//     (e.g. 三(二) "在今年年底前，要实现门户网站支持互联网协议第6版");
//  5. continuing work: "长期坚持", "持续", "常态化", "每年", "每季度", "每月", "每周", "每日",
//     "动态更新", "动态调整" → 31 December: the year's ledger closes then;
//  6. nothing of the above → 31 December (an annual plan's work is due by
//     the end of its year).
//
// Dates written without a year are of the plan's year; a year may be
// written ("2023年3月底前"). A month or day that does not exist ("13月底",
// "2月30日前") is an error, never a guess.

var (
	cnDigit = `[0-9]{1,2}|[一二三四五六七八九十]{1,3}`
	dayRE   = regexp.MustCompile(`(?:(\d{4})\s*年\s*)?(` + cnDigit + `)\s*月\s*(` + cnDigit + `)\s*日\s*(?:前|之前|以前|止|完成)`)
	monthRE = regexp.MustCompile(`(?:(\d{4})\s*年\s*)?(` + cnDigit + `)\s*月\s*(底|末|份)?\s*(前|之前|以前|完成)?`)
	qtrRE   = regexp.MustCompile(`第?([一二三四1-4])\s*季度`)
	halfRE  = regexp.MustCompile(`(上|下)半年`)
	endRE   = regexp.MustCompile(`今年年底|年底|年末|年内|全年`)
	keepRE  = regexp.MustCompile(`长期坚持|持续|常态化|每年|每季度|每月|每周|每日|动态更新|动态调整`)
)

const ruleDefault = "原文未写明期限：年度工作要点于当年年底前完成"

// DeadlineOf is the deadline the text of a point implies in year, with
// the rule that found it (in Chinese, quoting the text).
func DeadlineOf(text string, year int) (civil.Date, string, error) {
	var (
		best civil.Date
		rule string
	)
	take := func(d civil.Date, r string) {
		if best.IsZero() || d.Before(best) {
			best, rule = d, r
		}
	}
	yearOf := func(s string) int {
		if s == "" {
			return year
		}
		y, _ := strconv.Atoi(s)
		return y
	}
	for _, m := range dayRE.FindAllStringSubmatchIndex(text, -1) {
		snip := text[m[0]:m[1]]
		y, mon, day := yearOf(sub(text, m, 1)), numberOf(sub(text, m, 2)), numberOf(sub(text, m, 3))
		d, ok := dateOf(y, mon, day)
		if !ok {
			return civil.Date{}, "", fmt.Errorf("“%s”不是有效的日期。", snip)
		}
		take(d, "原文“"+snip+"”：按所写日期")
	}
	for _, m := range monthRE.FindAllStringSubmatchIndex(text, -1) {
		snip := text[m[0]:m[1]]
		suffix, when := sub(text, m, 3), sub(text, m, 4)
		if suffix != "底" && suffix != "末" && when == "" {
			continue // "3月" or "3月份" alone is a date mentioned, not a deadline ("6月30日前" is the day rule's)
		}
		y, mon := yearOf(sub(text, m, 1)), numberOf(sub(text, m, 2))
		if mon < 1 || mon > 12 || y < MinYear || y > MaxYear {
			return civil.Date{}, "", fmt.Errorf("“%s”不是有效的月份。", snip)
		}
		if strings.Contains(when, "前") && (suffix == "" || suffix == "份") {
			take(civil.New(y, time.Month(mon), 1).AddDays(-1), "原文“"+snip+"”：该月之前，即上月最后一天")
			continue
		}
		take(monthEnd(y, mon), "原文“"+snip+"”：该月最后一天")
	}
	for _, m := range qtrRE.FindAllStringSubmatchIndex(text, -1) {
		if m[0] >= len("每") && text[m[0]-len("每"):m[0]] == "每" {
			continue
		}
		q := numberOf(sub(text, m, 1))
		take(monthEnd(year, q*3), "原文“"+text[m[0]:m[1]]+"”：该季度最后一天")
	}
	for _, m := range halfRE.FindAllStringSubmatch(text, -1) {
		if m[1] == "上" {
			take(civil.New(year, time.June, 30), "原文“"+m[0]+"”：6 月 30 日")
		} else {
			take(civil.New(year, time.December, 31), "原文“"+m[0]+"”：12 月 31 日")
		}
	}
	if !best.IsZero() {
		return best, rule, nil
	}
	end := civil.New(year, time.December, 31)
	if m := endRE.FindString(text); m != "" {
		return end, "原文“" + m + "”：当年 12 月 31 日", nil
	}
	if m := keepRE.FindString(text); m != "" {
		return end, "原文“" + m + "”（长期工作）：按当年 12 月 31 日考核", nil
	}
	return end, ruleDefault, nil
}

func sub(s string, m []int, i int) string {
	if m[2*i] < 0 {
		return ""
	}
	return s[m[2*i]:m[2*i+1]]
}

func dateOf(y, m, d int) (civil.Date, bool) {
	if y < MinYear || y > MaxYear || m < 1 || m > 12 || d < 1 {
		return civil.Date{}, false
	}
	t := time.Date(y, time.Month(m), d, 12, 0, 0, 0, civil.Shanghai)
	if t.Day() != d {
		return civil.Date{}, false
	}
	return civil.New(y, time.Month(m), d), true
}

func monthEnd(y, m int) civil.Date {
	return civil.Of(time.Date(y, time.Month(m)+1, 0, 12, 0, 0, 0, civil.Shanghai))
}

// numberOf reads 1–99 in Arabic or Chinese numerals (0 if it is neither).
func numberOf(s string) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return chineseNumber(s)
}

// chineseNumber reads 一 … 九十九 (0 if it is not one).
func chineseNumber(s string) int {
	digits := map[rune]int{'一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	r := []rune(s)
	switch len(r) {
	case 1:
		if r[0] == '十' {
			return 10
		}
		return digits[r[0]]
	case 2:
		if r[0] == '十' && digits[r[1]] > 0 {
			return 10 + digits[r[1]]
		}
		if r[1] == '十' && digits[r[0]] > 1 {
			return digits[r[0]] * 10
		}
	case 3:
		if r[1] == '十' && digits[r[0]] > 1 && digits[r[2]] > 0 {
			return digits[r[0]]*10 + digits[r[2]]
		}
	}
	return 0
}

// ChineseNumeral writes 1–99 as 一 … 九十九.
func ChineseNumeral(n int) string {
	d := []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n <= 0 || n > 99:
		return strconv.Itoa(n)
	case n < 10:
		return d[n]
	case n == 10:
		return "十"
	case n < 20:
		return "十" + d[n-10]
	}
	return d[n/10] + "十" + d[n%10]
}

func numberOr(n int) string {
	if n == 0 {
		return "（无）"
	}
	return ChineseNumeral(n)
}

// Sample2022 is the text of 上海市民族和宗教事务局's published 2022 work
// points (the project's seed, kept in testdata): the demo plan, and the
// parser's test case.
//
//go:embed testdata/mzzj-2022.txt
var Sample2022 string
