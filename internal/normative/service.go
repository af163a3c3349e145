package normative

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// ItemRef is what the library needs to know of an information item.
type ItemRef struct {
	ID          int64
	AgencyID    int64
	Title       string
	DocNumber   string
	Publisher   string
	SignedOn    civil.Date
	PublishedOn civil.Date
	Topic       string
	Public      bool   // published (the portal shows it)
	State       string // the item's workflow state in Chinese (console)
	URL         string // its public page
	IndexNumber string
	Withdrawn   bool
}

// Items are the information items (the disclosure capability, wired in
// app).
type Items interface {
	// Item returns an item (any agency); NotFound if there is none.
	Item(ctx context.Context, id int64) (ItemRef, error)
	// Items returns the items of ids that exist.
	Items(ctx context.Context, ids []int64) (map[int64]ItemRef, error)
	// Candidates are an agency's items that could be registered (not
	// withdrawn), newest first.
	Candidates(ctx context.Context, agencyID int64, limit int) ([]ItemRef, error)
	// ByIndexNumber finds an agency's item by its 索引号.
	ByIndexNumber(ctx context.Context, agencyID int64, index string) (ItemRef, error)
	// SetValidity records the item's 有效性 in tx (its page and history
	// follow).
	SetValidity(ctx context.Context, tx db.Tx, actor audit.Actor, itemID int64, validity, note string) error
}

// AgencyRef is what the library needs to know of an agency.
type AgencyRef struct {
	ID, ParentID int64
	Slug, Name   string
}

// Agencies gives the agencies (wired in app).
type Agencies interface {
	Agency(ctx context.Context, id int64) (AgencyRef, error)
	AgencyBySlug(ctx context.Context, slug string) (AgencyRef, error)
	Agencies(ctx context.Context) ([]AgencyRef, error)
}

// Version is the content version of cached public pages (item pages show
// the library's banners).
type Version interface {
	Bump(ctx context.Context, tx db.Tx) error
	Invalidate()
}

// Deps are what the service uses.
type Deps struct {
	DB       *db.DB
	Items    Items
	Agencies Agencies
	Version  Version // nil: no page cache
	Now      func() time.Time
}

// Service is the rules of the normative-document library.
type Service struct{ Deps }

// NewService returns the service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{Deps: d}
}

func (s *Service) today() civil.Date { return civil.Of(s.Now()) }

// Today is the service's date (Asia/Shanghai).
func (s *Service) Today() civil.Date { return s.today() }

var (
	errStale     = apperr.New(apperr.Conflict, "这份规范性文件刚被其他人修改过，请刷新页面后再操作。")
	errNone      = apperr.NotFoundf("没有这份规范性文件。")
	errForbidden = apperr.New(apperr.Forbidden, "您无权办理本单位的规范性文件。")
	errNoCleanup = apperr.NotFoundf("没有这次清理。")
)

// systemActor is the daily job.
var systemActor = audit.Actor{Name: "系统（规范性文件有效期）"}

func allowed(p *auth.Principal, perm auth.Permission) bool {
	return auth.Allowed(p, perm) && p.AgencyID != 0
}

func (s *Service) scoped(ctx context.Context, q db.Querier, p *auth.Principal, itemID int64, perm auth.Permission) (*Document, error) {
	if !allowed(p, perm) {
		return nil, errForbidden
	}
	d, err := getDoc(ctx, q, itemID)
	if apperr.Is(err, apperr.NotFound) || (err == nil && d.AgencyID != p.AgencyID) {
		return nil, errNone
	}
	return d, err
}

// bump marks cached pages stale in tx; call s.invalidate after the commit.
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

func (s *Service) tx(ctx context.Context, fn func(tx db.Tx) error) error {
	if err := s.DB.Tx(ctx, func(tx db.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return s.bump(ctx, tx)
	}); err != nil {
		return err
	}
	s.invalidate()
	return nil
}

