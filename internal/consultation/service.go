package consultation

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/hottopic"
	"github.com/gongkai/gongkai/internal/notify"
	"github.com/gongkai/gongkai/internal/ratelimit"
	"github.com/gongkai/gongkai/internal/web"
)

// AgencyRef is what consultations need to know of an agency.
type AgencyRef struct {
	ID         int64
	Slug, Name string
}

// AgencyDirectory gives the agencies (wired in app).
type AgencyDirectory interface {
	Agency(ctx context.Context, id int64) (AgencyRef, error)
	AgencyBySlug(ctx context.Context, slug string) (AgencyRef, error)
}

// DecisionRef is a major decision a consultation may be held for.
type DecisionRef struct {
	ID    int64
	Title string
	URL   string // its public page
}

// Decisions gives the agency's major decisions (wired in app; nil: none).
type Decisions interface {
	Decisions(ctx context.Context, agencyID int64) ([]DecisionRef, error)
	Decision(ctx context.Context, agencyID, id int64) (DecisionRef, error)
	// PublicDecision is the decision only if the public may see it (its
	// year's catalogue is published).
	PublicDecision(ctx context.Context, agencyID, id int64) (DecisionRef, error)
}

// Deps are the services consultations use.
type Deps struct {
	DB        *db.DB
	Blobs     blob.Store
	Limiter   *ratelimit.Limiter
	Agencies  AgencyDirectory
	Decisions Decisions
	// BaseURL is the portal's address, for links in e-mails.
	BaseURL string
	Now     func() time.Time
	// Version, if set, is bumped when a consultation or its feedback is
	// published, so that cached public pages (the sitemap) are renewed.
	Version *web.DBVersion
}

// bump renews the content version in tx (no-op without one).
func (s *Service) bump(ctx context.Context, tx db.Tx) error {
	if s.Version == nil {
		return nil
	}
	return s.Version.Bump(ctx, tx)
}

// renewed makes this instance see a committed bump at once.
func (s *Service) renewed(err error) error {
	if err == nil && s.Version != nil {
		s.Version.Invalidate()
	}
	return err
}

// Service is the rules of public consultations.
type Service struct{ Deps }

// NewService returns the service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{Deps: d}
}

func (s *Service) today() civil.Date { return civil.Of(s.Now()) }

// Today is the service's day (Asia/Shanghai).
func (s *Service) Today() civil.Date { return s.today() }

func need(p *auth.Principal, perm auth.Permission, agencyID int64) error {
	if !auth.Allowed(p, perm) || !p.CanActIn(agencyID) {
		return apperr.New(apperr.Forbidden, "您无权执行此操作。")
	}
	return nil
}

// Public comment limits.
var (
	CommentsPerIP      = ratelimit.Rule{Max: 20, Window: time.Hour}
	CommentsPerContact = ratelimit.Rule{Max: 10, Window: 24 * time.Hour}
)

// MaxAttachment bounds a file sent with a comment or a document staff add.
const (
	MaxAttachment = 10 << 20
	MaxDocument   = 50 << 20
)

// ---------------------------------------------------------------- staff: the consultation

func (s *Service) checkDecision(ctx context.Context, agencyID, id int64) error {
	if id == 0 {
		return nil
	}
	if s.Decisions == nil {
		return apperr.FieldErrors(map[string]string{"decision_id": "请选择决策事项。"})
	}
	if _, err := s.Decisions.Decision(ctx, agencyID, id); err != nil {
		return apperr.FieldErrors(map[string]string{"decision_id": "所选决策事项不存在。"})
	}
	return nil
}

// Create saves a new draft consultation.
func (s *Service) Create(ctx context.Context, p *auth.Principal, agencyID int64, in Fields) (*Consultation, error) {
	if err := need(p, auth.ManageConsultations, agencyID); err != nil {
		return nil, err
	}
	opens, closes, fields := in.Validate(s.today())
	if len(fields) > 0 {
		return nil, apperr.FieldErrors(fields)
	}
	if err := s.checkDecision(ctx, agencyID, in.DecisionID); err != nil {
		return nil, err
	}
	var id int64
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		now := db.Now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO consultations (agency_id, decision_id, title, summary, draft, explanation, opens_on, closes_on,
				short_reason, state, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
			agencyID, nullID(in.DecisionID), in.Title, in.Summary, in.Draft, in.Explanation, opens, closes, in.ShortReason, string(Draft),
			nullID(p.UserID), now).Scan(&id); err != nil {
			return err
		}
		if err := replaceClauses(ctx, tx, id, SplitClauses(in.Draft)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: agencyID, Action: "consultation.create", ObjectType: "consultation",
			ObjectID: strconv.FormatInt(id, 10), Summary: "新建征求意见《" + in.Title + "》"})
	})
	if err != nil {
		return nil, err
	}
	return getConsultation(ctx, s.DB.R, id)
}

// Get returns a consultation of p's agency.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*Consultation, error) {
	c, err := getConsultation(ctx, s.DB.R, id)
	if err != nil {
		return nil, err
	}
	if !auth.Allowed(p, auth.ViewDecisions) || !p.CanActIn(c.AgencyID) {
		return nil, errNone
	}
	return c, nil
}

var errStale = apperr.New(apperr.Conflict, "这项征求意见刚被其他人修改过，请刷新页面后再保存。")

