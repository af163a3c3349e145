package stdcatalog_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/stdcatalog"
)

type directory struct{ list []stdcatalog.AgencyRef }

func (d *directory) Agency(_ context.Context, id int64) (stdcatalog.AgencyRef, error) {
	for _, a := range d.list {
		if a.ID == id {
			return a, nil
		}
	}
	return stdcatalog.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

func (d *directory) AgencyBySlug(_ context.Context, slug string) (stdcatalog.AgencyRef, error) {
	for _, a := range d.list {
		if a.Slug == slug {
			return a, nil
		}
	}
	return stdcatalog.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

// items reads the items table of the test database as app does.
type items struct{ d *db.DB }

func (s items) query(ctx context.Context, where string, args ...any) ([]stdcatalog.ItemRef, error) {
	rows, err := s.d.R.QueryContext(ctx, `SELECT id, agency_id, title, status, formed_on, published_on FROM items WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []stdcatalog.ItemRef
	for rows.Next() {
		var it stdcatalog.ItemRef
		if err := rows.Scan(&it.ID, &it.AgencyID, &it.Title, &it.Status, &it.FormedOn, &it.PublishedOn); err != nil {
			return nil, err
		}
		it.Public = it.Status == "published"
		it.URL = "/items/" + strconv.FormatInt(it.ID, 10)
		out = append(out, it)
	}
	return out, rows.Err()
}

func (s items) Items(ctx context.Context, agencyID int64, ids []int64) (map[int64]stdcatalog.ItemRef, error) {
	list, err := s.query(ctx, "agency_id = $1", agencyID)
	out := map[int64]stdcatalog.ItemRef{}
	for _, it := range list {
		for _, id := range ids {
			if id == it.ID {
				out[id] = it
			}
		}
	}
	return out, err
}

func (s items) Search(ctx context.Context, agencyID int64, q string, limit int) ([]stdcatalog.ItemRef, error) {
	return s.query(ctx, "agency_id = $1 AND status = 'published' AND title LIKE $2 ORDER BY id LIMIT "+strconv.Itoa(limit), agencyID, "%"+q+"%")
}

type fixture struct {
	d          *db.DB
	svc        *stdcatalog.Service
	a, b       int64
	divA, divB int64
	editor     *auth.Principal
	editorB    *auth.Principal
	reader     *auth.Principal
	platform   *auth.Principal
	now        time.Time
	cal        *calendar.Calendar
}

func setup(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{d: d, now: time.Date(2026, 11, 30, 10, 0, 0, 0, civil.Shanghai)}
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
	f.a, f.b = a.ID, b.ID
	if f.divA, err = ag.CreateDivision(ctx, op, a.ID, "办公室", 1); err != nil {
		t.Fatal(err)
	}
	if _, err = ag.CreateDivision(ctx, op, a.ID, "宗教工作一处", 2); err != nil {
		t.Fatal(err)
	}
	if f.divB, err = ag.CreateDivision(ctx, op, b.ID, "办公室", 1); err != nil {
		t.Fatal(err)
	}
	if _, err = ag.CreateDivision(ctx, op, b.ID, "宗教工作一处", 2); err != nil {
		t.Fatal(err)
	}
	cs := calendar.NewService(d)
	if _, err := cs.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	if f.cal, err = cs.Calendar(ctx); err != nil {
		t.Fatal(err)
	}
	f.svc = stdcatalog.NewService(stdcatalog.Deps{DB: d, Calendar: cs, Items: items{d},
		Agencies: &directory{[]stdcatalog.AgencyRef{{ID: a.ID, Slug: a.Slug, Name: a.Name}, {ID: b.ID, Slug: b.Slug, Name: b.Name}}},
		Now:      func() time.Time { return f.now }})
	p := func(agencyID int64, name string, roles ...auth.Role) *auth.Principal {
		return &auth.Principal{Username: name, DisplayName: name, AgencyID: agencyID, Roles: roles, State: auth.StateActive}
	}
	f.editor = p(a.ID, "editor", auth.Editor)
	f.editorB = p(b.ID, "editor.b", auth.Editor)
	f.reader = p(a.ID, "liaison", auth.Liaison)
	f.platform = p(0, "admin", auth.PlatformAdmin)
	return f
}

// item adds an item row to the items table (as disclosure would).
func (f *fixture) item(t testing.TB, agencyID int64, title, status, formed, published string) int64 {
	t.Helper()
	var id int64
	now := db.Now()
	var pub any
	if published != "" {
		pub = published
	}
	if err := f.d.W.QueryRowContext(context.Background(), `INSERT INTO items (agency_id, title, status, formed_on, published_on, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, agencyID, title, status, formed, pub, now).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func valid(div int64) stdcatalog.Fields {
	return stdcatalog.Fields{L1: "行政许可", L2: "宗教活动场所设立审批结果", Content: "审批决定的场所名称、地址、审批结果和日期",
		Basis: "【行政法规】《宗教事务条例》", TimeLimit: "自作出行政许可决定之日起20个工作日内", RuleKind: "formed", RuleDays: "20",
		Subject: "甲局", Channels: []string{"website", "newmedia"}, Audiences: []string{"public"}, Modes: []string{"proactive"},
		Levels: []string{"city", "district"}, FivePublics: []string{"result"}, DivisionID: div}
}

func fieldsOf(t testing.TB, err error) map[string]string {
	t.Helper()
	if apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("want a field error, got %v", err)
	}
	return apperr.FieldsOf(err)
}

func count(t testing.TB, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.R.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEntries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		before := count(t, d, "SELECT count(*) FROM std_entries")
		// Missing, malformed, oversized and hostile input: refused by the
		// field, nothing saved.
		for name, tc := range map[string]struct {
			mod   func(*stdcatalog.Fields)
			field string
		}{
			"no l1":          {func(x *stdcatalog.Fields) { x.L1 = " " }, "l1"},
			"50,000 chars":   {func(x *stdcatalog.Fields) { x.Content = strings.Repeat("长", 50_000) }, "content"},
			"long l2":        {func(x *stdcatalog.Fields) { x.L2 = strings.Repeat("名", 101) }, "l2"},
			"control chars":  {func(x *stdcatalog.Fields) { x.Basis = "依据\x00" }, "basis"},
			"no channel":     {func(x *stdcatalog.Fields) { x.Channels = nil }, "channels"},
			"bad channel":    {func(x *stdcatalog.Fields) { x.Channels = []string{"website", "'; DROP TABLE std_entries; --"} }, "channels"},
			"no audience":    {func(x *stdcatalog.Fields) { x.Audiences = nil }, "audiences"},
			"bad mode":       {func(x *stdcatalog.Fields) { x.Modes = []string{"<script>"} }, "modes"},
			"bad days":       {func(x *stdcatalog.Fields) { x.RuleDays = "20 OR 1=1" }, "rule_days"},
			"zero days":      {func(x *stdcatalog.Fields) { x.RuleDays = "0" }, "rule_days"},
			"bad date":       {func(x *stdcatalog.Fields) { x.RuleKind, x.RuleDate = "annual", "02-30" }, "rule_date"},
			"bad kind":       {func(x *stdcatalog.Fields) { x.RuleKind = "weekly" }, "rule_kind"},
			"bad monitor":    {func(x *stdcatalog.Fields) { x.MonitorFrom = "2026-13-01" }, "monitor_from"},
			"other division": {func(x *stdcatalog.Fields) { x.DivisionID = f.divB }, "division"},
			"no division":    {func(x *stdcatalog.Fields) { x.DivisionID = 0 }, "division"},
			"bad list item":  {func(x *stdcatalog.Fields) { x.ListItemID = 999999 }, "list_item"},
			"bad seq":        {func(x *stdcatalog.Fields) { x.Seq = -1 }, "seq"},
		} {
			in := valid(f.divA)
			tc.mod(&in)
			_, err := f.svc.Create(ctx, f.editor, in, "按职能编制目录")
			if fields := fieldsOf(t, err); fields[tc.field] == "" {
				t.Errorf("%s: no message for %s: %v", name, tc.field, fields)
			}
		}
		if _, err := f.svc.Create(ctx, f.editor, valid(f.divA), ""); fieldsOf(t, err)["reason"] == "" {
			t.Error("a change without a reason was accepted")
		}
		if _, err := f.svc.Create(ctx, f.editor, valid(f.divA), strings.Repeat("理", 501)); fieldsOf(t, err)["reason"] == "" {
			t.Error("an oversized reason was accepted")
		}
		if got := count(t, d, "SELECT count(*) FROM std_entries"); got != before {
			t.Fatalf("%d entries saved by refused forms", got-before)
		}
		// Permissions and scope.
		if _, err := f.svc.Create(ctx, f.reader, valid(f.divA), "按职能编制目录"); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("liaison created an entry: %v", err)
		}
		if _, err := f.svc.Create(ctx, f.platform, valid(f.divA), "按职能编制目录"); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("platform admin created an entry: %v", err)
		}
		// A hostile but valid text is stored as text.
		in := valid(f.divA)
		in.L2 = `<script>alert(1)</script>'; DROP TABLE items; --`
		e, err := f.svc.Create(ctx, f.editor, in, "按职能编制目录")
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.Get(ctx, f.editor, e.ID); got.L2 != in.L2 || got.Rule != (stdcatalog.Rule{Kind: stdcatalog.RuleFormed, Days: 20}) || got.Division != "办公室" {
			t.Fatalf("stored: %+v", got)
		}
		if _, err := f.svc.Get(ctx, f.editorB, e.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency's editor sees the entry: %v", err)
		}
		if _, err := f.svc.Create(ctx, f.editor, in, "重复录入测试"); fieldsOf(t, err)["l2"] == "" {
			t.Error("a duplicate name was accepted")
		}
		// Edit: the change log says what changed and why; a stale version
		// is refused; no change at all is refused.
		up := in
		up.TimeLimit, up.RuleDays, up.Channels = "自作出行政许可决定之日起7个工作日内", "7", []string{"website", "gazette"}
		if err := f.svc.Update(ctx, f.editor, e.ID, e.Version, up, "按执法公示制度缩短公开时限"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Update(ctx, f.editor, e.ID, e.Version, up, "再次调整公开时限"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("stale update: %v", err)
		}
		cur, _ := f.svc.Get(ctx, f.editor, e.ID)
		if err := f.svc.Update(ctx, f.editor, e.ID, cur.Version, up, "没有变化的调整"); fieldsOf(t, err)["reason"] == "" {
			t.Error("an unchanged update was accepted")
		}
		if err := f.svc.Update(ctx, f.editorB, e.ID, cur.Version, up, "跨单位修改尝试"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency's editor updated: %v", err)
		}
		// Remove.
		if err := f.svc.Remove(ctx, f.editor, e.ID, ""); fieldsOf(t, err)["reason"] == "" {
			t.Error("removal without a reason")
		}
		if err := f.svc.Remove(ctx, f.editor, e.ID, "职能划转至区级部门"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Get(ctx, f.editor, e.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("removed entry still found: %v", err)
		}
		changes, err := f.svc.Changes(ctx, f.editor, 0)
		if err != nil || len(changes) != 3 {
			t.Fatalf("changes: %d %v", len(changes), err)
		}
		if changes[1].Kind != stdcatalog.Edited || !strings.Contains(changes[1].Detail, "时限规则：信息形成（变更）之日起20个工作日内 → 信息形成（变更）之日起7个工作日内") ||
			!strings.Contains(changes[1].Detail, "公开渠道和载体：政府网站、两微一端 → 政府网站、政府公报") || changes[1].Reason != "按执法公示制度缩短公开时限" {
			t.Errorf("edit line: %+v", changes[1])
		}
		if changes[0].Kind != stdcatalog.Removed || changes[2].Kind != stdcatalog.Added {
			t.Errorf("kinds: %v %v", changes[0].Kind, changes[2].Kind)
		}
		pc, err := f.svc.Public(ctx, f.a)
		if err != nil || pc.Total != 0 || len(pc.Changes) != 3 {
			t.Errorf("public: %+v %v", pc, err)
		}
		if n := count(t, d, "SELECT count(*) FROM audit_entries WHERE action LIKE 'standards.%'"); n != 3 {
			t.Errorf("%d audit entries, want 3", n)
		}
		// The same name can be used again after a removal.
		if _, err := f.svc.Create(ctx, f.editor, in, "恢复列入目录"); err != nil {
			t.Errorf("re-adding a removed name: %v", err)
		}
	})
}

func TestLinksAndCoverage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		e, err := f.svc.Create(ctx, f.editor, valid(f.divA), "按职能编制目录")
		if err != nil {
			t.Fatal(err)
		}
		// On time: formed 2026-03-02, published 10 working days later.
		onTime := f.item(t, f.a, "2026年第一批宗教活动场所设立审批结果公示", "published", "2026-03-02", "2026-03-16")
		// Planted late: formed 2026-09-25, published 2026-11-06. Twenty
		// working days from 25 September run past the National Day
		// holiday: the deadline is counted on the calendar.
		late := f.item(t, f.a, "2026年第三批宗教活动场所设立审批结果公示", "published", "2026-09-25", "2026-11-06")
		draft := f.item(t, f.a, "草稿中的审批结果公示", "draft", "2026-11-01", "")
		other := f.item(t, f.b, "乙局的审批结果公示", "published", "2026-03-02", "2026-03-03")
		for name, ids := range map[string][]int64{"draft": {draft}, "other agency": {other}, "unknown": {99999999}} {
			if err := f.svc.Link(ctx, f.editor, e.ID, ids...); fieldsOf(t, err)["item_id"] == "" {
				t.Errorf("linked a %s item", name)
			}
		}
		if err := f.svc.Link(ctx, f.reader, e.ID, onTime); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("liaison linked: %v", err)
		}
		if err := f.svc.Link(ctx, f.editorB, e.ID, other); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency linked to the entry: %v", err)
		}
		if err := f.svc.Link(ctx, f.editor, e.ID, onTime, late); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Link(ctx, f.editor, e.ID, onTime); err != nil { // again: nothing happens
			t.Fatal(err)
		}
		if list, _ := f.svc.EntriesOfItem(ctx, f.a, late); len(list) != 1 || list[0].ID != e.ID {
			t.Errorf("entries of the late item: %v", list)
		}
		if list, _ := f.svc.EntriesOfItem(ctx, f.b, late); len(list) != 0 {
			t.Errorf("entries of the item seen from another agency: %v", list)
		}
		linked, err := f.svc.Linked(ctx, f.editor, e.ID)
		if err != nil || len(linked) != 2 || linked[0].ID != late {
			t.Fatalf("linked: %+v %v", linked, err)
		}
		// An annual entry with a missing year.
		ann := valid(f.divA)
		ann.L1, ann.L2, ann.TimeLimit, ann.RuleKind, ann.RuleDate, ann.MonitorFrom = "财政预决算", "部门预算", "每年3月31日前", "annual", "03-31", "2025-01-01"
		ae, err := f.svc.Create(ctx, f.editor, ann, "按预算公开要求编制")
		if err != nil {
			t.Fatal(err)
		}
		b25 := f.item(t, f.a, "2025年部门预算", "published", "2025-02-10", "2025-02-10")
		if err := f.svc.Link(ctx, f.editor, ae.ID, b25); err != nil {
			t.Fatal(err)
		}
		cov, err := f.svc.Coverage(ctx, f.editor)
		if err != nil {
			t.Fatal(err)
		}
		if cov.Total.Entries != 2 || cov.Total.Ruled != 2 || cov.Total.Clean != 0 || cov.Total.Late != 1 || cov.Total.Missing != 1 || cov.Total.Percent() != 0 {
			t.Fatalf("total: %+v", cov.Total)
		}
		if len(cov.Divisions) != 1 || cov.Divisions[0].Name != "办公室" || len(cov.Divisions[0].Gaps) != 2 {
			t.Fatalf("divisions: %+v", cov.Divisions)
		}
		var lateGap, missGap stdcatalog.Gap
		for _, g := range cov.Total.Gaps {
			if g.Kind == stdcatalog.Late {
				lateGap = g
			} else {
				missGap = g
			}
		}
		due, err := f.cal.AddWorkingDays(civil.MustParse("2026-09-25"), 20)
		if err != nil {
			t.Fatal(err)
		}
		naive := civil.MustParse("2026-09-25").AddDays(28) // four calendar weeks
		if !due.After(naive) {
			t.Fatalf("the National Day holiday should push the deadline past %s, got %s", naive, due)
		}
		days, _ := f.cal.WorkingDaysBetween(due, civil.MustParse("2026-11-06"))
		if lateGap.Item == nil || lateGap.Item.ID != late || lateGap.Due != due || lateGap.DaysLate != days || days <= 0 {
			t.Errorf("late gap: %+v (due %s, %d days)", lateGap, due, days)
		}
		if !strings.Contains(lateGap.Text(), "逾期 "+strconv.Itoa(days)+" 个工作日") {
			t.Errorf("late text: %s", lateGap.Text())
		}
		if missGap.Year != 2026 || missGap.Due != civil.MustParse("2026-03-31") || missGap.Entry.ID != ae.ID {
			t.Errorf("missing gap: %+v", missGap)
		}
		// Before the deadline a year is not missing yet.
		f.now = time.Date(2026, 3, 1, 10, 0, 0, 0, civil.Shanghai)
		cov, _ = f.svc.Coverage(ctx, f.editor)
		if cov.Total.Missing != 0 {
			t.Errorf("missing before the deadline: %+v", cov.Total)
		}
		f.now = time.Date(2026, 11, 30, 10, 0, 0, 0, civil.Shanghai)
		// Unlinking the late item clears its gap; an entry with no item is missing.
		if err := f.svc.Unlink(ctx, f.editor, e.ID, late); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Unlink(ctx, f.editor, e.ID, late); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("second unlink: %v", err)
		}
		if err := f.svc.Unlink(ctx, f.editor, e.ID, onTime); err != nil {
			t.Fatal(err)
		}
		cov, _ = f.svc.Coverage(ctx, f.editor)
		if cov.Total.Late != 0 || cov.Total.Missing != 2 {
			t.Errorf("after unlinking: %+v", cov.Total)
		}
		if n := count(t, d, "SELECT count(*) FROM audit_entries WHERE action IN ('standards.link', 'standards.unlink')"); n != 4 {
			t.Errorf("%d link audit entries, want 4", n)
		}
		// Search for linking: agency-scoped, public items only.
		found, err := f.svc.SearchItems(ctx, f.editor, "审批结果")
		if err != nil || len(found) != 2 {
			t.Errorf("search: %+v %v", found, err)
		}
		if _, err := f.svc.SearchItems(ctx, f.editor, strings.Repeat("长", 101)); fieldsOf(t, err)["q"] == "" {
			t.Error("an oversized query was accepted")
		}
	})
}

