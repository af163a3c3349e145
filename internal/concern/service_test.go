package concern_test

import (
	"bytes"
	"context"
	"fmt"
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
	"github.com/gongkai/gongkai/internal/concern"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/ratelimit"
)

type directory struct{ list []concern.AgencyRef }

func (d *directory) Agency(_ context.Context, id int64) (concern.AgencyRef, error) {
	for _, a := range d.list {
		if a.ID == id {
			return a, nil
		}
	}
	return concern.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

func (d *directory) AgencyBySlug(_ context.Context, slug string) (concern.AgencyRef, error) {
	for _, a := range d.list {
		if a.Slug == slug {
			return a, nil
		}
	}
	return concern.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func (c *clock) at(day string) {
	d := civil.MustParse(day)
	c.t = time.Date(d.Year, d.Month, d.Day, 10, 0, 0, 0, civil.Shanghai)
}

type fixture struct {
	svc                     *concern.Service
	clock                   *clock
	a, b                    concern.AgencyRef
	handler, head, handlerB *auth.Principal
	admin                   *auth.Principal
	religion, ethnic        int64 // divisions
}

func principal(agencyID int64, name string, roles ...auth.Role) *auth.Principal {
	return &auth.Principal{Username: name, DisplayName: name, AgencyID: agencyID, Roles: roles, State: auth.StateActive}
}

func setup(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{clock: &clock{}}
	f.clock.at("2026-11-02") // a Monday
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
	if f.religion, err = ag.CreateDivision(ctx, op, a.ID, "宗教工作一处", 0); err != nil {
		t.Fatal(err)
	}
	if f.ethnic, err = ag.CreateDivision(ctx, op, a.ID, "民族工作一处", 0); err != nil {
		t.Fatal(err)
	}
	f.a, f.b = concern.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, concern.AgencyRef{ID: b.ID, Slug: b.Slug, Name: b.Name}
	cal := calendar.NewService(d, calendar.WithClock(f.clock.Now))
	if _, err := cal.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f.svc = concern.NewService(concern.Deps{DB: d, Calendar: cal, Limiter: ratelimit.New(d, f.clock.Now), Blobs: blobs,
		Agencies: &directory{[]concern.AgencyRef{f.a, f.b}}, Host: "gongkai.test", Now: f.clock.Now})
	f.handler = principal(a.ID, "handler", auth.Handler)
	f.head = principal(a.ID, "head", auth.Approver)
	f.handlerB = principal(b.ID, "handler.b", auth.Handler)
	f.admin = principal(a.ID, "admin", auth.AgencyAdmin)
	if err := f.svc.UpdateSettings(ctx, f.head, concern.Settings{AgencyID: a.ID, Leaders: []concern.Leader{{Title: "局长", Name: "王某某"}},
		Days: map[concern.Channel]int{}, SensitiveWords: "某敏感词"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.W.Exec(`INSERT INTO concern_routes (agency_id, category, keyword, division_id, sort_order) VALUES ($1, '宗教事务', '', $2, 1), ($1, '', '少数民族', $3, 2)`,
		a.ID, f.religion, f.ethnic); err != nil {
		t.Fatal(err)
	}
	return f
}

func letter(ch concern.Channel) concern.Letter {
	return concern.Letter{Channel: ch, Leader: "局长 王某某", Category: "宗教事务", Subject: "关于宗教活动场所开放时间的建议",
		Body: "建议周末延长开放时间。我的身份证号 11010519491231002X，电话 13912345678。", Name: "欧阳明月", Phone: "13912345678"}
}

func (f *fixture) do(t *testing.T, p *auth.Principal, id int64, cmd concern.Command) *concern.Case {
	t.Helper()
	c, err := f.svc.Do(context.Background(), p, id, cmd)
	if err != nil {
		t.Fatalf("%s: %v %v", cmd.Action, err, apperr.FieldsOf(err))
	}
	return c
}

// A letter to the mailbox with consent: routed by its category, answered
// after review, published with the name and identifiers masked.
func TestMailboxJourney(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		l := letter(concern.Mailbox)
		l.Consent, l.Email = true, "writer@example.com"
		c, code, err := f.svc.Submit(ctx, f.a.ID, l, "203.0.113.9")
		if err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		if c.State != concern.Assigned || c.DivisionID != f.religion {
			t.Errorf("routing: state %s division %d", c.State, c.DivisionID)
		}
		if c.DueOn.String() != "2026-11-23" { // 15 working days
			t.Errorf("due %s", c.DueOn)
		}
		if got, err := f.svc.Lookup(ctx, strings.ToLower(c.Number), code, "203.0.113.9"); err != nil || got.ID != c.ID {
			t.Errorf("lookup: %v", err)
		}
		if _, err := f.svc.Lookup(ctx, c.Number, "WRONG", "203.0.113.9"); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("wrong code: %v", err)
		}
		// Wrong codes from many addresses lock the number, then even the right code waits.
		for i := 0; i < concern.LookupsPerNumber.Max; i++ {
			f.svc.Lookup(ctx, c.Number, "WRONG", "198.51.100."+strconv.Itoa(i))
		}
		if _, err := f.svc.Lookup(ctx, c.Number, code, "192.0.2.1"); !apperr.Is(err, apperr.RateLimited) {
			t.Errorf("right code after the number was locked: %v", err)
		}
		f.clock.t = f.clock.t.Add(16 * time.Minute)
		f.do(t, f.handler, c.ID, concern.Command{Action: concern.ActDraft, Draft: "感谢您的建议。我局将会同有关场所研究。"})
		if _, err := f.svc.Do(ctx, f.handler, c.ID, concern.Command{Action: concern.ActApprove, Publish: true}); err == nil {
			t.Error("a handler approved a reply")
		}
		f.do(t, f.handler, c.ID, concern.Command{Action: concern.ActSubmit})
		got := f.do(t, f.head, c.ID, concern.Command{Action: concern.ActApprove, Publish: true})
		if got.State != concern.Replied || !got.Published {
			t.Fatalf("approve: %s published %v", got.State, got.Published)
		}
		var mails int
		d.R.QueryRow("SELECT count(*) FROM outbox WHERE purpose = 'concern.reply' AND recipients LIKE '%writer@example.com%'").Scan(&mails)
		if mails != 1 {
			t.Errorf("%d reply mails queued for the writer", mails)
		}
		list, total, err := f.svc.PublicList(ctx, f.a.ID, concern.Mailbox, 20, 0)
		if err != nil || total != 1 {
			t.Fatalf("public list: %d %v", total, err)
		}
		p := list[0]
		if p.Writer != "欧阳**" || strings.Contains(p.Body, "11010519491231002X") || strings.Contains(p.Body, "13912345678") || p.Reply == "" {
			t.Errorf("published: %+v", p)
		}
		// Staff see the contact masked until they open it (audited).
		seen, _ := f.svc.Get(ctx, f.handler, c.ID)
		if seen.Phone == "13912345678" {
			t.Error("contact shown without the audited reveal")
		}
		full, err := f.svc.Contact(ctx, f.handler, c.ID)
		if err != nil || full.Phone != "13912345678" {
			t.Errorf("contact: %v", err)
		}
		for _, p := range []*auth.Principal{f.handlerB, f.admin} {
			if _, err := f.svc.Get(ctx, p, c.ID); err == nil {
				t.Errorf("%s sees another's letter", p.Username)
			}
		}
	})
}

// Without consent a letter is never published; a board message is public
// TestLookupLimitPerIPv6Slash64: wrong status lookups from rotating
// addresses of one IPv6 /64 share one limit; another /64 is not limited.
func TestLookupLimitPerIPv6Slash64(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		for i := 0; i < concern.LookupsPerIP.Max; i++ {
			// A different number each time: only the address limit counts.
			_, err := f.svc.Lookup(ctx, fmt.Sprintf("GK2026-%05d", i), "WRONG", fmt.Sprintf("2001:db8:7:7::%x", i+1))
			if apperr.Is(err, apperr.RateLimited) {
				t.Fatalf("limited after %d lookups", i)
			}
		}
		if _, err := f.svc.Lookup(ctx, "GK2026-99999", "WRONG", "2001:db8:7:7:abcd::1"); !apperr.Is(err, apperr.RateLimited) {
			t.Fatalf("another address of the same /64 is not limited: %v", err)
		}
		if _, err := f.svc.Lookup(ctx, "GK2026-99998", "WRONG", "2001:db8:7:8::1"); apperr.Is(err, apperr.RateLimited) {
			t.Fatal("a different /64 is limited")
		}
	})
}

