package notify_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/notify"
)

const testFrom = "上海市民族和宗教事务局 <noreply@mzzj.example.gov.cn>"

var testDate = time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)

// checkWire checks what every encoded message must be: 7-bit ASCII, lines
// ending in CRLF, none longer than 998 characters.
func checkWire(t *testing.T, raw []byte) {
	t.Helper()
	for i, c := range raw {
		if c >= 0x80 || c == 0 {
			t.Fatalf("byte %d is %#x: not 7-bit ASCII", i, c)
		}
		if c == '\n' && (i == 0 || raw[i-1] != '\r') {
			t.Fatalf("bare LF at byte %d", i)
		}
		if c == '\r' && (i+1 >= len(raw) || raw[i+1] != '\n') {
			t.Fatalf("bare CR at byte %d", i)
		}
	}
	for _, l := range strings.Split(string(raw), "\r\n") {
		if len(l) > 998 {
			t.Fatalf("line of %d characters: %.80s…", len(l), l)
		}
	}
}

// decodePart decodes a body by its Content-Transfer-Encoding.
func decodePart(t *testing.T, cte string, body io.Reader) string {
	t.Helper()
	var r io.Reader
	switch strings.ToLower(cte) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	default:
		t.Fatalf("Content-Transfer-Encoding %q", cte)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEncodeChineseRoundTrip(t *testing.T) {
	subject := "关于印发《2022年上海市民族宗教政务公开工作要点》的通知——请各处室于本周五前反馈意见（第" + strings.Repeat("一", 60) + "号）"
	text := "各位同事：\n\n请查收附件。\r\n.以句点开头的一行\n谢谢！"
	msg := notify.Message{
		To:      []string{"张三 <zhangsan@example.cn>", `"Li, Si (信息公开办)" <lisi@example.cn>`, "wangwu@example.cn"},
		Subject: subject,
		Text:    text,
		ReplyTo: "政务公开办公室 <gkb@mzzj.example.gov.cn>",
		Headers: map[string]string{"X-Gongkai-Purpose": "digest", "Auto-Submitted": "auto-generated", "X-Note": "中文的头"},
	}
	raw, err := msg.Encode(testFrom, testDate)
	if err != nil {
		t.Fatal(err)
	}
	checkWire(t, raw)

	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail cannot read it: %v\n%s", err, raw)
	}
	dec := new(mime.WordDecoder)
	got, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil || got != subject {
		t.Fatalf("subject round trip:\n got %q (%v)\nwant %q", got, err, subject)
	}
	if !regexp.MustCompile(`(?m)^Subject: =\?utf-8\?b\?.*\r\n =\?utf-8\?b\?`).Match(raw) {
		t.Errorf("long subject is not folded encoded-words:\n%s", raw)
	}
	from, err := m.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "上海市民族和宗教事务局" || from[0].Address != "noreply@mzzj.example.gov.cn" {
		t.Errorf("From: %+v %v", from, err)
	}
	to, err := m.Header.AddressList("To")
	if err != nil || len(to) != 3 {
		t.Fatalf("To: %+v %v", to, err)
	}
	if to[0].Name != "张三" || to[0].Address != "zhangsan@example.cn" || to[1].Name != "Li, Si (信息公开办)" || to[2].Name != "" {
		t.Errorf("To: %+v, %+v, %+v", to[0], to[1], to[2])
	}
	if rt, err := m.Header.AddressList("Reply-To"); err != nil || rt[0].Name != "政务公开办公室" {
		t.Errorf("Reply-To: %+v %v", rt, err)
	}
	if d, err := m.Header.Date(); err != nil || !d.Equal(testDate) || !strings.HasSuffix(m.Header.Get("Date"), "+0800") {
		t.Errorf("Date %q: %v %v", m.Header.Get("Date"), d, err)
	}
	if id := m.Header.Get("Message-ID"); !regexp.MustCompile(`^<[0-9a-f]{32}@mzzj\.example\.gov\.cn>$`).MatchString(id) {
		t.Errorf("Message-ID %q", id)
	}
	if note, _ := dec.DecodeHeader(m.Header.Get("X-Note")); note != "中文的头" || m.Header.Get("X-Gongkai-Purpose") != "digest" {
		t.Errorf("extra headers: %q %q", note, m.Header.Get("X-Gongkai-Purpose"))
	}
	if m.Header.Get("MIME-Version") != "1.0" || m.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("MIME headers: %v", m.Header)
	}
	cte := m.Header.Get("Content-Transfer-Encoding")
	if cte != "base64" {
		t.Errorf("mostly Chinese text should be base64, is %q", cte)
	}
	body := decodePart(t, cte, m.Body)
	want := strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n")
	if strings.TrimSuffix(body, "\r\n") != want {
		t.Errorf("body:\n got %q\nwant %q", body, want)
	}
}

