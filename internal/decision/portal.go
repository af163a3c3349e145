package decision

import (
	"embed"
	"net/http"
	"strconv"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// SiteFunc gives the layout data of an agency's section.
type SiteFunc func(r *http.Request, agencyID int64) web.Site

// Handlers serve the decision pages and API.
type Handlers struct {
	app  *web.App
	svc  *Service
	site SiteFunc
}

// Register adds the portal, console and API routes.
func Register(app *web.App, svc *Service, site SiteFunc) (*Handlers, error) {
	if err := app.Render.AddPages("decision", templates); err != nil {
		return nil, err
	}
	h := &Handlers{app: app, svc: svc, site: site}
	app.Handle("GET /o/{slug}/decisions", auth.Public, h.catalogue, web.Summary("重大行政决策事项目录"))
	app.Handle("GET /o/{slug}/decisions/{id}", auth.Public, h.decision, web.Summary("一项重大行政决策及其办理过程"))
	app.Handle("GET /o/{slug}/decisions/{id}/files/{file}", auth.Public, h.file, web.Summary("重大行政决策的公开材料下载"))
	h.registerConsole()
	h.registerAPI()
	return h, nil
}

func (h *Handlers) view(r *http.Request, agencyID int64, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	if agencyID != 0 && h.site != nil {
		v.Site = h.site(r, agencyID)
	}
	v.Breadcrumbs = append([]web.Crumb{{Label: "首页", URL: "/"}}, crumbs...)
	return v
}

func (h *Handlers) agencyOf(w http.ResponseWriter, r *http.Request) (AgencyRef, bool) {
	a, err := h.svc.Agencies.AgencyBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.app.Error(w, r, err)
		return a, false
	}
	return a, true
}

// readYear reads ?year= (0 when absent); ok is false when it is malformed.
func readYear(r *http.Request) (int, bool) {
	s := r.URL.Query().Get("year")
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 2000 || n > 2999 {
		return 0, false
	}
	return n, true
}

func catalogueURL(a AgencyRef) string { return "/o/" + a.Slug + "/decisions" }

func decisionURL(a AgencyRef, id int64) string {
	return "/o/" + a.Slug + "/decisions/" + strconv.FormatInt(id, 10)
}

func (h *Handlers) catalogue(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return
	}
	year, ok := readYear(r)
	if !ok {
		h.app.ErrorPage(w, r, http.StatusBadRequest, "年度无效，请从年度列表中选择。")
		return
	}
	c, err := h.svc.PublicCatalogue(r.Context(), a.ID, year)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.view(r, a.ID, "重大行政决策事项目录", web.Crumb{Label: a.Name, URL: "/o/" + a.Slug + "/"}, web.Crumb{Label: "重大行政决策事项目录"})
	v.Data = map[string]any{"Agency": a, "C": c, "URL": catalogueURL(a)}
	h.app.Render.Page(w, r, http.StatusOK, "decision/portal_catalogue", v)
}

func (h *Handlers) decision(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return
	}
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个决策事项。")
		return
	}
	d, err := h.svc.PublicDecision(r.Context(), a.ID, id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.view(r, a.ID, d.Title, web.Crumb{Label: a.Name, URL: "/o/" + a.Slug + "/"},
		web.Crumb{Label: "重大行政决策事项目录", URL: catalogueURL(a) + "?year=" + strconv.Itoa(d.Year)}, web.Crumb{Label: d.Title})
	v.Data = map[string]any{"Agency": a, "D": d, "URL": decisionURL(a, d.ID)}
	h.app.Render.Page(w, r, http.StatusOK, "decision/portal_decision", v)
}

func (h *Handlers) file(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return
	}
	id, ok1 := web.PathID(r, "id")
	fid, ok2 := web.PathID(r, "file")
	if !ok1 || !ok2 {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这份材料。")
		return
	}
	f, rc, err := h.svc.OpenPublicFile(r.Context(), a.ID, id, fid)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			h.app.ErrorPage(w, r, http.StatusNotFound, "没有这份材料。")
			return
		}
		h.app.Error(w, r, err)
		return
	}
	defer rc.Close()
	web.ServeDownload(w, f.FileName, f.ContentType, f.Size, rc)
}
