package workplan_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/workplan"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) set(day string) {
	d := civil.MustParse(day)
	c.mu.Lock()
	c.t = time.Date(d.Year, d.Month, d.Day, 10, 0, 0, 0, civil.Shanghai)
	c.mu.Unlock()
}

type fixture struct {
	svc                 *workplan.Service
	clock               *clock
	agencyA, agencyB    int64
	office, religion    int64
	admin, approver     *auth.Principal
	liaison, officeStaf *auth.Principal
	loner, reviewer     *auth.Principal
	otherAdmin          *auth.Principal
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{clock: &clock{}}
	f.clock.set("2022-06-14")
	op := auth.Operator("test")
	ag := agency.NewService(d)
	a, err := ag.Create(ctx, op, agency.NewAgency{Slug: "a-bureau", Kind: agency.Bureau, Name: "甲局"}, agency.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ag.Create(ctx, op, agency.NewAgency{Slug: "b-bureau", Kind: agency.Bureau, Name: "乙局"}, agency.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	f.agencyA, f.agencyB = a.ID, b.ID
	if f.office, err = ag.CreateDivision(ctx, op, a.ID, "办公室", 10); err != nil {
		t.Fatal(err)
	}
	if f.religion, err = ag.CreateDivision(ctx, op, a.ID, "宗教工作一处", 20); err != nil {
		t.Fatal(err)
	}
	users := auth.NewService(d, nil, nil, nil)
	p := func(agencyID, division int64, name string, roles ...auth.Role) *auth.Principal {
		u, _, err := users.CreateUser(ctx, op, auth.NewUser{AgencyID: agencyID, DivisionID: division, Username: name, DisplayName: "用户" + name, Roles: roles})
		if err != nil {
			t.Fatal(err)
		}
		return &auth.Principal{UserID: u.ID, Username: name, DisplayName: u.DisplayName, AgencyID: agencyID, DivisionID: division, Roles: roles, State: auth.StateActive}
	}
	f.admin = p(a.ID, f.office, "admin.a", auth.AgencyAdmin)
	f.approver = p(a.ID, f.office, "approver.a", auth.Approver)
	f.liaison = p(a.ID, f.religion, "liaison.a", auth.Liaison)
	f.officeStaf = p(a.ID, f.office, "editor.a", auth.Editor)
	f.loner = p(a.ID, 0, "handler.a", auth.Handler)
	f.reviewer = p(a.ID, f.office, "reviewer.a", auth.Reviewer)
	f.otherAdmin = p(b.ID, 0, "admin.b", auth.AgencyAdmin)
	f.svc = workplan.NewService(workplan.Deps{DB: d, Now: f.clock.Now})
	return f
}

func importSeed(t *testing.T, f *fixture) *workplan.Plan {
	t.Helper()
	pl, d, err := f.svc.Import(context.Background(), f.admin, workplan.Sample2022, 0, "")
	if err != nil {
		t.Fatalf("import: %v %v", err, d.RowErrors())
	}
	return pl
}

func fieldErr(t *testing.T, err error, field string) {
	t.Helper()
	if apperr.FieldsOf(err)[field] == "" {
		t.Errorf("want a message for %s, got %v (%v)", field, err, apperr.FieldsOf(err))
	}
}

func TestImportAndBuild(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		if _, _, err := f.svc.Import(ctx, f.officeStaf, workplan.Sample2022, 0, ""); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("an editor imported: %v", err)
		}
		pl := importSeed(t, f)
		if pl.Year != 2022 || pl.Title != "2022年上海市民族和宗教事务局政务公开工作要点" || len(pl.Parts) != 5 || len(pl.Leaves()) != 14 {
			t.Fatalf("plan %d %q: %d parts, %d tasks", pl.Year, pl.Title, len(pl.Parts), len(pl.Leaves()))
		}
		if pl.Parts[3].Tasks[2].Number != "（四）" {
			t.Errorf("四's third point: %s", pl.Parts[3].Tasks[2].Number)
		}
		// The year is on record: a second import is refused with a message.
		_, dr, err := f.svc.Import(ctx, f.admin, workplan.Sample2022, 0, "")
		if !apperr.Is(err, apperr.Invalid) || dr == nil || !strings.Contains(dr.RowErrors()[0].Text, "2022 年度的工作要点已经建立") {
			t.Errorf("second import: %v", err)
		}
		// A bad text saves nothing.
		var before int
		d.R.QueryRow(`SELECT count(*) FROM workplan_tasks`).Scan(&before)
		if _, dr, err := f.svc.Import(ctx, f.admin, "一、部分\n（一）甲。13月底前。\n（二）乙。", 2023, ""); err == nil || dr.OK() {
			t.Error("bad text imported")
		}
		// A division named in the text must exist.
		if dr, _ := f.svc.Preview(ctx, f.admin, "一、部分\n（一）甲（责任处室：不存在处）。", 2023); dr.OK() {
			t.Error("unknown division accepted")
		}
		dr, _ = f.svc.Preview(ctx, f.admin, "一、部分\n（一）甲（责任处室：宗教工作一处）。", 2023)
		if !dr.OK() || dr.Parts[0].Tasks[0].DivisionID != f.religion {
			t.Errorf("division note: %v", dr.RowErrors())
		}
		var after int
		d.R.QueryRow(`SELECT count(*) FROM workplan_tasks`).Scan(&after)
		if after != before {
			t.Errorf("%d tasks saved by failed imports", after-before)
		}
		// Another agency sees nothing.
		if _, err := f.svc.Plan(ctx, f.otherAdmin, pl.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other agency: %v", err)
		}
		if list, _ := f.svc.Plans(ctx, f.otherAdmin); len(list) != 0 {
			t.Error("other agency lists the plan")
		}

		// Build: assign, edit, split, delete.
		point := pl.Parts[0].Tasks[0]
		in := workplan.TaskInput{Number: point.Number, Title: point.Title, Body: point.Body, DivisionID: f.religion, LiaisonUserID: f.liaison.UserID,
			Due: "2022-12-31", Version: point.Version}
		if err := f.svc.UpdateTask(ctx, f.liaison, pl.ID, point.ID, in); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a liaison edited the plan: %v", err)
		}
		bad := in
		bad.Due, bad.Title, bad.DivisionID = "", strings.Repeat("长", 200), f.religion+999
		err = f.svc.UpdateTask(ctx, f.admin, pl.ID, point.ID, bad)
		fieldErr(t, err, "due")
		fieldErr(t, err, "title")
		fieldErr(t, err, "division")
		for _, due := range []string{"2022-13-01", "2022/12/31", "2019-12-31", "明年"} {
			bad := in
			bad.Due = due
			fieldErr(t, f.svc.UpdateTask(ctx, f.admin, pl.ID, point.ID, bad), "due")
		}
		if err := f.svc.UpdateTask(ctx, f.admin, pl.ID, point.ID, in); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.UpdateTask(ctx, f.admin, pl.ID, point.ID, in); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("stale version: %v", err)
		}
		pl, _ = f.svc.Plan(ctx, f.admin, pl.ID)
		point = pl.Parts[0].Tasks[0]
		if point.Division != "宗教工作一处" || point.LiaisonName != "用户liaison.a" || point.DueRule == "" {
			t.Errorf("assigned: %q %q", point.Division, point.LiaisonName)
		}
		training := pl.Parts[4].Tasks[1]
		for _, title := range []string{"机关干部轮训", "邀请各区参加年度培训"} {
			if _, err := f.svc.AddTask(ctx, f.admin, pl.ID, training.PartID, training.ID, workplan.TaskInput{Title: title, Due: "2022-11-30"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.AddTask(ctx, f.admin, pl.ID, 0, 0, workplan.TaskInput{Title: "无所属部分", Due: "2022-11-30"}); apperr.FieldsOf(err)["part"] == "" {
			t.Errorf("task without a part: %v", err)
		}
		if err := f.svc.AddPart(ctx, f.admin, pl.ID, "", "<b>新增</b>部分"); err != nil {
			t.Fatal(err)
		}
		fieldErr(t, f.svc.AddPart(ctx, f.admin, pl.ID, "一", "重复序号"), "part_number")
		pl, _ = f.svc.Plan(ctx, f.admin, pl.ID)
		if p := pl.Parts[5]; p.Number != "六" || p.Title != "<b>新增</b>部分" {
			t.Errorf("new part: %s、%s", p.Number, p.Title)
		}
		training = pl.Parts[4].Tasks[1]
		if len(training.Subtasks) != 2 || training.Subtasks[1].Number != "2." || len(pl.Leaves()) != 15 {
			t.Fatalf("sub-tasks: %d, leaves %d", len(training.Subtasks), len(pl.Leaves()))
		}
		if _, err := f.svc.Report(ctx, f.admin, pl.ID, training.ID, workplan.ProgressInput{ReportedOn: "2022-06-14", Body: "x", Percent: "10"}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("progress on a split point: %v", err)
		}
		if err := f.svc.DeleteTask(ctx, f.admin, pl.ID, training.ID); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("deleted a point with sub-tasks: %v", err)
		}
		if err := f.svc.DeleteTask(ctx, f.admin, pl.ID, training.Subtasks[1].ID); err != nil {
			t.Error(err)
		}
	})
}

