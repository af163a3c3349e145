package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/directory"
)

// dirAPI sends a request to the API, with a bearer token when given.
func dirAPI(t *testing.T, e *apptest.Env, method, path, token, body string) *apptest.Response {
	t.Helper()
	c := e.Client()
	var req *http.Request
	if body != "" {
		req = c.Request(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = c.Request(method, path, nil)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return c.Do(req)
}

type dirListJSON struct {
	Items   []map[string]any `json:"items"`
	Total   int              `json:"total"`
	Page    int              `json:"page"`
	Pages   int              `json:"pages"`
	PerPage int              `json:"per_page"`
}

func decodeJSON[T any](t *testing.T, r *apptest.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
		t.Fatalf("not JSON (%d): %v\n%s", r.StatusCode, err, r.Body)
	}
	return v
}

// problem checks an RFC 9457 answer with the status and, when given, a
// message for the field.
func problem(t *testing.T, name string, r *apptest.Response, status int, field string) {
	t.Helper()
	if r.StatusCode != status || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("%s: %d %s %s", name, r.StatusCode, r.Header.Get("Content-Type"), r.Body)
		return
	}
	p := decodeJSON[struct {
		Status int               `json:"status"`
		Title  string            `json:"title"`
		Errors map[string]string `json:"errors"`
	}](t, r)
	if p.Status != status || p.Title == "" || (field != "" && p.Errors[field] == "") {
		t.Errorf("%s: problem %+v, want a message for %q", name, p, field)
	}
}

