package directory

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/web"
)

// The staff console of the directories: one set of handlers, bound to a
// kind per route (consoleKind), serves the list, the entry form, the
// detail page with its history, imports, exports and settings of each
// directory; venues add their opening notices, clergy their photo and the
// verification query log.

// consoleKind serves the console pages of one directory.
type consoleKind struct {
	h    *Handlers
	k    Kind
	base string // /console/directories/{slug}
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (h *Handlers) registerConsole() {
	a := h.app
	a.Handle("GET /console/directories", auth.ManageDirectories, h.overview, web.Summary("服务名录概览：条数、待核实记录与开放变动通知"))
	for _, k := range Kinds {
		c := &consoleKind{h: h, k: k, base: "/console/directories/" + k.Slug()}
		m, b, l := Perm(k), c.base, k.Label()
		a.Handle("GET "+b, m, c.list, web.Summary(l+"名录（工作人员）"))
		a.Handle("GET "+b+"/export.xlsx", m, c.export("xlsx"), web.Summary("导出"+l+"名录（XLSX）"))
		a.Handle("GET "+b+"/export.csv", m, c.export("csv"), web.Summary("导出"+l+"名录（CSV）"))
		a.Handle("GET "+b+"/template.xlsx", m, c.template, web.Summary("下载"+l+"导入模板"))
		a.Handle("GET "+b+"/import", m, c.importForm, web.Summary("批量导入"+l))
		a.Handle("POST "+b+"/import", m, c.importFile, web.Summary("上传"+l+"导入文件（XLSX 或 CSV）"), web.Upload())
		a.Handle("GET "+b+"/new", m, c.newForm, web.Summary("新增"+k.Noun()+"表单"))
		a.Handle("POST "+b, m, c.create, web.Summary("新增"+k.Noun()))
		a.Handle("GET "+b+"/settings", m, c.settings, web.Summary(l+"核实周期与责任处室"))
		a.Handle("POST "+b+"/settings", m, c.saveSettings, web.Summary("保存"+l+"核实周期与责任处室"))
		a.Handle("GET "+b+"/{id}", m, c.detail, web.Summary(k.Noun()+"详情与变更记录"))
		a.Handle("GET "+b+"/{id}/edit", m, c.editForm, web.Summary("修改"+k.Noun()+"表单"))
		a.Handle("POST "+b+"/{id}", m, c.update, web.Summary("修改"+k.Noun()))
		a.Handle("POST "+b+"/{id}/verify", m, c.verify, web.Summary("标记"+k.Noun()+"信息已核实"))
		switch k {
		case Venues:
			a.Handle("POST "+b+"/{id}/notices", m, c.addNotice, web.Summary("发布场所开放变动通知"))
			a.Handle("POST "+b+"/{id}/notices/{notice}/withdraw", m, c.withdrawNotice, web.Summary("撤回场所开放变动通知"))
		case Clergy:
			a.Handle("POST "+b+"/{id}/photo", m, c.uploadPhoto, web.Summary("上传教职人员照片"), web.Upload())
			a.Handle("POST "+b+"/{id}/photo/delete", m, c.deletePhoto, web.Summary("删除教职人员照片"))
			a.Handle("GET "+b+"/{id}/photo", m, c.photo, web.Summary("教职人员照片"))
			a.Handle("GET "+b+"/queries", m, c.queries, web.Summary("教职人员身份核验查询记录"))
		}
	}
}

// title is the directory's heading in the console.
func (c *consoleKind) title() string {
	if c.k == Clergy {
		return "宗教教职人员备案"
	}
	return c.k.Label() + "名录"
}

func (c *consoleKind) schema() *Schema { return c.h.svc.Schema(c.k) }

// view starts a page of the directory. Without crumbs it is the list
// itself; venues and outlets sit under the 服务名录 overview, clergy have
// their own navigation entry.
func (c *consoleKind) view(r *http.Request, title string, crumbs ...web.Crumb) *web.View {
	v := c.h.app.NewView(r, title)
	v.Section = "directories"
	var trail []web.Crumb
	if c.k == Clergy {
		v.Section = "clergy"
	} else {
		trail = append(trail, web.Crumb{Label: "服务名录", URL: "/console/directories"})
	}
	if len(crumbs) == 0 {
		if trail != nil {
			trail = append(trail, web.Crumb{Label: c.title()})
		}
	} else {
		trail = append(append(trail, web.Crumb{Label: c.title(), URL: c.base}), crumbs...)
	}
	v.Breadcrumbs = trail
	return v
}

// consoleStatus maps an error to a form's status and messages by field
// (field takes a message that belongs to no field).
func consoleStatus(err error, field string) (int, map[string]string, bool) {
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

// options are a field's choices for a select, after a first choice with an
// empty value (also used by the portal's filters).
func options(first string, list []Option) []web.Option {
	out := []web.Option{{Value: "", Label: first}}
	for _, o := range list {
		out = append(out, web.Option{Value: o.Value, Label: o.Label})
	}
	return out
}

// choice returns v when it is one of the field's options, "" otherwise.
func (c *consoleKind) choice(key, v string) string {
	if f, ok := c.schema().Field(key); ok {
		for _, o := range f.Options {
			if o.Value == v {
				return v
			}
		}
	}
	return ""
}

// divisionOptions are the divisions of p's agency for a select.
func (c *consoleKind) divisionOptions(r *http.Request, first string) []web.Option {
	out := []web.Option{{Value: "", Label: first}}
	divs, _ := c.h.svc.Agencies.Divisions(r.Context(), web.Principal(r).AgencyID)
	for _, d := range divs {
		out = append(out, web.Option{Value: strconv.FormatInt(d.ID, 10), Label: d.Name})
	}
	return out
}

// divisionField reads a division choice: 0 when none, -1 when it is not a
// number (the service then refuses it beside the field).
func divisionField(r *http.Request) int64 {
	s := web.Field(r, "division")
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return -1
	}
	return n
}

// pager links the neighbouring pages of a list, keeping its filters.
func pager(path string, q url.Values, page, pages int) (prev, next string) {
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "page" && len(vs) > 0 && vs[0] != "" {
				v.Set(k, vs[0])
			}
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return path
		}
		return path + "?" + v.Encode()
	}
	if page > 1 {
		prev = link(page - 1)
	}
	if page < pages {
		next = link(page + 1)
	}
	return prev, next
}

