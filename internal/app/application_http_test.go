package app_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/application"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
)

// pngBytes is a minimal valid PNG file.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

// The applicant of these tests: distinctive, so a crawl can look for them.
const (
	applicantName  = "欧阳明月"
	applicantID    = "11010519491231002X"
	applicantPhone = "13912345678"
)

func applyFields() url.Values {
	return url.Values{
		"applicant_type": {"natural"}, "name": {applicantName}, "id_type": {"id_card"}, "id_number": {applicantID},
		"phone": {applicantPhone}, "email": {"ouyang@example.com"}, "address": {"上海市徐汇区演示路1号"},
		"title": {"2025年本市宗教活动场所年检结果"}, "description": {"希望获取年检结果汇总表"},
		"form": {"electronic"}, "delivery": {"email"}, "declaration": {"1"},
	}
}

var tokenRE = regexp.MustCompile(`name="_ft" value="([^"]+)"`)

// postMultipart sends fields and, if name is set, one file.
func postMultipart(c *apptest.Client, path string, fields url.Values, fileField, name string, content []byte) *apptest.Response {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if name != "" {
		fw, _ := mw.CreateFormFile(fileField, name)
		fw.Write(content)
	}
	mw.Close()
	req := c.Request(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}

// apply fills in the public form as a browser would and returns the response.
func apply(t *testing.T, c *apptest.Client, fields url.Values, fileName string, content []byte) *apptest.Response {
	t.Helper()
	r := c.Get("/o/mzzj/apply")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("form: %d", r.StatusCode)
	}
	m := tokenRE.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatal("form has no token")
	}
	f := url.Values{}
	for k, v := range fields {
		f[k] = v
	}
	f.Set("_ft", m[1])
	return postMultipart(c, "/o/mzzj/apply", f, "identity", fileName, content)
}

var receiptRE = regexp.MustCompile(`(?s)申请编号</dt><dd><strong class="code">([0-9-]+)</strong>.*查询码</dt><dd><strong class="code">([0-9A-Z]+)</strong>`)

func receipt(t *testing.T, r *apptest.Response) (number, code string) {
	t.Helper()
	m := receiptRE.FindStringSubmatch(r.Body)
	if r.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("no receipt: %d\n%s", r.StatusCode, r.Body)
	}
	return m[1], m[2]
}

func appCount(t *testing.T, e *apptest.Env) int {
	var n int
	if err := e.App.DB.R.QueryRow("SELECT count(*) FROM applications").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// act posts one workflow step from the console's detail page.
func act(t *testing.T, c *apptest.Client, e *apptest.Env, id int64, fields url.Values) {
	t.Helper()
	var version int
	e.App.DB.R.QueryRow("SELECT version FROM applications WHERE id = $1", id).Scan(&version)
	fields.Set("version", strconv.Itoa(version))
	r := c.PostForm("/console/applications/"+strconv.FormatInt(id, 10)+"/act", fields)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s: status %d\n%s", fields.Get("action"), r.StatusCode, r.Body)
	}
}

