package app

import (
	"context"
	"net/http"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/socialeval"
	"github.com/gongkai/gongkai/internal/web"
)

// The social evaluation capability (社会评议, issue 8) is wired here:
// openSocialEval builds its service in the Core (each evaluator group
// answers a questionnaire of the survey engine), registerSocialEval adds
// its routes, and loadDemoSocialEval fills the demo (demo_socialeval.go).

// socialEvalService names the social evaluation's service for the Core's
// field.
type socialEvalService = socialeval.Service

func (c *Core) openSocialEval() {
	c.Evaluations = socialeval.NewService(socialeval.Deps{DB: c.DB, Agencies: socialEvalAgencies{c.Agencies}, Surveys: c.Surveys,
		Version: c.Version, Now: c.Disclosure.Now})
}

func (a *App) registerSocialEval(w *web.App, site func(r *http.Request, agencyID int64) web.Site) error {
	_, err := socialeval.Register(w, a.Evaluations, site)
	return err
}

// registerSocialEvalJobs adds no job: the scores are computed when staff
// close a campaign, and the improvement actions' "即将到期"/"已逾期" flags
// are computed whenever they are listed (DueActions), so nothing needs to
// run on a schedule.
func (a *App) registerSocialEvalJobs() {}

// socialEvalAgencies gives social evaluation the agencies and divisions.
type socialEvalAgencies struct{ s *agency.Service }

func (d socialEvalAgencies) Agency(ctx context.Context, id int64) (socialeval.AgencyRef, error) {
	a, err := d.s.Get(ctx, id)
	if err != nil {
		return socialeval.AgencyRef{}, err
	}
	return socialeval.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, nil
}

func (d socialEvalAgencies) AgencyBySlug(ctx context.Context, slug string) (socialeval.AgencyRef, error) {
	a, err := d.s.BySlug(ctx, slug)
	if err != nil {
		return socialeval.AgencyRef{}, err
	}
	return socialeval.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, nil
}

func (d socialEvalAgencies) Divisions(ctx context.Context, agencyID int64) ([]socialeval.Division, error) {
	list, err := d.s.Divisions(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	out := make([]socialeval.Division, len(list))
	for i, x := range list {
		out[i] = socialeval.Division{ID: x.ID, Name: x.Name}
	}
	return out, nil
}

func (c *Core) loadDemoSocialEval(ctx context.Context, ids map[string]int64, divisions map[string]map[string]int64, as func(string) *auth.Principal) error {
	return c.demoSocialEval(ctx, as("mzzj.editor"))
}
