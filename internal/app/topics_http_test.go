package app_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
)

var topicLinkRE = regexp.MustCompile(`<a href="/console/concerns/topics/(\d+)">([^<]+)</a>`)

// TestHotTopicsHTTP: the demo's three months of messages give a dashboard
// of meaningful topics (the ones the demo's hand-labelled messages are
// about); a topic is drilled into, marked handled, and answered by a
// response that, once published as an item, is linked from the letters
// and mailed to the writers who asked. Bad input gets errors by the field.
func TestHotTopicsHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.AddUser("mzzj", "t.handler", auth.Handler)
		headUser := e.AddUser("mzzj", "t.head", auth.Approver, auth.Editor, auth.Reviewer)
		h := e.Client()
		h.Login("t.handler")
		r := h.Get("/console/concerns/topics")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "热点话题") || !strings.Contains(r.Body, "上升词语") {
			t.Fatalf("dashboard: %d", r.StatusCode)
		}
		links := topicLinkRE.FindAllStringSubmatch(r.Body, -1)
		if len(links) < 10 {
			t.Fatalf("%d topics on the demo dashboard", len(links))
		}
		// The demo's labelled messages are about fake halal signs, fake
		// monks, dead links, parking…: those must be among the topics.
		all := ""
		for _, l := range links {
			all += l[2] + "\n"
		}
		for _, want := range []string{"清真", "和尚", "链接", "停车"} {
			if !strings.Contains(all, want) {
				t.Errorf("no topic about %s among:\n%s", want, all)
			}
		}
		if !strings.Contains(r.Body, "依申请公开 ") || !strings.Contains(r.Body, "<svg class=\"chart spark\"") {
			t.Error("the dashboard shows no application in a topic, or no trend chart")
		}
		// Hostile query strings are refused, not run.
		if r := h.Get("/console/concerns/topics?status=" + url.QueryEscape("x' OR 1=1 --")); r.StatusCode != http.StatusBadRequest {
			t.Errorf("bad status filter: %d", r.StatusCode)
		}
		for _, p := range []string{"/console/concerns/topics/0", "/console/concerns/topics/99999999", "/console/concerns/topics/..%2f..%2fetc"} {
			if r := h.Get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", p, r.StatusCode)
			}
		}

		id := links[0][1]
		path := "/console/concerns/topics/" + id
		r = h.Get(path)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "每天的来信数") || !strings.Contains(r.Body, "<desc id=\"trend-desc\">") ||
			!strings.Contains(r.Body, "/console/concerns/") {
			t.Fatalf("topic page: %d", r.StatusCode)
		}
		// Marking handled: an oversized note is refused by the field.
		r = h.PostForm(path+"/mark", url.Values{"handled": {"1"}, "note": {strings.Repeat("查", 501)}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-note-error") {
			t.Errorf("oversized note: %d", r.StatusCode)
		}
		if r := h.PostForm(path+"/mark", url.Values{"handled": {"1"}, "note": {"已开展专项检查<script>alert(1)</script>"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("mark: %d", r.StatusCode)
		}
		if r := h.Get(path); !strings.Contains(r.Body, "已处理") || strings.Contains(r.Body, "<script>alert(1)") {
			t.Error("the handled note is missing or not escaped")
		}
		// The response: missing and hostile titles are refused by the field.
		for _, bad := range []url.Values{
			{"title": {""}, "body": {"正文"}},
			{"title": {"回应<script>alert(1)</script>"}, "body": {"正文"}},
			{"title": {"回应"}, "body": {strings.Repeat("长", 20001)}},
			{"title": {"回应'; DROP TABLE items; --"}, "body": {""}},
		} {
			r := h.PostForm(path+"/response", bad)
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "field-error") || strings.Contains(r.Body, "<script>alert(1)") {
				t.Errorf("bad response %q: %d", bad.Get("title"), r.StatusCode)
			}
		}
		if r := h.PostForm(path+"/response", url.Values{"title": {"关于群众反映问题的回应"}, "body": {"我局已会同有关部门开展专项检查，情况如下。"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("response: %d %s", r.StatusCode, r.Body)
		}
		r = h.Get(path)
		m := regexp.MustCompile(`<a href="/console/items/(\d+)">关于群众反映问题的回应</a>`).FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatal("the topic does not link its response draft")
		}
		itemID, _ := strconv.ParseInt(m[1], 10, 64)
		var status string
		e.App.DB.R.QueryRow("SELECT status FROM items WHERE id = $1", itemID).Scan(&status)
		if status != "draft" {
			t.Fatalf("the response is %q, want a draft for the disclosure workflow", status)
		}
		// Published through the disclosure workflow's own steps.
		head := e.Client()
		head.Login("t.head")
		ctx := t.Context()
		p := &auth.Principal{UserID: headUser.ID, Username: headUser.Username, AgencyID: headUser.AgencyID, Roles: headUser.Roles, State: auth.StateActive}
		if err := e.App.Disclosure.Submit(ctx, p, itemID); err != nil {
			t.Fatal(err)
		}
		if err := e.App.Disclosure.Review(ctx, p, itemID, ""); err != nil {
			t.Fatal(err)
		}
		if err := e.App.Disclosure.Approve(ctx, p, itemID); err != nil {
			t.Fatal(err)
		}
		var published string
		e.App.DB.R.QueryRow("SELECT status FROM items WHERE id = $1", itemID).Scan(&published)
		if published != "published" {
			if err := e.App.Disclosure.Publish(ctx, p, itemID, time.Time{}); err != nil {
				t.Fatal(err)
			}
			e.App.DB.R.QueryRow("SELECT status FROM items WHERE id = $1", itemID).Scan(&published)
		}
		if published != "published" {
			t.Fatalf("the response is %q after approval", published)
		}
		n, err := e.App.Concerns.LinkResponses(ctx, 0)
		if err != nil || n == 0 {
			t.Fatalf("linked %d letters: %v", n, err)
		}
		// A public letter of the topic links the response.
		var number string
		e.App.DB.R.QueryRow(`SELECT co.number FROM concerns co JOIN topic_members m ON m.source = 'concern' AND m.source_id = co.id
			WHERE m.cluster_id = $1 AND co.published = TRUE ORDER BY co.id LIMIT 1`, id).Scan(&number)
		if number != "" {
			pub := e.Client()
			if r := pub.Get("/o/mzzj/letters/" + number); !strings.Contains(r.Body, "相关回应") || !strings.Contains(r.Body, "/items/"+m[1]) {
				t.Errorf("public letter %s does not link the response", number)
			}
		}
		var mails int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM outbox WHERE purpose = 'concern.response'`).Scan(&mails)
		var asked int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM concerns WHERE response_item_id = $1 AND notify_response = TRUE AND writer_email <> ''`, itemID).Scan(&asked)
		if mails != asked {
			t.Errorf("%d response mails for %d writers who asked", mails, asked)
		}

		// Domain terms: hostile input is refused by the field.
		if r := head.PostForm("/console/concerns/settings", url.Values{"leaders": {"局长 赵某某（演示）"}, "domain_terms": {"<script>"}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "f-domain_terms-error") {
			t.Errorf("hostile domain terms: %d", r.StatusCode)
		}
		// Staff of another agency cannot see the topic.
		e.AddUser("pudong-mzb", "t.other", auth.Handler)
		o := e.Client()
		o.Login("t.other")
		if r := o.Get(path); r.StatusCode != http.StatusNotFound {
			t.Errorf("another agency's handler: %d", r.StatusCode)
		}
	})
}
