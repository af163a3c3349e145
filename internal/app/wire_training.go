package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/training"
	"github.com/gongkai/gongkai/internal/web"
)

// Training (培训, issue 9 item 5) is wired here: openTraining builds its
// service and registers its to-do source, registerTraining adds the
// console routes, loadDemoTraining fills the demo.

// trainingService names the training service for the Core's field.
type trainingService = training.Service

func (c *Core) openTraining() {
	c.Training = training.NewService(training.Deps{DB: c.DB, Directory: trainingDirectory{c}, Now: c.Disclosure.Now})
	c.Todos.Register("training", c.Training.Todos)
}

func (a *App) registerTraining(w *web.App, site func(r *http.Request, agencyID int64) web.Site) error {
	_, err := training.Register(w, a.Training)
	return err
}

// registerTrainingJobs: training has no job of its own (its reminders are
// to-do items, which the to-do centre's digest mails).
func (a *App) registerTrainingJobs() {}

// trainingDirectory gives training the agencies and their staff.
type trainingDirectory struct{ c *Core }

func trainingAgency(a *agency.Agency) training.AgencyRef {
	return training.AgencyRef{ID: a.ID, ParentID: a.ParentID, Slug: a.Slug, Name: a.Name, ShortName: a.ShortName, District: a.Kind == agency.DistrictBureau}
}

func (d trainingDirectory) Agency(ctx context.Context, id int64) (training.AgencyRef, error) {
	a, err := d.c.Agencies.Get(ctx, id)
	if err != nil {
		return training.AgencyRef{}, err
	}
	return trainingAgency(a), nil
}

func (d trainingDirectory) Children(ctx context.Context, id int64) ([]training.AgencyRef, error) {
	kids, err := d.c.Agencies.Children(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]training.AgencyRef, len(kids))
	for i, k := range kids {
		out[i] = trainingAgency(k)
	}
	return out, nil
}

// Staff lists an agency's active accounts (read on the platform's behalf:
// training needs the names and roles, not the right to manage accounts).
func (d trainingDirectory) Staff(ctx context.Context, agencyID int64) ([]training.Person, error) {
	users, err := d.c.Auth.ListUsers(ctx, auth.Operator("training"), agencyID, auth.StaffFilter{})
	if err != nil {
		return nil, err
	}
	divs, err := d.c.Agencies.Divisions(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, dv := range divs {
		names[dv.ID] = dv.Name
	}
	out := make([]training.Person, 0, len(users))
	for _, u := range users {
		name := u.DisplayName
		if name == "" {
			name = u.Username
		}
		out = append(out, training.Person{UserID: u.ID, AgencyID: u.AgencyID, Username: u.Username, Name: name, Division: names[u.DivisionID], Roles: u.Roles})
	}
	return out, nil
}

// Demo training of 上海市民族和宗教事务局: two courses held this year with
// attendance (the bureau's staff, people of the invited 浦东新区 office and
// of an institution, one person without an account) and one session in a
// few days. Planted gaps for the compliance report: 周文博 (mzzj.policy,
// editor and liaison) attended nothing, and 黄浦区 was never invited.
const (
	demoTrainingCourse     = "《中华人民共和国政府信息公开条例》专题培训"
	demoTrainingNewMedia   = "政务新媒体运维与信息安全培训"
	demoTrainingUpcoming   = "年度政务公开工作要点解读培训"
	demoTrainingNoAccount  = "钱小芳"
	demoTrainingMaterialsA = "https://mzzj.example.gov.cn/gk/training/ogi-regulation-slides.pdf"
)

func (c *Core) loadDemoTraining(ctx context.Context, ids map[string]int64, divisions map[string]map[string]int64, as func(string) *auth.Principal) error {
	editor := as("mzzj.editor")
	if editor == nil || ids["mzzj"] == 0 {
		return nil
	}
	s := c.Training
	today := civil.Of(s.Now())
	past := func(days int) string {
		d := today.AddDays(-days)
		if d.Year != today.Year {
			d = civil.New(today.Year, time.January, 1)
		}
		return d.String()
	}
	user := func(username string) int64 {
		if p := as(username); p != nil {
			return p.UserID
		}
		return 0
	}
	// 黄浦区 (huangpu-mzb) is never invited: the planted gap.
	pudong, yjzx, fwzx := ids["pudong-mzb"], ids["mzzj-yjzx"], ids["mzzj-fwzx"]

	course, err := s.CreateCourse(ctx, editor, training.CourseFields{Title: demoTrainingCourse, Topic: "依申请公开办理流程与答复规范",
		Organiser: "上海市民族和宗教事务局办公室（政务公开办）", Intro: "结合本系统依申请公开办理实例，讲解法定期限、答复类型和告知书写法。"})
	if err != nil {
		return fmt.Errorf("demo training course: %w", err)
	}
	a, err := s.CreateSession(ctx, editor, course.ID, training.SessionFields{HeldOn: past(75), StartTime: "14:00", Place: "市民族宗教局三楼会议室",
		Format: string(training.Offline), Trainer: "市政府办公厅政务公开办 张老师", Materials: demoTrainingMaterialsA,
		Invited: []int64{pudong, yjzx, fwzx}})
	if err != nil {
		return fmt.Errorf("demo training session: %w", err)
	}
	if _, err := s.AddAttendance(ctx, editor, a.ID, []int64{user("mzzj.editor"), user("mzzj.reviewer"), user("mzzj.handler"), user("mzzj.approver"),
		user("pudong.editor"), user("pudong.handler"), user("yjzx.editor")}, demoTrainingNoAccount); err != nil {
		return fmt.Errorf("demo training attendance: %w", err)
	}

	nm, err := s.CreateCourse(ctx, editor, training.CourseFields{Title: demoTrainingNewMedia, Topic: "政务新媒体管理、信息安全与保密审查",
		Organiser: "上海市民族和宗教事务局办公室（政务公开办）"})
	if err != nil {
		return fmt.Errorf("demo training course: %w", err)
	}
	b, err := s.CreateSession(ctx, editor, nm.ID, training.SessionFields{HeldOn: past(20), StartTime: "09:30", Place: "线上（市政务云视频会议）",
		Format: string(training.Online), Trainer: "局信息中心 李工程师", Invited: []int64{pudong}})
	if err != nil {
		return fmt.Errorf("demo training session: %w", err)
	}
	if _, err := s.AddAttendance(ctx, editor, b.ID, []int64{user("mzzj.liaison"), user("mzzj.editor"), user("pudong.admin")}, ""); err != nil {
		return fmt.Errorf("demo training attendance: %w", err)
	}

	up, err := s.CreateCourse(ctx, editor, training.CourseFields{Title: demoTrainingUpcoming, Topic: "本年度政务公开工作要点和考核指标",
		Organiser: "上海市民族和宗教事务局办公室（政务公开办）"})
	if err != nil {
		return fmt.Errorf("demo training course: %w", err)
	}
	if _, err := s.CreateSession(ctx, editor, up.ID, training.SessionFields{HeldOn: today.AddDays(5).String(), StartTime: "14:00",
		Place: "市民族宗教局一楼多功能厅", Format: string(training.Offline), Trainer: "局办公室负责人", Invited: []int64{pudong, yjzx}}); err != nil {
		return fmt.Errorf("demo training session: %w", err)
	}
	return nil
}
