package workplan

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
	"github.com/gongkai/gongkai/internal/web"
)

// Deps are the services the tracker uses.
type Deps struct {
	DB  *db.DB
	Now func() time.Time
}

// Service is the rules of the work-plan tracker.
type Service struct{ Deps }

// NewService returns the service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{Deps: d}
}

var (
	errView     = apperr.New(apperr.Forbidden, "您无权查看本单位的工作要点台账。")
	errManage   = apperr.New(apperr.Forbidden, "您无权编制工作要点或登记听取汇报情况。")
	errReport   = apperr.New(apperr.Forbidden, "您无权报告工作进展。")
	errDivision = apperr.New(apperr.Forbidden, "这项任务不由您所在的处室负责，您只能报告本处室任务的进展。")
	errNoPlan   = apperr.NotFoundf("没有这份工作要点。")
	errNoTask   = apperr.NotFoundf("没有这项任务。")
	errStale    = apperr.New(apperr.Conflict, "这项任务刚被其他人修改过，请刷新页面后再操作。")
)

func canView(p *auth.Principal) bool {
	return auth.Allowed(p, auth.ViewWorkPlan) && p.AgencyID != 0
}

// CanManage reports whether p builds plans and records hearings.
func CanManage(p *auth.Principal) bool {
	return auth.Allowed(p, auth.ManageWorkPlan) && p.AgencyID != 0
}

// CanReport reports whether p may post progress on t: with ReportProgress,
// on the tasks of p's division (or any task when p belongs to no
// division); with ManageWorkPlan, on any task.
func CanReport(p *auth.Principal, t *Task) bool {
	if p == nil || p.AgencyID == 0 || !auth.Allowed(p, auth.ReportProgress) || !t.Leaf() {
		return false
	}
	return CanManage(p) || p.DivisionID == 0 || p.DivisionID == t.DivisionID
}

// stamp is the service's time for created_at and updated_at (UTC, to the
// microsecond as both databases keep it).
func (s *Service) stamp() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Today is the service's day in Shanghai.
func (s *Service) Today() civil.Date { return civil.Of(s.Now()) }

func record(ctx context.Context, tx db.Tx, actor audit.Actor, agencyID int64, action, objectType string, id int64, summary string) error {
	return audit.Record(ctx, tx, actor, audit.Event{AgencyID: agencyID, Action: "workplan." + action, ObjectType: objectType,
		ObjectID: strconv.FormatInt(id, 10), Summary: summary})
}

// ---------------------------------------------------------------- plans

// PlanSummary is a plan in the list.
type PlanSummary struct {
	ID      int64
	Year    int
	Title   string
	Tally   Tally
	Updated time.Time
}

// Plans lists p's agency's plans, newest year first, with their tallies.
func (s *Service) Plans(ctx context.Context, p *auth.Principal) ([]PlanSummary, error) {
	if !canView(p) {
		return nil, errView
	}
	rows, err := s.DB.R.QueryContext(ctx, `SELECT id FROM workplans WHERE agency_id = $1 ORDER BY year DESC, id DESC`, p.AgencyID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []PlanSummary
	for _, id := range ids {
		pl, err := s.load(ctx, s.DB.R, id, s.Today())
		if err != nil {
			return nil, err
		}
		out = append(out, PlanSummary{ID: pl.ID, Year: pl.Year, Title: pl.Title, Tally: tallyOf(pl.Leaves()), Updated: pl.UpdatedAt})
	}
	return out, nil
}

// Plan returns a plan of p's agency with its tree and statuses as of today.
func (s *Service) Plan(ctx context.Context, p *auth.Principal, id int64) (*Plan, error) {
	if !canView(p) {
		return nil, errView
	}
	pl, err := s.load(ctx, s.DB.R, id, s.Today())
	if err != nil {
		return nil, err
	}
	if pl.AgencyID != p.AgencyID {
		return nil, errNoPlan
	}
	return pl, nil
}

// PlanOfYear returns the plan of an agency's year (for the demo and the
// app), or a not-found error.
func (s *Service) PlanOfYear(ctx context.Context, agencyID int64, year int) (*Plan, error) {
	var id int64
	err := s.DB.R.QueryRowContext(ctx, `SELECT id FROM workplans WHERE agency_id = $1 AND year = $2`, agencyID, year).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoPlan
	}
	if err != nil {
		return nil, err
	}
	return s.load(ctx, s.DB.R, id, s.Today())
}

