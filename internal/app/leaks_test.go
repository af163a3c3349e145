package app_test

// Issue 12, item 6 (leaks): a crawler visits every public page, feed,
// download and API response of the demo site and finds no unmasked ID,
// mobile or bank card number, none of the personal data the demo database
// holds about the public (applicants, letter writers, commenters, sign-ups,
// clergy …), no stack trace or SQL text, and the security headers on every
// response; fault tests break the database, panic and send malformed
// requests and check the bodies of the answers. The checks are in
// leaks_check_test.go. Run:
//
//	go test ./internal/app -run TestLeak -v
//
// (with GONGKAI_TEST_DATABASE_URL for PostgreSQL). GONGKAI_LEAK_REPORT=FILE
// writes the crawl's numbers to FILE as well.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/web"
)

// Crawl limits: at most this many URLs per route pattern (query-string
// variants of a list count against its pattern), fewer for PDFs (printed
// by Chromium, about a second each).
const (
	leakPerPattern = 20
	leakPerPDF     = 2
	leakPerStatic  = 40
	leakPerLetter  = 200 // published letters and messages: the pages of the public's own words
	leakMaxPages   = 4000
)

// leakCrawler is one crawl of one running application.
type leakCrawler struct {
	t       *testing.T
	e       *apptest.Env
	client  *http.Client
	base    *url.URL
	mux     *http.ServeMux
	public  map[string]web.Route // public GET patterns (not /console)
	secrets *secretSet
	slugs   []string
	// allowedEmails are the agencies' published addresses (lower case).
	allowedEmails map[string]bool

	mu         sync.Mutex
	seen       map[string]bool
	queue      []string
	perPattern map[string]int
	visited    map[string]string // a path visited of each pattern
	skipped    map[string]int    // over the cap, per pattern
	byKind     map[string]int
	byStatus   map[int]int
	responses  int
	bytes      int64
	elapsed    time.Duration
	// kindsByPattern counts "status kind" per pattern (for the report).
	kindsByPattern map[string]map[string]int
	masked         int // masked names and numbers seen (张*, 139****5678)
	findings       []string
	// templates are API paths with one path parameter that list responses
	// fill (prefix + value + suffix).
	templates []apiTemplate
}

type apiTemplate struct{ list, prefix, param, suffix string }

func newLeakCrawler(t *testing.T, e *apptest.Env) *leakCrawler {
	base, _ := url.Parse(e.URL)
	c := &leakCrawler{t: t, e: e, base: base, mux: http.NewServeMux(), public: map[string]web.Route{},
		seen: map[string]bool{}, perPattern: map[string]int{}, kindsByPattern: map[string]map[string]int{}, visited: map[string]string{}, skipped: map[string]int{}, byKind: map[string]int{}, byStatus: map[int]int{},
		client: &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Timeout:       60 * time.Second,
		}}
	registered := map[string]bool{}
	for _, rt := range e.App.Web.Routes() {
		p := rt.Pattern()
		if registered[p] {
			continue
		}
		registered[p] = true
		c.mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
		if rt.Method == http.MethodGet && rt.Perm == auth.Public && rt.Kind != web.KindConsole {
			c.public[p] = rt
		}
	}
	return c
}

// pattern is the route pattern that answers path ("unmatched" if none).
func (c *leakCrawler) pattern(path string) string {
	req, err := http.NewRequest(http.MethodGet, c.e.URL+path, nil)
	if err != nil {
		return "unmatched"
	}
	_, p := c.mux.Handler(req)
	if p == "" {
		return "unmatched"
	}
	return p
}

