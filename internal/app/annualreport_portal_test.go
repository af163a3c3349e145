package app_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/annualreport"
	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/app/browsertest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/extract"
	"github.com/gongkai/gongkai/internal/pdf"
)

func init() {
	const managers = "agency_admin editor approver" // auth.ManageAnnualReport
	matrixParts = append(matrixParts, map[string]string{
		"GET /o/{slug}/annual-reports":                    public,
		"GET /o/{slug}/annual-reports/{year}":             public,
		"GET /o/{slug}/annual-reports/{year}/report.xlsx": public,
		"GET /o/{slug}/annual-reports/{year}/report.pdf":  public,
		"GET /console/annual-reports/import":              "agency_admin approver", // auth.PublishAnnualReport
		"POST /console/annual-reports/import":             "agency_admin approver",
		"GET /console/annual-reports/{id}/report.xlsx":    managers,
		"GET /console/annual-reports/{id}/report.pdf":     managers,
	})
	// The downloads are walked on a report that does not exist: the guard
	// is what the matrix checks, and no PDF is printed ten times.
	pathFillers = append(pathFillers, func(e *apptest.Env, path string) string {
		switch path {
		case "/console/annual-reports/{id}/report.xlsx", "/console/annual-reports/{id}/report.pdf":
			return strings.Replace(path, "{id}", "999999", 1)
		}
		return ""
	})
}

// reportYears are this year by the test clock, and a replacer of {Y}
// (this year) and {Y1}…{Y4} (1 to 4 years before): the demo publishes
// mzzj's report on last year, the tests publish this year's and import
// earlier ones.
//
// The demo's imported history of mzzj is removed first, so that only the
// report on last year is there when a test starts.
func reportYears(e *apptest.Env) (int, *strings.Replacer) {
	if _, err := e.App.DB.W.Exec(`DELETE FROM annual_reports WHERE imported AND agency_id = (SELECT id FROM agencies WHERE slug = 'mzzj')`); err != nil {
		e.T.Fatal(err)
	}
	y := civil.Of(e.Clock.Now()).Year
	return y, strings.NewReplacer("{Y}", strconv.Itoa(y), "{Y1}", strconv.Itoa(y-1), "{Y2}", strconv.Itoa(y-2), "{Y3}", strconv.Itoa(y-3), "{Y4}", strconv.Itoa(y-4))
}

// reportStaff is an agency administrator of mzzj (may build, publish and
// correct reports) as a principal and an account.
func reportStaff(t *testing.T, e *apptest.Env, name string) (*auth.Principal, *auth.User) {
	t.Helper()
	u := e.AddUser("mzzj", name, auth.AgencyAdmin)
	return &auth.Principal{UserID: u.ID, Username: u.Username, DisplayName: "年报测试", AgencyID: u.AgencyID, Roles: auth.Roles{auth.AgencyAdmin},
		State: auth.StateActive}, u
}

