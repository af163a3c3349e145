package concern

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

func (h *Handlers) registerConsole() {
	a := h.app
	a.Handle("GET /console/concerns", auth.ViewConcerns, h.consoleList, web.Summary("回应关切：来信列表"))
	a.Handle("GET /console/concerns/settings", auth.ManageConcerns, h.consoleSettings, web.Summary("回应关切设置"))
	a.Handle("POST /console/concerns/settings", auth.ManageConcerns, h.consoleSaveSettings, web.Summary("保存回应关切设置"))
	a.Handle("POST /console/concerns/settings/routes", auth.ManageConcerns, h.consoleAddRoute, web.Summary("新增分办规则"))
	a.Handle("POST /console/concerns/settings/routes/{id}/delete", auth.ManageConcerns, h.consoleDeleteRoute, web.Summary("删除分办规则"))
	a.Handle("GET /console/concerns/new", auth.ImportHotline, h.consoleNew, web.Summary("录入新媒体留言或来电来访"))
	a.Handle("POST /console/concerns", auth.ImportHotline, h.consoleRecord, web.Summary("保存录入的来信"))
	a.Handle("POST /api/v1/staff/concerns", auth.ImportHotline, h.apiRecord, web.Summary("Record a new-media message or a phone call or visit (staff)"), web.JSONBody())
	a.Handle("GET /console/concerns/import", auth.ImportHotline, h.consoleImportForm, web.Summary("导入 12345 工单"))
	a.Handle("POST /console/concerns/import", auth.ImportHotline, h.consoleImport, web.Summary("导入 12345 工单：上传"), web.Upload())
	a.Handle("POST /api/v1/staff/concerns/hotline", auth.ImportHotline, h.apiImport, web.Summary("Receive 12345 hotline work orders (staff)"), web.JSONBody(), web.Upload())
	a.Handle("GET /console/concerns/{id}", auth.ViewConcerns, h.consoleCase, web.Summary("来信详情与办理"))
	a.Handle("POST /console/concerns/{id}/act", auth.HandleConcerns, h.consoleAct, web.Summary("办理来信"))
	a.Handle("GET /console/concerns/{id}/files/{file}", auth.ViewConcerns, h.consoleFile, web.Summary("下载来信附件（留痕）"))
	a.Handle("POST /console/concerns/{id}/contact", auth.HandleConcerns, h.consoleContact, web.Summary("查看来信人联系方式（留痕）"))
}

func (h *Handlers) consoleView(r *http.Request, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	v.Section = "concerns"
	v.Breadcrumbs = append([]web.Crumb{{Label: "回应关切", URL: "/console/concerns"}}, crumbs...)
	return v
}

type consoleRow struct {
	*Case
	Overdue bool
}

var views = []web.Option{{Value: "open", Label: "办理中"}, {Value: "review", Label: "待审核"}, {Value: "overdue", Label: "已逾期"},
	{Value: "supervised", Label: "督办"}, {Value: "done", Label: "已答复"}, {Value: "all", Label: "全部"}}

