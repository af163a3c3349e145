// Package docregistry is the official-document registry (公文备案 with
// 公开属性源头认定, domain reference §6): every official document is
// registered at drafting with its disclosure attribute — 主动公开, 依申请公开
// or 不予公开 — and, for anything not proactive, the legal ground (条例
// Art. 14, 15, 16) and the reason; an approver approves or returns the
// attribute. A proactive document, once signed and approved, becomes a
// draft information item in the disclosure workflow and is tracked until
// it is published (Art. 26: 20 working days from signing); a non-disclosed
// one is re-reviewed periodically (Art. 18).
package docregistry

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/textzh"
	"github.com/gongkai/gongkai/internal/web"
)

// Attribute is a document's disclosure attribute (公开属性).
type Attribute string

// Attributes (条例 Art. 13: two modes of disclosure, and the exemptions).
const (
	Proactive Attribute = "proactive"  // 主动公开
	OnRequest Attribute = "on_request" // 依申请公开
	Withheld  Attribute = "withheld"   // 不予公开
)

// Attributes lists them for forms and reports.
var Attributes = []Attribute{Proactive, OnRequest, Withheld}

// Label is the Chinese name.
func (a Attribute) Label() string {
	switch a {
	case Proactive:
		return "主动公开"
	case OnRequest:
		return "依申请公开"
	case Withheld:
		return "不予公开"
	}
	return string(a)
}

// Valid reports whether a is known.
func (a Attribute) Valid() bool { return a == Proactive || a == OnRequest || a == Withheld }

// AttributeByLabel reads a Chinese label (imports).
func AttributeByLabel(s string) (Attribute, bool) {
	for _, a := range Attributes {
		if a.Label() == s || string(a) == s {
			return a, true
		}
	}
	return "", false
}

// Ground is the legal ground for not disclosing proactively. The codes of
// the Art. 14–16 grounds are those of internal/application's refusal
// outcomes (without their "withhold." prefix), so that a document's ground
// and a later reply to an application about it speak the same vocabulary.
type Ground string

// Grounds.
const (
	GroundStateSecret     Ground = "state_secret"       // Art. 14 依法确定为国家秘密
	GroundLawForbids      Ground = "law_forbids"        // Art. 14 法律、行政法规禁止公开
	GroundSecurity        Ground = "security_stability" // Art. 14 危及“三安全一稳定”
	GroundThirdParty      Ground = "third_party"        // Art. 15 商业秘密、个人隐私等
	GroundInternalAffairs Ground = "internal_affairs"   // Art. 16 ¶1 内部事务信息
	GroundProcessInfo     Ground = "process_info"       // Art. 16 ¶2 过程性信息
	GroundEnforcementFile Ground = "enforcement_file"   // Art. 16 ¶2 行政执法案卷
	// GroundNotProactive is for 依申请公开 only: the information is
	// disclosable but does not meet the Art. 19/20 criteria for proactive
	// disclosure (it concerns particular persons or matters).
	GroundNotProactive Ground = "not_proactive"
)

// GroundInfo describes a ground.
type GroundInfo struct {
	Code  Ground
	Label string
	Basis string
	// MustWithhold: Art. 14 information may not be disclosed at all, so the
	// attribute must be 不予公开.
	MustWithhold bool
	// OnRequestOnly: the ground only fits 依申请公开.
	OnRequestOnly bool
}

// Grounds lists every ground in the order of the regulation.
var Grounds = []GroundInfo{
	{GroundStateSecret, "属于国家秘密", "条例第十四条", true, false},
	{GroundLawForbids, "法律、行政法规禁止公开", "条例第十四条", true, false},
	{GroundSecurity, "公开后可能危及“三安全一稳定”", "条例第十四条", true, false},
	{GroundThirdParty, "涉及商业秘密、个人隐私等，公开会损害第三方合法权益", "条例第十五条", false, false},
	{GroundInternalAffairs, "属于人事管理、后勤管理、内部工作流程等内部事务信息", "条例第十六条第一款", false, false},
	{GroundProcessInfo, "属于讨论记录、过程稿、磋商信函、请示报告等过程性信息", "条例第十六条第二款", false, false},
	{GroundEnforcementFile, "属于行政执法案卷信息", "条例第十六条第二款", false, false},
	{GroundNotProactive, "不属于应当主动公开的范围，仅涉及特定对象", "条例第十九条、第二十条", false, true},
}

// Info returns the ground's description.
func (g Ground) Info() (GroundInfo, bool) {
	for _, i := range Grounds {
		if i.Code == g {
			return i, true
		}
	}
	return GroundInfo{}, false
}

