package app_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
)

// The demo's published decision and its hearing (see demo_decisions.go).
const (
	demoHalal       = "《上海市清真食品管理规定实施细则》修订"
	demoVenues      = "本市宗教活动场所安全管理三年行动计划"
	demoRiskReason  = "本次修订细化现行管理要求，不新增对生产经营者的限制性措施"
	demoDissent     = "过渡期宜延长至 6 个月"
	demoParticipant = "马建华"
	demoStaffName   = "周文博" // mzzj.policy, who recorded the stages
)

func decisionID(t *testing.T, e *apptest.Env, title string) int64 {
	t.Helper()
	var id int64
	if err := e.App.DB.R.QueryRow("SELECT id FROM decisions WHERE title = $1", title).Scan(&id); err != nil {
		t.Fatalf("decision %s: %v", title, err)
	}
	return id
}

func demoDecisionYear(t *testing.T, e *apptest.Env) int {
	t.Helper()
	var y int
	e.App.DB.R.QueryRow("SELECT year FROM decisions WHERE title = $1", demoHalal).Scan(&y)
	return y
}

// TestDecisionPortalHTTP: the public catalogue by year with its
// adjustments, a decision's page with the stages done and those not
// required with their reasons, hearings with masked participants, public
// documents only, no personal data; the JSON API says the same.
func TestDecisionPortalHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		year := demoDecisionYear(t, e)
		r := c.Get("/o/mzzj/decisions")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("catalogue: %d", r.StatusCode)
		}
		for _, want := range []string{demoHalal, demoVenues, "本市民族团结进步示范单位创建评估办法", "目录调整情况", "调整出目录",
			"本市少数民族流动人口服务管理办法", "新增列入目录", "调整事项内容", fmt.Sprintf("%d 年目录于", year), "<caption>"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("catalogue lacks %q", want)
			}
		}
		if r := c.Get(fmt.Sprintf("/o/mzzj/decisions?year=%d", year)); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, demoHalal) {
			t.Errorf("by year: %d", r.StatusCode)
		}
		for q, status := range map[string]int{"?year=abc": 400, "?year=1999'%20OR%201=1": 400, "?year=2001": 404} {
			if r := c.Get("/o/mzzj/decisions" + q); r.StatusCode != status {
				t.Errorf("%s: %d, want %d", q, r.StatusCode, status)
			}
		}
		if r := c.Get("/o/pudong-mzb/decisions"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "尚未公布") {
			t.Errorf("an agency without a catalogue: %d", r.StatusCode)
		}

		id := decisionID(t, e, demoHalal)
		path := "/o/mzzj/decisions/" + strconv.FormatInt(id, 10)
		r = c.Get(path)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("decision: %d", r.StatusCode)
		}
		for _, want := range []string{"决策程序", "公众参与", "专家论证", "风险评估", "无需开展的理由", demoRiskReason, "合法性审查", "审查期限",
			"个工作日", "集体讨论决定", "修改后通过", "决策公布", "听证会", "马**", "欧阳**", "听证参加人已确认并签字", "修订说明", "修订草案（征求意见稿）"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("decision page lacks %q", want)
			}
		}
		for _, leak := range []string{demoParticipant, "欧阳晓东", "金秀英", demoDissent, demoStaffName, "听证笔录", "合法性审查意见"} {
			if strings.Contains(r.Body, leak) {
				t.Errorf("decision page shows %q", leak)
			}
		}
		// Public documents download; the others do not exist publicly.
		links := regexp.MustCompile(`href="(`+regexp.QuoteMeta(path)+`/files/\d+)"`).FindAllStringSubmatch(r.Body, -1)
		if len(links) != 2 {
			t.Fatalf("%d public documents", len(links))
		}
		if d := c.Get(links[0][1]); d.StatusCode != http.StatusOK || !strings.HasPrefix(d.Body, "%PDF-") {
			t.Errorf("download: %d", d.StatusCode)
		}
		var private int64
		e.App.DB.R.QueryRow("SELECT id FROM decision_files WHERE decision_id = $1 AND public = FALSE ORDER BY id LIMIT 1", id).Scan(&private)
		if d := c.Get(path + "/files/" + strconv.FormatInt(private, 10)); d.StatusCode != http.StatusNotFound {
			t.Errorf("a private document: %d", d.StatusCode)
		}
		if r := c.Get("/o/pudong-mzb/decisions/" + strconv.FormatInt(id, 10)); r.StatusCode != http.StatusNotFound {
			t.Errorf("under another agency: %d", r.StatusCode)
		}
		if r := c.Get("/o/mzzj/decisions/99999999"); r.StatusCode != http.StatusNotFound {
			t.Errorf("missing: %d", r.StatusCode)
		}
		removed := decisionID(t, e, "本市少数民族流动人口服务管理办法")
		if r := c.Get("/o/mzzj/decisions/" + strconv.FormatInt(removed, 10)); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "调整出") ||
			!strings.Contains(r.Body, "不再单独制定") {
			t.Errorf("a removed entry: %d", r.StatusCode)
		}

		// The API.
		r = c.Get(fmt.Sprintf("/api/v1/decisions?agency=mzzj&year=%d", year))
		var list struct {
			Total     int `json:"total"`
			Decisions []struct {
				ID     int64                 `json:"id"`
				Title  string                `json:"title"`
				Status struct{ Code string } `json:"status"`
			} `json:"decisions"`
		}
		if err := json.Unmarshal([]byte(r.Body), &list); err != nil || r.StatusCode != http.StatusOK || list.Total != 4 {
			t.Fatalf("API list: %d %v %s", r.StatusCode, err, r.Body)
		}
		for q, field := range map[string]string{"?agency=nowhere": "agency", "?year=20x6": "year", "?page=0": "page"} {
			if r := c.Get("/api/v1/decisions" + q); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, field) {
				t.Errorf("API %s: %d %s", q, r.StatusCode, r.Body)
			}
		}
		r = c.Get("/api/v1/decisions/" + strconv.FormatInt(id, 10))
		var one struct {
			Stages []struct {
				Kind              struct{ Code string } `json:"kind"`
				Status            struct{ Code string } `json:"status"`
				NotRequiredReason string                `json:"not_required_reason"`
				ReviewWorkingDays int                   `json:"review_working_days"`
			} `json:"stages"`
			Hearings []struct {
				Participants []struct{ Name string } `json:"participants"`
			} `json:"hearings"`
			Documents []struct{ URL string } `json:"documents"`
		}
		if err := json.Unmarshal([]byte(r.Body), &one); err != nil || r.StatusCode != http.StatusOK {
			t.Fatalf("API decision: %d %v", r.StatusCode, err)
		}
		for _, leak := range []string{demoParticipant, demoDissent, demoStaffName} {
			if strings.Contains(r.Body, leak) {
				t.Errorf("API shows %q", leak)
			}
		}
		if len(one.Stages) != 6 || len(one.Documents) != 2 || len(one.Hearings) != 2 {
			t.Errorf("API decision: %d stages, %d documents, %d hearings", len(one.Stages), len(one.Documents), len(one.Hearings))
		}
		for _, s := range one.Stages {
			if s.Kind.Code == "risk" && (s.Status.Code != "not_required" || !strings.Contains(s.NotRequiredReason, "限制性措施")) {
				t.Errorf("risk in the API: %+v", s)
			}
			if s.Kind.Code == "legality" && s.ReviewWorkingDays < 7 {
				t.Errorf("legality in the API: %+v", s)
			}
		}
		if r := c.Get("/api/v1/decisions/99999999"); r.StatusCode != http.StatusNotFound || !strings.Contains(r.Header.Get("Content-Type"), "problem+json") {
			t.Errorf("API missing: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
	})
}

