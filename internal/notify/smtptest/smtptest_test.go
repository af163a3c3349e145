package smtptest_test

import (
	"crypto/tls"
	"encoding/base64"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/notify/smtptest"
)

// conversation drives the server by hand and checks each reply code.
type conversation struct {
	t *testing.T
	c *textproto.Conn
}

func dial(t *testing.T, srv *smtptest.Server) *conversation {
	t.Helper()
	c, err := textproto.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cv := &conversation{t, c}
	cv.expect(220)
	return cv
}

func (cv *conversation) expect(code int) string {
	cv.t.Helper()
	_, msg, err := cv.c.ReadResponse(code)
	if err != nil {
		cv.t.Fatalf("want %d: %v", code, err)
	}
	return msg
}

func (cv *conversation) cmd(code int, line string) string {
	cv.t.Helper()
	if err := cv.c.PrintfLine("%s", line); err != nil {
		cv.t.Fatal(err)
	}
	return cv.expect(code)
}

func TestConversationByHand(t *testing.T) {
	srv := smtptest.NewServer(t, smtptest.Options{Username: "u", Password: "p"})
	cv := dial(t, srv)
	cv.cmd(503, "MAIL FROM:<a@example.cn>")
	ext := cv.cmd(250, "EHLO client.test")
	if !strings.Contains(ext, "AUTH PLAIN LOGIN") || strings.Contains(ext, "STARTTLS") {
		t.Errorf("EHLO reply %q", ext)
	}
	cv.cmd(530, "MAIL FROM:<a@example.cn>")
	cv.cmd(535, "AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00u\x00wrong")))
	cv.cmd(334, "AUTH LOGIN")
	cv.cmd(334, base64.StdEncoding.EncodeToString([]byte("u")))
	cv.cmd(235, base64.StdEncoding.EncodeToString([]byte("p")))
	cv.cmd(503, "RCPT TO:<b@example.cn>")
	cv.cmd(250, "MAIL FROM:<a@example.cn> BODY=8BITMIME")
	cv.cmd(250, "RCPT TO:<b@example.cn>")
	cv.cmd(250, "RSET")
	cv.cmd(503, "DATA")
	cv.cmd(250, "MAIL FROM:<>")
	cv.cmd(250, "RCPT TO:<c@example.cn>")
	cv.cmd(354, "DATA")
	// Dot-stuffed lines lose their first dot; the lone dot ends the data.
	for _, l := range []string{"Subject: dots", "", ".hidden line", "..two dots", "plain", "."} {
		cv.c.PrintfLine("%s", l)
	}
	cv.expect(250)
	cv.cmd(250, "NOOP")
	cv.cmd(502, "TURN")
	cv.cmd(221, "QUIT")

	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.From != "" || strings.Join(m.To, ",") != "c@example.cn" || m.AuthUser != "u" || m.TLS || m.Helo != "client.test" {
		t.Errorf("envelope %+v", m)
	}
	if string(m.Data) != "Subject: dots\r\n\r\nhidden line\r\n.two dots\r\nplain\r\n" {
		t.Errorf("data %q", m.Data)
	}
	if m.Header.Get("Subject") != "dots" || string(m.Body) != "hidden line\r\n.two dots\r\nplain\r\n" {
		t.Errorf("parsed %v %q", m.Header, m.Body)
	}
	if errs := srv.Errors(); len(errs) != 0 {
		t.Errorf("errors %v", errs)
	}
}

func TestStartTLSAndFailures(t *testing.T) {
	srv := smtptest.NewServer(t, smtptest.Options{StartTLS: true})
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS not offered")
	}
	if err := c.StartTLS(srv.ClientTLSConfig()); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered again inside TLS")
	}
	srv.Fail(smtptest.StageRcpt, 451, 1)
	srv.Fail(smtptest.StageData, 554, -1)
	c.Mail("a@example.cn")
	if err := c.Rcpt("b@example.cn"); err == nil || err.(*textproto.Error).Code != 451 {
		t.Fatalf("RCPT: %v", err)
	}
	if err := c.Rcpt("b@example.cn"); err != nil {
		t.Fatalf("RCPT after the failure was used: %v", err)
	}
	for range 2 {
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("Subject: x\r\n\r\nbody\r\n"))
		if err := w.Close(); err == nil || err.(*textproto.Error).Code != 554 {
			t.Fatalf("DATA: %v", err)
		}
		c.Reset()
		c.Mail("a@example.cn")
		c.Rcpt("b@example.cn")
	}
	srv.Fail(smtptest.StageData, 0, 0)
	w, _ := c.Data()
	w.Write([]byte("Subject: x\r\n\r\nbody\r\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if ms := srv.Messages(); len(ms) != 1 || !ms[0].TLS {
		t.Fatalf("messages %+v", ms)
	}
}

func TestImplicitTLS(t *testing.T) {
	srv := smtptest.NewServer(t, smtptest.Options{ImplicitTLS: true})
	conn, err := tls.Dial("tcp", srv.Addr(), srv.ClientTLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClient(conn, srv.Host())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	// A plain client does not get through.
	raw, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := smtp.NewClient(raw, srv.Host()); err == nil {
		t.Error("plain client greeted on an implicit-TLS port")
	}
}
