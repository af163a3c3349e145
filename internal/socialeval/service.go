package socialeval

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/survey"
	"github.com/gongkai/gongkai/internal/web"
)

// AgencyRef is what social evaluation needs to know of an agency.
type AgencyRef struct {
	ID         int64
	Slug, Name string
}

// Division is an agency's division, offered as the responsible division
// of an improvement action.
type Division struct {
	ID   int64
	Name string
}

// Agencies gives the agencies and their divisions (wired in app).
type Agencies interface {
	Agency(ctx context.Context, id int64) (AgencyRef, error)
	AgencyBySlug(ctx context.Context, slug string) (AgencyRef, error)
	Divisions(ctx context.Context, agencyID int64) ([]Division, error)
}

// Deps are the services social evaluation uses.
type Deps struct {
	DB       *db.DB
	Agencies Agencies
	// Surveys is the questionnaire engine: one questionnaire per group.
	Surveys *survey.Service
	// Version is bumped when public content changes (may be nil).
	Version *web.DBVersion
	Now     func() time.Time
}

// Service is the rules of social evaluation.
type Service struct{ Deps }

// NewService returns the service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{Deps: d}
}

var (
	errForbidden = apperr.New(apperr.Forbidden, "您无权管理本单位的社会评议。")
	errNone      = apperr.NotFoundf("没有这个社会评议活动。")
	errNoAction  = apperr.NotFoundf("没有这个整改事项。")
	errStale     = apperr.New(apperr.Conflict, "这个评议活动刚被其他人修改过，请刷新页面后再操作。")
	errStaleAct  = apperr.New(apperr.Conflict, "这个整改事项刚被其他人修改过，请刷新页面后再操作。")
)

func allowed(p *auth.Principal) bool {
	return p != nil && auth.Allowed(p, auth.ManageEvaluations) && p.AgencyID != 0
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Today is the date in Shanghai.
func (s *Service) Today() civil.Date { return civil.Of(s.Now()) }

func (s *Service) tx(ctx context.Context, fn func(tx db.Tx) error) error {
	if err := s.DB.Tx(ctx, fn); err != nil {
		return err
	}
	if s.Version != nil {
		s.Version.Invalidate()
	}
	return nil
}

func (s *Service) bump(ctx context.Context, tx db.Tx) error {
	if s.Version == nil {
		return nil
	}
	return s.Version.Bump(ctx, tx)
}

func record(ctx context.Context, tx db.Tx, actor audit.Actor, agencyID int64, action, objectType string, id int64, summary string) error {
	return audit.Record(ctx, tx, actor, audit.Event{AgencyID: agencyID, Action: "evaluation." + action, ObjectType: objectType,
		ObjectID: strconv.FormatInt(id, 10), Summary: summary})
}

// ---------------------------------------------------------------- store

const campaignCols = `id, agency_id, year, title, intro, state, summary, problems, measures, created_at, updated_at, opened_at, closed_at,
	published_at, version, (SELECT points FROM evaluation_scores s WHERE s.evaluation_id = evaluations.id AND s.group_id = 0 AND s.indicator_id = 0)`

func scanCampaign(r interface{ Scan(...any) error }) (*Campaign, error) {
	c := &Campaign{}
	var st string
	var opened, closed, published sql.NullTime
	var overall sql.NullInt64
	if err := r.Scan(&c.ID, &c.AgencyID, &c.Year, &c.Title, &c.Intro, &st, &c.Narrative.Summary, &c.Narrative.Problems, &c.Narrative.Measures,
		&c.CreatedAt, &c.UpdatedAt, &opened, &closed, &published, &c.Version, &overall); err != nil {
		return nil, err
	}
	c.State = State(st)
	for _, x := range []struct {
		src sql.NullTime
		dst **time.Time
	}{{opened, &c.OpenedAt}, {closed, &c.ClosedAt}, {published, &c.PublishedAt}} {
		if x.src.Valid {
			t := x.src.Time
			*x.dst = &t
		}
	}
	c.Overall = Cell{P: Points(overall.Int64), OK: overall.Valid}
	return c, nil
}

func listCampaigns(ctx context.Context, q db.Querier, where string, args ...any) ([]*Campaign, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+campaignCols+` FROM evaluations WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// load reads a campaign with its groups and indicator tree.
func load(ctx context.Context, q db.Querier, id int64) (*Campaign, error) {
	c, err := scanCampaign(q.QueryRowContext(ctx, `SELECT `+campaignCols+` FROM evaluations WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNone
	}
	if err != nil {
		return nil, err
	}
	if c.Groups, err = loadGroups(ctx, q, id); err != nil {
		return nil, err
	}
	c.Dimensions, err = loadIndicators(ctx, q, id)
	return c, err
}