// Leaves are the plan's units of work: points without sub-tasks, and
// sub-tasks.
func (pl *Plan) Leaves() []*Task {
	var out []*Task
	for _, part := range pl.Parts {
		for _, t := range part.Tasks {
			if t.Leaf() {
				out = append(out, t)
			}
			out = append(out, t.Subtasks...)
		}
	}
	return out
}

// Task finds a task (point or sub-task) of the plan.
func (pl *Plan) Task(id int64) (*Task, *Part) {
	for _, part := range pl.Parts {
		for _, t := range part.Tasks {
			if t.ID == id {
				return t, part
			}
			for _, st := range t.Subtasks {
				if st.ID == id {
					return st, part
				}
			}
		}
	}
	return nil, nil
}

// Parent is the point a sub-task belongs to (nil for a point).
func (pl *Plan) Parent(t *Task) *Task {
	if t.ParentID == 0 {
		return nil
	}
	p, _ := pl.Task(t.ParentID)
	return p
}

const taskCols = `t.id, t.plan_id, t.part_id, COALESCE(t.parent_id, 0), t.seq, t.number, t.title, t.body, COALESCE(t.division_id, 0),
	COALESCE(d.name, ''), COALESCE(t.liaison_user_id, 0), t.liaison_name, t.due_on, t.due_rule, t.percent, t.completed_on, t.version, t.updated_at`

func scanTask(r interface{ Scan(...any) error }) (*Task, error) {
	t := &Task{}
	err := r.Scan(&t.ID, &t.PlanID, &t.PartID, &t.ParentID, &t.Seq, &t.Number, &t.Title, &t.Body, &t.DivisionID, &t.Division,
		&t.LiaisonUserID, &t.LiaisonName, &t.Due, &t.DueRule, &t.Percent, &t.CompletedOn, &t.Version, &t.UpdatedAt)
	return t, err
}

