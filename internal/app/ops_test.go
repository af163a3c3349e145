package app_test

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
)

func TestAgencyOwnHostName(t *testing.T) {
	e := apptest.New(t, db.SQLite)
	pd := e.Agency("pudong-mzb")
	err := e.App.Agencies.UpdateStructure(context.Background(), auth.Operator("test"), pd.ID,
		agency.NewAgency{Slug: pd.Slug, Kind: pd.Kind, Name: pd.Name, ParentID: pd.ParentID, Host: "mzb.pudong.example.gov.cn"})
	if err != nil {
		t.Fatal(err)
	}
	c := e.Client()
	req := c.Request(http.MethodGet, "/", nil)
	req.Host = "mzb.pudong.example.gov.cn"
	if r := c.Do(req); !strings.Contains(r.Body, `<span class="brand-agency">浦东新区民族和宗教事务办公室</span>`) {
		t.Fatalf("own host name does not show the agency's section")
	}
	if r := c.Get("/"); !strings.Contains(r.Body, `<span class="brand-agency">上海市民族和宗教事务局</span>`) {
		t.Fatalf("platform host does not show the default agency")
	}
}

func TestLoginsThrottledPerIPWith429(t *testing.T) {
	e := apptest.New(t, db.SQLite)
	c := e.Client()
	var last *apptest.Response
	for i := 0; i <= auth.FailedLoginsPerIP.Max; i++ {
		last = c.PostForm("/console/login", url.Values{"username": {"nobody"}, "password": {"Wrong-Password-1"}})
	}
	if last.StatusCode != http.StatusTooManyRequests || !strings.Contains(last.Body, "登录失败次数过多") || last.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q", last.StatusCode, last.Header.Get("Retry-After"))
	}
}

func TestPanicBecomesChinese500(t *testing.T) {
	e := apptest.New(t, db.SQLite)
	e.App.Web.Handle("GET /test/panic", auth.Public, func(http.ResponseWriter, *http.Request) { panic("boom: secret detail") })
	e.App.Web.Handle("GET /api/v1/test/panic", auth.Public, func(http.ResponseWriter, *http.Request) { panic("boom") })
	r := e.Client().Get("/test/panic")
	if r.StatusCode != 500 || !strings.Contains(r.Body, "系统内部错误") || strings.Contains(r.Body, "secret detail") || strings.Contains(r.Body, "goroutine") {
		t.Fatalf("panic page: %d\n%s", r.StatusCode, r.Body)
	}
	if !strings.Contains(r.Body, r.Header.Get("X-Request-ID")) {
		t.Fatal("the error page does not give the request ID")
	}
	r = e.Client().Get("/api/v1/test/panic")
	if r.StatusCode != 500 || r.Header.Get("Content-Type") != "application/problem+json; charset=utf-8" {
		t.Fatalf("API panic: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
}

func TestMetricsAndHealth(t *testing.T) {
	e := apptest.New(t, db.SQLite)
	c := e.Client()
	c.Get("/")
	c.Get("/o/mzzj/about")
	// On a new connection the cached home page is answered by the fast path.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if res, err := fresh.Get(e.URL + "/"); err != nil || res.StatusCode != 200 {
		t.Fatalf("home page again: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	if r := c.Get("/healthz"); r.StatusCode != 200 || r.Body != "ok\n" {
		t.Fatalf("healthz: %d %q", r.StatusCode, r.Body)
	}
	if r := c.Get("/readyz"); r.StatusCode != 200 {
		t.Fatalf("readyz: %d", r.StatusCode)
	}
	r := c.Get("/metrics")
	if r.StatusCode != 200 {
		t.Fatalf("metrics: %d", r.StatusCode)
	}
	for _, want := range []string{
		`gongkai_http_requests_total{method="GET",route="GET /o/{slug}/about",status="200"} 1`,
		`gongkai_http_request_duration_seconds_bucket{route="GET /{$}"`,
		`go_sql_open_connections{db_name="writer"}`,
		`go_goroutines`,
		`gongkai_page_cache_entries `,
		`gongkai_page_cache_bytes `,
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, name := range []string{"gongkai_page_cache_hits_total", "gongkai_page_cache_misses_total", "gongkai_fast_path_requests_total", "gongkai_fast_path_handoffs_total"} {
		if !regexp.MustCompile(`(?m)^` + name + ` [1-9]`).MatchString(r.Body) {
			t.Errorf("%s not counted:\n%s", name, r.Body)
		}
	}
	// Clients outside the allowed networks do not see them.
	e2 := apptest.New(t, db.SQLite)
	e2.Config.MetricsAllow = nil
	if r := e2.Client().Get("/metrics"); r.StatusCode != 404 {
		t.Fatalf("metrics open to everybody: %d", r.StatusCode)
	}
	// Readiness fails when the database is gone.
	e2.App.DB.R.Close()
	if r := e2.Client().Get("/readyz"); r.StatusCode != 503 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("readyz without database: %d", r.StatusCode)
	}
}

func TestHSTSUnderTLS(t *testing.T) {
	e := apptest.New(t, db.SQLite)
	srv := httptest.NewTLSServer(e.App.Handler())
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	r, err := client.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, r.Body)
	r.Body.Close()
	if !strings.Contains(r.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Fatalf("no HSTS under TLS: %v", r.Header)
	}
}
