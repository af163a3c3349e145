package web

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/gongkai/gongkai/internal/auth"
)

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fastEnv is one App and page cache served twice: by a FastPath (fast) and
// by a plain http.Server (ref), so that each raw request can be sent to
// both and the answers compared.
type fastEnv struct {
	app      *App
	cache    *PageCache
	version  *fakeVersion
	site     *testSite
	fp       *FastPath
	fast     string // addresses
	ref      string
	log      *syncBuffer
	metrics  *Metrics
	serveErr chan error
}

func newFastEnv(t *testing.T, timeouts ...time.Duration) *fastEnv {
	t.Helper()
	env := &fastEnv{version: &fakeVersion{value: "1"}, site: newTestSite(), log: &syncBuffer{}}
	env.metrics = NewMetrics(prometheus.NewRegistry())
	a, err := NewApp(Options{Logger: slog.New(slog.NewTextHandler(env.log, nil)), Metrics: env.metrics})
	if err != nil {
		t.Fatal(err)
	}
	env.app = a
	env.cache = NewPageCache(env.version, 0)
	a.Handle("GET /o/{slug}/items/{id}", auth.Public, env.cache.Wrap(env.site.page))
	a.Handle("GET /o/{slug}/raw", auth.Public, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "raw "+r.URL.Path)
	})
	a.Handle("POST /o/{slug}/form", auth.Public, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		io.WriteString(w, "form "+r.PostForm.Get("a"))
	})
	header, idle := 5*time.Second, 5*time.Second
	if len(timeouts) == 2 {
		header, idle = timeouts[0], timeouts[1]
	}
	newServer := func() *http.Server {
		return &http.Server{Handler: a.Handler(), ReadHeaderTimeout: header, IdleTimeout: idle,
			WriteTimeout: 5 * time.Second, MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(slog.DiscardHandler, 0)}
	}
	ref := newServer()
	refLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ref.Serve(refLn)
	t.Cleanup(func() { ref.Close() })
	env.ref = refLn.Addr().String()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env.fp = &FastPath{App: a, Cache: env.cache, Server: newServer()}
	env.fast = ln.Addr().String()
	env.serveErr = make(chan error, 1)
	go func() { env.serveErr <- env.fp.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		env.fp.Shutdown(ctx)
	})
	return env
}

// rawConn is a client connection that writes raw request bytes.
type rawConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawConn{t: t, c: c, br: bufio.NewReader(c)}
}

// roundTrip writes raw and reads one response (for HEAD when head).
func (rc *rawConn) roundTrip(raw string) *response {
	rc.t.Helper()
	if _, err := io.WriteString(rc.c, raw); err != nil {
		rc.t.Fatal(err)
	}
	return rc.read(strings.HasPrefix(raw, "HEAD "))
}