func TestImportExport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		power := []stdcatalog.ListItem{{Code: "QL-XK-001", Name: "宗教活动场所筹备设立审批", Category: "行政许可", Basis: "《宗教事务条例》", Division: "宗教工作一处"}}
		for _, ag := range []*auth.Principal{f.editor, f.editorB} {
			if _, err := f.svc.ImportList(ctx, ag, stdcatalog.PowerList, power); err != nil {
				t.Fatal(err)
			}
		}
		ann := valid(f.divA)
		ann.L1, ann.L2, ann.TimeLimit, ann.RuleKind, ann.RuleDate, ann.MonitorFrom = "政府信息公开", "年度报告", "每年1月31日前", "annual", "01-31", "2023-01-01"
		ann.Basis = "【行政法规】《中华人民共和国政府信息公开条例》\n第五十条"
		ann.Audiences, ann.Modes, ann.FivePublics = []string{"public", "specific"}, []string{"proactive", "application"}, nil
		none := valid(f.divA)
		none.L2, none.RuleKind, none.TimeLimit, none.Channels = "政府信息公开指南", "none", "长期公开", []string{"website", "board", "other"}
		listed := valid(f.divA)
		listed.L2, listed.ListItem, listed.Levels = "筹备设立审批", "QL-XK-001", []string{"town"}
		for _, in := range []stdcatalog.Fields{valid(f.divA), ann, none, listed} {
			if _, err := f.svc.Create(ctx, f.editor, in, "按职能编制目录"); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := f.svc.Export(ctx, f.editor, &buf); err != nil {
			t.Fatal(err)
		}
		file := buf.Bytes()
		rows, err := stdcatalog.ParseCatalogue("../../公开标准目录.xlsx", bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		// Into the same catalogue: nothing changes.
		rep, err := f.svc.Import(ctx, f.editor, rows, "按导出文件复核目录", false)
		if err != nil || rep.Unchanged != 4 || rep.Added+rep.Changed+rep.Removed != 0 {
			t.Fatalf("re-import: %+v %v", rep, err)
		}
		// Into another agency's empty catalogue: the same entries.
		rep, err = f.svc.Import(ctx, f.editorB, rows, "参照甲局目录编制", false)
		if err != nil || rep.Added != 4 {
			t.Fatalf("import into B: %+v %v", rep, err)
		}
		listA, _ := f.svc.List(ctx, f.editor, stdcatalog.Filter{})
		listB, _ := f.svc.List(ctx, f.editorB, stdcatalog.Filter{})
		if len(listA) != 4 || len(listB) != 4 {
			t.Fatalf("%d and %d entries", len(listA), len(listB))
		}
		for i := range listA {
			a, b := *listA[i], *listB[i]
			if diff := stdcatalog.Diff(&a, &b); diff != "" {
				t.Errorf("entry %d differs after the round trip: %s", i, diff)
			}
			if a.Content != b.Content || a.Basis != b.Basis || a.MonitorFrom != b.MonitorFrom || a.ListItem != b.ListItem {
				t.Errorf("entry %d: %+v vs %+v", i, a, b)
			}
		}
		// An edited file updates, adds and (when asked) removes, each with
		// a change-log line.
		x, _ := excelize.OpenReader(bytes.NewReader(file))
		x.SetCellValue("公开标准目录", "F4", "自作出行政许可决定之日起7个工作日内")
		x.SetCellValue("公开标准目录", "R4", "形成后7个工作日")
		x.RemoveRow("公开标准目录", 5)
		var edited bytes.Buffer
		x.Write(&edited)
		rows, err = stdcatalog.ParseCatalogue("edited.xlsx", bytes.NewReader(edited.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		before := count(t, d, "SELECT count(*) FROM std_changes WHERE agency_id = $1", f.a)
		rep, err = f.svc.Import(ctx, f.editor, rows, "按2026年职能调整更新目录", true)
		if err != nil || rep.Changed != 1 || rep.Removed != 1 || rep.Unchanged != 2 {
			t.Fatalf("edited import: %+v %v", rep, err)
		}
		if got := count(t, d, "SELECT count(*) FROM std_changes WHERE agency_id = $1", f.a); got != before+2 {
			t.Errorf("%d change lines, want 2", got-before)
		}
	})
}

// TestImportRefused: a file with wrong or missing columns, or bad rows, is
// refused as a whole with messages naming the column or the line.
func TestImportRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		if _, err := f.svc.Create(ctx, f.editor, valid(f.divA), "按职能编制目录"); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := f.svc.Export(ctx, f.editor, &buf); err != nil {
			t.Fatal(err)
		}
		good := buf.Bytes()
		edit := func(fn func(x *excelize.File)) []byte {
			x, err := excelize.OpenReader(bytes.NewReader(good))
			if err != nil {
				t.Fatal(err)
			}
			fn(x)
			var out bytes.Buffer
			x.Write(&out)
			return out.Bytes()
		}
		const sh = "公开标准目录"
		for name, tc := range map[string]struct {
			file []byte
			want string
		}{
			"swapped columns": {edit(func(x *excelize.File) {
				x.SetCellValue(sh, "D2", "公开依据")
				x.SetCellValue(sh, "E2", "公开内容（要素）")
			}),
				"表头第 D 列应为“公开内容（要素）”，实际为“公开依据”"},
			"missing column": {edit(func(x *excelize.File) { x.RemoveCol(sh, "J") }), "表头第 J 列应为“公开对象（特定群体）”，实际为“公开方式（主动）”"},
			"cut short": {edit(func(x *excelize.File) {
				for _, c := range []string{"Q", "R", "S", "T"} {
					x.SetCellValue(sh, c+"2", "")
				}
			}), "表头缺少列“责任处室”（第 Q 列）"},
			"extra column": {edit(func(x *excelize.File) { x.SetCellValue(sh, "U2", "备注") }), "表头第 U 列“备注”不是标准目录的列"},
			"no header":    {edit(func(x *excelize.File) { x.SetCellValue(sh, "A2", "编号") }), "找不到表头"},
			"bad tick":     {edit(func(x *excelize.File) { x.SetCellValue(sh, "I4", "<script>") }), "第 4 行"},
			"bad channel":  {edit(func(x *excelize.File) { x.SetCellValue(sh, "H4", "政府网站、'; DROP TABLE std_entries; --") }), "不在标准清单中"},
			"bad rule":     {edit(func(x *excelize.File) { x.SetCellValue(sh, "R4", "每周一") }), "时限规则“每周一”无法识别"},
			"bad division": {edit(func(x *excelize.File) {
				x.SetCellValue(sh, "A5", 2)
				x.SetCellValue(sh, "B5", "新事项")
				x.SetCellValue(sh, "C5", "新二级")
				x.SetCellValue(sh, "D5", "内容")
				x.SetCellValue(sh, "F5", "及时")
				x.SetCellValue(sh, "G5", "甲局")
				x.SetCellValue(sh, "H5", "政府网站")
				x.SetCellValue(sh, "I5", "√")
				x.SetCellValue(sh, "K5", "√")
				x.SetCellValue(sh, "M5", "√")
				x.SetCellValue(sh, "Q5", "不存在处")
			}),
				"第 5 行：责任处室“不存在处”不是本单位的处室"},
			"oversized cell": {edit(func(x *excelize.File) { x.SetCellValue(sh, "D4", strings.Repeat("长", 30_000)) }), "公开内容（要素）不能超过"},
			"duplicate":      {edit(func(x *excelize.File) { x.DuplicateRow(sh, 4) }), "与第 4 行重复"},
		} {
			rows, err := stdcatalog.ParseCatalogue("x.xlsx", bytes.NewReader(tc.file))
			if err == nil {
				_, err = f.svc.Import(ctx, f.editor, rows, "测试导入错误文件", true)
			}
			var ie *stdcatalog.ImportError
			if !errors.As(err, &ie) {
				t.Errorf("%s: %v", name, err)
				continue
			}
			msg := ie.Message
			for _, r := range ie.Rows {
				msg += fmt.Sprintf(" 第 %d 行：%s", r.Line, r.Message)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("%s: %q lacks %q", name, msg, tc.want)
			}
		}
		for name, tc := range map[string]struct {
			file, want string
			body       []byte
		}{
			"not xlsx":     {"x.exe", "请上传 XLSX 文件", good},
			"path trick":   {"../../x.csv", "请上传 XLSX 文件", good},
			"corrupt":      {"x.xlsx", "无法读取 XLSX 文件", []byte("PK\x03\x04 not a zip")},
			"oversized":    {"x.xlsx", "文件超过", bytes.Repeat([]byte("x"), stdcatalog.MaxImportBytes+1)},
			"empty header": {"x.xlsx", "找不到表头", edit(func(x *excelize.File) { x.RemoveRow(sh, 2); x.RemoveRow(sh, 2) })},
		} {
			_, err := stdcatalog.ParseCatalogue(tc.file, bytes.NewReader(tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) && !strings.Contains(apperr.MessageOf(err), tc.want) {
				t.Errorf("%s: %v", name, err)
			}
		}
		// Nothing of the refused files was imported.
		if n := count(t, d, "SELECT count(*) FROM std_entries WHERE agency_id = $1", f.a); n != 1 {
			t.Errorf("%d entries after refused imports", n)
		}
		if n := count(t, d, "SELECT count(*) FROM std_changes WHERE agency_id = $1", f.a); n != 1 {
			t.Errorf("%d change lines after refused imports", n)
		}
		// An import needs a reason and the right.
		rows, _ := stdcatalog.ParseCatalogue("x.xlsx", bytes.NewReader(good))
		if _, err := f.svc.Import(ctx, f.editor, rows, "", false); fieldsOf(t, err)["reason"] == "" {
			t.Error("import without a reason")
		}
		if _, err := f.svc.Import(ctx, f.reader, rows, "无权导入测试", false); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("liaison imported: %v", err)
		}
	})
}

