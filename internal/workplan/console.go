package workplan

import (
	"embed"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Handlers serve the tracker's console pages.
type Handlers struct {
	app *web.App
	svc *Service
}

// Register adds the console routes.
func Register(app *web.App, svc *Service) (*Handlers, error) {
	if err := app.Render.AddPages("workplan", templates); err != nil {
		return nil, err
	}
	h := &Handlers{app: app, svc: svc}
	v, m, r := auth.ViewWorkPlan, auth.ManageWorkPlan, auth.ReportProgress
	app.Handle("GET /console/workplan", v, h.list, web.Summary("工作要点台账"))
	app.Handle("GET /console/workplan/import", m, h.importForm, web.Summary("导入工作要点（粘贴全文）"))
	app.Handle("POST /console/workplan/import", m, h.importPost, web.Summary("预览并导入工作要点"))
	app.Handle("GET /console/workplan/hearings", v, h.hearings, web.Summary("主要负责同志听取政务公开工作汇报记录"))
	app.Handle("POST /console/workplan/hearings", m, h.hearingAdd, web.Summary("登记听取政务公开工作汇报"))
	app.Handle("POST /console/workplan/hearings/settings", m, h.hearingSettings, web.Summary("设置听取汇报的年度提醒日"))
	app.Handle("GET /console/workplan/{id}", v, h.plan, web.Summary("工作要点台账：要点与任务"))
	app.Handle("GET /console/workplan/{id}/overview", v, h.overview, web.Summary("工作要点推进情况总览（领导）"))
	app.Handle("GET /console/workplan/{id}/export.xlsx", v, h.export, web.Summary("导出工作要点台账（XLSX）"))
	app.Handle("POST /console/workplan/{id}/parts", m, h.partAdd, web.Summary("添加部分"))
	app.Handle("POST /console/workplan/{id}/tasks", m, h.taskAdd, web.Summary("添加要点或子任务"))
	app.Handle("GET /console/workplan/{id}/tasks/{task}", v, h.task, web.Summary("任务详情与进展"))
	app.Handle("POST /console/workplan/{id}/tasks/{task}", m, h.taskSave, web.Summary("修改任务：责任处室、联络员、期限"))
	app.Handle("POST /console/workplan/{id}/tasks/{task}/delete", m, h.taskDelete, web.Summary("删除任务"))
	app.Handle("POST /console/workplan/{id}/tasks/{task}/progress", r, h.progress, web.Summary("报告任务进展"))
	return h, nil
}

func (h *Handlers) view(r *http.Request, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	v.Section = "workplan"
	v.Breadcrumbs = append([]web.Crumb{{Label: "工作要点台账", URL: ListURL}}, crumbs...)
	return v
}

// formFields turns a refusal into form messages.
func formFields(err error, field string) (int, map[string]string, bool) {
	if f := apperr.FieldsOf(err); f != nil {
		return http.StatusUnprocessableEntity, f, true
	}
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.TooLarge:
		return web.Status(apperr.CodeOf(err)), map[string]string{field: apperr.MessageOf(err)}, true
	case apperr.Conflict:
		return http.StatusConflict, map[string]string{field: apperr.MessageOf(err)}, true
	}
	return 0, nil, false
}

// ---------------------------------------------------------------- list

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	plans, err := h.svc.Plans(r.Context(), p)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	st, err := h.svc.HearingStatus(r.Context(), p.AgencyID, h.svc.Today())
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.view(r, "工作要点台账")
	v.Breadcrumbs = nil
	v.Data = map[string]any{"Plans": plans, "Hearing": st, "CanManage": CanManage(p)}
	h.app.Render.Page(w, r, http.StatusOK, "workplan/console_list", v)
}

// ---------------------------------------------------------------- import

type importData struct {
	Draft *Draft
	// Ready: previewed without errors, the import button is offered.
	Ready bool
}

func (h *Handlers) renderImport(w http.ResponseWriter, r *http.Request, status int, form url.Values, fields map[string]string, d *Draft) {
	v := h.view(r, "导入工作要点", web.Crumb{Label: "导入工作要点"})
	v.Form = form
	v.SetErrors(fields, "year", "title", "text")
	v.Data = &importData{Draft: d, Ready: d != nil && d.OK() && len(fields) == 0}
	h.app.Render.Page(w, r, status, "workplan/console_import", v)
}

