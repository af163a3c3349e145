package todo

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/xlsxprint"
)

// exportColumns are the columns of the printed list, with their widths.
var exportColumns = []struct {
	title string
	width float64
}{
	{"序号", 6}, {"期限", 12}, {"状态", 10}, {"剩余/逾期", 18}, {"来源", 12}, {"事项", 14},
	{"内容", 46}, {"承办处室", 14}, {"承办人", 10}, {"备注", 20}, {"办理页面", 30},
}

// ExportTitle describes a list for the title rows of its export.
type ExportTitle struct {
	Agency   string // the agency's name
	Person   string // who exported it
	Filters  string // the filters in words ("" none)
	Exported time.Time
	BaseURL  string
}

// WriteXLSX writes the list as a workbook laid out for printing: a title
// row, the filters and time of export, a header row repeated on every
// page, borders, column widths, A4 landscape fitted to the page width.
func WriteXLSX(w io.Writer, l *List, t ExportTitle) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "待办事项"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	last, _ := excelize.ColumnNumberToName(len(exportColumns))
	for i, c := range exportColumns {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, c.width); err != nil {
			return err
		}
	}
	border := []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "right", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1}}
	titleStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	if err != nil {
		return err
	}
	noteStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Size: 10}, Alignment: &excelize.Alignment{Horizontal: "left", WrapText: true}})
	if err != nil {
		return err
	}
	headStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9D9D9"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	if err != nil {
		return err
	}
	cellStyle, err := f.NewStyle(&excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return err
	}
	// Overdue rows are marked in words (状态 column) and in bold, so the
	// marking survives black-and-white printing.
	overdueStyle, err := f.NewStyle(&excelize.Style{Border: border, Font: &excelize.Font{Bold: true, Color: "C00000"},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return err
	}
	title := "待办事项清单（" + l.Filter.View.Label() + "）"
	if t.Agency != "" {
		title = t.Agency + title
	}
	if err := f.MergeCell(sheet, "A1", last+"1"); err != nil {
		return err
	}
	if err := f.SetCellStr(sheet, "A1", title); err != nil {
		return err
	}
	if err := f.SetRowHeight(sheet, 1, 30); err != nil {
		return err
	}
	note := fmt.Sprintf("截至 %s：共 %d 项，已逾期 %d 项，%d 个工作日内到期 %d 项。", l.Today, l.Total, l.Overdue, SoonWorkingDays, l.DueSoon)
	if t.Filters != "" {
		note += "筛选条件：" + t.Filters + "（本表 " + fmt.Sprint(len(l.Entries)) + " 项）。"
	}
	if t.Person != "" {
		note += "导出人：" + t.Person + "，"
	}
	note += "导出时间：" + t.Exported.In(civil.Shanghai).Format("2006-01-02 15:04") + "。"
	if err := f.MergeCell(sheet, "A2", last+"2"); err != nil {
		return err
	}
	if err := f.SetCellStr(sheet, "A2", xlsxprint.CellSafe(note)); err != nil {
		return err
	}
	if err := f.SetRowHeight(sheet, 2, 30); err != nil {
		return err
	}
	for i, c := range exportColumns {
		cell, _ := excelize.CoordinatesToCellName(i+1, 3)
		if err := f.SetCellStr(sheet, cell, c.title); err != nil {
			return err
		}
	}
	base := strings.TrimRight(t.BaseURL, "/")
	for i, e := range l.Entries {
		row := i + 4
		url := ""
		if e.URL != "" {
			url = base + e.URL
		}
		values := []any{i + 1, e.Due.String(), e.Urgency.Label(), e.DeadlineText(), e.SourceLabel, xlsxprint.CellSafe(e.Kind), xlsxprint.CellSafe(e.Title),
			xlsxprint.CellSafe(e.Division), xlsxprint.CellSafe(e.Assignee), xlsxprint.CellSafe(e.Note), xlsxprint.CellSafe(url)}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		if err := f.SetSheetRow(sheet, cell, &values); err != nil {
			return err
		}
		style := cellStyle
		if e.Urgency == Overdue {
			style = overdueStyle
		}
		if err := f.SetCellStyle(sheet, cell, fmt.Sprintf("%s%d", last, row), style); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(sheet, "A1", last+"1", titleStyle); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A2", last+"2", noteStyle); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A3", last+"3", headStyle); err != nil {
		return err
	}
	if len(l.Entries) == 0 {
		if err := f.MergeCell(sheet, "A4", last+"4"); err != nil {
			return err
		}
		if err := f.SetCellStr(sheet, "A4", "没有符合条件的待办。"); err != nil {
			return err
		}
	}
	// Print: A4 landscape, fitted to one page wide, header repeated.
	orientation, paper, fitWidth, fitHeight := "landscape", 9, 1, 0
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &orientation, Size: &paper,
		FitToWidth: &fitWidth, FitToHeight: &fitHeight}); err != nil {
		return err
	}
	fit := true
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	margin := 0.5
	if err := f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Left: &margin, Right: &margin, Top: &margin, Bottom: &margin}); err != nil {
		return err
	}
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + sheet + "'!$3:$3", Scope: sheet}); err != nil {
		return err
	}
	if err := f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddFooter: "&C第 &P 页，共 &N 页"}); err != nil {
		return err
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 3, TopLeftCell: "A4", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}
