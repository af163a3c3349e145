package openday_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/openday"
	"github.com/gongkai/gongkai/internal/ratelimit"
)

type directory struct{ list []openday.AgencyRef }

func (d *directory) Agency(_ context.Context, id int64) (openday.AgencyRef, error) {
	for _, a := range d.list {
		if a.ID == id {
			return a, nil
		}
	}
	return openday.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

func (d *directory) AgencyBySlug(_ context.Context, slug string) (openday.AgencyRef, error) {
	for _, a := range d.list {
		if a.Slug == slug {
			return a, nil
		}
	}
	return openday.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) set(s string) {
	t, err := time.ParseInLocation("2006-01-02T15:04", s, civil.Shanghai)
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

type fixture struct {
	svc             *openday.Service
	clock           *clock
	a, b            openday.AgencyRef
	editor, editorB *auth.Principal
	handler, viewer *auth.Principal
	evals           *evals
}

type evals struct{ got []openday.Attendee }

func (e *evals) Invite(_ context.Context, _, _ int64, _ string, list []openday.Attendee) (int64, map[int64]string, error) {
	e.got = list
	out := map[int64]string{}
	for _, a := range list {
		out[a.SignupID] = fmt.Sprintf("/surveys/99?t=%d", a.SignupID)
	}
	return 99, out, nil
}

func (e *evals) ResultsURL(id int64) string { return fmt.Sprintf("/surveys/%d/results", id) }

func (e *evals) Summary(_ context.Context, id int64) (*openday.EvaluationSummary, error) {
	return &openday.EvaluationSummary{Responses: 1, Lines: []openday.EvaluationLine{{Question: "满意度", Result: "平均 5.00 分"}}}, nil
}

func setup(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{clock: &clock{}, evals: &evals{}}
	f.clock.set("2026-05-01T10:00")
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
	f.a, f.b = openday.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, openday.AgencyRef{ID: b.ID, Slug: b.Slug, Name: b.Name}
	blobs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f.svc = openday.NewService(openday.Deps{DB: d, Limiter: ratelimit.New(d, f.clock.Now), Agencies: &directory{[]openday.AgencyRef{f.a, f.b}},
		Evaluations: f.evals, Blobs: blobs, Now: f.clock.Now})
	p := func(agencyID int64, name string, roles ...auth.Role) *auth.Principal {
		return &auth.Principal{Username: name, DisplayName: name, AgencyID: agencyID, Roles: roles, State: auth.StateActive}
	}
	f.editor, f.editorB = p(a.ID, "editor", auth.Editor), p(b.ID, "editor.b", auth.Editor)
	f.handler, f.viewer = p(a.ID, "handler", auth.Handler), p(a.ID, "reviewer", auth.Reviewer)
	return f
}

func fields(capacity int, groups string, mode openday.Mode) openday.Fields {
	return openday.Fields{Theme: "民族团结进步开放日", Series: "民族团结进步开放周", Agenda: "参观展览；座谈交流", Place: "市民族和宗教事务局",
		Date: "2026-05-20", Start: "09:30", End: "11:30", SignupOpens: "2026-05-01T09:00", SignupCloses: "2026-05-18T17:00",
		Capacity: fmt.Sprint(capacity), Selection: string(mode), Groups: groups}
}

func published(t *testing.T, f *fixture, capacity int, groups string, mode openday.Mode) *openday.Event {
	t.Helper()
	ctx := context.Background()
	e, err := f.svc.Create(ctx, f.editor, fields(capacity, groups, mode))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Publish(ctx, f.editor, e.ID); err != nil {
		t.Fatal(err)
	}
	e, _ = f.svc.Get(ctx, f.editor, e.ID)
	return e
}

func in(e *openday.Event, group int, name, phone string) openday.SignupInput {
	return openday.SignupInput{Name: name, Phone: phone, GroupID: e.Groups[group].ID}
}

// TestNoOverbooking: 10 × N people sign up at once; exactly N are
// confirmed, the rest waitlisted in arrival order with consecutive places.
func TestNoOverbooking(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		const seats = 6
		e := published(t, f, seats, "市民 10\n媒体 2", openday.FirstCome)
		var wg sync.WaitGroup
		errs := make(chan error, 10*seats)
		for i := range 10 * seats {
			wg.Go(func() {
				_, err := f.svc.SignUp(ctx, f.a.ID, e.ID, in(e, 0, "市民"+fmt.Sprint(i), fmt.Sprintf("139%08d", i)), fmt.Sprintf("10.0.%d.%d", i/200, i%200), nil)
				if err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		list, err := f.svc.Signups(ctx, f.editor, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
		confirmed, pos, phones := 0, 0, map[string]bool{}
		for _, x := range list {
			if phones[x.Phone] {
				t.Errorf("duplicate %s", x.Phone)
			}
			phones[x.Phone] = true
			switch x.Status {
			case openday.Confirmed:
				confirmed++
			case openday.Waitlisted:
				pos++
				if x.WaitlistPos != pos {
					t.Errorf("sign-up %d: place %d, want %d", x.ID, x.WaitlistPos, pos)
				}
			default:
				t.Errorf("status %s", x.Status)
			}
		}
		if confirmed != seats || pos != 9*seats || len(list) != 10*seats {
			t.Fatalf("%d confirmed, %d waitlisted of %d", confirmed, pos, len(list))
		}
		// The group quota holds too: 2 seats for the media, however many try.
		e2 := published(t, f, 5, "市民 5\n媒体 2", openday.FirstCome)
		var wg2 sync.WaitGroup
		for i := range 20 {
			wg2.Go(func() {
				if _, err := f.svc.SignUp(ctx, 0, e2.ID, in(e2, 1, "记者", fmt.Sprintf("138%08d", i)), "", f.handler); err != nil {
					t.Error(err)
				}
			})
		}
		wg2.Wait()
		got, _ := f.svc.Get(ctx, f.editor, e2.ID)
		if got.Groups[1].Taken != 2 || got.Taken != 2 {
			t.Errorf("media group: %+v, event taken %d", got.Groups[1], got.Taken)
		}

		// Cancelling a seat promotes the first on the waitlist, at once
		// however many cancel together.
		var cancels sync.WaitGroup
		var firstThree []*openday.Signup
		for _, x := range list {
			if x.Status == openday.Confirmed && len(firstThree) < 3 {
				firstThree = append(firstThree, x)
			}
		}
		for _, x := range firstThree {
			cancels.Go(func() {
				if err := f.svc.CancelByStaff(ctx, f.handler, e.ID, x.ID); err != nil {
					t.Error(err)
				}
			})
		}
		cancels.Wait()
		if err := f.svc.CancelByStaff(ctx, f.handler, e.ID, 999999); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("cancel of an unknown sign-up: %v", err)
		}
		after, _ := f.svc.Signups(ctx, f.editor, e.ID)
		confirmed = 0
		promoted := map[int]bool{}
		for _, x := range after {
			if x.Status == openday.Confirmed {
				confirmed++
				if x.WaitlistPos > 0 {
					promoted[x.WaitlistPos] = true
				}
			}
		}
		if confirmed != seats || !promoted[1] || !promoted[2] || !promoted[3] || len(promoted) != 3 {
			t.Errorf("after cancellations: %d confirmed, promoted %v", confirmed, promoted)
		}
	})
}

func TestSignupRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		e := published(t, f, 2, "市民 2\n人大代表 1", openday.FirstCome)
		// Before the window, after it.
		f.clock.set("2026-04-30T10:00")
		if _, err := f.svc.SignUp(ctx, f.a.ID, e.ID, in(e, 0, "张三", "13900000001"), "1.1.1.1", nil); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("before the window: %v", err)
		}
		f.clock.set("2026-05-18T17:00")
		if _, err := f.svc.SignUp(ctx, f.a.ID, e.ID, in(e, 0, "张三", "13900000001"), "1.1.1.1", nil); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("after the window: %v", err)
		}
		f.clock.set("2026-05-02T10:00")
		// Bad input.
		for name, x := range map[string]openday.SignupInput{
			"no name":     {Phone: "13900000001", GroupID: e.Groups[0].ID},
			"long name":   {Name: strings.Repeat("长", 50_000), Phone: "13900000001", GroupID: e.Groups[0].ID},
			"bad phone":   {Name: "张三", Phone: "1' OR 1=1 --", GroupID: e.Groups[0].ID},
			"bad email":   {Name: "张三", Phone: "13900000001", Email: "<script>@x", GroupID: e.Groups[0].ID},
			"other group": {Name: "张三", Phone: "13900000001", GroupID: 999999},
			"control":     {Name: "张\x00三", Phone: "13900000001", GroupID: e.Groups[0].ID},
		} {
			if _, err := f.svc.SignUp(ctx, f.a.ID, e.ID, x, "1.1.1.1", nil); apperr.FieldsOf(err) == nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		// Wrong agency.
		if _, err := f.svc.SignUp(ctx, f.b.ID, e.ID, in(e, 0, "张三", "13900000001"), "1.1.1.1", nil); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other agency: %v", err)
		}
		r1, err := f.svc.SignUp(ctx, f.a.ID, e.ID, in(e, 0, "<script>alert(1)</script>", "13900000001"), "1.1.1.1", nil)
		if err != nil || r1.Signup.Status != openday.Confirmed || len(r1.Code) != 10 {
			t.Fatalf("first: %+v %v", r1, err)
		}
		if _, err := f.svc.SignUp(ctx, f.a.ID, e.ID, in(e, 1, "李四", "13900000001"), "1.1.1.1", nil); apperr.FieldsOf(err)["phone"] == "" {
			t.Errorf("duplicate phone: %v", err)
		}
		r2, _ := f.svc.SignUp(ctx, f.a.ID, e.ID, in(e, 0, "王五", "13900000002"), "1.1.1.1", nil)
		r3, err := f.svc.SignUp(ctx, f.a.ID, e.ID, in(e, 1, "赵六", "13900000003"), "1.1.1.1", nil)
		if err != nil || r2.Signup.Status != openday.Confirmed || r3.Signup.Status != openday.Waitlisted || r3.Place != 1 {
			t.Fatalf("full event → waitlist: %+v %+v %v", r2.Signup, r3, err)
		}
		// Cancellation by the registrant: forged code, wrong phone refused.
		for _, c := range [][2]string{{"13900000001", "AAAAAAAAAA"}, {"13900000009", r1.Code}, {"13900000001", "../../x"}, {"13900000001", ""}} {
			if err := f.svc.CancelByCode(ctx, f.a.ID, e.ID, c[0], c[1], "1.1.1.1"); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("cancel %v: %v", c, err)
			}
		}
		if err := f.svc.CancelByCode(ctx, f.a.ID, e.ID, "13900000001", strings.ToLower(r1.Code), "1.1.1.1"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.CancelByCode(ctx, f.a.ID, e.ID, "13900000001", r1.Code, "1.1.1.1"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("cancel twice: %v", err)
		}
		// The seat went to 赵六? No: 赵六 is 人大代表 and its quota (1) is free, yet the event was full.
		list, _ := f.svc.Signups(ctx, f.editor, e.ID)
		for _, x := range list {
			if x.Name == "赵六" && x.Status != openday.Confirmed {
				t.Errorf("赵六 not promoted: %s", x.Status)
			}
		}
		// The phone may sign up again after cancelling.
		if _, err := f.svc.SignUp(ctx, f.a.ID, e.ID, in(e, 0, "张三", "13900000001"), "1.1.1.1", nil); err != nil {
			t.Errorf("again after cancelling: %v", err)
		}
		// Check-in: unknown, forged, waitlisted refused; twice refused.
		if _, err := f.svc.CheckIn(ctx, f.handler, e.ID, "ZZZZZZZZZZ"); apperr.FieldsOf(err)["code"] == "" {
			t.Errorf("unknown code: %v", err)
		}
		if _, err := f.svc.CheckIn(ctx, f.editorB, e.ID, r2.Code); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other agency's check-in: %v", err)
		}
		if _, err := f.svc.CheckIn(ctx, f.viewer, e.ID, r2.Code); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("reviewer's check-in: %v", err)
		}
		if _, err := f.svc.CheckIn(ctx, f.handler, e.ID, r1.Code); apperr.FieldsOf(err)["code"] == "" {
			t.Errorf("cancelled code: %v", err)
		}
		if x, err := f.svc.CheckIn(ctx, f.handler, e.ID, " "+strings.ToLower(r2.Code)+" "); err != nil || x.Name != "王五" {
			t.Fatalf("check-in: %v", err)
		}
		if _, err := f.svc.CheckIn(ctx, f.handler, e.ID, r2.Code); apperr.FieldsOf(err)["code"] == "" {
			t.Errorf("twice: %v", err)
		}
		// Reminders the day before, once.
		f.clock.set("2026-05-19T08:00")
		n, err := f.svc.RemindDue(ctx)
		if err != nil || n != 0 {
			t.Errorf("reminders without e-mail: %d %v", n, err)
		}
		// The summary only after the event; then the evaluation hand-off.
		if err := f.svc.Finish(ctx, f.editor, e.ID, "总结"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("summary before: %v", err)
		}
		f.clock.set("2026-05-20T12:00")
		if err := f.svc.Finish(ctx, f.editor, e.ID, strings.Repeat("长", 50_000)); apperr.FieldsOf(err)["summary"] == "" {
			t.Errorf("long summary: %v", err)
		}
		if err := f.svc.Finish(ctx, f.editor, e.ID, "活动圆满举行。"); err != nil {
			t.Fatal(err)
		}
		if n, err := f.svc.InviteEvaluation(ctx, f.editor, e.ID); err != nil || n != 1 || f.evals.got[0].Name != "王五" {
			t.Fatalf("evaluation: %d %v", n, err)
		}
		if _, err := f.svc.InviteEvaluation(ctx, f.editor, e.ID); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("invited twice: %v", err)
		}
	})
}

