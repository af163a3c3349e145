package disclosure

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/extract"
	"github.com/gongkai/gongkai/internal/pii"
	"github.com/gongkai/gongkai/internal/search"
	"github.com/gongkai/gongkai/internal/sensitive"
)

// AgencyRef is what disclosure needs to know of an agency.
type AgencyRef struct {
	ID, ParentID     int64
	Slug, Name       string
	IndexPrefix      string
	DisclosureOffice string
	Address          string
	Postcode         string
	OfficeHours      string
	Phone            string
	Fax              string
	Email            string
}

// GuideGaps lists the Art. 12 facts of the disclosure guide that the
// agency has not filled in (the guide's three texts have general defaults;
// the work unit's contact details do not), as a to-do for its admin.
func (a AgencyRef) GuideGaps() []string {
	var out []string
	for _, f := range []struct{ label, v string }{
		{"政府信息公开工作机构名称", a.DisclosureOffice}, {"办公地址", a.Address}, {"办公时间", a.OfficeHours},
		{"联系电话", a.Phone}, {"传真号码", a.Fax}, {"互联网联系方式（电子邮箱）", a.Email},
	} {
		if strings.TrimSpace(f.v) == "" {
			out = append(out, f.label)
		}
	}
	return out
}

// HomeURL is the agency's section of the portal.
func (a AgencyRef) HomeURL() string { return "/o/" + a.Slug + "/" }

// AgencyDirectory gives disclosure the agencies (implemented by the agency
// capability, wired in app).
type AgencyDirectory interface {
	Agency(ctx context.Context, id int64) (AgencyRef, error)
	AgencyBySlug(ctx context.Context, slug string) (AgencyRef, error)
	Agencies(ctx context.Context) ([]AgencyRef, error)
}

// ContentVersion marks public pages stale on every instance (the page
// cache); Bump runs inside the changing transaction, Invalidate after it.
type ContentVersion interface {
	Bump(ctx context.Context, tx db.Tx) error
	Invalidate()
}

// Deps are the services disclosure uses.
type Deps struct {
	DB        *db.DB
	Calendar  *calendar.Service
	Blobs     blob.Store
	Agencies  AgencyDirectory
	Version   ContentVersion
	MaxUpload int64
	Now       func() time.Time
}

// Service is the disclosure capability's rules.
type Service struct {
	Deps
	matchers sync.Map // agency ID → cached *matcherEntry
}

type matcherEntry struct {
	words string
	m     *sensitive.Matcher
}

// Owner names disclosure's deadlines in the calendar's tracker.
const deadlineOwner = "item"

