package app_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
)

func init() {
	const managers = "agency_admin editor" // auth.ManageNewMedia
	matrixParts = append(matrixParts, map[string]string{
		"GET /o/{slug}/newmedia":                           public,
		"GET /o/{slug}/newmedia/{id}/qr":                   public,
		"GET /console/newmedia":                            managers,
		"GET /console/newmedia/accounts.xlsx":              managers,
		"GET /console/newmedia/accounts/new":               managers,
		"POST /console/newmedia/accounts":                  managers,
		"GET /console/newmedia/accounts/{id}":              managers,
		"POST /console/newmedia/accounts/{id}":             managers,
		"POST /console/newmedia/accounts/{id}/updated":     managers,
		"POST /console/newmedia/accounts/{id}/qr":          managers,
		"POST /console/newmedia/accounts/{id}/qr/delete":   managers,
		"GET /console/newmedia/accounts/{id}/qr":           managers,
		"GET /console/newmedia/reposts":                    managers,
		"GET /console/newmedia/reposts/new":                managers,
		"POST /console/newmedia/reposts":                   managers,
		"GET /console/newmedia/reposts/{id}":               managers,
		"POST /console/newmedia/reposts/{id}/tasks/{task}": managers,
	})
	pathFillers = append(pathFillers, func(e *apptest.Env, path string) string {
		if !strings.Contains(path, "/newmedia/") || !strings.Contains(path, "{") {
			return ""
		}
		account := newMediaAccountID(e, "上海民族宗教", "wechat")
		repost, task := overdueRepost(e)
		id := account
		if strings.Contains(path, "/reposts/") {
			id = repost
		}
		return strings.NewReplacer("{slug}", "mzzj", "{id}", fmt.Sprint(id), "{task}", fmt.Sprint(task)).Replace(path)
	})
}

const (
	demoNewMediaStaleName = "少数民族服务在线"
	demoNewMediaOperator  = "王磊"
	demoNewMediaPhone     = "13800138123"
	demoRepostOverdueT    = "《关于做好少数民族特需商品供应保障工作的通知》政策解读"
)

func newMediaAccountID(e *apptest.Env, name, platform string) int64 {
	var id int64
	e.App.DB.R.QueryRow(`SELECT id FROM newmedia_accounts WHERE name = $1 AND platform = $2`, name, platform).Scan(&id)
	return id
}

// overdueRepost is the demo's overdue repost and its open task.
func overdueRepost(e *apptest.Env) (repost, task int64) {
	e.App.DB.R.QueryRow(`SELECT r.id, t.id FROM newmedia_reposts r JOIN newmedia_repost_tasks t ON t.repost_id = r.id
		WHERE r.title = $1 AND t.done_at IS NULL`, demoRepostOverdueT).Scan(&repost, &task)
	return repost, task
}

func qrPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 40, 40))
	for i := range 40 {
		img.Set(i, i, color.White)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var accountCreatedRE = regexp.MustCompile(`/console/newmedia/accounts/(\d+)\?flash=created`)
var repostCreatedRE = regexp.MustCompile(`/console/newmedia/reposts/(\d+)\?flash=created`)

// TestNewMediaHTTP: the public matrix shows the accounts in operation
// with their QR images and alt text and no operator data; staff see the
// stale flag; the registry refuses bad input beside the fields (hostile
// text escaped, wrong image types and path tricks refused); a status
// change takes an account off the portal; repost tasks are created from a
// published item or a free title, refuse bad links, record completion and
// show the overdue one; the registry exports; to-dos come from both; other
// agencies see nothing.
func TestNewMediaHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		pub := e.Client()
		r := pub.Get("/o/mzzj/newmedia")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `alt="上海民族宗教 微信公众号二维码"`) || !strings.Contains(r.Body, "主办单位：上海市民族和宗教事务局") ||
			!strings.Contains(r.Body, demoNewMediaStaleName) {
			t.Fatalf("public matrix: %d", r.StatusCode)
		}
		for _, secret := range []string{demoNewMediaOperator, demoNewMediaPhone, "新媒体工作小组", "清真食品服务", "民族文化节"} {
			if strings.Contains(r.Body, secret) {
				t.Errorf("the public matrix shows %q", secret)
			}
		}
		wx := newMediaAccountID(e, "上海民族宗教", "wechat")
		if r := pub.Get(fmt.Sprintf("/o/mzzj/newmedia/%d/qr", wx)); r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "image/png" ||
			!strings.HasPrefix(r.Body, "\x89PNG") {
			t.Errorf("public QR: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		paused := newMediaAccountID(e, "清真食品服务", "weibo")
		for _, p := range []string{fmt.Sprintf("/o/mzzj/newmedia/%d/qr", paused), fmt.Sprintf("/o/pudong-mzb/newmedia/%d/qr", wx),
			"/o/mzzj/newmedia/abc/qr", "/o/mzzj/newmedia/..%2f..%2fetc/qr", "/o/nobody/newmedia"} {
			if r := pub.Get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", p, r.StatusCode)
			}
		}

		e.AddUser("mzzj", "nm.editor", auth.Editor)
		ed := e.Client()
		ed.Login("nm.editor")
		r = ed.Get("/console/newmedia")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "未及时更新") {
			t.Fatalf("console list: %d", r.StatusCode)
		}
		r = ed.Get("/console/newmedia?stale=1")
		if !strings.Contains(r.Body, demoNewMediaStaleName) || strings.Contains(r.Body, "民族团结进步在上海") {
			t.Error("the stale filter")
		}

		// Registry: bad input beside the fields.
		for name, tc := range map[string]struct {
			form   url.Values
			fields []string
		}{
			"missing":   {url.Values{"status": {"active"}}, []string{"f-platform-error", "f-name-error", "f-sponsor-error"}},
			"unknown":   {url.Values{"platform": {"tiktok"}, "name": {"x"}, "sponsor": {"y"}, "status": {"zombie"}}, []string{"f-platform-error", "f-status-error"}},
			"phone":     {url.Values{"platform": {"wechat"}, "name": {"x"}, "sponsor": {"y"}, "status": {"active"}, "operator_contact": {"1' OR '1'='1"}}, []string{"f-operator_contact-error"}},
			"future":    {url.Values{"platform": {"wechat"}, "name": {"x"}, "sponsor": {"y"}, "status": {"active"}, "last_updated_on": {"2999-01-01"}}, []string{"f-last_updated_on-error"}},
			"long":      {url.Values{"platform": {"wechat"}, "name": {strings.Repeat("长", 50_000)}, "sponsor": {"y"}, "status": {"active"}}, []string{"f-name-error"}},
			"duplicate": {url.Values{"platform": {"wechat"}, "name": {"上海民族宗教"}, "sponsor": {"y"}, "status": {"active"}}, []string{"f-name-error"}},
		} {
			r := ed.PostForm("/console/newmedia/accounts", tc.form)
			for _, f := range tc.fields {
				if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, f) {
					t.Errorf("%s: %d, no %s", name, r.StatusCode, f)
				}
			}
		}
		r = ed.PostForm("/console/newmedia/accounts", url.Values{"platform": {"douyin"}, "name": {"<script>alert(1)</script>"}, "sponsor": {"上海市民族和宗教事务局"},
			"status": {"active"}, "operator": {"李雷"}, "operator_contact": {"13900001234"}})
		m := accountCreatedRE.FindStringSubmatch(r.Header.Get("Location"))
		if r.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("create account: %d %s", r.StatusCode, r.Body)
		}
		acct := "/console/newmedia/accounts/" + m[1]
		if r := ed.Get(acct); strings.Contains(r.Body, "<script>alert(1)") || !strings.Contains(r.Body, "&lt;script&gt;") || !strings.Contains(r.Body, "未记录更新") {
			t.Error("account page: the name is not escaped or the freshness is wrong")
		}
		// QR images: wrong type, path tricks, then a PNG.
		var atts int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM attachments`).Scan(&atts)
		for name, tc := range map[string]struct {
			file string
			body []byte
		}{
			"pdf":   {"qr.png", []byte("%PDF-1.4 not an image")},
			"path":  {"../../qr.png", qrPNG(t)},
			"empty": {"", nil},
		} {
			if r := uploadFile(t, ed, acct+"/qr", "qr", tc.file, tc.body, nil); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-qr-error") {
				t.Errorf("QR %s: %d", name, r.StatusCode)
			}
		}
		if r := uploadFile(t, ed, acct+"/qr", "qr", "二维码.png", qrPNG(t), nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("QR: %d %s", r.StatusCode, r.Body)
		}
		if r := uploadFile(t, ed, acct+"/qr", "qr", "二维码2.png", qrPNG(t), nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("QR replaced: %d", r.StatusCode)
		}
		var after int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM attachments`).Scan(&after)
		if after != atts+1 {
			t.Errorf("%d attachments added, want 1 (the replaced one removed)", after-atts)
		}
		r = pub.Get("/o/mzzj/newmedia")
		if !strings.Contains(r.Body, "&lt;script&gt;alert(1)&lt;/script&gt; 抖音二维码") || strings.Contains(r.Body, "李雷") || strings.Contains(r.Body, "13900001234") {
			t.Error("the new account on the portal: alt text, or operator data shown")
		}
		// A stale update is refused; a status change takes it off the portal.
		form := url.Values{"platform": {"douyin"}, "name": {"民宗短视频"}, "sponsor": {"上海市民族和宗教事务局"}, "status": {"paused"}, "version": {"0"}}
		if r := ed.PostForm(acct, form); r.StatusCode != http.StatusConflict {
			t.Errorf("stale version: %d", r.StatusCode)
		}
		form.Set("version", "1")
		if r := ed.PostForm(acct, form); r.StatusCode != http.StatusSeeOther {
			t.Errorf("update: %d %s", r.StatusCode, r.Body)
		}
		if r := pub.Get("/o/mzzj/newmedia"); strings.Contains(r.Body, "民宗短视频") {
			t.Error("a paused account is on the portal")
		}
		// Recording an update clears the stale flag.
		stale := fmt.Sprintf("/console/newmedia/accounts/%d", newMediaAccountID(e, demoNewMediaStaleName, "wechat"))
		if r := ed.PostForm(stale+"/updated", url.Values{"updated_on": {"2999-01-01"}}); r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("future update: %d", r.StatusCode)
		}
		if r := ed.PostForm(stale+"/updated", url.Values{}); r.StatusCode != http.StatusSeeOther {
			t.Errorf("record update: %d", r.StatusCode)
		}
		if r := ed.Get("/console/newmedia?stale=1"); strings.Contains(r.Body, demoNewMediaStaleName) {
			t.Error("still stale after an update")
		}

		// Repost tasks.
		r = ed.PostForm("/console/newmedia/reposts", url.Values{"title": {""}, "url": {"javascript:alert(1)"}, "kind": {"x"}, "mode": {"workdays"}, "workdays": {"99"}})
		for _, f := range []string{"f-title-error", "f-url-error", "f-kind-error", "f-workdays-error", "f-accounts-error"} {
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, f) {
				t.Errorf("bad repost: %d, no %s", r.StatusCode, f)
			}
		}
		r = ed.PostForm("/console/newmedia/reposts", url.Values{"item": {"999999999"}, "mode": {"moment"}, "due_at": {"2000-01-01T10:00"},
			"accounts": {fmt.Sprint(paused)}})
		for _, f := range []string{"f-item-error", "f-due_at-error", "f-accounts-error"} {
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, f) {
				t.Errorf("bad repost 2: %d, no %s", r.StatusCode, f)
			}
		}
		var item int64
		e.App.DB.R.QueryRow(`SELECT id FROM items WHERE agency_id = $1 AND status = 'published' ORDER BY id DESC LIMIT 1`, e.Agency("mzzj").ID).Scan(&item)
		var title string
		e.App.DB.R.QueryRow(`SELECT title FROM items WHERE id = $1`, item).Scan(&title)
		if r := ed.Get(fmt.Sprintf("/console/newmedia/reposts/new?item=%d", item)); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "已选择") {
			t.Errorf("repost form from an item: %d", r.StatusCode)
		}
		// The published item's console page offers the repost to those who
		// manage the accounts, and only to them.
		link := fmt.Sprintf(`href="/console/newmedia/reposts/new?item=%d"`, item)
		if r := ed.Get(fmt.Sprintf("/console/items/%d", item)); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, link) {
			t.Errorf("the item's console page has no repost link: %d", r.StatusCode)
		}
		e.AddUser("mzzj", "nm.item.reviewer", auth.Reviewer)
		irc := e.Client()
		irc.Login("nm.item.reviewer")
		if r := irc.Get(fmt.Sprintf("/console/items/%d", item)); r.StatusCode != http.StatusOK || strings.Contains(r.Body, link) {
			t.Errorf("a reviewer sees the repost link: %d", r.StatusCode)
		}
		r = ed.PostForm("/console/newmedia/reposts", url.Values{"item": {fmt.Sprint(item)}, "mode": {"workdays"}, "workdays": {"1"},
			"accounts": {fmt.Sprint(wx), fmt.Sprint(newMediaAccountID(e, "上海民宗发布", "weibo"))}})
		m = repostCreatedRE.FindStringSubmatch(r.Header.Get("Location"))
		if r.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("repost: %d %s", r.StatusCode, r.Body)
		}
		rp := "/console/newmedia/reposts/" + m[1]
		var due civil.Date
		var rtitle, rurl string
		e.App.DB.R.QueryRow(`SELECT title, url, due_on FROM newmedia_reposts WHERE id = $1`, m[1]).Scan(&rtitle, &rurl, &due)
		cal, _ := e.App.Calendar.Calendar(ctx)
		want, _ := cal.AddWorkingDays(civil.Of(e.App.NewMedia.Now()), 1)
		if rtitle != title || !strings.HasSuffix(rurl, fmt.Sprintf("/o/mzzj/items/%d", item)) || due != want {
			t.Errorf("repost from item: %q %q %s (want %q, due %s)", rtitle, rurl, due, title, want)
		}
		var task int64
		e.App.DB.R.QueryRow(`SELECT id FROM newmedia_repost_tasks WHERE repost_id = $1 ORDER BY id LIMIT 1`, m[1]).Scan(&task)
		for _, bad := range []string{"", "ftp://x.example/a", "javascript:alert(1)", "https://x.example/\"><script>", strings.Repeat("a", 50_000)} {
			if r := ed.PostForm(fmt.Sprintf("%s/tasks/%d", rp, task), url.Values{"link": {bad}}); r.StatusCode != http.StatusUnprocessableEntity ||
				!strings.Contains(r.Body, fmt.Sprintf("f-link-%d-error", task)) {
				t.Errorf("bad link %.20q: %d", bad, r.StatusCode)
			}
		}
		if r := ed.PostForm(fmt.Sprintf("%s/tasks/%d", rp, task), url.Values{"link": {"https://mp.weixin.qq.com/s/abc"}}); r.StatusCode != http.StatusSeeOther {
			t.Errorf("task done: %d", r.StatusCode)
		}
		if r := ed.PostForm(fmt.Sprintf("%s/tasks/%d", rp, task), url.Values{"link": {"https://mp.weixin.qq.com/s/abc"}}); r.StatusCode != http.StatusConflict {
			t.Errorf("task done twice: %d", r.StatusCode)
		}
		if r := ed.Get(rp); !strings.Contains(r.Body, "1/2") || !strings.Contains(r.Body, "https://mp.weixin.qq.com/s/abc") {
			t.Error("repost page after one done")
		}
		od, _ := overdueRepost(e)
		if r := ed.Get(fmt.Sprintf("/console/newmedia/reposts/%d", od)); !strings.Contains(r.Body, "已逾期") {
			t.Error("the overdue repost is not flagged")
		}
		if r := ed.Get("/console/newmedia/reposts"); !strings.Contains(r.Body, "已逾期") || !strings.Contains(r.Body, "已完成") {
			t.Error("repost list flags")
		}

		// Export.
		r = ed.Get("/console/newmedia/accounts.xlsx")
		sheets := xlsxText(t, r.Body)
		if r.StatusCode != http.StatusOK || !strings.Contains(sheets["政务新媒体账号"], "上海民宗发布") || !strings.Contains(sheets["政务新媒体账号"], "已关停") {
			t.Errorf("export: %d %v", r.StatusCode, sheets)
		}

		// To-dos.
		src, ok := e.App.Todos.Source("newmedia")
		if !ok {
			t.Fatal("no new-media to-do source")
		}
		items, err := src(ctx, e.Agency("mzzj").ID, civil.Of(e.App.NewMedia.Now()))
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, it := range items {
			titles = append(titles, it.Title)
		}
		joined := strings.Join(titles, "\n")
		if !strings.Contains(joined, "民宗微课堂（视频号）即将超过 14 天未更新") || !strings.Contains(joined, "民族团结进步在上海（微信公众号）转发："+demoRepostOverdueT) ||
			!strings.Contains(joined, "寒潮大风") {
			t.Errorf("to-dos:\n%s", joined)
		}

		// Others.
		rv := e.Client()
		e.AddUser("mzzj", "nm.reviewer", auth.Reviewer)
		rv.Login("nm.reviewer")
		if r := rv.Get("/console/newmedia"); r.StatusCode != http.StatusForbidden {
			t.Errorf("reviewer: %d", r.StatusCode)
		}
		e.AddUser("pudong-mzb", "pd.nm", auth.Editor)
		pd := e.Client()
		pd.Login("pd.nm")
		for _, p := range []string{acct, rp, fmt.Sprintf("/console/newmedia/accounts/%d/qr", wx)} {
			if r := pd.Get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("other agency %s: %d", p, r.StatusCode)
			}
		}
		var audits int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM audit_entries WHERE action LIKE 'newmedia.%'`).Scan(&audits)
		if audits < 20 {
			t.Errorf("%d new-media audit entries", audits)
		}
	})
}
