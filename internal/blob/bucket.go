package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"time"

	gcblob "gocloud.dev/blob"
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"

	"github.com/gongkai/gongkai/internal/apperr"
)

// Bucket is a Store in a gocloud.dev/blob bucket (S3 or S3-compatible, such
// as MinIO or Ceph). An object store's PUT is durable when it answers, so Put
// needs no extra sync.
type Bucket struct {
	b *gcblob.Bucket
}

// NewBucket wraps an open bucket; the store closes it on Close.
func NewBucket(b *gcblob.Bucket) *Bucket { return &Bucket{b: b} }

// openS3 opens an s3:// URL with s3blob's own URL opener (so that no other
// gocloud scheme can sneak in) and checks that the bucket answers.
func openS3(ctx context.Context, u *url.URL) (Store, error) {
	if u.Host == "" {
		return nil, fmt.Errorf("blob: attachment store URL %q: no bucket name (s3://bucket?…)", redact(u))
	}
	b, err := (&s3blob.URLOpener{}).OpenBucketURL(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", redact(u), err)
	}
	ok, err := b.IsAccessible(ctx)
	if err == nil && !ok {
		err = errors.New("bucket does not exist")
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("blob: bucket %q at %s does not answer: %w", u.Host, redact(u), err)
	}
	return NewBucket(b), nil
}

// Put uploads r. If reading r fails the upload is aborted, so no truncated
// object is created.
func (s *Bucket) Put(ctx context.Context, key string, r io.Reader) (Info, error) {
	if err := ValidKey(key); err != nil {
		return Info{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cr := &countingReader{r: r}
	err := s.b.Upload(ctx, key, cr, &gcblob.WriterOptions{ContentType: contentTypeOfKey(key)})
	if cr.err != nil && cr.err != io.EOF {
		if err == nil {
			// The uploader should have failed on the read error; if it
			// stored a truncated object anyway, remove it.
			s.b.Delete(context.WithoutCancel(ctx), key)
		}
		return Info{}, storageError("put "+key, cr.err)
	}
	if err != nil {
		return Info{}, s.unavailable("put "+key, err)
	}
	return Info{Key: key, Size: cr.n}, nil
}

// Open returns a reader of the object.
func (s *Bucket) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ValidKey(key); err != nil {
		return nil, err
	}
	r, err := s.b.NewReader(ctx, key, nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, apperr.Wrap(apperr.NotFound, msgNotFound, err)
		}
		return nil, s.unavailable("open "+key, err)
	}
	return r, nil
}

// Delete removes the object; a missing one is not an error.
func (s *Bucket) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	err := s.b.Delete(ctx, key)
	if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return s.unavailable("delete "+key, err)
	}
	return nil
}

// Exists reports whether the object exists.
func (s *Bucket) Exists(ctx context.Context, key string) (bool, error) {
	if err := ValidKey(key); err != nil {
		return false, err
	}
	ok, err := s.b.Exists(ctx, key)
	if err != nil {
		return false, s.unavailable("stat "+key, err)
	}
	return ok, nil
}

// List pages through the objects with the prefix. Objects whose key is not
// a valid key (put there by something else) are skipped.
func (s *Bucket) List(ctx context.Context, prefix string, fn func(key string, size int64, modTime time.Time) error) error {
	if err := validPrefix(prefix); err != nil {
		return err
	}
	it := s.b.List(&gcblob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return s.unavailable(fmt.Sprintf("list %q", prefix), err)
		}
		if obj.IsDir || ValidKey(obj.Key) != nil {
			continue
		}
		if err := fn(obj.Key, obj.Size, obj.ModTime); err != nil {
			return err
		}
	}
}

// Close closes the bucket.
func (s *Bucket) Close() error { return s.b.Close() }

// unavailable wraps a bucket failure: the caller may try again later. A
// cancelled request (the client went away) stays a plain error.
func (s *Bucket) unavailable(op string, err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("blob: %s: %w", op, err)
	}
	return apperr.Wrap(apperr.Unavailable, msgUnavailable, fmt.Errorf("blob: %s: %w", op, err))
}

// countingReader counts bytes and remembers the first error of r.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

// contentTypeOfKey gives objects a content type from their extension, for
// people browsing the bucket; gongkai itself serves the type of the row.
func contentTypeOfKey(key string) string {
	if k, ok := kindByExt[path.Ext(key)]; ok {
		return k.ContentType()
	}
	return "application/octet-stream"
}
