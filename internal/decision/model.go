// Package decision is 重大行政决策: each agency's yearly catalogue of major
// decisions (决策事项目录, 《重大行政决策程序暂行条例》 Art. 3) with its
// adjustments during the year, and the file of every decision through the
// stages of the 条例 — public participation, expert argumentation, risk
// assessment, legality review, collective decision, publication and
// post-evaluation (ch. 2–4) — with the hearings, symposiums, visits and
// surveys held to hear opinions (Art. 14–17), the documents of each stage and
// the complete archive (Art. 33). Public consultations (征求意见) are their
// own capability; this package shows them through the Consultations
// interface.
package decision

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

// Method is a way of hearing the public's opinions (条例 Art. 14).
type Method string

// Methods of public participation.
const (
	MethodPublicComment Method = "public_comment" // 向社会公开征求意见 (a consultation)
	MethodHearing       Method = "hearing"        // 听证会 (Art. 16–17)
	MethodSymposium     Method = "symposium"      // 座谈会
	MethodVisit         Method = "visit"          // 实地走访
	MethodWritten       Method = "written"        // 书面征求意见
	MethodQuestionnaire Method = "questionnaire"  // 问卷调查
	MethodPoll          Method = "poll"           // 民意调查
)

var methodLabels = map[Method]string{
	MethodPublicComment: "向社会公开征求意见", MethodHearing: "听证会", MethodSymposium: "座谈会", MethodVisit: "实地走访",
	MethodWritten: "书面征求意见", MethodQuestionnaire: "问卷调查", MethodPoll: "民意调查",
}

// Methods lists the methods in display order.
var Methods = []Method{MethodPublicComment, MethodHearing, MethodSymposium, MethodVisit, MethodWritten, MethodQuestionnaire, MethodPoll}

// HearingKinds are the methods recorded as hearings here; public comment
// periods are consultations.
var HearingKinds = Methods[1:]

// Label is the Chinese name.
func (m Method) Label() string { return methodLabels[m] }

// Valid reports whether m is known.
func (m Method) Valid() bool { _, ok := methodLabels[m]; return ok }

// IsHearingKind reports whether m is recorded as a hearing record.
func (m Method) IsHearingKind() bool { return m.Valid() && m != MethodPublicComment }

// MethodLabels joins the labels of ms with 、.
func MethodLabels(ms []Method) string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Label())
	}
	return strings.Join(out, "、")
}

// Status is where a decision stands. It follows from its stages (see
// DeriveStatus) and is stored for lists and filters.
type Status string

// Statuses.
const (
	Listed        Status = "listed"        // 列入目录
	Participating Status = "participation" // 公众参与中
	InReview      Status = "review"        // 审查中 (expert argumentation, risk assessment, legality review)
	Decided       Status = "decided"       // 已决定 (collective decision made)
	Published     Status = "published"     // 已公布
	Removed       Status = "removed"       // 已调整出目录
)

var statusLabels = map[Status]string{Listed: "列入目录", Participating: "公众参与中", InReview: "审查中", Decided: "已决定",
	Published: "已公布", Removed: "已调整出目录"}

// Statuses lists the statuses in order.
var Statuses = []Status{Listed, Participating, InReview, Decided, Published, Removed}

// Label is the Chinese name.
func (s Status) Label() string { return statusLabels[s] }

// Badge is the CSS class of the status badge.
func (s Status) Badge() string {
	switch s {
	case Published, Decided:
		return "ok"
	case Participating, InReview:
		return "warn"
	}
	return "off"
}

// Valid reports whether s is known.
func (s Status) Valid() bool { _, ok := statusLabels[s]; return ok }

// StageKind is a stage of the procedure.
type StageKind string

// Stages, in the order of the 条例.
const (
	Participation StageKind = "participation" // 公众参与 (Art. 13–18)
	Expert        StageKind = "expert"        // 专家论证 (Art. 19–21), when the matter is professional or technical
	Risk          StageKind = "risk"          // 风险评估 (Art. 22–24), when stability or safety is at risk
	Legality      StageKind = "legality"      // 合法性审查 (Art. 25–28), always
	Collective    StageKind = "collective"    // 集体讨论决定 (Art. 30–31), always
	Publication   StageKind = "publication"   // 决策公布 (Art. 32)
	Evaluation    StageKind = "evaluation"    // 决策后评估 (Art. 36), optional
)

var stageLabels = map[StageKind]string{Participation: "公众参与", Expert: "专家论证", Risk: "风险评估", Legality: "合法性审查",
	Collective: "集体讨论决定", Publication: "决策公布", Evaluation: "决策后评估"}

