package disclosure_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/extract"
	"github.com/gongkai/gongkai/internal/search"
)

// directory is the agency capability as disclosure sees it.
type directory struct{ list []disclosure.AgencyRef }

func (d *directory) Agency(_ context.Context, id int64) (disclosure.AgencyRef, error) {
	for _, a := range d.list {
		if a.ID == id {
			return a, nil
		}
	}
	return disclosure.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

func (d *directory) AgencyBySlug(_ context.Context, slug string) (disclosure.AgencyRef, error) {
	for _, a := range d.list {
		if a.Slug == slug {
			return a, nil
		}
	}
	return disclosure.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

func (d *directory) Agencies(context.Context) ([]disclosure.AgencyRef, error) { return d.list, nil }

// version counts page-cache bumps.
type version struct{ bumps, invalidations atomic.Int32 }

func (v *version) Bump(context.Context, db.Tx) error { v.bumps.Add(1); return nil }
func (v *version) Invalidate()                       { v.invalidations.Add(1) }

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

type fixture struct {
	d                 *db.DB
	svc               *disclosure.Service
	ver               *version
	clock             *clock
	a, b              disclosure.AgencyRef
	editorA, reviewA  *auth.Principal
	approveA, adminA  *auth.Principal
	editorB, reviewB  *auth.Principal
	platformOp        *auth.Principal
	colA, colB, colA2 int64
}

func principal(id, agencyID int64, name string, roles ...auth.Role) *auth.Principal {
	return &auth.Principal{UserID: id, Username: name, DisplayName: name, AgencyID: agencyID, Roles: roles, State: auth.StateActive}
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{d: d, ver: &version{}, platformOp: auth.Operator("test"),
		// Friday 18 September 2026, before 中秋 and 国庆.
		clock: &clock{time.Date(2026, 9, 18, 10, 0, 0, 0, civil.Shanghai)}}
	ag := agency.NewService(d)
	a, err := ag.Create(ctx, f.platformOp, agency.NewAgency{Slug: "a-bureau", Kind: agency.Bureau, Name: "甲局"}, agency.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ag.Create(ctx, f.platformOp, agency.NewAgency{Slug: "b-bureau", Kind: agency.Bureau, Name: "乙局"}, agency.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	f.a = disclosure.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name, IndexPrefix: "11310000A"}
	f.b = disclosure.AgencyRef{ID: b.ID, Slug: b.Slug, Name: b.Name}
	cal := calendar.NewService(d, calendar.WithClock(f.clock.Now))
	if _, err := cal.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f.svc = disclosure.NewService(disclosure.Deps{DB: d, Calendar: cal, Blobs: blobs, Agencies: &directory{[]disclosure.AgencyRef{f.a, f.b}},
		Version: f.ver, MaxUpload: 1 << 20, Now: f.clock.Now})
	f.editorA = principal(0, a.ID, "editor.a", auth.Editor)
	f.reviewA = principal(0, a.ID, "review.a", auth.Reviewer)
	f.approveA = principal(0, a.ID, "approve.a", auth.Approver)
	f.adminA = principal(0, a.ID, "admin.a", auth.AgencyAdmin)
	f.editorB = principal(0, b.ID, "editor.b", auth.Editor)
	f.reviewB = principal(0, b.ID, "review.b", auth.Reviewer)
	f.colA = column(t, f.svc, a.ID, "qtxx")
	f.colA2 = column(t, f.svc, a.ID, "zcwj")
	f.colB = column(t, f.svc, b.ID, "qtxx")
	return f
}

func column(t *testing.T, svc *disclosure.Service, agencyID int64, slug string) int64 {
	t.Helper()
	c, err := svc.ColumnBySlug(context.Background(), agencyID, slug)
	if err != nil {
		t.Fatalf("column %s: %v", slug, err)
	}
	return c.ID
}

func draft(col int64, title, body string) disclosure.DraftFields {
	return disclosure.DraftFields{Title: title, FormedOn: "2026-09-18", Genre: "通知", FivePublics: []string{"result"},
		Body: body, SourceType: "self", ColumnIDs: []int64{col}}
}

func searchTitles(t *testing.T, d *db.DB, q string) []string {
	t.Helper()
	res, err := search.Search(context.Background(), d, search.Request{Query: q, Source: "item"})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.Title)
	}
	return out
}

// TestDraftToWithdrawal is the journey at the service level: a
// draft with an attachment, the 保密审查 blocked by a planted ID number,
// the fix, publication with an index number and search, and withdrawal.
func TestDraftToWithdrawal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		it, err := f.svc.Create(ctx, f.editorA, f.a.ID, draft(f.colA, "关于开展宗教活动场所消防安全检查的通知",
			"各区民宗办：\n\n请于十月底前完成检查。联系人身份证号 310101199001011234。"))
		if err != nil {
			t.Fatal(err)
		}
		// Art. 26: 20 working days from the day formed, on the official
		// calendar: 中秋 (25–27 Sep) and 国庆 (1–7 Oct) are not counted,
		// the make-up Sunday 20 Sep and Saturday 10 Oct are.
		if want := civil.MustParse("2026-10-22"); it.DueOn != want {
			t.Errorf("due %s, want %s", it.DueOn, want)
		}
		pdf := extract.MakePDF("检查表", []string{"检查表", "联系电话 13812345678"})
		if _, err := f.svc.AddAttachment(ctx, f.editorA, it.ID, "检查表.pdf", bytes.NewReader(pdf)); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Submit(ctx, f.editorA, it.ID); err != nil {
			t.Fatal(err)
		}
		// While submitted, the editor cannot change it.
		if err := f.svc.Update(ctx, f.editorA, it.ID, draft(f.colA, "改标题", "")); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("edit while submitted: %v", err)
		}
		// The editor cannot review their own item.
		if err := f.svc.Review(ctx, f.editorA, it.ID, ""); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("editor reviewed: %v", err)
		}
		err = f.svc.Review(ctx, f.reviewA, it.ID, "")
		var blocked *disclosure.BlockedError
		if !errors.As(err, &blocked) {
			t.Fatalf("review with a planted ID number: %v", err)
		}
		var kinds []string
		for _, fd := range blocked.Findings {
			kinds = append(kinds, fd.Where+"/"+fd.Kind)
			if strings.Contains(fd.Excerpt, "310101199001011234") || strings.Contains(fd.Excerpt, "13812345678") {
				t.Errorf("finding shows the value unmasked: %+v", fd)
			}
		}
		if got := strings.Join(kinds, ","); !strings.Contains(got, "正文/身份证号") || !strings.Contains(got, "附件 检查表.pdf/手机号") {
			t.Errorf("findings %s", got)
		}
		if got, _ := f.svc.Get(ctx, f.reviewA, it.ID); got.Status != disclosure.Submitted {
			t.Errorf("a blocked review changed the status to %s", got.Status)
		}
		// The reviewer returns it; the editor fixes body and attachment.
		if err := f.svc.Return(ctx, f.reviewA, it.ID, "正文和附件含有个人信息，请删除"); err != nil {
			t.Fatal(err)
		}
		fixed := draft(f.colA, "关于开展宗教活动场所消防安全检查的通知", "各区民宗办：\n\n请于十月底前完成检查。")
		if err := f.svc.Update(ctx, f.editorA, it.ID, fixed); err != nil {
			t.Fatal(err)
		}
		atts, _ := f.svc.Attachments(ctx, it.ID)
		if len(atts) != 1 || !strings.Contains(atts[0].Text, "13812345678") {
			t.Fatalf("attachment text not extracted: %+v", atts)
		}
		if err := f.svc.RemoveAttachment(ctx, f.editorA, it.ID, atts[0].ID); err != nil {
			t.Fatal(err)
		}
		clean := extract.MakePDF("检查表", []string{"检查表", "联系电话 021-12345678 转 消防科"})
		if _, err := f.svc.AddAttachment(ctx, f.editorA, it.ID, "检查表.pdf", bytes.NewReader(clean)); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Submit(ctx, f.editorA, it.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Review(ctx, f.reviewA, it.ID, ""); err != nil {
			t.Fatalf("review of the fixed item: %v", err)
		}
		if len(searchTitles(t, d, "消防安全检查")) != 0 {
			t.Error("searchable before publication")
		}
		bumps := f.ver.bumps.Load()
		if err := f.svc.Publish(ctx, f.reviewA, it.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if f.ver.bumps.Load() == bumps || f.ver.invalidations.Load() == 0 {
			t.Error("publication did not mark the public pages stale")
		}
		pub, err := f.svc.PublicItem(ctx, f.a.ID, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		if pub.IndexNumber != "11310000A/2026-00001" || pub.PublishedOn != civil.MustParse("2026-09-18") || pub.Late {
			t.Errorf("published: %q %s late=%v", pub.IndexNumber, pub.PublishedOn, pub.Late)
		}
		if got := searchTitles(t, d, "消防安全检查"); len(got) != 1 {
			t.Errorf("search after publication: %v", got)
		}
		// The attachment text is searched too.
		if got := searchTitles(t, d, "消防科"); len(got) != 1 {
			t.Errorf("search in the attachment: %v", got)
		}
		// Another agency's public list does not show it.
		if _, err := f.svc.PublicItem(ctx, f.b.ID, it.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("item visible under agency B: %v", err)
		}

		// 撤稿: only with a reason; then gone from search and the portal,
		// kept in the console with its history.
		if err := f.svc.Withdraw(ctx, f.approveA, it.ID, ""); apperr.FieldsOf(err)["reason"] == "" {
			t.Errorf("withdraw without reason: %v", err)
		}
		if err := f.svc.Withdraw(ctx, f.reviewA, it.ID, "内容有误"); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("reviewer withdrew: %v", err)
		}
		if err := f.svc.Withdraw(ctx, f.approveA, it.ID, "检查时间调整，重新发布"); err != nil {
			t.Fatal(err)
		}
		if got := searchTitles(t, d, "消防安全检查"); len(got) != 0 {
			t.Errorf("search after withdrawal: %v", got)
		}
		if _, err := f.svc.PublicItem(ctx, f.a.ID, it.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("withdrawn item public: %v", err)
		}
		list, _, _ := f.svc.PublicList(ctx, disclosure.ListFilter{AgencyIDs: []int64{f.a.ID}})
		if len(list) != 0 {
			t.Errorf("withdrawn item listed: %d", len(list))
		}
		events, versions, err := f.svc.History(ctx, f.editorA, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		var trail []string
		for _, e := range events {
			trail = append(trail, string(e.Action))
		}
		if got := strings.Join(trail, ","); got != "edit,submit,return,edit,submit,review,publish,withdraw" {
			t.Errorf("history %s", got)
		}
		if len(versions) != 2 {
			t.Errorf("versions %d, want one per submission", len(versions))
		}
		// Republishing keeps the index number: numbers are never reused
		// or changed.
		if err := f.svc.Update(ctx, f.editorA, it.ID, fixed); err != nil {
			t.Fatal(err)
		}
		for _, step := range []func() error{
			func() error { return f.svc.Submit(ctx, f.editorA, it.ID) },
			func() error { return f.svc.Review(ctx, f.reviewA, it.ID, "") },
			func() error { return f.svc.Publish(ctx, f.reviewA, it.ID, time.Time{}) },
		} {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
		again, _ := f.svc.PublicItem(ctx, f.a.ID, it.ID)
		if again.IndexNumber != pub.IndexNumber {
			t.Errorf("index number changed: %s → %s", pub.IndexNumber, again.IndexNumber)
		}
		second := publish(t, f, f.editorA, f.reviewA, draft(f.colA, "第二条通知", "正文"))
		if second.IndexNumber != "11310000A/2026-00002" {
			t.Errorf("second index number %s", second.IndexNumber)
		}
		if rep, err := audit.Verify(ctx, d.R); err != nil || !rep.OK() {
			t.Errorf("audit chain: %+v %v", rep, err)
		}
	})
}

// publish takes a draft all the way (agency without approval).
func publish(t *testing.T, f *fixture, editor, reviewer *auth.Principal, in disclosure.DraftFields) *disclosure.Item {
	t.Helper()
	ctx := context.Background()
	it, err := f.svc.Create(ctx, editor, editor.AgencyID, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() error{
		func() error { return f.svc.Submit(ctx, editor, it.ID) },
		func() error { return f.svc.Review(ctx, reviewer, it.ID, "") },
		func() error { return f.svc.Publish(ctx, reviewer, it.ID, time.Time{}) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.svc.PublicItem(ctx, editor.AgencyID, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestReviewOverrideIsAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		st, _ := f.svc.Settings(ctx, f.a.ID)
		st.AgencyID = f.a.ID
		st.SensitiveWords = "内部资料\n"
		if err := f.svc.UpdateSettings(ctx, f.adminA, st); err != nil {
			t.Fatal(err)
		}
		it, err := f.svc.Create(ctx, f.editorA, f.a.ID, draft(f.colA, "关于收回内部资料的公告", "本公告所称内部资料，指已解密的旧版目录。"))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Submit(ctx, f.editorA, it.ID); err != nil {
			t.Fatal(err)
		}
		var blocked *disclosure.BlockedError
		if err := f.svc.Review(ctx, f.reviewA, it.ID, ""); !errors.As(err, &blocked) || blocked.Findings[0].Kind != "敏感词" {
			t.Fatalf("sensitive word not found: %v", err)
		}
		// A one-word excuse is not enough.
		if err := f.svc.Review(ctx, f.reviewA, it.ID, "可以"); !errors.As(err, &blocked) {
			t.Fatalf("short override accepted: %v", err)
		}
		if err := f.svc.Review(ctx, f.reviewA, it.ID, "“内部资料”为公告所指对象的名称，已解密，可以公开"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Publish(ctx, f.reviewA, it.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
		entries, _, err := audit.Search(ctx, d.R, audit.Filter{AgencyID: f.a.ID})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range entries {
			if e.Action == "item.review.override" && strings.Contains(e.Summary, "已解密") && strings.Contains(e.Summary, "敏感词") {
				found = true
			}
		}
		if !found {
			t.Error("the override and its findings are not in the audit log")
		}
	})
}

func TestApprovalAndSchedule(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		st, _ := f.svc.Settings(ctx, f.a.ID)
		st.AgencyID, st.RequireApproval = f.a.ID, true
		if err := f.svc.UpdateSettings(ctx, f.adminA, st); err != nil {
			t.Fatal(err)
		}
		it, _ := f.svc.Create(ctx, f.editorA, f.a.ID, draft(f.colA, "定时发布的通知", "正文"))
		f.svc.Submit(ctx, f.editorA, it.ID)
		if err := f.svc.Review(ctx, f.reviewA, it.ID, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Publish(ctx, f.reviewA, it.ID, time.Time{}); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("published without approval: %v", err)
		}
		if err := f.svc.Approve(ctx, f.approveA, it.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Publish(ctx, f.approveA, it.ID, f.clock.t.AddDate(2, 0, 0)); apperr.FieldsOf(err)["publish_at"] == "" {
			t.Errorf("schedule two years ahead: %v", err)
		}
		at := f.clock.t.Add(3 * time.Hour)
		if err := f.svc.Publish(ctx, f.approveA, it.ID, at); err != nil {
			t.Fatal(err)
		}
		if n, err := f.svc.PublishDue(ctx); n != 0 || err != nil {
			t.Fatalf("published early: %d %v", n, err)
		}
		if _, err := f.svc.PublicItem(ctx, f.a.ID, it.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("scheduled item public: %v", err)
		}
		f.clock.t = at.Add(time.Minute)
		if n, err := f.svc.PublishDue(ctx); n != 1 || err != nil {
			t.Fatalf("due: %d %v", n, err)
		}
		pub, err := f.svc.PublicItem(ctx, f.a.ID, it.ID)
		if err != nil || pub.IndexNumber == "" {
			t.Fatalf("after schedule: %+v %v", pub, err)
		}
		if got := searchTitles(t, d, "定时发布"); len(got) != 1 {
			t.Errorf("search: %v", got)
		}
	})
}

// TestLatePublicationIsFlagged: past the Art. 26 deadline the item is
// published but marked late (for the annual report).
func TestLatePublicationIsFlagged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		in := draft(f.colA, "逾期信息", "正文")
		in.FormedOn = "2026-08-03"
		it := publish(t, f, f.editorA, f.reviewA, in)
		if !it.Late || it.DueOn != civil.MustParse("2026-08-31") {
			t.Errorf("late=%v due=%s", it.Late, it.DueOn)
		}
		soon, err := f.svc.DueSoon(context.Background(), f.editorA, f.a.ID, 5)
		if err != nil || len(soon) != 0 {
			t.Errorf("due soon: %v %v", soon, err)
		}
	})
}

// TestHostileDrafts: scripts, SQL metacharacters, bad dates and 文号, and
// file-name tricks are refused or stored inert.
func TestHostileDrafts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		for name, tc := range map[string]struct {
			mod   func(*disclosure.DraftFields)
			field string
		}{
			"missing title":   {func(x *disclosure.DraftFields) { x.Title = "  " }, "title"},
			"script in title": {func(x *disclosure.DraftFields) { x.Title = "<script>alert(1)</script>通知" }, "title"},
			"long title":      {func(x *disclosure.DraftFields) { x.Title = strings.Repeat("长", 201) }, "title"},
			"bad date":        {func(x *disclosure.DraftFields) { x.FormedOn = "2026-02-30" }, "formed_on"},
			"future date":     {func(x *disclosure.DraftFields) { x.FormedOn = "2027-01-01" }, "formed_on"},
			"sql date":        {func(x *disclosure.DraftFields) { x.SignedOn = "2026-01-01' OR '1'='1" }, "signed_on"},
			"bad 文号":          {func(x *disclosure.DraftFields) { x.DocNumber = "沪民宗规2022第1号" }, "doc_number"},
			"other column":    {func(x *disclosure.DraftFields) { x.ColumnIDs = []int64{f.colB} }, "column_ids"},
			"bad genre":       {func(x *disclosure.DraftFields) { x.Genre = "'; DROP TABLE items; --" }, "genre"},
			"huge body":       {func(x *disclosure.DraftFields) { x.Body = strings.Repeat("字", 300_001) }, "body"},
		} {
			in := draft(f.colA, "正常标题", "正文")
			tc.mod(&in)
			_, err := f.svc.Create(ctx, f.editorA, f.a.ID, in)
			if apperr.FieldsOf(err)[tc.field] == "" {
				t.Errorf("%s: want an error on %s, got %v", name, tc.field, err)
			}
		}
		list, _, _ := f.svc.ConsoleList(ctx, f.editorA, f.a.ID, disclosure.ListFilter{})
		if len(list) != 0 {
			t.Fatalf("a refused draft was saved: %d", len(list))
		}
		// SQL metacharacters in text are just text; a 文号 with other
		// brackets is normalised.
		in := draft(f.colA, "Robert'); DROP TABLE items;-- 的通知 & 《条例》", "<img src=x onerror=alert(1)> 正文 [链接](javascript:alert(1))")
		in.DocNumber = "沪民宗规[2022] 1号"
		it := publish(t, f, f.editorA, f.reviewA, in)
		if it.Title != in.Title || it.DocNumber != "沪民宗规〔2022〕1号" {
			t.Errorf("stored %q %q", it.Title, it.DocNumber)
		}
		html := string(disclosure.RenderBody(it.Body))
		if strings.Contains(html, "onerror") || strings.Contains(html, "javascript:") || strings.Contains(html, "<img") {
			t.Errorf("rendered body is not inert: %s", html)
		}
		// Attachments: too big, a program named .pdf, a path in the name.
		d2, _ := f.svc.Create(ctx, f.editorA, f.a.ID, draft(f.colA, "附件测试", "正文"))
		if _, err := f.svc.AddAttachment(ctx, f.editorA, d2.ID, "大.pdf", bytes.NewReader(make([]byte, 2<<20))); apperr.CodeOf(err) != apperr.TooLarge {
			t.Errorf("oversized: %v", err)
		}
		exe := append([]byte("MZ\x90\x00"), make([]byte, 200)...)
		if _, err := f.svc.AddAttachment(ctx, f.editorA, d2.ID, "通知.pdf", bytes.NewReader(exe)); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("program as pdf: %v", err)
		}
		pdf := extract.MakePDF("正文", []string{"正文"})
		if _, err := f.svc.AddAttachment(ctx, f.editorA, d2.ID, "../../etc/passwd.pdf", bytes.NewReader(pdf)); err != nil {
			t.Fatal(err)
		}
		atts, _ := f.svc.Attachments(ctx, d2.ID)
		if len(atts) != 1 || strings.ContainsAny(atts[0].FileName, "/\\") || strings.Contains(atts[0].FileName, "..") {
			t.Errorf("attachments %+v", atts)
		}
	})
}

