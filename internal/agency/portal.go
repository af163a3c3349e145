package agency

import (
	"embed"
	"net/http"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// PortalLink is an entry of the portal navigation, relative to an agency's
// section ("guide" becomes /o/{slug}/guide). Capabilities add theirs in app.
type PortalLink struct {
	Label string
	Path  string
}

// Handlers serve the agency pages of the portal, console and API.
type Handlers struct {
	app  *web.App
	svc  *Service
	nav  []PortalLink
	Home []HomeSection
}

// HomeSection lets other capabilities add a block to an agency's home page.
type HomeSection func(r *http.Request, a *Agency) (title string, links []web.NavItem)

// Register adds the agency routes and templates to app. cache wraps the
// public pages (nil: no cache).
func Register(app *web.App, svc *Service, nav []PortalLink, cache func(http.HandlerFunc) http.HandlerFunc) (*Handlers, error) {
	if err := app.Render.AddPages("agency", templates); err != nil {
		return nil, err
	}
	if cache == nil {
		cache = func(h http.HandlerFunc) http.HandlerFunc { return h }
	}
	h := &Handlers{app: app, svc: svc, nav: nav}
	app.Handle("GET /{$}", auth.Public, cache(h.root), web.Summary("门户首页"))
	app.Handle("GET /o/{slug}/{$}", auth.Public, cache(h.home), web.Summary("单位首页"))
	app.Handle("GET /o/{slug}/about", auth.Public, cache(h.about), web.Summary("机构概况"))
	app.Handle("GET /agencies", auth.Public, cache(h.directory), web.Summary("单位导航"))
	h.registerConsole()
	h.registerAPI()
	return h, nil
}

// Site is the web.SiteSource: the agency of /o/{slug}/… paths, else the
// agency owning the host name, else the platform's default agency.
func (h *Handlers) Site(r *http.Request) web.Site {
	ctx := r.Context()
	var a *Agency
	if rest, ok := strings.CutPrefix(r.URL.Path, "/o/"); ok {
		slug, _, _ := strings.Cut(rest, "/")
		a, _ = h.svc.BySlug(ctx, slug)
	}
	if a == nil {
		if p := web.Principal(r); p != nil && p.AgencyID != 0 && strings.HasPrefix(r.URL.Path, "/console") {
			a, _ = h.svc.Get(ctx, p.AgencyID)
		}
	}
	if a == nil {
		a, _ = h.svc.ForHost(ctx, r.Host)
	}
	if a == nil {
		return web.Site{SiteName: "政务公开", HomeURL: "/", SearchURL: "/search"}
	}
	return h.SiteOf(a)
}

// SiteOf builds the layout data of an agency's section.
func (h *Handlers) SiteOf(a *Agency) web.Site {
	base := a.HomeURL()
	s := web.Site{
		AgencyID: a.ID, AgencyName: a.Name, SiteName: "政务公开", Slug: a.Slug, HomeURL: base,
		SearchURL: "/search", Accent: a.Accent, Address: a.Address, Postcode: a.Postcode, Phone: a.Phone,
		Email: a.Email, SiteCode: a.SiteCode, ICPNumber: a.ICPNumber, PoliceNumber: a.PoliceNumber,
		PartyGovMark: a.PartyGovMark, Sponsor: a.Sponsor,
	}
	if s.Sponsor == "" {
		s.Sponsor = a.Name
	}
	s.Nav = append(s.Nav, web.NavItem{Label: "首页", URL: base}, web.NavItem{Label: "机构概况", URL: base + "about"})
	for _, l := range h.nav {
		s.Nav = append(s.Nav, web.NavItem{Label: l.Label, URL: base + l.Path})
	}
	s.Nav = append(s.Nav, web.NavItem{Label: "单位导航", URL: "/agencies"})
	return s
}

type homeData struct {
	Agency   *Agency
	Parent   *Agency
	Children []*Agency
	Sections []homeSection
}

type homeSection struct {
	Title string
	Links []web.NavItem
}

func (h *Handlers) root(w http.ResponseWriter, r *http.Request) {
	a, err := h.svc.ForHost(r.Context(), r.Host)
	if apperr.Is(err, apperr.NotFound) {
		all, err := h.svc.List(r.Context())
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		v := h.app.NewView(r, "政务公开平台")
		v.Data = all
		h.app.Render.Page(w, r, http.StatusOK, "agency/portal_setup", v)
		return
	}
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	h.renderHome(w, r, a)
}

func (h *Handlers) home(w http.ResponseWriter, r *http.Request) {
	a, err := h.svc.BySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	h.renderHome(w, r, a)
}

func (h *Handlers) renderHome(w http.ResponseWriter, r *http.Request, a *Agency) {
	ctx := r.Context()
	d := homeData{Agency: a}
	if a.ParentID != 0 {
		d.Parent, _ = h.svc.Get(ctx, a.ParentID)
	}
	var err error
	if d.Children, err = h.svc.Children(ctx, a.ID); err != nil {
		h.app.Error(w, r, err)
		return
	}
	for _, sec := range h.Home {
		if title, links := sec(r, a); title != "" {
			d.Sections = append(d.Sections, homeSection{Title: title, Links: links})
		}
	}
	v := h.app.NewView(r, "")
	v.Site = h.SiteOf(a)
	v.Data = d
	h.app.Render.Page(w, r, http.StatusOK, "agency/portal_home", v)
}

type aboutData struct {
	Agency    *Agency
	Parent    *Agency
	Children  []*Agency
	Divisions []Division
	Paras     []string
}

func (h *Handlers) about(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, err := h.svc.BySlug(ctx, r.PathValue("slug"))
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	d := aboutData{Agency: a, Paras: Paragraphs(a.Intro)}
	if a.ParentID != 0 {
		d.Parent, _ = h.svc.Get(ctx, a.ParentID)
	}
	if d.Children, err = h.svc.Children(ctx, a.ID); err != nil {
		h.app.Error(w, r, err)
		return
	}
	if d.Divisions, err = h.svc.Divisions(ctx, a.ID); err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.app.NewView(r, "机构概况")
	v.Site = h.SiteOf(a)
	v.Breadcrumbs = []web.Crumb{{Label: "首页", URL: a.HomeURL()}, {Label: "机构概况"}}
	v.Data = d
	h.app.Render.Page(w, r, http.StatusOK, "agency/portal_about", v)
}

// Paragraphs splits plain text into paragraphs for display.
func Paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

type directoryGroup struct {
	Kind     Kind
	Agencies []*Agency
}

func (h *Handlers) directory(w http.ResponseWriter, r *http.Request) {
	all, err := h.svc.List(r.Context())
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	var groups []directoryGroup
	for _, k := range Kinds {
		g := directoryGroup{Kind: k}
		for _, a := range all {
			if a.Kind == k {
				g.Agencies = append(g.Agencies, a)
			}
		}
		if len(g.Agencies) > 0 {
			groups = append(groups, g)
		}
	}
	v := h.app.NewView(r, "单位导航")
	v.Breadcrumbs = []web.Crumb{{Label: "首页", URL: v.Site.HomeURL}, {Label: "单位导航"}}
	v.Data = groups
	h.app.Render.Page(w, r, http.StatusOK, "agency/portal_agencies", v)
}
