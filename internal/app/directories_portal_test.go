package app_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/app/browsertest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/directory"
)

func init() {
	const managers = "agency_admin editor" // auth.ManageDirectories, auth.ManageClergy
	part := map[string]string{
		"GET /o/{slug}/directories":                 public,
		"GET /o/{slug}/venues":                      public,
		"GET /o/{slug}/venues/{id}":                 public,
		"GET /o/{slug}/halal":                       public,
		"GET /o/{slug}/halal/check":                 public,
		"GET /o/{slug}/halal/{id}":                  public,
		"GET /o/{slug}/clergy":                      public,
		"POST /o/{slug}/clergy":                     public,
		"GET /o/{slug}/clergy/photo/{token}":        public,
		"GET /o/{slug}/directory-updates":           public,
		"GET /o/{slug}/directory-updates/feed.atom": public,
		"GET /api/v1/venues":                        public,
		"GET /api/v1/venues/{id}":                   public,
		"GET /api/v1/halal-outlets":                 public,
		"GET /api/v1/halal-outlets/check":           public,
		"GET /api/v1/halal-outlets/{id}":            public,
		"POST /api/v1/clergy/verify":                public,
		"GET /api/v1/directory-updates":             public,
	}
	for _, seg := range []string{"venues", "halal-outlets", "clergy"} {
		part["GET /api/v1/staff/"+seg] = managers
		part["POST /api/v1/staff/"+seg] = managers
		part["GET /api/v1/staff/"+seg+"/{id}"] = managers
		part["POST /api/v1/staff/"+seg+"/{id}"] = managers
	}
	matrixParts = append(matrixParts, part)
	pathFillers = append(pathFillers, func(e *apptest.Env, path string) string {
		if !strings.Contains(path, "{") {
			return ""
		}
		var k directory.Kind
		switch {
		case strings.HasPrefix(path, "/o/{slug}/venues/"), strings.HasPrefix(path, "/api/v1/venues/"), strings.HasPrefix(path, "/api/v1/staff/venues/"):
			k = directory.Venues
		case strings.HasPrefix(path, "/o/{slug}/halal/"), strings.HasPrefix(path, "/api/v1/halal-outlets/"), strings.HasPrefix(path, "/api/v1/staff/halal-outlets/"):
			k = directory.Outlets
		case strings.HasPrefix(path, "/api/v1/staff/clergy/"):
			k = directory.Clergy
		case strings.HasPrefix(path, "/o/{slug}/clergy/photo/"):
			return "/o/mzzj/clergy/photo/not-a-token"
		default:
			return ""
		}
		return strings.NewReplacer("{slug}", "mzzj", "{id}", fmt.Sprint(dirEntryOf(e, "mzzj", k))).Replace(path)
	})
}

// dirStaff is a principal that manages every directory of an agency.
func dirStaff(e *apptest.Env, slug string) *auth.Principal {
	a := e.Agency(slug)
	return &auth.Principal{Username: "test." + slug, DisplayName: "名录测试", AgencyID: a.ID, Roles: auth.Roles{auth.AgencyAdmin}, State: auth.StateActive}
}

// dirEntryOf is an entry of a kind an agency maintains, made when there
// is none.
func dirEntryOf(e *apptest.Env, slug string, k directory.Kind) int64 {
	var id int64
	a := e.Agency(slug)
	e.App.DB.R.QueryRow(`SELECT id FROM directory_entries WHERE agency_id = $1 AND kind = $2 ORDER BY id LIMIT 1`, a.ID, string(k)).Scan(&id)
	if id != 0 {
		return id
	}
	vals := map[directory.Kind]directory.Values{
		directory.Venues: dirVenue("矩阵测试寺", "佛教", "黄浦区", "寺观教堂", "MATRIX-V1", "每日 8:00—16:00", directory.VenueRegistered),
		directory.Outlets: {"name": "矩阵测试清真餐厅", "category": "饮食", "number": "MATRIX-O1", "district": "黄浦区", "address": "测试路2号",
			"issuer": "黄浦区民族和宗教事务办公室", "status": directory.OutletValid},
		directory.Clergy: {"name": "矩阵测试", "religion": "佛教", "number": "MATRIX-C1", "venue": "矩阵测试寺", "filed_on": "2020-01-01", "status": directory.ClergyFiled},
	}[k]
	en, err := e.App.Directories.Create(context.Background(), dirStaff(e, slug), k, directory.Input{Values: vals})
	if err != nil {
		e.T.Fatal(err)
	}
	return en.ID
}

// dirVenue is the values of a venue; its staff-only note holds a mobile
// number that must never show publicly.
func dirVenue(name, religion, district, kind, number, opening, status string) directory.Values {
	return directory.Values{"religion": religion, "name": name, "venue_type": kind, "number": number, "district": district,
		"address": "上海市" + district + "测试路1号", "leader": "测试负责人", "opening": opening, "phone": "021-63210000", "status": status,
		"note": "内部备注：负责人手机 13800001111"}
}

