package blob

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

// TestIngestRealDiskFull fills a real (tiny tmpfs) attachments folder: the
// upload fails with the clear message, no partial file and no row remain,
// and the space is given back for the next upload. It needs root and mount
// rights (as on the development machines and CI) and skips elsewhere.
func TestIngestRealDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tiny tmpfs")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, "size=256k,mode=0700"); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })

	ctx := context.Background()
	d := dbtest.SQLite(t)
	store, err := NewLocal(filepath.Join(dir, LocalDir))
	if err != nil {
		t.Fatal(err)
	}
	// save is how a capability stores an upload: blob first, row after.
	save := func(name string, body []byte) (int64, error) {
		up, err := Ingest(ctx, store, name, bytes.NewReader(body), 10<<20)
		if err != nil {
			return 0, err
		}
		var id int64
		err = d.Tx(ctx, func(tx db.Tx) error {
			id, err = InsertAttachment(ctx, tx, up.Attachment(0, "test", 0))
			return err
		})
		return id, err
	}

	big := append(pdfFile(), make([]byte, 1<<20)...)
	_, err = save("大文件.pdf", big)
	assertNoSpace(t, err)
	if got := filesUnder(t, dir); len(got) != 0 {
		t.Fatalf("partial files left on the full disk: %v", got)
	}
	var rows int
	if err := d.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM attachments").Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("attachments rows after a failed upload: %d, %v", rows, err)
	}

	// The space was given back: a small file fits.
	id, err := save("小文件.pdf", pdfFile())
	if err != nil {
		t.Fatalf("small upload after a failed big one: %v", err)
	}
	a, err := GetAttachment(ctx, d.R, 0, id)
	if err != nil || a.FileName != "小文件.pdf" {
		t.Fatalf("GetAttachment = %+v, %v", a, err)
	}
}