// only after moderation.
func TestPublicationRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		c, _, err := f.svc.Submit(ctx, f.a.ID, letter(concern.Mailbox), "203.0.113.9")
		if err != nil {
			t.Fatal(err)
		}
		f.do(t, f.handler, c.ID, concern.Command{Action: concern.ActDraft, Draft: "答复"})
		f.do(t, f.handler, c.ID, concern.Command{Action: concern.ActSubmit})
		if _, err := f.svc.Do(ctx, f.head, c.ID, concern.Command{Action: concern.ActApprove, Publish: true}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("publishing without consent: %v", err)
		}
		f.do(t, f.head, c.ID, concern.Command{Action: concern.ActApprove})

		l := letter(concern.Board)
		l.Category, l.Subject, l.Body = "", "少数民族学生助学政策咨询", "请问有哪些助学政策？"
		b, _, err := f.svc.Submit(ctx, f.a.ID, l, "203.0.113.10")
		if err != nil {
			t.Fatal(err)
		}
		if b.DivisionID != f.ethnic || b.Moderation != concern.ModPending || b.DueOn.String() != "2026-11-09" {
			t.Errorf("board: division %d moderation %s due %s", b.DivisionID, b.Moderation, b.DueOn)
		}
		if _, total, _ := f.svc.PublicList(ctx, f.a.ID, concern.Board, 20, 0); total != 0 {
			t.Error("an unmoderated message is public")
		}
		if _, err := f.svc.Do(ctx, f.head, b.ID, concern.Command{Action: concern.ActModerate, Moderation: concern.ModRejected}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("rejecting without a reason: %v", err)
		}
		f.do(t, f.head, b.ID, concern.Command{Action: concern.ActModerate, Moderation: concern.ModApproved})
		list, total, _ := f.svc.PublicList(ctx, f.a.ID, concern.Board, 20, 0)
		if total != 1 || list[0].Reply != "" {
			t.Fatalf("moderated message: %d %+v", total, list)
		}
		if _, total, _ := f.svc.PublicList(ctx, f.a.ID, concern.Mailbox, 20, 0); total != 0 {
			t.Error("a letter without consent is public")
		}
		// Sensitive words and identifiers are pointed out to the reviewer.
		if fs := f.svc.Findings(ctx, c); len(fs) < 2 {
			t.Errorf("findings: %v", fs)
		}
	})
}

