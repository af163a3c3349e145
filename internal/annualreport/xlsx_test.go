package annualreport

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"
)

// sampleReport is a report whose cells satisfy every identity, with a
// different number in (nearly) every cell so that a misplaced cell shows.
func sampleReport(f Format) *Report {
	r := &Report{AgencyName: "上海市民族和宗教事务局", Year: 2024, Version: 1, Format: f, State: Published, Cells: Cells{}}
	if f == Format2019 {
		r.Year = 2020
	}
	n := int64(1)
	for _, p := range f.TableTwo() {
		for _, row := range p.Rows {
			for _, c := range p.Columns {
				code := T2(row.Code, c.Code)
				if p.Money {
					r.Cells[code] = 123456 // 12.3456 万元
				} else {
					r.Cells[code] = n
				}
				n++
			}
		}
	}
	outcome := 0
	for _, row := range f.TableThree() {
		switch row.Code {
		case "new_received", "carried_over", "total_processed", "carried_forward":
			continue
		}
		outcome++
		var sum int64
		for i, c := range ApplicantColumns[:6] {
			v := int64((outcome*7+i*3)%11 + i)
			r.Cells[T3(row.Code, c.Code)] = v
			sum += v
		}
		r.Cells[T3(row.Code, "total")] = sum
	}
	for i, c := range ApplicantColumns {
		var processed int64
		for _, row := range f.TableThree() {
			switch row.Code {
			case "new_received", "carried_over", "total_processed", "carried_forward":
				continue
			}
			processed += r.Cells[T3(row.Code, c.Code)]
		}
		r.Cells[T3("total_processed", c.Code)] = processed
		carriedOver, forward := int64(i+1), int64(2*i+1)
		if c.Code == "total" {
			carriedOver, forward = 21, 36 // 1+…+6 and 1+3+…+11
		}
		r.Cells[T3("carried_over", c.Code)] = carriedOver
		r.Cells[T3("carried_forward", c.Code)] = forward
		r.Cells[T3("new_received", c.Code)] = processed + forward - carriedOver
	}
	for i, blk := range RemedyBlocks {
		var sum int64
		for j, c := range RemedyColumns[:4] {
			v := int64(i*4 + j)
			r.Cells[T4(blk.Code, c.Code)] = v
			sum += v
		}
		r.Cells[T4(blk.Code, "total")] = sum
	}
	return r
}

func TestSampleReportHolds(t *testing.T) {
	for _, f := range []Format{Format2021, Format2019} {
		if p := sampleReport(f).Check(); len(p) > 0 {
			t.Fatalf("%s: the sample fails its identities: %v", f, p)
		}
	}
}

