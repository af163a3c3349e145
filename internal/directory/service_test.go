package directory_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/directory"
	"github.com/gongkai/gongkai/internal/ratelimit"
)

// agencies is a city bureau with one district office below it, and an
// unrelated bureau.
type agencies struct {
	list      []directory.AgencyRef
	divisions map[int64][]directory.DivisionRef
	liaison   map[int64]int64
}

func (a agencies) Agency(_ context.Context, id int64) (directory.AgencyRef, error) {
	for _, x := range a.list {
		if x.ID == id {
			return x, nil
		}
	}
	return directory.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

func (a agencies) AgencyBySlug(_ context.Context, slug string) (directory.AgencyRef, error) {
	for _, x := range a.list {
		if x.Slug == slug {
			return x, nil
		}
	}
	return directory.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

func (a agencies) Family(_ context.Context, id int64) ([]directory.AgencyRef, error) {
	var out []directory.AgencyRef
	for _, x := range a.list {
		if x.ID == id {
			out = append([]directory.AgencyRef{x}, out...)
		} else if x.ParentID == id {
			out = append(out, x)
		}
	}
	return out, nil
}

func (a agencies) Divisions(_ context.Context, id int64) ([]directory.DivisionRef, error) {
	return a.divisions[id], nil
}

func (a agencies) LiaisonUser(_ context.Context, div int64) (int64, error) {
	return a.liaison[div], nil
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
	svc                   *directory.Service
	clock                 *clock
	d                     *db.DB
	city, district, other directory.AgencyRef
	cityEd, distEd        *auth.Principal
	otherEd               *auth.Principal
	division              int64
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	op := auth.Operator("test")
	ag := agency.NewService(d)
	mk := func(slug, name string, parent int64, kind agency.Kind) directory.AgencyRef {
		a, err := ag.Create(ctx, op, agency.NewAgency{Slug: slug, Kind: kind, Name: name, ParentID: parent}, agency.Settings{})
		if err != nil {
			t.Fatal(err)
		}
		return directory.AgencyRef{ID: a.ID, ParentID: parent, Slug: slug, Name: name}
	}
	f := &fixture{clock: &clock{}, d: d}
	f.city = mk("city-bureau", "市民族宗教局", 0, agency.Bureau)
	f.district = mk("dist-office", "某区民族宗教办", f.city.ID, agency.DistrictBureau)
	f.other = mk("other-bureau", "其他局", 0, agency.Bureau)
	div, err := ag.CreateDivision(ctx, op, f.city.ID, "宗教工作一处", 1)
	if err != nil {
		t.Fatal(err)
	}
	f.division = div
	blobs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f.clock.set("2026-05-06T10:00")
	f.svc = directory.NewService(directory.Deps{DB: d, Blobs: blobs, Limiter: ratelimit.New(d, f.clock.Now), Now: f.clock.Now,
		PhotoKey: bytes.Repeat([]byte{7}, 32),
		Agencies: agencies{list: []directory.AgencyRef{f.city, f.district, f.other},
			divisions: map[int64][]directory.DivisionRef{f.city.ID: {{ID: div, Name: "宗教工作一处"}}}, liaison: map[int64]int64{div: 42}}})
	p := func(id int64, name string) *auth.Principal {
		return &auth.Principal{UserID: id, Username: name, DisplayName: name, AgencyID: 0, Roles: auth.Roles{auth.Editor}, State: auth.StateActive}
	}
	f.cityEd, f.distEd, f.otherEd = p(1, "city"), p(2, "district"), p(3, "other")
	f.cityEd.AgencyID, f.distEd.AgencyID, f.otherEd.AgencyID = f.city.ID, f.district.ID, f.other.ID
	return f
}

func venue(name, number, district string) directory.Values {
	return directory.Values{"religion": "伊斯兰教", "name": name, "venue_type": "寺观教堂", "number": number, "district": district,
		"address": "上海市" + district + "某路1号", "leader": "马某", "opening": "每日五次礼拜", "status": "已登记"}
}

func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	f := apperr.FieldsOf(err)
	if f == nil {
		t.Fatalf("want field errors, got %v", err)
	}
	return f
}

func TestSchemaCheck(t *testing.T) {
	sc := directory.Schemas(nil)[directory.Venues]
	v := venue("小桃园清真寺", " ｓｈ-０１ ", "黄浦区")
	v["phone"] = "021-63770021"
	v["bogus"] = "dropped"
	if bad := sc.Check(v); bad != nil {
		t.Fatalf("valid venue refused: %v", bad)
	}
	if v["number"] != "SH-01" || v["status"] != directory.VenueRegistered || v["bogus"] != "" {
		t.Errorf("normalised values: %v", v)
	}
	for _, tc := range []struct {
		key, value, want string
	}{
		{"name", "", "请填写场所名称"},
		{"religion", "萨满教", "教别应为以下之一"},
		{"district", "火星区", "所在区应为以下之一"},
		{"phone", "139 1234 5678", "不能是个人手机号"},
		{"phone", "call me", "格式不正确"},
		{"name", "<script>alert(1)</script>", "尖括号"},
		{"number", "' OR 1=1 --", "只能由汉字、字母、数字和连接号组成"},
		{"name", strings.Repeat("寺", 101), "不能超过 100 个字"},
		{"address", "某路\x00", "无法识别的字符"},
	} {
		v := venue("某寺", "A-1", "黄浦区")
		v[tc.key] = tc.value
		bad := sc.Check(v)
		if !strings.Contains(bad[tc.key], tc.want) {
			t.Errorf("%s=%q: got %q, want %q", tc.key, tc.value, bad[tc.key], tc.want)
		}
	}
	clergy := directory.Schemas(nil)[directory.Clergy]
	for in, want := range map[string]string{"2024/3/1": "2024-03-01", "2024年3月1日": "2024-03-01", "2024.12.31": "2024-12-31"} {
		v := directory.Values{"name": "张三", "religion": "佛教", "number": "FJ1", "venue": "某寺", "filed_on": in, "status": "备案"}
		if bad := clergy.Check(v); bad != nil || v["filed_on"] != want {
			t.Errorf("date %q: %v %q", in, bad, v["filed_on"])
		}
	}
	v2 := directory.Values{"name": "张三", "religion": "佛教", "number": "FJ1", "venue": "某寺", "filed_on": "2024-02-30", "status": "备案"}
	if bad := clergy.Check(v2); bad["filed_on"] == "" {
		t.Error("impossible date accepted")
	}
	outlets := directory.Schemas(nil)[directory.Outlets]
	for in, want := range map[string]string{"是": "1", "否": "", "1": "1", "": ""} {
		v := directory.Values{"name": "某店", "category": "饮食", "number": "Q-1", "district": "黄浦区", "address": "某路", "issuer": "某办", "supply_point": in, "status": "有效"}
		if bad := outlets.Check(v); bad != nil || v["supply_point"] != want {
			t.Errorf("bool %q: %v %q", in, bad, v["supply_point"])
		}
	}
	v3 := directory.Values{"name": "某店", "category": "饮食", "number": "Q-1", "district": "黄浦区", "address": "某路", "issuer": "某办", "supply_point": "也许", "status": "有效"}
	if bad := outlets.Check(v3); bad["supply_point"] == "" {
		t.Error("bool 也许 accepted")
	}
}

func TestScopeAndHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		a, err := f.svc.Create(ctx, f.cityEd, directory.Venues, directory.Input{Values: venue("沪西清真寺", "V-1", "普陀区"), DivisionID: f.division})
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.svc.Create(ctx, f.distEd, directory.Venues, directory.Input{Values: venue("某区清真寺", "V-2", "黄浦区")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Create(ctx, f.otherEd, directory.Venues, directory.Input{Values: venue("重号", "v-2", "黄浦区")}); fieldsOf(t, err)["number"] == "" {
			t.Error("duplicate number accepted")
		}
		if _, err := f.svc.Create(ctx, f.distEd, directory.Venues, directory.Input{Values: venue("错处室", "V-3", "黄浦区"), DivisionID: f.division}); fieldsOf(t, err)["division"] == "" {
			t.Error("another agency's division accepted")
		}
		city, _ := f.svc.List(ctx, f.cityEd, directory.Venues, directory.Filter{})
		dist, _ := f.svc.List(ctx, f.distEd, directory.Venues, directory.Filter{})
		other, _ := f.svc.List(ctx, f.otherEd, directory.Venues, directory.Filter{})
		if city.Total != 2 || dist.Total != 1 || dist.Entries[0].ID != b.ID || other.Total != 0 {
			t.Fatalf("scopes: city %d, district %d, other %d", city.Total, dist.Total, other.Total)
		}
		if _, err := f.svc.Entry(ctx, f.distEd, directory.Venues, a.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("district reads the city's entry: %v", err)
		}
		if err := f.svc.Update(ctx, f.cityEd, directory.Venues, b.ID, directory.Input{Values: venue("改名", "V-2", "黄浦区"), Version: b.Version}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("city edits a district entry: %v", err)
		}
		if _, err := f.svc.Create(ctx, &auth.Principal{AgencyID: f.city.ID, Roles: auth.Roles{auth.Handler}, State: auth.StateActive}, directory.Venues, directory.Input{Values: venue("x", "V-9", "黄浦区")}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("handler creates: %v", err)
		}
		// An update records each changed field; the same values again
		// change nothing; an old version is refused.
		f.clock.set("2026-05-07T09:00")
		v := venue("沪西清真寺", "V-1", "普陀区")
		v["opening"] = "每日五次礼拜，参观 9:00—11:00"
		v["note"] = "内部备注"
		if err := f.svc.Update(ctx, f.cityEd, directory.Venues, a.ID, directory.Input{Values: v, DivisionID: f.division, Version: a.Version}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Update(ctx, f.cityEd, directory.Venues, a.ID, directory.Input{Values: cloneV(v), DivisionID: f.division, Version: a.Version + 1}); err != nil {
			t.Fatalf("identical update: %v", err)
		}
		if err := f.svc.Update(ctx, f.cityEd, directory.Venues, a.ID, directory.Input{Values: venue("旧版本", "V-1", "普陀区"), Version: a.Version}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("stale version: %v", err)
		}
		hist, err := f.svc.History(ctx, f.cityEd, directory.Venues, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 2 || hist[0].Action != "updated" || hist[1].Action != "created" {
			t.Fatalf("history: %+v", hist)
		}
		got := map[string]directory.Change{}
		for _, c := range hist[0].Changes {
			got[c.Field] = c
		}
		if len(got) != 2 || got["opening"].Old != "每日五次礼拜" || got["opening"].New != "每日五次礼拜，参观 9:00—11:00" || got["note"].New != "内部备注" {
			t.Errorf("changes: %+v", hist[0].Changes)
		}
		if hist[0].ActorName != "city" || hist[0].Source != "form" {
			t.Errorf("actor/source: %+v", hist[0])
		}
		// The public list shows the new entries and the opening change,
		// not the note.
		ups, err := f.svc.RecentUpdates(ctx, f.city.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ups) != 3 || ups[0].Action != "信息变更" || strings.Join(ups[0].Fields, ",") != "开放时间" {
			t.Errorf("recent updates: %+v", ups)
		}
		// A change of the note alone is not public.
		v["note"] = "另一条内部备注"
		if err := f.svc.Update(ctx, f.cityEd, directory.Venues, a.ID, directory.Input{Values: v, DivisionID: f.division, Version: a.Version + 1}); err != nil {
			t.Fatal(err)
		}
		if ups2, _ := f.svc.RecentUpdates(ctx, f.city.ID, 10); len(ups2) != 3 {
			t.Errorf("note-only change listed publicly: %+v", ups2)
		}
		// Search: two characters at least, every term must match.
		if _, err := f.svc.PublicList(ctx, f.city.ID, directory.Venues, directory.Filter{Query: "寺"}); fieldsOf(t, err)["q"] == "" {
			t.Error("one-character search accepted")
		}
		pg, err := f.svc.PublicList(ctx, f.city.ID, directory.Venues, directory.Filter{Query: "清真寺 黄浦", District: "黄浦区"})
		if err != nil || pg.Total != 1 || pg.Entries[0].ID != b.ID {
			t.Errorf("search: %v %+v", err, pg)
		}
		pg, err = f.svc.PublicList(ctx, f.city.ID, directory.Venues, directory.Filter{Query: "100%_"})
		if err != nil || pg.Total != 0 {
			t.Errorf("LIKE metacharacters: %v %+v", err, pg)
		}
		if _, err := f.svc.PublicList(ctx, f.city.ID, directory.Clergy, directory.Filter{}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("public clergy list: %v", err)
		}
	})
}

func cloneV(v directory.Values) directory.Values {
	out := directory.Values{}
	for k, x := range v {
		out[k] = x
	}
	return out
}

func TestNoticesTakeEffectByDate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		e, err := f.svc.Create(ctx, f.cityEd, directory.Venues, directory.Input{Values: venue("某清真寺", "V-1", "普陀区")})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			in    directory.NoticeInput
			field string
		}{
			{directory.NoticeInput{Kind: "closure", StartsOn: "2026-05-05", Text: "x"}, "starts_on"},
			{directory.NoticeInput{Kind: "closure", StartsOn: "2026-05-10", EndsOn: "2026-05-09", Text: "x"}, "ends_on"},
			{directory.NoticeInput{Kind: "party", StartsOn: "2026-05-10", Text: "x"}, "notice_kind"},
			{directory.NoticeInput{Kind: "closure", StartsOn: "2026-05-10", Text: ""}, "text"},
			{directory.NoticeInput{Kind: "closure", StartsOn: "2026-05-10", Text: "请联系 13912345678"}, "text"},
			{directory.NoticeInput{Kind: "closure", StartsOn: "明天", Text: "x"}, "starts_on"},
		} {
			if _, err := f.svc.AddNotice(ctx, f.cityEd, e.ID, tc.in); fieldsOf(t, err)[tc.field] == "" {
				t.Errorf("%+v: %v", tc.in, err)
			}
		}
		if _, err := f.svc.AddNotice(ctx, f.distEd, e.ID, directory.NoticeInput{Kind: "closure", StartsOn: "2026-05-10", Text: "x"}); err == nil {
			t.Error("another agency adds a notice")
		}
		n, err := f.svc.AddNotice(ctx, f.cityEd, e.ID, directory.NoticeInput{Kind: "closure", StartsOn: "2026-05-10", EndsOn: "2026-05-12", Text: "疫情防控期间暂停开放"})
		if err != nil {
			t.Fatal(err)
		}
		state := func(day string) (string, int) {
			f.clock.set(day + "T08:00")
			x, err := f.svc.PublicEntry(ctx, f.city.ID, directory.Venues, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			return x.StatusLabel(), len(x.Notices)
		}
		for day, want := range map[string]string{"2026-05-09": "已登记", "2026-05-10": "暂停开放", "2026-05-12": "暂停开放", "2026-05-13": "已登记"} {
			if got, notices := state(day); got != want || (want == "暂停开放") != (notices == 1) {
				t.Errorf("%s: %s with %d notices, want %s", day, got, notices, want)
			}
		}
		f.clock.set("2026-05-11T08:00")
		if err := f.svc.WithdrawNotice(ctx, f.cityEd, e.ID, n.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := state("2026-05-11"); got != "已登记" {
			t.Errorf("withdrawn notice still closes the venue: %s", got)
		}
		if err := f.svc.WithdrawNotice(ctx, f.cityEd, e.ID, n.ID); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("withdraw twice: %v", err)
		}
		ups, _ := f.svc.RecentUpdates(ctx, f.city.ID, 10)
		if len(ups) < 2 || ups[0].Action != "开放变动通知" || !strings.Contains(ups[0].Fields[0], "暂停开放") {
			t.Errorf("notice not in recent updates: %+v", ups)
		}
	})
}

