package app_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
)

func init() {
	const managers = "agency_admin editor" // auth.ManageTraining
	matrixParts = append(matrixParts, map[string]string{
		"GET /console/training":                                        managers,
		"GET /console/training/courses/new":                            managers,
		"POST /console/training/courses":                               managers,
		"GET /console/training/courses/{id}":                           managers,
		"POST /console/training/courses/{id}":                          managers,
		"POST /console/training/courses/{id}/sessions":                 managers,
		"GET /console/training/sessions/{id}":                          managers,
		"POST /console/training/sessions/{id}":                         managers,
		"POST /console/training/sessions/{id}/attendance":              managers,
		"POST /console/training/sessions/{id}/attendance/{att}/delete": managers,
		"POST /console/training/sessions/{id}/import":                  managers,
		"GET /console/training/compliance":                             managers,
		"GET /console/training/compliance.xlsx":                        managers,
		"GET /console/training/ledger.xlsx":                            managers,
		"GET /console/training/people/{id}":                            managers,
		"GET /console/training/me":                                     authenticated,
	})
	pathFillers = append(pathFillers, func(e *apptest.Env, path string) string {
		if !strings.HasPrefix(path, "/console/training/") || !strings.Contains(path, "{") {
			return ""
		}
		course, session := trainingIDs(e, demoTrainingCourseTitle)
		var att, user int64
		e.App.DB.R.QueryRow(`SELECT id FROM training_attendance WHERE session_id = $1 ORDER BY id LIMIT 1`, session).Scan(&att)
		e.App.DB.R.QueryRow(`SELECT id FROM staff_users WHERE username = 'mzzj.policy'`).Scan(&user)
		id := session
		switch {
		case strings.HasPrefix(path, "/console/training/courses/"):
			id = course
		case strings.HasPrefix(path, "/console/training/people/"):
			id = user
		}
		return strings.NewReplacer("{id}", fmt.Sprint(id), "{att}", fmt.Sprint(att)).Replace(path)
	})
}

const (
	demoTrainingCourseTitle = "《中华人民共和国政府信息公开条例》专题培训"
	demoTrainingUpcomingT   = "年度政务公开工作要点解读培训"
	demoUntrainedName       = "周文博"
	demoUninvitedDistrict   = "黄浦区民族和宗教事务办公室"
)

// trainingIDs returns a demo course and its first session.
func trainingIDs(e *apptest.Env, title string) (course, session int64) {
	e.App.DB.R.QueryRow(`SELECT c.id, s.id FROM training_courses c JOIN training_sessions s ON s.course_id = c.id WHERE c.title = $1 ORDER BY s.id LIMIT 1`, title).
		Scan(&course, &session)
	return course, session
}

func userID(e *apptest.Env, username string) int64 {
	var id int64
	e.App.DB.R.QueryRow(`SELECT id FROM staff_users WHERE username = $1`, username).Scan(&id)
	return id
}

// uploadFile posts a multipart form with one file and extra fields.
func uploadFile(t *testing.T, c *apptest.Client, path, field, fileName string, body []byte, extra map[string]string) *apptest.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range extra {
		mw.WriteField(k, v)
	}
	if fileName != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, field, fileName))
		h.Set("Content-Type", "application/octet-stream")
		w, _ := mw.CreatePart(h)
		w.Write(body)
	}
	mw.Close()
	req := c.Request(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}

// section returns the HTML between the element with the id and its end tag.
func section(body, id, end string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], end)
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}

// xlsxText reads every cell of a workbook as one string per sheet.
func xlsxText(t *testing.T, body string) map[string]string {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("not an XLSX file: %v", err)
	}
	defer f.Close()
	out := map[string]string{}
	for _, s := range f.GetSheetList() {
		rows, err := f.GetRows(s)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, r := range rows {
			b.WriteString(strings.Join(r, "|") + "\n")
		}
		out[s] = b.String()
	}
	return out
}

