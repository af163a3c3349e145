package stdcatalog

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/web"
)

// The standard layout of a catalogue file: two header rows (the column
// groups of domain-reference §5 and their sub-columns), then one row per
// entry. The first 17 columns are required; the last three carry what the
// platform adds (the machine-readable rule, the monitor's start and the
// power/service-list code) and may be left out, in which case the rule is
// read from 公开时限.
type layoutColumn struct{ group, sub string }

var layout = []layoutColumn{
	{"序号", ""}, {"公开事项", "一级事项"}, {"公开事项", "二级事项"}, {"公开内容（要素）", ""}, {"公开依据", ""}, {"公开时限", ""},
	{"公开主体", ""}, {"公开渠道和载体", ""}, {"公开对象", "全社会"}, {"公开对象", "特定群体"}, {"公开方式", "主动"}, {"公开方式", "依申请"},
	{"公开层级", "市级"}, {"公开层级", "区级"}, {"公开层级", "街镇级"}, {"五公开", ""}, {"责任处室", ""},
	{"时限规则", ""}, {"监测起始日期", ""}, {"关联事项编码", ""},
}

const requiredColumns = 17

func (c layoutColumn) name() string {
	if c.sub == "" {
		return c.group
	}
	return c.group + "（" + c.sub + "）"
}

// MaxImportBytes and MaxImportRows bound an import file.
const (
	MaxImportBytes = 10 << 20
	MaxImportRows  = 2000
	maxHeadRows    = 8 // title rows and the two header rows of a catalogue
)

// RowError is a bad row of an import, by line.
type RowError struct {
	Line    int
	Message string
}

// ImportError refuses a whole file: the header is wrong, or rows are bad
// (listed by line); nothing was imported.
type ImportError struct {
	Message string
	Rows    []RowError
}

func (e *ImportError) Error() string { return e.Message }

func refuse(format string, args ...any) error {
	return &ImportError{Message: fmt.Sprintf(format, args...)}
}

// tick reads a 公开对象/方式/层级 cell.
func tick(s string) (bool, bool) {
	switch strings.TrimSpace(s) {
	case "√", "✓", "✔", "■", "是", "Y", "y", "1", "☑":
		return true, true
	case "", "□", "否", "N", "n", "0", "☐":
		return false, true
	}
	return false, false
}

// readChoices reads labels separated by 、，,；; or line breaks, or a ■/□
// checklist; unknown labels are returned in bad.
func readChoices(list []Choice, s string, short bool) (codes []string, bad []string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var labels []string
	if strings.ContainsAny(s, "■□☑☐") {
		parts := strings.FieldsFunc(s, func(r rune) bool { return r == '■' || r == '□' || r == '☑' || r == '☐' })
		// Which marker precedes each part.
		idx := 0
		for _, r := range s {
			if r == '■' || r == '☑' {
				if idx < len(parts) {
					labels = append(labels, parts[idx])
				}
				idx++
			} else if r == '□' || r == '☐' {
				idx++
			}
		}
	} else {
		labels = strings.FieldsFunc(s, func(r rune) bool {
			return r == '、' || r == '，' || r == ',' || r == '；' || r == ';' || r == '\n'
		})
	}
	for _, l := range labels {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		found := ""
		for _, c := range list {
			if c.Label == l || (short && strings.TrimSuffix(c.Label, "公开") == l) {
				found = c.Code
			}
		}
		if found == "" {
			bad = append(bad, l)
			continue
		}
		codes = append(codes, found)
	}
	return codes, bad
}

