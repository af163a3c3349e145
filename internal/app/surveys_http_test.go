package app_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
)

var (
	surveyIDRE     = regexp.MustCompile(`/console/surveys/(\d+)\?flash=created`)
	surveyInviteRE = regexp.MustCompile(`/surveys/\d+\?t=([0-9a-f]{32})`)
)

// demoSurvey is the demo questionnaire of 上海市民族和宗教事务局.
func demoSurvey(t *testing.T, e *apptest.Env) string {
	t.Helper()
	var id int64
	e.App.DB.R.QueryRow(`SELECT s.id FROM surveys s JOIN agencies a ON a.id = s.agency_id WHERE a.slug = 'mzzj' AND s.state = 'open' ORDER BY s.id LIMIT 1`).Scan(&id)
	if id == 0 {
		t.Fatal("no demo questionnaire")
	}
	return "/surveys/" + strconv.FormatInt(id, 10)
}

func goodSurveyAnswers() url.Values {
	return url.Values{"q1": {"1"}, "q2": {"4"}, "q3": {"1", "2"}, "q4_1": {"1"}, "q4_2": {"2"}, "q4_3": {"1"}, "q5": {"<script>alert(1)</script>希望增加无障碍说明。"}}
}

func countResponses(e *apptest.Env) int {
	var n int
	e.App.DB.R.QueryRow(`SELECT count(*) FROM survey_responses`).Scan(&n)
	return n
}

// TestSurveysPublicHTTP: the demo questionnaire's form refuses bad answers
// by the question (nothing saved), takes a good one, and shows the
// published results.
func TestSurveysPublicHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		pub := e.Client()
		page := demoSurvey(t, e)
		r := pub.Get(page)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "<legend>1. 您是否在网上办理过本局的服务事项？") ||
			!strings.Contains(r.Body, "仅当第 1 题选择“是”时回答本题") || !strings.Contains(r.Body, `name="q4_3"`) {
			t.Fatalf("form: %d", r.StatusCode)
		}
		before := countResponses(e)
		for name, tc := range map[string]struct {
			change url.Values
			field  string
		}{
			"required missing":     {url.Values{"q1": nil}, "f-q1-error"},
			"conditional missing":  {url.Values{"q2": nil}, "f-q2-error"},
			"invalid choice":       {url.Values{"q1": {"7"}}, "f-q1-error"},
			"SQL in a choice":      {url.Values{"q3": {"1'); DROP TABLE surveys; --"}}, "f-q3-error"},
			"matrix value":         {url.Values{"q4_2": {"../../x.xlsx"}}, "f-q4-error"},
			"50,000 chars of text": {url.Values{"q5": {strings.Repeat("长", 50_000)}}, "f-q5-error"},
		} {
			f := goodSurveyAnswers()
			for k, v := range tc.change {
				f[k] = v
			}
			r := postPublicForm(t, pub, page, page, f)
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.field) || !strings.Contains(r.Body, `id="form-errors"`) {
				t.Errorf("%s: %d, no %s", name, r.StatusCode, tc.field)
			}
		}
		if r := pub.PostForm(page, goodSurveyAnswers()); r.StatusCode != http.StatusBadRequest {
			t.Errorf("without the form token: %d", r.StatusCode)
		}
		if n := countResponses(e); n != before {
			t.Fatalf("%d responses saved from bad input", n-before)
		}
		// Skipped: q1 = 否 needs no q2.
		f := goodSurveyAnswers()
		f["q1"], f["q2"] = []string{"2"}, nil
		r = postPublicForm(t, pub, page, page, f)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "答卷已提交") || strings.Contains(r.Body, "<script>alert") {
			t.Fatalf("answer: %d", r.StatusCode)
		}
		if n := countResponses(e); n != before+1 {
			t.Errorf("%d responses saved", n-before)
		}
		r = pub.Get(page + "/results")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `<svg class="chart"`) || !strings.Contains(r.Body, "<caption>") ||
			strings.Contains(r.Body, "希望增加无障碍说明") {
			t.Errorf("public results: %d", r.StatusCode)
		}
		for _, p := range []string{"/surveys/abc", "/surveys/99999999", "/surveys/99999999/results"} {
			if r := pub.Get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", p, r.StatusCode)
			}
		}
	})
}

