package application

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/web"
)

func (h *Handlers) registerConsole() {
	a := h.app
	a.Handle("GET /console/applications", auth.ViewApplications, h.consoleList, web.Summary("依申请公开：申请列表"))
	a.Handle("GET /console/applications/new", auth.RecordApplications, h.consoleNew, web.Summary("录入申请"))
	a.Handle("POST /console/applications", auth.RecordApplications, h.consoleRecord, web.Summary("保存录入的申请"), web.Upload())
	a.Handle("GET /console/applications/stats", auth.ViewApplications, h.consoleStats, web.Summary("年度报告表三统计"))
	a.Handle("GET /console/applications/settings", auth.ManageApplicationSet, h.consoleSettings, web.Summary("依申请公开设置"))
	a.Handle("POST /console/applications/settings", auth.ManageApplicationSet, h.consoleSaveSettings, web.Summary("保存依申请公开设置"))
	a.Handle("POST /console/applications/settings/seal", auth.ManageApplicationSet, h.consoleSeal, web.Summary("上传信函印章图片"), web.Upload())
	a.Handle("GET /console/applications/{id}", auth.ViewApplications, h.consoleDetail, web.Summary("申请详情与办理"))
	a.Handle("POST /console/applications/{id}/act", auth.HandleApplications, h.consoleAct, web.Summary("办理申请"))
	a.Handle("POST /console/applications/{id}/personal", auth.ViewApplications, h.consolePersonal, web.Summary("查看申请人个人信息（留痕）"))
	a.Handle("POST /console/applications/{id}/remedies", auth.HandleApplications, h.consoleRemedy, web.Summary("登记行政复议或行政诉讼"))
	a.Handle("POST /console/applications/{id}/proactive", auth.HandleApplications, h.consoleProactive, web.Summary("转为主动公开草稿（第四十四条）"))
	a.Handle("POST /console/applications/{id}/files", auth.HandleApplications, h.consoleUpload, web.Summary("上传申请材料"), web.Upload())
	a.Handle("GET /console/applications/{id}/files/{file}", auth.ViewApplications, h.consoleFile, web.Summary("下载申请材料（留痕）"))
	a.Handle("GET /console/applications/{id}/letter", auth.ViewApplications, h.consoleLetter, web.Summary("答复书打印版"))
	a.Handle("GET /console/applications/{id}/letter.pdf", auth.ViewApplications, h.consoleLetterPDF, web.Summary("答复书 PDF"))
}

func (h *Handlers) consoleView(r *http.Request, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	v.Section = "applications"
	v.Breadcrumbs = append([]web.Crumb{{Label: "依申请公开", URL: "/console/applications"}}, crumbs...)
	return v
}

// agencyID is the agency a console page works on: the principal's own
// (platform staff name one with ?agency=).
func (h *Handlers) agencyID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	p := web.Principal(r)
	id := p.AgencyID
	if p.Platform() {
		id, _ = strconv.ParseInt(r.URL.Query().Get("agency"), 10, 64)
	}
	if _, err := h.svc.Agencies.Agency(r.Context(), id); err != nil || !p.CanActIn(id) {
		h.app.ErrorPage(w, r, http.StatusNotFound, "请选择单位（平台账号请在地址中加上 ?agency=单位编号）。")
		return 0, false
	}
	return id, true
}

// agencyIDQuiet is agencyID without writing an error page.
func (h *Handlers) agencyIDQuiet(r *http.Request) (int64, bool) {
	p := web.Principal(r)
	id := p.AgencyID
	if p.Platform() {
		id, _ = strconv.ParseInt(r.URL.Query().Get("agency"), 10, 64)
	}
	return id, id != 0 && p.CanActIn(id)
}

// Row of the console list.
type listRow struct {
	*Application
	Urgency string // "overdue", "soon" or ""
	Left    int    // working days to the due date (negative: overdue)
	Handler string
}

type listData struct {
	Division  string
	Divisions []web.Option
	Rows      []listRow
	Total     int
	View      string
	Query     string
	Views     []web.Option
	Counts    map[string]int
	CanAct    bool
	PrevURL   string
	NextURL   string
}

var listViews = []web.Option{{Value: "open", Label: "办理中"}, {Value: "received", Label: "待登记"}, {Value: "soon", Label: "5 个工作日内到期"},
	{Value: "overdue", Label: "已逾期"}, {Value: "done", Label: "已办结"}, {Value: "all", Label: "全部"}}