// decisionSnapshot is everything a refused form must leave as it was.
func decisionSnapshot(t *testing.T, e *apptest.Env) string {
	t.Helper()
	var parts []string
	for _, q := range []string{"SELECT count(*) FROM decisions", "SELECT COALESCE(SUM(version), 0) FROM decisions", "SELECT count(*) FROM decision_stages WHERE status <> 'not_started'",
		"SELECT count(*) FROM decision_hearings", "SELECT count(*) FROM decision_files", "SELECT count(*) FROM decision_adjustments",
		"SELECT count(*) FROM decision_catalogues", "SELECT count(*) FROM decision_events", "SELECT count(*) FROM attachments",
		"SELECT count(*) FROM audit_entries WHERE action LIKE 'decision.%'"} {
		var n int64
		if err := e.App.DB.R.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, strconv.FormatInt(n, 10))
	}
	return strings.Join(parts, "/")
}

func version(t *testing.T, e *apptest.Env, id int64) string {
	var v int
	e.App.DB.R.QueryRow("SELECT version FROM decisions WHERE id = $1", id).Scan(&v)
	return strconv.Itoa(v)
}

// TestDecisionConsoleHTTP: an editor drafts next year's entry, edits it,
// records stages, a hearing and a document, publishes the catalogue,
// removes an entry, and exports the archive.
func TestDecisionConsoleHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.AddUser("mzzj", "d.editor", auth.Editor)
		e.AddUser("mzzj", "d.handler", auth.Handler)
		c := e.Client()
		c.Login("d.editor")
		today := civil.Of(e.Clock.Now())
		next := today.Year + 1
		var div int64
		e.App.DB.R.QueryRow("SELECT id FROM divisions WHERE agency_id = $1 AND name = '政策法规处'", e.Agency("mzzj").ID).Scan(&div)
		if r := c.Get("/console/decisions?year=" + strconv.Itoa(demoDecisionYear(t, e))); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, demoHalal) {
			t.Fatalf("list: %d", r.StatusCode)
		}
		if r := c.Get("/console/decisions?status=published&year=" + strconv.Itoa(demoDecisionYear(t, e))); !strings.Contains(r.Body, demoHalal) || strings.Contains(r.Body, demoVenues) {
			t.Error("status filter")
		}
		if r := c.Get("/console/decisions?status=nonsense"); r.StatusCode != http.StatusBadRequest {
			t.Errorf("bad status filter: %d", r.StatusCode)
		}
		if r := c.Get("/console/decisions/new"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "公众参与方式") {
			t.Fatalf("new: %d", r.StatusCode)
		}
		form := url.Values{"year": {strconv.Itoa(next)}, "title": {"本市清真食品经营场所标识管理办法<b>（草）</b>'; DROP TABLE decisions; --"},
			"division": {strconv.FormatInt(div, 10)}, "legal_basis": {"《上海市清真食品管理条例》第十条"}, "planned_timing": {fmt.Sprintf("%d年第二季度", next)},
			"methods": {"public_comment", "hearing"}, "expert_planned": {"1"}}
		r := c.PostForm("/console/decisions", form)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-title-error"`) {
			t.Fatalf("markup in the title: %d", r.StatusCode)
		}
		form.Set("title", "本市清真食品经营场所标识管理办法'; DROP TABLE decisions; --")
		r = c.PostForm("/console/decisions", form)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d\n%s", r.StatusCode, r.Body)
		}
		loc := r.Header.Get("Location")
		id, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(loc, "/console/decisions/"), "?flash=created"), 10, 64)
		path := "/console/decisions/" + strconv.FormatInt(id, 10)
		r = c.Get(path)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "DROP TABLE decisions; --") || !strings.Contains(r.Body, "列入目录") {
			t.Fatalf("detail: %d", r.StatusCode)
		}
		if r := c.Get(path + "/edit"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "《上海市清真食品管理条例》第十条") {
			t.Errorf("edit form: %d", r.StatusCode)
		}
		form.Set("planned_timing", fmt.Sprintf("%d年第三季度", next))
		form.Set("version", version(t, e, id))
		if r := c.PostForm(path, form); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("update: %d\n%s", r.StatusCode, r.Body)
		}
		if r := c.PostForm(path, form); r.StatusCode != http.StatusSeeOther { // unchanged: nothing to save
			t.Errorf("unchanged update: %d", r.StatusCode)
		}
		form.Set("planned_timing", fmt.Sprintf("%d年第四季度", next))
		if r := c.PostForm(path, form); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "刷新") {
			t.Errorf("stale version: %d", r.StatusCode)
		}

		// Stages.
		stage := func(kind string, f url.Values) *apptest.Response {
			f.Set("version", version(t, e, id))
			return c.PostForm(path+"/stages/"+kind, f)
		}
		if r := c.Get(path + "/stages/legality"); r.StatusCode != http.StatusOK || strings.Contains(r.Body, `value="not_required"`) {
			t.Errorf("legality form offers 无需开展: %d", r.StatusCode)
		}
		if r := c.Get(path + "/stages/nonsense"); r.StatusCode != http.StatusNotFound {
			t.Errorf("unknown stage: %d", r.StatusCode)
		}
		start := today.AddDays(-20).String()
		if r := stage("participation", url.Values{"status": {"done"}, "started_on": {start}, "finished_on": {today.AddDays(-15).String()},
			"summary": {"召开座谈会一场。"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("participation: %d\n%s", r.StatusCode, r.Body)
		}
		if r := stage("expert", url.Values{"status": {"not_required"}, "reason": {"不涉及专业性、技术性较强的问题"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("expert: %d", r.StatusCode)
		}
		if r := stage("legality", url.Values{"status": {"not_required"}, "reason": {"不需要审查的理由"}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "必经程序") {
			t.Errorf("legality not required: %d", r.StatusCode)
		}
		lstart := today.AddDays(-14)
		r = stage("legality", url.Values{"status": {"in_progress"}, "started_on": {lstart.String()}, "due_on": {lstart.AddDays(2).String()}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-due_on-error"`) || !strings.Contains(r.Body, "7 个工作日") {
			t.Errorf("short legality review: %d", r.StatusCode)
		}
		if r := stage("legality", url.Values{"status": {"in_progress"}, "started_on": {lstart.String()}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("legality: %d\n%s", r.StatusCode, r.Body)
		}
		if r := stage("collective", url.Values{"status": {"done"}, "finished_on": {today.String()}, "meeting": {"局长办公会议"}, "result": {"adopted"}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "合法性审查完成前") {
			t.Errorf("decision before the review: %d", r.StatusCode)
		}

		// A hearing.
		held := today.AddDays(-2)
		hearing := url.Values{"kind": {"hearing"}, "title": {"标识管理办法听证会"}, "held_on": {held.String()}, "time": {"14:00"}, "place": {"第一会议室"},
			"announced_on": {held.AddDays(-15).String()}, "selection": {"公开报名，随机抽取"}, "participants": {"欧阳明月，居民代表\n张卫国，企业代表"},
			"mask_names": {"1"}, "materials_sent_on": {held.AddDays(-3).String()}, "record_signed": {"1"}, "record_signed_on": {held.String()}}
		r = c.PostForm(path+"/hearings", hearing)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-materials_sent_on-error"`) || !strings.Contains(r.Body, "7 日前") {
			t.Errorf("materials 3 days before: %d", r.StatusCode)
		}
		if !strings.Contains(r.Body, "欧阳明月，居民代表") {
			t.Error("the form lost the participants")
		}
		hearing.Set("materials_sent_on", held.AddDays(-7).String())
		if r := c.PostForm(path+"/hearings", hearing); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("hearing: %d\n%s", r.StatusCode, r.Body)
		}
		var hid int64
		e.App.DB.R.QueryRow("SELECT id FROM decision_hearings WHERE decision_id = $1", id).Scan(&hid)
		hearing.Set("summary", "参加人对标识式样提出意见。")
		if r := c.PostForm(path+"/hearings/"+strconv.FormatInt(hid, 10), hearing); r.StatusCode != http.StatusSeeOther {
			t.Errorf("hearing edit: %d", r.StatusCode)
		}

		// Documents.
		r = postMultipart(c, path+"/files", url.Values{"title": {"草案"}}, "file", "../../etc/passwd.pdf", demoPDFBytes)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-file-error"`) {
			t.Errorf("path in the file name: %d", r.StatusCode)
		}
		r = postMultipart(c, path+"/files", url.Values{"title": {"办法草案"}, "stage": {"participation"}, "public": {"1"}}, "file", "办法草案.pdf", demoPDFBytes)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload: %d\n%s", r.StatusCode, r.Body)
		}
		r = postMultipart(c, path+"/files", url.Values{"title": {"听证笔录"}, "hearing": {strconv.FormatInt(hid, 10)}}, "file", "笔录.pdf", demoPDFBytes)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload to the hearing: %d", r.StatusCode)
		}
		var fid int64
		e.App.DB.R.QueryRow("SELECT id FROM decision_files WHERE decision_id = $1 AND title = '办法草案'", id).Scan(&fid)
		if r := c.Get(fmt.Sprintf("%s/files/%d", path, fid)); r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Body, "%PDF-") {
			t.Errorf("download: %d", r.StatusCode)
		}

		// The catalogue of next year; then this entry is public.
		if r := c.PostForm("/console/decisions/publish-catalogue", url.Values{"year": {strconv.Itoa(next)}, "published_on": {today.String()}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, `id="f-note-error"`) {
			t.Errorf("publish without note: %d", r.StatusCode)
		}
		if r := c.PostForm("/console/decisions/publish-catalogue", url.Values{"year": {strconv.Itoa(next)}, "published_on": {today.String()},
			"note": {"经局党组会议审议同意"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("publish: %d\n%s", r.StatusCode, r.Body)
		}
		pub := e.Client().Get(fmt.Sprintf("/o/mzzj/decisions/%d", id))
		if pub.StatusCode != http.StatusOK || !strings.Contains(pub.Body, "欧阳**") || strings.Contains(pub.Body, "欧阳明月") || strings.Contains(pub.Body, "听证笔录") ||
			!strings.Contains(pub.Body, "不涉及专业性、技术性较强的问题") || !strings.Contains(pub.Body, "DROP TABLE decisions; --") {
			t.Errorf("public page: %d", pub.StatusCode)
		}

		// The archive.
		r = c.Get(path + "/archive.zip")
		if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "application/zip" || !strings.Contains(r.Header.Get("Content-Disposition"), ".zip") {
			t.Fatalf("archive: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		zr, err := zip.NewReader(bytes.NewReader([]byte(r.Body)), int64(len(r.Body)))
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]string{}
		for _, f := range zr.File {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			names[f.Name] = string(b)
		}
		index := names["index.html"]
		for _, want := range []string{"重大行政决策档案", "公众参与", "专家论证", "不涉及专业性、技术性较强的问题", "合法性审查", "标识管理办法听证会",
			"欧阳明月", "办法草案", "听证笔录", "办理记录", "d.editor"} {
			if !strings.Contains(index, want) {
				t.Errorf("the archive index lacks %q", want)
			}
		}
		docs := 0
		for n, b := range names {
			if strings.HasPrefix(n, "材料/") {
				docs++
				if !strings.HasPrefix(b, "%PDF-") {
					t.Errorf("%s is not the PDF", n)
				}
			}
		}
		if docs != 2 {
			t.Errorf("%d documents in the archive", docs)
		}
		// A handler may read and export, not change.
		h := e.Client()
		h.Login("d.handler")
		if r := h.Get(path); r.StatusCode != http.StatusOK || strings.Contains(r.Body, "/stages/legality\"") {
			t.Errorf("handler view: %d", r.StatusCode)
		}
		if r := h.PostForm(path+"/remove", url.Values{"removed_on": {today.String()}, "removed_reason": {"测试移出目录的理由"}}); r.StatusCode != http.StatusForbidden {
			t.Errorf("handler removal: %d", r.StatusCode)
		}
		if r := h.Get(path + "/archive.zip"); r.StatusCode != http.StatusOK {
			t.Errorf("handler archive: %d", r.StatusCode)
		}

		// Removal.
		if r := c.PostForm(path+"/remove", url.Values{"version": {version(t, e, id)}, "removed_on": {today.String()}, "removed_reason": {"纳入其他文件统筹制定"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("remove: %d\n%s", r.StatusCode, r.Body)
		}
		if r := c.Get(path); !strings.Contains(r.Body, "已调整出目录") || strings.Contains(r.Body, "/edit\"") {
			t.Error("after removal")
		}
		if r := e.Client().Get(fmt.Sprintf("/o/mzzj/decisions?year=%d", next)); !strings.Contains(r.Body, "纳入其他文件统筹制定") {
			t.Error("the removal is not on the public catalogue")
		}
		var history int
		e.App.DB.R.QueryRow("SELECT count(*) FROM decision_events WHERE decision_id = $1", id).Scan(&history)
		var audits int
		e.App.DB.R.QueryRow("SELECT count(*) FROM audit_entries WHERE object_type = 'decision' AND object_id = $1", strconv.FormatInt(id, 10)).Scan(&audits)
		if history < 10 || audits < 10 {
			t.Errorf("history %d, audit %d", history, audits)
		}
	})
}

var demoPDFBytes = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

// TestDecisionBadInputHTTP sends every console form missing, malformed,
// oversized, hostile and path-tricked input: each answer is 422 with a
// Chinese message next to the field, and nothing is saved.
func TestDecisionBadInputHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.AddUser("mzzj", "b.editor", auth.Editor)
		c := e.Client()
		c.Login("b.editor")
		id := decisionID(t, e, demoVenues)
		halal := decisionID(t, e, demoHalal)
		var hid int64
		e.App.DB.R.QueryRow("SELECT id FROM decision_hearings WHERE decision_id = $1 ORDER BY id LIMIT 1", halal).Scan(&hid)
		p := fmt.Sprintf("/console/decisions/%d", id)
		var div int64
		e.App.DB.R.QueryRow("SELECT division_id FROM decisions WHERE id = $1", id).Scan(&div)
		today := civil.Of(e.Clock.Now())
		big := strings.Repeat("长", 50000)
		script := "<script>alert(1)</script>"
		entry := func(kv ...string) url.Values {
			f := url.Values{"year": {strconv.Itoa(today.Year + 1)}, "title": {"新增事项"}, "division": {strconv.FormatInt(div, 10)},
				"legal_basis": {"《宗教事务条例》"}, "planned_timing": {"第三季度"}, "methods": {"symposium"}, "version": {version(t, e, id)},
				"adjusted_on": {today.String()}, "adjust_reason": {"根据工作需要调整"}}
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == "\x00delete" {
					f.Del(kv[i])
				} else {
					f.Set(kv[i], kv[i+1])
				}
			}
			return f
		}
		hearing := func(kv ...string) url.Values {
			f := url.Values{"kind": {"hearing"}, "title": {"听证会"}, "held_on": {today.AddDays(-1).String()}, "place": {"会议室"},
				"announced_on": {today.AddDays(-20).String()}, "selection": {"报名"}, "materials_sent_on": {today.AddDays(-10).String()},
				"participants": {"张三，居民"}}
			for i := 0; i+1 < len(kv); i += 2 {
				f.Set(kv[i], kv[i+1])
			}
			return f
		}
		stage := func(kv ...string) url.Values {
			f := url.Values{"status": {"in_progress"}, "started_on": {today.AddDays(-3).String()}, "version": {version(t, e, id)}}
			for i := 0; i+1 < len(kv); i += 2 {
				f.Set(kv[i], kv[i+1])
			}
			return f
		}
		type bad struct {
			name, path string
			form       url.Values
			field      string
		}
		cases := []bad{
			{"create: empty", "/console/decisions", url.Values{}, "title"},
			{"create: no methods", "/console/decisions", entry("methods", "\x00delete"), "methods"},
			{"create: malformed year", "/console/decisions", entry("year", "20x6"), "year"},
			{"create: SQL in year", "/console/decisions", entry("year", "2026' OR '1'='1"), "year"},
			{"create: SQL in division", "/console/decisions", entry("division", "1 OR 1=1"), "division"},
			{"create: other agency's division", "/console/decisions", entry("division", "999999"), "division"},
			{"create: oversized title", "/console/decisions", entry("title", big), "title"},
			{"create: oversized basis", "/console/decisions", entry("legal_basis", big), "legal_basis"},
			{"create: script", "/console/decisions", entry("title", script), "title"},
			{"create: unknown method", "/console/decisions", entry("methods", "'; DROP TABLE decisions; --"), "methods"},
			{"create: control chars", "/console/decisions", entry("planned_timing", "第三\x01季度"), "planned_timing"},
			{"edit: empty", p, url.Values{"version": {version(t, e, id)}}, "title"},
			{"edit: script", p, entry("summary", script), "summary"},
			{"edit: oversized", p, entry("summary", big), "summary"},
			{"edit: malformed date", p, entry("planned_timing", "明年", "adjusted_on", "2026-13-45"), "adjusted_on"},
			{"edit: SQL in date", p, entry("planned_timing", "明年", "adjusted_on", "2026-01-01'; DROP TABLE decisions;--"), "adjusted_on"},
			{"edit: change without reason", p, entry("planned_timing", "明年", "adjust_reason", ""), "adjust_reason"},
			{"publish: empty", "/console/decisions/publish-catalogue", url.Values{}, "year"},
			{"publish: malformed date", "/console/decisions/publish-catalogue", url.Values{"year": {strconv.Itoa(today.Year + 1)}, "published_on": {"二〇二六年"}, "note": {"同意"}}, "published_on"},
			{"publish: oversized note", "/console/decisions/publish-catalogue", url.Values{"year": {strconv.Itoa(today.Year + 1)}, "published_on": {today.String()}, "note": {big}}, "note"},
			{"publish: script", "/console/decisions/publish-catalogue", url.Values{"year": {strconv.Itoa(today.Year + 1)}, "published_on": {today.String()}, "note": {script}}, "note"},
			{"publish: SQL in year", "/console/decisions/publish-catalogue", url.Values{"year": {"2026;DROP TABLE decisions"}, "published_on": {today.String()}, "note": {"同意"}}, "year"},
			{"remove: empty", p + "/remove", url.Values{"version": {version(t, e, id)}}, "removed_on"},
			{"remove: malformed date", p + "/remove", url.Values{"version": {version(t, e, id)}, "removed_on": {"31/12/2026"}, "removed_reason": {"不再制定该事项"}}, "removed_on"},
			{"remove: future", p + "/remove", url.Values{"version": {version(t, e, id)}, "removed_on": {today.AddDays(30).String()}, "removed_reason": {"不再制定该事项"}}, "removed_on"},
			{"remove: oversized", p + "/remove", url.Values{"version": {version(t, e, id)}, "removed_on": {today.String()}, "removed_reason": {big}}, "removed_reason"},
			{"remove: script", p + "/remove", url.Values{"version": {version(t, e, id)}, "removed_on": {today.String()}, "removed_reason": {script}}, "removed_reason"},
			{"stage: empty", p + "/stages/risk", url.Values{}, "status"},
			{"stage: unknown status", p + "/stages/risk", stage("status", "finished"), "status"},
			{"stage: malformed date", p + "/stages/risk", stage("started_on", "2026-02-30"), "started_on"},
			{"stage: SQL in date", p + "/stages/risk", stage("started_on", "1' OR '1'='1"), "started_on"},
			{"stage: oversized", p + "/stages/risk", stage("summary", big), "summary"},
			{"stage: script", p + "/stages/risk", stage("method", script), "method"},
			{"stage: not required without reason", p + "/stages/risk", stage("status", "not_required"), "reason"},
			{"stage: legality skipped", p + "/stages/legality", stage("status", "not_required", "reason", "不需要审查的理由"), "status"},
			{"stage: short review", p + "/stages/legality", stage("due_on", today.AddDays(-1).String()), "due_on"},
			{"stage: SQL in staff", p + "/stages/legality", stage("responsible_user", "1 OR 1=1"), "responsible_user"},
			{"stage: other's staff", p + "/stages/legality", stage("responsible_user", "999999"), "responsible_user"},
			{"stage: javascript link", p + "/stages/publication", stage("status", "not_started", "link", "javascript:alert(1)"), "link"},
			{"hearing: empty", p + "/hearings", url.Values{}, "kind"},
			{"hearing: unknown kind", p + "/hearings", hearing("kind", "'; DROP TABLE decision_hearings; --"), "kind"},
			{"hearing: malformed date", p + "/hearings", hearing("held_on", "tomorrow"), "held_on"},
			{"hearing: 6 days", p + "/hearings", hearing("materials_sent_on", today.AddDays(-7).String()), "materials_sent_on"},
			{"hearing: oversized", p + "/hearings", hearing("summary", big), "summary"},
			{"hearing: script", p + "/hearings", hearing("title", script), "title"},
			{"hearing: script participant", p + "/hearings", hearing("participants", "张三，居民\n"+script), "participants"},
			{"hearing: unsigned future", p + "/hearings", hearing("held_on", today.AddDays(20).String(), "record_signed", "1"), "record_signed"},
			{"hearing edit: script", fmt.Sprintf("/console/decisions/%d/hearings/%d", halal, hid), hearing("place", script), "place"},
		}
		for _, tc := range cases {
			before := decisionSnapshot(t, e)
			r := c.PostForm(tc.path, tc.form)
			if r.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d", tc.name, r.StatusCode)
			} else if !strings.Contains(r.Body, `id="f-`+tc.field+`-error"`) {
				t.Errorf("%s: no message next to %s", tc.name, tc.field)
			}
			if strings.Contains(r.Body, "<script>alert(1)") {
				t.Errorf("%s: the page echoes markup unescaped", tc.name)
			}
			if after := decisionSnapshot(t, e); after != before {
				t.Errorf("%s: half saved (%s → %s)", tc.name, before, after)
			}
		}
		// Uploads.
		for _, tc := range []struct {
			name, file string
			content    []byte
			fields     url.Values
			field      string
		}{
			{"no file", "", nil, url.Values{"title": {"草案"}}, "file"},
			{"path", "../../etc/passwd.pdf", demoPDFBytes, url.Values{}, "file"},
			{"windows path", `C:\..\..\boot.pdf`, demoPDFBytes, url.Values{}, "file"},
			{"disguised", "草案.pdf", []byte(script), url.Values{}, "file"},
			{"exe", "草案.exe", []byte("MZ\x90\x00"), url.Values{}, "file"},
			{"empty", "草案.pdf", []byte{}, url.Values{}, "file"},
			{"oversized title", "草案.pdf", demoPDFBytes, url.Values{"title": {big}}, "title"},
			{"script title", "草案.pdf", demoPDFBytes, url.Values{"title": {script}}, "title"},
			{"bad stage", "草案.pdf", demoPDFBytes, url.Values{"stage": {"'; DROP TABLE decision_files; --"}}, "stage"},
			{"other hearing", "草案.pdf", demoPDFBytes, url.Values{"hearing": {strconv.FormatInt(hid, 10)}}, "hearing"},
		} {
			before := decisionSnapshot(t, e)
			r := postMultipart(c, p+"/files", tc.fields, "file", tc.file, tc.content)
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-`+tc.field+`-error"`) {
				t.Errorf("upload %s: %d", tc.name, r.StatusCode)
			}
			if after := decisionSnapshot(t, e); after != before {
				t.Errorf("upload %s: half saved (%s → %s)", tc.name, before, after)
			}
		}
		var tables int
		e.App.DB.R.QueryRow("SELECT count(*) FROM decisions").Scan(&tables)
		if tables < 4 {
			t.Errorf("%d decisions", tables)
		}
	})
}
