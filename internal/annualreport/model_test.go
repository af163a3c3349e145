package annualreport

import (
	"strings"
	"testing"
)

func TestLayoutThreeMerges(t *testing.T) {
	for _, tc := range []struct {
		f       Format
		rows    int
		results int // rows spanned by 三、本年度办理结果
	}{{Format2021, 25, 22}, {Format2019, 23, 20}} {
		laid := LayoutThree(tc.f)
		if len(laid) != tc.rows {
			t.Fatalf("%s: %d rows", tc.f, len(laid))
		}
		spans := map[string]Label{}
		for _, lr := range laid {
			for _, l := range lr.Labels {
				spans[l.Text] = l
			}
			if len(lr.Labels) == 0 {
				t.Errorf("%s: row %s has no label", tc.f, lr.Row.Code)
			}
		}
		if spans[l1Results].RowSpan != tc.results {
			t.Errorf("%s: 三、本年度办理结果 spans %d rows, want %d", tc.f, spans[l1Results].RowSpan, tc.results)
		}
		if spans[l2Denied].RowSpan != 8 || spans[l2Unable].RowSpan != 3 || spans[l2NotProc].RowSpan != 5 {
			t.Errorf("%s: group spans %+v %+v %+v", tc.f, spans[l2Denied], spans[l2Unable], spans[l2NotProc])
		}
		if got := spans["一、本年新收政府信息公开申请数量"]; got.ColSpan != 3 || got.RowSpan != 1 {
			t.Errorf("%s: level-1 row label %+v", tc.f, got)
		}
		if got := spans["（七）总计"]; got.ColSpan != 2 {
			t.Errorf("%s: （七）总计 %+v", tc.f, got)
		}
		// Every row's labels fill the three label columns once the
		// spans from rows above are counted.
		covered := make([]int, 3) // rows still covered by a rowspan above, per label column
		for _, lr := range laid {
			col := 0
			for _, l := range lr.Labels {
				for col < 3 && covered[col] > 0 {
					col++
				}
				for c := col; c < col+l.ColSpan && c < 3; c++ {
					covered[c] = l.RowSpan
				}
				col += l.ColSpan
			}
			for c := range covered {
				if covered[c] == 0 {
					t.Errorf("%s: row %s leaves label column %d empty", tc.f, lr.Row.Code, c+1)
				}
				covered[c]--
			}
		}
	}
	if n := len(Format2021.Codes()); n != 10+25*7+15 {
		t.Errorf("2021 format has %d cells", n)
	}
}

func TestMoneyAndCounts(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "12.5": 125000, "12.3456": 123456, "1,234": 12340000, ".5": 5000} {
		if got, err := ParseWan(in); err != nil || got != want {
			t.Errorf("ParseWan(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1", "1.23456", "abc", "1e3", "12.3.4"} {
		if _, err := ParseWan(bad); err == nil {
			t.Errorf("ParseWan(%q) accepted", bad)
		}
	}
	for in, want := range map[int64]string{0: "0", 125000: "12.5", 123456: "12.3456", 5000: "0.5"} {
		if got := FormatWan(in); got != want {
			t.Errorf("FormatWan(%d) = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"", "-3", "1.5", "x", "99999999999"} {
		if _, err := ParseCount(bad); err == nil {
			t.Errorf("ParseCount(%q) accepted", bad)
		}
	}
	if !Format2021.IsMoney(T2("fees", "amount")) || Format2021.IsMoney(T2("licensing", "decisions")) {
		t.Error("IsMoney")
	}
	if !Format2021.IsManual(T2("rules", "issued")) || Format2021.IsManual(T2("normative", "issued")) || !Format2021.IsManual(T2("penalty", "decisions")) {
		t.Error("IsManual")
	}
	if got := Format2021.CellLabel(T3("denied.third_party", "business")); got != "表三·（三）不予公开4.保护第三方合法权益·商业企业" {
		t.Errorf("CellLabel: %s", got)
	}
}

func TestTablesHTML(t *testing.T) {
	r := &Report{Format: Format2021, Cells: Cells{T3("new_received", "natural"): 3, T3("new_received", "total"): 3}, Overrides: map[string]Override{}, Sources: map[string]string{}}
	html := string(Tables(r, true))
	for _, want := range []string{`colspan="3" rowspan="3"`, `rowspan="22"`, `rowspan="8"`, "申请人情况", "法人或其他组织", "复议后起诉", "cell-bad", "（本列数据的勾稽关系为"} {
		if !strings.Contains(html, want) {
			t.Errorf("tables lack %q", want)
		}
	}
	if strings.Count(html, "<tr>") < 25+3+3+8 {
		t.Errorf("too few rows: %d", strings.Count(html, "<tr>"))
	}
}