// TestApplicationJourneyHTTP is the journey through the portal and
// the console: apply with an ID proof, register, 补正, the applicant's
// upload, a third-party consultation, an extension, a 部分公开 reply, the
// applicant reading it, and table three counting it.
func TestApplicationJourneyHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		citizen := e.Client()
		if r := citizen.Get("/apply"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "/o/mzzj/apply") {
			t.Fatalf("platform entry: %d", r.StatusCode)
		}
		// The entry shows what is already public, and by whom.
		r := citizen.Get("/apply?q=" + url.QueryEscape("宗教"))
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "本平台已公开的相关信息") || !strings.Contains(r.Body, "条相关信息") {
			t.Errorf("look-up: %d", r.StatusCode)
		}
		if r := citizen.Get("/apply?q=x"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "请输入 2 至 50 个字") {
			t.Errorf("one-character look-up: %d", r.StatusCode)
		}
		if r := citizen.Get("/apply?q=" + url.QueryEscape("<script>alert(1)</script>")); strings.Contains(r.Body, "<script>alert") || r.StatusCode >= 500 {
			t.Errorf("hostile look-up: %d", r.StatusCode)
		}
		number, code := receipt(t, apply(t, citizen, applyFields(), "身份证.png", pngBytes))

		// The status page, with the code only.
		r = citizen.PostForm("/apply/status", url.Values{"number": {number}, "code": {"WRONGCODE2"}})
		if r.StatusCode == http.StatusSeeOther || !strings.Contains(r.Body, "申请编号或查询码不正确") {
			t.Fatalf("wrong code: %d", r.StatusCode)
		}
		r = citizen.PostForm("/apply/status", url.Values{"number": {number}, "code": {strings.ToLower(code)}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/apply/status/"+number {
			t.Fatalf("lookup: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		if r = citizen.Get("/apply/status/" + number); !strings.Contains(r.Body, "待登记") {
			t.Fatalf("status page:\n%s", r.Body)
		}
		if o := e.Client().Get("/apply/status/" + number); o.StatusCode != http.StatusSeeOther || strings.Contains(o.Body, applicantName) {
			t.Fatalf("another visitor without the code: %d", o.StatusCode)
		}

		var id int64
		e.App.DB.R.QueryRow("SELECT id FROM applications WHERE number = $1", number).Scan(&id)
		e.AddUser("mzzj", "t.handler", auth.Handler)
		e.AddUser("mzzj", "t.head", auth.Approver)
		handler := e.Client()
		handler.Login("t.handler")
		r = handler.Get("/console/applications?view=received")
		if !strings.Contains(r.Body, number) {
			t.Fatalf("not in the list of applications to register:\n%s", r.Body)
		}
		var div int64
		e.App.DB.R.QueryRow("SELECT id FROM divisions WHERE agency_id = $1 ORDER BY id LIMIT 1", e.Agency("mzzj").ID).Scan(&div)
		if r := handler.Get("/console/applications?view=all&division=" + strconv.FormatInt(div, 10)); r.StatusCode != http.StatusOK || strings.Contains(r.Body, number) {
			t.Errorf("a division's view shows an unassigned application: %d", r.StatusCode)
		}
		if r := handler.Get("/console/applications?division=x'--"); r.StatusCode != http.StatusBadRequest {
			t.Errorf("bad division: %d", r.StatusCode)
		}
		detail := handler.Get("/console/applications/" + strconv.FormatInt(id, 10))
		if strings.Contains(detail.Body, applicantID) || strings.Contains(detail.Body, applicantPhone) {
			t.Error("the detail page shows the ID number or phone before the audited reveal")
		}
		full := handler.PostForm("/console/applications/"+strconv.FormatInt(id, 10)+"/personal", url.Values{})
		if !strings.Contains(full.Body, applicantID) {
			t.Error("the reveal does not show the ID number")
		}
		act(t, handler, e, id, url.Values{"action": {"register"}, "note": {"系统回执确认"}})
		act(t, handler, e, id, url.Values{"action": {"request_correction"}, "items": {"请写明年检结果所属的区"}})

		if r = citizen.Get("/apply/status/" + number); !strings.Contains(r.Body, "补正申请告知书") || !strings.Contains(r.Body, "请写明年检结果所属的区") {
			t.Fatalf("the correction notice is not on the status page:\n%s", r.Body)
		}
		r = postMultipart(citizen, "/apply/status/"+number+"/upload", url.Values{}, "file", "补正说明.pdf", []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "材料已上传") {
			t.Fatalf("upload: %d\n%s", r.StatusCode, r.Body)
		}
		act(t, handler, e, id, url.Values{"action": {"corrected"}})
		act(t, handler, e, id, url.Values{"action": {"consult"}, "consult_kind": {"third_party"}, "party": {"某宗教活动场所管理组织"}})
		act(t, handler, e, id, url.Values{"action": {"consulted"}, "result": {"objects"}, "opinion": {"涉及场所内部管理信息"}})

		head := e.Client()
		head.Login("t.head")
		act(t, head, e, id, url.Values{"action": {"extend"}, "days": {"20"}, "note": {"需要汇总各区数据"}})
		act(t, handler, e, id, url.Values{"action": {"reply"}, "outcome": {"partial"}, "text": {"提供年检结果汇总表（见附件）"},
			"withheld": {"涉及第三方内部管理的部分，依据条例第十五条不予公开"}})

		// Art. 44: the disclosed part becomes a draft proactive item.
		r = handler.PostForm("/console/applications/"+strconv.FormatInt(id, 10)+"/proactive", url.Values{})
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/console/items/") {
			t.Fatalf("to proactive: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		var drafts int
		e.App.DB.R.QueryRow("SELECT count(*) FROM items WHERE title = $1 AND status = 'draft'", "2025年本市宗教活动场所年检结果").Scan(&drafts)
		if drafts != 1 {
			t.Errorf("%d drafts made from the reply", drafts)
		}
		// A reconsideration, decided.
		r = handler.PostForm("/console/applications/"+strconv.FormatInt(id, 10)+"/remedies", url.Values{"remedy_kind": {"reconsideration"},
			"filed_on": {number[:4] + "-01-01"}, "body": {"市人民政府"}, "result": {"pending"}})
		if r.StatusCode == http.StatusSeeOther {
			t.Error("a remedy filed before the application was accepted")
		}
		today := civil.Of(e.App.Applications.Now()).String()
		r = handler.PostForm("/console/applications/"+strconv.FormatInt(id, 10)+"/remedies", url.Values{"remedy_kind": {"reconsideration"},
			"filed_on": {today}, "body": {"市人民政府"}, "result": {"pending"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("remedy: %d\n%s", r.StatusCode, r.Body)
		}

		r = citizen.Get("/apply/status/" + number)
		for _, want := range []string{"已答复", "部分公开", "政府信息公开申请答复书", "60 日内", "延期答复告知书"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("status page lacks %q", want)
			}
		}
		if r = citizen.Get("/apply/status/" + number + "/letter"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "第三十七条") {
			t.Errorf("letter: %d", r.StatusCode)
		}

		year, _ := strconv.Atoi(number[:4])
		tab, err := e.App.Applications.TableThree(context.Background(), e.Agency("mzzj").ID, year)
		if err != nil {
			t.Fatal(err)
		}
		if tab.Get(application.RowPartial, 0) != 1 || tab.Get(application.RowNewReceived, 6) < 1 {
			t.Errorf("table three: partial/natural = %d, new total = %d", tab.Get(application.RowPartial, 0), tab.Get(application.RowNewReceived, 6))
		}
		if p := tab.Check(); len(p) > 0 {
			t.Errorf("identities fail: %v", p)
		}
		if r = handler.Get("/console/applications/stats?year=" + strconv.Itoa(year)); !strings.Contains(r.Body, "勾稽关系校验通过") {
			t.Errorf("stats page:\n%s", r.Body)
		}
	})
}

// TestApplicationBadInput: missing, malformed, oversized and hostile input
// gets a clear message and saves nothing.
func TestApplicationBadInput(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		before := appCount(t, e)
		cases := []struct {
			name    string
			edit    func(url.Values)
			file    string
			content []byte
			want    string
		}{
			{"missing everything", func(f url.Values) {
				for k := range f {
					f.Del(k)
				}
			}, "", nil, "请选择申请人类型"},
			{"no name", func(f url.Values) { f.Del("name") }, "id.png", pngBytes, "请填写姓名"},
			{"wrong ID checksum", func(f url.Values) { f.Set("id_number", "110105194912310021") }, "id.png", pngBytes, "居民身份证号码无效"},
			{"bad phone", func(f url.Values) { f.Set("phone", "12345'; DROP TABLE applications;--") }, "id.png", pngBytes, "联系电话格式不正确"},
			{"no identity proof", nil, "", nil, "请上传身份证明"},
			{"disguised file", nil, "id.png", []byte("<html><script>alert(1)</script></html>"), "文件"},
			{"executable", nil, "id.exe", []byte("MZ\x90\x00"), "文件"},
			{"oversized", nil, "id.png", append(append([]byte{}, pngBytes...), make([]byte, 11<<20)...), "MB"},
			{"too long description", func(f url.Values) { f.Set("description", strings.Repeat("长", 2001)) }, "id.png", pngBytes, "不能超过 2000 个字"},
			{"honeypot", func(f url.Values) { f.Set("website", "http://spam.example") }, "id.png", pngBytes, "表单校验失败"},
			{"no declaration", func(f url.Values) { f.Del("declaration") }, "id.png", pngBytes, "请阅读并勾选声明"},
		}
		for _, tc := range cases {
			f := applyFields()
			if tc.edit != nil {
				tc.edit(f)
			}
			r := apply(t, c, f, tc.file, tc.content)
			if r.StatusCode < 400 || !strings.Contains(r.Body, tc.want) {
				t.Errorf("%s: status %d, want an error mentioning %q", tc.name, r.StatusCode, tc.want)
			}
			if strings.Contains(r.Body, "<script>alert") {
				t.Errorf("%s: the page echoes a script", tc.name)
			}
		}
		if n := appCount(t, e); n != before {
			t.Errorf("%d applications saved by bad submissions", n-before)
		}

		// Hostile but valid text is stored as text and shown escaped; a
		// path in the file name is dropped.
		f := applyFields()
		f.Set("description", `<script>alert("x")</script> ' OR 1=1; --`)
		number, _ := receipt(t, apply(t, c, f, "../../etc/passwd.png", pngBytes))
		var id int64
		e.App.DB.R.QueryRow("SELECT id FROM applications WHERE number = $1", number).Scan(&id)
		var stored string
		e.App.DB.R.QueryRow("SELECT a.file_name FROM application_files f JOIN attachments a ON a.id = f.attachment_id WHERE f.application_id = $1", id).Scan(&stored)
		if strings.Contains(stored, "/") || strings.Contains(stored, "..") {
			t.Errorf("stored file name %q keeps the path", stored)
		}
		e.AddUser("mzzj", "t.handler", auth.Handler)
		staff := e.Client()
		staff.Login("t.handler")
		d := staff.Get("/console/applications/" + strconv.FormatInt(id, 10))
		if strings.Contains(d.Body, `<script>alert("x")`) || !strings.Contains(d.Body, "&lt;script&gt;") {
			t.Errorf("the description is not escaped on the console: %d\n%s", d.StatusCode, d.Body)
		}
	})
}

