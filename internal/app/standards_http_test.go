package app_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/stdcatalog"
)

// TestStandardsHTTP: the demo's catalogue on the portal (by 一级事项, the
// change log, the print view) and on item pages; the monitor flags the
// planted late item; staff add, adjust, link and remove entries; every
// form refuses missing, oversized and hostile input by the field and saves
// nothing; imports are all or nothing.
func TestStandardsHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		db := e.App.DB.R
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := db.QueryRow(q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		mzzj := e.Agency("mzzj")
		if n := count(`SELECT count(*) FROM std_entries WHERE agency_id = $1 AND removed = FALSE`, mzzj.ID); n < 30 {
			t.Fatalf("the demo catalogue has %d entries", n)
		}

		// The portal.
		pub := e.Client()
		r := pub.Get("/o/mzzj/standards")
		for _, want := range []string{"政务公开标准目录", `href="#l1-1"`, `id="l1-1"`, "机构职能", "清真食品标志牌核发", "宗教活动场所设立审批结果",
			"目录调整记录", "增加在街镇便民服务站张贴公示", "2025年第三季度宗教活动场所设立审批结果公示", "上海市民族和宗教事务局2024年政府信息公开工作年度报告"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("portal catalogue lacks %q", want)
			}
		}
		if r.StatusCode != http.StatusOK {
			t.Fatalf("portal catalogue: %d", r.StatusCode)
		}
		if r := pub.Get("/o/mzzj/standards/print"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `<th scope="col">二级事项</th>`) ||
			!strings.Contains(r.Body, "√") || !strings.Contains(r.Body, "print-view") {
			t.Errorf("print view: %d", r.StatusCode)
		}
		for _, p := range []string{"/o/nowhere/standards", "/o/nowhere/standards/print"} {
			if r := pub.Get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", p, r.StatusCode)
			}
		}
		// The planted late item's page names its entry.
		var lateID, entryID int64
		db.QueryRow(`SELECT id FROM items WHERE title = '2025年第三季度宗教活动场所设立审批结果公示'`).Scan(&lateID)
		db.QueryRow(`SELECT entry_id FROM std_links WHERE item_id = $1`, lateID).Scan(&entryID)
		page := pub.Get("/o/mzzj/items/" + strconv.FormatInt(lateID, 10))
		if !strings.Contains(page.Body, "本信息属于公开标准目录：") || !strings.Contains(page.Body, `href="/o/mzzj/standards#e-`+strconv.FormatInt(entryID, 10)+`"`) ||
			!strings.Contains(page.Body, "行政许可 › 宗教活动场所设立审批结果") {
			t.Errorf("item page lacks the catalogue notice: %d", page.StatusCode)
		}

		// The monitor flags the planted late item, and the missing 2026
		// budget, by division.
		ed := e.Client()
		e.AddUser("mzzj", "std.editor", auth.Editor)
		ed.Login("std.editor")
		r = ed.Get("/console/standards/coverage")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("coverage: %d", r.StatusCode)
		}
		cal, err := e.App.Calendar.Calendar(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		due, err := cal.AddWorkingDays(civil.MustParse("2025-10-10"), 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"逾期公开", "2025年第三季度宗教活动场所设立审批结果公示", "应于 " + due.String() + " 前公开，2025-11-28 公开，逾期",
			"宗教工作一处", "缺少公开", "部门预算", "本单位合计", "%"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("coverage page lacks %q", want)
			}
		}
		cov, err := e.App.Standards.CoverageOf(t.Context(), mzzj.ID)
		if err != nil {
			t.Fatal(err)
		}
		flagged := false
		for _, g := range cov.Total.Gaps {
			if g.Kind == stdcatalog.Late && g.Item != nil && g.Item.ID == lateID && g.DaysLate > 20 {
				flagged = true
			}
		}
		if !flagged || cov.Total.Percent() >= 100 {
			t.Errorf("the late item is not flagged: %+v", cov.Total)
		}

		// Creating: bad input refused by the field, nothing saved.
		var divID int64
		db.QueryRow(`SELECT id FROM divisions WHERE agency_id = $1 AND name = '宗教工作二处'`, mzzj.ID).Scan(&divID)
		var pudongDiv int64
		db.QueryRow(`SELECT d.id FROM divisions d JOIN agencies a ON a.id = d.agency_id WHERE a.slug = 'pudong-mzb' ORDER BY d.id LIMIT 1`).Scan(&pudongDiv)
		form := func(mod func(url.Values)) url.Values {
			f := url.Values{"l1": {"宗教工作"}, "l2": {"宗教院校招生"}, "content": {"招生简章、录取名单"}, "basis": {"【部门规章】《宗教院校管理办法》"},
				"time_limit": {"信息形成之日起20个工作日内"}, "rule_kind": {"formed"}, "rule_days": {"20"}, "subject": {"上海市民族和宗教事务局"},
				"channels": {"website", "newmedia"}, "audiences": {"public", "specific"}, "modes": {"proactive"}, "levels": {"city"},
				"five_publics": {"service"}, "division": {strconv.FormatInt(divID, 10)}, "reason": {"新增宗教院校招生信息公开事项"}}
			if mod != nil {
				mod(f)
			}
			return f
		}
		entries := func() int { return count(`SELECT count(*) FROM std_entries`) }
		changes := func() int { return count(`SELECT count(*) FROM std_changes`) }
		before, beforeChanges := entries(), changes()
		for name, tc := range map[string]struct {
			mod   func(url.Values)
			field string
		}{
			"missing l2":       {func(f url.Values) { f.Del("l2") }, "f-l2-error"},
			"50,000 chars":     {func(f url.Values) { f.Set("content", strings.Repeat("长", 50_000)) }, "f-content-error"},
			"SQL in days":      {func(f url.Values) { f.Set("rule_days", "20; DROP TABLE std_entries") }, "f-rule_days-error"},
			"script channel":   {func(f url.Values) { f["channels"] = []string{"<script>alert(1)</script>"} }, "f-channels-error"},
			"no level":         {func(f url.Values) { f.Del("levels") }, "f-levels-error"},
			"other division":   {func(f url.Values) { f.Set("division", strconv.FormatInt(pudongDiv, 10)) }, "f-division-error"},
			"division text":    {func(f url.Values) { f.Set("division", "1 OR 1=1") }, "f-division-error"},
			"list item trick":  {func(f url.Values) { f.Set("list_item", "../../x") }, "f-list_item-error"},
			"no reason":        {func(f url.Values) { f.Del("reason") }, "f-reason-error"},
			"oversized reason": {func(f url.Values) { f.Set("reason", strings.Repeat("理", 50_000)) }, "f-reason-error"},
			"bad date":         {func(f url.Values) { f.Set("monitor_from", "../../2026") }, "f-monitor_from-error"},
		} {
			r := ed.PostForm("/console/standards", form(tc.mod))
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.field) || strings.Contains(r.Body, "<script>alert(1)") {
				t.Errorf("%s: %d, no %s", name, r.StatusCode, tc.field)
			}
		}
		if entries() != before || changes() != beforeChanges {
			t.Fatalf("refused forms saved %d entries, %d change lines", entries()-before, changes()-beforeChanges)
		}
		hostile := form(func(f url.Values) { f.Set("l2", `<script>alert(1)</script>'; DROP TABLE std_entries; --`) })
		r = ed.PostForm("/console/standards", hostile)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d %s", r.StatusCode, r.Body)
		}
		loc := r.Header.Get("Location")
		id := loc[len("/console/standards/"):strings.Index(loc, "?")]
		if r := pub.Get("/o/mzzj/standards"); !strings.Contains(r.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") || strings.Contains(r.Body, "<script>alert(1)") {
			t.Error("the portal does not show the new entry escaped")
		}
		// Adjusting: the change log on the portal says what and why.
		r = ed.Get("/console/standards/" + id + "/edit")
		version := regexpValue(r.Body, "version")
		r = ed.PostForm("/console/standards/"+id, form(func(f url.Values) {
			f.Set("l2", "宗教院校招生")
			f.Set("time_limit", "招生简章发布之日起5个工作日内")
			f.Set("rule_days", "5")
			f.Set("reason", "按招生工作时间安排调整公开时限")
			f.Set("version", version)
		}))
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("update: %d", r.StatusCode)
		}
		r = ed.PostForm("/console/standards/"+id, form(func(f url.Values) { f.Set("version", version); f.Set("reason", "再次调整") }))
		if r.StatusCode != http.StatusConflict {
			t.Errorf("stale update: %d", r.StatusCode)
		}
		if r := pub.Get("/o/mzzj/standards"); !strings.Contains(r.Body, "按招生工作时间安排调整公开时限") || !strings.Contains(r.Body, "信息形成（变更）之日起5个工作日内") {
			t.Error("the portal change log lacks the adjustment")
		}
		// Linking: search by title, refuse tricks, link one.
		r = ed.Get("/console/standards/" + id + "?q=" + url.QueryEscape("宗教活动场所"))
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `name="item_id"`) {
			t.Fatalf("item search: %d", r.StatusCode)
		}
		if r := ed.Get("/console/standards/" + id + "?q=" + url.QueryEscape(strings.Repeat("长", 200))); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-q-error") {
			t.Errorf("oversized search: %d", r.StatusCode)
		}
		var pudongItem, draftItem, itemID int64
		db.QueryRow(`SELECT i.id FROM items i JOIN agencies a ON a.id = i.agency_id WHERE a.slug = 'pudong-mzb' AND i.status = 'published' LIMIT 1`).Scan(&pudongItem)
		db.QueryRow(`SELECT id FROM items WHERE agency_id = $1 AND status = 'draft' LIMIT 1`, mzzj.ID).Scan(&draftItem)
		db.QueryRow(`SELECT id FROM items WHERE agency_id = $1 AND title = '宗教活动场所筹备设立审批办事指南'`, mzzj.ID).Scan(&itemID)
		for name, v := range map[string]string{"text": "abc", "SQL": "1 OR 1=1", "other agency": strconv.FormatInt(pudongItem, 10),
			"draft": strconv.FormatInt(draftItem, 10), "path": "../../x.xlsx"} {
			if r := ed.PostForm("/console/standards/"+id+"/links", url.Values{"item_id": {v}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-item_id-error") {
				t.Errorf("link %s: %d", name, r.StatusCode)
			}
		}
		if r := ed.PostForm("/console/standards/"+id+"/links", url.Values{"item_id": {strconv.FormatInt(itemID, 10)}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("link: %d", r.StatusCode)
		}
		if r := pub.Get("/o/mzzj/items/" + strconv.FormatInt(itemID, 10)); !strings.Contains(r.Body, "宗教工作 › 宗教院校招生") {
			t.Error("the item page does not name the newly linked entry (page cache not bumped?)")
		}
		if r := ed.PostForm("/console/standards/"+id+"/links/"+strconv.FormatInt(itemID, 10)+"/delete", nil); r.StatusCode != http.StatusSeeOther {
			t.Errorf("unlink: %d", r.StatusCode)
		}
		// Removing needs a reason.
		for _, reason := range []string{"", strings.Repeat("理", 50_000), "理由\x00"} {
			if r := ed.PostForm("/console/standards/"+id+"/remove", url.Values{"reason": {reason}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-reason-error") {
				t.Errorf("remove with reason %.10q: %d", reason, r.StatusCode)
			}
		}
		if r := ed.PostForm("/console/standards/"+id, form(func(f url.Values) { f.Set("basis", strings.Repeat("长", 50_000)); f.Set("version", "99") })); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-basis-error") {
			t.Errorf("oversized update: %d", r.StatusCode)
		}
		if count(`SELECT count(*) FROM std_entries WHERE id = $1 AND removed = FALSE`, id) != 1 {
			t.Fatal("a refused removal removed the entry")
		}
		if r := ed.PostForm("/console/standards/"+id+"/remove", url.Values{"reason": {"宗教院校招生信息改由市教育部门统一公开"}}); r.StatusCode != http.StatusSeeOther {
			t.Errorf("remove: %d", r.StatusCode)
		}
		if r := pub.Get("/o/mzzj/standards"); !strings.Contains(r.Body, "宗教院校招生信息改由市教育部门统一公开") {
			t.Error("the removal is not in the public change log")
		}

		// Export and import: the exported file imports with no change; a
		// file with wrong columns is refused naming the column, nothing
		// imported.
		r = ed.Get("/console/standards/export.xlsx")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("export: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		exported := []byte(r.Body)
		rows, err := stdcatalog.ParseCatalogue("x.xlsx", bytes.NewReader(exported))
		if err != nil || len(rows) != count(`SELECT count(*) FROM std_entries WHERE agency_id = $1 AND removed = FALSE`, mzzj.ID) {
			t.Fatalf("exported rows: %d %v", len(rows), err)
		}
		x, _ := excelize.OpenReader(bytes.NewReader(exported))
		x.SetCellValue("公开标准目录", "E2", "依据")
		var wrong bytes.Buffer
		x.Write(&wrong)
		before, beforeChanges = entries(), changes()
		r = postMultipart(ed, "/console/standards/import", url.Values{"reason": {"按新版目录更新"}, "remove_missing": {"1"}}, "file", "../../x.xlsx", wrong.Bytes())
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "表头第 E 列应为“公开依据”，实际为“依据”") {
			t.Errorf("wrong columns: %d", r.StatusCode)
		}
		for name, tc := range map[string]struct {
			file string
			body []byte
			want string
		}{
			"not xlsx":  {"x.exe", exported, "请上传 XLSX 文件"},
			"corrupt":   {"x.xlsx", []byte("<script>alert(1)</script>"), "无法读取 XLSX 文件"},
			"no file":   {"", nil, "请选择文件"},
			"oversized": {"big.xlsx", bytes.Repeat([]byte("PK"), stdcatalog.MaxImportBytes/2+1), "文件超过"},
		} {
			r := postMultipart(ed, "/console/standards/import", url.Values{"reason": {"按新版目录更新"}}, "file", tc.file, tc.body)
			if r.StatusCode < 400 || r.StatusCode >= 500 || !strings.Contains(r.Body, tc.want) || strings.Contains(r.Body, "<script>alert(1)") {
				t.Errorf("%s: %d", name, r.StatusCode)
			}
		}
		r = postMultipart(ed, "/console/standards/import", url.Values{"reason": {""}}, "file", "x.xlsx", exported)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-reason-error") {
			t.Errorf("import without a reason: %d", r.StatusCode)
		}
		if entries() != before || changes() != beforeChanges {
			t.Fatalf("refused imports saved %d entries, %d change lines", entries()-before, changes()-beforeChanges)
		}
		r = postMultipart(ed, "/console/standards/import", url.Values{"reason": {"按导出文件复核目录"}}, "file", "目录.xlsx", exported)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "新增 0 项，调整 0 项，未变 "+strconv.Itoa(len(rows))+" 项") {
			t.Errorf("re-import: %d", r.StatusCode)
		}

		// The power and service lists.
		r = postMultipart(ed, "/console/standards/lists", url.Values{"list": {"service"}}, "file", "../../清单.csv", []byte("编码,事项名称,类别,依据,承办处室\nFW-9,测试,,,\n"))
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "第 A 列应为“事项编码”") {
			t.Errorf("list with a wrong header: %d", r.StatusCode)
		}
		r = postMultipart(ed, "/console/standards/lists", url.Values{"list": {"'; DROP TABLE std_list_items; --"}}, "file", "x.csv", []byte("事项编码,事项名称,类别,依据,承办处室\nFW-9,测试,,,\n"))
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "f-list-error") {
			t.Errorf("list kind: %d", r.StatusCode)
		}
		r = postMultipart(ed, "/console/standards/lists", url.Values{"list": {"service"}}, "file", "x.csv", []byte("事项编码,事项名称,类别,依据,承办处室\nFW-9,<script>alert(1)</script>宗教场所开放查询,公共服务,,宗教工作一处\n"))
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "新增 1 项") || strings.Contains(r.Body, "<script>alert(1)") {
			t.Errorf("list import: %d", r.StatusCode)
		}

		// Readers read, others' entries are not found, the public list has
		// no console links.
		li := e.Client()
		e.AddUser("mzzj", "std.liaison", auth.Liaison)
		li.Login("std.liaison")
		if r := li.Get("/console/standards"); r.StatusCode != http.StatusOK || strings.Contains(r.Body, "新增事项") {
			t.Errorf("liaison list: %d", r.StatusCode)
		}
		if r := li.PostForm("/console/standards", form(nil)); r.StatusCode != http.StatusForbidden {
			t.Errorf("liaison create: %d", r.StatusCode)
		}
		pd := e.Client()
		e.AddUser("pudong-mzb", "std.pudong", auth.Editor)
		pd.Login("std.pudong")
		if r := pd.Get("/console/standards/" + strconv.FormatInt(entryID, 10)); r.StatusCode != http.StatusNotFound {
			t.Errorf("another agency's entry: %d", r.StatusCode)
		}
		if r := pd.PostForm("/console/standards/"+strconv.FormatInt(entryID, 10)+"/remove", url.Values{"reason": {"跨单位移出测试"}}); r.StatusCode != http.StatusNotFound {
			t.Errorf("another agency's removal: %d", r.StatusCode)
		}
		for _, p := range []string{"/console/standards/abc", "/console/standards/0", "/console/standards/99999999"} {
			if r := ed.Get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", p, r.StatusCode)
			}
		}
	})
}

// regexpValue reads the value of a hidden input.
func regexpValue(body, name string) string {
	key := `name="` + name + `" value="`
	i := strings.Index(body, key)
	if i < 0 {
		return ""
	}
	rest := body[i+len(key):]
	return rest[:strings.Index(rest, `"`)]
}
