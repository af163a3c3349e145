package app

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/staff"
	"github.com/gongkai/gongkai/internal/web"
)

// agencyDirectory adapts the agency service for disclosure.
type agencyDirectory struct{ svc *agency.Service }

func ref(a *agency.Agency) disclosure.AgencyRef {
	return disclosure.AgencyRef{ID: a.ID, ParentID: a.ParentID, Slug: a.Slug, Name: a.Name, IndexPrefix: a.IndexPrefix,
		DisclosureOffice: a.DisclosureOffice, Address: a.Address, Postcode: a.Postcode, OfficeHours: a.OfficeHours,
		Phone: a.Phone, Fax: a.Fax, Email: a.Email}
}

func (d agencyDirectory) Agency(ctx context.Context, id int64) (disclosure.AgencyRef, error) {
	a, err := d.svc.Get(ctx, id)
	if err != nil {
		return disclosure.AgencyRef{}, err
	}
	return ref(a), nil
}

func (d agencyDirectory) AgencyBySlug(ctx context.Context, slug string) (disclosure.AgencyRef, error) {
	a, err := d.svc.BySlug(ctx, slug)
	if err != nil {
		return disclosure.AgencyRef{}, err
	}
	return ref(a), nil
}

func (d agencyDirectory) Agencies(ctx context.Context) ([]disclosure.AgencyRef, error) {
	all, err := d.svc.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]disclosure.AgencyRef, 0, len(all))
	for _, a := range all {
		out = append(out, ref(a))
	}
	return out, nil
}

// disclosureHome adds the latest items, the catalogue and the topical
// columns to each agency's home page.
func (a *App) disclosureHome() []agency.HomeSection {
	return []agency.HomeSection{
		func(r *http.Request, ag *agency.Agency) (string, []web.NavItem) {
			items, err := a.Disclosure.PinnedInAgency(r.Context(), ag.ID, 5)
			if err != nil || len(items) == 0 {
				return "", nil
			}
			var links []web.NavItem
			for _, it := range items {
				links = append(links, web.NavItem{Label: it.Title, URL: ag.HomeURL() + "items/" + strconv.FormatInt(it.ID, 10), Note: it.PublishedOn.String()})
			}
			return "置顶信息", links
		},
		func(r *http.Request, ag *agency.Agency) (string, []web.NavItem) {
			items, _, err := a.Disclosure.PublicList(r.Context(), disclosure.ListFilter{AgencyIDs: []int64{ag.ID}, Limit: 8, NoCount: true})
			if err != nil {
				return "", nil
			}
			var links []web.NavItem
			for _, it := range items {
				links = append(links, web.NavItem{Label: it.Title, URL: ag.HomeURL() + "items/" + strconv.FormatInt(it.ID, 10), Note: it.PublishedOn.String()})
			}
			links = append(links, web.NavItem{Label: "更多信息……", URL: ag.HomeURL() + "gk/"})
			return "最新公开", links
		},
		func(r *http.Request, ag *agency.Agency) (string, []web.NavItem) {
			cols, err := a.Disclosure.TopicalColumns(r.Context(), ag.ID)
			if err != nil || len(cols) == 0 {
				return "", nil
			}
			var links []web.NavItem
			for _, c := range cols {
				note := "持续更新"
				if !c.Open {
					note = "已结束"
				}
				links = append(links, web.NavItem{Label: c.Name, URL: ag.HomeURL() + "topics/" + c.Slug, Note: note})
			}
			return "专题专栏", links
		},
		func(r *http.Request, ag *agency.Agency) (string, []web.NavItem) {
			cols, err := a.Disclosure.Catalogue(r.Context(), ag.ID)
			if err != nil {
				return "", nil
			}
			var links []web.NavItem
			for _, c := range disclosure.Tree(cols) {
				if !c.Hidden {
					links = append(links, web.NavItem{Label: c.Name, URL: ag.HomeURL() + "gk/" + c.Slug})
				}
			}
			return "政府信息公开目录", links
		},
	}
}

// disclosureCards add the review queue and the publication deadlines to
// the console home.
func (a *App) disclosureCards() []staff.DashboardCard {
	count := func(r *http.Request, p *auth.Principal, st disclosure.Status) int {
		_, n, err := a.Disclosure.ConsoleList(r.Context(), p, p.AgencyID, disclosure.ListFilter{Statuses: []disclosure.Status{st}, Limit: 1})
		if err != nil {
			return 0
		}
		return n
	}
	return []staff.DashboardCard{
		func(r *http.Request, p *auth.Principal) *staff.Card {
			if p.Platform() || !auth.Allowed(p, auth.ManageCatalogue) {
				return nil
			}
			ag, err := a.Agencies.Get(r.Context(), p.AgencyID)
			if err != nil {
				return nil
			}
			gaps := ref(ag).GuideGaps()
			if len(gaps) == 0 {
				return nil
			}
			return &staff.Card{Title: "待办：完善政府信息公开指南", Value: strconv.Itoa(len(gaps)) + " 项未填写",
				Note: "缺少：" + strings.Join(gaps, "、"), Link: web.NavItem{Label: "去填写", URL: "/console/agency"}}
		},
		func(r *http.Request, p *auth.Principal) *staff.Card {
			if p.Platform() || !auth.Allowed(p, auth.ReviewItems) {
				return nil
			}
			n := count(r, p, disclosure.Submitted)
			return &staff.Card{Title: "待审核（保密审查）", Value: strconv.Itoa(n) + " 条", Link: web.NavItem{Label: "去审核", URL: "/console/items?status=submitted"}}
		},
		func(r *http.Request, p *auth.Principal) *staff.Card {
			if p.Platform() || !auth.Allowed(p, auth.ApproveItems) {
				return nil
			}
			n := count(r, p, disclosure.Reviewed)
			return &staff.Card{Title: "待审批或发布", Value: strconv.Itoa(n) + " 条", Link: web.NavItem{Label: "去处理", URL: "/console/items?status=reviewed"}}
		},
		func(r *http.Request, p *auth.Principal) *staff.Card {
			if p.Platform() || !auth.Allowed(p, auth.ViewItems) {
				return nil
			}
			due, err := a.Disclosure.DueSoon(r.Context(), p, p.AgencyID, 5)
			if err != nil {
				return nil
			}
			note := "没有 5 个工作日内到期或已逾期的信息"
			if len(due) > 0 {
				note = "条例第二十六条：形成或变更之日起 20 个工作日内公开"
			}
			return &staff.Card{Title: "主动公开期限", Value: strconv.Itoa(len(due)) + " 条将到期或已逾期", Note: note, Link: web.NavItem{Label: "查看", URL: "/console/items"}}
		},
	}
}
