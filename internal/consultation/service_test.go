package consultation_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/consultation"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/ratelimit"
)

type directory struct{ list []consultation.AgencyRef }

func (d *directory) Agency(_ context.Context, id int64) (consultation.AgencyRef, error) {
	for _, a := range d.list {
		if a.ID == id {
			return a, nil
		}
	}
	return consultation.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

func (d *directory) AgencyBySlug(_ context.Context, slug string) (consultation.AgencyRef, error) {
	for _, a := range d.list {
		if a.Slug == slug {
			return a, nil
		}
	}
	return consultation.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func (c *clock) at(day string) {
	d := civil.MustParse(day)
	c.t = time.Date(d.Year, d.Month, d.Day, 10, 0, 0, 0, civil.Shanghai)
}

type fixture struct {
	svc          *consultation.Service
	clock        *clock
	a, b         consultation.AgencyRef
	editor       *auth.Principal
	moderator    *auth.Principal
	handler      *auth.Principal
	editorB      *auth.Principal
	readonlyLiai *auth.Principal
}

func setup(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{clock: &clock{}}
	f.clock.at("2026-12-01")
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
	f.a, f.b = consultation.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, consultation.AgencyRef{ID: b.ID, Slug: b.Slug, Name: b.Name}
	blobs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f.svc = consultation.NewService(consultation.Deps{DB: d, Blobs: blobs, Limiter: ratelimit.New(d, f.clock.Now),
		Agencies: &directory{[]consultation.AgencyRef{f.a, f.b}}, BaseURL: "https://gongkai.test", Now: f.clock.Now})
	p := func(agencyID int64, name string, roles ...auth.Role) *auth.Principal {
		return &auth.Principal{Username: name, DisplayName: name, AgencyID: agencyID, Roles: roles, State: auth.StateActive}
	}
	f.editor = p(a.ID, "editor", auth.Editor)
	f.moderator = p(a.ID, "reviewer", auth.Reviewer)
	f.handler = p(a.ID, "handler", auth.Handler)
	f.editorB = p(b.ID, "editor.b", auth.Editor)
	f.readonlyLiai = p(a.ID, "liaison", auth.Liaison)
	return f
}

// draft10 has ten articles under two chapter headings.
func draft10() string {
	var sb strings.Builder
	sb.WriteString("上海市清真食品管理规定实施细则（修订草案）\n第一章 总则\n")
	nums := []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}
	for i, n := range nums {
		if i == 5 {
			sb.WriteString("第二章 监督管理\n")
		}
		fmt.Fprintf(&sb, "第%s条 这是第%d条的内容，规定清真食品经营的有关事项。\n", n, i+1)
	}
	return sb.String()
}

func TestSplitClauses(t *testing.T) {
	cl := consultation.SplitClauses(draft10())
	if len(cl) != 10 || cl[0].Label != "第一条" || cl[9].Label != "第十条" || cl[2].Seq != 3 {
		t.Fatalf("clauses: %+v", cl)
	}
	if !strings.Contains(cl[0].Body, "第一章 总则") || !strings.Contains(cl[5].Body, "第二章 监督管理") {
		t.Errorf("headings not kept with the next article: %q / %q", cl[0].Body, cl[5].Body)
	}
	paras := consultation.SplitClauses("一、总体要求\n\n二、主要任务\r\n三、保障措施")
	if len(paras) != 3 || paras[1].Label != "第2段" {
		t.Errorf("paragraphs: %+v", paras)
	}
	if got := consultation.SplitClauses("  \n "); len(got) != 0 {
		t.Errorf("empty draft: %+v", got)
	}
}

func newConsultation(t *testing.T, f *fixture, opens, closes, reason string) *consultation.Consultation {
	t.Helper()
	c, err := f.svc.Create(context.Background(), f.editor, f.a.ID, consultation.Fields{Title: "关于《清真食品管理规定实施细则（修订草案）》公开征求意见",
		Summary: "欢迎提出意见。", Draft: draft10(), Explanation: "修订的必要性和主要内容。", OpensOn: opens, ClosesOn: closes, ShortReason: reason})
	if err != nil {
		t.Fatal(err, apperr.FieldsOf(err))
	}
	return c
}

func TestConsultationLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		// 2026-12-01 to 2026-12-30 is 30 days, both ends counted.
		short := newConsultation(t, f, "2026-12-01", "2026-12-20", "")
		err := f.svc.Publish(ctx, f.editor, short.ID)
		if fields := apperr.FieldsOf(err); fields["short_reason"] == "" {
			t.Fatalf("a 20-day consultation was published without a reason: %v", err)
		}
		c := newConsultation(t, f, "2026-12-01", "2026-12-30", "")
		if c.Days() != 30 {
			t.Fatalf("days %d", c.Days())
		}
		if err := f.svc.Publish(ctx, f.editorB, c.ID); err == nil {
			t.Error("another agency's editor published it")
		}
		if err := f.svc.Publish(ctx, f.handler, c.ID); err == nil {
			t.Error("a handler published it")
		}
		if err := f.svc.Publish(ctx, f.editor, c.ID); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		if err := f.svc.Update(ctx, f.editor, c.ID, 0, consultation.Fields{Title: "改", Draft: "第一条 改"}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("edited after publication: %v", err)
		}
		// A shorter period with its reason is published, and shows it.
		if err := f.svc.Update(ctx, f.editor, short.ID, 0, consultation.Fields{Title: short.Title, Draft: draft10(), OpensOn: "2026-12-01",
			ClosesOn: "2026-12-20", ShortReason: "上位法修改后须于年底前完成配套修订。"}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Publish(ctx, f.editor, short.ID); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}

		// Comments on clause 3 and on the whole draft.
		on3, err := f.svc.SubmitComment(ctx, f.a.ID, c.ID, consultation.CommentInput{ClauseSeq: 3, Body: "建议第三条增加经营者自查的要求。",
			Name: "张三", Email: "zhang@example.com", Consent: true}, "203.0.113.1", nil)
		if err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		if on3.ClauseLabel != "第三条" {
			t.Errorf("clause %q", on3.ClauseLabel)
		}
		whole, err := f.svc.SubmitComment(ctx, f.a.ID, c.ID, consultation.CommentInput{Body: "总体同意，建议加快出台。", Phone: "13900000001"}, "203.0.113.2", nil)
		if err != nil {
			t.Fatal(err)
		}
		// Bad input is refused by field, nothing saved.
		for name, in := range map[string]consultation.CommentInput{
			"empty":      {Body: "  "},
			"too long":   {Body: strings.Repeat("长", 50_000)},
			"control":    {Body: "a\x00b"},
			"bad clause": {ClauseSeq: 11, Body: "意见"},
			"neg clause": {ClauseSeq: -2, Body: "意见"},
			"bad e-mail": {Body: "意见", Email: "x@y"},
			"bad phone":  {Body: "意见", Phone: "1' OR '1'='1"},
		} {
			if _, err := f.svc.SubmitComment(ctx, f.a.ID, c.ID, in, "203.0.113.3", nil); apperr.FieldsOf(err) == nil {
				t.Errorf("%s accepted: %v", name, err)
			}
		}
		if n, _ := f.svc.Count(ctx, c.ID); n != 2 {
			t.Errorf("%d comments after the bad ones", n)
		}
		// Not through another agency's address, not on a draft.
		if _, err := f.svc.SubmitComment(ctx, f.b.ID, c.ID, consultation.CommentInput{Body: "意见"}, "203.0.113.4", nil); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("through another agency: %v", err)
		}
		// A repeated text is kept and marked; a campaign is flagged.
		dup, _ := f.svc.SubmitComment(ctx, f.a.ID, c.ID, consultation.CommentInput{Body: "总体同意，建议加快出台！"}, "203.0.113.5", nil)
		if dup == nil || dup.DuplicateOf != whole.ID {
			t.Errorf("duplicate: %+v", dup)
		}
		campaign := "强烈反对第五条增加备案环节，清真食品经营者负担太重，请删除该条。"
		for i := 0; i < 6; i++ {
			text := campaign
			if i%2 == 1 {
				text += "谢谢"
			}
			if _, err := f.svc.SubmitComment(ctx, f.a.ID, c.ID, consultation.CommentInput{ClauseSeq: 5, Body: text}, fmt.Sprintf("198.51.100.%d", i), nil); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := f.svc.Analyze(ctx, c.ID); err != nil || n != 6 {
			t.Errorf("campaign flagged %d: %v", n, err)
		}
		st, _ := f.svc.Stats(ctx, c.ID)
		if st.Total != 9 || st.Campaign != 6 || st.Duplicates < 1 || st.ByClause[on3.ClauseID] != 1 || st.OnWhole != 2 {
			t.Errorf("stats %+v", st)
		}

		// Moderation: only moderators; public comments need consent and approval.
		if _, err := f.svc.Apply(ctx, f.handler, c.ID, consultation.Bulk{Action: "approve", IDs: []int64{on3.ID}}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a handler moderated: %v", err)
		}
		if _, err := f.svc.Apply(ctx, f.moderator, c.ID, consultation.Bulk{Action: "approve", IDs: []int64{on3.ID, whole.ID}}); err != nil {
			t.Fatal(err)
		}
		pub, _ := f.svc.PublicComments(ctx, c.ID, 50)
		if len(pub) != 1 || pub[0].Name != "张*" {
			t.Errorf("public comments: %+v", pub)
		}

		// Closing: automatic the day after the last day.
		f.clock.at("2026-12-30")
		if n, _ := f.svc.CloseDue(ctx); n != 1 { // the short one closed on the 20th
			t.Errorf("closed %d on the last day", n)
		}
		f.clock.at("2026-12-31")
		if _, err := f.svc.SubmitComment(ctx, f.a.ID, c.ID, consultation.CommentInput{Body: "迟到的意见"}, "203.0.113.9", nil); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("a comment after the end: %v", err)
		}
		if n, err := f.svc.CloseDue(ctx); err != nil || n != 1 {
			t.Errorf("closed %d: %v", n, err)
		}

		// Answers: a group by suggestion, bulk answers, then the report.
		sugg, err := f.svc.Suggest(ctx, f.handler, c.ID)
		if err != nil || len(sugg) == 0 {
			t.Fatalf("suggestions %v %v", sugg, err)
		}
		var campaignIDs []int64
		list, _, _ := f.svc.Comments(ctx, f.handler, c.ID, consultation.CommentFilter{ClauseSeq: -1, Flag: "campaign"})
		for _, m := range list {
			campaignIDs = append(campaignIDs, m.ID)
		}
		if _, err := f.svc.Apply(ctx, f.handler, c.ID, consultation.Bulk{Action: "group", IDs: campaignIDs, GroupLabel: "反对第五条增加备案环节"}); err != nil {
			t.Fatal(err)
		}
		groups, _ := f.svc.Groups(ctx, f.handler, c.ID)
		if len(groups) != 1 || groups[0].Count != 6 {
			t.Fatalf("groups %+v", groups)
		}
		if err := f.svc.PublishFeedback(ctx, f.handler, c.ID, "共收到意见 9 条。"); apperr.FieldsOf(err)["intro"] == "" {
			t.Errorf("feedback with unanswered comments: %v", err)
		}
		if err := f.svc.AnswerGroup(ctx, f.handler, c.ID, groups[0].ID, groups[0].Label, consultation.NotAdopted, ""); apperr.FieldsOf(err)["reply"] == "" {
			t.Errorf("not adopted without a reason: %v", err)
		}
		if err := f.svc.AnswerGroup(ctx, f.handler, c.ID, groups[0].ID, groups[0].Label, consultation.Partly, "备案改为告知承诺，不增加材料。"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Apply(ctx, f.handler, c.ID, consultation.Bulk{Action: "answer", IDs: []int64{on3.ID}, Answer: consultation.Adopted}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Apply(ctx, f.handler, c.ID, consultation.Bulk{Action: "answer", IDs: []int64{whole.ID, dup.ID}, Answer: consultation.NotAdopted,
			Reply: "出台时间须按立法程序确定。"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Apply(ctx, f.handler, c.ID, consultation.Bulk{Action: "answer", IDs: []int64{99999}, Answer: "maybe"}); apperr.FieldsOf(err)["answer"] == "" {
			t.Errorf("unknown answer: %v", err)
		}
		if err := f.svc.PublishFeedback(ctx, f.handler, c.ID, "共收到意见 9 条，经研究，采纳 1 条、部分采纳 6 条。"); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		fb, err := f.svc.PublicFeedback(ctx, f.a.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if fb.Stats.Adopted != 1 || fb.Stats.Partly != 6 || fb.Stats.NotAdopted != 2 || len(fb.Entries) != 4 {
			t.Errorf("feedback %+v %+v", fb.Stats, fb.Entries)
		}
		var mails int
		d.R.QueryRow(`SELECT count(*) FROM outbox WHERE purpose = 'consultation.feedback'`).Scan(&mails)
		if mails != 1 {
			t.Errorf("%d feedback mails (one commenter left an address)", mails)
		}
		if _, err := f.svc.Apply(ctx, f.handler, c.ID, consultation.Bulk{Action: "answer", IDs: []int64{on3.ID}, Answer: consultation.NotAdopted, Reply: "改"}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("answer changed after the report: %v", err)
		}

		// The XLSX holds every comment, contact details masked.
		var buf bytes.Buffer
		if err := f.svc.ExportXLSX(ctx, f.handler, c.ID, &buf); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows("意见")
		if len(rows) != 10 || strings.Contains(strings.Join(rows[2], "|"), "13900000001") {
			t.Errorf("export rows %d: %v", len(rows), rows[min(2, len(rows)-1)])
		}
		var audits int
		d.R.QueryRow(`SELECT count(*) FROM audit_entries WHERE action = 'consultation.export'`).Scan(&audits)
		if audits != 1 {
			t.Error("the export is not audited")
		}
	})
}

func TestConsultationFields(t *testing.T) {
	today := civil.MustParse("2026-12-01")
	for name, tc := range map[string]struct {
		in    consultation.Fields
		field string
	}{
		"ok":          {consultation.Fields{Title: "关于征求意见", Draft: "第一条 内容", OpensOn: "2026-12-01", ClosesOn: "2026-12-30"}, ""},
		"no title":    {consultation.Fields{Draft: "第一条"}, "title"},
		"markup":      {consultation.Fields{Title: "<script>alert(1)</script>", Draft: "第一条"}, "title"},
		"no draft":    {consultation.Fields{Title: "标题"}, "draft"},
		"bad date":    {consultation.Fields{Title: "标题", Draft: "x", OpensOn: "2026-13-01"}, "opens_on"},
		"backwards":   {consultation.Fields{Title: "标题", Draft: "x", OpensOn: "2026-12-10", ClosesOn: "2026-12-01"}, "closes_on"},
		"huge":        {consultation.Fields{Title: "标题", Draft: strings.Repeat("长", 80_001)}, "draft"},
		"long reason": {consultation.Fields{Title: "标题", Draft: "x", ShortReason: strings.Repeat("因", 501)}, "short_reason"},
	} {
		_, _, f := tc.in.Validate(today)
		if (tc.field == "") != (len(f) == 0) || (tc.field != "" && f[tc.field] == "") {
			t.Errorf("%s: %v", name, f)
		}
	}
}

func TestParseTemplates(t *testing.T) {
	ts, f := consultation.ParseTemplates("采纳：已修改。\n部分采纳：部分内容已吸收。\n\n未采纳: 与上位法不一致。")
	if f != nil || len(ts) != 3 || ts[1].Answer != consultation.Partly || ts[2].Text != "与上位法不一致。" {
		t.Errorf("%+v %v", ts, f)
	}
	if _, f := consultation.ParseTemplates("随便写"); f == nil {
		t.Error("a line without an answer accepted")
	}
}

// Repeats that arrived together (neither saw the other) are marked by the
// analysis.
func TestAnalyzeMarksRepeats(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		c := newConsultation(t, f, "2026-12-01", "2026-12-30", "")
		if err := f.svc.Publish(ctx, f.editor, c.ID); err != nil {
			t.Fatal(err)
		}
		fp := consultation.Fingerprint("同一条意见")
		var ids []int64
		for i := 0; i < 2; i++ {
			var id int64
			if err := d.W.QueryRow(`INSERT INTO comments (consultation_id, body, moderation, fingerprint, created_at) VALUES ($1, '同一条意见', 'pending', $2, $3) RETURNING id`,
				c.ID, fp, time.Now().UTC()).Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if _, err := f.svc.Analyze(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		var dup int64
		d.R.QueryRow(`SELECT COALESCE(duplicate_of, 0) FROM comments WHERE id = $1`, ids[1]).Scan(&dup)
		if dup != ids[0] {
			t.Errorf("the later repeat points to %d, want %d", dup, ids[0])
		}
	})
}
