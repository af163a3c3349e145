package decision_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/decision"
)

type directory struct{ list []decision.AgencyRef }

func (d *directory) Agency(_ context.Context, id int64) (decision.AgencyRef, error) {
	for _, a := range d.list {
		if a.ID == id {
			return a, nil
		}
	}
	return decision.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

func (d *directory) AgencyBySlug(_ context.Context, slug string) (decision.AgencyRef, error) {
	for _, a := range d.list {
		if a.Slug == slug {
			return a, nil
		}
	}
	return decision.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

// consultations is a stand-in for the consultation capability.
type consultations struct {
	refs map[int64][]decision.ConsultationRef
}

func (c *consultations) ForDecision(_ context.Context, id int64) ([]decision.ConsultationRef, error) {
	return c.refs[id], nil
}

func (c *consultations) ArchiveFiles(_ context.Context, id int64, add func(string, io.Reader) error) error {
	if len(c.refs[id]) == 0 {
		return nil
	}
	if err := add("意见汇总.xlsx", strings.NewReader("PK-comments")); err != nil {
		return err
	}
	return add("../../etc/反馈报告.xlsx", strings.NewReader("PK-feedback"))
}

type fixture struct {
	svc            *decision.Service
	d              *db.DB
	a, b           decision.AgencyRef
	editor, viewer *auth.Principal
	editorB, admin *auth.Principal
	policy, ethnic int64 // divisions of a
	divB           int64
}

func principal(agencyID int64, name string, roles ...auth.Role) *auth.Principal {
	return &auth.Principal{Username: name, DisplayName: name, AgencyID: agencyID, Roles: roles, State: auth.StateActive}
}

func setup(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 11, 2, 10, 0, 0, 0, civil.Shanghai)} // a Monday
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
	f := &fixture{d: d}
	if f.policy, err = ag.CreateDivision(ctx, op, a.ID, "政策法规处", 0); err != nil {
		t.Fatal(err)
	}
	if f.ethnic, err = ag.CreateDivision(ctx, op, a.ID, "民族工作二处", 0); err != nil {
		t.Fatal(err)
	}
	if f.divB, err = ag.CreateDivision(ctx, op, b.ID, "综合科", 0); err != nil {
		t.Fatal(err)
	}
	f.a, f.b = decision.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, decision.AgencyRef{ID: b.ID, Slug: b.Slug, Name: b.Name}
	cal := calendar.NewService(d, calendar.WithClock(c.Now))
	if _, err := cal.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f.svc = decision.NewService(decision.Deps{DB: d, Calendar: cal, Blobs: blobs, Agencies: &directory{[]decision.AgencyRef{f.a, f.b}},
		MaxUpload: 1 << 20, Now: c.Now})
	f.editor = principal(a.ID, "editor", auth.Editor)
	f.viewer = principal(a.ID, "handler", auth.Handler)
	f.editorB = principal(b.ID, "editor.b", auth.Editor)
	f.admin = principal(0, "admin", auth.PlatformAdmin)
	return f
}

func (f *fixture) entry(title string) decision.Entry {
	return decision.Entry{Year: 2026, Title: title, DivisionID: f.ethnic, LegalBasis: "《上海市清真食品管理条例》",
		PlannedTiming: "2026年第四季度", Methods: []decision.Method{decision.MethodPublicComment, decision.MethodHearing}, ExpertPlanned: true}
}

func (f *fixture) create(t *testing.T, title string) *decision.MajorDecision {
	t.Helper()
	d, err := f.svc.Create(context.Background(), f.editor, f.entry(title))
	if err != nil {
		t.Fatal(err, apperr.FieldsOf(err))
	}
	return d
}

func fieldsOf(t *testing.T, err error, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want a message for %s", field)
	}
	if f := apperr.FieldsOf(err); f[field] == "" {
		t.Fatalf("no message for %s: %v (%v)", field, err, f)
	}
}

