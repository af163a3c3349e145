package application

import (
	"context"
	"encoding/base64"
	"fmt"
	htmltemplate "html/template"
	"io"
	"log/slog"
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
	"github.com/gongkai/gongkai/internal/querycode"
	"github.com/gongkai/gongkai/internal/ratelimit"
	"github.com/gongkai/gongkai/internal/web"
)

// AgencyRef is what applications need to know of an agency.
type AgencyRef struct {
	ID               int64
	Slug, Name       string
	DisclosureOffice string
	Address          string
	Postcode         string
	Phone            string
	Fax              string
	Email            string
}

// Office is the name of the agency's OGI work unit, or the agency's.
func (a AgencyRef) Office() string {
	if a.DisclosureOffice != "" {
		return a.DisclosureOffice
	}
	return a.Name
}

// AgencyDirectory gives the agencies (implemented by the agency capability,
// wired in app).
type AgencyDirectory interface {
	Agency(ctx context.Context, id int64) (AgencyRef, error)
	AgencyBySlug(ctx context.Context, slug string) (AgencyRef, error)
	Agencies(ctx context.Context) ([]AgencyRef, error)
}

// SMS sends short text messages. The platform ships a logging
// implementation; a deployment plugs in its provider's gateway.
type SMS interface {
	Send(ctx context.Context, phone, text string) error
}

// LogSMS writes messages to the log instead of sending them.
type LogSMS struct{ Logger *slog.Logger }

// Send logs the message with the phone number masked.
func (l LogSMS) Send(ctx context.Context, phone, text string) error {
	if l.Logger != nil {
		l.Logger.InfoContext(ctx, "sms (not sent: no gateway configured)", "to", web.MaskPhone(phone), "text", text)
	}
	return nil
}

// PDFRenderer prints a self-contained HTML page to PDF (internal/pdf).
type PDFRenderer interface {
	Available() bool
	Render(ctx context.Context, page []byte) ([]byte, error)
}

// Deps are the services applications use.
type Deps struct {
	DB       *db.DB
	Calendar *calendar.Service
	Blobs    blob.Store
	Limiter  *ratelimit.Limiter
	Agencies AgencyDirectory
	SMS      SMS
	Logger   *slog.Logger
	// BaseURL is the portal's public address (for links in e-mails).
	BaseURL string
	// MaxUpload bounds one uploaded file (default 10 MB).
	MaxUpload int64
	// PDF prints letters (nil: HTML letters only).
	PDF PDFRenderer
	// Drafts makes proactive-disclosure drafts (Art. 44; nil: not offered).
	Drafts Drafts
	Now    func() time.Time
}

// Service is the rules of disclosure on application.
type Service struct {
	Deps
}

// deadlineOwner names applications' deadlines in the calendar's tracker.
const deadlineOwner = "application"

// Tracked deadline kinds.
const (
	kindReply            = "reply"             // Art. 33: 20 WD (+ extension, + Art. 35 delay), pauses excluded
	kindCorrectionNotice = "correction_notice" // Art. 30: the 补正 notice within 7 WD of receipt
	kindCorrection       = "correction"        // the applicant's time to correct
	kindPayment          = "payment"           // 20 WD to pay a fee
	kindConsultPrefix    = "consult-"          // Art. 32/34: 15 WD for an opinion
)

// Statutory periods, in working days.
const (
	ReplyDays            = 20 // Art. 33
	MaxExtensionDays     = 20 // Art. 33
	CorrectionNoticeDays = 7  // Art. 30
	ConsultationDays     = 15 // Art. 32, 34
	PaymentDays          = 20 // 信息处理费管理办法
)

// Pause notes (also shown in the deadline explanation).
const (
	pauseThirdParty = "征求第三方意见"
	pauseOtherOrgan = "征求其他机关意见"
	pauseFee        = "收费通知至缴费"
)

