package app

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/application"
	"github.com/gongkai/gongkai/internal/consultation"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/pubstats"
	"github.com/gongkai/gongkai/internal/web"
)

// Public statistics and open data (issue 11 item 6) are wired here:
// openPubStats builds the service on the other capabilities' aggregates —
// published items (disclosure), applications, letters and messages
// (concern), consultations — and registerPubStats adds the statistics
// page, its CSV/JSON downloads and the open-data catalogue downloads.

// pubStatsService names the statistics service for the Core's field.
type pubStatsService = pubstats.Service

func (c *Core) openPubStats() {
	c.PubStats = pubstats.NewService(pubstats.Deps{Agencies: pubStatsAgencies{c.Agencies}, Items: pubStatsItems{c},
		Applications: pubStatsApplications{c}, Interactions: pubStatsInteractions{c}, Consultations: pubStatsConsultations{c},
		Now: c.Disclosure.Now})
}

func (a *App) registerPubStats(w *web.App, site func(r *http.Request, agencyID int64) web.Site) error {
	_, err := pubstats.Register(w, a.PubStats, site, a.Pages.Wrap)
	return err
}

// pubStatsAgencies gives the statistics the agencies.
type pubStatsAgencies struct{ s *agency.Service }

func (d pubStatsAgencies) AgencyBySlug(ctx context.Context, slug string) (pubstats.AgencyRef, error) {
	a, err := d.s.BySlug(ctx, slug)
	if err != nil {
		return pubstats.AgencyRef{}, err
	}
	return pubstats.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, nil
}

// pubStatsItems adapts the published items. Columns the portal hides
// (and those under a hidden column) are left out, as on the item pages.
type pubStatsItems struct{ c *Core }

// publicColumns are an agency's columns the portal shows, by ID, with
// their page.
func (p pubStatsItems) publicColumns(ctx context.Context, agencyID int64) (map[int64]*disclosure.Column, string, error) {
	ag, err := p.c.Agencies.Get(ctx, agencyID)
	if err != nil {
		return nil, "", err
	}
	cols, err := p.c.Disclosure.Catalogue(ctx, agencyID)
	if err != nil {
		return nil, "", err
	}
	byID := map[int64]*disclosure.Column{}
	for _, c := range cols {
		byID[c.ID] = c
	}
	out := map[int64]*disclosure.Column{}
	for _, c := range cols {
		hidden := c.Hidden
		for q := byID[c.ParentID]; q != nil && !hidden; q = byID[q.ParentID] {
			hidden = q.Hidden
		}
		if !hidden {
			out[c.ID] = c
		}
	}
	return out, ag.Slug, nil
}

func columnPath(slug string, c *disclosure.Column) string {
	if c.Kind == disclosure.KindTopical {
		return "/o/" + slug + "/topics/" + c.Slug
	}
	return "/o/" + slug + "/gk/" + c.Slug
}

func (p pubStatsItems) Published(ctx context.Context, agencyID int64, year int) (pubstats.ItemStats, error) {
	st, err := p.c.Disclosure.PublishedStats(ctx, agencyID, year)
	if err != nil {
		return pubstats.ItemStats{}, err
	}
	out := pubstats.ItemStats{Total: st.Total, Months: make([]pubstats.MonthCount, 12)}
	for i, n := range st.Months {
		out.Months[i] = pubstats.MonthCount{Month: i + 1, Count: n}
	}
	for _, f := range st.FivePublics {
		out.FivePublics = append(out.FivePublics, pubstats.NamedCount{Key: string(f.Code), Label: f.Label, Count: f.Count})
	}
	if len(st.Columns) == 0 {
		return out, nil
	}
	shown, slug, err := p.publicColumns(ctx, agencyID)
	if err != nil {
		return pubstats.ItemStats{}, err
	}
	for _, cc := range st.Columns {
		if shown[cc.Column.ID] == nil {
			continue
		}
		c := pubstats.ColumnCount{Slug: cc.Column.Slug, Name: cc.Column.Name, URL: columnPath(slug, cc.Column), Count: cc.Count}
		if cc.Parent != nil {
			c.Parent = cc.Parent.Name
		}
		out.Columns = append(out.Columns, c)
	}
	return out, nil
}

