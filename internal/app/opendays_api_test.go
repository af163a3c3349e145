package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
)

// excerpt is the part of a page around the first occurrence of mark (or
// its start), for failure messages.
func excerpt(body, mark string) string {
	i := strings.Index(body, mark)
	if i < 0 {
		i = strings.Index(body, "<main")
	}
	i = max(i-200, 0)
	return body[i:min(len(body), i+800)]
}

// demoPNG is a small picture for upload tests.
func demoPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 6))
	for x := range 8 {
		img.Set(x, 3, color.RGBA{180, 20, 20, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// postPhoto uploads a photo as the console form does.
func postPhoto(t *testing.T, c *apptest.Client, path, fileName string, body []byte, alt, caption string) *apptest.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("alt", alt)
	mw.WriteField("caption", caption)
	if fileName != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="photo"; filename="%s"`, fileName))
		h.Set("Content-Type", "application/octet-stream")
		w, _ := mw.CreatePart(h)
		w.Write(body)
	}
	mw.Close()
	req := c.Request(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}

// TestOpenDayPhotosAndAPIHTTP: staff add photos with alt text to the
// demo's held open day — bad uploads are refused beside the field and
// save nothing; the summary shows the photo with its alt text (escaped),
// the photo is served as an image; the API lists the events and gives an
// event with its groups, summary and photos; bad queries get RFC 9457
// problems; a draft is not found.
func TestOpenDayPhotosAndAPIHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		past := openDayID(e, demoOpenDayPastTitle)
		up := openDayID(e, demoOpenDayUpcomingTitle)
		e.AddUser("mzzj", "ph.editor", auth.Editor)
		staff := e.Client()
		staff.Login("ph.editor")
		base := "/console/opendays/" + strconv.FormatInt(past, 10)
		pic := demoPNG(t)
		bad := []struct {
			name, file string
			body       []byte
			alt, want  string
		}{
			{"no file", "", nil, "参观展厅", "请选择要上传的照片"},
			{"no alt", "a.png", pic, "", "图片说明（替代文字）"},
			{"path trick", "../../etc/passwd.png", pic, "参观展厅", "文件名不能包含路径"},
			{"not an image", "a.png", []byte("%PDF-1.4\n1 0 obj\n%%EOF\n"), "参观展厅", "JPG 或 PNG"},
			{"oversized alt", "a.png", pic, strings.Repeat("长", 201), "图片说明（替代文字）"},
		}
		for _, c := range bad {
			r := postPhoto(t, staff, base+"/photos", c.file, c.body, c.alt, "")
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, c.want) {
				t.Errorf("%s: %d %s", c.name, r.StatusCode, excerpt(r.Body, c.want))
			}
		}
		var n int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM openday_photos WHERE event_id = $1`, past).Scan(&n)
		before := n
		alt := `<script>alert(1)</script>参加人员在展厅听取讲解`
		if r := postPhoto(t, staff, base+"/photos", "现场.png", pic, alt, "展厅讲解"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload: %d %s", r.StatusCode, r.Body)
		}
		e.App.DB.R.QueryRow(`SELECT count(*) FROM openday_photos WHERE event_id = $1`, past).Scan(&n)
		if n != before+1 {
			t.Fatalf("%d photos after one upload (%d before)", n, before)
		}
		var photoID int64
		e.App.DB.R.QueryRow(`SELECT id FROM openday_photos WHERE event_id = $1 ORDER BY id DESC LIMIT 1`, past).Scan(&photoID)
		pub := e.Client()
		page := pub.Get(fmt.Sprintf("/o/mzzj/opendays/%d", past))
		src := fmt.Sprintf("/o/mzzj/opendays/%d/photos/%d", past, photoID)
		if !strings.Contains(page.Body, `src="`+src+`"`) || strings.Contains(page.Body, "<script>alert(1)") ||
			!strings.Contains(page.Body, `alt="&lt;script&gt;alert(1)&lt;/script&gt;参加人员在展厅听取讲解"`) {
			t.Errorf("the summary's photo: %s", excerpt(page.Body, "photo-grid"))
		}
		img := pub.Get(src)
		if img.StatusCode != http.StatusOK || img.Header.Get("Content-Type") != "image/png" || img.Body != string(pic) {
			t.Errorf("photo: %d %s %d bytes", img.StatusCode, img.Header.Get("Content-Type"), len(img.Body))
		}
		if r := pub.Get(fmt.Sprintf("/o/mzzj/opendays/%d/photos/%d", up, photoID)); r.StatusCode != http.StatusNotFound {
			t.Errorf("the photo through another event: %d", r.StatusCode)
		}

		// The API.
		r := pub.Get("/api/v1/opendays?agency=mzzj")
		var list struct{ Upcoming, Past []map[string]any }
		if err := json.Unmarshal([]byte(r.Body), &list); err != nil || r.StatusCode != http.StatusOK {
			t.Fatalf("list: %d %v", r.StatusCode, err)
		}
		if len(list.Upcoming) == 0 || len(list.Past) == 0 || list.Upcoming[0]["theme"] != demoOpenDayUpcomingTitle ||
			list.Upcoming[0]["signup"].(map[string]any)["code"] != "open" {
			t.Errorf("list: %s", r.Body)
		}
		r = pub.Get(fmt.Sprintf("/api/v1/opendays/%d", past))
		var ev struct {
			Theme   string
			Summary string
			Groups  []map[string]any
			Photos  []struct{ URL, Alt string }
		}
		if err := json.Unmarshal([]byte(r.Body), &ev); err != nil || r.StatusCode != http.StatusOK {
			t.Fatalf("event: %d %v", r.StatusCode, err)
		}
		found := false
		for _, p := range ev.Photos {
			found = found || p.URL == src && p.Alt == alt
		}
		if ev.Theme != demoOpenDayPastTitle || ev.Summary == "" || len(ev.Groups) == 0 || !found {
			t.Errorf("event: %s", r.Body)
		}
		if strings.Contains(r.Body, "139") || strings.Contains(r.Body, "phone") {
			t.Errorf("the API shows a phone number: %s", r.Body)
		}
		for _, q := range []string{"", "?agency=nope", "?agency=%27%20OR%201=1--"} {
			r := pub.Get("/api/v1/opendays" + q)
			if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Header.Get("Content-Type"), "problem+json") || !strings.Contains(r.Body, "agency") {
				t.Errorf("%q: %d %s", q, r.StatusCode, r.Body)
			}
		}
		day := civil.Of(e.Clock.Now()).AddDays(30)
		draft := staff.PostForm("/console/opendays", url.Values{"theme": {"草稿活动"}, "place": {"局机关"}, "date": {day.String()}, "start": {"09:30"},
			"end": {"11:00"}, "capacity": {"10"}, "selection": {"fcfs"}, "groups": {"市民 10"},
			"signup_opens": {day.AddDays(-20).String() + "T09:00"}, "signup_closes": {day.AddDays(-2).String() + "T17:00"}})
		var draftID int64
		e.App.DB.R.QueryRow(`SELECT id FROM opendays WHERE theme = '草稿活动'`).Scan(&draftID)
		if draftID == 0 {
			t.Fatalf("draft: %d %s", draft.StatusCode, excerpt(draft.Body, "field-error"))
		}
		for _, id := range []string{strconv.FormatInt(draftID, 10), "abc", "999999"} {
			if r := pub.Get("/api/v1/opendays/" + id); r.StatusCode != http.StatusNotFound {
				t.Errorf("event %s: %d", id, r.StatusCode)
			}
		}
		// Removing the photo takes it off the page.
		if r := staff.PostForm(fmt.Sprintf("%s/photos/%d/delete", base, photoID), nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("remove: %d", r.StatusCode)
		}
		if r := pub.Get(src); r.StatusCode != http.StatusNotFound {
			t.Errorf("a removed photo: %d", r.StatusCode)
		}
	})
}