func TestProgress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		pl := importSeed(t, f)
		point := pl.Parts[0].Tasks[0] // → 宗教工作一处
		other := pl.Parts[0].Tasks[1] // → 办公室
		for _, x := range []struct {
			t   *workplan.Task
			div int64
		}{{point, f.religion}, {other, f.office}} {
			if err := f.svc.UpdateTask(ctx, f.admin, pl.ID, x.t.ID, workplan.TaskInput{Number: x.t.Number, Title: x.t.Title, Body: x.t.Body,
				DivisionID: x.div, Due: x.t.Due.String(), Version: x.t.Version}); err != nil {
				t.Fatal(err)
			}
		}
		ok := workplan.ProgressInput{ReportedOn: "2022-06-14", Body: "每日发布防疫信息", Percent: "40",
			Evidence: []workplan.EvidenceInput{{Kind: "item", URL: "/o/a-bureau/items/1", Label: "防疫通知"}, {}, {Kind: "report", URL: "https://www.example.gov.cn/r.pdf"}}}
		// The division's liaison reports on its task, not on another division's.
		if _, err := f.svc.Report(ctx, f.liaison, pl.ID, point.ID, ok); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Report(ctx, f.liaison, pl.ID, other.ID, ok); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("liaison on another division's task: %v", err)
		}
		if _, err := f.svc.Report(ctx, f.reviewer, pl.ID, point.ID, ok); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a reviewer reported: %v", err)
		}
		if _, err := f.svc.Report(ctx, f.otherAdmin, pl.ID, point.ID, ok); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency reported: %v", err)
		}
		// With no division, or with ManageWorkPlan, on any task.
		if _, err := f.svc.Report(ctx, f.loner, pl.ID, other.ID, ok); err != nil {
			t.Error(err)
		}
		if _, err := f.svc.Report(ctx, f.approver, pl.ID, point.ID, workplan.ProgressInput{ReportedOn: "2022-06-13", Body: "补录", Percent: "20"}); err != nil {
			t.Error(err)
		}
		// Bad input: field by field, nothing saved.
		var before int
		d.R.QueryRow(`SELECT count(*) FROM workplan_progress`).Scan(&before)
		for name, tc := range map[string]struct {
			in    workplan.ProgressInput
			field string
		}{
			"no text":        {workplan.ProgressInput{ReportedOn: "2022-06-14", Percent: "50"}, "progress"},
			"too long":       {workplan.ProgressInput{ReportedOn: "2022-06-14", Body: strings.Repeat("长", 2001), Percent: "50"}, "progress"},
			"future date":    {workplan.ProgressInput{ReportedOn: "2022-06-15", Body: "x", Percent: "50"}, "reported_on"},
			"malformed date": {workplan.ProgressInput{ReportedOn: "2022-02-30", Body: "x", Percent: "50"}, "reported_on"},
			"percent 120":    {workplan.ProgressInput{ReportedOn: "2022-06-14", Body: "x", Percent: "120"}, "percent"},
			"percent text":   {workplan.ProgressInput{ReportedOn: "2022-06-14", Body: "x", Percent: "1; DROP TABLE workplans"}, "percent"},
			"javascript:": {workplan.ProgressInput{ReportedOn: "2022-06-14", Body: "x", Percent: "50",
				Evidence: []workplan.EvidenceInput{{Kind: "item", URL: "javascript:alert(1)", Label: "x"}}}, "evidence_url_1"},
			"protocol-relative": {workplan.ProgressInput{ReportedOn: "2022-06-14", Body: "x", Percent: "50",
				Evidence: []workplan.EvidenceInput{{}, {Kind: "item", URL: "//evil.example/x"}}}, "evidence_url_2"},
			"no kind": {workplan.ProgressInput{ReportedOn: "2022-06-14", Body: "x", Percent: "50",
				Evidence: []workplan.EvidenceInput{{Kind: "../x", URL: "/o/a/items/1"}}}, "evidence_kind_1"},
			"four links": {workplan.ProgressInput{ReportedOn: "2022-06-14", Body: "x", Percent: "50",
				Evidence: make([]workplan.EvidenceInput, 4)}, "evidence_url_1"},
		} {
			_, err := f.svc.Report(ctx, f.admin, pl.ID, point.ID, tc.in)
			if apperr.FieldsOf(err)[tc.field] == "" {
				t.Errorf("%s: %v", name, err)
			}
		}
		var after int
		d.R.QueryRow(`SELECT count(*) FROM workplan_progress`).Scan(&after)
		if after != before {
			t.Errorf("%d updates saved by bad input", after-before)
		}
		// The latest update by date sets the percent (the back-dated 20%
		// does not); 100 completes it, a later correction reopens it.
		pl, _ = f.svc.Plan(ctx, f.admin, pl.ID)
		if p := pl.Parts[0].Tasks[0]; p.Percent != 40 || p.Status != workplan.InProgress || p.Latest.Body != "每日发布防疫信息" {
			t.Errorf("after updates: %d%% %s", p.Percent, p.Status)
		}
		hist, err := f.svc.History(ctx, f.liaison, pl.ID, point.ID)
		if err != nil || len(hist) != 2 || len(hist[0].Evidence) != 2 || hist[0].Evidence[1].Label != "报告或总结" || hist[0].AuthorName != "用户liaison.a" {
			t.Fatalf("history: %v %+v", err, hist)
		}
		f.clock.set("2022-12-20")
		if _, err := f.svc.Report(ctx, f.liaison, pl.ID, point.ID, workplan.ProgressInput{ReportedOn: "2022-12-20", Body: "完成", Percent: "100%"}); err != nil {
			t.Fatal(err)
		}
		f.clock.set("2023-01-05")
		pl, _ = f.svc.Plan(ctx, f.admin, pl.ID)
		if p := pl.Parts[0].Tasks[0]; p.Status != workplan.Done || p.CompletedOn.String() != "2022-12-20" || p.Late() {
			t.Errorf("done: %s %s", p.Status, p.CompletedOn)
		}
		if p := pl.Parts[0].Tasks[1]; p.Status != workplan.Overdue || p.DueNote() != "已逾期 5 天" {
			t.Errorf("overdue: %s %q", p.Status, p.DueNote())
		}
		if _, err := f.svc.Report(ctx, f.loner, pl.ID, other.ID, workplan.ProgressInput{ReportedOn: "2023-01-05", Body: "逾期完成", Percent: "100"}); err != nil {
			t.Fatal(err)
		}
		pl, _ = f.svc.Plan(ctx, f.admin, pl.ID)
		if p := pl.Parts[0].Tasks[1]; p.Status != workplan.Done || !p.Late() {
			t.Errorf("late: %s %v", p.Status, p.Late())
		}
		if err := f.svc.DeleteTask(ctx, f.admin, pl.ID, other.ID); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("deleted a task with progress: %v", err)
		}
	})
}