// Update saves a draft (only drafts change: once published, the clauses
// comments refer to stay as they were).
func (s *Service) Update(ctx context.Context, p *auth.Principal, id int64, version int, in Fields) error {
	opens, closes, fields := in.Validate(s.today())
	if len(fields) > 0 {
		return apperr.FieldErrors(fields)
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		c, err := getConsultation(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := need(p, auth.ManageConsultations, c.AgencyID); err != nil {
			return errNone
		}
		if c.State != Draft {
			return apperr.New(apperr.Conflict, "已发布的征求意见不能再修改草案；如需延长期限，请使用“延长征求意见期”。")
		}
		if version != 0 && version != c.Version {
			return errStale
		}
		if err := s.checkDecision(ctx, c.AgencyID, in.DecisionID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE consultations SET decision_id = $1, title = $2, summary = $3, draft = $4, explanation = $5,
				opens_on = $6, closes_on = $7, short_reason = $8, updated_at = $9, version = version + 1 WHERE id = $10`,
			nullID(in.DecisionID), in.Title, in.Summary, in.Draft, in.Explanation, opens, closes, in.ShortReason, db.Now(), id); err != nil {
			return err
		}
		if err := replaceClauses(ctx, tx, id, SplitClauses(in.Draft)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: c.AgencyID, Action: "consultation.update", ObjectType: "consultation",
			ObjectID: strconv.FormatInt(id, 10), Summary: "修改征求意见草稿《" + in.Title + "》"})
	})
}

// PublishProblems lists why c cannot be published on today, keyed by
// form field.
func PublishProblems(c *Consultation, clauses int, today civil.Date) map[string]string {
	f := map[string]string{}
	switch {
	case c.OpensOn.IsZero():
		f["opens_on"] = "请填写开始日期。"
	case c.OpensOn.Before(today):
		f["opens_on"] = "开始日期不能早于发布当天。"
	}
	switch {
	case c.ClosesOn.IsZero():
		f["closes_on"] = "请填写截止日期。"
	case !c.OpensOn.IsZero() && c.Days() < MinDays && strings.TrimSpace(c.ShortReason) == "":
		f["short_reason"] = fmt.Sprintf("征求意见期为 %d 日，少于 30 日：请说明理由（将随征求意见一并公布，《重大行政决策程序暂行条例》第十五条）。", c.Days())
	}
	if clauses == 0 {
		f["draft"] = "请填写草案正文。"
	}
	return f
}

// Publish opens a draft to the public on its dates.
func (s *Service) Publish(ctx context.Context, p *auth.Principal, id int64) error {
	return s.renewed(s.DB.Tx(ctx, func(tx db.Tx) error {
		c, err := getConsultation(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := need(p, auth.ManageConsultations, c.AgencyID); err != nil {
			return errNone
		}
		if c.State != Draft {
			return apperr.New(apperr.Conflict, "这项征求意见已经发布。")
		}
		clauses, err := listClauses(ctx, tx, id)
		if err != nil {
			return err
		}
		if f := PublishProblems(c, len(clauses), s.today()); len(f) > 0 {
			return apperr.FieldErrors(f)
		}
		now := db.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE consultations SET state = $1, published_at = $2, updated_at = $2, version = version + 1 WHERE id = $3`,
			string(Open), now, id); err != nil {
			return err
		}
		if err := s.bump(ctx, tx); err != nil {
			return err
		}
		summary := fmt.Sprintf("发布征求意见《%s》（%s 至 %s，%d 日）", c.Title, c.OpensOn, c.ClosesOn, c.Days())
		if c.Days() < MinDays {
			summary += "；少于 30 日的理由：" + c.ShortReason
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: c.AgencyID, Action: "consultation.publish", ObjectType: "consultation",
			ObjectID: strconv.FormatInt(id, 10), Summary: summary})
	}))
}

// Extend moves the closing day of an open consultation later (never
// earlier: people plan by the announced date).
func (s *Service) Extend(ctx context.Context, p *auth.Principal, id int64, closes civil.Date, reason string) error {
	reason = strings.TrimSpace(reason)
	fields := map[string]string{}
	web.CheckText(fields, "reason", "延长理由", reason, true, MaxReason)
	if len(fields) > 0 {
		return apperr.FieldErrors(fields)
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		c, err := getConsultation(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := need(p, auth.ManageConsultations, c.AgencyID); err != nil {
			return errNone
		}
		if c.PhaseOn(s.today()) != PhaseOpen && c.PhaseOn(s.today()) != PhaseUpcoming {
			return apperr.New(apperr.Conflict, "只有尚未结束的征求意见可以延长期限。")
		}
		if !closes.After(c.ClosesOn) {
			return apperr.FieldErrors(map[string]string{"closes_on": "新的截止日期须晚于原截止日期 " + c.ClosesOn.String() + "。"})
		}
		if _, err := tx.ExecContext(ctx, `UPDATE consultations SET closes_on = $1, updated_at = $2, version = version + 1 WHERE id = $3`, closes, db.Now(), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: c.AgencyID, Action: "consultation.extend", ObjectType: "consultation",
			ObjectID: strconv.FormatInt(id, 10), Summary: fmt.Sprintf("征求意见《%s》截止日期由 %s 延长至 %s：%s", c.Title, c.ClosesOn, closes, reason)})
	})
}

// Clauses returns a consultation's clauses.
func (s *Service) Clauses(ctx context.Context, id int64) ([]Clause, error) {
	return listClauses(ctx, s.DB.R, id)
}

// Files returns a consultation's documents.
func (s *Service) Files(ctx context.Context, id int64) ([]File, error) {
	return listFiles(ctx, s.DB.R, id)
}

// Upload is a file sent in.
type Upload struct {
	Name   string
	Reader io.Reader
}

