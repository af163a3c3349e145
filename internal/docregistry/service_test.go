package docregistry

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

// fakeItems stands in for the disclosure workflow: drafts are rows of the
// items table (the registry references them), published when told.
type fakeItems struct {
	db   *db.DB
	mu   sync.Mutex
	fail error
	made int
	pub  map[int64]civil.Date
}

func (f *fakeItems) DraftItem(ctx context.Context, p *auth.Principal, d DraftRequest) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return 0, f.fail
	}
	var id int64
	err := f.db.W.QueryRowContext(ctx, `INSERT INTO items (agency_id, title, status, created_at, updated_at) VALUES ($1, $2, 'draft', $3, $3) RETURNING id`,
		d.AgencyID, d.Title, db.Now()).Scan(&id)
	f.made++
	return id, err
}

func (f *fakeItems) ItemStates(ctx context.Context, agencyID int64, ids []int64) (map[int64]ItemState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[int64]ItemState{}
	for _, id := range ids {
		st := ItemState{ID: id, Status: "草稿"}
		if on, ok := f.pub[id]; ok {
			st.Status, st.Published, st.PublishedOn = "已发布", true, on
		}
		out[id] = st
	}
	return out, nil
}

type fakeDirectory struct {
	divs    []DivisionRef
	liaison map[int64]int64
}

func (f fakeDirectory) Divisions(ctx context.Context, agencyID int64) ([]DivisionRef, error) {
	return f.divs, nil
}
func (f fakeDirectory) LiaisonUser(ctx context.Context, divisionID int64) (int64, error) {
	return f.liaison[divisionID], nil
}

type fixture struct {
	svc       *Service
	items     *fakeItems
	clock     *time.Time
	agency    int64
	other     int64
	div       int64
	clerk     *auth.Principal
	approver  *auth.Principal
	outsider  *auth.Principal
	liaisonID int64
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	cal := calendar.NewService(d)
	if _, err := cal.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	now := db.Now()
	var agency, other, div, user int64
	d.W.QueryRowContext(ctx, `INSERT INTO agencies (slug, kind, name, created_at, updated_at) VALUES ('a', 'bureau', '甲局', $1, $1) RETURNING id`, now).Scan(&agency)
	d.W.QueryRowContext(ctx, `INSERT INTO agencies (slug, kind, name, created_at, updated_at) VALUES ('b', 'bureau', '乙局', $1, $1) RETURNING id`, now).Scan(&other)
	d.W.QueryRowContext(ctx, `INSERT INTO divisions (agency_id, name, created_at) VALUES ($1, '办公室', $2) RETURNING id`, agency, now).Scan(&div)
	if err := d.W.QueryRowContext(ctx, `INSERT INTO staff_users (agency_id, division_id, username, display_name, password_hash, password_changed_at, created_at, updated_at)
		VALUES ($1, $2, 'liaison', '联络员', 'x', $3, $3, $3) RETURNING id`, agency, div, now).Scan(&user); err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2025, 6, 10, 10, 0, 0, 0, civil.Shanghai)
	f := &fixture{clock: &clock, agency: agency, other: other, div: div, liaisonID: user,
		items: &fakeItems{db: d, pub: map[int64]civil.Date{}}}
	f.svc = NewService(Deps{DB: d, Calendar: cal, Items: f.items, Now: func() time.Time { return *f.clock },
		Directory: fakeDirectory{divs: []DivisionRef{{div, "办公室"}}, liaison: map[int64]int64{div: user}}})
	f.clerk = &auth.Principal{UserID: user, Username: "clerk", AgencyID: agency, Roles: auth.Roles{auth.Editor}, State: auth.StateActive}
	f.approver = &auth.Principal{Username: "approver", AgencyID: agency, Roles: auth.Roles{auth.Approver}, State: auth.StateActive}
	f.outsider = &auth.Principal{Username: "outsider", AgencyID: other, Roles: auth.Roles{auth.Editor, auth.Approver}, State: auth.StateActive}
	return f
}

func (f *fixture) input(number string, attr Attribute) Input {
	return Input{DocNumber: number, Title: "关于测试的通知", Issuer: "甲局", DivisionID: f.div, DraftedOn: "2025-06-03", SignedOn: "2025-06-05",
		Attribute: string(attr)}
}

func docCount(t *testing.T, d *db.DB) int {
	var n int
	d.R.QueryRow("SELECT COUNT(*) FROM official_documents").Scan(&n)
	return n
}

