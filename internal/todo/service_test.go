package todo_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/ratelimit"
	"github.com/gongkai/gongkai/internal/todo"
)

func principal(id, agencyID, division int64, roles ...auth.Role) *auth.Principal {
	return &auth.Principal{UserID: id, Username: "u", AgencyID: agencyID, DivisionID: division, Roles: roles, State: auth.StateActive}
}

// Who sees what on their own list (我的待办).
func TestVisible(t *testing.T) {
	const agency, other, office, first = 1, 2, 10, 11
	handler := principal(7, agency, office, auth.Handler)
	noDivision := principal(8, agency, 0, auth.Handler)
	liaison := principal(9, agency, first, auth.Liaison)
	pending := &auth.Principal{UserID: 7, AgencyID: agency, DivisionID: office, Roles: auth.Roles{auth.Handler}, State: auth.StateSecondFactor}
	platform := principal(1, 0, 0, auth.PlatformAdmin)
	item := func(mut func(*todo.Item)) todo.Item {
		it := todo.Item{Kind: "答复申请", Due: civil.MustParse("2026-03-16"), AgencyID: agency, Perm: auth.RecordApplications}
		mut(&it)
		return it
	}
	for _, c := range []struct {
		name string
		p    *auth.Principal
		it   todo.Item
		want bool
	}{
		{"assigned to them", liaison, item(func(it *todo.Item) { it.UserID, it.Perm = 9, "" }), true},
		{"assigned to them, other division", liaison, item(func(it *todo.Item) { it.UserID, it.DivisionID = 9, office }), true},
		{"assigned to a colleague", handler, item(func(it *todo.Item) { it.UserID = 9 }), false},
		{"unassigned, their permission, no division", handler, item(func(*todo.Item) {}), true},
		{"unassigned, their permission, their division", handler, item(func(it *todo.Item) { it.DivisionID = office }), true},
		{"unassigned, their permission, another division", handler, item(func(it *todo.Item) { it.DivisionID = first }), false},
		{"person without a division sees every division", noDivision, item(func(it *todo.Item) { it.DivisionID = first }), true},
		{"unassigned, without the permission", liaison, item(func(it *todo.Item) { it.DivisionID = first }), false},
		{"unassigned, no permission named", handler, item(func(it *todo.Item) { it.Perm = "" }), false},
		{"another agency", handler, item(func(it *todo.Item) { it.AgencyID = other }), false},
		{"another agency, assigned to their ID", handler, item(func(it *todo.Item) { it.AgencyID, it.UserID = other, 7 }), false},
		{"login not complete", pending, item(func(*todo.Item) {}), false},
		{"platform staff", platform, item(func(it *todo.Item) { it.AgencyID = 0 }), false},
		{"nobody", nil, item(func(*todo.Item) {}), false},
	} {
		if got := todo.Visible(c.p, c.it); got != c.want {
			t.Errorf("%s: Visible = %v, want %v", c.name, got, c.want)
		}
	}
}

// Items come by due date, then kind (in code-point order) and title; repeats are listed once
// with the earliest date.
func TestSortAndDedupe(t *testing.T) {
	d := civil.MustParse
	items := []todo.Item{
		{Source: "b", Kind: "审核", Title: "乙", URL: "/2", Due: d("2026-03-19")},
		{Source: "a", Kind: "答复", Title: "甲", URL: "/1", Due: d("2026-03-03")},
		{Source: "a", Kind: "登记", Title: "丙", URL: "/3", Due: d("2026-03-03")},
		{Source: "b", Kind: "审核", Title: "乙", URL: "/2", Due: d("2026-03-18")}, // repeat, earlier
		{Source: "b", Kind: "审核", Title: "乙", URL: "/2", Due: d("2026-03-18"), UserID: 5},
		{Source: "a", Kind: "答复", Title: "甲", URL: "/1", Due: d("2026-03-23")}, // repeat, later
	}
	got := todo.Sort(todo.Dedupe(items))
	var order []string
	for _, it := range got {
		order = append(order, it.Due.String()+" "+it.Kind+" "+it.Title)
	}
	want := []string{"2026-03-03 登记 丙", "2026-03-03 答复 甲", "2026-03-18 审核 乙", "2026-03-18 审核 乙"}
	if strings.Join(order, "|") != strings.Join(want, "|") {
		t.Errorf("order:\n got %v\nwant %v", order, want)
	}
	if got[2].UserID == got[3].UserID {
		t.Errorf("the same work for two people was merged: %+v", got[2:])
	}
}