// Test data of the directory tests, made through the service.
const (
	fxHuangpuMosque = "测试小东门清真寺"
	fxPudongMosque  = "测试川沙清真寺"
	fxTemple        = "测试永福禅寺"
	fxCancelled     = "测试已撤销礼拜点"
	fxMobileVenue   = "测试电话清真寺"
	fxMobile        = "13912345678"
	fxNoteMobile    = "13800001111"
	fxOutletValid   = "测试清真拉面馆"
	fxOutletBack    = "测试清真糕点店"
	fxSignValid     = "TEST-HALAL-001"
	fxSignBack      = "TEST-HALAL-002"
	fxCleric        = "测试张明"
	fxClericName    = "释测明"
	fxClericNumber  = "FJTEST0001"
	fxClericNote    = "内部：家住测试路99号"
	fxClericGone    = "测试李静"
	fxClericGoneNo  = "FJTEST0002"
	fxClericVenue   = "测试永福禅寺"
)

type dirFixture struct {
	huangpuMosque, pudongMosque, temple, cancelled, mobile *directory.Entry
	outletValid, outletBack                                *directory.Entry
	cleric, clericGone                                     *directory.Entry
}

// seedDirectories adds venues (one in 黄浦 by the city bureau, one in 浦东
// by the 浦东 office, a cancelled one, one whose opening text carries a
// mobile number), two outlets (one sign returned) and two clergy (one
// cancelled).
func seedDirectories(t *testing.T, e *apptest.Env) dirFixture {
	t.Helper()
	ctx := context.Background()
	s := e.App.Directories
	city, pudong := dirStaff(e, "mzzj"), dirStaff(e, "pudong-mzb")
	create := func(p *auth.Principal, k directory.Kind, v directory.Values) *directory.Entry {
		t.Helper()
		en, err := s.Create(ctx, p, k, directory.Input{Values: v})
		if err != nil {
			t.Fatalf("create %s: %v", v["name"], err)
		}
		return en
	}
	var f dirFixture
	f.huangpuMosque = create(city, directory.Venues, dirVenue(fxHuangpuMosque, "伊斯兰教", "黄浦区", "寺观教堂", "TEST-V-001", "每日五次礼拜", directory.VenueRegistered))
	f.pudongMosque = create(pudong, directory.Venues, dirVenue(fxPudongMosque, "伊斯兰教", "浦东新区", "寺观教堂", "TEST-V-002", "主麻日聚礼", directory.VenueRegistered))
	f.temple = create(city, directory.Venues, dirVenue(fxTemple, "佛教", "黄浦区", "其他固定处所", "TEST-V-003", "每日 7:00—16:00", directory.VenueRegistered))
	f.cancelled = create(city, directory.Venues, dirVenue(fxCancelled, "基督教", "黄浦区", "其他固定处所", "TEST-V-004", "", directory.VenueCancelled))
	f.mobile = create(city, directory.Venues, dirVenue(fxMobileVenue, "伊斯兰教", "徐汇区", "寺观教堂", "TEST-V-005", "参观预约请致电 "+fxMobile, directory.VenueRegistered))
	f.outletValid = create(city, directory.Outlets, directory.Values{"name": fxOutletValid, "category": "饮食", "number": fxSignValid, "district": "黄浦区",
		"address": "上海市黄浦区测试路8号", "issuer": "黄浦区民族和宗教事务办公室", "supply_point": "1", "status": directory.OutletValid, "note": "店主手机 " + fxNoteMobile})
	f.outletBack = create(city, directory.Outlets, directory.Values{"name": fxOutletBack, "category": "食品", "number": fxSignBack, "district": "黄浦区",
		"address": "上海市黄浦区测试路9号", "issuer": "黄浦区民族和宗教事务办公室", "status": directory.OutletReturned})
	f.cleric = create(city, directory.Clergy, directory.Values{"name": fxCleric, "religious_name": fxClericName, "religion": "佛教", "number": fxClericNumber,
		"venue": fxClericVenue, "filed_on": "2020-01-15", "status": directory.ClergyFiled, "note": fxClericNote})
	f.clericGone = create(city, directory.Clergy, directory.Values{"name": fxClericGone, "religion": "佛教", "number": fxClericGoneNo,
		"venue": fxClericVenue, "filed_on": "2015-06-01", "status": directory.ClergyCancelled})
	return f
}

var dirRowRE = regexp.MustCompile(`(?s)<li>\s*<h2><a href="(/o/[^"]+)">([^<]+)</a>.*?</h2>\s*<p>([^ <]+) · ([^ <]+)`)

// dirRows are the (url, name, class, district) of a public list's rows.
func dirRows(body string) [][]string {
	var out [][]string
	for _, m := range dirRowRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1:])
	}
	return out
}

