// Package training is 培训 (work point 五(二): "每年至少组织一次政务公开
// 培训，邀请各区相关部门参加"): an agency's training courses and their
// sessions (date, place, 线下/线上, trainer, the agencies invited — the
// district departments of a city bureau among them — and the materials),
// attendance by person and agency (entered in the console or imported from
// an XLSX/CSV file, all or nothing per file), each person's training
// record, and the yearly compliance report with its gaps.
//
// The compliance rule (documented here and on the report page):
//
//   - People: every active staff account of the agency that holds a
//     disclosure role — Editor (信息编辑), Reviewer (审核员), Approver
//     (审批人), Handler (经办人) or Liaison (政务公开联络员) — must have
//     attended at least one session of the agency held in the year, on or
//     before the day of the report. Administrators and auditors whose only
//     duties are system, security or audit duties are not counted.
//   - Districts: every child agency of the kind 区级部门 (district_bureau)
//     must have been invited to at least one session of the agency held
//     (or planned) in the year.
package training

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

// DisclosureRoles are the roles whose holders must be trained every year.
var DisclosureRoles = auth.Roles{auth.Editor, auth.Reviewer, auth.Approver, auth.Handler, auth.Liaison}

// InDisclosureRole reports whether roles include a disclosure role.
func InDisclosureRole(roles auth.Roles) bool { return roles.Any(DisclosureRoles...) }

// Format is how a session is held.
type Format string

// Session formats.
const (
	Offline Format = "offline" // 线下
	Online  Format = "online"  // 线上
)

// Label is the format in Chinese.
func (f Format) Label() string {
	if f == Online {
		return "线上"
	}
	return "线下"
}

// Formats are offered in forms.
var Formats = []web.Option{{Value: string(Offline), Label: Offline.Label()}, {Value: string(Online), Label: Online.Label()}}

// Course is a training course.
type Course struct {
	ID        int64
	AgencyID  int64
	Title     string
	Topic     string
	Organiser string // 主办单位 (e.g. 办公室（政务公开办）)
	Intro     string
	Version   int
	Sessions  int // number of sessions (in lists)
}

// Session is one holding of a course.
type Session struct {
	ID          int64
	CourseID    int64
	AgencyID    int64
	CourseTitle string
	Topic       string
	HeldOn      civil.Date
	StartTime   string // 09:30, optional
	Place       string
	Format      Format
	Trainer     string
	Materials   []string // links, one a line
	Version     int
	Invited     []AgencyRef
	Attendees   int // number of attendees (in lists)
}

// Held reports whether the session has taken place by today.
func (s *Session) Held(today civil.Date) bool { return !s.HeldOn.After(today) }

// InvitedNames lists the invited agencies' names.
func (s *Session) InvitedNames() string {
	names := make([]string, len(s.Invited))
	for i, a := range s.Invited {
		names[i] = a.Name
	}
	return strings.Join(names, "、")
}

// Attendance is one attendee of a session.
type Attendance struct {
	ID        int64
	SessionID int64
	AgencyID  int64
	Agency    string
	UserID    int64 // 0: a person without an account
	Name      string
	Division  string
	Source    string // "console" or "import"
}

// SourceLabel says how the attendance was recorded.
func (a *Attendance) SourceLabel() string {
	if a.Source == "import" {
		return "文件导入"
	}
	return "登记"
}

// Limits of the forms.
const (
	MaxTitle     = 100
	MaxText      = 200
	MaxIntro     = 5000
	MaxName      = 30
	MaxMaterials = 20
	MaxURL       = 1000
	MaxNames     = 200 // free-text names in one submission
)

// CourseFields are a course as typed.
type CourseFields struct {
	Title, Topic, Organiser, Intro string
	Version                        int
}