// audits returns the audit actions recorded for a decision.
func audits(t *testing.T, d *db.DB, id int64) []string {
	t.Helper()
	rows, err := d.R.Query("SELECT action FROM audit_entries WHERE object_type = 'decision' AND object_id = $1 ORDER BY seq", strconv.FormatInt(id, 10))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		rows.Scan(&a)
		out = append(out, a)
	}
	return out
}

// TestCatalogue: entries are drafted freely, public once the year's
// catalogue is published; afterwards every addition, change and removal is
// an adjustment with a date and a reason, shown publicly.
func TestCatalogue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		halal := f.create(t, "《上海市清真食品管理规定实施细则》修订")
		f.create(t, "宗教活动场所安全管理三年行动计划")
		if _, err := f.svc.PublicCatalogue(ctx, f.a.ID, 2026); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("an unpublished catalogue is public: %v", err)
		}
		if _, err := f.svc.PublicDecision(ctx, f.a.ID, halal.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("an entry of an unpublished catalogue is public: %v", err)
		}
		fieldsOf(t, f.svc.PublishCatalogue(ctx, f.editor, 2026, civil.MustParse("2026-02-10"), ""), "note")
		fieldsOf(t, f.svc.PublishCatalogue(ctx, f.editor, 2026, civil.MustParse("2026-12-10"), "经局党组会议审议同意"), "published_on")
		fieldsOf(t, f.svc.PublishCatalogue(ctx, f.editor, 2025, civil.MustParse("2025-02-10"), "经局党组会议审议同意"), "year")
		if err := f.svc.PublishCatalogue(ctx, f.editor, 2026, civil.MustParse("2026-02-10"), "经局党组会议审议同意"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.PublishCatalogue(ctx, f.editor, 2026, civil.MustParse("2026-02-11"), "再次公布"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("published twice: %v", err)
		}
		// Additions now need a date and a reason.
		_, err := f.svc.Create(ctx, f.editor, f.entry("少数民族流动人口服务管理办法"))
		fieldsOf(t, err, "adjusted_on")
		fieldsOf(t, err, "adjust_reason")
		late := f.entry("少数民族流动人口服务管理办法")
		late.AdjustedOn, late.AdjustReason = civil.MustParse("2026-01-05"), "根据市政府工作部署新增"
		_, err = f.svc.Create(ctx, f.editor, late)
		fieldsOf(t, err, "adjusted_on") // before the catalogue was published
		late.AdjustedOn = civil.MustParse("2026-06-01")
		added, err := f.svc.Create(ctx, f.editor, late)
		if err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		// A change of timing is an adjustment; a change of nothing is none.
		in := f.entry(halal.Title)
		in.PlannedTiming = "2027年第一季度"
		_, err = f.svc.Update(ctx, f.editor, halal.ID, halal.Version, in)
		fieldsOf(t, err, "adjust_reason")
		in.AdjustedOn, in.AdjustReason = civil.MustParse("2026-09-01"), "扩大听证范围，顺延完成时间"
		if _, err := f.svc.Update(ctx, f.editor, halal.ID, halal.Version+1, in); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("stale version: %v", err)
		}
		halal, err = f.svc.Update(ctx, f.editor, halal.ID, halal.Version, in)
		if err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		if _, err := f.svc.Update(ctx, f.editor, halal.ID, halal.Version, in); err != nil {
			t.Errorf("an unchanged entry: %v", err)
		}
		// Removal.
		fieldsOf(t, f.svc.Remove(ctx, f.editor, added.ID, added.Version, civil.Date{}, "不再制定"), "removed_on")
		fieldsOf(t, f.svc.Remove(ctx, f.editor, added.ID, added.Version, civil.MustParse("2026-10-01"), " "), "removed_reason")
		if err := f.svc.Remove(ctx, f.editor, added.ID, added.Version, civil.MustParse("2026-10-01"), "相关内容纳入市政府统筹制定的政策"); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		if _, err := f.svc.SaveStage(ctx, f.editor, added.ID, added.Version+1, decision.Stage{Kind: decision.Participation, Status: decision.InProgress,
			StartedOn: civil.MustParse("2026-10-10")}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("a removed entry took a stage: %v", err)
		}
		c, err := f.svc.PublicCatalogue(ctx, f.a.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if c.Year != 2026 || len(c.Entries) != 2 || len(c.Removed) != 1 || len(c.Adjustments) != 3 {
			t.Fatalf("public catalogue: year %d, %d entries, %d removed, %d adjustments", c.Year, len(c.Entries), len(c.Removed), len(c.Adjustments))
		}
		kinds := map[decision.AdjustmentKind]decision.Adjustment{}
		for _, a := range c.Adjustments {
			kinds[a.Kind] = a
		}
		if kinds[decision.Added].On.String() != "2026-06-01" || kinds[decision.Dropped].On.String() != "2026-10-01" ||
			!strings.Contains(kinds[decision.Changed].Detail, "2027年第一季度") || kinds[decision.Changed].Reason != "扩大听证范围，顺延完成时间" {
			t.Errorf("adjustments: %+v", c.Adjustments)
		}
		list, total, err := f.svc.PublicList(ctx, decision.ListFilter{AgencyID: f.a.ID})
		if err != nil || total != 3 || len(list) != 3 {
			t.Errorf("public list: %d %v", total, err)
		}
		for action, id := range map[string]int64{"decision.create": halal.ID, "decision.update": halal.ID, "decision.remove": added.ID} {
			found := false
			for _, a := range audits(t, d, id) {
				found = found || a == action
			}
			if !found {
				t.Errorf("no audit entry %s for %d: %v", action, id, audits(t, d, id))
			}
		}
		var n int
		d.R.QueryRow("SELECT count(*) FROM audit_entries WHERE action = 'decision.catalogue.publish'").Scan(&n)
		if n != 1 {
			t.Errorf("%d catalogue audit entries", n)
		}
	})
}

