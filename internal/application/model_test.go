package application

import (
	"strings"
	"testing"
)

func TestApplicationFee(t *testing.T) {
	for _, tc := range []struct{ rank, want int }{
		{1, 0}, {10, 0}, {11, 100}, {30, 100}, {31, 200}, {40, 200}, {41, 300}, {50, 300}, {51, 400}, {101, 900},
	} {
		f, err := ApplicationFee(tc.rank)
		if err != nil || f.Amount != tc.want {
			t.Errorf("application %d of the month: %d 元 (%v), want %d", tc.rank, f.Amount, err, tc.want)
		}
	}
	for _, bad := range []int{0, -1, MaxFeeQuantity + 1} {
		if _, err := ApplicationFee(bad); err == nil {
			t.Errorf("rank %d accepted", bad)
		}
	}
}

func TestVolumeFee(t *testing.T) {
	for _, tc := range []struct{ pages, want int }{
		{1, 0}, {30, 0}, {31, 10}, {45, 150}, {100, 700}, {101, 720}, {200, 2700}, {201, 2740}, {250, 4700},
	} {
		f, err := VolumeFee(tc.pages)
		if err != nil || f.Amount != tc.want {
			t.Errorf("%d pages: %d 元 (%v), want %d", tc.pages, f.Amount, err, tc.want)
		}
		sum := 0
		for _, b := range f.Bands {
			sum += b.Amount
		}
		if sum != f.Amount {
			t.Errorf("%d pages: bands add up to %d, amount %d", tc.pages, sum, f.Amount)
		}
	}
	f, _ := VolumeFee(250)
	if e := f.Explain(); !strings.Contains(e, "第 31–100 页部分 70 页 × 10 元 = 700 元") || !strings.Contains(e, "合计 4700 元") {
		t.Errorf("explanation: %s", e)
	}
	if _, err := VolumeFee(0); err == nil {
		t.Error("0 pages accepted")
	}
}

// Each outcome lands in exactly one of the 21 result rows of table three,
// and every result row can be reached.
func TestOutcomesMapToOneRow(t *testing.T) {
	rows := map[Row]bool{}
	for _, r := range outcomeRows() {
		rows[r] = true
	}
	if len(rows) != 21 || len(Rows) != 25 {
		t.Fatalf("%d result rows of %d", len(rows), len(Rows))
	}
	seen := map[Outcome]bool{}
	reached := map[Row]bool{}
	for _, o := range Outcomes {
		if seen[o.Code] {
			t.Errorf("outcome %s twice", o.Code)
		}
		seen[o.Code] = true
		if !rows[o.Row] {
			t.Errorf("outcome %s maps to %q, not a result row", o.Code, o.Row)
		}
		reached[o.Row] = true
		if o.Reply && o.Code != OutOther && decisions[o.Code] == "" {
			t.Errorf("reply outcome %s has no decision sentence", o.Code)
		}
	}
	for r := range rows {
		if !reached[r] {
			t.Errorf("row %s is reached by no outcome", r)
		}
	}
}

func TestTransitions(t *testing.T) {
	for act, states := range transitions {
		if act.Label() == "" {
			t.Errorf("action %s has no label", act)
		}
		for _, s := range states {
			if s.Label() == "" {
				t.Errorf("%s allowed from unknown state %q", act, s)
			}
		}
	}
	for _, tc := range []struct {
		a    Action
		s    State
		want bool
	}{
		{ActRegister, Received, true}, {ActRegister, Processing, false}, {ActReply, Received, false},
		{ActReply, Processing, true}, {ActReply, Replied, false}, {ActWithdraw, Replied, false}, {ActDeliver, Replied, true},
		{ActExtend, Consulting, true}, {ActFeePaid, Processing, false}, {ActAbandon, Correction, true},
	} {
		if got := tc.a.Allowed(tc.s); got != tc.want {
			t.Errorf("%s from %s: %v", tc.a, tc.s, got)
		}
	}
}