// enqueue adds a link found on page from (resolved against it) if it is on
// this site, outside the console and not seen yet.
func (c *leakCrawler) enqueue(from *url.URL, link string) {
	link = strings.TrimSpace(htmlUnescape(link))
	if link == "" || strings.HasPrefix(link, "#") || strings.HasPrefix(link, "data:") || strings.HasPrefix(link, "mailto:") ||
		strings.HasPrefix(link, "tel:") || strings.HasPrefix(link, "javascript:") {
		return
	}
	u, err := url.Parse(link)
	if err != nil {
		return
	}
	if from != nil {
		u = from.ResolveReference(u)
	} else {
		u = c.base.ResolveReference(u)
	}
	if u.Host != c.base.Host || (u.Scheme != "http" && u.Scheme != "https") {
		return
	}
	u.Fragment = ""
	p := u.RequestURI()
	if strings.HasPrefix(p, "/console") || strings.Contains(p, "logout") {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.seen[p] {
		c.seen[p] = true
		c.queue = append(c.queue, p)
	}
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(s)
}

// finding records a problem of the response to path.
func (c *leakCrawler) finding(path, format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.findings = append(c.findings, path+": "+fmt.Sprintf(format, args...))
}

// leakResponse is a response with its body read.
type leakResponse struct {
	status int
	header http.Header
	body   []byte
	text   string // the text checked (see textOf)
	kind   string
}

// do sends req, reads the answer and checks it.
func (c *leakCrawler) do(req *http.Request, label string) *leakResponse {
	resp, err := c.client.Do(req)
	if err != nil {
		c.finding(label, "request failed: %v", err)
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		c.finding(label, "reading the body: %v", err)
	}
	r := &leakResponse{status: resp.StatusCode, header: resp.Header, body: body}
	c.check(label, r)
	return r
}

// check runs every check on a response.
func (c *leakCrawler) check(label string, r *leakResponse) {
	text, kind, ok := textOf(r.header.Get("Content-Type"), r.body)
	if !ok {
		if len(r.body) == 0 {
			kind = "empty"
		} else if mt, _, _ := mime.ParseMediaType(r.header.Get("Content-Type")); strings.HasPrefix(mt, "image/") {
			kind = "image"
		} else if kind == "pdf" || kind == "xlsx" || kind == "docx" || kind == "zip" {
			c.finding(label, "cannot read the %s body (%d bytes)", kind, len(r.body))
		}
	}
	if len(r.body) == 0 {
		kind = "empty"
	}
	r.text, r.kind = text, kind
	c.mu.Lock()
	c.responses++
	c.bytes += int64(len(r.body))
	c.byKind[kind]++
	c.byStatus[r.status]++
	c.mu.Unlock()
	for _, p := range checkHeaders(r.header) {
		c.finding(label, "%d: %s", r.status, p)
	}
	c.checkText(label, text)
}

var maskedRE = regexp.MustCompile(`\p{Han}\*{1,3}[^*]|1[3-9]\d\*{4}\d{4}`)

func (c *leakCrawler) checkText(label, text string) {
	if text == "" {
		return
	}
	if n := len(maskedRE.FindAllStringIndex(text, -1)); n > 0 {
		c.mu.Lock()
		c.masked += n
		c.mu.Unlock()
	}
	for _, f := range piiFindings(text) {
		c.finding(label, "%s", f)
	}
	for _, s := range c.secrets.find(text) {
		i := strings.Index(text, s.value)
		c.finding(label, "%s %q: %s", s.what, s.value, leakExcerpt(text, i, i+len(s.value)))
	}
	for _, m := range emailRE.FindAllStringIndex(text, -1) {
		if addr := text[m[0]:m[1]]; !c.publicEmail(addr) {
			c.finding(label, "e-mail address %q: %s", addr, leakExcerpt(text, m[0], m[1]))
		}
	}
	if label == "/metrics" {
		return // the Prometheus exposition (loopback only) names runtime functions in its help texts
	}
	for _, f := range findInternals(text) {
		c.finding(label, "%s", f)
	}
}

// publicEmail reports whether a public page may show addr: the agencies'
// published addresses only.
func (c *leakCrawler) publicEmail(addr string) bool { return c.allowedEmails[strings.ToLower(addr)] }

var linkAttrRE = regexp.MustCompile(`(?i)\b(?:href|src|action)\s*=\s*["']([^"']+)["']|\bdata-[a-z-]+\s*=\s*["'](/[^"']*|https?://[^"']*)["']`)
var locRE = regexp.MustCompile(`<loc>\s*([^<\s]+)\s*</loc>`)

// links finds the links of a response.
func (c *leakCrawler) links(from *url.URL, r *leakResponse) {
	switch r.kind {
	case "html", "xml":
		for _, m := range linkAttrRE.FindAllStringSubmatch(string(r.body), -1) {
			c.enqueue(from, m[1]+m[2])
		}
		for _, m := range locRE.FindAllStringSubmatch(string(r.body), -1) {
			c.enqueue(from, m[1])
		}
	case "json":
		var v any
		if json.Unmarshal(r.body, &v) == nil {
			c.jsonLinks(from, v)
			c.fillTemplates(from.Path, v)
		}
	}
	if loc := r.header.Get("Location"); loc != "" {
		c.enqueue(from, loc)
	}
	// Absolute links to this site anywhere else (CSV, text).
	if r.kind == "csv" || r.kind == "text" {
		re := regexp.MustCompile(regexp.QuoteMeta(c.e.URL) + `/[^\s"'<>,]*`)
		for _, m := range re.FindAllString(string(r.body), -1) {
			c.enqueue(from, m)
		}
	}
}

func (c *leakCrawler) jsonLinks(from *url.URL, v any) {
	switch v := v.(type) {
	case map[string]any:
		for _, x := range v {
			c.jsonLinks(from, x)
		}
	case []any:
		for _, x := range v {
			c.jsonLinks(from, x)
		}
	case string:
		if (strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//") && !strings.ContainsAny(v, " \n{")) || strings.HasPrefix(v, c.e.URL+"/") {
			c.enqueue(from, v)
		}
	}
}

// fillTemplates fills the API paths with a parameter from the list at
// path: every object in an array there gives its value of the parameter
// (id, slug, number).
func (c *leakCrawler) fillTemplates(path string, v any) {
	for _, tp := range c.templates {
		if tp.list != path {
			continue
		}
		var vals []string
		var walk func(any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				if x, ok := v[tp.param]; ok {
					switch x := x.(type) {
					case float64:
						vals = append(vals, strconv.FormatInt(int64(x), 10))
					case string:
						vals = append(vals, x)
					}
				}
				for _, y := range v {
					if _, ok := y.([]any); ok {
						walk(y)
					}
				}
			case []any:
				for _, y := range v {
					walk(y)
				}
			}
		}
		walk(v)
		for _, val := range vals {
			c.enqueue(nil, tp.prefix+url.PathEscape(val)+tp.suffix)
		}
	}
}

