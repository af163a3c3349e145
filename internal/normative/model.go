// Package normative is the library of 行政规范性文件 (normative documents):
// information items registered with their 文号, issuing organs, dates and
// validity period; their status (现行有效, 已修改, 已废止, 已失效, 尚未生效)
// with its history, changed by a daily job (expiry, entry into force) or by
// an amending or repealing document; evaluation reminders before expiry,
// filings (备案) and cleanup campaigns (清理); and the public library of an
// agency with its child agencies, and of the whole platform.
package normative

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/textzh"
)

// Status is the 有效性 of a normative document. The codes are those of the
// item's validity (disclosure.Validities).
type Status string

// The statuses (domain reference §4.3).
const (
	Valid           Status = "valid"
	NotYetEffective Status = "not_yet_effective"
	Amended         Status = "amended"
	Repealed        Status = "repealed"
	Expired         Status = "expired"
)

// Statuses in the order of lists and filters.
var Statuses = []Status{Valid, NotYetEffective, Amended, Repealed, Expired}

var statusLabels = map[Status]string{
	Valid: "现行有效", NotYetEffective: "尚未生效", Amended: "已修改", Repealed: "已废止", Expired: "已失效",
}

// Label names the status in Chinese.
func (s Status) Label() string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return string(s)
}

// Known reports whether s is a status.
func (s Status) Known() bool { _, ok := statusLabels[s]; return ok }

// InForce reports whether a document in this status is in force: an
// amended document stays in force as amended.
func (s Status) InForce() bool { return s == Valid || s == Amended }

// Badge is the CSS class of the status badge (the label is always shown
// too: never colour alone).
func (s Status) Badge() string {
	switch s {
	case Valid:
		return "ok"
	case NotYetEffective, Amended:
		return "warn"
	case Repealed:
		return "danger"
	}
	return "off"
}

// Kinds are the document types (文种) of normative documents.
var Kinds = []string{"规定", "办法", "细则", "规则", "意见", "决定", "通知", "通告"}

// KnownKind reports whether k is one of Kinds.
func KnownKind(k string) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// GuessKind proposes the kind and the interim flag from a title: the kind
// is the last type word the title ends with (…实施办法 → 办法), interim when
// the title says 暂行 or 试行.
func GuessKind(title string) (kind string, interim bool) {
	t := strings.TrimSpace(title)
	interim = strings.Contains(t, "暂行") || strings.Contains(t, "试行")
	t = strings.TrimSuffix(strings.TrimSuffix(t, "（试行）"), "(试行)")
	best := -1
	for _, k := range Kinds {
		if i := strings.LastIndex(t, k); i > best {
			best, kind = i, k
		}
	}
	return kind, interim
}

// Settings are an agency's validity periods (domain reference §4.2: 5 years,
// 暂行/试行 2 years, 通告 1 year, evaluation 6 months before expiry; the
// current Shanghai rule may differ, so they are configurable).
type Settings struct {
	AgencyID     int64
	YearsDefault int
	YearsInterim int
	YearsNotice  int
	RemindMonths int
	UpdatedAt    time.Time
}

// DefaultSettings are the periods of an agency that set none.
func DefaultSettings(agencyID int64) Settings {
	return Settings{AgencyID: agencyID, YearsDefault: 5, YearsInterim: 2, YearsNotice: 1, RemindMonths: 6}
}

// Validate checks the periods.
func (s Settings) Validate() map[string]string {
	f := map[string]string{}
	years := func(field, label string, n int) {
		if n < 1 || n > 10 {
			f[field] = label + "应为 1 至 10 年。"
		}
	}
	years("years_default", "一般文件的有效期", s.YearsDefault)
	years("years_interim", "暂行、试行文件的有效期", s.YearsInterim)
	years("years_notice", "通告的有效期", s.YearsNotice)
	if s.RemindMonths < 1 || s.RemindMonths > 12 {
		f["remind_months"] = "评估提醒应在到期前 1 至 12 个月。"
	}
	return f
}

// PeriodYears is the default validity period of a document of a kind.
func (s Settings) PeriodYears(kind string, interim bool) int {
	n := s.YearsDefault
	if interim && s.YearsInterim < n {
		n = s.YearsInterim
	}
	if kind == "通告" && s.YearsNotice < n {
		n = s.YearsNotice
	}
	return n
}

