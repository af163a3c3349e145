package newmedia

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/todo"
	"github.com/gongkai/gongkai/internal/xlsxprint"
)

// AgencyRef is what new media need to know of an agency.
type AgencyRef struct {
	ID         int64
	Slug, Name string
}

// AgencyDirectory gives the agencies (wired in app).
type AgencyDirectory interface {
	Agency(ctx context.Context, id int64) (AgencyRef, error)
	AgencyBySlug(ctx context.Context, slug string) (AgencyRef, error)
}

// ItemRef is a published information item that may be reposted.
type ItemRef struct {
	ID          int64
	Title       string
	URL         string // absolute address of its portal page
	Kind        Kind
	PublishedOn civil.Date
}

// Items looks up the agency's published information items (the
// disclosure capability, wired in app).
type Items interface {
	// PublishedItem returns a published item of the agency, or NotFound.
	PublishedItem(ctx context.Context, agencyID, id int64) (ItemRef, error)
	// RecentItems lists the agency's latest published items.
	RecentItems(ctx context.Context, agencyID int64, limit int) ([]ItemRef, error)
}

// Deps are the services new media use.
type Deps struct {
	DB       *db.DB
	Calendar *calendar.Service
	Agencies AgencyDirectory
	// Items may be nil: then reposts take a free title and address only.
	Items Items
	// Blobs keeps the QR images (may be nil: no images).
	Blobs   blob.Store
	Version interface {
		Bump(ctx context.Context, tx db.Tx) error
		Invalidate()
	}
	Now func() time.Time
	// StaleDays is the freshness rule in calendar days (default 14).
	StaleDays int
	// WarnDays is how many days before going stale an account shows in
	// the to-do centre (default 3).
	WarnDays int
}

// Service is the rules of the new-media registry and repost tasks.
type Service struct{ Deps }

// NewService returns the service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.StaleDays <= 0 {
		d.StaleDays = 14
	}
	if d.WarnDays <= 0 {
		d.WarnDays = 3
	}
	return &Service{Deps: d}
}

// QR image limits.
const MaxQRBytes = 2 << 20

var (
	errForbidden = apperr.New(apperr.Forbidden, "您无权管理本单位的政务新媒体。")
	errNoAccount = apperr.NotFoundf("没有这个新媒体账号。")
	errNoRepost  = apperr.NotFoundf("没有这项转发任务。")
	errStale     = apperr.New(apperr.Conflict, "这个账号刚被其他人修改过，请刷新页面后再操作。")
)

func allowed(p *auth.Principal) bool { return auth.Allowed(p, auth.ManageNewMedia) && p.AgencyID != 0 }

// Today is the date in Shanghai.
func (s *Service) Today() civil.Date { return civil.Of(s.Now()) }

func record(ctx context.Context, tx db.Tx, actor audit.Actor, agencyID int64, action, objectType string, id int64, summary string) error {
	return audit.Record(ctx, tx, actor, audit.Event{AgencyID: agencyID, Action: "newmedia." + action, ObjectType: objectType,
		ObjectID: strconv.FormatInt(id, 10), Summary: summary})
}

// tx runs fn and lets the public pages know the registry changed.
func (s *Service) tx(ctx context.Context, fn func(tx db.Tx) error) error {
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if s.Version != nil {
			return s.Version.Bump(ctx, tx)
		}
		return nil
	})
	if err == nil && s.Version != nil {
		s.Version.Invalidate()
	}
	return err
}

// ---------------------------------------------------------------- accounts

const accountCols = `id, agency_id, platform, name, account_id, supervisor, sponsor, operator, operator_contact, status,
	COALESCE(qr_attachment_id, 0), last_updated_on, note, sort_order, version, created_at, updated_at`

func (s *Service) scanAccount(r interface{ Scan(...any) error }) (*Account, error) {
	a := &Account{}
	var platform, status string
	err := r.Scan(&a.ID, &a.AgencyID, &platform, &a.Name, &a.AccountID, &a.Supervisor, &a.Sponsor, &a.Operator, &a.OperatorContact, &status,
		&a.QRAttachmentID, &a.LastUpdatedOn, &a.Note, &a.SortOrder, &a.Version, &a.CreatedAt, &a.UpdatedAt)
	a.Platform, a.Status = Platform(platform), Status(status)
	a.Freshness(s.Today(), s.StaleDays)
	return a, err
}