func (h *Handlers) consoleList(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	q := r.URL.Query()
	f := ListFilter{AgencyID: p.AgencyID, Today: h.svc.today(), Limit: 30}
	view := q.Get("view")
	switch view {
	case "", "open":
		view, f.States = "open", []State{Received, Assigned, Review}
	case "review":
		f.States = []State{Review}
	case "overdue":
		f.Overdue = true
	case "supervised":
		f.Supervised, f.States = true, []State{Received, Assigned, Review}
	case "done":
		f.States = []State{Replied, Merged}
	case "all":
	default:
		h.app.ErrorPage(w, r, http.StatusBadRequest, "列表视图无效。")
		return
	}
	if ch := Channel(q.Get("channel")); ch != "" {
		if !ch.Valid() {
			h.app.ErrorPage(w, r, http.StatusBadRequest, "渠道无效。")
			return
		}
		f.Channel = ch
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 && n < 10000 {
		f.Offset = (n - 1) * 30
	}
	list, total, err := h.svc.List(r.Context(), p, f)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	var rows []consoleRow
	for _, c := range list {
		rows = append(rows, consoleRow{Case: c, Overdue: c.State.Open() && c.DueOn.Before(f.Today)})
	}
	channels := []web.Option{{Value: "", Label: "全部渠道"}}
	for _, c := range Channels {
		channels = append(channels, web.Option{Value: string(c), Label: c.Label()})
	}
	v := h.consoleView(r, "回应关切")
	data := map[string]any{"Rows": rows, "Total": total, "View": view, "Views": views, "Channel": string(f.Channel), "Channels": channels}
	if h.Applications != nil {
		if open, overdue, ok := h.Applications(r, p.AgencyID); ok {
			data["Applications"] = map[string]int{"Open": open, "Overdue": overdue}
		}
	}
	v.Data = data
	h.app.Render.Page(w, r, http.StatusOK, "concern/console_list", v)
}

type caseData struct {
	C         *Case
	Files     []File
	Events    []Event
	Menu      []web.Option
	Do        string
	Divisions []web.Option
	Handlers  []web.Option
	Findings  []string
	Contact   bool
	Today     civil.Date
	CanReview bool
	Response  *ResponseItem
}

var menuOrder = []Action{ActSign, ActAssign, ActDraft, ActSubmit, ActApprove, ActReturn, ActModerate, ActDelay, ActSendBack, ActSupervise,
	ActMerge, ActReopen, ActRate, ActNote}

func (h *Handlers) loadCase(w http.ResponseWriter, r *http.Request, contact bool) (*caseData, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return nil, false
	}
	p := web.Principal(r)
	var (
		c   *Case
		err error
	)
	if contact {
		c, err = h.svc.Contact(r.Context(), p, id)
	} else {
		c, err = h.svc.Get(r.Context(), p, id)
	}
	if err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	d := &caseData{C: c, Contact: contact, Today: h.svc.today(), CanReview: auth.Allowed(p, auth.ReviewConcerns), Response: h.svc.CaseResponse(r.Context(), c)}
	if d.Files, err = listFiles(r.Context(), h.svc.DB.R, id); err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	if d.Events, err = listEvents(r.Context(), h.svc.DB.R, id); err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	for _, a := range menuOrder {
		if !a.Allowed(c.State) || (reviewActions[a] && !d.CanReview) || !auth.Allowed(p, auth.HandleConcerns) {
			continue
		}
		if a == ActModerate && c.Channel != Board || (a == ActSign || a == ActSendBack || a == ActDelay) && c.Channel != Hotline {
			continue
		}
		d.Menu = append(d.Menu, web.Option{Value: string(a), Label: a.Label()})
	}
	d.Do = r.URL.Query().Get("do")
	if r.Method == http.MethodPost && r.PostFormValue("action") != "" {
		d.Do = r.PostFormValue("action")
	}
	d.Divisions = web.OptionRows(r.Context(), h.svc.DB.R, "（不指定）", "SELECT id, name FROM divisions WHERE agency_id = $1 ORDER BY sort_order, id", c.AgencyID)
	d.Handlers = web.OptionRows(r.Context(), h.svc.DB.R, "（不指定）", `SELECT DISTINCT u.id, CASE WHEN u.display_name = '' THEN u.username ELSE u.display_name END
		FROM staff_users u JOIN staff_roles ro ON ro.user_id = u.id
		WHERE u.agency_id = $1 AND u.disabled = FALSE AND ro.role IN ('handler', 'approver', 'liaison') ORDER BY 1`, c.AgencyID)
	if d.CanReview {
		d.Findings = h.svc.Findings(r.Context(), c)
	}
	return d, true
}

func (h *Handlers) renderCase(w http.ResponseWriter, r *http.Request, d *caseData, status int, fields map[string]string) {
	v := h.consoleView(r, d.C.Number, web.Crumb{Label: d.C.Number})
	v.SetErrors(fields)
	if status != http.StatusOK {
		v.Form = r.PostForm
	}
	v.Data = d
	h.app.Render.Page(w, r, status, "concern/console_case", v)
}

func (h *Handlers) consoleCase(w http.ResponseWriter, r *http.Request) {
	if d, ok := h.loadCase(w, r, false); ok {
		h.renderCase(w, r, d, http.StatusOK, nil)
	}
}

func (h *Handlers) consoleContact(w http.ResponseWriter, r *http.Request) {
	if d, ok := h.loadCase(w, r, true); ok {
		web.NoStore(w)
		h.renderCase(w, r, d, http.StatusOK, nil)
	}
}

