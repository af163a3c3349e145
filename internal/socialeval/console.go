package socialeval

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/survey"
	"github.com/gongkai/gongkai/internal/web"
)

func (h *Handlers) registerConsole() {
	a, m := h.app, auth.ManageEvaluations
	a.Handle("GET /console/evaluations", m, h.consoleList, web.Summary("社会评议：评议活动和整改事项"))
	a.Handle("GET /console/evaluations/new", m, h.consoleNew, web.Summary("新建社会评议活动"))
	a.Handle("POST /console/evaluations", m, h.consoleCreate, web.Summary("保存新建的社会评议活动"))
	a.Handle("GET /console/evaluations/{id}", m, h.consoleDetail, web.Summary("社会评议活动：评议组、指标、邀请、得分和报告"))
	a.Handle("POST /console/evaluations/{id}", m, h.consoleSave, web.Summary("修改社会评议活动草稿（评议组和指标）"))
	a.Handle("POST /console/evaluations/{id}/state", m, h.consoleState, web.Summary("开始评议、结束评议或发布评议报告"))
	a.Handle("POST /console/evaluations/{id}/invitations", m, h.consoleInvite, web.Summary("为评议组生成邀请链接"))
	a.Handle("GET /console/evaluations/{id}/invitations.xlsx", m, h.consoleInvitations, web.Summary("下载邀请链接（XLSX）"))
	a.Handle("POST /console/evaluations/{id}/report", m, h.consoleReport, web.Summary("撰写评议报告"))
	a.Handle("POST /console/evaluations/{id}/actions", m, h.consoleAddAction, web.Summary("新增整改事项"))
	a.Handle("POST /console/evaluations/{id}/actions/{aid}", m, h.consoleUpdateAction, web.Summary("修改或办结整改事项"))
}

func (h *Handlers) consoleView(r *http.Request, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	v.Section = "evaluations"
	v.Breadcrumbs = append([]web.Crumb{{Label: "社会评议", URL: "/console/evaluations"}}, crumbs...)
	return v
}

func detailURL(id int64) string { return "/console/evaluations/" + strconv.FormatInt(id, 10) }

// formFields maps a refusal to a status and messages by form field; ok is
// false for errors that are not the user's to fix.
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

func (h *Handlers) consoleList(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	list, err := h.svc.List(r.Context(), p)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	actions, err := h.svc.OpenActions(r.Context(), p)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.consoleView(r, "社会评议")
	v.Breadcrumbs = nil
	v.Data = map[string]any{"List": list, "Actions": actions}
	h.app.Render.Page(w, r, http.StatusOK, "socialeval/console_list", v)
}

var campaignOrder = []string{"title", "year", "intro", "groups", "indicators"}

func (h *Handlers) renderForm(w http.ResponseWriter, r *http.Request, status int, c *Campaign, form url.Values, fields map[string]string) {
	title, action := "新建社会评议活动", "/console/evaluations"
	if c != nil {
		title, action = c.Title, detailURL(c.ID)
	}
	v := h.consoleView(r, title, web.Crumb{Label: title})
	v.Form = form
	v.SetErrors(fields, append([]string{"_state"}, campaignOrder...)...)
	v.Data = map[string]any{"Action": action, "C": c, "GroupsFormat": GroupsFormat, "IndicatorsFormat": IndicatorsFormat}
	h.app.Render.Page(w, r, status, "socialeval/console_form", v)
}

func (h *Handlers) consoleNew(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	if !allowed(p) {
		h.app.Error(w, r, errForbidden)
		return
	}
	year := h.svc.Today().Year
	name := ""
	if a, err := h.svc.Agencies.Agency(r.Context(), p.AgencyID); err == nil {
		name = a.Name
	}
	h.renderForm(w, r, http.StatusOK, nil, url.Values{"year": {strconv.Itoa(year)}, "title": {name + strconv.Itoa(year) + "年度政务公开工作社会评议"},
		"intro":  {"为了解社会各界对本单位政务公开工作的评价，听取意见和建议，现开展年度社会评议。评议结果和整改情况将向社会公开。"},
		"groups": {DefaultGroups}, "indicators": {DefaultIndicators}}, nil)
}

func formOf(r *http.Request) Fields {
	v, _ := strconv.Atoi(r.PostFormValue("version"))
	return Fields{Title: r.PostFormValue("title"), Year: r.PostFormValue("year"), Intro: r.PostFormValue("intro"),
		Groups: r.PostFormValue("groups"), Indicators: r.PostFormValue("indicators"), Version: v}
}