// TestApplicationLookupLockout: wrong query codes lock the lookup of the
// number (then even the right code is refused for a while), and many wrong
// codes from one address lock that address.
func TestApplicationLookupLockout(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		number, code := receipt(t, apply(t, c, applyFields(), "id.png", pngBytes))
		for i := 0; i < application.LookupsPerNumber.Max; i++ {
			if r := c.PostForm("/apply/status", url.Values{"number": {number}, "code": {"ZZZZZZZZZZ"}}); !strings.Contains(r.Body, "不正确") {
				t.Fatalf("attempt %d: %d", i, r.StatusCode)
			}
		}
		r := c.PostForm("/apply/status", url.Values{"number": {number}, "code": {code}})
		if r.StatusCode != http.StatusTooManyRequests || !strings.Contains(r.Body, "锁定") {
			t.Errorf("right code after %d wrong ones: %d", application.LookupsPerNumber.Max, r.StatusCode)
		}
		// 20 wrong codes for other numbers lock the address.
		for i := 0; i < 20; i++ {
			c.PostForm("/apply/status", url.Values{"number": {"2000-" + strconv.Itoa(100000+i)}, "code": {"ZZZZZZZZZZ"}})
		}
		if r := c.PostForm("/apply/status", url.Values{"number": {"2000-999999"}, "code": {"ZZZZZZZZZZ"}}); r.StatusCode != http.StatusTooManyRequests {
			t.Errorf("after 20 wrong codes from one address: %d", r.StatusCode)
		}
		// Garbage never reaches a 500.
		for _, v := range []url.Values{{}, {"number": {strings.Repeat("9", 5000)}, "code": {"x"}}, {"number": {"../../etc"}, "code": {"'; --"}}} {
			if r := e.Client().PostForm("/apply/status", v); r.StatusCode >= 500 {
				t.Errorf("lookup %v: %d", v, r.StatusCode)
			}
		}
	})
}

