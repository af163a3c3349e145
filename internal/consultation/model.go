// Package consultation is 向社会公开征求意见: an agency publishes a draft
// (split into numbered clauses), its drafting explanation and basis
// documents for a comment period of at least 30 days (重大行政决策程序暂行
// 条例 Art. 15); the public comments on the whole draft or on one clause;
// staff moderate, group similar comments, answer each group or comment
// (adopted, partly adopted, not adopted, with the reason) and publish the
// feedback report (采纳情况反馈, Art. 18, 32), which is mailed to the
// commenters who left an address.
package consultation

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

// State is where a consultation stands.
type State string

// States. An open consultation takes comments from its first day to its
// last (Asia/Shanghai); the closing job moves it to closed the day after.
const (
	Draft    State = "draft"    // 草稿
	Open     State = "open"     // 已发布（征求意见期内或即将开始）
	Closed   State = "closed"   // 征求意见已结束
	Answered State = "answered" // 已公布采纳情况
)

// MinDays is the comment period the 条例 asks for (Art. 15: 一般不少于30日,
// calendar days); a shorter one needs a published reason.
const MinDays = 30

// Phase is what the public sees of a consultation on a day.
type Phase string

// Phases.
const (
	PhaseDraft    Phase = "draft"
	PhaseUpcoming Phase = "upcoming"
	PhaseOpen     Phase = "open"
	PhaseClosed   Phase = "closed"
	PhaseAnswered Phase = "answered"
)

var phaseLabels = map[Phase]string{PhaseDraft: "草稿", PhaseUpcoming: "即将开始", PhaseOpen: "征求意见中", PhaseClosed: "已结束", PhaseAnswered: "已反馈"}

// Label is the Chinese name.
func (p Phase) Label() string { return phaseLabels[p] }

// Consultation is a draft put to the public.
type Consultation struct {
	ID         int64
	AgencyID   int64
	DecisionID int64 // the major decision it is held for, 0 none
	Title      string
	// Summary tells the public what is asked and how to comment.
	Summary string
	// Draft is the text as staff entered it; Clauses is its split.
	Draft       string
	Explanation string // 起草说明
	OpensOn     civil.Date
	ClosesOn    civil.Date
	// ShortReason explains a period of fewer than MinDays days; it is
	// published with the consultation.
	ShortReason         string
	State               State
	PublishedAt         time.Time
	ClosedAt            time.Time
	FeedbackIntro       string
	FeedbackPublishedAt time.Time
	CreatedBy           int64
	CreatedAt           time.Time
	UpdatedAt           time.Time
	Version             int
}

// Days is the length of the comment period in calendar days, both ends
// counted.
func (c *Consultation) Days() int {
	if c.OpensOn.IsZero() || c.ClosesOn.IsZero() {
		return 0
	}
	return c.OpensOn.DaysUntil(c.ClosesOn) + 1
}

// PhaseOn is the consultation's phase on day d.
func (c *Consultation) PhaseOn(d civil.Date) Phase {
	switch {
	case c.State == Draft:
		return PhaseDraft
	case c.State == Answered:
		return PhaseAnswered
	case c.State == Closed || d.After(c.ClosesOn):
		return PhaseClosed
	case d.Before(c.OpensOn):
		return PhaseUpcoming
	}
	return PhaseOpen
}

// DaysLeft is how many days of the period remain on d, d included.
func (c *Consultation) DaysLeft(d civil.Date) int {
	if d.After(c.ClosesOn) {
		return 0
	}
	return d.DaysUntil(c.ClosesOn) + 1
}

// Deadline is the end of the period: the last day at 24:00 in Shanghai.
func (c *Consultation) Deadline() time.Time {
	return c.ClosesOn.AddDays(1).StartUTC()
}

// Clause is a numbered part of the draft that comments can address.
type Clause struct {
	ID    int64
	Seq   int
	Label string // 第三条, or 第3段 where the draft has no articles
	Body  string
}

// Anchor is the clause's fragment id on the public page.
func (c Clause) Anchor() string { return "c-" + strconv.Itoa(c.Seq) }