// Label is "依据：名称", or "" for no ground.
func (g Ground) Label() string {
	if i, ok := g.Info(); ok {
		return i.Basis + "：" + i.Label
	}
	return string(g)
}

// GroundByLabel reads a ground from an import cell: its code, its full
// label, its name, or the article with the name.
func GroundByLabel(s string) (Ground, bool) {
	s = strings.TrimSpace(s)
	for _, i := range Grounds {
		if s == string(i.Code) || s == i.Label || s == Ground(i.Code).Label() || s == i.Basis+i.Label {
			return i.Code, true
		}
	}
	return "", false
}

// State is where a document's attribute stands in its approval.
type State string

// States.
const (
	Pending  State = "pending"  // 待审核
	Approved State = "approved" // 已审核
	Returned State = "returned" // 已退回
)

// Label is the Chinese name.
func (s State) Label() string {
	switch s {
	case Pending:
		return "待审核"
	case Approved:
		return "已审核"
	case Returned:
		return "已退回修改"
	}
	return string(s)
}

// Editable reports whether the registration may still be changed.
func (s State) Editable() bool { return s == Pending || s == Returned }

// Publication is how far a proactive document has got to publication.
type Publication string

// Publication states ("" for documents that are not proactive).
const (
	PubNone      Publication = ""
	PubWaiting   Publication = "waiting"   // 待审核或待签发: the clock has not started
	PubPending   Publication = "pending"   // 待发布
	PubPublished Publication = "published" // 已发布
	PubOverdue   Publication = "overdue"   // 逾期未发布
)

// Label is the Chinese name.
func (p Publication) Label() string {
	switch p {
	case PubWaiting:
		return "待签发/审核"
	case PubPending:
		return "待发布"
	case PubPublished:
		return "已发布"
	case PubOverdue:
		return "逾期未发布"
	}
	return "—"
}

// PublishDays is the proactive-disclosure period (条例 Art. 26: within 20
// working days of the information being formed or changed; a signed
// document is formed on its signing date).
const PublishDays = 20

// DueSoonDays: a publication due within this many working days is shown
// as due soon.
const DueSoonDays = 5

// ApprovalDays: the to-do for a waiting approval is due this many working
// days after registration (a platform convention, not a legal period).
const ApprovalDays = 5

// ReviewSoonDays: an Art. 18 re-review due within this many calendar days
// appears among the to-dos.
const ReviewSoonDays = 30

// DefaultReviewMonths is the Art. 18 re-review interval when the agency
// has not set one (domain reference §1.1: "periodically" — the interval is
// [U], so it is configurable).
const DefaultReviewMonths = 12

// ItemState is the draft information item of a proactive document, as the
// disclosure workflow reports it.
type ItemState struct {
	ID          int64
	Status      string // the workflow's label, e.g. 草稿, 已发布
	Published   bool
	PublishedOn civil.Date
	ConsoleURL  string
}

// Document is a registered official document.
type Document struct {
	ID           int64
	AgencyID     int64
	DocNumber    string // 文号, normalised
	Title        string
	Issuer       string // 发文机关
	DivisionID   int64  // 起草处室 (0: the division has since been removed)
	DivisionName string
	DraftedOn    civil.Date // 起草日期
	SignedOn     civil.Date // 签发日期 (zero: not yet signed)
	Attribute    Attribute
	Ground       Ground
	Reason       string
	State        State
	ApprovalNote string
	ApprovedBy   string
	ApprovedAt   time.Time
	ItemID       int64
	DueFrom      civil.Date // start of the Art. 26 clock (signing, or a change to 主动公开)
	DueOn        civil.Date // last day to publish
	ReviewBase   civil.Date // Art. 18: the attribute was last fixed or reviewed on
	ImportHash   string
	CreatedBy    int64
	CreatedName  string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int

	// Set when read for a page: the item's state and the next re-review.
	Item       *ItemState
	NextReview civil.Date
}

// Disclosed reports whether the document is to be disclosed proactively.
func (d *Document) Disclosed() bool { return d.Attribute == Proactive }

// Publication says where a proactive document stands on today.
func (d *Document) Publication(today civil.Date) Publication {
	if d.Attribute != Proactive {
		return PubNone
	}
	if d.Item != nil && d.Item.Published {
		return PubPublished
	}
	if d.State != Approved || d.DueOn.IsZero() {
		return PubWaiting
	}
	if today.After(d.DueOn) {
		return PubOverdue
	}
	return PubPending
}

