package app

import (
	"context"
	"net/http"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/web"
)

// The staff work platform (issue 9) is wired here: the to-do centre first
// (every other capability registers its to-do source with it when it
// opens), then the liaison roster, the official-document registry, the
// work-plan tracker, training and the new-media matrix, each in its own
// wire_*.go file.

func (c *Core) openWorkPlatform() {
	c.openTodos()
	c.openDocuments()
	c.openWorkPlan()
	c.openTraining()
	c.openNewMedia()
}

func (a *App) registerWorkPlatform(w *web.App, site func(r *http.Request, agencyID int64) web.Site) error {
	for _, reg := range []func(*web.App, func(r *http.Request, agencyID int64) web.Site) error{
		a.registerTodos, a.registerLiaisons, a.registerDocuments, a.registerWorkPlan, a.registerTraining, a.registerNewMedia,
	} {
		if err := reg(w, site); err != nil {
			return err
		}
	}
	return nil
}

func (c *Core) loadDemoWorkPlatform(ctx context.Context, ids map[string]int64, divisions map[string]map[string]int64, as func(string) *auth.Principal) error {
	for _, load := range []func(context.Context, map[string]int64, map[string]map[string]int64, func(string) *auth.Principal) error{
		c.loadDemoLiaisons, c.loadDemoDocuments, c.loadDemoWorkPlan, c.loadDemoTraining, c.loadDemoNewMedia,
	} {
		if err := load(ctx, ids, divisions, as); err != nil {
			return err
		}
	}
	return nil
}

func (a *App) registerWorkPlatformJobs() {
	a.registerTodoJobs()
	a.registerDocumentsJobs()
	a.registerWorkPlanJobs()
	a.registerTrainingJobs()
	a.registerNewMediaJobs()
}
