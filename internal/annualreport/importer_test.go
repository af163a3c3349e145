package annualreport

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

type testAgencies struct{ list []AgencyRef }

func (d testAgencies) Agency(_ context.Context, id int64) (AgencyRef, error) {
	for _, a := range d.list {
		if a.ID == id {
			return a, nil
		}
	}
	return AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

func (d testAgencies) AgencyBySlug(_ context.Context, slug string) (AgencyRef, error) {
	for _, a := range d.list {
		if a.Slug == slug {
			return a, nil
		}
	}
	return AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

func (d testAgencies) All(context.Context) ([]AgencyRef, error) { return d.list, nil }

type importFixture struct {
	svc    *Service
	d      *db.DB
	editor *auth.Principal
	a      AgencyRef
}

func newImportFixture(t *testing.T, d *db.DB) *importFixture {
	t.Helper()
	ag, err := agency.NewService(d).Create(context.Background(), auth.Operator("test"), agency.NewAgency{Slug: "a-bureau", Kind: agency.Bureau, Name: "甲局"}, agency.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	a := AgencyRef{ID: ag.ID, Slug: ag.Slug, Name: ag.Name}
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, civil.Shanghai)
	svc := NewService(Deps{DB: d, Agencies: testAgencies{[]AgencyRef{a}}, Now: func() time.Time { return now }})
	return &importFixture{svc: svc, d: d, a: a,
		editor: &auth.Principal{Username: "approver", DisplayName: "审批", AgencyID: a.ID, Roles: auth.Roles{auth.Approver}, State: auth.StateActive}}
}

func (fx *importFixture) count(t *testing.T) int {
	t.Helper()
	var n int
	if err := fx.d.R.QueryRow(`SELECT COUNT(*) FROM annual_reports`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func xlsxBytes(t *testing.T, r *Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteXLSX(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// edit opens a workbook, lets fn change it and returns the new bytes.
func edit(t *testing.T, b []byte, fn func(f *excelize.File)) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fn(f)
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// trial2019 builds a 2019 trial-format workbook as an agency would have
// typed it (§1.8): one sheet, a title and blank rows, the tables shifted
// one column to the right, numbers partly as text, table three with its
// 23 rows ("三、本年度办理结果" merged over 20, （六）其他处理 one row), and
// table four with its three header rows.
func trial2019(t *testing.T, r *Report) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const s = "Sheet1"
	set := func(col, row int, v any) { f.SetCellValue(s, cellName(col, row), v) }
	merge := func(c1, r1, c2, r2 int) { f.MergeCell(s, cellName(c1, r1), cellName(c2, r2)) }
	set(2, 1, "甲局2020年政府信息公开工作年度报告")
	merge(2, 1, 11, 1)
	set(2, 3, "二、主动公开政府信息情况")
	row := 4
	for _, p := range TableTwo2019 {
		set(2, row, p.Caption)
		merge(2, row, 2+len(p.Columns), row)
		row++
		set(2, row, "信息内容")
		for j, c := range p.Columns {
			set(3+j, row, c.Label)
		}
		row++
		for _, rr := range p.Rows {
			set(2, row, rr.Label)
			for j, c := range p.Columns {
				code := T2(rr.Code, c.Code)
				if Format2019.IsMoney(code) {
					set(3+j, row, float64(r.Cells[code])/10000) // 万元
					continue
				}
				set(3+j, row, r.Cells[code])
			}
			row++
		}
		row++
	}
	row++
	set(2, row, "三、收到和处理政府信息公开申请情况")
	row += 2 // two blank rows
	h := row
	set(2, h, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")
	merge(2, h, 4, h+2)
	set(5, h, "申请人情况")
	merge(5, h, 11, h)
	set(5, h+1, "自然人")
	merge(5, h+1, 5, h+2)
	set(6, h+1, "法人或其他组织")
	merge(6, h+1, 10, h+1)
	set(11, h+1, "总计")
	merge(11, h+1, 11, h+2)
	for i, c := range []string{"商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"} {
		set(6+i, h+2, c)
	}
	row = h + 3
	first := row
	for i, rr := range TableThreeRows2019 {
		switch {
		case rr.Level2 == "":
			set(2, row, rr.Level1)
			merge(2, row, 4, row)
		case rr.Level3 == "":
			set(3, row, rr.Level2)
			merge(3, row, 4, row)
		default:
			if TableThreeRows2019[i-1].Level2 != rr.Level2 {
				set(3, row, rr.Level2)
			}
			set(4, row, rr.Level3)
		}
		for j, c := range ApplicantColumns {
			v := r.Cells[T3(rr.Code, c.Code)]
			if j%2 == 0 {
				set(5+j, row, fmt.Sprint(v)) // a number typed as text
			} else {
				set(5+j, row, v)
			}
		}
		row++
	}
	set(2, first+2, "三、本年度办理结果")
	merge(2, first+2, 2, first+21)
	row += 2
	set(2, row, "四、政府信息公开行政复议、行政诉讼情况")
	row++
	set(2, row, "行政复议")
	merge(2, row, 6, row+1)
	set(7, row, "行政诉讼")
	merge(7, row, 16, row)
	set(7, row+1, "未经复议直接起诉")
	merge(7, row+1, 11, row+1)
	set(12, row+1, "复议后起诉")
	merge(12, row+1, 16, row+1)
	col := 2
	for _, blk := range RemedyBlocks {
		for _, c := range RemedyColumns {
			set(col, row+2, c.Label)
			set(col, row+3, r.Cells[T4(blk.Code, c.Code)])
			col++
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sameCells(t *testing.T, f Format, got, want Cells) {
	t.Helper()
	for _, code := range f.Codes() {
		if got[code] != want[code] {
			t.Errorf("%s = %d, want %d", code, got[code], want[code])
		}
	}
	if len(got) != len(f.Codes()) {
		t.Errorf("%d cells, want %d", len(got), len(f.Codes()))
	}
}

// TestImportRoundTrip: the XLSX of a 2021 report imports to the same
// cells, stored as the published, imported report of the year.
func TestImportRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fx := newImportFixture(t, d)
		ctx := context.Background()
		src := sampleReport(Format2021)
		got, err := fx.svc.Import(ctx, fx.editor, 2024, Format2021, "2024年报.xlsx", bytes.NewReader(xlsxBytes(t, src)))
		if err != nil {
			t.Fatal(err)
		}
		if !got.Imported || got.State != Published || got.Format != Format2021 || got.Version != 1 || got.PublishedAt.IsZero() {
			t.Errorf("imported report %+v", got)
		}
		cur, earlier, err := fx.svc.PublicReport(ctx, fx.a.ID, 2024)
		if err != nil {
			t.Fatal(err)
		}
		if len(earlier) != 0 || !cur.Imported || cur.Format != Format2021 {
			t.Errorf("public report %+v earlier %d", cur, len(earlier))
		}
		sameCells(t, Format2021, cur.Cells, src.Cells)
		var audits int
		d.R.QueryRow(`SELECT COUNT(*) FROM audit_entries WHERE action = 'annualreport.import'`).Scan(&audits)
		if audits != 1 {
			t.Errorf("%d audit records", audits)
		}
		// The year now has a report: importing again is refused.
		_, err = fx.svc.Import(ctx, fx.editor, 2024, Format2021, "2024年报.xlsx", bytes.NewReader(xlsxBytes(t, src)))
		var ierr *ImportError
		if !errAs(err, &ierr) || ierr.Field != "year" || !strings.Contains(ierr.Message, "已有年度报告") {
			t.Errorf("second import: %v", err)
		}
		if fx.count(t) != 1 {
			t.Errorf("%d reports after a refused re-import", fx.count(t))
		}
	})
}

func errAs(err error, target **ImportError) bool {
	e, ok := err.(*ImportError)
	if ok {
		*target = e
	}
	return ok
}

// TestImportTolerant: a 2021 file with blank rows above, "，" in rows 21
// and 22 of table three, labels without their numbering and numbers as
// text imports; so does a hand-made 2019 trial-format workbook.
func TestImportTolerant(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fx := newImportFixture(t, d)
		ctx := context.Background()
		src := sampleReport(Format2021)
		b := edit(t, xlsxBytes(t, src), func(f *excelize.File) {
			if err := f.InsertRows(SheetThree, 1, 2); err != nil {
				t.Fatal(err)
			}
			// Rows 21 and 22 of table three (now rows 28 and 29).
			f.SetCellValue(SheetThree, "C28", "1.申请人无正当理由逾期不补正，行政机关不再处理其政府信息公开申请")
			f.SetCellValue(SheetThree, "C29", "2．申请人逾期未按收费通知要求缴纳费用，行政机关不再处理其政府信息公开申请")
			f.SetCellValue(SheetThree, "A8", "本年新收政府信息公开申请数量")
			f.SetCellValue(SheetThree, "D10", fmt.Sprintf(" %d ", src.Cells[T3("granted", "natural")]))
			f.SetCellValue(SheetTwo, "B19", "12.3456")
		})
		got, err := fx.svc.Import(ctx, fx.editor, 2023, Format2021, "report.XLSX", bytes.NewReader(b))
		if err != nil {
			t.Fatalf("tolerant 2021 import: %v", err)
		}
		sameCells(t, Format2021, got.Cells, src.Cells)

		old := sampleReport(Format2019)
		got, err = fx.svc.Import(ctx, fx.editor, 2020, Format2019, "2020.xlsx", bytes.NewReader(trial2019(t, old)))
		if err != nil {
			var ierr *ImportError
			if errAs(err, &ierr) {
				t.Fatalf("2019 import: %s %v", ierr.Message, ierr.Details)
			}
			t.Fatal(err)
		}
		if got.Format != Format2019 {
			t.Errorf("format %q", got.Format)
		}
		sameCells(t, Format2019, got.Cells, old.Cells)
		cur, _, err := fx.svc.PublicReport(ctx, fx.a.ID, 2020)
		if err != nil || cur.Format != Format2019 || cur.Cells[T3("other", "total")] != old.Cells[T3("other", "total")] {
			t.Errorf("stored 2019 report %+v %v", cur, err)
		}
	})
}

// TestImportRefused: every malformed file is refused with its message,
// and nothing is stored.
func TestImportRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fx := newImportFixture(t, d)
		ctx := context.Background()
		src := sampleReport(Format2021)
		good := xlsxBytes(t, src)
		other := excelize.NewFile()
		other.SetCellValue("Sheet1", "A1", "姓名")
		other.SetCellValue("Sheet1", "B1", "电话")
		var wrong bytes.Buffer
		other.Write(&wrong)
		other.Close()
		cases := []struct {
			name     string
			year     int
			format   Format
			file     string
			content  []byte
			field    string
			messages []string
		}{
			{"not xlsx", 2024, Format2021, "a.xlsx", []byte("这不是表格文件"), "file", []string{"不是 XLSX 文件"}},
			{"broken zip", 2024, Format2021, "a.xlsx", append([]byte("PK\x03\x04"), bytes.Repeat([]byte("x"), 100)...), "file", []string{"无法读取 XLSX 文件"}},
			{"csv name", 2024, Format2021, "a.csv", good, "file", []string{"请上传 XLSX 文件"}},
			{"path trick", 2024, Format2021, "../../etc/passwd.xlsx", good, "file", []string{"不能包含路径"}},
			{"backslash", 2024, Format2021, `..\a.xlsx`, good, "file", []string{"不能包含路径"}},
			{"no name", 2024, Format2021, "", good, "file", []string{"请选择要导入的 XLSX 文件"}},
			{"wrong layout", 2024, Format2021, "a.xlsx", wrong.Bytes(), "file", []string{"找不到“三、收到和处理政府信息公开申请情况”的表格", "找不到“四、", "第二十条第（一）项"}},
			{"future year", 2026, Format2021, "a.xlsx", good, "year", []string{"可导入 2019 至 2025 年度的报告"}},
			{"too early", 2018, Format2019, "a.xlsx", good, "year", []string{"可导入 2019 至 2025"}},
			{"format of year", 2020, Format2021, "a.xlsx", good, "format", []string{"2020 年度的报告应采用2019年试行格式"}},
			{"no format", 2024, Format("x"), "a.xlsx", good, "format", []string{"请选择报告格式"}},
			{"missing row", 2024, Format2021, "a.xlsx", edit(t, good, func(f *excelize.File) {
				f.UnmergeCell(SheetThree, "B10", "B17")
				f.RemoveRow(SheetThree, 13) // 4.保护第三方合法权益
			}), "file", []string{"表三缺少“4.保护第三方合法权益”行"}},
			{"negative", 2024, Format2021, "a.xlsx", edit(t, good, func(f *excelize.File) { f.SetCellValue(SheetThree, "E8", -3) }),
				"file", []string{"表三·（一）予以公开·商业企业（工作表“三、依申请公开”E8）：不能为负数"}},
			{"text", 2024, Format2021, "a.xlsx", edit(t, good, func(f *excelize.File) { f.SetCellValue(SheetFour, "B6", "两件") }),
				"file", []string{"表四·行政复议·结果纠正（工作表“四、复议诉讼”B6）：“两件”不是数字"}},
			{"decimal count", 2024, Format2021, "a.xlsx", edit(t, good, func(f *excelize.File) { f.SetCellValue(SheetThree, "D6", 2.5) }),
				"file", []string{"应为整数"}},
			{"empty cell", 2024, Format2021, "a.xlsx", edit(t, good, func(f *excelize.File) { f.SetCellValue(SheetThree, "F9", "") }),
				"file", []string{"未填写"}},
			{"fee decimals", 2024, Format2021, "a.xlsx", edit(t, good, func(f *excelize.File) { f.SetCellValue(SheetTwo, "B19", 1.23456) }),
				"file", []string{"最多保留四位小数"}},
			{"identity", 2024, Format2021, "a.xlsx", edit(t, good, func(f *excelize.File) {
				v, _ := f.GetCellValue(SheetThree, "D8")
				f.SetCellValue(SheetThree, "D8", v+"1")
			}), "file", []string{"勾稽关系", "表三自然人列：办理结果各项之和", "表三“（一）予以公开”行：各类申请人之和"}},
			{"2019 file as 2021", 2024, Format2021, "a.xlsx", trial2019(t, sampleReport(Format2019)), "file",
				[]string{"表三缺少“1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请”行", "文件看起来是2019年试行格式的报告"}},
		}
		for _, c := range cases {
			_, err := fx.svc.Import(ctx, fx.editor, c.year, c.format, c.file, bytes.NewReader(c.content))
			var ierr *ImportError
			if !errAs(err, &ierr) {
				t.Errorf("%s: err = %v, want an ImportError", c.name, err)
				continue
			}
			all := ierr.Message + "\n" + strings.Join(ierr.Details, "\n")
			if ierr.Field != c.field {
				t.Errorf("%s: field %q, want %q (%s)", c.name, ierr.Field, c.field, all)
			}
			for _, m := range c.messages {
				if !strings.Contains(all, m) {
					t.Errorf("%s: the message lacks %q:\n%s", c.name, m, all)
				}
			}
		}
		big := append(append([]byte{}, good...), bytes.Repeat([]byte{0}, MaxImportBytes)...)
		if _, err := fx.svc.Import(ctx, fx.editor, 2024, Format2021, "big.xlsx", bytes.NewReader(big)); apperr.CodeOf(err) != apperr.TooLarge {
			t.Errorf("oversized: %v", err)
		}
		reviewer := &auth.Principal{Username: "r", AgencyID: fx.a.ID, Roles: auth.Roles{auth.Reviewer}, State: auth.StateActive}
		if _, err := fx.svc.Import(ctx, reviewer, 2024, Format2021, "a.xlsx", bytes.NewReader(good)); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("reviewer: %v", err)
		}
		if n := fx.count(t); n != 0 {
			t.Fatalf("%d reports stored by refused imports", n)
		}
	})
}

