// Package concern is 回应关切: letters to the leader's mailbox, message-board
// posts, 我为政府网站找错 reports and the other channels through which the
// public raises what worries it, handled as one kind of case — routed to a
// division, answered within each channel's period on the working-day
// calendar, reviewed, and published where the writer agreed.
package concern

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

// Channel is where a case came from.
type Channel string

// Channels.
const (
	Mailbox   Channel = "mailbox"     // 领导信箱
	Board     Channel = "board"       // 留言板
	SiteError Channel = "site_error"  // 我为政府网站找错
	Hotline   Channel = "hotline"     // 12345 工单
	NewMedia  Channel = "new_media"   // 政务新媒体留言
	Visit     Channel = "phone_visit" // 来电来访
)

var channelLabels = map[Channel]string{
	Mailbox: "领导信箱", Board: "留言板", SiteError: "我为政府网站找错", Hotline: "12345 热线工单",
	NewMedia: "政务新媒体", Visit: "来电来访",
}

// Channels lists the channels in display order.
var Channels = []Channel{Mailbox, Board, SiteError, Hotline, NewMedia, Visit}

// Label is the Chinese name.
func (c Channel) Label() string { return channelLabels[c] }

// Valid reports whether c is known.
func (c Channel) Valid() bool { _, ok := channelLabels[c]; return ok }

// DefaultDays are the reply periods in working days when the agency set
// none: 3 for site-error reports (domain-reference §3.1), otherwise the
// common practice of the check indicators [U]; 12345 orders carry their own.
var DefaultDays = map[Channel]int{Mailbox: 15, Board: 5, SiteError: 3, NewMedia: 5, Visit: 5, Hotline: 5}

// State is where a case stands.
type State string

// States.
const (
	Received State = "received" // 待分办
	Assigned State = "assigned" // 办理中
	Review   State = "review"   // 答复待审核
	Replied  State = "replied"  // 已答复
	Merged   State = "merged"   // 已合并（重复）
	Returned State = "returned" // 12345：已退单（不属于本单位）
)

var stateLabels = map[State]string{Received: "待分办", Assigned: "办理中", Review: "答复待审核", Replied: "已答复", Merged: "已合并", Returned: "已退单"}

// Label is the Chinese name.
func (s State) Label() string { return stateLabels[s] }

// Open reports whether the case still waits for its answer.
func (s State) Open() bool { return s == Received || s == Assigned || s == Review }

// Moderation is a board message's publication review.
type Moderation string

// Moderation states ("" for channels that are not published as such).
const (
	ModPending  Moderation = "pending"  // 待审核
	ModApproved Moderation = "approved" // 已公开
	ModRejected Moderation = "rejected" // 不予公开
)

// Label is the Chinese name.
func (m Moderation) Label() string {
	switch m {
	case ModPending:
		return "待审核"
	case ModApproved:
		return "已通过"
	case ModRejected:
		return "不予公开"
	}
	return ""
}

// Leader is a leader who receives letters (领导信箱).
type Leader struct {
	Name  string `json:"name"`
	Title string `json:"title"`
}

// Label is how the form lists the leader.
func (l Leader) Label() string { return strings.TrimSpace(l.Title + " " + l.Name) }

// Letter is what a writer sends.
type Letter struct {
	Channel  Channel
	Leader   string // mailbox: the leader written to (Leader.Label)
	Category string
	Subject  string
	Body     string
	PageURL  string // site-error reports: the page
	Name     string
	Phone    string
	Email    string
	// Consent: the writer agrees that the letter and its reply may be
	// published (mailbox); board posts are public by nature.
	Consent bool
	// Notify: e-mail the writer when the agency publishes a response to
	// letters on the same topic (needs Email).
	Notify bool
}

// Categories offered on the forms (the routing rules key on them).
var Categories = []string{"民族事务", "宗教事务", "清真食品", "政务公开", "网站问题", "其他"}

// Field limits, in characters.
const (
	maxSubject = 100
	maxBody    = 3000
	maxName    = 50
	maxURL     = 500
)

var ()

func hostile(s string) bool { return web.Unreadable(s) }

