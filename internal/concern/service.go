package concern

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
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/pii"
	"github.com/gongkai/gongkai/internal/querycode"
	"github.com/gongkai/gongkai/internal/ratelimit"
	"github.com/gongkai/gongkai/internal/sensitive"
	"github.com/gongkai/gongkai/internal/web"
)

// AgencyRef is what concerns need to know of an agency.
type AgencyRef struct {
	ID         int64
	Slug, Name string
}

// AgencyDirectory gives the agencies (wired in app).
type AgencyDirectory interface {
	Agency(ctx context.Context, id int64) (AgencyRef, error)
	AgencyBySlug(ctx context.Context, slug string) (AgencyRef, error)
}

// Deps are the services concerns use.
type Deps struct {
	DB       *db.DB
	Calendar *calendar.Service
	Limiter  *ratelimit.Limiter
	Blobs    blob.Store
	Agencies AgencyDirectory
	// Host is the portal's host name (site-error reports must name a page
	// of this site).
	Host string
	// BaseURL is the portal's public address, for links in e-mails.
	BaseURL string
	// ApplicationDocs and Responses connect hot-topic discovery to the
	// disclosure applications and to the information items (nil: topics
	// are found among the concerns only, and cannot be answered).
	ApplicationDocs ApplicationDocs
	Responses       Responses
	Now             func() time.Time
}

// Service is the rules of public concerns.
type Service struct{ Deps }

const deadlineOwner = "concern"

