package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
)

func newLocal(t *testing.T) *Local {
	t.Helper()
	l, err := NewLocal(filepath.Join(t.TempDir(), "attachments"))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// filesUnder lists every file (not folder) below dir, relative and sorted.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

func TestLocalContract(t *testing.T) {
	l := newLocal(t)
	// Put the store in a folder of its own inside a parent we watch, so
	// that anything written outside the root shows up.
	parent := filepath.Dir(l.Root())
	testStoreContract(t, l)
	if got := filesUnder(t, l.Root()); len(got) != 0 {
		t.Fatalf("files left in the store: %v", got)
	}
	if got := filesUnder(t, parent); len(got) != 0 {
		t.Fatalf("files written outside the store: %v", got)
	}
}

func TestLocalFileLayoutAndPermissions(t *testing.T) {
	l := newLocal(t)
	if _, err := l.Put(context.Background(), "2026/11/x.pdf", strings.NewReader("%PDF-")); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(l.Root(), "2026", "11", "x.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		t.Errorf("blob is readable by others: %v", st.Mode())
	}
}

func TestLocalListSkipsTemporaryAndForeignFiles(t *testing.T) {
	l := newLocal(t)
	ctx := context.Background()
	l.Put(ctx, "2026/11/a.pdf", strings.NewReader("a"))
	dir := filepath.Join(l.Root(), "2026", "11")
	for _, name := range []string{".tmp-123", "has space.pdf", "中文.pdf"} {
		os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600)
	}
	os.Mkdir(filepath.Join(l.Root(), ".trash"), 0o750)
	os.WriteFile(filepath.Join(l.Root(), ".trash", "b.pdf"), []byte("x"), 0o600)
	os.Symlink("/etc/passwd", filepath.Join(dir, "link.pdf"))
	if got := listAll(t, l, ""); strings.Join(got, " ") != "2026/11/a.pdf" {
		t.Fatalf("List = %v", got)
	}
}

// failingFile is a temporary file whose writes or sync fail like a full disk.
// It wraps the *os.File rather than embedding it, so that io.Copy cannot go
// around Write through (*os.File).ReadFrom.
type failingFile struct {
	f         *os.File
	room      int   // bytes that fit before writes fail
	writeErr  error // returned once room is used up
	syncErr   error
	closeErr  error
	wroteSome bool
}

func (f *failingFile) Write(p []byte) (int, error) {
	if len(p) <= f.room {
		f.room -= len(p)
		f.wroteSome = true
		return f.f.Write(p)
	}
	n, _ := f.f.Write(p[:f.room])
	f.room = 0
	return n, &fs.PathError{Op: "write", Path: f.Name(), Err: f.writeErr}
}

func (f *failingFile) Sync() error {
	if f.syncErr != nil {
		return &fs.PathError{Op: "sync", Path: f.Name(), Err: f.syncErr}
	}
	return f.f.Sync()
}

func (f *failingFile) Name() string { return f.f.Name() }

func (f *failingFile) Close() error {
	err := f.f.Close()
	if f.closeErr != nil {
		return &fs.PathError{Op: "close", Path: f.Name(), Err: f.closeErr}
	}
	return err
}