func loadGroups(ctx context.Context, q db.Querier, id int64) ([]Group, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, seq, name, weight, access, COALESCE(survey_id, 0), responses FROM evaluation_groups
		WHERE evaluation_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var g Group
		var access string
		if err := rows.Scan(&g.ID, &g.Seq, &g.Name, &g.Weight, &access, &g.SurveyID, &g.Responses); err != nil {
			return nil, err
		}
		g.Access = Access(access)
		out = append(out, g)
	}
	return out, rows.Err()
}

func loadIndicators(ctx context.Context, q db.Querier, id int64) ([]*Indicator, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, COALESCE(parent_id, 0), seq, name, weight FROM evaluation_indicators
		WHERE evaluation_id = $1 ORDER BY seq, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []*Indicator
	for rows.Next() {
		x := &Indicator{}
		if err := rows.Scan(&x.ID, &x.ParentID, &x.Seq, &x.Name, &x.Weight); err != nil {
			return nil, err
		}
		all = append(all, x)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	byID := map[int64]*Indicator{}
	var dims []*Indicator
	for _, x := range all {
		if x.ParentID == 0 {
			byID[x.ID] = x
			dims = append(dims, x)
		}
	}
	for _, x := range all {
		if p := byID[x.ParentID]; p != nil {
			p.Children = append(p.Children, x)
		}
	}
	return dims, nil
}

func saveDefinition(ctx context.Context, tx db.Tx, id int64, groups []Group, dims []*Indicator) error {
	for _, q := range []string{`DELETE FROM evaluation_groups WHERE evaluation_id = $1`,
		`DELETE FROM evaluation_indicators WHERE evaluation_id = $1 AND parent_id IS NOT NULL`,
		`DELETE FROM evaluation_indicators WHERE evaluation_id = $1`} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return err
		}
	}
	for _, g := range groups {
		if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_groups (evaluation_id, seq, name, weight, access) VALUES ($1, $2, $3, $4, $5)`,
			id, g.Seq, g.Name, g.Weight, string(g.Access)); err != nil {
			return err
		}
	}
	for _, d := range dims {
		var did int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO evaluation_indicators (evaluation_id, seq, name, weight) VALUES ($1, $2, $3, $4) RETURNING id`,
			id, d.Seq, d.Name, d.Weight).Scan(&did); err != nil {
			return err
		}
		for _, c := range d.Children {
			if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_indicators (evaluation_id, parent_id, seq, name, weight) VALUES ($1, $2, $3, $4, $5)`,
				id, did, c.Seq, c.Name, c.Weight); err != nil {
				return err
			}
		}
	}
	return nil
}

// LoadScores reads a campaign's stored scores.
func (s *Service) LoadScores(ctx context.Context, id int64) (Scores, error) {
	rows, err := s.DB.R.QueryContext(ctx, `SELECT group_id, indicator_id, points, answers FROM evaluation_scores WHERE evaluation_id = $1`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := Scores{}
	for rows.Next() {
		var k Key
		var v Score
		if err := rows.Scan(&k.Group, &k.Indicator, &v.Points, &v.Answers); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// ---------------------------------------------------------------- campaigns

// List returns p's agency's campaigns, newest year first.
func (s *Service) List(ctx context.Context, p *auth.Principal) ([]*Campaign, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	return listCampaigns(ctx, s.DB.R, `agency_id = $1 ORDER BY year DESC, id DESC`, p.AgencyID)
}

// Get returns a campaign of p's agency; another agency's is not found.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*Campaign, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	c, err := load(ctx, s.DB.R, id)
	if err == nil && c.AgencyID != p.AgencyID {
		return nil, errNone
	}
	return c, err
}

// Create adds a draft campaign to p's agency.
func (s *Service) Create(ctx context.Context, p *auth.Principal, f Fields) (*Campaign, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	c := &Campaign{AgencyID: p.AgencyID, State: Draft}
	msgs, groups, dims := f.check(c)
	if len(msgs) > 0 {
		return nil, apperr.FieldErrors(msgs)
	}
	err := s.tx(ctx, func(tx db.Tx) error {
		now := s.now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO evaluations (agency_id, year, title, intro, state, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, c.AgencyID, c.Year, c.Title, c.Intro, string(Draft), now).Scan(&c.ID); err != nil {
			if db.IsUniqueViolation(err) {
				return yearTaken(c.Year)
			}
			return err
		}
		if err := saveDefinition(ctx, tx, c.ID, groups, dims); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), c.AgencyID, "create", "evaluation", c.ID, "新建社会评议“"+c.Title+"”")
	})
	if err != nil {
		return nil, err
	}
	return load(ctx, s.DB.W, c.ID)
}

func yearTaken(year int) error {
	return apperr.FieldErrors(map[string]string{"year": "本单位 " + strconv.Itoa(year) + " 年度已有社会评议活动，每年只能有一个。"})
}

// Update changes a draft campaign (f.Version guards against lost
// updates). Outside the draft state nothing can be edited.
func (s *Service) Update(ctx context.Context, p *auth.Principal, id int64, f Fields) (*Campaign, error) {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if c.State != Draft {
		return nil, apperr.New(apperr.Conflict, "评议活动已经开始，评议组和指标不能再修改。")
	}
	msgs, groups, dims := f.check(c)
	if len(msgs) > 0 {
		return nil, apperr.FieldErrors(msgs)
	}
	err = s.tx(ctx, func(tx db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE evaluations SET year = $1, title = $2, intro = $3, updated_at = $4, version = version + 1
			WHERE id = $5 AND version = $6 AND state = 'draft'`, c.Year, c.Title, c.Intro, s.now(), id, f.Version)
		if err != nil {
			if db.IsUniqueViolation(err) {
				return yearTaken(c.Year)
			}
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale
		}
		if err := saveDefinition(ctx, tx, id, groups, dims); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), c.AgencyID, "update", "evaluation", id, "修改社会评议“"+c.Title+"”的评议组和指标")
	})
	if err != nil {
		return nil, err
	}
	return load(ctx, s.DB.W, id)
}