// Site-error reports: 3 working days, then overdue; merge and reopen.
func TestSiteErrorAndOverdue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		l := concern.Letter{Channel: concern.SiteError, Subject: "错别字", Body: "第二段“宗教”写成了“宗叫”。", PageURL: "/o/a-bureau/items/1"}
		c, _, err := f.svc.Submit(ctx, f.a.ID, l, "203.0.113.9")
		if err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		if c.DueOn.String() != "2026-11-05" || c.State != concern.Received {
			t.Errorf("site error: due %s state %s", c.DueOn, c.State)
		}
		for _, bad := range []string{"https://evil.example/x", "//evil.example/x", "javascript:alert(1)", "/x\" onmouseover=\"a"} {
			l.PageURL = bad
			if _, _, err := f.svc.Submit(ctx, f.a.ID, l, "203.0.113.9"); apperr.FieldsOf(err)["page_url"] == "" {
				t.Errorf("page URL %q accepted: %v", bad, err)
			}
		}
		l.PageURL = "http://gongkai.test/o/a-bureau/"
		dup, _, err := f.svc.Submit(ctx, f.a.ID, l, "203.0.113.9")
		if err != nil {
			t.Fatal(err)
		}
		f.clock.at("2026-11-06")
		over, n, err := f.svc.List(ctx, f.handler, concern.ListFilter{AgencyID: f.a.ID, Overdue: true})
		if err != nil || n != 2 || len(over) != 2 {
			t.Fatalf("overdue: %d %v", n, err)
		}
		f.do(t, f.handler, dup.ID, concern.Command{Action: concern.ActMerge, Into: c.Number})
		if _, n, _ := f.svc.List(ctx, f.handler, concern.ListFilter{AgencyID: f.a.ID, Overdue: true}); n != 1 {
			t.Errorf("after the merge %d overdue", n)
		}
		f.do(t, f.handler, c.ID, concern.Command{Action: concern.ActDraft, Draft: "已更正，谢谢指正。"})
		f.do(t, f.handler, c.ID, concern.Command{Action: concern.ActSubmit})
		if _, err := f.svc.Do(ctx, f.head, c.ID, concern.Command{Action: concern.ActApprove, Publish: true}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("publishing a site-error report: %v", err)
		}
		f.do(t, f.head, c.ID, concern.Command{Action: concern.ActApprove})
		got := f.do(t, f.handler, c.ID, concern.Command{Action: concern.ActReopen, Note: "来信人反映仍未更正"})
		if got.State != concern.Assigned || got.DueOn.String() != "2026-11-11" {
			t.Errorf("reopened: %s due %s", got.State, got.DueOn)
		}
		if _, err := f.svc.Do(ctx, f.handler, c.ID, concern.Command{Action: concern.ActNote, Note: "x", Version: 1}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("stale version: %v", err)
		}
	})
}

