package application_test

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/application"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/ratelimit"
)

type directory struct{ list []application.AgencyRef }

func (d *directory) Agency(_ context.Context, id int64) (application.AgencyRef, error) {
	for _, a := range d.list {
		if a.ID == id {
			return a, nil
		}
	}
	return application.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

func (d *directory) AgencyBySlug(_ context.Context, slug string) (application.AgencyRef, error) {
	for _, a := range d.list {
		if a.Slug == slug {
			return a, nil
		}
	}
	return application.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

func (d *directory) Agencies(context.Context) ([]application.AgencyRef, error) { return d.list, nil }

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

// at sets the clock to 10:00 Shanghai time on day.
func (c *clock) at(day string) civil.Date {
	d := civil.MustParse(day)
	c.t = time.Date(d.Year, d.Month, d.Day, 10, 0, 0, 0, civil.Shanghai)
	return d
}

type fixture struct {
	d        *db.DB
	svc      *application.Service
	cal      *calendar.Service
	clock    *clock
	a, b     application.AgencyRef
	handler  *auth.Principal // disclosure office of A
	head     *auth.Principal // head of the work unit of A (approver)
	liaison  *auth.Principal // a division's liaison in A
	handlerB *auth.Principal
	admin    *auth.Principal // A's agency admin: no access to applications
	platform *auth.Principal
}

func principal(id, agencyID int64, name string, roles ...auth.Role) *auth.Principal {
	return &auth.Principal{UserID: id, Username: name, DisplayName: name, AgencyID: agencyID, Roles: roles, State: auth.StateActive}
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{d: d, clock: &clock{}, platform: auth.Operator("test")}
	f.clock.at("2026-11-02")
	ag := agency.NewService(d)
	a, err := ag.Create(ctx, f.platform, agency.NewAgency{Slug: "a-bureau", Kind: agency.Bureau, Name: "甲局"}, agency.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ag.Create(ctx, f.platform, agency.NewAgency{Slug: "b-bureau", Kind: agency.Bureau, Name: "乙局"}, agency.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	f.a = application.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name, DisclosureOffice: "甲局政务公开办公室"}
	f.b = application.AgencyRef{ID: b.ID, Slug: b.Slug, Name: b.Name}
	f.cal = calendar.NewService(d, calendar.WithClock(f.clock.Now))
	if _, err := f.cal.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f.svc = application.NewService(application.Deps{DB: d, Calendar: f.cal, Blobs: blobs, Limiter: ratelimit.New(d, f.clock.Now),
		Agencies: &directory{[]application.AgencyRef{f.a, f.b}}, MaxUpload: 1 << 20, Now: f.clock.Now})
	f.handler = principal(0, a.ID, "handler.a", auth.Handler)
	f.head = principal(0, a.ID, "head.a", auth.Approver)
	f.liaison = principal(0, a.ID, "liaison.a", auth.Liaison)
	f.handlerB = principal(0, b.ID, "handler.b", auth.Handler)
	f.admin = principal(0, a.ID, "admin.a", auth.AgencyAdmin)
	return f
}

// png is a minimal valid PNG file.
var png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

func submission(agencyID int64) application.Submission {
	return application.Submission{AgencyID: agencyID,
		Applicant: application.Applicant{Type: application.NaturalPerson, Name: "张三", IDType: application.IDCard,
			IDNumber: "11010519491231002X", Phone: "13812345678", Email: "zhangsan@example.com", Address: "上海市黄浦区人民大道200号"},
		Request: application.Request{Title: "2025年宗教活动场所年检结果", Description: "希望获取本市2025年度宗教活动场所年检结果汇总表",
			Form: application.Electronic, Delivery: application.ByEmail},
		Declaration: true, Identity: &application.Upload{Name: "id.png", Reader: bytes.NewReader(png)}, IP: "203.0.113.9"}
}

func (f *fixture) submit(t *testing.T) *application.Application {
	t.Helper()
	r, err := f.svc.Submit(context.Background(), submission(f.a.ID))
	if err != nil {
		t.Fatal(err, apperr.FieldsOf(err))
	}
	return r.App
}

func (f *fixture) do(t *testing.T, p *auth.Principal, id int64, day string, c application.Command) *application.Application {
	t.Helper()
	c.On = f.clock.at(day)
	a, err := f.svc.Do(context.Background(), p, id, c)
	if err != nil {
		t.Fatalf("%s on %s: %v %v", c.Action, day, err, apperr.FieldsOf(err))
	}
	return a
}

func wantDate(t *testing.T, what string, got civil.Date, want string) {
	t.Helper()
	if got.String() != want {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// The reply deadline on every path the issue names (hand-computed on the
// 2025 and 2026 State Council arrangements; domain-reference §8).
func TestDeadlines(t *testing.T) {
	run := func(name string, fn func(t *testing.T, d *db.DB)) {
		t.Run(name, func(t *testing.T) { dbtest.Each(t, fn) })
	}
	{
		run("plain", func(t *testing.T, d *db.DB) {
			f := setup(t, d)
			a := f.submit(t)
			if a.State != application.Received || !a.DueOn.IsZero() {
				t.Fatalf("online application starts %s with due %s; want received, no clock", a.State, a.DueOn)
			}
			a = f.do(t, f.handler, a.ID, "2026-11-02", application.Command{Action: application.ActRegister})
			wantDate(t, "receipt", a.ReceiptDate, "2026-11-02")
			wantDate(t, "due", a.DueOn, "2026-11-30")
		})
		run("correction restarts the clock", func(t *testing.T, d *db.DB) {
			f := setup(t, d)
			a := f.submit(t)
			f.do(t, f.handler, a.ID, "2026-11-02", application.Command{Action: application.ActRegister})
			a = f.do(t, f.handler, a.ID, "2026-11-04", application.Command{Action: application.ActRequestCorrection, Items: "请写明年检结果所属的区"})
			wantDate(t, "correction due (15 WD)", a.CorrectionDue, "2026-11-25")
			if !a.DueOn.IsZero() {
				t.Errorf("reply due %s while awaiting correction, want none", a.DueOn)
			}
			// A second notice is not allowed (一次性告知).
			a = f.do(t, f.handler, a.ID, "2026-11-09", application.Command{Action: application.ActCorrected})
			wantDate(t, "due from the corrected application", a.DueOn, "2026-12-07")
			f.clock.at("2026-11-10")
			_, err := f.svc.Do(context.Background(), f.handler, a.ID, application.Command{Action: application.ActRequestCorrection, Items: "再补"})
			if !apperr.Is(err, apperr.Conflict) {
				t.Errorf("second correction notice: %v, want conflict", err)
			}
		})
		run("consultation pauses the clock", func(t *testing.T, d *db.DB) {
			f := setup(t, d)
			a := f.submit(t)
			f.do(t, f.handler, a.ID, "2026-11-02", application.Command{Action: application.ActRegister})
			a = f.do(t, f.handler, a.ID, "2026-11-05", application.Command{Action: application.ActConsult,
				ConsultKind: application.ThirdParty, Party: "某宗教活动场所管理组织"})
			if a.State != application.Consulting {
				t.Fatalf("state %s", a.State)
			}
			wantDate(t, "due while consulting (whole 15 WD paused)", a.DueOn, "2026-12-21")
			a = f.do(t, f.handler, a.ID, "2026-11-11", application.Command{Action: application.ActConsulted, Result: application.Agrees})
			wantDate(t, "due after the opinion (4 WD paused)", a.DueOn, "2026-12-04")
			if a.State != application.Processing {
				t.Errorf("state %s after the opinion", a.State)
			}
			// Extension: by the head of the work unit only, once.
			f.clock.at("2026-11-20")
			if _, err := f.svc.Do(context.Background(), f.handler, a.ID, application.Command{Action: application.ActExtend, Days: 10, Note: "需要调取档案"}); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("extension by a handler: %v, want forbidden", err)
			}
			a = f.do(t, f.head, a.ID, "2026-11-20", application.Command{Action: application.ActExtend, Days: 10, Note: "需要调取档案"})
			wantDate(t, "due after a 10 WD extension", a.DueOn, "2026-12-18")
			if _, err := f.svc.Do(context.Background(), f.head, a.ID, application.Command{Action: application.ActExtend, Days: 5, Note: "再延"}); !apperr.Is(err, apperr.Conflict) {
				t.Errorf("second extension: %v, want conflict", err)
			}
		})
		run("late opinion ends the pause with the period", func(t *testing.T, d *db.DB) {
			f := setup(t, d)
			a := f.submit(t)
			f.do(t, f.handler, a.ID, "2026-11-02", application.Command{Action: application.ActRegister})
			f.do(t, f.handler, a.ID, "2026-11-05", application.Command{Action: application.ActConsult, ConsultKind: application.OtherOrgan, Party: "市档案局"})
			f.clock.at("2026-11-20")
			if _, err := f.svc.Do(context.Background(), f.handler, a.ID, application.Command{Action: application.ActConsulted, Result: application.NoAnswer}); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("no answer before the period ended: %v, want invalid", err)
			}
			a = f.do(t, f.handler, a.ID, "2026-12-01", application.Command{Action: application.ActConsulted, Result: application.NoAnswer})
			wantDate(t, "due (15 WD paused, not more)", a.DueOn, "2026-12-21")
		})
		run("fee notice pauses the clock", func(t *testing.T, d *db.DB) {
			f := setup(t, d)
			a := f.submit(t)
			f.do(t, f.handler, a.ID, "2026-11-02", application.Command{Action: application.ActRegister})
			a = f.do(t, f.handler, a.ID, "2026-11-10", application.Command{Action: application.ActFeeNotice, FeeMethod: application.PerVolume,
				Quantity: 45, Note: "本月申请数量明显超过合理范围"})
			wantDate(t, "payment due", a.FeeDue, "2026-12-08")
			if a.FeeAmount != 150 {
				t.Errorf("fee for 45 pages = %d, want 150", a.FeeAmount)
			}
			a = f.do(t, f.handler, a.ID, "2026-11-13", application.Command{Action: application.ActFeePaid})
			wantDate(t, "due after payment (3 WD paused)", a.DueOn, "2026-12-03")
		})
		run("receipt on a Friday before a holiday", func(t *testing.T, d *db.DB) {
			f := setup(t, d)
			f.clock.at("2025-09-26")
			sub := submission(f.a.ID)
			sub.Channel, sub.ReceivedOn, sub.Identity = application.InPerson, civil.MustParse("2025-09-26"), nil
			r, err := f.svc.Record(context.Background(), f.handler, sub)
			if err != nil {
				t.Fatal(err)
			}
			wantDate(t, "receipt", r.App.ReceiptDate, "2025-09-26")
			wantDate(t, "due (domain-reference vector)", r.App.DueOn, "2025-10-30")
		})
		run("receipt on a make-up Saturday", func(t *testing.T, d *db.DB) {
			f := setup(t, d)
			f.clock.at("2025-02-10")
			sub := submission(f.a.ID)
			sub.Channel, sub.ReceivedOn, sub.SignedOn, sub.Identity = application.RegisteredMail, civil.MustParse("2025-02-07"), civil.MustParse("2025-02-08"), nil
			r, err := f.svc.Record(context.Background(), f.handler, sub)
			if err != nil {
				t.Fatal(err)
			}
			wantDate(t, "receipt (the day signed for)", r.App.ReceiptDate, "2025-02-08")
			wantDate(t, "due", r.App.DueOn, "2025-03-07")
		})
		run("correction-notice limit on a make-up day", func(t *testing.T, d *db.DB) {
			f := setup(t, d)
			f.clock.at("2025-01-23")
			sub := submission(f.a.ID)
			sub.Channel, sub.ReceivedOn, sub.Identity = application.InPerson, civil.MustParse("2025-01-23"), nil
			r, err := f.svc.Record(context.Background(), f.handler, sub)
			if err != nil {
				t.Fatal(err)
			}
			wantDate(t, "due (domain-reference vector)", r.App.DueOn, "2025-02-26")
			dl, err := calendar.GetDeadline(context.Background(), d.R, "application", strconv.FormatInt(r.App.ID, 10), "correction_notice")
			if err != nil {
				t.Fatal(err)
			}
			wantDate(t, "correction notice limit", dl.Due, "2025-02-08")
		})
		run("calendar change after registration", func(t *testing.T, d *db.DB) {
			f := setup(t, d)
			ctx := context.Background()
			a := f.submit(t)
			a = f.do(t, f.handler, a.ID, "2026-11-02", application.Command{Action: application.ActRegister})
			wantDate(t, "due", a.DueOn, "2026-11-30")
			c, err := f.cal.Calendar(ctx)
			if err != nil {
				t.Fatal(err)
			}
			arr, _ := c.Arrangement(2026)
			days := append(arr.Days, calendar.Day{Date: civil.MustParse("2026-11-20"), Kind: calendar.Off, Name: "临时调整"})
			if err := d.Tx(ctx, func(tx db.Tx) error {
				_, err := f.cal.SetYear(ctx, tx, 2026, days, arr.Source, "test")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			det, err := f.svc.Detail(ctx, f.handler, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantDate(t, "due after the change", det.App.DueOn, "2026-12-01")
			found := false
			for _, e := range det.Events {
				if e.Action == "deadline" && strings.Contains(e.Note, "2026-11-30") && strings.Contains(e.Note, "2026-12-01") && e.Public {
					found = true
				}
			}
			if !found {
				t.Errorf("history does not say the deadline moved: %+v", det.Events)
			}
		})
		run("correction not made: abandoned by the job", func(t *testing.T, d *db.DB) {
			f := setup(t, d)
			ctx := context.Background()
			a := f.submit(t)
			f.do(t, f.handler, a.ID, "2026-11-02", application.Command{Action: application.ActRegister})
			f.do(t, f.handler, a.ID, "2026-11-04", application.Command{Action: application.ActRequestCorrection, Items: "请写明所需信息的年度"})
			f.clock.at("2026-11-25") // the last day: not yet
			if n, err := f.svc.CloseExpired(ctx); err != nil || n != 0 {
				t.Fatalf("on the last day: %d closed, %v", n, err)
			}
			f.clock.at("2026-11-26")
			if n, err := f.svc.CloseExpired(ctx); err != nil || n != 1 {
				t.Fatalf("after the last day: %d closed, %v", n, err)
			}
			got, _ := f.svc.Get(ctx, f.handler, a.ID)
			if got.State != application.Closed || got.Outcome != application.OutNoCorrection {
				t.Errorf("state %s outcome %s", got.State, got.Outcome)
			}
		})
	}
}

// Table three across two years: an application answered in the next year is
// carried forward, then carried over; the identities hold in both years.
func TestTableThreeAcrossYears(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		record := func(day string, a application.Applicant) *application.Application {
			t.Helper()
			f.clock.at(day)
			sub := submission(f.a.ID)
			sub.Channel, sub.ReceivedOn, sub.Identity, sub.Applicant = application.InPerson, civil.MustParse(day), nil, a
			r, err := f.svc.Record(ctx, f.handler, sub)
			if err != nil {
				t.Fatal(err, apperr.FieldsOf(err))
			}
			return r.App
		}
		person := submission(0).Applicant
		business := application.Applicant{Type: application.Business, Name: "上海某某有限公司", IDType: application.CreditCode,
			IDNumber: "91350100M000100Y43", Contact: "李四", Phone: "021-12345678", Email: "office@example.com"}
		a := record("2025-05-06", person)
		f.do(t, f.handler, a.ID, "2025-05-20", application.Command{Action: application.ActReply, Outcome: application.OutDisclose, Text: "见附件"})
		b := record("2025-12-15", person)
		f.do(t, f.handler, b.ID, "2026-01-08", application.Command{Action: application.ActReply, Outcome: application.OutPartial,
			Text: "见附件", Withheld: "第十五条"})
		c := record("2026-03-02", business)
		f.do(t, f.handler, c.ID, "2026-03-10", application.Command{Action: application.ActReply, Outcome: application.OutNotExist})
		record("2026-12-21", person)
		// Another agency's application counts for that agency only.
		f.clock.at("2026-12-21")
		subB := submission(f.b.ID)
		subB.Channel, subB.ReceivedOn, subB.Identity = application.InPerson, civil.MustParse("2026-12-21"), nil
		if _, err := f.svc.Record(ctx, f.handlerB, subB); err != nil {
			t.Fatal(err)
		}
		const nat, bus, tot = 0, 1, 6
		for _, tc := range []struct {
			year int
			want map[application.Row][3]int // natural, business, total
		}{
			{2025, map[application.Row][3]int{application.RowNewReceived: {2, 0, 2}, application.RowCarriedOver: {0, 0, 0},
				application.RowGranted: {1, 0, 1}, application.RowTotalProcessed: {1, 0, 1}, application.RowCarriedForward: {1, 0, 1}}},
			{2026, map[application.Row][3]int{application.RowNewReceived: {1, 1, 2}, application.RowCarriedOver: {1, 0, 1},
				application.RowPartial: {1, 0, 1}, application.RowNotHeld: {0, 1, 1}, application.RowTotalProcessed: {1, 1, 2},
				application.RowCarriedForward: {1, 0, 1}}},
		} {
			tab, err := f.svc.TableThree(ctx, f.a.ID, tc.year)
			if err != nil {
				t.Fatal(err)
			}
			for row, w := range tc.want {
				if got := [3]int{tab.Get(row, nat), tab.Get(row, bus), tab.Get(row, tot)}; got != w {
					t.Errorf("%d %s: %v, want %v", tc.year, row, got, w)
				}
			}
			if p := tab.Check(); len(p) > 0 {
				t.Errorf("%d: identities fail: %v", tc.year, p)
			}
		}
	})
}

type drafts struct {
	got   application.ProactiveDraft
	files []string
}

func (d *drafts) DraftFromApplication(_ context.Context, _ *auth.Principal, _ int64, in application.ProactiveDraft) (string, error) {
	d.got = in
	for _, f := range in.Files {
		b, _ := io.ReadAll(f.Reader)
		d.files = append(d.files, f.Name+":"+strconv.Itoa(len(b)))
	}
	return "/console/items/42", nil
}

// After the reply: reconsideration and litigation for table four, the
// Art. 44 draft, similar applications, and the end of the retention period.
func TestAfterTheReply(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		dr := &drafts{}
		f.svc.Drafts = dr
		a := f.submit(t)
		f.do(t, f.handler, a.ID, "2026-11-02", application.Command{Action: application.ActRegister})
		if _, err := f.svc.ToProactive(ctx, f.handler, a.ID); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("Art. 44 before the reply: %v", err)
		}
		if err := f.svc.SaveRemedy(ctx, f.handler, a.ID, application.Remedy{Kind: application.Reconsideration, FiledOn: civil.MustParse("2026-11-02")}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("remedy before the reply: %v", err)
		}
		f.clock.at("2026-11-03")
		if err := f.svc.StaffUpload(ctx, f.handler, a.ID, application.FileReply, true, application.Upload{Name: "汇总表.pdf",
			Reader: bytes.NewReader([]byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))}); err != nil {
			t.Fatal(err)
		}
		f.do(t, f.handler, a.ID, "2026-11-03", application.Command{Action: application.ActReply, Outcome: application.OutDisclose, Text: "见附件汇总表"})

		url, err := f.svc.ToProactive(ctx, f.handler, a.ID)
		if err != nil || url != "/console/items/42" || dr.got.Title != "2025年宗教活动场所年检结果" || len(dr.files) != 1 || !strings.HasPrefix(dr.files[0], "汇总表.pdf:") {
			t.Errorf("Art. 44: %q %v %+v %v", url, err, dr.got, dr.files)
		}
		if _, err := f.svc.ToProactive(ctx, f.liaison, a.ID); err == nil {
			t.Error("a liaison not assigned turned it into a draft")
		}

		// Table four: a reconsideration decided in the year, a lawsuit still pending.
		f.clock.at("2026-12-01")
		for _, r := range []application.Remedy{
			{Kind: application.Reconsideration, FiledOn: civil.MustParse("2026-11-10"), Body: "市人民政府", Result: application.Maintained, DecidedOn: civil.MustParse("2026-11-30")},
			{Kind: application.LitigationDirect, FiledOn: civil.MustParse("2026-11-20"), Body: "黄浦区人民法院", CaseNumber: "（2026）沪0101行初1号"},
		} {
			if err := f.svc.SaveRemedy(ctx, f.handler, a.ID, r); err != nil {
				t.Fatal(err, apperr.FieldsOf(err))
			}
		}
		for _, bad := range []application.Remedy{
			{Kind: "appeal", FiledOn: civil.MustParse("2026-11-10")},
			{Kind: application.Reconsideration},
			{Kind: application.Reconsideration, FiledOn: civil.MustParse("2026-11-10"), Result: application.Corrected},
			{Kind: application.Reconsideration, FiledOn: civil.MustParse("2026-11-10"), Body: "x\x00y"},
		} {
			if err := f.svc.SaveRemedy(ctx, f.handler, a.ID, bad); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("remedy %+v: %v", bad, err)
			}
		}
		four, err := f.svc.TableFour(ctx, f.a.ID, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if four.Cells[0] != [5]int{1, 0, 0, 0, 1} || four.Cells[1] != [5]int{0, 0, 0, 1, 1} || four.Cells[2] != [5]int{} {
			t.Errorf("table four: %v", four.Cells)
		}

		// A similar application by the same person is suggested as a repeat.
		f.clock.at("2026-12-02")
		again := f.submit(t)
		sim, err := f.svc.SimilarTo(ctx, f.handler, again.ID)
		if err != nil || len(sim) != 1 || sim[0].App.ID != a.ID || !sim[0].SamePerson {
			t.Errorf("similar: %+v %v", sim, err)
		}
		other := submission(f.a.ID)
		other.Request.Title, other.Request.Description = "清真食品监督检查记录", "2026年清真食品经营监督检查的记录"
		r, err := f.svc.Submit(ctx, other)
		if err != nil {
			t.Fatal(err)
		}
		if sim, _ := f.svc.SimilarTo(ctx, f.handler, r.App.ID); len(sim) != 0 {
			t.Errorf("an unrelated application is similar: %+v", sim)
		}
		// The same person's second application in December (the first was in November).
		if rank, err := f.svc.MonthlyRank(ctx, r.App); err != nil || rank != 2 {
			t.Errorf("monthly rank %d, %v; want 2", rank, err)
		}

		// Retention: ten years after the reply the personal data goes.
		f.clock.at("2036-11-03")
		if n, err := f.svc.PurgeExpired(ctx); err != nil || n != 0 {
			t.Fatalf("on the last day: %d, %v", n, err)
		}
		f.clock.at("2036-11-04")
		if n, err := f.svc.PurgeExpired(ctx); err != nil || n != 1 {
			t.Fatalf("after ten years: %d, %v", n, err)
		}
		var name, idn, phone string
		var files int
		d.R.QueryRow("SELECT applicant_name, id_number, phone FROM applications WHERE id = $1", a.ID).Scan(&name, &idn, &phone)
		d.R.QueryRow("SELECT count(*) FROM application_files WHERE application_id = $1 AND from_applicant = TRUE", a.ID).Scan(&files)
		if name != "（已删除）" || idn != "" || phone != "" || files != 0 {
			t.Errorf("after the purge: %q %q %q, %d files", name, idn, phone, files)
		}
		tab, _ := f.svc.TableThree(ctx, f.a.ID, 2026)
		if tab.Get(application.RowGranted, 0) != 1 {
			t.Error("the purge changed the statistics")
		}
	})
}

