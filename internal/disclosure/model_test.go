package disclosure

import (
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
)

func TestWorkflow(t *testing.T) {
	cases := []struct {
		from     Status
		act      Action
		approval bool
		want     Status
		ok       bool
	}{
		{Draft, ActSubmit, false, Submitted, true},
		{Draft, ActReview, false, Draft, false},
		{Draft, ActPublish, false, Draft, false},
		{Submitted, ActReview, false, Reviewed, true},
		{Submitted, ActReturn, false, Draft, true},
		{Submitted, ActPublish, false, Submitted, false},
		{Reviewed, ActPublish, false, Published, true},
		{Reviewed, ActSchedule, false, Scheduled, true},
		{Reviewed, ActPublish, true, Reviewed, false},
		{Reviewed, ActApprove, true, Approved, true},
		{Reviewed, ActApprove, false, Reviewed, false},
		{Approved, ActPublish, true, Published, true},
		{Scheduled, ActPublish, false, Published, true},
		{Scheduled, ActWithdraw, false, Withdrawn, true},
		{Published, ActWithdraw, false, Withdrawn, true},
		{Published, ActSupersede, false, Superseded, true},
		{Published, ActEdit, false, Published, false},
		{Published, ActSubmit, false, Published, false},
		{Withdrawn, ActEdit, false, Draft, true},
		{Withdrawn, ActPublish, false, Withdrawn, false},
		{Superseded, ActWithdraw, false, Superseded, false},
	}
	for _, tc := range cases {
		got, err := Next(tc.from, tc.act, tc.approval)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("%s --%s (approval %v)--> %s, %v; want %s ok=%v", tc.from, tc.act, tc.approval, got, err, tc.want, tc.ok)
		}
		if err != nil && apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("%s %s: error code %s", tc.from, tc.act, apperr.CodeOf(err))
		}
	}
	if !Published.Public() || !Superseded.Public() || Withdrawn.Public() || Draft.Public() {
		t.Error("Public")
	}
}