func (s *Service) listAccounts(ctx context.Context, q db.Querier, where string, args ...any) ([]*Account, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+accountCols+` FROM newmedia_accounts WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Account
	for rows.Next() {
		a, err := s.scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Platform.order() != b.Platform.order() {
			return a.Platform.order() < b.Platform.order()
		}
		if a.SortOrder != b.SortOrder {
			return a.SortOrder < b.SortOrder
		}
		return a.ID < b.ID
	})
	return out, nil
}

// Filter narrows the registry.
type Filter struct {
	Platform Platform
	Status   Status
	Stale    bool
}

// Accounts lists p's agency's accounts by platform.
func (s *Service) Accounts(ctx context.Context, p *auth.Principal, f Filter) ([]*Account, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	where, args := []string{"agency_id = $1"}, []any{p.AgencyID}
	if f.Platform != "" {
		args = append(args, string(f.Platform))
		where = append(where, "platform = $"+strconv.Itoa(len(args)))
	}
	if f.Status != "" {
		args = append(args, string(f.Status))
		where = append(where, "status = $"+strconv.Itoa(len(args)))
	}
	list, err := s.listAccounts(ctx, s.DB.R, strings.Join(where, " AND "), args...)
	if err != nil || !f.Stale {
		return list, err
	}
	var out []*Account
	for _, a := range list {
		if a.Stale {
			out = append(out, a)
		}
	}
	return out, nil
}

// Account returns an account of p's agency.
func (s *Service) Account(ctx context.Context, p *auth.Principal, id int64) (*Account, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	list, err := s.listAccounts(ctx, s.DB.R, `id = $1 AND agency_id = $2`, id, p.AgencyID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errNoAccount
	}
	return list[0], nil
}

// PublicAccounts lists an agency's accounts in operation for the portal.
func (s *Service) PublicAccounts(ctx context.Context, agencyID int64) ([]*Account, error) {
	return s.listAccounts(ctx, s.DB.R, `agency_id = $1 AND status = 'active'`, agencyID)
}

func duplicateName(err error) error {
	if db.IsUniqueViolation(err) {
		return apperr.FieldErrors(map[string]string{"name": "本单位在该平台已登记同名账号。"})
	}
	return err
}

// CreateAccount registers an account of p's agency.
func (s *Service) CreateAccount(ctx context.Context, p *auth.Principal, f AccountFields) (*Account, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	a := &Account{AgencyID: p.AgencyID}
	if m := f.check(a, s.Today()); len(m) > 0 {
		return nil, apperr.FieldErrors(m)
	}
	err := s.tx(ctx, func(tx db.Tx) error {
		now := db.Now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO newmedia_accounts (agency_id, platform, name, account_id, supervisor, sponsor, operator, operator_contact,
			status, last_updated_on, note, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
			a.AgencyID, string(a.Platform), a.Name, a.AccountID, a.Supervisor, a.Sponsor, a.Operator, a.OperatorContact, string(a.Status),
			a.LastUpdatedOn, a.Note, now).Scan(&a.ID); err != nil {
			return duplicateName(err)
		}
		return record(ctx, tx, p.Actor(), a.AgencyID, "account.create", "newmedia_account", a.ID,
			"登记政务新媒体账号："+a.Name+"（"+a.Platform.Label()+"，"+a.Status.Label()+"）")
	})
	if err != nil {
		return nil, err
	}
	return s.Account(ctx, p, a.ID)
}

// UpdateAccount changes an account of p's agency.
func (s *Service) UpdateAccount(ctx context.Context, p *auth.Principal, id int64, f AccountFields) error {
	a, err := s.Account(ctx, p, id)
	if err != nil {
		return err
	}
	old := *a
	if m := f.check(a, s.Today()); len(m) > 0 {
		return apperr.FieldErrors(m)
	}
	return s.tx(ctx, func(tx db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE newmedia_accounts SET platform = $1, name = $2, account_id = $3, supervisor = $4, sponsor = $5, operator = $6,
			operator_contact = $7, status = $8, last_updated_on = $9, note = $10, updated_at = $11, version = version + 1
			WHERE id = $12 AND agency_id = $13 AND version = $14`,
			string(a.Platform), a.Name, a.AccountID, a.Supervisor, a.Sponsor, a.Operator, a.OperatorContact, string(a.Status), a.LastUpdatedOn,
			a.Note, db.Now(), id, p.AgencyID, f.Version)
		if err != nil {
			return duplicateName(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale
		}
		summary := "修改政务新媒体账号：" + a.Name + "（" + a.Platform.Label() + "）"
		if old.Status != a.Status {
			summary += "，状态由“" + old.Status.Label() + "”改为“" + a.Status.Label() + "”"
		}
		return record(ctx, tx, p.Actor(), p.AgencyID, "account.update", "newmedia_account", id, summary)
	})
}