func hasRow(rows [][]string, name string) bool {
	for _, r := range rows {
		if r[1] == name {
			return true
		}
	}
	return false
}

// TestDirectoriesPortalHTTP: the landing page; the venue search refuses a
// one-character query beside the field and filters by text, district,
// religion and type; hostile queries are escaped and answered; the detail
// page shows the notices in force (not the scheduled or ended ones) and
// the status they imply, a cancelled venue reads 已注销; no page shows a
// mobile number or the staff-only note; the outlet directory filters and
// checks sign numbers; the recent updates and their feed list the
// changes and never the clergy; a district office's section shows only
// its own entries.
func TestDirectoriesPortalHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		f := seedDirectories(t, e)
		pub := e.Client()
		venueURL := func(en *directory.Entry) string { return "/o/mzzj/venues/" + strconv.FormatInt(en.ID, 10) }

		r := pub.Get("/o/mzzj/directories")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `href="/o/mzzj/venues"`) || !strings.Contains(r.Body, `href="/o/mzzj/halal"`) ||
			!strings.Contains(r.Body, `href="/o/mzzj/clergy"`) || !strings.Contains(r.Body, `href="/o/mzzj/halal/check"`) ||
			!strings.Contains(r.Body, fxOutletBack) || !strings.Contains(r.Body, `href="/o/mzzj/directory-updates"`) {
			t.Fatalf("landing: %d\n%s", r.StatusCode, excerpt(r.Body, "<h1"))
		}

		// Search: two characters at least, the message beside the field.
		r = pub.Get("/o/mzzj/venues?q=" + url.QueryEscape("寺"))
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-q-error"`) || !strings.Contains(r.Body, "请输入至少 2 个字再搜索") ||
			!strings.Contains(r.Body, `aria-invalid="true"`) || !strings.Contains(r.Body, "form-errors") {
			t.Errorf("one-character search: %d\n%s", r.StatusCode, excerpt(r.Body, "f-q"))
		}
		r = pub.Get("/o/mzzj/venues?q=" + url.QueryEscape("清真寺") + "&district=" + url.QueryEscape("黄浦区"))
		rows := dirRows(r.Body)
		if r.StatusCode != http.StatusOK || !hasRow(rows, fxHuangpuMosque) || hasRow(rows, fxPudongMosque) || hasRow(rows, fxTemple) {
			t.Errorf("search 清真寺 in 黄浦区: %d %v", r.StatusCode, rows)
		}
		for _, row := range rows {
			if row[3] != "黄浦区" || !strings.Contains(row[1], "清真寺") || row[2] != "伊斯兰教" {
				t.Errorf("search 清真寺 in 黄浦区 lists %v", row)
			}
		}
		// The city bureau's directory holds the district offices' entries;
		// a district office's holds only its own.
		r = pub.Get("/o/mzzj/venues?q=" + url.QueryEscape("清真寺"))
		if rows := dirRows(r.Body); !hasRow(rows, fxHuangpuMosque) || !hasRow(rows, fxPudongMosque) {
			t.Errorf("city search: %v", rows)
		}
		r = pub.Get("/o/pudong-mzb/venues?q=" + url.QueryEscape("清真寺"))
		if rows := dirRows(r.Body); !hasRow(rows, fxPudongMosque) || hasRow(rows, fxHuangpuMosque) {
			t.Errorf("浦东 search: %v", rows)
		}
		if r := pub.Get("/o/pudong-mzb/venues/" + strconv.FormatInt(f.huangpuMosque.ID, 10)); r.StatusCode != http.StatusNotFound {
			t.Errorf("a city entry under 浦东: %d", r.StatusCode)
		}
		r = pub.Get("/o/mzzj/venues?religion=" + url.QueryEscape("佛教") + "&type=" + url.QueryEscape("其他固定处所") + "&district=" + url.QueryEscape("黄浦区"))
		if rows := dirRows(r.Body); !hasRow(rows, fxTemple) || hasRow(rows, fxHuangpuMosque) {
			t.Errorf("religion and type filters: %v", rows)
		}
		for _, row := range dirRows(r.Body) {
			if row[2] != "佛教" {
				t.Errorf("religion filter lists %v", row)
			}
		}
		// Hostile input: escaped, answered, never a 500.
		for _, q := range []string{"<script>alert(1)</script>", "' OR 1=1 --", `"; DROP TABLE directory_entries; --`, "%_\\", "../../etc/passwd"} {
			r := pub.Get("/o/mzzj/venues?q=" + url.QueryEscape(q))
			if r.StatusCode != http.StatusOK || strings.Contains(r.Body, "<script>alert(1)") || len(dirRows(r.Body)) != 0 || !strings.Contains(r.Body, "符合条件的场所 0 个") {
				t.Errorf("query %q: %d %v", q, r.StatusCode, dirRows(r.Body))
			}
		}
		for _, q := range []url.Values{{"religion": {"<script>x</script>"}}, {"district": {"火星区"}}, {"type": {"x"}}, {"page": {"abc"}}, {"page": {"-1"}},
			{"q": {strings.Repeat("寺", 60)}}, {"status": {"' OR 1=1 --"}}} {
			r := pub.Get("/o/mzzj/venues?" + q.Encode())
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `class="field-error"`) || strings.Contains(r.Body, "<script>x") {
				t.Errorf("bad filter %s: %d", q, r.StatusCode)
			}
		}
		if r := pub.Get("/o/mzzj/venues?q=" + url.QueryEscape("清真\x01寺")); r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("a control character in the query: %d", r.StatusCode)
		}

		// Notices: in force shows, scheduled does not; an ended one goes.
		today := e.App.Directories.Today()
		city := dirStaff(e, "mzzj")
		add := func(from, to int, kind directory.NoticeKind, text string) {
			t.Helper()
			if _, err := e.App.Directories.AddNotice(ctx, city, f.huangpuMosque.ID, directory.NoticeInput{Kind: string(kind),
				StartsOn: today.AddDays(from).String(), EndsOn: today.AddDays(to).String(), Text: text}); err != nil {
				t.Fatal(err)
			}
		}
		add(0, 5, directory.ClosureNotice, "因寺内修缮暂停开放甲")
		add(10, 12, directory.HoursNotice, "节日期间开放时间调整乙")
		add(0, 1, directory.HoursNotice, "短期调整开放时间丙")
		r = pub.Get(venueURL(f.huangpuMosque))
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "开放变动通知") || !strings.Contains(r.Body, "因寺内修缮暂停开放甲") ||
			!strings.Contains(r.Body, "短期调整开放时间丙") || strings.Contains(r.Body, "节日期间开放时间调整乙") || !strings.Contains(r.Body, "暂停开放") {
			t.Errorf("venue notices today: %d\n%s", r.StatusCode, excerpt(r.Body, "<h1"))
		}
		e.Clock.Advance(3 * 24 * time.Hour)
		r = pub.Get(venueURL(f.huangpuMosque))
		if !strings.Contains(r.Body, "因寺内修缮暂停开放甲") || strings.Contains(r.Body, "短期调整开放时间丙") || strings.Contains(r.Body, "节日期间开放时间调整乙") {
			t.Errorf("venue notices three days on:\n%s", excerpt(r.Body, "开放变动通知"))
		}
		if !strings.Contains(r.Body, "信息核实日期") || !strings.Contains(r.Body, "上海市民族和宗教事务局") || !strings.Contains(r.Body, "每日五次礼拜") ||
			!strings.Contains(r.Body, "TEST-V-001") || !strings.Contains(r.Body, `role="status"`) {
			t.Errorf("venue detail fields:\n%s", excerpt(r.Body, "facts"))
		}
		r = pub.Get("/o/mzzj/venues?q=" + url.QueryEscape(fxHuangpuMosque))
		if !strings.Contains(r.Body, `<span class="badge warn">暂停开放</span>`) {
			t.Errorf("the list does not show the closure:\n%s", excerpt(r.Body, "<table"))
		}
		e.Clock.Advance(8 * 24 * time.Hour) // the closure ended, the hours change started
		r = pub.Get(venueURL(f.huangpuMosque))
		if strings.Contains(r.Body, "因寺内修缮暂停开放甲") || !strings.Contains(r.Body, "节日期间开放时间调整乙") || !strings.Contains(r.Body, "已登记") {
			t.Errorf("venue notices a week on:\n%s", excerpt(r.Body, "<h1"))
		}
		r = pub.Get(venueURL(f.cancelled))
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "已注销") || !strings.Contains(r.Body, "登记已注销") {
			t.Errorf("cancelled venue: %d", r.StatusCode)
		}

		// No mobile number and no staff-only note on any public page.
		r = pub.Get(venueURL(f.mobile))
		if !strings.Contains(r.Body, "参观预约请致电 139****5678") {
			t.Errorf("the opening text is not shown masked:\n%s", excerpt(r.Body, "参观预约"))
		}
		pages := []string{venueURL(f.mobile), venueURL(f.huangpuMosque), "/o/mzzj/venues", "/o/mzzj/venues?q=" + url.QueryEscape(fxMobileVenue),
			"/o/mzzj/halal", "/o/mzzj/halal/" + strconv.FormatInt(f.outletValid.ID, 10), "/o/mzzj/halal/check?number=" + fxSignValid,
			"/o/mzzj/directories", "/o/mzzj/directory-updates", "/o/mzzj/directory-updates/feed.atom"}
		for _, p := range pages {
			r := pub.Get(p)
			if r.StatusCode != http.StatusOK {
				t.Errorf("%s: %d", p, r.StatusCode)
			}
			for _, secret := range []string{fxMobile, fxNoteMobile, "内部备注", "备注（仅内部可见）", fxCleric, fxClericName, fxClericNumber, fxClericGone} {
				if strings.Contains(r.Body, secret) {
					t.Errorf("%s shows %q", p, secret)
				}
			}
		}

		// Outlets: filters, detail and the sign check.
		r = pub.Get("/o/mzzj/halal?q=" + url.QueryEscape("测试清真") + "&category=" + url.QueryEscape("饮食") + "&supply=1")
		if rows := dirRows(r.Body); r.StatusCode != http.StatusOK || !hasRow(rows, fxOutletValid) || hasRow(rows, fxOutletBack) {
			t.Errorf("outlet filters: %d %v", r.StatusCode, rows)
		}
		r = pub.Get("/o/mzzj/halal?q=" + url.QueryEscape("测试清真") + "&status=returned")
		if rows := dirRows(r.Body); !hasRow(rows, fxOutletBack) || hasRow(rows, fxOutletValid) {
			t.Errorf("outlet status filter: %v", rows)
		}
		r = pub.Get("/o/mzzj/halal/" + strconv.FormatInt(f.outletBack.ID, 10))
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "清真标志牌已交回，目前无效") || !strings.Contains(r.Body, fxSignBack) {
			t.Errorf("returned outlet: %d", r.StatusCode)
		}
		r = pub.Get("/o/mzzj/halal/check?number=" + url.QueryEscape(strings.ToLower(fxSignValid)))
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "该标志牌目前有效") || !strings.Contains(r.Body, fxOutletValid) ||
			!strings.Contains(r.Body, "/o/mzzj/halal/"+strconv.FormatInt(f.outletValid.ID, 10)) {
			t.Errorf("sign check (valid): %d\n%s", r.StatusCode, excerpt(r.Body, "核验结果"))
		}
		r = pub.Get("/o/mzzj/halal/check?number=" + fxSignBack)
		if !strings.Contains(r.Body, "该标志牌已交回，目前无效") || strings.Contains(r.Body, "目前有效。") {
			t.Errorf("sign check (returned):\n%s", excerpt(r.Body, "核验结果"))
		}
		r = pub.Get("/o/mzzj/halal/check?number=TEST-NOPE-999")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "没有查到标志牌编号为“TEST-NOPE-999”的清真食品经营单位") {
			t.Errorf("sign check (unknown): %d", r.StatusCode)
		}
		for _, n := range []string{"", "<script>x</script>", "' OR 1=1 --", strings.Repeat("9", 60)} {
			r := pub.Get("/o/mzzj/halal/check?number=" + url.QueryEscape(n))
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-number-error"`) || strings.Contains(r.Body, "<script>x") {
				t.Errorf("sign check %q: %d", n, r.StatusCode)
			}
		}
		if r := pub.Get("/o/mzzj/halal/check"); r.StatusCode != http.StatusOK || strings.Contains(r.Body, "核验结果") {
			t.Errorf("sign check form: %d", r.StatusCode)
		}

		// Wrong addresses.
		for _, p := range []string{"/o/nobody/venues", "/o/mzzj/venues/abc", "/o/mzzj/venues/0", "/o/mzzj/venues/" + strconv.FormatInt(f.outletValid.ID, 10),
			"/o/mzzj/venues/" + strconv.FormatInt(f.cleric.ID, 10), "/o/mzzj/halal/" + strconv.FormatInt(f.cleric.ID, 10), "/o/mzzj/venues/99999999",
			"/o/mzzj/clergy/photo/abc", "/o/nobody/directory-updates/feed.atom"} {
			if r := pub.Get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", p, r.StatusCode)
			}
		}

		// Recent updates and their feed.
		r = pub.Get("/o/mzzj/directory-updates")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, fxOutletBack) || !strings.Contains(r.Body, fxPudongMosque) ||
			!strings.Contains(r.Body, "/o/mzzj/venues/"+strconv.FormatInt(f.pudongMosque.ID, 10)) || !strings.Contains(r.Body, "开放变动通知") ||
			!strings.Contains(r.Body, `href="/o/mzzj/directory-updates/feed.atom"`) || !strings.Contains(r.Body, "<caption>") {
			t.Errorf("recent updates: %d\n%s", r.StatusCode, excerpt(r.Body, "<table"))
		}
		feed := validAtom(t, "directory updates feed", pub.Get("/o/mzzj/directory-updates/feed.atom").Body)
		found := false
		for _, en := range feed.Entries {
			found = found || strings.Contains(en.Title, fxPudongMosque)
			if strings.Contains(en.Title, fxCleric) {
				t.Errorf("the feed lists a clergy record: %s", en.Title)
			}
		}
		if len(feed.Entries) == 0 || !found || !strings.HasPrefix(feed.ID, "http://gongkai.test/") {
			t.Errorf("feed: %d entries, id %s", len(feed.Entries), feed.ID)
		}
	})
}

