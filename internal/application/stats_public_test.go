package application_test

import (
	"context"
	"testing"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/application"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

// Reply times and result groups for the public statistics, hand-computed
// on dates without public holidays: a reply's time is the working days
// after the start of the period, without the days a consultation paused
// the clock.
func TestResponseTimesAndOutcomeGroups(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		record := func(day string) *application.Application {
			t.Helper()
			f.clock.at(day)
			sub := submission(f.a.ID)
			sub.Channel, sub.ReceivedOn, sub.Identity = application.InPerson, civil.MustParse(day), nil
			r, err := f.svc.Record(ctx, f.handler, sub)
			if err != nil {
				t.Fatal(err, apperr.FieldsOf(err))
			}
			return r.App
		}
		disclose := application.Command{Action: application.ActReply, Outcome: application.OutDisclose, Text: "见附件"}
		// A: 3 March → 17 March 2025: 4 + 5 + 1 = 10 working days.
		a := record("2025-03-03")
		f.do(t, f.handler, a.ID, "2025-03-17", disclose)
		// B: 1 July → 18 July: 13 working days, 4 of them (3, 4, 7, 8
		// July) paused by a third-party consultation: 9.
		b := record("2025-07-01")
		f.do(t, f.handler, b.ID, "2025-07-02", application.Command{Action: application.ActConsult, ConsultKind: application.ThirdParty, Party: "第三方"})
		f.do(t, f.handler, b.ID, "2025-07-08", application.Command{Action: application.ActConsulted, Result: application.Agrees, Opinion: "同意"})
		f.do(t, f.handler, b.ID, "2025-07-18", application.Command{Action: application.ActReply, Outcome: application.OutPartial, Text: "见附件", Withheld: "第十五条"})
		// C: 3 November → 15 December after a 20-day extension: 30
		// working days, beyond 20 but within the extended period.
		c := record("2025-11-03")
		f.do(t, f.head, c.ID, "2025-11-20", application.Command{Action: application.ActExtend, Days: 20, Note: "需要调取档案"})
		f.do(t, f.handler, c.ID, "2025-12-15", application.Command{Action: application.ActReply, Outcome: application.OutNotExist})
		// D: 1 August → 5 September, no extension: 25 working days, late.
		dd := record("2025-08-01")
		f.do(t, f.handler, dd.ID, "2025-09-05", disclose)
		// E: withdrawn: processed, but no reply time.
		e := record("2025-04-01")
		f.do(t, f.handler, e.ID, "2025-04-10", application.Command{Action: application.ActWithdraw, Note: "书面撤回"})
		// G: open at the end of the year; H: another agency's.
		record("2025-12-22")
		f.clock.at("2025-03-03")
		subB := submission(f.b.ID)
		subB.Channel, subB.ReceivedOn, subB.Identity = application.InPerson, civil.MustParse("2025-03-03"), nil
		h, err := f.svc.Record(ctx, f.handlerB, subB)
		if err != nil {
			t.Fatal(err)
		}
		f.do(t, f.handlerB, h.App.ID, "2025-03-04", disclose)

		r, err := f.svc.ResponseTimes(ctx, f.a.ID, 2025)
		if err != nil {
			t.Fatal(err)
		}
		want := application.ResponseStats{Year: 2025, Replied: 4, TotalDays: 10 + 9 + 30 + 25, MaxDays: 30, WithinStatutory: 2, WithinLimit: 3, Extended: 1}
		if r != want {
			t.Errorf("response times\n got %+v\nwant %+v", r, want)
		}
		if r.AvgDays() != 18.5 {
			t.Errorf("mean %v", r.AvgDays())
		}
		if r, _ := f.svc.ResponseTimes(ctx, f.a.ID, 2026); r.Replied != 0 || r.AvgDays() != 0 {
			t.Errorf("2026: %+v", r)
		}
		if _, err := f.svc.ResponseTimes(ctx, f.a.ID, 1999); err == nil {
			t.Error("year 1999 accepted")
		}

		tab, err := f.svc.TableThree(ctx, f.a.ID, 2025)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		sum := 0
		for _, g := range tab.OutcomeGroups() {
			got[g.Key] = g.Count
			sum += g.Count
		}
		wantGroups := map[string]int{"granted": 2, "partial": 1, "denied": 0, "unable": 1, "not_processed": 0, "other": 1}
		for k, n := range wantGroups {
			if got[k] != n {
				t.Errorf("group %s = %d, want %d", k, got[k], n)
			}
		}
		if len(got) != 6 || sum != tab.Get(application.RowTotalProcessed, application.NumCols-1) || sum != 5 {
			t.Errorf("groups %v add up to %d", got, sum)
		}
	})
}
