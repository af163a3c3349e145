package stdcatalog_test

import (
	"context"
	"testing"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/stdcatalog"
)

// DueWork lists the missing publications and the annual ones coming due,
// not the years that are published.
func TestDueWork(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		// A formed-rule entry with nothing linked: missing, due now.
		formed, err := f.svc.Create(ctx, f.editor, valid(f.divA), "按职能编制目录")
		if err != nil {
			t.Fatal(err)
		}
		annual := func(l2, date string) *stdcatalog.Entry {
			in := valid(f.divA)
			in.L1, in.L2, in.TimeLimit, in.RuleKind, in.RuleDate, in.MonitorFrom = "财政预决算", l2, "每年规定日期前", "annual", date, "2025-01-01"
			e, err := f.svc.Create(ctx, f.editor, in, "按预算公开要求编制")
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		budget := annual("部门预算", "03-31")
		final := annual("部门决算", "12-20")
		done := annual("三公经费", "12-15")
		b25 := f.item(t, f.a, "2025年部门预算", "published", "2025-02-10", "2025-02-10")
		d25 := f.item(t, f.a, "2025年部门决算", "published", "2025-12-01", "2025-12-01")
		s26 := f.item(t, f.a, "2026年三公经费", "published", "2026-11-20", "2026-11-20")
		for e, it := range map[int64]int64{budget.ID: b25, final.ID: d25, done.ID: s26} {
			if err := f.svc.Link(ctx, f.editor, e, it); err != nil {
				t.Fatal(err)
			}
		}
		today := civil.MustParse("2026-11-30")
		list, err := f.svc.DueWork(ctx, f.a, today)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]stdcatalog.DueWork{}
		for _, w := range list {
			if w.Entry.ID == done.ID && w.Year == 2026 {
				t.Errorf("an entry published this year is listed: %+v", w)
			}
			got[w.Entry.ID] = w
		}
		if len(list) != 4 {
			t.Fatalf("due work: %+v", list)
		}
		if w := got[formed.ID]; !w.Missing || w.Due != today {
			t.Errorf("formed-rule entry: %+v", w)
		}
		if w := got[budget.ID]; !w.Missing || w.Year != 2026 || w.Due != civil.MustParse("2026-03-31") {
			t.Errorf("missing budget: %+v", w)
		}
		if w := got[final.ID]; w.Missing || w.Year != 2026 || w.Due != civil.MustParse("2026-12-20") {
			t.Errorf("upcoming final accounts: %+v", w)
		}
		if w := got[done.ID]; !w.Missing || w.Year != 2025 {
			t.Errorf("the year 2025 of an entry published in 2026: %+v", w)
		}
		if other, err := f.svc.DueWork(ctx, f.b, today); err != nil || len(other) != 0 {
			t.Errorf("other agency: %v %+v", err, other)
		}
	})
}
