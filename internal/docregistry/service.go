package docregistry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/web"
)

// DraftRequest is what the disclosure workflow needs to start the draft
// information item of a proactive document.
type DraftRequest struct {
	AgencyID  int64
	DocNumber string
	Title     string
	Issuer    string
	SignedOn  civil.Date
	// FormedOn starts the item's own Art. 26 clock: the signing date, or
	// the day a re-review changed the attribute to 主动公开.
	FormedOn civil.Date
}

// Items is the disclosure workflow (internal/disclosure, wired in app).
type Items interface {
	// DraftItem creates a draft information item for the document on p's
	// behalf and returns its ID.
	DraftItem(ctx context.Context, p *auth.Principal, d DraftRequest) (int64, error)
	// ItemStates returns the state of the agency's items with these IDs
	// (IDs that are not the agency's are left out).
	ItemStates(ctx context.Context, agencyID int64, ids []int64) (map[int64]ItemState, error)
}

// DivisionRef is a division of an agency.
type DivisionRef struct {
	ID   int64
	Name string
}

// Directory gives the agencies' divisions and their liaisons
// (internal/agency, wired in app).
type Directory interface {
	Divisions(ctx context.Context, agencyID int64) ([]DivisionRef, error)
	// LiaisonUser is the staff account a division's work goes to (its
	// liaison officer, else the deputy), 0 when none is linked.
	LiaisonUser(ctx context.Context, divisionID int64) (int64, error)
}

// Deps are the services the registry uses.
type Deps struct {
	DB        *db.DB
	Calendar  *calendar.Service
	Items     Items
	Directory Directory
	Logger    *slog.Logger
	Now       func() time.Time
}

// Service is the registry's rules.
type Service struct{ Deps }

// deadlineOwner names the publication deadlines in the calendar's tracker.
const deadlineOwner = "official_document"

// NewService returns the service and keeps the stored due dates in step
// with calendar changes.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Calendar != nil {
		d.Calendar.OnChange(deadlineOwner, func(ctx context.Context, tx db.Tx, changed []calendar.Change) error {
			for _, c := range changed {
				if _, err := tx.ExecContext(ctx, "UPDATE official_documents SET due_on = $1 WHERE id = $2", c.NewDue, c.OwnerID); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return &Service{Deps: d}
}

// Today is the current date in Shanghai.
func (s *Service) Today() civil.Date { return civil.Of(s.Now()) }

var (
	errForbidden = apperr.New(apperr.Forbidden, "您无权管理本单位的公文备案。")
	errNone      = apperr.NotFoundf("没有这份公文的备案。")
	errStale     = apperr.New(apperr.Conflict, "这份公文的备案刚被其他人修改过，请刷新页面后再操作。")
)

func canManage(p *auth.Principal) error {
	if !auth.Allowed(p, auth.ManageDocuments) || p.AgencyID == 0 {
		return errForbidden
	}
	return nil
}

func canApprove(p *auth.Principal) error {
	if !auth.Allowed(p, auth.ApproveDocuments) || p.AgencyID == 0 {
		return apperr.New(apperr.Forbidden, "只有审核人员可以审核公文的公开属性。")
	}
	return nil
}

func record(ctx context.Context, tx db.Tx, p *auth.Principal, d *Document, action, summary, note string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO official_document_events (document_id, action, note, actor, created_at)
		VALUES ($1, $2, $3, $4, $5)`, d.ID, summary, note, p.Actor().Name, db.Now()); err != nil {
		return err
	}
	return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: d.AgencyID, Action: "document." + action, ObjectType: "official_document",
		ObjectID: strconv.FormatInt(d.ID, 10), Summary: summary + "：" + d.DocNumber + "《" + d.Title + "》"})
}

// ---------------------------------------------------------------- settings

// ReviewMonths is the agency's Art. 18 re-review interval.
func (s *Service) ReviewMonths(ctx context.Context, agencyID int64) (int, error) {
	return reviewMonths(ctx, s.DB.R, agencyID)
}

func reviewMonths(ctx context.Context, q db.Querier, agencyID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT review_months FROM docregistry_settings WHERE agency_id = $1", agencyID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultReviewMonths, nil
	}
	return n, err
}

// SetReviewMonths changes the agency's re-review interval (1–60 months).
func (s *Service) SetReviewMonths(ctx context.Context, p *auth.Principal, months int) error {
	if err := canManage(p); err != nil {
		return err
	}
	if months < 1 || months > 60 {
		return apperr.FieldErrors(map[string]string{"review_months": "复核周期须为 1–60 个月"})
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO docregistry_settings (agency_id, review_months, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (agency_id) DO UPDATE SET review_months = excluded.review_months, updated_at = excluded.updated_at`,
			p.AgencyID, months, db.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: p.AgencyID, Action: "document.settings", ObjectType: "agency",
			ObjectID: strconv.FormatInt(p.AgencyID, 10), Summary: fmt.Sprintf("不公开公文定期复核周期设为 %d 个月", months)})
	})
}