// TestNumber: the cell readings of counts and amounts.
func TestNumber(t *testing.T) {
	for _, c := range []struct {
		in    string
		money bool
		want  int64
		msg   string
	}{
		{"12", false, 12, ""}, {" 1,234 ", false, 1234, ""}, {"１２", false, 12, ""}, {"3.0", false, 3, ""}, {"+4", false, 4, ""},
		{"-1", false, 0, "不能为负数"}, {"2.5", false, 0, "应为整数"}, {"NaN", false, 0, "不是数字"}, {"Inf", false, 0, "不是数字"},
		{"", false, 0, "未填写"}, {"五", false, 0, "不是数字"}, {"2000000000", false, 0, "数值过大"},
		{"12.5", true, 125000, ""}, {"0.1234", true, 1234, ""}, {"0.12340000000000001", true, 1234, ""}, {"0.12345", true, 0, "四位小数"},
		{"-0.5", true, 0, "不能为负数"},
	} {
		got, msg := importNumber(c.in, c.money, false)
		if got != c.want || (c.msg == "") != (msg == "") || !strings.Contains(msg, c.msg) {
			t.Errorf("number(%q, %v) = %d, %q; want %d, %q", c.in, c.money, got, msg, c.want, c.msg)
		}
	}
	// The 2019 format's 本年增/减 may be negative.
	if got, msg := importNumber("-3", false, true); got != -3 || msg != "" {
		t.Errorf("signed -3: %d %q", got, msg)
	}
	if !Format2019.IsSigned(T2("licensing", "change")) || Format2021.IsSigned(T2("licensing", "decisions")) {
		t.Error("IsSigned")
	}
	if !Format2019.IsMoney(T2("procurement", "amount")) || Format2019.IsMoney(T2("procurement", "count")) {
		t.Error("2019 procurement amount is money, its count is not")
	}
	if p := Format2019.Check(Cells{T2("licensing", "change"): -3}); len(p) != 0 {
		t.Errorf("negative 本年增/减 refused: %v", p)
	}
}

