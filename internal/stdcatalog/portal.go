package stdcatalog

import (
	"embed"
	"net/http"
	"strconv"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// SiteFunc gives the layout data of an agency's section.
type SiteFunc func(r *http.Request, agencyID int64) web.Site

// Handlers serve the catalogue's pages.
type Handlers struct {
	app  *web.App
	svc  *Service
	site SiteFunc
}

// Register adds the portal and console routes; wrap caches the public
// pages (the content version follows every change of the catalogue and of
// the items).
func Register(app *web.App, svc *Service, site SiteFunc, wrap func(http.HandlerFunc) http.HandlerFunc) (*Handlers, error) {
	if err := app.Render.AddPages("stdcatalog", templates); err != nil {
		return nil, err
	}
	if wrap == nil {
		wrap = func(h http.HandlerFunc) http.HandlerFunc { return h }
	}
	h := &Handlers{app: app, svc: svc, site: site}
	app.Handle("GET /o/{slug}/standards", auth.Public, wrap(h.catalogue), web.Summary("政务公开标准目录"))
	app.Handle("GET /o/{slug}/standards/print", auth.Public, wrap(h.print), web.Summary("政务公开标准目录（打印版）"))
	h.registerConsole()
	return h, nil
}

// URL is the public catalogue of an agency.
func URL(slug string) string { return "/o/" + slug + "/standards" }

// EntryURL is an entry on the public catalogue.
func EntryURL(slug string, id int64) string { return URL(slug) + "#e-" + strconv.FormatInt(id, 10) }

func (h *Handlers) public(w http.ResponseWriter, r *http.Request) (AgencyRef, *PublicCatalogue, bool) {
	a, err := h.svc.Agencies.AgencyBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.app.Error(w, r, err)
		return a, nil, false
	}
	pc, err := h.svc.Public(r.Context(), a.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return a, nil, false
	}
	return a, pc, true
}

type portalData struct {
	Agency   AgencyRef
	C        *PublicCatalogue
	URL      string
	Channels []Choice
	Levels   []Choice
}

func (h *Handlers) catalogue(w http.ResponseWriter, r *http.Request) {
	a, pc, ok := h.public(w, r)
	if !ok {
		return
	}
	v := h.app.NewView(r, "政务公开标准目录")
	if h.site != nil {
		v.Site = h.site(r, a.ID)
	}
	v.Breadcrumbs = []web.Crumb{{Label: "首页", URL: "/"}, {Label: a.Name, URL: "/o/" + a.Slug + "/"}, {Label: "政务公开标准目录"}}
	v.Data = &portalData{Agency: a, C: pc, URL: URL(a.Slug)}
	h.app.Render.Page(w, r, http.StatusOK, "stdcatalog/portal_catalogue", v)
}

func (h *Handlers) print(w http.ResponseWriter, r *http.Request) {
	a, pc, ok := h.public(w, r)
	if !ok {
		return
	}
	v := h.app.NewView(r, a.Name+"政务公开标准目录")
	if h.site != nil {
		v.Site = h.site(r, a.ID)
	}
	v.Data = &portalData{Agency: a, C: pc, URL: URL(a.Slug), Channels: Channels, Levels: Levels}
	h.app.Render.Page(w, r, http.StatusOK, "stdcatalog/bare_print", v)
}