func (p pubStatsItems) EachEntry(ctx context.Context, agencyID int64, fn func(*pubstats.CatalogueEntry) error) error {
	shown, slug, err := p.publicColumns(ctx, agencyID)
	if err != nil {
		return err
	}
	topics, err := p.c.Disclosure.Topics(ctx, agencyID)
	if err != nil {
		return err
	}
	topicNames := map[int64]string{}
	for _, t := range topics {
		topicNames[t.ID] = t.Name
	}
	base := strings.TrimRight(p.c.Config.BaseURL, "/") + "/o/" + slug + "/items/"
	var e pubstats.CatalogueEntry
	return p.c.Disclosure.EachPublicEntry(ctx, agencyID, func(it *disclosure.PublicEntry) error {
		e = pubstats.CatalogueEntry{ID: it.ID, IndexNumber: it.IndexNumber, Title: it.Title, DocNumber: it.DocNumber, Publisher: it.Publisher,
			SignedOn: it.SignedOn, PublishedOn: it.PublishedOn, Topic: topicNames[it.TopicID], Genre: it.Genre, Method: it.Method,
			Superseded: it.Superseded, URL: base + strconv.FormatInt(it.ID, 10)}
		if it.Validity != "" {
			e.Validity = disclosure.ValidityLabel(it.Validity)
		}
		for _, id := range it.ColumnIDs {
			if c := shown[id]; c != nil {
				e.Columns = append(e.Columns, c.Name)
			}
		}
		for _, f := range it.FivePublics {
			e.FivePublics = append(e.FivePublics, disclosure.FivePublicLabel(f))
		}
		return fn(&e)
	})
}

// pubStatsApplications adapts 依申请公开: table three's totals and groups,
// and the reply times.
type pubStatsApplications struct{ c *Core }

func (p pubStatsApplications) Year(ctx context.Context, agencyID int64, year int) (pubstats.ApplicationStats, error) {
	t, err := p.c.Applications.TableThree(ctx, agencyID, year)
	if err != nil {
		return pubstats.ApplicationStats{}, err
	}
	const total = application.NumCols - 1
	out := pubstats.ApplicationStats{Received: t.Get(application.RowNewReceived, total), CarriedOver: t.Get(application.RowCarriedOver, total),
		Processed: t.Get(application.RowTotalProcessed, total), CarriedForward: t.Get(application.RowCarriedForward, total)}
	for _, g := range t.OutcomeGroups() {
		out.Outcomes = append(out.Outcomes, pubstats.NamedCount{Key: g.Key, Label: g.Label, Count: g.Count})
	}
	r, err := p.c.Applications.ResponseTimes(ctx, agencyID, year)
	if err != nil {
		return pubstats.ApplicationStats{}, err
	}
	out.Response = pubstats.Response{Replied: r.Replied, AverageDays: pubstats.Days(r.AvgDays(), r.Replied),
		Within20Days: r.WithinStatutory, Within20DaysPercent: pubstats.Percent(r.WithinStatutory, r.Replied),
		WithinLimit: r.WithinLimit, WithinLimitPercent: pubstats.Percent(r.WithinLimit, r.Replied), Extended: r.Extended}
	if r.Replied > 0 {
		m := r.MaxDays
		out.Response.MaxDays = &m
	}
	return out, nil
}

// pubStatsInteractions adapts 互动交流: the figures of every channel of
// internal/concern for the cases received in the year.
type pubStatsInteractions struct{ c *Core }

func (p pubStatsInteractions) Year(ctx context.Context, agencyID int64, year int) (pubstats.InteractionStats, error) {
	st, err := p.c.Concerns.Statistics(ctx, agencyID, year)
	if err != nil {
		return pubstats.InteractionStats{}, err
	}
	out := pubstats.InteractionStats{Received: st.Total.Received, Replied: st.Total.Replied, AverageDays: pubstats.Days(st.Total.AvgDays, st.Total.Replied)}
	for _, ch := range st.Channels {
		out.Channels = append(out.Channels, pubstats.ChannelStats{Key: string(ch.Channel), Label: ch.Channel.Label(), Received: ch.Received,
			Replied: ch.Replied, AverageDays: pubstats.Days(ch.AvgDays, ch.Replied)})
	}
	for _, m := range st.Months {
		out.Months = append(out.Months, pubstats.MonthPair{Month: m.Month, Received: m.Received, Replied: m.Replied})
	}
	return out, nil
}

// pubStatsConsultations adapts 征求意见.
type pubStatsConsultations struct{ c *Core }

func (p pubStatsConsultations) Year(ctx context.Context, agencyID int64, year int) (pubstats.ConsultationStats, error) {
	st, err := p.c.Consultations.YearStats(ctx, agencyID, year)
	if err != nil {
		return pubstats.ConsultationStats{}, err
	}
	out := pubstats.ConsultationStats{Held: st.Held, Comments: st.Comments, Participants: st.Participants, Answered: st.Answered,
		Adopted: st.Adopted, Partly: st.Partly}
	if len(st.Consultations) == 0 {
		return out, nil
	}
	ag, err := p.c.Agencies.Get(ctx, agencyID)
	if err != nil {
		return pubstats.ConsultationStats{}, err
	}
	for _, k := range st.Consultations {
		out.Consultations = append(out.Consultations, pubstats.ConsultationItem{Title: k.Title, URL: consultation.URL(ag.Slug, k.ID),
			OpensOn: k.OpensOn, ClosesOn: k.ClosesOn, Comments: k.Comments, Participants: k.Participants})
	}
	return out, nil
}