// TestScope: staff act only in their own agency; viewing is not managing.
func TestScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		x := f.create(t, "《上海市清真食品管理规定实施细则》修订")
		if _, err := f.svc.Get(ctx, f.editorB, x.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency's decision: %v", err)
		}
		if _, err := f.svc.Detail(ctx, f.editorB, x.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency's detail: %v", err)
		}
		if _, err := f.svc.Update(ctx, f.editorB, x.ID, x.Version, f.entry("改名")); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency's update: %v", err)
		}
		if _, err := f.svc.SaveStage(ctx, f.editorB, x.ID, x.Version, decision.Stage{Kind: decision.Participation, Status: decision.NotStarted}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency's stage: %v", err)
		}
		if err := f.svc.Archive(ctx, f.editorB, x.ID, io.Discard); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency's archive: %v", err)
		}
		if list, _, _ := f.svc.List(ctx, f.editorB, decision.ListFilter{Year: 2026}); len(list) != 0 {
			t.Errorf("another agency's list: %d", len(list))
		}
		// A division of another agency is refused.
		in := f.entry("乙局处室")
		in.DivisionID = f.divB
		_, err := f.svc.Create(ctx, f.editor, in)
		fieldsOf(t, err, "division")
		if _, err := f.svc.Create(ctx, f.viewer, f.entry("经办人")); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a handler created an entry: %v", err)
		}
		if _, err := f.svc.Get(ctx, f.viewer, x.ID); err != nil {
			t.Errorf("a handler cannot view: %v", err)
		}
		if _, err := f.svc.Get(ctx, f.admin, x.ID); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a platform admin: %v", err)
		}
	})
}

