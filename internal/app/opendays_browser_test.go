package app_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/app/browsertest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
)

// TestBrowserOpenDays: a citizen opens the bureau's open days, the
// upcoming one, signs up and sees the registration code with its QR image;
// a handler types the code at the check-in page and sees the masked name.
// Each page passes the accessibility rules at 1280 and 375 px.
func TestBrowserOpenDays(t *testing.T) {
	browsertest.Chromium(t)
	e := apptest.New(t, db.SQLite)
	handler := e.AddUser("mzzj", "bo.handler", auth.Handler)
	ctx := browsertest.New(t)
	open := func(path string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	check := func(page, shot string) {
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
	open("/o/mzzj/opendays")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, demoOpenDayUpcomingTitle) || !strings.Contains(got, "往期活动") {
		t.Fatalf("list: %s", got)
	}
	check("/o/mzzj/opendays", "portal-opendays")
	id := openDayID(e, demoOpenDayUpcomingTitle)
	var citizens int64
	e.App.DB.R.QueryRow(`SELECT id FROM openday_groups WHERE event_id = $1 AND name = '市民'`, id).Scan(&citizens)
	open(fmt.Sprintf("/o/mzzj/opendays/%d", id))
	check("the open day's page", "portal-openday")
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-name"), "欧阳红"), chromedp.SetValue(chromedp.ID("f-phone"), "13912349876"),
		chromedp.SetValue(chromedp.ID("f-group"), fmt.Sprint(citizens)))
	time.Sleep(1100 * time.Millisecond) // the form guard's minimum fill time
	browsertest.ClickAndWait(t, ctx, `#signup-form button[type=submit]`)
	got := browsertest.Text(t, ctx, "main")
	m := regexp.MustCompile(`报名码\s*([2-9A-Z]{10})`).FindStringSubmatch(got)
	if !strings.Contains(got, "报名码") || m == nil {
		t.Fatalf("receipt: %s", got)
	}
	check("the sign-up receipt", "portal-openday-receipt")

	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(handler.ID), "/console")
	open(fmt.Sprintf("/console/opendays/%d/checkin", id))
	check("the check-in page", "console-openday-checkin")
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-code"), m[1]))
	browsertest.ClickAndWait(t, ctx, `main form button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "签到成功") || !strings.Contains(got, "欧**（市民）") {
		t.Fatalf("check-in: %s", got)
	}
	check("the check-in result", "console-openday-checked")
	open(fmt.Sprintf("/console/opendays/%d", id))
	check("the console detail", "console-openday")
}