// AddFile attaches a document (起草说明, 依据) to a consultation that has
// not closed.
func (s *Service) AddFile(ctx context.Context, p *auth.Principal, id int64, title string, up Upload) error {
	c, err := getConsultation(ctx, s.DB.R, id)
	if err != nil {
		return err
	}
	if err := need(p, auth.ManageConsultations, c.AgencyID); err != nil {
		return errNone
	}
	title = strings.TrimSpace(title)
	fields := map[string]string{}
	web.CheckText(fields, "file_title", "文件名称", title, true, MaxTitle)
	if strings.ContainsAny(title, "<>\n") {
		fields["file_title"] = "文件名称不能换行或包含尖括号。"
	}
	if len(fields) > 0 {
		return apperr.FieldErrors(fields)
	}
	if ph := c.PhaseOn(s.today()); ph == PhaseClosed || ph == PhaseAnswered {
		return apperr.New(apperr.Conflict, "征求意见已结束，不能再添加文件。")
	}
	u, err := blob.Ingest(ctx, s.Blobs, up.Name, up.Reader, MaxDocument)
	if err == nil && !documentKinds[u.Kind] {
		s.Blobs.Delete(context.WithoutCancel(ctx), u.Key)
		err = apperr.Invalidf("只接受 PDF、OFD、Word、Excel、JPG 或 PNG 文件。")
	}
	if err != nil {
		return apperr.FieldErrors(map[string]string{"file": apperr.MessageOf(err)})
	}
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		attID, err := blob.InsertAttachment(ctx, tx, u.Attachment(c.AgencyID, "consultation", p.UserID))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO consultation_files (consultation_id, attachment_id, title, created_at) VALUES ($1, $2, $3, $4)`,
			id, attID, title, db.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: c.AgencyID, Action: "consultation.file.add", ObjectType: "consultation",
			ObjectID: strconv.FormatInt(id, 10), Summary: "征求意见《" + c.Title + "》添加文件：" + title})
	})
	if db.RolledBack(err) {
		s.Blobs.Delete(context.WithoutCancel(ctx), u.Key)
	}
	return err
}

var documentKinds = map[blob.Kind]bool{blob.PDF: true, blob.OFD: true, blob.DOC: true, blob.DOCX: true, blob.XLS: true, blob.XLSX: true, blob.JPEG: true, blob.PNG: true}

// OpenFile opens a consultation's document; the public may open those of
// published consultations.
func (s *Service) OpenFile(ctx context.Context, p *auth.Principal, id, fileID int64) (File, io.ReadCloser, error) {
	c, err := getConsultation(ctx, s.DB.R, id)
	if err != nil {
		return File{}, nil, err
	}
	if c.State == Draft && (p == nil || need(p, auth.ViewDecisions, c.AgencyID) != nil) {
		return File{}, nil, errNone
	}
	files, err := listFiles(ctx, s.DB.R, id)
	if err != nil {
		return File{}, nil, err
	}
	for _, f := range files {
		if f.ID == fileID {
			_, rc, err := blob.OpenAttachment(ctx, s.DB.R, s.Blobs, c.AgencyID, f.AttachmentID)
			return f, rc, err
		}
	}
	return File{}, nil, apperr.NotFoundf("没有这个文件。")
}

// ListItem is a consultation in a list, with its comment count.
type ListItem struct {
	*Consultation
	Phase    Phase
	Comments int
	DaysLeft int
}

// List returns the agency's consultations for staff, newest first.
func (s *Service) List(ctx context.Context, p *auth.Principal) ([]ListItem, error) {
	if err := need(p, auth.ViewDecisions, p.AgencyID); err != nil {
		return nil, err
	}
	return s.list(ctx, p.AgencyID, false)
}

// PublicList returns an agency's published consultations (agencyID 0: all
// agencies'), open ones first.
func (s *Service) PublicList(ctx context.Context, agencyID int64) ([]ListItem, error) {
	return s.list(ctx, agencyID, true)
}

func (s *Service) list(ctx context.Context, agencyID int64, public bool) ([]ListItem, error) {
	q := "SELECT " + consultationColumns + ", (SELECT count(*) FROM comments m WHERE m.consultation_id = consultations.id) FROM consultations WHERE 1 = 1"
	var args []any
	if agencyID != 0 {
		args = append(args, agencyID)
		q += " AND agency_id = $1"
	}
	if public {
		q += " AND state <> 'draft'"
	}
	q += " ORDER BY COALESCE(published_at, created_at) DESC, id DESC LIMIT 500"
	rows, err := s.DB.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	today := s.today()
	var out []ListItem
	for rows.Next() {
		var li ListItem
		var n int
		c, err := scanConsultation(scanTail{rows, &n})
		if err != nil {
			return nil, err
		}
		li.Consultation, li.Comments, li.Phase, li.DaysLeft = c, n, c.PhaseOn(today), c.DaysLeft(today)
		out = append(out, li)
	}
	return out, rows.Err()
}

// scanTail scans a consultation row followed by extra columns.
type scanTail struct {
	row  interface{ Scan(...any) error }
	tail *int
}

func (s scanTail) Scan(dest ...any) error { return s.row.Scan(append(dest, s.tail)...) }

// Public returns a published consultation of the agency.
func (s *Service) Public(ctx context.Context, agencyID, id int64) (*Consultation, error) {
	c, err := getConsultation(ctx, s.DB.R, id)
	if down := db.Down(err); down != nil {
		return nil, down
	}
	if err != nil || c.AgencyID != agencyID || c.State == Draft {
		return nil, errNone
	}
	return c, nil
}

// Count is the number of comments received.
func (s *Service) Count(ctx context.Context, id int64) (int, error) {
	var n int
	err := s.DB.R.QueryRowContext(ctx, `SELECT count(*) FROM comments WHERE consultation_id = $1`, id).Scan(&n)
	return n, err
}

// ---------------------------------------------------------------- the public's comments

// SubmitComment files a comment from the public form while the period
// runs. A comment whose text repeats an earlier one is kept and marked.
func (s *Service) SubmitComment(ctx context.Context, agencyID, id int64, in CommentInput, ip string, up *Upload) (*Comment, error) {
	c, err := s.Public(ctx, agencyID, id)
	if err != nil {
		return nil, err
	}
	switch c.PhaseOn(s.today()) {
	case PhaseUpcoming:
		return nil, apperr.New(apperr.Conflict, "征求意见尚未开始，请于 "+c.OpensOn.Chinese()+"起提交意见。")
	case PhaseOpen:
	default:
		return nil, apperr.New(apperr.Conflict, "征求意见已于 "+c.ClosesOn.Chinese()+"结束，不再接收意见。")
	}
	clauses, err := listClauses(ctx, s.DB.R, id)
	if err != nil {
		return nil, err
	}
	if f := in.Validate(len(clauses)); len(f) > 0 {
		return nil, apperr.FieldErrors(f)
	}
	if s.Limiter != nil {
		if ok, _, err := s.Limiter.Hit(ctx, "consultation.comment:"+ratelimit.Client(ip), CommentsPerIP); err != nil {
			return nil, err
		} else if !ok {
			return nil, apperr.New(apperr.RateLimited, "本网络提交的意见过多，请稍后再试。")
		}
		if contact := in.Phone + in.Email; contact != "" {
			if ok, _, err := s.Limiter.Hit(ctx, "consultation.comment.contact:"+contact, CommentsPerContact); err != nil {
				return nil, err
			} else if !ok {
				return nil, apperr.New(apperr.RateLimited, "同一联系方式今日提交的意见已达上限，请明日再提交。")
			}
		}
	}
	var upload *blob.Upload
	if up != nil {
		u, err := blob.Ingest(ctx, s.Blobs, up.Name, up.Reader, MaxAttachment)
		if err == nil && !commentKinds[u.Kind] {
			s.Blobs.Delete(context.WithoutCancel(ctx), u.Key)
			err = apperr.Invalidf("只接受 PDF、Word、JPG 或 PNG 格式的附件。")
		}
		if err != nil {
			return nil, apperr.FieldErrors(map[string]string{"attachment": apperr.MessageOf(err)})
		}
		upload = &u
	}
	var clauseID int64
	if in.ClauseSeq > 0 {
		clauseID = clauses[in.ClauseSeq-1].ID
	}
	fp := Fingerprint(in.Body)
	var cid int64
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		var dup int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MIN(id), 0) FROM comments WHERE consultation_id = $1 AND fingerprint = $2`, id, fp).Scan(&dup); err != nil {
			return err
		}
		var attID int64
		if upload != nil {
			if attID, err = blob.InsertAttachment(ctx, tx, upload.Attachment(agencyID, "comment", 0)); err != nil {
				return err
			}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO comments (consultation_id, clause_id, body, name, phone, email, consent_publish, attachment_id,
				moderation, fingerprint, duplicate_of, ip, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
			id, nullID(clauseID), in.Body, in.Name, in.Phone, in.Email, in.Consent, nullID(attID), string(ModPending), fp, nullID(dup), ip, db.Now()).Scan(&cid); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Actor{Name: "公众（网上）", IP: ip}, audit.Event{AgencyID: agencyID, Action: "consultation.comment",
			ObjectType: "comment", ObjectID: strconv.FormatInt(cid, 10), Summary: "对《" + c.Title + "》提出意见"})
	})
	if err != nil {
		if upload != nil && db.RolledBack(err) {
			s.Blobs.Delete(context.WithoutCancel(ctx), upload.Key)
		}
		return nil, err
	}
	return getComment(ctx, s.DB.R, id, cid)
}

