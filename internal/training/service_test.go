package training_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/training"
)

// directory is the wiring of app, over the real agency and auth services.
type directory struct {
	ag *agency.Service
	au *auth.Service
}

func ref(a *agency.Agency) training.AgencyRef {
	return training.AgencyRef{ID: a.ID, ParentID: a.ParentID, Slug: a.Slug, Name: a.Name, ShortName: a.ShortName, District: a.Kind == agency.DistrictBureau}
}

func (d directory) Agency(ctx context.Context, id int64) (training.AgencyRef, error) {
	a, err := d.ag.Get(ctx, id)
	if err != nil {
		return training.AgencyRef{}, err
	}
	return ref(a), nil
}

func (d directory) Children(ctx context.Context, id int64) ([]training.AgencyRef, error) {
	kids, err := d.ag.Children(ctx, id)
	var out []training.AgencyRef
	for _, k := range kids {
		out = append(out, ref(k))
	}
	return out, err
}

func (d directory) Staff(ctx context.Context, agencyID int64) ([]training.Person, error) {
	users, err := d.au.ListUsers(ctx, auth.Operator("test"), agencyID, auth.StaffFilter{})
	var out []training.Person
	for _, u := range users {
		out = append(out, training.Person{UserID: u.ID, AgencyID: u.AgencyID, Username: u.Username, Name: u.DisplayName, Roles: u.Roles})
	}
	return out, err
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(d string) {
	c.mu.Lock()
	c.t = civil.MustParse(d).Time()
	c.mu.Unlock()
}

type fixture struct {
	svc                *training.Service
	clock              *clock
	city, d1, d2, inst *agency.Agency
	other              *agency.Agency
	manager, managerB  *auth.Principal
	users              map[string]*auth.User
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	op := auth.Operator("test")
	ag := agency.NewService(d)
	au := auth.NewService(d, nil, nil, nil)
	mk := func(slug, name, short string, kind agency.Kind, parent int64) *agency.Agency {
		a, err := ag.Create(ctx, op, agency.NewAgency{Slug: slug, Name: name, ShortName: short, Kind: kind, ParentID: parent}, agency.Settings{})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	f := &fixture{clock: &clock{}, users: map[string]*auth.User{}}
	f.clock.set("2026-06-15")
	f.city = mk("city", "市民族宗教局", "市局", agency.Bureau, 0)
	f.d1 = mk("d1", "甲区民宗办", "甲区", agency.DistrictBureau, f.city.ID)
	f.d2 = mk("d2", "乙区民宗办", "乙区", agency.DistrictBureau, f.city.ID)
	f.inst = mk("inst", "研究中心", "", agency.Institution, f.city.ID)
	f.other = mk("other", "另一局", "", agency.Bureau, 0)
	user := func(a *agency.Agency, username, name string, roles ...auth.Role) {
		u, _, err := au.CreateUser(ctx, op, auth.NewUser{AgencyID: a.ID, Username: username, DisplayName: name, Roles: roles})
		if err != nil {
			t.Fatal(err)
		}
		f.users[username] = u
	}
	user(f.city, "c.editor", "李编辑", auth.Editor)
	user(f.city, "c.reviewer", "王审核", auth.Reviewer)
	user(f.city, "c.liaison", "赵联络", auth.Liaison, auth.Handler)
	user(f.city, "c.admin", "陈管理", auth.AgencyAdmin)
	user(f.city, "c.auditor", "孙审计", auth.Auditor)
	user(f.city, "c.twin1", "张同名", auth.Approver)
	user(f.city, "c.twin2", "张同名", auth.Handler)
	user(f.d1, "d1.editor", "高区编", auth.Editor)
	f.svc = training.NewService(training.Deps{DB: d, Directory: directory{ag, au}, Now: f.clock.Now})
	f.manager = &auth.Principal{UserID: f.users["c.editor"].ID, Username: "c.editor", AgencyID: f.city.ID, Roles: auth.Roles{auth.Editor}, State: auth.StateActive}
	f.managerB = &auth.Principal{Username: "b.editor", AgencyID: f.other.ID, Roles: auth.Roles{auth.Editor}, State: auth.StateActive}
	return f
}

func (f *fixture) session(t *testing.T, day string, invited ...int64) *training.Session {
	t.Helper()
	ctx := context.Background()
	cs, _ := f.svc.Courses(ctx, f.manager)
	var c *training.Course
	if len(cs) > 0 {
		c = cs[0]
	} else {
		var err error
		if c, err = f.svc.CreateCourse(ctx, f.manager, training.CourseFields{Title: "条例培训", Organiser: "市局办公室"}); err != nil {
			t.Fatal(err)
		}
	}
	x, err := f.svc.CreateSession(ctx, f.manager, c.ID, training.SessionFields{HeldOn: day, Place: "会议室", Format: "offline", Invited: invited})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func names(list []training.PersonStatus) string {
	var out []string
	for _, p := range list {
		out = append(out, p.Name)
	}
	return strings.Join(out, ",")
}

// TestComplianceRule: only disclosure roles count, only sessions held in
// the year by the day of the report, only district departments must be
// invited (an invitation to a planned session counts).
func TestComplianceRule(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		last := f.session(t, "2025-12-20")
		if _, err := f.svc.AddAttendance(ctx, f.manager, last.ID, []int64{f.users["c.reviewer"].ID}, ""); err != nil {
			t.Fatal(err)
		}
		x := f.session(t, "2026-03-10", f.d1.ID, f.inst.ID)
		n, err := f.svc.AddAttendance(ctx, f.manager, x.ID, []int64{f.users["c.editor"].ID, f.users["d1.editor"].ID}, "赵联络\n外聘人员 研究中心")
		if err != nil || n != 4 {
			t.Fatalf("attendance: %d %v", n, err)
		}
		c, err := f.svc.Compliance(ctx, f.manager, 2026)
		if err != nil {
			t.Fatal(err)
		}
		// 赵联络 typed by name is matched to the account; the twins and
		// the reviewer (trained last year) are untrained; admin and
		// auditor do not count.
		if got := names(c.Untrained); got != "王审核,张同名,张同名" {
			t.Errorf("untrained: %s", got)
		}
		if len(c.People) != 5 || c.Sessions != 1 {
			t.Errorf("people %d, sessions %d", len(c.People), c.Sessions)
		}
		if len(c.Uninvited) != 1 || c.Uninvited[0].ID != f.d2.ID || len(c.Districts) != 2 {
			t.Errorf("uninvited: %+v", c.Uninvited)
		}
		if c.Districts[0].Attendees != 1 {
			t.Errorf("district attendees: %+v", c.Districts)
		}
		// A planned session inviting d2 closes the district gap, not the
		// people's; attending it is refused until it is held.
		y := f.session(t, "2026-09-01", f.d2.ID)
		if _, err := f.svc.AddAttendance(ctx, f.manager, y.ID, []int64{f.users["c.reviewer"].ID}, ""); apperr.FieldsOf(err)["users"] == "" {
			t.Errorf("attendance before the session: %v", err)
		}
		c, _ = f.svc.Compliance(ctx, f.manager, 2026)
		if len(c.Uninvited) != 0 || c.Planned != 1 || len(c.Untrained) != 3 {
			t.Errorf("after planning: uninvited %d planned %d untrained %d", len(c.Uninvited), c.Planned, len(c.Untrained))
		}
		// Last year: the reviewer was trained, nobody else; d1, d2 not invited.
		c, _ = f.svc.Compliance(ctx, f.manager, 2025)
		if names(c.Untrained) != "李编辑,赵联络,张同名,张同名" || len(c.Uninvited) != 2 || c.AsOf != civil.MustParse("2025-12-31") {
			t.Errorf("2025: %s, %d, %s", names(c.Untrained), len(c.Uninvited), c.AsOf)
		}
		// Records.
		rec, err := f.svc.Record(ctx, f.manager, f.users["d1.editor"].ID)
		if err != nil || !rec.TrainedIn(2026) || len(rec.Years) != 1 {
			t.Errorf("district person's record: %+v %v", rec, err)
		}
		if _, err := f.svc.Record(ctx, f.managerB, f.users["c.editor"].ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other agency's record: %v", err)
		}
		me := &auth.Principal{UserID: f.users["c.reviewer"].ID, AgencyID: f.city.ID, Roles: auth.Roles{auth.Reviewer}, State: auth.StateActive}
		rec, err = f.svc.MyRecord(ctx, me)
		if err != nil || !rec.Counted || rec.TrainedIn(2026) || !rec.TrainedIn(2025) {
			t.Errorf("own record: %+v %v", rec, err)
		}
	})
}

// TestAttendanceRules: scope, roles, names and duplicates.
func TestAttendanceRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		x := f.session(t, "2026-05-10", f.d1.ID)
		for name, tc := range map[string]struct {
			users []int64
			names string
			field string
		}{
			"nothing":       {nil, " \n ", "users"},
			"not invited":   {nil, "某人 乙区民宗办", "names"},
			"other agency":  {[]int64{999999}, "", "users"},
			"hostile name":  {nil, "<script>alert(1)</script>", "names"},
			"too long name": {nil, strings.Repeat("长", 31), "names"},
			"control chars": {nil, "张\x00三", "names"},
		} {
			_, err := f.svc.AddAttendance(ctx, f.manager, x.ID, tc.users, tc.names)
			if apperr.FieldsOf(err)[tc.field] == "" {
				t.Errorf("%s: %v", name, err)
			}
		}
		n, err := f.svc.AddAttendance(ctx, f.manager, x.ID, []int64{f.users["c.editor"].ID}, "李编辑\n钱临时，甲区\n钱临时 甲区民宗办")
		if err != nil || n != 2 {
			t.Errorf("duplicates are skipped: %d %v", n, err)
		}
		if _, err := f.svc.Session(ctx, f.managerB, x.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other agency's session: %v", err)
		}
		viewer := &auth.Principal{AgencyID: f.city.ID, Roles: auth.Roles{auth.Reviewer}, State: auth.StateActive}
		if _, err := f.svc.Sessions(ctx, viewer, 2026); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("reviewer: %v", err)
		}
		// d1 attended: its invitation cannot be withdrawn.
		err = f.svc.UpdateSession(ctx, f.manager, x.ID, training.SessionFields{HeldOn: "2026-05-10", Place: "会议室", Format: "online", Version: x.Version})
		if apperr.FieldsOf(err)["invited"] == "" {
			t.Errorf("withdrawing an invitation of an attending district: %v", err)
		}
		list, _ := f.svc.Attendance(ctx, f.manager, x.ID)
		for _, a := range list {
			if err := f.svc.RemoveAttendance(ctx, f.manager, x.ID, a.ID); err != nil {
				t.Fatal(err)
			}
		}
		err = f.svc.UpdateSession(ctx, f.manager, x.ID, training.SessionFields{HeldOn: "2026-05-10", Place: "会议室", Format: "online", Version: x.Version})
		if err != nil {
			t.Errorf("update: %v", err)
		}
		err = f.svc.UpdateSession(ctx, f.manager, x.ID, training.SessionFields{HeldOn: "2026-05-10", Place: "会议室", Format: "online", Version: x.Version})
		if !apperr.Is(err, apperr.Conflict) {
			t.Errorf("stale version: %v", err)
		}
	})
}

