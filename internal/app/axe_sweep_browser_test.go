package app_test

import (
	"encoding/xml"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/app/browsertest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
)

// TestBrowserAxeSweep (issue 12 item 8) runs axe-core's WCAG 2.1 A/AA rules
// in Chromium on one page of every public page type of the demo — every
// address in /sitemap.xml grouped by its shape (numbers and years replaced),
// plus the public forms and pages the sitemap leaves out (search results,
// the application status form, a 404) — and on every page of the console
// menu of an agency administrator and of an editor. Journeys elsewhere
// check the pages behind forms (receipts, errors, challenges).
func TestBrowserAxeSweep(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	c := e.Client()
	r := c.Get("/sitemap.xml")
	var sm struct {
		URLs []struct {
			Loc string `xml:"loc"`
		} `xml:"url"`
	}
	if err := xml.Unmarshal([]byte(r.Body), &sm); err != nil || len(sm.URLs) < 50 {
		t.Fatalf("sitemap: %v, %d addresses", err, len(sm.URLs))
	}
	// A page's type: its address with the agency, the column or topic
	// and every number replaced.
	shape := regexp.MustCompile(`[0-9]+`)
	agency := regexp.MustCompile(`^/o/[^/]+`)
	column := regexp.MustCompile(`/(gk|topics|standards)/[^/]+`)
	types := map[string]string{} // shape → first path
	add := func(p string) {
		key := shape.ReplaceAllString(column.ReplaceAllString(agency.ReplaceAllString(p, "/o/S"), "/$1/C"), "N")
		if _, ok := types[key]; !ok {
			types[key] = p
		}
	}
	for _, u := range sm.URLs {
		pu, err := url.Parse(u.Loc)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(pu.Path, ".xlsx") || strings.HasSuffix(pu.Path, ".pdf") || strings.HasSuffix(pu.Path, ".atom") {
			continue
		}
		add(pu.Path)
	}
	for _, p := range []string{"/search?q=" + url.QueryEscape("宗教活动场所"), "/apply/status", "/o/mzzj/mailbox", "/o/mzzj/board",
		"/o/mzzj/venues?q=" + url.QueryEscape("清真寺"), "/o/mzzj/halal/check?number=" + url.QueryEscape("沪清真2024-0101"),
		"/o/mzzj/no-such-page", "/workdays", "/agencies", "/apply", "/o/mzzj/apply", "/o/mzzj/gk/zcwj", "/o/mzzj/items/1/print"} {
		types[p] = p
	}
	var survey int64
	if err := e.App.DB.R.QueryRow(`SELECT id FROM surveys WHERE state = 'open' ORDER BY id LIMIT 1`).Scan(&survey); err == nil {
		types["survey form"] = "/surveys/" + strconv.FormatInt(survey, 10)
	} else {
		t.Errorf("no open questionnaire in the demo: %v", err)
	}
	paths := make([]string, 0, len(types))
	for _, p := range types {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	ctx := browsertest.New(t)
	visit := func(p string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(e.URL+p)); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		browsertest.Run(t, ctx, chromedp.WaitVisible(chromedp.CSS("main")))
		browsertest.Axe(t, ctx, p)
	}
	for _, p := range paths {
		visit(p)
	}
	t.Logf("axe: %d public page types: %v", len(paths), paths)

	// The console menus of two roles.
	consoles := 0
	for _, role := range []auth.Role{auth.AgencyAdmin, auth.Editor} {
		u := e.AddUser("mzzj", "axe."+string(role), role)
		browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(u.ID), "/console")
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+"/console/"), chromedp.WaitVisible(chromedp.CSS("main h1")))
		links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("nav a[href^='/console/']")].map(a => a.getAttribute("href"))`))
		if err != nil || len(links) < 5 {
			t.Fatalf("console menu of %s: %v %v", role, links, err)
		}
		seen := map[string]bool{}
		for _, l := range links {
			if seen[l] || strings.Contains(l, "logout") {
				continue
			}
			seen[l] = true
			visit(l)
			consoles++
		}
	}
	t.Logf("axe: %d console pages", consoles)
}
