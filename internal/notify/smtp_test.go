package notify_test

import (
	"context"
	"errors"
	"mime"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/config"
	"github.com/gongkai/gongkai/internal/notify"
	"github.com/gongkai/gongkai/internal/notify/smtptest"
)

const (
	smtpUser = "gongkai@mzzj.example.gov.cn"
	smtpPass = "s3cret-口令"
)

func chineseMessage() notify.Message {
	return notify.Message{
		To:      []string{"张三 <zhangsan@example.cn>", "lisi@example.cn"},
		Subject: "【政务公开】您的申请已受理",
		Text:    "张三您好：\n\n您的政府信息公开申请已受理。\n.\n上海市民族和宗教事务局",
	}
}

// mailerFor returns an SMTPMailer that reaches srv and trusts its
// certificate.
func mailerFor(srv *smtptest.Server) *notify.SMTPMailer {
	return notify.NewSMTP(srv.Config(testFrom), notify.WithRootCAs(srv.CertPool()), notify.WithHelloName("gongkai.test"))
}

func sendOK(t *testing.T, m notify.Mailer, msg notify.Message) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.Send(ctx, msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
}

// checkReceived checks the one message srv received against chineseMessage.
func checkReceived(t *testing.T, srv *smtptest.Server, wantTLS bool, wantUser string) smtptest.Message {
	t.Helper()
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("server received %d messages", len(got))
	}
	m := got[0]
	if m.TLS != wantTLS || m.AuthUser != wantUser || m.Helo != "gongkai.test" {
		t.Errorf("TLS %v (want %v), user %q (want %q), EHLO %q", m.TLS, wantTLS, m.AuthUser, wantUser, m.Helo)
	}
	if m.From != "noreply@mzzj.example.gov.cn" || strings.Join(m.To, ",") != "zhangsan@example.cn,lisi@example.cn" {
		t.Errorf("envelope %q → %q", m.From, m.To)
	}
	if m.Header == nil {
		t.Fatalf("received data does not parse:\n%s", m.Data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil || subject != chineseMessage().Subject {
		t.Errorf("subject %q %v", subject, err)
	}
	if to, err := m.Header.AddressList("To"); err != nil || to[0].Name != "张三" {
		t.Errorf("To %v %v", to, err)
	}
	if errs := srv.Errors(); len(errs) > 0 {
		t.Errorf("server saw protocol errors: %v", errs)
	}
	return m
}

func TestSMTPStartTLSWithAuth(t *testing.T) {
	for _, mech := range []string{"PLAIN", "LOGIN"} {
		t.Run(mech, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.NewServer(t, smtptest.Options{StartTLS: true, Username: smtpUser, Password: smtpPass,
				AuthMechanisms: []string{mech}})
			sendOK(t, mailerFor(srv), chineseMessage())
			checkReceived(t, srv, true, smtpUser)
			want := []string{"EHLO", "STARTTLS", "EHLO", "AUTH", "MAIL", "RCPT", "RCPT", "DATA", "QUIT"}
			if got := srv.Commands(); !slices.Equal(got, want) {
				t.Errorf("conversation %v, want %v", got, want)
			}
		})
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewServer(t, smtptest.Options{ImplicitTLS: true, Username: smtpUser, Password: smtpPass})
	sendOK(t, mailerFor(srv), chineseMessage())
	checkReceived(t, srv, true, smtpUser)
}

func TestSMTPPlainOnLoopback(t *testing.T) {
	t.Parallel()
	// A local relay without TLS, with and without credentials: allowed
	// because the host is loopback.
	srv := smtptest.NewServer(t, smtptest.Options{Username: smtpUser, Password: smtpPass})
	sendOK(t, mailerFor(srv), chineseMessage())
	checkReceived(t, srv, false, smtpUser)

	open := smtptest.NewServer(t, smtptest.Options{})
	sendOK(t, mailerFor(open), chineseMessage())
	checkReceived(t, open, false, "")
}

func TestSMTPRefusesAuthInTheClearToRemoteHost(t *testing.T) {
	t.Parallel()
	m := notify.NewSMTP(config.SMTP{Host: "mail.mzzj.example.gov.cn", Port: 25, Security: "none",
		Username: smtpUser, Password: smtpPass, From: testFrom})
	err := m.Send(context.Background(), chineseMessage())
	if !errors.Is(err, notify.ErrInsecureAuth) || notify.IsTemporary(err) {
		t.Fatalf("Send: %v (temporary %v), want permanent ErrInsecureAuth", err, notify.IsTemporary(err))
	}
}

func TestSMTPRequiresOfferedStartTLS(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewServer(t, smtptest.Options{Username: smtpUser, Password: smtpPass})
	cfg := srv.Config(testFrom)
	cfg.Security = "starttls"
	err := notify.NewSMTP(cfg).Send(context.Background(), chineseMessage())
	if !errors.Is(err, notify.ErrNoStartTLS) || notify.IsTemporary(err) {
		t.Fatalf("Send: %v, want permanent ErrNoStartTLS", err)
	}
	for _, c := range srv.Commands() {
		if c == "AUTH" || c == "MAIL" || c == "DATA" {
			t.Fatalf("sent %s in the clear: %v", c, srv.Commands())
		}
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("a message was delivered")
	}
}

func TestSMTPUntrustedCertificateIsPermanent(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewServer(t, smtptest.Options{StartTLS: true})
	err := notify.NewSMTP(srv.Config(testFrom)).Send(context.Background(), chineseMessage()) // system roots only
	var se *notify.Error
	if !errors.As(err, &se) || se.Op != "starttls" || notify.IsTemporary(err) {
		t.Fatalf("Send: %v, want a permanent starttls error", err)
	}
}

func TestSMTPReplyCodesClassified(t *testing.T) {
	t.Parallel()
	cases := []struct {
		stage     smtptest.Stage
		code      int
		op        string
		temporary bool
	}{
		{smtptest.StageMail, 421, "mail", true},
		{smtptest.StageRcpt, 451, "rcpt", true},
		{smtptest.StageRcpt, 550, "rcpt", false},
		{smtptest.StageData, 452, "data", true},
		{smtptest.StageData, 554, "data", false},
	}
	srv := smtptest.NewServer(t, smtptest.Options{StartTLS: true, Username: smtpUser, Password: smtpPass})
	m := mailerFor(srv)
	for _, c := range cases {
		srv.Reset()
		srv.Fail(c.stage, c.code, 1)
		err := m.Send(context.Background(), chineseMessage())
		var se *notify.Error
		if !errors.As(err, &se) || se.Code != c.code || se.Op != c.op || se.Temporary != c.temporary ||
			notify.IsTemporary(err) != c.temporary {
			t.Errorf("%s %d: %#v", c.stage, c.code, err)
		}
		if len(srv.Messages()) != 0 {
			t.Errorf("%s %d: message recorded", c.stage, c.code)
		}
	}
	// The failures were used up: the next message goes through.
	srv.Reset()
	sendOK(t, m, chineseMessage())

	// Wrong credentials: 535, permanent.
	cfg := srv.Config(testFrom)
	cfg.Password = "wrong"
	err := notify.NewSMTP(cfg, notify.WithRootCAs(srv.CertPool())).Send(context.Background(), chineseMessage())
	var se *notify.Error
	if !errors.As(err, &se) || se.Code != 535 || se.Op != "auth" || notify.IsTemporary(err) {
		t.Errorf("wrong password: %#v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestSMTPNetworkFailuresAreTemporary(t *testing.T) {
	t.Parallel()
	// Nobody listens: connection refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	m := notify.NewSMTP(config.SMTP{Host: "127.0.0.1", Port: port, Security: "none", From: testFrom})
	if err := m.Send(context.Background(), chineseMessage()); !notify.IsTemporary(err) {
		t.Errorf("refused connection: %v, want temporary", err)
	}

	// A server that accepts but never greets: the context's deadline ends
	// the conversation.
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	m = notify.NewSMTP(config.SMTP{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, Security: "none", From: testFrom})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = m.Send(ctx, chineseMessage())
	if !notify.IsTemporary(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("silent server: %v, want temporary deadline exceeded", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Send took %v despite a 200 ms deadline", took)
	}

	// Cancelling the context interrupts a conversation in progress.
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	if err := m.Send(ctx, chineseMessage()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestSMTPRefusesOversizedMessageBeforeSending(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewServer(t, smtptest.Options{MaxSize: 2000})
	msg := chineseMessage()
	msg.Text = strings.Repeat("政务公开", 500)
	err := mailerFor(srv).Send(context.Background(), msg)
	var se *notify.Error
	if !errors.As(err, &se) || se.Code != 552 || notify.IsTemporary(err) {
		t.Fatalf("Send: %v", err)
	}
	if slices.Contains(srv.Commands(), "DATA") {
		t.Error("sent DATA anyway")
	}
}

func TestSMTPConfigurationErrors(t *testing.T) {
	t.Parallel()
	unset := notify.NewSMTP(config.SMTP{})
	if unset.Enabled() {
		t.Error("a mailer without host is enabled")
	}
	err := unset.Send(context.Background(), chineseMessage())
	if !errors.Is(err, notify.ErrNotConfigured) || err.Error() != "未配置邮件服务器" || !notify.IsTemporary(err) {
		t.Errorf("no host: %v", err)
	}
	for _, cfg := range []config.SMTP{
		{Host: "127.0.0.1", From: "not an address"},
		{Host: "127.0.0.1", From: testFrom, Security: "ssl"},
	} {
		err := notify.NewSMTP(cfg).Send(context.Background(), chineseMessage())
		var se *notify.Error
		if !errors.As(err, &se) || se.Op != "config" || notify.IsTemporary(err) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
	srv := smtptest.NewServer(t, smtptest.Options{})
	bad := chineseMessage()
	bad.Subject = "a\r\nBcc: evil@example.com"
	if err := mailerFor(srv).Send(context.Background(), bad); err == nil || notify.IsTemporary(err) {
		t.Errorf("header injection: %v", err)
	}
	if len(srv.Commands()) != 0 {
		t.Errorf("connected for an invalid message: %v", srv.Commands())
	}
}
