package app

import (
	"context"
	"net/http"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/survey"
	"github.com/gongkai/gongkai/internal/web"
)

// The questionnaire engine (问卷, issue 8) is wired here: openSurveys
// builds its service in the Core, registerSurveys adds its routes, and
// loadDemoSurveys (demo_surveys.go) fills the demo.

// surveyService names the engine's service for the Core's field (so that
// app.go needs no import of its own for it).
type surveyService = survey.Service

func (c *Core) openSurveys() {
	c.Surveys = survey.NewService(survey.Deps{DB: c.DB, BaseURL: c.Config.BaseURL, Now: c.Disclosure.Now,
		AgencyBySlug: func(ctx context.Context, slug string) (int64, string, error) {
			a, err := c.Agencies.BySlug(ctx, slug)
			if err != nil {
				return 0, "", err
			}
			return a.ID, a.Name, nil
		}})
}

func (a *App) registerSurveys(w *web.App, site func(r *http.Request, agencyID int64) web.Site) error {
	_, err := survey.Register(w, a.Surveys, site)
	return err
}

func (c *Core) loadDemoSurveys(ctx context.Context, ids map[string]int64, divisions map[string]map[string]int64, as func(string) *auth.Principal) error {
	return c.demoSurveys(ctx, as("mzzj.editor"))
}
