// Package pubstats publishes an agency's statistics and open data: a
// statistics page per agency and year (items published per month and
// column, application outcomes and reply times, interaction volumes and
// reply times, consultation participation) with server-rendered SVG charts
// and their data tables, the same numbers as CSV and JSON, and the public
// catalogue's metadata as CSV and JSON that anyone can mirror.
//
// It holds no data of its own: the figures come from the other
// capabilities through the small interfaces of service.go, wired in
// internal/app. Only public, aggregate numbers leave it — never personal
// data.
package pubstats

import (
	"math"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
)

// MinYear is the first year the statistics can be asked for: the
// 政府信息公开条例 took effect on 1 May 2008.
const MinYear = 2008

// ParseYear reads the ?year= of a statistics request: empty means the
// current year; otherwise four digits from MinYear to the current year. A
// bad value is an invalid-input error keyed "year" with a Chinese message.
func ParseYear(s string, today civil.Date) (int, error) {
	if s == "" {
		return today.Year, nil
	}
	msg := "年度应为 " + strconv.Itoa(MinYear) + " 至 " + strconv.Itoa(today.Year) + " 之间的四位数字年份，例如 " + strconv.Itoa(today.Year) + "。"
	if len(s) != 4 || strings.Trim(s, "0123456789") != "" {
		return 0, apperr.FieldErrors(map[string]string{"year": msg})
	}
	y, _ := strconv.Atoi(s)
	if y < MinYear || y > today.Year {
		return 0, apperr.FieldErrors(map[string]string{"year": msg})
	}
	return y, nil
}

// Years are the years offered in the year selector, newest first: the
// current year and up to nine before it.
func Years(today civil.Date) []int {
	var out []int
	for y := today.Year; y >= max(MinYear, today.Year-9); y-- {
		out = append(out, y)
	}
	return out
}

