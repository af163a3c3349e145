package newmedia_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"strings"
	"sync"
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
	"github.com/gongkai/gongkai/internal/newmedia"
)

type directory struct{ list []newmedia.AgencyRef }

func (d directory) Agency(_ context.Context, id int64) (newmedia.AgencyRef, error) {
	for _, a := range d.list {
		if a.ID == id {
			return a, nil
		}
	}
	return newmedia.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

func (d directory) AgencyBySlug(_ context.Context, slug string) (newmedia.AgencyRef, error) {
	for _, a := range d.list {
		if a.Slug == slug {
			return a, nil
		}
	}
	return newmedia.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

// items is one published policy of agency a.
type items struct{ agency int64 }

func (i items) PublishedItem(_ context.Context, agencyID, id int64) (newmedia.ItemRef, error) {
	if agencyID != i.agency || id != 7 {
		return newmedia.ItemRef{}, apperr.NotFoundf("没有这条信息")
	}
	return newmedia.ItemRef{ID: 7, Title: "关于加强清真食品管理的意见", URL: "https://gk.example/o/a/items/7", Kind: newmedia.Policy}, nil
}

func (i items) RecentItems(ctx context.Context, agencyID int64, _ int) ([]newmedia.ItemRef, error) {
	it, err := i.PublishedItem(ctx, agencyID, 7)
	if err != nil {
		return nil, nil
	}
	return []newmedia.ItemRef{it}, nil
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
	svc             *newmedia.Service
	clock           *clock
	blobs           blob.Store
	a, b            newmedia.AgencyRef
	editor, editorB *auth.Principal
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
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
	cal := calendar.NewService(d)
	if _, err := cal.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{clock: &clock{}, blobs: blobs}
	f.clock.set("2026-05-06T10:00") // a Wednesday
	f.a, f.b = newmedia.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, newmedia.AgencyRef{ID: b.ID, Slug: b.Slug, Name: b.Name}
	f.svc = newmedia.NewService(newmedia.Deps{DB: d, Calendar: cal, Agencies: directory{[]newmedia.AgencyRef{f.a, f.b}}, Items: items{a.ID},
		Blobs: blobs, Now: f.clock.Now})
	f.editor = &auth.Principal{Username: "editor", AgencyID: a.ID, Roles: auth.Roles{auth.Editor}, State: auth.StateActive}
	f.editorB = &auth.Principal{Username: "editor.b", AgencyID: b.ID, Roles: auth.Roles{auth.Editor}, State: auth.StateActive}
	return f
}

func fields(name string, p newmedia.Platform, last string) newmedia.AccountFields {
	return newmedia.AccountFields{Platform: string(p), Name: name, Sponsor: "甲局", Supervisor: "甲局", Operator: "张三", OperatorContact: "13912345678",
		Status: string(newmedia.Active), LastUpdatedOn: last}
}

func pngBytes(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestFreshness(t *testing.T) {
	today := civil.MustParse("2026-05-20")
	for _, tc := range []struct {
		last   string
		status newmedia.Status
		stale  bool
		days   int
		by     string
	}{
		{"2026-05-20", newmedia.Active, false, 0, "2026-06-03"},
		{"2026-05-06", newmedia.Active, false, 14, "2026-05-20"}, // 14 days: the last day of the window
		{"2026-05-05", newmedia.Active, true, 15, "2026-05-19"},
		{"2026-01-01", newmedia.Paused, false, 139, "2026-01-15"},
		{"2026-01-01", newmedia.Closed, false, 139, "2026-01-15"},
		{"", newmedia.Active, true, -1, "2026-05-20"},
		{"", newmedia.Paused, false, -1, "2026-05-20"},
	} {
		a := &newmedia.Account{Status: tc.status}
		if tc.last != "" {
			a.LastUpdatedOn = civil.MustParse(tc.last)
		}
		a.Freshness(today, 14)
		if a.Stale != tc.stale || a.DaysSince != tc.days || a.UpdateBy.String() != tc.by {
			t.Errorf("%s %s: stale %v days %d by %s", tc.last, tc.status, a.Stale, a.DaysSince, a.UpdateBy)
		}
	}
	if a := (&newmedia.Account{Name: "上海民宗", Platform: newmedia.WeChat}); a.QRAlt() != "上海民宗 微信公众号二维码" {
		t.Error(a.QRAlt())
	}
}

// TestRegistry: bad input refused field by field and nothing saved;
// hostile text kept as text; duplicates refused; scope by agency; the
// public list shows only accounts in operation.
func TestRegistry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		for name, tc := range map[string]struct {
			in    newmedia.AccountFields
			field string
		}{
			"no platform":  {newmedia.AccountFields{Name: "x", Sponsor: "甲局", Status: "active"}, "platform"},
			"bad platform": {newmedia.AccountFields{Platform: "tiktok", Name: "x", Sponsor: "甲局", Status: "active"}, "platform"},
			"no name":      {newmedia.AccountFields{Platform: "wechat", Name: "  ", Sponsor: "甲局", Status: "active"}, "name"},
			"long name":    {newmedia.AccountFields{Platform: "wechat", Name: strings.Repeat("名", 61), Sponsor: "甲局", Status: "active"}, "name"},
			"no sponsor":   {newmedia.AccountFields{Platform: "wechat", Name: "x", Status: "active"}, "sponsor"},
			"bad status":   {newmedia.AccountFields{Platform: "wechat", Name: "x", Sponsor: "甲局", Status: "zombie"}, "status"},
			"bad phone":    {newmedia.AccountFields{Platform: "wechat", Name: "x", Sponsor: "甲局", Status: "active", OperatorContact: "<b>"}, "operator_contact"},
			"future":       {newmedia.AccountFields{Platform: "wechat", Name: "x", Sponsor: "甲局", Status: "active", LastUpdatedOn: "2026-05-07"}, "last_updated_on"},
			"bad date":     {newmedia.AccountFields{Platform: "wechat", Name: "x", Sponsor: "甲局", Status: "active", LastUpdatedOn: "2026-02-30"}, "last_updated_on"},
			"control":      {newmedia.AccountFields{Platform: "wechat", Name: "x\x00y", Sponsor: "甲局", Status: "active"}, "name"},
		} {
			if _, err := f.svc.CreateAccount(ctx, f.editor, tc.in); apperr.FieldsOf(err)[tc.field] == "" {
				t.Errorf("%s: %v", name, err)
			}
		}
		if list, _ := f.svc.Accounts(ctx, f.editor, newmedia.Filter{}); len(list) != 0 {
			t.Fatalf("%d accounts saved from bad input", len(list))
		}
		hostile := "<script>alert(1)</script>'; DROP TABLE newmedia_accounts;--"
		a, err := f.svc.CreateAccount(ctx, f.editor, fields(hostile, newmedia.WeChat, "2026-05-01"))
		if err != nil || a.Name != hostile || a.Stale {
			t.Fatalf("create: %+v %v %v", a, err, apperr.FieldsOf(err))
		}
		if _, err := f.svc.CreateAccount(ctx, f.editor, fields(hostile, newmedia.WeChat, "")); apperr.FieldsOf(err)["name"] == "" {
			t.Errorf("duplicate: %v", err)
		}
		if _, err := f.svc.CreateAccount(ctx, f.editorB, fields(hostile, newmedia.WeChat, "")); err != nil {
			t.Errorf("the same name in another agency: %v", err)
		}
		if _, err := f.svc.Account(ctx, f.editorB, a.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other agency: %v", err)
		}
		reviewer := &auth.Principal{AgencyID: f.a.ID, Roles: auth.Roles{auth.Reviewer}, State: auth.StateActive}
		if _, err := f.svc.Accounts(ctx, reviewer, newmedia.Filter{}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("reviewer: %v", err)
		}
		in := fields("民宗发布", newmedia.Weibo, "2026-05-01")
		in.Status, in.Version = string(newmedia.Closed), a.Version
		if err := f.svc.UpdateAccount(ctx, f.editor, a.ID, in); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.UpdateAccount(ctx, f.editor, a.ID, in); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("stale version: %v", err)
		}
		if pub, _ := f.svc.PublicAccounts(ctx, f.a.ID); len(pub) != 0 {
			t.Errorf("a closed account is public: %d", len(pub))
		}
		// The last update moves only forward.
		b, _ := f.svc.CreateAccount(ctx, f.editor, fields("民宗", newmedia.Douyin, "2026-04-01"))
		if !b.Stale {
			t.Error("35 days without update should be stale")
		}
		if err := f.svc.RecordUpdate(ctx, f.editor, b.ID, civil.MustParse("2026-05-07")); apperr.FieldsOf(err)["updated_on"] == "" {
			t.Errorf("future update: %v", err)
		}
		f.svc.RecordUpdate(ctx, f.editor, b.ID, civil.Date{})
		f.svc.RecordUpdate(ctx, f.editor, b.ID, civil.MustParse("2026-03-01"))
		if b, _ = f.svc.Account(ctx, f.editor, b.ID); b.Stale || b.LastUpdatedOn.String() != "2026-05-06" {
			t.Errorf("after the update: %s stale %v", b.LastUpdatedOn, b.Stale)
		}
	})
}