// articleRE finds the start of an article: 第十二条 or 第12条 at the start
// of a line.
var articleRE = regexp.MustCompile(`^\s*第[一二三四五六七八九十百零〇两0-9０-９]{1,6}条`)

// SplitClauses splits a draft into its articles (第X条, with the lines
// that follow until the next article; text before the first article —
// a title, a chapter heading — goes with it) or, in a draft without
// articles, into its paragraphs.
func SplitClauses(draft string) []Clause {
	draft = strings.ReplaceAll(draft, "\r\n", "\n")
	lines := strings.Split(draft, "\n")
	var out []Clause
	hasArticles := false
	for _, l := range lines {
		if articleRE.MatchString(l) {
			hasArticles = true
			break
		}
	}
	if !hasArticles {
		for _, l := range lines {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, Clause{Seq: len(out) + 1, Label: "第" + strconv.Itoa(len(out)+1) + "段", Body: l})
			}
		}
		return out
	}
	var pre []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if m := articleRE.FindString(l); m != "" {
			body := t
			if len(pre) > 0 {
				body = strings.Join(pre, "\n") + "\n" + t
				pre = nil
			}
			out = append(out, Clause{Seq: len(out) + 1, Label: strings.TrimSpace(m), Body: body})
			continue
		}
		if t == "" {
			continue
		}
		if len(out) == 0 || isHeading(t) {
			pre = append(pre, t)
			continue
		}
		out[len(out)-1].Body += "\n" + t
	}
	if len(pre) > 0 {
		if len(out) == 0 {
			out = append(out, Clause{Seq: 1, Label: "第1段", Body: strings.Join(pre, "\n")})
		} else {
			out[len(out)-1].Body += "\n" + strings.Join(pre, "\n")
		}
	}
	return out
}

// headingRE finds chapter and section headings (第一章 总则, 第二节).
var headingRE = regexp.MustCompile(`^第[一二三四五六七八九十百零〇0-9]{1,4}[章节]`)

func isHeading(s string) bool { return headingRE.MatchString(s) }

// Answer is how a comment was used.
type Answer string

// Answers (采纳情况).
const (
	Adopted    Answer = "adopted" // 采纳
	Partly     Answer = "partly"  // 部分采纳
	NotAdopted Answer = "not"     // 未采纳
)

var answerLabels = map[Answer]string{Adopted: "采纳", Partly: "部分采纳", NotAdopted: "未采纳"}

// Answers lists the answers in display order.
var Answers = []Answer{Adopted, Partly, NotAdopted}

// Label is the Chinese name.
func (a Answer) Label() string { return answerLabels[a] }

// Valid reports whether a is known.
func (a Answer) Valid() bool { _, ok := answerLabels[a]; return ok }

// Moderation is a comment's publication review.
type Moderation string

// Moderation states.
const (
	ModPending  Moderation = "pending"
	ModApproved Moderation = "approved"
	ModRejected Moderation = "rejected"
)

var modLabels = map[Moderation]string{ModPending: "待审核", ModApproved: "已通过", ModRejected: "不予公开"}

// Label is the Chinese name.
func (m Moderation) Label() string { return modLabels[m] }

// Comment is one opinion sent in.
type Comment struct {
	ID             int64
	ConsultationID int64
	ClauseID       int64 // 0: on the whole draft
	ClauseLabel    string
	Body           string
	Name           string
	Phone          string
	Email          string
	Consent        bool // the commenter agrees to the publication of the comment
	AttachmentID   int64
	Moderation     Moderation
	ModReason      string
	// DuplicateOf is the first comment with the same text (after
	// normalisation); Campaign is the first comment of a group of nearly
	// identical ones from different people (集中提交). Neither hides it.
	DuplicateOf int64
	Campaign    int64
	GroupID     int64
	GroupLabel  string
	Answer      Answer
	Reply       string
	// Effective answer: the comment's own, or its group's.
	EffAnswer  Answer
	EffReply   string
	AnsweredAt time.Time
	CreatedAt  time.Time
}

// Group is a set of similar comments answered together.
type Group struct {
	ID     int64
	Label  string
	Answer Answer
	Reply  string
	Count  int
}