// TestSurveysPortalAndAPIHTTP: the agency's questionnaire page lists the
// demo's open questionnaire and published results, not invitation-only
// ones; the API gives the same with the questions, and the results
// without the text answers.
func TestSurveysPortalAndAPIHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		const title = "上海市民族和宗教事务局网站及网上服务满意度调查"
		var id int64
		e.App.DB.R.QueryRow(`SELECT id FROM surveys WHERE title = $1`, title).Scan(&id)
		pub := e.Client()
		page := pub.Get("/o/mzzj/surveys")
		if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, title) || !strings.Contains(page.Body, fmt.Sprintf(`href="/surveys/%d"`, id)) {
			t.Errorf("portal list: %d", page.StatusCode)
		}
		var invite string
		e.App.DB.R.QueryRow(`SELECT title FROM surveys WHERE access = 'invite' AND state = 'open' AND NOT publish_results ORDER BY id LIMIT 1`).Scan(&invite)
		if invite != "" && strings.Contains(page.Body, invite) {
			t.Errorf("an invitation-only questionnaire is listed: %s", invite)
		}
		r := pub.Get("/api/v1/surveys?agency=mzzj")
		var list struct{ Open, Results []struct{ ID int64 } }
		if err := json.Unmarshal([]byte(r.Body), &list); err != nil || len(list.Open) == 0 {
			t.Fatalf("api list: %s", r.Body)
		}
		if r := pub.Get("/api/v1/surveys?agency=nope"); r.StatusCode != http.StatusBadRequest {
			t.Errorf("unknown agency: %d", r.StatusCode)
		}
		r = pub.Get(fmt.Sprintf("/api/v1/surveys/%d", id))
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `"kind":"matrix"`) || !strings.Contains(r.Body, `"show_if"`) {
			t.Errorf("api survey: %d %s", r.StatusCode, r.Body)
		}
		r = pub.Get(fmt.Sprintf("/api/v1/surveys/%d/results", id))
		var res struct {
			Responses int
			Questions []struct {
				Kind   string
				Counts []struct{ N int }
			}
		}
		if err := json.Unmarshal([]byte(r.Body), &res); err != nil || res.Responses == 0 || len(res.Questions) != 5 || len(res.Questions[0].Counts) != 2 {
			t.Fatalf("api results: %s", r.Body)
		}
		var text string
		e.App.DB.R.QueryRow(`SELECT a.body FROM survey_answers a JOIN survey_responses s ON s.id = a.response_id WHERE s.survey_id = $1 AND a.body <> '' LIMIT 1`, id).Scan(&text)
		if text != "" && strings.Contains(r.Body, text) {
			t.Error("the API publishes a text answer")
		}
		for _, p := range []string{"/api/v1/surveys/abc", "/api/v1/surveys/999999", "/api/v1/surveys/999999/results"} {
			if r := pub.Get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", p, r.StatusCode)
			}
		}
	})
}
