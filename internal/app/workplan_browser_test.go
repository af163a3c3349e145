package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/app/browsertest"
	"github.com/gongkai/gongkai/internal/db"
)

// TestBrowserWorkPlan: the office's liaison opens the tracker, the 2022
// plan, its overview and a task of her division, and reports progress with
// an evidence link; the head previews an import. Each page passes the
// accessibility rules at 1280 and 375 px.
func TestBrowserWorkPlan(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
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
	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(workPlanUserID(e, "mzzj.liaison")), "/console")
	open("/console/workplan")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, demoWorkPlanTitle) {
		t.Fatalf("list: %s", got)
	}
	check("the tracker", "console-workplan")
	plan, task := demoWorkPlanTask(e, "做好民族宗教领域疫情防控信息公开")
	open(fmt.Sprintf("/console/workplan/%d", plan))
	check("the 2022 plan", "console-workplan-plan")
	open(fmt.Sprintf("/console/workplan/%d/overview", plan))
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "逾期任务") || !strings.Contains(got, "按部分") {
		t.Fatalf("overview: %s", got)
	}
	check("the overview", "console-workplan-overview")
	open(fmt.Sprintf("/console/workplan/%d/tasks/%d", plan, task))
	check("a task", "console-workplan-task")
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-reported_on"), today), chromedp.SetValue(chromedp.ID("f-progress"), "年终复核：专栏信息全部保留可查。"),
		chromedp.SetValue(chromedp.ID("f-percent"), "100"), chromedp.SetValue(chromedp.ID("f-evidence_kind_1"), "other"),
		chromedp.SetValue(chromedp.ID("f-evidence_url_1"), "/o/mzzj/topics/yqfk"), chromedp.SetValue(chromedp.ID("f-evidence_label_1"), "疫情防控专栏"))
	browsertest.ClickAndWait(t, ctx, `form[action$="/progress"] button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "年终复核") || !strings.Contains(got, "疫情防控专栏") {
		t.Fatalf("after reporting: %s", got)
	}
	open("/console/workplan/hearings")
	check("the hearings", "console-workplan-hearings")

	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(workPlanUserID(e, "mzzj.admin")), "/console")
	open("/console/workplan/import")
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-year"), "2031"), chromedp.SetValue(chromedp.ID("f-text"),
		"2031年工作要点\n一、主动公开\n（一）发布年度报告。1月31日前完成。\n（二）更新目录。13月底前完成。\n"))
	browsertest.ClickAndWait(t, ctx, `button[value=preview]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "2031-01-31") || !strings.Contains(got, "“13月底前”不是有效的月份") {
		t.Fatalf("preview: %s", got)
	}
	check("the import preview", "console-workplan-import")
}