// readRows reads the first sheet of an XLSX file or a UTF-8 CSV file, by
// the name's extension.
func readRows(name string, r io.Reader) ([][]string, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, apperr.Invalidf("上传的文件无法读取。")
	}
	if len(b) > MaxImportBytes {
		return nil, apperr.New(apperr.TooLarge, fmt.Sprintf("文件超过 %d MB。", MaxImportBytes>>20))
	}
	ext := strings.ToLower(name)
	switch {
	case strings.HasSuffix(ext, ".xlsx"):
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
	case strings.HasSuffix(ext, ".csv"):
		b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		if !utf8.Valid(b) {
			return nil, apperr.Invalidf("CSV 文件须为 UTF-8 编码。")
		}
		cr := csv.NewReader(bytes.NewReader(b))
		cr.FieldsPerRecord = -1
		// Blank lines are skipped by the reader: pad them back so that a
		// row's index gives its line in the file.
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
			if line > MaxImportRows+maxHeadRows {
				// Refused before padding: a file of blank lines would
				// otherwise pad millions of empty rows.
				return nil, apperr.Invalidf("文件超过 %d 行，一次最多导入 %d 个事项。", MaxImportRows+maxHeadRows, MaxImportRows)
			}
			for len(rows) < line-1 {
				rows = append(rows, nil)
			}
			rows = append(rows, rec)
		}
	}
	return nil, apperr.Invalidf("请上传 XLSX 文件（文件名以 .xlsx 结尾）。")
}

func cell(row []string, i int) string {
	if i < len(row) {
		return strings.TrimSpace(row[i])
	}
	return ""
}

func colName(i int) string {
	s, _ := excelize.ColumnNumberToName(i + 1)
	return s
}

// ParseCatalogue reads a catalogue file in the standard layout. A wrong
// header refuses the file with a message naming the column; rows that
// cannot be read are all reported by line and refuse the file too.
func ParseCatalogue(name string, r io.Reader) ([]Fields, error) {
	if !strings.HasSuffix(strings.ToLower(name), ".xlsx") {
		return nil, apperr.Invalidf("请上传 XLSX 文件（文件名以 .xlsx 结尾）。")
	}
	rows, err := readRows(name, r)
	if err != nil {
		return nil, err
	}
	head := -1
	for i := 0; i < len(rows) && i < 6; i++ {
		if cell(rows[i], 0) == "序号" {
			head = i
			break
		}
	}
	if head < 0 || head+1 >= len(rows) {
		return nil, refuse("找不到表头：标准目录的表头应为两行，第一列为“序号”，请使用“导出目录”得到的模板。")
	}
	groups, subs := rows[head], rows[head+1]
	width := requiredColumns
	for i := requiredColumns; i < len(layout); i++ {
		if cell(groups, i) != "" || cell(subs, i) != "" {
			width = i + 1
		}
	}
	for i := 0; i < width; i++ {
		c := layout[i]
		g, s := cell(groups, i), cell(subs, i)
		groupOK := g == c.group || (g == "" && i > 0 && layout[i-1].group == c.group)
		subOK := s == c.sub || (c.sub == "" && (s == "" || s == c.group))
		if g == "" && s == "" {
			return nil, refuse("表头缺少列“%s”（第 %s 列）。", c.name(), colName(i))
		}
		if !groupOK || !subOK {
			got := g
			if s != "" && s != g {
				got = strings.TrimSpace(g + "（" + s + "）")
			}
			return nil, refuse("表头第 %s 列应为“%s”，实际为“%s”。请按标准目录的列顺序整理后再导入。", colName(i), c.name(), got)
		}
	}
	for i := width; i < len(groups) || i < len(subs); i++ {
		if cell(groups, i) != "" || cell(subs, i) != "" {
			return nil, refuse("表头第 %s 列“%s”不是标准目录的列。", colName(i), cell(groups, i)+cell(subs, i))
		}
	}
	data := rows[head+2:]
	if len(data) > MaxImportRows {
		return nil, refuse("一次最多导入 %d 个事项。", MaxImportRows)
	}
	var (
		out []Fields
		bad []RowError
	)
	for n, row := range data {
		line := head + 3 + n
		empty := true
		for _, v := range row {
			if strings.TrimSpace(v) != "" {
				empty = false
			}
		}
		if empty {
			continue
		}
		var msgs []string
		f := Fields{Line: line, L1: cell(row, 1), L2: cell(row, 2), Content: cell(row, 3), Basis: cell(row, 4), TimeLimit: cell(row, 5),
			Subject: cell(row, 6), Division: cell(row, 16), MonitorFrom: cell(row, 18), ListItem: cell(row, 19)}
		if s := cell(row, 0); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				msgs = append(msgs, "序号“"+clip(s)+"”不是整数")
			}
			f.Seq = n
		}
		var badLabels []string
		f.Channels, badLabels = readChoices(Channels, cell(row, 7), false)
		for _, l := range badLabels {
			msgs = append(msgs, "公开渠道和载体“"+clip(l)+"”不在标准清单中")
		}
		f.FivePublics, badLabels = readChoices(FivePublics, cell(row, 15), true)
		for _, l := range badLabels {
			msgs = append(msgs, "五公开“"+clip(l)+"”无效")
		}
		ticks := []struct {
			col  int
			list *[]string
			code string
		}{{8, &f.Audiences, "public"}, {9, &f.Audiences, "specific"}, {10, &f.Modes, "proactive"}, {11, &f.Modes, "application"},
			{12, &f.Levels, "city"}, {13, &f.Levels, "district"}, {14, &f.Levels, "town"}}
		for _, t := range ticks {
			on, ok := tick(cell(row, t.col))
			if !ok {
				msgs = append(msgs, fmt.Sprintf("“%s”列应填“√”或留空，实际为“%s”", layout[t.col].name(), clip(cell(row, t.col))))
			}
			if on {
				*t.list = append(*t.list, t.code)
			}
		}
		if s := cell(row, 17); s != "" {
			rule, ok := ParseRule(s)
			if !ok {
				msgs = append(msgs, "时限规则“"+clip(s)+"”无法识别（应为“形成后20个工作日”“每年1月31日前”或“无”）")
			}
			f.RuleKind, f.RuleDays, f.RuleDate = string(rule.Kind), strconv.Itoa(rule.Days), fmt.Sprintf("%02d-%02d", rule.Month, rule.Day)
		}
		if len(msgs) > 0 {
			bad = append(bad, RowError{Line: line, Message: strings.Join(msgs, "；") + "。"})
			continue
		}
		out = append(out, f)
	}
	if len(bad) > 0 {
		return nil, &ImportError{Message: fmt.Sprintf("有 %d 行无法导入，整个文件未导入。请修改后重新上传。", len(bad)), Rows: bad}
	}
	if len(out) == 0 {
		return nil, refuse("文件中没有事项。")
	}
	return out, nil
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	if r := []rune(s); len(r) > 30 {
		return string(r[:30]) + "…"
	}
	return s
}

