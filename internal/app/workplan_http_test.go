package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
)

func init() {
	const (
		viewers   = "agency_admin editor reviewer approver handler liaison" // auth.ViewWorkPlan
		managers  = "agency_admin approver"                                 // auth.ManageWorkPlan
		reporters = "agency_admin editor approver handler liaison"          // auth.ReportProgress
	)
	matrixParts = append(matrixParts, map[string]string{
		"GET /console/workplan":                             viewers,
		"GET /console/workplan/import":                      managers,
		"POST /console/workplan/import":                     managers,
		"GET /console/workplan/hearings":                    viewers,
		"POST /console/workplan/hearings":                   managers,
		"POST /console/workplan/hearings/settings":          managers,
		"GET /console/workplan/{id}":                        viewers,
		"GET /console/workplan/{id}/overview":               viewers,
		"GET /console/workplan/{id}/export.xlsx":            viewers,
		"POST /console/workplan/{id}/parts":                 managers,
		"POST /console/workplan/{id}/tasks":                 managers,
		"GET /console/workplan/{id}/tasks/{task}":           viewers,
		"POST /console/workplan/{id}/tasks/{task}":          managers,
		"POST /console/workplan/{id}/tasks/{task}/delete":   managers,
		"POST /console/workplan/{id}/tasks/{task}/progress": reporters,
	})
	pathFillers = append(pathFillers, func(e *apptest.Env, path string) string {
		if !strings.HasPrefix(path, "/console/workplan/{") {
			return ""
		}
		// A point with progress: the walk's delete is refused, not done.
		plan, task := demoWorkPlanTask(e, "做好民族宗教领域疫情防控信息公开")
		return strings.NewReplacer("{id}", fmt.Sprint(plan), "{task}", fmt.Sprint(task)).Replace(path)
	})
}

const demoWorkPlanTitle = "2022年上海市民族和宗教事务局政务公开工作要点"

func demoWorkPlanTask(e *apptest.Env, title string) (plan, task int64) {
	e.App.DB.R.QueryRow(`SELECT t.plan_id, t.id FROM workplan_tasks t JOIN workplans p ON p.id = t.plan_id JOIN agencies a ON a.id = p.agency_id
		WHERE a.slug = 'mzzj' AND p.year = 2022 AND t.title = $1`, title).Scan(&plan, &task)
	return plan, task
}

func workPlanUserID(e *apptest.Env, username string) int64 {
	var id int64
	e.App.DB.R.QueryRow(`SELECT id FROM staff_users WHERE username = $1`, username).Scan(&id)
	return id
}

// workPlanAs is a client logged in as a demo account.
func workPlanAs(e *apptest.Env, username string) *apptest.Client {
	c := e.Client()
	u, _ := url.Parse(e.URL)
	c.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "gk_session", Value: e.SessionFor(workPlanUserID(e, username)), Path: "/"}})
	return c
}

