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

// TestOpenDayEvaluationHTTP: after the demo's past open day, staff invite
// the attendees to evaluate it; each gets a single-use link (and an e-mail
// where they left an address); an answer through the link counts, the
// link does not work twice, and the event's summary links the results.
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
		if r := staff.PostForm(base+"/evaluation", url.Values{}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("invite: %d %s", r.StatusCode, r.Body)
		}
		if r := staff.PostForm(base+"/evaluation", url.Values{}); r.StatusCode == http.StatusSeeOther {
			t.Error("invited twice")
		}
		var surveyID int64
		e.App.DB.R.QueryRow(`SELECT COALESCE(evaluation_survey_id, 0) FROM opendays WHERE id = $1`, eventID).Scan(&surveyID)
		var token string
		var tokens, attendees int
		e.App.DB.R.QueryRow(`SELECT token FROM survey_tokens WHERE survey_id = $1 ORDER BY id LIMIT 1`, surveyID).Scan(&token)
		e.App.DB.R.QueryRow(`SELECT count(*) FROM survey_tokens WHERE survey_id = $1`, surveyID).Scan(&tokens)
		e.App.DB.R.QueryRow(`SELECT count(*) FROM openday_signups WHERE event_id = $1 AND checked_in_at IS NOT NULL`, eventID).Scan(&attendees)
		if surveyID == 0 || token == "" || tokens != attendees || attendees == 0 {
			t.Fatalf("survey %d, %d links for %d attendees", surveyID, tokens, attendees)
		}
		pub := e.Client()
		form := "/surveys/" + strconv.FormatInt(surveyID, 10) + "?t=" + url.QueryEscape(token)
		page := pub.Get(form)
		m := tokenRE.FindStringSubmatch(page.Body)
		if page.StatusCode != http.StatusOK || m == nil {
			t.Fatalf("the questionnaire: %d", page.StatusCode)
		}
		answers := url.Values{"_ft": {m[1]}, "t": {token}, "q1": {"5"}, "q2": {"1"}, "q3": {"1"}, "q4": {"希望增加互动环节。"}}
		if r := pub.PostForm("/surveys/"+strconv.FormatInt(surveyID, 10), answers); r.StatusCode != http.StatusOK && r.StatusCode != http.StatusSeeOther {
			t.Fatalf("answer: %d %s", r.StatusCode, r.Body)
		}
		m = tokenRE.FindStringSubmatch(pub.Get("/surveys/" + strconv.FormatInt(surveyID, 10)).Body)
		if m != nil {
			answers.Set("_ft", m[1])
		}
		if r := pub.PostForm("/surveys/"+strconv.FormatInt(surveyID, 10), answers); r.StatusCode == http.StatusOK && strings.Contains(r.Body, "感谢") {
			t.Error("a link answered twice")
		}
		var responses int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM survey_responses WHERE survey_id = $1`, surveyID).Scan(&responses)
		if responses != 1 {
			t.Errorf("%d responses", responses)
		}
		ev := pub.Get("/o/mzzj/opendays/" + strconv.FormatInt(eventID, 10))
		results := "/surveys/" + strconv.FormatInt(surveyID, 10) + "/results"
		if !strings.Contains(ev.Body, results) {
			t.Error("the summary does not link the evaluation results")
		}
		if r := pub.Get(results); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "总体满意程度") {
			t.Errorf("results: %d", r.StatusCode)
		}
	})
}
