// Package backup makes a consistent snapshot of the database and the
// attachments while gongkai serves, and restores it.
//
// SQLite: VACUUM INTO writes a transactionally consistent copy of the
// database; then every attachment blob is copied. Blobs are written before
// the rows that reference them commit, so every attachment the snapshot
// references already exists when the copy starts. PostgreSQL: the database
// is dumped with pg_dump (instructions are printed and written into the
// backup); the attachments are copied the same way.
package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/db"
)

// FormatVersion is the layout version of a backup folder.
const FormatVersion = 1

// ManifestFile names the manifest inside a backup folder.
const ManifestFile = "manifest.json"

// AttachmentsDir names the attachments folder inside a backup folder.
const AttachmentsDir = "attachments"

// Manifest describes a backup.
type Manifest struct {
	Format        int       `json:"format"`
	CreatedAt     time.Time `json:"created_at"`
	Dialect       string    `json:"dialect"`
	SchemaVersion int       `json:"schema_version"`
	Database      string    `json:"database,omitempty"` // the SQLite file, if any
	Files         []File    `json:"files"`
	Notes         []string  `json:"notes,omitempty"`
}

// File is one file of the backup with its checksum.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// SecretKeyFile is the generated key of an embedded installation (it
// encrypts second-factor secrets; without it, restored 2FA cannot work).
const SecretKeyFile = "secret.key"

// Create writes a backup of d and store into out, which must not exist or
// be empty. dataDir is the installation's data folder (for its secret key).
func Create(ctx context.Context, d *db.DB, store blob.Store, out, dataDir string) (*Manifest, error) {
	if err := prepareOut(out); err != nil {
		return nil, err
	}
	m := &Manifest{Format: FormatVersion, CreatedAt: time.Now().UTC(), Dialect: string(d.Dialect)}
	v, err := d.Version(ctx)
	if err != nil {
		return nil, err
	}
	m.SchemaVersion = v
	switch d.Dialect {
	case db.SQLite:
		m.Database = db.SQLiteFile
		target := filepath.Join(out, db.SQLiteFile)
		// VACUUM INTO reads in one transaction: the copy is consistent even
		// while the server keeps writing.
		if _, err := d.W.ExecContext(ctx, "VACUUM INTO '"+strings.ReplaceAll(target, "'", "''")+"'"); err != nil {
			return nil, fmt.Errorf("snapshot SQLite: %w", err)
		}
		if err := syncFile(target); err != nil {
			return nil, err
		}
		f, err := describeFile(out, db.SQLiteFile)
		if err != nil {
			return nil, err
		}
		m.Files = append(m.Files, f)
		if src, err := os.Open(filepath.Join(dataDir, SecretKeyFile)); err == nil {
			kf, err := writeSynced(filepath.Join(out, SecretKeyFile), src)
			src.Close()
			if err != nil {
				return nil, err
			}
			kf.Path = SecretKeyFile
			m.Files = append(m.Files, kf)
			m.Notes = append(m.Notes, "备份中含有系统密钥 secret.key（用于解密双因素认证密钥），请像保管数据库一样保管本备份。")
		}
	case db.Postgres:
		note := "PostgreSQL 数据库不在本目录中。请在备份附件的同时用 pg_dump 导出数据库，并另行保管各实例共用的 GONGKAI_SECRET_KEY（没有它，恢复后双因素认证无法使用）：\n" +
			"  pg_dump --format=custom --no-owner --file " + filepath.Join(out, "gongkai.pgdump") + " \"$GONGKAI_DATABASE_URL\"\n" +
			"恢复时：pg_restore --no-owner --clean --if-exists --dbname \"$GONGKAI_DATABASE_URL\" gongkai.pgdump"
		m.Notes = append(m.Notes, note)
		if err := os.WriteFile(filepath.Join(out, "POSTGRESQL.txt"), []byte(note+"\n"), 0o600); err != nil {
			return nil, err
		}
	}
	files, err := copyAttachments(ctx, store, filepath.Join(out, AttachmentsDir))
	if err != nil {
		return nil, err
	}
	m.Files = append(m.Files, files...)
	if err := writeManifest(out, m); err != nil {
		return nil, err
	}
	return m, nil
}

func prepareOut(out string) error {
	entries, err := os.ReadDir(out)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return os.MkdirAll(out, 0o700)
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("backup folder %s is not empty", out)
	}
	return nil
}