func record(ctx context.Context, tx db.Tx, actor audit.Actor, agencyID int64, action, objectType, objectID, summary string) error {
	return audit.Record(ctx, tx, actor, audit.Event{AgencyID: agencyID, Action: "normative." + action, ObjectType: objectType,
		ObjectID: objectID, Summary: summary})
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func divisionName(ctx context.Context, q db.Querier, agencyID, divID int64) (string, bool) {
	var name string
	err := q.QueryRowContext(ctx, "SELECT name FROM divisions WHERE id = $1 AND agency_id = $2", divID, agencyID).Scan(&name)
	return name, err == nil
}

// ---------------------------------------------------------------- settings

// Settings returns p's agency's validity periods.
func (s *Service) Settings(ctx context.Context, p *auth.Principal) (Settings, error) {
	if !allowed(p, auth.ViewItems) {
		return Settings{}, errForbidden
	}
	return loadSettings(ctx, s.DB.R, p.AgencyID)
}

// SaveSettings sets p's agency's validity periods. Documents registered
// before keep their expiry dates.
func (s *Service) SaveSettings(ctx context.Context, p *auth.Principal, st Settings) error {
	if !allowed(p, auth.ManageNormative) {
		return errForbidden
	}
	st.AgencyID = p.AgencyID
	if f := st.Validate(); len(f) > 0 {
		return apperr.FieldErrors(f)
	}
	return s.tx(ctx, func(tx db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO normative_settings (agency_id, years_default, years_interim, years_notice, remind_months, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (agency_id) DO UPDATE SET years_default = excluded.years_default,
				years_interim = excluded.years_interim, years_notice = excluded.years_notice, remind_months = excluded.remind_months,
				updated_at = excluded.updated_at`, st.AgencyID, st.YearsDefault, st.YearsInterim, st.YearsNotice, st.RemindMonths, db.Now()); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), p.AgencyID, "settings", "normative_settings", id(p.AgencyID),
			fmt.Sprintf("规范性文件有效期设置：一般 %d 年，暂行/试行 %d 年，通告 %d 年，到期前 %d 个月提醒评估",
				st.YearsDefault, st.YearsInterim, st.YearsNotice, st.RemindMonths))
	})
}

// ---------------------------------------------------------------- register

// Candidates are p's agency's items not yet registered, newest first.
func (s *Service) Candidates(ctx context.Context, p *auth.Principal) ([]ItemRef, error) {
	if !allowed(p, auth.ManageNormative) {
		return nil, errForbidden
	}
	all, err := s.Items.Candidates(ctx, p.AgencyID, 500)
	if err != nil {
		return nil, err
	}
	reg := map[int64]bool{}
	rows, err := s.DB.R.QueryContext(ctx, "SELECT item_id FROM normative_documents WHERE agency_id = $1", p.AgencyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		reg[n] = true
	}
	var out []ItemRef
	for _, it := range all {
		if !reg[it.ID] {
			out = append(out, it)
		}
	}
	return out, rows.Err()
}

// CandidateItem returns an item of p's agency to register.
func (s *Service) CandidateItem(ctx context.Context, p *auth.Principal, itemID int64) (ItemRef, error) {
	if !allowed(p, auth.ManageNormative) {
		return ItemRef{}, errForbidden
	}
	it, err := s.Items.Item(ctx, itemID)
	if apperr.Is(err, apperr.NotFound) || (err == nil && it.AgencyID != p.AgencyID) {
		return ItemRef{}, apperr.NotFoundf("没有这条信息。")
	}
	return it, err
}

func (s *Service) checkNumber(ctx context.Context, q db.Querier, f map[string]string, agencyID, itemID int64, number string) error {
	if _, bad := f["doc_number"]; bad || number == "" {
		return nil
	}
	var other int64
	err := q.QueryRowContext(ctx, "SELECT item_id FROM normative_documents WHERE agency_id = $1 AND doc_number = $2 AND item_id <> $3",
		agencyID, number, itemID).Scan(&other)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	title := ""
	if it, err := s.Items.Item(ctx, other); err == nil {
		title = "《" + it.Title + "》"
	}
	f["doc_number"] = "文号 " + number + " 已登记为" + title + "的文号，请核对。"
	return nil
}

// Register records an item of p's agency as a normative document. Its
// status follows from its dates; the item's 有效性 is set to match.
func (s *Service) Register(ctx context.Context, p *auth.Principal, in Input) (*Document, error) {
	if !allowed(p, auth.ManageNormative) {
		return nil, errForbidden
	}
	it, err := s.CandidateItem(ctx, p, in.ItemID)
	if err != nil {
		return nil, err
	}
	if it.Withdrawn {
		return nil, apperr.FieldErrors(map[string]string{"item": "已撤回的信息不能登记为规范性文件。"})
	}
	today := s.today()
	var d *Document
	err = s.tx(ctx, func(tx db.Tx) error {
		st, err := loadSettings(ctx, tx, p.AgencyID)
		if err != nil {
			return err
		}
		f, issuers, expires := in.Validate(st)
		if in.DivisionID > 0 {
			if _, ok := divisionName(ctx, tx, p.AgencyID, in.DivisionID); !ok {
				f["division"] = "请选择本单位的处室。"
			}
		}
		var exists int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM normative_documents WHERE item_id = $1", it.ID).Scan(&exists); err != nil {
			return err
		}
		if exists > 0 {
			return apperr.New(apperr.Conflict, "《"+it.Title+"》已登记为规范性文件。")
		}
		if err := s.checkNumber(ctx, tx, f, p.AgencyID, it.ID, in.DocNumber); err != nil {
			return err
		}
		if len(f) > 0 {
			return apperr.FieldErrors(f)
		}
		d = &Document{ItemID: it.ID, AgencyID: p.AgencyID, DocNumber: in.DocNumber, Issuers: issuers, Kind: in.Kind, Interim: in.Interim,
			SignedOn: in.SignedOn, PublishedOn: in.PublishedOn, EffectiveOn: in.EffectiveOn, ExpiresOn: expires, PeriodReason: in.PeriodReason,
			Status: StatusOn(today, in.EffectiveOn, expires), DivisionID: in.DivisionID, CreatedBy: p.UserID, Item: it}
		if err := insertDoc(ctx, tx, d); err != nil {
			return err
		}
		note := fmt.Sprintf("登记为行政规范性文件：%s，%s起施行，有效期至%s", d.DocNumber, d.EffectiveOn.Chinese(), d.ExpiresOn.Chinese())
		if err := insertEvent(ctx, tx, &Event{ItemID: d.ItemID, To: d.Status, On: today, ActorID: p.UserID, Actor: p.Actor().Name, Reason: note}); err != nil {
			return err
		}
		if err := s.Items.SetValidity(ctx, tx, p.Actor(), d.ItemID, string(d.Status), note); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), p.AgencyID, "register", "item", id(d.ItemID), "《"+it.Title+"》"+note+"；状态："+d.Status.Label())
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Update corrects a registration. A status that follows from the dates
// (现行有效, 尚未生效, 已失效) is recomputed; 已修改 and 已废止 stay.
func (s *Service) Update(ctx context.Context, p *auth.Principal, itemID int64, version int, in Input) (*Document, error) {
	d, err := s.scoped(ctx, s.DB.R, p, itemID, auth.ManageNormative)
	if err != nil {
		return nil, err
	}
	today := s.today()
	err = s.tx(ctx, func(tx db.Tx) error {
		st, err := loadSettings(ctx, tx, p.AgencyID)
		if err != nil {
			return err
		}
		f, issuers, expires := in.Validate(st)
		if in.DivisionID > 0 {
			if _, ok := divisionName(ctx, tx, p.AgencyID, in.DivisionID); !ok {
				f["division"] = "请选择本单位的处室。"
			}
		}
		if err := s.checkNumber(ctx, tx, f, p.AgencyID, d.ItemID, in.DocNumber); err != nil {
			return err
		}
		if len(f) > 0 {
			return apperr.FieldErrors(f)
		}
		old := *d
		d.DocNumber, d.Issuers, d.Kind, d.Interim = in.DocNumber, issuers, in.Kind, in.Interim
		d.SignedOn, d.PublishedOn, d.EffectiveOn, d.ExpiresOn, d.PeriodReason, d.DivisionID = in.SignedOn, in.PublishedOn, in.EffectiveOn, expires, in.PeriodReason, in.DivisionID
		if d.Status != Amended && d.Status != Repealed {
			d.Status = StatusOn(today, d.EffectiveOn, d.ExpiresOn)
		}
		changes := describe(&old, d)
		if len(changes) == 0 {
			return nil
		}
		if err := saveDoc(ctx, tx, d, version); err != nil {
			return err
		}
		note := "更正登记信息：" + strings.Join(changes, "；")
		if d.Status != old.Status {
			if err := insertEvent(ctx, tx, &Event{ItemID: d.ItemID, From: old.Status, To: d.Status, On: today, ActorID: p.UserID,
				Actor: p.Actor().Name, Reason: note}); err != nil {
				return err
			}
			if err := s.Items.SetValidity(ctx, tx, p.Actor(), d.ItemID, string(d.Status), note); err != nil {
				return err
			}
		}
		return record(ctx, tx, p.Actor(), p.AgencyID, "update", "item", id(d.ItemID), d.DocNumber+" "+note)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func describe(a, b *Document) []string {
	var out []string
	q := func(label, from, to string) {
		if from != to {
			out = append(out, fmt.Sprintf("%s由“%s”改为“%s”", label, from, to))
		}
	}
	q("文号", a.DocNumber, b.DocNumber)
	q("制定机关", a.IssuersText(), b.IssuersText())
	q("文种", a.KindLabel(), b.KindLabel())
	q("成文日期", a.SignedOn.String(), b.SignedOn.String())
	q("发布日期", a.PublishedOn.String(), b.PublishedOn.String())
	q("施行日期", a.EffectiveOn.String(), b.EffectiveOn.String())
	q("有效期至", a.ExpiresOn.String(), b.ExpiresOn.String())
	q("有效期理由", a.PeriodReason, b.PeriodReason)
	if a.DivisionID != b.DivisionID {
		out = append(out, "起草处室已变更")
	}
	q("状态", a.Status.Label(), b.Status.Label())
	return out
}

// ---------------------------------------------------------------- status

// Change is a manual status change: amended or repealed by another
// document of the agency.
type Change struct {
	To            Status
	On            civil.Date
	Reason        string
	RelatedItemID int64
	RelatedIndex  string // the other item's 索引号, when not chosen from the list
}

// ChangeStatus marks a document amended or repealed by another document
// (an item of the agency, published); both pages then link each other.
func (s *Service) ChangeStatus(ctx context.Context, p *auth.Principal, itemID int64, ch Change) error {
	d, err := s.scoped(ctx, s.DB.R, p, itemID, auth.ManageNormative)
	if err != nil {
		return err
	}
	today := s.today()
	ch.Reason = strings.TrimSpace(ch.Reason)
	ch.RelatedIndex = strings.TrimSpace(ch.RelatedIndex)
	f := map[string]string{}
	if ch.To != Amended && ch.To != Repealed {
		f["to"] = "请选择“已修改”或“已废止”。"
	}
	if ch.On.IsZero() {
		f["on"] = "请填写修改或废止的日期。"
	} else if ch.On.After(today) {
		f["on"] = "日期不能晚于今天（" + today.String() + "）；请在修改或废止生效后登记。"
	} else if ch.On.Before(d.PublishedOn) {
		f["on"] = "日期不能早于本文件的发布日期（" + d.PublishedOn.String() + "）。"
	}
	checkText(f, "reason", "说明", ch.Reason, true, maxReason)
	var rel ItemRef
	switch {
	case ch.RelatedItemID == 0 && ch.RelatedIndex == "":
		f["related"] = "请选择修改或废止本文件的文件，或填写其索引号。"
	case ch.RelatedItemID == 0:
		checkLine(f, "related_index", "索引号", ch.RelatedIndex, true, 60)
		if _, bad := f["related_index"]; !bad {
			r, err := s.Items.ByIndexNumber(ctx, p.AgencyID, ch.RelatedIndex)
			if apperr.Is(err, apperr.NotFound) {
				f["related_index"] = "本单位没有索引号为 " + ch.RelatedIndex + " 的信息。"
			} else if err != nil {
				return err
			}
			rel = r
		}
	default:
		r, err := s.Items.Item(ctx, ch.RelatedItemID)
		if apperr.Is(err, apperr.NotFound) || (err == nil && r.AgencyID != p.AgencyID) {
			f["related"] = "请选择本单位的文件。"
		} else if err != nil {
			return err
		}
		rel = r
	}
	if rel.ID != 0 {
		key := "related"
		if ch.RelatedItemID == 0 {
			key = "related_index"
		}
		switch {
		case rel.ID == d.ItemID:
			f[key] = "不能选择本文件自己。"
		case !rel.Public:
			f[key] = "《" + rel.Title + "》尚未发布：修改或废止本文件的文件须先公开发布。"
		}
	}
	if len(f) > 0 {
		return apperr.FieldErrors(f)
	}
	return s.tx(ctx, func(tx db.Tx) error {
		d, err := getDoc(ctx, tx, itemID)
		if err != nil {
			return err
		}
		return s.apply(ctx, tx, p.Actor(), p.UserID, d, ch.To, ch.On, ch.Reason, rel, 0)
	})
}

// checkChange refuses a change the document's state does not allow.
func checkChange(d *Document, to Status, on civil.Date, last civil.Date) string {
	verb := "修改"
	if to == Repealed {
		verb = "废止"
	}
	switch {
	case d.Status == Repealed:
		return "该文件已于" + last.Chinese() + "废止，不能再" + verb + "。"
	case on.After(d.ExpiresOn):
		return "该文件有效期至" + d.ExpiresOn.Chinese() + "，已于" + d.ExpiresOn.AddDays(1).Chinese() + "失效，不能在失效后" + verb + "。"
	}
	return ""
}

// apply changes a document's status in tx: the check, the event, the
// item's 有效性 and the audit entry. Manual changes and cleanups share it.
func (s *Service) apply(ctx context.Context, tx db.Tx, actor audit.Actor, actorID int64, d *Document, to Status, on civil.Date, reason string, rel ItemRef, cleanupID int64) error {
	var last civil.Date
	if d.Status == Repealed {
		tx.QueryRowContext(ctx, "SELECT on_date FROM normative_events WHERE item_id = $1 AND to_status = 'repealed' ORDER BY on_date DESC, id DESC LIMIT 1", d.ItemID).Scan(&last)
	}
	if msg := checkChange(d, to, on, last); msg != "" {
		return apperr.FieldErrors(map[string]string{"to": msg})
	}
	from := d.Status
	version := d.Version
	d.Status = to
	if err := saveDoc(ctx, tx, d, version); err != nil {
		return err
	}
	ev := &Event{ItemID: d.ItemID, From: from, To: to, On: on, ActorID: actorID, Actor: actor.Name, Reason: reason, RelatedItemID: rel.ID, CleanupID: cleanupID}
	if err := insertEvent(ctx, tx, ev); err != nil {
		return err
	}
	by := ""
	if rel.ID != 0 {
		by = "被《" + rel.Title + "》"
	}
	note := fmt.Sprintf("%s%s%s：%s", on.Chinese(), by, map[Status]string{Amended: "修改", Repealed: "废止"}[to], reason)
	if cleanupID != 0 {
		note = fmt.Sprintf("%s经清理决定%s：%s", on.Chinese(), map[Status]string{Amended: "修改", Repealed: "废止"}[to], reason)
	}
	if err := s.Items.SetValidity(ctx, tx, actor, d.ItemID, string(to), note); err != nil {
		return err
	}
	return record(ctx, tx, actor, d.AgencyID, "status", "item", id(d.ItemID), d.DocNumber+" "+from.Label()+" → "+to.Label()+"："+note)
}

// ---------------------------------------------------------------- jobs

// ExpireDue is the daily job: a 尚未生效 document becomes 现行有效 on its
// 施行 day, and a document in force becomes 已失效 on the day after its
// last day. It returns the number of changes.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	today := s.today()
	n := 0
	step := func(where string, to func(d *Document) (Status, civil.Date, string)) error {
		docs, err := queryDocs(ctx, s.DB.R, where, today)
		if err != nil {
			return err
		}
		for _, d := range docs {
			err := s.tx(ctx, func(tx db.Tx) error {
				cur, err := getDoc(ctx, tx, d.ItemID)
				if err != nil {
					return err
				}
				if cur.Status != d.Status || cur.Version != d.Version {
					return nil // changed meanwhile; the next run looks again
				}
				st, on, note := to(cur)
				cur.Status = st
				if err := saveDoc(ctx, tx, cur, d.Version); err != nil {
					return err
				}
				if err := insertEvent(ctx, tx, &Event{ItemID: cur.ItemID, From: d.Status, To: st, On: on, Actor: systemActor.Name, Reason: note}); err != nil {
					return err
				}
				if err := s.Items.SetValidity(ctx, tx, systemActor, cur.ItemID, string(st), note); err != nil {
					return err
				}
				return record(ctx, tx, systemActor, cur.AgencyID, "status", "item", id(cur.ItemID), cur.DocNumber+" "+d.Status.Label()+" → "+st.Label()+"："+note)
			})
			if err != nil {
				return fmt.Errorf("normative: status of %d: %w", d.ItemID, err)
			}
			n++
		}
		return nil
	}
	if err := step(" WHERE d.status = 'not_yet_effective' AND d.effective_on <= $1 ORDER BY d.item_id", func(d *Document) (Status, civil.Date, string) {
		return Valid, d.EffectiveOn, "自" + d.EffectiveOn.Chinese() + "起施行"
	}); err != nil {
		return n, err
	}
	if err := step(" WHERE d.status IN ('valid', 'amended') AND d.expires_on < $1 ORDER BY d.item_id", func(d *Document) (Status, civil.Date, string) {
		return Expired, d.ExpiresOn.AddDays(1), "有效期至" + d.ExpiresOn.Chinese() + "，期满自动失效"
	}); err != nil {
		return n, err
	}
	return n, nil
}

// RemindDue is the daily job that gives the drafting division an
// evaluation to-do (评估) the configured months (6) before a document in
// force expires. A reminder missed (job down, document registered late) is
// made on the next run. It returns the number made.
func (s *Service) RemindDue(ctx context.Context) (int, error) {
	today := s.today()
	docs, err := queryDocs(ctx, s.DB.R, ` WHERE d.status IN ('valid', 'amended', 'not_yet_effective') AND d.expires_on >= $1
		AND NOT EXISTS (SELECT 1 FROM normative_reminders r WHERE r.item_id = d.item_id AND r.expires_on = d.expires_on) ORDER BY d.expires_on, d.item_id`, today)
	if err != nil {
		return 0, err
	}
	settings := map[int64]Settings{}
	n := 0
	for _, d := range docs {
		st, ok := settings[d.AgencyID]
		if !ok {
			if st, err = loadSettings(ctx, s.DB.R, d.AgencyID); err != nil {
				return n, err
			}
			settings[d.AgencyID] = st
		}
		on := AddMonths(d.ExpiresOn, -st.RemindMonths)
		if on.After(today) {
			continue
		}
		err := s.DB.Tx(ctx, func(tx db.Tx) error {
			res, err := tx.ExecContext(ctx, `INSERT INTO normative_reminders (item_id, agency_id, division_id, expires_on, remind_on, created_at)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (item_id, expires_on) DO NOTHING`,
				d.ItemID, d.AgencyID, nullID(d.DivisionID), d.ExpiresOn, on, db.Now())
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil
			}
			n++
			return record(ctx, tx, systemActor, d.AgencyID, "remind", "item", id(d.ItemID),
				fmt.Sprintf("%s 将于 %s 到期，提醒%s开展评估", d.DocNumber, d.ExpiresOn, d.Division))
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Reminders are p's agency's open evaluation reminders, soonest first.
func (s *Service) Reminders(ctx context.Context, p *auth.Principal) ([]*Reminder, error) {
	if !allowed(p, auth.ViewItems) {
		return nil, errForbidden
	}
	rs, err := queryReminders(ctx, s.DB.R, "WHERE r.agency_id = $1 AND r.done_at IS NULL ORDER BY r.expires_on, r.id", p.AgencyID)
	if err != nil {
		return nil, err
	}
	return rs, s.attachDocs(ctx, rs)
}

func (s *Service) attachDocs(ctx context.Context, rs []*Reminder) error {
	for _, r := range rs {
		d, err := getDoc(ctx, s.DB.R, r.ItemID)
		if err != nil {
			return err
		}
		r.Doc = d
	}
	var docs []*Document
	for _, r := range rs {
		docs = append(docs, r.Doc)
	}
	return s.fill(ctx, docs)
}

// CloseReminder records the evaluation's outcome (延续、修改、废止…).
func (s *Service) CloseReminder(ctx context.Context, p *auth.Principal, reminderID int64, outcome string) error {
	if !allowed(p, auth.ManageNormative) {
		return errForbidden
	}
	outcome = strings.TrimSpace(outcome)
	f := map[string]string{}
	checkText(f, "outcome", "评估结论", outcome, true, maxReason)
	rs, err := queryReminders(ctx, s.DB.R, "WHERE r.id = $1 AND r.agency_id = $2", reminderID, p.AgencyID)
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		return apperr.NotFoundf("没有这条评估提醒。")
	}
	if rs[0].Done {
		return apperr.New(apperr.Conflict, "这条评估提醒已办结。")
	}
	if len(f) > 0 {
		return apperr.FieldErrors(f)
	}
	return s.tx(ctx, func(tx db.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE normative_reminders SET done_at = $1, done_by = $2, outcome = $3 WHERE id = $4 AND done_at IS NULL",
			db.Now(), p.Actor().Name, outcome, reminderID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "这条评估提醒已办结。")
		}
		return record(ctx, tx, p.Actor(), p.AgencyID, "evaluate", "item", id(rs[0].ItemID), "到期评估办结："+outcome)
	})
}

// ---------------------------------------------------------------- filings

// AddFiling records a 备案.
func (s *Service) AddFiling(ctx context.Context, p *auth.Principal, itemID int64, fl Filing) error {
	d, err := s.scoped(ctx, s.DB.R, p, itemID, auth.ManageNormative)
	if err != nil {
		return err
	}
	fl.FiledWith, fl.FilingNumber, fl.Note = strings.TrimSpace(fl.FiledWith), strings.TrimSpace(fl.FilingNumber), strings.TrimSpace(fl.Note)
	f := map[string]string{}
	checkLine(f, "filed_with", "备案机关", fl.FiledWith, true, maxLine)
	checkLine(f, "filing_number", "备案登记号", fl.FilingNumber, false, 60)
	checkText(f, "note", "备注", fl.Note, false, maxReason)
	switch {
	case fl.FiledOn.IsZero():
		if _, bad := f["filed_on"]; !bad {
			f["filed_on"] = "请填写备案日期。"
		}
	case fl.FiledOn.After(s.today()):
		f["filed_on"] = "备案日期不能晚于今天。"
	case fl.FiledOn.Before(d.SignedOn):
		f["filed_on"] = "备案日期不能早于成文日期（" + d.SignedOn.String() + "）。"
	}
	if len(f) > 0 {
		return apperr.FieldErrors(f)
	}
	return s.tx(ctx, func(tx db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO normative_filings (item_id, filed_with, filed_on, filing_number, note, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, d.ItemID, fl.FiledWith, fl.FiledOn, fl.FilingNumber, fl.Note, nullID(p.UserID), db.Now()); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), d.AgencyID, "filing", "item", id(d.ItemID),
			fmt.Sprintf("%s 已于 %s 报%s备案%s", d.DocNumber, fl.FiledOn, fl.FiledWith, map[bool]string{true: "（" + fl.FilingNumber + "）"}[fl.FilingNumber != ""]))
	})
}

// ---------------------------------------------------------------- reads

// fill attaches each document's item (and agency).
func (s *Service) fill(ctx context.Context, docs []*Document) error {
	if len(docs) == 0 {
		return nil
	}
	ids := make([]int64, len(docs))
	for i, d := range docs {
		ids[i] = d.ItemID
	}
	refs, err := s.Items.Items(ctx, ids)
	if err != nil {
		return err
	}
	for _, d := range docs {
		d.Item = refs[d.ItemID]
		if a, err := s.Agencies.Agency(ctx, d.AgencyID); err == nil {
			d.Agency = a
		}
	}
	return nil
}

// ListFilter selects p's agency's documents in the console.
type ListFilter struct {
	Status Status
	Q      string
}

// List returns p's agency's documents, newest first.
func (s *Service) List(ctx context.Context, p *auth.Principal, f ListFilter) ([]*Document, error) {
	if !allowed(p, auth.ViewItems) {
		return nil, errForbidden
	}
	args := []any{p.AgencyID}
	where := " WHERE d.agency_id = $1"
	if f.Status != "" {
		args = append(args, string(f.Status))
		where += " AND d.status = $2"
	}
	docs, err := queryDocs(ctx, s.DB.R, where+" ORDER BY d.published_on DESC, d.item_id DESC", args...)
	if err != nil {
		return nil, err
	}
	if err := s.fill(ctx, docs); err != nil {
		return nil, err
	}
	if f.Q == "" {
		return docs, nil
	}
	var out []*Document
	for _, d := range docs {
		if matches(d, f.Q) {
			out = append(out, d)
		}
	}
	return out, nil
}

func matches(d *Document, q string) bool {
	return strings.Contains(d.Item.Title, q) || strings.Contains(d.DocNumber, NormalizeDocNumber(q))
}

// Detail is a document with its history, filings, reminders, cleanups and
// the documents it amended or repealed.
type Detail struct {
	*Document
	Events   []*Event
	Outgoing []*Event // this document amended or repealed these
	Filings  []Filing
	Reminder []*Reminder
	Cleanups []*Cleanup
}

// LastEvent is the newest status change.
func (d *Detail) LastEvent() *Event {
	if len(d.Events) == 0 {
		return nil
	}
	return d.Events[len(d.Events)-1]
}

// Detail returns a document of p's agency.
func (s *Service) Detail(ctx context.Context, p *auth.Principal, itemID int64) (*Detail, error) {
	d, err := s.scoped(ctx, s.DB.R, p, itemID, auth.ViewItems)
	if err != nil {
		return nil, err
	}
	return s.detail(ctx, d, false)
}

func (s *Service) detail(ctx context.Context, d *Document, public bool) (*Detail, error) {
	if err := s.fill(ctx, []*Document{d}); err != nil {
		return nil, err
	}
	out := &Detail{Document: d}
	var err error
	if out.Events, err = queryEvents(ctx, s.DB.R, "WHERE item_id = $1 ORDER BY id", d.ItemID); err != nil {
		return nil, err
	}
	if out.Outgoing, err = queryEvents(ctx, s.DB.R, "WHERE related_item_id = $1 ORDER BY on_date, id", d.ItemID); err != nil {
		return nil, err
	}
	var ids []int64
	for _, e := range out.Events {
		if e.RelatedItemID != 0 {
			ids = append(ids, e.RelatedItemID)
		}
	}
	for _, e := range out.Outgoing {
		ids = append(ids, e.ItemID)
	}
	refs, err := s.Items.Items(ctx, ids)
	if err != nil {
		return nil, err
	}
	link := func(id int64) *ItemRef {
		if r, ok := refs[id]; ok && (r.Public || !public) {
			return &r
		}
		return nil
	}
	cleanups := map[int64]*Cleanup{}
	registered := map[int64]bool{}
	if len(ids) > 0 {
		var args []any
		rows, err := s.DB.R.QueryContext(ctx, "SELECT item_id FROM normative_documents WHERE item_id IN ("+inClause(&args, ids)+")", args...) // #nosec G202 -- inClause returns $N placeholders and puts the ids in args
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var n int64
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return nil, err
			}
			registered[n] = true
		}
		rows.Close()
	}
	for _, e := range out.Events {
		if e.RelatedItemID != 0 {
			e.Related = link(e.RelatedItemID)
			e.RelatedRegistered = registered[e.RelatedItemID]
		}
		if e.CleanupID != 0 {
			c, ok := cleanups[e.CleanupID]
			if !ok {
				if c, err = getCleanup(ctx, s.DB.R, e.CleanupID); err != nil {
					return nil, err
				}
				c.URL = CleanupURL(d.Agency, c.ID)
				cleanups[e.CleanupID] = c
			}
			e.Cleanup = c
		}
	}
	for _, e := range out.Outgoing {
		e.Related = link(e.ItemID)
	}
	if public {
		return out, nil
	}
	if out.Filings, err = queryFilings(ctx, s.DB.R, d.ItemID); err != nil {
		return nil, err
	}
	if out.Reminder, err = queryReminders(ctx, s.DB.R, "WHERE r.item_id = $1 ORDER BY r.expires_on, r.id", d.ItemID); err != nil {
		return nil, err
	}
	rows, err := s.DB.R.QueryContext(ctx, "SELECT cleanup_id FROM normative_cleanup_entries WHERE item_id = $1 ORDER BY cleanup_id", d.ItemID)
	if err != nil {
		return nil, err
	}
	var cids []int64
	for rows.Next() {
		var c int64
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, err
		}
		cids = append(cids, c)
	}
	rows.Close()
	for _, c := range cids {
		cl, err := getCleanup(ctx, s.DB.R, c)
		if err != nil {
			return nil, err
		}
		out.Cleanups = append(out.Cleanups, cl)
	}
	return out, nil
}

// Related lists the published documents of p's agency other than itemID,
// to choose the amending or repealing one.
func (s *Service) Related(ctx context.Context, p *auth.Principal, itemID int64) ([]*Document, error) {
	if !allowed(p, auth.ViewItems) {
		return nil, errForbidden
	}
	docs, err := queryDocs(ctx, s.DB.R, " WHERE d.agency_id = $1 AND d.item_id <> $2 ORDER BY d.published_on DESC, d.item_id DESC", p.AgencyID, itemID)
	if err != nil {
		return nil, err
	}
	if err := s.fill(ctx, docs); err != nil {
		return nil, err
	}
	var out []*Document
	for _, d := range docs {
		if d.Item.Public {
			out = append(out, d)
		}
	}
	return out, nil
}

// ---------------------------------------------------------------- notices

// Notice is a line on an item's public page.
type Notice struct {
	Warning        bool
	Text           string
	LinkText, URL  string
	DocumentNumber string
}

// Notices are the banners of an item's page: its own status with the date
// and the amending or repealing document, and the documents it amended or
// repealed.
func (s *Service) Notices(ctx context.Context, agencyID, itemID int64) ([]Notice, error) {
	var out []Notice
	d, err := getDoc(ctx, s.DB.R, itemID)
	switch {
	case apperr.Is(err, apperr.NotFound):
		d = nil
	case err != nil:
		return nil, err
	case d.AgencyID != agencyID:
		d = nil
	}
	if d != nil {
		det, err := s.detail(ctx, d, true)
		if err != nil {
			return nil, err
		}
		out = append(out, statusNotices(det)...)
		for _, e := range det.Outgoing {
			if e.Related == nil {
				continue
			}
			out = append(out, outgoingNotice(e))
		}
		return out, nil
	}
	// An item that is not registered may still have amended or repealed
	// registered documents.
	evs, err := queryEvents(ctx, s.DB.R, "WHERE related_item_id = $1 ORDER BY on_date, id", itemID)
	if err != nil || len(evs) == 0 {
		return nil, err
	}
	var ids []int64
	for _, e := range evs {
		ids = append(ids, e.ItemID)
	}
	refs, err := s.Items.Items(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, e := range evs {
		if r, ok := refs[e.ItemID]; ok && r.Public {
			e.Related = &r
			out = append(out, outgoingNotice(e))
		}
	}
	return out, nil
}

func outgoingNotice(e *Event) Notice {
	verb := "修改了"
	if e.To == Repealed {
		verb = "废止了"
	}
	return Notice{Text: "本文件" + verb + "（" + e.On.Chinese() + "）：", LinkText: "《" + e.Related.Title + "》", URL: e.Related.URL}
}

func statusNotices(d *Detail) []Notice {
	var out []Notice
	switch d.Status {
	case Valid:
		out = append(out, Notice{Text: fmt.Sprintf("本文件为行政规范性文件（%s），自%s起施行，有效期至%s。", d.DocNumber, d.EffectiveOn.Chinese(), d.ExpiresOn.Chinese())})
	case NotYetEffective:
		out = append(out, Notice{Text: fmt.Sprintf("本文件为行政规范性文件（%s），尚未生效，自%s起施行。", d.DocNumber, d.EffectiveOn.Chinese())})
	case Expired:
		on := d.ExpiresOn.AddDays(1)
		out = append(out, Notice{Warning: true, Text: fmt.Sprintf("本文件有效期至%s，已于%s失效。", d.ExpiresOn.Chinese(), on.Chinese())})
	}
	for _, e := range d.Events {
		if e.To != Amended && e.To != Repealed {
			continue
		}
		verb := map[Status]string{Amended: "修改", Repealed: "废止"}[e.To]
		switch {
		case e.Cleanup != nil && e.Cleanup.Published:
			out = append(out, Notice{Warning: true, Text: "本文件已于" + e.On.Chinese() + "经规范性文件清理决定" + verb + "，详见：",
				LinkText: "《" + e.Cleanup.Title + "》", URL: e.Cleanup.URL})
		case e.Related != nil:
			out = append(out, Notice{Warning: true, Text: "本文件已于" + e.On.Chinese() + "被以下文件" + verb + "：",
				LinkText: "《" + e.Related.Title + "》", URL: e.Related.URL})
		default:
			out = append(out, Notice{Warning: true, Text: "本文件已于" + e.On.Chinese() + verb + "。"})
		}
	}
	return out
}

// sortDocs orders documents newest first.
func sortDocs(docs []*Document) {
	sort.SliceStable(docs, func(i, j int) bool {
		if docs[i].PublishedOn != docs[j].PublishedOn {
			return docs[i].PublishedOn.After(docs[j].PublishedOn)
		}
		return docs[i].ItemID > docs[j].ItemID
	})
}

// runes counts characters.
func runes(s string) int { return utf8.RuneCountInString(s) }
