package app_test

// Fault tests of the leak checks (issue 12, item 6): panics, database
// errors carrying SQL text, a broken schema, a database that is gone, and
// malformed requests. Every answer must be a Chinese error page or problem
// document with the request ID and the security headers, and nothing of the
// fault's internals.

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/web"
)

// leakFaults is one env's fault run.
type leakFaults struct {
	*leakCrawler
	errors   int      // error answers checked
	byServer []string // answered by net/http itself (no handler ran)
}

// newLeakChecker is a crawler of e with its secrets loaded, for checking
// single responses.
func newLeakChecker(t *testing.T, e *apptest.Env) *leakCrawler {
	c := newLeakCrawler(t, e)
	c.secrets = newSecretSet(leakSecrets(t, e))
	c.allowedEmails = map[string]bool{}
	rows, err := e.App.DB.R.QueryContext(context.Background(), `SELECT slug, email FROM agencies ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var slug, email string
		rows.Scan(&slug, &email)
		c.slugs = append(c.slugs, slug)
		c.allowedEmails[strings.ToLower(email)] = true
	}
	return c
}

// request builds a request as a browser on the site would send it.
func (f *leakFaults) request(method, path, contentType string, body io.Reader) *http.Request {
	req, err := http.NewRequest(method, f.e.URL+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if method != http.MethodGet && method != http.MethodHead {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Origin", f.e.URL)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

// expectError checks an error answer: a status in [lo, hi], the Chinese
// title of its status and the request ID in the body (or the problem
// document's fields), besides everything check does.
func (f *leakFaults) expectError(label string, r *leakResponse, lo, hi int) {
	if r == nil {
		return
	}
	f.errors++
	if r.status < lo || r.status > hi {
		f.finding(label, "status %d, want %d–%d: %s", r.status, lo, hi, leakExcerpt(string(r.body), 0, min(len(r.body), 300)))
		return
	}
	id := r.header.Get("X-Request-Id")
	mt, _, _ := mime.ParseMediaType(r.header.Get("Content-Type"))
	switch mt {
	case "application/problem+json":
		var p web.Problem
		if err := json.Unmarshal(r.body, &p); err != nil {
			f.finding(label, "problem document: %v", err)
			return
		}
		if p.Status != r.status || p.RequestID != id || p.Title != web.StatusTitle(r.status) || !hasHan(p.Detail) {
			f.finding(label, "problem document %+v (request ID %s)", p, id)
		}
	case "text/html":
		// A 4xx may be the form again with its messages; a 5xx is the
		// error page with its title and the request ID.
		if !hasHan(string(r.body)) {
			f.finding(label, "no Chinese message")
		}
		if r.status >= 500 && (!strings.Contains(string(r.body), web.StatusTitle(r.status)) || !strings.Contains(string(r.body), id)) {
			f.finding(label, "the error page lacks its title %q or the request ID %s", web.StatusTitle(r.status), id)
		}
	case "text/plain":
		if label != "/readyz" {
			f.finding(label, "an error answered as %q", mt)
		}
	default:
		f.finding(label, "an error answered as %q", mt)
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// raw sends bytes on a new connection and reads the answer. Answers that
// net/http writes itself, before any handler, carry no request ID: they
// are checked for internals only and listed.
func (f *leakFaults) raw(label string, data []byte, lo, hi int) *leakResponse {
	conn, err := net.DialTimeout("tcp", f.base.Host, 5*time.Second)
	if err != nil {
		f.t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	go conn.Write(data) // the server may answer before it has read everything
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		f.finding(label, "no answer: %v", err)
		return nil
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	r := &leakResponse{status: resp.StatusCode, header: resp.Header, body: body}
	if resp.Header.Get("X-Request-Id") == "" {
		f.byServer = append(f.byServer, fmt.Sprintf("%s → %d %q", label, resp.StatusCode, strings.TrimSpace(string(body))))
		if resp.StatusCode < lo || resp.StatusCode > hi {
			f.finding(label, "net/http answered %d", resp.StatusCode)
		}
		f.checkText(label, string(body))
		return r
	}
	f.check(label, r)
	switch {
	case r.status >= 300 && r.status < 400:
		// A redirect (to the clean form of a path) must say where to.
		if r.header.Get("Location") == "" {
			f.finding(label, "%d without Location", r.status)
		}
		if r.status < lo || r.status > hi {
			f.finding(label, "status %d, want %d–%d", r.status, lo, hi)
		}
	case r.status >= 400:
		f.expectError(label, r, lo, hi)
	case r.status < lo || r.status > hi:
		f.finding(label, "status %d, want %d–%d", r.status, lo, hi)
	}
	return r
}

// The messages the test handlers fail with: each carries SQL text, a
// source position and personal data, none of which may reach the client.
const leakFaultDetail = `pq: syntax error at or near "SELECT id_number FROM applications WHERE phone = '13912345678'" (SQLSTATE 42601) at internal/app/app.go:123`

// leakFaultRoutes adds test routes that panic or fail with internals.
func leakFaultRoutes(e *apptest.Env) {
	dbErr := func(r *http.Request) error {
		rows, err := e.App.DB.R.QueryContext(r.Context(), `SELECT id_number FROM leak_no_such_table WHERE phone = '13912345678'`)
		if err == nil {
			rows.Close()
			return errors.New("the broken query worked")
		}
		return fmt.Errorf("query applicants: %w", err)
	}
	for _, prefix := range []string{"/leaktest", "/api/v1/leaktest"} {
		e.App.Web.Handle("GET "+prefix+"/crash", auth.Public, func(http.ResponseWriter, *http.Request) { panic(leakFaultDetail) })
		e.App.Web.Handle("GET "+prefix+"/crash-error", auth.Public, func(_ http.ResponseWriter, r *http.Request) { panic(dbErr(r)) })
		e.App.Web.Handle("GET "+prefix+"/crash-nil", auth.Public, func(http.ResponseWriter, *http.Request) {
			var m map[string]*int
			_ = *m["x"] // a nil pointer dereference: a runtime error
		})
		e.App.Web.Handle("GET "+prefix+"/db-error", auth.Public, func(w http.ResponseWriter, r *http.Request) { e.App.Web.Error(w, r, dbErr(r)) })
		e.App.Web.Handle("GET "+prefix+"/db-unavailable", auth.Public, func(w http.ResponseWriter, r *http.Request) {
			e.App.Web.Error(w, r, apperr.Wrap(apperr.Unavailable, "", dbErr(r)))
		})
		e.App.Web.Handle("GET "+prefix+"/internal", auth.Public, func(w http.ResponseWriter, r *http.Request) {
			e.App.Web.Error(w, r, apperr.Wrap(apperr.Internal, leakFaultDetail, dbErr(r)))
		})
	}
	e.App.Web.Handle("GET /leaktest/crash-late", auth.Public, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<p>部分内容</p>")
		panic(leakFaultDetail)
	})
}

// TestLeakFaults: panics, SQL errors, a broken schema, a closed database
// and malformed requests give nothing away (issue 12, item 6).
func TestLeakFaults(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		leakFaultRoutes(e)
		f := &leakFaults{leakCrawler: newLeakChecker(t, e)}
		slug := f.slugs[0]

		// 1. Panics and errors carrying internals.
		for _, p := range []string{"/crash", "/crash-error", "/crash-nil", "/db-error", "/internal"} {
			for _, prefix := range []string{"/leaktest", "/api/v1/leaktest"} {
				f.expectError(prefix+p, f.do(f.get(prefix+p), prefix+p), 500, 500)
			}
		}
		for _, prefix := range []string{"/leaktest", "/api/v1/leaktest"} {
			r := f.do(f.get(prefix+"/db-unavailable"), prefix+"/db-unavailable")
			f.expectError(prefix+"/db-unavailable", r, 503, 503)
			if r != nil && r.header.Get("Retry-After") == "" {
				f.finding(prefix+"/db-unavailable", "503 without Retry-After")
			}
		}
		// A panic after the page began: the status is sent, the rest must
		// still say nothing.
		f.do(f.get("/leaktest/crash-late"), "/leaktest/crash-late")

		// 2. Malformed requests: 4xx, never internals.
		leakMalformed(f, slug)

		// 3. Clergy: a name is shown only for the right name and number.
		leakClergy(f, slug)

		// 4. A broken schema: queries fail with SQL in their errors.
		leakBrokenSchema(f, slug)

		// 5. The database gone.
		leakDatabaseGone(f, slug)

		if f.errors < 60 {
			t.Errorf("only %d error answers checked", f.errors)
		}
		if len(f.findings) > 0 {
			t.Errorf("%d findings:\n%s", len(f.findings), strings.Join(f.findings, "\n"))
		}
		t.Logf("%s: %d responses, %d error answers checked; answered by net/http before any handler (no security headers): %d\n%s",
			e.Dialect, f.responses, f.errors, len(f.byServer), strings.Join(f.byServer, "\n"))
	})
}

// leakMalformed sends malformed and hostile requests.
func leakMalformed(f *leakFaults, slug string) {
	host := f.base.Host
	get := func(target string, headers ...string) []byte {
		return []byte("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n" + strings.Join(headers, "") + "Connection: close\r\n\r\n")
	}
	// Paths: traversal, NUL, bad escapes, invalid UTF-8, very long.
	for _, p := range []string{
		"/static/../../etc/passwd", "/static/..%2f..%2f..%2fetc%2fpasswd", "/static/%2e%2e/%2e%2e/etc/passwd", "/static/....//....//etc/passwd",
		"/static/..\\..\\etc\\passwd", "/o/" + slug + "/../../../etc/passwd", "/o/" + slug + "/items/1/files/..%2f..%2fgongkai.db",
		"/static/gongkai.db", "/o/" + slug + "/items/%00", "/o/" + slug + "/items/1%00.html", "/%ff%fe", "/search?q=%zz", "/search?q=%00",
		"/search?q=%ff", "/o/" + slug + "/items/99999999999999999999999", "/o/" + slug + "/items/-1", "/o/" + slug + "/gk/?page=-1",
		"/items?page=99999999999999999999", "/items?year=abc&page=0", "/api/v1/items?limit=-5", "/api/v1/items?limit=1e9&offset=-1",
		"/api/v1/items/abc", "/api/v1/agencies/..%2f..%2fetc", "/api/v1/search?q=" + strings.Repeat("%E5%AE%97", 3000),
		"/search?q=" + strings.Repeat("a", 30000), "/" + strings.Repeat("a/", 10000), "/o/" + strings.Repeat("x", 5000) + "/",
		"/o/" + slug + "/venues?district=%27%20OR%201%3D1--&religion=%22%3E%3Cscript%3E", "/api/v1/venues?agency=" + slug + "&q=%27%3B%20DROP%20TABLE%20items%3B--",
		"/o/" + slug + "/letters?q=%27%20UNION%20SELECT%20writer_phone%20FROM%20concerns--",
	} {
		f.raw("GET "+short(p), get(p), 200, 499)
	}
	// Oversized: a URL and a header beyond the 64 KB head limit, many
	// headers, a bad Host, a bad request line, a bad protocol version.
	f.raw("GET 70 KB URL", get("/search?q="+strings.Repeat("a", 70<<10)), 400, 499)
	f.raw("100 KB header", get("/", "X-Big: "+strings.Repeat("b", 100<<10)+"\r\n"), 400, 499)
	f.raw("5000 headers", get("/", strings.Repeat("X-A: 1\r\n", 5000)), 200, 499)
	f.raw("junk session cookie", get("/console/", "Cookie: "+web.SessionCookie+"=%00%ff'--; other=\x7f\x01\r\n"), 200, 499)
	f.raw("bad Host", []byte("GET / HTTP/1.1\r\nHost: <script>alert(1)</script>\r\nConnection: close\r\n\r\n"), 400, 499)
	f.raw("request line", []byte("GARBAGE\r\n\r\n"), 400, 499)
	f.raw("HTTP/9.9", []byte("GET / HTTP/9.9\r\nHost: "+host+"\r\n\r\n"), 400, 505)
	f.raw("TRACE", []byte("TRACE / HTTP/1.1\r\nHost: "+host+"\r\nConnection: close\r\n\r\n"), 400, 499)
	f.raw("header injection", []byte("GET / HTTP/1.1\r\nHost: "+host+"\r\nX-A: a\rb\r\nConnection: close\r\n\r\n"), 200, 499)
	f.raw("Content-Length and chunked", []byte("POST /apply/status HTTP/1.1\r\nHost: "+host+"\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n"), 400, 499)
	f.raw("bad chunk", []byte("POST /apply/status HTTP/1.1\r\nHost: "+host+"\r\nOrigin: "+f.e.URL+"\r\nSec-Fetch-Site: same-origin\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nabc\r\n"), 400, 499)
	// Bodies: a claimed 100 GB upload, 2 MB to a form without uploads.
	f.raw("100 GB claimed", []byte("POST /o/"+slug+"/mailbox HTTP/1.1\r\nHost: "+host+"\r\nOrigin: "+f.e.URL+"\r\nSec-Fetch-Site: same-origin\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 107374182400\r\nConnection: close\r\n\r\n"), 413, 413)
	big := "number=" + strings.Repeat("9", 2<<20)
	f.expectError("2 MB form", f.do(f.request(http.MethodPost, "/apply/status", "application/x-www-form-urlencoded", strings.NewReader(big)), "2 MB form"), 413, 413)
	f.expectError("2 MB JSON", f.do(f.request(http.MethodPost, "/api/v1/applications/status", "application/json", strings.NewReader(`{"number":"`+strings.Repeat("9", 2<<20)+`"}`)), "2 MB JSON"), 413, 413)
	// Forms: invalid UTF-8, bad multipart, wrong content types.
	for _, tc := range []struct{ label, path, ct, body string }{
		{"invalid UTF-8 form", "/apply/status", "application/x-www-form-urlencoded", "number=%ff%fe&code=%c0%af"},
		{"bad form escapes", "/concern/status", "application/x-www-form-urlencoded", "number=%zz&code=%"},
		{"multipart without boundary", "/o/" + slug + "/apply", "multipart/form-data", "--x\r\n"},
		{"multipart wrong boundary", "/o/" + slug + "/apply", "multipart/form-data; boundary=AAA", "--BBB\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx\r\n--BBB--\r\n"},
		{"multipart truncated", "/o/" + slug + "/mailbox", "multipart/form-data; boundary=AAA", "--AAA\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 trunc"},
		{"multipart header garbage", "/o/" + slug + "/board", "multipart/form-data; boundary=AAA", "--AAA\r\nContent-Disposition: form-data; name=\"subject\"\r\nX-\x00: \xff\r\n\r\nx\r\n--AAA--\r\n"},
		{"XML to a form", "/o/" + slug + "/mailbox", "application/xml", "<a/>"},
		{"JSON to a form", "/apply/status", "application/json", `{"number":"1"}`},
		{"form to JSON API", "/api/v1/applications", "text/plain", `x`},
		{"bad JSON", "/api/v1/applications", "application/json", `{"applicant":`},
		{"JSON type", "/api/v1/applications", "application/json", `{"applicant": 5}`},
		{"JSON nested type", "/api/v1/applications", "application/json", `{"applicant": {"name": 5}}`},
		{"JSON unknown field", "/api/v1/applications", "application/json", `{"applicant_secret": "x"}`},
		{"JSON array", "/api/v1/applications/status", "application/json", `[1,2,3]`},
		{"JSON two objects", "/api/v1/applications/status", "application/json", `{} {}`},
		{"JSON deep", "/api/v1/applications/status", "application/json", strings.Repeat("[", 100000)},
		{"JSON invalid UTF-8", "/api/v1/applications/status", "application/json", "{\"number\": \"\xff\xfe\"}"},
		{"JSON null", "/api/v1/applications", "application/json", `null`},
		{"JSON huge number", "/api/v1/clergy/verify?agency=" + slug, "application/json", `{"name": 1e999999}`},
		{"JSON clergy type", "/api/v1/clergy/verify?agency=" + slug, "application/json", `{"name": ["x"], "number": {}}`},
	} {
		f.expectError(tc.label, f.do(f.request(http.MethodPost, tc.path, tc.ct, strings.NewReader(tc.body)), tc.label), 400, 499)
	}
	// A real multipart form with a hostile file name and content.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("name", "测试")
	fw, _ := mw.CreateFormFile("identity", "../../../../etc/passwd\x00.png")
	fw.Write([]byte("<?php system($_GET['c']); ?>"))
	mw.Close()
	f.expectError("hostile upload", f.do(f.request(http.MethodPost, "/o/"+slug+"/apply", mw.FormDataContentType(), &buf), "hostile upload"), 400, 499)
	// Credentials that are not: a junk session cookie, a junk token.
	req := f.get("/api/v1/me")
	req.Header.Set("Authorization", "Bearer ' OR 1=1--")
	f.expectError("junk token", f.do(req, "junk token"), 401, 401)
	req = f.get("/api/v1/me")
	req.Header.Set("Authorization", "Basic YWRtaW46YWRtaW4=")
	f.expectError("basic auth", f.do(req, "basic auth"), 401, 401)
	// A range past the end of a static file.
	req = f.get("/static/site.css")
	req.Header.Set("Range", "bytes=99999999-")
	f.do(req, "range past the end")
	// Cross-site form posts.
	req = f.request(http.MethodPost, "/apply/status", "application/x-www-form-urlencoded", strings.NewReader("number=1&code=2"))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	f.expectError("cross-site post", f.do(req, "cross-site post"), 403, 403)
}

func short(s string) string {
	if len(s) > 80 {
		return fmt.Sprintf("%s… (%d bytes)", s[:60], len(s))
	}
	return s
}

// leakClergy: the verification shows a cleric's name only to whoever gives
// the right name and number.
func leakClergy(f *leakFaults, slug string) {
	var name, number string
	err := f.e.App.DB.R.QueryRowContext(context.Background(),
		`SELECT d.name, d.number FROM directory_entries d JOIN agencies a ON a.id = d.agency_id WHERE d.kind = 'clergy' AND d.status = 'filed' AND a.slug = $1 ORDER BY d.id LIMIT 1`, slug).Scan(&name, &number)
	if err != nil {
		f.t.Fatal(err)
	}
	post := func(n, num string) *leakResponse {
		b, _ := json.Marshal(map[string]string{"name": n, "number": num})
		req := f.request(http.MethodPost, "/api/v1/clergy/verify?agency="+slug, "application/json", bytes.NewReader(b))
		resp, err := f.client.Do(req)
		if err != nil {
			f.t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		r := &leakResponse{status: resp.StatusCode, header: resp.Header, body: body}
		f.responses++
		for _, p := range checkHeaders(r.header) {
			f.finding("clergy verify", "%s", p)
		}
		if fs := findInternals(string(body)); len(fs) > 0 {
			f.finding("clergy verify", "%v", fs)
		}
		return r
	}
	if r := post(name, number); r.status != http.StatusOK || !strings.Contains(string(r.body), name) {
		f.finding("clergy verify", "the right name and number do not verify: %d %s", r.status, r.body)
	}
	if r := post("错误姓名", number); strings.Contains(string(r.body), name) || r.status >= 500 {
		f.finding("clergy verify", "a wrong name with the right number shows the cleric: %d %s", r.status, r.body)
	}
	if r := post(name, number+"9"); strings.Count(string(r.body), name) > 0 && strings.Contains(string(r.body), number) || r.status >= 500 {
		f.finding("clergy verify", "a wrong number shows the cleric: %d %s", r.status, r.body)
	}
}

// leakBrokenSchema renames tables the public pages read, so that their
// queries fail with SQL errors, and asks for those pages.
func leakBrokenSchema(f *leakFaults, slug string) {
	ctx := context.Background()
	var itemID, consultationID int64
	f.e.App.DB.R.QueryRowContext(ctx, `SELECT id FROM items WHERE state = 'published' ORDER BY id LIMIT 1`).Scan(&itemID)
	f.e.App.DB.R.QueryRowContext(ctx, `SELECT id FROM consultations ORDER BY id LIMIT 1`).Scan(&consultationID)
	// A form token, taken before the break.
	page := f.do(f.get("/o/"+slug+"/mailbox"), "/o/"+slug+"/mailbox")
	token := ""
	if m := regexp.MustCompile(`name="_ft" value="([^"]+)"`).FindStringSubmatch(string(page.body)); m != nil {
		token = m[1]
	}
	for _, tbl := range []string{"items", "concerns", "consultations", "directory_entries", "applications", "opendays", "search_docs"} {
		if _, err := f.e.App.DB.W.ExecContext(ctx, `ALTER TABLE `+tbl+` RENAME TO leak_gone_`+tbl); err != nil {
			f.t.Fatalf("rename %s: %v", tbl, err)
		}
	}
	failed := 0
	id, cid := fmt.Sprint(itemID), fmt.Sprint(consultationID)
	for _, p := range []string{
		"/items?leak=1", "/o/" + slug + "/items/" + id + "?leak=1", "/o/" + slug + "/gk/?leak=1", "/o/" + slug + "/letters?leak=1", "/o/" + slug + "/consultations?leak=1",
		"/o/" + slug + "/consultations/" + cid + "?leak=1", "/o/" + slug + "/venues?leak=1", "/o/" + slug + "/opendays?leak=1", "/search?q=" + url.QueryEscape("宗教事务"),
		"/api/v1/items?leak=1", "/api/v1/items/" + id, "/api/v1/search?q=" + url.QueryEscape("宗教事务"), "/api/v1/venues?agency=" + slug, "/api/v1/consultations?agency=" + slug,
		"/api/v1/opendays?agency=" + slug, "/o/" + slug + "/feed.atom?leak=1", "/sitemap.xml?leak=1",
	} {
		r := f.do(f.get(p), p)
		if r != nil && r.status >= 500 {
			failed++
			f.expectError(p, r, 500, 503)
		}
	}
	form := url.Values{"_ft": {token}, "subject": {"测试"}, "body": {"测试来信内容，测试来信内容。"}, "name": {"测试人"}}
	for _, p := range []struct{ label, path, ct, body string }{
		{"letter", "/o/" + slug + "/mailbox", "application/x-www-form-urlencoded", form.Encode()},
		{"application status", "/apply/status", "application/x-www-form-urlencoded", "number=2026-000001&code=ABCDEFGHJK"},
		{"API application status", "/api/v1/applications/status", "application/json", `{"number":"2026-000001","code":"ABCDEFGHJK"}`},
	} {
		r := f.do(f.request(http.MethodPost, p.path, p.ct, strings.NewReader(p.body)), p.label)
		if r != nil && r.status >= 500 {
			failed++
			f.expectError(p.label, r, 500, 503)
		}
	}
	if failed < 10 {
		f.t.Errorf("%s: only %d requests failed with the tables renamed", f.e.Dialect, failed)
	}
}

