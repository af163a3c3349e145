// Package socialeval is 社会评议: an agency's yearly evaluation of its
// disclosure work by outside evaluators (a campaign, 评议活动).
//
// A campaign has evaluator groups (EvaluatorGroup: 人大代表, 政协委员,
// 社会公众…) with weights summing to 100, each answering either by
// invitation (one link per evaluator, one response each) or through a
// public questionnaire anyone may fill; and a two-level indicator tree
// (Indicator): dimensions that mirror the CASS transparency index (决策公开,
// 管理服务公开, 执行和结果公开, 政务公开平台建设, 依申请公开) and their
// indicators, weights among siblings summing to 100. Staff edit both as
// text while the campaign is a draft (see ParseGroups and ParseIndicators).
//
// States: draft → open → closed → published.
//
//   - Opening makes one questionnaire per group with internal/survey: one
//     required 1–5 scale question per indicator, titled "维度：指标", and
//     an optional long-text question (意见和建议).
//   - Closing closes the questionnaires, computes the scores (see Compute)
//     and stores them: the report never changes afterwards.
//   - Staff write the narrative (总体情况, 主要问题, 改进措施) while the
//     campaign is closed; publishing needs it, puts the report on the
//     portal and locks the campaign.
//
// Improvement actions (整改事项) follow a closed or published campaign as
// to-dos with a due date; marking one done needs a completion note. The
// published report shows their progress as it changes.
package socialeval

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

// State is where a campaign is in its life.
type State string

// Campaign states.
const (
	Draft     State = "draft"
	Open      State = "open"
	Closed    State = "closed"
	Published State = "published"
)

// Label is the state in Chinese.
func (s State) Label() string {
	switch s {
	case Draft:
		return "草稿"
	case Open:
		return "评议中"
	case Closed:
		return "评议结束（报告待发布）"
	case Published:
		return "报告已发布"
	}
	return string(s)
}

// Access is how a group's evaluators answer.
type Access string

// Access modes.
const (
	ByInvitation Access = "invite" // 邀请: one link per evaluator, one response each
	OpenToPublic Access = "open"   // 公开: a public questionnaire anyone may fill
)

// Label is the access mode in Chinese (the word of the text format).
func (a Access) Label() string {
	if a == OpenToPublic {
		return "公开"
	}
	return "邀请"
}

// Group is an evaluator group (EvaluatorGroup).
type Group struct {
	ID       int64
	Seq      int
	Name     string
	Weight   int // per cent of the overall score
	Access   Access
	SurveyID int64 // the group's questionnaire, once the campaign is open
	// Responses is the number of responses counted when the campaign closed.
	Responses int
}

// Indicator is a node of the indicator tree: a dimension (一级指标,
// ParentID 0) or one of its indicators (二级指标).
type Indicator struct {
	ID       int64
	ParentID int64
	Seq      int
	Name     string
	Weight   int // per cent among its siblings
	Children []*Indicator
}

// Narrative is the report's text, written by staff.
type Narrative struct {
	Summary  string // 总体情况
	Problems string // 主要问题
	Measures string // 改进措施
}

// Complete reports whether every part is written.
func (n Narrative) Complete() bool {
	return strings.TrimSpace(n.Summary) != "" && strings.TrimSpace(n.Problems) != "" && strings.TrimSpace(n.Measures) != ""
}

// Campaign is a yearly evaluation campaign (评议活动).
type Campaign struct {
	ID          int64
	AgencyID    int64
	Year        int
	Title       string
	Intro       string
	State       State
	Narrative   Narrative
	CreatedAt   time.Time
	UpdatedAt   time.Time
	OpenedAt    *time.Time
	ClosedAt    *time.Time
	PublishedAt *time.Time
	Version     int
	// Overall is the stored overall score (once closed).
	Overall    Cell
	Groups     []Group
	Dimensions []*Indicator
}

// ReportTitle is the title of the campaign's report: "…社会评议报告".
func (c *Campaign) ReportTitle() string {
	if strings.HasSuffix(c.Title, "评议") {
		return c.Title + "报告"
	}
	return c.Title + "评议报告"
}

// Leaves are the indicators in questionnaire order, each with its
// dimension.
func (c *Campaign) Leaves() []Leaf {
	var out []Leaf
	for _, d := range c.Dimensions {
		for _, l := range d.Children {
			out = append(out, Leaf{Dimension: d, Indicator: l})
		}
	}
	return out
}