// ---------------------------------------------------------------- reads

// divisions returns the agency's divisions by ID.
func (s *Service) divisions(ctx context.Context, agencyID int64) (map[int64]string, []DivisionRef, error) {
	list, err := s.Directory.Divisions(ctx, agencyID)
	if err != nil {
		return nil, nil, err
	}
	m := make(map[int64]string, len(list))
	for _, d := range list {
		m[d.ID] = d.Name
	}
	return m, list, nil
}

// Divisions lists the agency's divisions for forms.
func (s *Service) Divisions(ctx context.Context, agencyID int64) ([]DivisionRef, error) {
	return s.Directory.Divisions(ctx, agencyID)
}

// complete fills in the items' states and the next re-review dates.
func (s *Service) complete(ctx context.Context, agencyID int64, docs []*Document) error {
	var ids []int64
	for _, d := range docs {
		if d.ItemID != 0 {
			ids = append(ids, d.ItemID)
		}
	}
	if len(ids) > 0 && s.Items != nil {
		states, err := s.Items.ItemStates(ctx, agencyID, ids)
		if err != nil {
			return err
		}
		for _, d := range docs {
			if st, ok := states[d.ItemID]; ok {
				d.Item = &st
			}
		}
	}
	months, err := s.ReviewMonths(ctx, agencyID)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if d.State == Approved && d.Attribute != Proactive && !d.ReviewBase.IsZero() {
			d.NextReview = addMonths(d.ReviewBase, months)
		}
	}
	return nil
}

// ListFilter narrows the ledger.
type ListFilter struct {
	DivisionID  int64
	Attribute   Attribute
	State       State
	Publication Publication
	Year        int // of the drafting date
	Query       string
	ReviewDue   bool // non-disclosed documents whose re-review is due within ReviewSoonDays
}

// List returns the agency's documents, newest first.
func (s *Service) List(ctx context.Context, p *auth.Principal, f ListFilter) ([]*Document, error) {
	if err := canManage(p); err != nil {
		return nil, err
	}
	return s.list(ctx, p.AgencyID, f)
}

func (s *Service) list(ctx context.Context, agencyID int64, f ListFilter) ([]*Document, error) {
	where := []string{"d.agency_id = $1"}
	args := []any{agencyID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.DivisionID != 0 {
		add("d.division_id = ?", f.DivisionID)
	}
	if f.Attribute != "" {
		add("d.attribute = ?", string(f.Attribute))
	}
	if f.State != "" {
		add("d.state = ?", string(f.State))
	}
	if f.Year != 0 {
		add("d.drafted_on >= ?", civil.New(f.Year, 1, 1))
		add("d.drafted_on <= ?", civil.New(f.Year, 12, 31))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
		args = append(args, like, like)
		n := len(args)
		where = append(where, fmt.Sprintf(`(d.title LIKE $%d ESCAPE '\' OR d.doc_number LIKE $%d ESCAPE '\')`, n-1, n))
	}
	docs, err := listDocuments(ctx, s.DB.R, strings.Join(where, " AND ")+" ORDER BY d.drafted_on DESC, d.id DESC", args...)
	if err != nil {
		return nil, err
	}
	if err := s.complete(ctx, agencyID, docs); err != nil {
		return nil, err
	}
	today := s.Today()
	if f.Publication != "" || f.ReviewDue {
		out := docs[:0]
		for _, d := range docs {
			if f.Publication != "" && d.Publication(today) != f.Publication {
				continue
			}
			if f.ReviewDue && (!d.ReviewDue() || d.NextReview.After(today.AddDays(ReviewSoonDays))) {
				continue
			}
			out = append(out, d)
		}
		docs = out
	}
	return docs, nil
}

// Get returns one of the principal's agency's documents.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*Document, error) {
	if err := canManage(p); err != nil {
		return nil, err
	}
	d, err := getDocument(ctx, s.DB.R, id)
	if err != nil {
		return nil, err
	}
	if d.AgencyID != p.AgencyID {
		return nil, errNone
	}
	if err := s.complete(ctx, d.AgencyID, []*Document{d}); err != nil {
		return nil, err
	}
	return d, nil
}

