package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/jobs"
)

// SendJob is the kind of the queued job that sends one outbox message.
const SendJob = "notify.send"

// ResumeSchedule is the periodic job that gives every queued message without
// a pending job a new one (see Resume); it runs every ResumeInterval.
const ResumeSchedule = "notify.resume"

// ResumeInterval is how often ResumeSchedule runs.
const ResumeInterval = 5 * time.Minute

// DefaultMaxAttempts is how often a message is tried before it is marked
// failed. With the scheduler's default backoff (10 s doubling, at most 1 h)
// ten attempts span about 85 minutes, longer than greylisting delays.
const DefaultMaxAttempts = 10

// Status is the state of an outbox message.
type Status string

// Outbox states.
const (
	StatusQueued Status = "queued" // waiting to be sent, or to be retried
	StatusSent   Status = "sent"   // accepted by the SMTP server
	StatusFailed Status = "failed" // refused for good, or attempts used up
)

// QueueOptions adjust Queue. The zero value is usable.
type QueueOptions struct {
	// AgencyID is the agency whose mail this is (0: platform mail); the
	// console shows an agency's staff only their agency's mail.
	AgencyID int64
	// Purpose says what the mail is for ("digest", "reply", "reminder"),
	// for the console; at most 64 characters.
	Purpose string
	// DedupeKey, when set, makes the message unique for good: queueing
	// another with the same key adds nothing and returns the first one's ID
	// (for example "digest:2026-03-02:staff:17").
	DedupeKey string
	// SendAt delays the first attempt (zero: now).
	SendAt time.Time
	// MaxAttempts bounds the attempts (default DefaultMaxAttempts).
	MaxAttempts int
}

// sendPayload is the payload of a SendJob.
type sendPayload struct {
	OutboxID int64 `json:"outbox_id"`
}

// jobKeyPrefix starts the dedupe key of a message's SendJob; the message's
// ID follows.
const jobKeyPrefix = "notify.outbox:"

func jobKey(id int64) string { return fmt.Sprintf("%s%d", jobKeyPrefix, id) }

