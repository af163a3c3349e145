package app

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/normative"
	"github.com/gongkai/gongkai/internal/web"
)

// The normative-document library (行政规范性文件, issue 7) is wired here:
// openNormative builds its service in the Core, registerNormative adds its
// routes, normativeNotices gives item pages its status banners, and
// loadDemoNormative fills the demo (demo_normative.go).

// normativeService names the library's service for the Core's field.
type normativeService = normative.Service

func (c *Core) openNormative() {
	c.Normative = normative.NewService(normative.Deps{DB: c.DB, Items: normativeItems{c}, Agencies: normativeAgencies{c},
		Version: c.Version, Now: c.Disclosure.Now})
}

func (a *App) registerNormative(w *web.App, site func(r *http.Request, agencyID int64) web.Site) error {
	_, err := normative.Register(w, a.Normative, site)
	return err
}

// registerNormativeJobs adds the library's daily jobs: statuses that
// follow from the dates (尚未生效 → 现行有效 on the 施行 day, 已失效 the day
// after the last day) just after midnight, and the evaluation reminders
// six months before expiry in the morning. To be called from registerJobs
// (app.go belongs to the lead engineer); until then the reference below
// keeps the linters quiet.
func (a *App) registerNormativeJobs() {
	a.Jobs.Daily("normative.expire", 0, 5, func(ctx context.Context) error {
		_, err := a.Normative.ExpireDue(ctx)
		return err
	})
	a.Jobs.Daily("normative.remind", 7, 30, func(ctx context.Context) error {
		_, err := a.Normative.RemindDue(ctx)
		return err
	})
}

func (a *App) normativeNotices(ctx context.Context, agencyID, itemID int64) ([]disclosure.ItemNotice, error) {
	ns, err := a.Normative.Notices(ctx, agencyID, itemID)
	if err != nil {
		return nil, err
	}
	out := make([]disclosure.ItemNotice, 0, len(ns))
	for _, n := range ns {
		out = append(out, disclosure.ItemNotice{Warning: n.Warning, Text: n.Text, LinkText: n.LinkText, URL: n.URL})
	}
	return out, nil
}

// normativeAgencies adapts the agency service.
type normativeAgencies struct{ c *Core }

func (n normativeAgencies) Agency(ctx context.Context, id int64) (normative.AgencyRef, error) {
	a, err := n.c.Agencies.Get(ctx, id)
	if err != nil {
		return normative.AgencyRef{}, err
	}
	return normative.AgencyRef{ID: a.ID, ParentID: a.ParentID, Slug: a.Slug, Name: a.Name}, nil
}

func (n normativeAgencies) AgencyBySlug(ctx context.Context, slug string) (normative.AgencyRef, error) {
	a, err := n.c.Agencies.BySlug(ctx, slug)
	if err != nil {
		return normative.AgencyRef{}, err
	}
	return normative.AgencyRef{ID: a.ID, ParentID: a.ParentID, Slug: a.Slug, Name: a.Name}, nil
}

func (n normativeAgencies) Agencies(ctx context.Context) ([]normative.AgencyRef, error) {
	all, err := n.c.Agencies.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]normative.AgencyRef, 0, len(all))
	for _, a := range all {
		out = append(out, normative.AgencyRef{ID: a.ID, ParentID: a.ParentID, Slug: a.Slug, Name: a.Name})
	}
	return out, nil
}

// normativeItems gives the library the information items (SQL on the
// items table, and disclosure's SetValidity for their 有效性).
type normativeItems struct{ c *Core }

const normativeItemQuery = `SELECT i.id, i.agency_id, i.title, i.doc_number, i.publisher, i.signed_on, i.published_on, COALESCE(t.name, ''),
	i.status, a.slug, i.index_number
	FROM items i JOIN agencies a ON a.id = i.agency_id LEFT JOIN topics t ON t.id = i.topic_id`

func scanNormativeItem(row interface{ Scan(...any) error }) (normative.ItemRef, error) {
	var (
		it           normative.ItemRef
		status, slug string
	)
	if err := row.Scan(&it.ID, &it.AgencyID, &it.Title, &it.DocNumber, &it.Publisher, &it.SignedOn, &it.PublishedOn, &it.Topic,
		&status, &slug, &it.IndexNumber); err != nil {
		return it, err
	}
	st := disclosure.Status(status)
	it.Public = st.Public()
	it.State = st.Label()
	it.Withdrawn = st == disclosure.Withdrawn
	it.URL = "/o/" + slug + "/items/" + strconv.FormatInt(it.ID, 10)
	return it, nil
}

func (n normativeItems) Item(ctx context.Context, id int64) (normative.ItemRef, error) {
	it, err := scanNormativeItem(n.c.DB.R.QueryRowContext(ctx, normativeItemQuery+" WHERE i.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return it, apperr.NotFoundf("没有这条信息。")
	}
	return it, err
}

func (n normativeItems) query(ctx context.Context, q string, args ...any) ([]normative.ItemRef, error) {
	rows, err := n.c.DB.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []normative.ItemRef
	for rows.Next() {
		it, err := scanNormativeItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

func (n normativeItems) Items(ctx context.Context, ids []int64) (map[int64]normative.ItemRef, error) {
	out := make(map[int64]normative.ItemRef, len(ids))
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 500)]
		ids = ids[len(batch):]
		var (
			ps   []string
			args []any
		)
		for _, id := range batch {
			args = append(args, id)
			ps = append(ps, "$"+strconv.Itoa(len(args)))
		}
		list, err := n.query(ctx, normativeItemQuery+" WHERE i.id IN ("+strings.Join(ps, ", ")+")", args...)
		if err != nil {
			return nil, err
		}
		for _, it := range list {
			out[it.ID] = it
		}
	}
	return out, nil
}

func (n normativeItems) Candidates(ctx context.Context, agencyID int64, limit int) ([]normative.ItemRef, error) {
	return n.query(ctx, normativeItemQuery+" WHERE i.agency_id = $1 AND i.status <> 'withdrawn' ORDER BY i.updated_at DESC, i.id DESC LIMIT $2",
		agencyID, limit)
}

func (n normativeItems) ByIndexNumber(ctx context.Context, agencyID int64, index string) (normative.ItemRef, error) {
	it, err := scanNormativeItem(n.c.DB.R.QueryRowContext(ctx, normativeItemQuery+" WHERE i.agency_id = $1 AND i.index_number = $2", agencyID, index))
	if errors.Is(err, sql.ErrNoRows) {
		return it, apperr.NotFoundf("没有这条信息。")
	}
	return it, err
}

func (n normativeItems) SetValidity(ctx context.Context, tx db.Tx, actor audit.Actor, itemID int64, validity, note string) error {
	return n.c.Disclosure.SetValidity(ctx, tx, actor, itemID, validity, note)
}

// normativeToday is the library's date (the demo's dates are relative to
// it, so that every status shows whenever the demo is loaded).
func (c *Core) normativeToday() civil.Date { return c.Normative.Today() }