// directory is a fixed set of divisions and staff.
type directory struct {
	divisions []todo.Division
	people    []todo.Person
	fail      bool
}

func (d *directory) Divisions(context.Context, int64) ([]todo.Division, error) {
	return d.divisions, nil
}

func (d *directory) Staff(_ context.Context, agencyID int64) ([]todo.Person, error) {
	if d.fail {
		return nil, errors.New("directory down")
	}
	var out []todo.Person
	for _, p := range d.people {
		if agencyID == 0 || p.AgencyID == agencyID {
			out = append(out, p)
		}
	}
	return out, nil
}

type fixture struct {
	d            *db.DB
	svc          *todo.Service
	now          time.Time
	a, b         int64
	office, div1 int64
	dir          *directory
	handler      *auth.Principal // 办公室
	liaison      *auth.Principal // 宗教工作一处
	approver     *auth.Principal // no division, supervises
	handlerID    int64
	liaisonID    int64
	approverID   int64
}

// setup makes two agencies with divisions and three staff of the first;
// today is Monday 16 March 2026.
func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{d: d, now: time.Date(2026, 3, 16, 9, 0, 0, 0, civil.Shanghai)}
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
	f.a, f.b = a.ID, b.ID
	if f.office, err = ag.CreateDivision(ctx, op, a.ID, "办公室", 1); err != nil {
		t.Fatal(err)
	}
	if f.div1, err = ag.CreateDivision(ctx, op, a.ID, "宗教工作一处", 2); err != nil {
		t.Fatal(err)
	}
	users := auth.NewService(d, nil, ratelimit.New(d, nil), nil)
	add := func(username, name, email string, div int64, roles ...auth.Role) todo.Person {
		u, _, err := users.CreateUser(ctx, op, auth.NewUser{AgencyID: a.ID, DivisionID: div, Username: username, DisplayName: name, Email: email, Roles: roles})
		if err != nil {
			t.Fatal(err)
		}
		return todo.Person{UserID: u.ID, AgencyID: a.ID, DivisionID: div, Name: name, Email: email, Roles: u.Roles}
	}
	h := add("a.handler", "张卫东", "handler@example.gov.cn", f.office, auth.Handler)
	l := add("a.liaison", "赵敏", "liaison@example.gov.cn", f.div1, auth.Liaison, auth.Editor)
	ap := add("a.approver", "刘建国", "", 0, auth.Approver)
	f.handlerID, f.liaisonID, f.approverID = h.UserID, l.UserID, ap.UserID
	f.handler, f.liaison, f.approver = h.Principal(), l.Principal(), ap.Principal()
	f.dir = &directory{divisions: []todo.Division{{ID: f.office, Name: "办公室"}, {ID: f.div1, Name: "宗教工作一处"}}, people: []todo.Person{h, l, ap}}
	cal := calendar.NewService(d)
	if _, err := cal.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	f.svc = todo.NewService(todo.Deps{DB: d, Calendar: cal, Directory: f.dir, BaseURL: "https://gongkai.test", Now: func() time.Time { return f.now }})
	return f
}