// TestStages runs a decision through its stages on the real calendar: the
// legality review across 国庆 2026 needs until 10-14 for its 7 working days;
// the collective decision waits for it; publication for the decision.
// Refused input changes nothing.
func TestStages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		x := f.create(t, "《上海市清真食品管理规定实施细则》修订")
		save := func(st decision.Stage) error {
			t.Helper()
			nx, err := f.svc.SaveStage(ctx, f.editor, x.ID, x.Version, st)
			if err == nil {
				x = nx
			}
			return err
		}
		before := len(audits(t, d, x.ID))
		_, err := f.svc.SaveStage(ctx, f.editor, x.ID, x.Version, decision.Stage{Kind: decision.Legality, Status: decision.InProgress,
			StartedOn: civil.MustParse("2026-09-29"), DueOn: civil.MustParse("2026-10-09")})
		fieldsOf(t, err, "due_on")
		if !strings.Contains(apperr.FieldsOf(err)["due_on"], "2026-10-14") {
			t.Errorf("message: %s", apperr.FieldsOf(err)["due_on"])
		}
		det, _ := f.svc.Detail(ctx, f.editor, x.ID)
		if det.Stages[decision.Legality].Status != decision.NotStarted || det.Version != x.Version || len(audits(t, d, x.ID)) != before {
			t.Fatal("a refused stage was half saved")
		}
		fieldsOf(t, save(decision.Stage{Kind: decision.Legality, Status: decision.NotRequired, Reason: "无需审查的理由说明"}), "status")
		fieldsOf(t, save(decision.Stage{Kind: decision.Expert, Status: decision.NotRequired}), "reason")
		if err := save(decision.Stage{Kind: decision.Participation, Status: decision.Done, StartedOn: civil.MustParse("2026-08-01"),
			FinishedOn: civil.MustParse("2026-09-01"), Summary: "公开征求意见 30 日"}); err != nil {
			t.Fatal(err)
		}
		if x.Status != decision.Participating {
			t.Errorf("status %s", x.Status)
		}
		if err := save(decision.Stage{Kind: decision.Risk, Status: decision.NotRequired, Reason: "不涉及社会稳定和公共安全风险"}); err != nil {
			t.Fatal(err)
		}
		if err := save(decision.Stage{Kind: decision.Legality, Status: decision.InProgress, StartedOn: civil.MustParse("2026-09-29")}); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		det, _ = f.svc.Detail(ctx, f.editor, x.ID)
		if got := det.Stages[decision.Legality]; got.DueOn.String() != "2026-10-14" || got.ReviewDays != 7 || x.Status != decision.InReview {
			t.Errorf("legality review: due %s, %d working days, status %s", got.DueOn, got.ReviewDays, x.Status)
		}
		decided := decision.Stage{Kind: decision.Collective, Status: decision.Done, FinishedOn: civil.MustParse("2026-10-20"),
			Meeting: "局长办公会议（2026年第12次）", Result: decision.Adopted, Dissent: "一位与会人员建议延长过渡期"}
		fieldsOf(t, save(decided), "status")
		if err := save(decision.Stage{Kind: decision.Legality, Status: decision.Done, StartedOn: civil.MustParse("2026-09-29"),
			DueOn: civil.MustParse("2026-10-14"), FinishedOn: civil.MustParse("2026-10-14")}); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		early := decided
		early.FinishedOn = civil.MustParse("2026-10-13")
		fieldsOf(t, save(early), "finished_on")
		published := decision.Stage{Kind: decision.Publication, Status: decision.Done, FinishedOn: civil.MustParse("2026-10-25"), Venue: "门户网站",
			Link: "https://example.gov.cn/zcwj/1.html"}
		fieldsOf(t, save(published), "status")
		if err := save(decided); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		if x.Status != decision.Decided {
			t.Errorf("status %s", x.Status)
		}
		if err := save(published); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		if x.Status != decision.Published {
			t.Errorf("status %s", x.Status)
		}
		fieldsOf(t, save(decision.Stage{Kind: decision.Legality, Status: decision.InProgress, StartedOn: civil.MustParse("2026-09-29")}), "status")
		if err := f.svc.Remove(ctx, f.editor, x.ID, x.Version, civil.MustParse("2026-10-30"), "已经决定的事项"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("a published decision was removed: %v", err)
		}
		// The public page: not-required stages with their reasons, no
		// dissent, no staff.
		if err := f.svc.PublishCatalogue(ctx, f.editor, 2026, civil.MustParse("2026-02-10"), "经局党组会议审议同意"); err != nil {
			t.Fatal(err)
		}
		pub, err := f.svc.PublicDecision(ctx, f.a.ID, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r := pub.Stages[decision.Risk]; r.Status != decision.NotRequired || r.Reason != "不涉及社会稳定和公共安全风险" {
			t.Errorf("risk: %+v", r)
		}
		if c := pub.Stages[decision.Collective]; c.Dissent != "" || c.Result != decision.Adopted {
			t.Errorf("collective in public: %+v", c)
		}
		if _, err := f.svc.PublicDecision(ctx, f.b.ID, x.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("under another agency's address: %v", err)
		}
		n := 0
		for _, a := range audits(t, d, x.ID) {
			if a == "decision.stage" {
				n++
			}
		}
		var events int
		d.R.QueryRow("SELECT count(*) FROM decision_events WHERE decision_id = $1 AND action = 'stage'", x.ID).Scan(&events)
		if n != 6 || events != 6 {
			t.Errorf("%d stage audit entries and %d history lines, want 6", n, events)
		}
	})
}