// ---------------------------------------------------------------- overview

// overviewRow is a directory on the overview.
type overviewRow struct {
	Title, URL           string
	Total, Active, Stale int
}

// noticeRow is a notice with its venue.
type noticeRow struct {
	*Notice
	Venue *Entry
}

func (h *Handlers) overview(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	ctx := r.Context()
	var rows []overviewRow
	for _, k := range Kinds {
		if !auth.Allowed(p, Perm(k)) {
			continue
		}
		c := &consoleKind{h: h, k: k, base: "/console/directories/" + k.Slug()}
		pg, err := h.svc.List(ctx, p, k, Filter{PerPage: -1})
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		row := overviewRow{Title: c.title(), URL: c.base, Total: pg.Total}
		for _, e := range pg.Entries {
			if e.Active() {
				row.Active++
			}
			if e.Stale {
				row.Stale++
			}
		}
		rows = append(rows, row)
	}
	notices, venues, err := h.svc.ScheduledNotices(ctx, p, 14)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	list := make([]noticeRow, 0, len(notices))
	for _, n := range notices {
		list = append(list, noticeRow{Notice: n, Venue: venues[n.EntryID]})
	}
	v := h.app.NewView(r, "服务名录")
	v.Section = "directories"
	v.Data = map[string]any{"Rows": rows, "Notices": list, "Today": h.svc.Today(), "StaleMonths": h.svc.StaleMonths}
	h.app.Render.Page(w, r, http.StatusOK, "directory/console_overview", v)
}

