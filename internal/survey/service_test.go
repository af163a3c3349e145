package survey_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/survey"
)

type fixture struct {
	d               *db.DB
	svc             *survey.Service
	editor, editorB *auth.Principal
}

func setup(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	op := auth.Operator("test")
	ag := agency.NewService(d)
	a, err := ag.Create(ctx, op, agency.NewAgency{Slug: "a-bureau", Kind: agency.Bureau, Name: "甲局"}, agency.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ag.Create(ctx, op, agency.NewAgency{Slug: "b-bureau", Kind: agency.Bureau, Name: "乙局"}, agency.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	p := func(agencyID int64, name string) *auth.Principal {
		return &auth.Principal{Username: name, DisplayName: name, AgencyID: agencyID, Roles: auth.Roles{auth.Editor}, State: auth.StateActive}
	}
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	return &fixture{d: d, svc: survey.NewService(survey.Deps{DB: d, BaseURL: "https://gk.example.cn/", Now: func() time.Time { return now }}),
		editor: p(a.ID, "editor"), editorB: p(b.ID, "editor.b")}
}

const sample = `单选* 您是否在网上办理过本局的服务事项？
- 是
- 否

量表5* 您对网上办理过程的满意程度
条件：第1题=是

多选 您常用的栏目
- 信息公开
- 办事服务
- 互动交流

矩阵* 请评价本局网站
= 信息更新及时
= 查找方便
- 满意
- 一般
- 不满意

短文本 您的职业

长文本 其他建议
`

func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	f := apperr.FieldsOf(err)
	if f == nil {
		t.Fatalf("want field errors, got %v", err)
	}
	return f
}

func define(t *testing.T, f *fixture, access survey.Access) *survey.Survey {
	t.Helper()
	qs, err := survey.ParseQuestions(sample)
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.svc.Define(context.Background(), f.editor, survey.Definition{Title: "网站满意度调查", Access: access, Open: true, PublishResults: true, Questions: qs})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func valid() survey.Answers {
	return survey.Answers{"q1": {"1"}, "q2": {"4"}, "q3": {"1", "3"}, "q4_1": {"1"}, "q4_2": {"2"}, "q5": {"教师"}, "q6": {"<script>alert(1)</script>'; DROP TABLE surveys; --"}}
}

func TestParseQuestions(t *testing.T) {
	qs, err := survey.ParseQuestions(sample)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 6 || qs[1].Kind != survey.Scale || qs[1].ScaleMax != 5 || qs[1].ShowIf == nil || qs[1].ShowIf.Choice != 1 ||
		qs[3].Kind != survey.Matrix || len(qs[3].Rows) != 2 || len(qs[3].Choices) != 3 || !qs[0].Required || qs[2].Required {
		t.Fatalf("parsed %+v", qs)
	}
	stored := make([]survey.Question, len(qs))
	for i, q := range qs {
		stored[i] = survey.Question{Seq: i + 1, QuestionDef: q}
	}
	again, err := survey.ParseQuestions(survey.FormatQuestions(stored))
	if err != nil || len(again) != 6 || again[1].ShowIf == nil {
		t.Fatalf("round trip: %v %+v", err, again)
	}
	for name, text := range map[string]string{
		"empty":             "  \n\n",
		"unknown type":      "填空 你好",
		"one choice":        "单选 问题\n- 是",
		"duplicate choice":  "单选 问题\n- 是\n- 是",
		"scale 7":           "量表7 问题",
		"matrix no rows":    "矩阵 问题\n- 是\n- 否",
		"condition forward": "单选 问题\n- 是\n- 否\n条件：第2题=是\n\n单选 问题二\n- 是\n- 否",
		"condition on text": "短文本 问题\n\n单选 问题二\n- 是\n- 否\n条件：第1题=是",
		"condition choice":  "单选 问题\n- 是\n- 否\n\n短文本 问题二\n条件：第1题=也许",
		"stray line":        "单选 问题\n- 是\n- 否\n../../x.xlsx",
		"no title":          "单选*",
		"oversized":         "长文本 " + strings.Repeat("长", 50_001),
		"bad bytes":         "短文本 问题\x00",
	} {
		if _, err := survey.ParseQuestions(text); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestSurveyService(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)

		// Validation: nothing saved.
		err := func() error {
			_, err := f.svc.Define(ctx, f.editor, survey.Definition{Title: "", Access: "everyone"})
			return err
		}()
		if fs := fieldsOf(t, err); fs["title"] == "" || fs["access"] == "" {
			t.Errorf("bad definition: %v", fs)
		}
		_, err = f.svc.Define(ctx, f.editor, survey.Definition{Title: strings.Repeat("长", 50_000), Access: survey.Anonymous,
			Questions: []survey.QuestionDef{{Kind: survey.Single, Title: "问题", Choices: []string{"是"}}}})
		if fs := fieldsOf(t, err); fs["title"] == "" || fs["questions"] == "" {
			t.Errorf("oversized: %v", fs)
		}
		var n int
		d.R.QueryRow("SELECT count(*) FROM surveys").Scan(&n)
		if n != 0 {
			t.Fatalf("%d surveys saved by refused definitions", n)
		}

		s := define(t, f, survey.Anonymous)
		if _, err := f.svc.Get(ctx, f.editorB, s.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency's editor read it: %v", err)
		}
		if err := f.svc.SetState(ctx, f.editorB, s.ID, survey.Closed); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency's editor closed it: %v", err)
		}

		// Skip logic: q2 is required only if q1 = 是.
		a := valid()
		a["q1"], a["q2"] = []string{"1"}, nil
		if fs := fieldsOf(t, second(f.svc.Submit(ctx, s.ID, survey.Submission{Answers: a}))); fs["q2"] == "" || len(fs) != 1 {
			t.Errorf("missing conditional answer: %v", fs)
		}
		a["q1"], a["q2"] = []string{"2"}, []string{"5"} // q2 skipped: its answer is dropped
		rid, err := f.svc.Submit(ctx, s.ID, survey.Submission{Answers: a, Name: "张三"})
		if err != nil {
			t.Fatal(err)
		}
		var stored int
		d.R.QueryRow(`SELECT count(*) FROM survey_answers a JOIN survey_questions q ON q.id = a.question_id WHERE a.response_id = $1 AND q.seq = 2`, rid).Scan(&stored)
		var name string
		d.R.QueryRow(`SELECT name FROM survey_responses WHERE id = $1`, rid).Scan(&name)
		if stored != 0 || name != "" {
			t.Errorf("skipped answer stored (%d) or a name kept on an anonymous questionnaire (%q)", stored, name)
		}
		if _, err := f.svc.Submit(ctx, s.ID, survey.Submission{Answers: valid()}); err != nil {
			t.Fatal(err)
		}

		// Bad answers by field.
		for label, tc := range map[string]struct {
			key   string
			value []string
			field string
		}{
			"required missing":  {"q1", nil, "q1"},
			"choice out of set": {"q1", []string{"3"}, "q1"},
			"SQL in a choice":   {"q1", []string{"1 OR 1=1"}, "q1"},
			"two single":        {"q1", []string{"1", "2"}, "q1"},
			"scale 6":           {"q2", []string{"6"}, "q2"},
			"duplicate multi":   {"q3", []string{"1", "1"}, "q3"},
			"matrix row blank":  {"q4_2", nil, "q4"},
			"matrix bad value":  {"q4_1", []string{"9"}, "q4"},
			"short oversized":   {"q5", []string{strings.Repeat("长", 201)}, "q5"},
			"long 50,000 chars": {"q6", []string{strings.Repeat("长", 50_000)}, "q6"},
			"control bytes":     {"q6", []string{"a\x00b"}, "q6"},
		} {
			a := valid()
			a[tc.key] = tc.value
			if fs := fieldsOf(t, second(f.svc.Submit(ctx, s.ID, survey.Submission{Answers: a}))); fs[tc.field] == "" {
				t.Errorf("%s: %v", label, fs)
			}
		}

		// Results: two responses; q2 answered once (the other skipped it).
		res, err := f.svc.Results(ctx, f.editor, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		q := res.Questions
		if res.Responses != 2 || q[0].Counts[0].N != 1 || q[0].Counts[1].N != 1 || q[0].Counts[0].Percent != 50 || q[1].Answered != 1 ||
			q[1].Counts[3].N != 1 || q[1].Mean != "4.00" || q[2].Counts[0].N != 2 || q[2].Counts[2].N != 2 || q[2].Counts[1].N != 0 ||
			q[3].Rows[1].Counts[1].N != 2 || len(q[5].Texts) != 2 {
			t.Errorf("results: %+v", res)
		}
		pub, err := f.svc.PublicResults(ctx, s.ID)
		if err != nil || len(pub.Questions[5].Texts) != 0 {
			t.Errorf("public results show texts: %v", err)
		}

		// Export: one row per response, skipped marked, formulas defused.
		var buf bytes.Buffer
		if err := f.svc.Export(ctx, f.editor, s.ID, &buf); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows("答卷")
		if len(rows) != 3 || !strings.Contains(strings.Join(rows[1], "|"), "（跳过）") || !strings.Contains(strings.Join(rows[0], "|"), "请评价本局网站：查找方便") {
			t.Errorf("export rows: %q", rows)
		}

		// Closed: refused.
		if err := f.svc.SetState(ctx, f.editor, s.ID, survey.Closed); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Submit(ctx, s.ID, survey.Submission{Answers: valid()}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("closed questionnaire took a response: %v", err)
		}
		if err := f.svc.Update(ctx, f.editor, s.ID, s.Version+1, survey.Definition{Title: "新标题", Access: survey.Anonymous, Questions: []survey.QuestionDef{{Kind: survey.ShortText, Title: "一"}}}, true); fieldsOf(t, err)["questions"] == "" {
			t.Errorf("questions replaced after opening: %v", err)
		}
		if err := f.svc.Update(ctx, f.editor, s.ID, s.Version+1, survey.Definition{Title: "新标题", Access: survey.Invite}, false); fieldsOf(t, err)["access"] == "" {
			t.Errorf("access changed after opening: %v", err)
		}
		var audits int
		d.R.QueryRow("SELECT count(*) FROM audit_entries WHERE action LIKE 'survey.%'").Scan(&audits)
		if audits != 5 { // create, 2 responses, export, close — and the refused update wrote nothing
			t.Errorf("%d audit entries", audits)
		}
		// Open access: name and contact optional, limited.
		o := define(t, f, survey.OpenToAll)
		if fs := fieldsOf(t, second(f.svc.Submit(ctx, o.ID, survey.Submission{Answers: valid(), Name: strings.Repeat("名", 51), Contact: "a\nb"}))); fs["name"] == "" || fs["contact"] == "" {
			t.Errorf("open access contact: %v", fs)
		}
		rid, err = f.svc.Submit(ctx, o.ID, survey.Submission{Answers: valid(), Name: " 李四 ", Contact: "13800000000"})
		if err != nil {
			t.Fatal(err)
		}
		d.R.QueryRow(`SELECT name FROM survey_responses WHERE id = $1`, rid).Scan(&name)
		if name != "李四" {
			t.Errorf("name %q", name)
		}
		// A draft is not public.
		draft, err := f.svc.Define(ctx, f.editor, survey.Definition{Title: "草稿", Access: survey.Anonymous})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Submit(ctx, draft.ID, survey.Submission{}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("draft took a response: %v", err)
		}
		if err := f.svc.SetState(ctx, f.editor, draft.ID, survey.Open); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("opened without questions: %v", err)
		}
	})
}

