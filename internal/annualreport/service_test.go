package annualreport_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/annualreport"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

// agencies is a city bureau with two district bureaus below it, and an
// unrelated bureau.
type agencies struct{ list []annualreport.AgencyRef }

func (a agencies) Agency(_ context.Context, id int64) (annualreport.AgencyRef, error) {
	for _, x := range a.list {
		if x.ID == id {
			return x, nil
		}
	}
	return annualreport.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

func (a agencies) AgencyBySlug(_ context.Context, slug string) (annualreport.AgencyRef, error) {
	for _, x := range a.list {
		if x.Slug == slug {
			return x, nil
		}
	}
	return annualreport.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

func (a agencies) All(context.Context) ([]annualreport.AgencyRef, error) { return a.list, nil }

// app is one application as the fake sources count it: its applicant
// column, whether it came over from the year before, and the table-three
// row of its result ("" while still open at the end of the year).
type app struct {
	col  int
	over bool
	row  string
}

var rowIndex = func() map[string]int {
	m := map[string]int{}
	for i, r := range annualreport.TableThreeRows {
		m[r.Code] = i
	}
	return m
}()

// tableOf counts applications into table three as the platform does.
func tableOf(apps ...app) [25][7]int64 {
	var t [25][7]int64
	add := func(row string, col int) {
		t[rowIndex[row]][col]++
		t[rowIndex[row]][6]++
	}
	for _, a := range apps {
		if a.over {
			add("carried_over", a.col)
		} else {
			add("new_received", a.col)
		}
		if a.row == "" {
			add("carried_forward", a.col)
			continue
		}
		add(a.row, a.col)
		add("total_processed", a.col)
	}
	return t
}

// figures are what the platform records for an agency and year.
type figures struct {
	three                     [25][7]int64
	four                      [3][5]int64
	issued, repealed, inForce int64
	fee                       int64
	facts                     []annualreport.Fact
	calls                     int
}

// sources are fake platform records by agency and year.
type sources struct {
	mu  sync.Mutex
	by  map[int64]map[int]*figures
	err error
}

func (s *sources) get(agencyID int64, year int) *figures {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.by[agencyID] == nil {
		s.by[agencyID] = map[int]*figures{}
	}
	f := s.by[agencyID][year]
	if f == nil {
		f = &figures{}
		s.by[agencyID][year] = f
	}
	return f
}

func (s *sources) set(agencyID int64, year int, fn func(f *figures)) {
	f := s.get(agencyID, year)
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(f)
}

func (s *sources) TableThree(_ context.Context, agencyID int64, year int) ([25][7]int64, error) {
	f := s.get(agencyID, year)
	s.mu.Lock()
	defer s.mu.Unlock()
	f.calls++
	return f.three, s.err
}

func (s *sources) TableFour(_ context.Context, agencyID int64, year int) ([3][5]int64, error) {
	f := s.get(agencyID, year)
	s.mu.Lock()
	defer s.mu.Unlock()
	return f.four, nil
}

func (s *sources) Normative(_ context.Context, agencyID int64, year int) (int64, int64, int64, error) {
	f := s.get(agencyID, year)
	s.mu.Lock()
	defer s.mu.Unlock()
	return f.issued, f.repealed, f.inForce, nil
}

func (s *sources) ProcessingFees(_ context.Context, agencyID int64, year int) (int64, error) {
	f := s.get(agencyID, year)
	s.mu.Lock()
	defer s.mu.Unlock()
	return f.fee, nil
}

func (s *sources) Facts(_ context.Context, agencyID int64, year int) ([]annualreport.Fact, error) {
	f := s.get(agencyID, year)
	s.mu.Lock()
	defer s.mu.Unlock()
	return f.facts, nil
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// at sets the clock to 10:00 Shanghai time on day.
func (c *clock) at(day string) {
	d := civil.MustParse(day)
	c.mu.Lock()
	c.t = time.Date(d.Year, d.Month, d.Day, 10, 0, 0, 0, civil.Shanghai)
	c.mu.Unlock()
}

type fixture struct {
	d                     *db.DB
	svc                   *annualreport.Service
	src                   *sources
	clock                 *clock
	city, dist1, dist2    annualreport.AgencyRef
	other                 annualreport.AgencyRef
	editor, approver      *auth.Principal // city bureau
	admin                 *auth.Principal // city bureau's agency admin
	dist1Admin, otherEd   *auth.Principal
	platform, cityHandler *auth.Principal
}

func principal(id, agencyID int64, name string, roles ...auth.Role) *auth.Principal {
	return &auth.Principal{UserID: id, Username: name, DisplayName: name, AgencyID: agencyID, Roles: roles, State: auth.StateActive}
}

// cityTable is the city bureau's 2025 applications: every applicant
// column, a carried-over one and two still open at the end of the year.
var cityTable = tableOf(
	app{0, false, "granted"}, app{0, false, "granted"}, app{0, true, "partial"}, app{1, false, "denied.third_party"},
	app{2, false, "unable.not_held"}, app{3, false, "not_processed.repeat"}, app{4, false, "other.fee_unpaid"},
	app{5, false, "other.other"}, app{5, true, ""}, app{0, false, ""},
)

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	op := auth.Operator("test")
	ag := agency.NewService(d)
	mk := func(slug, name string, parent int64, kind agency.Kind) annualreport.AgencyRef {
		a, err := ag.Create(ctx, op, agency.NewAgency{Slug: slug, Kind: kind, Name: name, ParentID: parent}, agency.Settings{})
		if err != nil {
			t.Fatal(err)
		}
		return annualreport.AgencyRef{ID: a.ID, ParentID: parent, Slug: slug, Name: name, Kind: string(kind)}
	}
	f := &fixture{d: d, clock: &clock{}, src: &sources{by: map[int64]map[int]*figures{}}}
	f.city = mk("city-bureau", "市民族宗教局", 0, agency.Bureau)
	f.dist1 = mk("dist-one", "甲区民族宗教办", f.city.ID, agency.DistrictBureau)
	f.dist2 = mk("dist-two", "乙区民族宗教办", f.city.ID, agency.DistrictBureau)
	f.other = mk("other-bureau", "其他局", 0, agency.Bureau)
	f.clock.at("2026-01-05")
	f.svc = annualreport.NewService(annualreport.Deps{DB: d, Agencies: agencies{[]annualreport.AgencyRef{f.city, f.dist1, f.dist2, f.other}},
		Sources: f.src, Now: f.clock.Now})
	f.editor = principal(0, f.city.ID, "city.editor", auth.Editor)
	f.approver = principal(0, f.city.ID, "city.approver", auth.Approver)
	f.admin = principal(0, f.city.ID, "city.admin", auth.AgencyAdmin)
	f.cityHandler = principal(0, f.city.ID, "city.handler", auth.Handler)
	f.dist1Admin = principal(0, f.dist1.ID, "dist1.admin", auth.AgencyAdmin)
	f.otherEd = principal(0, f.other.ID, "other.editor", auth.Editor)
	f.platform = principal(0, 0, "platform.admin", auth.PlatformAdmin)
	f.src.set(f.city.ID, 2025, func(x *figures) {
		x.three = cityTable
		x.four = [3][5]int64{{1, 1, 0, 1, 3}, {0, 0, 1, 0, 1}, {0, 0, 0, 0, 0}}
		x.issued, x.repealed, x.inForce = 3, 1, 27
		x.fee = 150
		x.facts = []annualreport.Fact{{Theme: "主动公开", Text: "全年主动公开政府信息212条。"}, {Theme: "依申请公开", Text: "全年新收申请9件"}}
	})
	return f
}

// open starts the city bureau's 2025 report.
func (f *fixture) open(t *testing.T) *annualreport.Report {
	t.Helper()
	r, err := f.svc.Open(context.Background(), f.editor, 2025)
	if err != nil {
		t.Fatal(err, apperr.FieldsOf(err))
	}
	return r
}

func (f *fixture) get(t *testing.T, id int64) *annualreport.Report {
	t.Helper()
	r, err := f.svc.Report(context.Background(), f.editor, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// set changes a cell, failing the test on an error.
func (f *fixture) set(t *testing.T, id int64, code, value, note string) *annualreport.Report {
	t.Helper()
	r := f.get(t, id)
	if err := f.svc.SetCell(context.Background(), f.editor, id, r.RowVersion, annualreport.CellInput{Code: code, Value: value, Note: note}); err != nil {
		t.Fatalf("set %s = %s: %v %v", code, value, err, apperr.FieldsOf(err))
	}
	return f.get(t, id)
}

// finish writes the narrative sections so that only the identities stand
// between the draft and publication.
func (f *fixture) finish(t *testing.T, id int64) {
	t.Helper()
	for _, s := range []string{annualreport.SectionOverview, annualreport.SectionProblems, annualreport.SectionOther} {
		r := f.get(t, id)
		if err := f.svc.SaveSection(context.Background(), f.editor, id, r.RowVersion, s, "本部分内容已由工作人员核实："+s+"。"); err != nil {
			t.Fatal(err)
		}
	}
}

func fieldErr(t *testing.T, err error, field, want string) {
	t.Helper()
	f := apperr.FieldsOf(err)
	if f == nil || !strings.Contains(f[field], want) {
		t.Errorf("error %v (fields %v): want %q on %q", err, f, want, field)
	}
}

// Open builds a draft from the platform's records: computed cells, manual
// cells waiting for their source, the narrative prefilled.
func TestOpenComputesDraft(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		r := f.open(t)
		if r.State != annualreport.Draft || r.Version != 1 || r.Format != annualreport.Format2021 || r.Year != 2025 || r.RowVersion != 1 {
			t.Fatalf("new report: %+v", r)
		}
		if r.Title() != "市民族宗教局2025年政府信息公开工作年度报告" {
			t.Errorf("title %q", r.Title())
		}
		for i, row := range annualreport.TableThreeRows {
			for j, col := range annualreport.ApplicantColumns {
				if got := r.Cells[annualreport.T3(row.Code, col.Code)]; got != cityTable[i][j] {
					t.Errorf("%s: %d, want %d", annualreport.T3(row.Code, col.Code), got, cityTable[i][j])
				}
			}
		}
		for code, want := range map[string]int64{"t2.normative.issued": 3, "t2.normative.repealed": 1, "t2.normative.inforce": 27,
			"t4.reconsideration.total": 3, "t4.litigation_direct.other": 1, "t2.licensing.decisions": 0, "t2.fees.amount": 0} {
			if got := r.Cells[code]; got != want {
				t.Errorf("%s = %d, want %d", code, got, want)
			}
		}
		if _, ok := r.Sources["t2.licensing.decisions"]; !ok {
			t.Error("the manual cell 行政许可 has no source slot")
		}
		if p := r.Check(); len(p) != 0 {
			t.Errorf("the computed draft fails identities: %v", p)
		}
		for _, want := range []string{"2025年，市民族宗教局深入贯彻", "（一）主动公开", "全年主动公开政府信息212条", "全年新收申请9件", "（三）政府信息管理", "（请补充本方面的工作情况。）"} {
			if !strings.Contains(r.Overview, want) {
				t.Errorf("overview lacks %q:\n%s", want, r.Overview)
			}
		}
		if !strings.Contains(r.Other, "收取信息处理费150元") || r.ProcessingFee != 150 {
			t.Errorf("section 六 %q, fee %d", r.Other, r.ProcessingFee)
		}
		// Opening again returns the same draft.
		again := f.open(t)
		if again.ID != r.ID {
			t.Errorf("second open made report %d, want %d", again.ID, r.ID)
		}
		for year, want := range map[int]string{2027: "年度应在", 2018: "年度应在", 2020: "导入历年报告"} {
			_, err := f.svc.Open(ctx, f.editor, year)
			fieldErr(t, err, "year", want)
		}
		if _, err := f.svc.Open(ctx, f.platform, 2025); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("platform admin opens an agency report: %v", err)
		}
		if _, err := f.svc.Open(ctx, f.cityHandler, 2025); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a handler opens the report: %v", err)
		}
		var n int
		d.R.QueryRow("SELECT count(*) FROM audit_entries WHERE action = 'annualreport.create'").Scan(&n)
		if n != 1 {
			t.Errorf("%d create audit entries, want 1", n)
		}
	})
}

