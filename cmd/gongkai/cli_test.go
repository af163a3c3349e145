package main

import (
	"bytes"
	"context"
	"database/sql"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/gongkai/gongkai/internal/app"
	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/extract"
	"github.com/gongkai/gongkai/internal/notify"
	"github.com/gongkai/gongkai/internal/search"
)

// cli runs gongkai in-process against the data folder dir.
func cli(t *testing.T, dir, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
		switch k {
		case "GONGKAI_DATA":
			return dir
		case "GONGKAI_LOG_LEVEL":
			return "error"
		}
		return ""
	}}
	code := run(context.Background(), e, args)
	return code, out.String(), errb.String()
}

func mustCLI(t *testing.T, dir string, args ...string) string {
	t.Helper()
	code, out, errs := cli(t, dir, "", args...)
	if code != 0 {
		t.Fatalf("gongkai %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// openData opens the database of the data folder dir, as serve would.
func openData(t *testing.T, dir string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestOperatorCommands(t *testing.T) {
	dir := t.TempDir()
	if out := mustCLI(t, dir, "migrate"); !strings.Contains(out, "已是最新结构") {
		t.Fatalf("migrate: %s", out)
	}
	// user add: a generated password that must be changed, printed once.
	out := mustCLI(t, dir, "user", "add", "--username", "ops.admin", "--name", "运维管理员", "--roles", "platform_admin")
	if !regexp.MustCompile(`初始密码：\S{19}`).MatchString(out) || !strings.Contains(out, "双因素认证") {
		t.Fatalf("user add: %s", out)
	}
	// Bad input is refused with a message, not half-saved.
	for _, args := range [][]string{
		{"user", "add", "--username", "x", "--name", "短", "--roles", "editor"},
		{"user", "add", "--username", "ops.editor", "--name", "编辑", "--roles", "wizard"},
		{"user", "add", "--username", "ops.editor", "--name", "编辑", "--roles", "editor"}, // editor needs an agency
		{"user", "add", "--username", "ops.editor", "--name", "编辑", "--roles", "editor", "--agency", "nope"},
		{"user", "passwd", "--username", "nobody"},
		{"user", "frobnicate"},
	} {
		if code, _, errs := cli(t, dir, "", args...); code == 0 || errs == "" {
			t.Errorf("gongkai %v accepted (exit %d)", args, code)
		}
	}
	// A chosen password from stdin must meet the policy.
	if code, _, errs := cli(t, dir, "short\n", "user", "passwd", "--username", "ops.admin", "--password-stdin"); code == 0 || !strings.Contains(errs, "至少需要 12") {
		t.Fatalf("weak password accepted: %d %s", code, errs)
	}
	if code, out, errs := cli(t, dir, "Ops-Harbour-2026\n", "user", "passwd", "--username", "ops.admin", "--password-stdin"); code != 0 || !strings.Contains(out, "已设置") {
		t.Fatalf("passwd: %d %s %s", code, out, errs)
	}
	mustCLI(t, dir, "user", "add", "--username", "ops.audit", "--name", "审计员", "--roles", "auditor")
	list := mustCLI(t, dir, "user", "list")
	if !strings.Contains(list, "ops.admin") || !strings.Contains(list, "ops.audit") || !strings.Contains(list, "auditor") {
		t.Fatalf("list: %s", list)
	}
	mustCLI(t, dir, "user", "disable", "--username", "ops.audit")
	if list := mustCLI(t, dir, "user", "list", "--platform"); !strings.Contains(list, "disabled") {
		t.Fatalf("disabled not listed: %s", list)
	}
	mustCLI(t, dir, "user", "enable", "--username", "ops.audit")
	mustCLI(t, dir, "user", "reset-2fa", "--username", "ops.admin")

	// Tokens.
	out = mustCLI(t, dir, "token", "create", "--username", "ops.admin", "--name", "监控", "--days", "30")
	if !regexp.MustCompile(`gk_[0-9a-f]{12}_[0-9a-f]{64}`).MatchString(out) {
		t.Fatalf("token create: %s", out)
	}
	id := regexp.MustCompile(`令牌 #(\d+)`).FindStringSubmatch(out)[1]
	if l := mustCLI(t, dir, "token", "list"); !strings.Contains(l, "监控") || !strings.Contains(l, "active") {
		t.Fatalf("token list: %s", l)
	}
	mustCLI(t, dir, "token", "revoke", "--id", id)
	if l := mustCLI(t, dir, "token", "list"); !strings.Contains(l, "revoked") {
		t.Fatalf("revoked token: %s", l)
	}

	// The audit chain verifies …
	if out := mustCLI(t, dir, "audit", "verify"); !strings.HasPrefix(out, "OK:") {
		t.Fatalf("audit verify: %s", out)
	}
	// … backup and restore round-trip …
	backupDir := filepath.Join(t.TempDir(), "backup")
	if out := mustCLI(t, dir, "backup", "--out", backupDir); !strings.Contains(out, "备份完成") {
		t.Fatalf("backup: %s", out)
	}
	restored := t.TempDir()
	if out := mustCLI(t, restored, "restore", "--from", backupDir); !strings.Contains(out, "审计日志校验通过") {
		t.Fatalf("restore: %s", out)
	}
	if list := mustCLI(t, restored, "user", "list"); !strings.Contains(list, "ops.admin") {
		t.Fatalf("restored data: %s", list)
	}
	if code, _, errs := cli(t, restored, "", "restore", "--from", backupDir); code == 0 || !strings.Contains(errs, "--force") {
		t.Fatalf("restore over existing data: %d %s", code, errs)
	}
	// … and editing an entry behind the application's back is detected.
	raw, err := sql.Open("sqlite", filepath.Join(dir, "gongkai.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DROP TRIGGER audit_entries_no_update", "UPDATE audit_entries SET summary = '改写' WHERE seq = 2"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	code, out, _ := cli(t, dir, "", "audit", "verify")
	if code != 1 || !strings.Contains(out, "FAILED") || !strings.Contains(out, "第 2 条") {
		t.Fatalf("tampering not reported: %d %s", code, out)
	}
	if out := mustCLI(t, dir, "version"); !strings.HasPrefix(out, "gongkai ") {
		t.Fatalf("version: %s", out)
	}
	if code, _, _ := cli(t, dir, "", "nonsense"); code != 2 {
		t.Fatalf("unknown command exit %d", code)
	}
}

// TestWorkdaysUsesTheInstallationsCalendar: a year entered by an
// administrator (here through the service) is what the command counts in.
func TestWorkdaysUsesTheInstallationsCalendar(t *testing.T) {
	dir := t.TempDir()
	mustCLI(t, dir, "migrate")
	ctx := context.Background()
	d := openData(t, dir)
	svc := calendar.NewService(d)
	err := d.Tx(ctx, func(tx db.Tx) error {
		_, err := svc.SetYear(ctx, tx, 2028, []calendar.Day{{Date: civil.MustParse("2028-01-03"), Kind: calendar.Off, Name: "元旦"}}, "测试", "test")
		return err
	})
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	if out := mustCLI(t, t.TempDir(), "workdays", "is", "--date", "2028-01-03", "--data", dir); !strings.Contains(out, "休息日，放假（元旦）") {
		t.Fatalf("--data calendar not used: %s", out)
	}
	if out := mustCLI(t, dir, "workdays", "is", "--date", "2028-01-03"); !strings.Contains(out, "休息日") {
		t.Fatalf("GONGKAI_DATA calendar not used: %s", out)
	}
}

func TestFlagsMayFollowArguments(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.String("data", "", "")
	fs.Bool("demo", false, "")
	got := flagsFirst(fs, []string{"items", "a.jsonl", "--data", "./d", "--demo", "--agency=x", "--", "-odd"})
	want := []string{"--data", "./d", "--demo", "--agency=x", "--", "items", "a.jsonl", "-odd"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got %q", got)
	}
}

// TestImportItems runs "gongkai import items" on a data folder with the
// demo agencies: a JSON Lines file with an attachment, then the same file
// again (idempotent), then a file with a bad row (exit code 1, line number).
func TestImportItems(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	cfg := apptest.Config(t, map[string]string{"GONGKAI_DATA": dir, "GONGKAI_LOG_LEVEL": "error"})
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	a.Close()
	files := t.TempDir()
	os.WriteFile(filepath.Join(files, "办法.docx"), extract.MakeDOCX([]string{"迁移附件中的独特词语琉璃瓦"}), 0o600)
	good := `{"agency":"pudong-mzb","index_number":"MIG/2019-00001","title":"浦东新区宗教活动场所消防安全管理办法","published_on":"2019-05-06","columns":["zcwj"],"body":"正文","attachments":["办法.docx"]}
{"agency":"pudong-mzb","index_number":"MIG/2019-00002","title":"浦东新区民族团结进步创建工作方案","published_on":"2019-06-01","columns":["ghjh"],"genre":"方案"}
`
	path := filepath.Join(files, "old-site.jsonl")
	os.WriteFile(path, []byte(good), 0o600)
	out := mustCLI(t, dir, "import", "items", path, "--data", dir)
	if !strings.Contains(out, "共 2 行，1 批：新增 2 条，更新 0 条") {
		t.Fatalf("import: %s", out)
	}
	if out := mustCLI(t, dir, "import", "items", path); !strings.Contains(out, "新增 0 条，更新 2 条") {
		t.Fatalf("re-import: %s", out)
	}
	os.WriteFile(path, []byte(good+`{"agency":"pudong-mzb","index_number":"MIG/2019-00003","title":"坏行","published_on":"2019-02-30","columns":["zcwj"]}`+"\n"), 0o600)
	code, out, errs := cli(t, dir, "", "import", "items", path)
	if code != 1 || !strings.Contains(out, "第 3 行") || !strings.Contains(out, "发布日期") || !strings.Contains(errs, "rejected") {
		t.Fatalf("bad row: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := cli(t, dir, "", "import", "items", filepath.Join(files, "none.jsonl")); code == 0 || !strings.Contains(errs, "none.jsonl") {
		t.Fatalf("missing file: %d %s", code, errs)
	}
	// The imported items are public and searchable.
	d, err := db.OpenSQLite(ctx, filepath.Join(dir, "gongkai.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	res, err := search.Search(ctx, d, search.Request{Query: "琉璃瓦"})
	if err != nil || res.Total != 1 {
		t.Fatalf("search: %+v %v", res, err)
	}
}

func TestMemoryLimit(t *testing.T) {
	for cache, want := range map[int64]int64{0: 256 << 20, 64 << 20: 256 << 20, 512 << 20: 1152 << 20} {
		if got := memoryLimit(cache); got != want {
			t.Errorf("page cache %d: limit %d, want %d", cache, got, want)
		}
	}
}

// TestMailCommands: "gongkai mail list" shows the outbox newest first with
// addresses and personal numbers masked; "mail retry" queues a failed
// message again and audits it; bad flags are refused.
func TestMailCommands(t *testing.T) {
	dir := t.TempDir()
	mustCLI(t, dir, "migrate")
	ctx := context.Background()
	d := openData(t, dir)
	var ok, bad int64
	err := d.Tx(ctx, func(tx db.Tx) error {
		var err error
		if ok, err = notify.Queue(ctx, tx, notify.Message{To: []string{"张三 <zhangsan@example.cn>", "lisi@example.cn"},
			Subject: "【政务公开】申请已受理 13812345678", Text: "正文"}, notify.QueueOptions{Purpose: "application"}); err != nil {
			return err
		}
		bad, err = notify.Queue(ctx, tx, notify.Message{To: []string{"wangwu@example.cn"}, Subject: "答复", Text: "正文"},
			notify.QueueOptions{Purpose: "concern.reply"})
		return err
	})
	if err == nil {
		_, err = d.W.ExecContext(ctx, "UPDATE outbox SET status = 'failed', attempts = 10, last_error = $2 WHERE id = $1",
			bad, "550 mailbox unavailable \x1b[2J\tgone")
	}
	d.Close()
	if err != nil {
		t.Fatal(err)
	}

	out := mustCLI(t, dir, "mail", "list")
	for _, want := range []string{"z***@example.cn +1", "w***@example.cn", "138****5678", "application", "concern.reply",
		"failed", "10/10", "550 mailbox unavailable [2J gone", "queued"} {
		if !strings.Contains(out, want) {
			t.Errorf("mail list lacks %q:\n%s", want, out)
		}
	}
	for _, leak := range []string{"zhangsan@", "lisi@", "wangwu@", "13812345678", "\x1b"} {
		if strings.Contains(out, leak) {
			t.Errorf("mail list shows %q:\n%s", leak, out)
		}
	}
	if strings.Index(out, "w***@") > strings.Index(out, "z***@") {
		t.Errorf("not newest first:\n%s", out)
	}
	if out := mustCLI(t, dir, "mail", "list", "--status", "failed"); strings.Contains(out, "z***@") || !strings.Contains(out, "w***@") {
		t.Errorf("--status failed:\n%s", out)
	}
	if out := mustCLI(t, dir, "mail", "list", "--limit", "1"); !strings.Contains(out, "--before "+strconv.FormatInt(bad, 10)) {
		t.Errorf("--limit 1 gives no next page:\n%s", out)
	}
	if out := mustCLI(t, dir, "mail", "list", "--status", "sent"); !strings.Contains(out, "没有符合条件的邮件") {
		t.Errorf("--status sent:\n%s", out)
	}

	for _, args := range [][]string{
		{"mail", "list", "--status", "bogus"},
		{"mail", "list", "--limit", "0"},
		{"mail", "list", "--limit", "501"},
		{"mail", "list", "--agency", "nope"},
		{"mail", "retry"},
		{"mail", "retry", "--id", "999"},
		{"mail", "retry", "--id", strconv.FormatInt(ok, 10)}, // queued, not failed
		{"mail", "frobnicate"},
	} {
		if code, _, errs := cli(t, dir, "", args...); code == 0 || errs == "" {
			t.Errorf("gongkai %v accepted (exit %d)", args, code)
		}
	}
	if out := mustCLI(t, dir, "mail", "retry", "--id", strconv.FormatInt(bad, 10)); !strings.Contains(out, "已重新排队") {
		t.Fatalf("retry: %s", out)
	}
	if out := mustCLI(t, dir, "mail", "list", "--status", "failed"); !strings.Contains(out, "没有符合条件的邮件") {
		t.Errorf("still failed after retry:\n%s", out)
	}
	d = openData(t, dir)
	defer d.Close()
	var audited int
	d.R.QueryRow("SELECT COUNT(*) FROM audit_entries WHERE action = 'mail.retry' AND object_id = $1", strconv.FormatInt(bad, 10)).Scan(&audited)
	if audited != 1 {
		t.Errorf("%d audit entries for the retry", audited)
	}
	if out := mustCLI(t, dir, "audit", "verify"); !strings.HasPrefix(out, "OK:") {
		t.Fatalf("audit verify: %s", out)
	}
}