// StageKinds lists the stages in order.
var StageKinds = []StageKind{Participation, Expert, Risk, Legality, Collective, Publication, Evaluation}

// Label is the Chinese name.
func (k StageKind) Label() string { return stageLabels[k] }

// Valid reports whether k is known.
func (k StageKind) Valid() bool { _, ok := stageLabels[k]; return ok }

// Mandatory reports the stages that can never be skipped: legality review
// (Art. 25: 未经合法性审查或者经审查不合法的，不得提交决策机关讨论) and the
// collective decision (Art. 30).
func (k StageKind) Mandatory() bool { return k == Legality || k == Collective }

var stageHints = map[StageKind]string{
	Participation: "通过向社会公开征求意见、听证会、座谈会、实地走访、书面征求意见、问卷调查、民意调查等方式听取意见（条例第十三条至第十八条）。征求意见、听证会等请另行登记，这里记录公众参与阶段的总体情况。",
	Expert:        "专业性、技术性较强的决策事项，应当组织专家、专业机构论证（条例第十九条）。不需要论证的，请选择“无需开展”并写明理由，理由将在门户公开。",
	Risk:          "决策实施可能对社会稳定、公共安全等方面造成不利影响的，应当组织风险评估（条例第二十二条）。不需要评估的，请选择“无需开展”并写明理由。",
	Legality:      "提交集体讨论前，应当由负责合法性审查的部门审查，不得以征求意见等方式代替（条例第二十五条）；应当保证审查的必要时间，一般不少于 7 个工作日（第二十七条）。",
	Collective:    "由决策机关常务会议或者全体会议讨论，行政首长在集体讨论的基础上作出决定，不同意见应当如实载明（条例第三十条）。须在合法性审查完成后进行。",
	Publication:   "决策作出后，应当通过政府公报、政府网站以及在本行政区域内发行的报纸等途径及时公布（条例第三十二条）。",
	Evaluation:    "决策实施后，明显未达到预期效果、公众提出较多意见或者决策机关认为有必要的，可以组织决策后评估（条例第三十六条）。",
}

// Hint explains the stage and its rule.
func (k StageKind) Hint() string { return stageHints[k] }

// MethodLabel names the kind-specific "how" of a stage (its Method field).
func (k StageKind) MethodLabel() string {
	switch k {
	case Expert:
		return "论证方式"
	case Risk:
		return "评估方式"
	case Evaluation:
		return "评估主体"
	}
	return ""
}

// MethodHint explains the field.
func (k StageKind) MethodHint() string {
	switch k {
	case Expert:
		return "论证会、书面咨询、委托咨询论证等（条例第十九条）"
	case Risk:
		return "舆情跟踪、重点走访、会商分析等；可委托专业机构（条例第二十二条）"
	case Evaluation:
		return "决策机关自行评估，或委托未参与决策前论证评估的第三方（条例第三十六条）"
	}
	return ""
}

// StageStatus is how far a stage is.
type StageStatus string

// Stage statuses.
const (
	NotStarted  StageStatus = "not_started"  // 未开始
	InProgress  StageStatus = "in_progress"  // 进行中
	Done        StageStatus = "done"         // 已完成
	NotRequired StageStatus = "not_required" // 无需开展 (with a public reason)
)

var stageStatusLabels = map[StageStatus]string{NotStarted: "未开始", InProgress: "进行中", Done: "已完成", NotRequired: "无需开展"}

// StageStatuses lists them in order.
var StageStatuses = []StageStatus{NotStarted, InProgress, Done, NotRequired}

// Label is the Chinese name.
func (s StageStatus) Label() string { return stageStatusLabels[s] }

// Valid reports whether s is known.
func (s StageStatus) Valid() bool { _, ok := stageStatusLabels[s]; return ok }

// Badge is the CSS class of the status badge (the label says it in words
// too: never colour alone).
func (s StageStatus) Badge() string {
	switch s {
	case Done:
		return "ok"
	case InProgress:
		return "warn"
	}
	return "off"
}

// Started reports a stage under way or finished.
func (s StageStatus) Started() bool { return s == InProgress || s == Done }

// Result is the outcome of the collective decision.
type Result string

// Results.
const (
	Adopted        Result = "adopted"  // 通过
	AdoptedRevised Result = "revised"  // 修改后通过
	Rejected       Result = "rejected" // 不予通过
	Deferred       Result = "deferred" // 暂缓决定 (Art. 30: 可以暂缓)
)