func (h *Handlers) filterFor(view string, agencyID int64, cal *calendar.Calendar, today civil.Date) (ListFilter, bool) {
	f := ListFilter{AgencyID: agencyID, Today: today}
	switch view {
	case "", "open":
		f.States = []State{Processing, Correction, Consulting, Reasons, Payment}
	case "received":
		f.States = []State{Received}
	case "soon":
		by, err := cal.AddWorkingDays(today, 5)
		if err != nil {
			return f, false
		}
		f.DueBy = by
	case "overdue":
		f.Overdue = true
	case "done":
		f.States = []State{Replied, Closed}
	case "all":
	default:
		return f, false
	}
	return f, true
}

func (h *Handlers) consoleList(w http.ResponseWriter, r *http.Request) {
	agencyID, ok := h.agencyID(w, r)
	if !ok {
		return
	}
	p := web.Principal(r)
	q := r.URL.Query()
	cal, err := h.svc.Calendar.Calendar(r.Context())
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	today := h.svc.today()
	d := listData{View: q.Get("view"), Query: strings.TrimSpace(q.Get("q")), Views: listViews, Counts: map[string]int{},
		CanAct: auth.Allowed(p, auth.RecordApplications)}
	if d.View == "" {
		d.View = "open"
	}
	if len([]rune(d.Query)) > 50 {
		d.Query = string([]rune(d.Query)[:50])
	}
	f, ok := h.filterFor(d.View, agencyID, cal, today)
	if !ok {
		h.app.ErrorPage(w, r, http.StatusBadRequest, "列表视图无效。")
		return
	}
	page := 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 && n < 10000 {
		page = n
	}
	f.Text, f.Limit, f.Offset = d.Query, 30, (page-1)*30
	d.Divisions = divisionOptions(r.Context(), h.svc.DB.R, agencyID)
	d.Divisions[0].Label = "全部处室"
	if s := q.Get("division"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			h.app.ErrorPage(w, r, http.StatusBadRequest, "处室无效。")
			return
		}
		f.DivisionID, d.Division = id, s
	}
	list, total, err := h.svc.List(r.Context(), p, f)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	d.Total = total
	names := staffNames(r.Context(), h.svc.DB.R, agencyID)
	for _, a := range list {
		row := listRow{Application: a, Handler: names[a.HandlerID]}
		if a.State.Open() && !a.DueOn.IsZero() {
			row.Left, _ = cal.WorkingDaysBetween(today, a.DueOn)
			switch {
			case row.Left < 0:
				row.Urgency = "overdue"
			case row.Left <= 5:
				row.Urgency = "soon"
			}
		}
		d.Rows = append(d.Rows, row)
	}
	for _, view := range []string{"received", "soon", "overdue"} {
		cf, _ := h.filterFor(view, agencyID, cal, today)
		cf.Limit = 1
		if _, n, err := h.svc.List(r.Context(), p, cf); err == nil {
			d.Counts[view] = n
		}
	}
	base := "/console/applications?view=" + url.QueryEscape(d.View) + "&q=" + url.QueryEscape(d.Query) + "&division=" + url.QueryEscape(d.Division)
	if page > 1 {
		d.PrevURL = base + "&page=" + strconv.Itoa(page-1)
	}
	if page*30 < total {
		d.NextURL = base + "&page=" + strconv.Itoa(page+1)
	}
	v := h.consoleView(r, "依申请公开")
	v.Data = d
	h.app.Render.Page(w, r, http.StatusOK, "application/console_list", v)
}

func staffNames(ctx context.Context, q db.Querier, agencyID int64) map[int64]string {
	out := map[int64]string{}
	rows, err := q.QueryContext(ctx, "SELECT id, display_name, username FROM staff_users WHERE agency_id = $1", agencyID)
	if err != nil {
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id         int64
			name, user string
		)
		if rows.Scan(&id, &name, &user) == nil {
			if name == "" {
				name = user
			}
			out[id] = name
		}
	}
	return out
}

func divisionOptions(ctx context.Context, q db.Querier, agencyID int64) []web.Option {
	return web.OptionRows(ctx, q, "（不指定）", "SELECT id, name FROM divisions WHERE agency_id = $1 ORDER BY sort_order, id", agencyID)
}

