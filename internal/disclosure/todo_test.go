package disclosure_test

import (
	"context"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/disclosure"
)

// DueWork lists the items waiting for a step of the workflow, with the
// Art. 26 deadline or, without one, the platform's own three working days.
func TestDueWork(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		create := func(title string) *disclosure.Item {
			it, err := f.svc.Create(ctx, f.editorA, f.a.ID, draft(f.colA, title, "正文"))
			if err != nil {
				t.Fatal(err)
			}
			return it
		}
		drafted := create("草稿中的通知")
		submitted := create("待审核的通知")
		reviewed := create("已审核的通知")
		published := publish(t, f, f.editorA, f.reviewA, draft(f.colA, "已发布的通知", "正文"))
		if err := f.svc.Submit(ctx, f.editorA, submitted.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Submit(ctx, f.editorA, reviewed.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Review(ctx, f.reviewA, reviewed.ID, ""); err != nil {
			t.Fatal(err)
		}
		// An imported item without a formed date has no Art. 26 deadline: three
		// working days from Friday 18 September 2026 (Sunday the 20th is a
		// make-up working day before 国庆) end on the 22nd.
		if _, err := d.W.ExecContext(ctx, "UPDATE items SET due_on = NULL, updated_at = $1 WHERE id = $2",
			time.Date(2026, 9, 18, 2, 0, 0, 0, time.UTC), submitted.ID); err != nil {
			t.Fatal(err)
		}
		list, err := f.svc.DueWork(ctx, f.a.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]disclosure.DueWork{}
		for _, w := range list {
			got[w.ItemID] = w
		}
		if len(list) != 3 {
			t.Fatalf("due work %+v, want 3", list)
		}
		if w := got[drafted.ID]; w.Next != disclosure.ActSubmit || w.Due != drafted.DueOn || !w.Statutory || w.Title != "草稿中的通知" {
			t.Errorf("draft: %+v (due %s)", w, drafted.DueOn)
		}
		if w := got[submitted.ID]; w.Next != disclosure.ActReview || w.Statutory || w.Due != civil.MustParse("2026-09-22") {
			t.Errorf("submitted without a deadline: %+v", w)
		}
		if w := got[reviewed.ID]; w.Next != disclosure.ActPublish || w.Due != reviewed.DueOn {
			t.Errorf("reviewed (no approval required): %+v", w)
		}
		if _, ok := got[published.ID]; ok {
			t.Error("a published item is listed")
		}
		// With approval required, a reviewed item waits for the approver.
		st, _ := f.svc.Settings(ctx, f.a.ID)
		st.AgencyID, st.RequireApproval = f.a.ID, true
		if err := f.svc.UpdateSettings(ctx, f.adminA, st); err != nil {
			t.Fatal(err)
		}
		list, _ = f.svc.DueWork(ctx, f.a.ID)
		for _, w := range list {
			if w.ItemID == reviewed.ID && w.Next != disclosure.ActApprove {
				t.Errorf("reviewed with approval required: %+v", w)
			}
		}
		if other, err := f.svc.DueWork(ctx, f.b.ID); err != nil || len(other) != 0 {
			t.Errorf("other agency: %v %+v", err, other)
		}
	})
}