// Who sees what: the work unit sees its agency's applications and may
// reveal the applicant's details (audited); a liaison only what is assigned
// to them; other agencies, the agency admin and platform staff never see
// the applicant's details.
func TestAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		a := f.submit(t)
		for _, tc := range []struct {
			name     string
			p        *auth.Principal
			see, act bool
			personal bool
		}{
			{"handler", f.handler, true, true, true},
			{"head", f.head, true, true, true},
			{"liaison, not assigned", f.liaison, false, false, false},
			{"other agency's handler", f.handlerB, false, false, false},
			{"agency admin", f.admin, false, false, false},
			{"platform operator", f.platform, false, false, false},
		} {
			det, err := f.svc.Detail(ctx, tc.p, a.ID)
			if (err == nil) != tc.see {
				t.Errorf("%s sees: %v", tc.name, err)
			}
			if err == nil && (det.App.Applicant.IDNumber == "11010519491231002X" || det.MayReveal != tc.personal) {
				t.Errorf("%s: ID %s, may reveal %v", tc.name, det.App.Applicant.IDNumber, det.MayReveal)
			}
			_, err = f.svc.RevealPersonal(ctx, tc.p, a.ID)
			if (err == nil) != tc.personal {
				t.Errorf("%s reveals: %v", tc.name, err)
			}
			f.clock.at("2026-11-02")
			_, err = f.svc.Do(ctx, tc.p, a.ID, application.Command{Action: application.ActNote, Note: "备注"})
			if (err == nil) != tc.act {
				t.Errorf("%s acts: %v", tc.name, err)
			}
		}
		// Every reveal is in the history and the audit log.
		var n int
		d.R.QueryRow("SELECT count(*) FROM audit_entries WHERE action = 'application.personal.view'").Scan(&n)
		if n != 2 {
			t.Errorf("%d audited reveals, want 2", n)
		}
	})
}

