package normative

import (
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
	a.Handle("GET /console/normative", auth.ViewItems, h.consoleList, web.Summary("规范性文件：登记、状态、到期评估提醒"))
	a.Handle("GET /console/normative/new", auth.ManageNormative, h.consoleNew, web.Summary("登记规范性文件"))
	a.Handle("POST /console/normative", auth.ManageNormative, h.consoleCreate, web.Summary("保存规范性文件登记"))
	a.Handle("GET /console/normative/settings", auth.ViewItems, h.consoleSettings, web.Summary("规范性文件有效期设置"))
	a.Handle("POST /console/normative/settings", auth.ManageNormative, h.consoleSaveSettings, web.Summary("保存规范性文件有效期设置"))
	a.Handle("POST /console/normative/reminders/{rid}", auth.ManageNormative, h.consoleCloseReminder, web.Summary("办结到期评估提醒"))
	a.Handle("GET /console/normative/cleanups", auth.ViewItems, h.consoleCleanups, web.Summary("规范性文件清理"))
	a.Handle("POST /console/normative/cleanups", auth.ManageNormative, h.consoleCreateCleanup, web.Summary("开始规范性文件清理"))
	a.Handle("GET /console/normative/cleanups/{cid}", auth.ViewItems, h.consoleCleanup, web.Summary("清理：文件和清理意见"))
	a.Handle("POST /console/normative/cleanups/{cid}/entries", auth.ManageNormative, h.consoleAddEntries, web.Summary("将文件纳入清理"))
	a.Handle("POST /console/normative/cleanups/{cid}/entries/{item}", auth.ManageNormative, h.consoleDecide, web.Summary("保存清理意见"))
	a.Handle("POST /console/normative/cleanups/{cid}/publish", auth.ManageNormative, h.consolePublishCleanup, web.Summary("公布清理结果"))
	a.Handle("GET /console/normative/documents/{id}", auth.ViewItems, h.consoleDetail, web.Summary("规范性文件详情：状态记录、备案、评估"))
	a.Handle("GET /console/normative/documents/{id}/edit", auth.ManageNormative, h.consoleEdit, web.Summary("更正规范性文件登记信息"))
	a.Handle("POST /console/normative/documents/{id}", auth.ManageNormative, h.consoleUpdate, web.Summary("保存规范性文件登记信息的更正"))
	a.Handle("POST /console/normative/documents/{id}/status", auth.ManageNormative, h.consoleStatus, web.Summary("登记规范性文件的修改或废止"))
	a.Handle("POST /console/normative/documents/{id}/filings", auth.ManageNormative, h.consoleFiling, web.Summary("登记规范性文件备案"))
}

func (h *Handlers) consoleView(r *http.Request, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	v.Section = "normative"
	v.Breadcrumbs = append([]web.Crumb{{Label: "规范性文件", URL: "/console/normative"}}, crumbs...)
	return v
}

const msgDate = "日期格式应为 2026-01-31。"

// dateField reads a date field; a malformed one puts a message into fields.
func dateField(r *http.Request, fields map[string]string, name string) civil.Date {
	s := web.Field(r, name)
	if s == "" {
		return civil.Date{}
	}
	d, err := civil.Parse(s)
	if err != nil || len(s) != 10 {
		fields[name] = msgDate
		return civil.Date{}
	}
	return d
}

// formError turns a service error into field messages; ok is false for
// errors that deserve an error page.
func formError(err error, key string) (map[string]string, int, bool) {
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.TooLarge:
		if f := apperr.FieldsOf(err); f != nil {
			return f, http.StatusUnprocessableEntity, true
		}
		return map[string]string{key: apperr.MessageOf(err)}, web.Status(apperr.CodeOf(err)), true
	case apperr.Conflict:
		return map[string]string{key: apperr.MessageOf(err)}, http.StatusConflict, true
	}
	return nil, 0, false
}

func (h *Handlers) divisions(r *http.Request, agencyID int64) []web.Option {
	return web.OptionRows(r.Context(), h.svc.DB.R, "请选择", "SELECT id, name FROM divisions WHERE agency_id = $1 ORDER BY sort_order, id", agencyID)
}

