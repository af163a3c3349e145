package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
)

// spoolDir points the spool files at a folder of the test's own and checks
// at the end that Ingest removed them.
func spoolDir(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	t.Cleanup(func() {
		if left := filesUnder(t, dir); len(left) != 0 {
			t.Errorf("spool files left: %v", left)
		}
	})
}

func TestIngest(t *testing.T) {
	spoolDir(t)
	ctx := context.Background()
	l := newLocal(t)
	tests := []struct {
		name, file string
		data       []byte
		kind       Kind
		wantName   string
	}{
		{"pdf", "关于2026年政务公开工作要点的通知.pdf", pdfFile(), PDF, "关于2026年政务公开工作要点的通知.pdf"},
		{"path and upper-case ext", `..\..\C:\Users\张三\报告.PDF`, pdfFile(), PDF, "报告.pdf"},
		{"wrong but allowed ext", "报告.docx", pdfFile(), PDF, "报告.pdf"},
		{"no ext", "报告", docxFile(t), DOCX, "报告.docx"},
		{"xlsx", "统计.xlsx", xlsxFile(t), XLSX, "统计.xlsx"},
		{"ofd", "公文.ofd", ofdFile(t), OFD, "公文.ofd"},
		{"doc", "旧.doc", ole2File(), DOC, "旧.doc"},
		{"xls", "旧.xls", ole2File(), XLS, "旧.xls"},
		{"jpeg", "照片.jpeg", jpegFile(t), JPEG, "照片.jpeg"},
		{"png", "", pngFile(t), PNG, "附件.png"},
		{"mp4", "发布会.mp4", mp4File(), MP4, "发布会.mp4"},
	}
	now := time.Now().UTC()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up, err := Ingest(ctx, l, tt.file, bytes.NewReader(tt.data), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(tt.data)
			if up.Kind != tt.kind || up.FileName != tt.wantName || up.ContentType != tt.kind.ContentType() ||
				up.Size != int64(len(tt.data)) || up.SHA256 != hex.EncodeToString(sum[:]) {
				t.Fatalf("Ingest = %+v", up)
			}
			if ValidKey(up.Key) != nil || !strings.HasPrefix(up.Key, now.Format("2006/01/")) || !strings.HasSuffix(up.Key, tt.kind.Ext()) {
				t.Fatalf("key %q", up.Key)
			}
			rc, err := l.Open(ctx, up.Key)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, tt.data) {
				t.Fatal("stored bytes differ")
			}
		})
	}
	// Every upload gets a key of its own.
	a, _ := Ingest(ctx, l, "a.pdf", bytes.NewReader(pdfFile()), 1<<20)
	b, _ := Ingest(ctx, l, "a.pdf", bytes.NewReader(pdfFile()), 1<<20)
	if a.Key == b.Key || a.Key == "" {
		t.Fatalf("keys %q and %q", a.Key, b.Key)
	}
}

func TestIngestRefuses(t *testing.T) {
	spoolDir(t)
	ctx := context.Background()
	l := newLocal(t)
	big := append(pdfFile(), make([]byte, 1<<20)...)
	tests := []struct {
		name  string
		file  string
		r     io.Reader
		limit int64
		code  apperr.Code
		msg   string
	}{
		{"too large", "a.pdf", bytes.NewReader(big), 1 << 20, apperr.TooLarge, "文件超过 1 MB 的上限"},
		{"too large, fractional limit", "a.pdf", bytes.NewReader(append(big, make([]byte, 1<<20)...)), 1<<20 + 1<<19, apperr.TooLarge, "文件超过 1.5 MB 的上限"},
		{"too large, odd limit", "a.pdf", bytes.NewReader(big), 1000, apperr.TooLarge, "文件超过 0.00 MB 的上限"},
		{"request body limit", "a.pdf", http.MaxBytesReader(nil, io.NopCloser(bytes.NewReader(big)), 1<<10), 20 << 20, apperr.TooLarge, "文件超过 20 MB 的上限"},
		{"html", "a.pdf", strings.NewReader("<html><script>alert(1)</script></html>"), 1 << 20, apperr.Invalid, AllowedTypes},
		{"exe", "a.exe", bytes.NewReader(exeFile()), 1 << 20, apperr.Invalid, ".exe"},
		{"hidden exe", "报告\u202efdp.exe", bytes.NewReader(pdfFile()), 1 << 20, apperr.Invalid, ".exe"},
		{"empty", "a.pdf", bytes.NewReader(nil), 1 << 20, apperr.Invalid, "文件为空"},
		{"broken upload", "a.pdf", io.MultiReader(bytes.NewReader(pdfFile()), &failingReader{err: io.ErrUnexpectedEOF}), 1 << 20, apperr.Invalid, "上传未完成"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Ingest(ctx, l, tt.file, tt.r, tt.limit)
			if !apperr.Is(err, tt.code) || !strings.Contains(apperr.MessageOf(err), tt.msg) {
				t.Fatalf("want %s %q, got %v", tt.code, tt.msg, err)
			}
		})
	}
	if _, err := Ingest(ctx, l, "a.pdf", bytes.NewReader(pdfFile()), 0); err == nil {
		t.Error("Ingest without a limit succeeded")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Ingest(cctx, l, "a.pdf", bytes.NewReader(pdfFile()), 1<<20); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Ingest: %v", err)
	}
	// A file of exactly the limit is accepted.
	if _, err := Ingest(ctx, l, "a.pdf", bytes.NewReader(big), int64(len(big))); err != nil {
		t.Fatalf("file of exactly the limit: %v", err)
	}
	if got := listAll(t, l, ""); len(got) != 1 {
		t.Fatalf("refused uploads left blobs: %v", got)
	}
}

func TestIngestDiskFull(t *testing.T) {
	spoolDir(t)
	l := newLocal(t)
	l.createTemp = func(dir, pattern string) (tempFile, error) {
		f, err := os.CreateTemp(dir, pattern)
		if err != nil {
			return nil, err
		}
		return &failingFile{f: f, room: 10, writeErr: syscall.ENOSPC}, nil
	}
	_, err := Ingest(context.Background(), l, "a.pdf", bytes.NewReader(pdfFile()), 1<<20)
	assertNoSpace(t, err)
	if got := filesUnder(t, l.Root()); len(got) != 0 {
		t.Fatalf("partial files left: %v", got)
	}
}

// shortStore stores fewer bytes than it is given, to check Ingest's size
// check.
type shortStore struct{ *Local }

func (s shortStore) Put(ctx context.Context, key string, r io.Reader) (Info, error) {
	return s.Local.Put(ctx, key, io.LimitReader(r, 3))
}

func TestIngestChecksStoredSize(t *testing.T) {
	spoolDir(t)
	l := newLocal(t)
	if _, err := Ingest(context.Background(), shortStore{l}, "a.pdf", bytes.NewReader(pdfFile()), 1<<20); err == nil {
		t.Fatal("a short write was accepted")
	}
	if got := filesUnder(t, l.Root()); len(got) != 0 {
		t.Fatalf("short blob kept: %v", got)
	}
}