// NewService returns the service and registers its calendar listener.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.MaxUpload == 0 {
		d.MaxUpload = 10 << 20
	}
	if d.SMS == nil {
		d.SMS = LogSMS{Logger: d.Logger}
	}
	s := &Service{Deps: d}
	if d.Calendar != nil {
		d.Calendar.OnChange(deadlineOwner, s.calendarChanged)
	}
	return s
}

func (s *Service) today() civil.Date { return civil.Of(s.Now()) }

var errStale = apperr.New(apperr.Conflict, "这件申请刚被其他人处理过，请刷新页面后再操作。")

// ---------------------------------------------------------------- access

// CanSeePersonal reports whether p may see the applicant's identity,
// contact details and identity proof: the disclosure office of the agency
// (handlers and approvers) and the staff member the application is
// assigned to. Platform administrators and auditors may not.
func CanSeePersonal(p *auth.Principal, a *Application) bool {
	if p == nil || !p.Complete() || p.AgencyID == 0 || p.AgencyID != a.AgencyID {
		return false
	}
	return p.Roles.Any(auth.Handler, auth.Approver) || (a.HandlerID != 0 && a.HandlerID == p.UserID)
}

// canSee reports whether p may see the application at all.
func canSee(p *auth.Principal, a *Application) bool {
	if !auth.Allowed(p, auth.ViewApplications) || !p.CanActIn(a.AgencyID) {
		return false
	}
	if p.Roles.Any(auth.Handler, auth.Approver) || p.Platform() {
		return true
	}
	// A division's liaison: what is assigned to the division or to them.
	return (a.HandlerID != 0 && a.HandlerID == p.UserID) || (a.DivisionID != 0 && a.DivisionID == p.DivisionID)
}

func canAct(p *auth.Principal, a *Application) bool {
	if !auth.Allowed(p, auth.HandleApplications) || p.AgencyID != a.AgencyID {
		return false
	}
	return p.Roles.Any(auth.Handler, auth.Approver) || (a.HandlerID != 0 && a.HandlerID == p.UserID)
}

var errNoApp = apperr.NotFoundf("没有这件申请。")

// Get returns an application p may see.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*Application, error) {
	a, err := getApp(ctx, s.DB.R, id)
	if err != nil {
		return nil, err
	}
	if !canSee(p, a) {
		return nil, errNoApp
	}
	return a, nil
}

// List returns the applications of an agency p may see.
func (s *Service) List(ctx context.Context, p *auth.Principal, f ListFilter) ([]*Application, int, error) {
	if !auth.Allowed(p, auth.ViewApplications) || !p.CanActIn(f.AgencyID) {
		return nil, 0, apperr.New(apperr.Forbidden, "您无权查看申请。")
	}
	if !p.Platform() && !p.Roles.Any(auth.Handler, auth.Approver) {
		f.HandlerID = p.UserID // a liaison sees what is assigned to them
	}
	if f.Today.IsZero() {
		f.Today = s.today()
	}
	return listApps(ctx, s.DB.R, f)
}

// Detail is everything the console shows of one application.
type Detail struct {
	App           *Application
	Events        []Event
	Files         []File
	Consultations []Consultation
	Deadlines     []calendar.TrackedDeadline
	// MayReveal is set when the viewer may see the applicant's details;
	// Personal when they are shown (after RevealPersonal, which is audited).
	MayReveal bool
	Personal  bool
}

// Detail loads an application with its history, files and deadlines. The
// applicant's details are masked (RevealPersonal shows them, audited), and
// the identity proof is listed only for those who may see it.
func (s *Service) Detail(ctx context.Context, p *auth.Principal, id int64) (*Detail, error) {
	a, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	d := &Detail{App: a, MayReveal: CanSeePersonal(p, a)}
	if d.Events, err = listEvents(ctx, s.DB.R, id, false); err != nil {
		return nil, err
	}
	if d.Files, err = listFiles(ctx, s.DB.R, id); err != nil {
		return nil, err
	}
	if d.Consultations, err = listConsultations(ctx, s.DB.R, id); err != nil {
		return nil, err
	}
	if d.Deadlines, err = calendar.ListDeadlines(ctx, s.DB.R, deadlineOwner, ownerID(id)); err != nil {
		return nil, err
	}
	a.Applicant = a.Applicant.Masked()
	if !d.MayReveal {
		var files []File
		for _, f := range d.Files {
			if f.Kind != FileIdentity {
				files = append(files, f)
			}
		}
		d.Files = files
	}
	return d, nil
}