// TestWorkPlanDemo: the demo plan is the bureau's published 2022 work
// points, with a year of progress, the leader's overview, the ledger and
// the hearing records.
func TestWorkPlanDemo(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := workPlanAs(e, "mzzj.reviewer")
		r := c.Get("/console/workplan")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, demoWorkPlanTitle) {
			t.Fatalf("list: %d", r.StatusCode)
		}
		plan, ipv6 := demoWorkPlanTask(e, "进一步强化政务公开平台建设")
		r = c.Get(fmt.Sprintf("/console/workplan/%d", plan))
		if r.StatusCode != http.StatusOK {
			t.Fatalf("plan: %d", r.StatusCode)
		}
		// Real titles of the seed, as published (四 has no (三)).
		for _, want := range []string{"一、加强信息公开 保障社会稳定", "做好民族宗教领域疫情防控信息公开", "开展有民族宗教特点的政府开放日活动",
			"进一步强化政务公开平台建设", "四（四）", "落实政务公开平台维护的主体责任", "五、加强公开保障 抓好工作落实", "强化信息公开监督和考核评估",
			"机关干部政务公开轮训", "宗教工作一处", "赵敏", "2022-12-31", "已完成", "逾期", "逾期完成", ">80%<", ">100%<", ">50%<"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("plan page lacks %q", want)
			}
		}
		if strings.Contains(r.Body, "四（三）") || strings.Contains(r.Body, "相关附件") {
			t.Error("plan page shows what the seed does not have")
		}
		r = c.Get(fmt.Sprintf("/console/workplan/%d/tasks/%d", plan, ipv6))
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "互联网协议第6版") || !strings.Contains(r.Body, "原文“今年年底”") ||
			!strings.Contains(r.Body, "门户网站已支持 IPv6 访问") || !strings.Contains(r.Body, "完成 100%") {
			t.Errorf("IPv6 task: %d", r.StatusCode)
		}
		if strings.Contains(r.Body, `action="/console/workplan/`+fmt.Sprint(plan)+`/tasks/`+fmt.Sprint(ipv6)+`/progress"`) {
			t.Error("a reviewer is offered the progress form")
		}
		// Evidence links to the demo's own open day and items.
		_, openDay := demoWorkPlanTask(e, "开展有民族宗教特点的政府开放日活动")
		r = c.Get(fmt.Sprintf("/console/workplan/%d/tasks/%d", plan, openDay))
		if !regexp.MustCompile(`href="/o/mzzj/opendays/\d+"`).MatchString(r.Body) {
			t.Error("open-day evidence link missing")
		}
		_, epidemic := demoWorkPlanTask(e, "做好民族宗教领域疫情防控信息公开")
		if r := c.Get(fmt.Sprintf("/console/workplan/%d/tasks/%d", plan, epidemic)); !regexp.MustCompile(`href="/o/mzzj/items/\d+"`).MatchString(r.Body) {
			t.Error("item evidence link missing")
		}
		// The leader's overview.
		r = c.Get(fmt.Sprintf("/console/workplan/%d/overview", plan))
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "<svg") || !strings.Contains(r.Body, "<desc") ||
			!strings.Contains(r.Body, "按责任处室") || !strings.Contains(r.Body, "进一步细化公开标准目录编制") || !strings.Contains(r.Body, "共 16 项任务") {
			t.Errorf("overview: %d", r.StatusCode)
		}
		// The ledger.
		r = c.Get(fmt.Sprintf("/console/workplan/%d/export.xlsx", plan))
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("export: %d", r.StatusCode)
		}
		x, err := excelize.OpenReader(strings.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows("工作要点台账")
		if len(rows) < 20 || rows[0][0] != demoWorkPlanTitle+"台账" {
			t.Errorf("ledger: %d rows", len(rows))
		}
		// Hearings: 2022's is on record.
		r = c.Get("/console/workplan/hearings")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "2022-09-15") || strings.Contains(r.Body, `action="/console/workplan/hearings"`) {
			t.Errorf("hearings: %d", r.StatusCode)
		}
		// Another agency's staff see nothing of it.
		pd := e.AddUser("pudong-mzb", "wp.pudong", auth.AgencyAdmin)
		other := workPlanAs(e, pd.Username)
		for _, p := range []string{fmt.Sprintf("/console/workplan/%d", plan), fmt.Sprintf("/console/workplan/%d/overview", plan),
			fmt.Sprintf("/console/workplan/%d/export.xlsx", plan), fmt.Sprintf("/console/workplan/%d/tasks/%d", plan, ipv6)} {
			if r := other.Get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s as another agency: %d", p, r.StatusCode)
			}
		}
		if r := other.Get("/console/workplan"); strings.Contains(r.Body, demoWorkPlanTitle) {
			t.Error("another agency lists the plan")
		}
		for _, p := range []string{"/console/workplan/abc", "/console/workplan/99999999", fmt.Sprintf("/console/workplan/%d/tasks/0", plan),
			fmt.Sprintf("/console/workplan/%d/tasks/99999999", plan)} {
			if r := c.Get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", p, r.StatusCode)
			}
		}
	})
}

