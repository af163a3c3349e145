// Package annualreport builds each agency's annual report on government
// information disclosure (政府信息公开工作年度报告, 条例 Art. 49–50) in the
// format of 国办公开办函〔2021〕30号: six fixed sections, the tables of
// sections 二, 三 and 四 computed from what the platform records (normative
// documents, applications, reconsideration and litigation), manual cells
// with their source, overrides with a reason, the identities of the format
// enforced before publication, locked published versions and corrections
// as new versions. Reports of earlier years can be imported (the 2019 trial
// format and the 2021 format) for year-on-year comparison.
//
// Every number of a report is a cell named by a code ("t3.granted.natural",
// "t4.reconsideration.total", "t2.normative.issued"); the layouts below
// place the codes in the official tables, and the identities are checked on
// the codes.
package annualreport

import (
	"fmt"
	"strconv"
	"strings"
)

// Format is the report format version.
type Format string

// Formats.
const (
	Format2021   Format = "2021"       // 国办公开办函〔2021〕30号, reports on 2021 and later
	Format2019   Format = "2019-trial" // 国办公开办函〔2019〕60号, reports on 2019 and 2020
	FirstYear           = 2019
	DueMonth            = 1 // reports are due by 31 January of the next year
	DueDay              = 31
	MaxCellValue int64  = 1_000_000_000
)

// Label is the format's name.
func (f Format) Label() string {
	if f == Format2019 {
		return "2019年试行格式"
	}
	return "2021年格式"
}

// Valid reports whether f is known.
func (f Format) Valid() bool { return f == Format2021 || f == Format2019 }

// Column is a numeric column of a table.
type Column struct{ Code, Label string }

// Row is a numeric row of a table, with its labels at each level as the
// official table prints them (merged group cells repeat their label on
// each row they span).
type Row struct {
	Code                   string
	Level1, Level2, Level3 string
}

// Label is the row's most specific label.
func (r Row) Label() string {
	for _, l := range []string{r.Level3, r.Level2, r.Level1} {
		if l != "" {
			return l
		}
	}
	return r.Code
}

// ApplicantColumns are table three's seven columns.
var ApplicantColumns = []Column{{"natural", "自然人"}, {"business", "商业企业"}, {"research", "科研机构"}, {"charity", "社会公益组织"},
	{"legal", "法律服务机构"}, {"other", "其他"}, {"total", "总计"}}

const (
	l1Results = "三、本年度办理结果"
	l2Denied  = "（三）不予公开"
	l2Unable  = "（四）无法提供"
	l2NotProc = "（五）不予处理"
	l2Other   = "（六）其他处理"
)

// TableThreeRows are the 25 rows of table three (2021 format), in order.
var TableThreeRows = []Row{
	{"new_received", "一、本年新收政府信息公开申请数量", "", ""},
	{"carried_over", "二、上年结转政府信息公开申请数量", "", ""},
	{"granted", l1Results, "（一）予以公开", ""},
	{"partial", l1Results, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ""},
	{"denied.state_secret", l1Results, l2Denied, "1.属于国家秘密"},
	{"denied.law_forbidden", l1Results, l2Denied, "2.其他法律行政法规禁止公开"},
	{"denied.security_stability", l1Results, l2Denied, "3.危及“三安全一稳定”"},
	{"denied.third_party", l1Results, l2Denied, "4.保护第三方合法权益"},
	{"denied.internal_affairs", l1Results, l2Denied, "5.属于三类内部事务信息"},
	{"denied.process_info", l1Results, l2Denied, "6.属于四类过程性信息"},
	{"denied.enforcement_file", l1Results, l2Denied, "7.属于行政执法案卷"},
	{"denied.admin_query", l1Results, l2Denied, "8.属于行政查询事项"},
	{"unable.not_held", l1Results, l2Unable, "1.本机关不掌握相关政府信息"},
	{"unable.needs_creation", l1Results, l2Unable, "2.没有现成信息需要另行制作"},
	{"unable.still_unclear", l1Results, l2Unable, "3.补正后申请内容仍不明确"},
	{"not_processed.petition", l1Results, l2NotProc, "1.信访举报投诉类申请"},
	{"not_processed.repeat", l1Results, l2NotProc, "2.重复申请"},
	{"not_processed.publication", l1Results, l2NotProc, "3.要求提供公开出版物"},
	{"not_processed.excessive", l1Results, l2NotProc, "4.无正当理由大量反复申请"},
	{"not_processed.confirm_reissue", l1Results, l2NotProc, "5.要求行政机关确认或重新出具已获取信息"},
	{"other.no_correction", l1Results, l2Other, "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"},
	{"other.fee_unpaid", l1Results, l2Other, "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"},
	{"other.other", l1Results, l2Other, "3.其他"},
	{"total_processed", l1Results, "（七）总计", ""},
	{"carried_forward", "四、结转下年度继续办理", "", ""},
}

