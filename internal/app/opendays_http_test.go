package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
)

func init() {
	const managers = "agency_admin editor handler" // auth.ManageOpenDays
	matrixParts = append(matrixParts, map[string]string{
		"GET /o/{slug}/opendays":                            public,
		"GET /o/{slug}/opendays/feed.atom":                  public,
		"GET /o/{slug}/opendays/{id}":                       public,
		"POST /o/{slug}/opendays/{id}/signups":              public,
		"POST /o/{slug}/opendays/{id}/cancel":               public,
		"GET /o/{slug}/opendays/{id}/qr.png":                public,
		"GET /console/opendays":                             managers,
		"GET /console/opendays/new":                         managers,
		"POST /console/opendays":                            managers,
		"GET /console/opendays/{id}":                        managers,
		"POST /console/opendays/{id}":                       managers,
		"POST /console/opendays/{id}/state":                 managers,
		"POST /console/opendays/{id}/signups":               managers,
		"POST /console/opendays/{id}/signups/{sid}/cancel":  managers,
		"POST /console/opendays/{id}/select":                managers,
		"GET /console/opendays/{id}/checkin":                managers,
		"POST /console/opendays/{id}/checkin":               managers,
		"POST /console/opendays/{id}/summary":               managers,
		"POST /console/opendays/{id}/evaluation":            managers,
		"POST /console/opendays/{id}/photos":                managers,
		"POST /console/opendays/{id}/photos/{photo}/delete": managers,
		"GET /o/{slug}/opendays/{id}/photos/{photo}":        public,
		"GET /api/v1/opendays":                              public,
		"GET /api/v1/opendays/{id}":                         public,
	})
	pathFillers = append(pathFillers, func(e *apptest.Env, path string) string {
		if !strings.Contains(path, "/opendays/{") {
			return ""
		}
		id := openDayID(e, demoOpenDayUpcomingTitle)
		var sid int64
		e.App.DB.R.QueryRow(`SELECT id FROM openday_signups WHERE event_id = $1 ORDER BY id LIMIT 1`, id).Scan(&sid)
		return strings.NewReplacer("{slug}", "mzzj", "{id}", fmt.Sprint(id), "{sid}", fmt.Sprint(sid), "{photo}", "1").Replace(path)
	})
}

const (
	demoOpenDayPastTitle     = "走进民族宗教工作——政府开放日（演示）"
	demoOpenDayUpcomingTitle = "民族团结进步开放周：少数民族特需商品保障开放日（演示）"
)

func openDayID(e *apptest.Env, theme string) int64 {
	var id int64
	e.App.DB.R.QueryRow(`SELECT id FROM opendays WHERE theme = $1`, theme).Scan(&id)
	return id
}

var signupCodeRE = regexp.MustCompile(`id="signup-code">([0-9A-Z]+)<`)

