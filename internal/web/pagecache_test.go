package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

// fakeVersion is a ContentVersion under the test's control.
type fakeVersion struct {
	mu    sync.Mutex
	value string
	err   error
}

func (f *fakeVersion) Current(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.value, f.err
}

func (f *fakeVersion) set(v string) { f.mu.Lock(); f.value = v; f.mu.Unlock() }

// testSite is a portal handler that counts its renders; its pages depend on
// the URL, the elderly mode and content (the "database").
type testSite struct {
	renders atomic.Int64
	content atomic.Value // string
	methods sync.Map     // methods the handler saw
}

func newTestSite() *testSite {
	s := &testSite{}
	s.content.Store("v1")
	return s
}

func (s *testSite) page(w http.ResponseWriter, r *http.Request) {
	s.renders.Add(1)
	s.methods.Store(r.Method, true)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", "zh-CN")
	fmt.Fprintf(w, "<!doctype html><title>%s</title><p>content=%s elderly=%v query=%s</p>",
		r.URL.Path, s.content.Load(), ElderlyMode(r), r.URL.RawQuery)
	for range 40 {
		io.WriteString(w, "<p>根据《中华人民共和国政府信息公开条例》，现将本机关政府信息公开工作情况公告如下。</p>\n")
	}
}

func do(h http.Handler, method, target string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func newTestCache(t testing.TB, v ContentVersion, maxBytes int64) (*PageCache, *testSite, http.Handler) {
	t.Helper()
	c := NewPageCache(v, maxBytes)
	s := newTestSite()
	return c, s, c.Wrap(s.page)
}

func TestPageCacheHitAndMiss(t *testing.T) {
	c, site, h := newTestCache(t, &fakeVersion{value: "1"}, 0)
	first := do(h, "GET", "/o/mzzj/item/1?x=1")
	if first.Code != 200 || site.renders.Load() != 1 {
		t.Fatalf("first: %d, renders %d", first.Code, site.renders.Load())
	}
	second := do(h, "GET", "/o/mzzj/item/1?x=1")
	if second.Code != 200 || site.renders.Load() != 1 {
		t.Fatalf("second: %d, renders %d (want a hit)", second.Code, site.renders.Load())
	}
	if !bytes.Equal(first.Body.Bytes(), second.Body.Bytes()) {
		t.Fatal("hit body differs from miss body")
	}
	for _, r := range []*httptest.ResponseRecorder{first, second} {
		h := r.Header()
		if h.Get("ETag") == "" || strings.HasPrefix(h.Get("ETag"), "W/") || h.Get("Last-Modified") == "" {
			t.Errorf("validators: ETag %q, Last-Modified %q", h.Get("ETag"), h.Get("Last-Modified"))
		}
		if h.Get("Cache-Control") != "no-cache" || h.Get("Vary") != "Accept-Encoding, Cookie" {
			t.Errorf("Cache-Control %q, Vary %q", h.Get("Cache-Control"), h.Get("Vary"))
		}
		if h.Get("Content-Type") != "text/html; charset=utf-8" || h.Get("Content-Language") != "zh-CN" {
			t.Errorf("handler headers lost: %v", h)
		}
		if h.Get("Content-Length") != fmt.Sprint(r.Body.Len()) {
			t.Errorf("Content-Length %q for %d bytes", h.Get("Content-Length"), r.Body.Len())
		}
	}
	if first.Header().Get("ETag") != second.Header().Get("ETag") || first.Header().Get("Last-Modified") != second.Header().Get("Last-Modified") {
		t.Error("validators differ between miss and hit")
	}
	// Every part of the key separates pages.
	do(h, "GET", "/o/mzzj/item/1?x=2")
	do(h, "GET", "/o/mzzj/item/1")
	do(h, "GET", "/o/mzzj/item/2?x=1")
	do(h, "GET", "http://other.example/o/mzzj/item/1?x=1")
	do(h, "GET", "/o/mzzj/item%2F1?x=1")
	if n := site.renders.Load(); n != 6 {
		t.Errorf("renders = %d, want 6 (one per distinct URL)", n)
	}
	do(h, "GET", "http://EXAMPLE.com/o/mzzj/item/1?x=1") // host names are case-insensitive
	if n := site.renders.Load(); n != 6 {
		t.Errorf("renders = %d after an upper-case host, want 6", n)
	}
	st := c.Stats()
	if st.Hits != 2 || st.Misses != 6 || st.Entries != 6 || st.Bytes <= 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestPageCacheConditionalRequests(t *testing.T) {
	clock := time.Date(2026, 3, 1, 8, 0, 0, 500, time.UTC)
	c, site, h := newTestCache(t, &fakeVersion{value: "1"}, 0)
	c.now = func() time.Time { return clock }
	first := do(h, "GET", "/p")
	etag, lm := first.Header().Get("ETag"), first.Header().Get("Last-Modified")
	if lm != "Sun, 01 Mar 2026 08:00:00 GMT" {
		t.Fatalf("Last-Modified %q, want the time of caching", lm)
	}
	for _, tc := range []struct {
		name string
		hdr  []string
		want int
	}{
		{"If-None-Match", []string{"If-None-Match", etag}, 304},
		{"weak If-None-Match", []string{"If-None-Match", "W/" + etag}, 304},
		{"If-None-Match list", []string{"If-None-Match", `"abc", ` + etag}, 304},
		{"If-None-Match *", []string{"If-None-Match", "*"}, 304},
		{"other ETag", []string{"If-None-Match", `"abc"`}, 200},
		{"If-Modified-Since equal", []string{"If-Modified-Since", lm}, 304},
		{"If-Modified-Since later", []string{"If-Modified-Since", "Sun, 01 Mar 2026 09:00:00 GMT"}, 304},
		{"If-Modified-Since earlier", []string{"If-Modified-Since", "Sun, 01 Mar 2026 07:59:59 GMT"}, 200},
		{"If-Modified-Since garbage", []string{"If-Modified-Since", "yesterday"}, 200},
		// If-None-Match takes precedence (RFC 9110 §13.2.2).
		{"other ETag, fresh date", []string{"If-None-Match", `"abc"`, "If-Modified-Since", lm}, 200},
		{"ETag of the gzip body", []string{"If-None-Match", strings.TrimSuffix(etag, `"`) + `-gz"`}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(h, "GET", "/p", tc.hdr...)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d", w.Code, tc.want)
			}
			if w.Code == 304 {
				if w.Body.Len() != 0 || w.Header().Get("ETag") != etag || w.Header().Get("Cache-Control") == "" ||
					w.Header().Get("Vary") == "" || w.Header().Get("Content-Length") != "" || w.Header().Get("Content-Type") != "" {
					t.Errorf("304 headers %v, body %d bytes", w.Header(), w.Body.Len())
				}
			} else if !bytes.Equal(w.Body.Bytes(), first.Body.Bytes()) {
				t.Error("200 body differs")
			}
		})
	}
	if n := site.renders.Load(); n != 1 {
		t.Errorf("renders = %d, want 1", n)
	}

	// A validator from another instance (same bytes, same ETag) gets a 304
	// even on this instance's miss; the handler never sees it.
	c2, site2, h2 := newTestCache(t, &fakeVersion{value: "1"}, 0)
	_ = c2
	if w := do(h2, "GET", "/p", "If-None-Match", etag); w.Code != 304 {
		t.Errorf("miss with a matching If-None-Match: %d, want 304", w.Code)
	}
	if w := do(h2, "GET", "/p"); w.Code != 200 || !bytes.Equal(w.Body.Bytes(), first.Body.Bytes()) || site2.renders.Load() != 1 {
		t.Errorf("after a 304 miss: %d, renders %d", w.Code, site2.renders.Load())
	}
}