// Manual cells need their source, overrides their reason; an override
// survives a refresh with the new computed value beside it and goes when
// the computed value is entered again; bad values are refused beside the
// field.
func TestCells(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		r := f.open(t)
		id := r.ID
		try := func(code, value, note string) error {
			r := f.get(t, id)
			return f.svc.SetCell(ctx, f.editor, id, r.RowVersion, annualreport.CellInput{Code: code, Value: value, Note: note})
		}
		// Manual: the source is required.
		fieldErr(t, try("t2.licensing.decisions", "12", ""), "note", "数据来源")
		r = f.set(t, id, "t2.licensing.decisions", "12", "行政许可办件系统统计")
		if r.Cells["t2.licensing.decisions"] != 12 || r.Sources["t2.licensing.decisions"] != "行政许可办件系统统计" {
			t.Errorf("manual cell: %d, source %q", r.Cells["t2.licensing.decisions"], r.Sources["t2.licensing.decisions"])
		}
		if _, over := r.Overrides["t2.licensing.decisions"]; over {
			t.Error("a manual cell became an override")
		}
		// Money in 万元, stored in 元.
		r = f.set(t, id, "t2.fees.amount", "12.3456", "财务处提供")
		if r.Cells["t2.fees.amount"] != 123456 || r.Show("t2.fees.amount") != "12.3456" {
			t.Errorf("fees: %d (%s)", r.Cells["t2.fees.amount"], r.Show("t2.fees.amount"))
		}
		for _, tc := range []struct{ code, value, want string }{
			{"t2.fees.amount", "1.23456", "最多保留四位小数"},
			{"t2.fees.amount", "-3", "不能为负数"},
			{"t2.fees.amount", "一万", "金额应为数字"},
			{"t2.fees.amount", "999999999", "金额过大"},
			{"t2.licensing.decisions", "-1", "不能为负数"},
			{"t2.licensing.decisions", "1.5", "不能有小数"},
			{"t2.licensing.decisions", "十二", "应为整数"},
			{"t2.licensing.decisions", "12abc", "应为整数"},
			{"t2.licensing.decisions", "", "请填写数量"},
			{"t2.licensing.decisions", "99999999999999", "数量过大"},
			{"t3.granted.natural", "1e3", "应为整数"},
			{"t3.granted.natural", "'; DROP TABLE annual_reports; --", "应为整数"},
		} {
			fieldErr(t, try(tc.code, tc.value, "来源"), "value", tc.want)
		}
		fieldErr(t, try("t2.licensing.decisions", "3", strings.Repeat("长", 201)), "note", "200")
		fieldErr(t, try("t2.licensing.decisions", "3", "来源\x00"), "note", "无法识别")
		if err := try("t9.nothing.here", "1", "x"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("unknown cell: %v", err)
		}
		if r = f.get(t, id); r.Cells["t2.licensing.decisions"] != 12 || r.Cells["t2.fees.amount"] != 123456 {
			t.Errorf("a refused change was saved: %d %d", r.Cells["t2.licensing.decisions"], r.Cells["t2.fees.amount"])
		}

		// Override: a reason is required; the computed value stays beside it.
		code := "t3.granted.natural"
		fieldErr(t, try(code, "5", " "), "note", "理由")
		r = f.set(t, id, code, "5", "两件申请在平台外办理，已补录纸质台账")
		o, ok := r.Overrides[code]
		if !ok || o.Value != 5 || o.Computed != 2 || r.Cells[code] != 5 || o.By != "city.editor" {
			t.Fatalf("override: %+v %v, cell %d", o, ok, r.Cells[code])
		}
		// A refresh keeps the override and shows the new computed value.
		f.src.set(f.city.ID, 2025, func(x *figures) { x.three[rowIndex["granted"]][0] = 3 })
		if err := f.svc.Refresh(ctx, f.editor, id, r.RowVersion); err != nil {
			t.Fatal(err)
		}
		r = f.get(t, id)
		if o := r.Overrides[code]; r.Cells[code] != 5 || o.Computed != 3 || r.Computed[code] != 3 || o.Reason != "两件申请在平台外办理，已补录纸质台账" {
			t.Errorf("after refresh: cell %d, override %+v, computed %d", r.Cells[code], o, r.Computed[code])
		}
		if r.Cells["t2.licensing.decisions"] != 12 {
			t.Errorf("refresh lost a manual cell: %d", r.Cells["t2.licensing.decisions"])
		}
		// Entering the computed value removes the override (no reason needed).
		r = f.set(t, id, code, "3", "")
		if _, over := r.Overrides[code]; over || r.Cells[code] != 3 {
			t.Errorf("override not removed: %v, cell %d", r.Overrides, r.Cells[code])
		}
		// A stale row version is a conflict.
		if err := f.svc.SetCell(ctx, f.editor, id, r.RowVersion-1, annualreport.CellInput{Code: code, Value: "4", Note: "x"}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("stale row version: %v", err)
		}
		if err := f.svc.SaveSection(ctx, f.editor, id, r.RowVersion-1, "overview", "新内容"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("stale section save: %v", err)
		}
		// Sections: unknown, empty, too long, unreadable.
		if err := f.svc.SaveSection(ctx, f.editor, id, r.RowVersion, "secrets", "x"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("unknown section: %v", err)
		}
		fieldErr(t, f.svc.SaveSection(ctx, f.editor, id, r.RowVersion, "problems", "  "), "problems", "请填写")
		fieldErr(t, f.svc.SaveSection(ctx, f.editor, id, r.RowVersion, "problems", strings.Repeat("字", 20001)), "problems", "20000")
		// Other agencies do not see the report.
		for _, p := range []*auth.Principal{f.otherEd, f.dist1Admin} {
			if _, err := f.svc.Report(ctx, p, id); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("%s reads the city's report: %v", p.Username, err)
			}
			if err := f.svc.SetCell(ctx, p, id, r.RowVersion, annualreport.CellInput{Code: code, Value: "1", Note: "x"}); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("%s changes the city's report: %v", p.Username, err)
			}
		}
		// Every change is audited, overrides with their reason.
		var n int
		d.R.QueryRow("SELECT count(*) FROM audit_entries WHERE action = 'annualreport.cell' AND summary LIKE '%理由：两件申请在平台外办理%'").Scan(&n)
		if n != 1 {
			t.Errorf("%d audited overrides with the reason, want 1", n)
		}
		d.R.QueryRow("SELECT count(*) FROM audit_entries WHERE action = 'annualreport.cell'").Scan(&n)
		if n != 4 {
			t.Errorf("%d audited cell changes, want 4", n)
		}
	})
}

