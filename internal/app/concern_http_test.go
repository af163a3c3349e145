package app_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
)

// postForm fills in a public form as a browser would (with its token).
func postPublicForm(t *testing.T, c *apptest.Client, formPath, action string, fields url.Values) *apptest.Response {
	t.Helper()
	page := c.Get(formPath)
	m := tokenRE.FindStringSubmatch(page.Body)
	if page.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("%s: %d, no token", formPath, page.StatusCode)
	}
	f := url.Values{}
	for k, v := range fields {
		f[k] = v
	}
	f.Set("_ft", m[1])
	return c.PostForm(action, f)
}

var concernReceiptRE = regexp.MustCompile(`编号</dt><dd><strong class="code">(X\d{4}-\d{6})</strong>`)

// TestConcernsHTTP: a letter to the mailbox with consent, answered after
// review and public with the name masked; a site-error report from an
// item page's footer, pre-filled, overdue after 3 working days.
func TestConcernsHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		var before int
		e.App.DB.R.QueryRow("SELECT count(*) FROM concerns").Scan(&before)
		e.AddUser("mzzj", "c.handler", auth.Handler)
		e.AddUser("mzzj", "c.head", auth.Approver)
		head := e.Client()
		head.Login("c.head")
		if r := head.PostForm("/console/concerns/settings", url.Values{"leaders": {"局长 王某某\n副局长 李某某"}, "days_mailbox": {"15"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("settings: %d %s", r.StatusCode, r.Body)
		}
		citizen := e.Client()
		r := postPublicForm(t, citizen, "/o/mzzj/mailbox", "/o/mzzj/mailbox", url.Values{"leader": {"局长 王某某"}, "category": {"宗教事务"},
			"subject": {"关于宗教活动场所开放时间的建议<script>alert(1)</script>"}, "body": {"建议周末延长开放时间。电话 " + applicantPhone},
			"name": {applicantName}, "phone": {applicantPhone}, "consent": {"1"}})
		m := concernReceiptRE.FindStringSubmatch(r.Body)
		if r.StatusCode != http.StatusOK || m == nil {
			t.Fatalf("mailbox: %d\n%s", r.StatusCode, r.Body)
		}
		number := m[1]
		var id int64
		e.App.DB.R.QueryRow("SELECT id FROM concerns WHERE number = $1", number).Scan(&id)
		path := "/console/concerns/" + strconv.FormatInt(id, 10)
		handler := e.Client()
		handler.Login("c.handler")
		if r := handler.Get("/console/concerns"); strings.Contains(r.Body, "<script>alert") || !strings.Contains(r.Body, "依申请公开（按条例另行办理）：办理中") {
			t.Fatalf("console list: %d", r.StatusCode)
		}
		// The list runs by reply deadline: the new letter, due last, is on
		// the last page of the open mailbox letters.
		for page := 1; ; page++ {
			r := handler.Get("/console/concerns?view=open&channel=mailbox&page=" + strconv.Itoa(page))
			if strings.Contains(r.Body, "<script>alert") {
				t.Fatal("console list shows the subject's markup")
			}
			if strings.Contains(r.Body, number) {
				break
			}
			if page == 30 || !strings.Contains(r.Body, "/console/concerns/") {
				t.Fatalf("console list: %s not found", number)
			}
		}
		step := func(c *apptest.Client, f url.Values) {
			t.Helper()
			var v int
			e.App.DB.R.QueryRow("SELECT version FROM concerns WHERE id = $1", id).Scan(&v)
			f.Set("version", strconv.Itoa(v))
			if r := c.PostForm(path+"/act", f); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("%s: %d\n%s", f.Get("action"), r.StatusCode, r.Body)
			}
		}
		step(handler, url.Values{"action": {"draft"}, "draft": {"感谢您的建议，我局将研究周末延长开放时间。"}})
		step(handler, url.Values{"action": {"submit"}})
		step(head, url.Values{"action": {"approve"}, "publish": {"1"}})
		r = citizen.Get("/o/mzzj/letters/" + number)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "欧阳**") || strings.Contains(r.Body, applicantName) ||
			strings.Contains(r.Body, applicantPhone) || strings.Contains(r.Body, "<script>alert") || !strings.Contains(r.Body, "延长开放时间。") {
			t.Fatalf("public letter: %d\n%s", r.StatusCode, r.Body)
		}
		if r := citizen.Get("/o/mzzj/letters"); !strings.Contains(r.Body, number) {
			t.Error("not in the list of public letters")
		}
		if r := citizen.Get("/o/mzzj/concerns/stats"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "领导信箱") || !strings.Contains(r.Body, "<svg") {
			t.Errorf("statistics: %d", r.StatusCode)
		}
		if r := citizen.Get("/o/mzzj/concerns/stats?year=1999'"); r.StatusCode != http.StatusBadRequest {
			t.Errorf("bad year: %d", r.StatusCode)
		}

		// A site-error report from an item page's footer.
		var item int64
		e.App.DB.R.QueryRow("SELECT id FROM items WHERE status = 'published' ORDER BY id LIMIT 1").Scan(&item)
		page := citizen.Get("/o/mzzj/items/" + strconv.FormatInt(item, 10))
		link := regexp.MustCompile(`href="(/report-error\?url=[^"]+)"`).FindStringSubmatch(page.Body)
		if link == nil {
			t.Fatal("no 我为政府网站找错 link on the item page")
		}
		formPath := strings.ReplaceAll(link[1], "&amp;", "&")
		form := citizen.Get(formPath)
		if !strings.Contains(form.Body, `value="/o/mzzj/items/`+strconv.FormatInt(item, 10)+`"`) {
			t.Fatalf("the report form is not pre-filled:\n%s", form.Body)
		}
		r = postPublicForm(t, citizen, formPath, "/report-error", url.Values{"page_url": {"/o/mzzj/items/" + strconv.FormatInt(item, 10)},
			"subject": {"错别字"}, "body": {"第二段有错别字。"}})
		m = concernReceiptRE.FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("site error: %d\n%s", r.StatusCode, r.Body)
		}
		if r := postPublicForm(t, citizen, formPath, "/report-error", url.Values{"page_url": {"https://evil.example/"}, "subject": {"x"}, "body": {"x"}}); r.StatusCode < 400 {
			t.Errorf("a foreign page was accepted: %d", r.StatusCode)
		}
		e.Clock.Advance(7 * 24 * time.Hour) // at least 3 working days
		handler.Login("c.handler")          // the session has expired meanwhile
		if r := handler.Get("/console/concerns?view=overdue&channel=site_error"); !strings.Contains(r.Body, m[1]) {
			t.Errorf("the unanswered report is not overdue:\n%s", r.Body)
		}

		// Bad input on the public form.
		for name, f := range map[string]url.Values{
			"empty":      {},
			"honeypot":   {"leader": {"局长 王某某"}, "subject": {"x"}, "body": {"x"}, "name": {"张三"}, "phone": {"13800000000"}, "website": {"spam"}},
			"bad leader": {"leader": {"<b>x</b>"}, "subject": {"x"}, "body": {"x"}, "name": {"张三"}, "phone": {"13800000000"}},
			"long":       {"leader": {"局长 王某某"}, "subject": {"x"}, "body": {strings.Repeat("长", 3001)}, "name": {"张三"}, "phone": {"13800000000"}},
		} {
			if r := postPublicForm(t, citizen, "/o/mzzj/mailbox", "/o/mzzj/mailbox", f); r.StatusCode < 400 || r.StatusCode >= 500 {
				t.Errorf("%s: %d", name, r.StatusCode)
			}
		}
		var n int
		e.App.DB.R.QueryRow("SELECT count(*) FROM concerns").Scan(&n)
		if n != before+2 {
			t.Errorf("%d cases, want %d", n, before+2)
		}
		// The writer's status page.
		if r := citizen.PostForm("/concern/status", url.Values{"number": {number}, "code": {"WRONGWRONG"}}); !strings.Contains(r.Body, "不正确") {
			t.Errorf("wrong code: %d", r.StatusCode)
		}
	})
}