func campaignForm(c *Campaign) url.Values {
	return url.Values{"title": {c.Title}, "year": {strconv.Itoa(c.Year)}, "intro": {c.Intro}, "groups": {GroupsText(c.Groups)},
		"indicators": {IndicatorsText(c.Dimensions)}, "version": {strconv.Itoa(c.Version)}}
}

func (h *Handlers) consoleCreate(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.renderForm(w, r, web.Status(apperr.CodeOf(err)), nil, url.Values{}, map[string]string{"title": apperr.MessageOf(err)})
		return
	}
	c, err := h.svc.Create(r.Context(), web.Principal(r), formOf(r))
	if err != nil {
		if status, fields, ok := formFields(err, "title"); ok {
			h.renderForm(w, r, status, nil, r.PostForm, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, detailURL(c.ID)+"?flash=created", http.StatusSeeOther)
}

func (h *Handlers) campaign(w http.ResponseWriter, r *http.Request) (*Campaign, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个社会评议活动。")
		return nil, false
	}
	c, err := h.svc.Get(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	return c, true
}

// groupLine is a group's line of the console detail.
type groupLine struct {
	Group
	URL       string // the questionnaire's public page
	Responses int    // so far (open) or counted (closed)
	Invited   int
	Used      int
}

type detailData struct {
	C            *Campaign
	PublicURL    string
	Groups       []groupLine
	Invites      []GroupInvitations
	InviteGroups []web.Option
	R            *Report
	Indicators   []web.Option
	Divisions    []Division
	States       []web.Option
	// The action whose update failed, with its submitted values and
	// messages (its form is shown open).
	ActionErr    int64
	ActionForm   url.Values
	ActionErrors map[string]string
}

// ActionForm is an improvement action's update form.
type ActionForm struct {
	A          Action
	Open       bool // shown open (after a refused update)
	Errors     map[string]string
	Title      string
	Indicators []web.Option
	Division   string
	DueOn      string
	States     []web.Option
	Note       string
	DoneOn     string
}

// Form lays out the update form of a; after a refused update of it, the
// submitted values and the messages.
func (d *detailData) Form(a Action) ActionForm {
	f := ActionForm{A: a, Title: a.Title, Division: a.Division, DueOn: a.DueOn.String(), Note: a.Note, Errors: map[string]string{}}
	ind, state := strconv.FormatInt(a.IndicatorID, 10), string(a.State)
	if !a.DoneOn.IsZero() {
		f.DoneOn = a.DoneOn.String()
	}
	if d.ActionErr == a.ID {
		v := d.ActionForm
		f.Open, f.Errors = true, d.ActionErrors
		f.Title, f.Division, f.DueOn, f.Note, f.DoneOn = v.Get("title"), v.Get("division"), v.Get("due_on"), v.Get("note"), v.Get("done_on")
		ind, state = v.Get("indicator"), v.Get("state")
	}
	for _, o := range d.Indicators {
		o.Selected = o.Value == ind || o.Value == "" && ind == "0"
		f.Indicators = append(f.Indicators, o)
	}
	for _, o := range d.States {
		o.Selected = o.Value == state
		f.States = append(f.States, o)
	}
	return f
}

var stateOptions = []web.Option{{Value: string(ActionOpen), Label: ActionOpen.Label()}, {Value: string(ActionDone), Label: ActionDone.Label()}}

// detailForm is the values the detail's forms start with.
func (h *Handlers) detailForm(c *Campaign) url.Values {
	return url.Values{"summary": {c.Narrative.Summary}, "problems": {c.Narrative.Problems}, "measures": {c.Narrative.Measures},
		"count": {"10"}, "due_on": {h.svc.Today().AddDays(90).String()}, "state": {string(ActionOpen)}}
}

func (h *Handlers) renderDetail(w http.ResponseWriter, r *http.Request, status int, c *Campaign, posted url.Values, fields map[string]string, actionErr int64) {
	if c.State == Draft && fields == nil {
		h.renderForm(w, r, status, c, campaignForm(c), nil)
		return
	}
	if c.State == Draft {
		// A refused state change of a draft shows on its form.
		h.renderForm(w, r, status, c, campaignForm(c), fields)
		return
	}
	ctx, p := r.Context(), web.Principal(r)
	d := &detailData{C: c, States: stateOptions}
	if a, err := h.svc.Agencies.Agency(ctx, c.AgencyID); err == nil && c.State == Published {
		d.PublicURL = URL(a.Slug, c.ID)
	}
	live := map[int64]int{}
	if c.State == Open {
		live = h.svc.LiveResponses(ctx, p, c)
	}
	invites, err := h.svc.Invitations(ctx, p, c)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	d.Invites = invites
	d.InviteGroups = []web.Option{{Value: "", Label: "请选择"}}
	for _, g := range c.Groups {
		line := groupLine{Group: g, Responses: g.Responses}
		if g.SurveyID != 0 {
			line.URL = survey.URL(g.SurveyID)
		}
		if c.State == Open {
			line.Responses = live[g.ID]
		}
		for _, gi := range invites {
			if gi.Group.ID == g.ID {
				line.Invited, line.Used = len(gi.List), gi.Used
			}
		}
		d.Groups = append(d.Groups, line)
		if g.Access == ByInvitation {
			d.InviteGroups = append(d.InviteGroups, web.Option{Value: strconv.FormatInt(g.ID, 10), Label: g.Name})
		}
	}
	if c.State == Closed || c.State == Published {
		if d.R, err = h.svc.Report(ctx, c); err != nil {
			h.app.Error(w, r, err)
			return
		}
		d.Indicators = []web.Option{{Value: "", Label: "（不对应具体指标）"}}
		for _, dim := range c.Dimensions {
			d.Indicators = append(d.Indicators, web.Option{Value: strconv.FormatInt(dim.ID, 10), Label: dim.Name})
			for _, l := range dim.Children {
				d.Indicators = append(d.Indicators, web.Option{Value: strconv.FormatInt(l.ID, 10), Label: dim.Name + "：" + l.Name})
			}
		}
		d.Divisions, _ = h.svc.Agencies.Divisions(ctx, c.AgencyID)
	}
	form := h.detailForm(c)
	if actionErr != 0 {
		d.ActionErr, d.ActionForm, d.ActionErrors = actionErr, posted, fields
		fields = map[string]string{"_action": "整改事项未保存，请修改下方标出的内容。"}
	} else {
		for k, vals := range posted {
			form[k] = vals
		}
	}
	v := h.consoleView(r, c.Title, web.Crumb{Label: c.Title})
	v.Form = form
	v.SetErrors(fields, "_state", "_action", "group", "count", "summary", "problems", "measures", "title", "indicator", "division", "due_on", "state", "note", "done_on")
	v.Data = d
	h.app.Render.Page(w, r, status, "socialeval/console_detail", v)
}

func (h *Handlers) consoleDetail(w http.ResponseWriter, r *http.Request) {
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	h.renderDetail(w, r, http.StatusOK, c, nil, nil, 0)
}

func (h *Handlers) consoleSave(w http.ResponseWriter, r *http.Request) {
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.renderForm(w, r, web.Status(apperr.CodeOf(err)), c, campaignForm(c), map[string]string{"title": apperr.MessageOf(err)})
		return
	}
	if _, err := h.svc.Update(r.Context(), web.Principal(r), c.ID, formOf(r)); err != nil {
		if status, fields, ok := formFields(err, "_state"); ok {
			if c.State != Draft {
				h.renderDetail(w, r, status, c, nil, fields, 0)
				return
			}
			h.renderForm(w, r, status, c, r.PostForm, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, detailURL(c.ID)+"?flash=saved", http.StatusSeeOther)
}

// post runs an action of the detail page; a refusal shows on the page
// beside the field (or at the top).
func (h *Handlers) post(w http.ResponseWriter, r *http.Request, field, anchor string, fn func(c *Campaign) error) {
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	err := web.ParseForm(r)
	if err == nil {
		err = fn(c)
	}
	if err != nil {
		if status, fields, ok := formFields(err, field); ok {
			if c2, err := h.svc.Get(r.Context(), web.Principal(r), c.ID); err == nil {
				c = c2
			}
			h.renderDetail(w, r, status, c, r.PostForm, fields, 0)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, detailURL(c.ID)+"?flash=saved"+anchor, http.StatusSeeOther)
}

func (h *Handlers) consoleState(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "_state", "", func(c *Campaign) error {
		p, version := web.Principal(r), formVersion(r)
		switch r.PostFormValue("action") {
		case "open":
			return h.svc.Open(r.Context(), p, c.ID, version)
		case "close":
			return h.svc.Close(r.Context(), p, c.ID, version)
		case "publish":
			return h.svc.Publish(r.Context(), p, c.ID, version)
		}
		return apperr.Invalidf("无法识别的操作。")
	})
}

func formVersion(r *http.Request) int {
	v, _ := strconv.Atoi(r.PostFormValue("version"))
	return v
}

func (h *Handlers) consoleInvite(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "group", "#invitations", func(c *Campaign) error {
		n, err := strconv.Atoi(web.Field(r, "count"))
		if err != nil {
			n = -1
		}
		_, err = h.svc.Invite(r.Context(), web.Principal(r), c.ID, web.FieldID(r, "group"), n)
		return err
	})
}

func (h *Handlers) consoleReport(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "summary", "#report", func(c *Campaign) error {
		return h.svc.SaveNarrative(r.Context(), web.Principal(r), c.ID,
			Narrative{Summary: r.PostFormValue("summary"), Problems: r.PostFormValue("problems"), Measures: r.PostFormValue("measures")}, formVersion(r))
	})
}

