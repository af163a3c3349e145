package web

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
)

// countingReader counts the bytes the form parser takes from the body.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

const fuzzFormLimit = 4096

func multipartBody(fields ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(fields); i += 2 {
		b.WriteString("--gkfuzz\r\nContent-Disposition: form-data; name=\"" + fields[i] + "\"\r\n\r\n" + fields[i+1] + "\r\n")
	}
	b.WriteString("--gkfuzz--\r\n")
	return b.String()
}

// FuzzParseForm: ParseForm under the body limit the routes set
// (http.MaxBytesReader, as checkBody does) answers every body with
// either parsed values that are valid UTF-8 without NUL, or an apperr
// error (Invalid, or TooLarge exactly when a URL-encoded body is over the
// limit) with a Chinese message; it never reads past the limit nor keeps
// more than it read.
func FuzzParseForm(f *testing.F) {
	const urlenc, mp = "application/x-www-form-urlencoded", "multipart/form-data; boundary=gkfuzz"
	f.Add([]byte("name=%E5%BC%A0%E4%B8%89&phone=13800138000&ids=1&ids=2"), urlenc)
	f.Add([]byte("a=%zz&b"), urlenc)
	f.Add([]byte("a=1;b=2"), urlenc)
	f.Add([]byte("x=%ff%fe"), urlenc)
	f.Add([]byte("x=%00"), urlenc)
	f.Add([]byte("%ff=1"), urlenc)
	f.Add(bytes.Repeat([]byte("a=1&"), fuzzFormLimit/4+1), urlenc)
	f.Add([]byte(multipartBody("title", "申请公开", "body", "<script>alert(1)</script>")), mp)
	f.Add([]byte(multipartBody("x", "\xff\xfe")), mp)
	f.Add([]byte("--gkfuzz\r\nContent-Disposition: form-data; name=\"f\"; filename=\"../../a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--gkfuzz--\r\n"), mp)
	f.Add([]byte("--gkfuzz\r\n\r\n"), mp)
	f.Add([]byte(multipartBody("a", strings.Repeat("长", fuzzFormLimit))), mp)
	f.Add([]byte("a=1"), "multipart/form-data")
	f.Add([]byte("a=1"), "text/plain")
	f.Add([]byte("a=1"), "application/x-www-form-urlencoded; charset=gbk")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		cr := &countingReader{r: bytes.NewReader(body)}
		r := httptest.NewRequest(http.MethodPost, "/f?q=1", nil)
		r.Header.Set("Content-Type", contentType)
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(cr), fuzzFormLimit)
		r.ContentLength = int64(len(body))
		err := ParseForm(r)
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
		if cr.n > fuzzFormLimit+1 {
			t.Fatalf("read %d bytes of a body limited to %d", cr.n, fuzzFormLimit)
		}
		mt, _, mterr := mime.ParseMediaType(contentType)
		isURLEncoded := mterr == nil && mt == "application/x-www-form-urlencoded"
		if err != nil {
			code := apperr.CodeOf(err)
			if code != apperr.Invalid && code != apperr.TooLarge {
				t.Fatalf("error %v has code %v", err, code)
			}
			if !strings.ContainsFunc(apperr.MessageOf(err), func(r rune) bool { return r >= 0x4e00 }) {
				t.Fatalf("message %q is not Chinese", apperr.MessageOf(err))
			}
			if code == apperr.TooLarge && len(body) <= fuzzFormLimit {
				t.Fatalf("%d bytes refused as too large (limit %d)", len(body), fuzzFormLimit)
			}
			if isURLEncoded && len(body) > fuzzFormLimit && code != apperr.TooLarge {
				t.Fatalf("%d bytes over the limit refused as %v", len(body), err)
			}
			return
		}
		if isURLEncoded && len(body) > fuzzFormLimit {
			t.Fatalf("%d bytes accepted (limit %d)", len(body), fuzzFormLimit)
		}
		total := 0
		check := func(vals map[string][]string) {
			for k, vs := range vals {
				if !utf8.ValidString(k) {
					t.Fatalf("key %q is not UTF-8", k)
				}
				total += len(k)
				for _, v := range vs {
					if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
						t.Fatalf("value %q of %q accepted", v, k)
					}
					total += len(v)
				}
			}
		}
		check(r.PostForm)
		if r.MultipartForm != nil {
			check(r.MultipartForm.Value)
		}
		if total > 2*len(body) {
			t.Fatalf("%d bytes of values from a %d-byte body", total, len(body))
		}
		for k := range r.PostForm {
			if v := Field(r, k); v != strings.TrimSpace(v) {
				t.Fatalf("Field(%q) = %q is not trimmed", k, v)
			}
			if FieldID(r, k) < 0 {
				t.Fatalf("FieldID(%q) < 0", k)
			}
		}
	})
}

// FuzzMaskContact: the masks of names and phone numbers shown on public
// pages and in the console never show a whole mobile number or more than
// the family name; MaskName is idempotent; ValidPhone and ValidEmail
// accept nothing that could break a header or a page.
func FuzzMaskContact(f *testing.F) {
	for _, s := range []string{"张三", "欧阳娜娜", "  李 ", "王", "", "13800138000", "+86 138-0013-8000", "021-12345678-123",
		"a@example.cn", "a@b.c\r\nBcc: x@y.z", "<script>@x.cn", "１３８００１３８０００", "\xff\xfe", "Ivan Петров", "阿卜杜拉·买买提"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name := MaskName(s)
		if again := MaskName(name); again != name {
			t.Fatalf("MaskName not idempotent: %q → %q → %q", s, name, again)
		}
		trimmed := []rune(strings.TrimSpace(s))
		if utf8.RuneCountInString(name) != len(trimmed) {
			t.Fatalf("MaskName(%q) = %q changes the length", s, name)
		}
		if shown := strings.TrimRight(name, "*"); len(trimmed) > 1 && utf8.RuneCountInString(shown) > 2 {
			t.Fatalf("MaskName(%q) = %q shows more than the family name", s, name)
		}
		if len(trimmed) > 1 && !strings.HasSuffix(name, "*") {
			t.Fatalf("MaskName(%q) = %q masks nothing", s, name)
		}
		phone := MaskPhone(s)
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
		if strings.Trim(phone, "*0123456789") != "" {
			t.Fatalf("MaskPhone(%q) = %q", s, phone)
		}
		shown := strings.Count(phone, "") - 1 - strings.Count(phone, "*")
		if shown > 7 || (len(digits) < 11 && shown > 4) {
			t.Fatalf("MaskPhone(%q) = %q shows %d digits", s, phone, shown)
		}
		if len(digits) >= 8 && strings.Contains(phone, digits) {
			t.Fatalf("MaskPhone(%q) = %q shows the whole number", s, phone)
		}
		if ValidPhone(s) {
			if strings.ContainsAny(s, "\r\n<>\"'&\x00") || len(digits) < 10 || len(digits) > 22 {
				t.Fatalf("ValidPhone accepted %q", s)
			}
		}
		if ValidEmail(s) {
			if len(s) > 254 || strings.ContainsAny(s, "<>\"'(),;:\\") || strings.Count(s, "@") != 1 ||
				strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
				t.Fatalf("ValidEmail accepted %q", s)
			}
		}
		if !Unreadable(s) && (!utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' })) {
			t.Fatalf("Unreadable(%q) = false", s)
		}
	})
}