// AgencyRef is what the statistics need of an agency.
type AgencyRef struct {
	ID   int64  `json:"-"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// Statistics are an agency's public figures for a year. The JSON download
// is this structure; the CSV lists its Figures.
type Statistics struct {
	Agency AgencyRef `json:"agency"`
	Year   int       `json:"year"`
	// AsOf is the day the figures were computed; Complete is false while
	// the year is still running (the figures are then up to AsOf).
	AsOf          civil.Date        `json:"as_of"`
	Complete      bool              `json:"complete"`
	Items         ItemStats         `json:"items"`
	Applications  ApplicationStats  `json:"applications"`
	Interactions  InteractionStats  `json:"interactions"`
	Consultations ConsultationStats `json:"consultations"`
}

// ItemStats count the information published (信息发布).
type ItemStats struct {
	Total  int          `json:"total"`
	Months []MonthCount `json:"months"` // twelve, January first
	// Columns hold the items published in the year, in catalogue order;
	// an item in two columns counts in both.
	Columns     []ColumnCount `json:"columns"`
	FivePublics []NamedCount  `json:"five_publics"`
}

// MonthCount is one month's count.
type MonthCount struct {
	Month int `json:"month"`
	Count int `json:"count"`
}

// ColumnCount is a column of the public catalogue and its items.
type ColumnCount struct {
	Slug   string `json:"slug"`
	Name   string `json:"name"`
	Parent string `json:"parent,omitempty"` // the parent column's name
	URL    string `json:"url"`              // the column's page (path)
	Count  int    `json:"count"`
}

// Label is the column's name under its parent's.
func (c ColumnCount) Label() string {
	if c.Parent != "" {
		return c.Parent + " › " + c.Name
	}
	return c.Name
}

// NamedCount is a count under a key and a Chinese label.
type NamedCount struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

// ApplicationStats are the figures of 依申请公开 (table three's totals and
// the reply times).
type ApplicationStats struct {
	Received       int `json:"received"`        // 本年新收
	CarriedOver    int `json:"carried_over"`    // 上年结转
	Processed      int `json:"processed"`       // 本年度办理结果总计
	CarriedForward int `json:"carried_forward"` // 结转下年度 (still open)
	// Outcomes are the six result groups of table three; they add up to
	// Processed.
	Outcomes []NamedCount `json:"outcomes"`
	Response Response     `json:"response"`
}

// Response are the reply times of the applications replied to in the
// year, in working days as the law counts the period.
type Response struct {
	Replied int `json:"replied"`
	// AverageDays and MaxDays are null without replies.
	AverageDays *float64 `json:"average_days"`
	MaxDays     *int     `json:"max_days"`
	// Within20Days were replied within the 20 working days of Art. 33;
	// WithinLimit within the period that applied (with a lawful extension).
	Within20Days        int      `json:"within_20_days"`
	Within20DaysPercent *float64 `json:"within_20_days_percent"`
	WithinLimit         int      `json:"within_limit"`
	WithinLimitPercent  *float64 `json:"within_limit_percent"`
	Extended            int      `json:"extended"`
}

// InteractionStats are the figures of 互动交流 (mailbox, message board and
// the other channels of internal/concern) for the cases received in the
// year.
type InteractionStats struct {
	Received    int            `json:"received"`
	Replied     int            `json:"replied"`
	AverageDays *float64       `json:"average_days"` // mean working days from receipt to reply
	Channels    []ChannelStats `json:"channels"`
	Months      []MonthPair    `json:"months"` // twelve, January first
}

// ChannelStats are one channel's figures.
type ChannelStats struct {
	Key         string   `json:"key"`
	Label       string   `json:"label"`
	Received    int      `json:"received"`
	Replied     int      `json:"replied"`
	AverageDays *float64 `json:"average_days"`
}

// MonthPair is one month's cases received and replied to.
type MonthPair struct {
	Month    int `json:"month"`
	Received int `json:"received"`
	Replied  int `json:"replied"`
}

// ConsultationStats are the figures of 征求意见 for the consultations
// opened in the year.
type ConsultationStats struct {
	Held         int `json:"held"`
	Comments     int `json:"comments"`
	Participants int `json:"participants"`
	// Answered consultations have published their feedback; Adopted and
	// Partly count their comments adopted and adopted in part.
	Answered      int                `json:"answered"`
	Adopted       int                `json:"adopted"`
	Partly        int                `json:"partly_adopted"`
	Consultations []ConsultationItem `json:"list"`
}

// ConsultationItem is one consultation's public figures.
type ConsultationItem struct {
	Title        string     `json:"title"`
	URL          string     `json:"url"` // its public page (path)
	OpensOn      civil.Date `json:"opens_on"`
	ClosesOn     civil.Date `json:"closes_on"`
	Comments     int        `json:"comments"`
	Participants int        `json:"participants"`
}

// Round1 rounds to one decimal, as the figures are shown.
func Round1(x float64) float64 { return math.Round(x*10) / 10 }

// Percent is part of whole in percent, one decimal; nil if whole is 0.
func Percent(part, whole int) *float64 {
	if whole == 0 {
		return nil
	}
	p := Round1(100 * float64(part) / float64(whole))
	return &p
}

// Days is a mean in working days, one decimal; nil without cases.
func Days(mean float64, n int) *float64 {
	if n == 0 {
		return nil
	}
	d := Round1(mean)
	return &d
}

// Figure is one number of the statistics: a row of the CSV download. Key
// is the number's path in the JSON download (dot-separated, list indexes
// counted from 0), so that the two can be checked against each other.
type Figure struct {
	Section string // 信息发布, 依申请公开, 互动交流, 征求意见
	Label   string
	Value   string // "" when not applicable (no cases)
	Unit    string
	Key     string
}

// Section names.
const (
	SectionItems         = "信息发布"
	SectionApplications  = "依申请公开"
	SectionInteractions  = "互动交流"
	SectionConsultations = "征求意见"
)

// Figures lists every number of s in page order.
func (s *Statistics) Figures() []Figure {
	var out []Figure
	add := func(section, label string, v any, unit, key string) {
		out = append(out, Figure{Section: section, Label: label, Value: formatValue(v), Unit: unit, Key: key})
	}
	it := "items."
	add(SectionItems, "全年发布信息", s.Items.Total, "条", it+"total")
	for i, m := range s.Items.Months {
		add(SectionItems, strconv.Itoa(m.Month)+"月发布信息", m.Count, "条", it+"months."+strconv.Itoa(i)+".count")
	}
	for i, c := range s.Items.Columns {
		add(SectionItems, "栏目："+c.Label(), c.Count, "条", it+"columns."+strconv.Itoa(i)+".count")
	}
	for i, f := range s.Items.FivePublics {
		add(SectionItems, "五公开："+f.Label, f.Count, "条", it+"five_publics."+strconv.Itoa(i)+".count")
	}
	ap := "applications."
	a := s.Applications
	add(SectionApplications, "本年新收申请", a.Received, "件", ap+"received")
	add(SectionApplications, "上年结转申请", a.CarriedOver, "件", ap+"carried_over")
	add(SectionApplications, "本年办结", a.Processed, "件", ap+"processed")
	add(SectionApplications, "结转下年度（尚在办理）", a.CarriedForward, "件", ap+"carried_forward")
	for i, o := range a.Outcomes {
		add(SectionApplications, "办理结果："+o.Label, o.Count, "件", ap+"outcomes."+strconv.Itoa(i)+".count")
	}
	r, rp := a.Response, ap+"response."
	add(SectionApplications, "本年答复", r.Replied, "件", rp+"replied")
	add(SectionApplications, "平均答复用时", r.AverageDays, "个工作日", rp+"average_days")
	add(SectionApplications, "最长答复用时", r.MaxDays, "个工作日", rp+"max_days")
	add(SectionApplications, "20个工作日内答复", r.Within20Days, "件", rp+"within_20_days")
	add(SectionApplications, "20个工作日内答复占比", r.Within20DaysPercent, "%", rp+"within_20_days_percent")
	add(SectionApplications, "在法定期限内答复（含依法延期）", r.WithinLimit, "件", rp+"within_limit")
	add(SectionApplications, "在法定期限内答复占比", r.WithinLimitPercent, "%", rp+"within_limit_percent")
	add(SectionApplications, "延期答复", r.Extended, "件", rp+"extended")
	in := "interactions."
	add(SectionInteractions, "收到来信留言", s.Interactions.Received, "件", in+"received")
	add(SectionInteractions, "已答复", s.Interactions.Replied, "件", in+"replied")
	add(SectionInteractions, "平均答复用时", s.Interactions.AverageDays, "个工作日", in+"average_days")
	for i, c := range s.Interactions.Channels {
		k := in + "channels." + strconv.Itoa(i) + "."
		add(SectionInteractions, c.Label+"：收到", c.Received, "件", k+"received")
		add(SectionInteractions, c.Label+"：已答复", c.Replied, "件", k+"replied")
		add(SectionInteractions, c.Label+"：平均答复用时", c.AverageDays, "个工作日", k+"average_days")
	}
	for i, m := range s.Interactions.Months {
		k := in + "months." + strconv.Itoa(i) + "."
		add(SectionInteractions, strconv.Itoa(m.Month)+"月收到", m.Received, "件", k+"received")
		add(SectionInteractions, strconv.Itoa(m.Month)+"月答复", m.Replied, "件", k+"replied")
	}
	co := "consultations."
	c := s.Consultations
	add(SectionConsultations, "开展征求意见", c.Held, "次", co+"held")
	add(SectionConsultations, "收到意见", c.Comments, "条", co+"comments")
	add(SectionConsultations, "参与人数（估计）", c.Participants, "人", co+"participants")
	add(SectionConsultations, "已公布采纳情况", c.Answered, "次", co+"answered")
	add(SectionConsultations, "采纳意见", c.Adopted, "条", co+"adopted")
	add(SectionConsultations, "部分采纳意见", c.Partly, "条", co+"partly_adopted")
	for i, x := range c.Consultations {
		k := co + "list." + strconv.Itoa(i) + "."
		add(SectionConsultations, "《"+x.Title+"》收到意见", x.Comments, "条", k+"comments")
		add(SectionConsultations, "《"+x.Title+"》参与人数", x.Participants, "人", k+"participants")
	}
	return out
}

func formatValue(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case *int:
		if x == nil {
			return ""
		}
		return strconv.Itoa(*x)
	case *float64:
		if x == nil {
			return ""
		}
		return strconv.FormatFloat(*x, 'f', 1, 64)
	}
	return ""
}

// oneDecimal writes an optional figure for people ("—" when absent).
func oneDecimal(p *float64) string {
	if p == nil {
		return "—"
	}
	return strconv.FormatFloat(*p, 'f', 1, 64)
}

// AverageLabel is the mean reply time for people.
func (r Response) AverageLabel() string { return oneDecimal(r.AverageDays) }

// MaxLabel is the longest reply time for people.
func (r Response) MaxLabel() string {
	if r.MaxDays == nil {
		return "—"
	}
	return strconv.Itoa(*r.MaxDays)
}

// Within20Label is the share replied within 20 working days ("" if none).
func (r Response) Within20Label() string { return percentLabel(r.Within20DaysPercent) }

// WithinLimitLabel is the share replied on time ("" if none).
func (r Response) WithinLimitLabel() string { return percentLabel(r.WithinLimitPercent) }

func percentLabel(p *float64) string {
	if p == nil {
		return ""
	}
	return "（" + strconv.FormatFloat(*p, 'f', 1, 64) + "%）"
}

// AverageLabel is the mean reply time for people.
func (s InteractionStats) AverageLabel() string { return oneDecimal(s.AverageDays) }

// AverageLabel is the mean reply time for people.
func (c ChannelStats) AverageLabel() string { return oneDecimal(c.AverageDays) }