// Leaf is an indicator with its dimension.
type Leaf struct {
	Dimension *Indicator
	Indicator *Indicator
}

// Question is the questionnaire's title for the indicator.
func (l Leaf) Question() string { return l.Dimension.Name + "：" + l.Indicator.Name }

// Group returns the campaign's group id, or false.
func (c *Campaign) Group(id int64) (Group, bool) {
	for _, g := range c.Groups {
		if g.ID == id {
			return g, true
		}
	}
	return Group{}, false
}

// Indicator returns a dimension or indicator of the campaign by id, with
// its display name ("维度" or "维度：指标"), or false.
func (c *Campaign) Indicator(id int64) (string, bool) {
	for _, d := range c.Dimensions {
		if d.ID == id {
			return d.Name, true
		}
		for _, l := range d.Children {
			if l.ID == id {
				return d.Name + "：" + l.Name, true
			}
		}
	}
	return "", false
}

// URL is a campaign's public report.
func URL(slug string, id int64) string {
	return "/o/" + slug + "/evaluations/" + strconv.FormatInt(id, 10)
}

// ---------------------------------------------------------------- points

// Points are a score in hundredths of a point: 8735 is 87.35. Scores run
// from 20.00 (every answer 1) to 100.00 (every answer 5).
type Points int64

// PointsOf rounds a score to hundredths (half away from zero).
func PointsOf(x float64) Points { return Points(math.Round(x * 100)) }

// String is the score with two decimals: "87.35".
func (p Points) String() string {
	sign := ""
	if p < 0 {
		sign, p = "-", -p
	}
	return fmt.Sprintf("%s%d.%02d", sign, p/100, p%100)
}

// Float is the score as a number (for JSON).
func (p Points) Float() float64 { return float64(p) / 100 }

// Change is a year-on-year change as the report shows it: "+3.20",
// "−1.05" (with the minus sign U+2212), "0.00".
func (p Points) Change() string {
	switch {
	case p > 0:
		return "+" + p.String()
	case p < 0:
		return "−" + (-p).String()
	}
	return "0.00"
}

// ---------------------------------------------------------------- text formats

// Limits of the text formats and fields.
const (
	MaxGroups      = 10
	MaxDimensions  = 10
	MaxChildren    = 10 // indicators under one dimension
	MaxLeaves      = 60 // indicators in all: the questions of a questionnaire
	MaxLines       = 120
	MaxName        = 30 // characters of a group or indicator name
	MaxText        = 5000
	MaxTitle       = 100
	MaxIntro       = 2000
	MaxNarrative   = 10000
	MaxInvitations = 500 // links generated at once
	MaxActionTitle = 200
	MaxNote        = 2000
	MaxDivision    = 50
)

// DefaultGroups are offered for a new campaign.
const DefaultGroups = "人大代表 20 邀请\n政协委员 20 邀请\n社会公众 30 公开\n新闻媒体 10 邀请\n第三方机构 20 邀请\n"

// DefaultIndicators are offered for a new campaign: the top-level
// dimensions of the CASS 中国政府透明度指数 (2021, 较大的市); their weights
// in the index are not published, so they are equal here and meant to be
// set by each agency.
const DefaultIndicators = `决策公开 20
- 决策草案公开征求意见 40
- 意见采纳情况反馈 30
- 政策解读及时准确 30
管理服务公开 20
- 权责清单和行政执法信息公开 50
- 办事服务指南清晰完整 50
执行和结果公开 20
- 重点工作推进情况公开 50
- 政策执行效果和评估结果公开 50
政务公开平台建设 20
- 网站和政务新媒体好用易用 40
- 信息查找便捷 30
- 政府开放日等互动活动 30
依申请公开 20
- 申请渠道畅通 50
- 答复及时规范 50
`

// GroupsFormat and IndicatorsFormat explain the text formats on the form.
const (
	GroupsFormat     = "每行一个评议组：名称、权重、填写方式，用空格隔开，如“人大代表 20 邀请”。权重为整数，各组合计 100；填写方式为“邀请”（每人一个邀请链接，只能提交一次）或“公开”（任何人可在网站填写）。"
	IndicatorsFormat = "两级指标。一级指标（评议维度）顶格写“名称 权重”；其下的二级指标以“- ”开头或缩进，如“- 申请渠道畅通 50”。同级指标的权重为整数，合计 100；每个一级指标下至少有一个二级指标，每个二级指标是问卷中的一道 1–5 分评分题。"
)

