package app_test

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
)

// atomFeed holds what RFC 4287 requires of a feed and its entries.
type atomFeed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Author  []struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Links []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Links   []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Content *struct{} `xml:"content"`
	} `xml:"entry"`
}

// validAtom parses a feed and checks the elements RFC 4287 requires.
func validAtom(t *testing.T, name, body string) atomFeed {
	t.Helper()
	var f atomFeed
	if err := xml.Unmarshal([]byte(body), &f); err != nil {
		t.Fatalf("%s is not Atom XML: %v", name, err)
	}
	absolute := func(s string) bool { u, err := url.Parse(s); return err == nil && u.IsAbs() }
	rfc3339 := func(s string) bool { _, err := time.Parse(time.RFC3339, s); return err == nil }
	if !absolute(f.ID) || f.Title == "" || !rfc3339(f.Updated) || len(f.Author) == 0 || f.Author[0].Name == "" {
		t.Errorf("%s: feed lacks id/title/updated/author: %+v", name, f)
	}
	self := false
	for _, l := range f.Links {
		self = self || (l.Rel == "self" && absolute(l.Href))
	}
	if !self {
		t.Errorf("%s: no absolute self link", name)
	}
	ids := map[string]bool{}
	for _, e := range f.Entries {
		alt := false
		for _, l := range e.Links {
			alt = alt || (l.Rel == "alternate" && absolute(l.Href))
		}
		if !absolute(e.ID) || e.Title == "" || !rfc3339(e.Updated) || (!alt && e.Content == nil) || ids[e.ID] {
			t.Errorf("%s: invalid entry %+v", name, e)
		}
		ids[e.ID] = true
	}
	return f
}

func TestFeedsAPIAndConditionalRequests(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		for path, min := range map[string]int{
			"/o/mzzj/feed.atom":             20,
			"/o/mzzj/gk/zcwj/feed.atom":     2,
			"/o/mzzj/topics/yqfk/feed.atom": 4,
			"/o/pudong-mzb/feed.atom":       5,
		} {
			r := c.Get(path)
			if r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
				t.Errorf("%s: %d %s", path, r.StatusCode, r.Header.Get("Content-Type"))
				continue
			}
			f := validAtom(t, path, r.Body)
			if len(f.Entries) < min {
				t.Errorf("%s: %d entries, want at least %d", path, len(f.Entries), min)
			}
			if !strings.HasPrefix(f.ID, "http://gongkai.test/") {
				t.Errorf("%s: id %s does not use the base URL", path, f.ID)
			}
		}
		if r := c.Get("/o/mzzj/gk/no-such-column/feed.atom"); r.StatusCode != 404 {
			t.Errorf("feed of a missing column: %d", r.StatusCode)
		}

		// Cached pages answer conditional requests with 304.
		for _, path := range []string{"/o/mzzj/gk/zcwj", "/o/mzzj/gk/", "/o/mzzj/feed.atom"} {
			first := c.Get(path)
			etag := first.Header.Get("ETag")
			if etag == "" || first.Header.Get("Last-Modified") == "" {
				t.Errorf("%s: no validators (%v)", path, first.Header)
				continue
			}
			req := c.Request(http.MethodGet, path, nil)
			req.Header.Set("If-None-Match", etag)
			if r := c.Do(req); r.StatusCode != http.StatusNotModified || r.Body != "" {
				t.Errorf("%s with If-None-Match: %d", path, r.StatusCode)
			}
			req = c.Request(http.MethodGet, path, nil)
			req.Header.Set("If-Modified-Since", first.Header.Get("Last-Modified"))
			if r := c.Do(req); r.StatusCode != http.StatusNotModified {
				t.Errorf("%s with If-Modified-Since: %d", path, r.StatusCode)
			}
		}

		// The same data read-only in the JSON API.
		var list struct {
			Items []struct {
				ID          int64  `json:"id"`
				Title       string `json:"title"`
				IndexNumber string `json:"index_number"`
				URL         string `json:"url"`
				Agency      string `json:"agency"`
			} `json:"items"`
			Total int `json:"total"`
		}
		r := c.Get("/api/v1/items?agency=mzzj&year=2022")
		if r.StatusCode != 200 || json.Unmarshal([]byte(r.Body), &list) != nil || list.Total == 0 {
			t.Fatalf("api items: %d %s", r.StatusCode, r.Body)
		}
		for _, it := range list.Items {
			if it.Agency != "mzzj" || it.IndexNumber == "" || !strings.HasPrefix(it.URL, "http://gongkai.test/o/mzzj/items/") {
				t.Errorf("api item %+v", it)
			}
		}
		one := c.Get("/api/v1/items/" + strconv.FormatInt(list.Items[0].ID, 10))
		if one.StatusCode != 200 || !strings.Contains(one.Body, `"body_markdown"`) || !strings.Contains(one.Body, list.Items[0].Title) {
			t.Errorf("api item: %d %s", one.StatusCode, one.Body)
		}
		for _, bad := range []string{"/api/v1/items?year=abc", "/api/v1/items?agency=nope", "/api/v1/items/999999", "/api/v1/items/1'%20OR%20'1'='1", "/api/v1/search?q=%22"} {
			r := c.Get(bad)
			if r.StatusCode < 400 || r.StatusCode >= 500 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%s: %d %s %s", bad, r.StatusCode, r.Header.Get("Content-Type"), r.Body)
			}
		}
		r = c.Get("/api/v1/search?q=%E6%B8%85%E7%9C%9F")
		if r.StatusCode != 200 || !strings.Contains(r.Body, "清真食品管理实施办法") {
			t.Errorf("api search: %d %s", r.StatusCode, r.Body)
		}
		r = c.Get("/api/v1/agencies/mzzj/catalogue")
		if r.StatusCode != 200 || !strings.Contains(r.Body, `"slug":"zcwj"`) {
			t.Errorf("api catalogue: %d %s", r.StatusCode, r.Body)
		}
		// Drafts are not in the API, the feeds or search.
		if strings.Contains(c.Get("/api/v1/search?q=%E8%8D%89%E7%A8%BF").Body, "310101") {
			t.Error("a draft's personal data reached the API")
		}

		// The guide's missing Art. 12 fields are a to-do for the agency admin.
		admin := e.AddUser("huangpu-mzb", "guide.admin", auth.AgencyAdmin)
		e.EnrolTOTP(admin.Username)
		ac := e.Client()
		ac.Login(admin.Username)
		r = ac.Get("/console/disclosure/settings")
		if r.StatusCode != 200 || !strings.Contains(r.Body, "待办：政府信息公开指南缺少") || !strings.Contains(r.Body, "传真号码") {
			t.Errorf("settings to-do: %d", r.StatusCode)
		}
		if r := ac.Get("/console/"); !strings.Contains(r.Body, "完善政府信息公开指南") {
			t.Error("no guide to-do on the dashboard")
		}
		if r := c.Get("/o/huangpu-mzb/gk/guide"); !strings.Contains(r.Body, "（暂未公布）") {
			t.Error("the public guide does not mark the missing field")
		}
	})
}