// publishReport builds mzzj's report on a year from the demo records,
// writes its sections and publishes it.
func publishReport(t *testing.T, e *apptest.Env, p *auth.Principal, year int, overview string) *annualreport.Report {
	t.Helper()
	ctx := context.Background()
	svc := e.App.AnnualReports
	r, err := svc.Open(ctx, p, year)
	if err != nil {
		t.Fatal(err)
	}
	for sec, text := range map[string]string{
		annualreport.SectionOverview: overview,
		annualreport.SectionProblems: "一是主动公开的及时性有待提高。\n二是政策解读形式较为单一。下一步将加强培训。",
		annualreport.SectionOther:    "本机关未收取信息处理费。\n本年度政务公开工作要点落实情况良好。",
	} {
		if err := svc.SaveSection(ctx, p, r.ID, r.RowVersion, sec, text); err != nil {
			t.Fatal(err)
		}
		r, _ = svc.Report(ctx, p, r.ID)
	}
	if probs := r.Check(); len(probs) > 0 {
		t.Fatalf("the demo's %d report fails its identities: %v", year, probs)
	}
	if err := svc.Publish(ctx, p, r.ID, r.RowVersion); err != nil {
		t.Fatal(err)
	}
	r, err = svc.Report(ctx, p, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func reportCount(t *testing.T, e *apptest.Env) int {
	t.Helper()
	var n int
	if err := e.App.DB.R.QueryRow(`SELECT COUNT(*) FROM annual_reports WHERE agency_id = $1`, e.Agency("mzzj").ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// inOrder reports whether every string appears in body after the one
// before it.
func inOrder(body string, list ...string) (string, bool) {
	at := 0
	for _, s := range list {
		i := strings.Index(body[at:], s)
		if i < 0 {
			return s, false
		}
		at += i + len(s)
	}
	return "", true
}

func checkPDF(t *testing.T, e *apptest.Env, r *apptest.Response, wants ...string) {
	t.Helper()
	if !(&pdf.Renderer{Chromium: e.Config.Chromium}).Available() {
		if os.Getenv(browsertest.EnvRequire) == "1" {
			t.Fatal("Chromium is required but not found")
		}
		if r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.Body, "PDF 打印组件") {
			t.Errorf("PDF without Chromium: %d %s", r.StatusCode, r.Body)
		}
		return
	}
	if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.Body, "%PDF-") {
		t.Fatalf("PDF: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	text, err := extract.Text(context.Background(), "application/pdf", strings.NewReader(r.Body), int64(len(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range wants {
		if !strings.Contains(strings.Join(strings.Fields(text), ""), w) {
			t.Errorf("the PDF's text lacks %q:\n%.2000s", w, text)
		}
	}
}

func openXLSXBody(t *testing.T, r *apptest.Response) *excelize.File {
	t.Helper()
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("XLSX: %d %s %.300s", r.StatusCode, r.Header.Get("Content-Type"), r.Body)
	}
	f, err := excelize.OpenReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

var tableThreeRowPattern = regexp.MustCompile(`(?s)<table class="report-table report-three">.*?<tbody>(.*?)</tbody>`)

// TestAnnualReportPortal: a published report on the portal with its six
// sections in order, the narrative escaped, table three's 25 rows; the
// list with the year-on-year chart; an unpublished year is 404; the XLSX
// and PDF downloads; a correction shows its note and the earlier
// version's downloads; the 政府信息公开年报 column and the sitemap link
// the report; staff download drafts (PDF marked 草稿), others cannot.
func TestAnnualReportPortal(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		y, ys := reportYears(e)
		p, _ := reportStaff(t, e, "ar.admin")
		overview := ys.Replace("{Y}年，本局扎实推进政府信息公开工作。\n（一）主动公开\n全年主动公开政府信息若干条。<script>alert('x')</script>")
		rep := publishReport(t, e, p, y, overview)
		c := e.Client()

		page := c.Get(ys.Replace("/o/mzzj/annual-reports/{Y}"))
		if page.StatusCode != http.StatusOK {
			t.Fatalf("report page: %d %s", page.StatusCode, page.Body)
		}
		if miss, ok := inOrder(page.Body, rep.Title(), "一、总体情况", "扎实推进政府信息公开工作", "二、主动公开政府信息情况", "第二十条第（一）项",
			"三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "主动公开的及时性",
			"六、其他需要报告的事项", "本机关未收取信息处理费"); !ok {
			t.Errorf("report page lacks %q in its order", miss)
		}
		if strings.Contains(page.Body, "<script>alert") || !strings.Contains(page.Body, "&lt;script&gt;alert") {
			t.Error("the narrative is not escaped")
		}
		if !strings.Contains(page.Body, "<p>（一）主动公开</p>") {
			t.Error("the narrative's lines are not paragraphs")
		}
		m := tableThreeRowPattern.FindStringSubmatch(page.Body)
		if m == nil {
			t.Fatal("no table three on the page")
		}
		if n := strings.Count(m[1], "<tr>"); n != 25 {
			t.Errorf("table three has %d rows, want 25", n)
		}
		var labels []string
		for _, row := range annualreport.TableThreeRows {
			labels = append(labels, ">"+row.Label()+"<")
		}
		if miss, ok := inOrder(m[1], labels...); !ok {
			t.Errorf("table three lacks the row %q in its order", miss)
		}
		if want := fmt.Sprintf(`<td class="num">%d</td>`, rep.Cells[annualreport.T3("new_received", "total")]); !strings.Contains(m[1], want) {
			t.Errorf("table three lacks the total of new applications %s", want)
		}
		if !strings.Contains(page.Body, ys.Replace("/o/mzzj/annual-reports/{Y}/report.xlsx")) {
			t.Error("no XLSX link")
		}

		list := c.Get("/o/mzzj/annual-reports")
		if list.StatusCode != http.StatusOK {
			t.Fatalf("list: %d", list.StatusCode)
		}
		for _, want := range []string{rep.Title(), ys.Replace(`href="/o/mzzj/annual-reports/{Y}"`), `role="img"`, "历年主要数据对比", ys.Replace("{Y}年"),
			fmt.Sprintf(`<td class="num">%d</td>`, rep.Cells[annualreport.T3("total_processed", "total")])} {
			if !strings.Contains(list.Body, want) {
				t.Errorf("list lacks %q", want)
			}
		}
		if strings.Contains(list.Body, "已更正") {
			t.Error("an uncorrected report is marked corrected")
		}

		for _, path := range []string{ys.Replace("/o/mzzj/annual-reports/{Y2}"), "/o/mzzj/annual-reports/abc", ys.Replace("/o/mzzj/annual-reports/{Y2}/report.xlsx"),
			ys.Replace("/o/mzzj/annual-reports/{Y2}/report.pdf"), ys.Replace("/o/mzzj/annual-reports/{Y}/report.xlsx?version=7"), ys.Replace("/o/nosuch/annual-reports/{Y}")} {
			if r := c.Get(path); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", path, r.StatusCode)
			}
		}
		if r := c.Get(ys.Replace("/o/mzzj/annual-reports/{Y2}")); !strings.Contains(r.Body, ys.Replace("尚未发布 {Y2} 年度")) {
			t.Errorf("404 page: %s", r.Body)
		}

		f := openXLSXBody(t, c.Get(ys.Replace("/o/mzzj/annual-reports/{Y}/report.xlsx")))
		if v, _ := f.GetCellValue(annualreport.SheetThree, "J6"); v != strconv.FormatInt(rep.Cells[annualreport.T3("new_received", "total")], 10) {
			t.Errorf("XLSX J6 = %q, want %d", v, rep.Cells[annualreport.T3("new_received", "total")])
		}
		if merged, _ := f.GetMergeCells(annualreport.SheetThree); len(merged) < 10 {
			t.Errorf("XLSX table three has %d merged ranges", len(merged))
		}
		checkPDF(t, e, c.Get(ys.Replace("/o/mzzj/annual-reports/{Y}/report.pdf")), "一、总体情况", "三、收到和处理政府信息公开申请情况", "本年度办理结果", "六、其他需要报告的事项")

		// The catalogue's 政府信息公开年报 column and the sitemap.
		col := c.Get("/o/mzzj/gk/annual-report")
		if col.StatusCode != http.StatusOK || !strings.Contains(col.Body, ys.Replace(`href="/o/mzzj/annual-reports/{Y}"`)) || !strings.Contains(col.Body, `href="/o/mzzj/annual-reports"`) {
			t.Errorf("the annual-report column does not list the report: %d", col.StatusCode)
		}
		if other := c.Get("/o/mzzj/gk/zcwj"); strings.Contains(other.Body, ys.Replace("/o/mzzj/annual-reports/{Y}")) {
			t.Error("another column lists the report")
		}
		if sm := c.Get("/sitemap.xml"); !strings.Contains(sm.Body, ys.Replace("/o/mzzj/annual-reports/{Y}</loc>")) {
			t.Error("the sitemap lacks the report")
		}

		// A correction: the new version is published with its note; the
		// page says so and offers the first version's files.
		svc := e.App.AnnualReports
		v2, err := svc.Correct(ctx, p, rep.ID, "更正表二行政许可处理决定数量")
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.SetCell(ctx, p, v2.ID, v2.RowVersion, annualreport.CellInput{Code: annualreport.T2("licensing", "decisions"), Value: "12", Note: "审批系统统计"}); err != nil {
			t.Fatal(err)
		}
		v2, _ = svc.Report(ctx, p, v2.ID)
		// Staff download the draft; its PDF is marked 草稿.
		staff := liaisonClient(e, p.UserID)
		draftX := openXLSXBody(t, staff.Get(fmt.Sprintf("/console/annual-reports/%d/report.xlsx", v2.ID)))
		// (The correction's note row moves the tables down one row.)
		if v, _ := draftX.GetCellValue(annualreport.SheetTwo, "B11"); v != "12" {
			t.Errorf("draft XLSX licensing = %q", v)
		}
		checkPDF(t, e, staff.Get(fmt.Sprintf("/console/annual-reports/%d/report.pdf", v2.ID)), "草稿", "更正表二行政许可处理决定数量")
		if err := svc.Publish(ctx, p, v2.ID, v2.RowVersion); err != nil {
			t.Fatal(err)
		}
		page = c.Get(ys.Replace("/o/mzzj/annual-reports/{Y}"))
		for _, want := range []string{"更正说明", "更正表二行政许可处理决定数量", "第 2 版", ys.Replace("/o/mzzj/annual-reports/{Y}/report.xlsx?version=1")} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("corrected page lacks %q", want)
			}
		}
		if l := c.Get("/o/mzzj/annual-reports"); !strings.Contains(l.Body, "已更正") {
			t.Error("the list does not mark the corrected report")
		}
		first := openXLSXBody(t, c.Get(ys.Replace("/o/mzzj/annual-reports/{Y}/report.xlsx?version=1")))
		if v, _ := first.GetCellValue(annualreport.SheetTwo, "B10"); v != "0" {
			t.Errorf("first version's licensing = %q, want 0", v)
		}
		current := openXLSXBody(t, c.Get(ys.Replace("/o/mzzj/annual-reports/{Y}/report.xlsx")))
		if v, _ := current.GetCellValue(annualreport.SheetThree, "A2"); !strings.Contains(v, "更正说明：更正表二行政许可处理决定数量") {
			t.Errorf("corrected XLSX note: %q", v)
		}

		// Another agency's staff and a role without the permission.
		outsider := e.AddUser("pudong-mzb", "ar.outsider", auth.AgencyAdmin)
		if r := liaisonClient(e, outsider.ID).Get(fmt.Sprintf("/console/annual-reports/%d/report.xlsx", v2.ID)); r.StatusCode != http.StatusNotFound {
			t.Errorf("another agency's download: %d", r.StatusCode)
		}
		reviewer := e.AddUser("mzzj", "ar.reviewer", auth.Reviewer)
		rc := liaisonClient(e, reviewer.ID)
		for _, path := range []string{fmt.Sprintf("/console/annual-reports/%d/report.xlsx", v2.ID), fmt.Sprintf("/console/annual-reports/%d/report.pdf", v2.ID), "/console/annual-reports/import"} {
			if r := rc.Get(path); r.StatusCode != http.StatusForbidden {
				t.Errorf("reviewer %s: %d, want 403", path, r.StatusCode)
			}
		}
	})
}