func TestLetterValidate(t *testing.T) {
	leaders := []concern.Leader{{Title: "局长", Name: "王某某"}}
	for _, tc := range []struct {
		name  string
		edit  func(*concern.Letter)
		field string
	}{
		{"valid", func(*concern.Letter) {}, ""},
		{"unknown leader", func(l *concern.Letter) { l.Leader = "局长 李某" }, "leader"},
		{"no subject", func(l *concern.Letter) { l.Subject = " " }, "subject"},
		{"long body", func(l *concern.Letter) { l.Body = strings.Repeat("长", 3001) }, "body"},
		{"control characters", func(l *concern.Letter) { l.Body = "a\x00b" }, "body"},
		{"bad phone", func(l *concern.Letter) { l.Phone = "1' OR '1'='1" }, "phone"},
		{"no phone", func(l *concern.Letter) { l.Phone = "" }, "phone"},
		{"bad email", func(l *concern.Letter) { l.Email = "x@y" }, "email"},
		{"unknown category", func(l *concern.Letter) { l.Category = "<script>" }, "category"},
		{"notify without e-mail", func(l *concern.Letter) { l.Notify = true }, "email"},
		{"notify with e-mail", func(l *concern.Letter) { l.Notify, l.Email = true, "writer@example.com" }, ""},
	} {
		l := letter(concern.Mailbox)
		tc.edit(&l)
		fields := l.Validate(leaders, "gongkai.test")
		if (tc.field == "") != (len(fields) == 0) || (tc.field != "" && fields[tc.field] == "") {
			t.Errorf("%s: %v", tc.name, fields)
		}
	}
	if got := concern.MaskName("欧阳明月"); got != "欧阳**" {
		t.Errorf("mask: %s", got)
	}
}

func civilDate(s string) civil.Date { return civil.MustParse(s) }

