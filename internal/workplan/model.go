// Package workplan is the work-plan tracker (工作要点台账): an agency's
// annual plan of disclosure work (e.g. 2022年政务公开工作要点) as a tree of
// parts, points and sub-tasks, each task with its responsible division,
// liaison officer, deadline, status and percent done, and the progress
// updates with links to the evidence (published items, open days,
// reports); a leader's overview by part and division; an XLSX ledger to
// print; the import of a plan from its published text; and the records of
// the main leader hearing the disclosure work report (主要负责同志听取政务
// 公开工作汇报, at least once a year, work point 五(一)), flagged when the
// year has none by a set day.
package workplan

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

// Status is a task's status, derived from its percent, deadline and the
// day (never stored).
type Status string

// Task statuses.
const (
	NotStarted Status = "todo"
	InProgress Status = "doing"
	Done       Status = "done"
	Overdue    Status = "overdue"
)

// Statuses in the order the overview counts them.
var Statuses = []Status{NotStarted, InProgress, Done, Overdue}

// Label is the status in Chinese.
func (s Status) Label() string {
	switch s {
	case NotStarted:
		return "未开始"
	case InProgress:
		return "进行中"
	case Done:
		return "已完成"
	case Overdue:
		return "逾期"
	}
	return string(s)
}

// Badge is the CSS class that colours the status (its label always says
// it in words too).
func (s Status) Badge() string {
	switch s {
	case Done:
		return "ok"
	case Overdue:
		return "danger"
	case InProgress:
		return "warn"
	}
	return "off"
}

// StatusOf derives a status: done at 100 percent; past its deadline
// otherwise overdue; in progress once anything is reported; else not
// started.
func StatusOf(percent int, reported bool, due, today civil.Date) Status {
	switch {
	case percent >= 100:
		return Done
	case due.Before(today):
		return Overdue
	case percent > 0 || reported:
		return InProgress
	}
	return NotStarted
}

// Plan is an agency's annual work plan.
type Plan struct {
	ID        int64
	AgencyID  int64
	Year      int
	Title     string
	Intro     string
	CreatedAt time.Time
	UpdatedAt time.Time
	Parts     []*Part
}

// Part is a part of a plan (一、…) with its points.
type Part struct {
	ID     int64
	PlanID int64
	Seq    int
	Number string
	Title  string
	Tasks  []*Task
}

// Heading is the part as written: 一、加强信息公开 保障社会稳定.
func (p *Part) Heading() string { return p.Number + "、" + p.Title }

// Task is a point of a part or a sub-task of a point.
type Task struct {
	ID            int64
	PlanID        int64
	PartID        int64
	ParentID      int64
	Seq           int
	Number        string
	Title         string
	Body          string
	DivisionID    int64
	Division      string
	LiaisonUserID int64
	LiaisonName   string
	Due           civil.Date
	DueRule       string
	Percent       int
	CompletedOn   civil.Date
	Version       int
	UpdatedAt     time.Time
	// Reported is whether any progress is on record; Latest is the latest
	// update (nil if none).
	Reported bool
	Latest   *Progress
	Subtasks []*Task
	// Status is derived when the task is loaded.
	Status Status
	// Today is the day the status was derived for.
	Today civil.Date
}

// Leaf reports whether progress is reported on the task itself (it has no
// sub-tasks).
func (t *Task) Leaf() bool { return len(t.Subtasks) == 0 }

// Late reports whether a done task was completed after its deadline.
func (t *Task) Late() bool { return t.Status == Done && t.CompletedOn.After(t.Due) }

// DueNote says how the deadline stands, in words: "还剩 12 天",
// "已逾期 3 天", "今天到期", or "" when done.
func (t *Task) DueNote() string {
	if t.Status == Done {
		if t.Late() {
			return "逾期完成（" + t.CompletedOn.String() + "）"
		}
		return ""
	}
	n := t.Today.DaysUntil(t.Due)
	switch {
	case n < 0:
		return "已逾期 " + strconv.Itoa(-n) + " 天"
	case n == 0:
		return "今天到期"
	}
	return "还剩 " + strconv.Itoa(n) + " 天"
}

// DueSoon reports an open task due within DueSoonDays.
func (t *Task) DueSoon() bool {
	return t.Status != Done && t.Status != Overdue && t.Today.DaysUntil(t.Due) <= DueSoonDays
}

// DueSoonDays is how near (in calendar days: plan deadlines are calendar
// dates set by the plan, not statutory working-day periods) a deadline
// must be for the task to show in the to-do centre.
const DueSoonDays = 7

// Liaison is the liaison officer's name (or "").
func (t *Task) Liaison() string { return t.LiaisonName }

// Label is the task's number and title: （一）做好……
func (t *Task) Label() string { return t.Number + t.Title }

