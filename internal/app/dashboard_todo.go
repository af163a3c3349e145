package app

import (
	"fmt"
	"net/http"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/staff"
	"github.com/gongkai/gongkai/internal/todo"
	"github.com/gongkai/gongkai/internal/web"
)

// todoCards are the console home's to-do block: the person's overdue and
// due-soon items, in words (never colour alone), linking to the list.
// They come first on the console home.
func (a *App) todoCards() []staff.DashboardCard {
	return []staff.DashboardCard{
		func(r *http.Request, p *auth.Principal) *staff.Card {
			if p == nil || p.AgencyID == 0 || a.Todos == nil {
				return nil
			}
			total, overdue, soon, err := a.Todos.Counts(r.Context(), p)
			if err != nil {
				return nil
			}
			c := &staff.Card{Title: "我的待办", Value: fmt.Sprintf("%d 项", total), Link: web.NavItem{Label: "查看待办", URL: "/console/todo"}}
			switch {
			case overdue > 0:
				c.Note = fmt.Sprintf("已逾期 %d 项，%d 个工作日内到期 %d 项", overdue, todo.SoonWorkingDays, soon)
				c.Link = web.NavItem{Label: "查看已逾期的待办", URL: "/console/todo?state=overdue"}
			case soon > 0:
				c.Note = fmt.Sprintf("没有逾期；%d 个工作日内到期 %d 项", todo.SoonWorkingDays, soon)
			case total > 0:
				c.Note = "没有逾期或即将到期的待办"
			default:
				c.Note = "目前没有待办事项"
			}
			return c
		},
	}
}
