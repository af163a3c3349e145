package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/config"
)

// Mailer sends one message. Implementations return an error that
// IsTemporary classifies: temporary failures are worth retrying, the others
// are not.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// Errors of the SMTP mailer that are not replies of the server.
var (
	// ErrNotConfigured: no SMTP host is set. The outbox keeps messages queued
	// (its text is the last_error the outbox records).
	ErrNotConfigured = errors.New("未配置邮件服务器")
	// ErrNoStartTLS: Security is starttls but the server does not offer it;
	// nothing is sent in the clear.
	ErrNoStartTLS = errors.New("the SMTP server does not offer STARTTLS, which --smtp-security=starttls requires")
	// ErrInsecureAuth: a user name is set but the connection is not
	// encrypted and the server is not on this machine.
	ErrInsecureAuth = errors.New("refusing to send SMTP credentials over an unencrypted connection to a host that is not loopback")
)

// Error is a failed SMTP send. Code is the server's reply code when the
// server refused (0 otherwise). Temporary says whether trying again later may
// succeed: 4xx replies, network failures and timeouts are temporary; 5xx
// replies, TLS verification failures, a missing STARTTLS, invalid messages
// and configuration mistakes are not.
type Error struct {
	Op        string // config, message, dial, hello, starttls, auth, mail, rcpt, data
	Code      int
	Temporary bool
	Err       error
}

func (e *Error) Error() string { return "smtp " + e.Op + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// IsTemporary reports whether err is worth retrying: an *Error that says so,
// ErrNotConfigured (the message is fine; the platform is not ready), or a
// cancelled or expired context. Other errors are permanent.
func IsTemporary(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Temporary
	}
	return errors.Is(err, ErrNotConfigured) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// DefaultTimeout bounds one SMTP conversation when the context has no
// deadline.
const DefaultTimeout = 2 * time.Minute

// SMTPMailer sends mail over SMTP, one connection per message.
type SMTPMailer struct {
	cfg      config.SMTP
	security string
	port     int
	from     *mail.Address
	cfgErr   error
	tls      *tls.Config
	helo     string
	timeout  time.Duration
	now      func() time.Time
}

// SMTPOption adjusts NewSMTP.
type SMTPOption func(*SMTPMailer)

// WithRootCAs trusts the certificates in pool (instead of the system's)
// when verifying the server; tests pass smtptest's pool.
func WithRootCAs(pool *x509.CertPool) SMTPOption {
	return func(s *SMTPMailer) { s.tls.RootCAs = pool }
}

// WithTLSConfig uses c (cloned) for STARTTLS and implicit TLS. Its
// ServerName defaults to the SMTP host.
func WithTLSConfig(c *tls.Config) SMTPOption {
	return func(s *SMTPMailer) {
		s.tls = c.Clone()
		if s.tls.ServerName == "" {
			s.tls.ServerName = s.cfg.Host
		}
	}
}

// WithHelloName sets the name sent with EHLO (default: this machine's host
// name).
func WithHelloName(name string) SMTPOption {
	return func(s *SMTPMailer) { s.helo = name }
}

// WithTimeout bounds a conversation whose context has no deadline (default
// DefaultTimeout).
func WithTimeout(d time.Duration) SMTPOption {
	return func(s *SMTPMailer) { s.timeout = d }
}

// NewSMTP returns a mailer for cfg. A configuration without a host gives a
// mailer whose Send returns ErrNotConfigured; other configuration mistakes
// (an unparsable From, an unknown Security) make every Send fail
// permanently with an *Error whose Op is "config".
//
// Security "starttls" (the default) connects in the clear and upgrades with
// STARTTLS, refusing to go on if the server does not offer it; "tls"
// speaks TLS from the first byte (port 465); "none" never encrypts and is
// meant for a relay on the same machine or network. With a Username, AUTH
// PLAIN or LOGIN (whichever the server offers, PLAIN first) is used, and
// never over an unencrypted connection unless the host is loopback.
func NewSMTP(cfg config.SMTP, opts ...SMTPOption) *SMTPMailer {
	s := &SMTPMailer{
		cfg:      cfg,
		security: cfg.Security,
		port:     cfg.Port,
		tls:      &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12},
		timeout:  DefaultTimeout,
		now:      time.Now,
	}
	if s.security == "" {
		s.security = "starttls"
	}
	if s.port == 0 {
		s.port = map[string]int{"starttls": 587, "tls": 465, "none": 25}[s.security]
	}
	if host, err := os.Hostname(); err == nil && host != "" && !strings.ContainsAny(host, " \r\n") {
		s.helo = host
	} else {
		s.helo = "localhost"
	}
	for _, o := range opts {
		o(s)
	}
	switch s.security {
	case "starttls", "tls", "none":
	default:
		s.cfgErr = fmt.Errorf("security %q must be starttls, tls or none", s.security)
	}
	if cfg.Enabled() && s.cfgErr == nil {
		f, err := parseAddress("发件人", cfg.From)
		if err != nil {
			s.cfgErr = fmt.Errorf("sender address (--smtp-from) %q: %w", cfg.From, err)
		}
		s.from = f
	}
	if s.cfgErr == nil && (s.helo == "" || strings.ContainsAny(s.helo, " \r\n")) {
		s.cfgErr = fmt.Errorf("EHLO name %q is not a host name", s.helo)
	}
	return s
}

