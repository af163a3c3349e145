package directory

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// A venue's opening changes are dated notices: a temporary closure (during
// an epidemic, for repairs) or changed hours. A notice shows on the venue's
// public page from its first to its last day and a closure makes the venue
// read 暂停开放 meanwhile; nobody has to switch anything on or off.

const noticeCols = `id, entry_id, kind, starts_on, ends_on, text, COALESCE(created_by, 0), created_at, withdrawn_at IS NOT NULL`

func scanNotice(r interface{ Scan(...any) error }) (*Notice, error) {
	n := &Notice{}
	var kind string
	if err := r.Scan(&n.ID, &n.EntryID, &kind, &n.StartsOn, &n.EndsOn, &n.Text, &n.CreatedBy, &n.CreatedAt, &n.Withdrawn); err != nil {
		return nil, err
	}
	n.Kind = NoticeKind(kind)
	return n, nil
}

// noticesOf returns the notices in force on day of the entries, by entry.
func (s *Service) noticesOf(ctx context.Context, q db.Querier, ids []int64, day civil.Date) (map[int64][]*Notice, error) {
	out := map[int64][]*Notice{}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		args := []any{day}
		ph := make([]string, len(chunk))
		for i, id := range chunk {
			args = append(args, id)
			ph[i] = "$" + strconv.Itoa(i+2)
		}
		rows, err := q.QueryContext(ctx, `SELECT `+noticeCols+` FROM directory_notices WHERE withdrawn_at IS NULL AND starts_on <= $1
			AND (ends_on IS NULL OR ends_on >= $1) AND entry_id IN (`+strings.Join(ph, ", ")+`) ORDER BY starts_on, id`, args...)
		if err != nil {
			return nil, db.Classify(err)
		}
		for rows.Next() {
			n, err := scanNotice(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[n.EntryID] = append(out[n.EntryID], n)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Notices lists all of a venue's notices (scheduled, in force, ended,
// withdrawn), the latest first.
func (s *Service) Notices(ctx context.Context, p *auth.Principal, id int64) ([]*Notice, error) {
	if err := s.allowed(p, Venues); err != nil {
		return nil, err
	}
	if _, err := s.entry(ctx, p, Venues, id); err != nil {
		return nil, err
	}
	rows, err := s.DB.R.QueryContext(ctx, `SELECT `+noticeCols+` FROM directory_notices WHERE entry_id = $1 ORDER BY starts_on DESC, id DESC`, id)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []*Notice
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// NoticeInput is a notice as entered.
type NoticeInput struct {
	Kind     string
	StartsOn string
	EndsOn   string // empty: until withdrawn
	Text     string
}

// AddNotice schedules a notice on a venue p's agency maintains. It may
// start today or later (a notice for the past would mislead nobody).
func (s *Service) AddNotice(ctx context.Context, p *auth.Principal, id int64, in NoticeInput) (*Notice, error) {
	if err := s.allowed(p, Venues); err != nil {
		return nil, err
	}
	e, err := s.entry(ctx, p, Venues, id)
	if err != nil {
		return nil, err
	}
	if !CanEdit(p, e) {
		return nil, errNotOwn
	}
	bad := map[string]string{}
	n := &Notice{EntryID: e.ID, Kind: NoticeKind(strings.TrimSpace(in.Kind)), Text: strings.TrimSpace(in.Text)}
	if n.Kind != ClosureNotice && n.Kind != HoursNotice {
		bad["notice_kind"] = "请选择通知类型。"
	}
	today := s.Today()
	if strings.TrimSpace(in.StartsOn) == "" {
		bad["starts_on"] = "请填写开始日期。"
	} else if d, err := ParseDate(in.StartsOn); err != nil {
		bad["starts_on"] = "开始日期应为日期，格式如 2026-12-01。"
	} else if d.Before(today) {
		bad["starts_on"] = "开始日期不能早于今天。"
	} else {
		n.StartsOn = d
	}
	if strings.TrimSpace(in.EndsOn) != "" {
		if d, err := ParseDate(in.EndsOn); err != nil {
			bad["ends_on"] = "结束日期应为日期，格式如 2026-12-31；不填表示另行通知。"
		} else if !n.StartsOn.IsZero() && d.Before(n.StartsOn) {
			bad["ends_on"] = "结束日期不能早于开始日期。"
		} else {
			n.EndsOn = d
		}
	}
	switch {
	case n.Text == "":
		bad["text"] = "请填写通知内容，例如暂停开放的原因。"
	case utf8.RuneCountInString(n.Text) > MaxNoticeText:
		bad["text"] = "通知内容不能超过 500 个字。"
	case unreadable(n.Text):
		bad["text"] = "通知内容含有无法识别的字符。"
	case IsMobile(n.Text):
		bad["text"] = "通知内容不能含有个人手机号，请填写场所办公电话。"
	}
	if len(bad) > 0 {
		return nil, apperr.FieldErrors(bad)
	}
	var ends any
	if !n.EndsOn.IsZero() {
		ends = n.EndsOn
	}
	err = s.tx(ctx, func(tx db.Tx) error {
		now := s.now()
		n.CreatedBy, n.CreatedAt = p.UserID, now
		if err := tx.QueryRowContext(ctx, `INSERT INTO directory_notices (entry_id, kind, starts_on, ends_on, text, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, e.ID, string(n.Kind), n.StartsOn, ends, n.Text, p.UserID, now).Scan(&n.ID); err != nil {
			return err
		}
		if err := addHistory(ctx, tx, e, "notice", "form", nil, n.Summary(), p, now); err != nil {
			return err
		}
		return s.record(ctx, tx, p, e.AgencyID, "venue.notice", e.ID, e.Name+"："+n.Summary())
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// Period is the notice's dates in words.
func (n *Notice) Period() string {
	if n.EndsOn.IsZero() {
		return n.StartsOn.Chinese() + "起，另行通知"
	}
	if n.EndsOn == n.StartsOn {
		return n.StartsOn.Chinese()
	}
	return n.StartsOn.Chinese() + "至" + n.EndsOn.Chinese()
}

// Summary is the notice in one line.
func (n *Notice) Summary() string { return n.Kind.Label() + "（" + n.Period() + "）" }

// WithdrawNotice takes a notice down before its end.
func (s *Service) WithdrawNotice(ctx context.Context, p *auth.Principal, id, noticeID int64) error {
	if err := s.allowed(p, Venues); err != nil {
		return err
	}
	e, err := s.entry(ctx, p, Venues, id)
	if err != nil {
		return err
	}
	if !CanEdit(p, e) {
		return errNotOwn
	}
	return s.tx(ctx, func(tx db.Tx) error {
		n, err := scanNotice(tx.QueryRowContext(ctx, `SELECT `+noticeCols+` FROM directory_notices WHERE id = $1 AND entry_id = $2`, noticeID, e.ID))
		if err == sql.ErrNoRows {
			return apperr.NotFoundf("没有这条开放变动通知。")
		}
		if err != nil {
			return err
		}
		if n.Withdrawn {
			return apperr.New(apperr.Conflict, "这条通知已经撤回。")
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE directory_notices SET withdrawn_at = $1 WHERE id = $2`, now, n.ID); err != nil {
			return err
		}
		if err := addHistory(ctx, tx, e, "notice_withdrawn", "form", nil, n.Summary(), p, now); err != nil {
			return err
		}
		return s.record(ctx, tx, p, e.AgencyID, "venue.notice_withdraw", e.ID, e.Name+"：撤回"+n.Summary())
	})
}

// ScheduledNotices are an agency family's notices that are in force or
// start within days (for the console overview).
func (s *Service) ScheduledNotices(ctx context.Context, p *auth.Principal, days int) ([]*Notice, map[int64]*Entry, error) {
	if err := s.allowed(p, Venues); err != nil {
		return nil, nil, err
	}
	pg, err := s.List(ctx, p, Venues, Filter{PerPage: -1})
	if err != nil {
		return nil, nil, err
	}
	byID := map[int64]*Entry{}
	var ids []string
	var args []any
	today := s.Today()
	args = append(args, today, today.AddDays(days))
	for _, e := range pg.Entries {
		byID[e.ID] = e
		args = append(args, e.ID)
		ids = append(ids, "$"+strconv.Itoa(len(args)))
	}
	if len(ids) == 0 {
		return nil, byID, nil
	}
	// #nosec G202 -- a constant column list and $N placeholders; the values are in args
	rows, err := s.DB.R.QueryContext(ctx, `SELECT `+noticeCols+` FROM directory_notices WHERE withdrawn_at IS NULL AND starts_on <= $2
		AND (ends_on IS NULL OR ends_on >= $1) AND entry_id IN (`+strings.Join(ids, ", ")+`) ORDER BY starts_on, id`, args...)
	if err != nil {
		return nil, nil, db.Classify(err)
	}
	defer rows.Close()
	var out []*Notice
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, n)
	}
	return out, byID, rows.Err()
}
