package app_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/app/browsertest"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/directory"
)

func init() {
	const managers = "agency_admin editor" // auth.ManageDirectories, auth.ManageClergy
	part := map[string]string{"GET /console/directories": managers}
	for _, slug := range []string{"venues", "halal", "clergy"} {
		b := "/console/directories/" + slug
		for _, rt := range []string{"GET " + b, "GET " + b + "/export.xlsx", "GET " + b + "/export.csv", "GET " + b + "/template.xlsx",
			"GET " + b + "/import", "POST " + b + "/import", "GET " + b + "/new", "POST " + b, "GET " + b + "/settings", "POST " + b + "/settings",
			"GET " + b + "/{id}", "GET " + b + "/{id}/edit", "POST " + b + "/{id}", "POST " + b + "/{id}/verify"} {
			part[rt] = managers
		}
	}
	for _, rt := range []string{"POST /console/directories/venues/{id}/notices", "POST /console/directories/venues/{id}/notices/{notice}/withdraw",
		"POST /console/directories/clergy/{id}/photo", "POST /console/directories/clergy/{id}/photo/delete", "GET /console/directories/clergy/{id}/photo",
		"GET /console/directories/clergy/queries"} {
		part[rt] = managers
	}
	matrixParts = append(matrixParts, part)
	pathFillers = append(pathFillers, func(e *apptest.Env, path string) string {
		if !strings.HasPrefix(path, "/console/directories/") || !strings.Contains(path, "{") {
			return ""
		}
		f := dcMatrixFixture(e)
		id := f.venue
		switch {
		case strings.HasPrefix(path, "/console/directories/halal/"):
			id = f.outlet
		case strings.HasPrefix(path, "/console/directories/clergy/"):
			id = f.clergy
		}
		return strings.NewReplacer("{id}", fmt.Sprint(id), "{notice}", fmt.Sprint(f.notice)).Replace(path)
	})
}

// dcFixture are the entries the role matrix walks the directory routes on.
type dcFixture struct{ venue, outlet, clergy, notice int64 }

var dcFixtures sync.Map // *apptest.Env → *dcFixture

// dcMatrixFixture creates (once per application) a venue with a scheduled
// notice, an outlet and a clergy filing of the city bureau.
func dcMatrixFixture(e *apptest.Env) *dcFixture {
	if f, ok := dcFixtures.Load(e); ok {
		return f.(*dcFixture)
	}
	ctx := context.Background()
	p := dcPrincipal(e, "mzzj.editor")
	svc := e.App.Directories
	f := &dcFixture{}
	for _, x := range []struct {
		k  directory.Kind
		v  directory.Values
		id *int64
	}{
		{directory.Venues, dcVenue("DCT-MATRIX-V1", "DCT矩阵测试寺"), &f.venue},
		{directory.Outlets, dcOutlet("DCT-MATRIX-H1", "DCT矩阵测试清真餐厅"), &f.outlet},
		{directory.Clergy, dcClergy("DCT-MATRIX-C1", "DCT矩阵"), &f.clergy},
	} {
		en, err := svc.Create(ctx, p, x.k, directory.Input{Values: x.v})
		if err != nil {
			e.T.Fatal(err, apperr.FieldsOf(err))
		}
		*x.id = en.ID
	}
	n, err := svc.AddNotice(ctx, p, f.venue, directory.NoticeInput{Kind: "closure", StartsOn: svc.Today().AddDays(1).String(), Text: "矩阵测试：设备检修暂停开放。"})
	if err != nil {
		e.T.Fatal(err, apperr.FieldsOf(err))
	}
	f.notice = n.ID
	dcFixtures.Store(e, f)
	return f
}

// dcPrincipal is an account as the services see it (no *testing.T needed).
func dcPrincipal(e *apptest.Env, username string) *auth.Principal {
	u, err := e.App.Auth.UserByUsername(context.Background(), username)
	if err != nil {
		e.T.Fatal(err)
	}
	return &auth.Principal{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, AgencyID: u.AgencyID, DivisionID: u.DivisionID,
		Roles: u.Roles, State: auth.StateActive, IP: "127.0.0.1"}
}

func dcVenue(number, name string) directory.Values {
	return directory.Values{"religion": "佛教", "name": name, "venue_type": "寺观教堂", "number": number, "district": "黄浦区",
		"address": "黄浦区测试路 1 号", "leader": "释测试", "opening": "每日 8:00—16:00", "phone": "021-63210000", "status": "registered"}
}

func dcOutlet(number, name string) directory.Values {
	return directory.Values{"name": name, "category": "饮食", "number": number, "district": "浦东新区", "address": "浦东新区测试路 2 号",
		"issuer": "浦东新区民族和宗教事务办公室", "status": "valid"}
}

func dcClergy(number, name string) directory.Values {
	return directory.Values{"name": name, "religious_name": "释" + name, "religion": "佛教", "number": number, "venue": "DCT测试寺",
		"filed_on": "2020-05-01", "status": "filed"}
}

func dcForm(v directory.Values) url.Values {
	out := url.Values{}
	for k, s := range v {
		out.Set(k, s)
	}
	return out
}

func dcCount(e *apptest.Env, kind string) int {
	var n int
	e.App.DB.R.QueryRow(`SELECT count(*) FROM directory_entries WHERE kind = $1`, kind).Scan(&n)
	return n
}

var dcCreatedRE = regexp.MustCompile(`^/console/directories/(venues|halal|clergy)/(\d+)\?flash=created$`)

// dcCreate submits the new-entry form and returns the entry's page.
func dcCreate(t *testing.T, c *apptest.Client, slug string, form url.Values) string {
	t.Helper()
	r := c.PostForm("/console/directories/"+slug, form)
	m := dcCreatedRE.FindStringSubmatch(r.Header.Get("Location"))
	if r.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("create %s: %d %s\n%s", slug, r.StatusCode, r.Header.Get("Location"), r.Body)
	}
	return "/console/directories/" + slug + "/" + m[2]
}

