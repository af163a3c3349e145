package directory

import (
	"context"
	"strconv"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/todo"
)

// TodoSource is the directories' name in the to-do centre.
const TodoSource = "directories"

// EntryURL is an entry's console page.
func EntryURL(k Kind, id int64) string {
	return "/console/directories/" + k.Slug() + "/" + strconv.FormatInt(id, 10)
}

// Todos lists the entries of an agency (the ones it maintains) whose
// verification is stale or turns stale within StaleWarnDays: each goes to
// the responsible division (the entry's, else the kind's in the settings)
// and its liaison, and to whoever manages the directory.
func (s *Service) Todos(ctx context.Context, agencyID int64, today civil.Date) ([]todo.Item, error) {
	var out []todo.Item
	liaisons := map[int64]int64{}
	liaison := func(div int64) int64 {
		if div == 0 {
			return 0
		}
		if u, ok := liaisons[div]; ok {
			return u
		}
		u, err := s.Agencies.LiaisonUser(ctx, div)
		if err != nil {
			u = 0
		}
		liaisons[div] = u
		return u
	}
	for _, k := range Kinds {
		months, div, err := s.staleMonths(ctx, s.DB.R, agencyID, k)
		if err != nil {
			return nil, err
		}
		// verified_on + months <= today + warn  ⇔  verified_on <= cutoff
		cutoff := addMonths(today.AddDays(StaleWarnDays), -months)
		list, err := s.query(ctx, s.DB.R, "e.kind = $1 AND e.agency_id = $2 AND e.verified_on <= $3", string(k), agencyID, cutoff)
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			if !e.Active() {
				continue
			}
			due := addMonths(e.VerifiedOn, months)
			if due.After(today.AddDays(StaleWarnDays)) {
				continue
			}
			d := e.DivisionID
			if d == 0 {
				d = div
			}
			note := "上次核实 " + e.VerifiedOn.String()
			if !today.Before(due) {
				note = "已超过核实周期（" + strconv.Itoa(months) + " 个月），" + note
			}
			out = append(out, todo.Item{Source: TodoSource, Kind: "核实" + k.Label() + "信息", Title: e.Name + "（" + e.Number + "）",
				URL: EntryURL(k, e.ID), Due: due, AgencyID: agencyID, DivisionID: d, UserID: liaison(d), Perm: Perm(k), Note: note})
		}
	}
	return out, nil
}
