package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/gongkai/gongkai/internal/apperr"
)

// fakeS3 serves an in-memory S3 on a loopback port with one bucket and
// returns the s3:// URL that reaches it, with credentials in the standard
// AWS environment variables (as an operator would set them).
func fakeS3(t *testing.T) (rawURL string, srv *httptest.Server) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("gongkai-attachments"); err != nil {
		t.Fatal(err)
	}
	srv = httptest.NewServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(srv.Close)

	t.Setenv("AWS_ACCESS_KEY_ID", "gongkai-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "gongkai-test-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "")
	// Keep the developer's own AWS files and the metadata service out of it.
	none := filepath.Join(t.TempDir(), "none")
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	q := url.Values{}
	q.Set("endpoint", srv.URL)
	q.Set("region", "cn-north-1")
	q.Set("use_path_style", "true")
	return "s3://gongkai-attachments?" + q.Encode(), srv
}

func openFakeS3(t *testing.T) Store {
	t.Helper()
	u, _ := fakeS3(t)
	s, err := Open(context.Background(), u, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, ok := s.(*Bucket); !ok {
		t.Fatalf("Open(s3://…) = %T", s)
	}
	return s
}

func TestBucketContract(t *testing.T) {
	testStoreContract(t, openFakeS3(t))
}

func TestBucketLargeUploadAndFailure(t *testing.T) {
	// Larger than the uploader's part size (5 MiB), so that a multipart
	// upload is used.
	s := openFakeS3(t)
	ctx := context.Background()
	body := bytes.Repeat([]byte("政务公开0123456789"), (12<<20)/22)
	info, err := s.Put(ctx, "2026/11/big.mp4", bytes.NewReader(body))
	if err != nil || info.Size != int64(len(body)) {
		t.Fatalf("Put = %+v, %v", info, err)
	}
	rc, err := s.Open(ctx, "2026/11/big.mp4")
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	io.Copy(h, rc)
	rc.Close()
	want := sha256.Sum256(body)
	if hex.EncodeToString(h.Sum(nil)) != hex.EncodeToString(want[:]) {
		t.Fatal("large blob came back different")
	}

	// A source failing after several parts leaves no object either.
	_, err = s.Put(ctx, "2026/11/broken.mp4", &failingReader{n: 11 << 20, err: io.ErrUnexpectedEOF})
	if err == nil {
		t.Fatal("Put from a failing reader succeeded")
	}
	if ok, _ := s.Exists(ctx, "2026/11/broken.mp4"); ok {
		t.Fatal("a failed multipart Put left an object")
	}
}

func TestBucketIngest(t *testing.T) {
	s := openFakeS3(t)
	ctx := context.Background()
	up, err := Ingest(ctx, s, "年度报告.docx", bytes.NewReader(docxFile(t)), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if up.Kind != DOCX || up.FileName != "年度报告.docx" {
		t.Fatalf("Ingest = %+v", up)
	}
	rc, err := s.Open(ctx, up.Key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, docxFile(t)) {
		t.Fatal("stored bytes differ")
	}
	// The object carries the content type for people browsing the bucket.
	if ct := contentTypeOfKey(up.Key); ct != DOCX.ContentType() {
		t.Fatalf("content type of key = %q", ct)
	}
}

func TestOpenS3Errors(t *testing.T) {
	ctx := context.Background()
	u, _ := fakeS3(t)
	parsed, _ := url.Parse(u)

	missing := *parsed
	missing.Host = "no-such-bucket"
	if _, err := Open(ctx, missing.String(), ""); err == nil {
		t.Error("Open on a missing bucket succeeded")
	}

	bad := *parsed
	q := bad.Query()
	q.Set("no_such_option", "1")
	bad.RawQuery = q.Encode()
	if _, err := Open(ctx, bad.String(), ""); err == nil {
		t.Error("Open with an unknown option succeeded")
	}

	if os.Getenv("AWS_ACCESS_KEY_ID") != "gongkai-test" {
		t.Fatal("credentials not taken from the environment")
	}
}

func TestBucketUnavailable(t *testing.T) {
	// A bucket that stops answering gives Unavailable (503 and "try again
	// later" for the user), not an internal error.
	ctx := context.Background()
	u, srv := fakeS3(t)
	s, err := Open(ctx, u, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv.Close()
	// The SDK retries with back-off; a deadline bounds the test.
	tctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := s.Exists(tctx, "2026/11/x.pdf"); !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("Exists on a stopped server: %v", err)
	}
	// Open of a store whose endpoint does not answer fails.
	tctx, cancel = context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := Open(tctx, u, ""); err == nil {
		t.Error("Open on a stopped server succeeded")
	}
}