// TestApplicantNeverOnPublicPages crawls the portal after an application
// was made and answered: the applicant's name, ID number and phone appear
// on no public page.
func TestApplicantNeverOnPublicPages(t *testing.T) {
	e := apptest.New(t, "sqlite")
	c := e.Client()
	number, _ := receipt(t, apply(t, c, applyFields(), "id.png", pngBytes))
	seen := map[string]bool{}
	queue := []string{"/", "/apply", "/apply/status", "/agencies", "/items", "/sitemap.xml", "/o/mzzj/", "/o/mzzj/apply",
		"/o/mzzj/letters", "/o/mzzj/board", "/o/mzzj/mailbox", "/o/mzzj/concerns/stats",
		"/search?q=" + url.QueryEscape("年检结果"), "/search?q=" + number, "/api/v1/agencies"}
	linkRE := regexp.MustCompile(`(?:href|src)="(/[^"#]*)"|<loc>https?://[^/]+(/[^<]*)</loc>`)
	for len(queue) > 0 && len(seen) < 400 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] || strings.HasPrefix(p, "/console") || strings.HasPrefix(p, "/static") || strings.Contains(p, "/files/") {
			continue
		}
		seen[p] = true
		r := e.Client().Get(p)
		// The applicant of this test, and the demo's letter writers' phones.
		for _, secret := range []string{applicantName, applicantID, applicantPhone, "ouyang@example.com", "13800000011", "13800000012", "13800000013", "13800000014"} {
			if strings.Contains(r.Body, secret) {
				t.Errorf("%s shows %s", p, secret)
			}
		}
		for _, m := range linkRE.FindAllStringSubmatch(r.Body, -1) {
			link := m[1] + m[2]
			if u, err := url.Parse(link); err == nil && !seen[u.RequestURI()] {
				queue = append(queue, u.RequestURI())
			}
		}
	}
	if len(seen) < 30 {
		t.Errorf("crawled only %d pages", len(seen))
	}
}