// plant registers sources with items of every urgency (as of Monday 16
// March 2026) and one source that fails.
func (f *fixture) plant() {
	d := civil.MustParse
	f.svc.Register("application", func(_ context.Context, agencyID int64, _ civil.Date) ([]todo.Item, error) {
		if agencyID != f.a {
			return nil, nil
		}
		return []todo.Item{
			{Kind: "答复申请", Title: "申请 2026-0001：年检结果", URL: "/console/applications/1", Due: d("2026-03-12"), UserID: f.handlerID},
			{Kind: "登记申请", Title: "申请 2026-0002：场所名录", URL: "/console/applications/2", Due: d("2026-03-16"), Perm: auth.RecordApplications},
			{Kind: "答复申请", Title: "申请 2026-0003：财政预算", URL: "/console/applications/3", Due: d("2026-04-03"), UserID: f.liaisonID},
		}, nil
	})
	f.svc.Register("normative", func(_ context.Context, agencyID int64, _ civil.Date) ([]todo.Item, error) {
		return []todo.Item{
			{Kind: "到期评估", Title: "沪民宗规〔2022〕1号", URL: "/console/normative/documents/5", Due: d("2026-03-18"), DivisionID: f.div1, Perm: auth.ManageNormative},
			{Kind: "到期评估", Title: "没有期限的条目", Perm: auth.ManageNormative},                                                                                       // dropped: no due date
			{Kind: "到期评估", Title: "他局的文件", Due: d("2026-03-18"), AgencyID: f.b, Perm: auth.ManageNormative},                                                    // dropped: another agency
			{Kind: "到期评估", Title: "沪民宗规〔2022〕1号", URL: "/console/normative/documents/5", Due: d("2026-03-19"), DivisionID: f.div1, Perm: auth.ManageNormative}, // repeat
		}, nil
	})
	f.svc.Register("concern", func(context.Context, int64, civil.Date) ([]todo.Item, error) {
		return nil, errors.New("database timeout")
	})
	f.svc.Register("openday", func(context.Context, int64, civil.Date) ([]todo.Item, error) {
		panic("a bug in a source")
	})
}

func TestListViewsAndFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.plant()
		ctx := context.Background()
		l, err := f.svc.List(ctx, f.handler, todo.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		titles := func(l *todo.List) string {
			var s []string
			for _, e := range l.Entries {
				s = append(s, e.Title)
			}
			return strings.Join(s, "|")
		}
		// The handler's own: assigned to them, and the office's unassigned
		// registration; not the liaison's application nor the division's
		// evaluation (the handler cannot act on normative documents).
		if got := titles(l); got != "申请 2026-0001：年检结果|申请 2026-0002：场所名录" {
			t.Errorf("handler's list: %s", got)
		}
		if l.Total != 2 || l.Overdue != 1 || l.DueSoon != 1 {
			t.Errorf("counts: %d %d %d", l.Total, l.Overdue, l.DueSoon)
		}
		e := l.Entries[0]
		// Thursday 12 March to Monday 16 March: 2 working days late.
		if e.Urgency != todo.Overdue || e.DeadlineText() != "已逾期 2 个工作日" || e.SourceLabel != "依申请公开" || e.Assignee != "张卫东" || e.Division != "办公室" {
			t.Errorf("overdue entry: %+v %s", e, e.DeadlineText())
		}
		if e := l.Entries[1]; e.Urgency != todo.DueSoon || e.DeadlineText() != "今日到期" {
			t.Errorf("due today: %+v", e)
		}
		if !strings.Contains(l.FailureText(), "部分待办暂时无法获取：") || !strings.Contains(l.FailureText(), "回应关切") ||
			!strings.Contains(l.FailureText(), "政府开放日") || len(l.Failures) != 2 {
			t.Errorf("failures: %q", l.FailureText())
		}
		// The liaison's: assigned to them, and the evaluation of their division.
		l, _ = f.svc.List(ctx, f.liaison, todo.Filter{})
		if got := titles(l); got != "沪民宗规〔2022〕1号|申请 2026-0003：财政预算" {
			t.Errorf("liaison's list: %s", got)
		}
		if l.Entries[0].Due.String() != "2026-03-18" || l.Entries[0].DeadlineText() != "还剩 2 个工作日" || l.Entries[1].Urgency != todo.Later {
			t.Errorf("liaison's entries: %+v", l.Entries)
		}
		// 本处室 for the handler: the office's work of the kinds they do.
		l, _ = f.svc.List(ctx, f.handler, todo.Filter{View: todo.OwnDivision})
		if got := titles(l); got != "申请 2026-0001：年检结果" {
			t.Errorf("handler's division: %s", got)
		}
		// 本单位 for the approver: everything.
		l, err = f.svc.List(ctx, f.approver, todo.Filter{View: todo.WholeAgency})
		if err != nil || l.Total != 4 {
			t.Fatalf("agency view: %v %+v", err, l)
		}
		// Filters: source, state, kind, words in the title.
		for name, c := range map[string]struct {
			f    todo.Filter
			want string
		}{
			"source":  {todo.Filter{View: todo.WholeAgency, Source: "normative"}, "沪民宗规〔2022〕1号"},
			"overdue": {todo.Filter{View: todo.WholeAgency, State: todo.Overdue}, "申请 2026-0001：年检结果"},
			"soon":    {todo.Filter{View: todo.WholeAgency, State: todo.DueSoon}, "申请 2026-0002：场所名录|沪民宗规〔2022〕1号"},
			"kind":    {todo.Filter{View: todo.WholeAgency, Kind: "答复申请"}, "申请 2026-0001：年检结果|申请 2026-0003：财政预算"},
			"text":    {todo.Filter{View: todo.WholeAgency, Query: "  名录 "}, "申请 2026-0002：场所名录"},
			"sql":     {todo.Filter{View: todo.WholeAgency, Query: "' OR '1'='1"}, ""},
		} {
			l, err := f.svc.List(ctx, f.approver, c.f)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got := titles(l); got != c.want || l.Total != 4 {
				t.Errorf("%s: %s (total %d)", name, got, l.Total)
			}
		}
		// Views a person may not choose and bad values are field errors.
		for name, c := range map[string]struct {
			p     *auth.Principal
			f     todo.Filter
			field string
		}{
			"agency view for a handler": {f.handler, todo.Filter{View: todo.WholeAgency}, "view"},
			"division without one":      {f.approver, todo.Filter{View: todo.OwnDivision}, "view"},
			"unknown view":              {f.handler, todo.Filter{View: "all"}, "view"},
			"unknown source":            {f.handler, todo.Filter{Source: "../etc"}, "source"},
			"unknown state":             {f.handler, todo.Filter{State: "late"}, "state"},
			"long query":                {f.handler, todo.Filter{Query: strings.Repeat("长", 51)}, "q"},
			"control characters":        {f.handler, todo.Filter{Query: "a\x00b"}, "q"},
		} {
			_, err := f.svc.List(ctx, c.p, c.f)
			if apperr.FieldsOf(err)[c.field] == "" {
				t.Errorf("%s: %v, want an error on %s", name, err, c.field)
			}
		}
		if _, err := f.svc.List(ctx, nil, todo.Filter{}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("anonymous: %v", err)
		}
		// Platform staff have an empty list, not an error.
		if l, err := f.svc.List(ctx, principal(1, 0, 0, auth.PlatformAdmin), todo.Filter{}); err != nil || l.Total != 0 {
			t.Errorf("platform: %v %+v", err, l)
		}
	})
}