// RecordUpdate records that an account was updated on a day (today when
// zero); an earlier date than the one recorded is ignored.
func (s *Service) RecordUpdate(ctx context.Context, p *auth.Principal, id int64, day civil.Date) error {
	a, err := s.Account(ctx, p, id)
	if err != nil {
		return err
	}
	today := s.Today()
	if day.IsZero() {
		day = today
	}
	if day.After(today) {
		return apperr.FieldErrors(map[string]string{"updated_on": "更新日期不能晚于今天。"})
	}
	return s.tx(ctx, func(tx db.Tx) error {
		if err := touch(ctx, tx, id, day); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), p.AgencyID, "account.updated", "newmedia_account", id, "记录 "+a.Name+"（"+a.Platform.Label()+"）于 "+day.String()+" 更新")
	})
}

// touch moves an account's last update to day if that is later.
func touch(ctx context.Context, tx db.Tx, id int64, day civil.Date) error {
	_, err := tx.ExecContext(ctx, `UPDATE newmedia_accounts SET last_updated_on = $1, updated_at = $2
		WHERE id = $3 AND (last_updated_on IS NULL OR last_updated_on < $1)`, day, db.Now(), id)
	return err
}

// ---------------------------------------------------------------- QR images

// Upload is an uploaded file as received.
type Upload struct {
	Name   string
	Reader io.Reader
}

// SetQR stores an account's QR image (PNG or JPEG), replacing the old one.
func (s *Service) SetQR(ctx context.Context, p *auth.Principal, id int64, up Upload) error {
	a, err := s.Account(ctx, p, id)
	if err != nil {
		return err
	}
	if up.Reader == nil {
		return apperr.FieldErrors(map[string]string{"qr": "请选择二维码图片。"})
	}
	if s.Blobs == nil {
		return apperr.New(apperr.Conflict, "附件存储尚未配置，不能上传二维码。")
	}
	if strings.ContainsAny(up.Name, `/\`) || strings.Contains(up.Name, "..") {
		return apperr.FieldErrors(map[string]string{"qr": "文件名不能包含路径，请重命名后再上传。"})
	}
	stored, err := blob.Ingest(ctx, s.Blobs, up.Name, up.Reader, MaxQRBytes)
	if err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid || c == apperr.TooLarge {
			return apperr.FieldErrors(map[string]string{"qr": apperr.MessageOf(err)})
		}
		return err
	}
	if stored.Kind != blob.JPEG && stored.Kind != blob.PNG {
		s.Blobs.Delete(context.WithoutCancel(ctx), stored.Key)
		return apperr.FieldErrors(map[string]string{"qr": "二维码只能是 PNG 或 JPG 图片。"})
	}
	var oldKey string
	err = s.tx(ctx, func(tx db.Tx) error {
		attID, err := blob.InsertAttachment(ctx, tx, stored.Attachment(a.AgencyID, "newmedia-qr", p.UserID))
		if err != nil {
			return err
		}
		var old sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT qr_attachment_id FROM newmedia_accounts WHERE id = $1`, id).Scan(&old); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE newmedia_accounts SET qr_attachment_id = $1, updated_at = $2 WHERE id = $3`, attID, db.Now(), id); err != nil {
			return err
		}
		if old.Valid {
			if err := tx.QueryRowContext(ctx, `SELECT blob_key FROM attachments WHERE id = $1`, old.Int64).Scan(&oldKey); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM attachments WHERE id = $1`, old.Int64); err != nil {
				return err
			}
		}
		return record(ctx, tx, p.Actor(), a.AgencyID, "account.qr", "newmedia_account", id, "上传 "+a.QRAlt())
	})
	if err != nil {
		if db.RolledBack(err) {
			s.Blobs.Delete(context.WithoutCancel(ctx), stored.Key)
		}
		return err
	}
	if oldKey != "" {
		s.Blobs.Delete(context.WithoutCancel(ctx), oldKey)
	}
	return nil
}

