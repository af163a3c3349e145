package docregistry

import (
	"bytes"
	"embed"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// AgencyName gives the ledger's title its agency (wired in app).
type AgencyName func(r *http.Request, agencyID int64) string

// Handlers serve the registry's console pages.
type Handlers struct {
	app    *web.App
	svc    *Service
	agency AgencyName
}

// Register adds the console routes and templates.
func Register(app *web.App, svc *Service, agency AgencyName) (*Handlers, error) {
	if err := app.Render.AddPages("docregistry", templates); err != nil {
		return nil, err
	}
	h := &Handlers{app: app, svc: svc, agency: agency}
	m := auth.ManageDocuments
	app.Handle("GET /console/documents", m, h.list, web.Summary("公文备案台账"))
	app.Handle("GET /console/documents/new", m, h.newForm, web.Summary("登记公文表单"))
	app.Handle("POST /console/documents", m, h.create, web.Summary("登记公文及其公开属性"))
	app.Handle("GET /console/documents/report", m, h.report, web.Summary("公文登记与发布情况统计"))
	app.Handle("GET /console/documents/export.xlsx", m, h.export, web.Summary("导出公文备案台账（XLSX）"))
	app.Handle("GET /console/documents/template.xlsx", m, h.template, web.Summary("下载公文导入模板"))
	app.Handle("GET /console/documents/import", m, h.importForm, web.Summary("批量导入公文"))
	app.Handle("POST /console/documents/import", m, h.importFile, web.Summary("上传公文导入文件"), web.Upload())
	app.Handle("GET /console/documents/settings", m, h.settings, web.Summary("公文定期复核设置"))
	app.Handle("POST /console/documents/settings", m, h.saveSettings, web.Summary("保存公文定期复核周期"))
	app.Handle("GET /console/documents/{id}", m, h.detail, web.Summary("公文备案详情"))
	app.Handle("POST /console/documents/{id}", m, h.update, web.Summary("修改待审核或被退回的公文登记"))
	app.Handle("POST /console/documents/{id}/sign", m, h.sign, web.Summary("登记公文签发日期"))
	app.Handle("POST /console/documents/{id}/decision", auth.ApproveDocuments, h.decide, web.Summary("审核通过或退回公开属性"))
	app.Handle("POST /console/documents/{id}/review", m, h.review, web.Summary("不公开公文定期复核（条例第十八条）"))
	app.Handle("POST /console/documents/{id}/draft", m, h.draft, web.Summary("重新生成信息草稿"))
	return h, nil
}

func (h *Handlers) view(r *http.Request, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	v.Section = "documents"
	if len(crumbs) > 0 {
		v.Breadcrumbs = append([]web.Crumb{{Label: "公文备案", URL: "/console/documents"}}, crumbs...)
	}
	return v
}

// formStatus maps an error to a form's status and field messages.
func formStatus(err error, field string) (int, map[string]string, bool) {
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

func filterOf(r *http.Request) ListFilter {
	q := r.URL.Query()
	f := ListFilter{Attribute: Attribute(q.Get("attribute")), State: State(q.Get("state")), Publication: Publication(q.Get("pub")),
		Query: strings.TrimSpace(q.Get("q")), ReviewDue: q.Get("review") == "due"}
	f.DivisionID, _ = strconv.ParseInt(q.Get("division"), 10, 64)
	f.Year, _ = strconv.Atoi(q.Get("year"))
	if !f.Attribute.Valid() {
		f.Attribute = ""
	}
	switch f.State {
	case Pending, Approved, Returned:
	default:
		f.State = ""
	}
	switch f.Publication {
	case PubWaiting, PubPending, PubPublished, PubOverdue:
	default:
		f.Publication = ""
	}
	if f.Year < 1949 || f.Year > 2200 {
		f.Year = 0
	}
	if len([]rune(f.Query)) > 50 {
		f.Query = string([]rune(f.Query)[:50])
	}
	return f
}

// Row is a ledger line with its deadline in words.
type Row struct {
	*Document
	Pub  Publication
	Left int // working days to the deadline (negative: overdue)
}

func (h *Handlers) rows(r *http.Request, docs []*Document) []Row {
	today := h.svc.Today()
	out := make([]Row, 0, len(docs))
	for _, d := range docs {
		row := Row{Document: d, Pub: d.Publication(today)}
		if (row.Pub == PubPending || row.Pub == PubOverdue) && !d.DueOn.IsZero() {
			row.Left, _ = h.svc.WorkingDaysLeft(r.Context(), d.DueOn)
		}
		out = append(out, row)
	}
	return out
}

func (h *Handlers) options(r *http.Request, first string) []web.Option {
	p := web.Principal(r)
	out := []web.Option{{Value: "", Label: first}}
	divs, _ := h.svc.Divisions(r.Context(), p.AgencyID)
	for _, d := range divs {
		out = append(out, web.Option{Value: strconv.FormatInt(d.ID, 10), Label: d.Name})
	}
	return out
}

func attributeOptions(first string) []web.Option {
	out := []web.Option{{Value: "", Label: first}}
	for _, a := range Attributes {
		out = append(out, web.Option{Value: string(a), Label: a.Label()})
	}
	return out
}

func groundOptions() []web.Option {
	out := []web.Option{{Value: "", Label: "（主动公开无需填写）"}}
	for _, g := range Grounds {
		out = append(out, web.Option{Value: string(g.Code), Label: g.Basis + "：" + g.Label})
	}
	return out
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	f := filterOf(r)
	docs, err := h.svc.List(r.Context(), p, f)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.view(r, "公文备案")
	q := r.URL.Query()
	v.Form = url.Values{"division": {q.Get("division")}, "attribute": {string(f.Attribute)}, "state": {string(f.State)},
		"pub": {string(f.Publication)}, "q": {f.Query}, "year": {q.Get("year")}, "review": {q.Get("review")}}
	states := []web.Option{{Value: "", Label: "全部"}}
	for _, s := range []State{Pending, Approved, Returned} {
		states = append(states, web.Option{Value: string(s), Label: s.Label()})
	}
	pubs := []web.Option{{Value: "", Label: "全部"}}
	for _, s := range []Publication{PubWaiting, PubPending, PubOverdue, PubPublished} {
		pubs = append(pubs, web.Option{Value: string(s), Label: s.Label()})
	}
	export := "/console/documents/export.xlsx"
	if r.URL.RawQuery != "" {
		export += "?" + r.URL.RawQuery
	}
	overdue := 0
	rows := h.rows(r, docs)
	for _, row := range rows {
		if row.Pub == PubOverdue {
			overdue++
		}
	}
	v.Data = map[string]any{"Rows": rows, "Divisions": h.options(r, "全部处室"), "Attributes": attributeOptions("全部"), "States": states,
		"Pubs": pubs, "Export": export, "Overdue": overdue, "CanApprove": auth.Allowed(p, auth.ApproveDocuments)}
	h.app.Render.Page(w, r, http.StatusOK, "docregistry/console_list", v)
}

// ---------------------------------------------------------------- register

var formOrder = []string{"doc_number", "title", "issuer", "division_id", "drafted_on", "signed_on", "attribute", "ground", "reason"}

func (h *Handlers) renderForm(w http.ResponseWriter, r *http.Request, status int, form url.Values, fields map[string]string) {
	v := h.view(r, "登记公文", web.Crumb{Label: "登记公文"})
	v.Form = form
	v.SetErrors(fields, formOrder...)
	v.Data = map[string]any{"Divisions": h.options(r, "请选择"), "Attributes": attributeOptions("请选择"), "Grounds": groundOptions(),
		"Action": "/console/documents"}
	h.app.Render.Page(w, r, status, "docregistry/console_form", v)
}

func (h *Handlers) newForm(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	form := url.Values{"drafted_on": {h.svc.Today().String()}, "issuer": {h.agency(r, p.AgencyID)}}
	if p.DivisionID != 0 {
		form.Set("division_id", strconv.FormatInt(p.DivisionID, 10))
	}
	h.renderForm(w, r, http.StatusOK, form, nil)
}

func inputOf(r *http.Request) Input {
	ver, _ := strconv.Atoi(r.PostFormValue("version"))
	return Input{DocNumber: r.PostFormValue("doc_number"), Title: r.PostFormValue("title"), Issuer: r.PostFormValue("issuer"),
		DivisionID: web.FieldID(r, "division_id"), DraftedOn: r.PostFormValue("drafted_on"), SignedOn: r.PostFormValue("signed_on"),
		Attribute: r.PostFormValue("attribute"), Ground: r.PostFormValue("ground"), Reason: r.PostFormValue("reason"), Version: ver}
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.renderForm(w, r, web.Status(apperr.CodeOf(err)), url.Values{}, map[string]string{"doc_number": apperr.MessageOf(err)})
		return
	}
	d, err := h.svc.Register(r.Context(), web.Principal(r), inputOf(r))
	if err != nil {
		if status, fields, ok := formStatus(err, "doc_number"); ok {
			h.renderForm(w, r, status, r.PostForm, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, docURL(d.ID)+"?flash=created", http.StatusSeeOther)
}

// ---------------------------------------------------------------- detail

func (h *Handlers) document(w http.ResponseWriter, r *http.Request) (*Document, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这份公文的备案。")
		return nil, false
	}
	d, err := h.svc.Get(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	return d, true
}

func editForm(d *Document) url.Values {
	date := func(c civil.Date) string {
		if c.IsZero() {
			return ""
		}
		return c.String()
	}
	return url.Values{"doc_number": {d.DocNumber}, "title": {d.Title}, "issuer": {d.Issuer}, "division_id": {strconv.FormatInt(d.DivisionID, 10)},
		"drafted_on": {date(d.DraftedOn)}, "signed_on": {date(d.SignedOn)}, "attribute": {string(d.Attribute)}, "ground": {string(d.Ground)},
		"reason": {d.Reason}, "version": {strconv.Itoa(d.Version)}}
}

var detailOrder = append([]string{"_action", "note", "review_note", "outcome", "review_attribute", "review_ground", "review_reason"}, formOrder...)

func (h *Handlers) renderDetail(w http.ResponseWriter, r *http.Request, status int, d *Document, form url.Values, fields map[string]string) {
	p := web.Principal(r)
	events, reviews, err := h.svc.History(r.Context(), d.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	today := h.svc.Today()
	row := h.rows(r, []*Document{d})[0]
	if form == nil {
		form = editForm(d)
		form.Set("signed_on", form.Get("signed_on"))
		form.Set("outcome", string(Keep))
	}
	title := d.DocNumber
	v := h.view(r, title, web.Crumb{Label: title})
	v.Form = form
	v.SetErrors(fields, detailOrder...)
	reviewAttrs := attributeOptions("请选择")
	v.Data = map[string]any{
		"D": d, "Row": row, "Events": events, "Reviews": reviews, "Today": today,
		"Divisions": h.options(r, "请选择"), "Attributes": attributeOptions("请选择"), "Grounds": groundOptions(), "ReviewAttributes": reviewAttrs,
		"CanApprove": auth.Allowed(p, auth.ApproveDocuments) && d.State == Pending,
		"CanEdit":    d.State.Editable(),
		"CanSign":    d.ItemID == 0,
		"CanReview":  d.State == Approved && d.Attribute != Proactive,
		"CanDraft":   d.State == Approved && d.Attribute == Proactive && !d.SignedOn.IsZero() && d.ItemID == 0,
		"Action":     docURL(d.ID),
	}
	web.NoStore(w)
	h.app.Render.Page(w, r, status, "docregistry/console_detail", v)
}

func (h *Handlers) detail(w http.ResponseWriter, r *http.Request) {
	d, ok := h.document(w, r)
	if !ok {
		return
	}
	h.renderDetail(w, r, http.StatusOK, d, nil, nil)
}

// after redisplays the document after an action: to its page on success,
// with the error beside the action's fields otherwise.
func (h *Handlers) after(w http.ResponseWriter, r *http.Request, d *Document, err error, field, flash string) {
	if err == nil {
		http.Redirect(w, r, docURL(d.ID)+"?flash="+flash, http.StatusSeeOther) // #nosec G710 -- docURL is a local console path
		return
	}
	if status, fields, ok := formStatus(err, field); ok {
		if fresh, gerr := h.svc.Get(r.Context(), web.Principal(r), d.ID); gerr == nil {
			d = fresh
		}
		h.renderDetail(w, r, status, d, r.PostForm, fields)
		return
	}
	h.app.Error(w, r, err)
}

func (h *Handlers) parse(w http.ResponseWriter, r *http.Request, d *Document, field string) bool {
	if err := web.ParseForm(r); err != nil {
		h.renderDetail(w, r, web.Status(apperr.CodeOf(err)), d, url.Values{}, map[string]string{field: apperr.MessageOf(err)})
		return false
	}
	return true
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request) {
	d, ok := h.document(w, r)
	if !ok || !h.parse(w, r, d, "doc_number") {
		return
	}
	h.after(w, r, d, h.svc.Update(r.Context(), web.Principal(r), d.ID, inputOf(r)), "_action", "saved")
}

func (h *Handlers) sign(w http.ResponseWriter, r *http.Request) {
	d, ok := h.document(w, r)
	if !ok || !h.parse(w, r, d, "signed_on") {
		return
	}
	h.after(w, r, d, h.svc.Sign(r.Context(), web.Principal(r), d.ID, r.PostFormValue("signed_on")), "_action", "saved")
}

func (h *Handlers) decide(w http.ResponseWriter, r *http.Request) {
	d, ok := h.document(w, r)
	if !ok || !h.parse(w, r, d, "note") {
		return
	}
	ver, _ := strconv.Atoi(r.PostFormValue("version"))
	var err error
	switch r.PostFormValue("decision") {
	case "approve":
		err = h.svc.Decide(r.Context(), web.Principal(r), d.ID, true, r.PostFormValue("note"), ver)
	case "return":
		err = h.svc.Decide(r.Context(), web.Principal(r), d.ID, false, r.PostFormValue("note"), ver)
	default:
		err = apperr.FieldErrors(map[string]string{"note": "请选择“审核通过”或“退回修改”"})
	}
	h.after(w, r, d, err, "_action", "saved")
}

func (h *Handlers) review(w http.ResponseWriter, r *http.Request) {
	d, ok := h.document(w, r)
	if !ok || !h.parse(w, r, d, "review_note") {
		return
	}
	err := h.svc.ReviewDocument(r.Context(), web.Principal(r), d.ID, ReviewInput{Outcome: r.PostFormValue("outcome"),
		Attribute: r.PostFormValue("review_attribute"), Ground: r.PostFormValue("review_ground"), Reason: r.PostFormValue("review_reason"),
		Note: r.PostFormValue("review_note")})
	h.after(w, r, d, err, "_action", "saved")
}

func (h *Handlers) draft(w http.ResponseWriter, r *http.Request) {
	d, ok := h.document(w, r)
	if !ok {
		return
	}
	h.after(w, r, d, h.svc.EnsureDraft(r.Context(), web.Principal(r), d.ID), "_action", "created")
}

// ---------------------------------------------------------------- report, export

func (h *Handlers) report(w http.ResponseWriter, r *http.Request) {
	year, _ := strconv.Atoi(r.URL.Query().Get("year"))
	if year < 1949 || year > 2200 {
		year = 0
	}
	rep, err := h.svc.Report(r.Context(), web.Principal(r), year)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.view(r, strconv.Itoa(rep.Year)+" 年公文登记与发布情况", web.Crumb{Label: "统计"})
	today := h.svc.Today()
	overdue := make([]map[string]any, 0, len(rep.Overdue))
	for _, d := range rep.Overdue {
		overdue = append(overdue, map[string]any{"D": d, "Days": h.svc.overdueDays(r.Context(), d, today)})
	}
	v.Data = map[string]any{"R": rep, "Overdue": overdue}
	h.app.Render.Page(w, r, http.StatusOK, "docregistry/console_report", v)
}

func (h *Handlers) export(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	docs, err := h.svc.List(r.Context(), p, filterOf(r))
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := WriteLedger(&buf, h.agency(r, p.AgencyID), docs, h.svc.Today(), h.svc.Now()); err != nil {
		h.app.Error(w, r, err)
		return
	}
	web.ServeDownload(w, "公文备案台账-"+h.svc.Today().String()+".xlsx",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", int64(buf.Len()), &buf)
}

func (h *Handlers) template(w http.ResponseWriter, r *http.Request) {
	divs, err := h.svc.Divisions(r.Context(), web.Principal(r).AgencyID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, divs); err != nil {
		h.app.Error(w, r, err)
		return
	}
	web.ServeDownload(w, "公文备案导入模板.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", int64(buf.Len()), &buf)
}

// ---------------------------------------------------------------- import

func (h *Handlers) renderImport(w http.ResponseWriter, r *http.Request, status int, res *ImportResult, ierr *ImportError, msg string) {
	v := h.view(r, "批量导入公文", web.Crumb{Label: "批量导入"})
	if msg != "" {
		v.SetErrors(map[string]string{"file": msg}, "file")
	}
	v.Data = map[string]any{"Result": res, "Error": ierr, "Columns": strings.Join(importColumns, "、"), "MaxRows": MaxImportRows}
	h.app.Render.Page(w, r, status, "docregistry/console_import", v)
}

func (h *Handlers) importForm(w http.ResponseWriter, r *http.Request) {
	h.renderImport(w, r, http.StatusOK, nil, nil, "")
}

func (h *Handlers) importFile(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.renderImport(w, r, web.Status(apperr.CodeOf(err)), nil, nil, apperr.MessageOf(err))
		return
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 || r.MultipartForm.File["file"][0].Size == 0 {
		h.renderImport(w, r, http.StatusUnprocessableEntity, nil, nil, "请选择要导入的 XLSX 文件。")
		return
	}
	hdr := r.MultipartForm.File["file"][0]
	file, err := hdr.Open()
	if err != nil {
		h.renderImport(w, r, http.StatusUnprocessableEntity, nil, nil, "上传的文件无法读取，请重新选择。")
		return
	}
	defer file.Close()
	res, err := h.svc.Import(r.Context(), web.Principal(r), hdr.Filename, file)
	var ierr *ImportError
	switch {
	case errors.As(err, &ierr):
		h.renderImport(w, r, http.StatusUnprocessableEntity, nil, ierr, ierr.Message)
	case err != nil && apperr.CodeOf(err) == apperr.TooLarge:
		h.renderImport(w, r, http.StatusRequestEntityTooLarge, nil, nil, apperr.MessageOf(err))
	case err != nil:
		h.app.Error(w, r, err)
	default:
		h.renderImport(w, r, http.StatusOK, &res, nil, "")
	}
}

// ---------------------------------------------------------------- settings

func (h *Handlers) renderSettings(w http.ResponseWriter, r *http.Request, status int, form url.Values, fields map[string]string) {
	v := h.view(r, "定期复核设置", web.Crumb{Label: "定期复核设置"})
	v.Form = form
	v.SetErrors(fields, "review_months")
	h.app.Render.Page(w, r, status, "docregistry/console_settings", v)
}

func (h *Handlers) settings(w http.ResponseWriter, r *http.Request) {
	n, err := h.svc.ReviewMonths(r.Context(), web.Principal(r).AgencyID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	h.renderSettings(w, r, http.StatusOK, url.Values{"review_months": {strconv.Itoa(n)}}, nil)
}

func (h *Handlers) saveSettings(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.renderSettings(w, r, web.Status(apperr.CodeOf(err)), url.Values{}, map[string]string{"review_months": apperr.MessageOf(err)})
		return
	}
	n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("review_months")))
	if err != nil {
		n = -1
	}
	if err := h.svc.SetReviewMonths(r.Context(), web.Principal(r), n); err != nil {
		if status, fields, ok := formStatus(err, "review_months"); ok {
			h.renderSettings(w, r, status, r.PostForm, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/documents/settings?flash=saved", http.StatusSeeOther)
}