func TestSupervision(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.plant()
		ctx := context.Background()
		if _, err := f.svc.Supervision(ctx, f.handler); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a handler supervises: %v", err)
		}
		b, err := f.svc.Supervision(ctx, f.approver)
		if err != nil {
			t.Fatal(err)
		}
		if b.Total.Open != 4 || b.Total.Overdue != 1 || b.Total.DueSoon != 2 || len(b.Oldest) != 1 || len(b.Failures) != 2 {
			t.Fatalf("total: %+v", b)
		}
		if len(b.Divisions) != 3 {
			t.Fatalf("divisions: %+v", b.Divisions)
		}
		// The office: the handler's overdue application (by its assignee)
		// and nothing else; the first division: the liaison's application
		// and the evaluation; the unassigned registration under 未指定处室.
		office, first, none := b.Divisions[0], b.Divisions[1], b.Divisions[2]
		if office.Name != "办公室" || office.Open != 1 || office.Overdue != 1 || len(office.Oldest) != 1 || office.Oldest[0].Title != "申请 2026-0001：年检结果" {
			t.Errorf("office: %+v", office)
		}
		if first.Name != "宗教工作一处" || first.Open != 2 || first.DueSoon != 1 || first.Overdue != 0 {
			t.Errorf("first division: %+v", first)
		}
		if none.Name != "未指定处室" || none.Open != 1 || none.DueSoon != 1 {
			t.Errorf("no division: %+v", none)
		}
	})
}