func checkText(fields map[string]string, key, label, v string, required bool, max int) {
	web.CheckText(fields, key, label, v, required, max)
}

// Validate checks a letter against the channel's form (fields keyed by
// form name); leaders are the agency's mailbox recipients.
func (l *Letter) Validate(leaders []Leader, baseHost string) map[string]string {
	fields := map[string]string{}
	l.Subject, l.Body, l.Name = strings.TrimSpace(l.Subject), strings.TrimSpace(l.Body), strings.TrimSpace(l.Name)
	l.Phone, l.Email, l.PageURL = strings.TrimSpace(l.Phone), strings.TrimSpace(l.Email), strings.TrimSpace(l.PageURL)
	if !l.Channel.Valid() {
		fields["channel"] = "渠道无效。"
	}
	checkText(fields, "subject", "标题", l.Subject, true, maxSubject)
	checkText(fields, "body", "内容", l.Body, true, maxBody)
	public := l.Channel == Mailbox || l.Channel == Board
	checkText(fields, "name", "姓名", l.Name, public, maxName)
	switch {
	case l.Phone == "" && public:
		fields["phone"] = "请填写联系电话，以便答复和核实。"
	case l.Phone != "" && !web.ValidPhone(l.Phone):
		fields["phone"] = "联系电话格式不正确（手机号 11 位，或带区号的固定电话）。"
	}
	if l.Email != "" && !web.ValidEmail(l.Email) {
		fields["email"] = "电子邮箱格式不正确。"
	} else if l.Notify && l.Email == "" {
		fields["email"] = "选择接收回应通知时，请填写电子邮箱。"
	}
	if l.Category != "" && !contains(Categories, l.Category) {
		fields["category"] = "请选择分类。"
	}
	switch l.Channel {
	case Mailbox:
		ok := false
		for _, ld := range leaders {
			ok = ok || ld.Label() == l.Leader
		}
		if !ok {
			fields["leader"] = "请选择写信的领导。"
		}
	case SiteError:
		if l.PageURL == "" {
			fields["page_url"] = "请填写出错页面的地址。"
		} else if !siteURL(l.PageURL, baseHost) || utf8.RuneCountInString(l.PageURL) > maxURL {
			fields["page_url"] = "请填写本网站页面的地址（以 / 或本站网址开头）。"
		}
	}
	return fields
}

// siteURL accepts a path on this site or an absolute URL on its host.
func siteURL(u, host string) bool {
	if hostile(u) || strings.ContainsAny(u, " <>\"'") {
		return false
	}
	if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
		return true
	}
	for _, scheme := range []string{"http://", "https://"} {
		if rest, ok := strings.CutPrefix(u, scheme); ok && host != "" {
			h, _, _ := strings.Cut(rest, "/")
			return strings.EqualFold(h, host)
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// MaskName is the writer's name as public pages show it: the family name
// only (web.MaskName: 张*, 欧阳**), or 匿名 when none was given.
func MaskName(name string) string {
	if m := web.MaskName(name); m != "" {
		return m
	}
	return "匿名"
}

// Case is one letter, message or report.
type Case struct {
	ID, AgencyID int64
	Number       string
	codeHash     string
	State        State
	Letter
	Moderation  Moderation
	DivisionID  int64
	HandlerID   int64
	ReceivedAt  time.Time
	ReceivedOn  civil.Date
	DueOn       civil.Date
	ReplyDraft  string
	Reply       string
	RepliedOn   civil.Date
	Published   bool
	PublishedAt time.Time
	Supervised  bool
	// Satisfaction is the writer's rating, 1 (unsatisfied) to 3 (satisfied); 0 none.
	Satisfaction int
	// ExternalID is the 12345 work-order number.
	ExternalID string
	MergedInto int64
	// NotifyResponse: the writer asked for an e-mail when the agency
	// publishes a response article on the topic of the letter.
	NotifyResponse bool
	// ResponseItemID is the published response article the case was
	// linked to (hot-topic discovery), 0 none.
	ResponseItemID int64
	CreatedBy      int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Version        int
}

// PublicName is the writer's name as public pages show it.
func (c *Case) PublicName() string { return MaskName(c.Name) }