func (rc *rawConn) read(head bool) *response {
	rc.t.Helper()
	method := "GET"
	if head {
		method = "HEAD"
	}
	res, err := http.ReadResponse(rc.br, &http.Request{Method: method})
	if err != nil {
		rc.t.Fatalf("read response: %v", err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		rc.t.Fatalf("read body: %v", err)
	}
	res.Body.Close()
	return &response{res, body}
}

type response struct {
	*http.Response
	body []byte
}

var hexID = regexp.MustCompile(`^[0-9a-f]{16}$`)

// sameResponse compares two answers: status, body and every header, but the
// values of Date and X-Request-Id (which must be present and well formed).
func sameResponse(t *testing.T, label string, got, want *response) {
	t.Helper()
	if got.StatusCode != want.StatusCode || got.Proto != want.Proto {
		t.Errorf("%s: %s %d, want %s %d", label, got.Proto, got.StatusCode, want.Proto, want.StatusCode)
	}
	// An error page shows its request ID.
	gb := bytes.ReplaceAll(got.body, []byte(got.Header.Get("X-Request-Id")), []byte("ID"))
	wb := bytes.ReplaceAll(want.body, []byte(want.Header.Get("X-Request-Id")), []byte("ID"))
	if !bytes.Equal(gb, wb) {
		t.Errorf("%s: body differs (%d bytes, want %d)", label, len(got.body), len(want.body))
	}
	if got.Close != want.Close || got.ContentLength != want.ContentLength {
		t.Errorf("%s: close %v length %d, want close %v length %d", label, got.Close, got.ContentLength, want.Close, want.ContentLength)
	}
	keys := func(h http.Header) []string {
		var k []string
		for name := range h {
			k = append(k, name)
		}
		slices.Sort(k)
		return k
	}
	if g, w := keys(got.Header), keys(want.Header); !slices.Equal(g, w) {
		t.Errorf("%s: headers\n %v\nwant\n %v", label, g, w)
		return
	}
	for name, wv := range want.Header {
		gv := got.Header[name]
		switch name {
		case "Date":
			if _, err := http.ParseTime(gv[0]); err != nil || len(gv) != 1 {
				t.Errorf("%s: Date %q", label, gv)
			}
		case "X-Request-Id":
			if len(gv) != 1 || !hexID.MatchString(gv[0]) {
				t.Errorf("%s: X-Request-Id %q", label, gv)
			}
		default:
			if !slices.Equal(gv, wv) {
				t.Errorf("%s: %s = %q, want %q", label, name, gv, wv)
			}
		}
	}
}

const fastHost = "gk.test"

func get(target string, hdr ...string) string {
	return "GET " + target + " HTTP/1.1\r\nHost: " + fastHost + "\r\n" + strings.Join(hdr, "") + "\r\n"
}

// TestFastPathAnswersAsNetHTTP: a cache hit answered by the fast path is
// byte for byte what the middleware and the cache send through net/http
// (headers, body, validators, 304, gzip, HEAD, the elderly variant, a query,
// Connection: close), and the requests are counted and logged the same.
func TestFastPathAnswersAsNetHTTP(t *testing.T) {
	env := newFastEnv(t)
	ref := dialRaw(t, env.ref)
	// Fill the cache (through the reference server) with the variants.
	for _, raw := range []string{
		get("/o/mzzj/items/1"),
		get("/o/mzzj/items/1", "Accept-Encoding: gzip\r\n"),
		get("/o/mzzj/items/1", "Cookie: _ga=1; gk_elderly=1\r\n"),
		get("/o/mzzj/items/1?page=2&q=%E6%B0%91%E5%AE%97"),
	} {
		if res := ref.roundTrip(raw); res.StatusCode != 200 {
			t.Fatalf("warm %q: %d", raw, res.StatusCode)
		}
	}
	plain := ref.roundTrip(get("/o/mzzj/items/1"))
	gz := ref.roundTrip(get("/o/mzzj/items/1", "Accept-Encoding: gzip\r\n"))
	renders := env.site.renders.Load()

	cases := []string{
		get("/o/mzzj/items/1"),
		get("/o/mzzj/items/1", "Accept-Encoding: gzip, deflate, br\r\n"),
		get("/o/mzzj/items/1", "accept-encoding: br;q=1, gzip;q=0\r\n"),
		"HEAD /o/mzzj/items/1 HTTP/1.1\r\nHost: " + fastHost + "\r\n\r\n",
		"HEAD /o/mzzj/items/1 HTTP/1.1\r\nHost: " + fastHost + "\r\nAccept-Encoding: gzip\r\n\r\n",
		get("/o/mzzj/items/1", "If-None-Match: "+plain.Header.Get("Etag")+"\r\n"),
		get("/o/mzzj/items/1", "If-None-Match: \"x\", W/"+gz.Header.Get("Etag")+"\r\n", "Accept-Encoding: gzip\r\n"),
		get("/o/mzzj/items/1", "If-None-Match: "+gz.Header.Get("Etag")+"\r\n"), // the gzip tag for the plain page: 200
		get("/o/mzzj/items/1", "If-Modified-Since: "+plain.Header.Get("Last-Modified")+"\r\n"),
		get("/o/mzzj/items/1", "If-Modified-Since: Mon, 02 Jan 2006 15:04:05 GMT\r\n"),
		get("/o/mzzj/items/1", "If-Modified-Since: not a date\r\n"),
		get("/o/mzzj/items/1", "Cookie: _ga=1; gk_elderly=1\r\n", "User-Agent: Mozilla/5.0\r\n"),
		get("/o/mzzj/items/1", "Cookie: gk_elderly=0\r\n"),
		get("/o/mzzj/items/1?page=2&q=%E6%B0%91%E5%AE%97", "Accept-Encoding: gzip\r\n"),
		"GET /o/mzzj/items/1 HTTP/1.1\r\nhost: GK.TEST\r\n\r\n",
		get("/o/mzzj/items/1", "X-Forwarded-For: 198.51.100.7\r\n", "Connection: keep-alive\r\n"),
	}
	fast := dialRaw(t, env.fast)
	for _, raw := range cases {
		before := env.fp.Served.Load()
		got := fast.roundTrip(raw)
		want := ref.roundTrip(raw)
		sameResponse(t, strings.ReplaceAll(raw, "\r\n", " | "), got, want)
		if env.fp.Served.Load() != before+1 {
			t.Errorf("%q: not answered by the fast path", raw)
		}
	}
	// Two requests in one write (pipelined) get two answers in order.
	io.WriteString(fast.c, get("/o/mzzj/items/1")+"HEAD /o/mzzj/items/1 HTTP/1.1\r\nHost: "+fastHost+"\r\n\r\n")
	if a, b := fast.read(false), fast.read(true); a.StatusCode != 200 || len(a.body) == 0 || b.StatusCode != 200 || len(b.body) != 0 {
		t.Errorf("pipelined: %d %d bytes, %d %d bytes", a.StatusCode, len(a.body), b.StatusCode, len(b.body))
	}
	// Connection: close is honoured.
	got := fast.roundTrip(get("/o/mzzj/items/1", "Connection: close\r\n"))
	sameResponse(t, "Connection: close", got, dialRaw(t, env.ref).roundTrip(get("/o/mzzj/items/1", "Connection: close\r\n")))
	if n, err := fast.br.ReadByte(); err != io.EOF {
		t.Errorf("after Connection: close: %v %v, want EOF", n, err)
	}
	if env.site.renders.Load() != renders {
		t.Errorf("the handler rendered %d more times", env.site.renders.Load()-renders)
	}

	// Counted under the route and logged like any request.
	served := env.fp.Served.Load()
	n := testutil.ToFloat64(env.metrics.requests.WithLabelValues("GET /o/{slug}/items/{id}", "GET", "200"))
	if n < float64(served) {
		t.Errorf("requests_total for the route: %v, want at least the %d fast answers", n, served)
	}
	if testutil.ToFloat64(env.metrics.requests.WithLabelValues("GET /o/{slug}/items/{id}", "GET", "304")) < 3 {
		t.Errorf("304s not counted")
	}
	log := env.log.String()
	if !strings.Contains(log, `msg=request method=GET route="GET /o/{slug}/items/{id}" path=/o/mzzj/items/1 status=304`) ||
		!strings.Contains(log, "ip=127.0.0.1") || !strings.Contains(log, "method=HEAD") {
		t.Errorf("access log lacks the fast answers:\n%s", log)
	}
	if strings.Count(log, "msg=request ") < int(served)+8 {
		t.Errorf("%d access-log lines for %d fast answers", strings.Count(log, "msg=request "), served)
	}
}

// TestFastPathHandsOff: every request the fast path does not answer itself
// gets, on the same connection, exactly the answer net/http gives; and the
// connection stays with net/http afterwards.
func TestFastPathHandsOff(t *testing.T) {
	env := newFastEnv(t)
	dialRaw(t, env.ref).roundTrip(get("/o/mzzj/items/1")) // cached
	long := "X-Long: " + strings.Repeat("a", 5000) + "\r\n"
	cases := []struct {
		label, raw string
		status     int
	}{
		{"POST with a body", "POST /o/mzzj/form HTTP/1.1\r\nHost: " + fastHost + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=1", 200},
		{"route not cached", get("/o/mzzj/raw"), 200},
		{"unknown path", get("/nowhere"), 404},
		{"session cookie", get("/o/mzzj/items/1", "Cookie: gk_session=abc\r\n"), 200},
		{"Authorization", get("/o/mzzj/items/1", "Authorization: Bearer x\r\n"), 200},
		{"Range", get("/o/mzzj/items/1", "Range: bytes=0-10\r\n"), 200},
		{"head larger than the buffer", get("/o/mzzj/items/1", long), 200},
		{"absolute form", "GET http://" + fastHost + "/o/mzzj/items/1 HTTP/1.1\r\nHost: " + fastHost + "\r\n\r\n", 200},
		{"dot segment", get("/o/mzzj/./items/1"), 307},
		{"double slash", get("/o//mzzj/items/1"), 307},
		{"escaped path", get("/o/mzzj/items/%31"), 200},
		{"bad query escape", get("/o/mzzj/items/1?q=%zz"), 400},
		{"query with invalid UTF-8", get("/o/mzzj/items/1?q=%ff"), 400},
		{"bad header name", get("/o/mzzj/items/1", "Bad Header: x\r\n"), 400},
		{"control character", get("/o/mzzj/items/1", "X-A: a\x01b\r\n"), 400},
		{"two Host headers", get("/o/mzzj/items/1", "Host: other\r\n"), 400},
		{"Expect", get("/o/mzzj/items/1", "Expect: 100-continue\r\n"), 200},
		{"Upgrade", get("/o/mzzj/items/1", "Connection: Upgrade\r\n", "Upgrade: websocket\r\n"), 200},
		{"OPTIONS", "OPTIONS /o/mzzj/items/1 HTTP/1.1\r\nHost: " + fastHost + "\r\n\r\n", 405},
	}
	for _, tc := range cases {
		fast, ref := dialRaw(t, env.fast), dialRaw(t, env.ref)
		before := env.fp.HandedOff.Load()
		got, want := fast.roundTrip(tc.raw), ref.roundTrip(tc.raw)
		if want.StatusCode != tc.status {
			t.Errorf("%s: net/http answers %d, the test expects %d", tc.label, want.StatusCode, tc.status)
		}
		sameResponse(t, tc.label, got, want)
		if env.fp.HandedOff.Load() != before+1 {
			t.Errorf("%s: not handed off", tc.label)
		}
		if !want.Close {
			// net/http answered and gave the connection back: the next
			// cached page comes from the fast path again, unless the
			// head was one whose end the fast path cannot be sure of.
			served := env.fp.Served.Load()
			sameResponse(t, tc.label+", then a cached page", fast.roundTrip(get("/o/mzzj/items/1")), ref.roundTrip(get("/o/mzzj/items/1")))
			kept := tc.label == "head larger than the buffer" || tc.label == "Upgrade"
			if back := env.fp.Served.Load() == served+1; back == kept {
				t.Errorf("%s: the next request answered by the fast path: %v", tc.label, back)
			}
		}
	}
	// Heads net/http reads but the fast path does not: bare LF line ends,
	// HTTP/1.0, no Host. (Compared without a second request: HTTP/1.0 and
	// a 400 close the connection.)
	for _, raw := range []string{
		"GET /o/mzzj/items/1 HTTP/1.1\nHost: " + fastHost + "\n\n",
		"GET /o/mzzj/items/1 HTTP/1.0\r\nHost: " + fastHost + "\r\n\r\n",
		"GET /o/mzzj/items/1 HTTP/1.1\r\n\r\n",
		"\r\nGET /o/mzzj/items/1 HTTP/1.1\r\nHost: " + fastHost + "\r\n\r\n",
	} {
		sameResponse(t, strings.ReplaceAll(raw, "\n", "|"), dialRaw(t, env.fast).roundTrip(raw), dialRaw(t, env.ref).roundTrip(raw))
	}
}

// TestFastPathLendsConnections: a request for net/http — a miss, a form
// with a body larger than the buffer, requests sent together — is answered
// by net/http on the same connection, which then comes back to the fast
// path for the next request.
func TestFastPathLendsConnections(t *testing.T) {
	env := newFastEnv(t)
	c := dialRaw(t, env.fast)
	miss := c.roundTrip(get("/o/mzzj/items/9"))
	hit := c.roundTrip(get("/o/mzzj/items/9"))
	if miss.StatusCode != 200 || !bytes.Equal(miss.body, hit.body) || env.fp.Served.Load() != 1 || env.fp.HandedOff.Load() != 1 {
		t.Fatalf("miss then hit: %d, served %d, handed off %d", miss.StatusCode, env.fp.Served.Load(), env.fp.HandedOff.Load())
	}
	big := "a=" + strings.Repeat("x", 100_000)
	post := "POST /o/mzzj/form HTTP/1.1\r\nHost: " + fastHost + "\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
		"Content-Length: " + strconv.Itoa(len(big)) + "\r\n\r\n" + big
	// The form, a cached page and a page for net/http, in one write.
	io.WriteString(c.c, post+get("/o/mzzj/items/9")+get("/o/mzzj/raw")+get("/o/mzzj/items/9", "Accept-Encoding: gzip\r\n"))
	form, page, raw, gz := c.read(false), c.read(false), c.read(false), c.read(false)
	if form.StatusCode != 200 || string(form.body) != "form "+big[2:] {
		t.Errorf("form: %d, %d bytes", form.StatusCode, len(form.body))
	}
	if !bytes.Equal(page.body, hit.body) || string(raw.body) != "raw /o/mzzj/raw" || gz.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("after the form: %q %q %q", page.body[:20], raw.body, gz.Header.Get("Content-Encoding"))
	}
	if env.fp.Served.Load() != 3 || env.fp.HandedOff.Load() != 3 {
		t.Errorf("served %d, handed off %d; want 3 and 3", env.fp.Served.Load(), env.fp.HandedOff.Load())
	}
	// A request net/http ends with Connection: close ends the connection.
	if res := c.roundTrip(get("/o/mzzj/raw", "Connection: close\r\n")); !res.Close {
		t.Errorf("Connection: close not honoured")
	}
	if _, err := c.br.ReadByte(); err != io.EOF {
		t.Errorf("after Connection: close: %v", err)
	}
}

// TestFastPathFollowsVersions: a page of an older content version is never
// answered by the fast path; net/http renders the new one, which the fast
// path then answers.
func TestFastPathFollowsVersions(t *testing.T) {
	env := newFastEnv(t)
	fast := dialRaw(t, env.fast)
	first := fast.roundTrip(get("/o/mzzj/items/7")) // a miss: handed off, rendered, cached
	if first.StatusCode != 200 || !bytes.Contains(first.body, []byte("content=v1")) || env.fp.HandedOff.Load() != 1 {
		t.Fatalf("first: %d %q, handed off %d", first.StatusCode, first.body[:60], env.fp.HandedOff.Load())
	}
	c2 := dialRaw(t, env.fast)
	if res := c2.roundTrip(get("/o/mzzj/items/7")); !bytes.Equal(res.body, first.body) || env.fp.Served.Load() != 1 {
		t.Fatalf("second: served %d", env.fp.Served.Load())
	}
	env.site.content.Store("v2")
	env.version.set("2")
	res := c2.roundTrip(get("/o/mzzj/items/7"))
	if !bytes.Contains(res.body, []byte("content=v2")) || env.fp.Served.Load() != 1 {
		t.Fatalf("after the version changed: %q, served %d", res.body[:60], env.fp.Served.Load())
	}
	if res := dialRaw(t, env.fast).roundTrip(get("/o/mzzj/items/7")); !bytes.Contains(res.body, []byte("content=v2")) || env.fp.Served.Load() != 2 {
		t.Fatalf("the new version: served %d", env.fp.Served.Load())
	}
}

// TestFastPathTimeoutsAndShutdown: a head that never completes is dropped
// after the header timeout; Shutdown closes idle connections (fast and
// handed off) and returns, and Serve returns http.ErrServerClosed.
func TestFastPathTimeoutsAndShutdown(t *testing.T) {
	env := newFastEnv(t, 300*time.Millisecond, time.Minute)
	dialRaw(t, env.fast).roundTrip(get("/o/mzzj/items/1"))

	slow := dialRaw(t, env.fast)
	io.WriteString(slow.c, "GET /o/mzzj/items/1 HTTP/1.1\r\nHost: gk")
	start := time.Now()
	if _, err := slow.br.ReadByte(); err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("an incomplete head: %v after %v", err, time.Since(start))
	}
	silent := dialRaw(t, env.fast) // connects and sends nothing
	start = time.Now()
	if _, err := silent.br.ReadByte(); err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("a silent connection: %v after %v", err, time.Since(start))
	}

	idleFast := dialRaw(t, env.fast)
	idleFast.roundTrip(get("/o/mzzj/items/1"))
	idleNet := dialRaw(t, env.fast)
	idleNet.roundTrip(get("/o/mzzj/raw"))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start = time.Now()
	if err := env.fp.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("Shutdown took %v", time.Since(start))
	}
	for _, c := range []*rawConn{idleFast, idleNet} {
		if _, err := c.br.ReadByte(); err == nil {
			t.Errorf("an idle connection stayed open")
		}
	}
	select {
	case err := <-env.serveErr:
		if err != http.ErrServerClosed {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Error("Serve did not return")
	}
	if _, err := net.DialTimeout("tcp", env.fast, time.Second); err == nil {
		t.Error("still accepting after Shutdown")
	}
}

