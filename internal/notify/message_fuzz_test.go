package notify

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// FuzzMessageEncode: whatever the public typed into the fields that end up
// in a notification (the address, a display name, the subject through the
// case title, the text), a message either fails validation or encodes to
// one RFC 5322 message with exactly the header fields the encoder writes:
// no injected header, the recipients and subject as given, and the text
// body decoding to the text.
func FuzzMessageEncode(f *testing.F) {
	f.Add("张三 <zhangsan@example.cn>", "您的申请已登记", "申请编号 A-2026-0001\n查询码请妥善保管。", "", "", "")
	f.Add("a@example.cn\r\nBcc: x@evil.test", "s", "t", "", "", "")
	f.Add("a@example.cn", "x\r\nBcc: x@evil.test", "t", "", "X-Gongkai-Purpose", "receipt")
	f.Add("\"Bcc: x@evil.test\" <a@example.cn>", strings.Repeat("很长的主题 ", 30), "t", "<p>x</p>", "In-Reply-To", "<a@b>")
	f.Add("a@example.cn", "s", "t", "", "Bcc", "x@evil.test")
	f.Add("a@example.cn", "s", "t", "", "Content-Type", "text/html")
	f.Add("a@example.cn", "s", "t", "", "X-A", "v\nBcc: x")
	f.Add("=?utf-8?q?a?= <a@example.cn>", "=?utf-8?b?QmNjOiB4?=", "\r\r\n.\r\n", "", "Message-ID", "<x@y>")
	f.Fuzz(func(t *testing.T, to, subject, text, html, hname, hvalue string) {
		m := Message{To: []string{to}, Subject: subject, Text: text, HTML: html}
		if hname != "" {
			m.Headers = map[string]string{hname: hvalue}
		}
		raw, err := m.Encode("政务公开 <noreply@gov.example.cn>", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
		if err != nil {
			return
		}
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("unreadable message: %v\n%s", err, raw)
		}
		want := map[string]bool{"Date": true, "From": true, "To": true, "Subject": true, "Message-Id": true, "Mime-Version": true, "Content-Type": true}
		if html == "" {
			want["Content-Transfer-Encoding"] = true
		}
		if hname != "" {
			want[textproto.CanonicalMIMEHeaderKey(hname)] = true
		}
		for k, vs := range msg.Header {
			if !want[k] || len(vs) != 1 {
				t.Fatalf("header %s: %q\n%s", k, vs, raw)
			}
		}
		if len(msg.Header) != len(want) {
			t.Fatalf("headers %v, want %v", msg.Header, want)
		}
		got, err := mail.ParseAddressList(msg.Header.Get("To"))
		exp, _ := mail.ParseAddress(to)
		if err != nil || len(got) != 1 || got[0].Address != exp.Address {
			t.Fatalf("To %q reads as %v, %v", to, got, err)
		}
		dec := new(mime.WordDecoder)
		s, err := dec.DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || strings.Join(strings.Fields(s), " ") != strings.Join(strings.Fields(subject), " ") {
			t.Fatalf("subject %q reads as %q, %v", subject, s, err)
		}
		if html != "" {
			return
		}
		var r io.Reader = msg.Body
		if msg.Header.Get("Content-Transfer-Encoding") == "base64" {
			r = base64.NewDecoder(base64.StdEncoding, r)
		} else {
			r = quotedprintable.NewReader(r)
		}
		body, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("body: %v", err)
		}
		if strings.TrimSuffix(string(body), "\r\n") != crlf(text) && string(body) != crlf(text) {
			t.Fatalf("text %q reads back as %q", text, body)
		}
	})
}
