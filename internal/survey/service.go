package survey

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/web"
)

// Deps are the services the engine uses.
type Deps struct {
	DB *db.DB
	// BaseURL makes invitation links absolute (empty: site-relative).
	BaseURL string
	Now     func() time.Time
	// AgencyBySlug finds an agency for the portal's list and the API
	// (may be nil: no list).
	AgencyBySlug func(ctx context.Context, slug string) (id int64, name string, err error)
}

// Service is the questionnaire engine.
type Service struct{ Deps }

// NewService returns the service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	d.BaseURL = strings.TrimSuffix(d.BaseURL, "/")
	return &Service{Deps: d}
}

var (
	errNone      = apperr.NotFoundf("没有这份问卷。")
	errForbidden = apperr.New(apperr.Forbidden, "您不属于任何单位，不能管理问卷。")
	errStale     = apperr.New(apperr.Conflict, "这份问卷刚被其他人修改过，请刷新页面后再操作。")
	errClosed    = apperr.New(apperr.Conflict, "这份问卷已结束，不再接收答卷。")
	errForged    = apperr.New(apperr.Forbidden, "邀请链接无效，请使用收到的完整链接。")
	errUsed      = apperr.New(apperr.Conflict, "这个邀请链接已经提交过答卷，每个链接只能提交一次。")
	errNoToken   = apperr.New(apperr.Forbidden, "这份问卷仅限受邀请的人填写，请使用收到的邀请链接。")
)

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

func record(ctx context.Context, tx db.Tx, actor audit.Actor, agencyID, id int64, action, summary string) error {
	return audit.Record(ctx, tx, actor, audit.Event{AgencyID: agencyID, Action: "survey." + action, ObjectType: "survey",
		ObjectID: strconv.FormatInt(id, 10), Summary: summary})
}

// ---------------------------------------------------------------- store

const surveyColumns = `id, agency_id, title, intro, state, access, publish_results, created_at, updated_at, opened_at, closed_at, version,
	(SELECT count(*) FROM survey_responses r WHERE r.survey_id = surveys.id)`

func scanSurvey(row interface{ Scan(...any) error }) (*Survey, error) {
	var v Survey
	var state, access string
	var opened, closed sql.NullTime
	if err := row.Scan(&v.ID, &v.AgencyID, &v.Title, &v.Intro, &state, &access, &v.PublishResults, &v.CreatedAt, &v.UpdatedAt, &opened, &closed,
		&v.Version, &v.Responses); err != nil {
		return nil, err
	}
	v.State, v.Access = State(state), Access(access)
	if opened.Valid {
		v.OpenedAt = &opened.Time
	}
	if closed.Valid {
		v.ClosedAt = &closed.Time
	}
	return &v, nil
}

func load(ctx context.Context, q db.Querier, id int64) (*Survey, error) {
	v, err := scanSurvey(q.QueryRowContext(ctx, "SELECT "+surveyColumns+" FROM surveys WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNone
	}
	if err != nil {
		return nil, err
	}
	v.Questions, err = loadQuestions(ctx, q, id)
	return v, err
}

func loadQuestions(ctx context.Context, q db.Querier, id int64) ([]Question, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, seq, kind, title, required, choices, matrix_rows, scale_max, show_if_seq, show_if_choice
		FROM survey_questions WHERE survey_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Question
	for rows.Next() {
		var qu Question
		var kind, choices, mrows string
		var ifSeq, ifChoice int
		if err := rows.Scan(&qu.ID, &qu.Seq, &kind, &qu.Title, &qu.Required, &choices, &mrows, &qu.ScaleMax, &ifSeq, &ifChoice); err != nil {
			return nil, err
		}
		qu.Kind, qu.Choices, qu.Rows = Kind(kind), splitLines(choices), splitLines(mrows)
		if ifSeq > 0 {
			qu.ShowIf = &Condition{Question: ifSeq, Choice: ifChoice}
		}
		out = append(out, qu)
	}
	return out, rows.Err()
}

func insertQuestions(ctx context.Context, tx db.Tx, id int64, qs []QuestionDef) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM survey_questions WHERE survey_id = $1", id); err != nil {
		return err
	}
	for i, q := range qs {
		var ifSeq, ifChoice int
		if q.ShowIf != nil {
			ifSeq, ifChoice = q.ShowIf.Question, q.ShowIf.Choice
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO survey_questions (survey_id, seq, kind, title, required, choices, matrix_rows, scale_max, show_if_seq, show_if_choice)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, id, i+1, string(q.Kind), q.Title, q.Required, joinLines(q.Choices), joinLines(q.Rows),
			q.ScaleMax, ifSeq, ifChoice); err != nil {
			return err
		}
	}
	return nil
}

