package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/querycode"
)

// Store is the data of one installation, read directly: the database and
// the attachment folder.
type Store struct {
	DB       *db.DB
	BlobRoot string
}

func openStore(ctx context.Context, dataDir, dbURL string) (*Store, error) {
	d, err := db.Open(ctx, db.Options{URL: dbURL, DataDir: dataDir, MaxConns: 4})
	if err != nil {
		return nil, err
	}
	return &Store{DB: d, BlobRoot: filepath.Join(dataDir, "attachments")}, nil
}

func (s *Store) Close() { s.DB.Close() }

// Verdict is what became of the acknowledged submissions.
type Verdict struct {
	Acked    int      `json:"acked"`
	Verified int      `json:"verified"`
	Lost     []string `json:"lost,omitempty"`     // acknowledged, not found
	Damaged  []string `json:"damaged,omitempty"`  // found, but not as sent
	Problems []string `json:"problems,omitempty"` // checker errors
	// Submissions without a response (in flight when the server died):
	// committed or not, both are correct.
	UnknownPresent int `json:"unknown_present"`
	UnknownAbsent  int `json:"unknown_absent"`
}

// OK reports whether nothing acknowledged was lost or damaged.
func (v *Verdict) OK() bool { return len(v.Lost) == 0 && len(v.Damaged) == 0 && len(v.Problems) == 0 }

func (v *Verdict) String() string {
	return fmt.Sprintf("acknowledged %d, verified %d, lost %d, damaged %d; without response: %d committed, %d not",
		v.Acked, v.Verified, len(v.Lost), len(v.Damaged), v.UnknownPresent, v.UnknownAbsent)
}

// Verify checks every acknowledged record (content, query code, attachment
// bytes) and counts the records without response that were committed.
func (s *Store) Verify(ctx context.Context, recs []*Record) *Verdict {
	v := &Verdict{}
	for _, r := range recs {
		switch r.Status {
		case Ack:
			v.Acked++
			found, diffs, err := s.check(ctx, r)
			switch {
			case err != nil:
				v.Problems = append(v.Problems, fmt.Sprintf("%s %s: %v", r.Kind, r.Marker, err))
			case !found:
				v.Lost = append(v.Lost, fmt.Sprintf("%s %s (number %q, comment %d, acknowledged %s)", r.Kind, r.Marker, r.Number, r.CommentID, r.Done.Format(time.RFC3339Nano)))
			case len(diffs) > 0:
				v.Damaged = append(v.Damaged, fmt.Sprintf("%s %s: %s", r.Kind, r.Marker, strings.Join(diffs, "; ")))
			default:
				v.Verified++
			}
		case Unknown:
			found, err := s.present(ctx, r)
			if err != nil {
				v.Problems = append(v.Problems, fmt.Sprintf("%s %s: %v", r.Kind, r.Marker, err))
			} else if found {
				v.UnknownPresent++
			} else {
				v.UnknownAbsent++
			}
		}
	}
	return v
}

type diffs []string

func (d *diffs) eq(what, got, want string) {
	if got != want {
		*d = append(*d, fmt.Sprintf("%s is %q, sent %q", what, got, want))
	}
}

