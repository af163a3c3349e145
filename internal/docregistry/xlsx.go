package docregistry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// The import layout: one header row with these columns in this order (the
// downloadable template), then one document per row.
var importColumns = []string{"文号", "标题", "发文机关", "起草处室", "起草日期", "签发日期", "公开属性", "不公开依据", "理由"}

// Bounds of an import file.
const (
	MaxImportBytes = 5 << 20
	MaxImportRows  = 2000
)

// RowError is a bad row of an import, by its line in the sheet.
type RowError struct {
	Line    int
	Message string
}

// ImportError refuses a whole file: the layout is wrong, or rows are bad
// (each listed by line). Nothing was imported.
type ImportError struct {
	Message string
	Rows    []RowError
}

func (e *ImportError) Error() string { return e.Message }

func refuse(format string, args ...any) error {
	return &ImportError{Message: fmt.Sprintf(format, args...)}
}

// ImportResult says what an import did.
type ImportResult struct {
	Created int
	// Unchanged are rows whose 文号 was already registered with the same
	// content (an identical re-import): skipped, nothing changed.
	Unchanged int
}

func colName(i int) string {
	s, _ := excelize.ColumnNumberToName(i + 1)
	return s
}

func cell(row []string, i int) string {
	if i < len(row) {
		return strings.TrimSpace(row[i])
	}
	return ""
}

func clip(s string) string {
	if r := []rune(s); len(r) > 30 {
		return string(r[:30]) + "…"
	}
	return s
}

var serialPattern = regexp.MustCompile(`^[0-9]{5}(\.[0-9]+)?$`)

// cellDate turns an Excel date serial (a date-formatted cell read raw) into
// YYYY-MM-DD; any other text is returned as it is for ParseDate.
func cellDate(s string) string {
	if serialPattern.MatchString(s) {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f > 20000 && f < 80000 {
			if t, err := excelize.ExcelDateToTime(f, false); err == nil {
				return t.Format("2006-01-02")
			}
		}
	}
	return s
}

// readSheet reads the first sheet of an XLSX file, cells raw (dates as
// serial numbers), within the size bounds.
func readSheet(name string, r io.Reader) ([][]string, error) {
	if !strings.HasSuffix(strings.ToLower(name), ".xlsx") {
		return nil, refuse("请上传 XLSX 文件（文件名以 .xlsx 结尾），可先下载导入模板。")
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, refuse("上传的文件无法读取。")
	}
	if len(b) > MaxImportBytes {
		return nil, apperr.New(apperr.TooLarge, fmt.Sprintf("文件超过 %d MB，请分成几个文件导入。", MaxImportBytes>>20))
	}
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{UnzipSizeLimit: 64 << 20, UnzipXMLSizeLimit: 32 << 20})
	if err != nil {
		return nil, refuse("无法读取 XLSX 文件：请确认文件没有损坏，且不是加密文件。")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, refuse("XLSX 文件没有工作表。")
	}
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, refuse("无法读取 XLSX 文件的第一个工作表。")
	}
	return rows, nil
}

// importRow is a read row with its line and fingerprint.
type importRow struct {
	Line     int
	Division string
	Input    Input
}

// parseImport reads the rows of the layout (the header may follow a title
// row) without judging their content.
func parseImport(name string, r io.Reader) ([]importRow, error) {
	rows, err := readSheet(name, r)
	if err != nil {
		return nil, err
	}
	head := -1
	for i := 0; i < len(rows) && i < 5; i++ {
		if cell(rows[i], 0) == importColumns[0] {
			head = i
			break
		}
	}
	if head < 0 {
		return nil, refuse("找不到表头：第一列应为“文号”。请使用本页提供的导入模板。")
	}
	for i, want := range importColumns {
		if got := cell(rows[head], i); got != want {
			if got == "" {
				return nil, refuse("表头缺少列“%s”（第 %s 列）。", want, colName(i))
			}
			return nil, refuse("表头第 %s 列应为“%s”，实际为“%s”。请按模板的列顺序整理后再导入。", colName(i), want, clip(got))
		}
	}
	data := rows[head+1:]
	if len(data) > MaxImportRows {
		return nil, refuse("一次最多导入 %d 份公文。", MaxImportRows)
	}
	var out []importRow
	for n, row := range data {
		empty := true
		for _, v := range row {
			if strings.TrimSpace(v) != "" {
				empty = false
			}
		}
		if empty {
			continue
		}
		attr := cell(row, 6)
		if a, ok := AttributeByLabel(attr); ok {
			attr = string(a)
		} else if attr != "" {
			attr = "?" + attr
		}
		ground := cell(row, 7)
		if g, ok := GroundByLabel(ground); ok {
			ground = string(g)
		} else if ground != "" {
			ground = "?" + ground
		}
		out = append(out, importRow{Line: head + 2 + n, Division: cell(row, 3), Input: Input{DocNumber: cell(row, 0), Title: cell(row, 1),
			Issuer: cell(row, 2), DraftedOn: cellDate(cell(row, 4)), SignedOn: cellDate(cell(row, 5)), Attribute: attr, Ground: ground,
			Reason: cell(row, 8)}})
	}
	if len(out) == 0 {
		return nil, refuse("文件中没有公文（表头下方没有内容）。")
	}
	return out, nil
}

