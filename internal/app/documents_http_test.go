package app_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/docregistry"
)

func init() {
	const managers = "agency_admin editor approver liaison" // auth.ManageDocuments
	matrixParts = append(matrixParts, map[string]string{
		"GET /console/documents":                managers,
		"GET /console/documents/new":            managers,
		"POST /console/documents":               managers,
		"GET /console/documents/report":         managers,
		"GET /console/documents/export.xlsx":    managers,
		"GET /console/documents/template.xlsx":  managers,
		"GET /console/documents/import":         managers,
		"POST /console/documents/import":        managers,
		"GET /console/documents/settings":       managers,
		"POST /console/documents/settings":      managers,
		"GET /console/documents/{id}":           managers,
		"POST /console/documents/{id}":          managers,
		"POST /console/documents/{id}/sign":     managers,
		"POST /console/documents/{id}/decision": "approver", // auth.ApproveDocuments
		"POST /console/documents/{id}/review":   managers,
		"POST /console/documents/{id}/draft":    managers,
	})
	pathFillers = append(pathFillers, func(e *apptest.Env, path string) string {
		if !strings.HasPrefix(path, "/console/documents/{id}") {
			return ""
		}
		return strings.ReplaceAll(path, "{id}", strconv.FormatInt(documentID(e, demoDocPending), 10))
	})
}

// Demo documents the tests use.
const (
	demoDocPending   = "关于举办少数民族传统体育运动会的通知"
	demoDocOverdue   = "关于做好少数民族流动人口服务管理工作的通知"
	demoDocPublished = "关于印发《宗教活动场所安全管理工作指引》的通知"
	demoDocWithheld  = "关于调整局机关处室工作职责分工的通知"
)

func documentID(e *apptest.Env, title string) int64 {
	var id int64
	e.App.DB.R.QueryRow(`SELECT id FROM official_documents WHERE title = $1`, title).Scan(&id)
	return id
}