// ---------------------------------------------------------------- staff

// checkDefinition validates a definition's settings and questions; field
// messages go by form field (title, intro, access, questions).
func checkDefinition(d *Definition) map[string]string {
	f := map[string]string{}
	d.Title, d.Intro = strings.TrimSpace(d.Title), strings.TrimSpace(d.Intro)
	switch {
	case d.Title == "":
		f["title"] = "请填写问卷标题。"
	case utf8.RuneCountInString(d.Title) > MaxTitle || strings.ContainsAny(d.Title, "\r\n"):
		f["title"] = fmt.Sprintf("标题不超过 %d 字，不能换行。", MaxTitle)
	case web.Unreadable(d.Title):
		f["title"] = "标题含有无法识别的字符。"
	}
	switch {
	case utf8.RuneCountInString(d.Intro) > MaxIntro:
		f["intro"] = fmt.Sprintf("说明不超过 %d 字。", MaxIntro)
	case web.Unreadable(d.Intro):
		f["intro"] = "说明含有无法识别的字符。"
	}
	if !d.Access.valid() {
		f["access"] = "请选择填写方式。"
	}
	if len(d.Questions) > MaxQuestions {
		f["questions"] = fmt.Sprintf("题目不能超过 %d 道。", MaxQuestions)
	}
	for i := range d.Questions {
		if err := d.Questions[i].check(i+1, d.Questions[:i]); err != nil {
			f["questions"] = err.Error()
			break
		}
	}
	if d.Open && len(d.Questions) == 0 && f["questions"] == "" {
		f["questions"] = "请至少定义一道题。"
	}
	return f
}

// Define creates a questionnaire of the principal's agency (a draft, or
// open if def.Open). The caller checks its own permission.
func (s *Service) Define(ctx context.Context, p *auth.Principal, def Definition) (*Survey, error) {
	if p == nil || p.AgencyID == 0 {
		return nil, errForbidden
	}
	if f := checkDefinition(&def); len(f) > 0 {
		return nil, apperr.FieldErrors(f)
	}
	var id int64
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		now := s.now()
		state, opened := Draft, sql.NullTime{}
		if def.Open {
			state, opened = Open, sql.NullTime{Time: now, Valid: true}
		}
		var by any
		if p.UserID != 0 {
			by = p.UserID
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO surveys (agency_id, title, intro, state, access, publish_results, created_by, created_at, updated_at, opened_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, 1) RETURNING id`, p.AgencyID, def.Title, def.Intro, string(state), string(def.Access),
			def.PublishResults, by, now, opened).Scan(&id); err != nil {
			return err
		}
		if err := insertQuestions(ctx, tx, id, def.Questions); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), p.AgencyID, id, "create", "新建问卷："+def.Title)
	})
	if err != nil {
		return nil, err
	}
	return load(ctx, s.DB.W, id)
}

// Get returns a questionnaire of the principal's agency.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*Survey, error) {
	return s.scoped(ctx, s.DB.R, p, id)
}

func (s *Service) scoped(ctx context.Context, q db.Querier, p *auth.Principal, id int64) (*Survey, error) {
	if p == nil || p.AgencyID == 0 {
		return nil, errForbidden
	}
	v, err := load(ctx, q, id)
	if err == nil && v.AgencyID != p.AgencyID {
		return nil, errNone
	}
	return v, err
}

// List returns the agency's questionnaires, newest first.
func (s *Service) List(ctx context.Context, p *auth.Principal) ([]*Survey, error) {
	if p == nil || p.AgencyID == 0 {
		return nil, errForbidden
	}
	rows, err := s.DB.R.QueryContext(ctx, "SELECT "+surveyColumns+" FROM surveys WHERE agency_id = $1 ORDER BY id DESC", p.AgencyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Survey
	for rows.Next() {
		v, err := scanSurvey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Update changes a questionnaire's settings and, while it is a draft and
// questions is not nil, replaces its questions (version guards against
// lost updates).
func (s *Service) Update(ctx context.Context, p *auth.Principal, id int64, version int, def Definition, replace bool) error {
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		v, err := s.scoped(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if v.Version != version {
			return errStale
		}
		if !replace {
			def.Questions = nil
		}
		def.Open = false
		f := checkDefinition(&def)
		if replace && v.State != Draft {
			f["questions"] = "问卷已开始收集，不能再修改题目。"
		}
		if v.State != Draft && def.Access != v.Access && f["access"] == "" {
			f["access"] = "问卷已开始收集，不能再修改填写方式。"
		}
		if len(f) > 0 {
			return apperr.FieldErrors(f)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE surveys SET title = $1, intro = $2, access = $3, publish_results = $4, updated_at = $5, version = version + 1
			WHERE id = $6`, def.Title, def.Intro, string(def.Access), def.PublishResults, s.now(), id); err != nil {
			return err
		}
		if replace {
			if err := insertQuestions(ctx, tx, id, def.Questions); err != nil {
				return err
			}
		}
		return record(ctx, tx, p.Actor(), v.AgencyID, id, "update", "修改问卷："+def.Title)
	})
}