func (h *Handlers) importForm(w http.ResponseWriter, r *http.Request) {
	if !CanManage(web.Principal(r)) {
		h.app.Error(w, r, errManage)
		return
	}
	h.renderImport(w, r, http.StatusOK, url.Values{"year": {strconv.Itoa(h.svc.Today().Year)}}, nil, nil)
}

func (h *Handlers) importPost(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.renderImport(w, r, web.Status(apperr.CodeOf(err)), url.Values{}, map[string]string{"text": apperr.MessageOf(err)}, nil)
		return
	}
	p := web.Principal(r)
	fields := map[string]string{}
	year := 0
	if s := web.Field(r, "year"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < MinYear || n > MaxYear {
			fields["year"] = "请填写四位数的年度，如 2022。"
		}
		year = n
	}
	web.CheckText(fields, "title", "标题", r.PostFormValue("title"), false, 100)
	text := r.PostFormValue("text")
	if len(fields) > 0 {
		h.renderImport(w, r, http.StatusUnprocessableEntity, r.PostForm, fields, nil)
		return
	}
	if r.PostFormValue("action") != "import" {
		d, err := h.svc.Preview(r.Context(), p, text, year)
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		status := http.StatusOK
		if !d.OK() {
			status = http.StatusUnprocessableEntity
			fields["text"] = "工作要点文本有 " + strconv.Itoa(len(d.RowErrors())) + " 处错误，请按下方提示修改后重新预览。"
		}
		h.renderImport(w, r, status, r.PostForm, fields, d)
		return
	}
	pl, d, err := h.svc.Import(r.Context(), p, text, year, web.Field(r, "title"))
	if err != nil {
		if status, f, ok := formFields(err, "text"); ok {
			if err == ErrDraft && d != nil {
				status = http.StatusUnprocessableEntity
				f["text"] = "工作要点文本有 " + strconv.Itoa(len(d.RowErrors())) + " 处错误，请按下方提示修改后重新预览。"
			}
			h.renderImport(w, r, status, r.PostForm, f, d)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, PlanURL(pl.ID)+"?flash=imported", http.StatusSeeOther)
}

// ---------------------------------------------------------------- plan

func (h *Handlers) planOf(w http.ResponseWriter, r *http.Request) (*Plan, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这份工作要点。")
		return nil, false
	}
	pl, err := h.svc.Plan(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	return pl, true
}

type planData struct {
	Plan      *Plan
	Sections  []Section
	Tally     Tally
	CanManage bool
	Parts     []web.Option
	Divisions []web.Option
	Staff     []web.Option
}

// Section is a part of the plan with its rows for a table.
type Section struct {
	Part *Part
	Rows []TaskRow
}

// TaskRow is a point or sub-task in a table.
type TaskRow struct {
	Plan   *Plan
	Task   *Task
	Prefix string // the part's number
	Sub    bool
}

// SectionsOf lays the plan out for a table.
func SectionsOf(pl *Plan) []Section {
	var out []Section
	for _, part := range pl.Parts {
		s := Section{Part: part}
		for _, t := range part.Tasks {
			s.Rows = append(s.Rows, TaskRow{Plan: pl, Task: t, Prefix: part.Number})
			for _, st := range t.Subtasks {
				s.Rows = append(s.Rows, TaskRow{Plan: pl, Task: st, Prefix: part.Number, Sub: true})
			}
		}
		out = append(out, s)
	}
	return out
}

func (h *Handlers) options(r *http.Request, agencyID int64) (divs, staff []web.Option) {
	divs = web.OptionRows(r.Context(), h.svc.DB.R, "（未指定）", `SELECT id, name FROM divisions WHERE agency_id = $1 ORDER BY sort_order, id`, agencyID)
	staff = web.OptionRows(r.Context(), h.svc.DB.R, "（不选择，填写下方姓名）", `SELECT id, display_name FROM staff_users WHERE agency_id = $1 AND disabled = FALSE
		ORDER BY display_name, id`, agencyID)
	return divs, staff
}

