// Package stdcatalog is the standard disclosure catalogue
// (政务公开标准目录, 国办发〔2019〕54号): each agency lists what it discloses in the
// standard columns (一级事项, 二级事项, 公开内容（要素）, 公开依据, 公开时限,
// 公开主体, 公开渠道和载体, 公开对象, 公开方式, 公开层级) plus 五公开 and the
// responsible division; entries refer to the power list (权责清单) and the
// public service list (公共服务事项清单), link to the published items that
// fulfil them, and keep a public change log (动态调整). The coverage monitor
// compares each entry's time rule with its linked items, counted on the
// working-day calendar.
package stdcatalog

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

// Choice is a code of a fixed vocabulary with its Chinese label.
type Choice struct{ Code, Label string }

// Channels is the standard checklist of 公开渠道和载体.
var Channels = []Choice{
	{"website", "政府网站"}, {"gazette", "政府公报"}, {"newmedia", "两微一端"}, {"press", "发布会/听证会"},
	{"broadcast", "广播电视"}, {"paper", "纸质媒体"}, {"reading", "公开查阅点"}, {"center", "政务服务中心"},
	{"station", "便民服务站"}, {"onsite", "入户/现场"}, {"board", "社区/企事业单位/村公示栏（电子屏）"},
	{"push", "精准推送"}, {"hotline", "12345政务服务热线"}, {"other", "其他"},
}

// Audiences are the ticks of 公开对象.
var Audiences = []Choice{{"public", "全社会"}, {"specific", "特定群体"}}

// Modes are the ticks of 公开方式.
var Modes = []Choice{{"proactive", "主动"}, {"application", "依申请"}}

// Levels are the ticks of 公开层级 (a Shanghai municipal bureau's catalogue:
// city, district, subdistrict/town).
var Levels = []Choice{{"city", "市级"}, {"district", "区级"}, {"town", "街镇级"}}

// FivePublics are 决策、执行、管理、服务、结果公开 (the same codes as items').
var FivePublics = []Choice{{"decision", "决策公开"}, {"execution", "执行公开"}, {"management", "管理公开"}, {"service", "服务公开"}, {"result", "结果公开"}}

func labelOf(list []Choice, code string) string {
	for _, c := range list {
		if c.Code == code {
			return c.Label
		}
	}
	return code
}

// Labels joins the labels of codes with "、".
func Labels(list []Choice, codes []string) string {
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		out = append(out, labelOf(list, c))
	}
	return strings.Join(out, "、")
}

// cleanCodes keeps the codes of list among in, in the list's order, once;
// bad is true when in held something else.
func cleanCodes(list []Choice, in []string) (out []string, bad bool) {
	have := map[string]bool{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		ok := false
		for _, c := range list {
			if c.Code == s {
				ok = true
			}
		}
		if !ok {
			bad = true
			continue
		}
		have[s] = true
	}
	for _, c := range list {
		if have[c.Code] {
			out = append(out, c.Code)
		}
	}
	return out, bad
}

// RuleKind is how an entry's time limit is checked.
type RuleKind string

// Rule kinds.
const (
	RuleNone   RuleKind = "none"   // no checkable limit (长期公开, 实时更新…)
	RuleFormed RuleKind = "formed" // within N working days after the item's 生成日期
	RuleAnnual RuleKind = "annual" // by a fixed date each year
)

// MaxRuleDays bounds a working-day rule.
const MaxRuleDays = 250

// Rule is the machine-readable time limit of an entry.
type Rule struct {
	Kind  RuleKind
	Days  int // RuleFormed
	Month int // RuleAnnual
	Day   int
}

// Checked reports whether the monitor checks the rule.
func (r Rule) Checked() bool { return r.Kind == RuleFormed || r.Kind == RuleAnnual }

// Label says the rule in Chinese.
func (r Rule) Label() string {
	switch r.Kind {
	case RuleFormed:
		return fmt.Sprintf("信息形成（变更）之日起%d个工作日内", r.Days)
	case RuleAnnual:
		return fmt.Sprintf("每年%d月%d日前", r.Month, r.Day)
	}
	return "无固定时限"
}

// Code is the rule as the XLSX column 时限规则 writes it; ParseRule reads it
// back.
func (r Rule) Code() string {
	switch r.Kind {
	case RuleFormed:
		return fmt.Sprintf("形成后%d个工作日", r.Days)
	case RuleAnnual:
		return fmt.Sprintf("每年%d月%d日前", r.Month, r.Day)
	}
	return "无"
}

// DeadlineIn is the yearly deadline of an annual rule in year y (29 February
// becomes the 28th in other years).
func (r Rule) DeadlineIn(y int) civil.Date {
	d := r.Day
	if last := time.Date(y, time.Month(r.Month)+1, 0, 12, 0, 0, 0, time.UTC).Day(); d > last {
		d = last
	}
	return civil.New(y, time.Month(r.Month), d)
}