// Reminders go to the handler at 5, 3 and 1 working days before a deadline
// and when it has passed, once a day.
func TestReminders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		var uid int64
		if err := d.W.QueryRow(`INSERT INTO staff_users (agency_id, username, display_name, email, password_hash, password_changed_at, created_at, updated_at)
			VALUES ($1, 'remind.me', '承办人', 'handler@example.gov.cn', 'x', $2, $2, $2) RETURNING id`, f.a.ID, time.Now().UTC()).Scan(&uid); err != nil {
			t.Fatal(err)
		}
		a := f.submit(t)
		f.do(t, f.handler, a.ID, "2026-11-02", application.Command{Action: application.ActRegister})
		f.do(t, f.handler, a.ID, "2026-11-02", application.Command{Action: application.ActAssign, HandlerID: uid})
		// Due 2026-11-30: 5 WD before is 11-23, 3 WD 11-25, 1 WD 11-27.
		sent := func(day string) int {
			t.Helper()
			f.clock.at(day)
			if _, err := f.svc.SendReminders(ctx); err != nil {
				t.Fatal(err)
			}
			var n int
			d.R.QueryRow(`SELECT count(*) FROM outbox WHERE purpose = 'application.reminder' AND subject LIKE '%答复期限%'`).Scan(&n)
			return n
		}
		for _, tc := range []struct {
			day  string
			want int
		}{{"2026-11-20", 0}, {"2026-11-23", 1}, {"2026-11-23", 1}, {"2026-11-24", 1}, {"2026-11-25", 2}, {"2026-11-27", 3}, {"2026-11-30", 3}, {"2026-12-01", 4}} {
			if got := sent(tc.day); got != tc.want {
				t.Errorf("after %s: %d reply reminders, want %d", tc.day, got, tc.want)
			}
		}
		var to string
		d.R.QueryRow(`SELECT recipients FROM outbox WHERE purpose = 'application.reminder' ORDER BY id LIMIT 1`).Scan(&to)
		if !strings.Contains(to, "handler@example.gov.cn") {
			t.Errorf("reminder sent to %s", to)
		}
	})
}
