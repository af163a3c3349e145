package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/db"
)

// The checker must be able to fail: an acknowledged submission that is
// not in the database is lost, an attachment row without its blob or with
// other bytes is reported, and a blob without a row is counted.
func TestCheckerFindsLossAndDamage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := db.Open(ctx, db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	d.Close()
	st, err := openStore(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	recs := []*Record{
		{Seq: 1, Kind: KindApplication, Status: Ack, Number: "2026-999999", Code: "X"},
		{Seq: 2, Kind: KindLetter, Status: Ack, Number: "X2026-999999", Code: "X"},
		{Seq: 3, Kind: KindComment, Status: Ack, CommentID: 99999},
		{Seq: 4, Kind: KindSignup, Status: Ack, EventID: 1, Phone: "13900000000"},
		{Seq: 5, Kind: KindLetter, Status: Unknown, Subject: "never arrived"},
	}
	v := st.Verify(ctx, recs)
	if v.OK() || len(v.Lost) != 4 || v.Acked != 4 || v.UnknownAbsent != 1 || len(v.Problems) != 0 {
		t.Fatalf("verdict on an empty database: %+v", v)
	}

	// Attachments: one row whose blob is missing, one whose blob has other
	// bytes, one good, and one blob without a row.
	good := []byte("%PDF-1.4 good")
	write := func(key string, b []byte) {
		p := filepath.Join(st.BlobRoot, filepath.FromSlash(key))
		os.MkdirAll(filepath.Dir(p), 0o750)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	key := func(c byte) string { return "2026/11/" + repeat(c) + ".pdf" }
	write(key('a'), good)
	write(key('b'), []byte("tampered"))
	write(key('d'), good)
	for _, k := range []string{key('a'), key('b'), key('c')} {
		if _, err := st.DB.W.ExecContext(ctx, `INSERT INTO attachments (blob_key, file_name, content_type, size, sha256, purpose, created_at)
			VALUES ($1, 'x.pdf', 'application/pdf', $2, $3, 'test', $4)`, k, len(good), sha(good), time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := st.Blobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.Rows != 3 || len(rep.MissingBlobs) != 1 || len(rep.BadBlobs) != 1 || rep.OrphanBlobs != 1 {
		t.Fatalf("blob report: %+v", rep)
	}
	if msg, err := st.Integrity(ctx, ""); err != nil {
		t.Fatalf("integrity of a fresh database: %v", err)
	} else if msg == "" {
		t.Fatal("no integrity message")
	}
}

func repeat(c byte) string {
	b := make([]byte, 32)
	for i := range b {
		b[i] = c
	}
	return string(b)
}