func TestDigest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.plant()
		ctx := context.Background()
		n, err := f.svc.SendDigests(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The handler (overdue and due today) and the liaison (evaluation
		// due in two working days); the approver has no e-mail address.
		if n != 2 {
			t.Fatalf("queued %d digests, want 2", n)
		}
		var subject, body string
		if err := d.R.QueryRow("SELECT subject, body FROM outbox WHERE recipients LIKE '%handler@example.gov.cn%'").Scan(&subject, &body); err != nil {
			t.Fatal(err)
		}
		if subject != "【待办提醒】2026-03-16：已逾期 1 项，即将到期 1 项" {
			t.Errorf("subject %q", subject)
		}
		i, j := strings.Index(body, "年检结果"), strings.Index(body, "场所名录")
		if i < 0 || j < 0 || i > j || !strings.Contains(body, "已逾期 2 个工作日") || !strings.Contains(body, `https://gongkai.test/console/applications/1`) ||
			!strings.Contains(body, "https://gongkai.test/console/todo") {
			t.Errorf("body: %s", body)
		}
		if sent, _ := f.svc.Sent(ctx, f.handlerID, civil.MustParse("2026-03-16")); !sent {
			t.Error("the digest is not recorded")
		}
		// Once a day: a second run (another instance, a retry) sends nothing.
		if n, err := f.svc.SendDigests(ctx); err != nil || n != 0 {
			t.Errorf("second run: %d %v", n, err)
		}
		// Saturday: no digest.
		f.now = time.Date(2026, 3, 21, 9, 0, 0, 0, civil.Shanghai)
		if n, err := f.svc.SendDigests(ctx); err != nil || n != 0 {
			t.Errorf("on a Saturday: %d %v", n, err)
		}
		// Nothing due soon: nothing sent (the liaison's next item is the
		// application due on 3 April, seen from Tuesday 24 March… after
		// the evaluation passed it is overdue, so drop that source first).
		f.svc.Register("normative", func(context.Context, int64, civil.Date) ([]todo.Item, error) { return nil, nil })
		f.now = time.Date(2026, 3, 24, 9, 0, 0, 0, civil.Shanghai)
		var liaisonMails int
		if _, err := f.svc.SendDigests(ctx); err != nil {
			t.Fatal(err)
		}
		if err := d.R.QueryRow("SELECT count(*) FROM outbox WHERE recipients LIKE '%liaison@example.gov.cn%'").Scan(&liaisonMails); err != nil {
			t.Fatal(err)
		}
		if liaisonMails != 1 {
			t.Errorf("the liaison got %d digests, want only the first", liaisonMails)
		}
	})
}

func TestWriteXLSX(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.plant()
		f.svc.Register("disclosure", func(context.Context, int64, civil.Date) ([]todo.Item, error) {
			return []todo.Item{{Kind: "保密审查", Title: "=HYPERLINK(\"http://evil.example\")", Due: civil.MustParse("2026-03-23"), Perm: auth.ManageNormative}}, nil
		})
		l, err := f.svc.List(context.Background(), f.approver, todo.Filter{View: todo.WholeAgency})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := todo.WriteXLSX(&buf, l, todo.ExportTitle{Agency: "甲局", Person: "刘建国", Filters: "", Exported: f.now, BaseURL: "https://gongkai.test"}); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		rows, err := x.GetRows("待办事项")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3+5 || rows[0][0] != "甲局待办事项清单（本单位）" || rows[2][0] != "序号" || rows[2][3] != "剩余/逾期" {
			t.Fatalf("rows: %q", rows)
		}
		if rows[3][2] != "已逾期" || rows[3][3] != "已逾期 2 个工作日" || rows[3][10] != "https://gongkai.test/console/applications/1" {
			t.Errorf("first row: %q", rows[3])
		}
		for _, r := range rows {
			for _, c := range r {
				if strings.HasPrefix(c, "=") {
					t.Errorf("a cell begins with '=': %q", c)
				}
			}
		}
		for row := 4; row <= 8; row++ {
			if formula, _ := x.GetCellFormula("待办事项", "G"+strconv.Itoa(row)); formula != "" {
				t.Errorf("a title became a formula: %q", formula)
			}
		}
		pl, err := x.GetPageLayout("待办事项")
		if err != nil || pl.Orientation == nil || *pl.Orientation != "landscape" || pl.Size == nil || *pl.Size != 9 {
			t.Errorf("page layout: %+v %v", pl, err)
		}
	})
}
