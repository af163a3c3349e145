package app

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
	"github.com/gongkai/gongkai/internal/workplan"
)

// The work-plan tracker (工作要点台账, issue 9) is wired here: openWorkPlan
// builds its service and registers its to-do source (tasks due within 7
// days or overdue, to the responsible division; a missing hearing of the
// year's work report, to those who manage the plan), registerWorkPlan adds
// its console routes, and loadDemoWorkPlan imports the bureau's published
// 2022 work points (internal/workplan/testdata/mzzj-2022.txt) as the demo
// plan with a year of progress.

type workPlanService = workplan.Service

func (c *Core) openWorkPlan() {
	c.WorkPlans = workplan.NewService(workplan.Deps{DB: c.DB, Now: c.Disclosure.Now})
	if c.Todos != nil {
		c.Todos.Register("workplan", c.WorkPlans.Todos)
	}
}

func (a *App) registerWorkPlan(w *web.App, site func(r *http.Request, agencyID int64) web.Site) error {
	_, err := workplan.Register(w, a.WorkPlans)
	return err
}

// registerWorkPlanJobs adds nothing: the tracker's reminders are its
// to-do items, which the to-do centre's daily digest sends.
func (a *App) registerWorkPlanJobs() {}

// demoPlanYear is the year of the bureau's published work points.
const demoPlanYear = 2022

// demoAssignment is who is responsible for a point of the 2022 plan.
type demoAssignment struct {
	division string
	liaison  string // a demo account, or a name
}

var demoAssignments = map[string]demoAssignment{
	"一（一）": {"宗教工作一处", "mzzj.liaison"},
	"一（二）": {"办公室", "mzzj.editor"},
	"二（一）": {"政策法规处", "mzzj.policy"},
	"二（二）": {"办公室", "mzzj.handler"},
	"二（三）": {"政策法规处", "mzzj.policy"},
	"二（四）": {"民族工作一处", "马建华"},
	"三（一）": {"办公室", "mzzj.editor"},
	"三（二）": {"办公室", "mzzj.editor"},
	"四（一）": {"政策法规处", "mzzj.policy"},
	"四（二）": {"办公室", "mzzj.editor"},
	"四（四）": {"办公室", "mzzj.handler"},
	"五（一）": {"办公室", "mzzj.editor"},
	"五（二）": {"人事处", "顾敏"},
	"五（三）": {"办公室", "mzzj.editor"},
}

// demoUpdate is a progress update of the demo: on a point (or its
// sub-task, "五（二）2."), with evidence found in the demo's data.
type demoUpdate struct {
	task, on, text string
	percent        int
	evidence       []demoEvidence
}

// demoEvidence is an evidence link: an item of the demo found by a word of
// its title, or a fixed path.
type demoEvidence struct {
	kind      workplan.EvidenceKind
	itemTitle string // a published item whose title contains this
	path      string // otherwise this path (may contain {openday})
	label     string
}