// Staff record new-media messages and calls; the reply period is the channel's.
func TestRecord(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		l := concern.Letter{Channel: concern.NewMedia, Subject: "微博留言：少数民族节日放假安排", Body: "请问古尔邦节是否放假？", Name: "@市民甲"}
		c, err := f.svc.Record(ctx, f.handler, f.a.ID, l, civil.MustParse("2026-10-30"))
		if err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		if c.DivisionID != f.ethnic || c.DueOn.String() != "2026-11-06" || c.Channel != concern.NewMedia {
			t.Errorf("recorded: division %d due %s", c.DivisionID, c.DueOn)
		}
		for name, tc := range map[string]struct {
			p  *auth.Principal
			l  concern.Letter
			on string
		}{
			"liaison":         {principal(f.a.ID, "liaison", auth.Liaison), l, "2026-10-30"},
			"mailbox channel": {f.handler, concern.Letter{Channel: concern.Mailbox, Subject: "x", Body: "x"}, "2026-10-30"},
			"future":          {f.handler, l, "2026-12-30"},
			"other agency":    {f.handlerB, l, "2026-10-30"},
		} {
			if _, err := f.svc.Record(ctx, tc.p, f.a.ID, tc.l, civil.MustParse(tc.on)); err == nil {
				t.Errorf("%s: recorded", name)
			}
		}
	})
}

// The public figures: counts, reply times in working days, overdue, satisfaction.
func TestStatistics(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		reply := func(id int64, day string, rating int) {
			f.clock.at(day)
			f.do(t, f.handler, id, concern.Command{Action: concern.ActDraft, Draft: "答复"})
			f.do(t, f.handler, id, concern.Command{Action: concern.ActSubmit})
			f.do(t, f.head, id, concern.Command{Action: concern.ActApprove})
			if rating > 0 {
				f.do(t, f.handler, id, concern.Command{Action: concern.ActRate, Rating: rating})
			}
		}
		var ids []int64
		for i := 0; i < 3; i++ {
			f.clock.at("2026-11-02")
			c, _, err := f.svc.Submit(ctx, f.a.ID, letter(concern.Mailbox), "203.0.113."+strconv.Itoa(i))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		reply(ids[0], "2026-11-04", 3) // 2 working days
		reply(ids[1], "2026-11-30", 1) // 20 working days: late (due 11-23)
		f.clock.at("2026-12-01")       // the third is open and past due
		st, err := f.svc.Statistics(ctx, f.a.ID, 2026)
		if err != nil {
			t.Fatal(err)
		}
		m := st.Channels[0]
		if m.Channel != concern.Mailbox || m.Received != 3 || m.Replied != 2 || m.AvgDays != 11 || m.P90Days != 20 || m.Overdue != 2 ||
			m.Rated != 2 || m.Satisfied != 1 || m.SatisfiedShare() != "50.0%" {
			t.Errorf("mailbox: %+v", m)
		}
		if st.Months[10].Received != 3 || st.Months[10].Replied != 2 || st.Total.Received != 3 {
			t.Errorf("months: %+v total %+v", st.Months[10], st.Total)
		}
	})
}

var png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

// A picture sent with a letter is kept for staff (downloads audited) and
// never published; anything but a picture or PDF is refused.
func TestAttachments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		l := letter(concern.Board)
		if _, _, err := f.svc.Submit(ctx, f.a.ID, l, "203.0.113.9", concern.Upload{Name: "x.png", Reader: strings.NewReader("<script>")}); apperr.FieldsOf(err)["attachment"] == "" {
			t.Errorf("a disguised file: %v", err)
		}
		c, _, err := f.svc.Submit(ctx, f.a.ID, l, "203.0.113.9", concern.Upload{Name: "../../现场照片.png", Reader: bytes.NewReader(png)})
		if err != nil {
			t.Fatal(err)
		}
		files, err := f.svc.Files(ctx, f.handler, c.ID)
		if err != nil || len(files) != 1 || strings.Contains(files[0].Name, "/") {
			t.Fatalf("files: %+v %v", files, err)
		}
		_, rc, err := f.svc.OpenFile(ctx, f.handler, c.ID, files[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		rc.Close()
		if _, _, err := f.svc.OpenFile(ctx, f.handlerB, c.ID, files[0].ID); err == nil {
			t.Error("another agency opened the file")
		}
		var n int
		d.R.QueryRow("SELECT count(*) FROM audit_entries WHERE action = 'concern.file.download'").Scan(&n)
		if n != 1 {
			t.Errorf("%d audited downloads", n)
		}
	})
}