// load reads a plan with its parts, tasks and each task's latest update,
// and derives the statuses as of today. A point with sub-tasks takes the
// mean percent of its sub-tasks (each weighted equally).
func (s *Service) load(ctx context.Context, q db.Querier, id int64, today civil.Date) (*Plan, error) {
	pl := &Plan{}
	err := q.QueryRowContext(ctx, `SELECT id, agency_id, year, title, intro, created_at, updated_at FROM workplans WHERE id = $1`, id).
		Scan(&pl.ID, &pl.AgencyID, &pl.Year, &pl.Title, &pl.Intro, &pl.CreatedAt, &pl.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoPlan
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, seq, number, title FROM workplan_parts WHERE plan_id = $1 ORDER BY seq, id`, id)
	if err != nil {
		return nil, err
	}
	parts := map[int64]*Part{}
	for rows.Next() {
		part := &Part{PlanID: id}
		if err := rows.Scan(&part.ID, &part.Seq, &part.Number, &part.Title); err != nil {
			rows.Close()
			return nil, err
		}
		pl.Parts = append(pl.Parts, part)
		parts[part.ID] = part
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT `+taskCols+` FROM workplan_tasks t LEFT JOIN divisions d ON d.id = t.division_id
		WHERE t.plan_id = $1 ORDER BY COALESCE(t.parent_id, 0), t.seq, t.id`, id)
	if err != nil {
		return nil, err
	}
	tasks := map[int64]*Task{}
	var order []*Task
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		tasks[t.ID] = t
		order = append(order, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, t := range order {
		if t.ParentID == 0 {
			if part := parts[t.PartID]; part != nil {
				part.Tasks = append(part.Tasks, t)
			}
		} else if parent := tasks[t.ParentID]; parent != nil {
			parent.Subtasks = append(parent.Subtasks, t)
		}
	}
	latest, err := latestProgress(ctx, q, id)
	if err != nil {
		return nil, err
	}
	for _, t := range order {
		t.Latest = latest[t.ID]
		t.Reported = t.Latest != nil
	}
	for _, part := range pl.Parts {
		for _, t := range part.Tasks {
			for _, st := range t.Subtasks {
				st.Today = today
				st.Status = StatusOf(st.Percent, st.Reported, st.Due, today)
			}
			t.Today = today
			if !t.Leaf() {
				sum, done := 0, civil.Date{}
				for _, st := range t.Subtasks {
					sum += st.Percent
					t.Reported = t.Reported || st.Reported
					if st.CompletedOn.After(done) {
						done = st.CompletedOn
					}
					if t.Latest == nil || st.Latest != nil && laterProgress(st.Latest, t.Latest) {
						t.Latest = st.Latest
					}
				}
				t.Percent = sum / len(t.Subtasks)
				t.CompletedOn = civil.Date{}
				if t.Percent >= 100 {
					t.CompletedOn = done
				}
			}
			t.Status = StatusOf(t.Percent, t.Reported, t.Due, today)
		}
	}
	return pl, nil
}

func laterProgress(a, b *Progress) bool {
	if c := a.ReportedOn.Compare(b.ReportedOn); c != 0 {
		return c > 0
	}
	return a.ID > b.ID
}

// latestProgress is each task's latest update (by date, then entry).
func latestProgress(ctx context.Context, q db.Querier, planID int64) (map[int64]*Progress, error) {
	rows, err := q.QueryContext(ctx, `SELECT g.id, g.task_id, g.reported_on, g.body, g.percent, g.author_name, g.created_at
		FROM workplan_progress g JOIN workplan_tasks t ON t.id = g.task_id WHERE t.plan_id = $1 ORDER BY g.task_id, g.reported_on, g.id`, planID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]*Progress{}
	for rows.Next() {
		g := &Progress{}
		if err := rows.Scan(&g.ID, &g.TaskID, &g.ReportedOn, &g.Body, &g.Percent, &g.AuthorName, &g.CreatedAt); err != nil {
			return nil, err
		}
		out[g.TaskID] = g
	}
	return out, rows.Err()
}

// History is a task's progress updates, newest first, with their evidence.
func (s *Service) History(ctx context.Context, p *auth.Principal, planID, taskID int64) ([]*Progress, error) {
	if _, err := s.Plan(ctx, p, planID); err != nil {
		return nil, err
	}
	rows, err := s.DB.R.QueryContext(ctx, `SELECT g.id, g.task_id, g.reported_on, g.body, g.percent, g.author_name, g.created_at
		FROM workplan_progress g JOIN workplan_tasks t ON t.id = g.task_id
		WHERE t.plan_id = $1 AND (t.id = $2 OR t.parent_id = $2) ORDER BY g.reported_on DESC, g.id DESC`, planID, taskID)
	if err != nil {
		return nil, err
	}
	var out []*Progress
	byID := map[int64]*Progress{}
	for rows.Next() {
		g := &Progress{}
		if err := rows.Scan(&g.ID, &g.TaskID, &g.ReportedOn, &g.Body, &g.Percent, &g.AuthorName, &g.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, g)
		byID[g.ID] = g
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.DB.R.QueryContext(ctx, `SELECT e.progress_id, e.kind, e.url, e.label FROM workplan_evidence e
		JOIN workplan_progress g ON g.id = e.progress_id JOIN workplan_tasks t ON t.id = g.task_id
		WHERE t.plan_id = $1 AND (t.id = $2 OR t.parent_id = $2) ORDER BY e.progress_id, e.seq`, planID, taskID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			pid  int64
			kind string
			e    Evidence
		)
		if err := rows.Scan(&pid, &kind, &e.URL, &e.Label); err != nil {
			return nil, err
		}
		e.Kind = EvidenceKind(kind)
		if g := byID[pid]; g != nil {
			g.Evidence = append(g.Evidence, e)
		}
	}
	return out, rows.Err()
}

// ---------------------------------------------------------------- import

// Preview parses plan text for p's agency: the draft with its deadlines,
// the divisions named in it resolved, and the errors that would stop the
// import (including a plan already on record for the year).
func (s *Service) Preview(ctx context.Context, p *auth.Principal, text string, year int) (*Draft, error) {
	if !CanManage(p) {
		return nil, errManage
	}
	d := Parse(text, year)
	if d.Year >= MinYear && d.Year <= MaxYear {
		var n int
		if err := s.DB.R.QueryRowContext(ctx, `SELECT count(*) FROM workplans WHERE agency_id = $1 AND year = $2`, p.AgencyID, d.Year).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			d.Errors = append(d.Errors, LineNote{0, fmt.Sprintf("本单位 %d 年度的工作要点已经建立，不能重复导入；如需补充，请在台账中添加要点。", d.Year)})
		}
	}
	divisions, err := s.divisionIDs(ctx, p.AgencyID)
	if err != nil {
		return nil, err
	}
	resolve := func(t *DraftTask) {
		if t.Division == "" {
			return
		}
		if id, ok := divisions[t.Division]; ok {
			t.DivisionID = id
		} else {
			t.fail("本单位没有名为“" + t.Division + "”的处室。")
		}
	}
	for _, part := range d.Parts {
		for _, t := range part.Tasks {
			resolve(t)
			for _, st := range t.Subtasks {
				resolve(st)
			}
		}
	}
	return d, nil
}