// demoUpdates is a year of the bureau's work on its 2022 plan: most points
// done by the year end, one finished in January, three left unfinished
// (they show as overdue).
var demoUpdates = []demoUpdate{
	{"一（一）", "2022-04-15", "4 月以来在门户网站疫情防控专栏每日发布宗教活动场所暂停开放、恢复开放的通告和防疫提示，累计发布 36 条。", 40,
		[]demoEvidence{{kind: workplan.EvidenceItem, itemTitle: "宗教活动场所疫情防控", label: "关于做好宗教活动场所疫情防控工作的通知"}}},
	{"一（一）", "2022-07-10", "宗教活动场所有序恢复开放，专栏同步发布分批恢复开放名单和防控要求，回应群众咨询 120 余件。", 75,
		[]demoEvidence{{kind: workplan.EvidenceOther, path: "/o/mzzj/topics/yqfk", label: "疫情防控专题专栏"}}},
	{"一（一）", "2022-12-20", "全年在专栏发布疫情防控信息 158 条，相关咨询均在规定时限内答复。本项工作完成。", 100, nil},
	{"一（二）", "2022-08-31", "研究中心、少数民族服务中心已在门户网站开设信息公开栏目，正在梳理公共服务事项清单。", 50, nil},
	{"一（二）", "2023-01-16", "两家事业单位的服务指南、办事流程和收费标准全部公开，信息公开栏目纳入局门户网站统一管理。", 100, nil},
	{"二（一）", "2022-05-31", "完成现行有效规范性文件梳理，门户网站政务公开专栏规范性文件栏目按有效性动态标注。", 60,
		[]demoEvidence{{kind: workplan.EvidenceOther, path: "/o/mzzj/normative", label: "规范性文件库"}}},
	{"二（一）", "2022-11-30", "民族宗教系统规范性文件库上线，区民族宗教工作部门的规范性文件一并收录。", 100, nil},
	{"二（二）", "2022-06-30", "建立信息公开、宣传、信访岗位联动机制，每月汇总 12345 热线、领导信箱和留言板的关切问题。", 50, nil},
	{"二（二）", "2022-12-30", "全年通过各渠道回应社会关切 420 件，对宗教活动场所防疫等热点问题及时发布说明。", 100, nil},
	{"二（三）", "2022-03-31", "制定并发布本局 2022 年度重大行政决策事项目录（2 项）。", 40,
		[]demoEvidence{{kind: workplan.EvidenceOther, path: "/o/mzzj/decisions", label: "重大行政决策事项目录"}}},
	{"二（三）", "2022-09-30", "目录内 2 项决策草案均已上网征求意见，召开座谈会 1 次，意见采纳情况已反馈。", 100, nil},
	{"二（四）", "2022-09-20", "举办“走进民族宗教工作”政府开放日，邀请人大代表、政协委员和市民参加并现场评价。", 100,
		[]demoEvidence{{kind: workplan.EvidenceOpenDay, path: "/o/mzzj/opendays/{openday}", label: "政府开放日活动及总结"}}},
	{"三（一）", "2022-06-30", "对照权责清单和公共服务事项清单核对公开标准目录，补充事项 12 项。", 50,
		[]demoEvidence{{kind: workplan.EvidenceOther, path: "/o/mzzj/standards", label: "政务公开标准目录"}}},
	{"三（一）", "2022-12-15", "目录与已发布信息的超链接完成 80%，动态调整机制待局务会审议。", 80, nil},
	{"三（二）", "2022-06-30", "完成门户网站 IPv6 改造方案，报市大数据中心备案。", 30, nil},
	{"三（二）", "2022-10-31", "门户网站完成 IPv6 改造并通过测试，政务新媒体矩阵完成备案。", 70, nil},
	{"三（二）", "2022-12-28", "门户网站已支持 IPv6 访问；“我为政府网站找错”留言全部在 1 个工作日内处理。", 100, nil},
	{"四（一）", "2022-08-15", "出台涉民族宗教领域政策文件 3 件，均同步发布图文解读。", 100,
		[]demoEvidence{{kind: workplan.EvidenceItem, itemTitle: "政策解读", label: "政策解读"}}},
	{"四（二）", "2022-07-20", "明确局政务微博、微信的主管主办职责，重要政策均在发布当日转载。", 60,
		[]demoEvidence{{kind: workplan.EvidenceItem, itemTitle: "政务新媒体管理", label: "政务新媒体管理工作会议"}}},
	{"四（四）", "2022-12-31", "工作人员每日处理平台待办事项，依申请公开和公文备案数据全部录入。", 100, nil},
	{"五（一）", "2022-09-15", "局长听取政务公开工作汇报，研究部署下半年重点工作；各处室明确政务公开联络员。", 100,
		[]demoEvidence{{kind: workplan.EvidenceReport, path: "/console/workplan/hearings", label: "听取汇报记录"}}},
	{"五（二）1.", "2022-11-18", "举办全局政务公开业务培训，分管领导和工作人员全部参加。", 100,
		[]demoEvidence{{kind: workplan.EvidenceItem, itemTitle: "政务公开业务培训", label: "本局举办政务公开业务培训"}}},
	{"五（二）2.", "2022-11-18", "邀请 16 个区民族宗教工作部门参加年度培训。", 100, nil},
	{"五（二）3.", "2022-10-31", "清真三食、宗教活动场所信息完成年度核对，宗教教职人员信息更新中。", 50, nil},
	{"五（三）", "2022-12-15", "邀请人大代表、政协委员和第三方机构开展专项评议，评议结果已反馈相关处室整改。", 100, nil},
}

// demoSubtasks split 五（二） into three sub-tasks.
var demoSubtasks = []struct{ title, division, liaison string }{
	{"机关干部政务公开轮训", "人事处", "顾敏"},
	{"邀请各区民族宗教工作部门参加年度培训", "办公室", "mzzj.editor"},
	{"清真三食、宗教活动场所、宗教教职人员等服务信息动态更新", "民族工作二处", "孙海燕"},
}