// TestQR: only PNG/JPEG, no paths in names, size bounded; a replaced
// image's attachment row is removed; the public image only for accounts
// in operation.
func TestQR(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		a, _ := f.svc.CreateAccount(ctx, f.editor, fields("上海民宗", newmedia.WeChat, "2026-05-01"))
		for name, up := range map[string]newmedia.Upload{
			"none":  {},
			"pdf":   {Name: "qr.png", Reader: strings.NewReader("%PDF-1.4\n")},
			"text":  {Name: "qr.png", Reader: strings.NewReader("<svg onload=alert(1)>")},
			"path":  {Name: "../../etc/qr.png", Reader: bytes.NewReader(pngBytes(t))},
			"win":   {Name: `..\qr.png`, Reader: bytes.NewReader(pngBytes(t))},
			"large": {Name: "qr.png", Reader: io.MultiReader(bytes.NewReader(pngBytes(t)), bytes.NewReader(make([]byte, newmedia.MaxQRBytes)))},
		} {
			if err := f.svc.SetQR(ctx, f.editor, a.ID, up); apperr.FieldsOf(err)["qr"] == "" {
				t.Errorf("%s: %v", name, err)
			}
		}
		count := func() (n int) { d.R.QueryRow(`SELECT count(*) FROM attachments`).Scan(&n); return }
		if count() != 0 {
			t.Fatal("a refused upload left an attachment")
		}
		for range 2 {
			if err := f.svc.SetQR(ctx, f.editor, a.ID, newmedia.Upload{Name: "二维码.png", Reader: bytes.NewReader(pngBytes(t))}); err != nil {
				t.Fatal(err)
			}
		}
		if count() != 1 {
			t.Errorf("%d attachments after a replacement", count())
		}
		_, att, rc, err := f.svc.PublicQR(ctx, f.a.ID, a.ID)
		if err != nil || att.ContentType != "image/png" {
			t.Fatalf("public QR: %v", err)
		}
		rc.Close()
		if _, _, _, err := f.svc.PublicQR(ctx, f.b.ID, a.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency's QR: %v", err)
		}
		in := fields("上海民宗", newmedia.WeChat, "2026-05-01")
		in.Status, in.Version = string(newmedia.Paused), 1
		if err := f.svc.UpdateAccount(ctx, f.editor, a.ID, in); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := f.svc.PublicQR(ctx, f.a.ID, a.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("a paused account's QR is public: %v", err)
		}
		if err := f.svc.RemoveQR(ctx, f.editor, a.ID); err != nil || count() != 0 {
			t.Errorf("remove: %v, %d left", err, count())
		}
	})
}

