package app_test

import (
	"context"
	"fmt"
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

// TestBrowserDocuments: an approver opens the ledger, sees the overdue
// document, opens it and the report; the administrator opens the liaison
// roster with its gap and the edit form. Each page passes the
// accessibility rules at 1280 and 375 px.
func TestBrowserDocuments(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	approver := e.AddUser("mzzj", "bd.approver", auth.Approver)
	admin := e.AddUser("mzzj", "bd.admin", auth.AgencyAdmin)
	ctx := browsertest.New(t)
	open := func(path string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	check := func(page, shot string) {
		t.Helper()
		for _, w := range []int64{1280, 375} {
			c, cancel := context.WithTimeout(ctx, 10*time.Second)
			if err := chromedp.Do(c, chromedp.EmulateViewport(w, 900)); err != nil {
				t.Fatal(err)
			}
			cancel()
			browsertest.Axe(t, ctx, fmt.Sprintf("%s (%d px)", page, w))
			browsertest.Screenshot(t, ctx, fmt.Sprintf("%s-%d", shot, w), w)
		}
	}
	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(approver.ID), "/console")
	open("/console/documents")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, demoDocOverdue) || !strings.Contains(got, "逾期未发布") {
		t.Fatalf("ledger: %s", got)
	}
	check("the ledger", "console-documents")
	open("/console/documents/" + strconv.FormatInt(documentID(e, demoDocOverdue), 10))
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "已逾期") || !strings.Contains(got, "信息编号") {
		t.Fatalf("overdue document: %s", got)
	}
	check("an overdue document", "console-document-overdue")
	open("/console/documents/" + strconv.FormatInt(documentID(e, demoDocPending), 10))
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "审核公开属性") {
		t.Fatalf("pending document: %s", got)
	}
	check("a document waiting for approval", "console-document-pending")
	open("/console/documents/report")
	check("the report", "console-documents-report")
	open("/console/documents/import")
	check("the import page", "console-documents-import")

	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(admin.ID), "/console")
	open("/console/liaisons")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "宗教工作三处") || !strings.Contains(got, "未指定联络员") {
		t.Fatalf("roster: %s", got)
	}
	check("the liaison roster", "console-liaisons")
	open("/console/liaisons/" + strconv.FormatInt(divisionID(t, e, "mzzj", "宗教工作三处"), 10) + "/edit")
	check("the liaison form", "console-liaison-form")
	open("/console/documents/new")
	check("the registration form", "console-document-new")
}