func TestLocalDiskFull(t *testing.T) {
	tests := []struct {
		name string
		file func(f *os.File) tempFile
	}{
		{"ENOSPC on write", func(f *os.File) tempFile { return &failingFile{f: f, room: 1000, writeErr: syscall.ENOSPC} }},
		{"EDQUOT on write", func(f *os.File) tempFile { return &failingFile{f: f, room: 0, writeErr: syscall.EDQUOT} }},
		{"ENOSPC on fsync", func(f *os.File) tempFile { return &failingFile{f: f, room: 1 << 30, syncErr: syscall.ENOSPC} }},
		{"ENOSPC on close", func(f *os.File) tempFile { return &failingFile{f: f, room: 1 << 30, closeErr: syscall.ENOSPC} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLocal(t)
			l.createTemp = func(dir, pattern string) (tempFile, error) {
				f, err := os.CreateTemp(dir, pattern)
				if err != nil {
					return nil, err
				}
				return tt.file(f), nil
			}
			_, err := l.Put(context.Background(), "2026/11/big.pdf", bytes.NewReader(make([]byte, 1<<20)))
			assertNoSpace(t, err)
			if got := filesUnder(t, l.Root()); len(got) != 0 {
				t.Fatalf("partial files left: %v", got)
			}
		})
	}
	t.Run("ENOSPC creating the temporary file", func(t *testing.T) {
		l := newLocal(t)
		l.createTemp = func(dir, pattern string) (tempFile, error) {
			return nil, &fs.PathError{Op: "open", Path: dir, Err: syscall.ENOSPC}
		}
		_, err := l.Put(context.Background(), "2026/11/big.pdf", strings.NewReader("x"))
		assertNoSpace(t, err)
	})
}

// TestLocalDevFull writes through /dev/full, whose writes fail with a real
// ENOSPC from the kernel.
func TestLocalDevFull(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	full.Close()
	l := newLocal(t)
	l.createTemp = func(dir, pattern string) (tempFile, error) {
		f, err := os.CreateTemp(dir, pattern)
		if err != nil {
			return nil, err
		}
		dev, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
		if err != nil {
			f.Close()
			return nil, err
		}
		return &devFullFile{f: f, dev: dev}, nil
	}
	_, err = l.Put(context.Background(), "2026/11/x.pdf", strings.NewReader("%PDF-1.7"))
	assertNoSpace(t, err)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("cause is not ENOSPC: %v", err)
	}
	if got := filesUnder(t, l.Root()); len(got) != 0 {
		t.Fatalf("partial files left: %v", got)
	}
}

// devFullFile is a real temporary file (so that Name and cleanup are real)
// whose writes go to /dev/full.
type devFullFile struct {
	f, dev *os.File
}

func (d *devFullFile) Write(p []byte) (int, error) { return d.dev.Write(p) }
func (d *devFullFile) Sync() error                 { return d.f.Sync() }
func (d *devFullFile) Name() string                { return d.f.Name() }
func (d *devFullFile) Close() error {
	d.dev.Close()
	return d.f.Close()
}

func assertNoSpace(t *testing.T, err error) {
	t.Helper()
	if !apperr.Is(err, apperr.Unavailable) || apperr.MessageOf(err) != MsgNoSpace {
		t.Fatalf("want Unavailable %q, got %v", MsgNoSpace, err)
	}
}

func TestStorageError(t *testing.T) {
	for _, err := range []error{
		syscall.ENOSPC,
		syscall.EDQUOT,
		&fs.PathError{Op: "write", Path: "/x", Err: syscall.ENOSPC},
		&os.LinkError{Op: "rename", Old: "a", New: "b", Err: syscall.EDQUOT},
		fmt.Errorf("copy: %w", &fs.PathError{Op: "write", Path: "/x", Err: syscall.ENOSPC}),
	} {
		got := storageError("write", err)
		assertNoSpace(t, got)
		if !errors.Is(got, err) {
			t.Errorf("storageError(%v) lost the cause", err)
		}
	}
	for _, err := range []error{syscall.EIO, syscall.EACCES, errors.New("other")} {
		got := storageError("write", err)
		if apperr.MessageOf(got) == MsgNoSpace || !errors.Is(got, err) {
			t.Errorf("storageError(%v) = %v", err, got)
		}
	}
	already := apperr.New(apperr.Invalid, "x")
	if storageError("write", already) != error(already) {
		t.Error("storageError rewrapped a domain error")
	}
	if storageError("write", nil) != nil {
		t.Error("storageError(nil) != nil")
	}
}

