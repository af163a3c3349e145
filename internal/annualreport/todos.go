package annualreport

import (
	"context"
	"strconv"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/todo"
)

// TodoSource is the reports' name in the to-do centre.
const TodoSource = "annualreport"

// Todos: from 1 January each agency has the report on the year before to
// publish, due 31 January (Art. 49) and overdue after it, until it is
// published.
func (s *Service) Todos(ctx context.Context, agencyID int64, today civil.Date) ([]todo.Item, error) {
	year := today.Year - 1
	if year < FirstYear {
		return nil, nil
	}
	list, err := s.query(ctx, s.DB.R, "agency_id = $1 AND year = $2 ORDER BY version DESC", agencyID, year)
	if err != nil {
		return nil, err
	}
	note := "尚未开始编制"
	url := "/console/annual-reports/new?year=" + strconv.Itoa(year)
	for _, r := range list {
		if r.State == Published {
			return nil, nil
		}
		if r.State == Draft {
			note, url = "草稿待完成和发布", ReportURL(r.ID)
		}
	}
	return []todo.Item{{Source: TodoSource, Kind: "发布政府信息公开工作年度报告", Title: strconv.Itoa(year) + "年政府信息公开工作年度报告",
		URL: url, Due: DueOn(year), AgencyID: agencyID, Perm: auth.ManageAnnualReport, Note: note + "（条例第四十九条：每年1月31日前公布）"}}, nil
}

// ReportURL is a report version's console page.
func ReportURL(id int64) string { return "/console/annual-reports/" + strconv.FormatInt(id, 10) }
