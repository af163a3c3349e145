package app_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/annualreport"
	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/app/browsertest"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/application"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

func init() {
	const (
		managers   = "agency_admin editor approver" // auth.ManageAnnualReport
		publishers = "agency_admin approver"        // auth.PublishAnnualReport
		overseers  = "platform_admin agency_admin"  // auth.OverseeAnnualReports
	)
	b := "/console/annual-reports"
	matrixParts = append(matrixParts, map[string]string{
		"GET " + b:                               managers,
		"GET " + b + "/new":                      managers,
		"GET " + b + "/{id}":                     managers,
		"POST " + b + "/{id}/sections/{section}": managers,
		"POST " + b + "/{id}/manual":             managers,
		"GET " + b + "/{id}/cells":               managers,
		"GET " + b + "/{id}/cells/{code}":        managers,
		"POST " + b + "/{id}/cells/{code}":       managers,
		"POST " + b + "/{id}/refresh":            managers,
		"POST " + b + "/{id}/publish":            publishers,
		"POST " + b + "/{id}/correct":            publishers,
		"GET " + b + "/status":                   overseers,
		"GET " + b + "/aggregate":                overseers,
		"GET " + b + "/aggregate.csv":            overseers,
	})
	// The workspace routes are walked on a draft of the city bureau (the
	// matrix posts no row version: every change is refused as stale).
	pathFillers = append(pathFillers, func(e *apptest.Env, path string) string {
		if !strings.HasPrefix(path, b+"/{id}") || strings.HasSuffix(path, "/report.xlsx") || strings.HasSuffix(path, "/report.pdf") {
			return ""
		}
		return strings.NewReplacer("{id}", fmt.Sprint(arcMatrixReport(e)), "{section}", "overview", "{code}", "t3.granted.natural").Replace(path)
	})
}

var arcMatrixReports sync.Map // *apptest.Env → report ID

// arcMatrixReport opens (once per application) the city bureau's report on
// last year.
func arcMatrixReport(e *apptest.Env) int64 {
	if id, ok := arcMatrixReports.Load(e); ok {
		return id.(int64)
	}
	svc := e.App.AnnualReports
	r, err := svc.Open(context.Background(), arcDemoPrincipal(e, "mzzj.admin"), svc.Today().Year-1)
	if err != nil {
		e.T.Fatal(err, apperr.FieldsOf(err))
	}
	arcMatrixReports.Store(e, r.ID)
	return r.ID
}

// arcDemoPrincipal is a demo account as the services see it.
func arcDemoPrincipal(e *apptest.Env, username string) *auth.Principal {
	u, err := e.App.Auth.UserByUsername(context.Background(), username)
	if err != nil {
		e.T.Fatal(err)
	}
	return arcPrincipal(u)
}

func arcPrincipal(u *auth.User) *auth.Principal {
	return &auth.Principal{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, AgencyID: u.AgencyID, DivisionID: u.DivisionID,
		Roles: u.Roles, State: auth.StateActive, IP: "127.0.0.1"}
}

// arcClient is a console client with a session of the account.
func arcClient(e *apptest.Env, u *auth.User) *apptest.Client {
	c := e.Client()
	base, _ := url.Parse(e.URL + "/")
	c.HTTP.Jar.SetCookies(base, []*http.Cookie{{Name: "gk_session", Value: e.SessionFor(u.ID), Path: "/"}})
	return c
}

