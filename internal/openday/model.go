// Package openday is 政府开放日: an agency's open days — theme, agenda,
// place and time, participant groups with quotas — the public's sign-up
// with a registration code (first come with a waitlist, or 遴选 by staff),
// cancellation that promotes the waitlist, check-in by the code, reminders
// the day before, and the summary after the event.
//
// No overbooking: every change of seats runs in one transaction that first
// locks the event's row (an UPDATE, which PostgreSQL row-locks and SQLite
// serialises with its single writer), and takes a seat only by conditional
// UPDATEs of the group's and the event's counters (taken < quota, taken <
// capacity).
package openday

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

// State is an event's state.
type State string

// Event states.
const (
	Draft     State = "draft"
	Published State = "published"
	Cancelled State = "cancelled"
	Done      State = "done"
)

// Label is the state in Chinese.
func (s State) Label() string {
	switch s {
	case Draft:
		return "草稿"
	case Published:
		return "已发布"
	case Cancelled:
		return "已取消"
	case Done:
		return "已举办"
	}
	return string(s)
}

// Mode is how the participants are chosen.
type Mode string

// Selection modes.
const (
	FirstCome Mode = "fcfs"   // 先到先得, then the waitlist
	Selection Mode = "select" // 遴选: staff choose among the applicants
)

// Label is the mode in Chinese.
func (m Mode) Label() string {
	if m == Selection {
		return "报名后遴选"
	}
	return "先到先得（额满候补）"
}

// Status is a sign-up's status.
type Status string

// Sign-up statuses.
const (
	Confirmed   Status = "confirmed"
	Waitlisted  Status = "waitlisted"
	Applied     Status = "applied"  // awaiting 遴选
	NotSelected Status = "rejected" // not chosen in the 遴选
	Withdrawn   Status = "cancelled"
)

// Label is the status in Chinese.
func (s Status) Label() string {
	switch s {
	case Confirmed:
		return "报名成功"
	case Waitlisted:
		return "候补"
	case Applied:
		return "待遴选"
	case NotSelected:
		return "未入选"
	case Withdrawn:
		return "已取消"
	}
	return string(s)
}

// Group is a participant group with its quota.
type Group struct {
	ID    int64
	Seq   int
	Name  string
	Quota int
	Taken int
}

// Left is the group's free seats.
func (g Group) Left() int { return max(g.Quota-g.Taken, 0) }

// Event is an open day.
type Event struct {
	ID                 int64
	AgencyID           int64
	Theme              string
	Series             string
	Agenda             string
	Place              string
	StartsAt, EndsAt   time.Time
	SignupOpens        time.Time
	SignupCloses       time.Time
	Capacity, Taken    int
	Selection          Mode
	SelectionPublished bool
	State              State
	Summary            string
	Version            int
	CreatedAt          time.Time
	UpdatedAt          time.Time
	Groups             []Group
}

// Left is the event's free seats.
func (e *Event) Left() int { return max(e.Capacity-e.Taken, 0) }

// Phase of the sign-up at a time.
type Phase string

// Sign-up phases.
const (
	PhaseNotYet Phase = "notyet"
	PhaseOpen   Phase = "open"
	PhaseClosed Phase = "closed"
)

// SignupPhase says whether sign-up is open at now.
func (e *Event) SignupPhase(now time.Time) Phase {
	switch {
	case e.State != Published:
		return PhaseClosed
	case now.Before(e.SignupOpens):
		return PhaseNotYet
	case !now.Before(e.SignupCloses) || !now.Before(e.StartsAt):
		return PhaseClosed
	}
	return PhaseOpen
}

// Past reports whether the event has begun by now.
func (e *Event) Past(now time.Time) bool { return !now.Before(e.StartsAt) }

// When is the date and time in Chinese.
func (e *Event) When() string {
	s, t := e.StartsAt.In(civil.Shanghai), e.EndsAt.In(civil.Shanghai)
	return civil.Of(s).Chinese() + " " + s.Format("15:04") + "—" + t.Format("15:04")
}