// TestYearOnYear: one point per year (its newest version), oldest first,
// the same figures from both formats; the chart draws them with its
// accessible name.
func TestYearOnYear(t *testing.T) {
	a, b := sampleReport(Format2019), sampleReport(Format2021)
	a.Year, b.Year = 2020, 2024
	old := sampleReport(Format2021)
	old.Year, old.Version = 2024, 1
	b.Version = 2
	b.Cells[T4("litigation_direct", "total")], b.Cells[T4("litigation_after", "total")] = 3, 4
	points := YearOnYear([]*Report{b, old, a})
	if len(points) != 2 || points[0].Year != 2020 || points[1].Year != 2024 {
		t.Fatalf("points %+v", points)
	}
	p := points[0]
	if p.Format != Format2019 || p.NewReceived != a.Cells[T3("new_received", "total")] || p.TotalProcessed != a.Cells[T3("total_processed", "total")] ||
		p.Granted != a.Cells[T3("granted", "total")] || p.CarriedForward != 36 || p.Reconsiderations != a.Cells[T4("reconsideration", "total")] {
		t.Errorf("2020 point %+v", p)
	}
	if points[1].Lawsuits != 7 {
		t.Errorf("2024 lawsuits %d, want 7 (the newest version's)", points[1].Lawsuits)
	}
	svg := string(ChartSVG(points))
	for _, want := range []string{`role="img"`, `aria-label="2020至2024年度政府信息公开申请收到和办结件数柱状图；数据见下表"`, ">2020年<", ">2024年<",
		fmt.Sprintf(">%d<", p.NewReceived)} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	if strings.Count(svg, "<rect") != 2+4 {
		t.Errorf("chart has %d rects, want a legend of 2 and 4 bars", strings.Count(svg, "<rect"))
	}
	if ChartSVG(nil) != "" {
		t.Error("a chart without points")
	}
}

// TestDocumentOf: the narrative as paragraphs (an imported report says it
// has tables only), the correction notes newest first.
func TestDocumentOf(t *testing.T) {
	r := sampleReport(Format2021)
	r.Overview, r.Version, r.CorrectionNote = "第一段。\r\n\r\n  第二段。  \n", 3, "第二次更正"
	v2 := &Report{Version: 2, CorrectionNote: "第一次更正"}
	d := DocumentOf(r, []*Report{v2, {Version: 1}})
	if len(d.One) != 2 || d.One[0] != "第一段。" || d.One[1] != "第二段。" || len(d.Five) != 0 {
		t.Errorf("paragraphs %q %q", d.One, d.Five)
	}
	if len(d.Corrections) != 2 || d.Corrections[0].Note != "第二次更正" || d.Corrections[1].Version != 2 {
		t.Errorf("corrections %+v", d.Corrections)
	}
	r.Imported, r.Overview = true, ""
	if d := DocumentOf(r, nil); len(d.One) != 1 || d.One[0] != ImportedNote || d.Six[0] != ImportedNote {
		t.Errorf("imported %q", d.One)
	}
	if !strings.Contains(string(d.Tables), "三、收到和处理政府信息公开申请情况") {
		t.Error("no tables")
	}
}