var commentKinds = map[blob.Kind]bool{blob.PDF: true, blob.DOCX: true, blob.DOC: true, blob.JPEG: true, blob.PNG: true}

// PublicComment is a comment as the public sees it: published only with
// the commenter's consent and after moderation, the name masked and
// identifiers in the text masked.
type PublicComment struct {
	ID          int64
	ClauseLabel string
	Body        string
	Name        string
	CreatedAt   time.Time
	Answer      Answer
	Reply       string
}

// ---------------------------------------------------------------- staff: comments

// Comments lists a consultation's comments for staff; contact details are
// masked.
func (s *Service) Comments(ctx context.Context, p *auth.Principal, id int64, f CommentFilter) ([]*Comment, int, error) {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, 0, err
	}
	list, total, err := listComments(ctx, s.DB.R, c.ID, f)
	for _, m := range list {
		maskContact(m)
	}
	return list, total, err
}

func maskContact(m *Comment) {
	m.Phone, m.Email = web.MaskPhone(m.Phone), web.MaskEmail(m.Email)
}

// Comment returns one comment; with contact, its contact details in
// full (the reveal is audited).
func (s *Service) Comment(ctx context.Context, p *auth.Principal, id, commentID int64, contact bool) (*Comment, error) {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	m, err := getComment(ctx, s.DB.R, id, commentID)
	if err != nil {
		return nil, err
	}
	if !contact {
		maskContact(m)
		return m, nil
	}
	if err := need(p, auth.AnswerComments, c.AgencyID); err != nil {
		return nil, err
	}
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: c.AgencyID, Action: "consultation.comment.contact", ObjectType: "comment",
			ObjectID: strconv.FormatInt(commentID, 10), Summary: "查看意见提出人联系方式"})
	})
	return m, err
}

// OpenAttachment opens the file a commenter sent (never public); staff
// who answer comments may, and each opening is audited.
func (s *Service) OpenAttachment(ctx context.Context, p *auth.Principal, id, commentID int64) (blob.Attachment, io.ReadCloser, error) {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return blob.Attachment{}, nil, err
	}
	if err := need(p, auth.AnswerComments, c.AgencyID); err != nil {
		return blob.Attachment{}, nil, err
	}
	m, err := getComment(ctx, s.DB.R, id, commentID)
	if err != nil {
		return blob.Attachment{}, nil, err
	}
	if m.AttachmentID == 0 {
		return blob.Attachment{}, nil, apperr.NotFoundf("这条意见没有附件。")
	}
	if err := s.DB.Tx(ctx, func(tx db.Tx) error {
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: c.AgencyID, Action: "consultation.comment.attachment", ObjectType: "comment",
			ObjectID: strconv.FormatInt(commentID, 10), Summary: "下载意见附件"})
	}); err != nil {
		return blob.Attachment{}, nil, err
	}
	return blob.OpenAttachment(ctx, s.DB.R, s.Blobs, c.AgencyID, m.AttachmentID)
}

// Stats counts a consultation's comments.
type Stats struct {
	Total, Pending, Approved, Rejected    int
	Answered, Adopted, Partly, NotAdopted int
	Unanswered                            int
	Duplicates, Campaign                  int
	OnWhole                               int
	ByClause                              map[int64]int
}

