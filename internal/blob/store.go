package blob

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/db"
)

// Attachment is a row of the attachments table: a stored blob, whose it is
// and what it is.
type Attachment struct {
	ID int64
	// AgencyID owns the attachment; 0 means a platform-level file (NULL in
	// the database), which belongs to no agency.
	AgencyID    int64
	Key         string
	FileName    string
	ContentType string
	Size        int64
	SHA256      string
	// Purpose says what the file is for ("disclosure", "reply", …); free
	// text for the capability that owns it.
	Purpose string
	// CreatedBy is the staff user who uploaded it; 0 for none (a citizen's
	// upload, an import).
	CreatedBy int64
	CreatedAt time.Time
}

// Attachment returns the row for an upload.
func (u Upload) Attachment(agencyID int64, purpose string, createdBy int64) Attachment {
	return Attachment{
		AgencyID:    agencyID,
		Key:         u.Key,
		FileName:    u.FileName,
		ContentType: u.ContentType,
		Size:        u.Size,
		SHA256:      u.SHA256,
		Purpose:     purpose,
		CreatedBy:   createdBy,
	}
}

// nullID stores 0 as NULL.
func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// InsertAttachment inserts the row for a blob that Ingest has already stored
// and returns its id. Run it inside the transaction that creates whatever
// references the attachment. CreatedAt defaults to now.
func InsertAttachment(ctx context.Context, q db.Querier, a Attachment) (int64, error) {
	if err := ValidKey(a.Key); err != nil {
		return 0, err
	}
	if a.FileName == "" || a.ContentType == "" || a.Size < 0 || len(a.SHA256) != 64 || a.AgencyID < 0 || a.CreatedBy < 0 {
		return 0, fmt.Errorf("blob: incomplete attachment row for %s", a.Key)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = db.Now()
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO attachments
		(agency_id, blob_key, file_name, content_type, size, sha256, purpose, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		nullID(a.AgencyID), a.Key, a.FileName, a.ContentType, a.Size, a.SHA256, a.Purpose,
		nullID(a.CreatedBy), a.CreatedAt.UTC()).Scan(&id)
	switch {
	case err == nil:
		return id, nil
	case db.IsUniqueViolation(err):
		return 0, apperr.Wrap(apperr.Conflict, "该附件已登记。", err)
	case db.IsForeignKeyViolation(err):
		return 0, apperr.Wrap(apperr.Invalid, "附件所属的机构或上传人不存在。", err)
	}
	return 0, fmt.Errorf("blob: insert attachment: %w", err)
}

const attachmentColumns = `id, agency_id, blob_key, file_name, content_type, size, sha256, purpose, created_by, created_at`

// GetAttachment returns attachment id as seen from agency agencyID: an
// attachment of another agency is NotFound, exactly like a missing one.
// agencyID 0 is the platform scope and sees only platform-level attachments
// (agency_id NULL); an agency does not see platform-level attachments through
// this call either. Code that may see everything (a platform administrator
// following a link) asks for the owner's scope explicitly.
func GetAttachment(ctx context.Context, q db.Querier, agencyID, id int64) (Attachment, error) {
	query := `SELECT ` + attachmentColumns + ` FROM attachments WHERE id = $1 AND `
	args := []any{id}
	if agencyID == 0 {
		query += `agency_id IS NULL`
	} else {
		query += `agency_id = $2`
		args = append(args, agencyID)
	}
	var a Attachment
	var agency, by sql.NullInt64
	err := q.QueryRowContext(ctx, query, args...).Scan(&a.ID, &agency, &a.Key, &a.FileName,
		&a.ContentType, &a.Size, &a.SHA256, &a.Purpose, &by, &a.CreatedAt)
	if err != nil {
		return Attachment{}, db.NotFound(err, msgNotFound)
	}
	a.AgencyID, a.CreatedBy = agency.Int64, by.Int64
	a.CreatedAt = a.CreatedAt.UTC()
	return a, nil
}

// orphanBatch is how many keys DeleteOrphans checks per query.
const orphanBatch = 200

// DeleteOrphans deletes the blobs that no attachments row references and
// that are older than olderThan, and returns how many it deleted. Blobs are
// written before their row commits, so a blob younger than the grace period
// may belong to a transaction still running: olderThan must be longer than
// any request takes (an hour is plenty). On the local store it also removes
// temporary files that a crash left behind for as long, and on any store
// Ingest's spool files in os.TempDir (counted too).
func DeleteOrphans(ctx context.Context, d *db.DB, s Store, olderThan time.Duration) (int, error) {
	if olderThan < 0 {
		return 0, errors.New("blob: DeleteOrphans needs a non-negative grace period")
	}
	cutoff := time.Now().Add(-olderThan)
	deleted := 0
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		known, err := referencedKeys(ctx, d.R, batch)
		if err != nil {
			return err
		}
		for _, k := range batch {
			if known[k] {
				continue
			}
			if err := s.Delete(ctx, k); err != nil {
				return err
			}
			deleted++
		}
		batch = batch[:0]
		return nil
	}
	err := s.List(ctx, "", func(key string, _ int64, modTime time.Time) error {
		if !modTime.Before(cutoff) {
			return nil
		}
		batch = append(batch, key)
		if len(batch) >= orphanBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return deleted, fmt.Errorf("blob: delete orphans: %w", err)
	}
	if l, ok := s.(*Local); ok {
		n, err := l.removeStaleTemp(ctx, cutoff)
		deleted += n
		if err != nil {
			return deleted, fmt.Errorf("blob: delete stale temporary files: %w", err)
		}
	}
	n, err := removeStaleSpool(cutoff)
	deleted += n
	if err != nil {
		return deleted, fmt.Errorf("blob: delete stale spool files: %w", err)
	}
	return deleted, nil
}

// referencedKeys returns which of keys have a row.
func referencedKeys(ctx context.Context, q db.Querier, keys []string) (map[string]bool, error) {
	var sb strings.Builder
	sb.WriteString(`SELECT blob_key FROM attachments WHERE blob_key IN (`)
	args := make([]any, len(keys))
	for i, k := range keys {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("$" + strconv.Itoa(i+1))
		args[i] = k
	}
	sb.WriteString(")")
	rows, err := q.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("check blob keys: %w", err)
	}
	defer rows.Close()
	known := make(map[string]bool, len(keys))
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		known[k] = true
	}
	return known, rows.Err()
}

// OpenAttachment opens the bytes of an agency's attachment row.
func OpenAttachment(ctx context.Context, q db.Querier, s Store, agencyID, id int64) (Attachment, io.ReadCloser, error) {
	a, err := GetAttachment(ctx, q, agencyID, id)
	if err != nil {
		return Attachment{}, nil, err
	}
	rc, err := s.Open(ctx, a.Key)
	if err != nil {
		return Attachment{}, nil, err
	}
	return a, rc, nil
}