// RevealPersonal records, in the history and the audit log, that p opened
// the applicant's full details, and returns them.
func (s *Service) RevealPersonal(ctx context.Context, p *auth.Principal, id int64) (*Application, error) {
	a, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !CanSeePersonal(p, a) {
		return nil, apperr.New(apperr.Forbidden, "只有政府信息公开工作机构和本申请的承办人可以查看申请人的个人信息。")
	}
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		if err := addEvent(ctx, tx, a.ID, Event{On: s.today(), ActorID: p.UserID, Actor: p.Actor().Name, Action: "view_personal",
			Note: "查看申请人完整身份信息和联系方式"}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: a.AgencyID, Action: "application.personal.view",
			ObjectType: "application", ObjectID: a.Number, Summary: "查看申请 " + a.Number + " 的申请人个人信息"})
	})
	return a, err
}

// OpenFile opens a file of an application for p; identity proofs only for
// those who may see personal data. Every download is audited.
func (s *Service) OpenFile(ctx context.Context, p *auth.Principal, id, fileID int64) (File, io.ReadCloser, error) {
	a, err := s.Get(ctx, p, id)
	if err != nil {
		return File{}, nil, err
	}
	files, err := listFiles(ctx, s.DB.R, id)
	if err != nil {
		return File{}, nil, err
	}
	for _, f := range files {
		if f.ID != fileID {
			continue
		}
		if (f.Kind == FileIdentity || f.FromApplicant) && !CanSeePersonal(p, a) {
			return File{}, nil, apperr.New(apperr.Forbidden, "只有政府信息公开工作机构和本申请的承办人可以查看申请人提交的材料。")
		}
		rc, err := s.openAttachment(ctx, a.AgencyID, f.AttachmentID)
		if err != nil {
			return File{}, nil, err
		}
		err = s.DB.Tx(ctx, func(tx db.Tx) error {
			return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: a.AgencyID, Action: "application.file.download",
				ObjectType: "application", ObjectID: a.Number, Summary: fmt.Sprintf("下载申请 %s 的%s：%s", a.Number, f.Kind.Label(), f.Name)})
		})
		if err != nil {
			rc.Close()
			return File{}, nil, err
		}
		return f, rc, nil
	}
	return File{}, nil, apperr.NotFoundf("没有这个文件。")
}

func (s *Service) openAttachment(ctx context.Context, agencyID, attID int64) (io.ReadCloser, error) {
	_, rc, err := blob.OpenAttachment(ctx, s.DB.R, s.Blobs, agencyID, attID)
	return rc, err
}

// Masked returns the applicant with the name, numbers and address masked.
func (a Applicant) Masked() Applicant {
	m := a
	m.Name = web.MaskName(a.Name)
	m.IDNumber = maskMiddle(a.IDNumber, 3, 4)
	m.Phone = web.MaskPhone(a.Phone)
	if a.Email != "" {
		user, domain, _ := strings.Cut(a.Email, "@")
		m.Email = maskMiddle(user, 1, 0) + "@" + domain
	}
	if a.Address != "" {
		m.Address = "（已隐去）"
	}
	m.Contact = web.MaskName(a.Contact)
	return m
}