// check finds an acknowledged record by what the server gave back and
// compares it with what was sent.
func (s *Store) check(ctx context.Context, r *Record) (bool, diffs, error) {
	q := s.DB.R
	var d diffs
	var files []fileRow
	switch r.Kind {
	case KindApplication:
		var id int64
		var name, idn, ph, title, desc, codeHash, channel string
		err := q.QueryRowContext(ctx, `SELECT id, applicant_name, id_number, phone, title, description, code_hash, channel
			FROM applications WHERE number = $1`, r.Number).Scan(&id, &name, &idn, &ph, &title, &desc, &codeHash, &channel)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil, nil
		} else if err != nil {
			return false, nil, err
		}
		d.eq("applicant_name", name, r.Name)
		d.eq("id_number", idn, r.IDNumber)
		d.eq("phone", ph, r.Phone)
		d.eq("title", title, r.Subject)
		d.eq("description", desc, r.Body)
		d.eq("channel", channel, "online")
		if !querycode.Match(codeHash, "application", r.Number, r.Code) {
			d = append(d, "the query code given in the receipt does not match")
		}
		if files, err = s.files(ctx, `SELECT a.blob_key, a.sha256, a.size FROM application_files f JOIN attachments a ON a.id = f.attachment_id
			WHERE f.application_id = $1 AND f.kind = 'identity'`, id); err != nil {
			return true, nil, err
		}
	case KindLetter:
		var id int64
		var subject, body, name, ph, channel, codeHash string
		err := q.QueryRowContext(ctx, `SELECT id, subject, body, writer_name, writer_phone, channel, code_hash
			FROM concerns WHERE number = $1`, r.Number).Scan(&id, &subject, &body, &name, &ph, &channel, &codeHash)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil, nil
		} else if err != nil {
			return false, nil, err
		}
		d.eq("subject", subject, r.Subject)
		d.eq("body", body, r.Body)
		d.eq("writer_name", name, r.Name)
		d.eq("writer_phone", ph, r.Phone)
		d.eq("channel", channel, "mailbox")
		if !querycode.Match(codeHash, "concern", r.Number, r.Code) {
			d = append(d, "the query code given in the receipt does not match")
		}
		if files, err = s.files(ctx, `SELECT a.blob_key, a.sha256, a.size FROM concern_files f JOIN attachments a ON a.id = f.attachment_id
			WHERE f.concern_id = $1`, id); err != nil {
			return true, nil, err
		}
	case KindComment:
		var body, name, ph string
		var att sql.NullInt64
		err := q.QueryRowContext(ctx, `SELECT body, name, phone, attachment_id FROM comments WHERE id = $1`, r.CommentID).
			Scan(&body, &name, &ph, &att)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil, nil
		} else if err != nil {
			return false, nil, err
		}
		d.eq("body", body, r.Body)
		d.eq("name", name, r.Name)
		d.eq("phone", ph, r.Phone)
		if att.Valid {
			if files, err = s.files(ctx, `SELECT blob_key, sha256, size FROM attachments WHERE id = $1`, att.Int64); err != nil {
				return true, nil, err
			}
		}
	case KindSignup:
		var name, status, codeHash string
		var group int64
		err := q.QueryRowContext(ctx, `SELECT name, group_id, status, code_hash FROM openday_signups
			WHERE event_id = $1 AND phone = $2 AND status <> 'cancelled'`, r.EventID, r.Phone).Scan(&name, &group, &status, &codeHash)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil, nil
		} else if err != nil {
			return false, nil, err
		}
		d.eq("name", name, r.Name)
		d.eq("group_id", strconv.FormatInt(group, 10), strconv.FormatInt(r.GroupID, 10))
		if !querycode.Match(codeHash, "openday", strconv.FormatInt(r.EventID, 10), r.Code) {
			d = append(d, "the sign-up code given in the receipt does not match")
		}
	}
	switch {
	case r.FileSHA256 == "" && len(files) > 0:
		d = append(d, fmt.Sprintf("%d attachments, sent none", len(files)))
	case r.FileSHA256 != "" && len(files) != 1:
		d = append(d, fmt.Sprintf("%d attachments, sent one", len(files)))
	case r.FileSHA256 != "":
		f := files[0]
		d.eq("attachment row sha256", f.sha, r.FileSHA256)
		d.eq("attachment row size", strconv.FormatInt(f.size, 10), strconv.Itoa(r.FileSize))
		got, n, err := hashFile(filepath.Join(s.BlobRoot, filepath.FromSlash(f.key)))
		if err != nil {
			d = append(d, "attachment blob: "+err.Error())
		} else {
			d.eq("attachment blob sha256", got, r.FileSHA256)
			d.eq("attachment blob size", strconv.FormatInt(n, 10), strconv.Itoa(r.FileSize))
		}
	}
	return true, d, nil
}

type fileRow struct {
	key, sha string
	size     int64
}

