// Package backup makes a consistent snapshot of the database and the
// attachments while gongkai serves, and restores it.
//
// SQLite: VACUUM INTO writes a transactionally consistent copy of the
// database; then every attachment blob is copied. Blobs are written before
// the rows that reference them commit, so every attachment the snapshot
// references already exists when the copy starts. PostgreSQL: the database
// is dumped first with pg_dump (one consistent snapshot), then the
// attachments are copied the same way; restore runs pg_restore.
package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
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
	PGDump        string    `json:"pg_dump,omitempty"`  // the pg_dump archive (custom format), if any
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

// PGDumpFile names the PostgreSQL dump inside a backup folder.
const PGDumpFile = "gongkai.pgdump"

// CreateOptions tune Create.
type CreateOptions struct {
	// PGDump is the pg_dump program used on PostgreSQL; empty means
	// "pg_dump" found on PATH. It must be of the server's major version or
	// newer.
	PGDump string
}

// Create writes a backup of d and store into out, which must not exist or
// be empty. dataDir is the installation's data folder (for its secret key).
func Create(ctx context.Context, d *db.DB, store blob.Store, out, dataDir string) (*Manifest, error) {
	return CreateWith(ctx, d, store, out, dataDir, CreateOptions{})
}

// CreateWith is Create with options.
//
// The database is always snapshotted before the attachments are listed:
// a blob is stored before the row that references it commits, so every
// attachment the snapshot references is in the blob store when the copy
// starts. (Copying the attachments first and dumping the database after
// would let rows committed in between reference blobs the backup lacks.)
func CreateWith(ctx context.Context, d *db.DB, store blob.Store, out, dataDir string, opts CreateOptions) (*Manifest, error) {
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
		// The file name is a bound parameter (SQLite takes any expression after INTO).
		if _, err := d.W.ExecContext(ctx, "VACUUM INTO $1", target); err != nil {
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
		if src, err := os.Open(filepath.Join(dataDir, SecretKeyFile)); err == nil { // #nosec G304 -- the key file of the operator's data folder
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
		if err := pgDump(ctx, d, opts.PGDump, filepath.Join(out, PGDumpFile)); err != nil {
			return nil, err
		}
		f, err := describeFile(out, PGDumpFile)
		if err != nil {
			return nil, err
		}
		m.PGDump = PGDumpFile
		m.Files = append(m.Files, f)
		m.Notes = append(m.Notes, "PostgreSQL 数据库已用 pg_dump 导出为 "+PGDumpFile+"。各实例共用的 GONGKAI_SECRET_KEY 不在备份中，请另行保管（没有它，恢复后双因素认证无法使用）。")
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

// pgDump dumps d's schema with pg_dump in the custom format into target.
// A database whose tables are in "public" is dumped whole; one kept in
// another schema (the search_path of the URL) only that schema.
func pgDump(ctx context.Context, d *db.DB, program, target string) error {
	if program == "" {
		program = "pg_dump"
	}
	path, err := exec.LookPath(program)
	if err != nil {
		return fmt.Errorf("backing up PostgreSQL needs pg_dump (Debian: apt-get install postgresql-client; of the server's major version or newer), or name it with --pg-dump: %w", err)
	}
	var schema string
	if err := d.R.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return fmt.Errorf("current schema: %w", err)
	}
	conn, env, err := libpqURL(d.URL)
	if err != nil {
		return err
	}
	args := []string{"--format=custom", "--no-owner", "--file=" + target}
	if schema != "public" {
		args = append(args, "--schema="+schema)
	}
	args = append(args, "--dbname="+conn)
	// #nosec G204 -- pg_dump (or the operator's --pg-dump) with an argument list, no shell
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), env...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_dump: %w: %s", err, strings.TrimSpace(string(msg)))
	}
	return syncFile(target)
}