// AddMonths adds n months to d; a day the target month lacks becomes its
// last day (2027-08-31 minus 6 months is 2027-02-28).
func AddMonths(d civil.Date, n int) civil.Date {
	first := time.Date(d.Year, d.Month, 1, 12, 0, 0, 0, civil.Shanghai).AddDate(0, n, 0)
	last := first.AddDate(0, 1, -1).Day()
	day := d.Day
	if day > last {
		day = last
	}
	return civil.New(first.Year(), first.Month(), day)
}

// ExpiryFor is the last day in force of a document in force from
// effective for years: the day before the anniversary (施行 2022-06-01,
// 5 years: 2027-05-31; 2022-03-01, 2 years: 2024-02-29), or the month's
// last day when the anniversary does not exist (2024-02-29, 1 year:
// 2025-02-28).
func ExpiryFor(effective civil.Date, years int) civil.Date {
	end := AddMonths(effective, 12*years)
	if end.Day != effective.Day {
		return end
	}
	return end.AddDays(-1)
}

// StatusOn is the status a document's dates give on a day, before any
// amendment or repeal.
func StatusOn(day, effective, expires civil.Date) Status {
	switch {
	case day.Before(effective):
		return NotYetEffective
	case day.After(expires):
		return Expired
	}
	return Valid
}

// docNumberPattern accepts 文号 such as 沪民宗规〔2022〕1号 after bracket
// normalisation (the rule of disclosure's 发文字号).
var docNumberPattern = regexp.MustCompile(`^[\p{Han}A-Za-z]{1,20}〔(19|20)\d{2}〕\d{1,5}号$`)

// NormalizeDocNumber writes a 文号's brackets as 〔〕 ([2022], 【2022】,
// （2022） alike) and removes spaces.
func NormalizeDocNumber(s string) string { return textzh.NormalizeDocNumber(s) }

// Input is a registration (or its correction) as the form submits it.
type Input struct {
	ItemID       int64
	DocNumber    string
	Issuers      string // one organ per line (联合发文: several)
	Kind         string
	Interim      bool
	SignedOn     civil.Date
	PublishedOn  civil.Date
	EffectiveOn  civil.Date
	ExpiresOn    civil.Date // zero: the default period
	PeriodReason string
	DivisionID   int64
}

// Limits of the texts.
const (
	maxIssuer  = 60
	maxIssuers = 10
	maxReason  = 500
	maxLine    = 100
	maxText    = 2000
)

// checkLine puts a message into f when a one-line text is missing, too
// long or holds markup or control characters.
func checkLine(f map[string]string, field, label, v string, required bool, max int) {
	n := utf8.RuneCountInString(v)
	switch {
	case n == 0 && required:
		f[field] = "请填写" + label + "。"
	case n > max:
		f[field] = label + "不能超过 " + strconv.Itoa(max) + " 个字（当前 " + strconv.Itoa(n) + " 个）。"
	case strings.ContainsAny(v, "<>"):
		f[field] = label + "不能包含尖括号 < >，书名请用《》。"
	case strings.IndexFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		f[field] = label + "不能换行或包含控制字符。"
	}
}

// checkText puts a message into f when a multi-line text is missing or too
// long or holds control characters other than line breaks and tabs.
func checkText(f map[string]string, field, label, v string, required bool, max int) {
	n := utf8.RuneCountInString(v)
	switch {
	case n == 0 && required:
		f[field] = "请填写" + label + "。"
	case n > max:
		f[field] = label + "不能超过 " + strconv.Itoa(max) + " 个字（当前 " + strconv.Itoa(n) + " 个）。"
	case strings.IndexFunc(v, func(r rune) bool { return (r < 0x20 && r != '\n' && r != '\r' && r != '\t') || r == 0x7f }) >= 0:
		f[field] = label + "包含无效字符。"
	}
}

// SplitIssuers returns the organs of a multi-line text, trimmed, without
// blanks and repeats.
func SplitIssuers(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == '、' || r == ';' || r == '；' }) {
		line = strings.TrimSpace(line)
		if line != "" && !seen[line] {
			seen[line] = true
			out = append(out, line)
		}
	}
	return out
}