var resultLabels = map[Result]string{Adopted: "通过", AdoptedRevised: "修改后通过", Rejected: "不予通过", Deferred: "暂缓决定"}

// Results lists them in order.
var Results = []Result{Adopted, AdoptedRevised, Rejected, Deferred}

// Label is the Chinese name.
func (r Result) Label() string { return resultLabels[r] }

// Valid reports whether r is known.
func (r Result) Valid() bool { _, ok := resultLabels[r]; return ok }

// IsAdopted reports a decision that was made and may be published.
func (r Result) IsAdopted() bool { return r == Adopted || r == AdoptedRevised }

// MinLegalityReviewDays is the time a legality review must be given, in
// working days (条例 Art. 27: 保证合法性审查工作的必要时间，一般不少于7个工作日).
const MinLegalityReviewDays = 7

// MinHearingMaterialDays is how many calendar days before a hearing its
// participants must have the draft and materials (条例 Art. 17: 听证会材料应当于
// 听证会7日前送达听证参加人; 日 are calendar days).
const MinHearingMaterialDays = 7

// Field limits, in characters.
const (
	maxTitle       = 200
	maxText        = 2000
	maxLongText    = 5000
	maxResults     = 10000
	maxTiming      = 50
	maxShort       = 200
	maxName        = 50
	maxReason      = 1000
	maxURL         = 500
	maxParticipant = 300
	maxFileTitle   = 100
)

// markupRE finds the start of an HTML tag, comment or declaration: text of
// a government catalogue never needs one, and a "<script>" is somebody
// trying something. A lone "<" (人数<50) passes.
var markupRE = regexp.MustCompile(`<\s*[a-zA-Z!/?]`)

// checkText checks a text field: missing (if required), unreadable, too
// long, or holding markup.
func checkText(fields map[string]string, key, label, v string, required bool, max int) {
	web.CheckText(fields, key, label, v, required, max)
	if _, bad := fields[key]; !bad && markupRE.MatchString(v) {
		fields[key] = label + "不能包含 HTML 标记或脚本（如 <script>），请删除尖括号中的内容。"
	}
}

// checkDate puts a message when d is after today (a record of what happened).
func checkPast(fields map[string]string, key, label string, d, today civil.Date) {
	if _, bad := fields[key]; !bad && !d.IsZero() && d.After(today) {
		fields[key] = label + "不能晚于今天（" + today.String() + "）。"
	}
}

// checkLink accepts an http(s) address or a path on this site.
func checkLink(fields map[string]string, key, label, v string) {
	if v == "" {
		return
	}
	if web.Unreadable(v) || utf8.RuneCountInString(v) > maxURL || strings.ContainsAny(v, " <>\"'\\") {
		fields[key] = label + "须为以 http:// 或 https:// 开头的网址，或以 / 开头的本站地址。"
		return
	}
	if strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//") {
		return
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fields[key] = label + "须为以 http:// 或 https:// 开头的网址，或以 / 开头的本站地址。"
	}
}

// MajorDecision (重大行政决策) is an entry of an agency's decision catalogue
// and the file of its procedure.
type MajorDecision struct {
	ID, AgencyID int64
	// Year is the catalogue the entry belongs to.
	Year  int
	Title string
	// DivisionID is the lead division (承办单位); Division its name.
	DivisionID int64
	Division   string
	LegalBasis string
	Summary    string
	// PlannedTiming is free text: 2026年第三季度.
	PlannedTiming string
	Methods       []Method
	ExpertPlanned bool
	RiskPlanned   bool
	Status        Status
	// InCatalogue is false once the entry was adjusted out of the catalogue.
	InCatalogue   bool
	RemovedOn     civil.Date
	RemovedReason string
	SortOrder     int
	CreatedBy     int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Version       int
}

// MethodsLabel lists the planned methods.
func (d *MajorDecision) MethodsLabel() string { return MethodLabels(d.Methods) }

// Plans reports whether m is a planned method.
func (d *MajorDecision) Plans(m Method) bool {
	for _, x := range d.Methods {
		if x == m {
			return true
		}
	}
	return false
}

// Entry is what staff fill in for a catalogue entry.
type Entry struct {
	Year          int
	Title         string
	DivisionID    int64
	LegalBasis    string
	Summary       string
	PlannedTiming string
	Methods       []Method
	ExpertPlanned bool
	RiskPlanned   bool
	// AdjustedOn and AdjustReason record the adjustment (条例 Art. 3: 根据
	// 实际情况调整) when the year's catalogue is already published.
	AdjustedOn   civil.Date
	AdjustReason string
}