// leakDatabaseGone kills the database connections (PostgreSQL), then
// closes the pools, and asks for pages, the API and forms.
func leakDatabaseGone(f *leakFaults, slug string) {
	ctx := context.Background()
	paths := []string{"/items?gone=1", "/o/" + slug + "/letters?gone=1", "/o/" + slug + "/about?gone=1", "/api/v1/items?gone=1", "/api/v1/agencies?gone=1",
		"/o/" + slug + "/statistics.json?gone=1", "/o/" + slug + "/open-data/catalogue.csv?gone=1", "/readyz"}
	if f.e.Dialect == db.Postgres {
		admin, err := sql.Open("pgx", f.e.App.DB.URL)
		if err != nil {
			f.t.Fatal(err)
		}
		if _, err := admin.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
			f.t.Fatal(err)
		}
		admin.Close()
		for _, p := range paths {
			p += "&killed=1"
			if !strings.Contains(p, "?") {
				p = strings.Replace(p, "&", "?", 1)
			}
			if r := f.do(f.get(p), p); r != nil && r.status >= 500 {
				f.expectError(p, r, 500, 503)
			}
		}
	}
	f.e.App.DB.W.Close()
	f.e.App.DB.R.Close()
	failed := 0
	for _, p := range paths {
		r := f.do(f.get(p), p)
		if r != nil && r.status >= 500 {
			failed++
			f.expectError(p, r, 500, 503)
		}
	}
	for _, p := range []struct{ label, path, ct, body string }{
		{"login", "/console/login", "application/x-www-form-urlencoded", "username=admin&password=x"},
		{"application status", "/apply/status", "application/x-www-form-urlencoded", "number=2026-000001&code=ABCDEFGHJK"},
		{"API application", "/api/v1/applications", "application/json", `{}`},
		{"API clergy", "/api/v1/clergy/verify?agency=" + slug, "application/json", `{"name":"张三","number":"FJ1"}`},
	} {
		r := f.do(f.request(http.MethodPost, p.path, p.ct, strings.NewReader(p.body)), p.label)
		if r != nil && r.status >= 500 {
			failed++
			f.expectError(p.label, r, 500, 503)
		}
	}
	if failed < 6 {
		f.t.Errorf("%s: only %d requests failed with the database closed", f.e.Dialect, failed)
	}
}