// arcAgency creates an agency of the test's own (no demo records).
func arcAgency(t *testing.T, e *apptest.Env, slug, name string, kind agency.Kind, parent int64) *agency.Agency {
	t.Helper()
	a, err := e.App.Agencies.Create(context.Background(), auth.Operator("test"), agency.NewAgency{Slug: slug, Kind: kind, Name: name, ParentID: parent},
		agency.Settings{DisclosureOffice: name + "办公室"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// arcAt sets the application's clock to 10:00 Shanghai time on day.
func arcAt(e *apptest.Env, day string) civil.Date {
	d := civil.MustParse(day)
	e.Clock.Advance(time.Date(d.Year, d.Month, d.Day, 10, 0, 0, 0, civil.Shanghai).Sub(e.Clock.Now()))
	return d
}

// ------------------------------------------------------------ table three

// arcStep is a workflow step of a planted application on a day.
type arcStep struct {
	day string
	cmd application.Command
}

// arcPlant is a planted application: who applied, how and when it
// arrived, and what was done with it.
type arcPlant struct {
	name     string
	typ      application.ApplicantType
	channel  application.Channel
	received string
	steps    []arcStep
}

func arcReply(day string, out application.Outcome) arcStep {
	return arcStep{day, application.Command{Action: application.ActReply, Outcome: out, Text: "所需信息见附件。",
		Withheld: "涉及第三方合法权益的内容不予公开（第十五条）。", Organ: "上海市档案局，电话 021-12345678。"}}
}

func arcDo(day string, a application.Action) arcStep {
	c := application.Command{Action: a}
	switch a {
	case application.ActRequestCorrection:
		c.Items = "请写明所需信息的年度和所涉宗教活动场所的名称。"
	case application.ActAskReasons:
		c.Items = "请说明短期内申请大量政府信息的理由。"
	case application.ActFeeNotice:
		c.FeeMethod, c.Quantity, c.Note = application.PerVolume, 45, "申请的信息数量明显超过合理范围（第四十二条）。"
	case application.ActWithdraw:
		c.Note = "申请人于当日书面撤回申请。"
	}
	return arcStep{day, c}
}

// arcPlants cover every outcome row and every applicant column of table
// three for 2025: applications of 2024 closed in 2024 (not counted),
// carried over and closed in 2025, carried over and still open at the end
// of 2025; one arrived by ordinary mail on 30 December 2024 and confirmed
// on 2 January 2025 (received in 2025, Art. 31); applications of 2025
// with every result; some still open at the end of 2025 (carried
// forward); one of 2026 (not counted).
var arcPlants = []arcPlant{
	{"A1 closed in 2024", application.NaturalPerson, "", "2024-12-02", []arcStep{arcReply("2024-12-20", application.OutDisclose)}},
	{"A2 carried over, granted", application.NaturalPerson, "", "2024-12-10", []arcStep{arcReply("2025-01-08", application.OutAlreadyPublic)}},
	{"A3 carried over, partial", application.Business, "", "2024-12-16", []arcStep{arcReply("2025-01-10", application.OutPartial)}},
	{"A4 carried over and forward", application.Research, "", "2024-12-20", []arcStep{arcReply("2026-01-06", application.OutDisclose)}},
	{"A5 ordinary mail confirmed in 2025", application.LegalService, application.OrdinaryMail, "2024-12-30",
		[]arcStep{arcDo("2025-01-02", application.ActRegister), arcReply("2025-01-20", application.OutNotOurs)}},
	{"B1 granted", application.NaturalPerson, "", "2025-02-10", []arcStep{arcReply("2025-02-20", application.OutDisclose)}},
	{"B2 granted", application.NaturalPerson, "", "2025-02-11", []arcStep{arcReply("2025-02-21", application.OutDisclose)}},
	{"B3 partial", application.PublicInterest, "", "2025-02-12", []arcStep{arcReply("2025-02-24", application.OutPartial)}},
	{"B4 state secret", application.OtherOrg, "", "2025-03-03", []arcStep{arcReply("2025-03-14", application.OutStateSecret)}},
	{"B5 law forbids", application.NaturalPerson, "", "2025-03-04", []arcStep{arcReply("2025-03-14", application.OutLawForbids)}},
	{"B6 security", application.Business, "", "2025-03-05", []arcStep{arcReply("2025-03-17", application.OutSecurity)}},
	{"B7 third party", application.Research, "", "2025-03-06", []arcStep{arcReply("2025-03-18", application.OutThirdParty)}},
	{"B8 internal affairs", application.PublicInterest, "", "2025-03-07", []arcStep{arcReply("2025-03-19", application.OutInternalAffairs)}},
	{"B9 process information", application.LegalService, "", "2025-03-10", []arcStep{arcReply("2025-03-20", application.OutProcessInfo)}},
	{"B10 enforcement file", application.OtherOrg, "", "2025-03-11", []arcStep{arcReply("2025-03-21", application.OutEnforcementFile)}},
	{"B11 administrative query", application.NaturalPerson, "", "2025-03-12", []arcStep{arcReply("2025-03-24", application.OutSpecialLaw)}},
	{"B12 not held", application.Business, "", "2025-03-13", []arcStep{arcReply("2025-03-25", application.OutNotExist)}},
	{"B13 needs creation", application.Research, "", "2025-03-14", []arcStep{arcReply("2025-03-26", application.OutNeedsCreation)}},
	{"B14 still unclear", application.PublicInterest, "", "2025-04-01", []arcStep{arcDo("2025-04-03", application.ActRequestCorrection),
		arcDo("2025-04-10", application.ActCorrected), arcReply("2025-04-25", application.OutStillUnclear)}},
	{"B15 petition", application.LegalService, "", "2025-04-07", []arcStep{arcReply("2025-04-15", application.OutPetition)}},
	{"B16 repeat", application.OtherOrg, "", "2025-04-08", []arcStep{arcReply("2025-04-16", application.OutRepeat)}},
	{"B17 publication", application.NaturalPerson, "", "2025-04-09", []arcStep{arcReply("2025-04-17", application.OutPublication)}},
	{"B18 excessive", application.Business, "", "2025-05-06", []arcStep{arcDo("2025-05-08", application.ActAskReasons),
		arcReply("2025-05-20", application.OutExcessive)}},
	{"B19 confirm or reissue", application.Research, "", "2025-05-07", []arcStep{arcReply("2025-05-21", application.OutConfirmReissue)}},
	{"B20 no correction", application.PublicInterest, "", "2025-06-03", []arcStep{arcDo("2025-06-04", application.ActRequestCorrection),
		arcDo("2025-07-15", application.ActAbandon)}},
	{"B21 fee unpaid", application.LegalService, "", "2025-06-10", []arcStep{arcDo("2025-06-12", application.ActFeeNotice),
		arcDo("2025-08-01", application.ActAbandon)}},
	{"B22 withdrawn", application.OtherOrg, "", "2025-07-01", []arcStep{arcDo("2025-07-03", application.ActWithdraw)}},
	{"B23 other", application.NaturalPerson, "", "2025-07-02", []arcStep{arcReply("2025-07-10", application.OutOther)}},
	{"C1 open at the end of the year", application.NaturalPerson, "", "2025-12-22", nil},
	{"C2 replied in 2026", application.OtherOrg, "", "2025-12-29", []arcStep{arcReply("2026-01-05", application.OutDisclose)}},
	{"C3 awaiting correction at the end of the year", application.Business, "", "2025-11-20",
		[]arcStep{arcDo("2025-11-25", application.ActRequestCorrection)}},
	{"D1 received in 2026", application.NaturalPerson, "", "2026-01-05", nil},
}

// arcTableThree is table three for 2025 of the planted applications,
// counted by hand; columns 自然人, 商业企业, 科研机构, 社会公益组织,
// 法律服务机构, 其他, 总计.
var arcTableThree = map[string][7]int64{
	"new_received":                  {7, 4, 3, 4, 4, 5, 27}, // B1 B2 B5 B11 B17 B23 C1 | B6 B12 B18 C3 | B7 B13 B19 | B3 B8 B14 B20 | A5 B9 B15 B21 | B4 B10 B16 B22 C2
	"carried_over":                  {1, 1, 1, 0, 0, 0, 3},  // A2 | A3 | A4
	"granted":                       {3, 0, 0, 0, 0, 0, 3},  // A2 B1 B2
	"partial":                       {0, 1, 0, 1, 0, 0, 2},  // A3 | B3
	"denied.state_secret":           {0, 0, 0, 0, 0, 1, 1},  // B4
	"denied.law_forbidden":          {1, 0, 0, 0, 0, 0, 1},  // B5
	"denied.security_stability":     {0, 1, 0, 0, 0, 0, 1},  // B6
	"denied.third_party":            {0, 0, 1, 0, 0, 0, 1},  // B7
	"denied.internal_affairs":       {0, 0, 0, 1, 0, 0, 1},  // B8
	"denied.process_info":           {0, 0, 0, 0, 1, 0, 1},  // B9
	"denied.enforcement_file":       {0, 0, 0, 0, 0, 1, 1},  // B10
	"denied.admin_query":            {1, 0, 0, 0, 0, 0, 1},  // B11
	"unable.not_held":               {0, 1, 0, 0, 1, 0, 2},  // B12 | A5
	"unable.needs_creation":         {0, 0, 1, 0, 0, 0, 1},  // B13
	"unable.still_unclear":          {0, 0, 0, 1, 0, 0, 1},  // B14
	"not_processed.petition":        {0, 0, 0, 0, 1, 0, 1},  // B15
	"not_processed.repeat":          {0, 0, 0, 0, 0, 1, 1},  // B16
	"not_processed.publication":     {1, 0, 0, 0, 0, 0, 1},  // B17
	"not_processed.excessive":       {0, 1, 0, 0, 0, 0, 1},  // B18
	"not_processed.confirm_reissue": {0, 0, 1, 0, 0, 0, 1},  // B19
	"other.no_correction":           {0, 0, 0, 1, 0, 0, 1},  // B20
	"other.fee_unpaid":              {0, 0, 0, 0, 1, 0, 1},  // B21
	"other.other":                   {1, 0, 0, 0, 0, 1, 2},  // B23 | B22 (withdrawn)
	"total_processed":               {7, 4, 3, 4, 4, 4, 26},
	"carried_forward":               {1, 1, 1, 0, 0, 1, 4}, // C1 | C3 | A4 | C2
}

func arcApplicant(typ application.ApplicantType) application.Applicant {
	if typ == application.NaturalPerson {
		return application.Applicant{Type: typ, Name: "张三", IDType: application.IDCard, IDNumber: "11010519491231002X", Phone: "13812345678",
			Email: "zhangsan@example.com", Address: "上海市黄浦区人民大道200号"}
	}
	return application.Applicant{Type: typ, Name: "上海某某" + typ.Label(), IDType: application.CreditCode, IDNumber: "91350100M000100Y43",
		Contact: "李四", Phone: "021-12345678", Email: "office@example.com"}
}

// arcPlantAll files and handles the planted applications of an agency,
// each on its own days; the clock ends on 7 January 2026.
func arcPlantAll(t *testing.T, e *apptest.Env, agencyID int64, p *auth.Principal) {
	t.Helper()
	ctx := context.Background()
	svc := e.App.Applications
	for _, pl := range arcPlants {
		ch := pl.channel
		if ch == "" {
			ch = application.InPerson
		}
		arcAt(e, pl.received)
		r, err := svc.Record(ctx, p, application.Submission{AgencyID: agencyID, Applicant: arcApplicant(pl.typ), Channel: ch,
			ReceivedOn: civil.MustParse(pl.received), Request: application.Request{Title: "宗教活动场所年检结果（" + pl.name + "）",
				Form: application.Electronic, Delivery: application.ByEmail}})
		if err != nil {
			t.Fatalf("%s: record: %v %v", pl.name, err, apperr.FieldsOf(err))
		}
		for _, st := range pl.steps {
			st.cmd.On = arcAt(e, st.day)
			if _, err := svc.Do(ctx, p, r.App.ID, st.cmd); err != nil {
				t.Fatalf("%s: %s on %s: %v %v", pl.name, st.cmd.Action, st.day, err, apperr.FieldsOf(err))
			}
		}
	}
	arcAt(e, "2026-01-07")
}

var (
	arcThreeTable = regexp.MustCompile(`(?s)<table class="report-table report-three">.*?<tbody>(.*?)</tbody>`)
	arcRow        = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	arcNumber     = regexp.MustCompile(`<td class="num[^"]*"[^>]*>([0-9.]+)`)
)

// arcPageThree reads table three from a page, row by row.
func arcPageThree(t *testing.T, body string) [][]string {
	t.Helper()
	m := arcThreeTable.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no table three on the page")
	}
	var out [][]string
	for _, row := range arcRow.FindAllStringSubmatch(m[1], -1) {
		var nums []string
		for _, n := range arcNumber.FindAllStringSubmatch(row[1], -1) {
			nums = append(nums, n[1])
		}
		out = append(out, nums)
	}
	return out
}

// TestAnnualReportTableThreeFromApplications is the key test:
// applications planted across every outcome row and applicant column,
// with carry-over from 2024 and into 2026, give exactly the hand-counted
// table three in the generated 2025 report — for a fresh agency, and on
// top of the demo's own applications for the city bureau.
func TestAnnualReportTableThreeFromApplications(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		mzzj := e.Agency("mzzj")
		fresh := arcAgency(t, e, "arc-plant", "年报测试区民族和宗教事务办公室", agency.DistrictBureau, mzzj.ID)
		handler := e.AddUser("arc-plant", "arc.plant.handler", auth.Handler)
		admin := e.AddUser("arc-plant", "arc.plant.admin", auth.AgencyAdmin)
		baseline, err := e.App.Applications.TableThree(ctx, mzzj.ID, 2025)
		if err != nil {
			t.Fatal(err)
		}
		arcPlantAll(t, e, fresh.ID, arcPrincipal(handler))
		arcPlantAll(t, e, mzzj.ID, arcDemoPrincipal(e, "mzzj.handler"))

		// The fresh agency: the report opened in the console is the
		// hand-counted table, cell by cell.
		c := arcClient(e, admin)
		r := c.Get("/console/annual-reports/new?year=2025")
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/console/annual-reports/") {
			t.Fatalf("open 2025: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		id, _ := strconv.ParseInt(strings.TrimPrefix(r.Header.Get("Location"), "/console/annual-reports/"), 10, 64)
		rep, err := e.App.AnnualReports.Report(ctx, arcPrincipal(admin), id)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Year != 2025 || rep.AgencyID != fresh.ID {
			t.Fatalf("report %d of agency %d", rep.Year, rep.AgencyID)
		}
		if len(arcTableThree) != len(annualreport.TableThreeRows) {
			t.Fatalf("the expected table has %d rows", len(arcTableThree))
		}
		for _, row := range annualreport.TableThreeRows {
			want, ok := arcTableThree[row.Code]
			if !ok {
				t.Fatalf("no expected row %s", row.Code)
			}
			for j, col := range annualreport.ApplicantColumns {
				if got := rep.Cells[annualreport.T3(row.Code, col.Code)]; got != want[j] {
					t.Errorf("%s (%s): %d, want %d", row.Label(), col.Label, got, want[j])
				}
			}
		}
		if p := rep.Check(); len(p) != 0 {
			t.Errorf("the planted report fails its identities: %v", p)
		}
		// The workspace shows the same table in the official layout.
		page := c.Get("/console/annual-reports/" + strconv.FormatInt(id, 10))
		if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, "勾稽关系校验通过") {
			t.Fatalf("workspace: %d", page.StatusCode)
		}
		rows := arcPageThree(t, page.Body)
		if len(rows) != 25 {
			t.Fatalf("table three on the page has %d rows", len(rows))
		}
		for i, row := range annualreport.TableThreeRows {
			want := arcTableThree[row.Code]
			if len(rows[i]) != 7 {
				t.Errorf("page row %d has %d numbers", i+1, len(rows[i]))
				continue
			}
			for j := range 7 {
				if rows[i][j] != strconv.FormatInt(want[j], 10) {
					t.Errorf("page: %s (%s) shows %s, want %d", row.Label(), annualreport.ApplicantColumns[j].Label, rows[i][j], want[j])
				}
			}
		}
		if !strings.Contains(page.Body, "全年新收政府信息公开申请27件，上年结转3件，办结26件，结转下年度4件") {
			t.Error("the narrative of section 一 does not give the planted counts")
		}

		// The demo agency: the planted applications add exactly the hand
		// count to what the demo recorded before. The demo published its
		// report already: a correction, recomputed, has the new figures.
		cityAdmin := arcDemoPrincipal(e, "mzzj.admin")
		city, err := e.App.AnnualReports.Open(ctx, cityAdmin, 2025)
		if err != nil {
			t.Fatal(err)
		}
		if city.State == annualreport.Published {
			if city, err = e.App.AnnualReports.Correct(ctx, cityAdmin, city.ID, "按补录的申请重新计算表三。"); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.App.AnnualReports.Refresh(ctx, cityAdmin, city.ID, city.RowVersion); err != nil {
			t.Fatal(err)
		}
		if city, err = e.App.AnnualReports.Report(ctx, cityAdmin, city.ID); err != nil {
			t.Fatal(err)
		}
		for i, ri := range application.Rows {
			code := annualreport.TableThreeRows[i].Code
			if string(ri.Row) != code {
				t.Fatalf("row %d: %s vs %s", i, ri.Row, code)
			}
			for j, col := range annualreport.ApplicantColumns {
				want := int64(baseline.Get(ri.Row, j)) + arcTableThree[code][j]
				if got := city.Cells[annualreport.T3(code, col.Code)]; got != want {
					t.Errorf("city bureau %s (%s): %d, want %d (demo) + %d (planted)", code, col.Label, got, baseline.Get(ri.Row, j), arcTableThree[code][j])
				}
			}
		}
		if p := city.Check(); len(p) != 0 {
			t.Errorf("the city bureau's report fails its identities: %v", p)
		}
	})
}

// ------------------------------------------------------------ workspace

var arcRowVersion = regexp.MustCompile(`name="row_version" value="([0-9]+)"`)

func arcRV(t *testing.T, body string) string {
	t.Helper()
	m := arcRowVersion.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no row version on the page")
	}
	return m[1]
}