func handlerOptions(ctx context.Context, q db.Querier, agencyID int64) []web.Option {
	return web.OptionRows(ctx, q, "（不指定）", `SELECT DISTINCT u.id, CASE WHEN u.display_name = '' THEN u.username ELSE u.display_name END
		FROM staff_users u JOIN staff_roles r ON r.user_id = u.id
		WHERE u.agency_id = $1 AND u.disabled = FALSE AND r.role IN ('handler', 'approver', 'liaison') ORDER BY 1`, agencyID)
}

// menuOrder is the order of the steps in the console's menu.
var menuOrder = []Action{ActRegister, ActAssign, ActRequestCorrection, ActCorrected, ActConsult, ActConsulted, ActExtend,
	ActFeeNotice, ActFeePaid, ActAskReasons, ActReasonsAccepted, ActReply, ActDeliver, ActNote, ActWithdraw}

// ---------------------------------------------------------------- recording

type newData struct {
	ApplicantTypes []web.Option
	IDTypes        []web.Option
	Forms          []web.Option
	Deliveries     []web.Option
	Channels       []web.Option
	Today          civil.Date
}

func (h *Handlers) newData() newData {
	return newData{ApplicantTypes: applicantTypeOptions(),
		IDTypes:    options(append(append([]IDType{}, PersonalIDTypes...), OrgIDTypes...), IDType.Label, "请选择"),
		Forms:      options([]Form{Electronic, Paper}, Form.Label, "请选择"),
		Deliveries: options([]Delivery{ByEmail, ByPost, InOffice, OnSite}, Delivery.Label, "请选择"),
		Channels:   options(StaffChannels, Channel.Label, "请选择"),
		Today:      h.svc.today()}
}

func (h *Handlers) consoleNew(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.agencyID(w, r); !ok {
		return
	}
	v := h.consoleView(r, "录入申请", web.Crumb{Label: "录入申请"})
	v.Data = h.newData()
	h.app.Render.Page(w, r, http.StatusOK, "application/console_new", v)
}

var recordOrder = []string{"channel", "received_on", "signed_on", "applicant_type", "name", "id_type", "id_number", "identity", "contact",
	"phone", "email", "address", "postcode", "title", "doc_number", "description", "purpose", "form", "delivery"}