// Stats counts comments by moderation, answer, flag and clause.
func (s *Service) Stats(ctx context.Context, id int64) (Stats, error) {
	st := Stats{ByClause: map[int64]int{}}
	rows, err := s.DB.R.QueryContext(ctx, `SELECT c.moderation, COALESCE(NULLIF(c.answer, ''), COALESCE(g.answer, '')),
			c.duplicate_of IS NOT NULL, c.campaign IS NOT NULL, COALESCE(c.clause_id, 0), count(*)
		FROM comments c LEFT JOIN comment_groups g ON g.id = c.group_id WHERE c.consultation_id = $1
		GROUP BY c.moderation, COALESCE(NULLIF(c.answer, ''), COALESCE(g.answer, '')), c.duplicate_of IS NOT NULL, c.campaign IS NOT NULL, COALESCE(c.clause_id, 0)`, id)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var mod, ans string
		var dup, camp bool
		var clause int64
		var n int
		if err := rows.Scan(&mod, &ans, &dup, &camp, &clause, &n); err != nil {
			return st, err
		}
		st.Total += n
		switch Moderation(mod) {
		case ModPending:
			st.Pending += n
		case ModApproved:
			st.Approved += n
		case ModRejected:
			st.Rejected += n
		}
		switch Answer(ans) {
		case Adopted:
			st.Adopted += n
		case Partly:
			st.Partly += n
		case NotAdopted:
			st.NotAdopted += n
		default:
			if Moderation(mod) != ModRejected {
				st.Unanswered += n
			}
		}
		if dup {
			st.Duplicates += n
		}
		if camp {
			st.Campaign += n
		}
		if clause == 0 {
			st.OnWhole += n
		} else {
			st.ByClause[clause] += n
		}
	}
	st.Answered = st.Adopted + st.Partly + st.NotAdopted
	return st, rows.Err()
}

// Groups lists a consultation's comment groups.
func (s *Service) Groups(ctx context.Context, p *auth.Principal, id int64) ([]Group, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	return listGroups(ctx, s.DB.R, id)
}

// Bulk is an action on several comments at once.
type Bulk struct {
	IDs []int64
	// Action: approve, reject, group, ungroup, answer.
	Action string
	Reason string // reject
	// Group: an existing group, or a new one by its label.
	GroupID    int64
	GroupLabel string
	Answer     Answer
	Reply      string
}

// MaxBulk bounds one bulk action.
const MaxBulk = 5000

// Apply carries out a bulk action on comments of the consultation.
func (s *Service) Apply(ctx context.Context, p *auth.Principal, id int64, b Bulk) (int, error) {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return 0, err
	}
	perm := auth.AnswerComments
	if b.Action == "approve" || b.Action == "reject" {
		perm = auth.ModerateComments
	}
	if err := need(p, perm, c.AgencyID); err != nil {
		return 0, err
	}
	if len(b.IDs) == 0 {
		return 0, apperr.FieldErrors(map[string]string{"ids": "请先勾选意见。"})
	}
	if len(b.IDs) > MaxBulk {
		return 0, apperr.FieldErrors(map[string]string{"ids": fmt.Sprintf("一次最多处理 %d 条意见。", MaxBulk)})
	}
	b.Reason, b.Reply, b.GroupLabel = strings.TrimSpace(b.Reason), strings.TrimSpace(b.Reply), strings.TrimSpace(b.GroupLabel)
	fields := map[string]string{}
	switch b.Action {
	case "approve", "ungroup":
	case "reject":
		web.CheckText(fields, "reason", "不予公开的理由", b.Reason, true, MaxReason)
	case "group":
		if b.GroupID == 0 {
			web.CheckText(fields, "group_label", "分组名称", b.GroupLabel, true, MaxTitle)
		}
	case "answer":
		if !b.Answer.Valid() {
			fields["answer"] = "请选择采纳情况。"
		}
		web.CheckText(fields, "reply", "理由或说明", b.Reply, b.Answer != Adopted, MaxReply)
	default:
		return 0, apperr.Invalidf("未知的操作。")
	}
	if len(fields) > 0 {
		return 0, apperr.FieldErrors(fields)
	}
	if b.Action == "answer" || b.Action == "group" || b.Action == "ungroup" {
		if c.State == Draft {
			return 0, apperr.New(apperr.Conflict, "草稿没有意见。")
		}
		if c.State == Answered {
			return 0, apperr.New(apperr.Conflict, "采纳情况已经公布，不能再修改。")
		}
	}
	n := 0
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		groupID := b.GroupID
		if b.Action == "group" {
			if groupID == 0 {
				if err := tx.QueryRowContext(ctx, `INSERT INTO comment_groups (consultation_id, label, created_at) VALUES ($1, $2, $3) RETURNING id`,
					id, b.GroupLabel, db.Now()).Scan(&groupID); err != nil {
					return err
				}
			} else {
				var owner int64
				if err := tx.QueryRowContext(ctx, `SELECT consultation_id FROM comment_groups WHERE id = $1`, groupID).Scan(&owner); err != nil || owner != id {
					return apperr.FieldErrors(map[string]string{"group_id": "所选分组不存在。"})
				}
			}
		}
		now := db.Now()
		for start := 0; start < len(b.IDs); start += 500 {
			ids := b.IDs[start:min(start+500, len(b.IDs))]
			in, args := idList(ids, 3)
			var res interface{ RowsAffected() (int64, error) }
			var err error
			switch b.Action {
			case "approve":
				res, err = tx.ExecContext(ctx, `UPDATE comments SET moderation = $1, mod_reason = '' WHERE consultation_id = $2 AND id IN (`+in+`)`,
					append([]any{string(ModApproved), id}, args...)...)
			case "reject":
				res, err = tx.ExecContext(ctx, `UPDATE comments SET moderation = $1, mod_reason = $3 WHERE consultation_id = $2 AND id IN (`+shift(in, 1)+`)`,
					append([]any{string(ModRejected), id, b.Reason}, args...)...)
			case "group":
				res, err = tx.ExecContext(ctx, `UPDATE comments SET group_id = $1 WHERE consultation_id = $2 AND id IN (`+in+`)`,
					append([]any{groupID, id}, args...)...)
			case "ungroup":
				res, err = tx.ExecContext(ctx, `UPDATE comments SET group_id = NULL WHERE consultation_id = $1 AND id IN (`+shift(in, -1)+`)`,
					append([]any{id}, args...)...)
			case "answer":
				res, err = tx.ExecContext(ctx, `UPDATE comments SET answer = $1, reply = $3, answered_by = $4, answered_at = $5
					WHERE consultation_id = $2 AND moderation <> 'rejected' AND id IN (`+shift(in, 3)+`)`,
					append([]any{string(b.Answer), id, b.Reply, nullID(p.UserID), now}, args...)...)
			}
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: c.AgencyID, Action: "consultation.comments." + b.Action, ObjectType: "consultation",
			ObjectID: strconv.FormatInt(id, 10), Summary: fmt.Sprintf("《%s》：%s %d 条意见", c.Title, bulkLabels[b.Action], n)})
	})
	return n, err
}

