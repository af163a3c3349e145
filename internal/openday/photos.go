package openday

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/web"
)

// Photo limits: JPEG or PNG only, each with its alt text.
const (
	MaxPhotos     = 20
	MaxPhotoBytes = 10 << 20
	MaxAlt        = 200
	MaxCaption    = 500
)

// Photo is a picture of a held event for its public summary. Alt is the
// text that stands for the picture (read by screen readers, shown when it
// does not load); Caption is shown under it.
type Photo struct {
	ID          int64
	EventID     int64
	Seq         int
	Key         string
	FileName    string
	ContentType string
	Size        int64
	SHA256      string
	Alt         string
	Caption     string
	CreatedAt   time.Time
}

// PhotoURL is the photo's public address.
func PhotoURL(slug string, eventID, photoID int64) string {
	return URL(slug, eventID) + "/photos/" + strconv.FormatInt(photoID, 10)
}

// Upload is an uploaded file as received.
type Upload struct {
	Name   string
	Reader io.Reader
}

const photoCols = `id, event_id, seq, blob_key, file_name, content_type, size, sha256, alt, caption, created_at`

func scanPhoto(r interface{ Scan(...any) error }) (*Photo, error) {
	p := &Photo{}
	err := r.Scan(&p.ID, &p.EventID, &p.Seq, &p.Key, &p.FileName, &p.ContentType, &p.Size, &p.SHA256, &p.Alt, &p.Caption, &p.CreatedAt)
	return p, err
}

// Photos returns an event's photos in order.
func (s *Service) Photos(ctx context.Context, eventID int64) ([]*Photo, error) {
	rows, err := s.DB.R.QueryContext(ctx, `SELECT `+photoCols+` FROM openday_photos WHERE event_id = $1 ORDER BY seq, id`, eventID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Photo
	for rows.Next() {
		p, err := scanPhoto(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// AddPhoto adds a photo to an event that has taken place (JPEG or PNG, at
// most MaxPhotoBytes, alt text required).
func (s *Service) AddPhoto(ctx context.Context, p *auth.Principal, id int64, up Upload, alt, caption string) (*Photo, error) {
	e, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	alt, caption = strings.TrimSpace(alt), strings.TrimSpace(caption)
	f := map[string]string{}
	web.CheckText(f, "alt", "图片说明（替代文字）", alt, true, MaxAlt)
	web.CheckText(f, "caption", "图片标题", caption, false, MaxCaption)
	if up.Reader == nil {
		f["photo"] = "请选择要上传的照片。"
	}
	if !e.Past(s.Now()) || (e.State != Published && e.State != Done) {
		return nil, apperr.New(apperr.Conflict, "活动举办后才能上传活动照片。")
	}
	if len(f) > 0 {
		return nil, apperr.FieldErrors(f)
	}
	if s.Blobs == nil {
		return nil, apperr.New(apperr.Conflict, "附件存储尚未配置，不能上传照片。")
	}
	if strings.ContainsAny(up.Name, `/\`) || strings.Contains(up.Name, "..") {
		return nil, apperr.FieldErrors(map[string]string{"photo": "文件名不能包含路径，请重命名后再上传。"})
	}
	stored, err := blob.Ingest(ctx, s.Blobs, up.Name, up.Reader, MaxPhotoBytes)
	if err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid || c == apperr.TooLarge {
			return nil, apperr.FieldErrors(map[string]string{"photo": apperr.MessageOf(err)})
		}
		return nil, err
	}
	if stored.Kind != blob.JPEG && stored.Kind != blob.PNG {
		s.Blobs.Delete(context.WithoutCancel(ctx), stored.Key)
		return nil, apperr.FieldErrors(map[string]string{"photo": "活动照片只能是 JPG 或 PNG 图片。"})
	}
	ph := &Photo{EventID: id, Key: stored.Key, FileName: stored.FileName, ContentType: stored.ContentType, Size: stored.Size,
		SHA256: stored.SHA256, Alt: alt, Caption: caption, CreatedAt: db.Now()}
	err = s.tx(ctx, func(tx db.Tx) error {
		if _, err := lock(ctx, tx, id); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*), COALESCE(max(seq), 0) FROM openday_photos WHERE event_id = $1`, id).Scan(&n, &ph.Seq); err != nil {
			return err
		}
		if n >= MaxPhotos {
			return apperr.FieldErrors(map[string]string{"photo": "每次活动最多上传 " + strconv.Itoa(MaxPhotos) + " 张照片。"})
		}
		ph.Seq++
		attID, err := blob.InsertAttachment(ctx, tx, stored.Attachment(e.AgencyID, "openday-photo", p.UserID))
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO openday_photos (event_id, attachment_id, seq, blob_key, file_name, content_type, size, sha256, alt, caption, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`, id, attID, ph.Seq, ph.Key, ph.FileName, ph.ContentType, ph.Size, ph.SHA256,
			ph.Alt, ph.Caption, ph.CreatedAt).Scan(&ph.ID); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), e.AgencyID, "photo", "openday", id, "上传活动照片："+ph.Alt)
	})
	if err != nil {
		if db.RolledBack(err) {
			s.Blobs.Delete(context.WithoutCancel(ctx), stored.Key)
		}
		return nil, err
	}
	return ph, nil
}

// RemovePhoto removes a photo from an event of p's agency.
func (s *Service) RemovePhoto(ctx context.Context, p *auth.Principal, id, photoID int64) error {
	e, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	var key, alt string
	var attID int64
	err = s.tx(ctx, func(tx db.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT blob_key, alt, attachment_id FROM openday_photos WHERE id = $1 AND event_id = $2`, photoID, id).Scan(&key, &alt, &attID)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.Conflict, "没有这张照片，可能已被删除。")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM openday_photos WHERE id = $1`, photoID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM attachments WHERE id = $1`, attID); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), e.AgencyID, "photo.remove", "openday", id, "删除活动照片："+alt)
	})
	if err == nil && s.Blobs != nil {
		s.Blobs.Delete(context.WithoutCancel(ctx), key)
	}
	return err
}

// OpenPublicPhoto opens a photo of a held event of the agency for the
// portal (the photos are public once the summary is).
func (s *Service) OpenPublicPhoto(ctx context.Context, agencyID, eventID, photoID int64) (*Photo, io.ReadCloser, error) {
	e, err := s.Public(ctx, agencyID, eventID)
	if err != nil {
		return nil, nil, err
	}
	if e.State != Done {
		return nil, nil, errNone
	}
	ph, err := scanPhoto(s.DB.R.QueryRowContext(ctx, `SELECT `+photoCols+` FROM openday_photos WHERE id = $1 AND event_id = $2`, photoID, eventID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errNone
	}
	if err != nil {
		return nil, nil, err
	}
	if s.Blobs == nil {
		return nil, nil, errNone
	}
	rc, err := s.Blobs.Open(ctx, ph.Key)
	if err != nil {
		return nil, nil, err
	}
	return ph, rc, nil
}