// current loads a campaign of p's agency and checks its state and the
// version the form was built from.
func (s *Service) current(ctx context.Context, p *auth.Principal, id int64, version int, what string, states ...State) (*Campaign, error) {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	ok := false
	for _, st := range states {
		ok = ok || c.State == st
	}
	if !ok {
		return nil, apperr.New(apperr.Conflict, "评议活动当前为“"+c.State.Label()+"”，不能"+what+"。")
	}
	if c.Version != version {
		return nil, errStale
	}
	return c, nil
}

// Questionnaire is the questionnaire a group answers: one required 1–5
// scale question per indicator ("维度：指标"), then an optional long-text
// question for comments.
func Questionnaire(c *Campaign, g Group) survey.Definition {
	d := survey.Definition{Title: c.Title + "（" + g.Name + "）", Open: true, Access: survey.Invite,
		Intro: strings.TrimSpace(c.Intro + "\n\n请对以下各项作出评价：1 分为很不满意，5 分为很满意。每题必答，最后一题可自由填写意见和建议。")}
	if g.Access == OpenToPublic {
		// 社会公众 answer anonymously: nothing personal is asked.
		d.Access = survey.Anonymous
	}
	for _, l := range c.Leaves() {
		d.Questions = append(d.Questions, survey.QuestionDef{Kind: survey.Scale, ScaleMax: 5, Required: true, Title: l.Question()})
	}
	d.Questions = append(d.Questions, survey.QuestionDef{Kind: survey.LongText, Title: CommentsQuestion})
	return d
}

// CommentsQuestion is the title of the questionnaire's last question.
const CommentsQuestion = "意见和建议"