func TestEncodeASCIIQuotedPrintable(t *testing.T) {
	text := "Dear applicant,\n\nYour request " + strings.Repeat("is being processed ", 10) + "(ref. 沪民宗公开〔2026〕1号).\n.\n-- \ngongkai"
	msg := notify.Message{To: []string{"applicant@example.com"}, Subject: "Your request: received", Text: text}
	raw, err := msg.Encode("noreply@example.gov.cn", testDate)
	if err != nil {
		t.Fatal(err)
	}
	checkWire(t, raw)
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("Subject") != "Your request: received" {
		t.Errorf("ASCII subject should stay as is: %q", m.Header.Get("Subject"))
	}
	if cte := m.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
		t.Fatalf("mostly ASCII text should be quoted-printable, is %q", cte)
	}
	for _, l := range strings.Split(string(raw), "\r\n") {
		if len(l) > 78 {
			t.Errorf("line of %d characters: %q", len(l), l)
		}
	}
	body := decodePart(t, "quoted-printable", m.Body)
	if strings.TrimSuffix(body, "\r\n") != strings.ReplaceAll(text, "\n", "\r\n") {
		t.Errorf("body:\n got %q\nwant %q", body, text)
	}
}

func TestEncodeHTMLAlternative(t *testing.T) {
	msg := notify.Message{
		To:      []string{"李四 <lisi@example.cn>"},
		Subject: "今日待办：3 件",
		Text:    "您今天有 3 件待办事项。",
		HTML:    "<p>您今天有 <strong>3</strong> 件待办事项。</p>",
	}
	raw, err := msg.Encode(testFrom, testDate)
	if err != nil {
		t.Fatal(err)
	}
	checkWire(t, raw)
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var types, bodies []string
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, p.Header.Get("Content-Type"))
		bodies = append(bodies, decodePart(t, p.Header.Get("Content-Transfer-Encoding"), p))
	}
	if strings.Join(types, "|") != "text/plain; charset=utf-8|text/html; charset=utf-8" {
		t.Fatalf("parts %q", types)
	}
	if bodies[0] != msg.Text || bodies[1] != msg.HTML {
		t.Errorf("bodies %q", bodies)
	}

	// An ASCII HTML part is quoted-printable, and begins right after its
	// header.
	msg.HTML = "<p>You have <strong>3</strong> items to do today.</p>"
	raw, err = msg.Encode(testFrom, testDate)
	if err != nil {
		t.Fatal(err)
	}
	m, _ = mail.ReadMessage(bytes.NewReader(raw))
	_, params, _ = mime.ParseMediaType(m.Header.Get("Content-Type"))
	mr = multipart.NewReader(m.Body, params["boundary"])
	mr.NextRawPart()
	p, err := mr.NextRawPart()
	if err != nil || p.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
		t.Fatalf("HTML part: %v %v", p.Header, err)
	}
	if got := decodePart(t, "quoted-printable", p); got != msg.HTML {
		t.Errorf("HTML part %q", got)
	}
}

func TestEncodeKeepsGivenMessageID(t *testing.T) {
	msg := notify.Message{To: []string{"a@example.cn"}, Subject: "s", Text: "t",
		Headers: map[string]string{"Message-ID": "<reply.42@mzzj.example.gov.cn>", "In-Reply-To": "<abc@example.cn>"}}
	raw, err := msg.Encode(testFrom, testDate)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := mail.ReadMessage(bytes.NewReader(raw))
	if m.Header.Get("Message-ID") != "<reply.42@mzzj.example.gov.cn>" || len(m.Header["Message-Id"]) != 1 {
		t.Errorf("Message-ID: %v", m.Header)
	}
}