func (h *Handlers) consoleRecord(w http.ResponseWriter, r *http.Request) {
	agencyID, ok := h.agencyID(w, r)
	if !ok {
		return
	}
	fail := func(status int, fields map[string]string) {
		v := h.consoleView(r, "录入申请", web.Crumb{Label: "录入申请"})
		v.Form = r.PostForm
		v.SetErrors(fields, recordOrder...)
		v.Data = h.newData()
		h.app.Render.Page(w, r, status, "application/console_new", v)
	}
	if err := web.ParseForm(r); err != nil {
		if r.PostForm == nil {
			r.PostForm = url.Values{}
		}
		fail(web.Status(apperr.CodeOf(err)), map[string]string{"identity": apperr.MessageOf(err)})
		return
	}
	date := func(name string) civil.Date {
		d, _ := civil.Parse(web.Field(r, name))
		return d
	}
	sub := Submission{AgencyID: agencyID, Channel: Channel(web.Field(r, "channel")), ReceivedOn: date("received_on"), SignedOn: date("signed_on"),
		Applicant: Applicant{Type: ApplicantType(web.Field(r, "applicant_type")), Name: r.PostFormValue("name"),
			IDType: IDType(web.Field(r, "id_type")), IDNumber: r.PostFormValue("id_number"), Contact: r.PostFormValue("contact"),
			Phone: r.PostFormValue("phone"), Email: r.PostFormValue("email"), Address: r.PostFormValue("address"),
			Postcode: r.PostFormValue("postcode")},
		Request: Request{Title: r.PostFormValue("title"), DocNumber: r.PostFormValue("doc_number"),
			Description: r.PostFormValue("description"), Purpose: r.PostFormValue("purpose"),
			Form: Form(web.Field(r, "form")), Delivery: Delivery(web.Field(r, "delivery"))}}
	fields := map[string]string{}
	for _, n := range []string{"received_on", "signed_on"} {
		if s := web.Field(r, n); s != "" {
			if _, err := civil.Parse(s); err != nil {
				fields[n] = "日期格式应为 2026-01-31。"
			}
		}
	}
	if len(fields) > 0 {
		fail(http.StatusUnprocessableEntity, fields)
		return
	}
	up, done, err := formFile(r, "identity")
	defer done()
	if err != nil {
		fail(http.StatusBadRequest, map[string]string{"identity": apperr.MessageOf(err)})
		return
	}
	sub.Identity = up
	rec, err := h.svc.Record(r.Context(), web.Principal(r), sub)
	if err != nil {
		if f := apperr.FieldsOf(err); f != nil {
			fail(http.StatusUnprocessableEntity, f)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	v := h.consoleView(r, "申请已录入", web.Crumb{Label: rec.App.Number})
	v.Data = receiptData{Number: rec.App.Number, Code: rec.Code, Email: rec.App.Applicant.Email != ""}
	web.NoStore(w)
	h.app.Render.Page(w, r, http.StatusOK, "application/console_recorded", v)
}

// ---------------------------------------------------------------- detail

type detailData struct {
	*Detail
	Agency       AgencyRef
	Explain      *calendar.Explanation
	Left         int
	Today        civil.Date
	Actions      map[string]bool
	Outcomes     []OutcomeInfo
	Divisions    []web.Option
	Handlers     []web.Option
	ConsultKinds []web.Option
	Results      []web.Option
	FeeMethods   []web.Option
	FileKinds    []web.Option
	HandlerName  string
	DivisionName string
	CanApprove   bool
	// Menu lists the steps p may take now; Do is the one whose form is shown.
	Menu          []web.Option
	Do            string
	OpenConsults  []Consultation
	DeadlineNames map[string]string
	Remedies      []Remedy
	RemedyKinds   []web.Option
	RemedyResults []web.Option
	Similar       []Similar
	CanProactive  bool
	CanRemedy     bool
	MonthlyRank   int
}

func (h *Handlers) loadDetail(w http.ResponseWriter, r *http.Request, reveal bool) (*detailData, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return nil, false
	}
	p := web.Principal(r)
	det, err := h.svc.Detail(r.Context(), p, id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	if reveal {
		full, err := h.svc.RevealPersonal(r.Context(), p, id)
		if err != nil {
			h.app.Error(w, r, err)
			return nil, false
		}
		det.App.Applicant = full.Applicant
		if det, err = h.reloadFiles(r, det); err != nil {
			h.app.Error(w, r, err)
			return nil, false
		}
	}
	ag, _ := h.svc.Agencies.Agency(r.Context(), det.App.AgencyID)
	d := &detailData{Detail: det, Agency: ag, Today: h.svc.today(), Actions: map[string]bool{}, Outcomes: ReplyOutcomes(),
		CanApprove: auth.Allowed(p, auth.ApproveApplications), DeadlineNames: map[string]string{}}
	if canAct(p, det.App) {
		for a := range transitions {
			if a.Allowed(det.App.State) {
				d.Actions[string(a)] = true
			}
		}
	}
	for _, c := range det.Consultations {
		if c.AnsweredOn.IsZero() {
			d.OpenConsults = append(d.OpenConsults, c)
		}
	}
	for _, act := range menuOrder {
		ok := d.Actions[string(act)]
		switch act {
		case ActRequestCorrection:
			ok = ok && det.App.CorrectionSentOn.IsZero()
		case ActExtend:
			ok = ok && det.App.ExtensionDays == 0 && d.CanApprove
		case ActConsulted:
			ok = ok && len(d.OpenConsults) > 0
		}
		if ok {
			d.Menu = append(d.Menu, web.Option{Value: string(act), Label: act.Label()})
		}
	}
	d.Do = r.URL.Query().Get("do")
	if r.Method == http.MethodPost {
		d.Do = r.PostFormValue("action")
	}
	if d.Do == "" && det.App.State == Received && d.Actions[string(ActRegister)] {
		d.Do = string(ActRegister)
	}
	for _, dl := range det.Deadlines {
		d.DeadlineNames[dl.Kind] = deadlineLabel(dl.Kind)
	}
	a := det.App
	if a.State.Open() && !a.ClockStart.IsZero() && a.State != Correction {
		if cal, err := h.svc.Calendar.Calendar(r.Context()); err == nil {
			if ex, err := cal.ExplainDeadline(a.ClockStart, ReplyDays+a.ExtensionDays+a.DelayDays, a.Pauses); err == nil {
				d.Explain = &ex
			}
			d.Left, _ = cal.WorkingDaysBetween(d.Today, a.DueOn)
		}
	}
	names := staffNames(r.Context(), h.svc.DB.R, a.AgencyID)
	d.HandlerName = names[a.HandlerID]
	d.Divisions = divisionOptions(r.Context(), h.svc.DB.R, a.AgencyID)
	for _, o := range d.Divisions {
		if o.Value == strconv.FormatInt(a.DivisionID, 10) {
			d.DivisionName = o.Label
		}
	}
	d.Handlers = handlerOptions(r.Context(), h.svc.DB.R, a.AgencyID)
	d.ConsultKinds = options([]ConsultKind{ThirdParty, OtherOrgan}, ConsultKind.Label, "请选择")
	d.Results = options([]ConsultResult{Agrees, Objects, NoAnswer, Overruled}, ConsultResult.Label, "请选择")
	d.FeeMethods = options([]FeeMethod{PerApplication, PerVolume}, FeeMethod.Label, "请选择")
	d.FileKinds = options([]FileKind{FileApplication, FileConsultation, FileReply, FileDelivery, FilePayment}, FileKind.Label, "")
	d.RemedyKinds = options(RemedyKinds, RemedyKind.Label, "请选择")
	d.RemedyResults = options(RemedyResults, RemedyResult.Label, "")
	if d.Remedies, err = listRemedies(r.Context(), h.svc.DB.R, a.ID); err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	d.Similar, _ = h.svc.SimilarTo(r.Context(), p, a.ID)
	if d.Actions[string(ActFeeNotice)] {
		d.MonthlyRank, _ = h.svc.MonthlyRank(r.Context(), a)
	}
	acting := canAct(p, a)
	d.CanRemedy = acting && !a.State.Open()
	d.CanProactive = acting && h.svc.Drafts != nil && a.State == Replied && (a.Outcome == OutDisclose || a.Outcome == OutPartial)
	return d, true
}

func (h *Handlers) reloadFiles(r *http.Request, det *Detail) (*Detail, error) {
	files, err := listFiles(r.Context(), h.svc.DB.R, det.App.ID)
	if err != nil {
		return nil, err
	}
	det.Files, det.Personal = files, true
	return det, nil
}

func (h *Handlers) consoleDetail(w http.ResponseWriter, r *http.Request) {
	d, ok := h.loadDetail(w, r, false)
	if !ok {
		return
	}
	h.renderDetail(w, r, d, http.StatusOK, nil)
}

func (h *Handlers) consolePersonal(w http.ResponseWriter, r *http.Request) {
	d, ok := h.loadDetail(w, r, true)
	if !ok {
		return
	}
	web.NoStore(w)
	h.renderDetail(w, r, d, http.StatusOK, nil)
}

func (h *Handlers) renderDetail(w http.ResponseWriter, r *http.Request, d *detailData, status int, fields map[string]string) {
	v := h.consoleView(r, "申请 "+d.App.Number, web.Crumb{Label: d.App.Number})
	v.SetErrors(fields)
	if status != http.StatusOK {
		v.Form = r.PostForm
	}
	v.Data = d
	h.app.Render.Page(w, r, status, "application/console_detail", v)
}

func (h *Handlers) consoleAct(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	if err := web.ParseForm(r); err != nil {
		if d, ok := h.loadDetail(w, r, false); ok {
			h.renderDetail(w, r, d, web.Status(apperr.CodeOf(err)), map[string]string{"action": apperr.MessageOf(err)})
		}
		return
	}
	fields := map[string]string{}
	c := Command{Action: Action(web.Field(r, "action")), Note: r.PostFormValue("note"), Items: r.PostFormValue("items"),
		ConsultKind: ConsultKind(web.Field(r, "consult_kind")), Party: r.PostFormValue("party"), Result: ConsultResult(web.Field(r, "result")),
		Opinion: r.PostFormValue("opinion"), FeeMethod: FeeMethod(web.Field(r, "fee_method")), Outcome: Outcome(web.Field(r, "outcome")),
		Text: r.PostFormValue("text"), Withheld: r.PostFormValue("withheld"), Organ: r.PostFormValue("organ"),
		DeliveryMethod: r.PostFormValue("delivery_method"), DivisionID: web.FieldID(r, "division"), HandlerID: web.FieldID(r, "handler"),
		ConsultationID: web.FieldID(r, "consultation")}
	c.Version, _ = strconv.Atoi(web.Field(r, "version"))
	if s := web.Field(r, "on"); s != "" {
		d, err := civil.Parse(s)
		if err != nil {
			fields["on"] = "日期格式应为 2026-01-31。"
		}
		c.On = d
	}
	for _, n := range []string{"days", "quantity"} {
		if s := web.Field(r, n); s != "" {
			v, err := strconv.Atoi(s)
			if err != nil || v < 0 || v > MaxFeeQuantity {
				fields[n] = "请填写一个正整数。"
			}
			if n == "days" {
				c.Days = v
			} else {
				c.Quantity = v
			}
		}
	}
	if len(fields) == 0 {
		_, err := h.svc.Do(r.Context(), web.Principal(r), id, c)
		if err == nil {
			http.Redirect(w, r, "/console/applications/"+strconv.FormatInt(id, 10)+"?flash=saved#history", http.StatusSeeOther)
			return
		}
		switch apperr.CodeOf(err) {
		case apperr.Invalid, apperr.Conflict, apperr.Forbidden:
			fields = apperr.FieldsOf(err)
			if fields == nil {
				fields = map[string]string{"action": apperr.MessageOf(err)}
			}
		default:
			h.app.Error(w, r, err)
			return
		}
	}
	d, ok := h.loadDetail(w, r, false)
	if !ok {
		return
	}
	h.renderDetail(w, r, d, http.StatusUnprocessableEntity, fields)
}

func (h *Handlers) consoleUpload(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	fail := func(msg string) {
		d, ok := h.loadDetail(w, r, false)
		if ok {
			h.renderDetail(w, r, d, http.StatusUnprocessableEntity, map[string]string{"file": msg})
		}
	}
	if err := web.ParseForm(r); err != nil {
		fail(apperr.MessageOf(err))
		return
	}
	kind := FileKind(web.Field(r, "kind"))
	if kind.Label() == "" || kind == FileIdentity || kind == FileCorrection {
		fail("请选择文件类别。")
		return
	}
	up, done, err := formFile(r, "file")
	defer done()
	if err != nil || up == nil {
		fail(orMessage(err, "请选择要上传的文件。"))
		return
	}
	err = h.svc.StaffUpload(r.Context(), web.Principal(r), id, kind, r.PostFormValue("public") == "1", *up)
	if err != nil {
		switch apperr.CodeOf(err) {
		case apperr.Invalid, apperr.TooLarge, apperr.Conflict, apperr.Forbidden:
			fail(apperr.MessageOf(err))
		default:
			h.app.Error(w, r, err)
		}
		return
	}
	http.Redirect(w, r, "/console/applications/"+strconv.FormatInt(id, 10)+"?flash=saved#files", http.StatusSeeOther)
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
	serveFile(w, f, rc)
}

func (h *Handlers) consoleLetter(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	a, err := h.svc.Get(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	h.renderLetter(w, r, a, "/console/applications/"+strconv.FormatInt(id, 10)+"/letter.pdf")
}

func (h *Handlers) consoleLetterPDF(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	a, err := h.svc.Get(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	h.letterPDF(w, r, a)
}

// ---------------------------------------------------------------- statistics

type statsData struct {
	Four     TableFour
	Year     int
	Years    []int
	Table    Table
	Rows     []RowInfo
	Columns  []string
	Problems []Problem
	Bad      map[Cell]bool
}

func (h *Handlers) consoleStats(w http.ResponseWriter, r *http.Request) {
	agencyID, ok := h.agencyID(w, r)
	if !ok {
		return
	}
	today := h.svc.today()
	year := today.Year
	if s := r.URL.Query().Get("year"); s != "" {
		y, err := strconv.Atoi(s)
		if err != nil || y < 2008 || y > today.Year {
			h.app.ErrorPage(w, r, http.StatusBadRequest, "年度无效。")
			return
		}
		year = y
	}
	t, err := h.svc.TableThree(r.Context(), agencyID, year)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	four, err := h.svc.TableFour(r.Context(), agencyID, year)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	d := statsData{Year: year, Table: t, Four: four, Rows: Rows, Problems: t.Check(), Bad: map[Cell]bool{}}
	for y := today.Year; y >= today.Year-5; y-- {
		d.Years = append(d.Years, y)
	}
	for _, at := range ApplicantTypes {
		d.Columns = append(d.Columns, at.Label())
	}
	d.Columns = append(d.Columns, "总计")
	for _, p := range d.Problems {
		for _, c := range p.Cells {
			d.Bad[c] = true
		}
	}
	v := h.consoleView(r, "收到和处理政府信息公开申请情况", web.Crumb{Label: "年度统计"})
	v.Data = d
	h.app.Render.Page(w, r, http.StatusOK, "application/console_stats", v)
}

// StaffUpload adds a file staff hold for an application: a scanned paper
// application, consultation letters, the reply's enclosures (public: the
// applicant may download them from the status page), delivery or payment
// proofs.
func (s *Service) StaffUpload(ctx context.Context, p *auth.Principal, id int64, kind FileKind, public bool, u Upload) error {
	a, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	if !canAct(p, a) {
		return apperr.New(apperr.Forbidden, "您无权办理这件申请。")
	}
	up, err := s.ingest(ctx, &u, false)
	if err != nil {
		return err
	}
	public = public && kind == FileReply
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		attID, err := blob.InsertAttachment(ctx, tx, up.Attachment(a.AgencyID, "application", p.UserID))
		if err != nil {
			return err
		}
		if err := addFile(ctx, tx, a.ID, attID, kind, false, public); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, a.ID, Event{On: s.today(), ActorID: p.UserID, Actor: p.Actor().Name, Action: "upload",
			Note: "上传" + kind.Label() + "：" + up.FileName}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: a.AgencyID, Action: "application.file.add",
			ObjectType: "application", ObjectID: a.Number, Summary: "为申请 " + a.Number + " 上传" + kind.Label() + "：" + up.FileName})
	})
	if db.RolledBack(err) {
		s.Blobs.Delete(context.WithoutCancel(ctx), up.Key)
	}
	return err
}

