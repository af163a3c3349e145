package app_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/app/browsertest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
)

// TestBrowserNewMedia: a citizen opens the 新媒体矩阵 with the QR images
// (each loaded, with its alt text); staff open the registry, an account,
// the repost tasks and the overdue one, and the repost form. Each page
// passes the accessibility rules at 1280 and 375 px.
func TestBrowserNewMedia(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	editor := e.AddUser("mzzj", "bn.editor", auth.Editor)
	ctx := browsertest.New(t)
	open := func(path string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	open("/o/mzzj/newmedia")
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll("main img.qr")].filter(i => i.complete && i.naturalWidth > 0 && i.alt.endsWith("二维码")).length`))
	if err != nil || loaded < 9 {
		t.Errorf("%d QR images loaded with alt text (%v)", loaded, err)
	}
	if got := browsertest.Text(t, ctx, "main"); strings.Contains(got, demoNewMediaOperator) || strings.Contains(got, demoNewMediaPhone) {
		t.Error("operator data on the portal")
	}
	browserCheck(t, ctx, "new-media matrix", "portal-newmedia")

	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(editor.ID), "/console")
	open("/console/newmedia")
	browserCheck(t, ctx, "new-media registry", "console-newmedia")
	open(fmt.Sprintf("/console/newmedia/accounts/%d", newMediaAccountID(e, demoNewMediaStaleName, "wechat")))
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "未及时更新") {
		t.Errorf("stale account: %s", got)
	}
	browserCheck(t, ctx, "new-media account", "console-newmedia-account")
	open("/console/newmedia/reposts")
	browserCheck(t, ctx, "repost tasks", "console-newmedia-reposts")
	od, _ := overdueRepost(e)
	open(fmt.Sprintf("/console/newmedia/reposts/%d", od))
	browserCheck(t, ctx, "overdue repost", "console-newmedia-repost")
	open("/console/newmedia/reposts/new")
	browsertest.ClickAndWait(t, ctx, `main form button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "请至少选择一个账号") {
		t.Fatalf("repost form errors: %s", got)
	}
	browserCheck(t, ctx, "repost form with errors", "console-newmedia-repost-errors")
	open("/console/newmedia/accounts/new")
	browserCheck(t, ctx, "new account form", "console-newmedia-new")
}
