package disclosure_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/extract"
)

func writeJSONL(t *testing.T, dir string, rows []map[string]any) string {
	t.Helper()
	var b strings.Builder
	for _, r := range rows {
		line, _ := json.Marshal(r)
		b.Write(line)
		b.WriteByte('\n')
	}
	path := filepath.Join(dir, "items.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func row(n int) map[string]any {
	return map[string]any{"agency": "a-bureau", "index_number": fmt.Sprintf("11310000A/2025-%05d", n),
		"title": fmt.Sprintf("历史信息第%d号", n), "published_on": "2025-03-10", "genre": "通知",
		"five_publics": []string{"结果公开"}, "columns": []string{"zcwj"}, "body": "迁移自旧网站的正文。", "topic": "宗教事务"}
}

func TestImportJSONLines(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "附件1.docx"), extract.MakeDOCX([]string{"附件里的登记办法"}), 0o600); err != nil {
			t.Fatal(err)
		}
		rows := []map[string]any{row(1), row(2), row(3)}
		rows[0]["attachments"] = []string{"附件1.docx"}
		rows[1]["doc_number"] = "沪民宗规[2025]3号"
		rows[2]["body"] = "获奖人员：张三，身份证号 310101199001011234。"
		path := writeJSONL(t, dir, rows)
		parsed, err := disclosure.ReadImportFile(path)
		if err != nil || len(parsed) != 3 || parsed[2].Line != 3 {
			t.Fatalf("read: %v %+v", err, parsed)
		}
		op := auth.Operator("import")
		rep, err := f.svc.Import(ctx, op, parsed, "", dir)
		if err != nil || rep.Created != 3 || rep.Rejected != 0 {
			t.Fatalf("import: %+v %v", rep, err)
		}
		// Imports skip the review, so a planted ID number is reported
		// (masked) for a person to check.
		if text := disclosure.FormatImportReport(rep); len(rep.Warnings) != 1 || !strings.Contains(text, "第 3 行：正文含疑似未脱敏的身份证号") ||
			strings.Contains(text, "310101199001011234") {
			t.Errorf("warnings:\n%s", text)
		}
		list, total, _ := f.svc.PublicList(ctx, disclosure.ListFilter{AgencyIDs: []int64{f.a.ID}, ColumnID: f.colA2})
		if total != 3 || len(list) != 3 {
			t.Fatalf("imported items listed: %d", total)
		}
		if got := searchTitles(t, d, "登记办法"); len(got) != 1 || got[0] != "历史信息第1号" {
			t.Errorf("attachment text not searchable: %v", got)
		}
		if got := searchTitles(t, d, "历史信息"); len(got) != 3 {
			t.Errorf("search: %v", got)
		}
		// Idempotent: the same file again updates, creates nothing, and
		// attaches no second copy.
		rows[2]["title"] = "历史信息第3号（修订）"
		parsed, _ = disclosure.ReadImportFile(writeJSONL(t, dir, rows))
		rep, err = f.svc.Import(ctx, op, parsed, "", dir)
		if err != nil || rep.Created != 0 || rep.Updated != 3 {
			t.Fatalf("re-import: %+v %v", rep, err)
		}
		_, total, _ = f.svc.PublicList(ctx, disclosure.ListFilter{AgencyIDs: []int64{f.a.ID}})
		if total != 3 {
			t.Errorf("re-import duplicated: %d", total)
		}
		for _, it := range list {
			atts, _ := f.svc.Attachments(ctx, it.ID)
			if it.IndexNumber == "11310000A/2025-00001" && len(atts) != 1 {
				t.Errorf("attachments after re-import: %d", len(atts))
			}
			if it.IndexNumber == "11310000A/2025-00002" && it.DocNumber != "沪民宗规〔2025〕3号" {
				t.Errorf("文号 %q", it.DocNumber)
			}
		}
		if got := searchTitles(t, d, "修订"); len(got) != 1 {
			t.Errorf("search after update: %v", got)
		}
		topics, _ := f.svc.Topics(ctx, f.a.ID)
		n := 0
		for _, tp := range topics {
			if tp.Name == "宗教事务" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("topic created %d times", n)
		}
	})
}