func (s *Service) divisionIDs(ctx context.Context, agencyID int64) (map[string]int64, error) {
	rows, err := s.DB.R.QueryContext(ctx, `SELECT id, name FROM divisions WHERE agency_id = $1`, agencyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var (
			id   int64
			name string
		)
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[name] = id
	}
	return out, rows.Err()
}

// ErrDraft is returned by Import when the text has errors; the draft
// (with them) is returned beside it.
var ErrDraft = apperr.New(apperr.Invalid, "工作要点文本有错误，请按提示修改后重新预览。")

// Import saves a plan from text (as Preview shows it) for p's agency.
// title may be empty (the text's title, or "YYYY年政务公开工作要点").
func (s *Service) Import(ctx context.Context, p *auth.Principal, text string, year int, title string) (*Plan, *Draft, error) {
	d, err := s.Preview(ctx, p, text, year)
	if err != nil {
		return nil, nil, err
	}
	title = strings.TrimSpace(title)
	if title == "" {
		title = d.Title
	}
	if title == "" {
		title = strconv.Itoa(d.Year) + "年政务公开工作要点"
	}
	if len([]rune(title)) > 100 {
		d.Errors = append(d.Errors, LineNote{0, "标题不能超过 100 个字。"})
	}
	if !d.OK() {
		return nil, d, ErrDraft
	}
	var id int64
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		now := s.stamp()
		if err := tx.QueryRowContext(ctx, `INSERT INTO workplans (agency_id, year, title, intro, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
			p.AgencyID, d.Year, title, d.Intro, now).Scan(&id); err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.New(apperr.Conflict, fmt.Sprintf("本单位 %d 年度的工作要点已经建立。", d.Year))
			}
			return err
		}
		for i, part := range d.Parts {
			var partID int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO workplan_parts (plan_id, seq, number, title) VALUES ($1, $2, $3, $4) RETURNING id`,
				id, i+1, part.Number, part.Title).Scan(&partID); err != nil {
				return err
			}
			for j, t := range part.Tasks {
				tid, err := insertTask(ctx, tx, id, partID, 0, j+1, t, now)
				if err != nil {
					return err
				}
				for k, st := range t.Subtasks {
					if _, err := insertTask(ctx, tx, id, partID, tid, k+1, st, now); err != nil {
						return err
					}
				}
			}
		}
		return record(ctx, tx, p.Actor(), p.AgencyID, "import", "workplan", id, fmt.Sprintf("导入“%s”（%d 个部分，%d 项要点和子任务）", title, len(d.Parts), d.Tasks()))
	})
	if err != nil {
		return nil, d, err
	}
	pl, err := s.load(ctx, s.DB.R, id, s.Today())
	return pl, d, err
}