// TestProactiveLifecycle: registered and approved, a signed proactive
// document gets one draft item and a deadline 20 working days after
// signing; unpublished past it, it is overdue in the ledger and its to-do
// goes to the division's liaison; published, it leaves the to-dos.
func TestProactiveLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		doc, err := f.svc.Register(ctx, f.clerk, f.input("甲发[2025]1号", Proactive))
		if err != nil {
			t.Fatal(err)
		}
		if doc.State != Pending || doc.DocNumber != "甲发〔2025〕1号" || f.items.made != 0 {
			t.Fatalf("registered: %+v", doc)
		}
		todos, _ := f.svc.Todos(ctx, f.agency, f.svc.Today())
		if len(todos) != 1 || todos[0].Perm != auth.ApproveDocuments {
			t.Fatalf("approval to-do: %+v", todos)
		}
		if err := f.svc.Decide(ctx, f.clerk, doc.ID, true, "", 0); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("a clerk approved: %v", err)
		}
		if err := f.svc.Decide(ctx, f.outsider, doc.ID, true, "", 0); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another agency approved: %v", err)
		}
		if err := f.svc.Decide(ctx, f.approver, doc.ID, true, "同意", 0); err != nil {
			t.Fatal(err)
		}
		// A second attempt creates nothing more.
		if err := f.svc.EnsureDraft(ctx, f.approver, doc.ID); err != nil {
			t.Fatal(err)
		}
		got, _ := f.svc.Get(ctx, f.clerk, doc.ID)
		// 2025-06-05 (Thu) + 20 working days, with the Dragon Boat holiday
		// on Monday 2025-06-02 already behind: 2025-07-03.
		if f.items.made != 1 || got.ItemID == 0 || got.DueOn != civil.MustParse("2025-07-03") || got.Publication(f.svc.Today()) != PubPending {
			t.Fatalf("approved: made %d, %+v", f.items.made, got)
		}
		*f.clock = time.Date(2025, 7, 4, 10, 0, 0, 0, civil.Shanghai)
		list, _ := f.svc.List(ctx, f.clerk, ListFilter{Publication: PubOverdue})
		if len(list) != 1 || list[0].ID != doc.ID {
			t.Fatalf("overdue list: %v", list)
		}
		todos, _ = f.svc.Todos(ctx, f.agency, f.svc.Today())
		if len(todos) != 1 || todos[0].Kind != "发布主动公开公文" || todos[0].UserID != f.liaisonID || todos[0].Due != got.DueOn ||
			todos[0].Note != "已逾期 1 个工作日" {
			t.Fatalf("overdue to-do: %+v", todos)
		}
		rep, _ := f.svc.Report(ctx, f.clerk, 2025)
		if len(rep.Overdue) != 1 || rep.Total.Overdue != 1 || rep.Divisions[0].Registered != 1 {
			t.Errorf("report: %+v", rep)
		}
		f.items.pub[got.ItemID] = civil.MustParse("2025-07-04")
		todos, _ = f.svc.Todos(ctx, f.agency, f.svc.Today())
		got, _ = f.svc.Get(ctx, f.clerk, doc.ID)
		if len(todos) != 0 || got.Publication(f.svc.Today()) != PubPublished || !got.PublishedLate() {
			t.Errorf("published late: %+v, to-dos %+v", got, todos)
		}
	})
}

// TestBadInput: no attribute, no ground, a duplicate 文号 (other brackets)
// are refused beside the field and nothing is saved; a failed draft is
// reported and retried by the job.
func TestBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		if _, err := f.svc.Register(ctx, f.clerk, f.input("甲发〔2025〕2号", Proactive)); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			in    Input
			field string
		}{
			{f.input("甲发〔2025〕3号", ""), "attribute"},
			{f.input("甲发〔2025〕3号", Withheld), "ground"},
			{f.input("甲发【2025】2号", Proactive), "doc_number"},
			{func() Input { in := f.input("甲发〔2025〕3号", Proactive); in.DivisionID = 999999; return in }(), "division_id"},
		} {
			_, err := f.svc.Register(ctx, f.clerk, c.in)
			if apperr.FieldsOf(err)[c.field] == "" {
				t.Errorf("%+v: %v, want an error at %s", c.in, err, c.field)
			}
		}
		if n := docCount(t, d); n != 1 {
			t.Fatalf("%d documents after refusals", n)
		}
		if _, err := f.svc.Register(ctx, &auth.Principal{AgencyID: f.agency, Roles: auth.Roles{auth.Reviewer}, State: auth.StateActive},
			f.input("甲发〔2025〕4号", Proactive)); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("a reviewer registered: %v", err)
		}
		// The disclosure workflow refuses the draft: the approval stands,
		// the error says so, and the job makes the draft later.
		doc, _ := f.svc.Register(ctx, f.clerk, f.input("甲发〔2025〕5号", Proactive))
		f.items.fail = apperr.New(apperr.Invalid, "栏目不存在")
		err := f.svc.Decide(ctx, f.approver, doc.ID, true, "", 0)
		if apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("failed draft: %v", err)
		}
		got, _ := f.svc.Get(ctx, f.clerk, doc.ID)
		if got.State != Approved || got.ItemID != 0 {
			t.Fatalf("after the failed draft: %+v", got)
		}
		f.items.fail = nil
		if n, err := f.svc.DraftPending(ctx); err != nil || n != 1 {
			t.Fatalf("retry: %d, %v", n, err)
		}
		got, _ = f.svc.Get(ctx, f.clerk, doc.ID)
		if got.ItemID == 0 {
			t.Fatal("the retry made no draft")
		}
		// Approved: the registration can no longer be edited; the
		// returned one needs a note.
		if err := f.svc.Update(ctx, f.clerk, doc.ID, f.input("甲发〔2025〕5号", Proactive)); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("edit after approval: %v", err)
		}
		other, _ := f.svc.Register(ctx, f.clerk, f.input("甲发〔2025〕6号", Proactive))
		if err := f.svc.Decide(ctx, f.approver, other.ID, false, " ", 0); apperr.FieldsOf(err)["note"] == "" {
			t.Errorf("return without a note: %v", err)
		}
	})
}