func (h *Handlers) consoleAct(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	var fields map[string]string
	if err := web.ParseForm(r); err != nil {
		fields = map[string]string{"action": apperr.MessageOf(err)}
	} else {
		cmd := Command{Action: Action(web.Field(r, "action")), Note: r.PostFormValue("note"), Draft: r.PostFormValue("draft"),
			DivisionID: web.FieldID(r, "division"), HandlerID: web.FieldID(r, "handler"), Publish: r.PostFormValue("publish") == "1",
			Moderation: Moderation(web.Field(r, "moderation")), On: r.PostFormValue("on") == "1", Into: r.PostFormValue("into")}
		cmd.Rating, _ = strconv.Atoi(web.Field(r, "rating"))
		if s := web.Field(r, "new_due"); s != "" {
			d, err := civil.Parse(s)
			if err != nil {
				if dd, ok := h.loadCase(w, r, false); ok {
					h.renderCase(w, r, dd, http.StatusUnprocessableEntity, map[string]string{"new_due": "日期格式应为 2026-01-31。"})
				}
				return
			}
			cmd.NewDue = d
		}
		cmd.Version, _ = strconv.Atoi(web.Field(r, "version"))
		_, err := h.svc.Do(r.Context(), web.Principal(r), id, cmd)
		if err == nil {
			http.Redirect(w, r, "/console/concerns/"+strconv.FormatInt(id, 10)+"?flash=saved", http.StatusSeeOther)
			return
		}
		switch apperr.CodeOf(err) {
		case apperr.Invalid, apperr.Conflict, apperr.Forbidden:
			if fields = apperr.FieldsOf(err); fields == nil {
				fields = map[string]string{"action": apperr.MessageOf(err)}
			}
		default:
			h.app.Error(w, r, err)
			return
		}
	}
	if d, ok := h.loadCase(w, r, false); ok {
		h.renderCase(w, r, d, http.StatusUnprocessableEntity, fields)
	}
}

// ---------------------------------------------------------------- settings

func (h *Handlers) consoleSettings(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	set, err := h.svc.Settings(r.Context(), p.AgencyID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	var lines []string
	for _, l := range set.Leaders {
		lines = append(lines, l.Label())
	}
	form := url.Values{"leaders": {strings.Join(lines, "\n")}, "sensitive_words": {set.SensitiveWords}, "domain_terms": {set.DomainTerms}}
	for _, c := range Channels {
		form.Set("days_"+string(c), strconv.Itoa(set.DaysFor(c)))
	}
	h.renderSettings(w, r, form, http.StatusOK, nil)
}

func (h *Handlers) renderSettings(w http.ResponseWriter, r *http.Request, form url.Values, status int, fields map[string]string) {
	v := h.consoleView(r, "回应关切设置", web.Crumb{Label: "设置"})
	v.Section = "concern-settings"
	v.Form = form
	v.SetErrors(fields)
	p := web.Principal(r)
	routes, _ := h.svc.Routes(r.Context(), p.AgencyID)
	divisions := web.OptionRows(r.Context(), h.svc.DB.R, "请选择", "SELECT id, name FROM divisions WHERE agency_id = $1 ORDER BY sort_order, id", p.AgencyID)
	names := map[string]string{}
	for _, d := range divisions {
		names[d.Value] = d.Label
	}
	type routeRow struct {
		Route
		Division string
	}
	var rows []routeRow
	for _, rt := range routes {
		rows = append(rows, routeRow{Route: rt, Division: names[strconv.FormatInt(rt.DivisionID, 10)]})
	}
	cats := []web.Option{{Value: "", Label: "（任意分类）"}}
	for _, c := range Categories {
		cats = append(cats, web.Option{Value: c, Label: c})
	}
	v.Data = map[string]any{"Channels": Channels, "Routes": rows, "Divisions": divisions, "Categories": cats}
	h.app.Render.Page(w, r, status, "concern/console_settings", v)
}

func (h *Handlers) consoleSaveSettings(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	if err := web.ParseForm(r); err != nil {
		h.renderSettings(w, r, url.Values{}, web.Status(apperr.CodeOf(err)), map[string]string{"leaders": apperr.MessageOf(err)})
		return
	}
	in := Settings{AgencyID: p.AgencyID, Days: map[Channel]int{}, SensitiveWords: r.PostFormValue("sensitive_words"), DomainTerms: r.PostFormValue("domain_terms")}
	fields := map[string]string{}
	for _, line := range strings.Split(r.PostFormValue("leaders"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		title, name, ok := strings.Cut(line, " ")
		if !ok {
			title, name = "", line
		}
		in.Leaders = append(in.Leaders, Leader{Title: strings.TrimSpace(title), Name: strings.TrimSpace(name)})
	}
	for _, c := range Channels {
		if s := web.Field(r, "days_"+string(c)); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				fields["days_"+string(c)] = "请填写工作日天数。"
				continue
			}
			in.Days[c] = n
		}
	}
	if len(fields) == 0 {
		err := h.svc.UpdateSettings(r.Context(), p, in)
		if err == nil {
			http.Redirect(w, r, "/console/concerns/settings?flash=saved", http.StatusSeeOther)
			return
		}
		if fields = apperr.FieldsOf(err); fields == nil {
			h.app.Error(w, r, err)
			return
		}
	}
	h.renderSettings(w, r, r.PostForm, http.StatusUnprocessableEntity, fields)
}

