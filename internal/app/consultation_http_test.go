package app_test

import (
	"encoding/json"
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

var consultationIDRE = regexp.MustCompile(`/console/consultations/(\d+)\?flash=created`)

// TestConsultationsHTTP: the demo's consultations on the portal, the feed
// and the API; staff create one, cannot publish a short period without a
// reason; the comment form refuses bad input clearly, and a closed
// consultation refuses comments.
func TestConsultationsHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		pub := e.Client()
		r := pub.Get("/o/mzzj/consultations")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "正在征求意见") || !strings.Contains(r.Body, "民族团结进步示范单位创建评估办法") ||
			!strings.Contains(r.Body, "查看采纳情况") || strings.Contains(r.Body, "流动人口服务管理办法") {
			t.Fatalf("portal list: %d", r.StatusCode)
		}
		var openID, answeredID int64
		e.App.DB.R.QueryRow(`SELECT id FROM consultations WHERE state = 'open' ORDER BY id LIMIT 1`).Scan(&openID)
		e.App.DB.R.QueryRow(`SELECT id FROM consultations WHERE state = 'answered' ORDER BY id LIMIT 1`).Scan(&answeredID)
		page := "/o/mzzj/consultations/" + strconv.FormatInt(openID, 10)
		r = pub.Get(page)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `id="c-3"`) || !strings.Contains(r.Body, "对第三条提出意见") ||
			!strings.Contains(r.Body, "data-live-count") || strings.Contains(r.Body, "13800009901") {
			t.Fatalf("consultation page: %d", r.StatusCode)
		}
		if r := pub.Get("/o/mzzj/consultations/" + strconv.FormatInt(answeredID, 10) + "/feedback"); r.StatusCode != http.StatusOK ||
			!strings.Contains(r.Body, "意见采纳情况") || !strings.Contains(r.Body, "节日预约限流") {
			t.Errorf("feedback report: %d", r.StatusCode)
		}
		if r := pub.Get(page + "/feedback"); r.StatusCode != http.StatusNotFound {
			t.Errorf("feedback of an open consultation: %d", r.StatusCode)
		}
		validAtom(t, "consultations feed", pub.Get("/o/mzzj/consultations/feed.atom").Body)
		if r := pub.Get("/sitemap.xml"); !strings.Contains(r.Body, page+"</loc>") || !strings.Contains(r.Body, "/feedback</loc>") {
			t.Error("the sitemap lacks the consultations")
		}
		var count struct {
			Comments int    `json:"comments"`
			Phase    string `json:"phase"`
		}
		if err := json.Unmarshal([]byte(pub.Get(page+"/count.json").Body), &count); err != nil || count.Comments < 10 || count.Phase != "open" {
			t.Errorf("count: %+v %v", count, err)
		}
		var api struct {
			Consultations []struct {
				ID    int64  `json:"id"`
				Phase string `json:"phase"`
			} `json:"consultations"`
		}
		if err := json.Unmarshal([]byte(pub.Get("/api/v1/consultations?agency=mzzj&phase=open").Body), &api); err != nil || len(api.Consultations) != 1 {
			t.Errorf("api: %+v %v", api, err)
		}
		if r := pub.Get("/api/v1/consultations?phase=draft"); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Header.Get("Content-Type"), "problem+json") {
			t.Errorf("api bad phase: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		var draftID int64
		e.App.DB.R.QueryRow(`SELECT id FROM consultations WHERE state = 'draft' ORDER BY id LIMIT 1`).Scan(&draftID)
		for _, p := range []string{"/o/mzzj/consultations/" + strconv.FormatInt(draftID, 10), "/api/v1/consultations/" + strconv.FormatInt(draftID, 10),
			"/o/pudong-mzb/consultations/" + strconv.FormatInt(openID, 10), "/o/mzzj/consultations/abc", "/o/mzzj/consultations/99999999"} {
			if r := pub.Get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", p, r.StatusCode)
			}
		}

		// The comment form: bad input refused by the field, nothing saved.
		var before int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM comments`).Scan(&before)
		action := page + "/comments"
		for name, tc := range map[string]struct {
			form  url.Values
			field string
		}{
			"empty":        {url.Values{"clause": {"0"}, "body": {""}}, "f-body-error"},
			"50,000 chars": {url.Values{"clause": {"0"}, "body": {strings.Repeat("长", 50_000)}}, "f-body-error"},
			"wrong clause": {url.Values{"clause": {"99"}, "body": {"意见"}}, "f-clause-error"},
			"clause text":  {url.Values{"clause": {"1 OR 1=1"}, "body": {"意见"}}, "f-clause-error"},
			"bad e-mail":   {url.Values{"clause": {"0"}, "body": {"意见"}, "email": {"<script>@x"}}, "f-email-error"},
		} {
			r := postPublicForm(t, pub, page, action, tc.form)
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.field) {
				t.Errorf("%s: %d, no %s", name, r.StatusCode, tc.field)
			}
		}
		r = postPublicForm(t, pub, page, action, url.Values{"clause": {"3"}, "body": {"<script>alert(1)</script>建议删除第三条中的原料供应渠道说明。"}, "name": {"王五"}, "consent": {"1"}})
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "意见已提交") || strings.Contains(r.Body, "<script>alert(1)") {
			t.Fatalf("comment: %d", r.StatusCode)
		}
		// With an attachment: a disguised file is refused by the field; a
		// picture with a path trick in its name is kept under a safe name,
		// never public, and opened by staff only with an audit entry.
		token := tokenRE.FindStringSubmatch(pub.Get(page).Body)[1]
		r = postMultipart(pub, action, url.Values{"_ft": {token}, "clause": {"0"}, "body": {"附件说明"}}, "attachment", "evil.png", []byte("#!/bin/sh\nrm -rf /"))
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-attachment-error") {
			t.Errorf("a script named .png: %d", r.StatusCode)
		}
		token = tokenRE.FindStringSubmatch(pub.Get(page).Body)[1]
		r = postMultipart(pub, action, url.Values{"_ft": {token}, "clause": {"0"}, "body": {"附上现场照片。"}}, "attachment", "../../etc/passwd.png", pngBytes)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "意见已提交") {
			t.Fatalf("comment with a picture: %d", r.StatusCode)
		}
		var after int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM comments`).Scan(&after)
		if after != before+2 {
			t.Errorf("%d comments saved, want 2", after-before)
		}
		var withFile int64
		var fileName string
		e.App.DB.R.QueryRow(`SELECT c.id, a.file_name FROM comments c JOIN attachments a ON a.id = c.attachment_id ORDER BY c.id DESC LIMIT 1`).Scan(&withFile, &fileName)
		if strings.Contains(fileName, "/") || strings.Contains(fileName, "..") {
			t.Errorf("stored file name %q", fileName)
		}
		e.AddUser("mzzj", "k.handler", auth.Handler)
		hd := e.Client()
		hd.Login("k.handler")
		attPath := "/console/consultations/" + strconv.FormatInt(openID, 10) + "/comments/" + strconv.FormatInt(withFile, 10) + "/attachment"
		if r := hd.Get(attPath); r.StatusCode != http.StatusOK || r.Body != string(pngBytes) {
			t.Errorf("staff download: %d", r.StatusCode)
		}
		if r := pub.Get(attPath); r.StatusCode == http.StatusOK {
			t.Error("the public downloaded a comment's attachment")
		}
		var audits int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM audit_entries WHERE action = 'consultation.comment.attachment'`).Scan(&audits)
		if audits != 1 {
			t.Errorf("%d audit entries for the download", audits)
		}

		// Staff: a short period needs a reason; a closed consultation takes no comments.
		e.AddUser("mzzj", "k.editor", auth.Editor)
		ed := e.Client()
		ed.Login("k.editor")
		today := e.App.Consultations.Today()
		r = ed.PostForm("/console/consultations", url.Values{"title": {"关于短期征求意见的测试"}, "draft": {"第一条 测试。\n第二条 测试。"},
			"opens_on": {today.String()}, "closes_on": {today.AddDays(9).String()}, "decision_id": {"0"}})
		m := consultationIDRE.FindStringSubmatch(r.Header.Get("Location"))
		if r.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("create: %d %s", r.StatusCode, r.Body)
		}
		detail := "/console/consultations/" + m[1]
		if r := ed.PostForm(detail+"/publish", url.Values{}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "少于 30 日") {
			t.Errorf("short period published: %d", r.StatusCode)
		}
		if r := ed.PostForm("/console/consultations", url.Values{"title": {"<script>x</script>"}, "draft": {strings.Repeat("长", 80_001)},
			"opens_on": {"2026-02-30"}, "decision_id": {"../../etc"}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "f-title-error") || !strings.Contains(r.Body, "f-draft-error") || !strings.Contains(r.Body, "f-opens_on-error") {
			t.Errorf("bad consultation form: %d", r.StatusCode)
		}
		e.Clock.Advance(40 * 24 * time.Hour)
		if _, err := e.App.Consultations.CloseDue(t.Context()); err != nil {
			t.Fatal(err)
		}
		if r := pub.Get(page); !strings.Contains(r.Body, "不再接收意见") || strings.Contains(r.Body, `action="`+action) {
			t.Error("the closed consultation still shows its form")
		}
		if r := pub.PostForm(action, url.Values{"clause": {"0"}, "body": {"迟到的意见"}}); r.StatusCode == http.StatusOK {
			t.Errorf("a closed consultation took a comment: %d", r.StatusCode)
		}
	})
}
