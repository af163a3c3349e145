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

// TestBrowserLoginWith2FAAndPortal logs in to the console with the second
// factor in real Chromium, and loads the portal home page.
func TestBrowserLoginWith2FAAndPortal(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	e.AddUser("mzzj", "browser.admin", auth.AgencyAdmin)
	secret := e.EnrolTOTP("browser.admin")
	ctx := browsertest.New(t)

	// The portal home page.
	browsertest.Run(t, ctx, chromedp.Navigate(e.URL+"/"), chromedp.WaitVisible(chromedp.CSS(".brand-agency")))
	if got := browsertest.Text(t, ctx, ".brand-agency"); got != "上海市民族和宗教事务局" {
		t.Fatalf("brand: %q", got)
	}
	if got := browsertest.Text(t, ctx, ".site-footer"); !strings.Contains(got, "网站标识码") || !strings.Contains(got, "我为政府网站找错") {
		t.Fatalf("footer: %q", got)
	}
	browsertest.Screenshot(t, ctx, "portal-home-1280", 1280)
	browsertest.Screenshot(t, ctx, "portal-home-375", 375)
	browsertest.Axe(t, ctx, "/")

	// The elderly mode switch is a plain form: it works and persists.
	browsertest.Run(t, ctx, chromedp.Click(chromedp.CSS(".elderly-switch button")), chromedp.WaitVisible(chromedp.CSS("html.elderly")))
	browsertest.Screenshot(t, ctx, "portal-home-elderly-375", 375)
	browsertest.Run(t, ctx, chromedp.Navigate(e.URL+"/o/mzzj/about"), chromedp.WaitVisible(chromedp.CSS("html.elderly")))
	browsertest.Screenshot(t, ctx, "portal-about-elderly-1280", 1280)
	browsertest.Axe(t, ctx, "/o/mzzj/about (elderly mode)")
	browsertest.Run(t, ctx, chromedp.Click(chromedp.CSS(".elderly-switch button")), chromedp.WaitVisible(chromedp.CSS("html:not(.elderly)")))

	// Log in with password, then the TOTP code.
	browsertest.Run(t, ctx,
		chromedp.Navigate(e.URL+"/console/"),
		chromedp.WaitVisible(chromedp.ID("f-username")),
	)
	if loc := browsertest.Location(t, ctx); !strings.Contains(loc, "/console/login") {
		t.Fatalf("console without login went to %s", loc)
	}
	browsertest.Screenshot(t, ctx, "console-login-375", 375)
	browsertest.Axe(t, ctx, "/console/login")
	browsertest.Run(t, ctx,
		chromedp.SendKeys(chromedp.ID("f-username"), "browser.admin"),
		chromedp.SendKeys(chromedp.ID("f-password"), apptest.Password),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("f-code")),
	)
	code, _ := auth.TOTPCode(secret, e.Clock.Now())
	browsertest.Run(t, ctx,
		chromedp.SendKeys(chromedp.ID("f-code"), code),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".console-nav")),
	)
	if got := browsertest.Text(t, ctx, "main h1"); got != "工作台" {
		t.Fatalf("after login: %q at %s", got, browsertest.Location(t, ctx))
	}
	if got := browsertest.Text(t, ctx, ".console-user"); !strings.Contains(got, "测试browser.admin") {
		t.Fatalf("user bar: %q", got)
	}
	browsertest.Axe(t, ctx, "/console/")
	browsertest.Screenshot(t, ctx, "console-dashboard-1280", 1280)
	browsertest.Screenshot(t, ctx, "console-dashboard-375", 375)
	for _, page := range []string{"/console/staff", "/console/agency", "/console/calendar?year=2027"} {
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+page), chromedp.WaitVisible(chromedp.CSS("main h1")))
		browsertest.Screenshot(t, ctx, "console"+strings.ReplaceAll(strings.ReplaceAll(page, "/console", ""), "?", "-")+"-1280", 1280)
		browsertest.Axe(t, ctx, page)
	}
	browsertest.Run(t, ctx, chromedp.Navigate(e.URL+"/workdays?mode=add&from=2025-01-23&days=20"), chromedp.WaitVisible(chromedp.CSS("#h-result")))
	browsertest.Screenshot(t, ctx, "portal-workdays-375", 375)
	browsertest.Axe(t, ctx, "/workdays")
	browsertest.Run(t, ctx, chromedp.Navigate(e.URL+"/no-such-page"), chromedp.WaitVisible(chromedp.CSS(".error-page")))
	browsertest.Screenshot(t, ctx, "portal-404-375", 375)
	browsertest.Axe(t, ctx, "404 page")
}