func (h *Handlers) consoleImportForm(w http.ResponseWriter, r *http.Request) {
	v := h.consoleView(r, "导入 12345 工单", web.Crumb{Label: "导入 12345 工单"})
	h.app.Render.Page(w, r, http.StatusOK, "concern/console_import", v)
}

func (h *Handlers) consoleImport(w http.ResponseWriter, r *http.Request) {
	v := h.consoleView(r, "导入 12345 工单", web.Crumb{Label: "导入 12345 工单"})
	fail := func(status int, msg string) {
		v.SetErrors(map[string]string{"file": msg})
		h.app.Render.Page(w, r, status, "concern/console_import", v)
	}
	if err := web.ParseForm(r); err != nil {
		fail(web.Status(apperr.CodeOf(err)), apperr.MessageOf(err))
		return
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 || r.MultipartForm.File["file"][0].Size == 0 {
		fail(http.StatusBadRequest, "请选择 XLSX 或 CSV 文件。")
		return
	}
	fh := r.MultipartForm.File["file"][0]
	f, err := fh.Open()
	if err != nil {
		fail(http.StatusBadRequest, "上传的文件无法读取。")
		return
	}
	defer f.Close()
	orders, bad, err := ParseOrders(fh.Filename, f)
	if err != nil {
		fail(web.Status(apperr.CodeOf(err)), apperr.MessageOf(err))
		return
	}
	p := web.Principal(r)
	rep, err := h.svc.ImportOrders(r.Context(), p, p.AgencyID, orders, bad)
	if err != nil {
		if c := apperr.CodeOf(err); c == apperr.Forbidden || c == apperr.Invalid {
			fail(web.Status(c), apperr.MessageOf(err))
			return
		}
		h.app.Error(w, r, err)
		return
	}
	v.Data = rep
	h.app.Render.Page(w, r, http.StatusOK, "concern/console_import", v)
}

func (h *Handlers) apiImport(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Orders []Order `json:"orders"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		h.app.Error(w, r, web.JSONError(err))
		return
	}
	for i := range in.Orders {
		in.Orders[i].Line = i + 1
	}
	p := web.Principal(r)
	rep, err := h.svc.ImportOrders(r.Context(), p, p.AgencyID, in.Orders, nil)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	if rep.Errors == nil {
		rep.Errors = []RowError{}
	}
	web.WriteJSON(w, http.StatusOK, rep)
}

func (h *Handlers) renderNew(w http.ResponseWriter, r *http.Request, form url.Values, status int, fields map[string]string) {
	v := h.consoleView(r, "录入来信", web.Crumb{Label: "录入"})
	v.Form = form
	v.SetErrors(fields, "channel", "received_on", "category", "subject", "body", "name", "phone", "email")
	cats := []web.Option{{Value: "", Label: "请选择"}}
	for _, c := range Categories {
		cats = append(cats, web.Option{Value: c, Label: c})
	}
	v.Data = map[string]any{"Channels": []web.Option{{Value: "", Label: "请选择"}, {Value: string(NewMedia), Label: NewMedia.Label()},
		{Value: string(Visit), Label: Visit.Label()}}, "Categories": cats, "Today": h.svc.today().String()}
	h.app.Render.Page(w, r, status, "concern/console_new", v)
}

func (h *Handlers) consoleNew(w http.ResponseWriter, r *http.Request) {
	h.renderNew(w, r, nil, http.StatusOK, nil)
}

func (h *Handlers) consoleRecord(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.renderNew(w, r, url.Values{}, web.Status(apperr.CodeOf(err)), map[string]string{"channel": apperr.MessageOf(err)})
		return
	}
	on, err := civil.Parse(web.Field(r, "received_on"))
	if err != nil {
		h.renderNew(w, r, r.PostForm, http.StatusUnprocessableEntity, map[string]string{"received_on": "日期格式应为 2026-01-31。"})
		return
	}
	p := web.Principal(r)
	c, err := h.svc.Record(r.Context(), p, p.AgencyID, letterFromForm(r, Channel(web.Field(r, "channel"))), on)
	if err != nil {
		if f := apperr.FieldsOf(err); f != nil {
			h.renderNew(w, r, r.PostForm, http.StatusUnprocessableEntity, f)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/concerns/"+strconv.FormatInt(c.ID, 10)+"?flash=created", http.StatusSeeOther)
}

func (h *Handlers) apiRecord(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Channel    Channel    `json:"channel"`
		ReceivedOn civil.Date `json:"received_on"`
		Category   string     `json:"category"`
		Subject    string     `json:"subject"`
		Body       string     `json:"body"`
		Name       string     `json:"name"`
		Phone      string     `json:"phone"`
		Email      string     `json:"email"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		h.app.Error(w, r, web.JSONError(err))
		return
	}
	p := web.Principal(r)
	c, err := h.svc.Record(r.Context(), p, p.AgencyID, Letter{Channel: in.Channel, Category: in.Category, Subject: in.Subject, Body: in.Body,
		Name: in.Name, Phone: in.Phone, Email: in.Email}, in.ReceivedOn)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, map[string]any{"id": c.ID, "number": c.Number, "state": c.State, "due_on": c.DueOn})
}