func kindOptions() []web.Option {
	out := []web.Option{{Value: "", Label: "请选择"}}
	for _, k := range Kinds {
		out = append(out, web.Option{Value: k, Label: k})
	}
	return out
}

func statusOptions(first string) []web.Option {
	out := []web.Option{{Value: "", Label: first}}
	for _, s := range Statuses {
		out = append(out, web.Option{Value: string(s), Label: s.Label()})
	}
	return out
}

// ---------------------------------------------------------------- list

func (h *Handlers) consoleList(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	ctx := r.Context()
	st := Status(r.URL.Query().Get("status"))
	if st != "" && !st.Known() {
		h.app.ErrorPage(w, r, http.StatusBadRequest, "状态无效。")
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if runes(q) > 50 {
		h.app.ErrorPage(w, r, http.StatusBadRequest, "检索词不能超过 50 个字。")
		return
	}
	docs, err := h.svc.List(ctx, p, ListFilter{Status: st, Q: q})
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	rems, err := h.svc.Reminders(ctx, p)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	h.renderList(w, r, http.StatusOK, docs, rems, st, q, nil, 0)
}

func (h *Handlers) renderList(w http.ResponseWriter, r *http.Request, status int, docs []*Document, rems []*Reminder, st Status, q string, fields map[string]string, rid int64) {
	p := web.Principal(r)
	a, _ := h.svc.Agencies.Agency(r.Context(), p.AgencyID)
	v := h.consoleView(r, "规范性文件")
	v.Breadcrumbs = nil
	v.SetErrors(fields, "outcome")
	if status != http.StatusOK {
		v.Form = r.PostForm
	}
	v.Data = map[string]any{"Docs": docs, "Reminders": rems, "Status": string(st), "Q": q, "Statuses": statusOptions("全部状态"),
		"Today": h.svc.today(), "CanManage": auth.Allowed(p, auth.ManageNormative), "PortalURL": "/o/" + a.Slug + "/normative", "ErrorReminder": rid}
	h.app.Render.Page(w, r, status, "normative/console_list", v)
}

func (h *Handlers) consoleCloseReminder(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	rid, ok := web.PathID(r, "rid")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这条评估提醒。")
		return
	}
	err := web.ParseForm(r)
	if err == nil {
		err = h.svc.CloseReminder(r.Context(), p, rid, r.PostFormValue("outcome"))
	}
	if err == nil {
		http.Redirect(w, r, "/console/normative?flash=saved", http.StatusSeeOther)
		return
	}
	fields, status, ok := formError(err, "outcome")
	if !ok {
		h.app.Error(w, r, err)
		return
	}
	docs, err := h.svc.List(r.Context(), p, ListFilter{})
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	rems, err := h.svc.Reminders(r.Context(), p)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	h.renderList(w, r, status, docs, rems, "", "", fields, rid)
}

// ---------------------------------------------------------------- register

func inputForm(d *Document) url.Values {
	f := url.Values{"doc_number": {d.DocNumber}, "issuers": {strings.Join(d.Issuers, "\n")}, "kind": {d.Kind},
		"signed_on": {d.SignedOn.String()}, "published_on": {d.PublishedOn.String()}, "effective_on": {d.EffectiveOn.String()},
		"expires_on": {d.ExpiresOn.String()}, "period_reason": {d.PeriodReason}, "division": {strconv.FormatInt(d.DivisionID, 10)},
		"version": {strconv.Itoa(d.Version)}, "item": {strconv.FormatInt(d.ItemID, 10)}}
	if d.Interim {
		f.Set("interim", "1")
	}
	return f
}

