package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/annualreport"
	"github.com/gongkai/gongkai/internal/application"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/normative"
	"github.com/gongkai/gongkai/internal/web"
)

// The annual reports (政府信息公开工作年度报告, issue 11) are wired here:
// openAnnualReports builds the service on the records of the other
// capabilities (reportSources) and registers the January to-do,
// registerAnnualReports adds the console and portal routes.

// annualReportService names the service for the Core's field.
type annualReportService = annualreport.Service

func (c *Core) openAnnualReports() {
	c.AnnualReports = annualreport.NewService(annualreport.Deps{DB: c.DB, Agencies: reportAgencies{c.Agencies}, Sources: reportSources{c},
		Version: c.Version, Now: c.Disclosure.Now})
	if c.Todos != nil {
		c.Todos.Register(annualreport.TodoSource, c.AnnualReports.Todos)
	}
}

func (a *App) registerAnnualReports(w *web.App, site func(r *http.Request, agencyID int64) web.Site) error {
	_, err := annualreport.Register(w, a.AnnualReports, site, a.Config.Chromium)
	return err
}

// reportAgencies gives the reports the agencies.
type reportAgencies struct{ s *agency.Service }

func reportRef(a *agency.Agency) annualreport.AgencyRef {
	return annualreport.AgencyRef{ID: a.ID, ParentID: a.ParentID, Slug: a.Slug, Name: a.Name, Kind: string(a.Kind)}
}

func (d reportAgencies) Agency(ctx context.Context, id int64) (annualreport.AgencyRef, error) {
	a, err := d.s.Get(ctx, id)
	if err != nil {
		return annualreport.AgencyRef{}, err
	}
	return reportRef(a), nil
}

func (d reportAgencies) AgencyBySlug(ctx context.Context, slug string) (annualreport.AgencyRef, error) {
	a, err := d.s.BySlug(ctx, slug)
	if err != nil {
		return annualreport.AgencyRef{}, err
	}
	return reportRef(a), nil
}

func (d reportAgencies) All(ctx context.Context) ([]annualreport.AgencyRef, error) {
	list, err := d.s.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]annualreport.AgencyRef, len(list))
	for i, a := range list {
		out[i] = reportRef(a)
	}
	return out, nil
}

// reportSources computes the report's tables and facts from the
// applications (tables three and four, fees), the normative-document
// library (table two), and the other capabilities (the facts of section
// 一).
type reportSources struct{ c *Core }

func (s reportSources) TableThree(ctx context.Context, agencyID int64, year int) ([25][7]int64, error) {
	var out [25][7]int64
	t, err := s.c.Applications.TableThree(ctx, agencyID, year)
	if err != nil {
		return out, err
	}
	if len(application.Rows) != 25 {
		return out, fmt.Errorf("table three has %d rows", len(application.Rows))
	}
	for i, ri := range application.Rows {
		for j := 0; j < 7; j++ {
			out[i][j] = int64(t.Get(ri.Row, j))
		}
	}
	return out, nil
}

func (s reportSources) TableFour(ctx context.Context, agencyID int64, year int) ([3][5]int64, error) {
	var out [3][5]int64
	t, err := s.c.Applications.TableFour(ctx, agencyID, year)
	if err != nil {
		return out, err
	}
	for i := range out {
		for j := range out[i] {
			out[i][j] = int64(t.Cells[i][j])
		}
	}
	return out, nil
}

func (s reportSources) Normative(ctx context.Context, agencyID int64, year int) (issued, repealed, inForce int64, err error) {
	lib, err := s.c.Normative.PublicLibrary(ctx, normative.LibraryFilter{Root: agencyID, IssuerID: agencyID, All: true})
	if err != nil {
		return 0, 0, 0, err
	}
	for _, c := range lib.Counts {
		if c.Year == year {
			return int64(c.Issued), int64(c.Repealed), int64(c.InForce), nil
		}
	}
	// No document that year or before: the count in force is that of the
	// latest earlier year listed.
	for _, c := range lib.Counts {
		if c.Year < year {
			return 0, 0, int64(c.InForce), nil
		}
	}
	return 0, 0, 0, nil
}

func (s reportSources) ProcessingFees(ctx context.Context, agencyID int64, year int) (int64, error) {
	return s.c.Applications.FeesReceived(ctx, agencyID, year)
}