// Open starts the evaluation: one questionnaire per group, open at once;
// groups and indicators are locked from now on.
func (s *Service) Open(ctx context.Context, p *auth.Principal, id int64, version int) error {
	c, err := s.current(ctx, p, id, version, "开始评议", Draft)
	if err != nil {
		return err
	}
	if len(c.Groups) == 0 || len(c.Leaves()) == 0 {
		return apperr.New(apperr.Conflict, "请先填写评议组和评议指标。")
	}
	// The questionnaires are made by the engine in its own transactions;
	// should the campaign's change then fail (another staff member was
	// quicker), they are closed again and stay unused.
	made := map[int64]int64{}
	discard := func() {
		for _, sid := range made {
			s.Surveys.SetState(context.WithoutCancel(ctx), p, sid, survey.Closed)
		}
	}
	for _, g := range c.Groups {
		sv, err := s.Surveys.Define(ctx, p, Questionnaire(c, g))
		if err != nil {
			discard()
			return fmt.Errorf("社会评议：问卷（%s）: %w", g.Name, err)
		}
		made[g.ID] = sv.ID
	}
	err = s.tx(ctx, func(tx db.Tx) error {
		now := s.now()
		res, err := tx.ExecContext(ctx, `UPDATE evaluations SET state = 'open', opened_at = $1, updated_at = $1, version = version + 1
			WHERE id = $2 AND version = $3 AND state = 'draft'`, now, id, version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale
		}
		for gid, sid := range made {
			if _, err := tx.ExecContext(ctx, `UPDATE evaluation_groups SET survey_id = $1 WHERE id = $2 AND evaluation_id = $3`, sid, gid, id); err != nil {
				return err
			}
		}
		if err := s.bump(ctx, tx); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), c.AgencyID, "open", "evaluation", id, fmt.Sprintf("开始社会评议“%s”（%d 个评议组，%d 项指标）", c.Title, len(c.Groups), len(c.Leaves())))
	})
	if err != nil {
		discard()
	}
	return err
}

// Close ends the evaluation: the questionnaires close, the scores are
// computed and stored.
func (s *Service) Close(ctx context.Context, p *auth.Principal, id int64, version int) error {
	c, err := s.current(ctx, p, id, version, "结束评议", Open)
	if err != nil {
		return err
	}
	for _, g := range c.Groups {
		if g.SurveyID == 0 {
			continue
		}
		// Already closed in the questionnaire console: that is fine.
		if err := s.Surveys.SetState(ctx, p, g.SurveyID, survey.Closed); err != nil && !apperr.Is(err, apperr.Conflict) {
			return err
		}
	}
	responses, tallies, err := s.tally(ctx, p, c)
	if err != nil {
		return err
	}
	scores := Compute(c.Groups, c.Dimensions, responses, tallies)
	return s.tx(ctx, func(tx db.Tx) error {
		now := s.now()
		res, err := tx.ExecContext(ctx, `UPDATE evaluations SET state = 'closed', closed_at = $1, updated_at = $1, version = version + 1
			WHERE id = $2 AND version = $3 AND state = 'open'`, now, id, version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM evaluation_scores WHERE evaluation_id = $1`, id); err != nil {
			return err
		}
		for k, v := range scores {
			if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_scores (evaluation_id, group_id, indicator_id, points, answers) VALUES ($1, $2, $3, $4, $5)`,
				id, k.Group, k.Indicator, int64(v.Points), v.Answers); err != nil {
				return err
			}
		}
		total := 0
		for _, g := range c.Groups {
			total += responses[g.ID]
			if _, err := tx.ExecContext(ctx, `UPDATE evaluation_groups SET responses = $1 WHERE id = $2`, responses[g.ID], g.ID); err != nil {
				return err
			}
		}
		if err := s.bump(ctx, tx); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), c.AgencyID, "close", "evaluation", id, fmt.Sprintf("结束社会评议“%s”：收到答卷 %d 份，总得分 %s",
			c.Title, total, scores.Cell(Key{}).String()))
	})
}

// tally reads each group's questionnaire: responses, and by indicator the
// number and sum of the answers.
func (s *Service) tally(ctx context.Context, p *auth.Principal, c *Campaign) (map[int64]int, map[int64]map[int64]Tally, error) {
	responses := map[int64]int{}
	tallies := map[int64]map[int64]Tally{}
	leaves := c.Leaves()
	for _, g := range c.Groups {
		if g.SurveyID == 0 {
			continue
		}
		res, err := s.Surveys.Results(ctx, p, g.SurveyID)
		if err != nil {
			return nil, nil, err
		}
		responses[g.ID] = res.Responses
		tallies[g.ID] = map[int64]Tally{}
		for i, l := range leaves {
			if i >= len(res.Questions) {
				return nil, nil, fmt.Errorf("socialeval: questionnaire %d has %d questions, want %d", g.SurveyID, len(res.Questions), len(leaves)+1)
			}
			q := res.Questions[i]
			if q.Kind != survey.Scale || q.Title != l.Question() {
				return nil, nil, fmt.Errorf("socialeval: questionnaire %d question %d is %q, want the scale %q", g.SurveyID, i+1, q.Title, l.Question())
			}
			var t Tally
			for v, n := range q.Counts {
				t.N += n.N
				t.Sum += (v + 1) * n.N
			}
			tallies[g.ID][l.Indicator.ID] = t
		}
	}
	return responses, tallies, nil
}