// TestImportBatchesAreAllOrNothing: one bad row rejects its batch of 500
// with the line number; the other batch commits.
func TestImportBatchesAreAllOrNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		var rows []disclosure.ImportRow
		for n := 1; n <= disclosure.ImportBatchSize+3; n++ {
			rows = append(rows, disclosure.ImportRow{Line: n, IndexNumber: fmt.Sprintf("11310000A/2025-%05d", n), Title: fmt.Sprintf("第%d条", n),
				PublishedOn: "2025-03-10", Columns: []string{"zcwj"}, Body: "正文"})
		}
		rows[501].PublishedOn = "2025-13-01" // line 502
		rep, err := f.svc.Import(ctx, auth.Operator("import"), rows, "a-bureau", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != disclosure.ImportBatchSize || rep.Rejected != 1 || rep.Batches != 2 {
			t.Fatalf("report %+v", rep)
		}
		text := disclosure.FormatImportReport(rep)
		if !strings.Contains(text, "第 502 行") || !strings.Contains(text, "第 2 批（第 501–503 行）未导入") {
			t.Errorf("report:\n%s", text)
		}
		_, total, _ := f.svc.PublicList(ctx, disclosure.ListFilter{AgencyIDs: []int64{f.a.ID}})
		if total != disclosure.ImportBatchSize {
			t.Errorf("items %d", total)
		}
		// An imported number is never produced again by the pattern.
		f.clock.t = f.clock.t.AddDate(-1, 0, 0) // in 2025
		in := draft(f.colA, "导入后新发布", "正文")
		in.FormedOn = "2025-09-18"
		it := publish(t, f, f.editorA, f.reviewA, in)
		if it.IndexNumber != fmt.Sprintf("11310000A/2025-%05d", disclosure.ImportBatchSize+1) {
			t.Errorf("index number %s", it.IndexNumber)
		}
	})
}

func TestImportRefusesBadRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		dir := t.TempDir()
		secret := filepath.Join(t.TempDir(), "secret.pdf")
		os.WriteFile(secret, extract.MakePDF("机密", []string{"机密"}), 0o600)
		for name, tc := range map[string]struct {
			mod  func(r *disclosure.ImportRow)
			want string
		}{
			"no index number":  {func(r *disclosure.ImportRow) { r.IndexNumber = "" }, "索引号"},
			"script in number": {func(r *disclosure.ImportRow) { r.IndexNumber = "<script>" }, "索引号"},
			"bad date":         {func(r *disclosure.ImportRow) { r.PublishedOn = "2025/02/30" }, "发布日期"},
			"future date":      {func(r *disclosure.ImportRow) { r.PublishedOn = "2031-01-01" }, "发布日期"},
			"unknown agency":   {func(r *disclosure.ImportRow) { r.Agency = "x'; DROP TABLE items;--" }, "不存在"},
			"unknown column":   {func(r *disclosure.ImportRow) { r.Columns = []string{"nope"} }, "nope"},
			"no column":        {func(r *disclosure.ImportRow) { r.Columns = nil }, "栏目"},
			"script title":     {func(r *disclosure.ImportRow) { r.Title = "<img src=x onerror=alert(1)>" }, "title"},
			"bad 文号":           {func(r *disclosure.ImportRow) { r.DocNumber = "第三号" }, "doc_number"},
			"escaping path": {func(r *disclosure.ImportRow) {
				r.Attachments = []string{"../" + filepath.Base(filepath.Dir(secret)) + "/secret.pdf"}
			}, "附件路径"},
			"absolute path":    {func(r *disclosure.ImportRow) { r.Attachments = []string{secret} }, "附件路径"},
			"missing file":     {func(r *disclosure.ImportRow) { r.Attachments = []string{"nope.pdf"} }, "无法读取"},
			"another's number": {func(r *disclosure.ImportRow) { r.IndexNumber = "B/1" }, "另一个单位"},
		} {
			r := disclosure.ImportRow{Line: 7, Agency: "a-bureau", IndexNumber: "11310000A/2025-00009", Title: "标题",
				PublishedOn: "2025-03-10", Columns: []string{"zcwj"}}
			tc.mod(&r)
			if name == "another's number" {
				rep, err := f.svc.Import(ctx, auth.Operator("import"), []disclosure.ImportRow{{Line: 1, Agency: "b-bureau", IndexNumber: "B/1",
					Title: "乙", PublishedOn: "2025-03-10", Columns: []string{"zcwj"}}}, "", dir)
				if err != nil || rep.Created != 1 {
					t.Fatalf("B's row: %+v %v", rep, err)
				}
			}
			rep, err := f.svc.Import(ctx, auth.Operator("import"), []disclosure.ImportRow{r}, "", dir)
			text := disclosure.FormatImportReport(rep)
			if err != nil || rep.Rejected != 1 || rep.Created+rep.Updated != 0 || !strings.Contains(text, "第 7 行") || !strings.Contains(text, tc.want) {
				t.Errorf("%s: %v\n%s", name, err, text)
			}
		}
		_, total, _ := f.svc.PublicList(ctx, disclosure.ListFilter{AgencyIDs: []int64{f.a.ID}})
		if total != 0 {
			t.Errorf("bad rows imported: %d", total)
		}
		// Staff may not import; an agency administrator only into their own agency (TestAgencyIsolation).
		if _, err := f.svc.Import(ctx, f.editorA, nil, "", dir); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("editor import: %v", err)
		}
	})
}

