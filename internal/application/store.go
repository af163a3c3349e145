package application

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// Application is one application for government information.
type Application struct {
	ID, AgencyID int64
	Number       string
	codeHash     string
	Channel      Channel
	State        State
	Outcome      Outcome
	Applicant    Applicant
	Request      Request
	ReceivedAt   time.Time  // physical or technical arrival
	ReceivedOn   civil.Date // its date (the day of arrival or signature)
	ReceiptDate  civil.Date // the Art. 31 date of receipt (zero until registered)
	ClockStart   civil.Date // start of the reply period (the corrected application's receipt after 补正)
	DueOn        civil.Date // reply due date, from the tracker
	// ExtensionDays are the working days of the Art. 33 extension (0 or ≤ 20);
	// DelayDays those of an Art. 35 delayed reply period.
	ExtensionDays, DelayDays int
	// Pauses are the intervals the reply clock stood still: consultations
	// (Art. 33 ¶3) and, if the agency says so, fee notices. The last may be
	// open, ending on its expected day.
	Pauses           []calendar.Interval
	CorrectionSentOn civil.Date
	CorrectionDue    civil.Date // the applicant's deadline to correct
	DivisionID       int64
	HandlerID        int64
	FeeMethod        FeeMethod
	FeeQuantity      int
	FeeAmount        int
	FeeNoticeOn      civil.Date
	FeeDue           civil.Date
	FeePaidOn        civil.Date
	RepliedOn        civil.Date
	ReplyText        string // the reply letter as sent
	ReplyWithheld    string // 部分公开 / 不予公开: what is withheld and why
	ReplyOrgan       string // 不属于本机关: the competent organ and its contact
	DeliveredOn      civil.Date
	DeliveryRecord   string
	ClosedOn         civil.Date
	CreatedBy        int64
	CreatedAt        time.Time
	UpdatedAt        time.Time
	Version          int
}

// Paused reports whether the reply clock stands still now.
func (a *Application) Paused() bool {
	return a.State == Consulting || (a.State == Payment && a.pausedForFee())
}

func (a *Application) pausedForFee() bool {
	return len(a.Pauses) > 0 && a.Pauses[len(a.Pauses)-1].Note == pauseFee && !a.FeeNoticeOn.IsZero() && a.FeePaidOn.IsZero()
}

// ApplicantLabel is the applicant column (natural person or the kind of
// organisation).
func (a *Application) ApplicantLabel() string { return a.Applicant.Type.Label() }

// Subject is a short description of what is asked for.
func (a *Application) Subject() string {
	s := a.Request.Title
	if s == "" {
		s = a.Request.Description
	}
	if s == "" {
		s = a.Request.DocNumber
	}
	if r := []rune(s); len(r) > 60 {
		s = string(r[:60]) + "……"
	}
	return s
}

const appColumns = `id, agency_id, number, code_hash, channel, state, outcome,
	applicant_type, applicant_name, id_type, id_number, contact, phone, email, address, postcode,
	title, doc_number, description, purpose, form, delivery,
	received_at, received_on, receipt_date, clock_start, due_on, extension_days, delay_days, pauses,
	correction_sent_on, correction_due, division_id, handler_id,
	fee_method, fee_quantity, fee_amount, fee_notice_on, fee_due, fee_paid_on,
	replied_on, reply_text, reply_withheld, reply_organ, delivered_on, delivery_record, closed_on,
	created_by, created_at, updated_at, version`