// clergyPost submits the verification form with a token from the page.
func clergyPost(t *testing.T, c *apptest.Client, name, number string, extra url.Values) *apptest.Response {
	t.Helper()
	page := c.Get("/o/mzzj/clergy").Body
	m := tokenRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no form token on the verification page")
	}
	f := url.Values{"_ft": {m[1]}, "name": {name}, "number": {number}}
	for k, v := range extra {
		f[k] = v
	}
	if extra.Get("_ca") == "solve" {
		f.Set("_ca", solveChallenge(t, page))
		f.Set("_ct", challengeTokenRE.FindStringSubmatch(page)[1])
	}
	return c.PostForm("/o/mzzj/clergy", f)
}

var clergyResultRE = regexp.MustCompile(`(?s)<section class="card" aria-labelledby="h-result" id="result">.*?</section>`)

// TestClergyVerificationHTTP: the form explains itself and is never
// cached; a match shows the public fields only (not the filing date or
// the staff note), with the photo at a short-lived address; a cancelled
// filing reads 注销; a wrong name and an unknown number get the same
// answer; bad input is refused beside the fields.
func TestClergyVerificationHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		f := seedDirectories(t, e)
		if err := e.App.Directories.SetPhoto(ctx, dirStaff(e, "mzzj"), f.cleric.ID, directory.Upload{Name: "photo.png", Reader: bytes.NewReader(demoPNG(t))}); err != nil {
			t.Fatal(err)
		}
		pub := e.Client()
		r := pub.Get("/o/mzzj/clergy")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Header.Get("Cache-Control"), "no-store") || !strings.Contains(r.Body, "只核验") ||
			!strings.Contains(r.Body, "记录") || !strings.Contains(r.Body, `for="f-name"`) || !strings.Contains(r.Body, `for="f-number"`) ||
			strings.Contains(r.Body, "验证问题</legend>") {
			t.Fatalf("form: %d %q", r.StatusCode, r.Header.Get("Cache-Control"))
		}

		r = clergyPost(t, pub, fxCleric, strings.ToLower(fxClericNumber), nil)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Header.Get("Cache-Control"), "no-store") || !strings.Contains(r.Body, "是已备案的宗教教职人员") {
			t.Fatalf("match: %d\n%s", r.StatusCode, excerpt(r.Body, "核验结果"))
		}
		res := clergyResultRE.FindString(r.Body)
		for _, want := range []string{fxCleric, fxClericName, fxClericNumber, fxClericVenue, "佛教", "备案", `alt="` + fxCleric + `的照片"`} {
			if !strings.Contains(res, want) {
				t.Errorf("the match lacks %q:\n%s", want, res)
			}
		}
		for _, secret := range []string{"2020-01-15", "2020年1月15日", "备案日期", fxClericNote, "备注"} {
			if strings.Contains(r.Body, secret) {
				t.Errorf("the match shows %q", secret)
			}
		}
		photo := regexp.MustCompile(`src="(/o/mzzj/clergy/photo/[^"]+)"`).FindStringSubmatch(res)
		if photo == nil {
			t.Fatal("no photo address")
		}
		ph := pub.Get(photo[1])
		if ph.StatusCode != http.StatusOK || ph.Header.Get("Content-Type") != "image/png" || !strings.Contains(ph.Header.Get("Cache-Control"), "no-store") ||
			ph.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(ph.Body, "\x89PNG") {
			t.Errorf("photo: %d %v", ph.StatusCode, ph.Header)
		}
		tampered := photo[1][:len(photo[1])-2] + "AA"
		if strings.HasSuffix(photo[1], "AA") {
			tampered = photo[1][:len(photo[1])-2] + "BB"
		}
		if r := pub.Get(tampered); r.StatusCode != http.StatusNotFound {
			t.Errorf("tampered photo address: %d", r.StatusCode)
		}

		r = clergyPost(t, pub, fxClericGone, fxClericGoneNo, nil)
		if res := clergyResultRE.FindString(r.Body); r.StatusCode != http.StatusOK || !strings.Contains(res, "注销") || !strings.Contains(res, "目前不是备案的宗教教职人员") ||
			strings.Contains(res, "是已备案的宗教教职人员。") {
			t.Errorf("cancelled filing: %d\n%s", r.StatusCode, res)
		}
		// The religious name matches as well as the name.
		if r := clergyPost(t, pub, fxClericName, fxClericNumber, nil); !strings.Contains(r.Body, "是已备案的宗教教职人员") {
			t.Error("the religious name does not match")
		}

		// A wrong name and an unknown number: the same answer.
		wrongName := clergyPost(t, pub, "王某某", fxClericNumber, nil)
		unknown := clergyPost(t, pub, "王某某", "FJTEST9999", nil)
		a, b := clergyResultRE.FindString(wrongName.Body), clergyResultRE.FindString(unknown.Body)
		if wrongName.StatusCode != http.StatusOK || unknown.StatusCode != http.StatusOK || a == "" || a != b || !strings.Contains(a, "未查询到") ||
			strings.Contains(wrongName.Body, fxCleric) {
			t.Errorf("no match: %d %d\n%s\n%s", wrongName.StatusCode, unknown.StatusCode, a, b)
		}

		// Bad input beside the fields; hostile input escaped.
		r = clergyPost(t, pub, "", "", nil)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-name-error"`) || !strings.Contains(r.Body, `id="f-number-error"`) {
			t.Errorf("empty query: %d", r.StatusCode)
		}
		r = clergyPost(t, pub, "<script>alert(1)</script>", "' OR 1=1 --", nil)
		if r.StatusCode != http.StatusUnprocessableEntity || strings.Contains(r.Body, "<script>alert(1)") || !strings.Contains(r.Body, `id="f-number-error"`) {
			t.Errorf("hostile query: %d", r.StatusCode)
		}
		r = pub.PostForm("/o/mzzj/clergy", url.Values{"name": {fxCleric}, "number": {fxClericNumber}})
		if r.StatusCode != http.StatusBadRequest || strings.Contains(r.Body, fxClericVenue) {
			t.Errorf("without the form token: %d", r.StatusCode)
		}
		if r := pub.PostForm("/o/nobody/clergy", url.Values{}); r.StatusCode != http.StatusNotFound {
			t.Errorf("unknown agency: %d", r.StatusCode)
		}
	})
}