// TableThreeRows2019 are table three's rows in the 2019 trial format: the
// same, but （六）其他处理 is one row.
var TableThreeRows2019 = func() []Row {
	var out []Row
	for _, r := range TableThreeRows {
		switch r.Code {
		case "other.no_correction":
			out = append(out, Row{"other", l1Results, l2Other, ""})
		case "other.fee_unpaid", "other.other":
		default:
			out = append(out, r)
		}
	}
	return out
}()

// RemedyBlocks are table four's three blocks.
var RemedyBlocks = []Column{{"reconsideration", "行政复议"}, {"litigation_direct", "行政诉讼·未经复议直接起诉"}, {"litigation_after", "行政诉讼·复议后起诉"}}

// RemedyColumns are each block's five columns.
var RemedyColumns = []Column{{"maintained", "结果维持"}, {"corrected", "结果纠正"}, {"other", "其他结果"}, {"pending", "尚未审结"}, {"total", "总计"}}

// TableTwoPart is one sub-table of section 二.
type TableTwoPart struct {
	Caption string // 第二十条第（一）项
	Columns []Column
	Rows    []Column // row code and label (信息内容)
	// Manual parts are entered by staff with their source; the others are
	// computed (normative documents).
	Manual bool
	// Money parts have an amount column in 万元 (stored in 元; see IsMoney).
	Money bool
}

// TableTwo2021 is section 二 in the 2021 format.
var TableTwo2021 = []TableTwoPart{
	{Caption: "第二十条第（一）项", Columns: []Column{{"issued", "本年制发件数"}, {"repealed", "本年废止件数"}, {"inforce", "现行有效件数"}},
		Rows: []Column{{"rules", "规章"}, {"normative", "行政规范性文件"}}},
	{Caption: "第二十条第（五）项", Columns: []Column{{"decisions", "本年处理决定数量"}}, Rows: []Column{{"licensing", "行政许可"}}, Manual: true},
	{Caption: "第二十条第（六）项", Columns: []Column{{"decisions", "本年处理决定数量"}}, Rows: []Column{{"penalty", "行政处罚"}, {"coercion", "行政强制"}}, Manual: true},
	{Caption: "第二十条第（八）项", Columns: []Column{{"amount", "本年收费金额（单位：万元）"}}, Rows: []Column{{"fees", "行政事业性收费"}}, Manual: true, Money: true},
}

// TableTwo2019 is section 二 in the 2019 trial format (imported reports).
var TableTwo2019 = []TableTwoPart{
	{Caption: "第二十条第（一）项", Columns: []Column{{"made", "本年新制作数量"}, {"published", "本年新公开数量"}, {"total", "对外公开总数量"}},
		Rows: []Column{{"rules", "规章"}, {"normative", "规范性文件"}}, Manual: true},
	{Caption: "第二十条第（五）项", Columns: []Column{{"last_year", "上一年项目数量"}, {"change", "本年增/减"}, {"decisions", "处理决定数量"}},
		Rows: []Column{{"licensing", "行政许可"}, {"other_services", "其他对外管理服务事项"}}, Manual: true},
	{Caption: "第二十条第（六）项", Columns: []Column{{"last_year", "上一年项目数量"}, {"change", "本年增/减"}, {"decisions", "处理决定数量"}},
		Rows: []Column{{"penalty", "行政处罚"}, {"coercion", "行政强制"}}, Manual: true},
	{Caption: "第二十条第（八）项", Columns: []Column{{"last_year", "上一年项目数量"}, {"change", "本年增/减"}}, Rows: []Column{{"fees", "行政事业性收费"}}, Manual: true},
	{Caption: "第二十条第（九）项", Columns: []Column{{"count", "采购项目数量"}, {"amount", "采购总金额"}}, Rows: []Column{{"procurement", "政府集中采购"}}, Manual: true},
}

// T2, T3 and T4 make cell codes.
func T2(row, col string) string { return "t2." + row + "." + col }

