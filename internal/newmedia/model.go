// Package newmedia is 政务新媒体 (work points 三(二) and 四(二)): the
// registry of an agency's government new-media accounts — platform,
// account name and ID, 主管单位 and 主办单位, operator, status, QR image,
// the date of the last update and a freshness flag — the repost tasks
// (转发任务) that follow an important policy, interpretation or emergency
// update, and the public 新媒体矩阵 page.
//
// Freshness: the inspection indicators (国办秘函〔2019〕19号, see
// domain-reference §3.3) veto an account with "no update in the 2 weeks
// before the check"; the exact new-media thresholds are [U]. The rule here
// counts calendar days, as the inspection does: an account in operation is
// stale when more than StaleDays (default 14) days have passed since its
// last update, i.e. it must be updated by last update + StaleDays. Paused
// and closed accounts are not flagged (they are not being updated on
// purpose); an account in operation with no update recorded is stale.
package newmedia

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

// Platform is where an account is.
type Platform string

// Platforms.
const (
	WeChat   Platform = "wechat"   // 微信公众号
	Weibo    Platform = "weibo"    // 微博
	Douyin   Platform = "douyin"   // 抖音
	Channels Platform = "channels" // 视频号
	Toutiao  Platform = "toutiao"  // 今日头条
	Other    Platform = "other"    // 其他
)

// Platforms in display order.
var Platforms = []Platform{WeChat, Weibo, Douyin, Channels, Toutiao, Other}

var platformLabels = map[Platform]string{WeChat: "微信公众号", Weibo: "微博", Douyin: "抖音", Channels: "视频号", Toutiao: "今日头条", Other: "其他"}

// Label is the platform in Chinese.
func (p Platform) Label() string {
	if l, ok := platformLabels[p]; ok {
		return l
	}
	return string(p)
}

// Valid reports whether p is known.
func (p Platform) Valid() bool { _, ok := platformLabels[p]; return ok }

func (p Platform) order() int {
	for i, q := range Platforms {
		if p == q {
			return i
		}
	}
	return len(Platforms)
}

// Status is an account's state.
type Status string

// Account states.
const (
	Active Status = "active" // 运行
	Paused Status = "paused" // 暂停更新
	Closed Status = "closed" // 已关停
)

// Label is the status in Chinese.
func (s Status) Label() string {
	switch s {
	case Active:
		return "运行"
	case Paused:
		return "暂停更新"
	case Closed:
		return "已关停"
	}
	return string(s)
}

// Valid reports whether s is known.
func (s Status) Valid() bool { return s == Active || s == Paused || s == Closed }

// Account is a government new-media account.
type Account struct {
	ID              int64
	AgencyID        int64
	Platform        Platform
	Name            string
	AccountID       string // 账号 / 微信号 / 微博 ID
	Supervisor      string // 主管单位
	Sponsor         string // 主办单位
	Operator        string // 运维单位或人员 (console only)
	OperatorContact string // 运维联系电话 (console only)
	Status          Status
	QRAttachmentID  int64
	LastUpdatedOn   civil.Date
	Note            string
	SortOrder       int
	Version         int
	CreatedAt       time.Time
	UpdatedAt       time.Time

	// Set by the service for the day it was read.
	Stale     bool
	DaysSince int        // days since the last update (-1: none recorded)
	UpdateBy  civil.Date // last day to update within the freshness rule
}

// QRAlt is the text that stands for the account's QR image.
func (a *Account) QRAlt() string { return a.Name + " " + a.Platform.Label() + "二维码" }

// Freshness sets Stale, DaysSince and UpdateBy as of today.
func (a *Account) Freshness(today civil.Date, staleDays int) {
	a.Stale, a.DaysSince, a.UpdateBy = false, -1, civil.Date{}
	if a.LastUpdatedOn.IsZero() {
		a.Stale = a.Status == Active
		a.UpdateBy = today
		return
	}
	a.DaysSince = a.LastUpdatedOn.DaysUntil(today)
	a.UpdateBy = a.LastUpdatedOn.AddDays(staleDays)
	a.Stale = a.Status == Active && today.After(a.UpdateBy)
}

// FreshnessText says the freshness in words.
func (a *Account) FreshnessText() string {
	switch {
	case a.Status != Active:
		return "—"
	case a.DaysSince < 0:
		return "未记录更新"
	case a.DaysSince == 0:
		return "今天已更新"
	}
	return strconv.Itoa(a.DaysSince) + " 天前更新"
}

// Limits of the forms.
const (
	MaxName    = 60
	MaxText    = 100
	MaxNote    = 1000
	MaxURL     = 1000
	MaxTitle   = 200
	MaxAccount = 100
)

// AccountFields are an account as typed.
type AccountFields struct {
	Platform, Name, AccountID, Supervisor, Sponsor, Operator, OperatorContact, Status, LastUpdatedOn, Note string
	Version                                                                                                int
}

