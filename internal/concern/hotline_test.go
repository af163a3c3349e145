package concern_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/concern"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

// ordersXLSX makes a work-order file of n orders; every 50th has a bad
// date, every 77th no order number, every 91st a due date before its
// dispatch, and the last repeats the first one's number. It returns the
// file and the lines that must be reported.
func ordersXLSX(t testing.TB, n int) ([]byte, map[int]bool) {
	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	f.SetSheetRow(sheet, "A1", &[]any{"工单编号", "派单日期", "办理时限", "诉求标题", "诉求内容", "来电人", "联系电话", "诉求分类"})
	bad := map[int]bool{}
	for i := 1; i <= n; i++ {
		line := i + 1
		id, dispatched, due := fmt.Sprintf("GD2026%06d", i), "2026-11-02", "2026-11-09"
		switch {
		case i == n:
			id = "GD2026000001"
			bad[line] = true
		case i%50 == 0:
			dispatched = "11月2日"
			bad[line] = true
		case i%77 == 0:
			id = ""
			bad[line] = true
		case i%91 == 0:
			due = "2026-10-01"
			bad[line] = true
		}
		f.SetSheetRow(sheet, fmt.Sprintf("A%d", line), &[]any{id, dispatched, due, fmt.Sprintf("清真餐厅标识咨询 %d", i),
			"市民来电反映某餐厅清真标志牌是否有效。", "市民", "13800000000", "清真食品"})
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), bad
}

// Importing 1,000 work orders with malformed rows: the valid ones become
// cases with their orders' deadlines, the bad rows are reported by line,
// and importing again creates nothing.
func TestImportOrders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		file, bad := ordersXLSX(t, 1000)
		orders, rowErrs, err := concern.ParseOrders("工单.xlsx", bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := f.svc.ImportOrders(ctx, f.handler, f.a.ID, orders, rowErrs)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != 1000 || rep.Created != 1000-len(bad) || len(rep.Errors) != len(bad) {
			t.Fatalf("report: %d rows, %d created, %d errors (want %d bad)", rep.Rows, rep.Created, len(rep.Errors), len(bad))
		}
		for _, e := range rep.Errors {
			if !bad[e.Line] {
				t.Errorf("line %d reported: %s", e.Line, e.Message)
			}
		}
		var n int
		d.R.QueryRow("SELECT count(*) FROM concerns WHERE channel = 'hotline' AND due_on = '2026-11-09'").Scan(&n)
		if n != rep.Created {
			t.Errorf("%d cases with the order's deadline, want %d", n, rep.Created)
		}
		again, err := f.svc.ImportOrders(ctx, f.handler, f.a.ID, orders, rowErrs)
		if err != nil || again.Created != 0 || again.Skipped != rep.Created {
			t.Errorf("second import: %+v %v", again, err)
		}
		if _, err := f.svc.ImportOrders(ctx, f.handlerB, f.a.ID, orders, nil); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("another agency imports: %v", err)
		}
		for name, content := range map[string]string{"x.txt": "a,b", "x.csv": "名称,日期\nx,y", "y.xlsx": "not a zip"} {
			if _, _, err := concern.ParseOrders(name, strings.NewReader(content)); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("%s: %v", name, err)
			}
		}
		csvOrders, csvBad, err := concern.ParseOrders("工单.csv", strings.NewReader("\ufeff工单编号,派单日期,办理时限,诉求内容\nA-1,2026/11/2,2026年11月9日,咨询\nA-2,bad,2026-11-09,咨询\n"))
		if err != nil || len(csvOrders) != 1 || len(csvBad) != 1 || csvBad[0].Line != 3 {
			t.Errorf("csv: %+v %+v %v", csvOrders, csvBad, err)
		}

		// The order's workflow: 签收, 延期, 答复, 回访.
		var id int64
		d.R.QueryRow("SELECT id FROM concerns WHERE external_id = 'GD2026000002'").Scan(&id)
		f.do(t, f.handler, id, concern.Command{Action: concern.ActSign})
		if _, err := f.svc.Do(ctx, f.handler, id, concern.Command{Action: concern.ActDelay}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("delay without a date: %v", err)
		}
		c := f.do(t, f.handler, id, concern.Command{Action: concern.ActDelay, NewDue: civilDate("2026-11-16"), Note: "需现场核查"})
		if c.DueOn.String() != "2026-11-16" {
			t.Errorf("delay: %s", c.DueOn)
		}
		f.do(t, f.handler, id, concern.Command{Action: concern.ActDraft, Draft: "经核查，该餐厅标志牌有效。"})
		f.do(t, f.handler, id, concern.Command{Action: concern.ActSubmit})
		f.do(t, f.head, id, concern.Command{Action: concern.ActApprove})
		if c := f.do(t, f.handler, id, concern.Command{Action: concern.ActRate, Rating: 3}); c.Satisfaction != 3 {
			t.Errorf("rating %d", c.Satisfaction)
		}
		var other int64
		d.R.QueryRow("SELECT id FROM concerns WHERE external_id = 'GD2026000003'").Scan(&other)
		if c := f.do(t, f.handler, other, concern.Command{Action: concern.ActSendBack, Note: "不属于本单位职责"}); c.State != concern.Returned {
			t.Errorf("send back: %s", c.State)
		}
	})
}

// BenchmarkParseOrders reads a file of 1,000 work orders.
func BenchmarkParseOrders(b *testing.B) {
	file, _ := ordersXLSX(b, 1000)
	for b.Loop() {
		if _, _, err := concern.ParseOrders("工单.xlsx", bytes.NewReader(file)); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzParseOrders feeds arbitrary CSV uploads to the work-order reader: it
// never panics, and every order it returns passes its own checks or is
// reported by ImportOrders (lines are within the file).
func FuzzParseOrders(f *testing.F) {
	f.Add("工单编号,派单日期,办理时限,诉求内容\nA-1,2026/11/2,2026年11月9日,咨询\n")
	f.Add("\ufeff工单编号,派单日期,办理时限\n\"a,b\",2026-13-40,x\n")
	f.Add("order_id,dispatched_on,due_on\n,,\n")
	f.Fuzz(func(t *testing.T, s string) {
		orders, bad, err := concern.ParseOrders("f.csv", strings.NewReader(s))
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) && !apperr.Is(err, apperr.TooLarge) {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		lines := strings.Count(s, "\n") + 2
		for _, o := range orders {
			if o.Line < 2 || o.Line > lines {
				t.Fatalf("line %d of a %d-line file", o.Line, lines)
			}
		}
		for _, b := range bad {
			if b.Line < 2 || b.Message == "" {
				t.Fatalf("bad row %+v", b)
			}
		}
	})
}
