package web

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gongkai/gongkai/internal/auth"
)

// TestClientIPHeaderLines: several X-Forwarded-For lines count as one list
// (the last line holds the nearest hops), and an IPv6 or mapped hop is
// written in its canonical form.
func TestClientIPHeaderLines(t *testing.T) {
	a := &App{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}}
	cases := []struct {
		remote string
		xff    []string
		want   string
	}{
		{"10.0.0.5:1", []string{"6.6.6.6", "1.2.3.4, 10.0.0.7"}, "1.2.3.4"},
		{"10.0.0.5:1", []string{"6.6.6.6", "10.0.0.7"}, "6.6.6.6"},
		{"10.0.0.5:1", []string{"10.0.0.8", "10.0.0.7"}, "10.0.0.8"}, // all trusted: the farthest
		{"10.0.0.5:1", []string{"1.2.3.4", ""}, "10.0.0.5"},          // an empty hop ends the walk
		{"10.0.0.5:1", []string{" 2001:DB8:0:0::1 "}, "2001:db8::1"},
		{"10.0.0.5:1", []string{"::ffff:192.0.2.7"}, "192.0.2.7"},
		{"[fd00::1]:1", []string{"10.0.0.9,192.0.2.8"}, "192.0.2.8"},
		{"[::ffff:10.0.0.5]:1", []string{"192.0.2.9"}, "192.0.2.9"}, // a mapped trusted peer
		{"[2001:DB8::2]:1", nil, "2001:db8::2"},
		{"not-an-address", nil, "not-an-address"},
	}
	for _, tc := range cases {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tc.remote
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := a.clientIP(r); got != tc.want {
			t.Errorf("%s + %q: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}

// TestObserve: every request gets one access-log line and one count, under
// its route also when it is refused before routing, and under "unmatched"
// when no route matches; odd methods do not make new series.
func TestObserve(t *testing.T) {
	var log bytes.Buffer
	reg := prometheus.NewRegistry()
	a, err := NewApp(Options{Logger: slog.New(slog.NewTextHandler(&log, nil)), Metrics: NewMetrics(reg)})
	if err != nil {
		t.Fatal(err)
	}
	a.Handle("GET /o/{slug}/items/{id}", auth.Public, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.PathValue("slug")+"/"+r.PathValue("id"))
	})
	a.Handle("POST /o/{slug}/form", auth.Public, func(w http.ResponseWriter, r *http.Request) {})
	a.Handle("GET /boom", auth.Public, func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	h := a.Handler()
	if w := do(h, "GET", "/o/mzzj/items/7"); w.Code != 200 || w.Body.String() != "mzzj/7" {
		t.Fatalf("item: %d %q", w.Code, w.Body.String())
	}
	if w := do(h, "POST", "/o/mzzj/form", "Sec-Fetch-Site", "cross-site"); w.Code != 403 {
		t.Fatalf("cross-site POST: %d", w.Code)
	}
	if w := do(h, "GET", "/o/mzzj/items/7?q=%ff"); w.Code != 400 {
		t.Fatalf("bad query: %d", w.Code)
	}
	if w := do(h, "DELETE", "/o/mzzj/items/7"); w.Code != 405 || w.Header().Get("Allow") == "" {
		t.Fatalf("DELETE: %d %v", w.Code, w.Header())
	}
	if w := do(h, "GET", "/nowhere"); w.Code != 404 {
		t.Fatalf("unknown path: %d", w.Code)
	}
	if w := do(h, "GET", "/boom"); w.Code != 500 {
		t.Fatalf("panic: %d", w.Code)
	}
	r := httptest.NewRequest("GET", "/nowhere", nil)
	r.Method = "FROB"
	h.ServeHTTP(httptest.NewRecorder(), r)

	want := []string{
		`method="DELETE" route="unmatched" status="405" 1`,
		`method="GET" route="GET /boom" status="500" 1`,
		`method="GET" route="GET /o/{slug}/items/{id}" status="200" 1`,
		`method="GET" route="GET /o/{slug}/items/{id}" status="400" 1`,
		`method="GET" route="unmatched" status="404" 1`,
		`method="POST" route="POST /o/{slug}/form" status="403" 1`,
		`method="other" route="unmatched" status="404" 1`,
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range families {
		if f.GetName() != "gongkai_http_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			var s []string
			for _, l := range m.GetLabel() {
				s = append(s, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			got = append(got, fmt.Sprintf("%s %g", strings.Join(s, " "), m.GetCounter().GetValue()))
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests_total:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	var requests []string
	for _, l := range lines {
		if strings.Contains(l, "msg=request ") {
			requests = append(requests, l)
		}
	}
	if len(requests) != 7 {
		t.Fatalf("%d access-log lines for 7 requests:\n%s", len(requests), log.String())
	}
	first := requests[0]
	for _, want := range []string{"level=INFO", "method=GET", `route="GET /o/{slug}/items/{id}"`, "path=/o/mzzj/items/7",
		"status=200", "duration=", "bytes=6", "ip=192.0.2.1", "request_id="} {
		if !strings.Contains(first, want) {
			t.Errorf("access-log line lacks %s: %s", want, first)
		}
	}
	if !strings.Contains(requests[5], "level=ERROR") || !strings.Contains(requests[5], "status=500") {
		t.Errorf("panic line: %s", requests[5])
	}
}

// TestSharedHeaderValues: the security headers share their value slices
// between responses, so a handler that adds to one must not change the
// next response.
func TestSharedHeaderValues(t *testing.T) {
	a, err := NewApp(Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	a.Handle("GET /a", auth.Public, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Permissions-Policy", "usb=()")
		w.Header().Add("X-Frame-Options", "SAMEORIGIN")
	})
	a.Handle("GET /b", auth.Public, func(w http.ResponseWriter, r *http.Request) {})
	h := a.Handler()
	if w := do(h, "GET", "/a"); len(w.Header().Values("Permissions-Policy")) != 2 {
		t.Fatalf("/a: %v", w.Header())
	}
	w := do(h, "GET", "/b")
	if got := w.Header().Values("Permissions-Policy"); len(got) != 1 || got[0] != "camera=(), microphone=(), geolocation=(), payment=()" {
		t.Errorf("Permissions-Policy of the next response: %q", got)
	}
	if got := w.Header().Values("X-Frame-Options"); len(got) != 1 || got[0] != "DENY" {
		t.Errorf("X-Frame-Options of the next response: %q", got)
	}
	if len(w.Header().Values("X-Request-Id")) != 1 || RequestID(httptest.NewRequest("GET", "/", nil).Context()) != "" {
		t.Errorf("X-Request-ID: %v", w.Header().Values("X-Request-Id"))
	}
}

func TestElderlyModeCookie(t *testing.T) {
	for cookie, want := range map[string]bool{
		"":                                 false,
		"gk_elderly=1":                     true,
		"_ga=GA1.2.3; gk_elderly=1; x=y":   true,
		`gk_elderly="1"`:                   true,
		"gk_elderly=0":                     false,
		"xgk_elderly=1":                    false,
		"_ga=gk_elderly; other=1":          false,
		"gk_elderly=; gk_elderly=1":        false, // the first one counts
		"gk_elderly=bad value; x=1":        false,
		"gk_elderly=bad\x7fvalue; x=1":     false,
		"a=1; gk_elderly=1; gk_elderly=0":  true,
		"gk_session=abc; gk_elderly=1":     true,
		"_ga=GA1.2.3; Hm_lvt=170000000000": false,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		if got := ElderlyMode(r); got != want {
			t.Errorf("%q: %v, want %v", cookie, got, want)
		}
	}
}