// Queue validates msg and writes it to the outbox together with a SendJob,
// in tx: the mail goes out only if tx commits. It returns the message's ID
// (or, when opts.DedupeKey is already taken, the ID of the message that
// holds it, queueing nothing). An invalid message is an apperr.Invalid (or
// TooLarge) error.
func Queue(ctx context.Context, tx db.Tx, msg Message, opts QueueOptions) (int64, error) {
	p, err := msg.parse()
	if err != nil {
		return 0, err
	}
	if err := checkHeaderText("用途", opts.Purpose); err != nil {
		return 0, err
	}
	if utf8.RuneCountInString(opts.Purpose) > 64 || len(opts.DedupeKey) > 200 {
		return 0, apperr.Invalidf("邮件的用途或去重键过长。")
	}
	maxAttempts := opts.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return 0, fmt.Errorf("notify: queue: %w", err)
	}
	recipients := make([]string, len(p.to))
	for i, a := range p.to {
		recipients[i] = a.Address
	}
	now := db.Now()
	sendAt := opts.SendAt
	if sendAt.IsZero() || sendAt.Before(now) {
		sendAt = now
	}
	sendAt = sendAt.UTC().Truncate(time.Microsecond)
	var agency, key any // NULL unless given
	if opts.AgencyID != 0 {
		agency = opts.AgencyID
	}
	if opts.DedupeKey != "" {
		key = opts.DedupeKey
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO outbox (agency_id, purpose, recipients, subject, body, max_attempts, dedupe_key, send_after, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING id`,
		agency, opts.Purpose, strings.Join(recipients, ", "), msg.Subject, string(body), maxAttempts, key, sendAt, now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) && key != nil {
		// ON CONFLICT fires only on the dedupe key.
		err = tx.QueryRowContext(ctx, `SELECT id FROM outbox WHERE dedupe_key = $1`, key).Scan(&id)
		if err != nil {
			return 0, fmt.Errorf("notify: queue: find duplicate: %w", err)
		}
		return id, nil
	}
	if db.IsForeignKeyViolation(err) {
		return 0, apperr.Wrap(apperr.Invalid, "发信机构不存在。", err)
	}
	if err != nil {
		return 0, fmt.Errorf("notify: queue: %w", err)
	}
	if _, err := jobs.Enqueue(ctx, tx, SendJob, sendPayload{id}, sendAt,
		jobs.DedupeKey(jobKey(id)), jobs.MaxAttempts(maxAttempts)); err != nil {
		return 0, fmt.Errorf("notify: queue: %w", err)
	}
	return id, nil
}

// Register makes s send queued mail through m: it registers the SendJob
// handler and the ResumeSchedule periodic job. Call it on every instance
// (before s.Run), whether or not mail is configured.
//
// The handler sends the message and records the outcome on its row: sent;
// on a temporary failure (IsTemporary) last_error, and the job is retried
// with the scheduler's backoff; on a permanent failure, or a temporary one
// at the last attempt, failed. When m is nil or reports Enabled() == false
// (no SMTP host), or Send returns ErrNotConfigured, the message stays
// queued with last_error "未配置邮件服务器" and no attempt is counted; the
// warning is logged, and ListOutbox shows it. Once mail is configured (and
// the instances restarted), ResumeSchedule queues those messages again
// within ResumeInterval.
//
// Delivery is at least once: if the database cannot record "sent" after the
// server accepted a message, it is sent again. Retries of a message keep
// its Message-ID, so receiving systems can recognise a duplicate.
func Register(s *jobs.Scheduler, m Mailer, d *db.DB, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	o := &outboxSender{m: m, d: d, log: log.With("component", "notify")}
	jobs.HandleJSON(s, SendJob, o.send)
	s.Every(ResumeSchedule, ResumeInterval, func(ctx context.Context) error {
		if !enabled(m) {
			return nil
		}
		n, err := Resume(ctx, d)
		if n > 0 {
			o.log.Info("queued mail resumed", "count", n)
		}
		return err
	})
	if !enabled(m) {
		o.log.Warn("outgoing mail is not configured (--smtp-host / GONGKAI_SMTP_HOST): e-mail stays queued in the outbox")
	}
}

// enabled reports whether m can send: not nil, and not a mailer that says
// it is unconfigured.
func enabled(m Mailer) bool {
	if m == nil {
		return false
	}
	if e, ok := m.(interface{ Enabled() bool }); ok {
		return e.Enabled()
	}
	return true
}

type outboxSender struct {
	m   Mailer
	d   *db.DB
	log *slog.Logger
	// warnedOff is set once "no SMTP server" was logged as a warning: a
	// demo or an instance without mail queues a message per sign-up and
	// reply, and one warning says it all (the rest go to debug).
	warnedOff atomic.Bool
}

// bookkeeping returns a context for recording an outcome: not cancelled with
// the job's (a shutdown must not lose a "sent"), but bounded.
func bookkeeping(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

// maxErrorLen bounds last_error.
const maxErrorLen = 1000

func errorText(err error) string {
	msg := err.Error()
	if len(msg) > maxErrorLen {
		cut := maxErrorLen
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}

func (o *outboxSender) send(ctx context.Context, p sendPayload) error {
	id := p.OutboxID
	log := o.log.With("outbox_id", id)
	if !enabled(o.m) {
		return o.notConfigured(ctx, log, id, false)
	}
	// Claim an attempt. A row that is not queued was sent or failed
	// meanwhile (a duplicate job, or a retry after a lost lease): nothing
	// to do.
	var attempts, maxAttempts int
	err := o.d.W.QueryRowContext(ctx, `UPDATE outbox SET attempts = attempts + 1, last_attempt_at = $2
		WHERE id = $1 AND status = 'queued' RETURNING attempts, max_attempts`, id, db.Now()).Scan(&attempts, &maxAttempts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("notify: claim message %d: %w", id, err)
	}
	var body string
	var created time.Time
	if err := o.d.W.QueryRowContext(ctx, `SELECT body, created_at FROM outbox WHERE id = $1`, id).Scan(&body, &created); err != nil {
		return fmt.Errorf("notify: read message %d: %w", id, err)
	}
	var msg Message
	if err := json.Unmarshal([]byte(body), &msg); err != nil {
		return o.fail(ctx, id, fmt.Errorf("stored message does not decode: %w", err))
	}
	if attempts > maxAttempts {
		// Earlier attempts were cut short (their instance died): give up.
		return o.fail(ctx, id, fmt.Errorf("all %d attempts used up", maxAttempts))
	}
	if !hasHeader(msg.Headers, "Message-ID") {
		if msg.Headers == nil {
			msg.Headers = map[string]string{}
		}
		msg.Headers["Message-ID"] = fmt.Sprintf("<gongkai.outbox.%d.%d@%s>", id, created.UnixMicro(), messageIDDomain(o.m))
	}

	err = o.m.Send(ctx, msg)
	switch {
	case err == nil:
		bctx, cancel := bookkeeping(ctx)
		defer cancel()
		if _, err := o.d.W.ExecContext(bctx, `UPDATE outbox SET status = 'sent', sent_at = $2, last_error = '' WHERE id = $1`,
			id, db.Now()); err != nil {
			log.Error("mail sent but not recorded as sent; it may be sent again", "err", err)
			return fmt.Errorf("notify: record message %d as sent: %w", id, err)
		}
		return nil
	case errors.Is(err, ErrNotConfigured):
		return o.notConfigured(ctx, log, id, true)
	case ctx.Err() != nil:
		// The scheduler is stopping: not the message's fault, so the
		// attempt does not count (the job is given its attempt back too).
		bctx, cancel := bookkeeping(ctx)
		defer cancel()
		o.d.W.ExecContext(bctx, `UPDATE outbox SET attempts = attempts - 1, last_error = $2 WHERE id = $1 AND status = 'queued'`,
			id, errorText(err))
		return err
	case IsTemporary(err) && attempts < maxAttempts:
		bctx, cancel := bookkeeping(ctx)
		defer cancel()
		if _, dbErr := o.d.W.ExecContext(bctx, `UPDATE outbox SET last_error = $2 WHERE id = $1 AND status = 'queued'`,
			id, errorText(err)); dbErr != nil {
			log.Error("could not record a failed attempt", "err", dbErr)
		}
		return err
	default:
		return o.fail(ctx, id, err)
	}
}

// notConfigured leaves the message queued with last_error
// ErrNotConfigured, giving back the attempt if one was claimed, and ends
// the job: ResumeSchedule queues the message again once mail works.
func (o *outboxSender) notConfigured(ctx context.Context, log *slog.Logger, id int64, claimed bool) error {
	bctx, cancel := bookkeeping(ctx)
	defer cancel()
	q := `UPDATE outbox SET last_error = $2 WHERE id = $1 AND status = 'queued'`
	if claimed {
		q = `UPDATE outbox SET last_error = $2, attempts = attempts - 1 WHERE id = $1 AND status = 'queued'`
	}
	if _, err := o.d.W.ExecContext(bctx, q, id, ErrNotConfigured.Error()); err != nil {
		return fmt.Errorf("notify: message %d: %w", id, err)
	}
	if o.warnedOff.CompareAndSwap(false, true) {
		log.Warn("mail not sent: no SMTP server is configured (--smtp-host); this and later messages stay queued until one is (gongkai mail list shows them)")
	} else {
		log.Debug("mail not sent: no SMTP server is configured; it stays queued")
	}
	return nil
}

// fail marks the message failed and fails its job for good.
func (o *outboxSender) fail(ctx context.Context, id int64, cause error) error {
	bctx, cancel := bookkeeping(ctx)
	defer cancel()
	if _, err := o.d.W.ExecContext(bctx, `UPDATE outbox SET status = 'failed', last_error = $2 WHERE id = $1 AND status = 'queued'`,
		id, errorText(cause)); err != nil {
		// Not recorded: let the job retry, which records it next time.
		return fmt.Errorf("notify: record message %d as failed: %w (after: %w)", id, err, cause)
	}
	return jobs.Permanent(cause)
}

func hasHeader(h map[string]string, name string) bool {
	for k := range h {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

func messageIDDomain(m Mailer) string {
	if d, ok := m.(interface{ MessageIDDomain() string }); ok {
		return d.MessageIDDomain()
	}
	return "localhost"
}

// Resume gives every queued message that has no pending SendJob (its job
// ended while no SMTP server was configured, or its instance died during
// the last attempt) a new one, and returns how many it queued again (at
// most 500 a call). Register runs it every ResumeInterval.
func Resume(ctx context.Context, d *db.DB) (int, error) {
	type row struct {
		id            int64
		attempts, max int
		sendAfter     time.Time
	}
	// The NOT EXISTS matches the partial index jobs_dedupe.
	rows, err := d.W.QueryContext(ctx, `SELECT id, attempts, max_attempts, send_after FROM outbox
		WHERE status = 'queued' AND NOT EXISTS (SELECT 1 FROM jobs
			WHERE jobs.dedupe_key = $1 || CAST(outbox.id AS TEXT) AND jobs.status IN ('queued', 'running'))
		ORDER BY id LIMIT 500`, jobKeyPrefix)
	if err != nil {
		return 0, fmt.Errorf("notify: resume: %w", err)
	}
	var due []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.attempts, &r.max, &r.sendAfter); err != nil {
			rows.Close()
			return 0, fmt.Errorf("notify: resume: %w", err)
		}
		due = append(due, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("notify: resume: %w", err)
	}
	if len(due) == 0 {
		return 0, nil
	}
	err = d.Tx(ctx, func(tx db.Tx) error {
		for _, r := range due {
			// One run more than the attempts left, so that a message
			// whose attempts are used up is marked failed.
			left := max(r.max-r.attempts, 0) + 1
			if _, err := jobs.Enqueue(ctx, tx, SendJob, sendPayload{r.id}, r.sendAfter,
				jobs.DedupeKey(jobKey(r.id)), jobs.MaxAttempts(left)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("notify: resume: %w", err)
	}
	return len(due), nil
}

// Retry queues a failed message again with its attempts reset, in tx. It
// fails with apperr.NotFound when no failed message has the ID. Callers
// check the agency scope first (Get).
func Retry(ctx context.Context, tx db.Tx, id int64) error {
	var maxAttempts int
	err := tx.QueryRowContext(ctx, `UPDATE outbox SET status = 'queued', attempts = 0, last_error = '', send_after = $2
		WHERE id = $1 AND status = 'failed' RETURNING max_attempts`, id, db.Now()).Scan(&maxAttempts)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.NotFoundf("没有编号为 %d 的发送失败的邮件。", id)
	}
	if err != nil {
		return fmt.Errorf("notify: retry %d: %w", id, err)
	}
	if _, err := jobs.Enqueue(ctx, tx, SendJob, sendPayload{id}, time.Time{},
		jobs.DedupeKey(jobKey(id)), jobs.MaxAttempts(maxAttempts)); err != nil {
		return fmt.Errorf("notify: retry %d: %w", id, err)
	}
	return nil
}

// Entry is an outbox row. Zero times mean NULL; AgencyID 0 means platform
// mail.
type Entry struct {
	ID            int64
	AgencyID      int64
	Purpose       string
	Recipients    []string // addresses, without display names
	Subject       string
	Message       Message
	Status        Status
	Attempts      int
	MaxAttempts   int
	LastError     string // "未配置邮件服务器" while no SMTP server is configured
	DedupeKey     string
	SendAfter     time.Time
	CreatedAt     time.Time
	LastAttemptAt time.Time
	SentAt        time.Time
}

// Filter selects outbox rows for ListOutbox. Empty fields do not filter.
type Filter struct {
	// AgencyID limits the list to one agency's mail (0: all mail, for
	// platform administrators).
	AgencyID int64
	Status   Status
	Purpose  string
	// BeforeID pages backwards: only rows with a smaller ID (0: newest).
	BeforeID int64
	// Limit caps the rows returned (default 50, at most 500).
	Limit int
}

const entryColumns = `id, agency_id, purpose, recipients, subject, body, status, attempts, max_attempts, last_error,
	dedupe_key, send_after, created_at, last_attempt_at, sent_at`

// ListOutbox returns the outbox rows matching f, newest first.
func ListOutbox(ctx context.Context, q db.Querier, f Filter) ([]Entry, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.AgencyID != 0 {
		add("agency_id = $%d", f.AgencyID)
	}
	if f.Status != "" {
		add("status = $%d", string(f.Status))
	}
	if f.Purpose != "" {
		add("purpose = $%d", f.Purpose)
	}
	if f.BeforeID > 0 {
		add("id < $%d", f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	query := `SELECT ` + entryColumns + ` FROM outbox`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, limit)
	query += fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args))
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("notify: list outbox: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("notify: list outbox: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Get returns one outbox row, or apperr.NotFound.
func Get(ctx context.Context, q db.Querier, id int64) (Entry, error) {
	e, err := scanEntry(q.QueryRowContext(ctx, `SELECT `+entryColumns+` FROM outbox WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, apperr.NotFoundf("没有编号为 %d 的邮件。", id)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("notify: get %d: %w", id, err)
	}
	return e, nil
}

func scanEntry(r interface{ Scan(...any) error }) (Entry, error) {
	var (
		e                Entry
		agency           sql.NullInt64
		recipients, body string
		key              sql.NullString
		attempt, sent    sql.NullTime
	)
	if err := r.Scan(&e.ID, &agency, &e.Purpose, &recipients, &e.Subject, &body, &e.Status, &e.Attempts, &e.MaxAttempts,
		&e.LastError, &key, &e.SendAfter, &e.CreatedAt, &attempt, &sent); err != nil {
		return Entry{}, err
	}
	if err := json.Unmarshal([]byte(body), &e.Message); err != nil {
		return Entry{}, fmt.Errorf("message %d does not decode: %w", e.ID, err)
	}
	e.AgencyID = agency.Int64
	if recipients != "" {
		e.Recipients = strings.Split(recipients, ", ")
	}
	e.DedupeKey = key.String
	e.SendAfter = e.SendAfter.UTC()
	e.CreatedAt = e.CreatedAt.UTC()
	if attempt.Valid {
		e.LastAttemptAt = attempt.Time.UTC()
	}
	if sent.Valid {
		e.SentAt = sent.Time.UTC()
	}
	return e, nil
}