// RemoveQR deletes an account's QR image.
func (s *Service) RemoveQR(ctx context.Context, p *auth.Principal, id int64) error {
	a, err := s.Account(ctx, p, id)
	if err != nil {
		return err
	}
	if a.QRAttachmentID == 0 {
		return apperr.New(apperr.Conflict, "这个账号没有二维码图片。")
	}
	var key string
	err = s.tx(ctx, func(tx db.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT blob_key FROM attachments WHERE id = $1`, a.QRAttachmentID).Scan(&key); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE newmedia_accounts SET qr_attachment_id = NULL, updated_at = $1 WHERE id = $2`, db.Now(), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM attachments WHERE id = $1`, a.QRAttachmentID); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), a.AgencyID, "account.qr.remove", "newmedia_account", id, "删除 "+a.QRAlt())
	})
	if err == nil && s.Blobs != nil {
		s.Blobs.Delete(context.WithoutCancel(ctx), key)
	}
	return err
}

// openQR opens an account's QR image.
func (s *Service) openQR(ctx context.Context, a *Account) (blob.Attachment, io.ReadCloser, error) {
	if a.QRAttachmentID == 0 || s.Blobs == nil {
		return blob.Attachment{}, nil, apperr.NotFoundf("这个账号没有二维码图片。")
	}
	return blob.OpenAttachment(ctx, s.DB.R, s.Blobs, a.AgencyID, a.QRAttachmentID)
}

// QR opens the QR image of an account of p's agency (any status).
func (s *Service) QR(ctx context.Context, p *auth.Principal, id int64) (*Account, blob.Attachment, io.ReadCloser, error) {
	a, err := s.Account(ctx, p, id)
	if err != nil {
		return nil, blob.Attachment{}, nil, err
	}
	att, rc, err := s.openQR(ctx, a)
	return a, att, rc, err
}

// PublicQR opens the QR image of an agency's account in operation.
func (s *Service) PublicQR(ctx context.Context, agencyID, id int64) (*Account, blob.Attachment, io.ReadCloser, error) {
	list, err := s.listAccounts(ctx, s.DB.R, `id = $1 AND agency_id = $2 AND status = 'active'`, id, agencyID)
	if err != nil {
		return nil, blob.Attachment{}, nil, err
	}
	if len(list) == 0 {
		return nil, blob.Attachment{}, nil, errNoAccount
	}
	att, rc, err := s.openQR(ctx, list[0])
	return list[0], att, rc, err
}

// ---------------------------------------------------------------- reposts

const repostCols = `id, agency_id, COALESCE(item_id, 0), title, url, kind, workdays, due_on, due_at, created_at`

func scanRepost(r interface{ Scan(...any) error }) (*Repost, error) {
	x := &Repost{}
	var kind string
	var dueAt sql.NullTime
	err := r.Scan(&x.ID, &x.AgencyID, &x.ItemID, &x.Title, &x.URL, &kind, &x.Workdays, &x.DueOn, &dueAt, &x.CreatedAt)
	x.Kind = Kind(kind)
	if dueAt.Valid {
		x.DueAt = dueAt.Time
	}
	return x, err
}

func (s *Service) listReposts(ctx context.Context, q db.Querier, where string, args ...any) ([]*Repost, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+repostCols+` FROM newmedia_reposts WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	var out []*Repost
	byID := map[int64]*Repost{}
	for rows.Next() {
		x, err := scanRepost(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, x)
		byID[x.ID] = x
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]string, 0, len(out))
	for _, x := range out {
		ids = append(ids, strconv.FormatInt(x.ID, 10))
	}
	trows, err := q.QueryContext(ctx, `SELECT t.id, t.repost_id, t.account_id, a.name, a.platform, t.done_at, t.link FROM newmedia_repost_tasks t
		JOIN newmedia_accounts a ON a.id = t.account_id WHERE t.repost_id IN (`+strings.Join(ids, ", ")+`) ORDER BY t.id`)
	if err != nil {
		return nil, err
	}
	defer trows.Close()
	for trows.Next() {
		t := &Task{}
		var platform string
		var done sql.NullTime
		if err := trows.Scan(&t.ID, &t.RepostID, &t.AccountID, &t.Account, &platform, &done, &t.Link); err != nil {
			return nil, err
		}
		t.Platform = Platform(platform)
		if done.Valid {
			t.DoneAt = done.Time
		}
		byID[t.RepostID].Tasks = append(byID[t.RepostID].Tasks, t)
	}
	return out, trows.Err()
}

// Reposts lists p's agency's reposts, the latest deadline first.
func (s *Service) Reposts(ctx context.Context, p *auth.Principal) ([]*Repost, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	return s.listReposts(ctx, s.DB.R, `agency_id = $1 ORDER BY due_on DESC, id DESC`, p.AgencyID)
}

// Repost returns a repost of p's agency with its tasks.
func (s *Service) Repost(ctx context.Context, p *auth.Principal, id int64) (*Repost, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	list, err := s.listReposts(ctx, s.DB.R, `id = $1 AND agency_id = $2`, id, p.AgencyID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errNoRepost
	}
	return list[0], nil
}

// Item returns a published item of p's agency that may be reposted.
func (s *Service) Item(ctx context.Context, p *auth.Principal, id int64) (ItemRef, error) {
	if !allowed(p) {
		return ItemRef{}, errForbidden
	}
	if s.Items == nil {
		return ItemRef{}, apperr.NotFoundf("没有这条已发布的信息。")
	}
	return s.Items.PublishedItem(ctx, p.AgencyID, id)
}

// RecentItems lists p's agency's latest published items.
func (s *Service) RecentItems(ctx context.Context, p *auth.Principal) ([]ItemRef, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	if s.Items == nil {
		return nil, nil
	}
	return s.Items.RecentItems(ctx, p.AgencyID, 20)
}

// CreateRepost asks the selected accounts (in operation, of p's agency)
// to repost an item — a published information item by id, or a free title
// and address — by a deadline: n working days on the working-day calendar
// (counted from today, today not counted), or in an emergency a date and
// time.
func (s *Service) CreateRepost(ctx context.Context, p *auth.Principal, f RepostFields) (*Repost, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	m := map[string]string{}
	x := &Repost{AgencyID: p.AgencyID}
	if f.ItemID != 0 {
		it, err := s.Item(ctx, p, f.ItemID)
		if err != nil {
			if apperr.Is(err, apperr.NotFound) {
				m["item"] = "没有这条已发布的信息，请重新选择。"
			} else {
				return nil, err
			}
		}
		x.ItemID, x.Title, x.URL, x.Kind = it.ID, it.Title, it.URL, it.Kind
		if k := Kind(strings.TrimSpace(f.Kind)); k.Valid() {
			x.Kind = k
		}
	} else {
		x.Title, x.URL, x.Kind = strings.TrimSpace(f.Title), strings.TrimSpace(f.URL), Kind(strings.TrimSpace(f.Kind))
		checkTitle(m, x.Title)
		checkLink(m, "url", "信息网址", x.URL)
		if !x.Kind.Valid() {
			m["kind"] = "请选择信息类别。"
		}
	}
	now := s.Now()
	switch f.Mode {
	case ByMoment:
		t, err := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(f.DueAt), civil.Shanghai)
		switch {
		case err != nil:
			m["due_at"] = "请按“2026-05-20T18:00”的格式填写截止时间。"
		case !t.After(now):
			m["due_at"] = "截止时间应晚于现在。"
		case t.After(now.AddDate(0, 0, 30)):
			m["due_at"] = "截止时间不能超过 30 天。"
		default:
			x.DueAt, x.DueOn = t.UTC(), civil.Of(t)
		}
	case ByWorkdays:
		n, err := strconv.Atoi(strings.TrimSpace(f.Workdays))
		if err != nil || n < 0 || n > MaxWorkdays {
			m["workdays"] = fmt.Sprintf("请填写 0 至 %d 之间的工作日数（0 表示当天）。", MaxWorkdays)
			break
		}
		cal, err := s.Calendar.Calendar(ctx)
		if err != nil {
			return nil, err
		}
		due, err := cal.AddWorkingDays(civil.Of(now), n)
		if err != nil {
			m["workdays"] = apperr.MessageOf(err)
			break
		}
		x.Workdays, x.DueOn = n, due
	default:
		m["mode"] = "请选择截止方式。"
	}
	if len(f.AccountIDs) == 0 {
		m["accounts"] = "请至少选择一个账号。"
	}
	accounts := map[int64]*Account{}
	if len(f.AccountIDs) > 0 {
		list, err := s.listAccounts(ctx, s.DB.R, `agency_id = $1 AND status = 'active'`, p.AgencyID)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			accounts[a.ID] = a
		}
		for _, id := range f.AccountIDs {
			if accounts[id] == nil {
				m["accounts"] = "所选账号不是本单位运行中的账号，请重新选择。"
			}
		}
	}
	if len(m) > 0 {
		return nil, apperr.FieldErrors(m)
	}
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		var item, dueAt any
		if x.ItemID != 0 {
			item = x.ItemID
		}
		if !x.DueAt.IsZero() {
			dueAt = x.DueAt
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO newmedia_reposts (agency_id, item_id, title, url, kind, workdays, due_on, due_at, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, x.AgencyID, item, x.Title, x.URL, string(x.Kind), x.Workdays, x.DueOn, dueAt,
			p.UserID, s.Now().UTC().Truncate(time.Microsecond)).Scan(&x.ID); err != nil {
			return err
		}
		seen := map[int64]bool{}
		var names []string
		for _, id := range f.AccountIDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO newmedia_repost_tasks (repost_id, account_id) VALUES ($1, $2)`, x.ID, id); err != nil {
				return err
			}
			names = append(names, accounts[id].Name+"（"+accounts[id].Platform.Label()+"）")
		}
		return record(ctx, tx, p.Actor(), x.AgencyID, "repost.create", "newmedia_repost", x.ID,
			"布置转发任务“"+x.Title+"”，"+x.Deadline()+"："+strings.Join(names, "、"))
	})
	if err != nil {
		return nil, err
	}
	return s.Repost(ctx, p, x.ID)
}

// CompleteTask records a task done with the link of the post; the
// account counts as updated today.
func (s *Service) CompleteTask(ctx context.Context, p *auth.Principal, repostID, taskID int64, link string) error {
	x, err := s.Repost(ctx, p, repostID)
	if err != nil {
		return err
	}
	var t *Task
	for _, tt := range x.Tasks {
		if tt.ID == taskID {
			t = tt
		}
	}
	if t == nil {
		return apperr.New(apperr.Conflict, "没有这项转发任务。")
	}
	link = strings.TrimSpace(link)
	m := map[string]string{}
	checkLink(m, "link", "转发链接", link)
	if len(m) > 0 {
		return apperr.FieldErrors(map[string]string{"link": m["link"]})
	}
	if t.Done() {
		return apperr.New(apperr.Conflict, t.Account+"的转发已于 "+t.DoneAt.In(civil.Shanghai).Format("2006-01-02 15:04")+" 记录完成。")
	}
	return s.tx(ctx, func(tx db.Tx) error {
		now := s.Now().UTC().Truncate(time.Microsecond)
		res, err := tx.ExecContext(ctx, `UPDATE newmedia_repost_tasks SET done_at = $1, link = $2, done_by = $3 WHERE id = $4 AND repost_id = $5 AND done_at IS NULL`,
			now, link, p.UserID, taskID, repostID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "这项转发刚被其他人记录完成，请刷新页面。")
		}
		if err := touch(ctx, tx, t.AccountID, civil.Of(s.Now())); err != nil {
			return err
		}
		note := ""
		if x.Overdue(s.Now()) {
			note = "（逾期）"
		}
		return record(ctx, tx, p.Actor(), x.AgencyID, "repost.done", "newmedia_repost", x.ID, t.Account+"完成转发“"+x.Title+"”"+note+"："+link)
	})
}

// ---------------------------------------------------------------- to-dos

// Todos lists the agency's new-media work for the to-do centre: accounts
// in operation due for an update within WarnDays days (or already stale),
// and the open repost tasks.
func (s *Service) Todos(ctx context.Context, agencyID int64, today civil.Date) ([]todo.Item, error) {
	var out []todo.Item
	accounts, err := s.listAccounts(ctx, s.DB.R, `agency_id = $1 AND status = 'active'`, agencyID)
	if err != nil {
		return nil, err
	}
	for _, a := range accounts {
		a.Freshness(today, s.StaleDays)
		if a.UpdateBy.After(today.AddDays(s.WarnDays)) {
			continue
		}
		title := a.Name + "（" + a.Platform.Label() + "）"
		note := "超过 " + strconv.Itoa(s.StaleDays) + " 天未更新将被视为不更新"
		switch {
		case a.DaysSince < 0:
			title += "尚未记录更新"
		case a.Stale:
			title += "已 " + strconv.Itoa(a.DaysSince) + " 天未更新"
		default:
			title += "即将超过 " + strconv.Itoa(s.StaleDays) + " 天未更新"
		}
		out = append(out, todo.Item{Source: "newmedia", Kind: "更新新媒体账号", Title: title, URL: AccountURL(a.ID), Due: a.UpdateBy,
			AgencyID: agencyID, Perm: auth.ManageNewMedia, Note: note})
	}
	reposts, err := s.listReposts(ctx, s.DB.R, `agency_id = $1 AND id IN (SELECT repost_id FROM newmedia_repost_tasks WHERE done_at IS NULL) ORDER BY due_on, id`, agencyID)
	if err != nil {
		return nil, err
	}
	for _, x := range reposts {
		for _, t := range x.Tasks {
			if t.Done() {
				continue
			}
			note := x.Kind.Label()
			if !x.DueAt.IsZero() {
				note += "；紧急，须于 " + x.DueAt.In(civil.Shanghai).Format("01-02 15:04") + " 前完成"
			}
			out = append(out, todo.Item{Source: "newmedia", Kind: "新媒体转发", Title: t.Account + "（" + t.Platform.Label() + "）转发：" + x.Title,
				URL: RepostURL(x.ID), Due: x.DueOn, AgencyID: agencyID, Perm: auth.ManageNewMedia, Note: note})
		}
	}
	return out, nil
}

// AccountURL is an account's console page.
func AccountURL(id int64) string { return "/console/newmedia/accounts/" + strconv.FormatInt(id, 10) }

// RepostURL is a repost's console page.
func RepostURL(id int64) string { return "/console/newmedia/reposts/" + strconv.FormatInt(id, 10) }

// ---------------------------------------------------------------- export

// ExportAccounts writes the account registry as a printable workbook.
func (s *Service) ExportAccounts(ctx context.Context, p *auth.Principal, w io.Writer) error {
	list, err := s.Accounts(ctx, p, Filter{})
	if err != nil {
		return err
	}
	a, _ := s.Agencies.Agency(ctx, p.AgencyID)
	today := s.Today()
	sheet := xlsxprint.Sheet{Name: "政务新媒体账号", Title: a.Name + "政务新媒体账号台账",
		Note:   fmt.Sprintf("统计截至 %s；共 %d 个账号；超过 %d 天未更新的运行账号标为“未及时更新”", today.Chinese(), len(list), s.StaleDays),
		Header: []string{"序号", "平台", "账号名称", "账号 ID", "主管单位", "主办单位", "运维单位或人员", "联系电话", "运行状态", "最近更新", "更新情况", "备注"},
		Widths: []float64{6, 11, 22, 18, 20, 20, 18, 14, 9, 12, 14, 24}}
	for i, x := range list {
		fresh := x.FreshnessText()
		if x.Stale {
			fresh = "未及时更新（" + fresh + "）"
		}
		last := ""
		if !x.LastUpdatedOn.IsZero() {
			last = x.LastUpdatedOn.String()
		}
		sheet.Rows = append(sheet.Rows, []any{i + 1, x.Platform.Label(), x.Name, x.AccountID, x.Supervisor, x.Sponsor, x.Operator, x.OperatorContact,
			x.Status.Label(), last, fresh, x.Note})
	}
	if err := s.DB.Tx(ctx, func(tx db.Tx) error {
		return record(ctx, tx, p.Actor(), p.AgencyID, "export", "newmedia_accounts", p.AgencyID, "导出政务新媒体账号台账")
	}); err != nil {
		return err
	}
	return xlsxprint.Write(w, sheet)
}
