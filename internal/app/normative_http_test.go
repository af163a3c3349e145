package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/disclosure"
)

// Who may use the library's routes.
func init() {
	const (
		viewers  = "agency_admin editor reviewer approver liaison" // auth.ViewItems
		managers = "agency_admin editor"                           // auth.ManageNormative
	)
	matrixParts = append(matrixParts, map[string]string{
		"GET /normative":                        public,
		"GET /o/{slug}/normative":               public,
		"GET /o/{slug}/normative/cleanups/{id}": public,

		"GET /console/normative":                                viewers,
		"GET /console/normative/new":                            managers,
		"POST /console/normative":                               managers,
		"GET /console/normative/settings":                       viewers,
		"POST /console/normative/settings":                      managers,
		"POST /console/normative/reminders/{rid}":               managers,
		"GET /console/normative/cleanups":                       viewers,
		"POST /console/normative/cleanups":                      managers,
		"GET /console/normative/cleanups/{cid}":                 viewers,
		"POST /console/normative/cleanups/{cid}/entries":        managers,
		"POST /console/normative/cleanups/{cid}/entries/{item}": managers,
		"POST /console/normative/cleanups/{cid}/publish":        managers,
		"GET /console/normative/documents/{id}":                 viewers,
		"GET /console/normative/documents/{id}/edit":            managers,
		"POST /console/normative/documents/{id}":                managers,
		"POST /console/normative/documents/{id}/status":         managers,
		"POST /console/normative/documents/{id}/filings":        managers,
	})
	pathFillers = append(pathFillers, func(e *apptest.Env, path string) string {
		if !strings.Contains(path, "/normative") {
			return ""
		}
		doc := normItem(e.T, e, demoHalalTitle)
		var cleanup int64
		e.App.DB.R.QueryRow("SELECT id FROM normative_cleanups ORDER BY id LIMIT 1").Scan(&cleanup)
		var reminder int64
		e.App.DB.R.QueryRow("SELECT id FROM normative_reminders ORDER BY id LIMIT 1").Scan(&reminder)
		return strings.NewReplacer("{slug}", "mzzj", "{id}", fmt.Sprint(doc), "{cid}", fmt.Sprint(cleanup), "{item}", fmt.Sprint(doc),
			"{rid}", fmt.Sprint(reminder)).Replace(strings.Replace(path, "/cleanups/{id}", "/cleanups/"+fmt.Sprint(cleanup), 1))
	})
}

// Demo documents (demo_normative.go).
const (
	demoHalalTitle    = "上海市清真食品管理实施办法"
	demoRepealedTitle = "上海市少数民族特需商品供应保障办法"
	demoRepealerTitle = "上海市少数民族特需商品供应服务办法"
	demoAmendedTitle  = "上海市民族和宗教事务局行政处罚裁量基准"
	demoAmenderTitle  = "关于修改《上海市民族和宗教事务局行政处罚裁量基准》的决定"
	demoPendingTitle  = "上海市宗教活动场所消防安全管理办法"
	demoEvaluateTitle = "上海市清真食品生产经营监督检查办法（暂行）"
	demoCleanedTitle  = "关于宗教活动场所开展募捐活动的若干规定"
	demoPudongExpired = "浦东新区少数民族困难群众帮扶办法（试行）"
	demoPudongValid   = "浦东新区清真食品经营场所管理实施细则"
	demoHuangpuValid  = "黄浦区民族团结进步示范单位创建管理办法"
)

func normItem(t testing.TB, e *apptest.Env, title string) int64 {
	t.Helper()
	var id int64
	if err := e.App.DB.R.QueryRow("SELECT item_id FROM normative_documents d JOIN items i ON i.id = d.item_id WHERE i.title = $1", title).Scan(&id); err != nil {
		t.Fatalf("normative document %s: %v", title, err)
	}
	return id
}

func itemPath(slug string, id int64) string {
	return "/o/" + slug + "/items/" + strconv.FormatInt(id, 10)
}