// TestClergyEnumerationHTTP: sequential certificate numbers from one
// address meet the challenge after three misses (the API refuses and
// sends to the form), then 429 with Retry-After once the hourly limit is
// used up; every query is logged; an hour later the address may ask
// again.
func TestClergyEnumerationHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		seedDirectories(t, e)
		count := func(outcome string) int {
			var n int
			q := `SELECT COUNT(*) FROM clergy_queries`
			args := []any{}
			if outcome != "" {
				q += ` WHERE outcome = $1`
				args = append(args, outcome)
			}
			if err := e.App.DB.R.QueryRow(q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count("")
		pub := e.Client()
		queries, verified := 0, 0
		number := func() string { return fmt.Sprintf("FJ3101%06d", 100+queries) }
		for i := 0; i < directory.ChallengeAfterMisses.Max; i++ {
			r := clergyPost(t, pub, "张某", number(), nil)
			queries++
			verified++
			if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "未查询到") {
				t.Fatalf("miss %d: %d", i+1, r.StatusCode)
			}
			if i < directory.ChallengeAfterMisses.Max-1 && strings.Contains(r.Body, "验证问题</legend>") {
				t.Fatalf("challenge after %d misses", i+1)
			}
		}
		if r := pub.Get("/o/mzzj/clergy"); !strings.Contains(r.Body, "验证问题</legend>") || !strings.Contains(r.Body, `name="_ct"`) {
			t.Fatal("no challenge after three misses")
		}
		// Without the answer: refused beside the challenge, and logged.
		r := clergyPost(t, pub, "张某", number(), nil)
		queries++
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, `id="f-_ca-error"`) || !strings.Contains(r.Body, "请回答验证问题") ||
			strings.Contains(r.Body, "未查询到") {
			t.Errorf("without the answer: %d\n%s", r.StatusCode, excerpt(r.Body, "验证问题"))
		}
		r = clergyPost(t, pub, "张某", number(), url.Values{"_ca": {"999"}, "_ct": {"forged"}})
		queries++
		if r.StatusCode != http.StatusBadRequest || strings.Contains(r.Body, "未查询到") {
			t.Errorf("a forged challenge: %d", r.StatusCode)
		}
		// The API cannot ask the question: 429, to the form, logged.
		api := e.Client()
		req := api.Request(http.MethodPost, "/api/v1/clergy/verify?agency=mzzj", strings.NewReader(`{"name":"张某","number":"`+number()+`"}`))
		req.Header.Set("Content-Type", "application/json")
		ar := api.Do(req)
		queries++
		if ar.StatusCode != http.StatusTooManyRequests || ar.Header.Get("Retry-After") == "" || !strings.Contains(ar.Header.Get("Content-Type"), "application/problem+json") ||
			!strings.Contains(ar.Body, "/o/mzzj/clergy") {
			t.Errorf("API with a challenge due: %d %s", ar.StatusCode, ar.Body)
		}
		// Answered challenges let the queries through, up to the hourly limit.
		var limited *apptest.Response
		for i := 0; i < directory.VerifyLimit.Max+5 && limited == nil; i++ {
			r := clergyPost(t, pub, "张某", number(), url.Values{"_ca": {"solve"}})
			queries++
			verified++
			switch r.StatusCode {
			case http.StatusOK:
				if !strings.Contains(r.Body, "未查询到") {
					t.Fatalf("query %d: no answer", verified)
				}
			case http.StatusTooManyRequests:
				limited = r
			default:
				t.Fatalf("query %d: %d\n%s", verified, r.StatusCode, excerpt(r.Body, "form-errors"))
			}
		}
		if limited == nil || verified != directory.VerifyLimit.Max+1 {
			t.Fatalf("no 429 after %d queries (limit %d)", verified, directory.VerifyLimit.Max)
		}
		wait, err := strconv.Atoi(limited.Header.Get("Retry-After"))
		if err != nil || wait < 1 || wait > 3600 || !strings.Contains(limited.Body, "查询过于频繁") || strings.Contains(limited.Body, `name="_ft"`) ||
			!strings.Contains(limited.Header.Get("Cache-Control"), "no-store") {
			t.Errorf("429: Retry-After %q\n%s", limited.Header.Get("Retry-After"), excerpt(limited.Body, "查询过于频繁"))
		}
		if got := count(""); got-before != queries {
			t.Errorf("logged %d queries, made %d", got-before, queries)
		}
		if n := count(directory.OutcomeChallenge); n != 3 {
			t.Errorf("%d refused challenges logged, want 3", n)
		}
		if n := count(directory.OutcomeLimited); n != 1 {
			t.Errorf("%d limited queries logged, want 1", n)
		}
		if n := count(directory.OutcomeNoMatch); n != directory.VerifyLimit.Max {
			t.Errorf("%d misses logged, want %d", n, directory.VerifyLimit.Max)
		}
		// An hour on, the windows have passed: no challenge, an answer.
		e.Clock.Advance(time.Duration(wait+1) * time.Second)
		e.Clock.Advance(time.Hour)
		r = clergyPost(t, pub, fxCleric, fxClericNumber, nil)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "是已备案的宗教教职人员") {
			t.Errorf("an hour later: %d", r.StatusCode)
		}
	})
}