func TestPageCacheGzip(t *testing.T) {
	_, site, h := newTestCache(t, &fakeVersion{value: "1"}, 0)
	plain := do(h, "GET", "/p")
	if plain.Header().Get("Content-Encoding") != "" {
		t.Fatal("gzip without Accept-Encoding")
	}
	for ae, want := range map[string]bool{
		"gzip": true, "gzip, deflate, br, zstd": true, "br;q=1.0, gzip;q=0.8": true, "*": true, "GZIP": true, "x-gzip": true,
		"": false, "br": false, "gzip;q=0": false, "gzip; q=0.000": false, "*, gzip;q=0": false, "identity": false, "*;q=0": false,
	} {
		w := do(h, "GET", "/p", "Accept-Encoding", ae)
		got := w.Header().Get("Content-Encoding") == "gzip"
		if got != want {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", ae, got, want)
			continue
		}
		body := w.Body.Bytes()
		if got {
			if w.Header().Get("Content-Length") != fmt.Sprint(len(body)) || len(body) >= plain.Body.Len() {
				t.Errorf("gzip Content-Length %q, %d bytes (plain %d)", w.Header().Get("Content-Length"), len(body), plain.Body.Len())
			}
			if w.Header().Get("ETag") == plain.Header().Get("ETag") {
				t.Error("the gzip representation has the ETag of the plain one")
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(body, plain.Body.Bytes()) {
			t.Errorf("Accept-Encoding %q: body differs from the plain page", ae)
		}
	}
	gz := do(h, "GET", "/p", "Accept-Encoding", "gzip")
	if w := do(h, "GET", "/p", "Accept-Encoding", "gzip", "If-None-Match", gz.Header().Get("ETag")); w.Code != 304 {
		t.Errorf("gzip revalidation: %d", w.Code)
	}
	if w := do(h, "HEAD", "/p", "Accept-Encoding", "gzip"); w.Body.Len() != 0 || w.Header().Get("Content-Length") != gz.Header().Get("Content-Length") {
		t.Errorf("HEAD gzip: %d bytes, Content-Length %q", w.Body.Len(), w.Header().Get("Content-Length"))
	}
	if n := site.renders.Load(); n != 1 {
		t.Errorf("renders = %d, want 1", n)
	}

	// Tiny or binary bodies are stored as they are.
	tiny := NewPageCache(&fakeVersion{}, 0).Wrap(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<p>短</p>")
	})
	w := do(tiny, "GET", "/t", "Accept-Encoding", "gzip")
	if w.Header().Get("Content-Encoding") != "" || w.Header().Get("Vary") != "Cookie" || w.Body.String() != "<p>短</p>" {
		t.Errorf("tiny page: %v %q", w.Header(), w.Body.String())
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("sniffed Content-Type %q", ct)
	}
}

func TestPageCacheElderlyVariant(t *testing.T) {
	_, site, h := newTestCache(t, &fakeVersion{value: "1"}, 0)
	normal := do(h, "GET", "/p")
	elderly := do(h, "GET", "/p", "Cookie", "gk_elderly=1")
	if site.renders.Load() != 2 || !strings.Contains(elderly.Body.String(), "elderly=true") || !strings.Contains(normal.Body.String(), "elderly=false") {
		t.Fatalf("variants not separated: renders %d", site.renders.Load())
	}
	if normal.Header().Get("ETag") == elderly.Header().Get("ETag") {
		t.Error("both variants have one ETag")
	}
	for _, cookie := range []string{"gk_session=abc", "_ga=GA1.2.3; Hm_lvt=1", "gk_elderly=0", "gk_elderly="} {
		if w := do(h, "GET", "/p", "Cookie", cookie); w.Body.String() != normal.Body.String() {
			t.Errorf("cookie %q: not the normal page", cookie)
		}
	}
	if w := do(h, "GET", "/p", "Cookie", "_ga=1; gk_elderly=1"); w.Body.String() != elderly.Body.String() {
		t.Error("elderly page not served from the cache")
	}
	if n := site.renders.Load(); n != 2 {
		t.Errorf("renders = %d, want 2 (other cookies must not defeat the cache)", n)
	}
	// A browser that switched modes must not get a 304 for its old copy.
	if w := do(h, "GET", "/p", "Cookie", "gk_elderly=1", "If-None-Match", normal.Header().Get("ETag")); w.Code != 200 {
		t.Errorf("elderly request with the normal ETag: %d, want 200", w.Code)
	}
}

func TestPageCacheVersionBump(t *testing.T) {
	clock := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	v := &fakeVersion{value: "1"}
	c, site, h := newTestCache(t, v, 0)
	c.now = func() time.Time { return clock }
	first := do(h, "GET", "/p")

	// New version, same bytes: re-rendered, same validators, and old copies
	// still revalidate.
	v.set("2")
	clock = clock.Add(time.Minute)
	same := do(h, "GET", "/p", "If-None-Match", first.Header().Get("ETag"))
	if same.Code != 304 || site.renders.Load() != 2 {
		t.Fatalf("unchanged page after a bump: %d, renders %d", same.Code, site.renders.Load())
	}
	if w := do(h, "GET", "/p"); w.Header().Get("Last-Modified") != first.Header().Get("Last-Modified") {
		t.Errorf("Last-Modified moved for identical bytes: %q", w.Header().Get("Last-Modified"))
	}

	// Publish: content and version change together.
	site.content.Store("v2")
	v.set("3")
	clock = clock.Add(time.Minute)
	w := do(h, "GET", "/p", "If-None-Match", first.Header().Get("ETag"))
	if w.Code != 200 || !strings.Contains(w.Body.String(), "content=v2") || site.renders.Load() != 3 {
		t.Fatalf("after publish: %d, renders %d, %q", w.Code, site.renders.Load(), w.Body.String()[:80])
	}
	if w.Header().Get("Last-Modified") != "Sun, 01 Mar 2026 08:02:00 GMT" {
		t.Errorf("Last-Modified %q", w.Header().Get("Last-Modified"))
	}
	if w := do(h, "GET", "/p", "If-Modified-Since", first.Header().Get("Last-Modified")); w.Code != 200 {
		t.Errorf("If-Modified-Since of the old page: %d", w.Code)
	}
	// Entries of an old version are never served, even if the version
	// comes back (a version is a value, not an order).
	site.content.Store("v3")
	v.set("1")
	if w := do(h, "GET", "/p"); !strings.Contains(w.Body.String(), "content=v3") {
		t.Error("an entry of an older version was served")
	}
	if st := c.Stats(); st.Entries != 1 {
		t.Errorf("%d entries, want 1 (a new version replaces the entry of its key)", st.Entries)
	}

	// Without a version the cache steps aside.
	v.mu.Lock()
	v.err = errors.New("database down")
	v.mu.Unlock()
	before := site.renders.Load()
	do(h, "GET", "/p")
	do(h, "GET", "/p")
	if site.renders.Load() != before+2 {
		t.Error("pages served from the cache without a content version")
	}
}

func TestPageCacheDoesNotCache(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		hdr     []string
		method  string
	}{
		{"404", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "没有", http.StatusNotFound) }, nil, "GET"},
		{"redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/x", http.StatusSeeOther) }, nil, "GET"},
		{"500", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500); io.WriteString(w, "错误") }, nil, "GET"},
		{"Set-Cookie", func(w http.ResponseWriter, r *http.Request) {
			http.SetCookie(w, &http.Cookie{Name: "x", Value: "1"})
			io.WriteString(w, "ok")
		}, nil, "GET"},
		{"no-store", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-store")
			io.WriteString(w, "ok")
		}, nil, "GET"},
		{"private", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "Private, max-age=10")
			io.WriteString(w, "ok")
		}, nil, "GET"},
		{"Content-Encoding", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "br")
			io.WriteString(w, "ok")
		}, nil, "GET"},
		{"Authorization", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }, []string{"Authorization", "Bearer x"}, "GET"},
		{"POST", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }, nil, "POST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var renders atomic.Int64
			c := NewPageCache(&fakeVersion{value: "1"}, 0)
			h := c.Wrap(func(w http.ResponseWriter, r *http.Request) { renders.Add(1); tc.handler(w, r) })
			direct := do(tc.handler, tc.method, "/p", tc.hdr...)
			for i := range 3 {
				w := do(h, tc.method, "/p", tc.hdr...)
				if w.Code != direct.Code || w.Body.String() != direct.Body.String() ||
					w.Header().Get("Set-Cookie") != direct.Header().Get("Set-Cookie") ||
					w.Header().Get("Location") != direct.Header().Get("Location") ||
					w.Header().Get("Cache-Control") != direct.Header().Get("Cache-Control") {
					t.Fatalf("request %d: %d %v %q, want %d %v %q", i, w.Code, w.Header(), w.Body.String(), direct.Code, direct.Header(), direct.Body.String())
				}
				if w.Header().Get("ETag") != "" {
					t.Fatalf("an uncached response got an ETag")
				}
			}
			if renders.Load() != 3 {
				t.Errorf("renders = %d, want 3", renders.Load())
			}
			if st := c.Stats(); st.Entries != 0 || st.Bypassed != 3 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestPageCacheLRU(t *testing.T) {
	const max = 64 << 10
	var renders atomic.Int64
	c := NewPageCache(&fakeVersion{value: "1"}, max)
	sizes := map[string]int{"/huge": max, "/big": max / 8} // over the per-entry limit
	h := c.Wrap(func(w http.ResponseWriter, r *http.Request) {
		renders.Add(1)
		n := 4000
		if s, ok := sizes[r.URL.Path]; ok {
			n = s
		}
		b := make([]byte, n)
		rand.Read(b) // incompressible: no gzip copy
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("X-Sum", fmt.Sprintf("%x", b[:8]))
		w.Write(b)
	})
	for i := range 40 {
		do(h, "GET", fmt.Sprintf("/p/%d", i))
		if i >= 5 {
			do(h, "GET", "/p/0") // kept warm
		}
		if st := c.Stats(); st.Bytes > max {
			t.Fatalf("after %d pages: %d bytes > %d", i+1, st.Bytes, max)
		}
	}
	if n := renders.Load(); n != 40 {
		t.Fatalf("renders = %d, want 40: a page in use was evicted", n)
	}
	st := c.Stats()
	if st.Evictions == 0 || st.Entries < 8 || st.Entries > 13 {
		t.Fatalf("stats %+v", st)
	}
	before := renders.Load()
	do(h, "GET", "/p/0")  // recently used
	do(h, "GET", "/p/39") // newest
	if renders.Load() != before {
		t.Error("recently used pages were evicted")
	}
	do(h, "GET", "/p/1") // least recently used
	if renders.Load() != before+1 {
		t.Error("the least recently used page was kept")
	}

	// Pages over an eighth of the budget pass through intact, never cached;
	// the largest stream past the buffer.
	for _, p := range []string{"/big", "/huge"} {
		for range 2 {
			before := renders.Load()
			w := do(h, "GET", p)
			if w.Code != 200 || w.Body.Len() != sizes[p] || w.Header().Get("X-Sum") != fmt.Sprintf("%x", w.Body.Bytes()[:8]) {
				t.Fatalf("%s: %d, %d bytes", p, w.Code, w.Body.Len())
			}
			if renders.Load() != before+1 {
				t.Errorf("%s was cached", p)
			}
			if w := do(h, "HEAD", p); w.Body.Len() != 0 {
				t.Errorf("HEAD %s: %d bytes of body", p, w.Body.Len())
			}
		}
	}
	if st := c.Stats(); st.Bytes > max {
		t.Errorf("%d bytes > %d", st.Bytes, max)
	}
}

