package directory

import (
	"embed"
	"net/http"

	"github.com/gongkai/gongkai/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// SiteFunc gives the layout data of an agency's section.
type SiteFunc func(r *http.Request, agencyID int64) web.Site

// Handlers serve the directory pages and API.
type Handlers struct {
	app  *web.App
	svc  *Service
	site SiteFunc
}

// Register adds the portal, console and API routes.
func Register(app *web.App, svc *Service, site SiteFunc) (*Handlers, error) {
	if err := app.Render.AddPages("directory", templates); err != nil {
		return nil, err
	}
	h := &Handlers{app: app, svc: svc, site: site}
	h.registerPortal()
	h.registerAPI()
	h.registerConsole()
	return h, nil
}