var paramRE = regexp.MustCompile(`\{([a-z]+)\}`)

var numberOrEmailRE = regexp.MustCompile(`^[0-9A-Z+ -]+$|@`)

// seeds are the crawl's starting points.
func (c *leakCrawler) seeds() {
	c.enqueue(nil, "/")
	c.enqueue(nil, "/sitemap.xml")
	for _, s := range c.slugs {
		c.enqueue(nil, "/o/"+s+"/")
	}
	// The public API's index: every GET without a security requirement.
	r := c.do(c.get("/api/v1/openapi.json"), "/api/v1/openapi.json")
	var doc struct {
		Paths map[string]map[string]struct {
			Security []any `json:"security"`
		} `json:"paths"`
	}
	if r == nil || json.Unmarshal(r.body, &doc) != nil || len(doc.Paths) == 0 {
		c.t.Fatalf("no OpenAPI document")
	}
	c.seen["/api/v1/openapi.json"] = true
	c.perPattern[c.pattern("/api/v1/openapi.json")]++
	apiPaths := 0
	for p, ops := range doc.Paths {
		op, ok := ops["get"]
		if !ok || len(op.Security) > 0 {
			continue
		}
		apiPaths++
		c.addPath(p)
	}
	if apiPaths < 20 {
		c.t.Fatalf("the OpenAPI document lists only %d public GET paths", apiPaths)
	}
	// Every public route: those without parameters as they are, those
	// whose only parameter is the agency as every agency's.
	for p := range c.public {
		_, path, _ := strings.Cut(p, " ")
		c.addPath(path)
	}
	// Queries the API needs.
	year := strconv.Itoa(c.e.Clock.Now().Year())
	for _, p := range []string{"/api/v1/workdays/add?from=" + year + "-03-02&days=5", "/api/v1/workdays/between?from=" + year + "-03-02&to=" + year + "-04-30",
		"/api/v1/calendar/" + year, "/api/v1/search?q=" + url.QueryEscape("宗教"), "/search?q=" + url.QueryEscape("宗教活动场所"),
		"/api/v1/items?limit=100", "/api/v1/halal-outlets/check?number=QZ0001"} {
		c.enqueue(nil, p)
	}
	var outlet string
	c.e.App.DB.R.QueryRowContext(context.Background(), `SELECT number FROM directory_entries WHERE kind = 'outlet' ORDER BY id LIMIT 1`).Scan(&outlet)
	c.enqueue(nil, "/api/v1/halal-outlets/check?number="+url.QueryEscape(outlet))
	for _, s := range c.slugs {
		c.enqueue(nil, "/o/"+s+"/halal/check?number="+url.QueryEscape(outlet))
	}
}