// Input limits, in characters.
const (
	MaxTitle       = 200
	MaxSummary     = 2000
	MaxDraft       = 80_000
	MaxExplanation = 50_000
	MaxComment     = 5000
	MaxName        = 50
	MaxReply       = 2000
	MaxReason      = 500
	MaxClauses     = 2000
)

// CommentInput is what the public form sends.
type CommentInput struct {
	ClauseSeq int // 0: the whole draft
	Body      string
	Name      string
	Phone     string
	Email     string
	Consent   bool
}

// Validate checks the form; fields are keyed by form name.
func (in *CommentInput) Validate(clauses int) map[string]string {
	f := map[string]string{}
	in.Body, in.Name = strings.TrimSpace(strings.ReplaceAll(in.Body, "\r\n", "\n")), strings.TrimSpace(in.Name)
	in.Phone, in.Email = strings.TrimSpace(in.Phone), strings.TrimSpace(in.Email)
	web.CheckText(f, "body", "意见", in.Body, true, MaxComment)
	web.CheckText(f, "name", "姓名", in.Name, false, MaxName)
	if in.Phone != "" && !web.ValidPhone(in.Phone) {
		f["phone"] = "联系电话格式不正确（手机号 11 位，或带区号的固定电话）。"
	}
	if in.Email != "" && !web.ValidEmail(in.Email) {
		f["email"] = "电子邮箱格式不正确。"
	}
	if in.ClauseSeq < 0 || in.ClauseSeq > clauses {
		f["clause"] = "请从列表中选择意见针对的条款。"
	}
	return f
}

// Fingerprint identifies a comment's text for duplicate detection:
// letters and digits only, full-width folded, lower-cased.
func Fingerprint(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:16])
}

// Fields is the consultation form.
type Fields struct {
	Title       string
	Summary     string
	Draft       string
	Explanation string
	OpensOn     string
	ClosesOn    string
	ShortReason string
	DecisionID  int64
}

// Validate checks the form against today and returns the dates.
func (in *Fields) Validate(today civil.Date) (opens, closes civil.Date, fields map[string]string) {
	f := map[string]string{}
	in.Title, in.Summary = strings.TrimSpace(in.Title), strings.TrimSpace(in.Summary)
	in.Draft = strings.TrimSpace(strings.ReplaceAll(in.Draft, "\r\n", "\n"))
	in.Explanation = strings.TrimSpace(strings.ReplaceAll(in.Explanation, "\r\n", "\n"))
	in.ShortReason = strings.TrimSpace(in.ShortReason)
	web.CheckText(f, "title", "标题", in.Title, true, MaxTitle)
	if f["title"] == "" && strings.ContainsAny(in.Title, "<>\n") {
		f["title"] = "标题不能换行或包含尖括号 < >，书名请用《》。"
	}
	web.CheckText(f, "summary", "征求意见说明", in.Summary, false, MaxSummary)
	web.CheckText(f, "draft", "草案正文", in.Draft, true, MaxDraft)
	web.CheckText(f, "explanation", "起草说明", in.Explanation, false, MaxExplanation)
	web.CheckText(f, "short_reason", "征求意见期少于 30 日的理由", in.ShortReason, false, MaxReason)
	if f["draft"] == "" && len(SplitClauses(in.Draft)) > MaxClauses {
		f["draft"] = "草案的条款过多（超过 " + strconv.Itoa(MaxClauses) + " 条）。"
	}
	var err error
	if s := strings.TrimSpace(in.OpensOn); s != "" {
		if opens, err = civil.Parse(s); err != nil {
			f["opens_on"] = "日期格式应为 2026-01-31。"
		}
	}
	if s := strings.TrimSpace(in.ClosesOn); s != "" {
		if closes, err = civil.Parse(s); err != nil {
			f["closes_on"] = "日期格式应为 2026-01-31。"
		}
	}
	if !opens.IsZero() && !closes.IsZero() && closes.Before(opens) {
		f["closes_on"] = "截止日期不能早于开始日期。"
	}
	if utf8.RuneCountInString(in.Title) > 0 && in.DecisionID < 0 {
		f["decision_id"] = "请选择决策事项。"
	}
	return opens, closes, f
}