func TestOverviewTodosAndLedger(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		f.clock.set("2022-03-01")
		pl, dr, err := f.svc.Import(ctx, f.admin, `2022年甲局政务公开工作要点
一、主动公开
（一）发布年度报告。3月5日前完成（责任处室：办公室）。
（二）更新目录。6月底前完成（责任处室：宗教工作一处）。
二、回应关切
（一）开展开放日。2月底前完成。
（二）<script>alert(1)</script>。年内完成。
`, 0, "")
		if err != nil {
			t.Fatalf("%v %v", err, dr.RowErrors())
		}
		// 一(一) due in 4 days, 二(一) overdue, the others later.
		items, err := f.svc.Todos(ctx, f.agencyA, f.svc.Today())
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, it := range items {
			got[it.Title] = true
			if it.Source != "workplan" || it.URL == "" || it.Due.IsZero() || it.AgencyID != f.agencyA {
				t.Errorf("item %+v", it)
			}
			if strings.Contains(it.Title, "发布年度报告") && (it.DivisionID != f.office || it.Perm != auth.ReportProgress || it.Due.String() != "2022-03-05") {
				t.Errorf("due-soon item %+v", it)
			}
			if strings.Contains(it.Title, "开展开放日") && it.Kind != "工作要点任务逾期" {
				t.Errorf("overdue item %+v", it)
			}
		}
		if len(items) != 2 || !got["2022年工作要点 （一）发布年度报告"] || !got["2022年工作要点 （一）开展开放日"] {
			t.Errorf("to-dos: %v", got)
		}
		// Another agency's to-dos do not include these.
		if other, _ := f.svc.Todos(ctx, f.agencyB, f.svc.Today()); len(other) != 0 {
			t.Errorf("agency B: %v", other)
		}
		point := pl.Parts[0].Tasks[0]
		if _, err := f.svc.Report(ctx, f.officeStaf, pl.ID, point.ID, workplan.ProgressInput{ReportedOn: "2022-03-01", Body: "已发布", Percent: "100"}); err != nil {
			t.Fatal(err)
		}
		o, err := f.svc.Overview(ctx, f.reviewer, pl.ID)
		if err != nil {
			t.Fatal(err)
		}
		if o.Total.Total != 4 || o.Total.Done != 1 || o.Total.Overdue != 1 || o.Total.NotStarted != 2 || o.Total.Percent != 25 {
			t.Errorf("total %+v", o.Total)
		}
		if len(o.Parts) != 2 || o.Parts[0].Tally.Percent != 50 || o.Parts[1].Tally.Overdue != 1 {
			t.Errorf("parts %+v", o.Parts)
		}
		if len(o.Overdue) != 1 || o.Overdue[0].Title != "开展开放日" || o.DivisionOf[o.Overdue[0].ID] != "（未分配处室）" {
			t.Errorf("overdue %+v", o.Overdue)
		}
		if len(o.Divisions) != 3 || len(o.Breakdowns) != 2 || o.Breakdowns[0].Chart.Bars[0].W != workplan.BarWidth/2 {
			t.Errorf("divisions %+v", o.Divisions)
		}
		if _, err := f.svc.Overview(ctx, f.otherAdmin, pl.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other agency overview: %v", err)
		}

		var buf bytes.Buffer
		if err := f.svc.Export(ctx, f.reviewer, pl.ID, &buf); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows("工作要点台账")
		if len(rows) != 3+2+4 || rows[0][0] != "2022年甲局政务公开工作要点台账" || rows[2][1] != "工作要点与任务" || rows[3][0] != "一、主动公开" {
			t.Fatalf("ledger rows: %q", rows)
		}
		if r := rows[4]; r[0] != "一（一）" || r[2] != "办公室" || r[4] != "2022-03-05" || r[5] != "已完成" || r[6] != "100%" || !strings.HasPrefix(r[7], "2022-03-01：已发布") {
			t.Errorf("task row: %q", r)
		}
		if r := rows[8]; r[1] != "<script>alert(1)</script>" {
			t.Errorf("hostile title: %q", r)
		}
		layout, _ := x.GetPageLayout("工作要点台账")
		if layout.Orientation == nil || *layout.Orientation != "landscape" {
			t.Error("the ledger does not print landscape")
		}
		if _, err := f.svc.Plans(ctx, &auth.Principal{AgencyID: f.agencyA, Roles: auth.Roles{auth.Auditor}, State: auth.StateActive}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("an auditor listed plans: %v", err)
		}
	})
}