// TestDirectoriesPublicAPI: the lists take the page's filters and answer
// items, total, page and pages with machine values and labels; bad
// parameters get problems; details carry the notices; the sign check;
// no answer holds a mobile number, a staff note or a clergy record; the
// verification answers a match with the public fields only and a miss
// the same whatever was wrong.
func TestDirectoriesPublicAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := seedDirectories(t, e)
		get := func(path string) *apptest.Response { return dirAPI(t, e, http.MethodGet, path, "", "") }

		r := get("/api/v1/venues?agency=mzzj&q=" + url.QueryEscape("清真寺") + "&district=" + url.QueryEscape("黄浦区"))
		list := decodeJSON[dirListJSON](t, r)
		if r.StatusCode != http.StatusOK || list.Total == 0 || list.Total != len(list.Items) || list.Page != 1 || list.Pages != 1 || list.PerPage != directory.PerPage {
			t.Fatalf("venues: %d %+v", r.StatusCode, list)
		}
		names := map[string]map[string]any{}
		for _, it := range list.Items {
			names[it["name"].(string)] = it
			if it["district"] != "黄浦区" || it["religion"] != "伊斯兰教" || it["kind"] != "venue" || it["status_label"] == "" {
				t.Errorf("venue item %v", it)
			}
		}
		hp := names[fxHuangpuMosque]
		if hp == nil || names[fxPudongMosque] != nil || hp["status"] != directory.VenueRegistered || hp["status_label"] != "已登记" ||
			hp["id"] != float64(f.huangpuMosque.ID) || hp["agency"] != "mzzj" || hp["url"] != "http://gongkai.test/o/mzzj/venues/"+strconv.FormatInt(f.huangpuMosque.ID, 10) ||
			hp["values"].(map[string]any)["venue_type"] != "寺观教堂" || hp["verified_on"] == "" {
			t.Errorf("the 黄浦 mosque: %v", hp)
		}
		if _, ok := hp["values"].(map[string]any)["note"]; ok {
			t.Error("the public API gives the staff note")
		}
		// The default agency (the city bureau) when none is named.
		if r := get("/api/v1/venues?q=" + url.QueryEscape(fxPudongMosque)); decodeJSON[dirListJSON](t, r).Total != 1 {
			t.Errorf("default agency: %s", r.Body)
		}
		if r := get("/api/v1/venues?agency=huangpu-mzb&q=" + url.QueryEscape(fxPudongMosque)); decodeJSON[dirListJSON](t, r).Total != 0 {
			t.Errorf("黄浦 lists a 浦东 venue: %s", r.Body)
		}
		for name, q := range map[string]string{
			"short query": "q=x", "unknown religion": "religion=" + url.QueryEscape("<script>"), "bad district": "district=" + url.QueryEscape("' OR 1=1 --"),
			"bad page": "page=abc", "bad type": "type=x", "unknown agency": "agency=nobody",
		} {
			field := strings.SplitN(q, "=", 2)[0]
			problem(t, name, get("/api/v1/venues?"+q), http.StatusBadRequest, field)
		}
		problem(t, "bad supply", get("/api/v1/halal-outlets?supply=yes"), http.StatusBadRequest, "supply")
		problem(t, "bad limit", get("/api/v1/directory-updates?limit=1000"), http.StatusBadRequest, "limit")

		// Detail with notices; other kinds and unknown ids are not found.
		city := dirStaff(e, "mzzj")
		today := e.App.Directories.Today()
		if _, err := e.App.Directories.AddNotice(t.Context(), city, f.huangpuMosque.ID, directory.NoticeInput{Kind: "closure",
			StartsOn: today.String(), EndsOn: today.AddDays(3).String(), Text: "暂停开放测试通知"}); err != nil {
			t.Fatal(err)
		}
		r = get("/api/v1/venues/" + strconv.FormatInt(f.huangpuMosque.ID, 10))
		d := decodeJSON[map[string]any](t, r)
		notices, _ := d["notices"].([]any)
		if r.StatusCode != http.StatusOK || d["closed"] != true || d["status_label"] != "暂停开放" || len(notices) != 1 ||
			notices[0].(map[string]any)["text"] != "暂停开放测试通知" || notices[0].(map[string]any)["kind"] != "closure" {
			t.Errorf("venue detail: %d %v", r.StatusCode, d)
		}
		for _, p := range []string{"/api/v1/venues/" + strconv.FormatInt(f.cleric.ID, 10), "/api/v1/venues/" + strconv.FormatInt(f.outletValid.ID, 10),
			"/api/v1/halal-outlets/" + strconv.FormatInt(f.huangpuMosque.ID, 10), "/api/v1/venues/abc", "/api/v1/venues/99999999"} {
			problem(t, p, get(p), http.StatusNotFound, "")
		}

		// Outlets and the sign check.
		r = get("/api/v1/halal-outlets?agency=mzzj&q=" + url.QueryEscape("测试清真") + "&supply=1&status=valid&category=" + url.QueryEscape("饮食"))
		list = decodeJSON[dirListJSON](t, r)
		if list.Total != 1 || list.Items[0]["name"] != fxOutletValid || list.Items[0]["category"] != "饮食" || list.Items[0]["values"].(map[string]any)["supply_point"] != "1" {
			t.Errorf("outlets: %s", r.Body)
		}
		type check struct {
			Number string         `json:"number"`
			Found  bool           `json:"found"`
			Valid  bool           `json:"valid"`
			Detail string         `json:"detail"`
			Outlet map[string]any `json:"outlet"`
		}
		c := decodeJSON[check](t, get("/api/v1/halal-outlets/check?number="+strings.ToLower(fxSignValid)))
		if !c.Found || !c.Valid || c.Outlet["name"] != fxOutletValid || c.Number != fxSignValid {
			t.Errorf("sign check: %+v", c)
		}
		c = decodeJSON[check](t, get("/api/v1/halal-outlets/check?number="+fxSignBack))
		if !c.Found || c.Valid || c.Outlet["status"] != directory.OutletReturned || !strings.Contains(c.Detail, "无效") {
			t.Errorf("returned sign: %+v", c)
		}
		c = decodeJSON[check](t, get("/api/v1/halal-outlets/check?number=TEST-NOPE-1"))
		if c.Found || c.Detail == "" {
			t.Errorf("unknown sign: %+v", c)
		}
		problem(t, "sign check without number", get("/api/v1/halal-outlets/check"), http.StatusBadRequest, "number")
		problem(t, "hostile sign number", get("/api/v1/halal-outlets/check?number="+url.QueryEscape("<script>")), http.StatusBadRequest, "number")

		// Nothing personal, nothing of the clergy, in any public answer.
		r = get("/api/v1/directory-updates?agency=mzzj")
		ups := decodeJSON[struct {
			Items []map[string]any `json:"items"`
		}](t, r)
		seen := false
		for _, u := range ups.Items {
			seen = seen || u["name"] == fxOutletBack
			if u["kind"] == "clergy" {
				t.Errorf("updates list a clergy record: %v", u)
			}
		}
		if !seen {
			t.Errorf("updates: %s", r.Body)
		}
		for _, p := range []string{"/api/v1/venues?per_page=100", "/api/v1/venues?q=" + url.QueryEscape(fxMobileVenue), "/api/v1/venues/" + strconv.FormatInt(f.mobile.ID, 10),
			"/api/v1/halal-outlets", "/api/v1/halal-outlets/" + strconv.FormatInt(f.outletValid.ID, 10), "/api/v1/directory-updates?limit=100",
			"/api/v1/halal-outlets/check?number=" + fxSignValid} {
			r := get(p)
			if r.StatusCode != http.StatusOK {
				t.Errorf("%s: %d", p, r.StatusCode)
			}
			for _, secret := range []string{fxMobile, fxNoteMobile, "内部备注", fxCleric, fxClericNumber, fxClericGone} {
				if strings.Contains(r.Body, secret) {
					t.Errorf("%s gives %q", p, secret)
				}
			}
		}
		if r := get("/api/v1/venues/" + strconv.FormatInt(f.mobile.ID, 10)); !strings.Contains(r.Body, "139****5678") {
			t.Errorf("the masked opening text: %s", r.Body)
		}
		for p := 1; p <= 10; p++ {
			r := get("/api/v1/venues?page=" + strconv.Itoa(p))
			if strings.Contains(r.Body, fxCleric) || strings.Contains(r.Body, "13901234567") {
				t.Errorf("venues page %d gives personal data", p)
			}
		}

		// Verification.
		verify := func(body string) *apptest.Response {
			return dirAPI(t, e, http.MethodPost, "/api/v1/clergy/verify?agency=mzzj", "", body)
		}
		type verdict struct {
			Match  bool           `json:"match"`
			Detail string         `json:"detail"`
			Clergy map[string]any `json:"clergy"`
		}
		r = verify(`{"name":"` + fxCleric + `","number":"` + strings.ToLower(fxClericNumber) + `"}`)
		v := decodeJSON[verdict](t, r)
		if r.StatusCode != http.StatusOK || !v.Match || v.Clergy["name"] != fxCleric || v.Clergy["religious_name"] != fxClericName || v.Clergy["venue"] != fxClericVenue ||
			v.Clergy["status"] != directory.ClergyFiled || v.Clergy["valid"] != true || !strings.Contains(r.Header.Get("Cache-Control"), "no-store") {
			t.Errorf("match: %d %s", r.StatusCode, r.Body)
		}
		for _, secret := range []string{"2020-01-15", "filed_on", "note", fxClericNote, `"id"`} {
			if strings.Contains(r.Body, secret) {
				t.Errorf("the match gives %q: %s", secret, r.Body)
			}
		}
		v = decodeJSON[verdict](t, verify(`{"name":"`+fxClericGone+`","number":"`+fxClericGoneNo+`"}`))
		if !v.Match || v.Clergy["status_label"] != "注销" || v.Clergy["valid"] != false {
			t.Errorf("cancelled: %+v", v)
		}
		wrong, unknown := verify(`{"name":"王某","number":"`+fxClericNumber+`"}`), verify(`{"name":"王某","number":"FJTEST9999"}`)
		if wrong.StatusCode != http.StatusOK || wrong.Body != unknown.Body || decodeJSON[verdict](t, wrong).Match {
			t.Errorf("no match differs: %s / %s", wrong.Body, unknown.Body)
		}
		problem(t, "unknown body field", verify(`{"name":"x","number":"y","all":true}`), http.StatusBadRequest, "")
		problem(t, "not JSON", verify(`name=x`), http.StatusBadRequest, "")
		problem(t, "empty query", verify(`{}`), http.StatusBadRequest, "number")
		problem(t, "hostile query", verify(`{"name":"<script>","number":"' OR 1=1 --"}`), http.StatusBadRequest, "number")
		problem(t, "two objects", verify(`{"name":"a","number":"FJ1"}{}`), http.StatusBadRequest, "")
	})
}