func (c *Core) loadDemoWorkPlan(ctx context.Context, ids map[string]int64, divisions map[string]map[string]int64, as func(string) *auth.Principal) error {
	admin, agencyID := as("mzzj.admin"), ids["mzzj"]
	if admin == nil || agencyID == 0 {
		return nil
	}
	// The plan was imported when it was published (14 June 2022) and
	// worked on through the year: each step runs on its own day.
	at := func(day string) *workplan.Service {
		d := civil.MustParse(day)
		s := *c.WorkPlans
		s.Now = func() time.Time { return time.Date(d.Year, d.Month, d.Day, 17, 0, 0, 0, civil.Shanghai) }
		return &s
	}
	s := at("2022-06-14")
	pl, _, err := s.Import(ctx, admin, workplan.Sample2022, demoPlanYear, "")
	if err != nil {
		return fmt.Errorf("demo work plan: %w", err)
	}
	key := func(part *workplan.Part, t *workplan.Task) string { return part.Number + t.Number }
	userID := func(name string) (int64, string) {
		if p := as(name); p != nil {
			return p.UserID, ""
		}
		return 0, name
	}
	for _, part := range pl.Parts {
		for _, t := range part.Tasks {
			a, ok := demoAssignments[key(part, t)]
			if !ok {
				continue
			}
			uid, name := userID(a.liaison)
			if err := s.UpdateTask(ctx, admin, pl.ID, t.ID, workplan.TaskInput{Number: t.Number, Title: t.Title, Body: t.Body,
				DivisionID: divisions["mzzj"][a.division], LiaisonUserID: uid, LiaisonName: name, Due: t.Due.String(), Version: t.Version}); err != nil {
				return fmt.Errorf("demo work plan %s: %w", key(part, t), err)
			}
			if key(part, t) == "五（二）" {
				for _, st := range demoSubtasks {
					uid, name := userID(st.liaison)
					if _, err := s.AddTask(ctx, admin, pl.ID, part.ID, t.ID, workplan.TaskInput{Title: st.title, DivisionID: divisions["mzzj"][st.division],
						LiaisonUserID: uid, LiaisonName: name, Due: t.Due.String()}); err != nil {
						return fmt.Errorf("demo work plan sub-task: %w", err)
					}
				}
			}
		}
	}
	if pl, err = s.Plan(ctx, admin, pl.ID); err != nil {
		return err
	}
	tasks := map[string]*workplan.Task{}
	for _, part := range pl.Parts {
		for _, t := range part.Tasks {
			tasks[key(part, t)] = t
			for _, st := range t.Subtasks {
				tasks[key(part, t)+st.Number] = st
			}
		}
	}
	var openDay int64
	c.DB.R.QueryRowContext(ctx, `SELECT id FROM opendays WHERE agency_id = $1 AND state = 'done' ORDER BY starts_at LIMIT 1`, agencyID).Scan(&openDay)
	for _, u := range demoUpdates {
		t := tasks[u.task]
		if t == nil {
			return fmt.Errorf("demo work plan: no task %s", u.task)
		}
		in := workplan.ProgressInput{ReportedOn: u.on, Body: u.text, Percent: strconv.Itoa(u.percent)}
		for _, e := range u.evidence {
			link, label := e.path, e.label
			if e.itemTitle != "" {
				var id int64
				var title string
				err := c.DB.R.QueryRowContext(ctx, `SELECT id, title FROM items WHERE agency_id = $1 AND status = 'published' AND title LIKE $2 ORDER BY id LIMIT 1`,
					agencyID, "%"+e.itemTitle+"%").Scan(&id, &title)
				if err != nil {
					continue // the item is not in this demo: no link
				}
				link, label = "/o/mzzj/items/"+strconv.FormatInt(id, 10), title
			}
			if link == "/o/mzzj/opendays/{openday}" {
				if openDay == 0 {
					link = "/o/mzzj/opendays"
				} else {
					link = "/o/mzzj/opendays/" + strconv.FormatInt(openDay, 10)
				}
			}
			in.Evidence = append(in.Evidence, workplan.EvidenceInput{Kind: string(e.kind), URL: link, Label: label})
		}
		// The division's liaison reports; the office where none is set.
		reporter := admin
		if p := as(demoReporter(t, pl)); p != nil {
			reporter = p
		}
		if _, err := at(u.on).Report(ctx, reporter, pl.ID, t.ID, in); err != nil {
			if apperr.Is(err, apperr.Forbidden) { // not the reporter's division: the office reports
				if _, err := at(u.on).Report(ctx, admin, pl.ID, t.ID, in); err != nil {
					return fmt.Errorf("demo progress %s: %w", u.task, err)
				}
				continue
			}
			return fmt.Errorf("demo progress %s: %w", u.task, err)
		}
	}
	if err := c.loadDemoCurrentPlan(ctx, admin, as); err != nil {
		return err
	}
	for _, h := range []workplan.HearingInput{
		{HeldOn: "2022-09-15", Leader: "局长 王志远（演示）", Content: "局办公室汇报 2022 年政务公开工作要点上半年推进情况、依申请公开办理情况和门户网站 IPv6 改造进展。",
			Decisions: "一、年底前完成门户网站 IPv6 改造；二、各处室明确政务公开联络员；三、将政务公开经费列入下一年度预算。"},
		{HeldOn: "2025-06-20", Leader: "局长 王志远（演示）", Content: "局办公室汇报 2024 年度政务公开工作情况和 2025 年工作要点。",
			Decisions: "加强政策解读和政务新媒体管理，年内举办政府开放日不少于 2 次。"},
	} {
		if _, err := at(h.HeldOn).AddHearing(ctx, admin, h); err != nil {
			return fmt.Errorf("demo hearing: %w", err)
		}
	}
	return nil
}