func (h *Handlers) renderPlan(w http.ResponseWriter, r *http.Request, status int, pl *Plan, form url.Values, fields map[string]string) {
	p := web.Principal(r)
	d := &planData{Plan: pl, Tally: tallyOf(pl.Leaves()), CanManage: CanManage(p), Sections: SectionsOf(pl)}
	if d.CanManage {
		d.Divisions, d.Staff = h.options(r, pl.AgencyID)
		for _, part := range pl.Parts {
			d.Parts = append(d.Parts, web.Option{Value: strconv.FormatInt(part.ID, 10), Label: part.Heading()})
		}
	}
	v := h.view(r, pl.Title, web.Crumb{Label: pl.Title})
	if form == nil {
		form = url.Values{"due": {strconv.Itoa(pl.Year) + "-12-31"}}
	}
	v.Form = form
	v.SetErrors(fields, "part_number", "part_title", "part", "number", "title", "body", "division", "liaison_user", "liaison_name", "due")
	v.Data = d
	h.app.Render.Page(w, r, status, "workplan/console_plan", v)
}

func (h *Handlers) plan(w http.ResponseWriter, r *http.Request) {
	pl, ok := h.planOf(w, r)
	if !ok {
		return
	}
	h.renderPlan(w, r, http.StatusOK, pl, nil, nil)
}

func (h *Handlers) overview(w http.ResponseWriter, r *http.Request) {
	pl, ok := h.planOf(w, r)
	if !ok {
		return
	}
	v := h.view(r, pl.Title+"：推进情况总览", web.Crumb{Label: pl.Title, URL: PlanURL(pl.ID)}, web.Crumb{Label: "推进情况总览"})
	v.Data = OverviewOf(pl, h.svc.Today())
	h.app.Render.Page(w, r, http.StatusOK, "workplan/console_overview", v)
}