var bulkLabels = map[string]string{"approve": "审核通过", "reject": "不予公开", "group": "归入分组", "ungroup": "移出分组", "answer": "答复"}

// idList writes $first, $first+1, … for ids.
func idList(ids []int64, first int) (string, []any) {
	var sb strings.Builder
	args := make([]any, len(ids))
	for i, id := range ids {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("$" + strconv.Itoa(first+i))
		args[i] = id
	}
	return sb.String(), args
}

// shift renumbers the placeholders of an idList by d.
func shift(in string, d int) string {
	parts := strings.Split(in, ", ")
	for i, p := range parts {
		n, _ := strconv.Atoi(strings.TrimPrefix(p, "$"))
		parts[i] = "$" + strconv.Itoa(n+d)
	}
	return strings.Join(parts, ", ")
}

// AnswerGroup sets the answer of a group (its comments without an answer
// of their own take it).
func (s *Service) AnswerGroup(ctx context.Context, p *auth.Principal, id, groupID int64, label string, a Answer, reply string) error {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	if err := need(p, auth.AnswerComments, c.AgencyID); err != nil {
		return err
	}
	label, reply = strings.TrimSpace(label), strings.TrimSpace(reply)
	fields := map[string]string{}
	web.CheckText(fields, "label", "分组名称", label, true, MaxTitle)
	if a != "" && !a.Valid() {
		fields["answer"] = "请选择采纳情况。"
	}
	web.CheckText(fields, "reply", "理由或说明", reply, a != "" && a != Adopted, MaxReply)
	if len(fields) > 0 {
		return apperr.FieldErrors(fields)
	}
	if c.State == Answered {
		return apperr.New(apperr.Conflict, "采纳情况已经公布，不能再修改。")
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE comment_groups SET label = $1, answer = $2, reply = $3 WHERE id = $4 AND consultation_id = $5`,
			label, string(a), reply, groupID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFoundf("没有这个分组。")
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: c.AgencyID, Action: "consultation.group.answer", ObjectType: "consultation",
			ObjectID: strconv.FormatInt(id, 10), Summary: fmt.Sprintf("《%s》分组“%s”：%s", c.Title, label, a.Label())})
	})
}

// Suggestion is a proposed group of similar comments.
type Suggestion struct {
	Label   string
	IDs     []int64
	Samples []string
}

// Suggest proposes groups of similar comments not yet grouped (the
// clustering of hot-topic discovery).
func (s *Service) Suggest(ctx context.Context, p *auth.Principal, id int64) ([]Suggestion, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	rows, err := s.DB.R.QueryContext(ctx, `SELECT id, body, created_at FROM comments WHERE consultation_id = $1 AND group_id IS NULL
		AND moderation <> 'rejected' ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	var ids []int64
	var docs []hottopic.Doc
	for rows.Next() {
		var cid int64
		var body string
		var at time.Time
		if err := rows.Scan(&cid, &body, &at); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, cid)
		docs = append(docs, hottopic.Doc{Key: strconv.FormatInt(cid, 10), Day: civil.Of(at), Text: body})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	clusters := hottopic.NewCorpus(hottopic.NewSegmenter(), docs).Cluster(hottopic.Options{})
	var out []Suggestion
	for _, k := range clusters {
		sg := Suggestion{Label: k.Label()}
		for j, m := range k.Members {
			sg.IDs = append(sg.IDs, ids[m])
			if j < 3 {
				sg.Samples = append(sg.Samples, firstRunes(docs[m].Text, 80))
			}
		}
		out = append(out, sg)
	}
	return out, nil
}

func firstRunes(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// Analyze marks the comments that are nearly the same as others (集中提交:
// at least CampaignMin near-copies) — shown as such, never hidden.
func (s *Service) Analyze(ctx context.Context, id int64) (int, error) {
	rows, err := s.DB.R.QueryContext(ctx, `SELECT id, body FROM comments WHERE consultation_id = $1 ORDER BY id`, id)
	if err != nil {
		return 0, err
	}
	var ids []int64
	var texts []string
	for rows.Next() {
		var cid int64
		var body string
		if err := rows.Scan(&cid, &body); err != nil {
			rows.Close()
			return 0, err
		}
		ids, texts = append(ids, cid), append(texts, body)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	groups := hottopic.NearDuplicates(texts, CampaignSimilarity)
	size := map[int]int{}
	for _, g := range groups {
		if g >= 0 {
			size[g]++
		}
	}
	flagged := 0
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE comments SET campaign = NULL WHERE consultation_id = $1 AND campaign IS NOT NULL`, id); err != nil {
			return err
		}
		// Exact repeats are marked as they arrive; two sent at the same
		// moment may both miss each other, so they are marked again here.
		if _, err := tx.ExecContext(ctx, `UPDATE comments SET duplicate_of = (SELECT MIN(c2.id) FROM comments c2
			WHERE c2.consultation_id = comments.consultation_id AND c2.fingerprint = comments.fingerprint AND c2.id < comments.id)
			WHERE consultation_id = $1`, id); err != nil {
			return err
		}
		byLead := map[int64][]int64{}
		for i, g := range groups {
			if g >= 0 && size[g] >= CampaignMin {
				byLead[ids[g]] = append(byLead[ids[g]], ids[i])
			}
		}
		for lead, members := range byLead {
			for start := 0; start < len(members); start += 500 {
				in, args := idList(members[start:min(start+500, len(members))], 3)
				if _, err := tx.ExecContext(ctx, `UPDATE comments SET campaign = $1 WHERE consultation_id = $2 AND id IN (`+in+`)`,
					append([]any{lead, id}, args...)...); err != nil {
					return err
				}
			}
			flagged += len(members)
		}
		return nil
	})
	return flagged, err
}

// Campaign detection: this many comments at least this similar.
const (
	CampaignMin        = 5
	CampaignSimilarity = 0.8
)

// CloseDue closes the consultations whose period has ended and marks
// their near-copies (the job, every few minutes).
func (s *Service) CloseDue(ctx context.Context) (int, error) {
	rows, err := s.DB.R.QueryContext(ctx, `SELECT id FROM consultations WHERE state = 'open' AND closes_on < $1`, s.today())
	if err != nil {
		return 0, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, id := range ids {
		if _, err := s.Analyze(ctx, id); err != nil {
			return 0, err
		}
		err := s.DB.Tx(ctx, func(tx db.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE consultations SET state = $1, closed_at = $2, version = version + 1 WHERE id = $3 AND state = 'open'`,
				string(Closed), db.Now(), id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil
			}
			return audit.Record(ctx, tx, audit.Actor{Name: "系统"}, audit.Event{Action: "consultation.close", ObjectType: "consultation",
				ObjectID: strconv.FormatInt(id, 10), Summary: "征求意见期届满，自动结束"})
		})
		if err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// AnalyzeOpen marks near-copies in the open consultations (the job).
func (s *Service) AnalyzeOpen(ctx context.Context) error {
	rows, err := s.DB.R.QueryContext(ctx, `SELECT id FROM consultations WHERE state = 'open'`)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		if _, err := s.Analyze(ctx, id); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ---------------------------------------------------------------- feedback

// PublishFeedback publishes the feedback report of a closed consultation
// whose comments are all answered, and mails the commenters who left an
// address.
func (s *Service) PublishFeedback(ctx context.Context, p *auth.Principal, id int64, intro string) error {
	intro = strings.TrimSpace(intro)
	fields := map[string]string{}
	web.CheckText(fields, "intro", "反馈说明", intro, true, MaxSummary)
	if len(fields) > 0 {
		return apperr.FieldErrors(fields)
	}
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	if err := need(p, auth.AnswerComments, c.AgencyID); err != nil {
		return err
	}
	a, err := s.Agencies.Agency(ctx, c.AgencyID)
	if err != nil {
		return err
	}
	return s.renewed(s.DB.Tx(ctx, func(tx db.Tx) error {
		c, err := getConsultation(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.PhaseOn(s.today()) != PhaseClosed {
			return apperr.New(apperr.Conflict, "征求意见结束后才能公布采纳情况。")
		}
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM comments c LEFT JOIN comment_groups g ON g.id = c.group_id
			WHERE c.consultation_id = $1 AND c.moderation <> 'rejected' AND c.answer = '' AND COALESCE(g.answer, '') = ''`, id).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return apperr.FieldErrors(map[string]string{"intro": fmt.Sprintf("还有 %d 条意见没有答复采纳情况（可在意见列表中筛选“未答复”）。", open)})
		}
		now := db.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE consultations SET state = $1, feedback_intro = $2, feedback_published_at = $3,
				closed_at = COALESCE(closed_at, $3), version = version + 1 WHERE id = $4`, string(Answered), intro, now, id); err != nil {
			return err
		}
		if err := s.bump(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, email FROM comments WHERE consultation_id = $1 AND email <> '' AND notified_at IS NULL`, id)
		if err != nil {
			return err
		}
		type target struct {
			id    int64
			email string
		}
		var ts []target
		for rows.Next() {
			var t target
			if err := rows.Scan(&t.id, &t.email); err != nil {
				rows.Close()
				return err
			}
			ts = append(ts, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		link := strings.TrimRight(s.BaseURL, "/") + FeedbackURL(a.Slug, id)
		sent := map[string]bool{}
		for _, t := range ts {
			if !sent[t.email] {
				sent[t.email] = true
				text := fmt.Sprintf("您好：\n\n感谢您对《%s》提出意见。%s已公布意见采纳情况，您可以在以下页面查看：\n%s\n\n本邮件由系统发送，请勿直接回复。\n", c.Title, a.Name, link)
				if _, err := notify.Queue(ctx, tx, notify.Message{To: []string{t.email}, Subject: "【征求意见反馈】" + c.Title, Text: text},
					notify.QueueOptions{AgencyID: c.AgencyID, Purpose: "consultation.feedback"}); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE comments SET notified_at = $1 WHERE id = $2`, now, t.id); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: c.AgencyID, Action: "consultation.feedback", ObjectType: "consultation",
			ObjectID: strconv.FormatInt(id, 10), Summary: fmt.Sprintf("公布《%s》意见采纳情况；通知 %d 位意见提出人", c.Title, len(sent))})
	}))
}