// arcWant fails the test unless the response has the status and every
// text.
func arcWant(t *testing.T, what string, r *apptest.Response, status int, texts ...string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.StatusCode, status, arcExcerpt(r.Body))
	}
	for _, s := range texts {
		if !strings.Contains(r.Body, s) {
			t.Errorf("%s: page lacks %q\n%s", what, s, arcExcerpt(r.Body))
		}
	}
}

// arcInOrder reports whether the texts appear in body in this order.
func arcInOrder(body string, texts ...string) bool {
	for _, s := range texts {
		i := strings.Index(body, s)
		if i < 0 {
			return false
		}
		body = body[i+len(s):]
	}
	return true
}

func arcExcerpt(body string) string {
	if i := strings.Index(body, `<main`); i >= 0 {
		body = body[i:]
	}
	if len(body) > 3000 {
		body = body[:3000]
	}
	return body
}

// The workspace on a district office's report on last year: sections, cells
// with their errors beside the field, a broken identity shown and
// publication refused, publication, correction; who may do what.
func TestAnnualReportConsoleHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		year := e.App.AnnualReports.Today().Year - 1
		ys := strconv.Itoa(year)
		arcAgency(t, e, "arc-http", "年报测试甲区民族和宗教事务办公室", agency.DistrictBureau, e.Agency("mzzj").ID)
		editor := e.AddUser("arc-http", "arc.editor", auth.Editor)
		approver := e.AddUser("arc-http", "arc.approver", auth.Approver)
		handler := e.AddUser("arc-http", "arc.handler", auth.Handler)
		pudong := e.AddUser("pudong-mzb", "arc.pudong", auth.Editor)
		ed, ap := arcClient(e, editor), arcClient(e, approver)

		r := ed.Get("/console/annual-reports")
		arcWant(t, "list", r, http.StatusOK, "编制年度报告", "还没有年度报告", `value="`+ys+`"`, `href="/console/annual-reports/import"`)
		for _, bad := range []struct{ q, want string }{
			{"abc", "请填写四位数字的年度"},
			{"2019", "导入历年报告"},
			{"2999", "年度应在"},
			{"2025%27%3B+DROP+TABLE+annual_reports%3B--", "请填写四位数字的年度"},
		} {
			r := ed.Get("/console/annual-reports/new?year=" + bad.q)
			arcWant(t, "open "+bad.q, r, http.StatusUnprocessableEntity, bad.want, `aria-invalid="true"`, `id="f-year-error"`)
		}
		r = ed.Get("/console/annual-reports/new?year=" + ys)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("open: %d", r.StatusCode)
		}
		base := r.Header.Get("Location")
		id, err := strconv.ParseInt(strings.TrimPrefix(base, "/console/annual-reports/"), 10, 64)
		if err != nil {
			t.Fatal(base)
		}
		r = ed.Get(base)
		arcWant(t, "workspace", r, http.StatusOK, "勾稽关系校验通过", "第 1 版", "草稿", base+"/report.xlsx", base+"/report.pdf", `name="value.t2.licensing.decisions"`)
		if !arcInOrder(r.Body, "一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况",
			"五、存在的主要问题及改进情况", "六、其他需要报告的事项") {
			t.Error("the six sections are not in order")
		}
		if strings.Contains(r.Body, base+"/publish") {
			t.Error("an editor is offered publication")
		}
		if !strings.Contains(ed.Get("/console/annual-reports").Body, `href="`+base+`"`) {
			t.Error("the list does not link the draft")
		}

		// Sections: saved, escaped; empty, stale and oversized refused
		// beside the field.
		hostile := `<script>alert("x")</script>总体情况'; DROP TABLE annual_reports; --`
		r = ed.PostForm(base+"/sections/overview", url.Values{"row_version": {arcRV(t, r.Body)}, "overview": {hostile}})
		if r.StatusCode != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "#sec-overview") {
			t.Fatalf("save section: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		r = ed.Get(strings.SplitN(r.Header.Get("Location"), "#", 2)[0])
		arcWant(t, "after saving", r, http.StatusOK, "已保存", "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;总体情况&#39;; DROP TABLE annual_reports; --")
		if strings.Contains(r.Body, `<script>alert("x")`) {
			t.Error("section text not escaped")
		}
		rv := arcRV(t, r.Body)
		r = ed.PostForm(base+"/sections/problems", url.Values{"row_version": {rv}, "problems": {"  "}})
		arcWant(t, "empty section", r, http.StatusUnprocessableEntity, "请填写本部分内容", `id="f-problems-error"`, `aria-invalid="true"`)
		r = ed.PostForm(base+"/sections/problems", url.Values{"row_version": {rv}, "problems": {strings.Repeat("长", 20001)}})
		arcWant(t, "long section", r, http.StatusUnprocessableEntity, "不能超过 20000 字")
		r = ed.PostForm(base+"/sections/problems", url.Values{"row_version": {"1"}, "problems": {"迟到的修改"}})
		arcWant(t, "stale section", r, http.StatusConflict, "刚被其他人修改过", "迟到的修改")
		r = ed.PostForm(base+"/sections/secrets", url.Values{"row_version": {rv}, "secrets": {"x"}})
		arcWant(t, "unknown section", r, http.StatusNotFound)
		r = ed.PostForm(base+"/sections/problems", url.Values{"row_version": {"abc"}, "problems": {"x"}})
		arcWant(t, "malformed row version", r, http.StatusConflict)

		// One cell: errors beside the field.
		cell := base + "/cells/t3.granted.natural"
		rep, err := e.App.AnnualReports.Report(ctx, arcPrincipal(editor), id)
		if err != nil {
			t.Fatal(err)
		}
		computed := rep.Cells["t3.granted.natural"]
		r = ed.Get(cell)
		arcWant(t, "cell form", r, http.StatusOK, "表三·（一）予以公开·自然人", "平台计算值", "修正理由")
		rv = arcRV(t, r.Body)
		for _, bad := range []struct{ value, note, field, want string }{
			{"-1", "理由", "value", "不能为负数"},
			{"1.5", "理由", "value", "不能有小数"},
			{"<b>多</b>", "理由", "value", "应为整数"},
			{strconv.FormatInt(computed+1, 10), "", "note", "须说明理由"},
		} {
			r = ed.PostForm(cell, url.Values{"row_version": {rv}, "value": {bad.value}, "note": {bad.note}})
			arcWant(t, "cell "+bad.value, r, http.StatusUnprocessableEntity, bad.want, `id="f-`+bad.field+`-error"`, `aria-invalid="true"`)
			if strings.Contains(r.Body, "<b>多</b>") {
				t.Error("cell value not escaped")
			}
		}
		arcWant(t, "unknown cell", ed.Get(base+"/cells/t3.nothing.here"), http.StatusNotFound)
		arcWant(t, "script cell", ed.Get(base+"/cells/%3Cscript%3E"), http.StatusNotFound)
		arcWant(t, "path trick", ed.Get(base+"/cells/..%2F..%2Fetc%2Fpasswd"), http.StatusNotFound)
		r = ed.Get(base + "/cells?code=t4.reconsideration.total")
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != base+"/cells/t4.reconsideration.total" {
			t.Errorf("cell picker: %d %s", r.StatusCode, r.Header.Get("Location"))
		}

		// An override breaks an identity: the workspace says so, marks the
		// cells and links them; publication is refused with 422.
		r = ed.PostForm(cell, url.Values{"row_version": {rv}, "value": {strconv.FormatInt(computed+1, 10)}, "note": {"平台外办理一件"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("override: %d %s", r.StatusCode, arcExcerpt(r.Body))
		}
		r = ed.Get(base)
		arcWant(t, "broken identity", r, http.StatusOK, "处数据不符合年度报告格式", "表三自然人列：办理结果各项之和", "cell-bad", "cell-override",
			`href="`+cell+`"`, "人工修正记录", "平台外办理一件")
		r = ap.PostForm(base+"/publish", url.Values{"row_version": {arcRV(t, r.Body)}})
		arcWant(t, "refused publication", r, http.StatusUnprocessableEntity, "不能发布", "表三自然人列：办理结果各项之和", "cell-bad", `role="alert"`)
		if rep, _ := e.App.AnnualReports.Report(ctx, arcPrincipal(editor), id); rep.State != annualreport.Draft {
			t.Fatalf("published with a broken identity: %s", rep.State)
		}
		// Entering the computed value again removes the override.
		r = ed.PostForm(cell, url.Values{"row_version": {arcRV(t, ed.Get(cell).Body)}, "value": {strconv.FormatInt(computed, 10)}, "note": {""}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("revert: %d", r.StatusCode)
		}
		arcWant(t, "reverted", ed.Get(base), http.StatusOK, "勾稽关系校验通过")

		// Manual cells of table two, all-or-nothing.
		r = ed.Get(base)
		manual := url.Values{"row_version": {arcRV(t, r.Body)}, "value.t2.licensing.decisions": {"abc"}, "source.t2.licensing.decisions": {"办件系统"},
			"value.t2.penalty.decisions": {"4"}, "source.t2.penalty.decisions": {""},
			"value.t2.fees.amount": {"1.23456"}, "source.t2.fees.amount": {"财务处"}}
		r = ed.PostForm(base+"/manual", manual)
		arcWant(t, "manual errors", r, http.StatusUnprocessableEntity, "应为整数", "请说明数据来源", "最多保留四位小数",
			`id="f-value.t2.licensing.decisions-error"`, `id="f-source.t2.penalty.decisions-error"`, `id="f-value.t2.fees.amount-error"`)
		if rep, _ := e.App.AnnualReports.Report(ctx, arcPrincipal(editor), id); rep.Cells["t2.penalty.decisions"] != 0 {
			t.Error("a manual cell was saved although another was refused")
		}
		manual.Set("value.t2.licensing.decisions", "12")
		manual.Set("source.t2.penalty.decisions", "执法系统统计")
		manual.Set("value.t2.fees.amount", "12.5")
		r = ed.PostForm(base+"/manual", manual)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("manual cells: %d %s", r.StatusCode, arcExcerpt(r.Body))
		}
		rep, _ = e.App.AnnualReports.Report(ctx, arcPrincipal(editor), id)
		if rep.Cells["t2.licensing.decisions"] != 12 || rep.Cells["t2.penalty.decisions"] != 4 || rep.Cells["t2.fees.amount"] != 125000 ||
			rep.Sources["t2.penalty.decisions"] != "执法系统统计" {
			t.Errorf("manual cells: %v %v", rep.Cells, rep.Sources)
		}
		arcWant(t, "manual shown", ed.Get(base), http.StatusOK, `value="12.5"`, "执法系统统计")

		// Refresh.
		r = ed.PostForm(base+"/refresh", url.Values{"row_version": {arcRV(t, ed.Get(base).Body)}})
		if r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "flash=computed") {
			t.Errorf("refresh: %d %s", r.StatusCode, r.Header.Get("Location"))
		}

		// Publication: the editor may not; unfinished sections are
		// refused beside the field; then published and locked.
		r = ed.PostForm(base+"/publish", url.Values{"row_version": {arcRV(t, ed.Get(base).Body)}})
		arcWant(t, "editor publishes", r, http.StatusForbidden)
		r = ap.PostForm(base+"/publish", url.Values{"row_version": {arcRV(t, ap.Get(base).Body)}})
		arcWant(t, "unfinished", r, http.StatusUnprocessableEntity, "待填写的内容", `aria-invalid="true"`)
		for _, s := range []string{"overview", "problems", "other"} {
			r = ed.PostForm(base+"/sections/"+s, url.Values{"row_version": {arcRV(t, ed.Get(base).Body)}, s: {"本部分已核实：" + s + "。"}})
			if r.StatusCode != http.StatusSeeOther {
				t.Fatalf("section %s: %d", s, r.StatusCode)
			}
		}
		r = ap.PostForm(base+"/publish", url.Values{"row_version": {arcRV(t, ap.Get(base).Body)}})
		if r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "flash=published") {
			t.Fatalf("publish: %d %s", r.StatusCode, arcExcerpt(r.Body))
		}
		r = ap.Get(r.Header.Get("Location"))
		arcWant(t, "published", r, http.StatusOK, "已发布。本版本已锁定", "内容已锁定", "/o/arc-http/annual-reports/"+ys, "创建更正版本")
		if strings.Contains(r.Body, base+"/sections/") || strings.Contains(r.Body, base+"/manual") {
			t.Error("a published version offers its forms")
		}
		r = ap.PostForm(base+"/publish", url.Values{"row_version": {"3"}})
		arcWant(t, "publish twice", r, http.StatusConflict, "已发布，不能再修改")
		r = ed.PostForm(cell, url.Values{"row_version": {"99"}, "value": {"1"}, "note": {"x"}})
		arcWant(t, "cell of a published report", r, http.StatusConflict, "已发布")
		arcWant(t, "cell page of a published report", ed.Get(cell), http.StatusOK, "不能修改")

		// Correction.
		r = ap.PostForm(base+"/correct", url.Values{"correction_note": {"  "}})
		arcWant(t, "correction without a note", r, http.StatusUnprocessableEntity, "请写明更正说明", `id="f-correction_note-error"`)
		r = ap.PostForm(base+"/correct", url.Values{"correction_note": {"更正表二行政许可数量<img src=x>"}})
		if r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "flash=corrected") {
			t.Fatalf("correct: %d %s", r.StatusCode, arcExcerpt(r.Body))
		}
		v2 := strings.SplitN(r.Header.Get("Location"), "?", 2)[0]
		if v2 == base {
			t.Fatal("the correction is the same version")
		}
		arcWant(t, "correction draft", ap.Get(r.Header.Get("Location")), http.StatusOK, "第 2 版", "更正说明：更正表二行政许可数量&lt;img src=x&gt;",
			"已创建更正版本", "第 1 版（已发布）")
		r = ap.PostForm(base+"/correct", url.Values{"correction_note": {"再一次"}})
		arcWant(t, "second correction", r, http.StatusConflict, "已有一份更正草稿")
		r = ed.PostForm(base+"/correct", url.Values{"correction_note": {"编辑更正"}})
		arcWant(t, "editor corrects", r, http.StatusForbidden)

		// Who may see it.
		arcWant(t, "handler", arcClient(e, handler).Get("/console/annual-reports"), http.StatusForbidden)
		arcWant(t, "other agency", arcClient(e, pudong).Get(base), http.StatusNotFound)
		arcWant(t, "other agency's cell", arcClient(e, pudong).PostForm(cell, url.Values{"row_version": {"1"}, "value": {"1"}, "note": {"x"}}), http.StatusNotFound)
		arcWant(t, "no such report", ed.Get("/console/annual-reports/999999"), http.StatusNotFound)
		arcWant(t, "malformed id", ed.Get("/console/annual-reports/abc"), http.StatusNotFound)
		arcWant(t, "editor on the status page", ed.Get("/console/annual-reports/status"), http.StatusForbidden)
	})
}