// importFile is an XLSX file of rows under the venue header.
func importFile(t *testing.T, header []string, rows [][]string) []byte {
	t.Helper()
	x := excelize.NewFile()
	for i, h := range header {
		c, _ := excelize.CoordinatesToCellName(i+1, 1)
		x.SetCellValue("Sheet1", c, h)
	}
	for r, row := range rows {
		for i, v := range row {
			c, _ := excelize.CoordinatesToCellName(i+1, r+2)
			x.SetCellValue("Sheet1", c, v)
		}
	}
	var b bytes.Buffer
	if err := x.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func count(t *testing.T, d *db.DB, k directory.Kind) int {
	var n int
	if err := d.R.QueryRow(`SELECT COUNT(*) FROM directory_entries WHERE kind = $1`, string(k)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportAllOrNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		header := f.svc.ImportColumns(directory.Venues)
		religions := []string{"佛教", "道教", "伊斯兰教", "天主教", "基督教"}
		var rows [][]string
		for i := 0; i < 500; i++ {
			rows = append(rows, []string{religions[i%5], fmt.Sprintf("场所%03d", i), "寺观教堂", fmt.Sprintf("X-%04d", i), "黄浦区",
				fmt.Sprintf("某路%d号", i), "某负责人", "每日开放", "", "已登记", "", "宗教工作一处", "2026-04-01"})
		}
		bad := map[int]string{ // line in the sheet → the problem's words
			12:  "教别应为以下之一",
			101: "请填写场所名称",
			202: "核实日期应为日期",
			303: "编号与第 2 行重复",
			404: "不能是个人手机号",
			450: "不是本单位的处室",
		}
		rows[10][0] = "萨满教"
		rows[99][1] = ""
		rows[200][12] = "去年"
		rows[301][3] = "x-0000"
		rows[402][8] = "13912345678"
		rows[448][11] = "不存在的处"
		file := importFile(t, header, rows)
		_, err := f.svc.Import(ctx, f.cityEd, directory.Venues, "venues.xlsx", bytes.NewReader(file))
		var ie *directory.ImportError
		if !errors.As(err, &ie) {
			t.Fatalf("want ImportError, got %v", err)
		}
		if len(ie.Rows) != len(bad) {
			t.Fatalf("bad rows: %+v", ie.Rows)
		}
		for _, r := range ie.Rows {
			if !strings.Contains(r.Message, bad[r.Line]) {
				t.Errorf("line %d: %q, want %q", r.Line, r.Message, bad[r.Line])
			}
		}
		if n := count(t, d, directory.Venues); n != 0 {
			t.Fatalf("%d entries imported from a refused file", n)
		}
		// Fixed, the file imports; again, nothing changes; a changed row
		// updates one entry.
		rows[10][0], rows[99][1], rows[200][12], rows[301][3], rows[402][8], rows[448][11] = "佛教", "场所099", "2026-04-01", "X-0301", "", ""
		res, err := f.svc.Import(ctx, f.cityEd, directory.Venues, "venues.xlsx", bytes.NewReader(importFile(t, header, rows)))
		if err != nil || res.Created != 500 {
			t.Fatalf("import: %+v %v", res, err)
		}
		res, err = f.svc.Import(ctx, f.cityEd, directory.Venues, "venues.xlsx", bytes.NewReader(importFile(t, header, rows)))
		if err != nil || res.Unchanged != 500 || res.Created != 0 || res.Updated != 0 {
			t.Fatalf("re-import: %+v %v", res, err)
		}
		var hist int
		d.R.QueryRow(`SELECT COUNT(*) FROM directory_changes`).Scan(&hist)
		if hist != 500 {
			t.Errorf("re-import wrote history: %d rows", hist)
		}
		rows[7][7] = "暂停开放至另行通知"
		res, err = f.svc.Import(ctx, f.cityEd, directory.Venues, "venues.xlsx", bytes.NewReader(importFile(t, header, rows[:20])))
		if err != nil || res.Updated != 1 || res.Unchanged != 19 {
			t.Fatalf("changed import: %+v %v", res, err)
		}
		// Another agency cannot take over the city's numbers.
		_, err = f.svc.Import(ctx, f.distEd, directory.Venues, "venues.xlsx", bytes.NewReader(importFile(t, header[:11], [][]string{rows[0][:11]})))
		if !errors.As(err, &ie) || len(ie.Rows) != 1 || !strings.Contains(ie.Rows[0].Message, "市民族宗教局维护") {
			t.Errorf("takeover: %v", err)
		}
		// Layout errors.
		for name, tc := range map[string]struct {
			file []byte
			want string
		}{
			"x.txt":            {[]byte("hello"), "XLSX 或 CSV"},
			"../../etc/x.xlsx": {[]byte("not a zip"), "无法读取 XLSX"},
			"empty.csv":        {nil, "空的"},
			"noheader.csv":     {[]byte("a,b\n1,2\n"), "找不到表头"},
			"missing.csv":      {[]byte("登记证号,场所名称\nA-1,某寺\n"), "缺少必填列"},
			"dup.csv":          {[]byte("登记证号,登记证号\nA-1,A-2\n"), "不止一次"},
			"onlyheader.csv":   {[]byte(strings.Join(header, ",") + "\n"), "没有数据行"},
		} {
			_, err := f.svc.Import(ctx, f.cityEd, directory.Venues, name, bytes.NewReader(tc.file))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %v, want %q", name, err, tc.want)
			}
		}
		if _, err := f.svc.Import(ctx, f.cityEd, directory.Venues, "big.csv", bytes.NewReader(make([]byte, directory.MaxImportBytes+1))); !apperr.Is(err, apperr.TooLarge) {
			t.Errorf("oversized: %v", err)
		}
	})
}

func TestImportCSVAndExportRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		csv := "标志牌编号,单位名称,类别,所在区,地址,发证部门,基本供应点,标志牌状态\n沪清真-1,伊兰清真餐厅,饮食,黄浦区,福佑路1号,黄浦区民宗办,是,有效\n沪清真-2,天山食品,食品,浦东新区,康桥路2号,浦东新区民宗办,否,已交回\n"
		gbk, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(csv))
		if err != nil {
			t.Fatal(err)
		}
		res, err := f.svc.Import(ctx, f.cityEd, directory.Outlets, "outlets.csv", bytes.NewReader(gbk))
		if err != nil || res.Created != 2 {
			t.Fatalf("GB18030 CSV: %+v %v", res, err)
		}
		e, err := f.svc.CheckSign(ctx, f.city.ID, "沪清真-1")
		if err != nil || e.Name != "伊兰清真餐厅" || e.Values["supply_point"] != "1" || e.StatusLabel() != "有效" {
			t.Fatalf("sign check: %v %+v", err, e)
		}
		if _, err := f.svc.CheckSign(ctx, f.city.ID, "沪清真-9"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("unknown sign: %v", err)
		}
		if _, err := f.svc.CheckSign(ctx, f.other.ID, "沪清真-1"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency's sign: %v", err)
		}
		var out bytes.Buffer
		if err := f.svc.Export(ctx, f.cityEd, directory.Outlets, directory.Filter{}, "csv", &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "伊兰清真餐厅") || !strings.Contains(out.String(), "已交回") {
			t.Fatalf("export: %s", out.String())
		}
		res, err = f.svc.Import(ctx, f.cityEd, directory.Outlets, "export.csv", bytes.NewReader(out.Bytes()))
		if err != nil || res.Unchanged != 2 {
			t.Errorf("re-import of the export: %+v %v", res, err)
		}
		out.Reset()
		if err := f.svc.Export(ctx, f.cityEd, directory.Outlets, directory.Filter{}, "xlsx", &out); err != nil {
			t.Fatal(err)
		}
		res, err = f.svc.Import(ctx, f.cityEd, directory.Outlets, "export.xlsx", bytes.NewReader(out.Bytes()))
		if err != nil || res.Unchanged != 2 {
			t.Errorf("re-import of the XLSX export (title row first): %+v %v", res, err)
		}
	})
}