// Clock formats a time in Shanghai as 2026年3月2日 09:00.
func Clock(t time.Time) string {
	s := t.In(civil.Shanghai)
	return civil.Of(s).Chinese() + " " + s.Format("15:04")
}

// URL is an event's public page.
func URL(slug string, id int64) string {
	return "/o/" + slug + "/opendays/" + strconv.FormatInt(id, 10)
}

// Signup is one person's sign-up.
type Signup struct {
	ID          int64
	EventID     int64
	GroupID     int64
	Group       string
	Name        string
	Phone       string
	Email       string
	Status      Status
	WaitlistPos int
	Source      string // "web" or "staff"
	CheckedInAt *time.Time
	CreatedAt   time.Time
}

// Receipt is what a new sign-up gets: its record, the registration code
// (shown once) and, when waitlisted, its place in the queue.
type Receipt struct {
	Signup *Signup
	Code   string
	Place  int
}

// SignupInput is a sign-up as typed.
type SignupInput struct {
	Name    string
	Phone   string
	Email   string
	GroupID int64
}

// Validate checks the input against the event's groups.
func (in *SignupInput) Validate(groups []Group) map[string]string {
	f := map[string]string{}
	in.Name, in.Phone, in.Email = strings.TrimSpace(in.Name), strings.TrimSpace(in.Phone), strings.TrimSpace(in.Email)
	web.CheckText(f, "name", "姓名", in.Name, true, 30)
	switch {
	case in.Phone == "":
		f["phone"] = "请填写手机号码。"
	case !web.ValidPhone(in.Phone):
		f["phone"] = "手机号码格式不正确，请填写 11 位手机号码或带区号的固定电话。"
	}
	if in.Email != "" && !web.ValidEmail(in.Email) {
		f["email"] = "电子邮箱格式不正确。"
	}
	ok := false
	for _, g := range groups {
		ok = ok || g.ID == in.GroupID
	}
	if !ok {
		f["group"] = "请选择参加人员类别。"
	}
	return f
}

// Fields are an event as typed in the console.
type Fields struct {
	Theme, Series, Agenda, Place string
	Date                         string // 2026-05-20
	Start, End                   string // 09:30
	SignupOpens, SignupCloses    string // 2026-05-01T09:00 (datetime-local)
	Capacity                     string
	Selection                    string
	Groups                       string // one a line: 名称 名额
	Version                      int
}

// MaxGroups bounds the participant groups of an event.
const MaxGroups = 12

// DefaultGroups are offered for a new event.
const DefaultGroups = "人大代表 5\n政协委员 5\n民族宗教界人士 5\n市民 20\n媒体 5"

