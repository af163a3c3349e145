package application_test

import (
	"bytes"
	"context"
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