func maskMiddle(s string, head, tail int) string {
	r := []rune(s)
	if len(r) <= head+tail {
		return strings.Repeat("*", len(r))
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}

// ---------------------------------------------------------------- submitting

// Upload is a file sent with a form.
type Upload struct {
	Name   string
	Reader io.Reader
}

// Submission is an application as it arrives.
type Submission struct {
	AgencyID  int64
	Applicant Applicant
	Request   Request
	// Declaration: the applicant declares the details true (online form).
	Declaration bool
	Identity    *Upload
	// Staff recording (Record): the channel and its dates.
	Channel    Channel
	ReceivedOn civil.Date // arrival, or the day of submission in person
	SignedOn   civil.Date // registered mail: the day the organ signed for it
	IP         string
}

// Receipt is what the applicant gets back: the number and the query code,
// shown once.
type Receipt struct {
	App  *Application
	Code string
}

// Public form limits.
var (
	// SubmissionsPerIP: a household or office shares an address; more than
	// this an hour is automation.
	SubmissionsPerIP = ratelimit.Rule{Max: 10, Window: time.Hour}
	// ChallengeAfter: from this many submissions an hour from one address
	// on, the form asks its question (Service.NeedsChallenge).
	ChallengeAfter = ratelimit.Rule{Max: 3, Window: time.Hour}
	// SubmissionsPerIdentity bounds one identity number a day.
	SubmissionsPerIdentity = ratelimit.Rule{Max: 10, Window: 24 * time.Hour}
	// LookupsPerNumber and LookupsPerIP bound wrong query codes.
	LookupsPerNumber = ratelimit.Rule{Max: 5, Window: 15 * time.Minute}
	LookupsPerIP     = ratelimit.Rule{Max: 20, Window: 15 * time.Minute}
)

// NeedsChallenge reports whether the form should ask its question of ip.
func (s *Service) NeedsChallenge(ctx context.Context, ip string) bool {
	if s.Limiter == nil {
		return false
	}
	over, _, err := s.Limiter.Exceeded(ctx, "application.submit.soft:"+ratelimit.Client(ip), ChallengeAfter)
	return err == nil && over
}

// Validate checks a submission without saving it (fields keyed by form name).
func (sub *Submission) Validate(online bool, today civil.Date) map[string]string {
	fields := map[string]string{}
	sub.Applicant.Validate(fields)
	sub.Request.Validate(sub.Applicant, fields)
	if online {
		if !sub.Declaration {
			fields["declaration"] = "请阅读并勾选声明。"
		}
		if sub.Identity == nil {
			fields["identity"] = "请上传身份证明（身份证件或营业执照等的照片或扫描件）。"
		}
		return fields
	}
	if !sub.Channel.Valid() || sub.Channel == Online {
		fields["channel"] = "请选择收到申请的渠道。"
	}
	switch {
	case sub.ReceivedOn.IsZero():
		fields["received_on"] = "请填写收到申请的日期。"
	case sub.ReceivedOn.After(today):
		fields["received_on"] = "收到日期不能晚于今天。"
	case sub.ReceivedOn.Before(today.AddDays(-366)):
		fields["received_on"] = "收到日期不能早于一年前。"
	}
	if sub.Channel == RegisteredMail {
		switch {
		case sub.SignedOn.IsZero():
			fields["signed_on"] = "以需签收的邮件提交的，请填写签收日期（第三十一条）。"
		case sub.SignedOn.After(today):
			fields["signed_on"] = "签收日期不能晚于今天。"
		case !sub.ReceivedOn.IsZero() && sub.SignedOn.Before(sub.ReceivedOn):
			fields["signed_on"] = "签收日期不能早于收到日期。"
		}
	}
	return fields
}

// Submit files an online application from the portal. The identity proof
// is stored before the row commits; nothing is saved if anything fails.
func (s *Service) Submit(ctx context.Context, sub Submission) (*Receipt, error) {
	if _, err := s.Agencies.Agency(ctx, sub.AgencyID); err != nil {
		if down := db.Down(err); down != nil {
			return nil, down
		}
		return nil, apperr.NotFoundf("请选择受理申请的机关。")
	}
	if fields := sub.Validate(true, s.today()); len(fields) > 0 {
		return nil, apperr.FieldErrors(fields)
	}
	if s.Limiter != nil {
		if ok, retry, err := s.Limiter.Hit(ctx, "application.submit:"+ratelimit.Client(sub.IP), SubmissionsPerIP); err != nil {
			return nil, err
		} else if !ok {
			return nil, rateLimited(retry, "本网络提交的申请过多，请稍后再试；如需帮助，请致电政府信息公开工作机构。")
		}
		if ok, retry, err := s.Limiter.Hit(ctx, "application.submit.id:"+sub.Applicant.IDNumber, SubmissionsPerIdentity); err != nil {
			return nil, err
		} else if !ok {
			return nil, rateLimited(retry, "同一证件今日提交的申请已达上限，请明日再提交。")
		}
	}
	up, err := s.ingest(ctx, sub.Identity, true)
	if err != nil {
		if apperr.Is(err, apperr.Unavailable) {
			return nil, err // the attachments storage is full or failing: 503, try again later
		}
		return nil, apperr.FieldErrors(map[string]string{"identity": apperr.MessageOf(err)})
	}
	now := s.Now()
	a := &Application{AgencyID: sub.AgencyID, Channel: Online, State: Received, Applicant: sub.Applicant, Request: sub.Request,
		ReceivedAt: now.UTC(), ReceivedOn: civil.Of(now)}
	code := newCode()
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		if a.Number, err = nextNumber(ctx, tx, a.ReceivedOn.Year); err != nil {
			return err
		}
		a.codeHash = hashCode(a.Number, code)
		if err := insertApp(ctx, tx, a); err != nil {
			return err
		}
		attID, err := blob.InsertAttachment(ctx, tx, up.Attachment(a.AgencyID, "application", 0))
		if err != nil {
			return err
		}
		if err := addFile(ctx, tx, a.ID, attID, FileIdentity, true, false); err != nil {
			return err
		}
		ag, _ := s.Agencies.Agency(ctx, a.AgencyID)
		body := fmt.Sprintf("您的政府信息公开申请已提交，申请编号 %s。\n\n根据《中华人民共和国政府信息公开条例》第三十一条，通过互联网渠道提交的申请，以双方确认之日为收到申请之日。%s确认收到后，将在本页告知收到申请之日和答复期限。\n\n请妥善保管申请编号和查询码，凭二者可在“申请查询”中查看办理进度、补充材料或撤回申请。",
			a.Number, ag.Office())
		if err := s.notice(ctx, tx, a, Event{On: a.ReceivedOn, Actor: "申请人", Action: "submit", To: Received,
			NoticeTitle: "申请已提交", NoticeBody: body}, code); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Actor{Name: "申请人（网上）", IP: sub.IP}, audit.Event{AgencyID: a.AgencyID,
			Action: "application.submit", ObjectType: "application", ObjectID: a.Number, Summary: "网上提交政府信息公开申请 " + a.Number})
	})
	if err != nil {
		if db.RolledBack(err) {
			s.Blobs.Delete(context.WithoutCancel(ctx), up.Key)
		}
		return nil, err
	}
	if s.Limiter != nil {
		// Filed applications count towards the challenge (rejected input
		// does not: a citizen correcting a form is not a robot).
		s.Limiter.Hit(ctx, "application.submit.soft:"+ratelimit.Client(sub.IP), ChallengeAfter)
	}
	return &Receipt{App: a, Code: code}, nil
}