// NewService returns the service and registers its deadline listener.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.MaxUpload == 0 {
		d.MaxUpload = 50 << 20
	}
	s := &Service{Deps: d}
	if d.Calendar != nil {
		d.Calendar.OnChange(deadlineOwner, func(ctx context.Context, tx db.Tx, changed []calendar.Change) error {
			for _, c := range changed {
				if _, err := tx.ExecContext(ctx, "UPDATE items SET due_on = $1 WHERE id = $2", c.NewDue, c.OwnerID); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return s
}

func (s *Service) today() civil.Date { return civil.Of(s.Now()) }

// ---------------------------------------------------------------- scope

// scoped loads an item the principal may work on (same agency; platform
// administrators everywhere). Another agency's item is as good as absent.
func (s *Service) scoped(ctx context.Context, q db.Querier, p *auth.Principal, id int64) (*Item, error) {
	if !auth.Allowed(p, auth.ViewItems) && !auth.Allowed(p, auth.ManageAgencySettings) {
		return nil, apperr.New(apperr.Forbidden, "您无权查看信息")
	}
	it, err := getItem(ctx, q, 0, id)
	if err != nil {
		return nil, err
	}
	if !p.CanActIn(it.AgencyID) {
		return nil, errNoItem
	}
	return it, nil
}

func need(p *auth.Principal, perm auth.Permission, agencyID int64) error {
	if !auth.Allowed(p, perm) || !p.CanActIn(agencyID) {
		return apperr.New(apperr.Forbidden, "您无权执行此操作")
	}
	return nil
}

// ---------------------------------------------------------------- settings

// Settings returns an agency's disclosure settings.
func (s *Service) Settings(ctx context.Context, agencyID int64) (Settings, error) {
	return getSettings(ctx, s.DB.R, agencyID)
}

// UpdateSettings saves an agency's policy, guide texts and sensitive words.
func (s *Service) UpdateSettings(ctx context.Context, p *auth.Principal, in Settings) error {
	if err := need(p, auth.ManageCatalogue, in.AgencyID); err != nil {
		return err
	}
	f := map[string]string{}
	if err := in.IndexPattern.Validate(); err != nil {
		f["index_pattern"] = apperr.FieldsOf(err)["index_pattern"]
	}
	if _, err := sensitive.ParseList(in.SensitiveWords); err != nil {
		f["sensitive_words"] = apperr.MessageOf(err)
	}
	for field, v := range map[string]string{"guide_classification": in.GuideClassification, "guide_arrangement": in.GuideArrangement,
		"guide_access": in.GuideAccess, "guide_other": in.GuideOther} {
		if utf8.RuneCountInString(v) > 5000 || strings.ContainsRune(v, 0) {
			f[field] = "不能超过 5000 字"
		}
	}
	if len(f) > 0 {
		return apperr.FieldErrors(f)
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		if err := putSettings(ctx, tx, in); err != nil {
			return err
		}
		if err := s.bump(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: in.AgencyID, Action: "disclosure.settings.update",
			ObjectType: "agency", ObjectID: fmt.Sprint(in.AgencyID),
			Summary: fmt.Sprintf("修改政务公开设置：索引号规则 %s，%s审批，敏感词 %d 个", in.IndexPattern, map[bool]string{true: "需", false: "无需"}[in.RequireApproval], strings.Count(in.SensitiveWords, "\n")+1)})
	})
}

func (s *Service) bump(ctx context.Context, tx db.Tx) error {
	if s.Version == nil {
		return nil
	}
	return s.Version.Bump(ctx, tx)
}

func (s *Service) invalidate() {
	if s.Version != nil {
		s.Version.Invalidate()
	}
}

// ---------------------------------------------------------------- catalogue

// Catalogue returns an agency's columns (creating the unified layout the
// first time) as a flat list in display order.
func (s *Service) Catalogue(ctx context.Context, agencyID int64) ([]*Column, error) {
	cols, err := listColumns(ctx, s.DB.R, agencyID)
	if err != nil || len(cols) > 0 {
		return cols, err
	}
	if err := s.DB.Tx(ctx, func(tx db.Tx) error { return seedCatalogue(ctx, tx, agencyID) }); err != nil && !db.IsUniqueViolation(err) {
		return nil, err
	}
	return listColumns(ctx, s.DB.R, agencyID)
}

// ColumnBySlug returns one column of an agency by slug (creating the
// unified layout first for an agency that has no catalogue yet).
func (s *Service) ColumnBySlug(ctx context.Context, agencyID int64, slug string) (*Column, error) {
	if _, err := s.Catalogue(ctx, agencyID); err != nil {
		return nil, err
	}
	c, err := scanColumn(s.DB.R.QueryRowContext(ctx, columnSelect+" WHERE agency_id = $1 AND slug = $2", agencyID, slug))
	if err != nil {
		return nil, db.NotFound(err, "没有这个栏目")
	}
	return c, nil
}

// CreateColumn adds a column (or a topical column) to an agency's catalogue.
func (s *Service) CreateColumn(ctx context.Context, p *auth.Principal, agencyID int64, in ColumnInput) (int64, error) {
	if err := need(p, auth.ManageCatalogue, agencyID); err != nil {
		return 0, err
	}
	if err := in.Validate(); err != nil {
		return 0, err
	}
	if _, err := s.Catalogue(ctx, agencyID); err != nil {
		return 0, err
	}
	var id int64
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		if in.ParentID != 0 {
			var n int
			tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM catalogue_columns WHERE id = $1 AND agency_id = $2", in.ParentID, agencyID).Scan(&n)
			if n == 0 {
				return apperr.FieldErrors(map[string]string{"parent_id": "上级栏目不存在"})
			}
		}
		state := "open"
		if !in.Open && in.Kind == KindTopical {
			state = "closed"
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO catalogue_columns (agency_id, parent_id, slug, name, kind, statutory_item, intro, state, hidden, sort_order, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`, agencyID, nullID(in.ParentID), in.Slug, in.Name, string(in.Kind),
			in.StatutoryItem, in.Intro, state, in.Hidden, in.SortOrder, db.Now()).Scan(&id)
		if db.IsUniqueViolation(err) {
			return apperr.FieldErrors(map[string]string{"slug": "本单位已有相同标识的栏目"})
		}
		if err != nil {
			return err
		}
		if err := s.bump(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: agencyID, Action: "catalogue.column.create",
			ObjectType: "column", ObjectID: fmt.Sprint(id), Summary: "新增栏目 " + in.Name + "（" + in.Slug + "）"})
	})
	s.invalidate()
	return id, err
}

// UpdateColumn changes a column's name, intro, order, visibility or state.
func (s *Service) UpdateColumn(ctx context.Context, p *auth.Principal, agencyID, id int64, in ColumnInput) error {
	if err := need(p, auth.ManageCatalogue, agencyID); err != nil {
		return err
	}
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		old, err := scanColumn(tx.QueryRowContext(ctx, columnSelect+" WHERE id = $1 AND agency_id = $2", id, agencyID))
		if err != nil {
			return db.NotFound(err, "没有这个栏目")
		}
		in.Slug, in.Kind, in.ParentID = old.Slug, old.Kind, old.ParentID
		if old.Kind != KindItems && old.Kind != KindTopical && old.Kind != KindSystem && old.Kind != KindReport {
			in.Kind = KindItems // the fixed columns keep their kind; only their text changes
		}
		if err := in.Validate(); err != nil {
			return err
		}
		state := "open"
		if !in.Open && old.Kind == KindTopical {
			state = "closed"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE catalogue_columns SET name = $1, intro = $2, statutory_item = $3, state = $4, hidden = $5, sort_order = $6
			WHERE id = $7 AND agency_id = $8`, in.Name, in.Intro, in.StatutoryItem, state, in.Hidden, in.SortOrder, id, agencyID); err != nil {
			return err
		}
		if err := s.bump(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: agencyID, Action: "catalogue.column.update",
			ObjectType: "column", ObjectID: fmt.Sprint(id), Summary: fmt.Sprintf("修改栏目 %s → %s", old.Name, in.Name)})
	})
	s.invalidate()
	return err
}

// Topics returns an agency's 主题分类.
func (s *Service) Topics(ctx context.Context, agencyID int64) ([]Topic, error) {
	return listTopics(ctx, s.DB.R, agencyID)
}

