package app_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/app/browsertest"
	"github.com/gongkai/gongkai/internal/db"
)

// TestBrowserPubStats: a citizen opens the statistics of the planted year
// (charts drawn, each with its table), picks another year with the form
// (no script needed), mistypes a year in the address, and opens the
// open-data page. Each page passes the accessibility rules at 1280 and
// 375 px, also in the elderly mode.
func TestBrowserPubStats(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	plantStatistics(t, e)
	ctx := browsertest.New(t)
	open := func(path string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	open("/o/" + psSlug + "/statistics?year=2025")
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll("main svg[role=img]")].filter(s => s.getBoundingClientRect().width > 200 && s.getAttribute("aria-label")).length`))
	if err != nil || charts != 4 {
		t.Errorf("%d charts drawn (%v)", charts, err)
	}
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "本年新收申请") || !strings.Contains(got, "18.5 个工作日") {
		t.Errorf("page text: %.300s", got)
	}
	browserCheck(t, ctx, "statistics 2025", "portal-statistics")

	// The year form works without script: choose 2024 and submit.
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-year"), "2024"))
	browsertest.ClickAndWait(t, ctx, `main form.filters button[type=submit]`)
	if loc := browsertest.Location(t, ctx); !strings.HasSuffix(loc, "/statistics?year=2024") {
		t.Errorf("year form went to %s", loc)
	}
	if got := browsertest.Text(t, ctx, "main h1"); !strings.Contains(got, "2024 年统计数据") {
		t.Errorf("heading %q", got)
	}

	open("/o/" + psSlug + "/statistics?year=1800")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "年度应为 2008 至") {
		t.Errorf("bad year page: %.300s", got)
	}
	browserCheck(t, ctx, "statistics with a bad year", "portal-statistics-error")

	open("/o/" + psSlug + "/open-data")
	browserCheck(t, ctx, "open data", "portal-opendata")

	// Elderly mode: larger text, stronger colours; still accessible.
	browsertest.SetCookie(t, ctx, e.URL, "gk_elderly", "1", "/")
	open("/o/mzzj/statistics")
	browserCheck(t, ctx, "statistics, elderly mode", "portal-statistics-elderly")
}
