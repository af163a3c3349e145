package app_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/app/browsertest"
	"github.com/gongkai/gongkai/internal/application"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/extract"
)

// TestBrowserApplicationJourney is issue 4's journey in Chromium: a citizen
// applies with an ID proof; staff registers it and sends a 补正 notice; the
// citizen uploads material on the status page; staff consults a third
// party (the clock pauses), the head of the work unit extends, and the
// handler replies 部分公开 with a generated letter; the citizen sees the
// reply and the PDF; the history shows every date; table three counts it.
func TestBrowserApplicationJourney(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	handler := e.AddUser("mzzj", "journey.handler", auth.Handler)
	head := e.AddUser("mzzj", "journey.head", auth.Approver)
	ctx := browsertest.New(t)
	as := func(u *auth.User) {
		browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(u.ID), "/console")
	}
	open := func(path string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	click := func(css string) {
		t.Helper()
		browsertest.ClickAndWait(t, ctx, css)
	}
	set := func(id, v string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID(id), v))
	}
	text := func(css string) string { t.Helper(); return browsertest.Text(t, ctx, css) }
	dir := t.TempDir()
	idProof := filepath.Join(dir, "身份证.png")
	os.WriteFile(idProof, pngBytes, 0o600)
	material := filepath.Join(dir, "补正说明.pdf")
	os.WriteFile(material, extract.MakePDF("补正说明", []string{"所需信息为黄浦区2025年度年检结果"}), 0o600)

	// The citizen applies.
	open("/apply?q=" + url.QueryEscape("清真食品"))
	browsertest.Axe(t, ctx, "/apply?q=")
	browsertest.Screenshot(t, ctx, "portal-apply-choose-375", 375)
	open("/o/mzzj/apply")
	browsertest.Axe(t, ctx, "/o/mzzj/apply")
	browsertest.Screenshot(t, ctx, "portal-apply-375", 375)
	for id, v := range map[string]string{"f-applicant_type": "natural", "f-name": applicantName, "f-id_type": "id_card",
		"f-id_number": applicantID, "f-phone": applicantPhone, "f-email": "ouyang@example.com", "f-title": "2025年本市宗教活动场所年检结果",
		"f-description": "希望获取年检结果汇总表", "f-form": "electronic", "f-delivery": "email"} {
		set(id, v)
	}
	browsertest.Run(t, ctx, chromedp.SetUploadFiles(chromedp.ID("f-identity"), []string{idProof}),
		chromedp.Click(chromedp.CSS(`input[name=declaration]`)))
	click(`form[action="/o/mzzj/apply"] button[type=submit]`)
	codes := regexp.MustCompile(`申请编号\s*(\d{4}-\d{6})\s*查询码\s*([0-9A-Z]{10})`).FindStringSubmatch(text("main"))
	if codes == nil {
		t.Fatalf("no receipt: %s", text("main"))
	}
	number, code := codes[1], codes[2]
	browsertest.Axe(t, ctx, "receipt")
	var id int64
	e.App.DB.R.QueryRow("SELECT id FROM applications WHERE number = $1", number).Scan(&id)
	detail := "/console/applications/" + strconv.FormatInt(id, 10)

	// The status page.
	lookup := func() {
		t.Helper()
		open("/apply/status")
		set("f-number", number)
		set("f-code", code)
		click(`form[action="/apply/status"] button`)
	}
	lookup()
	if got := text("main"); !strings.Contains(got, "待登记") || !strings.Contains(got, "申请已提交") {
		t.Fatalf("status page: %s", got)
	}
	browsertest.Axe(t, ctx, "status page")

	// Staff registers it and asks for a correction.
	as(handler)
	open("/console/applications?view=received")
	if !strings.Contains(text("main"), number) {
		t.Fatalf("not waiting for registration: %s", text("main"))
	}
	browsertest.Axe(t, ctx, "/console/applications")
	open(detail)
	browsertest.Axe(t, ctx, "console application")
	browsertest.Screenshot(t, ctx, "console-application-received-1280", 1280)
	if strings.Contains(text("main"), applicantID) {
		t.Fatal("ID number shown before the audited reveal")
	}
	click(`form[action$="/act"] button[type=submit]`) // register (the form shown for a new application)
	if got := text(".item-status"); !strings.Contains(got, "办理中") || !strings.Contains(got, "答复期限") {
		t.Fatalf("after registering: %s", got)
	}
	open(detail + "?do=request_correction")
	set("f-items", "请写明年检结果所属的区")
	click(`form[action$="/act"] button[type=submit]`)
	if got := text(".item-status"); !strings.Contains(got, "待补正") {
		t.Fatalf("after the correction notice: %s", got)
	}

	// The citizen uploads the material.
	lookup()
	if got := text("main"); !strings.Contains(got, "补正申请告知书") || !strings.Contains(got, "请写明年检结果所属的区") {
		t.Fatalf("status page after the notice: %s", got)
	}
	browsertest.Run(t, ctx, chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{material}))
	click(`form[action$="/upload"] button`)
	if got := text("main"); !strings.Contains(got, "材料已上传") || !strings.Contains(got, "补正说明.pdf") {
		t.Fatalf("after the upload: %s", got)
	}

	// Staff: corrected, third-party consultation (the clock pauses).
	as(handler)
	open(detail)
	if !strings.Contains(text("#files"), "补正说明.pdf") {
		t.Fatalf("the material is not on the console: %s", text("#files"))
	}
	open(detail + "?do=corrected")
	click(`form[action$="/act"] button[type=submit]`)
	dueBefore := text(".item-status")
	open(detail + "?do=consult")
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-consult_kind"), "third_party"))
	set("f-party", "某宗教活动场所管理组织")
	click(`form[action$="/act"] button[type=submit]`)
	if got := text(".item-status"); !strings.Contains(got, "征求意见中") || !strings.Contains(got, "暂停") || got == dueBefore {
		t.Fatalf("while consulting: %s (before: %s)", got, dueBefore)
	}
	// The head of the work unit extends; the opinion comes back.
	as(head)
	open(detail + "?do=extend")
	set("f-days", "20")
	set("f-note", "需要汇总各区数据")
	click(`form[action$="/act"] button[type=submit]`)
	as(handler)
	open(detail + "?do=consulted")
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-result"), "objects"))
	set("f-opinion", "涉及场所内部管理信息")
	click(`form[action$="/act"] button[type=submit]`)
	// The reply, 部分公开.
	open(detail + "?do=reply")
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-outcome"), "partial"))
	set("f-text", "提供年检结果汇总表（见附件）")
	set("f-withheld", "涉及第三方内部管理的部分，依据条例第十五条不予公开")
	click(`form[action$="/act"] button[type=submit]`)
	if got := text(".item-status"); !strings.Contains(got, "已答复") || !strings.Contains(got, "部分公开") {
		t.Fatalf("after the reply: %s", got)
	}
	history := text("#history")
	today := civil.Of(e.Clock.Now()).String()
	for _, want := range []string{"提交申请", "登记", "告知补正", "收到补正材料", "征求意见", "延期答复", "收到意见", "答复", "法定日期 " + today} {
		if !strings.Contains(history, want) {
			t.Errorf("history lacks %q:\n%s", want, history)
		}
	}
	browsertest.Screenshot(t, ctx, "console-application-replied-1280", 1280)
	browsertest.Axe(t, ctx, "console application replied")

	// The citizen reads the reply and downloads the PDF.
	lookup()
	got := text("main")
	for _, want := range []string{"已答复", "部分公开", "政府信息公开申请答复书", "延期答复告知书", "征求意见告知", "60 日内"} {
		if !strings.Contains(got, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	browsertest.Screenshot(t, ctx, "portal-application-status-375", 375)
	browsertest.Axe(t, ctx, "status page replied")
	open("/apply/status/" + number + "/letter")
	if got := text("main"); !strings.Contains(got, "第三十七条") || !strings.Contains(got, "不予公开的内容及理由") {
		t.Fatalf("letter: %s", got)
	}
	browsertest.Screenshot(t, ctx, "portal-application-letter-1280", 1280)
	pdfBytes := statusPDF(t, e, number, code)
	pdfText, err := extract.Text(context.Background(), "application/pdf", bytes.NewReader(pdfBytes), int64(len(pdfBytes)))
	if err != nil || !strings.Contains(pdfText, "答复书") || !strings.Contains(pdfText, number) {
		t.Errorf("letter PDF text (%v): %q", err, pdfText)
	}

	// Table three counts it under 部分公开, column 自然人.
	tab, err := e.App.Applications.TableThree(context.Background(), e.Agency("mzzj").ID, civil.Of(e.Clock.Now()).Year)
	if err != nil {
		t.Fatal(err)
	}
	before := tab.Get(application.RowPartial, 0)
	as(handler)
	open("/console/applications/stats")
	browsertest.Axe(t, ctx, "/console/applications/stats")
	browsertest.Screenshot(t, ctx, "console-application-stats-1280", 1280)
	if !strings.Contains(text("main"), "勾稽关系校验通过") {
		t.Errorf("stats: %s", text("main"))
	}
	if before < 1 {
		t.Errorf("table three: 部分公开/自然人 = %d", before)
	}
	var n int
	e.App.DB.R.QueryRow(`SELECT count(*) FROM applications WHERE outcome = 'partial' AND applicant_type = 'natural'
		AND agency_id = $1`, e.Agency("mzzj").ID).Scan(&n)
	if before != n {
		t.Errorf("table three says %d 部分公开 by natural persons, the database %d", before, n)
	}
}

// statusPDF fetches the reply letter's PDF as the applicant would.
func statusPDF(t *testing.T, e *apptest.Env, number, code string) []byte {
	t.Helper()
	c := e.Client()
	r := c.PostForm("/apply/status", url.Values{"number": {number}, "code": {code}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("lookup: %d", r.StatusCode)
	}
	resp, err := c.HTTP.Get(e.URL + "/apply/status/" + number + "/letter.pdf")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("letter.pdf: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return b
}
