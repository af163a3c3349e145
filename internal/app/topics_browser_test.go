package app_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/app/browsertest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
)

// TestBrowserHotTopics: the 热点发现 dashboard and a topic's page in
// Chromium, with axe, on the phone and desktop widths; a topic is marked
// handled from its page.
func TestBrowserHotTopics(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	handler := e.AddUser("mzzj", "ht.handler", auth.Handler)
	ctx := browsertest.New(t)
	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(handler.ID), "/console")
	open := func(path string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	open("/console/concerns/topics")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "热点话题") || !strings.Contains(got, "上升词语") {
		t.Fatalf("dashboard: %s", got)
	}
	browsertest.Axe(t, ctx, "/console/concerns/topics")
	browsertest.Screenshot(t, ctx, "console-topics-1280", 1280)
	browsertest.Screenshot(t, ctx, "console-topics-375", 375)
	browsertest.ClickAndWait(t, ctx, `main table a[href^="/console/concerns/topics/"]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "每天的来信数") || !strings.Contains(got, "来信和申请") {
		t.Fatalf("topic page: %s", got)
	}
	browsertest.Axe(t, ctx, "a topic")
	browsertest.Screenshot(t, ctx, "console-topic-1280", 1280)
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-note"), "已会同区民宗办开展专项检查。"))
	browsertest.ClickAndWait(t, ctx, `form[action$="/mark"] button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "状态：已处理") {
		t.Fatalf("after marking: %s", got)
	}
	browsertest.Axe(t, ctx, "a handled topic")
}