// Enabled reports whether an SMTP host is configured.
func (s *SMTPMailer) Enabled() bool { return s.cfg.Enabled() }

// MessageIDDomain is the right-hand side of the Message-IDs this mailer
// makes: the sender's domain.
func (s *SMTPMailer) MessageIDDomain() string {
	if s.from == nil {
		return "localhost"
	}
	return domainOf(s.from.Address)
}

// Send validates and encodes m, then delivers it in one SMTP conversation
// bounded by ctx (or the mailer's timeout when ctx has no deadline). All
// recipients must be accepted: if the server refuses one, nothing is sent
// and the refusal is returned. Once the server has accepted the message,
// Send returns nil even if the closing QUIT fails.
func (s *SMTPMailer) Send(ctx context.Context, m Message) error {
	if !s.cfg.Enabled() {
		return ErrNotConfigured
	}
	if s.cfgErr != nil {
		return &Error{Op: "config", Err: s.cfgErr}
	}
	p, err := m.parse()
	if err != nil {
		return &Error{Op: "message", Err: err}
	}
	if s.cfg.Username != "" && s.security == "none" && !isLoopback(s.cfg.Host) {
		return &Error{Op: "auth", Err: ErrInsecureAuth}
	}
	raw := encode(m, p, s.from, s.now())

	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.timeout)
		defer cancel()
	}
	deadline, _ := ctx.Deadline()
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.port))
	var conn net.Conn
	if s.security == "tls" {
		conn, err = (&tls.Dialer{Config: s.tls}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return classify(ctx, "dial", err)
	}
	// The conversation obeys ctx: its deadline bounds every read and write,
	// and cancelling it interrupts them.
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		conn.Close()
		return classify(ctx, "hello", err)
	}
	if err := s.converse(c, p, raw); err != nil {
		var tp *textproto.Error
		if errors.As(err, &tp) {
			c.Quit() // the server answered: say goodbye politely
		}
		c.Close()
		return classify(ctx, opOf(err), err)
	}
	c.Quit() // the message is accepted; a failing QUIT changes nothing
	c.Close()
	return nil
}

// stepError names the step of the conversation that failed.
type stepError struct {
	op  string
	err error
}

