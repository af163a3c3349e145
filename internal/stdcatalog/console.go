package stdcatalog

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/web"
)

func (h *Handlers) registerConsole() {
	a := h.app
	a.Handle("GET /console/standards", auth.ViewItems, h.consoleList, web.Summary("公开标准目录"))
	a.Handle("GET /console/standards/new", auth.ManageStandards, h.consoleNew, web.Summary("新增目录事项"))
	a.Handle("POST /console/standards", auth.ManageStandards, h.consoleCreate, web.Summary("保存新增的目录事项"))
	a.Handle("GET /console/standards/export.xlsx", auth.ViewItems, h.consoleExport, web.Summary("导出公开标准目录（XLSX，标准格式）"))
	a.Handle("GET /console/standards/import", auth.ManageStandards, h.consoleImportForm, web.Summary("导入公开标准目录"))
	a.Handle("POST /console/standards/import", auth.ManageStandards, h.consoleImport, web.Summary("导入公开标准目录：上传"), web.Upload())
	a.Handle("GET /console/standards/lists", auth.ViewItems, h.consoleLists, web.Summary("权责清单和公共服务事项清单"))
	a.Handle("POST /console/standards/lists", auth.ManageStandards, h.consoleImportList, web.Summary("导入权责清单或公共服务事项清单"), web.Upload())
	a.Handle("GET /console/standards/coverage", auth.ViewItems, h.consoleCoverage, web.Summary("公开标准目录落实情况监测"))
	a.Handle("GET /console/standards/{id}", auth.ViewItems, h.consoleDetail, web.Summary("目录事项详情、关联信息和调整记录"))
	a.Handle("GET /console/standards/{id}/edit", auth.ManageStandards, h.consoleEdit, web.Summary("调整目录事项"))
	a.Handle("POST /console/standards/{id}", auth.ManageStandards, h.consoleUpdate, web.Summary("保存目录事项的调整"))
	a.Handle("POST /console/standards/{id}/remove", auth.ManageStandards, h.consoleRemove, web.Summary("将事项移出目录"))
	a.Handle("POST /console/standards/{id}/links", auth.ManageStandards, h.consoleLink, web.Summary("关联履行本事项的信息"))
	a.Handle("POST /console/standards/{id}/links/{item}/delete", auth.ManageStandards, h.consoleUnlink, web.Summary("取消关联信息"))
}

func (h *Handlers) consoleView(r *http.Request, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	v.Section = "standards"
	v.Breadcrumbs = append([]web.Crumb{{Label: "公开标准目录", URL: "/console/standards"}}, crumbs...)
	return v
}

// formError turns a service error into field messages; ok is false for
// errors that deserve an error page.
func formError(err error, key string) (map[string]string, int, bool) {
	switch apperr.CodeOf(err) {
	case apperr.Invalid:
		if f := apperr.FieldsOf(err); f != nil {
			return f, http.StatusUnprocessableEntity, true
		}
		return map[string]string{key: apperr.MessageOf(err)}, http.StatusUnprocessableEntity, true
	case apperr.TooLarge:
		return map[string]string{key: apperr.MessageOf(err)}, http.StatusRequestEntityTooLarge, true
	case apperr.Conflict:
		return map[string]string{key: apperr.MessageOf(err)}, http.StatusConflict, true
	}
	return nil, 0, false
}

