package app

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/civil"
	dirpkg "github.com/gongkai/gongkai/internal/directory"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/web"
)

// The service directories of work point 五(二) (religious activity venues,
// clergy filings, halal food outlets) are wired here: openDirectories
// builds the service on the agencies (a bureau sees the entries of the
// agencies below it) and registers its staleness to-dos, registerDirectories
// adds the portal, console and API routes, loadDemoDirectories fills the
// demo (demo_directories.go).

// directoryService names the directories' service for the Core's field.
type directoryService = dirpkg.Service

func (c *Core) openDirectories() {
	c.Directories = dirpkg.NewService(dirpkg.Deps{DB: c.DB, Agencies: directoryAgencies{c.Agencies}, Blobs: c.Blobs, Limiter: c.Limiter,
		Version: c.Version, Now: c.Disclosure.Now, PhotoKey: c.keys.photo})
	if c.Todos != nil {
		c.Todos.Register(dirpkg.TodoSource, c.Directories.Todos)
	}
}

func (a *App) registerDirectories(w *web.App, site func(r *http.Request, agencyID int64) web.Site) error {
	_, err := dirpkg.Register(w, a.Directories, site)
	return err
}

// registerDirectoriesJobs: notices take effect and verifications turn
// stale when read (pages, to-dos); no job.
func (a *App) registerDirectoriesJobs() {}

// directorySitemap lists an agency's directory pages and the detail pages
// of the venues and outlets it maintains (each entry once, under its own
// agency, though the parent's directory lists it too). The clergy
// verification form is listed; clergy records never are.
func (a *App) directorySitemap(ctx context.Context, agencyID int64, slug string) ([]disclosure.SitemapPage, error) {
	var out []disclosure.SitemapPage
	for _, page := range []string{"directories", "venues", "halal", "clergy", "directory-updates"} {
		out = append(out, disclosure.SitemapPage{Path: "/o/" + slug + "/" + page})
	}
	for _, k := range []dirpkg.Kind{dirpkg.Venues, dirpkg.Outlets} {
		pg, err := a.Directories.PublicList(ctx, agencyID, k, dirpkg.Filter{PerPage: -1})
		if err != nil {
			return nil, err
		}
		for _, e := range pg.Entries {
			if e.AgencyID == agencyID {
				out = append(out, disclosure.SitemapPage{Path: "/o/" + slug + "/" + k.Slug() + "/" + strconv.FormatInt(e.ID, 10), LastMod: civil.Of(e.UpdatedAt)})
			}
		}
	}
	return out, nil
}

// directoryAgencies gives the directories the agencies, their families,
// divisions and liaisons.
type directoryAgencies struct{ s *agency.Service }

func directoryRef(a *agency.Agency) dirpkg.AgencyRef {
	return dirpkg.AgencyRef{ID: a.ID, ParentID: a.ParentID, Slug: a.Slug, Name: a.Name}
}

func (d directoryAgencies) Agency(ctx context.Context, id int64) (dirpkg.AgencyRef, error) {
	a, err := d.s.Get(ctx, id)
	if err != nil {
		return dirpkg.AgencyRef{}, err
	}
	return directoryRef(a), nil
}

func (d directoryAgencies) AgencyBySlug(ctx context.Context, slug string) (dirpkg.AgencyRef, error) {
	a, err := d.s.BySlug(ctx, slug)
	if err != nil {
		return dirpkg.AgencyRef{}, err
	}
	return directoryRef(a), nil
}

func (d directoryAgencies) Family(ctx context.Context, id int64) ([]dirpkg.AgencyRef, error) {
	root, err := d.s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	out := []dirpkg.AgencyRef{directoryRef(root)}
	seen := map[int64]bool{root.ID: true}
	for i := 0; i < len(out); i++ {
		kids, err := d.s.Children(ctx, out[i].ID)
		if err != nil {
			return nil, err
		}
		for _, k := range kids {
			if !seen[k.ID] {
				seen[k.ID] = true
				out = append(out, directoryRef(k))
			}
		}
	}
	return out, nil
}

func (d directoryAgencies) Divisions(ctx context.Context, agencyID int64) ([]dirpkg.DivisionRef, error) {
	divs, err := d.s.Divisions(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	out := make([]dirpkg.DivisionRef, 0, len(divs))
	for _, v := range divs {
		out = append(out, dirpkg.DivisionRef{ID: v.ID, Name: v.Name})
	}
	return out, nil
}

func (d directoryAgencies) LiaisonUser(ctx context.Context, divisionID int64) (int64, error) {
	l, err := d.s.Liaison(ctx, divisionID)
	if err != nil {
		return 0, err
	}
	return l.RouteTo(), nil
}
