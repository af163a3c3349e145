package app

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/staff"
	"github.com/gongkai/gongkai/internal/web"
)

// dashboardCards are the blocks of the console home, each shown to those
// whose duties it concerns.
func (a *App) dashboardCards() []staff.DashboardCard {
	return []staff.DashboardCard{
		func(r *http.Request, p *auth.Principal) *staff.Card {
			if !auth.Allowed(p, auth.ManageAgencySettings) || p.Platform() {
				return nil
			}
			ag, err := a.Agencies.Get(r.Context(), p.AgencyID)
			if err != nil {
				return nil
			}
			missing := agency.MissingGuideFields(ag)
			c := &staff.Card{Title: "政府信息公开指南信息", Link: web.NavItem{Label: "维护单位设置", URL: "/console/agencies/" + strconv.FormatInt(ag.ID, 10) + "/settings"}}
			if len(missing) == 0 {
				c.Value, c.Note = "齐全", "第十二条所列联系信息已全部填写"
			} else {
				c.Value, c.Note = fmt.Sprintf("缺 %d 项", len(missing)), "待补充："+joinCN(missing)
			}
			return c
		},
		func(r *http.Request, p *auth.Principal) *staff.Card {
			if !auth.Allowed(p, auth.ManageStaff) {
				return nil
			}
			users, err := a.Auth.ListUsers(r.Context(), p, p.AgencyID, auth.StaffFilter{})
			if err != nil {
				return nil
			}
			pending := 0
			for _, u := range users {
				if u.Roles.RequiresSecondFactor() && !u.TOTPEnabled {
					pending++
				}
			}
			note := "全部管理员已启用双因素认证"
			if pending > 0 {
				note = fmt.Sprintf("%d 名管理/审计人员尚未设置双因素认证（下次登录时须设置）", pending)
			}
			return &staff.Card{Title: "工作人员", Value: fmt.Sprintf("%d 人", len(users)), Note: note,
				Link: web.NavItem{Label: "管理工作人员", URL: "/console/staff"}}
		},
		func(r *http.Request, p *auth.Principal) *staff.Card {
			if !auth.Allowed(p, auth.ManageCalendar) {
				return nil
			}
			cal, err := a.Calendar.Calendar(r.Context())
			if err != nil {
				return nil
			}
			today := civil.Today()
			next := today.Year + 1
			if cal.Covers(next) {
				return &staff.Card{Title: fmt.Sprintf("%d 年放假安排", next), Value: "已录入",
					Link: web.NavItem{Label: "查看工作日历", URL: "/console/calendar?year=" + strconv.Itoa(next)}}
			}
			note := "国务院办公厅通常在每年 11 月公布下一年度安排，公布后请及时录入。"
			if today.Month >= time.November {
				note = "请尽快根据国务院办公厅通知录入；录入前，跨年期限按周一至周五推定。"
			}
			return &staff.Card{Title: fmt.Sprintf("%d 年放假安排", next), Value: "尚未录入", Note: note,
				Link: web.NavItem{Label: "录入放假安排", URL: "/console/calendar?year=" + strconv.Itoa(next)}}
		},
		func(r *http.Request, p *auth.Principal) *staff.Card {
			if !auth.Allowed(p, auth.ReadAudit) {
				return nil
			}
			f := audit.Filter{AgencyID: p.AgencyID, From: civil.Today().StartUTC(), Limit: 1}
			if p.Platform() {
				f.AgencyID = audit.AllAgencies
			}
			_, total, err := audit.Search(r.Context(), a.DB.R, f)
			if err != nil {
				return nil
			}
			return &staff.Card{Title: "今日审计记录", Value: fmt.Sprintf("%d 条", total), Note: "可在审计日志中查询并校验完整性",
				Link: web.NavItem{Label: "查看审计日志", URL: "/console/audit"}}
		},
	}
}

func joinCN(items []string) string {
	out := ""
	for i, s := range items {
		if i > 0 {
			out += "、"
		}
		out += s
	}
	return out
}
