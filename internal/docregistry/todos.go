package docregistry

import (
	"context"
	"fmt"
	"strconv"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/todo"
)

// TodoSource is the registry's name in the to-do centre.
const TodoSource = "documents"

func docURL(id int64) string { return "/console/documents/" + strconv.FormatInt(id, 10) }

// Todos lists the registry's open work of an agency as of today:
//   - proactive documents due for publication within DueSoonDays working
//     days, or overdue: to the drafting division's liaison (UserID) and
//     whoever may edit items;
//   - attributes waiting for approval: to the approvers;
//   - returned registrations: to the person who registered them;
//   - Art. 18 re-reviews due within ReviewSoonDays: to the registry's
//     managers, by division.
func (s *Service) Todos(ctx context.Context, agencyID int64, today civil.Date) ([]todo.Item, error) {
	docs, err := listDocuments(ctx, s.DB.R, "d.agency_id = $1", agencyID)
	if err != nil {
		return nil, err
	}
	if err := s.complete(ctx, agencyID, docs); err != nil {
		return nil, err
	}
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	soon, err := cal.AddWorkingDays(today, DueSoonDays)
	if err != nil {
		return nil, err
	}
	liaisons := map[int64]int64{}
	liaison := func(div int64) int64 {
		if div == 0 || s.Directory == nil {
			return 0
		}
		if u, ok := liaisons[div]; ok {
			return u
		}
		u, err := s.Directory.LiaisonUser(ctx, div)
		if err != nil {
			u = 0
		}
		liaisons[div] = u
		return u
	}
	var out []todo.Item
	for _, d := range docs {
		title := d.DocNumber + "《" + d.Title + "》"
		switch {
		case d.State == Pending:
			due, err := cal.AddWorkingDays(civil.Of(d.CreatedAt), ApprovalDays)
			if err != nil {
				return nil, err
			}
			out = append(out, todo.Item{Source: TodoSource, Kind: "审核公开属性", Title: title, URL: docURL(d.ID), Due: due,
				AgencyID: agencyID, DivisionID: d.DivisionID, Perm: auth.ApproveDocuments, Note: "拟" + d.Attribute.Label()})
		case d.State == Returned:
			out = append(out, todo.Item{Source: TodoSource, Kind: "修改公文备案", Title: title, URL: docURL(d.ID), Due: civil.Of(d.UpdatedAt),
				AgencyID: agencyID, DivisionID: d.DivisionID, UserID: d.CreatedBy, Perm: auth.ManageDocuments, Note: "公开属性被退回"})
		}
		switch pub := d.Publication(today); {
		case pub == PubOverdue || (pub == PubPending && !d.DueOn.After(soon)):
			url := docURL(d.ID)
			if d.Item != nil && d.Item.ConsoleURL != "" {
				url = d.Item.ConsoleURL
			}
			note := "未生成信息草稿"
			if d.ItemID != 0 {
				note = "信息草稿待发布"
			}
			if pub == PubOverdue {
				if n, err := cal.WorkingDaysBetween(d.DueOn, today); err == nil {
					note = fmt.Sprintf("已逾期 %d 个工作日", n)
				}
			}
			out = append(out, todo.Item{Source: TodoSource, Kind: "发布主动公开公文", Title: title, URL: url, Due: d.DueOn,
				AgencyID: agencyID, DivisionID: d.DivisionID, UserID: liaison(d.DivisionID), Perm: auth.EditItems, Note: note})
		}
		if d.ReviewDue() && !d.NextReview.After(today.AddDays(ReviewSoonDays)) {
			out = append(out, todo.Item{Source: TodoSource, Kind: "定期复核公开属性", Title: title, URL: docURL(d.ID), Due: d.NextReview,
				AgencyID: agencyID, DivisionID: d.DivisionID, Perm: auth.ManageDocuments, Note: d.Attribute.Label() + "（条例第十八条）"})
		}
	}
	return out, nil
}