// TestNormativeDemoStatuses: the demo has at least 15 documents across the
// bureau and two districts, in every status.
func TestNormativeDemoStatuses(t *testing.T) {
	e := apptest.New(t, "sqlite")
	rows, err := e.App.DB.R.Query("SELECT a.slug, d.status, count(*) FROM normative_documents d JOIN agencies a ON a.id = d.agency_id GROUP BY a.slug, d.status")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	total, statuses, agencies := 0, map[string]bool{}, map[string]bool{}
	for rows.Next() {
		var slug, st string
		var n int
		rows.Scan(&slug, &st, &n)
		total += n
		statuses[st], agencies[slug] = true, true
	}
	if total < 15 || len(statuses) != 5 || !agencies["mzzj"] || !agencies["pudong-mzb"] || !agencies["huangpu-mzb"] {
		t.Errorf("%d documents, statuses %v, agencies %v", total, statuses, agencies)
	}
	var open int
	e.App.DB.R.QueryRow("SELECT count(*) FROM normative_reminders WHERE done_at IS NULL").Scan(&open)
	if open == 0 {
		t.Error("no evaluation reminder in the demo")
	}
}

// TestNormativePortalHTTP: the library of the bureau with its districts and
// the platform's: only documents in force by default, a switch to all,
// filters, the per-year table, the cleanup result list; item pages with
// their banners linking both ways; no staff names.
func TestNormativePortalHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		r := c.Get("/o/mzzj/normative")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("library: %d", r.StatusCode)
		}
		for _, want := range []string{demoHalalTitle, demoRepealerTitle, demoAmendedTitle, demoPudongValid, demoHuangpuValid, "沪民宗规〔2022〕1号",
			"现行有效", "已修改", "按年度统计", "本年制发件数", "本年废止件数", "现行有效件数", "<caption>", "2025年度行政规范性文件清理",
			"上海市民族和宗教事务局、上海市财政局"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("library lacks %q", want)
			}
		}
		for _, not := range []string{demoRepealedTitle, demoCleanedTitle, demoPudongExpired, demoPendingTitle, "周文博", "林静", "高翔", "民族工作二处"} {
			if strings.Contains(r.Body, not) {
				t.Errorf("default library shows %q", not)
			}
		}
		r = c.Get("/o/mzzj/normative?status=all")
		for _, want := range []string{demoRepealedTitle, demoCleanedTitle, demoPudongExpired, demoPendingTitle, "已废止", "已失效", "尚未生效"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("all statuses lack %q", want)
			}
		}
		if r := c.Get("/o/mzzj/normative?status=repealed"); !strings.Contains(r.Body, demoRepealedTitle) || strings.Contains(r.Body, demoHalalTitle) {
			t.Error("status filter")
		}
		if r := c.Get("/o/mzzj/normative?issuer=pudong-mzb&status=all"); !strings.Contains(r.Body, demoPudongValid) || strings.Contains(r.Body, demoHalalTitle) ||
			strings.Contains(r.Body, demoHuangpuValid) {
			t.Error("issuer filter")
		}
		if r := c.Get("/o/mzzj/normative?year=2024&status=all"); !strings.Contains(r.Body, demoRepealerTitle) || strings.Contains(r.Body, demoHalalTitle) {
			t.Error("year filter")
		}
		if r := c.Get("/o/mzzj/normative?topic=" + url.QueryEscape("清真食品管理")); !strings.Contains(r.Body, demoPudongValid) || strings.Contains(r.Body, demoRepealerTitle) {
			t.Error("topic filter")
		}
		if r := c.Get("/o/mzzj/normative?q=" + url.QueryEscape("沪民宗规[2024]2号")); !strings.Contains(r.Body, demoRepealerTitle) || strings.Contains(r.Body, demoHalalTitle) {
			t.Error("search by 文号 with [] brackets")
		}
		if r := c.Get("/o/mzzj/normative?q=" + url.QueryEscape("清真食品")); !strings.Contains(r.Body, demoHalalTitle) || strings.Contains(r.Body, demoRepealerTitle) {
			t.Error("search by title")
		}
		r = c.Get("/o/mzzj/normative?q=" + url.QueryEscape("清"))
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-q-error"`) || !strings.Contains(r.Body, "至少输入 2 个字") {
			t.Errorf("one character: %d", r.StatusCode)
		}
		r = c.Get("/o/mzzj/normative?q=" + url.QueryEscape("<script>alert(1)</script>"))
		if r.StatusCode != http.StatusOK || strings.Contains(r.Body, "<script>alert(1)") || !strings.Contains(r.Body, "共 0 份") {
			t.Errorf("hostile search: %d", r.StatusCode)
		}
		for q, status := range map[string]int{"?year=abc": 400, "?status=nonsense": 400, "?issuer=nowhere": 400, "?issuer=mzzj-yjzx'%20OR%201=1": 400,
			"?page=0": 400, "?q=" + strings.Repeat("a", 51): 422} {
			if r := c.Get("/o/mzzj/normative" + q); r.StatusCode != status {
				t.Errorf("%s: %d, want %d", q, r.StatusCode, status)
			}
		}
		// A district's library is its own; another district is outside it.
		r = c.Get("/o/pudong-mzb/normative?status=all")
		if !strings.Contains(r.Body, demoPudongValid) || strings.Contains(r.Body, demoHalalTitle) || strings.Contains(r.Body, demoHuangpuValid) {
			t.Error("district library")
		}
		if r := c.Get("/o/pudong-mzb/normative?issuer=mzzj"); r.StatusCode != http.StatusBadRequest {
			t.Errorf("issuer outside the scope: %d", r.StatusCode)
		}
		if r := c.Get("/o/nowhere/normative"); r.StatusCode != http.StatusNotFound {
			t.Errorf("unknown agency: %d", r.StatusCode)
		}
		if r := c.Get("/normative"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, demoHalalTitle) || !strings.Contains(r.Body, demoHuangpuValid) {
			t.Errorf("platform library: %d", r.StatusCode)
		}

		// The cleanup's result list.
		var cid int64
		e.App.DB.R.QueryRow("SELECT id FROM normative_cleanups WHERE published = TRUE").Scan(&cid)
		r = c.Get("/o/mzzj/normative/cleanups/" + strconv.FormatInt(cid, 10))
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, demoCleanedTitle) || !strings.Contains(r.Body, "废止") || !strings.Contains(r.Body, "继续有效") ||
			!strings.Contains(r.Body, "2025-12-20") {
			t.Errorf("cleanup: %d", r.StatusCode)
		}
		for _, p := range []string{"/o/pudong-mzb/normative/cleanups/" + strconv.FormatInt(cid, 10), "/o/mzzj/normative/cleanups/99999", "/o/mzzj/normative/cleanups/x"} {
			if r := c.Get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", p, r.StatusCode)
			}
		}

		// Item pages: banners with the date, linking both ways.
		old, neu := normItem(t, e, demoRepealedTitle), normItem(t, e, demoRepealerTitle)
		r = c.Get(itemPath("mzzj", old))
		if !strings.Contains(r.Body, "本文件已于2024年3月1日被以下文件废止") || !strings.Contains(r.Body, `href="`+itemPath("mzzj", neu)+`"`) {
			t.Errorf("repealed page lacks the banner")
		}
		r = c.Get(itemPath("mzzj", neu))
		if !strings.Contains(r.Body, "本文件废止了") || !strings.Contains(r.Body, `href="`+itemPath("mzzj", old)+`"`) || !strings.Contains(r.Body, "自2024年3月1日起施行") {
			t.Errorf("repealing page lacks the link")
		}
		am, amr := normItem(t, e, demoAmendedTitle), normItem(t, e, demoAmenderTitle)
		if r := c.Get(itemPath("mzzj", am)); !strings.Contains(r.Body, "本文件已于2025年10月1日被以下文件修改") || !strings.Contains(r.Body, itemPath("mzzj", amr)) ||
			!strings.Contains(r.Body, "已修改") {
			t.Error("amended page")
		}
		if r := c.Get(itemPath("mzzj", amr)); !strings.Contains(r.Body, "本文件修改了") || !strings.Contains(r.Body, itemPath("mzzj", am)) {
			t.Error("amending page")
		}
		if r := c.Get(itemPath("mzzj", normItem(t, e, demoCleanedTitle))); !strings.Contains(r.Body, "经规范性文件清理决定废止") ||
			!strings.Contains(r.Body, "/o/mzzj/normative/cleanups/"+strconv.FormatInt(cid, 10)) {
			t.Error("page repealed by the cleanup")
		}
		if r := c.Get(itemPath("pudong-mzb", normItem(t, e, demoPudongExpired))); !strings.Contains(r.Body, "已于2024年3月1日失效") {
			t.Error("expired page")
		}
	})
}