// TestDirectoryConsoleHTTP: staff create venues through the generated
// form (bad input refused beside the fields, nothing saved), edit them
// (a stale version is a conflict, the history records the change), mark
// them verified and post and withdraw opening notices; a district bureau
// maintains its own entries while the city bureau only reads them; a
// stale entry is flagged in the list and reaches the to-dos; roles
// without the permission are refused.
func TestDirectoryConsoleHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		e.AddUser("mzzj", "dc.editor", auth.Editor)
		ed := e.Client()
		ed.Login("dc.editor")

		// The form is generated from the schema.
		r := ed.Get("/console/directories/venues/new")
		for _, want := range []string{`<select id="f-religion" name="religion" required`, `<option value="佛教">佛教</option>`, `id="f-name" name="name" type="text"`,
			`id="f-phone" name="phone" type="tel"`, `id="f-note" name="note"`, `<textarea id="f-note"`, `id="f-verified_on" name="verified_on" type="date"`,
			`<select id="f-division" name="division"`, "只填场所的办公固定电话", `<option value="registered" selected>已登记</option>`, "（必填）"} {
			if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, want) {
				t.Errorf("new venue form: %d, no %s", r.StatusCode, want)
			}
		}
		if r := ed.Get("/console/directories/halal/new"); !strings.Contains(r.Body, `id="f-supply_point" name="supply_point" type="checkbox" value="1"`) {
			t.Error("the outlet form has no checkbox for the basic supply point")
		}
		if r := ed.Get("/console/directories/clergy/new"); !strings.Contains(r.Body, `id="f-filed_on" name="filed_on" type="date"`) {
			t.Error("the clergy form has no date field")
		}

		// Bad input: 422, messages beside the fields, values kept, nothing saved.
		before := dcCount(e, "venue")
		good := dcVenue("DCT-V-0001", "DCT静安测试寺")
		for name, tc := range map[string]struct {
			change directory.Values
			want   map[string]string // field → message part
		}{
			"missing": {directory.Values{"name": "", "number": "", "religion": ""},
				map[string]string{"name": "请填写场所名称。", "number": "请填写登记证号。", "religion": "请选择教别。"}},
			"enum": {directory.Values{"religion": "萨满教", "venue_type": "庙会"}, map[string]string{"religion": "教别应为以下之一：佛教、道教、伊斯兰教、天主教、基督教。",
				"venue_type": "场所类型应为以下之一"}},
			"mobile":  {directory.Values{"phone": "138-1234-5678"}, map[string]string{"phone": "场所办公电话不能是个人手机号，请填写办公固定电话。"}},
			"script":  {directory.Values{"name": "<script>alert(1)</script>"}, map[string]string{"name": "场所名称不能含有尖括号。"}},
			"sql":     {directory.Values{"number": "' OR 1=1 --", "district": "黄浦区' OR '1'='1"}, map[string]string{"number": "登记证号只能由汉字、字母、数字和连接号组成", "district": "所在区应为以下之一"}},
			"long":    {directory.Values{"address": strings.Repeat("路", 201)}, map[string]string{"address": "地址不能超过 200 个字。"}},
			"control": {directory.Values{"leader": "释\x01某"}, map[string]string{"leader": "负责人含有无法识别的字符。"}},
		} {
			form := dcForm(good)
			for k, v := range tc.change {
				form.Set(k, v)
			}
			r := ed.PostForm("/console/directories/venues", form)
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="form-errors"`) {
				t.Errorf("%s: %d, no error summary", name, r.StatusCode)
				continue
			}
			for field, msg := range tc.want {
				re := regexp.MustCompile(`<p class="field-error" id="f-` + field + `-error">([^<]*)</p>`)
				m := re.FindStringSubmatch(r.Body)
				if m == nil || !strings.Contains(m[1], msg) {
					t.Errorf("%s: the %s error is %v, want %q", name, field, m, msg)
				}
				if !strings.Contains(r.Body, `id="f-`+field+`" name="`+field+`"`) || !regexp.MustCompile(`id="f-`+field+`"[^>]*aria-invalid="true"`).MatchString(r.Body) {
					t.Errorf("%s: the %s control is not marked invalid", name, field)
				}
			}
			if strings.Contains(r.Body, "<script>alert") {
				t.Errorf("%s: the hostile name is not escaped", name)
			}
			if name == "script" && !strings.Contains(r.Body, `value="&lt;script&gt;alert(1)&lt;/script&gt;"`) {
				t.Errorf("%s: the typed value is not kept", name)
			}
			if name == "mobile" && !strings.Contains(r.Body, `value="138-1234-5678"`) {
				t.Errorf("%s: the typed value is not kept", name)
			}
		}
		if n := dcCount(e, "venue"); n != before {
			t.Fatalf("bad forms saved %d venues", n-before)
		}

		// A good venue, with an apostrophe in its name, shows in the list.
		good["name"] = "DCT静安测试寺（O'Neil 捐建）"
		page := dcCreate(t, ed, "venues", dcForm(good))
		r = ed.Get(page + "?flash=created")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "已创建。") || !strings.Contains(r.Body, "DCT静安测试寺（O&#39;Neil 捐建）") ||
			!strings.Contains(r.Body, "DCT-V-0001") || !strings.Contains(r.Body, "标记为已核实") || !strings.Contains(r.Body, page+"/edit") {
			t.Fatalf("venue page: %d", r.StatusCode)
		}
		r = ed.Get("/console/directories/venues?q=" + url.QueryEscape("静安测试"))
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "DCT-V-0001") || !strings.Contains(r.Body, "上海市民族和宗教事务局") {
			t.Errorf("list: %d", r.StatusCode)
		}
		for _, q := range []string{"' OR 1=1 --", "%%", "__", "静%"} {
			r := ed.Get("/console/directories/venues?q=" + url.QueryEscape(q))
			if r.StatusCode != http.StatusOK || strings.Contains(r.Body, "DCT-V-0001") {
				t.Errorf("search %q: %d, or it matches the new venue", q, r.StatusCode)
			}
		}
		if r := ed.Get("/console/directories/venues?q=" + url.QueryEscape("静")); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "请输入至少 2 个字再搜索。") ||
			!strings.Contains(r.Body, `value="静"`) || strings.Contains(r.Body, "DCT-V-0001") {
			t.Errorf("a one-character search: %d", r.StatusCode)
		}
		if r := ed.PostForm("/console/directories/venues", dcForm(good)); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "该登记证号已登记") {
			t.Errorf("duplicate number: %d", r.StatusCode)
		}

		// Edit: a stale version is a conflict shown at the top; the
		// history records the change.
		r = ed.Get(page + "/edit")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `name="version" value="1"`) || !strings.Contains(r.Body, `value="黄浦区测试路 1 号"`) {
			t.Fatalf("edit form: %d", r.StatusCode)
		}
		form := dcForm(good)
		form.Set("address", "黄浦区测试路 9 号")
		form.Set("version", "1")
		if r := ed.PostForm(page, form); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != page+"?flash=saved" {
			t.Fatalf("update: %d %s", r.StatusCode, r.Body)
		}
		form.Set("address", "黄浦区测试路 10 号")
		r = ed.PostForm(page, form) // still version 1
		if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "这条记录刚被其他人修改过") || !strings.Contains(r.Body, `id="form-errors"`) ||
			!strings.Contains(r.Body, `value="黄浦区测试路 10 号"`) {
			t.Errorf("stale version: %d", r.StatusCode)
		}
		form.Set("phone", "13912345678")
		form.Set("version", "2")
		if r := ed.PostForm(page, form); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-phone-error") {
			t.Errorf("mobile on edit: %d", r.StatusCode)
		}
		r = ed.Get(page)
		if !strings.Contains(r.Body, "地址：黄浦区测试路 1 号 → 黄浦区测试路 9 号") || !strings.Contains(r.Body, "修改（表单）") || !strings.Contains(r.Body, "新增（表单）") ||
			strings.Contains(r.Body, "测试路 10 号") || strings.Contains(r.Body, "13912345678") {
			t.Error("history after the edit")
		}

		// Verification.
		if r := ed.PostForm(page+"/verify", url.Values{"note": {strings.Repeat("长", 201)}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-note-error") {
			t.Errorf("long note: %d", r.StatusCode)
		}
		if r := ed.PostForm(page+"/verify", url.Values{"note": {"电话核实"}}); r.StatusCode != http.StatusSeeOther {
			t.Errorf("verify: %d", r.StatusCode)
		}
		if r := ed.Get(page); !strings.Contains(r.Body, "核实（表单）") || !strings.Contains(r.Body, "电话核实") {
			t.Error("the verification is not in the history")
		}

		// Notices: a closure in force, listed with its phase, then withdrawn.
		today := e.App.Directories.Today()
		if r := ed.PostForm(page+"/notices", url.Values{"notice_kind": {"closure"}, "starts_on": {today.AddDays(-1).String()}, "text": {"x"}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "开始日期不能早于今天。") || !strings.Contains(r.Body, "f-starts_on-error") {
			t.Errorf("notice in the past: %d", r.StatusCode)
		}
		if r := ed.PostForm(page+"/notices", url.Values{"notice_kind": {"party"}, "starts_on": {today.String()}, "text": {"联系 13812345678"}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "f-notice_kind-error") || !strings.Contains(r.Body, "f-text-error") {
			t.Errorf("bad notice: %d", r.StatusCode)
		}
		if r := ed.PostForm(page+"/notices", url.Values{"notice_kind": {"closure"}, "starts_on": {today.String()}, "ends_on": {today.AddDays(7).String()},
			"text": {"DCT疫情防控期间暂停开放。"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("notice: %d %s", r.StatusCode, r.Body)
		}
		r = ed.Get(page)
		if !strings.Contains(r.Body, "DCT疫情防控期间暂停开放。") || !strings.Contains(r.Body, "生效中") || !strings.Contains(r.Body, "状态：<strong>暂停开放</strong>") {
			t.Error("the closure is not shown in force")
		}
		m := regexp.MustCompile(`action="` + page + `/notices/(\d+)/withdraw"`).FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatal("no withdraw button")
		}
		if r := ed.Get("/console/directories"); !strings.Contains(r.Body, "DCT疫情防控期间暂停开放。") || !strings.Contains(r.Body, "DCT静安测试寺") {
			t.Error("the overview does not list the closure")
		}
		if r := ed.Get("/console/directories/venues?q=" + url.QueryEscape("静安测试")); !strings.Contains(r.Body, `<span class="badge warn">暂停开放</span>`) {
			t.Error("the list does not show the closure")
		}
		if r := ed.PostForm(page+"/notices/"+m[1]+"/withdraw", nil); r.StatusCode != http.StatusSeeOther {
			t.Errorf("withdraw: %d", r.StatusCode)
		}
		if r := ed.PostForm(page+"/notices/"+m[1]+"/withdraw", nil); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "这条通知已经撤回。") {
			t.Errorf("withdraw twice: %d", r.StatusCode)
		}
		r = ed.Get(page)
		if !strings.Contains(r.Body, "已撤回") || strings.Contains(r.Body, "状态：<strong>暂停开放</strong>") || !strings.Contains(r.Body, "撤回开放变动通知") {
			t.Error("the withdrawn closure")
		}

		// A district bureau maintains its own entries; the city bureau
		// reads them but cannot change them, and the district bureau does
		// not see the city's.
		e.AddUser("pudong-mzb", "dc.pd", auth.Editor)
		pd := e.Client()
		pd.Login("dc.pd")
		pdv := dcVenue("DCT-PD-0001", "DCT浦东测试堂")
		pdv["district"], pdv["religion"] = "浦东新区", "基督教"
		pdPage := dcCreate(t, pd, "venues", dcForm(pdv))
		form = dcForm(pdv)
		form.Set("leader", "张测试")
		form.Set("version", "1")
		if r := pd.PostForm(pdPage, form); r.StatusCode != http.StatusSeeOther {
			t.Errorf("district edits its own: %d", r.StatusCode)
		}
		if r := pd.Get(pdPage + "/edit"); r.StatusCode != http.StatusOK {
			t.Errorf("district edit form: %d", r.StatusCode)
		}
		cityForm := dcForm(good)
		cityForm.Set("name", "被区里改掉")
		cityForm.Set("version", "3")
		for _, rq := range []*apptest.Response{pd.Get(page), pd.Get(page + "/edit"), pd.PostForm(page, cityForm), pd.PostForm(page+"/verify", nil)} {
			if rq.StatusCode != http.StatusNotFound && rq.StatusCode != http.StatusForbidden {
				t.Errorf("district on a city entry: %d", rq.StatusCode)
			}
		}
		if r := pd.Get("/console/directories/venues"); strings.Contains(r.Body, "DCT静安测试寺") || !strings.Contains(r.Body, "DCT浦东测试堂") {
			t.Error("the district list")
		}
		r = ed.Get("/console/directories/venues?agency=" + fmt.Sprint(e.Agency("pudong-mzb").ID))
		if !strings.Contains(r.Body, "DCT浦东测试堂") || strings.Contains(r.Body, "DCT静安测试寺") || !strings.Contains(r.Body, "只读") ||
			strings.Contains(r.Body, pdPage+"/edit") {
			t.Error("the city list of a district's entries")
		}
		r = ed.Get(pdPage)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "本条记录由浦东新区民族和宗教事务办公室维护，您只能查看。") || strings.Contains(r.Body, pdPage+"/edit") ||
			strings.Contains(r.Body, "标记为已核实") || !strings.Contains(r.Body, "负责人：释测试 → 张测试") {
			t.Errorf("the city reads a district entry: %d", r.StatusCode)
		}
		form.Set("leader", "市局改的")
		form.Set("version", "2")
		for name, rq := range map[string]*apptest.Response{"edit form": ed.Get(pdPage + "/edit"), "update": ed.PostForm(pdPage, form),
			"verify": ed.PostForm(pdPage+"/verify", nil), "notice": ed.PostForm(pdPage+"/notices", url.Values{"notice_kind": {"closure"}, "starts_on": {today.String()}, "text": {"x"}})} {
			if rq.StatusCode != http.StatusForbidden || !strings.Contains(rq.Body, "这条记录由其他单位维护，您只能查看。") {
				t.Errorf("city %s on a district entry: %d", name, rq.StatusCode)
			}
		}
		var leader string
		e.App.DB.R.QueryRow(`SELECT data FROM directory_entries WHERE number = 'DCT-PD-0001'`).Scan(&leader)
		if !strings.Contains(leader, "张测试") {
			t.Errorf("the district entry was changed: %s", leader)
		}

		// A stale entry is flagged and reaches the to-dos (of those who
		// manage the directory: no responsible division is set).
		ed2 := dcPrincipal(e, "dc.editor")
		if err := e.App.Directories.SetSettings(ctx, ed2, directory.Venues, 0, "12"); err != nil {
			t.Fatal(err)
		}
		old := civil.Of(e.Clock.Now().AddDate(0, -13, 0))
		stale, err := e.App.Directories.Create(ctx, ed2, directory.Venues, directory.Input{Values: dcVenue("DCT-STALE-01", "DCT久未核实寺"), VerifiedOn: old.String()})
		if err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		r = ed.Get("/console/directories/venues?stale=1")
		if !strings.Contains(r.Body, "DCT久未核实寺") || !strings.Contains(r.Body, old.String()+` <span class="badge danger">超过核实周期</span>`) ||
			strings.Contains(r.Body, "DCT静安测试寺") || !strings.Contains(r.Body, "在用记录超过核实周期未核实") {
			t.Error("the stale filter")
		}
		if r := ed.Get(directory.EntryURL(directory.Venues, stale.ID)); !strings.Contains(r.Body, "超过核实周期，请核实") {
			t.Error("the stale entry's page")
		}
		r = ed.Get("/console/todo?source=directories")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "DCT久未核实寺（DCT-STALE-01）") ||
			!strings.Contains(r.Body, directory.EntryURL(directory.Venues, stale.ID)) || strings.Contains(r.Body, "DCT静安测试寺") {
			t.Errorf("to-dos: %d", r.StatusCode)
		}
		if r := ed.PostForm(directory.EntryURL(directory.Venues, stale.ID)+"/verify", nil); r.StatusCode != http.StatusSeeOther {
			t.Errorf("verify the stale entry: %d", r.StatusCode)
		}
		if r := ed.Get("/console/todo?source=directories"); strings.Contains(r.Body, "DCT久未核实寺") {
			t.Error("still a to-do after verification")
		}

		// Overview, outlets and roles.
		r = ed.Get("/console/directories")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `href="/console/directories/clergy"`) || !strings.Contains(r.Body, `aria-current="page">服务名录`) {
			t.Errorf("overview: %d", r.StatusCode)
		}
		outlet := dcOutlet("DCT-H-0001", "DCT兰州拉面测试店")
		outlet["supply_point"] = "1"
		hp := dcCreate(t, ed, "halal", dcForm(outlet))
		if r := ed.Get(hp); !strings.Contains(r.Body, "<th scope=\"row\">基本供应点</th><td class=\"pre\">是</td>") {
			t.Error("the outlet's supply point")
		}
		e.AddUser("mzzj", "dc.reviewer", auth.Reviewer)
		e.AddUser("mzzj", "dc.handler", auth.Handler)
		for _, u := range []string{"dc.reviewer", "dc.handler"} {
			c := e.Client()
			c.Login(u)
			for _, p := range []string{"/console/directories", "/console/directories/venues", "/console/directories/clergy", page, page + "/edit"} {
				if r := c.Get(p); r.StatusCode != http.StatusForbidden {
					t.Errorf("%s %s: %d", u, p, r.StatusCode)
				}
			}
			if r := c.PostForm("/console/directories/venues", dcForm(dcVenue("DCT-X-1", "x"))); r.StatusCode != http.StatusForbidden {
				t.Errorf("%s create: %d", u, r.StatusCode)
			}
		}
		for _, p := range []string{"/console/directories/venues/0", "/console/directories/venues/abc", "/console/directories/venues/99999999",
			directory.EntryURL(directory.Venues, stale.ID) + "/notices/99999999/withdraw"} {
			var r *apptest.Response
			if strings.HasSuffix(p, "withdraw") {
				r = ed.PostForm(p, nil)
			} else {
				r = ed.Get(p)
			}
			if r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", p, r.StatusCode)
			}
		}
		// A venue is not an outlet.
		if r := ed.Get(strings.Replace(page, "/venues/", "/halal/", 1)); r.StatusCode != http.StatusNotFound {
			t.Errorf("a venue under the halal path: %d", r.StatusCode)
		}
	})
}

// dcXLSX builds an import file of rows under a header.
func dcXLSX(t *testing.T, header []string, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	write := func(n int, cells []string) {
		vals := make([]any, len(cells))
		for i, c := range cells {
			vals[i] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		if err := sw.SetRow(cell, vals); err != nil {
			t.Fatal(err)
		}
	}
	write(1, header)
	for i, r := range rows {
		write(i+2, r)
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var dcImportHeader = []string{"教别", "场所名称", "场所类型", "登记证号", "所在区", "地址", "负责人", "场所办公电话", "登记状态", "核实日期"}

func dcImportRow(i int, verified civil.Date) []string {
	return []string{"道教", fmt.Sprintf("DCT导入测试观%03d", i), "其他固定处所", fmt.Sprintf("DCT-IMP-%03d", i), "徐汇区",
		fmt.Sprintf("徐汇区导入路 %d 号", i), "张道长", "021-64000000", "已登记", verified.String()}
}

// TestDirectoryConsoleImportHTTP: CSV and XLSX imports add and update
// entries and are idempotent; a 500-row file with malformed rows is
// refused whole, with every bad row listed; wrong, empty, oversized and
// path-trick files get clear messages; exports and the template open in
// excelize; GB18030 CSV files import; the settings refuse bad periods.
func TestDirectoryConsoleImportHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.AddUser("mzzj", "dc.importer", auth.AgencyAdmin)
		e.EnrolTOTP("dc.importer")
		c := e.Client()
		c.Login("dc.importer")
		imp := "/console/directories/venues/import"
		vd := e.App.Directories.Today().AddDays(-40) // the rows' verification date
		if r := c.Get(imp); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "登记证号") || !strings.Contains(r.Body, `enctype="multipart/form-data"`) {
			t.Fatalf("import form: %d", r.StatusCode)
		}

		// A good CSV, then the same file again.
		var csv strings.Builder
		csv.WriteString("\uFEFF" + strings.Join(dcImportHeader, ",") + "\n")
		for i := 1; i <= 3; i++ {
			csv.WriteString(strings.Join(dcImportRow(i, vd), ",") + "\n")
		}
		before := dcCount(e, "venue")
		r := uploadFile(t, c, imp, "file", "场所.csv", []byte(csv.String()), nil)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "导入完成：共 3 行，新增 3 条，修改 0 条，0 条内容未变。") {
			t.Fatalf("CSV import: %d %s", r.StatusCode, r.Body)
		}
		r = uploadFile(t, c, imp, "file", "场所.csv", []byte(csv.String()), nil)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "导入完成：共 3 行，新增 0 条，修改 0 条，3 条内容未变。") {
			t.Errorf("re-import: %d %s", r.StatusCode, r.Body)
		}
		if n := dcCount(e, "venue"); n != before+3 {
			t.Fatalf("%d venues added, want 3", n-before)
		}
		r = c.Get("/console/directories/venues?q=" + url.QueryEscape("导入测试观002"))
		if !strings.Contains(r.Body, "DCT-IMP-002") || !strings.Contains(r.Body, vd.String()) {
			t.Error("the imported venue is not listed with its verification date")
		}
		id := 0
		e.App.DB.R.QueryRow(`SELECT id FROM directory_entries WHERE number = 'DCT-IMP-002'`).Scan(&id)
		if r := c.Get(fmt.Sprintf("/console/directories/venues/%d", id)); !strings.Contains(r.Body, "新增（批量导入）") {
			t.Error("the history does not say the entry came from an import")
		}

		// 500 rows, some malformed: nothing is imported, every bad row listed.
		rows := make([][]string, 500)
		for i := range rows {
			rows[i] = dcImportRow(100+i, vd)
		}
		rows[9][0] = "萨满教"                            // line 11
		rows[49][1] = ""                              // line 51
		rows[99][9] = "2026-13-45"                    // line 101
		rows[199][3] = rows[0][3]                     // line 201 repeats line 2
		rows[299][7] = "13812345678"                  // line 301
		rows[399][4] = "火星区"                          // line 401
		rows[449][1] = "<img src=x onerror=alert(1)>" // line 451
		before = dcCount(e, "venue")
		r = uploadFile(t, c, imp, "file", "五百行.xlsx", dcXLSX(t, dcImportHeader, rows), nil)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "整个文件未导入") || !strings.Contains(r.Body, "文件中有 7 行未通过校验") {
			t.Fatalf("500 rows: %d %s", r.StatusCode, r.Body)
		}
		for line, msg := range map[int]string{11: "教别应为以下之一", 51: "请填写场所名称", 101: "核实日期应为日期", 201: "编号与第 2 行重复",
			301: "不能是个人手机号", 401: "所在区应为以下之一", 451: "不能含有尖括号"} {
			re := regexp.MustCompile(fmt.Sprintf(`<td class="num nowrap">第 %d 行</td><td class="nowrap">[^<]*</td><td>([^<]*)</td>`, line))
			if m := re.FindStringSubmatch(r.Body); m == nil || !strings.Contains(m[1], msg) {
				t.Errorf("line %d: %v, want %q", line, m, msg)
			}
		}
		if strings.Contains(r.Body, "<img src=x") || strings.Count(r.Body, "<tr><td class=\"num nowrap\">") != 7 {
			t.Error("the report escapes nothing or lists good rows")
		}
		if n := dcCount(e, "venue"); n != before {
			t.Fatalf("a refused file imported %d venues", n-before)
		}
		// The same 500 rows without the bad ones import.
		for i := range rows {
			rows[i] = dcImportRow(100+i, vd)
		}
		if r := uploadFile(t, c, imp, "file", "五百行.xlsx", dcXLSX(t, dcImportHeader, rows), nil); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "新增 500 条") {
			t.Errorf("500 good rows: %d", r.StatusCode)
		}

		// Bad files.
		big := bytes.Repeat([]byte("a"), directory.MaxImportBytes+10)
		for name, tc := range map[string]struct {
			file   string
			body   []byte
			status int
			msg    string
		}{
			"none":      {"", nil, http.StatusUnprocessableEntity, "请选择要导入的 XLSX 或 CSV 文件。"},
			"empty":     {"empty.csv", nil, http.StatusUnprocessableEntity, "上传的文件是空的"},
			"type":      {"场所.txt", []byte("教别,场所名称\n佛教,某寺\n"), http.StatusUnprocessableEntity, "请上传 XLSX 或 CSV 文件"},
			"exe":       {"场所.xlsx.exe", []byte("MZ"), http.StatusUnprocessableEntity, "请上传 XLSX 或 CSV 文件"},
			"fake xlsx": {"场所.xlsx", []byte("这不是表格"), http.StatusUnprocessableEntity, "无法读取 XLSX 文件"},
			"path":      {"../../etc/passwd.xlsx", dcXLSX(t, dcImportHeader, rows[:1]), http.StatusUnprocessableEntity, "文件名不能包含路径"},
			"backslash": {`..\..\场所.csv`, []byte(csv.String()), http.StatusUnprocessableEntity, "文件名不能包含路径"},
			"no header": {"场所.csv", []byte("a,b,c\n1,2,3\n"), http.StatusUnprocessableEntity, "找不到表头"},
			"quotes":    {"场所.csv", []byte("登记证号,\"场所名称\n"), http.StatusUnprocessableEntity, "整个文件未导入"},
			"big":       {"场所.csv", big, http.StatusRequestEntityTooLarge, "文件超过 5 MB"},
		} {
			r := uploadFile(t, c, imp, "file", tc.file, tc.body, nil)
			if r.StatusCode != tc.status || !strings.Contains(r.Body, tc.msg) || !strings.Contains(r.Body, "f-file-error") {
				t.Errorf("%s: %d %s", name, r.StatusCode, r.Body)
			}
		}

		// GB18030 CSV.
		gb, err := simplifiedchinese.GB18030.NewEncoder().String(strings.Join(dcImportHeader, ",") + "\n" +
			"伊斯兰教,DCT国标编码清真寺,寺观教堂,DCT-GB-001,长宁区,长宁区编码路 1 号,马阿訇,021-62000000,已登记," + strings.ReplaceAll(vd.String(), "-", "/") + "\n")
		if err != nil {
			t.Fatal(err)
		}
		if r := uploadFile(t, c, imp, "file", "gbk.csv", []byte(gb), nil); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "新增 1 条") {
			t.Errorf("GB18030 CSV: %d %s", r.StatusCode, r.Body)
		}
		if r := c.Get("/console/directories/venues?q=" + url.QueryEscape("国标编码")); !strings.Contains(r.Body, "DCT国标编码清真寺") || !strings.Contains(r.Body, "伊斯兰教") {
			t.Error("the GB18030 venue is not listed")
		}

		// Export and template.
		r = c.Get("/console/directories/venues/export.xlsx?q=" + url.QueryEscape("导入测试观"))
		if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
			!strings.Contains(r.Header.Get("Content-Disposition"), "attachment") || r.Header.Get("Cache-Control") != "private, no-store" {
			t.Fatalf("export: %d %v", r.StatusCode, r.Header)
		}
		sheets := xlsxText(t, r.Body)
		sheet := sheets["宗教活动场所"]
		if !strings.Contains(sheet, "教别|场所名称|场所类型|登记证号") || !strings.Contains(sheet, "DCT导入测试观001|其他固定处所|DCT-IMP-001|徐汇区") ||
			!strings.Contains(sheet, "DCT-IMP-599") || strings.Contains(sheet, "DCT国标编码清真寺") {
			t.Errorf("export sheet: %v", sheets)
		}
		r = c.Get("/console/directories/venues/export.csv?district=" + url.QueryEscape("长宁区"))
		if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(r.Body, "\uFEFF教别,场所名称") ||
			!strings.Contains(r.Body, "DCT国标编码清真寺") || strings.Contains(r.Body, "DCT导入测试观") {
			t.Errorf("CSV export: %d %.200s", r.StatusCode, r.Body)
		}
		// The exported file imports back unchanged.
		if r2 := uploadFile(t, c, imp, "file", "export.csv", []byte(r.Body), nil); r2.StatusCode != http.StatusOK || !strings.Contains(r2.Body, "新增 0 条，修改 0 条") {
			t.Errorf("re-import of an export: %d %s", r2.StatusCode, r2.Body)
		}
		r = c.Get("/console/directories/halal/template.xlsx")
		if r.StatusCode != http.StatusOK || !strings.Contains(xlsxText(t, r.Body)["Sheet1"], "单位名称|类别|标志牌编号") {
			t.Errorf("template: %d", r.StatusCode)
		}

		// Settings.
		set := "/console/directories/venues/settings"
		if r := c.Get(set); r.StatusCode != http.StatusOK || !regexp.MustCompile(`name="stale_months" type="number" value="\d+"`).MatchString(r.Body) {
			t.Errorf("settings: %d", r.StatusCode)
		}
		for _, months := range []string{"0", "61", "abc", "", "-3", "1.5"} {
			r := c.PostForm(set, url.Values{"stale_months": {months}})
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "核实周期应为 1 至 60 之间的整数（月）。") || !strings.Contains(r.Body, "f-stale_months-error") {
				t.Errorf("months %q: %d", months, r.StatusCode)
			}
		}
		for _, div := range []string{"99999999", "abc", "' OR 1=1 --"} {
			if r := c.PostForm(set, url.Values{"stale_months": {"6"}, "division": {div}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-division-error") {
				t.Errorf("division %q: %d", div, r.StatusCode)
			}
		}
		var div int64
		e.App.DB.R.QueryRow(`SELECT id FROM divisions WHERE agency_id = $1 ORDER BY id LIMIT 1`, e.Agency("mzzj").ID).Scan(&div)
		if r := c.PostForm(set, url.Values{"stale_months": {"6"}, "division": {fmt.Sprint(div)}}); r.StatusCode != http.StatusSeeOther {
			t.Errorf("save settings: %d %s", r.StatusCode, r.Body)
		}
		if r := c.Get(set); !strings.Contains(r.Body, `value="6"`) || !strings.Contains(r.Body, fmt.Sprintf(`<option value="%d" selected>`, div)) {
			t.Error("the settings are not kept")
		}
		st, err := e.App.Directories.Settings(context.Background(), dcPrincipal(e, "dc.importer"), directory.Venues)
		if err != nil || st.StaleMonths != 6 || st.DivisionID != div {
			t.Errorf("settings: %+v %v", st, err)
		}
	})
}

// TestDirectoryConsoleClergyHTTP: clergy filings are kept like the other
// directories, with a photo (images only, served privately) and the log of
// the public verification queries; reading a filing is audited.
func TestDirectoryConsoleClergyHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		e.AddUser("mzzj", "dc.clergy", auth.Editor)
		c := e.Client()
		c.Login("dc.clergy")
		r := c.Get("/console/directories/clergy")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `aria-current="page">教职人员备案`) || strings.Contains(r.Body, "<th scope=\"col\">所在区</th>") ||
			!strings.Contains(r.Body, "/console/directories/clergy/queries") {
			t.Fatalf("clergy list: %d", r.StatusCode)
		}
		if r := c.PostForm("/console/directories/clergy", dcForm(directory.Values{"name": "DCT张明", "number": "DCT-JZ-0001", "religion": "佛教",
			"venue": "DCT测试寺", "filed_on": "2020-02-30", "status": "filed"})); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "备案日期应为日期") {
			t.Errorf("bad filing date: %d", r.StatusCode)
		}
		page := dcCreate(t, c, "clergy", dcForm(dcClergy("DCT-JZ-0001", "DCT张明")))
		var views int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM audit_entries WHERE action = 'directory.clergy.view'`).Scan(&views)
		r = c.Get(page)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "释DCT张明") || !strings.Contains(r.Body, "没有上传照片。") || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("clergy page: %d", r.StatusCode)
		}
		var after int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM audit_entries WHERE action = 'directory.clergy.view'`).Scan(&after)
		if after != views+1 {
			t.Errorf("reading a filing added %d audit entries, want 1", after-views)
		}

		// Photo.
		for name, tc := range map[string]struct {
			file string
			body []byte
		}{
			"text": {"照片.png", []byte("这不是图片，只是改了扩展名")},
			"path": {"../../照片.png", qrPNG(t)},
			"none": {"", nil},
		} {
			if r := uploadFile(t, c, page+"/photo", "photo", tc.file, tc.body, nil); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-photo-error") {
				t.Errorf("photo %s: %d", name, r.StatusCode)
			}
		}
		if r := uploadFile(t, c, page+"/photo", "photo", "照片.png", qrPNG(t), nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("photo: %d %s", r.StatusCode, r.Body)
		}
		r = c.Get(page)
		if !strings.Contains(r.Body, `<img class="qr" src="`+page+`/photo" alt="DCT张明的照片"`) || !strings.Contains(r.Body, "更换照片") {
			t.Error("the photo is not shown")
		}
		r = c.Get(page + "/photo")
		if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "image/png" || r.Header.Get("Cache-Control") != "private, no-store" ||
			r.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(r.Body, "\x89PNG") {
			t.Errorf("photo: %d %v", r.StatusCode, r.Header)
		}
		if r := e.Client().Get(page + "/photo"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("anonymous photo: %d", r.StatusCode)
		}
		if r := c.PostForm(page+"/photo/delete", nil); r.StatusCode != http.StatusSeeOther {
			t.Errorf("delete photo: %d", r.StatusCode)
		}
		if r := c.Get(page + "/photo"); r.StatusCode != http.StatusNotFound {
			t.Errorf("deleted photo: %d", r.StatusCode)
		}
		if r := c.Get(page); !strings.Contains(r.Body, "更换照片（表单）") || !strings.Contains(r.Body, "删除照片（表单）") {
			t.Error("the photo changes are not in the history")
		}

		// The verification query log.
		mzzj := e.Agency("mzzj").ID
		if res, err := e.App.Directories.VerifyClergy(ctx, mzzj, directory.VerifyQuery{Name: "DCT张明", Number: "DCT-JZ-0001", IP: "203.0.113.9"}); err != nil || res.Entry == nil {
			t.Fatalf("verify: %v %v", res, err)
		}
		if res, err := e.App.Directories.VerifyClergy(ctx, mzzj, directory.VerifyQuery{Name: "<b>李四</b>", Number: "DCT-JZ-9999", IP: "198.51.100.7"}); err != nil || res.Entry != nil {
			t.Fatalf("verify a miss: %v %v", res, err)
		}
		r = c.Get("/console/directories/clergy/queries")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "203.0.113.9") || !strings.Contains(r.Body, `<span class="badge ok">查询到</span>`) ||
			!strings.Contains(r.Body, `href="`+page+`">查看记录</a>`) || !strings.Contains(r.Body, "&lt;b&gt;李四&lt;/b&gt;") || strings.Contains(r.Body, "<b>李四") {
			t.Errorf("query log: %d", r.StatusCode)
		}
		r = c.Get("/console/directories/clergy/queries?outcome=no_match")
		if !strings.Contains(r.Body, "198.51.100.7") || strings.Contains(r.Body, "203.0.113.9") || !strings.Contains(r.Body, `<option value="no_match" selected>`) {
			t.Error("the outcome filter")
		}
		if r := c.Get("/console/directories/clergy/queries?outcome=%27%20OR%201%3D1&page=-5"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "203.0.113.9") {
			t.Errorf("a hostile filter: %d", r.StatusCode)
		}

		// Export is audited; a district bureau sees nothing of the city's.
		r = c.Get("/console/directories/clergy/export.xlsx")
		if r.StatusCode != http.StatusOK || !strings.Contains(xlsxText(t, r.Body)["宗教教职人员"], "DCT-JZ-0001") {
			t.Errorf("clergy export: %d", r.StatusCode)
		}
		e.AddUser("huangpu-mzb", "dc.hp", auth.AgencyAdmin)
		e.EnrolTOTP("dc.hp")
		hp := e.Client()
		hp.Login("dc.hp")
		if r := hp.Get(page); r.StatusCode != http.StatusNotFound {
			t.Errorf("district reads a city filing: %d", r.StatusCode)
		}
		if r := hp.Get("/console/directories/clergy/queries"); r.StatusCode != http.StatusOK || strings.Contains(r.Body, "203.0.113.9") {
			t.Errorf("district query log: %d", r.StatusCode)
		}
		e.AddUser("mzzj", "dc.approver", auth.Approver)
		ap := e.Client()
		ap.Login("dc.approver")
		for _, p := range []string{"/console/directories/clergy", "/console/directories/clergy/queries", page, page + "/photo"} {
			if r := ap.Get(p); r.StatusCode != http.StatusForbidden {
				t.Errorf("approver %s: %d", p, r.StatusCode)
			}
		}
	})
}

// TestBrowserDirectoryConsole: staff open the directories' overview, the
// venue list with a stale entry, a venue with a closure in force, the
// entry form with its errors, the import and settings pages, a clergy
// filing and the query log. Each page passes the accessibility rules at
// 1280 and 375 px.
func TestBrowserDirectoryConsole(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	ctx0 := context.Background()
	editor := e.AddUser("mzzj", "bd.editor", auth.Editor)
	p := dcPrincipal(e, "bd.editor")
	svc := e.App.Directories
	venue, err := svc.Create(ctx0, p, directory.Venues, directory.Input{Values: dcVenue("DCT-BR-0001", "DCT浏览器测试寺")})
	if err != nil {
		t.Fatal(err, apperr.FieldsOf(err))
	}
	if _, err := svc.AddNotice(ctx0, p, venue.ID, directory.NoticeInput{Kind: "closure", StartsOn: svc.Today().String(), EndsOn: svc.Today().AddDays(10).String(),
		Text: "因消防设施改造，暂停对外开放。"}); err != nil {
		t.Fatal(err, apperr.FieldsOf(err))
	}
	old := civil.Of(e.Clock.Now().AddDate(0, -14, 0)).String()
	if _, err := svc.Create(ctx0, p, directory.Venues, directory.Input{Values: dcVenue("DCT-BR-0002", "DCT久未核实观"), VerifiedOn: old}); err != nil {
		t.Fatal(err, apperr.FieldsOf(err))
	}
	cl, err := svc.Create(ctx0, p, directory.Clergy, directory.Input{Values: dcClergy("DCT-BR-JZ01", "DCT王明")})
	if err != nil {
		t.Fatal(err, apperr.FieldsOf(err))
	}
	svc.VerifyClergy(ctx0, e.Agency("mzzj").ID, directory.VerifyQuery{Name: "DCT王明", Number: "DCT-BR-JZ01", IP: "203.0.113.20"})
	svc.VerifyClergy(ctx0, e.Agency("mzzj").ID, directory.VerifyQuery{Name: "李四", Number: "DCT-BR-JZ99", IP: "203.0.113.21"})

	ctx := browsertest.New(t)
	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(editor.ID), "/console")
	open := func(path string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	open("/console/directories")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "因消防设施改造") {
		t.Errorf("overview: %s", got)
	}
	browserCheck(t, ctx, "directories overview", "console-directories")
	open("/console/directories/venues")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "DCT久未核实观") || !strings.Contains(got, "超过核实周期") || !strings.Contains(got, "暂停开放") {
		t.Errorf("venue list: %s", got)
	}
	browserCheck(t, ctx, "venue list", "console-directories-venues")
	open(directory.EntryURL(directory.Venues, venue.ID))
	browserCheck(t, ctx, "venue page", "console-directories-venue")
	open("/console/directories/venues/new")
	browsertest.ClickAndWait(t, ctx, `main form.card button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "请填写场所名称。") {
		t.Fatalf("form errors: %s", got)
	}
	browserCheck(t, ctx, "venue form with errors", "console-directories-venue-errors")
	open("/console/directories/halal/new")
	browserCheck(t, ctx, "outlet form", "console-directories-halal-new")
	open("/console/directories/venues/import")
	browserCheck(t, ctx, "venue import", "console-directories-import")
	open("/console/directories/venues/settings")
	browserCheck(t, ctx, "venue settings", "console-directories-settings")
	open(directory.EntryURL(directory.Clergy, cl.ID))
	browserCheck(t, ctx, "clergy filing", "console-directories-clergy")
	open("/console/directories/clergy/queries")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "203.0.113.21") {
		t.Errorf("query log: %s", got)
	}
	browserCheck(t, ctx, "clergy query log", "console-directories-queries")
}