// SetState opens (a draft or a closed questionnaire) or closes one.
func (s *Service) SetState(ctx context.Context, p *auth.Principal, id int64, to State) error {
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		v, err := s.scoped(ctx, tx, p, id)
		if err != nil {
			return err
		}
		now := s.now()
		switch {
		case to == Open && v.State != Open:
			if len(v.Questions) == 0 {
				return apperr.Invalidf("问卷还没有题目，不能开始收集。")
			}
			_, err = tx.ExecContext(ctx, "UPDATE surveys SET state = 'open', opened_at = COALESCE(opened_at, $1), closed_at = NULL, updated_at = $1, version = version + 1 WHERE id = $2", now, id)
		case to == Closed && v.State == Open:
			_, err = tx.ExecContext(ctx, "UPDATE surveys SET state = 'closed', closed_at = $1, updated_at = $1, version = version + 1 WHERE id = $2", now, id)
		default:
			return apperr.New(apperr.Conflict, "问卷当前为“"+v.State.Label()+"”，不能这样操作。")
		}
		if err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), v.AgencyID, id, string(to), "问卷“"+v.Title+"”："+to.Label())
	})
}

// Invite creates n invitation tokens of an invitation-only questionnaire
// and returns them with their links.
func (s *Service) Invite(ctx context.Context, p *auth.Principal, id int64, n int) ([]Invitation, error) {
	if n < 1 || n > MaxInvites {
		return nil, apperr.FieldErrors(map[string]string{"n": fmt.Sprintf("一次可以生成 1 至 %d 个邀请链接。", MaxInvites)})
	}
	var out []Invitation
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		v, err := s.scoped(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if v.Access != Invite {
			return apperr.FieldErrors(map[string]string{"n": "只有“仅限邀请”的问卷需要邀请链接。"})
		}
		now := s.now()
		for range n {
			b := make([]byte, 16)
			rand.Read(b)
			inv := Invitation{Token: hex.EncodeToString(b), CreatedAt: now}
			if err := tx.QueryRowContext(ctx, "INSERT INTO survey_tokens (survey_id, token, created_at) VALUES ($1, $2, $3) RETURNING id", id, inv.Token, now).Scan(&inv.ID); err != nil {
				return err
			}
			inv.URL = s.link(id, inv.Token)
			out = append(out, inv)
		}
		return record(ctx, tx, p.Actor(), v.AgencyID, id, "invite", fmt.Sprintf("问卷“%s”生成 %d 个邀请链接", v.Title, n))
	})
	return out, err
}

func (s *Service) link(id int64, token string) string {
	return s.BaseURL + URL(id) + "?t=" + token
}