func (f *CourseFields) check() map[string]string {
	m := map[string]string{}
	f.Title, f.Topic, f.Organiser, f.Intro = strings.TrimSpace(f.Title), strings.TrimSpace(f.Topic), strings.TrimSpace(f.Organiser), strings.TrimSpace(f.Intro)
	web.CheckText(m, "title", "课程名称", f.Title, true, MaxTitle)
	web.CheckText(m, "topic", "培训主题", f.Topic, false, MaxText)
	web.CheckText(m, "organiser", "主办单位", f.Organiser, true, MaxText)
	web.CheckText(m, "intro", "课程简介", f.Intro, false, MaxIntro)
	return m
}

// SessionFields are a session as typed.
type SessionFields struct {
	HeldOn, StartTime, Place, Format, Trainer, Materials string
	// Invited are the agencies invited besides the organiser.
	Invited []int64
	Version int
}

// check parses f into s; invitable are the agencies that may be invited.
func (f SessionFields) check(s *Session, invitable []AgencyRef) map[string]string {
	m := map[string]string{}
	d, err := civil.Parse(strings.TrimSpace(f.HeldOn))
	if err != nil {
		m["held_on"] = "请按“2026-05-20”的格式填写培训日期。"
	} else if d.Year < 2000 || d.Year > 2100 {
		m["held_on"] = "培训日期不在有效范围内。"
	}
	s.HeldOn = d
	s.StartTime = strings.TrimSpace(f.StartTime)
	if s.StartTime != "" {
		if len(s.StartTime) != 5 || s.StartTime[2] != ':' || !digits(s.StartTime[:2]) || !digits(s.StartTime[3:]) ||
			s.StartTime[:2] > "23" || s.StartTime[3:] > "59" {
			m["start_time"] = "请按“09:30”的格式填写开始时间。"
		}
	}
	s.Place, s.Trainer = strings.TrimSpace(f.Place), strings.TrimSpace(f.Trainer)
	web.CheckText(m, "place", "培训地点（或线上平台）", s.Place, true, MaxText)
	web.CheckText(m, "trainer", "授课人", s.Trainer, false, MaxText)
	switch Format(f.Format) {
	case Offline, Online:
		s.Format = Format(f.Format)
	default:
		m["format"] = "请选择培训形式（线下或线上）。"
	}
	links, msg := ParseLinks(f.Materials)
	if msg != "" {
		m["materials"] = msg
	}
	s.Materials = links
	s.Invited = nil
	seen := map[int64]bool{}
	for _, id := range f.Invited {
		if seen[id] {
			continue
		}
		seen[id] = true
		found := false
		for _, a := range invitable {
			if a.ID == id {
				s.Invited = append(s.Invited, a)
				found = true
			}
		}
		if !found {
			m["invited"] = "邀请的单位不在可选范围内，请重新选择。"
		}
	}
	return m
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// ParseLinks reads the materials: one http(s) address a line.
func ParseLinks(s string) ([]string, string) {
	if web.Unreadable(s) {
		return nil, "培训材料链接含有无法识别的字符。"
	}
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if !ValidURL(line) {
			return nil, "“" + clip(line) + "”不是有效的网址，请填写以 http:// 或 https:// 开头的完整地址，每行一个。"
		}
		out = append(out, line)
	}
	if len(out) > MaxMaterials {
		return nil, "培训材料链接不能超过 " + strconv.Itoa(MaxMaterials) + " 个。"
	}
	return out, ""
}

// ValidURL accepts an absolute http(s) address without spaces or
// credentials.
func ValidURL(s string) bool {
	if len(s) > MaxURL || strings.ContainsAny(s, " \t\r\n<>\"'`") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil
}

func clip(s string) string {
	if r := []rune(s); len(r) > 30 {
		return string(r[:30]) + "…"
	}
	return s
}

// checkName validates an attendee's name.
func checkName(name string) string {
	switch {
	case name == "":
		return "姓名不能为空"
	case web.Unreadable(name):
		return "姓名含有无法识别的字符"
	case utf8.RuneCountInString(name) > MaxName:
		return "姓名不能超过 " + strconv.Itoa(MaxName) + " 个字"
	case strings.ContainsAny(name, "<>\"'`;=/\\"):
		return "姓名含有不允许的符号"
	}
	return ""
}