// Validate checks an entry (fields keyed by form name). The lead division
// and the adjustment are checked by the service, which knows the agency and
// the catalogue.
func (e *Entry) Validate(today civil.Date) map[string]string {
	fields := map[string]string{}
	e.Title, e.LegalBasis, e.Summary = strings.TrimSpace(e.Title), strings.TrimSpace(e.LegalBasis), strings.TrimSpace(e.Summary)
	e.PlannedTiming, e.AdjustReason = strings.TrimSpace(e.PlannedTiming), strings.TrimSpace(e.AdjustReason)
	if e.Year < 2000 || e.Year > today.Year+1 {
		fields["year"] = "目录年度须在 2000 年至 " + strconv.Itoa(today.Year+1) + " 年之间。"
	}
	checkText(fields, "title", "决策事项名称", e.Title, true, maxTitle)
	if e.DivisionID <= 0 {
		fields["division"] = "请选择承办单位（处室）。"
	}
	checkText(fields, "legal_basis", "决策依据", e.LegalBasis, true, maxText)
	checkText(fields, "summary", "事项概述", e.Summary, false, maxText)
	checkText(fields, "planned_timing", "计划完成时间", e.PlannedTiming, true, maxTiming)
	seen := map[Method]bool{}
	var ms []Method
	for _, m := range e.Methods {
		if !m.Valid() {
			fields["methods"] = "公众参与方式无效。"
			break
		}
		if !seen[m] {
			seen[m] = true
			ms = append(ms, m)
		}
	}
	e.Methods = sortMethods(ms)
	if _, bad := fields["methods"]; !bad && len(e.Methods) == 0 {
		fields["methods"] = "请至少选择一种公众参与方式（条例第十四条）。"
	}
	checkText(fields, "adjust_reason", "调整理由", e.AdjustReason, false, maxReason)
	checkPast(fields, "adjusted_on", "调整日期", e.AdjustedOn, today)
	return fields
}

func sortMethods(ms []Method) []Method {
	var out []Method
	for _, m := range Methods {
		for _, x := range ms {
			if x == m {
				out = append(out, m)
			}
		}
	}
	return out
}

// Stage is the record of one stage of a decision.
type Stage struct {
	ID, DecisionID int64
	Kind           StageKind
	Status         StageStatus
	StartedOn      civil.Date
	FinishedOn     civil.Date
	// DueOn is the end of the time given to the legality review;
	// ReviewDays its length in working days (read only).
	DueOn             civil.Date
	ReviewDays        int
	Responsible       string
	ResponsibleUserID int64
	// ResponsibleName is the staff user's name (read only).
	ResponsibleName string
	Summary         string
	// Reason says why a stage was not needed; it is public.
	Reason string
	// Method: expert argumentation's form, risk assessment's methods, the
	// evaluator of the post-evaluation.
	Method string
	// Meeting, Result and Dissent record the collective decision.
	Meeting string
	Result  Result
	Dissent string
	// Venue and Link record the publication: where, and its address.
	Venue     string
	Link      string
	UpdatedAt time.Time
}

// Label is the stage's name.
func (s Stage) Label() string { return s.Kind.Label() }

// StartLabel names the stage's first date.
func (s Stage) StartLabel() string {
	switch s.Kind {
	case Legality:
		return "送审日期"
	case Collective:
		return "提请日期"
	case Publication:
		return "开始日期"
	}
	return "开始日期"
}

// FinishLabel names the stage's last date.
func (s Stage) FinishLabel() string {
	switch s.Kind {
	case Legality:
		return "审查完成日期"
	case Collective:
		return "会议日期"
	case Publication:
		return "公布日期"
	}
	return "完成日期"
}

// Who names whoever is responsible.
func (s Stage) Who() string {
	switch {
	case s.ResponsibleName != "" && s.Responsible != "":
		return s.ResponsibleName + "（" + s.Responsible + "）"
	case s.ResponsibleName != "":
		return s.ResponsibleName
	}
	return s.Responsible
}

// WorkingDays is the subset of *calendar.Calendar the stage rules need.
type WorkingDays interface {
	WorkingDaysBetween(from, to civil.Date) (int, error)
	AddWorkingDays(from civil.Date, n int) (civil.Date, error)
}

