package annualreport

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
)

// Historical reports (issue 11 item 5): the tables of a report published
// before the platform, in the 2019 trial format (reports on 2019 and 2020)
// or the 2021 format, read from an XLSX file and kept as a published
// version (Imported), so that the year-on-year comparison covers the
// years before. The file is read by its labels, not by fixed cells: the
// tables are found by their captions and headers on any sheet, the rows
// of table three by their labels (with or without the numbering, "、" or
// "，"), wherever the title, blank rows or merged label cells put them.
// A file is imported whole or not at all.

// Bounds of an import file.
const (
	MaxImportBytes   = 5 << 20
	maxImportDetails = 40
)

// ImportError refuses an import: nothing was imported. Field is the form
// field the message belongs to ("file", "year" or "format"); Details
// lists the cells or rows at fault.
type ImportError struct {
	Field   string
	Message string
	Details []string
}

func (e *ImportError) Error() string { return e.Message }

func refuseImport(field, format string, args ...any) *ImportError {
	return &ImportError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// ImportYears is the range of years a report can be imported for: from
// the first year of the format to the year before this one.
func (s *Service) ImportYears() (first, last int) { return FirstYear, s.Today().Year - 1 }

// FormatOf is the format of the reports on a year.
func FormatOf(year int) Format {
	if year < 2021 {
		return Format2019
	}
	return Format2021
}

// Import reads a report of an earlier year from an XLSX file and stores it
// as the published report of p's agency on that year. A file that cannot
// be read, does not have the format's tables and rows, has a cell that is
// not a non-negative number, or breaks an identity is refused with an
// *ImportError listing what is wrong; so is a year the agency already has
// a report on.
func (s *Service) Import(ctx context.Context, p *auth.Principal, year int, format Format, fileName string, r io.Reader) (*Report, error) {
	if err := allowed(p, auth.PublishAnnualReport); err != nil {
		return nil, err
	}
	first, last := s.ImportYears()
	switch {
	case year < first || year > last:
		return nil, refuseImport("year", "可导入 %d 至 %d 年度的报告。", first, last)
	case !format.Valid():
		return nil, refuseImport("format", "请选择报告格式。")
	case FormatOf(year) != format:
		return nil, refuseImport("format", "%d 年度的报告应采用%s。", year, FormatOf(year).Label())
	}
	if msg := checkFileName(fileName); msg != "" {
		return nil, refuseImport("file", "%s", msg)
	}
	var n int
	if err := s.DB.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM annual_reports WHERE agency_id = $1 AND year = $2`, p.AgencyID, year).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, refuseImport("year", "本单位 %d 年度已有年度报告，不能再导入；如需修改，请在该报告中创建更正版本。", year)
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, refuseImport("file", "上传的文件无法读取，请重新选择。")
	}
	if len(b) > MaxImportBytes {
		return nil, apperr.New(apperr.TooLarge, fmt.Sprintf("文件超过 %d MB，请确认上传的是年度报告的表格文件。", MaxImportBytes>>20))
	}
	bk, err := readBook(b)
	if err != nil {
		return nil, err
	}
	cells, problems := bk.read(format)
	if len(problems) > 0 {
		ierr := &ImportError{Field: "file", Message: fmt.Sprintf("文件中有 %d 处与%s不符，未导入。", len(problems), format.Label()), Details: clipDetails(problems)}
		other := Format2021
		if format == Format2021 {
			other = Format2019
		}
		if _, p2 := bk.read(other); len(p2) == 0 {
			ierr.Message += "文件看起来是" + other.Label() + "的报告，请确认年度和格式。"
		}
		return nil, ierr
	}
	if probs := format.Check(cells); len(probs) > 0 {
		var details []string
		for _, p := range probs {
			details = append(details, p.Message)
		}
		return nil, &ImportError{Field: "file", Message: fmt.Sprintf("表格中有 %d 处数据不符合年度报告格式的勾稽关系，未导入。", len(probs)), Details: clipDetails(details)}
	}
	a, err := s.Agencies.Agency(ctx, p.AgencyID)
	if err != nil {
		return nil, err
	}
	rep := &Report{AgencyID: p.AgencyID, Year: year, Version: 1, Format: format, State: Published, Cells: cells, Computed: Cells{},
		Overrides: map[string]Override{}, Sources: map[string]string{}, Imported: true, PublishedAt: s.now(), AgencyName: a.Name, AgencySlug: a.Slug}
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		if err := s.insert(ctx, tx, p, rep); err != nil {
			return err
		}
		if s.Version != nil {
			if err := s.Version.Bump(ctx, tx); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, p, rep, "import", fmt.Sprintf("导入历年报告（%s），文件：%s", format.Label(), fileName))
	})
	if err != nil {
		return nil, err
	}
	if s.Version != nil {
		s.Version.Invalidate()
	}
	return rep, nil
}

func clipDetails(list []string) []string {
	if len(list) <= maxImportDetails {
		return list
	}
	return append(list[:maxImportDetails:maxImportDetails], fmt.Sprintf("……另有 %d 处问题未列出。", len(list)-maxImportDetails))
}

// checkFileName refuses names that carry a path (a browser sends a bare
// name, so "../../x.xlsx" is somebody probing) and files that are not
// XLSX by their name.
func checkFileName(name string) string {
	switch {
	case strings.TrimSpace(name) == "":
		return "请选择要导入的 XLSX 文件。"
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		return "文件名含有无法识别的字符，请改名后重新上传。"
	case strings.ContainsAny(name, `/\`) || strings.Contains(name, ".."):
		return "文件名不能包含路径（/ 或 \\）或“..”，请改名后重新上传。"
	case utf8.RuneCountInString(name) > 200:
		return "文件名过长（不超过 200 个字），请改名后重新上传。"
	case !strings.HasSuffix(strings.ToLower(name), ".xlsx"):
		return "请上传 XLSX 文件（文件名以 .xlsx 结尾）；WPS 或 Excel 中可“另存为”Excel 工作簿（*.xlsx）。"
	}
	return ""
}

// ------------------------------------------------------------ reading

// importSheet is one worksheet's cells (raw values; a merged range's value is
// in its first cell only).
type importSheet struct {
	name string
	rows [][]string
}

func (s importSheet) at(row, col int) string {
	if row < 0 || row >= len(s.rows) || col < 0 || col >= len(s.rows[row]) {
		return ""
	}
	return strings.TrimSpace(s.rows[row][col])
}

func (s importSheet) ref(row, col int) string {
	return fmt.Sprintf("工作表“%s”%s", s.name, cellName(col+1, row+1))
}

type importBook []importSheet

func readBook(b []byte) (importBook, error) {
	if !bytes.HasPrefix(b, []byte("PK")) {
		return nil, refuseImport("file", "上传的文件不是 XLSX 文件，请在 WPS 或 Excel 中另存为 Excel 工作簿（*.xlsx）后再导入。")
	}
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{UnzipSizeLimit: 64 << 20, UnzipXMLSizeLimit: 32 << 20})
	if err != nil {
		return nil, refuseImport("file", "无法读取 XLSX 文件：请确认文件没有损坏，且没有设置密码。")
	}
	defer f.Close()
	var out importBook
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, refuseImport("file", "无法读取工作表“%s”。", name)
		}
		out = append(out, importSheet{name: name, rows: rows})
	}
	if len(out) == 0 {
		return nil, refuseImport("file", "XLSX 文件中没有工作表。")
	}
	return out, nil
}

// norm folds the spellings of a label: no spaces, full-width brackets,
// digits and letters in ASCII, "，" and "," as "、", no quotation marks.
func norm(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			continue
		case r >= '０' && r <= '９':
			r = '0' + (r - '０')
		case r == '(':
			r = '（'
		case r == ')':
			r = '）'
		case r == '，' || r == ',':
			r = '、'
		case r == ':':
			r = '：'
		case r == '．':
			r = '.'
		case r == '／':
			r = '/'
		case strings.ContainsRune("\"'“”‘’「」『』", r):
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// bare is a label without its numbering ("一、", "（三）", "1.").
func bare(s string) string {
	s = norm(s)
	for _, p := range []string{"一、", "二、", "三、", "四、", "五、", "六、"} {
		s = strings.TrimPrefix(s, p)
	}
	if strings.HasPrefix(s, "（") {
		if i := strings.Index(s, "）"); i > 0 && i <= len("（十）") {
			s = s[i+len("）"):]
		}
	}
	if i := strings.Index(s, "."); i > 0 && i <= 2 {
		if _, err := strconv.Atoi(s[:i]); err == nil {
			s = s[i+1:]
		}
	}
	return s
}

// find is the first cell (sheet, row, column) whose label is want.
func (bk importBook) find(want string) (int, int, int, bool) {
	want = norm(want)
	for si, sh := range bk {
		for ri, row := range sh.rows {
			for ci, v := range row {
				if v != "" && norm(v) == want {
					return si, ri, ci, true
				}
			}
		}
	}
	return 0, 0, 0, false
}

// findIn is the first column of a row, from column from, whose label is
// want (-1: none).
func (s importSheet) findIn(row, from int, want string) int {
	want = norm(want)
	if row < 0 || row >= len(s.rows) {
		return -1
	}
	for ci := max(from, 0); ci < len(s.rows[row]); ci++ {
		if norm(s.rows[row][ci]) == want {
			return ci
		}
	}
	return -1
}

// number reads a numeric cell: a count (a non-negative integer) or an
// amount in 万元 (at most four decimals) as 元.
func importNumber(raw string, money, signed bool) (int64, string) {
	s := strings.TrimSpace(raw)
	s = strings.Map(func(r rune) rune {
		switch {
		case r == ',' || r == '，' || unicode.IsSpace(r):
			return -1
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '．':
			return '.'
		case r == '－':
			return '-'
		}
		return r
	}, s)
	if s == "" {
		return 0, "未填写（没有的请填 0）"
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Sprintf("“%s”不是数字", clipText(raw))
	}
	if x < 0 && !signed {
		return 0, "不能为负数"
	}
	if money {
		v := math.Round(x * 10000)
		if math.Abs(x*10000-v) > 1e-6*math.Max(1, v) {
			return 0, "金额以万元为单位，最多保留四位小数"
		}
		if math.Abs(v) > float64(MaxCellValue) {
			return 0, "金额过大"
		}
		return int64(v), ""
	}
	if x != math.Trunc(x) {
		return 0, "应为整数"
	}
	if math.Abs(x) > float64(MaxCellValue) {
		return 0, "数值过大"
	}
	return int64(x), ""
}

func clipText(s string) string {
	if r := []rune(s); len(r) > 20 {
		return string(r[:20]) + "…"
	}
	return s
}

// read reads every cell of the format from the book; problems lists what
// is missing or malformed.
func (bk importBook) read(f Format) (Cells, []string) {
	c := Cells{}
	var problems []string
	get := func(sh importSheet, row, col int, code string) {
		v, msg := importNumber(sh.at(row, col), f.IsMoney(code), f.IsSigned(code))
		if msg != "" {
			problems = append(problems, fmt.Sprintf("%s（%s）：%s。", f.CellLabel(code), sh.ref(row, col), msg))
			return
		}
		c[code] = v
	}
	problems = append(problems, bk.readTwo(f, get)...)
	problems = append(problems, bk.readThree(f, get)...)
	problems = append(problems, bk.readFour(get)...)
	return c, problems
}

type cellGetter func(sh importSheet, row, col int, code string)

// readTwo reads section 二: each sub-table by its caption, the columns by
// the header row below it, the rows by their labels.
func (bk importBook) readTwo(f Format, get cellGetter) []string {
	var problems []string
	for _, p := range f.TableTwo() {
		si, ri, _, ok := bk.find(p.Caption)
		if !ok {
			problems = append(problems, fmt.Sprintf("找不到“二、主动公开政府信息情况”中“%s”的表格。", p.Caption))
			continue
		}
		sh := bk[si]
		// The header row: the first of the next three rows with every
		// column label.
		head, cols := -1, map[string]int{}
		for r := ri + 1; r <= ri+3 && head < 0; r++ {
			found := map[string]int{}
			for _, col := range p.Columns {
				if ci := sh.findIn(r, 0, col.Label); ci >= 0 {
					found[col.Code] = ci
				}
			}
			if len(found) == len(p.Columns) {
				head, cols = r, found
			}
		}
		if head < 0 {
			var labels []string
			for _, col := range p.Columns {
				labels = append(labels, "“"+col.Label+"”")
			}
			problems = append(problems, fmt.Sprintf("“%s”表格的表头应有%s列。", p.Caption, strings.Join(labels, "、")))
			continue
		}
		firstCol := math.MaxInt
		for _, ci := range cols {
			firstCol = min(firstCol, ci)
		}
		for _, row := range p.Rows {
			at := -1
			for r := head + 1; r <= head+len(p.Rows)+2 && r < len(sh.rows) && at < 0; r++ {
				if label := lastLabel(sh, r, firstCol); label != "" && norm(label) == norm(row.Label) {
					at = r
				}
			}
			if at < 0 {
				problems = append(problems, fmt.Sprintf("“%s”表格缺少“%s”行。", p.Caption, row.Label))
				continue
			}
			for _, col := range p.Columns {
				get(sh, at, cols[col.Code], T2(row.Code, col.Code))
			}
		}
	}
	return problems
}

// lastLabel is the last non-empty cell of a row before column end: the
// most specific label (merged group labels stand only in their first row).
func lastLabel(sh importSheet, row, end int) string {
	for ci := min(end, len(sh.rows[row])) - 1; ci >= 0; ci-- {
		if v := sh.at(row, ci); v != "" {
			return v
		}
	}
	return ""
}

// readThree reads table three: the applicant columns by the header
// (自然人 and the columns beside and below it), the rows by their labels.
func (bk importBook) readThree(f Format, get cellGetter) []string {
	si, hr, natural, ok := bk.find("自然人")
	if !ok {
		return []string{"找不到“三、收到和处理政府信息公开申请情况”的表格（表头应有“申请人情况”“自然人”等列）。"}
	}
	sh := bk[si]
	cols := map[string]int{"natural": natural}
	var problems []string
	for _, col := range ApplicantColumns[1:] {
		at := -1
		for r := hr - 1; r <= hr+2 && at < 0; r++ {
			at = sh.findIn(r, natural+1, col.Label)
		}
		if at < 0 {
			problems = append(problems, fmt.Sprintf("表三的表头缺少“%s”列。", col.Label))
			continue
		}
		cols[col.Code] = at
	}
	if len(problems) > 0 {
		return problems
	}
	// Labels by their full and bare spelling (a bare spelling shared by
	// two rows is not used).
	byLabel := map[string]string{}
	shared := map[string]bool{}
	for _, row := range f.TableThree() {
		byLabel[norm(row.Label())] = row.Code
		b := bare(row.Label())
		if _, dup := byLabel[b]; dup && byLabel[b] != row.Code {
			shared[b] = true
		}
		byLabel[b] = row.Code
	}
	for b := range shared {
		delete(byLabel, b)
	}
	at := map[string]int{}
	for r := hr + 1; r < len(sh.rows); r++ {
		if sh.findIn(r, 0, "行政复议") >= 0 {
			break // table four
		}
		label := lastLabel(sh, r, natural)
		if label == "" {
			continue
		}
		code, ok := byLabel[norm(label)]
		if !ok {
			code, ok = byLabel[bare(label)]
		}
		if !ok {
			continue
		}
		if prev, dup := at[code]; dup {
			problems = append(problems, fmt.Sprintf("表三“%s”行出现了两次（第 %d 行和第 %d 行）。", clipText(label), prev+1, r+1))
			continue
		}
		at[code] = r
	}
	for _, row := range f.TableThree() {
		r, ok := at[row.Code]
		if !ok {
			problems = append(problems, fmt.Sprintf("表三缺少“%s”行。", row.Label()))
			continue
		}
		for _, col := range ApplicantColumns {
			get(sh, r, cols[col.Code], T3(row.Code, col.Code))
		}
	}
	return problems
}

// readFour reads table four: the blocks by their headers (行政复议,
// 未经复议直接起诉, 复议后起诉), the fifteen columns by the row of column
// labels, the numbers from the next row.
func (bk importBook) readFour(get cellGetter) []string {
	// 行政复议 heads table four where 行政诉讼 stands beside it.
	si, hr, recon := -1, -1, -1
	for i, sh := range bk {
		for r := range sh.rows {
			if c := sh.findIn(r, 0, "行政复议"); c >= 0 && sh.findIn(r, c+1, "行政诉讼") >= 0 {
				si, hr, recon = i, r, c
				break
			}
		}
		if si >= 0 {
			break
		}
	}
	if si < 0 {
		return []string{"找不到“四、政府信息公开行政复议、行政诉讼情况”的表格（表头应有“行政复议”“行政诉讼”）。"}
	}
	sh := bk[si]
	direct, after := -1, -1
	for r := hr; r <= hr+2; r++ {
		if direct < 0 {
			direct = sh.findIn(r, recon+1, "未经复议直接起诉")
		}
		if after < 0 {
			after = sh.findIn(r, recon+1, "复议后起诉")
		}
	}
	if direct < 0 || after < 0 || after < direct {
		return []string{"表四的表头应有“未经复议直接起诉”和“复议后起诉”。"}
	}
	heads := -1
	for r := hr + 1; r <= hr+3 && heads < 0; r++ {
		if sh.findIn(r, recon, RemedyColumns[0].Label) >= 0 {
			heads = r
		}
	}
	if heads < 0 {
		return []string{"表四缺少“结果维持、结果纠正、其他结果、尚未审结、总计”这一行表头。"}
	}
	cols := map[string]int{}
	for ci := recon; ci < len(sh.rows[heads]); ci++ {
		block := RemedyBlocks[0].Code
		switch {
		case ci >= after:
			block = RemedyBlocks[2].Code
		case ci >= direct:
			block = RemedyBlocks[1].Code
		}
		for _, col := range RemedyColumns {
			if norm(sh.at(heads, ci)) == norm(col.Label) {
				if _, dup := cols[T4(block, col.Code)]; !dup {
					cols[T4(block, col.Code)] = ci
				}
			}
		}
	}
	var problems []string
	for _, blk := range RemedyBlocks {
		for _, col := range RemedyColumns {
			if _, ok := cols[T4(blk.Code, col.Code)]; !ok {
				problems = append(problems, fmt.Sprintf("表四“%s”缺少“%s”列。", blk.Label, col.Label))
			}
		}
	}
	if len(problems) > 0 {
		return problems
	}
	data := -1
	for r := heads + 1; r < len(sh.rows) && r <= heads+3 && data < 0; r++ {
		for _, ci := range cols {
			if sh.at(r, ci) != "" {
				data = r
				break
			}
		}
	}
	if data < 0 {
		return []string{"表四缺少数据行（表头下一行的 15 个数字）。"}
	}
	for _, blk := range RemedyBlocks {
		for _, col := range RemedyColumns {
			code := T4(blk.Code, col.Code)
			get(sh, data, cols[code], code)
		}
	}
	return nil
}