// check parses f into e; messages go by form field.
func (f Fields) check(e *Event) (map[string]string, []Group) {
	m := map[string]string{}
	web.CheckText(m, "theme", "主题", f.Theme, true, 100)
	web.CheckText(m, "series", "系列活动", f.Series, false, 100)
	web.CheckText(m, "agenda", "活动安排", f.Agenda, false, 5000)
	web.CheckText(m, "place", "地点", f.Place, true, 200)
	e.Theme, e.Series, e.Agenda, e.Place = strings.TrimSpace(f.Theme), strings.TrimSpace(f.Series), strings.TrimSpace(f.Agenda), strings.TrimSpace(f.Place)
	day, err := civil.Parse(strings.TrimSpace(f.Date))
	if err != nil {
		m["date"] = "请按“2026-05-20”的格式填写日期。"
	}
	clock := func(key, v string) time.Duration {
		t, err := time.Parse("15:04", strings.TrimSpace(v))
		if err != nil {
			m[key] = "请按“09:30”的格式填写时间。"
			return 0
		}
		return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	}
	start, end := clock("start", f.Start), clock("end", f.End)
	if m["date"] == "" {
		base := time.Date(day.Year, day.Month, day.Day, 0, 0, 0, 0, civil.Shanghai)
		e.StartsAt, e.EndsAt = base.Add(start), base.Add(end)
		if m["start"] == "" && m["end"] == "" && !e.EndsAt.After(e.StartsAt) {
			m["end"] = "结束时间应晚于开始时间。"
		}
	}
	stamp := func(key, v string) time.Time {
		t, err := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(v), civil.Shanghai)
		if err != nil {
			m[key] = "请按“2026-05-01T09:00”的格式填写日期和时间。"
		}
		return t
	}
	e.SignupOpens, e.SignupCloses = stamp("signup_opens", f.SignupOpens), stamp("signup_closes", f.SignupCloses)
	if m["signup_opens"] == "" && m["signup_closes"] == "" {
		if !e.SignupCloses.After(e.SignupOpens) {
			m["signup_closes"] = "报名截止时间应晚于报名开始时间。"
		} else if m["date"] == "" && m["start"] == "" && e.SignupCloses.After(e.StartsAt) {
			m["signup_closes"] = "报名应在活动开始前截止。"
		}
	}
	n, err := strconv.Atoi(strings.TrimSpace(f.Capacity))
	if err != nil || n < 1 || n > 10000 {
		m["capacity"] = "请填写 1 至 10000 之间的总名额。"
	}
	e.Capacity = n
	switch Mode(f.Selection) {
	case FirstCome, Selection:
		e.Selection = Mode(f.Selection)
	default:
		m["selection"] = "请选择参加人员的确定方式。"
	}
	groups, msg := ParseGroups(f.Groups)
	if msg != "" {
		m["groups"] = msg
	} else if m["capacity"] == "" {
		sum := 0
		for _, g := range groups {
			sum += g.Quota
		}
		if sum < e.Capacity {
			m["groups"] = "各类别名额合计（" + strconv.Itoa(sum) + "）少于总名额，请调整。"
		}
	}
	return m, groups
}

// ParseGroups reads "名称 名额" lines.
func ParseGroups(s string) ([]Group, string) {
	if Unreadable(s) || utf8.RuneCountInString(s) > 2000 {
		return nil, "参加人员类别过长或含有无法识别的字符。"
	}
	var out []Group
	seen := map[string]bool{}
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimSpace(strings.NewReplacer("：", " ", ":", " ", "\t", " ", "\u3000", " ").Replace(line))
		if line == "" {
			continue
		}
		i := strings.LastIndex(line, " ")
		if i < 0 {
			return nil, "“" + clip(line) + "”缺少名额，请按“市民 20”的格式每行填写一个类别。"
		}
		name, num := strings.TrimSpace(line[:i]), line[i+1:]
		q, err := strconv.Atoi(num)
		if err != nil || q < 0 || q > 10000 || name == "" || utf8.RuneCountInString(name) > 20 {
			return nil, "“" + clip(line) + "”无法识别，请按“市民 20”的格式填写（类别名称不超过 20 字）。"
		}
		if seen[name] {
			return nil, "类别“" + name + "”重复。"
		}
		seen[name] = true
		out = append(out, Group{Seq: len(out) + 1, Name: name, Quota: q})
	}
	if len(out) == 0 {
		return nil, "请至少填写一个参加人员类别。"
	}
	if len(out) > MaxGroups {
		return nil, "参加人员类别不能超过 " + strconv.Itoa(MaxGroups) + " 个。"
	}
	return out, ""
}

// GroupsText is the groups as the form shows them.
func GroupsText(gs []Group) string {
	var b strings.Builder
	for _, g := range gs {
		b.WriteString(g.Name + " " + strconv.Itoa(g.Quota) + "\n")
	}
	return b.String()
}

// Unreadable is web.Unreadable.
func Unreadable(s string) bool { return web.Unreadable(s) }

func clip(s string) string {
	if r := []rune(s); len(r) > 20 {
		return string(r[:20]) + "…"
	}
	return s
}

// CheckedText is the check-in time, or "".
func (x *Signup) CheckedText() string {
	if x.CheckedInAt == nil {
		return ""
	}
	return x.CheckedInAt.In(civil.Shanghai).Format("2006-01-02 15:04")
}

// Label is the phase in Chinese.
func (p Phase) Label() string {
	switch p {
	case PhaseNotYet:
		return "尚未开始报名"
	case PhaseOpen:
		return "正在报名"
	}
	return "报名已截止"
}