func TestApplicantValidate(t *testing.T) {
	good := func() Applicant {
		return Applicant{Type: NaturalPerson, Name: "张三", IDType: IDCard, IDNumber: "11010519491231002X", Phone: "13812345678"}
	}
	org := func() Applicant {
		return Applicant{Type: Business, Name: "上海某某有限公司", IDType: CreditCode, IDNumber: "91350100M000100Y43", Contact: "李四", Phone: "021-12345678"}
	}
	for _, tc := range []struct {
		name  string
		a     Applicant
		field string // "" = valid
	}{
		{"valid person", good(), ""},
		{"full-width, lower-case x, spaces", func() Applicant {
			a := good()
			a.IDNumber = "１１０１０５ １９４９１２３１００２ｘ"
			return a
		}(), ""},
		{"valid organisation", org(), ""},
		{"wrong ID checksum", func() Applicant { a := good(); a.IDNumber = "110105194912310021"; return a }(), "id_number"},
		{"17 digits", func() Applicant { a := good(); a.IDNumber = "11010519491231002"; return a }(), "id_number"},
		{"organisation with an ID card", func() Applicant { a := org(); a.IDType = IDCard; return a }(), "id_type"},
		{"person with a credit code", func() Applicant { a := good(); a.IDType = CreditCode; return a }(), "id_type"},
		{"wrong credit code", func() Applicant { a := org(); a.IDNumber = "91350100M000100Y44"; return a }(), "id_number"},
		{"organisation without contact", func() Applicant { a := org(); a.Contact = ""; return a }(), "contact"},
		{"passport with symbols", func() Applicant { a := good(); a.IDType = Passport; a.IDNumber = "E123<45>"; return a }(), "id_number"},
		{"no type", func() Applicant { a := good(); a.Type = ""; return a }(), "applicant_type"},
		{"unknown type", func() Applicant { a := good(); a.Type = "robot"; return a }(), "applicant_type"},
		{"no name", func() Applicant { a := good(); a.Name = "  "; return a }(), "name"},
		{"name with control characters", func() Applicant { a := good(); a.Name = "张\x00三"; return a }(), "name"},
		{"long name", func() Applicant { a := good(); a.Name = strings.Repeat("张", 101); return a }(), "name"},
		{"bad phone", func() Applicant { a := good(); a.Phone = "12345"; return a }(), "phone"},
		{"SQL in phone", func() Applicant { a := good(); a.Phone = "1' OR '1'='1"; return a }(), "phone"},
		{"bad e-mail", func() Applicant { a := good(); a.Email = "a@b"; return a }(), "email"},
		{"header injection in e-mail", func() Applicant { a := good(); a.Email = "a@b.cn\r\nBcc: x@y.cn"; return a }(), "email"},
		{"bad postcode", func() Applicant { a := good(); a.Postcode = "20000"; return a }(), "postcode"},
	} {
		fields := map[string]string{}
		a := tc.a
		a.Validate(fields)
		switch {
		case tc.field == "" && len(fields) > 0:
			t.Errorf("%s: %v", tc.name, fields)
		case tc.field != "" && fields[tc.field] == "":
			t.Errorf("%s: no error on %s (%v)", tc.name, tc.field, fields)
		}
	}
}

func TestRequestValidate(t *testing.T) {
	a := Applicant{Type: NaturalPerson}
	for _, tc := range []struct {
		name  string
		q     Request
		field string
	}{
		{"title only", Request{Title: "年检结果", Form: Electronic, Delivery: InOffice}, ""},
		{"nothing asked", Request{Form: Electronic, Delivery: InOffice}, "title"},
		{"no form", Request{Title: "x", Delivery: InOffice}, "form"},
		{"e-mail without address", Request{Title: "x", Form: Electronic, Delivery: ByEmail}, "email"},
		{"post without address", Request{Title: "x", Form: Paper, Delivery: ByPost}, "address"},
		{"paper by e-mail", Request{Title: "x", Form: Paper, Delivery: ByEmail}, "delivery"},
		{"long description", Request{Description: strings.Repeat("长", 2001), Form: Electronic, Delivery: InOffice}, "description"},
	} {
		fields := map[string]string{}
		q := tc.q
		q.Validate(a, fields)
		switch {
		case tc.field == "" && len(fields) > 0:
			t.Errorf("%s: %v", tc.name, fields)
		case tc.field != "" && fields[tc.field] == "":
			t.Errorf("%s: no error on %s (%v)", tc.name, tc.field, fields)
		}
	}
}

func TestTableCheck(t *testing.T) {
	tab := Table{Cells: map[Row][NumCols]int{}}
	set := func(r Row, col, n int) {
		c := tab.Cells[r]
		c[col] = n
		tab.Cells[r] = c
	}
	set(RowNewReceived, 0, 3)
	set(RowNewReceived, colTotal, 3)
	set(RowGranted, 0, 2)
	set(RowGranted, colTotal, 2)
	set(RowTotalProcessed, 0, 2)
	set(RowTotalProcessed, colTotal, 2)
	set(RowCarriedForward, 0, 1)
	set(RowCarriedForward, colTotal, 1)
	if p := tab.Check(); len(p) != 0 {
		t.Fatalf("a consistent table fails: %v", p)
	}
	set(RowPartial, 1, 1) // a business's 部分公开 not in the totals
	p := tab.Check()
	if len(p) < 2 {
		t.Fatalf("broken identities not found: %v", p)
	}
	var msgs []string
	for _, x := range p {
		msgs = append(msgs, x.Message)
	}
	if all := strings.Join(msgs, "\n"); !strings.Contains(all, "商业企业列") || !strings.Contains(all, "（二）部分公开") {
		t.Errorf("problems: %s", all)
	}
}