func copyAttachments(ctx context.Context, store blob.Store, dir string) ([]File, error) {
	var keys []string
	if err := store.List(ctx, "", func(key string, size int64, _ time.Time) error {
		keys = append(keys, key)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	sort.Strings(keys)
	var files []File
	for _, key := range keys {
		rel := filepath.Join(AttachmentsDir, filepath.FromSlash(key))
		target := filepath.Join(dir, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return nil, err
		}
		r, err := store.Open(ctx, key)
		if err != nil {
			// Deleted since it was listed (e.g. an orphan cleaned up): nothing
			// references it any more.
			continue
		}
		f, err := writeSynced(target, r)
		r.Close()
		if err != nil {
			return nil, err
		}
		f.Path = filepath.ToSlash(rel)
		files = append(files, f)
	}
	return files, nil
}

func writeSynced(path string, r io.Reader) (File, error) {
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return File{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), r)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return File{}, fmt.Errorf("write %s: %w", path, err)
	}
	return File{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func describeFile(dir, rel string) (File, error) {
	f, err := os.Open(filepath.Join(dir, rel))
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, err
	}
	return File{Path: filepath.ToSlash(rel), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func writeManifest(out string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(out, ManifestFile)
	f, err := writeSynced(path, strings.NewReader(string(b)+"\n"))
	_ = f
	return err
}

// ReadManifest reads and checks a backup folder: every listed file must be
// present with its size and checksum.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("%s is not a gongkai backup (no %s): %w", dir, ManifestFile, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if m.Format != FormatVersion {
		return nil, fmt.Errorf("backup format %d is not supported (this gongkai reads %d)", m.Format, FormatVersion)
	}
	for _, f := range m.Files {
		if strings.Contains(f.Path, "..") || filepath.IsAbs(f.Path) {
			return nil, fmt.Errorf("manifest lists an unsafe path %q", f.Path)
		}
		got, err := describeFile(dir, filepath.FromSlash(f.Path))
		if err != nil {
			return nil, fmt.Errorf("backup file %s: %w", f.Path, err)
		}
		if got.SHA256 != f.SHA256 || got.Size != f.Size {
			return nil, fmt.Errorf("backup file %s is damaged (checksum mismatch)", f.Path)
		}
	}
	return &m, nil
}

// RestoreOptions say where to restore to.
type RestoreOptions struct {
	// DataDir receives the SQLite database (SQLite backups).
	DataDir string
	// Store receives the attachments.
	Store blob.Store
	// Force replaces an existing database (kept as gongkai.db.before-restore-…).
	Force bool
}

// Restore checks the backup in dir and restores it. gongkai must not be
// serving on the target while this runs. The new database is written beside
// the old one first and only then swapped in, so a failed restore never
// leaves the folder without a database.
func Restore(ctx context.Context, dir string, opts RestoreOptions) (*Manifest, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	listed := map[string]bool{}
	for _, f := range m.Files {
		listed[f.Path] = true
	}
	if m.Database != "" && (m.Database != db.SQLiteFile || !listed[m.Database]) {
		return nil, fmt.Errorf("manifest names an unexpected database file %q", m.Database)
	}
	stamp := time.Now().Format("20060102-150405")
	var swaps []swap
	if m.Database != "" {
		swaps = append(swaps, swap{from: filepath.Join(dir, m.Database), to: filepath.Join(opts.DataDir, db.SQLiteFile), extra: []string{"-wal", "-shm"}})
	}
	if listed[SecretKeyFile] {
		swaps = append(swaps, swap{from: filepath.Join(dir, SecretKeyFile), to: filepath.Join(opts.DataDir, SecretKeyFile)})
	}
	if len(swaps) > 0 {
		if err := os.MkdirAll(opts.DataDir, 0o750); err != nil {
			return nil, err
		}
	}
	for _, sw := range swaps {
		if _, err := os.Stat(sw.to); err == nil && !opts.Force {
			return nil, fmt.Errorf("%s already exists; stop gongkai and use --force to replace it (the old file is kept)", sw.to)
		}
	}
	// Write every new file beside its target first …
	for _, sw := range swaps {
		src, err := os.Open(sw.from)
		if err != nil {
			return nil, err
		}
		os.Remove(sw.to + ".restoring")
		_, err = writeSynced(sw.to+".restoring", src)
		src.Close()
		if err != nil {
			return nil, err
		}
	}
	// … then move the old ones aside and the new ones in.
	for _, sw := range swaps {
		if _, err := os.Stat(sw.to); err == nil {
			if err := os.Rename(sw.to, sw.to+".before-restore-"+stamp); err != nil {
				return nil, err
			}
			for _, ext := range sw.extra {
				os.Rename(sw.to+ext, sw.to+".before-restore-"+stamp+ext)
			}
		}
		if err := os.Rename(sw.to+".restoring", sw.to); err != nil {
			return nil, err
		}
	}
	for _, f := range m.Files {
		rel, ok := strings.CutPrefix(f.Path, AttachmentsDir+"/")
		if !ok {
			continue
		}
		src, err := os.Open(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			return nil, err
		}
		_, err = opts.Store.Put(ctx, rel, src)
		src.Close()
		if err != nil {
			return nil, fmt.Errorf("restore attachment %s: %w", rel, err)
		}
	}
	return m, nil
}

// swap is a file of the backup that replaces a file of the installation.
type swap struct {
	from, to string
	extra    []string // companion files moved aside with the old one
}
