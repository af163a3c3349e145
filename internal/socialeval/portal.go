package socialeval

import (
	"embed"
	"net/http"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/survey"
	"github.com/gongkai/gongkai/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// SiteFunc gives the layout data of an agency's section.
type SiteFunc func(r *http.Request, agencyID int64) web.Site

// Handlers serve the social evaluation pages and API.
type Handlers struct {
	app  *web.App
	svc  *Service
	site SiteFunc
}

// Register adds the portal, console and API routes.
func Register(app *web.App, svc *Service, site SiteFunc) (*Handlers, error) {
	if err := app.Render.AddPages("socialeval", templates); err != nil {
		return nil, err
	}
	h := &Handlers{app: app, svc: svc, site: site}
	app.Handle("GET /o/{slug}/evaluations", auth.Public, h.list, web.Summary("社会评议：历年评议报告和正在进行的评议"))
	app.Handle("GET /o/{slug}/evaluations/{id}", auth.Public, h.report, web.Summary("社会评议：评议报告"))
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

// PublicLink is an open campaign's questionnaire anyone may fill.
type PublicLink struct {
	Campaign *Campaign
	Group    Group
	URL      string
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return
	}
	published, open, err := h.svc.PublicList(r.Context(), a.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	var links []PublicLink
	for _, c := range open {
		for _, g := range c.Groups {
			if g.Access == OpenToPublic && g.SurveyID != 0 {
				links = append(links, PublicLink{Campaign: c, Group: g, URL: survey.URL(g.SurveyID)})
			}
		}
	}
	v := h.view(r, a.ID, "社会评议", web.Crumb{Label: a.Name, URL: "/o/" + a.Slug + "/"}, web.Crumb{Label: "社会评议"})
	v.Data = map[string]any{"Agency": a, "Published": published, "Open": open, "Links": links}
	h.app.Render.Page(w, r, http.StatusOK, "socialeval/portal_list", v)
}

func (h *Handlers) report(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return
	}
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个社会评议活动。")
		return
	}
	c, err := h.svc.Public(r.Context(), a.ID, id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	rep, err := h.svc.Report(r.Context(), c)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.view(r, a.ID, c.ReportTitle(), web.Crumb{Label: a.Name, URL: "/o/" + a.Slug + "/"},
		web.Crumb{Label: "社会评议", URL: "/o/" + a.Slug + "/evaluations"}, web.Crumb{Label: c.Title})
	v.Data = map[string]any{"Agency": a, "R": rep}
	h.app.Render.Page(w, r, http.StatusOK, "socialeval/portal_report", v)
}
