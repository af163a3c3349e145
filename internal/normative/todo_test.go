package normative_test

import (
	"context"
	"testing"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

// OpenReminders feeds the to-do centre the agency's open evaluation
// reminders, with their documents, until they are closed.
func TestOpenReminders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		f.clock.set(civil.MustParse("2022-06-01"))
		a := f.item(t, f.city.ID, "甲办法", "2022-04-18", "published")
		if _, err := f.svc.Register(ctx, f.editor, f.input(a, "沪民宗规〔2022〕1号", "2022-04-18", "2022-06-01")); err != nil {
			t.Fatal(err)
		}
		if rs, err := f.svc.OpenReminders(ctx, f.city.ID); err != nil || len(rs) != 0 {
			t.Fatalf("before the reminder: %v %+v", err, rs)
		}
		f.clock.set(civil.MustParse("2026-11-30"))
		if _, err := f.svc.RemindDue(ctx); err != nil {
			t.Fatal(err)
		}
		rs, err := f.svc.OpenReminders(ctx, f.city.ID)
		if err != nil || len(rs) != 1 || rs[0].ExpiresOn != civil.MustParse("2027-05-31") || rs[0].Doc == nil || rs[0].Doc.DocNumber != "沪民宗规〔2022〕1号" ||
			rs[0].Doc.Item.Title != "甲办法" || rs[0].DivisionID == 0 {
			t.Fatalf("open reminders: %v %+v", err, rs)
		}
		if err := f.svc.CloseReminder(ctx, f.editor, rs[0].ID, "经评估，继续有效。"); err != nil {
			t.Fatal(err)
		}
		if rs, _ := f.svc.OpenReminders(ctx, f.city.ID); len(rs) != 0 {
			t.Errorf("a closed reminder is still open: %+v", rs)
		}
	})
}