// TestSurveysConsoleHTTP: staff define an invitation-only questionnaire
// with the text format (hostile input refused by the field), open it,
// generate invitations; a forged, missing or reused token is refused; the
// results and the export work; after closing, no more responses; another
// agency's staff cannot see it.
func TestSurveysConsoleHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.AddUser("mzzj", "sv.editor", auth.Editor)
		e.AddUser("pudong-mzb", "sv.other", auth.Editor)
		e.AddUser("mzzj", "sv.reviewer", auth.Reviewer)
		ed := e.Client()
		ed.Login("sv.editor")
		if r := ed.Get("/console/surveys"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "网站及网上服务满意度调查") {
			t.Fatalf("list: %d", r.StatusCode)
		}
		if r := ed.Get("/console/surveys/new"); r.StatusCode != http.StatusOK {
			t.Fatalf("new: %d", r.StatusCode)
		}
		var before int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM surveys`).Scan(&before)
		for name, tc := range map[string]struct {
			form   url.Values
			fields []string
		}{
			"empty":   {url.Values{}, []string{"f-title-error", "f-questions-error", "f-access-error"}},
			"hostile": {url.Values{"title": {"<script>x</script>\n"}, "access": {"../../etc"}, "questions": {"单选 问题\n- 是\n- 否\n'; DROP TABLE surveys; --"}}, []string{"f-access-error", "f-questions-error"}},
			"huge":    {url.Values{"title": {"问卷"}, "access": {"anonymous"}, "intro": {strings.Repeat("长", 50_000)}, "questions": {"长文本 " + strings.Repeat("长", 50_000)}}, []string{"f-intro-error", "f-questions-error"}},
			"skip":    {url.Values{"title": {"问卷"}, "access": {"anonymous"}, "questions": {"短文本 问题\n\n单选 二\n- 是\n- 否\n条件：第1题=是"}}, []string{"f-questions-error"}},
		} {
			r := ed.PostForm("/console/surveys", tc.form)
			if r.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d", name, r.StatusCode)
				continue
			}
			for _, f := range tc.fields {
				if !strings.Contains(r.Body, f) {
					t.Errorf("%s: no %s", name, f)
				}
			}
			if strings.Contains(r.Body, "<script>x") {
				t.Errorf("%s: unescaped", name)
			}
		}
		var after int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM surveys`).Scan(&after)
		if after != before {
			t.Fatalf("%d questionnaires saved from bad forms", after-before)
		}
		r := ed.PostForm("/console/surveys", url.Values{"title": {"开放日活动评价"}, "access": {"invite"}, "publish": {"1"},
			"questions": {"单选* 您对本次活动的总体评价\n- 满意\n- 一般\n- 不满意\n\n长文本 不满意的原因\n条件：第1题=不满意"}})
		m := surveyIDRE.FindStringSubmatch(r.Header.Get("Location"))
		if r.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("create: %d %s", r.StatusCode, r.Body)
		}
		detail := "/console/surveys/" + m[1]
		page := "/surveys/" + m[1]
		pub := e.Client()
		if r := pub.Get(page); r.StatusCode != http.StatusNotFound {
			t.Errorf("draft public: %d", r.StatusCode)
		}
		if r := ed.PostForm(detail, url.Values{"title": {"开放日活动评价"}, "access": {"invite"}, "version": {"1"},
			"questions": {"单选* 您对本次活动的总体评价\n- 满意\n- 不满意\n\n长文本* 不满意的原因\n条件：第1题=不满意"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("update: %d %s", r.StatusCode, r.Body)
		}
		if r := ed.PostForm(detail, url.Values{"title": {"开放日活动评价"}, "access": {"invite"}, "version": {"1"}, "questions": {"短文本 一"}}); r.StatusCode != http.StatusConflict {
			t.Errorf("stale update: %d", r.StatusCode)
		}
		if r := ed.PostForm(detail+"/open", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("open: %d", r.StatusCode)
		}
		if r := ed.PostForm(detail+"/open", nil); r.StatusCode != http.StatusConflict {
			t.Errorf("opened twice: %d", r.StatusCode)
		}
		for _, n := range []string{"abc", "0", "1001", "1 OR 1=1"} {
			if r := ed.PostForm(detail+"/invitations", url.Values{"n": {n}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-n-error") {
				t.Errorf("invitations %q: %d", n, r.StatusCode)
			}
		}
		if r := ed.PostForm(detail+"/invitations", url.Values{"n": {"3"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("invitations: %d", r.StatusCode)
		}
		r = ed.Get(detail)
		tokens := surveyInviteRE.FindAllStringSubmatch(r.Body, -1)
		if len(tokens) != 3 || !strings.Contains(r.Body, "未使用") {
			t.Fatalf("invitation list: %d tokens", len(tokens))
		}
		tok := tokens[0][1]

		// Public: missing, forged and reused tokens.
		if r := pub.Get(page); r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "邀请链接") {
			t.Errorf("without a token: %d", r.StatusCode)
		}
		if r := pub.Get(page + "?t=" + strings.Repeat("0", 32)); r.StatusCode != http.StatusForbidden {
			t.Errorf("forged token: %d", r.StatusCode)
		}
		form := page + "?t=" + tok
		if r := postPublicForm(t, pub, form, form, url.Values{"q1": {"2"}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-q2-error") {
			t.Errorf("conditional long text missing: %d", r.StatusCode)
		}
		token := tokenRE.FindStringSubmatch(pub.Get(form).Body)[1]
		if r := pub.PostForm(page+"?t="+strings.Repeat("f", 32), url.Values{"_ft": {token}, "q1": {"1"}}); r.StatusCode != http.StatusForbidden {
			t.Errorf("forged token posted: %d", r.StatusCode)
		}
		if r := postPublicForm(t, pub, form, form, url.Values{"q1": {"2"}, "q2": {"讲解时间偏短。"}}); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "答卷已提交") {
			t.Fatalf("invited answer: %d %s", r.StatusCode, r.Body)
		}
		if r := pub.Get(form); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "已经提交过") {
			t.Errorf("reused token page: %d", r.StatusCode)
		}
		if r := pub.PostForm(form, url.Values{"_ft": {token}, "q1": {"1"}}); r.StatusCode != http.StatusConflict {
			t.Errorf("reused token posted: %d", r.StatusCode)
		}
		if r := ed.Get(detail); !strings.Contains(r.Body, "已使用") {
			t.Error("the used invitation is not marked")
		}

		// Results and export.
		r = ed.Get(detail + "/results")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `<svg class="chart"`) || !strings.Contains(r.Body, "讲解时间偏短") {
			t.Errorf("results: %d", r.StatusCode)
		}
		r = ed.Get(detail + "/export.xlsx")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") || !strings.HasPrefix(r.Body, "PK") {
			t.Errorf("export: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}

		// Closed: the form is gone, posts refused.
		if r := ed.PostForm(detail+"/close", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("close: %d", r.StatusCode)
		}
		form2 := page + "?t=" + tokens[1][1]
		if r := pub.Get(form2); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "已结束") || strings.Contains(r.Body, `name="q1"`) {
			t.Errorf("closed page: %d", r.StatusCode)
		}
		if r := pub.PostForm(form2, url.Values{"_ft": {token}, "q1": {"1"}}); r.StatusCode != http.StatusConflict {
			t.Errorf("closed questionnaire posted: %d", r.StatusCode)
		}

		// Another agency's editor, and a reviewer, cannot reach it.
		other := e.Client()
		other.Login("sv.other")
		for _, p := range []string{detail, detail + "/results", detail + "/export.xlsx"} {
			if r := other.Get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("other agency %s: %d", p, r.StatusCode)
			}
		}
		if r := other.PostForm(detail+"/open", nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("other agency opened it: %d", r.StatusCode)
		}
		rv := e.Client()
		rv.Login("sv.reviewer")
		if r := rv.Get(detail); r.StatusCode != http.StatusForbidden {
			t.Errorf("reviewer: %d", r.StatusCode)
		}
	})
}