// TestHotlineImportHTTP: the console takes a 12345 XLSX and reports bad
// rows by line; the API takes orders as JSON.
func TestHotlineImportHTTP(t *testing.T) {
	e := apptest.New(t, "sqlite")
	u := e.AddUser("mzzj", "h.handler", auth.Handler)
	c := e.Client()
	c.Login("h.handler")
	csv := "工单编号,派单日期,办理时限,诉求标题,诉求内容\nGD-1,2026-11-02,2026-11-09,咨询,清真食品\nGD-2,2026-11-02,2026-10-01,咨询,时限早于派单\n,2026-11-02,2026-11-09,咨询,没有编号\n"
	r := postMultipart(c, "/console/concerns/import", url.Values{}, "file", "工单.csv", []byte(csv))
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "新建 1 件") || !strings.Contains(r.Body, "第 3 行") || !strings.Contains(r.Body, "第 4 行") {
		t.Fatalf("import: %d\n%s", r.StatusCode, r.Body)
	}
	if r := postMultipart(c, "/console/concerns/import", url.Values{}, "file", "工单.exe", []byte("MZ")); r.StatusCode != http.StatusBadRequest {
		t.Errorf("an .exe: %d", r.StatusCode)
	}
	rr, out := apiJSON(t, c, "POST", "/api/v1/staff/concerns/hotline", e.TokenFor(u.ID),
		`{"orders":[{"order_id":"GD-9","title":"咨询","dispatched_on":"2026-11-02","due_on":"2026-11-09"},{"order_id":"bad id!","title":"x","dispatched_on":"2026-11-02","due_on":"2026-11-09"}]}`)
	if rr.StatusCode != http.StatusOK || out["created"].(float64) != 1 || len(out["errors"].([]any)) != 1 {
		t.Fatalf("API import: %d %s", rr.StatusCode, rr.Body)
	}
}

