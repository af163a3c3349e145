package app

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gongkai/gongkai/internal/application"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/concern"
	"github.com/gongkai/gongkai/internal/consultation"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/openday"
	"github.com/gongkai/gongkai/internal/todo"
	"github.com/gongkai/gongkai/internal/web"
)

// The to-do centre (待办, issue 9) is wired here: openTodos builds it in
// the Core before any other work-platform capability opens (they register
// their own sources with c.Todos), and registers the sources of the
// capabilities that existed before it: each lists its open work through a
// small method of its own (DueWork, OpenReminders, DueActions), adapted to
// todo.Item below. registerTodos adds the console pages and
// registerTodoJobs the daily digest.

// todoService names the to-do centre's service for the Core's field.
type todoService = todo.Service

func (c *Core) openTodos() {
	c.Todos = todo.NewService(todo.Deps{DB: c.DB, Calendar: c.Calendar, Directory: todoDirectory{c}, Logger: c.Logger,
		BaseURL: c.Config.BaseURL, Now: c.Disclosure.Now})
	c.Todos.Register("application", c.applicationTodos)
	c.Todos.Register("concern", c.concernTodos)
	c.Todos.Register("disclosure", c.disclosureTodos)
	c.Todos.Register("consultation", c.consultationTodos)
	c.Todos.Register("normative", c.normativeTodos)
	c.Todos.Register("standards", c.standardTodos)
	c.Todos.Register("openday", c.openDayTodos)
	c.Todos.Register("socialeval", c.socialEvalTodos)
}

func (a *App) registerTodos(w *web.App, site func(r *http.Request, agencyID int64) web.Site) error {
	h, err := todo.Register(w, a.Todos)
	if err != nil {
		return err
	}
	h.AgencyName = func(ctx context.Context, id int64) string {
		if ag, err := a.Agencies.Get(ctx, id); err == nil {
			return ag.Name
		}
		return ""
	}
	return nil
}

// registerTodoJobs adds the daily digest: at 08:00 on working days each
// person with something overdue or due soon gets their list by e-mail.
func (a *App) registerTodoJobs() {
	a.Jobs.Daily("todo.digest", 8, 0, func(ctx context.Context) error {
		_, err := a.Todos.SendDigests(ctx)
		return err
	})
}

// todoDirectory gives the to-do centre the divisions and staff.
type todoDirectory struct{ c *Core }

