// Package xlsxprint writes ledgers (台账) as XLSX workbooks laid out for
// printing: per sheet a title row across the columns, a note row (e.g.
// "统计截至 …"), the header row and the data rows, all bordered; landscape
// A4 fitted to the page width, the header repeated on every printed page;
// text a spreadsheet would read as a formula kept as text.
package xlsxprint

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Sheet is one printable sheet of a workbook.
type Sheet struct {
	Name   string
	Title  string
	Note   string
	Header []string
	Widths []float64
	Rows   [][]any
}

// Write writes the sheets as one XLSX file.
func Write(w io.Writer, sheets ...Sheet) error {
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.Name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(s.Name); err != nil {
			return err
		}
		if err := fill(f, s); err != nil {
			return err
		}
	}
	return f.Write(w)
}

func fill(f *excelize.File, s Sheet) error {
	sheet := s.Name
	cols := len(s.Header)
	last, _ := excelize.ColumnNumberToName(cols)
	border := []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "right", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1}}
	title, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	if err != nil {
		return err
	}
	note, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Size: 10}, Alignment: &excelize.Alignment{Horizontal: "right"}})
	if err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	if err != nil {
		return err
	}
	body, err := f.NewStyle(&excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return err
	}
	set := func(c, r int, v any) {
		ref, _ := excelize.CoordinatesToCellName(c, r)
		if t, ok := v.(string); ok {
			v = CellSafe(t)
		}
		f.SetCellValue(sheet, ref, v)
	}
	set(1, 1, s.Title)
	f.MergeCell(sheet, "A1", last+"1")
	f.SetCellStyle(sheet, "A1", last+"1", title)
	f.SetRowHeight(sheet, 1, 30)
	set(1, 2, s.Note)
	f.MergeCell(sheet, "A2", last+"2")
	f.SetCellStyle(sheet, "A2", last+"2", note)
	for i, h := range s.Header {
		set(i+1, 3, h)
	}
	f.SetCellStyle(sheet, "A3", last+"3", head)
	for r, row := range s.Rows {
		for c, v := range row {
			set(c+1, r+4, v)
		}
	}
	if len(s.Rows) > 0 {
		f.SetCellStyle(sheet, "A4", fmt.Sprintf("%s%d", last, len(s.Rows)+3), body)
	}
	for i, w := range s.Widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		f.SetColWidth(sheet, col, col, w)
	}
	landscape, a4, one, zero := "landscape", 9, 1, 0
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &landscape, Size: &a4, FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return err
	}
	fit := true
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + sheet + "'!$3:$3", Scope: sheet})
}

// CellSafe keeps text that a spreadsheet would read as a formula as text.
func CellSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
