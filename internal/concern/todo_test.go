package concern_test

import (
	"context"
	"testing"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/concern"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

// DueWork lists the open cases with their reply deadline; answered and
// merged ones drop out.
func TestDueWork(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		submit := func(subject string) *concern.Case {
			c, _, err := f.svc.Submit(ctx, f.a.ID, concern.Letter{Channel: concern.SiteError, Subject: subject, Body: "第二段有错别字。",
				PageURL: "/o/a-bureau/items/1"}, "203.0.113.9")
			if err != nil {
				t.Fatal(err, apperr.FieldsOf(err))
			}
			return c
		}
		open := submit("错别字")
		review := submit("链接失效")
		done := submit("图片无法显示")
		f.do(t, f.handler, review.ID, concern.Command{Action: concern.ActDraft, Draft: "已修复，谢谢指正。"})
		f.do(t, f.handler, review.ID, concern.Command{Action: concern.ActSubmit})
		f.do(t, f.handler, done.ID, concern.Command{Action: concern.ActDraft, Draft: "已修复。"})
		f.do(t, f.handler, done.ID, concern.Command{Action: concern.ActSubmit})
		f.do(t, f.head, done.ID, concern.Command{Action: concern.ActApprove})
		list, err := f.svc.DueWork(ctx, f.a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 {
			t.Fatalf("due work %+v, want the two open cases", list)
		}
		got := map[int64]concern.DueWork{}
		for _, w := range list {
			got[w.CaseID] = w
		}
		if w := got[open.ID]; w.State != concern.Received || w.Due != open.DueOn || w.Subject != "错别字" || w.Number != open.Number {
			t.Errorf("open case: %+v", w)
		}
		if w := got[review.ID]; w.State != concern.Review || w.Due != review.DueOn {
			t.Errorf("case in review: %+v", w)
		}
		if other, err := f.svc.DueWork(ctx, f.b.ID); err != nil || len(other) != 0 {
			t.Errorf("other agency: %v %+v", err, other)
		}
	})
}