// T3 is a table-three cell code.
func T3(row, col string) string { return "t3." + row + "." + col }

// T4 is a table-four cell code.
func T4(block, col string) string { return "t4." + block + "." + col }

// TableTwo is the format's section 二.
func (f Format) TableTwo() []TableTwoPart {
	if f == Format2019 {
		return TableTwo2019
	}
	return TableTwo2021
}

// TableThree is the format's table-three rows.
func (f Format) TableThree() []Row {
	if f == Format2019 {
		return TableThreeRows2019
	}
	return TableThreeRows
}

// Codes lists every cell code of a format in table order.
func (f Format) Codes() []string {
	var out []string
	for _, p := range f.TableTwo() {
		for _, r := range p.Rows {
			for _, c := range p.Columns {
				out = append(out, T2(r.Code, c.Code))
			}
		}
	}
	for _, r := range f.TableThree() {
		for _, c := range ApplicantColumns {
			out = append(out, T3(r.Code, c.Code))
		}
	}
	for _, b := range RemedyBlocks {
		for _, c := range RemedyColumns {
			out = append(out, T4(b.Code, c.Code))
		}
	}
	return out
}

// IsMoney reports whether a code is an amount in 元 (shown in 万元): the
// amount columns of section 二 (行政事业性收费, 2019: 采购总金额).
func (f Format) IsMoney(code string) bool {
	return strings.HasPrefix(code, "t2.") && strings.HasSuffix(code, ".amount")
}

// IsSigned reports whether a cell may be negative: the 本年增/减 columns of
// the 2019 trial format.
func (f Format) IsSigned(code string) bool {
	return f == Format2019 && strings.HasPrefix(code, "t2.") && strings.HasSuffix(code, ".change")
}

// IsManual reports whether a code is entered by staff (no platform data).
func (f Format) IsManual(code string) bool {
	if strings.HasPrefix(code, "t2.rules.") {
		return true
	}
	for _, p := range f.TableTwo() {
		if !p.Manual {
			continue
		}
		for _, r := range p.Rows {
			for _, c := range p.Columns {
				if T2(r.Code, c.Code) == code {
					return true
				}
			}
		}
	}
	return false
}

// CellLabel names a cell in words ("表三·（一）予以公开·自然人").
func (f Format) CellLabel(code string) string {
	parts := strings.SplitN(code, ".", 2)
	if len(parts) != 2 {
		return code
	}
	rest := parts[1]
	col := rest[strings.LastIndex(rest, ".")+1:]
	row := strings.TrimSuffix(rest, "."+col)
	switch parts[0] {
	case "t2":
		for _, p := range f.TableTwo() {
			for _, r := range p.Rows {
				for _, c := range p.Columns {
					if r.Code == row && c.Code == col {
						return "表二·" + r.Label + "·" + c.Label
					}
				}
			}
		}
	case "t3":
		for _, r := range f.TableThree() {
			if r.Code != row {
				continue
			}
			for _, c := range ApplicantColumns {
				if c.Code == col {
					label := r.Level2 + r.Level3
					if label == "" {
						label = r.Level1
					}
					return "表三·" + label + "·" + c.Label
				}
			}
		}
	case "t4":
		for _, b := range RemedyBlocks {
			for _, c := range RemedyColumns {
				if b.Code == row && c.Code == col {
					return "表四·" + b.Label + "·" + c.Label
				}
			}
		}
	}
	return code
}

// Cells are a report's values by code (counts; amounts in 元).
type Cells map[string]int64

// Problem is a failed identity with the cells involved.
type Problem struct {
	Message string
	Codes   []string
}