func (e *stepError) Error() string { return e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

func step(op string, err error) error {
	if err == nil {
		return nil
	}
	return &stepError{op, err}
}

func opOf(err error) string {
	var se *stepError
	if errors.As(err, &se) {
		return se.op
	}
	return "smtp"
}

func (s *SMTPMailer) converse(c *smtp.Client, p *parsedMessage, raw []byte) error {
	if err := c.Hello(s.helo); err != nil {
		return step("hello", err)
	}
	if s.security == "starttls" {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return step("starttls", &Error{Op: "starttls", Err: ErrNoStartTLS})
		}
		if err := c.StartTLS(s.tls); err != nil {
			return step("starttls", err)
		}
	}
	if s.cfg.Username != "" {
		_, encrypted := c.TLSConnectionState()
		if !encrypted && !isLoopback(s.cfg.Host) {
			return step("auth", &Error{Op: "auth", Err: ErrInsecureAuth})
		}
		ok, mechs := c.Extension("AUTH")
		if !ok {
			return step("auth", &Error{Op: "auth", Err: errors.New("a user name is configured but the server offers no AUTH")})
		}
		a, err := s.auth(mechs)
		if err != nil {
			return step("auth", &Error{Op: "auth", Err: err})
		}
		if err := c.Auth(a); err != nil {
			return step("auth", err)
		}
	}
	if ok, v := c.Extension("SIZE"); ok {
		if limit, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && limit > 0 && len(raw) > limit {
			return step("mail", &Error{Op: "mail", Code: 552,
				Err: fmt.Errorf("message of %d bytes exceeds the server's limit of %d", len(raw), limit)})
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return step("mail", err)
	}
	for _, a := range p.to {
		if err := c.Rcpt(a.Address); err != nil {
			return step("rcpt", fmt.Errorf("<%s>: %w", a.Address, err))
		}
	}
	w, err := c.Data()
	if err != nil {
		return step("data", err)
	}
	if _, err := w.Write(raw); err != nil {
		w.Close()
		return step("data", err)
	}
	return step("data", w.Close())
}

// auth picks PLAIN, else LOGIN, among the mechanisms the server offers.
func (s *SMTPMailer) auth(offered string) (smtp.Auth, error) {
	mechs := strings.Fields(strings.ToUpper(offered))
	for _, want := range []string{"PLAIN", "LOGIN"} {
		for _, m := range mechs {
			if m == want {
				return &credentials{mech: want, host: s.cfg.Host, user: s.cfg.Username, pass: s.cfg.Password}, nil
			}
		}
	}
	return nil, fmt.Errorf("the server offers AUTH %s; gongkai speaks PLAIN and LOGIN", offered)
}

// credentials is AUTH PLAIN (RFC 4616) or LOGIN. Like net/smtp's PlainAuth
// it refuses to run over an unencrypted connection to a host that is not
// loopback, whatever the caller checked before.
type credentials struct {
	mech, host, user, pass string
	step                   int
}

func (a *credentials) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !isLoopback(server.Name) {
		return "", nil, ErrInsecureAuth
	}
	if server.Name != a.host {
		return "", nil, errors.New("wrong host name")
	}
	if a.mech == "PLAIN" {
		return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
	}
	return "LOGIN", nil, nil
}

func (a *credentials) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	if a.mech == "PLAIN" {
		return nil, errors.New("unexpected challenge to AUTH PLAIN")
	}
	a.step++
	prompt := strings.ToLower(string(fromServer))
	switch {
	case strings.Contains(prompt, "user"):
		return []byte(a.user), nil
	case strings.Contains(prompt, "pass"):
		return []byte(a.pass), nil
	case a.step == 1:
		return []byte(a.user), nil
	case a.step == 2:
		return []byte(a.pass), nil
	}
	return nil, errors.New("unexpected challenge to AUTH LOGIN")
}

// isLoopback reports whether host names this machine: "localhost" or a
// loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// classify turns an error of the conversation into an *Error.
func classify(ctx context.Context, op string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		// 4xx: transient; 5xx: permanent. Anything else is a server that
		// answered out of turn: try again later.
		return &Error{Op: op, Code: tp.Code, Temporary: tp.Code < 500 || tp.Code > 599, Err: err}
	}
	cerr := ctx.Err()
	if dl, ok := ctx.Deadline(); ok && cerr == nil && errors.Is(err, os.ErrDeadlineExceeded) && !time.Now().Before(dl) {
		// The connection's deadline (the context's) fired just before the
		// context's own timer.
		cerr = context.DeadlineExceeded
	}
	if cerr != nil {
		return &Error{Op: op, Temporary: true, Err: fmt.Errorf("%w (%w)", cerr, err)}
	}
	if tlsMisconfigured(err) {
		return &Error{Op: op, Err: err}
	}
	// Refused or reset connections, timeouts, DNS failures, EOF.
	return &Error{Op: op, Temporary: true, Err: err}
}

// tlsMisconfigured reports errors that retrying cannot mend: the server's
// certificate does not verify, or it does not speak TLS at all.
func tlsMisconfigured(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		record   tls.RecordHeaderError
	)
	return errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &record)
}