// uploadReport posts the import form as a browser would.
func uploadReport(c *apptest.Client, year, format, name string, content []byte) *apptest.Response {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("year", year)
	w.WriteField("format", format)
	if name != "" || content != nil {
		part, _ := w.CreateFormFile("file", name)
		part.Write(content)
	}
	w.Close()
	req := c.Request(http.MethodPost, "/console/annual-reports/import", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.Do(req)
}

// editXLSX changes a workbook.
func editXLSX(t *testing.T, b []byte, fn func(f *excelize.File)) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fn(f)
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

var importedLocation = regexp.MustCompile(`^/console/annual-reports/([0-9]+)\?flash=imported$`)

// TestAnnualReportImportHTTP: a historical report imported through the
// console appears on the portal (tables only) and in the year-on-year
// comparison; every malformed upload is refused beside its field with
// nothing saved; a role without the permission is refused.
func TestAnnualReportImportHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		y, ys := reportYears(e)
		p, u := reportStaff(t, e, "ar.importer")
		rep := publishReport(t, e, p, y, ys.Replace("{Y}年总体情况。"))
		var good bytes.Buffer
		if err := annualreport.WriteXLSX(&good, rep); err != nil {
			t.Fatal(err)
		}
		c := liaisonClient(e, u.ID)
		form := c.Get("/console/annual-reports/import")
		if form.StatusCode != http.StatusOK || !strings.Contains(form.Body, `<label for="f-file">`) || !strings.Contains(form.Body, "2019年试行格式") ||
			!strings.Contains(form.Body, ys.Replace("{Y1} 年度（已有报告）")) || !strings.Contains(form.Body, ys.Replace(`<option value="{Y2}" selected>{Y2} 年度</option>`)) {
			t.Fatalf("import form: %d\n%s", form.StatusCode, form.Body)
		}
		before := reportCount(t, e)
		r := uploadReport(c, ys.Replace("{Y3}"), "2021", ys.Replace("{Y3}年度报告.xlsx"), good.Bytes())
		m := importedLocation.FindStringSubmatch(r.Header.Get("Location"))
		if r.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("good import: %d %q\n%.2000s", r.StatusCode, r.Header.Get("Location"), r.Body)
		}
		if n := reportCount(t, e); n != before+1 {
			t.Errorf("%d reports after the import, want %d", n, before+1)
		}
		before++
		other := excelize.NewFile()
		other.SetCellValue("Sheet1", "A1", "名称")
		var wrong bytes.Buffer
		other.Write(&wrong)
		other.Close()
		big := append(append([]byte{}, good.Bytes()...), bytes.Repeat([]byte{0}, annualreport.MaxImportBytes)...)
		cases := []struct {
			name, year, format, file string
			content                  []byte
			status                   int
			field, message           string
		}{
			{"no file", ys.Replace("{Y4}"), "2021", "", nil, 422, "file", "请选择要导入的 XLSX 文件"},
			{"empty file", ys.Replace("{Y4}"), "2021", "a.xlsx", []byte{}, 422, "file", "上传的文件是空的"},
			{"not xlsx", ys.Replace("{Y4}"), "2021", "a.xlsx", []byte("<html>not a workbook</html>"), 422, "file", "不是 XLSX 文件"},
			{"pdf name", ys.Replace("{Y4}"), "2021", "a.pdf", good.Bytes(), 422, "file", "请上传 XLSX 文件"},
			{"path trick", ys.Replace("{Y4}"), "2021", "../../etc/cron.d/x.xlsx", good.Bytes(), 422, "file", "不能包含路径"},
			{"oversized", ys.Replace("{Y4}"), "2021", "big.xlsx", big, 413, "file", "文件超过 5 MB"},
			{"wrong layout", ys.Replace("{Y4}"), "2021", "a.xlsx", wrong.Bytes(), 422, "file", "找不到“三、收到和处理政府信息公开申请情况”的表格"},
			{"missing rows", ys.Replace("{Y4}"), "2021", "a.xlsx", editXLSX(t, good.Bytes(), func(f *excelize.File) {
				f.SetCellValue(annualreport.SheetThree, "C27", "")
			}), 422, "file", "表三缺少“2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请”行"},
			{"negative", ys.Replace("{Y4}"), "2021", "a.xlsx", editXLSX(t, good.Bytes(), func(f *excelize.File) {
				f.SetCellValue(annualreport.SheetFour, "A6", -1)
			}), 422, "file", "表四·行政复议·结果维持（工作表“四、复议诉讼”A6）：不能为负数"},
			{"text", ys.Replace("{Y4}"), "2021", "a.xlsx", editXLSX(t, good.Bytes(), func(f *excelize.File) {
				f.SetCellValue(annualreport.SheetThree, "D6", "若干'; DROP TABLE annual_reports; --")
			}), 422, "file", "不是数字"},
			{"identity", ys.Replace("{Y4}"), "2021", "a.xlsx", editXLSX(t, good.Bytes(), func(f *excelize.File) {
				f.SetCellValue(annualreport.SheetFour, "E6", 99)
			}), 422, "file", "表四行政复议：结果维持、结果纠正、其他结果、尚未审结之和"},
			{"xss name", ys.Replace("{Y4}"), "2021", "<img src=x onerror=alert(1)>.xlsx", []byte("x"), 422, "file", "不是 XLSX 文件"},
			{"year taken", ys.Replace("{Y3}"), "2021", "a.xlsx", good.Bytes(), 422, "year", ys.Replace("{Y3} 年度已有年度报告")},
			{"bad year", "abc", "2021", "a.xlsx", good.Bytes(), 422, "year", "请选择报告年度"},
			{"format of year", "2020", "2021", "a.xlsx", good.Bytes(), 422, "format", "2020 年度的报告应采用2019年试行格式"},
		}
		for _, k := range cases {
			r := uploadReport(c, k.year, k.format, k.file, k.content)
			if r.StatusCode != k.status {
				t.Errorf("%s: status %d, want %d", k.name, r.StatusCode, k.status)
				continue
			}
			errID := "f-" + k.field + "-error"
			if !strings.Contains(r.Body, `id="`+errID+`"`) || !strings.Contains(r.Body, `aria-describedby="`+errID) {
				t.Errorf("%s: no error beside the %s field", k.name, k.field)
			}
			if !strings.Contains(r.Body, k.message) {
				t.Errorf("%s: the page lacks %q", k.name, k.message)
			}
			if strings.Contains(r.Body, "<img src=x") {
				t.Errorf("%s: unescaped file name", k.name)
			}
			if n := reportCount(t, e); n != before {
				t.Fatalf("%s: %d reports, want %d: a refused import saved something", k.name, n, before)
			}
		}

		pub := e.Client()
		page := pub.Get(ys.Replace("/o/mzzj/annual-reports/{Y3}"))
		if page.StatusCode != http.StatusOK || strings.Count(page.Body, annualreport.ImportedNote) != 3 {
			t.Errorf("imported report page: %d, %d notes", page.StatusCode, strings.Count(page.Body, annualreport.ImportedNote))
		}
		if !strings.Contains(page.Body, fmt.Sprintf(`<td class="num">%d</td>`, rep.Cells[annualreport.T3("new_received", "total")])) {
			t.Error("the imported report lacks its numbers")
		}
		list := pub.Get("/o/mzzj/annual-reports")
		if miss, ok := inOrder(list.Body, ys.Replace("{Y}年政府信息公开工作年度报告"), ys.Replace("{Y3}年政府信息公开工作年度报告"), "历年主要数据对比", ys.Replace("{Y3}年"), ys.Replace("{Y}年")); !ok {
			t.Errorf("list lacks %q in its order", miss)
		}
		if !strings.Contains(list.Body, ys.Replace("{Y3}年<span class=\"muted\">（导入）</span></th>")) {
			t.Error("the comparison does not mark the imported year")
		}

		// Without the permission.
		reviewer := e.AddUser("mzzj", "ar.imp.reviewer", auth.Reviewer)
		if r := uploadReport(liaisonClient(e, reviewer.ID), ys.Replace("{Y4}"), "2021", "a.xlsx", good.Bytes()); r.StatusCode != http.StatusForbidden {
			t.Errorf("reviewer import: %d", r.StatusCode)
		}
		if n := reportCount(t, e); n != before {
			t.Errorf("%d reports after a forbidden import", n)
		}
	})
}