func insertTask(ctx context.Context, tx db.Tx, planID, partID, parentID int64, seq int, t *DraftTask, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO workplan_tasks (plan_id, part_id, parent_id, seq, number, title, body, division_id, due_on, due_rule,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
		planID, partID, nullID(parentID), seq, t.Number, t.Title, t.Body, nullID(t.DivisionID), t.Due, t.DueRule, now).Scan(&id)
	return id, err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// ---------------------------------------------------------------- building

// AddPart adds a part at the end of a plan; number may be empty (the next
// Chinese numeral).
func (s *Service) AddPart(ctx context.Context, p *auth.Principal, planID int64, number, title string) error {
	pl, err := s.managed(ctx, p, planID)
	if err != nil {
		return err
	}
	number, title = strings.TrimSpace(number), strings.TrimSpace(title)
	m := map[string]string{}
	web.CheckText(m, "part_title", "部分标题", title, true, MaxTitleRunes)
	web.CheckText(m, "part_number", "序号", number, false, 5)
	if number == "" {
		number = ChineseNumeral(len(pl.Parts) + 1)
	}
	for _, part := range pl.Parts {
		if part.Number == number {
			m["part_number"] = "序号“" + number + "、”已经使用。"
		}
	}
	if len(pl.Parts) >= MaxParts {
		m["part_title"] = fmt.Sprintf("一份工作要点最多 %d 个部分。", MaxParts)
	}
	if len(m) > 0 {
		return apperr.FieldErrors(m)
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO workplan_parts (plan_id, seq, number, title) VALUES ($1, $2, $3, $4) RETURNING id`,
			planID, len(pl.Parts)+1, number, title).Scan(&id); err != nil {
			return err
		}
		if err := s.touch(ctx, tx, planID); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), pl.AgencyID, "part.add", "workplan_part", id, "在“"+pl.Title+"”中添加部分“"+number+"、"+title+"”")
	})
}

func (s *Service) touch(ctx context.Context, tx db.Tx, planID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE workplans SET updated_at = $1 WHERE id = $2`, s.stamp(), planID)
	return err
}

func (s *Service) managed(ctx context.Context, p *auth.Principal, planID int64) (*Plan, error) {
	if !CanManage(p) {
		return nil, errManage
	}
	return s.Plan(ctx, p, planID)
}

// AddTask adds a point to a part (parentID 0) or a sub-task to a point.
func (s *Service) AddTask(ctx context.Context, p *auth.Principal, planID, partID, parentID int64, in TaskInput) (int64, error) {
	pl, err := s.managed(ctx, p, planID)
	if err != nil {
		return 0, err
	}
	var part *Part
	for _, x := range pl.Parts {
		if x.ID == partID {
			part = x
		}
	}
	siblings := 0
	if parentID != 0 {
		parent, pp := pl.Task(parentID)
		if parent == nil || parent.ParentID != 0 {
			return 0, apperr.FieldErrors(map[string]string{"title": "只能在要点下添加子任务。"})
		}
		if parent.Reported && parent.Leaf() {
			return 0, apperr.FieldErrors(map[string]string{"title": "这项要点已经报告过进展，不能再拆分为子任务。"})
		}
		part, siblings = pp, len(parent.Subtasks)
	} else if part != nil {
		siblings = len(part.Tasks)
	}
	if part == nil {
		return 0, apperr.FieldErrors(map[string]string{"part": "请选择要点所属的部分。"})
	}
	t, m := in.check(pl.Year)
	if t.Number == "" {
		if parentID != 0 {
			t.Number = strconv.Itoa(siblings+1) + "."
		} else {
			t.Number = "（" + ChineseNumeral(siblings+1) + "）"
		}
	}
	if err := s.checkPeople(ctx, pl.AgencyID, t, m); err != nil {
		return 0, err
	}
	if len(pl.Leaves())+1 > MaxTasks {
		m["title"] = fmt.Sprintf("一份工作要点最多 %d 项任务。", MaxTasks)
	}
	if len(m) > 0 {
		return 0, apperr.FieldErrors(m)
	}
	var id int64
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		now := s.stamp()
		if err := tx.QueryRowContext(ctx, `INSERT INTO workplan_tasks (plan_id, part_id, parent_id, seq, number, title, body, division_id, liaison_user_id,
			liaison_name, due_on, due_rule, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '人工设定', $12, $12) RETURNING id`,
			planID, part.ID, nullID(parentID), siblings+1, t.Number, t.Title, t.Body, nullID(t.DivisionID), nullID(t.LiaisonUserID), t.LiaisonName,
			t.Due, now).Scan(&id); err != nil {
			return err
		}
		if err := s.touch(ctx, tx, planID); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), pl.AgencyID, "task.add", "workplan_task", id, "添加任务“"+t.Number+t.Title+"”，期限 "+t.Due.String())
	})
	return id, err
}

// checkPeople checks the division and liaison of t belong to the agency;
// a liaison chosen from the staff takes the person's name.
func (s *Service) checkPeople(ctx context.Context, agencyID int64, t *Task, m map[string]string) error {
	if t.DivisionID != 0 {
		var name string
		err := s.DB.R.QueryRowContext(ctx, `SELECT name FROM divisions WHERE id = $1 AND agency_id = $2`, t.DivisionID, agencyID).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			m["division"] = "请从列表中选择本单位的处室。"
		} else if err != nil {
			return err
		}
		t.Division = name
	}
	if t.LiaisonUserID != 0 {
		var name string
		err := s.DB.R.QueryRowContext(ctx, `SELECT display_name FROM staff_users WHERE id = $1 AND agency_id = $2`, t.LiaisonUserID, agencyID).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			m["liaison_user"] = "请从列表中选择本单位的工作人员。"
		} else if err != nil {
			return err
		}
		t.LiaisonName = name
	}
	return nil
}