// PublishedOn is the publication date read from the item (zero if none).
func (d *Document) PublishedOn() civil.Date {
	if d.Item != nil && d.Item.Published {
		return d.Item.PublishedOn
	}
	return civil.Date{}
}

// PublishedLate reports a publication after the deadline.
func (d *Document) PublishedLate() bool {
	p := d.PublishedOn()
	return !p.IsZero() && !d.DueOn.IsZero() && p.After(d.DueOn)
}

// ReviewDue reports whether the document waits for an Art. 18 re-review.
func (d *Document) ReviewDue() bool {
	return d.State == Approved && d.Attribute != Proactive && !d.NextReview.IsZero()
}

// Input is a registration as the form (or an import row) submits it.
type Input struct {
	DocNumber  string
	Title      string
	Issuer     string
	DivisionID int64
	DraftedOn  string
	SignedOn   string
	Attribute  string
	Ground     string
	Reason     string
	Version    int
}

// Limits of the texts.
const (
	maxTitle  = 200
	maxIssuer = 60
	maxReason = 1000
	maxNote   = 1000
)

// docNumberPattern accepts 文号 such as 沪民宗发〔2025〕12号 after bracket
// normalisation (the rule of disclosure's and normative's 发文字号).
var docNumberPattern = regexp.MustCompile(`^[\p{Han}A-Za-z]{1,20}〔(19|20)\d{2}〕\d{1,5}号$`)

// NormalizeDocNumber writes a 文号's brackets as 〔〕 and removes spaces
// (textzh.NormalizeDocNumber, shared with disclosure and normative).
func NormalizeDocNumber(s string) string { return textzh.NormalizeDocNumber(s) }

// checkLine puts a message into f when a one-line text is missing, too long
// or holds markup or control characters.
func checkLine(f map[string]string, field, label, v string, required bool, max int) {
	n := utf8.RuneCountInString(v)
	switch {
	case n == 0:
		if required {
			f[field] = "请填写" + label
		}
	case web.Unreadable(v):
		f[field] = label + "含有无法识别的字符"
	case n > max:
		f[field] = label + "不能超过 " + strconv.Itoa(max) + " 个字"
	case strings.ContainsAny(v, "\r\n"):
		f[field] = label + "不能换行"
	case strings.ContainsAny(v, "<>"):
		f[field] = label + "不能包含尖括号 < >，书名请用《》"
	}
}

// parsed is a validated input.
type parsed struct {
	DocNumber, Title, Issuer string
	DivisionID               int64
	DraftedOn, SignedOn      civil.Date
	Attribute                Attribute
	Ground                   Ground
	Reason                   string
}

