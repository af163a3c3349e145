package app_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/app/browsertest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
)

// TestBrowserSurveys: a citizen answers the demo questionnaire, first
// without the conditional required question (the error is by the
// question), then correctly (thanks); the public results, the console's
// results and edit pages; all pass axe at 375 and 1280 px.
func TestBrowserSurveys(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	editor := e.AddUser("mzzj", "bsv.editor", auth.Editor)
	ctx := browsertest.New(t)
	open := func(path string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	both := func(name string) {
		t.Helper()
		for _, w := range []int64{375, 1280} {
			browsertest.Run(t, ctx, chromedp.EmulateViewport(w, 900))
			browsertest.Axe(t, ctx, name+" at "+strconv.FormatInt(w, 10)+" px")
			browsertest.Screenshot(t, ctx, name+"-"+strconv.FormatInt(w, 10), w)
		}
	}
	page := demoSurvey(t, e)
	open(page)
	both("portal-survey")
	// 是 for question 1 makes question 2 required; it is left out.
	browsertest.Run(t, ctx, chromedp.Click(chromedp.CSS(`input[name=q1][value="1"]`)), chromedp.Click(chromedp.CSS(`input[name=q3][value="2"]`)))
	browsertest.ClickAndWait(t, ctx, `form.survey-form button[type=submit]`)
	if got := browsertest.Text(t, ctx, "#f-q2"); !strings.Contains(got, "请回答本题") {
		t.Fatalf("no error by question 2: %s", got)
	}
	both("portal-survey-error")
	browsertest.Run(t, ctx, chromedp.Click(chromedp.CSS(`input[name=q2][value="4"]`)),
		chromedp.Click(chromedp.CSS(`input[name=q4_1][value="1"]`)),
		chromedp.SetValue(chromedp.ID("f-q5-text"), "希望网站增加长者模式的入口说明。"))
	browsertest.ClickAndWait(t, ctx, `form.survey-form button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "答卷已提交") {
		t.Fatalf("thanks: %s", got)
	}
	both("portal-survey-thanks")
	browsertest.ClickAndWait(t, ctx, `main a[href$="/results"]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "共收到答卷 7 份") {
		t.Fatalf("public results: %s", got)
	}
	both("portal-survey-results")

	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(editor.ID), "/console")
	id := page[strings.LastIndex(page, "/")+1:]
	open("/console/surveys/" + id + "/results")
	both("console-survey-results")
	open("/console/surveys/" + id)
	both("console-survey")
	open("/console/surveys/new")
	browsertest.ClickAndWait(t, ctx, `main form.card button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "请填写问卷标题") {
		t.Fatalf("new form errors: %s", got)
	}
	both("console-survey-new-error")
	open("/console/surveys")
	browsertest.Axe(t, ctx, "console list")
}