// ---------------------------------------------------------------- list

// listRow is a line of the list.
type listRow struct {
	*Entry
	Editable bool
}

// filterOf reads a list's filters from the query string; choices that are
// not on offer are dropped. The query is checked by the service.
func (c *consoleKind) filterOf(r *http.Request, family []AgencyRef) (Filter, url.Values) {
	q := r.URL.Query()
	sc := c.schema()
	f := Filter{Query: strings.TrimSpace(q.Get("q")), Stale: q.Get("stale") == "1", Status: c.choice("status", q.Get("status"))}
	if sc.DistrictKey != "" {
		f.District = c.choice(sc.DistrictKey, q.Get("district"))
	}
	if sc.ClassKey != "" {
		f.Class = c.choice(sc.ClassKey, q.Get("class"))
	}
	if id, err := strconv.ParseInt(q.Get("agency"), 10, 64); err == nil {
		for _, a := range family {
			if a.ID == id {
				f.AgencyID = id
			}
		}
	}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	form := url.Values{"q": {f.Query}, "district": {f.District}, "class": {f.Class}, "status": {f.Status}}
	if f.AgencyID != 0 {
		form.Set("agency", strconv.FormatInt(f.AgencyID, 10))
	}
	if f.Stale {
		form.Set("stale", "1")
	}
	return f, form
}

func (c *consoleKind) list(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	ctx := r.Context()
	family, err := c.h.svc.Family(ctx, p)
	if err != nil {
		c.h.app.Error(w, r, err)
		return
	}
	f, form := c.filterOf(r, family)
	status := http.StatusOK
	pg, err := c.h.svc.List(ctx, p, c.k, f)
	fields := apperr.FieldsOf(err)
	if fields != nil {
		// A query too short or too long: say so beside the box, list
		// nothing.
		status, err = http.StatusUnprocessableEntity, nil
		pg = &Page{Page: 1, Pages: 1}
	}
	if err != nil {
		c.h.app.Error(w, r, err)
		return
	}
	stale, err := c.h.svc.List(ctx, p, c.k, Filter{Stale: true, PerPage: 1})
	if err != nil {
		c.h.app.Error(w, r, err)
		return
	}
	rows := make([]listRow, 0, len(pg.Entries))
	for _, e := range pg.Entries {
		rows = append(rows, listRow{Entry: e, Editable: CanEdit(p, e)})
	}
	sc := c.schema()
	v := c.view(r, c.title())
	v.Form = form
	v.SetErrors(fields, "q")
	data := map[string]any{"Rows": rows, "Page": pg, "Stale": stale.Total, "Base": c.base, "Kind": c.k, "Noun": c.k.Noun(),
		"Statuses": c.statusOptions("全部")}
	if sc.DistrictKey != "" {
		fd, _ := sc.Field(sc.DistrictKey)
		data["Districts"] = options("全部", fd.Options)
	}
	if sc.ClassKey != "" {
		fd, _ := sc.Field(sc.ClassKey)
		data["ClassLabel"], data["Classes"] = fd.Label, options("全部", fd.Options)
	}
	if len(family) > 1 {
		agencies := []web.Option{{Value: "", Label: "全部单位"}}
		for _, a := range family {
			agencies = append(agencies, web.Option{Value: strconv.FormatInt(a.ID, 10), Label: a.Name})
		}
		data["Agencies"] = agencies
	}
	exportQ := url.Values{}
	for k, vs := range form {
		if vs[0] != "" {
			exportQ.Set(k, vs[0])
		}
	}
	data["ExportQuery"] = ""
	if len(exportQ) > 0 {
		data["ExportQuery"] = "?" + exportQ.Encode()
	}
	data["PrevURL"], data["NextURL"] = pager(c.base, exportQ, pg.Page, pg.Pages)
	v.Data = data
	if c.k == Clergy {
		web.NoStore(w)
	}
	c.h.app.Render.Page(w, r, status, "directory/console_list", v)
}

