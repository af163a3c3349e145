package app_test

import (
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

// The demo's filed Buddhist monk (internal/app/demo_directories.go).
const (
	demoClergyName   = "释明远"
	demoClergyNumber = "FJ31012019001"
)

// TestBrowserDirectoriesJourney is the journey of issue 10 on the demo
// data: a citizen searches the venues for 清真寺 in 黄浦区; the district
// office schedules a closure of one of them from tomorrow for two days in
// the console; the venue's public page shows no notice today, shows it
// (and 暂停开放) on each of the two days, and not after; a citizen
// verifies a clergy certificate, then a number that matches nobody.
func TestBrowserDirectoriesJourney(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	staff := e.AddUser("huangpu-mzb", "bj.dir.editor", auth.Editor)
	var venueID int64
	if err := e.App.DB.R.QueryRow(`SELECT id FROM directory_entries WHERE kind = 'venue' AND name = '小桃园清真寺'`).Scan(&venueID); err != nil {
		t.Fatal(err)
	}
	venue := "/o/mzzj/venues/" + strconv.FormatInt(venueID, 10)
	ctx := browsertest.New(t)
	open := func(path string) string {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		return browsertest.Text(t, ctx, "main")
	}

	// Search: 清真寺 in 黄浦区 finds the district's two mosques only.
	open("/o/mzzj/venues")
	browsertest.Run(t, ctx, chromedp.SendKeys("#f-q", "清真寺"), chromedp.SetValue("#f-district", "黄浦区"))
	browsertest.ClickAndWait(t, ctx, `main form button[type=submit]`)
	got := browsertest.Text(t, ctx, "main")
	for _, want := range []string{"小桃园清真寺", "福佑路清真寺"} {
		if !strings.Contains(got, want) {
			t.Errorf("search misses %s: %s", want, got)
		}
	}
	for _, not := range []string{"沪西清真寺", "浦东清真寺", "松江清真寺", "沉香阁"} {
		if strings.Contains(got, not) {
			t.Errorf("search finds %s outside the filter", not)
		}
	}
	if loc := browsertest.Location(t, ctx); !strings.Contains(loc, "district=") || !strings.Contains(loc, "q=") {
		t.Errorf("the search is not a bookmarkable GET: %s", loc)
	}

	// The district office schedules the closure in the console.
	today := e.App.Directories.Today()
	from, to := today.AddDays(1), today.AddDays(2)
	const reason = "因礼拜大殿消防改造，暂停对外开放。"
	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(staff.ID), "/console")
	open("/console/directories/venues/" + strconv.FormatInt(venueID, 10))
	browsertest.Run(t, ctx, chromedp.SetValue("#f-notice_kind", "closure"), chromedp.SetValue("#f-starts_on", from.String()),
		chromedp.SetValue("#f-ends_on", to.String()), chromedp.SendKeys("#f-text", reason))
	browsertest.ClickAndWait(t, ctx, `form[action$="/notices"] button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, reason) || !strings.Contains(got, "待生效") {
		t.Fatalf("scheduled notice not listed: %s", got)
	}

	// Today the public page has no notice; on each day of the closure it
	// has; the day after it has not.
	for _, step := range []struct {
		advance time.Duration
		closed  bool
	}{{0, false}, {24 * time.Hour, true}, {24 * time.Hour, true}, {24 * time.Hour, false}} {
		e.Clock.Advance(step.advance)
		got := open(venue)
		day := e.App.Directories.Today()
		if shown := strings.Contains(got, reason); shown != step.closed {
			t.Errorf("%s: notice shown %v, want %v", day, shown, step.closed)
		}
		if closed := strings.Contains(got, "暂停开放"); closed != step.closed {
			t.Errorf("%s: 暂停开放 %v, want %v: %s", day, closed, step.closed, got)
		}
		if step.closed {
			browserCheck(t, ctx, "venue with a closure notice", "portal-venue-closed")
		}
	}

	// Clergy verification: a filed certificate, then a number nobody holds.
	verify := func(name, number string) string {
		t.Helper()
		open("/o/mzzj/clergy")
		browsertest.Run(t, ctx, chromedp.SendKeys("#f-name", name), chromedp.SendKeys("#f-number", number))
		browsertest.ClickAndWait(t, ctx, `main form button[type=submit]`)
		return browsertest.Text(t, ctx, "main")
	}
	got = verify(demoClergyName, demoClergyNumber)
	if !strings.Contains(got, "玉佛禅寺") || !strings.Contains(got, "备案") || strings.Contains(got, "2019-03-12") {
		t.Errorf("clergy match: %s", got)
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll("main img")].filter(i => i.complete && i.naturalWidth > 0 && i.alt.includes("照片")).length`))
	if err != nil || loaded != 1 {
		t.Errorf("clergy photo: %d loaded (%v)", loaded, err)
	}
	browserCheck(t, ctx, "clergy match", "portal-clergy-verified")
	if got := verify(demoClergyName, "FJ31012019999"); !strings.Contains(got, "未查询到") || strings.Contains(got, "玉佛禅寺") {
		t.Errorf("clergy no match: %s", got)
	}
}
