package directory

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/xlsxprint"
)

// Imports keep the directories current from the registers the divisions
// and district bureaus already keep in spreadsheets. A file (XLSX, or CSV
// in UTF-8 or GB18030) has one header row naming the columns — the labels
// of the form, in any order, with a few common variants — and one entry
// per row. Rows are matched on the number: a new number adds an entry, a
// known one updates it, an identical row changes nothing, so importing the
// same file twice is harmless. The whole file is checked first; if any row
// is wrong, every bad row is reported by its line and nothing is imported.

// Import bounds.
const (
	MaxImportBytes = 5 << 20
	MaxImportRows  = 5000
)

// Extra import columns beyond the fields.
const (
	divisionColumn = "责任处室"
	verifiedColumn = "核实日期"
)

// RowError is a bad row, by its line in the file.
type RowError struct {
	Line    int
	Number  string
	Message string
}

// ImportError refuses a whole file; Rows lists the bad rows. Nothing was
// imported.
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
	Rows      int
	Created   int
	Updated   int
	Unchanged int
}

// ImportColumns are a kind's import and export headers, in order.
func (s *Service) ImportColumns(k Kind) []string {
	var out []string
	for _, f := range s.schemas[k].Fields {
		out = append(out, headerOf(f))
	}
	return append(out, divisionColumn, verifiedColumn)
}

func headerOf(f Field) string {
	if f.Key == "note" {
		return "备注"
	}
	return f.Label
}

var headerNoise = regexp.MustCompile(`[\s*＊:：]|（必填）|\(必填\)|（选填）|\(选填\)`)

func cleanHeader(h string) string {
	return headerNoise.ReplaceAllString(strings.TrimPrefix(h, "\uFEFF"), "")
}

// readRows reads the first sheet of an XLSX file or a CSV file.
func readRows(name string, r io.Reader) ([][]string, error) {
	lower := strings.ToLower(name)
	isCSV := strings.HasSuffix(lower, ".csv")
	if !isCSV && !strings.HasSuffix(lower, ".xlsx") {
		return nil, refuse("请上传 XLSX 或 CSV 文件（文件名以 .xlsx 或 .csv 结尾），可先下载导入模板。")
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, refuse("上传的文件无法读取。")
	}
	if len(b) > MaxImportBytes {
		return nil, apperr.New(apperr.TooLarge, fmt.Sprintf("文件超过 %d MB，请分成几个文件导入。", MaxImportBytes>>20))
	}
	if len(b) == 0 {
		return nil, refuse("上传的文件是空的。")
	}
	if isCSV {
		b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
		if !utf8.Valid(b) {
			if b, err = simplifiedchinese.GB18030.NewDecoder().Bytes(b); err != nil {
				return nil, refuse("CSV 文件的编码无法识别，请另存为 UTF-8 编码。")
			}
		}
		cr := csv.NewReader(bytes.NewReader(b))
		cr.FieldsPerRecord = -1
		cr.LazyQuotes = true
		rows, err := cr.ReadAll()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, refuse("CSV 文件第 %d 行格式有误（引号不配对等），请检查后重新导入。", pe.Line)
			}
			return nil, refuse("CSV 文件无法读取。")
		}
		return rows, nil
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

var serialPattern = regexp.MustCompile(`^[0-9]{5}(\.[0-9]+)?$`)

// cellDate turns an Excel date serial (a date cell read raw) into
// YYYY-MM-DD; other text is returned as it is.
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

// importRow is a parsed row.
type importRow struct {
	Line     int
	Input    Input
	verified civil.Date
	existing *Entry
}

