package xlsxprint_test

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/xlsxprint"
)

// TestWrite: the title spans the columns, the header repeats on every
// printed page, the page is landscape A4 fitted to the width, and text
// that would be a formula stays text.
func TestWrite(t *testing.T) {
	var b bytes.Buffer
	err := xlsxprint.Write(&b, xlsxprint.Sheet{Name: "台账", Title: "某局培训台账", Note: "统计截至 2026-11-30", Header: []string{"序号", "名称", "备注"},
		Widths: []float64{6, 30, 20}, Rows: [][]any{{1, "=HYPERLINK(\"http://x\")", "@SUM(A1)"}, {2, "正常文字", ""}}},
		xlsxprint.Sheet{Name: "第二页", Title: "第二页", Header: []string{"甲"}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "台账" || got[1] != "第二页" {
		t.Fatalf("sheets %v", got)
	}
	merged, _ := f.GetMergeCells("台账")
	if len(merged) < 2 || merged[0].GetStartAxis() != "A1" || merged[0].GetEndAxis() != "C1" {
		t.Errorf("title not merged across the columns: %v", merged)
	}
	for cell, want := range map[string]string{"A1": "某局培训台账", "A3": "序号", "B4": "'=HYPERLINK(\"http://x\")", "C4": "'@SUM(A1)", "B5": "正常文字"} {
		if got, _ := f.GetCellValue("台账", cell); got != want {
			t.Errorf("%s = %q, want %q", cell, got, want)
		}
	}
	if fm, _ := f.GetCellFormula("台账", "B4"); fm != "" {
		t.Errorf("a formula was written: %q", fm)
	}
	lay, err := f.GetPageLayout("台账")
	if err != nil || lay.Orientation == nil || *lay.Orientation != "landscape" || lay.Size == nil || *lay.Size != 9 {
		t.Errorf("page layout %+v %v", lay, err)
	}
	names := f.GetDefinedName()
	found := false
	for _, n := range names {
		found = found || n.Name == "_xlnm.Print_Titles" && n.Scope == "台账" && n.RefersTo == "'台账'!$3:$3"
	}
	if !found {
		t.Errorf("print titles: %+v", names)
	}
}