// TestWithdrawnItemLeavesFeedsAndLists checks the public reads.
func TestSupersede(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		old := publish(t, f, f.editorA, f.reviewA, draft(f.colA, "旧办法", "正文"))
		nw := publish(t, f, f.editorA, f.reviewA, draft(f.colA, "新办法", "正文"))
		other := publish(t, f, f.editorB, f.reviewB, draft(f.colB, "乙局的办法", "正文"))
		if err := f.svc.Supersede(ctx, f.approveA, old.ID, other.ID); apperr.FieldsOf(err)["by"] == "" {
			t.Errorf("superseded by another agency's item: %v", err)
		}
		if err := f.svc.Supersede(ctx, f.approveA, old.ID, nw.ID); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.PublicItem(ctx, f.a.ID, old.ID)
		if err != nil || got.SupersededBy != nw.ID || got.Status != disclosure.Superseded {
			t.Errorf("superseded item: %+v %v", got, err)
		}
	})
}

// TestAgencyIsolation calls every method that takes an item or agency as
// agency A's staff with agency B's identifiers.
func TestAgencyIsolation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		itemB := publish(t, f, f.editorB, f.reviewB, draft(f.colB, "乙局已发布", "乙局正文"))
		draftB, _ := f.svc.Create(ctx, f.editorB, f.b.ID, draft(f.colB, "乙局草稿", "乙局草稿正文"))
		ownA := publish(t, f, f.editorA, f.reviewA, draft(f.colA, "甲局已发布", "正文"))
		adminA := principal(0, f.a.ID, "admin.a", auth.AgencyAdmin, auth.Editor, auth.Reviewer, auth.Approver)
		topicsB, _ := f.svc.Topics(ctx, f.b.ID)
		_ = topicsB
		calls := map[string]func() error{
			"UpdateSettings(B)": func() error {
				return f.svc.UpdateSettings(ctx, adminA, disclosure.Settings{AgencyID: f.b.ID, IndexPattern: disclosure.DefaultIndexPattern})
			},
			"CreateColumn(B)": func() error {
				_, err := f.svc.CreateColumn(ctx, adminA, f.b.ID, disclosure.ColumnInput{Name: "渗透", Slug: "x1", Kind: disclosure.KindItems})
				return err
			},
			"UpdateColumn(B)": func() error {
				return f.svc.UpdateColumn(ctx, adminA, f.b.ID, f.colB, disclosure.ColumnInput{Name: "改", Slug: "qtxx", Kind: disclosure.KindItems})
			},
			"UpdateColumn(A, colB)": func() error {
				return f.svc.UpdateColumn(ctx, adminA, f.a.ID, f.colB, disclosure.ColumnInput{Name: "改", Slug: "qtxx", Kind: disclosure.KindItems})
			},
			"CreateTopic(B)": func() error { _, err := f.svc.CreateTopic(ctx, adminA, f.b.ID, "渗透", 0); return err },
			"Create(B)": func() error {
				_, err := f.svc.Create(ctx, adminA, f.b.ID, draft(f.colB, "渗透", ""))
				return err
			},
			"Update(draftB)": func() error { return f.svc.Update(ctx, adminA, draftB.ID, draft(f.colB, "改", "")) },
			"AddAttachment(draftB)": func() error {
				pdf := extract.MakePDF("x", []string{"x"})
				_, err := f.svc.AddAttachment(ctx, adminA, draftB.ID, "x.pdf", bytes.NewReader(pdf))
				return err
			},
			"RemoveAttachment(draftB)": func() error { return f.svc.RemoveAttachment(ctx, adminA, draftB.ID, 1) },
			"Submit(draftB)":           func() error { return f.svc.Submit(ctx, adminA, draftB.ID) },
			"Return(itemB)":            func() error { return f.svc.Return(ctx, adminA, itemB.ID, "退回原因") },
			"Review(draftB)":           func() error { return f.svc.Review(ctx, adminA, draftB.ID, "") },
			"Approve(draftB)":          func() error { return f.svc.Approve(ctx, adminA, draftB.ID) },
			"Publish(draftB)":          func() error { return f.svc.Publish(ctx, adminA, draftB.ID, time.Time{}) },
			"Withdraw(itemB)":          func() error { return f.svc.Withdraw(ctx, adminA, itemB.ID, "撤稿原因") },
			"Supersede(itemB)":         func() error { return f.svc.Supersede(ctx, adminA, itemB.ID, itemB.ID) },
			"Supersede(own, by B)": func() error {
				return f.svc.Supersede(ctx, adminA, ownA.ID, itemB.ID)
			},
			"Get(draftB)": func() error { _, err := f.svc.Get(ctx, adminA, draftB.ID); return err },
			"History(draftB)": func() error {
				_, _, err := f.svc.History(ctx, adminA, draftB.ID)
				return err
			},
			"ConsoleList(B)": func() error {
				_, _, err := f.svc.ConsoleList(ctx, adminA, f.b.ID, disclosure.ListFilter{})
				return err
			},
			"SetPinned(itemB)": func() error { return f.svc.SetPinned(ctx, adminA, itemB.ID, f.colB, true) },
			"SetPinned(own, colB)": func() error {
				return f.svc.SetPinned(ctx, adminA, ownA.ID, f.colB, true)
			},
			"DueSoon(B)": func() error { _, err := f.svc.DueSoon(ctx, adminA, f.b.ID, 5); return err },
			"SaveInterpretation(draftB)": func() error {
				return f.svc.SaveInterpretation(ctx, adminA, draftB.ID, disclosure.InterpretationInput{Form: "text", Policies: fmt.Sprint(itemB.ID)})
			},
			"SaveInterpretation(own draft, of B)": func() error {
				own, err := f.svc.Create(ctx, f.editorA, f.a.ID, draft(f.colA, "甲局解读草稿", "正文"))
				if err != nil {
					return err
				}
				return f.svc.SaveInterpretation(ctx, adminA, own.ID, disclosure.InterpretationInput{Form: "text", Policies: fmt.Sprint(itemB.ID)})
			},
			"SetInterpretationExempt(itemB)": func() error { return f.svc.SetInterpretationExempt(ctx, adminA, itemB.ID, "无需") },
			"Assessment(draftB)":             func() error { _, _, err := f.svc.Assessment(ctx, adminA, draftB.ID); return err },
			"SaveAssessment(draftB)": func() error {
				return f.svc.SaveAssessment(ctx, adminA, draftB.ID, disclosure.AssessmentInput{Major: true, Reaction: "x", Risk: "low", Plan: "x"})
			},
			"PostUpdate(B)": func() error {
				_, err := f.svc.PostUpdate(ctx, adminA, f.b.ID, f.colB, "渗透", 0, false)
				return err
			},
			"Import(into B)": func() error {
				rep, err := f.svc.Import(ctx, adminA, []disclosure.ImportRow{{Line: 1, Agency: "b-bureau", IndexNumber: "X/1", Title: "渗透",
					PublishedOn: "2026-01-05", Columns: []string{"qtxx"}, Body: "x"}}, "", t.TempDir())
				if err == nil && rep.Created+rep.Updated > 0 {
					return nil
				}
				if err == nil {
					return apperr.New(apperr.Forbidden, strings.Join(rep.Errors, ""))
				}
				return err
			},
		}
		for name, call := range calls {
			err := call()
			if code := apperr.CodeOf(err); code != apperr.Forbidden && code != apperr.NotFound && apperr.FieldsOf(err) == nil {
				t.Errorf("%s as agency A's staff: %v, want forbidden, not found or refused", name, err)
			}
		}
		// B's items are as they were.
		b1, err := f.svc.PublicItem(ctx, f.b.ID, itemB.ID)
		if err != nil || b1.Status != disclosure.Published || b1.SupersededBy != 0 {
			t.Errorf("B's published item changed: %+v %v", b1, err)
		}
		b2, _ := f.svc.Get(ctx, f.editorB, draftB.ID)
		if b2.Title != "乙局草稿" || b2.Status != disclosure.Draft {
			t.Errorf("B's draft changed: %+v", b2)
		}
		cols, _ := f.svc.Catalogue(ctx, f.b.ID)
		for _, c := range cols {
			if c.Name == "渗透" || c.Name == "改" {
				t.Errorf("B's catalogue changed: %+v", c)
			}
		}
		topics, _ := f.svc.Topics(ctx, f.b.ID)
		if len(topics) != len(topicsB) {
			t.Errorf("B's topics changed")
		}
		if ups, _ := f.svc.Updates(ctx, f.colB, 10); len(ups) != 0 {
			t.Errorf("B's topical updates changed")
		}
		// Platform administrators act everywhere.
		if _, err := f.svc.Get(ctx, principal(0, 0, "root", auth.PlatformAdmin), draftB.ID); err != nil {
			t.Errorf("platform admin: %v", err)
		}
	})
}

