package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/application"
)

// TestAnnualReportFacts: the narrative of the demo bureau's generated
// report on last year states the platform's own counts (items published,
// applications received and processed).
func TestAnnualReportFacts(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		a := e.Agency("mzzj")
		year := e.App.AnnualReports.Today().Year - 1
		r, _, err := e.App.AnnualReports.PublicReport(ctx, a.ID, year)
		if err != nil {
			t.Fatal(err)
		}
		st, err := e.App.Disclosure.PublishedStats(ctx, a.ID, year)
		if err != nil {
			t.Fatal(err)
		}
		t3, err := e.App.Applications.TableThree(ctx, a.ID, year)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{fmt.Sprintf("主动公开政府信息%d条", st.Total), fmt.Sprintf("全年新收政府信息公开申请%d件", t3.Get(application.RowNewReceived, 6)), "（二）依申请公开", "（五）监督保障"}
		for _, c := range st.Columns {
			if c.Parent == nil && c.Count > 0 {
				want = append(want, fmt.Sprintf("%s%d条", c.Column.Name, c.Count))
				break
			}
		}
		for _, w := range want {
			if !strings.Contains(r.Overview, w) {
				t.Errorf("overview lacks %q:\n%s", w, r.Overview)
			}
		}
		if r.Cells["t3.new_received.total"] != int64(t3.Get(application.RowNewReceived, 6)) {
			t.Errorf("table three new received %d, platform %d", r.Cells["t3.new_received.total"], t3.Get(application.RowNewReceived, 6))
		}
	})
}