// ------------------------------------------------------------ oversight

// The status page lists the agencies in scope with their state; the
// aggregate page sums the chosen agencies' tables (the published figures,
// or live ones), and the CSV has the same sums. A bureau of the test's own
// with three district offices: the bureau published on time, the first
// office late, the second has a draft, the third has not started.
func TestAnnualReportConsoleOversight(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		svc := e.App.AnnualReports
		city := arcAgency(t, e, "arc-city", "年报测试市局", agency.Bureau, 0)
		d1 := arcAgency(t, e, "arc-d1", "年报测试一区办", agency.DistrictBureau, city.ID)
		d2 := arcAgency(t, e, "arc-d2", "年报测试二区办", agency.DistrictBureau, city.ID)
		arcAgency(t, e, "arc-d3", "年报测试三区办", agency.DistrictBureau, city.ID)
		cityAdmin := e.AddUser("arc-city", "arc.city.admin", auth.AgencyAdmin)
		d1Admin := e.AddUser("arc-d1", "arc.d1.admin", auth.AgencyAdmin)
		d2Admin := e.AddUser("arc-d2", "arc.d2.admin", auth.AgencyAdmin)
		d1Handler := e.AddUser("arc-d1", "arc.d1.handler", auth.Handler)
		d2Handler := e.AddUser("arc-d2", "arc.d2.handler", auth.Handler)
		plant := func(u *auth.User, typ application.ApplicantType, received, replied string, out application.Outcome) {
			t.Helper()
			arcAt(e, received)
			r, err := e.App.Applications.Record(ctx, arcPrincipal(u), application.Submission{AgencyID: u.AgencyID, Applicant: arcApplicant(typ),
				Channel: application.InPerson, ReceivedOn: civil.MustParse(received),
				Request: application.Request{Title: "宗教活动场所名录", Form: application.Electronic, Delivery: application.ByEmail}})
			if err != nil {
				t.Fatal(err, apperr.FieldsOf(err))
			}
			if replied != "" {
				c := arcReply(replied, out)
				c.cmd.On = arcAt(e, replied)
				if _, err := e.App.Applications.Do(ctx, arcPrincipal(u), r.App.ID, c.cmd); err != nil {
					t.Fatal(err, apperr.FieldsOf(err))
				}
			}
		}
		plant(d1Handler, application.NaturalPerson, "2025-03-03", "2025-03-10", application.OutDisclose)
		plant(d1Handler, application.Business, "2025-12-22", "", "")
		plant(d2Handler, application.Research, "2025-04-01", "2025-04-10", application.OutNotExist)
		publish := func(u *auth.User, opened, published string, manual ...annualreport.CellInput) {
			t.Helper()
			p := arcPrincipal(u)
			arcAt(e, opened)
			r, err := svc.Open(ctx, p, 2025)
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range manual {
				if err := svc.SetCell(ctx, p, r.ID, r.RowVersion, in); err != nil {
					t.Fatal(err, apperr.FieldsOf(err))
				}
				r.RowVersion++
			}
			if published == "" {
				return
			}
			for _, sec := range []string{"overview", "problems", "other"} {
				if err := svc.SaveSection(ctx, p, r.ID, r.RowVersion, sec, "已完成："+sec); err != nil {
					t.Fatal(err)
				}
				r.RowVersion++
			}
			arcAt(e, published)
			if err := svc.Publish(ctx, p, r.ID, r.RowVersion); err != nil {
				t.Fatal(err, apperr.FieldsOf(err))
			}
		}
		publish(cityAdmin, "2026-01-14", "2026-01-20")
		publish(d1Admin, "2026-02-01", "2026-02-05", annualreport.CellInput{Code: "t2.licensing.decisions", Value: "5", Note: "审批系统统计"})
		publish(d2Admin, "2026-02-06", "", annualreport.CellInput{Code: "t2.licensing.decisions", Value: "7", Note: "审批系统统计"})
		// After its publication the first office's records change; the
		// published figures are what the aggregate takes.
		plant(d1Handler, application.NaturalPerson, "2025-06-02", "2025-06-10", application.OutDisclose)
		arcAt(e, "2026-02-10")

		c := arcClient(e, cityAdmin)
		r := c.Get("/console/annual-reports/status")
		arcWant(t, "status", r, http.StatusOK, "年度报告发布情况（2025 年度）", "2026-01-31 前公布",
			"共 4 个单位：已按期发布 1 个，逾期发布 1 个，草稿 0 个，未开始 0 个，逾期未发布 2 个",
			`href="/o/arc-city/annual-reports/2025"`, `href="/o/arc-d1/annual-reports/2025"`)
		row := func(name string) string {
			i := strings.Index(r.Body, `<th scope="row">`+name+`</th>`)
			if i < 0 {
				t.Errorf("status: no row %s", name)
				return ""
			}
			return r.Body[i : i+strings.Index(r.Body[i:], "</tr>")]
		}
		for name, want := range map[string][]string{
			"年报测试市局":  {"已发布", "2026-01-20", "第 1 版", "通过"},
			"年报测试一区办": {"逾期发布", "2026-02-05"},
			"年报测试二区办": {"逾期未发布", "（草稿）", "第 1 版", "未发布"},
			"年报测试三区办": {"逾期未发布", "未发布"},
		} {
			got := row(name)
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("status row %s lacks %q: %s", name, w, got)
				}
			}
		}
		if strings.Contains(row("年报测试二区办"), "/o/arc-d2/") || strings.Contains(r.Body, "上海市民族和宗教事务局") {
			t.Error("status: a draft is linked, or an agency outside the scope is listed")
		}
		for _, bad := range []string{"abc", "1800", "2025%27+OR+1%3D1", "%3Cscript%3E"} {
			r := c.Get("/console/annual-reports/status?year=" + bad)
			arcWant(t, "status year "+bad, r, http.StatusUnprocessableEntity, "年度应为", `id="f-year-error"`)
			if strings.Contains(r.Body, "<script>") {
				t.Error("status: year not escaped")
			}
		}
		r = arcClient(e, d1Admin).Get("/console/annual-reports/status?year=2025")
		arcWant(t, "district status", r, http.StatusOK, "共 1 个单位", "年报测试一区办")
		if strings.Contains(r.Body, "年报测试二区办") {
			t.Error("a district admin sees another district")
		}
		arcWant(t, "platform status", arcClient(e, e.AddUser("", "arc.platform", auth.PlatformAdmin)).Get("/console/annual-reports/status?year=2025"),
			http.StatusOK, "年报测试市局", "年报测试三区办", "上海市民族和宗教事务局", "黄浦区民族和宗教事务办公室")

		// Aggregate: by default the three district offices.
		r = c.Get("/console/annual-reports/aggregate")
		arcWant(t, "aggregate", r, http.StatusOK, "参与汇总的单位（3 个）", "年报测试一区办：已发布报告（2026-02-05 发布，第 1 版）",
			"有 2 个单位尚未发布年度报告", "汇总数据的勾稽关系校验通过", "report-three")
		// The first two offices: the published figures of the first (one
		// application granted, one carried forward, 5 licences), the live
		// ones of the second (one not held; its draft's manual cells do not
		// count).
		q := "?year=2025&sel=1&agency=" + strconv.FormatInt(d1.ID, 10) + "&agency=" + strconv.FormatInt(d2.ID, 10)
		want := map[string]string{"t3.new_received.total": "3", "t3.new_received.natural": "1", "t3.granted.natural": "1", "t3.granted.total": "1",
			"t3.unable.not_held.research": "1", "t3.carried_forward.business": "1", "t3.total_processed.total": "2", "t2.licensing.decisions": "5",
			"t2.fees.amount": "0", "t4.reconsideration.total": "0"}
		r = c.Get("/console/annual-reports/aggregate" + q)
		arcWant(t, "aggregate two", r, http.StatusOK, "参与汇总的单位（2 个）", "年报测试二区办：<span class=\"badge warn\">实时数据</span>")
		three := arcPageThree(t, r.Body)
		if three[0][6] != "3" || three[2][0] != "1" || three[12][2] != "1" || three[24][1] != "1" {
			t.Errorf("aggregate page table three: %v", three)
		}
		r = c.Get("/console/annual-reports/aggregate.csv" + q)
		if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("csv: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, rec := range records[1:] {
			got[rec[0]] = rec[2]
		}
		for code, w := range want {
			if got[code] != w {
				t.Errorf("csv %s: %q, want %q", code, got[code], w)
			}
		}
		if len(got) < len(annualreport.Format2021.Codes()) || !strings.Contains(r.Body, "年报测试一区办；年报测试二区办") || !strings.Contains(r.Body, "实时计算：年报测试二区办") {
			t.Errorf("csv: %d cells\n%s", len(got), r.Body[len(r.Body)-300:])
		}
		// Bad choices are refused beside the field.
		for _, bad := range []struct{ q, want string }{
			{"&sel=1", "请至少选择一个单位"},
			{"&agency=abc", "所选单位无效"},
			{"&agency=%3Cscript%3E", "所选单位无效"},
			{"&agency=" + strconv.FormatInt(e.Agency("mzzj").ID, 10), "不在您汇总范围内"},
		} {
			arcWant(t, "aggregate "+bad.q, c.Get("/console/annual-reports/aggregate?year=2025"+bad.q), http.StatusUnprocessableEntity, bad.want)
		}
		d1c := arcClient(e, d1Admin)
		arcWant(t, "out of scope", d1c.Get("/console/annual-reports/aggregate?year=2025&agency="+strconv.FormatInt(d2.ID, 10)),
			http.StatusUnprocessableEntity, "不在您汇总范围内")
		arcWant(t, "out of scope csv", d1c.Get("/console/annual-reports/aggregate.csv?year=2025&agency="+strconv.FormatInt(d2.ID, 10)),
			http.StatusBadRequest, "不在您汇总范围内")
		editor := arcClient(e, e.AddUser("arc-city", "arc.city.editor", auth.Editor))
		arcWant(t, "editor status", editor.Get("/console/annual-reports/status"), http.StatusForbidden)
		arcWant(t, "editor aggregates", editor.Get("/console/annual-reports/aggregate"), http.StatusForbidden)
		arcWant(t, "editor csv", editor.Get("/console/annual-reports/aggregate.csv"), http.StatusForbidden)
	})
}