// Every identity of the format, broken one at a time through an override,
// refuses publication with the failing cells named.
func TestIdentitiesEnforced(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		r := f.open(t)
		id := r.ID
		f.finish(t, id)
		base := f.get(t, id)
		for _, tc := range []struct {
			name  string
			cells []string // overridden, each +1
			// want: substrings of the problems expected, each with the
			// cells it must name.
			want map[string][]string
		}{
			{"new + carried over = processed + carried forward", []string{"t3.new_received.natural", "t3.new_received.total"},
				map[string][]string{"表三自然人列：本年新收（4）加上年结转（1）": {"t3.new_received.natural", "t3.carried_forward.natural"},
					"表三总计列：本年新收（9）加上年结转（2）": {"t3.new_received.total", "t3.total_processed.total"}}},
			{"carried forward alone", []string{"t3.carried_forward.business"},
				map[string][]string{"表三商业企业列：本年新收（1）加上年结转（0）应等于办理结果总计（1）加结转下年度（1）": {"t3.carried_forward.business"},
					"表三“四、结转下年度继续办理”行：各类申请人之和（3）应等于总计（2）": {"t3.carried_forward.business", "t3.carried_forward.total"}}},
			{"sum of outcome rows", []string{"t3.granted.research"},
				map[string][]string{"表三科研机构列：办理结果各项之和（2）应等于（七）总计（1）": {"t3.granted.research", "t3.total_processed.research"},
					"表三“（一）予以公开”行：各类申请人之和（3）应等于总计（2）": {"t3.granted.research", "t3.granted.total"}}},
			{"processed total alone", []string{"t3.total_processed.charity"},
				map[string][]string{"表三社会公益组织列：本年新收（1）加上年结转（0）应等于办理结果总计（2）": {"t3.total_processed.charity"},
					"表三社会公益组织列：办理结果各项之和（1）应等于（七）总计（2）": {"t3.total_processed.charity", "t3.not_processed.repeat.charity"},
					"表三“（七）总计”行：各类申请人之和（9）应等于总计（8）":    {"t3.total_processed.charity", "t3.total_processed.total"}}},
			{"row total (总计 column)", []string{"t3.other.other.total"},
				map[string][]string{"“3.其他”行：各类申请人之和（1）应等于总计（2）": {"t3.other.other.total", "t3.other.other.other"},
					"表三总计列：办理结果各项之和（9）应等于（七）总计（8）": {"t3.other.other.total"}}},
			{"row totals of carried over and forward", []string{"t3.carried_over.legal", "t3.carried_forward.legal"},
				map[string][]string{"表三“二、上年结转政府信息公开申请数量”行：各类申请人之和（3）应等于总计（2）": {"t3.carried_over.legal", "t3.carried_over.total"},
					"表三“四、结转下年度继续办理”行：各类申请人之和（3）应等于总计（2）": {"t3.carried_forward.legal"}}},
			{"table four: reconsideration", []string{"t4.reconsideration.maintained"},
				map[string][]string{"表四行政复议：结果维持、结果纠正、其他结果、尚未审结之和（4）应等于总计（3）": {"t4.reconsideration.maintained", "t4.reconsideration.total"}}},
			{"table four: litigation after reconsideration", []string{"t4.litigation_after.total"},
				map[string][]string{"表四行政诉讼·复议后起诉：结果维持、结果纠正、其他结果、尚未审结之和（0）应等于总计（1）": {"t4.litigation_after.total", "t4.litigation_after.pending"}}},
			{"table four: direct litigation", []string{"t4.litigation_direct.pending"},
				map[string][]string{"表四行政诉讼·未经复议直接起诉：结果维持、结果纠正、其他结果、尚未审结之和（2）应等于总计（1）": {"t4.litigation_direct.pending"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for _, code := range tc.cells {
					f.set(t, id, code, itoa(base.Cells[code]+1), "测试："+tc.name)
				}
				r := f.get(t, id)
				err := f.svc.Publish(ctx, f.approver, id, r.RowVersion)
				var ident *annualreport.ErrIdentities
				if !errors.As(err, &ident) || !apperr.Is(err, apperr.Conflict) {
					t.Fatalf("publish with a broken identity: %v", err)
				}
				if len(ident.Problems) != len(tc.want) {
					t.Errorf("%d problems, want %d: %+v", len(ident.Problems), len(tc.want), ident.Problems)
				}
				for msg, codes := range tc.want {
					found := false
					for _, p := range ident.Problems {
						if !strings.Contains(p.Message, msg) {
							continue
						}
						found = true
						for _, c := range codes {
							if !contains(p.Codes, c) {
								t.Errorf("problem %q does not name %s: %v", p.Message, c, p.Codes)
							}
						}
					}
					if !found {
						t.Errorf("no problem %q in %+v", msg, ident.Problems)
					}
				}
				if got := f.get(t, id); got.State != annualreport.Draft {
					t.Fatalf("published anyway: %s", got.State)
				}
				// Back to the computed values.
				for _, code := range tc.cells {
					f.set(t, id, code, itoa(base.Cells[code]), "")
				}
				if p := f.get(t, id).Check(); len(p) != 0 {
					t.Fatalf("identities still fail after the revert: %v", p)
				}
			})
		}
		// Negative values are refused by the format check too.
		cells := annualreport.Cells{}
		for k, v := range base.Cells {
			cells[k] = v
		}
		cells["t4.litigation_after.other"] = -1
		cells["t4.litigation_after.pending"] = 1
		if p := annualreport.Format2021.Check(cells); len(p) != 1 || !strings.Contains(p[0].Message, "0 至 10 亿") || p[0].Codes[0] != "t4.litigation_after.other" {
			t.Errorf("negative cell: %+v", p)
		}
		// Overrides that keep every identity (an application handled
		// outside the platform, entered in each cell it counts in) are
		// published, the overrides with them.
		for _, code := range []string{"t3.denied.state_secret.research", "t3.denied.state_secret.total", "t3.total_processed.research",
			"t3.total_processed.total", "t3.new_received.research", "t3.new_received.total"} {
			f.set(t, id, code, itoa(base.Cells[code]+1), "平台外办理的申请一件")
		}
		r = f.get(t, id)
		if err := f.svc.Publish(ctx, f.approver, id, r.RowVersion); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		if r = f.get(t, id); r.State != annualreport.Published || len(r.Overrides) != 6 || r.Cells["t3.new_received.total"] != base.Cells["t3.new_received.total"]+1 {
			t.Errorf("published with overrides: %s, %d overrides", r.State, len(r.Overrides))
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Publication: the narrative must be finished, only with the permission,
// once; a published version is locked; a correction is a new draft with
// a note that supersedes it when published.
func TestPublishAndCorrect(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		r := f.open(t)
		id := r.ID
		// The prefilled narrative still asks for content.
		err := f.svc.Publish(ctx, f.approver, id, r.RowVersion)
		if fl := apperr.FieldsOf(err); fl == nil || (fl["overview"] == "" && fl["problems"] == "") {
			t.Fatalf("publish with unfinished sections: %v %v", err, fl)
		}
		f.finish(t, id)
		r = f.get(t, id)
		if err := f.svc.Publish(ctx, f.editor, id, r.RowVersion); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("an editor publishes: %v", err)
		}
		if err := f.svc.Publish(ctx, f.approver, id, r.RowVersion-1); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("publish on a stale version: %v", err)
		}
		if _, _, err := f.svc.PublicReport(ctx, f.city.ID, 2025); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("a draft is public: %v", err)
		}
		f.clock.at("2026-01-20")
		if err := f.svc.Publish(ctx, f.approver, id, r.RowVersion); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		r = f.get(t, id)
		if r.State != annualreport.Published || civil.Of(r.PublishedAt).String() != "2026-01-20" || !r.Locked() {
			t.Errorf("after publication: %s %v", r.State, r.PublishedAt)
		}
		// Twice: refused, and the published version is locked.
		if err := f.svc.Publish(ctx, f.approver, id, r.RowVersion); !apperr.Is(err, apperr.Conflict) || !strings.Contains(apperr.MessageOf(err), "已发布") {
			t.Errorf("second publication: %v", err)
		}
		if err := f.svc.SaveSection(ctx, f.editor, id, r.RowVersion, "other", "改"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("section of a published report: %v", err)
		}
		if err := f.svc.SetCell(ctx, f.editor, id, r.RowVersion, annualreport.CellInput{Code: "t2.licensing.decisions", Value: "1", Note: "x"}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("cell of a published report: %v", err)
		}
		if err := f.svc.Refresh(ctx, f.editor, id, r.RowVersion); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("refresh of a published report: %v", err)
		}
		cur, earlier, err := f.svc.PublicReport(ctx, f.city.ID, 2025)
		if err != nil || cur.ID != id || len(earlier) != 0 {
			t.Fatalf("public report: %v %v %v", cur, earlier, err)
		}
		// Opening the year again gives the published version.
		if again := f.open(t); again.ID != id {
			t.Errorf("open after publication: %d", again.ID)
		}

		// Correction.
		if _, err := f.svc.Correct(ctx, f.editor, id, "更正"); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("an editor corrects: %v", err)
		}
		_, err = f.svc.Correct(ctx, f.approver, id, "  ")
		fieldErr(t, err, "correction_note", "更正说明")
		_, err = f.svc.Correct(ctx, f.approver, id, strings.Repeat("更", 501))
		fieldErr(t, err, "correction_note", "500")
		v2, err := f.svc.Correct(ctx, f.approver, id, "更正表二行政许可数量（原填报漏计 2 件）。")
		if err != nil {
			t.Fatal(err)
		}
		if v2.Version != 2 || v2.State != annualreport.Draft || v2.CorrectionNote == "" || v2.ID == id {
			t.Fatalf("correction: %+v", v2)
		}
		if _, err := f.svc.Correct(ctx, f.approver, id, "再来一次"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("a second correction draft: %v", err)
		}
		if _, err := f.svc.Correct(ctx, f.approver, v2.ID, "更正草稿"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("correcting a draft: %v", err)
		}
		// Until v2 is published the portal shows v1.
		if cur, _, _ := f.svc.PublicReport(ctx, f.city.ID, 2025); cur == nil || cur.ID != id {
			t.Errorf("public report during the correction: %v", cur)
		}
		v2 = f.set(t, v2.ID, "t2.licensing.decisions", "2", "行政许可办件系统统计")
		f.clock.at("2026-02-03")
		if err := f.svc.Publish(ctx, f.approver, v2.ID, v2.RowVersion); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		if old := f.get(t, id); old.State != annualreport.Superseded {
			t.Errorf("v1 after v2: %s", old.State)
		}
		cur, earlier, err = f.svc.PublicReport(ctx, f.city.ID, 2025)
		if err != nil || cur.ID != v2.ID || len(earlier) != 1 || earlier[0].ID != id || cur.Cells["t2.licensing.decisions"] != 2 {
			t.Fatalf("public report after the correction: %v %v %v", cur, earlier, err)
		}
		list, err := f.svc.PublicReports(ctx, f.city.ID)
		if err != nil || len(list) != 1 || list[0].ID != v2.ID {
			t.Errorf("public reports: %v %v", list, err)
		}
		all, _ := f.svc.Reports(ctx, f.editor)
		if len(all) != 2 || all[0].Version != 2 {
			t.Errorf("reports: %v", all)
		}
	})
}