// Validate normalises the input and checks it against the settings; it
// returns the field messages, the issuers and the last day in force.
func (in *Input) Validate(st Settings) (map[string]string, []string, civil.Date) {
	f := map[string]string{}
	in.DocNumber = NormalizeDocNumber(in.DocNumber)
	in.PeriodReason = strings.TrimSpace(in.PeriodReason)
	checkLine(f, "doc_number", "文号", in.DocNumber, true, 40)
	if _, bad := f["doc_number"]; !bad && !docNumberPattern.MatchString(in.DocNumber) {
		f["doc_number"] = "文号格式应为“机关代字〔年份〕序号号”，例如：沪民宗规〔2022〕1号（方括号 [2022] 会自动改为〔2022〕）。"
	}
	issuers := SplitIssuers(in.Issuers)
	switch {
	case utf8.RuneCountInString(in.Issuers) > maxIssuers*(maxIssuer+2):
		f["issuers"] = "制定机关的内容过长。"
	case len(issuers) == 0:
		f["issuers"] = "请填写制定机关（联合发文的，每行填写一个机关）。"
	case len(issuers) > maxIssuers:
		f["issuers"] = "制定机关最多 " + strconv.Itoa(maxIssuers) + " 个。"
	default:
		for _, is := range issuers {
			checkLine(f, "issuers", "制定机关", is, true, maxIssuer)
		}
	}
	if !KnownKind(in.Kind) {
		f["kind"] = "请从列表中选择文种。"
	}
	if in.DivisionID <= 0 {
		f["division"] = "请选择起草处室（到期评估提醒将发给该处室）。"
	}
	need := func(field, label string, d civil.Date) {
		if _, bad := f[field]; !bad && d.IsZero() {
			f[field] = "请填写" + label + "。"
		}
	}
	need("signed_on", "成文日期", in.SignedOn)
	need("published_on", "发布日期", in.PublishedOn)
	need("effective_on", "施行日期", in.EffectiveOn)
	if !in.SignedOn.IsZero() && !in.PublishedOn.IsZero() && in.PublishedOn.Before(in.SignedOn) {
		f["published_on"] = "发布日期不能早于成文日期（" + in.SignedOn.String() + "）。"
	}
	if !in.PublishedOn.IsZero() && !in.EffectiveOn.IsZero() && in.EffectiveOn.Before(in.PublishedOn) {
		f["effective_on"] = "施行日期不能早于发布日期（" + in.PublishedOn.String() + "）：规范性文件未经公布不得作为行政管理依据。"
	}
	for _, d := range []struct {
		field string
		v     civil.Date
	}{{"signed_on", in.SignedOn}, {"published_on", in.PublishedOn}, {"effective_on", in.EffectiveOn}, {"expires_on", in.ExpiresOn}} {
		if !d.v.IsZero() && (d.v.Year < 1980 || d.v.Year > 2200) {
			f[d.field] = "日期不合理。"
		}
	}
	checkText(f, "period_reason", "有效期理由", in.PeriodReason, false, maxReason)
	var expires civil.Date
	if in.EffectiveOn.IsZero() {
		return f, issuers, expires
	}
	years := st.PeriodYears(in.Kind, in.Interim)
	def := ExpiryFor(in.EffectiveOn, years)
	expires = def
	if !in.ExpiresOn.IsZero() {
		expires = in.ExpiresOn
		switch {
		case in.ExpiresOn.Before(in.EffectiveOn):
			f["expires_on"] = "有效期截止日期不能早于施行日期（" + in.EffectiveOn.String() + "）。"
		case in.ExpiresOn.After(def):
			if _, bad := f["period_reason"]; !bad && utf8.RuneCountInString(in.PeriodReason) < 5 {
				f["period_reason"] = "有效期超过 " + strconv.Itoa(years) + " 年（默认截止日期 " + def.String() + "）的，须在起草说明中写明理由（至少 5 个字）。"
			}
		}
	}
	return f, issuers, expires
}

// Decision is what a cleanup decides for a document.
type Decision string

// The decisions of a cleanup.
const (
	Continue Decision = "continue"
	Amend    Decision = "amend"
	Repeal   Decision = "repeal"
)

// Decisions in the order of forms.
var Decisions = []Decision{Continue, Amend, Repeal}

// Label names the decision.
func (d Decision) Label() string {
	switch d {
	case Continue:
		return "继续有效"
	case Amend:
		return "拟修改"
	case Repeal:
		return "废止"
	}
	return "未决定"
}

// Known reports whether d is a decision.
func (d Decision) Known() bool { return d == Continue || d == Amend || d == Repeal }
