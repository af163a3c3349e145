package normative_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/normative"
)

// items stands in for the disclosure capability: SQL on the items table.
type items struct{ d *db.DB }

func (s items) scan(row interface{ Scan(...any) error }) (normative.ItemRef, error) {
	var (
		it     normative.ItemRef
		status string
	)
	err := row.Scan(&it.ID, &it.AgencyID, &it.Title, &it.DocNumber, &it.PublishedOn, &status, &it.IndexNumber)
	it.Public = status == "published"
	it.Withdrawn = status == "withdrawn"
	it.State = status
	it.URL = "/items/" + strconv.FormatInt(it.ID, 10)
	return it, err
}

const itemCols = "SELECT id, agency_id, title, doc_number, published_on, status, index_number FROM items"

func (s items) Item(ctx context.Context, id int64) (normative.ItemRef, error) {
	it, err := s.scan(s.d.R.QueryRowContext(ctx, itemCols+" WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return it, apperr.NotFoundf("没有这条信息。")
	}
	return it, err
}

func (s items) Items(ctx context.Context, ids []int64) (map[int64]normative.ItemRef, error) {
	out := map[int64]normative.ItemRef{}
	for _, id := range ids {
		if it, err := s.Item(ctx, id); err == nil {
			out[id] = it
		}
	}
	return out, nil
}

func (s items) Candidates(ctx context.Context, agencyID int64, limit int) ([]normative.ItemRef, error) {
	rows, err := s.d.R.QueryContext(ctx, itemCols+" WHERE agency_id = $1 ORDER BY id DESC LIMIT $2", agencyID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []normative.ItemRef
	for rows.Next() {
		it, err := s.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

func (s items) ByIndexNumber(ctx context.Context, agencyID int64, index string) (normative.ItemRef, error) {
	it, err := s.scan(s.d.R.QueryRowContext(ctx, itemCols+" WHERE agency_id = $1 AND index_number = $2", agencyID, index))
	if errors.Is(err, sql.ErrNoRows) {
		return it, apperr.NotFoundf("没有这条信息。")
	}
	return it, err
}

func (s items) SetValidity(ctx context.Context, tx db.Tx, actor audit.Actor, itemID int64, validity, note string) error {
	_, err := tx.ExecContext(ctx, "UPDATE items SET validity = $1 WHERE id = $2", validity, itemID)
	return err
}

type agencies struct{ svc *agency.Service }

func ref(a *agency.Agency) normative.AgencyRef {
	return normative.AgencyRef{ID: a.ID, ParentID: a.ParentID, Slug: a.Slug, Name: a.Name}
}

func (s agencies) Agency(ctx context.Context, id int64) (normative.AgencyRef, error) {
	a, err := s.svc.Get(ctx, id)
	if err != nil {
		return normative.AgencyRef{}, err
	}
	return ref(a), nil
}

func (s agencies) AgencyBySlug(ctx context.Context, slug string) (normative.AgencyRef, error) {
	a, err := s.svc.BySlug(ctx, slug)
	if err != nil {
		return normative.AgencyRef{}, err
	}
	return ref(a), nil
}

func (s agencies) Agencies(ctx context.Context) ([]normative.AgencyRef, error) {
	all, err := s.svc.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []normative.AgencyRef
	for _, a := range all {
		out = append(out, ref(a))
	}
	return out, nil
}

type version struct {
	mu            sync.Mutex
	bumps, invals int
}

func (v *version) Bump(context.Context, db.Tx) error {
	v.mu.Lock()
	v.bumps++
	v.mu.Unlock()
	return nil
}
func (v *version) Invalidate() { v.mu.Lock(); v.invals++; v.mu.Unlock() }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(d civil.Date) {
	c.mu.Lock()
	c.t = time.Date(d.Year, d.Month, d.Day, 9, 0, 0, 0, civil.Shanghai)
	c.mu.Unlock()
}

type fixture struct {
	svc             *normative.Service
	d               *db.DB
	clock           *clock
	version         *version
	city, district  normative.AgencyRef
	other           normative.AgencyRef
	editor, viewer  *auth.Principal
	districtEditor  *auth.Principal
	otherEditor     *auth.Principal
	policy, distDiv int64
	seq             int
}

func principal(agencyID int64, name string, roles ...auth.Role) *auth.Principal {
	return &auth.Principal{Username: name, DisplayName: name, AgencyID: agencyID, Roles: roles, State: auth.StateActive}
}

func setup(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	op := auth.Operator("test")
	ag := agency.NewService(d)
	city, err := ag.Create(ctx, op, agency.NewAgency{Slug: "city", Kind: agency.Bureau, Name: "市局"}, agency.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	district, err := ag.Create(ctx, op, agency.NewAgency{Slug: "district", Kind: agency.DistrictBureau, Name: "区局", ParentID: city.ID}, agency.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := ag.Create(ctx, op, agency.NewAgency{Slug: "other", Kind: agency.Bureau, Name: "他局"}, agency.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{d: d, clock: &clock{}, version: &version{}, city: ref(city), district: ref(district), other: ref(other)}
	if f.policy, err = ag.CreateDivision(ctx, op, city.ID, "政策法规处", 0); err != nil {
		t.Fatal(err)
	}
	if f.distDiv, err = ag.CreateDivision(ctx, op, district.ID, "综合科", 0); err != nil {
		t.Fatal(err)
	}
	f.clock.set(civil.MustParse("2026-11-02"))
	f.svc = normative.NewService(normative.Deps{DB: d, Items: items{d}, Agencies: agencies{ag}, Version: f.version, Now: f.clock.Now})
	f.editor = principal(city.ID, "editor", auth.Editor)
	f.viewer = principal(city.ID, "reviewer", auth.Reviewer)
	f.districtEditor = principal(district.ID, "district.editor", auth.Editor)
	f.otherEditor = principal(other.ID, "other.editor", auth.Editor)
	return f
}

// item inserts an information item (published unless status says).
func (f *fixture) item(t testing.TB, agencyID int64, title, published, status string) int64 {
	t.Helper()
	f.seq++
	var (
		id  int64
		pub any
	)
	if published != "" {
		pub = published
	}
	now := db.Now()
	if err := f.d.W.QueryRow(`INSERT INTO items (agency_id, index_number, title, published_on, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, agencyID, fmt.Sprintf("IDX-%d-%d", agencyID, f.seq), title, pub, status, now).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) input(itemID int64, number, published, effective string) normative.Input {
	p := civil.MustParse(published)
	return normative.Input{ItemID: itemID, DocNumber: number, Issuers: "市局", Kind: "办法", SignedOn: p.AddDays(-2), PublishedOn: p,
		EffectiveOn: civil.MustParse(effective), DivisionID: f.policy}
}

func (f *fixture) count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.d.R.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// snapshot is everything a refused action must leave as it was.
func (f *fixture) snapshot(t testing.TB) string {
	t.Helper()
	var parts []string
	for _, q := range []string{"SELECT count(*) FROM normative_documents", "SELECT COALESCE(SUM(version), 0) FROM normative_documents",
		"SELECT count(*) FROM normative_events", "SELECT count(*) FROM normative_filings", "SELECT count(*) FROM normative_reminders",
		"SELECT count(*) FROM normative_cleanup_entries", "SELECT count(*) FROM audit_entries", "SELECT count(*) FROM items WHERE validity <> ''"} {
		parts = append(parts, strconv.Itoa(f.count(t, q)))
	}
	return strings.Join(parts, "/")
}

func fieldErr(t *testing.T, err error, field, want string) {
	t.Helper()
	fs := apperr.FieldsOf(err)
	if fs == nil || !strings.Contains(fs[field], want) {
		t.Errorf("error %v: fields %v, want %s containing %q", err, fs, field, want)
	}
}

func validity(t testing.TB, f *fixture, itemID int64) string {
	t.Helper()
	var v string
	f.d.R.QueryRow("SELECT validity FROM items WHERE id = $1", itemID).Scan(&v)
	return v
}

func TestRegisterValidates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		id := f.item(t, f.city.ID, "上海市清真食品管理实施办法", "2022-04-18", "published")
		before := f.snapshot(t)
		bad := []struct {
			name, field, want string
			edit              func(in *normative.Input)
		}{
			{"invalid 文号", "doc_number", "格式", func(in *normative.Input) { in.DocNumber = "沪民宗规2022-1" }},
			{"SQL in 文号", "doc_number", "格式", func(in *normative.Input) { in.DocNumber = "沪民宗规〔2022〕1号'; DROP TABLE items; --" }},
			{"end before start", "expires_on", "不能早于施行日期", func(in *normative.Input) { in.ExpiresOn = civil.MustParse("2022-05-31") }},
			{"effective before published", "effective_on", "不能早于发布日期", func(in *normative.Input) { in.EffectiveOn = civil.MustParse("2022-04-01") }},
			{"long period without a reason", "period_reason", "理由", func(in *normative.Input) { in.ExpiresOn = civil.MustParse("2032-05-31") }},
			{"no issuer", "issuers", "请填写", func(in *normative.Input) { in.Issuers = " \n " }},
			{"markup in the issuer", "issuers", "尖括号", func(in *normative.Input) { in.Issuers = "市局\n<script>alert(1)</script>" }},
			{"oversized issuers", "issuers", "过长", func(in *normative.Input) { in.Issuers = strings.Repeat("市", 50000) }},
			{"oversized reason", "period_reason", "不能超过", func(in *normative.Input) { in.PeriodReason = strings.Repeat("理", 50000) }},
			{"unknown kind", "kind", "文种", func(in *normative.Input) { in.Kind = "条例" }},
			{"no division", "division", "起草处室", func(in *normative.Input) { in.DivisionID = 0 }},
			{"another agency's division", "division", "本单位", func(in *normative.Input) { in.DivisionID = f.distDiv }},
		}
		for _, c := range bad {
			in := f.input(id, "沪民宗规〔2022〕1号", "2022-04-18", "2022-06-01")
			c.edit(&in)
			_, err := f.svc.Register(ctx, f.editor, in)
			fieldErr(t, err, c.field, c.want)
			if got := f.snapshot(t); got != before {
				t.Fatalf("%s: something was saved: %s → %s", c.name, before, got)
			}
		}
		// Someone else's item, a reviewer, another agency.
		if _, err := f.svc.Register(ctx, f.otherEditor, f.input(id, "沪民宗规〔2022〕1号", "2022-04-18", "2022-06-01")); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency's item: %v", err)
		}
		if _, err := f.svc.Register(ctx, f.viewer, f.input(id, "沪民宗规〔2022〕1号", "2022-04-18", "2022-06-01")); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a reviewer: %v", err)
		}

		// The [] variant is normalised; the period is the default 5 years.
		in := f.input(id, " 沪民宗规[2022]1号 ", "2022-04-18", "2022-06-01")
		doc, err := f.svc.Register(ctx, f.editor, in)
		if err != nil {
			t.Fatal(err)
		}
		if doc.DocNumber != "沪民宗规〔2022〕1号" || doc.ExpiresOn != civil.MustParse("2027-05-31") || doc.Status != normative.Valid {
			t.Errorf("registered: %+v", doc)
		}
		if validity(t, f, id) != "valid" || f.version.bumps == 0 || f.version.invals == 0 {
			t.Errorf("item validity %q, version bumped %d, invalidated %d", validity(t, f, id), f.version.bumps, f.version.invals)
		}
		if n := f.count(t, "SELECT count(*) FROM audit_entries WHERE action = 'normative.register'"); n != 1 {
			t.Errorf("%d audit entries", n)
		}
		// Twice, and the same 文号 for another item.
		if _, err := f.svc.Register(ctx, f.editor, in); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("registered twice: %v", err)
		}
		id2 := f.item(t, f.city.ID, "另一份文件", "2023-01-05", "draft")
		_, err = f.svc.Register(ctx, f.editor, f.input(id2, "沪民宗规【2022】1号", "2023-01-05", "2023-01-05"))
		fieldErr(t, err, "doc_number", "已登记")

		// Defaults per kind and per agency.
		in2 := f.input(id2, "沪民宗规〔2023〕1号", "2023-01-05", "2023-02-01")
		in2.Kind, in2.Interim = "通告", false
		doc, err = f.svc.Register(ctx, f.editor, in2)
		if err != nil || doc.ExpiresOn != civil.MustParse("2024-01-31") || doc.Status != normative.Expired {
			t.Fatalf("通告: %v %+v", err, doc)
		}
		if validity(t, f, id2) != "expired" {
			t.Errorf("通告's item: %s", validity(t, f, id2))
		}
		if err := f.svc.SaveSettings(ctx, f.editor, normative.Settings{YearsDefault: 3, YearsInterim: 1, YearsNotice: 1, RemindMonths: 3}); err != nil {
			t.Fatal(err)
		}
		fieldErr(t, f.svc.SaveSettings(ctx, f.editor, normative.Settings{YearsDefault: 0, YearsInterim: 1, YearsNotice: 1, RemindMonths: 30}), "years_default", "1 至 10")
		id3 := f.item(t, f.city.ID, "暂行办法", "2026-10-01", "published")
		in3 := f.input(id3, "沪民宗规〔2026〕2号", "2026-10-01", "2026-12-01")
		in3.Interim = true
		doc, err = f.svc.Register(ctx, f.editor, in3)
		if err != nil || doc.ExpiresOn != civil.MustParse("2027-11-30") || doc.Status != normative.NotYetEffective {
			t.Fatalf("暂行 with 1 year: %v %+v", err, doc)
		}
		// A longer period with its reason is accepted.
		id4 := f.item(t, f.city.ID, "长期办法", "2026-10-01", "published")
		in4 := f.input(id4, "沪民宗规〔2026〕3号", "2026-10-01", "2026-10-01")
		in4.ExpiresOn, in4.PeriodReason = civil.MustParse("2036-09-30"), "涉及长期规划，起草说明已载明理由。"
		if _, err := f.svc.Register(ctx, f.editor, in4); err != nil {
			t.Fatal(err)
		}
	})
}

func TestExpiryAndEntryIntoForce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		f.clock.set(civil.MustParse("2022-05-20"))
		a := f.item(t, f.city.ID, "甲办法", "2022-04-18", "published")
		if _, err := f.svc.Register(ctx, f.editor, f.input(a, "沪民宗规〔2022〕1号", "2022-04-18", "2022-06-01")); err != nil {
			t.Fatal(err)
		}
		if validity(t, f, a) != "not_yet_effective" {
			t.Fatalf("before 施行: %s", validity(t, f, a))
		}
		f.clock.set(civil.MustParse("2022-05-31"))
		if n, err := f.svc.ExpireDue(ctx); err != nil || n != 0 {
			t.Fatalf("the day before 施行: %d %v", n, err)
		}
		f.clock.set(civil.MustParse("2022-06-01"))
		if n, err := f.svc.ExpireDue(ctx); err != nil || n != 1 || validity(t, f, a) != "valid" {
			t.Fatalf("the 施行 day: %d %v %s", n, err, validity(t, f, a))
		}
		// Last day in force 2027-05-31: still valid on it, expired the day after.
		f.clock.set(civil.MustParse("2027-05-31"))
		if n, err := f.svc.ExpireDue(ctx); err != nil || n != 0 || validity(t, f, a) != "valid" {
			t.Fatalf("the last day: %d %v", n, err)
		}
		f.clock.set(civil.MustParse("2027-06-01"))
		if n, err := f.svc.ExpireDue(ctx); err != nil || n != 1 || validity(t, f, a) != "expired" {
			t.Fatalf("the day after: %d %v %s", n, err, validity(t, f, a))
		}
		if n, _ := f.svc.ExpireDue(ctx); n != 0 {
			t.Errorf("ran twice: %d", n)
		}
		det, err := f.svc.Detail(ctx, f.viewer, a)
		if err != nil {
			t.Fatal(err)
		}
		last := det.LastEvent()
		if last.To != normative.Expired || last.On != civil.MustParse("2027-06-01") || !strings.Contains(last.Reason, "期满自动失效") {
			t.Errorf("history: %+v", last)
		}
		ns, err := f.svc.Notices(ctx, f.city.ID, a)
		if err != nil || len(ns) != 1 || !ns[0].Warning || !strings.Contains(ns[0].Text, "已于2027年6月1日失效") {
			t.Errorf("banner: %v %+v", err, ns)
		}
		if n := f.count(t, "SELECT count(*) FROM audit_entries WHERE action = 'normative.status'"); n != 2 {
			t.Errorf("%d audit entries of the job", n)
		}
		// A missed run catches up on both steps.
		b := f.item(t, f.city.ID, "乙通告", "2027-06-01", "published")
		in := f.input(b, "沪民宗规〔2027〕1号", "2027-06-01", "2027-06-10")
		in.Kind = "通告"
		if _, err := f.svc.Register(ctx, f.editor, in); err != nil {
			t.Fatal(err)
		}
		f.clock.set(civil.MustParse("2028-07-01"))
		if n, err := f.svc.ExpireDue(ctx); err != nil || n != 2 || validity(t, f, b) != "expired" {
			t.Errorf("catch-up: %d %v %s", n, err, validity(t, f, b))
		}
	})
}

func TestRepealAndAmend(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		old := f.item(t, f.city.ID, "旧办法", "2022-04-18", "published")
		neu := f.item(t, f.city.ID, "新办法", "2026-03-01", "published")
		draft := f.item(t, f.city.ID, "草稿", "", "draft")
		for _, x := range []struct {
			id      int64
			n, p, e string
		}{{old, "沪民宗规〔2022〕1号", "2022-04-18", "2022-06-01"}, {neu, "沪民宗规〔2026〕1号", "2026-03-01", "2026-03-01"}} {
			if _, err := f.svc.Register(ctx, f.editor, f.input(x.id, x.n, x.p, x.e)); err != nil {
				t.Fatal(err)
			}
		}
		ch := normative.Change{To: normative.Repealed, On: civil.MustParse("2026-03-01"), RelatedItemID: neu, Reason: "由新办法废止。"}
		before := f.snapshot(t)
		for _, c := range []struct {
			name, field, want string
			edit              func(c *normative.Change)
		}{
			{"no document", "related", "请选择", func(c *normative.Change) { c.RelatedItemID = 0 }},
			{"itself", "related", "自己", func(c *normative.Change) { c.RelatedItemID = old }},
			{"a draft", "related", "尚未发布", func(c *normative.Change) { c.RelatedItemID = draft }},
			{"unknown index", "related_index", "没有索引号", func(c *normative.Change) { c.RelatedItemID, c.RelatedIndex = 0, "../../x.xlsx" }},
			{"future", "on", "不能晚于今天", func(c *normative.Change) { c.On = civil.MustParse("2027-01-01") }},
			{"before publication", "on", "不能早于", func(c *normative.Change) { c.On = civil.MustParse("2020-01-01") }},
			{"no reason", "reason", "请填写", func(c *normative.Change) { c.Reason = "  " }},
			{"oversized reason", "reason", "不能超过", func(c *normative.Change) { c.Reason = strings.Repeat("废", 50000) }},
			{"valid", "to", "请选择", func(c *normative.Change) { c.To = normative.Valid }},
		} {
			x := ch
			c.edit(&x)
			fieldErr(t, f.svc.ChangeStatus(ctx, f.editor, old, x), c.field, c.want)
			if got := f.snapshot(t); got != before {
				t.Fatalf("%s: something was saved", c.name)
			}
		}
		if err := f.svc.ChangeStatus(ctx, f.otherEditor, old, ch); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency: %v", err)
		}
		if err := f.svc.ChangeStatus(ctx, f.editor, old, ch); err != nil {
			t.Fatal(err)
		}
		if validity(t, f, old) != "repealed" {
			t.Errorf("old: %s", validity(t, f, old))
		}
		// Both pages link each other.
		ns, _ := f.svc.Notices(ctx, f.city.ID, old)
		if len(ns) != 1 || !ns[0].Warning || !strings.Contains(ns[0].Text, "本文件已于2026年3月1日被以下文件废止") || ns[0].LinkText != "《新办法》" ||
			ns[0].URL != "/items/"+strconv.FormatInt(neu, 10) {
			t.Errorf("old page: %+v", ns)
		}
		ns, _ = f.svc.Notices(ctx, f.city.ID, neu)
		if len(ns) != 2 || !strings.Contains(ns[1].Text, "本文件废止了") || ns[1].LinkText != "《旧办法》" || ns[1].URL != "/items/"+strconv.FormatInt(old, 10) {
			t.Errorf("new page: %+v", ns)
		}
		// Repealing again, amending a repealed document: refused.
		before = f.snapshot(t)
		fieldErr(t, f.svc.ChangeStatus(ctx, f.editor, old, ch), "to", "已于2026年3月1日废止，不能再废止")
		x := ch
		x.To = normative.Amended
		fieldErr(t, f.svc.ChangeStatus(ctx, f.editor, old, x), "to", "不能再修改")
		if got := f.snapshot(t); got != before {
			t.Fatal("a refused repeal saved something")
		}
		// Amended by an item found by its index number; a repeal after expiry is refused.
		third := f.item(t, f.city.ID, "第三份", "2019-01-10", "published")
		if _, err := f.svc.Register(ctx, f.editor, f.input(third, "沪民宗规〔2019〕1号", "2019-01-10", "2019-02-01")); err != nil {
			t.Fatal(err)
		}
		var idx string
		f.d.R.QueryRow("SELECT index_number FROM items WHERE id = $1", neu).Scan(&idx)
		if err := f.svc.ChangeStatus(ctx, f.editor, third, normative.Change{To: normative.Amended, On: civil.MustParse("2023-05-01"), RelatedIndex: idx, Reason: "第二条修改。"}); err != nil {
			t.Fatal(err)
		}
		fieldErr(t, f.svc.ChangeStatus(ctx, f.editor, third, normative.Change{To: normative.Repealed, On: civil.MustParse("2026-03-01"), RelatedItemID: neu,
			Reason: "废止"}), "to", "不能在失效后废止")
		// The library's per-year table follows the history.
		lib, err := f.svc.PublicLibrary(ctx, normative.LibraryFilter{Root: f.city.ID, All: true})
		if err != nil {
			t.Fatal(err)
		}
		byYear := map[int]normative.YearCount{}
		for _, c := range lib.Counts {
			byYear[c.Year] = c
		}
		if c := byYear[2026]; c.Issued != 1 || c.Repealed != 1 || c.InForce != 1 {
			t.Errorf("2026: %+v", c)
		}
		if c := byYear[2022]; c.Issued != 1 || c.Repealed != 0 || c.InForce != 2 {
			t.Errorf("2022: %+v", c)
		}
	})
}

func TestReminderSixMonthsBefore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		f.clock.set(civil.MustParse("2022-06-01"))
		a := f.item(t, f.city.ID, "甲办法", "2022-04-18", "published")
		if _, err := f.svc.Register(ctx, f.editor, f.input(a, "沪民宗规〔2022〕1号", "2022-04-18", "2022-06-01")); err != nil {
			t.Fatal(err)
		}
		// Last day 2027-05-31: the evaluation is due on 2026-11-30.
		f.clock.set(civil.MustParse("2026-11-29"))
		if n, err := f.svc.RemindDue(ctx); err != nil || n != 0 {
			t.Fatalf("the day before: %d %v", n, err)
		}
		if rs, _ := f.svc.Reminders(ctx, f.viewer); len(rs) != 0 {
			t.Fatalf("%d reminders too early", len(rs))
		}
		f.clock.set(civil.MustParse("2026-11-30"))
		if n, err := f.svc.RemindDue(ctx); err != nil || n != 1 {
			t.Fatalf("the day: %d %v", n, err)
		}
		if n, _ := f.svc.RemindDue(ctx); n != 0 {
			t.Errorf("twice: %d", n)
		}
		rs, err := f.svc.Reminders(ctx, f.viewer)
		if err != nil || len(rs) != 1 || rs[0].Division != "政策法规处" || rs[0].RemindOn != civil.MustParse("2026-11-30") || rs[0].Doc.Item.Title != "甲办法" {
			t.Fatalf("reminders: %v %+v", err, rs)
		}
		if rs, _ := f.svc.Reminders(ctx, f.districtEditor); len(rs) != 0 {
			t.Error("another agency sees the reminder")
		}
		fieldErr(t, f.svc.CloseReminder(ctx, f.editor, rs[0].ID, " "), "outcome", "请填写")
		if err := f.svc.CloseReminder(ctx, f.otherEditor, rs[0].ID, "延续"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency closes: %v", err)
		}
		if err := f.svc.CloseReminder(ctx, f.editor, rs[0].ID, "经评估，拟修改后重新发布。"); err != nil {
			t.Fatal(err)
		}
		if rs, _ := f.svc.Reminders(ctx, f.viewer); len(rs) != 0 {
			t.Error("closed reminder still open")
		}
		if err := f.svc.CloseReminder(ctx, f.editor, rs[0].ID, "again"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("closing twice: %v", err)
		}
	})
}

func TestCleanupAndLibrary(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		a := f.item(t, f.city.ID, "清真食品办法", "2022-04-18", "published")
		b := f.item(t, f.city.ID, "募捐规定", "2021-12-01", "published")
		c := f.item(t, f.district.ID, "区级细则", "2023-04-10", "published")
		hidden := f.item(t, f.city.ID, "未发布的办法", "2024-01-01", "draft")
		otherDoc := f.item(t, f.other.ID, "他局办法", "2024-01-01", "published")
		reg := func(p *auth.Principal, id int64, n, pub, eff string, div int64) {
			in := f.input(id, n, pub, eff)
			in.DivisionID = div
			if _, err := f.svc.Register(ctx, p, in); err != nil {
				t.Fatal(err)
			}
		}
		reg(f.editor, a, "沪民宗规〔2022〕1号", "2022-04-18", "2022-06-01", f.policy)
		reg(f.editor, b, "沪民宗规〔2021〕5号", "2021-12-01", "2022-01-01", f.policy)
		reg(f.districtEditor, c, "区民宗规〔2023〕1号", "2023-04-10", "2023-05-01", f.distDiv)
		reg(f.editor, hidden, "沪民宗规〔2024〕9号", "2024-01-01", "2024-01-01", f.policy)
		od, _ := agency.NewService(d).CreateDivision(ctx, auth.Operator("test"), f.other.ID, "办公室", 0)
		reg(f.otherEditor, otherDoc, "他规〔2024〕1号", "2024-01-01", "2024-01-01", od)

		cid, err := f.svc.CreateCleanup(ctx, f.editor, "2025年度清理", "依据……")
		if err != nil {
			t.Fatal(err)
		}
		fieldErr(t, f.svc.AddToCleanup(ctx, f.editor, cid, []int64{c}), "items", "本单位")
		if err := f.svc.AddToCleanup(ctx, f.editor, cid, []int64{a, b, a}); err != nil {
			t.Fatal(err)
		}
		fieldErr(t, f.svc.PublishCleanup(ctx, f.editor, cid, civil.MustParse("2025-12-20")), "published_on", "没有清理意见")
		fieldErr(t, f.svc.Decide(ctx, f.editor, cid, b, normative.Repeal, ""), "reason", "请填写")
		fieldErr(t, f.svc.Decide(ctx, f.editor, cid, b, "nonsense", "x"), "decision", "请选择")
		if err := f.svc.Decide(ctx, f.editor, cid, a, normative.Continue, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Decide(ctx, f.editor, cid, b, normative.Repeal, "调整对象已消失。"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.PublicCleanup(ctx, f.city.ID, cid); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("unpublished cleanup in public: %v", err)
		}
		if err := f.svc.PublishCleanup(ctx, f.editor, cid, civil.MustParse("2025-12-20")); err != nil {
			t.Fatal(err)
		}
		if validity(t, f, b) != "repealed" || validity(t, f, a) != "valid" {
			t.Errorf("after the cleanup: %s %s", validity(t, f, a), validity(t, f, b))
		}
		pc, err := f.svc.PublicCleanup(ctx, f.city.ID, cid)
		if err != nil || len(pc.Entries) != 2 || pc.Counts()["repeal"] != 1 {
			t.Fatalf("public cleanup: %v %+v", err, pc)
		}
		ns, _ := f.svc.Notices(ctx, f.city.ID, b)
		if len(ns) != 1 || !strings.Contains(ns[0].Text, "经规范性文件清理决定废止") || ns[0].URL != "/o/city/normative/cleanups/"+strconv.FormatInt(cid, 10) {
			t.Errorf("cleanup banner: %+v", ns)
		}
		if err := f.svc.Decide(ctx, f.editor, cid, a, normative.Repeal, "x"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("deciding after publication: %v", err)
		}

		// The city's library has the district's document, not the other
		// agency's, nor the draft; only documents in force by default.
		titles := func(lib *normative.Library) string {
			var out []string
			for _, d := range lib.Docs {
				out = append(out, d.Item.Title)
			}
			return strings.Join(out, ",")
		}
		lib, err := f.svc.PublicLibrary(ctx, normative.LibraryFilter{Root: f.city.ID})
		if err != nil || titles(lib) != "区级细则,清真食品办法" {
			t.Errorf("default library: %v %s", err, titles(lib))
		}
		lib, _ = f.svc.PublicLibrary(ctx, normative.LibraryFilter{Root: f.city.ID, All: true})
		if titles(lib) != "区级细则,清真食品办法,募捐规定" {
			t.Errorf("all: %s", titles(lib))
		}
		lib, _ = f.svc.PublicLibrary(ctx, normative.LibraryFilter{Root: f.district.ID, All: true})
		if titles(lib) != "区级细则" {
			t.Errorf("district: %s", titles(lib))
		}
		lib, _ = f.svc.PublicLibrary(ctx, normative.LibraryFilter{Root: f.city.ID, Status: normative.Repealed})
		if titles(lib) != "募捐规定" {
			t.Errorf("repealed: %s", titles(lib))
		}
		lib, _ = f.svc.PublicLibrary(ctx, normative.LibraryFilter{Root: f.city.ID, All: true, Q: "沪民宗规[2021]"})
		if titles(lib) != "募捐规定" {
			t.Errorf("by 文号: %s", titles(lib))
		}
		lib, _ = f.svc.PublicLibrary(ctx, normative.LibraryFilter{All: true, Year: 2024})
		if titles(lib) != "他局办法" {
			t.Errorf("platform, 2024: %s", titles(lib))
		}
		lib, _ = f.svc.PublicLibrary(ctx, normative.LibraryFilter{Root: f.city.ID, IssuerID: f.district.ID})
		if titles(lib) != "区级细则" {
			t.Errorf("issuer: %s", titles(lib))
		}
		if _, err := f.svc.PublicLibrary(ctx, normative.LibraryFilter{Root: f.city.ID, Q: "清"}); apperr.FieldsOf(err)["q"] == "" {
			t.Errorf("one character: %v", err)
		}
		if _, err := f.svc.PublicLibrary(ctx, normative.LibraryFilter{Root: f.district.ID, IssuerID: f.city.ID}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("issuer outside the scope: %v", err)
		}
		if len(lib.Cleanups) != 0 {
			t.Errorf("district library lists the city's cleanup")
		}
		lib, _ = f.svc.PublicLibrary(ctx, normative.LibraryFilter{Root: f.city.ID})
		if len(lib.Cleanups) != 1 {
			t.Errorf("%d cleanups in the city's library", len(lib.Cleanups))
		}
	})
}

func TestModel(t *testing.T) {
	for in, want := range map[string]string{"2027-08-31": "2027-02-28", "2026-11-30": "2026-05-30", "2024-08-31": "2024-02-29"} {
		if got := normative.AddMonths(civil.MustParse(in), -6); got.String() != want {
			t.Errorf("AddMonths(%s, -6) = %s, want %s", in, got, want)
		}
	}
	if got := normative.ExpiryFor(civil.MustParse("2024-02-29"), 1); got.String() != "2025-02-28" {
		t.Errorf("ExpiryFor leap day: %s", got)
	}
	if got := normative.ExpiryFor(civil.MustParse("2022-03-01"), 2); got.String() != "2024-02-29" {
		t.Errorf("ExpiryFor into a leap year: %s", got)
	}
	for title, want := range map[string]string{"上海市宗教活动场所安全管理规定（试行）": "规定 true", "关于加强服务管理工作的意见": "意见 false",
		"黄浦区某某暂行办法": "办法 true", "清真食品管理实施细则": "细则 false"} {
		k, i := normative.GuessKind(title)
		if fmt.Sprint(k, " ", i) != want {
			t.Errorf("GuessKind(%s) = %s %v", title, k, i)
		}
	}
	if s := normative.SplitIssuers("甲局\n乙局、甲局\r\n\n丙局"); strings.Join(s, "|") != "甲局|乙局|丙局" {
		t.Errorf("SplitIssuers: %v", s)
	}
}
