package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/annualreport"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
)

// The demo annual reports: 上海市民族和宗教事务局 published its report on
// last year on time (computed from the demo's applications, with the
// manual cells of table two filled in with their sources); 浦东 published
// late; 黄浦 has a draft; the others have not started — so the platform
// administrator's status page shows every state.
func (c *Core) loadDemoAnnualReports(ctx context.Context, ids map[string]int64, divisions map[string]map[string]int64, as func(string) *auth.Principal) error {
	base := c.AnnualReports
	today := civil.Of(base.Now())
	year := today.Year - 1
	at := func(d civil.Date, hour int) *annualreport.Service {
		s := *base
		t := time.Date(d.Year, d.Month, d.Day, hour, 0, 0, 0, civil.Shanghai)
		s.Now = func() time.Time { return t }
		return &s
	}
	manual := []annualreport.CellInput{
		{Code: annualreport.T2("rules", "issued"), Value: "0", Note: "本局不制定规章"},
		{Code: annualreport.T2("rules", "repealed"), Value: "0", Note: "本局不制定规章"},
		{Code: annualreport.T2("rules", "inforce"), Value: "0", Note: "本局不制定规章"},
		{Code: annualreport.T2("licensing", "decisions"), Value: "126", Note: "“一网通办”行政审批系统统计"},
		{Code: annualreport.T2("penalty", "decisions"), Value: "3", Note: "执法总队行政处罚案件台账"},
		{Code: annualreport.T2("coercion", "decisions"), Value: "0", Note: "执法总队行政强制台账"},
		{Code: annualreport.T2("fees", "amount"), Value: "0", Note: "财务处：本局无行政事业性收费项目"},
	}
	publish := func(slug, user string, on civil.Date, done bool) error {
		p := as(user)
		if p == nil || ids[slug] == 0 {
			return nil
		}
		s := at(on.AddDays(-6), 10)
		r, err := s.Open(ctx, p, year)
		if err != nil {
			return fmt.Errorf("demo annual report %s: %w", slug, err)
		}
		for _, in := range manual {
			if err := s.SetCell(ctx, p, r.ID, r.RowVersion, in); err != nil {
				return fmt.Errorf("demo annual report cell %s: %w", in.Code, err)
			}
			r.RowVersion++
		}
		if err := s.SaveSection(ctx, p, r.ID, r.RowVersion, annualreport.SectionProblems,
			"本年度政府信息公开工作仍存在一些不足：一是政策解读的形式还不够丰富，图解、视频解读比例偏低；二是部分区级部门主动公开信息更新不够及时。"+
				"下一步，本局将丰富解读形式，建立区级部门信息更新月度提醒机制，并加强对政府信息公开工作人员的培训。"); err != nil {
			return err
		}
		r.RowVersion++
		if !done {
			return nil
		}
		overview := r.Overview
		for _, hint := range []string{"（请补充本方面的工作情况。）"} {
			overview = strings.ReplaceAll(overview, hint, "全年依法依规开展本方面工作，相关制度和台账健全。")
		}
		if err := s.SaveSection(ctx, p, r.ID, r.RowVersion, annualreport.SectionOverview, overview); err != nil {
			return err
		}
		r.RowVersion++
		if err := at(on, 15).Publish(ctx, p, r.ID, r.RowVersion); err != nil {
			return fmt.Errorf("demo annual report %s publish: %w", slug, err)
		}
		return nil
	}
	if err := c.loadDemoReportHistory(ctx, as("mzzj.admin"), year); err != nil {
		return err
	}
	if err := publish("mzzj", "mzzj.admin", civil.New(year+1, 1, 26), true); err != nil {
		return err
	}
	if err := publish("pudong-mzb", "pudong.admin", civil.New(year+1, 2, 6), true); err != nil {
		return err
	}
	return publish("huangpu-mzb", "huangpu.admin", civil.New(year+1, 1, 20), false)
}