// TestHearings: the 7-day materials rule, and the participants masked on
// public pages where the record says so.
func TestHearings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		x := f.create(t, "《上海市清真食品管理规定实施细则》修订")
		h := &decision.Hearing{Kind: decision.MethodHearing, Title: "修订草案听证会", HeldOn: civil.MustParse("2026-10-20"), Time: "14:00",
			Place: "第一会议室", AnnouncedOn: civil.MustParse("2026-10-01"), Selection: "公开报名、随机抽取",
			Participants: decision.ParseParticipants("马建华，清真餐饮企业代表\n欧阳晓东，律师，电话 13912345678"), MaskNames: true,
			MaterialsSentOn: civil.MustParse("2026-10-14"), RecordSigned: true, RecordSignedOn: civil.MustParse("2026-10-20")}
		err := f.svc.AddHearing(ctx, f.editor, x.ID, h)
		fieldsOf(t, err, "materials_sent_on")
		var n int
		d.R.QueryRow("SELECT count(*) FROM decision_hearings").Scan(&n)
		if n != 0 {
			t.Fatal("a refused hearing was saved")
		}
		h.MaterialsSentOn = civil.MustParse("2026-10-13")
		if err := f.svc.AddHearing(ctx, f.editor, x.ID, h); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		sym := &decision.Hearing{Kind: decision.MethodSymposium, Title: "专家座谈会", HeldOn: civil.MustParse("2026-10-08"), Place: "第二会议室",
			Participants: decision.ParseParticipants("王教授，复旦大学"), MaskNames: false}
		if err := f.svc.AddHearing(ctx, f.editor, x.ID, sym); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		h.Summary = "参加人建议延长过渡期。"
		if err := f.svc.UpdateHearing(ctx, f.editor, x.ID, h); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.UpdateHearing(ctx, f.editorB, x.ID, h); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency's hearing: %v", err)
		}
		if err := f.svc.PublishCatalogue(ctx, f.editor, 2026, civil.MustParse("2026-02-10"), "经局党组会议审议同意"); err != nil {
			t.Fatal(err)
		}
		pub, err := f.svc.PublicDecision(ctx, f.a.ID, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(pub.Hearings) != 2 {
			t.Fatalf("%d hearings", len(pub.Hearings))
		}
		hp, sp := pub.Hearings[1], pub.Hearings[0]
		if hp.Participants[0].Name != "马**" || hp.Participants[1].Name != "欧阳**" || strings.Contains(hp.Participants[1].Role, "13912345678") ||
			hp.Summary != "参加人建议延长过渡期。" {
			t.Errorf("public hearing: %+v", hp)
		}
		if sp.Participants[0].Name != "王教授" {
			t.Errorf("a record published with names: %+v", sp.Participants)
		}
		det, _ := f.svc.Detail(ctx, f.editor, x.ID)
		if det.Hearing(hp.ID).Participants[0].Name != "马建华" {
			t.Error("the console should see the full names")
		}
		acts := strings.Join(audits(t, d, x.ID), " ")
		if strings.Count(acts, "decision.hearing.add") != 2 || !strings.Contains(acts, "decision.hearing.update") {
			t.Errorf("audit: %s", acts)
		}
	})
}

