package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gongkai/gongkai/internal/auth"
)

// BenchmarkCachedPageHit is a page-cache hit through the whole middleware as
// gongkai serve runs it: request ID, security headers, an access-log line
// per request (the text handler, encoding into io.Discard), Prometheus
// metrics, panic recovery, the cross-origin check, the URL check and the
// routing. What it does not include is net/http's own work (parsing the
// request, writing the response to the socket): scripts/loadtest.sh
// measures that side by side with nginx.
func BenchmarkCachedPageHit(b *testing.B) {
	a, page := benchPage(b)
	a.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	a.Metrics = NewMetrics(prometheus.NewRegistry())
	c := NewPageCache(&fakeVersion{value: "1"}, 0)
	a.Handle("GET /o/{slug}/gk/{col}", auth.Public, c.Wrap(page))
	h := a.Handler()
	newRequest := func(hdr ...string) *http.Request {
		r := httptest.NewRequest("GET", "/o/mzzj/gk/zcwj", nil)
		r.RemoteAddr = "203.0.113.9:52100"
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		return r
	}
	w := &benchWriter{h: http.Header{}}
	h.ServeHTTP(w, newRequest())
	etag := w.h.Get("ETag")
	w.h = http.Header{}
	h.ServeHTTP(w, newRequest("Accept-Encoding", "gzip"))
	etagGz := w.h.Get("ETag")

	for _, tc := range []struct {
		name   string
		hdr    []string
		status int
	}{
		{"identity", nil, 200},
		{"gzip", []string{"Accept-Encoding", "gzip, deflate, br, zstd"}, 200},
		{"browser", []string{"Accept-Encoding", "gzip, deflate, br, zstd", "Cookie", "_ga=GA1.2.345; Hm_lvt_1=1700000000",
			"User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0",
			"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "Accept-Language", "zh-CN,zh;q=0.9"}, 200},
		{"304", []string{"If-None-Match", etag}, 304},
		{"304-gzip", []string{"Accept-Encoding", "gzip", "If-None-Match", etagGz}, 304},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := newRequest(tc.hdr...)
			w := &benchWriter{}
			b.ReportAllocs()
			for b.Loop() {
				w.h = make(http.Header, 16) // as net/http gives each response
				w.status, w.n = 0, 0
				h.ServeHTTP(w, r)
			}
			if w.status != tc.status {
				b.Fatalf("status %d, want %d", w.status, tc.status)
			}
			b.ReportMetric(float64(w.n), "bytes/op")
		})
	}
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			r := newRequest("Accept-Encoding", "gzip")
			w := &benchWriter{}
			for pb.Next() {
				w.h = make(http.Header, 16)
				h.ServeHTTP(w, r)
			}
		})
	})
	if st := c.Stats(); st.Misses != 1 {
		b.Errorf("stats %+v", st)
	}
}
