package normative

import (
	"context"
	"fmt"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// CleanupURL is the public result list of a cleanup.
func CleanupURL(a AgencyRef, id int64) string {
	return "/o/" + a.Slug + "/normative/cleanups/" + fmt.Sprint(id)
}

func (s *Service) scopedCleanup(ctx context.Context, q db.Querier, p *auth.Principal, cid int64, perm auth.Permission) (*Cleanup, error) {
	if !allowed(p, perm) {
		return nil, errForbidden
	}
	c, err := getCleanup(ctx, q, cid)
	if apperr.Is(err, apperr.NotFound) || (err == nil && c.AgencyID != p.AgencyID) {
		return nil, errNoCleanup
	}
	return c, err
}

// Cleanups lists p's agency's cleanups, newest first.
func (s *Service) Cleanups(ctx context.Context, p *auth.Principal) ([]*Cleanup, error) {
	if !allowed(p, auth.ViewItems) {
		return nil, errForbidden
	}
	return listCleanups(ctx, s.DB.R, []int64{p.AgencyID}, false)
}

// CreateCleanup starts a cleanup campaign.
func (s *Service) CreateCleanup(ctx context.Context, p *auth.Principal, title, basis string) (int64, error) {
	if !allowed(p, auth.ManageNormative) {
		return 0, errForbidden
	}
	title, basis = strings.TrimSpace(title), strings.TrimSpace(basis)
	f := map[string]string{}
	checkLine(f, "title", "清理名称", title, true, maxLine)
	checkText(f, "basis", "清理依据和说明", basis, false, maxText)
	if len(f) > 0 {
		return 0, apperr.FieldErrors(f)
	}
	var cid int64
	err := s.tx(ctx, func(tx db.Tx) error {
		now := db.Now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO normative_cleanups (agency_id, title, basis, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`, p.AgencyID, title, basis, nullID(p.UserID), now).Scan(&cid); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), p.AgencyID, "cleanup.create", "normative_cleanup", id(cid), "开始规范性文件清理："+title)
	})
	return cid, err
}

// Cleanup returns a cleanup of p's agency with its documents.
func (s *Service) Cleanup(ctx context.Context, p *auth.Principal, cid int64) (*Cleanup, error) {
	c, err := s.scopedCleanup(ctx, s.DB.R, p, cid, auth.ViewItems)
	if err != nil {
		return nil, err
	}
	return c, s.fillCleanup(ctx, c, false)
}

func (s *Service) fillCleanup(ctx context.Context, c *Cleanup, public bool) error {
	var docs []*Document
	kept := c.Entries[:0]
	for _, e := range c.Entries {
		d, err := getDoc(ctx, s.DB.R, e.ItemID)
		if err != nil {
			return err
		}
		e.Doc = d
		docs = append(docs, d)
	}
	if err := s.fill(ctx, docs); err != nil {
		return err
	}
	for _, e := range c.Entries {
		if !public || e.Doc.Item.Public {
			kept = append(kept, e)
		}
	}
	c.Entries = kept
	sortEntries(c.Entries)
	if a, err := s.Agencies.Agency(ctx, c.AgencyID); err == nil {
		c.Agency = a
		c.URL = CleanupURL(a, c.ID)
	}
	return nil
}

func sortEntries(es []*CleanupEntry) {
	docs := make([]*Document, len(es))
	byDoc := map[*Document]*CleanupEntry{}
	for i, e := range es {
		docs[i] = e.Doc
		byDoc[e.Doc] = e
	}
	sortDocs(docs)
	for i, d := range docs {
		es[i] = byDoc[d]
	}
}

// AddToCleanup adds documents of p's agency to an unpublished cleanup;
// documents already in it are skipped, those no longer in force refused.
func (s *Service) AddToCleanup(ctx context.Context, p *auth.Principal, cid int64, itemIDs []int64) error {
	c, err := s.scopedCleanup(ctx, s.DB.R, p, cid, auth.ManageNormative)
	if err != nil {
		return err
	}
	if c.Published {
		return apperr.New(apperr.Conflict, "清理结果已公布，不能再增加文件。")
	}
	if len(itemIDs) == 0 {
		return apperr.FieldErrors(map[string]string{"items": "请至少选择一份文件。"})
	}
	if len(itemIDs) > 500 {
		return apperr.FieldErrors(map[string]string{"items": "一次最多选择 500 份文件。"})
	}
	in := map[int64]bool{}
	for _, e := range c.Entries {
		in[e.ItemID] = true
	}
	return s.tx(ctx, func(tx db.Tx) error {
		var added []string
		for _, itemID := range itemIDs {
			if in[itemID] {
				continue
			}
			d, err := getDoc(ctx, tx, itemID)
			if apperr.Is(err, apperr.NotFound) || (err == nil && d.AgencyID != p.AgencyID) {
				return apperr.FieldErrors(map[string]string{"items": "请选择本单位的规范性文件。"})
			}
			if err != nil {
				return err
			}
			if d.Status == Repealed || d.Status == Expired {
				return apperr.FieldErrors(map[string]string{"items": d.DocNumber + " 已" + strings.TrimPrefix(d.Status.Label(), "已") + "，无需清理。"})
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO normative_cleanup_entries (cleanup_id, item_id, updated_at) VALUES ($1, $2, $3)`,
				cid, itemID, db.Now()); err != nil {
				return err
			}
			in[itemID] = true
			added = append(added, d.DocNumber)
		}
		if len(added) == 0 {
			return nil
		}
		return record(ctx, tx, p.Actor(), p.AgencyID, "cleanup.add", "normative_cleanup", id(cid), "《"+c.Title+"》纳入清理："+strings.Join(added, "、"))
	})
}

