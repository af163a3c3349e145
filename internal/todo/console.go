package todo

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Handlers are the to-do centre's console pages.
type Handlers struct {
	app *web.App
	svc *Service
	// AgencyName names an agency in the export's title (may be nil).
	AgencyName func(ctx context.Context, id int64) string
}

// Register adds the console pages: the list (every staff member, their own
// view), its XLSX export, and the supervision view (SuperviseTodos).
func Register(app *web.App, svc *Service) (*Handlers, error) {
	if err := app.Render.AddPages("todo", templates); err != nil {
		return nil, err
	}
	h := &Handlers{app: app, svc: svc}
	app.Handle("GET /console/todo", auth.Authenticated, h.list, web.Summary("待办：我的、本处室、本单位的待办事项"))
	app.Handle("GET /console/todo/export.xlsx", auth.Authenticated, h.export, web.Summary("导出待办事项（XLSX，打印版）"))
	app.Handle("GET /console/todo/supervision", auth.SuperviseTodos, h.supervision, web.Summary("督办：各处室待办、即将到期和逾期情况"))
	return h, nil
}

// filterOf reads the filters of the GET form.
func filterOf(r *http.Request) Filter {
	q := r.URL.Query()
	return Filter{View: View(q.Get("view")), Source: q.Get("source"), Kind: q.Get("kind"), State: Urgency(q.Get("state")), Query: q.Get("q")}
}

// query is the filter as a query string (for the export link).
func (f Filter) query() string {
	v := url.Values{}
	if f.View != "" && f.View != Mine {
		v.Set("view", string(f.View))
	}
	for k, s := range map[string]string{"source": f.Source, "kind": f.Kind, "state": string(f.State), "q": f.Query} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// words says the filters in Chinese (for the export's title rows).
func (s *Service) words(f Filter) string {
	var parts []string
	if f.Source != "" {
		parts = append(parts, "来源："+s.Label(f.Source))
	}
	if f.Kind != "" {
		parts = append(parts, "类别："+f.Kind)
	}
	if f.State != "" {
		parts = append(parts, "状态："+f.State.Label())
	}
	if f.Query != "" {
		parts = append(parts, "标题含“"+f.Query+"”")
	}
	return strings.Join(parts, "；")
}

// PerPage is how many items a page of the list shows (the export has
// them all).
const PerPage = 50

type listData struct {
	List       *List
	Rows       []Entry // this page's
	From, To   int     // their numbers (1-based)
	PrevURL    string
	NextURL    string
	Views      []web.Option
	Sources    []web.Option
	Kinds      []web.Option
	States     []web.Option
	ExportURL  string
	Supervise  bool
	Filtered   bool
	SoonDays   int
	StateLinks map[string]string
}

// list shows a person's to-dos. Bad filters get their message beside the
// field (422) and the person's own list.
func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	f := filterOf(r)
	status := http.StatusOK
	l, err := h.svc.List(r.Context(), p, f)
	var fields map[string]string
	if fields = apperr.FieldsOf(err); fields != nil {
		status = http.StatusUnprocessableEntity
		l, err = h.svc.List(r.Context(), p, Filter{})
	}
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.app.NewView(r, "待办")
	v.Section = "todo"
	v.Form = r.URL.Query()
	v.SetErrors(fields, "view", "source", "kind", "state", "q")
	d := &listData{List: l, ExportURL: "/console/todo/export.xlsx" + l.Filter.query(), Supervise: auth.Allowed(p, auth.SuperviseTodos),
		SoonDays: SoonWorkingDays, Filtered: l.Filter.Source != "" || l.Filter.Kind != "" || l.Filter.State != "" || l.Filter.Query != ""}
	for _, vw := range Views(p) {
		d.Views = append(d.Views, web.Option{Value: string(vw), Label: vw.Label()})
	}
	d.Sources = []web.Option{{Value: "", Label: "全部来源"}}
	for _, c := range l.Sources {
		d.Sources = append(d.Sources, web.Option{Value: c.Value, Label: fmt.Sprintf("%s（%d）", c.Label, c.N)})
	}
	d.Kinds = []web.Option{{Value: "", Label: "全部类别"}}
	for _, c := range l.Kinds {
		d.Kinds = append(d.Kinds, web.Option{Value: c.Value, Label: fmt.Sprintf("%s（%d）", c.Label, c.N)})
	}
	d.States = []web.Option{{Value: "", Label: "全部"}, {Value: string(Overdue), Label: "已逾期"},
		{Value: string(DueSoon), Label: fmt.Sprintf("即将到期（%d 个工作日内）", SoonWorkingDays)}}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	pages := max((len(l.Entries)+PerPage-1)/PerPage, 1)
	page = min(max(page, 1), pages)
	from, to := (page-1)*PerPage, min(page*PerPage, len(l.Entries))
	d.Rows, d.From, d.To = l.Entries[from:to], from+1, to
	pageURL := func(n int) string {
		q := l.Filter.query()
		if q == "" {
			return fmt.Sprintf("/console/todo?page=%d", n)
		}
		return fmt.Sprintf("/console/todo%s&page=%d", q, n)
	}
	if page > 1 {
		d.PrevURL = pageURL(page - 1)
	}
	if page < pages {
		d.NextURL = pageURL(page + 1)
	}
	base := Filter{View: l.Filter.View}
	d.StateLinks = map[string]string{"all": "/console/todo" + base.query()}
	for _, u := range []Urgency{Overdue, DueSoon} {
		bf := base
		bf.State = u
		d.StateLinks[string(u)] = "/console/todo" + bf.query()
	}
	v.Data = d
	web.NoStore(w)
	h.app.Render.Page(w, r, status, "todo/console_list", v)
}

