package app_test

// The checks of the leak crawl (leaks_test.go): what no response of the
// public site may carry, and the personal data of the demo database that
// no public response may show.

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/directory"
	"github.com/gongkai/gongkai/internal/extract"
	"github.com/gongkai/gongkai/internal/pii"
	"github.com/gongkai/gongkai/internal/web"
)

// leakHeaders are the security headers every response of gongkai carries
// (web.App.securityHeaders; the fast path sends the same), with the value
// each must have. Strict-Transport-Security is checked on a site behind
// HTTPS (TestLeakSecurityHeadersHTTPS).
var leakHeaders = map[string]string{
	"Content-Security-Policy":    "", // any value that has frame-ancestors 'none' and no unsafe-inline (checked below)
	"X-Content-Type-Options":     "nosniff",
	"X-Frame-Options":            "DENY",
	"Referrer-Policy":            "strict-origin-when-cross-origin",
	"Cross-Origin-Opener-Policy": "same-origin",
	"Permissions-Policy":         "",
	"X-Request-Id":               "",
}

// checkHeaders returns what is missing or wrong in h.
func checkHeaders(h http.Header) []string {
	var out []string
	for k, want := range leakHeaders {
		got := h.Values(k)
		switch {
		case len(got) == 0 || got[0] == "":
			out = append(out, "no "+k)
		case len(got) > 1:
			out = append(out, fmt.Sprintf("%s sent %d times", k, len(got)))
		case want != "" && got[0] != want:
			out = append(out, fmt.Sprintf("%s: %q", k, got[0]))
		}
	}
	if csp := h.Get("Content-Security-Policy"); csp != "" {
		if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") ||
			strings.Contains(csp, "unsafe-eval") || !strings.Contains(csp, "object-src 'none'") {
			out = append(out, "weak Content-Security-Policy: "+csp)
		}
	}
	sort.Strings(out)
	return out
}

// leakInternals are signs of a stack trace, a Go error or SQL text.
var leakInternals = []struct {
	name string
	re   *regexp.Regexp
}{
	{"stack trace", regexp.MustCompile(`goroutine \d+|goroutine |\.go:\d+`)},
	{"panic", regexp.MustCompile(`(?i)\bpanic\b|runtime error|nil pointer|invalid memory address`)},
	{"SQL text", regexp.MustCompile(`SELECT |INSERT INTO|UPDATE \w+ SET|DELETE FROM|(?i:syntax error)|\bpq: |SQLSTATE|(?i:\bsqlite)|no such (?:table|column)|relation "|database is closed|sql: |\bpgx\b|\bpgconn\b`)},
	{"Go error", regexp.MustCompile(`context deadline exceeded|context canceled|connection refused|broken pipe|unexpected EOF|%!|Go struct field|Go value of type|\bjson: |invalid character '|multipart: |\bhttp: |\bmime: `)},
}

// findInternals lists the internals text shows.
func findInternals(text string) []string {
	var out []string
	for _, f := range leakInternals {
		if loc := f.re.FindStringIndex(text); loc != nil {
			out = append(out, f.name+": "+leakExcerpt(text, loc[0], loc[1]))
		}
	}
	return out
}

// leakExcerpt is text[start:end] with some context, on one line.
func leakExcerpt(text string, start, end int) string {
	a, b := max(0, start-40), min(len(text), end+40)
	for a > 0 && !utf8.RuneStart(text[a]) {
		a--
	}
	for b < len(text) && !utf8.RuneStart(text[b]) {
		b++
	}
	return strings.Join(strings.Fields(text[a:b]), " ")
}

// secret is a piece of personal data of the demo database. within are the
// published values that contain it (a venue's leader 孙海英 contains the
// applicant 孙海): an occurrence inside one of them is that value.
type secret struct {
	value, what string
	within      []string
}

// secretSet finds many secrets in a text at once: secrets are indexed by
// their first six bytes (two Chinese characters, or six digits or letters),
// so that the scan costs one map look-up per byte of text.
type secretSet struct {
	byPrefix map[string][]secret
	n        int
}

const secretKey = 6

func newSecretSet(ss []secret) *secretSet {
	set := &secretSet{byPrefix: map[string][]secret{}}
	seen := map[string]bool{}
	for _, s := range ss {
		if len(s.value) < secretKey || seen[s.value] {
			continue
		}
		seen[s.value] = true
		k := s.value[:secretKey]
		set.byPrefix[k] = append(set.byPrefix[k], s)
		set.n++
	}
	return set
}