// Validate checks one stage record on its own (fields keyed by form name);
// cal counts the working days of the legality review. A legality review
// under way without a due date is given the earliest lawful one.
func (s *Stage) Validate(today civil.Date, cal WorkingDays) map[string]string {
	fields := map[string]string{}
	for _, p := range []*string{&s.Responsible, &s.Summary, &s.Reason, &s.Method, &s.Meeting, &s.Dissent, &s.Venue, &s.Link} {
		*p = strings.TrimSpace(*p)
	}
	if !s.Kind.Valid() {
		fields["status"] = "没有这个阶段。"
		return fields
	}
	if !s.Status.Valid() {
		fields["status"] = "请选择办理状态。"
		return fields
	}
	checkText(fields, "responsible", "负责人", s.Responsible, false, maxName)
	checkText(fields, "summary", "办理情况", s.Summary, false, maxLongText)
	checkText(fields, "method", s.Kind.MethodLabel(), s.Method, false, maxShort)
	if s.Status == NotRequired {
		if s.Kind.Mandatory() {
			if s.Kind == Legality {
				fields["status"] = "合法性审查是必经程序，不能标为“无需开展”（条例第二十五条）。"
			} else {
				fields["status"] = "集体讨论决定是必经程序，不能标为“无需开展”（条例第三十条）。"
			}
			return fields
		}
		checkText(fields, "reason", "无需开展的理由", s.Reason, true, maxReason)
		if _, bad := fields["reason"]; !bad && utf8.RuneCountInString(s.Reason) < 5 {
			fields["reason"] = "请写明无需开展的理由（至少 5 个字），理由将向社会公开。"
		}
		s.StartedOn, s.FinishedOn, s.DueOn = civil.Date{}, civil.Date{}, civil.Date{}
		s.Meeting, s.Result, s.Dissent, s.Venue, s.Link = "", "", "", "", ""
		return fields
	}
	s.Reason = ""
	// Collective decisions and publications happen on a day; the others
	// run from a start to an end.
	oneDay := s.Kind == Collective || s.Kind == Publication
	if s.Status.Started() && s.StartedOn.IsZero() && !oneDay {
		fields["started_on"] = "请填写开始日期。"
	}
	if s.Status == Done {
		if s.FinishedOn.IsZero() {
			switch s.Kind {
			case Collective:
				fields["finished_on"] = "请填写会议日期。"
			case Publication:
				fields["finished_on"] = "请填写公布日期。"
			default:
				fields["finished_on"] = "请填写完成日期。"
			}
		} else if oneDay && s.StartedOn.IsZero() {
			s.StartedOn = s.FinishedOn
		}
	} else {
		s.FinishedOn = civil.Date{}
	}
	checkPast(fields, "started_on", "开始日期", s.StartedOn, today)
	checkPast(fields, "finished_on", "完成日期", s.FinishedOn, today)
	if _, bad := fields["finished_on"]; !bad && !s.FinishedOn.IsZero() && !s.StartedOn.IsZero() && s.FinishedOn.Before(s.StartedOn) {
		fields["finished_on"] = "完成日期不能早于开始日期（" + s.StartedOn.String() + "）。"
	}
	switch s.Kind {
	case Legality:
		s.checkLegality(fields, cal)
	case Collective:
		checkText(fields, "meeting", "会议名称", s.Meeting, s.Status == Done, maxShort)
		checkText(fields, "dissent", "不同意见", s.Dissent, false, maxText)
		switch {
		case s.Result == "" && s.Status == Done:
			fields["result"] = "请选择决定结果。"
		case s.Result != "" && !s.Result.Valid():
			fields["result"] = "决定结果无效。"
		}
	case Publication:
		checkText(fields, "venue", "公布载体", s.Venue, s.Status == Done, maxShort)
		checkLink(fields, "link", "公布网址", s.Link)
	}
	if s.Kind != Collective {
		s.Meeting, s.Result, s.Dissent = "", "", ""
	}
	if s.Kind != Publication {
		s.Venue, s.Link = "", ""
	}
	if s.Kind != Legality {
		s.DueOn = civil.Date{}
	}
	if s.Kind.MethodLabel() == "" {
		s.Method = ""
	}
	return fields
}

