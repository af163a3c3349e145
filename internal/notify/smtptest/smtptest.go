// Package smtptest runs a real SMTP server inside a test process, so that
// tests of e-mail hold a real SMTP conversation (the project's rule) rather
// than a mock.
//
// The server listens on 127.0.0.1 on a free port and speaks RFC 5321: EHLO
// and HELO, STARTTLS (with a self-signed certificate it makes, trusted by
// CertPool), implicit TLS, AUTH PLAIN and LOGIN, MAIL FROM, RCPT TO, DATA
// with dot-unstuffing, RSET, NOOP, VRFY and QUIT. It records every message
// it accepts and every command it receives, and can be told to answer a
// given code at MAIL, RCPT or DATA to exercise error handling.
package smtptest

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/config"
)

// Options configure a Server. The zero value is a plain server without
// authentication.
type Options struct {
	// StartTLS offers STARTTLS on the plain connection.
	StartTLS bool
	// ImplicitTLS speaks TLS from the first byte (like port 465).
	ImplicitTLS bool
	// Username and Password, when Username is set, make the server offer
	// AUTH and require it before MAIL.
	Username, Password string
	// AuthMechanisms are the mechanisms offered (default PLAIN and LOGIN).
	AuthMechanisms []string
	// MaxSize is the largest message accepted, announced as SIZE (default
	// 10 MiB).
	MaxSize int
	// Hostname is the name in the greeting (default "smtptest.localhost").
	Hostname string
}

// Message is one message the server accepted.
type Message struct {
	From     string      // MAIL FROM address
	To       []string    // RCPT TO addresses
	Data     []byte      // the data as received, dot-unstuffed (lines end in CRLF)
	Header   mail.Header // Data's header, parsed by net/mail (nil if it did not parse)
	Body     []byte      // Data after the header
	TLS      bool        // received over TLS (implicit or STARTTLS)
	AuthUser string      // the authenticated user, if any
	Helo     string      // the name the client gave in EHLO or HELO
}

// Stage is a point of the conversation where the server can be told to fail.
type Stage string

// The stages Fail can act on. A DATA failure is the reply after the final
// dot (the message is read, then refused and not recorded).
const (
	StageMail Stage = "MAIL"
	StageRcpt Stage = "RCPT"
	StageData Stage = "DATA"
)

// Server is a running test SMTP server. It stops when the test ends.
type Server struct {
	opts     Options
	ln       net.Listener
	tlsCfg   *tls.Config
	pool     *x509.CertPool
	host     string
	port     int
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[net.Conn]bool
	closed   bool
	messages []Message
	commands []string
	failures map[Stage]*failure
	errs     []error
}

type failure struct {
	code  int
	times int // < 0: every time
}

// NewServer starts a server and stops it when t ends.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.MaxSize <= 0 {
		opts.MaxSize = 10 << 20
	}
	if opts.Hostname == "" {
		opts.Hostname = "smtptest.localhost"
	}
	if len(opts.AuthMechanisms) == 0 {
		opts.AuthMechanisms = []string{"PLAIN", "LOGIN"}
	}
	cert, pool, err := selfSigned()
	if err != nil {
		t.Fatalf("smtptest: certificate: %v", err)
	}
	s := &Server{
		opts:     opts,
		tlsCfg:   &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		pool:     pool,
		conns:    map[net.Conn]bool{},
		failures: map[Stage]*failure{},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	if opts.ImplicitTLS {
		ln = tls.NewListener(ln, s.tlsCfg)
	}
	s.ln = ln
	a := ln.Addr().(*net.TCPAddr)
	s.host, s.port = a.IP.String(), a.Port
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.close)
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

// Host is the listening address, 127.0.0.1.
func (s *Server) Host() string { return s.host }

// Port is the listening port.
func (s *Server) Port() int { return s.port }

// CertPool trusts the server's certificate (valid for 127.0.0.1, ::1 and
// localhost).
func (s *Server) CertPool() *x509.CertPool { return s.pool }

// ClientTLSConfig is a client configuration that trusts the server.
func (s *Server) ClientTLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.pool, ServerName: s.host, MinVersion: tls.VersionTLS12}
}