func TestSelectionAndReminders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		e := published(t, f, 2, "民族宗教界人士 1\n市民 2", openday.Selection)
		var ids []int64
		for i, name := range []string{"马明", "李华", "王芳"} {
			x := in(e, i%2, name, fmt.Sprintf("1370000000%d", i))
			x.Email = fmt.Sprintf("p%d@example.cn", i)
			r, err := f.svc.SignUp(ctx, f.a.ID, e.ID, x, "2.2.2.2", nil)
			if err != nil || r.Signup.Status != openday.Applied {
				t.Fatalf("apply: %+v %v", r, err)
			}
			ids = append(ids, r.Signup.ID)
		}
		// 马明 and 王芳 are both 民族宗教界人士 (quota 1): nothing saved.
		if _, err := f.svc.Select(ctx, f.editor, e.ID, []int64{ids[0], ids[2]}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("over quota: %v", err)
		}
		if n, err := f.svc.Select(ctx, f.editor, e.ID, []int64{ids[0], ids[1]}); err != nil || n != 2 {
			t.Fatalf("select: %d %v", n, err)
		}
		if names, _ := f.svc.Selected(ctx, e); names != nil {
			t.Errorf("names before publishing: %v", names)
		}
		if err := f.svc.PublishSelection(ctx, f.editor, e.ID); err != nil {
			t.Fatal(err)
		}
		e, _ = f.svc.Get(ctx, f.editor, e.ID)
		names, _ := f.svc.Selected(ctx, e)
		if len(names) != 2 || strings.Contains(strings.Join(names, ""), "马明") || !strings.Contains(strings.Join(names, ""), "马*") {
			t.Errorf("masked names: %v", names)
		}
		f.clock.set("2026-05-19T08:00")
		if n, err := f.svc.RemindDue(ctx); err != nil || n != 2 {
			t.Errorf("reminders: %d %v", n, err)
		}
		if n, _ := f.svc.RemindDue(ctx); n != 0 {
			t.Errorf("reminded twice: %d", n)
		}
		var outbox int
		d.R.QueryRow(`SELECT count(*) FROM outbox WHERE purpose = 'openday'`).Scan(&outbox)
		if outbox != 2 {
			t.Errorf("%d mails", outbox)
		}
		var audits int
		d.R.QueryRow(`SELECT count(*) FROM audit_entries WHERE action LIKE 'openday.%'`).Scan(&audits)
		if audits < 8 {
			t.Errorf("%d audit entries", audits)
		}
	})
}