// TestReview: Art. 18 — the next re-review follows the agency's interval;
// a review is recorded and restarts it.
func TestReview(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		in := f.input("甲办〔2025〕1号", Withheld)
		in.Ground, in.Reason = string(GroundInternalAffairs), "内部事务"
		doc, err := f.svc.Register(ctx, f.clerk, in)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Decide(ctx, f.approver, doc.ID, true, "", 0); err != nil {
			t.Fatal(err)
		}
		got, _ := f.svc.Get(ctx, f.clerk, doc.ID)
		if got.NextReview != civil.MustParse("2026-06-05") || f.items.made != 0 {
			t.Fatalf("next review %s", got.NextReview)
		}
		if err := f.svc.SetReviewMonths(ctx, f.clerk, 0); apperr.FieldsOf(err)["review_months"] == "" {
			t.Errorf("interval 0: %v", err)
		}
		if err := f.svc.SetReviewMonths(ctx, f.clerk, 6); err != nil {
			t.Fatal(err)
		}
		got, _ = f.svc.Get(ctx, f.clerk, doc.ID)
		if got.NextReview != civil.MustParse("2025-12-05") {
			t.Fatalf("next review with 6 months: %s", got.NextReview)
		}
		*f.clock = time.Date(2025, 11, 20, 10, 0, 0, 0, civil.Shanghai)
		todos, _ := f.svc.Todos(ctx, f.agency, f.svc.Today())
		if len(todos) != 1 || todos[0].Kind != "定期复核公开属性" || todos[0].Perm != auth.ManageDocuments {
			t.Fatalf("review to-do: %+v", todos)
		}
		if err := f.svc.ReviewDocument(ctx, f.clerk, doc.ID, ReviewInput{Outcome: "keep", Note: "仍属内部事务"}); err != nil {
			t.Fatal(err)
		}
		got, _ = f.svc.Get(ctx, f.clerk, doc.ID)
		_, reviews, _ := f.svc.History(ctx, doc.ID)
		if got.NextReview != civil.MustParse("2026-05-20") || len(reviews) != 1 || reviews[0].Outcome != Keep {
			t.Fatalf("after the review: %s, %+v", got.NextReview, reviews)
		}
	})
}

func importFile(t *testing.T, rows ...[]string) *bytes.Reader {
	t.Helper()
	x := excelize.NewFile()
	all := append([][]string{{"公文备案导入"}, importColumns}, rows...)
	for r, row := range all {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			x.SetCellValue("Sheet1", cell, v)
		}
	}
	// A date cell typed as a date, as Excel users enter them.
	x.SetCellValue("Sheet1", "E3", time.Date(2025, 6, 3, 0, 0, 0, 0, time.UTC))
	var buf bytes.Buffer
	x.Write(&buf)
	return bytes.NewReader(buf.Bytes())
}

// TestImport: all or nothing, reported by line, idempotent.
func TestImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		good := [][]string{
			{"甲发〔2025〕11号", "一", "甲局", "办公室", "", "2025-06-05", "主动公开", "", ""},
			{"甲发(2025)12号", "二", "甲局", "办公室", "2025/6/3", "", "依申请公开", "条例第十五条：涉及商业秘密、个人隐私等，公开会损害第三方合法权益", "涉及个人信息"},
		}
		bad := append(append([][]string{}, good...), []string{"甲发〔2025〕12号", "重复", "甲局", "办公室", "2025-06-03", "", "主动公开", "", ""})
		_, err := f.svc.Import(ctx, f.clerk, "a.xlsx", importFile(t, bad...))
		var ie *ImportError
		if !errors.As(err, &ie) || len(ie.Rows) != 1 || ie.Rows[0].Line != 5 || docCount(t, d) != 0 {
			t.Fatalf("bad import: %v %+v, %d saved", err, ie, docCount(t, d))
		}
		res, err := f.svc.Import(ctx, f.clerk, "a.xlsx", importFile(t, good...))
		if err != nil || res.Created != 2 {
			t.Fatalf("import: %+v, %v", res, err)
		}
		res, err = f.svc.Import(ctx, f.clerk, "a.xlsx", importFile(t, good...))
		if err != nil || res.Created != 0 || res.Unchanged != 2 || docCount(t, d) != 2 {
			t.Fatalf("re-import: %+v, %v", res, err)
		}
		changed := [][]string{{"甲发〔2025〕11号", "改过的标题", "甲局", "办公室", "2025-06-03", "", "主动公开", "", ""}}
		if _, err := f.svc.Import(ctx, f.clerk, "a.xlsx", importFile(t, changed...)); !errors.As(err, &ie) {
			t.Errorf("changed content re-imported: %v", err)
		}
	})
}