// Config returns a gongkai SMTP configuration that reaches this server with
// its credentials, and security "tls" for ImplicitTLS, "starttls" for
// StartTLS, else "none".
func (s *Server) Config(from string) config.SMTP {
	sec := "none"
	switch {
	case s.opts.ImplicitTLS:
		sec = "tls"
	case s.opts.StartTLS:
		sec = "starttls"
	}
	return config.SMTP{Host: s.host, Port: s.port, Username: s.opts.Username, Password: s.opts.Password, From: from, Security: sec}
}

// Messages returns the messages accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Commands returns the verbs of the commands received so far ("EHLO",
// "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "QUIT", …), without their
// arguments, across all connections.
func (s *Server) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.commands...)
}

// Errors returns the protocol errors the server saw (malformed commands,
// broken connections), for tests that want none.
func (s *Server) Errors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.errs...)
}

// Reset forgets the messages and commands recorded so far and clears the
// failures set with Fail.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages, s.commands, s.errs = nil, nil, nil
	s.failures = map[Stage]*failure{}
}

// Fail makes the next times replies at stage carry code (for example 451
// or 550) instead of success; times < 0 means every reply until Fail is
// called again for the stage; code 0 or times 0 clears the stage.
func (s *Server) Fail(stage Stage, code int, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 || times == 0 {
		delete(s.failures, stage)
		return
	}
	s.failures[stage] = &failure{code: code, times: times}
}

// failure returns the code stage must answer now, or 0.
func (s *Server) failure(stage Stage) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.failures[stage]
	if f == nil {
		return 0
	}
	if f.times > 0 {
		f.times--
		if f.times == 0 {
			delete(s.failures, stage)
		}
	}
	return f.code
}

func (s *Server) close() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.ln.Close()
	s.wg.Wait()
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = true
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			if err := s.session(c); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.mu.Lock()
				s.errs = append(s.errs, err)
				s.mu.Unlock()
			}
		}()
	}
}

// session is the state of one connection.
type session struct {
	s        *Server
	conn     net.Conn
	r        *bufio.Reader
	w        *bufio.Writer
	tls      bool
	helo     string
	authUser string
	from     string
	inMail   bool
	to       []string
}

// ioTimeout bounds each read and write, so that a stuck client cannot hang
// the test's cleanup for long.
const ioTimeout = 10 * time.Second

// maxLine bounds a command line (RFC 5321 allows 512 octets).
const maxLine = 4096

func (s *Server) session(c net.Conn) error {
	ss := &session{s: s, conn: c, r: bufio.NewReaderSize(c, maxLine), w: bufio.NewWriter(c), tls: s.opts.ImplicitTLS}
	if tc, ok := c.(*tls.Conn); ok {
		tc.SetDeadline(time.Now().Add(ioTimeout))
		if err := tc.Handshake(); err != nil {
			return fmt.Errorf("smtptest: TLS handshake: %w", err)
		}
		tc.SetDeadline(time.Time{})
	}
	if err := ss.reply(220, s.opts.Hostname+" ESMTP smtptest ready"); err != nil {
		return err
	}
	for {
		line, err := ss.readLine()
		if err != nil {
			return err
		}
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		s.mu.Lock()
		s.commands = append(s.commands, verb)
		s.mu.Unlock()
		quit, err := ss.command(verb, strings.TrimSpace(arg))
		if err != nil || quit {
			return err
		}
	}
}

func (ss *session) readLine() (string, error) {
	ss.conn.SetReadDeadline(time.Now().Add(ioTimeout))
	line, err := ss.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return "", errors.New("smtptest: command line too long")
	}
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(line), "\r\n"), nil
}

// reply writes a reply; text may hold several lines separated by "\n".
func (ss *session) reply(code int, text string) error {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		fmt.Fprintf(ss.w, "%d%s%s\r\n", code, sep, l)
	}
	ss.conn.SetWriteDeadline(time.Now().Add(ioTimeout))
	return ss.w.Flush()
}

func (ss *session) resetTransaction() {
	ss.from, ss.inMail, ss.to = "", false, nil
}