// TestNormativeExpiryHTTP: the job changes the status on the right day and
// the item page (cached) shows the banner; the reminder appears in the
// console on its day.
func TestNormativeExpiryHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		e.AddUser("mzzj", "ne.editor", auth.Editor)
		c := e.Client()
		c.Login("ne.editor")
		// A document whose last day is tomorrow: registered through the
		// console, with a notice (通告) of one year.
		today := civil.Of(e.Clock.Now())
		id := publishedItem(t, e, "关于宗教活动场所开展消防演练的通告", today.AddDays(-300).String())
		var div int64
		e.App.DB.R.QueryRow("SELECT id FROM divisions WHERE agency_id = $1 AND name = '宗教工作二处'", e.Agency("mzzj").ID).Scan(&div)
		last := today.AddDays(1)
		form := url.Values{"item": {fmt.Sprint(id)}, "doc_number": {fmt.Sprintf("沪民宗规[%d]55号", today.Year)}, "issuers": {"上海市民族和宗教事务局"},
			"kind": {"通告"}, "signed_on": {today.AddDays(-300).String()}, "published_on": {today.AddDays(-300).String()},
			"effective_on": {today.AddDays(-300).String()}, "expires_on": {last.String()}, "division": {fmt.Sprint(div)}}
		if r := c.PostForm("/console/normative", form); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("register: %d\n%s", r.StatusCode, r.Body)
		}
		page := itemPath("mzzj", id)
		anon := e.Client()
		if r := anon.Get(page); !strings.Contains(r.Body, "有效期至"+last.Chinese()) || strings.Contains(r.Body, "失效") {
			t.Fatalf("before: %s", r.Body)
		}
		anon.Get(page) // cached now
		e.Clock.Advance(24 * time.Hour)
		if n, err := e.App.Normative.ExpireDue(ctx); err != nil || n != 0 {
			t.Fatalf("on the last day: %d %v", n, err)
		}
		e.Clock.Advance(24 * time.Hour)
		if n, err := e.App.Normative.ExpireDue(ctx); err != nil || n != 1 {
			t.Fatalf("the day after: %d %v", n, err)
		}
		r := anon.Get(page)
		// The library's banner says when; the item's own generic one
		// (本文件已失效) gives way to it.
		if !strings.Contains(r.Body, "已于"+last.AddDays(1).Chinese()+"失效") || strings.Count(r.Body, "失效。") > 1 {
			t.Errorf("the page does not show the expiry")
		}
		c.Login("ne.editor") // the session timed out while the clock ran on
		if r := c.Get("/console/normative/documents/" + fmt.Sprint(id)); !strings.Contains(r.Body, "期满自动失效") || !strings.Contains(r.Body, "已失效") {
			t.Error("console history")
		}
	})
}

