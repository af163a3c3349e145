package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/consultation"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/notify/smtptest"
	"github.com/gongkai/gongkai/internal/openday"
)

func init() {
	matrixParts = append(matrixParts, map[string]string{
		"GET /console/todo":             authenticated,
		"GET /console/todo/export.xlsx": authenticated,
		"GET /console/todo/supervision": "agency_admin approver", // auth.SuperviseTodos
	})
}

// todoSources are the to-do sources of every capability whose work a
// handler who also edits does, by their labels (the liaison roster's
// to-dos are the agency administrator's: checked on their own).
var todoSources = []string{"依申请公开", "回应关切", "信息发布", "征求意见", "规范性文件", "公开标准目录", "政府开放日", "社会评议",
	"公文备案", "工作要点", "培训", "政务新媒体"}

// todoRowRE reads a row of the to-do table: due date, state, source, kind.
var todoRowRE = regexp.MustCompile(`<td class="nowrap">(\d{4}-\d\d-\d\d)</td>\s*<td>([^\n]*)</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>`)

type todoRow struct{ due, state, source, kind string }

func todoRows(body string) []todoRow {
	var out []todoRow
	for _, m := range todoRowRE.FindAllStringSubmatch(body, -1) {
		out = append(out, todoRow{m[1], m[2], m[3], m[4]})
	}
	return out
}

var todoNextRE = regexp.MustCompile(`<a href="([^"]*)">下一页</a>`)

// allTodoRows reads every page of a to-do list.
func allTodoRows(t *testing.T, c *apptest.Client, path string) []todoRow {
	t.Helper()
	var out []todoRow
	for i := 0; path != "" && i < 50; i++ {
		r := c.Get(path)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, r.StatusCode)
		}
		out = append(out, todoRows(r.Body)...)
		path = ""
		if m := todoNextRE.FindStringSubmatch(r.Body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	return out
}

// principalOf is a demo or test account as the services see it.
func principalOf(t *testing.T, e *apptest.Env, username string) *auth.Principal {
	t.Helper()
	u, err := e.App.Auth.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return &auth.Principal{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, AgencyID: u.AgencyID, DivisionID: u.DivisionID,
		Roles: u.Roles, State: auth.StateActive, IP: "127.0.0.1"}
}

// plantTodos adds, beside the demo's due work, a consultation closing in
// three days, an open day in two, and an overdue draft of the given author
// (the demo has none of these due this week).
func plantTodos(t *testing.T, e *apptest.Env, author *auth.Principal) {
	t.Helper()
	ctx := context.Background()
	mzzj := e.Agency("mzzj")
	today := civil.Of(e.Clock.Now())
	policy := principalOf(t, e, "mzzj.policy")
	c, err := e.App.Consultations.Create(ctx, policy, mzzj.ID, consultation.Fields{Title: "关于《宗教活动场所消防安全指引（征求意见稿）》公开征求意见的公告（待办测试）",
		Summary: "欢迎提出意见。", Draft: "一、适用范围。\n二、消防设施。\n三、应急处置。", Explanation: "起草说明。",
		OpensOn: today.String(), ClosesOn: today.AddDays(3).String(), ShortReason: "冬季防火形势紧迫，须在节前印发。"})
	if err != nil {
		t.Fatal(err, apperr.FieldsOf(err))
	}
	if err := e.App.Consultations.Publish(ctx, policy, c.ID); err != nil {
		t.Fatal(err, apperr.FieldsOf(err))
	}
	editor := principalOf(t, e, "mzzj.editor")
	day := today.AddDays(2)
	now := e.Clock.Now().In(civil.Shanghai)
	ev, err := e.App.OpenDays.Create(ctx, editor, openday.Fields{Theme: "宗教活动场所消防安全开放日（待办测试）", Agenda: "参观；座谈", Place: "市民族和宗教事务局",
		Date: day.String(), Start: "09:30", End: "11:30", SignupOpens: now.Format("2006-01-02T15:04"), SignupCloses: day.AddDays(-1).String() + "T17:00",
		Capacity: "10", Selection: string(openday.FirstCome), Groups: "市民 10"})
	if err != nil {
		t.Fatal(err, apperr.FieldsOf(err))
	}
	if err := e.App.OpenDays.Publish(ctx, editor, ev.ID); err != nil {
		t.Fatal(err)
	}
	col, err := e.App.Disclosure.ColumnBySlug(ctx, mzzj.ID, "qtxx")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Disclosure.Create(ctx, author, mzzj.ID, disclosure.DraftFields{Title: "关于冬季宗教活动场所消防检查的通知（待办测试）",
		FormedOn: today.AddDays(-40).String(), Genre: "通知", FivePublics: []string{"result"}, Body: "正文", SourceType: "self", ColumnIDs: []int64{col.ID}}); err != nil {
		t.Fatal(err, apperr.FieldsOf(err))
	}
}

