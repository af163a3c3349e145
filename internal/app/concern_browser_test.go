package app_test

import (
	"regexp"
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

// TestBrowserConcernPages is issue 5's journey in Chromium: a citizen
// writes to the mailbox consenting to publication; it is routed to a
// division; the handler drafts, the reviewer approves, and the reply is
// public with the name masked. A site-error report filed from an item
// page's footer arrives pre-filled and shows overdue after 3 working days.
// The concern pages of the portal and the console pass the accessibility
// rules.
func TestBrowserConcernPages(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	handler := e.AddUser("mzzj", "b.handler", auth.Handler)
	reviewer := e.AddUser("mzzj", "b.reviewer", auth.Approver)
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
	for _, page := range []string{"/o/mzzj/board", "/o/mzzj/letters", "/report-error?url=/o/mzzj/gk/", "/concern/status", "/o/mzzj/concerns/stats"} {
		open(page)
		browsertest.Axe(t, ctx, page)
	}
	var letter string
	e.App.DB.R.QueryRow("SELECT number FROM concerns WHERE published = TRUE ORDER BY id LIMIT 1").Scan(&letter)
	open("/o/mzzj/letters/" + letter)
	browsertest.Axe(t, ctx, "a public letter")
	browsertest.Screenshot(t, ctx, "portal-letter-375", 375)

	var id int64
	var division string
	e.App.DB.R.QueryRow(`SELECT c.id, d.name FROM concerns c JOIN divisions d ON d.id = c.division_id WHERE c.subject = '咨询宗教活动场所开放时间'`).Scan(&id, &division)
	if division != "宗教工作一处" {
		t.Fatalf("routed to %q", division)
	}
	casePath := "/console/concerns/" + strconv.FormatInt(id, 10)
	as := func(u *auth.User) { browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(u.ID), "/console") }
	as(handler)
	open(casePath + "?do=draft")
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-draft"), "春节期间各场所开放安排将于节前在本网站公布。"))
	browsertest.ClickAndWait(t, ctx, `form[action$="/act"] button[type=submit]`)
	open(casePath + "?do=submit")
	browsertest.ClickAndWait(t, ctx, `form[action$="/act"] button[type=submit]`)
	as(reviewer)
	open(casePath + "?do=approve")
	browsertest.Run(t, ctx, chromedp.Click(chromedp.CSS(`input[name=publish]`)))
	browsertest.ClickAndWait(t, ctx, `form[action$="/act"] button[type=submit]`)
	if got := browsertest.Text(t, ctx, ".item-status"); !strings.Contains(got, "已答复") || !strings.Contains(got, "已公开") {
		t.Fatalf("after approval: %s", got)
	}
	var number string
	e.App.DB.R.QueryRow("SELECT number FROM concerns WHERE id = $1", id).Scan(&number)
	open("/o/mzzj/letters/" + number)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "赵**") || strings.Contains(got, "赵小明") || strings.Contains(got, "13900000001") ||
		!strings.Contains(got, "春节期间各场所开放安排") {
		t.Fatalf("public letter: %s", got)
	}

	// A site-error report from an item page's footer.
	var item int64
	e.App.DB.R.QueryRow("SELECT id FROM items WHERE status = 'published' AND agency_id = $1 ORDER BY id LIMIT 1", e.Agency("mzzj").ID).Scan(&item)
	itemPath := "/o/mzzj/items/" + strconv.FormatInt(item, 10)
	open(itemPath)
	browsertest.ClickAndWait(t, ctx, `a[href^="/report-error"]`)
	prefilled, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-page_url")))
	if err != nil || prefilled != itemPath {
		t.Fatalf("the report form holds %q, want %q", prefilled, itemPath)
	}
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-body"), "附件链接打不开。"))
	browsertest.ClickAndWait(t, ctx, `form[action="/report-error"] button[type=submit]`)
	report := regexp.MustCompile(`X\d{4}-\d{6}`).FindString(browsertest.Text(t, ctx, "main"))
	if report == "" {
		t.Fatalf("no receipt: %s", browsertest.Text(t, ctx, "main"))
	}
	e.Clock.Advance(7 * 24 * time.Hour)
	as(handler)
	open("/console/concerns?view=overdue&channel=site_error")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, report) {
		t.Fatalf("the report is not overdue after 3 working days: %s", got)
	}
	open("/console/concerns")
	browsertest.Axe(t, ctx, "/console/concerns")
	open("/console/concerns/new")
	browsertest.Axe(t, ctx, "/console/concerns/new")
	open("/console/concerns/import")
	browsertest.Axe(t, ctx, "/console/concerns/import")
	open(casePath + "?do=note")
	browsertest.Axe(t, ctx, "console case")
	browsertest.Screenshot(t, ctx, "console-concern-1280", 1280)
}
