package app_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/app/browsertest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// TestBrowserDecisionPages is the major-decision journey in Chromium: a
// citizen opens the decision catalogue and a published decision (stages,
// the reasons for the ones not needed, the hearing's participants masked);
// an editor opens the console's decision page, is refused a legality review
// shorter than 7 working days with the message next to the field, and
// records it with the lawful period. Each page passes the accessibility
// rules at 1280 and 375 px.
func TestBrowserDecisionPages(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	editor := e.AddUser("mzzj", "bd.editor", auth.Editor)
	ctx := browsertest.New(t)
	open := func(path string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	// check runs axe-core at both widths and keeps screenshots of both.
	check := func(page, shot string) {
		t.Helper()
		browsertest.Axe(t, ctx, page+" (1280 px)")
		browsertest.Screenshot(t, ctx, shot+"-1280", 1280)
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := chromedp.Do(c, chromedp.EmulateViewport(375, 900)); err != nil {
			t.Fatal(err)
		}
		browsertest.Axe(t, ctx, page+" (375 px)")
		browsertest.Screenshot(t, ctx, shot+"-375", 375) // back to 1280 afterwards
	}

	open("/o/mzzj/decisions")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, demoHalal) || !strings.Contains(got, "目录调整情况") {
		t.Fatalf("catalogue: %s", got)
	}
	check("/o/mzzj/decisions", "portal-decisions")
	browsertest.ClickAndWait(t, ctx, `main table a[href^="/o/mzzj/decisions/"]`)
	got := browsertest.Text(t, ctx, "main")
	if !strings.Contains(got, "无需开展的理由") || !strings.Contains(got, "马**") || strings.Contains(got, demoParticipant) || strings.Contains(got, demoDissent) {
		t.Fatalf("decision page: %s", got)
	}
	check("a public decision", "portal-decision")

	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(editor.ID), "/console")
	open("/console/decisions")
	browsertest.Axe(t, ctx, "/console/decisions")
	browsertest.Screenshot(t, ctx, "console-decisions-1280", 1280)
	id := decisionID(t, e, demoVenues)
	path := "/console/decisions/" + strconv.FormatInt(id, 10)
	open(path)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "合法性审查") || !strings.Contains(got, "办理记录") {
		t.Fatalf("console decision: %s", got)
	}
	check("console decision", "console-decision")

	// The legality review: too short, refused next to the field; then the
	// earliest lawful period, computed on the calendar.
	open(path + "/stages/legality")
	var start string
	e.App.DB.R.QueryRow("SELECT started_on FROM decision_stages WHERE decision_id = $1 AND kind = 'legality'", id).Scan(&start)
	from, _ := civil.Parse(start[:10])
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-due_on"), from.AddDays(2).String()))
	browsertest.ClickAndWait(t, ctx, `form[action$="/stages/legality"] button[type=submit]`)
	if got := browsertest.Text(t, ctx, "#f-due_on-error"); !strings.Contains(got, "7 个工作日") {
		t.Fatalf("short review: %s", got)
	}
	browsertest.Axe(t, ctx, "legality form with an error")
	browsertest.Screenshot(t, ctx, "console-decision-stage-error-375", 375)
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-due_on"), ""), chromedp.SetValue(chromedp.ID("f-summary"), "已送政策法规处审查。"))
	browsertest.ClickAndWait(t, ctx, `form[action$="/stages/legality"] button[type=submit]`)
	if got := browsertest.Text(t, ctx, "#stage-legality"); !strings.Contains(got, "7 个工作日") || !strings.Contains(got, "已送政策法规处审查") {
		t.Fatalf("after saving: %s", got)
	}
	open(path + "/hearings/new")
	browsertest.Axe(t, ctx, "new hearing form")
	open("/console/decisions/new")
	browsertest.Axe(t, ctx, "new decision form")
	browsertest.Screenshot(t, ctx, "console-decision-new-375", 375)
}
