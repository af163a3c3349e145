package app

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/todo"
	"github.com/gongkai/gongkai/internal/web"
)

// The liaison roster (联络员, issue 9) lives with the divisions in
// internal/agency. registerLiaisons adds its console pages and the agency
// to-do "处室未指定联络员"; other capabilities route a division's work with
// c.Agencies.Liaison(ctx, divisionID) → RouteTo() (see docLiaisons in
// wire_documents.go).

func (a *App) registerLiaisons(w *web.App, site func(r *http.Request, agencyID int64) web.Site) error {
	agency.RegisterLiaisons(w, a.Agencies)
	if a.Todos != nil {
		a.Todos.Register("liaisons", a.liaisonTodos)
	}
	return nil
}

// liaisonTodos asks the agency administrator to name the missing liaisons.
func (a *App) liaisonTodos(ctx context.Context, agencyID int64, today civil.Date) ([]todo.Item, error) {
	divs, err := a.Agencies.DivisionsWithoutLiaison(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	out := make([]todo.Item, 0, len(divs))
	for _, d := range divs {
		out = append(out, todo.Item{Source: "liaisons", Kind: "指定联络员", Title: "处室未指定联络员：" + d.Name,
			URL: fmt.Sprintf("/console/liaisons/%d/edit", d.ID), Due: today, AgencyID: agencyID, DivisionID: d.ID,
			Perm: auth.ManageLiaisons})
	}
	return out, nil
}

// demoLiaisons are the demo bureau's roster (names and numbers invented).
// 宗教工作三处 has named nobody, so the roster and the administrator's
// to-dos show the gap.
var demoLiaisons = []struct {
	division, account, name, position, phone, mobile string
	deputy                                           string
	deputyMobile                                     string
}{
	{"办公室", "mzzj.handler", "", "一级主任科员", "021-63210010", "13900002001", "吴佳琪", "13900002101"},
	{"政策法规处", "mzzj.policy", "", "副处长", "021-63210020", "13900002002", "郑宇航", "13900002102"},
	{"民族工作一处", "", "买买提·艾力", "二级主任科员", "021-63210030", "13900002003", "", ""},
	{"民族工作二处", "", "黄丽萍", "四级调研员", "021-63210040", "13900002004", "许志强", "13900002104"},
	{"宗教工作一处", "mzzj.liaison", "", "一级主任科员", "021-63210050", "13900002005", "何晓东", "13900002105"},
	{"宗教工作二处", "", "林静", "二级主任科员", "021-63210060", "13900002006", "", ""},
	{"人事处", "", "曹敏", "一级主任科员", "021-63210080", "13900002008", "", ""},
}

func (c *Core) loadDemoLiaisons(ctx context.Context, ids map[string]int64, divisions map[string]map[string]int64, as func(string) *auth.Principal) error {
	admin := as("mzzj.admin")
	agencyID := ids["mzzj"]
	if admin == nil || agencyID == 0 {
		return nil
	}
	for _, l := range demoLiaisons {
		div := divisions["mzzj"][l.division]
		if div == 0 {
			continue
		}
		in := agency.LiaisonInput{Primary: agency.ContactInput{Name: l.name, Position: l.position, OfficePhone: l.phone, Mobile: l.mobile}}
		if l.account != "" {
			if u := as(l.account); u != nil {
				in.Primary.UserID = u.UserID
			}
		}
		if l.deputy != "" {
			in.Deputy = agency.ContactInput{Name: l.deputy, Position: "科员", OfficePhone: l.phone, Mobile: l.deputyMobile}
		}
		if err := c.Agencies.SetLiaison(ctx, admin, agencyID, div, in); err != nil {
			return fmt.Errorf("demo liaison %s: %w", l.division, err)
		}
	}
	return nil
}