func clergyValues(name, religious, number, status string) directory.Values {
	return directory.Values{"name": name, "religious_name": religious, "religion": "佛教", "number": number, "venue": "玉佛禅寺",
		"filed_on": "2020-01-01", "status": status, "note": "内部：身份证 310101199001011234"}
}

func TestClergyVerification(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		admin := &auth.Principal{AgencyID: f.district.ID, Roles: auth.Roles{auth.AgencyAdmin}, State: auth.StateActive}
		e, err := f.svc.Create(ctx, admin, directory.Clergy, directory.Input{Values: clergyValues("张明远", "释明远", "FJ-0001", "filed")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Create(ctx, admin, directory.Clergy, directory.Input{Values: clergyValues("李四", "", "FJ-0002", "cancelled")}); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4)))
		if err := f.svc.SetPhoto(ctx, admin, e.ID, directory.Upload{Name: "p.png", Reader: &buf}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetPhoto(ctx, admin, e.ID, directory.Upload{Name: "p.png", Reader: strings.NewReader("not an image at all")}); fieldsOf(t, err)["photo"] == "" {
			t.Error("text accepted as a photo")
		}
		if err := f.svc.SetPhoto(ctx, admin, e.ID, directory.Upload{Name: "../p.png", Reader: strings.NewReader("x")}); fieldsOf(t, err)["photo"] == "" {
			t.Error("path in a file name accepted")
		}
		ask := func(ip, name, number string) (*directory.VerifyResult, error) {
			return f.svc.VerifyClergy(ctx, f.city.ID, directory.VerifyQuery{Name: name, Number: number, IP: ip})
		}
		res, err := ask("1.1.1.1", " 张 明远 ", "fj-0001")
		if err != nil || res.Entry == nil || res.Entry.ID != e.ID || res.PhotoToken == "" {
			t.Fatalf("match: %v %+v", err, res)
		}
		if res, _ := ask("1.1.1.1", "释明远", "FJ-0001"); res.Entry == nil {
			t.Error("religious name does not match")
		}
		if res, _ := ask("1.1.1.1", "李四", "FJ-0002"); res.Entry == nil || res.Entry.StatusLabel() != "注销" {
			t.Error("a cancelled filing is not shown as cancelled")
		}
		// The photo is reachable for a while through the token only.
		if _, rc, err := f.svc.PublicPhoto(ctx, res.PhotoToken); err != nil {
			t.Errorf("photo: %v", err)
		} else {
			rc.Close()
		}
		if _, _, err := f.svc.PublicPhoto(ctx, res.PhotoToken+"x"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("forged token: %v", err)
		}
		// A wrong name and an unknown number give the same answer; the
		// other agency's pages do not see the district's filings.
		for _, q := range [][2]string{{"王五", "FJ-0001"}, {"张明远", "FJ-9999"}} {
			if res, err := ask("2.2.2.2", q[0], q[1]); err != nil || res.Entry != nil {
				t.Errorf("%v: %v %+v", q, err, res)
			}
		}
		if res, _ := f.svc.VerifyClergy(ctx, f.other.ID, directory.VerifyQuery{Name: "张明远", Number: "FJ-0001", IP: "3.3.3.3"}); res.Entry != nil {
			t.Error("an unrelated agency verifies the district's filing")
		}
		if _, err := ask("4.4.4.4", "", "'; DROP TABLE x; --"); fieldsOf(t, err)["number"] == "" {
			t.Error("malformed number accepted")
		}
		// Enumeration: from one address, three misses bring the challenge,
		// and the hourly limit a refusal with the wait.
		ip := "5.5.5.5"
		limited := 0
		for i := 1; i <= 30; i++ {
			if i == 4 && !f.svc.NeedsChallenge(ctx, ip) {
				t.Error("no challenge after three misses")
			}
			_, err := ask(ip, "张明远", fmt.Sprintf("FJ-%04d", 100+i))
			var le *directory.LimitedError
			if errors.As(err, &le) {
				limited++
				if i <= directory.VerifyLimit.Max || le.Wait <= 0 || !apperr.Is(err, apperr.RateLimited) {
					t.Errorf("query %d limited with wait %v", i, le.Wait)
				}
			} else if err != nil {
				t.Fatal(err)
			}
		}
		if limited != 30-directory.VerifyLimit.Max {
			t.Errorf("%d queries refused, want %d", limited, 30-directory.VerifyLimit.Max)
		}
		var logged, refused int
		d.R.QueryRow(`SELECT COUNT(*) FROM clergy_queries WHERE ip = $1`, ip).Scan(&logged)
		d.R.QueryRow(`SELECT COUNT(*) FROM clergy_queries WHERE ip = $1 AND outcome = 'limited'`, ip).Scan(&refused)
		if logged != 30 || refused != limited {
			t.Errorf("logged %d (%d refused)", logged, refused)
		}
		// An hour later the address may ask again; the token has expired.
		f.clock.set("2026-05-06T11:30")
		if res, err := ask(ip, "张明远", "FJ-0001"); err != nil || res.Entry == nil {
			t.Errorf("after the window: %v", err)
		}
		if _, _, err := f.svc.PublicPhoto(ctx, res.PhotoToken); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("expired token: %v", err)
		}
		cityAdmin := &auth.Principal{UserID: 8, AgencyID: f.city.ID, Roles: auth.Roles{auth.AgencyAdmin}, State: auth.StateActive}
		log, total, err := f.svc.QueryLog(ctx, cityAdmin, directory.OutcomeMatch, 1)
		if err != nil || total != 4 || len(log) != 4 || log[0].EntryID != e.ID {
			t.Errorf("query log: %d %v", total, err)
		}
		// A page number far past the end (from the URL) is an empty page,
		// not an overflowed, negative OFFSET.
		if log, total, err := f.svc.QueryLog(ctx, cityAdmin, directory.OutcomeMatch, math.MaxInt); err != nil || total != 4 || len(log) != 0 {
			t.Errorf("query log page MaxInt: %d rows of %d, %v", len(log), total, err)
		}
		if _, total, _ := f.svc.QueryLog(ctx, admin, "", 1); total != 0 {
			t.Errorf("the district sees %d queries made on the city's pages", total)
		}
		handler := &auth.Principal{UserID: 7, AgencyID: f.city.ID, Roles: auth.Roles{auth.Handler}, State: auth.StateActive}
		if _, _, err := f.svc.QueryLog(ctx, handler, "", 1); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a handler reads the log: %v", err)
		}
		// Reading a filing is audited.
		if _, err := f.svc.Entry(ctx, admin, directory.Clergy, e.ID); err != nil {
			t.Fatal(err)
		}
		var audited int
		d.R.QueryRow(`SELECT COUNT(*) FROM audit_entries WHERE action = 'directory.clergy.view'`).Scan(&audited)
		if audited != 1 {
			t.Errorf("clergy view audited %d times", audited)
		}
	})
}

