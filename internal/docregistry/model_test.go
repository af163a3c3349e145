package docregistry

import (
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
)

func TestValidate(t *testing.T) {
	today := civil.MustParse("2025-06-10")
	ok := Input{DocNumber: "沪民宗发[2025]12号", Title: "关于做好某项工作的通知", Issuer: "上海市民族和宗教事务局", DivisionID: 3,
		DraftedOn: "2025-06-02", SignedOn: "2025年6月5日", Attribute: "proactive"}
	p, err := ok.Validate(today)
	if err != nil || p.DocNumber != "沪民宗发〔2025〕12号" || p.SignedOn != civil.MustParse("2025-06-05") || p.Ground != "" {
		t.Fatalf("valid input: %+v, %v", p, err)
	}
	// A proactive document drops a ground left in the form.
	if p, _ := (func() Input { in := ok; in.Ground = "state_secret"; return in }()).Validate(today); p.Ground != "" {
		t.Error("proactive document kept a ground")
	}
	for _, c := range []struct {
		change func(*Input)
		field  string
		want   string
	}{
		{func(in *Input) { in.Attribute = "" }, "attribute", "请选择公开属性"},
		{func(in *Input) { in.Attribute = "public" }, "attribute", "公开属性须为"},
		{func(in *Input) { in.Attribute = "on_request" }, "ground", "法定依据"},
		{func(in *Input) { in.Attribute, in.Ground = "on_request", "third_party" }, "reason", "须填写理由"},
		{func(in *Input) { in.Attribute, in.Ground, in.Reason = "on_request", "security_stability", "x" }, "ground", "第十四条"},
		{func(in *Input) { in.Attribute, in.Ground, in.Reason = "withheld", "not_proactive", "x" }, "ground", "只适用于依申请公开"},
		{func(in *Input) { in.Attribute, in.Ground, in.Reason = "withheld", "nope", "x" }, "ground", "请从列表中选择"},
		{func(in *Input) { in.DocNumber = "" }, "doc_number", "请填写文号"},
		{func(in *Input) { in.DocNumber = "沪民宗发2025-12" }, "doc_number", "文号格式"},
		{func(in *Input) { in.Title = "<b>x</b>" }, "title", "尖括号"},
		{func(in *Input) { in.Title = "a\nb" }, "title", "不能换行"},
		{func(in *Input) { in.Title = "a\x00b" }, "title", "无法识别"},
		{func(in *Input) { in.Issuer = "" }, "issuer", "请填写发文机关"},
		{func(in *Input) { in.DivisionID = 0 }, "division_id", "起草处室"},
		{func(in *Input) { in.DraftedOn = "" }, "drafted_on", "请填写起草日期"},
		{func(in *Input) { in.DraftedOn = "2025-02-29" }, "drafted_on", "格式"},
		{func(in *Input) { in.DraftedOn = "2025-06-11" }, "drafted_on", "不能晚于今天"},
		{func(in *Input) { in.SignedOn = "2025-06-01" }, "signed_on", "不能早于起草日期"},
		{func(in *Input) {
			in.Attribute, in.Ground, in.Reason = "withheld", "process_info", strings.Repeat("长", 1001)
		}, "reason", "不能超过"},
	} {
		in := ok
		c.change(&in)
		_, err := in.Validate(today)
		f := apperr.FieldsOf(err)
		if !strings.Contains(f[c.field], c.want) {
			t.Errorf("%+v: field %s = %q, want %q (all: %v)", in, c.field, f[c.field], c.want, f)
		}
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{"2025-03-01": "2025-03-01", "2025-3-1": "2025-03-01", "2025/3/1": "2025-03-01",
		"2025.03.01": "2025-03-01", "2025年3月1日": "2025-03-01", " 2024-02-29 ": "2024-02-29"} {
		if d, err := ParseDate(in); err != nil || d.String() != want {
			t.Errorf("ParseDate(%q) = %v, %v", in, d, err)
		}
	}
	for _, in := range []string{"", "2025-02-29", "2025-13-01", "1900-01-01", "20250301", "2025-1", "abc", "2025-01-01T00:00"} {
		if _, err := ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) accepted", in)
		}
	}
}

func TestAddMonths(t *testing.T) {
	for _, c := range []struct {
		from string
		n    int
		want string
	}{{"2025-01-31", 1, "2025-02-28"}, {"2024-01-31", 1, "2024-02-29"}, {"2025-06-10", 12, "2026-06-10"}, {"2025-11-30", 3, "2026-02-28"},
		{"2025-03-15", -3, "2024-12-15"}} {
		if got := addMonths(civil.MustParse(c.from), c.n); got.String() != c.want {
			t.Errorf("addMonths(%s, %d) = %s, want %s", c.from, c.n, got, c.want)
		}
	}
}

func TestGroundsAndAttributes(t *testing.T) {
	for _, g := range Grounds {
		for _, s := range []string{string(g.Code), g.Label, g.Basis + "：" + g.Label} {
			if got, ok := GroundByLabel(s); !ok || got != g.Code {
				t.Errorf("GroundByLabel(%q) = %v, %v", s, got, ok)
			}
		}
	}
	for _, a := range Attributes {
		if got, ok := AttributeByLabel(a.Label()); !ok || got != a {
			t.Errorf("AttributeByLabel(%q)", a.Label())
		}
	}
	if _, ok := AttributeByLabel("公开"); ok {
		t.Error("a partial label read as an attribute")
	}
}

func TestPublication(t *testing.T) {
	today := civil.MustParse("2025-06-10")
	due := civil.MustParse("2025-06-09")
	for _, c := range []struct {
		d    Document
		want Publication
	}{
		{Document{Attribute: Withheld, State: Approved}, PubNone},
		{Document{Attribute: Proactive, State: Pending}, PubWaiting},
		{Document{Attribute: Proactive, State: Approved}, PubWaiting},
		{Document{Attribute: Proactive, State: Approved, DueOn: today}, PubPending},
		{Document{Attribute: Proactive, State: Approved, DueOn: due}, PubOverdue},
		{Document{Attribute: Proactive, State: Approved, DueOn: due, Item: &ItemState{Published: true, PublishedOn: today}}, PubPublished},
	} {
		if got := c.d.Publication(today); got != c.want {
			t.Errorf("%+v: %s, want %s", c.d, got, c.want)
		}
	}
	late := Document{Attribute: Proactive, State: Approved, DueOn: due, Item: &ItemState{Published: true, PublishedOn: today}}
	if !late.PublishedLate() {
		t.Error("publication after the deadline not late")
	}
}