// CreateTopic adds a 主题分类.
func (s *Service) CreateTopic(ctx context.Context, p *auth.Principal, agencyID int64, name string, sort int) (int64, error) {
	if err := need(p, auth.ManageCatalogue, agencyID); err != nil {
		return 0, err
	}
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n == 0 || n > 30 || strings.ContainsAny(name, "<>\r\n") {
		return 0, apperr.FieldErrors(map[string]string{"name": "主题分类名称须为 1–30 个字"})
	}
	var id int64
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		err := tx.QueryRowContext(ctx, "INSERT INTO topics (agency_id, name, sort_order) VALUES ($1, $2, $3) RETURNING id", agencyID, name, sort).Scan(&id)
		if db.IsUniqueViolation(err) {
			return apperr.FieldErrors(map[string]string{"name": "已有同名主题分类"})
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: agencyID, Action: "catalogue.topic.create",
			ObjectType: "topic", ObjectID: fmt.Sprint(id), Summary: "新增主题分类 " + name})
	})
	return id, err
}

// ---------------------------------------------------------------- items

// Create starts a draft.
func (s *Service) Create(ctx context.Context, p *auth.Principal, agencyID int64, in DraftFields) (*Item, error) {
	if err := need(p, auth.EditItems, agencyID); err != nil {
		return nil, err
	}
	it := &Item{AgencyID: agencyID, Status: Draft, CreatedBy: p.UserID}
	var id int64
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		if err := s.applyDraft(ctx, tx, it, in); err != nil {
			return err
		}
		now := db.Now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO items (agency_id, title, status, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`, agencyID, it.Title, string(Draft), nullID(p.UserID), now).Scan(&id); err != nil {
			return err
		}
		it.ID = id
		if err := s.storeDraft(ctx, tx, it); err != nil {
			return err
		}
		if err := event(ctx, tx, id, p.UserID, p.Actor().Name, ActEdit, "", Draft, "新建"); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: agencyID, Action: "item.create",
			ObjectType: "item", ObjectID: fmt.Sprint(id), Summary: "新建信息草稿《" + it.Title + "》"})
	})
	if err != nil {
		return nil, err
	}
	return getItem(ctx, s.DB.R, agencyID, id)
}

// applyDraft validates the form into it (columns and related items must be
// the agency's own).
func (s *Service) applyDraft(ctx context.Context, q db.Querier, it *Item, in DraftFields) error {
	topics, err := listTopics(ctx, q, it.AgencyID)
	if err != nil {
		return err
	}
	known := map[int64]bool{}
	for _, t := range topics {
		known[t.ID] = true
	}
	signed, formed, verr := in.Validate(s.today(), func(id int64) bool { return known[id] })
	fields := apperr.FieldsOf(verr)
	if fields == nil {
		fields = map[string]string{}
	}
	cols, err := listColumns(ctx, q, it.AgencyID)
	if err != nil {
		return err
	}
	holds := map[int64]bool{}
	for _, c := range cols {
		if c.HoldsItems() {
			holds[c.ID] = true
		}
	}
	for _, c := range in.ColumnIDs {
		if !holds[c] {
			fields["column_ids"] = "所选栏目不存在或不能放入信息"
		}
	}
	for _, r := range in.RelatedIDs {
		var n int
		q.QueryRowContext(ctx, "SELECT COUNT(*) FROM items WHERE id = $1 AND agency_id = $2", r, it.AgencyID).Scan(&n)
		if n == 0 {
			fields["related_ids"] = "相关信息须为本单位的信息"
		}
	}
	if len(fields) > 0 {
		return apperr.FieldErrors(fields)
	}
	it.Title, it.Publisher, it.DocNumber = in.Title, in.Publisher, in.DocNumber
	it.SignedOn, it.FormedOn = signed, formed
	it.TopicID, it.Genre, it.FivePublics, it.StatutoryItem = in.TopicID, in.Genre, in.FivePublics, in.StatutoryItem
	it.Validity, it.Keywords, it.Summary, it.Body, it.SourceType = in.Validity, in.Keywords, in.Summary, in.Body, in.SourceType
	it.Method = in.Method
	it.ColumnIDs, it.RelatedIDs = dedupe(in.ColumnIDs), dedupe(in.RelatedIDs)
	if it.Publisher == "" {
		if a, err := s.Agencies.Agency(ctx, it.AgencyID); err == nil {
			it.Publisher = a.Name
		}
	}
	return nil
}

func dedupe(ids []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// storeDraft writes the fields and tracks the Art. 26 deadline.
func (s *Service) storeDraft(ctx context.Context, tx db.Tx, it *Item) error {
	if s.Calendar != nil && !it.FormedOn.IsZero() {
		res, err := s.Calendar.Track(ctx, tx, calendar.TrackedDeadline{Owner: deadlineOwner, OwnerID: fmt.Sprint(it.ID), Kind: "publish",
			Start: it.FormedOn, WorkingDays: PublishDeadline})
		if err != nil {
			return err
		}
		it.DueOn = res.Due
	}
	if _, err := tx.ExecContext(ctx, "UPDATE items SET review_override = '' WHERE id = $1", it.ID); err != nil {
		return err
	}
	return writeFields(ctx, tx, it)
}

// Update saves a draft (or a withdrawn item, which becomes a draft again).
func (s *Service) Update(ctx context.Context, p *auth.Principal, id int64, in DraftFields) error {
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		it, err := s.scoped(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := need(p, auth.EditItems, it.AgencyID); err != nil {
			return err
		}
		to, err := Next(it.Status, ActEdit, false)
		if err != nil {
			return apperr.New(apperr.Conflict, "只有草稿和已撤稿的信息可以编辑；已提交的信息请先退回修改")
		}
		if err := s.applyDraft(ctx, tx, it, in); err != nil {
			return err
		}
		if err := s.storeDraft(ctx, tx, it); err != nil {
			return err
		}
		if to != it.Status {
			if err := setStatus(ctx, tx, id, to); err != nil {
				return err
			}
		}
		if err := event(ctx, tx, id, p.UserID, p.Actor().Name, ActEdit, it.Status, to, ""); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: it.AgencyID, Action: "item.update",
			ObjectType: "item", ObjectID: fmt.Sprint(id), Summary: "编辑信息《" + it.Title + "》"})
	})
}

// AddAttachment stores a file (bytes first, then the row) and extracts its
// text for search and the personal-information check.
func (s *Service) AddAttachment(ctx context.Context, p *auth.Principal, id int64, name string, r io.Reader) (int64, error) {
	it, err := s.scoped(ctx, s.DB.R, p, id)
	if err != nil {
		return 0, err
	}
	if err := need(p, auth.EditItems, it.AgencyID); err != nil {
		return 0, err
	}
	if it.Status != Draft && it.Status != Withdrawn {
		return 0, apperr.New(apperr.Conflict, "只有草稿可以添加附件")
	}
	up, err := blob.Ingest(ctx, s.Blobs, name, r, s.MaxUpload)
	if err != nil {
		return 0, err
	}
	text := ""
	if rc, err := s.Blobs.Open(ctx, up.Key); err == nil {
		b, rerr := io.ReadAll(io.LimitReader(rc, s.MaxUpload+1))
		rc.Close()
		if rerr == nil {
			ectx, cancel := context.WithTimeout(ctx, 30*time.Second)
			text, _ = extract.Text(ectx, up.ContentType, bytes.NewReader(b), int64(len(b)))
			cancel()
		}
	}
	var attID int64
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		a := up.Attachment(it.AgencyID, "item", p.UserID)
		var err error
		if attID, err = blob.InsertAttachment(ctx, tx, a); err != nil {
			return err
		}
		var next int
		tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(sort_order), 0) + 1 FROM item_attachments WHERE item_id = $1", id).Scan(&next)
		if _, err := tx.ExecContext(ctx, "INSERT INTO item_attachments (item_id, attachment_id, sort_order, text) VALUES ($1, $2, $3, $4)", id, attID, next, text); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE items SET review_override = '', updated_at = $1 WHERE id = $2", db.Now(), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: it.AgencyID, Action: "item.attachment.add",
			ObjectType: "item", ObjectID: fmt.Sprint(id), Summary: fmt.Sprintf("为《%s》添加附件 %s（%d 字节）", it.Title, up.FileName, up.Size)})
	})
	return attID, err
}

// RemoveAttachment detaches a file from a draft.
func (s *Service) RemoveAttachment(ctx context.Context, p *auth.Principal, id, attachmentID int64) error {
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		it, err := s.scoped(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := need(p, auth.EditItems, it.AgencyID); err != nil {
			return err
		}
		if it.Status != Draft && it.Status != Withdrawn {
			return apperr.New(apperr.Conflict, "只有草稿可以删除附件")
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM item_attachments WHERE item_id = $1 AND attachment_id = $2", id, attachmentID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFoundf("没有这个附件")
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: it.AgencyID, Action: "item.attachment.remove",
			ObjectType: "item", ObjectID: fmt.Sprint(id), Summary: fmt.Sprintf("删除《%s》的附件 #%d", it.Title, attachmentID)})
	})
}

// Attachments returns an item's files.
func (s *Service) Attachments(ctx context.Context, itemID int64) ([]Attachment, error) {
	return listAttachments(ctx, s.DB.R, itemID)
}

// ---------------------------------------------------------------- checks

// Finding is something the 保密审查 must not let through unseen.
type Finding struct {
	Where   string // 标题, 正文, 附件 x.pdf …
	Kind    string // 身份证号, 手机号, 银行卡号, 敏感词
	Excerpt string // the context, with the value masked
}

// Findings scans the item's title, summary, body and attachment texts for
// unmasked personal identifiers and the agency's sensitive words.
func (s *Service) Findings(ctx context.Context, it *Item, atts []Attachment) ([]Finding, error) {
	st, err := getSettings(ctx, s.DB.R, it.AgencyID)
	if err != nil {
		return nil, err
	}
	m, err := s.matcher(it.AgencyID, st.SensitiveWords)
	if err != nil {
		return nil, err
	}
	var out []Finding
	scan := func(where, text string) {
		for _, f := range pii.Find(text) {
			out = append(out, Finding{Where: where, Kind: piiLabel(f.Kind), Excerpt: excerptAround(text, f.Start, f.End, pii.Mask(f))})
		}
		if m != nil {
			for _, h := range m.Find(text) {
				out = append(out, Finding{Where: where, Kind: "敏感词", Excerpt: excerptAround(text, h.Start, h.End, "【"+text[h.Start:h.End]+"】")})
			}
		}
	}
	scan("标题", it.Title)
	scan("内容概述", it.Summary)
	scan("关键词", it.Keywords)
	scan("正文", it.Body)
	for _, a := range atts {
		scan("附件 "+a.FileName, a.Text)
		scan("附件文件名", a.FileName)
	}
	return out, nil
}

func (s *Service) matcher(agencyID int64, words string) (*sensitive.Matcher, error) {
	if v, ok := s.matchers.Load(agencyID); ok && v.(*matcherEntry).words == words {
		return v.(*matcherEntry).m, nil
	}
	list, err := sensitive.ParseList(words)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		s.matchers.Store(agencyID, &matcherEntry{words: words})
		return nil, nil
	}
	m, err := sensitive.New(list)
	if err != nil {
		return nil, err
	}
	s.matchers.Store(agencyID, &matcherEntry{words: words, m: m})
	return m, nil
}

func piiLabel(k pii.Kind) string {
	switch k {
	case pii.IDNumber:
		return "身份证号码"
	case pii.Mobile:
		return "手机号码"
	case pii.BankCard:
		return "银行卡号"
	}
	return "个人信息"
}

// excerptAround shows up to 15 characters each side of [start, end), with
// the match replaced.
func excerptAround(text string, start, end int, replacement string) string {
	before := []rune(text[:start])
	after := []rune(text[end:])
	b := before[max(0, len(before)-15):]
	a := after[:min(len(after), 15)]
	out := strings.ReplaceAll(string(b)+replacement+string(a), "\n", " ")
	if len(before) > 15 {
		out = "…" + out
	}
	if len(after) > 15 {
		out += "…"
	}
	return out
}

// BlockedError is returned when checks find something and no reviewer has
// overridden them.
type BlockedError struct{ Findings []Finding }

func (e *BlockedError) Error() string {
	return fmt.Sprintf("发现 %d 处未脱敏的个人信息或敏感词", len(e.Findings))
}

// ---------------------------------------------------------------- workflow

// transition moves an item along the workflow with the common bookkeeping.
func (s *Service) transition(ctx context.Context, p *auth.Principal, id int64, perm auth.Permission, a Action, note string,
	body func(tx db.Tx, it *Item, st Settings, to Status) error) error {
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		it, err := s.scoped(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := need(p, perm, it.AgencyID); err != nil {
			return err
		}
		st, err := getSettings(ctx, tx, it.AgencyID)
		if err != nil {
			return err
		}
		to, err := Next(it.Status, a, st.RequireApproval)
		if err != nil {
			return err
		}
		if body != nil {
			if err := body(tx, it, st, to); err != nil {
				return err
			}
		}
		if err := setStatus(ctx, tx, id, to); err != nil {
			return err
		}
		if err := event(ctx, tx, id, p.UserID, p.Actor().Name, a, it.Status, to, note); err != nil {
			return err
		}
		summary := fmt.Sprintf("《%s》%s：%s → %s", it.Title, a.Label(), it.Status.Label(), to.Label())
		if note != "" {
			summary += "；" + note
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: it.AgencyID, Action: "item." + string(a),
			ObjectType: "item", ObjectID: fmt.Sprint(id), Summary: summary})
	})
	if err == nil && (a == ActPublish || a == ActWithdraw || a == ActSupersede) {
		s.invalidate()
	}
	return err
}

// Submit sends a draft to review, keeping its content as a new version.
func (s *Service) Submit(ctx context.Context, p *auth.Principal, id int64) error {
	return s.transition(ctx, p, id, auth.EditItems, ActSubmit, "", func(tx db.Tx, it *Item, _ Settings, _ Status) error {
		if it.FormedOn.IsZero() || len(it.ColumnIDs) == 0 {
			return apperr.New(apperr.Invalid, "提交前请填写生成日期并选择栏目")
		}
		atts, err := listAttachments(ctx, tx, it.ID)
		if err != nil {
			return err
		}
		_, err = saveVersion(ctx, tx, it, atts, p.UserID)
		return err
	})
}

// Return sends an item back to its editor with a reason.
func (s *Service) Return(ctx context.Context, p *auth.Principal, id int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 2 || n > 500 {
		return apperr.FieldErrors(map[string]string{"reason": "请填写退回原因（2–500 字）"})
	}
	perm := auth.ReviewItems
	if auth.Allowed(p, auth.ApproveItems) && !auth.Allowed(p, auth.ReviewItems) {
		perm = auth.ApproveItems
	}
	return s.transition(ctx, p, id, perm, ActReturn, "退回原因："+reason, nil)
}

// Review passes the 保密审查. Findings block it unless the reviewer gives
// an override reason, which the audit log keeps with the findings.
func (s *Service) Review(ctx context.Context, p *auth.Principal, id int64, override string) error {
	override = strings.TrimSpace(override)
	if utf8.RuneCountInString(override) > 500 {
		return apperr.FieldErrors(map[string]string{"override": "说明不能超过 500 字"})
	}
	var blocked *BlockedError
	err := s.transition(ctx, p, id, auth.ReviewItems, ActReview, "", func(tx db.Tx, it *Item, _ Settings, _ Status) error {
		atts, err := listAttachments(ctx, tx, it.ID)
		if err != nil {
			return err
		}
		findings, err := s.Findings(ctx, it, atts)
		if err != nil {
			return err
		}
		if len(findings) == 0 {
			return nil
		}
		if utf8.RuneCountInString(override) < 5 {
			blocked = &BlockedError{Findings: findings}
			return blocked
		}
		var list []string
		for _, f := range findings {
			list = append(list, f.Where+"·"+f.Kind+"："+f.Excerpt)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE items SET review_override = $1 WHERE id = $2", override, it.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: it.AgencyID, Action: "item.review.override",
			ObjectType: "item", ObjectID: fmt.Sprint(it.ID),
			Summary: fmt.Sprintf("审核人确认放行《%s》中的 %d 处提示，理由：%s；提示：%s", it.Title, len(findings), override, strings.Join(list, "；"))})
	})
	if blocked != nil {
		return blocked
	}
	return err
}

// Approve approves a reviewed item (agencies that require approval).
func (s *Service) Approve(ctx context.Context, p *auth.Principal, id int64) error {
	return s.transition(ctx, p, id, auth.ApproveItems, ActApprove, "", func(tx db.Tx, it *Item, _ Settings, _ Status) error {
		if ok, err := assessed(ctx, tx, it.ID); err != nil || !ok {
			if err == nil {
				err = errNoAssessment
			}
			return err
		}
		return nil
	})
}

// Publish publishes an item now, or schedules it when at is in the future.
func (s *Service) Publish(ctx context.Context, p *auth.Principal, id int64, at time.Time) error {
	now := s.Now()
	if !at.IsZero() && at.After(now.Add(time.Minute)) {
		if at.After(now.AddDate(1, 0, 0)) {
			return apperr.FieldErrors(map[string]string{"publish_at": "定时发布时间不能超过一年"})
		}
		return s.transition(ctx, p, id, auth.PublishItems, ActSchedule, "定时发布于 "+at.In(civil.Shanghai).Format("2006-01-02 15:04"),
			func(tx db.Tx, it *Item, _ Settings, _ Status) error {
				if err := s.checkBeforePublish(ctx, tx, it); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, "UPDATE items SET scheduled_at = $1 WHERE id = $2", at.UTC(), it.ID)
				return err
			})
	}
	return s.transition(ctx, p, id, auth.PublishItems, ActPublish, "", func(tx db.Tx, it *Item, st Settings, _ Status) error {
		return s.publish(ctx, tx, it, st)
	})
}

// checkBeforePublish repeats the personal-information and sensitive-word
// checks: an item passes only if clean or overridden at review.
func (s *Service) checkBeforePublish(ctx context.Context, tx db.Tx, it *Item) error {
	if ok, err := assessed(ctx, tx, it.ID); err != nil || !ok {
		if err == nil {
			err = errNoAssessment
		}
		return err
	}
	var override string
	if err := tx.QueryRowContext(ctx, "SELECT review_override FROM items WHERE id = $1", it.ID).Scan(&override); err != nil {
		return err
	}
	if override != "" {
		return nil
	}
	atts, err := listAttachments(ctx, tx, it.ID)
	if err != nil {
		return err
	}
	findings, err := s.Findings(ctx, it, atts)
	if err != nil {
		return err
	}
	if len(findings) > 0 {
		return &BlockedError{Findings: findings}
	}
	return nil
}

// publish does the work of publication inside tx.
func (s *Service) publish(ctx context.Context, tx db.Tx, it *Item, st Settings) error {
	if err := s.checkBeforePublish(ctx, tx, it); err != nil {
		return err
	}
	today := civil.Of(s.Now())
	if it.IndexNumber == "" {
		a, err := s.Agencies.Agency(ctx, it.AgencyID)
		if err != nil {
			return err
		}
		prefix := a.IndexPrefix
		if prefix == "" {
			prefix = strings.ToUpper(a.Slug)
		}
		// Imported items carry numbers of their own; skip any the pattern
		// would produce again, so that no number is ever used twice.
		for tries := 0; ; tries++ {
			seq, err := nextIndexNumber(ctx, tx, it.AgencyID, today.Year)
			if err != nil {
				return err
			}
			it.IndexNumber = st.IndexPattern.Format(prefix, today, seq)
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM items WHERE index_number = $1 AND index_number <> ''", it.IndexNumber).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				break
			}
			if tries > 10000 {
				return apperr.New(apperr.Conflict, "无法生成未使用的索引号，请检查本单位的索引号规则")
			}
		}
	}
	it.PublishedOn, it.PublishedAt = today, s.Now().UTC().Truncate(time.Microsecond)
	it.Late = !it.DueOn.IsZero() && today.After(it.DueOn)
	_, err := tx.ExecContext(ctx, `UPDATE items SET index_number = $1, published_on = $2, published_at = $3, late = $4,
		scheduled_at = NULL, withdrawn_reason = '' WHERE id = $5`, it.IndexNumber, it.PublishedOn, it.PublishedAt, it.Late, it.ID)
	if db.IsUniqueViolation(err) {
		return apperr.New(apperr.Conflict, "索引号 "+it.IndexNumber+" 已被使用，请检查本单位的索引号规则")
	}
	if err != nil {
		return err
	}
	if s.Calendar != nil {
		if err := s.Calendar.Close(ctx, tx, deadlineOwner, fmt.Sprint(it.ID), "publish"); err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
	}
	if err := s.index(ctx, tx, it); err != nil {
		return err
	}
	return s.bump(ctx, tx)
}

// index puts a published item into the search index.
func (s *Service) index(ctx context.Context, tx db.Tx, it *Item) error {
	atts, err := listAttachments(ctx, tx, it.ID)
	if err != nil {
		return err
	}
	return s.indexWith(ctx, tx, it, atts)
}

// indexWith indexes an item whose attachments the caller has at hand.
func (s *Service) indexWith(ctx context.Context, tx db.Tx, it *Item, atts []Attachment) error {
	d, err := s.searchDoc(ctx, it, atts)
	if err != nil {
		return err
	}
	return search.Index(ctx, tx, d)
}

// searchDoc is what the search index holds of a published item: title,
// 文号, summary, keywords, the body as plain text and the attachments'
// names and text.
func (s *Service) searchDoc(ctx context.Context, it *Item, atts []Attachment) (search.Doc, error) {
	a, err := s.Agencies.Agency(ctx, it.AgencyID)
	if err != nil {
		return search.Doc{}, err
	}
	var body strings.Builder
	body.WriteString(it.Summary)
	body.WriteString("\n")
	body.WriteString(it.Keywords)
	body.WriteString("\n")
	body.WriteString(PlainText(it.Body))
	for _, at := range atts {
		body.WriteString("\n")
		body.WriteString(at.FileName)
		body.WriteString("\n")
		body.WriteString(at.Text)
	}
	return search.Doc{Source: "item", SourceID: it.ID, AgencyID: it.AgencyID,
		URL: a.HomeURL() + "items/" + strconv.FormatInt(it.ID, 10), Title: it.Title, DocNumber: it.DocNumber,
		Body: body.String(), PublishedOn: it.PublishedOn, Kind: it.Genre, TopicID: it.TopicID, ColumnIDs: it.ColumnIDs,
		FivePublics: it.FivePublics}, nil
}

// PublishDue publishes scheduled items whose time has come (a periodic job).
func (s *Service) PublishDue(ctx context.Context) (int, error) {
	rows, err := s.DB.R.QueryContext(ctx, "SELECT id FROM items WHERE status = $1 AND scheduled_at <= $2", string(Scheduled), s.Now().UTC())
	if err != nil {
		return 0, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	n := 0
	for _, id := range ids {
		err := s.DB.Tx(ctx, func(tx db.Tx) error {
			it, err := getItem(ctx, tx, 0, id)
			if err != nil || it.Status != Scheduled {
				return err
			}
			st, err := getSettings(ctx, tx, it.AgencyID)
			if err != nil {
				return err
			}
			if err := s.publish(ctx, tx, it, st); err != nil {
				return err
			}
			if err := setStatus(ctx, tx, id, Published); err != nil {
				return err
			}
			if err := event(ctx, tx, id, 0, "system", ActPublish, Scheduled, Published, "定时发布"); err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.System, audit.Event{AgencyID: it.AgencyID, Action: "item.publish",
				ObjectType: "item", ObjectID: fmt.Sprint(id), Summary: "定时发布《" + it.Title + "》"})
		})
		if err != nil {
			return n, err
		}
		n++
	}
	if n > 0 {
		s.invalidate()
	}
	return n, nil
}

// Withdraw takes a published item down (撤稿): it leaves the portal, the
// search index and the feeds at once; the console keeps it and its history.
func (s *Service) Withdraw(ctx context.Context, p *auth.Principal, id int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 2 || n > 500 {
		return apperr.FieldErrors(map[string]string{"reason": "请填写撤稿原因（2–500 字）"})
	}
	return s.transition(ctx, p, id, auth.WithdrawItems, ActWithdraw, "撤稿原因："+reason, func(tx db.Tx, it *Item, _ Settings, _ Status) error {
		if _, err := tx.ExecContext(ctx, "UPDATE items SET withdrawn_reason = $1, scheduled_at = NULL WHERE id = $2", reason, it.ID); err != nil {
			return err
		}
		if err := search.Remove(ctx, tx, "item", it.ID); err != nil {
			return err
		}
		return s.bump(ctx, tx)
	})
}

// Supersede marks a published item as replaced by a newer one of the same
// agency; it stays public with a notice pointing to the new one.
func (s *Service) Supersede(ctx context.Context, p *auth.Principal, id, byID int64) error {
	return s.transition(ctx, p, id, auth.WithdrawItems, ActSupersede, fmt.Sprintf("被信息 #%d 替代", byID), func(tx db.Tx, it *Item, _ Settings, _ Status) error {
		by, err := getItem(ctx, tx, it.AgencyID, byID)
		if err != nil || by.ID == it.ID || !by.Status.Public() {
			return apperr.FieldErrors(map[string]string{"by": "替代信息须为本单位另一条已发布的信息"})
		}
		if _, err := tx.ExecContext(ctx, "UPDATE items SET superseded_by = $1 WHERE id = $2", byID, it.ID); err != nil {
			return err
		}
		return s.bump(ctx, tx)
	})
}

// SetValidity records an item's 有效性 decided elsewhere (the normative-
// document library: expiry, amendment, repeal) inside the caller's
// transaction: the public page shows it at once (the page cache is
// bumped) and the item's history says why.
func (s *Service) SetValidity(ctx context.Context, tx db.Tx, actor audit.Actor, itemID int64, validity, note string) error {
	if ValidityLabel(validity) == validity && validity != "" {
		return apperr.Invalidf("有效性无效。")
	}
	it, err := getItem(ctx, tx, 0, itemID)
	if err != nil {
		return err
	}
	if it.Validity == validity {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "UPDATE items SET validity = $1, updated_at = $2 WHERE id = $3", validity, db.Now(), itemID); err != nil {
		return err
	}
	if err := event(ctx, tx, itemID, 0, actor.Name, ActEdit, it.Status, it.Status, "有效性："+ValidityLabel(it.Validity)+" → "+ValidityLabel(validity)+"；"+note); err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, actor, audit.Event{AgencyID: it.AgencyID, Action: "item.validity", ObjectType: "item",
		ObjectID: fmt.Sprint(itemID), Summary: "《" + it.Title + "》有效性改为" + ValidityLabel(validity) + "：" + note}); err != nil {
		return err
	}
	return s.bump(ctx, tx)
}

// ---------------------------------------------------------------- reads

// Get returns an item for the console.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*Item, error) {
	return s.scoped(ctx, s.DB.R, p, id)
}

// History returns an item's events and versions for the console.
func (s *Service) History(ctx context.Context, p *auth.Principal, id int64) ([]Event, []Version, error) {
	if _, err := s.scoped(ctx, s.DB.R, p, id); err != nil {
		return nil, nil, err
	}
	evs, err := listEvents(ctx, s.DB.R, id)
	if err != nil {
		return nil, nil, err
	}
	vs, err := listVersions(ctx, s.DB.R, id)
	return evs, vs, err
}

// ConsoleList lists an agency's items for staff.
func (s *Service) ConsoleList(ctx context.Context, p *auth.Principal, agencyID int64, f ListFilter) ([]*Item, int, error) {
	if err := need(p, auth.ViewItems, agencyID); err != nil {
		return nil, 0, err
	}
	f.AgencyIDs = []int64{agencyID}
	return listItems(ctx, s.DB.R, f, "i.updated_at DESC, i.id DESC")
}

// PublicItem returns a published (or superseded) item of the agency.
func (s *Service) PublicItem(ctx context.Context, agencyID, id int64) (*Item, error) {
	it, err := getItem(ctx, s.DB.R, agencyID, id)
	if err != nil {
		return nil, err
	}
	if !it.Status.Public() {
		return nil, errNoItem
	}
	return it, nil
}

// PublicList lists published items by filter, newest first.
func (s *Service) PublicList(ctx context.Context, f ListFilter) ([]*Item, int, error) {
	f.Statuses = []Status{Published, Superseded}
	return listItems(ctx, s.DB.R, f, "")
}

// Pinned returns the pinned items of a column.
func (s *Service) Pinned(ctx context.Context, columnID int64) ([]*Item, error) {
	return queryItems(ctx, s.DB.R, "SELECT "+itemColumnsOf("i.")+` FROM items i JOIN item_columns c ON c.item_id = i.id
		WHERE c.column_id = $1 AND c.pinned = $2 AND c.listed_at IS NOT NULL ORDER BY c.listed_at DESC`, columnID, true)
}

// PinnedInAgency returns the public items pinned in any of an agency's
// columns (for its home page), newest first. The pinned rows are few and
// found through their own index first; asked in one query, the planner may
// instead walk all the agency's items.
func (s *Service) PinnedInAgency(ctx context.Context, agencyID int64, limit int) ([]*Item, error) {
	rows, err := s.DB.R.QueryContext(ctx, `SELECT DISTINCT item_id FROM item_columns
		WHERE pinned = TRUE AND listed_at IS NOT NULL LIMIT 1000`)
	if err != nil {
		return nil, db.Classify(err)
	}
	args := []any{agencyID, limit}
	var ph []string
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, db.Classify(err)
		}
		args = append(args, id)
		ph = append(ph, "$"+strconv.Itoa(len(args)))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, db.Classify(err)
	}
	if len(ph) == 0 {
		return nil, nil
	}
	return queryItems(ctx, s.DB.R, "SELECT "+itemColumnsOf("i.")+` FROM items i WHERE i.id IN (`+strings.Join(ph, ",")+`)
		AND i.agency_id = $1 AND i.`+publicPredicate+` ORDER BY i.published_at DESC, i.id DESC LIMIT $2`, args...)
}

// SetPinned pins or unpins an item in one of its columns.
func (s *Service) SetPinned(ctx context.Context, p *auth.Principal, id, columnID int64, pinned bool) error {
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		it, err := s.scoped(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := need(p, auth.ManageCatalogue, it.AgencyID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "UPDATE item_columns SET pinned = $1 WHERE item_id = $2 AND column_id = $3", pinned, id, columnID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFoundf("该信息不在此栏目中")
		}
		if err := s.bump(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: it.AgencyID, Action: "item.pin",
			ObjectType: "item", ObjectID: fmt.Sprint(id), Summary: fmt.Sprintf("《%s》在栏目 #%d %s", it.Title, columnID, map[bool]string{true: "置顶", false: "取消置顶"}[pinned])})
	})
	s.invalidate()
	return err
}

// Related returns the published items an item links to.
func (s *Service) Related(ctx context.Context, it *Item) ([]*Item, error) {
	var out []*Item
	for _, id := range it.RelatedIDs {
		r, err := getItem(ctx, s.DB.R, it.AgencyID, id)
		if err == nil && r.Status.Public() {
			out = append(out, r)
		}
	}
	return out, nil
}

// DueSoon lists an agency's unpublished items whose Art. 26 deadline is
// within days working days or past.
func (s *Service) DueSoon(ctx context.Context, p *auth.Principal, agencyID int64, workingDays int) ([]*Item, error) {
	if err := need(p, auth.ViewItems, agencyID); err != nil {
		return nil, err
	}
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	limit, err := cal.AddWorkingDays(s.today(), workingDays)
	if err != nil {
		return nil, err
	}
	items, _, err := listItems(ctx, s.DB.R, ListFilter{AgencyIDs: []int64{agencyID}, Statuses: []Status{Draft, Submitted, Reviewed, Approved, Scheduled},
		DueBefore: limit, Limit: 200}, "i.due_on, i.id")
	return items, err
}

// PublicRefs lists public items by ID, for the sitemap.
func (s *Service) PublicRefs(ctx context.Context, offset, limit int) ([]ItemRef, error) {
	return publicItemRefs(ctx, s.DB.R, offset, limit)
}

// CountPublic counts the published (and superseded) items of the platform.
func (s *Service) CountPublic(ctx context.Context) (int, error) { return countPublic(ctx, s.DB.R) }
