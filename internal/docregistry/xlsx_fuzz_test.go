package docregistry

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/apperr"
)

func fuzzGrid(s string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(s, "\n") {
		rows = append(rows, strings.Split(line, "\t"))
	}
	return rows
}

func fuzzXLSX(t *testing.T, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range rows {
		cells := make([]any, len(row))
		for j, c := range row {
			cells[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &cells); err != nil {
			return nil
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func plainCell(s string) bool {
	return utf8.ValidString(s) && utf8.RuneCountInString(s) < 1000 && !strings.ContainsFunc(s, func(r rune) bool {
		return r < 0x20 || r == 0x7f || r == 0xfffe || r == 0xffff
	}) && !strings.Contains(s, "_x")
}

// FuzzParseImport: the registration import reads the template's layout
// from any workbook: a file is refused with an ImportError (or as too
// large), never a panic; each row read carries the line it came from and
// that line's cells.
func FuzzParseImport(f *testing.F) {
	head := strings.Join(importColumns, "\t")
	f.Add("公文备案登记\n"+head+"\n沪民宗〔2025〕1号\t关于印发的通知\t上海市民族和宗教事务局\t办公室\t2025-01-02\t45665\t主动公开\t\t", uint16(0), byte(0))
	f.Add(head+"\n沪民宗[2025]2号\t标题\t局\t政策法规处\t2025年1月2日\t\t不予公开\t国家秘密\t涉密", uint16(0), byte(0))
	f.Add(head+"\n\n\n  \t \nx", uint16(0), byte(0))
	f.Add("文号\t标题\n1\t2", uint16(0), byte(0))
	f.Add(head+"\n1", uint16(100), byte(0x55))
	f.Add("", uint16(0), byte(0))
	f.Fuzz(func(t *testing.T, text string, at uint16, flip byte) {
		grid := fuzzGrid(text)
		b := fuzzXLSX(t, grid)
		if b == nil {
			return
		}
		if flip != 0 {
			b[int(at)%len(b)] ^= flip
		}
		rows, err := parseImport("备案.xlsx", bytes.NewReader(b))
		if err != nil {
			var ie *ImportError
			if !errors.As(err, &ie) && !apperr.Is(err, apperr.TooLarge) {
				t.Fatalf("error %v (%T)", err, err)
			}
			return
		}
		if len(rows) == 0 || len(rows) > MaxImportRows {
			t.Fatalf("%d rows without an error", len(rows))
		}
		last := 0
		for _, r := range rows {
			if r.Line <= last {
				t.Fatalf("row lines out of order: %d after %d", r.Line, last)
			}
			last = r.Line
			if flip != 0 || r.Line > len(grid) {
				continue
			}
			src := grid[r.Line-1]
			plain := true
			for _, c := range src {
				plain = plain && plainCell(c)
			}
			if !plain {
				continue
			}
			if r.Input.DocNumber != cell(src, 0) || r.Input.Title != cell(src, 1) || r.Division != cell(src, 3) || r.Input.Reason != cell(src, 8) {
				t.Fatalf("line %d %q read as %+v", r.Line, src, r)
			}
		}
	})
}

// FuzzParseDate: the dates of the registration form and import read back
// as they are written, and an Excel date serial becomes a readable date.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2025-03-01", "2025-3-1", "2025/3/1", "2025.3.1", "2025年3月1日", "2025年2月29日", "1948-12-31", "2201-01-01",
		"45000", "45000.75", "2025-+3-1", "2025--1", " 2025 - 3 - 1 ", "２０２５-３-１", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("ParseDate(%q): %v", s, err)
			}
		} else {
			if d.Year < 1949 || d.Year > 2200 {
				t.Fatalf("ParseDate(%q) = %v", s, d)
			}
			if back, err := ParseDate(d.String()); err != nil || back != d {
				t.Fatalf("ParseDate(%q) = %v reads back as %v, %v", s, d, back, err)
			}
			if back, err := ParseDate(d.Chinese()); err != nil || back != d {
				t.Fatalf("ParseDate(%q) = %v: %q reads back as %v, %v", s, d, d.Chinese(), back, err)
			}
		}
		if c := cellDate(s); c != s {
			if _, err := ParseDate(c); err != nil {
				t.Fatalf("cellDate(%q) = %q is not a date", s, c)
			}
		}
		if n := NormalizeDocNumber(s); NormalizeDocNumber(n) != n {
			t.Fatalf("NormalizeDocNumber not idempotent on %q", s)
		}
	})
}
