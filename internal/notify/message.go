package notify

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
)

// Limits on a Message.
const (
	MaxRecipients    = 50      // addresses in To
	MaxSubjectRunes  = 200     // characters in the subject
	MaxBodyBytes     = 1 << 20 // Text and HTML together
	MaxNameRunes     = 100     // characters in a display name
	MaxHeaderBytes   = 900     // one extra header's value, encoded
	maxHeaderNameLen = 76
)

// Message is one e-mail. To holds addresses as net/mail parses them, with or
// without a display name ("张三 <zhangsan@example.cn>"). Text is required;
// HTML, when given, is sent as the alternative to Text. Headers are extra
// header fields (for example "Auto-Submitted", "List-Unsubscribe",
// "In-Reply-To", "X-Gongkai-Purpose", or a caller-chosen "Message-ID"); the
// structural fields (From, To, Cc, Bcc, Subject, Date, Reply-To, Sender,
// MIME-Version, Content-*, Return-Path, Received) cannot be set through them.
//
// A Message is stored in the outbox as JSON, with these field names.
type Message struct {
	To      []string          `json:"to"`
	Subject string            `json:"subject"`
	Text    string            `json:"text"`
	HTML    string            `json:"html,omitempty"`
	ReplyTo string            `json:"reply_to,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
}

// reservedHeaders are set by the encoder from the Message's own fields.
var reservedHeaders = map[string]bool{
	"from": true, "sender": true, "to": true, "cc": true, "bcc": true, "reply-to": true,
	"subject": true, "date": true, "mime-version": true, "return-path": true, "received": true,
}

// parsedMessage is a validated Message.
type parsedMessage struct {
	to        []*mail.Address
	replyTo   *mail.Address
	headers   [][2]string // name, value; sorted by lower-case name
	messageID string      // from Headers, or empty
}

// Validate checks m: at least one and at most MaxRecipients addresses that
// net/mail parses (ASCII addresses; display names may be Chinese), a subject
// of 1–MaxSubjectRunes characters, a text body, bodies of at most
// MaxBodyBytes, valid UTF-8 throughout, and no CR, LF or other control
// character in any header field (no header injection). The error is an
// apperr.Invalid with a Chinese message.
func (m Message) Validate() error {
	_, err := m.parse()
	return err
}

func (m Message) parse() (*parsedMessage, error) {
	p := &parsedMessage{}
	if len(m.To) == 0 {
		return nil, apperr.Invalidf("邮件没有收件人。")
	}
	if len(m.To) > MaxRecipients {
		return nil, apperr.Invalidf("一封邮件最多 %d 个收件人。", MaxRecipients)
	}
	for _, s := range m.To {
		a, err := parseAddress("收件人", s)
		if err != nil {
			return nil, err
		}
		p.to = append(p.to, a)
	}
	if m.ReplyTo != "" {
		a, err := parseAddress("回复地址", m.ReplyTo)
		if err != nil {
			return nil, err
		}
		p.replyTo = a
	}
	if err := checkHeaderText("邮件主题", m.Subject); err != nil {
		return nil, err
	}
	if strings.TrimSpace(m.Subject) == "" {
		return nil, apperr.Invalidf("邮件主题不能为空。")
	}
	if n := utf8.RuneCountInString(m.Subject); n > MaxSubjectRunes {
		return nil, apperr.Invalidf("邮件主题最多 %d 个字，现有 %d 个。", MaxSubjectRunes, n)
	}
	if strings.TrimSpace(m.Text) == "" {
		return nil, apperr.Invalidf("邮件正文不能为空。")
	}
	if len(m.Text)+len(m.HTML) > MaxBodyBytes {
		return nil, apperr.New(apperr.TooLarge, fmt.Sprintf("邮件正文过长（最多 %d KB）。", MaxBodyBytes>>10))
	}
	if !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML) {
		return nil, apperr.Invalidf("邮件正文含有无效的字符编码。")
	}
	seen := map[string]bool{}
	for name, value := range m.Headers {
		lower := strings.ToLower(name)
		if !validHeaderName(name) {
			return nil, apperr.Invalidf("邮件头名称 %q 无效。", name)
		}
		if reservedHeaders[lower] || strings.HasPrefix(lower, "content-") {
			return nil, apperr.Invalidf("邮件头 %s 不能自行设置。", name)
		}
		if seen[lower] {
			return nil, apperr.Invalidf("邮件头 %s 重复。", name)
		}
		seen[lower] = true
		if err := checkHeaderText("邮件头 "+name, value); err != nil {
			return nil, err
		}
		if lower == "message-id" {
			if !validMessageID(value) {
				return nil, apperr.Invalidf("Message-ID %q 的格式应为 <唯一标识@域名>。", value)
			}
			p.messageID = value
			continue
		}
		enc := encodeUnstructured(value)
		if len(enc) > MaxHeaderBytes {
			return nil, apperr.Invalidf("邮件头 %s 过长。", name)
		}
		p.headers = append(p.headers, [2]string{name, enc})
	}
	slices.SortFunc(p.headers, func(a, b [2]string) int {
		return strings.Compare(strings.ToLower(a[0]), strings.ToLower(b[0]))
	})
	return p, nil
}

// parseAddress parses one address of a header field named field (Chinese,
// for the message).
func parseAddress(field, s string) (*mail.Address, error) {
	if err := checkHeaderText(field, s); err != nil {
		return nil, err
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, apperr.Invalidf("%s %q 不是有效的邮件地址。", field, s)
	}
	if !isASCII(a.Address) {
		return nil, apperr.Invalidf("%s %q：暂不支持含中文等非 ASCII 字符的邮件地址。", field, s)
	}
	if utf8.RuneCountInString(a.Name) > MaxNameRunes {
		return nil, apperr.Invalidf("%s %q 的名称过长。", field, s)
	}
	return a, nil
}

// checkHeaderText refuses invalid UTF-8 and control characters; CR and LF
// would let a value start a header field of its own.
func checkHeaderText(field, s string) error {
	if !utf8.ValidString(s) {
		return apperr.Invalidf("%s含有无效的字符编码。", field)
	}
	if strings.ContainsAny(s, "\r\n") {
		return apperr.Invalidf("%s不能含有换行符。", field)
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return apperr.Invalidf("%s含有控制字符。", field)
		}
	}
	return nil
}

// validHeaderName reports whether name is a field name (RFC 5322 3.6.8:
// printable ASCII except colon).
func validHeaderName(name string) bool {
	if name == "" || len(name) > maxHeaderNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}

func validMessageID(v string) bool {
	if len(v) < 5 || len(v) > 250 || v[0] != '<' || v[len(v)-1] != '>' {
		return false
	}
	left, right, ok := strings.Cut(v[1:len(v)-1], "@")
	if !ok || left == "" || right == "" || strings.Contains(right, "@") {
		return false
	}
	for i := 1; i < len(v)-1; i++ {
		if c := v[i]; c <= 32 || c >= 127 || c == '<' || c == '>' || c == '"' || c == '\\' || c == '(' || c == ')' {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// encodeUnstructured returns v as is when it is ASCII, else as RFC 2047
// encoded-words (base64, UTF-8), each at most 75 characters. ASCII text
// that holds "=?" is encoded too, or a reader would decode what only looks
// like an encoded-word ("=?utf-8?b?...?=") into other text.
func encodeUnstructured(v string) string {
	if isASCII(v) {
		if !strings.Contains(v, "=?") {
			return v
		}
		// mime.BEncoding leaves ASCII alone: encode by hand, 45 bytes
		// (60 base64 characters) a word.
		var words []string
		for len(v) > 0 {
			n := min(len(v), 45)
			words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(v[:n]))+"?=")
			v = v[n:]
		}
		return strings.Join(words, " ")
	}
	return mime.BEncoding.Encode("utf-8", v)
}

// Encode validates m and renders it as an RFC 5322 message from the sender
// from (an address net/mail parses, as in config.SMTP.From) dated date:
// UTF-8, with RFC 2047 encoded-words for a non-ASCII subject and display
// names, header lines folded to 78 characters, a quoted-printable or base64
// body (whichever is shorter for the text), multipart/alternative when HTML
// is given, and Date and Message-ID fields (a random Message-ID on the
// sender's domain unless m.Headers sets one). Lines end in CRLF.
func (m Message) Encode(from string, date time.Time) ([]byte, error) {
	p, err := m.parse()
	if err != nil {
		return nil, err
	}
	f, err := parseAddress("发件人", from)
	if err != nil {
		return nil, err
	}
	return encode(m, p, f, date), nil
}

// encode renders a validated message.
func encode(m Message, p *parsedMessage, from *mail.Address, date time.Time) []byte {
	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(fold(name + ": " + value))
		b.WriteString("\r\n")
	}
	header("Date", date.In(civil.Shanghai).Format(time.RFC1123Z))
	header("From", from.String())
	to := make([]string, len(p.to))
	for i, a := range p.to {
		to[i] = a.String()
	}
	header("To", strings.Join(to, ", "))
	if p.replyTo != nil {
		header("Reply-To", p.replyTo.String())
	}
	header("Subject", encodeUnstructured(m.Subject))
	id := p.messageID
	if id == "" {
		id = newMessageID(domainOf(from.Address))
	}
	header("Message-ID", id)
	for _, h := range p.headers {
		header(h[0], h[1])
	}
	header("MIME-Version", "1.0")
	if m.HTML == "" {
		body := writePart(header, "text/plain", m.Text)
		b.WriteString("\r\n")
		b.Write(body)
		b.WriteString("\r\n")
		return b.Bytes()
	}
	mw := multipart.NewWriter(&b)
	header("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	for _, part := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		ph := textproto.MIMEHeader{}
		body := writePart(func(name, value string) { ph.Set(name, value) }, part.typ, part.body)
		w, _ := mw.CreatePart(ph) // writes to a bytes.Buffer: cannot fail
		w.Write(body)
	}
	mw.Close()
	return b.Bytes()
}

// writePart writes the Content-Type and Content-Transfer-Encoding fields
// through header and returns the encoded body, without a final line break.
func writePart(header func(name, value string), typ, body string) []byte {
	header("Content-Type", typ+"; charset=utf-8")
	body = crlf(body)
	var b bytes.Buffer
	if useQuotedPrintable(body) {
		header("Content-Transfer-Encoding", "quoted-printable")
		w := quotedprintable.NewWriter(&b)
		w.Write([]byte(body))
		w.Close()
		return b.Bytes()
	}
	header("Content-Transfer-Encoding", "base64")
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	return b.Bytes()
}

// useQuotedPrintable reports whether quoted-printable is shorter than base64
// for s: each non-ASCII byte takes 3 characters in quoted-printable, every
// byte 4/3 in base64, so quoted-printable wins below one sixth.
func useQuotedPrintable(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			n++
		}
	}
	return n*6 < len(s)
}

// crlf turns every line ending (LF, CR or CRLF) into CRLF, the canonical
// form of text bodies.
func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// fold folds a header line at spaces so that lines stay within 78
// characters where a space allows (RFC 5322 2.2.3). Encoded-words contain no
// spaces and are at most 75 characters, so they always fit.
func fold(line string) string {
	const limit = 78
	if len(line) <= limit {
		return line
	}
	var b strings.Builder
	cur := 0 // length of the current output line
	for i, tok := range strings.Split(line, " ") {
		if i > 0 {
			// Never fold right after the field name, nor before an empty
			// token (a line of spaces only is not allowed).
			if i > 1 && cur+1+len(tok) > limit && tok != "" {
				b.WriteString("\r\n")
				cur = 0
			}
			b.WriteByte(' ')
			cur++
		}
		b.WriteString(tok)
		cur += len(tok)
	}
	return b.String()
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i < len(addr)-1 {
		return addr[i+1:]
	}
	return "localhost"
}

// newMessageID returns a random Message-ID on domain.
func newMessageID(domain string) string {
	var r [16]byte
	rand.Read(r[:])
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">"
}