// loadDemoReportHistory imports the bureau's reports on the five years
// before (the first in the 2019 trial format) from XLSX files made with
// invented but consistent figures, as an agency moving to the platform
// would, so that the year-on-year comparison has a history.
func (c *Core) loadDemoReportHistory(ctx context.Context, p *auth.Principal, last int) error {
	if p == nil {
		return nil
	}
	// outcome counts per applicant column (自然人, 商业企业, 科研机构,
	// 社会公益组织, 法律服务机构, 其他) for a base year; later years scale.
	base := map[string][6]int64{
		"granted":                {14, 3, 1, 0, 2, 1},
		"partial":                {3, 1, 0, 0, 0, 0},
		"denied.third_party":     {1, 0, 0, 0, 0, 0},
		"denied.process_info":    {1, 0, 0, 0, 0, 0},
		"unable.not_held":        {6, 1, 0, 1, 1, 0},
		"unable.needs_creation":  {1, 0, 0, 0, 0, 0},
		"not_processed.petition": {2, 0, 0, 0, 0, 0},
		"not_processed.repeat":   {1, 0, 0, 0, 0, 0},
		"other.no_correction":    {1, 0, 0, 0, 0, 0},
	}
	carried := [6]int64{1, 0, 0, 0, 0, 0}
	for i, year := range []int{last - 5, last - 4, last - 3, last - 2, last - 1} {
		if year < annualreport.FirstYear {
			continue
		}
		format := annualreport.Format2021
		if year < 2021 {
			format = annualreport.Format2019
		}
		r := &annualreport.Report{Year: year, Format: format, Cells: annualreport.Cells{}, Overrides: map[string]annualreport.Override{}, Sources: map[string]string{},
			AgencyName: "上海市民族和宗教事务局"}
		forward := [6]int64{int64(i % 2), 0, 0, 0, 0, 0}
		set := func(row string, col int, v int64) {
			r.Cells[annualreport.T3(row, annualreport.ApplicantColumns[col].Code)] += v
			r.Cells[annualreport.T3(row, "total")] += v
		}
		for col := 0; col < 6; col++ {
			var processed int64
			for row, counts := range base {
				v := counts[col] * int64(4+i) / 4
				if format == annualreport.Format2019 && row == "other.no_correction" {
					row = "other"
				}
				set(row, col, v)
				processed += v
			}
			set("total_processed", col, processed)
			set("carried_over", col, carried[col])
			set("carried_forward", col, forward[col])
			set("new_received", col, processed+forward[col]-carried[col])
		}
		carried = forward
		r.Cells[annualreport.T4("reconsideration", "maintained")] = int64(i % 3)
		r.Cells[annualreport.T4("reconsideration", "total")] = int64(i % 3)
		if format == annualreport.Format2021 {
			r.Cells[annualreport.T2("normative", "issued")] = int64(3 + i)
			r.Cells[annualreport.T2("normative", "repealed")] = int64(i % 2)
			r.Cells[annualreport.T2("normative", "inforce")] = int64(20 + 2*i)
			r.Cells[annualreport.T2("licensing", "decisions")] = int64(100 + 7*i)
			r.Cells[annualreport.T2("penalty", "decisions")] = int64(i)
		} else {
			r.Cells[annualreport.T2("normative", "made")] = 4
			r.Cells[annualreport.T2("normative", "published")] = 4
			r.Cells[annualreport.T2("normative", "total")] = 21
			r.Cells[annualreport.T2("licensing", "last_year")] = 12
			r.Cells[annualreport.T2("licensing", "decisions")] = 96
		}
		var b bytes.Buffer
		if err := annualreport.WriteXLSX(&b, r); err != nil {
			return fmt.Errorf("demo report history %d: %w", year, err)
		}
		if _, err := c.AnnualReports.Import(ctx, p, year, format, fmt.Sprintf("%d年政府信息公开工作年度报告.xlsx", year), &b); err != nil {
			var ie *annualreport.ImportError
			if errors.As(err, &ie) {
				return fmt.Errorf("demo report history %d: %s %v", year, ie.Message, ie.Details)
			}
			return fmt.Errorf("demo report history %d: %w", year, err)
		}
	}
	return nil
}