var createdRE = regexp.MustCompile(`/console/training/(courses|sessions)/(\d+)\?flash=created`)

// TestTrainingHTTP: the demo's compliance report lists the planted
// untrained person and uninvited district (page and XLSX); the ledger
// exports; courses and sessions refuse bad input beside the fields and
// show hostile text escaped; attendance entered and imported (a bad file
// refused by row, nothing saved) closes the gaps; a person sees their own
// record; another agency sees nothing; the to-do source reports the gaps
// from October on.
func TestTrainingHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		year := civil.Of(e.App.Training.Now()).Year
		e.AddUser("mzzj", "tr.editor", auth.Editor)
		ed := e.Client()
		ed.Login("tr.editor")
		r := ed.Get("/console/training")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, demoTrainingUpcomingT) || !strings.Contains(r.Body, "未参训") {
			t.Fatalf("training list: %d", r.StatusCode)
		}
		// The planted gaps.
		r = ed.Get("/console/training/compliance")
		untrained, uninvited := section(r.Body, "untrained", "</ul>"), section(r.Body, "uninvited", "</ul>")
		if r.StatusCode != http.StatusOK || !strings.Contains(untrained, demoUntrainedName) || strings.Contains(untrained, "李思远") ||
			!strings.Contains(uninvited, demoUninvitedDistrict) || strings.Contains(uninvited, "浦东新区") {
			t.Fatalf("compliance: %d\nuntrained: %s\nuninvited: %s", r.StatusCode, untrained, uninvited)
		}
		if strings.Contains(untrained, "陈明华") || strings.Contains(untrained, "孙立") {
			t.Error("administrators and auditors are not counted")
		}
		r = ed.Get(fmt.Sprintf("/console/training/compliance.xlsx?year=%d", year))
		sheets := xlsxText(t, r.Body)
		if r.StatusCode != http.StatusOK || !strings.Contains(sheets["应训人员"], demoUntrainedName+"|mzzj.policy") ||
			!regexp.MustCompile(demoUntrainedName+`\|[^\n]*\|未参训`).MatchString(sheets["应训人员"]) ||
			!regexp.MustCompile(demoUninvitedDistrict+`\|0\|0\|未受邀`).MatchString(sheets["区级部门"]) {
			t.Errorf("compliance export: %d %v", r.StatusCode, sheets)
		}
		r = ed.Get("/console/training/ledger.xlsx")
		sheets = xlsxText(t, r.Body)
		if r.StatusCode != http.StatusOK || !strings.Contains(sheets["培训台账"], demoTrainingCourseTitle) || !strings.Contains(sheets["参训人员"], "钱小芳") {
			t.Errorf("ledger export: %d %v", r.StatusCode, sheets)
		}

		// Courses: bad input beside the field, hostile text escaped.
		r = ed.PostForm("/console/training/courses", url.Values{"title": {""}, "organiser": {strings.Repeat("长", 50_000)}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-title-error") || !strings.Contains(r.Body, "f-organiser-error") {
			t.Errorf("bad course: %d", r.StatusCode)
		}
		r = ed.PostForm("/console/training/courses", url.Values{"title": {"<script>alert(1)</script>'; DROP TABLE training_courses;--"}, "organiser": {"办公室"}})
		m := createdRE.FindStringSubmatch(r.Header.Get("Location"))
		if r.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("course: %d %s", r.StatusCode, r.Body)
		}
		course := "/console/training/courses/" + m[2]
		if r := ed.Get(course); strings.Contains(r.Body, "<script>alert(1)") || !strings.Contains(r.Body, "&lt;script&gt;") {
			t.Error("the course title is not escaped")
		}
		r = ed.PostForm(course+"/sessions", url.Values{"held_on": {"2026-13-45"}, "format": {"zzz"}, "place": {""}, "materials": {"javascript:alert(1)"},
			"invited": {"../../1"}, "start_time": {"25:99"}})
		for _, f := range []string{"f-held_on-error", "f-format-error", "f-place-error", "f-materials-error", "f-invited-error", "f-start_time-error"} {
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, f) {
				t.Errorf("bad session: %d, no %s", r.StatusCode, f)
			}
		}
		var sessions int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM training_sessions`).Scan(&sessions)
		huangpu := e.Agency("huangpu-mzb")
		today := civil.Of(e.App.Training.Now())
		r = ed.PostForm(course+"/sessions", url.Values{"held_on": {today.String()}, "format": {"offline"}, "place": {"会议室"},
			"invited": {fmt.Sprint(huangpu.ID)}, "materials": {"https://example.gov.cn/a.pdf"}})
		m = createdRE.FindStringSubmatch(r.Header.Get("Location"))
		if r.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("session: %d %s", r.StatusCode, r.Body)
		}
		session := "/console/training/sessions/" + m[2]

		// Attendance: a user of an agency not invited is refused; a name
		// with an unknown agency is refused; 周文博 and a huangpu editor
		// are recorded.
		e.AddUser("huangpu-mzb", "hp.tr", auth.Editor)
		fwzx := e.AddUser("mzzj-fwzx", "fw.tr", auth.Editor)
		if r := ed.PostForm(session+"/attendance", url.Values{"users": {fmt.Sprint(fwzx.ID)}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "f-users-error") {
			t.Errorf("user of an agency not invited: %d", r.StatusCode)
		}
		if r := ed.PostForm(session+"/attendance", url.Values{"names": {"张三 不存在的单位"}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "f-names-error") {
			t.Errorf("unknown agency: %d", r.StatusCode)
		}
		if r := ed.PostForm(session+"/attendance", url.Values{"names": {"<b>x</b>"}}); r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("hostile name: %d", r.StatusCode)
		}
		if r := ed.PostForm(session+"/attendance", url.Values{"users": {fmt.Sprint(userID(e, "mzzj.policy"))}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("attendance: %d %s", r.StatusCode, r.Body)
		}
		r = ed.Get("/console/training/compliance")
		if strings.Contains(section(r.Body, "untrained", "</ul>"), demoUntrainedName) || strings.Contains(r.Body, `id="uninvited"`) {
			t.Errorf("the gaps should be closed: %s", section(r.Body, "h-gaps", "</section>"))
		}

		// Import: a bad file is refused by row and saves nothing.
		var before int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM training_attendance`).Scan(&before)
		bad := "姓名,单位,账号\n,市民族宗教局,\n李四,不存在的单位,\n高翔,黄浦区民族和宗教事务办公室,nobody\n王五,市民族宗教局,\n王五,市民族宗教局,\n"
		r = uploadFile(t, ed, session+"/import", "file", "名单.csv", []byte(bad), nil)
		for _, want := range []string{"第 2 行", "第 3 行", "第 4 行", "第 6 行", "没有导入任何人员"} {
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, want) {
				t.Errorf("bad import: %d, no %q", r.StatusCode, want)
			}
		}
		for name, tc := range map[string]struct{ file, body string }{
			"path":     {"../../名单.csv", "姓名,单位\n王五,市民族宗教局\n"},
			"type":     {"名单.txt", "姓名,单位\n王五,市民族宗教局\n"},
			"header":   {"名单.csv", "名字,部门\n王五,市民族宗教局\n"},
			"not xlsx": {"名单.xlsx", "PK not really"},
			"latin1":   {"名单.csv", "\xd0\xd5\xc3\xfb,\xb5\xa5\xce\xbb\n"},
		} {
			if r := uploadFile(t, ed, session+"/import", "file", tc.file, []byte(tc.body), nil); r.StatusCode != http.StatusUnprocessableEntity ||
				!strings.Contains(r.Body, "f-file-error") {
				t.Errorf("import %s: %d", name, r.StatusCode)
			}
		}
		var after int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM training_attendance`).Scan(&after)
		if after != before {
			t.Errorf("refused imports saved %d rows", after-before)
		}
		good := "\ufeff姓名,单位,处室\n高翔,黄浦区民族和宗教事务办公室,\n王五,市民族宗教局,办公室\n周文博,上海市民族和宗教事务局,\n"
		r = uploadFile(t, ed, session+"/import", "file", "名单.csv", []byte(good), nil)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "新增 2 人") || !strings.Contains(r.Body, "1 人此前已登记") {
			t.Errorf("import: %d %s", r.StatusCode, section(r.Body, "h-import", "</form>"))
		}
		var linked int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM training_attendance a JOIN staff_users u ON u.id = a.user_id WHERE u.username = 'huangpu.editor'`).Scan(&linked)
		if linked != 1 {
			t.Errorf("高翔 should be linked to his account (%d)", linked)
		}

		// One's own record.
		rv := e.AddUser("mzzj", "tr.reviewer", auth.Reviewer)
		me := e.Client()
		me.Login("tr.reviewer")
		if r := me.Get("/console/training/me"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "尚未参训") {
			t.Errorf("own record: %d", r.StatusCode)
		}
		if r := me.Get("/console/training"); r.StatusCode != http.StatusForbidden {
			t.Errorf("a reviewer manages no training: %d", r.StatusCode)
		}
		if r := ed.PostForm(session+"/attendance", url.Values{"users": {fmt.Sprint(rv.ID)}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("attendance: %d", r.StatusCode)
		}
		if r := me.Get("/console/training/me"); !strings.Contains(r.Body, "已参训") || !strings.Contains(r.Body, fmt.Sprintf("%d 年（1 次）", today.Year)) {
			t.Errorf("own record after training: %s", r.Body)
		}
		if r := ed.Get(fmt.Sprintf("/console/training/people/%d", userID(e, "mzzj.policy"))); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "周文博的培训记录") {
			t.Errorf("person record: %d", r.StatusCode)
		}

		// Another agency's staff see nothing of it.
		e.AddUser("pudong-mzb", "pd.tr", auth.Editor)
		pd := e.Client()
		pd.Login("pd.tr")
		for _, p := range []string{session, course, fmt.Sprintf("/console/training/people/%d", userID(e, "mzzj.editor"))} {
			if r := pd.Get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("other agency %s: %d", p, r.StatusCode)
			}
		}
		var audits int
		e.App.DB.R.QueryRow(`SELECT count(*) FROM audit_entries WHERE action LIKE 'training.%'`).Scan(&audits)
		if audits < 10 {
			t.Errorf("%d training audit entries", audits)
		}

		// The to-do source.
		src, ok := e.App.Todos.Source("training")
		if !ok {
			t.Fatal("no training to-do source")
		}
		mzzj := e.Agency("mzzj")
		items, err := src(ctx, mzzj.ID, today)
		if err != nil {
			t.Fatal(err)
		}
		prepare := false
		for _, it := range items {
			prepare = prepare || strings.Contains(it.Title, demoTrainingUpcomingT) && it.Perm == auth.ManageTraining
		}
		if !prepare {
			t.Errorf("no to-do for the upcoming session: %+v", items)
		}
		// A fresh demo's gaps in October of a later year: everybody.
		items, err = src(ctx, mzzj.ID, civil.New(today.Year+1, time.October, 8))
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, it := range items {
			texts = append(texts, it.Title+"（"+it.Due.String()+"）")
		}
		joined := strings.Join(texts, "；")
		if !regexp.MustCompile(`\d+ 名工作人员本年度尚未参加培训（\d{4}-12-31）`).MatchString(joined) || !strings.Contains(joined, "2 个区级部门本年度尚未受邀") {
			t.Errorf("October to-dos: %s", joined)
		}
		if items, _ := src(ctx, mzzj.ID, civil.New(today.Year+1, time.March, 8)); len(items) != 0 {
			t.Errorf("no compliance reminders before October: %+v", items)
		}
	})
}