// SaveNarrative saves the report's text while the campaign is closed (it
// may be saved in parts; publishing needs all three).
func (s *Service) SaveNarrative(ctx context.Context, p *auth.Principal, id int64, n Narrative, version int) error {
	m := map[string]string{}
	web.CheckText(m, "summary", "总体情况", n.Summary, false, MaxNarrative)
	web.CheckText(m, "problems", "主要问题", n.Problems, false, MaxNarrative)
	web.CheckText(m, "measures", "改进措施", n.Measures, false, MaxNarrative)
	if len(m) > 0 {
		return apperr.FieldErrors(m)
	}
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	if c.State != Closed {
		if c.State == Published {
			return apperr.FieldErrors(map[string]string{"summary": "评议报告已发布，不能再修改。"})
		}
		return apperr.FieldErrors(map[string]string{"summary": "评议结束后才能撰写评议报告。"})
	}
	n = Narrative{Summary: strings.TrimSpace(n.Summary), Problems: strings.TrimSpace(n.Problems), Measures: strings.TrimSpace(n.Measures)}
	return s.tx(ctx, func(tx db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE evaluations SET summary = $1, problems = $2, measures = $3, updated_at = $4, version = version + 1
			WHERE id = $5 AND version = $6 AND state = 'closed'`, n.Summary, n.Problems, n.Measures, s.now(), id, version)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return errStale
		}
		return record(ctx, tx, p.Actor(), c.AgencyID, "report", "evaluation", id, "撰写社会评议“"+c.Title+"”的评议报告")
	})
}

// Publish puts the report on the portal and locks the campaign; the
// narrative must be complete.
func (s *Service) Publish(ctx context.Context, p *auth.Principal, id int64, version int) error {
	c, err := s.current(ctx, p, id, version, "发布评议报告", Closed)
	if err != nil {
		return err
	}
	if !c.Narrative.Complete() {
		return apperr.New(apperr.Conflict, "请先填写并保存评议报告的总体情况、主要问题和改进措施，再发布。")
	}
	return s.tx(ctx, func(tx db.Tx) error {
		now := s.now()
		res, err := tx.ExecContext(ctx, `UPDATE evaluations SET state = 'published', published_at = $1, updated_at = $1, version = version + 1
			WHERE id = $2 AND version = $3 AND state = 'closed'`, now, id, version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale
		}
		if err := s.bump(ctx, tx); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), c.AgencyID, "publish", "evaluation", id, "发布社会评议报告“"+c.Title+"”（总得分 "+c.Overall.String()+"）")
	})
}

// ---------------------------------------------------------------- invitations

// Invite makes n invitation links for an invitation group of an open
// campaign.
func (s *Service) Invite(ctx context.Context, p *auth.Principal, id, groupID int64, n int) ([]survey.Invitation, error) {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	g, ok := c.Group(groupID)
	m := map[string]string{}
	switch {
	case !ok:
		m["group"] = "请选择评议组。"
	case g.Access != ByInvitation:
		m["group"] = "“" + g.Name + "”为公开填写，无需邀请链接。"
	}
	if n < 1 || n > MaxInvitations {
		m["count"] = fmt.Sprintf("请填写 1 至 %d 之间的整数。", MaxInvitations)
	}
	if len(m) == 0 && (c.State != Open || g.SurveyID == 0) {
		m["group"] = "评议进行中才能生成邀请链接（当前为“" + c.State.Label() + "”）。"
	}
	if len(m) > 0 {
		return nil, apperr.FieldErrors(m)
	}
	invs, err := s.Surveys.Invite(ctx, p, g.SurveyID, n)
	if err != nil {
		return nil, err
	}
	err = s.tx(ctx, func(tx db.Tx) error {
		return record(ctx, tx, p.Actor(), c.AgencyID, "invite", "evaluation", id, fmt.Sprintf("社会评议“%s”为“%s”生成 %d 个邀请链接", c.Title, g.Name, n))
	})
	return invs, err
}

// GroupInvitations are an invitation group's links.
type GroupInvitations struct {
	Group Group
	List  []survey.Invitation
	Used  int
}

// Invitations lists the links of each invitation group, oldest first.
func (s *Service) Invitations(ctx context.Context, p *auth.Principal, c *Campaign) ([]GroupInvitations, error) {
	var out []GroupInvitations
	for _, g := range c.Groups {
		if g.Access != ByInvitation || g.SurveyID == 0 {
			continue
		}
		list, err := s.Surveys.Invitations(ctx, p, g.SurveyID)
		if err != nil {
			return nil, err
		}
		gi := GroupInvitations{Group: g, List: list}
		for _, inv := range list {
			if inv.Used() {
				gi.Used++
			}
		}
		out = append(out, gi)
	}
	return out, nil
}

// RecordExport writes the audit entry of an export of the invitation
// links (they are credentials: whoever holds one may answer).
func (s *Service) RecordExport(ctx context.Context, p *auth.Principal, c *Campaign, n int) error {
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		return record(ctx, tx, p.Actor(), c.AgencyID, "export", "evaluation", c.ID, fmt.Sprintf("导出社会评议“%s”的邀请链接（%d 个）", c.Title, n))
	})
}

// LiveResponses counts each group's responses so far (an open campaign).
func (s *Service) LiveResponses(ctx context.Context, p *auth.Principal, c *Campaign) map[int64]int {
	out := map[int64]int{}
	for _, g := range c.Groups {
		if g.SurveyID == 0 {
			continue
		}
		if sv, err := s.Surveys.Get(ctx, p, g.SurveyID); err == nil {
			out[g.ID] = sv.Responses
		}
	}
	return out
}

// ---------------------------------------------------------------- public

// PublicList returns an agency's published campaigns (newest year first)
// and those open now (their public questionnaires may be filled).
func (s *Service) PublicList(ctx context.Context, agencyID int64) (published, open []*Campaign, err error) {
	if published, err = listCampaigns(ctx, s.DB.R, `agency_id = $1 AND state = 'published' ORDER BY year DESC, id DESC`, agencyID); err != nil {
		return nil, nil, err
	}
	if open, err = listCampaigns(ctx, s.DB.R, `agency_id = $1 AND state = 'open' ORDER BY year DESC, id DESC`, agencyID); err != nil {
		return nil, nil, err
	}
	for _, c := range open {
		if c.Groups, err = loadGroups(ctx, s.DB.R, c.ID); err != nil {
			return nil, nil, err
		}
	}
	return published, open, nil
}

// Published lists the published campaigns of an agency, or of all
// agencies (agencyID 0), newest year first.
func (s *Service) Published(ctx context.Context, agencyID int64) ([]*Campaign, error) {
	if agencyID == 0 {
		return listCampaigns(ctx, s.DB.R, `state = 'published' ORDER BY year DESC, agency_id, id DESC`)
	}
	return listCampaigns(ctx, s.DB.R, `agency_id = $1 AND state = 'published' ORDER BY year DESC, id DESC`, agencyID)
}

// Public returns a published campaign of the agency (any agency if 0);
// anything else is not found.
func (s *Service) Public(ctx context.Context, agencyID, id int64) (*Campaign, error) {
	c, err := load(ctx, s.DB.R, id)
	if err != nil {
		return nil, err
	}
	if c.State != Published || agencyID != 0 && c.AgencyID != agencyID {
		return nil, errNone
	}
	return c, nil
}

// previous returns the agency's published campaign of the year before;
// ok is false when there is none.
func (s *Service) previous(ctx context.Context, c *Campaign) (prev *Campaign, ok bool, err error) {
	var id int64
	err = s.DB.R.QueryRowContext(ctx, `SELECT id FROM evaluations WHERE agency_id = $1 AND year = $2 AND state = 'published'`, c.AgencyID, c.Year-1).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	prev, err = load(ctx, s.DB.R, id)
	return prev, err == nil, err
}
