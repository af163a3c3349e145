package openday_test

import (
	"context"
	"testing"

	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/openday"
)

// DueWork lists the open days of the coming week to prepare and the held
// ones without a summary; later ones, drafts and summarised ones are not.
func TestDueWork(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		e := published(t, f, 10, "市民 10", openday.FirstCome)                                           // 2026-05-20 09:30–11:30
		if _, err := f.svc.Create(ctx, f.editor, fields(10, "市民 10", openday.FirstCome)); err != nil { // a draft
			t.Fatal(err)
		}
		f.clock.set("2026-05-10T10:00")
		if list, err := f.svc.DueWork(ctx, f.a.ID); err != nil || len(list) != 0 {
			t.Fatalf("ten days before: %v %+v", err, list)
		}
		f.clock.set("2026-05-14T10:00")
		list, err := f.svc.DueWork(ctx, f.a.ID)
		if err != nil || len(list) != 1 || list[0].Event.ID != e.ID || list[0].Summary {
			t.Fatalf("six days before: %v %+v", err, list)
		}
		f.clock.set("2026-05-20T12:00")
		list, err = f.svc.DueWork(ctx, f.a.ID)
		if err != nil || len(list) != 1 || !list[0].Summary {
			t.Fatalf("after the event: %v %+v", err, list)
		}
		if other, err := f.svc.DueWork(ctx, f.b.ID); err != nil || len(other) != 0 {
			t.Errorf("other agency: %v %+v", err, other)
		}
		if err := f.svc.Finish(ctx, f.editor, e.ID, "活动顺利举行，40 名市民参加。"); err != nil {
			t.Fatal(err)
		}
		if list, _ := f.svc.DueWork(ctx, f.a.ID); len(list) != 0 {
			t.Errorf("summarised: %+v", list)
		}
	})
}
