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

// TestBrowserConsultation is issue 6's journey in Chromium: staff publish a
// consultation with a ten-article draft (a 10-day period is refused
// without a reason); two citizens comment, one on article 3 and one on the
// whole draft; the period closes; staff answer both at once; the feedback
// report is public and linked from the consultation.
func TestBrowserConsultation(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	editor := e.AddUser("mzzj", "bc.editor", auth.Editor)
	handler := e.AddUser("mzzj", "bc.handler", auth.Handler)
	ctx := browsertest.New(t)
	open := func(path string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	as := func(u *auth.User) { browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(u.ID), "/console") }
	today := e.App.Consultations.Today()
	var draft strings.Builder
	for i, n := range []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"} {
		draft.WriteString("第" + n + "条 第" + strconv.Itoa(i+1) + "条的内容，关于宗教活动场所开放管理的规定。\n")
	}

	as(editor)
	open("/console/consultations/new")
	browsertest.Axe(t, ctx, "/console/consultations/new")
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-title"), "关于《宗教活动场所开放管理办法（草案）》公开征求意见的公告"),
		chromedp.SetValue(chromedp.ID("f-draft"), draft.String()), chromedp.SetValue(chromedp.ID("f-summary"), "欢迎对草案提出意见。"),
		chromedp.SetValue(chromedp.ID("f-opens_on"), today.String()), chromedp.SetValue(chromedp.ID("f-closes_on"), today.AddDays(9).String()))
	browsertest.ClickAndWait(t, ctx, `form[action="/console/consultations"] button[type=submit]`)
	detail := strings.TrimPrefix(browsertest.Location(t, ctx), e.URL)
	detail = detail[:strings.IndexAny(detail+"?", "?")]
	browsertest.ClickAndWait(t, ctx, `form[action$="/publish"] button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "少于 30 日") {
		t.Fatalf("a 10-day period was published without a reason: %s", got)
	}
	browsertest.Axe(t, ctx, "publish refused")
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-closes_on"), today.AddDays(29).String()))
	browsertest.ClickAndWait(t, ctx, `form[action$="/consultations/`+detail[strings.LastIndex(detail, "/")+1:]+`"] button[type=submit]`)
	browsertest.ClickAndWait(t, ctx, `form[action$="/publish"] button[type=submit]`)
	if got := browsertest.Text(t, ctx, ".item-status"); !strings.Contains(got, "征求意见中") {
		t.Fatalf("after publishing: %s", got)
	}
	browsertest.Screenshot(t, ctx, "console-consultation-1280", 1280)
	id := detail[strings.LastIndex(detail, "/")+1:]
	page := "/o/mzzj/consultations/" + id

	// Citizen one: on article 3, from the article's own link.
	open(page)
	browsertest.Axe(t, ctx, "consultation page")
	browsertest.Screenshot(t, ctx, "portal-consultation-375", 375)
	browsertest.ClickAndWait(t, ctx, `#c-3 a[href*="clause=3"]`)
	selected, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-clause")))
	if err != nil || selected != "3" {
		t.Fatalf("the form is not set to article 3: %q", selected)
	}
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-body"), "建议第三条明确节假日开放时间的公告期限。"),
		chromedp.SetValue(chromedp.ID("f-name"), "周明"), chromedp.SetValue(chromedp.ID("f-email"), "zhou@example.com"),
		chromedp.Click(chromedp.CSS(`input[name=consent]`)))
	browsertest.ClickAndWait(t, ctx, `form[action$="/comments#comment-form"] button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "意见已提交") || !strings.Contains(got, "第三条") {
		t.Fatalf("receipt: %s", got)
	}
	browsertest.Axe(t, ctx, "comment receipt")
	// Citizen two: on the whole draft.
	open(page)
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-body"), "总体赞成，建议尽快出台。"))
	browsertest.ClickAndWait(t, ctx, `form[action$="/comments#comment-form"] button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "草案整体") {
		t.Fatalf("receipt: %s", got)
	}

	// The period ends; the job closes it.
	e.Clock.Advance(31 * 24 * time.Hour)
	if n, err := e.App.Consultations.CloseDue(t.Context()); err != nil || n == 0 {
		t.Fatalf("closed %d: %v", n, err)
	}
	// Staff answer both at once.
	as(handler)
	open(detail + "/comments")
	browsertest.Axe(t, ctx, "comments list")
	rows, err := e.App.DB.R.Query(`SELECT id FROM comments WHERE consultation_id = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for rows.Next() {
		var cid int64
		rows.Scan(&cid)
		ids = append(ids, strconv.FormatInt(cid, 10))
	}
	rows.Close()
	if len(ids) != 2 {
		t.Fatalf("%d comments", len(ids))
	}
	for _, cid := range ids {
		browsertest.Run(t, ctx, chromedp.Click(chromedp.ID("c-"+cid)))
	}
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-answer"), "partly"), chromedp.SetValue(chromedp.ID("f-reply"), "已在修改稿中吸收相关内容。"))
	browsertest.ClickAndWait(t, ctx, `button[name=action][value=answer]`)
	if got := browsertest.Text(t, ctx, "main table"); strings.Count(got, "部分采纳") != 2 {
		t.Fatalf("after the bulk answer: %s", got)
	}
	browsertest.Screenshot(t, ctx, "console-comments-1280", 1280)
	open(detail)
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-intro"), "共收到意见 2 条，均部分采纳。"))
	browsertest.ClickAndWait(t, ctx, `form[action$="/feedback"] button[type=submit]`)
	if got := browsertest.Text(t, ctx, ".item-status"); !strings.Contains(got, "已反馈") {
		t.Fatalf("after publishing the feedback: %s", got)
	}
	// The report is public and linked from the consultation.
	open(page)
	browsertest.ClickAndWait(t, ctx, `a[href$="/feedback"]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "意见采纳情况") || !strings.Contains(got, "已在修改稿中吸收相关内容") ||
		strings.Contains(got, "zhou@example.com") || !strings.Contains(got, "第三条") || !strings.Contains(got, "对草案整体的意见") {
		t.Fatalf("feedback report: %s", got)
	}
	browsertest.Axe(t, ctx, "feedback report")
	browsertest.Screenshot(t, ctx, "portal-feedback-375", 375)
	open("/o/mzzj/consultations")
	browsertest.Axe(t, ctx, "consultation list")
}