// libpqParams are the URL query parameters libpq understands; pgx accepts
// others (runtime parameters such as search_path), which libpq refuses.
var libpqParams = map[string]bool{
	"sslmode": true, "sslcert": true, "sslkey": true, "sslrootcert": true, "sslcrl": true, "sslsni": true,
	"sslpassword": true, "connect_timeout": true, "application_name": true, "options": true,
	"target_session_attrs": true, "channel_binding": true, "gssencmode": true, "krbsrvname": true,
	"keepalives": true, "keepalives_idle": true, "keepalives_interval": true, "keepalives_count": true,
	"service": true, "passfile": true, "require_auth": true, "host": true, "port": true,
}

// libpqURL turns a gongkai database URL into one for libpq's programs
// (pg_dump, pg_restore): parameters libpq does not know are left out, and
// the password moves into PGPASSWORD so that it does not show in the
// process list.
func libpqURL(raw string) (string, []string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", nil, fmt.Errorf("database URL: %w", err)
	}
	var env []string
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
			u.User = url.User(u.User.Username())
		}
	}
	q := u.Query()
	for k := range q {
		if !libpqParams[k] {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), env, nil
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
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // #nosec G304 -- a file in the backup folder the operator named
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
	f, err := os.Open(path) // #nosec G304 -- a file this package just wrote
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func describeFile(dir, rel string) (File, error) {
	f, err := os.Open(filepath.Join(dir, rel)) // #nosec G304 -- rel is a path this package wrote, or a manifest path ReadManifest checked (no "..", not absolute)
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
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile)) // #nosec G304 -- the manifest of the backup folder the operator named
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
	// Force replaces an existing database (kept as gongkai.db.before-restore-…;
	// on PostgreSQL, pg_restore --clean drops the objects it restores).
	Force bool
	// DatabaseURL receives the database of a PostgreSQL backup; it must be
	// empty unless Force.
	DatabaseURL string
	// PGRestore is the pg_restore program; empty means "pg_restore" on PATH.
	PGRestore string
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
	if m.PGDump != "" {
		if m.PGDump != PGDumpFile || !listed[m.PGDump] {
			return nil, fmt.Errorf("manifest names an unexpected dump file %q", m.PGDump)
		}
		if err := pgRestore(ctx, filepath.Join(dir, m.PGDump), opts); err != nil {
			return nil, err
		}
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
		src, err := os.Open(filepath.Join(dir, filepath.FromSlash(f.Path))) // #nosec G304 -- f.Path checked by ReadManifest (no "..", not absolute)
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

// pgRestore restores a dump into opts.DatabaseURL, which must hold no
// tables unless opts.Force.
func pgRestore(ctx context.Context, dump string, opts RestoreOptions) error {
	if opts.DatabaseURL == "" {
		return errors.New("this is a PostgreSQL backup: set GONGKAI_DATABASE_URL (or --database-url) to the database to restore into (create an empty one with createdb)")
	}
	program := opts.PGRestore
	if program == "" {
		program = "pg_restore"
	}
	path, err := exec.LookPath(program)
	if err != nil {
		return fmt.Errorf("restoring PostgreSQL needs pg_restore (Debian: apt-get install postgresql-client), or name it with --pg-restore: %w", err)
	}
	target, err := db.Open(ctx, db.Options{URL: opts.DatabaseURL, MaxConns: 1})
	if err != nil {
		return err
	}
	var tables int
	err = target.R.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()").Scan(&tables)
	target.Close()
	if err != nil {
		return err
	}
	if tables > 0 && !opts.Force {
		return fmt.Errorf("the database already has %d tables; restore into an empty database (createdb), or use --force to replace its contents", tables)
	}
	conn, env, err := libpqURL(opts.DatabaseURL)
	if err != nil {
		return err
	}
	args := []string{"--no-owner", "--exit-on-error", "--single-transaction"}
	if tables > 0 {
		args = append(args, "--clean", "--if-exists")
	}
	args = append(args, "--dbname="+conn, dump)
	// #nosec G204 -- pg_restore (or the operator's --pg-restore) with an argument list, no shell
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), env...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_restore: %w: %s", err, strings.TrimSpace(string(msg)))
	}
	return nil
}

// swap is a file of the backup that replaces a file of the installation.
type swap struct {
	from, to string
	extra    []string // companion files moved aside with the old one
}
