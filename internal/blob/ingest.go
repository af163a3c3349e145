package blob

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
)

// Upload is an accepted file, stored and synced, not yet referenced by a row.
type Upload struct {
	Key         string // blob key, e.g. "2026/11/3f…9a.pdf"
	FileName    string // sanitised, extension matching Kind
	Kind        Kind
	ContentType string
	Size        int64
	SHA256      string // lower-case hex
}

// Ingest checks an uploaded file and stores it. It spools r to a temporary
// file in os.TempDir (TMPDIR), removed before it returns (at most limit
// bytes: more, or an *http.MaxBytesError from r, gives apperr.TooLarge
// "文件超过 N MB 的上限"),
// sniffs the kind from the bytes (see Sniff), sanitises the name (see
// NameFor), hashes it, and Puts it into store under a new random key
// "YYYY/MM/<32 hex>.<ext>".
//
// Call Ingest before the transaction that inserts the row: when it returns,
// the blob is durable. If the transaction then fails, the blob is an orphan
// that DeleteOrphans removes later (or the caller deletes it at once).
func Ingest(ctx context.Context, store Store, fileName string, r io.Reader, limit int64) (Upload, error) {
	if limit <= 0 {
		return Upload{}, errors.New("blob: Ingest needs a positive size limit")
	}
	spool, err := os.CreateTemp("", spoolPrefix+"*")
	if err != nil {
		return Upload{}, storageError("create spool file", err)
	}
	defer func() {
		spool.Close()
		os.Remove(spool.Name())
	}()

	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(spool, h), io.LimitReader(ctxReader{ctx, r}, limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return Upload{}, tooLarge(limit, err)
		case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			return Upload{}, err
		case isNoSpace(err):
			return Upload{}, storageError("spool upload", err)
		}
		return Upload{}, apperr.Wrap(apperr.Invalid, "文件上传未完成，请重新上传。", fmt.Errorf("blob: read upload: %w", err))
	}
	if n > limit {
		return Upload{}, tooLarge(limit, nil)
	}

	kind, err := SniffReaderAt(spool, n, fileName)
	if err != nil {
		return Upload{}, err
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return Upload{}, fmt.Errorf("blob: rewind spool: %w", err)
	}
	key, err := newKey(kind, time.Now())
	if err != nil {
		return Upload{}, err
	}
	info, err := store.Put(ctx, key, io.LimitReader(spool, n))
	if err != nil {
		return Upload{}, err
	}
	if info.Size != n {
		store.Delete(context.WithoutCancel(ctx), key)
		return Upload{}, fmt.Errorf("blob: stored %d bytes of %d for %s", info.Size, n, key)
	}
	return Upload{
		Key:         key,
		FileName:    NameFor(fileName, kind),
		Kind:        kind,
		ContentType: kind.ContentType(),
		Size:        n,
		SHA256:      hex.EncodeToString(h.Sum(nil)),
	}, nil
}

// spoolPrefix names Ingest's spool files in os.TempDir.
const spoolPrefix = "gongkai-upload-"

// removeStaleSpool deletes spool files older than cutoff from os.TempDir:
// what a process killed in the middle of Ingest leaves behind (uploads
// such as identity proofs, which must not lie about).
func removeStaleSpool(cutoff time.Time) (int, error) {
	dir := os.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), spoolPrefix) {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			continue
		}
		if os.Remove(filepath.Join(dir, e.Name())) == nil {
			n++
		}
	}
	return n, nil
}

// tooLarge says which limit the file broke, in MB.
func tooLarge(limit int64, cause error) error {
	mb := strconv.FormatFloat(float64(limit)/(1<<20), 'f', -1, 64)
	if limit%(1<<18) != 0 {
		mb = strconv.FormatFloat(float64(limit)/(1<<20), 'f', 2, 64)
	}
	return apperr.Wrap(apperr.TooLarge, "文件超过 "+mb+" MB 的上限", cause)
}

// newKey returns a fresh key for a blob of kind k written at t:
// "2026/11/<128 random bits in hex><ext>".
func newKey(k Kind, t time.Time) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("blob: random key: %w", err)
	}
	t = t.UTC()
	return fmt.Sprintf("%04d/%02d/%s%s", t.Year(), int(t.Month()), hex.EncodeToString(b[:]), k.Ext()), nil
}