// solveChallenge answers the form's arithmetic question as a person would.
func solveChallenge(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`<label for="f-_ca">([^<]+)<`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no challenge question on the page")
	}
	q := m[1]
	var nums []int
	digits := map[rune]int{'一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	for _, run := range regexp.MustCompile(`[一二三四五六七八九十]+`).FindAllString(q, -1) {
		rs, n := []rune(run), 0
		switch {
		case len(rs) == 1 && rs[0] == '十':
			n = 10
		case rs[0] == '十':
			n = 10 + digits[rs[1]]
		case len(rs) >= 2 && rs[1] == '十':
			n = digits[rs[0]] * 10
			if len(rs) == 3 {
				n += digits[rs[2]]
			}
		default:
			n = digits[rs[0]]
		}
		nums = append(nums, n)
	}
	if len(nums) != 2 {
		t.Fatalf("cannot read the question %q", q)
	}
	if strings.ContainsAny(q, "减差") || strings.Contains(q, "多几") {
		return strconv.Itoa(nums[0] - nums[1])
	}
	return strconv.Itoa(nums[0] + nums[1])
}

var challengeTokenRE = regexp.MustCompile(`name="_ct" value="([^"]+)"`)

// TestApplicationChallenge: after three applications within the hour from
// one address, the form asks its question, and the answer is checked.
func TestApplicationChallenge(t *testing.T) {
	e := apptest.New(t, "sqlite")
	c := e.Client()
	for i := 0; i < 3; i++ {
		f := applyFields()
		f.Set("title", "第"+strconv.Itoa(i)+"件申请")
		receipt(t, apply(t, c, f, "id.png", pngBytes))
	}
	r := c.Get("/o/mzzj/apply")
	if !strings.Contains(r.Body, "验证问题") {
		t.Fatal("no challenge after three applications")
	}
	post := func(answer string) *apptest.Response {
		page := c.Get("/o/mzzj/apply").Body
		f := applyFields()
		f.Set("_ft", tokenRE.FindStringSubmatch(page)[1])
		f.Set("_ct", challengeTokenRE.FindStringSubmatch(page)[1])
		if answer == "solve" {
			answer = solveChallenge(t, page)
		}
		if answer != "" {
			f.Set("_ca", answer)
		}
		return postMultipart(c, "/o/mzzj/apply", f, "identity", "id.png", pngBytes)
	}
	if r := post(""); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "请回答验证问题") {
		t.Errorf("without an answer: %d", r.StatusCode)
	}
	if r := post("999"); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "不正确") {
		t.Errorf("wrong answer: %d", r.StatusCode)
	}
	receipt(t, post("solve"))
}