// Progress is a progress update of a task.
type Progress struct {
	ID         int64
	TaskID     int64
	ReportedOn civil.Date
	Body       string
	Percent    int
	AuthorName string
	CreatedAt  time.Time
	Evidence   []Evidence
}

// EvidenceKind is what an evidence link points to.
type EvidenceKind string

// Evidence kinds.
const (
	EvidenceItem    EvidenceKind = "item"    // a published information item
	EvidenceOpenDay EvidenceKind = "openday" // an open day
	EvidenceReport  EvidenceKind = "report"  // a report, a summary, minutes
	EvidenceOther   EvidenceKind = "other"
)

// EvidenceKinds in the order the form offers them.
var EvidenceKinds = []EvidenceKind{EvidenceItem, EvidenceOpenDay, EvidenceReport, EvidenceOther}

// Label is the kind in Chinese.
func (k EvidenceKind) Label() string {
	switch k {
	case EvidenceItem:
		return "政府信息"
	case EvidenceOpenDay:
		return "开放日活动"
	case EvidenceReport:
		return "报告或总结"
	case EvidenceOther:
		return "其他材料"
	}
	return string(k)
}

func (k EvidenceKind) valid() bool {
	for _, x := range EvidenceKinds {
		if x == k {
			return true
		}
	}
	return false
}

// Evidence is a link to what shows the work was done.
type Evidence struct {
	Kind  EvidenceKind
	URL   string
	Label string
}

// MaxURL bounds an evidence link.
const MaxURL = 500

// CheckLink accepts a site-relative path of the console or portal
// ("/o/mzzj/items/12", "/console/opendays/3") or an absolute http(s) URL,
// and refuses everything else (javascript:, data:, protocol-relative
// "//host", backslashes, credentials, spaces and control characters). It
// returns "" or the Chinese reason.
func CheckLink(s string) string {
	switch {
	case s == "":
		return "请填写链接。"
	case len(s) > MaxURL:
		return "链接不能超过 " + strconv.Itoa(MaxURL) + " 个字符。"
	case web.Unreadable(s) || strings.ContainsAny(s, " \t\n\r\\<>\"'`"):
		return "链接含有空格、引号或无法识别的字符。"
	}
	if strings.HasPrefix(s, "/") {
		if strings.HasPrefix(s, "//") {
			return "站内链接应以单个“/”开头，如 /o/mzzj/items/12。"
		}
		u, err := url.Parse(s)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
			return "站内链接格式不正确。"
		}
		for _, seg := range strings.Split(u.Path, "/") {
			if seg == ".." || seg == "." {
				return "站内链接不能含有“..”等相对路径。"
			}
		}
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "链接只能是站内路径（以“/”开头）或以 http:// 、https:// 开头的网址。"
	}
	if u.Host == "" || u.User != nil || u.Opaque != "" {
		return "网址格式不正确（应如 https://www.example.gov.cn/…，不能含用户名或密码）。"
	}
	return ""
}

// MaxEvidence is how many links one update may carry.
const MaxEvidence = 3

// ProgressInput is a progress update as typed.
type ProgressInput struct {
	ReportedOn string
	Body       string
	Percent    string
	Evidence   []EvidenceInput // up to MaxEvidence rows; empty rows are skipped
}

// EvidenceInput is one evidence row of the form.
type EvidenceInput struct{ Kind, URL, Label string }

// check parses the input; messages go by form field (evidence fields are
// evidence_url_1, evidence_label_1, …).
func (in ProgressInput) check(today civil.Date, planYear int) (*Progress, map[string]string) {
	m := map[string]string{}
	p := &Progress{Body: strings.TrimSpace(in.Body)}
	web.CheckText(m, "progress", "进展情况", in.Body, true, 2000)
	if d, err := civil.Parse(strings.TrimSpace(in.ReportedOn)); err != nil {
		m["reported_on"] = "请按“2022-06-30”的格式填写日期。"
	} else if d.After(today) {
		m["reported_on"] = "进展日期不能晚于今天。"
	} else if d.Year < planYear-1 {
		m["reported_on"] = "进展日期早于计划年度。"
	} else {
		p.ReportedOn = d
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(in.Percent), "%")))
	if err != nil || n < 0 || n > 100 {
		m["percent"] = "请填写 0 至 100 之间的整数。"
	}
	p.Percent = n
	if len(in.Evidence) > MaxEvidence {
		m["evidence_url_1"] = "每次最多附 " + strconv.Itoa(MaxEvidence) + " 个佐证链接。"
		return p, m
	}
	for i, e := range in.Evidence {
		k := strconv.Itoa(i + 1)
		url, label := strings.TrimSpace(e.URL), strings.TrimSpace(e.Label)
		if url == "" && label == "" {
			continue
		}
		if msg := CheckLink(url); msg != "" {
			m["evidence_url_"+k] = "佐证链接 " + k + "：" + msg
			continue
		}
		kind := EvidenceKind(e.Kind)
		if !kind.valid() {
			m["evidence_kind_"+k] = "请选择佐证材料 " + k + " 的类型。"
			continue
		}
		if label == "" {
			label = kind.Label()
		}
		web.CheckText(m, "evidence_label_"+k, "佐证材料 "+k+" 的说明", label, false, 100)
		p.Evidence = append(p.Evidence, Evidence{Kind: kind, URL: url, Label: label})
	}
	return p, m
}

