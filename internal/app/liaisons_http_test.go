package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
)

func init() {
	matrixParts = append(matrixParts, map[string]string{
		"GET /console/liaisons":            authenticated,
		"GET /console/liaisons/{div}/edit": "agency_admin", // auth.ManageLiaisons
		"POST /console/liaisons/{div}":     "agency_admin",
	})
}

// liaisonClient is a console client with a session for the account.
func liaisonClient(e *apptest.Env, userID int64) *apptest.Client {
	c := e.Client()
	u, _ := url.Parse(e.URL + "/")
	c.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "gk_session", Value: e.SessionFor(userID), Path: "/"}})
	return c
}

func divisionID(t *testing.T, e *apptest.Env, agencySlug, name string) int64 {
	t.Helper()
	var id int64
	if err := e.App.DB.R.QueryRow(`SELECT d.id FROM divisions d JOIN agencies a ON a.id = d.agency_id WHERE a.slug = $1 AND d.name = $2`,
		agencySlug, name).Scan(&id); err != nil {
		t.Fatalf("division %s/%s: %v", agencySlug, name, err)
	}
	return id
}

// TestLiaisonsHTTP: staff see the demo roster with its gap (宗教工作三处)
// and the mobile numbers, the portal never; only the agency administrator
// edits, bad input is refused beside the field, a saved change is audited
// without the numbers, fills the gap in the roster and the to-dos, and
// routes the division's work to the linked account.
func TestLiaisonsHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		mzzj := e.Agency("mzzj")
		admin := e.AddUser("mzzj", "l.admin", auth.AgencyAdmin)
		editor := e.AddUser("mzzj", "l.editor", auth.Editor)
		platform := e.AddUser("", "l.platform", auth.PlatformAdmin)
		gap := divisionID(t, e, "mzzj", "宗教工作三处")
		other := divisionID(t, e, "mzzj", "办公室")
		// A member of 宗教工作三处 to link, one of another division not.
		member := e.AddUser("mzzj", "l.member", auth.Liaison)
		outsider := e.AddUser("mzzj", "l.outsider", auth.Editor)
		e.App.DB.W.Exec(`UPDATE staff_users SET division_id = $1 WHERE id = $2`, gap, member.ID)
		e.App.DB.W.Exec(`UPDATE staff_users SET division_id = $1 WHERE id = $2`, other, outsider.ID)

		ac := liaisonClient(e, admin.ID)
		r := ac.Get("/console/liaisons")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "宗教工作三处") || !strings.Contains(r.Body, "未指定联络员") ||
			!strings.Contains(r.Body, "13900002005") || !strings.Contains(r.Body, "/console/liaisons/"+strconv.FormatInt(gap, 10)+"/edit") {
			t.Fatalf("roster for the admin: %d", r.StatusCode)
		}
		if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("roster with mobile numbers cached: %q", cc)
		}
		ec := liaisonClient(e, editor.ID)
		r = ec.Get("/console/liaisons")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "13900002005") || strings.Contains(r.Body, "/edit\"") {
			t.Errorf("roster for an editor: %d, edit links shown: %v", r.StatusCode, strings.Contains(r.Body, "/edit\""))
		}
		if r := ec.PostForm("/console/liaisons/"+strconv.FormatInt(gap, 10), url.Values{"primary_name": {"某人"}}); r.StatusCode != http.StatusForbidden {
			t.Errorf("an editor saved the roster: %d", r.StatusCode)
		}
		for _, p := range []string{"/o/mzzj/about", "/o/mzzj/", "/api/v1/agencies/mzzj"} {
			if b := e.Client().Get(p).Body; strings.Contains(b, "13900002005") || strings.Contains(b, "13900002001") {
				t.Errorf("a liaison's mobile number on the public page %s", p)
			}
		}
		// The administrator's to-do names the gap.
		src, ok := e.App.Todos.Source("liaisons")
		if !ok {
			t.Fatal("no liaisons to-do source")
		}
		items, err := src(ctx, mzzj.ID, civil.Of(e.Clock.Now()))
		if err != nil || len(items) != 1 || items[0].Title != "处室未指定联络员：宗教工作三处" || items[0].Perm != auth.ManageLiaisons || items[0].DivisionID != gap {
			t.Fatalf("liaison to-dos: %+v, %v", items, err)
		}

		path := "/console/liaisons/" + strconv.FormatInt(gap, 10)
		if r := ac.Get(path + "/edit"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "测试l.member") || strings.Contains(r.Body, "测试l.outsider") {
			t.Errorf("edit form: %d (members offered: %v)", r.StatusCode, strings.Contains(r.Body, "测试l.member"))
		}
		for _, c := range []struct {
			form url.Values
			want string
		}{
			{url.Values{"primary_name": {"王五"}, "primary_mobile": {"12345"}}, "手机号码须为 11 位手机号"},
			{url.Values{"primary_name": {"<b>王</b>"}}, "不能包含 &lt; &gt;"},
			{url.Values{"primary_name": {"王五"}, "primary_email": {"a@b"}}, "电子邮箱格式不正确"},
			{url.Values{"primary_name": {"王五"}, "primary_office_phone": {"'; DROP TABLE divisions; --"}}, "办公电话格式不正确"},
			{url.Values{"primary_user_id": {strconv.FormatInt(outsider.ID, 10)}}, "不是本处室在岗的工作人员"},
			{url.Values{"deputy_name": {"李四"}}, "请先填写联络员"},
		} {
			r := ac.PostForm(path, c.form)
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, c.want) {
				t.Errorf("%v: %d, want 422 with %q", c.form, r.StatusCode, c.want)
			}
		}
		if l, _ := e.App.Agencies.Liaison(ctx, gap); l.Assigned() {
			t.Fatal("a refused form saved the liaison")
		}
		r = ac.PostForm(path, url.Values{"primary_user_id": {strconv.FormatInt(member.ID, 10)}, "primary_position": {"二级主任科员"},
			"primary_office_phone": {"021-63210070"}, "primary_mobile": {"139 0000 2007"}, "deputy_name": {"钱七"}, "deputy_mobile": {"13900002107"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", r.StatusCode, r.Body)
		}
		l, err := e.App.Agencies.Liaison(ctx, gap)
		if err != nil || !l.Assigned() || l.Primary.Name != "测试l.member" || l.Primary.Mobile != "13900002007" || l.RouteTo() != member.ID || l.Deputy.Name != "钱七" {
			t.Fatalf("liaison after save: %+v, %v", l, err)
		}
		var summary string
		e.App.DB.R.QueryRow(`SELECT summary FROM audit_entries WHERE action = 'liaison.update' AND object_id = $1 ORDER BY seq DESC LIMIT 1`,
			strconv.FormatInt(gap, 10)).Scan(&summary)
		if !strings.Contains(summary, "测试l.member") || strings.Contains(summary, "13900002007") || !strings.Contains(summary, "联络员手机") {
			t.Errorf("audit summary: %q", summary)
		}
		if items, _ := src(ctx, mzzj.ID, civil.Of(e.Clock.Now())); len(items) != 0 {
			t.Errorf("to-dos after the gap is filled: %+v", items)
		}
		if r := ac.Get("/console/liaisons"); strings.Contains(r.Body, "未指定联络员</span>") {
			t.Error("the roster still flags a division")
		}
		// Another agency's division is not found; platform staff choose.
		pudong := divisionID(t, e, "pudong-mzb", "综合科")
		if r := ac.Get("/console/liaisons/" + strconv.FormatInt(pudong, 10) + "/edit"); r.StatusCode != http.StatusNotFound {
			t.Errorf("another agency's division: %d", r.StatusCode)
		}
		pc := liaisonClient(e, platform.ID)
		if r := pc.Get("/console/liaisons"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "请选择单位") || strings.Contains(r.Body, "13900002005") {
			t.Errorf("platform chooser: %d", r.StatusCode)
		}
		if r := pc.Get("/console/liaisons?agency=" + strconv.FormatInt(mzzj.ID, 10)); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "13900002005") {
			t.Errorf("platform view of mzzj: %d", r.StatusCode)
		}
	})
}