// TestPublicListsFollowStatus: column lists (an index over item_columns)
// follow publication, withdrawal and column changes, keep pins across
// edits, and a container lists its sub-columns' items once each.
func TestPublicListsFollowStatus(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		titles := func(fl disclosure.ListFilter) (string, int) {
			t.Helper()
			items, total, err := f.svc.PublicList(ctx, fl)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, it := range items {
				out = append(out, it.Title)
			}
			return strings.Join(out, ","), total
		}
		one := publish(t, f, f.editorA, f.reviewA, draft(f.colA, "甲", "正文"))
		f.clock.t = f.clock.t.Add(time.Hour)
		in := draft(f.colA, "乙", "正文")
		in.ColumnIDs = []int64{f.colA, f.colA2}
		two := publish(t, f, f.editorA, f.reviewA, in)
		f.svc.Create(ctx, f.editorA, f.a.ID, draft(f.colA, "草稿", "正文"))
		if got, n := titles(disclosure.ListFilter{ColumnID: f.colA}); got != "乙,甲" || n != 2 {
			t.Errorf("column: %s %d", got, n)
		}
		if got, n := titles(disclosure.ListFilter{ColumnIDs: []int64{f.colA, f.colA2}}); got != "乙,甲" || n != 2 {
			t.Errorf("columns: %s %d", got, n)
		}
		if got, n := titles(disclosure.ListFilter{ColumnID: f.colA, Genre: "公告"}); got != "" || n != 0 {
			t.Errorf("filtered: %s %d", got, n)
		}
		if got, _ := titles(disclosure.ListFilter{AgencyIDs: []int64{f.a.ID}, Limit: 1, NoCount: true}); got != "乙" {
			t.Errorf("latest: %s", got)
		}
		if err := f.svc.SetPinned(ctx, f.adminA, two.ID, f.colA2, true); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Withdraw(ctx, f.approveA, two.ID, "需要修改"); err != nil {
			t.Fatal(err)
		}
		if got, n := titles(disclosure.ListFilter{ColumnIDs: []int64{f.colA, f.colA2}}); got != "甲" || n != 1 {
			t.Errorf("after withdrawal: %s %d", got, n)
		}
		// Edited out of one column, kept (with its pin) in the other.
		in.ColumnIDs = []int64{f.colA2}
		if err := f.svc.Update(ctx, f.editorA, two.ID, in); err != nil {
			t.Fatal(err)
		}
		for _, step := range []func() error{
			func() error { return f.svc.Submit(ctx, f.editorA, two.ID) },
			func() error { return f.svc.Review(ctx, f.reviewA, two.ID, "") },
			func() error { return f.svc.Publish(ctx, f.reviewA, two.ID, time.Time{}) },
		} {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := titles(disclosure.ListFilter{ColumnID: f.colA}); got != "甲" {
			t.Errorf("old column: %s", got)
		}
		if got, _ := titles(disclosure.ListFilter{ColumnID: f.colA2}); got != "乙" {
			t.Errorf("kept column: %s", got)
		}
		if pins, _ := f.svc.Pinned(ctx, f.colA2); len(pins) != 1 || pins[0].ID != two.ID {
			t.Errorf("pin lost: %v", pins)
		}
		if err := f.svc.Supersede(ctx, f.approveA, one.ID, two.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := titles(disclosure.ListFilter{ColumnIDs: []int64{f.colA, f.colA2}}); got != "乙,甲" {
			t.Errorf("superseded items stay listed: %s", got)
		}
	})
}