func (h *Handlers) export(w http.ResponseWriter, r *http.Request) {
	pl, ok := h.planOf(w, r)
	if !ok {
		return
	}
	f, err := Ledger(pl)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="workplan-`+strconv.Itoa(pl.Year)+`.xlsx"; filename*=UTF-8''`+
		url.PathEscape(strconv.Itoa(pl.Year)+"年工作要点台账.xlsx"))
	w.Header().Set("Cache-Control", "private, no-store")
	if err := f.Write(w); err != nil {
		h.app.Logger.ErrorContext(r.Context(), "workplan export", "error", err)
	}
}

func (h *Handlers) partAdd(w http.ResponseWriter, r *http.Request) {
	pl, ok := h.planOf(w, r)
	if !ok {
		return
	}
	err := web.ParseForm(r)
	if err == nil {
		err = h.svc.AddPart(r.Context(), web.Principal(r), pl.ID, r.PostFormValue("part_number"), r.PostFormValue("part_title"))
	}
	if err != nil {
		if status, fields, ok := formFields(err, "part_title"); ok {
			h.renderPlan(w, r, status, pl, r.PostForm, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, PlanURL(pl.ID)+"?flash=saved", http.StatusSeeOther)
}

// taskInput reads a task form; the sub-task form on a task page names its
// fields with the prefix "sub_".
func taskInput(r *http.Request, prefix string) TaskInput {
	v, _ := strconv.Atoi(r.PostFormValue("version"))
	f := func(name string) string { return r.PostFormValue(prefix + name) }
	return TaskInput{Number: f("number"), Title: f("title"), Body: f("body"), DivisionID: web.FieldID(r, prefix+"division"),
		LiaisonUserID: web.FieldID(r, prefix+"liaison_user"), LiaisonName: f("liaison_name"), Due: f("due"), Version: v}
}

func prefixed(fields map[string]string, prefix string) map[string]string {
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		out[prefix+k] = v
	}
	return out
}

func (h *Handlers) taskAdd(w http.ResponseWriter, r *http.Request) {
	pl, ok := h.planOf(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.renderPlan(w, r, web.Status(apperr.CodeOf(err)), pl, url.Values{}, map[string]string{"title": apperr.MessageOf(err)})
		return
	}
	parent := web.FieldID(r, "parent")
	prefix := ""
	if parent != 0 {
		prefix = "sub_"
	}
	id, err := h.svc.AddTask(r.Context(), web.Principal(r), pl.ID, web.FieldID(r, "part"), parent, taskInput(r, prefix))
	if err != nil {
		if status, fields, ok := formFields(err, "title"); ok {
			if parent != 0 {
				if t, _ := pl.Task(parent); t != nil {
					h.renderTask(w, r, status, pl, t, r.PostForm, prefixed(fields, prefix))
					return
				}
			}
			h.renderPlan(w, r, status, pl, r.PostForm, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, TaskURL(pl.ID, id)+"?flash=created", http.StatusSeeOther) // #nosec G710 -- TaskURL is a local console path
}

// ---------------------------------------------------------------- task

type taskData struct {
	Plan      *Plan
	Part      *Part
	Task      *Task
	Parent    *Task
	Division  string
	Liaison   string
	History   []*Progress
	CanManage bool
	CanReport bool
	// WhyNot says why p may not report on the task (when p reports at all).
	WhyNot    string
	Divisions []web.Option
	Staff     []web.Option
	Kinds     []web.Option
	Rows      []int
}

func (h *Handlers) taskOf(w http.ResponseWriter, r *http.Request) (*Plan, *Task, bool) {
	pl, ok := h.planOf(w, r)
	if !ok {
		return nil, nil, false
	}
	id, ok := web.PathID(r, "task")
	t, _ := pl.Task(id)
	if !ok || t == nil {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这项任务。")
		return nil, nil, false
	}
	return pl, t, true
}

func taskForm(t *Task) url.Values {
	return url.Values{"number": {t.Number}, "title": {t.Title}, "body": {t.Body}, "division": {idString(t.DivisionID)},
		"liaison_user": {idString(t.LiaisonUserID)}, "liaison_name": {t.LiaisonName}, "due": {t.Due.String()}, "version": {strconv.Itoa(t.Version)}}
}

func idString(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func (h *Handlers) renderTask(w http.ResponseWriter, r *http.Request, status int, pl *Plan, t *Task, form url.Values, fields map[string]string) {
	p := web.Principal(r)
	_, part := pl.Task(t.ID)
	eff := effective(pl, t)
	d := &taskData{Plan: pl, Part: part, Task: t, Parent: pl.Parent(t), Division: eff.Division, Liaison: eff.LiaisonName,
		CanManage: CanManage(p), CanReport: CanReport(p, eff), Rows: []int{1, 2, 3}}
	if !d.CanReport && auth.Allowed(p, auth.ReportProgress) {
		if t.Leaf() {
			d.WhyNot = "这项任务由" + orNone(eff.Division) + "负责，您只能报告本处室任务的进展。"
		} else {
			d.WhyNot = "这项要点已拆分为子任务，请在子任务上报告进展。"
		}
	}
	var err error
	if d.History, err = h.svc.History(r.Context(), p, pl.ID, t.ID); err != nil {
		h.app.Error(w, r, err)
		return
	}
	if d.CanManage {
		d.Divisions, d.Staff = h.options(r, pl.AgencyID)
	}
	for _, k := range EvidenceKinds {
		d.Kinds = append(d.Kinds, web.Option{Value: string(k), Label: k.Label()})
	}
	v := h.view(r, t.Label(), web.Crumb{Label: pl.Title, URL: PlanURL(pl.ID)}, web.Crumb{Label: t.Number + clip(t.Title, 16)})
	// Every form of the page starts from the task; what was just submitted
	// (with an error) is shown again over it.
	base := taskForm(t)
	base.Set("reported_on", h.svc.Today().String())
	base.Set("percent", strconv.Itoa(t.Percent))
	base.Set("sub_due", t.Due.String())
	for k, vs := range form {
		base[k] = vs
	}
	v.Form = base
	v.SetErrors(fields, "_state", "reported_on", "percent", "progress", "evidence_kind_1", "evidence_url_1", "evidence_label_1",
		"evidence_kind_2", "evidence_url_2", "evidence_label_2", "evidence_kind_3", "evidence_url_3", "evidence_label_3",
		"number", "title", "body", "division", "liaison_user", "liaison_name", "due", "sub_number", "sub_title", "sub_body", "sub_division",
		"sub_liaison_user", "sub_liaison_name", "sub_due")
	v.Data = d
	h.app.Render.Page(w, r, status, "workplan/console_task", v)
}

func (h *Handlers) task(w http.ResponseWriter, r *http.Request) {
	pl, t, ok := h.taskOf(w, r)
	if !ok {
		return
	}
	h.renderTask(w, r, http.StatusOK, pl, t, nil, nil)
}

func (h *Handlers) taskSave(w http.ResponseWriter, r *http.Request) {
	pl, t, ok := h.taskOf(w, r)
	if !ok {
		return
	}
	err := web.ParseForm(r)
	if err == nil {
		err = h.svc.UpdateTask(r.Context(), web.Principal(r), pl.ID, t.ID, taskInput(r, ""))
	}
	if err != nil {
		if status, fields, ok := formFields(err, "title"); ok {
			form := r.PostForm
			if form == nil {
				form = taskForm(t)
			}
			h.renderTask(w, r, status, pl, t, form, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, TaskURL(pl.ID, t.ID)+"?flash=saved", http.StatusSeeOther)
}

func (h *Handlers) taskDelete(w http.ResponseWriter, r *http.Request) {
	pl, t, ok := h.taskOf(w, r)
	if !ok {
		return
	}
	err := web.ParseForm(r)
	if err == nil {
		err = h.svc.DeleteTask(r.Context(), web.Principal(r), pl.ID, t.ID)
	}
	if err != nil {
		if status, fields, ok := formFields(err, "_state"); ok {
			h.renderTask(w, r, status, pl, t, nil, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, PlanURL(pl.ID)+"?flash=deleted", http.StatusSeeOther)
}

func (h *Handlers) progress(w http.ResponseWriter, r *http.Request) {
	pl, t, ok := h.taskOf(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.renderTask(w, r, web.Status(apperr.CodeOf(err)), pl, t, url.Values{}, map[string]string{"progress": apperr.MessageOf(err)})
		return
	}
	in := ProgressInput{ReportedOn: r.PostFormValue("reported_on"), Body: r.PostFormValue("progress"), Percent: r.PostFormValue("percent")}
	for i := 1; i <= MaxEvidence; i++ {
		k := strconv.Itoa(i)
		in.Evidence = append(in.Evidence, EvidenceInput{Kind: r.PostFormValue("evidence_kind_" + k), URL: r.PostFormValue("evidence_url_" + k),
			Label: r.PostFormValue("evidence_label_" + k)})
	}
	if _, err := h.svc.Report(r.Context(), web.Principal(r), pl.ID, t.ID, in); err != nil {
		if status, fields, ok := formFields(err, "progress"); ok {
			h.renderTask(w, r, status, pl, t, r.PostForm, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, TaskURL(pl.ID, t.ID)+"?flash=saved#h-history", http.StatusSeeOther)
}

// ---------------------------------------------------------------- hearings

func (h *Handlers) renderHearings(w http.ResponseWriter, r *http.Request, status int, form url.Values, fields map[string]string) {
	p := web.Principal(r)
	list, st, err := h.svc.Hearings(r.Context(), p)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.view(r, "听取政务公开工作汇报", web.Crumb{Label: "听取政务公开工作汇报"})
	if form == nil {
		form = url.Values{"held_on": {h.svc.Today().String()}, "hearing_due": {st.MonthDay}}
	}
	if form.Get("hearing_due") == "" {
		form.Set("hearing_due", st.MonthDay)
	}
	v.Form = form
	v.SetErrors(fields, "held_on", "leader", "content", "decisions", "hearing_due")
	v.Data = map[string]any{"List": list, "State": st, "CanManage": CanManage(p)}
	h.app.Render.Page(w, r, status, "workplan/console_hearings", v)
}

func (h *Handlers) hearings(w http.ResponseWriter, r *http.Request) {
	h.renderHearings(w, r, http.StatusOK, nil, nil)
}

func (h *Handlers) hearingAdd(w http.ResponseWriter, r *http.Request) {
	err := web.ParseForm(r)
	if err == nil {
		_, err = h.svc.AddHearing(r.Context(), web.Principal(r), HearingInput{HeldOn: r.PostFormValue("held_on"), Leader: r.PostFormValue("leader"),
			Content: r.PostFormValue("content"), Decisions: r.PostFormValue("decisions")})
	}
	if err != nil {
		if status, fields, ok := formFields(err, "content"); ok {
			h.renderHearings(w, r, status, formOr(r), fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, HearingsURL+"?flash=saved", http.StatusSeeOther)
}

func (h *Handlers) hearingSettings(w http.ResponseWriter, r *http.Request) {
	err := web.ParseForm(r)
	if err == nil {
		err = h.svc.SetHearingDue(r.Context(), web.Principal(r), r.PostFormValue("hearing_due"))
	}
	if err != nil {
		if status, fields, ok := formFields(err, "hearing_due"); ok {
			form := formOr(r)
			if form.Get("held_on") == "" {
				form.Set("held_on", h.svc.Today().String())
			}
			h.renderHearings(w, r, status, form, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, HearingsURL+"?flash=saved", http.StatusSeeOther)
}

func formOr(r *http.Request) url.Values {
	if r.PostForm == nil {
		return url.Values{}
	}
	out := url.Values{}
	for k, v := range r.PostForm {
		out[k] = append([]string(nil), v...)
	}
	return out
}