// Validate checks an input against today and returns the parsed values or
// field errors in Chinese: 文号 in the standard form, the attribute
// required, a ground and a reason required when not 主动公开 (an Art. 14
// ground only with 不予公开), dates not in the future and signed no earlier
// than drafted.
func (in Input) Validate(today civil.Date) (parsed, error) {
	f := map[string]string{}
	var p parsed
	p.DocNumber = NormalizeDocNumber(in.DocNumber)
	p.Title = strings.TrimSpace(in.Title)
	p.Issuer = strings.TrimSpace(in.Issuer)
	p.Reason = strings.TrimSpace(strings.ReplaceAll(in.Reason, "\r\n", "\n"))
	p.DivisionID = in.DivisionID
	checkLine(f, "doc_number", "文号", p.DocNumber, true, 40)
	if _, bad := f["doc_number"]; !bad && !docNumberPattern.MatchString(p.DocNumber) {
		f["doc_number"] = "文号格式应为“机关代字〔年份〕序号号”，例如：沪民宗发〔2025〕12号"
	}
	checkLine(f, "title", "标题", p.Title, true, maxTitle)
	checkLine(f, "issuer", "发文机关", p.Issuer, true, maxIssuer)
	if p.DivisionID <= 0 {
		f["division_id"] = "请选择起草处室"
	}
	date := func(field, label, s string, required bool) civil.Date {
		s = strings.TrimSpace(s)
		if s == "" {
			if required {
				f[field] = "请填写" + label
			}
			return civil.Date{}
		}
		d, err := ParseDate(s)
		switch {
		case err != nil:
			f[field] = label + "格式应为 2025-01-31"
		case d.After(today):
			f[field] = label + "不能晚于今天"
		}
		return d
	}
	p.DraftedOn = date("drafted_on", "起草日期", in.DraftedOn, true)
	p.SignedOn = date("signed_on", "签发日期", in.SignedOn, false)
	if _, bad := f["signed_on"]; !bad && !p.SignedOn.IsZero() && !p.DraftedOn.IsZero() && p.SignedOn.Before(p.DraftedOn) {
		f["signed_on"] = "签发日期不能早于起草日期"
	}
	a := Attribute(strings.TrimSpace(in.Attribute))
	switch {
	case a == "":
		f["attribute"] = "请选择公开属性（主动公开、依申请公开或不予公开）"
	case !a.Valid():
		f["attribute"] = "公开属性须为主动公开、依申请公开或不予公开"
	}
	p.Attribute = a
	g := Ground(strings.TrimSpace(in.Ground))
	if a.Valid() && a != Proactive {
		info, ok := g.Info()
		switch {
		case g == "":
			f["ground"] = "非主动公开的公文须选择不公开的法定依据（条例第十四、十五、十六条）"
		case !ok:
			f["ground"] = "请从列表中选择不公开的法定依据"
		case info.MustWithhold && a != Withheld:
			f["ground"] = "属于条例第十四条情形的信息不得公开，公开属性应为不予公开"
		case info.OnRequestOnly && a != OnRequest:
			f["ground"] = "“不属于主动公开范围”只适用于依申请公开"
		}
		if p.Reason == "" {
			f["reason"] = "非主动公开的公文须填写理由"
		}
		p.Ground = g
	} else {
		// A proactive document has no ground; a stale one from the form
		// is dropped.
		p.Ground = ""
	}
	if utf8.RuneCountInString(p.Reason) > maxReason {
		f["reason"] = "理由不能超过 " + strconv.Itoa(maxReason) + " 个字"
	} else if web.Unreadable(p.Reason) || strings.ContainsAny(p.Reason, "<>") {
		f["reason"] = "理由不能包含尖括号 < > 或无法识别的字符"
	}
	if len(f) > 0 {
		return parsed{}, apperr.FieldErrors(f)
	}
	return p, nil
}

var dateSeparators = strings.NewReplacer("年", "-", "月", "-", "日", "", "/", "-", ".", "-", " ", "")

// ParseDate reads 2025-03-01, 2025-3-1, 2025/3/1, 2025.3.1 or
// 2025年3月1日.
func ParseDate(s string) (civil.Date, error) {
	s = dateSeparators.Replace(strings.TrimSpace(s))
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return civil.Date{}, apperr.Invalidf("日期格式不正确")
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return civil.Date{}, apperr.Invalidf("日期格式不正确")
		}
		n[i] = v
	}
	if n[0] < 1949 || n[0] > 2200 || n[1] < 1 || n[1] > 12 || n[2] < 1 || n[2] > 31 {
		return civil.Date{}, apperr.Invalidf("日期格式不正确")
	}
	d := civil.New(n[0], time.Month(n[1]), n[2])
	if d.Month != time.Month(n[1]) || d.Day != n[2] {
		return civil.Date{}, apperr.Invalidf("日期不存在")
	}
	return d, nil
}

// ReviewOutcome is the result of an Art. 18 re-review.
type ReviewOutcome string

// Review outcomes.
const (
	Keep   ReviewOutcome = "keep"   // 维持原公开属性
	Change ReviewOutcome = "change" // 变更公开属性
)

// Label is the Chinese name.
func (o ReviewOutcome) Label() string {
	if o == Change {
		return "变更公开属性"
	}
	return "维持原公开属性"
}

// Review is a recorded Art. 18 re-review.
type Review struct {
	ID         int64
	ReviewedOn civil.Date
	Outcome    ReviewOutcome
	From, To   Attribute
	Note       string
	Reviewer   string
	CreatedAt  time.Time
}

// ReviewInput is the re-review form.
type ReviewInput struct {
	Outcome   string
	Attribute string
	Ground    string
	Reason    string
	Note      string
}

// Event is a line of a document's history.
type Event struct {
	Action    string
	Note      string
	Actor     string
	CreatedAt time.Time
}

// addMonths moves d by n calendar months, clamping to the month's end
// (2025-01-31 + 1 month = 2025-02-28).
func addMonths(d civil.Date, n int) civil.Date {
	y, m := d.Year, int(d.Month)-1+n
	y += m / 12
	m %= 12
	if m < 0 {
		m += 12
		y--
	}
	day := d.Day
	last := time.Date(y, time.Month(m+2), 0, 12, 0, 0, 0, time.UTC).Day()
	if day > last {
		day = last
	}
	return civil.New(y, time.Month(m+1), day)
}