func TestValidateRefusesBadMessages(t *testing.T) {
	ok := func() notify.Message {
		return notify.Message{To: []string{"张三 <zhangsan@example.cn>"}, Subject: "通知", Text: "正文"}
	}
	cases := []struct {
		name string
		edit func(m *notify.Message)
		code apperr.Code
	}{
		{"CRLF in subject", func(m *notify.Message) { m.Subject = "通知\r\nBcc: victim@example.com" }, apperr.Invalid},
		{"LF in subject", func(m *notify.Message) { m.Subject = "通知\nX-Evil: 1" }, apperr.Invalid},
		{"CR in subject", func(m *notify.Message) { m.Subject = "通知\rX-Evil: 1" }, apperr.Invalid},
		{"CRLF in recipient", func(m *notify.Message) { m.To = []string{"a@example.cn\r\nBcc: evil@example.com"} }, apperr.Invalid},
		{"CRLF in display name", func(m *notify.Message) { m.To = []string{"\"张三\r\nBcc: evil@example.com\" <a@example.cn>"} }, apperr.Invalid},
		{"CRLF in reply-to", func(m *notify.Message) { m.ReplyTo = "a@example.cn\nBcc: evil@example.com" }, apperr.Invalid},
		{"CRLF in header value", func(m *notify.Message) { m.Headers = map[string]string{"X-Tag": "a\r\nBcc: evil@example.com"} }, apperr.Invalid},
		{"colon in header name", func(m *notify.Message) { m.Headers = map[string]string{"Bcc: evil@example.com\r\nX": "1"} }, apperr.Invalid},
		{"space in header name", func(m *notify.Message) { m.Headers = map[string]string{"X Tag": "1"} }, apperr.Invalid},
		{"Bcc header", func(m *notify.Message) { m.Headers = map[string]string{"bcc": "evil@example.com"} }, apperr.Invalid},
		{"Content-Type header", func(m *notify.Message) { m.Headers = map[string]string{"Content-Type": "text/html"} }, apperr.Invalid},
		{"duplicate header", func(m *notify.Message) { m.Headers = map[string]string{"X-Tag": "1", "x-tag": "2"} }, apperr.Invalid},
		{"bad Message-ID", func(m *notify.Message) { m.Headers = map[string]string{"Message-ID": "<no at sign>"} }, apperr.Invalid},
		{"control character", func(m *notify.Message) { m.Subject = "通\x00知" }, apperr.Invalid},
		{"subject of 201 characters", func(m *notify.Message) { m.Subject = strings.Repeat("字", 201) }, apperr.Invalid},
		{"empty subject", func(m *notify.Message) { m.Subject = " " }, apperr.Invalid},
		{"no recipients", func(m *notify.Message) { m.To = nil }, apperr.Invalid},
		{"too many recipients", func(m *notify.Message) {
			m.To = nil
			for range notify.MaxRecipients + 1 {
				m.To = append(m.To, "a@example.cn")
			}
		}, apperr.Invalid},
		{"not an address", func(m *notify.Message) { m.To = []string{"张三"} }, apperr.Invalid},
		{"two addresses in one", func(m *notify.Message) { m.To = []string{"a@example.cn, b@example.cn"} }, apperr.Invalid},
		{"non-ASCII address", func(m *notify.Message) { m.To = []string{"张三@例子.中国"} }, apperr.Invalid},
		{"bad reply-to", func(m *notify.Message) { m.ReplyTo = "nobody" }, apperr.Invalid},
		{"empty text", func(m *notify.Message) { m.Text = "" }, apperr.Invalid},
		{"invalid UTF-8", func(m *notify.Message) { m.Text = "\xff\xfe" }, apperr.Invalid},
		{"body too large", func(m *notify.Message) { m.Text = strings.Repeat("x", notify.MaxBodyBytes+1) }, apperr.TooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := ok()
			c.edit(&m)
			err := m.Validate()
			if apperr.CodeOf(err) != c.code {
				t.Fatalf("Validate: %v, want %s", err, c.code)
			}
			if raw, err := m.Encode(testFrom, testDate); err == nil {
				t.Fatalf("Encode accepted it:\n%s", raw)
			}
		})
	}
	m := ok()
	m.Subject = strings.Repeat("字", notify.MaxSubjectRunes)
	if err := m.Validate(); err != nil {
		t.Errorf("a subject of %d characters: %v", notify.MaxSubjectRunes, err)
	}
	if _, err := ok().Encode("not an address", testDate); err == nil {
		t.Error("Encode accepted a bad sender")
	}
}