func (c *consoleKind) statusOptions(first string) []web.Option {
	f, _ := c.schema().Field("status")
	return options(first, f.Options)
}

// ---------------------------------------------------------------- export

func (c *consoleKind) export(format string) http.HandlerFunc {
	ctype := xlsxType
	if format == "csv" {
		ctype = "text/csv; charset=utf-8"
	}
	return func(w http.ResponseWriter, r *http.Request) {
		p := web.Principal(r)
		family, err := c.h.svc.Family(r.Context(), p)
		if err != nil {
			c.h.app.Error(w, r, err)
			return
		}
		f, _ := c.filterOf(r, family)
		var buf bytes.Buffer
		if err := c.h.svc.Export(r.Context(), p, c.k, f, format, &buf); err != nil {
			c.h.app.Error(w, r, err)
			return
		}
		web.ServeDownload(w, c.h.svc.ExportName(c.k, format), ctype, int64(buf.Len()), &buf)
	}
}

func (c *consoleKind) template(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := c.h.svc.WriteTemplate(c.k, &buf); err != nil {
		c.h.app.Error(w, r, err)
		return
	}
	web.ServeDownload(w, c.k.Label()+"导入模板.xlsx", xlsxType, int64(buf.Len()), &buf)
}

// ---------------------------------------------------------------- import

func (c *consoleKind) renderImport(w http.ResponseWriter, r *http.Request, status int, res *ImportResult, ierr *ImportError, msg string) {
	v := c.view(r, "批量导入"+c.k.Label(), web.Crumb{Label: "批量导入"})
	if msg != "" {
		v.SetErrors(map[string]string{"file": msg}, "file")
	}
	v.Data = map[string]any{"Result": res, "Error": ierr, "Columns": strings.Join(c.h.svc.ImportColumns(c.k), "、"), "MaxRows": MaxImportRows,
		"MaxMB": MaxImportBytes >> 20, "Base": c.base, "Noun": c.k.Noun()}
	c.h.app.Render.Page(w, r, status, "directory/console_import", v)
}

func (c *consoleKind) importForm(w http.ResponseWriter, r *http.Request) {
	c.renderImport(w, r, http.StatusOK, nil, nil, "")
}