func (h *Handlers) consoleNew(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	ctx := r.Context()
	s := r.URL.Query().Get("item")
	if s == "" {
		items, err := h.svc.Candidates(ctx, p)
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		v := h.consoleView(r, "登记规范性文件", web.Crumb{Label: "登记规范性文件"})
		v.Data = map[string]any{"Items": items}
		h.app.Render.Page(w, r, http.StatusOK, "normative/console_pick", v)
		return
	}
	itemID, err := strconv.ParseInt(s, 10, 64)
	if err != nil || itemID <= 0 {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这条信息。")
		return
	}
	it, err := h.svc.CandidateItem(ctx, p, itemID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	kind, interim := GuessKind(it.Title)
	a, _ := h.svc.Agencies.Agency(ctx, p.AgencyID)
	issuer := it.Publisher
	if issuer == "" {
		issuer = a.Name
	}
	signed := it.SignedOn
	if signed.IsZero() {
		signed = it.PublishedOn
	}
	d := &Document{ItemID: it.ID, DocNumber: it.DocNumber, Issuers: []string{issuer}, Kind: kind, Interim: interim, SignedOn: signed,
		PublishedOn: it.PublishedOn, EffectiveOn: it.PublishedOn}
	f := inputForm(d)
	f.Set("expires_on", "")
	h.renderForm(w, r, http.StatusOK, it, nil, f, nil)
}

func (h *Handlers) renderForm(w http.ResponseWriter, r *http.Request, status int, it ItemRef, d *Document, form url.Values, fields map[string]string) {
	p := web.Principal(r)
	title := "登记规范性文件"
	if d != nil {
		title = "更正登记信息"
	}
	crumbs := []web.Crumb{{Label: title}}
	if d != nil {
		crumbs = []web.Crumb{{Label: d.DocNumber, URL: "/console/normative/documents/" + strconv.FormatInt(d.ItemID, 10)}, {Label: title}}
	}
	v := h.consoleView(r, title, crumbs...)
	v.SetErrors(fields, "item", "doc_number", "issuers", "kind", "signed_on", "published_on", "effective_on", "expires_on", "period_reason", "division")
	v.Form = form
	st, err := h.svc.Settings(r.Context(), p)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v.Data = map[string]any{"Item": it, "Doc": d, "Kinds": kindOptions(), "Divisions": h.divisions(r, p.AgencyID), "Settings": st}
	h.app.Render.Page(w, r, status, "normative/console_form", v)
}

// readInput reads the registration form; parse errors go into fields.
func readInput(r *http.Request, fields map[string]string) Input {
	return Input{ItemID: web.FieldID(r, "item"), DocNumber: web.Field(r, "doc_number"), Issuers: r.PostFormValue("issuers"),
		Kind: web.Field(r, "kind"), Interim: r.PostFormValue("interim") != "", SignedOn: dateField(r, fields, "signed_on"),
		PublishedOn: dateField(r, fields, "published_on"), EffectiveOn: dateField(r, fields, "effective_on"),
		ExpiresOn: dateField(r, fields, "expires_on"), PeriodReason: r.PostFormValue("period_reason"), DivisionID: web.FieldID(r, "division")}
}

func merge(a, b map[string]string) map[string]string {
	if a == nil {
		a = map[string]string{}
	}
	for k, v := range b {
		a[k] = v
	}
	return a
}

func (h *Handlers) consoleCreate(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	ctx := r.Context()
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	parse := map[string]string{}
	in := readInput(r, parse)
	it, err := h.svc.CandidateItem(ctx, p, in.ItemID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	if len(parse) == 0 {
		_, err = h.svc.Register(ctx, p, in)
		if err == nil {
			http.Redirect(w, r, "/console/normative/documents/"+strconv.FormatInt(it.ID, 10)+"?flash=created", http.StatusSeeOther)
			return
		}
	} else {
		err = apperr.FieldErrors(parse)
	}
	fields, status, ok := formError(err, "doc_number")
	if !ok {
		h.app.Error(w, r, err)
		return
	}
	// Service messages, then the more precise parse messages.
	if len(parse) > 0 && err != nil {
		st, _ := h.svc.Settings(ctx, p)
		f, _, _ := in.Validate(st)
		fields = merge(f, parse)
	}
	h.renderForm(w, r, status, it, nil, r.PostForm, fields)
}

func (h *Handlers) docOf(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这份规范性文件。")
	}
	return id, ok
}

func (h *Handlers) consoleEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := h.docOf(w, r)
	if !ok {
		return
	}
	d, err := h.svc.Detail(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	h.renderForm(w, r, http.StatusOK, d.Item, d.Document, inputForm(d.Document), nil)
}

func (h *Handlers) consoleUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := h.docOf(w, r)
	if !ok {
		return
	}
	p := web.Principal(r)
	ctx := r.Context()
	d, err := h.svc.Detail(ctx, p, id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	parse := map[string]string{}
	in := readInput(r, parse)
	in.ItemID = id
	version, _ := strconv.Atoi(web.Field(r, "version"))
	if len(parse) == 0 {
		_, err = h.svc.Update(ctx, p, id, version, in)
		if err == nil {
			http.Redirect(w, r, "/console/normative/documents/"+strconv.FormatInt(id, 10)+"?flash=saved", http.StatusSeeOther)
			return
		}
	} else {
		st, _ := h.svc.Settings(ctx, p)
		f, _, _ := in.Validate(st)
		err = apperr.FieldErrors(merge(f, parse))
	}
	fields, status, ok := formError(err, "doc_number")
	if !ok {
		h.app.Error(w, r, err)
		return
	}
	h.renderForm(w, r, status, d.Item, d.Document, r.PostForm, fields)
}

// ---------------------------------------------------------------- detail

func (h *Handlers) consoleDetail(w http.ResponseWriter, r *http.Request) {
	id, ok := h.docOf(w, r)
	if !ok {
		return
	}
	h.renderDetail(w, r, id, http.StatusOK, "", nil)
}

func (h *Handlers) renderDetail(w http.ResponseWriter, r *http.Request, id int64, status int, form string, fields map[string]string) {
	p := web.Principal(r)
	ctx := r.Context()
	d, err := h.svc.Detail(ctx, p, id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	related, err := h.svc.Related(ctx, p, id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	opts := []web.Option{{Value: "", Label: "请选择"}}
	for _, o := range related {
		opts = append(opts, web.Option{Value: strconv.FormatInt(o.ItemID, 10), Label: o.DocNumber + " " + o.Item.Title})
	}
	v := h.consoleView(r, d.Item.Title, web.Crumb{Label: d.DocNumber})
	v.SetErrors(fields, "to", "on", "related", "related_index", "reason", "filed_with", "filed_on", "filing_number", "note")
	if status != http.StatusOK {
		v.Form = r.PostForm
	}
	v.Data = map[string]any{"D": d, "Related": opts, "Today": h.svc.today().String(), "CanManage": auth.Allowed(p, auth.ManageNormative),
		"ChangeOptions": []web.Option{{Value: "", Label: "请选择"}, {Value: string(Amended), Label: "已修改"}, {Value: string(Repealed), Label: "已废止"}},
		"ErrorForm":     form}
	h.app.Render.Page(w, r, status, "normative/console_detail", v)
}

func (h *Handlers) consoleStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := h.docOf(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	parse := map[string]string{}
	ch := Change{To: Status(web.Field(r, "to")), On: dateField(r, parse, "on"), Reason: r.PostFormValue("reason"),
		RelatedItemID: web.FieldID(r, "related"), RelatedIndex: web.Field(r, "related_index")}
	var err error
	if len(parse) == 0 {
		err = h.svc.ChangeStatus(r.Context(), web.Principal(r), id, ch)
		if err == nil {
			http.Redirect(w, r, "/console/normative/documents/"+strconv.FormatInt(id, 10)+"?flash=saved", http.StatusSeeOther)
			return
		}
	} else {
		err = apperr.FieldErrors(parse)
	}
	fields, status, ok := formError(err, "to")
	if !ok {
		h.app.Error(w, r, err)
		return
	}
	h.renderDetail(w, r, id, status, "status", fields)
}

func (h *Handlers) consoleFiling(w http.ResponseWriter, r *http.Request) {
	id, ok := h.docOf(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	parse := map[string]string{}
	fl := Filing{FiledWith: r.PostFormValue("filed_with"), FiledOn: dateField(r, parse, "filed_on"), FilingNumber: r.PostFormValue("filing_number"),
		Note: r.PostFormValue("note")}
	var err error
	if len(parse) == 0 {
		err = h.svc.AddFiling(r.Context(), web.Principal(r), id, fl)
		if err == nil {
			http.Redirect(w, r, "/console/normative/documents/"+strconv.FormatInt(id, 10)+"?flash=saved#filings", http.StatusSeeOther)
			return
		}
	} else {
		err = apperr.FieldErrors(parse)
	}
	fields, status, ok := formError(err, "filed_with")
	if !ok {
		h.app.Error(w, r, err)
		return
	}
	h.renderDetail(w, r, id, status, "filing", fields)
}

// ---------------------------------------------------------------- settings

func (h *Handlers) consoleSettings(w http.ResponseWriter, r *http.Request) {
	st, err := h.svc.Settings(r.Context(), web.Principal(r))
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	h.renderSettings(w, r, http.StatusOK, st, nil)
}

func (h *Handlers) renderSettings(w http.ResponseWriter, r *http.Request, status int, st Settings, fields map[string]string) {
	v := h.consoleView(r, "有效期设置", web.Crumb{Label: "有效期设置"})
	v.SetErrors(fields, "years_default", "years_interim", "years_notice", "remind_months")
	if status != http.StatusOK {
		v.Form = r.PostForm
	} else {
		v.Form = url.Values{"years_default": {strconv.Itoa(st.YearsDefault)}, "years_interim": {strconv.Itoa(st.YearsInterim)},
			"years_notice": {strconv.Itoa(st.YearsNotice)}, "remind_months": {strconv.Itoa(st.RemindMonths)}}
	}
	v.Data = map[string]any{"S": st, "CanManage": auth.Allowed(web.Principal(r), auth.ManageNormative)}
	h.app.Render.Page(w, r, status, "normative/console_settings", v)
}

func (h *Handlers) consoleSaveSettings(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	n := func(name string) int {
		v, err := strconv.Atoi(web.Field(r, name))
		if err != nil {
			return -1
		}
		return v
	}
	st := Settings{YearsDefault: n("years_default"), YearsInterim: n("years_interim"), YearsNotice: n("years_notice"), RemindMonths: n("remind_months")}
	err := h.svc.SaveSettings(r.Context(), web.Principal(r), st)
	if err == nil {
		http.Redirect(w, r, "/console/normative/settings?flash=saved", http.StatusSeeOther)
		return
	}
	fields, status, ok := formError(err, "years_default")
	if !ok {
		h.app.Error(w, r, err)
		return
	}
	h.renderSettings(w, r, status, st, fields)
}

// ---------------------------------------------------------------- cleanups

func (h *Handlers) consoleCleanups(w http.ResponseWriter, r *http.Request) {
	h.renderCleanups(w, r, http.StatusOK, nil)
}

func (h *Handlers) renderCleanups(w http.ResponseWriter, r *http.Request, status int, fields map[string]string) {
	p := web.Principal(r)
	list, err := h.svc.Cleanups(r.Context(), p)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.consoleView(r, "规范性文件清理", web.Crumb{Label: "清理"})
	v.SetErrors(fields, "title", "basis")
	if status != http.StatusOK {
		v.Form = r.PostForm
	}
	v.Data = map[string]any{"List": list, "CanManage": auth.Allowed(p, auth.ManageNormative)}
	h.app.Render.Page(w, r, status, "normative/console_cleanups", v)
}

func (h *Handlers) consoleCreateCleanup(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	cid, err := h.svc.CreateCleanup(r.Context(), web.Principal(r), r.PostFormValue("title"), r.PostFormValue("basis"))
	if err == nil {
		http.Redirect(w, r, "/console/normative/cleanups/"+strconv.FormatInt(cid, 10)+"?flash=created", http.StatusSeeOther)
		return
	}
	fields, status, ok := formError(err, "title")
	if !ok {
		h.app.Error(w, r, err)
		return
	}
	h.renderCleanups(w, r, status, fields)
}

func (h *Handlers) cleanupOf(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, ok := web.PathID(r, "cid")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这次清理。")
	}
	return id, ok
}

func (h *Handlers) consoleCleanup(w http.ResponseWriter, r *http.Request) {
	cid, ok := h.cleanupOf(w, r)
	if !ok {
		return
	}
	h.renderCleanup(w, r, cid, http.StatusOK, 0, nil)
}

func (h *Handlers) renderCleanup(w http.ResponseWriter, r *http.Request, cid int64, status int, errItem int64, fields map[string]string) {
	p := web.Principal(r)
	ctx := r.Context()
	c, err := h.svc.Cleanup(ctx, p, cid)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	var addable []*Document
	if !c.Published {
		docs, err := h.svc.List(ctx, p, ListFilter{})
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		in := map[int64]bool{}
		for _, e := range c.Entries {
			in[e.ItemID] = true
		}
		for _, d := range docs {
			if !in[d.ItemID] && d.Status != Repealed && d.Status != Expired {
				addable = append(addable, d)
			}
		}
	}
	v := h.consoleView(r, c.Title, web.Crumb{Label: "清理", URL: "/console/normative/cleanups"}, web.Crumb{Label: c.Title})
	v.SetErrors(fields, "items", "decision", "reason", "published_on")
	if status != http.StatusOK {
		v.Form = r.PostForm
	}
	decisions := []web.Option{{Value: "", Label: "请选择"}}
	for _, d := range Decisions {
		decisions = append(decisions, web.Option{Value: string(d), Label: d.Label()})
	}
	v.Data = map[string]any{"C": c, "Addable": addable, "Decisions": decisions, "Counts": c.Counts(), "Today": h.svc.today().String(),
		"CanManage": auth.Allowed(p, auth.ManageNormative), "ErrorItem": errItem}
	h.app.Render.Page(w, r, status, "normative/console_cleanup", v)
}

func (h *Handlers) cleanupResult(w http.ResponseWriter, r *http.Request, cid, item int64, key string, err error) {
	if err == nil {
		http.Redirect(w, r, "/console/normative/cleanups/"+strconv.FormatInt(cid, 10)+"?flash=saved", http.StatusSeeOther)
		return
	}
	fields, status, ok := formError(err, key)
	if !ok {
		h.app.Error(w, r, err)
		return
	}
	h.renderCleanup(w, r, cid, status, item, fields)
}

func (h *Handlers) consoleAddEntries(w http.ResponseWriter, r *http.Request) {
	cid, ok := h.cleanupOf(w, r)
	if !ok {
		return
	}
	err := web.ParseForm(r)
	if err == nil {
		var ids []int64
		for _, s := range r.PostForm["items"] {
			n, perr := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if perr != nil || n <= 0 {
				err = apperr.FieldErrors(map[string]string{"items": "请从列表中选择文件。"})
				break
			}
			ids = append(ids, n)
		}
		if err == nil {
			err = h.svc.AddToCleanup(r.Context(), web.Principal(r), cid, ids)
		}
	}
	h.cleanupResult(w, r, cid, 0, "items", err)
}

func (h *Handlers) consoleDecide(w http.ResponseWriter, r *http.Request) {
	cid, ok := h.cleanupOf(w, r)
	if !ok {
		return
	}
	item, ok := web.PathID(r, "item")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "这份文件不在本次清理中。")
		return
	}
	err := web.ParseForm(r)
	if err == nil {
		err = h.svc.Decide(r.Context(), web.Principal(r), cid, item, Decision(web.Field(r, "decision")), r.PostFormValue("reason"))
	}
	h.cleanupResult(w, r, cid, item, "decision", err)
}

func (h *Handlers) consolePublishCleanup(w http.ResponseWriter, r *http.Request) {
	cid, ok := h.cleanupOf(w, r)
	if !ok {
		return
	}
	err := web.ParseForm(r)
	if err == nil {
		parse := map[string]string{}
		on := dateField(r, parse, "published_on")
		if len(parse) > 0 {
			err = apperr.FieldErrors(parse)
		} else {
			err = h.svc.PublishCleanup(r.Context(), web.Principal(r), cid, on)
		}
	}
	h.cleanupResult(w, r, cid, 0, "published_on", err)
}
