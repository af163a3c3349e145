package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
)

// tempPrefix starts the names of files being written. Keys cannot start a
// segment with '.', so a temporary file never collides with a blob and List
// can skip them.
const tempPrefix = ".tmp-"

// tempFile is what Put needs of a file being written; tests substitute one
// that fails like a full disk.
type tempFile interface {
	io.Writer
	Sync() error
	Close() error
	Name() string
}

// Local is a Store in a folder of the local (or a shared) filesystem. A blob
// with key "2026/11/x.pdf" is the file <root>/2026/11/x.pdf.
type Local struct {
	root string
	// createTemp creates the temporary file for Put (os.CreateTemp).
	createTemp func(dir, pattern string) (tempFile, error)
}

// NewLocal returns a store in dir, creating the folder if needed.
func NewLocal(dir string) (*Local, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: attachments folder %s: %w", dir, err)
	}
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, storageError("create attachments folder "+root, err)
	}
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("blob: attachments folder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("blob: attachments folder %s is not a folder", root)
	}
	return &Local{root: root, createTemp: createOSTemp}, nil
}

func createOSTemp(dir, pattern string) (tempFile, error) { return os.CreateTemp(dir, pattern) }

// Root returns the folder the store keeps its blobs in.
func (l *Local) Root() string { return l.root }

// path returns the file for a validated key.
func (l *Local) path(key string) (string, error) {
	if err := ValidKey(key); err != nil {
		return "", err
	}
	// ValidKey already rules out "..", absolute paths and backslashes; this
	// is a second lock on the same door.
	rel := filepath.FromSlash(key)
	if !filepath.IsLocal(rel) {
		return "", fmt.Errorf("blob: invalid key %q", key)
	}
	return filepath.Join(l.root, rel), nil
}

// Put writes r to a temporary file beside the target, fsyncs it, renames it
// into place and fsyncs the folder, so that the blob survives a power cut
// once Put returns. On any error the temporary file is removed.
func (l *Local) Put(ctx context.Context, key string, r io.Reader) (_ Info, err error) {
	p, err := l.path(key)
	if err != nil {
		return Info{}, err
	}
	dir := filepath.Dir(p)
	if err := l.mkdirs(dir); err != nil {
		return Info{}, err
	}
	f, err := l.createTemp(dir, tempPrefix+"*")
	if err != nil {
		return Info{}, storageError("create temporary file", err)
	}
	tmp := f.Name()
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				f.Close()
			}
			os.Remove(tmp)
		}
	}()
	n, err := io.Copy(f, ctxReader{ctx, r})
	if err != nil {
		return Info{}, storageError("write "+key, err)
	}
	if err := f.Sync(); err != nil {
		return Info{}, storageError("sync "+key, err)
	}
	closed = true
	if err := f.Close(); err != nil {
		return Info{}, storageError("close "+key, err)
	}
	if err := ctx.Err(); err != nil {
		return Info{}, err
	}
	if err := os.Rename(tmp, p); err != nil {
		return Info{}, storageError("rename "+key, err)
	}
	if err := syncDir(dir); err != nil {
		// The file is in place but its name may not survive a crash; do not
		// report success for a blob that might vanish.
		os.Remove(p)
		return Info{}, storageError("sync folder of "+key, err)
	}
	return Info{Key: key, Size: n}, nil
}

// mkdirs creates dir and any missing parents below the root, fsyncing each
// parent whose entries changed so that the new folders are durable too.
func (l *Local) mkdirs(dir string) error {
	rel, err := filepath.Rel(l.root, dir)
	if err != nil || rel == "." {
		return err
	}
	cur := l.root
	for seg := range strings.SplitSeq(rel, string(filepath.Separator)) {
		next := filepath.Join(cur, seg)
		err := os.Mkdir(next, 0o750)
		switch {
		case err == nil:
			if err := syncDir(cur); err != nil {
				return storageError("sync folder", err)
			}
		case errors.Is(err, fs.ErrExist):
			// Already there (maybe made by a concurrent Put).
		default:
			return storageError("create folder", err)
		}
		cur = next
	}
	return nil
}

// syncDir fsyncs a folder so that renames and new entries in it are durable.
func syncDir(dir string) error {
	d, err := os.Open(dir) // #nosec G304 -- a folder of the store (l.root or the parent of l.path(key))
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Open opens the blob's file.
func (l *Local) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := l.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p) // #nosec G304 -- p is l.path(key): the key passed ValidKey and filepath.IsLocal
	if errors.Is(err, fs.ErrNotExist) {
		return nil, apperr.Wrap(apperr.NotFound, msgNotFound, err)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", key, err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, apperr.Wrap(apperr.NotFound, msgNotFound, fmt.Errorf("blob: %s is not a regular file", key))
	}
	return f, nil
}

// Delete removes the blob's file.
func (l *Local) Delete(ctx context.Context, key string) error {
	p, err := l.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// Exists reports whether the blob's file exists.
func (l *Local) Exists(ctx context.Context, key string) (bool, error) {
	p, err := l.path(key)
	if err != nil {
		return false, err
	}
	st, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("blob: stat %s: %w", key, err)
	}
	return st.Mode().IsRegular(), nil
}

// List walks the folder in lexical order, skipping temporary files and
// anything whose name is not a valid key.
func (l *Local) List(ctx context.Context, prefix string, fn func(key string, size int64, modTime time.Time) error) error {
	if err := validPrefix(prefix); err != nil {
		return err
	}
	// Walk only the deepest folder the prefix names in full.
	start := l.root
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = filepath.Join(l.root, filepath.FromSlash(prefix[:i]))
	}
	err := filepath.WalkDir(start, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if p == start && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == l.root {
			return nil
		}
		rel, err := filepath.Rel(l.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if e.IsDir() {
			// Skip folders that cannot hold keys with the prefix.
			if validSegment(e.Name()) != nil || !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !e.Type().IsRegular() || !strings.HasPrefix(key, prefix) || ValidKey(key) != nil {
			return nil
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted meanwhile
		}
		if err != nil {
			return err
		}
		return fn(key, info.Size(), info.ModTime())
	})
	if err != nil {
		return fmt.Errorf("blob: list %q: %w", prefix, err)
	}
	return nil
}

// removeStaleTemp deletes temporary files older than cutoff: what a crash
// in the middle of Put leaves behind. The walk and the removals go through
// an os.Root, so that a folder swapped for a symbolic link during the walk
// cannot lead them outside the store.
func (l *Local) removeStaleTemp(ctx context.Context, cutoff time.Time) (int, error) {
	root, err := os.OpenRoot(l.root)
	if err != nil {
		return 0, err
	}
	defer root.Close()
	n := 0
	err = fs.WalkDir(root.FS(), ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.IsDir() || !strings.HasPrefix(e.Name(), tempPrefix) {
			return nil
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			return nil
		}
		if err := root.Remove(filepath.FromSlash(p)); err == nil {
			n++
		}
		return nil
	})
	return n, err
}

// Close does nothing; the local store holds no resources.
func (l *Local) Close() error { return nil }