// TaskInput is a task as typed in the console.
type TaskInput struct {
	Number        string
	Title         string
	Body          string
	DivisionID    int64
	LiaisonUserID int64
	LiaisonName   string
	Due           string
	Version       int
}

// check validates the fields it can without the database.
func (in TaskInput) check(planYear int) (*Task, map[string]string) {
	m := map[string]string{}
	t := &Task{Number: strings.TrimSpace(in.Number), Title: strings.TrimSpace(in.Title), Body: strings.TrimSpace(in.Body),
		DivisionID: in.DivisionID, LiaisonUserID: in.LiaisonUserID, LiaisonName: strings.TrimSpace(in.LiaisonName)}
	web.CheckText(m, "number", "序号", in.Number, false, 10)
	web.CheckText(m, "title", "任务名称", in.Title, true, MaxTitleRunes)
	web.CheckText(m, "body", "任务内容", in.Body, false, MaxBodyRunes)
	web.CheckText(m, "liaison_name", "联络员", in.LiaisonName, false, 30)
	switch d, err := civil.Parse(strings.TrimSpace(in.Due)); {
	case strings.TrimSpace(in.Due) == "":
		m["due"] = "请填写完成期限。"
	case err != nil:
		m["due"] = "请按“2022-12-31”的格式填写完成期限。"
	case d.Year < planYear || d.Year > planYear+1:
		m["due"] = fmt.Sprintf("完成期限应在 %d 年或次年。", planYear)
	default:
		t.Due = d
	}
	return t, m
}

// Hearing is a record of the main leader hearing the disclosure work
// report (主要负责同志听取政务公开工作汇报).
type Hearing struct {
	ID        int64
	AgencyID  int64
	HeldOn    civil.Date
	Leader    string
	Content   string
	Decisions string
	CreatedBy string
	CreatedAt time.Time
}

// HearingInput is a hearing as typed.
type HearingInput struct{ HeldOn, Leader, Content, Decisions string }

func (in HearingInput) check(today civil.Date) (*Hearing, map[string]string) {
	m := map[string]string{}
	h := &Hearing{Leader: strings.TrimSpace(in.Leader), Content: strings.TrimSpace(in.Content), Decisions: strings.TrimSpace(in.Decisions)}
	if d, err := civil.Parse(strings.TrimSpace(in.HeldOn)); err != nil {
		m["held_on"] = "请按“2022-09-15”的格式填写听取汇报的日期。"
	} else if d.After(today) {
		m["held_on"] = "听取汇报的日期不能晚于今天（请在汇报后登记）。"
	} else if d.Year < MinYear {
		m["held_on"] = "日期不正确。"
	} else {
		h.HeldOn = d
	}
	web.CheckText(m, "leader", "听取汇报的领导", in.Leader, true, 50)
	web.CheckText(m, "content", "汇报内容", in.Content, true, 5000)
	web.CheckText(m, "decisions", "研究部署事项", in.Decisions, false, 5000)
	return h, m
}

// DefaultHearingDue is the day of the year (MM-DD) by which the main
// leader should have heard the year's work report before the year is
// flagged. The work points say only "年内至少听取1次" (by 31 December);
// 30 November leaves December to arrange one [U: the bureau may set
// another day on the hearings page].
const DefaultHearingDue = "11-30"

// HearingDueOn is the day in year by which a hearing is due (md is MM-DD;
// an impossible day falls back to the default).
func HearingDueOn(year int, md string) civil.Date {
	if d, ok := parseMonthDay(year, md); ok {
		return d
	}
	d, _ := parseMonthDay(year, DefaultHearingDue)
	return d
}

func parseMonthDay(year int, md string) (civil.Date, bool) {
	parts := strings.Split(strings.TrimSpace(md), "-")
	if len(parts) != 2 || utf8.RuneCountInString(md) > 5 {
		return civil.Date{}, false
	}
	m, err1 := strconv.Atoi(parts[0])
	d, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || m == 2 && d == 29 {
		return civil.Date{}, false
	}
	return dateOf(year, m, d)
}

// HearingReminderDays is how long before the due day the missing hearing
// shows in the to-do centre.
const HearingReminderDays = 30