// TestConcernRoutesHTTP: an approver manages the routing rules; a new
// letter follows them.
func TestConcernRoutesHTTP(t *testing.T) {
	e := apptest.New(t, "sqlite")
	e.AddUser("mzzj", "r.head", auth.Approver)
	head := e.Client()
	head.Login("r.head")
	var div int64
	e.App.DB.R.QueryRow("SELECT id FROM divisions WHERE agency_id = $1 AND name = '政策法规处'", e.Agency("mzzj").ID).Scan(&div)
	for name, f := range map[string]url.Values{
		"nothing":       {"division": {strconv.FormatInt(div, 10)}},
		"bad category":  {"category": {"<script>"}, "division": {strconv.FormatInt(div, 10)}},
		"long keyword":  {"keyword": {strings.Repeat("长", 21)}, "division": {strconv.FormatInt(div, 10)}},
		"no division":   {"keyword": {"政务公开"}},
		"other's divn.": {"keyword": {"政务公开"}, "division": {"999999"}},
	} {
		if r := head.PostForm("/console/concerns/settings/routes", f); r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d", name, r.StatusCode)
		}
	}
	if r := head.PostForm("/console/concerns/settings/routes", url.Values{"keyword": {"政务公开"}, "division": {strconv.FormatInt(div, 10)}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d %s", r.StatusCode, r.Body)
	}
	c := e.Client()
	r := postPublicForm(t, c, "/o/mzzj/board", "/o/mzzj/board", url.Values{"category": {"其他"}, "subject": {"政务公开专栏在哪里？"},
		"body": {"找不到政务公开年报。"}, "name": {"张三"}, "phone": {"13700000000"}})
	m := concernReceiptRE.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("board: %d", r.StatusCode)
	}
	var routed int64
	e.App.DB.R.QueryRow("SELECT COALESCE(division_id, 0) FROM concerns WHERE number = $1", m[1]).Scan(&routed)
	if routed != div {
		t.Errorf("routed to %d, want %d", routed, div)
	}
	var id int64
	e.App.DB.R.QueryRow("SELECT id FROM concern_routes WHERE keyword = '政务公开'").Scan(&id)
	if r := head.PostForm("/console/concerns/settings/routes/"+strconv.FormatInt(id, 10)+"/delete", url.Values{}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("delete: %d", r.StatusCode)
	}
}

// TestConcernAttachmentHTTP: a picture sent with a board message reaches
// the console; a disguised file is refused with a message on the form.
func TestConcernAttachmentHTTP(t *testing.T) {
	e := apptest.New(t, "sqlite")
	c := e.Client()
	fields := url.Values{"category": {"其他"}, "subject": {"路牌错误"}, "body": {"见附图。"}, "name": {"张三"}, "phone": {"13700000001"}}
	token := func() string { return tokenRE.FindStringSubmatch(c.Get("/o/mzzj/board").Body)[1] }
	fields.Set("_ft", token())
	r := postMultipart(c, "/o/mzzj/board", fields, "attachment", "evil.png", []byte("<script>alert(1)</script>"))
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-attachment-error") {
		t.Errorf("disguised attachment: %d", r.StatusCode)
	}
	fields.Set("_ft", token())
	r = postMultipart(c, "/o/mzzj/board", fields, "attachment", "照片.png", pngBytes)
	m := concernReceiptRE.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("board with a picture: %d", r.StatusCode)
	}
	e.AddUser("mzzj", "a.handler", auth.Handler)
	staff := e.Client()
	staff.Login("a.handler")
	var id int64
	e.App.DB.R.QueryRow("SELECT id FROM concerns WHERE number = $1", m[1]).Scan(&id)
	page := staff.Get("/console/concerns/" + strconv.FormatInt(id, 10))
	link := regexp.MustCompile(`href="(/console/concerns/\d+/files/\d+)"`).FindStringSubmatch(page.Body)
	if link == nil {
		t.Fatal("no attachment on the console")
	}
	if r := staff.Get(link[1]); r.StatusCode != http.StatusOK || r.Body != string(pngBytes) {
		t.Errorf("download: %d", r.StatusCode)
	}
}