// Invitations lists a questionnaire's invitations, oldest first.
func (s *Service) Invitations(ctx context.Context, p *auth.Principal, id int64) ([]Invitation, error) {
	if _, err := s.scoped(ctx, s.DB.R, p, id); err != nil {
		return nil, err
	}
	rows, err := s.DB.R.QueryContext(ctx, "SELECT id, token, created_at, used_at FROM survey_tokens WHERE survey_id = $1 ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Invitation
	for rows.Next() {
		var inv Invitation
		var used sql.NullTime
		if err := rows.Scan(&inv.ID, &inv.Token, &inv.CreatedAt, &used); err != nil {
			return nil, err
		}
		if used.Valid {
			inv.UsedAt = &used.Time
		}
		inv.URL = s.link(id, inv.Token)
		out = append(out, inv)
	}
	return out, rows.Err()
}

// ---------------------------------------------------------------- public

// Public returns a questionnaire for the public: open or closed, never a
// draft.
func (s *Service) Public(ctx context.Context, id int64) (*Survey, error) {
	v, err := load(ctx, s.DB.R, id)
	if err == nil && v.State == Draft {
		return nil, errNone
	}
	return v, err
}

func validToken(t string) bool {
	if len(t) != 32 {
		return false
	}
	_, err := hex.DecodeString(t)
	return err == nil
}

// CheckToken tells whether an invitation token may still answer.
func (s *Service) CheckToken(ctx context.Context, v *Survey, token string) error {
	if v.Access != Invite {
		return nil
	}
	if token == "" {
		return errNoToken
	}
	if !validToken(token) {
		return errForged
	}
	var used sql.NullTime
	err := s.DB.R.QueryRowContext(ctx, "SELECT used_at FROM survey_tokens WHERE survey_id = $1 AND token = $2", v.ID, token).Scan(&used)
	if errors.Is(err, sql.ErrNoRows) {
		return errForged
	}
	if err != nil {
		return err
	}
	if used.Valid {
		return errUsed
	}
	return nil
}

type answerRow struct {
	question    int64
	row, choice int
	body        string
}

// Visible reports which questions apply given the answers (skip logic):
// a question with a condition applies only if its source applies and was
// answered with the condition's choice.
func Visible(qs []Question, a Answers) []bool {
	out := make([]bool, len(qs))
	for i, q := range qs {
		out[i] = true
		if c := q.ShowIf; c != nil {
			out[i] = c.Question >= 1 && c.Question <= i && out[c.Question-1] && choiceOf(a, qs[c.Question-1]) == c.Choice
		}
	}
	return out
}

// choiceOf is the 1-based single choice answered (0: none or invalid).
func choiceOf(a Answers, q Question) int {
	vals := a[q.Field()]
	if len(vals) != 1 {
		return 0
	}
	n, err := strconv.Atoi(vals[0])
	if err != nil || n < 1 || n > len(q.Choices) {
		return 0
	}
	return n
}

// check reads the answers against the questions; errors go by field.
func check(qs []Question, a Answers) ([]answerRow, map[string]string) {
	f := map[string]string{}
	var out []answerRow
	vis := Visible(qs, a)
	for i, q := range qs {
		if !vis[i] {
			continue
		}
		key := q.Field()
		vals := nonEmpty(a[key])
		missing := func() {
			if q.Required {
				f[key] = "请回答本题。"
			}
		}
		switch q.Kind {
		case Single, Scale:
			limit := len(q.Choices)
			if q.Kind == Scale {
				limit = q.ScaleMax
			}
			if len(vals) == 0 {
				missing()
				continue
			}
			n, err := strconv.Atoi(vals[0])
			if len(vals) > 1 || err != nil || n < 1 || n > limit {
				f[key] = "所选的答案无效，请重新选择。"
				continue
			}
			out = append(out, answerRow{question: q.ID, choice: n})
		case Multiple:
			if len(vals) == 0 {
				missing()
				continue
			}
			seen := map[int]bool{}
			for _, s := range vals {
				n, err := strconv.Atoi(s)
				if err != nil || n < 1 || n > len(q.Choices) || seen[n] {
					f[key] = "所选的答案无效，请重新选择。"
					break
				}
				seen[n] = true
				out = append(out, answerRow{question: q.ID, choice: n})
			}
		case Matrix:
			answered := 0
			for r := range q.Rows {
				rv := nonEmpty(a[key+"_"+strconv.Itoa(r+1)])
				if len(rv) == 0 {
					continue
				}
				n, err := strconv.Atoi(rv[0])
				if len(rv) > 1 || err != nil || n < 1 || n > len(q.Choices) {
					f[key] = "所选的答案无效，请重新选择。"
					break
				}
				answered++
				out = append(out, answerRow{question: q.ID, row: r + 1, choice: n})
			}
			if _, bad := f[key]; !bad && q.Required && answered < len(q.Rows) {
				f[key] = "请回答本题的每一行。"
			}
		case ShortText, LongText:
			limit := MaxShort
			if q.Kind == LongText {
				limit = MaxLong
			}
			if len(vals) > 1 {
				f[key] = "答案无效。"
				continue
			}
			if len(vals) == 0 {
				missing()
				continue
			}
			t := strings.TrimSpace(vals[0])
			switch {
			case utf8.RuneCountInString(t) > limit:
				f[key] = fmt.Sprintf("不超过 %d 字。", limit)
			case web.Unreadable(t):
				f[key] = "含有无法识别的字符。"
			default:
				out = append(out, answerRow{question: q.ID, body: t})
			}
		}
	}
	return out, f
}

func nonEmpty(v []string) []string {
	var out []string
	for _, s := range v {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// Submit stores a response: refused if the questionnaire is not open, the
// token is missing, forged or used, or the answers are wrong (by field).
// The invitation token is spent in the same transaction by a conditional
// update, so that of two concurrent submissions only one succeeds.
func (s *Service) Submit(ctx context.Context, id int64, sub Submission) (int64, error) {
	var rid int64
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		v, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		switch v.State {
		case Draft:
			return errNone
		case Closed:
			return errClosed
		}
		if v.Access == Invite {
			if sub.Token == "" {
				return errNoToken
			}
			if !validToken(sub.Token) {
				return errForged
			}
		}
		rows, f := check(v.Questions, sub.Answers)
		if v.Access == OpenToAll {
			sub.Name, sub.Contact = strings.TrimSpace(sub.Name), strings.TrimSpace(sub.Contact)
			if utf8.RuneCountInString(sub.Name) > MaxName || web.Unreadable(sub.Name) || strings.ContainsAny(sub.Name, "\r\n") {
				f["name"] = fmt.Sprintf("姓名不超过 %d 字。", MaxName)
			}
			if utf8.RuneCountInString(sub.Contact) > MaxContact || web.Unreadable(sub.Contact) || strings.ContainsAny(sub.Contact, "\r\n") {
				f["contact"] = fmt.Sprintf("联系方式不超过 %d 字。", MaxContact)
			}
		} else {
			sub.Name, sub.Contact = "", ""
		}
		if len(f) > 0 {
			return apperr.FieldErrors(f)
		}
		now := s.now()
		if err := tx.QueryRowContext(ctx, "INSERT INTO survey_responses (survey_id, name, contact, ip, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
			id, sub.Name, sub.Contact, sub.IP, now).Scan(&rid); err != nil {
			return err
		}
		if v.Access == Invite {
			res, err := tx.ExecContext(ctx, "UPDATE survey_tokens SET used_at = $1, response_id = $2 WHERE survey_id = $3 AND token = $4 AND used_at IS NULL",
				now, rid, id, sub.Token)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n != 1 {
				var exists int
				tx.QueryRowContext(ctx, "SELECT count(*) FROM survey_tokens WHERE survey_id = $1 AND token = $2", id, sub.Token).Scan(&exists)
				if exists == 0 {
					return errForged
				}
				return errUsed
			}
		}
		for _, a := range rows {
			if _, err := tx.ExecContext(ctx, "INSERT INTO survey_answers (response_id, question_id, row_no, choice, body) VALUES ($1, $2, $3, $4, $5)",
				rid, a.question, a.row, a.choice, a.body); err != nil {
				return err
			}
		}
		return record(ctx, tx, audit.Actor{Name: "公众（网上）", IP: sub.IP}, v.AgencyID, id, "respond", "问卷“"+v.Title+"”收到答卷")
	})
	return rid, err
}

// PublicList returns an agency's questionnaires the public may see: those
// open to anybody (invitation-only ones are reached by their links), and
// those whose results are published, newest first.
func (s *Service) PublicList(ctx context.Context, agencyID int64) (open, results []*Survey, err error) {
	rows, err := s.DB.R.QueryContext(ctx, "SELECT "+surveyColumns+` FROM surveys WHERE agency_id = $1 AND state <> 'draft'
		AND ((state = 'open' AND access <> 'invite') OR publish_results) ORDER BY COALESCE(opened_at, created_at) DESC, id DESC LIMIT 200`, agencyID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scanSurvey(rows)
		if err != nil {
			return nil, nil, err
		}
		if v.State == Open && v.Access != Invite {
			open = append(open, v)
		}
		if v.PublishResults {
			results = append(results, v)
		}
	}
	return open, results, rows.Err()
}
