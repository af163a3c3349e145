package normative

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

// SiteFunc gives the layout data of an agency's section.
type SiteFunc func(r *http.Request, agencyID int64) web.Site

// Handlers serve the library's pages.
type Handlers struct {
	app  *web.App
	svc  *Service
	site SiteFunc
}

// Register adds the portal and console routes.
func Register(app *web.App, svc *Service, site SiteFunc) (*Handlers, error) {
	if err := app.Render.AddPages("normative", templates); err != nil {
		return nil, err
	}
	h := &Handlers{app: app, svc: svc, site: site}
	app.Handle("GET /normative", auth.Public, h.platformLibrary, web.Summary("行政规范性文件库（全平台）"))
	app.Handle("GET /o/{slug}/normative", auth.Public, h.agencyLibrary, web.Summary("本单位及下属单位的行政规范性文件库"))
	app.Handle("GET /o/{slug}/normative/cleanups/{id}", auth.Public, h.publicCleanup, web.Summary("规范性文件清理结果"))
	h.registerConsole()
	return h, nil
}

func (h *Handlers) agencyOf(w http.ResponseWriter, r *http.Request) (AgencyRef, bool) {
	a, err := h.svc.Agencies.AgencyBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.app.Error(w, r, err)
		return a, false
	}
	return a, true
}

// readFilter reads the library's query; msg says what is malformed.
func (h *Handlers) readFilter(r *http.Request, root int64) (LibraryFilter, string) {
	q := r.URL.Query()
	f := LibraryFilter{Root: root, Q: q.Get("q"), Topic: q.Get("topic")}
	if s := q.Get("year"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1980 || n > 2999 {
			return f, "年度无效，请从列表中选择。"
		}
		f.Year = n
	}
	switch st := q.Get("status"); st {
	case "":
	case "all":
		f.All = true
	default:
		if !Status(st).Known() {
			return f, "有效性无效，请从列表中选择。"
		}
		f.Status = Status(st)
	}
	if s := q.Get("issuer"); s != "" {
		a, err := h.svc.Agencies.AgencyBySlug(r.Context(), s)
		if err != nil {
			return f, "发文单位无效，请从列表中选择。"
		}
		f.IssuerID = a.ID
	}
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 10000 {
			return f, "页码无效。"
		}
		f.Page = n
	}
	if runes(f.Topic) > 50 {
		return f, "主题分类无效。"
	}
	return f, ""
}

func (h *Handlers) platformLibrary(w http.ResponseWriter, r *http.Request) {
	h.library(w, r, AgencyRef{}, "/normative")
}

func (h *Handlers) agencyLibrary(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return
	}
	h.library(w, r, a, "/o/"+a.Slug+"/normative")
}

func (h *Handlers) library(w http.ResponseWriter, r *http.Request, a AgencyRef, path string) {
	f, msg := h.readFilter(r, a.ID)
	if msg != "" {
		h.app.ErrorPage(w, r, http.StatusBadRequest, msg)
		return
	}
	status := http.StatusOK
	var fields map[string]string
	lib, err := h.svc.PublicLibrary(r.Context(), f)
	if apperr.Is(err, apperr.Invalid) && apperr.FieldsOf(err) != nil {
		// A too short search text: the page without the search, the
		// message next to the field.
		fields, status = apperr.FieldsOf(err), http.StatusUnprocessableEntity
		f.Q = ""
		lib, err = h.svc.PublicLibrary(r.Context(), f)
	}
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	title := "行政规范性文件库"
	var v *web.View
	if a.ID != 0 {
		title = a.Name + "行政规范性文件库"
		v = h.app.NewView(r, title)
		if h.site != nil {
			v.Site = h.site(r, a.ID)
		}
		v.Breadcrumbs = []web.Crumb{{Label: "首页", URL: "/"}, {Label: a.Name, URL: "/o/" + a.Slug + "/"}, {Label: "行政规范性文件库"}}
	} else {
		v = h.app.NewView(r, title)
		v.Breadcrumbs = []web.Crumb{{Label: "首页", URL: "/"}, {Label: "行政规范性文件库"}}
	}
	v.Form = r.URL.Query()
	v.SetErrors(fields, "q")
	issuer := ""
	for _, ag := range lib.Agencies {
		if ag.ID == f.IssuerID {
			issuer = ag.Slug
		}
	}
	statusValue := r.URL.Query().Get("status")
	pageURL := func(n int) string {
		q := url.Values{}
		for k, vs := range r.URL.Query() {
			if k != "page" && len(vs) > 0 && vs[0] != "" {
				q.Set(k, vs[0])
			}
		}
		if n > 1 {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return path
		}
		return path + "?" + q.Encode()
	}
	var prev, next string
	if lib.Page > 1 {
		prev = pageURL(lib.Page - 1)
	}
	if lib.Page < lib.Pages {
		next = pageURL(lib.Page + 1)
	}
	v.Data = map[string]any{"Agency": a, "L": lib, "F": f, "URL": path, "Issuer": issuer, "StatusValue": statusValue,
		"Statuses": Statuses, "Prev": prev, "Next": next, "Scoped": a.ID != 0 && len(lib.Agencies) > 1}
	h.app.Render.Page(w, r, status, "normative/portal_library", v)
}

func (h *Handlers) publicCleanup(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return
	}
	cid, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这次清理。")
		return
	}
	c, err := h.svc.PublicCleanup(r.Context(), a.ID, cid)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.app.NewView(r, c.Title)
	if h.site != nil {
		v.Site = h.site(r, a.ID)
	}
	v.Breadcrumbs = []web.Crumb{{Label: "首页", URL: "/"}, {Label: a.Name, URL: "/o/" + a.Slug + "/"},
		{Label: "行政规范性文件库", URL: "/o/" + a.Slug + "/normative"}, {Label: c.Title}}
	v.Data = map[string]any{"Agency": a, "C": c, "Counts": c.Counts(), "Decisions": Decisions}
	h.app.Render.Page(w, r, http.StatusOK, "normative/portal_cleanup", v)
}
