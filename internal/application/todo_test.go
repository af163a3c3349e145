package application_test

import (
	"context"
	"testing"

	"github.com/gongkai/gongkai/internal/application"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

// DueWork lists what the disclosure office has to do next on each open
// application, with the day it is due.
func TestDueWork(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		received := f.submit(t)
		replying := f.submit(t)
		consulting := f.submit(t)
		replied := f.submit(t)
		f.do(t, f.handler, replying.ID, "2026-11-02", application.Command{Action: application.ActRegister})
		f.do(t, f.handler, consulting.ID, "2026-11-02", application.Command{Action: application.ActRegister})
		f.do(t, f.handler, consulting.ID, "2026-11-05", application.Command{Action: application.ActConsult,
			ConsultKind: application.ThirdParty, Party: "某宗教活动场所管理组织"})
		f.do(t, f.handler, replied.ID, "2026-11-02", application.Command{Action: application.ActRegister})
		f.do(t, f.handler, replied.ID, "2026-11-03", application.Command{Action: application.ActReply, Outcome: application.OutDisclose,
			Text: "经查，您申请的信息予以公开，见附件。"})
		list, err := f.svc.DueWork(ctx, f.a.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]application.DueWork{}
		for _, w := range list {
			got[w.ApplicationID] = w
		}
		if len(list) != 3 {
			t.Fatalf("due work %+v, want 3 entries", list)
		}
		if w := got[received.ID]; w.Action != application.ActRegister || w.Due != received.ReceivedOn {
			t.Errorf("received: %+v", w)
		}
		if w := got[replying.ID]; w.Action != application.ActReply || w.Due.String() != "2026-11-30" || w.Number != replying.Number || w.Subject == "" {
			t.Errorf("processing: %+v", w)
		}
		if w := got[consulting.ID]; w.Action != application.ActConsulted || w.Due.String() != "2026-11-26" || w.Party != "某宗教活动场所管理组织" {
			t.Errorf("consulting: %+v", w)
		}
		if _, ok := got[replied.ID]; ok {
			t.Error("a replied application is listed")
		}
		if other, err := f.svc.DueWork(ctx, f.b.ID); err != nil || len(other) != 0 {
			t.Errorf("other agency: %v %+v", err, other)
		}
	})
}