func TestParseList(t *testing.T) {
	good := "事项编码,事项名称,类别,依据,承办处室\nQL-1,宗教活动场所筹备设立审批,行政许可,《宗教事务条例》,宗教工作一处\n\nQL-2,宗教教职人员备案,其他行政权力,,宗教工作二处\n"
	list, err := stdcatalog.ParseList(stdcatalog.PowerList, "../../权责清单.csv", strings.NewReader("\ufeff"+good))
	if err != nil || len(list) != 2 || list[1].Code != "QL-2" || list[1].Line != 4 {
		t.Fatalf("%+v %v", list, err)
	}
	for name, tc := range map[string]struct{ body, want string }{
		"wrong header": {"编码,事项名称,类别,依据,承办处室\nQL-1,名称,,,\n", "第 A 列应为“事项编码”"},
		"missing":      {"事项编码,事项名称,类别,依据\nQL-1,名称,,\n", "缺少列“承办处室”"},
		"no code":      {"事项编码,事项名称,类别,依据,承办处室\n,名称,,,\n", "第 2 行：请填写事项编码"},
		"duplicate":    {"事项编码,事项名称,类别,依据,承办处室\nQL-1,甲,,,\nQL-1,乙,,,\n", "与第 2 行重复"},
		"long":         {"事项编码,事项名称,类别,依据,承办处室\nQL-1," + strings.Repeat("长", 50_000) + ",,,\n", "事项名称不能超过"},
		"not utf-8":    {"\xff\xfe\x00", "UTF-8"},
	} {
		_, err := stdcatalog.ParseList(stdcatalog.ServiceList, "x.csv", strings.NewReader(tc.body))
		var ie *stdcatalog.ImportError
		msg := apperr.MessageOf(err)
		if errors.As(err, &ie) {
			msg = ie.Message
			for _, r := range ie.Rows {
				msg += fmt.Sprintf(" 第 %d 行：%s", r.Line, r.Message)
			}
		}
		if err == nil || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %q lacks %q", name, msg, tc.want)
		}
	}
	if _, err := stdcatalog.ParseList(stdcatalog.PowerList, "x.pdf", strings.NewReader(good)); err == nil {
		t.Error("a PDF was read as a list")
	}
}

