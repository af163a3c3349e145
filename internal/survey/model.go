// Package survey is the questionnaire engine (问卷): a shared service that
// capabilities use for their questionnaires (the post-event evaluation of
// open days, later the social evaluation), with its own staff console at
// /console/surveys and public pages at /surveys/{id}.
//
// A questionnaire (Survey) belongs to one agency. It is a draft while its
// questions are edited, open while it takes responses, and closed after.
// Access is anonymous (no personal data asked), open (name and contact
// optional) or by invitation only (each link carries a token that takes
// exactly one response; the token is spent atomically in the response's
// transaction, so two concurrent submissions cannot both succeed).
//
// Questions are single choice, multiple choice, scale (1–5 or 1–10),
// matrix (rows answered with the same choices), short text or long text,
// required or optional. A question may be shown only if an earlier
// single-choice question got a given answer (skip logic): the server
// evaluates it, and a skipped question is neither required nor stored.
//
// The Go API for other capabilities (they check their own permission, e.g.
// auth.ManageOpenDays, before calling; the service keeps everything within
// the principal's agency and writes the audit entries):
//
//	s, err := surveys.Define(ctx, p, survey.Definition{Title: "…", Access: survey.Invite, Open: true,
//		Questions: []survey.QuestionDef{{Kind: survey.Single, Title: "…", Required: true, Choices: []string{"是", "否"}},
//			{Kind: survey.LongText, Title: "…", ShowIf: &survey.Condition{Question: 1, Choice: 2}}}})
//	invs, err := surveys.Invite(ctx, p, s.ID, 30) // invs[i].URL is the link to send
//	res, err := surveys.Results(ctx, p, s.ID)     // counts per question and choice
//
// Staff can also define the questions as text (see ParseQuestions for the
// format): one question per block of lines, blocks separated by an empty
// line.
package survey

import (
	"strconv"
	"strings"
	"time"
)

// State is where a questionnaire is in its life.
type State string

// The states.
const (
	Draft  State = "draft"
	Open   State = "open"
	Closed State = "closed"
)

// Label is the state in Chinese.
func (s State) Label() string {
	switch s {
	case Draft:
		return "草稿"
	case Open:
		return "正在收集"
	case Closed:
		return "已结束"
	}
	return string(s)
}

// Access says who may answer.
type Access string

// The access modes.
const (
	Anonymous Access = "anonymous" // anybody, nothing personal asked
	OpenToAll Access = "open"      // anybody, name and contact optional
	Invite    Access = "invite"    // invitation links only, one response each
)

// Accesses are the modes in form order.
var Accesses = []Access{Anonymous, OpenToAll, Invite}

// Label is the mode in Chinese.
func (a Access) Label() string {
	switch a {
	case Anonymous:
		return "匿名填写"
	case OpenToAll:
		return "公开填写（可留姓名和联系方式）"
	case Invite:
		return "仅限邀请（每个链接只能提交一次）"
	}
	return string(a)
}

func (a Access) valid() bool { return a == Anonymous || a == OpenToAll || a == Invite }

// Kind is a question's type.
type Kind string

// The question types; the Chinese names are those of the text format.
const (
	Single    Kind = "single"
	Multiple  Kind = "multiple"
	Scale     Kind = "scale"
	Matrix    Kind = "matrix"
	ShortText Kind = "short"
	LongText  Kind = "long"
)

// Label is the type in Chinese.
func (k Kind) Label() string {
	switch k {
	case Single:
		return "单选"
	case Multiple:
		return "多选"
	case Scale:
		return "量表"
	case Matrix:
		return "矩阵"
	case ShortText:
		return "短文本"
	case LongText:
		return "长文本"
	}
	return string(k)
}

// Limits.
const (
	MaxTitle     = 200
	MaxIntro     = 5000
	MaxQuestions = 100
	MaxChoices   = 30
	MaxChoice    = 200 // characters of a choice, a row or a question title
	MaxShort     = 200
	MaxLong      = 2000
	MaxName      = 50
	MaxContact   = 100
	MaxInvites   = 1000 // tokens generated at once
	MaxDefText   = 50_000
)

// Condition shows a question only if an earlier single-choice question
// (1-based Question) was answered with the 1-based Choice.
type Condition struct {
	Question int
	Choice   int
}

// QuestionDef defines a question.
type QuestionDef struct {
	Kind     Kind
	Title    string
	Required bool
	Choices  []string // single, multiple, matrix (its columns)
	Rows     []string // matrix
	ScaleMax int      // scale: 5 or 10
	ShowIf   *Condition
}

// Definition defines a questionnaire.
type Definition struct {
	Title          string
	Intro          string
	Access         Access
	PublishResults bool
	// Open opens the questionnaire at once (otherwise it is a draft).
	Open      bool
	Questions []QuestionDef
}

// Survey is a questionnaire.
type Survey struct {
	ID             int64
	AgencyID       int64
	Title          string
	Intro          string
	State          State
	Access         Access
	PublishResults bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
	OpenedAt       *time.Time
	ClosedAt       *time.Time
	Version        int
	Questions      []Question
	Responses      int
}

// URL is the questionnaire's public page.
func URL(id int64) string { return "/surveys/" + strconv.FormatInt(id, 10) }

// ResultsURL is its public results page.
func ResultsURL(id int64) string { return URL(id) + "/results" }

// Question is a stored question.
type Question struct {
	ID  int64
	Seq int // 1-based
	QuestionDef
}

// Field is the form field of the question (of a matrix row: Field_row).
func (q Question) Field() string { return "q" + strconv.Itoa(q.Seq) }

// Scale is 1…ScaleMax for the form.
func (q Question) Scale() []int {
	out := make([]int, q.ScaleMax)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// ConditionText tells the public when the question applies.
func (q Question) ConditionText(all []Question) string {
	if q.ShowIf == nil || q.ShowIf.Question < 1 || q.ShowIf.Question > len(all) {
		return ""
	}
	src := all[q.ShowIf.Question-1]
	if q.ShowIf.Choice < 1 || q.ShowIf.Choice > len(src.Choices) {
		return ""
	}
	return "仅当第 " + strconv.Itoa(src.Seq) + " 题选择“" + src.Choices[q.ShowIf.Choice-1] + "”时回答本题"
}

// Invitation is an invitation token and its link.
type Invitation struct {
	ID        int64
	Token     string
	URL       string
	CreatedAt time.Time
	UsedAt    *time.Time
}

// Used reports whether the invitation took its response.
func (i Invitation) Used() bool { return i.UsedAt != nil }

// Answers are a response's answers by form field, as submitted: one value
// per field (several for a multiple choice). A matrix row is field q{n}_{row}.
type Answers map[string][]string

// Submission is a response from the public.
type Submission struct {
	Answers Answers
	Name    string // open access only
	Contact string
	Token   string // invitation access only
	IP      string
}

// Count is a bar of the results: a choice (or scale value) and how many
// chose it.
type Count struct {
	Label   string
	N       int
	Percent int // of the question's respondents
}

// RowResult is a matrix row's counts.
type RowResult struct {
	Label  string
	Counts []Count
}

// QuestionResult are a question's results.
type QuestionResult struct {
	Question
	Answered int // respondents who answered it
	Counts   []Count
	Rows     []RowResult
	Texts    []string // text answers, newest first (at most 200)
	Mean     string   // scale: the mean value
}

// Results are a questionnaire's results.
type Results struct {
	Survey    *Survey
	Responses int
	Questions []QuestionResult
}

func joinLines(l []string) string { return strings.Join(l, "\n") }

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