func TestPageCacheConcurrentMissesRenderOnce(t *testing.T) {
	const n = 16
	for _, tc := range []struct {
		name        string
		status      int
		wantRenders int64
	}{
		{"cacheable", 200, 1},
		{"not cacheable", 404, n}, // each request gets its own response
	} {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			var renders atomic.Int64
			c := NewPageCache(&fakeVersion{value: "1"}, 0)
			h := c.Wrap(func(w http.ResponseWriter, r *http.Request) {
				if renders.Add(1) == 1 {
					<-release
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, "<p>"+RequestID(r.Context())+"</p>")
			})
			var wg sync.WaitGroup
			bodies := make([]string, n)
			codes := make([]int, n)
			for i := range n {
				wg.Go(func() {
					r := httptest.NewRequest("GET", "/p", nil)
					r = r.WithContext(context.WithValue(r.Context(), keyRequestID, fmt.Sprint(i)))
					w := httptest.NewRecorder()
					h(w, r)
					bodies[i], codes[i] = w.Body.String(), w.Code
				})
			}
			waitFor(t, func() bool { return c.Stats().Shared == n-1 })
			close(release)
			wg.Wait()
			if renders.Load() != tc.wantRenders {
				t.Errorf("renders = %d, want %d", renders.Load(), tc.wantRenders)
			}
			for i := range n {
				if codes[i] != tc.status {
					t.Errorf("request %d: %d", i, codes[i])
				}
				if tc.status == 200 && bodies[i] != bodies[0] {
					t.Errorf("request %d got another body", i)
				}
				if tc.status != 200 && bodies[i] != "<p>"+fmt.Sprint(i)+"</p>" {
					t.Errorf("request %d got %q, not its own error page", i, bodies[i])
				}
			}
		})
	}

	t.Run("panic", func(t *testing.T) {
		release := make(chan struct{})
		var renders atomic.Int64
		c := NewPageCache(&fakeVersion{value: "1"}, 0)
		h := c.Wrap(func(w http.ResponseWriter, r *http.Request) {
			if renders.Add(1) == 1 {
				<-release
				panic("render failed")
			}
			io.WriteString(w, "ok")
		})
		var wg sync.WaitGroup
		var panics atomic.Int64
		for range n {
			wg.Go(func() {
				defer func() {
					if recover() != nil {
						panics.Add(1)
					}
				}()
				do(h, "GET", "/p")
			})
		}
		waitFor(t, func() bool { return c.Stats().Shared == n-1 })
		close(release)
		wg.Wait()
		if panics.Load() != 1 || renders.Load() != n {
			t.Errorf("panics %d, renders %d: the waiters must render for themselves", panics.Load(), renders.Load())
		}
	})
}

