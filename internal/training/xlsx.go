package training

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/apperr"
)

// ledgerSheet is one printable sheet of a workbook: a title row across
// the columns, a note row (e.g. "统计截至 …"), the header row, then the
// data rows, all bordered; landscape A4 fitted to the page width, the
// header repeated on every printed page.
type ledgerSheet struct {
	Name   string
	Title  string
	Note   string
	Header []string
	Widths []float64
	Rows   [][]any
}

// writeWorkbook writes the sheets as one XLSX file.
func writeWorkbook(w io.Writer, sheets ...ledgerSheet) error {
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
		if err := fillSheet(f, s); err != nil {
			return err
		}
	}
	return f.Write(w)
}

func fillSheet(f *excelize.File, s ledgerSheet) error {
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
			v = cellSafe(t)
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

// cellSafe keeps text that a spreadsheet would read as a formula as text.
func cellSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Import limits.
const (
	MaxImportBytes = 5 << 20
	MaxImportRows  = 1000
)

// readRows reads the first sheet of an XLSX file or a UTF-8 CSV file, by
// the name's extension.
func readRows(name string, r io.Reader) ([][]string, error) {
	ext := strings.ToLower(name)
	if !strings.HasSuffix(ext, ".xlsx") && !strings.HasSuffix(ext, ".csv") {
		return nil, apperr.Invalidf("请上传 XLSX 或 CSV 文件（文件名以 .xlsx 或 .csv 结尾）。")
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, apperr.Invalidf("上传的文件无法读取。")
	}
	if len(b) > MaxImportBytes {
		return nil, apperr.New(apperr.TooLarge, fmt.Sprintf("文件超过 %d MB 的上限。", MaxImportBytes>>20))
	}
	if strings.HasSuffix(ext, ".xlsx") {
		f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{UnzipSizeLimit: 64 << 20, UnzipXMLSizeLimit: 32 << 20})
		if err != nil {
			return nil, apperr.Invalidf("无法读取 XLSX 文件：请确认文件没有损坏。")
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, apperr.Invalidf("XLSX 文件没有工作表。")
		}
		rows, err := f.GetRows(sheets[0])
		if err != nil {
			return nil, apperr.Invalidf("无法读取 XLSX 文件的工作表。")
		}
		return rows, nil
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(b) {
		return nil, apperr.Invalidf("CSV 文件须为 UTF-8 编码。")
	}
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = -1
	var rows [][]string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, apperr.Invalidf("无法读取 CSV 文件，请检查引号和分隔符。")
		}
		line, _ := cr.FieldPos(0)
		for len(rows) < line-1 {
			rows = append(rows, nil)
		}
		rows = append(rows, rec)
	}
}

func cellAt(row []string, i int) string {
	if i >= 0 && i < len(row) {
		return strings.TrimSpace(row[i])
	}
	return ""
}
