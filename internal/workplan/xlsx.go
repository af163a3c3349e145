package workplan

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/auth"
)

// ledgerCols are the ledger's columns (header, width in characters).
var ledgerCols = []struct {
	Head  string
	Width float64
}{
	{"序号", 7}, {"工作要点与任务", 46}, {"责任处室", 13}, {"联络员", 9}, {"完成期限", 11},
	{"状态", 9}, {"完成进度", 8}, {"最新进展", 46},
}

// Export writes the plan's ledger (台账) as XLSX laid out for printing: a
// title row, the date the statuses are as of, a header row repeated on
// every printed page, a section row per part, one bordered row per point
// and sub-task; A4 landscape, fitted to the page width.
func (s *Service) Export(ctx context.Context, p *auth.Principal, planID int64, w io.Writer) error {
	pl, err := s.Plan(ctx, p, planID)
	if err != nil {
		return err
	}
	f, err := Ledger(pl)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Write(w)
}

// Ledger builds the workbook of a loaded plan.
func Ledger(pl *Plan) (*excelize.File, error) {
	f := excelize.NewFile()
	const sheet = "工作要点台账"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	last, _ := excelize.ColumnNumberToName(len(ledgerCols))
	border := []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "top", Color: "000000", Style: 1},
		{Type: "right", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1}}
	font := func(size float64, bold bool) *excelize.Font {
		return &excelize.Font{Family: "SimSun", Size: size, Bold: bold}
	}
	title, err := f.NewStyle(&excelize.Style{Font: font(16, true), Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	if err != nil {
		return nil, err
	}
	note, _ := f.NewStyle(&excelize.Style{Font: font(10, false), Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "center"}})
	head, _ := f.NewStyle(&excelize.Style{Font: font(11, true), Border: border, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9D9D9"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	section, _ := f.NewStyle(&excelize.Style{Font: font(11, true), Border: border, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	cell, _ := f.NewStyle(&excelize.Style{Font: font(10, false), Border: border, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	center, _ := f.NewStyle(&excelize.Style{Font: font(10, false), Border: border, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "top", WrapText: true}})

	set := func(col, row int, v any) {
		name, _ := excelize.CoordinatesToCellName(col, row)
		f.SetCellValue(sheet, name, v)
	}
	f.MergeCell(sheet, "A1", last+"1")
	set(1, 1, pl.Title+"台账")
	f.SetCellStyle(sheet, "A1", last+"1", title)
	f.SetRowHeight(sheet, 1, 36)
	f.MergeCell(sheet, "A2", last+"2")
	leaves := pl.Leaves()
	tally := tallyOf(leaves)
	today := ""
	if len(leaves) > 0 {
		today = leaves[0].Today.String()
	}
	set(1, 2, fmt.Sprintf("状态截至 %s：共 %d 项任务，已完成 %d 项，进行中 %d 项，未开始 %d 项，逾期 %d 项；平均完成进度 %d%%",
		today, tally.Total, tally.Done, tally.InProgress, tally.NotStarted, tally.Overdue, tally.Percent))
	f.SetCellStyle(sheet, "A2", last+"2", note)
	for i, c := range ledgerCols {
		col, _ := excelize.ColumnNumberToName(i + 1)
		f.SetColWidth(sheet, col, col, c.Width)
		set(i+1, 3, c.Head)
	}
	f.SetCellStyle(sheet, "A3", last+"3", head)
	f.SetRowHeight(sheet, 3, 22)
	row := 4
	taskRow := func(number, label string, t *Task, pl *Plan) {
		_, div := pl.EffectiveDivision(t)
		set(1, row, number)
		set(2, row, label)
		set(3, row, div)
		set(4, row, effective(pl, t).LiaisonName)
		set(5, row, t.Due.String())
		status := t.Status.Label()
		if t.Late() {
			status = "逾期完成"
		}
		set(6, row, status)
		set(7, row, strconv.Itoa(t.Percent)+"%")
		if g := t.Latest; g != nil {
			set(8, row, g.ReportedOn.String()+"："+g.Body)
		}
		a, _ := excelize.CoordinatesToCellName(1, row)
		b, _ := excelize.CoordinatesToCellName(len(ledgerCols), row)
		f.SetCellStyle(sheet, a, b, cell)
		for _, c := range []int{1, 5, 6, 7} {
			n, _ := excelize.CoordinatesToCellName(c, row)
			f.SetCellStyle(sheet, n, n, center)
		}
		row++
	}
	for _, part := range pl.Parts {
		a, _ := excelize.CoordinatesToCellName(1, row)
		f.MergeCell(sheet, a, last+strconv.Itoa(row))
		set(1, row, part.Heading())
		f.SetCellStyle(sheet, a, last+strconv.Itoa(row), section)
		row++
		for _, t := range part.Tasks {
			taskRow(part.Number+t.Number, t.Title, t, pl)
			for _, st := range t.Subtasks {
				taskRow(part.Number+t.Number+st.Number, "　"+st.Title, st, pl)
			}
		}
	}
	orientation, size, fit, fitH := "landscape", 9, 1, 0 // A4; as many pages tall as needed
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &orientation, Size: &size, FitToWidth: &fit, FitToHeight: &fitH}); err != nil {
		return nil, err
	}
	fitPage := true
	f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fitPage})
	margin := 0.5
	f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Left: &margin, Right: &margin, Top: &margin, Bottom: &margin})
	f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddFooter: "&C第 &P 页，共 &N 页"})
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + sheet + "'!$3:$3", Scope: sheet}); err != nil {
		return nil, err
	}
	f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 3, TopLeftCell: "A4", ActivePane: "bottomLeft"})
	return f, nil
}