func (s *Store) files(ctx context.Context, query string, id int64) ([]fileRow, error) {
	rows, err := s.DB.R.QueryContext(ctx, query, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fileRow
	for rows.Next() {
		var f fileRow
		if err := rows.Scan(&f.key, &f.sha, &f.size); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// present looks for a record without response by its marker.
func (s *Store) present(ctx context.Context, r *Record) (bool, error) {
	var n int
	var err error
	q := s.DB.R
	switch r.Kind {
	case KindApplication:
		err = q.QueryRowContext(ctx, `SELECT count(*) FROM applications WHERE title = $1`, r.Subject).Scan(&n)
	case KindLetter:
		err = q.QueryRowContext(ctx, `SELECT count(*) FROM concerns WHERE subject = $1`, r.Subject).Scan(&n)
	case KindComment:
		err = q.QueryRowContext(ctx, `SELECT count(*) FROM comments WHERE body = $1`, r.Body).Scan(&n)
	case KindSignup:
		err = q.QueryRowContext(ctx, `SELECT count(*) FROM openday_signups WHERE event_id = $1 AND phone = $2`, r.EventID, r.Phone).Scan(&n)
	}
	return n > 0, err
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// BlobReport compares the attachments table with the blob folder.
type BlobReport struct {
	Rows         int      `json:"rows"`
	Blobs        int      `json:"blobs"`
	MissingBlobs []string `json:"missing_blobs,omitempty"` // a row without its blob: data lost
	BadBlobs     []string `json:"bad_blobs,omitempty"`     // a blob whose bytes do not match its row
	OrphanBlobs  int      `json:"orphan_blobs"`            // a blob without a row (a request cut off between storing the file and committing)
	TempFiles    int      `json:"temp_files"`              // .tmp-* files of a Put cut off
}

// OK reports whether every row has its blob with the right bytes.
func (b *BlobReport) OK() bool { return len(b.MissingBlobs) == 0 && len(b.BadBlobs) == 0 }

func (b *BlobReport) String() string {
	return fmt.Sprintf("%d attachment rows, %d blobs: %d rows without blob, %d blobs with wrong bytes, %d blobs without row, %d temporary files",
		b.Rows, b.Blobs, len(b.MissingBlobs), len(b.BadBlobs), b.OrphanBlobs, b.TempFiles)
}

// Blobs checks every attachment row against its blob (hashing the bytes)
// and counts the blobs no row references.
func (s *Store) Blobs(ctx context.Context) (*BlobReport, error) {
	rep := &BlobReport{}
	rows, err := s.DB.R.QueryContext(ctx, `SELECT blob_key, sha256, size FROM attachments`)
	if err != nil {
		return nil, err
	}
	referenced := map[string]bool{}
	var all []fileRow
	for rows.Next() {
		var f fileRow
		if err := rows.Scan(&f.key, &f.sha, &f.size); err != nil {
			rows.Close()
			return nil, err
		}
		all = append(all, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, f := range all {
		rep.Rows++
		referenced[f.key] = true
		got, n, err := hashFile(filepath.Join(s.BlobRoot, filepath.FromSlash(f.key)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			rep.MissingBlobs = append(rep.MissingBlobs, f.key)
		case err != nil:
			return nil, err
		case got != f.sha || n != f.size:
			rep.BadBlobs = append(rep.BadBlobs, f.key)
		}
	}
	local, err := blob.NewLocal(s.BlobRoot)
	if err != nil {
		return nil, err
	}
	if err := local.List(ctx, "", func(key string, _ int64, _ time.Time) error {
		rep.Blobs++
		if !referenced[key] {
			rep.OrphanBlobs++
		}
		return nil
	}); err != nil {
		return nil, err
	}
	filepath.WalkDir(s.BlobRoot, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && strings.HasPrefix(e.Name(), ".tmp-") {
			rep.TempFiles++
		}
		return nil
	})
	return rep, nil
}

// Integrity runs the database's own consistency checks: on SQLite PRAGMA
// integrity_check and foreign_key_check, on PostgreSQL pg_amcheck (heap and
// B-tree indexes, every heap tuple found in its indexes).
func (s *Store) Integrity(ctx context.Context, pgAmcheck string) (string, error) {
	if s.DB.Dialect == db.SQLite {
		var msgs []string
		rows, err := s.DB.R.QueryContext(ctx, "PRAGMA integrity_check")
		if err != nil {
			return "", err
		}
		for rows.Next() {
			var m string
			rows.Scan(&m)
			msgs = append(msgs, m)
		}
		rows.Close()
		if len(msgs) != 1 || msgs[0] != "ok" {
			return "", fmt.Errorf("PRAGMA integrity_check: %s", strings.Join(msgs, "; "))
		}
		rows, err = s.DB.R.QueryContext(ctx, "PRAGMA foreign_key_check")
		if err != nil {
			return "", err
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		if n > 0 {
			return "", fmt.Errorf("PRAGMA foreign_key_check: %d rows violate a foreign key", n)
		}
		return "PRAGMA integrity_check ok, foreign_key_check ok", nil
	}
	if pgAmcheck == "" {
		return "", errors.New("pg_amcheck not found (it ships with the PostgreSQL ≥ 14 server package; pass --pg-amcheck)")
	}
	cmd := exec.CommandContext(ctx, pgAmcheck, "--install-missing", "--heapallindexed", s.DB.URL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("pg_amcheck: %v\n%s", err, out)
	}
	return "pg_amcheck --heapallindexed ok", nil
}

// findAmcheck looks for pg_amcheck on PATH and in Debian's PostgreSQL folders.
func findAmcheck() string {
	if p, err := exec.LookPath("pg_amcheck"); err == nil {
		return p
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_amcheck")
	if len(matches) > 0 {
		return matches[len(matches)-1]
	}
	return ""
}

// TableCounts counts the rows of the tables the drill writes to.
func (s *Store) TableCounts(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	for _, t := range countedTables {
		var n int
		if err := s.DB.R.QueryRowContext(ctx, "SELECT count(*) FROM "+t).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}

var countedTables = []string{"applications", "application_files", "application_events", "concerns", "concern_files",
	"comments", "openday_signups", "attachments", "audit_entries", "items"}
