package disclosure

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
)

// Update is one entry of a topical column's rolling stream (滚动更新).
type Update struct {
	ID          int64
	ColumnID    int64
	Text        string
	ItemID      int64
	Pinned      bool
	PublishedAt time.Time
}

// TopicalColumns returns an agency's topical columns (专题专栏).
func (s *Service) TopicalColumns(ctx context.Context, agencyID int64) ([]*Column, error) {
	cols, err := s.Catalogue(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	var out []*Column
	for _, c := range cols {
		if c.Kind == KindTopical && !c.Hidden {
			out = append(out, c)
		}
	}
	return out, nil
}

// Updates returns a topical column's stream: pinned first, then newest.
func (s *Service) Updates(ctx context.Context, columnID int64, limit int) ([]Update, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.DB.R.QueryContext(ctx, `SELECT id, column_id, text, COALESCE(item_id, 0), pinned, published_at FROM topical_updates
		WHERE column_id = $1 ORDER BY pinned DESC, published_at DESC, id DESC LIMIT $2`, columnID, limit)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []Update
	for rows.Next() {
		var u Update
		if err := rows.Scan(&u.ID, &u.ColumnID, &u.Text, &u.ItemID, &u.Pinned, &u.PublishedAt); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// PostUpdate adds an entry to an open topical column of the agency.
func (s *Service) PostUpdate(ctx context.Context, p *auth.Principal, agencyID, columnID int64, text string, itemID int64, pinned bool) (int64, error) {
	if err := need(p, auth.PostTopical, agencyID); err != nil {
		return 0, err
	}
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if n := utf8.RuneCountInString(text); n < 2 || n > 2000 || strings.ContainsRune(text, 0) {
		return 0, apperr.FieldErrors(map[string]string{"text": "动态内容须为 2–2000 字"})
	}
	var id int64
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		col, err := scanColumn(tx.QueryRowContext(ctx, columnSelect+" WHERE id = $1 AND agency_id = $2", columnID, agencyID))
		if down := db.Down(err); down != nil {
			return down
		}
		if err != nil || col.Kind != KindTopical {
			return apperr.NotFoundf("没有这个专题专栏")
		}
		if !col.Open {
			return apperr.New(apperr.Conflict, "专题专栏已关闭，不能再发布动态")
		}
		if itemID != 0 {
			it, err := getItem(ctx, tx, agencyID, itemID)
			if err != nil || !it.Status.Public() {
				return apperr.FieldErrors(map[string]string{"item_id": "关联信息须为本单位已发布的信息"})
			}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO topical_updates (column_id, agency_id, text, item_id, pinned, published_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, columnID, agencyID, text, nullID(itemID), pinned, db.Now(), nullID(p.UserID)).Scan(&id); err != nil {
			return err
		}
		if err := s.bump(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: agencyID, Action: "topical.update.post",
			ObjectType: "column", ObjectID: fmt.Sprint(columnID), Summary: fmt.Sprintf("在专题专栏“%s”发布动态：%s", col.Name, truncate(text, 60))})
	})
	s.invalidate()
	return id, err
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
