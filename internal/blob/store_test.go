package blob

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

func insertAgency(t *testing.T, d *db.DB, slug string) int64 {
	t.Helper()
	var id int64
	now := db.Now()
	err := d.Tx(context.Background(), func(tx db.Tx) error {
		return tx.QueryRowContext(context.Background(), `INSERT INTO agencies (slug, kind, name, created_at, updated_at)
			VALUES ($1, 'bureau', $2, $3, $3) RETURNING id`, slug, slug+"局", now).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// save ingests a file and inserts its row in a transaction, the way a
// capability does.
func save(t *testing.T, d *db.DB, s Store, agencyID int64, name string, data []byte) (int64, Upload) {
	t.Helper()
	ctx := context.Background()
	up, err := Ingest(ctx, s, name, bytes.NewReader(data), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	err = d.Tx(ctx, func(tx db.Tx) error {
		id, err = InsertAttachment(ctx, tx, up.Attachment(agencyID, "disclosure", 0))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id, up
}

func TestAttachmentRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newLocal(t)
		a := insertAgency(t, d, "a")
		b := insertAgency(t, d, "b")

		before := db.Now()
		idA, upA := save(t, d, s, a, "甲局通知.pdf", pdfFile())
		got, err := GetAttachment(ctx, d.R, a, idA)
		if err != nil {
			t.Fatal(err)
		}
		want := upA.Attachment(a, "disclosure", 0)
		want.ID, want.CreatedAt = idA, got.CreatedAt
		if got != want {
			t.Fatalf("GetAttachment = %+v\nwant %+v", got, want)
		}
		if got.CreatedAt.Before(before) || got.CreatedAt.Location() != time.UTC {
			t.Fatalf("created_at %v", got.CreatedAt)
		}

		// Agency isolation: B, and the platform scope, cannot see A's file.
		for _, scope := range []int64{b, 0, -1} {
			if _, err := GetAttachment(ctx, d.R, scope, idA); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("agency %d sees agency %d's attachment: %v", scope, a, err)
			}
		}
		// Platform-level files (agency_id NULL) are seen in the platform
		// scope only.
		idP, _ := save(t, d, s, 0, "平台说明.docx", docxFile(t))
		p, err := GetAttachment(ctx, d.R, 0, idP)
		if err != nil || p.AgencyID != 0 || p.FileName != "平台说明.docx" {
			t.Fatalf("platform attachment = %+v, %v", p, err)
		}
		var isNull bool
		d.R.QueryRowContext(ctx, "SELECT agency_id IS NULL FROM attachments WHERE id = $1", idP).Scan(&isNull)
		if !isNull {
			t.Error("platform attachment stored with a non-NULL agency_id")
		}
		if _, err := GetAttachment(ctx, d.R, a, idP); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("an agency sees a platform attachment through its scope: %v", err)
		}
		if _, err := GetAttachment(ctx, d.R, a, 999999); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("missing attachment: %v", err)
		}

		// The same blob cannot be registered twice.
		err = d.Tx(ctx, func(tx db.Tx) error {
			_, err := InsertAttachment(ctx, tx, upA.Attachment(b, "", 0))
			return err
		})
		if !apperr.Is(err, apperr.Conflict) {
			t.Errorf("duplicate key: %v", err)
		}
		// An unknown agency is refused.
		err = d.Tx(ctx, func(tx db.Tx) error {
			up := upA
			up.Key = "2026/11/other.pdf"
			_, err := InsertAttachment(ctx, tx, up.Attachment(424242, "", 0))
			return err
		})
		if !apperr.Is(err, apperr.Invalid) {
			t.Errorf("unknown agency: %v", err)
		}
		// Incomplete rows are refused before the database.
		for _, bad := range []Attachment{{}, {Key: "../x", FileName: "x", ContentType: "x", SHA256: upA.SHA256}, {Key: "a", ContentType: "x", SHA256: upA.SHA256}} {
			if _, err := InsertAttachment(ctx, d.W, bad); err == nil {
				t.Errorf("InsertAttachment(%+v) succeeded", bad)
			}
		}
	})
}