// draftItem creates a draft item of mzzj.
func draftItem(t *testing.T, e *apptest.Env, userID int64, title string) int64 {
	t.Helper()
	mzzj := e.Agency("mzzj").ID
	p := &auth.Principal{UserID: userID, Username: "editor", AgencyID: mzzj, Roles: auth.Roles{auth.Editor}, State: auth.StateActive}
	it, err := e.App.Disclosure.Create(context.Background(), p, mzzj, disclosure.DraftFields{Title: title, FormedOn: civil.Of(e.Clock.Now()).String(),
		Genre: "通告", SourceType: "self", ColumnIDs: []int64{columnID(t, e, mzzj, "zcwj")}, Body: "正文。"})
	if err != nil {
		t.Fatal(err)
	}
	return it.ID
}

// publishedItem imports a published item of mzzj.
func publishedItem(t *testing.T, e *apptest.Env, title, published string) int64 {
	t.Helper()
	rep, err := e.App.Disclosure.Import(context.Background(), auth.Operator("test"), []disclosure.ImportRow{{Line: 1, Agency: "mzzj",
		IndexNumber: "NT/" + published + "-" + strconv.Itoa(len(title)), Title: title, PublishedOn: published, Genre: "通告", Columns: []string{"zcwj"},
		Body: "正文。"}}, "mzzj", "")
	if err != nil || rep.Rejected > 0 {
		t.Fatalf("import: %v %s", err, disclosure.FormatImportReport(rep))
	}
	var id int64
	e.App.DB.R.QueryRow("SELECT id FROM items WHERE title = $1", title).Scan(&id)
	return id
}