// addPath enqueues a route path: as it is without parameters, once per
// agency if the agency is its only parameter, as a template to fill from
// its list if it is an API path with one parameter.
func (c *leakCrawler) addPath(p string) {
	p = strings.TrimSuffix(p, "{$}")
	params := paramRE.FindAllStringSubmatch(p, -1)
	switch {
	case strings.Contains(p, "..."):
		return
	case len(params) == 0:
		c.enqueue(nil, p)
		if strings.HasPrefix(p, "/api/") {
			for _, s := range c.slugs {
				c.enqueue(nil, p+"?agency="+s)
			}
		}
	case len(params) == 1 && params[0][1] == "slug":
		for _, s := range c.slugs {
			c.enqueue(nil, strings.Replace(p, "{slug}", s, 1))
		}
	case len(params) == 1 && strings.HasPrefix(p, "/api/"):
		i := strings.Index(p, params[0][0])
		prefix, suffix := p[:i], p[i+len(params[0][0]):]
		param := params[0][1]
		tp := apiTemplate{list: strings.TrimSuffix(prefix, "/"), prefix: prefix, param: param, suffix: suffix}
		if !slices.Contains(c.templates, tp) {
			c.templates = append(c.templates, tp)
		}
	}
}

func (c *leakCrawler) get(path string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, c.e.URL+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("User-Agent", "gongkai-leak-crawler")
	return req
}

// crawl visits the queue breadth-first with a few workers.
func (c *leakCrawler) crawl() {
	const workers = 4
	var wg sync.WaitGroup
	var busy int
	cond := sync.NewCond(&c.mu)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c.mu.Lock()
				for len(c.queue) == 0 && busy > 0 {
					cond.Wait()
				}
				if len(c.queue) == 0 || c.responses >= leakMaxPages {
					c.mu.Unlock()
					cond.Broadcast()
					return
				}
				p := c.queue[0]
				c.queue = c.queue[1:]
				pat := c.pattern(p)
				limit := leakPerPattern
				switch {
				case pat == "GET /o/{slug}/letters/{number}":
					limit = leakPerLetter
				case strings.HasSuffix(pat, ".pdf"):
					limit = leakPerPDF
				case strings.HasPrefix(pat, "GET /static/"):
					limit = leakPerStatic
				}
				if c.perPattern[pat] >= limit {
					c.skipped[pat]++
					c.mu.Unlock()
					continue
				}
				c.perPattern[pat]++
				if c.visited[pat] == "" {
					c.visited[pat], _, _ = strings.Cut(p, "?")
				}
				busy++
				c.mu.Unlock()

				u, _ := url.Parse(c.e.URL + p)
				if r := c.do(c.get(p), p); r != nil {
					c.mu.Lock()
					if c.kindsByPattern[pat] == nil {
						c.kindsByPattern[pat] = map[string]int{}
					}
					c.kindsByPattern[pat][fmt.Sprintf("%d %s", r.status, r.kind)]++
					c.mu.Unlock()
					// A PDF is 503 where Chromium is missing; nothing else
					// may fail.
					if r.status >= 500 && !(r.status == http.StatusServiceUnavailable && strings.HasSuffix(pat, ".pdf")) {
						c.finding(p, "status %d", r.status)
					}
					c.links(u, r)
				}
				c.mu.Lock()
				busy--
				c.mu.Unlock()
				cond.Broadcast()
			}
		}()
	}
	wg.Wait()
}