// UpdateTask changes a task's wording, division, liaison and deadline
// (the version guards against overwriting another's change).
func (s *Service) UpdateTask(ctx context.Context, p *auth.Principal, planID, taskID int64, in TaskInput) error {
	pl, err := s.managed(ctx, p, planID)
	if err != nil {
		return err
	}
	old, _ := pl.Task(taskID)
	if old == nil {
		return errNoTask
	}
	t, m := in.check(pl.Year)
	if t.Number == "" {
		t.Number = old.Number
	}
	if err := s.checkPeople(ctx, pl.AgencyID, t, m); err != nil {
		return err
	}
	if len(m) > 0 {
		return apperr.FieldErrors(m)
	}
	rule := old.DueRule
	if t.Due != old.Due {
		rule = "人工设定"
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE workplan_tasks SET number = $1, title = $2, body = $3, division_id = $4, liaison_user_id = $5, liaison_name = $6,
			due_on = $7, due_rule = $8, updated_at = $9, version = version + 1 WHERE id = $10 AND plan_id = $11 AND version = $12`,
			t.Number, t.Title, t.Body, nullID(t.DivisionID), nullID(t.LiaisonUserID), t.LiaisonName, t.Due, rule, s.stamp(), taskID, planID, in.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale
		}
		if err := s.touch(ctx, tx, planID); err != nil {
			return err
		}
		var changes []string
		if old.DivisionID != t.DivisionID {
			changes = append(changes, "责任处室 "+orNone(old.Division)+" → "+orNone(t.Division))
		}
		if old.LiaisonName != t.LiaisonName {
			changes = append(changes, "联络员 "+orNone(old.LiaisonName)+" → "+orNone(t.LiaisonName))
		}
		if old.Due != t.Due {
			changes = append(changes, "期限 "+old.Due.String()+" → "+t.Due.String())
		}
		if old.Title != t.Title || old.Body != t.Body || old.Number != t.Number {
			changes = append(changes, "内容")
		}
		summary := "修改任务“" + t.Number + t.Title + "”"
		if len(changes) > 0 {
			summary += "：" + strings.Join(changes, "；")
		}
		return record(ctx, tx, p.Actor(), pl.AgencyID, "task.update", "workplan_task", taskID, summary)
	})
}

func orNone(s string) string {
	if s == "" {
		return "（未指定）"
	}
	return s
}

// DeleteTask removes a task that has no sub-tasks and no progress.
func (s *Service) DeleteTask(ctx context.Context, p *auth.Principal, planID, taskID int64) error {
	pl, err := s.managed(ctx, p, planID)
	if err != nil {
		return err
	}
	t, _ := pl.Task(taskID)
	switch {
	case t == nil:
		return errNoTask
	case !t.Leaf():
		return apperr.New(apperr.Conflict, "这项要点下还有子任务，请先删除子任务。")
	case t.Reported:
		return apperr.New(apperr.Conflict, "这项任务已经有进展记录，不能删除。")
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM workplan_tasks WHERE id = $1 AND plan_id = $2
			AND NOT EXISTS (SELECT 1 FROM workplan_progress WHERE task_id = $1)`, taskID, planID)
		if err != nil {
			if db.IsForeignKeyViolation(err) {
				return apperr.New(apperr.Conflict, "这项任务刚被添加了子任务或进展，不能删除。")
			}
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "这项任务刚被添加了进展，不能删除。")
		}
		if err := s.touch(ctx, tx, planID); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), pl.AgencyID, "task.delete", "workplan_task", taskID, "删除任务“"+t.Number+t.Title+"”")
	})
}

// ---------------------------------------------------------------- progress

