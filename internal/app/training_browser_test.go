package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/app/browsertest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
)

// browserCheck runs axe-core on the current page at 1280 and 375 px and
// keeps a screenshot of each.
func browserCheck(t *testing.T, ctx context.Context, page, shot string) {
	t.Helper()
	for _, w := range []int64{1280, 375} {
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := chromedp.Do(c, chromedp.EmulateViewport(w, 900)); err != nil {
			t.Fatal(err)
		}
		cancel()
		browsertest.Axe(t, ctx, fmt.Sprintf("%s (%d px)", page, w))
		browsertest.Screenshot(t, ctx, fmt.Sprintf("%s-%d", shot, w), w)
	}
}

// TestBrowserTraining: a training manager opens the training overview, the
// compliance report (which names the planted gaps), a session with its
// attendance forms and a person's record; a reviewer opens their own
// record. Each page passes the accessibility rules at 1280 and 375 px.
func TestBrowserTraining(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	editor := e.AddUser("mzzj", "bt.editor", auth.Editor)
	reviewer := e.AddUser("mzzj", "bt.reviewer", auth.Reviewer)
	ctx := browsertest.New(t)
	open := func(path string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(editor.ID), "/console")
	open("/console/training")
	browserCheck(t, ctx, "training overview", "console-training")
	open("/console/training/compliance")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, demoUntrainedName) || !strings.Contains(got, demoUninvitedDistrict) {
		t.Fatalf("compliance: %s", got)
	}
	browserCheck(t, ctx, "training compliance", "console-training-compliance")
	course, session := trainingIDs(e, demoTrainingCourseTitle)
	open(fmt.Sprintf("/console/training/sessions/%d", session))
	browserCheck(t, ctx, "training session", "console-training-session")
	open(fmt.Sprintf("/console/training/courses/%d", course))
	browserCheck(t, ctx, "training course", "console-training-course")
	open(fmt.Sprintf("/console/training/people/%d", userID(e, "mzzj.editor")))
	browserCheck(t, ctx, "training record", "console-training-record")
	// A session form with errors.
	open(fmt.Sprintf("/console/training/courses/%d", course))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`document.getElementById("f-place").value = ""`)); err != nil {
		t.Fatal(err)
	}
	browsertest.ClickAndWait(t, ctx, `form[action$="/sessions"] button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "请填写培训地点") {
		t.Fatalf("session form errors: %s", got)
	}
	browserCheck(t, ctx, "training session form with errors", "console-training-errors")

	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(reviewer.ID), "/console")
	open("/console/training/me")
	browserCheck(t, ctx, "own training record", "console-training-me")
}