// Check verifies the identities of the format (§1.8): for each of table
// three's seven columns, new + carried over = processed + carried forward,
// and processed = the sum of the outcome rows; in every row of table three
// 总计 = the sum of the six applicant columns; in each block of table
// four, the four results add up to 总计. Every cell must also be a
// non-negative number.
func (f Format) Check(c Cells) []Problem {
	var out []Problem
	for _, code := range f.Codes() {
		v := c[code]
		if v > MaxCellValue || v < 0 && (!f.IsSigned(code) || v < -MaxCellValue) {
			out = append(out, Problem{Message: f.CellLabel(code) + "应为 0 至 10 亿之间的整数。", Codes: []string{code}})
		}
	}
	rows := f.TableThree()
	for _, col := range ApplicantColumns {
		in := c[T3("new_received", col.Code)] + c[T3("carried_over", col.Code)]
		done := c[T3("total_processed", col.Code)] + c[T3("carried_forward", col.Code)]
		if in != done {
			out = append(out, Problem{Message: fmt.Sprintf("表三%s列：本年新收（%d）加上年结转（%d）应等于办理结果总计（%d）加结转下年度（%d）。",
				col.Label, c[T3("new_received", col.Code)], c[T3("carried_over", col.Code)], c[T3("total_processed", col.Code)], c[T3("carried_forward", col.Code)]),
				Codes: []string{T3("new_received", col.Code), T3("carried_over", col.Code), T3("total_processed", col.Code), T3("carried_forward", col.Code)}})
		}
		var sum int64
		var codes []string
		for _, r := range rows {
			switch r.Code {
			case "new_received", "carried_over", "total_processed", "carried_forward":
				continue
			}
			sum += c[T3(r.Code, col.Code)]
			codes = append(codes, T3(r.Code, col.Code))
		}
		if sum != c[T3("total_processed", col.Code)] {
			out = append(out, Problem{Message: fmt.Sprintf("表三%s列：办理结果各项之和（%d）应等于（七）总计（%d）。", col.Label, sum, c[T3("total_processed", col.Code)]),
				Codes: append(codes, T3("total_processed", col.Code))})
		}
	}
	for _, r := range rows {
		var sum int64
		codes := []string{}
		for _, col := range ApplicantColumns[:6] {
			sum += c[T3(r.Code, col.Code)]
			codes = append(codes, T3(r.Code, col.Code))
		}
		if sum != c[T3(r.Code, "total")] {
			out = append(out, Problem{Message: fmt.Sprintf("表三“%s”行：各类申请人之和（%d）应等于总计（%d）。", r.Label(), sum, c[T3(r.Code, "total")]),
				Codes: append(codes, T3(r.Code, "total"))})
		}
	}
	for _, b := range RemedyBlocks {
		var sum int64
		var codes []string
		for _, col := range RemedyColumns[:4] {
			sum += c[T4(b.Code, col.Code)]
			codes = append(codes, T4(b.Code, col.Code))
		}
		if sum != c[T4(b.Code, "total")] {
			out = append(out, Problem{Message: fmt.Sprintf("表四%s：结果维持、结果纠正、其他结果、尚未审结之和（%d）应等于总计（%d）。", b.Label, sum, c[T4(b.Code, "total")]),
				Codes: append(codes, T4(b.Code, "total"))})
		}
	}
	return out
}

// ParseCount reads a manual count: a non-negative integer.
func ParseCount(s string) (int64, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", ""))
	if s == "" {
		return 0, fmt.Errorf("请填写数量")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if _, ferr := strconv.ParseFloat(s, 64); ferr == nil {
			return 0, fmt.Errorf("数量应为整数，不能有小数")
		}
		return 0, fmt.Errorf("数量应为整数")
	}
	if n < 0 {
		return 0, fmt.Errorf("数量不能为负数")
	}
	if n > MaxCellValue {
		return 0, fmt.Errorf("数量过大")
	}
	return n, nil
}

// ParseWan reads an amount in 万元 (up to four decimals) as 元.
func ParseWan(s string) (int64, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", ""))
	if s == "" {
		return 0, fmt.Errorf("请填写金额")
	}
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("金额不能为负数")
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if len(frac) > 4 {
		return 0, fmt.Errorf("金额以万元为单位，最多保留四位小数")
	}
	for _, part := range []string{whole, frac} {
		for _, r := range part {
			if r < '0' || r > '9' {
				return 0, fmt.Errorf("金额应为数字，以万元为单位，例如 12.5")
			}
		}
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > MaxCellValue/10000 {
		return 0, fmt.Errorf("金额过大")
	}
	frac += strings.Repeat("0", 4-len(frac))
	fv, _ := strconv.ParseInt(frac, 10, 64)
	return w*10000 + fv, nil
}

// FormatWan writes an amount in 元 as 万元 with up to four decimals.
func FormatWan(yuan int64) string {
	s := strconv.FormatInt(yuan/10000, 10)
	if r := yuan % 10000; r != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%04d", r), "0")
	}
	return s
}

// Display is a cell's value as printed.
func (f Format) Display(code string, v int64) string {
	if f.IsMoney(code) {
		return FormatWan(v)
	}
	return strconv.FormatInt(v, 10)
}