// demoReporter is the account that reports on a task: its liaison when
// that is a demo account of the task's division.
func demoReporter(t *workplan.Task, pl *workplan.Plan) string {
	switch pl.LiaisonOf(t) {
	case "赵敏":
		return "mzzj.liaison"
	case "周文博":
		return "mzzj.policy"
	case "张卫东":
		return "mzzj.handler"
	}
	return "mzzj.editor"
}

// loadDemoCurrentPlan gives the bureau a short plan for the current year
// (its wording invented for the demo), with deadlines around today so that
// the tracker shows work in progress, a task due within the week (a to-do
// of 民族工作一处) and an overdue one.
func (c *Core) loadDemoCurrentPlan(ctx context.Context, admin *auth.Principal, as func(string) *auth.Principal) error {
	today := civil.Of(c.WorkPlans.Now())
	by := func(days int) string {
		d := today.AddDays(days)
		return fmt.Sprintf("%d年%d月%d日前", d.Year, int(d.Month), d.Day)
	}
	text := fmt.Sprintf(`%d年政务公开工作要点（演示）
一、深化主动公开
（一）更新政府信息公开指南和公开目录。%s完成（责任处室：办公室）。
（二）清理本局行政规范性文件并公布清理结果。%s完成（责任处室：政策法规处）。
二、回应社会关切
（一）举办“民族团结进步”主题政府开放日。%s完成（责任处室：民族工作一处）。
（二）完成宗教活动场所服务信息年度核对并在网站更新。%s完成（责任处室：宗教工作一处）。
三、加强公开保障
（一）编制下一年度政务公开工作要点。%s完成（责任处室：办公室）。
`, today.Year, by(-40), by(-10), by(5), by(40), by(90))
	at := func(days int) *workplan.Service {
		d := today.AddDays(days)
		s := *c.WorkPlans
		s.Now = func() time.Time { return time.Date(d.Year, d.Month, d.Day, 16, 0, 0, 0, civil.Shanghai) }
		return &s
	}
	pl, dr, err := at(-60).Import(ctx, admin, text, today.Year, "")
	if err != nil {
		if dr != nil {
			return fmt.Errorf("demo current plan: %w %v", err, dr.RowErrors())
		}
		return fmt.Errorf("demo current plan: %w", err)
	}
	step := []struct {
		part, task, days int
		who, text        string
		percent          int
	}{
		{0, 0, -45, "mzzj.editor", "公开指南和公开目录已按新的机构职能更新并上网。", 100},
		{0, 1, -20, "mzzj.policy", "已完成 42 件规范性文件的梳理，清理结果待局务会审议。", 60},
		{1, 0, -3, "mzzj.admin", "开放日方案已确定，报名通道已开放，正在邀请人大代表、政协委员。", 70},
		{1, 1, -7, "mzzj.liaison", "已核对 60% 场所的开放时间、联系电话和地址。", 30},
	}
	for _, u := range step {
		t := pl.Parts[u.part].Tasks[u.task]
		p := as(u.who)
		if p == nil {
			p = admin
		}
		day := today.AddDays(u.days).String()
		if _, err := at(u.days).Report(ctx, p, pl.ID, t.ID, workplan.ProgressInput{ReportedOn: day, Body: u.text, Percent: strconv.Itoa(u.percent)}); err != nil {
			return fmt.Errorf("demo current plan progress: %w", err)
		}
	}
	return nil
}