// TestNormativeConsoleHTTP: registration with bad input (clear messages,
// nothing saved), the detail page, a repeal and its refusal the second
// time, a filing, settings, a cleanup, the evaluation reminders.
func TestNormativeConsoleHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ed := e.AddUser("mzzj", "nc.editor", auth.Editor)
		e.AddUser("mzzj", "nc.reviewer", auth.Reviewer)
		c := e.Client()
		c.Login("nc.editor")
		r := c.Get("/console/normative")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "即将到期，需评估") || !strings.Contains(r.Body, demoEvaluateTitle) ||
			!strings.Contains(r.Body, "民族工作二处") || !strings.Contains(r.Body, demoHalalTitle) || strings.Contains(r.Body, demoPudongValid) {
			t.Fatalf("list: %d", r.StatusCode)
		}
		if r := c.Get("/console/normative?status=repealed"); !strings.Contains(r.Body, demoRepealedTitle) || strings.Contains(r.Body, demoRepealerTitle) {
			t.Error("status filter")
		}
		if r := c.Get("/console/normative?status=x"); r.StatusCode != http.StatusBadRequest {
			t.Errorf("bad filter: %d", r.StatusCode)
		}

		// Register: pick, then the form prefilled from the item.
		id := draftItem(t, e, ed.ID, "上海市宗教教职人员管理暂行办法")
		if r := c.Get("/console/normative/new"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "上海市宗教教职人员管理暂行办法") ||
			strings.Contains(r.Body, ">"+demoHalalTitle) {
			t.Errorf("pick: %d", r.StatusCode)
		}
		r = c.Get("/console/normative/new?item=" + fmt.Sprint(id))
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `value="办法" selected`) || !strings.Contains(r.Body, `name="interim" value="1" checked`) {
			t.Errorf("form: %d", r.StatusCode)
		}
		if r := c.Get("/console/normative/new?item=" + fmt.Sprint(normItem(t, e, demoPudongValid))); r.StatusCode != http.StatusNotFound {
			t.Errorf("another agency's item: %d", r.StatusCode)
		}
		var div int64
		e.App.DB.R.QueryRow("SELECT id FROM divisions WHERE agency_id = $1 AND name = '宗教工作一处'", e.Agency("mzzj").ID).Scan(&div)
		good := url.Values{"item": {fmt.Sprint(id)}, "doc_number": {"沪民宗规〔2026〕21号"}, "issuers": {"上海市民族和宗教事务局"}, "kind": {"办法"},
			"interim": {"1"}, "signed_on": {"2026-01-05"}, "published_on": {"2026-01-10"}, "effective_on": {"2026-02-01"}, "division": {fmt.Sprint(div)}}
		before := normSnapshot(t, e)
		for name, c2 := range map[string]struct {
			field, value, errID, want string
		}{
			"invalid 文号":        {"doc_number", "沪民宗规2026第21号", "f-doc_number-error", "格式"},
			"end before start":  {"expires_on", "2026-01-31", "f-expires_on-error", "不能早于施行日期"},
			"malformed date":    {"effective_on", "2026-02-30", "f-effective_on-error", "日期格式"},
			"oversized issuers": {"issuers", strings.Repeat("局", 50000), "f-issuers-error", "过长"},
			"hostile issuer":    {"issuers", "<script>alert(1)</script>", "f-issuers-error", "尖括号"},
			"path trick":        {"doc_number", "../../x.xlsx", "f-doc_number-error", "格式"},
			"known 文号":          {"doc_number", "沪民宗规[2022]1号", "f-doc_number-error", "已登记"},
		} {
			f := url.Values{}
			for k, v := range good {
				f[k] = v
			}
			f.Set(c2.field, c2.value)
			r := c.PostForm("/console/normative", f)
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="`+c2.errID+`"`) || !strings.Contains(r.Body, c2.want) {
				t.Errorf("%s: %d", name, r.StatusCode)
			}
			if strings.Contains(r.Body, "<script>alert(1)") {
				t.Errorf("%s: markup echoed", name)
			}
		}
		if got := normSnapshot(t, e); got != before {
			t.Fatalf("refused registrations saved something: %s → %s", before, got)
		}
		if r := c.PostForm("/console/normative", good); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("register: %d\n%s", r.StatusCode, r.Body)
		}
		path := "/console/normative/documents/" + fmt.Sprint(id)
		r = c.Get(path)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "2028-01-31") || !strings.Contains(r.Body, "办法（暂行/试行）") || !strings.Contains(r.Body, "宗教工作一处") {
			t.Fatalf("detail: %d", r.StatusCode)
		}
		// Correct it: the 通告 default of one year.
		edit := url.Values{}
		for k, v := range good {
			edit[k] = v
		}
		edit.Set("kind", "通告")
		edit.Del("interim")
		edit.Set("version", "1")
		if r := c.PostForm(path, edit); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("update: %d\n%s", r.StatusCode, r.Body)
		}
		if r := c.PostForm(path, edit); r.StatusCode != http.StatusSeeOther { // unchanged
			t.Errorf("unchanged: %d", r.StatusCode)
		}
		edit.Set("effective_on", "2026-01-20")
		if r := c.PostForm(path, edit); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "刷新") {
			t.Errorf("stale version: %d", r.StatusCode)
		}
		if r := c.Get(path + "/edit"); !strings.Contains(r.Body, "2027-01-31") {
			t.Error("the corrected expiry")
		}

		// A repeal of a demo document by another; the second time refused.
		halal, repealer := normItem(t, e, demoHalalTitle), normItem(t, e, demoRepealerTitle)
		hp := "/console/normative/documents/" + fmt.Sprint(halal)
		today := civil.Of(e.Clock.Now()).String()
		rep := url.Values{"to": {"repealed"}, "on": {today}, "related": {fmt.Sprint(repealer)}, "reason": {"测试废止'; DROP TABLE normative_events; --"}}
		bad := url.Values{"to": {"repealed"}, "on": {today}, "related": {fmt.Sprint(halal)}, "reason": {"x"}}
		if r := c.PostForm(hp+"/status", bad); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-related-error"`) {
			t.Errorf("itself: %d", r.StatusCode)
		}
		if r := c.PostForm(hp+"/status", rep); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("repeal: %d\n%s", r.StatusCode, r.Body)
		}
		before = normSnapshot(t, e)
		r = c.PostForm(hp+"/status", rep)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-to-error"`) || !strings.Contains(r.Body, "不能再废止") {
			t.Errorf("repeal twice: %d", r.StatusCode)
		}
		if got := normSnapshot(t, e); got != before {
			t.Errorf("a refused repeal saved something")
		}
		if r := c.Get(hp); !strings.Contains(r.Body, "DROP TABLE normative_events") || !strings.Contains(r.Body, demoRepealerTitle) {
			t.Error("history")
		}
		if r := e.Client().Get(itemPath("mzzj", halal)); !strings.Contains(r.Body, "被以下文件废止") {
			t.Error("the repealed page's banner")
		}

		// A filing.
		fp := "/console/normative/documents/" + fmt.Sprint(repealer) + "/filings"
		if r := c.PostForm(fp, url.Values{"filed_with": {strings.Repeat("市", 50000)}, "filed_on": {today}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, `id="f-filed_with-error"`) {
			t.Errorf("oversized filing: %d", r.StatusCode)
		}
		if r := c.PostForm(fp, url.Values{"filed_with": {"市司法局"}, "filed_on": {"2099-01-01"}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, `id="f-filed_on-error"`) {
			t.Errorf("future filing: %d", r.StatusCode)
		}
		if r := c.PostForm(fp, url.Values{"filed_with": {"市司法局"}, "filed_on": {today}, "filing_number": {"沪府规备〔2026〕99号"}}); r.StatusCode != http.StatusSeeOther {
			t.Errorf("filing: %d", r.StatusCode)
		}

		// Settings.
		if r := c.PostForm("/console/normative/settings", url.Values{"years_default": {"abc"}, "years_interim": {"2"}, "years_notice": {"1"}, "remind_months": {"6"}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, `id="f-years_default-error"`) {
			t.Errorf("bad settings: %d", r.StatusCode)
		}
		if r := c.PostForm("/console/normative/settings", url.Values{"years_default": {"4"}, "years_interim": {"2"}, "years_notice": {"1"}, "remind_months": {"6"}}); r.StatusCode != http.StatusSeeOther {
			t.Errorf("settings: %d", r.StatusCode)
		}

		// The evaluation reminder: an outcome is required.
		var rid int64
		e.App.DB.R.QueryRow("SELECT id FROM normative_reminders WHERE item_id = $1", normItem(t, e, demoEvaluateTitle)).Scan(&rid)
		rp := "/console/normative/reminders/" + fmt.Sprint(rid)
		if r := c.PostForm(rp, url.Values{"outcome": {""}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, fmt.Sprintf(`id="f-outcome-%d-error"`, rid)) {
			t.Errorf("empty outcome: %d", r.StatusCode)
		}
		if r := c.PostForm(rp, url.Values{"outcome": {"经评估，拟修改后重新发布。"}}); r.StatusCode != http.StatusSeeOther {
			t.Errorf("close: %d", r.StatusCode)
		}

		// A cleanup.
		r = c.PostForm("/console/normative/cleanups", url.Values{"title": {""}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-title-error"`) {
			t.Errorf("untitled cleanup: %d", r.StatusCode)
		}
		r = c.PostForm("/console/normative/cleanups", url.Values{"title": {"2026年度专项清理"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("cleanup: %d", r.StatusCode)
		}
		cp := strings.TrimSuffix(r.Header.Get("Location"), "?flash=created")
		target := normItem(t, e, "关于加强本市少数民族流动人口服务管理工作的意见")
		if r := c.PostForm(cp+"/entries", url.Values{"items": {"../../x"}}); r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("bad entry: %d", r.StatusCode)
		}
		if r := c.PostForm(cp+"/entries", url.Values{"items": {fmt.Sprint(target)}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("add: %d", r.StatusCode)
		}
		if r := c.PostForm(cp+"/publish", url.Values{"published_on": {today}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "没有清理意见") {
			t.Errorf("publish undecided: %d", r.StatusCode)
		}
		if r := c.PostForm(cp+"/entries/"+fmt.Sprint(target), url.Values{"decision": {"repeal"}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, fmt.Sprintf(`id="f-reason-%d-error"`, target)) {
			t.Errorf("repeal without reason: %d", r.StatusCode)
		}
		if r := c.PostForm(cp+"/entries/"+fmt.Sprint(target), url.Values{"decision": {"repeal"}, "reason": {"已被新规定替代。"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("decide: %d", r.StatusCode)
		}
		if r := c.PostForm(cp+"/publish", url.Values{"published_on": {today}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("publish: %d", r.StatusCode)
		}
		var v string
		e.App.DB.R.QueryRow("SELECT validity FROM items WHERE id = $1", target).Scan(&v)
		if v != "repealed" {
			t.Errorf("after the cleanup: %s", v)
		}

		// A reviewer reads; another agency's document is not found.
		rv := e.Client()
		rv.Login("nc.reviewer")
		if r := rv.Get(hp); r.StatusCode != http.StatusOK || strings.Contains(r.Body, `action="`+hp+`/status"`) {
			t.Errorf("reviewer: %d", r.StatusCode)
		}
		if r := c.Get("/console/normative/documents/" + fmt.Sprint(normItem(t, e, demoPudongValid))); r.StatusCode != http.StatusNotFound {
			t.Errorf("another agency's document: %d", r.StatusCode)
		}
		if r := c.Get("/console/normative/documents/abc"); r.StatusCode != http.StatusNotFound {
			t.Errorf("malformed id: %d", r.StatusCode)
		}
	})
}

func normSnapshot(t *testing.T, e *apptest.Env) string {
	t.Helper()
	var parts []string
	for _, q := range []string{"SELECT count(*) FROM normative_documents", "SELECT COALESCE(SUM(version), 0) FROM normative_documents",
		"SELECT count(*) FROM normative_events", "SELECT count(*) FROM normative_filings", "SELECT count(*) FROM audit_entries WHERE action LIKE 'normative.%'",
		"SELECT count(*) FROM items WHERE validity <> ''"} {
		var n int64
		if err := e.App.DB.R.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, strconv.FormatInt(n, 10))
	}
	return strings.Join(parts, "/")
}
