package backup_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/backup"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

func pngBytes(t *testing.T, shade uint8) []byte {
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = shade
	}
	img.Set(1, 1, color.Gray{Y: 255 - shade})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func addAttachment(t *testing.T, ctx context.Context, d *db.DB, s blob.Store, shade uint8) blob.Attachment {
	t.Helper()
	up, err := blob.Ingest(ctx, s, fmt.Sprintf("照片%d.png", shade), bytes.NewReader(pngBytes(t, shade)), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	a := up.Attachment(0, "test", 0)
	err = d.Tx(ctx, func(tx db.Tx) error {
		a.ID, err = blob.InsertAttachment(ctx, tx, a)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.System, audit.Event{Action: "attachment.add", ObjectID: fmt.Sprint(a.ID)})
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestRoundTripWhileWriting backs up a SQLite installation while another
// goroutine keeps committing changes, restores the backup elsewhere, and
// checks the copy is consistent: integrity check, audit chain, and every
// attachment row with its bytes.
func TestRoundTripWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := db.Open(ctx, db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	store, err := blob.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		addAttachment(t, ctx, d, store, uint8(i*40))
	}
	if err := os.WriteFile(filepath.Join(dir, backup.SecretKeyFile), []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			addAttachment(t, ctx, d, store, uint8(200+i%50))
		}
	}()
	out := filepath.Join(t.TempDir(), "backup")
	m, err := backup.Create(ctx, d, store, out, dir)
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if m.Database != db.SQLiteFile || m.SchemaVersion == 0 {
		t.Fatalf("manifest: %+v", m)
	}
	if _, err := backup.Create(ctx, d, store, out, dir); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("backup into a non-empty folder: %v", err)
	}

	target := t.TempDir()
	tstore, err := blob.Open(ctx, "", target)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Restore(ctx, out, backup.RestoreOptions{DataDir: target, Store: tstore}); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Restore(ctx, out, backup.RestoreOptions{DataDir: target, Store: tstore}); err == nil {
		t.Fatal("restore over an existing database without --force")
	}
	if _, err := backup.Restore(ctx, out, backup.RestoreOptions{DataDir: target, Store: tstore, Force: true}); err != nil {
		t.Fatalf("forced restore: %v", err)
	}
	// The secret key came along (without it restored 2FA cannot work), private.
	key, err := os.ReadFile(filepath.Join(target, backup.SecretKeyFile))
	if err != nil || !strings.HasPrefix(string(key), "0123456789abcdef") {
		t.Fatalf("secret key not restored: %v", err)
	}
	if fi, _ := os.Stat(filepath.Join(target, backup.SecretKeyFile)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret key mode %v", fi.Mode())
	}
	// A forced restore kept the replaced files beside the new ones.
	if old, _ := filepath.Glob(filepath.Join(target, "gongkai.db.before-restore-*")); len(old) == 0 {
		t.Fatal("the replaced database was not kept")
	}
	r, err := db.Open(ctx, db.Options{DataDir: target})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var check string
	if err := r.R.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
	rep, err := audit.Verify(ctx, r.R)
	if err != nil || !rep.OK() {
		t.Fatalf("audit chain of the copy: %+v %v", rep, err)
	}
	rows, err := r.R.Query("SELECT blob_key, sha256 FROM attachments")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var key, sum string
		rows.Scan(&key, &sum)
		rc, err := tstore.Open(ctx, key)
		if err != nil {
			t.Fatalf("attachment %s referenced by the restored database is missing: %v", key, err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if got := sha(b); got != sum {
			t.Fatalf("attachment %s damaged", key)
		}
		n++
	}
	if n < 5 || rep.Checked != int64(n) {
		t.Fatalf("restored %d attachments, %d audit entries", n, rep.Checked)
	}
}

func TestDamagedBackupIsRefused(t *testing.T) {
	ctx := context.Background()
	d := dbtest.SQLite(t)
	store, _ := blob.NewLocal(t.TempDir())
	addAttachment(t, ctx, d, store, 7)
	out := filepath.Join(t.TempDir(), "b")
	if _, err := backup.Create(ctx, d, store, out, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	f, _ := os.OpenFile(filepath.Join(out, db.SQLiteFile), os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte("x"))
	f.Close()
	if _, err := backup.ReadManifest(out); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged backup accepted: %v", err)
	}
}

// TestPostgresRoundTripWhileWriting backs up a PostgreSQL installation
// (pg_dump, then the attachments) while another goroutine keeps adding
// attachments, restores it into a fresh database, and checks that every
// attachment row of the restored database has its blob with the right
// bytes and that the audit chain verifies.
func TestPostgresRoundTripWhileWriting(t *testing.T) {
	ctx := context.Background()
	srcURL := dbtest.PostgresURL(t)
	if _, err := exec.LookPath("pg_dump"); err != nil {
		if os.Getenv(dbtest.EnvRequire) == "1" {
			t.Fatalf("pg_dump not found but %s=1: %v", dbtest.EnvRequire, err)
		}
		t.Skip("pg_dump not found")
	}
	d, err := db.Open(ctx, db.Options{URL: srcURL, MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	store, _ := blob.NewLocal(t.TempDir())
	for i := range 3 {
		addAttachment(t, ctx, d, store, uint8(i*40))
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			addAttachment(t, ctx, d, store, uint8(200+i%50))
		}
	}()
	out := filepath.Join(t.TempDir(), "b")
	m, err := backup.Create(ctx, d, store, out, t.TempDir())
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if m.PGDump != backup.PGDumpFile || m.Database != "" {
		t.Fatalf("manifest: %+v", m)
	}
	if _, err := backup.ReadManifest(out); err != nil {
		t.Fatal(err)
	}

	// A fresh database to restore into.
	admin, err := sql.Open("pgx", os.Getenv(dbtest.EnvURL))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var rnd [6]byte
	rand.Read(rnd[:])
	name := "gktest_restore_" + hex.EncodeToString(rnd[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	u, _ := url.Parse(srcURL)
	u.Path = "/" + name
	dstURL := u.String()

	// Restoring into a database that has tables is refused without --force.
	if _, err := backup.Restore(ctx, out, backup.RestoreOptions{DataDir: t.TempDir(), Store: store, DatabaseURL: srcURL}); err == nil || !strings.Contains(err.Error(), "already has") {
		t.Fatalf("restore into a non-empty database: %v", err)
	}
	if _, err := backup.Restore(ctx, out, backup.RestoreOptions{DataDir: t.TempDir(), Store: store}); err == nil || !strings.Contains(err.Error(), "GONGKAI_DATABASE_URL") {
		t.Fatalf("restore without a database: %v", err)
	}
	restored, _ := blob.NewLocal(t.TempDir())
	if _, err := backup.Restore(ctx, out, backup.RestoreOptions{DataDir: t.TempDir(), Store: restored, DatabaseURL: dstURL}); err != nil {
		t.Fatal(err)
	}
	r, err := db.Open(ctx, db.Options{URL: dstURL, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows, err := r.R.QueryContext(ctx, "SELECT blob_key, sha256 FROM attachments")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var key, sum string
		if err := rows.Scan(&key, &sum); err != nil {
			t.Fatal(err)
		}
		n++
		rc, err := restored.Open(ctx, key)
		if err != nil {
			t.Fatalf("attachment %s of the restored database is not in the backup: %v", key, err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if sha(b) != sum {
			t.Fatalf("attachment %s: wrong bytes", key)
		}
	}
	rows.Close()
	if n < 3 {
		t.Fatalf("restored %d attachments, want at least 3", n)
	}
	rep, err := audit.Verify(ctx, r.R)
	if err != nil || !rep.OK() {
		t.Fatalf("audit chain of the restored database: %v %+v", err, rep)
	}
}

func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
