package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
)

func TestPortalPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		for _, tc := range []struct {
			path string
			want []string
		}{
			{"/", []string{"置顶信息", "2026年上海市民族和宗教事务局政务公开工作要点", "上海市民族和宗教事务局", "政务公开", "网站标识码", "3100000085", "沪ICP备00000000号-1", "我为政府网站找错", "长者模式", "上海市民族宗教事务研究中心"}},
			{"/o/mzzj/about", []string{"机构职能", "内设机构", "政策法规处", "021-63210000", "上海市民族和宗教事务局办公室"}},
			{"/o/pudong-mzb/", []string{"浦东新区民族和宗教事务办公室", "accent-blue", "上级单位"}},
			{"/agencies", []string{"区级部门", "事业单位", "黄浦区民族和宗教事务办公室"}},
			{"/search?q=%E5%AE%97%E6%95%99", []string{"找到", "<mark>宗教</mark>活动场所"}},
			{"/search?q=%E6%B8%85%E7%9C%9F", []string{"找到", "上海市<mark>清真</mark>食品管理实施办法"}},
			{"/search?q=%E6%94%BF%E5%8A%A1%E5%85%AC%E5%BC%80", []string{"找到", "<mark>政务公开</mark>工作要点"}},
			{"/o/mzzj/gk/", []string{"政府信息公开目录", "法定主动公开内容", "政策文件", "最新公开"}},
			{"/o/mzzj/gk/guide", []string{"政府信息的分类", "编排体系", "获取方式", "上海市民族和宗教事务局办公室", "021-63210001"}},
			{"/o/mzzj/gk/zcwj", []string{"上海市清真食品管理实施办法", "沪民宗规〔2022〕1号"}},
			{"/o/mzzj/topics/yqfk", []string{"宗教活动场所疫情防控", "持续更新中", "暂停集体宗教活动"}},
			{"/items?year=2025", []string{"全平台政府信息", "浦东新区"}},
			{"/workdays?mode=add&from=2025-01-23&days=20", []string{"2025年2月26日", "调休上班（春节）", "第 20 个工作日"}},
			{"/workdays?mode=between&from=2025-09-26&to=2025-10-30", []string{"20 个工作日"}},
		} {
			r := c.Get(tc.path)
			if r.StatusCode != http.StatusOK {
				t.Errorf("%s: status %d", tc.path, r.StatusCode)
				continue
			}
			for _, w := range tc.want {
				if !strings.Contains(r.Body, w) {
					t.Errorf("%s: page lacks %q", tc.path, w)
				}
			}
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	e := apptest.New(t, db.SQLite)
	c := e.Client()
	for _, path := range []string{"/", "/console/login", "/api/v1/agencies", "/no-such-page"} {
		r := c.Get(path)
		h := r.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin", "X-Frame-Options": "DENY"} {
			if h.Get(k) != v {
				t.Errorf("%s: %s = %q", path, k, h.Get(k))
			}
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain HTTP", path)
		}
		if strings.Contains(r.Body, "<script>") {
			t.Errorf("%s: inline script", path)
		}
	}
	if cc := c.Get("/console/login").Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("console cache-control %q", cc)
	}
}

func TestLoginWithSecondFactorOverHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.AddUser("mzzj", "http.admin", auth.AgencyAdmin)
		c := e.Client()
		// An administrator without TOTP is sent to set it up first.
		r := c.PostForm("/console/login", url.Values{"username": {"http.admin"}, "password": {apptest.Password}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/console/2fa/setup" {
			t.Fatalf("login: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		first := c.Cookie("gk_session")
		if r := c.Get("/console/staff"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/console/2fa/setup" {
			t.Fatalf("half-logged-in admin reached staff page: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		setup := c.Get("/console/2fa/setup")
		if setup.StatusCode != http.StatusOK || !strings.Contains(setup.Body, "设置双因素认证") {
			t.Fatalf("setup page: %d", setup.StatusCode)
		}
		if qr := c.Get("/console/2fa/qr.png"); qr.StatusCode != http.StatusOK || qr.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("qr: %d %s", qr.StatusCode, qr.Header.Get("Content-Type"))
		}
		secret := between(setup.Body, "<code>", "</code>")
		secret = strings.ReplaceAll(secret, " ", "")
		if r := c.PostForm("/console/2fa/setup", url.Values{"code": {"000000"}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "动态验证码不正确") {
			t.Fatalf("wrong code: %d", r.StatusCode)
		}
		code, _ := auth.TOTPCode(secret, e.Clock.Now())
		r = c.PostForm("/console/2fa/setup", url.Values{"code": {code}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("confirm: %d %s", r.StatusCode, r.Body)
		}
		if c.Cookie("gk_session") == first {
			t.Fatal("session ID not renewed after login")
		}
		dash := c.Get("/console/")
		if dash.StatusCode != http.StatusOK || !strings.Contains(dash.Body, "工作台") || !strings.Contains(dash.Body, "双因素认证已启用") && !strings.Contains(dash.Body, "测试http.admin") {
			t.Fatalf("dashboard: %d", dash.StatusCode)
		}
		// Log out; the next login asks for the code.
		c.PostForm("/console/logout", nil)
		if r := c.Get("/console/"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("after logout: %d", r.StatusCode)
		}
		e.Secrets["http.admin"] = secret
		c.Login("http.admin")
		if r := c.Get("/console/staff"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "工作人员管理") {
			t.Fatalf("staff page after 2FA login: %d", r.StatusCode)
		}
	})
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	j := strings.Index(s, b)
	if j < 0 {
		return ""
	}
	return s[:j]
}

// TestBadInput sends what careless and hostile clients send and expects the
// right status with a Chinese message, never a 500.
func TestBadInput(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.AddUser("mzzj", "bad.admin", auth.AgencyAdmin)
		anon := e.Client()
		staff := e.Client()
		staff.HTTP.Jar.SetCookies(mustURL(e.URL+"/console/"), []*http.Cookie{{Name: "gk_session", Value: e.SessionFor(admin.ID), Path: "/console"}})
		settings := fmt.Sprintf("/console/agencies/%d/settings", admin.AgencyID)

		type tc struct {
			name   string
			client *apptest.Client
			req    func(c *apptest.Client) *http.Request
			status int
			want   string
		}
		form := func(path, body string) func(c *apptest.Client) *http.Request {
			return func(c *apptest.Client) *http.Request {
				r := c.Request(http.MethodPost, path, strings.NewReader(body))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				return r
			}
		}
		get := func(path string) func(c *apptest.Client) *http.Request {
			return func(c *apptest.Client) *http.Request { return c.Request(http.MethodGet, path, nil) }
		}
		cases := []tc{
			{"unknown route", anon, get("/no/such/page"), 404, "页面不存在"},
			{"unknown agency", anon, get("/o/nobody/"), 404, "没有这个单位"},
			{"path traversal in static", anon, get("/static/..%2f..%2fetc%2fpasswd"), 404, "页面不存在"},
			{"path traversal in agency", anon, get("/o/..%2f..%2fconsole/about"), 404, "页面不存在"},
			{"wrong method", anon, func(c *apptest.Client) *http.Request { return c.Request(http.MethodDelete, "/console/login", nil) }, 405, "不支持的请求方式"},
			{"invalid UTF-8 in query", anon, get("/search?q=%ff%fe"), 400, "无效字符"},
			{"invalid UTF-8 in form", anon, form("/console/login", "username=%ff%fe&password=x"), 400, "无效字符"},
			{"malformed form encoding", anon, form("/console/login", "username=%zz&password"), 400, "无法识别"},
			{"missing fields", anon, form("/console/login", ""), 400, "请输入用户名和密码"},
			{"oversized body", anon, form("/console/login", "username="+strings.Repeat("a", 2<<20)), 413, "超过"},
			{"wrong content type", anon, func(c *apptest.Client) *http.Request {
				r := c.Request(http.MethodPost, "/console/login", strings.NewReader(`{"username":"x"}`))
				r.Header.Set("Content-Type", "application/json")
				return r
			}, 415, "不支持的提交格式"},
			{"cross-origin post", anon, func(c *apptest.Client) *http.Request {
				r := c.Request(http.MethodPost, "/console/login", strings.NewReader("username=a&password=b"))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.Header.Set("Origin", "https://evil.example")
				r.Header.Set("Sec-Fetch-Site", "cross-site")
				return r
			}, 403, "跨站"},
			{"cross-origin post to the console", staff, func(c *apptest.Client) *http.Request {
				r := c.Request(http.MethodPost, settings, strings.NewReader("address=x"))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.Header.Set("Origin", "https://evil.example")
				r.Header.Set("Sec-Fetch-Site", "cross-site")
				return r
			}, 403, "跨站"},
			{"open redirect in next", anon, form("/console/login", "username=bad.admin&password=wrong&next=https://evil.example/"), 401, "用户名或密码错误"},
			{"XSS in a single-line setting", staff, form(settings, "address=%3Cscript%3Ealert(1)%3C%2Fscript%3E&accent="), 422, "不能包含 &lt; &gt;"},
			{"malformed e-mail", staff, form(settings, "email=not-an-email&accent="), 422, "电子邮箱格式不正确"},
			{"malformed postcode", staff, form(settings, "postcode=12ab&accent="), 422, "邮政编码须为 6 位数字"},
			{"oversized intro", staff, form(settings, "intro="+strings.Repeat("%E5%AD%97", 5001)+"&accent="), 422, "不能超过 5000 字"},
			{"unknown accent", staff, form(settings, "accent=evil%22%3E"), 422, "请选择列表中的主题色"},
			{"SQL metacharacters in search", anon, get("/search?q=%27%20OR%201%3D1%20--"), 200, "没有找到"},
			{"SQL metacharacters in staff filter", staff, get("/console/staff?q=%25%27%20OR%20%271%27%3D%271&role=editor'"), 200, "没有符合条件的账号"},
			{"SQL metacharacters in a division name", staff, form(fmt.Sprintf("/console/agencies/%d/divisions", admin.AgencyID), "name=x%27%29%3B+DROP+TABLE+divisions%3B--&sort_order=abc"), 422, "排序须为 0–9999 的整数"},
			{"non-numeric id", staff, get("/console/staff/abc"), 404, "页面不存在"},
			{"other agency's settings", staff, get(fmt.Sprintf("/console/agencies/%d/settings", e.Agency("pudong-mzb").ID)), 404, "页面不存在"},
			{"API unknown route", anon, get("/api/v1/nothing"), 404, `"status":404`},
			{"API bad token", anon, func(c *apptest.Client) *http.Request {
				r := c.Request(http.MethodGet, "/api/v1/me", nil)
				r.Header.Set("Authorization", "Bearer gk_00000000_"+strings.Repeat("0", 64))
				return r
			}, 401, "API 令牌无效"},
			{"API bad date", anon, get("/api/v1/workdays/add?from=2025-02-30&days=20"), 400, "之间的有效日期"},
			{"API far-future date", anon, get("/api/v1/workdays/add?from=9999-12-31&days=365"), 400, "之间的有效日期"},
			{"agency admin changes a year in use", staff, form("/console/calendar/2026", "arrangement=2026-03-02,%E4%BC%91,x&source=x"), 403, "只能由平台管理员修改"},
			{"API days out of range", anon, get("/api/v1/workdays/add?from=2025-01-23&days=-5"), 400, "工作日数应为"},
			{"calendar import garbage", staff, form("/console/calendar/2030", "arrangement=hello+world%0A2030-13-45,%E4%BC%91,x&source=x"), 422, "第"},
		}
		for _, tc := range cases {
			r := tc.client.Do(tc.req(tc.client))
			if r.StatusCode != tc.status {
				t.Errorf("%s: status %d, want %d\n%.300s", tc.name, r.StatusCode, tc.status, r.Body)
				continue
			}
			if !strings.Contains(r.Body, tc.want) {
				t.Errorf("%s: body lacks %q\n%.500s", tc.name, tc.want, r.Body)
			}
			if strings.Contains(r.Body, "goroutine") || strings.Contains(r.Body, ".go:") {
				t.Errorf("%s: stack trace in response", tc.name)
			}
			if strings.Contains(r.Body, "<script>alert") {
				t.Errorf("%s: unescaped script in response", tc.name)
			}
		}
		// Nothing of the rejected settings was saved.
		a := e.Agency("mzzj")
		if strings.Contains(a.Address, "script") || a.Email == "not-an-email" || a.Postcode == "12ab" {
			t.Errorf("rejected settings were saved: %+v", a.Settings)
		}
		var n int
		e.App.DB.R.QueryRow("SELECT COUNT(*) FROM divisions WHERE name LIKE '%DROP%'").Scan(&n)
		if n != 0 {
			t.Errorf("rejected division saved")
		}
	})
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestSixWrongPasswordsLockTheAccount(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.AddUser("mzzj", "lock.me", auth.Editor)
		c := e.Client()
		for i := 1; i <= 6; i++ {
			r := c.PostForm("/console/login", url.Values{"username": {"lock.me"}, "password": {"Wrong-Guess-" + fmt.Sprint(i)}})
			want, msg := http.StatusUnauthorized, "用户名或密码错误"
			if i == 5 {
				want, msg = http.StatusForbidden, "账号已锁定 15 分钟"
			}
			if i == 6 {
				want, msg = http.StatusForbidden, "账号已锁定，请 15 分钟后再试"
			}
			if r.StatusCode != want || !strings.Contains(r.Body, msg) {
				t.Fatalf("attempt %d: %d, want %d with %q\n%.400s", i, r.StatusCode, want, msg, r.Body)
			}
			if !strings.Contains(r.Body, `value="lock.me"`) {
				t.Fatalf("attempt %d: user name not kept in the form", i)
			}
		}
		// The right password does not open a locked account …
		r := c.PostForm("/console/login", url.Values{"username": {"lock.me"}, "password": {apptest.Password}})
		if r.StatusCode != http.StatusForbidden {
			t.Fatalf("locked account opened: %d", r.StatusCode)
		}
		// … until 15 minutes have passed.
		e.Clock.Advance(15*time.Minute + time.Second)
		c.Login("lock.me")
	})
}

