package disclosure_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/disclosure"
)

// The public aggregates count what the portal shows: published and
// superseded items by day of publication, never drafts, withdrawn items or
// another agency's.
func TestPublishedStatsAndEntries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		row := func(n int, agency, on string, cols []string, five ...string) disclosure.ImportRow {
			return disclosure.ImportRow{Line: n, Agency: agency, IndexNumber: fmt.Sprintf("STAT/%s-%03d", agency, n), Title: fmt.Sprintf("统计测试信息%d", n),
				Publisher: "甲局办公室", DocNumber: fmt.Sprintf("甲发〔2025〕%d号", n), SignedOn: on, PublishedOn: on, Columns: cols, FivePublics: five, Body: "正文"}
		}
		rows := []disclosure.ImportRow{
			row(1, "a-bureau", "2025-01-06", []string{"zcwj"}, "decision", "result"),
			row(2, "a-bureau", "2025-01-20", []string{"zcwj"}, "result"),
			row(3, "a-bureau", "2025-03-03", []string{"zcwj", "qtxx"}),
			row(4, "a-bureau", "2025-12-31", []string{"qtxx"}, "service"),
			row(5, "a-bureau", "2025-03-03", []string{"qtxx"}), // withdrawn below
			row(6, "a-bureau", "2024-12-31", []string{"zcwj"}), // the year before
			row(7, "a-bureau", "2025-03-03", []string{"zcwj"}), // superseded by 3: still public
			row(8, "b-bureau", "2025-03-03", []string{"qtxx"}), // another agency
		}
		if rep, err := f.svc.Import(ctx, auth.Operator("import"), rows, "", t.TempDir()); err != nil || rep.Created != 8 {
			t.Fatalf("import %+v %v", rep, err)
		}
		id := func(n int, agency string) int64 {
			var id int64
			if err := d.R.QueryRow("SELECT id FROM items WHERE index_number = $1", fmt.Sprintf("STAT/%s-%03d", agency, n)).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		if err := f.svc.Withdraw(ctx, f.approveA, id(5, "a-bureau"), "发布有误"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Supersede(ctx, f.approveA, id(7, "a-bureau"), id(3, "a-bureau")); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Create(ctx, f.editorA, f.a.ID, draft(f.colA, "统计测试草稿", "草稿正文")); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}

		st, err := f.svc.PublishedStats(ctx, f.a.ID, 2025)
		if err != nil {
			t.Fatal(err)
		}
		if st.Total != 5 || st.Months != [12]int{2, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1} {
			t.Errorf("total %d, months %v", st.Total, st.Months)
		}
		var cols []string
		for _, c := range st.Columns {
			parent := ""
			if c.Parent != nil {
				parent = c.Parent.Slug + "/"
			}
			cols = append(cols, fmt.Sprintf("%s%s=%d", parent, c.Column.Slug, c.Count))
		}
		if fmt.Sprint(cols) != "[statutory/zcwj=4 statutory/qtxx=2]" {
			t.Errorf("columns %v", cols)
		}
		five := map[string]int{}
		for _, fp := range st.FivePublics {
			five[string(fp.Code)] = fp.Count
		}
		if len(st.FivePublics) != 5 || five["decision"] != 1 || five["result"] != 2 || five["service"] != 1 || five["execution"] != 0 {
			t.Errorf("five publics %+v", st.FivePublics)
		}
		if st, _ := f.svc.PublishedStats(ctx, f.a.ID, 2024); st.Total != 1 || st.Months[11] != 1 || len(st.Columns) != 1 {
			t.Errorf("2024: %+v", st)
		}
		if st, _ := f.svc.PublishedStats(ctx, f.b.ID, 2025); st.Total != 1 {
			t.Errorf("agency B: %+v", st)
		}
		if _, err := f.svc.PublishedStats(ctx, f.a.ID, 99999); err == nil {
			t.Error("a five-digit year was accepted")
		}

		// The catalogue, newest first, across batches of two (ties on the
		// publication time are broken by ID).
		defer disclosure.SetPublicEntryBatch(2)()
		var got []string
		err = f.svc.EachPublicEntry(ctx, f.a.ID, func(e *disclosure.PublicEntry) error {
			got = append(got, fmt.Sprintf("%s %s %d %v", e.IndexNumber, e.PublishedOn, len(e.ColumnIDs), e.Superseded))
			if e.IndexNumber == "STAT/a-bureau-001" && (e.DocNumber != "甲发〔2025〕1号" || e.Publisher != "甲局办公室" || e.SignedOn.String() != "2025-01-06" ||
				fmt.Sprint(e.FivePublics) != "[decision result]" || e.Method != disclosure.DefaultMethod || e.Title != "统计测试信息1") {
				t.Errorf("entry 1: %+v", e)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"STAT/a-bureau-004 2025-12-31 1 false",
			"STAT/a-bureau-007 2025-03-03 1 true",
			"STAT/a-bureau-003 2025-03-03 2 false",
			"STAT/a-bureau-002 2025-01-20 1 false",
			"STAT/a-bureau-001 2025-01-06 1 false",
			"STAT/a-bureau-006 2024-12-31 1 false",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("entries:\n%v\nwant\n%v", got, want)
		}
		// fn's error stops the walk and comes back.
		stop := apperr.Invalidf("stop")
		n := 0
		if err := f.svc.EachPublicEntry(ctx, f.a.ID, func(*disclosure.PublicEntry) error { n++; return stop }); err != stop || n != 1 {
			t.Errorf("stop: %v after %d", err, n)
		}
	})
}