// TestAnnualReportSetCellsAllOrNothing: several cell changes are saved in
// one transaction: a change refused after others were applied in memory,
// or a stale row version, leaves the report and its audit trail as they
// were; a good set is saved as one version with one audit record per cell.
func TestAnnualReportSetCellsAllOrNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		svc := e.App.AnnualReports
		arcAgency(t, e, "arc-cells", "年报单元格测试区办", agency.DistrictBureau, e.Agency("mzzj").ID)
		p := arcPrincipal(e.AddUser("arc-cells", "arc.cells.editor", auth.Editor))
		rep, err := svc.Open(ctx, p, svc.Today().Year-1)
		if err != nil {
			t.Fatal(err)
		}
		trail := func() int {
			var n int
			if err := e.App.DB.R.QueryRow(`SELECT COUNT(*) FROM audit_entries WHERE action = 'annualreport.cell' AND object_id = $1`,
				strconv.FormatInt(rep.ID, 10)).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		good := []annualreport.CellInput{
			{Code: "t2.licensing.decisions", Value: "12", Note: "审批系统统计"},
			{Code: "t2.penalty.decisions", Value: "4", Note: "执法系统统计"},
		}
		for _, bad := range []struct {
			name string
			ins  []annualreport.CellInput
			rv   int
		}{
			{"unknown cell last", append(good[:2:2], annualreport.CellInput{Code: "t9.nothing", Value: "1", Note: "x"}), rep.RowVersion},
			{"malformed value last", append(good[:2:2], annualreport.CellInput{Code: "t2.fees.amount", Value: "1.23456", Note: "财务处"}), rep.RowVersion},
			{"source missing last", append(good[:2:2], annualreport.CellInput{Code: "t2.fees.amount", Value: "1", Note: " "}), rep.RowVersion},
			{"stale", good, rep.RowVersion - 1},
		} {
			if err := svc.SetCells(ctx, p, rep.ID, bad.rv, bad.ins); err == nil {
				t.Fatalf("%s: accepted", bad.name)
			}
			got, err := svc.Report(ctx, p, rep.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.RowVersion != rep.RowVersion || got.Cells["t2.licensing.decisions"] != rep.Cells["t2.licensing.decisions"] ||
				got.Sources["t2.licensing.decisions"] != "" || trail() != 0 {
				t.Fatalf("%s: half saved: version %d→%d, cells %v, sources %v, %d audit records", bad.name, rep.RowVersion, got.RowVersion,
					got.Cells, got.Sources, trail())
			}
		}
		var ce *annualreport.CellError
		if err := svc.SetCells(ctx, p, rep.ID, rep.RowVersion, append(good[:2:2], annualreport.CellInput{Code: "t2.fees.amount", Value: "x", Note: "财务处"})); !errors.As(err, &ce) ||
			ce.Code != "t2.fees.amount" || apperr.FieldsOf(ce.Err)["value"] == "" {
			t.Fatalf("refused cell not named: %v", err)
		}
		if err := svc.SetCells(ctx, p, rep.ID, rep.RowVersion, good); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		got, err := svc.Report(ctx, p, rep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.RowVersion != rep.RowVersion+1 || got.Cells["t2.licensing.decisions"] != 12 || got.Cells["t2.penalty.decisions"] != 4 ||
			got.Sources["t2.penalty.decisions"] != "执法系统统计" || trail() != 2 {
			t.Fatalf("saved: version %d→%d, cells %v, sources %v, %d audit records", rep.RowVersion, got.RowVersion, got.Cells, got.Sources, trail())
		}
	})
}