// check parses f into a; today bounds the last update date.
func (f AccountFields) check(a *Account, today civil.Date) map[string]string {
	m := map[string]string{}
	trim := strings.TrimSpace
	a.Name, a.AccountID, a.Supervisor, a.Sponsor = trim(f.Name), trim(f.AccountID), trim(f.Supervisor), trim(f.Sponsor)
	a.Operator, a.OperatorContact, a.Note = trim(f.Operator), trim(f.OperatorContact), trim(f.Note)
	switch p := Platform(trim(f.Platform)); {
	case p == "":
		m["platform"] = "请选择平台。"
	case !p.Valid():
		m["platform"] = "平台不在可选范围内，请重新选择。"
	default:
		a.Platform = p
	}
	web.CheckText(m, "name", "账号名称", a.Name, true, MaxName)
	web.CheckText(m, "account_id", "账号 ID", a.AccountID, false, MaxAccount)
	web.CheckText(m, "supervisor", "主管单位", a.Supervisor, false, MaxText)
	web.CheckText(m, "sponsor", "主办单位", a.Sponsor, true, MaxText)
	web.CheckText(m, "operator", "运维单位或人员", a.Operator, false, MaxText)
	web.CheckText(m, "note", "备注", a.Note, false, MaxNote)
	if a.OperatorContact != "" && !web.ValidPhone(a.OperatorContact) {
		m["operator_contact"] = "联系电话格式不正确，请填写手机号码或带区号的固定电话。"
	}
	switch s := Status(trim(f.Status)); {
	case s == "":
		m["status"] = "请选择运行状态。"
	case !s.Valid():
		m["status"] = "运行状态不在可选范围内，请重新选择。"
	default:
		a.Status = s
	}
	a.LastUpdatedOn = civil.Date{}
	if v := trim(f.LastUpdatedOn); v != "" {
		d, err := civil.Parse(v)
		switch {
		case err != nil:
			m["last_updated_on"] = "请按“2026-05-20”的格式填写最近更新日期。"
		case d.After(today):
			m["last_updated_on"] = "最近更新日期不能晚于今天。"
		case d.Year < 2000:
			m["last_updated_on"] = "最近更新日期不在有效范围内。"
		default:
			a.LastUpdatedOn = d
		}
	}
	return m
}

// ValidURL accepts an absolute http(s) address without spaces, quotes or
// credentials.
func ValidURL(s string) bool {
	if len(s) > MaxURL || strings.ContainsAny(s, " \t\r\n<>\"'`\\") || web.Unreadable(s) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil && !strings.HasPrefix(u.Host, ".")
}

// Kind is what a repost is about.
type Kind string

// Repost kinds.
const (
	Policy         Kind = "policy"         // 重要政策文件
	Interpretation Kind = "interpretation" // 政策解读
	Emergency      Kind = "emergency"      // 突发事件、应急信息
	OtherKind      Kind = "other"          // 其他重要信息
)

// Kinds in display order.
var Kinds = []Kind{Policy, Interpretation, Emergency, OtherKind}

// Label is the kind in Chinese.
func (k Kind) Label() string {
	switch k {
	case Policy:
		return "重要政策"
	case Interpretation:
		return "政策解读"
	case Emergency:
		return "突发事件、应急信息"
	case OtherKind:
		return "其他重要信息"
	}
	return string(k)
}

// Valid reports whether k is known.
func (k Kind) Valid() bool {
	return k == Policy || k == Interpretation || k == Emergency || k == OtherKind
}

// Repost is a request to repost one piece of information on selected
// accounts by a deadline.
type Repost struct {
	ID        int64
	AgencyID  int64
	ItemID    int64 // the information item, 0 for a free title and address
	Title     string
	URL       string
	Kind      Kind
	Workdays  int        // the deadline in working days (0 with DueAt)
	DueOn     civil.Date // the last day (the day of DueAt in an emergency)
	DueAt     time.Time  // emergencies: the moment (zero otherwise)
	CreatedAt time.Time
	Tasks     []*Task
}

// Deadline says the deadline in words.
func (r *Repost) Deadline() string {
	if !r.DueAt.IsZero() {
		return r.DueAt.In(civil.Shanghai).Format("2006-01-02 15:04") + " 前（紧急）"
	}
	return r.DueOn.String() + " 前（" + strconv.Itoa(r.Workdays) + " 个工作日）"
}

// Progress counts the done and overdue tasks.
func (r *Repost) Progress(now time.Time) (done, overdue int) {
	for _, t := range r.Tasks {
		if t.Done() {
			done++
		} else if r.Overdue(now) {
			overdue++
		}
	}
	return done, overdue
}

// DoneCount is the number of tasks done.
func (r *Repost) DoneCount() int {
	n := 0
	for _, t := range r.Tasks {
		if t.Done() {
			n++
		}
	}
	return n
}

// Overdue reports whether the deadline has passed at now.
func (r *Repost) Overdue(now time.Time) bool {
	if !r.DueAt.IsZero() {
		return now.After(r.DueAt)
	}
	return civil.Of(now).After(r.DueOn)
}

// Late reports whether a task was done after the deadline.
func (r *Repost) Late(t *Task) bool { return t.Done() && r.Overdue(t.DoneAt) }

// Task is one account's part of a repost.
type Task struct {
	ID        int64
	RepostID  int64
	AccountID int64
	Account   string
	Platform  Platform
	DoneAt    time.Time
	Link      string
}

// Done reports whether the link was recorded.
func (t *Task) Done() bool { return !t.DoneAt.IsZero() }

// Deadline modes of a repost.
const (
	ByWorkdays = "workdays"
	ByMoment   = "moment"
)

// RepostFields are a repost as typed.
type RepostFields struct {
	ItemID     int64
	Title, URL string
	Kind       string
	Mode       string // ByWorkdays or ByMoment
	Workdays   string
	DueAt      string // 2026-05-20T18:00 (datetime-local)
	AccountIDs []int64
}

// MaxWorkdays bounds a repost's deadline.
const MaxWorkdays = 10

func checkTitle(m map[string]string, title string) {
	web.CheckText(m, "title", "标题", title, true, MaxTitle)
}

func checkLink(m map[string]string, key, label, v string) {
	switch {
	case strings.TrimSpace(v) == "":
		m[key] = "请填写" + label + "。"
	case !ValidURL(v):
		m[key] = label + "不是有效的网址，请填写以 http:// 或 https:// 开头的完整地址。"
	}
}

func clip(s string) string {
	if utf8.RuneCountInString(s) > 30 {
		return string([]rune(s)[:30]) + "…"
	}
	return s
}
