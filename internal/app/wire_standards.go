package app

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/stdcatalog"
	"github.com/gongkai/gongkai/internal/web"
)

// The standard disclosure catalogue (公开标准目录, issue 7) is wired here:
// openStandards builds its service in the Core, registerStandards adds its
// routes, standardNotices names on an item's page the entries it
// fulfils, and loadDemoStandards fills the demo.

// standardsService names the catalogue's service for the Core's field
// (so that app.go needs no import of its own for it).
type standardsService = stdcatalog.Service

func (c *Core) openStandards() {
	c.Standards = stdcatalog.NewService(stdcatalog.Deps{DB: c.DB, Calendar: c.Calendar, Agencies: standardAgencies{c.Agencies},
		Items: standardItems{c}, Version: c.Version, Now: c.Disclosure.Now})
}

func (a *App) registerStandards(w *web.App, site func(r *http.Request, agencyID int64) web.Site) error {
	_, err := stdcatalog.Register(w, a.Standards, site, a.Pages.Wrap)
	return err
}

// standardNotices tell an item's page which catalogue entries it fulfils,
// with a link to each on the public catalogue. Links change the content
// version, so cached item pages follow.
func (a *App) standardNotices(ctx context.Context, agencyID, itemID int64) ([]disclosure.ItemNotice, error) {
	entries, err := a.Standards.EntriesOfItem(ctx, agencyID, itemID)
	if err != nil || len(entries) == 0 {
		return nil, err
	}
	ag, err := a.Agencies.Get(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	out := make([]disclosure.ItemNotice, 0, len(entries))
	for _, e := range entries {
		out = append(out, disclosure.ItemNotice{Text: "本信息属于公开标准目录：", LinkText: e.Name(), URL: stdcatalog.EntryURL(ag.Slug, e.ID)})
	}
	return out, nil
}

// standardAgencies gives the catalogue the agencies.
type standardAgencies struct{ s *agency.Service }

func (d standardAgencies) Agency(ctx context.Context, id int64) (stdcatalog.AgencyRef, error) {
	a, err := d.s.Get(ctx, id)
	if err != nil {
		return stdcatalog.AgencyRef{}, err
	}
	return stdcatalog.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, nil
}

func (d standardAgencies) AgencyBySlug(ctx context.Context, slug string) (stdcatalog.AgencyRef, error) {
	a, err := d.s.BySlug(ctx, slug)
	if err != nil {
		return stdcatalog.AgencyRef{}, err
	}
	return stdcatalog.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, nil
}

// standardItems reads disclosure's items for the catalogue: by SQL on the
// items table, agency-scoped, read-only.
type standardItems struct{ c *Core }

const itemPublic = "i.status IN ('published', 'superseded')"

func (s standardItems) scan(ctx context.Context, query string, args ...any) ([]stdcatalog.ItemRef, error) {
	// #nosec G202 -- query is built by Items and Search of constant text, $N placeholders and strconv numbers; values are in args
	rows, err := s.c.DB.R.QueryContext(ctx, `SELECT i.id, i.agency_id, i.title, i.status, i.formed_on, i.published_on, a.slug
		FROM items i JOIN agencies a ON a.id = i.agency_id WHERE `+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []stdcatalog.ItemRef
	for rows.Next() {
		var it stdcatalog.ItemRef
		var formed, published civil.Date
		var slug string
		if err := rows.Scan(&it.ID, &it.AgencyID, &it.Title, &it.Status, &formed, &published, &slug); err != nil {
			return nil, err
		}
		it.FormedOn, it.PublishedOn = formed, published
		it.Public = it.Status == "published" || it.Status == "superseded"
		it.URL = "/o/" + slug + "/items/" + strconv.FormatInt(it.ID, 10)
		out = append(out, it)
	}
	return out, rows.Err()
}

func (s standardItems) Items(ctx context.Context, agencyID int64, ids []int64) (map[int64]stdcatalog.ItemRef, error) {
	out := make(map[int64]stdcatalog.ItemRef, len(ids))
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := []any{agencyID}
		marks := make([]string, len(chunk))
		for i, id := range chunk {
			args = append(args, id)
			marks[i] = "$" + strconv.Itoa(i+2)
		}
		in := strings.Join(marks, ", ")
		list, err := s.scan(ctx, "i.agency_id = $1 AND i.id IN ("+in+")", args...)
		if err != nil {
			return nil, err
		}
		for _, it := range list {
			out[it.ID] = it
		}
		// #nosec G202 -- in is $N placeholders only; the ids are in args
		rows, err := s.c.DB.R.QueryContext(ctx, `SELECT ic.item_id, c.name FROM item_columns ic JOIN catalogue_columns c ON c.id = ic.column_id
			WHERE c.agency_id = $1 AND ic.item_id IN (`+in+`) ORDER BY ic.item_id, c.id`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, err
			}
			if it, ok := out[id]; ok {
				it.Columns = append(it.Columns, name)
				out[id] = it
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s standardItems) Search(ctx context.Context, agencyID int64, query string, limit int) ([]stdcatalog.ItemRef, error) {
	where := "i.agency_id = $1 AND " + itemPublic
	args := []any{agencyID}
	if query != "" {
		where += ` AND i.title LIKE $2 ESCAPE '\'`
		args = append(args, "%"+strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(query)+"%")
	}
	return s.scan(ctx, where+" ORDER BY i.published_on DESC, i.id DESC LIMIT "+strconv.Itoa(limit), args...)
}

func (c *Core) loadDemoStandards(ctx context.Context, ids map[string]int64, divisions map[string]map[string]int64, as func(string) *auth.Principal) error {
	return c.loadStandardsDemo(ctx, ids, divisions, as)
}