// Report posts a progress update on a task: its percent becomes the
// task's (the latest update by date counts), and a task at 100 percent is
// completed on the first day it reached it.
func (s *Service) Report(ctx context.Context, p *auth.Principal, planID, taskID int64, in ProgressInput) (*Progress, error) {
	if !auth.Allowed(p, auth.ReportProgress) {
		return nil, errReport
	}
	pl, err := s.Plan(ctx, p, planID)
	if err != nil {
		return nil, err
	}
	t, _ := pl.Task(taskID)
	if t == nil {
		return nil, errNoTask
	}
	if !t.Leaf() {
		return nil, apperr.New(apperr.Conflict, "这项要点已拆分为子任务，请在子任务上报告进展。")
	}
	if !CanReport(p, effective(pl, t)) {
		return nil, errDivision
	}
	g, m := in.check(s.Today(), pl.Year)
	if len(m) > 0 {
		return nil, apperr.FieldErrors(m)
	}
	g.TaskID, g.AuthorName = taskID, p.DisplayName
	if g.AuthorName == "" {
		g.AuthorName = p.Username
	}
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		// Take the task's row first: updates of one task run one after the other.
		if _, err := tx.ExecContext(ctx, `UPDATE workplan_tasks SET version = version WHERE id = $1`, taskID); err != nil {
			return err
		}
		now := s.stamp()
		var author any
		if p.UserID != 0 {
			author = p.UserID
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO workplan_progress (task_id, reported_on, body, percent, author_id, author_name, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, taskID, g.ReportedOn, g.Body, g.Percent, author, g.AuthorName, now).Scan(&g.ID); err != nil {
			return err
		}
		for i, e := range g.Evidence {
			if _, err := tx.ExecContext(ctx, `INSERT INTO workplan_evidence (progress_id, seq, kind, url, label) VALUES ($1, $2, $3, $4, $5)`,
				g.ID, i+1, string(e.Kind), e.URL, e.Label); err != nil {
				return err
			}
		}
		percent, completed, err := recompute(ctx, tx, taskID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE workplan_tasks SET percent = $1, completed_on = $2, updated_at = $3, version = version + 1 WHERE id = $4`,
			percent, completed, now, taskID); err != nil {
			return err
		}
		if err := s.touch(ctx, tx, planID); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), pl.AgencyID, "progress", "workplan_task", taskID,
			fmt.Sprintf("报告“%s”进展：%s 完成 %d%%（附佐证 %d 项）", t.Number+t.Title, g.ReportedOn, g.Percent, len(g.Evidence)))
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// effective is the task with its point's division when it has none of its
// own (a sub-task belongs to its point's division unless given another).
func effective(pl *Plan, t *Task) *Task {
	if t.DivisionID != 0 {
		return t
	}
	if parent := pl.Parent(t); parent != nil {
		c := *t
		c.DivisionID, c.Division = parent.DivisionID, parent.Division
		if c.LiaisonName == "" {
			c.LiaisonName = parent.LiaisonName
		}
		return &c
	}
	return t
}

// EffectiveDivision is the division responsible for t (its own, or its point's).
func (pl *Plan) EffectiveDivision(t *Task) (int64, string) {
	e := effective(pl, t)
	return e.DivisionID, e.Division
}

// recompute is the task's percent (the latest update's) and completion
// day (the first day of the final run of updates at 100 percent).
func recompute(ctx context.Context, tx db.Tx, taskID int64) (int, civil.Date, error) {
	rows, err := tx.QueryContext(ctx, `SELECT reported_on, percent FROM workplan_progress WHERE task_id = $1 ORDER BY reported_on, id`, taskID)
	if err != nil {
		return 0, civil.Date{}, err
	}
	defer rows.Close()
	percent, completed := 0, civil.Date{}
	for rows.Next() {
		var (
			on civil.Date
			n  int
		)
		if err := rows.Scan(&on, &n); err != nil {
			return 0, civil.Date{}, err
		}
		if n >= 100 && percent < 100 {
			completed = on
		}
		if n < 100 {
			completed = civil.Date{}
		}
		percent = n
	}
	return percent, completed, rows.Err()
}

// ---------------------------------------------------------------- hearings

// HearingState is whether this year's hearing is on record.
type HearingState struct {
	Year     int
	Due      civil.Date
	MonthDay string
	Count    int
	// Flagged: the due day has passed without a hearing this year.
	Flagged bool
	// Reminder: none yet and the due day is within HearingReminderDays.
	Reminder bool
}

// HearingStatus is the agency's state for the year of today.
func (s *Service) HearingStatus(ctx context.Context, agencyID int64, today civil.Date) (HearingState, error) {
	md, err := s.hearingDue(ctx, agencyID)
	if err != nil {
		return HearingState{}, err
	}
	st := HearingState{Year: today.Year, MonthDay: md, Due: HearingDueOn(today.Year, md)}
	from, to := civil.New(today.Year, time.January, 1), civil.New(today.Year, time.December, 31)
	if err := s.DB.R.QueryRowContext(ctx, `SELECT count(*) FROM workplan_hearings WHERE agency_id = $1 AND held_on >= $2 AND held_on <= $3`,
		agencyID, from, to).Scan(&st.Count); err != nil {
		return st, err
	}
	if st.Count == 0 {
		st.Flagged = today.After(st.Due)
		st.Reminder = !st.Flagged && !today.Before(st.Due.AddDays(-HearingReminderDays))
	}
	return st, nil
}

func (s *Service) hearingDue(ctx context.Context, agencyID int64) (string, error) {
	var md string
	err := s.DB.R.QueryRowContext(ctx, `SELECT hearing_due_md FROM workplan_settings WHERE agency_id = $1`, agencyID).Scan(&md)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultHearingDue, nil
	}
	return md, err
}

// Hearings lists p's agency's hearing records, newest first, with the
// state of this year.
func (s *Service) Hearings(ctx context.Context, p *auth.Principal) ([]*Hearing, HearingState, error) {
	if !canView(p) {
		return nil, HearingState{}, errView
	}
	st, err := s.HearingStatus(ctx, p.AgencyID, s.Today())
	if err != nil {
		return nil, st, err
	}
	rows, err := s.DB.R.QueryContext(ctx, `SELECT id, agency_id, held_on, leader, content, decisions, created_by, created_at FROM workplan_hearings
		WHERE agency_id = $1 ORDER BY held_on DESC, id DESC`, p.AgencyID)
	if err != nil {
		return nil, st, err
	}
	defer rows.Close()
	var out []*Hearing
	for rows.Next() {
		h := &Hearing{}
		if err := rows.Scan(&h.ID, &h.AgencyID, &h.HeldOn, &h.Leader, &h.Content, &h.Decisions, &h.CreatedBy, &h.CreatedAt); err != nil {
			return nil, st, err
		}
		out = append(out, h)
	}
	return out, st, rows.Err()
}

// AddHearing records a hearing of the work report.
func (s *Service) AddHearing(ctx context.Context, p *auth.Principal, in HearingInput) (*Hearing, error) {
	if !CanManage(p) {
		return nil, errManage
	}
	h, m := in.check(s.Today())
	if len(m) > 0 {
		return nil, apperr.FieldErrors(m)
	}
	h.AgencyID, h.CreatedBy = p.AgencyID, p.DisplayName
	if h.CreatedBy == "" {
		h.CreatedBy = p.Username
	}
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO workplan_hearings (agency_id, held_on, leader, content, decisions, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, h.AgencyID, h.HeldOn, h.Leader, h.Content, h.Decisions, h.CreatedBy, s.stamp()).Scan(&h.ID); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), h.AgencyID, "hearing.add", "workplan_hearing", h.ID, "登记 "+h.HeldOn.String()+" "+h.Leader+"听取政务公开工作汇报")
	})
	return h, err
}

// SetHearingDue sets the day of the year (MM-DD) by which a hearing must
// be on record.
func (s *Service) SetHearingDue(ctx context.Context, p *auth.Principal, md string) error {
	if !CanManage(p) {
		return errManage
	}
	md = strings.TrimSpace(md)
	if _, ok := parseMonthDay(2001, md); !ok {
		return apperr.FieldErrors(map[string]string{"hearing_due": "请按“11-30”的格式填写月和日（2 月 29 日除外）。"})
	}
	// Normalise 9-5 to 09-05.
	parts := strings.Split(md, "-")
	mo, _ := strconv.Atoi(parts[0])
	dd, _ := strconv.Atoi(parts[1])
	md = fmt.Sprintf("%02d-%02d", mo, dd)
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		now := s.stamp()
		res, err := tx.ExecContext(ctx, `UPDATE workplan_settings SET hearing_due_md = $1, updated_at = $2 WHERE agency_id = $3`, md, now, p.AgencyID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO workplan_settings (agency_id, hearing_due_md, updated_at) VALUES ($1, $2, $3)`, p.AgencyID, md, now); err != nil {
				return err
			}
		}
		return record(ctx, tx, p.Actor(), p.AgencyID, "hearing.settings", "agency", p.AgencyID, "听取工作汇报的年度提醒日设为 "+md)
	})
}

// DivisionName is the name of the division responsible for t (or "").
func (pl *Plan) DivisionName(t *Task) string { return effective(pl, t).Division }

// LiaisonOf is t's liaison officer (its point's when it has none).
func (pl *Plan) LiaisonOf(t *Task) string { return effective(pl, t).LiaisonName }

// Short is the update's text cut to a line for tables.
func (g *Progress) Short() string { return clip(strings.ReplaceAll(g.Body, "\n", " "), 60) }