// NewService returns the service and registers its calendar listener.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &Service{Deps: d}
	if d.Calendar != nil {
		d.Calendar.OnChange(deadlineOwner, func(ctx context.Context, tx db.Tx, changed []calendar.Change) error {
			for _, c := range changed {
				if _, err := tx.ExecContext(ctx, "UPDATE concerns SET due_on = $1 WHERE id = $2", c.NewDue, c.OwnerID); err != nil {
					return err
				}
				id, _ := strconv.ParseInt(c.OwnerID, 10, 64)
				if err := addEvent(ctx, tx, id, Event{On: civil.Of(s.Now()), Actor: "系统", Action: "deadline",
					Note: fmt.Sprintf("工作日历调整：答复期限由 %s 调整为 %s", c.OldDue, c.NewDue)}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return s
}

func (s *Service) today() civil.Date { return civil.Of(s.Now()) }

var (
	errStale = apperr.New(apperr.Conflict, "这件来信刚被其他人处理过，请刷新页面后再操作。")
	errNone  = apperr.NotFoundf("没有这件来信。")
)

// Settings returns an agency's settings.
func (s *Service) Settings(ctx context.Context, agencyID int64) (Settings, error) {
	return loadSettings(ctx, s.DB.R, agencyID)
}

// UpdateSettings saves the leaders, the reply periods and the sensitive words.
func (s *Service) UpdateSettings(ctx context.Context, p *auth.Principal, in Settings) error {
	if !auth.Allowed(p, auth.ManageConcerns) || !p.CanActIn(in.AgencyID) {
		return apperr.New(apperr.Forbidden, "您无权修改回应关切设置。")
	}
	fields := map[string]string{}
	if len(in.Leaders) > 20 {
		fields["leaders"] = "领导不超过 20 位。"
	}
	for _, l := range in.Leaders {
		if l.Name == "" || hostile(l.Name+l.Title) || len([]rune(l.Label())) > 40 {
			fields["leaders"] = "每行填写“职务 姓名”，不超过 40 个字。"
		}
	}
	for c, n := range in.Days {
		if !c.Valid() || n < 1 || n > 60 {
			fields["days_"+string(c)] = "答复期限为 1 至 60 个工作日。"
		}
	}
	if _, err := sensitive.ParseList(in.SensitiveWords); err != nil {
		fields["sensitive_words"] = "敏感词有误：" + err.Error()
	}
	if msg := checkDomainTerms(in.DomainTerms); msg != "" {
		fields["domain_terms"] = msg
	}
	if len(fields) > 0 {
		return apperr.FieldErrors(fields)
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		if err := saveSettings(ctx, tx, in); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: in.AgencyID, Action: "concern.settings.update",
			ObjectType: "agency", ObjectID: strconv.FormatInt(in.AgencyID, 10), Summary: fmt.Sprintf("回应关切设置：领导 %d 位", len(in.Leaders))})
	})
}

// Public form limits.
var (
	PostsPerIP       = ratelimit.Rule{Max: 10, Window: time.Hour}
	PostsPerContact  = ratelimit.Rule{Max: 5, Window: 24 * time.Hour}
	LookupsPerIP     = ratelimit.Rule{Max: 20, Window: 15 * time.Minute}
	LookupsPerNumber = ratelimit.Rule{Max: 5, Window: 15 * time.Minute}
)

func newCode() string { return querycode.New() }

func hashCode(number, code string) string { return querycode.Hash("concern", number, code) }

// Upload is a file sent with a letter.
type Upload struct {
	Name   string
	Reader io.Reader
}

// MaxAttachment bounds a file sent with a letter.
const MaxAttachment = 10 << 20

// Submit files a letter from a public form and returns the case and its
// query code (shown once). The case is routed by the agency's rules and
// its reply period starts on the day it arrives. A picture or PDF sent
// with it (optional) is stored before the case commits.
func (s *Service) Submit(ctx context.Context, agencyID int64, l Letter, ip string, files ...Upload) (*Case, string, error) {
	if l.Channel != Mailbox && l.Channel != Board && l.Channel != SiteError {
		return nil, "", apperr.Invalidf("渠道无效。")
	}
	set, err := loadSettings(ctx, s.DB.R, agencyID)
	if err != nil {
		return nil, "", err
	}
	if fields := l.Validate(set.Leaders, s.Host); len(fields) > 0 {
		return nil, "", apperr.FieldErrors(fields)
	}
	if s.Limiter != nil {
		if ok, _, err := s.Limiter.Hit(ctx, "concern.post:"+ratelimit.Client(ip), PostsPerIP); err != nil {
			return nil, "", err
		} else if !ok {
			return nil, "", apperr.New(apperr.RateLimited, "本网络提交的留言过多，请稍后再试。")
		}
		if l.Phone != "" {
			if ok, _, err := s.Limiter.Hit(ctx, "concern.post.contact:"+l.Phone, PostsPerContact); err != nil {
				return nil, "", err
			} else if !ok {
				return nil, "", apperr.New(apperr.RateLimited, "同一联系电话今日提交的留言已达上限，请明日再提交。")
			}
		}
	}
	var ups []blob.Upload
	for _, f := range files {
		up, err := blob.Ingest(ctx, s.Blobs, f.Name, f.Reader, MaxAttachment)
		if err == nil && up.Kind != blob.PDF && up.Kind != blob.JPEG && up.Kind != blob.PNG {
			s.Blobs.Delete(context.WithoutCancel(ctx), up.Key)
			err = apperr.Invalidf("只接受 PDF、JPG 或 PNG 格式的附件。")
		}
		if err != nil {
			for _, u := range ups {
				s.Blobs.Delete(context.WithoutCancel(ctx), u.Key)
			}
			return nil, "", apperr.FieldErrors(map[string]string{"attachment": apperr.MessageOf(err)})
		}
		ups = append(ups, up)
	}
	if l.Channel != Mailbox {
		l.Leader = ""
	}
	if l.Channel == Board {
		l.Consent = true // a message board is public by nature
	}
	now := s.Now()
	c := &Case{AgencyID: agencyID, State: Received, Letter: l, ReceivedAt: now.UTC(), ReceivedOn: civil.Of(now), NotifyResponse: l.Notify}
	if l.Channel == Board {
		c.Moderation = ModPending
	}
	code := newCode()
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		routes, err := listRoutes(ctx, tx, agencyID)
		if err != nil {
			return err
		}
		if c.DivisionID = route(routes, l); c.DivisionID != 0 {
			c.State = Assigned
		}
		if c.Number, err = nextNumber(ctx, tx, c.ReceivedOn.Year); err != nil {
			return err
		}
		c.codeHash = hashCode(c.Number, code)
		if err := insertCase(ctx, tx, c); err != nil {
			return err
		}
		r, err := s.Calendar.Track(ctx, tx, calendar.TrackedDeadline{Owner: deadlineOwner, OwnerID: strconv.FormatInt(c.ID, 10), Kind: "reply",
			Start: c.ReceivedOn, WorkingDays: set.DaysFor(l.Channel)})
		if err != nil {
			return err
		}
		c.DueOn = r.Due
		if _, err := tx.ExecContext(ctx, "UPDATE concerns SET due_on = $1 WHERE id = $2", c.DueOn, c.ID); err != nil {
			return err
		}
		for _, up := range ups {
			attID, err := blob.InsertAttachment(ctx, tx, up.Attachment(agencyID, "concern", 0))
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO concern_files (concern_id, attachment_id, created_at) VALUES ($1, $2, $3)", c.ID, attID, db.Now()); err != nil {
				return err
			}
		}
		note := l.Channel.Label()
		if c.DivisionID != 0 {
			note += "；按分办规则自动分办"
		}
		if err := addEvent(ctx, tx, c.ID, Event{On: c.ReceivedOn, Actor: "来信人", Action: "receive", To: c.State, Note: note}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Actor{Name: "公众（网上）", IP: ip}, audit.Event{AgencyID: agencyID, Action: "concern.submit",
			ObjectType: "concern", ObjectID: c.Number, Summary: l.Channel.Label() + "：" + c.Number})
	})
	if err != nil {
		for _, u := range ups {
			if db.RolledBack(err) {
				s.Blobs.Delete(context.WithoutCancel(ctx), u.Key)
			}
		}
		return nil, "", err
	}
	return c, code, nil
}