// parse maps the header and checks every row; it returns the rows or an
// ImportError listing every problem.
func (s *Service) parse(ctx context.Context, p *auth.Principal, k Kind, rows [][]string) ([]*importRow, error) {
	sc := s.schemas[k]
	// The header is the first row that names the number column (a title
	// row may come before it).
	headerAt := -1
	cols := map[int]string{} // column index → field key or an extra column
	for i, row := range rows {
		if i > 5 {
			break
		}
		m := map[int]string{}
		for j, h := range row {
			h = cleanHeader(h)
			if h == "" {
				continue
			}
			switch h {
			case divisionColumn, "处室":
				m[j] = "division"
				continue
			case verifiedColumn, "最近核实日期":
				m[j] = "verified_on"
				continue
			}
			for _, f := range sc.Fields {
				if h == f.Key || h == cleanHeader(f.Label) || h == headerOf(f) || containsStr(f.Aliases, h) {
					m[j] = f.Key
				}
			}
		}
		for _, key := range m {
			if key == "number" {
				headerAt, cols = i, m
			}
		}
		if headerAt >= 0 {
			break
		}
	}
	if headerAt < 0 {
		f, _ := sc.Field("number")
		return nil, refuse("找不到表头：第一行应为列名，且必须有“%s”列。请使用导入模板。", f.Label)
	}
	seen := map[string]bool{}
	for _, key := range cols {
		if seen[key] {
			return nil, refuse("表头中“%s”列出现了不止一次。", labelOf(sc, key))
		}
		seen[key] = true
	}
	var missing []string
	for _, f := range sc.Fields {
		if f.Required && !seen[f.Key] {
			missing = append(missing, headerOf(f))
		}
	}
	if len(missing) > 0 {
		return nil, refuse("表头缺少必填列：%s。请使用导入模板。", strings.Join(missing, "、"))
	}
	divisions := map[string]int64{}
	if divs, err := s.Agencies.Divisions(ctx, p.AgencyID); err == nil {
		for _, d := range divs {
			divisions[d.Name] = d.ID
		}
	}
	var out []*importRow
	var bad []RowError
	numbers := map[string]int{}
	for i := headerAt + 1; i < len(rows); i++ {
		row := rows[i]
		empty := true
		for _, c := range row {
			empty = empty && strings.TrimSpace(c) == ""
		}
		if empty {
			continue
		}
		if len(out)+len(bad) >= MaxImportRows {
			return nil, refuse("一个文件最多 %d 行，请分成几个文件导入。", MaxImportRows)
		}
		line := i + 1
		r := &importRow{Line: line, Input: Input{Values: Values{}, Source: "import"}}
		var problems []string
		for j, key := range cols {
			v := ""
			if j < len(row) {
				v = strings.TrimSpace(row[j])
			}
			switch key {
			case "division":
				if v != "" {
					id, ok := divisions[v]
					if !ok {
						problems = append(problems, "责任处室“"+clip(v, 20)+"”不是本单位的处室")
					}
					r.Input.DivisionID = id
				}
			case "verified_on":
				r.Input.VerifiedOn = cellDate(v)
			default:
				if f, ok := sc.Field(key); ok && f.Type == Date {
					v = cellDate(v)
				}
				r.Input.Values[key] = v
			}
		}
		number := NormalizeNumber(r.Input.Values["number"])
		verified, fieldErrs := s.check(ctx, p.AgencyID, k, &Input{Values: r.Input.Values, VerifiedOn: r.Input.VerifiedOn})
		r.verified = verified
		for _, f := range sc.Fields {
			if m, ok := fieldErrs[f.Key]; ok {
				problems = append(problems, strings.TrimSuffix(m, "。"))
			}
		}
		if m, ok := fieldErrs["verified_on"]; ok {
			problems = append(problems, strings.TrimSuffix(m, "。"))
		}
		if number != "" {
			if first, dup := numbers[number]; dup {
				problems = append(problems, fmt.Sprintf("编号与第 %d 行重复", first))
			} else {
				numbers[number] = line
			}
		}
		if len(problems) > 0 {
			bad = append(bad, RowError{Line: line, Number: clip(number, 40), Message: strings.Join(problems, "；") + "。"})
			continue
		}
		out = append(out, r)
	}
	if len(out) == 0 && len(bad) == 0 {
		return nil, refuse("文件中没有数据行。")
	}
	// Numbers held by other agencies cannot be taken over by an import.
	if len(numbers) > 0 {
		existing, err := s.byNumbers(ctx, k, numbers)
		if err != nil {
			return nil, err
		}
		for _, r := range out {
			e := existing[r.Input.Values["number"]]
			if e == nil {
				continue
			}
			if e.AgencyID != p.AgencyID {
				name := "其他单位"
				if a, err := s.Agencies.Agency(ctx, e.AgencyID); err == nil {
					name = a.Name
				}
				bad = append(bad, RowError{Line: r.Line, Number: e.Number, Message: "该编号的记录由" + name + "维护，不能由本单位导入修改。"})
				continue
			}
			r.existing = e
		}
	}
	if len(bad) > 0 {
		sortRowErrors(bad)
		return nil, &ImportError{Message: fmt.Sprintf("文件中有 %d 行未通过校验，整个文件未导入。请按下表修改后重新导入。", len(bad)), Rows: bad}
	}
	return out, nil
}