func (h *Handlers) consoleAddRoute(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	if err := web.ParseForm(r); err != nil {
		h.consoleSettingsWith(w, r, web.Status(apperr.CodeOf(err)), map[string]string{"category": apperr.MessageOf(err)})
		return
	}
	err := h.svc.AddRoute(r.Context(), p, p.AgencyID, Route{Category: web.Field(r, "category"), Keyword: r.PostFormValue("keyword"),
		DivisionID: web.FieldID(r, "division")})
	if err != nil {
		if f := apperr.FieldsOf(err); f != nil {
			h.consoleSettingsWith(w, r, http.StatusUnprocessableEntity, f)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/concerns/settings?flash=saved#routes", http.StatusSeeOther)
}

func (h *Handlers) consoleDeleteRoute(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	if err := h.svc.DeleteRoute(r.Context(), p, p.AgencyID, id); err != nil {
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/concerns/settings?flash=deleted#routes", http.StatusSeeOther)
}

// consoleSettingsWith shows the settings with the stored values and the
// route form's messages.
func (h *Handlers) consoleSettingsWith(w http.ResponseWriter, r *http.Request, status int, fields map[string]string) {
	p := web.Principal(r)
	set, err := h.svc.Settings(r.Context(), p.AgencyID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	var lines []string
	for _, l := range set.Leaders {
		lines = append(lines, l.Label())
	}
	form := url.Values{"leaders": {strings.Join(lines, "\n")}, "sensitive_words": {set.SensitiveWords}, "domain_terms": {set.DomainTerms}}
	for _, c := range Channels {
		form.Set("days_"+string(c), strconv.Itoa(set.DaysFor(c)))
	}
	for _, k := range []string{"category", "keyword", "division"} {
		form.Set(k, r.PostFormValue(k))
	}
	h.renderSettings(w, r, form, status, fields)
}

func (h *Handlers) consoleFile(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	fid, ok2 := web.PathID(r, "file")
	if !ok || !ok2 {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	f, rc, err := h.svc.OpenFile(r.Context(), web.Principal(r), id, fid)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	defer rc.Close()
	web.ServeDownload(w, f.Name, f.ContentType, f.Size, rc)
}