func TestReadImportFiles(t *testing.T) {
	dir := t.TempDir()
	x := filepath.Join(dir, "items.xlsx")
	os.WriteFile(x, extract.MakeXLSX([][]string{
		{"索引号", "标题", "发布日期", "栏目", "五公开", "附件"},
		{"A/1", "第一条", "2025-01-02", "zcwj；tjxx", "决策公开、结果公开", "a.pdf"},
		{"", "", "", "", "", ""},
		{"A/2", "第二条", "2025-01-03", "zcwj", "", ""},
	}), 0o600)
	rows, err := disclosure.ReadImportFile(x)
	if err != nil || len(rows) != 2 {
		t.Fatalf("xlsx: %v %+v", err, rows)
	}
	if rows[0].Line != 2 || rows[1].Line != 4 || len(rows[0].Columns) != 2 || len(rows[0].FivePublics) != 2 || rows[0].Attachments[0] != "a.pdf" {
		t.Errorf("xlsx rows %+v", rows)
	}
	os.WriteFile(x, extract.MakeXLSX([][]string{{"名称", "日期"}, {"x", "y"}}), 0o600)
	if _, err := disclosure.ReadImportFile(x); err == nil || !strings.Contains(apperr.MessageOf(err), "索引号、标题、发布日期") {
		t.Errorf("xlsx without headers: %v", err)
	}
	j := filepath.Join(dir, "items.jsonl")
	os.WriteFile(j, []byte("{\"index_number\":\"A/1\",\"title\":\"x\"}\n\n# comment\n{\"title\": \n{\"titel\":\"typo\"}\n"), 0o600)
	_, err = disclosure.ReadImportFile(j)
	if msg := apperr.MessageOf(err); !strings.Contains(msg, "第 4 行") || !strings.Contains(msg, "第 5 行") || strings.Contains(msg, "第 1 行") {
		t.Errorf("jsonl errors: %v", err)
	}
	if _, err := disclosure.ReadImportFile(filepath.Join(dir, "items.csv")); err == nil {
		t.Error("csv accepted")
	}
}

// TestImportFileStreamsBatches: a JSON Lines file is read a batch at a
// time; a line that is not JSON rejects only its own batch.
func TestImportFileStreamsBatches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		var b strings.Builder
		for n := 1; n <= disclosure.ImportBatchSize+3; n++ {
			if n == disclosure.ImportBatchSize+2 {
				b.WriteString("{\"title\": \"未闭合\n")
				continue
			}
			line, _ := json.Marshal(row(n))
			b.Write(line)
			b.WriteByte('\n')
		}
		path := filepath.Join(t.TempDir(), "items.jsonl")
		os.WriteFile(path, []byte(b.String()), 0o600)
		rep, err := f.svc.ImportFile(ctx, auth.Operator("import"), path, "")
		if err != nil {
			t.Fatal(err)
		}
		text := disclosure.FormatImportReport(rep)
		if rep.Rows != disclosure.ImportBatchSize+3 || rep.Created != disclosure.ImportBatchSize || rep.Rejected != 1 ||
			!strings.Contains(text, fmt.Sprintf("第 %d 行：不是有效的 JSON 对象", disclosure.ImportBatchSize+2)) {
			t.Errorf("report %+v\n%s", rep, text)
		}
		if _, err := f.svc.ImportFile(ctx, auth.Operator("import"), filepath.Join(t.TempDir(), "none.jsonl"), ""); err == nil {
			t.Error("a missing file imported")
		}
	})
}

// TestImportLaterRowWins: a number repeated in a later batch updates the
// item after the earlier batch made it, even with concurrent writers.
func TestImportLaterRowWins(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		var rows []disclosure.ImportRow
		for n := 1; n <= 3*disclosure.ImportBatchSize; n++ {
			rows = append(rows, disclosure.ImportRow{Line: n, IndexNumber: fmt.Sprintf("A/%d", n), Title: fmt.Sprintf("第%d条", n),
				PublishedOn: "2025-03-10", Columns: []string{"zcwj"}})
		}
		rows[len(rows)-1].IndexNumber, rows[len(rows)-1].Title = "A/1", "第1条（更正）"
		rep, err := f.svc.Import(ctx, auth.Operator("import"), rows, "a-bureau", t.TempDir())
		if err != nil || rep.Created != len(rows)-1 || rep.Updated != 1 || rep.Rejected != 0 {
			t.Fatalf("%+v %v", rep, err)
		}
		if got := searchTitles(t, d, "更正"); len(got) != 1 {
			t.Errorf("final title: %v", got)
		}
	})
}