// fingerprint identifies a row's content for idempotent re-imports.
func fingerprint(v parsed) string {
	h := sha256.Sum256([]byte(strings.Join([]string{v.DocNumber, v.Title, v.Issuer, strconv.FormatInt(v.DivisionID, 10), v.DraftedOn.String(),
		v.SignedOn.String(), string(v.Attribute), string(v.Ground), v.Reason}, "\x1f")))
	return hex.EncodeToString(h[:])
}

// sameContent reports whether a registered document says what the row
// says (its signing date may have been recorded since).
func sameContent(d *Document, v parsed) bool {
	return d.Title == v.Title && d.Issuer == v.Issuer && d.DivisionID == v.DivisionID && d.DraftedOn == v.DraftedOn &&
		(v.SignedOn.IsZero() || d.SignedOn == v.SignedOn) && d.Attribute == v.Attribute && d.Ground == v.Ground && d.Reason == v.Reason
}

// fieldLabels name the form fields in row messages.
var fieldLabels = []string{"doc_number", "title", "issuer", "division_id", "drafted_on", "signed_on", "attribute", "ground", "reason"}

// Import registers the documents of an XLSX file in the template's layout,
// all or nothing: every bad row is reported by line (missing attribute or
// ground, bad dates, unknown division, a 文号 twice in the file or already
// registered with other content) and then nothing is saved.
//
// Re-importing is idempotent: a row whose 文号 is already registered in the
// agency with the same content — the same row imported before (same
// fingerprint), or a registration that says the same — is skipped and
// counted as unchanged, so importing an identical file twice registers
// each document once. Imported documents wait for approval like any other.
func (s *Service) Import(ctx context.Context, p *auth.Principal, name string, r io.Reader) (ImportResult, error) {
	if err := canManage(p); err != nil {
		return ImportResult{}, err
	}
	rows, err := parseImport(name, r)
	if err != nil {
		return ImportResult{}, err
	}
	_, divs, err := s.divisions(ctx, p.AgencyID)
	if err != nil {
		return ImportResult{}, err
	}
	byName := map[string]int64{}
	for _, d := range divs {
		byName[d.Name] = d.ID
	}
	existing, err := listDocuments(ctx, s.DB.R, "d.agency_id = $1", p.AgencyID)
	if err != nil {
		return ImportResult{}, err
	}
	byNumber := map[string]*Document{}
	for _, d := range existing {
		byNumber[d.DocNumber] = d
	}
	today := s.Today()
	type good struct {
		v    parsed
		hash string
	}
	var (
		bad   []RowError
		fresh []good
		seen  = map[string]int{}
		res   ImportResult
		order = fieldLabels
	)
	for _, row := range rows {
		in := row.Input
		in.DivisionID = byName[row.Division]
		var msgs []string
		if strings.HasPrefix(in.Attribute, "?") {
			msgs = append(msgs, "公开属性“"+clip(in.Attribute[1:])+"”无效，应为主动公开、依申请公开或不予公开")
			in.Attribute = "invalid"
		}
		if strings.HasPrefix(in.Ground, "?") {
			msgs = append(msgs, "不公开依据“"+clip(in.Ground[1:])+"”无法识别，请从模板的下拉列表中选择")
			in.Ground = "invalid"
		}
		v, verr := in.Validate(today)
		fields := apperr.FieldsOf(verr)
		if fields == nil {
			fields = map[string]string{}
		}
		if row.Division == "" {
			fields["division_id"] = "请填写起草处室"
		} else if in.DivisionID == 0 {
			fields["division_id"] = "起草处室“" + clip(row.Division) + "”不是本单位的处室"
		}
		for _, k := range order {
			if m, ok := fields[k]; ok && !(k == "attribute" && strings.HasPrefix(row.Input.Attribute, "?")) &&
				!(k == "ground" && strings.HasPrefix(row.Input.Ground, "?")) {
				msgs = append(msgs, m)
			}
		}
		number := NormalizeDocNumber(in.DocNumber)
		if prev, dup := seen[number]; dup && number != "" {
			msgs = append(msgs, fmt.Sprintf("文号“%s”与第 %d 行重复", clip(number), prev))
		} else if number != "" {
			seen[number] = row.Line
		}
		if len(msgs) == 0 {
			hash := fingerprint(v)
			if d, ok := byNumber[v.DocNumber]; ok {
				if d.ImportHash == hash || sameContent(d, v) {
					res.Unchanged++
					continue
				}
				msgs = append(msgs, "文号“"+clip(v.DocNumber)+"”已经登记，且登记内容与本行不同；如需更正请在台账中修改")
			} else {
				fresh = append(fresh, good{v, hash})
			}
		}
		if len(msgs) > 0 {
			bad = append(bad, RowError{Line: row.Line, Message: strings.Join(msgs, "；") + "。"})
		}
	}
	if len(bad) > 0 {
		return ImportResult{}, &ImportError{Message: fmt.Sprintf("有 %d 行无法导入，整个文件未导入。请修改后重新上传。", len(bad)), Rows: bad}
	}
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		for _, g := range fresh {
			d, err := s.insert(ctx, tx, p, g.v, g.hash)
			if err != nil {
				if apperr.FieldsOf(err) != nil {
					// Registered meanwhile by someone else.
					return &ImportError{Message: "文号“" + g.v.DocNumber + "”刚被其他人登记，整个文件未导入。请重新上传。"}
				}
				return err
			}
			if err := record(ctx, tx, p, d, "import", "从 XLSX 导入登记（公开属性："+d.Attribute.Label()+"）", d.Reason); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	res.Created = len(fresh)
	return res, nil
}

// ---------------------------------------------------------------- writing

// printable lays a sheet out for printing: landscape A4, one page wide,
// the header row repeated on every page, page numbers in the footer.
func printable(f *excelize.File, sheet string, headerRow int) {
	orientation, size, fit, tall := "landscape", 9, 1, 0
	f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &orientation, Size: &size, FitToWidth: &fit, FitToHeight: &tall})
	fitToPage := true
	f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fitToPage})
	m := 0.4
	f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Left: &m, Right: &m, Top: &m, Bottom: &m})
	f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddFooter: "&C第 &P 页，共 &N 页"})
	f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("'%s'!$%d:$%d", sheet, headerRow, headerRow), Scope: sheet})
	f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: headerRow, TopLeftCell: fmt.Sprintf("A%d", headerRow+1), ActivePane: "bottomLeft"})
}