// TestApplicationConsoleBadInput: the console's forms (recording, a step,
// a remedy, the settings, the seal) answer missing, malformed, oversized
// and hostile input with a message and save nothing.
func TestApplicationConsoleBadInput(t *testing.T) {
	e := apptest.New(t, "sqlite")
	e.AddUser("mzzj", "bad.handler", auth.Handler)
	e.AddUser("mzzj", "bad.head", auth.Approver)
	c := e.Client()
	c.Login("bad.handler")
	before := appCount(t, e)
	rec := func(edit func(url.Values)) *apptest.Response {
		f := applyFields()
		f.Del("declaration")
		f.Set("channel", "in_person")
		f.Set("received_on", civil.Of(e.App.Applications.Now()).String())
		edit(f)
		return postMultipart(c, "/console/applications", f, "", "", nil)
	}
	for name, tc := range map[string]struct {
		edit func(url.Values)
		want string
	}{
		"no channel":           {func(f url.Values) { f.Del("channel") }, "请选择收到申请的渠道"},
		"online as channel":    {func(f url.Values) { f.Set("channel", "online") }, "请选择收到申请的渠道"},
		"bad date":             {func(f url.Values) { f.Set("received_on", "2026-02-30") }, "日期格式应为"},
		"future date":          {func(f url.Values) { f.Set("received_on", "2999-01-01") }, "不能晚于今天"},
		"registered, unsigned": {func(f url.Values) { f.Set("channel", "registered_mail") }, "请填写签收日期"},
		"SQL in the name":      {func(f url.Values) { f.Set("id_number", "1' OR '1'='1") }, "居民身份证号码无效"},
	} {
		r := rec(tc.edit)
		if r.StatusCode < 400 || !strings.Contains(r.Body, tc.want) {
			t.Errorf("record, %s: %d, want %q", name, r.StatusCode, tc.want)
		}
	}
	if n := appCount(t, e); n != before {
		t.Fatalf("%d applications saved by bad input", n-before)
	}
	r := rec(func(f url.Values) { f.Set("name", `<img src=x onerror=alert(1)>`) })
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "申请已录入") {
		t.Fatalf("record: %d", r.StatusCode)
	}
	var id int64
	e.App.DB.R.QueryRow("SELECT max(id) FROM applications").Scan(&id)
	path := "/console/applications/" + strconv.FormatInt(id, 10)
	if full := c.PostForm(path+"/personal", url.Values{}); strings.Contains(full.Body, "<img src=x") || !strings.Contains(full.Body, "&lt;img src=x") {
		t.Error("a hostile name is not escaped")
	}
	var version int
	e.App.DB.R.QueryRow("SELECT version FROM applications WHERE id = $1", id).Scan(&version)
	v := strconv.Itoa(version)
	for name, f := range map[string]url.Values{
		"unknown action":   {"action": {"explode"}, "version": {v}},
		"empty note":       {"action": {"note"}, "version": {v}},
		"control chars":    {"action": {"note"}, "note": {"a\x00b"}, "version": {v}},
		"huge note":        {"action": {"note"}, "note": {strings.Repeat("长", 10001)}, "version": {v}},
		"bad date":         {"action": {"note"}, "note": {"x"}, "on": {"31/12/2026"}, "version": {v}},
		"future date":      {"action": {"note"}, "note": {"x"}, "on": {"2999-01-01"}, "version": {v}},
		"stale version":    {"action": {"note"}, "note": {"x"}, "version": {"999"}},
		"bad days":         {"action": {"extend"}, "days": {"-3"}, "version": {v}},
		"not yet allowed":  {"action": {"deliver"}, "delivery_method": {"EMS"}, "version": {v}},
		"missing items":    {"action": {"request_correction"}, "version": {v}},
		"reply, no reason": {"action": {"reply"}, "outcome": {"withhold.state_secret"}, "version": {v}},
	} {
		r := c.PostForm(path+"/act", f)
		if r.StatusCode == http.StatusSeeOther || r.StatusCode >= 500 || !strings.Contains(r.Body, "field-error") && !strings.Contains(r.Body, "form-errors") {
			t.Errorf("step, %s: %d", name, r.StatusCode)
		}
	}
	var events int
	e.App.DB.R.QueryRow("SELECT count(*) FROM application_events WHERE application_id = $1 AND action = 'note'", id).Scan(&events)
	if events != 0 {
		t.Errorf("%d notes saved by bad input", events)
	}
	if r := c.PostForm(path+"/remedies", url.Values{"remedy_kind": {"reconsideration"}, "filed_on": {"yesterday"}}); r.StatusCode == http.StatusSeeOther {
		t.Error("a remedy with a bad date was saved")
	}

	head := e.Client()
	head.Login("bad.head")
	for name, f := range map[string]url.Values{
		"broken template": {"correction_days": {"15"}, "retention_years": {"10"}, "tpl_reply": {"{{.Applicant"}},
		"unknown field":   {"correction_days": {"15"}, "retention_years": {"10"}, "tpl_reply": {"{{.Password}}"}},
		"days not number": {"correction_days": {"abc"}, "retention_years": {"10"}},
		"days too many":   {"correction_days": {"999"}, "retention_years": {"10"}},
	} {
		if r := head.PostForm("/console/applications/settings", f); r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("settings, %s: %d", name, r.StatusCode)
		}
	}
	r = postMultipart(head, "/console/applications/settings/seal", url.Values{}, "seal", "../../seal.png", []byte("<svg onload=alert(1)>"))
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("disguised seal: %d", r.StatusCode)
	}
	r = postMultipart(head, "/console/applications/settings/seal", url.Values{}, "seal", "../../seal.png", pngBytes)
	if r.StatusCode != http.StatusSeeOther {
		t.Errorf("seal: %d", r.StatusCode)
	}
	if r := head.Get("/console/applications/settings"); !strings.Contains(r.Body, "data:image/png;base64,") {
		t.Error("the seal is not shown")
	}
}
