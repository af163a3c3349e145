package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/app/browsertest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
)

// TestBrowserOpenDays: a citizen opens the bureau's open days, the
// upcoming one, signs up and sees the registration code with its QR image;
// a handler types the code at the check-in page and sees the masked name.
// Each page passes the accessibility rules at 1280 and 375 px.
func TestBrowserOpenDays(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	handler := e.AddUser("mzzj", "bo.handler", auth.Handler)
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
	open("/o/mzzj/opendays")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, demoOpenDayUpcomingTitle) || !strings.Contains(got, "往期活动") {
		t.Fatalf("list: %s", got)
	}
	check("/o/mzzj/opendays", "portal-opendays")
	id := openDayID(e, demoOpenDayUpcomingTitle)
	var citizens int64
	e.App.DB.R.QueryRow(`SELECT id FROM openday_groups WHERE event_id = $1 AND name = '市民'`, id).Scan(&citizens)
	open(fmt.Sprintf("/o/mzzj/opendays/%d", id))
	check("the open day's page", "portal-openday")
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-name"), "欧阳红"), chromedp.SetValue(chromedp.ID("f-phone"), "13912349876"),
		chromedp.SetValue(chromedp.ID("f-group"), fmt.Sprint(citizens)))
	time.Sleep(1100 * time.Millisecond) // the form guard's minimum fill time
	browsertest.ClickAndWait(t, ctx, `#signup-form button[type=submit]`)
	got := browsertest.Text(t, ctx, "main")
	m := regexp.MustCompile(`报名码\s*([2-9A-Z]{10})`).FindStringSubmatch(got)
	if !strings.Contains(got, "报名码") || m == nil {
		t.Fatalf("receipt: %s", got)
	}
	check("the sign-up receipt", "portal-openday-receipt")

	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(handler.ID), "/console")
	open(fmt.Sprintf("/console/opendays/%d/checkin", id))
	check("the check-in page", "console-openday-checkin")
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-code"), m[1]))
	browsertest.ClickAndWait(t, ctx, `main form button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "签到成功") || !strings.Contains(got, "欧**（市民）") {
		t.Fatalf("check-in: %s", got)
	}
	check("the check-in result", "console-openday-checked")
	open(fmt.Sprintf("/console/opendays/%d", id))
	check("the console detail", "console-openday")
}

// TestBrowserOpenDayJourney is the open day from both sides: a citizen
// signs up for the upcoming open day and gets a registration code; on the
// day a handler checks them in by the code; after the event the handler
// publishes the summary with a photo (and its alt text) and invites the
// attendees to evaluate; the citizen opens the link from the e-mail,
// answers, and sees the results in the event's summary.
func TestBrowserOpenDayJourney(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	handler := e.AddUser("mzzj", "jo.handler", auth.Handler)
	ctx := browsertest.New(t)
	open := func(path string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	id := openDayID(e, demoOpenDayUpcomingTitle)
	var citizens int64
	e.App.DB.R.QueryRow(`SELECT id FROM openday_groups WHERE event_id = $1 AND name = '市民'`, id).Scan(&citizens)
	page := fmt.Sprintf("/o/mzzj/opendays/%d", id)

	// The citizen signs up.
	open(page)
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-name"), "诸葛明"), chromedp.SetValue(chromedp.ID("f-phone"), "13812340001"),
		chromedp.SetValue(chromedp.ID("f-group"), fmt.Sprint(citizens)), chromedp.SetValue(chromedp.ID("f-email"), "zhuge@example.cn"))
	time.Sleep(1100 * time.Millisecond) // the form guard's minimum fill time
	browsertest.ClickAndWait(t, ctx, `#signup-form button[type=submit]`)
	m := regexp.MustCompile(`报名码\s*([2-9A-Z]{10})`).FindStringSubmatch(browsertest.Text(t, ctx, "main"))
	if m == nil {
		t.Fatalf("receipt: %s", browsertest.Text(t, ctx, "main"))
	}

	// On the day, the handler checks the citizen in by the code.
	var starts time.Time
	e.App.DB.R.QueryRow(`SELECT starts_at FROM opendays WHERE id = $1`, id).Scan(&starts)
	e.Clock.Advance(starts.Sub(e.Clock.Now()) - 30*time.Minute)
	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(handler.ID), "/console")
	open(fmt.Sprintf("/console/opendays/%d/checkin", id))
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-code"), m[1]))
	browsertest.ClickAndWait(t, ctx, `main form button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "签到成功") || !strings.Contains(got, "诸**（市民）") {
		t.Fatalf("check-in: %s", got)
	}

	// After the event: the summary, a photo, the evaluation invitation.
	e.Clock.Advance(4 * time.Hour)
	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(handler.ID), "/console")
	open(fmt.Sprintf("/console/opendays/%d", id))
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-summary"), "本次开放日共有 1 位市民参加，参观了清真食品监管工作展示并参加座谈。"))
	browsertest.ClickAndWait(t, ctx, `form[action$="/summary"] button[type=submit]`)
	photo := filepath.Join(t.TempDir(), "现场.png")
	if err := os.WriteFile(photo, demoPNG(t), 0o600); err != nil {
		t.Fatal(err)
	}
	browsertest.Run(t, ctx, chromedp.SetUploadFiles(chromedp.ID("f-photo"), []string{photo}),
		chromedp.SetValue(chromedp.ID("f-alt"), "市民在三楼会议室听取少数民族特需商品保障情况介绍"))
	browsertest.ClickAndWait(t, ctx, `form[action$="/photos"] button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "市民在三楼会议室听取少数民族特需商品保障情况介绍") {
		t.Fatalf("the photo is not listed: %s", got)
	}
	browsertest.ClickAndWait(t, ctx, `form[action$="/evaluation"] button[type=submit]`)
	browsertest.Axe(t, ctx, "the console detail after the event")

	// The citizen's e-mail carries the personal link.
	var body string
	e.App.DB.R.QueryRow(`SELECT body FROM outbox WHERE recipients LIKE '%zhuge@example.cn%' AND subject LIKE '政府开放日评价%'`).Scan(&body)
	link := regexp.MustCompile(`/surveys/\d+\?t=[0-9a-f]{32}`).FindString(body)
	if link == "" {
		t.Fatalf("no evaluation link in the e-mail: %q", body)
	}
	browsertest.SetCookie(t, ctx, e.URL, "gk_session", "", "/console")
	open(link)
	browsertest.Axe(t, ctx, "the evaluation questionnaire")
	browsertest.Screenshot(t, ctx, "portal-openday-evaluation-375", 375)
	browsertest.Run(t, ctx, chromedp.Click(chromedp.CSS(`input[name=q1][value="5"]`)), chromedp.Click(chromedp.CSS(`input[name=q2][value="1"]`)),
		chromedp.Click(chromedp.CSS(`input[name=q3][value="1"]`)), chromedp.SetValue(chromedp.CSS(`textarea[name=q4]`), "讲解很细致。"))
	time.Sleep(1100 * time.Millisecond)
	browsertest.ClickAndWait(t, ctx, `main form button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "感谢") {
		t.Fatalf("after answering: %s", got)
	}

	// The results in the summary.
	open(page)
	got := browsertest.Text(t, ctx, "main")
	for _, want := range []string{"活动总结", "参观了清真食品监管工作展示", "共收到 1 份评价问卷", "平均 5.00 分", "超出预期 100%"} {
		if !strings.Contains(got, want) {
			t.Errorf("the summary lacks %q: %s", want, got)
		}
	}
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	alt, err := chromedp.Run(c, chromedp.AttributeValue(chromedp.CSS(".photo-grid img"), "alt"))
	cancel()
	if err != nil || alt.Value != "市民在三楼会议室听取少数民族特需商品保障情况介绍" {
		t.Errorf("photo alt %q: %v", alt.Value, err)
	}
	for _, w := range []int64{1280, 375} {
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		chromedp.Do(c, chromedp.EmulateViewport(w, 900))
		cancel()
		browsertest.Axe(t, ctx, fmt.Sprintf("the summary with its evaluation (%d px)", w))
		browsertest.Screenshot(t, ctx, fmt.Sprintf("portal-openday-summary-%d", w), w)
	}
}