func TestSearchFiltersAndSuggestions(t *testing.T) {
	e := apptest.New(t, db.SQLite)
	c := e.Client()
	mzzj := e.Agency("mzzj")
	for _, tc := range []struct {
		query  string
		status int
		want   []string
	}{
		{"q=%E6%B8%85%E7%9C%9F&year=2022&genre=%E5%8A%9E%E6%B3%95", 200, []string{"<mark>清真</mark>食品管理实施办法", "沪民宗规〔2022〕1号"}},
		{"q=%E6%B8%85%E7%9C%9F&year=1990", 200, []string{"没有找到", "不加筛选条件"}},
		{"q=%E6%B8%85%E7%9C%9F+%E7%81%AB%E6%98%9F%E5%9F%BA%E5%9C%B0", 200, []string{"没有找到", "您可以试试", "搜索“清真”"}},
		{"doc_number=%E6%B2%AA%E6%B0%91%E5%AE%97%E8%A7%84%5B2022%5D1", 200, []string{"清真食品管理实施办法"}},
		{"q=x&year=abc", 400, []string{"年份应为四位数字"}},
		{"q=x&agency=999999", 400, []string{"没有这个单位"}},
		{"q=x&genre=%3Cscript%3E", 400, []string{"体裁无效"}},
		{"q=x&five_public=%27%20OR%201%3D1", 400, []string{"“五公开”选项无效"}},
		{"q=x&column=1", 400, []string{"栏目无效"}},
		{"q=x&topic=1", 400, []string{"请先选择单位"}},
		{"q=%22", 400, []string{"提交的内容有 1 处需要修改"}},
		{"q=" + strings.Repeat("%E5%AD%97", 60), 400, []string{"字"}},
		{"agency=" + strconv.FormatInt(mzzj.ID, 10) + "&five_public=result", 200, []string{"找到"}},
	} {
		r := c.Get("/search?" + tc.query)
		if r.StatusCode != tc.status {
			t.Errorf("%s: status %d", tc.query, r.StatusCode)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.Body, w) {
				t.Errorf("%s: page lacks %q", tc.query, w)
			}
		}
		if strings.Contains(r.Body, "<script>") {
			t.Errorf("%s: script reflected", tc.query)
		}
	}
}