func TestEventForm(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		bad := fields(10, "市民 20", openday.FirstCome)
		bad.Theme, bad.Date, bad.Start, bad.Selection, bad.Groups, bad.Agenda = "", "5月20日", "9点", "x", "市民\n../../x.xlsx 5", strings.Repeat("长", 50_000)
		_, err := f.svc.Create(ctx, f.editor, bad)
		for _, k := range []string{"theme", "date", "start", "selection", "groups", "agenda"} {
			if apperr.FieldsOf(err)[k] == "" {
				t.Errorf("no message for %s: %v", k, err)
			}
		}
		short := fields(10, "市民 3\n媒体 2", openday.FirstCome)
		if _, err := f.svc.Create(ctx, f.editor, short); apperr.FieldsOf(err)["groups"] == "" {
			t.Errorf("quotas below capacity: %v", err)
		}
		if _, err := f.svc.Create(ctx, f.viewer, fields(10, "市民 10", openday.FirstCome)); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("reviewer: %v", err)
		}
		e, err := f.svc.Create(ctx, f.editor, fields(10, "市民 10", openday.FirstCome))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Get(ctx, f.editorB, e.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other agency: %v", err)
		}
		if _, err := f.svc.Public(ctx, f.a.ID, e.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("draft public: %v", err)
		}
		up := fields(12, "市民 12", openday.FirstCome)
		up.Version = 99
		if _, err := f.svc.Update(ctx, f.editor, e.ID, up); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("stale: %v", err)
		}
	})
}