func actionFieldsOf(r *http.Request) ActionFields {
	return ActionFields{Title: r.PostFormValue("title"), IndicatorID: r.PostFormValue("indicator"), Division: r.PostFormValue("division"),
		DueOn: r.PostFormValue("due_on"), State: r.PostFormValue("state"), Note: r.PostFormValue("note"), DoneOn: r.PostFormValue("done_on"),
		Version: formVersion(r)}
}

func (h *Handlers) consoleAddAction(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "title", "#actions", func(c *Campaign) error {
		_, err := h.svc.AddAction(r.Context(), web.Principal(r), c.ID, actionFieldsOf(r))
		return err
	})
}

func (h *Handlers) consoleUpdateAction(w http.ResponseWriter, r *http.Request) {
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	aid, ok := web.PathID(r, "aid")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个整改事项。")
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.renderDetail(w, r, web.Status(apperr.CodeOf(err)), c, url.Values{}, map[string]string{"_action": apperr.MessageOf(err)}, 0)
		return
	}
	err := h.svc.UpdateAction(r.Context(), web.Principal(r), c.ID, aid, actionFieldsOf(r))
	if err != nil {
		if apperr.Is(err, apperr.NotFound) && apperr.FieldsOf(err) == nil {
			h.app.Error(w, r, err)
			return
		}
		if status, fields, ok := formFields(err, "title"); ok {
			h.renderDetail(w, r, status, c, r.PostForm, fields, aid)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, detailURL(c.ID)+"?flash=saved#action-"+strconv.FormatInt(aid, 10), http.StatusSeeOther)
}