var pdf = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

// TestFilesAndArchive: documents are checked by name and content; the
// archive holds every stage, hearing and document, and the consultations'
// files under safe names.
func TestFilesAndArchive(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		x := f.create(t, "《上海市清真食品管理规定实施细则》修订")
		f.svc.Consultations = &consultations{refs: map[int64][]decision.ConsultationRef{x.ID: {{ID: 9, Title: "修订草案征求意见",
			URL: "/o/a-bureau/consultations/9", State: "已反馈", Opens: civil.MustParse("2026-08-01"), Closes: civil.MustParse("2026-08-31"), Comments: 46,
			FeedbackURL: "/o/a-bureau/consultations/9/feedback"}}}}
		count := func() (n int) {
			d.R.QueryRow("SELECT count(*) FROM decision_files").Scan(&n)
			return n
		}
		for name, tc := range map[string]struct {
			file, content, field string
		}{
			"path":      {"../../etc/passwd.pdf", string(pdf), "file"},
			"backslash": {`..\..\boot.pdf`, string(pdf), "file"},
			"disguised": {"草案.pdf", "<script>alert(1)</script>", "file"},
			"exe":       {"草案.exe", string(pdf), "file"},
			"empty":     {"草案.pdf", "", "file"},
			"too large": {"草案.pdf", string(pdf) + strings.Repeat(" ", 2<<20), "file"},
		} {
			_, err := f.svc.AddFile(ctx, f.editor, x.ID, decision.FileMeta{Title: "草案"}, decision.Upload{Name: tc.file, Reader: strings.NewReader(tc.content)})
			if apperr.FieldsOf(err)[tc.field] == "" {
				t.Errorf("%s: %v", name, err)
			}
		}
		if _, err := f.svc.AddFile(ctx, f.editor, x.ID, decision.FileMeta{Title: "<script>x</script>"}, decision.Upload{Name: "a.pdf", Reader: bytes.NewReader(pdf)}); apperr.FieldsOf(err)["title"] == "" {
			t.Errorf("markup in the title: %v", err)
		}
		if count() != 0 {
			t.Fatal("a refused document was saved")
		}
		h := &decision.Hearing{Kind: decision.MethodSymposium, Title: "座谈会", HeldOn: civil.MustParse("2026-10-08"), Place: "第二会议室",
			Participants: decision.ParseParticipants("马建华，企业代表"), MaskNames: true}
		if err := f.svc.AddHearing(ctx, f.editor, x.ID, h); err != nil {
			t.Fatal(err)
		}
		draft, err := f.svc.AddFile(ctx, f.editor, x.ID, decision.FileMeta{Title: "修订草案", Stage: decision.Participation, Public: true},
			decision.Upload{Name: "草案.pdf", Reader: bytes.NewReader(pdf)})
		if err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		record, err := f.svc.AddFile(ctx, f.editor, x.ID, decision.FileMeta{Title: "座谈会记录", HearingID: h.ID},
			decision.Upload{Name: "记录.pdf", Reader: bytes.NewReader(pdf)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddFile(ctx, f.editorB, x.ID, decision.FileMeta{}, decision.Upload{Name: "x.pdf", Reader: bytes.NewReader(pdf)}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency's upload: %v", err)
		}
		if err := f.svc.PublishCatalogue(ctx, f.editor, 2026, civil.MustParse("2026-02-10"), "经局党组会议审议同意"); err != nil {
			t.Fatal(err)
		}
		pub, err := f.svc.PublicDecision(ctx, f.a.ID, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(pub.Files) != 1 || pub.Files[0].ID != draft.ID || len(pub.Consultations) != 1 || pub.Consultations[0].Comments != 46 {
			t.Errorf("public: files %+v consultations %+v", pub.Files, pub.Consultations)
		}
		if _, _, err := f.svc.OpenPublicFile(ctx, f.a.ID, x.ID, record.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("a non-public document is downloadable: %v", err)
		}
		if _, rc, err := f.svc.OpenPublicFile(ctx, f.a.ID, x.ID, draft.ID); err != nil {
			t.Errorf("public document: %v", err)
		} else {
			rc.Close()
		}

		var buf bytes.Buffer
		if err := f.svc.Archive(ctx, f.viewer, x.ID, &buf); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		files := map[string]string{}
		for _, zf := range zr.File {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			files[zf.Name] = string(b)
		}
		index := files["index.html"]
		for _, want := range []string{"合法性审查", "集体讨论决定", "座谈会", "马建华", "修订草案", "座谈会记录", "修订草案征求意见", "征求意见/意见汇总.xlsx", "征求意见/etc/反馈报告.xlsx"} {
			if !strings.Contains(index, want) {
				t.Errorf("the index lacks %q", want)
			}
		}
		if files["征求意见/意见汇总.xlsx"] != "PK-comments" || files["征求意见/etc/反馈报告.xlsx"] != "PK-feedback" {
			t.Errorf("consultation files: %v", keys(files))
		}
		docs := 0
		for name, body := range files {
			if strings.HasPrefix(name, "材料/") {
				docs++
				if body != string(pdf) {
					t.Errorf("%s holds %d bytes", name, len(body))
				}
			}
			if strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
				t.Errorf("unsafe name %q", name)
			}
		}
		if docs != 2 {
			t.Errorf("%d documents in %v", docs, keys(files))
		}
		if err := f.svc.RemoveFile(ctx, f.editor, x.ID, record.ID); err != nil {
			t.Fatal(err)
		}
		acts := strings.Join(audits(t, d, x.ID), " ")
		for _, a := range []string{"decision.file.add", "decision.file.remove", "decision.archive.download"} {
			if !strings.Contains(acts, a) {
				t.Errorf("no audit entry %s: %s", a, acts)
			}
		}
	})
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Two people publishing the same catalogue at once: one publishes it,
// the other is told it is done; one audit entry.
func TestCataloguePublishedOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		f.create(t, "宗教活动场所安全管理三年行动计划")
		errs := make(chan error, 4)
		for i := 0; i < 4; i++ {
			go func() {
				errs <- f.svc.PublishCatalogue(ctx, f.editor, 2026, civil.MustParse("2026-02-10"), "经局党组会议审议同意")
			}()
		}
		ok := 0
		for i := 0; i < 4; i++ {
			err := <-errs
			switch {
			case err == nil:
				ok++
			case !apperr.Is(err, apperr.Conflict) && !strings.Contains(err.Error(), "locked") && !strings.Contains(err.Error(), "busy"):
				t.Errorf("concurrent publication: %v", err)
			}
		}
		var audits int
		d.R.QueryRow(`SELECT count(*) FROM audit_entries WHERE action = 'decision.catalogue.publish'`).Scan(&audits)
		if ok != 1 || audits != 1 {
			t.Errorf("%d publications succeeded, %d audit entries; want 1 and 1", ok, audits)
		}
	})
}
