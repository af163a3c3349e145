package disclosure_test

import (
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/web"
)

type sitemapDoc struct {
	XMLName xml.Name
	URLs    []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
	} `xml:"url"`
	Sitemaps []struct {
		Loc string `xml:"loc"`
	} `xml:"sitemap"`
}

func getSitemap(t *testing.T, srv *httptest.Server, path string) sitemapDoc {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/xml; charset=utf-8" {
		t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
	}
	var doc sitemapDoc
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("%s is not XML: %v", path, err)
	}
	return doc
}

// TestSitemap: published items only; past the per-file limit, an index of
// files that together list every item once.
func TestSitemap(t *testing.T) {
	d := dbtest.SQLite(t)
	f := setup(t, d)
	app, err := web.NewApp(web.Options{BaseURL: "https://gk.example.gov.cn", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := disclosure.Register(app, f.svc, nil, nil); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	for i := range 5 {
		publish(t, f, f.editorA, f.reviewA, draft(f.colA, "通知"+strings.Repeat("甲", i+1), "正文"))
	}
	f.svc.Create(t.Context(), f.editorA, f.a.ID, draft(f.colA, "草稿不进站点地图", ""))
	items := func(doc sitemapDoc) []string {
		var out []string
		for _, u := range doc.URLs {
			if strings.Contains(u.Loc, "/items/") {
				out = append(out, u.Loc)
			}
		}
		return out
	}
	doc := getSitemap(t, srv, "/sitemap.xml")
	if doc.XMLName.Local != "urlset" || len(items(doc)) != 5 || !strings.HasPrefix(doc.URLs[0].Loc, "https://gk.example.gov.cn/") {
		t.Fatalf("sitemap: %+v", doc)
	}
	for _, u := range doc.URLs {
		if strings.Contains(u.Loc, "/items/") && u.LastMod != "2026-09-18" {
			t.Errorf("lastmod %+v", u)
		}
	}
	restore := disclosure.SetSitemapLimits(10, 2)
	defer restore()
	doc = getSitemap(t, srv, "/sitemap.xml")
	if doc.XMLName.Local != "sitemapindex" || len(doc.Sitemaps) != 4 {
		t.Fatalf("index: %+v", doc)
	}
	seen := map[string]bool{}
	for _, sm := range doc.Sitemaps[1:] {
		part := getSitemap(t, srv, strings.TrimPrefix(sm.Loc, "https://gk.example.gov.cn"))
		for _, u := range items(part) {
			if seen[u] {
				t.Errorf("%s listed twice", u)
			}
			seen[u] = true
		}
	}
	if len(seen) != 5 {
		t.Errorf("items across the index: %d", len(seen))
	}
	if pages := getSitemap(t, srv, "/sitemap.xml?p=pages"); len(items(pages)) != 0 || len(pages.URLs) < 10 {
		t.Errorf("pages: %d URLs", len(pages.URLs))
	}
	for _, bad := range []string{"?p=0", "?p=99", "?p=../../etc/passwd", "?p=1%27%20OR%201=1"} {
		resp, err := http.Get(srv.URL + "/sitemap.xml" + bad)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", bad, resp.StatusCode)
		}
	}
}