// TestImport: every bad row reported by line, nothing saved; a good file
// is recorded, names matched to accounts, ambiguous names refused.
func TestImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		x := f.session(t, "2026-05-10", f.d1.ID)
		_, err := f.svc.ImportAttendance(ctx, f.manager, x.ID, "a.csv", strings.NewReader("姓名,单位,账号\n张同名,市局,\n李编辑,市局,d1.editor\n=HYPERLINK(1),市局,\n"))
		var ie *training.ImportError
		if !errors.As(err, &ie) || len(ie.Rows) != 3 || ie.Rows[0].Line != 2 || !strings.Contains(ie.Rows[0].Message, "请填写账号") {
			t.Fatalf("bad file: %v %+v", err, ie)
		}
		rep, err := f.svc.ImportAttendance(ctx, f.manager, x.ID, "a.csv",
			strings.NewReader("处室,单位,姓名,账号\n,市局,张同名,c.twin2\n,甲区,高区编,\n宣传处,市局,临时工,\n\n"))
		if err != nil || rep.Added != 3 {
			t.Fatalf("good file: %+v %v", rep, err)
		}
		c, _ := f.svc.Compliance(ctx, f.manager, 2026)
		if names(c.Untrained) != "李编辑,赵联络,王审核,张同名" {
			t.Errorf("untrained after import: %s", names(c.Untrained))
		}
		future := f.session(t, "2026-12-01")
		if _, err := f.svc.ImportAttendance(ctx, f.manager, future.ID, "a.csv", strings.NewReader("姓名,单位\n李编辑,市局\n")); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("import before the session: %v", err)
		}
	})
}