// TestBrowserAnnualReportPortal: the published report and the list with
// its chart pass the accessibility rules at 1280 and 375 px.
func TestBrowserAnnualReportPortal(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	y, ys := reportYears(e)
	p, u := reportStaff(t, e, "bt.ar.admin")
	publishReport(t, e, p, y, ys.Replace("{Y}年，本局扎实推进政府信息公开工作。\n（一）主动公开\n全年主动公开政府信息。"))
	ctx := browsertest.New(t)
	open := func(path string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	open(ys.Replace("/o/mzzj/annual-reports/{Y}"))
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "三、本年度办理结果") || !strings.Contains(got, "六、其他需要报告的事项") {
		t.Fatalf("report page: %.500s", got)
	}
	browserCheck(t, ctx, "annual report", "portal-annual-report")
	open("/o/mzzj/annual-reports")
	browserCheck(t, ctx, "annual reports list", "portal-annual-reports")
	// The import form, after a refused upload (errors beside the fields).
	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(u.ID), "/console")
	open("/console/annual-reports/import")
	// The form proposes the latest year without a report.
	want := ""
	for y := e.App.AnnualReports.Today().Year - 1; y >= annualreport.FirstYear; y-- {
		var n int
		e.App.DB.R.QueryRow(`SELECT COUNT(*) FROM annual_reports r JOIN agencies a ON a.id = r.agency_id WHERE a.slug = 'mzzj' AND r.year = $1`, y).Scan(&n)
		if n == 0 {
			want = strconv.Itoa(y)
			break
		}
	}
	if proposed, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-year"))); err != nil || proposed != want {
		t.Errorf("the form proposes %q (%v), want %q, the latest year without a report", proposed, err, want)
	}
	browsertest.Run(t, ctx, chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{writeTemp(t, "bad.xlsx", []byte("not a workbook"))}))
	browsertest.ClickAndWait(t, ctx, `form[action="/console/annual-reports/import"] button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "不是 XLSX 文件") {
		t.Fatalf("import refused: %.500s", got)
	}
	browserCheck(t, ctx, "annual report import", "console-annual-report-import")
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := t.TempDir() + "/" + name
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
