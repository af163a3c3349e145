package app_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
)

func apiJSON(t *testing.T, c *apptest.Client, method, path, token, body string) (*apptest.Response, map[string]any) {
	t.Helper()
	req := c.Request(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	r := c.Do(req)
	var out map[string]any
	json.Unmarshal([]byte(r.Body), &out)
	return r, out
}

func submissionJSON(edit func(m map[string]any)) string {
	m := map[string]any{
		"agency": "mzzj",
		"applicant": map[string]any{"type": "natural", "name": applicantName, "id_type": "id_card", "id_number": applicantID,
			"phone": applicantPhone, "email": "ouyang@example.com"},
		"request":        map[string]any{"title": "2025年本市宗教活动场所年检结果", "form": "electronic", "delivery": "email"},
		"declaration":    true,
		"identity_proof": map[string]any{"file_name": "id.png", "content_base64": base64.StdEncoding.EncodeToString(pngBytes)},
	}
	if edit != nil {
		edit(m)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// TestApplicationAPI: the public API submits and queries; the staff API
// lists, reads (masked) and works an application with version checks.
func TestApplicationAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		r, out := apiJSON(t, c, "POST", "/api/v1/applications", "", submissionJSON(nil))
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("submit: %d %s", r.StatusCode, r.Body)
		}
		number, code := out["number"].(string), out["query_code"].(string)

		for name, tc := range map[string]struct {
			body   string
			status int
			field  string
		}{
			"not JSON":       {"{", http.StatusBadRequest, ""},
			"unknown field":  {`{"agency":"mzzj","evil":1}`, http.StatusBadRequest, ""},
			"no agency":      {submissionJSON(func(m map[string]any) { m["agency"] = "nowhere" }), http.StatusBadRequest, "agency"},
			"wrong checksum": {submissionJSON(func(m map[string]any) { m["applicant"].(map[string]any)["id_number"] = "110105194912310021" }), http.StatusBadRequest, "id_number"},
			"bad base64":     {submissionJSON(func(m map[string]any) { m["identity_proof"].(map[string]any)["content_base64"] = "!!!" }), http.StatusBadRequest, "identity"},
			"no proof":       {submissionJSON(func(m map[string]any) { delete(m, "identity_proof") }), http.StatusBadRequest, "identity"},
			"disguised proof": {submissionJSON(func(m map[string]any) {
				m["identity_proof"].(map[string]any)["content_base64"] = base64.StdEncoding.EncodeToString([]byte("<script>"))
			}), http.StatusBadRequest, "identity"},
		} {
			r, out := apiJSON(t, c, "POST", "/api/v1/applications", "", tc.body)
			if r.StatusCode != tc.status || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%s: %d %s", name, r.StatusCode, r.Body)
				continue
			}
			if tc.field != "" {
				if errs, _ := out["errors"].(map[string]any); errs[tc.field] == nil {
					t.Errorf("%s: no error on %s: %s", name, tc.field, r.Body)
				}
			}
		}

		r, out = apiJSON(t, c, "POST", "/api/v1/applications/status", "", `{"number":"`+number+`","code":"`+code+`"}`)
		if r.StatusCode != http.StatusOK || out["state"] != "received" || len(out["notices"].([]any)) != 1 {
			t.Fatalf("status: %d %s", r.StatusCode, r.Body)
		}
		if strings.Contains(r.Body, applicantID) || strings.Contains(r.Body, applicantPhone) {
			t.Error("the status answer repeats the applicant's identity")
		}
		if r, _ := apiJSON(t, c, "POST", "/api/v1/applications/status", "", `{"number":"`+number+`","code":"AAAAAAAAAA"}`); r.StatusCode != http.StatusBadRequest {
			t.Errorf("wrong code: %d", r.StatusCode)
		}

		// Staff.
		handler := e.AddUser("mzzj", "api.handler", auth.Handler)
		token := e.TokenFor(handler.ID)
		r, _ = apiJSON(t, c, "GET", "/api/v1/staff/applications?view=received", token, "")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, number) {
			t.Fatalf("list: %d %s", r.StatusCode, r.Body)
		}
		var id int64
		e.App.DB.R.QueryRow("SELECT id FROM applications WHERE number = $1", number).Scan(&id)
		path := "/api/v1/staff/applications/" + strconv.FormatInt(id, 10)
		r, out = apiJSON(t, c, "GET", path, token, "")
		if r.StatusCode != http.StatusOK || strings.Contains(r.Body, applicantID) || strings.Contains(r.Body, applicantPhone) {
			t.Fatalf("detail (must be masked): %d %s", r.StatusCode, r.Body)
		}
		version := int(out["application"].(map[string]any)["version"].(float64))
		if r, _ := apiJSON(t, c, "POST", path+"/actions", token, `{"action":"register"}`); r.StatusCode != http.StatusBadRequest {
			t.Errorf("action without version: %d", r.StatusCode)
		}
		r, out = apiJSON(t, c, "POST", path+"/actions", token, `{"action":"register","version":`+strconv.Itoa(version)+`}`)
		if r.StatusCode != http.StatusOK || out["application"].(map[string]any)["state"] != "processing" || out["application"].(map[string]any)["due_on"] == nil {
			t.Fatalf("register: %d %s", r.StatusCode, r.Body)
		}
		if r, _ := apiJSON(t, c, "POST", path+"/actions", token, `{"action":"note","note":"x","version":`+strconv.Itoa(version)+`}`); r.StatusCode != http.StatusConflict {
			t.Errorf("stale version: %d %s", r.StatusCode, r.Body)
		}
		if r, _ := apiJSON(t, c, "POST", path+"/actions", token, `{"action":"reply","outcome":"nonsense","version":`+strconv.Itoa(version+1)+`}`); r.StatusCode != http.StatusBadRequest {
			t.Errorf("bad outcome: %d %s", r.StatusCode, r.Body)
		}
		// Recording a letter received by registered mail.
		rec := strings.Replace(submissionJSON(func(m map[string]any) { delete(m, "identity_proof") }), `{`, `{"channel":"registered_mail","received_on":"`+
			civil.Of(e.App.Applications.Now()).String()+`","signed_on":"`+civil.Of(e.App.Applications.Now()).String()+`",`, 1)
		r, out = apiJSON(t, c, "POST", "/api/v1/staff/applications", token, rec)
		if r.StatusCode != http.StatusCreated || out["application"].(map[string]any)["state"] != "processing" {
			t.Fatalf("record: %d %s", r.StatusCode, r.Body)
		}
		r, out = apiJSON(t, c, "GET", "/api/v1/staff/applications/statistics?year="+number[:4], token, "")
		if r.StatusCode != http.StatusOK || len(out["table_three"].(map[string]any)["rows"].([]any)) != 25 {
			t.Fatalf("statistics: %d %s", r.StatusCode, r.Body)
		}
		// Another agency's staff does not see it.
		other := e.AddUser("pudong-mzb", "api.other", auth.Handler)
		if r, _ := apiJSON(t, c, "GET", path, e.TokenFor(other.ID), ""); r.StatusCode != http.StatusNotFound {
			t.Errorf("another agency: %d", r.StatusCode)
		}
	})
}