// Record files an application staff received in person, by mail, fax or
// e-mail, with the Art. 31 date of receipt of its channel: in person the
// day of submission, registered mail the day of signature — both
// registered at once; ordinary mail, fax and e-mail wait for the
// confirmation with the applicant (Register).
func (s *Service) Record(ctx context.Context, p *auth.Principal, sub Submission) (*Receipt, error) {
	if !auth.Allowed(p, auth.RecordApplications) || p.AgencyID != sub.AgencyID {
		return nil, apperr.New(apperr.Forbidden, "只有政府信息公开工作机构的工作人员可以录入申请。")
	}
	today := s.today()
	if fields := sub.Validate(false, today); len(fields) > 0 {
		return nil, apperr.FieldErrors(fields)
	}
	var up *blob.Upload
	if sub.Identity != nil {
		u, err := s.ingest(ctx, sub.Identity, true)
		if err != nil {
			return nil, apperr.FieldErrors(map[string]string{"identity": apperr.MessageOf(err)})
		}
		up = &u
	}
	a := &Application{AgencyID: sub.AgencyID, Channel: sub.Channel, State: Received, Applicant: sub.Applicant, Request: sub.Request,
		ReceivedAt: s.Now().UTC(), ReceivedOn: sub.ReceivedOn, CreatedBy: p.UserID}
	code := newCode()
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		var err error
		if a.Number, err = nextNumber(ctx, tx, a.ReceivedOn.Year); err != nil {
			return err
		}
		a.codeHash = hashCode(a.Number, code)
		if err := insertApp(ctx, tx, a); err != nil {
			return err
		}
		if up != nil {
			attID, err := blob.InsertAttachment(ctx, tx, up.Attachment(a.AgencyID, "application", p.UserID))
			if err != nil {
				return err
			}
			if err := addFile(ctx, tx, a.ID, attID, FileIdentity, true, false); err != nil {
				return err
			}
		}
		note := fmt.Sprintf("渠道：%s；收到日期：%s", a.Channel.Label(), a.ReceivedOn)
		if err := addEvent(ctx, tx, a.ID, Event{On: a.ReceivedOn, ActorID: p.UserID, Actor: p.Actor().Name, Action: "record",
			To: Received, Note: note}); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: a.AgencyID, Action: "application.record",
			ObjectType: "application", ObjectID: a.Number, Summary: "录入政府信息公开申请 " + a.Number + "（" + note + "）"}); err != nil {
			return err
		}
		switch a.Channel {
		case InPerson:
			return s.register(ctx, tx, p, a, a.ReceivedOn, "当面提交，以提交之日为收到申请之日（第三十一条）")
		case RegisteredMail:
			return s.register(ctx, tx, p, a, sub.SignedOn, "需签收的邮件，以签收之日为收到申请之日（第三十一条）")
		}
		return nil
	})
	if err != nil {
		if up != nil && db.RolledBack(err) {
			s.Blobs.Delete(context.WithoutCancel(ctx), up.Key)
		}
		return nil, err
	}
	return &Receipt{App: a, Code: code}, nil
}