// lineErrors collects row-level messages ("第 3 行：…"), at most a few.
type lineErrors struct{ msgs []string }

const maxLineErrors = 5

func (e *lineErrors) add(line int, format string, args ...any) {
	if len(e.msgs) < maxLineErrors {
		e.msgs = append(e.msgs, fmt.Sprintf("第 %d 行：", line)+fmt.Sprintf(format, args...))
	}
}

func (e *lineErrors) addf(format string, args ...any) {
	if len(e.msgs) < maxLineErrors {
		e.msgs = append(e.msgs, fmt.Sprintf(format, args...))
	}
}

// String joins the messages: "第 1 行：…；第 3 行：…。"
func (e *lineErrors) String() string {
	parts := make([]string, len(e.msgs))
	for i, m := range e.msgs {
		parts[i] = strings.TrimSuffix(m, "。")
	}
	return strings.Join(parts, "；") + "。"
}

// normalise turns full-width and other separators into single spaces.
var separators = strings.NewReplacer("\t", " ", "\u3000", " ", "：", " ", ":", " ", "，", " ", ",", " ")

func lines(s string) []string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	return strings.Split(s, "\n")
}

// checkBlob refuses text that cannot be a definition at all.
func checkBlob(s, what string) string {
	switch {
	case len(s) > MaxText*4 || utf8.RuneCountInString(s) > MaxText:
		return fmt.Sprintf("%s过长（不超过 %d 字）。", what, MaxText)
	case web.Unreadable(s):
		return what + "含有无法识别的字符。"
	}
	return ""
}

// weight reads an integer weight 1–100.
func weight(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1 && n <= 100 && !strings.HasPrefix(s, "+")
}

func checkName(el *lineErrors, line int, name string) bool {
	switch {
	case name == "":
		el.add(line, "缺少名称。")
	case utf8.RuneCountInString(name) > MaxName:
		el.add(line, "名称“%s”过长（不超过 %d 字）。", clip(name), MaxName)
	case strings.ContainsAny(name, "<>"):
		el.add(line, "名称不能含有“<”“>”。")
	default:
		return true
	}
	return false
}

// ParseGroups reads evaluator groups, one a line: "名称 权重 邀请|公开".
// The message names every wrong line (at most five): weights must be
// integers 1–100 summing to 100, names non-empty, unique and short.
func ParseGroups(s string) ([]Group, string) {
	if m := checkBlob(s, "评议组"); m != "" {
		return nil, m
	}
	var el lineErrors
	var out []Group
	seen := map[string]bool{}
	all := lines(s)
	if len(all) > MaxLines {
		return nil, fmt.Sprintf("评议组的行数过多（不超过 %d 行）。", MaxLines)
	}
	for i, raw := range all {
		n := i + 1
		line := strings.TrimSpace(separators.Replace(raw))
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 {
			el.add(n, "“%s”应写作“名称 权重 邀请（或公开）”。", clip(line))
			continue
		}
		name := strings.Join(f[:len(f)-2], " ")
		w, ok := weight(f[len(f)-2])
		var access Access
		switch f[len(f)-1] {
		case "邀请", "invite":
			access = ByInvitation
		case "公开", "open":
			access = OpenToPublic
		default:
			el.add(n, "填写方式应为“邀请”或“公开”，而不是“%s”。", clip(f[len(f)-1]))
			continue
		}
		if !ok {
			el.add(n, "权重“%s”应为 1 至 100 的整数。", clip(f[len(f)-2]))
			continue
		}
		if !checkName(&el, n, name) {
			continue
		}
		if seen[name] {
			el.add(n, "评议组“%s”重复。", name)
			continue
		}
		seen[name] = true
		out = append(out, Group{Seq: len(out) + 1, Name: name, Weight: w, Access: access})
	}
	if len(el.msgs) > 0 {
		return nil, el.String()
	}
	if len(out) == 0 {
		return nil, "请至少填写一个评议组。"
	}
	if len(out) > MaxGroups {
		return nil, fmt.Sprintf("评议组不能超过 %d 个。", MaxGroups)
	}
	sum := 0
	for _, g := range out {
		sum += g.Weight
	}
	if sum != 100 {
		return nil, fmt.Sprintf("各评议组的权重合计应为 100，现为 %d。", sum)
	}
	return out, ""
}