func TestDeleteOrphans(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newLocal(t)
		a := insertAgency(t, d, "a")
		keep, upKeep := save(t, d, s, a, "保留.pdf", pdfFile())

		// A transaction that fails after the blob was written: the blob
		// stays, the row does not.
		up, err := Ingest(ctx, s, "失败.pdf", bytes.NewReader(pdfFile()), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		boom := errors.New("later step failed")
		err = d.Tx(ctx, func(tx db.Tx) error {
			if _, err := InsertAttachment(ctx, tx, up.Attachment(a, "", 0)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if ok, _ := s.Exists(ctx, up.Key); !ok {
			t.Fatal("the orphan blob is missing")
		}

		// Many more orphans, to cross a batch boundary.
		var orphans []string
		for range orphanBatch + 30 {
			k, _ := newKey(PNG, time.Now())
			if _, err := s.Put(ctx, k, bytes.NewReader(pngFile(t))); err != nil {
				t.Fatal(err)
			}
			orphans = append(orphans, k)
		}

		// Within the grace period nothing goes: those transactions might
		// still be running.
		n, err := DeleteOrphans(ctx, d, s, time.Hour)
		if err != nil || n != 0 {
			t.Fatalf("DeleteOrphans within grace = %d, %v", n, err)
		}

		// Age everything.
		old := time.Now().Add(-2 * time.Hour)
		filepath.WalkDir(s.Root(), func(p string, e os.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				os.Chtimes(p, old, old)
			}
			return nil
		})
		n, err = DeleteOrphans(ctx, d, s, time.Hour)
		if err != nil || n != len(orphans)+1 {
			t.Fatalf("DeleteOrphans = %d, %v; want %d", n, err, len(orphans)+1)
		}
		if ok, _ := s.Exists(ctx, up.Key); ok {
			t.Error("the orphan of the failed transaction is still there")
		}
		if ok, _ := s.Exists(ctx, upKeep.Key); !ok {
			t.Fatal("DeleteOrphans deleted a referenced blob")
		}
		if _, err := GetAttachment(ctx, d.R, a, keep); err != nil {
			t.Fatal(err)
		}
		if got := listAll(t, s, ""); len(got) != 1 || got[0] != upKeep.Key {
			t.Fatalf("left: %v", got)
		}
		if n, err := DeleteOrphans(ctx, d, s, time.Hour); n != 0 || err != nil {
			t.Fatalf("second DeleteOrphans = %d, %v", n, err)
		}
		if _, err := DeleteOrphans(ctx, d, s, -time.Second); err == nil {
			t.Error("negative grace period accepted")
		}
	})
}

// TestDeleteOrphansS3 runs the cleanup against the fake S3 bucket (not in
// parallel: fakeS3 sets environment variables).
func TestDeleteOrphansS3(t *testing.T) {
	ctx := context.Background()
	d := dbtest.SQLite(t)
	s := openFakeS3(t)
	a := insertAgency(t, d, "a")
	_, upKeep := save(t, d, s, a, "保留.xlsx", xlsxFile(t))
	orphan, err := Ingest(ctx, s, "孤儿.pdf", bytes.NewReader(pdfFile()), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := DeleteOrphans(ctx, d, s, time.Hour); n != 0 || err != nil {
		t.Fatalf("DeleteOrphans within grace = %d, %v", n, err)
	}
	time.Sleep(1100 * time.Millisecond) // S3 times have a resolution of a second
	if n, err := DeleteOrphans(ctx, d, s, 0); n != 1 || err != nil {
		t.Fatalf("DeleteOrphans = %d, %v", n, err)
	}
	if ok, _ := s.Exists(ctx, orphan.Key); ok {
		t.Error("orphan kept")
	}
	if ok, _ := s.Exists(ctx, upKeep.Key); !ok {
		t.Error("referenced blob deleted")
	}
}