// TestTodoHTTP is the "done when": a handler logging in sees, in
// one list, due items from every capability, in deadline order, with
// 已逾期 / 即将到期 in words; the filters, the export, the supervision view
// and the refusals.
func TestTodoHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		// A handler of the disclosure office who also edits (as in a small
		// bureau): no division, so every division's work of their kinds.
		e.AddUser("mzzj", "m.todo", auth.Handler, auth.Editor)
		plantTodos(t, e, principalOf(t, e, "m.todo"))

		c := e.Client()
		c.Login("m.todo")
		r := c.Get("/console/todo")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("list: %d", r.StatusCode)
		}
		if n := len(todoRows(r.Body)); n != 50 || !strings.Contains(r.Body, ">下一页</a>") {
			t.Errorf("first page: %d rows", n)
		}
		rows := allTodoRows(t, c, "/console/todo")
		if len(rows) < len(todoSources) {
			t.Fatalf("%d rows:\n%s", len(rows), r.Body)
		}
		seen := map[string]bool{}
		for i, row := range rows {
			seen[row.source] = true
			if i > 0 && row.due < rows[i-1].due {
				t.Errorf("row %d due %s after %s: not in deadline order", i, row.due, rows[i-1].due)
			}
		}
		for _, s := range todoSources {
			if !seen[s] {
				t.Errorf("no item from %s in the handler's list (sources seen: %v)", s, seen)
			}
		}
		// Urgency in words beside the colour, and the counts at the top.
		if soon := c.Get("/console/todo?state=soon").Body; !strings.Contains(soon, `<span class="badge warn">即将到期</span>`) {
			t.Error("no 即将到期 badge among the items due soon")
		}
		for _, want := range []string{`<span class="badge danger">已逾期</span> 已逾期 `, "个工作日",
			"<h2>已逾期</h2>", "<h2>即将到期</h2>", `href="/console/todo/export.xlsx"`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("list lacks %q", want)
			}
		}
		if strings.Contains(r.Body, "部分待办暂时无法获取") {
			t.Error("a source failed")
		}
		if strings.Contains(r.Body, "/console/todo/supervision") {
			t.Error("a handler is offered the supervision view")
		}

		// Filters (a plain GET form).
		over := allTodoRows(t, c, "/console/todo?state=overdue")
		if len(over) == 0 {
			t.Error("no overdue items in the demo")
		}
		for _, row := range over {
			if !strings.Contains(row.state, "已逾期") {
				t.Errorf("state filter let through %+v", row)
			}
		}
		for _, row := range allTodoRows(t, c, "/console/todo?source=consultation") {
			if row.source != "征求意见" {
				t.Errorf("source filter let through %+v", row)
			}
		}
		if got := todoRows(c.Get("/console/todo?q=" + "消防检查").Body); len(got) != 1 || got[0].source != "信息发布" {
			t.Errorf("title search: %+v", got)
		}
		// Bad filters: the message beside the field, the person's own list.
		for q, want := range map[string]string{
			"view=agency":                  "只有单位管理员和审批人",
			"view=division":                "未分配处室",
			"source=..%2F..%2Fetc":         "没有这个待办来源",
			"state=late":                   "请选择已逾期或即将到期",
			"q=" + strings.Repeat("长", 51): "搜索词不能超过 50 个字",
		} {
			r := c.Get("/console/todo?" + q)
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, want) || len(todoRows(r.Body)) == 0 {
				t.Errorf("%s: %d, want 422 with %q and the list", q, r.StatusCode, want)
			}
		}
		r = c.Get("/console/todo?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
		if r.StatusCode != http.StatusOK || strings.Contains(r.Body, "<script>alert(1)") || !strings.Contains(r.Body, "&lt;script&gt;alert(1)") {
			t.Errorf("hostile search term: %d, not shown escaped", r.StatusCode)
		}

		// The export: the same list, laid out for printing, and audited.
		r = c.Get("/console/todo/export.xlsx")
		if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Fatalf("export: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		x, err := excelize.OpenReader(strings.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		sheet, _ := x.GetRows("待办事项")
		if len(sheet) != 3+len(rows) || !strings.HasPrefix(sheet[0][0], "上海市民族和宗教事务局待办事项清单") || sheet[2][1] != "期限" {
			t.Errorf("export: %d rows for %d items; title %q", len(sheet), len(rows), sheet[0])
		}
		x.Close()
		if r := c.Get("/console/todo/export.xlsx?state=late"); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "请选择已逾期或即将到期") {
			t.Errorf("export with a bad filter: %d", r.StatusCode)
		}
		var audited int
		e.App.DB.R.QueryRow("SELECT count(*) FROM audit_entries WHERE action = 'todo.export'").Scan(&audited)
		if audited != 1 {
			t.Errorf("%d export audit entries", audited)
		}

		// The demo handler (办公室): the office's applications and letters,
		// and the open day to prepare.
		h := e.Client()
		h.HTTP.Jar.SetCookies(mustURL(e.URL+"/console/"), []*http.Cookie{{Name: "gk_session", Value: e.SessionFor(principalOf(t, e, "mzzj.handler").UserID), Path: "/console"}})
		seen = map[string]bool{}
		for _, row := range allTodoRows(t, h, "/console/todo") {
			seen[row.source] = true
		}
		for _, s := range []string{"依申请公开", "回应关切", "政府开放日"} {
			if !seen[s] {
				t.Errorf("the demo handler sees nothing from %s: %v", s, seen)
			}
		}
		if r := h.Get("/console/todo/supervision"); r.StatusCode != http.StatusForbidden {
			t.Errorf("supervision for a handler: %d", r.StatusCode)
		}

		// The leader: the whole agency and the supervision view.
		ap := e.Client()
		ap.HTTP.Jar.SetCookies(mustURL(e.URL+"/console/"), []*http.Cookie{{Name: "gk_session", Value: e.SessionFor(principalOf(t, e, "mzzj.approver").UserID), Path: "/console"}})
		if agency := allTodoRows(t, ap, "/console/todo?view=agency"); len(agency) < len(rows) {
			t.Errorf("agency view: %d rows, fewer than the handler's %d", len(agency), len(rows))
		}
		r = ap.Get("/console/todo/supervision")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("supervision: %d", r.StatusCode)
		}
		for _, want := range []string{"各处室待办数量", "办公室", "宗教工作一处", "合计", "逾期最久的", `<span class="badge danger">已逾期</span>`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("supervision lacks %q", want)
			}
		}
		// Another agency's staff see none of mzzj's work.
		e.AddUser("pudong-mzb", "m.todo.pd", auth.Handler, auth.Editor)
		pd := e.Client()
		pd.Login("m.todo.pd")
		if body := pd.Get("/console/todo?q=待办测试").Body; len(todoRows(body)) != 0 {
			t.Error("another agency sees mzzj's to-dos")
		}
	})
}

