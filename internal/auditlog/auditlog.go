// Package auditlog is the auditors' view of the audit log: search in the
// console and the API, and verification of the hash chain.
package auditlog

import (
	"embed"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// AgencyNames names agencies for the list (wired in app).
type AgencyNames func(r *http.Request) map[int64]string

// Handlers serve the audit pages.
type Handlers struct {
	app   *web.App
	db    *db.DB
	names AgencyNames
}

// Register adds the audit routes.
func Register(app *web.App, d *db.DB, names AgencyNames) error {
	if err := app.Render.AddPages("auditlog", templates); err != nil {
		return err
	}
	h := &Handlers{app: app, db: d, names: names}
	app.Handle("GET /console/audit", auth.ReadAudit, h.search, web.Summary("审计日志查询"))
	app.Handle("POST /console/audit/verify", auth.ReadAudit, h.verify, web.Summary("校验审计日志完整性"))
	app.Handle("GET /api/v1/audit", auth.ReadAudit, h.apiSearch, web.Summary("Search the audit log (auditors)"))
	return nil
}

const pageSize = 50

// filterFrom reads the search form. An agency auditor sees only the
// agency's entries; a platform auditor may choose one agency, the platform
// entries, or all.
func filterFrom(p *auth.Principal, q url.Values) (audit.Filter, map[string]string) {
	f := audit.Filter{Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")),
		Object: strings.TrimSpace(q.Get("object")), Text: strings.TrimSpace(q.Get("text")), Limit: pageSize}
	errs := map[string]string{}
	if p.Platform() {
		f.AgencyID = audit.AllAgencies
		if s := q.Get("agency"); s != "" && s != "all" {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id < 0 {
				errs["agency"] = "单位选择无效"
			} else {
				f.AgencyID = id
			}
		}
	} else {
		f.AgencyID = p.AgencyID
	}
	if s := q.Get("from"); s != "" {
		d, err := civil.Parse(s)
		if err != nil {
			errs["from"] = "开始日期格式应为 2026-01-31"
		} else {
			f.From = d.StartUTC()
		}
	}
	if s := q.Get("to"); s != "" {
		d, err := civil.Parse(s)
		if err != nil {
			errs["to"] = "结束日期格式应为 2026-01-31"
		} else {
			f.To = d.AddDays(1).StartUTC()
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		errs["to"] = "结束日期不能早于开始日期"
	}
	for _, s := range []string{f.Actor, f.Action, f.Object, f.Text} {
		if len([]rune(s)) > 100 {
			errs["text"] = "查询条件不能超过 100 个字"
		}
	}
	page, _ := strconv.Atoi(q.Get("page"))
	if page < 1 {
		page = 1
	}
	if page > 10000 {
		page = 10000
	}
	f.Offset = (page - 1) * pageSize
	return f, errs
}

type searchData struct {
	Entries  []audit.Entry
	Total    int
	Page     int
	Pages    int
	Query    url.Values
	Names    map[int64]string
	Platform bool
	Verify   *audit.Report
	PrevURL  string
	NextURL  string
}

func (h *Handlers) search(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, nil)
}

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, rep *audit.Report) {
	p := web.Principal(r)
	q := r.URL.Query()
	f, errs := filterFrom(p, q)
	v := h.app.NewView(r, "审计日志")
	v.Section = "audit"
	v.Form = q
	d := searchData{Query: q, Names: h.names(r), Platform: p.Platform(), Verify: rep, Page: f.Offset/pageSize + 1}
	status := http.StatusOK
	if len(errs) > 0 {
		v.SetErrors(errs, "agency", "from", "to", "text")
		status = http.StatusBadRequest
	} else {
		entries, total, err := audit.Search(r.Context(), h.db.R, f)
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		d.Entries, d.Total = entries, total
		d.Pages = (total + pageSize - 1) / pageSize
		link := func(page int) string {
			qq := url.Values{}
			for k, vs := range q {
				qq[k] = vs
			}
			qq.Set("page", strconv.Itoa(page))
			return "/console/audit?" + qq.Encode()
		}
		if d.Page > 1 {
			d.PrevURL = link(d.Page - 1)
		}
		if d.Page < d.Pages {
			d.NextURL = link(d.Page + 1)
		}
	}
	v.Data = d
	h.app.Render.Page(w, r, status, "auditlog/console_audit", v)
}

// verify checks the whole chain. Any auditor may run it: the chain is one
// for the platform, and the report names only sequence numbers.
func (h *Handlers) verify(w http.ResponseWriter, r *http.Request) {
	rep, err := audit.Verify(r.Context(), h.db.R)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	h.render(w, r, &rep)
}

// EntryJSON is an audit entry in the API.
type EntryJSON struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id,omitempty"`
	Actor      string    `json:"actor"`
	Roles      string    `json:"roles,omitempty"`
	AgencyID   int64     `json:"agency_id,omitempty"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type,omitempty"`
	ObjectID   string    `json:"object_id,omitempty"`
	Summary    string    `json:"summary,omitempty"`
	IP         string    `json:"ip,omitempty"`
	Hash       string    `json:"hash"`
}

func (h *Handlers) apiSearch(w http.ResponseWriter, r *http.Request) {
	f, errs := filterFrom(web.Principal(r), r.URL.Query())
	if len(errs) > 0 {
		web.WriteProblem(w, r, http.StatusBadRequest, "invalid", "查询条件有误", errs)
		return
	}
	entries, total, err := audit.Search(r.Context(), h.db.R, f)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	out := make([]EntryJSON, 0, len(entries))
	for _, e := range entries {
		out = append(out, EntryJSON{Seq: e.Seq, At: e.At, ActorID: e.ActorID, Actor: e.Actor, Roles: e.Roles, AgencyID: e.AgencyID,
			Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, Summary: e.Summary, IP: e.IP, Hash: e.Hash})
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"total": total, "entries": out})
}
