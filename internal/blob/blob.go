// Package blob keeps attachment bytes: a local folder by default, or an
// S3-compatible bucket for several instances. It also decides which uploads
// are acceptable (content sniffing against an allow-list, size limits, safe
// file names) and holds the attachments table that references the blobs.
//
// The write order is fixed: Ingest writes and syncs the blob under a fresh
// random key first; only then does the caller insert the row (with
// InsertAttachment) in its transaction. A transaction that fails leaves an
// orphan blob and never a row without bytes; DeleteOrphans removes such blobs
// after a grace period.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
)

// Store keeps blobs by key. Keys are slash-separated paths such as
// "2026/11/0f3a….pdf" and must pass ValidKey; a store never touches anything
// outside its folder or bucket whatever key it is given.
//
// Implementations are safe for concurrent use.
type Store interface {
	// Put stores everything r yields under key, replacing any blob with
	// that key. When Put returns nil the blob is durable (on the local
	// store: written, fsynced, renamed into place and the folder fsynced);
	// when it returns an error nothing is left under key that was not there
	// before, and no partial file remains. A full disk gives an
	// apperr.Unavailable error with MsgNoSpace.
	Put(ctx context.Context, key string, r io.Reader) (Info, error)
	// Open returns the blob's bytes; the caller closes the reader. A
	// missing blob gives an apperr.NotFound error. The reader of both
	// stores also implements io.Seeker, so that http.ServeContent can
	// answer range requests (which video playback needs).
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the blob. Deleting a missing blob is not an error.
	Delete(ctx context.Context, key string) error
	// Exists reports whether a blob is stored under key.
	Exists(ctx context.Context, key string) (bool, error)
	// List calls fn for every blob whose key starts with prefix (a plain
	// string prefix, "" for all), in no guaranteed order. An error from fn
	// stops the listing and is returned. fn may delete the blob it is
	// given.
	List(ctx context.Context, prefix string, fn func(key string, size int64, modTime time.Time) error) error
	// Close releases the store's resources.
	Close() error
}

// Info describes a stored blob.
type Info struct {
	Key  string
	Size int64
}

// MsgNoSpace is the message users see when the attachments storage is full.
const MsgNoSpace = "存储空间不足，文件未能保存，请稍后再试或联系管理员。"

// msgNotFound is shown when a blob (or its row) does not exist.
const msgNotFound = "附件不存在或已被删除。"

// msgUnavailable is shown when the bucket does not answer.
const msgUnavailable = "附件存储暂时不可用，请稍后再试。"

// LocalDir is the folder inside the data folder that holds attachments when
// no store URL is configured.
const LocalDir = "attachments"

// Open opens the store named by rawURL:
//
//   - "" — the local folder dataDir/attachments (created if missing);
//   - "file:///abs/path" — the local folder /abs/path;
//   - "s3://bucket?endpoint=http://host:9000&region=cn-north-1&use_path_style=true"
//     — an S3-compatible bucket through gocloud.dev/blob/s3blob. The other
//     query parameters of gocloud.dev/aws.V2ConfigFromURLParams work too.
//     Credentials come from the standard AWS sources: AWS_ACCESS_KEY_ID and
//     AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), a shared profile, or an
//     instance role. Open checks that the bucket answers.
func Open(ctx context.Context, rawURL, dataDir string) (Store, error) {
	if rawURL == "" {
		if dataDir == "" {
			return nil, errors.New("blob: no data folder and no attachment store URL")
		}
		return NewLocal(filepath.Join(dataDir, LocalDir))
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("blob: attachment store URL: %w", err)
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("blob: file URL %q: host must be empty (file:///abs/path)", rawURL)
		}
		if u.Path == "" || !filepath.IsAbs(u.Path) {
			return nil, fmt.Errorf("blob: file URL %q: path must be absolute (file:///abs/path)", rawURL)
		}
		return NewLocal(filepath.Clean(u.Path))
	case "s3":
		return openS3(ctx, u)
	default:
		return nil, fmt.Errorf("blob: attachment store URL %q: unsupported scheme (want file:// or s3://)", redact(u))
	}
}

// redact drops any user info from u for error messages.
func redact(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// Keys are at most this many bytes.
const maxKeyLen = 512

// ValidKey checks that key is a relative slash-separated path of segments
// made of ASCII letters, digits, '-', '_' and '.', where no segment is empty,
// starts with '.' (which also rules out "." and ".."; the local store keeps
// its temporary files under such names) or is longer than 255 bytes. Such a
// key means the same thing on every store and every operating system.
func ValidKey(key string) error {
	if key == "" || len(key) > maxKeyLen {
		return fmt.Errorf("blob: invalid key %q: empty or longer than %d bytes", key, maxKeyLen)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if err := validSegment(seg); err != nil {
			return fmt.Errorf("blob: invalid key %q: %w", key, err)
		}
	}
	return nil
}

func validSegment(seg string) error {
	if seg == "" {
		return errors.New("empty segment")
	}
	if len(seg) > 255 {
		return errors.New("segment longer than 255 bytes")
	}
	if seg[0] == '.' {
		return errors.New("segment starts with a dot")
	}
	for i := 0; i < len(seg); i++ {
		if !keyByte(seg[i]) {
			return fmt.Errorf("character %q not allowed", seg[i])
		}
	}
	return nil
}

func keyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.'
}

// validPrefix checks a List prefix: "" or the start of a valid key. Its last
// segment may be partial (or empty, after a trailing slash).
func validPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if len(prefix) > maxKeyLen {
		return fmt.Errorf("blob: invalid prefix %q: too long", prefix)
	}
	segs := strings.Split(prefix, "/")
	for i, seg := range segs {
		if i == len(segs)-1 && seg == "" {
			break
		}
		if err := validSegment(seg); err != nil {
			return fmt.Errorf("blob: invalid prefix %q: %w", prefix, err)
		}
	}
	return nil
}

// storageError turns a write failure into the user-facing "storage full"
// error when the disk or quota is exhausted, and wraps it otherwise.
func storageError(op string, err error) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	if isNoSpace(err) {
		return apperr.Wrap(apperr.Unavailable, MsgNoSpace, fmt.Errorf("blob: %s: %w", op, err))
	}
	return fmt.Errorf("blob: %s: %w", op, err)
}

// isNoSpace reports whether err says the disk or the user's quota is full.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// ctxReader fails reads once ctx is done, so that a long copy stops promptly
// when the request is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