func (r Rule) valid() string {
	switch r.Kind {
	case RuleNone:
		return ""
	case RuleFormed:
		if r.Days < 1 || r.Days > MaxRuleDays {
			return fmt.Sprintf("工作日天数须在 1 至 %d 之间。", MaxRuleDays)
		}
	case RuleAnnual:
		if r.Month < 1 || r.Month > 12 || r.Day < 1 || r.Day > 31 ||
			r.Day > time.Date(2024, time.Month(r.Month)+1, 0, 12, 0, 0, 0, time.UTC).Day() {
			return "每年截止日期无效，格式为“月-日”，例如 01-31。"
		}
	default:
		return "请选择时限规则。"
	}
	return ""
}

var (
	digitFold = strings.NewReplacer("０", "0", "１", "1", "２", "2", "３", "3", "４", "4", "５", "5", "６", "6", "７", "7", "８", "8", "９", "9", " ", "", "\u3000", "")
	daysRE    = regexp.MustCompile(`([0-9]+|[一二三四五六七八九十两]+)个?工作日`)
	annualRE  = regexp.MustCompile(`每年([0-9]{1,2})月([0-9]{1,2})日`)
	mdRE      = regexp.MustCompile(`^([0-9]{1,2})-([0-9]{1,2})$`)
)