// ------------------------------------------------------------ browser

// TestBrowserAnnualReportConsole: the list, a workspace with a failing
// identity, a cell, the status and aggregate pages pass axe at 1280 and
// 375 px.
func TestBrowserAnnualReportConsole(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	ctx := context.Background()
	svc := e.App.AnnualReports
	arcAgency(t, e, "arc-browser", "年报浏览器测试区办", agency.DistrictBureau, e.Agency("mzzj").ID)
	admin := e.AddUser("arc-browser", "arc.browser.admin", auth.AgencyAdmin)
	platform := e.AddUser("", "arc.browser.platform", auth.PlatformAdmin)
	p := arcPrincipal(admin)
	rep, err := svc.Open(ctx, p, svc.Today().Year-1)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetCell(ctx, p, rep.ID, rep.RowVersion, annualreport.CellInput{Code: "t3.granted.natural",
		Value: strconv.FormatInt(rep.Cells["t3.granted.natural"]+2, 10), Note: "平台外办理的两件申请"}); err != nil {
		t.Fatal(err)
	}
	bctx := browsertest.New(t)
	open := func(path string) string {
		t.Helper()
		browsertest.Run(t, bctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		return browsertest.Text(t, bctx, "main")
	}
	browsertest.SetCookie(t, bctx, e.URL, "gk_session", e.SessionFor(admin.ID), "/console")
	if got := open("/console/annual-reports"); !strings.Contains(got, "编制年度报告") {
		t.Fatalf("list: %s", got)
	}
	browserCheck(t, bctx, "annual reports list", "console-annual-reports")
	got := open(annualreport.ReportURL(rep.ID))
	if !strings.Contains(got, "处数据不符合年度报告格式") || !strings.Contains(got, "平台外办理的两件申请") {
		t.Fatalf("workspace: %s", got)
	}
	browserCheck(t, bctx, "annual report workspace", "console-annual-report")
	open(annualreport.ReportURL(rep.ID) + "/cells/t3.granted.natural")
	browserCheck(t, bctx, "annual report cell", "console-annual-report-cell")
	browsertest.SetCookie(t, bctx, e.URL, "gk_session", e.SessionFor(platform.ID), "/console")
	if got := open("/console/annual-reports/status"); !strings.Contains(got, "上海市民族和宗教事务局") || !strings.Contains(got, "年报浏览器测试区办") {
		t.Fatalf("status: %s", got)
	}
	browserCheck(t, bctx, "annual reports status", "console-annual-reports-status")
	if got := open("/console/annual-reports/aggregate"); !strings.Contains(got, "参与汇总的单位") {
		t.Fatalf("aggregate: %s", got)
	}
	browserCheck(t, bctx, "annual reports aggregate", "console-annual-reports-aggregate")
}