// pngBytes is a small valid PNG.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{200, 30, 30, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestPhotos: photos of a held event need their alt text, are JPEG or
// PNG only, refuse path tricks, stay private until the summary is
// published, and belong to the agency's staff only.
func TestPhotos(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		e := published(t, f, 5, "市民 5", openday.FirstCome)
		pic := pngBytes(t)
		up := func(name string, b []byte) openday.Upload {
			return openday.Upload{Name: name, Reader: bytes.NewReader(b)}
		}
		if _, err := f.svc.AddPhoto(ctx, f.editor, e.ID, up("a.png", pic), "参观", ""); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("before the event: %v", err)
		}
		f.clock.set("2026-06-01T10:00")
		cases := []struct {
			name, alt, caption string
			body               []byte
			field              string
		}{
			{"a.png", "", "", pic, "alt"},
			{"a.png", strings.Repeat("长", openday.MaxAlt+1), "", pic, "alt"},
			{"a.png", "参观", strings.Repeat("长", openday.MaxCaption+1), pic, "caption"},
			{"a.png", "参观", "", nil, "photo"},
			{"../../etc/a.png", "参观", "", pic, "photo"},
			{"a.png", "参观", "", []byte("%PDF-1.4\n%%EOF\n"), "photo"},
			{"a.png", "参观", "", []byte("not an image at all"), "photo"},
		}
		for _, c := range cases {
			u := openday.Upload{Name: c.name}
			if c.body != nil {
				u.Reader = bytes.NewReader(c.body)
			}
			_, err := f.svc.AddPhoto(ctx, f.editor, e.ID, u, c.alt, c.caption)
			if got := apperr.FieldsOf(err); got[c.field] == "" {
				t.Errorf("%s/%q: %v", c.name, c.alt, err)
			}
		}
		var n int
		d.R.QueryRow(`SELECT count(*) FROM openday_photos`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d photos saved from bad input", n)
		}
		if _, err := f.svc.AddPhoto(ctx, f.editorB, e.ID, up("a.png", pic), "参观", ""); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency: %v", err)
		}
		ph, err := f.svc.AddPhoto(ctx, f.handler, e.ID, up("现场.png", pic), `<script>alert(1)</script>参加人员参观展厅`, "展厅")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.OpenPublicPhoto(ctx, f.a.ID, e.ID, ph.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("public before the summary: %v", err)
		}
		if err := f.svc.Finish(ctx, f.editor, e.ID, "活动顺利举办。"); err != nil {
			t.Fatal(err)
		}
		// The daily sweep of unreferenced blobs keeps the photo.
		if n, err := blob.DeleteOrphans(ctx, d, f.svc.Blobs, 0); err != nil || n != 0 {
			t.Errorf("the orphan sweep deleted %d blobs: %v", n, err)
		}
		got, rc, err := f.svc.OpenPublicPhoto(ctx, f.a.ID, e.ID, ph.ID)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(body, pic) || got.ContentType != "image/png" || got.Alt != ph.Alt {
			t.Errorf("served %d bytes as %s", len(body), got.ContentType)
		}
		if _, _, err := f.svc.OpenPublicPhoto(ctx, f.b.ID, e.ID, ph.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("through another agency: %v", err)
		}
		if err := f.svc.RemovePhoto(ctx, f.editorB, e.ID, ph.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("removed by another agency: %v", err)
		}
		if err := f.svc.RemovePhoto(ctx, f.editor, e.ID, ph.ID); err != nil {
			t.Fatal(err)
		}
		var atts int
		d.R.QueryRow(`SELECT count(*) FROM attachments WHERE blob_key = $1`, ph.Key).Scan(&atts)
		if ok, _ := f.svc.Blobs.Exists(ctx, ph.Key); ok || atts != 0 {
			t.Errorf("a removed photo leaves its blob (%v) or attachment row (%d)", ok, atts)
		}
		if err := f.svc.RemovePhoto(ctx, f.editor, e.ID, ph.ID); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("removed twice: %v", err)
		}
		for i := range openday.MaxPhotos {
			if _, err := f.svc.AddPhoto(ctx, f.editor, e.ID, up("p.png", pic), fmt.Sprintf("照片 %d", i+1), ""); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.AddPhoto(ctx, f.editor, e.ID, up("p.png", pic), "多一张", ""); apperr.FieldsOf(err)["photo"] == "" {
			t.Errorf("over the limit: %v", err)
		}
		list, _ := f.svc.Photos(ctx, e.ID)
		if len(list) != openday.MaxPhotos || list[0].Seq >= list[1].Seq {
			t.Errorf("%d photos", len(list))
		}
	})
}