// ingest stores an uploaded file: identity proofs and correction material
// are PDF or images only.
func (s *Service) ingest(ctx context.Context, u *Upload, imagesOrPDF bool) (blob.Upload, error) {
	up, err := blob.Ingest(ctx, s.Blobs, u.Name, u.Reader, s.MaxUpload)
	if err != nil {
		return blob.Upload{}, err
	}
	if imagesOrPDF && up.Kind != blob.PDF && up.Kind != blob.JPEG && up.Kind != blob.PNG {
		s.Blobs.Delete(context.WithoutCancel(ctx), up.Key)
		return blob.Upload{}, apperr.Invalidf("只接受 PDF、JPG 或 PNG 格式的文件。")
	}
	return up, nil
}

func rateLimited(retry time.Duration, msg string) error {
	mins := int(retry.Minutes()) + 1
	return apperr.New(apperr.RateLimited, fmt.Sprintf("%s（约 %d 分钟后可再试）", msg, mins))
}

func newCode() string { return querycode.New() }

func hashCode(number, code string) string { return querycode.Hash("application", number, code) }

// normalizeNumber reads an application number as typed: full-width digits
// and dashes become ASCII, spaces go.
func normalizeNumber(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case r == '－' || r == '—' || r == '–':
			return '-'
		case r == ' ' || r == '\u3000':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// Lookup finds an application by its number and query code, for the
// applicant's status page. Wrong codes are counted per number and per
// address; past the limits the lookup is refused for a while, whatever
// the code.
func (s *Service) Lookup(ctx context.Context, number, code, ip string) (*Application, error) {
	number = normalizeNumber(number)
	code = querycode.Normalize(code)
	if number == "" || code == "" {
		return nil, apperr.FieldErrors(map[string]string{"number": "请填写申请编号和查询码。"})
	}
	if len(number) > 20 || len(code) > 20 {
		return nil, apperr.FieldErrors(map[string]string{"number": "申请编号或查询码不正确。"})
	}
	if s.Limiter != nil {
		for _, k := range []struct {
			key  string
			rule ratelimit.Rule
		}{{"application.lookup.number:" + number, LookupsPerNumber}, {"application.lookup.ip:" + ratelimit.Client(ip), LookupsPerIP}} {
			over, retry, err := s.Limiter.Exceeded(ctx, k.key, k.rule)
			if err != nil {
				return nil, err
			}
			if over {
				return nil, rateLimited(retry, "查询码错误次数过多，查询已暂时锁定。")
			}
		}
	}
	a, err := getAppByNumber(ctx, s.DB.R, number)
	if err == nil && querycode.Match(a.codeHash, "application", number, code) {
		return a, nil
	}
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}
	if s.Limiter != nil {
		s.Limiter.Hit(ctx, "application.lookup.number:"+number, LookupsPerNumber)
		s.Limiter.Hit(ctx, "application.lookup.ip:"+ratelimit.Client(ip), LookupsPerIP)
	}
	return nil, apperr.FieldErrors(map[string]string{"number": "申请编号或查询码不正确。"})
}