// Decide records the cleanup's decision on a document: continue, amend or
// repeal, with the reason (required for amend and repeal). Repeals take
// effect when the result is published.
func (s *Service) Decide(ctx context.Context, p *auth.Principal, cid, itemID int64, dec Decision, reason string) error {
	c, err := s.scopedCleanup(ctx, s.DB.R, p, cid, auth.ManageNormative)
	if err != nil {
		return err
	}
	if c.Published {
		return apperr.New(apperr.Conflict, "清理结果已公布，不能再修改清理意见。")
	}
	var entry *CleanupEntry
	for _, e := range c.Entries {
		if e.ItemID == itemID {
			entry = e
		}
	}
	if entry == nil {
		return apperr.NotFoundf("这份文件不在本次清理中。")
	}
	reason = strings.TrimSpace(reason)
	f := map[string]string{}
	if !dec.Known() {
		f["decision"] = "请选择清理意见：继续有效、拟修改或废止。"
	}
	checkText(f, "reason", "理由", reason, dec == Amend || dec == Repeal, maxReason)
	if len(f) > 0 {
		return apperr.FieldErrors(f)
	}
	return s.tx(ctx, func(tx db.Tx) error {
		d, err := getDoc(ctx, tx, itemID)
		if err != nil {
			return err
		}
		if dec == Repeal && d.Status == Repealed {
			return apperr.FieldErrors(map[string]string{"decision": d.DocNumber + " 已废止，不能再决定废止。"})
		}
		if _, err := tx.ExecContext(ctx, "UPDATE normative_cleanup_entries SET decision = $1, reason = $2, updated_at = $3 WHERE cleanup_id = $4 AND item_id = $5",
			string(dec), reason, db.Now(), cid, itemID); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), p.AgencyID, "cleanup.decide", "normative_cleanup", id(cid),
			fmt.Sprintf("《%s》：%s %s（%s）", c.Title, d.DocNumber, dec.Label(), reason))
	})
}

// PublishCleanup publishes the result list on the portal. Every document
// must have a decision; a decision to repeal repeals the document on the
// publication date, through the same path as a manual repeal.
func (s *Service) PublishCleanup(ctx context.Context, p *auth.Principal, cid int64, on civil.Date) error {
	c, err := s.scopedCleanup(ctx, s.DB.R, p, cid, auth.ManageNormative)
	if err != nil {
		return err
	}
	if c.Published {
		return apperr.New(apperr.Conflict, "清理结果已于 "+c.PublishedOn.String()+" 公布。")
	}
	today := s.today()
	f := map[string]string{}
	switch {
	case on.IsZero():
		f["published_on"] = "请填写公布日期。"
	case on.After(today):
		f["published_on"] = "公布日期不能晚于今天（" + today.String() + "）。"
	}
	if len(c.Entries) == 0 {
		f["published_on"] = "本次清理还没有文件，不能公布。"
	}
	for _, e := range c.Entries {
		if !e.Decision.Known() {
			f["published_on"] = "还有文件没有清理意见，请逐件作出决定后再公布。"
		}
	}
	if len(f) > 0 {
		return apperr.FieldErrors(f)
	}
	return s.tx(ctx, func(tx db.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE normative_cleanups SET published = TRUE, published_on = $1, updated_at = $2 WHERE id = $3 AND published = FALSE",
			on, db.Now(), cid)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "清理结果已公布。")
		}
		counts := map[Decision]int{}
		for _, e := range c.Entries {
			counts[e.Decision]++
			if e.Decision != Repeal {
				continue
			}
			d, err := getDoc(ctx, tx, e.ItemID)
			if err != nil {
				return err
			}
			if err := s.apply(ctx, tx, p.Actor(), p.UserID, d, Repealed, on, "《"+c.Title+"》决定废止："+e.Reason, ItemRef{}, cid); err != nil {
				if fs := apperr.FieldsOf(err); fs != nil {
					return apperr.FieldErrors(map[string]string{"published_on": d.DocNumber + "：" + fs["to"]})
				}
				return err
			}
		}
		return record(ctx, tx, p.Actor(), p.AgencyID, "cleanup.publish", "normative_cleanup", id(cid),
			fmt.Sprintf("公布《%s》清理结果：继续有效 %d 件，拟修改 %d 件，废止 %d 件", c.Title, counts[Continue], counts[Amend], counts[Repeal]))
	})
}

// PublicCleanup returns a published cleanup of an agency for the portal.
func (s *Service) PublicCleanup(ctx context.Context, agencyID, cid int64) (*Cleanup, error) {
	c, err := getCleanup(ctx, s.DB.R, cid)
	if apperr.Is(err, apperr.NotFound) || (err == nil && (c.AgencyID != agencyID || !c.Published)) {
		return nil, errNoCleanup
	}
	if err != nil {
		return nil, err
	}
	return c, s.fillCleanup(ctx, c, true)
}