// GroupsText writes groups in the text format (ParseGroups reads it back).
func GroupsText(gs []Group) string {
	var b strings.Builder
	for _, g := range gs {
		fmt.Fprintf(&b, "%s %d %s\n", g.Name, g.Weight, g.Access.Label())
	}
	return b.String()
}

// ParseIndicators reads the two-level tree: a dimension is a line "名称
// 权重" at the margin; its indicators follow, each on a line that starts
// with "-" (or "－", "·") or is indented. Weights are integers 1–100 and
// sum to 100 among siblings; every dimension has at least one indicator.
// The message names every wrong line (at most five).
func ParseIndicators(s string) ([]*Indicator, string) {
	if m := checkBlob(s, "评议指标"); m != "" {
		return nil, m
	}
	all := lines(s)
	if len(all) > MaxLines {
		return nil, fmt.Sprintf("评议指标的行数过多（不超过 %d 行）。", MaxLines)
	}
	var el lineErrors
	var out []*Indicator
	var cur *Indicator
	dimLine := map[*Indicator]int{}
	seenDim := map[string]bool{}
	seenChild := map[string]bool{}
	for i, raw := range all {
		n := i + 1
		if strings.TrimSpace(raw) == "" {
			continue
		}
		child := raw[0] == ' ' || raw[0] == '\t' || strings.HasPrefix(raw, "\u3000")
		line := strings.TrimSpace(raw)
		for _, p := range []string{"-", "－", "·", "•", "—"} {
			if strings.HasPrefix(line, p) {
				child, line = true, strings.TrimSpace(strings.TrimPrefix(line, p))
				break
			}
		}
		line = strings.TrimSpace(separators.Replace(line))
		f := strings.Fields(line)
		if len(f) < 2 {
			el.add(n, "“%s”应写作“名称 权重”。", clip(line))
			continue
		}
		name := strings.Join(f[:len(f)-1], " ")
		w, ok := weight(f[len(f)-1])
		if !ok {
			el.add(n, "权重“%s”应为 1 至 100 的整数。", clip(f[len(f)-1]))
			continue
		}
		if !checkName(&el, n, name) {
			continue
		}
		if !child {
			if seenDim[name] {
				el.add(n, "一级指标“%s”重复。", name)
				cur = nil
				continue
			}
			seenDim[name] = true
			cur = &Indicator{Seq: len(out) + 1, Name: name, Weight: w}
			dimLine[cur] = n
			out = append(out, cur)
			seenChild = map[string]bool{}
			continue
		}
		if cur == nil {
			el.add(n, "二级指标“%s”前面缺少它所属的一级指标。", clip(name))
			continue
		}
		if seenChild[name] {
			el.add(n, "“%s”下的二级指标“%s”重复。", cur.Name, name)
			continue
		}
		seenChild[name] = true
		cur.Children = append(cur.Children, &Indicator{Seq: len(cur.Children) + 1, Name: name, Weight: w})
	}
	if len(el.msgs) > 0 {
		return nil, el.String()
	}
	if len(out) == 0 {
		return nil, "请至少填写一个一级指标和它的二级指标。"
	}
	if len(out) > MaxDimensions {
		return nil, fmt.Sprintf("一级指标不能超过 %d 个。", MaxDimensions)
	}
	sum := 0
	for _, d := range out {
		sum += d.Weight
		switch {
		case len(d.Children) == 0:
			el.add(dimLine[d], "一级指标“%s”下至少要有一个二级指标。", d.Name)
		case len(d.Children) > MaxChildren:
			el.add(dimLine[d], "一级指标“%s”下的二级指标不能超过 %d 个。", d.Name, MaxChildren)
		default:
			cs := 0
			for _, c := range d.Children {
				cs += c.Weight
			}
			if cs != 100 {
				el.add(dimLine[d], "“%s”下各二级指标的权重合计应为 100，现为 %d。", d.Name, cs)
			}
		}
	}
	if sum != 100 {
		el.addf("各一级指标的权重合计应为 100，现为 %d。", sum)
	}
	if n := countLeaves(out); n > MaxLeaves {
		el.addf("二级指标合计不能超过 %d 个（现为 %d 个）：每个二级指标是问卷中的一道题。", MaxLeaves, n)
	}
	if len(el.msgs) > 0 {
		return nil, el.String()
	}
	return out, ""
}