// PublicStatus is what the applicant sees: the state, the dates, every
// notice, their own uploads and the files of the reply.
type PublicStatus struct {
	App     *Application
	Agency  AgencyRef
	Notices []Event
	Files   []File
	// CorrectionNoticeDue is the last day for the 补正 notice (while it may come).
	Consultations int
}

// Status loads the applicant's view of a (found by Lookup).
func (s *Service) Status(ctx context.Context, a *Application) (*PublicStatus, error) {
	st := &PublicStatus{App: a}
	var err error
	if st.Agency, err = s.Agencies.Agency(ctx, a.AgencyID); err != nil {
		return nil, err
	}
	if st.Notices, err = listEvents(ctx, s.DB.R, a.ID, true); err != nil {
		return nil, err
	}
	files, err := listFiles(ctx, s.DB.R, a.ID)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if f.Public || (f.FromApplicant && f.Kind != FileIdentity) {
			st.Files = append(st.Files, f)
		}
	}
	return st, nil
}

// ApplicantFile opens a file the applicant may download from the status page.
func (s *Service) ApplicantFile(ctx context.Context, a *Application, fileID int64) (File, io.ReadCloser, error) {
	st, err := s.Status(ctx, a)
	if err != nil {
		return File{}, nil, err
	}
	for _, f := range st.Files {
		if f.ID == fileID {
			rc, err := s.openAttachment(ctx, a.AgencyID, f.AttachmentID)
			return f, rc, err
		}
	}
	return File{}, nil, apperr.NotFoundf("没有这个文件。")
}

// ApplicantUpload adds correction material (while a 补正 notice is out) or
// a proof of payment (while a fee notice is out) from the status page.
func (s *Service) ApplicantUpload(ctx context.Context, a *Application, u Upload, ip string) error {
	var kind FileKind
	switch a.State {
	case Correction:
		kind = FileCorrection
	case Payment:
		kind = FilePayment
	default:
		return apperr.New(apperr.Conflict, "当前不需要补充材料。")
	}
	up, err := s.ingest(ctx, &u, false)
	if err != nil {
		return err
	}
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		cur, err := getApp(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		if cur.State != a.State {
			return apperr.New(apperr.Conflict, "申请状态已变化，请刷新页面。")
		}
		attID, err := blob.InsertAttachment(ctx, tx, up.Attachment(a.AgencyID, "application", 0))
		if err != nil {
			return err
		}
		if err := addFile(ctx, tx, a.ID, attID, kind, true, false); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, a.ID, Event{On: s.today(), Actor: "申请人", Action: "upload", Public: true,
			NoticeTitle: "已上传" + kind.Label(), NoticeBody: "您上传的" + kind.Label() + "（" + up.FileName + "）已收到，工作人员确认后将继续办理。"}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Actor{Name: "申请人（网上）", IP: ip}, audit.Event{AgencyID: a.AgencyID,
			Action: "application.applicant.upload", ObjectType: "application", ObjectID: a.Number, Summary: "申请人上传" + kind.Label()})
	})
	if db.RolledBack(err) {
		s.Blobs.Delete(context.WithoutCancel(ctx), up.Key)
	}
	return err
}