// File is a file sent with a letter.
type File struct {
	ID           int64
	AttachmentID int64
	Name         string
	ContentType  string
	Size         int64
}

func listFiles(ctx context.Context, q db.Querier, id int64) ([]File, error) {
	rows, err := q.QueryContext(ctx, `SELECT f.id, f.attachment_id, a.file_name, a.content_type, a.size
		FROM concern_files f JOIN attachments a ON a.id = f.attachment_id WHERE f.concern_id = $1 ORDER BY f.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []File
	for rows.Next() {
		var f File
		if err := rows.Scan(&f.ID, &f.AttachmentID, &f.Name, &f.ContentType, &f.Size); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Files lists the files of a case p may see.
func (s *Service) Files(ctx context.Context, p *auth.Principal, id int64) ([]File, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	return listFiles(ctx, s.DB.R, id)
}

// OpenFile opens a file of a case for p; every download is audited.
func (s *Service) OpenFile(ctx context.Context, p *auth.Principal, id, fileID int64) (File, io.ReadCloser, error) {
	c, err := s.Get(ctx, p, id)
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
		_, rc, err := blob.OpenAttachment(ctx, s.DB.R, s.Blobs, c.AgencyID, f.AttachmentID)
		if err != nil {
			return File{}, nil, err
		}
		err = s.DB.Tx(ctx, func(tx db.Tx) error {
			return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: c.AgencyID, Action: "concern.file.download",
				ObjectType: "concern", ObjectID: c.Number, Summary: "下载来信 " + c.Number + " 的附件：" + f.Name})
		})
		if err != nil {
			rc.Close()
			return File{}, nil, err
		}
		return f, rc, nil
	}
	return File{}, nil, apperr.NotFoundf("没有这个文件。")
}

// Lookup finds a case by its number and query code (the writer's status page).
func (s *Service) Lookup(ctx context.Context, number, code, ip string) (*Case, error) {
	number, code = strings.ToUpper(strings.TrimSpace(number)), strings.TrimSpace(code)
	if number == "" || code == "" || len(number) > 20 || len(code) > 20 {
		return nil, apperr.FieldErrors(map[string]string{"number": "请填写编号和查询码。"})
	}
	if s.Limiter != nil {
		for _, k := range []struct {
			key  string
			rule ratelimit.Rule
		}{{"concern.lookup:" + ratelimit.Client(ip), LookupsPerIP}, {"concern.lookup.number:" + number, LookupsPerNumber}} {
			if over, _, err := s.Limiter.Exceeded(ctx, k.key, k.rule); err != nil {
				return nil, err
			} else if over {
				return nil, apperr.New(apperr.RateLimited, "查询码错误次数过多，查询已暂时锁定，请 15 分钟后再试。")
			}
		}
	}
	c, err := getCaseByNumber(ctx, s.DB.R, number)
	if err == nil && querycode.Match(c.codeHash, "concern", number, code) {
		return c, nil
	}
	if s.Limiter != nil {
		s.Limiter.Hit(ctx, "concern.lookup:"+ratelimit.Client(ip), LookupsPerIP)
		s.Limiter.Hit(ctx, "concern.lookup.number:"+number, LookupsPerNumber)
	}
	return nil, apperr.FieldErrors(map[string]string{"number": "编号或查询码不正确。"})
}

// Published is a case as public pages show it: the writer's name masked,
// personal identifiers in the text masked, no contact details.
type Published struct {
	Number      string
	Channel     Channel
	Leader      string
	Category    string
	Subject     string
	Body        string
	Writer      string
	ReceivedOn  civil.Date
	Reply       string
	RepliedOn   civil.Date
	PublishedAt time.Time
	// Response is the agency's published response article on the topic of
	// the letter (hot-topic discovery), if any.
	Response *ResponseItem
}

func published(c *Case) Published {
	p := Published{Number: c.Number, Channel: c.Channel, Leader: c.Leader, Category: c.Category, Subject: pii.MaskAll(c.Subject),
		Body: pii.MaskAll(c.Body), Writer: c.PublicName(), ReceivedOn: c.ReceivedOn, PublishedAt: c.PublishedAt}
	if c.State == Replied {
		p.Reply, p.RepliedOn = pii.MaskAll(c.Reply), c.RepliedOn
	}
	return p
}

// PublicList lists an agency's published letters or board messages, newest first.
func (s *Service) PublicList(ctx context.Context, agencyID int64, ch Channel, limit, offset int) ([]Published, int, error) {
	var total int
	if err := s.DB.R.QueryRowContext(ctx, `SELECT count(*) FROM concerns WHERE agency_id = $1 AND channel = $2 AND published = TRUE`,
		agencyID, ch).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.DB.R.QueryContext(ctx, "SELECT "+caseColumns+` FROM concerns WHERE agency_id = $1 AND channel = $2 AND published = TRUE
		ORDER BY published_at DESC, id DESC LIMIT $3 OFFSET $4`, agencyID, ch, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Published
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, published(c))
	}
	return out, total, rows.Err()
}

// PublicCase returns one published case of an agency.
func (s *Service) PublicCase(ctx context.Context, agencyID int64, number string) (Published, error) {
	c, err := getCaseByNumber(ctx, s.DB.R, number)
	if down := db.Down(err); down != nil {
		return Published{}, down
	}
	if err != nil || c.AgencyID != agencyID || !c.Published {
		return Published{}, errNone
	}
	p := published(c)
	p.Response = s.CaseResponse(ctx, c)
	return p, nil
}

// ---------------------------------------------------------------- staff

func canSee(p *auth.Principal, c *Case) bool {
	if !auth.Allowed(p, auth.ViewConcerns) || p.AgencyID == 0 || p.AgencyID != c.AgencyID {
		return false
	}
	return p.Roles.Any(auth.Handler, auth.Approver) || (c.HandlerID != 0 && c.HandlerID == p.UserID) ||
		(c.DivisionID != 0 && c.DivisionID == p.DivisionID)
}

// Get returns a case p may see, with the writer's contact details masked.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*Case, error) {
	c, err := getCase(ctx, s.DB.R, id)
	if err != nil {
		return nil, err
	}
	if !canSee(p, c) {
		return nil, errNone
	}
	c.Name, c.Phone, c.Email = MaskName(c.Name), web.MaskPhone(c.Phone), maskContact(c.Email)
	return c, nil
}

func maskContact(s string) string {
	r := []rune(s)
	if len(r) <= 4 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-5) + string(r[len(r)-2:])
}

// Contact returns the writer's contact details and records that p saw them.
func (s *Service) Contact(ctx context.Context, p *auth.Principal, id int64) (*Case, error) {
	c, err := getCase(ctx, s.DB.R, id)
	if err != nil {
		return nil, err
	}
	if !canSee(p, c) || !auth.Allowed(p, auth.HandleConcerns) {
		return nil, errNone
	}
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		if err := addEvent(ctx, tx, c.ID, Event{On: s.today(), ActorID: p.UserID, Actor: p.Actor().Name, Action: "view_contact", Note: "查看来信人联系方式"}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: c.AgencyID, Action: "concern.contact.view",
			ObjectType: "concern", ObjectID: c.Number, Summary: "查看来信 " + c.Number + " 的来信人联系方式"})
	})
	return c, err
}

// List returns an agency's cases p may see.
func (s *Service) List(ctx context.Context, p *auth.Principal, f ListFilter) ([]*Case, int, error) {
	if !auth.Allowed(p, auth.ViewConcerns) || p.AgencyID == 0 || p.AgencyID != f.AgencyID {
		return nil, 0, apperr.New(apperr.Forbidden, "您无权查看来信。")
	}
	if !p.Roles.Any(auth.Handler, auth.Approver) {
		f.HandlerID = p.UserID
	}
	if f.Today.IsZero() {
		f.Today = s.today()
	}
	return listCases(ctx, s.DB.R, f)
}

// History returns a case's history.
func (s *Service) History(ctx context.Context, p *auth.Principal, id int64) ([]Event, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	return listEvents(ctx, s.DB.R, id)
}

// Findings are the sensitive words and unmasked identifiers a moderator
// should see before publishing.
func (s *Service) Findings(ctx context.Context, c *Case) []string {
	var out []string
	text := c.Subject + "\n" + c.Body + "\n" + c.ReplyDraft + "\n" + c.Reply
	for _, m := range pii.Find(text) {
		out = append(out, m.Kind.Label()+"（公开时自动隐去）")
	}
	if set, err := loadSettings(ctx, s.DB.R, c.AgencyID); err == nil && set.SensitiveWords != "" {
		if words, err := sensitive.ParseList(set.SensitiveWords); err == nil {
			if m, err := sensitive.New(words); err == nil {
				for _, h := range m.Find(text) {
					out = append(out, "敏感词：“"+h.Word+"”")
				}
			}
		}
	}
	return out
}

// Record files a case staff took down: a new-media message or a phone call
// or visit, received on the given day (at most a year ago).
func (s *Service) Record(ctx context.Context, p *auth.Principal, agencyID int64, l Letter, on civil.Date) (*Case, error) {
	if !auth.Allowed(p, auth.ImportHotline) || p.AgencyID != agencyID {
		return nil, apperr.New(apperr.Forbidden, "只有本单位的经办人或审批人可以录入来信。")
	}
	if l.Channel != NewMedia && l.Channel != Visit {
		return nil, apperr.FieldErrors(map[string]string{"channel": "请选择政务新媒体或来电来访。"})
	}
	set, err := loadSettings(ctx, s.DB.R, agencyID)
	if err != nil {
		return nil, err
	}
	fields := l.Validate(set.Leaders, s.Host)
	today := s.today()
	if on.IsZero() || on.After(today) || on.Before(today.AddDays(-366)) {
		fields["received_on"] = "收到日期须在一年内，且不晚于今天。"
	}
	if len(fields) > 0 {
		return nil, apperr.FieldErrors(fields)
	}
	l.Leader, l.Consent, l.PageURL = "", false, ""
	c := &Case{AgencyID: agencyID, State: Received, Letter: l, ReceivedAt: s.Now().UTC(), ReceivedOn: on, CreatedBy: p.UserID}
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		routes, err := listRoutes(ctx, tx, agencyID)
		if err != nil {
			return err
		}
		if c.DivisionID = route(routes, l); c.DivisionID != 0 {
			c.State = Assigned
		}
		if c.Number, err = nextNumber(ctx, tx, on.Year); err != nil {
			return err
		}
		c.codeHash = hashCode(c.Number, newCode())
		if err := insertCase(ctx, tx, c); err != nil {
			return err
		}
		r, err := s.Calendar.Track(ctx, tx, calendar.TrackedDeadline{Owner: deadlineOwner, OwnerID: strconv.FormatInt(c.ID, 10), Kind: "reply",
			Start: on, WorkingDays: set.DaysFor(l.Channel)})
		if err != nil {
			return err
		}
		c.DueOn = r.Due
		if _, err := tx.ExecContext(ctx, "UPDATE concerns SET due_on = $1 WHERE id = $2", c.DueOn, c.ID); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, c.ID, Event{On: on, ActorID: p.UserID, Actor: p.Actor().Name, Action: "record", To: c.State,
			Note: l.Channel.Label() + "，工作人员录入"}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: agencyID, Action: "concern.record",
			ObjectType: "concern", ObjectID: c.Number, Summary: "录入" + l.Channel.Label() + "：" + c.Number})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Routes returns an agency's routing rules in order.
func (s *Service) Routes(ctx context.Context, agencyID int64) ([]Route, error) {
	return listRoutes(ctx, s.DB.R, agencyID)
}

// AddRoute adds a routing rule: a category, a keyword, or both, to a division.
func (s *Service) AddRoute(ctx context.Context, p *auth.Principal, agencyID int64, r Route) error {
	if !auth.Allowed(p, auth.ManageConcerns) || !p.CanActIn(agencyID) {
		return apperr.New(apperr.Forbidden, "您无权修改分办规则。")
	}
	r.Category, r.Keyword = strings.TrimSpace(r.Category), strings.TrimSpace(r.Keyword)
	fields := map[string]string{}
	if r.Category == "" && r.Keyword == "" {
		fields["category"] = "请选择分类或填写关键词（至少一项）。"
	}
	if r.Category != "" && !contains(Categories, r.Category) {
		fields["category"] = "分类无效。"
	}
	if n := len([]rune(r.Keyword)); n > 20 || hostile(r.Keyword) || (r.Keyword != "" && n < 2) {
		fields["keyword"] = "关键词为 2 至 20 个字。"
	}
	if len(fields) > 0 {
		return apperr.FieldErrors(fields)
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		var n int
		tx.QueryRowContext(ctx, "SELECT count(*) FROM divisions WHERE id = $1 AND agency_id = $2", r.DivisionID, agencyID).Scan(&n)
		if n == 0 {
			return apperr.FieldErrors(map[string]string{"division": "请选择承办处室。"})
		}
		var next int
		tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(sort_order), 0) + 1 FROM concern_routes WHERE agency_id = $1", agencyID).Scan(&next)
		if _, err := tx.ExecContext(ctx, `INSERT INTO concern_routes (agency_id, category, keyword, division_id, sort_order) VALUES ($1, $2, $3, $4, $5)`,
			agencyID, r.Category, r.Keyword, r.DivisionID, next); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: agencyID, Action: "concern.route.add", ObjectType: "agency",
			ObjectID: strconv.FormatInt(agencyID, 10), Summary: fmt.Sprintf("新增分办规则：分类“%s”关键词“%s”", r.Category, r.Keyword)})
	})
}

// DeleteRoute removes a routing rule of the agency.
func (s *Service) DeleteRoute(ctx context.Context, p *auth.Principal, agencyID, id int64) error {
	if !auth.Allowed(p, auth.ManageConcerns) || !p.CanActIn(agencyID) {
		return apperr.New(apperr.Forbidden, "您无权修改分办规则。")
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM concern_routes WHERE id = $1 AND agency_id = $2", id, agencyID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFoundf("没有这条分办规则。")
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: agencyID, Action: "concern.route.delete", ObjectType: "agency",
			ObjectID: strconv.FormatInt(agencyID, 10), Summary: "删除分办规则 " + strconv.FormatInt(id, 10)})
	})
}