func openXLSX(t *testing.T, r *Report) *excelize.File {
	t.Helper()
	var b bytes.Buffer
	if err := WriteXLSX(&b, r); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func mergedSet(t *testing.T, f *excelize.File, sheet string) map[string]string {
	t.Helper()
	list, err := f.GetMergeCells(sheet)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range list {
		out[m.GetStartAxis()+":"+m.GetEndAxis()] = m.GetCellValue()
	}
	return out
}

// TestWriteXLSX: the workbook has the official layout (merged header and
// group cells of tables three and four, 25 rows × 7 numeric columns, 15
// columns), numbers stored as numbers, amounts in 万元, and the values of
// the report.
func TestWriteXLSX(t *testing.T) {
	r := sampleReport(Format2021)
	f := openXLSX(t, r)
	if got := f.GetSheetList(); len(got) != 3 || got[0] != SheetTwo || got[1] != SheetThree || got[2] != SheetFour {
		t.Fatalf("sheets %v", got)
	}

	// Table three: title row, heading row, three header rows (3–5), the
	// data rows 6–30.
	m := mergedSet(t, f, SheetThree)
	for rng, want := range map[string]string{
		"A1:J1": r.Title(), "A3:C5": ThreeNote, "D3:J3": "申请人情况", "D4:D5": "自然人", "E4:I4": "法人或其他组织", "J4:J5": "总计",
		"A6:C6": "一、本年新收政府信息公开申请数量", "A7:C7": "二、上年结转政府信息公开申请数量",
		"A8:A29": "三、本年度办理结果", "B8:C8": "（一）予以公开", "B9:C9": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
		"B10:B17": "（三）不予公开", "B18:B20": "（四）无法提供", "B21:B25": "（五）不予处理", "B26:B28": "（六）其他处理",
		"B29:C29": "（七）总计", "A30:C30": "四、结转下年度继续办理",
	} {
		if got, ok := m[rng]; !ok || got != want {
			t.Errorf("table three: merge %s = %q (present %v), want %q", rng, got, ok, want)
		}
	}
	if len(m) != 18 { // with the title and the heading
		t.Errorf("table three has %d merged ranges, want 18: %v", len(m), m)
	}
	for i, c := range []string{"商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"} {
		if got, _ := f.GetCellValue(SheetThree, cellName(5+i, 5)); got != c {
			t.Errorf("table three header %s = %q, want %q", cellName(5+i, 5), got, c)
		}
	}
	rows, err := f.GetRows(SheetThree)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 30 {
		t.Fatalf("table three sheet has %d rows, want 30 (title, heading, 3 header rows, 25 data rows)", len(rows))
	}
	for i, row := range TableThreeRows {
		line := 6 + i
		// The most specific label stands in the label column where it
		// starts: A (level 1 alone, merged A:C), B (level 2 without level 3,
		// merged B:C) or C.
		labelCol := 3
		switch {
		case row.Level2 == "":
			labelCol = 1
		case row.Level3 == "":
			labelCol = 2
		}
		got, _ := f.GetCellValue(SheetThree, cellName(labelCol, line))
		if got != row.Label() {
			t.Errorf("table three row %d: label %q, want %q", line, got, row.Label())
		}
		for j, c := range ApplicantColumns {
			ref := cellName(4+j, line)
			typ, _ := f.GetCellType(SheetThree, ref)
			v, _ := f.GetCellValue(SheetThree, ref, excelize.Options{RawCellValue: true})
			if typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
				t.Errorf("%s is not a number (type %v)", ref, typ)
			}
			if v != strconv.FormatInt(r.Cells[T3(row.Code, c.Code)], 10) {
				t.Errorf("%s (%s) = %q, want %d", ref, T3(row.Code, c.Code), v, r.Cells[T3(row.Code, c.Code)])
			}
		}
		if extra, _ := f.GetCellValue(SheetThree, cellName(11, line)); extra != "" {
			t.Errorf("table three has an eighth numeric column: %s = %q", cellName(11, line), extra)
		}
	}

	// Table four: 行政复议 over 5 columns × 2 rows, 行政诉讼 over 10, the two
	// kinds over 5 each; 15 heads, 15 numbers.
	m = mergedSet(t, f, SheetFour)
	for rng, want := range map[string]string{"A1:O1": r.Title(), "A3:E4": "行政复议", "F3:O3": "行政诉讼", "F4:J4": "未经复议直接起诉", "K4:O4": "复议后起诉"} {
		if got, ok := m[rng]; !ok || got != want {
			t.Errorf("table four: merge %s = %q (present %v), want %q", rng, got, ok, want)
		}
	}
	col := 1
	for _, blk := range RemedyBlocks {
		for _, c := range RemedyColumns {
			if got, _ := f.GetCellValue(SheetFour, cellName(col, 5)); got != c.Label {
				t.Errorf("table four head %s = %q, want %q", cellName(col, 5), got, c.Label)
			}
			v, _ := f.GetCellValue(SheetFour, cellName(col, 6), excelize.Options{RawCellValue: true})
			if v != fmt.Sprint(r.Cells[T4(blk.Code, c.Code)]) {
				t.Errorf("table four %s = %q, want %d", cellName(col, 6), v, r.Cells[T4(blk.Code, c.Code)])
			}
			col++
		}
	}
	if extra, _ := f.GetCellValue(SheetFour, cellName(16, 5)); extra != "" {
		t.Errorf("table four has a sixteenth column: %q", extra)
	}

	// Section 二: captions merged across their sub-table; the fee in 万元.
	m = mergedSet(t, f, SheetTwo)
	for rng, want := range map[string]string{"A1:D1": r.Title(), "A3:D3": "第二十条第（一）项", "A8:B8": "第二十条第（五）项", "A12:B12": "第二十条第（六）项", "A17:B17": "第二十条第（八）项"} {
		if got, ok := m[rng]; !ok || got != want {
			t.Errorf("section 二: merge %s = %q (present %v), want %q", rng, got, ok, want)
		}
	}
	for ref, want := range map[string]string{"A4": "信息内容", "B4": "本年制发件数", "A5": "规章", "A6": "行政规范性文件", "B6": fmt.Sprint(r.Cells[T2("normative", "issued")]),
		"B18": "本年收费金额（单位：万元）", "A19": "行政事业性收费", "B19": "12.3456"} {
		if got, _ := f.GetCellValue(SheetTwo, ref, excelize.Options{RawCellValue: true}); got != want {
			t.Errorf("section 二 %s = %q, want %q", ref, got, want)
		}
	}

	// Printable: A4, fitted to the width.
	for _, s := range f.GetSheetList() {
		lay, err := f.GetPageLayout(s)
		if err != nil || lay.Size == nil || *lay.Size != 9 || lay.FitToWidth == nil || *lay.FitToWidth != 1 {
			t.Errorf("%s: page layout %+v %v", s, lay, err)
		}
	}
}

// TestWriteXLSX2019: the trial format's table three has 23 rows, its
// group label spanning 20; section 二 has the fifth sub-table.
func TestWriteXLSX2019(t *testing.T) {
	r := sampleReport(Format2019)
	f := openXLSX(t, r)
	m := mergedSet(t, f, SheetThree)
	if got := m["A8:A27"]; got != "三、本年度办理结果" {
		t.Errorf("2019 group label: %v", m)
	}
	if got := m["B26:C26"]; got != "（六）其他处理" {
		t.Errorf("2019 （六）其他处理 row: %v", m)
	}
	rows, _ := f.GetRows(SheetThree)
	if len(rows) != 28 {
		t.Errorf("2019 table three sheet has %d rows, want 28", len(rows))
	}
	if got := mergedSet(t, f, SheetTwo)["A22:C22"]; got != "第二十条第（九）项" {
		t.Errorf("2019 section 二: %v", mergedSet(t, f, SheetTwo))
	}
}

// TestWriteXLSXCorrected: a corrected version says so above the tables.
func TestWriteXLSXCorrected(t *testing.T) {
	r := sampleReport(Format2021)
	r.Version, r.CorrectionNote = 2, "更正表三自然人申请数"
	f := openXLSX(t, r)
	if got, _ := f.GetCellValue(SheetThree, "A2"); got != "第 2 版（更正版本）。更正说明：更正表三自然人申请数" {
		t.Errorf("note row: %q", got)
	}
	if got, _ := f.GetCellValue(SheetThree, "D4"); got != "申请人情况" {
		t.Errorf("header moved down by the note: D4 = %q", got)
	}
}