// TestTodos: sessions to prepare within 7 days; the gaps from October.
func TestTodos(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		f.session(t, "2026-10-12")
		items, err := f.svc.Todos(ctx, f.city.ID, civil.MustParse("2026-09-30"))
		if err != nil || len(items) != 0 {
			t.Errorf("September 30: %+v %v", items, err)
		}
		items, _ = f.svc.Todos(ctx, f.city.ID, civil.MustParse("2026-10-06"))
		var got []string
		for _, it := range items {
			got = append(got, it.Title+"@"+it.Due.String())
		}
		want := "培训即将举办：条例培训（2026年10月12日）@2026-10-11|5 名工作人员本年度尚未参加培训@2026-12-31|2 个区级部门本年度尚未受邀@2026-12-31"
		if strings.Join(got, "|") != want {
			t.Errorf("October to-dos:\n%s\nwant\n%s", strings.Join(got, "|"), want)
		}
	})
}

func TestSessionFieldsAndLinks(t *testing.T) {
	for _, s := range []string{"https://a.example/x.pdf", "http://b.example"} {
		if !training.ValidURL(s) {
			t.Errorf("%s refused", s)
		}
	}
	for _, s := range []string{"javascript:alert(1)", "ftp://x", "//x.example", "https://u:p@x.example", "https://x.example/\"onload=", "not a url"} {
		if training.ValidURL(s) {
			t.Errorf("%s accepted", s)
		}
	}
	if _, msg := training.ParseLinks(strings.Repeat("https://a.example/x\n", 21)); msg == "" {
		t.Error("too many links")
	}
	if l, msg := training.ParseLinks("\n https://a.example/1 \n\nhttps://a.example/2"); msg != "" || len(l) != 2 {
		t.Errorf("links: %v %s", l, msg)
	}
}