// TestDirectoriesStaffAPI: staff read every field, create (201), update
// with the version they read (409 on a stale one), get problems for bad
// input; a district office's entry is read-only to the city bureau; a
// role without the permission gets 403, no token 401.
func TestDirectoriesStaffAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := seedDirectories(t, e)
		editor := e.TokenFor(e.AddUser("mzzj", "dir.api.editor", auth.Editor).ID)
		reviewer := e.TokenFor(e.AddUser("mzzj", "dir.api.reviewer", auth.Reviewer).ID)
		call := func(method, path, token, body string) *apptest.Response {
			return dirAPI(t, e, method, path, token, body)
		}

		r := call(http.MethodGet, "/api/v1/staff/venues?q="+url.QueryEscape(fxHuangpuMosque), editor, "")
		list := decodeJSON[dirListJSON](t, r)
		if r.StatusCode != http.StatusOK || list.Total != 1 {
			t.Fatalf("staff list: %d %s", r.StatusCode, r.Body)
		}
		it := list.Items[0]
		if it["values"].(map[string]any)["note"] != "内部备注：负责人手机 13800001111" || it["verified_on"] == "" || it["version"] != float64(1) ||
			it["stale"] != false || it["editable"] != true || it["agency"] != "mzzj" {
			t.Errorf("staff item: %v", it)
		}
		if r := call(http.MethodGet, "/api/v1/staff/venues?stale=1&q="+url.QueryEscape(fxHuangpuMosque), editor, ""); decodeJSON[dirListJSON](t, r).Total != 0 {
			t.Errorf("a fresh entry is listed as stale: %s", r.Body)
		}
		if r := call(http.MethodGet, "/api/v1/staff/venues?agency=pudong-mzb&q="+url.QueryEscape("清真寺"), editor, ""); decodeJSON[dirListJSON](t, r).Total < 1 ||
			strings.Contains(r.Body, fxHuangpuMosque) {
			t.Errorf("the agency filter: %s", r.Body)
		}
		problem(t, "unknown agency filter", call(http.MethodGet, "/api/v1/staff/venues?agency=nobody", editor, ""), http.StatusBadRequest, "agency")
		r = call(http.MethodGet, "/api/v1/staff/clergy/"+strconv.FormatInt(f.cleric.ID, 10), editor, "")
		if cl := decodeJSON[map[string]any](t, r); r.StatusCode != http.StatusOK || cl["values"].(map[string]any)["filed_on"] != "2020-01-15" ||
			cl["values"].(map[string]any)["note"] != fxClericNote {
			t.Errorf("staff clergy: %d %s", r.StatusCode, r.Body)
		}

		// Create.
		body := `{"values":{"name":"接口新增清真餐厅","category":"饮食","number":"api-halal-1","district":"黄浦区","address":"上海市黄浦区接口路1号",` +
			`"issuer":"黄浦区民族和宗教事务办公室","supply_point":true,"status":"有效","note":"接口备注"},"division_id":0,"verified_on":""}`
		r = call(http.MethodPost, "/api/v1/staff/halal-outlets", editor, body)
		created := decodeJSON[map[string]any](t, r)
		if r.StatusCode != http.StatusCreated || created["number"] != "API-HALAL-1" || created["version"] != float64(1) ||
			created["values"].(map[string]any)["supply_point"] != "1" || created["status"] != directory.OutletValid ||
			r.Header.Get("Location") != fmt.Sprintf("/api/v1/staff/halal-outlets/%v", created["id"]) {
			t.Fatalf("create: %d %s", r.StatusCode, r.Body)
		}
		id := strconv.FormatInt(int64(created["id"].(float64)), 10)
		var source string
		e.App.DB.R.QueryRow(`SELECT source FROM directory_changes WHERE entry_id = $1 AND action = 'created'`, id).Scan(&source)
		if source != "api" {
			t.Errorf("history source %q", source)
		}
		if r := call(http.MethodGet, "/api/v1/halal-outlets/"+id+"?agency=mzzj", "", ""); r.StatusCode != http.StatusOK || strings.Contains(r.Body, "接口备注") {
			t.Errorf("the new outlet in public: %d %s", r.StatusCode, r.Body)
		}
		problem(t, "duplicate number", call(http.MethodPost, "/api/v1/staff/halal-outlets", editor, body), http.StatusBadRequest, "number")
		for name, tc := range map[string]struct{ body, field string }{
			"missing values":  {`{}`, "name"},
			"unknown field":   {`{"values":{},"colour":"red"}`, ""},
			"unknown value":   {`{"values":{"name":"x","secret":"y"}}`, "values"},
			"object value":    {`{"values":{"name":{"a":1}}}`, "name"},
			"angle brackets":  {`{"values":{"name":"<script>alert(1)</script>","category":"饮食","number":"API-2","district":"黄浦区","address":"x","issuer":"y","status":"valid"}}`, "name"},
			"mobile as phone": {`{"values":{"name":"x店","category":"饮食","number":"API-3","district":"黄浦区","address":"x","issuer":"y","status":"valid","phone":"139 1234 5678"}}`, "phone"},
			"bad district":    {`{"values":{"name":"x店","category":"饮食","number":"API-4","district":"' OR 1=1 --","address":"x","issuer":"y","status":"valid"}}`, "district"},
			"future verified": {`{"values":{"name":"x店","category":"饮食","number":"API-5","district":"黄浦区","address":"x","issuer":"y","status":"valid"},"verified_on":"2999-01-01"}`, "verified_on"},
			"bad division":    {`{"values":{"name":"x店","category":"饮食","number":"API-6","district":"黄浦区","address":"x","issuer":"y","status":"valid"},"division_id":999999}`, "division"},
			"not JSON":        {`values=1`, ""},
		} {
			problem(t, name, call(http.MethodPost, "/api/v1/staff/halal-outlets", editor, tc.body), http.StatusBadRequest, tc.field)
		}

		// Update: the version read is required, a stale one conflicts.
		vals := created["values"].(map[string]any)
		vals["address"] = "上海市黄浦区接口路2号"
		upd, _ := json.Marshal(map[string]any{"values": vals, "version": 1})
		r = call(http.MethodPost, "/api/v1/staff/halal-outlets/"+id, editor, string(upd))
		if got := decodeJSON[map[string]any](t, r); r.StatusCode != http.StatusOK || got["version"] != float64(2) ||
			got["values"].(map[string]any)["address"] != "上海市黄浦区接口路2号" {
			t.Errorf("update: %d %s", r.StatusCode, r.Body)
		}
		vals["address"] = "上海市黄浦区接口路3号"
		upd, _ = json.Marshal(map[string]any{"values": vals, "version": 1})
		problem(t, "stale version", call(http.MethodPost, "/api/v1/staff/halal-outlets/"+id, editor, string(upd)), http.StatusConflict, "")
		upd, _ = json.Marshal(map[string]any{"values": vals})
		problem(t, "no version", call(http.MethodPost, "/api/v1/staff/halal-outlets/"+id, editor, string(upd)), http.StatusBadRequest, "version")
		problem(t, "unknown entry", call(http.MethodPost, "/api/v1/staff/halal-outlets/99999999", editor, string(upd)[:len(upd)-1]+`,"version":1}`), http.StatusNotFound, "")
		problem(t, "a venue as an outlet", call(http.MethodGet, "/api/v1/staff/halal-outlets/"+strconv.FormatInt(f.huangpuMosque.ID, 10), editor, ""), http.StatusNotFound, "")
		// The 浦东 office's entry: the city reads it, may not change it.
		pd := call(http.MethodGet, "/api/v1/staff/venues/"+strconv.FormatInt(f.pudongMosque.ID, 10), editor, "")
		pdj := decodeJSON[map[string]any](t, pd)
		if pd.StatusCode != http.StatusOK || pdj["editable"] != false || pdj["agency"] != "pudong-mzb" {
			t.Errorf("浦东 entry: %d %s", pd.StatusCode, pd.Body)
		}
		upd, _ = json.Marshal(map[string]any{"values": pdj["values"], "version": pdj["version"]})
		problem(t, "another agency's entry", call(http.MethodPost, "/api/v1/staff/venues/"+strconv.FormatInt(f.pudongMosque.ID, 10), editor, string(upd)), http.StatusForbidden, "")

		// Permissions.
		problem(t, "reviewer list", call(http.MethodGet, "/api/v1/staff/venues", reviewer, ""), http.StatusForbidden, "")
		problem(t, "reviewer create", call(http.MethodPost, "/api/v1/staff/clergy", reviewer, `{"values":{}}`), http.StatusForbidden, "")
		problem(t, "anonymous", call(http.MethodGet, "/api/v1/staff/clergy", "", ""), http.StatusUnauthorized, "")
		var n int
		e.App.DB.R.QueryRow(`SELECT COUNT(*) FROM directory_entries WHERE number LIKE 'API-%'`).Scan(&n)
		if n != 1 {
			t.Errorf("%d entries saved through the API, want 1", n)
		}
	})
}