// Facts are counts from the platform for the narrative; each source that
// fails is left out (the narrative is a draft staff edit).
func (s reportSources) Facts(ctx context.Context, agencyID int64, year int) ([]annualreport.Fact, error) {
	var out []annualreport.Fact
	add := func(theme, format string, args ...any) {
		out = append(out, annualreport.Fact{Theme: theme, Text: fmt.Sprintf(format, args...)})
	}
	if st, err := s.c.Disclosure.PublishedStats(ctx, agencyID, year); err == nil {
		add("主动公开", "全年通过政府信息公开平台主动公开政府信息%d条", st.Total)
		var cols []string
		for _, c := range st.Columns {
			if c.Parent == nil && c.Count > 0 && len(cols) < 6 {
				cols = append(cols, fmt.Sprintf("%s%d条", c.Column.Name, c.Count))
			}
		}
		if len(cols) > 0 {
			add("主动公开", "其中%s", strings.Join(cols, "、"))
		}
		var five []string
		for _, f := range st.FivePublics {
			if f.Count > 0 {
				five = append(five, fmt.Sprintf("%s%d条", f.Label, f.Count))
			}
		}
		if len(five) > 0 {
			add("主动公开", "按“五公开”分，%s", strings.Join(five, "、"))
		}
	}
	if _, n, err := s.c.Disclosure.PublicList(ctx, disclosure.ListFilter{AgencyIDs: []int64{agencyID}, Year: year, Genre: "解读", Limit: 1}); err == nil && n > 0 {
		add("主动公开", "发布政策解读%d篇", n)
	}
	if issued, repealed, inForce, err := s.Normative(ctx, agencyID, year); err == nil {
		add("主动公开", "制发行政规范性文件%d件，废止%d件，年末现行有效%d件", issued, repealed, inForce)
	}
	if t, err := s.c.Applications.TableThree(ctx, agencyID, year); err == nil {
		add("依申请公开", "全年新收政府信息公开申请%d件，上年结转%d件，办结%d件，结转下年度%d件",
			t.Get(application.RowNewReceived, 6), t.Get(application.RowCarriedOver, 6), t.Get(application.RowTotalProcessed, 6), t.Get(application.RowCarriedForward, 6))
	}
	if t, err := s.c.Applications.TableFour(ctx, agencyID, year); err == nil {
		add("监督保障", "因政府信息公开工作被申请行政复议%d件、提起行政诉讼%d件", t.Cells[0][4], t.Cells[1][4]+t.Cells[2][4])
	}
	if st, err := s.c.Concerns.Statistics(ctx, agencyID, year); err == nil && st.Total.Received > 0 {
		add("政府信息公开平台建设", "领导信箱、留言板等互动渠道全年收到来信留言%d件，答复%d件", st.Total.Received, st.Total.Replied)
	}
	if list, err := s.c.NewMedia.PublicAccounts(ctx, agencyID); err == nil && len(list) > 0 {
		add("政府信息公开平台建设", "运营政务新媒体账号%d个，重要政策信息同步转发", len(list))
	}
	if up, past, err := s.c.OpenDays.PublicList(ctx, agencyID); err == nil {
		n := 0
		for _, e := range append(up, past...) {
			if e.StartsAt.In(civil.Shanghai).Year() == year && e.Past(s.c.Disclosure.Now()) {
				n++
			}
		}
		if n > 0 {
			add("政府信息公开平台建设", "举办政府开放日活动%d场", n)
		}
	}
	if sessions, trained, people, err := s.c.Training.YearSummary(ctx, agencyID, year); err == nil && sessions > 0 {
		add("监督保障", "组织政务公开业务培训%d场，政务公开岗位人员%d人中%d人参加培训", sessions, people, trained)
	}
	if list, err := s.c.Consultations.PublicList(ctx, agencyID); err == nil {
		n := 0
		for _, c := range list {
			if c.OpensOn.Year == year {
				n++
			}
		}
		if n > 0 {
			add("主动公开", "就%d项政策文件草案向社会公开征求意见", n)
		}
	}
	return out, nil
}

// annualReportLinks lists an agency's published annual reports on its
// 政府信息公开年报 column (disclosure.KindReport).
func (a *App) annualReportLinks(ctx context.Context, agencyID int64, col *disclosure.Column) ([]disclosure.ColumnLink, error) {
	if col.Kind != disclosure.KindReport {
		return nil, nil
	}
	ag, err := a.Agencies.Get(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	links, err := a.AnnualReports.PublicLinks(ctx, agencyID, ag.Slug)
	if err != nil {
		return nil, err
	}
	out := make([]disclosure.ColumnLink, len(links))
	for i, l := range links {
		out[i] = disclosure.ColumnLink{Text: l.Text, URL: l.URL, Note: l.Note}
	}
	return out, nil
}