// TestReposts: working-day deadline on the calendar (weekend skipped),
// emergency moment, item lookup, link validation, completion touching the
// account, overdue and late flags, to-dos.
func TestReposts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		wx, _ := f.svc.CreateAccount(ctx, f.editor, fields("上海民宗", newmedia.WeChat, "2026-04-30"))
		wb, _ := f.svc.CreateAccount(ctx, f.editor, fields("上海民宗发布", newmedia.Weibo, "2026-05-05"))
		in := fields("已关停号", newmedia.Douyin, "")
		in.Status = string(newmedia.Closed)
		closed, _ := f.svc.CreateAccount(ctx, f.editor, in)
		other, _ := f.svc.CreateAccount(ctx, f.editorB, fields("乙局号", newmedia.WeChat, ""))
		for name, tc := range map[string]struct {
			in     newmedia.RepostFields
			fields []string
		}{
			"empty":    {newmedia.RepostFields{}, []string{"title", "url", "kind", "mode", "accounts"}},
			"bad url":  {newmedia.RepostFields{Title: "x", URL: "javascript:alert(1)", Kind: "policy", Mode: "workdays", Workdays: "1", AccountIDs: []int64{wx.ID}}, []string{"url"}},
			"days":     {newmedia.RepostFields{Title: "x", URL: "https://a.example", Kind: "policy", Mode: "workdays", Workdays: "11", AccountIDs: []int64{wx.ID}}, []string{"workdays"}},
			"past":     {newmedia.RepostFields{Title: "x", URL: "https://a.example", Kind: "emergency", Mode: "moment", DueAt: "2026-05-06T09:00", AccountIDs: []int64{wx.ID}}, []string{"due_at"}},
			"closed":   {newmedia.RepostFields{Title: "x", URL: "https://a.example", Kind: "policy", Mode: "workdays", Workdays: "1", AccountIDs: []int64{closed.ID}}, []string{"accounts"}},
			"other":    {newmedia.RepostFields{Title: "x", URL: "https://a.example", Kind: "policy", Mode: "workdays", Workdays: "1", AccountIDs: []int64{other.ID}}, []string{"accounts"}},
			"no item":  {newmedia.RepostFields{ItemID: 8, Mode: "workdays", Workdays: "1", AccountIDs: []int64{wx.ID}}, []string{"item"}},
			"bad kind": {newmedia.RepostFields{Title: "x", URL: "https://a.example", Kind: "gossip", Mode: "workdays", Workdays: "1", AccountIDs: []int64{wx.ID}}, []string{"kind"}},
		} {
			_, err := f.svc.CreateRepost(ctx, f.editor, tc.in)
			for _, k := range tc.fields {
				if apperr.FieldsOf(err)[k] == "" {
					t.Errorf("%s: no %s in %v", name, k, err)
				}
			}
		}
		// Wednesday 6 May 2026 + 3 working days = Saturday 9 May, a make-up
		// working day (调休) after the Labour Day holiday: the calendar counts.
		x, err := f.svc.CreateRepost(ctx, f.editor, newmedia.RepostFields{ItemID: 7, Mode: "workdays", Workdays: "3", AccountIDs: []int64{wx.ID, wb.ID, wx.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if x.Title != "关于加强清真食品管理的意见" || x.Kind != newmedia.Policy || x.DueOn.String() != "2026-05-09" || len(x.Tasks) != 2 {
			t.Fatalf("repost: %+v", x)
		}
		if err := f.svc.CompleteTask(ctx, f.editor, x.ID, x.Tasks[0].ID, "ftp://x.example/a"); apperr.FieldsOf(err)["link"] == "" {
			t.Errorf("bad link: %v", err)
		}
		if err := f.svc.CompleteTask(ctx, f.editorB, x.ID, x.Tasks[0].ID, "https://x.example/a"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other agency: %v", err)
		}
		if err := f.svc.CompleteTask(ctx, f.editor, x.ID, x.Tasks[0].ID, "https://mp.weixin.qq.com/s/1"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.CompleteTask(ctx, f.editor, x.ID, x.Tasks[0].ID, "https://mp.weixin.qq.com/s/1"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("twice: %v", err)
		}
		if a, _ := f.svc.Account(ctx, f.editor, wx.ID); a.LastUpdatedOn.String() != "2026-05-06" {
			t.Errorf("completion should count as an update: %s", a.LastUpdatedOn)
		}
		// Tuesday after the deadline: overdue; completing now is late.
		f.clock.set("2026-05-12T09:00")
		x, _ = f.svc.Repost(ctx, f.editor, x.ID)
		if done, overdue := x.Progress(f.clock.Now()); done != 1 || overdue != 1 || !x.Overdue(f.clock.Now()) {
			t.Errorf("progress: %d done, %d overdue", done, overdue)
		}
		items, err := f.svc.Todos(ctx, f.a.ID, civil.Of(f.clock.Now()))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range items {
			got = append(got, it.Title+"@"+it.Due.String())
		}
		want := "上海民宗发布（微博）转发：关于加强清真食品管理的意见@2026-05-09"
		if strings.Join(got, "|") != want {
			t.Errorf("to-dos:\n%s\nwant\n%s", strings.Join(got, "|"), want)
		}
		if err := f.svc.CompleteTask(ctx, f.editor, x.ID, x.Tasks[1].ID, "https://weibo.com/1/abc"); err != nil {
			t.Fatal(err)
		}
		x, _ = f.svc.Repost(ctx, f.editor, x.ID)
		if !x.Late(x.Tasks[1]) || x.Late(x.Tasks[0]) {
			t.Error("late flags")
		}
		// An emergency: due at a moment today.
		y, err := f.svc.CreateRepost(ctx, f.editor, newmedia.RepostFields{Title: "暴雨预警", URL: "https://a.example/yj", Kind: "emergency", Mode: "moment",
			DueAt: "2026-05-12T11:30", AccountIDs: []int64{wx.ID}})
		if err != nil || y.DueOn.String() != "2026-05-12" || y.Overdue(f.clock.Now()) {
			t.Fatalf("emergency: %+v %v", y, err)
		}
		f.clock.set("2026-05-12T11:31")
		if !y.Overdue(f.clock.Now()) || !strings.Contains(y.Deadline(), "2026-05-12 11:30") {
			t.Error("emergency overdue after its moment")
		}
	})
}
