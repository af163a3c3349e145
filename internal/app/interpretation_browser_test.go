package app_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/app/browsertest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/disclosure"
)

// TestBrowserInterpretation: a policy published without its
// interpretation is flagged on the check page; staff make a new item a
// 图解 of it (alt text for its image) and publish it; the policy page shows
// the 已解读 badge and the interpretation, and the flag clears.
func TestBrowserInterpretation(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	editorU := e.AddUser("mzzj", "bi.editor", auth.Editor)
	reviewerU := e.AddUser("mzzj", "bi.reviewer", auth.Reviewer, auth.Approver)
	ctx := t.Context()
	mzzj := e.Agency("mzzj")
	editor := &auth.Principal{UserID: editorU.ID, Username: editorU.Username, AgencyID: mzzj.ID, Roles: editorU.Roles, State: auth.StateActive}
	reviewer := &auth.Principal{UserID: reviewerU.ID, Username: reviewerU.Username, AgencyID: mzzj.ID, Roles: reviewerU.Roles, State: auth.StateActive}
	col, err := e.App.Disclosure.ColumnBySlug(ctx, mzzj.ID, "zcwj")
	if err != nil {
		t.Fatal(err)
	}
	today := civil.Of(e.App.Disclosure.Now()).String()
	create := func(title, genre string) int64 {
		it, err := e.App.Disclosure.Create(ctx, editor, mzzj.ID, disclosure.DraftFields{Title: title, FormedOn: today, Genre: genre,
			FivePublics: []string{"decision"}, Body: "正文。", SourceType: "self", ColumnIDs: []int64{col.ID}})
		if err != nil {
			t.Fatal(err)
		}
		return it.ID
	}
	publish := func(id int64) {
		for _, step := range []func() error{
			func() error { return e.App.Disclosure.Submit(ctx, editor, id) },
			func() error { return e.App.Disclosure.Review(ctx, reviewer, id, "") },
			func() error { return e.App.Disclosure.Approve(ctx, reviewer, id) },
			func() error { return e.App.Disclosure.Publish(ctx, reviewer, id, time.Time{}) },
		} {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
	}
	policy := create("关于宗教活动场所开放管理的办法（浏览器测试）", "办法")
	publish(policy)

	bctx := browsertest.New(t)
	open := func(path string) {
		t.Helper()
		browsertest.Run(t, bctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	browsertest.SetCookie(t, bctx, e.URL, "gk_session", e.SessionFor(editorU.ID), "/console")
	open("/console/interpretations")
	if got := browsertest.Text(t, bctx, "main"); !strings.Contains(got, "关于宗教活动场所开放管理的办法（浏览器测试）") || !strings.Contains(got, "尚未解读") {
		t.Fatalf("the policy is not flagged: %s", got)
	}
	browsertest.Axe(t, bctx, "/console/interpretations")

	graphic := create("图解：宗教活动场所开放管理办法（浏览器测试）", "解读")
	att, err := e.App.Disclosure.AddAttachment(ctx, editor, graphic, "图解.png", bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatal(err)
	}
	open("/console/items/" + strconv.FormatInt(graphic, 10) + "/interpretation")
	browsertest.Axe(t, bctx, "interpretation form")
	browsertest.Run(t, bctx, chromedp.SetValue(chromedp.ID("f-form"), "graphic"), chromedp.SetValue(chromedp.ID("f-policies"), strconv.FormatInt(policy, 10)))
	browsertest.ClickAndWait(t, bctx, `form[action$="/interpretation"] button[type=submit]`)
	if got := browsertest.Text(t, bctx, "main"); !strings.Contains(got, "替代文字") {
		t.Fatalf("an image without alt text was accepted: %s", got)
	}
	browsertest.Run(t, bctx, chromedp.SetValue(chromedp.ID("f-alt_"+strconv.FormatInt(att, 10)), "开放管理的三个要点：登记、公示、预约"))
	browsertest.ClickAndWait(t, bctx, `form[action$="/interpretation"] button[type=submit]`)
	if got := browsertest.Text(t, bctx, "main"); !strings.Contains(got, "图解") {
		t.Fatalf("after saving: %s", got)
	}
	publish(graphic)

	pub := chromedp.Navigate(e.URL + "/o/mzzj/items/" + strconv.FormatInt(policy, 10))
	browsertest.Run(t, bctx, pub, chromedp.WaitVisible(chromedp.CSS("main h1")))
	if got := browsertest.Text(t, bctx, "main"); !strings.Contains(got, "已解读") || !strings.Contains(got, "图解：宗教活动场所开放管理办法") {
		t.Fatalf("policy page: %s", got)
	}
	browsertest.Axe(t, bctx, "policy page with its interpretation")
	browsertest.ClickAndWait(t, bctx, `section.interpretations a`)
	if got := browsertest.Text(t, bctx, "main"); !strings.Contains(got, "的解读") {
		t.Fatalf("interpretation page: %s", got)
	}
	alt, err := chromedp.Run(bctx, chromedp.AttributeValue(chromedp.CSS("figure.frame img"), "alt"))
	if err != nil || alt.Value != "开放管理的三个要点：登记、公示、预约" {
		t.Errorf("image alt %+v %v", alt, err)
	}
	browsertest.Axe(t, bctx, "a 图解")
	browsertest.Screenshot(t, bctx, "portal-graphic-375", 375)
	open("/console/interpretations")
	if got := browsertest.Text(t, bctx, "main"); strings.Contains(got, "关于宗教活动场所开放管理的办法（浏览器测试）") && !strings.Contains(got, "按时解读") {
		t.Fatalf("the flag did not clear: %s", got)
	}
}
