package app_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/app/browsertest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
)

// TestBrowserSocialEval: a citizen reads the evaluation list and last
// year's report (chart with its table, year-on-year, actions); staff see
// the campaigns and the due actions, mark an action done (first without
// the note: the error is beside the field), and open the new-campaign form
// with wrong weights. Every page passes axe at 375 and 1280 px.
func TestBrowserSocialEval(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	editor := e.AddUser("mzzj", "bse.editor", auth.Editor)
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
	open("/o/mzzj/evaluations")
	both("portal-evaluations")
	last := demoEvaluation(e, 1)
	browsertest.ClickAndWait(t, ctx, fmt.Sprintf(`main a[href="/o/mzzj/evaluations/%d"]`, last))
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "总得分") || !strings.Contains(got, "本年度比上年") || !strings.Contains(got, "整改落实情况") {
		t.Fatalf("report: %s", got)
	}
	both("portal-evaluation-report")

	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(editor.ID), "/console")
	open("/console/evaluations")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "已逾期") {
		t.Fatalf("console list: %s", got)
	}
	both("console-evaluations")
	open(fmt.Sprintf("/console/evaluations/%d", demoEvaluation(e, 0)))
	both("console-evaluation-open")
	open(fmt.Sprintf("/console/evaluations/%d", last))
	var aid int64
	e.App.DB.R.QueryRow(`SELECT id FROM evaluation_actions WHERE evaluation_id = $1 AND state = 'open' ORDER BY due_on LIMIT 1`, last).Scan(&aid)
	p := fmt.Sprintf("#a%d", aid)
	// The action's form is folded in a <details>: open it.
	browsertest.Run(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`details:has(%s-title) > summary`, p))))
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.CSS(p+"-state"), "done"))
	browsertest.ClickAndWait(t, ctx, fmt.Sprintf(`form[action$="/actions/%d#action-%d"] button[type=submit]`, aid, aid))
	if got := browsertest.Text(t, ctx, p+"-note-error"); !strings.Contains(got, "请填写完成情况说明") {
		t.Fatalf("no error beside the note: %s", got)
	}
	both("console-evaluation-action-error")
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.CSS(p+"-note"), "已完成。"), chromedp.SetValue(chromedp.CSS(p+"-state"), "done"))
	browsertest.ClickAndWait(t, ctx, fmt.Sprintf(`form[action$="/actions/%d#action-%d"] button[type=submit]`, aid, aid))
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "已保存") {
		t.Fatalf("action done: %s", got)
	}
	both("console-evaluation-published")
	open("/console/evaluations/new")
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.CSS("#f-groups"), "人大代表 20 邀请\n社会公众 30 公开"))
	browsertest.ClickAndWait(t, ctx, `main form.card button[type=submit]`)
	if got := browsertest.Text(t, ctx, "#f-groups-error"); !strings.Contains(got, "合计应为 100，现为 50") {
		t.Fatalf("new form: %s", got)
	}
	both("console-evaluation-new-error")
}
