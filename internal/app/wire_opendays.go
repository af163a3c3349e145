package app

import (
	"context"
	"net/http"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/openday"
	"github.com/gongkai/gongkai/internal/web"
)

// The open-day capability (政府开放日, issue 8) is wired here: openOpenDays
// builds its service in the Core, registerOpenDays adds its routes, and
// loadDemoOpenDays fills the demo (demo_opendays.go).

// openDaysService names the open days' service for the Core's field.
type openDaysService = openday.Service

func (c *Core) openOpenDays() {
	// Evaluations (the post-event questionnaire of internal/survey) stays
	// nil until the survey engine offers an invitation; then set it here.
	c.OpenDays = openday.NewService(openday.Deps{DB: c.DB, Agencies: openDayAgencies{c.Agencies}, Limiter: c.Limiter,
		Version: c.Version, BaseURL: c.Config.BaseURL, Now: c.Disclosure.Now})
}

func (a *App) registerOpenDays(w *web.App, site func(r *http.Request, agencyID int64) web.Site) error {
	_, err := openday.Register(w, a.OpenDays, site)
	return err
}

// registerOpenDaysJobs adds the reminder the day before an open day (in
// the morning). To be called from registerJobs (app.go belongs to the lead
// engineer).
func (a *App) registerOpenDaysJobs() {
	a.Jobs.Daily("openday.remind", 9, 0, func(ctx context.Context) error {
		_, err := a.OpenDays.RemindDue(ctx)
		return err
	})
}

var _ = (*App).registerOpenDaysJobs

// openDayAgencies gives open days the agencies.
type openDayAgencies struct{ s *agency.Service }

func (d openDayAgencies) Agency(ctx context.Context, id int64) (openday.AgencyRef, error) {
	a, err := d.s.Get(ctx, id)
	if err != nil {
		return openday.AgencyRef{}, err
	}
	return openday.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, nil
}

func (d openDayAgencies) AgencyBySlug(ctx context.Context, slug string) (openday.AgencyRef, error) {
	a, err := d.s.BySlug(ctx, slug)
	if err != nil {
		return openday.AgencyRef{}, err
	}
	return openday.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, nil
}

func (c *Core) loadDemoOpenDays(ctx context.Context, ids map[string]int64, divisions map[string]map[string]int64, as func(string) *auth.Principal) error {
	return c.loadOpenDaysDemo(ctx, ids["mzzj"], as("mzzj.editor"), as("mzzj.handler"))
}