// ApplicantWithdraw lets the applicant withdraw an open application.
func (s *Service) ApplicantWithdraw(ctx context.Context, a *Application, reason, ip string) error {
	if utf8Len(reason) > 500 || hostile(reason) {
		return apperr.FieldErrors(map[string]string{"reason": "撤回理由不能超过 500 个字。"})
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		cur, err := getApp(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		if !ActWithdraw.Allowed(cur.State) {
			return apperr.New(apperr.Conflict, "这件申请已办结，不能撤回。")
		}
		from := cur.State
		if err := s.close(ctx, tx, cur, OutWithdrawn, s.today()); err != nil {
			return err
		}
		if err := saveApp(ctx, tx, cur); err != nil {
			return err
		}
		body := "您已撤回政府信息公开申请 " + cur.Number + "，本申请不再办理。"
		if reason != "" {
			body += "\n撤回理由：" + reason
		}
		if err := s.notice(ctx, tx, cur, Event{On: s.today(), Actor: "申请人", Action: ActWithdraw, From: from, To: Closed,
			NoticeTitle: "申请已撤回", NoticeBody: body}, ""); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Actor{Name: "申请人（网上）", IP: ip}, audit.Event{AgencyID: cur.AgencyID,
			Action: "application.withdraw", ObjectType: "application", ObjectID: cur.Number, Summary: "申请人撤回申请"})
	})
}

// ApplicantPaid records the applicant's statement that the fee is paid; the
// work unit confirms the payment (ActFeePaid).
func (s *Service) ApplicantPaid(ctx context.Context, a *Application, ip string) error {
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		cur, err := getApp(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		if cur.State != Payment {
			return apperr.New(apperr.Conflict, "当前没有待缴的费用。")
		}
		if err := addEvent(ctx, tx, cur.ID, Event{On: s.today(), Actor: "申请人", Action: "fee_confirmed", Public: true,
			NoticeTitle: "已告知缴费", NoticeBody: "您已告知已缴纳信息处理费，工作人员核实后将继续办理。"}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Actor{Name: "申请人（网上）", IP: ip}, audit.Event{AgencyID: cur.AgencyID,
			Action: "application.applicant.paid", ObjectType: "application", ObjectID: cur.Number, Summary: "申请人告知已缴费"})
	})
}

func utf8Len(s string) int { return len([]rune(s)) }

func ownerID(id int64) string { return strconv.FormatInt(id, 10) }

// replyNotice returns the reply letter as it was sent (the reply event's notice).
func (s *Service) replyNotice(ctx context.Context, a *Application) (string, error) {
	var body string
	err := s.DB.R.QueryRowContext(ctx, `SELECT notice_body FROM application_events WHERE application_id = $1 AND action = 'reply'
		ORDER BY id DESC LIMIT 1`, a.ID).Scan(&body)
	return body, err
}

// sealURL returns the agency's seal image as a data: URL, or "".
func (s *Service) sealURL(ctx context.Context, agencyID int64) htmltemplate.URL {
	set, err := loadSettings(ctx, s.DB.R, agencyID)
	if err != nil || set.SealAttachmentID == 0 {
		return ""
	}
	att, err := blob.GetAttachment(ctx, s.DB.R, agencyID, set.SealAttachmentID)
	if err != nil || att.Size > 2<<20 || (att.ContentType != "image/png" && att.ContentType != "image/jpeg") {
		return ""
	}
	rc, err := s.Blobs.Open(ctx, att.Key)
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 2<<20))
	if err != nil {
		return ""
	}
	return htmltemplate.URL("data:" + att.ContentType + ";base64," + base64.StdEncoding.EncodeToString(b)) // #nosec G203 -- an image/png or image/jpeg data: URL (checked above), shown in <img src>
}
