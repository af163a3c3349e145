package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
)

// ParseForm parses a submitted form (URL-encoded or multipart without files)
// and rejects bodies that are too large or not valid UTF-8, with Chinese
// messages.
func ParseForm(r *http.Request) error {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		// #nosec G120 -- the body is already capped by http.MaxBytesReader in checkBody (MaxFormBytes/MaxUploadBytes) for every unsafe method
		err = r.ParseMultipartForm(1 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.Wrap(apperr.TooLarge, "提交的内容超过了大小上限。", err)
		}
		return apperr.Wrap(apperr.Invalid, "提交的表单无法识别，请刷新页面后重新提交。", err)
	}
	if !validValues(r.PostForm) || (r.MultipartForm != nil && !validValues(r.MultipartForm.Value)) {
		return apperr.New(apperr.Invalid, "提交的内容包含无效字符（不是有效的 UTF-8 文本），请检查后重新提交。")
	}
	return nil
}

// Field returns a trimmed form value.
func Field(r *http.Request, name string) string {
	return strings.TrimSpace(r.PostFormValue(name))
}

// FieldID reads a numeric ID field; empty or malformed is 0.
func FieldID(r *http.Request, name string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue(name)), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// PathID reads a numeric path value; ok is false when it is not a positive number.
func PathID(r *http.Request, name string) (int64, bool) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return n, err == nil && n > 0
}

// Limit checks lengths of fields (in characters) and adds messages to fields.
func Limit(fields map[string]string, r *http.Request, limits map[string]int, labels map[string]string) {
	for name, max := range limits {
		if n := utf8.RuneCountInString(Field(r, name)); n > max {
			label := labels[name]
			if label == "" {
				label = "此项"
			}
			fields[name] = label + "不能超过 " + strconv.Itoa(max) + " 个字（当前 " + strconv.Itoa(n) + " 个）"
		}
	}
}
