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
	"github.com/gongkai/gongkai/internal/db"
)

// TestBrowserNormativePages: a citizen opens the bureau's library (only
// documents in force), switches to all statuses, opens a repealed
// document's page (the banner links to the repealing one) and follows it;
// an editor opens the console list with the evaluation reminders and a
// document's page with its history, and is refused a second repeal with
// the message next to the field. Each page passes the accessibility rules
// at 1280 and 375 px.
func TestBrowserNormativePages(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	editor := e.AddUser("mzzj", "bn.editor", auth.Editor)
	ctx := browsertest.New(t)
	open := func(path string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
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
		browsertest.Screenshot(t, ctx, shot+"-375", 375)
	}

	open("/o/mzzj/normative")
	got := browsertest.Text(t, ctx, "main")
	if !strings.Contains(got, demoHalalTitle) || strings.Contains(got, demoRepealedTitle) || !strings.Contains(got, "按年度统计") {
		t.Fatalf("library: %s", got)
	}
	check("/o/mzzj/normative", "portal-normative")
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-status"), "all"))
	browsertest.ClickAndWait(t, ctx, `form.filters button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, demoRepealedTitle) || !strings.Contains(got, "已废止") {
		t.Fatalf("all statuses: %s", got)
	}
	old := normItem(t, e, demoRepealedTitle)
	open(itemPath("mzzj", old))
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "本文件已于2024年3月1日被以下文件废止") || !strings.Contains(got, demoRepealerTitle) {
		t.Fatalf("repealed page: %s", got)
	}
	check("a repealed document's page", "portal-normative-repealed")
	browsertest.ClickAndWait(t, ctx, `main p.banner a[href^="/o/mzzj/items/"]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "本文件废止了") || !strings.Contains(got, demoRepealedTitle) {
		t.Fatalf("repealing page: %s", got)
	}
	check("the repealing document's page", "portal-normative-repealer")

	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(editor.ID), "/console")
	open("/console/normative")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "即将到期，需评估") || !strings.Contains(got, demoEvaluateTitle) {
		t.Fatalf("console list: %s", got)
	}
	check("/console/normative", "console-normative")
	open("/console/normative/documents/" + strconv.FormatInt(old, 10))
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-to"), "repealed"),
		chromedp.SetValue(chromedp.ID("f-related"), strconv.FormatInt(normItem(t, e, demoRepealerTitle), 10)),
		chromedp.SetValue(chromedp.ID("f-reason"), "再次废止"))
	// app.js asks for confirmation; accept it.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`window.confirm = () => true`)); err != nil {
		t.Fatal(err)
	}
	browsertest.ClickAndWait(t, ctx, `form[action$="/status"] button[type=submit]`)
	if got := browsertest.Text(t, ctx, "#f-to-error"); !strings.Contains(got, "不能再废止") {
		t.Fatalf("second repeal: %s", got)
	}
	check("a refused repeal", "console-normative-detail-error")
	open("/console/normative/new")
	browsertest.Axe(t, ctx, "pick an item")
	browsertest.ClickAndWait(t, ctx, `form[action="/console/normative/new"] button[type=submit]`)
	browsertest.Axe(t, ctx, "registration form")
	browsertest.Screenshot(t, ctx, "console-normative-form-1280", 1280)
	open("/console/normative/cleanups")
	browsertest.Axe(t, ctx, "cleanups")
	browsertest.ClickAndWait(t, ctx, `main table a[href^="/console/normative/cleanups/"]`)
	browsertest.Axe(t, ctx, "a cleanup")
	open("/console/normative/settings")
	browsertest.Axe(t, ctx, "settings")
}