// URLs of a consultation's public pages.
func URL(slug string, id int64) string {
	return "/o/" + slug + "/consultations/" + strconv.FormatInt(id, 10)
}

// FeedbackURL is the public feedback report.
func FeedbackURL(slug string, id int64) string { return URL(slug, id) + "/feedback" }

// FeedbackEntry is a line of the feedback report: a group of comments or
// one comment, with how it was used.
type FeedbackEntry struct {
	Label   string // the group's summary, or the clause addressed
	Count   int
	Answer  Answer
	Reply   string
	Samples []PublicComment // comments whose authors agreed to publication
}

// Feedback is the published report.
type Feedback struct {
	*Consultation
	Stats   Stats
	Entries []FeedbackEntry
}

// PublicFeedback returns the feedback report of an answered consultation.
func (s *Service) PublicFeedback(ctx context.Context, agencyID, id int64) (*Feedback, error) {
	c, err := s.Public(ctx, agencyID, id)
	if err != nil {
		return nil, err
	}
	if c.State != Answered {
		return nil, apperr.NotFoundf("采纳情况尚未公布。")
	}
	st, err := s.Stats(ctx, id)
	if err != nil {
		return nil, err
	}
	fb := &Feedback{Consultation: c, Stats: st}
	list, _, err := listComments(ctx, s.DB.R, id, CommentFilter{ClauseSeq: -1})
	if err != nil {
		return nil, err
	}
	groups, err := listGroups(ctx, s.DB.R, id)
	if err != nil {
		return nil, err
	}
	byGroup := map[int64]*FeedbackEntry{}
	for _, g := range groups {
		e := &FeedbackEntry{Label: g.Label, Answer: g.Answer, Reply: g.Reply}
		byGroup[g.ID] = e
	}
	var singles []*FeedbackEntry
	for _, m := range list {
		if m.Moderation == ModRejected {
			continue
		}
		var e *FeedbackEntry
		if m.GroupID != 0 && m.Answer == "" {
			e = byGroup[m.GroupID]
		} else {
			label := m.ClauseLabel
			if label == "" {
				label = "对草案整体的意见"
			}
			e = &FeedbackEntry{Label: label, Answer: m.EffAnswer, Reply: m.EffReply}
			singles = append(singles, e)
		}
		e.Count++
		if m.Consent && m.Moderation == ModApproved && len(e.Samples) < 5 {
			e.Samples = append(e.Samples, publicComment(m))
		}
	}
	for _, g := range groups {
		if e := byGroup[g.ID]; e.Count > 0 {
			fb.Entries = append(fb.Entries, *e)
		}
	}
	for _, e := range singles {
		fb.Entries = append(fb.Entries, *e)
	}
	return fb, nil
}

