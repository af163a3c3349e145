package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/socialeval"
)

// The social evaluation's routes in the role matrix: the portal and the
// read-only API are public, the console is auth.ManageEvaluations.
func init() {
	const managers = "agency_admin editor approver"
	matrixParts = append(matrixParts, map[string]string{
		"GET /o/{slug}/evaluations":                      public,
		"GET /o/{slug}/evaluations/{id}":                 public,
		"GET /api/v1/evaluations":                        public,
		"GET /api/v1/evaluations/{id}":                   public,
		"GET /console/evaluations":                       managers,
		"GET /console/evaluations/new":                   managers,
		"POST /console/evaluations":                      managers,
		"GET /console/evaluations/{id}":                  managers,
		"POST /console/evaluations/{id}":                 managers,
		"POST /console/evaluations/{id}/state":           managers,
		"POST /console/evaluations/{id}/invitations":     managers,
		"GET /console/evaluations/{id}/invitations.xlsx": managers,
		"POST /console/evaluations/{id}/report":          managers,
		"POST /console/evaluations/{id}/actions":         managers,
		"POST /console/evaluations/{id}/actions/{aid}":   managers,
	})
	// The walk uses the demo's published campaign of last year and its
	// first improvement action.
	pathFillers = append(pathFillers, func(e *apptest.Env, path string) string {
		if !strings.Contains(path, "/evaluations/{") {
			return ""
		}
		id := demoEvaluation(e, 1)
		var aid int64
		e.App.DB.R.QueryRow(`SELECT id FROM evaluation_actions WHERE evaluation_id = $1 ORDER BY id LIMIT 1`, id).Scan(&aid)
		return strings.NewReplacer("{slug}", "mzzj", "{id}", fmt.Sprint(id), "{aid}", fmt.Sprint(aid)).Replace(path)
	})
}

// demoEvaluation is the id of the demo campaign of yearsAgo years ago
// (0: this year's, open).
func demoEvaluation(e *apptest.Env, yearsAgo int) int64 {
	var id int64
	// The demo's campaigns are of three consecutive years; tests add
	// only later ones.
	e.App.DB.R.QueryRow(`SELECT v.id FROM evaluations v JOIN agencies a ON a.id = v.agency_id WHERE a.slug = 'mzzj'
		AND v.year = (SELECT min(year) FROM evaluations w WHERE w.agency_id = a.id) + 2 - $1`, yearsAgo).Scan(&id)
	return id
}

// storedScore is a stored score as the pages show it.
func storedScore(e *apptest.Env, id, group, indicator int64) socialeval.Points {
	var p int64
	e.App.DB.R.QueryRow(`SELECT points FROM evaluation_scores WHERE evaluation_id = $1 AND group_id = $2 AND indicator_id = $3`, id, group, indicator).Scan(&p)
	return socialeval.Points(p)
}

var evalInviteRE = regexp.MustCompile(`/surveys/(\d+)\?t=([0-9a-f]{32})`)