// Oversight: who has published, late or not, in the overseer's scope; the
// sum of the tables of several agencies, published or live.
func TestStatusAndAggregate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		dist1 := tableOf(app{0, false, "granted"}, app{1, false, "partial"}, app{1, true, ""})
		dist2 := tableOf(app{0, false, "denied.state_secret"}, app{5, false, "granted"}, app{0, true, "granted"})
		f.src.set(f.dist1.ID, 2025, func(x *figures) {
			x.three, x.four = dist1, [3][5]int64{{0, 1, 0, 0, 1}}
			x.facts = []annualreport.Fact{{Theme: "主动公开", Text: "x"}}
		})
		f.src.set(f.dist2.ID, 2025, func(x *figures) { x.three = dist2 })
		// The city bureau publishes on time, district one late (with a
		// corrected count), district two has a draft only.
		f.clock.at("2026-01-20")
		city := f.open(t)
		f.finish(t, city.ID)
		city = f.get(t, city.ID)
		if err := f.svc.Publish(ctx, f.approver, city.ID, city.RowVersion); err != nil {
			t.Fatal(err)
		}
		f.clock.at("2026-02-05")
		d1 := principal(0, f.dist1.ID, "dist1.approver", auth.Approver)
		r1, err := f.svc.Open(ctx, d1, 2025)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"overview", "problems", "other"} {
			r1, _ = f.svc.Report(ctx, d1, r1.ID)
			if err := f.svc.SaveSection(ctx, d1, r1.ID, r1.RowVersion, s, "已完成。"); err != nil {
				t.Fatal(err)
			}
		}
		r1, _ = f.svc.Report(ctx, d1, r1.ID)
		if err := f.svc.Publish(ctx, d1, r1.ID, r1.RowVersion); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		// After publication the platform's records change; the published
		// figures are what counts.
		f.src.set(f.dist1.ID, 2025, func(x *figures) { x.three = tableOf(app{0, false, "granted"}) })
		d2 := principal(0, f.dist2.ID, "dist2.editor", auth.Editor)
		if _, err := f.svc.Open(ctx, d2, 2025); err != nil {
			t.Fatal(err)
		}
		f.clock.at("2026-02-10")

		st, err := f.svc.Status(ctx, f.admin, 2025)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, s := range st {
			state := "none"
			if s.Report != nil {
				state = string(s.Report.State)
			}
			if s.Late {
				state += " late"
			}
			if !s.PublishedOn.IsZero() {
				state += " " + s.PublishedOn.String()
			}
			got[s.Agency.Slug] = state
		}
		want := map[string]string{"city-bureau": "published 2026-01-20", "dist-one": "published late 2026-02-05", "dist-two": "draft late"}
		if len(got) != len(want) {
			t.Errorf("status of the city admin: %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("status %s: %q, want %q", k, got[k], v)
			}
		}
		if st, err := f.svc.Status(ctx, f.platform, 2025); err != nil || len(st) != 4 {
			t.Errorf("platform status: %d agencies, %v", len(st), err)
		}
		if st, err := f.svc.Status(ctx, f.dist1Admin, 2025); err != nil || len(st) != 1 || st[0].Agency.ID != f.dist1.ID {
			t.Errorf("district status: %+v, %v", st, err)
		}
		if _, err := f.svc.Status(ctx, f.editor, 2025); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("an editor oversees: %v", err)
		}

		agg, err := f.svc.Aggregate(ctx, f.admin, 2025, []int64{f.dist1.ID, f.dist2.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(agg.Agencies) != 2 || len(agg.Live) != 1 || agg.Live[0].ID != f.dist2.ID {
			t.Errorf("aggregate: %d agencies, live %v", len(agg.Agencies), agg.Live)
		}
		for i, row := range annualreport.TableThreeRows {
			for j, col := range annualreport.ApplicantColumns {
				code := annualreport.T3(row.Code, col.Code)
				if w := dist1[i][j] + dist2[i][j]; agg.Cells[code] != w {
					t.Errorf("aggregate %s = %d, want %d", code, agg.Cells[code], w)
				}
			}
		}
		if agg.Cells["t4.reconsideration.total"] != 1 || agg.Cells["t3.new_received.total"] != 4 || agg.Cells["t3.carried_over.total"] != 2 {
			t.Errorf("aggregate: t4 %d, new %d, over %d", agg.Cells["t4.reconsideration.total"], agg.Cells["t3.new_received.total"], agg.Cells["t3.carried_over.total"])
		}
		if p := annualreport.Format2021.Check(agg.Cells); len(p) != 0 {
			t.Errorf("aggregate fails identities: %v", p)
		}
		all, err := f.svc.Aggregate(ctx, f.admin, 2025, nil)
		if err != nil || len(all.Agencies) != 3 || all.Cells["t3.new_received.total"] != 4+cityTable[0][6] {
			t.Errorf("aggregate of the whole scope: %v, new %d", err, all.Cells["t3.new_received.total"])
		}
		// The first agency of the scope alone is that agency alone.
		one, err := f.svc.Aggregate(ctx, f.admin, 2025, []int64{f.city.ID})
		if err != nil || len(one.Agencies) != 1 || one.Cells["t3.new_received.total"] != cityTable[0][6] || len(one.Live) != 0 {
			t.Errorf("aggregate of the city bureau alone: %v, %d agencies, new %d", err, len(one.Agencies), one.Cells["t3.new_received.total"])
		}
		_, err = f.svc.Aggregate(ctx, f.admin, 2025, []int64{f.dist1.ID, f.other.ID})
		fieldErr(t, err, "agencies", "不在您汇总范围内")
		if _, err := f.svc.Aggregate(ctx, f.editor, 2025, nil); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("an editor aggregates: %v", err)
		}
	})
}

