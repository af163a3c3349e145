package annualreport

import (
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// The XLSX file of a report: one sheet per table section (二, 三, 四), each
// with the report's title and the section heading above the table, laid
// out as the official format prints it (the same merges as the HTML
// tables, from LayoutThree), bordered, on A4 fitted to the page width.
// Numbers are numbers; amounts are in 万元.

// Sheet names of the workbook.
const (
	SheetTwo   = "二、主动公开"
	SheetThree = "三、依申请公开"
	SheetFour  = "四、复议诉讼"
)

// Section headings as the format names them.
const (
	HeadingOne   = "一、总体情况"
	HeadingTwo   = "二、主动公开政府信息情况"
	HeadingThree = "三、收到和处理政府信息公开申请情况"
	HeadingFour  = "四、政府信息公开行政复议、行政诉讼情况"
	HeadingFive  = "五、存在的主要问题及改进情况"
	HeadingSix   = "六、其他需要报告的事项"
)

// ThreeNote is the note cell of table three's header.
const ThreeNote = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

// xlsxBook holds the workbook and its styles while it is written.
type xlsxBook struct {
	f                                 *excelize.File
	title, heading, note, head, label int
	labelCenter, num, money           int
	r                                 *Report
}

func cellName(col, row int) string {
	s, _ := excelize.CoordinatesToCellName(col, row)
	return s
}

// WriteXLSX writes a report as an XLSX workbook in the official layout.
func WriteXLSX(w io.Writer, r *Report) error {
	f := excelize.NewFile()
	defer f.Close()
	b := &xlsxBook{f: f, r: r}
	if err := b.styles(); err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", SheetTwo); err != nil {
		return err
	}
	for _, s := range []string{SheetThree, SheetFour} {
		if _, err := f.NewSheet(s); err != nil {
			return err
		}
	}
	for _, step := range []func() error{b.two, b.three, b.four} {
		if err := step(); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	if err := f.SetDocProps(&excelize.DocProperties{Title: r.Title(), Creator: r.AgencyName, Language: "zh-CN"}); err != nil {
		return err
	}
	return f.Write(w)
}

func (b *xlsxBook) styles() error {
	border := []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "right", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1}}
	var err error
	mk := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = b.f.NewStyle(s)
		return id
	}
	b.title = mk(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	b.heading = mk(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 12}, Alignment: &excelize.Alignment{Vertical: "center"}})
	b.note = mk(&excelize.Style{Font: &excelize.Font{Size: 10}, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	b.head = mk(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 10}, Border: border,
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	b.label = mk(&excelize.Style{Font: &excelize.Font{Size: 10}, Border: border, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	b.labelCenter = mk(&excelize.Style{Font: &excelize.Font{Size: 10}, Border: border,
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	b.num = mk(&excelize.Style{Font: &excelize.Font{Size: 10}, Border: border, NumFmt: 1, // "0"
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	custom := "0.0###"
	b.money = mk(&excelize.Style{Font: &excelize.Font{Size: 10}, Border: border, CustomNumFmt: &custom,
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	return err
}

// put writes a value with a style, merged over the range to (col2, row2).
func (b *xlsxBook) put(sheet string, col, row, col2, row2 int, v any, style int) error {
	from, to := cellName(col, row), cellName(col2, row2)
	if err := b.f.SetCellValue(sheet, from, v); err != nil {
		return err
	}
	if from != to {
		if err := b.f.MergeCell(sheet, from, to); err != nil {
			return err
		}
	}
	return b.f.SetCellStyle(sheet, from, to, style)
}

// value writes a cell of the report: a count as an integer, an amount in
// 万元 as a decimal number.
func (b *xlsxBook) value(sheet string, col, row int, code string) error {
	v := b.r.Cells[code]
	if b.r.Format.IsMoney(code) {
		// FormatWan is exact (at most four decimals); the number is parsed
		// from it so that 0.1 stays 0.1.
		x, _ := strconv.ParseFloat(FormatWan(v), 64)
		return b.put(sheet, col, row, col, row, x, b.money)
	}
	return b.put(sheet, col, row, col, row, v, b.num)
}

// top writes the title row and the section heading over cols columns,
// and a note row for a corrected or imported version; it returns the
// first free row.
func (b *xlsxBook) top(sheet string, cols int, heading string) (int, error) {
	if err := b.put(sheet, 1, 1, cols, 1, b.r.Title(), b.title); err != nil {
		return 0, err
	}
	b.f.SetRowHeight(sheet, 1, 36)
	row := 2
	var note string
	switch {
	case b.r.Version > 1 && b.r.CorrectionNote != "":
		note = fmt.Sprintf("第 %d 版（更正版本）。更正说明：%s", b.r.Version, b.r.CorrectionNote)
	case b.r.State == Draft:
		note = "草稿，未发布"
	}
	if note != "" {
		if err := b.put(sheet, 1, row, cols, row, note, b.note); err != nil {
			return 0, err
		}
		row++
	}
	if err := b.put(sheet, 1, row, cols, row, heading, b.heading); err != nil {
		return 0, err
	}
	b.f.SetRowHeight(sheet, row, 24)
	return row + 1, nil
}

// page sets A4, fitted to the width, with the given orientation.
func (b *xlsxBook) page(sheet, orientation string, widths ...float64) error {
	for i, w := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := b.f.SetColWidth(sheet, col, col, w); err != nil {
			return err
		}
	}
	a4, one, zero := 9, 1, 0
	if err := b.f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &orientation, Size: &a4, FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return err
	}
	fit := true
	if err := b.f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	center := true
	return b.f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Horizontally: &center})
}

// two writes section 二: each sub-table with its caption row merged
// across, its header row (信息内容 and the columns) and its rows.
func (b *xlsxBook) two() error {
	sheet := SheetTwo
	width := 0
	for _, p := range b.r.Format.TableTwo() {
		width = max(width, len(p.Columns)+1)
	}
	row, err := b.top(sheet, width, HeadingTwo)
	if err != nil {
		return err
	}
	for i, p := range b.r.Format.TableTwo() {
		if i > 0 {
			row++ // a blank row between the sub-tables
		}
		span := len(p.Columns) + 1
		if err := b.put(sheet, 1, row, span, row, p.Caption, b.head); err != nil {
			return err
		}
		row++
		if err := b.put(sheet, 1, row, 1, row, "信息内容", b.head); err != nil {
			return err
		}
		for j, c := range p.Columns {
			if err := b.put(sheet, j+2, row, j+2, row, c.Label, b.head); err != nil {
				return err
			}
		}
		b.f.SetRowHeight(sheet, row, 30)
		row++
		for _, rr := range p.Rows {
			if err := b.put(sheet, 1, row, 1, row, rr.Label, b.labelCenter); err != nil {
				return err
			}
			for j, c := range p.Columns {
				if err := b.value(sheet, j+2, row, T2(rr.Code, c.Code)); err != nil {
					return err
				}
			}
			row++
		}
	}
	widths := []float64{24}
	for i := 1; i < width; i++ {
		widths = append(widths, 22)
	}
	return b.page(sheet, "portrait", widths...)
}

// three writes table three: the three header rows (the note over three
// columns × three rows, 申请人情况 over seven columns, 自然人 and 总计
// over two rows, 法人或其他组织 over five columns) and the rows with
// their merged group labels in the three label columns.
func (b *xlsxBook) three() error {
	sheet := SheetThree
	row, err := b.top(sheet, 10, HeadingThree)
	if err != nil {
		return err
	}
	h := row
	steps := []struct {
		c1, r1, c2, r2 int
		text           string
	}{
		{1, h, 3, h + 2, ThreeNote},
		{4, h, 10, h, "申请人情况"},
		{4, h + 1, 4, h + 2, ApplicantColumns[0].Label},
		{5, h + 1, 9, h + 1, "法人或其他组织"},
		{10, h + 1, 10, h + 2, ApplicantColumns[6].Label},
	}
	for i, c := range ApplicantColumns[1:6] {
		steps = append(steps, struct {
			c1, r1, c2, r2 int
			text           string
		}{5 + i, h + 2, 5 + i, h + 2, c.Label})
	}
	for _, s := range steps {
		if err := b.put(sheet, s.c1, s.r1, s.c2, s.r2, s.text, b.head); err != nil {
			return err
		}
	}
	b.f.SetRowHeight(sheet, h+2, 30)
	row = h + 3
	laid := LayoutThree(b.r.Format)
	for i, lr := range laid {
		r := row + i
		// The label cells that start on this row take the label columns
		// from the right: the last label ends in column 3.
		col := 4
		for j := len(lr.Labels) - 1; j >= 0; j-- {
			l := lr.Labels[j]
			col -= l.ColSpan
			style := b.label
			if l.RowSpan > 1 {
				style = b.labelCenter
			}
			if err := b.put(sheet, col, r, col+l.ColSpan-1, r+l.RowSpan-1, l.Text, style); err != nil {
				return err
			}
		}
		for j, c := range ApplicantColumns {
			if err := b.value(sheet, 4+j, r, T3(lr.Row.Code, c.Code)); err != nil {
				return err
			}
		}
	}
	return b.page(sheet, "portrait", 8, 13, 34, 8, 8, 8, 9, 9, 7, 8)
}

// four writes table four: 行政复议 over five columns and two rows,
// 行政诉讼 over ten, 未经复议直接起诉 and 复议后起诉 over five each, the
// fifteen column heads and the row of counts.
func (b *xlsxBook) four() error {
	sheet := SheetFour
	row, err := b.top(sheet, 15, HeadingFour)
	if err != nil {
		return err
	}
	h := row
	if err := b.put(sheet, 1, h, 5, h+1, "行政复议", b.head); err != nil {
		return err
	}
	if err := b.put(sheet, 6, h, 15, h, "行政诉讼", b.head); err != nil {
		return err
	}
	if err := b.put(sheet, 6, h+1, 10, h+1, "未经复议直接起诉", b.head); err != nil {
		return err
	}
	if err := b.put(sheet, 11, h+1, 15, h+1, "复议后起诉", b.head); err != nil {
		return err
	}
	col := 1
	for _, blk := range RemedyBlocks {
		for _, c := range RemedyColumns {
			if err := b.put(sheet, col, h+2, col, h+2, c.Label, b.head); err != nil {
				return err
			}
			if err := b.value(sheet, col, h+3, T4(blk.Code, c.Code)); err != nil {
				return err
			}
			col++
		}
	}
	b.f.SetRowHeight(sheet, h+2, 30)
	widths := make([]float64, 15)
	for i := range widths {
		widths[i] = 9
	}
	return b.page(sheet, "landscape", widths...)
}