func documentCount(t *testing.T, e *apptest.Env) int {
	t.Helper()
	var n int
	if err := e.App.DB.R.QueryRow(`SELECT COUNT(*) FROM official_documents`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// docClient is a console client with a fresh session for the account.
func docClient(e *apptest.Env, userID int64) *apptest.Client { return liaisonClient(e, userID) }

var docLocation = regexp.MustCompile(`^/console/documents/([0-9]+)\?`)

// xlsxFile builds an import file: the template's header, then rows.
func xlsxFile(t *testing.T, rows ...[]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	all := append([][]string{{"文号", "标题", "发文机关", "起草处室", "起草日期", "签发日期", "公开属性", "不公开依据", "理由"}}, rows...)
	for r, row := range all {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			f.SetCellValue("Sheet1", cell, v)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// upload posts a file to the import page as a browser would.
func upload(c *apptest.Client, name string, content []byte) *apptest.Response {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("file", name)
	part.Write(content)
	w.Close()
	req := c.Request(http.MethodPost, "/console/documents/import", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.Do(req)
}

// TestDocumentsHTTP: the demo ledger with its overdue document; bad
// registrations refused beside the field with nothing saved; a proactive
// document registered, approved and signed becomes a draft item, and
// twenty working days later it is overdue in the ledger, the report and
// the to-do centre (routed to the division's liaison); exports; another
// agency sees nothing.
func TestDocumentsHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		mzzj := e.Agency("mzzj")
		clerk := e.AddUser("mzzj", "d.clerk", auth.Editor)
		approver := e.AddUser("mzzj", "d.approver", auth.Approver)
		outsider := e.AddUser("pudong-mzb", "d.outsider", auth.Editor)
		cc, ap := docClient(e, clerk.ID), docClient(e, approver.ID)

		r := cc.Get("/console/documents")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, demoDocOverdue) || !strings.Contains(r.Body, "逾期未发布") ||
			!strings.Contains(r.Body, demoDocPublished) || !strings.Contains(r.Body, "已发布") {
			t.Fatalf("demo ledger: %d", r.StatusCode)
		}
		if r := cc.Get("/console/documents?pub=overdue"); !strings.Contains(r.Body, demoDocOverdue) || strings.Contains(r.Body, demoDocPublished) {
			t.Error("overdue filter")
		}

		today := civil.Of(e.Clock.Now())
		div := divisionID(t, e, "mzzj", "宗教工作一处")
		valid := url.Values{"doc_number": {fmt.Sprintf("沪民宗发[%d]901号", today.Year)}, "title": {"关于测试公文公开属性认定的通知"},
			"issuer": {"上海市民族和宗教事务局"}, "division_id": {strconv.FormatInt(div, 10)}, "drafted_on": {today.String()},
			"signed_on": {today.String()}, "attribute": {"proactive"}}
		with := func(kv ...string) url.Values {
			f := url.Values{}
			for k, v := range valid {
				f[k] = v
			}
			for i := 0; i+1 < len(kv); i += 2 {
				f.Set(kv[i], kv[i+1])
			}
			return f
		}
		var demoNumber string
		e.App.DB.R.QueryRow(`SELECT doc_number FROM official_documents WHERE title = $1`, demoDocPublished).Scan(&demoNumber)
		before := documentCount(t, e)
		for _, c := range []struct {
			form url.Values
			want string
		}{
			{with("attribute", ""), "请选择公开属性"},
			{with("attribute", "secret"), "公开属性须为"},
			{with("attribute", "on_request"), "非主动公开的公文须选择不公开的法定依据"},
			{with("attribute", "withheld", "ground", "internal_affairs"), "非主动公开的公文须填写理由"},
			{with("attribute", "on_request", "ground", "state_secret", "reason", "涉密"), "属于条例第十四条情形的信息不得公开"},
			{with("attribute", "withheld", "ground", "made_up", "reason", "x"), "请从列表中选择不公开的法定依据"},
			{with("doc_number", ""), "请填写文号"},
			{with("doc_number", "第一号文件"), "文号格式应为"},
			{with("doc_number", strings.NewReplacer("〔", "【", "〕", "】").Replace(demoNumber)), "本单位已登记过这个文号"},
			{with("title", "<script>alert(1)</script>"), "不能包含尖括号"},
			{with("title", "'; DROP TABLE official_documents; --", "drafted_on", "2025-02-30"), "起草日期格式应为"},
			{with("signed_on", today.AddDays(3).String()), "签发日期不能晚于今天"},
			{with("drafted_on", today.String(), "signed_on", today.AddDays(-3).String()), "签发日期不能早于起草日期"},
			{with("division_id", strconv.FormatInt(divisionID(t, e, "pudong-mzb", "综合科"), 10)), "所选起草处室不存在"},
			{with("title", strings.Repeat("长", 201)), "标题不能超过 200 个字"},
		} {
			r := cc.PostForm("/console/documents", c.form)
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, c.want) {
				t.Errorf("%v: %d, want 422 with %q", c.form, r.StatusCode, c.want)
			}
			if strings.Contains(r.Body, "<script>alert(1)") {
				t.Error("markup shown unescaped")
			}
		}
		if n := documentCount(t, e); n != before {
			t.Fatalf("refused registrations saved %d documents", n-before)
		}

		// Registered, approved: a draft item at once.
		r = cc.PostForm("/console/documents", valid)
		m := docLocation.FindStringSubmatch(r.Header.Get("Location"))
		if r.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("register: %d %s\n%s", r.StatusCode, r.Header.Get("Location"), r.Body)
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		path := "/console/documents/" + m[1]
		if r := cc.PostForm(path+"/decision", url.Values{"decision": {"approve"}}); r.StatusCode != http.StatusForbidden {
			t.Errorf("an editor approved: %d", r.StatusCode)
		}
		if r := ap.PostForm(path+"/decision", url.Values{"decision": {"return"}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "退回时请写明") {
			t.Errorf("return without a note: %d", r.StatusCode)
		}
		if r := ap.PostForm(path+"/decision", url.Values{"decision": {"approve"}, "note": {"同意主动公开"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve: %d\n%s", r.StatusCode, r.Body)
		}
		p := &auth.Principal{UserID: clerk.ID, AgencyID: mzzj.ID, Roles: auth.Roles{auth.Editor}, State: auth.StateActive}
		d, err := e.App.Documents.Get(ctx, p, id)
		if err != nil || d.ItemID == 0 || d.Item == nil || d.Item.Published || d.DueOn.IsZero() {
			t.Fatalf("approved proactive document: %+v, %v", d, err)
		}
		var itemTitle, status, number string
		e.App.DB.R.QueryRow(`SELECT title, status, doc_number FROM items WHERE id = $1 AND agency_id = $2`, d.ItemID, mzzj.ID).Scan(&itemTitle, &status, &number)
		if itemTitle != valid.Get("title") || status != "draft" || number != d.DocNumber || !strings.Contains(d.DocNumber, "〔") {
			t.Fatalf("draft item: %q %q %q (document %q)", itemTitle, status, number, d.DocNumber)
		}
		cal, _ := e.App.Calendar.Calendar(ctx)
		if due, _ := cal.AddWorkingDays(today, 20); d.DueOn != due {
			t.Errorf("due %s, want 20 working days after %s = %s", d.DueOn, today, due)
		}
		if r := cc.Get(path); !strings.Contains(r.Body, "待发布，还剩 20 个工作日") || !strings.Contains(r.Body, fmt.Sprintf("/console/items/%d", d.ItemID)) {
			t.Errorf("detail before the deadline:\n%s", r.Body)
		}

		// Twenty working days (and more) later, still a draft: overdue.
		e.Clock.Advance(time.Duration(d.DueOn.DaysUntil(today)*-1+3) * 24 * time.Hour)
		later := civil.Of(e.Clock.Now())
		cc = docClient(e, clerk.ID)
		if r := cc.Get("/console/documents?pub=overdue"); !strings.Contains(r.Body, valid.Get("title")) || !strings.Contains(r.Body, "逾期未发布，已逾期") {
			t.Errorf("ledger after the deadline does not show the document overdue")
		}
		if r := cc.Get("/console/documents/report?year=" + strconv.Itoa(today.Year)); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, valid.Get("title")) {
			t.Errorf("report: %d", r.StatusCode)
		}
		src, ok := e.App.Todos.Source(docregistry.TodoSource)
		if !ok {
			t.Fatal("no documents to-do source")
		}
		items, err := src(ctx, mzzj.ID, later)
		if err != nil {
			t.Fatal(err)
		}
		liaison, _ := e.App.Agencies.Liaison(ctx, div)
		found := false
		for _, it := range items {
			if strings.Contains(it.Title, valid.Get("title")) && it.Kind == "发布主动公开公文" {
				found = true
				if it.Due != d.DueOn || !strings.HasPrefix(it.Note, "已逾期") || it.UserID != liaison.RouteTo() || it.UserID == 0 ||
					it.DivisionID != div || it.Perm != auth.EditItems || it.URL != fmt.Sprintf("/console/items/%d", d.ItemID) {
					t.Errorf("overdue to-do: %+v (liaison %d)", it, liaison.RouteTo())
				}
			}
		}
		if !found {
			t.Errorf("the overdue document is not among the to-dos: %+v", items)
		}

		// The ledger exports as a printable XLSX.
		r = cc.Get("/console/documents/export.xlsx")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("export: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		x, err := excelize.OpenReader(strings.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows("公文备案台账")
		if len(rows) < 4 || !strings.Contains(rows[0][0], "公文备案") || rows[2][1] != "文号" || !strings.Contains(r.Body, "") {
			t.Fatalf("ledger layout: %v", rows[:3])
		}
		if lay, err := x.GetPageLayout("公文备案台账"); err != nil || lay.Orientation == nil || *lay.Orientation != "landscape" {
			t.Errorf("ledger not landscape: %+v %v", lay, err)
		}
		if r := cc.Get("/console/documents/template.xlsx"); r.StatusCode != http.StatusOK {
			t.Errorf("template: %d", r.StatusCode)
		}

		// Another agency's staff see nothing of it.
		oc := docClient(e, outsider.ID)
		if r := oc.Get(path); r.StatusCode != http.StatusNotFound {
			t.Errorf("another agency's document: %d", r.StatusCode)
		}
		if r := oc.Get("/console/documents"); strings.Contains(r.Body, demoDocOverdue) {
			t.Error("another agency's ledger lists mzzj's documents")
		}
	})
}

// TestDocumentsImportAndReview: a malformed import is refused row by row
// with nothing saved; a good file is imported once however often it is
// uploaded; an Art. 18 re-review is recorded and a change to 主动公开
// starts a draft item.
func TestDocumentsImportAndReview(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		clerk := e.AddUser("mzzj", "d.clerk", auth.Editor)
		cc := docClient(e, clerk.ID)
		year := civil.Of(e.Clock.Now()).Year
		var demoNumber string
		e.App.DB.R.QueryRow(`SELECT doc_number FROM official_documents WHERE title = $1`, demoDocPublished).Scan(&demoNumber)
		n := func(i int) string { return fmt.Sprintf("沪民宗发〔%d〕%d号", year, 700+i) }
		day := fmt.Sprintf("%d-01-02", year)
		good := [][]string{
			{n(1), "关于导入测试一的通知", "上海市民族和宗教事务局", "办公室", day, "", "主动公开", "", ""},
			{n(2), "关于导入测试二的报告", "上海市民族和宗教事务局", "政策法规处", day, day, "不予公开", "属于讨论记录、过程稿、磋商信函、请示报告等过程性信息", "请示报告"},
		}
		before := documentCount(t, e)
		bad := append(append([][]string{}, good...),
			[]string{n(3), "缺少公开属性", "上海市民族和宗教事务局", "办公室", day, "", "", "", ""},
			[]string{n(4), "缺少依据", "上海市民族和宗教事务局", "办公室", day, "", "依申请公开", "", "理由"},
			[]string{n(5), "日期错误", "上海市民族和宗教事务局", "办公室", "2025-13-01", "", "主动公开", "", ""},
			[]string{n(6), "未知处室", "上海市民族和宗教事务局", "不存在处", day, "", "主动公开", "", ""},
			[]string{n(1), "文件内重复", "上海市民族和宗教事务局", "办公室", day, "", "主动公开", "", ""},
			[]string{demoNumber, "与已登记的重复", "上海市民族和宗教事务局", "办公室", day, "", "主动公开", "", ""},
			[]string{n(7), "<img src=x onerror=alert(1)>", "上海市民族和宗教事务局", "办公室", day, "", "公开", "", ""},
		)
		r := upload(cc, "documents.xlsx", xlsxFile(t, bad...))
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("malformed import: %d", r.StatusCode)
		}
		for _, want := range []string{"第 4 行", "请选择公开属性", "第 5 行", "非主动公开的公文须选择不公开的法定依据", "第 6 行", "起草日期格式应为",
			"第 7 行", "不是本单位的处室", "第 8 行", "与第 2 行重复", "第 9 行", "已经登记", "第 10 行", "公开属性“公开”无效", "整个文件未导入"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("import report lacks %q", want)
			}
		}
		if strings.Contains(r.Body, "<img src=x") {
			t.Error("markup from the file shown unescaped")
		}
		if documentCount(t, e) != before {
			t.Fatal("a refused import saved documents")
		}
		for _, c := range []struct {
			name string
			body []byte
			want string
		}{
			{"../../etc/passwd", []byte("root:x:0:0"), "请上传 XLSX 文件"},
			{"documents.xlsx", []byte("not a zip"), "无法读取 XLSX 文件"},
			{"documents.xlsx", xlsxFile(t), "文件中没有公文"},
		} {
			if r := upload(cc, c.name, c.body); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, c.want) {
				t.Errorf("%s: %d, want %q", c.name, r.StatusCode, c.want)
			}
		}
		file := xlsxFile(t, good...)
		if r := upload(cc, "documents.xlsx", file); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "新登记 2 份公文") {
			t.Fatalf("good import: %d\n%s", r.StatusCode, r.Body)
		}
		if r := upload(cc, "documents.xlsx", file); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "新登记 0 份公文") || !strings.Contains(r.Body, "2 份文号已登记且内容相同") {
			t.Fatalf("identical re-import: %d", r.StatusCode)
		}
		if documentCount(t, e) != before+2 {
			t.Fatalf("documents after two imports: %d, want %d", documentCount(t, e), before+2)
		}

		// Art. 18 re-review of the demo's withheld document.
		id := documentID(e, demoDocWithheld)
		path := "/console/documents/" + strconv.FormatInt(id, 10)
		if r := cc.Get("/console/documents?review=due"); !strings.Contains(r.Body, demoDocWithheld) {
			t.Error("the re-review due soon is not listed")
		}
		if r := cc.PostForm(path+"/review", url.Values{"outcome": {"keep"}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "请填写复核意见") {
			t.Errorf("review without a note: %d", r.StatusCode)
		}
		if r := cc.PostForm(path+"/review", url.Values{"outcome": {"change"}, "review_attribute": {"on_request"}, "review_note": {"情势变化"}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "非主动公开的公文须选择不公开的法定依据") {
			t.Errorf("change without a ground: %d", r.StatusCode)
		}
		if r := cc.PostForm(path+"/review", url.Values{"outcome": {"change"}, "review_attribute": {"proactive"}, "review_note": {"职责调整已对外公布，可以公开。"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("change to proactive: %d\n%s", r.StatusCode, r.Body)
		}
		var attr string
		var item *int64
		e.App.DB.R.QueryRow(`SELECT attribute, item_id FROM official_documents WHERE id = $1`, id).Scan(&attr, &item)
		var reviews int
		e.App.DB.R.QueryRow(`SELECT COUNT(*) FROM official_document_reviews WHERE document_id = $1 AND outcome = 'change'`, id).Scan(&reviews)
		if attr != "proactive" || item == nil || reviews != 1 {
			t.Errorf("after the re-review: attribute %s, item %v, reviews %d", attr, item, reviews)
		}
	})
}