func second(_ int64, err error) error { return err }

func TestSurveyInvitations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		s := define(t, f, survey.Invite)
		if _, err := f.svc.Invite(ctx, f.editor, s.ID, 0); fieldsOf(t, err)["n"] == "" {
			t.Error("0 invitations accepted")
		}
		if _, err := f.svc.Invite(ctx, f.editorB, s.ID, 2); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency invited: %v", err)
		}
		invs, err := f.svc.Invite(ctx, f.editor, s.ID, 3)
		if err != nil || len(invs) != 3 || !strings.HasPrefix(invs[0].URL, "https://gk.example.cn/surveys/") || !strings.Contains(invs[0].URL, "?t="+invs[0].Token) {
			t.Fatalf("invite: %v %+v", err, invs)
		}
		sub := func(token string) error {
			_, err := f.svc.Submit(ctx, s.ID, survey.Submission{Answers: valid(), Token: token})
			return err
		}
		for name, tok := range map[string]string{"none": "", "forged": strings.Repeat("a", 32), "malformed": "../../x.xlsx", "sql": "' OR 1=1 --"} {
			if err := sub(tok); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("%s token: %v", name, err)
			}
		}
		if err := sub(invs[0].Token); err != nil {
			t.Fatal(err)
		}
		if err := sub(invs[0].Token); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("reused token: %v", err)
		}
		if err := f.svc.CheckToken(ctx, s, invs[0].Token); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("check of a used token: %v", err)
		}
		// Two concurrent submissions with one token: exactly one succeeds.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = sub(invs[1].Token)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if !apperr.Is(err, apperr.Conflict) {
				t.Errorf("concurrent submit: %v", err)
			}
		}
		var responses int
		d.R.QueryRow("SELECT count(*) FROM survey_responses WHERE survey_id = $1", s.ID).Scan(&responses)
		if ok != 1 || responses != 2 {
			t.Errorf("%d concurrent submissions succeeded, %d responses stored", ok, responses)
		}
		list, err := f.svc.Invitations(ctx, f.editor, s.ID)
		if err != nil || len(list) != 3 || !list[0].Used() || !list[1].Used() || list[2].Used() {
			t.Errorf("invitations: %v %+v", err, list)
		}
	})
}