// TestTodoDigestMail: the daily digest job e-mails a person their list,
// overdue first, over SMTP; a second run sends nothing more.
func TestTodoDigestMail(t *testing.T) {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			srv := smtptest.NewServer(t, smtptest.Options{})
			e := apptest.NewWith(t, d, map[string]string{
				"GONGKAI_SMTP_HOST":     "127.0.0.1",
				"GONGKAI_SMTP_PORT":     fmt.Sprint(srv.Port()),
				"GONGKAI_SMTP_SECURITY": "none",
				"GONGKAI_SMTP_FROM":     "政务公开 <gongkai@mzzj.example.gov.cn>",
			})
			ctx := context.Background()
			// The digest goes out on working days only.
			cal, err := e.App.Calendar.Calendar(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for !cal.IsWorkingDay(e.App.Todos.Today()) {
				e.Clock.Advance(24 * time.Hour)
			}
			u := e.AddUser("mzzj", "m.digest", auth.Handler, auth.Editor)
			if _, err := e.App.Auth.UpdateUser(ctx, auth.Operator("test"), u.ID, auth.UserUpdate{DisplayName: "待办测试员", Email: "digest@example.gov.cn",
				Roles: u.Roles}); err != nil {
				t.Fatal(err)
			}
			plantTodos(t, e, principalOf(t, e, "m.digest"))
			n, err := e.App.Todos.SendDigests(ctx)
			if err != nil || n == 0 {
				t.Fatalf("digests queued: %d %v", n, err)
			}
			var msgs []smtptest.Message
			for i := 0; i < 300 && len(msgs) == 0; i++ {
				if err := e.App.Jobs.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
				for _, m := range srv.Messages() {
					if len(m.To) == 1 && m.To[0] == "digest@example.gov.cn" {
						msgs = append(msgs, m)
					}
				}
				if len(msgs) == 0 {
					time.Sleep(20 * time.Millisecond)
				}
			}
			if len(msgs) != 1 {
				t.Fatalf("%d digests arrived", len(msgs))
			}
			var dec mime.WordDecoder
			subject, _ := dec.DecodeHeader(msgs[0].Header.Get("Subject"))
			if !strings.HasPrefix(subject, "【待办提醒】") || !strings.Contains(subject, "已逾期") {
				t.Errorf("subject %q", subject)
			}
			body := mailText(t, msgs[0])
			overdue, soon := strings.Index(body, "【已逾期】"), strings.Index(body, "个工作日内到期】")
			if overdue < 0 || soon < 0 || overdue > soon {
				t.Errorf("overdue first, then due soon:\n%s", body)
			}
			for _, want := range []string{"待办测试员：", "宗教活动场所消防安全指引", "宗教活动场所消防安全开放日", "关于冬季宗教活动场所消防检查的通知",
				"http://gongkai.test/console/", "查看全部待办：http://gongkai.test/console/todo"} {
				if !strings.Contains(body, want) {
					t.Errorf("digest lacks %q:\n%s", want, body)
				}
			}
			// Once a day.
			if n, err := e.App.Todos.SendDigests(ctx); err != nil || n != 0 {
				t.Errorf("second run: %d %v", n, err)
			}
		})
	}
}

// mailText decodes a single-part text message's body.
func mailText(t *testing.T, m smtptest.Message) string {
	t.Helper()
	var r io.Reader = bytes.NewReader(m.Body)
	switch strings.ToLower(m.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