func TestStalenessTodosAndPublicMasking(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		admin := &auth.Principal{UserID: 9, AgencyID: f.city.ID, Roles: auth.Roles{auth.AgencyAdmin}, State: auth.StateActive}
		if err := f.svc.SetSettings(ctx, admin, directory.Venues, f.division, "12"); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"0", "61", "abc", ""} {
			if err := f.svc.SetSettings(ctx, admin, directory.Venues, 0, bad); fieldsOf(t, err)["stale_months"] == "" {
				t.Errorf("months %q accepted", bad)
			}
		}
		if err := f.svc.SetSettings(ctx, admin, directory.Venues, 999999, "12"); fieldsOf(t, err)["division"] == "" {
			t.Error("unknown division accepted")
		}
		mk := func(name, number, verified, status string) *directory.Entry {
			v := venue(name, number, "普陀区")
			v["status"] = status
			v["opening"] = "每日开放，咨询 138-1234-5678"
			e, err := f.svc.Create(ctx, f.cityEd, directory.Venues, directory.Input{Values: v, VerifiedOn: verified})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		stale := mk("久未核实寺", "S-1", "2025-04-01", "registered")
		soon := mk("即将到期寺", "S-2", "2025-05-20", "registered")
		mk("刚核实寺", "S-3", "2026-05-01", "registered")
		mk("已注销寺", "S-4", "2024-01-01", "cancelled")
		items, err := f.svc.Todos(ctx, f.city.ID, civil.Of(f.clock.Now()))
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 2 {
			t.Fatalf("to-dos: %+v", items)
		}
		byTitle := map[string]bool{}
		for _, it := range items {
			byTitle[it.Title] = true
			if it.DivisionID != f.division || it.UserID != 42 || it.Perm != auth.ManageDirectories || !strings.HasPrefix(it.URL, "/console/directories/venues/") {
				t.Errorf("to-do routing: %+v", it)
			}
		}
		if !byTitle["久未核实寺（S-1）"] || !byTitle["即将到期寺（S-2）"] {
			t.Errorf("to-do titles: %v", byTitle)
		}
		list, _ := f.svc.List(ctx, f.cityEd, directory.Venues, directory.Filter{Stale: true})
		if list.Total != 1 || list.Entries[0].ID != stale.ID {
			t.Errorf("stale filter: %+v", list)
		}
		// Verifying clears it.
		if err := f.svc.MarkVerified(ctx, f.cityEd, directory.Venues, stale.ID, "电话核实"); err != nil {
			t.Fatal(err)
		}
		items, _ = f.svc.Todos(ctx, f.city.ID, civil.Of(f.clock.Now()))
		if len(items) != 1 || items[0].Title != "即将到期寺（S-2）" {
			t.Errorf("after verifying: %+v", items)
		}
		_ = soon
		// A mobile number typed into free text never reaches the public.
		e, _ := f.svc.PublicEntry(ctx, f.city.ID, directory.Venues, stale.ID)
		for _, fv := range f.svc.PublicValues(e) {
			if strings.Contains(fv.Value, "1234-5678") || strings.Contains(fv.Value, "12345678") {
				t.Errorf("public %s: %q", fv.Label, fv.Value)
			}
			if fv.Key == "note" {
				t.Error("the note is public")
			}
		}
	})
}