// TestBrowserDirectoriesPortal: a citizen opens 便民查询, searches the
// venues, opens a venue closed by a notice, checks a halal sign and
// verifies a clergy member, then misses until the challenge shows. Each
// page passes the accessibility rules at 1280 and 375 px.
func TestBrowserDirectoriesPortal(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	f := seedDirectories(t, e)
	today := e.App.Directories.Today()
	if _, err := e.App.Directories.AddNotice(t.Context(), dirStaff(e, "mzzj"), f.huangpuMosque.ID, directory.NoticeInput{Kind: string(directory.ClosureNotice),
		StartsOn: today.String(), EndsOn: today.AddDays(5).String(), Text: "因寺内修缮暂停开放。"}); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t)
	open := func(path string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	open("/o/mzzj/directories")
	browserCheck(t, ctx, "directories landing", "portal-directories")
	open("/o/mzzj/venues")
	browsertest.Run(t, ctx, chromedp.SendKeys("#f-q", "清真寺"), chromedp.SetValue("#f-district", "黄浦区"))
	browsertest.ClickAndWait(t, ctx, `main form button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, fxHuangpuMosque) || strings.Contains(got, fxPudongMosque) || !strings.Contains(got, "暂停开放") {
		t.Errorf("venue search: %s", got)
	}
	browserCheck(t, ctx, "venue search", "portal-venues")
	browsertest.ClickAndWait(t, ctx, `main a[href="/o/mzzj/venues/`+strconv.FormatInt(f.huangpuMosque.ID, 10)+`"]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "开放变动通知") || !strings.Contains(got, "因寺内修缮暂停开放。") {
		t.Errorf("venue page: %s", got)
	}
	browserCheck(t, ctx, "venue page", "portal-venue")
	open("/o/mzzj/halal/check")
	browsertest.Run(t, ctx, chromedp.SendKeys("#f-number", strings.ToLower(fxSignBack)))
	browsertest.ClickAndWait(t, ctx, `main form button[type=submit]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "目前无效") {
		t.Errorf("sign check: %s", got)
	}
	browserCheck(t, ctx, "halal sign check", "portal-halal-check")
	verify := func(name, number string) string {
		t.Helper()
		open("/o/mzzj/clergy")
		browsertest.Run(t, ctx, chromedp.SendKeys("#f-name", name), chromedp.SendKeys("#f-number", number))
		browsertest.ClickAndWait(t, ctx, `main form button[type=submit]`)
		return browsertest.Text(t, ctx, "main")
	}
	if got := verify(fxCleric, fxClericNumber); !strings.Contains(got, "是已备案的宗教教职人员") || !strings.Contains(got, fxClericVenue) {
		t.Errorf("clergy match: %s", got)
	}
	browserCheck(t, ctx, "clergy match", "portal-clergy-match")
	for i := range 3 {
		if got := verify("张某", fmt.Sprintf("FJ31%04d", i)); !strings.Contains(got, "未查询到") {
			t.Errorf("clergy miss: %s", got)
		}
	}
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "验证问题") {
		t.Errorf("no challenge after three misses: %s", got)
	}
	browserCheck(t, ctx, "clergy challenge", "portal-clergy-challenge")
}