// TestOpenDaysHTTP: the portal list, feed and page of the demo; a citizen
// signs up (bad input refused beside the field, a duplicate phone refused),
// gets a code and its QR image, cancels with it; staff take a phone
// sign-up, check a code in, refuse a forged one; another agency's staff
// see nothing.
func TestOpenDaysHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		pub := e.Client()
		r := pub.Get("/o/mzzj/opendays")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, demoOpenDayUpcomingTitle) || !strings.Contains(r.Body, demoOpenDayPastTitle) ||
			strings.Index(r.Body, demoOpenDayUpcomingTitle) > strings.Index(r.Body, demoOpenDayPastTitle) {
			t.Fatalf("portal list: %d", r.StatusCode)
		}
		validAtom(t, "open days feed", pub.Get("/o/mzzj/opendays/feed.atom").Body)
		if f := pub.Get("/o/mzzj/opendays/feed.atom").Body; !strings.Contains(f, demoOpenDayUpcomingTitle) || strings.Contains(f, demoOpenDayPastTitle) {
			t.Error("the feed should list only upcoming events")
		}
		pastID, upID := openDayID(e, demoOpenDayPastTitle), openDayID(e, demoOpenDayUpcomingTitle)
		if r := pub.Get(fmt.Sprintf("/o/mzzj/opendays/%d", pastID)); !strings.Contains(r.Body, "活动总结") || !strings.Contains(r.Body, "4 位参加人员") ||
			strings.Contains(r.Body, "提交报名") {
			t.Errorf("past event page: %d", r.StatusCode)
		}
		page := fmt.Sprintf("/o/mzzj/opendays/%d", upID)
		r = pub.Get(page)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "提交报名") || strings.Contains(r.Body, "13900001002") {
			t.Fatalf("upcoming page: %d", r.StatusCode)
		}
		for _, p := range []string{"/o/pudong-mzb/opendays/" + fmt.Sprint(upID), "/o/mzzj/opendays/abc", "/o/mzzj/opendays/99999999", page + "/qr.png?code=../../x", page + "/qr.png"} {
			if r := pub.Get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", p, r.StatusCode)
			}
		}
		var group string
		if m := regexp.MustCompile(`<option value="(\d+)"[^>]*>市民`).FindStringSubmatch(r.Body); m != nil {
			group = m[1]
		} else {
			t.Fatal("no group option")
		}
		var before int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM openday_signups`).Scan(&before)
		action := page + "/signups"
		for name, tc := range map[string]struct {
			form  url.Values
			field string
		}{
			"empty":         {url.Values{"group": {group}}, "f-name-error"},
			"50,000 chars":  {url.Values{"name": {strings.Repeat("长", 50_000)}, "phone": {"13912340000"}, "group": {group}}, "f-name-error"},
			"bad phone":     {url.Values{"name": {"张三"}, "phone": {"1' OR '1'='1"}, "group": {group}}, "f-phone-error"},
			"no group":      {url.Values{"name": {"张三"}, "phone": {"13912340000"}, "group": {"../../x"}}, "f-group-error"},
			"bad e-mail":    {url.Values{"name": {"张三"}, "phone": {"13912340000"}, "group": {group}, "email": {"<script>@x"}}, "f-email-error"},
			"duplicate tel": {url.Values{"name": {"张三"}, "phone": {"13900001002"}, "group": {group}}, "f-phone-error"},
		} {
			r := postPublicForm(t, pub, page, action, tc.form)
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.field) {
				t.Errorf("%s: %d, no %s", name, r.StatusCode, tc.field)
			}
		}
		if r := pub.PostForm(action, url.Values{"name": {"张三"}, "phone": {"13912340000"}, "group": {group}}); r.StatusCode != http.StatusBadRequest {
			t.Errorf("without the form token: %d", r.StatusCode)
		}
		r = postPublicForm(t, pub, page, action, url.Values{"name": {"<script>alert(1)</script>"}, "phone": {"13912340000"}, "group": {group}})
		m := signupCodeRE.FindStringSubmatch(r.Body)
		if r.StatusCode != http.StatusOK || m == nil || strings.Contains(r.Body, "<script>alert(1)") || !strings.Contains(r.Body, "报名成功") {
			t.Fatalf("sign-up: %d", r.StatusCode)
		}
		code := m[1]
		if r := pub.Get(page + "/qr.png?code=" + code); r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(r.Body, "\x89PNG") {
			t.Errorf("QR code: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		var after int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM openday_signups`).Scan(&after)
		if after != before+1 {
			t.Errorf("%d sign-ups saved, want 1", after-before)
		}
		// Cancellation: forged code refused; the right one works.
		r = postPublicForm(t, pub, page, page+"/cancel", url.Values{"cancel_phone": {"13912340000"}, "cancel_code": {"AAAAAAAAAA"}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "报名码不正确") {
			t.Errorf("forged code: %d", r.StatusCode)
		}
		r = postPublicForm(t, pub, page, page+"/cancel", url.Values{"cancel_phone": {""}, "cancel_code": {strings.Repeat("x", 50_000)}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-cancel_phone-error") {
			t.Errorf("empty phone: %d", r.StatusCode)
		}
		r = postPublicForm(t, pub, page, page+"/cancel", url.Values{"cancel_phone": {"13912340000"}, "cancel_code": {code}})
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "报名已取消") {
			t.Errorf("cancel: %d", r.StatusCode)
		}

		// Staff: a phone sign-up, then its check-in.
		e.AddUser("mzzj", "od.handler", auth.Handler)
		hd := e.Client()
		hd.Login("od.handler")
		con := fmt.Sprintf("/console/opendays/%d", upID)
		if r := hd.Get(con); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "13900001002") || !strings.Contains(r.Body, "代为报名") {
			t.Fatalf("console detail: %d", r.StatusCode)
		}
		r = hd.PostForm(con+"/signups", url.Values{"name": {"周敏"}, "phone": {"bad"}, "group": {group}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-phone-error") {
			t.Errorf("staff sign-up, bad phone: %d", r.StatusCode)
		}
		r = hd.PostForm(con+"/signups", url.Values{"name": {"周敏"}, "phone": {"13912340001"}, "group": {group}})
		m = signupCodeRE.FindStringSubmatch(r.Body)
		if r.StatusCode != http.StatusOK || m == nil {
			t.Fatalf("staff sign-up: %d", r.StatusCode)
		}
		for name, c := range map[string]string{"forged": "AAAAAAAAAA", "empty": "", "hostile": "<script>'; DROP TABLE x;--", "long": strings.Repeat("长", 50_000)} {
			if r := hd.PostForm(con+"/checkin", url.Values{"code": {c}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-code-error") {
				t.Errorf("check-in %s: %d", name, r.StatusCode)
			}
		}
		if r := hd.PostForm(con+"/checkin", url.Values{"code": {strings.ToLower(m[1])}}); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "签到成功") {
			t.Errorf("check-in: %d", r.StatusCode)
		}
		// New event form: bad input beside the fields.
		r = hd.PostForm("/console/opendays", url.Values{"theme": {""}, "date": {"x"}, "capacity": {"0"}, "groups": {"../../x.xlsx"}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-theme-error") || !strings.Contains(r.Body, "f-groups-error") {
			t.Errorf("new event: %d", r.StatusCode)
		}
		// Another agency's staff see nothing of it.
		e.AddUser("pudong-mzb", "pd.od", auth.Editor)
		pd := e.Client()
		pd.Login("pd.od")
		if r := pd.Get(con); r.StatusCode != http.StatusNotFound {
			t.Errorf("other agency: %d", r.StatusCode)
		}
		var audits int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM audit_entries WHERE action = 'openday.checkin'`).Scan(&audits)
		if audits < 5 {
			t.Errorf("%d check-in audit entries", audits)
		}
	})
}
