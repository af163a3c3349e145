package web_test

import (
	"mime/multipart"
	"net/textproto"
	"testing"

	"github.com/gongkai/gongkai/internal/web"
)

func TestUploadName(t *testing.T) {
	for disposition, want := range map[string]string{
		`form-data; name="file"; filename="../../etc/passwd.pdf"`: "../../etc/passwd.pdf",
		`form-data; name="file"; filename="报告.pdf"`:               "报告.pdf",
		`form-data; name="file"`:                                  "fallback.pdf",
		`not a disposition;;`:                                     "fallback.pdf",
	} {
		fh := &multipart.FileHeader{Filename: "fallback.pdf", Header: textproto.MIMEHeader{"Content-Disposition": {disposition}}}
		if got := web.UploadName(fh); got != want {
			t.Errorf("%s: %q, want %q", disposition, got, want)
		}
	}
}