// TestSocialEvalHTTP: the demo's published reports on the portal and in
// the API with their real numbers (year-on-year, groups, actions); the open
// campaign's public questionnaire; an invitation answered twice; a whole
// campaign run through the console; bad input beside the fields; another
// agency's staff see nothing.
func TestSocialEvalHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		pub := e.Client()
		lastID, beforeID, openID := demoEvaluation(e, 1), demoEvaluation(e, 2), demoEvaluation(e, 0)
		if lastID == 0 || beforeID == 0 || openID == 0 {
			t.Fatalf("demo campaigns: %d %d %d", lastID, beforeID, openID)
		}
		last, before := storedScore(e, lastID, 0, 0), storedScore(e, beforeID, 0, 0)
		if last < 6000 || last > 9800 || before < 6000 || before > 9800 || last == before {
			t.Fatalf("demo overall scores %s and %s", last, before)
		}

		// Portal list: both reports with their scores, the open campaign's
		// public questionnaire.
		r := pub.Get("/o/mzzj/evaluations")
		var publicSurvey int64
		e.App.DB.R.QueryRow(`SELECT survey_id FROM evaluation_groups WHERE evaluation_id = $1 AND access = 'open'`, openID).Scan(&publicSurvey)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, last.String()) || !strings.Contains(r.Body, before.String()) ||
			!strings.Contains(r.Body, fmt.Sprintf(`href="/surveys/%d"`, publicSurvey)) {
			t.Fatalf("portal list: %d\n%s", r.StatusCode, r.Body)
		}

		// The report: overall, the change against the year before, the
		// chart with its table, groups, narrative, actions with progress.
		page := fmt.Sprintf("/o/mzzj/evaluations/%d", lastID)
		r = pub.Get(page)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("report: %d", r.StatusCode)
		}
		var dimID, groupID int64
		e.App.DB.R.QueryRow(`SELECT id FROM evaluation_indicators WHERE evaluation_id = $1 AND name = '依申请公开'`, lastID).Scan(&dimID)
		e.App.DB.R.QueryRow(`SELECT id FROM evaluation_groups WHERE evaluation_id = $1 AND name = '社会公众'`, lastID).Scan(&groupID)
		var prevDim int64
		e.App.DB.R.QueryRow(`SELECT id FROM evaluation_indicators WHERE evaluation_id = $1 AND name = '依申请公开'`, beforeID).Scan(&prevDim)
		dimChange := storedScore(e, lastID, 0, dimID) - storedScore(e, beforeID, 0, prevDim)
		// html/template writes "+" as "&#43;".
		esc := func(s string) string { return strings.ReplaceAll(s, "+", "&#43;") }
		for _, want := range []string{`<strong id="overall-score">` + last.String() + `</strong>`, esc((last - before).Change()), before.String(),
			storedScore(e, lastID, 0, dimID).String(), esc(dimChange.Change()), storedScore(e, lastID, groupID, 0).String(),
			`role="img"`, `<title id="chart-title">`, "各评议维度的权重和得分", "<td class=\"num\">10</td>", // 社会公众: 10 responses
			"优化网站站内搜索", "已完成", "已逾期", "“一图读懂”栏目已上线", "主要问题", "信息查找便捷"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("report lacks %q", want)
			}
		}
		if r := pub.Get(fmt.Sprintf("/o/mzzj/evaluations/%d", beforeID)); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "上年无可比数据") {
			t.Errorf("earliest report: %d", r.StatusCode)
		}
		for _, p := range []string{fmt.Sprintf("/o/mzzj/evaluations/%d", openID), fmt.Sprintf("/o/pudong-mzb/evaluations/%d", lastID),
			"/o/mzzj/evaluations/abc", "/o/mzzj/evaluations/99999999", "/o/nope/evaluations"} {
			if r := pub.Get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", p, r.StatusCode)
			}
		}

		// API.
		r = pub.Get("/api/v1/evaluations?agency=mzzj")
		var list struct {
			Evaluations []struct {
				ID      int64    `json:"id"`
				Year    int      `json:"year"`
				Overall *float64 `json:"overall"`
			} `json:"evaluations"`
		}
		if err := json.Unmarshal([]byte(r.Body), &list); err != nil || r.StatusCode != http.StatusOK || len(list.Evaluations) != 2 ||
			list.Evaluations[0].ID != lastID || list.Evaluations[0].Overall == nil || *list.Evaluations[0].Overall != last.Float() {
			t.Errorf("API list: %d %v %s", r.StatusCode, err, r.Body)
		}
		if r := pub.Get("/api/v1/evaluations?agency=nope"); r.StatusCode != http.StatusBadRequest || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("API unknown agency: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		r = pub.Get(fmt.Sprintf("/api/v1/evaluations/%d", lastID))
		var rep struct {
			Overall   float64 `json:"overall"`
			Responses int     `json:"responses"`
			Previous  *struct {
				Year    int     `json:"year"`
				Overall float64 `json:"overall"`
				Change  float64 `json:"change"`
			} `json:"previous"`
			Dimensions []struct {
				Name   string   `json:"name"`
				Score  float64  `json:"score"`
				Change *float64 `json:"change"`
			} `json:"dimensions"`
			Groups []struct {
				Name      string `json:"name"`
				Responses int    `json:"responses"`
			} `json:"groups"`
			Actions []struct {
				Title string `json:"title"`
				State string `json:"state"`
			} `json:"actions"`
		}
		if err := json.Unmarshal([]byte(r.Body), &rep); err != nil || r.StatusCode != http.StatusOK {
			t.Fatalf("API report: %d %v", r.StatusCode, err)
		}
		if rep.Overall != last.Float() || rep.Responses != 24 || rep.Previous == nil || rep.Previous.Overall != before.Float() ||
			rep.Previous.Change != (last-before).Float() || len(rep.Dimensions) != 5 || len(rep.Groups) != 5 || rep.Groups[2].Responses != 10 ||
			len(rep.Actions) != 3 {
			t.Errorf("API report: %s", r.Body)
		}
		for _, d := range rep.Dimensions {
			if d.Name == "依申请公开" && (d.Change == nil || *d.Change != dimChange.Float()) {
				t.Errorf("API change of 依申请公开: %v, want %s", d.Change, dimChange.Change())
			}
		}
		for _, id := range []string{fmt.Sprint(openID), "abc", "99999999"} {
			if r := pub.Get("/api/v1/evaluations/" + id); r.StatusCode != http.StatusNotFound || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("API %s: %d %s", id, r.StatusCode, r.Header.Get("Content-Type"))
			}
		}

		// Staff of the bureau.
		e.AddUser("mzzj", "se.editor", auth.Editor)
		ed := e.Client()
		ed.Login("se.editor")
		if r := ed.Get("/console/evaluations"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "即将到期") || !strings.Contains(r.Body, "已逾期") ||
			strings.Index(r.Body, "对重点政策开展执行效果评估") > strings.Index(r.Body, "优化网站站内搜索") {
			t.Errorf("console list: %d", r.StatusCode)
		}

		// An invitation link answers once.
		con := fmt.Sprintf("/console/evaluations/%d", openID)
		var deputies, deputiesSurvey int64
		e.App.DB.R.QueryRow(`SELECT id, survey_id FROM evaluation_groups WHERE evaluation_id = $1 AND name = '人大代表'`, openID).Scan(&deputies, &deputiesSurvey)
		if r := ed.PostForm(con+"/invitations", url.Values{"group": {fmt.Sprint(deputies)}, "count": {"2"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("invite: %d", r.StatusCode)
		}
		r = ed.Get(con)
		links := evalInviteRE.FindAllStringSubmatch(r.Body, -1)
		if r.StatusCode != http.StatusOK || len(links) != 7 || !strings.Contains(r.Body, "已使用 2 个") {
			t.Fatalf("open campaign detail: %d, %d links", r.StatusCode, len(links))
		}
		tok := links[len(links)-1][2]
		form := fmt.Sprintf("/surveys/%d?t=%s", deputiesSurvey, tok)
		answers := url.Values{}
		for i := 1; i <= 13; i++ {
			answers.Set(fmt.Sprintf("q%d", i), "4")
		}
		answers.Set("q14", "<script>alert(1)</script>")
		if r := postPublicForm(t, pub, form, form, answers); r.StatusCode != http.StatusOK {
			t.Fatalf("invited answer: %d", r.StatusCode)
		}
		if r := pub.Get(form); r.StatusCode != http.StatusConflict {
			t.Errorf("used link's form: %d", r.StatusCode)
		}
		guard := tokenRE.FindStringSubmatch(pub.Get(fmt.Sprintf("/surveys/%d", publicSurvey)).Body)
		if guard == nil {
			t.Fatal("no form token on the public questionnaire")
		}
		answers.Set("_ft", guard[1])
		if r := pub.PostForm(form, answers); r.StatusCode != http.StatusConflict {
			t.Errorf("used link posted again: %d", r.StatusCode)
		}
		if r := ed.Get(con + "/invitations.xlsx"); r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Body, "PK") ||
			!strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
			t.Errorf("invitations.xlsx: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		// Invitations: bad count, the public group, a group of another campaign.
		for name, f := range map[string]url.Values{
			"too many":     {"group": {fmt.Sprint(deputies)}, "count": {"9999"}},
			"not a number": {"group": {fmt.Sprint(deputies)}, "count": {"'; DROP TABLE x;--"}},
		} {
			if r := ed.PostForm(con+"/invitations", f); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-count-error") {
				t.Errorf("invite %s: %d", name, r.StatusCode)
			}
		}
		if r := ed.PostForm(con+"/invitations", url.Values{"group": {"999999"}, "count": {"2"}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-group-error") {
			t.Errorf("invite, unknown group: %d", r.StatusCode)
		}

		// New campaign form: every field wrong, each message beside its field.
		r = ed.PostForm("/console/evaluations", url.Values{"title": {""}, "year": {"20x"}, "groups": {"人大代表 abc 邀请\n社会公众 30 随便"},
			"indicators": {"决策公开 50\n- 甲 60\n- 乙 30"}})
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad campaign: %d", r.StatusCode)
		}
		for _, want := range []string{"f-title-error", "f-year-error", "f-groups-error", "f-indicators-error", "第 1 行：权重“abc”应为 1 至 100 的整数",
			"第 2 行：填写方式应为“邀请”或“公开”", "“决策公开”下各二级指标的权重合计应为 100，现为 90", "各一级指标的权重合计应为 100，现为 50"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("bad campaign form lacks %q", want)
			}
		}
		if r := ed.PostForm("/console/evaluations", url.Values{"title": {strings.Repeat("长", 50_000)}, "year": {"2031"},
			"groups": {socialeval.DefaultGroups}, "indicators": {socialeval.DefaultIndicators}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-title-error") {
			t.Errorf("oversized title: %d", r.StatusCode)
		}
		if r := ed.PostForm("/console/evaluations", url.Values{"title": {"重复年度"}, "year": {fmt.Sprint(rep.Previous.Year + 1)},
			"groups": {socialeval.DefaultGroups}, "indicators": {socialeval.DefaultIndicators}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "年度已有社会评议活动") {
			t.Errorf("a second campaign of a year: %d", r.StatusCode)
		}

		// A whole campaign through the console, with hostile text.
		r = ed.PostForm("/console/evaluations", url.Values{"title": {"<script>alert(1)</script>评议"}, "year": {"2030"}, "intro": {"说明"},
			"groups": {"人大代表 60 邀请\n社会公众 40 公开"}, "indicators": {"决策公开 100\n- 政策解读 100"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d\n%s", r.StatusCode, r.Body)
		}
		det := strings.TrimSuffix(r.Header.Get("Location"), "?flash=created")
		r = ed.Get(det)
		if r.StatusCode != http.StatusOK || strings.Contains(r.Body, "<script>alert(1)") || !strings.Contains(r.Body, "&lt;script&gt;") {
			t.Fatalf("draft: %d", r.StatusCode)
		}
		if r := ed.PostForm(det, url.Values{"title": {"新名称"}, "year": {"2030"}, "groups": {"人大代表 60 邀请\n社会公众 40 公开"},
			"indicators": {"决策公开 100\n- 政策解读 100"}, "version": {"99"}}); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "刚被其他人修改过") {
			t.Errorf("stale edit: %d", r.StatusCode)
		}
		state := func(action string) *apptest.Response {
			var v int
			e.App.DB.R.QueryRow(`SELECT version FROM evaluations WHERE id = (SELECT max(id) FROM evaluations)`).Scan(&v)
			return ed.PostForm(det+"/state", url.Values{"action": {action}, "version": {fmt.Sprint(v)}})
		}
		if r := state("publish"); r.StatusCode != http.StatusConflict {
			t.Errorf("publish a draft: %d", r.StatusCode)
		}
		if r := state("open"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("open: %d", r.StatusCode)
		}
		if r := ed.Get(det); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "结束评议并计算得分") {
			t.Fatalf("open detail: %d", r.StatusCode)
		}
		if r := ed.PostForm(det, url.Values{"title": {"x"}, "version": {"2"}}); r.StatusCode != http.StatusConflict {
			t.Errorf("edit an open campaign: %d", r.StatusCode)
		}
		if r := state("close"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("close: %d", r.StatusCode)
		}
		if r := ed.Get(det); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "保存评议报告") {
			t.Fatalf("closed detail: %d", r.StatusCode)
		}
		if r := state("publish"); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "请先填写并保存评议报告") {
			t.Errorf("publish without the narrative: %d", r.StatusCode)
		}
		var v int
		e.App.DB.R.QueryRow(`SELECT version FROM evaluations WHERE id = (SELECT max(id) FROM evaluations)`).Scan(&v)
		if r := ed.PostForm(det+"/report", url.Values{"summary": {"<script>alert(2)</script>总体"}, "problems": {strings.Repeat("问", 10_001)},
			"measures": {"措施"}, "version": {fmt.Sprint(v)}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-problems-error") {
			t.Errorf("oversized narrative: %d", r.StatusCode)
		}
		if r := ed.PostForm(det+"/report", url.Values{"summary": {"<script>alert(2)</script>总体"}, "problems": {"问题"}, "measures": {"措施"},
			"version": {fmt.Sprint(v)}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("narrative: %d", r.StatusCode)
		}
		if r := ed.PostForm(det+"/actions", url.Values{"title": {""}, "division": {""}, "due_on": {"明天"}, "indicator": {"abc"}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "f-title-error") || !strings.Contains(r.Body, "f-due_on-error") || !strings.Contains(r.Body, "f-division-error") ||
			!strings.Contains(r.Body, "f-indicator-error") {
			t.Errorf("bad action: %d", r.StatusCode)
		}
		if r := ed.PostForm(det+"/actions", url.Values{"title": {"整改一"}, "division": {"办公室"}, "due_on": {"2031-06-30"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("add action: %d", r.StatusCode)
		}
		if r := state("publish"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("publish: %d", r.StatusCode)
		}
		id := strings.TrimPrefix(det, "/console/evaluations/")
		if r := pub.Get("/o/mzzj/evaluations/" + id); r.StatusCode != http.StatusOK || strings.Contains(r.Body, "<script>alert(2)") ||
			!strings.Contains(r.Body, "&lt;script&gt;alert(2)") || !strings.Contains(r.Body, "整改一") {
			t.Errorf("published report: %d", r.StatusCode)
		}
		if r := ed.PostForm(det+"/report", url.Values{"summary": {"改"}, "problems": {"改"}, "measures": {"改"}, "version": {fmt.Sprint(v + 10)}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "评议报告已发布，不能再修改") {
			t.Errorf("narrative after publishing: %d", r.StatusCode)
		}

		// An action of the demo's report: done needs a note.
		var aid, aver int64
		e.App.DB.R.QueryRow(`SELECT id, version FROM evaluation_actions WHERE evaluation_id = $1 AND state = 'open' ORDER BY id LIMIT 1`, lastID).Scan(&aid, &aver)
		act := fmt.Sprintf("/console/evaluations/%d/actions/%d", lastID, aid)
		done := url.Values{"title": {"优化网站站内搜索，支持按文号和发布日期检索"}, "division": {"办公室"}, "due_on": {"2031-01-01"}, "state": {"done"},
			"version": {fmt.Sprint(aver)}}
		if r := ed.PostForm(act, done); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, fmt.Sprintf(`id="a%d-note-error"`, aid)) ||
			!strings.Contains(r.Body, "请填写完成情况说明") {
			t.Errorf("done without a note: %d", r.StatusCode)
		}
		done.Set("note", "站内搜索已支持按文号检索。")
		if r := ed.PostForm(act, done); r.StatusCode != http.StatusSeeOther {
			t.Errorf("done: %d", r.StatusCode)
		}
		if r := ed.PostForm(act, done); r.StatusCode != http.StatusConflict {
			t.Errorf("stale action: %d", r.StatusCode)
		}
		if r := pub.Get(page); !strings.Contains(r.Body, "站内搜索已支持按文号检索") {
			t.Error("the report does not show the action's progress")
		}

		// Another agency's staff see nothing of it.
		e.AddUser("pudong-mzb", "pd.se", auth.Editor)
		pd := e.Client()
		pd.Login("pd.se")
		for _, p := range []string{fmt.Sprintf("/console/evaluations/%d", lastID), fmt.Sprintf("/console/evaluations/%d/invitations.xlsx", openID)} {
			if r := pd.Get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("other agency %s: %d", p, r.StatusCode)
			}
		}
		if r := pd.PostForm(act, done); r.StatusCode != http.StatusNotFound {
			t.Errorf("other agency's action update: %d", r.StatusCode)
		}
		var audits int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM audit_entries WHERE action LIKE 'evaluation.%'`).Scan(&audits)
		if audits < 20 {
			t.Errorf("%d audit entries of social evaluation", audits)
		}
	})
}