func tickMark(b bool) string {
	if b {
		return "√"
	}
	return ""
}

// WriteCatalogue writes entries in the standard layout (ParseCatalogue
// reads it back).
func WriteCatalogue(w io.Writer, title string, entries []*Entry, listCodes map[int64]string) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "公开标准目录"
	f.SetSheetName("Sheet1", sheet)
	last := colName(len(layout) - 1)
	set := func(c, r int, v any) {
		ref, _ := excelize.CoordinatesToCellName(c+1, r)
		f.SetCellValue(sheet, ref, v)
	}
	set(0, 1, title)
	f.MergeCell(sheet, "A1", last+"1")
	for i, c := range layout {
		set(i, 2, c.group)
		if c.sub != "" {
			set(i, 3, c.sub)
		}
	}
	// Merge the group cells: vertically where there is no sub-column,
	// across a group's sub-columns.
	for i := 0; i < len(layout); {
		j := i
		for j+1 < len(layout) && layout[j+1].group == layout[i].group {
			j++
		}
		if layout[i].sub == "" {
			f.MergeCell(sheet, colName(i)+"2", colName(i)+"3")
		} else if j > i {
			f.MergeCell(sheet, colName(i)+"2", colName(j)+"2")
		}
		i = j + 1
	}
	style, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	f.SetCellStyle(sheet, "A1", last+"3", style)
	for i, e := range entries {
		r := 4 + i
		monitor := ""
		if !e.MonitorFrom.IsZero() {
			monitor = e.MonitorFrom.String()
		}
		vals := []any{e.Seq, e.L1, e.L2, e.Content, e.Basis, e.TimeLimit, e.Subject, e.ChannelsLabel(),
			tickMark(e.Has("audiences", "public")), tickMark(e.Has("audiences", "specific")),
			tickMark(e.Has("modes", "proactive")), tickMark(e.Has("modes", "application")),
			tickMark(e.Has("levels", "city")), tickMark(e.Has("levels", "district")), tickMark(e.Has("levels", "town")),
			e.FivePublicsLabel(), e.Division, e.Rule.Code(), monitor, listCodes[e.ListItemID]}
		for c, v := range vals {
			set(c, r, v)
		}
	}
	f.SetColWidth(sheet, "B", "H", 20)
	f.SetColWidth(sheet, "P", last, 16)
	return f.Write(w)
}