func scanApp(row interface{ Scan(...any) error }) (*Application, error) {
	var (
		a                Application
		pauses           string
		div, handler, by sql.NullInt64
	)
	err := row.Scan(&a.ID, &a.AgencyID, &a.Number, &a.codeHash, &a.Channel, &a.State, &a.Outcome,
		&a.Applicant.Type, &a.Applicant.Name, &a.Applicant.IDType, &a.Applicant.IDNumber, &a.Applicant.Contact,
		&a.Applicant.Phone, &a.Applicant.Email, &a.Applicant.Address, &a.Applicant.Postcode,
		&a.Request.Title, &a.Request.DocNumber, &a.Request.Description, &a.Request.Purpose, &a.Request.Form, &a.Request.Delivery,
		&a.ReceivedAt, &a.ReceivedOn, &a.ReceiptDate, &a.ClockStart, &a.DueOn, &a.ExtensionDays, &a.DelayDays, &pauses,
		&a.CorrectionSentOn, &a.CorrectionDue, &div, &handler,
		&a.FeeMethod, &a.FeeQuantity, &a.FeeAmount, &a.FeeNoticeOn, &a.FeeDue, &a.FeePaidOn,
		&a.RepliedOn, &a.ReplyText, &a.ReplyWithheld, &a.ReplyOrgan, &a.DeliveredOn, &a.DeliveryRecord, &a.ClosedOn,
		&by, &a.CreatedAt, &a.UpdatedAt, &a.Version)
	if err != nil {
		return nil, err
	}
	a.DivisionID, a.HandlerID, a.CreatedBy = div.Int64, handler.Int64, by.Int64
	if err := json.Unmarshal([]byte(pauses), &a.Pauses); err != nil {
		return nil, fmt.Errorf("application %d: pauses: %w", a.ID, err)
	}
	return &a, nil
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

func encodePauses(p []calendar.Interval) string {
	if len(p) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(p)
	return string(b)
}

func getApp(ctx context.Context, q db.Querier, id int64) (*Application, error) {
	a, err := scanApp(q.QueryRowContext(ctx, "SELECT "+appColumns+" FROM applications WHERE id = $1", id))
	if err != nil {
		return nil, db.NotFound(err, "没有这件申请。")
	}
	return a, nil
}

func getAppByNumber(ctx context.Context, q db.Querier, number string) (*Application, error) {
	a, err := scanApp(q.QueryRowContext(ctx, "SELECT "+appColumns+" FROM applications WHERE number = $1", number))
	if err != nil {
		return nil, db.NotFound(err, "没有这件申请。")
	}
	return a, nil
}

// nextNumber allocates the next application number of year: 2026-000001.
func nextNumber(ctx context.Context, tx db.Tx, year int) (string, error) {
	seq, err := db.NextInYear(ctx, tx, "application_counters", year)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d-%06d", year, seq), nil
}

func insertApp(ctx context.Context, tx db.Tx, a *Application) error {
	now := db.Now()
	a.CreatedAt, a.UpdatedAt, a.Version = now, now, 1
	return tx.QueryRowContext(ctx, `INSERT INTO applications (agency_id, number, code_hash, channel, state,
			applicant_type, applicant_name, id_type, id_number, contact, phone, email, address, postcode,
			title, doc_number, description, purpose, form, delivery, received_at, received_on, pauses,
			created_by, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, '[]', $23, $24, $24, 1)
		RETURNING id`,
		a.AgencyID, a.Number, a.codeHash, a.Channel, a.State,
		a.Applicant.Type, a.Applicant.Name, a.Applicant.IDType, a.Applicant.IDNumber, a.Applicant.Contact, a.Applicant.Phone,
		a.Applicant.Email, a.Applicant.Address, a.Applicant.Postcode,
		a.Request.Title, a.Request.DocNumber, a.Request.Description, a.Request.Purpose, a.Request.Form, a.Request.Delivery,
		a.ReceivedAt, a.ReceivedOn, nullID(a.CreatedBy), now).Scan(&a.ID)
}

// saveApp writes the workflow fields of a, checking the version it was read
// at (two staff acting at once: the second gets a conflict, not a lost update).
func saveApp(ctx context.Context, tx db.Tx, a *Application) error {
	res, err := tx.ExecContext(ctx, `UPDATE applications SET state = $2, outcome = $3, receipt_date = $4, clock_start = $5,
			due_on = $6, extension_days = $7, delay_days = $8, pauses = $9, correction_sent_on = $10, correction_due = $11,
			division_id = $12, handler_id = $13, fee_method = $14, fee_quantity = $15, fee_amount = $16, fee_notice_on = $17,
			fee_due = $18, fee_paid_on = $19, replied_on = $20, reply_text = $21, reply_withheld = $22, reply_organ = $23,
			delivered_on = $24, delivery_record = $25, closed_on = $26, updated_at = $27, version = version + 1
		WHERE id = $1 AND version = $28`,
		a.ID, a.State, a.Outcome, a.ReceiptDate, a.ClockStart, a.DueOn, a.ExtensionDays, a.DelayDays, encodePauses(a.Pauses),
		a.CorrectionSentOn, a.CorrectionDue, nullID(a.DivisionID), nullID(a.HandlerID), a.FeeMethod, a.FeeQuantity, a.FeeAmount,
		a.FeeNoticeOn, a.FeeDue, a.FeePaidOn, a.RepliedOn, a.ReplyText, a.ReplyWithheld, a.ReplyOrgan,
		a.DeliveredOn, a.DeliveryRecord, a.ClosedOn, db.Now(), a.Version)
	if err != nil {
		return fmt.Errorf("application: save %s: %w", a.Number, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errStale
	}
	a.Version++
	return nil
}

// Event is one step of an application's history.
type Event struct {
	ID          int64
	At          time.Time
	On          civil.Date // the legal date of the step
	ActorID     int64
	Actor       string
	Action      Action
	From, To    State
	Note        string // staff-only
	Public      bool   // a notice the applicant sees
	NoticeTitle string
	NoticeBody  string
}

// ActionLabel names the step.
func (e Event) ActionLabel() string {
	if l := e.Action.Label(); l != "" {
		return l
	}
	switch e.Action {
	case "submit":
		return "提交申请"
	case "record":
		return "录入申请"
	case "deadline":
		return "期限重新计算"
	case "view_personal":
		return "查看申请人信息"
	case "upload":
		return "申请人上传材料"
	case "fee_confirmed":
		return "申请人确认已缴费"
	case "remedy":
		return "行政复议或行政诉讼"
	case "to_proactive":
		return "转为主动公开草稿"
	case "purge":
		return "删除个人信息（保存期限届满）"
	}
	return string(e.Action)
}

func addEvent(ctx context.Context, tx db.Tx, appID int64, e Event) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO application_events (application_id, at, on_date, actor_id, actor, action,
			from_state, to_state, note, public, notice_title, notice_body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		appID, db.Now(), e.On, nullID(e.ActorID), e.Actor, e.Action, e.From, e.To, e.Note, e.Public, e.NoticeTitle, e.NoticeBody)
	if err != nil {
		return fmt.Errorf("application: event: %w", err)
	}
	return nil
}

func listEvents(ctx context.Context, q db.Querier, appID int64, publicOnly bool) ([]Event, error) {
	query := `SELECT id, at, on_date, COALESCE(actor_id, 0), actor, action, from_state, to_state, note, public, notice_title, notice_body
		FROM application_events WHERE application_id = $1`
	if publicOnly {
		query += " AND public = TRUE"
	}
	rows, err := q.QueryContext(ctx, query+" ORDER BY id", appID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.ID, &e.At, &e.On, &e.ActorID, &e.Actor, &e.Action, &e.From, &e.To, &e.Note, &e.Public,
			&e.NoticeTitle, &e.NoticeBody); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// File is a file of an application.
type File struct {
	ID            int64
	AttachmentID  int64
	Kind          FileKind
	FromApplicant bool
	Public        bool // the applicant may download it from the status page
	Name          string
	ContentType   string
	Size          int64
	CreatedAt     time.Time
}

// FileKind says what a file is.
type FileKind string

// File kinds.
const (
	FileIdentity     FileKind = "identity"     // 身份证明
	FileCorrection   FileKind = "correction"   // 补正材料
	FileApplication  FileKind = "application"  // a scanned paper application
	FileConsultation FileKind = "consultation" // a consultation letter or opinion
	FileReply        FileKind = "reply"        // the reply's enclosures (the information provided)
	FileDelivery     FileKind = "delivery"     // proof of delivery
	FilePayment      FileKind = "payment"      // proof of payment
)

var fileKindLabels = map[FileKind]string{
	FileIdentity: "身份证明", FileCorrection: "补正材料", FileApplication: "申请书扫描件", FileConsultation: "征求意见材料",
	FileReply: "答复附件", FileDelivery: "送达凭证", FilePayment: "缴费凭证",
}

// Label is the Chinese name.
func (k FileKind) Label() string { return fileKindLabels[k] }

func addFile(ctx context.Context, tx db.Tx, appID, attID int64, kind FileKind, fromApplicant, public bool) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO application_files (application_id, attachment_id, kind, from_applicant, public, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, appID, attID, kind, fromApplicant, public, db.Now())
	return err
}

func listFiles(ctx context.Context, q db.Querier, appID int64) ([]File, error) {
	rows, err := q.QueryContext(ctx, `SELECT f.id, f.attachment_id, f.kind, f.from_applicant, f.public, a.file_name, a.content_type, a.size, f.created_at
		FROM application_files f JOIN attachments a ON a.id = f.attachment_id WHERE f.application_id = $1 ORDER BY f.id`, appID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []File
	for rows.Next() {
		var f File
		if err := rows.Scan(&f.ID, &f.AttachmentID, &f.Kind, &f.FromApplicant, &f.Public, &f.Name, &f.ContentType, &f.Size, &f.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Consultation is a letter to a third party (Art. 32) or another organ (Art. 34).
type Consultation struct {
	ID         int64
	Kind       ConsultKind
	Party      string
	SentOn     civil.Date
	DueOn      civil.Date // 15 working days after receipt of the letter
	AnsweredOn civil.Date
	Result     ConsultResult
	Opinion    string
	Decision   string // override reasons (Art. 32: disclose despite an objection)
}

// ConsultKind is whom a consultation asks.
type ConsultKind string

// Consultation kinds.
const (
	ThirdParty ConsultKind = "third_party" // 第三方（第三十二条）
	OtherOrgan ConsultKind = "other_organ" // 其他机关（第三十四条）
)

// Label is the Chinese name.
func (k ConsultKind) Label() string {
	switch k {
	case ThirdParty:
		return "征求第三方意见（第三十二条）"
	case OtherOrgan:
		return "征求其他机关意见（第三十四条）"
	}
	return ""
}

// ConsultResult is what came back.
type ConsultResult string

// Consultation results.
const (
	Agrees    ConsultResult = "agrees"    // 同意公开
	Objects   ConsultResult = "objects"   // 不同意公开（有合理理由）
	NoAnswer  ConsultResult = "no_answer" // 逾期未提出意见
	Overruled ConsultResult = "overruled" // 不同意，但机关认为不公开可能严重影响公共利益，决定公开
)

// Label is the Chinese name.
func (r ConsultResult) Label() string {
	switch r {
	case Agrees:
		return "同意公开"
	case Objects:
		return "不同意公开"
	case NoAnswer:
		return "逾期未提出意见"
	case Overruled:
		return "不同意公开，但决定公开（公共利益）"
	}
	return ""
}

func listConsultations(ctx context.Context, q db.Querier, appID int64) ([]Consultation, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, party, sent_on, due_on, answered_on, result, opinion, decision
		FROM application_consultations WHERE application_id = $1 ORDER BY id`, appID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Consultation
	for rows.Next() {
		var c Consultation
		if err := rows.Scan(&c.ID, &c.Kind, &c.Party, &c.SentOn, &c.DueOn, &c.AnsweredOn, &c.Result, &c.Opinion, &c.Decision); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Settings are an agency's choices where the 条例 leaves room.
type Settings struct {
	AgencyID int64
	// CorrectionDays is the time the applicant gets to correct, in working
	// days (the 条例 says "reasonable"; local templates give 15).
	CorrectionDays int
	// FeePausesClock: the time between a fee notice and payment does not
	// count towards the reply period (the national 办法 is read so).
	FeePausesClock bool
	// RetentionYears keeps closed applications' personal data this long
	// after the reply (then the job removes it).
	RetentionYears int
	// Templates override the default letter texts, by template key.
	Templates map[string]string
	// SealAttachmentID is the image printed on letters, if any.
	SealAttachmentID int64
}

// DefaultSettings are the settings of an agency that saved none.
func DefaultSettings(agencyID int64) Settings {
	return Settings{AgencyID: agencyID, CorrectionDays: 15, FeePausesClock: true, RetentionYears: 10, Templates: map[string]string{}}
}

func loadSettings(ctx context.Context, q db.Querier, agencyID int64) (Settings, error) {
	s := DefaultSettings(agencyID)
	var (
		tpl  string
		seal sql.NullInt64
	)
	err := q.QueryRowContext(ctx, `SELECT correction_days, fee_pauses_clock, retention_years, letter_templates, seal_attachment_id
		FROM application_settings WHERE agency_id = $1`, agencyID).Scan(&s.CorrectionDays, &s.FeePausesClock, &s.RetentionYears, &tpl, &seal)
	if err == sql.ErrNoRows {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	s.SealAttachmentID = seal.Int64
	if err := json.Unmarshal([]byte(tpl), &s.Templates); err != nil || s.Templates == nil {
		s.Templates = map[string]string{}
	}
	return s, nil
}

func saveSettings(ctx context.Context, tx db.Tx, s Settings) error {
	tpl, _ := json.Marshal(s.Templates)
	_, err := tx.ExecContext(ctx, `INSERT INTO application_settings (agency_id, correction_days, fee_pauses_clock, retention_years,
			letter_templates, seal_attachment_id, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (agency_id) DO UPDATE SET correction_days = excluded.correction_days, fee_pauses_clock = excluded.fee_pauses_clock,
			retention_years = excluded.retention_years, letter_templates = excluded.letter_templates,
			seal_attachment_id = excluded.seal_attachment_id, updated_at = excluded.updated_at`,
		s.AgencyID, s.CorrectionDays, s.FeePausesClock, s.RetentionYears, string(tpl), nullID(s.SealAttachmentID), db.Now())
	return err
}

// ListFilter selects applications for the console.
type ListFilter struct {
	AgencyID  int64
	States    []State
	HandlerID int64
	// DivisionID narrows to one division's applications (its head's view).
	DivisionID int64
	Overdue    bool       // open and past due (as of Today)
	DueBy      civil.Date // open and due on or before
	Today      civil.Date
	Text       string // number, subject (never the applicant's details)
	Limit      int
	Offset     int
}

func listApps(ctx context.Context, q db.Querier, f ListFilter) ([]*Application, int, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	where = append(where, "agency_id = "+arg(f.AgencyID))
	if len(f.States) > 0 {
		var ph []string
		for _, s := range f.States {
			ph = append(ph, arg(string(s)))
		}
		where = append(where, "state IN ("+strings.Join(ph, ", ")+")")
	}
	if f.HandlerID != 0 {
		where = append(where, "handler_id = "+arg(f.HandlerID))
	}
	if f.DivisionID != 0 {
		where = append(where, "division_id = "+arg(f.DivisionID))
	}
	open := "state NOT IN ('replied', 'closed')"
	if f.Overdue {
		where = append(where, open, "due_on < "+arg(f.Today))
	}
	if !f.DueBy.IsZero() {
		where = append(where, open, "due_on <= "+arg(f.DueBy))
	}
	if f.Text != "" {
		p := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(f.Text) + "%"
		where = append(where, "(number LIKE "+arg(p)+` ESCAPE '\' OR title LIKE `+arg(p)+` ESCAPE '\' OR description LIKE `+arg(p)+` ESCAPE '\')`)
	}
	w := " WHERE " + strings.Join(where, " AND ")
	var total int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM applications"+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	order := " ORDER BY CASE WHEN state IN ('replied', 'closed') THEN 1 ELSE 0 END, CASE WHEN due_on IS NULL THEN 1 ELSE 0 END, due_on, id DESC"
	rows, err := q.QueryContext(ctx, "SELECT "+appColumns+" FROM applications"+w+order+
		fmt.Sprintf(" LIMIT %d OFFSET %d", limit, max(f.Offset, 0)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Application
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}
