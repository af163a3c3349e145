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

// TestBrowserConcernPages: a citizen writes to the mailbox in Chromium; the
// concern pages of the portal and the console pass the accessibility rules.
func TestBrowserConcernPages(t *testing.T) {
	browsertest.Chromium(t)
	e := apptest.New(t, db.SQLite)
	handler := e.AddUser("mzzj", "b.handler", auth.Handler)
	ctx := browsertest.New(t)
	open := func(path string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	open("/o/mzzj/mailbox")
	browsertest.Axe(t, ctx, "/o/mzzj/mailbox")
	browsertest.Screenshot(t, ctx, "portal-mailbox-375", 375)
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-leader"), "局长 赵某某（演示）"), chromedp.SetValue(chromedp.ID("f-category"), "宗教事务"),
		chromedp.SetValue(chromedp.ID("f-subject"), "咨询宗教活动场所开放时间"), chromedp.SetValue(chromedp.ID("f-body"), "请问春节期间是否开放？"),
		chromedp.SetValue(chromedp.ID("f-name"), "赵小明"), chromedp.SetValue(chromedp.ID("f-phone"), "13900000001"),
		chromedp.Click(chromedp.CSS(`input[name=consent]`)))
	browsertest.ClickAndWait(t, ctx, `form[action="/o/mzzj/mailbox"] button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "编号") || !strings.Contains(got, "查询码") {
		t.Fatalf("receipt: %s", got)
	}
	browsertest.Axe(t, ctx, "mailbox receipt")
	for _, page := range []string{"/o/mzzj/board", "/o/mzzj/letters", "/report-error?url=/o/mzzj/gk/", "/concern/status"} {
		open(page)
		browsertest.Axe(t, ctx, page)
	}
	var letter string
	e.App.DB.R.QueryRow("SELECT number FROM concerns WHERE published = TRUE ORDER BY id LIMIT 1").Scan(&letter)
	open("/o/mzzj/letters/" + letter)
	browsertest.Axe(t, ctx, "a public letter")
	browsertest.Screenshot(t, ctx, "portal-letter-375", 375)

	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(handler.ID), "/console")
	open("/console/concerns")
	browsertest.Axe(t, ctx, "/console/concerns")
	var id int64
	e.App.DB.R.QueryRow("SELECT id FROM concerns WHERE subject = '咨询宗教活动场所开放时间'").Scan(&id)
	open("/console/concerns/" + strconv.FormatInt(id, 10) + "?do=draft")
	browsertest.Axe(t, ctx, "console case")
	browsertest.Screenshot(t, ctx, "console-concern-1280", 1280)
}