func (h *Handlers) consoleRemedy(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	if err := web.ParseForm(r); err != nil {
		if d, ok := h.loadDetail(w, r, false); ok {
			h.renderDetail(w, r, d, web.Status(apperr.CodeOf(err)), map[string]string{"remedy_kind": apperr.MessageOf(err)})
		}
		return
	}
	date := func(name string) civil.Date {
		d, _ := civil.Parse(web.Field(r, name))
		return d
	}
	in := Remedy{ID: web.FieldID(r, "remedy"), Kind: RemedyKind(web.Field(r, "remedy_kind")), FiledOn: date("filed_on"),
		Body: r.PostFormValue("body"), CaseNumber: r.PostFormValue("case_number"), Result: RemedyResult(web.Field(r, "result")),
		DecidedOn: date("decided_on"), Note: r.PostFormValue("note")}
	err := h.svc.SaveRemedy(r.Context(), web.Principal(r), id, in)
	if err == nil {
		http.Redirect(w, r, "/console/applications/"+strconv.FormatInt(id, 10)+"?flash=saved#remedies", http.StatusSeeOther)
		return
	}
	fields := apperr.FieldsOf(err)
	if fields == nil {
		switch apperr.CodeOf(err) {
		case apperr.Conflict, apperr.Forbidden:
			fields = map[string]string{"remedy_kind": apperr.MessageOf(err)}
		default:
			h.app.Error(w, r, err)
			return
		}
	}
	d, ok := h.loadDetail(w, r, false)
	if ok {
		h.renderDetail(w, r, d, http.StatusUnprocessableEntity, fields)
	}
}

func (h *Handlers) consoleProactive(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	url, err := h.svc.ToProactive(r.Context(), web.Principal(r), id)
	if err != nil {
		switch apperr.CodeOf(err) {
		case apperr.Conflict, apperr.Forbidden, apperr.Invalid:
			d, ok := h.loadDetail(w, r, false)
			if ok {
				h.renderDetail(w, r, d, http.StatusConflict, map[string]string{"action": apperr.MessageOf(err)})
			}
		default:
			h.app.Error(w, r, err)
		}
		return
	}
	http.Redirect(w, r, url+"?flash=created", http.StatusSeeOther) // #nosec G710 -- url is the console path of the item ToProactive created
}
