package app

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"strconv"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/annualreport"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/consultation"
	"github.com/gongkai/gongkai/internal/decision"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/openday"
	"github.com/gongkai/gongkai/internal/socialeval"
)

// consultationAgencies gives consultations the agencies.
type consultationAgencies struct{ s *agency.Service }

func (d consultationAgencies) Agency(ctx context.Context, id int64) (consultation.AgencyRef, error) {
	a, err := d.s.Get(ctx, id)
	if err != nil {
		return consultation.AgencyRef{}, err
	}
	return consultation.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, nil
}

func (d consultationAgencies) AgencyBySlug(ctx context.Context, slug string) (consultation.AgencyRef, error) {
	a, err := d.s.BySlug(ctx, slug)
	if err != nil {
		return consultation.AgencyRef{}, err
	}
	return consultation.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, nil
}

// consultationDecisions lets a consultation name the major decision it is
// held for: any of the agency's entries, in or out of the published
// catalogue (a consultation may come before the catalogue is published).
type consultationDecisions struct{ c *Core }

func (d consultationDecisions) Decisions(ctx context.Context, agencyID int64) ([]consultation.DecisionRef, error) {
	rows, err := d.c.DB.R.QueryContext(ctx, `SELECT d.id, d.title, a.slug FROM decisions d JOIN agencies a ON a.id = d.agency_id
		WHERE d.agency_id = $1 ORDER BY d.year DESC, d.sort_order, d.id`, agencyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []consultation.DecisionRef
	for rows.Next() {
		var r consultation.DecisionRef
		var slug string
		if err := rows.Scan(&r.ID, &r.Title, &slug); err != nil {
			return nil, err
		}
		r.URL = "/o/" + slug + "/decisions/" + strconv.FormatInt(r.ID, 10)
		out = append(out, r)
	}
	return out, rows.Err()
}

func (d consultationDecisions) Decision(ctx context.Context, agencyID, id int64) (consultation.DecisionRef, error) {
	var r consultation.DecisionRef
	var slug string
	err := d.c.DB.R.QueryRowContext(ctx, `SELECT d.id, d.title, a.slug FROM decisions d JOIN agencies a ON a.id = d.agency_id
		WHERE d.id = $1 AND d.agency_id = $2`, id, agencyID).Scan(&r.ID, &r.Title, &slug)
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.NotFoundf("没有这项决策事项。")
	}
	r.URL = "/o/" + slug + "/decisions/" + strconv.FormatInt(r.ID, 10)
	return r, err
}

func (d consultationDecisions) PublicDecision(ctx context.Context, agencyID, id int64) (consultation.DecisionRef, error) {
	det, err := d.c.Decisions.PublicDecision(ctx, agencyID, id)
	if err != nil {
		return consultation.DecisionRef{}, err
	}
	slug := ""
	d.c.DB.R.QueryRowContext(ctx, `SELECT slug FROM agencies WHERE id = $1`, agencyID).Scan(&slug)
	return consultation.DecisionRef{ID: id, Title: det.Title, URL: "/o/" + slug + "/decisions/" + strconv.FormatInt(id, 10)}, nil
}

// decisionConsultations gives a decision's page and archive its
// consultations.
type decisionConsultations struct{ s *consultation.Service }

func (d decisionConsultations) ForDecision(ctx context.Context, decisionID int64) ([]decision.ConsultationRef, error) {
	list, err := d.s.ForDecision(ctx, decisionID)
	if err != nil {
		return nil, err
	}
	out := make([]decision.ConsultationRef, 0, len(list))
	for _, r := range list {
		out = append(out, decision.ConsultationRef{ID: r.ID, Title: r.Title, URL: r.URL, State: r.Phase.Label(), Opens: r.OpensOn,
			Closes: r.ClosesOn, Comments: r.Comments, FeedbackURL: r.FeedbackURL})
	}
	return out, nil
}

func (d decisionConsultations) ArchiveFiles(ctx context.Context, decisionID int64, add func(name string, r io.Reader) error) error {
	return d.s.ArchiveFiles(ctx, decisionID, add)
}

// sitemapPages are the public pages of consultations, major decisions,
// the standard catalogue and the normative-document library, for
// /sitemap.xml.
func (a *App) sitemapPages(ctx context.Context) ([]disclosure.SitemapPage, error) {
	agencies, err := a.Agencies.List(ctx)
	if err != nil {
		return nil, err
	}
	slugs := map[int64]string{}
	var out []disclosure.SitemapPage
	for _, ag := range agencies {
		slugs[ag.ID] = ag.Slug
		for _, page := range []string{"consultations", "decisions", "standards", "normative", "opendays", "surveys", "evaluations", "newmedia", "statistics", "open-data"} {
			out = append(out, disclosure.SitemapPage{Path: "/o/" + ag.Slug + "/" + page})
		}
		dirs, err := a.directorySitemap(ctx, ag.ID, ag.Slug)
		if err != nil {
			return nil, err
		}
		out = append(out, dirs...)
		up, past, err := a.OpenDays.PublicList(ctx, ag.ID)
		if err != nil {
			return nil, err
		}
		for _, e := range append(up, past...) {
			if e.State != openday.Cancelled {
				out = append(out, disclosure.SitemapPage{Path: openday.URL(ag.Slug, e.ID), LastMod: civil.Of(e.UpdatedAt)})
			}
		}
		reports, _, err := a.Evaluations.PublicList(ctx, ag.ID)
		if err != nil {
			return nil, err
		}
		for _, c := range reports {
			out = append(out, disclosure.SitemapPage{Path: socialeval.URL(ag.Slug, c.ID)})
		}
		annual, err := a.AnnualReports.PublicReports(ctx, ag.ID)
		if err != nil {
			return nil, err
		}
		if len(annual) > 0 {
			out = append(out, disclosure.SitemapPage{Path: annualreport.PortalListURL(ag.Slug)})
		}
		for _, r := range annual {
			out = append(out, disclosure.SitemapPage{Path: annualreport.PortalURL(ag.Slug, r.Year), LastMod: civil.Of(r.PublishedAt)})
		}
	}
	list, err := a.Consultations.PublicList(ctx, 0)
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		out = append(out, disclosure.SitemapPage{Path: consultation.URL(slugs[c.AgencyID], c.ID), LastMod: civil.Of(c.PublishedAt)})
		if c.State == consultation.Answered {
			out = append(out, disclosure.SitemapPage{Path: consultation.FeedbackURL(slugs[c.AgencyID], c.ID), LastMod: civil.Of(c.FeedbackPublishedAt)})
		}
	}
	decisions, _, err := a.Decisions.PublicList(ctx, decision.ListFilter{Limit: 10_000})
	if err != nil {
		return nil, err
	}
	for _, d := range decisions {
		out = append(out, disclosure.SitemapPage{Path: "/o/" + slugs[d.AgencyID] + "/decisions/" + strconv.FormatInt(d.ID, 10)})
	}
	return out, nil
}