// checkLegality applies Art. 27: the review is given at least seven
// working days from the day the draft is sent, counted on the official
// calendar (the start day excluded, holidays skipped, make-up days counted).
func (s *Stage) checkLegality(fields map[string]string, cal WorkingDays) {
	if !s.Status.Started() || s.StartedOn.IsZero() || fields["started_on"] != "" {
		if !s.Status.Started() {
			s.DueOn = civil.Date{}
		}
		return
	}
	earliest, err := cal.AddWorkingDays(s.StartedOn, MinLegalityReviewDays)
	if err != nil {
		fields["started_on"] = "送审日期无法按工作日历计算，请检查。"
		return
	}
	if s.DueOn.IsZero() {
		s.DueOn = earliest
		return
	}
	n, err := cal.WorkingDaysBetween(s.StartedOn, s.DueOn)
	if err != nil {
		fields["due_on"] = "审查期限无法按工作日历计算，请检查。"
		return
	}
	if n < MinLegalityReviewDays {
		fields["due_on"] = "合法性审查时间一般不少于 7 个工作日（条例第二十七条）：" + s.StartedOn.String() + " 送审，审查期限只有 " +
			strconv.Itoa(max(n, 0)) + " 个工作日，最早应为 " + earliest.String() + "。"
	}
}

// CheckOrder applies the rules between stages to a stage about to be saved
// (next), given the others as stored: a collective decision is made only
// after the legality review is done (Art. 28), published only after an
// adopted decision (Art. 32), evaluated only after it was published; and a
// stage others depend on cannot be undone under them.
func CheckOrder(stages map[StageKind]Stage, next Stage) map[string]string {
	fields := map[string]string{}
	get := func(k StageKind) Stage {
		if k == next.Kind {
			return next
		}
		return stages[k]
	}
	legal, coll, pub, eval := get(Legality), get(Collective), get(Publication), get(Evaluation)
	switch next.Kind {
	case Legality:
		if coll.Status == Done && legal.Status != Done {
			fields["status"] = "集体讨论决定已经作出，合法性审查须保持“已完成”。"
		} else if coll.Status == Done && legal.FinishedOn.After(coll.FinishedOn) {
			fields["finished_on"] = "合法性审查的完成日期不能晚于集体讨论决定的会议日期（" + coll.FinishedOn.String() + "）。"
		}
	case Collective:
		switch {
		case coll.Status == Done && legal.Status != Done:
			fields["status"] = "合法性审查完成前，不得提交集体讨论决定（条例第二十五条、第二十八条）。"
		case coll.Status == Done && coll.FinishedOn.Before(legal.FinishedOn):
			fields["finished_on"] = "集体讨论决定的会议日期不能早于合法性审查的完成日期（" + legal.FinishedOn.String() + "）。"
		case pub.Status.Started() && (coll.Status != Done || !coll.Result.IsAdopted()):
			fields["status"] = "决策已进入公布阶段，集体讨论决定须保持“已完成”且结果为通过。"
		case pub.Status == Done && coll.FinishedOn.After(pub.FinishedOn):
			fields["finished_on"] = "会议日期不能晚于决策的公布日期（" + pub.FinishedOn.String() + "）。"
		}
	case Publication:
		switch {
		case pub.Status.Started() && coll.Status != Done:
			fields["status"] = "集体讨论决定作出前，不能公布决策（条例第三十二条）。"
		case pub.Status.Started() && !coll.Result.IsAdopted():
			fields["status"] = "集体讨论决定的结果为“" + coll.Result.Label() + "”，不能公布决策。"
		case pub.Status == Done && pub.FinishedOn.Before(coll.FinishedOn):
			fields["finished_on"] = "公布日期不能早于集体讨论决定的会议日期（" + coll.FinishedOn.String() + "）。"
		case eval.Status.Started() && pub.Status != Done:
			fields["status"] = "决策后评估已经开始，决策公布须保持“已完成”。"
		}
	case Evaluation:
		switch {
		case eval.Status.Started() && pub.Status != Done:
			fields["status"] = "决策公布并实施后，才能开展决策后评估（条例第三十六条）。"
		case eval.Status.Started() && eval.StartedOn.Before(pub.FinishedOn):
			fields["started_on"] = "后评估的开始日期不能早于决策公布日期（" + pub.FinishedOn.String() + "）。"
		}
	}
	return fields
}

// DeriveStatus is the status a decision's stages give it.
func DeriveStatus(inCatalogue bool, stages map[StageKind]Stage) Status {
	switch {
	case !inCatalogue:
		return Removed
	case stages[Publication].Status == Done:
		return Published
	case stages[Collective].Status == Done:
		return Decided
	}
	for _, k := range []StageKind{Expert, Risk, Legality, Collective, Publication} {
		if stages[k].Status.Started() {
			return InReview
		}
	}
	if stages[Participation].Status.Started() {
		return Participating
	}
	return Listed
}