// TestPageCacheSlowOldRender: a render under an old version that finishes
// after one under the new version must not replace it.
func TestPageCacheSlowOldRender(t *testing.T) {
	v := &fakeVersion{value: "1"}
	release := make(chan struct{})
	var renders atomic.Int64
	c := NewPageCache(v, 0)
	h := c.Wrap(func(w http.ResponseWriter, r *http.Request) {
		if renders.Add(1) == 1 {
			<-release
		}
		io.WriteString(w, "ok")
	})
	done := make(chan struct{})
	go func() { do(h, "GET", "/p"); close(done) }()
	waitFor(t, func() bool { return renders.Load() == 1 })
	v.set("2")
	do(h, "GET", "/p")
	close(release)
	<-done
	do(h, "GET", "/p")
	if n := renders.Load(); n != 2 {
		t.Errorf("renders = %d, want 2: the old version's entry replaced the new one", n)
	}
}

// TestPageCacheHandlerValidators: the handler renders without the client's
// validators, so a handler that answers them itself still fills the cache.
func TestPageCacheHandlerValidators(t *testing.T) {
	var renders atomic.Int64
	mod := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := NewPageCache(&fakeVersion{value: "1"}, 0).Wrap(func(w http.ResponseWriter, r *http.Request) {
		renders.Add(1)
		w.Header().Set("ETag", `"handler"`)
		http.ServeContent(w, r, "x.html", mod, strings.NewReader("<p>内容</p>"))
	})
	if w := do(h, "GET", "/p", "If-Modified-Since", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)); w.Code != 304 {
		t.Errorf("first: %d", w.Code)
	}
	if w := do(h, "GET", "/p", "If-None-Match", `"handler"`); w.Code != 200 || w.Body.String() != "<p>内容</p>" || w.Header().Get("ETag") == `"handler"` {
		t.Errorf("second: %d %q %v", w.Code, w.Body.String(), w.Header())
	}
	if w := do(h, "GET", "/p", "Range", "bytes=0-1"); w.Code != 200 || w.Body.String() != "<p>内容</p>" {
		t.Errorf("range: %d %q", w.Code, w.Body.String())
	}
	if n := renders.Load(); n != 1 {
		t.Errorf("renders = %d, want 1", n)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestPageCacheHEAD(t *testing.T) {
	_, site, h := newTestCache(t, &fakeVersion{value: "1"}, 0)
	head := do(h, "HEAD", "/p")
	if head.Code != 200 || head.Body.Len() != 0 || head.Header().Get("ETag") == "" {
		t.Fatalf("HEAD miss: %d, %d bytes", head.Code, head.Body.Len())
	}
	if _, ok := site.methods.Load("HEAD"); ok {
		t.Error("the handler rendered for HEAD (and might have left the body out)")
	}
	get := do(h, "GET", "/p")
	if site.renders.Load() != 1 || get.Body.Len() == 0 || head.Header().Get("Content-Length") != fmt.Sprint(get.Body.Len()) {
		t.Fatalf("GET after HEAD: renders %d, %d bytes, HEAD Content-Length %q", site.renders.Load(), get.Body.Len(), head.Header().Get("Content-Length"))
	}
	if w := do(h, "HEAD", "/p"); w.Body.Len() != 0 || w.Header().Get("ETag") != get.Header().Get("ETag") || site.renders.Load() != 1 {
		t.Errorf("HEAD hit: %d bytes, renders %d", w.Body.Len(), site.renders.Load())
	}
	if w := do(h, "HEAD", "/p", "If-None-Match", get.Header().Get("ETag")); w.Code != 304 {
		t.Errorf("conditional HEAD: %d", w.Code)
	}
}

// TestPageCacheBehindMiddleware runs the cache inside the real middleware:
// hits keep the security headers and get their own request ID, and what the
// handler changed in the middleware's headers is replayed.
func TestPageCacheBehindMiddleware(t *testing.T) {
	a, err := NewApp(Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	c := NewPageCache(&fakeVersion{value: "1"}, 0)
	var renders atomic.Int64
	a.Handle("GET /o/{slug}/items/{id}", auth.Public, c.Wrap(func(w http.ResponseWriter, r *http.Request) {
		renders.Add(1)
		w.Header().Del("X-Frame-Options") // say, an embeddable page
		w.Header().Set("Content-Language", "zh-CN")
		fmt.Fprintf(w, "<p>%s/%s</p>", r.PathValue("slug"), r.PathValue("id"))
	}))
	var outer atomic.Int64 // a header the middleware sets per request
	inner := a.Handler()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Outer", fmt.Sprint(outer.Add(1)))
		inner.ServeHTTP(w, r)
	})
	ids := map[string]bool{}
	for i := range 3 {
		w := do(h, "GET", "/o/mzzj/items/42")
		if w.Code != 200 || w.Body.String() != "<p>mzzj/42</p>" {
			t.Fatalf("request %d: %d %q", i, w.Code, w.Body.String())
		}
		hd := w.Header()
		if hd.Get("Content-Security-Policy") != ContentSecurityPolicy || hd.Get("X-Content-Type-Options") != "nosniff" ||
			hd.Get("Referrer-Policy") == "" || hd.Get("Permissions-Policy") == "" {
			t.Errorf("request %d lost security headers: %v", i, hd)
		}
		if hd.Get("X-Frame-Options") != "" || hd.Get("Content-Language") != "zh-CN" {
			t.Errorf("request %d: the handler's header changes were not replayed: %v", i, hd)
		}
		id := hd.Get("X-Request-ID")
		if id == "" || ids[id] || len(hd.Values("X-Request-ID")) != 1 {
			t.Errorf("request %d: X-Request-ID %v", i, hd.Values("X-Request-ID"))
		}
		ids[id] = true
		if got := hd.Get("X-Outer"); got != fmt.Sprint(outer.Load()) {
			t.Errorf("request %d: X-Outer %q from another request", i, got)
		}
	}
	if w := do(h, "GET", "/o/mzzj/items/42", "If-None-Match", `"x", `+do(h, "GET", "/o/mzzj/items/42").Header().Get("ETag")); w.Code != 304 ||
		w.Header().Get("Content-Security-Policy") == "" || w.Header().Get("X-Request-ID") == "" {
		t.Errorf("304 through the middleware: %d %v", w.Code, w.Header())
	}
	if renders.Load() != 1 {
		t.Errorf("renders = %d, want 1", renders.Load())
	}
	// A console page wrapped by mistake keeps its no-store and is not cached.
	a.Handle("GET /console/cached", auth.Public, c.Wrap(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "x") }))
	if w := do(h, "GET", "/console/cached"); w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("ETag") != "" {
		t.Errorf("console page: %v", w.Header())
	}
}