func countLeaves(dims []*Indicator) int {
	n := 0
	for _, d := range dims {
		n += len(d.Children)
	}
	return n
}

// IndicatorsText writes the tree in the text format (ParseIndicators reads
// it back).
func IndicatorsText(dims []*Indicator) string {
	var b strings.Builder
	for _, d := range dims {
		fmt.Fprintf(&b, "%s %d\n", d.Name, d.Weight)
		for _, c := range d.Children {
			fmt.Fprintf(&b, "- %s %d\n", c.Name, c.Weight)
		}
	}
	return b.String()
}

func clip(s string) string {
	if r := []rune(s); len(r) > 20 {
		return string(r[:20]) + "…"
	}
	return s
}

// ---------------------------------------------------------------- fields

// Fields are a campaign as typed in the console.
type Fields struct {
	Title, Year, Intro string
	Groups, Indicators string
	Version            int
}

// check validates f; messages go by form field.
func (f Fields) check(c *Campaign) (map[string]string, []Group, []*Indicator) {
	m := map[string]string{}
	web.CheckText(m, "title", "名称", f.Title, true, MaxTitle)
	if m["title"] == "" && strings.ContainsAny(f.Title, "\r\n") {
		m["title"] = "名称不能换行。"
	}
	web.CheckText(m, "intro", "说明", f.Intro, false, MaxIntro)
	c.Title, c.Intro = strings.TrimSpace(f.Title), strings.TrimSpace(f.Intro)
	y, err := strconv.Atoi(strings.TrimSpace(f.Year))
	if err != nil || y < 2000 || y > 2100 {
		m["year"] = "请填写四位数的评议年度，如 2026。"
	}
	c.Year = y
	groups, msg := ParseGroups(f.Groups)
	if msg != "" {
		m["groups"] = msg
	}
	dims, msg := ParseIndicators(f.Indicators)
	if msg != "" {
		m["indicators"] = msg
	}
	return m, groups, dims
}

// ---------------------------------------------------------------- actions

// ActionState is an improvement action's state.
type ActionState string

// Action states.
const (
	ActionOpen ActionState = "open"
	ActionDone ActionState = "done"
)

// Label is the state in Chinese.
func (s ActionState) Label() string {
	if s == ActionDone {
		return "已完成"
	}
	return "整改中"
}

// DueSoonDays is how near a due date makes an action "即将到期".
const DueSoonDays = 7

// Action is an improvement action (整改事项).
type Action struct {
	ID           int64
	CampaignID   int64
	AgencyID     int64
	Title        string
	IndicatorID  int64  // 0: none
	Indicator    string // "维度：指标", filled when listed
	DivisionID   int64  // 0: free text
	Division     string
	DueOn        civil.Date
	State        ActionState
	Note         string
	DoneOn       civil.Date
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int
	Campaign     string // the campaign's title, filled when listed
	CampaignYear int
	// DaysLeft is the days from today to the due date (negative: overdue),
	// filled for open actions when listed.
	DaysLeft int
}

// Overdue reports an open action past its due date (已逾期).
func (a Action) Overdue() bool { return a.State == ActionOpen && a.DaysLeft < 0 }

// DueSoon reports an open action due within DueSoonDays (即将到期).
func (a Action) DueSoon() bool {
	return a.State == ActionOpen && a.DaysLeft >= 0 && a.DaysLeft <= DueSoonDays
}

// Flag is the action's deadline in words: "已逾期 3 天", "即将到期（还剩 2
// 天）", "今天到期", or "".
func (a Action) Flag() string {
	switch {
	case a.Overdue():
		return "已逾期 " + strconv.Itoa(-a.DaysLeft) + " 天"
	case a.DueSoon() && a.DaysLeft == 0:
		return "即将到期（今天到期）"
	case a.DueSoon():
		return "即将到期（还剩 " + strconv.Itoa(a.DaysLeft) + " 天）"
	}
	return ""
}

// ActionFields are an action as typed.
type ActionFields struct {
	Title       string
	IndicatorID string
	Division    string
	DueOn       string // 2026-12-31
	State       string // open, done
	Note        string
	DoneOn      string // optional; today when marked done without one
	Version     int
}