func TestExpiredSession(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.AddUser("mzzj", "idle.user", auth.Editor)
		c := e.Client()
		c.Login("idle.user")
		if r := c.Get("/console/"); r.StatusCode != http.StatusOK {
			t.Fatalf("dashboard: %d", r.StatusCode)
		}
		e.Clock.Advance(16 * time.Minute)
		r := c.Get("/console/password")
		if r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "expired=1") {
			t.Fatalf("idle session: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		login := c.Get(r.Header.Get("Location"))
		if !strings.Contains(login.Body, "登录已过期") {
			t.Fatal("login page does not say the session expired")
		}
		// A form posted with an expired session is refused with the reason.
		c.Login("idle.user")
		e.Clock.Advance(16 * time.Minute)
		p := c.PostForm("/console/password", url.Values{"current": {apptest.Password}, "password": {"Another-Lake-2027"}, "confirm": {"Another-Lake-2027"}})
		if p.StatusCode != http.StatusUnauthorized || !strings.Contains(p.Body, "登录已过期") {
			t.Fatalf("post with expired session: %d\n%.300s", p.StatusCode, p.Body)
		}
	})
}

func TestAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		var list struct {
			Agencies []struct {
				Slug string `json:"slug"`
				Name string `json:"name"`
			} `json:"agencies"`
		}
		r := c.Get("/api/v1/agencies")
		if r.StatusCode != 200 || json.Unmarshal([]byte(r.Body), &list) != nil || len(list.Agencies) != 5 {
			t.Fatalf("agencies: %d %s", r.StatusCode, r.Body)
		}
		r = c.Get("/api/v1/workdays/add?from=2025-01-23&days=20")
		if !strings.Contains(r.Body, `"due":"2025-02-26"`) {
			t.Fatalf("workdays: %s", r.Body)
		}
		r = c.Get("/api/v1/workdays/between?from=2025-09-26&to=2025-10-30")
		if !strings.Contains(r.Body, `"working_days":20`) {
			t.Fatalf("between: %s", r.Body)
		}
		r = c.Get("/api/v1/calendar/2026")
		if !strings.Contains(r.Body, `"date":"2026-02-14","kind":"makeup"`) {
			t.Fatalf("calendar: %s", r.Body)
		}
		// Staff endpoints need a token; errors are problem documents.
		r = c.Get("/api/v1/me")
		if r.StatusCode != 401 || r.Header.Get("Content-Type") != "application/problem+json; charset=utf-8" || r.Header.Get("WWW-Authenticate") == "" {
			t.Fatalf("me without token: %d %s", r.StatusCode, r.Header)
		}
		var p struct {
			Status int    `json:"status"`
			Title  string `json:"title"`
			Detail string `json:"detail"`
		}
		if json.Unmarshal([]byte(r.Body), &p) != nil || p.Status != 401 || p.Title != "需要登录" {
			t.Fatalf("problem: %s", r.Body)
		}
		editor := e.AddUser("mzzj", "api.editor", auth.Editor)
		req := c.Request(http.MethodGet, "/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+e.TokenFor(editor.ID))
		r = c.Do(req)
		if r.StatusCode != 200 || !strings.Contains(r.Body, `"username":"api.editor"`) {
			t.Fatalf("me: %d %s", r.StatusCode, r.Body)
		}
		req = c.Request(http.MethodGet, "/api/v1/audit", nil)
		req.Header.Set("Authorization", "Bearer "+e.TokenFor(editor.ID))
		if r := c.Do(req); r.StatusCode != 403 {
			t.Fatalf("editor read the audit log: %d", r.StatusCode)
		}
		auditor := e.AddUser("mzzj", "api.auditor", auth.Auditor)
		req = c.Request(http.MethodGet, "/api/v1/audit?action=staff.", nil)
		req.Header.Set("Authorization", "Bearer "+e.TokenFor(auditor.ID))
		r = c.Do(req)
		if r.StatusCode != 200 || !strings.Contains(r.Body, `"action":"staff.create"`) {
			t.Fatalf("auditor: %d %s", r.StatusCode, r.Body)
		}
		if strings.Contains(r.Body, "浦东") {
			t.Fatal("agency auditor sees another agency's entries")
		}
	})
}