// chineseNumber reads 一…九十九.
func chineseNumber(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	digits := map[rune]int{'一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	rs := []rune(s)
	switch {
	case len(rs) == 1 && rs[0] == '十':
		return 10, true
	case len(rs) == 1:
		n, ok := digits[rs[0]]
		return n, ok
	case len(rs) == 2 && rs[0] == '十':
		n, ok := digits[rs[1]]
		return 10 + n, ok
	case len(rs) == 2 && rs[1] == '十':
		n, ok := digits[rs[0]]
		return n * 10, ok
	case len(rs) == 3 && rs[1] == '十':
		a, ok1 := digits[rs[0]]
		b, ok2 := digits[rs[2]]
		return a*10 + b, ok1 && ok2
	}
	return 0, false
}

// ParseRule reads a time rule from its code (形成后20个工作日, 每年1月31日前,
// 无) or from the free text of 公开时限 as catalogues write it
// (信息形成（变更）之日起20个工作日内, 每年1月31日前); ok is false when the text
// says nothing the monitor can check.
func ParseRule(s string) (Rule, bool) {
	s = digitFold.Replace(strings.TrimSpace(s))
	switch s {
	case "", "无", "none", "无固定时限":
		return Rule{Kind: RuleNone}, s != ""
	}
	if m := annualRE.FindStringSubmatch(s); m != nil {
		mo, _ := strconv.Atoi(m[1])
		d, _ := strconv.Atoi(m[2])
		r := Rule{Kind: RuleAnnual, Month: mo, Day: d}
		return r, r.valid() == ""
	}
	if m := daysRE.FindStringSubmatch(s); m != nil {
		if n, ok := chineseNumber(m[1]); ok {
			r := Rule{Kind: RuleFormed, Days: n}
			return r, r.valid() == ""
		}
	}
	return Rule{Kind: RuleNone}, false
}

// Entry is an entry of an agency's standard catalogue.
type Entry struct {
	ID          int64
	AgencyID    int64
	Seq         int
	L1, L2      string
	Content     string
	Basis       string
	TimeLimit   string
	Rule        Rule
	MonitorFrom civil.Date
	Subject     string
	Channels    []string
	Audiences   []string
	Modes       []string
	Levels      []string
	FivePublics []string
	DivisionID  int64
	Division    string
	ListItemID  int64
	ListItem    string // "事项编码 事项名称" of the linked list item
	Removed     bool
	RemovedOn   civil.Date
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int
}

// Name is 一级事项 › 二级事项.
func (e *Entry) Name() string { return e.L1 + " › " + e.L2 }

// Anchor is the entry's fragment on the public catalogue.
func (e *Entry) Anchor() string { return "e-" + strconv.FormatInt(e.ID, 10) }

// ChannelsLabel and the others say the multi-selects in Chinese.
func (e *Entry) ChannelsLabel() string    { return Labels(Channels, e.Channels) }
func (e *Entry) AudiencesLabel() string   { return Labels(Audiences, e.Audiences) }
func (e *Entry) ModesLabel() string       { return Labels(Modes, e.Modes) }
func (e *Entry) LevelsLabel() string      { return Labels(Levels, e.Levels) }
func (e *Entry) FivePublicsLabel() string { return Labels(FivePublics, e.FivePublics) }

// Has reports whether the entry ticks code in the named multi-select.
func (e *Entry) Has(field, code string) bool {
	var list []string
	switch field {
	case "channels":
		list = e.Channels
	case "audiences":
		list = e.Audiences
	case "modes":
		list = e.Modes
	case "levels":
		list = e.Levels
	case "five_publics":
		list = e.FivePublics
	}
	for _, c := range list {
		if c == code {
			return true
		}
	}
	return false
}

// Fields is an entry as a form or an import row gives it. Division and
// ListItem may be named instead of identified (imports).
type Fields struct {
	Line        int // the import row, for messages
	Seq         int
	L1, L2      string
	Content     string
	Basis       string
	TimeLimit   string
	RuleKind    string // none | formed | annual; "" derives it from TimeLimit
	RuleDays    string
	RuleDate    string // annual: MM-DD
	MonitorFrom string
	Subject     string
	Channels    []string
	Audiences   []string
	Modes       []string
	Levels      []string
	FivePublics []string
	DivisionID  int64
	Division    string // by name (imports)
	ListItemID  int64
	ListItem    string // by code (imports)
}

// Field limits, in characters.
const (
	maxName    = 100
	maxText    = 4000
	maxLimit   = 300
	maxSubject = 100
	maxReason  = 500
	minReason  = 4
)

// fieldLabels name the form fields in messages.
var fieldLabels = map[string]string{
	"l1": "一级事项", "l2": "二级事项", "content": "公开内容（要素）", "basis": "公开依据", "time_limit": "公开时限",
	"rule_kind": "时限规则", "rule_days": "工作日天数", "rule_date": "每年截止日期", "monitor_from": "监测起始日期",
	"subject": "公开主体", "channels": "公开渠道和载体", "audiences": "公开对象", "modes": "公开方式", "levels": "公开层级",
	"five_publics": "五公开", "division": "责任处室", "list_item": "关联权责或公共服务事项", "reason": "调整理由", "seq": "序号",
}

// FieldOrder is the order of the form's fields (for the error list).
var FieldOrder = []string{"seq", "l1", "l2", "content", "basis", "time_limit", "rule_kind", "rule_days", "rule_date", "monitor_from", "subject",
	"channels", "audiences", "modes", "levels", "five_publics", "division", "list_item", "reason"}

// check validates f into e (without the division and list item, which
// need the database); messages go into fields by form field.
func (f Fields) check(e *Entry) map[string]string {
	fields := map[string]string{}
	e.Seq = f.Seq
	if f.Seq < 0 || f.Seq > 99999 {
		fields["seq"] = "序号须在 0 至 99999 之间。"
	}
	text := func(key string, v string, required bool, max int) string {
		web.CheckText(fields, key, fieldLabels[key], v, required, max)
		return strings.TrimSpace(v)
	}
	e.L1 = oneLine(text("l1", f.L1, true, maxName))
	e.L2 = oneLine(text("l2", f.L2, true, maxName))
	e.Content = text("content", f.Content, true, maxText)
	e.Basis = text("basis", f.Basis, false, maxText)
	e.TimeLimit = text("time_limit", f.TimeLimit, true, maxLimit)
	e.Subject = oneLine(text("subject", f.Subject, true, maxSubject))
	multi := func(key string, list []Choice, in []string, required bool) []string {
		out, b := cleanCodes(list, in)
		if b {
			fields[key] = fieldLabels[key] + "含有无效的选项。"
		} else if required && len(out) == 0 {
			fields[key] = "请至少选择一项" + fieldLabels[key] + "。"
		}
		return out
	}
	e.Channels = multi("channels", Channels, f.Channels, true)
	e.Audiences = multi("audiences", Audiences, f.Audiences, true)
	e.Modes = multi("modes", Modes, f.Modes, true)
	e.Levels = multi("levels", Levels, f.Levels, true)
	e.FivePublics = multi("five_publics", FivePublics, f.FivePublics, false)
	// The rule: chosen, or read from the published text.
	switch strings.TrimSpace(f.RuleKind) {
	case "":
		e.Rule, _ = ParseRule(e.TimeLimit)
	case string(RuleNone):
		e.Rule = Rule{Kind: RuleNone}
	case string(RuleFormed):
		n, err := strconv.Atoi(strings.TrimSpace(f.RuleDays))
		if err != nil {
			fields["rule_days"] = "请填写工作日天数（1 至 " + strconv.Itoa(MaxRuleDays) + " 的整数）。"
		}
		e.Rule = Rule{Kind: RuleFormed, Days: n}
		if err == nil {
			if msg := e.Rule.valid(); msg != "" {
				fields["rule_days"] = msg
			}
		}
	case string(RuleAnnual):
		m := mdRE.FindStringSubmatch(digitFold.Replace(strings.TrimSpace(f.RuleDate)))
		if m == nil {
			fields["rule_date"] = "每年截止日期的格式为“月-日”，例如 01-31。"
			break
		}
		mo, _ := strconv.Atoi(m[1])
		d, _ := strconv.Atoi(m[2])
		e.Rule = Rule{Kind: RuleAnnual, Month: mo, Day: d}
		if msg := e.Rule.valid(); msg != "" {
			fields["rule_date"] = msg
		}
	default:
		fields["rule_kind"] = "请选择时限规则。"
	}
	if s := strings.TrimSpace(f.MonitorFrom); s != "" {
		d, err := civil.Parse(s)
		if err != nil || len(s) != 10 || d.Year < 2000 || d.Year > 2999 {
			fields["monitor_from"] = "日期格式应为 2026-01-31。"
		} else {
			e.MonitorFrom = d
		}
	}
	return fields
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// checkReason validates the reason of a change.
func checkReason(fields map[string]string, reason string) string {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		fields["reason"] = "请填写调整理由，理由将在门户的目录调整记录中公开。"
	case web.Unreadable(reason):
		fields["reason"] = "调整理由含有无法识别的字符。"
	case utf8.RuneCountInString(reason) < minReason:
		fields["reason"] = "调整理由至少 " + strconv.Itoa(minReason) + " 个字。"
	case utf8.RuneCountInString(reason) > maxReason:
		fields["reason"] = "调整理由不能超过 " + strconv.Itoa(maxReason) + " 个字。"
	}
	return oneLine(reason)
}

// Diff says what changed between two versions of an entry, for the change
// log: short values as old → new, long ones as 已修改.
func Diff(a, b *Entry) string {
	var parts []string
	add := func(label, x, y string) {
		if x == y {
			return
		}
		if utf8.RuneCountInString(x) <= 40 && utf8.RuneCountInString(y) <= 40 {
			if x == "" {
				x = "（空）"
			}
			if y == "" {
				y = "（空）"
			}
			parts = append(parts, label+"："+x+" → "+y)
			return
		}
		parts = append(parts, label+"已修改")
	}
	add("序号", strconv.Itoa(a.Seq), strconv.Itoa(b.Seq))
	add("一级事项", a.L1, b.L1)
	add("二级事项", a.L2, b.L2)
	add("公开内容（要素）", a.Content, b.Content)
	add("公开依据", a.Basis, b.Basis)
	add("公开时限", a.TimeLimit, b.TimeLimit)
	add("时限规则", a.Rule.Label(), b.Rule.Label())
	add("监测起始日期", dateText(a.MonitorFrom), dateText(b.MonitorFrom))
	add("公开主体", a.Subject, b.Subject)
	add("公开渠道和载体", a.ChannelsLabel(), b.ChannelsLabel())
	add("公开对象", a.AudiencesLabel(), b.AudiencesLabel())
	add("公开方式", a.ModesLabel(), b.ModesLabel())
	add("公开层级", a.LevelsLabel(), b.LevelsLabel())
	add("五公开", a.FivePublicsLabel(), b.FivePublicsLabel())
	add("责任处室", a.Division, b.Division)
	add("关联事项", a.ListItem, b.ListItem)
	return strings.Join(parts, "；")
}

func dateText(d civil.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// ChangeKind is the kind of a change-log line.
type ChangeKind string

// Change kinds.
const (
	Added   ChangeKind = "add"
	Edited  ChangeKind = "edit"
	Removed ChangeKind = "remove"
)

// Label is the Chinese name.
func (k ChangeKind) Label() string {
	switch k {
	case Added:
		return "新增事项"
	case Edited:
		return "调整内容"
	case Removed:
		return "移出目录"
	}
	return string(k)
}

// Change is a line of the public change log.
type Change struct {
	ID        int64
	EntryID   int64
	Kind      ChangeKind
	On        civil.Date
	L1, L2    string
	Detail    string
	Reason    string
	Actor     string
	CreatedAt time.Time
}

// ListKind names the two lists entries refer to.
type ListKind string

// The lists.
const (
	PowerList   ListKind = "power"   // 权责清单
	ServiceList ListKind = "service" // 公共服务事项清单
)

// Label is the Chinese name.
func (k ListKind) Label() string {
	if k == ServiceList {
		return "公共服务事项清单"
	}
	return "权责清单"
}

// ListItem is an item of the power list or the service list.
type ListItem struct {
	ID       int64
	List     ListKind
	Code     string
	Name     string
	Category string
	Basis    string
	Division string
	Line     int // the import row
}

// Ref is how entries show the item: code and name.
func (l ListItem) Ref() string { return l.Code + " " + l.Name }