// parseStatus is the status of a form that could not be read: too large,
// or not valid text.
func parseStatus(err error) int {
	if apperr.CodeOf(err) == apperr.TooLarge {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusUnprocessableEntity
}

func (h *Handlers) divisionOptions(r *http.Request) []web.Option {
	return web.OptionRows(r.Context(), h.svc.DB.R, "请选择", "SELECT id, name FROM divisions WHERE agency_id = $1 ORDER BY sort_order, id", web.Principal(r).AgencyID)
}

func (h *Handlers) listOptions(r *http.Request) []web.Option {
	out := []web.Option{{Value: "", Label: "（不关联）"}}
	items, err := h.svc.ListItems(r.Context(), web.Principal(r), "")
	if err != nil {
		return out
	}
	for _, it := range items {
		out = append(out, web.Option{Value: strconv.FormatInt(it.ID, 10), Label: it.List.Label() + "：" + it.Ref()})
	}
	return out
}

// ---------------------------------------------------------------- list

type listData struct {
	List      []*Entry
	L1s       []string
	L1        string
	Query     string
	CanManage bool
	PublicURL string
}

func (h *Handlers) consoleList(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	q := r.URL.Query()
	f := Filter{L1: strings.TrimSpace(q.Get("l1")), Query: strings.TrimSpace(q.Get("q"))}
	if len([]rune(f.Query)) > 100 || len([]rune(f.L1)) > maxName || web.Unreadable(f.Query) || web.Unreadable(f.L1) {
		h.app.ErrorPage(w, r, http.StatusBadRequest, "筛选条件无效。")
		return
	}
	list, err := h.svc.List(r.Context(), p, f)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	l1s, err := h.svc.L1s(r.Context(), p.AgencyID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	d := &listData{List: list, L1s: l1s, L1: f.L1, Query: f.Query, CanManage: allowed(p, auth.ManageStandards)}
	if a, err := h.svc.Agencies.Agency(r.Context(), p.AgencyID); err == nil {
		d.PublicURL = URL(a.Slug)
	}
	v := h.consoleView(r, "公开标准目录")
	v.Breadcrumbs = nil
	v.Data = d
	h.app.Render.Page(w, r, http.StatusOK, "stdcatalog/console_list", v)
}

// ---------------------------------------------------------------- create and edit

type entryData struct {
	E           *Entry
	Action      string
	Divisions   []web.Option
	ListItems   []web.Option
	Channels    []Choice
	Audiences   []Choice
	Modes       []Choice
	Levels      []Choice
	FivePublics []Choice
	RuleKinds   []web.Option
}

var ruleKinds = []web.Option{{Value: "none", Label: "无固定时限（不监测）"}, {Value: "formed", Label: "信息形成（变更）之日起 N 个工作日内"}, {Value: "annual", Label: "每年固定日期前"}}

func (h *Handlers) renderEntry(w http.ResponseWriter, r *http.Request, e *Entry, status int, form url.Values, fields map[string]string) {
	title := "新增目录事项"
	action := "/console/standards"
	crumb := web.Crumb{Label: "新增"}
	if e != nil {
		title = "调整目录事项"
		action = "/console/standards/" + strconv.FormatInt(e.ID, 10)
		crumb = web.Crumb{Label: e.Name(), URL: action}
	}
	v := h.consoleView(r, title, crumb)
	v.Form = form
	v.SetErrors(fields, FieldOrder...)
	v.Data = &entryData{E: e, Action: action, Divisions: h.divisionOptions(r), ListItems: h.listOptions(r), Channels: Channels, Audiences: Audiences,
		Modes: Modes, Levels: Levels, FivePublics: FivePublics, RuleKinds: ruleKinds}
	h.app.Render.Page(w, r, status, "stdcatalog/console_entry", v)
}

// formOf is an entry as form values.
func formOf(e *Entry) url.Values {
	f := url.Values{"seq": {strconv.Itoa(e.Seq)}, "l1": {e.L1}, "l2": {e.L2}, "content": {e.Content}, "basis": {e.Basis}, "time_limit": {e.TimeLimit},
		"rule_kind": {string(e.Rule.Kind)}, "subject": {e.Subject}, "channels": e.Channels, "audiences": e.Audiences, "modes": e.Modes,
		"levels": e.Levels, "five_publics": e.FivePublics, "division": {strconv.FormatInt(e.DivisionID, 10)},
		"list_item": {strconv.FormatInt(e.ListItemID, 10)}, "version": {strconv.Itoa(e.Version)}}
	if e.Rule.Kind == RuleFormed {
		f.Set("rule_days", strconv.Itoa(e.Rule.Days))
	}
	if e.Rule.Kind == RuleAnnual {
		f.Set("rule_date", fmt.Sprintf("%02d-%02d", e.Rule.Month, e.Rule.Day))
	}
	if !e.MonitorFrom.IsZero() {
		f.Set("monitor_from", e.MonitorFrom.String())
	}
	return f
}

func fieldsFrom(r *http.Request) Fields {
	f := Fields{L1: r.PostFormValue("l1"), L2: r.PostFormValue("l2"), Content: r.PostFormValue("content"), Basis: r.PostFormValue("basis"),
		TimeLimit: r.PostFormValue("time_limit"), RuleKind: web.Field(r, "rule_kind"), RuleDays: web.Field(r, "rule_days"), RuleDate: web.Field(r, "rule_date"),
		MonitorFrom: web.Field(r, "monitor_from"), Subject: r.PostFormValue("subject"), Channels: r.PostForm["channels"], Audiences: r.PostForm["audiences"],
		Modes: r.PostForm["modes"], Levels: r.PostForm["levels"], FivePublics: r.PostForm["five_publics"],
		DivisionID: web.FieldID(r, "division"), ListItemID: web.FieldID(r, "list_item")}
	if f.RuleKind == "" {
		f.RuleKind = string(RuleNone)
	}
	if s := web.Field(r, "seq"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			n = -1
		}
		f.Seq = n
	}
	if s := web.Field(r, "list_item"); s != "" && s != "0" && f.ListItemID == 0 {
		f.ListItemID = -1 // malformed: resolve says so
	}
	return f
}

func (h *Handlers) consoleNew(w http.ResponseWriter, r *http.Request) {
	form := url.Values{"rule_kind": {"formed"}, "rule_days": {"20"}, "time_limit": {"信息形成（变更）之日起20个工作日内"},
		"channels": {"website"}, "audiences": {"public"}, "modes": {"proactive"}, "levels": {"city"}}
	if a, err := h.svc.Agencies.Agency(r.Context(), web.Principal(r).AgencyID); err == nil {
		form.Set("subject", a.Name)
	}
	h.renderEntry(w, r, nil, http.StatusOK, form, nil)
}

func (h *Handlers) consoleCreate(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.renderEntry(w, r, nil, parseStatus(err), url.Values{}, map[string]string{"l1": apperr.MessageOf(err)})
		return
	}
	e, err := h.svc.Create(r.Context(), web.Principal(r), fieldsFrom(r), r.PostFormValue("reason"))
	if err != nil {
		if fields, status, ok := formError(err, "l1"); ok {
			h.renderEntry(w, r, nil, status, r.PostForm, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/standards/"+strconv.FormatInt(e.ID, 10)+"?flash=created", http.StatusSeeOther)
}

func (h *Handlers) entry(w http.ResponseWriter, r *http.Request) (*Entry, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个目录事项。")
		return nil, false
	}
	e, err := h.svc.Get(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	return e, true
}

func (h *Handlers) consoleEdit(w http.ResponseWriter, r *http.Request) {
	if e, ok := h.entry(w, r); ok {
		h.renderEntry(w, r, e, http.StatusOK, formOf(e), nil)
	}
}

func (h *Handlers) consoleUpdate(w http.ResponseWriter, r *http.Request) {
	e, ok := h.entry(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.renderEntry(w, r, e, parseStatus(err), formOf(e), map[string]string{"l1": apperr.MessageOf(err)})
		return
	}
	version, _ := strconv.Atoi(web.Field(r, "version"))
	err := h.svc.Update(r.Context(), web.Principal(r), e.ID, version, fieldsFrom(r), r.PostFormValue("reason"))
	if err != nil {
		if fields, status, ok := formError(err, "reason"); ok {
			h.renderEntry(w, r, e, status, r.PostForm, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/standards/"+strconv.FormatInt(e.ID, 10)+"?flash=saved", http.StatusSeeOther)
}

// ---------------------------------------------------------------- detail, links, removal

type detailData struct {
	E         *Entry
	Linked    []ItemRef
	Changes   []Change
	Query     string
	Results   []ItemRef
	Searched  bool
	CanManage bool
	PublicURL string
	Gaps      []Gap
}

func (h *Handlers) renderDetail(w http.ResponseWriter, r *http.Request, e *Entry, status int, form url.Values, fields map[string]string) {
	p := web.Principal(r)
	ctx := r.Context()
	d := &detailData{E: e, CanManage: allowed(p, auth.ManageStandards)}
	var err error
	if d.Linked, err = h.svc.Linked(ctx, p, e.ID); err != nil {
		h.app.Error(w, r, err)
		return
	}
	if d.Changes, err = h.svc.Changes(ctx, p, e.ID); err != nil {
		h.app.Error(w, r, err)
		return
	}
	if cal, err := h.svc.Calendar.Calendar(ctx); err == nil {
		d.Gaps = GapsOf(e, d.Linked, cal, h.svc.Today())
	}
	if a, err := h.svc.Agencies.Agency(ctx, e.AgencyID); err == nil {
		d.PublicURL = EntryURL(a.Slug, e.ID)
	}
	if q, ok := r.URL.Query()["q"]; ok && fields == nil {
		d.Query, d.Searched = strings.TrimSpace(q[0]), true
		d.Results, err = h.svc.SearchItems(ctx, p, d.Query)
		if err != nil {
			f, st, ok := formError(err, "q")
			if !ok {
				h.app.Error(w, r, err)
				return
			}
			fields, status, d.Searched = f, st, false
		}
		linked := map[int64]bool{}
		for _, it := range d.Linked {
			linked[it.ID] = true
		}
		var keep []ItemRef
		for _, it := range d.Results {
			if !linked[it.ID] {
				keep = append(keep, it)
			}
		}
		d.Results = keep
	}
	v := h.consoleView(r, e.Name(), web.Crumb{Label: e.Name()})
	v.Form = form
	v.SetErrors(fields, "q", "item_id", "reason")
	v.Data = d
	h.app.Render.Page(w, r, status, "stdcatalog/console_detail", v)
}

func (h *Handlers) consoleDetail(w http.ResponseWriter, r *http.Request) {
	if e, ok := h.entry(w, r); ok {
		h.renderDetail(w, r, e, http.StatusOK, nil, nil)
	}
}

// afterPost redirects on success or shows the detail page with the error.
func (h *Handlers) afterPost(w http.ResponseWriter, r *http.Request, e *Entry, err error, field, flash, to string) {
	if err == nil {
		if to == "" {
			to = "/console/standards/" + strconv.FormatInt(e.ID, 10)
		}
		http.Redirect(w, r, to+"?flash="+flash, http.StatusSeeOther)
		return
	}
	fields, status, ok := formError(err, field)
	if !ok {
		h.app.Error(w, r, err)
		return
	}
	h.renderDetail(w, r, e, status, r.PostForm, fields)
}

func (h *Handlers) consoleRemove(w http.ResponseWriter, r *http.Request) {
	e, ok := h.entry(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.afterPost(w, r, e, err, "reason", "", "")
		return
	}
	h.afterPost(w, r, e, h.svc.Remove(r.Context(), web.Principal(r), e.ID, r.PostFormValue("reason")), "reason", "deleted", "/console/standards")
}

func (h *Handlers) consoleLink(w http.ResponseWriter, r *http.Request) {
	e, ok := h.entry(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.afterPost(w, r, e, err, "item_id", "", "")
		return
	}
	var ids []int64
	for _, s := range r.PostForm["item_id"] {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || n <= 0 {
			h.afterPost(w, r, e, apperr.FieldErrors(map[string]string{"item_id": "请选择要关联的信息。"}), "item_id", "", "")
			return
		}
		ids = append(ids, n)
	}
	h.afterPost(w, r, e, h.svc.Link(r.Context(), web.Principal(r), e.ID, ids...), "item_id", "saved", "")
}

func (h *Handlers) consoleUnlink(w http.ResponseWriter, r *http.Request) {
	e, ok := h.entry(w, r)
	if !ok {
		return
	}
	itemID, ok := web.PathID(r, "item")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "该信息没有关联到这个事项。")
		return
	}
	h.afterPost(w, r, e, h.svc.Unlink(r.Context(), web.Principal(r), e.ID, itemID), "item_id", "saved", "")
}

// ---------------------------------------------------------------- export and import

func (h *Handlers) consoleExport(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="standards.xlsx"; filename*=UTF-8''`+url.PathEscape("公开标准目录.xlsx"))
	w.Header().Set("Cache-Control", "private, no-store")
	if err := h.svc.Export(r.Context(), web.Principal(r), w); err != nil {
		w.Header().Del("Content-Disposition")
		h.app.Error(w, r, err)
	}
}

type importData struct {
	Report    *ImportReport
	List      *ListReport
	Refusal   string
	Rows      []RowError
	Layout    []string
	ListCols  string
	Items     []ListItem
	CanManage bool
}

func catalogueLayout() []string {
	out := make([]string, len(layout))
	for i, c := range layout {
		out[i] = c.name()
	}
	return out
}

func (h *Handlers) renderImport(w http.ResponseWriter, r *http.Request, status int, d *importData, form url.Values, fields map[string]string) {
	v := h.consoleView(r, "导入公开标准目录", web.Crumb{Label: "导入"})
	d.Layout = catalogueLayout()
	v.Form = form
	v.SetErrors(fields, "file", "reason")
	v.Data = d
	h.app.Render.Page(w, r, status, "stdcatalog/console_import", v)
}

func (h *Handlers) consoleImportForm(w http.ResponseWriter, r *http.Request) {
	h.renderImport(w, r, http.StatusOK, &importData{}, nil, nil)
}

// upload opens the one file of a multipart form.
func upload(r *http.Request) (name string, f interface {
	Read([]byte) (int, error)
	Close() error
}, msg string) {
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 || r.MultipartForm.File["file"][0].Size == 0 {
		return "", nil, "请选择文件。"
	}
	fh := r.MultipartForm.File["file"][0]
	file, err := fh.Open()
	if err != nil {
		return "", nil, "上传的文件无法读取，请重新选择。"
	}
	return fh.Filename, file, ""
}

// refusal shows an import refused as a whole: the message at the file
// field, the bad rows by line.
func refusal(err error, d *importData) (map[string]string, int, bool) {
	var ie *ImportError
	if errors.As(err, &ie) {
		d.Refusal, d.Rows = ie.Message, ie.Rows
		return map[string]string{"file": ie.Message}, http.StatusUnprocessableEntity, true
	}
	return formError(err, "file")
}

func (h *Handlers) consoleImport(w http.ResponseWriter, r *http.Request) {
	d := &importData{}
	if err := web.ParseForm(r); err != nil {
		h.renderImport(w, r, parseStatus(err), d, nil, map[string]string{"file": apperr.MessageOf(err)})
		return
	}
	form := url.Values{"reason": {r.PostFormValue("reason")}, "remove_missing": r.PostForm["remove_missing"]}
	if r.MultipartForm != nil {
		form.Set("reason", strings.Join(r.MultipartForm.Value["reason"], ""))
		form["remove_missing"] = r.MultipartForm.Value["remove_missing"]
	}
	name, f, msg := upload(r)
	if msg != "" {
		h.renderImport(w, r, http.StatusUnprocessableEntity, d, form, map[string]string{"file": msg})
		return
	}
	defer f.Close()
	fail := func(err error) {
		if fields, status, ok := refusal(err, d); ok {
			h.renderImport(w, r, status, d, form, fields)
			return
		}
		h.app.Error(w, r, err)
	}
	rows, err := ParseCatalogue(name, f)
	if err != nil {
		fail(err)
		return
	}
	rep, err := h.svc.Import(r.Context(), web.Principal(r), rows, form.Get("reason"), form.Get("remove_missing") == "1")
	if err != nil {
		fail(err)
		return
	}
	d.Report = &rep
	h.renderImport(w, r, http.StatusOK, d, url.Values{}, nil)
}

// ---------------------------------------------------------------- lists

func (h *Handlers) renderLists(w http.ResponseWriter, r *http.Request, status int, d *importData, form url.Values, fields map[string]string) {
	p := web.Principal(r)
	items, err := h.svc.ListItems(r.Context(), p, "")
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	d.Items, d.ListCols, d.CanManage = items, ListLayout(), allowed(p, auth.ManageStandards)
	v := h.consoleView(r, "权责清单和公共服务事项清单", web.Crumb{Label: "权责清单和公共服务事项清单"})
	if form == nil {
		form = url.Values{"list": {string(PowerList)}}
	}
	v.Form = form
	v.SetErrors(fields, "list", "file")
	v.Data = d
	h.app.Render.Page(w, r, status, "stdcatalog/console_lists", v)
}

func (h *Handlers) consoleLists(w http.ResponseWriter, r *http.Request) {
	h.renderLists(w, r, http.StatusOK, &importData{}, nil, nil)
}

func (h *Handlers) consoleImportList(w http.ResponseWriter, r *http.Request) {
	d := &importData{}
	if err := web.ParseForm(r); err != nil {
		h.renderLists(w, r, parseStatus(err), d, nil, map[string]string{"file": apperr.MessageOf(err)})
		return
	}
	kind := ListKind(r.PostFormValue("list"))
	if r.MultipartForm != nil && len(r.MultipartForm.Value["list"]) > 0 {
		kind = ListKind(r.MultipartForm.Value["list"][0])
	}
	form := url.Values{"list": {string(kind)}}
	if kind != PowerList && kind != ServiceList {
		h.renderLists(w, r, http.StatusUnprocessableEntity, d, form, map[string]string{"list": "请选择清单类型。"})
		return
	}
	name, f, msg := upload(r)
	if msg != "" {
		h.renderLists(w, r, http.StatusUnprocessableEntity, d, form, map[string]string{"file": msg})
		return
	}
	defer f.Close()
	fail := func(err error) {
		if fields, status, ok := refusal(err, d); ok {
			h.renderLists(w, r, status, d, form, fields)
			return
		}
		h.app.Error(w, r, err)
	}
	items, err := ParseList(kind, name, f)
	if err != nil {
		fail(err)
		return
	}
	rep, err := h.svc.ImportList(r.Context(), web.Principal(r), kind, items)
	if err != nil {
		fail(err)
		return
	}
	d.List = &rep
	h.renderLists(w, r, http.StatusOK, d, form, nil)
}

// ---------------------------------------------------------------- coverage

func (h *Handlers) consoleCoverage(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Coverage(r.Context(), web.Principal(r))
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.consoleView(r, "落实情况监测", web.Crumb{Label: "落实情况监测"})
	v.Data = &c
	h.app.Render.Page(w, r, http.StatusOK, "stdcatalog/console_coverage", v)
}