// The January to-do: from 1 January the report on the year before is
// due by 31 January, overdue after it, until it is published.
func TestTodos(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		f.src.set(f.city.ID, 2026, func(x *figures) { x.three = cityTable })
		f.clock.at("2027-01-05")
		today := civil.MustParse("2027-01-05")
		items, err := f.svc.Todos(ctx, f.city.ID, today)
		if err != nil || len(items) != 1 {
			t.Fatalf("to-dos on 2027-01-05: %v %v", items, err)
		}
		it := items[0]
		if it.Due.String() != "2027-01-31" || it.URL != "/console/annual-reports/new?year=2026" || it.Perm != auth.ManageAnnualReport ||
			!strings.Contains(it.Title, "2026年") || !strings.Contains(it.Note, "尚未开始") || it.Due.Before(today) {
			t.Errorf("to-do: %+v", it)
		}
		r, err := f.svc.Open(ctx, f.editor, 2026)
		if err != nil {
			t.Fatal(err)
		}
		items, _ = f.svc.Todos(ctx, f.city.ID, today)
		if len(items) != 1 || items[0].URL != annualreport.ReportURL(r.ID) || !strings.Contains(items[0].Note, "草稿") {
			t.Errorf("to-do with a draft: %+v", items)
		}
		// After 31 January it is overdue.
		feb := civil.MustParse("2027-02-01")
		items, _ = f.svc.Todos(ctx, f.city.ID, feb)
		if len(items) != 1 || !feb.After(items[0].Due) {
			t.Errorf("to-do on 2027-02-01: %+v", items)
		}
		// Other agencies have their own.
		if items, _ := f.svc.Todos(ctx, f.dist1.ID, feb); len(items) != 1 || items[0].AgencyID != f.dist1.ID {
			t.Errorf("district to-do: %+v", items)
		}
		f.finish(t, r.ID)
		f.clock.at("2027-02-01")
		r = f.get(t, r.ID)
		if err := f.svc.Publish(ctx, f.approver, r.ID, r.RowVersion); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		if items, _ := f.svc.Todos(ctx, f.city.ID, feb); len(items) != 0 {
			t.Errorf("to-do after publication: %+v", items)
		}
		// Before the first reportable year there is nothing to do.
		if items, _ := f.svc.Todos(ctx, f.city.ID, civil.MustParse("2019-06-01")); len(items) != 0 {
			t.Errorf("to-do in 2019: %+v", items)
		}
	})
}
