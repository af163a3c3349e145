package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/backup"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/db"
)

func init() {
	register("backup", "备份数据库和附件 (consistent snapshot while serving)", runBackup)
	register("restore", "从备份恢复 (restore a backup)", runRestore)
	register("audit", "审计日志：verify 校验哈希链 (verify the audit chain)", runAudit)
}

func runBackup(ctx context.Context, e env, args []string) error {
	fs, f := newFlags(e, "backup", "backup --out DIR [--data ./data | GONGKAI_DATABASE_URL=… [--pg-dump pg_dump]]", false)
	out := fs.String("out", "", "backup folder to create (must not exist or be empty)")
	pgDump := fs.String("pg-dump", "pg_dump", "pg_dump program (PostgreSQL; the server's major version or newer)")
	cfg, err := parse(fs, f, args)
	if err != nil {
		return err
	}
	if *out == "" {
		fmt.Fprintln(e.Stderr, "gongkai backup: --out is required")
		return errUsage
	}
	c, err := openCore(ctx, cfg, e)
	if err != nil {
		return err
	}
	defer c.Close()
	store, err := blob.Open(ctx, cfg.BlobURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer store.Close()
	m, err := backup.CreateWith(ctx, c.DB, store, *out, cfg.DataDir, backup.CreateOptions{PGDump: *pgDump})
	if err != nil {
		return err
	}
	attachments := 0
	for _, f := range m.Files {
		if strings.HasPrefix(f.Path, backup.AttachmentsDir+"/") {
			attachments++
		}
	}
	if m.Database != "" {
		fmt.Fprintf(e.Stdout, "数据库快照：%s/%s\n", *out, m.Database)
	}
	if m.PGDump != "" {
		fmt.Fprintf(e.Stdout, "数据库导出（pg_dump）：%s/%s\n", *out, m.PGDump)
	}
	fmt.Fprintf(e.Stdout, "附件：%d 个\n备份完成：%s（结构版本 %d）\n", attachments, *out, m.SchemaVersion)
	for _, n := range m.Notes {
		fmt.Fprintln(e.Stdout, n)
	}
	return nil
}

func runRestore(ctx context.Context, e env, args []string) error {
	fs, f := newFlags(e, "restore", "restore --from DIR [--force] [--data ./data | GONGKAI_DATABASE_URL=… (an empty database)]", false)
	from := fs.String("from", "", "backup folder made by gongkai backup")
	force := fs.Bool("force", false, "replace an existing database (SQLite: the old file is kept beside it; PostgreSQL: pg_restore --clean)")
	pgRestore := fs.String("pg-restore", "pg_restore", "pg_restore program (PostgreSQL backups)")
	cfg, err := parse(fs, f, args)
	if err != nil {
		return err
	}
	if *from == "" {
		fmt.Fprintln(e.Stderr, "gongkai restore: --from is required")
		return errUsage
	}
	m, err := backup.ReadManifest(*from)
	if err != nil {
		return err
	}
	if m.Dialect == string(db.SQLite) && cfg.DatabaseURL != "" {
		return fmt.Errorf("this is a SQLite backup but GONGKAI_DATABASE_URL points at PostgreSQL; unset it to restore into --data")
	}
	store, err := blob.Open(ctx, cfg.BlobURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := backup.Restore(ctx, *from, backup.RestoreOptions{DataDir: cfg.DataDir, Store: store, Force: *force,
		DatabaseURL: cfg.DatabaseURL, PGRestore: *pgRestore}); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "已从 %s 恢复（备份时间 %s）。\n", *from, m.CreatedAt.Local().Format("2006-01-02 15:04:05"))
	for _, n := range m.Notes {
		fmt.Fprintln(e.Stdout, n)
	}
	// Open once so that a restored older schema is migrated and checked.
	c, err := openCore(ctx, cfg, e)
	if err != nil {
		return err
	}
	defer c.Close()
	rep, err := audit.Verify(ctx, c.DB.R)
	if err != nil {
		return err
	}
	if !rep.OK() {
		return fmt.Errorf("restored, but the audit chain does not verify: %d problems (run gongkai audit verify)", len(rep.Problems))
	}
	fmt.Fprintf(e.Stdout, "审计日志校验通过（%d 条）。\n", rep.Checked)
	return nil
}

func runAudit(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(e.Stderr, "Usage: gongkai audit verify [--data ./data | GONGKAI_DATABASE_URL=…]")
		return errUsage
	}
	fs, f := newFlags(e, "audit verify", "audit verify", false)
	cfg, err := parse(fs, f, args[1:])
	if err != nil {
		return err
	}
	c, err := openCore(ctx, cfg, e)
	if err != nil {
		return err
	}
	defer c.Close()
	rep, err := audit.Verify(ctx, c.DB.R)
	if err != nil {
		return err
	}
	if rep.OK() {
		fmt.Fprintf(e.Stdout, "OK: 审计日志完整，已校验 %d 条（第 %d–%d 条）。\n", rep.Checked, rep.FirstSeq, rep.LastSeq)
		return nil
	}
	fmt.Fprintf(e.Stdout, "FAILED: 审计日志发现 %d 处异常：\n", len(rep.Problems))
	for _, p := range rep.Problems {
		fmt.Fprintf(e.Stdout, "  第 %d 条：%s\n", p.Seq, p.Message)
	}
	return fmt.Errorf("the audit chain is broken")
}