// History returns a document's events and re-reviews, oldest first.
func (s *Service) History(ctx context.Context, id int64) ([]Event, []Review, error) {
	events, err := listEvents(ctx, s.DB.R, id)
	if err != nil {
		return nil, nil, err
	}
	reviews, err := listReviews(ctx, s.DB.R, id)
	return events, reviews, err
}

// WorkingDaysLeft is the number of working days from today to due
// (negative: overdue by that many).
func (s *Service) WorkingDaysLeft(ctx context.Context, due civil.Date) (int, error) {
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return 0, err
	}
	return cal.WorkingDaysBetween(s.Today(), due)
}

// ---------------------------------------------------------------- changes

// Register records a new document at drafting; its attribute waits for
// approval. A duplicate 文号 in the agency is refused beside the field.
func (s *Service) Register(ctx context.Context, p *auth.Principal, in Input) (*Document, error) {
	if err := canManage(p); err != nil {
		return nil, err
	}
	v, err := s.validate(ctx, p.AgencyID, in)
	if err != nil {
		return nil, err
	}
	var d *Document
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		var err error
		d, err = s.insert(ctx, tx, p, v, "")
		if err != nil {
			return err
		}
		return record(ctx, tx, p, d, "register", "登记公文（公开属性："+d.Attribute.Label()+"）", d.Reason)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// validate checks the input, including that the division is the agency's.
func (s *Service) validate(ctx context.Context, agencyID int64, in Input) (parsed, error) {
	v, err := in.Validate(s.Today())
	fields := apperr.FieldsOf(err)
	if err != nil && fields == nil {
		return parsed{}, err
	}
	if in.DivisionID > 0 {
		names, _, derr := s.divisions(ctx, agencyID)
		if derr != nil {
			return parsed{}, derr
		}
		if _, ok := names[in.DivisionID]; !ok {
			if fields == nil {
				fields = map[string]string{}
			}
			fields["division_id"] = "所选起草处室不存在"
		}
	}
	if len(fields) > 0 {
		return parsed{}, apperr.FieldErrors(fields)
	}
	return v, nil
}

var errDuplicate = apperr.FieldErrors(map[string]string{"doc_number": "本单位已登记过这个文号，请核对（文号中的括号〔〕[]【】视为相同）"})

func (s *Service) insert(ctx context.Context, tx db.Tx, p *auth.Principal, v parsed, importHash string) (*Document, error) {
	now := db.Now()
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO official_documents (agency_id, doc_number, title, issuer, division_id, drafted_on, signed_on,
		attribute, ground, reason, state, import_hash, created_by, created_by_name, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id`,
		p.AgencyID, v.DocNumber, v.Title, v.Issuer, v.DivisionID, v.DraftedOn, v.SignedOn, string(v.Attribute), string(v.Ground), v.Reason,
		string(Pending), importHash, nullID(p.UserID), p.Actor().Name, now).Scan(&id)
	if db.IsUniqueViolation(err) {
		return nil, errDuplicate
	}
	if err != nil {
		return nil, err
	}
	return getDocument(ctx, tx, id)
}

// lock reads a document of the principal's agency for update.
func lock(ctx context.Context, tx db.Tx, p *auth.Principal, id int64) (*Document, error) {
	d, err := getDocumentForUpdate(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if d.AgencyID != p.AgencyID {
		return nil, errNone
	}
	return d, nil
}

// Update corrects a registration that waits for approval or was returned;
// a returned one goes back to the approver.
func (s *Service) Update(ctx context.Context, p *auth.Principal, id int64, in Input) error {
	if err := canManage(p); err != nil {
		return err
	}
	v, err := s.validate(ctx, p.AgencyID, in)
	if err != nil {
		return err
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		d, err := lock(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if in.Version != 0 && in.Version != d.Version {
			return errStale
		}
		if !d.State.Editable() {
			return apperr.New(apperr.Conflict, "公开属性已审核通过，不能再修改登记内容；签发日期请用“登记签发”，公开属性的变更请通过定期复核。")
		}
		_, err = tx.ExecContext(ctx, `UPDATE official_documents SET doc_number = $1, title = $2, issuer = $3, division_id = $4,
			drafted_on = $5, signed_on = $6, attribute = $7, ground = $8, reason = $9, state = $10, updated_at = $11, version = version + 1
			WHERE id = $12`, v.DocNumber, v.Title, v.Issuer, v.DivisionID, v.DraftedOn, v.SignedOn, string(v.Attribute), string(v.Ground),
			v.Reason, string(Pending), db.Now(), id)
		if db.IsUniqueViolation(err) {
			return errDuplicate
		}
		if err != nil {
			return err
		}
		what := "修改登记内容"
		if d.State == Returned {
			what = "修改后重新提交审核"
		}
		d.DocNumber, d.Title = v.DocNumber, v.Title
		return record(ctx, tx, p, d, "update", what+"（公开属性："+v.Attribute.Label()+"）", v.Reason)
	})
}

// Decide approves the attribute (approve=true) or returns it with a note
// (required). An approved proactive document that is signed gets its
// publication deadline and its draft item at once.
func (s *Service) Decide(ctx context.Context, p *auth.Principal, id int64, approve bool, note string, version int) error {
	if err := canApprove(p); err != nil {
		return err
	}
	note = strings.TrimSpace(note)
	f := map[string]string{}
	if !approve && note == "" {
		f["note"] = "退回时请写明需要修改的内容"
	}
	checkNote(f, "note", "审核意见", note)
	if len(f) > 0 {
		return apperr.FieldErrors(f)
	}
	var d *Document
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		var err error
		if d, err = lock(ctx, tx, p, id); err != nil {
			return err
		}
		if version != 0 && version != d.Version {
			return errStale
		}
		if d.State != Pending {
			return apperr.New(apperr.Conflict, "这份公文不在待审核状态（当前："+d.State.Label()+"）。")
		}
		if !approve {
			if _, err := tx.ExecContext(ctx, `UPDATE official_documents SET state = $1, approval_note = $2, updated_at = $3, version = version + 1
				WHERE id = $4`, string(Returned), note, db.Now(), id); err != nil {
				return err
			}
			return record(ctx, tx, p, d, "return", "退回公开属性（"+d.Attribute.Label()+"）", note)
		}
		now := db.Now()
		base := s.Today()
		if !d.SignedOn.IsZero() {
			base = d.SignedOn
		}
		if _, err := tx.ExecContext(ctx, `UPDATE official_documents SET state = $1, approval_note = $2, approved_by = $3, approved_at = $4,
			review_base = $5, updated_at = $4, version = version + 1 WHERE id = $6`,
			string(Approved), note, p.Actor().Name, now, base, id); err != nil {
			return err
		}
		d.State = Approved
		if err := s.startClock(ctx, tx, d, d.SignedOn); err != nil {
			return err
		}
		return record(ctx, tx, p, d, "approve", "审核通过公开属性（"+d.Attribute.Label()+"）", note)
	})
	if err != nil || !approve {
		return err
	}
	return s.EnsureDraft(ctx, p, id)
}

// startClock tracks the Art. 26 deadline of an approved proactive document
// from day (its signing, or a change to 主动公开); a zero day (not yet
// signed) leaves it unstarted.
func (s *Service) startClock(ctx context.Context, tx db.Tx, d *Document, day civil.Date) error {
	if d.Attribute != Proactive || d.State != Approved || day.IsZero() {
		return nil
	}
	var due civil.Date
	if s.Calendar != nil {
		res, err := s.Calendar.Track(ctx, tx, calendar.TrackedDeadline{Owner: deadlineOwner, OwnerID: strconv.FormatInt(d.ID, 10),
			Kind: "publish", Start: day, WorkingDays: PublishDays})
		if err != nil {
			return err
		}
		due = res.Due
	}
	d.DueFrom, d.DueOn = day, due
	_, err := tx.ExecContext(ctx, "UPDATE official_documents SET due_from = $1, due_on = $2 WHERE id = $3", day, due, d.ID)
	return err
}

// Sign records (or corrects, while no item exists) the signing date. An
// approved proactive document starts its clock and gets its draft item.
func (s *Service) Sign(ctx context.Context, p *auth.Principal, id int64, signed string) error {
	if err := canManage(p); err != nil {
		return err
	}
	day, perr := ParseDate(signed)
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		d, err := lock(ctx, tx, p, id)
		if err != nil {
			return err
		}
		switch {
		case strings.TrimSpace(signed) == "":
			return apperr.FieldErrors(map[string]string{"signed_on": "请填写签发日期"})
		case perr != nil:
			return apperr.FieldErrors(map[string]string{"signed_on": "签发日期格式应为 2025-01-31"})
		case day.After(s.Today()):
			return apperr.FieldErrors(map[string]string{"signed_on": "签发日期不能晚于今天"})
		case day.Before(d.DraftedOn):
			return apperr.FieldErrors(map[string]string{"signed_on": "签发日期不能早于起草日期"})
		case d.ItemID != 0:
			return apperr.New(apperr.Conflict, "已生成信息草稿，签发日期不能再修改；如需更正，请在信息草稿中修改成文日期。")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE official_documents SET signed_on = $1, updated_at = $2, version = version + 1 WHERE id = $3",
			day, db.Now(), id); err != nil {
			return err
		}
		oldSigned := d.SignedOn
		d.SignedOn = day
		if d.State == Approved && d.Attribute != Proactive && d.ReviewBase.Before(day) {
			if _, err := tx.ExecContext(ctx, "UPDATE official_documents SET review_base = $1 WHERE id = $2", day, id); err != nil {
				return err
			}
		}
		// The clock runs from the signing, or from a later change to 主动公开
		// made by a re-review before the document was signed.
		start := day
		if !d.DueFrom.IsZero() && d.DueFrom.After(oldSigned) && d.DueFrom.After(day) {
			start = d.DueFrom
		}
		if err := s.startClock(ctx, tx, d, start); err != nil {
			return err
		}
		return record(ctx, tx, p, d, "sign", "登记签发日期 "+day.String(), "")
	})
	if err != nil {
		return err
	}
	return s.EnsureDraft(ctx, p, id)
}

// draftClaim is how long one attempt to create a draft item holds the
// document against concurrent attempts (another instance, the job).
const draftClaim = 5 * time.Minute

// EnsureDraft creates the draft information item of an approved, signed
// proactive document that has none yet. Concurrent callers are kept from
// creating two items by a claim on the row; a failed attempt can be
// retried (the detail page offers it, and a job retries every hour).
func (s *Service) EnsureDraft(ctx context.Context, p *auth.Principal, id int64) error {
	if s.Items == nil {
		return nil
	}
	d, err := getDocument(ctx, s.DB.R, id)
	if err != nil {
		return err
	}
	if d.AgencyID != p.AgencyID && !p.Platform() {
		return errNone
	}
	if d.Attribute != Proactive || d.State != Approved || d.SignedOn.IsZero() || d.ItemID != 0 {
		return nil
	}
	now := s.Now().UTC()
	res, err := s.DB.W.ExecContext(ctx, `UPDATE official_documents SET draft_claimed_at = $1
		WHERE id = $2 AND item_id IS NULL AND (draft_claimed_at IS NULL OR draft_claimed_at < $3)`, now, id, now.Add(-draftClaim))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // another attempt is under way, or it is done
	}
	formed := d.SignedOn
	if d.DueFrom.After(formed) {
		formed = d.DueFrom
	}
	itemID, err := s.Items.DraftItem(ctx, p, DraftRequest{AgencyID: d.AgencyID, DocNumber: d.DocNumber, Title: d.Title, Issuer: d.Issuer,
		SignedOn: d.SignedOn, FormedOn: formed})
	if err != nil {
		s.DB.W.ExecContext(context.WithoutCancel(ctx), "UPDATE official_documents SET draft_claimed_at = NULL WHERE id = $1", id)
		s.Logger.Warn("document draft item not created", "document", id, "error", err)
		return apperr.Wrap(apperr.Conflict, "公开属性已保存，但生成信息草稿失败："+apperr.MessageOf(err)+"。请稍后在本页点击“生成信息草稿”重试。", err)
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE official_documents SET item_id = $1, draft_claimed_at = NULL, updated_at = $2 WHERE id = $3",
			itemID, db.Now(), id); err != nil {
			return err
		}
		return record(ctx, tx, p, d, "draft", fmt.Sprintf("生成信息草稿（信息编号 %d），发布期限 %s", itemID, d.DueOn), "")
	})
}

// DraftPending creates the missing draft items of every agency (the job's
// retry), acting as the registry on the agency's behalf.
func (s *Service) DraftPending(ctx context.Context) (int, error) {
	rows, err := s.DB.R.QueryContext(ctx, `SELECT id, agency_id FROM official_documents WHERE attribute = $1 AND state = $2
		AND signed_on IS NOT NULL AND item_id IS NULL ORDER BY id`, string(Proactive), string(Approved))
	if err != nil {
		return 0, err
	}
	type ref struct{ id, agency int64 }
	var refs []ref
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.id, &r.agency); err != nil {
			rows.Close()
			return 0, err
		}
		refs = append(refs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, r := range refs {
		p := &auth.Principal{Username: "docregistry", DisplayName: "公文备案", AgencyID: r.agency, Roles: auth.Roles{auth.Editor}, State: auth.StateActive}
		if err := s.EnsureDraft(ctx, p, r.id); err != nil {
			s.Logger.Warn("document draft retry failed", "document", r.id, "error", err)
			continue
		}
		n++
	}
	return n, nil
}

// ReviewDocument records an Art. 18 re-review of an approved non-disclosed
// document: kept (the next review is due an interval later) or changed
// (to another non-disclosed attribute with its ground and reason, or to
// 主动公开, which starts the publication clock from today and creates the
// draft item).
func (s *Service) ReviewDocument(ctx context.Context, p *auth.Principal, id int64, in ReviewInput) error {
	if err := canManage(p); err != nil {
		return err
	}
	today := s.Today()
	f := map[string]string{}
	note := strings.TrimSpace(in.Note)
	if note == "" {
		f["review_note"] = "请填写复核意见"
	}
	checkNote(f, "review_note", "复核意见", note)
	outcome := ReviewOutcome(in.Outcome)
	if outcome != Keep && outcome != Change {
		f["outcome"] = "请选择复核结论"
	}
	var v parsed
	if outcome == Change {
		// The change is validated like a registration's attribute.
		pv, err := Input{DocNumber: "沪〔2000〕1号", Title: "-", Issuer: "-", DivisionID: 1, DraftedOn: "2000-01-01",
			Attribute: in.Attribute, Ground: in.Ground, Reason: in.Reason}.Validate(today)
		for k, m := range apperr.FieldsOf(err) {
			f["review_"+k] = m
		}
		v = pv
	}
	if len(f) > 0 {
		return apperr.FieldErrors(f)
	}
	var changedToProactive bool
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		d, err := lock(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if d.State != Approved || d.Attribute == Proactive {
			return apperr.New(apperr.Conflict, "只有审核通过的依申请公开、不予公开公文需要定期复核。")
		}
		to := d.Attribute
		if outcome == Change {
			if v.Attribute == d.Attribute && v.Ground == d.Ground {
				return apperr.FieldErrors(map[string]string{"review_attribute": "变更后的公开属性和依据与原来相同；如不变更请选择“维持原公开属性”"})
			}
			to = v.Attribute
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO official_document_reviews (document_id, reviewed_on, outcome, from_attribute, to_attribute,
			note, reviewer, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, today, string(outcome), string(d.Attribute), string(to),
			note, p.Actor().Name, db.Now()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE official_documents SET review_base = $1, updated_at = $2, version = version + 1 WHERE id = $3",
			today, db.Now(), id); err != nil {
			return err
		}
		summary := "定期复核：维持" + d.Attribute.Label()
		if outcome == Change {
			if _, err := tx.ExecContext(ctx, "UPDATE official_documents SET attribute = $1, ground = $2, reason = $3 WHERE id = $4",
				string(v.Attribute), string(v.Ground), v.Reason, id); err != nil {
				return err
			}
			summary = "定期复核：公开属性由" + d.Attribute.Label() + "变更为" + v.Attribute.Label()
			if v.Attribute == Proactive {
				// Art. 26: the information changed today; the clock runs
				// from today once the document is signed.
				d.Attribute = Proactive
				changedToProactive = true
				if !d.SignedOn.IsZero() {
					if err := s.startClock(ctx, tx, d, today); err != nil {
						return err
					}
				} else if _, err := tx.ExecContext(ctx, "UPDATE official_documents SET due_from = $1 WHERE id = $2", today, id); err != nil {
					return err
				}
			}
		}
		return record(ctx, tx, p, d, "review", summary, note)
	})
	if err != nil || !changedToProactive {
		return err
	}
	return s.EnsureDraft(ctx, p, id)
}

func checkNote(f map[string]string, field, label, v string) {
	if len([]rune(v)) > maxNote {
		f[field] = label + "不能超过 " + strconv.Itoa(maxNote) + " 个字"
	} else if web.Unreadable(v) {
		f[field] = label + "含有无法识别的字符"
	}
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