// TestWorkPlanHTTP: import from pasted text with a preview and row-level
// errors, progress by the responsible division only, hostile input shown
// escaped, hearings, and the to-do source.
func TestWorkPlanHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := workPlanAs(e, "mzzj.admin")
		r := admin.Get("/console/workplan/import")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `name="text"`) {
			t.Fatalf("import form: %d", r.StatusCode)
		}
		bad := "2030年甲局工作要点\n一、<script>alert(1)</script>\n（一）甲。13月底前完成。\n（一）乙。\n"
		r = admin.PostForm("/console/workplan/import", url.Values{"year": {""}, "text": {bad}, "action": {"preview"}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "“13月底前”不是有效的月份") ||
			!strings.Contains(r.Body, "第 4 行：要点序号“（一）”在“一、”中重复") || strings.Contains(r.Body, "<script>alert(1)") ||
			strings.Contains(r.Body, `value="import"`) {
			t.Errorf("bad preview: %d", r.StatusCode)
		}
		for name, form := range map[string]url.Values{
			"bad year":                    {"year": {"20x0"}, "text": {"一、部分\n（一）甲。"}},
			"oversized":                   {"year": {"2030"}, "text": {strings.Repeat("长", 70_000)}},
			"long title":                  {"year": {"2030"}, "title": {strings.Repeat("长", 101)}, "text": {"一、部分\n（一）甲。"}},
			"forced import of a bad text": {"year": {"2030"}, "text": {bad}, "action": {"import"}},
			"year already on record":      {"year": {"2022"}, "text": {"一、部分\n（一）甲。"}, "action": {"import"}},
		} {
			if r := admin.PostForm("/console/workplan/import", form); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "form-errors") {
				t.Errorf("%s: %d", name, r.StatusCode)
			}
		}
		good := "2030年上海市民族和宗教事务局政务公开工作要点\n一、深化主动公开\n（一）发布年度报告。1月31日前完成（责任处室：办公室）。\n（二）<b>更新</b>目录。6月底前完成。\n"
		r = admin.PostForm("/console/workplan/import", url.Values{"year": {""}, "text": {good}, "action": {"preview"}})
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "2030-01-31") || !strings.Contains(r.Body, "2030-06-30") ||
			!strings.Contains(r.Body, `value="import"`) || !strings.Contains(r.Body, "&lt;b&gt;更新&lt;/b&gt;") {
			t.Fatalf("preview: %d", r.StatusCode)
		}
		r = admin.PostForm("/console/workplan/import", url.Values{"year": {""}, "text": {good}, "action": {"import"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("import: %d", r.StatusCode)
		}
		planURL := strings.TrimSuffix(r.Header.Get("Location"), "?flash=imported")
		r = admin.Get(planURL)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "发布年度报告") || !strings.Contains(r.Body, "办公室") {
			t.Errorf("imported plan: %d", r.StatusCode)
		}
		if r := admin.Get("/console/workplan"); !strings.Contains(r.Body, "2030年上海市民族和宗教事务局政务公开工作要点") {
			t.Error("the imported plan is not listed")
		}

		// Progress: 赵敏 of 宗教工作一处 reports on her division's point,
		// not on the office's.
		plan, religion := demoWorkPlanTask(e, "做好民族宗教领域疫情防控信息公开")
		_, office := demoWorkPlanTask(e, "推进民族宗教系统单位信息公开")
		liaison := workPlanAs(e, "mzzj.liaison")
		taskURL := fmt.Sprintf("/console/workplan/%d/tasks/%d", plan, religion)
		today := civil.Of(e.App.WorkPlans.Now()).String()
		if r := liaison.Get(taskURL); !strings.Contains(r.Body, `action="`+taskURL+`/progress"`) {
			t.Error("the liaison is not offered the progress form on her division's task")
		}
		if r := liaison.Get(fmt.Sprintf("/console/workplan/%d/tasks/%d", plan, office)); !strings.Contains(r.Body, "您只能报告本处室任务的进展") {
			t.Error("no explanation on another division's task")
		}
		r = liaison.PostForm(fmt.Sprintf("/console/workplan/%d/tasks/%d/progress", plan, office), url.Values{"reported_on": {today}, "progress": {"x"}, "percent": {"10"}})
		if r.StatusCode != http.StatusForbidden {
			t.Errorf("progress on another division's task: %d", r.StatusCode)
		}
		for name, tc := range map[string]struct {
			form  url.Values
			field string
		}{
			"javascript: link": {url.Values{"reported_on": {today}, "progress": {"x"}, "percent": {"10"}, "evidence_kind_1": {"item"},
				"evidence_url_1": {"javascript:alert(1)"}}, "f-evidence_url_1-error"},
			"data: link": {url.Values{"reported_on": {today}, "progress": {"x"}, "percent": {"10"}, "evidence_kind_2": {"report"},
				"evidence_url_2": {"data:text/html,x"}}, "f-evidence_url_2-error"},
			"no text":       {url.Values{"reported_on": {today}, "percent": {"10"}}, "f-progress-error"},
			"50,000 chars":  {url.Values{"reported_on": {today}, "progress": {strings.Repeat("长", 50_000)}, "percent": {"10"}}, "f-progress-error"},
			"bad date":      {url.Values{"reported_on": {"2022-02-30"}, "progress": {"x"}, "percent": {"10"}}, "f-reported_on-error"},
			"percent > 100": {url.Values{"reported_on": {today}, "progress": {"x"}, "percent": {"101"}}, "f-percent-error"},
		} {
			r := liaison.PostForm(taskURL+"/progress", tc.form)
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.field) {
				t.Errorf("%s: %d, no %s", name, r.StatusCode, tc.field)
			}
		}
		r = liaison.PostForm(taskURL+"/progress", url.Values{"reported_on": {today}, "progress": {"<script>alert(2)</script>补充报告"}, "percent": {"100"},
			"evidence_kind_1": {"item"}, "evidence_url_1": {"/o/mzzj/items/1"}, "evidence_label_1": {"<img src=x onerror=alert(3)>"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("progress: %d %s", r.StatusCode, r.Body)
		}
		r = liaison.Get(taskURL)
		if strings.Contains(r.Body, "<script>alert(2)") || strings.Contains(r.Body, "<img src=x") || !strings.Contains(r.Body, "&lt;script&gt;alert(2)") {
			t.Error("hostile progress not escaped")
		}

		// Hearings.
		for name, form := range map[string]url.Values{
			"empty":       {"held_on": {""}, "leader": {""}, "content": {""}},
			"future date": {"held_on": {"2999-01-01"}, "leader": {"局长"}, "content": {"x"}},
		} {
			if r := admin.PostForm("/console/workplan/hearings", form); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-held_on-error") {
				t.Errorf("hearing %s: %d", name, r.StatusCode)
			}
		}
		if r := admin.PostForm("/console/workplan/hearings/settings", url.Values{"hearing_due": {"02-30"}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "f-hearing_due-error") {
			t.Errorf("bad hearing due day: %d", r.StatusCode)
		}
		r = admin.PostForm("/console/workplan/hearings", url.Values{"held_on": {today}, "leader": {"局长 王志远"}, "content": {"听取全年工作汇报"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Errorf("hearing: %d", r.StatusCode)
		}

		// The to-do source is registered: in a year without a hearing, the
		// missing hearing is a to-do for those who manage the plan.
		src, ok := e.App.Todos.Source("workplan")
		if !ok {
			t.Fatal("no workplan to-do source")
		}
		items, err := src(context.Background(), e.Agency("mzzj").ID, civil.New(2031, 12, 15))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, it := range items {
			found = found || it.Perm == auth.ManageWorkPlan && strings.Contains(it.Title, "2031 年尚无记录")
		}
		if !found {
			t.Errorf("to-dos: %+v", items)
		}
		// The imported 2030 plan's 一(一) (due 2030-01-31) is due soon on 2030-01-28, for the office.
		items, _ = src(context.Background(), e.Agency("mzzj").ID, civil.New(2030, 1, 28))
		found = false
		for _, it := range items {
			found = found || strings.Contains(it.Title, "发布年度报告") && it.Due.String() == "2030-01-31" && it.DivisionID != 0 && it.Perm == auth.ReportProgress
		}
		if !found {
			t.Errorf("task to-dos: %+v", items)
		}
	})
}