func (d todoDirectory) Divisions(ctx context.Context, agencyID int64) ([]todo.Division, error) {
	list, err := d.c.Agencies.Divisions(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	out := make([]todo.Division, len(list))
	for i, dv := range list {
		out[i] = todo.Division{ID: dv.ID, Name: dv.Name}
	}
	return out, nil
}

func (d todoDirectory) Staff(ctx context.Context, agencyID int64) ([]todo.Person, error) {
	var (
		users []*auth.User
		err   error
	)
	if agencyID == 0 {
		users, err = d.c.Auth.AllUsers(ctx)
	} else {
		users, err = d.c.Auth.ListUsers(ctx, auth.Operator("todo"), agencyID, auth.StaffFilter{})
	}
	if err != nil {
		return nil, err
	}
	out := make([]todo.Person, 0, len(users))
	for _, u := range users {
		if u.Disabled {
			continue
		}
		name := u.DisplayName
		if name == "" {
			name = u.Username
		}
		out = append(out, todo.Person{UserID: u.ID, AgencyID: u.AgencyID, DivisionID: u.DivisionID, Name: name, Email: u.Email, Roles: u.Roles})
	}
	return out, nil
}

// workingDaysAfter is the n-th working day after from on the calendar.
func (c *Core) workingDaysAfter(ctx context.Context, from civil.Date, n int) (civil.Date, error) {
	cal, err := c.Calendar.Calendar(ctx)
	if err != nil {
		return civil.Date{}, err
	}
	return cal.AddWorkingDays(from, n)
}

// assign gives an item to its assigned person, or, when nobody is
// assigned, to those who hold perm (the office the work falls to). The
// permission is kept on assigned items too: the division view shows
// colleagues' work of the kinds a person handles.
func assign(it *todo.Item, userID int64, perm auth.Permission) {
	it.UserID, it.Perm = userID, perm
}

// applicationTodos: applications to register, to answer and consultations
// to chase. Unassigned work falls to the disclosure office (handlers and
// approvers: RecordApplications), not to every liaison, who sees only what
// is assigned to them.
func (c *Core) applicationTodos(ctx context.Context, agencyID int64, today civil.Date) ([]todo.Item, error) {
	list, err := c.Applications.DueWork(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	out := make([]todo.Item, 0, len(list))
	for _, w := range list {
		it := todo.Item{Title: "申请 " + w.Number + "：" + w.Subject, URL: "/console/applications/" + strconv.FormatInt(w.ApplicationID, 10),
			Due: w.Due, AgencyID: agencyID, DivisionID: w.DivisionID}
		switch w.Action {
		case application.ActRegister:
			it.Kind, it.Perm, it.Note = "登记申请", auth.RecordApplications, "确认收到申请的日期（第三十一条）"
		case application.ActConsulted:
			it.Kind, it.Note = "催收征求意见", "征求意见对象："+w.Party+"（答复期限暂停计算）"
			assign(&it, w.HandlerID, auth.RecordApplications)
		default:
			it.Kind = "答复申请"
			if w.ExtensionDays > 0 {
				it.Note = fmt.Sprintf("已延期 %d 个工作日", w.ExtensionDays)
			} else {
				it.Note = "如需延期，应在期限届满前报经审批"
			}
			assign(&it, w.HandlerID, auth.RecordApplications)
		}
		out = append(out, it)
	}
	return out, nil
}

// concernTodos: letters to assign, to answer and replies to approve.
func (c *Core) concernTodos(ctx context.Context, agencyID int64, today civil.Date) ([]todo.Item, error) {
	list, err := c.Concerns.DueWork(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	out := make([]todo.Item, 0, len(list))
	for _, w := range list {
		it := todo.Item{Title: w.Channel.Label() + " " + w.Number + "：" + w.Subject, URL: "/console/concerns/" + strconv.FormatInt(w.CaseID, 10),
			Due: w.Due, AgencyID: agencyID, DivisionID: w.DivisionID}
		if w.Supervised {
			it.Note = "督办件"
		}
		switch w.State {
		case concern.Received:
			it.Kind = "分办来信"
			assign(&it, w.HandlerID, auth.ImportHotline)
		case concern.Review:
			// The reply waits for the approver, whoever drafted it.
			it.Kind, it.Perm = "审核答复", auth.ReviewConcerns
		default:
			it.Kind = "答复来信"
			perm := auth.ImportHotline
			if w.DivisionID != 0 {
				perm = auth.HandleConcerns // the division's liaison sees its cases
			}
			assign(&it, w.HandlerID, perm)
		}
		out = append(out, it)
	}
	return out, nil
}

// disclosureTodos: drafts to finish, items to review, approve or publish.
func (c *Core) disclosureTodos(ctx context.Context, agencyID int64, today civil.Date) ([]todo.Item, error) {
	list, err := c.Disclosure.DueWork(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	out := make([]todo.Item, 0, len(list))
	for _, w := range list {
		it := todo.Item{Title: w.Title, URL: "/console/items/" + strconv.FormatInt(w.ItemID, 10), Due: w.Due, AgencyID: agencyID}
		if w.Statutory {
			it.Note = "主动公开期限（第二十六条，20 个工作日）"
		} else {
			it.Note = fmt.Sprintf("平台内部时限（%d 个工作日）", disclosure.ReviewWorkingDays)
		}
		switch w.Next {
		case disclosure.ActSubmit:
			it.Kind = "完成草稿并提交审核"
			assign(&it, w.CreatedBy, auth.EditItems)
		case disclosure.ActReview:
			it.Kind, it.Perm = "保密审查", auth.ReviewItems
		case disclosure.ActApprove:
			it.Kind, it.Perm = "审批信息", auth.ApproveItems
		default:
			it.Kind, it.Perm = "发布信息", auth.PublishItems
		}
		out = append(out, it)
	}
	return out, nil
}

// consultationTodos: consultations closing within a week (the comments to
// sort and answer) and the feedback reports due after the period.
func (c *Core) consultationTodos(ctx context.Context, agencyID int64, today civil.Date) ([]todo.Item, error) {
	list, err := c.Consultations.DueWork(ctx, agencyID, today)
	if err != nil {
		return nil, err
	}
	out := make([]todo.Item, 0, len(list))
	for _, w := range list {
		it := todo.Item{Title: w.Title, URL: "/console/consultations/" + strconv.FormatInt(w.ConsultationID, 10), AgencyID: agencyID}
		if w.Feedback {
			due, err := c.workingDaysAfter(ctx, w.ClosesOn, consultation.FeedbackWorkingDays)
			if err != nil {
				return nil, err
			}
			it.Kind, it.Due, it.Perm = "发布采纳情况反馈", due, auth.AnswerComments
			it.Note = "征求意见已于 " + w.ClosesOn.String() + " 截止"
		} else {
			it.Kind, it.Due, it.Perm = "征求意见即将截止", w.ClosesOn, auth.ManageConsultations
			it.Note = "截止后整理、答复意见并发布采纳情况"
		}
		out = append(out, it)
	}
	return out, nil
}

// normativeTodos: the evaluations before a normative document expires.
func (c *Core) normativeTodos(ctx context.Context, agencyID int64, today civil.Date) ([]todo.Item, error) {
	list, err := c.Normative.OpenReminders(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	out := make([]todo.Item, 0, len(list))
	for _, r := range list {
		title := "规范性文件"
		if r.Doc != nil {
			title = r.Doc.DocNumber
			if r.Doc.Item.Title != "" {
				title += "《" + r.Doc.Item.Title + "》"
			}
		}
		out = append(out, todo.Item{Kind: "到期评估", Title: title, URL: "/console/normative/documents/" + strconv.FormatInt(r.ItemID, 10),
			Due: r.ExpiresOn, AgencyID: agencyID, DivisionID: r.DivisionID, Perm: auth.ManageNormative,
			Note: "有效期届满前评估，决定延续、修改或废止"})
	}
	return out, nil
}

// standardTodos: publications the standard catalogue misses or will soon
// need.
func (c *Core) standardTodos(ctx context.Context, agencyID int64, today civil.Date) ([]todo.Item, error) {
	list, err := c.Standards.DueWork(ctx, agencyID, today)
	if err != nil {
		return nil, err
	}
	out := make([]todo.Item, 0, len(list))
	for _, w := range list {
		title := w.Entry.L1
		if w.Entry.L2 != "" {
			title += "—" + w.Entry.L2
		}
		if w.Year > 0 {
			title += fmt.Sprintf("（%d 年度）", w.Year)
		}
		it := todo.Item{Title: title, URL: "/console/standards/" + strconv.FormatInt(w.Entry.ID, 10), Due: w.Due, AgencyID: agencyID,
			DivisionID: w.Entry.DivisionID, Perm: auth.ManageStandards, Note: w.Entry.Rule.Label()}
		if w.Missing {
			it.Kind = "补充公开"
		} else {
			it.Kind = "按时公开"
		}
		out = append(out, it)
	}
	return out, nil
}

// openDayTodos: open days of the coming week, and summaries of held ones.
func (c *Core) openDayTodos(ctx context.Context, agencyID int64, today civil.Date) ([]todo.Item, error) {
	list, err := c.OpenDays.DueWork(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	out := make([]todo.Item, 0, len(list))
	for _, w := range list {
		e := w.Event
		it := todo.Item{Title: e.Theme, URL: "/console/opendays/" + strconv.FormatInt(e.ID, 10), AgencyID: agencyID, Perm: auth.ManageOpenDays}
		if w.Summary {
			due, err := c.workingDaysAfter(ctx, civil.Of(e.EndsAt), openday.SummaryWorkingDays)
			if err != nil {
				return nil, err
			}
			it.Kind, it.Due, it.Note = "发布活动总结", due, "活动已于 "+civil.Of(e.StartsAt).String()+" 举行"
		} else {
			it.Kind, it.Due = "筹备开放日活动", civil.Of(e.StartsAt)
			it.Note = fmt.Sprintf("已报名 %d / 名额 %d；%s", e.Taken, e.Capacity, e.When())
		}
		out = append(out, it)
	}
	return out, nil
}

// socialEvalTodos: the improvement actions after a social evaluation.
func (c *Core) socialEvalTodos(ctx context.Context, agencyID int64, today civil.Date) ([]todo.Item, error) {
	list, err := c.Evaluations.DueActions(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	out := make([]todo.Item, 0, len(list))
	for _, a := range list {
		note := fmt.Sprintf("%d 年%s", a.CampaignYear, a.Campaign)
		if a.Division != "" && a.DivisionID == 0 {
			note += "；责任单位：" + a.Division
		}
		out = append(out, todo.Item{Kind: "整改事项", Title: a.Title, URL: "/console/evaluations/" + strconv.FormatInt(a.CampaignID, 10),
			Due: a.DueOn, AgencyID: agencyID, DivisionID: a.DivisionID, Perm: auth.ManageEvaluations, Note: note})
	}
	return out, nil
}
