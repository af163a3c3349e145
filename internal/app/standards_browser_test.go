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

// TestBrowserStandards: the public catalogue (and its print view) and the
// console's coverage page, entry page and entry form pass axe at 375 and
// 1280 px; the form shows its errors by the fields; the coverage page's
// to-do links lead to the entry with the planted late item.
func TestBrowserStandards(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	editor := e.AddUser("mzzj", "bs.editor", auth.Editor)
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

	open("/o/mzzj/standards")
	both("portal-standards")
	browsertest.Run(t, ctx, chromedp.Click(chromedp.CSS(`nav.std-toc a[href="#l1-2"]`)))
	if got := browsertest.Location(t, ctx); !strings.HasSuffix(got, "#l1-2") {
		t.Errorf("the 一级事项 link went to %s", got)
	}
	open("/o/mzzj/standards/print")
	both("portal-standards-print")

	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(editor.ID), "/console")
	open("/console/standards/coverage")
	both("console-standards-coverage")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "2025年第三季度宗教活动场所设立审批结果公示") || !strings.Contains(got, "逾期公开") {
		t.Fatalf("coverage page: %s", got)
	}
	browsertest.ClickAndWait(t, ctx, `main a[href^="/console/standards/"]`)
	both("console-standards-entry")
	open("/console/standards")
	browsertest.Axe(t, ctx, "console list")
	open("/console/standards/lists")
	browsertest.Axe(t, ctx, "console lists")
	open("/console/standards/import")
	browsertest.Axe(t, ctx, "console import")
	open("/console/standards/new")
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-l1"), "  "), chromedp.SetValue(chromedp.ID("f-content"), "<script>alert(1)</script>"))
	browsertest.ClickAndWait(t, ctx, `form[action="/console/standards"] button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "请填写一级事项") || !strings.Contains(got, "请填写调整理由") {
		t.Fatalf("form errors: %s", got)
	}
	both("console-standards-form-errors")
}