func TestOpenURL(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	s, err := Open(ctx, "", data)
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := s.(*Local); !ok || l.Root() != filepath.Join(data, LocalDir) {
		t.Fatalf("default store = %#v", s)
	}
	if st, err := os.Stat(filepath.Join(data, LocalDir)); err != nil || !st.IsDir() {
		t.Fatalf("attachments folder not created: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "shared", "files")
	s, err = Open(ctx, "file://"+dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := s.(*Local); !ok || l.Root() != dir {
		t.Fatalf("file store = %#v", s)
	}
	s.Close()
	for _, bad := range []string{"file://host/x", "file:relative/x", "ftp://x/y", "gs://bucket", "mem://", "s3://", "%zz"} {
		if _, err := Open(ctx, bad, data); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
	if _, err := Open(ctx, "", ""); err == nil {
		t.Error("Open with neither URL nor data folder succeeded")
	}
	// A file where the folder should be.
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	if _, err := Open(ctx, "file://"+f, ""); err == nil {
		t.Error("Open on a file succeeded")
	}
}

func TestLocalPutIsAtomicForReaders(t *testing.T) {
	// While a Put is in progress, the key does not exist; a reader never
	// sees a partial blob.
	l := newLocal(t)
	ctx := context.Background()
	seen := make(chan bool, 1)
	r := &hookReader{n: 64 << 10, at: 32 << 10, hook: func() {
		ok, _ := l.Exists(ctx, "2026/11/x.pdf")
		seen <- ok
	}}
	if _, err := l.Put(ctx, "2026/11/x.pdf", r); err != nil {
		t.Fatal(err)
	}
	if <-seen {
		t.Fatal("the blob was visible before Put finished")
	}
	st, err := os.Stat(filepath.Join(l.Root(), "2026/11/x.pdf"))
	if err != nil || st.Size() != 64<<10 {
		t.Fatalf("after Put: %v %v", st, err)
	}
}

// hookReader yields n bytes and calls hook once after at bytes.
type hookReader struct {
	n, at, done int
	hook        func()
}

func (h *hookReader) Read(p []byte) (int, error) {
	if h.done >= h.n {
		return 0, io.EOF
	}
	if h.hook != nil && h.done >= h.at {
		h.hook()
		h.hook = nil
	}
	k := min(len(p), h.n-h.done, 4096)
	h.done += k
	return k, nil
}

func TestDeleteOrphansRemovesStaleTemporaryFiles(t *testing.T) {
	l := newLocal(t)
	dir := filepath.Join(l.Root(), "2026", "11")
	os.MkdirAll(dir, 0o750)
	stale := filepath.Join(dir, tempPrefix+"stale")
	fresh := filepath.Join(dir, tempPrefix+"fresh")
	os.WriteFile(stale, []byte("x"), 0o600)
	os.WriteFile(fresh, []byte("x"), 0o600)
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(stale, old, old)
	n, err := l.removeStaleTemp(context.Background(), time.Now().Add(-time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("removeStaleTemp = %d, %v", n, err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Error("stale temporary file kept")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("fresh temporary file removed")
	}
}

// A process killed in the middle of Ingest leaves its spool file (an
// upload such as an identity proof) in TMPDIR; the orphan sweep removes it
// once it is older than the grace period.
func TestDeleteOrphansRemovesStaleSpoolFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	stale := filepath.Join(tmp, spoolPrefix+"stale")
	fresh := filepath.Join(tmp, spoolPrefix+"fresh")
	other := filepath.Join(tmp, "someone-else")
	for _, p := range []string{stale, fresh, other} {
		os.WriteFile(p, []byte("x"), 0o600)
	}
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(stale, old, old)
	os.Chtimes(other, old, old)
	n, err := removeStaleSpool(time.Now().Add(-time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("removeStaleSpool = %d, %v", n, err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Error("stale spool file kept")
	}
	for _, p := range []string{fresh, other} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed", filepath.Base(p))
		}
	}
}
