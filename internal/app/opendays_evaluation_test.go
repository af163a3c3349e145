package app_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
)

// TestOpenDayEvaluationHTTP: the demo's held open day has its evaluation:
// one single-use link per attendee (three of four answered in the demo).
// A second invitation is refused; the remaining link answers once and not
// twice; a forged link is refused; the event's summary shows the results
// in brief (including the new answer) and links the full results.
func TestOpenDayEvaluationHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		var eventID int64
		e.App.DB.R.QueryRow(`SELECT id FROM opendays WHERE state = 'done' ORDER BY id LIMIT 1`).Scan(&eventID)
		if eventID == 0 {
			t.Fatal("the demo has no past open day")
		}
		e.AddUser("mzzj", "ev.editor", auth.Editor)
		staff := e.Client()
		staff.Login("ev.editor")
		base := "/console/opendays/" + strconv.FormatInt(eventID, 10)
		if r := staff.PostForm(base+"/evaluation", url.Values{}); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "已经邀请过") {
			t.Errorf("invited twice: %d", r.StatusCode)
		}
		var surveyID int64
		e.App.DB.R.QueryRow(`SELECT COALESCE(evaluation_survey_id, 0) FROM opendays WHERE id = $1`, eventID).Scan(&surveyID)
		var token string
		var tokens, attendees, before int
		e.App.DB.R.QueryRow(`SELECT token FROM survey_tokens WHERE survey_id = $1 AND used_at IS NULL ORDER BY id LIMIT 1`, surveyID).Scan(&token)
		e.App.DB.R.QueryRow(`SELECT count(*) FROM survey_tokens WHERE survey_id = $1`, surveyID).Scan(&tokens)
		e.App.DB.R.QueryRow(`SELECT count(*) FROM openday_signups WHERE event_id = $1 AND checked_in_at IS NOT NULL`, eventID).Scan(&attendees)
		e.App.DB.R.QueryRow(`SELECT count(*) FROM survey_responses WHERE survey_id = $1`, surveyID).Scan(&before)
		if surveyID == 0 || token == "" || tokens != attendees || attendees == 0 || before == 0 {
			t.Fatalf("survey %d, %d links for %d attendees, %d answers", surveyID, tokens, attendees, before)
		}
		pub := e.Client()
		sid := strconv.FormatInt(surveyID, 10)
		forged := pub.Get("/surveys/" + sid + "?t=" + strings.Repeat("ab", 16))
		if forged.StatusCode == http.StatusOK && strings.Contains(forged.Body, `name="q1"`) {
			t.Error("a forged link shows the form")
		}
		page := pub.Get("/surveys/" + sid + "?t=" + url.QueryEscape(token))
		m := tokenRE.FindStringSubmatch(page.Body)
		if page.StatusCode != http.StatusOK || m == nil {
			t.Fatalf("the questionnaire: %d", page.StatusCode)
		}
		// Skipping a required question is refused beside it.
		answers := url.Values{"_ft": {m[1]}, "t": {token}, "q1": {"5"}, "q3": {"1"}, "q4": {"希望增加互动环节。"}}
		if r := pub.PostForm("/surveys/"+sid, answers); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "请回答本题") {
			t.Errorf("a required question skipped: %d", r.StatusCode)
		}
		if m := tokenRE.FindStringSubmatch(pub.Get("/surveys/" + sid + "?t=" + url.QueryEscape(token)).Body); m != nil {
			answers.Set("_ft", m[1])
		}
		answers.Set("q2", "1")
		if r := pub.PostForm("/surveys/"+sid, answers); r.StatusCode != http.StatusOK && r.StatusCode != http.StatusSeeOther {
			t.Fatalf("answer: %d %s", r.StatusCode, r.Body)
		}
		m = tokenRE.FindStringSubmatch(pub.Get("/surveys/" + sid).Body)
		if m != nil {
			answers.Set("_ft", m[1])
		}
		if r := pub.PostForm("/surveys/"+sid, answers); r.StatusCode == http.StatusOK && strings.Contains(r.Body, "感谢") {
			t.Error("a link answered twice")
		}
		var responses int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM survey_responses WHERE survey_id = $1`, surveyID).Scan(&responses)
		if responses != before+1 {
			t.Errorf("%d responses, %d before", responses, before)
		}
		ev := pub.Get("/o/mzzj/opendays/" + strconv.FormatInt(eventID, 10))
		results := "/surveys/" + sid + "/results"
		if !strings.Contains(ev.Body, results) || !strings.Contains(ev.Body, "共收到 "+strconv.Itoa(responses)+" 份评价问卷") ||
			!strings.Contains(ev.Body, "您对本次活动的总体满意程度") || !strings.Contains(ev.Body, "满分 5 分") {
			t.Errorf("the summary does not show the evaluation: %s", excerpt(ev.Body, "h-eval"))
		}
		if strings.Contains(ev.Body, "希望增加互动环节") {
			t.Error("the summary shows a text answer")
		}
		if r := pub.Get(results); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "总体满意程度") {
			t.Errorf("results: %d", r.StatusCode)
		}
	})
}