func (c *consoleKind) importFile(w http.ResponseWriter, r *http.Request) {
	err := web.ParseForm(r)
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	if err != nil {
		c.renderImport(w, r, web.Status(apperr.CodeOf(err)), nil, nil, apperr.MessageOf(err))
		return
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		c.renderImport(w, r, http.StatusUnprocessableEntity, nil, nil, "请选择要导入的 XLSX 或 CSV 文件。")
		return
	}
	fh := r.MultipartForm.File["file"][0]
	name := web.UploadName(fh)
	switch {
	case strings.ContainsAny(name, `/\`) || strings.Contains(name, ".."):
		c.renderImport(w, r, http.StatusUnprocessableEntity, nil, nil, "文件名不能包含路径，请重命名后再上传。")
		return
	case unreadable(name):
		c.renderImport(w, r, http.StatusUnprocessableEntity, nil, nil, "文件名含有无法识别的字符，请重命名后再上传。")
		return
	case fh.Size == 0:
		c.renderImport(w, r, http.StatusUnprocessableEntity, nil, nil, "上传的文件是空的，请检查后重新选择。")
		return
	}
	file, err := fh.Open()
	if err != nil {
		c.renderImport(w, r, http.StatusUnprocessableEntity, nil, nil, "上传的文件无法读取，请重新选择。")
		return
	}
	defer file.Close()
	res, err := c.h.svc.Import(r.Context(), web.Principal(r), c.k, name, file)
	var ierr *ImportError
	switch {
	case errors.As(err, &ierr):
		c.renderImport(w, r, http.StatusUnprocessableEntity, nil, ierr, ierr.Message)
	case apperr.Is(err, apperr.TooLarge):
		c.renderImport(w, r, http.StatusRequestEntityTooLarge, nil, nil, apperr.MessageOf(err))
	case err != nil:
		c.h.app.Error(w, r, err)
	default:
		c.renderImport(w, r, http.StatusOK, &res, nil, "")
	}
}

// ---------------------------------------------------------------- entry form

// formOrder is the order of the form's messages in the summary.
func (c *consoleKind) formOrder() []string {
	out := []string{"_form"}
	for _, f := range c.schema().Fields {
		out = append(out, f.Key)
	}
	return append(out, "division", "verified_on")
}

// formFields are the entry form's controls, generated from the schema, with
// the responsible division and the verification date after them. v must
// hold the form's values and errors.
func (c *consoleKind) formFields(r *http.Request, v *web.View, editing bool) []web.FieldView {
	var out []web.FieldView
	for _, f := range c.schema().Fields {
		opts := []any{"required", f.Required, "max", f.Max, "hint", f.Hint}
		switch f.Type {
		case Enum:
			out = append(out, v.Select(f.Key, f.Label, options("请选择", f.Options), opts...))
			continue
		case LongText:
			opts = append(opts, "type", "textarea")
		case Bool:
			opts = append(opts, "type", "checkbox")
		case Date:
			opts = append(opts, "type", "date")
		case Landline:
			opts = append(opts, "type", "tel")
		}
		out = append(out, v.Field(f.Key, f.Label, opts...))
	}
	out = append(out, v.Select("division", "责任处室", c.divisionOptions(r, "（不指定，按名录设置）"),
		"hint", "负责核实这条信息的处室；不指定时由“设置”中的责任处室负责。"))
	hint := "最近一次核实这条信息的日期；不填为今天。"
	if editing {
		hint = "改为更晚的日期即记录一次核实；不改则保持不变。"
	}
	return append(out, v.Field("verified_on", "核实日期", "type", "date", "hint", hint))
}

// entryForm is an entry's values as the form holds them.
func (c *consoleKind) entryForm(e *Entry) url.Values {
	form := url.Values{}
	for _, f := range c.schema().Fields {
		form.Set(f.Key, e.Values[f.Key])
	}
	if e.DivisionID != 0 {
		form.Set("division", strconv.FormatInt(e.DivisionID, 10))
	}
	form.Set("verified_on", e.VerifiedOn.String())
	form.Set("version", strconv.Itoa(e.Version))
	return form
}

// inputOf reads the entry form.
func (c *consoleKind) inputOf(r *http.Request) Input {
	in := Input{Values: Values{}, DivisionID: divisionField(r), VerifiedOn: web.Field(r, "verified_on"), Source: "form"}
	for _, f := range c.schema().Fields {
		in.Values[f.Key] = r.PostFormValue(f.Key)
	}
	in.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	return in
}

// renderForm shows the new-entry form (e nil) or the edit form of e.
func (c *consoleKind) renderForm(w http.ResponseWriter, r *http.Request, status int, e *Entry, form url.Values, fields map[string]string) {
	title, action := "新增"+c.k.Noun(), c.base
	crumbs := []web.Crumb{{Label: title}}
	if e != nil {
		title, action = "修改："+e.Name, EntryURL(c.k, e.ID)
		crumbs = []web.Crumb{{Label: e.Name, URL: action}, {Label: "修改"}}
	}
	v := c.view(r, title, crumbs...)
	v.Form = form
	v.SetErrors(fields, c.formOrder()...)
	v.Data = map[string]any{"Fields": c.formFields(r, v, e != nil), "Action": action, "Entry": e, "Base": c.base}
	web.NoStore(w)
	c.h.app.Render.Page(w, r, status, "directory/console_form", v)
}

func (c *consoleKind) newForm(w http.ResponseWriter, r *http.Request) {
	form := url.Values{"status": {c.schema().Active}}
	if d := web.Principal(r).DivisionID; d != 0 {
		form.Set("division", strconv.FormatInt(d, 10))
	}
	c.renderForm(w, r, http.StatusOK, nil, form, nil)
}

func (c *consoleKind) create(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		c.renderForm(w, r, web.Status(apperr.CodeOf(err)), nil, url.Values{}, map[string]string{"_form": apperr.MessageOf(err)})
		return
	}
	e, err := c.h.svc.Create(r.Context(), web.Principal(r), c.k, c.inputOf(r))
	if err != nil {
		if status, fields, ok := consoleStatus(err, "_form"); ok {
			c.renderForm(w, r, status, nil, r.PostForm, fields)
			return
		}
		c.h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, EntryURL(c.k, e.ID)+"?flash=created", http.StatusSeeOther)
}

// entryOf reads the entry of the path; it answers the request itself when
// there is none.
func (c *consoleKind) entryOf(w http.ResponseWriter, r *http.Request) (*Entry, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		c.h.app.ErrorPage(w, r, http.StatusNotFound, errNotFound.Message)
		return nil, false
	}
	e, err := c.h.svc.Entry(r.Context(), web.Principal(r), c.k, id)
	if err != nil {
		c.h.app.Error(w, r, err)
		return nil, false
	}
	return e, true
}

func (c *consoleKind) editForm(w http.ResponseWriter, r *http.Request) {
	e, ok := c.entryOf(w, r)
	if !ok {
		return
	}
	if !CanEdit(web.Principal(r), e) {
		c.h.app.Error(w, r, errNotOwn)
		return
	}
	c.renderForm(w, r, http.StatusOK, e, c.entryForm(e), nil)
}

func (c *consoleKind) update(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		c.h.app.ErrorPage(w, r, http.StatusNotFound, errNotFound.Message)
		return
	}
	p := web.Principal(r)
	err := web.ParseForm(r)
	if err == nil {
		err = c.h.svc.Update(r.Context(), p, c.k, id, c.inputOf(r))
	}
	if err == nil {
		http.Redirect(w, r, EntryURL(c.k, id)+"?flash=saved", http.StatusSeeOther) // #nosec G710 -- EntryURL is a local console path
		return
	}
	status, fields, ok := consoleStatus(err, "_form")
	if !ok {
		c.h.app.Error(w, r, err)
		return
	}
	e, gerr := c.h.svc.Entry(r.Context(), p, c.k, id)
	if gerr != nil {
		c.h.app.Error(w, r, gerr)
		return
	}
	form := r.PostForm
	if form == nil {
		form = c.entryForm(e)
	}
	c.renderForm(w, r, status, e, form, fields)
}

// ---------------------------------------------------------------- detail

// detailOrder is the order of the detail page's messages.
var detailOrder = []string{"_form", "note", "notice_kind", "starts_on", "ends_on", "text", "photo"}

func (c *consoleKind) renderDetail(w http.ResponseWriter, r *http.Request, status int, e *Entry, form url.Values, fields map[string]string) {
	p := web.Principal(r)
	ctx := r.Context()
	history, err := c.h.svc.History(ctx, p, c.k, e.ID)
	if err != nil {
		c.h.app.Error(w, r, err)
		return
	}
	var notices []*Notice
	if c.k == Venues {
		if notices, err = c.h.svc.Notices(ctx, p, e.ID); err != nil {
			c.h.app.Error(w, r, err)
			return
		}
	}
	today := c.h.svc.Today()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("notice_kind") == "" {
		form.Set("notice_kind", string(ClosureNotice))
	}
	if form.Get("starts_on") == "" && fields["starts_on"] == "" {
		form.Set("starts_on", today.String())
	}
	v := c.view(r, e.Name, web.Crumb{Label: e.Name})
	v.Form = form
	v.SetErrors(fields, detailOrder...)
	v.Data = map[string]any{"E": e, "Values": c.h.svc.StaffValues(e), "History": history, "Notices": notices, "Today": today,
		"Division": c.h.svc.divisionName(ctx, e.AgencyID, e.DivisionID), "CanEdit": CanEdit(p, e), "URL": EntryURL(c.k, e.ID), "Base": c.base,
		"Kind": c.k, "Warn": StaleWarnDays, "NoticeKinds": []web.Option{{Value: string(ClosureNotice), Label: ClosureNotice.Label()}, {Value: string(HoursNotice), Label: HoursNotice.Label()}}}
	web.NoStore(w)
	c.h.app.Render.Page(w, r, status, "directory/console_detail", v)
}

func (c *consoleKind) detail(w http.ResponseWriter, r *http.Request) {
	e, ok := c.entryOf(w, r)
	if !ok {
		return
	}
	c.renderDetail(w, r, http.StatusOK, e, nil, nil)
}

// act runs an action of the detail page: back to the page with a notice
// on success, the page with the message beside the action's field (or at
// the top) otherwise.
func (c *consoleKind) act(w http.ResponseWriter, r *http.Request, flash string, fn func(p *auth.Principal, id int64) error) {
	id, ok := web.PathID(r, "id")
	if !ok {
		c.h.app.ErrorPage(w, r, http.StatusNotFound, errNotFound.Message)
		return
	}
	p := web.Principal(r)
	err := web.ParseForm(r)
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	if err == nil {
		err = fn(p, id)
	}
	if err == nil {
		http.Redirect(w, r, EntryURL(c.k, id)+"?flash="+flash, http.StatusSeeOther) // #nosec G710 -- EntryURL is a local console path
		return
	}
	status, fields, ok := consoleStatus(err, "_form")
	if !ok {
		c.h.app.Error(w, r, err)
		return
	}
	e, gerr := c.h.svc.Entry(r.Context(), p, c.k, id)
	if gerr != nil {
		c.h.app.Error(w, r, gerr)
		return
	}
	form := url.Values{}
	for k, vs := range r.PostForm {
		form[k] = vs
	}
	c.renderDetail(w, r, status, e, form, fields)
}

func (c *consoleKind) verify(w http.ResponseWriter, r *http.Request) {
	c.act(w, r, "saved", func(p *auth.Principal, id int64) error {
		return c.h.svc.MarkVerified(r.Context(), p, c.k, id, r.PostFormValue("note"))
	})
}

func (c *consoleKind) addNotice(w http.ResponseWriter, r *http.Request) {
	c.act(w, r, "created", func(p *auth.Principal, id int64) error {
		_, err := c.h.svc.AddNotice(r.Context(), p, id, NoticeInput{Kind: r.PostFormValue("notice_kind"), StartsOn: r.PostFormValue("starts_on"),
			EndsOn: r.PostFormValue("ends_on"), Text: r.PostFormValue("text")})
		return err
	})
}

func (c *consoleKind) withdrawNotice(w http.ResponseWriter, r *http.Request) {
	c.act(w, r, "saved", func(p *auth.Principal, id int64) error {
		notice, ok := web.PathID(r, "notice")
		if !ok {
			return apperr.NotFoundf("没有这条开放变动通知。")
		}
		return c.h.svc.WithdrawNotice(r.Context(), p, id, notice)
	})
}

func (c *consoleKind) uploadPhoto(w http.ResponseWriter, r *http.Request) {
	c.act(w, r, "saved", func(p *auth.Principal, id int64) error {
		var up Upload
		if r.MultipartForm != nil {
			if fhs := r.MultipartForm.File["photo"]; len(fhs) > 0 && fhs[0].Size > 0 {
				f, err := fhs[0].Open()
				if err != nil {
					return apperr.FieldErrors(map[string]string{"photo": "上传的文件无法读取，请重新选择。"})
				}
				defer f.Close()
				up = Upload{Name: web.UploadName(fhs[0]), Reader: f}
			}
		}
		return c.h.svc.SetPhoto(r.Context(), p, id, up)
	})
}

func (c *consoleKind) deletePhoto(w http.ResponseWriter, r *http.Request) {
	c.act(w, r, "deleted", func(p *auth.Principal, id int64) error {
		return c.h.svc.RemovePhoto(r.Context(), p, id)
	})
}

// photo serves a clergy photo to the console: never cached, never sniffed.
func (c *consoleKind) photo(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		c.h.app.ErrorPage(w, r, http.StatusNotFound, "没有照片。")
		return
	}
	att, rc, err := c.h.svc.Photo(r.Context(), web.Principal(r), id)
	if err != nil {
		c.h.app.Error(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", att.ContentType)
	w.Header().Set("Content-Length", strconv.FormatInt(att.Size, 10))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	io.Copy(w, rc)
}

// ---------------------------------------------------------------- settings

func (c *consoleKind) renderSettings(w http.ResponseWriter, r *http.Request, status int, form url.Values, fields map[string]string) {
	v := c.view(r, c.title()+"：核实设置", web.Crumb{Label: "设置"})
	v.Form = form
	v.SetErrors(fields, "_form", "division", "stale_months")
	v.Data = map[string]any{"Divisions": c.divisionOptions(r, "（不指定）"), "Base": c.base, "Warn": StaleWarnDays, "Max": MaxStaleMonths,
		"Default": c.h.svc.StaleMonths, "Title": c.title()}
	c.h.app.Render.Page(w, r, status, "directory/console_settings", v)
}

func (c *consoleKind) settings(w http.ResponseWriter, r *http.Request) {
	st, err := c.h.svc.Settings(r.Context(), web.Principal(r), c.k)
	if err != nil {
		c.h.app.Error(w, r, err)
		return
	}
	form := url.Values{"stale_months": {strconv.Itoa(st.StaleMonths)}}
	if st.DivisionID != 0 {
		form.Set("division", strconv.FormatInt(st.DivisionID, 10))
	}
	c.renderSettings(w, r, http.StatusOK, form, nil)
}

func (c *consoleKind) saveSettings(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		c.renderSettings(w, r, web.Status(apperr.CodeOf(err)), url.Values{}, map[string]string{"_form": apperr.MessageOf(err)})
		return
	}
	err := c.h.svc.SetSettings(r.Context(), web.Principal(r), c.k, divisionField(r), r.PostFormValue("stale_months"))
	if err != nil {
		if status, fields, ok := consoleStatus(err, "_form"); ok {
			c.renderSettings(w, r, status, r.PostForm, fields)
			return
		}
		c.h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, c.base+"/settings?flash=saved", http.StatusSeeOther)
}

// ---------------------------------------------------------------- query log

var queryOutcomes = []string{OutcomeMatch, OutcomeNoMatch, OutcomeLimited, OutcomeChallenge, OutcomeInvalid}

func (c *consoleKind) queries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	outcome := ""
	choices := []web.Option{{Value: "", Label: "全部"}}
	for _, o := range queryOutcomes {
		choices = append(choices, web.Option{Value: o, Label: OutcomeLabel(o)})
		if q.Get("outcome") == o {
			outcome = o
		}
	}
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	list, total, err := c.h.svc.QueryLog(r.Context(), web.Principal(r), outcome, page)
	if err != nil {
		c.h.app.Error(w, r, err)
		return
	}
	pages := max(1, (total+QueryLogPerPage-1)/QueryLogPerPage)
	v := c.view(r, "身份核验查询记录", web.Crumb{Label: "身份核验查询记录"})
	v.Form = url.Values{"outcome": {outcome}}
	prev, next := pager(c.base+"/queries", v.Form, page, pages)
	v.Data = map[string]any{"List": list, "Total": total, "Page": page, "Pages": pages, "Outcomes": choices, "PrevURL": prev, "NextURL": next,
		"Limit": VerifyLimit.Max, "DayLimit": VerifyDayLimit.Max, "Misses": ChallengeAfterMisses.Max}
	web.NoStore(w)
	c.h.app.Render.Page(w, r, http.StatusOK, "directory/console_queries", v)
}
