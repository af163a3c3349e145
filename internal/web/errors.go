package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/db"
)

// Status maps a domain error code to its HTTP status. This is the only place
// where that mapping lives.
func Status(code apperr.Code) int {
	switch code {
	case apperr.Invalid:
		return http.StatusBadRequest
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Unauthorized:
		return http.StatusUnauthorized
	case apperr.RateLimited:
		return http.StatusTooManyRequests
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	case apperr.TooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// statusTitles are the Chinese headings of the error pages.
var statusTitles = map[int]string{
	http.StatusBadRequest:            "请求有误",
	http.StatusUnauthorized:          "需要登录",
	http.StatusForbidden:             "无权访问",
	http.StatusNotFound:              "页面不存在",
	http.StatusMethodNotAllowed:      "不支持的请求方式",
	http.StatusConflict:              "操作冲突",
	http.StatusRequestEntityTooLarge: "提交的内容过大",
	http.StatusUnsupportedMediaType:  "不支持的内容类型",
	http.StatusTooManyRequests:       "请求过于频繁",
	http.StatusInternalServerError:   "系统内部错误",
	http.StatusServiceUnavailable:    "服务暂时不可用",
}

// statusMessages explain each error page in plain words.
var statusMessages = map[int]string{
	http.StatusBadRequest:            "提交的内容无法识别，请返回检查后重新提交。",
	http.StatusUnauthorized:          "请先登录后再访问此页面。",
	http.StatusForbidden:             "您没有访问此页面或执行此操作的权限。如有需要，请联系本单位管理员。",
	http.StatusNotFound:              "您访问的页面不存在，可能已被移除或地址有误。",
	http.StatusMethodNotAllowed:      "此页面不支持这种请求方式。",
	http.StatusConflict:              "操作与当前状态冲突，请刷新页面后重试。",
	http.StatusRequestEntityTooLarge: "提交的内容或文件超过了大小上限，请缩小后重新提交。",
	http.StatusUnsupportedMediaType:  "提交的内容类型不受支持，请通过页面上的表单提交。",
	http.StatusTooManyRequests:       "您的请求过于频繁，请稍后再试。",
	http.StatusInternalServerError:   "系统出现了意外错误，我们已记录此问题，请稍后再试。",
	http.StatusServiceUnavailable:    "服务暂时不可用，请稍后再试。",
}

// StatusTitle returns the Chinese heading for status.
func StatusTitle(status int) string {
	if t, ok := statusTitles[status]; ok {
		return t
	}
	return http.StatusText(status)
}

// StatusMessage returns the default Chinese explanation for status.
func StatusMessage(status int) string {
	if m, ok := statusMessages[status]; ok {
		return m
	}
	return "请求无法完成。"
}

// IsAPI reports whether r is for the JSON API.
func IsAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/")
}

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail,omitempty"`
	Instance  string            `json:"instance,omitempty"`
	Code      string            `json:"code,omitempty"`
	Errors    map[string]string `json:"errors,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// WriteProblem writes an RFC 9457 application/problem+json response.
func WriteProblem(w http.ResponseWriter, r *http.Request, status int, code, detail string, fields map[string]string) {
	p := Problem{
		Type:      "about:blank",
		Title:     StatusTitle(status),
		Status:    status,
		Detail:    detail,
		Instance:  r.URL.Path,
		Code:      code,
		Errors:    fields,
		RequestID: RequestID(r.Context()),
	}
	if code != "" {
		p.Type = "https://gongkai.dev/problems/" + code
	}
	if p.Detail == "" {
		p.Detail = StatusMessage(status)
	}
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

// Error answers a request that failed with err: a problem document for the
// API, an error page otherwise. Internal errors are logged with their
// detail; the user sees only a Chinese message and the request ID.
func (a *App) Error(w http.ResponseWriter, r *http.Request, err error) {
	// A database that is down, restarting or unreachable is a temporary
	// condition wherever it surfaces: 503 with Retry-After, not a 500.
	err = db.Classify(err)
	code := apperr.CodeOf(err)
	status := Status(code)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		status, code = http.StatusRequestEntityTooLarge, apperr.TooLarge
	}
	msg := apperr.MessageOf(err)
	if status >= 500 {
		a.Logger.ErrorContext(r.Context(), "request failed", slog.String("request_id", RequestID(r.Context())),
			slog.String("path", r.URL.Path), slog.Any("error", err))
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "5")
		}
	}
	if status == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "60")
	}
	if status == http.StatusRequestEntityTooLarge && code == apperr.TooLarge && msg == apperr.MessageOf(nil) {
		msg = StatusMessage(status)
	}
	if IsAPI(r) {
		WriteProblem(w, r, status, string(code), msg, apperr.FieldsOf(err))
		return
	}
	a.ErrorPage(w, r, status, msg)
}

// ErrorPage renders the Chinese error page for status with msg (or the
// default explanation).
func (a *App) ErrorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if IsAPI(r) {
		WriteProblem(w, r, status, "", msg, nil)
		return
	}
	if msg == "" {
		msg = StatusMessage(status)
	}
	v := a.NewView(r, StatusTitle(status))
	v.Data = errorData{Status: status, Message: msg, RequestID: RequestID(r.Context())}
	w.Header().Set("Cache-Control", "no-store")
	page := "web/error"
	if strings.HasPrefix(r.URL.Path, "/console") {
		page = "web/console_error"
	}
	a.Render.Page(w, r, status, page, v)
}

type errorData struct {
	Status    int
	Message   string
	RequestID string
}

// StatusCode helps templates print numbers without formatting surprises.
func (e errorData) StatusCode() string { return strconv.Itoa(e.Status) }

// WriteJSON writes v as a JSON response.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}