// consoleInvitations downloads every invitation link of the campaign as
// an XLSX workbook (one row per link, whether used), and records it.
func (h *Handlers) consoleInvitations(w http.ResponseWriter, r *http.Request) {
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	p := web.Principal(r)
	list, err := h.svc.Invitations(r.Context(), p, c)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := "邀请链接"
	f.SetSheetName("Sheet1", sheet)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	if err := sw.SetRow("A1", []any{"评议组", "序号", "邀请链接", "状态", "生成时间", "使用时间"}); err != nil {
		h.app.Error(w, r, err)
		return
	}
	row, n := 2, 0
	for _, gi := range list {
		for i, inv := range gi.List {
			state, used := "未使用", ""
			if inv.UsedAt != nil {
				state, used = "已使用", inv.UsedAt.In(civil.Shanghai).Format("2006-01-02 15:04")
			}
			cell, _ := excelize.CoordinatesToCellName(1, row)
			if err := sw.SetRow(cell, []any{gi.Group.Name, i + 1, inv.URL, state, inv.CreatedAt.In(civil.Shanghai).Format("2006-01-02 15:04"), used}); err != nil {
				h.app.Error(w, r, err)
				return
			}
			row++
			n++
		}
	}
	if err := sw.Flush(); err != nil {
		h.app.Error(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		h.app.Error(w, r, err)
		return
	}
	if err := h.svc.RecordExport(r.Context(), p, c, n); err != nil {
		h.app.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="evaluation-%d-invitations.xlsx"`, c.ID))
	web.NoStore(w)
	w.Write(buf.Bytes())
}
