package app

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/application"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/staff"
	"github.com/gongkai/gongkai/internal/web"
)

// applicationAgencies adapts the agency service for applications.
type applicationAgencies struct{ svc *agency.Service }

func appRef(a *agency.Agency) application.AgencyRef {
	return application.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name, DisclosureOffice: a.DisclosureOffice, Address: a.Address,
		Postcode: a.Postcode, Phone: a.Phone, Fax: a.Fax, Email: a.Email}
}

func (d applicationAgencies) Agency(ctx context.Context, id int64) (application.AgencyRef, error) {
	a, err := d.svc.Get(ctx, id)
	if err != nil {
		return application.AgencyRef{}, err
	}
	return appRef(a), nil
}

func (d applicationAgencies) AgencyBySlug(ctx context.Context, slug string) (application.AgencyRef, error) {
	a, err := d.svc.BySlug(ctx, slug)
	if err != nil {
		return application.AgencyRef{}, err
	}
	return appRef(a), nil
}

func (d applicationAgencies) Agencies(ctx context.Context) ([]application.AgencyRef, error) {
	all, err := d.svc.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]application.AgencyRef, 0, len(all))
	for _, a := range all {
		out = append(out, appRef(a))
	}
	return out, nil
}

// applicationCards add the applications waiting for registration and the
// overdue ones to the console home.
func (a *App) applicationCards() []staff.DashboardCard {
	count := func(r *http.Request, p *auth.Principal, f application.ListFilter) int {
		f.AgencyID, f.Limit = p.AgencyID, 1
		_, n, err := a.Applications.List(r.Context(), p, f)
		if err != nil {
			return 0
		}
		return n
	}
	return []staff.DashboardCard{
		func(r *http.Request, p *auth.Principal) *staff.Card {
			if p.Platform() || !auth.Allowed(p, auth.ViewApplications) {
				return nil
			}
			n := count(r, p, application.ListFilter{States: []application.State{application.Received}})
			return &staff.Card{Title: "依申请公开：待登记", Value: strconv.Itoa(n) + " 件",
				Note: "网上申请和平常信函、传真须与申请人确认后登记（条例第三十一条）", Link: web.NavItem{Label: "去登记", URL: "/console/applications?view=received"}}
		},
		func(r *http.Request, p *auth.Principal) *staff.Card {
			if p.Platform() || !auth.Allowed(p, auth.ViewApplications) {
				return nil
			}
			n := count(r, p, application.ListFilter{Overdue: true})
			return &staff.Card{Title: "依申请公开：已逾期", Value: strconv.Itoa(n) + " 件", Link: web.NavItem{Label: "查看", URL: "/console/applications?view=overdue"}}
		},
	}
}

// proactiveDrafts makes a draft item from information disclosed on
// application (条例 Art. 44).
type proactiveDrafts struct{ c *Core }

func (d proactiveDrafts) DraftFromApplication(ctx context.Context, p *auth.Principal, agencyID int64, in application.ProactiveDraft) (string, error) {
	// The work unit decides what many applicants' information becomes
	// proactive: it starts the draft with the editing rights this one
	// action needs. The draft then goes through the usual 保密审查 and
	// approval, by the people who hold those duties.
	actor := *p
	actor.Roles = append(append(auth.Roles{}, p.Roles...), auth.Editor)
	col, err := d.c.Disclosure.ColumnBySlug(ctx, agencyID, "qtxx")
	if err != nil {
		return "", err
	}
	body := in.Body
	if body == "" {
		body = "（依申请公开后转为主动公开的信息，请补充正文。）"
	}
	it, err := d.c.Disclosure.Create(ctx, &actor, agencyID, disclosure.DraftFields{Title: in.Title, FormedOn: civil.Of(d.c.Disclosure.Now()).String(),
		Genre: "其他", FivePublics: []string{"result"}, Body: body, SourceType: "self", ColumnIDs: []int64{col.ID},
		Summary: "依申请公开的信息，依《中华人民共和国政府信息公开条例》第四十四条纳入主动公开。"})
	if err != nil {
		return "", err
	}
	for _, f := range in.Files {
		if _, err := d.c.Disclosure.AddAttachment(ctx, &actor, it.ID, f.Name, f.Reader); err != nil {
			return "", err
		}
	}
	return "/console/items/" + strconv.FormatInt(it.ID, 10), nil
}

// applicationCounts gives the concern dashboard the open and overdue
// applications the principal may see (none when they may see none).
func (a *App) applicationCounts(r *http.Request, agencyID int64) (open, overdue int, ok bool) {
	p := web.Principal(r)
	if !auth.Allowed(p, auth.ViewApplications) {
		return 0, 0, false
	}
	_, open, err := a.Applications.List(r.Context(), p, application.ListFilter{AgencyID: agencyID, Limit: 1,
		States: []application.State{application.Received, application.Processing, application.Correction, application.Consulting,
			application.Reasons, application.Payment}})
	if err != nil {
		return 0, 0, false
	}
	_, overdue, err = a.Applications.List(r.Context(), p, application.ListFilter{AgencyID: agencyID, Limit: 1, Overdue: true})
	return open, overdue, err == nil
}