func TestHearings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		f.clock.set("2026-10-15")
		st, err := f.svc.HearingStatus(ctx, f.agencyA, f.svc.Today())
		if err != nil || st.Flagged || st.Reminder || st.Due.String() != "2026-11-30" {
			t.Fatalf("before: %+v %v", st, err)
		}
		if items, _ := f.svc.Todos(ctx, f.agencyA, f.svc.Today()); len(items) != 0 {
			t.Errorf("to-dos a month and a half early: %v", items)
		}
		f.clock.set("2026-11-10")
		items, _ := f.svc.Todos(ctx, f.agencyA, f.svc.Today())
		if len(items) != 1 || items[0].Perm != auth.ManageWorkPlan || items[0].Due.String() != "2026-11-30" || items[0].URL != workplan.HearingsURL {
			t.Errorf("reminder: %+v", items)
		}
		f.clock.set("2026-12-01")
		if st, _ := f.svc.HearingStatus(ctx, f.agencyA, f.svc.Today()); !st.Flagged {
			t.Error("not flagged after the due day")
		}
		// Bad input.
		for name, tc := range map[string]struct {
			in    workplan.HearingInput
			field string
		}{
			"no date":     {workplan.HearingInput{Leader: "局长", Content: "汇报"}, "held_on"},
			"future":      {workplan.HearingInput{HeldOn: "2026-12-02", Leader: "局长", Content: "汇报"}, "held_on"},
			"bad date":    {workplan.HearingInput{HeldOn: "2026-11-31", Leader: "局长", Content: "汇报"}, "held_on"},
			"no leader":   {workplan.HearingInput{HeldOn: "2026-11-20", Content: "汇报"}, "leader"},
			"no content":  {workplan.HearingInput{HeldOn: "2026-11-20", Leader: "局长"}, "content"},
			"long leader": {workplan.HearingInput{HeldOn: "2026-11-20", Leader: strings.Repeat("长", 51), Content: "x"}, "leader"},
		} {
			if _, err := f.svc.AddHearing(ctx, f.admin, tc.in); apperr.FieldsOf(err)[tc.field] == "" {
				t.Errorf("%s: %v", name, err)
			}
		}
		if _, err := f.svc.AddHearing(ctx, f.liaison, workplan.HearingInput{HeldOn: "2026-11-20", Leader: "局长", Content: "汇报"}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a liaison recorded a hearing: %v", err)
		}
		if _, err := f.svc.AddHearing(ctx, f.approver, workplan.HearingInput{HeldOn: "2026-11-20", Leader: "局长 张三", Content: "听取全年工作汇报", Decisions: "部署明年工作"}); err != nil {
			t.Fatal(err)
		}
		list, st, err := f.svc.Hearings(ctx, f.reviewer)
		if err != nil || len(list) != 1 || st.Count != 1 || st.Flagged {
			t.Errorf("after: %v %+v %v", len(list), st, err)
		}
		if items, _ := f.svc.Todos(ctx, f.agencyA, f.svc.Today()); len(items) != 0 {
			t.Errorf("to-dos after the hearing: %v", items)
		}
		if list, _, _ := f.svc.Hearings(ctx, f.otherAdmin); len(list) != 0 {
			t.Error("other agency sees the hearing")
		}
		// The due day is the agency's setting.
		for _, bad := range []string{"", "13-01", "02-30", "02-29", "11/30", "1130", "<b>"} {
			fieldErr(t, f.svc.SetHearingDue(ctx, f.admin, bad), "hearing_due")
		}
		if err := f.svc.SetHearingDue(ctx, f.liaison, "9-30"); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("liaison changed the setting: %v", err)
		}
		if err := f.svc.SetHearingDue(ctx, f.otherAdmin, "9-30"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetHearingDue(ctx, f.otherAdmin, "10-15"); err != nil {
			t.Fatal(err)
		}
		if st, _ := f.svc.HearingStatus(ctx, f.agencyB, civil.New(2026, 10, 16)); st.MonthDay != "10-15" || !st.Flagged {
			t.Errorf("agency B: %+v", st)
		}
		if st, _ := f.svc.HearingStatus(ctx, f.agencyA, civil.New(2026, 10, 16)); st.MonthDay != workplan.DefaultHearingDue {
			t.Errorf("agency A: %+v", st)
		}
	})
}