// listColumns is the documented layout of a power or service list file.
var listColumns = []string{"事项编码", "事项名称", "类别", "依据", "承办处室"}

// ListLayout names the columns of a list file, for the import page.
func ListLayout() string { return strings.Join(listColumns, "、") }

// ParseList reads a power list or service list (XLSX or CSV): the first
// row names the columns 事项编码, 事项名称, 类别, 依据, 承办处室 in this order.
// Bad rows are reported by line and refuse the whole file.
func ParseList(kind ListKind, name string, r io.Reader) ([]ListItem, error) {
	rows, err := readRows(name, r)
	if err != nil {
		if apperr.CodeOf(err) == apperr.Invalid && !strings.HasSuffix(strings.ToLower(name), ".csv") && !strings.HasSuffix(strings.ToLower(name), ".xlsx") {
			return nil, apperr.Invalidf("请上传 XLSX 或 CSV 文件。")
		}
		return nil, err
	}
	if len(rows) == 0 {
		return nil, refuse("文件是空的。")
	}
	for i, want := range listColumns {
		got := cell(rows[0], i)
		if got == "" {
			return nil, refuse("第 1 行（表头）缺少列“%s”（第 %s 列）。", want, colName(i))
		}
		if got != want {
			return nil, refuse("第 1 行（表头）第 %s 列应为“%s”，实际为“%s”。", colName(i), want, clip(got))
		}
	}
	if len(rows)-1 > MaxImportRows {
		return nil, refuse("一次最多导入 %d 个事项。", MaxImportRows)
	}
	var (
		out  []ListItem
		bad  []RowError
		seen = map[string]int{}
	)
	for n, row := range rows[1:] {
		line := n + 2
		it := ListItem{List: kind, Code: cell(row, 0), Name: cell(row, 1), Category: cell(row, 2), Basis: cell(row, 3), Division: cell(row, 4), Line: line}
		if it.Code == "" && it.Name == "" && it.Category == "" && it.Basis == "" && it.Division == "" {
			continue
		}
		fields := map[string]string{}
		web.CheckText(fields, "code", "事项编码", it.Code, true, 64)
		web.CheckText(fields, "name", "事项名称", it.Name, true, 200)
		web.CheckText(fields, "category", "类别", it.Category, false, 50)
		web.CheckText(fields, "basis", "依据", it.Basis, false, maxText)
		web.CheckText(fields, "division", "承办处室", it.Division, false, 100)
		var msgs []string
		for _, k := range []string{"code", "name", "category", "basis", "division"} {
			if m, ok := fields[k]; ok {
				msgs = append(msgs, strings.TrimSuffix(m, "。"))
			}
		}
		if prev, dup := seen[it.Code]; dup && it.Code != "" {
			msgs = append(msgs, fmt.Sprintf("事项编码“%s”与第 %d 行重复", clip(it.Code), prev))
		}
		seen[it.Code] = line
		if len(msgs) > 0 {
			bad = append(bad, RowError{Line: line, Message: strings.Join(msgs, "；") + "。"})
			continue
		}
		it.Code, it.Name, it.Division = oneLine(it.Code), oneLine(it.Name), oneLine(it.Division)
		out = append(out, it)
	}
	if len(bad) > 0 {
		return nil, &ImportError{Message: fmt.Sprintf("有 %d 行无法导入，整个文件未导入。请修改后重新上传。", len(bad)), Rows: bad}
	}
	if len(out) == 0 {
		return nil, refuse("文件中没有事项。")
	}
	return out, nil
}