// runLeakCrawl crawls e and checks every response; it returns the crawler
// for its numbers. It fails on any public GET route it did not visit, so
// that a new public page is crawled too.
func runLeakCrawl(t *testing.T, e *apptest.Env) *leakCrawler {
	ctx := context.Background()
	c := newLeakCrawler(t, e)
	all := leakSecrets(t, e)
	c.secrets = newSecretSet(all)
	counts := secretCounts(all)
	for _, what := range []string{"applicant", "letter writer", "commenter", "open-day sign-up", "hearing participant",
		"clergy", "directory internal note", "new-media operator contact", "division liaison", "staff contact"} {
		if counts[what] == 0 {
			t.Errorf("the demo database gave no %s data to look for", what)
		}
	}
	c.allowedEmails = map[string]bool{}
	rows, err := e.App.DB.R.QueryContext(ctx, `SELECT slug, email FROM agencies ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var slug, email string
		if err := rows.Scan(&slug, &email); err != nil {
			t.Fatal(err)
		}
		c.slugs = append(c.slugs, slug)
		if email != "" {
			c.allowedEmails[strings.ToLower(email)] = true
		}
	}
	rows.Close()

	start := time.Now()
	c.seeds()
	c.crawl()
	crawled := c.responses

	// Probes: pages of the public's own records, asked for without the
	// query code (they must say nothing), searches for their data, and the
	// operator endpoints.
	var probes []string
	for _, q := range []struct{ sql, path string }{
		{`SELECT a.number, g.slug FROM applications a JOIN agencies g ON g.id = a.agency_id ORDER BY a.id`, "/apply/status/%[1]s"},
		{`SELECT a.number, g.slug FROM applications a JOIN agencies g ON g.id = a.agency_id ORDER BY a.id`, "/apply/status/%[1]s/letter"},
		{`SELECT a.number, g.slug FROM applications a JOIN agencies g ON g.id = a.agency_id ORDER BY a.id`, "/apply/status/%[1]s/files/1"},
		{`SELECT a.number, g.slug FROM applications a JOIN agencies g ON g.id = a.agency_id ORDER BY a.id`, "/apply/status/%[1]s/letter.pdf"},
		{`SELECT c.number, g.slug FROM concerns c JOIN agencies g ON g.id = c.agency_id WHERE NOT c.published ORDER BY c.id`, "/o/%[2]s/letters/%[1]s"},
	} {
		rows, err := e.App.DB.R.QueryContext(ctx, q.sql)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() && n < 10 {
			var number, slug string
			rows.Scan(&number, &slug)
			probes = append(probes, fmt.Sprintf(q.path, url.PathEscape(number), slug))
			n++
		}
		rows.Close()
	}
	for _, s := range c.slugs[:1] {
		probes = append(probes, "/o/"+s+"/clergy/photo/not-a-token")
	}
	probes = append(probes, "/healthz", "/readyz", "/metrics")
	// Searches for the public's data: the API does not repeat the query, so
	// any hit shows in its body.
	searched := 0
	for _, s := range all {
		if searched >= 60 || len(s.value) < secretKey {
			continue
		}
		probes = append(probes, "/api/v1/search?q="+url.QueryEscape(s.value))
		searched++
	}
	for _, p := range probes {
		u, _ := url.Parse(e.URL + p)
		pat := c.pattern(u.Path)
		c.mu.Lock()
		c.perPattern[pat]++
		if c.visited[pat] == "" {
			c.visited[pat] = u.Path
		}
		c.seen[p] = true
		c.mu.Unlock()
		if r := c.do(c.get(p), p); r != nil {
			if r.status >= 500 {
				c.finding(p, "status %d", r.status)
			}
			if r.status == http.StatusOK && strings.HasPrefix(p, "/o/") && strings.Contains(p, "/letters/") {
				c.finding(p, "an unpublished letter is shown")
			}
			if strings.HasPrefix(p, "/api/v1/search") && r.status == http.StatusOK {
				var res struct{ Total int }
				if json.Unmarshal(r.body, &res) != nil || res.Total != 0 {
					// A name may be in a published text by chance (the body
					// check looks at the hits); a number or address may not.
					if q := u.Query().Get("q"); numberOrEmailRE.MatchString(q) {
						c.finding(p, "the search finds %d results for a member of the public's number or e-mail address", res.Total)
					}
				}
			}
		}
	}
	// The HTML search repeats the query: look for anything else.
	for _, s := range all {
		if s.what != "applicant" || !regexp.MustCompile(`^\d{17}[\dX]$`).MatchString(s.value) {
			continue
		}
		p := "/search?q=" + url.QueryEscape(s.value)
		resp, err := c.client.Do(c.get(p))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		r := &leakResponse{status: resp.StatusCode, header: resp.Header, body: []byte(strings.ReplaceAll(string(body), s.value, "<查询词>"))}
		c.check(p, r)
		break
	}

	// Cached pages again on new connections: the fast path answers them
	// with its own copy of the headers; and as conditional requests (304).
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	before := e.FastPath.Served.Load()
	again := 0
	for _, p := range []string{"/", "/items", "/agencies", "/o/" + c.slugs[0] + "/", "/o/" + c.slugs[0] + "/gk/", "/o/" + c.slugs[0] + "/about",
		"/o/" + c.slugs[0] + "/letters", "/o/" + c.slugs[0] + "/feed.atom", "/sitemap.xml", "/o/" + c.slugs[0] + "/venues"} {
		resp, err := fresh.Do(c.get(p))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		c.check(p+" (again)", &leakResponse{status: resp.StatusCode, header: resp.Header, body: body})
		if etag := resp.Header.Get("ETag"); etag != "" {
			req := c.get(p)
			req.Header.Set("If-None-Match", etag)
			resp, err := fresh.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotModified {
				c.finding(p, "conditional request: %d", resp.StatusCode)
			}
			c.check(p+" (304)", &leakResponse{status: resp.StatusCode, header: resp.Header})
		}
		again++
	}
	if e.FastPath.Served.Load() == before {
		t.Errorf("the fast path answered none of the %d cached pages", again)
	}
	// HEAD, OPTIONS and unknown methods.
	for _, m := range []string{http.MethodHead, http.MethodOptions, "PROPFIND", http.MethodDelete} {
		req := c.get("/o/" + c.slugs[0] + "/")
		req.Method = m
		c.do(req, m+" /o/"+c.slugs[0]+"/")
	}

	// Routes below a visited page that no link led to (a sign-up's QR
	// code, a consultation's files, a counter read by script): asked for
	// below a page of their parent route, with 1 for the other parameters.
	for p := range c.public {
		if c.perPattern[p] > 0 {
			continue
		}
		_, path, _ := strings.Cut(p, " ")
		segs := strings.Split(strings.Trim(path, "/"), "/")
		for k := len(segs) - 1; k > 0; k-- {
			parent := "GET /" + strings.Join(segs[:k], "/")
			v := c.visited[parent]
			if v == "" {
				continue
			}
			tail := paramRE.ReplaceAllString(strings.Join(segs[k:], "/"), "1")
			probe := strings.TrimSuffix(v, "/") + "/" + tail
			c.perPattern[p]++
			if r := c.do(c.get(probe), probe); r != nil && r.status >= 500 {
				c.finding(probe, "status %d", r.status)
			}
			break
		}
	}

	elapsed := time.Since(start)
	c.elapsed = elapsed
	// Every public route was visited.
	var missed []string
	for p := range c.public {
		if c.perPattern[p] == 0 {
			missed = append(missed, p)
		}
	}
	sort.Strings(missed)
	if len(missed) > 0 {
		t.Errorf("the crawl reached no page of %d public routes:\n%s", len(missed), strings.Join(missed, "\n"))
	}
	if crawled < 300 {
		t.Errorf("crawled only %d pages", crawled)
	}
	// The crawl saw the public's data where it is shown masked.
	if c.masked < 50 {
		t.Errorf("only %d masked names or numbers seen: the crawl missed the letters", c.masked)
	}
	sort.Strings(c.findings)
	if len(c.findings) > 0 {
		show := c.findings
		if len(show) > 60 {
			show = show[:60]
		}
		t.Errorf("%d findings:\n%s", len(c.findings), strings.Join(show, "\n"))
	}
	t.Logf("%s: %d responses (%d by the crawl, %d probes; %.1f MB) in %s; %d public GET routes, %d visited; %d secrets (%v); %d masked names and numbers seen",
		e.Dialect, c.responses, crawled, c.responses-crawled, float64(c.bytes)/1e6, elapsed.Round(time.Millisecond), len(c.public), len(c.public)-len(missed), c.secrets.n, counts, c.masked)
	t.Logf("by type: %v", c.byKind)
	t.Logf("by status: %v", c.byStatus)
	var capped []string
	for p, n := range c.skipped {
		capped = append(capped, fmt.Sprintf("%s (+%d)", p, n))
	}
	sort.Strings(capped)
	t.Logf("patterns at the cap of %d (URLs left out): %d: %s", leakPerPattern, len(capped), strings.Join(capped, "; "))
	return c
}

// TestLeakCrawl crawls the demo site on each database (issue 12, item 6).
func TestLeakCrawl(t *testing.T) {
	var mu sync.Mutex
	report := map[string]any{}
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := runLeakCrawl(t, e)
		consolePages := leakConsole(t, e)
		mu.Lock()
		defer mu.Unlock()
		pats := 0
		for _, n := range c.perPattern {
			if n > 0 {
				pats++
			}
		}
		report[string(e.Dialect)] = map[string]any{
			"responses": c.responses, "bytes": c.bytes, "by_type": c.byKind, "by_status": c.byStatus,
			"patterns_visited": pats, "public_get_routes": len(c.public), "secrets": c.secrets.n, "findings": len(c.findings),
			"console_pages": consolePages, "masked_seen": c.masked, "seconds": c.elapsed.Seconds(), "per_pattern": c.perPattern, "kinds_by_pattern": c.kindsByPattern,
		}
	})
	if f := os.Getenv("GONGKAI_LEAK_REPORT"); f != "" {
		t.Cleanup(func() {
			b, _ := json.MarshalIndent(report, "", "  ")
			os.WriteFile(f, b, 0o644)
		})
	}
}

// TestLeakSecurityHeadersHTTPS: behind HTTPS every kind of response also
// carries Strict-Transport-Security — pages from net/http and from the fast
// path, 304s, errors, files, feeds and the API.
func TestLeakSecurityHeadersHTTPS(t *testing.T) {
	e := apptest.NewWith(t, db.SQLite, map[string]string{"GONGKAI_BASE_URL": "https://gk.example.gov.cn"})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	n := 0
	check := func(label string, req *http.Request) *http.Response {
		t.Helper()
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		n++
		problems := checkHeaders(resp.Header)
		if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000; includeSubDomains" {
			problems = append(problems, "Strict-Transport-Security: "+got)
		}
		if len(problems) > 0 {
			t.Errorf("%s (%d): %v", label, resp.StatusCode, problems)
		}
		return resp
	}
	get := func(p string) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, e.URL+p, nil)
		return req
	}
	before := e.FastPath.Served.Load()
	for _, p := range []string{"/", "/o/mzzj/", "/o/mzzj/feed.atom", "/sitemap.xml", "/items", "/o/mzzj/statistics.csv", "/o/mzzj/open-data/catalogue.json",
		"/static/site.css", "/api/v1/items", "/api/v1/opendays", "/api/v1/nothing", "/nothing", "/search?q=%00", "/healthz"} {
		resp := check(p, get(p))
		if etag := resp.Header.Get("ETag"); etag != "" {
			req := get(p)
			req.Header.Set("If-None-Match", etag)
			check(p+" (304)", req)
		}
		check(p+" (again)", get(p))
	}
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/apply/status", strings.NewReader("number=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	check("cross-site POST", req)
	if e.FastPath.Served.Load() == before {
		t.Error("the fast path answered none of the pages")
	}
	t.Logf("%d responses checked", n)
}

// leakConsole follows the staff console's links as an agency's
// administrator, editor, reviewer, handler and approver (at most 8 pages
// a route, 300 in all): staff see personal data there by design, but every
// page carries the security headers and none shows a stack trace or SQL.
func leakConsole(t *testing.T, e *apptest.Env) int {
	u := e.AddUser("mzzj", "leak.console", auth.AgencyAdmin, auth.Editor, auth.Reviewer, auth.Handler, auth.Approver)
	c := newLeakCrawler(t, e)
	cookie := &http.Cookie{Name: web.SessionCookie, Value: e.SessionFor(u.ID)}
	seen := map[string]bool{"/console/": true}
	queue := []string{"/console/"}
	per := map[string]int{}
	pages := 0
	skip := regexp.MustCompile(`logout|/2fa|/password|\.pdf$|/export`)
	for len(queue) > 0 && pages < 300 {
		p := queue[0]
		queue = queue[1:]
		pat := c.pattern(strings.SplitN(p, "?", 2)[0])
		if per[pat] >= 8 {
			continue
		}
		per[pat]++
		req := c.get(p)
		req.AddCookie(cookie)
		resp, err := c.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		pages++
		for _, f := range checkHeaders(resp.Header) {
			t.Errorf("%s (%d): %s", p, resp.StatusCode, f)
		}
		if resp.StatusCode >= 500 {
			t.Errorf("%s: status %d", p, resp.StatusCode)
		}
		text, _, _ := textOf(resp.Header.Get("Content-Type"), body)
		for _, f := range findInternals(text) {
			t.Errorf("%s: %s", p, f)
		}
		if loc := resp.Header.Get("Location"); strings.HasPrefix(loc, "/console/login") {
			t.Fatalf("%s: the console session ended (%s)", p, loc)
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			continue
		}
		for _, m := range linkAttrRE.FindAllStringSubmatch(string(body), -1) {
			link := htmlUnescape(m[1] + m[2])
			lu, err := url.Parse(link)
			if err != nil {
				continue
			}
			lu = c.base.ResolveReference(lu)
			if lu.Host != c.base.Host || !strings.HasPrefix(lu.Path, "/console") || skip.MatchString(lu.Path) {
				continue
			}
			if q := lu.RequestURI(); !seen[q] {
				seen[q] = true
				queue = append(queue, q)
			}
		}
	}
	if pages < 100 {
		t.Errorf("the console crawl saw only %d pages", pages)
	}
	t.Logf("%s: %d console pages of %d routes checked for headers and internals", e.Dialect, pages, len(per))
	return pages
}