// export writes the current view as an XLSX file for printing, and
// records the export.
func (h *Handlers) export(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	l, err := h.svc.List(r.Context(), p, filterOf(r))
	if err != nil {
		if fields := apperr.FieldsOf(err); fields != nil {
			var msgs []string
			for _, m := range fields {
				msgs = append(msgs, m)
			}
			h.app.ErrorPage(w, r, http.StatusUnprocessableEntity, "无法导出："+strings.Join(msgs, " "))
			return
		}
		h.app.Error(w, r, err)
		return
	}
	t := ExportTitle{Person: p.DisplayName, Filters: h.svc.words(l.Filter), Exported: h.svc.Now(), BaseURL: h.svc.BaseURL}
	if t.Person == "" {
		t.Person = p.Username
	}
	if h.AgencyName != nil && p.AgencyID != 0 {
		t.Agency = h.AgencyName(r.Context(), p.AgencyID)
	}
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, l, t); err != nil {
		h.app.Error(w, r, err)
		return
	}
	if p.AgencyID != 0 {
		err := h.svc.DB.Tx(r.Context(), func(tx db.Tx) error {
			return audit.Record(r.Context(), tx, p.Actor(), audit.Event{AgencyID: p.AgencyID, Action: "todo.export", ObjectType: "todo",
				ObjectID: string(l.Filter.View), Summary: fmt.Sprintf("导出待办事项（%s，%d 项）", l.Filter.View.Label(), len(l.Entries))})
		})
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	name := "todo-" + l.Today.String() + ".xlsx"
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"; filename*=UTF-8''`+url.PathEscape("待办事项-"+l.Today.String()+".xlsx"))
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	web.NoStore(w)
	w.Write(buf.Bytes())
}

// supervision shows the leader's view across divisions (督办).
func (h *Handlers) supervision(w http.ResponseWriter, r *http.Request) {
	b, err := h.svc.Supervision(r.Context(), web.Principal(r))
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.app.NewView(r, "督办")
	v.Section = "todo"
	v.Breadcrumbs = []web.Crumb{{Label: "待办", URL: "/console/todo"}, {Label: "督办"}}
	v.Data = b
	web.NoStore(w)
	h.app.Render.Page(w, r, http.StatusOK, "todo/console_supervision", v)
}
