package app_test

import (
	"encoding/xml"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/app/browsertest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/extract"
)

// TestBrowserPublishingJourney is issue 3's journey in Chromium: an editor
// drafts an item with a PDF; the reviewer's 保密审查 is blocked by an ID
// number planted in the body; the editor fixes it; reviewer and approver
// pass it; it is on the portal, in search and in the feed; after 撤稿 it
// is gone from all three and still in the console with its history.
func TestBrowserPublishingJourney(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	editor := e.AddUser("mzzj", "journey.editor", auth.Editor)
	reviewer := e.AddUser("mzzj", "journey.reviewer", auth.Reviewer)
	approver := e.AddUser("mzzj", "journey.approver", auth.Approver)
	admin := e.AddUser("mzzj", "journey.admin", auth.AgencyAdmin)
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
	setValue := func(id, v string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID(id), v))
	}
	const title = "关于开展二〇二六年度宗教活动场所冬季消防演练的通知"
	today := civil.Of(e.Clock.Now()).String()

	// The editor drafts the item.
	as(editor)
	open("/console/items/new")
	browsertest.Axe(t, ctx, "/console/items/new")
	browsertest.Screenshot(t, ctx, "console-item-new-375", 375)
	setValue("f-title", title)
	setValue("f-doc_number", "沪民宗发[2026]31号")
	setValue("f-formed_on", today)
	setValue("f-keywords", "消防演练")
	setValue("f-body", "各区民族宗教工作部门：\n\n请组织冬季消防演练。联系人身份证号 310101199001011234。")
	browsertest.Run(t, ctx,
		chromedp.SetValue(chromedp.ID("f-genre"), "通知"),
		chromedp.Click(chromedp.CSS(`input[name=source_type][value=self]`)),
		chromedp.Click(chromedp.CSS(`input[name=five_publics][value=result]`)),
		chromedp.Click(chromedp.CSS(`input[name=column_ids]`)), // the first column that holds items
	)
	click(`form[action="/console/items"] button[type=submit]`)
	loc := browsertest.Location(t, ctx)
	m := regexp.MustCompile(`/console/items/(\d+)`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("after saving the draft: %s\n%s", loc, browsertest.Text(t, ctx, "main"))
	}
	itemPath := "/console/items/" + m[1]
	// A PDF attachment, its text extracted.
	pdf := filepath.Join(t.TempDir(), "演练方案.pdf")
	os.WriteFile(pdf, extract.MakePDF("演练方案", []string{"冬季消防演练方案", "集合地点：场所主殿前广场"}), 0o600)
	browsertest.Run(t, ctx, chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{pdf}))
	click(`form[action$="/attachments"] button[type=submit]`)
	if got := browsertest.Text(t, ctx, "#attachments"); !strings.Contains(got, "演练方案.pdf") || !strings.Contains(got, "已提取文字") {
		t.Fatalf("attachment: %s", got)
	}
	click(`form[action$="/submit"] button`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "待审核") {
		t.Fatalf("after submit: %s", got)
	}

	// The reviewer is blocked by the ID number, and sees it masked.
	as(reviewer)
	open(itemPath)
	click(`form[action$="/review"] button`)
	findings := browsertest.Text(t, ctx, "#h-findings")
	list := browsertest.Text(t, ctx, "main")
	if !strings.Contains(findings, "发现 1 处") || !strings.Contains(list, "身份证号") || strings.Contains(list, "310101199001011234") {
		t.Fatalf("findings: %s\n%s", findings, list)
	}
	browsertest.Screenshot(t, ctx, "console-item-blocked-1280", 1280)
	browsertest.Axe(t, ctx, "item blocked at review")
	open(itemPath)
	setValue("f-return", "正文含有联系人身份证号，请删除后重新提交")
	click(`form[action$="/return"] button`)

	// The editor removes it and submits again.
	as(editor)
	open(itemPath)
	setValue("f-body", "各区民族宗教工作部门：\n\n请组织冬季消防演练，具体安排见附件。")
	click(`form[action="` + itemPath + `"] button[type=submit]`)
	click(`form[action$="/submit"] button`)

	// The reviewer passes it; the approver approves and publishes.
	as(reviewer)
	open(itemPath)
	click(`form[action$="/review"] button`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "已审核") {
		t.Fatalf("after review: %s", got)
	}
	as(approver)
	open(itemPath)
	click(`form[action$="/approve"] button`)
	click(`form[action$="/publish"] button`)
	status := browsertest.Text(t, ctx, ".item-status")
	index := regexp.MustCompile(`索引号 (\S+)`).FindStringSubmatch(status)
	if !strings.Contains(status, "已发布") || index == nil {
		t.Fatalf("after publish: %s", status)
	}

	// On the portal, in search and in the feed.
	publicPath := "/o/mzzj/items/" + m[1]
	open(publicPath)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, title) || !strings.Contains(got, index[1]) ||
		!strings.Contains(got, "沪民宗发〔2026〕31号") || !strings.Contains(got, "演练方案.pdf") {
		t.Fatalf("public page: %s", got)
	}
	browsertest.Screenshot(t, ctx, "portal-item-375", 375)
	browsertest.Screenshot(t, ctx, "portal-item-1280", 1280)
	browsertest.Axe(t, ctx, publicPath)
	open("/search?q=" + "主殿前广场") // words only in the PDF
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, title) {
		t.Fatalf("search: %s", got)
	}
	browsertest.Screenshot(t, ctx, "portal-search-375", 375)
	browsertest.Axe(t, ctx, "/search")
	if feed := fetchFeed(t, e.URL+"/o/mzzj/feed.atom"); !strings.Contains(feed, title) {
		t.Fatal("the feed lacks the item")
	}

	// 撤稿.
	open(itemPath)
	setValue("f-withdraw", "演练时间调整")
	click(`form[action$="/withdraw"] button`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "已撤稿") || !strings.Contains(got, "撤稿原因：演练时间调整") {
		t.Fatalf("after withdraw: %s", got)
	}
	if got := browsertest.Text(t, ctx, ".timeline"); !strings.Contains(got, "撤稿") || !strings.Contains(got, "发布") || !strings.Contains(got, "退回") {
		t.Fatalf("history: %s", got)
	}
	browsertest.Screenshot(t, ctx, "console-item-withdrawn-1280", 1280)
	resp, err := http.Get(e.URL + publicPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("withdrawn item: status %d", resp.StatusCode)
	}
	open("/search?q=" + "主殿前广场")
	if got := browsertest.Text(t, ctx, "main"); strings.Contains(got, title) {
		t.Errorf("withdrawn item still found: %s", got)
	}
	if feed := fetchFeed(t, e.URL+"/o/mzzj/feed.atom"); strings.Contains(feed, title) {
		t.Error("withdrawn item still in the feed")
	}

	// The other disclosure pages pass the accessibility rules too.
	for _, page := range []string{"/o/mzzj/gk/", "/o/mzzj/gk/guide", "/o/mzzj/gk/zcwj", "/o/mzzj/gk/statutory", "/o/mzzj/topics/yqfk",
		"/items?year=2022", "/search?q=%E6%B8%85%E7%9C%9F", "/search?q=%E6%B2%A1%E6%9C%89%E8%BF%99%E4%B8%AA%E8%AF%8D%E8%AF%AD"} {
		open(page)
		browsertest.Axe(t, ctx, page)
		name := strings.NewReplacer("/", "-", "?", "-", "%", "", "=", "-").Replace(strings.Trim(page, "/"))
		browsertest.Screenshot(t, ctx, "portal-"+name+"-375", 375)
	}
	for _, page := range []string{"/console/items", "/console/catalogue", "/console/disclosure/settings", "/console/topical/yqfk"} {
		as(admin)
		open(page)
		browsertest.Axe(t, ctx, page)
		browsertest.Screenshot(t, ctx, "console-"+strings.ReplaceAll(strings.TrimPrefix(page, "/console/"), "/", "-")+"-1280", 1280)
	}
}

// fetchFeed gets an Atom feed and checks that it is well-formed XML.
func fetchFeed(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Entries []struct {
			Title string `xml:"title"`
		} `xml:"entry"`
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("feed: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if err := xml.NewDecoder(resp.Body).Decode(&feed); err != nil {
		t.Fatalf("feed is not Atom XML: %v", err)
	}
	var titles []string
	for _, e := range feed.Entries {
		titles = append(titles, e.Title)
	}
	return strings.Join(titles, "\n")
}