func TestParseRule(t *testing.T) {
	for in, want := range map[string]stdcatalog.Rule{
		"信息形成（变更）之日起20个工作日内": {Kind: stdcatalog.RuleFormed, Days: 20},
		"形成后7个工作日":           {Kind: stdcatalog.RuleFormed, Days: 7},
		"自作出决定之日起七个工作日内":     {Kind: stdcatalog.RuleFormed, Days: 7},
		"二十个工作日内":            {Kind: stdcatalog.RuleFormed, Days: 20},
		"１５个工作日":             {Kind: stdcatalog.RuleFormed, Days: 15},
		"每年1月31日前":           {Kind: stdcatalog.RuleAnnual, Month: 1, Day: 31},
		"每年 2 月 29 日前":       {Kind: stdcatalog.RuleAnnual, Month: 2, Day: 29},
		"无":                  {Kind: stdcatalog.RuleNone},
	} {
		got, ok := stdcatalog.ParseRule(in)
		if !ok || got != want {
			t.Errorf("%q: %+v %v", in, got, ok)
		}
		if ok && want.Kind != stdcatalog.RuleNone {
			if back, ok := stdcatalog.ParseRule(got.Code()); !ok || back != got {
				t.Errorf("%q: code %q reads back as %+v", in, got.Code(), back)
			}
		}
	}
	for _, in := range []string{"及时公开", "每年2月30日前", "0个工作日", "每周一"} {
		if _, ok := stdcatalog.ParseRule(in); ok {
			t.Errorf("%q read as a rule", in)
		}
	}
	if d := (stdcatalog.Rule{Kind: stdcatalog.RuleAnnual, Month: 2, Day: 29}).DeadlineIn(2026); d != civil.MustParse("2026-02-28") {
		t.Errorf("29 February in 2026: %s", d)
	}
}