var thin = []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "right", Color: "000000", Style: 1},
	{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1}}

// WriteTemplate writes the import template: the header, an example row,
// drop-down lists for the attribute and the ground, and a sheet of
// instructions.
func WriteTemplate(w io.Writer, divisions []DivisionRef) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "公文备案"
	f.SetSheetName("Sheet1", sheet)
	head, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: thin,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}, Alignment: &excelize.Alignment{Horizontal: "center"}})
	text, _ := f.NewStyle(&excelize.Style{NumFmt: 49, Border: thin})
	for i, c := range importColumns {
		f.SetCellValue(sheet, colName(i)+"1", c)
	}
	f.SetCellStyle(sheet, "A1", colName(len(importColumns)-1)+"1", head)
	// Text cells, so that 文号 and dates stay as typed.
	f.SetCellStyle(sheet, "A2", colName(len(importColumns)-1)+"501", text)
	example := []string{"沪民宗发〔2025〕1号", "关于印发《示例工作方案》的通知", "上海市民族和宗教事务局", "", "2025-01-06", "2025-01-10", "主动公开", "", ""}
	if len(divisions) > 0 {
		example[3] = divisions[0].Name
	}
	for i, v := range example {
		f.SetCellValue(sheet, colName(i)+"2", v)
	}
	widths := []float64{22, 40, 24, 16, 12, 12, 12, 40, 40}
	for i, wd := range widths {
		f.SetColWidth(sheet, colName(i), colName(i), wd)
	}
	attr := excelize.NewDataValidation(true)
	attr.Sqref = "G2:G2001"
	attr.SetDropList([]string{Proactive.Label(), OnRequest.Label(), Withheld.Label()})
	f.AddDataValidation(sheet, attr)

	help := "填写说明"
	f.NewSheet(help)
	lines := [][]string{
		{"列", "说明"},
		{"文号", "必填，本单位内唯一，例如 沪民宗发〔2025〕12号；[]【】() 等括号视同〔〕"},
		{"标题", "必填，不超过 200 字"},
		{"发文机关", "必填"},
		{"起草处室", "必填，须为本单位的处室名称（见下）"},
		{"起草日期", "必填，格式 2025-01-31，不能晚于今天"},
		{"签发日期", "可空；格式同上，不能早于起草日期"},
		{"公开属性", "必填：主动公开、依申请公开或不予公开"},
		{"不公开依据", "非主动公开时必填，填写下列依据之一（可只填名称）"},
		{"理由", "非主动公开时必填"},
		{"", ""},
		{"导入规则", "整个文件全部通过校验才会导入；有错误的行会逐行列出，文件不会被部分导入。已登记且内容相同的文号会跳过，重复导入同一文件不会重复登记。导入的公文进入待审核。"},
		{"", ""},
		{"不公开依据", "适用"},
	}
	for _, g := range Grounds {
		use := "依申请公开、不予公开"
		if g.MustWithhold {
			use = "只适用于不予公开"
		} else if g.OnRequestOnly {
			use = "只适用于依申请公开"
		}
		lines = append(lines, []string{g.Basis + "：" + g.Label, use})
	}
	lines = append(lines, []string{"", ""}, []string{"本单位处室", ""})
	for _, d := range divisions {
		lines = append(lines, []string{d.Name, ""})
	}
	for r, l := range lines {
		f.SetCellValue(help, fmt.Sprintf("A%d", r+1), l[0])
		f.SetCellValue(help, fmt.Sprintf("B%d", r+1), l[1])
	}
	f.SetColWidth(help, "A", "A", 50)
	f.SetColWidth(help, "B", "B", 90)
	ground := excelize.NewDataValidation(true)
	ground.Sqref = "H2:H2001"
	first := 15 // the grounds' rows on the instructions sheet
	ground.SetSqrefDropList(fmt.Sprintf("'%s'!$A$%d:$A$%d", help, first, first+len(Grounds)-1))
	f.AddDataValidation(sheet, ground)
	return f.Write(w)
}