// PublicComments returns the approved comments whose authors agreed to
// publication, newest first.
func (s *Service) PublicComments(ctx context.Context, id int64, limit int) ([]PublicComment, error) {
	rows, err := s.DB.R.QueryContext(ctx, "SELECT "+commentColumns+commentFrom+` WHERE c.consultation_id = $1 AND c.moderation = 'approved'
		AND c.consent_publish = TRUE ORDER BY c.id DESC LIMIT $2`, id, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PublicComment
	for rows.Next() {
		m, err := scanComment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, publicComment(m))
	}
	return out, rows.Err()
}

// ---------------------------------------------------------------- templates

// Templates returns the agency's answer templates.
func (s *Service) Templates(ctx context.Context, agencyID int64) ([]Template, error) {
	return listTemplates(ctx, s.DB.R, agencyID)
}

// MaxTemplates bounds an agency's templates.
const MaxTemplates = 50

// SaveTemplates replaces the agency's answer templates.
func (s *Service) SaveTemplates(ctx context.Context, p *auth.Principal, agencyID int64, ts []Template) error {
	if err := need(p, auth.ManageConsultations, agencyID); err != nil {
		return err
	}
	fields := map[string]string{}
	if len(ts) > MaxTemplates {
		fields["templates"] = fmt.Sprintf("答复模板不超过 %d 条。", MaxTemplates)
	}
	for i := range ts {
		ts[i].Text = strings.TrimSpace(ts[i].Text)
		if !ts[i].Answer.Valid() {
			fields["templates"] = "每行以“采纳：”“部分采纳：”或“未采纳：”开头。"
		}
		web.CheckText(fields, "templates", "答复模板", ts[i].Text, true, MaxReply)
	}
	if len(fields) > 0 {
		return apperr.FieldErrors(fields)
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM answer_templates WHERE agency_id = $1`, agencyID); err != nil {
			return err
		}
		for i, t := range ts {
			if _, err := tx.ExecContext(ctx, `INSERT INTO answer_templates (agency_id, answer, text, sort_order) VALUES ($1, $2, $3, $4)`,
				agencyID, string(t.Answer), t.Text, i); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: agencyID, Action: "consultation.templates", ObjectType: "agency",
			ObjectID: strconv.FormatInt(agencyID, 10), Summary: fmt.Sprintf("答复模板 %d 条", len(ts))})
	})
}

// ---------------------------------------------------------------- decisions

// Ref is a consultation as a decision's page lists it.
type Ref struct {
	ID          int64
	Title       string
	URL         string
	Phase       Phase
	OpensOn     civil.Date
	ClosesOn    civil.Date
	Comments    int
	FeedbackURL string
}

// ForDecision lists the published consultations held for a decision.
func (s *Service) ForDecision(ctx context.Context, decisionID int64) ([]Ref, error) {
	rows, err := s.DB.R.QueryContext(ctx, "SELECT "+consultationColumns+`, (SELECT count(*) FROM comments m WHERE m.consultation_id = consultations.id)
		FROM consultations WHERE decision_id = $1 AND state <> 'draft' ORDER BY opens_on, id`, decisionID)
	if err != nil {
		return nil, err
	}
	var list []ListItem
	for rows.Next() {
		var n int
		c, err := scanConsultation(scanTail{rows, &n})
		if err != nil {
			rows.Close()
			return nil, err
		}
		list = append(list, ListItem{Consultation: c, Comments: n})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Ref
	for _, li := range list {
		a, err := s.Agencies.Agency(ctx, li.AgencyID)
		if err != nil {
			return nil, err
		}
		r := Ref{ID: li.ID, Title: li.Title, URL: URL(a.Slug, li.ID), Phase: li.PhaseOn(s.today()), OpensOn: li.OpensOn, ClosesOn: li.ClosesOn, Comments: li.Comments}
		if li.State == Answered {
			r.FeedbackURL = FeedbackURL(a.Slug, li.ID)
		}
		out = append(out, r)
	}
	return out, nil
}

func publicComment(m *Comment) PublicComment {
	return PublicComment{ID: m.ID, ClauseLabel: m.ClauseLabel, Body: maskText(m.Body), Name: maskName(m.Name), CreatedAt: m.CreatedAt,
		Answer: m.EffAnswer, Reply: m.EffReply}
}