// find returns the secrets text contains (each once).
func (set *secretSet) find(text string) []secret {
	var out []secret
	var found map[string]bool
	for i := 0; i+secretKey <= len(text); i++ {
		cands := set.byPrefix[text[i:i+secretKey]]
		for _, s := range cands {
			if strings.HasPrefix(text[i:], s.value) && !found[s.value] && s.bounded(text, i) && !s.inside(text, i) {
				if found == nil {
					found = map[string]bool{}
				}
				found[s.value] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// bounded reports whether the occurrence of s at text[i:] stands alone: a
// value that begins or ends with a Latin letter or digit (a phone number,
// an ID number, an e-mail address) is not part of a longer run of them
// (13800000003 in 0.18565613800000003). Chinese names need no boundary.
func (s secret) bounded(text string, i int) bool {
	alnum := func(b byte) bool { return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
	if alnum(s.value[0]) && i > 0 && (alnum(text[i-1]) || text[i-1] == '.' && i > 1 && alnum(text[i-2])) {
		return false
	}
	j := i + len(s.value)
	return !alnum(s.value[len(s.value)-1]) || j >= len(text) || !alnum(text[j])
}

// inside reports whether the occurrence of s at text[i:] is part of one of
// the published values that contain it.
func (s secret) inside(text string, i int) bool {
	for _, w := range s.within {
		for k := strings.Index(w, s.value); k >= 0; {
			if i-k >= 0 && strings.HasPrefix(text[i-k:], w) {
				return true
			}
			n := strings.Index(w[k+1:], s.value)
			if n < 0 {
				break
			}
			k += 1 + n
		}
	}
	return false
}

// leakSecrets reads the personal data of the public's members (and of staff
// contact details that are not published) from the database: applicants,
// letter writers, commenters, open-day and survey respondents, hearing
// participants whose names are masked, clergy (who may be shown only in
// answer to a verification), the directories' internal notes, new-media
// operators and division liaisons. The agencies' own published contact
// details are left out.
func leakSecrets(t testing.TB, e *apptest.Env) []secret {
	t.Helper()
	ctx := context.Background()
	public := map[string]bool{}
	var out []secret
	query := func(what, q string, fn func(add func(string), cols []string)) {
		t.Helper()
		rows, err := e.App.DB.R.QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		defer rows.Close()
		cn, _ := rows.Columns()
		for rows.Next() {
			cols := make([]string, len(cn))
			ptrs := make([]any, len(cn))
			for i := range cols {
				ptrs[i] = &cols[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			add := func(v string) {
				v = strings.TrimSpace(v)
				if v != "" && !public[v] {
					out = append(out, secret{value: v, what: what})
				}
			}
			if fn != nil {
				fn(add, cols)
			} else {
				for _, c := range cols {
					add(c)
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// Published by design: the agencies' contact details and the public
	// fields of the venue and halal outlet directories (a venue's leader
	// may be a filed cleric).
	query("agency contact", `SELECT phone, email, address FROM agencies`, func(_ func(string), cols []string) {
		for _, c := range cols {
			public[strings.TrimSpace(c)] = true
		}
	})
	schemas := directory.Schemas(nil)
	query("directory public field", `SELECT kind, data FROM directory_entries WHERE kind <> 'clergy'`, func(_ func(string), cols []string) {
		var d map[string]string
		json.Unmarshal([]byte(cols[1]), &d)
		for _, f := range schemas[directory.Kind(cols[0])].PublicFields() {
			if v := strings.TrimSpace(d[f.Key]); v != "" {
				public[v] = true
			}
		}
	})
	query("applicant", `SELECT applicant_name, id_number, contact, phone, email, address FROM applications`, nil)
	query("letter writer", `SELECT writer_name, writer_phone, writer_email FROM concerns`, nil)
	query("commenter", `SELECT name, phone, email FROM comments`, nil)
	query("open-day sign-up", `SELECT name, phone, email FROM openday_signups`, nil)
	query("survey respondent", `SELECT name, contact FROM survey_responses`, nil)
	query("clergy verification query", `SELECT name, number FROM clergy_queries`, nil)
	query("hearing participant", `SELECT participants FROM decision_hearings WHERE mask_names`, func(add func(string), cols []string) {
		var ps []struct{ Name string }
		if err := json.Unmarshal([]byte(cols[0]), &ps); err != nil {
			t.Fatalf("hearing participants %q: %v", cols[0], err)
		}
		for _, p := range ps {
			add(p.Name)
		}
	})
	query("clergy", `SELECT name, number, data FROM directory_entries WHERE kind = 'clergy'`, func(add func(string), cols []string) {
		add(cols[0])
		add(cols[1])
		var d map[string]string
		json.Unmarshal([]byte(cols[2]), &d)
		add(d["religious_name"])
	})
	query("directory internal note", `SELECT data FROM directory_entries`, func(add func(string), cols []string) {
		var d map[string]string
		json.Unmarshal([]byte(cols[0]), &d)
		add(d["note"])
	})
	query("new-media operator contact", `SELECT operator_contact FROM newmedia_accounts`, nil)
	query("division liaison", `SELECT mobile, email FROM division_liaisons`, nil)
	query("staff contact", `SELECT email, phone FROM staff_users`, nil)
	for i := range out {
		for v := range public {
			if len(v) > len(out[i].value) && strings.Contains(v, out[i].value) {
				out[i].within = append(out[i].within, v)
			}
		}
	}
	return out
}

// secretCounts counts the secrets by what they are.
func secretCounts(ss []secret) map[string]int {
	out := map[string]int{}
	seen := map[string]bool{}
	for _, s := range ss {
		if len(s.value) >= secretKey && !seen[s.value] {
			seen[s.value] = true
			out[s.what]++
		}
	}
	return out
}

var emailRE = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)

// textOf is the text to check of a response body: the body itself for text
// types (with HTML entities decoded as well), the extracted text of PDF,
// DOCX and XLSX files, the XML parts of other zip files. ok is false for
// binary types that carry no text (images).
func textOf(contentType string, body []byte) (text string, kind string, ok bool) {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "text/html":
		s := string(body)
		return s + "\n" + html.UnescapeString(s), "html", true
	case mt == "application/json" || mt == "application/problem+json" || strings.HasSuffix(mt, "+json"):
		// Decoded too, so that \u escapes hide nothing.
		s := string(body)
		var v any
		if json.Unmarshal(body, &v) == nil {
			if b, err := json.Marshal(v); err == nil {
				s += "\n" + unescapeJSON(string(b))
			}
		}
		return s, "json", true
	case mt == "application/atom+xml" || mt == "application/xml" || mt == "text/xml" || mt == "application/rss+xml":
		s := string(body)
		return s + "\n" + html.UnescapeString(s), "xml", true
	case mt == "text/csv":
		return string(body), "csv", true
	case strings.HasPrefix(mt, "text/"), mt == "application/javascript", mt == "image/svg+xml":
		return string(body), "text", true
	case mt == extract.TypePDF || mt == extract.TypeDOCX || mt == extract.TypeXLSX:
		s, err := extract.Text(context.Background(), mt, bytes.NewReader(body), int64(len(body)))
		if err != nil && s == "" {
			return "", strings.TrimPrefix(mt, "application/"), false
		}
		return s, map[string]string{extract.TypePDF: "pdf", extract.TypeDOCX: "docx", extract.TypeXLSX: "xlsx"}[mt], true
	case mt == "application/zip" || strings.Contains(mt, "openxmlformats") || strings.Contains(mt, "opendocument"):
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			return "", "zip", false
		}
		var sb strings.Builder
		for _, f := range zr.File {
			if !strings.HasSuffix(f.Name, ".xml") && !strings.HasSuffix(f.Name, ".csv") && !strings.HasSuffix(f.Name, ".json") {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				continue
			}
			b, _ := io.ReadAll(io.LimitReader(rc, 16<<20))
			rc.Close()
			sb.Write(b)
			sb.WriteByte('\n')
		}
		s := sb.String()
		return s + "\n" + html.UnescapeString(s), "zip", true
	}
	return "", mt, false
}

// unescapeJSON undoes encoding/json's escaping of <, > and &.
func unescapeJSON(s string) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(s)
}

// piiFindings reports the unmasked ID numbers, mobile numbers and bank card
// numbers in text (internal/pii: valid check digits only; masked forms
// such as 139****5678 are not reported).
func piiFindings(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range pii.Find(text) {
		if seen[m.Value] || inToken(text, m.Start, m.End) {
			continue
		}
		seen[m.Value] = true
		out = append(out, fmt.Sprintf("unmasked %s %q: %s", m.Kind, m.Value, leakExcerpt(text, m.Start, m.End)))
	}
	return out
}

// TestLeakCheckers: the checks find what they look for, in every form the
// crawl meets (HTML, JSON escapes, XLSX, DOCX, PDF), and pass masked forms
// and published contact details — so that a crawl with no findings means
// something.
func TestLeakCheckers(t *testing.T) {
	id := "11010519491231002X"
	if !pii.ValidIDNumber(id) {
		t.Fatal("the test ID number is not valid")
	}
	c := &leakCrawler{t: t, allowedEmails: map[string]bool{"gongkai@mzzj.example.gov.cn": true},
		secrets: newSecretSet([]secret{{value: "欧阳明月", what: "applicant"}, {value: "孙海", what: "applicant", within: []string{"孙海英"}},
			{value: "上海市徐汇区演示路1号", what: "applicant"}, {value: "13912345678", what: "applicant"}})}
	findings := func(contentType string, body []byte) []string {
		c.findings = nil
		text, _, ok := textOf(contentType, body)
		if !ok {
			t.Fatalf("%s: no text", contentType)
		}
		c.checkText("test", text)
		return c.findings
	}
	html := "text/html; charset=utf-8"
	for _, leak := range []string{
		"申请人：欧阳明月", "申请人：欧阳&#26126;月", "住址上海市徐汇区演示路1号", "身份证号 " + id, "身份证号 110105 19491231 002X", "手机13912345678",
		"手机 139 1234 5678", "电话 139-1234-5678", "电话 +86 13912345678", "手机１３９１２３４５６７８", "卡号 6222021234567890128",
		"联系 ouyang@example.com", "goroutine 1 [running]:", "at internal/app/app.go:42", "panic: boom", "runtime error: invalid memory address",
		`pq: syntax error at or near "FROM"`, "ERROR (SQLSTATE 42P01)", "SELECT id FROM items", "INSERT INTO comments", "sqlite3: no such table: items",
		"sql: database is closed", `relation "items" does not exist`, "json: cannot unmarshal number into Go struct field x.y of type string",
		"context deadline exceeded", "fmt %!d(string=x)", "*pgconn.PgError", "pgx: conn closed", "modernc.org/sqlite: database is locked",
	} {
		if len(findings(html, []byte("<p>"+leak+"</p>"))) == 0 {
			t.Errorf("not found: %s", leak)
		}
	}
	for _, fine := range []string{
		"来信人：欧阳**", "来信人：张*", "手机 139****5678", "身份证号 110105********002X", "gongkai@mzzj.example.gov.cn", "电话 021-63210000",
		"索引号 00001234X/2026-00014", "负责人：孙海英", "<select name=\"year\">", "文号 沪民宗发〔2026〕26号", "2026-11-30T09:52:55.591043Z",
		"申请编号 2026-000123", "查询码 ABCDEFGHJK", "0.18565613912345678", "request_id 16652149236b3182",
		// Random form tokens (base64url) may hold the letters of a driver's
		// name; this one, from a crawl, holds "pgx".
		`<input type="hidden" name="t" value="GiLda3kGNvbmNlcm4ek3J36pi_3HuwagRCiuMBswpgx-bMlQFhTTI4kVlHtw">`, "x9SqLiTe_pgconnQ",
	} {
		if f := findings(html, []byte("<p>"+fine+"</p>")); len(f) > 0 {
			t.Errorf("found in %q: %v", fine, f)
		}
	}
	if len(findings("application/json", []byte(`{"name":"\u6b27\u9633\u660e\u6708"}`))) == 0 {
		t.Error("not found behind JSON escapes")
	}
	if len(findings("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", extract.MakeXLSX([][]string{{"姓名", "欧阳明月"}}))) == 0 {
		t.Error("not found in an XLSX file")
	}
	if len(findings("application/vnd.openxmlformats-officedocument.wordprocessingml.document", extract.MakeDOCX([]string{"身份证号 " + id}))) == 0 {
		t.Error("not found in a DOCX file")
	}
	if len(findings("application/pdf", extract.MakePDF("名单", []string{"联系电话 13912345678"}))) == 0 {
		t.Error("not found in a PDF file")
	}
	if len(findings("text/csv; charset=utf-8", []byte("姓名,电话\n欧阳明月,1\n"))) == 0 {
		t.Error("not found in CSV")
	}
	// Headers.
	full := http.Header{}
	for k, v := range leakHeaders {
		if v == "" {
			v = "x"
		}
		full.Set(k, v)
	}
	full.Set("Content-Security-Policy", web.ContentSecurityPolicy)
	if p := checkHeaders(full); len(p) > 0 {
		t.Errorf("complete headers: %v", p)
	}
	if p := checkHeaders(http.Header{}); len(p) != len(leakHeaders) {
		t.Errorf("no headers: %v", p)
	}
	full.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'")
	full.Set("X-Frame-Options", "SAMEORIGIN")
	if p := checkHeaders(full); len(p) != 2 {
		t.Errorf("weak headers: %v", p)
	}
}

// inToken reports whether text[start:end] is part of a longer token of
// Latin letters and digits of 16 or more characters — a request ID, an ETag
// or a form token (16652149236b3182), not a number anybody wrote.
func inToken(text string, start, end int) bool {
	tok := func(b byte) bool {
		return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_' || b == '-'
	}
	a, b := start, end
	for a > 0 && tok(text[a-1]) {
		a--
	}
	for b < len(text) && tok(text[b]) {
		b++
	}
	return b-a >= 16 && b-a > end-start && strings.ContainsFunc(text[a:b], func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' })
}