// ledgerColumns are the columns of the exported ledger.
var ledgerColumns = []struct {
	title string
	width float64
}{{"序号", 6}, {"文号", 20}, {"标题", 36}, {"发文机关", 18}, {"起草处室", 12}, {"起草日期", 11}, {"签发日期", 11},
	{"公开属性", 10}, {"不公开依据及理由", 34}, {"审核", 9}, {"发布期限", 11}, {"发布情况", 12}, {"发布日期", 11}, {"下次复核", 11}}

// WriteLedger writes the ledger (公文备案台账) of docs as a printable XLSX.
func WriteLedger(w io.Writer, agencyName string, docs []*Document, today civil.Date, generated time.Time) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "公文备案台账"
	f.SetSheetName("Sheet1", sheet)
	last := colName(len(ledgerColumns) - 1)
	title, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	sub, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Size: 10}, Alignment: &excelize.Alignment{Horizontal: "right"}})
	head, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: thin, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	body, _ := f.NewStyle(&excelize.Style{Border: thin, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	f.SetCellValue(sheet, "A1", agencyName+"公文备案（公开属性源头认定）台账")
	f.MergeCell(sheet, "A1", last+"1")
	f.SetCellStyle(sheet, "A1", last+"1", title)
	f.SetRowHeight(sheet, 1, 30)
	f.SetCellValue(sheet, "A2", fmt.Sprintf("共 %d 份　导出时间：%s", len(docs), generated.In(civil.Shanghai).Format("2006-01-02 15:04")))
	f.MergeCell(sheet, "A2", last+"2")
	f.SetCellStyle(sheet, "A2", last+"2", sub)
	for i, c := range ledgerColumns {
		f.SetCellValue(sheet, colName(i)+"3", c.title)
		f.SetColWidth(sheet, colName(i), colName(i), c.width)
	}
	f.SetCellStyle(sheet, "A3", last+"3", head)
	date := func(d civil.Date) string {
		if d.IsZero() {
			return ""
		}
		return d.String()
	}
	for i, d := range docs {
		r := 4 + i
		ground := ""
		if d.Attribute != Proactive {
			ground = d.Ground.Label()
			if d.Reason != "" {
				ground += "\n理由：" + d.Reason
			}
		}
		pub := d.Publication(today).Label()
		if d.PublishedLate() {
			pub = "已发布（逾期）"
		}
		if d.Attribute != Proactive {
			pub = ""
		}
		review := ""
		if d.ReviewDue() {
			review = d.NextReview.String()
		}
		vals := []any{i + 1, d.DocNumber, d.Title, d.Issuer, d.DivisionName, date(d.DraftedOn), date(d.SignedOn), d.Attribute.Label(),
			ground, d.State.Label(), date(d.DueOn), pub, date(d.PublishedOn()), review}
		for c, v := range vals {
			f.SetCellValue(sheet, colName(c)+strconv.Itoa(r), v)
		}
	}
	if len(docs) > 0 {
		f.SetCellStyle(sheet, "A4", last+strconv.Itoa(3+len(docs)), body)
	}
	printable(f, sheet, 3)
	return f.Write(w)
}