// command handles one command and reports whether the session ends.
func (ss *session) command(verb, arg string) (quit bool, err error) {
	o := ss.s.opts
	switch verb {
	case "EHLO", "HELO":
		if arg == "" {
			return false, ss.reply(501, "5.5.4 "+verb+" needs a domain")
		}
		ss.helo = arg
		ss.resetTransaction()
		if verb == "HELO" {
			return false, ss.reply(250, o.Hostname)
		}
		ext := []string{o.Hostname + " greets " + arg, "8BITMIME", "SIZE " + strconv.Itoa(o.MaxSize), "ENHANCEDSTATUSCODES"}
		if o.StartTLS && !ss.tls {
			ext = append(ext, "STARTTLS")
		}
		if o.Username != "" {
			ext = append(ext, "AUTH "+strings.Join(o.AuthMechanisms, " "))
		}
		return false, ss.reply(250, strings.Join(ext, "\n"))
	case "STARTTLS":
		if !o.StartTLS || ss.tls {
			return false, ss.reply(502, "5.5.1 STARTTLS not available")
		}
		if ss.r.Buffered() > 0 {
			// Commands pipelined after STARTTLS would be injected into
			// the encrypted session (CVE-2011-0411): refuse.
			return true, ss.reply(554, "5.5.0 data after STARTTLS")
		}
		if err := ss.reply(220, "2.0.0 ready to start TLS"); err != nil {
			return false, err
		}
		tc := tls.Server(ss.conn, ss.s.tlsCfg)
		tc.SetDeadline(time.Now().Add(ioTimeout))
		if err := tc.Handshake(); err != nil {
			return true, fmt.Errorf("smtptest: TLS handshake: %w", err)
		}
		tc.SetDeadline(time.Time{})
		// The raw connection stays in s.conns: closing it ends this one.
		ss.conn, ss.tls = tc, true
		ss.r, ss.w = bufio.NewReaderSize(tc, maxLine), bufio.NewWriter(tc)
		// RFC 3207: the client must greet again; forget everything.
		ss.helo, ss.authUser = "", ""
		ss.resetTransaction()
		return false, nil
	case "AUTH":
		return false, ss.auth(arg)
	case "MAIL":
		if ss.helo == "" {
			return false, ss.reply(503, "5.5.1 say EHLO first")
		}
		if o.Username != "" && ss.authUser == "" {
			return false, ss.reply(530, "5.7.0 authentication required")
		}
		if ss.inMail {
			return false, ss.reply(503, "5.5.1 nested MAIL command")
		}
		addr, ok := pathArg(arg, "FROM:")
		if !ok {
			return false, ss.reply(501, "5.5.4 syntax: MAIL FROM:<address>")
		}
		if code := ss.s.failure(StageMail); code != 0 {
			return false, ss.reply(code, failText(code, StageMail))
		}
		ss.from, ss.inMail = addr, true
		return false, ss.reply(250, "2.1.0 sender ok")
	case "RCPT":
		if !ss.inMail {
			return false, ss.reply(503, "5.5.1 need MAIL first")
		}
		addr, ok := pathArg(arg, "TO:")
		if !ok || addr == "" {
			return false, ss.reply(501, "5.5.4 syntax: RCPT TO:<address>")
		}
		if code := ss.s.failure(StageRcpt); code != 0 {
			return false, ss.reply(code, failText(code, StageRcpt))
		}
		ss.to = append(ss.to, addr)
		return false, ss.reply(250, "2.1.5 recipient ok")
	case "DATA":
		if len(ss.to) == 0 {
			return false, ss.reply(503, "5.5.1 need RCPT first")
		}
		if err := ss.reply(354, "end data with <CR><LF>.<CR><LF>"); err != nil {
			return false, err
		}
		data, tooBig, err := ss.readData()
		if err != nil {
			return true, err
		}
		defer ss.resetTransaction()
		if tooBig {
			return false, ss.reply(552, "5.3.4 message too big")
		}
		if code := ss.s.failure(StageData); code != 0 {
			return false, ss.reply(code, failText(code, StageData))
		}
		ss.record(data)
		return false, ss.reply(250, "2.0.0 queued as smtptest")
	case "RSET":
		ss.resetTransaction()
		return false, ss.reply(250, "2.0.0 reset")
	case "NOOP":
		return false, ss.reply(250, "2.0.0 ok")
	case "VRFY":
		return false, ss.reply(252, "2.5.2 cannot verify, will try")
	case "QUIT":
		return true, ss.reply(221, "2.0.0 bye")
	default:
		return false, ss.reply(502, "5.5.2 command not recognised")
	}
}

func failText(code int, stage Stage) string {
	class := "5.0.0"
	if code < 500 {
		class = "4.0.0"
	}
	return fmt.Sprintf("%s smtptest was told to refuse %s", class, stage)
}

// pathArg extracts the address of "FROM:<a@b> PARAMS" or "TO:<a@b>".
func pathArg(arg, prefix string) (string, bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return "", false
	}
	return rest[1:end], true
}