// TestFastPathConcurrent: many clients at once, hits and misses mixed,
// each getting its own complete answer (run with -race).
func TestFastPathConcurrent(t *testing.T) {
	env := newFastEnv(t)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			c := dialRaw(t, env.fast)
			for j := range 30 {
				path := "/o/mzzj/items/" + string(rune('a'+(i+j)%5))
				res := c.roundTrip(get(path, "Accept-Encoding: gzip\r\n"))
				if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "gzip" {
					t.Errorf("%s: %d", path, res.StatusCode)
					return
				}
			}
		})
	}
	wg.Wait()
	if env.fp.Served.Load() == 0 {
		t.Error("no request answered by the fast path")
	}
}

// FuzzFastRequest: whatever head the fast path reads, net/http reads it too,
// as the same method, host, path and query (the page cache key).
func FuzzFastRequest(f *testing.F) {
	for _, s := range []string{
		get("/o/mzzj/items/1"), get("/a/b.c?x=1&y=%E6%B0%91"), get("/", "Cookie: gk_elderly=1\r\n"),
		"HEAD /x HTTP/1.1\r\nHost: a:8080\r\nConnection: close\r\n\r\n",
		"GET /x HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 1.2.3.4, 5.6.7.8\r\n\r\n",
		"GET /x HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", "GET /x HTTP/1.1\r\nHost: a\r\n x\r\n\r\n",
		"POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n", "POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 0012\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		br := bufio.NewReaderSize(bytes.NewReader(b), fastBufSize)
		head, ok, err := readHead(br, func() {})
		if err != nil || !ok {
			return
		}
		// Where the fast path thinks a lent request ends, net/http does too.
		if n, ok := requestLength(head); ok && n < 1<<20 {
			r, err := http.ReadRequest(bufio.NewReader(io.MultiReader(bytes.NewReader(head), bytes.NewReader(make([]byte, n)))))
			if err == nil && r.ContentLength != n && (n != 0 || r.ContentLength > 0) {
				t.Fatalf("%q: body of %d bytes, net/http reads %d", head, n, r.ContentLength)
			}
		}
		var q fastRequest
		if !q.parse(head) {
			return
		}
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(head)))
		if err != nil {
			t.Fatalf("the fast path reads %q, net/http refuses it: %v", head, err)
		}
		wantMethod := "GET"
		if q.head {
			wantMethod = "HEAD"
		}
		if r.Method != wantMethod || r.Host != string(q.host) || r.URL.EscapedPath() != string(q.path) || r.URL.RawQuery != string(q.query) {
			t.Fatalf("%q: net/http reads %s %s %s ? %s", head, r.Method, r.Host, r.URL.EscapedPath(), r.URL.RawQuery)
		}
		if r.Close != q.close {
			t.Fatalf("%q: Close %v, fast path %v", head, r.Close, q.close)
		}
		hr := httptest.NewRequest("GET", "/", nil)
		hr.Header = r.Header
		elderly := false
		if q.elderlyCookie {
			elderly = ElderlyMode(hr)
		}
		if elderly != ElderlyMode(hr) {
			t.Fatalf("%q: elderly mode differs", head)
		}
		if got, want := string(appendFastKey(nil, &q, elderly)), pageKey(&http.Request{Host: r.Host, URL: r.URL, Header: r.Header}); got != want {
			t.Fatalf("%q: key %q, want %q", head, got, want)
		}
	})
}
