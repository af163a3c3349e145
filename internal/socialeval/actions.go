package socialeval

import (
	"context"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/web"
)

// Improvement actions (整改事项): what the agency undertakes after an
// evaluation, tracked as to-dos.

const actionCols = `a.id, a.evaluation_id, a.agency_id, a.title, COALESCE(a.indicator_id, 0), a.division_id, a.division, a.due_on, a.state, a.note,
	a.done_on, a.created_at, a.updated_at, a.version, e.title, e.year`

func listActions(ctx context.Context, q db.Querier, where string, args ...any) ([]Action, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+actionCols+` FROM evaluation_actions a JOIN evaluations e ON e.id = a.evaluation_id WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Action
	for rows.Next() {
		var a Action
		var st string
		if err := rows.Scan(&a.ID, &a.CampaignID, &a.AgencyID, &a.Title, &a.IndicatorID, &a.DivisionID, &a.Division, &a.DueOn, &st, &a.Note,
			&a.DoneOn, &a.CreatedAt, &a.UpdatedAt, &a.Version, &a.Campaign, &a.CampaignYear); err != nil {
			return nil, err
		}
		a.State = ActionState(st)
		out = append(out, a)
	}
	return out, rows.Err()
}

// indicatorNames fills the actions' indicator names ("维度：指标").
func (s *Service) indicatorNames(ctx context.Context, list []Action) error {
	names := map[int64]string{}
	var ids []string
	for _, a := range list {
		if a.IndicatorID != 0 && names[a.IndicatorID] == "" {
			names[a.IndicatorID] = "?"
			ids = append(ids, strconv.FormatInt(a.IndicatorID, 10))
		}
	}
	if len(ids) == 0 {
		return nil
	}
	// ids are numbers read from the database, not input.
	// #nosec G202 -- ids are strconv.FormatInt of int64s: digits only
	rows, err := s.DB.R.QueryContext(ctx, `SELECT i.id, COALESCE(p.name || '：', '') || i.name FROM evaluation_indicators i
		LEFT JOIN evaluation_indicators p ON p.id = i.parent_id WHERE i.id IN (`+strings.Join(ids, ",")+`)`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		names[id] = name
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range list {
		if n := names[list[i].IndicatorID]; n != "?" {
			list[i].Indicator = n
		}
	}
	return nil
}

// daysLeft fills DaysLeft of the open actions.
func (s *Service) daysLeft(list []Action) {
	today := s.Today()
	for i := range list {
		if list[i].State == ActionOpen {
			list[i].DaysLeft = today.DaysUntil(list[i].DueOn)
		}
	}
}

// Actions lists a campaign's improvement actions: open ones by due date,
// then the done ones.
func (s *Service) Actions(ctx context.Context, c *Campaign) ([]Action, error) {
	list, err := listActions(ctx, s.DB.R, `a.evaluation_id = $1 ORDER BY CASE a.state WHEN 'open' THEN 0 ELSE 1 END, a.due_on, a.id`, c.ID)
	if err != nil {
		return nil, err
	}
	s.daysLeft(list)
	return list, s.indicatorNames(ctx, list)
}

// DueActions lists an agency's open improvement actions of all campaigns,
// the earliest due date first, with DaysLeft set (see Action.Overdue and
// Action.DueSoon): the feed of the future to-do centre, which checks its
// own permission.
func (s *Service) DueActions(ctx context.Context, agencyID int64) ([]Action, error) {
	list, err := listActions(ctx, s.DB.R, `a.agency_id = $1 AND a.state = 'open' ORDER BY a.due_on, a.id`, agencyID)
	if err != nil {
		return nil, err
	}
	s.daysLeft(list)
	return list, s.indicatorNames(ctx, list)
}

// OpenActions is DueActions for staff of the agency.
func (s *Service) OpenActions(ctx context.Context, p *auth.Principal) ([]Action, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	return s.DueActions(ctx, p.AgencyID)
}

// checkAction validates an action against its campaign; messages go by
// form field (title, indicator, division, due_on, state, note, done_on).
func (s *Service) checkAction(ctx context.Context, c *Campaign, f ActionFields) (Action, map[string]string) {
	m := map[string]string{}
	a := Action{CampaignID: c.ID, AgencyID: c.AgencyID, Title: strings.TrimSpace(f.Title), Division: strings.TrimSpace(f.Division),
		Note: strings.TrimSpace(f.Note)}
	web.CheckText(m, "title", "整改事项", f.Title, true, MaxActionTitle)
	if m["title"] == "" && strings.ContainsAny(a.Title, "\r\n") {
		m["title"] = "整改事项不能换行。"
	}
	if v := strings.TrimSpace(f.IndicatorID); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if _, ok := c.Indicator(id); err != nil || !ok {
			m["indicator"] = "请从列表中选择对应的评议指标。"
		}
		a.IndicatorID = id
	}
	web.CheckText(m, "division", "责任处室", f.Division, true, MaxDivision)
	if m["division"] == "" && strings.ContainsAny(a.Division, "\r\n<>") {
		m["division"] = "责任处室不能含有换行或“<”“>”。"
	}
	if m["division"] == "" && s.Agencies != nil {
		if divs, err := s.Agencies.Divisions(ctx, c.AgencyID); err == nil {
			for _, d := range divs {
				if d.Name == a.Division {
					a.DivisionID = d.ID
				}
			}
		}
	}
	due, err := civil.Parse(strings.TrimSpace(f.DueOn))
	switch {
	case strings.TrimSpace(f.DueOn) == "":
		m["due_on"] = "请填写完成期限。"
	case err != nil || due.Year < 2000 || due.Year > 2100:
		m["due_on"] = "请按“2026-12-31”的格式填写完成期限。"
	}
	a.DueOn = due
	switch ActionState(f.State) {
	case ActionOpen, "":
		a.State = ActionOpen
	case ActionDone:
		a.State = ActionDone
	default:
		m["state"] = "请选择办理状态。"
	}
	web.CheckText(m, "note", "完成情况说明", f.Note, false, MaxNote)
	if a.State == ActionDone {
		if a.Note == "" && m["note"] == "" {
			m["note"] = "标记为已完成时，请填写完成情况说明。"
		}
		today := s.Today()
		a.DoneOn = today
		if v := strings.TrimSpace(f.DoneOn); v != "" {
			d, err := civil.Parse(v)
			switch {
			case err != nil || d.Year < 2000:
				m["done_on"] = "请按“2026-12-31”的格式填写完成日期。"
			case d.After(today):
				m["done_on"] = "完成日期不能晚于今天。"
			}
			a.DoneOn = d
		}
	}
	return a, m
}

func (s *Service) actionCampaign(ctx context.Context, p *auth.Principal, id int64) (*Campaign, error) {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if c.State != Closed && c.State != Published {
		return nil, apperr.FieldErrors(map[string]string{"title": "评议结束后才能添加整改事项（当前为“" + c.State.Label() + "”）。"})
	}
	return c, nil
}

// AddAction adds an improvement action to a closed or published campaign.
func (s *Service) AddAction(ctx context.Context, p *auth.Principal, id int64, f ActionFields) (*Action, error) {
	c, err := s.actionCampaign(ctx, p, id)
	if err != nil {
		return nil, err
	}
	a, m := s.checkAction(ctx, c, f)
	if len(m) > 0 {
		return nil, apperr.FieldErrors(m)
	}
	err = s.tx(ctx, func(tx db.Tx) error {
		now := s.now()
		var done any
		if a.State == ActionDone {
			done = a.DoneOn
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO evaluation_actions (evaluation_id, agency_id, title, indicator_id, division_id, division, due_on,
			state, note, done_on, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
			c.ID, c.AgencyID, a.Title, nullID(a.IndicatorID), a.DivisionID, a.Division, a.DueOn, string(a.State), a.Note, done, now).Scan(&a.ID); err != nil {
			return err
		}
		if c.State == Published {
			if err := s.bump(ctx, tx); err != nil {
				return err
			}
		}
		return record(ctx, tx, p.Actor(), c.AgencyID, "action.add", "evaluation_action", a.ID, "社会评议“"+c.Title+"”新增整改事项“"+a.Title+"”（"+a.Division+"，"+a.DueOn.String()+"前完成）")
	})
	if err != nil {
		return nil, err
	}
	return s.Action(ctx, p, id, a.ID)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// UpdateAction changes an action or marks it done (a completion note is
// required) or open again; f.Version guards against lost updates.
func (s *Service) UpdateAction(ctx context.Context, p *auth.Principal, id, actionID int64, f ActionFields) error {
	c, err := s.actionCampaign(ctx, p, id)
	if err != nil {
		return err
	}
	list, err := listActions(ctx, s.DB.R, `a.id = $1 AND a.evaluation_id = $2`, actionID, c.ID)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return errNoAction
	}
	old := list[0]
	a, m := s.checkAction(ctx, c, f)
	if len(m) > 0 {
		return apperr.FieldErrors(m)
	}
	what := "修改"
	switch {
	case a.State == ActionDone && old.State != ActionDone:
		what = "办结"
	case a.State == ActionOpen && old.State == ActionDone:
		what = "重新打开"
	}
	return s.tx(ctx, func(tx db.Tx) error {
		var done any
		if a.State == ActionDone {
			done = a.DoneOn
		}
		res, err := tx.ExecContext(ctx, `UPDATE evaluation_actions SET title = $1, indicator_id = $2, division_id = $3, division = $4, due_on = $5,
			state = $6, note = $7, done_on = $8, updated_at = $9, version = version + 1 WHERE id = $10 AND evaluation_id = $11 AND version = $12`,
			a.Title, nullID(a.IndicatorID), a.DivisionID, a.Division, a.DueOn, string(a.State), a.Note, done, s.now(), actionID, c.ID, f.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStaleAct
		}
		if c.State == Published {
			if err := s.bump(ctx, tx); err != nil {
				return err
			}
		}
		return record(ctx, tx, p.Actor(), c.AgencyID, "action."+map[string]string{"修改": "update", "办结": "done", "重新打开": "reopen"}[what],
			"evaluation_action", actionID, what+"整改事项“"+a.Title+"”")
	})
}

// Action returns one action of a campaign of p's agency.
func (s *Service) Action(ctx context.Context, p *auth.Principal, id, actionID int64) (*Action, error) {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	list, err := listActions(ctx, s.DB.R, `a.id = $1 AND a.evaluation_id = $2`, actionID, c.ID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errNoAction
	}
	s.daysLeft(list)
	return &list[0], s.indicatorNames(ctx, list)
}
