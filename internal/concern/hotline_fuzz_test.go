package concern_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/concern"
)

// recordLines is the line each CSV record starts on, read independently.
func recordLines(s string) []int {
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(s, "\ufeff")))
	cr.FieldsPerRecord = -1
	var out []int
	for {
		_, err := cr.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			return nil
		}
		line, _ := cr.FieldPos(0)
		out = append(out, line)
	}
}

// FuzzParseOrdersLines: every order and every bad row of a 12345 export
// names the line of the file its record starts on, also when a cell holds
// line breaks (the content of an order often does); XLSX exports read the
// same orders as the CSV of the same cells.
func FuzzParseOrdersLines(f *testing.F) {
	f.Add("工单编号,派单日期,办理时限,诉求内容\nA-1,2026/11/2,2026年11月9日,\"第一行\n第二行\"\nA-2,2026-13-01,2026-11-09,x\n")
	f.Add("工单编号,派单日期,办理时限\n\"A\n\n1\",2026-01-01,bad\n\n,,\nB,2026-01-02,2026-01-09\n")
	f.Add("order_id,dispatched_on,due_on,content\r\nA,2026-01-01,2026-01-02,\"a\r\nb\"\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		orders, bad, err := concern.ParseOrders("f.csv", strings.NewReader(s))
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) && !apperr.Is(err, apperr.TooLarge) {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		starts := map[int]bool{}
		lines := recordLines(s)
		for _, l := range lines[1:] {
			starts[l] = true
		}
		for _, o := range orders {
			if !starts[o.Line] {
				t.Fatalf("order %q on line %d: records start on lines %v", o.ID, o.Line, lines)
			}
		}
		for _, b := range bad {
			if !starts[b.Line] {
				t.Fatalf("bad row on line %d: records start on lines %v", b.Line, lines)
			}
		}
		// The same cells as XLSX (one row a record) give the same orders.
		cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(s, "\ufeff")))
		cr.FieldsPerRecord = -1
		recs, err := cr.ReadAll()
		if err != nil {
			return
		}
		xf := excelize.NewFile()
		defer xf.Close()
		for i, rec := range recs {
			cells := make([]any, len(rec))
			for j, c := range rec {
				if strings.ContainsFunc(c, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\r' && r != '\t' }) || strings.Contains(c, "_x") || strings.Contains(c, "\r") {
					return
				}
				cells[j] = c
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := xf.SetSheetRow("Sheet1", cell, &cells); err != nil {
				return
			}
		}
		var buf bytes.Buffer
		if err := xf.Write(&buf); err != nil {
			t.Fatal(err)
		}
		xorders, xbad, err := concern.ParseOrders("f.xlsx", &buf)
		if err != nil {
			t.Fatalf("XLSX of the same cells: %v", err)
		}
		if len(xorders) != len(orders) || len(xbad) != len(bad) {
			t.Fatalf("XLSX reads %d orders, %d bad; CSV %d, %d", len(xorders), len(xbad), len(orders), len(bad))
		}
		for i := range orders {
			a, b := orders[i], xorders[i]
			if a.ID != b.ID || a.Body != b.Body || a.Due != b.Due || a.Dispatched != b.Dispatched {
				t.Fatalf("XLSX order %+v, CSV %+v", b, a)
			}
		}
	})
}

// FuzzParseOrdersXLSX: a damaged 12345 workbook is refused with an
// Invalid error, never a panic.
func FuzzParseOrdersXLSX(f *testing.F) {
	f.Add(uint16(0), byte(0), uint16(0), byte(0))
	f.Add(uint16(30), byte(0xff), uint16(0), byte(0))
	f.Add(uint16(700), byte(0x01), uint16(1200), byte(0x80))
	xf := excelize.NewFile()
	for i, row := range [][]any{{"工单编号", "派单日期", "办理时限", "诉求内容", "联系电话"}, {"A-1", "2026-11-02", "2026-11-09", "咨询宗教活动场所开放时间", "13800138000"},
		{"A-2", "2026/11/3", "2026年11月10日", "投诉", ""}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		xf.SetSheetRow("Sheet1", cell, &row)
	}
	var buf bytes.Buffer
	if err := xf.Write(&buf); err != nil {
		f.Fatal(err)
	}
	xf.Close()
	good := buf.Bytes()
	f.Fuzz(func(t *testing.T, at1 uint16, flip1 byte, at2 uint16, flip2 byte) {
		b := bytes.Clone(good)
		b[int(at1)%len(b)] ^= flip1
		b[int(at2)%len(b)] ^= flip2
		orders, bad, err := concern.ParseOrders("f.xlsx", bytes.NewReader(b))
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		if len(orders)+len(bad) > 2 {
			t.Fatalf("%d orders and %d bad rows from a two-order file", len(orders), len(bad))
		}
	})
}
