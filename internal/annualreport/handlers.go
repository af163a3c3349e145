package annualreport

import (
	"embed"
	"net/http"

	"github.com/gongkai/gongkai/internal/pdf"
	"github.com/gongkai/gongkai/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// SiteFunc gives the layout data of an agency's section.
type SiteFunc func(r *http.Request, agencyID int64) web.Site

// Handlers serve the report pages, files and API.
type Handlers struct {
	app  *web.App
	svc  *Service
	site SiteFunc
	pdf  *pdf.Renderer
}

// Register adds the console and portal routes; chromium is the browser
// that prints PDFs ("" finds it on the PATH).
func Register(app *web.App, svc *Service, site SiteFunc, chromium string) (*Handlers, error) {
	if err := app.Render.AddPages("annualreport", templates); err != nil {
		return nil, err
	}
	h := &Handlers{app: app, svc: svc, site: site, pdf: &pdf.Renderer{Chromium: chromium}}
	h.registerPortal()
	h.registerConsole()
	return h, nil
}
