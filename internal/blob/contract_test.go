package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
)

// badKeys must be refused by every store and every operation.
var badKeys = []string{
	"", "/", "/etc/passwd", "../x.pdf", "a/../../x.pdf", "a/..", "..", ".", "a/./b.pdf",
	`a\b.pdf`, `..\x.pdf`, "a//b.pdf", "a/", ".hidden", "a/.tmp-123", "a b.pdf", "中文.pdf",
	"a\x00b", "a\nb", "C:/x.pdf", "a%2F..%2Fb", strings.Repeat("a", maxKeyLen+1),
	strings.Repeat("a", 256) + "/b",
}

// failingReader yields n bytes, then fails.
type failingReader struct {
	n   int
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, f.err
	}
	k := min(len(p), f.n)
	for i := range p[:k] {
		p[i] = 'x'
	}
	f.n -= k
	return k, nil
}

// listAll returns every key in the store with the prefix, sorted.
func listAll(t *testing.T, s Store, prefix string) []string {
	t.Helper()
	var keys []string
	err := s.List(context.Background(), prefix, func(key string, size int64, modTime time.Time) error {
		keys = append(keys, key)
		return nil
	})
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	sort.Strings(keys)
	return keys
}

// testStoreContract checks the Store contract on an empty store.
func testStoreContract(t *testing.T, s Store) {
	ctx := context.Background()
	body := []byte("%PDF-1.7 政务公开")

	// Round trip.
	info, err := s.Put(ctx, "2026/11/a.pdf", bytes.NewReader(body))
	if err != nil || info.Size != int64(len(body)) || info.Key != "2026/11/a.pdf" {
		t.Fatalf("Put = %+v, %v", info, err)
	}
	rc, err := s.Open(ctx, "2026/11/a.pdf")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, body) {
		t.Fatalf("Open read %q", got)
	}
	rc, err = s.Open(ctx, "2026/11/a.pdf")
	if err != nil {
		t.Fatal(err)
	}
	rs, ok := rc.(io.ReadSeeker)
	if !ok {
		t.Fatalf("Open returned a %T, not an io.ReadSeeker", rc)
	}
	if n, err := rs.Seek(5, io.SeekStart); n != 5 || err != nil {
		t.Fatalf("Seek = %d, %v", n, err)
	}
	got, _ = io.ReadAll(rs)
	rc.Close()
	if !bytes.Equal(got, body[5:]) {
		t.Fatalf("read after Seek: %q", got)
	}
	if ok, err := s.Exists(ctx, "2026/11/a.pdf"); !ok || err != nil {
		t.Fatalf("Exists = %v, %v", ok, err)
	}

	// Replacing.
	if _, err := s.Put(ctx, "2026/11/a.pdf", strings.NewReader("new")); err != nil {
		t.Fatal(err)
	}
	rc, _ = s.Open(ctx, "2026/11/a.pdf")
	got, _ = io.ReadAll(rc)
	rc.Close()
	if string(got) != "new" {
		t.Fatalf("after replace: %q", got)
	}

	// Empty blob.
	if info, err := s.Put(ctx, "2026/11/empty.bin", bytes.NewReader(nil)); err != nil || info.Size != 0 {
		t.Fatalf("Put empty = %+v, %v", info, err)
	}

	// Missing.
	if _, err := s.Open(ctx, "2026/11/missing.pdf"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("Open missing: %v", err)
	}
	if ok, err := s.Exists(ctx, "2026/11/missing.pdf"); ok || err != nil {
		t.Fatalf("Exists missing = %v, %v", ok, err)
	}
	if err := s.Delete(ctx, "2026/11/missing.pdf"); err != nil {
		t.Fatalf("Delete missing: %v", err)
	}

	// A failing source leaves nothing.
	src := errors.New("client went away")
	if _, err := s.Put(ctx, "2026/11/partial.pdf", &failingReader{n: 100 << 10, err: src}); !errors.Is(err, src) {
		t.Fatalf("Put from failing reader: %v", err)
	}
	if ok, _ := s.Exists(ctx, "2026/11/partial.pdf"); ok {
		t.Fatal("a failed Put left a blob")
	}
	// A cancelled context leaves nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Put(cctx, "2026/11/cancelled.pdf", strings.NewReader("x")); err == nil {
		t.Fatal("Put with a cancelled context succeeded")
	}
	if ok, _ := s.Exists(ctx, "2026/11/cancelled.pdf"); ok {
		t.Fatal("a cancelled Put left a blob")
	}

	// Listing.
	for _, k := range []string{"2026/12/b.docx", "2027/01/c.png", "2026/1x.pdf"} {
		if _, err := s.Put(ctx, k, strings.NewReader(k)); err != nil {
			t.Fatal(err)
		}
	}
	all := []string{"2026/11/a.pdf", "2026/11/empty.bin", "2026/12/b.docx", "2026/1x.pdf", "2027/01/c.png"}
	if got := listAll(t, s, ""); strings.Join(got, " ") != strings.Join(all, " ") {
		t.Fatalf("List all = %v, want %v", got, all)
	}
	for prefix, want := range map[string]string{
		"2026/":     "2026/11/a.pdf 2026/11/empty.bin 2026/12/b.docx 2026/1x.pdf",
		"2026/1":    "2026/11/a.pdf 2026/11/empty.bin 2026/12/b.docx 2026/1x.pdf",
		"2026/11/":  "2026/11/a.pdf 2026/11/empty.bin",
		"2026/11":   "2026/11/a.pdf 2026/11/empty.bin",
		"2026/11/a": "2026/11/a.pdf",
		"2027":      "2027/01/c.png",
		"2028/":     "",
	} {
		if got := strings.Join(listAll(t, s, prefix), " "); got != want {
			t.Errorf("List(%q) = %q, want %q", prefix, got, want)
		}
	}
	var sizes = map[string]int64{}
	s.List(ctx, "2026/11/", func(key string, size int64, modTime time.Time) error {
		sizes[key] = size
		if modTime.IsZero() || time.Since(modTime) > time.Hour {
			t.Errorf("%s: modTime %v", key, modTime)
		}
		return nil
	})
	if sizes["2026/11/a.pdf"] != 3 || sizes["2026/11/empty.bin"] != 0 {
		t.Errorf("List sizes: %v", sizes)
	}
	stop := errors.New("stop")
	if err := s.List(ctx, "", func(string, int64, time.Time) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("List did not return fn's error: %v", err)
	}
	// fn may delete what it is given.
	err = s.List(ctx, "2026/", func(key string, _ int64, _ time.Time) error { return s.Delete(ctx, key) })
	if err != nil {
		t.Fatal(err)
	}
	if got := listAll(t, s, ""); strings.Join(got, " ") != "2027/01/c.png" {
		t.Fatalf("after deleting while listing: %v", got)
	}
	if err := s.Delete(ctx, "2027/01/c.png"); err != nil {
		t.Fatal(err)
	}
	if got := listAll(t, s, ""); len(got) != 0 {
		t.Fatalf("store not empty: %v", got)
	}

	// Bad keys are refused everywhere.
	for _, k := range badKeys {
		if _, err := s.Put(ctx, k, strings.NewReader("x")); err == nil {
			t.Errorf("Put(%q) succeeded", k)
		}
		if _, err := s.Open(ctx, k); err == nil {
			t.Errorf("Open(%q) succeeded", k)
		}
		if _, err := s.Exists(ctx, k); err == nil {
			t.Errorf("Exists(%q) succeeded", k)
		}
		if err := s.Delete(ctx, k); err == nil {
			t.Errorf("Delete(%q) succeeded", k)
		}
	}
	for _, p := range []string{"../", "/", "a/../", `a\`, ".tmp"} {
		if err := s.List(ctx, p, func(string, int64, time.Time) error { return nil }); err == nil {
			t.Errorf("List(%q) succeeded", p)
		}
	}
}

func TestValidKey(t *testing.T) {
	for _, k := range badKeys {
		if ValidKey(k) == nil {
			t.Errorf("ValidKey(%q) = nil", k)
		}
	}
	for _, k := range []string{"a", "2026/11/0123abcdef.pdf", "a-b_c.d/e.F", strings.Repeat("a", 255)} {
		if err := ValidKey(k); err != nil {
			t.Errorf("ValidKey(%q) = %v", k, err)
		}
	}
	k, err := newKey(DOCX, time.Date(2026, 11, 3, 23, 0, 0, 0, time.UTC))
	if err != nil || ValidKey(k) != nil || !strings.HasPrefix(k, "2026/11/") || !strings.HasSuffix(k, ".docx") || len(k) != len("2026/11/")+32+5 {
		t.Fatalf("newKey = %q, %v", k, err)
	}
}