// Participant is a person taking part in a hearing or symposium.
type Participant struct {
	Name string `json:"name"`
	// Role is what the person stands for: 居民代表, 企业代表, 专家…
	Role string `json:"role,omitempty"`
}

// ParseParticipants reads one participant a line: "姓名，身份" (a comma,
// full-width comma, tab or vertical bar separates name and role).
func ParseParticipants(text string) []Participant {
	var out []Participant
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, role := line, ""
		if i := strings.IndexAny(line, ",，\t|｜、"); i >= 0 {
			name, role = line[:i], line[i:]
			_, w := utf8.DecodeRuneInString(role)
			role = role[w:]
		}
		out = append(out, Participant{Name: strings.TrimSpace(name), Role: strings.TrimSpace(role)})
	}
	return out
}

// FormatParticipants is the inverse of ParseParticipants.
func FormatParticipants(ps []Participant) string {
	var lines []string
	for _, p := range ps {
		if p.Role != "" {
			lines = append(lines, p.Name+"，"+p.Role)
		} else {
			lines = append(lines, p.Name)
		}
	}
	return strings.Join(lines, "\n")
}

// Hearing is the record of a hearing, symposium, visit, written
// consultation, questionnaire or poll held for a decision.
type Hearing struct {
	ID, DecisionID int64
	Kind           Method
	Title          string
	// HeldOn is the day it was held (or a survey's first day); HeldUntil the
	// last day of a period, if any.
	HeldOn    civil.Date
	HeldUntil civil.Date
	Time      string // 14:00
	Place     string
	// AnnouncedOn: the hearing's time, place and draft were made public
	// (Art. 16).
	AnnouncedOn civil.Date
	// Selection is how participants were chosen (遴选办法, Art. 17).
	Selection    string
	Participants []Participant
	// MaskNames: public pages show the participants' family names only.
	MaskNames bool
	// MaterialsSentOn: the draft and materials reached the participants.
	MaterialsSentOn civil.Date
	// RecordSigned: the participants confirmed and signed the record (Art. 17).
	RecordSigned   bool
	RecordSignedOn civil.Date
	Summary        string
	// Results of a written consultation, questionnaire or poll, as text until
	// a survey engine exists.
	Results   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate checks a hearing record (fields keyed by form name).
func (h *Hearing) Validate(today civil.Date) map[string]string {
	fields := map[string]string{}
	for _, p := range []*string{&h.Title, &h.Time, &h.Place, &h.Selection, &h.Summary, &h.Results} {
		*p = strings.TrimSpace(*p)
	}
	if !h.Kind.IsHearingKind() {
		fields["kind"] = "请选择听取意见的方式。"
		return fields
	}
	label := h.Kind.Label()
	checkText(fields, "title", "名称", h.Title, true, maxTitle)
	if h.HeldOn.IsZero() {
		fields["held_on"] = "请填写" + label + "的日期。"
	}
	if !h.HeldUntil.IsZero() && !h.HeldOn.IsZero() && h.HeldUntil.Before(h.HeldOn) {
		fields["held_until"] = "结束日期不能早于开始日期。"
	}
	checkText(fields, "time", "时间", h.Time, false, 20)
	needPlace := h.Kind == MethodHearing || h.Kind == MethodSymposium || h.Kind == MethodVisit
	checkText(fields, "place", "地点", h.Place, needPlace, maxShort)
	checkText(fields, "selection", "参加人遴选方式", h.Selection, h.Kind == MethodHearing, maxText)
	checkText(fields, "summary", "主要情况和意见", h.Summary, false, maxLongText)
	checkText(fields, "results", "调查结果", h.Results, false, maxResults)
	if len(h.Participants) > 500 {
		fields["participants"] = "参加人不超过 500 人。"
	}
	for i, p := range h.Participants {
		if p.Name == "" || utf8.RuneCountInString(p.Name) > maxName || utf8.RuneCountInString(p.Role) > maxParticipant ||
			web.Unreadable(p.Name+p.Role) || markupRE.MatchString(p.Name+p.Role) {
			fields["participants"] = "第 " + strconv.Itoa(i+1) + " 行有误：每行写一位参加人，格式为“姓名，身份或单位”，姓名不超过 50 个字，不能包含 HTML 标记。"
			break
		}
	}
	checkPast(fields, "announced_on", "公告日期", h.AnnouncedOn, today)
	checkPast(fields, "materials_sent_on", "材料送达日期", h.MaterialsSentOn, today)
	if h.Kind == MethodHearing {
		h.checkHearing(fields, today)
	} else {
		h.AnnouncedOn, h.MaterialsSentOn, h.RecordSigned, h.RecordSignedOn = civil.Date{}, civil.Date{}, false, civil.Date{}
	}
	return fields
}

// checkHearing applies Art. 16–17 to a 听证会.
func (h *Hearing) checkHearing(fields map[string]string, today civil.Date) {
	held := h.HeldOn
	switch {
	case h.AnnouncedOn.IsZero():
		fields["announced_on"] = "请填写公告日期：听证会的时间、地点和决策草案应当提前向社会公布（条例第十六条）。"
	case fields["announced_on"] == "" && !held.IsZero() && !h.AnnouncedOn.Before(held):
		fields["announced_on"] = "公告日期应早于听证会举行日期（" + held.String() + "）。"
	}
	switch {
	case h.MaterialsSentOn.IsZero():
		fields["materials_sent_on"] = "请填写材料送达听证参加人的日期（条例第十七条）。"
	case fields["materials_sent_on"] == "" && !held.IsZero() && h.MaterialsSentOn.DaysUntil(held) < MinHearingMaterialDays:
		fields["materials_sent_on"] = "听证材料应当于听证会 7 日前送达听证参加人（条例第十七条）：听证会于 " + held.String() +
			" 举行，材料最迟应于 " + held.AddDays(-MinHearingMaterialDays).String() + " 送达。"
	}
	if !h.RecordSigned {
		h.RecordSignedOn = civil.Date{}
		return
	}
	switch {
	case !held.IsZero() && held.After(today):
		fields["record_signed"] = "听证会尚未举行，不能登记笔录已签字。"
	case h.RecordSignedOn.IsZero():
		fields["record_signed_on"] = "请填写听证参加人确认并签字的日期。"
	case h.RecordSignedOn.After(today):
		fields["record_signed_on"] = "签字日期不能晚于今天（" + today.String() + "）。"
	case !held.IsZero() && h.RecordSignedOn.Before(held):
		fields["record_signed_on"] = "签字日期不能早于听证会举行日期（" + held.String() + "）。"
	}
}

// Catalogue is an agency's decision catalogue of a year.
type Catalogue struct {
	AgencyID    int64
	Year        int
	Published   bool
	PublishedOn civil.Date
	// Note records the Party committee's agreement (条例 Art. 3: 经同级党委同意后向社会公布).
	Note string
}

// AdjustmentKind is how the catalogue changed during the year.
type AdjustmentKind string

// Adjustment kinds.
const (
	Added   AdjustmentKind = "added"   // 新增列入目录
	Dropped AdjustmentKind = "removed" // 调整出目录
	Changed AdjustmentKind = "changed" // 调整事项内容
)

var adjustmentLabels = map[AdjustmentKind]string{Added: "新增列入目录", Dropped: "调整出目录", Changed: "调整事项内容"}

// Label is the Chinese name.
func (k AdjustmentKind) Label() string { return adjustmentLabels[k] }

// Adjustment is a change of a published catalogue.
type Adjustment struct {
	ID, DecisionID int64
	Title          string // the entry's title (read only)
	Kind           AdjustmentKind
	On             civil.Date
	Reason         string
	// Detail says what changed (调整事项内容).
	Detail    string
	CreatedAt time.Time
}

// File is a document of a decision.
type File struct {
	ID, DecisionID int64
	AttachmentID   int64
	Title          string
	// Stage is the stage the document belongs to ("" for the decision as a
	// whole); HearingID the hearing, if any.
	Stage       StageKind
	HearingID   int64
	Public      bool
	FileName    string
	ContentType string
	Size        int64
	SHA256      string
	CreatedAt   time.Time
}

// FileMeta is what staff say of an uploaded document.
type FileMeta struct {
	Title     string
	Stage     StageKind
	HearingID int64
	Public    bool
}

// Event is a line of a decision's history.
type Event struct {
	At      time.Time
	ActorID int64
	Actor   string
	Action  string
	Note    string
}

var actionLabels = map[string]string{
	"create": "列入目录", "update": "修改事项", "remove": "调整出目录", "stage": "更新办理阶段", "hearing.add": "登记听取意见情况",
	"hearing.update": "修改听取意见情况", "file.add": "上传材料", "file.remove": "删除材料", "catalogue.publish": "公布目录",
	"archive": "导出决策档案",
}

// ActionLabel names an event's action.
func (e Event) ActionLabel() string {
	if l, ok := actionLabels[e.Action]; ok {
		return l
	}
	return e.Action
}