func (ss *session) auth(arg string) error {
	o := ss.s.opts
	if o.Username == "" {
		return ss.reply(502, "5.5.1 AUTH not available")
	}
	if ss.helo == "" {
		return ss.reply(503, "5.5.1 say EHLO first")
	}
	if ss.authUser != "" {
		return ss.reply(503, "5.5.1 already authenticated")
	}
	mech, initial, _ := strings.Cut(arg, " ")
	mech = strings.ToUpper(mech)
	offered := false
	for _, m := range o.AuthMechanisms {
		offered = offered || strings.EqualFold(m, mech)
	}
	if !offered {
		return ss.reply(504, "5.5.4 mechanism not offered")
	}
	// challenge sends a 334 with prompt and returns the decoded answer;
	// ok is false when the client cancelled or sent bad base64.
	challenge := func(prompt string) (string, bool, error) {
		if err := ss.reply(334, base64.StdEncoding.EncodeToString([]byte(prompt))); err != nil {
			return "", false, err
		}
		line, err := ss.readLine()
		if err != nil {
			return "", false, err
		}
		if line == "*" {
			return "", false, nil
		}
		b, err := base64.StdEncoding.DecodeString(line)
		return string(b), err == nil, nil
	}
	var user, pass string
	switch mech {
	case "PLAIN":
		var resp string
		if initial == "" {
			r, ok, err := challenge("")
			if err != nil {
				return err
			}
			if !ok {
				return ss.reply(501, "5.7.0 authentication cancelled")
			}
			resp = r
		} else {
			b, err := base64.StdEncoding.DecodeString(initial)
			if err != nil {
				return ss.reply(501, "5.5.2 bad base64")
			}
			resp = string(b)
		}
		parts := strings.Split(resp, "\x00")
		if len(parts) != 3 {
			return ss.reply(501, "5.5.2 malformed PLAIN response")
		}
		user, pass = parts[1], parts[2]
	case "LOGIN":
		u, ok, err := challenge("Username:")
		if err != nil {
			return err
		}
		if !ok {
			return ss.reply(501, "5.7.0 authentication cancelled")
		}
		p, ok, err := challenge("Password:")
		if err != nil {
			return err
		}
		if !ok {
			return ss.reply(501, "5.7.0 authentication cancelled")
		}
		user, pass = u, p
	default:
		return ss.reply(504, "5.5.4 mechanism not supported")
	}
	if user != o.Username || pass != o.Password {
		return ss.reply(535, "5.7.8 authentication credentials invalid")
	}
	ss.authUser = user
	return ss.reply(235, "2.7.0 authentication successful")
}

// readData reads the message up to the line ".", removing the dot that
// stuffs lines starting with one. It keeps reading past MaxSize (to stay
// in step with the client) but reports tooBig.
func (ss *session) readData() (data []byte, tooBig bool, err error) {
	var b bytes.Buffer
	for {
		ss.conn.SetReadDeadline(time.Now().Add(ioTimeout))
		line, err := ss.r.ReadSlice('\n')
		for errors.Is(err, bufio.ErrBufferFull) { // a long line: collect it whole
			more := append([]byte(nil), line...)
			line, err = ss.r.ReadSlice('\n')
			line = append(more, line...)
		}
		if err != nil {
			return nil, false, err
		}
		if string(line) == ".\r\n" || string(line) == ".\n" {
			return b.Bytes(), tooBig, nil
		}
		if line[0] == '.' {
			line = line[1:]
		}
		if b.Len()+len(line) > ss.s.opts.MaxSize {
			tooBig = true
			continue
		}
		b.Write(line)
	}
}

func (ss *session) record(data []byte) {
	m := Message{From: ss.from, To: ss.to, Data: data, TLS: ss.tls, AuthUser: ss.authUser, Helo: ss.helo}
	if pm, err := mail.ReadMessage(bytes.NewReader(data)); err == nil {
		m.Header = pm.Header
		m.Body, _ = io.ReadAll(pm.Body)
	}
	ss.s.mu.Lock()
	ss.s.messages = append(ss.s.messages, m)
	ss.s.mu.Unlock()
}

// selfSigned makes an ECDSA certificate for 127.0.0.1, ::1 and localhost
// that is its own authority, and a pool that trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "smtptest", Organization: []string{"gongkai tests"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}