func TestNormalizeDocNumber(t *testing.T) {
	for in, want := range map[string]string{
		"沪民宗规〔2022〕1号":   "沪民宗规〔2022〕1号",
		"沪民宗规[2022]1号":   "沪民宗规〔2022〕1号",
		"沪民宗规【2022】1号":   "沪民宗规〔2022〕1号",
		"沪民宗规（2022）1号":   "沪民宗规〔2022〕1号",
		"沪民宗规 (2022) 1号": "沪民宗规〔2022〕1号",
		" 国办发明电〔2025〕7号": "国办发明电〔2025〕7号",
	} {
		if got := NormalizeDocNumber(in); got != want {
			t.Errorf("NormalizeDocNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIndexPattern(t *testing.T) {
	on := civil.MustParse("2025-03-09")
	for pattern, want := range map[IndexPattern]string{
		DefaultIndexPattern:            "00001234X/2025-00007",
		"{prefix}/{year}{month}-{seq}": "00001234X/202503-7",
		"MZZJ-{year}-{seq:3}":          "MZZJ-2025-007",
	} {
		if err := pattern.Validate(); err != nil {
			t.Errorf("%s invalid: %v", pattern, err)
		}
		if got := pattern.Format("00001234X", on, 7); got != want {
			t.Errorf("%s: %s, want %s", pattern, got, want)
		}
	}
	for _, bad := range []IndexPattern{"", "{prefix}", "{year}", "{prefix}/{year}-{seq}<script>", "{prefix}/{year}-{sequence}", IndexPattern(strings.Repeat("x", 61) + "{year}{seq}")} {
		if bad.Validate() == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestDraftValidation(t *testing.T) {
	today := civil.MustParse("2026-11-29")
	good := func() DraftFields {
		return DraftFields{Title: "关于做好宗教活动场所安全管理工作的通知", FormedOn: "2026-11-20", SourceType: "self", ColumnIDs: []int64{3}}
	}
	d := good()
	if _, _, err := d.Validate(today, nil); err != nil {
		t.Fatalf("good draft: %v", apperr.FieldsOf(err))
	}
	if d.Method != DefaultMethod {
		t.Errorf("method defaults to %q", d.Method)
	}
	cases := []struct {
		mod   func(*DraftFields)
		field string
	}{
		{func(d *DraftFields) { d.Title = "" }, "title"},
		{func(d *DraftFields) { d.Title = strings.Repeat("长", 201) }, "title"},
		{func(d *DraftFields) { d.Title = "两行\n标题" }, "title"},
		{func(d *DraftFields) { d.DocNumber = "沪民宗规2022第1号" }, "doc_number"},
		{func(d *DraftFields) { d.DocNumber = "'; DROP TABLE items;--" }, "doc_number"},
		{func(d *DraftFields) { d.FormedOn = "" }, "formed_on"},
		{func(d *DraftFields) { d.FormedOn = "2026-02-30" }, "formed_on"},
		{func(d *DraftFields) { d.FormedOn = "2027-01-01" }, "formed_on"},
		{func(d *DraftFields) { d.SignedOn = "2026-11-25" }, "formed_on"},
		{func(d *DraftFields) { d.SignedOn = "yesterday" }, "signed_on"},
		{func(d *DraftFields) { d.Genre = "<script>" }, "genre"},
		{func(d *DraftFields) { d.FivePublics = []string{"everything"} }, "five_publics"},
		{func(d *DraftFields) { d.StatutoryItem = "20.99" }, "statutory_item"},
		{func(d *DraftFields) { d.Validity = "eternal" }, "validity"},
		{func(d *DraftFields) { d.Method = "<b>公开</b>" }, "method"},
		{func(d *DraftFields) { d.SourceType = "" }, "source_type"},
		{func(d *DraftFields) { d.ColumnIDs = nil }, "column_ids"},
		{func(d *DraftFields) { d.TopicID = 42 }, "topic_id"},
		{func(d *DraftFields) { d.Body = "a\x00b" }, "body"},
	}
	for i, tc := range cases {
		d := good()
		tc.mod(&d)
		_, _, err := d.Validate(today, func(int64) bool { return false })
		if apperr.FieldsOf(err)[tc.field] == "" {
			t.Errorf("case %d: want error on %s, got %v", i, tc.field, apperr.FieldsOf(err))
		}
	}
	d = good()
	d.DocNumber = "沪民宗规[2022]1号"
	if _, _, err := d.Validate(today, nil); err != nil || d.DocNumber != "沪民宗规〔2022〕1号" {
		t.Fatalf("doc number normalised: %q %v", d.DocNumber, err)
	}
}

func TestRenderBodyIsInert(t *testing.T) {
	for _, hostile := range []string{
		"<script>alert(1)</script>",
		"[点我](javascript:alert(1))",
		"<img src=x onerror=alert(1)>",
		"<iframe src=\"https://evil.example\"></iframe>",
		"<a href=\"javascript:alert(1)\">x</a>",
		"![x](javascript:alert(1))",
	} {
		out := string(RenderBody(hostile))
		for _, bad := range []string{"<script", "javascript:", "onerror", "<iframe"} {
			if strings.Contains(strings.ToLower(out), bad) {
				t.Errorf("%q rendered as %q", hostile, out)
			}
		}
	}
	if got := string(RenderBody("# 标题\n\n正文 **加粗**\n\n| a | b |\n|---|---|\n| 1 | 2 |")); !strings.Contains(got, "<h1") || !strings.Contains(got, "<strong>加粗</strong>") || !strings.Contains(got, "<table>") {
		t.Fatalf("markdown: %s", got)
	}
	if got := PlainText("# 标题\n\n正文 **加粗** & <b>x</b>"); strings.Contains(got, "<") || !strings.Contains(got, "正文 加粗") {
		t.Fatalf("plain: %q", got)
	}
}