func TestConsoleJourneyAndAudit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		admin := e.AddUser("mzzj", "j.admin", auth.AgencyAdmin)
		c := e.Client()
		c.HTTP.Jar.SetCookies(mustURL(e.URL+"/console/"), []*http.Cookie{{Name: "gk_session", Value: e.SessionFor(admin.ID), Path: "/console"}})
		// Save settings, add a division, create a staff member.
		settings := fmt.Sprintf("/console/agencies/%d/settings", admin.AgencyID)
		page := c.Get(settings)
		if page.StatusCode != 200 || !strings.Contains(page.Body, "单位设置") {
			t.Fatalf("settings page: %d", page.StatusCode)
		}
		r := c.PostForm(settings, url.Values{"intro": {"新的职能介绍 <b>不是标记</b>"}, "address": {"上海市示范路1号"}, "postcode": {"200001"},
			"office_hours": {"工作日 9:00–17:00"}, "phone": {"021-12345678"}, "fax": {"021-12345679"}, "email": {"x@example.gov.cn"},
			"disclosure_office": {"办公室"}, "accent": {"accent-green"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("save settings: %d %.400s", r.StatusCode, r.Body)
		}
		about := e.Client().Get("/o/mzzj/about")
		if !strings.Contains(about.Body, "新的职能介绍 &lt;b&gt;不是标记&lt;/b&gt;") {
			t.Fatal("intro not shown escaped on the portal")
		}
		r = c.PostForm(fmt.Sprintf("/console/agencies/%d/divisions", admin.AgencyID), url.Values{"name": {"督查室"}, "sort_order": {"90"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("add division: %d", r.StatusCode)
		}
		r = c.PostForm("/console/staff", url.Values{"username": {"new.editor"}, "display_name": {"新编辑"}, "roles": {"editor", "liaison"}})
		if r.StatusCode != http.StatusCreated || !strings.Contains(r.Body, "初始密码") {
			t.Fatalf("create staff: %d %.500s", r.StatusCode, r.Body)
		}
		// The new account must change its password first.
		pw := between(r.Body, "<p><code>", "</code></p>")
		nc := e.Client()
		lr := nc.PostForm("/console/login", url.Values{"username": {"new.editor"}, "password": {pw}})
		if lr.StatusCode != http.StatusSeeOther {
			t.Fatalf("new account login: %d", lr.StatusCode)
		}
		if r := nc.Get("/console/"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/console/password" {
			t.Fatalf("initial password not forced to change: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		// Each change is in the audit log, in order, and the chain verifies.
		entries, _, err := audit.Search(ctx, e.App.DB.R, audit.Filter{AgencyID: admin.AgencyID, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, en := range entries {
			actions = append(actions, en.Action)
		}
		joined := strings.Join(actions, " ")
		for _, want := range []string{"staff.create", "division.create", "agency.settings.update"} {
			if !strings.Contains(joined, want) {
				t.Errorf("audit lacks %s: %v", want, actions)
			}
		}
		if entries[len(entries)-1].IP == "" && entries[0].IP == "" {
			t.Error("audit entries carry no IP")
		}
		rep, err := audit.Verify(ctx, e.App.DB.R)
		if err != nil || !rep.OK() {
			t.Fatalf("chain: %+v %v", rep, err)
		}
		// An auditor finds them in the console.
		aud := e.AddUser("mzzj", "j.auditor", auth.Auditor)
		ac := e.Client()
		ac.HTTP.Jar.SetCookies(mustURL(e.URL+"/console/"), []*http.Cookie{{Name: "gk_session", Value: e.SessionFor(aud.ID), Path: "/console"}})
		ar := ac.Get("/console/audit?action=staff.create")
		if ar.StatusCode != 200 || !strings.Contains(ar.Body, "new.editor") {
			t.Fatalf("audit search: %d", ar.StatusCode)
		}
		vr := ac.PostForm("/console/audit/verify", nil)
		if vr.StatusCode != 200 || !strings.Contains(vr.Body, "完整性校验通过") {
			t.Fatalf("verify: %d %.300s", vr.StatusCode, vr.Body)
		}
	})
}

func TestUploadLimit(t *testing.T) {
	e := apptest.New(t, db.SQLite)
	c := e.Client()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "../../etc/passwd")
	fw.Write(bytes.Repeat([]byte("x"), 2<<20))
	mw.Close()
	req := c.Request(http.MethodPost, "/console/login", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	r := c.Do(req)
	if r.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(r.Body, "超过") {
		t.Fatalf("multipart over the form limit: %d", r.StatusCode)
	}
}

func TestOwnAPITokensFromTheConsole(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		u := e.AddUser("mzzj", "tok.owner", auth.Handler)
		c := e.Client()
		c.Login("tok.owner")
		if r := c.PostForm("/console/tokens", url.Values{"name": {"12345 对接"}, "days": {"0"}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "有效期须为 1–365 天") {
			t.Fatalf("days=0: %d", r.StatusCode)
		}
		r := c.PostForm("/console/tokens", url.Values{"name": {"12345 对接"}, "days": {"90"}})
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %.300s", r.StatusCode, r.Body)
		}
		secret := between(r.Body, "<p><code>", "</code></p>")
		req := c.Request(http.MethodGet, "/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		if me := c.Do(req); me.StatusCode != 200 || !strings.Contains(me.Body, `"username":"tok.owner"`) {
			t.Fatalf("token from the console: %d %s", me.StatusCode, me.Body)
		}
		// An account still on its initial password may not use the API.
		ctx := context.Background()
		if _, err := e.App.Auth.ResetPassword(ctx, auth.Operator("test"), u.ID, ""); err != nil {
			t.Fatal(err)
		}
		req = c.Request(http.MethodGet, "/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		if me := c.Do(req); me.StatusCode != 403 || !strings.Contains(me.Body, "初始密码") {
			t.Fatalf("must-change account used the API: %d %s", me.StatusCode, me.Body)
		}
	})
}

func TestAgencyAdminEntersTheNewYear(t *testing.T) {
	e := apptest.New(t, db.SQLite)
	admin := e.AddUser("pudong-mzb", "cal.admin", auth.AgencyAdmin)
	c := e.Client()
	c.HTTP.Jar.SetCookies(mustURL(e.URL+"/console/"), []*http.Cookie{{Name: "gk_session", Value: e.SessionFor(admin.ID), Path: "/console"}})
	table := "2028-01-01,休,元旦\n2028-01-25~2028-01-31,休,春节\n2028-02-05,班,春节"
	r := c.PostForm("/console/calendar/2028", url.Values{"arrangement": {table}, "source": {"国办发明电〔2027〕X号"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("enter 2028: %d %.400s", r.StatusCode, r.Body)
	}
	if r := e.Client().Get("/api/v1/workdays/between?from=2028-01-24&to=2028-02-07"); !strings.Contains(r.Body, `"working_days":6`) || strings.Contains(r.Body, `"provisional":true`) {
		t.Fatalf("2028 not in use: %s", r.Body)
	}
	// The change is in the log under the agency that made it, so its own
	// auditor sees it; changing the year again needs the platform administrator.
	entries, _, _ := audit.Search(context.Background(), e.App.DB.R, audit.Filter{AgencyID: admin.AgencyID, Action: "calendar."})
	if len(entries) != 1 {
		t.Fatalf("calendar change not audited under the agency: %d", len(entries))
	}
	if r := c.PostForm("/console/calendar/2028", url.Values{"arrangement": {"2028-01-01,休,元旦"}, "source": {"x"}}); r.StatusCode != http.StatusForbidden {
		t.Fatalf("second change by an agency admin: %d", r.StatusCode)
	}
}