func sortRowErrors(rows []RowError) {
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && rows[j].Line < rows[j-1].Line; j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func labelOf(sc *Schema, key string) string {
	switch key {
	case "division":
		return divisionColumn
	case "verified_on":
		return verifiedColumn
	}
	if f, ok := sc.Field(key); ok {
		return headerOf(f)
	}
	return key
}

// byNumbers returns the entries of a kind holding any of the numbers.
func (s *Service) byNumbers(ctx context.Context, k Kind, numbers map[string]int) (map[string]*Entry, error) {
	out := map[string]*Entry{}
	list := make([]string, 0, len(numbers))
	for n := range numbers {
		list = append(list, n)
	}
	for len(list) > 0 {
		chunk := list[:min(len(list), 500)]
		list = list[len(chunk):]
		args := []any{string(k)}
		ph := make([]string, len(chunk))
		for i, n := range chunk {
			args = append(args, n)
			ph[i] = "$" + strconv.Itoa(i+2)
		}
		entries, err := s.query(ctx, s.DB.R, "e.kind = $1 AND e.number IN ("+strings.Join(ph, ", ")+")", args...)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			out[e.Number] = e
		}
	}
	return out, nil
}

// Import reads a file into p's agency's directory of a kind, all or
// nothing.
func (s *Service) Import(ctx context.Context, p *auth.Principal, k Kind, name string, r io.Reader) (ImportResult, error) {
	if err := s.allowed(p, k); err != nil {
		return ImportResult{}, err
	}
	rows, err := readRows(name, r)
	if err != nil {
		return ImportResult{}, err
	}
	parsed, err := s.parse(ctx, p, k, rows)
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Rows: len(parsed)}
	today := s.Today()
	err = s.tx(ctx, func(tx db.Tx) error {
		res = ImportResult{Rows: len(parsed)}
		for _, row := range parsed {
			if row.existing == nil {
				if _, err := s.insert(ctx, tx, p, p.AgencyID, k, row.Input, row.verified); err != nil {
					return rowFailed(row, err)
				}
				res.Created++
				continue
			}
			verified := row.verified
			if verified.IsZero() {
				verified = today
			}
			changed, err := s.update(ctx, tx, p, row.existing, row.Input, verified, false)
			if err != nil {
				return rowFailed(row, err)
			}
			if changed && len(s.schemas[k].diff(row.existing.Values, row.Input.Values)) > 0 || changed && row.Input.DivisionID != row.existing.DivisionID {
				res.Updated++
			} else {
				res.Unchanged++
			}
		}
		return s.record(ctx, tx, p, p.AgencyID, string(k)+".import", 0, fmt.Sprintf("导入%s文件“%s”：%d 行，新增 %d，修改 %d，未变 %d",
			k.Label(), clip(name, 60), res.Rows, res.Created, res.Updated, res.Unchanged))
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// rowFailed turns a database refusal of one row into the file's refusal.
func rowFailed(row *importRow, err error) error {
	if f := apperr.FieldsOf(err); f != nil {
		var msgs []string
		for _, m := range f {
			msgs = append(msgs, strings.TrimSuffix(m, "。"))
		}
		return &ImportError{Message: "导入过程中有行未通过校验，整个文件未导入。", Rows: []RowError{{Line: row.Line, Number: row.Input.Values["number"], Message: strings.Join(msgs, "；") + "。"}}}
	}
	return err
}

// ------------------------------------------------------------ export

// exportRows are the entries as rows of the import layout.
func (s *Service) exportRows(ctx context.Context, p *auth.Principal, k Kind, list []*Entry) [][]string {
	sc := s.schemas[k]
	names := map[int64]string{}
	if divs, err := s.Agencies.Divisions(ctx, p.AgencyID); err == nil {
		for _, d := range divs {
			names[d.ID] = d.Name
		}
	}
	out := make([][]string, 0, len(list))
	for _, e := range list {
		row := make([]string, 0, len(sc.Fields)+2)
		for _, f := range sc.Fields {
			row = append(row, f.Display(e.Values[f.Key]))
		}
		row = append(row, names[e.DivisionID], e.VerifiedOn.String())
		out = append(out, row)
	}
	return out
}

// Export writes p's agency family's entries of a kind (as filtered) in the
// import layout, so that an exported file can be edited and imported back.
// format is "xlsx" or "csv".
func (s *Service) Export(ctx context.Context, p *auth.Principal, k Kind, f Filter, format string, w io.Writer) error {
	f.PerPage = -1
	pg, err := s.List(ctx, p, k, f)
	if err != nil {
		return err
	}
	if k == Clergy {
		if err := s.DB.Tx(ctx, func(tx db.Tx) error {
			return s.record(ctx, tx, p, p.AgencyID, "clergy.export", 0, fmt.Sprintf("导出教职人员备案信息 %d 条（%s）", len(pg.Entries), format))
		}); err != nil {
			return err
		}
	}
	header := s.ImportColumns(k)
	rows := s.exportRows(ctx, p, k, pg.Entries)
	if format == "csv" {
		w.Write([]byte("\xEF\xBB\xBF"))
		cw := csv.NewWriter(w)
		cw.Write(header)
		for _, r := range rows {
			for i := range r {
				r[i] = xlsxprint.CellSafe(r[i])
			}
			cw.Write(r)
		}
		cw.Flush()
		return cw.Error()
	}
	sheet := xlsxprint.Sheet{Name: k.Label(), Title: k.Label() + "名录", Header: header,
		Note: "导出时间：" + s.Now().In(civil.Shanghai).Format("2006-01-02 15:04") + "　共 " + strconv.Itoa(len(rows)) + " 条（本表可修改后按原格式导入）"}
	for _, r := range rows {
		cells := make([]any, len(r))
		for i, c := range r {
			cells[i] = c
		}
		sheet.Rows = append(sheet.Rows, cells)
	}
	sheet.Widths = make([]float64, len(header))
	for i := range sheet.Widths {
		sheet.Widths[i] = 16
	}
	return xlsxprint.Write(w, sheet)
}

// WriteTemplate writes an empty import file of a kind with two example
// rows' worth of hints in the header comments.
func (s *Service) WriteTemplate(k Kind, w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Sheet1"
	header := s.ImportColumns(k)
	head, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	text, _ := f.NewStyle(&excelize.Style{NumFmt: 49})
	sc := s.schemas[k]
	for i, h := range header {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		f.SetCellValue(sheet, cell, h)
		col, _ := excelize.ColumnNumberToName(i + 1)
		f.SetColWidth(sheet, col, col, 16)
		f.SetColStyle(sheet, col, text)
		if i < len(sc.Fields) {
			fd := sc.Fields[i]
			if fd.Type == Enum || fd.Type == Bool {
				dv := excelize.NewDataValidation(true)
				dv.SetSqref(col + "2:" + col + strconv.Itoa(MaxImportRows+1))
				var opts []string
				if fd.Type == Bool {
					opts = []string{"是", "否"}
				} else {
					for _, o := range fd.Options {
						opts = append(opts, o.Label)
					}
				}
				if err := dv.SetDropList(opts); err == nil {
					f.AddDataValidation(sheet, dv)
				}
			}
		}
	}
	f.SetCellStyle(sheet, "A1", mustCell(len(header), 1), head)
	f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	return f.Write(w)
}

func mustCell(col, row int) string {
	c, _ := excelize.CoordinatesToCellName(col, row)
	return c
}

// ExportName is the file name of an export made now.
func (s *Service) ExportName(k Kind, ext string) string {
	return k.Slug() + "-" + s.Now().In(civil.Shanghai).Format("20060102-1504") + "." + ext
}