func TestDBVersion(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := time.Now()
		now := func() time.Time { return clock }
		// Two instances over one database.
		a := NewDBVersion(d, "portal_version", time.Hour)
		b := NewDBVersion(d, "portal_version", 0)
		a.now, b.now = now, now
		if b.checkEvery != DefaultVersionCheck {
			t.Errorf("default interval %s", b.checkEvery)
		}
		va, err := a.Current(ctx)
		if err != nil || va != "" {
			t.Fatalf("no row: %q, %v", va, err)
		}
		vb, _ := b.Current(ctx)

		if err := d.Tx(ctx, func(tx db.Tx) error { return a.Bump(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		if v, _ := a.Current(ctx); v != va {
			t.Fatal("read the database inside the check interval")
		}
		a.Invalidate()
		v1, err := a.Current(ctx)
		if err != nil || v1 == va {
			t.Fatalf("after Invalidate: %q, %v", v1, err)
		}
		if v, _ := b.Current(ctx); v != vb {
			t.Fatal("the other instance read inside its interval")
		}
		clock = clock.Add(DefaultVersionCheck)
		if v, _ := b.Current(ctx); v != v1 {
			t.Fatalf("the other instance sees %q after its interval, want %q", v, v1)
		}

		// A rolled-back bump changes nothing; a second bump gives a new value.
		d.Tx(ctx, func(tx db.Tx) error {
			if err := a.Bump(ctx, tx); err != nil {
				return err
			}
			return errors.New("roll back")
		})
		a.Invalidate()
		if v, _ := a.Current(ctx); v != v1 {
			t.Errorf("rolled-back bump is visible: %q", v)
		}
		if err := d.Tx(ctx, func(tx db.Tx) error { return a.Bump(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		a.Invalidate()
		if v, _ := a.Current(ctx); v == v1 || v == "" {
			t.Errorf("second bump: %q", v)
		}

		// The page cache over it: a publish on instance a shows on a at once
		// and on b within its interval.
		site := newTestSite()
		ca, cb := NewPageCache(a, 0), NewPageCache(b, 0)
		ha, hb := ca.Wrap(site.page), cb.Wrap(site.page)
		do(ha, "GET", "/p")
		do(hb, "GET", "/p")
		site.content.Store("v2")
		if err := d.Tx(ctx, func(tx db.Tx) error { return a.Bump(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		a.Invalidate()
		if w := do(ha, "GET", "/p"); !strings.Contains(w.Body.String(), "content=v2") {
			t.Error("instance a serves the old page after its own publish")
		}
		if w := do(hb, "GET", "/p"); !strings.Contains(w.Body.String(), "content=v1") {
			t.Error("instance b read the version inside its interval") // the documented lag
		}
		clock = clock.Add(DefaultVersionCheck)
		if w := do(hb, "GET", "/p"); !strings.Contains(w.Body.String(), "content=v2") {
			t.Error("instance b serves the old page after its interval")
		}
	})
}

func TestDBVersionKeepsLastValueWhenDatabaseFails(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	if err := d.Tx(ctx, func(tx db.Tx) error { return NewDBVersion(d, "k", 0).Bump(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
	// A second handle on the same file, closed under the version.
	d2, err := db.OpenSQLite(ctx, filepath.Join(filepath.Dir(d.Path), db.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now()
	v := NewDBVersion(d2, "k", time.Second)
	v.now = func() time.Time { return clock }
	want, err := v.Current(ctx)
	if err != nil || want == "" {
		t.Fatalf("%q, %v", want, err)
	}
	d2.Close()
	clock = clock.Add(time.Second)
	v.Invalidate()
	if got, err := v.Current(ctx); got != want || err != nil {
		t.Errorf("database closed: %q, %v; want the last value", got, err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if got, err := v.Current(canceled); got != want || err != nil {
		t.Errorf("canceled: %q, %v", got, err)
	}
	fresh := NewDBVersion(d2, "k", time.Second)
	if _, err := fresh.Current(ctx); err == nil {
		t.Error("no value and no database, but no error")
	}
}

func TestDBVersionConcurrent(t *testing.T) {
	d := dbtest.SQLite(t)
	v := NewDBVersion(d, "k", time.Millisecond)
	ctx := context.Background()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := v.Current(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var last string
	for range 20 {
		if err := d.Tx(ctx, func(tx db.Tx) error { return v.Bump(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		v.Invalidate()
		got, err := v.Current(ctx)
		if err != nil || got == last {
			t.Fatalf("after bump: %q (before %q), %v", got, last, err)
		}
		last = got
	}
	close(stop)
	wg.Wait()
}

// benchWriter is a reusable ResponseWriter that keeps nothing of the body.
type benchWriter struct {
	h      http.Header
	status int
	n      int
}

func (b *benchWriter) Header() http.Header { return b.h }
func (b *benchWriter) WriteHeader(s int)   { b.status = s }
func (b *benchWriter) Write(p []byte) (int, error) {
	b.n += len(p)
	return len(p), nil
}

// benchPage renders a realistic list page in the portal layout.
func benchPage(tb testing.TB) (*App, http.HandlerFunc) {
	a, err := NewApp(Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	err = a.Render.AddPages("bench", fstest.MapFS{"page_list.html": {Data: []byte(`<h1>{{.Title}}</h1>
<table class="catalogue"><thead><tr><th>索引号</th><th>标题</th><th>发文字号</th><th>发布日期</th></tr></thead><tbody>
{{range .Data}}<tr><td>{{.Index}}</td><td><a href="/o/mzzj/items/{{.ID}}">{{.Title}}</a><p>{{.Summary}}</p></td><td>{{.Number}}</td><td>{{.Date}}</td></tr>
{{end}}</tbody></table>`)}})
	if err != nil {
		tb.Fatal(err)
	}
	type row struct{ ID, Index, Title, Summary, Number, Date string }
	words := strings.Fields(`关于 印发 做好 进一步 加强 宗教 活动 场所 疫情 防控 工作 的 通知 意见 办法 实施 细则 年度 报告
		政府 信息 公开 民族 事务 委员会 区 局 市 审批 事项 清单 调整 公示 结果 决定 规范性 文件 清理 财政 预算 决算 说明
		清真 食品 管理 监督 检查 随机 抽查 行政 许可 处罚 公告 征求 社会 公众 解读 图解 会议 召开 部署 安排`)
	rng := mrand.New(mrand.NewPCG(1, 2))
	phrase := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(words[rng.IntN(len(words))])
		}
		return b.String()
	}
	var rows []row
	for i := range 20 {
		rows = append(rows, row{ID: fmt.Sprint(1000 + i), Index: fmt.Sprintf("11310000MB0%04d/2026-%05d", rng.IntN(9999), i+1),
			Title: phrase(8 + rng.IntN(8)), Summary: phrase(30 + rng.IntN(20)), Number: fmt.Sprintf("沪民宗委〔2026〕%d号", 1+rng.IntN(80)),
			Date: fmt.Sprintf("2026-%02d-%02d", 1+rng.IntN(12), 1+rng.IntN(28))})
	}
	return a, func(w http.ResponseWriter, r *http.Request) {
		v := a.NewView(r, "法定主动公开内容")
		v.Data = rows
		a.Render.Page(w, r, http.StatusOK, "bench/list", v)
	}
}

func BenchmarkPageCacheHit(b *testing.B) {
	_, page := benchPage(b)
	c := NewPageCache(&fakeVersion{value: "1"}, 0)
	h := c.Wrap(page)
	for _, tc := range []struct {
		name string
		hdr  []string
	}{
		{"identity", nil},
		{"gzip", []string{"Accept-Encoding", "gzip, deflate, br, zstd", "Cookie", "_ga=GA1.2.345; Hm_lvt_1=1700000000"}},
		{"304", []string{"Accept-Encoding", "gzip"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/o/mzzj/list?column=12&page=2", nil)
			for i := 0; i+1 < len(tc.hdr); i += 2 {
				r.Header.Set(tc.hdr[i], tc.hdr[i+1])
			}
			w := &benchWriter{h: http.Header{}}
			h.ServeHTTP(w, r)
			if tc.name == "304" {
				r.Header.Set("If-None-Match", w.h.Get("ETag"))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				clear(w.h)
				w.n = 0
				h.ServeHTTP(w, r)
			}
			b.ReportMetric(float64(w.n), "bytes/op")
		})
	}
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			r := httptest.NewRequest("GET", "/o/mzzj/list?column=12&page=2", nil)
			r.Header.Set("Accept-Encoding", "gzip")
			w := &benchWriter{h: http.Header{}}
			for pb.Next() {
				clear(w.h)
				h.ServeHTTP(w, r)
			}
		})
	})
	if st := c.Stats(); st.Misses != 1 {
		b.Errorf("stats %+v", st)
	}
}

// BenchmarkPageCacheHitFullStack is a hit through the whole middleware
// (request ID, security headers, logging to a discarding handler, metrics
// off, cross-origin check, URL check, routing).
func BenchmarkPageCacheHitFullStack(b *testing.B) {
	a, page := benchPage(b)
	c := NewPageCache(&fakeVersion{value: "1"}, 0)
	a.Handle("GET /o/{slug}/list", auth.Public, c.Wrap(page))
	h := a.Handler()
	r := httptest.NewRequest("GET", "/o/mzzj/list?column=12&page=2", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	w := &benchWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
	if w.status != 200 || c.Stats().Misses != 1 {
		b.Fatalf("status %d, stats %+v", w.status, c.Stats())
	}
}

// BenchmarkPageCacheMiss is the cost the cache adds to a render: recording,
// hashing and gzip.
func BenchmarkPageCacheMiss(b *testing.B) {
	_, page := benchPage(b)
	r := httptest.NewRequest("GET", "/o/mzzj/list", nil)
	b.Run("uncached", func(b *testing.B) {
		w := &benchWriter{h: http.Header{}}
		for b.Loop() {
			clear(w.h)
			page(w, r)
		}
	})
	b.Run("miss", func(b *testing.B) {
		v := &fakeVersion{}
		h := NewPageCache(v, 0).Wrap(page)
		w := &benchWriter{h: http.Header{}}
		i := 0
		for b.Loop() {
			i++
			v.set(fmt.Sprint(i))
			clear(w.h)
			h(w, r)
		}
	})
}

// BenchmarkPageGzip compares gzip levels on a portal page (once per page and
// version).
func BenchmarkPageGzip(b *testing.B) {
	_, page := benchPage(b)
	rec := httptest.NewRecorder()
	page(rec, httptest.NewRequest("GET", "/o/mzzj/list", nil))
	body := rec.Body.Bytes()
	for _, level := range []int{gzip.BestSpeed, gzip.DefaultCompression, gzip.BestCompression} {
		b.Run(fmt.Sprint("level", level), func(b *testing.B) {
			var size int
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, level)
			for b.Loop() {
				buf.Reset()
				zw.Reset(&buf)
				zw.Write(body)
				zw.Close()
				size = buf.Len()
			}
			b.ReportMetric(float64(len(body)), "plain-bytes")
			b.ReportMetric(float64(size), "gzip-bytes")
		})
	}
}
